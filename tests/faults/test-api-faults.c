/* test-api-faults.c: the API client through tests/harness/fault_proxy.py
 * against the real company-portal-server and the real OIDC provider
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "cp-api-client.h"
#include "cp-error.h"
#include "cp-test-server-util.h"
#include "cp-test-util.h"
#include "cp-user.h"

static CpTestProcess *idp;
static CpTestProcess *server;
static CpTestProcess *proxy;
static char *alice_token;
static char *alice_id;      /* as the server knows her, asked without the proxy */

/* A token source that always hands out one token. */

#define TEST_TYPE_FIXED_TOKEN (test_fixed_token_get_type ())
G_DECLARE_FINAL_TYPE (TestFixedToken, test_fixed_token, TEST, FIXED_TOKEN, GObject)

struct _TestFixedToken
{
  GObject parent_instance;
  char *token;
};

static void test_fixed_token_iface_init (CpTokenSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestFixedToken, test_fixed_token, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (CP_TYPE_TOKEN_SOURCE,
                                                      test_fixed_token_iface_init))

static void
test_fixed_token_get_async (CpTokenSource       *source,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (source, cancellable, callback, user_data);

  g_task_return_pointer (task, g_strdup (TEST_FIXED_TOKEN (source)->token), g_free);
}

static char *
test_fixed_token_get_finish (CpTokenSource  *source,
                             GAsyncResult   *result,
                             GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_fixed_token_invalidate (CpTokenSource *source,
                             const char    *token)
{
}

static void
test_fixed_token_iface_init (CpTokenSourceInterface *iface)
{
  iface->get_access_token_async = test_fixed_token_get_async;
  iface->get_access_token_finish = test_fixed_token_get_finish;
  iface->invalidate = test_fixed_token_invalidate;
}

static void
test_fixed_token_finalize (GObject *object)
{
  g_free (TEST_FIXED_TOKEN (object)->token);
  G_OBJECT_CLASS (test_fixed_token_parent_class)->finalize (object);
}

static void
test_fixed_token_class_init (TestFixedTokenClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_fixed_token_finalize;
}

static void
test_fixed_token_init (TestFixedToken *self)
{
}

/* The proxy's control endpoints */

static void
proxy_control (const char *method,
               const char *path,
               const char *json)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (proxy->url, path, NULL);
  g_autoptr(GBytes) body = json ? g_bytes_new (json, strlen (json)) : NULL;
  g_autoptr(CpTestResponse) response = NULL;

  response = cp_test_http (session, method, url, NULL, "application/json", body);
  g_assert_cmpuint (response->status, ==, 200);
}

/* Arms @rules_json (a JSON array) and forgets what the proxy saw so far. */
static void
proxy_arm (const char *rules_json)
{
  g_autofree char *doc = g_strdup_printf ("{\"rules\":%s}", rules_json);

  proxy_control ("POST", "/__faults", doc);
  proxy_control ("DELETE", "/__log", NULL);
}

/* The log entries for @path, oldest first, and the raw text of the log. */
static JsonArray *
proxy_log (const char  *path,
           char       **out_text)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (proxy->url, "/__log", NULL);
  g_autoptr(CpTestResponse) response = cp_test_http (session, "GET", url, NULL, NULL, NULL);
  g_autoptr(JsonObject) doc = NULL;
  JsonArray *entries;
  JsonArray *matching = json_array_new ();

  g_assert_cmpuint (response->status, ==, 200);
  doc = cp_test_response_json (response);
  entries = json_object_get_array_member (doc, "entries");
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);

      if (g_str_equal (json_object_get_string_member (entry, "path"), path))
        json_array_add_object_element (matching, json_object_ref (entry));
    }
  if (out_text != NULL)
    *out_text = g_strndup (g_bytes_get_data (response->body, NULL),
                           g_bytes_get_size (response->body));
  return matching;
}

static const char *
entry_action (JsonArray *entries,
              guint      index)
{
  return json_object_get_string_member (json_array_get_object_element (entries, index), "action");
}

static double
entry_time (JsonArray *entries,
            guint      index)
{
  return json_object_get_double_member (json_array_get_object_element (entries, index), "time");
}

