/* test-flatpak-installer.c: CpFlatpakInstaller against a real local repository
 *
 * make-repo.sh builds a runtime and three apps with `flatpak build-export`;
 * each test installs into its own fresh per-user installation under a private
 * temporary directory, either straight from the file:// repository or over
 * HTTP from a SoupServer in this process (which can hold object downloads so
 * a cancel lands mid-pull). Whether an app is installed is always asked of a
 * separate FlatpakInstallation (or the flatpak CLI), never of the code under
 * test.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <company-portal.h>

#include "cp-flatpak-installer.h"
#include "cp-flatpak-installer-private.h"
#include "cp-test-util.h"

static char *tmp_dir;
static char *repo_dir;
static char *repo_url;
static SoupServer *server;
static char *http_repo_url;
static gboolean hold_objects;
static GPtrArray *held_messages;
static guint n_installations;

/* --- the HTTP view of the repository --- */

static void
serve_file_cb (SoupServer        *soup_server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  g_autofree char *file = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (!g_str_has_prefix (path, "/repo/") || strstr (path, "..") != NULL)
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
  soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_TAKE,
                                    contents, length);
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

static void
start_server (void)
{
  g_autofree char *base = NULL;

  server = cp_test_start_server (NULL, serve_file_cb, NULL, &base);
  http_repo_url = g_strconcat (base, "/repo", NULL);
}

/* A loopback port that nothing listens on. */
static guint16
closed_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* --- fixtures --- */

static FlatpakInstallation *
new_installation (void)
{
  g_autofree char *path = g_strdup_printf ("%s/installation-%u", tmp_dir, ++n_installations);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  FlatpakInstallation *installation;

  installation = flatpak_installation_new_for_path (file, TRUE, NULL, &error);
  g_assert_no_error (error);
  return installation;
}

/* Asks a separate FlatpakInstallation object, with no cached state. */
static gboolean
flatpak_says_installed (FlatpakInstallation *installation,
                        const char          *name,
                        FlatpakRefKind       kind,
                        const char          *branch)
{
  g_autoptr(GFile) root = flatpak_installation_get_path (installation);
  g_autoptr(FlatpakInstallation) fresh = NULL;
  g_autoptr(FlatpakInstalledRef) ref = NULL;

  fresh = flatpak_installation_new_for_path (root, TRUE, NULL, NULL);
  ref = flatpak_installation_get_installed_ref (fresh, kind, name, NULL, branch, NULL, NULL);
  return ref != NULL;
}

static gboolean
app_installed (FlatpakInstallation *installation,
               const char          *name)
{
  return flatpak_says_installed (installation, name, FLATPAK_REF_KIND_APP, "stable");
}

static gboolean
has_remote (FlatpakInstallation *installation,
            const char          *remote)
{
  g_autoptr(GFile) root = flatpak_installation_get_path (installation);
  g_autoptr(FlatpakInstallation) fresh = NULL;
  g_autoptr(FlatpakRemote) found = NULL;

  fresh = flatpak_installation_new_for_path (root, TRUE, NULL, NULL);
  found = flatpak_installation_get_remote_by_name (fresh, remote, NULL, NULL);
  return found != NULL;
}

static CpApp *
flatpak_app (const char *name,
             const char *remote_name,
             const char *remote_url)
{
  g_autofree char *json = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  CpApp *app;

  json = g_strdup_printf ("{\"id\":\"%s\",\"name\":\"%s\",\"install\":{\"type\":\"flatpak\","
                          "\"remoteName\":\"%s\",\"remoteUrl\":\"%s\",\"ref\":\"app/%s//stable\","
                          "\"gpgVerify\":false}}",
                          name, name + strlen ("org.example."), remote_name, remote_url, name);
  node = json_from_string (json, &error);
  g_assert_no_error (error);
  app = cp_app_new_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cp_app_get_install_method (app), ==, CP_INSTALL_METHOD_FLATPAK);
  return app;
}

/* What a window would see of a job: every state it passes through. */
typedef struct
{
  GArray  *states;
  guint    n_fraction;
  double   last_fraction;
  gboolean fraction_went_back;
  guint64  max_bytes_total;
  GThread *main_thread;
  gboolean wrong_thread;
  CpInstallState cancel_on;
  gboolean done;
  gboolean ok;
  GError  *error;
} Observer;

static void
state_cb (CpInstallJob *job,
          GParamSpec   *pspec,
          Observer     *observer)
{
  CpInstallState state = cp_install_job_get_state (job);

  if (g_thread_self () != observer->main_thread)
    observer->wrong_thread = TRUE;
  g_array_append_val (observer->states, state);
  g_test_message ("state %s", cp_install_state_to_string (state));
  if (observer->cancel_on != CP_INSTALL_STATE_NOT_INSTALLED && state == observer->cancel_on)
    cp_install_job_cancel (job);
}

static void
fraction_cb (CpInstallJob *job,
             GParamSpec   *pspec,
             Observer     *observer)
{
  double fraction = cp_install_job_get_fraction (job);

  if (g_thread_self () != observer->main_thread)
    observer->wrong_thread = TRUE;
  if (cp_install_job_get_state (job) != CP_INSTALL_STATE_QUEUED &&
      fraction < observer->last_fraction)
    observer->fraction_went_back = TRUE;
  observer->last_fraction = fraction;
  observer->n_fraction++;
  observer->max_bytes_total = MAX (observer->max_bytes_total, cp_install_job_get_bytes_total (job));
}

static void
observe (Observer     *observer,
         CpInstallJob *job)
{
  memset (observer, 0, sizeof *observer);
  observer->states = g_array_new (FALSE, FALSE, sizeof (CpInstallState));
  observer->main_thread = g_thread_self ();
  g_signal_connect (job, "notify::state", G_CALLBACK (state_cb), observer);
  g_signal_connect (job, "notify::fraction", G_CALLBACK (fraction_cb), observer);
}

