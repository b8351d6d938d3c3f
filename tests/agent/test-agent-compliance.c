/* test-agent-compliance.c: compliance in company-portal-agent
 *
 * Runs under with-keyring.sh: a private session bus where the agent is D-Bus
 * activated from the build tree with a real gnome-keyring. The agent reads
 * the fake machine tests/compliance/trees/ubuntu2204-plain. A SoupServer on
 * loopback plays the Portal API: it verifies every device request with
 * cp_device_request_verify, serves the policy and takes reports. This process
 * also plays the notification daemon (org.freedesktop.Notifications) and the
 * window (io.github.companyportal.CompanyPortal) on the private bus.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "agent-fixture.h"
#include "cp-agent-errors.h"
#include "cp-test-util.h"

static GDBusConnection *bus;
static char *policy_text;     /* tests/agent/policies/trees.json */
static char *failing_root;    /* ubuntu2204-plain */
static char *passing_root;    /* debian12-luks */

/* The Portal API's device endpoints */

typedef struct
{
  SoupServer *server;
  char       *url;
  CpJwk      *enrolled_key;
  CpJwk      *report_key;     /* when set, reports are verified with it instead */
  char       *device_id;
  GHashTable *nonces;
  char       *policy;         /* what GET …/policy answers */
  guint       policy_status;
  char       *answer;         /* what a report gets back */
  guint       report_status;  /* 0: 200 with the answer */
  gboolean    down;           /* 503 for everything */
  GPtrArray  *report_ids;     /* in arrival order */
  JsonNode   *last_report;
  guint       policy_gets;
  guint       refused;
  gboolean    stall_reports;  /* hold reports unanswered until released */
  GPtrArray  *stalled;        /* SoupServerMessage */
} DeviceServer;

static void
reply (SoupServerMessage *msg,
       guint              status,
       const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  if (json != NULL)
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
}

