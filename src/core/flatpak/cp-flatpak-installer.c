/* cp-flatpak-installer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cp-error.h"
#include "cp-flatpak-installer.h"
#include "cp-flatpak-installer-private.h"

/* How often libflatpak reports progress while pulling. */
#define PROGRESS_INTERVAL_MS 100

struct _CpFlatpakInstaller
{
  GObject              parent_instance;

  FlatpakInstallation *installation;
  GPtrArray           *detection;  /* FlatpakInstallation */
  GMutex               busy;       /* one transaction at a time */
};

static void cp_flatpak_installer_iface_init (CpInstallerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CpFlatpakInstaller, cp_flatpak_installer, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (CP_TYPE_INSTALLER,
                                                      cp_flatpak_installer_iface_init))

/* Everything the worker thread needs; the job itself is only touched on
 * the caller's main context. */
typedef struct
{
  CpInstallJob        *job;
  GMainContext        *context;
  char                *app_name;
  char                *ref;
  char                *remote_name;
  char                *remote_url;
  GBytes              *gpg_key;
  gboolean             gpg_verify;
  gboolean             uninstall;

  CpFlatpakStage       stage;
  guint                n_operations;
  guint                n_done;
  guint64              bytes_total;
  guint64              bytes_before;  /* downloaded by finished operations */
  guint64              op_size;
  gboolean             op_deploying;
  GError              *op_error;      /* the first fatal operation error */
} TransactionData;

typedef struct
{
  CpInstallJob   *job;
  gboolean        set_state;
  CpInstallState  state;
  guint64         bytes_done;
  guint64         bytes_total;
  double          fraction;
} JobUpdate;

static void
transaction_data_free (TransactionData *data)
{
  g_clear_object (&data->job);
  g_clear_pointer (&data->context, g_main_context_unref);
  g_free (data->app_name);
  g_free (data->ref);
  g_free (data->remote_name);
  g_free (data->remote_url);
  g_clear_pointer (&data->gpg_key, g_bytes_unref);
  g_clear_error (&data->op_error);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TransactionData, transaction_data_free)

static gboolean
error_is_network (const GError *error)
{
  static const int codes[] = {
    G_IO_ERROR_HOST_NOT_FOUND, G_IO_ERROR_HOST_UNREACHABLE, G_IO_ERROR_NETWORK_UNREACHABLE,
    G_IO_ERROR_CONNECTION_REFUSED, G_IO_ERROR_TIMED_OUT, G_IO_ERROR_NOT_CONNECTED,
    G_IO_ERROR_CONNECTION_CLOSED, G_IO_ERROR_BROKEN_PIPE, G_IO_ERROR_PROXY_FAILED,
  };

  if (error->domain == G_RESOLVER_ERROR)
    return TRUE;
  if (error->domain != G_IO_ERROR)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (error->code == codes[i])
      return TRUE;
  return FALSE;
}

static GError *
map_flatpak_error (const GError *error,
                   const char   *app_name)
{
  switch (error->code)
    {
    case FLATPAK_ERROR_ALREADY_INSTALLED:
      return g_error_new (CP_ERROR, CP_ERROR_CONFLICT, _("%s is already installed."), app_name);
    case FLATPAK_ERROR_NOT_INSTALLED:
      return g_error_new (CP_ERROR, CP_ERROR_NOT_FOUND, _("%s is not installed."), app_name);
    case FLATPAK_ERROR_REF_NOT_FOUND:
    case FLATPAK_ERROR_INVALID_REF:
      return g_error_new (CP_ERROR, CP_ERROR_NOT_FOUND,
                          _("The software source does not offer %s."), app_name);
    case FLATPAK_ERROR_RUNTIME_NOT_FOUND:
      return g_error_new (CP_ERROR, CP_ERROR_NOT_FOUND,
                          _("%s needs a runtime that no software source offers."), app_name);
    case FLATPAK_ERROR_REMOTE_NOT_FOUND:
      return g_error_new (CP_ERROR, CP_ERROR_NOT_FOUND,
                          _("The software source of %s is not set up on this computer."), app_name);
    case FLATPAK_ERROR_OUT_OF_SPACE:
      return g_error_new (CP_ERROR, CP_ERROR_NO_SPACE,
                          _("There is not enough disk space to install %s."), app_name);
    case FLATPAK_ERROR_UNTRUSTED:
      return g_error_new (CP_ERROR, CP_ERROR_SECURITY,
                          _("%s could not be verified: its signature is missing or not trusted."),
                          app_name);
    case FLATPAK_ERROR_PERMISSION_DENIED:
    case FLATPAK_ERROR_NOT_AUTHORIZED:
    case FLATPAK_ERROR_WRONG_USER:
      return g_error_new (CP_ERROR, CP_ERROR_FORBIDDEN,
                          _("You are not allowed to install or remove %s here."), app_name);
    case FLATPAK_ERROR_RUNTIME_USED:
      return g_error_new (CP_ERROR, CP_ERROR_CONFLICT,
                          _("%s is still needed by other apps."), app_name);
    default:
      return NULL;
    }
}

