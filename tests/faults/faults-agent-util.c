/* faults-agent-util.c: the stack of the agent fault tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "cp-agent-dbus.h"
#include "cp-agent-errors.h"
#include "cp-test-util.h"
#include "faults-agent-util.h"

FaultStack stack;

/* Processes */

void
fault_stack_start_server (void)
{
  g_autofree char *bin = cp_test_build_path ("src", "server", "company-portal-server", NULL);
  g_autofree char *issuer_arg = g_strconcat ("--issuer=", stack.idp->url, NULL);
  g_autofree char *db_arg = g_strconcat ("--db=", stack.db_path, NULL);
  g_autofree char *listen_arg = g_strconcat ("--listen=", stack.server_listen, NULL);
  const char *argv[] = { bin, "--demo", issuer_arg, listen_arg, db_arg, NULL };
  g_autoptr(GError) error = NULL;

  g_assert_null (stack.server);
  /* The port may still be held for a moment after the previous server left. */
  for (guint i = 0; i < 50 && stack.server == NULL; i++)
    {
      g_clear_error (&error);
      stack.server = cp_test_process_start (argv, &error);
      if (stack.server == NULL)
        g_usleep (100 * 1000);
    }
  g_assert_no_error (error);
}

void
fault_stack_stop_server (void)
{
  g_assert_cmpint (cp_test_process_stop (stack.server), ==, 0);
  g_clear_pointer (&stack.server, cp_test_process_free);
}

gboolean
fault_stack_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *proxy_py = cp_test_source_path ("tests", "harness", "fault_proxy.py", NULL);
  g_autofree char *upstream_arg = NULL;
  g_autoptr(GUri) uri = NULL;

  if (g_getenv ("CP_TEST_KEYRING") == NULL)
    {
      g_printerr ("Run this test under tests/agent/with-keyring.sh\n");
      return FALSE;
    }
  stack.bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  /* The IdP first: when it cannot start, there is no scratch directory to leave. */
  stack.idp = cp_test_idp_start (NULL, NULL);
  stack.tmp_dir = g_dir_make_tmp ("cp-agent-faults-XXXXXX", &error);
  g_assert_no_error (error);
  stack.db_path = g_build_filename (stack.tmp_dir, "server.db", NULL);
  stack.server_listen = g_strdup ("127.0.0.1:0");
  fault_stack_start_server ();
  uri = g_uri_parse (stack.server->url, G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_free (stack.server_listen);
  stack.server_listen = g_strdup_printf ("127.0.0.1:%d", g_uri_get_port (uri));

  upstream_arg = g_strconcat ("--upstream=", stack.server->url, NULL);
  {
    const char *argv[] = { "/usr/bin/python3", proxy_py, upstream_arg, NULL };

    stack.proxy = cp_test_process_start (argv, &error);
    g_assert_no_error (error);
  }
  stack.alice_token = cp_test_idp_get_token (stack.idp->url, "alice");
  return TRUE;
}

void
fault_stack_stop (void)
{
  g_clear_pointer (&stack.proxy, cp_test_process_free);
  g_clear_pointer (&stack.server, cp_test_process_free);
  g_clear_pointer (&stack.idp, cp_test_process_free);
  cp_test_remove_tree (stack.tmp_dir);
  g_clear_pointer (&stack.tmp_dir, g_free);
  g_clear_pointer (&stack.db_path, g_free);
  g_clear_pointer (&stack.server_listen, g_free);
  g_clear_pointer (&stack.alice_token, g_free);
  g_clear_object (&stack.bus);
}

/* The proxy */

static void
proxy_control (const char *method,
               const char *path,
               const char *json)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (stack.proxy->url, path, NULL);
  g_autoptr(GBytes) body = json ? g_bytes_new (json, strlen (json)) : NULL;
  g_autoptr(CpTestResponse) response = NULL;

  response = cp_test_http (session, method, url, NULL, "application/json", body);
  g_assert_cmpuint (response->status, ==, 200);
}

void
proxy_arm (const char *rules_json)
{
  g_autofree char *doc = g_strdup_printf ("{\"rules\":%s}", rules_json);

  proxy_control ("POST", "/__faults", doc);
  proxy_control ("DELETE", "/__log", NULL);
}

