/* cp-token-validator.c: JWT access tokens, checked against the issuer's JWKS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-error.h"
#include "cp-jose.h"
#include "cp-portal-server.h"
#include "cp-token-validator.h"

#define DEFAULT_LEEWAY        30
#define DEFAULT_MIN_REFRESH   10
/* Keys older than this are fetched again before use, so a key the IdP
 * withdrew stops working within the hour. */
#define KEYS_MAX_AGE_SECONDS  3600
#define MAX_DOCUMENT_SIZE     (1024 * 1024)
#define MAX_SUBJECT_LEN       255

struct _CpTokenValidator
{
  GObject parent_instance;

  SoupSession *session;
  char *issuer;
  char *audience;
  guint leeway;
  guint min_refresh;

  GPtrArray *keys;            /* nullable: never fetched successfully */
  gint64 keys_fetched_at;     /* monotonic µs */
  gint64 last_attempt;        /* monotonic µs, 0 = never */
  guint fetch_count;
  gboolean fetching;
  GPtrArray *waiting;         /* GTasks waiting for the fetch in flight */
  GCancellable *cancellable;  /* cancels the fetch when we go away */
};

G_DEFINE_FINAL_TYPE (CpTokenValidator, cp_token_validator, G_TYPE_OBJECT)

typedef struct
{
  CpJws *jws;
  JsonObject *claims;
} ValidateData;

static void
validate_data_free (ValidateData *data)
{
  g_clear_pointer (&data->jws, cp_jws_free);
  g_clear_pointer (&data->claims, json_object_unref);
  g_free (data);
}

static gboolean
reject (GError    **error,
        const char *message)
{
  g_set_error_literal (error, CP_ERROR, CP_ERROR_AUTH_REQUIRED, message);
  return FALSE;
}

/* A NumericDate (RFC 7519 §2): JSON integer or float. */
static gboolean
get_numeric_date (JsonObject *claims,
                  const char *name,
                  gboolean   *present,
                  gint64     *out)
{
  JsonNode *node = json_object_get_member (claims, name);

  *present = node != NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      *out = json_node_get_int (node);
      return TRUE;
    case G_TYPE_DOUBLE:
      {
        double value = json_node_get_double (node);

        if (!(value > -1e15 && value < 1e15))
          return FALSE;
        *out = (gint64) value;
        return TRUE;
      }
    default:
      return FALSE;
    }
}