GError *
cp_flatpak_map_error (const GError   *error,
                      const char     *app_name,
                      CpFlatpakStage  stage)
{
  GError *mapped = NULL;

  g_return_val_if_fail (error != NULL, NULL);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || error->domain == CP_ERROR)
    return g_error_copy (error);
  if (error->domain == FLATPAK_ERROR && (mapped = map_flatpak_error (error, app_name)) != NULL)
    return mapped;
  /* OSTree's signature errors (no libostree headers needed for one quark). */
  if (error->domain == g_quark_from_static_string ("OstreeGpgError"))
    return g_error_new (CP_ERROR, CP_ERROR_SECURITY,
                        _("%s could not be verified: its signature is missing or not trusted."),
                        app_name);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    return g_error_new (CP_ERROR, CP_ERROR_NO_SPACE,
                        _("There is not enough disk space to install %s."), app_name);
  /* The system installation: polkit refusing the system helper, or a
   * read-only installation. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_AUTH_FAILED))
    return g_error_new (CP_ERROR, CP_ERROR_FORBIDDEN,
                        _("You are not allowed to install or remove %s here."), app_name);

  /* Before any operation runs, libflatpak only talks to the remote: any
   * other error there (no such host, refused, a file:// path that is gone,
   * no summary: FLATPAK_ERROR_INVALID_DATA) means the source cannot be
   * reached or is not a Flatpak repository. */
  if (error_is_network (error) || stage == CP_FLATPAK_STAGE_PREPARE)
    return g_error_new (CP_ERROR, CP_ERROR_NETWORK,
                        _("The software source of %s cannot be reached (%s)."),
                        app_name, error->message);

  if (stage == CP_FLATPAK_STAGE_REMOVAL)
    return g_error_new (CP_ERROR, CP_ERROR_FAILED,
                        _("Removing %s failed: %s"), app_name, error->message);
  return g_error_new (CP_ERROR, CP_ERROR_FAILED,
                      _("Installing %s failed: %s"), app_name, error->message);
}

/* Main context side of a progress report. */
static gboolean
apply_update_cb (gpointer user_data)
{
  JobUpdate *update = user_data;

  g_object_freeze_notify (G_OBJECT (update->job));
  if (update->set_state)
    cp_install_job_set_state (update->job, update->state);
  else
    cp_install_job_set_progress (update->job, update->bytes_done, update->bytes_total,
                                 update->fraction);
  g_object_thaw_notify (G_OBJECT (update->job));
  return G_SOURCE_REMOVE;
}

static void
job_update_free (gpointer user_data)
{
  JobUpdate *update = user_data;

  g_object_unref (update->job);
  g_free (update);
}

static void
post_update (TransactionData *data,
             JobUpdate        update)
{
  JobUpdate *copy = g_memdup2 (&update, sizeof update);
  g_autoptr(GSource) source = g_idle_source_new ();

  /* Not g_main_context_invoke(): it runs the callback right here, in the
   * worker thread, whenever the caller's context is momentarily unowned. */
  copy->job = g_object_ref (data->job);
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, apply_update_cb, copy, job_update_free);
  g_source_set_static_name (source, "[cp-flatpak] job update");
  g_source_attach (source, data->context);
}

static void
post_state (TransactionData *data,
            CpInstallState   state)
{
  post_update (data, (JobUpdate) { .set_state = TRUE, .state = state });
}

static void
post_progress (TransactionData *data,
               guint64          bytes_done,
               double           fraction)
{
  post_update (data, (JobUpdate) { .bytes_done = bytes_done, .bytes_total = data->bytes_total,
                                   .fraction = fraction });
}

/* Runs in the worker thread, like every transaction signal handler. */
static void
progress_changed_cb (FlatpakTransactionProgress *progress,
                     TransactionData            *data)
{
  int percent = flatpak_transaction_progress_get_progress (progress);
  guint64 bytes = flatpak_transaction_progress_get_bytes_transferred (progress);
  g_autofree char *status = flatpak_transaction_progress_get_status (progress);
  double fraction;

  g_debug ("Progress %d%%, %" G_GUINT64_FORMAT " bytes: %s", percent, bytes, status);
  if (data->uninstall)
    return;

  /* libflatpak reports 100 % when the pull is done; deploying follows. */
  if (percent >= 100 && !data->op_deploying)
    {
      data->op_deploying = TRUE;
      post_state (data, CP_INSTALL_STATE_INSTALLING);
    }

  fraction = (data->n_done + CLAMP (percent, 0, 100) / 100.0) / MAX (data->n_operations, 1);
  post_progress (data, data->bytes_before + MIN (bytes, data->op_size), fraction);
}

