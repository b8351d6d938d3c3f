/* cp-agent-installer.c: the io.github.companyportal.Agent1.Installer interface
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

#include "company-portal.h"
#include "cp-agent-dbus.h"
#include "cp-agent-errors.h"
#include "cp-agent-installer.h"
#include "cp-agent-service.h"
#include "cp-flatpak-installer.h"
#include "../core/cp-json-private.h"

/* Finished jobs GetJobs still shows, and for how long. */
#define MAX_FINISHED_JOBS   32
#define FINISHED_JOB_TTL    (10 * 60)

struct _CpAgentInstaller
{
  GObject                     parent_instance;

  GApplication               *app;        /* not owned: the application owns us */
  CpEnrollmentStore          *enrollments;
  CpInstallReporter          *reporter;
  CpAgentDbusAgent1Installer *skeleton;
  CpFlatpakInstaller         *installers[2];  /* user, system; made when first needed */
  GPtrArray                  *jobs;       /* Job, oldest first: active and recently finished */
  GQueue                      waiting;    /* Job, not yet started */
  gpointer                    running;    /* Job */
};

G_DEFINE_FINAL_TYPE (CpAgentInstaller, cp_agent_installer, G_TYPE_OBJECT)

typedef struct
{
  CpAgentInstaller *self;         /* not owned: unset when the installer goes */
  char             *id;
  char             *server;
  CpApp            *app;
  CpInstallJob     *job;
  gboolean          uninstall;
  gboolean          system;
  gboolean          active;       /* queued or running */
  gint64            finished_at;  /* monotonic seconds */
  guint             progress_id;
} Job;

static void start_next (CpAgentInstaller *self);

static void
job_clear (Job *job)
{
  g_clear_handle_id (&job->progress_id, g_source_remove);
  if (job->job != NULL)
    g_signal_handlers_disconnect_by_data (job->job, job);
  g_clear_object (&job->job);
  g_clear_object (&job->app);
  g_free (job->id);
  g_free (job->server);
}

static Job *
job_ref (Job *job)
{
  return g_rc_box_acquire (job);
}

static void
job_unref (Job *job)
{
  g_rc_box_release_full (job, (GDestroyNotify) job_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Job, job_unref)

/* Catalog entries */

/* "installation": absent, null or "" for the user's own, "user" or "system". */
static gboolean
read_installation (JsonObject  *entry,
                   gboolean    *system,
                   GError     **error)
{
  JsonObject *method = json_object_get_object_member (entry, "install");
  JsonNode *node = method ? json_object_get_member (method, "installation") : NULL;
  const char *value;

  *system = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      value = json_node_get_string (node);
      if (*value == '\0' || g_str_equal (value, "user"))
        return TRUE;
      if (g_str_equal (value, "system"))
        {
          *system = TRUE;
          return TRUE;
        }
    }
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
               _("The app catalog has an entry with an invalid “%s”."), "installation");
  return FALSE;
}

/* One catalog entry as the server sent it; only Flatpak apps are installed here. */
static CpApp *
parse_app (const char  *app_json,
           gboolean    *system,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(CpApp) app = NULL;
  g_autoptr(JsonNode) root = NULL;

  if (strlen (app_json) > CP_AGENT_INSTALLER_MAX_APP_JSON)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                           _("The catalog entry is too large."));
      return NULL;
    }
  /* Strict, bounded in depth, UTF-8 (cp-json-private.h). */
  root = cp_json_parse (app_json, strlen (app_json), NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                           _("The catalog entry is not a JSON object."));
      return NULL;
    }

  /* The window passed it on; for the agent it is input, not server data. */
  if (!(app = cp_app_new_from_json (root, &local_error)))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_INPUT, local_error->message);
      return NULL;
    }

  switch (cp_app_get_install_method (app))
    {
    case CP_INSTALL_METHOD_FLATPAK:
      break;
    case CP_INSTALL_METHOD_NONE:
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                           cp_app_get_unsupported_reason (app));
      return NULL;
    default:
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                   _("%s is not a Flatpak app: it is opened from the Company Portal window, "
                     "not installed by the device agent."), cp_app_get_name (app));
      return NULL;
    }

  if (!read_installation (json_node_get_object (root), system, error))
    return NULL;
  return g_steal_pointer (&app);
}

