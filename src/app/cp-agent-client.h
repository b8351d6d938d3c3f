/* cp-agent-client.h: the window's one connection to company-portal-agent
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "cp-agent-dbus.h"

G_BEGIN_DECLS

#define CP_AGENT_CLIENT_BUS_NAME    "io.github.companyportal.Agent1"
#define CP_AGENT_CLIENT_OBJECT_PATH "/io/github/companyportal/Agent1"
/* The most the window takes from the agent as one JSON document. */
#define CP_AGENT_CLIENT_MAX_JSON    (64 * 1024)

#define CP_TYPE_AGENT_CLIENT (cp_agent_client_get_type ())
G_DECLARE_FINAL_TYPE (CpAgentClient, cp_agent_client, CP, AGENT_CLIENT, GObject)

/*
 * Connects to the session bus (or @connection, for tests) and makes the
 * Agent1 proxy. Calls through the proxy D-Bus-activate the agent; when the
 * bus cannot start it (no agent installed, e.g. a Flatpak window without the
 * host agent), "agent-missing" becomes TRUE until the agent shows up on the
 * bus. "agent-running" follows the name owner; the "agent-appeared" signal
 * fires when the agent (re)appears, so pages refresh what they show after
 * the agent was restarted.
 */
CpAgentClient     *cp_agent_client_new               (GDBusConnection      *connection);

void               cp_agent_client_get_agent_async   (CpAgentClient        *self,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
/* A new reference; CP_ERROR_AGENT_MISSING when there is no session bus. */
CpAgentDbusAgent1 *cp_agent_client_get_agent_finish  (CpAgentClient        *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* For other interfaces on the agent's object (NULL until connected). */
GDBusConnection   *cp_agent_client_get_connection    (CpAgentClient        *self);
const char        *cp_agent_client_get_bus_name      (CpAgentClient        *self);
const char        *cp_agent_client_get_object_path   (CpAgentClient        *self);

gboolean           cp_agent_client_get_agent_missing (CpAgentClient        *self);
gboolean           cp_agent_client_get_agent_running (CpAgentClient        *self);

/*
 * Turns an error of a call to the agent into what the user reads: the remote
 * prefix is stripped, and "cannot be started" becomes CP_ERROR_AGENT_MISSING
 * (and sets "agent-missing"). Returns @error.
 */
GError            *cp_agent_client_take_error        (CpAgentClient        *self,
                                                      GError               *error);

/*
 * The agent is outside input too: what it answers as JSON (device facts, the
 * device's public key) is read here before the window passes it on to the
 * server. At most CP_AGENT_CLIENT_MAX_JSON bytes, one JSON document by the
 * core's parser (UTF-8, bounded nesting, valid escapes), an object at the
 * root; anything else is CP_ERROR_INVALID_DATA with a message for the user.
 * The node is immutable.
 */
JsonNode          *cp_agent_client_parse_object      (const char           *json,
                                                      GError              **error);

G_END_DECLS