static void
new_operation_cb (FlatpakTransaction          *transaction,
                  FlatpakTransactionOperation *operation,
                  FlatpakTransactionProgress  *progress,
                  TransactionData             *data)
{
  if (!data->uninstall)
    data->stage = CP_FLATPAK_STAGE_OPERATIONS;
  data->op_deploying = FALSE;
  data->op_size = flatpak_transaction_operation_get_download_size (operation);
  g_debug ("Starting %s", flatpak_transaction_operation_get_ref (operation));

  if (!data->uninstall)
    {
      post_state (data, CP_INSTALL_STATE_DOWNLOADING);
      flatpak_transaction_progress_set_update_frequency (progress, PROGRESS_INTERVAL_MS);
      g_signal_connect (progress, "changed", G_CALLBACK (progress_changed_cb), data);
    }
}

static void
operation_done_cb (FlatpakTransaction          *transaction,
                   FlatpakTransactionOperation *operation,
                   const char                  *commit,
                   FlatpakTransactionResult     result,
                   TransactionData             *data)
{
  data->n_done++;
  data->bytes_before += flatpak_transaction_operation_get_download_size (operation);
  if (!data->uninstall)
    post_progress (data, data->bytes_before, (double) data->n_done / MAX (data->n_operations, 1));
}

static gboolean
operation_error_cb (FlatpakTransaction            *transaction,
                    FlatpakTransactionOperation   *operation,
                    const GError                  *error,
                    FlatpakTransactionErrorDetails details,
                    TransactionData               *data)
{
  g_debug ("%s failed: %s", flatpak_transaction_operation_get_ref (operation), error->message);

  if (details & FLATPAK_TRANSACTION_ERROR_DETAILS_NON_FATAL)
    return TRUE;
  if (data->op_error == NULL)
    data->op_error = g_error_copy (error);
  return FALSE;
}

/* Totals are known once libflatpak has resolved every operation. */
static gboolean
ready_cb (FlatpakTransaction *transaction,
          TransactionData    *data)
{
  GList *operations = flatpak_transaction_get_operations (transaction);

  data->n_operations = g_list_length (operations);
  for (GList *l = operations; l != NULL; l = l->next)
    data->bytes_total += flatpak_transaction_operation_get_download_size (l->data);
  g_list_free_full (operations, g_object_unref);

  if (!data->uninstall)
    post_progress (data, 0, 0.0);
  return TRUE;
}

/* Only remotes the catalog names are added, never ones a ref suggests. */
static gboolean
add_new_remote_cb (FlatpakTransaction            *transaction,
                   FlatpakTransactionRemoteReason reason,
                   const char                    *from_id,
                   const char                    *remote_name,
                   const char                    *url,
                   TransactionData               *data)
{
  return FALSE;
}

static int
choose_remote_cb (FlatpakTransaction *transaction,
                  const char         *for_ref,
                  const char         *runtime_ref,
                  const char *const  *remotes,
                  TransactionData    *data)
{
  for (int i = 0; remotes[i] != NULL; i++)
    if (g_strcmp0 (remotes[i], data->remote_name) == 0)
      return i;
  return 0;
}

/* Resolves an empty arch ("app/org.Foo//stable") to this machine's. */
static char *
resolve_ref (const char  *catalog_ref,
             GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (catalog_ref != NULL ? catalog_ref : "", "/", -1);
  g_autofree char *full = NULL;
  g_autoptr(FlatpakRef) ref = NULL;

  if (g_strv_length (parts) != 4)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The catalog gives an invalid Flatpak reference."));
      return NULL;
    }
  full = g_strdup_printf ("%s/%s/%s/%s", parts[0], parts[1],
                          parts[2][0] != '\0' ? parts[2] : flatpak_get_default_arch (),
                          parts[3]);
  ref = flatpak_ref_parse (full, NULL);
  if (ref == NULL)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The catalog gives an invalid Flatpak reference."));
      return NULL;
    }
  return g_steal_pointer (&full);
}

static gboolean
is_ref_installed (FlatpakInstallation *installation,
                  const char          *full_ref,
                  GCancellable        *cancellable)
{
  g_autoptr(FlatpakRef) ref = flatpak_ref_parse (full_ref, NULL);
  g_autoptr(FlatpakInstalledRef) installed = NULL;

  installed = flatpak_installation_get_installed_ref (installation,
                                                      flatpak_ref_get_kind (ref),
                                                      flatpak_ref_get_name (ref),
                                                      flatpak_ref_get_arch (ref),
                                                      flatpak_ref_get_branch (ref),
                                                      cancellable, NULL);
  return installed != NULL;
}