/* Jobs as D-Bus sees them */

/* The system installation is polkit's to allow: say so instead of a bare "not allowed". */
static char *
dup_error_message (Job *job)
{
  const GError *error = cp_install_job_get_error (job->job);

  if (cp_install_job_get_state (job->job) != CP_INSTALL_STATE_FAILED || error == NULL)
    return g_strdup ("");
  if (job->system && g_error_matches (error, CP_ERROR, CP_ERROR_FORBIDDEN))
    return g_strdup_printf (job->uninstall
                            ? _("Removing %s for all users of this computer needs an "
                                "administrator’s permission, which was not given.")
                            : _("Installing %s for all users of this computer needs an "
                                "administrator’s permission, which was not given."),
                            cp_app_get_name (job->app));
  return g_strdup (error->message);
}

static void
emit_job_changed (Job *job)
{
  g_autofree char *message = dup_error_message (job);

  g_clear_handle_id (&job->progress_id, g_source_remove);
  if (job->self == NULL)
    return;

  cp_agent_dbus_agent1_installer_emit_job_changed (job->self->skeleton, job->id,
                                                   cp_app_get_id (job->app),
                                                   cp_install_state_to_string (cp_install_job_get_state (job->job)),
                                                   cp_install_job_get_fraction (job->job),
                                                   cp_install_job_get_bytes_done (job->job),
                                                   cp_install_job_get_bytes_total (job->job),
                                                   message);
}

static gboolean
progress_idle_cb (gpointer user_data)
{
  Job *job = user_data;

  job->progress_id = 0;
  emit_job_changed (job);
  return G_SOURCE_REMOVE;
}

/* States go out at once; progress (three properties per update) once per update. */
static void
job_notify_cb (CpInstallJob *cjob,
               GParamSpec   *pspec,
               Job          *job)
{
  if (g_str_equal (pspec->name, "state"))
    emit_job_changed (job);
  else if (!g_str_equal (pspec->name, "error-message") && job->progress_id == 0)
    job->progress_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, progress_idle_cb, job, NULL);
}

static GVariant *
job_to_variant (Job *job)
{
  g_autofree char *message = dup_error_message (job);
  const GError *error = cp_install_job_get_error (job->job);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "state",
                         g_variant_new_string (cp_install_state_to_string (cp_install_job_get_state (job->job))));
  g_variant_builder_add (&builder, "{sv}", "operation",
                         g_variant_new_string (job->uninstall ? "uninstall" : "install"));
  g_variant_builder_add (&builder, "{sv}", "fraction",
                         g_variant_new_double (cp_install_job_get_fraction (job->job)));
  g_variant_builder_add (&builder, "{sv}", "bytes-done",
                         g_variant_new_uint64 (cp_install_job_get_bytes_done (job->job)));
  g_variant_builder_add (&builder, "{sv}", "bytes-total",
                         g_variant_new_uint64 (cp_install_job_get_bytes_total (job->job)));
  g_variant_builder_add (&builder, "{sv}", "server", g_variant_new_string (job->server));
  g_variant_builder_add (&builder, "{sv}", "installation",
                         g_variant_new_string (job->system ? "system" : "user"));
  if (*message != '\0')
    {
      g_autofree char *name = g_dbus_error_encode_gerror (error);

      g_variant_builder_add (&builder, "{sv}", "error-message", g_variant_new_string (message));
      g_variant_builder_add (&builder, "{sv}", "error-code", g_variant_new_string (name));
    }
  return g_variant_builder_end (&builder);
}

/* The job list */