/* The client under test: a fresh session (no kept-alive connections from
 * an earlier test) through the proxy, with alice's token. */

typedef struct
{
  SoupSession *session;
  CpApiClient *client;
  GMainLoop *loop;
  GAsyncResult *result;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(TestFixedToken) source = g_object_new (TEST_TYPE_FIXED_TOKEN, NULL);

  source->token = g_strdup (alice_token);
  fixture->session = soup_session_new ();
  fixture->client = cp_api_client_new (fixture->session, proxy->url);
  cp_api_client_set_token_source (fixture->client, CP_TOKEN_SOURCE (source));
  fixture->loop = g_main_loop_new (NULL, FALSE);
  proxy_arm ("[]");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->result);
  g_clear_object (&fixture->client);
  g_clear_object (&fixture->session);
  g_main_loop_unref (fixture->loop);
  proxy_control ("DELETE", "/__faults", NULL);
}

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Fixture *fixture = user_data;

  g_clear_object (&fixture->result);
  fixture->result = g_object_ref (result);
  g_main_loop_quit (fixture->loop);
}

/* One request through the client; its result and how long it took. */
static JsonNode *
run_request (Fixture     *fixture,
             const char  *method,
             const char  *path,
             const char  *body_json,
             double      *out_seconds,
             GError     **error)
{
  g_autoptr(JsonNode) body = body_json ? json_from_string (body_json, NULL) : NULL;
  gint64 start = g_get_monotonic_time ();

  cp_api_client_request_async (fixture->client, method, path, body, NULL, done_cb, fixture);
  g_main_loop_run (fixture->loop);
  if (out_seconds != NULL)
    *out_seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  return cp_api_client_request_finish (fixture->client, fixture->result, error);
}

static CpUser *
run_get_me (Fixture  *fixture,
            GError  **error)
{
  cp_api_client_get_me_async (fixture->client, NULL, done_cb, fixture);
  g_main_loop_run (fixture->loop);
  return cp_api_client_get_me_finish (fixture->client, fixture->result, error);
}

/* Tests */

static void
test_baseline (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpUser) user = run_get_me (fixture, &error);
  g_autoptr(JsonArray) entries = NULL;
  g_autofree char *log_text = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (cp_user_get_id (user), ==, alice_id);

  entries = proxy_log ("/v1/me", &log_text);
  g_assert_cmpuint (json_array_get_length (entries), ==, 1);
  g_assert_cmpstr (entry_action (entries, 0), ==, "pass");
  /* The proxy never records what could carry a secret. */
  g_assert_null (strstr (log_text, alice_token));
  g_assert_null (strstr (log_text, "Bearer"));
}

static void
test_get_retried_after_503 (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpUser) user = NULL;
  g_autoptr(JsonArray) entries = NULL;

  proxy_arm ("[{\"method\":\"GET\",\"path\":\"/v1/me\",\"action\":\"status\","
             "\"status\":503,\"retryAfter\":\"1\"}]");
  user = run_get_me (fixture, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cp_user_get_id (user), ==, alice_id);

  entries = proxy_log ("/v1/me", NULL);
  g_assert_cmpuint (json_array_get_length (entries), ==, 2);
  g_assert_cmpstr (entry_action (entries, 0), ==, "status-503");
  g_assert_cmpstr (entry_action (entries, 1), ==, "pass");
  g_assert_cmpfloat (entry_time (entries, 1) - entry_time (entries, 0), >=, 1.0);
}

static void
test_get_gives_up_after_bounded_retries (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) entries = NULL;

  /* Always 429 with a short wait: three retries, then the error. */
  proxy_arm ("[{\"path\":\"/v1/me\",\"action\":\"status\",\"status\":429,"
             "\"retryAfter\":\"0\",\"count\":-1}]");
  node = run_request (fixture, "GET", "/v1/me", NULL, NULL, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_RATE_LIMITED);
  g_assert_null (node);

  entries = proxy_log ("/v1/me", NULL);
  g_assert_cmpuint (json_array_get_length (entries), ==, 4);
}

