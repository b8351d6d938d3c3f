/* cp-compliance-row.h: one compliance setting, with how to fix it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <company-portal.h>

G_BEGIN_DECLS

#define CP_TYPE_COMPLIANCE_ROW (cp_compliance_row_get_type ())
G_DECLARE_FINAL_TYPE (CpComplianceRow, cp_compliance_row, CP, COMPLIANCE_ROW, AdwExpanderRow)

CpComplianceRow    *cp_compliance_row_new            (CpComplianceResult *result);
CpComplianceResult *cp_compliance_row_get_result     (CpComplianceRow    *self);
/* The words that go with the state's icon (never colour alone). */
const char         *cp_compliance_state_describe     (CpComplianceState   state);
/* TRUE for a gnome-control-center panel id this window will pass on. */
gboolean            cp_compliance_panel_id_is_valid  (const char         *panel);

G_END_DECLS