/* Returns TRUE and sets @added when the remote had to be created. */
static gboolean
ensure_remote (FlatpakInstallation *installation,
               TransactionData     *data,
               gboolean            *added,
               GCancellable        *cancellable,
               GError             **error)
{
  g_autoptr(FlatpakRemote) existing = NULL;
  g_autoptr(FlatpakRemote) remote = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *url = NULL;

  *added = FALSE;
  existing = flatpak_installation_get_remote_by_name (installation, data->remote_name,
                                                      cancellable, &local_error);
  if (existing != NULL)
    {
      url = flatpak_remote_get_url (existing);
      if (data->remote_url != NULL && g_strcmp0 (url, data->remote_url) != 0)
        {
          g_set_error (error, CP_ERROR, CP_ERROR_CONFLICT,
                       _("A different software source named “%s” is already set up on this computer."),
                       data->remote_name);
          return FALSE;
        }
      return TRUE;
    }
  if (!g_error_matches (local_error, FLATPAK_ERROR, FLATPAK_ERROR_REMOTE_NOT_FOUND) ||
      data->remote_url == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  remote = flatpak_remote_new (data->remote_name);
  flatpak_remote_set_url (remote, data->remote_url);
  flatpak_remote_set_gpg_verify (remote, data->gpg_verify);
  if (data->gpg_key != NULL)
    flatpak_remote_set_gpg_key (remote, data->gpg_key);
  if (!flatpak_installation_add_remote (installation, remote, FALSE, cancellable, error))
    return FALSE;

  g_debug ("Added remote %s (%s), GPG verification %s", data->remote_name, data->remote_url,
           data->gpg_verify ? "on" : "off");
  *added = TRUE;
  return TRUE;
}

static FlatpakTransaction *
new_transaction (FlatpakInstallation *installation,
                 TransactionData     *data,
                 GCancellable        *cancellable,
                 GError             **error)
{
  g_autoptr(FlatpakTransaction) transaction = NULL;

  transaction = flatpak_transaction_new_for_installation (installation, cancellable, error);
  if (transaction == NULL)
    return NULL;

  flatpak_transaction_set_no_interaction (transaction, TRUE);
  g_signal_connect (transaction, "new-operation", G_CALLBACK (new_operation_cb), data);
  g_signal_connect (transaction, "operation-done", G_CALLBACK (operation_done_cb), data);
  g_signal_connect (transaction, "operation-error", G_CALLBACK (operation_error_cb), data);
  g_signal_connect (transaction, "ready", G_CALLBACK (ready_cb), data);
  g_signal_connect (transaction, "add-new-remote", G_CALLBACK (add_new_remote_cb), data);
  g_signal_connect (transaction, "choose-remote-for-ref", G_CALLBACK (choose_remote_cb), data);
  return g_steal_pointer (&transaction);
}

/* libflatpak turns an unreachable remote into "no such ref" once the
 * transaction runs; asking the remote first keeps the two apart. */
static gboolean
check_remote_has_ref (FlatpakInstallation *installation,
                      TransactionData     *data,
                      GCancellable        *cancellable,
                      GError             **error)
{
  g_autoptr(FlatpakRef) ref = flatpak_ref_parse (data->ref, NULL);
  g_autoptr(FlatpakRemoteRef) remote_ref = NULL;

  remote_ref = flatpak_installation_fetch_remote_ref_sync (installation, data->remote_name,
                                                           flatpak_ref_get_kind (ref),
                                                           flatpak_ref_get_name (ref),
                                                           flatpak_ref_get_arch (ref),
                                                           flatpak_ref_get_branch (ref),
                                                           cancellable, error);
  return remote_ref != NULL;
}

static gboolean
run_install (FlatpakInstallation *installation,
             TransactionData     *data,
             GCancellable        *cancellable,
             GError             **error)
{
  g_autoptr(FlatpakTransaction) transaction = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean remote_added = FALSE;

  if (is_ref_installed (installation, data->ref, cancellable))
    {
      post_state (data, CP_INSTALL_STATE_INSTALLED);
      g_set_error (error, FLATPAK_ERROR, FLATPAK_ERROR_ALREADY_INSTALLED, "%s", data->ref);
      return FALSE;
    }
  if (!ensure_remote (installation, data, &remote_added, cancellable, error))
    return FALSE;

  transaction = new_transaction (installation, data, cancellable, &local_error);
  if (transaction != NULL &&
      check_remote_has_ref (installation, data, cancellable, &local_error) &&
      flatpak_transaction_add_install (transaction, data->remote_name, data->ref, NULL, &local_error) &&
      flatpak_transaction_run (transaction, cancellable, &local_error))
    return TRUE;

  if (remote_added)
    {
      g_autoptr(GError) remove_error = NULL;

      if (!flatpak_installation_remove_remote (installation, data->remote_name, NULL, &remove_error))
        g_debug ("Keeping remote %s: %s", data->remote_name, remove_error->message);
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static gboolean
run_uninstall (FlatpakInstallation *installation,
               TransactionData     *data,
               GCancellable        *cancellable,
               GError             **error)
{
  g_autoptr(FlatpakTransaction) transaction = NULL;

  data->stage = CP_FLATPAK_STAGE_REMOVAL;
  transaction = new_transaction (installation, data, cancellable, error);
  return transaction != NULL &&
         flatpak_transaction_add_uninstall (transaction, data->ref, error) &&
         flatpak_transaction_run (transaction, cancellable, error);
}

/* Prefers the error of the failed operation over the "aborted" that the
 * transaction as a whole then reports. */
static GError *
transaction_error (TransactionData *data,
                   GError          *error,
                   GCancellable    *cancellable)
{
  g_autoptr(GError) owned = error;

  g_debug ("%s of %s failed: %s (%s, %d); operation error: %s",
           data->uninstall ? "Removal" : "Installation", data->ref, error->message,
           g_quark_to_string (error->domain), error->code,
           data->op_error != NULL ? data->op_error->message : "none");
  if (g_cancellable_is_cancelled (cancellable))
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
  if (!data->uninstall && g_error_matches (owned, FLATPAK_ERROR, FLATPAK_ERROR_ALREADY_INSTALLED))
    post_state (data, CP_INSTALL_STATE_INSTALLED);
  if (data->op_error != NULL)
    return cp_flatpak_map_error (data->op_error, data->app_name,
                                 data->uninstall ? CP_FLATPAK_STAGE_REMOVAL
                                                 : CP_FLATPAK_STAGE_OPERATIONS);
  return cp_flatpak_map_error (owned, data->app_name, data->stage);
}

static void
transaction_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  CpFlatpakInstaller *self = source_object;
  TransactionData *data = task_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_mutex_lock (&self->busy);
  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    ok = FALSE;
  else if (data->uninstall)
    ok = run_uninstall (self->installation, data, cancellable, &error);
  else
    ok = run_install (self->installation, data, cancellable, &error);
  g_mutex_unlock (&self->busy);

  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, transaction_error (data, g_steal_pointer (&error), cancellable));
}

static TransactionData *
transaction_data_new (CpApp        *app,
                      CpInstallJob *job,
                      gboolean      uninstall,
                      GError      **error)
{
  g_autoptr(TransactionData) data = g_new0 (TransactionData, 1);

  data->job = g_object_ref (job);
  data->context = g_main_context_ref_thread_default ();
  data->app_name = g_strdup (cp_app_get_name (app));
  data->uninstall = uninstall;
  data->remote_name = g_strdup (cp_app_get_flatpak_remote_name (app));
  data->remote_url = g_strdup (cp_app_get_flatpak_remote_url (app));
  data->gpg_verify = cp_app_get_flatpak_gpg_verify (app);
  if (cp_app_get_flatpak_gpg_key (app) != NULL)
    data->gpg_key = g_bytes_ref (cp_app_get_flatpak_gpg_key (app));

  if (cp_app_get_install_method (app) != CP_INSTALL_METHOD_FLATPAK)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                   _("%s is not a Flatpak app."), cp_app_get_name (app));
      return NULL;
    }
  data->ref = resolve_ref (cp_app_get_flatpak_ref (app), error);
  if (data->ref == NULL)
    return NULL;
  return g_steal_pointer (&data);
}

