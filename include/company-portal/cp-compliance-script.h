/* cp-compliance-script.h: runs a custom compliance discovery script
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CP_COMPLIANCE_SCRIPT_DEFAULT_TIMEOUT_MS  (300 * 1000)
#define CP_COMPLIANCE_SCRIPT_MAX_OUTPUT          (1024 * 1024)

#define CP_TYPE_COMPLIANCE_SCRIPT (cp_compliance_script_get_type ())
G_DECLARE_FINAL_TYPE (CpComplianceScript, cp_compliance_script, CP, COMPLIANCE_SCRIPT, GObject)

/* @text: the script, starting with "#!/absolute/interpreter [one argument]".
 * It is written to a private temporary file and run as
 * [interpreter, argument?, file] without a shell, as the calling user, in its
 * own process group, with stdin from /dev/null. */
CpComplianceScript  *cp_compliance_script_new              (const char          *text);
/* Default CP_COMPLIANCE_SCRIPT_DEFAULT_TIMEOUT_MS. On timeout the process
 * group gets SIGTERM, then SIGKILL after @kill_grace_ms (default 2000). */
void                 cp_compliance_script_set_timeout      (CpComplianceScript  *self,
                                                            guint                timeout_ms,
                                                            guint                kill_grace_ms);
void                 cp_compliance_script_set_max_output   (CpComplianceScript  *self,
                                                            gsize                max_output);
/* Succeeds with the standard output only when the script exited with 0 in
 * time without exceeding the output limit. Errors (all CP_ERROR, translated):
 * CP_ERROR_INVALID_INPUT no or bad shebang, CP_ERROR_TIMED_OUT,
 * CP_ERROR_INVALID_DATA output over the limit, CP_ERROR_FAILED exited with a
 * non-zero status or was killed by a signal, or could not be started. */
void                 cp_compliance_script_run_async        (CpComplianceScript  *self,
                                                            GCancellable        *cancellable,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
GBytes              *cp_compliance_script_run_finish       (CpComplianceScript  *self,
                                                            GAsyncResult        *result,
                                                            GError             **error);

G_END_DECLS