static JsonNode *
verify (DeviceServer      *ds,
        SoupServerMessage *msg,
        const char        *method,
        const char        *path,
        const char        *compact,
        CpJwk             *key)
{
  JsonNode *body = verify_device_request (compact, key, ds->device_id, method, path, ds->nonces);

  if (body == NULL)
    {
      ds->refused++;
      reply (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
    }
  return body;
}

static void
handle_policy (DeviceServer      *ds,
               SoupServerMessage *msg,
               const char        *path)
{
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                   "Authorization");
  g_autoptr(JsonNode) body = NULL;

  if (g_strcmp0 (soup_server_message_get_method (msg), "GET") != 0 ||
      auth == NULL || !g_str_has_prefix (auth, "DeviceJWS "))
    {
      ds->refused++;
      reply (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
      return;
    }
  if (!(body = verify (ds, msg, "GET", path, auth + strlen ("DeviceJWS "), ds->enrolled_key)))
    return;
  g_assert_true (JSON_NODE_HOLDS_NULL (body));

  ds->policy_gets++;
  if (ds->policy_status != 0)
    reply (msg, ds->policy_status, NULL);
  else
    reply (msg, SOUP_STATUS_OK, ds->policy);
}

static void
handle_report (DeviceServer      *ds,
               SoupServerMessage *msg,
               const char        *path)
{
  g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autofree char *compact = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  JsonNode *body;
  JsonObject *report;

  if (ds->stall_reports)
    {
      g_object_set_data_full (G_OBJECT (msg), "cp-path", g_strdup (path), g_free);
      g_ptr_array_add (ds->stalled, g_object_ref (msg));
      soup_server_message_pause (msg);
      return;
    }

  if (!(body = verify (ds, msg, "POST", path, compact, ds->report_key ? ds->report_key : ds->enrolled_key)))
    return;
  if (ds->report_status != 0)
    {
      json_node_unref (body);
      reply (msg, ds->report_status, NULL);
      return;
    }

  /* The members the server reads, as the contract says. */
  report = json_node_get_object (body);
  g_assert_nonnull (json_object_get_string_member (report, "evaluatedAt"));
  g_assert_nonnull (json_object_get_array_member (report, "results"));
  for (guint i = 0; i < json_array_get_length (json_object_get_array_member (report, "results")); i++)
    {
      JsonObject *result = json_array_get_object_element (json_object_get_array_member (report, "results"), i);

      /* The reference server refuses longer texts. */
      g_assert_cmpuint (strlen (json_object_get_string_member (result, "evidence")), <=, 4096);
    }
  g_ptr_array_add (ds->report_ids, g_strdup (json_object_get_string_member (report, "reportId")));
  g_clear_pointer (&ds->last_report, json_node_unref);
  ds->last_report = body;
  reply (msg, SOUP_STATUS_OK, ds->answer);
}

static void
release_reports (DeviceServer *ds)
{
  ds->stall_reports = FALSE;
  for (guint i = 0; i < ds->stalled->len; i++)
    {
      SoupServerMessage *msg = ds->stalled->pdata[i];

      handle_report (ds, msg, g_object_get_data (G_OBJECT (msg), "cp-path"));
      soup_server_message_unpause (msg);
    }
  g_ptr_array_set_size (ds->stalled, 0);
}

static void
device_handler (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  DeviceServer *ds = user_data;
  g_autofree char *prefix = g_strdup_printf ("/v1/devices/%s/", ds->device_id);

  if (ds->down)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "1");
      reply (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      return;
    }
  if (ds->device_id == NULL || !g_str_has_prefix (path, prefix))
    {
      reply (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  if (g_str_equal (path + strlen (prefix), "policy"))
    handle_policy (ds, msg, path);
  else if (g_str_equal (path + strlen (prefix), "compliance-reports"))
    handle_report (ds, msg, path);
  else if (g_str_equal (path + strlen (prefix), "check-ins"))
    reply (msg, SOUP_STATUS_OK, "{}");
  else
    reply (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static DeviceServer *
device_server_new (void)
{
  DeviceServer *ds = g_new0 (DeviceServer, 1);

  ds->nonces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ds->report_ids = g_ptr_array_new_with_free_func (g_free);
  ds->stalled = g_ptr_array_new_with_free_func (g_object_unref);
  ds->policy = g_strdup (policy_text);
  ds->answer = g_strdup ("{\"complianceState\":\"noncompliant\"}");
  ds->server = cp_test_start_server ("/v1/devices", device_handler, ds, &ds->url);
  return ds;
}

static void
device_server_free (DeviceServer *ds)
{
  soup_server_disconnect (ds->server);
  g_object_unref (ds->server);
  g_hash_table_unref (ds->nonces);
  g_ptr_array_unref (ds->report_ids);
  g_ptr_array_unref (ds->stalled);
  g_clear_pointer (&ds->last_report, json_node_unref);
  g_clear_object (&ds->enrolled_key);
  g_clear_object (&ds->report_key);
  g_free (ds->device_id);
  g_free (ds->policy);
  g_free (ds->answer);
  g_free (ds->url);
  g_free (ds);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DeviceServer, device_server_free)

static CpAgentDbusAgent1Compliance *
compliance_proxy (void)
{
  g_autoptr(GError) error = NULL;
  CpAgentDbusAgent1Compliance *proxy;

  proxy = cp_agent_dbus_agent1_compliance_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                                          CP_AGENT_DBUS_NAME, CP_AGENT_DBUS_PATH,
                                                          NULL, &error);
  g_assert_no_error (error);
  return proxy;
}

/* Enrolls with @ds through Agent1, as the window does. */
static void
enroll (DeviceServer *ds,
        const char   *device_id)
{
  ds->enrolled_key = enroll_agent (ds->url, device_id);
  ds->device_id = g_strdup (device_id);
}

static void
unenroll (DeviceServer *ds)
{
  g_autoptr(CpAgentDbusAgent1) proxy = agent_proxy ();
  g_autoptr(GError) error = NULL;

  cp_agent_dbus_agent1_call_unenroll_sync (proxy, ds->url, NULL, &error);
  g_assert_no_error (error);
}

static void
check_in (DeviceServer *ds)
{
  g_autoptr(CpAgentDbusAgent1) proxy = agent_proxy ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GError) error = NULL;

  cp_agent_dbus_agent1_call_check_in (proxy, ds->url, NULL, call_done_cb, &result);
  wait_for (&result);
  cp_agent_dbus_agent1_call_check_in_finish (proxy, &state, result, &error);
  g_assert_no_error (error);
}

/* Evaluate, keeping the main loop (and so our SoupServer) running. */
static JsonObject *
evaluate (CpAgentDbusAgent1Compliance  *proxy,
          const char                   *server,
          GError                      **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *json = NULL;

  cp_agent_dbus_agent1_compliance_call_evaluate (proxy, server, NULL, call_done_cb, &result);
  wait_for (&result);
  if (!cp_agent_dbus_agent1_compliance_call_evaluate_finish (proxy, &json, result, error))
    return NULL;
  return parse_object (json);
}

static JsonObject *
get_compliance (CpAgentDbusAgent1Compliance *proxy,
                const char                  *server)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  cp_agent_dbus_agent1_compliance_call_get_compliance_sync (proxy, server, &json, NULL, &error);
  g_assert_no_error (error);
  return parse_object (json);
}

static const char *
report_state (JsonObject *doc)
{
  return json_object_get_string_member (json_object_get_object_member (doc, "report"), "state");
}

static const char *
result_state (JsonObject *doc,
              const char *setting_id)
{
  JsonArray *results = json_object_get_array_member (doc, "results");

  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      JsonObject *result = json_array_get_object_element (results, i);

      if (g_strcmp0 (json_object_get_string_member (result, "settingId"), setting_id) == 0)
        return json_object_get_string_member (result, "state");
    }
  return NULL;
}

