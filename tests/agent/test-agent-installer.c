/* test-agent-installer.c: Flatpak installs through the agent's Installer interface
 *
 * Runs under with-keyring.sh: the agent is D-Bus activated in a private
 * session bus with a real gnome-keyring. Installs are real: make-repo.sh
 * (tests/installer) builds a Flatpak repository, served as file:// and over
 * HTTP by a SoupServer in this process, which also plays the Portal API's
 * POST /v1/devices/{id}/installs and verifies every signed report with
 * cp_device_request_verify. The Flatpak installations are private
 * (FLATPAK_USER_DIR, FLATPAK_SYSTEM_DIR), and whether an app is installed is
 * asked of libflatpak here, never only of the agent.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <flatpak.h>

#include "agent-fixture.h"
#include "cp-agent-errors.h"
#include "cp-test-util.h"

#define DEVICE_ID "dev-installs"

static GDBusConnection *bus;
static char *tmp_dir;
static char *repo_dir;
static char *repo_url;        /* file:// */
static char *server_url;      /* the SoupServer: repository over HTTP and the Portal API */
static SoupServer *server;
static CpJwk *enrolled_key;

/* The repository over HTTP; file objects can be held so a cancel lands mid-pull. */
static gboolean hold_objects;
static GPtrArray *held_messages;

/* The Portal API side. */
typedef struct
{
  char   *report_id;
  char   *app_id;
  char   *state;
  char   *error_message;
  gint64  at;
} Received;

static GPtrArray *received;   /* Received, in arrival order */
static GHashTable *nonces;
static gboolean server_down;
static guint refused;
static guint requests;

/* What the window sees: JobChanged signals. */
typedef struct
{
  char    *job_id;
  GPtrArray *states;          /* consecutive duplicates removed */
  double   last_fraction;
  gboolean fraction_went_back;
  guint    n_signals;
  guint64  max_bytes_total;
  char    *error_message;
} Seen;

static GHashTable *seen;      /* job id → Seen */

static void
received_free (Received *r)
{
  g_free (r->report_id);
  g_free (r->app_id);
  g_free (r->state);
  g_free (r->error_message);
  g_free (r);
}

static void
seen_free (Seen *s)
{
  g_free (s->job_id);
  g_ptr_array_unref (s->states);
  g_free (s->error_message);
  g_free (s);
}

/* --- the SoupServer --- */

static void
serve_repo (SoupServerMessage *msg,
            const char        *path)
{
  g_autofree char *file = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (strstr (path, "..") != NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  if (hold_objects && g_str_has_suffix (path, ".filez"))
    {
      soup_server_message_pause (msg);
      g_ptr_array_add (held_messages, g_object_ref (msg));
      return;
    }
  file = g_build_filename (repo_dir, path + strlen ("/repo/"), NULL);
  if (!g_file_get_contents (file, &contents, &length, NULL))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_TAKE, contents, length);
}

static void
release_held_messages (void)
{
  hold_objects = FALSE;
  for (guint i = 0; i < held_messages->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (held_messages, i);

      soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      soup_server_message_unpause (msg);
    }
  g_ptr_array_set_size (held_messages, 0);
}

/* Checks one report the way the server must: every member, the time in RFC 3339. */
static Received *
read_report (JsonNode *node)
{
  static const char *const states[] = {
    "pendingInstall", "installed", "failed", "notInstalled", "uninstallFailed", NULL,
  };
  g_autoptr(GDateTime) at = NULL;
  const char *report_id;
  JsonObject *object;
  Received *r;

  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  object = json_node_get_object (node);
  g_assert_true (g_strv_contains (states, json_object_get_string_member (object, "state")));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (object, "at"), "Z"));
  at = g_date_time_new_from_iso8601 (json_object_get_string_member (object, "at"), NULL);
  g_assert_nonnull (at);
  /* The id that lets the server keep a report sent twice once. */
  report_id = json_object_get_string_member_with_default (object, "reportId", "");
  g_assert_cmpuint (strlen (report_id), >, 0);
  g_assert_cmpuint (strlen (report_id), <=, 128);
  g_assert_cmpuint (strspn (report_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-"), ==,
                    strlen (report_id));

  r = g_new0 (Received, 1);
  r->report_id = g_strdup (report_id);
  r->app_id = g_strdup (json_object_get_string_member (object, "appId"));
  r->state = g_strdup (json_object_get_string_member (object, "state"));
  r->error_message = g_strdup (json_object_get_string_member_with_default (object, "errorMessage", NULL));
  r->at = g_date_time_to_unix (at);
  g_assert_cmpint (ABS (g_get_real_time () / G_USEC_PER_SEC - r->at), <, 3600);
  return r;
}

static void
installs_handler (SoupServerMessage *msg,
                  const char        *path)
{
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  const char *type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (request);
  g_autofree char *compact = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autofree char *nonce = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;
  JsonArray *reports;

  requests++;
  if (server_down)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "1");
      return;
    }
  if (g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0 ||
      g_strcmp0 (type, "application/jose") != 0)
    {
      refused++;
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      return;
    }

  body = cp_device_request_verify (compact, enrolled_key, DEVICE_ID, "POST", path,
                                   g_get_real_time () / G_USEC_PER_SEC, &nonce, &error);
  if (body == NULL || g_hash_table_contains (nonces, nonce))
    {
      g_test_message ("refused install report: %s", error ? error->message : "replay");
      refused++;
      soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
      return;
    }
  g_hash_table_add (nonces, g_steal_pointer (&nonce));

  g_assert_true (JSON_NODE_HOLDS_OBJECT (body));
  reports = json_object_get_array_member (json_node_get_object (body), "reports");
  g_assert_nonnull (reports);
  g_assert_cmpuint (json_array_get_length (reports), >, 0);
  for (guint i = 0; i < json_array_get_length (reports); i++)
    g_ptr_array_add (received, read_report (json_array_get_element (reports, i)));
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

