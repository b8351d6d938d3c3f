/* cp-help-page.h: the organisation's support contacts and privacy statement
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <company-portal.h>

G_BEGIN_DECLS

#define CP_TYPE_HELP_PAGE (cp_help_page_get_type ())
G_DECLARE_FINAL_TYPE (CpHelpPage, cp_help_page, CP, HELP_PAGE, AdwBin)

/* @organization may be NULL (nothing known yet). */
void cp_help_page_set_organization (CpHelpPage     *self,
                                    CpOrganization *organization,
                                    const char     *server_url);

G_END_DECLS
