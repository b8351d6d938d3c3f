/* cp-app-installs.c: what the agent says about installs, for the Apps view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One object per window. It only mirrors the agent: nothing here decides
 * that an app is installed, ListInstalled and JobChanged do.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cp-agent-dbus.h"
#include "cp-error.h"
#include "cp-app-installs.h"

#define AGENT_NAME "io.github.companyportal.Agent1"
#define AGENT_PATH "/io/github/companyportal/Agent1"

typedef struct
{
  CpAppInstallState state;
  char             *job_id;
  double            fraction;
  guint64           bytes_done;
  guint64           bytes_total;
  char             *error;
  GCancellable     *preparing;   /* the entry being fetched for an install */
} AppEntry;

struct _CpAppInstalls
{
  GObject                     parent_instance;

  GCancellable               *cancellable;
  CpAgentDbusAgent1Installer *proxy;
  gboolean                    available;
  GHashTable                 *entries;   /* app id -> AppEntry */
  CpApiClient                *client;
};

G_DEFINE_FINAL_TYPE (CpAppInstalls, cp_app_installs, G_TYPE_OBJECT)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
app_entry_free (gpointer data)
{
  AppEntry *entry = data;

  g_free (entry->job_id);
  g_free (entry->error);
  if (entry->preparing != NULL)
    g_cancellable_cancel (entry->preparing);
  g_clear_object (&entry->preparing);
  g_free (entry);
}

static AppEntry *
lookup_entry (CpAppInstalls *self,
              const char    *app_id)
{
  AppEntry *entry = g_hash_table_lookup (self->entries, app_id);

  if (entry == NULL)
    {
      entry = g_new0 (AppEntry, 1);
      entry->state = CP_APP_INSTALL_STATE_NOT_INSTALLED;
      g_hash_table_insert (self->entries, g_strdup (app_id), entry);
    }
  return entry;
}

static void
emit_changed (CpAppInstalls *self,
              const char    *app_id)
{
  g_signal_emit (self, signals[CHANGED], app_id != NULL ? g_quark_from_string (app_id) : 0, app_id);
}

static CpAppInstallState
state_from_wire (const char *state,
                 const char *operation)
{
  if (g_strcmp0 (state, "queued") == 0)
    return g_strcmp0 (operation, "uninstall") == 0 ? CP_APP_INSTALL_STATE_REMOVING
                                                    : CP_APP_INSTALL_STATE_QUEUED;
  if (g_strcmp0 (state, "downloading") == 0)
    return CP_APP_INSTALL_STATE_DOWNLOADING;
  if (g_strcmp0 (state, "installing") == 0)
    return CP_APP_INSTALL_STATE_INSTALLING;
  if (g_strcmp0 (state, "installed") == 0)
    return CP_APP_INSTALL_STATE_INSTALLED;
  if (g_strcmp0 (state, "failed") == 0)
    return CP_APP_INSTALL_STATE_FAILED;
  if (g_strcmp0 (state, "removing") == 0)
    return CP_APP_INSTALL_STATE_REMOVING;
  if (g_strcmp0 (state, "notInstalled") == 0 || g_strcmp0 (state, "cancelled") == 0)
    return CP_APP_INSTALL_STATE_NOT_INSTALLED;
  return CP_APP_INSTALL_STATE_UNKNOWN;
}

static gboolean
state_is_running (CpAppInstallState state)
{
  return state == CP_APP_INSTALL_STATE_QUEUED || state == CP_APP_INSTALL_STATE_DOWNLOADING ||
         state == CP_APP_INSTALL_STATE_INSTALLING || state == CP_APP_INSTALL_STATE_REMOVING ||
         state == CP_APP_INSTALL_STATE_PREPARING;
}