static void
server_cb (SoupServer        *soup_server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  g_autofree char *installs = g_strdup_printf ("/v1/devices/%s/installs", DEVICE_ID);

  if (g_str_has_prefix (path, "/repo/"))
    serve_repo (msg, path);
  else if (g_str_equal (path, installs))
    installs_handler (msg, path);
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static void
start_server (void)
{
  server = cp_test_start_server (NULL, server_cb, NULL, &server_url);
}

static CpAgentDbusAgent1Installer *
installer_proxy (void)
{
  g_autoptr(GError) error = NULL;
  CpAgentDbusAgent1Installer *proxy;

  proxy = cp_agent_dbus_agent1_installer_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                                              G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
                                                         CP_AGENT_DBUS_NAME, CP_AGENT_DBUS_PATH,
                                                         NULL, &error);
  g_assert_no_error (error);
  return proxy;
}

/* Subscribed on the connection, not the proxy: a proxy only listens to the
 * owner it knows, and the agent may be (re)activated by the very call. */
static void
job_changed_cb (GDBusConnection *connection,
                const char      *sender,
                const char      *path,
                const char      *interface,
                const char      *signal,
                GVariant        *parameters,
                gpointer         user_data)
{
  const char *job_id, *app_id, *state, *message;
  double fraction;
  guint64 done, total;
  Seen *s;

  g_variant_get (parameters, "(&s&s&sdtt&s)", &job_id, &app_id, &state, &fraction, &done, &total, &message);
  s = g_hash_table_lookup (seen, job_id);
  if (s == NULL)
    {
      s = g_new0 (Seen, 1);
      s->job_id = g_strdup (job_id);
      s->states = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (seen, s->job_id, s);
    }
  s->n_signals++;
  if (s->states->len == 0 || !g_str_equal (g_ptr_array_index (s->states, s->states->len - 1), state))
    g_ptr_array_add (s->states, g_strdup (state));
  g_assert_cmpfloat (fraction, >=, 0.0);
  g_assert_cmpfloat (fraction, <=, 1.0);
  if (fraction + 1e-9 < s->last_fraction && g_str_equal (state, "downloading"))
    s->fraction_went_back = TRUE;
  s->last_fraction = fraction;
  s->max_bytes_total = MAX (s->max_bytes_total, total);
  g_free (s->error_message);
  s->error_message = g_strdup (message);
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

typedef gboolean (*Condition) (gconstpointer data);

static void
wait_until (Condition     condition,
            gconstpointer data,
            guint         seconds)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  guint tick = g_timeout_add (50, tick_cb, NULL);

  while (!condition (data))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
}

static const char *
last_state (const char *job_id)
{
  Seen *s = g_hash_table_lookup (seen, job_id);

  return s && s->states->len > 0 ? g_ptr_array_index (s->states, s->states->len - 1) : NULL;
}

static gboolean
saw_state (const char *job_id,
           const char *state)
{
  Seen *s = g_hash_table_lookup (seen, job_id);

  for (guint i = 0; s != NULL && i < s->states->len; i++)
    if (g_str_equal (g_ptr_array_index (s->states, i), state))
      return TRUE;
  return FALSE;
}

static gboolean
job_ended (gconstpointer job_id)
{
  static const char *const final[] = { "installed", "failed", "cancelled", "notInstalled", NULL };
  const char *state = last_state (job_id);

  return state != NULL && g_strv_contains (final, state);
}

static gboolean
is_downloading (gconstpointer job_id)
{
  return g_strcmp0 (last_state (job_id), "downloading") == 0 && held_messages->len > 0;
}

static void
wait_for_job (const char *job_id)
{
  wait_until (job_ended, job_id, 90);
}

static const Received *
find_report (const char *app_id,
             const char *state)
{
  for (guint i = 0; i < received->len; i++)
    {
      const Received *r = g_ptr_array_index (received, i);

      if (g_str_equal (r->app_id, app_id) && g_str_equal (r->state, state))
        return r;
    }
  return NULL;
}

typedef struct
{
  const char *app_id;
  const char *state;
} Wanted;

static gboolean
report_arrived (gconstpointer data)
{
  const Wanted *wanted = data;

  return find_report (wanted->app_id, wanted->state) != NULL;
}

static const Received *
wait_for_report (const char *app_id,
                 const char *state)
{
  Wanted wanted = { app_id, state };

  wait_until (report_arrived, &wanted, 30);
  return find_report (app_id, state);
}

/* Lets the agent's reports in flight arrive, then forgets them. */
static void
settle_reports (void)
{
  gint64 end = g_get_monotonic_time () + 300 * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  g_ptr_array_set_size (received, 0);
}

static char *
catalog_entry (const char *id,
               const char *remote_name,
               const char *remote_url,
               const char *extra)
{
  return g_strdup_printf ("{\"id\":\"%s\",\"name\":\"%s\",\"summary\":\"A test app\","
                          "\"install\":{\"type\":\"flatpak\",\"remoteName\":\"%s\",\"remoteUrl\":\"%s\","
                          "\"ref\":\"app/%s//stable\",\"gpgVerify\":false%s}}",
                          id, id + strlen ("org.example."), remote_name, remote_url, id,
                          extra ? extra : "");
}