/* Runs the agent program; returns its exit status. */
static int
run_agent (const char * const *args,
           char              **out)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  /* Scripts often run in the C locale: the output must survive it. */
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "LC_ALL", "C", TRUE);
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_strv_builder_add (builder, g_getenv ("CP_AGENT_EXEC"));
  g_strv_builder_addv (builder, (const char **) args);
  g_strv_builder_add (builder, "--allow-root");
  argv = g_strv_builder_end (builder);
  g_spawn_sync (NULL, argv, envp, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, out, NULL, &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* Runs the agent program while this main loop keeps serving (the agent talks to our server). */
static int
run_agent_async (const char * const *args,
                 char              **out)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_strv_builder_add (builder, g_getenv ("CP_AGENT_EXEC"));
  g_strv_builder_addv (builder, (const char **) args);
  g_strv_builder_add (builder, "--allow-root");
  argv = g_strv_builder_end (builder);
  process = g_subprocess_newv ((const char * const *) argv,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, call_done_cb, &result);
  wait_for (&result);
  g_subprocess_communicate_utf8_finish (process, result, out, NULL, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (process);
}

/* Tests */

static void
test_evaluate_command (void)
{
  g_autofree char *policy = g_build_filename (g_getenv ("CP_SOURCE_DIR"), "tests", "agent", "policies",
                                              "trees.json", NULL);
  const char *failing[] = { "--evaluate", policy, "--host-root", failing_root, "--json", NULL };
  const char *passing[] = { "--evaluate", policy, "--host-root", passing_root, "--json", NULL };
  const char *text[] = { "--evaluate", policy, "--host-root", failing_root, NULL };
  const char *missing[] = { "--evaluate", "/nonexistent/policy.json", "--json", NULL };
  g_autofree char *out = NULL;
  g_autoptr(JsonObject) doc = NULL;

  /* An unencrypted Ubuntu with ssh open and no firewall. */
  g_assert_cmpint (run_agent (failing, &out), ==, 1);
  doc = parse_object (out);
  g_assert_cmpstr (json_object_get_string_member (doc, "policyId"), ==, "agent-test-trees");
  g_assert_cmpstr (json_object_get_string_member (doc, "localState"), ==, "noncompliant");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (doc, "results")), ==, 6);
  g_assert_cmpstr (result_state (doc, "os"), ==, "compliant");
  g_assert_cmpstr (result_state (doc, "disk"), ==, "noncompliant");
  g_assert_cmpstr (result_state (doc, "firewall"), ==, "noncompliant");
  g_assert_cmpstr (result_state (doc, "ssh"), ==, "noncompliant");

  /* Debian on LUKS with every rule in place. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&doc, json_object_unref);
  g_assert_cmpint (run_agent (passing, &out), ==, 0);
  doc = parse_object (out);
  g_assert_cmpstr (json_object_get_string_member (doc, "localState"), ==, "compliant");
  g_assert_cmpstr (result_state (doc, "disk"), ==, "compliant");
  g_assert_cmpstr (result_state (doc, "firewall"), ==, "compliant");

  /* JSON stays UTF-8 in any locale (the evidence quotes with “”). */
  g_assert_nonnull (strstr (out, "\u201c1\u201d"));

  /* Readable text names the issue and how to fix it. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_agent (text, &out), ==, 1);
  g_assert_nonnull (strstr (out, "Disk encryption"));
  g_assert_nonnull (strstr (out, "How to fix"));
  g_assert_nonnull (strstr (out, "sudo ufw enable"));

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_agent (missing, &out), ==, 2);
}

static void
progress_cb (CpAgentDbusAgent1Compliance *proxy,
             const char                  *server,
             const char                  *setting_id,
             guint                        done,
             guint                        total,
             guint                       *count)
{
  g_assert_cmpuint (done, ==, *count + 1);
  g_assert_cmpuint (total, ==, 6);
  (*count)++;
}

static void
changed_cb (CpAgentDbusAgent1Compliance *proxy,
            const char                  *server,
            const char                  *json,
            guint                       *count)
{
  (*count)++;
}

static void
test_report (void)
{
  g_autoptr(DeviceServer) ds = device_server_new ();
  g_autoptr(CpAgentDbusAgent1Compliance) proxy = compliance_proxy ();
  g_autoptr(JsonObject) doc = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  const char *status_args[] = { "--status", "--json", NULL };
  JsonObject *sent;
  guint progress = 0, changes = 0;

  enroll (ds, "dev-report");
  g_signal_connect (proxy, "progress", G_CALLBACK (progress_cb), &progress);
  g_signal_connect (proxy, "compliance-changed", G_CALLBACK (changed_cb), &changes);
  g_free (ds->answer);
  ds->answer = g_strdup ("{\"complianceState\":\"inGracePeriod\",\"complianceGraceDeadline\":\"2031-03-12T09:00:00Z\"}");

  doc = evaluate (proxy, ds->url, &error);
  g_assert_no_error (error);

  /* One signed GET, one signed report with every result. */
  g_assert_cmpuint (ds->policy_gets, ==, 1);
  g_assert_cmpuint (ds->report_ids->len, ==, 1);
  g_assert_cmpuint (ds->refused, ==, 0);
  sent = json_node_get_object (ds->last_report);
  g_assert_cmpstr (json_object_get_string_member (sent, "policyId"), ==, "agent-test-trees");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (sent, "results")), ==, 6);

  g_assert_cmpstr (json_object_get_string_member (doc, "localState"), ==, "noncompliant");
  g_assert_cmpstr (json_object_get_string_member (doc, "complianceState"), ==, "inGracePeriod");
  g_assert_cmpstr (json_object_get_string_member (doc, "complianceGraceDeadline"), ==, "2031-03-12T09:00:00Z");
  g_assert_cmpstr (json_object_get_string_member (doc, "deviceId"), ==, "dev-report");
  g_assert_cmpstr (report_state (doc), ==, "sent");
  g_assert_cmpint (json_object_get_int_member (doc, "queued"), ==, 0);
  g_assert_cmpstr (result_state (doc, "disk"), ==, "noncompliant");
  g_assert_false (json_object_has_member (doc, "policy"));

  while (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (progress, ==, 6);
  g_assert_cmpuint (changes, >=, 1);

  /* The same document later, and in --status --json. */
  again = get_compliance (proxy, ds->url);
  g_assert_cmpstr (json_object_get_string_member (again, "evaluatedAt"), ==,
                   json_object_get_string_member (doc, "evaluatedAt"));
  g_assert_cmpint (run_agent (status_args, &status), ==, 0);
  g_assert_nonnull (strstr (status, "\"complianceState\" : \"inGracePeriod\""));
  g_assert_nonnull (strstr (status, "2031-03-12T09:00:00Z"));

  unenroll (ds);
}

