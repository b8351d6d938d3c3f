/* cp-agent.h: company-portal-agent, the per-user host service
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CP_AGENT_DEFAULT_IDLE_TIMEOUT 60

#define CP_TYPE_AGENT (cp_agent_get_type ())
G_DECLARE_FINAL_TYPE (CpAgent, cp_agent, CP, AGENT, GApplication)

CpAgent *cp_agent_new (void);

G_END_DECLS
