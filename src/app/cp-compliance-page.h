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

/* The client is injected by the window (its API base URL names the server to
 * the agent); NULL (signed out) forgets what was shown. */
void        cp_compliance_page_set_client    (CpCompliancePage *self,
                                              CpApiClient      *client);
/* Asks the agent for its last result; does not evaluate. */
void        cp_compliance_page_reload        (CpCompliancePage *self);
/* Check again: the agent evaluates now, with progress. */
void        cp_compliance_page_check         (CpCompliancePage *self);
/* Expands and focuses the row of @setting_id, now or when the results arrive. */
void        cp_compliance_page_show_setting  (CpCompliancePage *self,
                                              const char       *setting_id);
/* "loading", "not-enrolled", "agent-missing", "never-evaluated", "error" or "report"; for tests. */
const char *cp_compliance_page_get_state     (CpCompliancePage *self);

G_END_DECLS