static Job *
find_job (CpAgentInstaller *self,
          const char       *id)
{
  for (guint i = 0; i < self->jobs->len; i++)
    {
      Job *job = g_ptr_array_index (self->jobs, i);

      if (g_str_equal (job->id, id))
        return job;
    }
  return NULL;
}

static gboolean
state_is_final (Job *job)
{
  switch (cp_install_job_get_state (job->job))
    {
    case CP_INSTALL_STATE_INSTALLED:
    case CP_INSTALL_STATE_FAILED:
    case CP_INSTALL_STATE_CANCELLED:
      return TRUE;
    case CP_INSTALL_STATE_NOT_INSTALLED:
      return job->uninstall;
    default:
      return FALSE;
    }
}

static Job *
find_active_job (CpAgentInstaller *self,
                 const char       *app_id,
                 guint            *n_active)
{
  Job *found = NULL;

  *n_active = 0;
  for (guint i = 0; i < self->jobs->len; i++)
    {
      Job *job = g_ptr_array_index (self->jobs, i);

      if (!job->active)
        continue;
      (*n_active)++;
      /* An app found already installed shows its final state before the job
       * ends: what the window saw is what counts. */
      if (g_str_equal (cp_app_get_id (job->app), app_id) && !state_is_final (job))
        found = job;
    }
  return found;
}

/* Finished jobs stay a while for a window that reconnects. */
static void
prune_finished (CpAgentInstaller *self)
{
  gint64 now = g_get_monotonic_time () / G_USEC_PER_SEC;
  guint finished = 0;

  for (guint i = self->jobs->len; i > 0; i--)
    {
      Job *job = g_ptr_array_index (self->jobs, i - 1);

      if (job->active)
        continue;
      if (++finished > MAX_FINISHED_JOBS || now - job->finished_at > FINISHED_JOB_TTL)
        g_ptr_array_remove_index (self->jobs, i - 1);
    }
}

static CpFlatpakInstaller *
get_installer (CpAgentInstaller  *self,
               gboolean           system,
               GError           **error)
{
  if (self->installers[system] == NULL)
    self->installers[system] = cp_flatpak_installer_new_default (system, NULL, error);
  return self->installers[system];
}

/* Reports */

static void
report (Job        *job,
        const char *state,
        const char *message)
{
  if (job->self != NULL)
    cp_install_reporter_add (job->self->reporter, job->server, cp_app_get_id (job->app),
                             state, message);
}

static void
job_finish (Job *job)
{
  CpAgentInstaller *self = job->self;

  job->active = FALSE;
  job->finished_at = g_get_monotonic_time () / G_USEC_PER_SEC;
  g_debug ("Job %s (%s of %s) ended %s", job->id, job->uninstall ? "removal" : "install",
           cp_app_get_id (job->app), cp_install_state_to_string (cp_install_job_get_state (job->job)));
  if (self == NULL)
    return;

  if (self->running == job)
    self->running = NULL;
  g_application_release (self->app);
  start_next (self);
}

static void
truth_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(Job) job = user_data;
  g_autoptr(GError) error = NULL;
  gboolean installed = FALSE;

  if (!cp_installer_is_installed_finish (CP_INSTALLER (source), result, &installed, &error))
    g_debug ("Cannot tell whether %s is installed: %s", cp_app_get_id (job->app), error->message);
  else
    report (job, installed ? CP_INSTALL_REPORT_INSTALLED : CP_INSTALL_REPORT_NOT_INSTALLED, NULL);
  job_finish (job);
}

/* After a cancel, what Flatpak says is the truth the organisation hears. */
static void
report_truth_and_finish (Job *job)
{
  CpFlatpakInstaller *installer = job->self ? get_installer (job->self, job->system, NULL) : NULL;

  if (installer == NULL)
    {
      job_finish (job);
      return;
    }
  cp_installer_is_installed_async (CP_INSTALLER (installer), job->app, NULL, truth_cb, job_ref (job));
}

