/* cp-agent-installer.h: the io.github.companyportal.Agent1.Installer interface
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cp-enrollment-store.h"
#include "cp-install-reporter.h"

G_BEGIN_DECLS

/* Largest catalog entry Install/Uninstall accept, in bytes. */
#define CP_AGENT_INSTALLER_MAX_APP_JSON (256 * 1024)
/* Queued plus running jobs; more is refused (...Error.Conflict). */
#define CP_AGENT_INSTALLER_MAX_ACTIVE   64
/* Seconds GetPermissions gives the remote (...Error.TimedOut after). */
#define CP_AGENT_INSTALLER_PERMISSIONS_TIMEOUT 20

#define CP_TYPE_AGENT_INSTALLER (cp_agent_installer_get_type ())
G_DECLARE_FINAL_TYPE (CpAgentInstaller, cp_agent_installer, CP, AGENT_INSTALLER, GObject)

/*
 * Runs Flatpak installs and removals for the window (CpFlatpakInstaller, one
 * transaction at a time), relays their progress as JobChanged and reports
 * each state change that matters to the organisation through @reporter for
 * the device enrolled in @enrollments. Holds @app while a job is queued or
 * running, so a D-Bus activated agent does not exit on idle in the middle.
 */
CpAgentInstaller *cp_agent_installer_new       (GApplication       *app,
                                                CpEnrollmentStore  *enrollments,
                                                CpInstallReporter  *reporter);
gboolean          cp_agent_installer_export    (CpAgentInstaller   *self,
                                                GDBusConnection    *connection,
                                                GError            **error);
void              cp_agent_installer_unexport  (CpAgentInstaller   *self);

G_END_DECLS