static void
test_429_long_retry_after_fails_fast (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) entries = NULL;
  double seconds;

  proxy_arm ("[{\"path\":\"/v1/me\",\"action\":\"status\",\"status\":429,"
             "\"retryAfter\":\"3600\"}]");
  node = run_request (fixture, "GET", "/v1/me", NULL, &seconds, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_RATE_LIMITED);
  g_assert_null (node);
  g_assert_cmpfloat (seconds, <, 5.0);
  g_assert_cmpuint (cp_api_client_get_retry_after (fixture->client, fixture->result), ==, 3600);

  entries = proxy_log ("/v1/me", NULL);
  g_assert_cmpuint (json_array_get_length (entries), ==, 1);
}

static void
test_post_503_not_retried (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) entries = NULL;
  double seconds;

  proxy_arm ("[{\"method\":\"POST\",\"path\":\"/v1/devices\",\"action\":\"status\","
             "\"status\":503,\"retryAfter\":\"1\"}]");
  node = run_request (fixture, "POST", "/v1/devices", "{\"name\":\"laptop\"}", &seconds, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_SERVER);
  g_assert_null (node);
  /* The caller learns when it may try again itself. */
  g_assert_cmpuint (cp_api_client_get_retry_after (fixture->client, fixture->result), ==, 1);
  g_assert_cmpfloat (seconds, <, 1.0);

  /* Give a blind retry the time it would have needed to show up. */
  g_usleep (1500 * 1000);
  entries = proxy_log ("/v1/devices", NULL);
  g_assert_cmpuint (json_array_get_length (entries), ==, 1);
  g_assert_cmpstr (entry_action (entries, 0), ==, "status-503");
}

/* A reset on a connection that served a request before: the case where an
 * HTTP stack is most tempted to send the request again by itself. */
static void
check_reset (Fixture    *fixture,
             const char *method,
             const char *when)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) warm = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) entries = NULL;
  g_autofree char *rules = NULL;
  g_autofree char *expected = g_strconcat ("reset-", when, NULL);

  /* Another path, so that no cached ETag turns the GET into a bodiless 304. */
  warm = run_request (fixture, "GET", "/.well-known/company-portal", NULL, NULL, &error);
  g_assert_no_error (error);

  rules = g_strdup_printf ("[{\"method\":\"%s\",\"path\":\"/v1/me\",\"action\":\"reset\","
                           "\"when\":\"%s\"}]", method, when);
  proxy_arm (rules);
  node = run_request (fixture, method, "/v1/me",
                      g_str_equal (method, "POST") ? "{\"x\":1}" : NULL, NULL, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_NETWORK);
  g_assert_null (node);
  /* Which server, in words a person can act on. */
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  /* A POST may have been carried out: the user is told to look first. */
  g_assert_true ((strstr (error->message, "Check whether the change was made") != NULL) ==
                 g_str_equal (method, "POST"));

  entries = proxy_log ("/v1/me", NULL);
  g_assert_cmpuint (json_array_get_length (entries), ==, 1);
  g_assert_cmpstr (entry_action (entries, 0), ==, expected);
}

static void
test_post_reset_before_headers (Fixture       *fixture,
                                gconstpointer  data)
{
  check_reset (fixture, "POST", "before-headers");
}

/* The server did the work, the answer never came: the client cannot know,
 * says so, and does not do it again. */
static void
test_post_reset_after_forward (Fixture       *fixture,
                               gconstpointer  data)
{
  check_reset (fixture, "POST", "after-forward");
}

static void
test_post_reset_after_headers (Fixture       *fixture,
                               gconstpointer  data)
{
  check_reset (fixture, "POST", "after-headers");
}

static void
test_get_reset_after_headers (Fixture       *fixture,
                              gconstpointer  data)
{
  check_reset (fixture, "GET", "after-headers");
}

/* libsoup sends an idempotent request once more, at once, when a kept-alive
 * connection turns out to be dead (the server may have closed it while
 * idle); a server that keeps resetting still gives a clear error, after a
 * bounded number of attempts. */
