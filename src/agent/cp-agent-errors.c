/* cp-agent-errors.c: CpError over D-Bus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "cp-agent-errors.h"
#include "cp-error.h"

static const struct
{
  CpError     code;
  const char *name;
} error_names[] = {
  { CP_ERROR_FAILED, "Failed" },
  { CP_ERROR_INVALID_INPUT, "InvalidInput" },
  { CP_ERROR_INVALID_DATA, "InvalidData" },
  { CP_ERROR_NETWORK, "Network" },
  { CP_ERROR_TIMED_OUT, "TimedOut" },
  { CP_ERROR_TLS, "Tls" },
  { CP_ERROR_AUTH_REQUIRED, "AuthRequired" },
  { CP_ERROR_FORBIDDEN, "Forbidden" },
  { CP_ERROR_NOT_FOUND, "NotFound" },
  { CP_ERROR_CONFLICT, "Conflict" },
  { CP_ERROR_RATE_LIMITED, "RateLimited" },
  { CP_ERROR_SERVER, "Server" },
  { CP_ERROR_SECURITY, "Security" },
  { CP_ERROR_ACCESS_DENIED, "AccessDenied" },
  { CP_ERROR_EXPIRED, "Expired" },
  { CP_ERROR_KEYRING, "Keyring" },
  { CP_ERROR_AGENT_MISSING, "AgentMissing" },
  { CP_ERROR_NO_SPACE, "NoSpace" },
};

void
cp_agent_dbus_register_errors (void)
{
  static gsize registered = 0;

  if (!g_once_init_enter (&registered))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (error_names); i++)
    {
      g_autofree char *name = g_strconcat (CP_AGENT_DBUS_ERROR_PREFIX, error_names[i].name, NULL);

      g_dbus_error_register_error (CP_ERROR, error_names[i].code, name);
    }

  g_once_init_leave (&registered, 1);
}
