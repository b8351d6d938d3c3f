/* test-compliance-engine.c: whole policies, progress, screen lock via GSettings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "compliance-test-util.h"

static GSettingsSchemaSource *
test_schema_source (void)
{
  const char *build_dir = g_getenv ("CP_BUILD_DIR");
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  GSettingsSchemaSource *source;

  g_assert_nonnull (build_dir);
  dir = g_build_filename (build_dir, "tests", "compliance", NULL);
  source = g_settings_schema_source_new_from_directory (dir, NULL, TRUE, &error);
  g_assert_no_error (error);
  return source;
}

static GSettings *
test_settings (GSettingsSchemaSource *source,
               const char            *id)
{
  g_autoptr(GSettingsSchema) schema = g_settings_schema_source_lookup (source, id, FALSE);

  g_assert_nonnull (schema);
  return g_settings_new_full (schema, NULL, NULL);
}

static GSettingsSchemaSource *
other_schemas_source (const char *dir)
{
  const char *argv[] = { "glib-compile-schemas", dir, NULL };
  g_autoptr(GError) error = NULL;
  GSettingsSchemaSource *source;
  int status;

  test_write (dir, "org.example.other.gschema.xml",
              "<schemalist><schema id=\"org.example.other\" path=\"/org/example/other/\">"
              "<key name=\"x\" type=\"b\"><default>true</default></key></schema></schemalist>");
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  source = g_settings_schema_source_new_from_directory (dir, NULL, FALSE, &error);
  g_assert_no_error (error);
  return source;
}

static CpCompliancePolicy *
example_policy (void)
{
  g_autofree char *text = test_read_source ("policies/example.json");
  g_autoptr(GError) error = NULL;
  CpCompliancePolicy *policy = cp_compliance_policy_new_from_data (text, -1, &error);

  g_assert_no_error (error);
  return policy;
}

typedef struct
{
  guint emissions;
  guint last_done;
  guint total;
  GPtrArray *ids;
} Progress;

static void
setting_evaluated_cb (CpComplianceEngine  *engine,
                      CpComplianceSetting *setting,
                      guint                done,
                      guint                total,
                      Progress            *progress)
{
  progress->emissions++;
  g_assert_cmpuint (done, ==, progress->last_done + 1);
  progress->last_done = done;
  progress->total = total;
  g_ptr_array_add (progress->ids, g_strdup (cp_compliance_setting_get_id (setting)));
}

static GPtrArray *
evaluate_example (const char *tree,
                  Progress   *progress)
{
  g_autoptr(CpHostRoot) root = test_tree (tree);
  g_autoptr(CpComplianceEngine) engine = cp_compliance_engine_new (root);
  g_autoptr(GSettingsSchemaSource) source = test_schema_source ();
  g_autoptr(CpCompliancePolicy) policy = example_policy ();
  g_autoptr(GError) error = NULL;
  GPtrArray *results;

  cp_compliance_engine_set_schema_source (engine, source);
  if (progress != NULL)
    g_signal_connect (engine, "setting-evaluated", G_CALLBACK (setting_evaluated_cb), progress);
  results = test_evaluate (engine, policy, NULL, &error);
  g_assert_no_error (error);
  return results;
}

static CpComplianceResult *
find (GPtrArray  *results,
      const char *setting_id)
{
  for (guint i = 0; i < results->len; i++)
    if (g_str_equal (cp_compliance_result_get_setting_id (g_ptr_array_index (results, i)), setting_id))
      return g_ptr_array_index (results, i);
  g_error ("no result for %s", setting_id);
  return NULL;
}

static void
test_engine_example_compliant (void)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  Progress progress = { 0, 0, 0, ids };
  g_autoptr(GPtrArray) results = evaluate_example ("debian12-luks", &progress);
  const char *order[] = { "os", "disk", "passwords", "firewall", "screen-lock", "secure-boot", "updates", "ssh", "security-agent" };

  /* 8 built-in results and one per rule of the custom setting, in policy order. */
  g_assert_cmpuint (results->len, ==, 8 + 6);
  for (guint i = 0; i < results->len; i++)
    {
      CpComplianceResult *result = g_ptr_array_index (results, i);
      g_autoptr(JsonNode) json = cp_compliance_result_to_json (result);

      test_assert_state (result, CP_COMPLIANCE_STATE_COMPLIANT);
      g_assert_cmpstr (cp_compliance_result_get_setting_id (result), ==, order[MIN (i, 8)]);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json));
    }
  g_assert_cmpuint (progress.emissions, ==, 9);
  g_assert_cmpuint (progress.total, ==, 9);
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    g_assert_cmpstr (g_ptr_array_index (ids, i), ==, order[i]);
}

