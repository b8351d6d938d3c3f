/* cp-flatpak-installer.h: CpInstaller on libflatpak
 *
 * Lives in its own library (libcompanyportal_flatpak) because the window may
 * run inside Flatpak, where libflatpak is not available; only the host agent
 * and the tests link it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <flatpak.h>

#include "cp-installer.h"

G_BEGIN_DECLS

#define CP_TYPE_FLATPAK_INSTALLER (cp_flatpak_installer_get_type ())
G_DECLARE_FINAL_TYPE (CpFlatpakInstaller, cp_flatpak_installer, CP, FLATPAK_INSTALLER, GObject)

/*
 * Installs into @installation. Installs and removals run one at a time in a
 * worker thread (a second one stays QUEUED); progress reaches the job on the
 * main context of the thread that started the operation.
 *
 * The app's remote is added when the catalog entry names one that this
 * installation lacks (remoteName + remoteUrl), with GPG verification unless
 * the entry says "gpgVerify": false; a remote of that name with another URL
 * is never changed (CP_ERROR_CONFLICT). A remote added for an install that
 * then fails is removed again.
 */
CpFlatpakInstaller  *cp_flatpak_installer_new           (FlatpakInstallation   *installation);
/* The per-user installation (or the system one), plus the other one for
 * detecting apps that are already installed. */
CpFlatpakInstaller  *cp_flatpak_installer_new_default   (gboolean               system,
                                                         GCancellable          *cancellable,
                                                         GError               **error);
/* Another installation whose apps count as installed (never installed into).
 * Add them right after construction, before the first operation. */
void                 cp_flatpak_installer_add_detection_installation
                                                        (CpFlatpakInstaller    *self,
                                                         FlatpakInstallation   *installation);
FlatpakInstallation *cp_flatpak_installer_get_installation
                                                        (CpFlatpakInstaller    *self);

/* Seconds fetch_metadata gives the remote before CP_ERROR_TIMED_OUT. */
#define CP_FLATPAK_METADATA_TIMEOUT 20

/*
 * The app's Flatpak metadata: from the installed app when it is installed
 * in any known installation, else from the remote the catalog names. That
 * remote is added as an install adds it (remoteName + remoteUrl, GPG unless
 * "gpgVerify": false, never changed when it exists with another URL:
 * CP_ERROR_CONFLICT) and kept, unless the look fails. Runs in a thread;
 * CP_ERROR_TIMED_OUT after CP_FLATPAK_METADATA_TIMEOUT seconds.
 */
void                 cp_flatpak_installer_fetch_metadata_async
                                                        (CpFlatpakInstaller    *self,
                                                         CpApp                 *app,
                                                         GCancellable          *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer               user_data);
GBytes              *cp_flatpak_installer_fetch_metadata_finish
                                                        (CpFlatpakInstaller    *self,
                                                         GAsyncResult          *result,
                                                         GError               **error);
/*
 * The same look, returning the sandbox permissions as
 * cp_flatpak_permissions_from_metadata() gives them (a{sv}). @timeout_seconds
 * 0 means none. Errors: CP_ERROR_NOT_FOUND (no such ref, no remote and no
 * URL), CP_ERROR_NETWORK (the remote cannot be reached), CP_ERROR_TIMED_OUT,
 * CP_ERROR_CONFLICT, CP_ERROR_INVALID_DATA, G_IO_ERROR_CANCELLED.
 */
void                 cp_flatpak_installer_fetch_permissions_async
                                                        (CpFlatpakInstaller    *self,
                                                         CpApp                 *app,
                                                         guint                  timeout_seconds,
                                                         GCancellable          *cancellable,
                                                         GAsyncReadyCallback    callback,
                                                         gpointer               user_data);
GVariant            *cp_flatpak_installer_fetch_permissions_finish
                                                        (CpFlatpakInstaller    *self,
                                                         GAsyncResult          *result,
                                                         GError               **error);

G_END_DECLS
