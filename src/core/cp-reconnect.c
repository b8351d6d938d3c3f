/* cp-reconnect.c: finds out when a lost server answers again
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cp-reconnect.h"

#define WELL_KNOWN_PATH "/.well-known/company-portal"

struct _CpReconnect
{
  GObject       parent_instance;

  SoupSession  *session;
  char         *probe_url;
  guint         first_ms;
  guint         max_ms;

  gboolean      active;
  gboolean      paused;
  guint         attempts;
  guint         next_delay_ms;  /* after the next failure */
  guint         timeout_id;
  gint64        last_probe_at;  /* monotonic, 0: never */
  GCancellable *probe;          /* the probe in flight, or NULL */
  gulong        network_id;
};

G_DEFINE_FINAL_TYPE (CpReconnect, cp_reconnect, G_TYPE_OBJECT)

enum { PROP_0, PROP_ACTIVE, N_PROPS };
enum { SIGNAL_RECONNECTED, SIGNAL_RETRY_SCHEDULED, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void probe (CpReconnect *self);

static gboolean
timeout_cb (gpointer user_data)
{
  CpReconnect *self = user_data;

  self->timeout_id = 0;
  probe (self);
  return G_SOURCE_REMOVE;
}

static void
schedule (CpReconnect *self,
          guint        delay_ms)
{
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (!self->active || self->paused)
    return;
  self->timeout_id = g_timeout_add (delay_ms, timeout_cb, self);
}

static void
cancel_probe (CpReconnect *self)
{
  g_cancellable_cancel (self->probe);
  g_clear_object (&self->probe);
}

static void
set_active (CpReconnect *self,
            gboolean     active)
{
  if (self->active == active)
    return;
  self->active = active;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE]);
}

/* Milliseconds from a Retry-After header (delta-seconds only); -1 when absent or a date. */
static gint64
retry_after_ms (SoupMessage *message)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                    "Retry-After");
  guint64 seconds;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, 24 * 3600, &seconds, NULL))
    return -1;
  return (gint64) seconds * 1000;
}

/* A server that answers, even 4xx, is back; 5xx and 429 are a server that is not ready yet. */
static gboolean
is_answer (guint status)
{
  return status >= 100 && status < 500 && status != 429 /* Too Many Requests */;
}

static void
probe_failed (CpReconnect *self,
              gint64       retry_after)
{
  guint delay = self->next_delay_ms;

  self->attempts++;
  if (retry_after >= 0)
    delay = (guint) CLAMP (retry_after, (gint64) self->first_ms, (gint64) self->max_ms);
  self->next_delay_ms = MIN (self->next_delay_ms * 2, self->max_ms);
  g_debug ("The server still does not answer (%u tries): next try in %u ms", self->attempts, delay);
  g_signal_emit (self, signals[SIGNAL_RETRY_SCHEDULED], 0, delay);
  schedule (self, delay);
}

typedef struct
{
  CpReconnect  *self;
  GCancellable *cancellable;
} Probe;

static void
probe_free (Probe *p)
{
  g_object_unref (p->self);
  g_object_unref (p->cancellable);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Probe, probe_free)

static void
probe_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(Probe) p = user_data;
  CpReconnect *self = p->self;
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  guint status;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  /* A probe cancelled by stop() or pause may still finish: only the current one counts. */
  if (g_cancellable_is_cancelled (p->cancellable) || p->cancellable != self->probe)
    return;
  g_clear_object (&self->probe);
  if (!self->active)
    return;

  status = body != NULL ? soup_message_get_status (message) : 0;
  if (!is_answer (status))
    {
      probe_failed (self, status != 0 ? retry_after_ms (message) : -1);
      return;
    }
  g_debug ("The server answers again (HTTP %u)", status);
  set_active (self, FALSE);
  g_signal_emit (self, signals[SIGNAL_RECONNECTED], 0);
}

static void
probe (CpReconnect *self)
{
  g_autoptr(SoupMessage) message = NULL;
  Probe *p;

  if (!self->active || self->paused || self->probe != NULL)
    return;
  message = soup_message_new (SOUP_METHOD_GET, self->probe_url);
  if (message == NULL)
    {
      probe_failed (self, -1);
      return;
    }
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept", "application/json");
  self->probe = g_cancellable_new ();
  self->last_probe_at = g_get_monotonic_time ();
  p = g_new0 (Probe, 1);
  p->self = g_object_ref (self);
  p->cancellable = g_object_ref (self->probe);
  soup_session_send_and_read_async (self->session, message, G_PRIORITY_LOW, self->probe,
                                    probe_cb, p);
}

static void
network_changed_cb (CpReconnect     *self,
                    gboolean         available,
                    GNetworkMonitor *monitor)
{
  if (available)
    cp_reconnect_probe_now (self);
}

