/* test-oidc.c: sign-in end to end against the real provider and a real keyring
 *
 * Runs inside tests/harness/with-keyring.sh (private D-Bus, gnome-keyring,
 * fresh HOME/XDG dirs). Starts tests/idp/provider.js twice: one with long
 * lifetimes, one with 2 second access tokens and device codes. Fake
 * providers (malformed discovery, forged ID tokens) are SoupServers here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <libsecret/secret.h>

#include "company-portal.h"

#define CLIENT_ID "company-portal"
#define SERVER_URL "https://portal.example.com"

typedef struct
{
  GSubprocess *process;
  GDataInputStream *out;
  GCancellable *cancellable;
  char *issuer;
} Provider;

static Provider *provider_long;     /* --access-ttl 600 */
static Provider *provider_short;    /* --access-ttl 2 --device-code-ttl 2 */
static GString *captured_log;
static GPtrArray *secrets;          /* every token the tests saw */
static gboolean keyring_is_empty;   /* with-keyring.sh --empty-password */

/* Logging: everything is kept to check that no secret was ever logged. */

static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") || g_str_equal (fields[i].key, "GLIB_DOMAIN"))
      {
        if (fields[i].length < 0)
          g_string_append (captured_log, fields[i].value);
        else
          g_string_append_len (captured_log, fields[i].value, fields[i].length);
        g_string_append_c (captured_log, ' ');
      }
  g_string_append_c (captured_log, '\n');

  /* Debug lines reach the TAP output as comments already (GTest does that);
   * the default writer would print them again, unprefixed, into the TAP stream. */
  if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static void
remember_tokens (CpTokenSet *tokens)
{
  const char *values[] = {
    cp_token_set_get_access_token (tokens),
    cp_token_set_get_refresh_token (tokens),
    cp_token_set_get_id_token (tokens),
  };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    if (values[i] != NULL)
      g_ptr_array_add (secrets, g_strdup (values[i]));
}

/* Main loop helpers */

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static gboolean
set_true_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
sleep_loop (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_true_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* The real provider */

static void
die_with_parent (gpointer user_data)
{
  /* A test that aborts must not leave providers holding meson's pipes. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* The provider's stdout stays open (it would die of EPIPE) and goes to the log. */
static void
provider_line_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Provider *provider = user_data;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                    result, NULL, NULL);

  if (line == NULL)
    return;
  g_string_append_printf (captured_log, "provider: %s\n", line);
  g_test_message ("provider: %s", line);
  g_data_input_stream_read_line_async (provider->out, G_PRIORITY_DEFAULT, provider->cancellable,
                                       provider_line_cb, provider);
}

static Provider *
provider_start (const char *const *extra_args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *script = g_build_filename (g_getenv ("CP_SOURCE_DIR"), "tests", "idp",
                                              "provider.js", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  Provider *provider = g_new0 (Provider, 1);

  g_ptr_array_add (argv, (char *) "node");
  g_ptr_array_add (argv, script);
  g_ptr_array_add (argv, (char *) "--port");
  g_ptr_array_add (argv, (char *) "0");
  for (guint i = 0; extra_args && extra_args[i]; i++)
    g_ptr_array_add (argv, (char *) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  provider->process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);

  provider->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (provider->process));
  provider->cancellable = g_cancellable_new ();
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (provider->out, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);  /* the provider died before READY: see its stderr */
      if (g_str_has_prefix (line, "READY "))
        {
          provider->issuer = g_strdup (line + strlen ("READY "));
          break;
        }
    }

  g_test_message ("provider at %s", provider->issuer);
  g_data_input_stream_read_line_async (provider->out, G_PRIORITY_DEFAULT, provider->cancellable,
                                       provider_line_cb, provider);
  return provider;
}

static void
provider_stop (Provider *provider)
{
  if (provider == NULL)
    return;
  g_cancellable_cancel (provider->cancellable);
  g_subprocess_send_signal (provider->process, SIGTERM);
  g_subprocess_wait (provider->process, NULL, NULL);
  g_object_unref (provider->process);
  g_object_unref (provider->out);
  g_object_unref (provider->cancellable);
  g_free (provider->issuer);
  g_free (provider);
}

static CpOidcClient *
client_for (Provider *provider)
{
  return cp_oidc_client_new (NULL, provider->issuer, CLIENT_ID, NULL, NULL);
}

/* Runs tests/harness/idp_browser.py; its output goes to the captured log. */

typedef struct
{
  GSubprocess *process;
  GAsyncResult *result;
} Browser;

static void
browser_start (Browser    *browser,
               const char *mode,
               const char *uri,
               const char *user,
               gboolean    deny)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = g_build_filename (g_getenv ("CP_SOURCE_DIR"), "tests", "harness",
                                              "idp_browser.py", NULL);

  browser->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                                       &error, "python3", script, mode, uri, "--user", user,
                                       deny ? "--deny" : NULL, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (browser->process, NULL, NULL, store_result_cb, &browser->result);
}

static gboolean
browser_finish (Browser *browser)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  gboolean ok;

  wait_for (&browser->result);
  g_subprocess_communicate_utf8_finish (browser->process, browser->result, &output, NULL, &error);
  g_assert_no_error (error);
  g_string_append (captured_log, output);
  g_test_message ("%s", output);
  ok = g_subprocess_get_successful (browser->process);
  g_clear_object (&browser->result);
  g_clear_object (&browser->process);
  return ok;
}

/* Waits for @result; if the browser gives up first, its output says why. */
static void
wait_with_browser (GAsyncResult **result,
                   Browser       *browser,
                   GCancellable  *cancellable)
{
  while (*result == NULL)
    {
      g_main_context_iteration (NULL, TRUE);
      if (browser->process != NULL && browser->result != NULL &&
          !g_subprocess_get_successful (browser->process) && !g_cancellable_is_cancelled (cancellable))
        {
          g_test_message ("the browser failed; cancelling the sign-in");
          g_cancellable_cancel (cancellable);
        }
    }
}

/* Browser sign-in */

typedef struct
{
  const char *user;
  gboolean deny;
  Browser browser;
  gboolean started;
} AuthorizeData;

static void
authorization_uri_cb (CpBrowserSignIn *sign_in,
                      GParamSpec      *pspec,
                      AuthorizeData   *data)
{
  const char *uri = cp_browser_sign_in_get_authorization_uri (sign_in);

  g_assert_nonnull (uri);
  g_assert_cmpuint (cp_browser_sign_in_get_port (sign_in), >, 0);
  browser_start (&data->browser, "authorize", uri, data->user, data->deny);
  data->started = TRUE;
}

static CpTokenSet *
browser_sign_in (CpOidcClient *client,
                 const char   *user,
                 gboolean      deny,
                 GError      **error)
{
  g_autoptr(CpBrowserSignIn) sign_in = cp_browser_sign_in_new (client);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  AuthorizeData data = { user, deny };
  CpTokenSet *tokens;
  gboolean browser_ok;

  g_signal_connect (sign_in, "notify::authorization-uri", G_CALLBACK (authorization_uri_cb), &data);
  cp_browser_sign_in_run_async (sign_in, cancellable, store_result_cb, &result);
  wait_with_browser (&result, &data.browser, cancellable);
  tokens = cp_browser_sign_in_run_finish (sign_in, result, error);
  g_assert_true (data.started);
  browser_ok = browser_finish (&data.browser);
  /* The browser saw our page either way: a 200 on success, a 400 on refusal. */
  g_assert_true (browser_ok == (tokens != NULL));
  if (tokens != NULL)
    remember_tokens (tokens);
  return tokens;
}