static void
test_get_reset_before_headers (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) warm = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) entries = NULL;

  warm = run_request (fixture, "GET", "/.well-known/company-portal", NULL, NULL, &error);
  g_assert_no_error (error);

  proxy_arm ("[{\"method\":\"GET\",\"path\":\"/v1/me\",\"action\":\"reset\"}]");
  node = run_request (fixture, "GET", "/v1/me", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  entries = proxy_log ("/v1/me", NULL);
  g_assert_cmpuint (json_array_get_length (entries), ==, 2);
  g_assert_cmpstr (entry_action (entries, 0), ==, "reset-before-headers");
  g_assert_cmpstr (entry_action (entries, 1), ==, "pass");
  g_clear_pointer (&entries, json_array_unref);
  g_clear_pointer (&node, json_node_unref);

  proxy_arm ("[{\"method\":\"GET\",\"path\":\"/v1/me\",\"action\":\"reset\",\"count\":-1}]");
  node = run_request (fixture, "GET", "/v1/me", NULL, NULL, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  g_assert_null (node);
  entries = proxy_log ("/v1/me", NULL);
  g_test_message ("attempts against a resetting server: %u", json_array_get_length (entries));
  g_assert_cmpuint (json_array_get_length (entries), >=, 1);
  g_assert_cmpuint (json_array_get_length (entries), <=, 2);
}

static void
test_truncated_body (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpUser) user = NULL;
  g_autoptr(JsonArray) entries = NULL;

  proxy_arm ("[{\"path\":\"/v1/me\",\"action\":\"truncate\",\"bytes\":10}]");
  user = run_get_me (fixture, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "incomplete"));
  g_assert_null (user);

  entries = proxy_log ("/v1/me", NULL);
  g_assert_cmpuint (json_array_get_length (entries), ==, 1);
  g_assert_cmpstr (entry_action (entries, 0), ==, "truncate");
}

/* Cut where the part that arrived is no JSON error by itself: nothing at
 * all, which must not pass for an empty (204-like) answer. */
static void
test_truncated_to_nothing (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) entries = NULL;

  proxy_arm ("[{\"path\":\"/v1/me\",\"action\":\"truncate\",\"bytes\":0}]");
  node = run_request (fixture, "GET", "/v1/me", NULL, NULL, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_assert_null (node);

  entries = proxy_log ("/v1/me", NULL);
  g_assert_cmpuint (json_array_get_length (entries), ==, 1);
  g_assert_cmpstr (entry_action (entries, 0), ==, "truncate");
}

static void
test_corrupted_json (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpUser) user = NULL;
  g_autoptr(JsonArray) entries = NULL;

  proxy_arm ("[{\"path\":\"/v1/me\",\"action\":\"corrupt\",\"offset\":0,\"with\":\"#\"}]");
  user = run_get_me (fixture, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_assert_null (user);

  entries = proxy_log ("/v1/me", NULL);
  g_assert_cmpuint (json_array_get_length (entries), ==, 1);
  g_assert_cmpstr (entry_action (entries, 0), ==, "corrupt");
}

static void
test_delay_over_timeout (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) entries = NULL;
  double seconds;

  cp_api_client_set_timeout (fixture->client, 1);
  proxy_arm ("[{\"path\":\"/v1/me\",\"action\":\"delay\",\"ms\":3000}]");
  node = run_request (fixture, "GET", "/v1/me", NULL, &seconds, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_TIMED_OUT);
  g_assert_null (node);
  g_assert_cmpfloat (seconds, >=, 0.9);
  g_assert_cmpfloat (seconds, <, 2.5);

  /* A delay within the timeout is only slow. */
  proxy_arm ("[{\"path\":\"/v1/me\",\"action\":\"delay\",\"ms\":300}]");
  g_clear_error (&error);
  node = run_request (fixture, "GET", "/v1/me", NULL, &seconds, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_cmpfloat (seconds, >=, 0.3);
  entries = proxy_log ("/v1/me", NULL);
  g_assert_cmpuint (json_array_get_length (entries), ==, 1);
  g_assert_cmpstr (entry_action (entries, 0), ==, "delay");
}

