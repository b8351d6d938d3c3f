/* test-reconnect.c: CpReconnect against a real SoupServer that is stopped and started again
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "company-portal.h"

#define FIRST_MS 40
#define MAX_MS   160

typedef struct
{
  SoupServer   *server;
  guint16       port;
  char         *url;
  guint         hits;          /* GETs of the well-known document */
  guint         other_hits;
  guint         status;        /* what the server answers */
  const char   *retry_after;
  SoupSession  *session;
  CpReconnect  *reconnect;
  guint         reconnected;
  GArray       *delays;        /* of retry-scheduled */
  gint64        started_at;
} Fixture;

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  Fixture *f = user_data;

  if (g_strcmp0 (path, "/.well-known/company-portal") != 0)
    {
      f->other_hits++;
      soup_server_message_set_status (msg, 404, NULL);
      return;
    }
  f->hits++;
  soup_server_message_set_status (msg, f->status, NULL);
  if (f->retry_after != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After",
                                  f->retry_after);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, "{}", 2);
}

/* Listens on f->port (0 the first time: any free port). */
static void
server_start (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, f->port);
  GSList *uris;

  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, NULL, handler, f, NULL);
  g_assert_true (soup_server_listen (f->server, address, 0, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  f->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
}

static void
server_stop (Fixture *f)
{
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
}

static void
reconnected_cb (CpReconnect *reconnect,
                Fixture     *f)
{
  f->reconnected++;
}

static void
retry_scheduled_cb (CpReconnect *reconnect,
                    guint        delay_ms,
                    Fixture     *f)
{
  g_array_append_val (f->delays, delay_ms);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->status = 200;
  f->delays = g_array_new (FALSE, FALSE, sizeof (guint));
  server_start (f);
  /* A path below the root: the probe still goes to the root's document. */
  f->url = g_strdup_printf ("http://127.0.0.1:%u/portal/", f->port);
  f->session = soup_session_new ();
  f->reconnect = cp_reconnect_new (f->session, f->url);
  cp_reconnect_set_delays (f->reconnect, FIRST_MS, MAX_MS);
  g_signal_connect (f->reconnect, "reconnected", G_CALLBACK (reconnected_cb), f);
  g_signal_connect (f->reconnect, "retry-scheduled", G_CALLBACK (retry_scheduled_cb), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_object_unref (f->reconnect);
  g_object_unref (f->session);
  if (f->server != NULL)
    server_stop (f);
  g_array_unref (f->delays);
  g_free (f->url);
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until *counter reaches want or timeout_ms pass; FALSE on timeout. */
static gboolean
wait_for (guint *counter,
          guint  want,
          guint  timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &timed_out);

  while (*counter < want && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return *counter >= want;
}

static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* The server answers at once: one probe after the first delay, then quiet. */
static void
test_answers (Fixture       *f,
              gconstpointer  data)
{
  gint64 start = g_get_monotonic_time ();

  g_assert_false (cp_reconnect_get_active (f->reconnect));
  cp_reconnect_start (f->reconnect);
  g_assert_true (cp_reconnect_get_active (f->reconnect));
  g_assert_true (wait_for (&f->reconnected, 1, 5000));
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, >=, FIRST_MS);
  g_assert_false (cp_reconnect_get_active (f->reconnect));
  g_assert_cmpuint (f->hits, ==, 1);
  g_assert_cmpuint (f->other_hits, ==, 0);
  g_assert_cmpuint (f->delays->len, ==, 0);
  spin (3 * MAX_MS);
  g_assert_cmpuint (f->hits, ==, 1);
  g_assert_cmpuint (f->reconnected, ==, 1);
}

/* Stopped server: backoff doubles to the ceiling; started again on the same port: reconnected. */
static void
test_server_returns (Fixture       *f,
                     gconstpointer  data)
{
  server_stop (f);
  cp_reconnect_start (f->reconnect);
  g_assert_true (wait_for (&f->delays->len, 4, 10000));
  g_assert_cmpuint (g_array_index (f->delays, guint, 0), ==, 2 * FIRST_MS);
  g_assert_cmpuint (g_array_index (f->delays, guint, 1), ==, MAX_MS);
  g_assert_cmpuint (g_array_index (f->delays, guint, 2), ==, MAX_MS);
  g_assert_cmpuint (cp_reconnect_get_attempts (f->reconnect), >=, 4);
  g_assert_cmpuint (f->reconnected, ==, 0);
  g_assert_true (cp_reconnect_get_active (f->reconnect));

  server_start (f);
  g_assert_true (wait_for (&f->reconnected, 1, 5000));
  g_assert_cmpuint (f->hits, ==, 1);
  g_assert_false (cp_reconnect_get_active (f->reconnect));
}

/* 503 is a server that is not ready: its Retry-After is the next delay, within the bounds. */
static void
test_retry_after (Fixture       *f,
                  gconstpointer  data)
{
  f->status = 503;
  f->retry_after = "0";
  cp_reconnect_start (f->reconnect);
  g_assert_true (wait_for (&f->delays->len, 1, 5000));
  g_assert_cmpuint (g_array_index (f->delays, guint, 0), ==, FIRST_MS);
  f->retry_after = "3600";
  g_assert_true (wait_for (&f->delays->len, 2, 5000));
  g_assert_cmpuint (g_array_index (f->delays, guint, 1), ==, MAX_MS);
  g_assert_cmpuint (f->reconnected, ==, 0);

  /* Any answer below 500 means the server is back, even one that is not 200. */
  f->status = 404;
  f->retry_after = NULL;
  g_assert_true (wait_for (&f->reconnected, 1, 5000));
}

/* stop(): no more probes and no signal, even with one in flight. */
static void
test_stop (Fixture       *f,
           gconstpointer  data)
{
  guint hits;

  server_stop (f);
  cp_reconnect_start (f->reconnect);
  g_assert_true (wait_for (&f->delays->len, 1, 5000));
  cp_reconnect_stop (f->reconnect);
  g_assert_false (cp_reconnect_get_active (f->reconnect));
  server_start (f);
  hits = f->hits;
  spin (4 * MAX_MS);
  g_assert_cmpuint (f->hits, ==, hits);
  g_assert_cmpuint (f->reconnected, ==, 0);
  /* probe_now() is only a hint: it does nothing unless active. */
  cp_reconnect_probe_now (f->reconnect);
  spin (2 * FIRST_MS);
  g_assert_cmpuint (f->hits, ==, hits);
}

/* Paused (a hidden window): nothing at all; resumed: a probe at once. */
static void
test_pause (Fixture       *f,
            gconstpointer  data)
{
  gint64 resumed;

  cp_reconnect_set_paused (f->reconnect, TRUE);
  cp_reconnect_start (f->reconnect);
  spin (4 * MAX_MS);
  g_assert_cmpuint (f->hits, ==, 0);
  g_assert_cmpuint (f->reconnected, ==, 0);
  g_assert_true (cp_reconnect_get_active (f->reconnect));

  /* A first delay far longer than the wait below: an answer in time means no waiting. */
  cp_reconnect_set_delays (f->reconnect, 20000, 40000);
  resumed = g_get_monotonic_time ();
  cp_reconnect_set_paused (f->reconnect, FALSE);
  g_assert_true (wait_for (&f->reconnected, 1, 15000));
  /* No waiting for the first delay: the probe left at once. */
  g_assert_cmpint ((g_get_monotonic_time () - resumed) / 1000, <, 20000);
  g_assert_cmpuint (f->hits, ==, 1);
}

/* probe_now() starts the backoff over, and a burst of hints makes at most one probe per first delay. */
static void
test_probe_now (Fixture       *f,
                gconstpointer  data)
{
  guint hits;

  cp_reconnect_set_delays (f->reconnect, 300, 4000);
  server_stop (f);
  cp_reconnect_start (f->reconnect);
  g_assert_true (wait_for (&f->delays->len, 2, 10000));
  g_assert_cmpuint (g_array_index (f->delays, guint, 1), ==, 1200);

  /* Right after a probe: the hints wait for the first delay instead of probing in a loop. */
  server_start (f);
  for (int i = 0; i < 50; i++)
    cp_reconnect_probe_now (f->reconnect);
  hits = f->hits;
  g_assert_cmpuint (hits, ==, 0);
  g_assert_true (wait_for (&f->reconnected, 1, 2000));
  g_assert_cmpuint (f->hits, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/reconnect/answers", Fixture, NULL, fixture_set_up, test_answers, fixture_tear_down);
  g_test_add ("/reconnect/server-returns", Fixture, NULL, fixture_set_up, test_server_returns,
              fixture_tear_down);
  g_test_add ("/reconnect/retry-after", Fixture, NULL, fixture_set_up, test_retry_after, fixture_tear_down);
  g_test_add ("/reconnect/stop", Fixture, NULL, fixture_set_up, test_stop, fixture_tear_down);
  g_test_add ("/reconnect/pause", Fixture, NULL, fixture_set_up, test_pause, fixture_tear_down);
  g_test_add ("/reconnect/probe-now", Fixture, NULL, fixture_set_up, test_probe_now, fixture_tear_down);

  return g_test_run ();
}
