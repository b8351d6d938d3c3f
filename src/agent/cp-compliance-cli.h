/* cp-compliance-cli.h: company-portal-agent --check, --evaluate and --status
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cp-enrollment-store.h"

G_BEGIN_DECLS

/* Exit statuses of --check and --evaluate. */
#define CP_CLI_COMPLIANT     0
#define CP_CLI_NOT_COMPLIANT 1
#define CP_CLI_ERROR         2

/* Evaluates a policy file on @host_root ("/" when NULL); no server, no enrollment. */
int  cp_compliance_cli_evaluate   (const char        *policy_path,
                                   const char        *host_root,
                                   gboolean           json);
/* Asks the agent (over D-Bus, starting it if needed) to evaluate and report
 * for every enrolled server, and prints a summary. */
int  cp_compliance_cli_check      (CpEnrollmentStore *enrollments,
                                   gboolean           json);
/* Prints JSON to stdout as UTF-8, whatever the locale. */
void cp_compliance_cli_print_json (JsonNode          *node);
/* Adds a "compliance" member to each enrollment of a --status --json document. */
void cp_compliance_cli_add_status (JsonNode          *status);
/* One line about @server's compliance for --status, or NULL when nothing is known. */
char *cp_compliance_cli_status_line (const char      *server);

G_END_DECLS
