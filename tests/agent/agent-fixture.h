/* agent-fixture.h: the set-up the agent's D-Bus tests share
 *
 * The tests run under with-keyring.sh: a private session bus on which
 * company-portal-agent is D-Bus activated from the build tree. This is what
 * every one of them needs around its own cases: the harness check, the bus,
 * the agent's activation environment, killing the agent, a SoupServer on
 * loopback playing the Portal API and the enrollment as the window does it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "company-portal.h"
#include "cp-agent-dbus.h"
#include "cp-test-util.h"

G_BEGIN_DECLS

/* g_test_init() and the agent's D-Bus errors. FALSE when not run under
 * with-keyring.sh (or without CP_SOURCE_DIR): a skipped /@suite/needs-harness
 * is then the only case, and main() returns g_test_run(). */
gboolean           agent_fixture_init           (int          *argc,
                                                 char       ***argv,
                                                 const char   *suite);
/* The private session bus (opens it once; it starts GDBus's thread). */
GDBusConnection   *agent_fixture_bus            (void);
/* g_test_run(), then the agent is killed so the next test binary starts clean. */
int                agent_fixture_run            (void);

/* UpdateActivationEnvironment: the agent activated next sees @name=@value. */
void               set_activation_env           (const char    *name,
                                                 const char    *value);
gboolean           agent_is_running             (void);
guint32            agent_pid                    (void);
/* Waits (at most @seconds) for the agent's name to have no owner. */
gboolean           wait_for_agent_gone          (guint          seconds);
/* SIGKILL to the agent, if it runs, and waits for its name to go. */
void               kill_agent                   (void);

CpAgentDbusAgent1 *agent_proxy                  (void);
/* Stores a ref of @result in the GAsyncResult * that @user_data points to. */
void               call_done_cb                 (GObject       *source,
                                                 GAsyncResult  *result,
                                                 gpointer       user_data);
/* Iterates the main context (so our SoupServer answers) until *@result is set. */
void               wait_for                     (GAsyncResult **result);
JsonObject        *parse_object                 (const char    *json);

/* The window's part of an enrollment with a server that knows the device as
 * @device_id: CreateDeviceKey, then CompleteEnrollment. Returns the public key. */
CpJwk             *enroll_agent                 (const char    *server_url,
                                                 const char    *device_id);

/* Verifies a device request as the server must (signature, time, deviceId,
 * method, path) and refuses a nonce in @nonces, to which it adds the new one.
 * NULL (with a test message) when refused. */
JsonNode          *verify_device_request        (const char    *compact,
                                                 CpJwk         *key,
                                                 const char    *device_id,
                                                 const char    *method,
                                                 const char    *path,
                                                 GHashTable    *nonces);

G_END_DECLS