static char *
install (CpAgentDbusAgent1Installer *proxy,
         const char                 *server,
         const char                 *json)
{
  g_autoptr(GError) error = NULL;
  char *job_id = NULL;

  cp_agent_dbus_agent1_installer_call_install_sync (proxy, server, json, &job_id, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (job_id);
  return job_id;
}

static char *
uninstall (CpAgentDbusAgent1Installer *proxy,
           const char                 *server,
           const char                 *json)
{
  g_autoptr(GError) error = NULL;
  char *job_id = NULL;

  cp_agent_dbus_agent1_installer_call_uninstall_sync (proxy, server, json, &job_id, NULL, &error);
  g_assert_no_error (error);
  return job_id;
}

static gboolean
list_installed_has (CpAgentDbusAgent1Installer *proxy,
                    const char                 *app_id)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = NULL;

  cp_agent_dbus_agent1_installer_call_list_installed_sync (proxy, &ids, NULL, &error);
  g_assert_no_error (error);
  return g_strv_contains ((const char * const *) ids, app_id);
}

/* Asks libflatpak with fresh objects, never the agent. */
static gboolean
flatpak_says_installed (gboolean    system,
                        const char *name)
{
  g_autoptr(FlatpakInstallation) installation = NULL;
  g_autoptr(FlatpakInstalledRef) ref = NULL;

  installation = system ? flatpak_installation_new_system (NULL, NULL)
                        : flatpak_installation_new_user (NULL, NULL);
  g_assert_nonnull (installation);
  ref = flatpak_installation_get_installed_ref (installation, FLATPAK_REF_KIND_APP, name, NULL,
                                                "stable", NULL, NULL);
  return ref != NULL;
}

static char *
queue_file (void)
{
  return g_build_filename (g_get_user_state_dir (), "company-portal", "agent",
                           "install-reports.json", NULL);
}

/* --- tests --- */

static void
assert_invalid (CpAgentDbusAgent1Installer *proxy,
                const char                 *server,
                const char                 *json,
                const char                 *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *job_id = NULL;

  cp_agent_dbus_agent1_installer_call_install_sync (proxy, server, json, &job_id, NULL, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT);
  g_assert_true (g_dbus_error_is_remote_error (error));
  g_dbus_error_strip_remote_error (error);
  g_test_message ("refused: %s", error->message);
  if (message_part != NULL)
    g_assert_nonnull (strstr (error->message, message_part));
  g_assert_null (job_id);
}

static void
test_bad_app_json (void)
{
  g_autoptr(CpAgentDbusAgent1Installer) proxy = installer_proxy ();
  g_autofree char *good = catalog_entry ("org.example.Hello", "corp", repo_url, NULL);
  g_autofree char *padding = g_strnfill (300 * 1024, 'x');
  g_autofree char *huge = g_strdup_printf ("{\"id\":\"org.example.Hello\",\"name\":\"Hello\","
                                           "\"description\":\"%s\",\"install\":{\"type\":\"flatpak\","
                                           "\"remoteName\":\"corp\",\"ref\":\"app/org.example.Hello//stable\"}}",
                                           padding);
  g_autofree char *deep = NULL;
  g_autofree char *system_typo = catalog_entry ("org.example.Hello", "corp", repo_url,
                                                ",\"installation\":\"everyone\"");
  g_autofree char *system_number = catalog_entry ("org.example.Hello", "corp", repo_url,
                                                  ",\"installation\":1");
  g_autoptr(GString) nested = g_string_new ("{\"id\":\"a\",\"name\":\"b\",\"x\":");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) none = NULL;
  GVariant *jobs = NULL;

  for (guint i = 0; i < 5000; i++)
    g_string_append_c (nested, '[');
  deep = g_strdup (nested->str);

  assert_invalid (proxy, server_url, "{\"id\":\"org.example.Hello\",\"name\":42}", "name");
  assert_invalid (proxy, server_url, "{\"id\":[1],\"name\":\"Hello\"}", "id");
  assert_invalid (proxy, server_url, "{\"id\":\"org.example.Hello\",\"name\":\"Hello\",\"required\":\"yes\"}",
                  "required");
  assert_invalid (proxy, server_url, huge, "too large");
  assert_invalid (proxy, server_url, deep, "JSON");  /* refused by the strict reader before json-glib recurses */
  assert_invalid (proxy, server_url, "not json", "JSON");
  assert_invalid (proxy, server_url, "[1,2,3]", "JSON");
  assert_invalid (proxy, server_url, "", "JSON");
  assert_invalid (proxy, server_url,
                  "{\"id\":\"com.example.Mail\",\"name\":\"Mail\",\"install\":{\"type\":\"web\","
                  "\"url\":\"https://mail.example.com\"}}", "not a Flatpak app");
  assert_invalid (proxy, server_url,
                  "{\"id\":\"org.gnome.Maps\",\"name\":\"Maps\",\"install\":{\"type\":\"handoff\","
                  "\"uri\":\"appstream://org.gnome.Maps\"}}", "not a Flatpak app");
  assert_invalid (proxy, server_url,
                  "{\"id\":\"org.example.Odd\",\"name\":\"Odd\",\"install\":{\"type\":\"snap\"}}", NULL);
  assert_invalid (proxy, server_url, "{\"id\":\"org.example.Odd\",\"name\":\"Odd\"}", NULL);
  assert_invalid (proxy, server_url, system_typo, "installation");
  assert_invalid (proxy, server_url, system_number, "installation");

  /* The server URL is checked as everywhere in the agent. */
  assert_invalid (proxy, "file:///etc", good, NULL);
  assert_invalid (proxy, "http://portal.example.com", good, NULL);

  /* Nothing was queued, nothing installed, nothing reported. */
  cp_agent_dbus_agent1_installer_call_get_jobs_sync (proxy, &jobs, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (jobs), ==, 0);
  g_variant_unref (jobs);
  g_assert_false (list_installed_has (proxy, "org.example.Hello"));

  cp_agent_dbus_agent1_installer_call_cancel_sync (proxy, "no-such-job", NULL, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_NOT_FOUND);
  g_assert_cmpuint (requests, ==, 0);
}

