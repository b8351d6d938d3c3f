/* cp-browser-sign-in.c: authorization code + PKCE through the system browser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-browser-sign-in.h"
#include "cp-browser-sign-in-private.h"
#include "cp-error.h"
#include "cp-jose.h"
#include "cp-oidc-private.h"

#define DEFAULT_TIMEOUT_SECONDS (5 * 60)
/* 256 bits each: RFC 7636 §7.1 asks for at least that much for the verifier. */
#define SECRET_BYTES 32
#define MAX_QUERY_LEN 8192

struct _CpBrowserSignIn
{
  GObject parent_instance;

  CpOidcClient *client;
  guint timeout_seconds;
  char *authorization_uri;
  guint port;
  gboolean running;
};

G_DEFINE_FINAL_TYPE (CpBrowserSignIn, cp_browser_sign_in, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_AUTHORIZATION_URI,
  PROP_PORT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One attempt: the task data of run_async. */
typedef struct
{
  char *state;
  char *nonce;
  char *verifier;
  char *redirect_uri;
  SoupServer *server;
  guint timeout_id;
  GSource *cancel_source;
  gboolean redirect_seen;
} Attempt;

static void
close_listener (Attempt *attempt)
{
  g_clear_handle_id (&attempt->timeout_id, g_source_remove);
  if (attempt->cancel_source != NULL)
    {
      g_source_destroy (attempt->cancel_source);
      g_clear_pointer (&attempt->cancel_source, g_source_unref);
    }
  if (attempt->server != NULL)
    {
      soup_server_remove_handler (attempt->server, "/callback");
      /* A response still being written keeps its own reference and closes the
       * server when it is done (see response_finished_cb). */
      if (!attempt->redirect_seen)
        soup_server_disconnect (attempt->server);
      g_clear_object (&attempt->server);
    }
}

static void
attempt_free (Attempt *attempt)
{
  close_listener (attempt);
  cp_oidc_free_secret (attempt->state);
  cp_oidc_free_secret (attempt->nonce);
  cp_oidc_free_secret (attempt->verifier);
  g_free (attempt->redirect_uri);
  g_free (attempt);
}

/* Redirect parsing */

static gboolean
decode_query (const char  *query,
              GHashTable  *params,
              GError     **error)
{
  g_auto(GStrv) pairs = NULL;

  if (query == NULL)
    return TRUE;
  if (strlen (query) > MAX_QUERY_LEN)
    goto malformed;

  pairs = g_strsplit (query, "&", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      g_autofree char *raw_key = NULL;
      g_autofree char *raw_value = NULL;
      char *eq = strchr (pairs[i], '=');
      char *key, *value;

      if (pairs[i][0] == '\0')
        continue;
      raw_key = eq ? g_strndup (pairs[i], eq - pairs[i]) : g_strdup (pairs[i]);
      raw_value = g_strdup (eq ? eq + 1 : "");
      g_strdelimit (raw_key, "+", ' ');
      g_strdelimit (raw_value, "+", ' ');
      key = g_uri_unescape_string (raw_key, NULL);
      value = g_uri_unescape_string (raw_value, NULL);
      /* RFC 6749 §3.1: a parameter sent twice is an error, and a classic trick. */
      if (key == NULL || value == NULL || g_hash_table_contains (params, key))
        {
          g_free (key);
          g_free (value);
          goto malformed;
        }
      g_hash_table_insert (params, key, value);
    }
  return TRUE;

malformed:
  g_set_error_literal (error, CP_ERROR, CP_ERROR_SECURITY,
                       _("The browser returned a malformed sign-in answer"));
  return FALSE;
}

char *
cp_browser_sign_in_parse_redirect (const char  *query,
                                   const char  *expected_state,
                                   const char  *expected_issuer,
                                   gboolean     iss_required,
                                   GError     **error)
{
  g_autoptr(GHashTable) params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *state, *iss, *oauth_error, *code;

  g_return_val_if_fail (expected_state != NULL, NULL);
  g_return_val_if_fail (expected_issuer != NULL, NULL);

  if (!decode_query (query, params, error))
    return NULL;

  state = g_hash_table_lookup (params, "state");
  if (state == NULL || !cp_secure_str_equal (state, expected_state))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_SECURITY,
                           _("The sign-in answer does not belong to this sign-in; try again"));
      return NULL;
    }

  iss = g_hash_table_lookup (params, "iss");
  if ((iss == NULL && iss_required) || (iss != NULL && !g_str_equal (iss, expected_issuer)))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_SECURITY,
                           _("The sign-in answer comes from another identity provider"));
      return NULL;
    }

  oauth_error = g_hash_table_lookup (params, "error");
  if (oauth_error != NULL)
    {
      g_propagate_error (error, cp_oidc_error_from_oauth (oauth_error));
      return NULL;
    }

  code = g_hash_table_lookup (params, "code");
  if (code == NULL || *code == '\0')
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The sign-in answer has no authorization code"));
      return NULL;
    }

  return g_strdup (code);
}