static void
report_outcome (Job          *job,
                const GError *error)
{
  g_autofree char *message = dup_error_message (job);
  CpInstallState state = cp_install_job_get_state (job->job);

  if (state == CP_INSTALL_STATE_CANCELLED)
    {
      report_truth_and_finish (job);
      return;
    }

  if (!job->uninstall && state == CP_INSTALL_STATE_INSTALLED)
    report (job, CP_INSTALL_REPORT_INSTALLED, NULL);
  else if (!job->uninstall)
    report (job, CP_INSTALL_REPORT_FAILED, message);
  else if (state == CP_INSTALL_STATE_NOT_INSTALLED ||
           g_error_matches (error, CP_ERROR, CP_ERROR_NOT_FOUND))  /* it was not there */
    report (job, CP_INSTALL_REPORT_NOT_INSTALLED, NULL);
  else
    report (job, CP_INSTALL_REPORT_UNINSTALL_FAILED, message);
  job_finish (job);
}

static void
operation_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Job) job = user_data;
  g_autoptr(GError) error = NULL;

  if (job->uninstall)
    cp_installer_uninstall_finish (CP_INSTALLER (source), result, &error);
  else
    cp_installer_install_finish (CP_INSTALLER (source), result, &error);
  if (error != NULL)
    g_debug ("Job %s: %s", job->id, error->message);
  report_outcome (job, error);
}

/* Only root writes the system installation itself (anyone else goes through
 * Flatpak's system helper, which asks polkit). libflatpak does not survive a
 * system installation root cannot write (it crashes adding the remote), so
 * that case is refused here, as polkit would refuse it. */
static gboolean
check_system_installation (CpFlatpakInstaller  *installer,
                           Job                 *job,
                           GError             **error)
{
  FlatpakInstallation *installation = cp_flatpak_installer_get_installation (installer);
  g_autoptr(GFile) root = NULL;
  g_autofree char *path = NULL;

  if (!job->system || getuid () != 0)
    return TRUE;

  /* flatpak_installation_get_path() returns a new reference. */
  root = flatpak_installation_get_path (installation);
  path = g_file_get_path (root);
  if (path != NULL && g_mkdir_with_parents (path, 0755) == 0 && access (path, W_OK) == 0)
    return TRUE;

  g_debug ("The system installation %s cannot be written: %s", path, g_strerror (errno));
  g_set_error (error, CP_ERROR, CP_ERROR_FORBIDDEN,
               _("You are not allowed to install or remove %s here."), cp_app_get_name (job->app));
  return FALSE;
}

/* One transaction at a time, in the order asked. */
static void
start_next (CpAgentInstaller *self)
{
  g_autoptr(GError) error = NULL;
  CpFlatpakInstaller *installer;
  Job *job;

  if (self->running != NULL || (job = g_queue_pop_head (&self->waiting)) == NULL)
    return;

  self->running = job;
  installer = get_installer (self, job->system, &error);
  if (installer == NULL || !check_system_installation (installer, job, &error))
    {
      cp_install_job_set_failed (job->job, error);
      report_outcome (job, error);
      return;
    }

  g_debug ("Job %s: %s %s (%s installation)", job->id, job->uninstall ? "removing" : "installing",
           cp_app_get_id (job->app), job->system ? "system" : "user");
  if (job->uninstall)
    cp_installer_uninstall_async (CP_INSTALLER (installer), job->app, job->job,
                                  operation_done_cb, job_ref (job));
  else
    cp_installer_install_async (CP_INSTALLER (installer), job->app, job->job,
                                operation_done_cb, job_ref (job));
}

static Job *
job_new (CpAgentInstaller *self,
         const char       *server,
         CpApp            *app,
         gboolean          uninstall,
         gboolean          system)
{
  Job *job = g_rc_box_new0 (Job);

  job->self = self;
  job->id = g_uuid_string_random ();
  job->server = g_strdup (server);
  job->app = g_object_ref (app);
  job->uninstall = uninstall;
  job->system = system;
  job->active = TRUE;
  job->job = cp_install_job_new (cp_app_get_id (app), NULL);
  g_signal_connect (job->job, "notify", G_CALLBACK (job_notify_cb), job);
  return job;
}

