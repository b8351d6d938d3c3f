/* cp-app-details-page.h: everything the catalog says about one app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <company-portal.h>

#include "cp-app-installs.h"
#include "cp-icon-cache.h"

G_BEGIN_DECLS

#define CP_TYPE_APP_DETAILS_PAGE (cp_app_details_page_get_type ())
G_DECLARE_FINAL_TYPE (CpAppDetailsPage, cp_app_details_page, CP, APP_DETAILS_PAGE, GtkBox)

/* ::back is emitted when the user leaves the page (button or Escape). */
GtkWidget *cp_app_details_page_new          (void);
void       cp_app_details_page_set_context  (CpAppDetailsPage *self,
                                             CpAppInstalls    *installs,
                                             CpIconCache      *icons,
                                             const char       *api_base_url);
void       cp_app_details_page_set_app      (CpAppDetailsPage *self,
                                             CpApp            *app);
/* Keyboard focus to the page (its Back button). */
void       cp_app_details_page_focus        (CpAppDetailsPage *self);
CpApp     *cp_app_details_page_get_app      (CpAppDetailsPage *self);

G_END_DECLS