static void
test_engine_example_noncompliant (void)
{
  g_autoptr(GPtrArray) results = evaluate_example ("ubuntu2204-plain", NULL);

  /* Ubuntu 22.04 is allowed by the example (22.04 ≤ v ≤ 24.04). */
  test_assert_state (find (results, "os"), CP_COMPLIANCE_STATE_COMPLIANT);
  test_assert_state (find (results, "disk"), CP_COMPLIANCE_STATE_NONCOMPLIANT);
  test_assert_state (find (results, "passwords"), CP_COMPLIANCE_STATE_NONCOMPLIANT);
  test_assert_state (find (results, "firewall"), CP_COMPLIANCE_STATE_NONCOMPLIANT);
  test_assert_state (find (results, "secure-boot"), CP_COMPLIANCE_STATE_NONCOMPLIANT);
  test_assert_state (find (results, "updates"), CP_COMPLIANCE_STATE_NONCOMPLIANT);
  test_assert_state (find (results, "ssh"), CP_COMPLIANCE_STATE_NONCOMPLIANT);
  for (guint i = 0; i < results->len; i++)
    {
      CpComplianceResult *result = g_ptr_array_index (results, i);

      /* Every failure tells the user what to do. */
      if (cp_compliance_result_get_state (result) == CP_COMPLIANCE_STATE_NONCOMPLIANT
          && cp_compliance_result_get_rule (result) == NULL)
        {
          g_assert_nonnull (cp_compliance_result_get_remediation_title (result));
          g_assert_nonnull (cp_compliance_result_get_remediation_steps (result)[0]);
          g_assert_nonnull (cp_compliance_result_get_expected (result));
        }
    }
}

static void
test_engine_nothing_readable (void)
{
  g_autofree char *dir = test_scratch_tree ();
  g_autoptr(CpHostRoot) root = cp_host_root_new (dir);
  g_autoptr(CpComplianceEngine) engine = cp_compliance_engine_new (root);
  g_autoptr(CpCompliancePolicy) policy = example_policy ();
  g_autoptr(GSettingsSchemaSource) empty = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;

  /* A schema directory without GNOME's desktop schemas. */
  empty = other_schemas_source (dir);
  g_assert_no_error (error);
  cp_compliance_engine_set_schema_source (engine, empty);
  results = test_evaluate (engine, policy, NULL, &error);
  g_assert_no_error (error);

  /* An empty host: nothing may be called compliant. */
  for (guint i = 0; i < results->len; i++)
    {
      CpComplianceResult *result = g_ptr_array_index (results, i);

      g_test_message ("%s: %s: %s", cp_compliance_result_get_setting_id (result),
                      cp_compliance_state_to_string (cp_compliance_result_get_state (result)),
                      cp_compliance_result_get_evidence (result));
      if (g_str_equal (cp_compliance_result_get_setting_id (result), "security-agent"))
        continue;   /* the script does not read the host tree */
      g_assert_cmpint (cp_compliance_result_get_state (result), !=, CP_COMPLIANCE_STATE_COMPLIANT);
      g_assert_cmpstr (cp_compliance_result_get_evidence (result), !=, "");
    }
  test_assert_state (find (results, "screen-lock"), CP_COMPLIANCE_STATE_UNKNOWN);
  test_assert_state (find (results, "os"), CP_COMPLIANCE_STATE_UNKNOWN);
  test_assert_state (find (results, "disk"), CP_COMPLIANCE_STATE_UNKNOWN);
  test_assert_state (find (results, "secure-boot"), CP_COMPLIANCE_STATE_NOT_APPLICABLE);
}