static void
test_install_progress_remove (void)
{
  g_autoptr(CpAgentDbusAgent1Installer) proxy = installer_proxy ();
  g_autofree char *url = g_strconcat (server_url, "/repo", NULL);
  g_autofree char *hello = NULL;
  g_autofree char *job_id = NULL;
  g_autofree char *again = NULL;
  g_autofree char *already = NULL;
  g_autofree char *removal = NULL;
  g_autoptr(GVariant) jobs = NULL;
  g_autoptr(GError) error = NULL;
  const Received *pending, *installed, *removed;
  Seen *s;
  gboolean found = FALSE;

  /* Over HTTP: OSTree reports no pull progress for file:// remotes. */
  hello = catalog_entry ("org.example.Hello", "corp-http", url, NULL);
  settle_reports ();
  g_assert_false (list_installed_has (proxy, "org.example.Hello"));
  job_id = install (proxy, server_url, hello);
  /* Asking again while it runs is the same job. */
  again = install (proxy, server_url, hello);
  g_assert_cmpstr (again, ==, job_id);
  wait_for_job (job_id);

  g_assert_cmpstr (last_state (job_id), ==, "installed");
  g_assert_true (saw_state (job_id, "queued"));
  g_assert_true (saw_state (job_id, "downloading"));
  g_assert_true (saw_state (job_id, "installing"));
  s = g_hash_table_lookup (seen, job_id);
  g_assert_false (s->fraction_went_back);
  g_assert_cmpfloat (s->last_fraction, ==, 1.0);
  g_assert_cmpuint (s->n_signals, >=, 4);
  g_assert_cmpstr (s->error_message, ==, "");
  g_assert_true (flatpak_says_installed (FALSE, "org.example.Hello"));
  g_assert_true (list_installed_has (proxy, "org.example.Hello"));

  /* A window that connects now still sees how it ended. */
  cp_agent_dbus_agent1_installer_call_get_jobs_sync (proxy, &jobs, NULL, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < g_variant_n_children (jobs); i++)
    {
      const char *id, *app_id, *state = NULL;
      g_autoptr(GVariant) job = NULL;

      g_variant_get_child (jobs, i, "(&s&s@a{sv})", &id, &app_id, &job);
      if (!g_str_equal (id, job_id))
        continue;
      found = TRUE;
      g_assert_cmpstr (app_id, ==, "org.example.Hello");
      g_assert_true (g_variant_lookup (job, "state", "&s", &state));
      g_assert_cmpstr (state, ==, "installed");
      g_assert_true (g_variant_lookup (job, "installation", "&s", &state));
      g_assert_cmpstr (state, ==, "user");
    }
  g_assert_true (found);

  /* The organisation hears pendingInstall, then installed, both signed. */
  pending = wait_for_report ("org.example.Hello", "pendingInstall");
  installed = wait_for_report ("org.example.Hello", "installed");
  g_assert_null (pending->error_message);
  g_assert_cmpint (pending->at, <=, installed->at);
  g_assert_cmpuint (refused, ==, 0);

  /* Installing what is installed is a job that ends "installed" at once. */
  already = install (proxy, server_url, hello);
  g_assert_cmpstr (already, !=, job_id);
  wait_for_job (already);
  g_assert_cmpstr (last_state (already), ==, "installed");
  g_assert_false (saw_state (already, "downloading"));

  removal = uninstall (proxy, server_url, hello);
  g_assert_cmpstr (removal, !=, job_id);
  wait_for_job (removal);
  g_assert_true (saw_state (removal, "removing"));
  g_assert_cmpstr (last_state (removal), ==, "notInstalled");
  g_assert_false (flatpak_says_installed (FALSE, "org.example.Hello"));
  g_assert_false (list_installed_has (proxy, "org.example.Hello"));
  removed = wait_for_report ("org.example.Hello", "notInstalled");
  g_assert_null (removed->error_message);
  g_assert_cmpuint (refused, ==, 0);
}

/* Two installs at once: the second waits until the first has finished. */
static void
test_jobs_queue (void)
{
  g_autoptr(CpAgentDbusAgent1Installer) proxy = installer_proxy ();
  g_autofree char *hello = catalog_entry ("org.example.Hello", "corp", repo_url, NULL);
  g_autofree char *big = catalog_entry ("org.example.Big", "corp", repo_url, NULL);
  g_autofree char *first = install (proxy, server_url, big);
  g_autofree char *second = install (proxy, server_url, hello);
  g_autofree char *r1 = NULL;
  g_autofree char *r2 = NULL;
  Seen *s;

  wait_for_job (second);
  wait_for_job (first);
  g_assert_cmpstr (last_state (first), ==, "installed");
  g_assert_cmpstr (last_state (second), ==, "installed");
  s = g_hash_table_lookup (seen, first);
  g_assert_cmpuint (s->max_bytes_total, >=, 3 * 1024 * 1024);
  g_assert_true (flatpak_says_installed (FALSE, "org.example.Big"));
  g_assert_true (flatpak_says_installed (FALSE, "org.example.Hello"));

  r1 = uninstall (proxy, server_url, big);
  r2 = uninstall (proxy, server_url, hello);
  wait_for_job (r1);
  wait_for_job (r2);
  g_assert_false (flatpak_says_installed (FALSE, "org.example.Big"));
  g_assert_false (flatpak_says_installed (FALSE, "org.example.Hello"));
}