/* The loopback listener */

static void
respond_page (SoupServerMessage *msg,
              guint              status,
              const char        *title,
              const char        *text)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *title_html = g_markup_escape_text (title, -1);
  g_autofree char *text_html = g_markup_escape_text (text, -1);
  g_autofree char *page = NULL;

  /* Self-contained: nothing loads from anywhere, the URL (with the code) is
   * never sent as a referrer, and the page is not cached. */
  page = g_strdup_printf ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                          "<meta name=\"viewport\" content=\"width=device-width\">"
                          "<title>%s</title><style>body{font-family:sans-serif;margin:4em auto;"
                          "max-width:32em;padding:0 1em;text-align:center}</style></head>"
                          "<body><h1>%s</h1><p>%s</p></body></html>\n",
                          title_html, title_html, text_html);

  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (headers, "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'");
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Connection", "close");
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY,
                                    page, strlen (page));
}

static gboolean
disconnect_server_idle (gpointer user_data)
{
  soup_server_disconnect (SOUP_SERVER (user_data));
  return G_SOURCE_REMOVE;
}

static void
response_finished_cb (SoupServerMessage *msg,
                      SoupServer        *server)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, disconnect_server_idle,
                   g_object_ref (server), g_object_unref);
}

static void
complete_with_error (GTask  *task,
                     GError *error)
{
  close_listener (g_task_get_task_data (task));
  g_task_return_error (task, error);
}

static void
code_exchanged_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CpBrowserSignIn *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens = cp_oidc_client_token_request_finish (CP_OIDC_CLIENT (source),
                                                                      result, &error);

  self->running = FALSE;
  close_listener (g_task_get_task_data (task));
  if (tokens == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_steal_pointer (&tokens), g_object_unref);
}

static void
exchange_code (GTask      *task,
               const char *code)
{
  CpBrowserSignIn *self = g_task_get_source_object (task);
  Attempt *attempt = g_task_get_task_data (task);
  g_autoptr(GHashTable) form = g_hash_table_new (g_str_hash, g_str_equal);
  const char *resource = cp_oidc_client_get_resource (self->client);

  g_hash_table_insert (form, (char *) "grant_type", (char *) "authorization_code");
  g_hash_table_insert (form, (char *) "code", (char *) code);
  g_hash_table_insert (form, (char *) "redirect_uri", attempt->redirect_uri);
  g_hash_table_insert (form, (char *) "code_verifier", attempt->verifier);
  if (resource != NULL)
    g_hash_table_insert (form, (char *) "resource", (char *) resource);

  cp_oidc_client_token_request_async (self->client, form, attempt->nonce,
                                      g_task_get_cancellable (task),
                                      code_exchanged_cb, g_object_ref (task));
}