static void
start_transaction (CpFlatpakInstaller  *self,
                   CpApp               *app,
                   CpInstallJob        *job,
                   gboolean             uninstall,
                   gpointer             source_tag,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  TransactionData *data;

  task = g_task_new (self, cp_install_job_get_cancellable (job), callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_set_check_cancellable (task, FALSE);

  data = transaction_data_new (app, job, uninstall, &error);
  if (data == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_set_task_data (task, data, (GDestroyNotify) transaction_data_free);
  g_task_run_in_thread (task, transaction_thread);
}

static void
installed_refs_of (FlatpakInstallation *installation,
                   GHashTable          *refs,
                   GCancellable        *cancellable,
                   GError             **error)
{
  g_autoptr(GPtrArray) installed = NULL;

  installed = flatpak_installation_list_installed_refs_by_kind (installation, FLATPAK_REF_KIND_APP,
                                                                cancellable, error);
  if (installed == NULL)
    return;
  for (guint i = 0; i < installed->len; i++)
    g_hash_table_add (refs, flatpak_ref_format_ref (g_ptr_array_index (installed, i)));
}

static void
list_installed_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  CpFlatpakInstaller *self = source_object;
  GPtrArray *apps = task_data;
  g_autoptr(GHashTable) refs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;

  installed_refs_of (self->installation, refs, cancellable, &error);
  if (error != NULL)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_FAILED,
                               _("The installed Flatpak apps cannot be listed: %s"), error->message);
      return;
    }
  for (guint i = 0; i < self->detection->len; i++)
    {
      g_autoptr(GError) other_error = NULL;

      installed_refs_of (g_ptr_array_index (self->detection, i), refs, cancellable, &other_error);
      if (other_error != NULL)
        g_debug ("Cannot list another installation: %s", other_error->message);
    }

  for (guint i = 0; i < apps->len; i++)
    {
      CpApp *app = g_ptr_array_index (apps, i);
      g_autofree char *ref = NULL;

      if (cp_app_get_install_method (app) != CP_INSTALL_METHOD_FLATPAK)
        continue;
      ref = resolve_ref (cp_app_get_flatpak_ref (app), NULL);
      if (ref != NULL && g_hash_table_contains (refs, ref))
        g_hash_table_add (ids, g_strdup (cp_app_get_id (app)));
    }
  g_task_return_pointer (task, g_steal_pointer (&ids), (GDestroyNotify) g_hash_table_unref);
}

