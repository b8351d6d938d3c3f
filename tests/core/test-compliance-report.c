/* test-compliance-report.c: reading the agent's compliance document
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <company-portal.h>

/* The engine's own result JSON must read back the same: the window reads what the agent writes. */
static void
test_report_round_trip (void)
{
  g_autoptr(CpComplianceResult) firewall = cp_compliance_result_new ("firewall", "Firewall",
                                                                     CP_COMPLIANCE_STATE_NONCOMPLIANT,
                                                                     "No firewall is enabled", "A firewall is enabled");
  g_autoptr(CpComplianceResult) os = cp_compliance_result_new ("os", "Supported Linux version",
                                                               CP_COMPLIANCE_STATE_COMPLIANT, "debian 12", NULL);
  const char *steps[] = { "Open a terminal.", "Run the command below.", NULL };
  g_autoptr(JsonArray) results = json_array_new ();
  g_autoptr(JsonObject) doc = json_object_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;
  g_autoptr(CpComplianceReport) report = NULL;
  g_autoptr(GError) error = NULL;
  CpComplianceResult *read;

  cp_compliance_result_set_remediation (firewall, "Turn on the firewall", steps);
  cp_compliance_result_set_action (firewall, CP_REMEDIATION_ACTION_COMMAND, "sudo ufw enable");
  json_array_add_element (results, cp_compliance_result_to_json (os));
  json_array_add_element (results, cp_compliance_result_to_json (firewall));
  json_object_set_string_member (doc, "server", "https://portal.example");
  json_object_set_string_member (doc, "deviceId", "dev-1");
  json_object_set_string_member (doc, "evaluatedAt", "2026-03-01T10:00:00Z");
  json_object_set_string_member (doc, "localState", "noncompliant");
  json_object_set_string_member (doc, "complianceState", "inGracePeriod");
  json_object_set_string_member (doc, "complianceGraceDeadline", "2026-03-12T10:00:00Z");
  json_object_set_array_member (doc, "results", json_array_ref (results));
  json_node_set_object (root, doc);
  text = json_to_string (root, FALSE);

  report = cp_compliance_report_new_from_json (text, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cp_compliance_report_get_server (report), ==, "https://portal.example");
  g_assert_cmpstr (cp_compliance_report_get_device_id (report), ==, "dev-1");
  g_assert_cmpint (g_date_time_get_day_of_month (cp_compliance_report_get_grace_deadline (report)), ==, 12);
  g_assert_cmpuint (cp_compliance_report_get_results (report)->len, ==, 2);
  g_assert_cmpuint (cp_compliance_report_count_issues (report), ==, 1);
  g_assert_cmpint (cp_compliance_report_get_access (report), ==, CP_COMPLIANCE_ACCESS_AT_RISK);

  read = g_ptr_array_index (cp_compliance_report_get_results (report), 1);
  g_assert_cmpstr (cp_compliance_result_get_setting_id (read), ==, "firewall");
  g_assert_cmpstr (cp_compliance_result_get_title (read), ==, "Firewall");
  g_assert_cmpint (cp_compliance_result_get_state (read), ==, CP_COMPLIANCE_STATE_NONCOMPLIANT);
  g_assert_cmpstr (cp_compliance_result_get_evidence (read), ==, "No firewall is enabled");
  g_assert_cmpstr (cp_compliance_result_get_expected (read), ==, "A firewall is enabled");
  g_assert_cmpstr (cp_compliance_result_get_remediation_title (read), ==, "Turn on the firewall");
  g_assert_cmpstrv (cp_compliance_result_get_remediation_steps (read), steps);
  g_assert_cmpint (cp_compliance_result_get_action (read), ==, CP_REMEDIATION_ACTION_COMMAND);
  g_assert_cmpstr (cp_compliance_result_get_action_value (read), ==, "sudo ufw enable");
  read = g_ptr_array_index (cp_compliance_report_get_results (report), 0);
  g_assert_null (cp_compliance_result_get_expected (read));
  g_assert_cmpint (cp_compliance_result_get_action (read), ==, CP_REMEDIATION_ACTION_NONE);
}

static CpComplianceAccess
access_of (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpComplianceReport) report = cp_compliance_report_new_from_json (json, &error);

  g_assert_no_error (error);
  return cp_compliance_report_get_access (report);
}

#define EVALUATED "\"evaluatedAt\":\"2026-03-01T10:00:00Z\","

