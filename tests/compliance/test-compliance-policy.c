/* test-compliance-policy.c: policy and rules parsing, hostile input, versions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "compliance-test-util.h"

static void
test_version_order (void)
{
  const char *ascending[] = { "9", "9.2", "9.10", "12", "12.1", "22.04", "22.10", "24.04", "24.04.1", "100" };

  for (guint i = 0; i < G_N_ELEMENTS (ascending); i++)
    for (guint j = 0; j < G_N_ELEMENTS (ascending); j++)
      {
        int cmp = cp_compliance_version_compare (ascending[i], ascending[j]);

        if (i < j)
          g_assert_cmpint (cmp, <, 0);
        else if (i > j)
          g_assert_cmpint (cmp, >, 0);
        else
          g_assert_cmpint (cmp, ==, 0);
      }
  g_assert_cmpint (cp_compliance_version_compare ("22.04", "22.4"), ==, 0);
  g_assert_cmpint (cp_compliance_version_compare ("2.10.1", "2.9"), >, 0);
  g_assert_true (cp_compliance_version_is_valid ("1.2.3-rc1"));
  g_assert_false (cp_compliance_version_is_valid (""));
  g_assert_false (cp_compliance_version_is_valid (".1"));
  g_assert_false (cp_compliance_version_is_valid ("1 2"));
}

static void
test_policy_example (void)
{
  g_autofree char *text = test_read_source ("policies/example.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(CpCompliancePolicy) policy = cp_compliance_policy_new_from_data (text, -1, &error);
  CpComplianceSetting *os, *disk;

  g_assert_no_error (error);
  g_assert_cmpstr (cp_compliance_policy_get_id (policy), ==, "contoso-linux-baseline");
  g_assert_cmpuint (cp_compliance_policy_get_n_settings (policy), ==, 9);
  os = cp_compliance_policy_get_setting (policy, 0);
  g_assert_cmpstr (cp_compliance_setting_get_id (os), ==, "os");
  g_assert_cmpint (cp_compliance_setting_get_setting_type (os), ==, CP_COMPLIANCE_SETTING_DISTRIBUTION);
  g_assert_cmpstr (cp_compliance_setting_get_title (os), ==, "Supported Linux version");
  g_assert_cmpuint (cp_compliance_setting_get_grace_period_hours (os), ==, 168);
  disk = cp_compliance_policy_lookup_setting (policy, "disk");
  g_assert_nonnull (disk);
  /* No title in the policy: a default one. */
  g_assert_cmpstr (cp_compliance_setting_get_title (disk), ==, "Disk encryption");
  g_assert_cmpint (cp_compliance_setting_get_setting_type (cp_compliance_policy_lookup_setting (policy, "security-agent")),
                   ==, CP_COMPLIANCE_SETTING_CUSTOM_COMPLIANCE);
  g_assert_null (cp_compliance_policy_lookup_setting (policy, "nope"));
}

static void
test_policy_malformed (void)
{
  const char *bad[] = {
    "",
    "[]",
    "{not json",
    "{}",
    "{\"settings\":{}}",
    "{\"settings\":[42]}",
    "{\"settings\":[{\"type\":\"firewall\"}]}",
    "{\"settings\":[{\"id\":\"\",\"type\":\"firewall\"}]}",
    "{\"settings\":[{\"id\":\"a b\",\"type\":\"firewall\"}]}",
    "{\"settings\":[{\"id\":\"fw\"}]}",
    "{\"settings\":[{\"id\":\"fw\",\"type\":7}]}",
    "{\"settings\":[{\"id\":\"fw\",\"type\":\"firewall\",\"gracePeriodHours\":-1}]}",
    "{\"settings\":[{\"id\":\"fw\",\"type\":\"firewall\",\"gracePeriodHours\":1.5}]}",
    "{\"settings\":[{\"id\":\"fw\",\"type\":\"firewall\",\"gracePeriodHours\":99999999}]}",
    "{\"settings\":[{\"id\":\"fw\",\"type\":\"firewall\",\"parameters\":[]}]}",
    "{\"settings\":[{\"id\":\"fw\",\"type\":\"firewall\",\"title\":false}]}",
    "{\"settings\":[{\"id\":\"fw\",\"type\":\"firewall\"},{\"id\":\"fw\",\"type\":\"sshServer\"}]}",
    "{\"id\":5,\"settings\":[]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CpCompliancePolicy) policy = cp_compliance_policy_new_from_data (bad[i], -1, &error);

      g_test_message ("case %u: %s", i, bad[i]);
      g_assert_null (policy);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
      g_assert_cmpstr (error->message, !=, "");
    }
}

