/* cp-agent-errors.h: CpError over D-Bus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CP_AGENT_DBUS_NAME        "io.github.companyportal.Agent1"
#define CP_AGENT_DBUS_PATH        "/io/github/companyportal/Agent1"
#define CP_AGENT_DBUS_ERROR_PREFIX "io.github.companyportal.Agent1.Error."

/*
 * Maps every CpError code to io.github.companyportal.Agent1.Error.<Name>, so
 * an error the agent raises reaches a GDBus client as the same CP_ERROR code
 * (with the message, after g_dbus_error_strip_remote_error()). Call it once in
 * the agent and in every client before the first call; calling it again is
 * harmless.
 */
void cp_agent_dbus_register_errors (void);

G_END_DECLS
