/* cp-window.h: the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cp-agent-client.h"
#include "cp-application.h"

G_BEGIN_DECLS

#define CP_TYPE_WINDOW (cp_window_get_type ())
G_DECLARE_FINAL_TYPE (CpWindow, cp_window, CP, WINDOW, AdwApplicationWindow)

CpWindow *cp_window_new        (CpApplication *application);
void      cp_window_show_toast (CpWindow      *self,
                                const char    *text);
/* The window's one connection to the agent, for pages that need its other interfaces. */
CpAgentClient *cp_window_get_agent_client (CpWindow *self);
/* Shows the Compliance page, with @setting_id's row expanded and focused (nullable). */
void      cp_window_show_compliance (CpWindow   *self,
                                     const char *setting_id);

G_END_DECLS