static void
test_report_access (void)
{
  /* Nothing known: what GetCompliance answers before the first evaluation. */
  g_assert_cmpint (access_of ("{\"server\":\"https://p.example\"}"), ==, CP_COMPLIANCE_ACCESS_UNKNOWN);
  g_assert_cmpint (access_of ("{" EVALUATED "\"localState\":\"compliant\",\"complianceState\":\"compliant\"}"),
                   ==, CP_COMPLIANCE_ACCESS_ALLOWED);
  g_assert_cmpint (access_of ("{" EVALUATED "\"localState\":\"noncompliant\",\"complianceState\":\"noncompliant\"}"),
                   ==, CP_COMPLIANCE_ACCESS_BLOCKED);
  /* The server never answered: the local results decide, and do not claim blocked. */
  g_assert_cmpint (access_of ("{" EVALUATED "\"localState\":\"noncompliant\"}"), ==, CP_COMPLIANCE_ACCESS_NOT_MET);
  g_assert_cmpint (access_of ("{" EVALUATED "\"localState\":\"unknown\"}"), ==, CP_COMPLIANCE_ACCESS_NOT_MET);
  g_assert_cmpint (access_of ("{" EVALUATED "\"localState\":\"compliant\"}"), ==, CP_COMPLIANCE_ACCESS_ALLOWED);
  /* Fixed offline: the queued report is newer than the server's old verdict. */
  g_assert_cmpint (access_of ("{" EVALUATED "\"localState\":\"compliant\",\"complianceState\":\"noncompliant\","
                              "\"report\":{\"state\":\"queued\"}}"), ==, CP_COMPLIANCE_ACCESS_ALLOWED);
  /* Worse offline: the server's restriction still holds. */
  g_assert_cmpint (access_of ("{" EVALUATED "\"localState\":\"noncompliant\",\"complianceState\":\"inGracePeriod\","
                              "\"report\":{\"state\":\"queued\"}}"), ==, CP_COMPLIANCE_ACCESS_AT_RISK);
  g_assert_cmpint (access_of ("{" EVALUATED "\"localState\":\"noncompliant\",\"complianceState\":\"compliant\","
                              "\"report\":{\"state\":\"queued\"}}"), ==, CP_COMPLIANCE_ACCESS_NOT_MET);
  g_assert_cmpint (access_of ("{\"localState\":\"error\",\"error\":\"no policy\"}"), ==, CP_COMPLIANCE_ACCESS_ERROR);
}

static void
test_report_offline (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpComplianceReport) report = cp_compliance_report_new_from_json (
    "{" EVALUATED "\"localState\":\"compliant\",\"policySource\":\"cached\","
    "\"report\":{\"state\":\"queued\",\"message\":\"offline\"},\"futureMember\":[1,2]}", &error);

  g_assert_no_error (error);
  g_assert_true (cp_compliance_report_is_policy_cached (report));
  g_assert_true (cp_compliance_report_is_report_queued (report));
  g_assert_cmpuint (cp_compliance_report_get_results (report)->len, ==, 0);
}

static void
test_report_rejects (void)
{
  const char *bad[] = {
    "",
    "[]",
    "{\"results\":{}}",
    "{\"results\":[1]}",
    "{\"results\":[{\"state\":\"compliant\"}]}",
    "{\"results\":[{\"settingId\":\"a\",\"state\":\"fine\"}]}",
    "{\"results\":[{\"settingId\":\"a\",\"state\":\"compliant\",\"evidence\":5}]}",
    "{\"results\":[{\"settingId\":\"a\",\"state\":\"noncompliant\",\"remediation\":{\"steps\":[1]}}]}",
    "{\"results\":[{\"settingId\":\"a\",\"state\":\"noncompliant\",\"remediation\":{\"action\":{\"type\":\"url\"}}}]}",
    /* Only web links open: anything else could start an arbitrary handler. */
    "{\"results\":[{\"settingId\":\"a\",\"state\":\"noncompliant\",\"remediation\":{\"action\":"
      "{\"type\":\"url\",\"value\":\"file:///etc/passwd\"}}}]}",
    "{\"evaluatedAt\":\"yesterday\"}",
    "{\"complianceGraceDeadline\":12}",
    "{\"localState\":\"fine\"}",
    "{\"complianceState\":\"maybe\"}",
    "{\"report\":\"sent\"}",
    "{\"server\":[]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CpComplianceReport) report = cp_compliance_report_new_from_json (bad[i], &error);

      g_test_message ("%s", bad[i]);
      g_assert_null (report);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
    }
}

/* An action type newer than the window: the steps stay, no button. */
static void
test_report_unknown_action (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpComplianceReport) report = cp_compliance_report_new_from_json (
    "{\"results\":[{\"settingId\":\"a\",\"state\":\"noncompliant\",\"remediation\":{\"steps\":[\"Do it\"],"
    "\"action\":{\"type\":\"teleport\",\"value\":\"x\"}}}]}", &error);
  CpComplianceResult *result;

  g_assert_no_error (error);
  result = g_ptr_array_index (cp_compliance_report_get_results (report), 0);
  g_assert_cmpint (cp_compliance_result_get_action (result), ==, CP_REMEDIATION_ACTION_NONE);
  g_assert_cmpstr (cp_compliance_result_get_remediation_steps (result)[0], ==, "Do it");
  g_assert_cmpstr (cp_compliance_result_get_title (result), ==, "a");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/compliance-report/round-trip", test_report_round_trip);
  g_test_add_func ("/compliance-report/access", test_report_access);
  g_test_add_func ("/compliance-report/offline", test_report_offline);
  g_test_add_func ("/compliance-report/rejects", test_report_rejects);
  g_test_add_func ("/compliance-report/unknown-action", test_report_unknown_action);
  return g_test_run ();
}