static void
test_concurrent (void)
{
  g_autoptr(DeviceServer) ds = device_server_new ();
  g_autoptr(CpAgentDbusAgent1Compliance) proxy = compliance_proxy ();
  g_autoptr(CpAgentDbusAgent1) agent = agent_proxy ();
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GAsyncResult) second = NULL;
  g_autoptr(GAsyncResult) checked = NULL;
  g_autoptr(GAsyncResult) during = NULL;
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json1 = NULL;
  g_autofree char *json2 = NULL;
  g_autofree char *json3 = NULL;
  g_autoptr(JsonObject) doc1 = NULL;
  g_autoptr(JsonObject) doc2 = NULL;
  g_autoptr(JsonObject) doc3 = NULL;
  g_autoptr(JsonObject) during_doc = NULL;
  g_autoptr(JsonObject) queued = NULL;

  enroll (ds, "dev-concurrent");

  /* "Check again" twice while the first runs: one evaluation, one report, one answer for both. */
  cp_agent_dbus_agent1_compliance_call_evaluate (proxy, ds->url, NULL, call_done_cb, &first);
  cp_agent_dbus_agent1_compliance_call_evaluate (proxy, ds->url, NULL, call_done_cb, &second);
  wait_for (&first);
  wait_for (&second);
  g_assert_true (cp_agent_dbus_agent1_compliance_call_evaluate_finish (proxy, &json1, first, &error));
  g_assert_true (cp_agent_dbus_agent1_compliance_call_evaluate_finish (proxy, &json2, second, &error));
  g_assert_cmpstr (json1, ==, json2);
  g_assert_cmpuint (ds->report_ids->len, ==, 1);
  g_assert_cmpuint (ds->policy_gets, ==, 1);

  /* A queued report is on its way after a check-in when Evaluate comes: it runs right after. */
  ds->report_status = SOUP_STATUS_SERVICE_UNAVAILABLE;
  queued = evaluate (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (queued, "queued"), ==, 1);
  ds->report_status = 0;
  ds->stall_reports = TRUE;
  cp_agent_dbus_agent1_call_check_in (agent, ds->url, NULL, call_done_cb, &checked);
  while (ds->stalled->len == 0)
    g_main_context_iteration (NULL, TRUE);
  cp_agent_dbus_agent1_compliance_call_evaluate (proxy, ds->url, NULL, call_done_cb, &during);
  /* Let the call reach the agent before the server answers. */
  during_doc = get_compliance (proxy, ds->url);
  g_assert_nonnull (during_doc);
  release_reports (ds);
  wait_for (&during);
  g_assert_true (cp_agent_dbus_agent1_compliance_call_evaluate_finish (proxy, &json3, during, &error));
  doc3 = parse_object (json3);
  g_assert_cmpuint (ds->report_ids->len, ==, 3);
  g_assert_cmpstr (report_state (doc3), ==, "sent");
  g_assert_cmpint (json_object_get_int_member (doc3, "queued"), ==, 0);
  g_assert_cmpstr (ds->report_ids->pdata[1], ==,
                   json_object_get_string_member (json_object_get_object_member (queued, "report"), "reportId"));
  g_assert_cmpstr (ds->report_ids->pdata[2], ==,
                   json_object_get_string_member (json_object_get_object_member (doc3, "report"), "reportId"));
  wait_for (&checked);
  cp_agent_dbus_agent1_call_check_in_finish (agent, &state, checked, &error);
  g_assert_no_error (error);

  unenroll (ds);
}

static void
test_report_wrong_key (void)
{
  g_autoptr(DeviceServer) ds = device_server_new ();
  g_autoptr(CpAgentDbusAgent1Compliance) proxy = compliance_proxy ();
  g_autoptr(JsonObject) doc = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(GError) error = NULL;

  enroll (ds, "dev-wrong-key");

  /* The server knows another key for this device: the report is refused. */
  ds->report_key = cp_jwk_generate_ec_p256 (&error);
  g_assert_no_error (error);
  doc = evaluate (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->refused, ==, 1);
  g_assert_cmpuint (ds->report_ids->len, ==, 0);
  g_assert_cmpstr (report_state (doc), ==, "queued");
  g_assert_nonnull (strstr (json_object_get_string_member (json_object_get_object_member (doc, "report"),
                                                           "message"), "signature"));
  g_assert_false (json_object_has_member (doc, "complianceState"));

  /* Once the server has the right key, the next check-in delivers it. */
  g_clear_object (&ds->report_key);
  check_in (ds);
  while (ds->report_ids->len == 0)
    g_main_context_iteration (NULL, TRUE);
  after = get_compliance (proxy, ds->url);
  while (g_strcmp0 (report_state (after), "sent") != 0)
    {
      g_main_context_iteration (NULL, FALSE);
      g_clear_pointer (&after, json_object_unref);
      after = get_compliance (proxy, ds->url);
    }
  g_assert_cmpuint (ds->report_ids->len, ==, 1);
  g_assert_cmpint (json_object_get_int_member (after, "queued"), ==, 0);

  unenroll (ds);
}