/* Headers and a few bytes in time, then nothing: the timeout covers the body. */
static void
test_stall_mid_body (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  double seconds;

  cp_api_client_set_timeout (fixture->client, 1);
  proxy_arm ("[{\"path\":\"/v1/me\",\"action\":\"stall\",\"bytes\":5,\"ms\":3000}]");
  node = run_request (fixture, "GET", "/v1/me", NULL, &seconds, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_TIMED_OUT);
  g_assert_null (node);
  g_assert_cmpfloat (seconds, <, 2.5);
}

/* A refused token is retried once with a fresh one, POST included: the
 * server did nothing with a request it did not authenticate. */
static void
test_post_401_one_fresh_token (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) entries = NULL;

  proxy_arm ("[{\"path\":\"/v1/devices\",\"action\":\"status\",\"status\":401,\"count\":-1}]");
  node = run_request (fixture, "POST", "/v1/devices", "{}", NULL, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_AUTH_REQUIRED);
  g_assert_null (node);
  entries = proxy_log ("/v1/devices", NULL);
  g_assert_cmpuint (json_array_get_length (entries), ==, 2);
}

/* The answer to a POST that took too long may still come: never sent twice. */
static void
test_post_delay_over_timeout (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) entries = NULL;

  cp_api_client_set_timeout (fixture->client, 1);
  proxy_arm ("[{\"method\":\"POST\",\"path\":\"/v1/devices\",\"action\":\"delay\",\"ms\":2000}]");
  node = run_request (fixture, "POST", "/v1/devices", "{}", NULL, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_TIMED_OUT);
  g_assert_null (node);

  g_usleep (1500 * 1000);
  entries = proxy_log ("/v1/devices", NULL);
  g_assert_cmpuint (json_array_get_length (entries), ==, 1);
}

/* 503 without Retry-After: the client backs off by itself (1 s, then 2 s). */
static void
test_get_backoff_without_retry_after (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) entries = NULL;

  proxy_arm ("[{\"path\":\"/v1/me\",\"action\":\"status\",\"status\":503,\"count\":2}]");
  node = run_request (fixture, "GET", "/v1/me", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);

  entries = proxy_log ("/v1/me", NULL);
  g_assert_cmpuint (json_array_get_length (entries), ==, 3);
  g_assert_cmpstr (entry_action (entries, 2), ==, "pass");
  g_assert_cmpfloat (entry_time (entries, 1) - entry_time (entries, 0), >=, 1.0);
  g_assert_cmpfloat (entry_time (entries, 2) - entry_time (entries, 1), >=, 2.0);
}

static void
test_etag_through_proxy (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpUser) first = NULL;
  g_autoptr(CpUser) second = NULL;
  g_autoptr(CpUser) third = NULL;
  g_autoptr(JsonArray) entries = NULL;

  first = run_get_me (fixture, &error);
  g_assert_no_error (error);
  second = run_get_me (fixture, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cp_user_get_id (second), ==, alice_id);

  /* A 503 between the client and its cached copy: retried, then 304. */
  proxy_control ("POST", "/__faults",
                 "{\"rules\":[{\"path\":\"/v1/me\",\"action\":\"status\","
                 "\"status\":503,\"retryAfter\":\"0\"}]}");
  third = run_get_me (fixture, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cp_user_get_id (third), ==, alice_id);

  entries = proxy_log ("/v1/me", NULL);
  g_assert_cmpuint (json_array_get_length (entries), ==, 4);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (entries, 0), "status"), ==, 200);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (entries, 1), "status"), ==, 304);
  g_assert_cmpstr (entry_action (entries, 2), ==, "status-503");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (entries, 3), "status"), ==, 304);
}

static void
test_server_down (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CpApiClient) direct = NULL;
  g_autofree char *dead_url = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  /* A port nobody listens on: bound, never listening, closed at the end. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  dead_url = g_strdup_printf ("http://127.0.0.1:%u",
                              g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  g_clear_object (&fixture->client);
  fixture->client = cp_api_client_new (fixture->session, dead_url);
  node = run_request (fixture, "POST", "/v1/devices", "{}", NULL, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_NETWORK);
  /* Refused: nothing was done, and the message says the server is unreachable. */
  g_assert_nonnull (strstr (error->message, "Cannot reach 127.0.0.1"));
}

/* Setup */

