/* fuzz-compliance-policy.c: policies, Intune rules and discovery script output
 *
 * The input is tried as a policy document, as a rules document (evaluated
 * against a fixed script output) and as a script output (evaluated against
 * fixed rules). Nothing is run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"

static const char fixed_rules[] =
  "{\"Rules\":[{\"SettingName\":\"A\",\"Operator\":\"IsEquals\",\"DataType\":\"Boolean\",\"Operand\":\"true\"},"
  "{\"SettingName\":\"B\",\"Operator\":\"GreaterThan\",\"DataType\":\"Int64\",\"Operand\":5,"
  "\"RemediationStrings\":[{\"Language\":\"en_US\",\"Title\":\"{ActualValue}\",\"Description\":\"{ActualValue}{ActualValue}\"}]},"
  "{\"SettingName\":\"C\",\"Operator\":\"LessEquals\",\"DataType\":\"Double\",\"Operand\":\"0.5\"},"
  "{\"SettingName\":\"D\",\"Operator\":\"NotEquals\",\"DataType\":\"String\",\"Operand\":\"x\"},"
  "{\"SettingName\":\"E\",\"Operator\":\"LessThan\",\"DataType\":\"DateTime\",\"Operand\":\"2030-01-01T00:00:00Z\"},"
  "{\"SettingName\":\"F\",\"Operator\":\"GreaterEquals\",\"DataType\":\"Version\",\"Operand\":\"1.2.3\"}]}";
static const char fixed_output[] =
  "{\"A\":true,\"B\":6,\"C\":0.25,\"D\":\"y\",\"E\":\"2029-12-31T23:59:59+01:00\",\"F\":\"1.10\"}";

static void
touch_results (GPtrArray *results)
{
  for (guint i = 0; i < results->len; i++)
    {
      CpComplianceResult *result = g_ptr_array_index (results, i);
      g_autoptr(JsonNode) json = cp_compliance_result_to_json (result);
      g_autofree char *text = json_to_string (json, FALSE);

      g_assert_true (g_utf8_validate (cp_compliance_result_get_evidence (result), -1, NULL));
      g_assert_nonnull (text);
    }
}

static JsonNode *
parse (const char *text,
       gsize       len)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, text, len, NULL) || (root = json_parser_get_root (parser)) == NULL)
    return NULL;
  /* The engine checks limits before it looks at script output; do the same. */
  if (!cp_compliance_json_check_limits (root, CP_COMPLIANCE_POLICY_MAX_ARRAY, 64 * 1024, NULL))
    return NULL;
  return json_node_copy (root);
}

static void
try_policy (const char *text,
            gsize       len)
{
  g_autoptr(CpCompliancePolicy) policy = cp_compliance_policy_new_from_data (text, len, NULL);

  for (guint i = 0; policy != NULL && i < cp_compliance_policy_get_n_settings (policy); i++)
    {
      CpComplianceSetting *setting = cp_compliance_policy_get_setting (policy, i);
      JsonNode *rules = json_object_get_member (cp_compliance_setting_get_parameters (setting), "rules");

      g_assert_nonnull (cp_compliance_setting_get_id (setting));
      g_assert_nonnull (cp_compliance_setting_get_title (setting));
      if (rules != NULL)
        {
          g_autoptr(CpComplianceRules) parsed = cp_compliance_rules_new_from_json (rules, NULL);

          if (parsed != NULL)
            g_assert_cmpuint (cp_compliance_rules_get_n_rules (parsed), <=, CP_COMPLIANCE_RULES_MAX);
        }
    }
}

static void
try_rules (JsonNode *input)
{
  const char *languages[] = { "de_DE.UTF-8", "de", "C", NULL };
  g_autoptr(CpComplianceRules) rules = cp_compliance_rules_new_from_json (input, NULL);
  g_autoptr(JsonNode) output = json_from_string (fixed_output, NULL);

  if (rules != NULL)
    {
      g_autoptr(GPtrArray) results = cp_compliance_rules_evaluate (rules, "s", "t", json_node_get_object (output), languages);

      g_assert_cmpuint (results->len, ==, cp_compliance_rules_get_n_rules (rules));
      touch_results (results);
    }
}

static void
try_output (JsonNode *input)
{
  const char *languages[] = { "en_US", NULL };
  g_autoptr(JsonNode) rules_node = json_from_string (fixed_rules, NULL);
  g_autoptr(CpComplianceRules) rules = cp_compliance_rules_new_from_json (rules_node, NULL);
  g_autoptr(GPtrArray) results = NULL;

  g_assert_nonnull (rules);
  if (!JSON_NODE_HOLDS_OBJECT (input))
    return;
  results = cp_compliance_rules_evaluate (rules, "s", "t", json_node_get_object (input), languages);
  g_assert_cmpuint (results->len, ==, 6);
  touch_results (results);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(JsonNode) node = NULL;

  fuzz_init ();
  if (size > 256 * 1024 || !g_utf8_validate_len ((const char *) data, size, NULL))
    return 0;

  try_policy ((const char *) data, size);
  node = parse ((const char *) data, size);
  if (node != NULL)
    {
      try_rules (node);
      try_output (node);
    }
  return 0;
}
