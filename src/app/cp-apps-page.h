/* cp-apps-page.h: the Apps page of the main view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <company-portal.h>

#include "cp-app-installs.h"
#include "cp-icon-cache.h"

G_BEGIN_DECLS

#define CP_TYPE_APPS_PAGE (cp_apps_page_get_type ())
G_DECLARE_FINAL_TYPE (CpAppsPage, cp_apps_page, CP, APPS_PAGE, AdwBin)

/* The client is injected by the window; NULL (signed out) forgets what was shown. */
void        cp_apps_page_set_client       (CpAppsPage    *self,
                                           CpApiClient   *client);
void        cp_apps_page_reload           (CpAppsPage    *self);
/* The agent connection (created from the session bus by set_client() when
 * none was given) and the icon cache (the application's session). */
void        cp_apps_page_set_installs     (CpAppsPage    *self,
                                           CpAppInstalls *installs);
void        cp_apps_page_set_icon_cache   (CpAppsPage    *self,
                                           CpIconCache   *icons);
gboolean    cp_apps_page_focus_search     (CpAppsPage    *self);

/* What the user does, for tests and for the window's actions. */
void        cp_apps_page_set_search       (CpAppsPage    *self,
                                           const char    *text);
/* FALSE when no app of the catalog has that category. NULL: all. */
gboolean    cp_apps_page_set_category     (CpAppsPage    *self,
                                           const char    *category);
void        cp_apps_page_show_app         (CpAppsPage    *self,
                                           const char    *app_id);
/* The apps shown, in order (a GListModel of CpApp). */
GListModel *cp_apps_page_get_results      (CpAppsPage    *self);
/* "browse" or "details". */
const char *cp_apps_page_get_view         (CpAppsPage    *self);
GtkWidget  *cp_apps_page_get_required_bar (CpAppsPage    *self);

G_END_DECLS