static void
apply_job (CpAppInstalls     *self,
           const char        *job_id,
           const char        *app_id,
           CpAppInstallState  state,
           double             fraction,
           guint64            bytes_done,
           guint64            bytes_total,
           const char        *error_message)
{
  AppEntry *entry;

  if (app_id == NULL || app_id[0] == '\0' || state == CP_APP_INSTALL_STATE_UNKNOWN)
    return;
  entry = lookup_entry (self, app_id);
  /* A cancelled install leaves what Flatpak has: an app that was installed
   * before stays installed (the agent reports "cancelled" for the job only). */
  if (state == CP_APP_INSTALL_STATE_NOT_INSTALLED && entry->state == CP_APP_INSTALL_STATE_INSTALLED)
    state = CP_APP_INSTALL_STATE_INSTALLED;
  entry->state = state;
  g_free (entry->job_id);
  entry->job_id = state_is_running (state) ? g_strdup (job_id) : NULL;
  entry->fraction = CLAMP (fraction, 0.0, 1.0);
  entry->bytes_done = bytes_done;
  entry->bytes_total = bytes_total;
  g_free (entry->error);
  entry->error = state == CP_APP_INSTALL_STATE_FAILED && error_message != NULL && error_message[0] != '\0'
                 ? g_strdup (error_message) : NULL;
  emit_changed (self, app_id);
}

static void
job_changed_cb (CpAgentDbusAgent1Installer *proxy,
                const char                 *job_id,
                const char                 *app_id,
                const char                 *state,
                double                      fraction,
                guint64                     bytes_done,
                guint64                     bytes_total,
                const char                 *error_message,
                CpAppInstalls              *self)
{
  AppEntry *entry = g_hash_table_lookup (self->entries, app_id);
  const char *operation = entry != NULL && entry->state == CP_APP_INSTALL_STATE_REMOVING ? "uninstall" : "install";

  g_debug ("job %s of %s: %s", job_id, app_id, state);
  apply_job (self, job_id, app_id, state_from_wire (state, operation),
             fraction, bytes_done, bytes_total, error_message);
  /* "cancelled" of an install: ask Flatpak what is there now. */
  if (g_strcmp0 (state, "cancelled") == 0)
    cp_app_installs_refresh (self);
}

static void
set_available (CpAppInstalls *self,
               gboolean       available)
{
  if (self->available == available)
    return;
  self->available = available;
  emit_changed (self, NULL);
}

static void
get_jobs_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CpAppInstalls) self = user_data;
  g_autoptr(GVariant) jobs = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  const char *job_id, *app_id;
  GVariant *job;

  if (!cp_agent_dbus_agent1_installer_call_get_jobs_finish (CP_AGENT_DBUS_AGENT1_INSTALLER (source),
                                                            &jobs, result, &error))
    {
      g_debug ("GetJobs: %s", error->message);
      return;
    }
  /* Oldest first: the newest job of an app is applied last. */
  g_variant_iter_init (&iter, jobs);
  while (g_variant_iter_loop (&iter, "(&s&s@a{sv})", &job_id, &app_id, &job))
    {
      const char *state = NULL, *operation = NULL, *message = NULL;
      double fraction = 0;
      guint64 done = 0, total = 0;

      g_variant_lookup (job, "state", "&s", &state);
      g_variant_lookup (job, "operation", "&s", &operation);
      g_variant_lookup (job, "fraction", "d", &fraction);
      g_variant_lookup (job, "bytes-done", "t", &done);
      g_variant_lookup (job, "bytes-total", "t", &total);
      g_variant_lookup (job, "error-message", "&s", &message);
      /* Finished jobs older than ListInstalled are not news, except failures. */
      if (g_strcmp0 (state, "installed") == 0 || g_strcmp0 (state, "cancelled") == 0 ||
          g_strcmp0 (state, "notInstalled") == 0)
        continue;
      apply_job (self, job_id, app_id, state_from_wire (state, operation), fraction, done, total, message);
    }
}