static void
test_policy_hostile_sizes (void)
{
  g_autoptr(GString) many = g_string_new ("{\"settings\":[");
  g_autoptr(GString) deep = g_string_new ("{\"settings\":[],\"x\":");
  g_autofree char *big = g_strnfill (1024 * 1024, 'a');
  g_autofree char *huge_string = g_strdup_printf ("{\"settings\":[{\"id\":\"fw\",\"type\":\"firewall\",\"title\":\"%s\"}]}", big);
  g_autofree char *huge_param = g_strdup_printf ("{\"settings\":[{\"id\":\"fw\",\"type\":\"firewall\",\"parameters\":{\"x\":\"%s\"}}]}", big);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpCompliancePolicy) policy = NULL;

  for (guint i = 0; i < 10000; i++)
    g_string_append_printf (many, "%s{\"id\":\"s%u\",\"type\":\"firewall\"}", i ? "," : "", i);
  g_string_append (many, "]}");
  policy = cp_compliance_policy_new_from_data (many->str, many->len, &error);
  g_assert_null (policy);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "10000"));
  g_clear_error (&error);

  policy = cp_compliance_policy_new_from_data (huge_string, -1, &error);
  g_assert_null (policy);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  policy = cp_compliance_policy_new_from_data (huge_param, -1, &error);
  g_assert_null (policy);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_clear_error (&error);

  /* 10,000 rules inside a custom compliance setting: the whole policy goes. */
  {
    g_autoptr(GString) rules = g_string_new ("{\"settings\":[{\"id\":\"c\",\"type\":\"customCompliance\","
                                             "\"parameters\":{\"script\":\"#!/bin/sh\\n\",\"rules\":{\"Rules\":[");

    for (guint i = 0; i < 10000; i++)
      g_string_append_printf (rules, "%s{\"SettingName\":\"S%u\",\"Operator\":\"IsEquals\","
                              "\"DataType\":\"Int64\",\"Operand\":\"1\"}", i ? "," : "", i);
    g_string_append (rules, "]}}}]}");
    policy = cp_compliance_policy_new_from_data (rules->str, rules->len, &error);
    g_assert_null (policy);
    g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
    g_clear_error (&error);
  }

  for (guint i = 0; i < 100; i++)
    g_string_append (deep, "[");
  for (guint i = 0; i < 100; i++)
    g_string_append (deep, "]");
  g_string_append (deep, "}");
  policy = cp_compliance_policy_new_from_data (deep->str, -1, &error);
  g_assert_null (policy);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "nested"));
}