static gboolean
port_accepts (guint port)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_socket_client_connect_to_host (socket_client, "127.0.0.1", port, NULL, &error);
  if (connection == NULL)
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  return connection != NULL;
}

static void
test_discovery (void)
{
  g_autoptr(CpOidcClient) client = client_for (provider_long);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token_endpoint = g_strconcat (provider_long->issuer, "/token", NULL);

  g_assert_null (cp_oidc_client_get_endpoint (client, "token_endpoint"));
  cp_oidc_client_discover_async (client, NULL, store_result_cb, &result);
  g_assert_true (cp_oidc_client_discover_finish (client, wait_for (&result), &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cp_oidc_client_get_endpoint (client, "token_endpoint"), ==, token_endpoint);
  g_assert_nonnull (cp_oidc_client_get_endpoint (client, "device_authorization_endpoint"));
  g_assert_nonnull (cp_oidc_client_get_endpoint (client, "revocation_endpoint"));
  g_assert_null (cp_oidc_client_get_endpoint (client, "no_such_endpoint"));
}

static void
test_browser_sign_in (void)
{
  g_autoptr(CpOidcClient) client = client_for (provider_long);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens = browser_sign_in (client, "alice", FALSE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cp_token_set_get_access_token (tokens));
  g_assert_nonnull (cp_token_set_get_refresh_token (tokens));
  g_assert_nonnull (cp_token_set_get_id_token (tokens));
  g_assert_cmpstr (cp_token_set_get_subject (tokens), ==, "alice");
  g_assert_cmpstr (cp_token_set_get_email (tokens), ==, "alice@example.com");
  g_assert_false (cp_token_set_expires_within (tokens, 300));
}

static void
test_browser_denied (void)
{
  g_autoptr(CpOidcClient) client = client_for (provider_long);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens = browser_sign_in (client, "alice", TRUE, &error);

  g_assert_null (tokens);
  g_assert_error (error, CP_ERROR, CP_ERROR_ACCESS_DENIED);
}

/* Plays a forged redirect against the listener instead of the browser. */
typedef struct
{
  const char *state;          /* NULL: the real one */
  const char *iss;            /* NULL: none */
  guint status;
  guint port;
} ForgeData;

static void
forged_sent_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ForgeData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  SoupMessageHeaders *headers;
  g_autofree char *page = NULL;

  g_assert_no_error (error);
  data->status = soup_message_get_status (msg);

  /* A minimal page that loads nothing from anywhere. */
  headers = soup_message_get_response_headers (msg);
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "text/html");
  g_assert_nonnull (strstr (soup_message_headers_get_one (headers, "Content-Security-Policy"),
                            "default-src 'none'"));
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Referrer-Policy"), ==, "no-referrer");
  page = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_true (g_str_has_prefix (page, "<!DOCTYPE html>"));
  g_assert_null (strstr (page, "src="));
  g_assert_null (strstr (page, "href="));
  g_assert_null (strstr (page, "@import"));
  g_assert_null (strstr (page, "forged"));
}

static void
forge_redirect_cb (CpBrowserSignIn *sign_in,
                   GParamSpec      *pspec,
                   ForgeData       *data)
{
  static SoupSession *session;
  g_autoptr(GUri) auth_uri = g_uri_parse (cp_browser_sign_in_get_authorization_uri (sign_in),
                                          G_URI_FLAGS_ENCODED, NULL);
  g_autoptr(GHashTable) params = g_uri_parse_params (g_uri_get_query (auth_uri), -1, "&",
                                                     G_URI_PARAMS_NONE, NULL);
  g_autofree char *state = g_uri_escape_string (data->state ? data->state : g_hash_table_lookup (params, "state"), NULL, TRUE);
  g_autofree char *iss = data->iss ? g_uri_escape_string (data->iss, NULL, TRUE) : NULL;
  g_autofree char *uri = NULL;
  g_autofree char *redirect_uri = g_strdup_printf ("http://127.0.0.1:%u/callback",
                                                   cp_browser_sign_in_get_port (sign_in));
  g_autoptr(SoupMessage) msg = NULL;

  g_assert_cmpstr (g_hash_table_lookup (params, "code_challenge_method"), ==, "S256");
  g_assert_cmpstr (g_hash_table_lookup (params, "redirect_uri"), ==, redirect_uri);
  g_assert_cmpuint (strlen (g_hash_table_lookup (params, "state")), ==, 43);
  g_assert_cmpuint (strlen (g_hash_table_lookup (params, "nonce")), ==, 43);
  data->port = cp_browser_sign_in_get_port (sign_in);
  uri = g_strdup_printf ("http://127.0.0.1:%u/callback?code=forged&state=%s%s%s", data->port, state,
                         iss ? "&iss=" : "", iss ? iss : "");
  if (session == NULL)
    session = soup_session_new ();
  msg = soup_message_new (SOUP_METHOD_GET, uri);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, forged_sent_cb, data);
}

