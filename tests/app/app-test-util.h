/* app-test-util.h: what the window's test programs share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <libsoup/soup.h>

#include "cp-icon-cache.h"
#include "cp-test-util.h"   /* cp_test_remove_tree() */

G_BEGIN_DECLS

/* A SoupServer on loopback answering @path (NULL: every path) with @handler;
 * *base_out is its address ("http://127.0.0.1:PORT/"). */
SoupServer *app_test_start_server (const char          *path,
                                   SoupServerCallback   handler,
                                   gpointer             data,
                                   char               **base_out);
/* A GAsyncReadyCallback keeping the result in the GAsyncResult * at @user_data. */
void        app_test_result_cb    (GObject             *source,
                                   GAsyncResult        *result,
                                   gpointer             user_data);
/* cp_icon_cache_load_async() at @size run to its end. */
GdkTexture *app_test_load_icon    (CpIconCache         *icons,
                                   const char          *url,
                                   int                  size,
                                   GError             **error);
/* How many regular files @path holds. */
guint       app_test_count_files  (const char          *path);

G_END_DECLS
