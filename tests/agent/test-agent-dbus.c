/* test-agent-dbus.c: company-portal-agent through its D-Bus API
 *
 * Runs under with-keyring.sh: a private session bus where the agent is D-Bus
 * activated from the build tree and a real gnome-keyring holds the keys
 * (or, with CP_TEST_KEYRING=none, no keyring exists at all). Check-ins go to
 * a SoupServer on loopback that verifies them with cp_device_request_verify.
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

#define MACHINE_ID "5f1e2d3c4b5a69788796a5b4c3d2e1f0"

static char *host_root;

/* A device endpoint the way the server must implement it. */
typedef struct
{
  SoupServer *server;
  char       *url;
  CpJwk      *enrolled_key;
  char       *device_id;
  GHashTable *nonces;
  guint       accepted;
  guint       refused;
  gboolean    removed;
  gboolean    stall;       /* hold requests without answering */
  guint       stalled;
  char       *last_hostname;
} DeviceServer;

static void
check_in_handler (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  DeviceServer *ds = user_data;
  g_autofree char *expected_path = g_strdup_printf ("/v1/devices/%s/check-ins", ds->device_id);
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  const char *type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (request);
  g_autofree char *compact = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(JsonNode) body = NULL;
  JsonObject *facts;

  if (ds->stall)
    {
      ds->stalled++;
      soup_server_message_pause (msg);
      return;
    }

  if (ds->removed)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  if (g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0 ||
      g_strcmp0 (type, "application/jose") != 0 || ds->enrolled_key == NULL)
    {
      ds->refused++;
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      return;
    }

  if (g_strcmp0 (path, expected_path) != 0 ||
      !(body = verify_device_request (compact, ds->enrolled_key, ds->device_id, "POST", path, ds->nonces)))
    {
      ds->refused++;
      soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
      return;
    }

  facts = json_object_get_object_member (json_node_get_object (body), "facts");
  g_free (ds->last_hostname);
  ds->last_hostname = g_strdup (json_object_get_string_member (facts, "hostname"));
  ds->accepted++;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                    "{\"complianceState\":\"unknown\"}", 29);
}

static DeviceServer *
device_server_new (void)
{
  DeviceServer *ds = g_new0 (DeviceServer, 1);

  ds->nonces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ds->server = cp_test_start_server ("/v1/devices", check_in_handler, ds, &ds->url);
  return ds;
}

static void
device_server_free (DeviceServer *ds)
{
  soup_server_disconnect (ds->server);
  g_object_unref (ds->server);
  g_hash_table_unref (ds->nonces);
  g_clear_object (&ds->enrolled_key);
  g_free (ds->device_id);
  g_free (ds->url);
  g_free (ds->last_hostname);
  g_free (ds);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DeviceServer, device_server_free)

/* Helpers */

