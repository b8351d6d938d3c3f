/* cp-oidc-client.c: OpenID Connect for a public native client
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-error.h"
#include "cp-jose.h"
#include "cp-oidc-client.h"
#include "cp-oidc-private.h"

/* Answers of an identity provider are a few kilobytes. */
#define MAX_BODY_SIZE (1024 * 1024)
/* Clock skew we tolerate on exp and iat (seconds). */
#define CLOCK_LEEWAY 120

struct _CpOidcClient
{
  GObject parent_instance;

  SoupSession *session;
  char *issuer;
  char *client_id;
  GStrv scopes;
  char *resource;

  GHashTable *endpoints;      /* endpoint name → URI; NULL before discovery */
  gboolean iss_parameter_supported;
  GPtrArray *jwks;            /* CpJwk; NULL before the first fetch */
};

G_DEFINE_FINAL_TYPE (CpOidcClient, cp_oidc_client, G_TYPE_OBJECT)

static const char *const optional_endpoints[] = {
  "device_authorization_endpoint",
  "revocation_endpoint",
  "userinfo_endpoint",
  "end_session_endpoint",
};

static const char *const required_endpoints[] = {
  "authorization_endpoint",
  "token_endpoint",
  "jwks_uri",
};

/* Shared helpers (cp-oidc-private.h) */

gboolean
cp_oidc_json_get_string (JsonObject  *object,
                         const char  *member,
                         gboolean     required,
                         const char **out,
                         GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (!required)
        return TRUE;
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The identity provider's answer lacks “%s”"), member);
      return FALSE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The identity provider's answer has an invalid “%s”"), member);
      return FALSE;
    }

  *out = json_node_get_string (node);
  return TRUE;
}

/* Only in the range where the cast to gint64 is defined (±2^53 is plenty). */
static gboolean
is_whole_number (double value)
{
  return value >= -9007199254740992.0 && value <= 9007199254740992.0 && value == (double) (gint64) value;
}

gboolean
cp_oidc_json_get_int (JsonObject  *object,
                      const char  *member,
                      gboolean    *present,
                      gint64      *out,
                      GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  GType type;

  *present = FALSE;
  *out = 0;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type == G_TYPE_INT64)
    *out = json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE && is_whole_number (json_node_get_double (node)))
    *out = (gint64) json_node_get_double (node);
  else
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The identity provider's answer has an invalid “%s”"), member);
      return FALSE;
    }

  *present = TRUE;
  return TRUE;
}

