/* test-agent-compliance-server.c: the agent against the real company-portal-server
 *
 * Under with-keyring.sh (the agent D-Bus activated, a real gnome-keyring),
 * with the real OIDC provider and the real server: the window's part of the
 * enrollment is played here (POST /v1/devices with the user's token), then
 * the agent evaluates a policy that fails on a fake Ubuntu tree, reports it,
 * the tree "is fixed" (a compliant Debian tree) and the server sees the
 * device become compliant (the integration test).
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
#include "../server/cp-test-server-util.h"

static GDBusConnection *bus;

/* The demo organisation with the agent tests' policy, as an --org file. */
static char *
write_org (const char *dir)
{
  const char *source = g_getenv ("CP_SOURCE_DIR");
  g_autofree char *demo_path = g_build_filename (source, "data", "demo-organization.json", NULL);
  g_autofree char *policy_path = g_build_filename (source, "tests", "agent", "policies", "trees.json", NULL);
  g_autofree char *demo = NULL;
  g_autofree char *policy = NULL;
  g_autofree char *logo = NULL;
  g_autofree char *logo_src = NULL;
  g_autofree char *logo_dst = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonObject) org = NULL;
  g_autoptr(JsonObject) compliance = NULL;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, "org.json", NULL);

  g_file_get_contents (demo_path, &demo, NULL, &error);
  g_assert_no_error (error);
  g_file_get_contents (policy_path, &policy, NULL, &error);
  g_assert_no_error (error);
  org = parse_object (demo);
  compliance = parse_object (policy);
  json_object_set_object_member (org, "compliancePolicy", json_object_ref (compliance));

  logo_src = g_build_filename (source, "data", json_object_get_string_member (org, "logo"), NULL);
  logo_dst = g_build_filename (dir, json_object_get_string_member (org, "logo"), NULL);
  g_file_get_contents (logo_src, &logo, NULL, &error);
  g_assert_no_error (error);
  g_file_set_contents (logo_dst, logo, -1, &error);
  g_assert_no_error (error);

  json_node_set_object (node, org);
  text = json_to_string (node, FALSE);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* The window's part: POST /v1/devices with the agent's facts and key. */
static char *
enroll (const char *server,
        const char *token)
{
  g_autoptr(CpAgentDbusAgent1) agent = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CpTestResponse) response = NULL;
  g_autoptr(JsonObject) device = NULL;
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *facts = NULL;
  g_autofree char *jwk = NULL;
  g_autofree char *body = NULL;
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  const char *headers[] = { "Authorization", bearer, NULL };
  g_autofree char *url = g_strconcat (server, "/v1/devices", NULL);
  g_autoptr(GBytes) bytes = NULL;
  char *id;

  agent = agent_proxy ();
  cp_agent_dbus_agent1_call_get_device_facts_sync (agent, server, &facts, NULL, &error);
  g_assert_no_error (error);
  cp_agent_dbus_agent1_call_create_device_key_sync (agent, server, &jwk, NULL, &error);
  g_assert_no_error (error);

  body = g_strdup_printf ("{\"facts\":%s,\"publicKey\":%s}", facts, jwk);
  bytes = g_bytes_new (body, strlen (body));
  response = cp_test_http (session, "POST", url, headers, "application/json", bytes);
  g_assert_cmpuint (response->status, ==, 201);
  device = cp_test_response_json (response);
  id = g_strdup (json_object_get_string_member (device, "id"));

  cp_agent_dbus_agent1_call_complete_enrollment_sync (agent, server, id, &state, NULL, &error);
  g_assert_no_error (error);
  return id;
}

static JsonObject *
evaluate (const char *server)
{
  g_autoptr(CpAgentDbusAgent1Compliance) proxy = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  proxy = cp_agent_dbus_agent1_compliance_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                                          CP_AGENT_DBUS_NAME, CP_AGENT_DBUS_PATH,
                                                          NULL, &error);
  g_assert_no_error (error);
  /* The server is another process: a synchronous call is fine. */
  cp_agent_dbus_agent1_compliance_call_evaluate (proxy, server, NULL, call_done_cb, &result);
  wait_for (&result);
  cp_agent_dbus_agent1_compliance_call_evaluate_finish (proxy, &json, result, &error);
  g_assert_no_error (error);
  return parse_object (json);
}

