/* cp-agent-client.c: the window's one connection to company-portal-agent
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The proxy is made without starting the agent (DO_NOT_AUTO_START_AT_CONSTRUCTION
 * keeps GDBusProxy from warning when activation fails); the first method call
 * activates it. Whether it can be activated is only known from that call's error.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <company-portal.h>

#include "cp-agent-client.h"
#include "cp-agent-errors.h"
/* The core's private JSON reader; libcpapp links the core. */
#include "../core/cp-json-private.h"

struct _CpAgentClient
{
  GObject            parent_instance;

  GDBusConnection   *connection;
  CpAgentDbusAgent1 *proxy;
  GError            *connect_error;
  GList             *waiting;      /* GTasks waiting for the proxy */
  gboolean           connecting;
  guint              watch_id;
  gboolean           agent_missing;
  gboolean           agent_running;
};

G_DEFINE_FINAL_TYPE (CpAgentClient, cp_agent_client, G_TYPE_OBJECT)

enum { PROP_0, PROP_AGENT_MISSING, PROP_AGENT_RUNNING, N_PROPS };
enum { AGENT_APPEARED, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
set_missing (CpAgentClient *self,
             gboolean       missing)
{
  if (self->agent_missing == missing)
    return;
  self->agent_missing = missing;
  g_debug ("agent missing: %s", missing ? "yes" : "no");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AGENT_MISSING]);
}

static void
name_appeared_cb (GDBusConnection *connection,
                  const char      *name,
                  const char      *owner,
                  gpointer         user_data)
{
  CpAgentClient *self = user_data;

  g_debug ("agent appeared on the bus");
  set_missing (self, FALSE);
  self->agent_running = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AGENT_RUNNING]);
  g_signal_emit (self, signals[AGENT_APPEARED], 0);
}

static void
name_vanished_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  CpAgentClient *self = user_data;

  if (!self->agent_running)
    return;
  g_debug ("agent left the bus");
  self->agent_running = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AGENT_RUNNING]);
}

static void
finish_waiting (CpAgentClient *self)
{
  GList *waiting = g_steal_pointer (&self->waiting);

  for (GList *l = waiting; l != NULL; l = l->next)
    {
      g_autoptr(GTask) task = l->data;

      if (self->proxy != NULL)
        g_task_return_pointer (task, g_object_ref (self->proxy), g_object_unref);
      else
        g_task_return_error (task, g_error_copy (self->connect_error));
    }
  g_list_free (waiting);
}

static void
proxy_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(CpAgentClient) self = user_data;
  g_autoptr(GError) error = NULL;

  self->connecting = FALSE;
  self->proxy = cp_agent_dbus_agent1_proxy_new_finish (result, &error);
  if (self->proxy == NULL)
    {
      g_debug ("cannot make the agent proxy: %s", error->message);
      self->connect_error = g_error_new_literal (CP_ERROR, CP_ERROR_AGENT_MISSING,
                                                 _("The device agent is not installed on this computer; ask your IT department"));
      set_missing (self, TRUE);
    }
  else
    {
      /* Calls can take a while: a check-in talks to the server. */
      g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (self->proxy), 120 * 1000);
    }
  finish_waiting (self);
}

static void
make_proxy (CpAgentClient *self)
{
  self->watch_id = g_bus_watch_name_on_connection (self->connection, CP_AGENT_CLIENT_BUS_NAME,
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   name_appeared_cb, name_vanished_cb,
                                                   self, NULL);
  cp_agent_dbus_agent1_proxy_new (self->connection,
                                  G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START_AT_CONSTRUCTION,
                                  CP_AGENT_CLIENT_BUS_NAME, CP_AGENT_CLIENT_OBJECT_PATH,
                                  NULL, proxy_cb, g_object_ref (self));
}

static void
bus_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(CpAgentClient) self = user_data;
  g_autoptr(GError) error = NULL;

  self->connection = g_bus_get_finish (result, &error);
  if (self->connection == NULL)
    {
      g_debug ("no session bus: %s", error->message);
      self->connecting = FALSE;
      self->connect_error = g_error_new_literal (CP_ERROR, CP_ERROR_AGENT_MISSING,
                                                 _("The device agent is not installed on this computer; ask your IT department"));
      set_missing (self, TRUE);
      finish_waiting (self);
      return;
    }
  make_proxy (self);
}

static void
cp_agent_client_dispose (GObject *object)
{
  CpAgentClient *self = CP_AGENT_CLIENT (object);

  if (self->watch_id != 0)
    g_bus_unwatch_name (self->watch_id);
  self->watch_id = 0;
  g_clear_object (&self->proxy);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (cp_agent_client_parent_class)->dispose (object);
}

static void
cp_agent_client_finalize (GObject *object)
{
  CpAgentClient *self = CP_AGENT_CLIENT (object);

  g_clear_error (&self->connect_error);

  G_OBJECT_CLASS (cp_agent_client_parent_class)->finalize (object);
}

