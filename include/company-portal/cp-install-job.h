/* cp-install-job.h: the observable progress of one install or removal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  CP_INSTALL_STATE_NOT_INSTALLED,
  CP_INSTALL_STATE_QUEUED,
  CP_INSTALL_STATE_DOWNLOADING,  /* bytes-done/bytes-total are meaningful */
  CP_INSTALL_STATE_INSTALLING,
  CP_INSTALL_STATE_INSTALLED,
  CP_INSTALL_STATE_FAILED,       /* the error says why */
  CP_INSTALL_STATE_CANCELLED,
  CP_INSTALL_STATE_REMOVING,
} CpInstallState;

#define CP_TYPE_INSTALL_STATE (cp_install_state_get_type ())
GType           cp_install_state_get_type          (void);
/* Wire names ("notInstalled", "queued", "downloading", "installing",
 * "installed", "failed", "cancelled", "removing") for D-Bus and reports. */
const char     *cp_install_state_to_string         (CpInstallState  state);
gboolean        cp_install_state_from_string       (const char     *text,
                                                    CpInstallState *state);

#define CP_TYPE_INSTALL_JOB (cp_install_job_get_type ())
G_DECLARE_FINAL_TYPE (CpInstallJob, cp_install_job, CP, INSTALL_JOB, GObject)

/*
 * A job is handed to cp_installer_install_async()/uninstall_async() and
 * changes only on the main context of the thread that started the
 * operation, so the UI can bind to its properties ("state", "fraction",
 * "bytes-done", "bytes-total", "error-message") directly. Setters notify only
 * when a value changes.
 *
 * @cancellable (nullable) is the job's cancellable; one is made when NULL.
 */
CpInstallJob   *cp_install_job_new                 (const char     *app_id,
                                                    GCancellable   *cancellable);
const char     *cp_install_job_get_app_id          (CpInstallJob   *self);
CpInstallState  cp_install_job_get_state           (CpInstallJob   *self);
double          cp_install_job_get_fraction        (CpInstallJob   *self); /* 0..1 */
guint64         cp_install_job_get_bytes_done      (CpInstallJob   *self);
guint64         cp_install_job_get_bytes_total     (CpInstallJob   *self); /* 0 = unknown */
const GError   *cp_install_job_get_error           (CpInstallJob   *self); /* set in FAILED */
const char     *cp_install_job_get_error_message   (CpInstallJob   *self); /* nullable */
GCancellable   *cp_install_job_get_cancellable     (CpInstallJob   *self);
void            cp_install_job_cancel              (CpInstallJob   *self);

/* For installers and for relays of a remote installer (the agent's D-Bus API). */
void            cp_install_job_set_state           (CpInstallJob   *self,
                                                    CpInstallState  state);
void            cp_install_job_set_progress        (CpInstallJob   *self,
                                                    guint64         bytes_done,
                                                    guint64         bytes_total,
                                                    double          fraction);
/* Sets FAILED with @error (a copy is kept). */
void            cp_install_job_set_failed          (CpInstallJob   *self,
                                                    const GError   *error);

G_END_DECLS
