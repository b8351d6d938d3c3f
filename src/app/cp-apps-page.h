/* cp-apps-page.h: the Apps page of the main view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <company-portal.h>

G_BEGIN_DECLS

#define CP_TYPE_APPS_PAGE (cp_apps_page_get_type ())
G_DECLARE_FINAL_TYPE (CpAppsPage, cp_apps_page, CP, APPS_PAGE, AdwBin)

/* The client is injected by the window; NULL (signed out) forgets what was shown. */
void cp_apps_page_set_client (CpAppsPage   *self,
                             CpApiClient *client);
void cp_apps_page_reload     (CpAppsPage   *self);

G_END_DECLS