static const char *
get_string_claim (JsonObject *claims,
                  const char *name)
{
  JsonNode *node = json_object_get_member (claims, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
audience_matches (JsonObject *claims,
                  const char *audience)
{
  JsonNode *node = json_object_get_member (claims, "aud");
  JsonArray *array;

  if (node == NULL)
    return FALSE;

  if (JSON_NODE_HOLDS_VALUE (node))
    return json_node_get_value_type (node) == G_TYPE_STRING &&
           g_strcmp0 (json_node_get_string (node), audience) == 0;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (element) &&
          json_node_get_value_type (element) == G_TYPE_STRING &&
          g_strcmp0 (json_node_get_string (element), audience) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
check_times (CpTokenValidator  *self,
             JsonObject        *claims,
             GError           **error)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 exp = 0, nbf = 0, iat = 0;
  gboolean has_exp, has_nbf, has_iat;

  if (!get_numeric_date (claims, "exp", &has_exp, &exp) || !has_exp ||
      !get_numeric_date (claims, "nbf", &has_nbf, &nbf) ||
      !get_numeric_date (claims, "iat", &has_iat, &iat))
    return reject (error, _("The access token has no valid expiry"));

  if (now > exp + (gint64) self->leeway)
    return reject (error, _("The access token has expired"));
  if (has_nbf && now + (gint64) self->leeway < nbf)
    return reject (error, _("The access token is not valid yet"));
  if (has_iat && now + (gint64) self->leeway < iat)
    return reject (error, _("The access token was issued in the future"));

  return TRUE;
}

/* Everything that needs no key: done first so that junk never reaches the IdP. */
static gboolean
check_claims (CpTokenValidator  *self,
              JsonObject        *claims,
              GError           **error)
{
  const char *sub;

  if (g_strcmp0 (get_string_claim (claims, "iss"), self->issuer) != 0)
    return reject (error, _("The access token is from another issuer"));
  if (!audience_matches (claims, self->audience))
    return reject (error, _("The access token is meant for another audience"));
  if (!check_times (self, claims, error))
    return FALSE;

  sub = get_string_claim (claims, "sub");
  if (sub == NULL || *sub == '\0' || strlen (sub) > MAX_SUBJECT_LEN)
    return reject (error, _("The access token has no valid subject"));

  return TRUE;
}

static gboolean
keys_are_stale (CpTokenValidator *self)
{
  return self->keys == NULL ||
         g_get_monotonic_time () - self->keys_fetched_at > (gint64) KEYS_MAX_AGE_SECONDS * G_USEC_PER_SEC;
}

static gboolean
may_fetch (CpTokenValidator *self)
{
  return self->last_attempt == 0 ||
         g_get_monotonic_time () - self->last_attempt >= (gint64) self->min_refresh * G_USEC_PER_SEC;
}

static void
verify_with_keys (CpTokenValidator *self,
                  GTask            *task,
                  const GError     *fetch_error)
{
  ValidateData *data = g_task_get_task_data (task);
  GError *error = NULL;
  CpJwk *key = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (self->keys != NULL)
    key = cp_jwks_find (self->keys, cp_jws_get_kid (data->jws));

  if (key == NULL && self->keys == NULL)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_NETWORK,
                               _("The identity provider’s keys are not available: %s"),
                               fetch_error ? fetch_error->message : _("not fetched yet"));
      return;
    }

  if (key == NULL)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_AUTH_REQUIRED,
                               "%s", _("The access token is signed by an unknown key"));
      return;
    }

  if (!cp_jws_verify (data->jws, key, &error))
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_AUTH_REQUIRED, "%s", error->message);
      g_error_free (error);
      return;
    }

  g_task_return_pointer (task, json_object_ref (data->claims),
                         (GDestroyNotify) json_object_unref);
}

static void
fetch_done (CpTokenValidator *self,
            GError           *error)
{
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&self->waiting);

  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  self->fetching = FALSE;

  if (error != NULL)
    g_message ("Cannot fetch the keys of %s: %s", self->issuer, error->message);

  for (guint i = 0; i < waiting->len; i++)
    verify_with_keys (self, g_ptr_array_index (waiting, i), error);

  g_clear_error (&error);
}

static GBytes *
read_document (SoupSession   *session,
               GAsyncResult  *result,
               const char    *what,
               GError       **error)
{
  SoupMessage *msg = soup_session_get_async_result_message (session, result);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) body = NULL;

  body = soup_session_send_and_read_finish (session, result, &local_error);
  if (body == NULL)
    {
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_set_error (error, CP_ERROR, CP_ERROR_NETWORK, _("Cannot fetch the %s: %s"),
                     what, local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_NETWORK, _("Cannot fetch the %s: HTTP %u"),
                   what, soup_message_get_status (msg));
      return NULL;
    }

  if (g_bytes_get_size (body) > MAX_DOCUMENT_SIZE)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA, _("The %s is too large"), what);
      return NULL;
    }

  return g_steal_pointer (&body);
}

static void
jwks_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(CpTokenValidator) self = user_data;
  g_autoptr(GBytes) body = NULL;
  GError *error = NULL;
  GPtrArray *keys;

  body = read_document (SOUP_SESSION (source), result, _("key set"), &error);
  if (body == NULL)
    {
      fetch_done (self, error);
      return;
    }

  keys = cp_jwks_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error);
  if (keys == NULL)
    {
      fetch_done (self, error);
      return;
    }

  g_debug ("Fetched %u signing keys of %s", keys->len, self->issuer);
  g_clear_pointer (&self->keys, g_ptr_array_unref);
  self->keys = keys;
  self->keys_fetched_at = g_get_monotonic_time ();
  fetch_done (self, NULL);
}