static void
cp_reconnect_dispose (GObject *object)
{
  CpReconnect *self = CP_RECONNECT (object);

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  cancel_probe (self);
  if (self->network_id != 0)
    g_clear_signal_handler (&self->network_id, g_network_monitor_get_default ());
  g_clear_object (&self->session);

  G_OBJECT_CLASS (cp_reconnect_parent_class)->dispose (object);
}

static void
cp_reconnect_finalize (GObject *object)
{
  CpReconnect *self = CP_RECONNECT (object);

  g_free (self->probe_url);

  G_OBJECT_CLASS (cp_reconnect_parent_class)->finalize (object);
}

static void
cp_reconnect_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  CpReconnect *self = CP_RECONNECT (object);

  switch (prop_id)
    {
    case PROP_ACTIVE:
      g_value_set_boolean (value, self->active);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cp_reconnect_class_init (CpReconnectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cp_reconnect_dispose;
  object_class->finalize = cp_reconnect_finalize;
  object_class->get_property = cp_reconnect_get_property;

  properties[PROP_ACTIVE] = g_param_spec_boolean ("active", NULL, NULL, FALSE,
                                                  G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                  G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The server answered: reload what is shown. */
  signals[SIGNAL_RECONNECTED] = g_signal_new ("reconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                              0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A probe failed; the next one is in @delay_ms milliseconds (unless paused). */
  signals[SIGNAL_RETRY_SCHEDULED] = g_signal_new ("retry-scheduled", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
cp_reconnect_init (CpReconnect *self)
{
  self->first_ms = CP_RECONNECT_FIRST_DELAY_MS;
  self->max_ms = CP_RECONNECT_MAX_DELAY_MS;
}

CpReconnect *
cp_reconnect_new (SoupSession *session,
                  const char  *server_url)
{
  CpReconnect *self;
  g_autoptr(GUri) base = NULL;
  g_autoptr(GUri) probe_uri = NULL;

  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (server_url != NULL, NULL);

  self = g_object_new (CP_TYPE_RECONNECT, NULL);
  self->session = g_object_ref (session);
  /* The document lives at the server's root, whatever path the address has. */
  base = g_uri_parse (server_url, G_URI_FLAGS_NONE, NULL);
  probe_uri = base != NULL ? g_uri_parse_relative (base, WELL_KNOWN_PATH, G_URI_FLAGS_NONE, NULL) : NULL;
  self->probe_url = probe_uri != NULL ? g_uri_to_string (probe_uri) : g_strdup (server_url);
  self->network_id = g_signal_connect_object (g_network_monitor_get_default (), "network-changed",
                                              G_CALLBACK (network_changed_cb), self, G_CONNECT_SWAPPED);
  return self;
}

void
cp_reconnect_set_delays (CpReconnect *self,
                         guint        first_ms,
                         guint        max_ms)
{
  g_return_if_fail (CP_IS_RECONNECT (self));
  g_return_if_fail (first_ms > 0 && first_ms <= max_ms);

  self->first_ms = first_ms;
  self->max_ms = max_ms;
}

void
cp_reconnect_start (CpReconnect *self)
{
  g_return_if_fail (CP_IS_RECONNECT (self));

  if (self->active)
    return;
  self->attempts = 0;
  self->next_delay_ms = self->first_ms;
  set_active (self, TRUE);
  g_debug ("The server does not answer: trying again with backoff");
  /* The caller has just seen it fail: the first try waits. */
  schedule (self, self->first_ms);
  self->next_delay_ms = MIN (self->first_ms * 2, self->max_ms);
}

void
cp_reconnect_stop (CpReconnect *self)
{
  g_return_if_fail (CP_IS_RECONNECT (self));

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  cancel_probe (self);
  set_active (self, FALSE);
}

void
cp_reconnect_set_paused (CpReconnect *self,
                         gboolean     paused)
{
  g_return_if_fail (CP_IS_RECONNECT (self));

  paused = !!paused;
  if (self->paused == paused)
    return;
  self->paused = paused;
  if (paused)
    {
      g_clear_handle_id (&self->timeout_id, g_source_remove);
      cancel_probe (self);
      return;
    }
  cp_reconnect_probe_now (self);
}

void
cp_reconnect_probe_now (CpReconnect *self)
{
  gint64 since_ms;

  g_return_if_fail (CP_IS_RECONNECT (self));

  if (!self->active || self->paused || self->probe != NULL)
    return;
  self->next_delay_ms = self->first_ms;
  /* Hints may come in bursts (focus, the network monitor): at most one probe per first delay. */
  since_ms = (g_get_monotonic_time () - self->last_probe_at) / 1000;
  if (self->last_probe_at != 0 && since_ms < self->first_ms)
    {
      schedule (self, self->first_ms - since_ms);
      return;
    }
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  probe (self);
}

gboolean
cp_reconnect_get_active (CpReconnect *self)
{
  g_return_val_if_fail (CP_IS_RECONNECT (self), FALSE);
  return self->active;
}

guint
cp_reconnect_get_attempts (CpReconnect *self)
{
  g_return_val_if_fail (CP_IS_RECONNECT (self), 0);
  return self->attempts;
}