static void
list_installed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(CpAppInstalls) self = user_data;
  g_auto(GStrv) ids = NULL;
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer key, value;

  if (!cp_agent_dbus_agent1_installer_call_list_installed_finish (CP_AGENT_DBUS_AGENT1_INSTALLER (source),
                                                                  &ids, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_debug ("ListInstalled: %s", error->message);
          set_available (self, FALSE);
        }
      return;
    }

  /* What is not listed and not busy is not installed. */
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      AppEntry *entry = value;

      if (!state_is_running (entry->state) && entry->state != CP_APP_INSTALL_STATE_FAILED)
        entry->state = CP_APP_INSTALL_STATE_NOT_INSTALLED;
    }
  for (guint i = 0; ids[i] != NULL; i++)
    {
      AppEntry *entry = lookup_entry (self, ids[i]);

      if (!state_is_running (entry->state))
        entry->state = CP_APP_INSTALL_STATE_INSTALLED;
    }
  self->available = TRUE;
  emit_changed (self, NULL);
  cp_agent_dbus_agent1_installer_call_get_jobs (self->proxy, self->cancellable,
                                                get_jobs_cb, g_object_ref (self));
}

void
cp_app_installs_refresh (CpAppInstalls *self)
{
  g_return_if_fail (CP_IS_APP_INSTALLS (self));

  if (self->proxy == NULL)
    return;
  cp_agent_dbus_agent1_installer_call_list_installed (self->proxy, self->cancellable,
                                                      list_installed_cb, g_object_ref (self));
}

static void
proxy_ready_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(CpAppInstalls) self = user_data;
  g_autoptr(GError) error = NULL;

  self->proxy = cp_agent_dbus_agent1_installer_proxy_new_finish (result, &error);
  if (self->proxy == NULL)
    {
      g_debug ("no session bus for the agent: %s", error->message);
      return;
    }
  /* Long installs: the agent answers at once, but a slow bus must not fail a call. */
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (self->proxy), 60000);
  g_signal_connect_object (self->proxy, "job-changed", G_CALLBACK (job_changed_cb), self, 0);
  cp_app_installs_refresh (self);
}

static void
cp_app_installs_dispose (GObject *object)
{
  CpAppInstalls *self = CP_APP_INSTALLS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->proxy);
  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (cp_app_installs_parent_class)->dispose (object);
}

static void
cp_app_installs_class_init (CpAppInstallsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cp_app_installs_dispose;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                   G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
cp_app_installs_init (CpAppInstalls *self)
{
  self->cancellable = g_cancellable_new ();
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, app_entry_free);
}

CpAppInstalls *
cp_app_installs_new_for_connection (GDBusConnection *connection)
{
  CpAppInstalls *self = g_object_new (CP_TYPE_APP_INSTALLS, NULL);

  if (connection != NULL)
    cp_agent_dbus_agent1_installer_proxy_new (connection, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                              AGENT_NAME, AGENT_PATH, self->cancellable,
                                              proxy_ready_cb, g_object_ref (self));
  else
    cp_agent_dbus_agent1_installer_proxy_new_for_bus (G_BUS_TYPE_SESSION,
                                                      G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                                      AGENT_NAME, AGENT_PATH, self->cancellable,
                                                      proxy_ready_cb, g_object_ref (self));
  return self;
}

CpAppInstalls *
cp_app_installs_new (void)
{
  return cp_app_installs_new_for_connection (NULL);
}

gboolean
cp_app_installs_is_agent_available (CpAppInstalls *self)
{
  g_return_val_if_fail (CP_IS_APP_INSTALLS (self), FALSE);
  return self->available;
}

CpAppInstallState
cp_app_installs_get_state (CpAppInstalls *self,
                           const char    *app_id)
{
  AppEntry *entry;

  g_return_val_if_fail (CP_IS_APP_INSTALLS (self), CP_APP_INSTALL_STATE_UNKNOWN);

  if (!self->available)
    return CP_APP_INSTALL_STATE_UNKNOWN;
  entry = g_hash_table_lookup (self->entries, app_id);
  return entry != NULL ? entry->state : CP_APP_INSTALL_STATE_NOT_INSTALLED;
}

double
cp_app_installs_get_progress (CpAppInstalls *self,
                              const char    *app_id,
                              guint64       *bytes_done,
                              guint64       *bytes_total)
{
  AppEntry *entry;

  g_return_val_if_fail (CP_IS_APP_INSTALLS (self), 0);

  entry = g_hash_table_lookup (self->entries, app_id);
  if (bytes_done != NULL)
    *bytes_done = entry != NULL ? entry->bytes_done : 0;
  if (bytes_total != NULL)
    *bytes_total = entry != NULL ? entry->bytes_total : 0;
  return entry != NULL ? entry->fraction : 0;
}

