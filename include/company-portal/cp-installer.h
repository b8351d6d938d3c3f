/* cp-installer.h: one interface for every way an app gets installed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cp-app.h"
#include "cp-install-job.h"

G_BEGIN_DECLS

#define CP_TYPE_INSTALLER (cp_installer_get_type ())
G_DECLARE_INTERFACE (CpInstaller, cp_installer, CP, INSTALLER, GObject)

/**
 * CpInstallerInterface:
 * @can_install: whether this installer handles @app's install method (cheap,
 *   no I/O).
 * @install_async: installs @app, moving @job through DOWNLOADING and
 *   INSTALLING (with progress) on the caller's main context. The final state
 *   is set by cp_installer_install_async(), not by the implementation, with
 *   one exception: an app found already installed is put in INSTALLED by
 *   the implementation, which then returns CP_ERROR_CONFLICT.
 *   Cancel through the job's cancellable.
 * @uninstall_async: removes @app.
 * @list_installed_async: which of @apps (CpApp) are installed on this
 *   machine, in any installation the implementation knows about; the result
 *   is a set (GHashTable of app id strings).
 *
 * Errors are CP_ERROR codes with messages for the user (CP_ERROR_NOT_FOUND,
 * CP_ERROR_NETWORK, CP_ERROR_CONFLICT for "already installed", ...);
 * cancellation is G_IO_ERROR_CANCELLED.
 */
struct _CpInstallerInterface
{
  GTypeInterface parent_iface;

  gboolean     (*can_install)            (CpInstaller          *self,
                                          CpApp                *app);
  void         (*install_async)          (CpInstaller          *self,
                                          CpApp                *app,
                                          CpInstallJob         *job,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
  gboolean     (*install_finish)         (CpInstaller          *self,
                                          GAsyncResult         *result,
                                          GError              **error);
  void         (*uninstall_async)        (CpInstaller          *self,
                                          CpApp                *app,
                                          CpInstallJob         *job,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
  gboolean     (*uninstall_finish)       (CpInstaller          *self,
                                          GAsyncResult         *result,
                                          GError              **error);
  void         (*list_installed_async)   (CpInstaller          *self,
                                          GPtrArray            *apps,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
  GHashTable  *(*list_installed_finish)  (CpInstaller          *self,
                                          GAsyncResult         *result,
                                          GError              **error);
};

gboolean     cp_installer_can_install            (CpInstaller          *self,
                                                  CpApp                *app);

/*
 * Sets @job QUEUED, runs the implementation, then sets the final state:
 * INSTALLED on success, CANCELLED on cancellation, FAILED with the error
 * otherwise; except that an app found already installed stays INSTALLED
 * while the call returns CP_ERROR_CONFLICT, so the caller can tell.
 * One job per operation: make a new one to retry.
 */
void         cp_installer_install_async          (CpInstaller          *self,
                                                  CpApp                *app,
                                                  CpInstallJob         *job,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean     cp_installer_install_finish         (CpInstaller          *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/*
 * Sets @job REMOVING, then NOT_INSTALLED on success, CANCELLED or FAILED
 * otherwise. After FAILED or CANCELLED (of either operation) the caller asks
 * cp_installer_is_installed_async() for the truth before showing a state.
 */
void         cp_installer_uninstall_async        (CpInstaller          *self,
                                                  CpApp                *app,
                                                  CpInstallJob         *job,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean     cp_installer_uninstall_finish       (CpInstaller          *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/* @apps: (element-type CpApp). Returns a set of the installed apps' ids. */
void         cp_installer_list_installed_async   (CpInstaller          *self,
                                                  GPtrArray            *apps,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GHashTable  *cp_installer_list_installed_finish  (CpInstaller          *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/* The one-app form of list_installed: FALSE on error, else *@installed says. */
void         cp_installer_is_installed_async     (CpInstaller          *self,
                                                  CpApp                *app,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean     cp_installer_is_installed_finish    (CpInstaller          *self,
                                                  GAsyncResult         *result,
                                                  gboolean             *installed,
                                                  GError              **error);

/*
 * Flatpak sandbox permissions as a structured value (a{sv}), the form the
 * agent's Installer.GetPermissions returns. Every key is always present, an
 * array of strings (empty when the app asks for none), in the metadata's
 * order:
 *   "shared"       [Context] shared: network, ipc
 *   "sockets"      [Context] sockets: x11, wayland, pulseaudio, ...
 *   "devices"      [Context] devices: dri, all, kvm, ...
 *   "features"     [Context] features: devel, bluetooth, ...
 *   "filesystems"  [Context] filesystems: home, host, xdg-download:ro, /srv/x ...
 *   "persistent"   [Context] persistent: folders kept under ~/.var/app
 *   "talk-names"   [Session Bus Policy] names with "talk"
 *   "own-names"    [Session Bus Policy] names with "own"
 *   "system-talk-names", "system-own-names": the same on the system bus
 * Negations ("!home") are left out: they take access away. @metadata is the
 * text of a Flatpak metadata file (CP_ERROR_INVALID_DATA when it is not one).
 */
#define CP_FLATPAK_PERMISSIONS_TYPE ((const GVariantType *) "a{sv}")
GVariant    *cp_flatpak_permissions_from_metadata (const char           *metadata,
                                                   gsize                 length,
                                                   GError              **error);
/*
 * The permissions in plain words, one translated sentence per permission,
 * for the details page ("Network access", "Your home folder", "Can talk to:
 * org.freedesktop.secrets"). Harmless ones (wayland, fallback-x11 next to
 * wayland, dri, ipc) are left out: an app that asks for nothing else gives
 * an empty list. Unknown keys and values of the wrong type are ignored.
 */
GStrv        cp_flatpak_permissions_describe      (GVariant             *permissions);

G_END_DECLS
