/* agent-fixture.c: the set-up the agent's D-Bus tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <signal.h>

#include "agent-fixture.h"
#include "cp-agent-errors.h"

static GDBusConnection *fixture_bus;

static void
needs_harness (void)
{
  g_test_skip ("Run through with-keyring.sh (meson test does)");
}

gboolean
agent_fixture_init (int          *argc,
                    char       ***argv,
                    const char   *suite)
{
  g_autofree char *path = g_strdup_printf ("/%s/needs-harness", suite);

  g_test_init (argc, argv, NULL);
  cp_agent_dbus_register_errors ();
  if (g_getenv ("CP_TEST_KEYRING") != NULL && g_getenv ("CP_AGENT_EXEC") != NULL &&
      g_getenv ("CP_SOURCE_DIR") != NULL)
    return TRUE;
  g_test_add_func (path, needs_harness);
  return FALSE;
}

GDBusConnection *
agent_fixture_bus (void)
{
  g_autoptr(GError) error = NULL;

  if (fixture_bus == NULL)
    fixture_bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  return fixture_bus;
}

int
agent_fixture_run (void)
{
  int rc = g_test_run ();

  kill_agent ();
  return rc;
}

/* The bus daemon's own methods. */
static GVariant *
call_bus (const char         *method,
          GVariant           *parameters,
          const GVariantType *reply_type)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply;

  reply = g_dbus_connection_call_sync (agent_fixture_bus (), "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus", method,
                                       parameters, reply_type, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);
  return reply;
}

void
set_activation_env (const char *name,
                    const char *value)
{
  g_autoptr(GVariant) reply = NULL;
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&builder, "{ss}", name, value);
  reply = call_bus ("UpdateActivationEnvironment", g_variant_new ("(a{ss})", &builder), NULL);
}

gboolean
agent_is_running (void)
{
  g_autoptr(GVariant) reply = call_bus ("NameHasOwner", g_variant_new ("(s)", CP_AGENT_DBUS_NAME),
                                        G_VARIANT_TYPE ("(b)"));
  gboolean owned = FALSE;

  g_variant_get (reply, "(b)", &owned);
  return owned;
}

guint32
agent_pid (void)
{
  g_autoptr(GVariant) reply = call_bus ("GetConnectionUnixProcessID",
                                        g_variant_new ("(s)", CP_AGENT_DBUS_NAME),
                                        G_VARIANT_TYPE ("(u)"));
  guint32 pid = 0;

  g_variant_get (reply, "(u)", &pid);
  return pid;
}

gboolean
wait_for_agent_gone (guint seconds)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (agent_is_running ())
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_usleep (20 * 1000);
    }
  return TRUE;
}

void
kill_agent (void)
{
  g_autoptr(GVariant) reply = NULL;
  guint32 pid = 0;

  /* Not call_bus(): the agent may exit on its idle timeout in between. */
  reply = g_dbus_connection_call_sync (agent_fixture_bus (), "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", CP_AGENT_DBUS_NAME),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply == NULL)
    return;
  g_variant_get (reply, "(u)", &pid);
  if (kill (pid, SIGKILL) != 0)
    g_assert_cmpint (errno, ==, ESRCH);
  g_assert_true (wait_for_agent_gone (10));
}

CpAgentDbusAgent1 *
agent_proxy (void)
{
  g_autoptr(GError) error = NULL;
  CpAgentDbusAgent1 *proxy;

  proxy = cp_agent_dbus_agent1_proxy_new_sync (agent_fixture_bus (), G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                               CP_AGENT_DBUS_NAME, CP_AGENT_DBUS_PATH, NULL, &error);
  g_assert_no_error (error);
  return proxy;
}

void
call_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

void
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

JsonObject *
parse_object (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

CpJwk *
enroll_agent (const char *server_url,
              const char *device_id)
{
  g_autoptr(CpAgentDbusAgent1) proxy = agent_proxy ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) state = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *json = NULL;
  CpJwk *key;

  cp_agent_dbus_agent1_call_create_device_key_sync (proxy, server_url, &json, NULL, &error);
  g_assert_no_error (error);
  object = parse_object (json);
  key = cp_jwk_new_from_json (object, &error);
  g_assert_no_error (error);
  cp_agent_dbus_agent1_call_complete_enrollment_sync (proxy, server_url, device_id, &state, NULL, &error);
  g_assert_no_error (error);
  return key;
}

JsonNode *
verify_device_request (const char *compact,
                       CpJwk      *key,
                       const char *device_id,
                       const char *method,
                       const char *path,
                       GHashTable *nonces)
{
  g_autofree char *nonce = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *body = NULL;

  if (key != NULL)
    body = cp_device_request_verify (compact, key, device_id, method, path,
                                     g_get_real_time () / G_USEC_PER_SEC, &nonce, &error);
  if (body == NULL || g_hash_table_contains (nonces, nonce))
    {
      g_test_message ("refused %s %s: %s", method, path,
                      error ? error->message : key ? "replay" : "not enrolled");
      g_clear_pointer (&body, json_node_unref);
      return NULL;
    }
  g_hash_table_add (nonces, g_steal_pointer (&nonce));
  return body;
}
