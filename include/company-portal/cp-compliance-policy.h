/* cp-compliance-policy.h: the compliance settings the server assigns to a device
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Hostile-input limits; a policy beyond them is rejected as a whole. */
#define CP_COMPLIANCE_POLICY_MAX_BYTES     (4 * 1024 * 1024)
#define CP_COMPLIANCE_POLICY_MAX_SETTINGS  1000
#define CP_COMPLIANCE_POLICY_MAX_ARRAY     1000     /* elements of any array */
#define CP_COMPLIANCE_POLICY_MAX_STRING    (256 * 1024)   /* a discovery script fits */
#define CP_COMPLIANCE_POLICY_MAX_DEPTH     32

typedef enum
{
  CP_COMPLIANCE_SETTING_UNSUPPORTED,   /* a type this client does not know */
  CP_COMPLIANCE_SETTING_DISTRIBUTION,
  CP_COMPLIANCE_SETTING_DISK_ENCRYPTION,
  CP_COMPLIANCE_SETTING_PASSWORD_POLICY,
  CP_COMPLIANCE_SETTING_CUSTOM_COMPLIANCE,
  CP_COMPLIANCE_SETTING_FIREWALL,
  CP_COMPLIANCE_SETTING_SCREEN_LOCK,
  CP_COMPLIANCE_SETTING_SECURE_BOOT,
  CP_COMPLIANCE_SETTING_AUTOMATIC_UPDATES,
  CP_COMPLIANCE_SETTING_SSH_SERVER,
} CpComplianceSettingType;

#define CP_TYPE_COMPLIANCE_SETTING (cp_compliance_setting_get_type ())
G_DECLARE_FINAL_TYPE (CpComplianceSetting, cp_compliance_setting, CP, COMPLIANCE_SETTING, GObject)

const char               *cp_compliance_setting_get_id                 (CpComplianceSetting *self);
CpComplianceSettingType   cp_compliance_setting_get_setting_type       (CpComplianceSetting *self);
const char               *cp_compliance_setting_get_type_name          (CpComplianceSetting *self); /* as sent */
const char               *cp_compliance_setting_get_title              (CpComplianceSetting *self); /* a default when absent */
guint                     cp_compliance_setting_get_grace_period_hours (CpComplianceSetting *self);
/* Never NULL (an empty object when absent); checked by the check that reads it. */
JsonObject               *cp_compliance_setting_get_parameters         (CpComplianceSetting *self);

#define CP_TYPE_COMPLIANCE_POLICY (cp_compliance_policy_get_type ())
G_DECLARE_FINAL_TYPE (CpCompliancePolicy, cp_compliance_policy, CP, COMPLIANCE_POLICY, GObject)

/* Both fail with CP_ERROR_INVALID_DATA and a message naming the problem. */
CpCompliancePolicy   *cp_compliance_policy_new_from_data     (const char          *data,
                                                              gssize               length,
                                                              GError             **error);
CpCompliancePolicy   *cp_compliance_policy_new_from_json     (JsonNode            *node,
                                                              GError             **error);
const char           *cp_compliance_policy_get_id            (CpCompliancePolicy  *self); /* nullable */
guint                 cp_compliance_policy_get_n_settings    (CpCompliancePolicy  *self);
CpComplianceSetting  *cp_compliance_policy_get_setting       (CpCompliancePolicy  *self,
                                                              guint                index);
CpComplianceSetting  *cp_compliance_policy_lookup_setting    (CpCompliancePolicy  *self,
                                                              const char          *id);

/* Checks size, depth, array lengths and string lengths of any JSON tree
 * (policies, rules, discovery script output). */
gboolean              cp_compliance_json_check_limits        (JsonNode            *node,
                                                              guint                max_array,
                                                              gsize                max_string,
                                                              GError             **error);

G_END_DECLS
