/* cp-reconnect.h: finds out when a lost server answers again
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * While the server cannot be reached, probes its discovery document
 * (GET <server>/.well-known/company-portal, no token) with backoff: the first
 * delay, doubling up to the longest. A 429 or 503 waits for its Retry-After
 * (within the same bounds). "network-changed" of the default GNetworkMonitor
 * (the network came back) and cp_reconnect_probe_now() (the user looks at the
 * window again) probe at once and start the backoff over. When the server
 * answers, "reconnected" is emitted and the probing stops.
 *
 * Nothing runs while paused (the window is hidden) or stopped (signed out):
 * no timer, no request in flight.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define CP_TYPE_RECONNECT (cp_reconnect_get_type ())
G_DECLARE_FINAL_TYPE (CpReconnect, cp_reconnect, CP, RECONNECT, GObject)

#define CP_RECONNECT_FIRST_DELAY_MS 2000
#define CP_RECONNECT_MAX_DELAY_MS   60000

CpReconnect *cp_reconnect_new          (SoupSession *session,
                                        const char  *server_url);
/* The backoff's bounds in milliseconds (tests use short ones); 0 < first <= max. */
void         cp_reconnect_set_delays   (CpReconnect *self,
                                        guint        first_ms,
                                        guint        max_ms);
/* The connection was lost: probe with backoff until the server answers. No-op while active. */
void         cp_reconnect_start        (CpReconnect *self);
/* No more probes; a probe in flight is cancelled and "reconnected" is not emitted. */
void         cp_reconnect_stop         (CpReconnect *self);
/* While paused no timer runs; resuming an active one probes at once. */
void         cp_reconnect_set_paused   (CpReconnect *self,
                                        gboolean     paused);
/* A hint that the server may be back: probe at once, backoff from the start. No-op unless active. */
void         cp_reconnect_probe_now    (CpReconnect *self);
/* TRUE between start() and the server's answer (or stop()). */
gboolean     cp_reconnect_get_active   (CpReconnect *self);
/* How many probes failed since start(). */
guint        cp_reconnect_get_attempts (CpReconnect *self);

G_END_DECLS