const char *
cp_app_installs_get_error (CpAppInstalls *self,
                           const char    *app_id)
{
  AppEntry *entry;

  g_return_val_if_fail (CP_IS_APP_INSTALLS (self), NULL);

  entry = g_hash_table_lookup (self->entries, app_id);
  return entry != NULL ? entry->error : NULL;
}

/* Install and Uninstall: the entry from the server, then the agent */

typedef struct
{
  CpAppInstalls *self;
  char          *app_id;
  gboolean       uninstall;
  GCancellable  *cancellable;
} CallData;

static void
call_data_free (CallData *data)
{
  g_object_unref (data->self);
  g_free (data->app_id);
  g_clear_object (&data->cancellable);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CallData, call_data_free)

/* An uninstall that could not start leaves the app installed, with the reason. */
static void
call_failed (CallData   *data,
             const char *message)
{
  AppEntry *entry;

  g_debug ("%s of %s: %s", data->uninstall ? "uninstall" : "install", data->app_id, message);
  if (!data->uninstall)
    {
      apply_job (data->self, NULL, data->app_id, CP_APP_INSTALL_STATE_FAILED, 0, 0, 0, message);
      return;
    }
  entry = lookup_entry (data->self, data->app_id);
  apply_job (data->self, NULL, data->app_id, CP_APP_INSTALL_STATE_INSTALLED, 0, 0, 0, NULL);
  entry->error = g_strdup (message);
  emit_changed (data->self, data->app_id);
}

/* The job id comes back at once; the state follows in JobChanged. */
static void
queued_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(CallData) data = user_data;
  g_autoptr(GVariant) ret = NULL;
  g_autoptr(GError) error = NULL;

  ret = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  if (ret != NULL && data->self->entries != NULL)
    {
      AppEntry *entry = lookup_entry (data->self, data->app_id);

      if (state_is_running (entry->state) && entry->job_id == NULL)
        g_variant_get (ret, "(s)", &entry->job_id);
    }
  else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_dbus_error_strip_remote_error (error);
      call_failed (data, error->message);
    }
}

static void
entry_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(CallData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = cp_api_client_get_app_finish (CP_API_CLIENT (source), result, &error);
  CpAppInstalls *self = data->self;
  g_autofree char *json = NULL;
  const char *method;
  AppEntry *entry;

  if (self->entries == NULL)
    return;
  entry = lookup_entry (self, data->app_id);
  if (entry->preparing == data->cancellable)
    g_clear_object (&entry->preparing);
  if (cp_error_is_cancelled (error))
    return;
  if (node == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The app’s details could not be fetched from the server: %s"),
                                                  error->message);
      call_failed (data, message);
      return;
    }
  if (self->proxy == NULL || !self->available)
    {
      call_failed (data, _("The Company Portal agent is not running."));
      return;
    }
  if (data->uninstall)
    apply_job (self, NULL, data->app_id, CP_APP_INSTALL_STATE_REMOVING, 0, 0, 0, NULL);
  else
    apply_job (self, NULL, data->app_id, CP_APP_INSTALL_STATE_QUEUED, 0, 0, 0, NULL);
  json = json_to_string (node, FALSE);
  method = data->uninstall ? "Uninstall" : "Install";
  g_dbus_proxy_call (G_DBUS_PROXY (self->proxy), method,
                     g_variant_new ("(ss)", cp_api_client_get_api_base_url (self->client), json),
                     G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable, queued_cb, g_steal_pointer (&data));
}

static void
start_job (CpAppInstalls *self,
           const char    *app_id,
           gboolean       uninstall)
{
  CallData *data;
  AppEntry *entry;

  if (self->proxy == NULL || !self->available)
    return;
  entry = lookup_entry (self, app_id);
  if (entry->preparing != NULL)
    return;
  data = g_new0 (CallData, 1);
  data->self = g_object_ref (self);
  data->app_id = g_strdup (app_id);
  data->uninstall = uninstall;
  if (self->client == NULL)
    {
      call_failed (data, _("The app’s details could not be fetched: not signed in to a server."));
      call_data_free (data);
      return;
    }
  data->cancellable = g_cancellable_new ();
  entry->preparing = g_object_ref (data->cancellable);
  apply_job (self, NULL, app_id, uninstall ? CP_APP_INSTALL_STATE_REMOVING : CP_APP_INSTALL_STATE_PREPARING,
             0, 0, 0, NULL);
  cp_api_client_get_app_async (self->client, app_id, data->cancellable, entry_cb, data);
}

