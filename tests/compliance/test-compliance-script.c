/* test-compliance-script.c: discovery scripts, run for real
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <signal.h>
#include <stdlib.h>

#include "compliance-test-util.h"

static void
script_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Runs scripts/@name with the given limits; returns stdout or NULL with @error. */
static GBytes *
run_script (const char    *name,
            guint          timeout_ms,
            gsize          max_output,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autofree char *rel = g_build_filename ("scripts", name, NULL);
  g_autofree char *text = test_read_source (rel);
  g_autoptr(CpComplianceScript) script = cp_compliance_script_new (text);
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;
  GBytes *bytes;

  cp_compliance_script_set_timeout (script, timeout_ms, 300);
  if (max_output > 0)
    cp_compliance_script_set_max_output (script, max_output);
  g_main_context_push_thread_default (context);
  cp_compliance_script_run_async (script, cancellable, script_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  bytes = cp_compliance_script_run_finish (script, result, error);
  g_main_context_pop_thread_default (context);
  return bytes;
}

static void
test_script_output (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = run_script ("report.sh", 10000, 0, NULL, &error);
  g_autoptr(GBytes) env_out = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  text = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
  node = json_from_string (text, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "DiskFreeGB"), ==, 42);

  /* "#!/usr/bin/env sh": the interpreter line's argument is passed on. */
  env_out = run_script ("report-env.sh", 10000, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (env_out, NULL), g_bytes_get_size (env_out), "\"User\""));
}

static void
test_script_hang_killed (void)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_autoptr(GBytes) out = run_script ("hang.sh", 300, 0, NULL, &error);
  gint64 elapsed_ms = (g_get_monotonic_time () - start) / 1000;

  g_assert_null (out);
  g_assert_error (error, CP_ERROR, CP_ERROR_TIMED_OUT);
  /* SIGTERM at 300 ms ends the script and its background child. */
  g_assert_cmpint (elapsed_ms, >=, 300);
  g_assert_cmpint (elapsed_ms, <, 5000);
}

static void
test_script_ignores_term (void)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_autoptr(GBytes) out = run_script ("ignore-term.sh", 300, 0, NULL, &error);
  gint64 elapsed_ms = (g_get_monotonic_time () - start) / 1000;

  g_assert_null (out);
  g_assert_error (error, CP_ERROR, CP_ERROR_TIMED_OUT);
  /* Ignored SIGTERM, so SIGKILL after the 300 ms grace. */
  g_assert_cmpint (elapsed_ms, >=, 600);
  g_assert_cmpint (elapsed_ms, <, 5000);
}

static void
test_script_flood (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) small = run_script ("flood.sh", 10000, 64 * 1024, NULL, &error);
  g_autoptr(GBytes) full = NULL;

  g_assert_null (small);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_clear_error (&error);

  /* The real 1 MiB limit. */
  full = run_script ("flood.sh", 10000, 0, NULL, &error);
  g_assert_null (full);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "1048576"));
}

static gboolean
process_alive (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *state;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return FALSE;
  /* "pid (comm) S ...": a zombie is dead, only not yet reaped by its new parent. */
  state = strrchr (stat, ')');
  return state != NULL && state[1] == ' ' && state[2] != 'Z' && state[2] != 'X';
}

static void
test_script_leftover_child (void)
{
  g_autofree char *dir = test_scratch_tree ();
  g_autofree char *pidfile = g_build_filename (dir, "pid", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autofree char *pid_text = NULL;
  gint64 start = g_get_monotonic_time ();
  pid_t pid;

  g_setenv ("CP_TEST_PIDFILE", pidfile, TRUE);
  out = run_script ("leave-child.sh", 10000, 0, NULL, &error);
  g_unsetenv ("CP_TEST_PIDFILE");
  g_assert_no_error (error);
  g_assert_nonnull (out);
  /* Not held up by the child's open stdout for long. */
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, <, 5000);

  g_file_get_contents (pidfile, &pid_text, NULL, &error);
  g_assert_no_error (error);
  pid = atoi (pid_text);
  g_assert_cmpint (pid, >, 1);
  for (guint i = 0; i < 100 && process_alive (pid); i++)
    g_usleep (10 * 1000);
  g_assert_false (process_alive (pid));
}