static void
callback_handler (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  /* Removing the timeout below drops its reference: hold one meanwhile. */
  g_autoptr(GTask) task = g_object_ref (user_data);
  CpBrowserSignIn *self = g_task_get_source_object (task);
  Attempt *attempt = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET || attempt->redirect_seen)
    {
      respond_page (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, _("Sign-in"),
                    _("This address only accepts the sign-in answer of Company Portal."));
      return;
    }

  /* Exactly one redirect: whatever it says, the listener closes after it. */
  attempt->redirect_seen = TRUE;
  g_signal_connect_data (msg, "finished", G_CALLBACK (response_finished_cb),
                         g_object_ref (server), (GClosureNotify) (void (*) (void)) g_object_unref, 0);

  code = cp_browser_sign_in_parse_redirect (g_uri_get_query (soup_server_message_get_uri (msg)),
                                            attempt->state,
                                            cp_oidc_client_get_issuer (self->client),
                                            cp_oidc_client_get_iss_parameter_supported (self->client),
                                            &error);
  if (code == NULL)
    {
      g_debug ("Loopback redirect rejected: %s", error->message);
      respond_page (msg, SOUP_STATUS_BAD_REQUEST, _("Sign-in failed"),
                    _("Return to Company Portal to see what went wrong and try again."));
      self->running = FALSE;
      complete_with_error (task, g_steal_pointer (&error));
      return;
    }

  g_debug ("Loopback redirect accepted; exchanging the code");
  respond_page (msg, SOUP_STATUS_OK, _("Signing in to Company Portal"),
                _("You can close this browser tab and return to Company Portal."));
  g_clear_handle_id (&attempt->timeout_id, g_source_remove);
  exchange_code (task, code);
  cp_oidc_free_secret (g_steal_pointer (&code));
}

static gboolean
timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  CpBrowserSignIn *self = g_task_get_source_object (task);
  Attempt *attempt = g_task_get_task_data (task);

  attempt->timeout_id = 0;
  self->running = FALSE;
  g_debug ("The browser did not return within %u s", self->timeout_seconds);
  complete_with_error (task, g_error_new_literal (CP_ERROR, CP_ERROR_TIMED_OUT,
                                                  _("The browser did not return in time; try signing in again")));
  return G_SOURCE_REMOVE;
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  g_autoptr(GTask) task = g_object_ref (user_data);
  CpBrowserSignIn *self = g_task_get_source_object (task);
  Attempt *attempt = g_task_get_task_data (task);

  /* During the code exchange the token request itself reports the cancellation. */
  if (attempt->redirect_seen)
    return G_SOURCE_REMOVE;

  self->running = FALSE;
  g_clear_handle_id (&attempt->timeout_id, g_source_remove);
  close_listener (attempt);
  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

static char *
build_authorization_uri (CpBrowserSignIn *self,
                         const char      *endpoint,
                         Attempt         *attempt)
{
  g_autofree char *scope = cp_oidc_client_dup_scope_string (self->client);
  g_autofree char *challenge = cp_sha256_base64url (attempt->verifier);
  const char *resource = cp_oidc_client_get_resource (self->client);
  const char *params[] = {
    "response_type", "code",
    "client_id", cp_oidc_client_get_client_id (self->client),
    "redirect_uri", attempt->redirect_uri,
    "scope", scope,
    "state", attempt->state,
    "nonce", attempt->nonce,
    "code_challenge", challenge,
    "code_challenge_method", "S256",
    "resource", resource,
  };
  GString *uri = g_string_new (endpoint);
  gboolean first = strchr (endpoint, '?') == NULL;

  for (guint i = 0; i < G_N_ELEMENTS (params); i += 2)
    {
      if (params[i + 1] == NULL)
        continue;
      g_string_append_c (uri, first ? '?' : '&');
      g_string_append_uri_escaped (uri, params[i], NULL, FALSE);
      g_string_append_c (uri, '=');
      g_string_append_uri_escaped (uri, params[i + 1], NULL, FALSE);
      first = FALSE;
    }

  return g_string_free (uri, FALSE);
}

static gboolean
start_listener (GTask   *task,
                GError **error)
{
  CpBrowserSignIn *self = g_task_get_source_object (task);
  Attempt *attempt = g_task_get_task_data (task);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GError) local_error = NULL;
  GSList *uris;

  attempt->server = soup_server_new ("server-header", "", NULL);
  if (!soup_server_listen (attempt->server, address, 0, &local_error))
    {
      g_debug ("Cannot listen on the loopback interface: %s", local_error->message);
      g_set_error_literal (error, CP_ERROR, CP_ERROR_FAILED,
                           _("Cannot receive the sign-in answer from the browser on this computer"));
      return FALSE;
    }

  uris = soup_server_get_uris (attempt->server);
  self->port = uris ? g_uri_get_port (uris->data) : 0;
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  attempt->redirect_uri = g_strdup_printf ("http://127.0.0.1:%u/callback", self->port);

  soup_server_add_handler (attempt->server, "/callback", callback_handler, task, NULL);
  return TRUE;
}

