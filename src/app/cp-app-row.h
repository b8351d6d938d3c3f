/* cp-app-row.h: one app in the Apps list (a recycled row)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <company-portal.h>

#include "cp-app-installs.h"
#include "cp-icon-cache.h"

G_BEGIN_DECLS

#define CP_TYPE_APP_ROW (cp_app_row_get_type ())
G_DECLARE_FINAL_TYPE (CpAppRow, cp_app_row, CP, APP_ROW, GtkBox)

GtkWidget *cp_app_row_new          (void);
/* Set on bind, cleared (NULL app) on unbind so a recycled row never shows
 * the icon of the app it showed before. @api_base_url resolves relative
 * icon paths. */
void       cp_app_row_set_app      (CpAppRow       *self,
                                    CpApp          *app,
                                    CpIconCache    *icons,
                                    const char     *api_base_url);
void       cp_app_row_set_context  (CpAppRow       *self,
                                    CpAppInstalls  *installs);
/* Shows a section heading instead of an app (the list's items are either). */
void       cp_app_row_show_heading (CpAppRow       *self,
                                    const char     *text);
/* A row far from what the list shows (TRUE by default: near) keeps its app
 * without building its widgets until it comes near. */
void       cp_app_row_set_near     (CpAppRow       *self,
                                    gboolean        near);
gboolean   cp_app_row_get_near     (CpAppRow       *self);
/* The "Required"/"Featured" tags; hidden under a section heading that says it. */
void       cp_app_row_set_show_tags (CpAppRow      *self,
                                     gboolean       show);
/* The absolute URL of @app's icon, or NULL (docs/catalog.md "iconUrl"). */
char      *cp_app_icon_url         (CpApp          *app,
                                    const char     *api_base_url);
/* Sets @image to @app's icon: the placeholder at once, the icon when loaded,
 * decoded at @image's pixel size times its scale factor. */
void       cp_app_load_icon        (GtkImage       *image,
                                    CpApp          *app,
                                    CpIconCache    *icons,
                                    const char     *api_base_url,
                                    GCancellable   *cancellable);

G_END_DECLS