/* The order is visible in the signals: nothing of the second before the first ends. */
static void
test_queue_order (void)
{
  g_autoptr(CpAgentDbusAgent1Installer) proxy = installer_proxy ();
  g_autofree char *hello = catalog_entry ("org.example.Hello", "corp-http", NULL, NULL);
  g_autofree char *big = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *url = g_strconcat (server_url, "/repo", NULL);

  g_free (hello);
  hello = catalog_entry ("org.example.Hello", "corp-http", url, NULL);
  big = catalog_entry ("org.example.Big", "corp-http", url, NULL);

  hold_objects = TRUE;
  first = install (proxy, server_url, big);
  second = install (proxy, server_url, hello);
  wait_until (is_downloading, first, 30);
  /* The first is pulling; the second must still wait. */
  g_assert_cmpstr (last_state (second), ==, "queued");

  release_held_messages ();
  wait_for_job (first);
  g_assert_cmpstr (last_state (first), ==, "failed");
  wait_for_job (second);
  g_assert_cmpstr (last_state (second), ==, "installed");
  g_assert_true (flatpak_says_installed (FALSE, "org.example.Hello"));
  g_free (first);
  first = uninstall (proxy, server_url, hello);
  wait_for_job (first);
  g_assert_cmpstr (last_state (first), ==, "notInstalled");
}

static void
test_missing_ref (void)
{
  g_autoptr(CpAgentDbusAgent1Installer) proxy = installer_proxy ();
  g_autofree char *nope = catalog_entry ("org.example.Nope", "corp", repo_url, NULL);
  g_autofree char *job_id = NULL;
  const Received *failed;
  Seen *s;

  settle_reports ();
  job_id = install (proxy, server_url, nope);
  wait_for_job (job_id);
  g_assert_cmpstr (last_state (job_id), ==, "failed");
  s = g_hash_table_lookup (seen, job_id);
  g_test_message ("reason: %s", s->error_message);
  g_assert_nonnull (strstr (s->error_message, "does not offer"));

  failed = wait_for_report ("org.example.Nope", "failed");
  g_assert_cmpstr (failed->error_message, ==, s->error_message);
  g_assert_false (flatpak_says_installed (FALSE, "org.example.Nope"));
}

/* GetPermissions: the ref's [Context] from the remote before any install,
 * exactly what make-repo.sh gave it; a ref the remote lacks and an app that
 * is no Flatpak are clear errors. */
static void
test_get_permissions (void)
{
  g_autoptr(CpAgentDbusAgent1Installer) proxy = installer_proxy ();
  g_autofree char *hello = catalog_entry ("org.example.Hello", "corp-look", repo_url, NULL);
  g_autofree char *nope = catalog_entry ("org.example.Nope", "corp-look", repo_url, NULL);
  g_autoptr(GVariant) permissions = NULL;
  g_autoptr(GVariant) none = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) described = NULL;
  const char *shared[] = { "network", "ipc", NULL };
  g_autofree const char **got = NULL;
  g_autoptr(GVariant) value = NULL;

  cp_agent_dbus_agent1_installer_call_get_permissions_sync (proxy, hello, &permissions, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_is_of_type (permissions, CP_FLATPAK_PERMISSIONS_TYPE));
  value = g_variant_lookup_value (permissions, "shared", G_VARIANT_TYPE_STRING_ARRAY);
  got = g_variant_get_strv (value, NULL);
  g_assert_cmpuint (g_strv_length ((char **) got), ==, 2);
  for (guint i = 0; shared[i] != NULL; i++)
    g_assert_true (g_strv_contains (got, shared[i]));
  described = cp_flatpak_permissions_describe (permissions);
  g_assert_true (g_strv_contains ((const char *const *) described, "Can talk to: org.example.Service"));
  g_assert_true (g_strv_contains ((const char *const *) described, "Your Downloads folder (read-only)"));
  g_assert_false (flatpak_says_installed (FALSE, "org.example.Hello"));

  cp_agent_dbus_agent1_installer_call_get_permissions_sync (proxy, nope, &none, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, CP_ERROR, CP_ERROR_NOT_FOUND);
  g_clear_error (&error);
  cp_agent_dbus_agent1_installer_call_get_permissions_sync (proxy,
                                                            "{\"id\":\"com.example.Mail\",\"name\":\"Mail\","
                                                            "\"install\":{\"type\":\"web\",\"url\":\"https://mail.example.com\"}}",
                                                            &none, NULL, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT);
}

/* Over HTTP with the objects held: the cancel lands while downloading, after
 * longer than the idle timeout, which must not end the agent meanwhile. */
