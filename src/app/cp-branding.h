/* cp-branding.h: an organisation's accent colour and logo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define CP_TYPE_BRANDING (cp_branding_get_type ())
G_DECLARE_FINAL_TYPE (CpBranding, cp_branding, CP, BRANDING, GObject)

CpBranding *cp_branding_new               (GdkDisplay           *display);
/* Applies "#rrggbb" as the accent colour; NULL (or anything else) restores the default. */
void        cp_branding_set_accent_color  (CpBranding           *self,
                                           const char           *color);
/* The logo at @uri (http/https) through the apps' icon cache (cp-icon-cache.h:
 * at most 256 KiB, 256 px, kept on disk as PNG), downloaded with @session
 * the first time, decoded with its longer side @size device pixels (never
 * larger than the image). */
void        cp_branding_load_logo_async   (CpBranding           *self,
                                           SoupSession          *session,
                                           const char           *uri,
                                           int                   size,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
GdkTexture *cp_branding_load_logo_finish  (CpBranding           *self,
                                           GAsyncResult         *result,
                                           GError              **error);

G_END_DECLS