static void
observer_clear (Observer *observer)
{
  g_array_unref (observer->states);
  g_clear_error (&observer->error);
}

static gboolean
saw_state (Observer       *observer,
           CpInstallState  state)
{
  for (guint i = 0; i < observer->states->len; i++)
    if (g_array_index (observer->states, CpInstallState, i) == state)
      return TRUE;
  return FALSE;
}

static void
install_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Observer *observer = user_data;

  observer->ok = cp_installer_install_finish (CP_INSTALLER (object), result, &observer->error);
  observer->done = TRUE;
}

static void
uninstall_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Observer *observer = user_data;

  observer->ok = cp_installer_uninstall_finish (CP_INSTALLER (object), result, &observer->error);
  observer->done = TRUE;
}

static void
wait_for (Observer *observer)
{
  while (!observer->done)
    g_main_context_iteration (NULL, TRUE);
}

/* Installs @app with a fresh job, waits, and returns the job. */
static CpInstallJob *
install (CpInstaller *installer,
         CpApp       *app,
         Observer    *observer,
         CpInstallState cancel_on)
{
  CpInstallJob *job = cp_install_job_new (cp_app_get_id (app), NULL);

  observe (observer, job);
  observer->cancel_on = cancel_on;
  cp_installer_install_async (installer, app, job, install_done_cb, observer);
  wait_for (observer);
  g_assert_false (observer->wrong_thread);
  return job;
}

static CpInstallJob *
uninstall (CpInstaller *installer,
           CpApp       *app,
           Observer    *observer)
{
  CpInstallJob *job = cp_install_job_new (cp_app_get_id (app), NULL);

  observe (observer, job);
  cp_installer_uninstall_async (installer, app, job, uninstall_done_cb, observer);
  wait_for (observer);
  g_assert_false (observer->wrong_thread);
  return job;
}

typedef struct
{
  gboolean    done;
  GHashTable *installed;
  GError     *error;
} ListResult;

static void
list_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  ListResult *list = user_data;

  list->installed = cp_installer_list_installed_finish (CP_INSTALLER (object), result, &list->error);
  list->done = TRUE;
}

static GHashTable *
list_installed (CpInstaller *installer,
                GPtrArray   *apps)
{
  ListResult list = { 0 };

  cp_installer_list_installed_async (installer, apps, NULL, list_done_cb, &list);
  while (!list.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (list.error);
  return list.installed;
}

/* --- tests --- */

static void
test_install_progress_and_remove (void)
{
  g_autoptr(FlatpakInstallation) installation = new_installation ();
  g_autoptr(CpFlatpakInstaller) installer = cp_flatpak_installer_new (installation);
  g_autoptr(CpApp) hello = flatpak_app ("org.example.Hello", "corp", repo_url);
  g_autoptr(CpInstallJob) job = NULL;
  g_autoptr(CpInstallJob) again = NULL;
  g_autoptr(CpInstallJob) removal = NULL;
  g_autoptr(CpInstallJob) second_removal = NULL;
  g_autoptr(FlatpakRemote) remote = NULL;
  g_autofree char *url = NULL;
  Observer observer;

  g_assert_true (cp_installer_can_install (CP_INSTALLER (installer), hello));
  g_assert_false (app_installed (installation, "org.example.Hello"));

  job = install (CP_INSTALLER (installer), hello, &observer, CP_INSTALL_STATE_NOT_INSTALLED);
  g_assert_no_error (observer.error);
  g_assert_true (observer.ok);
  g_assert_cmpint (cp_install_job_get_state (job), ==, CP_INSTALL_STATE_INSTALLED);
  g_assert_cmpint (g_array_index (observer.states, CpInstallState, 0), ==, CP_INSTALL_STATE_QUEUED);
  g_assert_true (saw_state (&observer, CP_INSTALL_STATE_DOWNLOADING));
  /* OSTree reports no pull progress for file:// remotes, so INSTALLING
   * (pull at 100 %) is only checked over HTTP below. */
  g_assert_false (saw_state (&observer, CP_INSTALL_STATE_FAILED));
  g_assert_cmpuint (observer.n_fraction, >=, 2);
  g_assert_false (observer.fraction_went_back);
  g_assert_cmpfloat (cp_install_job_get_fraction (job), ==, 1.0);
  g_assert_cmpuint (observer.max_bytes_total, >, 0);
  g_assert_null (cp_install_job_get_error (job));
  observer_clear (&observer);

  g_assert_true (app_installed (installation, "org.example.Hello"));
  g_assert_true (flatpak_says_installed (installation, "org.example.Platform", FLATPAK_REF_KIND_RUNTIME, "1"));
  /* The remote is there exactly as the catalog described it. */
  remote = flatpak_installation_get_remote_by_name (installation, "corp", NULL, NULL);
  g_assert_nonnull (remote);
  url = flatpak_remote_get_url (remote);
  g_assert_cmpstr (url, ==, repo_url);
  g_assert_false (flatpak_remote_get_gpg_verify (remote));

  /* Installing again is "already installed", and the job tells the truth. */
  again = install (CP_INSTALLER (installer), hello, &observer, CP_INSTALL_STATE_NOT_INSTALLED);
  g_assert_error (observer.error, CP_ERROR, CP_ERROR_CONFLICT);
  g_assert_nonnull (strstr (observer.error->message, "Hello"));
  g_assert_cmpint (cp_install_job_get_state (again), ==, CP_INSTALL_STATE_INSTALLED);
  observer_clear (&observer);

  removal = uninstall (CP_INSTALLER (installer), hello, &observer);
  g_assert_no_error (observer.error);
  g_assert_cmpint (g_array_index (observer.states, CpInstallState, 0), ==, CP_INSTALL_STATE_REMOVING);
  g_assert_cmpint (cp_install_job_get_state (removal), ==, CP_INSTALL_STATE_NOT_INSTALLED);
  g_assert_false (app_installed (installation, "org.example.Hello"));
  observer_clear (&observer);

  second_removal = uninstall (CP_INSTALLER (installer), hello, &observer);
  g_assert_error (observer.error, CP_ERROR, CP_ERROR_NOT_FOUND);
  g_assert_cmpint (cp_install_job_get_state (second_removal), ==, CP_INSTALL_STATE_FAILED);
  g_assert_cmpstr (cp_install_job_get_error_message (second_removal), ==, observer.error->message);
  observer_clear (&observer);
}

static void
test_detect_installed (void)
{
  g_autoptr(FlatpakInstallation) other = new_installation ();
  g_autoptr(FlatpakInstallation) target = new_installation ();
  g_autoptr(CpFlatpakInstaller) installer = cp_flatpak_installer_new (target);
  g_autoptr(CpFlatpakInstaller) target_only = cp_flatpak_installer_new (target);
  g_autoptr(CpApp) hello = flatpak_app ("org.example.Hello", "corp", repo_url);
  g_autoptr(CpApp) big = flatpak_app ("org.example.Big", "corp", repo_url);
  g_autoptr(GPtrArray) apps = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) installed = NULL;
  g_autoptr(GHashTable) in_target = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) web_node = json_from_string ("{\"id\":\"web\",\"name\":\"Web\",\"install\":"
                                                   "{\"type\":\"web\",\"url\":\"https://x.example\"}}", NULL);
  g_autoptr(GFile) other_root = flatpak_installation_get_path (other);
  g_autofree char *other_path = g_file_get_path (other_root);
  g_auto(GStrv) env = g_environ_setenv (g_get_environ (), "FLATPAK_USER_DIR", other_path, TRUE);
  const char *add[] = { "flatpak", "--user", "remote-add", "--no-gpg-verify", "elsewhere", repo_url, NULL };
  const char *inst[] = { "flatpak", "--user", "install", "-y", "--noninteractive", "elsewhere",
                         "org.example.Hello", NULL };
  int status = -1;

  /* Installed before Company Portal ever ran, by the flatpak CLI. */
  g_spawn_sync (NULL, (char **) add, env, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_spawn_sync (NULL, (char **) inst, env, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_true (app_installed (other, "org.example.Hello"));

  cp_flatpak_installer_add_detection_installation (installer, other);
  g_ptr_array_add (apps, g_object_ref (hello));
  g_ptr_array_add (apps, g_object_ref (big));
  g_ptr_array_add (apps, cp_app_new_from_json (web_node, NULL));

  installed = list_installed (CP_INSTALLER (installer), apps);
  g_assert_cmpuint (g_hash_table_size (installed), ==, 1);
  g_assert_true (g_hash_table_contains (installed, "org.example.Hello"));

  in_target = list_installed (CP_INSTALLER (target_only), apps);
  g_assert_cmpuint (g_hash_table_size (in_target), ==, 0);
}

static void
is_installed_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  int *answer = user_data;
  gboolean installed = FALSE;
  g_autoptr(GError) error = NULL;

  g_assert_true (cp_installer_is_installed_finish (CP_INSTALLER (object), result, &installed, &error));
  g_assert_no_error (error);
  *answer = installed;
}