void
cp_oidc_free_secret (char *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

GError *
cp_oidc_error_from_transport (const GError *error)
{
  if (cp_error_is_cancelled (error))
    return g_error_copy (error);

  g_debug ("Identity provider request failed: %s", error->message);
  if (error->domain == G_TLS_ERROR)
    return g_error_new_literal (CP_ERROR, CP_ERROR_TLS,
                                _("The identity provider's certificate is not trusted"));
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new_literal (CP_ERROR, CP_ERROR_TIMED_OUT,
                                _("The identity provider did not answer in time"));
  return g_error_new_literal (CP_ERROR, CP_ERROR_NETWORK,
                              _("The identity provider cannot be reached; check your network connection"));
}

static gboolean
is_oauth_code (const char *text)
{
  if (text == NULL || *text == '\0' || strlen (text) > 64)
    return FALSE;
  for (const char *p = text; *p; p++)
    if (!g_ascii_islower (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

GError *
cp_oidc_error_from_oauth (const char *oauth_error)
{
  if (g_strcmp0 (oauth_error, "access_denied") == 0)
    return g_error_new_literal (CP_ERROR, CP_ERROR_ACCESS_DENIED,
                                _("The sign-in was refused"));
  if (g_strcmp0 (oauth_error, "expired_token") == 0)
    return g_error_new_literal (CP_ERROR, CP_ERROR_EXPIRED,
                                _("The sign-in code has expired; start again"));
  if (g_strcmp0 (oauth_error, "invalid_grant") == 0)
    return g_error_new_literal (CP_ERROR, CP_ERROR_AUTH_REQUIRED,
                                _("Your sign-in has expired; sign in again"));
  if (g_strcmp0 (oauth_error, "temporarily_unavailable") == 0 ||
      g_strcmp0 (oauth_error, "server_error") == 0)
    return g_error_new_literal (CP_ERROR, CP_ERROR_SERVER,
                                _("The identity provider is not available right now; try again later"));

  /* The code comes from outside: show it only when it looks like one. */
  return g_error_new (CP_ERROR, CP_ERROR_FAILED,
                      _("The identity provider refused the request (%s)"),
                      is_oauth_code (oauth_error) ? oauth_error : "unknown");
}

gboolean
cp_oidc_uri_is_acceptable (const char *uri)
{
  g_autoptr(GUri) parsed = NULL;
  const char *scheme;
  const char *host;

  if (uri == NULL)
    return FALSE;
  parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  if (parsed == NULL || g_uri_get_host (parsed) == NULL || *g_uri_get_host (parsed) == '\0')
    return FALSE;

  scheme = g_uri_get_scheme (parsed);
  host = g_uri_get_host (parsed);
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;
  /* Plain HTTP only where nobody else can listen in: the demo and the tests. */
  return g_ascii_strcasecmp (scheme, "http") == 0 &&
         (g_str_equal (host, "127.0.0.1") || g_str_equal (host, "::1") ||
          g_ascii_strcasecmp (host, "localhost") == 0);
}

static JsonObject *
parse_json_object (GBytes  *bytes,
                   GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);

  if (size == 0 || size > MAX_BODY_SIZE ||
      !json_parser_load_from_data (parser, data, size, NULL) ||
      json_parser_get_root (parser) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The identity provider sent a malformed answer"));
      return NULL;
    }

  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Discovery */

static gboolean
read_endpoint (CpOidcClient  *self,
               JsonObject    *document,
               GHashTable    *endpoints,
               const char    *name,
               gboolean       required,
               GError       **error)
{
  const char *uri = NULL;

  if (!cp_oidc_json_get_string (document, name, required, &uri, error))
    return FALSE;
  if (uri == NULL)
    return TRUE;
  if (!cp_oidc_uri_is_acceptable (uri))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The identity provider's “%s” is not a secure address"), name);
      return FALSE;
    }
  g_hash_table_insert (endpoints, g_strdup (name), g_strdup (uri));
  return TRUE;
}

static gboolean
check_pkce_support (JsonObject  *document,
                    GError     **error)
{
  JsonNode *node = json_object_get_member (document, "code_challenge_methods_supported");
  JsonArray *methods;

  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The identity provider's answer has an invalid “code_challenge_methods_supported”"));
      return FALSE;
    }

  methods = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (methods); i++)
    {
      JsonNode *method = json_array_get_element (methods, i);

      if (JSON_NODE_HOLDS_VALUE (method) &&
          json_node_get_value_type (method) == G_TYPE_STRING &&
          g_str_equal (json_node_get_string (method), "S256"))
        return TRUE;
    }

  g_set_error_literal (error, CP_ERROR, CP_ERROR_SECURITY,
                       _("The identity provider does not support PKCE with S256"));
  return FALSE;
}

static gboolean
read_iss_parameter_supported (JsonObject  *document,
                              gboolean    *supported,
                              GError     **error)
{
  JsonNode *node = json_object_get_member (document, "authorization_response_iss_parameter_supported");

  *supported = FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The identity provider's answer has an invalid “authorization_response_iss_parameter_supported”"));
      return FALSE;
    }
  *supported = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
apply_discovery (CpOidcClient  *self,
                 GBytes        *body,
                 GError       **error)
{
  g_autoptr(JsonObject) document = parse_json_object (body, error);
  g_autoptr(GHashTable) endpoints = NULL;
  const char *issuer = NULL;
  gboolean iss_supported = FALSE;

  if (document == NULL)
    return FALSE;

  if (!cp_oidc_json_get_string (document, "issuer", TRUE, &issuer, error))
    return FALSE;
  /* OpenID Connect Discovery §4.3: exactly the issuer we were told, or a mix-up. */
  if (!g_str_equal (issuer, self->issuer))
    {
      g_debug ("Discovery names issuer %s instead of %s", issuer, self->issuer);
      g_set_error_literal (error, CP_ERROR, CP_ERROR_SECURITY,
                           _("The identity provider's discovery document is for another issuer"));
      return FALSE;
    }

  endpoints = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < G_N_ELEMENTS (required_endpoints); i++)
    if (!read_endpoint (self, document, endpoints, required_endpoints[i], TRUE, error))
      return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (optional_endpoints); i++)
    if (!read_endpoint (self, document, endpoints, optional_endpoints[i], FALSE, error))
      return FALSE;

  if (!check_pkce_support (document, error) ||
      !read_iss_parameter_supported (document, &iss_supported, error))
    return FALSE;

  g_clear_pointer (&self->endpoints, g_hash_table_unref);
  self->endpoints = g_steal_pointer (&endpoints);
  self->iss_parameter_supported = iss_supported;
  return TRUE;
}