static void
test_cancel_mid_way (void)
{
  g_autoptr(CpAgentDbusAgent1Installer) proxy = installer_proxy ();
  g_autofree char *url = g_strconcat (server_url, "/repo", NULL);
  g_autofree char *big = catalog_entry ("org.example.Big", "corp-http", url, NULL);
  g_autofree char *job_id = NULL;
  g_autoptr(GVariant) jobs = NULL;
  g_autoptr(GVariant) job = NULL;
  g_autoptr(GError) error = NULL;
  const char *id, *app_id, *state = NULL;
  gint64 end;
  guint32 pid;

  settle_reports ();
  hold_objects = TRUE;
  job_id = install (proxy, server_url, big);
  pid = agent_pid ();
  wait_until (is_downloading, job_id, 30);

  /* CP_AGENT_IDLE_TIMEOUT is 2 s. */
  end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (agent_is_running ());
  g_assert_cmpuint (agent_pid (), ==, pid);

  /* A window reconnecting now sees the job running. */
  cp_agent_dbus_agent1_installer_call_get_jobs_sync (proxy, &jobs, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (jobs), >=, 1);
  g_variant_get_child (jobs, g_variant_n_children (jobs) - 1, "(&s&s@a{sv})", &id, &app_id, &job);
  g_assert_cmpstr (id, ==, job_id);
  g_assert_cmpstr (app_id, ==, "org.example.Big");
  g_assert_true (g_variant_lookup (job, "state", "&s", &state));
  g_assert_cmpstr (state, ==, "downloading");
  g_assert_cmpstr (last_state (job_id), ==, "downloading");

  cp_agent_dbus_agent1_installer_call_cancel_sync (proxy, job_id, NULL, &error);
  g_assert_no_error (error);
  release_held_messages ();
  wait_for_job (job_id);
  g_assert_cmpstr (last_state (job_id), ==, "cancelled");
  g_assert_false (saw_state (job_id, "installing"));
  g_assert_false (flatpak_says_installed (FALSE, "org.example.Big"));

  /* It was pending; now the organisation hears the truth. */
  wait_for_report ("org.example.Big", "pendingInstall");
  wait_for_report ("org.example.Big", "notInstalled");

  /* Cancelling a finished job does nothing. */
  cp_agent_dbus_agent1_installer_call_cancel_sync (proxy, job_id, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
queue_is_empty (gconstpointer data)
{
  g_autofree char *path = queue_file ();
  g_autofree char *text = NULL;

  /* No file: nothing was ever queued. */
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return !g_file_test (path, G_FILE_TEST_EXISTS);
  return strstr (text, "\"appId\"") == NULL;
}

static gboolean
queue_contains (gconstpointer data)
{
  g_autofree char *path = queue_file ();
  g_autofree char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) && strstr (text, data) != NULL;
}

/* The server is down: reports wait on disk, across an agent restart too. */
static void
test_reports_queued (void)
{
  g_autoptr(CpAgentDbusAgent1Installer) proxy = installer_proxy ();
  g_autofree char *hello = catalog_entry ("org.example.Hello", "corp", repo_url, NULL);
  g_autofree char *job_id = NULL;
  g_autofree char *removal = NULL;
  g_autofree char *path = queue_file ();
  g_autofree char *text = NULL;
  guint before;

  settle_reports ();
  server_down = TRUE;
  before = requests;
  job_id = install (proxy, server_url, hello);
  wait_for_job (job_id);
  g_assert_cmpstr (last_state (job_id), ==, "installed");

  /* Tried, refused with 503, kept on disk (never the key, only the reports). */
  wait_until (queue_contains, "\"installed\"", 10);
  while (requests == before)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"pendingInstall\""));
  g_assert_null (strstr (text, "\"d\""));
  g_assert_cmpuint (received->len, ==, 0);

  /* Back up: the retry (CP_AGENT_REPORT_RETRY, or Retry-After: 1) delivers them in order. */
  server_down = FALSE;
  wait_for_report ("org.example.Hello", "installed");
  g_assert_cmpstr (((Received *) g_ptr_array_index (received, 0))->state, ==, "pendingInstall");
  wait_until (queue_is_empty, NULL, 10);
  settle_reports ();

  /* Down again, and the agent dies before it could deliver. */
  server_down = TRUE;
  before = requests;
  removal = uninstall (proxy, server_url, hello);
  wait_for_job (removal);
  g_assert_cmpstr (last_state (removal), ==, "notInstalled");
  wait_until (queue_contains, "\"notInstalled\"", 10);
  while (requests == before)
    g_main_context_iteration (NULL, TRUE);
  kill_agent ();

  /* The next start sends what the last run left (a new proxy: the old one
   * would still talk to the dead agent's unique name). */
  server_down = FALSE;
  g_clear_object (&proxy);
  proxy = installer_proxy ();
  g_assert_false (list_installed_has (proxy, "org.example.Hello"));
  wait_for_report ("org.example.Hello", "notInstalled");
  wait_until (queue_is_empty, NULL, 10);
  g_assert_cmpuint (refused, ==, 0);
}

/* A damaged queue is kept aside for support; reports go on working. */
static void
test_damaged_queue (void)
{
  g_autoptr(CpAgentDbusAgent1Installer) proxy = NULL;
  g_autofree char *hello = catalog_entry ("org.example.Hello", "corp", repo_url, NULL);
  g_autofree char *path = queue_file ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *aside = g_strconcat (path, ".damaged", NULL);
  g_autofree char *kept = NULL;
  g_autofree char *job_id = NULL;
  g_autofree char *removal = NULL;
  const char *damaged = "{\"version\":1,\"reports\":[{\"server\":\"http://127.0.0.1:1\",\"appId\":7}]}";

  kill_agent ();
  settle_reports ();
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, damaged, -1, NULL));

  proxy = installer_proxy ();
  job_id = install (proxy, server_url, hello);
  wait_for_job (job_id);
  g_assert_true (g_file_get_contents (aside, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, damaged);
  wait_for_report ("org.example.Hello", "installed");
  removal = uninstall (proxy, server_url, hello);
  wait_for_job (removal);
  wait_for_report ("org.example.Hello", "notInstalled");
  wait_until (queue_is_empty, NULL, 10);
  g_assert_cmpuint (refused, ==, 0);
}

/* A queue from before reports had ids loads: each report gets one at once,
 * kept on disk before anything is sent, and goes out with it. */