static int
is_installed (CpInstaller *installer,
              CpApp       *app)
{
  int answer = -1;

  cp_installer_is_installed_async (installer, app, NULL, is_installed_cb, &answer);
  while (answer == -1)
    g_main_context_iteration (NULL, TRUE);
  return answer;
}

static void
test_is_installed (void)
{
  g_autoptr(FlatpakInstallation) installation = new_installation ();
  g_autoptr(CpFlatpakInstaller) installer = cp_flatpak_installer_new (installation);
  g_autoptr(CpApp) hello = flatpak_app ("org.example.Hello", "corp", repo_url);
  g_autoptr(CpInstallJob) job = NULL;
  Observer observer;

  g_assert_false (is_installed (CP_INSTALLER (installer), hello));
  job = install (CP_INSTALLER (installer), hello, &observer, CP_INSTALL_STATE_NOT_INSTALLED);
  g_assert_no_error (observer.error);
  observer_clear (&observer);
  g_assert_true (is_installed (CP_INSTALLER (installer), hello));
}

/* The install fails; the job says FAILED with a reason; nothing claims the
 * app; a remote added for this install is gone again. */
static void
assert_install_fails (CpApp      *app,
                      const char *remote,
                      int         code)
{
  g_autoptr(FlatpakInstallation) installation = new_installation ();
  g_autoptr(CpFlatpakInstaller) installer = cp_flatpak_installer_new (installation);
  g_autoptr(CpInstallJob) job = NULL;
  Observer observer;

  job = install (CP_INSTALLER (installer), app, &observer, CP_INSTALL_STATE_NOT_INSTALLED);
  g_test_message ("error: %s", observer.error ? observer.error->message : "none");
  g_assert_error (observer.error, CP_ERROR, code);
  g_assert_false (observer.ok);
  g_assert_cmpint (cp_install_job_get_state (job), ==, CP_INSTALL_STATE_FAILED);
  g_assert_cmpstr (cp_install_job_get_error_message (job), ==, observer.error->message);
  g_assert_nonnull (strstr (observer.error->message, cp_app_get_name (app)));
  g_assert_false (app_installed (installation, cp_app_get_id (app)));
  g_assert_false (has_remote (installation, remote));
  observer_clear (&observer);
}

static void
test_missing_ref (void)
{
  g_autoptr(CpApp) nope = flatpak_app ("org.example.Nope", "corp", repo_url);

  assert_install_fails (nope, "corp", CP_ERROR_NOT_FOUND);
}

static void
test_unreachable_file_remote (void)
{
  g_autofree char *url = g_strdup_printf ("file://%s/no-such-repo", tmp_dir);
  g_autoptr(CpApp) hello = flatpak_app ("org.example.Hello", "gone", url);

  assert_install_fails (hello, "gone", CP_ERROR_NETWORK);
}