guint
proxy_count (const char *method,
             const char *path,
             const char *action)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (stack.proxy->url, "/__log", NULL);
  g_autoptr(CpTestResponse) response = cp_test_http (session, "GET", url, NULL, NULL, NULL);
  g_autoptr(JsonObject) doc = cp_test_response_json (response);
  JsonArray *entries = json_object_get_array_member (doc, "entries");
  guint count = 0;

  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);

      if (g_str_equal (json_object_get_string_member (entry, "method"), method) &&
          g_str_equal (json_object_get_string_member (entry, "path"), path) &&
          (action == NULL || g_str_equal (json_object_get_string_member (entry, "action"), action)))
        count++;
    }
  return count;
}

/* The server's database */

guint
db_count (const char *table,
          const char *device_id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM %s WHERE device_id = ?", table);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint count;

  g_assert_cmpint (sqlite3_open_v2 (stack.db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, device_id, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  count = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return count;
}

guint
db_wait_count (const char *table,
               const char *device_id,
               guint       count,
               guint       seconds)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  guint now;

  while ((now = db_count (table, device_id)) < count && g_get_monotonic_time () < end)
    g_usleep (50 * 1000);
  return now;
}

/* The agent */

void
agent_set_env (const char *name,
               const char *value)
{
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&builder, "{ss}", name, value);
  result = g_dbus_connection_call_sync (stack.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                        "org.freedesktop.DBus", "UpdateActivationEnvironment",
                                        g_variant_new ("(a{ss})", &builder), NULL,
                                        G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
agent_is_running (void)
{
  g_autoptr(GVariant) result = NULL;
  gboolean owned = FALSE;

  result = g_dbus_connection_call_sync (stack.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                        "org.freedesktop.DBus", "NameHasOwner",
                                        g_variant_new ("(s)", CP_AGENT_DBUS_NAME),
                                        G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  g_assert_nonnull (result);
  g_variant_get (result, "(b)", &owned);
  return owned;
}

void
agent_kill (void)
{
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  guint32 pid = 0;

  /* SIGKILL: whatever the agent keeps only in memory is lost. */
  result = g_dbus_connection_call_sync (stack.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                        "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                        g_variant_new ("(s)", CP_AGENT_DBUS_NAME),
                                        G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (result, "(u)", &pid);
  g_assert_cmpint (kill ((pid_t) pid, SIGKILL), ==, 0);
  while (agent_is_running () && g_get_monotonic_time () < end)
    g_usleep (20 * 1000);
  g_assert_false (agent_is_running ());
}

JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static CpAgentDbusAgent1 *
agent_proxy (void)
{
  g_autoptr(GError) error = NULL;
  CpAgentDbusAgent1 *agent;

  agent = cp_agent_dbus_agent1_proxy_new_sync (stack.bus, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                               CP_AGENT_DBUS_NAME, CP_AGENT_DBUS_PATH, NULL, &error);
  g_assert_no_error (error);
  return agent;
}

char *
agent_enroll (void)
{
  g_autoptr(CpAgentDbusAgent1) agent = agent_proxy ();
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) state = NULL;
  g_autoptr(CpTestResponse) response = NULL;
  g_autoptr(JsonObject) device = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *jwk = NULL;
  g_autofree char *facts = NULL;
  g_autofree char *url = g_strconcat (stack.server->url, "/v1/devices", NULL);
  g_autofree char *bearer = g_strconcat ("Bearer ", stack.alice_token, NULL);
  const char *headers[] = { "Authorization", bearer, NULL };
  char *text;

  cp_agent_dbus_agent1_call_get_device_facts_sync (agent, stack.proxy->url, &facts, NULL, &error);
  g_assert_no_error (error);
  cp_agent_dbus_agent1_call_create_device_key_sync (agent, stack.proxy->url, &jwk, NULL, &error);
  g_assert_no_error (error);

  /* The window's request goes straight to the server: only the agent's are under test. */
  text = g_strdup_printf ("{\"facts\":%s,\"publicKey\":%s}", facts, jwk);
  body = g_bytes_new_take (text, strlen (text));
  response = cp_test_http (session, "POST", url, headers, "application/json", body);
  g_assert_cmpuint (response->status, ==, 201);
  device = cp_test_response_json (response);

  cp_agent_dbus_agent1_call_complete_enrollment_sync (agent, stack.proxy->url,
                                                      json_object_get_string_member (device, "id"),
                                                      &state, NULL, &error);
  g_assert_no_error (error);
  return g_strdup (json_object_get_string_member (device, "id"));
}

void
agent_unenroll (void)
{
  g_autoptr(CpAgentDbusAgent1) agent = agent_proxy ();
  g_autoptr(GError) error = NULL;

  cp_agent_dbus_agent1_call_unenroll_sync (agent, stack.proxy->url, NULL, &error);
  g_assert_no_error (error);
}
