/* cp-compliance-report.h: the agent's compliance document, as the window reads it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The document of io.github.companyportal.Agent1.Compliance (GetCompliance,
 * Evaluate, ComplianceChanged; see data/io.github.companyportal.Agent1.Compliance.xml).
 * Every member read is type-checked: a wrong type is CP_ERROR_INVALID_DATA.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cp-compliance-result.h"

G_BEGIN_DECLS

/* What the user can do with company resources, in the order of worsening. */
typedef enum
{
  CP_COMPLIANCE_ACCESS_UNKNOWN,   /* never evaluated, or the state is not known */
  CP_COMPLIANCE_ACCESS_ALLOWED,   /* compliant */
  CP_COMPLIANCE_ACCESS_AT_RISK,   /* in the grace period: fix before the deadline */
  CP_COMPLIANCE_ACCESS_NOT_MET,   /* issues found here, the server's verdict is not known */
  CP_COMPLIANCE_ACCESS_BLOCKED,   /* the server says noncompliant */
  CP_COMPLIANCE_ACCESS_ERROR,     /* the last evaluation failed */
} CpComplianceAccess;

#define CP_TYPE_COMPLIANCE_REPORT (cp_compliance_report_get_type ())
G_DECLARE_FINAL_TYPE (CpComplianceReport, cp_compliance_report, CP, COMPLIANCE_REPORT, GObject)

CpComplianceReport *cp_compliance_report_new_from_json     (const char         *json,
                                                            GError            **error);
const char         *cp_compliance_report_get_server        (CpComplianceReport *self); /* nullable */
const char         *cp_compliance_report_get_device_id     (CpComplianceReport *self); /* nullable */
/* NULL when this machine was never evaluated for the server. */
GDateTime          *cp_compliance_report_get_evaluated_at  (CpComplianceReport *self);
/* "compliant", "noncompliant", "unknown", "error" or NULL. */
const char         *cp_compliance_report_get_local_state   (CpComplianceReport *self);
/* Why the last evaluation failed; nullable. */
const char         *cp_compliance_report_get_error         (CpComplianceReport *self);
/* TRUE when the server could not be reached and the last policy it sent was evaluated. */
gboolean            cp_compliance_report_is_policy_cached  (CpComplianceReport *self);
/* TRUE when the newest report waits in the agent's queue (the server could not take it). */
gboolean            cp_compliance_report_is_report_queued  (CpComplianceReport *self);
/* The server's answer: "compliant", "inGracePeriod", "noncompliant", "unknown", "error" or NULL. */
const char         *cp_compliance_report_get_server_state  (CpComplianceReport *self);
GDateTime          *cp_compliance_report_get_grace_deadline (CpComplianceReport *self); /* nullable */
GDateTime          *cp_compliance_report_get_state_updated_at (CpComplianceReport *self); /* nullable */
/* CpComplianceResult, in the policy's order; never NULL. */
GPtrArray          *cp_compliance_report_get_results       (CpComplianceReport *self);
/* Results that need the user: noncompliant, unknown and error. */
guint               cp_compliance_report_count_issues      (CpComplianceReport *self);
CpComplianceAccess  cp_compliance_report_get_access        (CpComplianceReport *self);

/* One result of docs/compliance-policy.md; exposed for tests and for the agent's peers. */
CpComplianceResult *cp_compliance_result_new_from_json     (JsonObject         *object,
                                                            GError            **error);

G_END_DECLS