static void
test_unreachable_http_remote (void)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/repo", closed_port ());
  g_autoptr(CpApp) hello = flatpak_app ("org.example.Hello", "closed", url);

  assert_install_fails (hello, "closed", CP_ERROR_NETWORK);
}

static void
test_remote_without_url (void)
{
  g_autoptr(JsonNode) node = json_from_string (
    "{\"id\":\"org.example.Hello\",\"name\":\"Hello\",\"install\":{\"type\":\"flatpak\","
    "\"remoteName\":\"unset\",\"ref\":\"app/org.example.Hello//stable\"}}", NULL);
  g_autoptr(CpApp) hello = cp_app_new_from_json (node, NULL);

  assert_install_fails (hello, "unset", CP_ERROR_NOT_FOUND);
}

/* Without "gpgVerify": false the remote is added with verification, and an
 * unsigned repository is refused. */
static void
test_gpg_verified_by_default (void)
{
  g_autofree char *json = g_strdup_printf (
    "{\"id\":\"org.example.Hello\",\"name\":\"Hello\",\"install\":{\"type\":\"flatpak\","
    "\"remoteName\":\"signed\",\"remoteUrl\":\"%s\",\"ref\":\"app/org.example.Hello//stable\"}}",
    repo_url);
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  g_autoptr(CpApp) hello = cp_app_new_from_json (node, NULL);

  g_assert_true (cp_app_get_flatpak_gpg_verify (hello));
  assert_install_fails (hello, "signed", CP_ERROR_SECURITY);
}

static void
test_conflicting_remote (void)
{
  g_autoptr(FlatpakInstallation) installation = new_installation ();
  g_autoptr(CpFlatpakInstaller) installer = cp_flatpak_installer_new (installation);
  g_autoptr(CpApp) hello = flatpak_app ("org.example.Hello", "corp", repo_url);
  g_autoptr(FlatpakRemote) mine = flatpak_remote_new ("corp");
  g_autoptr(FlatpakRemote) after = NULL;
  g_autofree char *url = NULL;
  g_autoptr(CpInstallJob) job = NULL;
  g_autoptr(GError) error = NULL;
  Observer observer;

  flatpak_remote_set_url (mine, "https://users-own.example/repo");
  g_assert_true (flatpak_installation_add_remote (installation, mine, FALSE, NULL, &error));
  g_assert_no_error (error);

  job = install (CP_INSTALLER (installer), hello, &observer, CP_INSTALL_STATE_NOT_INSTALLED);
  g_assert_error (observer.error, CP_ERROR, CP_ERROR_CONFLICT);
  g_assert_cmpint (cp_install_job_get_state (job), ==, CP_INSTALL_STATE_FAILED);
  observer_clear (&observer);

  after = flatpak_installation_get_remote_by_name (installation, "corp", NULL, NULL);
  url = flatpak_remote_get_url (after);
  g_assert_cmpstr (url, ==, "https://users-own.example/repo");
}

static void
test_fails_half_way (void)
{
  g_autoptr(FlatpakInstallation) installation = new_installation ();
  g_autoptr(CpFlatpakInstaller) installer = cp_flatpak_installer_new (installation);
  g_autoptr(CpApp) broken = flatpak_app ("org.example.Broken", "corp", repo_url);
  g_autoptr(CpInstallJob) job = NULL;
  Observer observer;

  job = install (CP_INSTALLER (installer), broken, &observer, CP_INSTALL_STATE_NOT_INSTALLED);
  g_test_message ("error: %s", observer.error ? observer.error->message : "none");
  g_assert_error (observer.error, CP_ERROR, CP_ERROR_FAILED);
  g_assert_true (saw_state (&observer, CP_INSTALL_STATE_DOWNLOADING));
  g_assert_cmpint (cp_install_job_get_state (job), ==, CP_INSTALL_STATE_FAILED);
  g_assert_nonnull (strstr (cp_install_job_get_error_message (job), "Broken"));
  /* Half-way: the runtime made it, the app did not. */
  g_assert_true (flatpak_says_installed (installation, "org.example.Platform", FLATPAK_REF_KIND_RUNTIME, "1"));
  g_assert_false (app_installed (installation, "org.example.Broken"));
  observer_clear (&observer);
}