static void
test_queue (void)
{
  g_autoptr(DeviceServer) ds = device_server_new ();
  g_autoptr(CpAgentDbusAgent1Compliance) proxy = compliance_proxy ();
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) offline1 = NULL;
  g_autoptr(JsonObject) offline2 = NULL;
  g_autoptr(JsonObject) back = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  const char *id1, *id2;

  enroll (ds, "dev-queue");
  first = evaluate (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->report_ids->len, ==, 1);

  /* The server is down: the last policy is evaluated and the reports wait. */
  ds->down = TRUE;
  offline1 = evaluate (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (offline1, "policySource"), ==, "cached");
  g_assert_cmpstr (report_state (offline1), ==, "queued");
  g_assert_cmpint (json_object_get_int_member (offline1, "queued"), ==, 1);

  /* Really gone (connection refused): still queued. */
  soup_server_disconnect (ds->server);
  offline2 = evaluate (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (offline2, "queued"), ==, 2);
  g_assert_cmpuint (ds->report_ids->len, ==, 1);
  id1 = json_object_get_string_member (json_object_get_object_member (offline1, "report"), "reportId");
  id2 = json_object_get_string_member (json_object_get_object_member (offline2, "report"), "reportId");
  g_assert_cmpstr (id1, !=, id2);

  /* Back (same port): an evaluation delivers both queued reports, oldest first, then its own. */
  {
    g_autoptr(GUri) uri = g_uri_parse (ds->url, G_URI_FLAGS_NONE, NULL);

    soup_server_listen_local (ds->server, g_uri_get_port (uri), SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
    g_assert_no_error (error);
  }
  ds->down = FALSE;
  back = evaluate (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->report_ids->len, ==, 4);
  g_assert_cmpstr (ds->report_ids->pdata[1], ==, id1);
  g_assert_cmpstr (ds->report_ids->pdata[2], ==, id2);
  g_assert_cmpint (json_object_get_int_member (back, "queued"), ==, 0);
  g_assert_cmpstr (report_state (back), ==, "sent");

  /* Nothing is ever sent twice. */
  check_in (ds);
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (ds->report_ids->len, ==, 4);
  for (guint i = 0; i < ds->report_ids->len; i++)
    g_assert_true (g_hash_table_add (seen, ds->report_ids->pdata[i]));

  unenroll (ds);
}