static void
run_forged (const char *state,
            const char *iss)
{
  g_autoptr(CpOidcClient) client = client_for (provider_long);
  g_autoptr(CpBrowserSignIn) sign_in = cp_browser_sign_in_new (client);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens = NULL;
  ForgeData data = { state, iss };

  g_signal_connect (sign_in, "notify::authorization-uri", G_CALLBACK (forge_redirect_cb), &data);
  cp_browser_sign_in_run_async (sign_in, NULL, store_result_cb, &result);
  tokens = cp_browser_sign_in_run_finish (sign_in, wait_for (&result), &error);
  g_assert_null (tokens);
  g_assert_error (error, CP_ERROR, CP_ERROR_SECURITY);

  while (data.status == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (data.status, ==, SOUP_STATUS_BAD_REQUEST);
  /* One redirect, then the listener is gone. */
  sleep_loop (50);
  g_assert_false (port_accepts (data.port));
}

static void
test_browser_state_mismatch (void)
{
  run_forged ("not-the-state", NULL);
}

static void
test_browser_wrong_iss (void)
{
  /* The real provider advertises RFC 9207: a redirect from "another" issuer is refused. */
  run_forged (NULL, "http://127.0.0.1:1/evil");
}

static void
cancel_when_listening_cb (CpBrowserSignIn *sign_in,
                          GParamSpec      *pspec,
                          GCancellable    *cancellable)
{
  g_assert_true (port_accepts (cp_browser_sign_in_get_port (sign_in)));
  g_cancellable_cancel (cancellable);
}

static void
test_browser_cancel (void)
{
  g_autoptr(CpOidcClient) client = client_for (provider_long);
  g_autoptr(CpBrowserSignIn) sign_in = cp_browser_sign_in_new (client);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens = NULL;

  g_signal_connect (sign_in, "notify::authorization-uri", G_CALLBACK (cancel_when_listening_cb), cancellable);
  cp_browser_sign_in_run_async (sign_in, cancellable, store_result_cb, &result);
  tokens = cp_browser_sign_in_run_finish (sign_in, wait_for (&result), &error);
  g_assert_null (tokens);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (port_accepts (cp_browser_sign_in_get_port (sign_in)));
}

static void
test_browser_timeout (void)
{
  g_autoptr(CpOidcClient) client = client_for (provider_long);
  g_autoptr(CpBrowserSignIn) sign_in = cp_browser_sign_in_new (client);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens = NULL;
  gint64 start = g_get_monotonic_time ();

  /* The browser never comes back. */
  cp_browser_sign_in_set_timeout (sign_in, 1);
  cp_browser_sign_in_run_async (sign_in, NULL, store_result_cb, &result);
  tokens = cp_browser_sign_in_run_finish (sign_in, wait_for (&result), &error);
  g_assert_null (tokens);
  g_assert_error (error, CP_ERROR, CP_ERROR_TIMED_OUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC / 2);
  g_assert_false (port_accepts (cp_browser_sign_in_get_port (sign_in)));
}

/* Device sign-in */

typedef struct
{
  const char *user;
  gboolean deny;
  GCancellable *cancel;       /* cancel instead of opening the browser */
  Browser browser;
  gboolean started;
  guint notifications;
} DeviceData;

static void
user_code_cb (CpDeviceSignIn *sign_in,
              GParamSpec     *pspec,
              DeviceData     *data)
{
  const char *complete = cp_device_sign_in_get_verification_uri_complete (sign_in);

  data->notifications++;
  g_assert_nonnull (cp_device_sign_in_get_user_code (sign_in));
  g_assert_nonnull (cp_device_sign_in_get_verification_uri (sign_in));
  g_assert_nonnull (complete);
  g_assert_cmpint (cp_device_sign_in_get_expires_at (sign_in), >, g_get_real_time () / G_USEC_PER_SEC);
  if (data->cancel != NULL)
    g_cancellable_cancel (data->cancel);
  else if (data->user != NULL)
    {
      browser_start (&data->browser, "device", complete, data->user, data->deny);
      data->started = TRUE;
    }
}

static CpTokenSet *
device_sign_in (Provider    *provider,
                DeviceData  *data,
                GError     **error)
{
  g_autoptr(CpOidcClient) client = client_for (provider);
  g_autoptr(CpDeviceSignIn) sign_in = cp_device_sign_in_new (client);
  g_autoptr(GAsyncResult) result = NULL;
  CpTokenSet *tokens;

  g_autoptr(GCancellable) cancellable = data->cancel ? g_object_ref (data->cancel) : g_cancellable_new ();

  g_signal_connect (sign_in, "notify::user-code", G_CALLBACK (user_code_cb), data);
  cp_device_sign_in_run_async (sign_in, cancellable, store_result_cb, &result);
  wait_with_browser (&result, &data->browser, cancellable);
  tokens = cp_device_sign_in_run_finish (sign_in, result, error);
  g_assert_cmpuint (data->notifications, ==, 1);
  if (data->started)
    g_assert_true (browser_finish (&data->browser));
  if (tokens != NULL)
    remember_tokens (tokens);
  return tokens;
}

static void
test_device_approve (void)
{
  DeviceData data = { "bob" };
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens = device_sign_in (provider_long, &data, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (cp_token_set_get_subject (tokens), ==, "bob");
  g_assert_nonnull (cp_token_set_get_refresh_token (tokens));
}

static void
test_device_deny (void)
{
  DeviceData data = { "bob", TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens = device_sign_in (provider_long, &data, &error);

  g_assert_null (tokens);
  g_assert_error (error, CP_ERROR, CP_ERROR_ACCESS_DENIED);
}

static void
test_device_expire (void)
{
  DeviceData data = { NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens = device_sign_in (provider_short, &data, &error);

  g_assert_null (tokens);
  g_assert_error (error, CP_ERROR, CP_ERROR_EXPIRED);
}

static void
test_device_cancel (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  DeviceData data = { NULL, FALSE, cancellable };
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_autoptr(CpTokenSet) tokens = device_sign_in (provider_long, &data, &error);

  g_assert_null (tokens);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Cancelling ends the wait between polls, not after it. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
}

/* Keyring and session */

static CpTokenSet *
store_load (CpTokenStore *store,
            const char   *server,
            const char   *issuer,
            GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cp_token_store_load_async (store, server, issuer, NULL, store_result_cb, &result);
  return cp_token_store_load_finish (store, wait_for (&result), error);
}

static gboolean
store_save (CpTokenStore *store,
            const char   *server,
            const char   *issuer,
            CpTokenSet   *tokens,
            GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cp_token_store_save_async (store, server, issuer, tokens, NULL, store_result_cb, &result);
  return cp_token_store_save_finish (store, wait_for (&result), error);
}

static gboolean
store_delete (CpTokenStore *store,
              const char   *server,
              const char   *issuer,
              GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cp_token_store_delete_async (store, server, issuer, NULL, store_result_cb, &result);
  return cp_token_store_delete_finish (store, wait_for (&result), error);
}

static CpTokenSet *
make_tokens (const char *access_token,
             const char *refresh_token)
{
  g_autoptr(JsonObject) response = json_object_new ();
  g_autoptr(GError) error = NULL;
  CpTokenSet *tokens;

  json_object_set_string_member (response, "access_token", access_token);
  json_object_set_string_member (response, "token_type", "Bearer");
  json_object_set_int_member (response, "expires_in", 600);
  json_object_set_string_member (response, "refresh_token", refresh_token);
  tokens = cp_token_set_new_from_response (response, &error);
  g_assert_no_error (error);
  cp_token_set_set_identity (tokens, "carol", "Carol", NULL);
  remember_tokens (tokens);
  return tokens;
}

static void
test_keyring_roundtrip (void)
{
  g_autoptr(CpTokenStore) store = cp_token_store_new ();
  g_autofree char *at1 = cp_random_token (24);
  g_autofree char *at2 = cp_random_token (24);
  g_autofree char *rt = cp_random_token (24);
  g_autoptr(CpTokenSet) first = make_tokens (at1, rt);
  g_autoptr(CpTokenSet) second = make_tokens (at2, rt);
  g_autoptr(CpTokenSet) loaded = NULL;
  g_autoptr(CpTokenSet) other = NULL;
  g_autoptr(GError) error = NULL;
  const char *issuer = "https://idp.example.com";

  if (keyring_is_empty)
    {
      g_test_skip ("needs a login keyring");
      return;
    }

  loaded = store_load (store, SERVER_URL, issuer, &error);
  g_assert_no_error (error);
  g_assert_null (loaded);

  g_assert_true (store_save (store, SERVER_URL, issuer, first, &error));
  g_assert_no_error (error);
  g_assert_true (store_save (store, "https://other.example.com", issuer, first, &error));
  g_assert_no_error (error);
  /* Saving again replaces the item: the load sees the second set only. */
  g_assert_true (store_save (store, SERVER_URL, issuer, second, &error));
  g_assert_no_error (error);

  loaded = store_load (store, SERVER_URL, issuer, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cp_token_set_get_access_token (loaded), ==, at2);
  g_assert_cmpstr (cp_token_set_get_refresh_token (loaded), ==, rt);
  g_assert_cmpstr (cp_token_set_get_subject (loaded), ==, "carol");
  g_assert_cmpint (cp_token_set_get_expires_at (loaded), ==, cp_token_set_get_expires_at (second));
  g_clear_object (&loaded);

  g_assert_true (store_delete (store, SERVER_URL, issuer, &error));
  g_assert_no_error (error);
  loaded = store_load (store, SERVER_URL, issuer, &error);
  g_assert_no_error (error);
  g_assert_null (loaded);
  /* Deleting nothing is fine; the other server's item is untouched. */
  g_assert_true (store_delete (store, SERVER_URL, issuer, &error));
  g_assert_no_error (error);
  other = store_load (store, "https://other.example.com", issuer, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cp_token_set_get_access_token (other), ==, at1);
  g_assert_true (store_delete (store, "https://other.example.com", issuer, &error));
}

static void
test_keyring_locked (void)
{
  g_autoptr(CpTokenStore) store = cp_token_store_new ();
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretCollection) collection = NULL;
  g_autoptr(GList) locked = NULL;
  g_autofree char *at = cp_random_token (24);
  g_autofree char *rt = cp_random_token (24);
  g_autoptr(CpTokenSet) tokens = make_tokens (at, rt);
  g_autoptr(GError) error = NULL;
  GList objects = { 0 };

  /* Locking is for good in this test run (an unlock would need a prompt),
   * so this test is registered after all the others that use the keyring. */

  if (keyring_is_empty)
    {
      g_test_skip ("needs a login keyring");
      return;
    }

  /* Lock the login keyring; no one is there to type the password (the
   * prompter cannot open a display), so unlocking is refused. */
  service = secret_service_get_sync (SECRET_SERVICE_LOAD_COLLECTIONS, NULL, &error);
  g_assert_no_error (error);
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (collection);
  objects.data = collection;
  secret_service_lock_sync (service, &objects, NULL, &locked, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (locked), ==, 1);
  g_list_free_full (g_steal_pointer (&locked), g_object_unref);

  g_assert_false (store_save (store, SERVER_URL "/locked", "https://idp.example.com", tokens, &error));
  g_assert_error (error, CP_ERROR, CP_ERROR_KEYRING);
  g_assert_nonnull (strstr (error->message, "Unlock your keyring"));
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          guint      *count)
{
  (*count)++;
}

static gboolean
session_sign_in (CpSession  *session,
                 CpTokenSet *tokens,
                 GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cp_session_sign_in_async (session, tokens, NULL, store_result_cb, &result);
  return cp_session_sign_in_finish (session, wait_for (&result), error);
}

static char *
session_get_token (CpSession  *session,
                   GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cp_token_source_get_access_token_async (CP_TOKEN_SOURCE (session), NULL, store_result_cb, &result);
  return cp_token_source_get_access_token_finish (CP_TOKEN_SOURCE (session), wait_for (&result), error);
}

static void
test_session_lifecycle (void)
{
  g_autoptr(CpOidcClient) client = client_for (provider_long);
  g_autoptr(CpTokenStore) store = cp_token_store_new ();
  g_autoptr(CpSession) session = cp_session_new (SERVER_URL, client, store);
  g_autoptr(CpSession) restored = NULL;
  g_autoptr(CpTokenSet) tokens = NULL;
  g_autoptr(CpTokenSet) after = NULL;
  g_autoptr(CpTokenSet) left = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *access_token = NULL;
  guint state_changes = 0;
  guint token_changes = 0;

  if (keyring_is_empty)
    {
      g_test_skip ("needs a login keyring");
      return;
    }

  tokens = browser_sign_in (client, "alice", FALSE, &error);
  g_assert_no_error (error);

  g_signal_connect (session, "notify::state", G_CALLBACK (count_cb), &state_changes);
  g_assert_cmpint (cp_session_get_state (session), ==, CP_SESSION_STATE_SIGNED_OUT);
  g_assert_true (session_sign_in (session, tokens, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cp_session_get_state (session), ==, CP_SESSION_STATE_SIGNED_IN);
  g_assert_cmpuint (state_changes, ==, 1);

  /* A new session (the next start of the app) finds the sign-in in the keyring. */
  restored = cp_session_new (SERVER_URL, client, store);
  g_signal_connect (restored, "notify::tokens", G_CALLBACK (count_cb), &token_changes);
  cp_session_restore_async (restored, NULL, store_result_cb, &result);
  g_assert_true (cp_session_restore_finish (restored, wait_for (&result), &error));
  g_assert_no_error (error);
  g_assert_cmpint (cp_session_get_state (restored), ==, CP_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (cp_token_set_get_subject (cp_session_get_tokens (restored)), ==, "alice");
  token_changes = 0;

  /* Fresh tokens are handed out as they are: no refresh. */
  access_token = session_get_token (restored, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (access_token, ==, cp_token_set_get_access_token (tokens));
  g_assert_cmpuint (token_changes, ==, 0);

  /* Sign out: revoked at the provider, gone from the keyring. */
  g_clear_object (&result);
  cp_session_sign_out_async (restored, NULL, store_result_cb, &result);
  g_assert_true (cp_session_sign_out_finish (restored, wait_for (&result), &error));
  g_assert_no_error (error);
  g_assert_cmpint (cp_session_get_state (restored), ==, CP_SESSION_STATE_SIGNED_OUT);
  g_assert_null (cp_session_get_tokens (restored));
  left = store_load (store, SERVER_URL, provider_long->issuer, &error);
  g_assert_no_error (error);
  g_assert_null (left);

  g_clear_object (&result);
  cp_oidc_client_refresh_async (client, tokens, NULL, store_result_cb, &result);
  after = cp_oidc_client_refresh_finish (client, wait_for (&result), &error);
  g_assert_null (after);
  g_assert_error (error, CP_ERROR, CP_ERROR_AUTH_REQUIRED);
  g_clear_error (&error);

  g_clear_pointer (&access_token, g_free);
  access_token = session_get_token (restored, &error);
  g_assert_null (access_token);
  g_assert_error (error, CP_ERROR, CP_ERROR_AUTH_REQUIRED);
}

static void
test_session_invalid_grant (void)
{
  g_autoptr(CpOidcClient) client = client_for (provider_long);
  g_autoptr(CpTokenStore) store = cp_token_store_new ();
  g_autoptr(CpSession) session = cp_session_new (SERVER_URL "/invalid-grant", client, store);
  g_autoptr(CpTokenSet) tokens = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *access_token = NULL;

  if (keyring_is_empty)
    {
      g_test_skip ("needs a login keyring");
      return;
    }

  tokens = browser_sign_in (client, "dave", FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (session_sign_in (session, tokens, &error));

  /* An administrator revokes the grant behind the app's back... */
  cp_oidc_client_revoke_async (client, tokens, NULL, store_result_cb, &result);
  g_assert_true (cp_oidc_client_revoke_finish (client, wait_for (&result), &error));
  g_assert_no_error (error);

  /* ...the API server refuses the access token, the refresh is refused. */
  cp_token_source_invalidate (CP_TOKEN_SOURCE (session), cp_token_set_get_access_token (tokens));
  access_token = session_get_token (session, &error);
  g_assert_null (access_token);
  g_assert_error (error, CP_ERROR, CP_ERROR_AUTH_REQUIRED);
  g_assert_cmpint (cp_session_get_state (session), ==, CP_SESSION_STATE_EXPIRED);
  /* Who must sign in again is still known. */
  g_assert_cmpstr (cp_token_set_get_subject (cp_session_get_tokens (session)), ==, "dave");

  g_clear_object (&result);
  cp_session_sign_out_async (session, NULL, store_result_cb, &result);
  cp_session_sign_out_finish (session, wait_for (&result), NULL);
}

typedef struct
{
  GAsyncResult *result;
} Waiter;

static void
test_session_refresh (void)
{
  g_autoptr(CpOidcClient) client = client_for (provider_short);
  g_autoptr(CpTokenStore) store = cp_token_store_new ();
  g_autoptr(CpSession) session = cp_session_new (SERVER_URL "/refresh", client, store);
  g_autoptr(CpTokenSet) tokens = NULL;
  g_autoptr(CpTokenSet) saved = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *refreshed = NULL;
  g_autofree char *first_refresh_token = NULL;
  g_autofree char *second_access_token = NULL;
  Waiter waiters[5] = { 0 };
  guint token_changes = 0;

  if (keyring_is_empty)
    {
      g_test_skip ("needs a login keyring");
      return;
    }

  tokens = browser_sign_in (client, "erin", FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (session_sign_in (session, tokens, &error));
  g_signal_connect (session, "notify::tokens", G_CALLBACK (count_cb), &token_changes);

  /* Wait until the 2 s access token has really expired. */
  while (!cp_token_set_expires_within (tokens, -1))
    sleep_loop (200);

  refreshed = session_get_token (session, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (refreshed, !=, cp_token_set_get_access_token (tokens));
  g_assert_cmpuint (token_changes, ==, 1);
  g_ptr_array_add (secrets, g_strdup (refreshed));
  remember_tokens (cp_session_get_tokens (session));
  first_refresh_token = g_strdup (cp_token_set_get_refresh_token (cp_session_get_tokens (session)));
  g_assert_cmpstr (first_refresh_token, !=, cp_token_set_get_refresh_token (tokens));

  /* The rotated set is in the keyring. */
  saved = store_load (store, SERVER_URL "/refresh", provider_short->issuer, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cp_token_set_get_refresh_token (saved), ==, first_refresh_token);
  g_assert_cmpstr (cp_token_set_get_access_token (saved), ==, refreshed);

  /* Expired again: five requests at once make exactly one refresh. A second
   * refresh with the same (rotated, spent) refresh token would be refused. */
  while (!cp_token_set_expires_within (cp_session_get_tokens (session), -1))
    sleep_loop (200);
  token_changes = 0;
  for (guint i = 0; i < G_N_ELEMENTS (waiters); i++)
    cp_token_source_get_access_token_async (CP_TOKEN_SOURCE (session), NULL, store_result_cb,
                                            &waiters[i].result);
  for (guint i = 0; i < G_N_ELEMENTS (waiters); i++)
    {
      g_autofree char *access_token = NULL;

      wait_for (&waiters[i].result);
      access_token = cp_token_source_get_access_token_finish (CP_TOKEN_SOURCE (session),
                                                              waiters[i].result, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (access_token, !=, refreshed);
      if (second_access_token == NULL)
        second_access_token = g_strdup (access_token);
      g_assert_cmpstr (access_token, ==, second_access_token);
      g_clear_object (&waiters[i].result);
    }
  g_assert_cmpuint (token_changes, ==, 1);
  g_assert_cmpint (cp_session_get_state (session), ==, CP_SESSION_STATE_SIGNED_IN);
  remember_tokens (cp_session_get_tokens (session));

  g_clear_object (&saved);
  saved = store_load (store, SERVER_URL "/refresh", provider_short->issuer, &error);
  g_assert_cmpstr (cp_token_set_get_access_token (saved), ==, second_access_token);
  g_assert_cmpstr (cp_token_set_get_refresh_token (saved), !=, first_refresh_token);

  /* The API server refuses the token: the next request refreshes; a caller
   * that gives up leaves at once without stopping the refresh for others. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autofree char *third = NULL;
    g_autofree char *none = NULL;

    cp_token_source_invalidate (CP_TOKEN_SOURCE (session), second_access_token);
    cp_token_source_get_access_token_async (CP_TOKEN_SOURCE (session), cancellable, store_result_cb,
                                            &waiters[0].result);
    cp_token_source_get_access_token_async (CP_TOKEN_SOURCE (session), NULL, store_result_cb,
                                            &waiters[1].result);
    g_cancellable_cancel (cancellable);
    wait_for (&waiters[0].result);
    g_assert_null (waiters[1].result);
    none = cp_token_source_get_access_token_finish (CP_TOKEN_SOURCE (session), waiters[0].result, &error);
    g_assert_null (none);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);

    wait_for (&waiters[1].result);
    third = cp_token_source_get_access_token_finish (CP_TOKEN_SOURCE (session), waiters[1].result, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (third, !=, second_access_token);
    g_ptr_array_add (secrets, g_strdup (third));
    remember_tokens (cp_session_get_tokens (session));
    g_clear_object (&waiters[0].result);
    g_clear_object (&waiters[1].result);
  }

  {
    g_autoptr(GAsyncResult) result = NULL;

    cp_session_sign_out_async (session, NULL, store_result_cb, &result);
    g_assert_true (cp_session_sign_out_finish (session, wait_for (&result), &error));
    g_assert_no_error (error);
  }
}

/* Files under the test's HOME and XDG dirs: none may hold a secret. */
static void
collect_files (const char *dir,
               GPtrArray  *files)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  if (handle == NULL)
    return;
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        collect_files (path, files);
      else if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (files, g_steal_pointer (&path));
    }
}

static GPtrArray *
files_under_test_dirs (void)
{
  const char *dirs[] = { g_get_home_dir (), g_get_user_data_dir (), g_get_user_config_dir (),
                         g_get_user_cache_dir () };
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    collect_files (dirs[i], files);
  return files;
}

static void
assert_no_secret_in_files (void)
{
  g_autoptr(GPtrArray) files = files_under_test_dirs ();

  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (!g_file_get_contents (files->pdata[i], &contents, &length, NULL))
        continue;
      for (guint j = 0; j < secrets->len; j++)
        if (g_strstr_len (contents, length, secrets->pdata[j]) != NULL)
          g_error ("a token is in %s", (char *) files->pdata[i]);
    }
}

static void
test_keyring_missing (void)
{
  g_autoptr(CpOidcClient) client = client_for (provider_long);
  g_autoptr(CpTokenStore) store = cp_token_store_new ();
  g_autoptr(CpSession) session = cp_session_new (SERVER_URL, client, store);
  g_autofree char *at = cp_random_token (24);
  g_autofree char *rt = cp_random_token (24);
  g_autoptr(CpTokenSet) tokens = make_tokens (at, rt);
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GError) error = NULL;

  if (!keyring_is_empty)
    {
      g_test_skip ("runs under with-keyring.sh --empty-password");
      return;
    }

  g_assert_false (store_save (store, SERVER_URL, "https://idp.example.com", tokens, &error));
  g_assert_error (error, CP_ERROR, CP_ERROR_KEYRING);
  g_assert_nonnull (strstr (error->message, "Passwords and Keys"));
  g_test_message ("keyring error: %s", error->message);
  g_clear_error (&error);

  /* The session does not pretend: no keyring, no sign-in. */
  g_assert_false (session_sign_in (session, tokens, &error));
  g_assert_error (error, CP_ERROR, CP_ERROR_KEYRING);
  g_assert_cmpint (cp_session_get_state (session), ==, CP_SESSION_STATE_SIGNED_OUT);

  /* And nothing went to a file instead: only gnome-keyring's own (empty) files exist. */
  files = files_under_test_dirs ();
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *keyrings = g_build_filename (g_get_user_data_dir (), "keyrings", NULL);

      g_test_message ("file: %s", (char *) files->pdata[i]);
      g_assert_true (g_str_has_prefix (files->pdata[i], keyrings));
    }
  assert_no_secret_in_files ();
}

/* Fake providers on a SoupServer */

typedef struct
{
  SoupServer *server;
  char *base;
  CpJwk *published;           /* in the JWKS */
  CpJwk *rotated;             /* published only when rotation is on */
  gboolean rotate;
  guint jwks_fetches;
  char *id_token;             /* what /token answers */
  GArray *device_polls;       /* monotonic µs of each device-code poll */
} FakeProvider;

static FakeProvider fake;

static void
respond_json (SoupServerMessage *msg,
              guint              status,
              const char        *body)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

static gboolean
is_device_poll (SoupServerMessage *msg)
{
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (request);
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(GHashTable) form = soup_form_decode (text);

  return g_strcmp0 (g_hash_table_lookup (form, "grant_type"),
                    "urn:ietf:params:oauth:grant-type:device_code") == 0;
}

static char *
discovery_for (const char *issuer,
               const char *base)
{
  return g_strdup_printf ("{\"issuer\":\"%s\",\"authorization_endpoint\":\"%s/auth\","
                          "\"token_endpoint\":\"%s/token\",\"jwks_uri\":\"%s/jwks\","
                          "\"revocation_endpoint\":\"%s/revoke\","
                          "\"device_authorization_endpoint\":\"%s/device\","
                          "\"code_challenge_methods_supported\":[\"S256\"]}",
                          issuer, base, base, base, base, base);
}

/* cp_jwk_to_public_json() returns a reference of its own. */
static JsonNode *
public_jwk_node (CpJwk *key)
{
  g_autoptr(JsonObject) jwk = cp_jwk_to_public_json (key);

  return json_node_init_object (json_node_alloc (), jwk);
}

static char *
jwks_json (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "keys");
  json_builder_begin_array (builder);
  json_builder_add_value (builder, public_jwk_node (fake.published));
  if (fake.rotate)
    json_builder_add_value (builder, public_jwk_node (fake.rotated));
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static void
fake_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  g_autofree char *body = NULL;

  if (g_str_equal (path, "/.well-known/openid-configuration"))
    body = discovery_for (fake.base, fake.base);
  else if (g_str_equal (path, "/jwks"))
    {
      fake.jwks_fetches++;
      body = jwks_json ();
    }
  else if (g_str_equal (path, "/revoke"))
    {
      respond_json (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "{\"error\":\"temporarily_unavailable\"}");
      return;
    }
  else if (g_str_equal (path, "/device"))
    body = g_strdup_printf ("{\"device_code\":\"fake-device-code-0123456789\",\"user_code\":\"WXYZ-1234\","
                            "\"verification_uri\":\"%s/activate\",\"expires_in\":60,\"interval\":1}",
                            fake.base);
  else if (g_str_equal (path, "/token") && is_device_poll (msg))
    {
      gint64 now = g_get_monotonic_time ();

      g_array_append_val (fake.device_polls, now);
      /* The first poll is asked to slow down; the second one is approved. */
      if (fake.device_polls->len == 1)
        {
          respond_json (msg, SOUP_STATUS_BAD_REQUEST, "{\"error\":\"slow_down\"}");
          return;
        }
      body = g_strdup_printf ("{\"access_token\":\"fake-access-from-device\",\"token_type\":\"Bearer\","
                              "\"expires_in\":60,\"id_token\":\"%s\"}", fake.id_token);
    }
  else if (g_str_equal (path, "/token"))
    body = g_strdup_printf ("{\"access_token\":\"fake-access\",\"token_type\":\"Bearer\","
                            "\"expires_in\":60,\"id_token\":\"%s\"}", fake.id_token);
  /* Broken discovery documents, one per issuer path. */
  else if (g_str_equal (path, "/mismatch/.well-known/openid-configuration"))
    body = discovery_for ("http://127.0.0.1:1/someone-else", fake.base);
  else if (g_str_equal (path, "/notjson/.well-known/openid-configuration"))
    body = g_strdup ("{\"issuer\": ");
  else if (g_str_equal (path, "/array/.well-known/openid-configuration"))
    body = g_strdup ("[]");
  else if (g_str_equal (path, "/notoken/.well-known/openid-configuration"))
    body = g_strdup_printf ("{\"issuer\":\"%s/notoken\",\"authorization_endpoint\":\"%s/auth\","
                            "\"jwks_uri\":\"%s/jwks\"}", fake.base, fake.base, fake.base);
  else if (g_str_equal (path, "/badtype/.well-known/openid-configuration"))
    body = g_strdup_printf ("{\"issuer\":\"%s/badtype\",\"authorization_endpoint\":\"%s/auth\","
                            "\"token_endpoint\":42,\"jwks_uri\":\"%s/jwks\"}", fake.base, fake.base, fake.base);
  else if (g_str_equal (path, "/insecure/.well-known/openid-configuration"))
    body = g_strdup_printf ("{\"issuer\":\"%s/insecure\",\"authorization_endpoint\":\"%s/auth\","
                            "\"token_endpoint\":\"http://idp.example.com/token\",\"jwks_uri\":\"%s/jwks\"}",
                            fake.base, fake.base, fake.base);
  else if (g_str_equal (path, "/nopkce/.well-known/openid-configuration"))
    body = g_strdup_printf ("{\"issuer\":\"%s/nopkce\",\"authorization_endpoint\":\"%s/auth\","
                            "\"token_endpoint\":\"%s/token\",\"jwks_uri\":\"%s/jwks\","
                            "\"code_challenge_methods_supported\":[\"plain\"]}",
                            fake.base, fake.base, fake.base, fake.base);
  else if (g_str_equal (path, "/broken/.well-known/openid-configuration"))
    {
      respond_json (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "{}");
      return;
    }
  else
    {
      respond_json (msg, SOUP_STATUS_NOT_FOUND, "{}");
      return;
    }

  respond_json (msg, SOUP_STATUS_OK, body);
}

static void
fake_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  GSList *uris;

  fake.server = soup_server_new (NULL, NULL);
  soup_server_listen (fake.server, address, 0, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (fake.server);
  fake.base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  soup_server_add_handler (fake.server, NULL, fake_handler, NULL, NULL);

  fake.published = cp_jwk_generate_ec_p256 (&error);
  g_assert_no_error (error);
  cp_jwk_set_kid (fake.published, "k1");
  fake.rotated = cp_jwk_generate_ec_p256 (&error);
  g_assert_no_error (error);
  cp_jwk_set_kid (fake.rotated, "k2");
  fake.device_polls = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static void
test_discovery_rejects (void)
{
  const struct {
    const char *path;
    gint code;
  } cases[] = {
    { "/mismatch", CP_ERROR_SECURITY },
    { "/notjson", CP_ERROR_INVALID_DATA },
    { "/array", CP_ERROR_INVALID_DATA },
    { "/notoken", CP_ERROR_INVALID_DATA },
    { "/badtype", CP_ERROR_INVALID_DATA },
    { "/insecure", CP_ERROR_INVALID_DATA },
    { "/nopkce", CP_ERROR_SECURITY },
    { "/broken", CP_ERROR_SERVER },
    { "/missing", CP_ERROR_INVALID_DATA },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *issuer = g_strconcat (fake.base, cases[i].path, NULL);
      g_autoptr(CpOidcClient) client = cp_oidc_client_new (NULL, issuer, CLIENT_ID, NULL, NULL);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("discovery at %s", cases[i].path);
      cp_oidc_client_discover_async (client, NULL, store_result_cb, &result);
      g_assert_false (cp_oidc_client_discover_finish (client, wait_for (&result), &error));
      g_assert_error (error, CP_ERROR, cases[i].code);
      g_assert_null (cp_oidc_client_get_endpoint (client, "token_endpoint"));
    }
}

typedef struct
{
  CpJwk *key;
  const char *kid;
  const char *iss;            /* NULL: the fake's */
  const char *aud_json;       /* NULL: "company-portal" */
  const char *azp;
  const char *nonce;
  gint64 exp_offset;
  gint64 iat_offset;
} Claims;

static char *
forge_id_token (const Claims *c)
{
  g_autoptr(JsonObject) header = json_object_new ();
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *payload = NULL;
  char *jws;

  payload = g_strdup_printf ("{\"iss\":\"%s\",\"sub\":\"frank\",\"aud\":%s,%s%s%s"
                             "\"exp\":%" G_GINT64_FORMAT ",\"iat\":%" G_GINT64_FORMAT ","
                             "\"nonce\":\"%s\",\"name\":\"Frank\",\"email\":\"frank@example.com\"}",
                             c->iss ? c->iss : fake.base,
                             c->aud_json ? c->aud_json : "\"" CLIENT_ID "\"",
                             c->azp ? "\"azp\":\"" : "", c->azp ? c->azp : "", c->azp ? "\"," : "",
                             now + (c->exp_offset ? c->exp_offset : 300), now + c->iat_offset,
                             c->nonce ? c->nonce : "the-nonce");
  json_object_set_string_member (header, "kid", c->kid ? c->kid : "k1");
  json_object_set_string_member (header, "typ", "JWT");
  jws = cp_jws_sign (c->key ? c->key : fake.published, header, (const guint8 *) payload,
                     strlen (payload), &error);
  g_assert_no_error (error);
  return jws;
}

static CpTokenSet *
fake_token_request (CpOidcClient *client,
                    const Claims *claims,
                    GError      **error)
{
  g_autoptr(GHashTable) form = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GAsyncResult) result = NULL;

  g_free (fake.id_token);
  fake.id_token = forge_id_token (claims);
  g_hash_table_insert (form, (char *) "grant_type", (char *) "authorization_code");
  g_hash_table_insert (form, (char *) "code", (char *) "x");
  cp_oidc_client_token_request_async (client, form, "the-nonce", NULL, store_result_cb, &result);
  return cp_oidc_client_token_request_finish (client, wait_for (&result), error);
}

static void
test_id_token_valid (void)
{
  g_autoptr(CpOidcClient) client = cp_oidc_client_new (NULL, fake.base, CLIENT_ID, NULL, NULL);
  Claims claims = { 0 };
  Claims two_audiences = { .aud_json = "[\"" CLIENT_ID "\",\"urn:other\"]", .azp = CLIENT_ID };
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens = NULL;
  g_autoptr(CpTokenSet) again = NULL;
  guint fetches = fake.jwks_fetches;

  tokens = fake_token_request (client, &claims, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cp_token_set_get_subject (tokens), ==, "frank");
  g_assert_cmpstr (cp_token_set_get_name (tokens), ==, "Frank");
  g_assert_cmpstr (cp_token_set_get_email (tokens), ==, "frank@example.com");
  g_assert_cmpuint (fake.jwks_fetches, ==, fetches + 1);

  /* The key set is cached. */
  again = fake_token_request (client, &two_audiences, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fake.jwks_fetches, ==, fetches + 1);
}

static void
test_id_token_rejects (void)
{
  g_autoptr(CpJwk) stranger = cp_jwk_generate_ec_p256 (NULL);
  const struct {
    const char *what;
    Claims claims;
  } cases[] = {
    { "bad signature", { .key = stranger } },
    { "wrong audience", { .aud_json = "\"someone-else\"" } },
    { "audience list without us", { .aud_json = "[\"a\",\"b\"]", .azp = CLIENT_ID } },
    { "two audiences, no azp", { .aud_json = "[\"" CLIENT_ID "\",\"urn:other\"]" } },
    { "azp for another client", { .azp = "someone-else" } },
    { "wrong issuer", { .iss = "http://127.0.0.1:1/evil" } },
    { "expired", { .exp_offset = -3600 } },
    { "issued in the future", { .iat_offset = 3600 } },
    { "wrong nonce", { .nonce = "another-nonce" } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CpOidcClient) client = cp_oidc_client_new (NULL, fake.base, CLIENT_ID, NULL, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(CpTokenSet) tokens = NULL;

      g_test_message ("ID token: %s", cases[i].what);
      tokens = fake_token_request (client, &cases[i].claims, &error);
      g_assert_null (tokens);
      g_assert_error (error, CP_ERROR, CP_ERROR_SECURITY);
    }
}

static void
test_id_token_key_rotation (void)
{
  g_autoptr(CpOidcClient) client = cp_oidc_client_new (NULL, fake.base, CLIENT_ID, NULL, NULL);
  Claims old_key = { 0 };
  Claims new_key = { .key = fake.rotated, .kid = "k2" };
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) first = NULL;
  g_autoptr(CpTokenSet) unknown = NULL;
  g_autoptr(CpTokenSet) rotated = NULL;
  guint fetches;

  first = fake_token_request (client, &old_key, &error);
  g_assert_no_error (error);
  fetches = fake.jwks_fetches;

  /* An unknown kid: fetched once more, still unknown, refused. */
  fake.rotate = FALSE;
  unknown = fake_token_request (client, &new_key, &error);
  g_assert_null (unknown);
  g_assert_error (error, CP_ERROR, CP_ERROR_SECURITY);
  g_assert_cmpuint (fake.jwks_fetches, ==, fetches + 1);
  g_clear_error (&error);

  /* The provider rotated its keys: one refetch finds the new one. */
  fake.rotate = TRUE;
  rotated = fake_token_request (client, &new_key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cp_token_set_get_subject (rotated), ==, "frank");
  g_assert_cmpuint (fake.jwks_fetches, ==, fetches + 2);
  fake.rotate = FALSE;
}

static void
test_device_slow_down (void)
{
  g_autoptr(CpOidcClient) client = cp_oidc_client_new (NULL, fake.base, CLIENT_ID, NULL, NULL);
  g_autoptr(CpDeviceSignIn) sign_in = cp_device_sign_in_new (client);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens = NULL;
  Claims claims = { 0 };
  gint64 start = g_get_monotonic_time ();
  gint64 first, second;

  g_free (fake.id_token);
  fake.id_token = forge_id_token (&claims);
  g_array_set_size (fake.device_polls, 0);

  cp_device_sign_in_run_async (sign_in, NULL, store_result_cb, &result);
  tokens = cp_device_sign_in_run_finish (sign_in, wait_for (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cp_token_set_get_access_token (tokens), ==, "fake-access-from-device");
  g_assert_cmpstr (cp_token_set_get_subject (tokens), ==, "frank");
  g_assert_cmpstr (cp_device_sign_in_get_user_code (sign_in), ==, "WXYZ-1234");
  g_assert_null (cp_device_sign_in_get_verification_uri_complete (sign_in));

  /* RFC 8628 §3.5: interval 1 s, then 5 s more after slow_down. */
  g_assert_cmpuint (fake.device_polls->len, ==, 2);
  first = g_array_index (fake.device_polls, gint64, 0) - start;
  second = g_array_index (fake.device_polls, gint64, 1) - g_array_index (fake.device_polls, gint64, 0);
  g_assert_cmpint (first, >=, G_USEC_PER_SEC * 9 / 10);
  g_assert_cmpint (first, <, G_USEC_PER_SEC * 3);
  g_assert_cmpint (second, >=, G_USEC_PER_SEC * 59 / 10);
  g_assert_cmpint (second, <, G_USEC_PER_SEC * 8);
}

static void
test_sign_out_revoke_fails (void)
{
  g_autoptr(CpOidcClient) client = cp_oidc_client_new (NULL, fake.base, CLIENT_ID, NULL, NULL);
  g_autoptr(CpTokenStore) store = cp_token_store_new ();
  g_autoptr(CpSession) session = cp_session_new (SERVER_URL "/revoke-fails", client, store);
  g_autofree char *at = cp_random_token (24);
  g_autofree char *rt = cp_random_token (24);
  g_autoptr(CpTokenSet) tokens = make_tokens (at, rt);
  g_autoptr(CpTokenSet) left = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (keyring_is_empty)
    {
      g_test_skip ("needs a login keyring");
      return;
    }

  g_assert_true (session_sign_in (session, tokens, &error));
  g_assert_no_error (error);

  /* The provider is down: the user is told, and is signed out all the same. */
  cp_session_sign_out_async (session, NULL, store_result_cb, &result);
  g_assert_false (cp_session_sign_out_finish (session, wait_for (&result), &error));
  g_assert_error (error, CP_ERROR, CP_ERROR_SERVER);
  g_test_message ("sign-out error: %s", error->message);
  g_assert_nonnull (strstr (error->message, "signed out on this computer"));
  g_assert_cmpint (cp_session_get_state (session), ==, CP_SESSION_STATE_SIGNED_OUT);
  g_clear_error (&error);

  left = store_load (store, SERVER_URL "/revoke-fails", fake.base, &error);
  g_assert_no_error (error);
  g_assert_null (left);
}

/* Last: nothing secret in the logs or the test's XDG dirs. */
static void
test_no_secrets_leaked (void)
{
  g_assert_cmpuint (secrets->len, >, 0);
  for (guint i = 0; i < secrets->len; i++)
    {
      const char *secret = secrets->pdata[i];

      g_assert_cmpuint (strlen (secret), >=, 16);
      if (strstr (captured_log->str, secret) != NULL)
        g_error ("token %u appears in the log", i);
    }
  assert_no_secret_in_files ();
  g_test_message ("%u tokens checked against %" G_GSIZE_FORMAT " bytes of log",
                  secrets->len, captured_log->len);
}

int
main (int   argc,
      char *argv[])
{
  const char *short_args[] = { "--access-ttl", "2", "--device-code-ttl", "2", NULL };
  int status;

  g_test_init (&argc, &argv, NULL);
  captured_log = g_string_new (NULL);
  secrets = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (capture_writer, NULL, NULL);
  keyring_is_empty = g_strcmp0 (g_getenv ("CP_TEST_KEYRING"), "empty") == 0;

  if (g_getenv ("CP_TEST_ROOT") == NULL || g_getenv ("CP_SOURCE_DIR") == NULL)
    g_error ("Run this test through meson test (it needs tests/harness/with-keyring.sh)");
  {
    g_autofree char *modules = g_build_filename (g_getenv ("CP_SOURCE_DIR"), "tests", "idp",
                                                 "node_modules", "oidc-provider", NULL);

    if (!g_file_test (modules, G_FILE_TEST_IS_DIR))
      g_error ("The test OIDC provider is not installed: run build-aux/install-deps.sh "
               "(or npm ci in tests/idp)");
  }

  provider_long = provider_start (NULL);
  provider_short = provider_start (short_args);
  fake_start ();

  if (keyring_is_empty)
    {
      /* Under with-keyring.sh --empty-password: only what needs no login keyring. */
      g_test_add_func ("/oidc/keyring/missing", test_keyring_missing);
      g_test_add_func ("/oidc/zz/no-secrets-leaked", test_no_secrets_leaked);
      return g_test_run ();
    }

  g_test_add_func ("/oidc/discovery/ok", test_discovery);
  g_test_add_func ("/oidc/discovery/rejects", test_discovery_rejects);
  g_test_add_func ("/oidc/id-token/valid", test_id_token_valid);
  g_test_add_func ("/oidc/id-token/rejects", test_id_token_rejects);
  g_test_add_func ("/oidc/id-token/key-rotation", test_id_token_key_rotation);
  g_test_add_func ("/oidc/browser/sign-in", test_browser_sign_in);
  g_test_add_func ("/oidc/browser/denied", test_browser_denied);
  g_test_add_func ("/oidc/browser/state-mismatch", test_browser_state_mismatch);
  g_test_add_func ("/oidc/browser/wrong-iss", test_browser_wrong_iss);
  g_test_add_func ("/oidc/browser/cancel", test_browser_cancel);
  g_test_add_func ("/oidc/browser/timeout", test_browser_timeout);
  g_test_add_func ("/oidc/device/approve", test_device_approve);
  g_test_add_func ("/oidc/device/deny", test_device_deny);
  g_test_add_func ("/oidc/device/expire", test_device_expire);
  g_test_add_func ("/oidc/device/cancel", test_device_cancel);
  g_test_add_func ("/oidc/device/slow-down", test_device_slow_down);
  g_test_add_func ("/oidc/keyring/roundtrip", test_keyring_roundtrip);
  g_test_add_func ("/oidc/session/lifecycle", test_session_lifecycle);
  g_test_add_func ("/oidc/session/invalid-grant", test_session_invalid_grant);
  g_test_add_func ("/oidc/session/refresh", test_session_refresh);
  g_test_add_func ("/oidc/session/sign-out-revoke-fails", test_sign_out_revoke_fails);
  /* Leaves the login keyring locked: after every test that needs it. */
  g_test_add_func ("/oidc/locked-keyring/save", test_keyring_locked);
  g_test_add_func ("/oidc/zz/no-secrets-leaked", test_no_secrets_leaked);

  status = g_test_run ();

  provider_stop (provider_long);
  provider_stop (provider_short);
  return status;
}
