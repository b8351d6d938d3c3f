/* cp-icon-cache.h: app icons, fetched once and kept on disk
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* One icon larger than this is refused; the whole cache stays under the bound. */
#define CP_ICON_CACHE_MAX_ICON_SIZE (256 * 1024)
#define CP_ICON_CACHE_DEFAULT_BOUND (16 * 1024 * 1024)

#define CP_TYPE_ICON_CACHE (cp_icon_cache_get_type ())
G_DECLARE_FINAL_TYPE (CpIconCache, cp_icon_cache, CP, ICON_CACHE, GObject)

/*
 * Icons by absolute http(s) URL: from memory, else from @directory (one PNG
 * per URL, named by the URL's SHA-256, at the image's own size but at most
 * 256 px on a side; the least recently written are deleted when the
 * directory holds more than @max_bytes), else downloaded through @session
 * (no credentials: icon URLs are public, docs/catalog.md).
 * @directory NULL means $XDG_CACHE_HOME/company-portal/icons.
 *
 * An icon is decoded at the size it is shown: @size is the longer side in
 * device pixels (cp_icon_cache_image_size()). Every size is scaled down from
 * the one file, never up beyond the image's own size nor beyond 256 px.
 */
CpIconCache *cp_icon_cache_new          (SoupSession         *session,
                                         const char          *directory,
                                         guint64              max_bytes);
/* Immediately, when the icon is in memory at @size; else NULL. */
GdkTexture  *cp_icon_cache_lookup       (CpIconCache         *self,
                                         const char          *url,
                                         int                  size);
void         cp_icon_cache_load_async   (CpIconCache         *self,
                                         const char          *url,
                                         int                  size,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
GdkTexture  *cp_icon_cache_load_finish  (CpIconCache         *self,
                                         GAsyncResult        *result,
                                         GError             **error);
const char  *cp_icon_cache_get_directory (CpIconCache        *self);
/* The size to ask for @image's icon: its pixel size times its scale factor
 * (256 when it has no pixel size). */
int          cp_icon_cache_image_size   (GtkImage            *image);

G_END_DECLS
