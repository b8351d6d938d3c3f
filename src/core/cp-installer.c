/* cp-installer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

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

/* Flatpak permissions */

/* A metadata file is a few KiB; anything near this is not one. */
#define MAX_METADATA_LENGTH (1024 * 1024)

static const char *const context_keys[] = {
  "shared", "sockets", "devices", "features", "filesystems", "persistent",
};

static GVariant *
context_list (GKeyFile   *keyfile,
              const char *key)
{
  g_auto(GStrv) values = g_key_file_get_string_list (keyfile, "Context", key, NULL, NULL);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    {
      g_strstrip (values[i]);
      /* "!x" takes access away; duplicates say nothing new. */
      if (values[i][0] != '\0' && values[i][0] != '!')
        g_variant_builder_add (&builder, "s", values[i]);
    }
  return g_variant_builder_end (&builder);
}

static GVariant *
bus_names (GKeyFile   *keyfile,
           const char *group,
           const char *policy)
{
  g_auto(GStrv) names = g_key_file_get_keys (keyfile, group, NULL, NULL);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      g_autofree char *value = g_key_file_get_string (keyfile, group, names[i], NULL);

      if (value != NULL && g_str_equal (g_strstrip (value), policy))
        g_variant_builder_add (&builder, "s", names[i]);
    }
  return g_variant_builder_end (&builder);
}

GVariant *
cp_flatpak_permissions_from_metadata (const char  *metadata,
                                      gsize        length,
                                      GError     **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  GVariantBuilder builder;

  g_return_val_if_fail (metadata != NULL || length == 0, NULL);

  if (length > MAX_METADATA_LENGTH || memchr (metadata, '\0', length) != NULL ||
      !g_utf8_validate (metadata, length, NULL) ||
      !g_key_file_load_from_data (keyfile, metadata, length, G_KEY_FILE_NONE, NULL) ||
      (!g_key_file_has_group (keyfile, "Application") && !g_key_file_has_group (keyfile, "Runtime")))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The app’s permissions cannot be read."));
      return NULL;
    }

  g_variant_builder_init (&builder, CP_FLATPAK_PERMISSIONS_TYPE);
  for (guint i = 0; i < G_N_ELEMENTS (context_keys); i++)
    g_variant_builder_add (&builder, "{sv}", context_keys[i], context_list (keyfile, context_keys[i]));
  g_variant_builder_add (&builder, "{sv}", "talk-names", bus_names (keyfile, "Session Bus Policy", "talk"));
  g_variant_builder_add (&builder, "{sv}", "own-names", bus_names (keyfile, "Session Bus Policy", "own"));
  g_variant_builder_add (&builder, "{sv}", "system-talk-names", bus_names (keyfile, "System Bus Policy", "talk"));
  g_variant_builder_add (&builder, "{sv}", "system-own-names", bus_names (keyfile, "System Bus Policy", "own"));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

typedef struct
{
  const char *value;
  const char *sentence;   /* NULL: harmless, not shown */
} Wording;

static const Wording shared_words[] = {
  { "network", N_("Network access") },
  { "ipc", NULL },
};

static const Wording socket_words[] = {
  { "x11", N_("Can see and control other windows (X11)") },
  { "wayland", NULL },
  { "fallback-x11", NULL },
  { "inherit-wayland-socket", NULL },
  { "pulseaudio", N_("Plays and records sound") },
  { "session-bus", N_("Full access to the services of your session") },
  { "system-bus", N_("Full access to the services of the system") },
  { "ssh-auth", N_("Can use your SSH keys") },
  { "gpg-agent", N_("Can use your GPG keys") },
  { "pcsc", N_("Can use smart cards") },
  { "cups", N_("Can print") },
};

static const Wording device_words[] = {
  { "dri", NULL },
  { "shm", NULL },
  { "all", N_("All devices, such as cameras and USB sticks") },
  { "kvm", N_("Can run virtual machines") },
  { "input", N_("Input devices, such as game controllers") },
  { "usb", N_("USB devices") },
};

static const Wording feature_words[] = {
  { "devel", N_("Can inspect and debug other programs") },
  { "bluetooth", N_("Bluetooth") },
  { "canbus", N_("CAN bus devices") },
  { "multiarch", NULL },
  { "per-app-dev-shm", NULL },
};

static const Wording place_words[] = {
  { "host", N_("All files") },
  { "host-os", N_("The system’s programs and libraries") },
  { "host-etc", N_("The system’s settings") },
  { "home", N_("Your home folder") },
  { "xdg-desktop", N_("Your Desktop folder") },
  { "xdg-documents", N_("Your Documents folder") },
  { "xdg-download", N_("Your Downloads folder") },
  { "xdg-music", N_("Your Music folder") },
  { "xdg-pictures", N_("Your Pictures folder") },
  { "xdg-videos", N_("Your Videos folder") },
  { "xdg-templates", N_("Your Templates folder") },
  { "xdg-public-share", N_("Your Public folder") },
};

