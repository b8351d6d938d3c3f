/* cp-compliance-result.h: the outcome of one compliance setting (or one rule of it)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The names on the wire are Intune's: compliant, noncompliant, notApplicable,
 * unknown, error. UNKNOWN and ERROR always carry the reason in the evidence. */
typedef enum
{
  CP_COMPLIANCE_STATE_COMPLIANT,
  CP_COMPLIANCE_STATE_NONCOMPLIANT,
  CP_COMPLIANCE_STATE_NOT_APPLICABLE,
  CP_COMPLIANCE_STATE_UNKNOWN,       /* the host could not be read */
  CP_COMPLIANCE_STATE_ERROR,         /* the setting itself could not be evaluated */
} CpComplianceState;

typedef enum
{
  CP_REMEDIATION_ACTION_NONE,
  CP_REMEDIATION_ACTION_SETTINGS_PANEL,  /* value: a gnome-control-center panel id */
  CP_REMEDIATION_ACTION_URL,             /* value: an https URL */
  CP_REMEDIATION_ACTION_COMMAND,         /* value: a command the user may copy */
} CpRemediationAction;

const char  *cp_compliance_state_to_string    (CpComplianceState    state);
/* FALSE for an unknown name. */
gboolean     cp_compliance_state_from_string  (const char          *name,
                                               CpComplianceState   *state);
const char  *cp_remediation_action_to_string  (CpRemediationAction  action);

#define CP_TYPE_COMPLIANCE_RESULT (cp_compliance_result_get_type ())
G_DECLARE_FINAL_TYPE (CpComplianceResult, cp_compliance_result, CP, COMPLIANCE_RESULT, GObject)

CpComplianceResult  *cp_compliance_result_new                  (const char          *setting_id,
                                                                const char          *title,
                                                                CpComplianceState    state,
                                                                const char          *evidence,
                                                                const char          *expected);
const char          *cp_compliance_result_get_setting_id       (CpComplianceResult  *self);
const char          *cp_compliance_result_get_title            (CpComplianceResult  *self);
CpComplianceState    cp_compliance_result_get_state            (CpComplianceResult  *self);
const char          *cp_compliance_result_get_evidence         (CpComplianceResult  *self);
const char          *cp_compliance_result_get_expected         (CpComplianceResult  *self); /* nullable */
/* Custom compliance: the SettingName of the rule; NULL for built-in settings. */
const char          *cp_compliance_result_get_rule             (CpComplianceResult  *self);
void                 cp_compliance_result_set_rule             (CpComplianceResult  *self,
                                                                const char          *rule);
/* Remediation: nullable title, NULL-terminated steps (never NULL, maybe empty). */
const char          *cp_compliance_result_get_remediation_title (CpComplianceResult *self);
const char *const   *cp_compliance_result_get_remediation_steps (CpComplianceResult *self);
void                 cp_compliance_result_set_remediation      (CpComplianceResult  *self,
                                                                const char          *title,
                                                                const char *const   *steps);
void                 cp_compliance_result_add_remediation_step (CpComplianceResult  *self,
                                                                const char          *step);
CpRemediationAction  cp_compliance_result_get_action           (CpComplianceResult  *self);
const char          *cp_compliance_result_get_action_value     (CpComplianceResult  *self); /* nullable */
void                 cp_compliance_result_set_action           (CpComplianceResult  *self,
                                                                CpRemediationAction  action,
                                                                const char          *value);
/* The result as the agent reports it (see docs/compliance-policy.md). */
JsonNode            *cp_compliance_result_to_json              (CpComplianceResult  *self);

G_END_DECLS