static void
write_file (const char *relative,
            const char *contents)
{
  g_autofree char *path = g_build_filename (host_root, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* Kills the agent and lets @proxy see the name owner go, as a window's main loop would. */
static void
kill_agent_seen_by (gpointer proxy)
{
  kill_agent ();
  while (TRUE)
    {
      g_autofree char *owner = g_dbus_proxy_get_name_owner (proxy);

      if (owner == NULL)
        break;
      g_main_context_iteration (NULL, TRUE);
    }
}

static GVariant *
get_enrollment (CpAgentDbusAgent1 *proxy,
                const char        *server)
{
  g_autoptr(GError) error = NULL;
  GVariant *state = NULL;

  cp_agent_dbus_agent1_call_get_enrollment_sync (proxy, server, &state, NULL, &error);
  g_assert_no_error (error);
  return state;
}

static char *
lookup_string (GVariant   *state,
               const char *key)
{
  char *value = NULL;

  g_variant_lookup (state, key, "s", &value);
  return value;
}

static void
assert_state (CpAgentDbusAgent1 *proxy,
              const char        *server,
              const char        *expected)
{
  g_autoptr(GVariant) state = get_enrollment (proxy, server);
  g_autofree char *value = lookup_string (state, "state");

  g_assert_cmpstr (value, ==, expected);
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  CpDeviceKey *key = cp_device_key_load_finish (result, &error);

  g_assert_no_error (error);
  g_task_return_pointer (task, key, key ? g_object_unref : NULL);
  g_object_unref (task);
}

/* Reads the keyring directly, not through the agent. */
static CpDeviceKey *
keyring_lookup (const char *server,
                const char *device_id)
{
  GTask *task = g_task_new (NULL, NULL, NULL, NULL);
  CpDeviceKey *key;

  g_object_ref (task);
  cp_device_key_load_async (server, device_id, NULL, loaded_cb, task);
  while (!g_task_get_completed (task))
    g_main_context_iteration (NULL, TRUE);
  key = g_task_propagate_pointer (task, NULL);
  g_object_unref (task);
  return key;
}

/* CheckIn talks to our own SoupServer, so the main loop must keep running. */
static GVariant *
check_in (CpAgentDbusAgent1  *proxy,
          const char         *server,
          GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GVariant *state = NULL;

  cp_agent_dbus_agent1_call_check_in (proxy, server, NULL, call_done_cb, &result);
  wait_for (&result);

  if (!cp_agent_dbus_agent1_call_check_in_finish (proxy, &state, result, error))
    return NULL;
  return state;
}

static CpJwk *
create_key (CpAgentDbusAgent1 *proxy,
            const char        *server,
            char             **out_kid)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autoptr(JsonObject) object = NULL;
  CpJwk *jwk;

  cp_agent_dbus_agent1_call_create_device_key_sync (proxy, server, &json, NULL, &error);
  g_assert_no_error (error);
  object = parse_object (json);
  g_assert_false (json_object_has_member (object, "d"));
  jwk = cp_jwk_new_from_json (object, &error);
  g_assert_no_error (error);
  g_assert_false (cp_jwk_has_private (jwk));
  if (out_kid)
    *out_kid = g_strdup (json_object_get_string_member (object, "kid"));
  return jwk;
}

static char *
status_json (void)
{
  const char *argv[] = { g_getenv ("CP_AGENT_EXEC"), "--status", "--json", "--allow-root", NULL };
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

/* Tests */

static void
test_facts (void)
{
  g_autoptr(CpAgentDbusAgent1) proxy = agent_proxy ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *hash = cp_device_facts_hash_machine_id (MACHINE_ID, "https://portal.example.com");
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *facts;

  /* The URL is normalised before it salts the hash. */
  cp_agent_dbus_agent1_call_get_device_facts_sync (proxy, "HTTPS://Portal.Example.COM:443/", &json, NULL, &error);
  g_assert_no_error (error);
  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  facts = json_node_get_object (json_parser_get_root (parser));

  g_assert_cmpstr (json_object_get_string_member (facts, "hostname"), ==, "fake-host");
  g_assert_cmpstr (json_object_get_string_member (facts, "osId"), ==, "testos");
  g_assert_cmpstr (json_object_get_string_member (facts, "manufacturer"), ==, "ACME");
  g_assert_cmpstr (json_object_get_string_member (facts, "machineIdHash"), ==, hash);
  g_assert_null (strstr (json, MACHINE_ID));
}

static void
test_bad_arguments (void)
{
  g_autoptr(CpAgentDbusAgent1) proxy = agent_proxy ();
  g_autofree char *huge = g_strnfill (5000, 'a');
  g_autofree char *huge_url = g_strconcat ("https://", huge, ".example", NULL);
  const char *bad_urls[] = {
    "file:///etc/passwd", "http://portal.example.com", "https://user:pw@portal.example.com",
    "https://portal.example.com/?x=1", "not a url", "", "/etc/os-release", huge_url,
  };
  const char *bad_ids[] = { "", "../../etc", "a/b", "(pending)", "dev 1", "dév" };

  for (guint i = 0; i < G_N_ELEMENTS (bad_urls); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *json = NULL;

      cp_agent_dbus_agent1_call_get_device_facts_sync (proxy, bad_urls[i], &json, NULL, &error);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad_ids); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) state = NULL;

      cp_agent_dbus_agent1_call_complete_enrollment_sync (proxy, "https://portal.example.com",
                                                          bad_ids[i], &state, NULL, &error);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT);
    }
}