static void
test_cancel_queued (void)
{
  g_autoptr(FlatpakInstallation) installation = new_installation ();
  g_autoptr(CpFlatpakInstaller) installer = cp_flatpak_installer_new (installation);
  g_autoptr(CpApp) hello = flatpak_app ("org.example.Hello", "corp", repo_url);
  g_autoptr(CpInstallJob) job = cp_install_job_new ("org.example.Hello", NULL);
  Observer observer;

  observe (&observer, job);
  cp_installer_install_async (CP_INSTALLER (installer), hello, job, install_done_cb, &observer);
  g_assert_cmpint (cp_install_job_get_state (job), ==, CP_INSTALL_STATE_QUEUED);
  cp_install_job_cancel (job);
  wait_for (&observer);

  g_assert_error (observer.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (cp_install_job_get_state (job), ==, CP_INSTALL_STATE_CANCELLED);
  g_assert_false (saw_state (&observer, CP_INSTALL_STATE_INSTALLED));
  g_assert_false (app_installed (installation, "org.example.Hello"));
  observer_clear (&observer);
}

/* Over HTTP, with file objects held by the server: the pull cannot finish
 * before the cancel, so the cancel really lands while downloading. */
static void
test_cancel_downloading (void)
{
  g_autoptr(FlatpakInstallation) installation = new_installation ();
  g_autoptr(CpFlatpakInstaller) installer = cp_flatpak_installer_new (installation);
  g_autoptr(CpApp) big = flatpak_app ("org.example.Big", "corp-http", http_repo_url);
  g_autoptr(CpInstallJob) job = NULL;
  Observer observer;

  /* The runtime's objects are held too: the first operation is mid-pull. */
  hold_objects = TRUE;
  job = cp_install_job_new ("org.example.Big", NULL);
  observe (&observer, job);
  cp_installer_install_async (CP_INSTALLER (installer), big, job, install_done_cb, &observer);
  while (held_messages->len == 0 && !observer.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (observer.done);
  g_assert_cmpint (cp_install_job_get_state (job), ==, CP_INSTALL_STATE_DOWNLOADING);
  cp_install_job_cancel (job);
  /* OSTree waits for requests in flight before it gives up the pull. */
  release_held_messages ();
  wait_for (&observer);

  g_assert_error (observer.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (cp_install_job_get_state (job), ==, CP_INSTALL_STATE_CANCELLED);
  g_assert_false (saw_state (&observer, CP_INSTALL_STATE_INSTALLING));
  g_assert_false (app_installed (installation, "org.example.Big"));
  observer_clear (&observer);
}

static void
test_cancel_installing (void)
{
  g_autoptr(FlatpakInstallation) installation = new_installation ();
  g_autoptr(CpFlatpakInstaller) installer = cp_flatpak_installer_new (installation);
  g_autoptr(CpApp) hello = flatpak_app ("org.example.Hello", "corp-http", http_repo_url);
  g_autoptr(CpInstallJob) job = NULL;
  Observer observer;

  job = install (CP_INSTALLER (installer), hello, &observer, CP_INSTALL_STATE_INSTALLING);
  g_test_message ("error: %s", observer.error ? observer.error->message : "none");
  g_assert_error (observer.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (cp_install_job_get_state (job), ==, CP_INSTALL_STATE_CANCELLED);
  g_assert_false (app_installed (installation, "org.example.Hello"));
  observer_clear (&observer);
}

static void
test_install_over_http (void)
{
  g_autoptr(FlatpakInstallation) installation = new_installation ();
  g_autoptr(CpFlatpakInstaller) installer = cp_flatpak_installer_new (installation);
  g_autoptr(CpApp) big = flatpak_app ("org.example.Big", "corp-http", http_repo_url);
  g_autoptr(CpInstallJob) job = NULL;
  Observer observer;

  job = install (CP_INSTALLER (installer), big, &observer, CP_INSTALL_STATE_NOT_INSTALLED);
  g_assert_no_error (observer.error);
  g_assert_cmpint (cp_install_job_get_state (job), ==, CP_INSTALL_STATE_INSTALLED);
  g_assert_true (saw_state (&observer, CP_INSTALL_STATE_DOWNLOADING));
  g_assert_true (saw_state (&observer, CP_INSTALL_STATE_INSTALLING));
  g_assert_false (observer.fraction_went_back);
  g_assert_cmpuint (observer.n_fraction, >=, 2);
  g_assert_cmpuint (observer.max_bytes_total, >=, 3 * 1024 * 1024);
  g_assert_cmpuint (cp_install_job_get_bytes_done (job), ==, cp_install_job_get_bytes_total (job));
  g_assert_true (app_installed (installation, "org.example.Big"));
  observer_clear (&observer);
}

typedef struct
{
  gboolean  done;
  GVariant *permissions;
  GError   *error;
} PermissionsResult;

static void
permissions_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  PermissionsResult *out = user_data;

  out->permissions = cp_flatpak_installer_fetch_permissions_finish (CP_FLATPAK_INSTALLER (object),
                                                                    result, &out->error);
  out->done = TRUE;
}

static GVariant *
fetch_permissions (CpFlatpakInstaller  *installer,
                   CpApp               *app,
                   guint                timeout,
                   GError             **error)
{
  PermissionsResult out = { 0 };

  cp_flatpak_installer_fetch_permissions_async (installer, app, timeout, NULL, permissions_cb, &out);
  while (!out.done)
    g_main_context_iteration (NULL, TRUE);
  if (out.error != NULL)
    g_propagate_error (error, out.error);
  return out.permissions;
}

static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* One key of the a{sv}, sorted (libflatpak keeps filesystems in a hash table). */
static char *
permission (GVariant   *permissions,
            const char *key)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (permissions, key, G_VARIANT_TYPE_STRING_ARRAY);
  g_autofree const char **strv = NULL;

  g_assert_nonnull (value);
  strv = g_variant_get_strv (value, NULL);
  qsort (strv, g_strv_length ((char **) strv), sizeof (char *), compare_strings);
  return g_strjoinv (",", (char **) strv);
}

/* Exactly the finish-args make-repo.sh gave org.example.Hello. */
static void
assert_hello_permissions (GVariant *permissions)
{
  const char *expected[][2] = {
    { "shared", "ipc,network" },
    { "sockets", "pulseaudio,wayland" },
    { "devices", "dri" },
    { "features", "" },
    { "filesystems", "/srv/data,xdg-download:ro" },
    { "persistent", ".hello" },
    { "talk-names", "org.example.Service" },
    { "own-names", "org.example.Hello.Tray" },
    { "system-talk-names", "org.freedesktop.login1" },
    { "system-own-names", "" },
  };

  g_assert_nonnull (permissions);
  g_assert_true (g_variant_is_of_type (permissions, CP_FLATPAK_PERMISSIONS_TYPE));
  g_assert_cmpuint (g_variant_n_children (permissions), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *got = permission (permissions, expected[i][0]);

      g_assert_cmpstr (got, ==, expected[i][1]);
    }
}

/* Before the install from the catalog's remote, which is added for it as an
 * install would; after the install from the installed app. */
static void
test_permissions (void)
{
  g_autoptr(FlatpakInstallation) installation = new_installation ();
  g_autoptr(CpFlatpakInstaller) installer = cp_flatpak_installer_new (installation);
  g_autoptr(CpApp) hello = flatpak_app ("org.example.Hello", "corp", repo_url);
  g_autoptr(CpApp) big = flatpak_app ("org.example.Big", "corp", repo_url);
  g_autoptr(CpInstallJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) remote = NULL;
  g_autoptr(GVariant) installed = NULL;
  g_autoptr(GVariant) none = NULL;
  g_auto(GStrv) described = NULL;
  g_auto(GStrv) nothing = NULL;
  const char *sentences[] = {
    "Network access", "Your Downloads folder (read-only)", "The folder /srv/data",
    "Plays and records sound", "Can talk to: org.example.Service",
    "Provides: org.example.Hello.Tray", "Can talk to the system service: org.freedesktop.login1",
    "Keeps its data in ~/.hello", NULL,
  };
  Observer observer;

  g_assert_false (has_remote (installation, "corp"));
  remote = fetch_permissions (installer, hello, 20, &error);
  g_assert_no_error (error);
  assert_hello_permissions (remote);
  g_assert_true (has_remote (installation, "corp"));
  g_assert_false (app_installed (installation, "org.example.Hello"));

  /* Plain words; ipc, wayland and dri are harmless and not shown. The
   * filesystems come in libflatpak's order: compare as sets. */
  described = cp_flatpak_permissions_describe (remote);
  g_assert_cmpuint (g_strv_length (described), ==, g_strv_length ((char **) sentences));
  for (guint i = 0; sentences[i] != NULL; i++)
    g_assert_true (g_strv_contains ((const char *const *) described, sentences[i]));

  job = install (CP_INSTALLER (installer), hello, &observer, CP_INSTALL_STATE_NOT_INSTALLED);
  g_assert_no_error (observer.error);
  observer_clear (&observer);
  installed = fetch_permissions (installer, hello, 20, &error);
  g_assert_no_error (error);
  assert_hello_permissions (installed);

  none = fetch_permissions (installer, big, 20, &error);
  g_assert_no_error (error);
  nothing = cp_flatpak_permissions_describe (none);
  g_assert_cmpuint (g_strv_length (nothing), ==, 0);
}

/* No such ref: NOT_FOUND, and the remote added for the look goes again. */
static void
test_permissions_unknown_ref (void)
{
  g_autoptr(FlatpakInstallation) installation = new_installation ();
  g_autoptr(CpFlatpakInstaller) installer = cp_flatpak_installer_new (installation);
  g_autoptr(CpApp) nope = flatpak_app ("org.example.Nope", "corp", repo_url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) permissions = fetch_permissions (installer, nope, 20, &error);

  g_assert_null (permissions);
  g_assert_error (error, CP_ERROR, CP_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "Nope"));
  g_assert_false (has_remote (installation, "corp"));
}

/* Nothing listens: a network error at once, well within the timeout. */
static void
test_permissions_unreachable (void)
{
  g_autoptr(FlatpakInstallation) installation = new_installation ();
  g_autoptr(CpFlatpakInstaller) installer = cp_flatpak_installer_new (installation);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/repo", closed_port ());
  g_autoptr(CpApp) hello = flatpak_app ("org.example.Hello", "closed", url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) permissions = NULL;
  gint64 start = g_get_monotonic_time ();

  permissions = fetch_permissions (installer, hello, 10, &error);
  g_assert_null (permissions);
  g_assert_error (error, CP_ERROR, CP_ERROR_NETWORK);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_false (has_remote (installation, "closed"));
}

static void
hang_cb (SoupServer        *soup_server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  soup_server_message_pause (msg);
  g_ptr_array_add (held_messages, g_object_ref (msg));
}

/* A remote that accepts and never answers: TIMED_OUT after the timeout. */
static void
test_permissions_timeout (void)
{
  g_autoptr(FlatpakInstallation) installation = new_installation ();
  g_autoptr(CpFlatpakInstaller) installer = cp_flatpak_installer_new (installation);
  g_autoptr(SoupServer) hanging = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) permissions = NULL;
  g_autofree char *url = NULL;
  g_autoptr(CpApp) hello = NULL;
  GSList *uris;
  gint64 start, elapsed;

  soup_server_add_handler (hanging, NULL, hang_cb, NULL, NULL);
  soup_server_listen_local (hanging, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (hanging);
  url = g_strdup_printf ("http://127.0.0.1:%d/repo", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  hello = flatpak_app ("org.example.Hello", "hangs", url);

  start = g_get_monotonic_time ();
  permissions = fetch_permissions (installer, hello, 2, &error);
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("timed out after %.1f s", elapsed / 1e6);
  g_assert_null (permissions);
  g_assert_error (error, CP_ERROR, CP_ERROR_TIMED_OUT);
  g_assert_cmpint (elapsed, >=, 2 * G_USEC_PER_SEC - G_USEC_PER_SEC / 2);
  g_assert_cmpint (elapsed, <, 8 * G_USEC_PER_SEC);

  /* Cancelled by the caller while the remote hangs: answered at once. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    PermissionsResult out = { 0 };

    start = g_get_monotonic_time ();
    cp_flatpak_installer_fetch_permissions_async (installer, hello, 60, cancellable, permissions_cb, &out);
    g_timeout_add_once (300, (GSourceOnceFunc) g_cancellable_cancel, cancellable);
    while (!out.done)
      g_main_context_iteration (NULL, TRUE);
    g_assert_null (out.permissions);
    g_assert_error (out.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&out.error);
    g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  }
  release_held_messages ();
}

/* Metadata that is not a metadata file never becomes permissions. */
static void
test_permissions_bad_metadata (void)
{
  const char *bad[] = {
    "", "not a key file", "[Context]\nshared=network;\n", "[Application]\nname=\xff\n",
  };
  const char with_nul[] = "[Application]\nname=a\0b\n";
  const char *meta = "[Application]\nname=a.b\n[Context]\nshared=!network;\n"
                     "filesystems=home:ro;!host;~/Work;host;\nsockets=x11;\n"
                     "features=devel;\n[Session Bus Policy]\norg.a=see\norg.b=talk\n";
  g_autoptr(GVariant) permissions = NULL;
  g_auto(GStrv) described = NULL;
  g_autoptr(GError) error = NULL;
  const char *expected[] = {
    "Your home folder (read-only)", "The folder ~/Work", "All files",
    "Can see and control other windows (X11)", "Can inspect and debug other programs",
    "Can talk to: org.b", NULL,
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GVariant) none = cp_flatpak_permissions_from_metadata (bad[i], strlen (bad[i]), &error);

      g_assert_null (none);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
      g_clear_error (&error);
    }
  g_assert_null (cp_flatpak_permissions_from_metadata (with_nul, sizeof with_nul - 1, &error));
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_clear_error (&error);

  permissions = cp_flatpak_permissions_from_metadata (meta, strlen (meta), &error);
  g_assert_no_error (error);
  described = cp_flatpak_permissions_describe (permissions);
  g_assert_cmpstrv (described, expected);
}

/* The default installer targets the per-user installation (here the private
 * FLATPAK_USER_DIR) and also looks at the system one (FLATPAK_SYSTEM_DIR). */
static void
test_default_installations (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpFlatpakInstaller) user = cp_flatpak_installer_new_default (FALSE, NULL, &error);
  g_autoptr(GPtrArray) apps = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) installed = NULL;
  g_autoptr(GFile) root = NULL;
  g_autofree char *path = NULL;

  g_assert_no_error (error);
  g_assert_true (flatpak_installation_get_is_user (cp_flatpak_installer_get_installation (user)));
  root = flatpak_installation_get_path (cp_flatpak_installer_get_installation (user));
  path = g_file_get_path (root);
  g_assert_cmpstr (path, ==, g_getenv ("FLATPAK_USER_DIR"));

  g_ptr_array_add (apps, flatpak_app ("org.example.Hello", "corp", repo_url));
  installed = list_installed (CP_INSTALLER (user), apps);
  g_assert_cmpuint (g_hash_table_size (installed), ==, 0);
}

