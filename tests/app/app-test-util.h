/* app-test-util.h: what the window's test programs share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <libsoup/soup.h>

#include "cp-icon-cache.h"
#include "cp-test-util.h"   /* cp_test_remove_tree(), cp_test_start_server() */

G_BEGIN_DECLS

/* A GAsyncReadyCallback keeping the result in the GAsyncResult * at @user_data. */
void        app_test_result_cb    (GObject             *source,
                                   GAsyncResult        *result,
                                   gpointer             user_data);
/* cp_icon_cache_load_async() at @size run to its end. */
GdkTexture *app_test_load_icon    (CpIconCache         *icons,
                                   const char          *url,
                                   int                  size,
                                   GError             **error);
/* The end of a load started with app_test_result_cb() and @result: waits
 * for it, finishes it and clears @result. */
GdkTexture *app_test_finish_icon  (CpIconCache         *icons,
                                   GAsyncResult       **result,
                                   GError             **error);
/* How many regular files @path holds. */
guint       app_test_count_files  (const char          *path);

/* The first widget below @widget of @type (a button labelled @button_label
 * when not NULL), depth first. */
GtkWidget  *app_test_find_descendant (GtkWidget         *widget,
                                      GType              type,
                                      const char        *button_label);
/* Runs the main loop for @ms milliseconds. */
void        app_test_iterate_for     (guint              ms);
/* Runs the main loop until @done returns TRUE; fails after 10 s. */
void        app_test_iterate_until   (gboolean         (*done) (gpointer),
                                      gpointer           data);
/* Makes the test an XSETTINGS manager on its display (once) and sets
 * Gdk/WindowScalingFactor: GDK changes every surface's scale factor, as when
 * the user changes the desktop's scale. Not when GDK_SCALE is set. */
void        app_test_set_window_scale (int               scale);
/* A CpWindow of the process's one test application (not presented). */
GtkWidget  *app_test_new_window      (void);
void        app_test_close_window    (GtkWidget         *window);
/* For programs that open the window: cairo on X11, the build tree's settings
 * schema, a cache directory of their own (removed at exit); then
 * gtk_test_init() and adw_init(). */
void        app_test_init_window_tests (int          *argc,
                                        char       ***argv);
/* "http://127.0.0.1:PORT" where nothing listens. */
char       *app_test_unreachable_url (void);

G_END_DECLS