static void
changed_cb (CpAgentDbusAgent1 *proxy,
            GVariant          *state,
            guint             *count)
{
  (*count)++;
}

static void
test_enroll_check_in_unenroll (void)
{
  g_autoptr(CpAgentDbusAgent1) proxy = agent_proxy ();
  g_autoptr(DeviceServer) ds = device_server_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GVariant) state2 = NULL;
  g_autoptr(GVariant) removed = NULL;
  g_autoptr(CpDeviceKey) pending = NULL;
  g_autoptr(CpDeviceKey) bound = NULL;
  g_autoptr(CpDeviceKey) gone = NULL;
  g_autofree char *kid = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *status = NULL;
  g_autofree char *thumbprint = NULL;
  gint64 enrolled_at = 0, last_check_in = 0;
  guint changes = 0;

  g_signal_connect (proxy, "enrollment-changed", G_CALLBACK (changed_cb), &changes);
  assert_state (proxy, ds->url, "notEnrolled");

  ds->enrolled_key = create_key (proxy, ds->url, &kid);
  ds->device_id = g_strdup ("dev-42");

  /* Pending: in the keyring under the pending id, and in the record. */
  pending = keyring_lookup (ds->url, CP_DEVICE_KEY_PENDING);
  g_assert_nonnull (pending);
  g_assert_cmpstr (cp_device_key_get_thumbprint (pending), ==, kid);
  thumbprint = cp_jwk_thumbprint (ds->enrolled_key);
  g_assert_cmpstr (thumbprint, ==, kid);
  assert_state (proxy, ds->url, "enrolling");

  cp_agent_dbus_agent1_call_complete_enrollment_sync (proxy, ds->url, ds->device_id, &state, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (state, "device-id", "s", &device_id));
  g_assert_cmpstr (device_id, ==, "dev-42");
  g_assert_true (g_variant_lookup (state, "enrolled-at", "x", &enrolled_at));
  g_assert_cmpint (enrolled_at, >, 0);

  bound = keyring_lookup (ds->url, "dev-42");
  g_assert_nonnull (bound);
  g_assert_cmpstr (cp_device_key_get_thumbprint (bound), ==, kid);
  gone = keyring_lookup (ds->url, CP_DEVICE_KEY_PENDING);
  g_assert_null (gone);

  /* The record names the device and never holds the key. */
  status = status_json ();
  g_assert_nonnull (strstr (status, "\"dev-42\""));
  g_assert_nonnull (strstr (status, "\"enrolled\""));
  g_assert_null (strstr (status, "\"d\""));

  /* Two check-ins, both verified, each with its own nonce. */
  g_clear_pointer (&state, g_variant_unref);
  state = check_in (proxy, ds->url, &error);
  g_assert_no_error (error);
  state2 = check_in (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->accepted, ==, 2);
  g_assert_cmpuint (ds->refused, ==, 0);
  g_assert_cmpuint (g_hash_table_size (ds->nonces), ==, 2);
  g_assert_cmpstr (ds->last_hostname, ==, "fake-host");
  g_assert_true (g_variant_lookup (state2, "last-check-in", "x", &last_check_in));
  g_assert_cmpint (last_check_in, >=, enrolled_at);

  /* The server refusing the signature is an error, remembered in the state. */
  g_clear_object (&ds->enrolled_key);
  ds->enrolled_key = cp_jwk_generate_ec_p256 (NULL);
  g_clear_pointer (&state, g_variant_unref);
  state = check_in (proxy, ds->url, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_SECURITY);
  g_clear_error (&error);
  g_assert_cmpuint (ds->refused, ==, 1);
  g_clear_pointer (&state, g_variant_unref);
  state = get_enrollment (proxy, ds->url);
  g_assert_true (g_variant_lookup (state, "last-error", "&s", NULL));

  /* The organisation removes the device: the next check-in notices. */
  ds->removed = TRUE;
  removed = check_in (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_clear_pointer (&device_id, g_free);
  device_id = lookup_string (removed, "state");
  g_assert_cmpstr (device_id, ==, "removed");
  g_clear_object (&bound);
  bound = keyring_lookup (ds->url, "dev-42");
  g_assert_null (bound);

  cp_agent_dbus_agent1_call_unenroll_sync (proxy, ds->url, NULL, &error);
  g_assert_no_error (error);
  assert_state (proxy, ds->url, "notEnrolled");

  /* Signals are delivered asynchronously. */
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (changes, >=, 5);
}