static void
discovered_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CpBrowserSignIn *self = g_task_get_source_object (task);
  Attempt *attempt = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GError) error = NULL;

  if (!cp_oidc_client_discover_finish (CP_OIDC_CLIENT (source), result, &error) ||
      g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      !start_listener (task, &error))
    {
      self->running = FALSE;
      complete_with_error (task, g_steal_pointer (&error));
      return;
    }

  g_free (self->authorization_uri);
  self->authorization_uri =
    build_authorization_uri (self, cp_oidc_client_get_endpoint (CP_OIDC_CLIENT (source),
                                                                "authorization_endpoint"),
                             attempt);
  g_debug ("Listening for the browser on port %u", self->port);

  /* The timeout and the cancellable each hold a reference until they fire or
   * the attempt ends; whoever completes the task drops them. */
  attempt->timeout_id = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, self->timeout_seconds,
                                                    timeout_cb, g_object_ref (task), g_object_unref);
  if (cancellable != NULL)
    {
      attempt->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (attempt->cancel_source, G_SOURCE_FUNC (cancelled_cb), task, NULL);
      g_source_attach (attempt->cancel_source, g_main_context_get_thread_default ());
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTHORIZATION_URI]);
}

/* GObject */

static void
cp_browser_sign_in_finalize (GObject *object)
{
  CpBrowserSignIn *self = CP_BROWSER_SIGN_IN (object);

  g_clear_object (&self->client);
  g_free (self->authorization_uri);

  G_OBJECT_CLASS (cp_browser_sign_in_parent_class)->finalize (object);
}

static void
cp_browser_sign_in_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  CpBrowserSignIn *self = CP_BROWSER_SIGN_IN (object);

  switch (prop_id)
    {
    case PROP_AUTHORIZATION_URI:
      g_value_set_string (value, self->authorization_uri);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cp_browser_sign_in_class_init (CpBrowserSignInClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cp_browser_sign_in_finalize;
  object_class->get_property = cp_browser_sign_in_get_property;

  properties[PROP_AUTHORIZATION_URI] =
    g_param_spec_string ("authorization-uri", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cp_browser_sign_in_init (CpBrowserSignIn *self)
{
  self->timeout_seconds = DEFAULT_TIMEOUT_SECONDS;
}

/* Public API */

CpBrowserSignIn *
cp_browser_sign_in_new (CpOidcClient *client)
{
  CpBrowserSignIn *self;

  g_return_val_if_fail (CP_IS_OIDC_CLIENT (client), NULL);

  self = g_object_new (CP_TYPE_BROWSER_SIGN_IN, NULL);
  self->client = g_object_ref (client);
  return self;
}

void
cp_browser_sign_in_set_timeout (CpBrowserSignIn *self,
                                guint            seconds)
{
  g_return_if_fail (CP_IS_BROWSER_SIGN_IN (self));
  g_return_if_fail (seconds > 0);

  self->timeout_seconds = seconds;
}

const char *
cp_browser_sign_in_get_authorization_uri (CpBrowserSignIn *self)
{
  g_return_val_if_fail (CP_IS_BROWSER_SIGN_IN (self), NULL);
  return self->authorization_uri;
}

guint
cp_browser_sign_in_get_port (CpBrowserSignIn *self)
{
  g_return_val_if_fail (CP_IS_BROWSER_SIGN_IN (self), 0);
  return self->port;
}

void
cp_browser_sign_in_run_async (CpBrowserSignIn     *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Attempt *attempt;

  g_return_if_fail (CP_IS_BROWSER_SIGN_IN (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_browser_sign_in_run_async);

  if (self->running)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_INVALID_INPUT, "%s",
                               _("A sign-in is already in progress"));
      return;
    }
  self->running = TRUE;

  attempt = g_new0 (Attempt, 1);
  attempt->state = cp_random_token (SECRET_BYTES);
  attempt->nonce = cp_random_token (SECRET_BYTES);
  attempt->verifier = cp_random_token (SECRET_BYTES);
  g_task_set_task_data (task, attempt, (GDestroyNotify) attempt_free);

  cp_oidc_client_discover_async (self->client, cancellable, discovered_cb, g_steal_pointer (&task));
}

CpTokenSet *
cp_browser_sign_in_run_finish (CpBrowserSignIn  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