/* What the user's window sees: GET /v1/devices/{id}. */
static JsonObject *
device_seen_by_user (const char *server,
                     const char *token,
                     const char *id)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  const char *headers[] = { "Authorization", bearer, NULL };
  g_autofree char *url = g_strconcat (server, "/v1/devices/", id, NULL);
  g_autoptr(CpTestResponse) response = cp_test_http (session, "GET", url, headers, NULL, NULL);

  g_assert_cmpuint (response->status, ==, 200);
  return cp_test_response_json (response);
}

static void
test_fix_and_become_compliant (void)
{
  const char *source = g_getenv ("CP_SOURCE_DIR");
  g_autofree char *failing = g_build_filename (source, "tests", "compliance", "trees", "ubuntu2204-plain", NULL);
  g_autofree char *passing = g_build_filename (source, "tests", "compliance", "trees", "debian12-luks", NULL);
  g_autoptr(GError) error = NULL;
  /* Removed after the server and the IdP below are stopped. */
  g_autofree char *dir = cp_test_make_tmp_dir ("cp-agent-server-XXXXXX");
  g_autofree char *org = NULL;
  g_autofree char *db = NULL;
  g_autofree char *token = NULL;
  g_autofree char *id = NULL;
  g_autofree char *issuer_arg = NULL;
  g_autofree char *db_arg = NULL;
  g_autofree char *org_arg = NULL;
  g_autofree char *server_bin = cp_test_build_path ("src", "server", "company-portal-server", NULL);
  g_autoptr(CpTestProcess) idp = NULL;
  g_autoptr(CpTestProcess) server = NULL;
  g_autoptr(JsonObject) failed = NULL;
  g_autoptr(JsonObject) fixed = NULL;
  g_autoptr(JsonObject) seen = NULL;

  idp = cp_test_idp_start (NULL, NULL);
  token = cp_test_idp_get_token (idp->url, "alice");
  org = write_org (dir);
  db = g_build_filename (dir, "server.db", NULL);
  issuer_arg = g_strconcat ("--issuer=", idp->url, NULL);
  db_arg = g_strconcat ("--db=", db, NULL);
  org_arg = g_strconcat ("--org=", org, NULL);
  {
    const char *argv[] = { server_bin, "--listen=127.0.0.1:0", issuer_arg, db_arg, org_arg, NULL };

    server = cp_test_process_start (argv, &error);
    g_assert_no_error (error);
  }

  set_activation_env ("CP_AGENT_HOST_ROOT", failing);
  kill_agent ();
  id = enroll (server->url, token);

  /* An unencrypted Ubuntu with ssh open: the server says so. */
  failed = evaluate (server->url);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (failed, "report"), "state"), ==, "sent");
  g_assert_cmpstr (json_object_get_string_member (failed, "localState"), ==, "noncompliant");
  g_assert_cmpstr (json_object_get_string_member (failed, "complianceState"), ==, "noncompliant");
  seen = device_seen_by_user (server->url, token, id);
  g_assert_cmpstr (json_object_get_string_member (seen, "complianceState"), ==, "noncompliant");
  g_clear_pointer (&seen, json_object_unref);

  /* The machine is fixed; "Check again". */
  kill_agent ();
  set_activation_env ("CP_AGENT_HOST_ROOT", passing);
  fixed = evaluate (server->url);
  g_assert_cmpstr (json_object_get_string_member (fixed, "localState"), ==, "compliant");
  g_assert_cmpstr (json_object_get_string_member (fixed, "complianceState"), ==, "compliant");
  seen = device_seen_by_user (server->url, token, id);
  g_assert_cmpstr (json_object_get_string_member (seen, "complianceState"), ==, "compliant");

  kill_agent ();
}

int
main (int   argc,
      char *argv[])
{
  if (!agent_fixture_init (&argc, &argv, "agent-compliance-server"))
    return g_test_run ();

  bus = agent_fixture_bus ();
  set_activation_env ("CP_AGENT_CHECK_IN_INTERVAL", "3600");
  g_test_add_func ("/agent-compliance-server/fix-and-become-compliant", test_fix_and_become_compliant);
  return agent_fixture_run ();
}
