/* faults-agent-util.h: the stack of the agent fault tests
 *
 * The real OIDC provider, company-portal-server and tests/harness/fault_proxy.py
 * in front of it, run from a test under tests/agent/with-keyring.sh where the
 * agent is D-Bus activated. The agent knows the server only by the proxy's
 * address.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "cp-test-server-util.h"

G_BEGIN_DECLS

typedef struct
{
  GDBusConnection *bus;
  CpTestProcess *idp;
  CpTestProcess *server;      /* NULL while stopped */
  CpTestProcess *proxy;
  char *server_listen;        /* 127.0.0.1:PORT: it comes back on the same port */
  char *tmp_dir;
  char *db_path;
  char *alice_token;
} FaultStack;

extern FaultStack stack;

/* FALSE (with a message) when not run under with-keyring.sh. */
gboolean    fault_stack_start         (void);
void        fault_stack_stop          (void);
void        fault_stack_stop_server   (void);
void        fault_stack_start_server  (void);

/* Replaces the proxy's rules (a JSON array) and forgets its log. */
void        proxy_arm                 (const char *rules_json);
/* How many requests the proxy saw as @method @path ending in @action (NULL: any). */
guint       proxy_count               (const char *method,
                                       const char *path,
                                       const char *action);

/* SELECT COUNT(*) FROM @table WHERE device_id = @device_id, in the server's database. */
guint       db_count                  (const char *table,
                                       const char *device_id);
/* Waits (at most @seconds) until db_count() reaches @count, then returns it. */
guint       db_wait_count             (const char *table,
                                       const char *device_id,
                                       guint       count,
                                       guint       seconds);

void        agent_set_env             (const char *name,
                                       const char *value);
void        agent_kill                (void);
/* The window's part of an enrollment, with the agent keyed by the proxy's URL. */
char       *agent_enroll              (void);
void        agent_unenroll            (void);
JsonObject *parse_object              (const char *json);

G_END_DECLS