static GBytes *
installed_metadata (FlatpakInstallation *installation,
                    FlatpakRef          *ref,
                    GCancellable        *cancellable)
{
  g_autoptr(FlatpakInstalledRef) installed = NULL;

  installed = flatpak_installation_get_installed_ref (installation, flatpak_ref_get_kind (ref),
                                                      flatpak_ref_get_name (ref),
                                                      flatpak_ref_get_arch (ref),
                                                      flatpak_ref_get_branch (ref),
                                                      cancellable, NULL);
  if (installed == NULL)
    return NULL;
  return flatpak_installed_ref_load_metadata (installed, cancellable, NULL);
}

/* The catalog's remote, added as an install adds it, so the permissions
 * are known before the install. It stays: the install that usually follows
 * uses it, as a later install would have added it anyway. A remote added
 * here for a look that then fails is removed again. */
static GBytes *
remote_metadata (FlatpakInstallation  *installation,
                 CpApp                *app,
                 FlatpakRef           *ref,
                 GCancellable         *cancellable,
                 GError              **error)
{
  g_autoptr(TransactionData) data = g_new0 (TransactionData, 1);
  g_autoptr(FlatpakRemoteRef) remote_ref = NULL;
  GBytes *metadata = NULL;
  gboolean added = FALSE;

  data->app_name = g_strdup (cp_app_get_name (app));
  data->remote_name = g_strdup (cp_app_get_flatpak_remote_name (app));
  data->remote_url = g_strdup (cp_app_get_flatpak_remote_url (app));
  data->gpg_verify = cp_app_get_flatpak_gpg_verify (app);
  if (cp_app_get_flatpak_gpg_key (app) != NULL)
    data->gpg_key = g_bytes_ref (cp_app_get_flatpak_gpg_key (app));
  if (!ensure_remote (installation, data, &added, cancellable, error))
    return NULL;

  remote_ref = flatpak_installation_fetch_remote_ref_sync (installation, data->remote_name,
                                                           flatpak_ref_get_kind (ref),
                                                           flatpak_ref_get_name (ref),
                                                           flatpak_ref_get_arch (ref),
                                                           flatpak_ref_get_branch (ref),
                                                           cancellable, error);
  if (remote_ref != NULL && (metadata = flatpak_remote_ref_get_metadata (remote_ref)) != NULL)
    metadata = g_bytes_ref (metadata);
  else if (remote_ref != NULL)
    metadata = flatpak_installation_fetch_remote_metadata_sync (installation, data->remote_name,
                                                                FLATPAK_REF (remote_ref),
                                                                cancellable, error);
  if (metadata == NULL && added &&
      !flatpak_installation_remove_remote (installation, data->remote_name, NULL, NULL))
    g_debug ("Keeping remote %s", data->remote_name);
  return metadata;
}

/* A look at the metadata. The caller's task ends with whichever comes
 * first: the worker's answer or the timeout. libflatpak's HTTP fetches do
 * not always stop on cancel (curl waiting for a summary), so a timed-out
 * worker is left to finish on its own, unheard. */
typedef struct
{
  GTask        *task;         /* the caller's, NULL once returned */
  CpApp        *app;
  GCancellable *cancellable;  /* the worker's: the caller's cancel or the timeout */
  GSource      *cancelled;    /* the caller's cancellable, on the caller's context */
  GSource      *timeout;
  gboolean      permissions;  /* return a{sv} rather than the metadata */
} MetadataData;

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
metadata_data_free (MetadataData *data)
{
  clear_source (&data->timeout);
  clear_source (&data->cancelled);
  g_clear_object (&data->cancellable);
  g_clear_object (&data->app);
  g_clear_object (&data->task);
  g_free (data);
}