static void
test_queue_without_ids (void)
{
  g_autoptr(CpAgentDbusAgent1Installer) proxy = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *at = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *path = queue_file ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *legacy = NULL;
  g_autofree char *saved = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *report_id = NULL;
  JsonArray *reports;
  const Received *r;

  kill_agent ();
  settle_reports ();
  legacy = g_strdup_printf ("{\"version\":1,\"reports\":[{\"appId\":\"org.example.Old\",\"state\":\"installed\","
                            "\"at\":\"%s\",\"server\":\"%s\",\"deviceId\":\"%s\"}]}",
                            at, server_url, DEVICE_ID);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, legacy, -1, NULL));

  /* The server refuses for now: the id must be on disk, not only in memory. */
  server_down = TRUE;
  proxy = installer_proxy ();
  g_assert_false (list_installed_has (proxy, "org.example.Old"));
  wait_until (queue_contains, "\"reportId\"", 10);
  g_assert_true (g_file_get_contents (path, &saved, NULL, NULL));
  root = json_from_string (saved, &error);
  g_assert_no_error (error);
  reports = json_object_get_array_member (json_node_get_object (root), "reports");
  g_assert_cmpuint (json_array_get_length (reports), ==, 1);
  report_id = g_strdup (json_object_get_string_member (json_array_get_object_element (reports, 0), "reportId"));

  server_down = FALSE;
  r = wait_for_report ("org.example.Old", "installed");
  g_assert_cmpstr (r->report_id, ==, report_id);
  wait_until (queue_is_empty, NULL, 10);
  g_assert_cmpuint (refused, ==, 0);
}

/* Without an enrollment for that server the install works; nothing is reported. */
static void
test_not_enrolled (void)
{
  g_autoptr(CpAgentDbusAgent1Installer) proxy = installer_proxy ();
  g_autofree char *hello = catalog_entry ("org.example.Hello", "corp", repo_url, NULL);
  g_autofree char *other = g_strdup_printf ("%s/other-org", server_url);
  g_autofree char *job_id = NULL;
  g_autofree char *removal = NULL;
  guint before;

  settle_reports ();
  before = requests;
  job_id = install (proxy, other, hello);
  wait_for_job (job_id);
  g_assert_cmpstr (last_state (job_id), ==, "installed");
  g_assert_true (flatpak_says_installed (FALSE, "org.example.Hello"));
  removal = uninstall (proxy, other, hello);
  wait_for_job (removal);
  g_assert_cmpstr (last_state (removal), ==, "notInstalled");
  settle_reports ();
  g_assert_cmpuint (requests, ==, before);
  g_assert_true (queue_is_empty (NULL));
}

/* "installation": "system" goes to the system installation (here a private
 * FLATPAK_SYSTEM_DIR that this test may write, so polkit is not asked). */
static void
test_system_installation (void)
{
  g_autoptr(CpAgentDbusAgent1Installer) proxy = installer_proxy ();
  g_autofree char *hello = catalog_entry ("org.example.Hello", "corp", repo_url,
                                          ",\"installation\":\"system\"");
  g_autofree char *job_id = NULL;
  g_autofree char *removal = NULL;

  settle_reports ();
  job_id = install (proxy, server_url, hello);
  wait_for_job (job_id);
  g_assert_cmpstr (last_state (job_id), ==, "installed");
  g_assert_true (flatpak_says_installed (TRUE, "org.example.Hello"));
  g_assert_false (flatpak_says_installed (FALSE, "org.example.Hello"));
  g_assert_true (list_installed_has (proxy, "org.example.Hello"));
  wait_for_report ("org.example.Hello", "installed");

  removal = uninstall (proxy, server_url, hello);
  wait_for_job (removal);
  g_assert_cmpstr (last_state (removal), ==, "notInstalled");
  g_assert_false (flatpak_says_installed (TRUE, "org.example.Hello"));
}

/* A system installation this agent may not change (here read-only, on a
 * real machine polkit saying no) fails with a message that says so. */
static void
test_system_forbidden (void)
{
  g_autoptr(CpAgentDbusAgent1Installer) proxy = NULL;
  g_autofree char *hello = catalog_entry ("org.example.Hello", "corp", repo_url,
                                          ",\"installation\":\"system\"");
  g_autofree char *job_id = NULL;
  g_autoptr(GVariant) jobs = NULL;
  g_autoptr(GVariant) job = NULL;
  g_autoptr(GError) error = NULL;
  const char *code = NULL;
  const Received *failed;
  Seen *s;

  kill_agent ();
  set_activation_env ("FLATPAK_SYSTEM_DIR", g_getenv ("CP_TEST_READ_ONLY_DIR"));
  proxy = installer_proxy ();
  settle_reports ();

  job_id = install (proxy, server_url, hello);
  wait_for_job (job_id);
  g_assert_cmpstr (last_state (job_id), ==, "failed");
  s = g_hash_table_lookup (seen, job_id);
  g_test_message ("reason: %s", s->error_message);
  g_assert_nonnull (strstr (s->error_message, "administrator"));

  cp_agent_dbus_agent1_installer_call_get_jobs_sync (proxy, &jobs, NULL, &error);
  g_assert_no_error (error);
  g_variant_get_child (jobs, g_variant_n_children (jobs) - 1, "(&s&s@a{sv})", NULL, NULL, &job);
  g_assert_true (g_variant_lookup (job, "error-code", "&s", &code));
  g_assert_cmpstr (code, ==, CP_AGENT_DBUS_ERROR_PREFIX "Forbidden");

  failed = wait_for_report ("org.example.Hello", "failed");
  g_assert_cmpstr (failed->error_message, ==, s->error_message);
  g_assert_false (flatpak_says_installed (FALSE, "org.example.Hello"));

  /* Removing from there is refused the same way: uninstallFailed. */
  g_free (job_id);
  job_id = uninstall (proxy, server_url, hello);
  wait_for_job (job_id);
  g_assert_cmpstr (last_state (job_id), ==, "failed");
  s = g_hash_table_lookup (seen, job_id);
  g_assert_true (g_str_has_prefix (s->error_message, "Removing Hello"));
  failed = wait_for_report ("org.example.Hello", "uninstallFailed");
  g_assert_cmpstr (failed->error_message, ==, s->error_message);

  kill_agent ();
  set_activation_env ("FLATPAK_SYSTEM_DIR", g_getenv ("FLATPAK_SYSTEM_DIR"));
}