void
cp_app_installs_set_client (CpAppInstalls *self,
                            CpApiClient   *client)
{
  g_return_if_fail (CP_IS_APP_INSTALLS (self));
  g_return_if_fail (client == NULL || CP_IS_API_CLIENT (client));
  g_set_object (&self->client, client);
}

void
cp_app_installs_install (CpAppInstalls *self,
                         const char    *app_id)
{
  g_return_if_fail (CP_IS_APP_INSTALLS (self));
  start_job (self, app_id, FALSE);
}

void
cp_app_installs_uninstall (CpAppInstalls *self,
                           const char    *app_id)
{
  g_return_if_fail (CP_IS_APP_INSTALLS (self));
  start_job (self, app_id, TRUE);
}

/* Permissions */

static void
permissions_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) permissions = NULL;
  g_autoptr(GError) error = NULL;

  if (!cp_agent_dbus_agent1_installer_call_get_permissions_finish (CP_AGENT_DBUS_AGENT1_INSTALLER (source),
                                                                   &permissions, result, &error))
    {
      g_dbus_error_strip_remote_error (error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&permissions), (GDestroyNotify) g_variant_unref);
}

static void
permissions_entry_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CpAppInstalls *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = cp_api_client_get_app_finish (CP_API_CLIENT (source), result, &error);
  g_autofree char *json = NULL;

  if (node == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (self->proxy == NULL)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_AGENT_MISSING,
                               _("The Company Portal agent is not running."));
      return;
    }
  json = json_to_string (node, FALSE);
  cp_agent_dbus_agent1_installer_call_get_permissions (self->proxy, json, g_task_get_cancellable (task),
                                                       permissions_cb, g_object_ref (task));
}

void
cp_app_installs_get_permissions_async (CpAppInstalls       *self,
                                       const char          *app_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CP_IS_APP_INSTALLS (self));
  g_return_if_fail (app_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_app_installs_get_permissions_async);
  if (self->proxy == NULL || !self->available || self->client == NULL)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_AGENT_MISSING,
                               _("The Company Portal agent is not running."));
      return;
    }
  cp_api_client_get_app_async (self->client, app_id, cancellable, permissions_entry_cb,
                               g_steal_pointer (&task));
}

GVariant *
cp_app_installs_get_permissions_finish (CpAppInstalls  *self,
                                        GAsyncResult   *result,
                                        GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cp_app_installs_get_permissions_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
cancel_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!cp_agent_dbus_agent1_installer_call_cancel_finish (CP_AGENT_DBUS_AGENT1_INSTALLER (source),
                                                          result, &error))
    g_debug ("Cancel: %s", error->message);
}

void
cp_app_installs_cancel (CpAppInstalls *self,
                        const char    *app_id)
{
  AppEntry *entry;

  g_return_if_fail (CP_IS_APP_INSTALLS (self));

  entry = g_hash_table_lookup (self->entries, app_id);
  /* Still fetching the entry: nothing was asked of the agent yet. */
  if (entry != NULL && entry->preparing != NULL && entry->state == CP_APP_INSTALL_STATE_PREPARING)
    {
      g_cancellable_cancel (entry->preparing);
      g_clear_object (&entry->preparing);
      apply_job (self, NULL, app_id, CP_APP_INSTALL_STATE_NOT_INSTALLED, 0, 0, 0, NULL);
      return;
    }
  if (self->proxy == NULL || entry == NULL || entry->job_id == NULL)
    return;
  cp_agent_dbus_agent1_installer_call_cancel (self->proxy, entry->job_id, self->cancellable,
                                              cancel_cb, NULL);
}