static void
test_not_flatpak (void)
{
  g_autoptr(FlatpakInstallation) installation = new_installation ();
  g_autoptr(CpFlatpakInstaller) installer = cp_flatpak_installer_new (installation);
  g_autoptr(JsonNode) node = json_from_string ("{\"id\":\"w\",\"name\":\"Web\",\"install\":"
                                               "{\"type\":\"web\",\"url\":\"https://x.example\"}}", NULL);
  g_autoptr(CpApp) web = cp_app_new_from_json (node, NULL);
  g_autoptr(CpInstallJob) job = NULL;
  Observer observer;

  g_assert_false (cp_installer_can_install (CP_INSTALLER (installer), web));
  job = install (CP_INSTALLER (installer), web, &observer, CP_INSTALL_STATE_NOT_INSTALLED);
  g_assert_error (observer.error, CP_ERROR, CP_ERROR_INVALID_INPUT);
  g_assert_cmpint (cp_install_job_get_state (job), ==, CP_INSTALL_STATE_FAILED);
  observer_clear (&observer);
}

static void
assert_maps (GQuark          domain,
             int             code,
             CpFlatpakStage  stage,
             GQuark          expected_domain,
             int             expected_code,
             const char     *expected_text)
{
  g_autoptr(GError) error = g_error_new_literal (domain, code, "underlying detail");
  g_autoptr(GError) mapped = cp_flatpak_map_error (error, "Writer", stage);

  g_assert_error (mapped, expected_domain, expected_code);
  if (expected_text != NULL)
    g_assert_nonnull (strstr (mapped->message, expected_text));
}

