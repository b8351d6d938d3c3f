/* cp-agent-compliance.h: the io.github.companyportal.Agent1.Compliance interface
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cp-compliance-store.h"
#include "cp-enrollment-store.h"

G_BEGIN_DECLS

/* Largest answer to a report the agent reads (the policy has its own limit). */
#define CP_AGENT_COMPLIANCE_MAX_RESPONSE (64 * 1024)

#define CP_TYPE_AGENT_COMPLIANCE (cp_agent_compliance_get_type ())
G_DECLARE_FINAL_TYPE (CpAgentCompliance, cp_agent_compliance, CP, AGENT_COMPLIANCE, GObject)

/*
 * Evaluates the server's policy with CpComplianceEngine on @host_root ("/"
 * normally), signs the report with the device key and sends it; reports a
 * server cannot take are queued in @store and sent by the next operation for
 * that server. Holds @app while anything runs.
 */
CpAgentCompliance *cp_agent_compliance_new       (GApplication       *app,
                                                  CpEnrollmentStore  *enrollments,
                                                  CpComplianceStore  *store,
                                                  const char         *host_root);
gboolean           cp_agent_compliance_export    (CpAgentCompliance  *self,
                                                  GDBusConnection    *connection,
                                                  GError            **error);
void               cp_agent_compliance_unexport  (CpAgentCompliance  *self);
/* The check-in schedule ran for @server: a background check-in evaluates and
 * reports, any other check-in sends what is queued. */
void               cp_agent_compliance_checked_in (CpAgentCompliance *self,
                                                   const char        *server,
                                                   gboolean           background);

G_END_DECLS