/* Fetches @uri with GET and resolves to its body (only a 200 counts). */
static void
get_bytes_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  guint status;

  if (body == NULL)
    {
      g_task_return_error (task, cp_oidc_error_from_transport (error));
      return;
    }

  status = soup_message_get_status (msg);
  g_debug ("GET %s: HTTP %u", (const char *) g_task_get_task_data (task), status);
  if (status != SOUP_STATUS_OK)
    {
      g_task_return_new_error (task, CP_ERROR,
                               status >= 500 ? CP_ERROR_SERVER : CP_ERROR_INVALID_DATA,
                               _("The identity provider answered with an error (HTTP %u)"), status);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&body), (GDestroyNotify) g_bytes_unref);
}

static void
get_bytes_async (CpOidcClient        *self,
                 const char          *uri,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(SoupMessage) msg = NULL;

  g_task_set_source_tag (task, get_bytes_async);
  g_task_set_task_data (task, g_strdup (uri), g_free);

  msg = cp_oidc_uri_is_acceptable (uri) ? soup_message_new (SOUP_METHOD_GET, uri) : NULL;
  if (msg == NULL)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_INVALID_INPUT,
                               _("The identity provider's address is not valid or not secure"));
      return;
    }
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "application/json");

  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, cancellable,
                                    get_bytes_cb, g_steal_pointer (&task));
}

static GBytes *
get_bytes_finish (CpOidcClient  *self,
                  GAsyncResult  *result,
                  GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
discovery_fetched_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CpOidcClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = get_bytes_finish (self, result, &error);

  if (body == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (!apply_discovery (self, body, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* Runs @next once discovery is done, or fails @task. */
typedef void (*DiscoveredFunc) (GTask *task);

static void
ensure_discovered_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DiscoveredFunc next = g_object_get_data (G_OBJECT (task), "cp-discovered-func");
  g_autoptr(GError) error = NULL;

  if (!cp_oidc_client_discover_finish (CP_OIDC_CLIENT (source), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    next (task);
}

static void
ensure_discovered (CpOidcClient   *self,
                   GTask          *task,
                   DiscoveredFunc  next)
{
  if (self->endpoints != NULL)
    {
      next (task);
      return;
    }

  g_object_set_data (G_OBJECT (task), "cp-discovered-func", next);
  cp_oidc_client_discover_async (self, g_task_get_cancellable (task),
                                 ensure_discovered_cb, g_object_ref (task));
}

/* POST to an endpoint */

typedef struct
{
  char *endpoint_name;
  GHashTable *form;
  SoupMessage *msg;
  char *oauth_error;
  gboolean expect_json;
} PostData;

/* The form outlives the caller's strings (discovery may come first); its
 * values may be secrets, so they are wiped when the request is done. */
static GHashTable *
copy_form (GHashTable *form)
{
  GHashTable *copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) cp_oidc_free_secret);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, form);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy, g_strdup (key), g_strdup (value));
  return copy;
}

static void
post_data_free (PostData *data)
{
  g_free (data->endpoint_name);
  g_clear_pointer (&data->form, g_hash_table_unref);
  g_clear_object (&data->msg);
  g_free (data->oauth_error);
  g_free (data);
}

static void
return_post_failure (GTask    *task,
                     PostData *data,
                     GBytes   *body,
                     guint     status)
{
  g_autoptr(JsonObject) answer = parse_json_object (body, NULL);
  const char *code = NULL;

  if (answer != NULL && cp_oidc_json_get_string (answer, "error", TRUE, &code, NULL))
    {
      g_debug ("%s answered HTTP %u, OAuth error %s", data->endpoint_name, status,
               is_oauth_code (code) ? code : "(malformed)");
      data->oauth_error = g_strdup (code);
      g_task_return_error (task, cp_oidc_error_from_oauth (code));
      return;
    }

  g_debug ("%s answered HTTP %u without an OAuth error", data->endpoint_name, status);
  g_task_return_new_error (task, CP_ERROR, status >= 500 ? CP_ERROR_SERVER : CP_ERROR_FAILED,
                           _("The identity provider answered with an error (HTTP %u)"), status);
}

static void
post_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PostData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autoptr(JsonObject) answer = NULL;
  guint status;

  if (body == NULL)
    {
      g_task_return_error (task, cp_oidc_error_from_transport (error));
      return;
    }

  status = soup_message_get_status (data->msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      return_post_failure (task, data, body, status);
      return;
    }

  g_debug ("%s answered HTTP %u", data->endpoint_name, status);
  if (!data->expect_json)
    answer = json_object_new ();
  else if ((answer = parse_json_object (body, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&answer), (GDestroyNotify) json_object_unref);
}

static void
post_when_discovered (GTask *task)
{
  CpOidcClient *self = g_task_get_source_object (task);
  PostData *data = g_task_get_task_data (task);
  const char *uri = cp_oidc_client_get_endpoint (self, data->endpoint_name);
  g_autoptr(GHashTable) form = NULL;
  GHashTableIter iter;
  gpointer key, value;

  if (uri == NULL)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_FAILED,
                               _("The identity provider does not offer this kind of sign-in (%s)"),
                               data->endpoint_name);
      return;
    }

  form = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_iter_init (&iter, data->form);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (form, key, value);
  g_hash_table_insert (form, (char *) "client_id", self->client_id);

  data->msg = soup_message_new_from_encoded_form (SOUP_METHOD_POST, uri, soup_form_encode_hash (form));
  /* A redirect would replay codes, verifiers or refresh tokens elsewhere. */
  soup_message_add_flags (data->msg, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_replace (soup_message_get_request_headers (data->msg), "Accept", "application/json");
  soup_session_send_and_read_async (self->session, data->msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), post_cb, g_object_ref (task));
}