/* The mapping of every error class, including both forms of "no disk
 * space" (the real one is produced by /installer/flatpak/no-space). */
static void
test_error_mapping (void)
{
  assert_maps (G_IO_ERROR, G_IO_ERROR_NO_SPACE, CP_FLATPAK_STAGE_OPERATIONS,
               CP_ERROR, CP_ERROR_NO_SPACE, "disk space");
  assert_maps (FLATPAK_ERROR, FLATPAK_ERROR_OUT_OF_SPACE, CP_FLATPAK_STAGE_OPERATIONS,
               CP_ERROR, CP_ERROR_NO_SPACE, "disk space");
  assert_maps (FLATPAK_ERROR, FLATPAK_ERROR_ALREADY_INSTALLED, CP_FLATPAK_STAGE_PREPARE,
               CP_ERROR, CP_ERROR_CONFLICT, "Writer");
  assert_maps (FLATPAK_ERROR, FLATPAK_ERROR_REF_NOT_FOUND, CP_FLATPAK_STAGE_PREPARE,
               CP_ERROR, CP_ERROR_NOT_FOUND, "Writer");
  assert_maps (FLATPAK_ERROR, FLATPAK_ERROR_UNTRUSTED, CP_FLATPAK_STAGE_OPERATIONS,
               CP_ERROR, CP_ERROR_SECURITY, "Writer");
  assert_maps (g_quark_from_static_string ("OstreeGpgError"), 0, CP_FLATPAK_STAGE_PREPARE,
               CP_ERROR, CP_ERROR_SECURITY, "signature");
  assert_maps (FLATPAK_ERROR, FLATPAK_ERROR_PERMISSION_DENIED, CP_FLATPAK_STAGE_OPERATIONS,
               CP_ERROR, CP_ERROR_FORBIDDEN, "Writer");
  assert_maps (G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED, CP_FLATPAK_STAGE_PREPARE,
               CP_ERROR, CP_ERROR_FORBIDDEN, "Writer");
  assert_maps (G_DBUS_ERROR, G_DBUS_ERROR_AUTH_FAILED, CP_FLATPAK_STAGE_OPERATIONS,
               CP_ERROR, CP_ERROR_FORBIDDEN, "Writer");
  assert_maps (G_IO_ERROR, G_IO_ERROR_READ_ONLY, CP_FLATPAK_STAGE_PREPARE,
               CP_ERROR, CP_ERROR_FORBIDDEN, "Writer");
  assert_maps (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, CP_FLATPAK_STAGE_OPERATIONS,
               CP_ERROR, CP_ERROR_NETWORK, "underlying detail");
  assert_maps (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, CP_FLATPAK_STAGE_PREPARE,
               CP_ERROR, CP_ERROR_NETWORK, "cannot be reached");
  assert_maps (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, CP_FLATPAK_STAGE_OPERATIONS,
               CP_ERROR, CP_ERROR_FAILED, "underlying detail");
  assert_maps (G_IO_ERROR, G_IO_ERROR_FAILED, CP_FLATPAK_STAGE_REMOVAL,
               CP_ERROR, CP_ERROR_FAILED, "Removing Writer");
  assert_maps (FLATPAK_ERROR, FLATPAK_ERROR_NOT_INSTALLED, CP_FLATPAK_STAGE_REMOVAL,
               CP_ERROR, CP_ERROR_NOT_FOUND, "not installed");
  assert_maps (G_IO_ERROR, G_IO_ERROR_CANCELLED, CP_FLATPAK_STAGE_OPERATIONS,
               G_IO_ERROR, G_IO_ERROR_CANCELLED, NULL);
}