/* Hands the outcome to the caller once, and stops the clock and the worker. */
static void
metadata_return (MetadataData *data,
                 GError       *error,
                 gpointer      value)
{
  g_autoptr(GTask) task = g_steal_pointer (&data->task);

  clear_source (&data->timeout);
  clear_source (&data->cancelled);
  if (task == NULL)
    {
      g_clear_error (&error);
      if (value != NULL && data->permissions)
        g_variant_unref (value);
      else if (value != NULL)
        g_bytes_unref (value);
      return;
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else if (data->permissions)
    g_task_return_pointer (task, value, (GDestroyNotify) g_variant_unref);
  else
    g_task_return_pointer (task, value, (GDestroyNotify) g_bytes_unref);
}

static gboolean
metadata_timeout_cb (gpointer user_data)
{
  MetadataData *data = user_data;

  g_debug ("Metadata of %s: timed out", cp_app_get_id (data->app));
  g_cancellable_cancel (data->cancellable);
  metadata_return (data, g_error_new (CP_ERROR, CP_ERROR_TIMED_OUT,
                                      _("The software source of %s did not answer in time."),
                                      cp_app_get_name (data->app)), NULL);
  return G_SOURCE_REMOVE;
}

/* The caller gave up: it hears so at once, whatever the worker does. */
static gboolean
caller_cancelled_cb (GCancellable *caller,
                     gpointer      user_data)
{
  MetadataData *data = user_data;

  g_cancellable_cancel (data->cancellable);
  metadata_return (data, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled")), NULL);
  return G_SOURCE_REMOVE;
}

static GBytes *
load_metadata (CpFlatpakInstaller  *self,
               CpApp               *app,
               GCancellable        *cancellable,
               GError             **error)
{
  g_autofree char *full_ref = resolve_ref (cp_app_get_flatpak_ref (app), error);
  g_autoptr(FlatpakRef) ref = NULL;
  GBytes *metadata;

  if (full_ref == NULL)
    return NULL;
  ref = flatpak_ref_parse (full_ref, NULL);
  metadata = installed_metadata (self->installation, ref, cancellable);
  for (guint i = 0; metadata == NULL && i < self->detection->len; i++)
    metadata = installed_metadata (g_ptr_array_index (self->detection, i), ref, cancellable);
  if (metadata == NULL)
    metadata = remote_metadata (self->installation, app, ref, cancellable, error);
  return metadata;
}

/* The worker: the metadata, parsed when permissions were asked for. */
static void
fetch_metadata_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  CpFlatpakInstaller *self = source_object;
  MetadataData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) metadata = load_metadata (self, data->app, cancellable, &error);
  GVariant *permissions;

  if (metadata == NULL)
    g_task_return_error (task, cp_flatpak_map_error (error, cp_app_get_name (data->app),
                                                     CP_FLATPAK_STAGE_PREPARE));
  else if (!data->permissions)
    g_task_return_pointer (task, g_steal_pointer (&metadata), (GDestroyNotify) g_bytes_unref);
  else if ((permissions = cp_flatpak_permissions_from_metadata (g_bytes_get_data (metadata, NULL),
                                                                 g_bytes_get_size (metadata),
                                                                 &error)) != NULL)
    g_task_return_pointer (task, permissions, (GDestroyNotify) g_variant_unref);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
worker_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  MetadataData *data = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;
  gpointer value = g_task_propagate_pointer (G_TASK (result), &error);

  metadata_return (data, error, value);
}

static void
start_fetch (CpFlatpakInstaller  *self,
             CpApp               *app,
             guint                timeout_seconds,
             gboolean             permissions,
             GCancellable        *cancellable,
             gpointer             source_tag,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GTask) worker = NULL;
  MetadataData *data;

  g_task_set_source_tag (task, source_tag);
  if (cp_app_get_install_method (app) != CP_INSTALL_METHOD_FLATPAK)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_INVALID_INPUT,
                               _("%s is not a Flatpak app."), cp_app_get_name (app));
      return;
    }
  data = g_new0 (MetadataData, 1);
  data->task = g_object_ref (task);
  data->app = g_object_ref (app);
  data->permissions = permissions;
  data->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      data->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (data->cancelled, G_SOURCE_FUNC (caller_cancelled_cb), data, NULL);
      g_source_set_static_name (data->cancelled, "[cp-flatpak] metadata cancelled");
      g_source_attach (data->cancelled, g_main_context_get_thread_default ());
    }
  if (timeout_seconds > 0)
    {
      data->timeout = g_timeout_source_new_seconds (timeout_seconds);
      g_source_set_callback (data->timeout, metadata_timeout_cb, data, NULL);
      g_source_set_static_name (data->timeout, "[cp-flatpak] metadata timeout");
      g_source_attach (data->timeout, g_main_context_get_thread_default ());
    }
  worker = g_task_new (self, data->cancellable, worker_done_cb, NULL);
  g_task_set_task_data (worker, data, (GDestroyNotify) metadata_data_free);
  g_task_set_check_cancellable (worker, FALSE);
  g_task_run_in_thread (worker, fetch_metadata_thread);
}

static gboolean
cp_flatpak_installer_can_install (CpInstaller *installer,
                                  CpApp       *app)
{
  return cp_app_get_install_method (app) == CP_INSTALL_METHOD_FLATPAK;
}

static void
cp_flatpak_installer_install_async (CpInstaller         *installer,
                                    CpApp               *app,
                                    CpInstallJob        *job,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  start_transaction (CP_FLATPAK_INSTALLER (installer), app, job, FALSE,
                     cp_flatpak_installer_install_async, callback, user_data);
}

static gboolean
cp_flatpak_installer_transaction_finish (CpInstaller   *installer,
                                         GAsyncResult  *result,
                                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, installer), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
cp_flatpak_installer_uninstall_async (CpInstaller         *installer,
                                      CpApp               *app,
                                      CpInstallJob        *job,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  start_transaction (CP_FLATPAK_INSTALLER (installer), app, job, TRUE,
                     cp_flatpak_installer_uninstall_async, callback, user_data);
}