/* Install and Uninstall */

static void
handle_operation (CpAgentInstaller      *self,
                  GDBusMethodInvocation *invocation,
                  const char            *server_url,
                  const char            *app_json,
                  gboolean               uninstall)
{
  g_autofree char *server = NULL;
  g_autoptr(CpApp) app = NULL;
  GError *error = NULL;
  gboolean system = FALSE;
  guint n_active = 0;
  Job *job;

  if (!(server = cp_agent_normalize_server_url (server_url, &error)) ||
      !(app = parse_app (app_json, &system, &error)))
    {
      g_dbus_method_invocation_take_error (invocation, error);
      return;
    }

  /* Asking twice is one job; asking for the opposite must wait for it. */
  if ((job = find_active_job (self, cp_app_get_id (app), &n_active)) != NULL)
    {
      if (job->uninstall == uninstall)
        g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", job->id));
      else
        g_dbus_method_invocation_return_error (invocation, CP_ERROR, CP_ERROR_CONFLICT,
                                               _("%s is being installed or removed; try again "
                                                 "when that has finished."), cp_app_get_name (app));
      return;
    }
  if (n_active >= CP_AGENT_INSTALLER_MAX_ACTIVE)
    {
      g_dbus_method_invocation_return_error_literal (invocation, CP_ERROR, CP_ERROR_CONFLICT,
                                                     _("Too many installs are waiting; try again "
                                                       "when some have finished."));
      return;
    }

  prune_finished (self);
  job = job_new (self, server, app, uninstall, system);
  g_ptr_array_add (self->jobs, job);
  g_application_hold (self->app);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", job->id));

  cp_install_job_set_state (job->job, CP_INSTALL_STATE_QUEUED);
  if (!uninstall)
    report (job, CP_INSTALL_REPORT_PENDING, NULL);
  g_queue_push_tail (&self->waiting, job);
  start_next (self);
}

static gboolean
handle_install_cb (CpAgentDbusAgent1Installer *skeleton,
                   GDBusMethodInvocation      *invocation,
                   const char                 *server_url,
                   const char                 *app_json,
                   CpAgentInstaller           *self)
{
  handle_operation (self, invocation, server_url, app_json, FALSE);
  return TRUE;
}

static gboolean
handle_uninstall_cb (CpAgentDbusAgent1Installer *skeleton,
                     GDBusMethodInvocation      *invocation,
                     const char                 *server_url,
                     const char                 *app_json,
                     CpAgentInstaller           *self)
{
  handle_operation (self, invocation, server_url, app_json, TRUE);
  return TRUE;
}

/* Cancel */

static gboolean
handle_cancel_cb (CpAgentDbusAgent1Installer *skeleton,
                  GDBusMethodInvocation      *invocation,
                  const char                 *job_id,
                  CpAgentInstaller           *self)
{
  Job *job = find_job (self, job_id);

  if (job == NULL)
    {
      g_dbus_method_invocation_return_error_literal (invocation, CP_ERROR, CP_ERROR_NOT_FOUND,
                                                     _("There is no such install job."));
      return TRUE;
    }

  g_dbus_method_invocation_return_value (invocation, NULL);
  if (!job->active)
    return TRUE;

  /* A job that never started ends here; a running one when libflatpak stops. */
  if (g_queue_remove (&self->waiting, job))
    {
      cp_install_job_set_state (job->job, CP_INSTALL_STATE_CANCELLED);
      report_outcome (job, NULL);
    }
  else
    {
      cp_install_job_cancel (job->job);
    }
  return TRUE;
}

/* GetPermissions */