static void
post_form_async (CpOidcClient        *self,
                 const char          *endpoint_name,
                 GHashTable          *form,
                 gboolean             expect_json,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  PostData *data = g_new0 (PostData, 1);

  g_task_set_source_tag (task, cp_oidc_client_post_async);
  data->endpoint_name = g_strdup (endpoint_name);
  data->form = copy_form (form);
  data->expect_json = expect_json;
  g_task_set_task_data (task, data, (GDestroyNotify) post_data_free);

  ensure_discovered (self, task, post_when_discovered);
}

void
cp_oidc_client_post_async (CpOidcClient        *self,
                           const char          *endpoint_name,
                           GHashTable          *form,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (CP_IS_OIDC_CLIENT (self));
  g_return_if_fail (endpoint_name != NULL && form != NULL);

  post_form_async (self, endpoint_name, form, TRUE, cancellable, callback, user_data);
}

JsonObject *
cp_oidc_client_post_finish (CpOidcClient  *self,
                            GAsyncResult  *result,
                            char         **oauth_error,
                            GError       **error)
{
  PostData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  data = g_task_get_task_data (G_TASK (result));
  if (oauth_error != NULL)
    *oauth_error = g_strdup (data->oauth_error);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ID token validation */

typedef struct
{
  CpTokenSet *tokens;
  char *nonce;
  CpJws *jws;
} ValidateData;

static void
validate_data_free (ValidateData *data)
{
  g_clear_object (&data->tokens);
  g_free (data->nonce);
  g_clear_pointer (&data->jws, cp_jws_free);
  g_free (data);
}

static gboolean
security_error (GError     **error,
                const char  *message)
{
  g_set_error_literal (error, CP_ERROR, CP_ERROR_SECURITY, message);
  return FALSE;
}

static gboolean
check_audience (CpOidcClient  *self,
                JsonObject    *claims,
                GError       **error)
{
  JsonNode *aud = json_object_get_member (claims, "aud");
  const char *azp = NULL;
  gboolean found = FALSE;
  guint n_audiences = 1;

  if (aud != NULL && JSON_NODE_HOLDS_VALUE (aud) && json_node_get_value_type (aud) == G_TYPE_STRING)
    found = g_str_equal (json_node_get_string (aud), self->client_id);
  else if (aud != NULL && JSON_NODE_HOLDS_ARRAY (aud))
    {
      JsonArray *list = json_node_get_array (aud);

      n_audiences = json_array_get_length (list);
      for (guint i = 0; i < n_audiences; i++)
        {
          JsonNode *item = json_array_get_element (list, i);

          if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
            return security_error (error, _("The sign-in could not be verified: the ID token has an invalid audience"));
          found |= g_str_equal (json_node_get_string (item), self->client_id);
        }
    }

  if (!found)
    return security_error (error, _("The sign-in could not be verified: the ID token is meant for another application"));

  if (!cp_oidc_json_get_string (claims, "azp", n_audiences > 1, &azp, NULL) ||
      (azp != NULL && !g_str_equal (azp, self->client_id)))
    return security_error (error, _("The sign-in could not be verified: the ID token was issued to another application"));

  return TRUE;
}

static gboolean
check_times (JsonObject  *claims,
             GError     **error)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gboolean has_exp = FALSE, has_iat = FALSE;
  gint64 exp = 0, iat = 0;

  if (!cp_oidc_json_get_int (claims, "exp", &has_exp, &exp, NULL) ||
      !cp_oidc_json_get_int (claims, "iat", &has_iat, &iat, NULL) ||
      !has_exp || !has_iat)
    return security_error (error, _("The sign-in could not be verified: the ID token has no valid lifetime"));

  if (now > exp + CLOCK_LEEWAY)
    return security_error (error, _("The sign-in could not be verified: the ID token has expired"));
  if (iat > now + CLOCK_LEEWAY)
    return security_error (error, _("The sign-in could not be verified: the ID token was issued in the future; check the computer's clock"));

  return TRUE;
}

