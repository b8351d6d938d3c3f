/* cp-installer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cp-error.h"
#include "cp-installer.h"

G_DEFINE_INTERFACE (CpInstaller, cp_installer, G_TYPE_OBJECT)

static void
cp_installer_default_init (CpInstallerInterface *iface)
{
}

/* An implementation that finds the app already installed puts the job in
 * INSTALLED itself and still returns an error (CP_ERROR_CONFLICT): the job
 * keeps showing the truth. */
static void
finish_job (CpInstallJob   *job,
            const GError   *error,
            CpInstallState  success_state)
{
  if (error == NULL)
    cp_install_job_set_state (job, success_state);
  else if (cp_error_is_cancelled (error))
    cp_install_job_set_state (job, CP_INSTALL_STATE_CANCELLED);
  else if (success_state == CP_INSTALL_STATE_INSTALLED &&
           cp_install_job_get_state (job) == CP_INSTALL_STATE_INSTALLED)
    return;
  else
    cp_install_job_set_failed (job, error);
}

static void
install_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CpInstallJob *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!CP_INSTALLER_GET_IFACE (object)->install_finish (CP_INSTALLER (object), result, &error))
    {
      finish_job (job, error, CP_INSTALL_STATE_INSTALLED);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  finish_job (job, NULL, CP_INSTALL_STATE_INSTALLED);
  g_task_return_boolean (task, TRUE);
}

static void
uninstall_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CpInstallJob *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!CP_INSTALLER_GET_IFACE (object)->uninstall_finish (CP_INSTALLER (object), result, &error))
    {
      finish_job (job, error, CP_INSTALL_STATE_NOT_INSTALLED);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  finish_job (job, NULL, CP_INSTALL_STATE_NOT_INSTALLED);
  g_task_return_boolean (task, TRUE);
}

static void
is_installed_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CpApp *app = g_task_get_task_data (task);
  g_autoptr(GHashTable) installed = NULL;
  g_autoptr(GError) error = NULL;

  installed = cp_installer_list_installed_finish (CP_INSTALLER (object), result, &error);
  if (installed == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, g_hash_table_contains (installed, cp_app_get_id (app)));
}

gboolean
cp_installer_can_install (CpInstaller *self,
                          CpApp       *app)
{
  g_return_val_if_fail (CP_IS_INSTALLER (self), FALSE);
  g_return_val_if_fail (CP_IS_APP (app), FALSE);

  return CP_INSTALLER_GET_IFACE (self)->can_install (self, app);
}

void
cp_installer_install_async (CpInstaller         *self,
                            CpApp               *app,
                            CpInstallJob        *job,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CP_IS_INSTALLER (self));
  g_return_if_fail (CP_IS_APP (app));
  g_return_if_fail (CP_IS_INSTALL_JOB (job));

  task = g_task_new (self, cp_install_job_get_cancellable (job), callback, user_data);
  g_task_set_source_tag (task, cp_installer_install_async);
  g_task_set_task_data (task, g_object_ref (job), g_object_unref);
  /* A cancel that came too late to stop anything must not hide the result. */
  g_task_set_check_cancellable (task, FALSE);

  cp_install_job_set_state (job, CP_INSTALL_STATE_QUEUED);
  CP_INSTALLER_GET_IFACE (self)->install_async (self, app, job, install_cb, task);
}

gboolean
cp_installer_install_finish (CpInstaller   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cp_installer_install_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cp_installer_uninstall_async (CpInstaller         *self,
                              CpApp               *app,
                              CpInstallJob        *job,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CP_IS_INSTALLER (self));
  g_return_if_fail (CP_IS_APP (app));
  g_return_if_fail (CP_IS_INSTALL_JOB (job));

  task = g_task_new (self, cp_install_job_get_cancellable (job), callback, user_data);
  g_task_set_source_tag (task, cp_installer_uninstall_async);
  g_task_set_task_data (task, g_object_ref (job), g_object_unref);
  g_task_set_check_cancellable (task, FALSE);

  cp_install_job_set_state (job, CP_INSTALL_STATE_REMOVING);
  CP_INSTALLER_GET_IFACE (self)->uninstall_async (self, app, job, uninstall_cb, task);
}

gboolean
cp_installer_uninstall_finish (CpInstaller   *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cp_installer_uninstall_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cp_installer_list_installed_async (CpInstaller         *self,
                                   GPtrArray           *apps,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (CP_IS_INSTALLER (self));
  g_return_if_fail (apps != NULL);

  CP_INSTALLER_GET_IFACE (self)->list_installed_async (self, apps, cancellable, callback, user_data);
}

GHashTable *
cp_installer_list_installed_finish (CpInstaller   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (CP_IS_INSTALLER (self), NULL);

  return CP_INSTALLER_GET_IFACE (self)->list_installed_finish (self, result, error);
}

void
cp_installer_is_installed_async (CpInstaller         *self,
                                 CpApp               *app,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GPtrArray) apps = g_ptr_array_new_with_free_func (g_object_unref);
  GTask *task;

  g_return_if_fail (CP_IS_INSTALLER (self));
  g_return_if_fail (CP_IS_APP (app));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_installer_is_installed_async);
  g_task_set_task_data (task, g_object_ref (app), g_object_unref);

  g_ptr_array_add (apps, g_object_ref (app));
  cp_installer_list_installed_async (self, apps, cancellable, is_installed_cb, task);
}

gboolean
cp_installer_is_installed_finish (CpInstaller   *self,
                                  GAsyncResult  *result,
                                  gboolean      *installed,
                                  GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean value;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cp_installer_is_installed_async, FALSE);

  value = g_task_propagate_boolean (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (installed != NULL)
    *installed = value;
  return TRUE;
}
