/* cp-compliance-rules.h: Intune custom compliance rules and their evaluation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cp-compliance-result.h"

G_BEGIN_DECLS

#define CP_COMPLIANCE_RULES_MAX 1000

#define CP_TYPE_COMPLIANCE_RULES (cp_compliance_rules_get_type ())
G_DECLARE_FINAL_TYPE (CpComplianceRules, cp_compliance_rules, CP, COMPLIANCE_RULES, GObject)

/* @node: {"Rules":[{SettingName, Operator, DataType, Operand, MoreInfoUrl?,
 * RemediationStrings?:[{Language, Title, Description}]}]}. Every member is
 * checked; an unknown operator or data type, an operand that does not parse
 * as its data type or more than CP_COMPLIANCE_RULES_MAX rules fail with
 * CP_ERROR_INVALID_DATA. */
CpComplianceRules  *cp_compliance_rules_new_from_json  (JsonNode            *node,
                                                        GError             **error);
guint               cp_compliance_rules_get_n_rules    (CpComplianceRules   *self);
const char         *cp_compliance_rules_get_setting_name (CpComplianceRules *self,
                                                          guint              index);
/* Compares the discovery script's output (a JSON object of SettingName → value)
 * with every rule and returns one result per rule (rule = SettingName).
 * @languages: preferred locales, best first ("de_DE.UTF-8", "de", ...); en_US
 * is the fallback for remediation strings. */
GPtrArray          *cp_compliance_rules_evaluate       (CpComplianceRules   *self,
                                                        const char          *setting_id,
                                                        const char          *title,
                                                        JsonObject          *output,
                                                        const char *const   *languages);
/* One ERROR result per rule, all with @reason, for a script that produced nothing usable. */
GPtrArray          *cp_compliance_rules_fail_all       (CpComplianceRules   *self,
                                                        const char          *setting_id,
                                                        const char          *title,
                                                        const char          *reason);

G_END_DECLS