/* The jwks_uri must be a web URL; plain http only on loopback, like the issuer. */
static gboolean
is_acceptable_jwks_uri (const char *text)
{
  g_autoptr(GUri) uri = text ? g_uri_parse (text, SOUP_HTTP_URI_FLAGS, NULL) : NULL;
  const char *host;

  if (uri == NULL || (host = g_uri_get_host (uri)) == NULL)
    return FALSE;
  if (g_strcmp0 (g_uri_get_scheme (uri), "https") == 0)
    return TRUE;
  return g_strcmp0 (g_uri_get_scheme (uri), "http") == 0 &&
         (g_strcmp0 (host, "127.0.0.1") == 0 || g_strcmp0 (host, "::1") == 0 ||
          g_strcmp0 (host, "localhost") == 0);
}

/* @root holds the document the result points into. */
static const char *
read_jwks_uri (CpTokenValidator  *self,
               GBytes            *body,
               JsonNode         **root,
               GError           **error)
{
  JsonObject *object;
  const char *jwks_uri;

  *root = cp_server_json_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  if (*root == NULL || !JSON_NODE_HOLDS_OBJECT (*root))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The identity provider’s discovery document is not JSON"));
      return NULL;
    }

  object = json_node_get_object (*root);
  if (g_strcmp0 (get_string_claim (object, "issuer"), self->issuer) != 0)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_SECURITY,
                           _("The identity provider’s discovery document names another issuer"));
      return NULL;
    }

  jwks_uri = get_string_claim (object, "jwks_uri");
  if (!is_acceptable_jwks_uri (jwks_uri))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The identity provider’s discovery document has no valid jwks_uri"));
      return NULL;
    }

  return jwks_uri;
}

static void
discovery_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(CpTokenValidator) self = user_data;
  g_autoptr(JsonNode) discovery = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  GError *error = NULL;
  const char *jwks_uri;

  body = read_document (SOUP_SESSION (source), result, _("discovery document"), &error);
  if (body == NULL || (jwks_uri = read_jwks_uri (self, body, &discovery, &error)) == NULL)
    {
      fetch_done (self, error);
      return;
    }

  msg = soup_message_new (SOUP_METHOD_GET, jwks_uri);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept",
                                "application/jwk-set+json, application/json");
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT,
                                    self->cancellable, jwks_cb, g_object_ref (self));
}

static void
start_fetch (CpTokenValidator *self)
{
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  self->fetching = TRUE;
  self->last_attempt = g_get_monotonic_time ();
  self->fetch_count++;

  /* RFC 8414 §3 / OIDC Discovery: issuer + "/.well-known/openid-configuration". */
  url = g_strconcat (self->issuer,
                     g_str_has_suffix (self->issuer, "/") ? "" : "/",
                     ".well-known/openid-configuration", NULL);
  msg = soup_message_new (SOUP_METHOD_GET, url);
  if (msg == NULL)
    {
      fetch_done (self, g_error_new (CP_ERROR, CP_ERROR_INVALID_INPUT,
                                     _("The issuer is not a valid URL")));
      return;
    }

  g_debug ("Fetching the keys of %s", self->issuer);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept",
                                "application/json");
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT,
                                    self->cancellable, discovery_cb, g_object_ref (self));
}

static void
cp_token_validator_dispose (GObject *object)
{
  CpTokenValidator *self = CP_TOKEN_VALIDATOR (object);

  g_cancellable_cancel (self->cancellable);

  G_OBJECT_CLASS (cp_token_validator_parent_class)->dispose (object);
}

static void
cp_token_validator_finalize (GObject *object)
{
  CpTokenValidator *self = CP_TOKEN_VALIDATOR (object);

  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->keys, g_ptr_array_unref);
  g_clear_pointer (&self->waiting, g_ptr_array_unref);
  g_free (self->issuer);
  g_free (self->audience);

  G_OBJECT_CLASS (cp_token_validator_parent_class)->finalize (object);
}