static void
cp_agent_client_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CpAgentClient *self = CP_AGENT_CLIENT (object);

  switch (prop_id)
    {
    case PROP_AGENT_MISSING:
      g_value_set_boolean (value, self->agent_missing);
      break;
    case PROP_AGENT_RUNNING:
      g_value_set_boolean (value, self->agent_running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cp_agent_client_class_init (CpAgentClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cp_agent_client_dispose;
  object_class->finalize = cp_agent_client_finalize;
  object_class->get_property = cp_agent_client_get_property;

  properties[PROP_AGENT_MISSING] =
    g_param_spec_boolean ("agent-missing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AGENT_RUNNING] =
    g_param_spec_boolean ("agent-running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[AGENT_APPEARED] = g_signal_new ("agent-appeared", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
cp_agent_client_init (CpAgentClient *self)
{
  cp_agent_dbus_register_errors ();
}

CpAgentClient *
cp_agent_client_new (GDBusConnection *connection)
{
  CpAgentClient *self;

  g_return_val_if_fail (connection == NULL || G_IS_DBUS_CONNECTION (connection), NULL);

  self = g_object_new (CP_TYPE_AGENT_CLIENT, NULL);
  self->connecting = TRUE;
  if (connection != NULL)
    {
      self->connection = g_object_ref (connection);
      make_proxy (self);
    }
  else
    {
      g_bus_get (G_BUS_TYPE_SESSION, NULL, bus_cb, g_object_ref (self));
    }
  return self;
}

void
cp_agent_client_get_agent_async (CpAgentClient       *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CP_IS_AGENT_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_agent_client_get_agent_async);
  if (self->connecting)
    self->waiting = g_list_append (self->waiting, g_steal_pointer (&task));
  else if (self->proxy != NULL)
    g_task_return_pointer (task, g_object_ref (self->proxy), g_object_unref);
  else
    g_task_return_error (task, g_error_copy (self->connect_error));
}

CpAgentDbusAgent1 *
cp_agent_client_get_agent_finish (CpAgentClient  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

GDBusConnection *
cp_agent_client_get_connection (CpAgentClient *self)
{
  g_return_val_if_fail (CP_IS_AGENT_CLIENT (self), NULL);
  return self->connection;
}

const char *
cp_agent_client_get_bus_name (CpAgentClient *self)
{
  return CP_AGENT_CLIENT_BUS_NAME;
}

const char *
cp_agent_client_get_object_path (CpAgentClient *self)
{
  return CP_AGENT_CLIENT_OBJECT_PATH;
}

gboolean
cp_agent_client_get_agent_missing (CpAgentClient *self)
{
  g_return_val_if_fail (CP_IS_AGENT_CLIENT (self), FALSE);
  return self->agent_missing;
}

gboolean
cp_agent_client_get_agent_running (CpAgentClient *self)
{
  g_return_val_if_fail (CP_IS_AGENT_CLIENT (self), FALSE);
  return self->agent_running;
}

/* The bus could not start the agent: not installed, or it exits at once. */
static gboolean
is_activation_failure (const GError *error)
{
  if (error->domain != G_DBUS_ERROR)
    return FALSE;
  switch (error->code)
    {
    case G_DBUS_ERROR_SERVICE_UNKNOWN:
    case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
    case G_DBUS_ERROR_SPAWN_EXEC_FAILED:
    case G_DBUS_ERROR_SPAWN_FORK_FAILED:
    case G_DBUS_ERROR_SPAWN_CHILD_EXITED:
    case G_DBUS_ERROR_SPAWN_CHILD_SIGNALED:
    case G_DBUS_ERROR_SPAWN_FAILED:
    case G_DBUS_ERROR_SPAWN_SERVICE_INVALID:
    case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
    case G_DBUS_ERROR_SPAWN_NO_MEMORY:
      return TRUE;
    default:
      return FALSE;
    }
}

GError *
cp_agent_client_take_error (CpAgentClient *self,
                            GError        *error)
{
  g_return_val_if_fail (CP_IS_AGENT_CLIENT (self), error);
  g_return_val_if_fail (error != NULL, NULL);

  if (g_dbus_error_is_remote_error (error))
    g_dbus_error_strip_remote_error (error);
  if (is_activation_failure (error))
    {
      g_debug ("the agent cannot be started: %s", error->message);
      set_missing (self, TRUE);
      g_clear_error (&error);
      return g_error_new_literal (CP_ERROR, CP_ERROR_AGENT_MISSING,
                                  _("The device agent is not installed on this computer; ask your IT department"));
    }
  if (error->domain == G_DBUS_ERROR || error->domain == G_IO_ERROR)
    {
      /* The agent died or did not answer: say so, the details are for the log. */
      g_debug ("agent call failed: %s", error->message);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_clear_error (&error);
          return g_error_new_literal (CP_ERROR, CP_ERROR_FAILED,
                                      _("The device agent stopped before it answered"));
        }
    }
  return error;
}

JsonNode *
cp_agent_client_parse_object (const char  *json,
                              GError     **error)
{
  g_autoptr(JsonNode) node = NULL;
  gsize length = json != NULL ? strnlen (json, CP_AGENT_CLIENT_MAX_JSON + 1) : 0;

  if (length > CP_AGENT_CLIENT_MAX_JSON)
    {
      g_debug ("the agent sent more than %d bytes of JSON", CP_AGENT_CLIENT_MAX_JSON);
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The device agent sent more data than Company Portal accepts"));
      return NULL;
    }
  if (json != NULL)
    node = cp_json_parse (json, length, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The device agent sent data Company Portal cannot read"));
      return NULL;
    }
  return g_steal_pointer (&node);
}