static void
permissions_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GApplication *app = g_object_get_data (G_OBJECT (invocation), "cp-app");
  g_autoptr(GVariant) permissions = NULL;
  GError *error = NULL;

  /* Held while the remote was asked: an idle agent must not exit meanwhile. */
  g_application_release (app);
  permissions = cp_flatpak_installer_fetch_permissions_finish (CP_FLATPAK_INSTALLER (source),
                                                               result, &error);
  if (permissions == NULL)
    {
      g_debug ("GetPermissions: %s", error->message);
      g_dbus_method_invocation_take_error (invocation, error);
      return;
    }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@a{sv})", permissions));
}

static gboolean
handle_get_permissions_cb (CpAgentDbusAgent1Installer *skeleton,
                           GDBusMethodInvocation      *invocation,
                           const char                 *app_json,
                           CpAgentInstaller           *self)
{
  g_autoptr(CpApp) app = NULL;
  CpFlatpakInstaller *installer;
  GError *error = NULL;
  gboolean system = FALSE;

  if (!(app = parse_app (app_json, &system, &error)) ||
      !(installer = get_installer (self, system, &error)))
    {
      g_dbus_method_invocation_take_error (invocation, error);
      return TRUE;
    }
  g_application_hold (self->app);
  g_object_set_data (G_OBJECT (invocation), "cp-app", self->app);
  cp_flatpak_installer_fetch_permissions_async (installer, app, CP_AGENT_INSTALLER_PERMISSIONS_TIMEOUT,
                                                NULL, permissions_cb, g_object_ref (invocation));
  return TRUE;
}

/* ListInstalled */

static void
add_installed_names (FlatpakInstallation *installation,
                     GPtrArray           *names,
                     GCancellable        *cancellable)
{
  g_autoptr(GPtrArray) refs = NULL;
  g_autoptr(GError) error = NULL;

  refs = flatpak_installation_list_installed_refs_by_kind (installation, FLATPAK_REF_KIND_APP,
                                                           cancellable, &error);
  if (refs == NULL)
    {
      g_debug ("Cannot list the installed apps: %s", error->message);
      return;
    }
  for (guint i = 0; i < refs->len; i++)
    {
      const char *name = flatpak_ref_get_name (g_ptr_array_index (refs, i));

      if (!g_ptr_array_find_with_equal_func (names, name, g_str_equal, NULL))
        g_ptr_array_add (names, g_strdup (name));
    }
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Fresh installation objects each time: what is on disk now, not a cache. */
static void
list_installed_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(FlatpakInstallation) user = flatpak_installation_new_user (cancellable, NULL);
  g_autoptr(FlatpakInstallation) sys = flatpak_installation_new_system (cancellable, NULL);

  if (user != NULL)
    add_installed_names (user, names, cancellable);
  if (sys != NULL)
    add_installed_names (sys, names, cancellable);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  g_task_return_pointer (task, g_ptr_array_free (g_steal_pointer (&names), FALSE),
                         (GDestroyNotify) g_strfreev);
}

static void
list_installed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_auto(GStrv) names = g_task_propagate_pointer (G_TASK (result), NULL);

  g_dbus_method_invocation_return_value (invocation,
                                         g_variant_new ("(^as)", names));
}

static gboolean
handle_list_installed_cb (CpAgentDbusAgent1Installer *skeleton,
                          GDBusMethodInvocation      *invocation,
                          CpAgentInstaller           *self)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, list_installed_cb, g_object_ref (invocation));

  g_task_set_source_tag (task, handle_list_installed_cb);
  g_task_run_in_thread (task, list_installed_thread);
  return TRUE;
}

/* GetJobs */

static gboolean
handle_get_jobs_cb (CpAgentDbusAgent1Installer *skeleton,
                    GDBusMethodInvocation      *invocation,
                    CpAgentInstaller           *self)
{
  GVariantBuilder builder;

  prune_finished (self);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssa{sv})"));
  for (guint i = 0; i < self->jobs->len; i++)
    {
      Job *job = g_ptr_array_index (self->jobs, i);

      g_variant_builder_add (&builder, "(ss@a{sv})", job->id, cp_app_get_id (job->app),
                             job_to_variant (job));
    }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(a(ssa{sv}))", &builder));
  return TRUE;
}

