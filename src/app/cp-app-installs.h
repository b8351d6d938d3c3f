/* cp-app-installs.h: what the agent says about installs, for the Apps view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <company-portal.h>

G_BEGIN_DECLS

typedef enum
{
  CP_APP_INSTALL_STATE_UNKNOWN,       /* the agent has not answered (yet) */
  CP_APP_INSTALL_STATE_NOT_INSTALLED,
  CP_APP_INSTALL_STATE_QUEUED,
  CP_APP_INSTALL_STATE_DOWNLOADING,
  CP_APP_INSTALL_STATE_INSTALLING,
  CP_APP_INSTALL_STATE_INSTALLED,
  CP_APP_INSTALL_STATE_FAILED,
  CP_APP_INSTALL_STATE_REMOVING,
  CP_APP_INSTALL_STATE_PREPARING,     /* the window fetches the entry from the server */
} CpAppInstallState;

#define CP_TYPE_APP_INSTALLS (cp_app_installs_get_type ())
G_DECLARE_FINAL_TYPE (CpAppInstalls, cp_app_installs, CP, APP_INSTALLS, GObject)

/*
 * Talks to io.github.companyportal.Agent1.Installer on the session bus
 * (D-Bus activated). ListInstalled and GetJobs at start, then JobChanged.
 * Without an agent, every Flatpak app stays UNKNOWN and is_agent_available()
 * is FALSE. ::changed (detailed by the app id) is emitted on every change of
 * an app's state or progress, and with no detail when the agent appears or
 * goes away.
 */
CpAppInstalls     *cp_app_installs_new                 (void);
/* For tests: an existing connection (NULL: the session bus). */
CpAppInstalls     *cp_app_installs_new_for_connection  (GDBusConnection *connection);
gboolean           cp_app_installs_is_agent_available  (CpAppInstalls *self);
CpAppInstallState  cp_app_installs_get_state           (CpAppInstalls *self,
                                                        const char    *app_id);
/* Progress of the running job: 0..1, bytes (0 total = unknown). */
double             cp_app_installs_get_progress        (CpAppInstalls *self,
                                                        const char    *app_id,
                                                        guint64       *bytes_done,
                                                        guint64       *bytes_total);
/* Why the last job failed (translated by the agent), or NULL. */
const char        *cp_app_installs_get_error           (CpAppInstalls *self,
                                                        const char    *app_id);
/* The server the entries come from (GET /v1/apps/{id}); NULL: none, and
 * install and uninstall fail with the reason. */
void               cp_app_installs_set_client          (CpAppInstalls *self,
                                                        CpApiClient   *client);
/*
 * Fetches the app's authoritative entry (GET /v1/apps/{id}) and hands it to
 * the agent. The app is PREPARING meanwhile (Cancel stops it); a failure to
 * fetch or to queue shows as FAILED with the reason. Uninstall goes through
 * REMOVING; when it cannot start, the app stays INSTALLED and
 * get_error() says why.
 */
void               cp_app_installs_install             (CpAppInstalls *self,
                                                        const char    *app_id);
void               cp_app_installs_uninstall           (CpAppInstalls *self,
                                                        const char    *app_id);
/*
 * The sandbox permissions the agent reads for the app (Installer.
 * GetPermissions with the app's entry from the server): a{sv} as
 * cp_flatpak_permissions_from_metadata() documents. CP_ERROR_UNAVAILABLE
 * without an agent.
 */
void               cp_app_installs_get_permissions_async  (CpAppInstalls       *self,
                                                           const char          *app_id,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
GVariant          *cp_app_installs_get_permissions_finish (CpAppInstalls       *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);
void               cp_app_installs_cancel              (CpAppInstalls *self,
                                                        const char    *app_id);
/* Re-reads ListInstalled and GetJobs. */
void               cp_app_installs_refresh             (CpAppInstalls *self);

G_END_DECLS
