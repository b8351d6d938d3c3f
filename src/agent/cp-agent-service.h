/* cp-agent-service.h: the io.github.companyportal.Agent1 object
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "cp-enrollment-store.h"

G_BEGIN_DECLS

#define CP_AGENT_DEFAULT_CHECK_IN_INTERVAL (8 * 60 * 60)

#define CP_TYPE_AGENT_SERVICE (cp_agent_service_get_type ())
G_DECLARE_FINAL_TYPE (CpAgentService, cp_agent_service, CP, AGENT_SERVICE, GObject)

/*
 * Implements the D-Bus interface on top of the core (facts, device key,
 * device requests) and the enrollment record. Every call holds @app while it
 * runs, so a D-Bus activated agent only exits when idle. Facts are read
 * through @host_root ("/" normally). @check_in_interval is in seconds.
 */
CpAgentService *cp_agent_service_new       (GApplication       *app,
                                            CpEnrollmentStore  *store,
                                            const char         *host_root,
                                            guint               check_in_interval);
gboolean        cp_agent_service_export    (CpAgentService     *self,
                                            GDBusConnection    *connection,
                                            GError            **error);
void            cp_agent_service_unexport  (CpAgentService     *self);
/* Starts the background check-ins of every enrolled server. */
void            cp_agent_service_start_schedule (CpAgentService *self);

/* Signal "check-in-finished" (const char *server, gboolean background):
 * a check-in of an enrolled device ended, successfully or not. */

/* The server URL as the agent keys everything by it; CP_ERROR_INVALID_INPUT otherwise. */
/* The HTTP session of an agent service, trusting the organisation's CA file too. */
SoupSession    *cp_agent_soup_session_new       (void);
char           *cp_agent_normalize_server_url   (const char      *text,
                                                 GError         **error);

G_END_DECLS