static void
cp_flatpak_installer_list_installed_async (CpInstaller         *installer,
                                           GPtrArray           *apps,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (installer, cancellable, callback, user_data);

  g_task_set_source_tag (task, cp_flatpak_installer_list_installed_async);
  g_task_set_task_data (task, g_ptr_array_ref (apps), (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (task, list_installed_thread);
}

static GHashTable *
cp_flatpak_installer_list_installed_finish (CpInstaller   *installer,
                                            GAsyncResult  *result,
                                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, installer), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
cp_flatpak_installer_iface_init (CpInstallerInterface *iface)
{
  iface->can_install = cp_flatpak_installer_can_install;
  iface->install_async = cp_flatpak_installer_install_async;
  iface->install_finish = cp_flatpak_installer_transaction_finish;
  iface->uninstall_async = cp_flatpak_installer_uninstall_async;
  iface->uninstall_finish = cp_flatpak_installer_transaction_finish;
  iface->list_installed_async = cp_flatpak_installer_list_installed_async;
  iface->list_installed_finish = cp_flatpak_installer_list_installed_finish;
}

static void
cp_flatpak_installer_finalize (GObject *object)
{
  CpFlatpakInstaller *self = CP_FLATPAK_INSTALLER (object);

  g_clear_object (&self->installation);
  g_clear_pointer (&self->detection, g_ptr_array_unref);
  g_mutex_clear (&self->busy);

  G_OBJECT_CLASS (cp_flatpak_installer_parent_class)->finalize (object);
}

static void
cp_flatpak_installer_class_init (CpFlatpakInstallerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_flatpak_installer_finalize;
}

static void
cp_flatpak_installer_init (CpFlatpakInstaller *self)
{
  self->detection = g_ptr_array_new_with_free_func (g_object_unref);
  g_mutex_init (&self->busy);
}

CpFlatpakInstaller *
cp_flatpak_installer_new (FlatpakInstallation *installation)
{
  CpFlatpakInstaller *self;

  g_return_val_if_fail (FLATPAK_IS_INSTALLATION (installation), NULL);

  self = g_object_new (CP_TYPE_FLATPAK_INSTALLER, NULL);
  self->installation = g_object_ref (installation);
  return self;
}

CpFlatpakInstaller *
cp_flatpak_installer_new_default (gboolean       system,
                                  GCancellable  *cancellable,
                                  GError       **error)
{
  g_autoptr(FlatpakInstallation) user = NULL;
  g_autoptr(FlatpakInstallation) sys = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(CpFlatpakInstaller) self = NULL;

  user = flatpak_installation_new_user (cancellable, system ? NULL : &local_error);
  sys = flatpak_installation_new_system (cancellable, system ? &local_error : NULL);
  if ((system ? sys : user) == NULL)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_FAILED,
                   _("The Flatpak installation cannot be opened: %s"), local_error->message);
      return NULL;
    }

  self = cp_flatpak_installer_new (system ? sys : user);
  if ((system ? user : sys) != NULL)
    cp_flatpak_installer_add_detection_installation (self, system ? user : sys);
  return g_steal_pointer (&self);
}

void
cp_flatpak_installer_add_detection_installation (CpFlatpakInstaller  *self,
                                                 FlatpakInstallation *installation)
{
  g_return_if_fail (CP_IS_FLATPAK_INSTALLER (self));
  g_return_if_fail (FLATPAK_IS_INSTALLATION (installation));

  g_ptr_array_add (self->detection, g_object_ref (installation));
}

void
cp_flatpak_installer_fetch_metadata_async (CpFlatpakInstaller  *self,
                                           CpApp               *app,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_return_if_fail (CP_IS_FLATPAK_INSTALLER (self));
  g_return_if_fail (CP_IS_APP (app));

  start_fetch (self, app, CP_FLATPAK_METADATA_TIMEOUT, FALSE, cancellable,
               cp_flatpak_installer_fetch_metadata_async, callback, user_data);
}

GBytes *
cp_flatpak_installer_fetch_metadata_finish (CpFlatpakInstaller  *self,
                                            GAsyncResult        *result,
                                            GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cp_flatpak_installer_fetch_metadata_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
cp_flatpak_installer_fetch_permissions_async (CpFlatpakInstaller  *self,
                                              CpApp               *app,
                                              guint                timeout_seconds,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data)
{
  g_return_if_fail (CP_IS_FLATPAK_INSTALLER (self));
  g_return_if_fail (CP_IS_APP (app));

  start_fetch (self, app, timeout_seconds, TRUE, cancellable,
               cp_flatpak_installer_fetch_permissions_async, callback, user_data);
}

GVariant *
cp_flatpak_installer_fetch_permissions_finish (CpFlatpakInstaller  *self,
                                               GAsyncResult        *result,
                                               GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cp_flatpak_installer_fetch_permissions_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

FlatpakInstallation *
cp_flatpak_installer_get_installation (CpFlatpakInstaller *self)
{
  g_return_val_if_fail (CP_IS_FLATPAK_INSTALLER (self), NULL);
  return self->installation;
}