/* Run by run-small-fs.sh with a 2 MB tmpfs: the 3 MB app cannot fit. */
static void
test_no_space (void)
{
  const char *small_fs = g_getenv ("CP_SMALL_FS");
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(FlatpakInstallation) installation = NULL;
  g_autoptr(CpFlatpakInstaller) installer = NULL;
  g_autoptr(CpApp) big = flatpak_app ("org.example.Big", "corp", repo_url);
  g_autoptr(CpInstallJob) job = NULL;
  g_autoptr(GError) error = NULL;
  Observer observer;

  if (small_fs == NULL)
    {
      g_test_skip ("needs a small file system: run through run-small-fs.sh");
      return;
    }

  path = g_build_filename (small_fs, "installation", NULL);
  file = g_file_new_for_path (path);
  installation = flatpak_installation_new_for_path (file, TRUE, NULL, &error);
  g_assert_no_error (error);
  installer = cp_flatpak_installer_new (installation);

  job = install (CP_INSTALLER (installer), big, &observer, CP_INSTALL_STATE_NOT_INSTALLED);
  g_test_message ("error: %s", observer.error ? observer.error->message : "none");
  g_assert_error (observer.error, CP_ERROR, CP_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (observer.error->message, "disk space"));
  g_assert_cmpint (cp_install_job_get_state (job), ==, CP_INSTALL_STATE_FAILED);
  g_assert_false (app_installed (installation, "org.example.Big"));
  observer_clear (&observer);
}

static void
isolate_environment (void)
{
  g_autofree char *home = NULL;

  tmp_dir = cp_test_make_program_tmp_dir ("cp-installer-XXXXXX");
  home = g_build_filename (tmp_dir, "home", NULL);
  g_mkdir_with_parents (home, 0700);

  /* Nothing here may touch the real user's or the machine's installations. */
  g_setenv ("HOME", home, TRUE);
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  g_setenv ("XDG_CACHE_HOME", home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  g_setenv ("FLATPAK_USER_DIR", home, TRUE);
  g_setenv ("FLATPAK_SYSTEM_DIR", tmp_dir, TRUE);
  g_setenv ("FLATPAK_CONFIG_DIR", tmp_dir, TRUE);
  g_unsetenv ("http_proxy");
  g_unsetenv ("https_proxy");
  g_unsetenv ("all_proxy");
}

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

int
main (int argc, char *argv[])
{
  int result;

  isolate_environment ();
  g_test_init (&argc, &argv, NULL);

  build_repository ();
  held_messages = g_ptr_array_new_with_free_func (g_object_unref);
  start_server ();

  g_test_add_func ("/installer/flatpak/install-progress-remove", test_install_progress_and_remove);
  g_test_add_func ("/installer/flatpak/install-over-http", test_install_over_http);
  g_test_add_func ("/installer/flatpak/detect-installed", test_detect_installed);
  g_test_add_func ("/installer/flatpak/is-installed", test_is_installed);
  g_test_add_func ("/installer/flatpak/missing-ref", test_missing_ref);
  g_test_add_func ("/installer/flatpak/unreachable-file-remote", test_unreachable_file_remote);
  g_test_add_func ("/installer/flatpak/unreachable-http-remote", test_unreachable_http_remote);
  g_test_add_func ("/installer/flatpak/remote-without-url", test_remote_without_url);
  g_test_add_func ("/installer/flatpak/conflicting-remote", test_conflicting_remote);
  g_test_add_func ("/installer/flatpak/gpg-verified-by-default", test_gpg_verified_by_default);
  g_test_add_func ("/installer/flatpak/fails-half-way", test_fails_half_way);
  g_test_add_func ("/installer/flatpak/cancel-queued", test_cancel_queued);
  g_test_add_func ("/installer/flatpak/cancel-downloading", test_cancel_downloading);
  g_test_add_func ("/installer/flatpak/cancel-installing", test_cancel_installing);
  g_test_add_func ("/installer/flatpak/not-flatpak", test_not_flatpak);
  g_test_add_func ("/installer/flatpak/permissions", test_permissions);
  g_test_add_func ("/installer/flatpak/permissions-unknown-ref", test_permissions_unknown_ref);
  g_test_add_func ("/installer/flatpak/permissions-unreachable", test_permissions_unreachable);
  g_test_add_func ("/installer/flatpak/permissions-timeout", test_permissions_timeout);
  g_test_add_func ("/installer/flatpak/permissions-bad-metadata", test_permissions_bad_metadata);
  g_test_add_func ("/installer/flatpak/default-installations", test_default_installations);
  g_test_add_func ("/installer/flatpak/error-mapping", test_error_mapping);
  g_test_add_func ("/installer/flatpak/no-space", test_no_space);

  result = g_test_run ();

  g_clear_object (&server);
  return result;
}