static void
test_queue_after_check_in (void)
{
  g_autoptr(DeviceServer) ds = device_server_new ();
  g_autoptr(CpAgentDbusAgent1Compliance) proxy = compliance_proxy ();
  g_autoptr(JsonObject) doc = NULL;
  g_autoptr(GError) error = NULL;
  gint64 end;

  enroll (ds, "dev-retry");
  ds->report_status = SOUP_STATUS_SERVICE_UNAVAILABLE;
  doc = evaluate (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (report_state (doc), ==, "queued");

  /* A client error other than 401/404/410/429 drops the report. */
  ds->report_status = 0;
  check_in (ds);
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (ds->report_ids->len == 0 && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (ds->report_ids->len, ==, 1);

  /* An answer the agent cannot read: delivered all the same, the state stays unknown. */
  for (guint i = 0; i < 2; i++)
    {
      g_free (ds->answer);
      ds->answer = g_strdup (i == 0 ? "" : "{\"complianceState\":\"great\"}");
      g_clear_pointer (&doc, json_object_unref);
      doc = evaluate (proxy, ds->url, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (report_state (doc), ==, "sent");
      g_assert_false (json_object_has_member (doc, "complianceState"));
    }
  g_assert_cmpuint (ds->report_ids->len, ==, 3);

  ds->report_status = SOUP_STATUS_BAD_REQUEST;
  g_clear_pointer (&doc, json_object_unref);
  doc = evaluate (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (report_state (doc), ==, "dropped");
  g_assert_cmpint (json_object_get_int_member (doc, "queued"), ==, 0);

  /* The organisation removed the device: nothing to evaluate for. */
  g_clear_pointer (&doc, json_object_unref);
  ds->policy_status = SOUP_STATUS_GONE;
  doc = evaluate (proxy, ds->url, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_NOT_FOUND);
  g_clear_error (&error);

  unenroll (ds);
}

static void
test_long_evidence (void)
{
  g_autoptr(DeviceServer) ds = device_server_new ();
  g_autoptr(CpAgentDbusAgent1Compliance) proxy = compliance_proxy ();
  g_autofree char *path = g_build_filename (g_getenv ("CP_SOURCE_DIR"), "tests", "agent", "policies",
                                            "long-evidence.json", NULL);
  g_autoptr(JsonObject) doc = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *result;
  const char *evidence;

  enroll (ds, "dev-long");
  g_free (ds->policy);
  g_file_get_contents (path, &ds->policy, NULL, &error);
  g_assert_no_error (error);

  /* A script reports a 10,000 character value: shortened, still reported. */
  doc = evaluate (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (report_state (doc), ==, "sent");
  result = json_array_get_object_element (json_object_get_array_member (json_node_get_object (ds->last_report),
                                                                        "results"), 0);
  evidence = json_object_get_string_member (result, "evidence");
  g_assert_cmpstr (json_object_get_string_member (result, "state"), ==, "noncompliant");
  g_assert_true (g_str_has_prefix (evidence, "xxxxxxxx"));
  g_assert_true (g_str_has_suffix (evidence, "…"));
  g_assert_cmpuint (strlen (evidence), <=, 4000);
  g_assert_true (g_utf8_validate (evidence, -1, NULL));

  unenroll (ds);
}

static void
test_malformed_policy (void)
{
  g_autoptr(DeviceServer) ds = device_server_new ();
  g_autoptr(CpAgentDbusAgent1Compliance) proxy = compliance_proxy ();
  g_autofree char *huge = g_strnfill (5 * 1024 * 1024, ' ');
  const char *bad[] = {
    "",
    "{\"settings\": 5}",
    "this is not JSON",
    "[1, 2, 3]",
    "{\"settings\": [{\"id\": \"a\", \"type\": \"firewall\"}, {\"id\": \"a\", \"type\": \"firewall\"}]}",
    huge,
  };

  enroll (ds, "dev-malformed");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) doc = NULL;
      g_autoptr(JsonObject) state = NULL;

      g_free (ds->policy);
      ds->policy = g_strdup (bad[i]);
      doc = evaluate (proxy, ds->url, &error);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
      g_assert_null (doc);

      /* The agent is alive and says why. */
      state = get_compliance (proxy, ds->url);
      g_assert_cmpstr (json_object_get_string_member (state, "localState"), ==, "error");
      g_assert_nonnull (json_object_get_string_member (state, "error"));
    }
  g_assert_cmpuint (ds->report_ids->len, ==, 0);

  /* A setting type this agent does not know is one error result, the rest still counts. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) doc = NULL;

    g_free (ds->policy);
    ds->policy = g_strdup ("{\"settings\": [{\"id\": \"future\", \"type\": \"quantumShield\"},"
                           " {\"id\": \"firewall\", \"type\": \"firewall\"}]}");
    doc = evaluate (proxy, ds->url, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (result_state (doc, "future"), ==, "error");
    g_assert_cmpstr (result_state (doc, "firewall"), ==, "noncompliant");
    g_assert_false (json_object_has_member (doc, "error"));
  }

  unenroll (ds);
}

/* The notification daemon and the window, played by this process */

static const char notifications_xml[] =
  "<node><interface name='org.freedesktop.Notifications'>"
  " <method name='Notify'><arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "  <arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "  <arg type='as' direction='in'/><arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "  <arg type='u' direction='out'/></method>"
  " <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  " <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  " <method name='GetServerInformation'><arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "  <arg type='s' direction='out'/><arg type='s' direction='out'/></method>"
  " <signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
  " <signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
  "</interface></node>";

static const char application_xml[] =
  "<node><interface name='org.freedesktop.Application'>"
  " <method name='Activate'><arg type='a{sv}' direction='in'/></method>"
  " <method name='Open'><arg type='as' direction='in'/><arg type='a{sv}' direction='in'/></method>"
  " <method name='ActivateAction'><arg type='s' direction='in'/><arg type='av' direction='in'/>"
  "  <arg type='a{sv}' direction='in'/></method>"
  "</interface></node>";

typedef struct
{
  guint      count;
  guint      last_id;
  char      *sender;
  char      *summary;
  char      *body;
  gboolean   has_default;
  char      *action;
  char      *action_param;
} Desktop;

static Desktop desktop;

static void
notifications_method_cb (GDBusConnection       *connection,
                         const char            *sender,
                         const char            *path,
                         const char            *interface,
                         const char            *method,
                         GVariant              *parameters,
                         GDBusMethodInvocation *invocation,
                         gpointer               user_data)
{
  if (g_str_equal (method, "Notify"))
    {
      g_autofree const char **actions = NULL;
      const char *summary, *body;

      g_variant_get (parameters, "(&su&s&s&s^a&s@a{sv}i)", NULL, NULL, NULL, &summary, &body,
                     &actions, NULL, NULL);
      desktop.count++;
      desktop.last_id = desktop.count;
      g_free (desktop.summary);
      g_free (desktop.body);
      g_free (desktop.sender);
      desktop.summary = g_strdup (summary);
      desktop.body = g_strdup (body);
      desktop.sender = g_strdup (sender);
      desktop.has_default = actions[0] != NULL && g_str_equal (actions[0], "default");
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", desktop.last_id));
    }
  else if (g_str_equal (method, "GetCapabilities"))
    {
      const char *caps[] = { "actions", "body", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
    }
  else if (g_str_equal (method, "GetServerInformation"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ssss)", "fake", "cp-test", "1", "1.2"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
application_method_cb (GDBusConnection       *connection,
                       const char            *sender,
                       const char            *path,
                       const char            *interface,
                       const char            *method,
                       GVariant              *parameters,
                       GDBusMethodInvocation *invocation,
                       gpointer               user_data)
{
  if (g_str_equal (method, "ActivateAction"))
    {
      g_autoptr(GVariant) params = NULL;
      const char *action;

      g_variant_get (parameters, "(&s@av@a{sv})", &action, &params, NULL);
      g_free (desktop.action);
      g_free (desktop.action_param);
      desktop.action = g_strdup (action);
      if (g_variant_n_children (params) == 1)
        {
          g_autoptr(GVariant) boxed = g_variant_get_child_value (params, 0);
          g_autoptr(GVariant) value = g_variant_get_variant (boxed);

          if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
            desktop.action_param = g_variant_dup_string (value, NULL);
        }
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
own_name (const char *name)
{
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  guint32 reply = 0;

  result = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                        "org.freedesktop.DBus", "RequestName",
                                        g_variant_new ("(su)", name, 4 /* DO_NOT_QUEUE */),
                                        G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (result, "(u)", &reply);
  g_assert_cmpuint (reply, ==, 1);
}

static void
play_desktop (void)
{
  static const GDBusInterfaceVTable notifications_vtable = { notifications_method_cb };
  static const GDBusInterfaceVTable application_vtable = { application_method_cb };
  g_autoptr(GDBusNodeInfo) notifications = g_dbus_node_info_new_for_xml (notifications_xml, NULL);
  g_autoptr(GDBusNodeInfo) application = g_dbus_node_info_new_for_xml (application_xml, NULL);
  g_autoptr(GError) error = NULL;

  g_dbus_connection_register_object (bus, "/org/freedesktop/Notifications", notifications->interfaces[0],
                                     &notifications_vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_register_object (bus, "/io/github/companyportal/CompanyPortal", application->interfaces[0],
                                     &application_vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  own_name ("org.freedesktop.Notifications");
  own_name ("io.github.companyportal.CompanyPortal");
}

static void
test_notification (void)
{
  g_autoptr(DeviceServer) ds = device_server_new ();
  g_autoptr(CpAgentDbusAgent1Compliance) proxy = compliance_proxy ();
  g_autoptr(JsonObject) doc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) deadline = g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC + 3 * 3600);
  g_autoptr(GDateTime) local = g_date_time_to_local (deadline);
  g_autofree char *deadline_text = g_date_time_format (deadline, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *day = g_date_time_format (local, "%-d %B");
  g_autofree char *expected = g_strdup_printf ("Your device will lose access on %s", day);
  gint64 end;

  enroll (ds, "dev-notify");

  /* Compliant first: nothing to say. */
  g_free (ds->answer);
  ds->answer = g_strdup ("{\"complianceState\":\"compliant\"}");
  doc = evaluate (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (desktop.count, ==, 0);

  /* Worse, with a deadline three hours away: one notification naming the first issue. */
  g_free (ds->answer);
  ds->answer = g_strdup_printf ("{\"complianceState\":\"inGracePeriod\",\"complianceGraceDeadline\":\"%s\"}",
                                deadline_text);
  g_clear_pointer (&doc, json_object_unref);
  doc = evaluate (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (desktop.count, ==, 1);
  g_assert_cmpstr (desktop.summary, ==, expected);
  g_assert_cmpstr (desktop.body, ==, "Disk encryption: Not encrypted: /, /var/lib/docker");
  g_assert_true (desktop.has_default);

  /* Same state, same deadline: not again. */
  g_clear_pointer (&doc, json_object_unref);
  doc = evaluate (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (desktop.count, ==, 1);

  /* The user clicks it: the window is asked to show that setting. */
  g_dbus_connection_emit_signal (bus, desktop.sender, "/org/freedesktop/Notifications",
                                 "org.freedesktop.Notifications", "ActionInvoked",
                                 g_variant_new ("(us)", desktop.last_id, "default"), &error);
  g_assert_no_error (error);
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (desktop.action == NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (desktop.action, ==, "show-compliance");
  g_assert_cmpstr (desktop.action_param, ==, "disk");

  /* Noncompliant is worse still. */
  g_free (ds->answer);
  ds->answer = g_strdup ("{\"complianceState\":\"noncompliant\"}");
  g_clear_pointer (&doc, json_object_unref);
  doc = evaluate (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (desktop.count, ==, 2);
  g_assert_nonnull (strstr (desktop.summary, "no longer meets"));

  unenroll (ds);
}

/* The window's schema with just the key the agent reads, and the value in a keyfile.
 * The agent's activation environment keeps naming the directory: it goes at exit. */
static char *
install_settings_schema (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = cp_test_make_program_tmp_dir ("cp-schema-XXXXXX");
  g_autofree char *file = NULL;
  const char *argv[] = { "glib-compile-schemas", dir, NULL };
  int status;

  file = g_build_filename (dir, "io.github.companyportal.CompanyPortal.gschema.xml", NULL);
  g_file_set_contents (file,
                       "<schemalist><schema id='io.github.companyportal.CompanyPortal'"
                       " path='/io/github/companyportal/CompanyPortal/'>"
                       "<key name='notifications-enabled' type='b'><default>true</default></key>"
                       "</schema></schemalist>", -1, &error);
  g_assert_no_error (error);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_steal_pointer (&dir);
}

static void
set_notifications_enabled (gboolean enabled)
{
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "glib-2.0", "settings", NULL);
  g_autofree char *file = g_build_filename (dir, "keyfile", NULL);
  g_autofree char *text = g_strdup_printf ("[io/github/companyportal/CompanyPortal]\n"
                                           "notifications-enabled=%s\n", enabled ? "true" : "false");

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (file, text, -1, NULL));
}

static void
test_notifications_disabled (void)
{
  g_autoptr(DeviceServer) ds = device_server_new ();
  g_autoptr(CpAgentDbusAgent1Compliance) proxy = NULL;
  g_autoptr(JsonObject) doc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *schemas = install_settings_schema ();
  g_autofree char *deadline = NULL;
  g_autoptr(GDateTime) soon = g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC + 3600);
  guint before;

  kill_agent ();
  set_activation_env ("GSETTINGS_SCHEMA_DIR", schemas);
  set_activation_env ("GSETTINGS_BACKEND", "keyfile");
  set_notifications_enabled (TRUE);
  proxy = compliance_proxy ();
  enroll (ds, "dev-quiet");

  /* Switched on (the schema is there, and read): the grace period is news. */
  g_free (ds->answer);
  ds->answer = g_strdup ("{\"complianceState\":\"compliant\"}");
  doc = evaluate (proxy, ds->url, &error);
  g_assert_no_error (error);
  before = desktop.count;
  deadline = g_date_time_format (soon, "%Y-%m-%dT%H:%M:%SZ");
  g_free (ds->answer);
  ds->answer = g_strdup_printf ("{\"complianceState\":\"inGracePeriod\",\"complianceGraceDeadline\":\"%s\"}",
                                deadline);
  g_clear_pointer (&doc, json_object_unref);
  doc = evaluate (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (desktop.count, ==, before + 1);

  /* Switched off: worse again, and silence. */
  kill_agent ();
  set_notifications_enabled (FALSE);
  g_clear_object (&proxy);
  proxy = compliance_proxy ();
  g_free (ds->answer);
  ds->answer = g_strdup ("{\"complianceState\":\"noncompliant\"}");
  g_clear_pointer (&doc, json_object_unref);
  doc = evaluate (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (doc, "complianceState"), ==, "noncompliant");
  g_assert_cmpuint (desktop.count, ==, before + 1);

  kill_agent ();
  set_activation_env ("GSETTINGS_BACKEND", "memory");
  unenroll (ds);
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
test_background (void)
{
  g_autoptr(DeviceServer) ds = device_server_new ();
  gint64 end;
  guint tick;

  kill_agent ();
  set_activation_env ("CP_AGENT_CHECK_IN_INTERVAL", "1");
  enroll (ds, "dev-background");

  /* No call: the check-in schedule evaluates and reports by itself. */
  end = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  tick = g_timeout_add (50, tick_cb, NULL);
  while (ds->report_ids->len < 2 && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  g_assert_cmpuint (ds->report_ids->len, >=, 2);
  g_assert_cmpuint (ds->policy_gets, >=, 2);
  g_assert_cmpuint (ds->refused, ==, 0);

  kill_agent ();
  set_activation_env ("CP_AGENT_CHECK_IN_INTERVAL", "3600");
  unenroll (ds);
}

static void
test_check_command (void)
{
  g_autoptr(DeviceServer) ds = device_server_new ();
  const char *check[] = { "--check", NULL };
  const char *check_json[] = { "--check", "--json", NULL };
  g_autofree char *out = NULL;
  g_autofree char *out_json = NULL;
  g_autofree char *out_removed = NULL;

  enroll (ds, "dev-check");

  /* The server's verdict decides the exit status. */
  g_assert_cmpint (run_agent_async (check, &out), ==, 1);
  g_assert_nonnull (strstr (out, ds->url));
  g_assert_nonnull (strstr (out, "Disk encryption"));
  g_assert_nonnull (strstr (out, "How to fix"));
  g_assert_cmpuint (ds->report_ids->len, ==, 1);

  g_free (ds->answer);
  ds->answer = g_strdup ("{\"complianceState\":\"compliant\"}");
  g_assert_cmpint (run_agent_async (check_json, &out_json), ==, 0);
  g_assert_nonnull (strstr (out_json, "\"complianceState\" : \"compliant\""));
  g_assert_cmpuint (ds->report_ids->len, ==, 2);

  /* Nothing can be evaluated: an error. */
  ds->policy_status = SOUP_STATUS_NOT_FOUND;
  g_assert_cmpint (run_agent_async (check, &out_removed), ==, 2);

  unenroll (ds);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *policy_path = NULL;
  const char *source = g_getenv ("CP_SOURCE_DIR");

  if (!agent_fixture_init (&argc, &argv, "agent-compliance"))
    return g_test_run ();

  policy_path = g_build_filename (source, "tests", "agent", "policies", "trees.json", NULL);
  g_file_get_contents (policy_path, &policy_text, NULL, &error);
  g_assert_no_error (error);
  failing_root = g_build_filename (source, "tests", "compliance", "trees", "ubuntu2204-plain", NULL);
  passing_root = g_build_filename (source, "tests", "compliance", "trees", "debian12-luks", NULL);

  bus = agent_fixture_bus ();
  play_desktop ();
  set_activation_env ("CP_AGENT_HOST_ROOT", failing_root);
  set_activation_env ("CP_AGENT_IDLE_TIMEOUT", "5");
  set_activation_env ("CP_AGENT_CHECK_IN_INTERVAL", "3600");

  g_test_add_func ("/agent-compliance/evaluate-command", test_evaluate_command);
  g_test_add_func ("/agent-compliance/report", test_report);
  g_test_add_func ("/agent-compliance/concurrent", test_concurrent);
  g_test_add_func ("/agent-compliance/report-wrong-key", test_report_wrong_key);
  g_test_add_func ("/agent-compliance/queue", test_queue);
  g_test_add_func ("/agent-compliance/queue-after-check-in", test_queue_after_check_in);
  g_test_add_func ("/agent-compliance/malformed-policy", test_malformed_policy);
  g_test_add_func ("/agent-compliance/long-evidence", test_long_evidence);
  g_test_add_func ("/agent-compliance/notification", test_notification);
  g_test_add_func ("/agent-compliance/check-command", test_check_command);
  g_test_add_func ("/agent-compliance/background", test_background);
  g_test_add_func ("/agent-compliance/notifications-disabled", test_notifications_disabled);

  return agent_fixture_run ();
}
