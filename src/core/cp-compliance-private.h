/* cp-compliance-private.h: what the compliance classes share inside the core
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cp-compliance-policy.h"
#include "cp-compliance-result.h"
#include "cp-host-root.h"

G_BEGIN_DECLS

/* Takes @parameters (NULL: an empty object). */
CpComplianceSetting  *cp_compliance_setting_new        (const char              *id,
                                                        const char              *type_name,
                                                        const char              *title,
                                                        guint                    grace_period_hours,
                                                        JsonObject              *parameters);
CpComplianceSettingType cp_compliance_setting_type_from_name (const char         *name);

/* A result for @setting with a printf-style evidence. */
CpComplianceResult   *cp_compliance_result_for         (CpComplianceSetting     *setting,
                                                        CpComplianceState        state,
                                                        const char              *expected,
                                                        const char              *evidence_format,
                                                        ...) G_GNUC_PRINTF (4, 5);

/* Parameter readers: each fails with CP_ERROR_INVALID_DATA naming the member.
 * A missing member gives @fallback and success. */
gboolean  cp_compliance_param_uint     (JsonObject   *parameters,
                                        const char   *member,
                                        guint         fallback,
                                        guint         max,
                                        guint        *out,
                                        GError      **error);
gboolean  cp_compliance_param_bool     (JsonObject   *parameters,
                                        const char   *member,
                                        gboolean      fallback,
                                        gboolean     *out,
                                        GError      **error);
/* Optional string: *out is NULL when absent. */
gboolean  cp_compliance_param_string   (JsonObject   *parameters,
                                        const char   *member,
                                        const char  **out,
                                        GError      **error);

/* Built-in checks: synchronous, file reads only, safe in a worker thread.
 * Each returns one result and never "compliant" for what it could not read. */
CpComplianceResult   *cp_compliance_check_distribution  (CpHostRoot *root, CpComplianceSetting *setting);
CpComplianceResult   *cp_compliance_check_disk          (CpHostRoot *root, CpComplianceSetting *setting);
CpComplianceResult   *cp_compliance_check_password      (CpHostRoot *root, CpComplianceSetting *setting);
CpComplianceResult   *cp_compliance_check_firewall      (CpHostRoot *root, CpComplianceSetting *setting);
CpComplianceResult   *cp_compliance_check_secure_boot   (CpHostRoot *root, CpComplianceSetting *setting);
CpComplianceResult   *cp_compliance_check_updates       (CpHostRoot *root, CpComplianceSetting *setting);
CpComplianceResult   *cp_compliance_check_ssh           (CpHostRoot *root, CpComplianceSetting *setting);
/* Reads GSettings: call it from the thread that owns the engine. */
CpComplianceResult   *cp_compliance_check_screen_lock   (GSettingsSchemaSource *source,
                                                         CpComplianceSetting   *setting);

/* Shared parsing helpers. */
/* os-release style KEY=value lines with shell quoting; NULL with an error for garbage. */
GHashTable           *cp_compliance_parse_env_file      (const char   *text,
                                                         GError      **error);

G_END_DECLS