/* GObject */

static void
forget_job (gpointer data)
{
  Job *job = data;

  /* A transaction still running ends without us. */
  job->self = NULL;
  job_unref (job);
}

static void
cp_agent_installer_dispose (GObject *object)
{
  CpAgentInstaller *self = CP_AGENT_INSTALLER (object);

  for (guint i = 0; self->jobs != NULL && i < self->jobs->len; i++)
    {
      Job *job = g_ptr_array_index (self->jobs, i);

      if (job->active)
        cp_install_job_cancel (job->job);
    }
  g_queue_clear (&self->waiting);
  self->running = NULL;
  g_clear_pointer (&self->jobs, g_ptr_array_unref);
  cp_agent_installer_unexport (self);

  G_OBJECT_CLASS (cp_agent_installer_parent_class)->dispose (object);
}

static void
cp_agent_installer_finalize (GObject *object)
{
  CpAgentInstaller *self = CP_AGENT_INSTALLER (object);

  g_clear_object (&self->skeleton);
  g_clear_object (&self->enrollments);
  g_clear_object (&self->reporter);
  g_clear_object (&self->installers[0]);
  g_clear_object (&self->installers[1]);

  G_OBJECT_CLASS (cp_agent_installer_parent_class)->finalize (object);
}

static void
cp_agent_installer_class_init (CpAgentInstallerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cp_agent_installer_dispose;
  object_class->finalize = cp_agent_installer_finalize;

  cp_agent_dbus_register_errors ();
}

static void
cp_agent_installer_init (CpAgentInstaller *self)
{
  self->jobs = g_ptr_array_new_with_free_func (forget_job);
  g_queue_init (&self->waiting);
  self->skeleton = cp_agent_dbus_agent1_installer_skeleton_new ();

  g_signal_connect_object (self->skeleton, "handle-install",
                           G_CALLBACK (handle_install_cb), self, 0);
  g_signal_connect_object (self->skeleton, "handle-uninstall",
                           G_CALLBACK (handle_uninstall_cb), self, 0);
  g_signal_connect_object (self->skeleton, "handle-cancel",
                           G_CALLBACK (handle_cancel_cb), self, 0);
  g_signal_connect_object (self->skeleton, "handle-list-installed",
                           G_CALLBACK (handle_list_installed_cb), self, 0);
  g_signal_connect_object (self->skeleton, "handle-get-permissions",
                           G_CALLBACK (handle_get_permissions_cb), self, 0);
  g_signal_connect_object (self->skeleton, "handle-get-jobs",
                           G_CALLBACK (handle_get_jobs_cb), self, 0);
}

/* Public API */

CpAgentInstaller *
cp_agent_installer_new (GApplication      *app,
                        CpEnrollmentStore *enrollments,
                        CpInstallReporter *reporter)
{
  CpAgentInstaller *self;

  g_return_val_if_fail (G_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (CP_IS_ENROLLMENT_STORE (enrollments), NULL);
  g_return_val_if_fail (CP_IS_INSTALL_REPORTER (reporter), NULL);

  self = g_object_new (CP_TYPE_AGENT_INSTALLER, NULL);
  self->app = app;
  self->enrollments = g_object_ref (enrollments);
  self->reporter = g_object_ref (reporter);
  return self;
}

gboolean
cp_agent_installer_export (CpAgentInstaller  *self,
                           GDBusConnection   *connection,
                           GError           **error)
{
  g_return_val_if_fail (CP_IS_AGENT_INSTALLER (self), FALSE);

  return g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton),
                                           connection, CP_AGENT_DBUS_PATH, error);
}

void
cp_agent_installer_unexport (CpAgentInstaller *self)
{
  g_return_if_fail (CP_IS_AGENT_INSTALLER (self));

  if (self->skeleton != NULL &&
      g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->skeleton)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
}
