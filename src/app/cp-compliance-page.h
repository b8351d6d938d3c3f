/* cp-compliance-page.h: the Compliance page of the main view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <company-portal.h>

G_BEGIN_DECLS

#define CP_TYPE_COMPLIANCE_PAGE (cp_compliance_page_get_type ())
G_DECLARE_FINAL_TYPE (CpCompliancePage, cp_compliance_page, CP, COMPLIANCE_PAGE, AdwBin)

/* The client is injected by the window; NULL (signed out) forgets what was shown. */
void cp_compliance_page_set_client (CpCompliancePage   *self,
                             CpApiClient *client);
void cp_compliance_page_reload     (CpCompliancePage   *self);

G_END_DECLS