static gboolean
check_claims (CpOidcClient  *self,
              JsonObject    *claims,
              const char    *expected_nonce,
              GError       **error)
{
  const char *iss = NULL;
  const char *sub = NULL;
  const char *nonce = NULL;

  if (!cp_oidc_json_get_string (claims, "iss", TRUE, &iss, NULL) || !g_str_equal (iss, self->issuer))
    return security_error (error, _("The sign-in could not be verified: the ID token is from another issuer"));

  if (!check_audience (self, claims, error) || !check_times (claims, error))
    return FALSE;

  if (expected_nonce != NULL &&
      (!cp_oidc_json_get_string (claims, "nonce", TRUE, &nonce, NULL) ||
       !cp_secure_str_equal (nonce, expected_nonce)))
    return security_error (error, _("The sign-in could not be verified: the ID token belongs to another sign-in"));

  if (!cp_oidc_json_get_string (claims, "sub", TRUE, &sub, NULL) || *sub == '\0')
    return security_error (error, _("The sign-in could not be verified: the ID token names no user"));

  return TRUE;
}

static void
finish_validation (GTask *task,
                   CpJwk *key)
{
  CpOidcClient *self = g_task_get_source_object (task);
  ValidateData *data = g_task_get_task_data (task);
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GError) error = NULL;
  const char *sub = NULL, *name = NULL, *email = NULL;

  if (key == NULL)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_SECURITY, "%s",
                               _("The sign-in could not be verified: the ID token is signed with an unknown key"));
      return;
    }

  if (!cp_jws_verify (data->jws, key, &error))
    {
      g_debug ("ID token signature rejected: %s", error->message);
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_SECURITY, "%s",
                               _("The sign-in could not be verified: the ID token's signature is not valid"));
      return;
    }

  claims = cp_jws_get_claims (data->jws, NULL);
  if (claims == NULL)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_SECURITY, "%s",
                               _("The sign-in could not be verified: the ID token is malformed"));
      return;
    }
  if (!check_claims (self, claims, data->nonce, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Display claims: checked for type; name falls back to the login name. */
  cp_oidc_json_get_string (claims, "sub", TRUE, &sub, NULL);
  if (!cp_oidc_json_get_string (claims, "name", FALSE, &name, &error) ||
      (name == NULL && !cp_oidc_json_get_string (claims, "preferred_username", FALSE, &name, &error)) ||
      !cp_oidc_json_get_string (claims, "email", FALSE, &email, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  cp_token_set_set_identity (data->tokens, sub, name, email);
  g_task_return_boolean (task, TRUE);
}

static void
jwks_fetched_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CpOidcClient *self = g_task_get_source_object (task);
  ValidateData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = get_bytes_finish (self, result, &error);
  g_autoptr(GPtrArray) keys = NULL;
  gsize size = 0;
  const char *text;

  if (body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  text = g_bytes_get_data (body, &size);
  keys = size > 0 && size <= MAX_BODY_SIZE ? cp_jwks_parse (text, size, &error) : NULL;
  if (keys == NULL)
    {
      g_debug ("JWKS rejected: %s", error ? error->message : "empty or too large");
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_INVALID_DATA, "%s",
                               _("The identity provider's signing keys are malformed"));
      return;
    }

  g_clear_pointer (&self->jwks, g_ptr_array_unref);
  self->jwks = g_steal_pointer (&keys);
  finish_validation (task, cp_jwks_find (self->jwks, cp_jws_get_kid (data->jws)));
}

static void
validate_when_discovered (GTask *task)
{
  CpOidcClient *self = g_task_get_source_object (task);
  ValidateData *data = g_task_get_task_data (task);
  CpJwk *key = self->jwks ? cp_jwks_find (self->jwks, cp_jws_get_kid (data->jws)) : NULL;

  if (key != NULL)
    {
      finish_validation (task, key);
      return;
    }

  /* An unknown kid may be a rotated key: fetch the key set once more. */
  g_debug ("Fetching the provider's JWKS");
  get_bytes_async (self, cp_oidc_client_get_endpoint (self, "jwks_uri"),
                   g_task_get_cancellable (task), jwks_fetched_cb, g_object_ref (task));
}

/* Token responses */

static void
tokens_validated_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!cp_oidc_client_validate_id_token_finish (CP_OIDC_CLIENT (source), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_object_ref (g_task_get_task_data (task)), g_object_unref);
}

void
cp_oidc_client_tokens_from_response_async (CpOidcClient        *self,
                                           JsonObject          *response,
                                           const char          *expected_nonce,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens = cp_token_set_new_from_response (response, &error);

  g_task_set_source_tag (task, cp_oidc_client_tokens_from_response_async);
  if (tokens == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (cp_token_set_get_id_token (tokens) == NULL)
    {
      /* The code flow of OpenID Connect always has one: its absence is an attack or a bug. */
      if (expected_nonce != NULL)
        g_task_return_new_error (task, CP_ERROR, CP_ERROR_SECURITY, "%s",
                                 _("The sign-in could not be verified: the identity provider sent no ID token"));
      else
        g_task_return_pointer (task, g_steal_pointer (&tokens), g_object_unref);
      return;
    }

  g_task_set_task_data (task, g_object_ref (tokens), g_object_unref);
  cp_oidc_client_validate_id_token_async (self, tokens, expected_nonce, cancellable,
                                          tokens_validated_cb, g_steal_pointer (&task));
}

CpTokenSet *
cp_oidc_client_tokens_from_response_finish (CpOidcClient  *self,
                                            GAsyncResult  *result,
                                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  char *nonce;
  CpTokenSet *previous;       /* refresh only */
} TokenRequestData;

static void
token_request_data_free (TokenRequestData *data)
{
  g_free (data->nonce);
  g_clear_object (&data->previous);
  g_free (data);
}

static void
token_response_validated_cb (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TokenRequestData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens = cp_oidc_client_tokens_from_response_finish (CP_OIDC_CLIENT (source),
                                                                             result, &error);
  const char *old_subject;
  const char *new_subject;

  if (tokens == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (data->previous == NULL)
    {
      g_task_return_pointer (task, g_steal_pointer (&tokens), g_object_unref);
      return;
    }

  /* OpenID Connect Core §12.2: a refreshed ID token is for the same user. */
  old_subject = cp_token_set_get_subject (data->previous);
  new_subject = cp_token_set_get_subject (tokens);
  if (old_subject != NULL && new_subject != NULL && !g_str_equal (old_subject, new_subject))
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_SECURITY, "%s",
                               _("The sign-in could not be verified: the refreshed ID token names another user"));
      return;
    }

  g_task_return_pointer (task, cp_token_set_merge_refresh (data->previous, tokens), g_object_unref);
}

static void
token_posted_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TokenRequestData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = cp_oidc_client_post_finish (CP_OIDC_CLIENT (source), result,
                                                             NULL, &error);

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  cp_oidc_client_tokens_from_response_async (CP_OIDC_CLIENT (source), answer, data->nonce,
                                             g_task_get_cancellable (task),
                                             token_response_validated_cb, g_object_ref (task));
}

