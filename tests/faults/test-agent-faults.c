/* test-agent-faults.c: the agent's compliance reports through
 * tests/harness/fault_proxy.py to the real company-portal-server
 *
 * Runs under tests/agent/with-keyring.sh: a private session bus where the
 * agent is D-Bus activated from the build tree with a real gnome-keyring.
 * The real OIDC provider gives alice a token, the window's part of the
 * enrollment is played here, and the agent knows the server only by the
 * proxy's address. What the server kept is read from its database.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cp-agent-dbus.h"
#include "cp-agent-errors.h"
#include "faults-agent-util.h"

static JsonObject *
evaluate (const char *agent_server_url)
{
  g_autoptr(CpAgentDbusAgent1Compliance) compliance = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  compliance = cp_agent_dbus_agent1_compliance_proxy_new_sync (stack.bus, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                                               CP_AGENT_DBUS_NAME, CP_AGENT_DBUS_PATH,
                                                               NULL, &error);
  g_assert_no_error (error);
  /* Longer than the agent's own HTTP timeouts. */
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (compliance), 120 * 1000);
  cp_agent_dbus_agent1_compliance_call_evaluate_sync (compliance, agent_server_url, &json, NULL, &error);
  g_assert_no_error (error);
  return parse_object (json);
}

static const char *
report_member (JsonObject *doc,
               const char *name)
{
  return json_object_get_string_member (json_object_get_object_member (doc, "report"), name);
}

static gint64
queued (JsonObject *doc)
{
  return json_object_get_int_member (doc, "queued");
}

/* Tests */

/* A 503, a reset before the server saw the report, the server gone and the
 * agent killed: every report waits on disk, and all of them arrive once
 * each when the path is back. */
static void
test_report_survives_faults (void)
{
  g_autofree char *device_id = agent_enroll ();
  g_autofree char *reports_path = g_strdup_printf ("/v1/devices/%s/compliance-reports", device_id);
  g_autofree char *rule = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) unavailable = NULL;
  g_autoptr(JsonObject) reset = NULL;
  g_autoptr(JsonObject) down = NULL;
  g_autoptr(JsonObject) back = NULL;

  /* A 503 on the report. */
  rule = g_strdup_printf ("[{\"method\":\"POST\",\"path\":\"%s\",\"action\":\"status\","
                          "\"status\":503,\"retryAfter\":\"1\"}]", reports_path);
  proxy_arm (rule);
  unavailable = evaluate (stack.proxy->url);
  g_assert_cmpstr (report_member (unavailable, "state"), ==, "queued");
  g_assert_cmpint (queued (unavailable), ==, 1);
  /* Never sent again by itself: the agent keeps it for later instead. */
  g_assert_cmpuint (proxy_count ("POST", reports_path, NULL), ==, 1);
  g_assert_cmpuint (db_count ("compliance_reports", device_id), ==, 0);

  /* A reset before the server saw anything: the queued report is tried
   * first, oldest first, and the agent stops at the failure. */
  g_clear_pointer (&rule, g_free);
  rule = g_strdup_printf ("[{\"method\":\"POST\",\"path\":\"%s\",\"action\":\"reset\"}]", reports_path);
  proxy_arm (rule);
  reset = evaluate (stack.proxy->url);
  g_assert_cmpstr (report_member (reset, "state"), ==, "queued");
  g_assert_cmpint (queued (reset), ==, 2);
  g_assert_cmpuint (proxy_count ("POST", reports_path, "reset-before-headers"), ==, 1);
  g_assert_cmpuint (proxy_count ("POST", reports_path, "pass"), ==, 0);
  g_assert_cmpuint (db_count ("compliance_reports", device_id), ==, 0);

  /* The server is gone: the cached policy is evaluated, the report waits. */
  fault_stack_stop_server ();
  proxy_arm ("[]");
  down = evaluate (stack.proxy->url);
  g_assert_cmpstr (json_object_get_string_member (down, "policySource"), ==, "cached");
  g_assert_cmpstr (report_member (down, "state"), ==, "queued");
  g_assert_cmpint (queued (down), ==, 3);
  g_assert_cmpuint (proxy_count ("POST", reports_path, "pass"), ==, 0);

  /* The agent dies with three reports queued; the one activated next
   * finds them on disk. */
  agent_kill ();

  /* Back: three queued and the new one, each delivered once. */
  fault_stack_start_server ();
  proxy_arm ("[]");
  back = evaluate (stack.proxy->url);
  g_assert_cmpstr (report_member (back, "state"), ==, "sent");
  g_assert_cmpint (queued (back), ==, 0);
  g_assert_cmpuint (proxy_count ("POST", reports_path, "pass"), ==, 4);
  g_assert_cmpuint (db_count ("compliance_reports", device_id), ==, 4);

  /* And nothing more goes out on the next evaluation than its own report. */
  proxy_arm ("[]");
  first = evaluate (stack.proxy->url);
  g_assert_cmpstr (report_member (first, "state"), ==, "sent");
  g_assert_cmpuint (proxy_count ("POST", reports_path, NULL), ==, 1);
  g_assert_cmpuint (db_count ("compliance_reports", device_id), ==, 5);

  agent_unenroll ();
}

/* The ambiguous failure: the server stored the report, its answer was lost
 * on the way back (a reset before any byte of it reached the agent). The
 * agent must send it again, and the server must keep it once: it recognises
 * the reportId it already has. */
static void
test_report_answer_lost (void)
{
  g_autofree char *device_id = agent_enroll ();
  g_autofree char *reports_path = g_strdup_printf ("/v1/devices/%s/compliance-reports", device_id);
  g_autofree char *rule = NULL;
  g_autoptr(JsonObject) lost = NULL;
  g_autoptr(JsonObject) again = NULL;

  rule = g_strdup_printf ("[{\"method\":\"POST\",\"path\":\"%s\",\"action\":\"reset\","
                          "\"when\":\"after-forward\"}]", reports_path);
  proxy_arm (rule);
  lost = evaluate (stack.proxy->url);
  g_assert_cmpstr (report_member (lost, "state"), ==, "queued");
  g_assert_cmpint (queued (lost), ==, 1);
  g_assert_cmpuint (db_count ("compliance_reports", device_id), ==, 1);

  proxy_arm ("[]");
  again = evaluate (stack.proxy->url);
  g_assert_cmpstr (report_member (again, "state"), ==, "sent");
  g_assert_cmpint (queued (again), ==, 0);
  /* The lost one again, then the new one: two reports, each kept once. */
  g_assert_cmpuint (proxy_count ("POST", reports_path, "pass"), ==, 2);
  g_assert_cmpuint (db_count ("compliance_reports", device_id), ==, 2);

  agent_unenroll ();
}

/* Setup */

int
main (int   argc,
      char *argv[])
{
  g_autofree char *tree = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  if (!fault_stack_start ())
    return 1;
  tree = cp_test_source_path ("tests", "compliance", "trees", "debian12-luks", NULL);
  agent_set_env ("CP_AGENT_HOST_ROOT", tree);

  g_test_add_func ("/faults/agent/report-survives-faults", test_report_survives_faults);
  g_test_add_func ("/faults/agent/report-answer-lost", test_report_answer_lost);

  status = g_test_run ();
  fault_stack_stop ();
  return status;
}