static void
test_unenroll_deletes_key (void)
{
  g_autoptr(CpAgentDbusAgent1) proxy = agent_proxy ();
  const char *server = "https://unenroll.example.com";
  g_autoptr(CpJwk) jwk = create_key (proxy, server, NULL);
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CpDeviceKey) key = NULL;
  g_autofree char *status = NULL;

  cp_agent_dbus_agent1_call_complete_enrollment_sync (proxy, server, "dev-7", &state, NULL, &error);
  g_assert_no_error (error);

  /* Enrolling twice is refused; the existing key stays. */
  {
    g_autofree char *json = NULL;
    g_autoptr(GError) conflict = NULL;

    cp_agent_dbus_agent1_call_create_device_key_sync (proxy, server, &json, NULL, &conflict);
    g_assert_error (conflict, CP_ERROR, CP_ERROR_CONFLICT);
  }

  key = keyring_lookup (server, "dev-7");
  g_assert_nonnull (key);
  g_clear_object (&key);

  cp_agent_dbus_agent1_call_unenroll_sync (proxy, server, NULL, &error);
  g_assert_no_error (error);
  key = keyring_lookup (server, "dev-7");
  g_assert_null (key);
  assert_state (proxy, server, "notEnrolled");
  status = status_json ();
  g_assert_null (strstr (status, "unenroll.example.com"));

  /* Check-in without an enrollment. */
  g_clear_pointer (&state, g_variant_unref);
  cp_agent_dbus_agent1_call_check_in_sync (proxy, server, &state, NULL, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_NOT_FOUND);
}

static void
test_abort_leaves_no_key (void)
{
  g_autoptr(CpAgentDbusAgent1) proxy = agent_proxy ();
  const char *server = "https://abort.example.com";
  g_autoptr(CpJwk) first = create_key (proxy, server, NULL);
  g_autoptr(CpJwk) second = create_key (proxy, server, NULL);
  g_autoptr(CpDeviceKey) key = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) state = NULL;
  g_autofree char *t2 = cp_jwk_thumbprint (second);

  /* A second CreateDeviceKey replaces the first pending key. */
  key = keyring_lookup (server, CP_DEVICE_KEY_PENDING);
  g_assert_cmpstr (cp_device_key_get_thumbprint (key), ==, t2);
  g_clear_object (&key);

  cp_agent_dbus_agent1_call_abort_enrollment_sync (proxy, server, NULL, &error);
  g_assert_no_error (error);
  key = keyring_lookup (server, CP_DEVICE_KEY_PENDING);
  g_assert_null (key);
  assert_state (proxy, server, "notEnrolled");

  /* Nothing left to complete. */
  cp_agent_dbus_agent1_call_complete_enrollment_sync (proxy, server, "dev-1", &state, NULL, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_CONFLICT);
}