static char *
fetch_user_id (const char *server_url,
               const char *token)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (server_url, "/v1/me", NULL);
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  const char *headers[] = { "Authorization", bearer, NULL };
  g_autoptr(CpTestResponse) response = cp_test_http (session, "GET", url, headers, NULL, NULL);
  g_autoptr(JsonObject) me = NULL;

  g_assert_cmpuint (response->status, ==, 200);
  me = cp_test_response_json (response);
  return g_strdup (json_object_get_string_member (me, "id"));
}

static void
start_stack (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *server_bin = cp_test_build_path ("src", "server", "company-portal-server", NULL);
  g_autofree char *org = cp_test_source_path ("data", "demo-organization.json", NULL);
  g_autofree char *proxy_py = cp_test_source_path ("tests", "harness", "fault_proxy.py", NULL);
  g_autofree char *tmp_dir = NULL;
  g_autofree char *db = NULL;
  g_autofree char *issuer_arg = NULL;
  g_autofree char *db_arg = NULL;
  g_autofree char *org_arg = NULL;
  g_autofree char *upstream_arg = NULL;

  /* The IdP first: when it cannot start, there is no scratch directory to leave. */
  idp = cp_test_idp_start ("--users", org, NULL);
  /* Removed at exit, after stop_stack() stopped the server writing there. */
  tmp_dir = cp_test_make_program_tmp_dir ("cp-faults-XXXXXX");
  db = g_build_filename (tmp_dir, "server.db", NULL);

  issuer_arg = g_strconcat ("--issuer=", idp->url, NULL);
  db_arg = g_strconcat ("--db=", db, NULL);
  org_arg = g_strconcat ("--org=", org, NULL);
  {
    const char *argv[] = { server_bin, "--demo", org_arg, issuer_arg, "--listen=127.0.0.1:0",
                           db_arg, NULL };

    server = cp_test_process_start (argv, &error);
    g_assert_no_error (error);
  }

  upstream_arg = g_strconcat ("--upstream=", server->url, NULL);
  {
    const char *argv[] = { "/usr/bin/python3", proxy_py, upstream_arg, NULL };

    proxy = cp_test_process_start (argv, &error);
    g_assert_no_error (error);
  }

  alice_token = cp_test_idp_get_token (idp->url, "alice");
  g_assert_nonnull (alice_token);
  alice_id = fetch_user_id (server->url, alice_token);
}

static void
stop_stack (void)
{
  g_clear_pointer (&proxy, cp_test_process_free);
  g_clear_pointer (&server, cp_test_process_free);
  g_clear_pointer (&idp, cp_test_process_free);
  g_free (alice_token);
  g_free (alice_id);
}

#define ADD(name, func) \
  g_test_add ("/faults/api/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  ADD ("baseline", test_baseline);
  ADD ("get-retried-after-503", test_get_retried_after_503);
  ADD ("get-gives-up-after-bounded-retries", test_get_gives_up_after_bounded_retries);
  ADD ("429-long-retry-after-fails-fast", test_429_long_retry_after_fails_fast);
  ADD ("post-503-not-retried", test_post_503_not_retried);
  ADD ("post-reset-before-headers", test_post_reset_before_headers);
  ADD ("post-reset-after-forward", test_post_reset_after_forward);
  ADD ("post-reset-after-headers", test_post_reset_after_headers);
  ADD ("get-reset-after-headers", test_get_reset_after_headers);
  ADD ("get-reset-before-headers", test_get_reset_before_headers);
  ADD ("truncated-body", test_truncated_body);
  ADD ("truncated-to-nothing", test_truncated_to_nothing);
  ADD ("corrupted-json", test_corrupted_json);
  ADD ("delay-over-timeout", test_delay_over_timeout);
  ADD ("stall-mid-body", test_stall_mid_body);
  ADD ("post-401-one-fresh-token", test_post_401_one_fresh_token);
  ADD ("post-delay-over-timeout", test_post_delay_over_timeout);
  ADD ("get-backoff-without-retry-after", test_get_backoff_without_retry_after);
  ADD ("etag-through-proxy", test_etag_through_proxy);
  ADD ("server-down", test_server_down);

  start_stack ();
  status = g_test_run ();
  stop_stack ();
  return status;
}
