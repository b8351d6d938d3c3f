/* cp-install-reporter.h: signed install reports, queued on disk until sent
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cp-enrollment-store.h"

G_BEGIN_DECLS

/* Report states of POST /v1/devices/{id}/installs. */
#define CP_INSTALL_REPORT_PENDING          "pendingInstall"
#define CP_INSTALL_REPORT_INSTALLED        "installed"
#define CP_INSTALL_REPORT_FAILED           "failed"
#define CP_INSTALL_REPORT_NOT_INSTALLED    "notInstalled"
#define CP_INSTALL_REPORT_UNINSTALL_FAILED "uninstallFailed"

/* Seconds before a report the server could not take is tried again. */
#define CP_INSTALL_REPORTER_DEFAULT_RETRY  300

#define CP_TYPE_INSTALL_REPORTER (cp_install_reporter_get_type ())
G_DECLARE_FINAL_TYPE (CpInstallReporter, cp_install_reporter, CP, INSTALL_REPORTER, GObject)

/*
 * Every report is written to @path (default
 * $XDG_STATE_HOME/company-portal/agent/install-reports.json, mode 0600,
 * replaced atomically) before it is sent, and leaves the file only when the
 * server took it (2xx) or can never take it (the device is gone: 404/410; the
 * server refuses the report itself: 400/413/422). Anything else (no network,
 * 5xx, 429, a refused signature, a locked keyring) keeps it for the next try:
 * after @retry_seconds (or the server's Retry-After), with the next report for
 * that server, and when the agent starts again. Holds @app while sending.
 */
char              *cp_install_reporter_default_path (void);
CpInstallReporter *cp_install_reporter_new          (GApplication       *app,
                                                     CpEnrollmentStore  *enrollments,
                                                     const char         *path,
                                                     guint               retry_seconds);
/* Reads what an earlier run left queued (a damaged file is kept aside as
 * ….damaged) and starts sending it. */
void               cp_install_reporter_start        (CpInstallReporter  *self);
/*
 * Queues one report for the device enrolled with @server (normalised URL) and
 * sends the queue of that server. Without an enrollment nothing is reported
 * (logged) and FALSE is returned.
 */
gboolean           cp_install_reporter_add          (CpInstallReporter  *self,
                                                     const char         *server,
                                                     const char         *app_id,
                                                     const char         *state,
                                                     const char         *error_message);
/* Reports waiting to be sent (to any server). */
guint              cp_install_reporter_get_n_queued (CpInstallReporter  *self);

G_END_DECLS