static void
start_token_request (CpOidcClient        *self,
                     GHashTable          *form,
                     const char          *nonce,
                     CpTokenSet          *previous,
                     gpointer             source_tag,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  TokenRequestData *data = g_new0 (TokenRequestData, 1);

  g_task_set_source_tag (task, source_tag);
  data->nonce = g_strdup (nonce);
  data->previous = previous ? g_object_ref (previous) : NULL;
  g_task_set_task_data (task, data, (GDestroyNotify) token_request_data_free);

  cp_oidc_client_post_async (self, "token_endpoint", form, cancellable, token_posted_cb, task);
}

/* GObject */

static void
cp_oidc_client_finalize (GObject *object)
{
  CpOidcClient *self = CP_OIDC_CLIENT (object);

  g_clear_object (&self->session);
  g_free (self->issuer);
  g_free (self->client_id);
  g_strfreev (self->scopes);
  g_free (self->resource);
  g_clear_pointer (&self->endpoints, g_hash_table_unref);
  g_clear_pointer (&self->jwks, g_ptr_array_unref);

  G_OBJECT_CLASS (cp_oidc_client_parent_class)->finalize (object);
}

static void
cp_oidc_client_class_init (CpOidcClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_oidc_client_finalize;
}

static void
cp_oidc_client_init (CpOidcClient *self)
{
}