/* g_strv_builder_take() is GLib 2.80. */
static void
add_owned (GStrvBuilder *out,
           char         *text)
{
  g_strv_builder_add (out, text);
  g_free (text);
}

static GStrv
permission_list (GVariant   *permissions,
                 const char *key,
                 gsize      *n)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (permissions, key, G_VARIANT_TYPE_STRING_ARRAY);

  *n = 0;
  return value != NULL ? g_variant_dup_strv (value, n) : NULL;
}

static void
describe_words (GStrvBuilder  *out,
                GVariant      *permissions,
                const char    *key,
                const Wording *words,
                gsize          n_words,
                const char    *other_format)
{
  gsize n;
  g_auto(GStrv) values = permission_list (permissions, key, &n);

  for (gsize i = 0; i < n; i++)
    {
      gboolean known = FALSE;

      for (gsize j = 0; j < n_words && !known; j++)
        if (g_str_equal (values[i], words[j].value))
          {
            known = TRUE;
            if (words[j].sentence != NULL)
              g_strv_builder_add (out, _(words[j].sentence));
          }
      if (!known)
        add_owned (out, g_strdup_printf (other_format, values[i]));
    }
}

/* "fallback-x11" only matters when there is no Wayland. */
static void
describe_fallback_x11 (GStrvBuilder *out,
                       GVariant     *permissions)
{
  gsize n;
  g_auto(GStrv) sockets = permission_list (permissions, "sockets", &n);

  if (sockets != NULL && g_strv_contains ((const char *const *) sockets, "fallback-x11") &&
      !g_strv_contains ((const char *const *) sockets, "wayland") && !g_strv_contains ((const char *const *) sockets, "x11"))
    g_strv_builder_add (out, _("Can see and control other windows (X11)"));
}

static void
describe_place (GStrvBuilder *out,
                const char   *entry)
{
  g_autofree char *place = g_strdup (entry);
  char *mode = strrchr (place, ':');
  gboolean read_only = FALSE;
  const char *name = NULL;
  g_autofree char *text = NULL;

  if (mode != NULL && (g_str_equal (mode, ":ro") || g_str_equal (mode, ":rw") ||
                       g_str_equal (mode, ":create")))
    {
      read_only = g_str_equal (mode, ":ro");
      *mode = '\0';
    }
  for (gsize i = 0; i < G_N_ELEMENTS (place_words); i++)
    if (g_str_equal (place, place_words[i].value))
      name = _(place_words[i].sentence);
  /* TRANSLATORS: a folder the app can use, e.g. "The folder ~/Projects" */
  text = name != NULL ? g_strdup (name) : g_strdup_printf (_("The folder %s"), place);
  if (read_only)
    /* TRANSLATORS: %s is a place, e.g. "Your Downloads folder (read-only)" */
    add_owned (out, g_strdup_printf (_("%s (read-only)"), text));
  else
    g_strv_builder_add (out, text);
}

static void
describe_list (GStrvBuilder *out,
               GVariant     *permissions,
               const char   *key,
               const char   *format)
{
  gsize n;
  g_auto(GStrv) values = permission_list (permissions, key, &n);

  for (gsize i = 0; i < n; i++)
    add_owned (out, g_strdup_printf (format, values[i]));
}

GStrv
cp_flatpak_permissions_describe (GVariant *permissions)
{
  g_autoptr(GStrvBuilder) out = g_strv_builder_new ();
  gsize n;
  g_auto(GStrv) places = NULL;

  g_return_val_if_fail (permissions != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (permissions, CP_FLATPAK_PERMISSIONS_TYPE), NULL);

  describe_words (out, permissions, "shared", shared_words, G_N_ELEMENTS (shared_words),
                  /* TRANSLATORS: a sandbox permission with no plain-words description */
                  _("Shares: %s"));
  places = permission_list (permissions, "filesystems", &n);
  for (gsize i = 0; i < n; i++)
    describe_place (out, places[i]);
  describe_words (out, permissions, "sockets", socket_words, G_N_ELEMENTS (socket_words),
                  _("Uses the socket %s"));
  describe_fallback_x11 (out, permissions);
  describe_words (out, permissions, "devices", device_words, G_N_ELEMENTS (device_words),
                  _("Uses the device %s"));
  describe_words (out, permissions, "features", feature_words, G_N_ELEMENTS (feature_words),
                  _("Uses the feature %s"));
  describe_list (out, permissions, "talk-names", _("Can talk to: %s"));
  describe_list (out, permissions, "own-names", _("Provides: %s"));
  describe_list (out, permissions, "system-talk-names", _("Can talk to the system service: %s"));
  describe_list (out, permissions, "system-own-names", _("Provides the system service: %s"));
  describe_list (out, permissions, "persistent", _("Keeps its data in ~/%s"));
  return g_strv_builder_end (out);
}
