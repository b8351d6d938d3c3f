/* cp-device-page.h: the Device page of the main view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <company-portal.h>

#include "cp-agent-client.h"

G_BEGIN_DECLS

#define CP_TYPE_DEVICE_PAGE (cp_device_page_get_type ())
G_DECLARE_FINAL_TYPE (CpDevicePage, cp_device_page, CP, DEVICE_PAGE, AdwBin)

/* The client is injected by the window; NULL (signed out) forgets what was shown. */
void cp_device_page_set_client (CpDevicePage  *self,
                                CpApiClient   *client);
/* The window's connection to the agent; NULL shows "agent not installed". */
void cp_device_page_set_agent  (CpDevicePage  *self,
                                CpAgentClient *agent);
void cp_device_page_reload     (CpDevicePage  *self);

G_END_DECLS