static CpComplianceResult *
check_screen_lock (GSettingsSchemaSource *source,
                   const char            *parameters)
{
  g_autoptr(CpCompliancePolicy) policy = test_policy_one ("lock", "screenLock", parameters);
  g_autoptr(CpHostRoot) root = test_tree ("debian12-luks");
  g_autoptr(CpComplianceEngine) engine = cp_compliance_engine_new (root);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;

  cp_compliance_engine_set_schema_source (engine, source);
  results = test_evaluate (engine, policy, NULL, &error);
  g_assert_no_error (error);
  return g_object_ref (g_ptr_array_index (results, 0));
}

static void
test_engine_screen_lock (void)
{
  g_autoptr(GSettingsSchemaSource) source = test_schema_source ();
  g_autoptr(GSettings) screensaver = test_settings (source, "org.gnome.desktop.screensaver");
  g_autoptr(GSettings) session = test_settings (source, "org.gnome.desktop.session");
  struct { gboolean lock; guint idle; const char *params; CpComplianceState state; } cases[] = {
    { TRUE, 300, NULL, CP_COMPLIANCE_STATE_COMPLIANT },
    { TRUE, 900, NULL, CP_COMPLIANCE_STATE_COMPLIANT },
    { TRUE, 901, NULL, CP_COMPLIANCE_STATE_NONCOMPLIANT },
    { TRUE, 600, "{\"maxIdleDelaySeconds\":300}", CP_COMPLIANCE_STATE_NONCOMPLIANT },
    { FALSE, 60, NULL, CP_COMPLIANCE_STATE_NONCOMPLIANT },
    { TRUE, 0, NULL, CP_COMPLIANCE_STATE_NONCOMPLIANT },
    { TRUE, 60, "{\"maxIdleDelaySeconds\":0}", CP_COMPLIANCE_STATE_ERROR },
    { TRUE, 60, "{\"maxIdleDelaySeconds\":true}", CP_COMPLIANCE_STATE_ERROR },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CpComplianceResult) result = NULL;

      g_test_message ("case %u", i);
      g_settings_set_boolean (screensaver, "lock-enabled", cases[i].lock);
      g_settings_set_uint (session, "idle-delay", cases[i].idle);
      result = check_screen_lock (source, cases[i].params);
      test_assert_state (result, cases[i].state);
      if (cases[i].state == CP_COMPLIANCE_STATE_NONCOMPLIANT)
        {
          g_assert_cmpint (cp_compliance_result_get_action (result), ==, CP_REMEDIATION_ACTION_SETTINGS_PANEL);
          g_assert_cmpstr (cp_compliance_result_get_action_value (result), ==, "privacy");
        }
    }
  g_settings_reset (screensaver, "lock-enabled");
  g_settings_reset (session, "idle-delay");
}

static void
test_engine_cancel (void)
{
  g_autoptr(CpHostRoot) root = test_tree ("debian12-luks");
  g_autoptr(CpComplianceEngine) engine = cp_compliance_engine_new (root);
  g_autoptr(CpCompliancePolicy) policy = example_policy ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  results = test_evaluate (engine, policy, cancellable, &error);
  g_assert_null (results);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/compliance/engine/example-compliant", test_engine_example_compliant);
  g_test_add_func ("/compliance/engine/example-noncompliant", test_engine_example_noncompliant);
  g_test_add_func ("/compliance/engine/nothing-readable", test_engine_nothing_readable);
  g_test_add_func ("/compliance/engine/screen-lock", test_engine_screen_lock);
  g_test_add_func ("/compliance/engine/cancel", test_engine_cancel);

  return g_test_run ();
}