/* Public API */

/**
 * cp_oidc_client_new:
 * @session: (nullable): the SoupSession to use; a private one when NULL
 * @scopes: (nullable): defaults to "openid profile email offline_access"
 */
CpOidcClient *
cp_oidc_client_new (SoupSession       *session,
                    const char        *issuer,
                    const char        *client_id,
                    const char *const *scopes,
                    const char        *resource)
{
  static const char *const default_scopes[] = { "openid", "profile", "email", "offline_access", NULL };
  CpOidcClient *self;

  g_return_val_if_fail (session == NULL || SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (issuer != NULL, NULL);
  g_return_val_if_fail (client_id != NULL, NULL);

  self = g_object_new (CP_TYPE_OIDC_CLIENT, NULL);
  self->session = session ? g_object_ref (session) : soup_session_new ();
  self->issuer = g_strdup (issuer);
  self->client_id = g_strdup (client_id);
  self->scopes = g_strdupv ((char **) (scopes ? scopes : default_scopes));
  self->resource = g_strdup (resource);

  return self;
}

const char *
cp_oidc_client_get_issuer (CpOidcClient *self)
{
  g_return_val_if_fail (CP_IS_OIDC_CLIENT (self), NULL);
  return self->issuer;
}

const char *
cp_oidc_client_get_client_id (CpOidcClient *self)
{
  g_return_val_if_fail (CP_IS_OIDC_CLIENT (self), NULL);
  return self->client_id;
}

const char *const *
cp_oidc_client_get_scopes (CpOidcClient *self)
{
  g_return_val_if_fail (CP_IS_OIDC_CLIENT (self), NULL);
  return (const char *const *) self->scopes;
}

const char *
cp_oidc_client_get_resource (CpOidcClient *self)
{
  g_return_val_if_fail (CP_IS_OIDC_CLIENT (self), NULL);
  return self->resource;
}

gboolean
cp_oidc_client_get_iss_parameter_supported (CpOidcClient *self)
{
  g_return_val_if_fail (CP_IS_OIDC_CLIENT (self), FALSE);
  return self->iss_parameter_supported;
}

char *
cp_oidc_client_dup_scope_string (CpOidcClient *self)
{
  g_return_val_if_fail (CP_IS_OIDC_CLIENT (self), NULL);
  return g_strjoinv (" ", self->scopes);
}

void
cp_oidc_client_discover_async (CpOidcClient        *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *base = NULL;
  g_autofree char *uri = NULL;

  g_return_if_fail (CP_IS_OIDC_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_oidc_client_discover_async);

  if (self->endpoints != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  base = g_strdup (self->issuer);
  if (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  uri = g_strconcat (base, "/.well-known/openid-configuration", NULL);

  get_bytes_async (self, uri, cancellable, discovery_fetched_cb, g_steal_pointer (&task));
}

gboolean
cp_oidc_client_discover_finish (CpOidcClient  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

const char *
cp_oidc_client_get_endpoint (CpOidcClient *self,
                             const char   *name)
{
  g_return_val_if_fail (CP_IS_OIDC_CLIENT (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return self->endpoints ? g_hash_table_lookup (self->endpoints, name) : NULL;
}

void
cp_oidc_client_token_request_async (CpOidcClient        *self,
                                    GHashTable          *form,
                                    const char          *expected_nonce,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (CP_IS_OIDC_CLIENT (self));
  g_return_if_fail (form != NULL);

  start_token_request (self, form, expected_nonce, NULL, cp_oidc_client_token_request_async,
                       cancellable, callback, user_data);
}

CpTokenSet *
cp_oidc_client_token_request_finish (CpOidcClient  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * cp_oidc_client_refresh_async:
 * Resolves to the merged token set (cp_token_set_merge_refresh()): what the
 * provider did not rotate carries over from @tokens.
 */
void
cp_oidc_client_refresh_async (CpOidcClient        *self,
                              CpTokenSet          *tokens,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GHashTable) form = NULL;
  const char *refresh_token;

  g_return_if_fail (CP_IS_OIDC_CLIENT (self));
  g_return_if_fail (CP_IS_TOKEN_SET (tokens));

  refresh_token = cp_token_set_get_refresh_token (tokens);
  if (refresh_token == NULL)
    {
      g_task_report_new_error (self, callback, user_data, cp_oidc_client_refresh_async,
                               CP_ERROR, CP_ERROR_AUTH_REQUIRED, "%s",
                               _("Your sign-in has expired; sign in again"));
      return;
    }

  form = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (form, (char *) "grant_type", (char *) "refresh_token");
  g_hash_table_insert (form, (char *) "refresh_token", (char *) refresh_token);
  if (self->resource != NULL)
    g_hash_table_insert (form, (char *) "resource", self->resource);

  start_token_request (self, form, NULL, tokens, cp_oidc_client_refresh_async,
                       cancellable, callback, user_data);
}

CpTokenSet *
cp_oidc_client_refresh_finish (CpOidcClient  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
revoke_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = cp_oidc_client_post_finish (CP_OIDC_CLIENT (source), result,
                                                             NULL, &error);

  if (answer == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
cp_oidc_client_revoke_async (CpOidcClient        *self,
                             CpTokenSet          *tokens,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) form = NULL;
  const char *refresh_token;

  g_return_if_fail (CP_IS_OIDC_CLIENT (self));
  g_return_if_fail (CP_IS_TOKEN_SET (tokens));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_oidc_client_revoke_async);

  /* Revoking the refresh token ends the grant, and with it its access tokens. */
  refresh_token = cp_token_set_get_refresh_token (tokens);
  form = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (form, (char *) "token",
                       (char *) (refresh_token ? refresh_token : cp_token_set_get_access_token (tokens)));
  g_hash_table_insert (form, (char *) "token_type_hint",
                       (char *) (refresh_token ? "refresh_token" : "access_token"));

  post_form_async (self, "revocation_endpoint", form, FALSE, cancellable,
                   revoke_cb, g_steal_pointer (&task));
}

gboolean
cp_oidc_client_revoke_finish (CpOidcClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cp_oidc_client_validate_id_token_async (CpOidcClient        *self,
                                        CpTokenSet          *tokens,
                                        const char          *expected_nonce,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  ValidateData *data;
  const char *id_token;

  g_return_if_fail (CP_IS_OIDC_CLIENT (self));
  g_return_if_fail (CP_IS_TOKEN_SET (tokens));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_oidc_client_validate_id_token_async);

  data = g_new0 (ValidateData, 1);
  data->tokens = g_object_ref (tokens);
  data->nonce = g_strdup (expected_nonce);
  g_task_set_task_data (task, data, (GDestroyNotify) validate_data_free);

  id_token = cp_token_set_get_id_token (tokens);
  data->jws = id_token ? cp_jws_parse (id_token, &error) : NULL;
  if (data->jws == NULL)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_SECURITY, "%s",
                               _("The sign-in could not be verified: the ID token is malformed"));
      return;
    }

  ensure_discovered (self, task, validate_when_discovered);
}

gboolean
cp_oidc_client_validate_id_token_finish (CpOidcClient  *self,
                                         GAsyncResult  *result,
                                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