static void
cp_token_validator_class_init (CpTokenValidatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cp_token_validator_dispose;
  object_class->finalize = cp_token_validator_finalize;
}

static void
cp_token_validator_init (CpTokenValidator *self)
{
  self->leeway = DEFAULT_LEEWAY;
  self->min_refresh = DEFAULT_MIN_REFRESH;
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
}

CpTokenValidator *
cp_token_validator_new (SoupSession *session,
                        const char  *issuer,
                        const char  *audience)
{
  CpTokenValidator *self;

  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (issuer != NULL && audience != NULL, NULL);

  self = g_object_new (CP_TYPE_TOKEN_VALIDATOR, NULL);
  self->session = g_object_ref (session);
  self->issuer = g_strdup (issuer);
  self->audience = g_strdup (audience);
  return self;
}

const char *
cp_token_validator_get_issuer (CpTokenValidator *self)
{
  g_return_val_if_fail (CP_IS_TOKEN_VALIDATOR (self), NULL);
  return self->issuer;
}

const char *
cp_token_validator_get_audience (CpTokenValidator *self)
{
  g_return_val_if_fail (CP_IS_TOKEN_VALIDATOR (self), NULL);
  return self->audience;
}

void
cp_token_validator_set_leeway (CpTokenValidator *self,
                               guint             seconds)
{
  g_return_if_fail (CP_IS_TOKEN_VALIDATOR (self));
  self->leeway = MIN (seconds, 600);
}

void
cp_token_validator_set_min_refresh (CpTokenValidator *self,
                                    guint             seconds)
{
  g_return_if_fail (CP_IS_TOKEN_VALIDATOR (self));
  self->min_refresh = seconds;
}

guint
cp_token_validator_get_fetch_count (CpTokenValidator *self)
{
  g_return_val_if_fail (CP_IS_TOKEN_VALIDATOR (self), 0);
  return self->fetch_count;
}

static ValidateData *
parse_token (CpTokenValidator  *self,
             const char        *token,
             GError           **error)
{
  g_autoptr(CpJws) jws = NULL;
  g_autoptr(JsonObject) claims = NULL;
  ValidateData *data;
  const char *alg;

  jws = cp_jws_parse (token, NULL);
  if (jws == NULL)
    {
      reject (error, _("The access token is not a valid JWT"));
      return NULL;
    }

  /* Only asymmetric signatures: "none" and HS* would let anyone mint tokens. */
  alg = cp_jws_get_alg (jws);
  if (g_strcmp0 (alg, "RS256") != 0 && g_strcmp0 (alg, "ES256") != 0)
    {
      reject (error, _("The access token uses an unsupported signature algorithm"));
      return NULL;
    }

  claims = cp_jws_get_claims (jws, NULL);
  if (claims == NULL)
    {
      reject (error, _("The access token’s claims are not a JSON object"));
      return NULL;
    }

  if (!check_claims (self, claims, error))
    return NULL;

  data = g_new0 (ValidateData, 1);
  data->jws = g_steal_pointer (&jws);
  data->claims = g_steal_pointer (&claims);
  return data;
}

void
cp_token_validator_validate_async (CpTokenValidator    *self,
                                   const char          *token,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  ValidateData *data;
  CpJwk *key = NULL;

  g_return_if_fail (CP_IS_TOKEN_VALIDATOR (self));
  g_return_if_fail (token != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_token_validator_validate_async);

  data = parse_token (self, token, &error);
  if (data == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, data, (GDestroyNotify) validate_data_free);

  if (self->keys != NULL)
    key = cp_jwks_find (self->keys, cp_jws_get_kid (data->jws));

  if ((key == NULL || keys_are_stale (self)) && (self->fetching || may_fetch (self)))
    {
      g_ptr_array_add (self->waiting, g_steal_pointer (&task));
      if (!self->fetching)
        start_fetch (self);
      return;
    }

  verify_with_keys (self, task, NULL);
}

JsonObject *
cp_token_validator_validate_finish (CpTokenValidator  *self,
                                    GAsyncResult      *result,
                                    GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cp_token_validator_validate_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