static void
test_script_exit_status (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = run_script ("fail.sh", 10000, 0, NULL, &error);

  g_assert_null (out);
  g_assert_error (error, CP_ERROR, CP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "3"));
}

static void
test_script_no_shebang (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = run_script ("no-shebang.sh", 10000, 0, NULL, &error);

  g_assert_null (out);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT);
}

static void
test_script_bad_interpreters (void)
{
  const char *texts[] = { "#!/nonexistent/interpreter\necho {}\n", "#!sh\necho {}\n", "#!/usr/bin\necho {}\n", "#!/bin/sh" };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(CpComplianceScript) script = cp_compliance_script_new (texts[i]);
      g_autoptr(GMainContext) context = g_main_context_new ();
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) out = NULL;

      g_main_context_push_thread_default (context);
      cp_compliance_script_run_async (script, NULL, script_done_cb, &result);
      while (result == NULL)
        g_main_context_iteration (context, TRUE);
      out = cp_compliance_script_run_finish (script, result, &error);
      g_main_context_pop_thread_default (context);
      g_assert_null (out);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT);
    }
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_script_cancel (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = NULL;

  /* Cancelled while the script hangs: it is killed and the task says so. */
  {
    g_autoptr(GSource) source = g_timeout_source_new (200);
    g_autofree char *text = test_read_source ("scripts/hang.sh");
    g_autoptr(CpComplianceScript) script = cp_compliance_script_new (text);
    g_autoptr(GMainContext) context = g_main_context_new ();
    g_autoptr(GAsyncResult) result = NULL;

    g_main_context_push_thread_default (context);
    g_source_set_callback (source, cancel_cb, cancellable, NULL);
    g_source_attach (source, context);
    cp_compliance_script_run_async (script, cancellable, script_done_cb, &result);
    while (result == NULL)
      g_main_context_iteration (context, TRUE);
    out = cp_compliance_script_run_finish (script, result, &error);
    g_main_context_pop_thread_default (context);
  }
  g_assert_null (out);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* The engine: a customCompliance setting end to end. */

static GPtrArray *
evaluate_custom (const char *script_name,
                 const char *extra_parameters)
{
  g_autofree char *rel = g_build_filename ("scripts", script_name, NULL);
  g_autofree char *script = test_read_source (rel);
  g_autofree char *rules = test_read_source ("policies/rules.json");
  g_autoptr(JsonNode) script_node = json_node_init_string (json_node_alloc (), script);
  g_autofree char *script_json = json_to_string (script_node, FALSE);
  g_autofree char *parameters = g_strdup_printf ("{\"script\":%s,\"rules\":%s%s}", script_json, rules,
                                                 extra_parameters ? extra_parameters : "");
  g_autoptr(CpCompliancePolicy) policy = test_policy_one ("agent", "customCompliance", parameters);
  g_autoptr(CpHostRoot) root = test_tree ("debian12-luks");
  g_autoptr(CpComplianceEngine) engine = cp_compliance_engine_new (root);
  const char *languages[] = { "en_US", NULL };
  g_autoptr(GError) error = NULL;
  GPtrArray *results;

  cp_compliance_engine_set_script_timeout (engine, 500);
  cp_compliance_engine_set_languages (engine, languages);
  results = test_evaluate (engine, policy, NULL, &error);
  g_assert_no_error (error);
  return results;
}

static void
assert_all (GPtrArray         *results,
            CpComplianceState  state,
            const char        *evidence_part)
{
  g_assert_cmpuint (results->len, ==, 6);
  for (guint i = 0; i < results->len; i++)
    {
      CpComplianceResult *result = g_ptr_array_index (results, i);

      test_assert_state (result, state);
      g_assert_cmpstr (cp_compliance_result_get_setting_id (result), ==, "agent");
      g_assert_nonnull (cp_compliance_result_get_rule (result));
      if (evidence_part != NULL && strstr (cp_compliance_result_get_evidence (result), evidence_part) == NULL)
        g_error ("evidence “%s” lacks “%s”", cp_compliance_result_get_evidence (result), evidence_part);
    }
}

static void
test_engine_custom_compliant (void)
{
  g_autoptr(GPtrArray) results = evaluate_custom ("report.sh", NULL);
  g_autoptr(GPtrArray) bom = evaluate_custom ("bom.sh", NULL);

  assert_all (results, CP_COMPLIANCE_STATE_COMPLIANT, NULL);
  /* A byte order mark before the JSON is accepted (json-glib skips it). */
  assert_all (bom, CP_COMPLIANCE_STATE_COMPLIANT, NULL);
}

static void
test_engine_custom_failures (void)
{
  g_autoptr(GPtrArray) hang = evaluate_custom ("hang.sh", NULL);
  g_autoptr(GPtrArray) hang_policy_timeout = evaluate_custom ("hang.sh", ",\"timeoutSeconds\":1");
  g_autoptr(GPtrArray) failed = evaluate_custom ("fail.sh", NULL);
  g_autoptr(GPtrArray) invalid = evaluate_custom ("invalid-json.sh", NULL);
  g_autoptr(GPtrArray) wrong = evaluate_custom ("wrong-types.sh", NULL);
  g_autoptr(GPtrArray) missing = evaluate_custom ("report-env.sh", NULL);

  assert_all (hang, CP_COMPLIANCE_STATE_ERROR, "did not finish");
  assert_all (hang_policy_timeout, CP_COMPLIANCE_STATE_ERROR, "within 1 seconds");
  assert_all (failed, CP_COMPLIANCE_STATE_ERROR, "exit status 3");
  assert_all (invalid, CP_COMPLIANCE_STATE_ERROR, "JSON");
  assert_all (wrong, CP_COMPLIANCE_STATE_ERROR, "not a");
  /* AgentRunning is reported (false); the others are missing. */
  test_assert_state (g_ptr_array_index (missing, 1), CP_COMPLIANCE_STATE_NONCOMPLIANT);
  test_assert_state (g_ptr_array_index (missing, 0), CP_COMPLIANCE_STATE_ERROR);
  g_assert_nonnull (strstr (cp_compliance_result_get_evidence (g_ptr_array_index (missing, 0)), "did not report"));
}

static void
test_engine_custom_bad_parameters (void)
{
  const char *cases[] = {
    "{\"rules\":{\"Rules\":[]}}",
    "{\"script\":\"#!/bin/sh\\necho {}\\n\"}",
    "{\"script\":\"#!/bin/sh\\necho {}\\n\",\"rules\":{\"Rules\":[{\"SettingName\":\"a\",\"Operator\":\"Matches\",\"DataType\":\"String\",\"Operand\":\"x\"}]}}",
    "{\"script\":42,\"rules\":{}}",
    "{\"script\":\"#!/bin/sh\\n\",\"timeoutSeconds\":0,\"rules\":{\"Rules\":[{\"SettingName\":\"a\",\"Operator\":\"IsEquals\",\"DataType\":\"String\",\"Operand\":\"x\"}]}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CpHostRoot) root = test_tree ("debian12-luks");
      g_autoptr(CpComplianceResult) result = test_check (root, "customCompliance", cases[i]);

      test_assert_state (result, CP_COMPLIANCE_STATE_ERROR);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/compliance/script/output", test_script_output);
  g_test_add_func ("/compliance/script/hang-killed", test_script_hang_killed);
  g_test_add_func ("/compliance/script/ignores-term", test_script_ignores_term);
  g_test_add_func ("/compliance/script/flood", test_script_flood);
  g_test_add_func ("/compliance/script/exit-status", test_script_exit_status);
  g_test_add_func ("/compliance/script/leftover-child", test_script_leftover_child);
  g_test_add_func ("/compliance/script/no-shebang", test_script_no_shebang);
  g_test_add_func ("/compliance/script/bad-interpreters", test_script_bad_interpreters);
  g_test_add_func ("/compliance/script/cancel", test_script_cancel);
  g_test_add_func ("/compliance/engine/custom-compliant", test_engine_custom_compliant);
  g_test_add_func ("/compliance/engine/custom-failures", test_engine_custom_failures);
  g_test_add_func ("/compliance/engine/custom-bad-parameters", test_engine_custom_bad_parameters);

  return g_test_run ();
}