static void
test_killed_mid_enrollment (void)
{
  g_autoptr(CpAgentDbusAgent1) proxy = agent_proxy ();
  g_autoptr(DeviceServer) ds = device_server_new ();
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GVariant) checked = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *kid = NULL;
  g_autofree char *thumbprint = NULL;
  guint32 first_pid;

  ds->enrolled_key = create_key (proxy, ds->url, &kid);
  ds->device_id = g_strdup ("dev-killed");
  first_pid = agent_pid ();
  kill_agent_seen_by (proxy);

  /* Re-activated: the same pending enrollment, with the same key. */
  state = get_enrollment (proxy, ds->url);
  g_assert_cmpuint (agent_pid (), !=, first_pid);
  thumbprint = lookup_string (state, "key-thumbprint");
  g_assert_cmpstr (thumbprint, ==, kid);
  assert_state (proxy, ds->url, "enrolling");

  g_clear_pointer (&state, g_variant_unref);
  cp_agent_dbus_agent1_call_complete_enrollment_sync (proxy, ds->url, ds->device_id, &state, NULL, &error);
  g_assert_no_error (error);

  /* Killed again after completing: the enrollment and the key survive. */
  kill_agent_seen_by (proxy);
  g_clear_pointer (&state, g_variant_unref);
  cp_agent_dbus_agent1_call_complete_enrollment_sync (proxy, ds->url, ds->device_id, &state, NULL, &error);
  g_assert_no_error (error);
  checked = check_in (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->accepted, ==, 1);

  cp_agent_dbus_agent1_call_unenroll_sync (proxy, ds->url, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
keep_going_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
test_killed_mid_check_in (void)
{
  g_autoptr(CpAgentDbusAgent1) proxy = agent_proxy ();
  g_autoptr(DeviceServer) ds = device_server_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GVariant) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CpDeviceKey) key = NULL;
  g_autofree char *value = NULL;

  ds->enrolled_key = create_key (proxy, ds->url, NULL);
  ds->device_id = g_strdup ("dev-stalled");
  cp_agent_dbus_agent1_call_complete_enrollment_sync (proxy, ds->url, ds->device_id, &state, NULL, &error);
  g_assert_no_error (error);

  /* The server holds the check-in; the agent dies while waiting for it. */
  ds->stall = TRUE;
  cp_agent_dbus_agent1_call_check_in (proxy, ds->url, NULL, call_done_cb, &result);
  while (ds->stalled == 0)
    g_main_context_iteration (NULL, TRUE);
  kill_agent_seen_by (proxy);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (cp_agent_dbus_agent1_call_check_in_finish (proxy, NULL, result, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* Re-activated: still enrolled, key intact, and the next check-in works. */
  after = get_enrollment (proxy, ds->url);
  value = lookup_string (after, "state");
  g_assert_cmpstr (value, ==, "enrolled");
  key = keyring_lookup (ds->url, ds->device_id);
  g_assert_nonnull (key);

  ds->stall = FALSE;
  g_clear_pointer (&state, g_variant_unref);
  state = check_in (proxy, ds->url, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->accepted, ==, 1);

  cp_agent_dbus_agent1_call_unenroll_sync (proxy, ds->url, NULL, &error);
  g_assert_no_error (error);
}

static void
test_command_line (void)
{
  const char *version_argv[] = { g_getenv ("CP_AGENT_EXEC"), "--version", NULL };
  const char *root_argv[] = { g_getenv ("CP_AGENT_EXEC"), "--status", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  g_spawn_sync (NULL, (char **) version_argv, NULL, 0, NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_true (g_str_has_prefix (out, "company-portal-agent "));

  if (getuid () != 0)
    {
      g_test_skip ("The refusal to run as root needs root");
      return;
    }

  g_clear_pointer (&out, g_free);
  g_spawn_sync (NULL, (char **) root_argv, NULL, 0, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (err, "not as root"));
}

static void
test_background_check_in (void)
{
  g_autoptr(CpAgentDbusAgent1) proxy = agent_proxy ();
  g_autoptr(DeviceServer) ds = device_server_new ();
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GError) error = NULL;
  gint64 end;
  guint tick;

  kill_agent_seen_by (proxy);
  set_activation_env ("CP_AGENT_CHECK_IN_INTERVAL", "1");

  ds->enrolled_key = create_key (proxy, ds->url, NULL);
  ds->device_id = g_strdup ("dev-bg");
  cp_agent_dbus_agent1_call_complete_enrollment_sync (proxy, ds->url, ds->device_id, &state, NULL, &error);
  g_assert_no_error (error);

  /* No CheckIn call: the agent's own schedule must reach the server. */
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  tick = g_timeout_add (100, keep_going_cb, NULL);
  while (ds->accepted == 0 && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  g_assert_cmpuint (ds->accepted, >=, 1);
  g_assert_cmpuint (ds->refused, ==, 0);

  kill_agent_seen_by (proxy);
  set_activation_env ("CP_AGENT_CHECK_IN_INTERVAL", "3600");
  cp_agent_dbus_agent1_call_unenroll_sync (proxy, ds->url, NULL, &error);
  g_assert_no_error (error);
}

static void
test_idle_exit (void)
{
  g_autoptr(CpAgentDbusAgent1) proxy = agent_proxy ();

  assert_state (proxy, "https://idle.example.com", "notEnrolled");
  g_assert_true (agent_is_running ());
  /* CP_AGENT_IDLE_TIMEOUT is 2 s here. */
  g_assert_true (wait_for_agent_gone (10));
}

static void
test_damaged_record (void)
{
  g_autoptr(CpAgentDbusAgent1) proxy = agent_proxy ();
  g_autofree char *path = g_build_filename (g_get_user_state_dir (), "company-portal", "agent",
                                            "enrollments.json", NULL);
  g_autofree char *aside = g_strconcat (path, ".damaged", NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;

  kill_agent_seen_by (proxy);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "{\"version\":1,\"enrollments\":[{\"server\":", -1, NULL));

  /* The agent starts, keeps the damaged file for support and works without it. */
  assert_state (proxy, "https://damaged.example.com", "notEnrolled");
  g_assert_true (g_file_get_contents (aside, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, "{\"version\":1,\"enrollments\":[{\"server\":");

  cp_agent_dbus_agent1_call_unenroll_sync (proxy, "https://damaged.example.com", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_no_keyring (void)
{
  g_autoptr(CpAgentDbusAgent1) proxy = agent_proxy ();
  const char *server = "https://nokeyring.example.com";
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *status = NULL;

  cp_agent_dbus_agent1_call_create_device_key_sync (proxy, server, &json, NULL, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_KEYRING);
  g_dbus_error_strip_remote_error (error);
  g_assert_nonnull (strstr (error->message, "keyring"));
  g_assert_null (json);

  /* Nothing half-done: no enrollment recorded. */
  assert_state (proxy, server, "notEnrolled");
  status = status_json ();
  g_assert_null (strstr (status, "nokeyring"));
}

static void
setup_host_root (void)
{
  /* The agent reads it until agent_fixture_run() kills it; main() returns after that. */
  host_root = cp_test_make_program_tmp_dir ("cp-agent-root-XXXXXX");
  write_file ("etc/hostname", "fake-host\n");
  write_file ("etc/os-release", "ID=testos\nNAME=\"Test OS\"\nVERSION_ID=1.0\n");
  write_file ("etc/machine-id", MACHINE_ID "\n");
  write_file ("sys/class/dmi/id/sys_vendor", "ACME\n");
  write_file ("proc/sys/kernel/osrelease", "6.1.0-test\n");
}

int
main (int   argc,
      char *argv[])
{
  const char *keyring = g_getenv ("CP_TEST_KEYRING");

  if (!agent_fixture_init (&argc, &argv, "agent"))
    return g_test_run ();

  setup_host_root ();
  set_activation_env ("CP_AGENT_HOST_ROOT", host_root);
  set_activation_env ("CP_AGENT_IDLE_TIMEOUT", "2");
  set_activation_env ("CP_AGENT_CHECK_IN_INTERVAL", "3600");

  if (g_str_equal (keyring, "none") || g_str_equal (keyring, "empty"))
    {
      g_test_add_func ("/agent/no-keyring", test_no_keyring);
      g_test_add_func ("/agent/facts-without-keyring", test_facts);
    }
  else
    {
      g_test_add_func ("/agent/facts", test_facts);
      g_test_add_func ("/agent/bad-arguments", test_bad_arguments);
      g_test_add_func ("/agent/enroll-check-in-unenroll", test_enroll_check_in_unenroll);
      g_test_add_func ("/agent/unenroll-deletes-key", test_unenroll_deletes_key);
      g_test_add_func ("/agent/abort-leaves-no-key", test_abort_leaves_no_key);
      g_test_add_func ("/agent/killed-mid-enrollment", test_killed_mid_enrollment);
      g_test_add_func ("/agent/killed-mid-check-in", test_killed_mid_check_in);
      g_test_add_func ("/agent/background-check-in", test_background_check_in);
      g_test_add_func ("/agent/command-line", test_command_line);
      g_test_add_func ("/agent/idle-exit", test_idle_exit);
      g_test_add_func ("/agent/damaged-record", test_damaged_record);
    }

  return agent_fixture_run ();
}