static void
test_policy_unknown_type_is_per_setting (void)
{
  const char *text = "{\"settings\":[{\"id\":\"new\",\"type\":\"tpmAttestation\",\"gracePeriodHours\":null},"
                     "{\"id\":\"fw\",\"type\":\"firewall\",\"futureMember\":{\"a\":1}}],\"futureTopLevel\":true}";
  g_autoptr(GError) error = NULL;
  g_autoptr(CpCompliancePolicy) policy = cp_compliance_policy_new_from_data (text, -1, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (cp_compliance_policy_get_n_settings (policy), ==, 2);
  g_assert_cmpint (cp_compliance_setting_get_setting_type (cp_compliance_policy_get_setting (policy, 0)),
                   ==, CP_COMPLIANCE_SETTING_UNSUPPORTED);
  g_assert_cmpstr (cp_compliance_setting_get_type_name (cp_compliance_policy_get_setting (policy, 0)), ==, "tpmAttestation");
}

static CpComplianceRules *
rules_from_text (const char *text,
                 GError    **error)
{
  g_autoptr(JsonNode) node = json_from_string (text, NULL);

  g_assert_nonnull (node);
  return cp_compliance_rules_new_from_json (node, error);
}

#define RULE(op, type, operand) \
  "{\"Rules\":[{\"SettingName\":\"X\",\"Operator\":\"" op "\",\"DataType\":\"" type "\",\"Operand\":" operand "}]}"

static void
test_rules_malformed (void)
{
  const char *bad[] = {
    "{}",
    "{\"Rules\":{}}",
    "{\"Rules\":[]}",
    "{\"Rules\":[7]}",
    RULE ("Contains", "String", "\"a\""),
    RULE ("isequals", "Int64", "\"1\""),
    RULE ("IsEquals", "Integer", "\"1\""),
    RULE ("IsEquals", "Int64", "\"one\""),
    RULE ("IsEquals", "Int64", "\"1.5\""),
    RULE ("IsEquals", "Int64", "true"),
    RULE ("IsEquals", "Boolean", "\"yes\""),
    RULE ("GreaterThan", "Boolean", "\"true\""),
    RULE ("LessThan", "String", "\"a\""),
    RULE ("IsEquals", "Double", "\"NaN\""),
    RULE ("IsEquals", "DateTime", "\"last tuesday\""),
    RULE ("IsEquals", "Version", "\"v 1\""),
    RULE ("IsEquals", "String", "null"),
    "{\"Rules\":[{\"Operator\":\"IsEquals\",\"DataType\":\"String\",\"Operand\":\"a\"}]}",
    "{\"Rules\":[{\"SettingName\":\"X\",\"Operator\":\"IsEquals\",\"DataType\":\"String\",\"Operand\":\"a\",\"MoreInfoUrl\":\"javascript:alert(1)\"}]}",
    "{\"Rules\":[{\"SettingName\":\"X\",\"Operator\":\"IsEquals\",\"DataType\":\"String\",\"Operand\":\"a\",\"RemediationStrings\":[{\"Language\":\"en_US\"}]}]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CpComplianceRules) rules = rules_from_text (bad[i], &error);

      g_test_message ("case %u: %s", i, bad[i]);
      g_assert_null (rules);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
    }
}

static void
test_rules_too_many (void)
{
  g_autoptr(GString) text = g_string_new ("{\"Rules\":[");
  g_autoptr(GError) error = NULL;
  g_autoptr(CpComplianceRules) rules = NULL;

  for (guint i = 0; i < 10000; i++)
    g_string_append_printf (text, "%s{\"SettingName\":\"S%u\",\"Operator\":\"IsEquals\",\"DataType\":\"Int64\",\"Operand\":\"%u\"}",
                            i ? "," : "", i, i);
  g_string_append (text, "]}");
  rules = rules_from_text (text->str, &error);
  g_assert_null (rules);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
}

static GPtrArray *
evaluate_rules (const char        *output_json,
                const char *const *languages)
{
  g_autofree char *text = test_read_source ("policies/rules.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(CpComplianceRules) rules = rules_from_text (text, &error);
  g_autoptr(JsonNode) output = json_from_string (output_json, NULL);

  g_assert_no_error (error);
  g_assert_cmpuint (cp_compliance_rules_get_n_rules (rules), ==, 6);
  return cp_compliance_rules_evaluate (rules, "agent", "Security agent", json_node_get_object (output), languages);
}

static void
test_rules_evaluate (void)
{
  const char *en[] = { "C", NULL };
  g_autoptr(GPtrArray) pass = evaluate_rules ("{\"DiskFreeGB\":42,\"AgentRunning\":true,\"AgentVersion\":\"2.10.1\","
                                              "\"Owner\":\"it-department\",\"LastScan\":\"2026-11-01T10:00:00Z\",\"Ratio\":0.75}", en);
  g_autoptr(GPtrArray) fail = evaluate_rules ("{\"DiskFreeGB\":5,\"AgentRunning\":false,\"AgentVersion\":\"2.9.0~beta\","
                                              "\"Owner\":\"IT-department\",\"LastScan\":\"2025-12-31T23:00:00-02:00\",\"Ratio\":1}", en);
  CpComplianceResult *disk;

  for (guint i = 0; i < pass->len; i++)
    test_assert_state (g_ptr_array_index (pass, i), CP_COMPLIANCE_STATE_COMPLIANT);
  g_assert_cmpstr (cp_compliance_result_get_rule (g_ptr_array_index (pass, 2)), ==, "AgentVersion");

  disk = g_ptr_array_index (fail, 0);
  test_assert_state (disk, CP_COMPLIANCE_STATE_NONCOMPLIANT);
  g_assert_cmpstr (cp_compliance_result_get_evidence (disk), ==, "5");
  g_assert_cmpstr (cp_compliance_result_get_expected (disk), ==, "DiskFreeGB ≥ 20");
  g_assert_cmpstr (cp_compliance_result_get_remediation_title (disk), ==, "Free disk space: 5 GB");
  g_assert_cmpstr (cp_compliance_result_get_remediation_steps (disk)[0], ==, "Free at least 20 GB; you have 5 GB.");
  g_assert_cmpint (cp_compliance_result_get_action (disk), ==, CP_REMEDIATION_ACTION_URL);
  g_assert_cmpstr (cp_compliance_result_get_action_value (disk), ==, "https://intranet.example.com/help/disk-space");
  test_assert_state (g_ptr_array_index (fail, 1), CP_COMPLIANCE_STATE_NONCOMPLIANT);
  g_assert_cmpstr (cp_compliance_result_get_remediation_steps (g_ptr_array_index (fail, 1))[0], ==,
                   "The agent is not running (reported false). Run: systemctl --user start security-agent");
  /* Versions compare by segments: 2.9.0~beta has one more than 2.9, so it is not older. */
  test_assert_state (g_ptr_array_index (fail, 2), CP_COMPLIANCE_STATE_COMPLIANT);
  /* Strings compare exactly. */
  test_assert_state (g_ptr_array_index (fail, 3), CP_COMPLIANCE_STATE_NONCOMPLIANT);
  /* 2025-12-31T23:00-02:00 is 2026-01-01T01:00Z: later than the operand. */
  test_assert_state (g_ptr_array_index (fail, 4), CP_COMPLIANCE_STATE_COMPLIANT);
  test_assert_state (g_ptr_array_index (fail, 5), CP_COMPLIANCE_STATE_NONCOMPLIANT);
}

static void
test_rules_locale (void)
{
  const char *german[] = { "de_DE.UTF-8", "de_DE", "de", "C", NULL };
  const char *german_only[] = { "de", NULL };
  const char *french[] = { "fr_FR.UTF-8", "fr", NULL };
  const char *output = "{\"DiskFreeGB\":3,\"AgentRunning\":false,\"AgentVersion\":\"1.0\",\"Owner\":\"x\","
                       "\"LastScan\":\"2026-11-01T10:00:00Z\",\"Ratio\":0.5}";
  g_autoptr(GPtrArray) de = evaluate_rules (output, german);
  g_autoptr(GPtrArray) de_short = evaluate_rules (output, german_only);
  g_autoptr(GPtrArray) fr = evaluate_rules (output, french);

  g_assert_cmpstr (cp_compliance_result_get_remediation_title (g_ptr_array_index (de, 0)), ==, "Freier Speicher: 3 GB");
  g_assert_cmpstr (cp_compliance_result_get_remediation_title (g_ptr_array_index (de_short, 0)), ==, "Freier Speicher: 3 GB");
  /* No French text: en_US. */
  g_assert_cmpstr (cp_compliance_result_get_remediation_title (g_ptr_array_index (fr, 0)), ==, "Free disk space: 3 GB");
  /* Only German speakers get German; the rule without German falls back too. */
  g_assert_cmpstr (cp_compliance_result_get_remediation_title (g_ptr_array_index (de, 1)), ==, "Start the security agent");
  /* "en-US" is the same locale as en_US. */
  g_assert_cmpstr (cp_compliance_result_get_remediation_title (g_ptr_array_index (fr, 2)), ==, "Update the agent");
  /* No remediation strings at all: no title, never a crash. */
  g_assert_null (cp_compliance_result_get_remediation_title (g_ptr_array_index (fr, 3)));
}

static void
test_rules_wrong_types_and_missing (void)
{
  const char *en[] = { "en_US", NULL };
  g_autoptr(GPtrArray) results = evaluate_rules ("{\"DiskFreeGB\":\"42\",\"AgentRunning\":1,\"AgentVersion\":2,"
                                                 "\"Owner\":null,\"LastScan\":\"soon\"}", en);

  g_assert_cmpuint (results->len, ==, 6);
  for (guint i = 0; i < results->len; i++)
    test_assert_state (g_ptr_array_index (results, i), CP_COMPLIANCE_STATE_ERROR);
  g_assert_nonnull (strstr (cp_compliance_result_get_evidence (g_ptr_array_index (results, 0)), "not a Int64"));
  g_assert_nonnull (strstr (cp_compliance_result_get_evidence (g_ptr_array_index (results, 5)), "did not report"));
}

static void
test_result_json (void)
{
  g_autoptr(CpComplianceResult) result = cp_compliance_result_new ("disk", "Disk encryption", CP_COMPLIANCE_STATE_NONCOMPLIANT,
                                                                   "Not encrypted: /", "Everything encrypted");
  const char *steps[] = { "one", "two", NULL };
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  CpComplianceState state;

  cp_compliance_result_set_remediation (result, "Encrypt", steps);
  cp_compliance_result_set_action (result, CP_REMEDIATION_ACTION_URL, "https://example.com/");
  node = cp_compliance_result_to_json (result);
  text = json_to_string (node, FALSE);
  g_assert_cmpstr (text, ==,
                   "{\"settingId\":\"disk\",\"title\":\"Disk encryption\",\"state\":\"noncompliant\","
                   "\"evidence\":\"Not encrypted: /\",\"expected\":\"Everything encrypted\","
                   "\"remediation\":{\"title\":\"Encrypt\",\"steps\":[\"one\",\"two\"],"
                   "\"action\":{\"type\":\"url\",\"value\":\"https://example.com/\"}}}");
  g_assert_true (cp_compliance_state_from_string ("notApplicable", &state));
  g_assert_cmpint (state, ==, CP_COMPLIANCE_STATE_NOT_APPLICABLE);
  g_assert_false (cp_compliance_state_from_string ("Compliant", &state));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/compliance/version/order", test_version_order);
  g_test_add_func ("/compliance/policy/example", test_policy_example);
  g_test_add_func ("/compliance/policy/malformed", test_policy_malformed);
  g_test_add_func ("/compliance/policy/hostile-sizes", test_policy_hostile_sizes);
  g_test_add_func ("/compliance/policy/unknown-type", test_policy_unknown_type_is_per_setting);
  g_test_add_func ("/compliance/rules/malformed", test_rules_malformed);
  g_test_add_func ("/compliance/rules/too-many", test_rules_too_many);
  g_test_add_func ("/compliance/rules/evaluate", test_rules_evaluate);
  g_test_add_func ("/compliance/rules/locale", test_rules_locale);
  g_test_add_func ("/compliance/rules/wrong-types", test_rules_wrong_types_and_missing);
  g_test_add_func ("/compliance/result/json", test_result_json);

  return g_test_run ();
}