static gboolean
agent_gone (gconstpointer data)
{
  return !agent_is_running ();
}

/* Every job and report released its hold: the agent exits on idle again. */
static void
test_idle_exit_after_jobs (void)
{
  g_autoptr(CpAgentDbusAgent1Installer) proxy = installer_proxy ();
  g_autofree char *hello = catalog_entry ("org.example.Hello", "corp", repo_url, NULL);
  g_autofree char *job_id = NULL;
  g_autofree char *removal = NULL;

  job_id = install (proxy, server_url, hello);
  wait_for_job (job_id);
  removal = uninstall (proxy, server_url, hello);
  wait_for_job (removal);
  wait_for_report ("org.example.Hello", "notInstalled");
  /* CP_AGENT_IDLE_TIMEOUT is 2 s. */
  wait_until (agent_gone, NULL, 10);
}

/* --- set-up --- */

static void
build_repository (void)
{
  const char *source_dir = g_getenv ("CP_SOURCE_DIR");
  g_autofree char *script = g_build_filename (source_dir ? source_dir : ".", "tests", "installer",
                                              "make-repo.sh", NULL);
  const char *argv[] = { "sh", script, tmp_dir, NULL };
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  repo_dir = g_build_filename (tmp_dir, "repo", NULL);
  repo_url = g_strdup_printf ("file://%s", repo_dir);
}

static const char *const flatpak_dirs[] = { "FLATPAK_USER_DIR", "FLATPAK_SYSTEM_DIR", "FLATPAK_CONFIG_DIR" };

/* Private Flatpak installations for this process (before any thread runs)... */
static void
isolate_flatpak (void)
{
  const char *names[] = { "user", "system", "config" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *dir = g_build_filename (tmp_dir, names[i], NULL);

      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_setenv (flatpak_dirs[i], dir, TRUE);
    }
  g_unsetenv ("http_proxy");
  g_unsetenv ("https_proxy");
  g_unsetenv ("all_proxy");
}

/* ...and for the agent it activates. */
static void
isolate_agent_flatpak (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (flatpak_dirs); i++)
    set_activation_env (flatpak_dirs[i], g_getenv (flatpak_dirs[i]));
}

static void
enroll (void)
{
  enrolled_key = enroll_agent (server_url, DEVICE_ID);
}

int
main (int   argc,
      char *argv[])
{
  int rc;

  if (!agent_fixture_init (&argc, &argv, "agent-installer"))
    return g_test_run ();

  tmp_dir = cp_test_make_program_tmp_dir ("cp-agent-installer-XXXXXX");
  isolate_flatpak ();
  bus = agent_fixture_bus ();
  isolate_agent_flatpak ();
  build_repository ();
  set_activation_env ("CP_AGENT_IDLE_TIMEOUT", "2");
  set_activation_env ("CP_AGENT_CHECK_IN_INTERVAL", "3600");
  set_activation_env ("CP_AGENT_REPORT_RETRY", "1");

  received = g_ptr_array_new_with_free_func ((GDestroyNotify) received_free);
  nonces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) seen_free);
  held_messages = g_ptr_array_new_with_free_func (g_object_unref);
  start_server ();
  g_dbus_connection_signal_subscribe (bus, NULL, "io.github.companyportal.Agent1.Installer",
                                      "JobChanged", CP_AGENT_DBUS_PATH, NULL,
                                      G_DBUS_SIGNAL_FLAGS_NONE, job_changed_cb, NULL, NULL);

  g_test_add_func ("/agent-installer/bad-app-json", test_bad_app_json);
  g_test_add_func ("/agent-installer/not-enrolled", test_not_enrolled);
  g_test_add_func ("/agent-installer/install-progress-remove", test_install_progress_remove);
  g_test_add_func ("/agent-installer/jobs-queue", test_jobs_queue);
  g_test_add_func ("/agent-installer/queue-order", test_queue_order);
  g_test_add_func ("/agent-installer/missing-ref", test_missing_ref);
  g_test_add_func ("/agent-installer/get-permissions", test_get_permissions);
  g_test_add_func ("/agent-installer/cancel-mid-way", test_cancel_mid_way);
  g_test_add_func ("/agent-installer/reports-queued", test_reports_queued);
  g_test_add_func ("/agent-installer/system-installation", test_system_installation);
  g_test_add_func ("/agent-installer/damaged-queue", test_damaged_queue);
  g_test_add_func ("/agent-installer/queue-without-ids", test_queue_without_ids);
  g_test_add_func ("/agent-installer/idle-exit-after-jobs", test_idle_exit_after_jobs);
  if (g_getenv ("CP_TEST_READ_ONLY_DIR") != NULL)
    g_test_add_func ("/agent-installer/system-forbidden", test_system_forbidden);

  enroll ();
  rc = agent_fixture_run ();

  soup_server_disconnect (server);
  g_clear_object (&server);
  return rc;
}
