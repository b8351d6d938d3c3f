/* cp-portal-server.c: routing, bearer authentication, problem+json and ETags
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "cp-device-request.h"
#include "cp-error.h"
#include "cp-json-private.h"
#include "cp-portal-server.h"
#include "cp-server-catalog.h"
#include "cp-server-compliance.h"
#include "cp-server-devices.h"

#define LOGO_PATH        "/branding/logo.svg"
#define REALM            "company-portal"
#define MAX_PROFILE_LEN  256
#define TOO_LARGE_KEY    "cp-body-too-large"

struct _CpPortalServer
{
  GObject parent_instance;

  SoupServer *server;
  CpServerDb *db;
  CpTokenValidator *validator;
  char *client_id;
  char *public_url;           /* nullable, without trailing '/' */
  gboolean https;
  GArray *area_routes;        /* CpRoute */
};

G_DEFINE_FINAL_TYPE (CpPortalServer, cp_portal_server, G_TYPE_OBJECT)

typedef void (*RouteHandler) (CpPortalServer    *self,
                              SoupServerMessage *msg,
                              JsonObject        *claims);

typedef struct
{
  const char *path;
  RouteHandler handler;
  gboolean needs_auth;
} Route;

static void handle_well_known (CpPortalServer *self, SoupServerMessage *msg, JsonObject *claims);
static void handle_logo       (CpPortalServer *self, SoupServerMessage *msg, JsonObject *claims);
static void handle_me         (CpPortalServer *self, SoupServerMessage *msg, JsonObject *claims);
static void handle_openapi    (CpPortalServer *self, SoupServerMessage *msg, JsonObject *claims);

static const Route routes[] = {
  { "/.well-known/company-portal", handle_well_known, FALSE },
  { LOGO_PATH, handle_logo, FALSE },
  { "/v1/me", handle_me, TRUE },
  { "/openapi.yaml", handle_openapi, FALSE },
};

/* Responses */

static void
respond_problem (SoupServerMessage *msg,
                 guint              status,
                 const char        *type,
                 const char        *detail)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;
  GUri *uri = soup_server_message_get_uri (msg);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type ? type : "about:blank");
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, soup_status_get_phrase (status));
  json_builder_set_member_name (builder, "status");
  json_builder_add_int_value (builder, status);
  if (detail != NULL)
    {
      json_builder_set_member_name (builder, "detail");
      json_builder_add_string_value (builder, detail);
    }
  /* The path is the client's: only echo it when it is valid text. */
  if (uri != NULL && g_uri_get_path (uri) != NULL && g_utf8_validate (g_uri_get_path (uri), -1, NULL))
    {
      json_builder_set_member_name (builder, "instance");
      json_builder_add_string_value (builder, g_uri_get_path (uri));
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  body = json_to_string (root, FALSE);
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_response (msg, "application/problem+json", SOUP_MEMORY_COPY,
                                    body, strlen (body));
}

static char *
compute_etag (const char *data,
              gsize       len)
{
  g_autofree char *digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                         (const guchar *) data, len);

  return g_strdup_printf ("\"%.32s\"", digest);
}

/* If-None-Match uses the weak comparison (RFC 9110 §13.1.2). */
static gboolean
etag_matches (const char *header,
              const char *etag)
{
  g_auto(GStrv) tags = NULL;

  if (header == NULL)
    return FALSE;

  tags = g_strsplit (header, ",", 64);
  for (guint i = 0; tags[i] != NULL; i++)
    {
      const char *tag = g_strstrip (tags[i]);

      if (g_str_has_prefix (tag, "W/"))
        tag += 2;
      if (g_strcmp0 (tag, "*") == 0 || g_strcmp0 (tag, etag) == 0)
        return TRUE;
    }
  return FALSE;
}

/* A 200 with an ETag, or a 304 when the client already has this body. */
static void
respond_ok (SoupServerMessage *msg,
            const char        *content_type,
            const char        *data,
            gsize              len,
            const char        *cache_control)
{
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  g_autofree char *etag = compute_etag (data, len);

  soup_message_headers_replace (response_headers, "ETag", etag);
  soup_message_headers_replace (response_headers, "Cache-Control", cache_control);

  if (etag_matches (soup_message_headers_get_list (request_headers, "If-None-Match"), etag))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, data, len);
}

static void
respond_json (SoupServerMessage *msg,
              JsonBuilder       *builder,
              const char        *cache_control)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *body = json_to_string (root, FALSE);

  respond_ok (msg, "application/json", body, strlen (body), cache_control);
}

static void
add_optional (JsonBuilder *builder,
              const char  *name,
              const char  *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

/* /.well-known/company-portal */

static void
add_support_contact (JsonBuilder       *builder,
                     const CpServerOrg *org)
{
  if (org->support_name == NULL && org->support_phone == NULL &&
      org->support_email == NULL && org->support_website == NULL)
    return;

  json_builder_set_member_name (builder, "supportContact");
  json_builder_begin_object (builder);
  add_optional (builder, "name", org->support_name);
  add_optional (builder, "phone", org->support_phone);
  add_optional (builder, "email", org->support_email);
  add_optional (builder, "website", org->support_website);
  json_builder_end_object (builder);
}

static void
add_identity_provider (CpPortalServer *self,
                       JsonBuilder    *builder)
{
  static const char *const scopes[] = { "openid", "profile", "email", "offline_access" };

  json_builder_set_member_name (builder, "identityProvider");
  json_builder_begin_object (builder);
  add_optional (builder, "issuer", cp_token_validator_get_issuer (self->validator));
  add_optional (builder, "clientId", self->client_id);
  json_builder_set_member_name (builder, "scopes");
  json_builder_begin_array (builder);
  for (guint i = 0; i < G_N_ELEMENTS (scopes); i++)
    json_builder_add_string_value (builder, scopes[i]);
  json_builder_end_array (builder);
  /* RFC 8707: asking for this resource makes the IdP issue tokens for our audience. */
  add_optional (builder, "resource", cp_token_validator_get_audience (self->validator));
  json_builder_end_object (builder);
}

static CpServerOrg *
load_organization (CpPortalServer    *self,
                   SoupServerMessage *msg)
{
  g_autoptr(GError) error = NULL;
  CpServerOrg *org = cp_server_db_load_organization (self->db, &error);

  if (org == NULL)
    {
      g_message ("Cannot load the organisation: %s",
                 error ? error->message : "none configured");
      respond_problem (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL,
                       _("The server has no organisation configured"));
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "60");
    }
  return org;
}

static void
handle_well_known (CpPortalServer    *self,
                   SoupServerMessage *msg,
                   JsonObject        *claims)
{
  g_autoptr(CpServerOrg) org = load_organization (self, msg);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *logo_url = NULL;

  if (org == NULL)
    return;

  /* Relative logoUrl resolves against the URL the client used; behind a
   * proxy the public URL is the one that works. */
  if (org->logo_svg != NULL)
    logo_url = g_strconcat (self->public_url ? self->public_url : "", LOGO_PATH, NULL);

  json_builder_begin_object (builder);
  add_optional (builder, "apiVersion", "1");
  add_optional (builder, "displayName", org->display_name);
  add_optional (builder, "logoUrl", logo_url);
  add_optional (builder, "accentColor", org->accent_color);
  add_optional (builder, "privacyUrl", org->privacy_url);
  add_support_contact (builder, org);
  add_optional (builder, "apiBaseUrl", self->public_url);
  add_identity_provider (self, builder);
  json_builder_end_object (builder);

  respond_json (msg, builder, "no-cache");
}

static void
handle_logo (CpPortalServer    *self,
             SoupServerMessage *msg,
             JsonObject        *claims)
{
  g_autoptr(CpServerOrg) org = load_organization (self, msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *data;
  gsize len;

  if (org == NULL)
    return;
  if (org->logo_svg == NULL)
    {
      respond_problem (msg, SOUP_STATUS_NOT_FOUND, NULL,
                       _("The organisation has no logo"));
      return;
    }

  /* SVG can carry scripts: never let a browser run them from our origin. */
  soup_message_headers_replace (headers, "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'; sandbox");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  data = g_bytes_get_data (org->logo_svg, &len);
  respond_ok (msg, "image/svg+xml", data, len, "no-cache");
}

/* /openapi.yaml: the document of this API, compiled in from data/openapi.yaml */

static void
handle_openapi (CpPortalServer    *self,
                SoupServerMessage *msg,
                JsonObject        *claims)
{
  g_autoptr(GBytes) bytes = g_resources_lookup_data ("/io/github/companyportal/Server/openapi.yaml",
                                                     G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  const char *data;
  gsize len;

  if (bytes == NULL)
    {
      respond_problem (msg, SOUP_STATUS_NOT_FOUND, NULL, _("There is nothing at this path"));
      return;
    }

  data = g_bytes_get_data (bytes, &len);
  respond_ok (msg, "application/yaml", data, len, "no-cache");
}

/* /v1/me */

/* An optional profile claim: absent or empty means "not given", another type
 * means a broken token. */
static gboolean
read_profile_claim (JsonObject  *claims,
                    const char  *name,
                    const char **out)
{
  JsonNode *node = json_object_get_member (claims, name);
  const char *text;

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;

  text = json_node_get_string (node);
  if (*text == '\0')
    return TRUE;
  if (g_utf8_strlen (text, -1) > MAX_PROFILE_LEN)
    return FALSE;
  *out = text;
  return TRUE;
}

static void
respond_invalid_token (SoupServerMessage *msg,
                       const char        *detail)
{
  g_autofree char *challenge = NULL;
  g_autofree char *description = g_strdup (detail);

  /* error_description is a quoted-string: keep it to safe characters. */
  g_strcanon (description, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;()-_'", '_');
  challenge = g_strdup_printf ("Bearer realm=\"" REALM "\", error=\"invalid_token\", "
                               "error_description=\"%s\"", description);
  respond_problem (msg, SOUP_STATUS_UNAUTHORIZED, "urn:company-portal:problem:invalid-token",
                   detail);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "WWW-Authenticate", challenge);
}

/* The user of a validated token, created on first sight; NULL after
 * answering the request with a problem. */
static CpServerUser *
provision_user (CpPortalServer    *self,
                SoupServerMessage *msg,
                JsonObject        *claims)
{
  g_autoptr(CpServerUser) user = NULL;
  g_autoptr(GError) error = NULL;
  const char *sub = json_object_get_string_member (claims, "sub");
  const char *name, *email, *preferred, *upn;
  gboolean created = FALSE;

  if (!read_profile_claim (claims, "name", &name) ||
      !read_profile_claim (claims, "email", &email) ||
      !read_profile_claim (claims, "preferred_username", &preferred) ||
      !read_profile_claim (claims, "upn", &upn))
    {
      respond_invalid_token (msg, _("The access token has an invalid profile claim"));
      return NULL;
    }

  if (email != NULL && strchr (email, '@') == NULL)
    email = NULL;
  if (preferred == NULL)
    preferred = upn;

  user = cp_server_db_provision_user (self->db, cp_token_validator_get_issuer (self->validator),
                                      sub, name ? name : preferred ? preferred : sub,
                                      email, preferred, &created, &error);
  if (user == NULL)
    {
      g_message ("Cannot provision a user: %s", error->message);
      respond_problem (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL,
                       _("The server cannot store the user"));
      return NULL;
    }

  if (created)
    g_message ("Provisioned user %s on first sign-in", user->id);
  return g_steal_pointer (&user);
}

static void
handle_me (CpPortalServer    *self,
           SoupServerMessage *msg,
           JsonObject        *claims)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(CpServerUser) user = provision_user (self, msg, claims);

  if (user == NULL)
    return;

  json_builder_begin_object (builder);
  add_optional (builder, "id", user->id);
  add_optional (builder, "displayName", user->display_name);
  add_optional (builder, "mail", user->email);
  add_optional (builder, "userPrincipalName", user->username);
  json_builder_end_object (builder);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Vary", "Authorization");
  respond_json (msg, builder, "private, no-cache");
}

/* Authentication */

typedef struct
{
  CpPortalServer *self;
  SoupServerMessage *msg;
  const Route *route;
  CpRequest *request;         /* an area route's request, or NULL */
} PendingRequest;

static void request_free (CpRequest *request);
static gboolean compact_depth_ok (const char *compact);
static gboolean dispatch_area (CpPortalServer *self, SoupServerMessage *msg, const char *path, GHashTable *query);
static void run_area_request (CpRequest *request, JsonObject *claims);

static void
pending_request_free (PendingRequest *pending)
{
  g_object_unref (pending->self);
  g_object_unref (pending->msg);
  g_clear_pointer (&pending->request, request_free);
  g_free (pending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PendingRequest, pending_request_free)

static void
validate_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(PendingRequest) pending = user_data;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GError) error = NULL;

  claims = cp_token_validator_validate_finish (CP_TOKEN_VALIDATOR (source), result, &error);
  if (claims != NULL && pending->request != NULL)
    run_area_request (pending->request, claims);
  else if (claims != NULL)
    pending->route->handler (pending->self, pending->msg, claims);
  else if (g_error_matches (error, CP_ERROR, CP_ERROR_AUTH_REQUIRED))
    {
      g_debug ("Refused a token: %s", error->message);
      respond_invalid_token (pending->msg, error->message);
    }
  else
    {
      /* The details (addresses, errors) are in our log, not for the client. */
      respond_problem (pending->msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                       "urn:company-portal:problem:identity-provider-unavailable",
                       _("The server cannot check sign-ins right now; try again shortly"));
      soup_message_headers_replace (soup_server_message_get_response_headers (pending->msg),
                                    "Retry-After", "10");
    }

  /* A client that went away meanwhile has no I/O left; unpause ignores it. */
  soup_server_message_unpause (pending->msg);
}

static gboolean
is_token_char (char c)
{
  return c != '\0' && (g_ascii_isalnum (c) || strchr ("-._~+/", c) != NULL);
}

/* RFC 6750 §2.1: "Bearer" 1*SP b64token. NULL when there is none. */
static const char *
find_bearer_token (SoupServerMessage *msg,
                   gboolean          *malformed)
{
  const char *header;
  const char *token;
  const char *p;

  *malformed = FALSE;
  header = soup_message_headers_get_list (soup_server_message_get_request_headers (msg),
                                          "Authorization");
  if (header == NULL || g_ascii_strncasecmp (header, "Bearer", 6) != 0 ||
      (header[6] != ' ' && header[6] != '\0'))
    return NULL;

  token = header + 6;
  while (*token == ' ')
    token++;
  for (p = token; is_token_char (*p); p++)
    ;
  while (*p == '=')
    p++;
  if (p == token || *p != '\0')
    {
      *malformed = TRUE;
      return NULL;
    }
  return token;
}

static void
authenticate (CpPortalServer    *self,
              SoupServerMessage *msg,
              const Route       *route,
              CpRequest         *request)
{
  PendingRequest *pending;
  gboolean malformed;
  const char *token = find_bearer_token (msg, &malformed);

  if (token == NULL && request != NULL)
    g_clear_pointer (&request, request_free);
  if (token == NULL && malformed)
    {
      respond_invalid_token (msg, _("The Authorization header is malformed"));
      return;
    }
  if (token == NULL)
    {
      respond_problem (msg, SOUP_STATUS_UNAUTHORIZED,
                       "urn:company-portal:problem:authentication-required",
                       _("This request needs a bearer access token"));
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate", "Bearer realm=\"" REALM "\"");
      return;
    }

  if (!compact_depth_ok (token))
    {
      g_clear_pointer (&request, request_free);
      respond_invalid_token (msg, _("The access token is malformed"));
      return;
    }

  pending = g_new0 (PendingRequest, 1);
  pending->self = g_object_ref (self);
  pending->msg = g_object_ref (msg);
  pending->route = route;
  pending->request = request;

  /* Fetching the IdP's keys may take a while: free the main loop meanwhile. */
  soup_server_message_pause (msg);
  cp_token_validator_validate_async (self->validator, token, NULL, validate_cb, pending);
}

/* Routing */

static const Route *
find_route (const char *path)
{
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    if (g_strcmp0 (routes[i].path, path) == 0)
      return &routes[i];
  return NULL;
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  /* Chunked bodies have no length up front: count as they come, and stop
   * keeping them once they pass the limit. */
  if (body->length > CP_PORTAL_SERVER_MAX_BODY_SIZE)
    {
      soup_message_body_set_accumulate (body, FALSE);
      soup_message_body_truncate (body);
      g_object_set_data (G_OBJECT (msg), TOO_LARGE_KEY, GINT_TO_POINTER (TRUE));
    }
}

static void
early_handler_cb (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *length = soup_message_headers_get_one (headers, "Content-Length");

  /* libsoup 3.2 would go on to read a body of negative (or wrapped-around)
   * length and warn: a peer that sends this is not speaking HTTP, so hang up. */
  if (length != NULL && (*length == '\0' || strlen (length) > 15 ||
                         strspn (length, "0123456789") != strlen (length)))
    {
      g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);

      g_debug ("Dropping a connection with an invalid Content-Length");
      g_io_stream_close (stream, NULL, NULL);
      return;
    }

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > CP_PORTAL_SERVER_MAX_BODY_SIZE)
    {
      /* libsoup still reads the body after this; keep none of it. */
      soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
      respond_problem (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, NULL,
                       _("The request body is too large"));
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Connection", "close");
      return;
    }

  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), NULL);
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  CpPortalServer *self = CP_PORTAL_SERVER (user_data);
  const char *method = soup_server_message_get_method (msg);
  const Route *route;

  if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN) == FALSE)
    {
      /* The path is the client's: escape it so it cannot forge log lines. */
      g_autofree char *escaped = g_strescape (path, NULL);

      g_debug ("%s %s", method, escaped);
    }

  if (g_object_get_data (G_OBJECT (msg), TOO_LARGE_KEY) != NULL)
    {
      respond_problem (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, NULL,
                       _("The request body is too large"));
      return;
    }

  /* libsoup hands over the path already percent-decoded (and answers 400
   * itself for what it cannot decode): never decode it a second time. */
  if (!g_utf8_validate (path, -1, NULL))
    {
      respond_problem (msg, SOUP_STATUS_BAD_REQUEST, NULL, _("The request path is not valid"));
      return;
    }

  route = find_route (path);
  if (route == NULL && dispatch_area (self, msg, path, query))
    return;
  if (route == NULL)
    {
      respond_problem (msg, SOUP_STATUS_NOT_FOUND, NULL, _("There is nothing at this path"));
      return;
    }

  if (g_strcmp0 (method, SOUP_METHOD_GET) != 0 && g_strcmp0 (method, SOUP_METHOD_HEAD) != 0)
    {
      respond_problem (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL,
                       _("This method is not allowed here"));
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Allow", "GET, HEAD");
      return;
    }

  if (route->needs_auth)
    authenticate (self, msg, route, NULL);
  else
    route->handler (self, msg, NULL);
}

/* Area routes: patterns with {} segments, methods, user and device authentication */

static void
request_free (CpRequest *request)
{
  g_clear_object (&request->server);
  g_clear_object (&request->msg);
  g_clear_object (&request->db);
  g_clear_pointer (&request->query, g_hash_table_unref);
  g_clear_pointer (&request->params, g_ptr_array_unref);
  g_clear_pointer (&request->user, cp_server_user_free);
  g_clear_pointer (&request->body, json_node_unref);
  g_free ((char *) request->path);
  g_free (request->device_id);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpRequest, request_free)

void
cp_portal_server_add_routes (CpPortalServer *self,
                             const CpRoute  *routes,
                             gsize           n_routes)
{
  g_return_if_fail (CP_IS_PORTAL_SERVER (self));

  g_array_append_vals (self->area_routes, routes, n_routes);
}

const char *
cp_request_param (CpRequest *request,
                  guint      index)
{
  g_return_val_if_fail (index < request->params->len, NULL);
  return g_ptr_array_index (request->params, index);
}

const char *
cp_request_query (CpRequest  *request,
                  const char *name)
{
  return request->query ? g_hash_table_lookup (request->query, name) : NULL;
}

void
cp_request_problem (CpRequest  *request,
                    guint       status,
                    const char *type,
                    const char *detail)
{
  respond_problem (request->msg, status, type, detail);
}

void
cp_request_bytes (CpRequest  *request,
                  const char *content_type,
                  const char *data,
                  gsize       len,
                  const char *cache_control)
{
  respond_ok (request->msg, content_type, data, len, cache_control);
}

void
cp_request_json (CpRequest *request,
                 guint      status,
                 JsonNode  *node)
{
  g_autofree char *body = json_to_string (node, FALSE);

  /* Everything behind a sign-in differs per user or device. */
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                "Vary", "Authorization");
  if (status == SOUP_STATUS_OK)
    {
      respond_ok (request->msg, "application/json", body, strlen (body), "private, no-cache");
      return;
    }
  soup_server_message_set_status (request->msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_response (request->msg, "application/json", SOUP_MEMORY_COPY,
                                    body, strlen (body));
}

void
cp_request_no_content (CpRequest *request)
{
  soup_server_message_set_status (request->msg, SOUP_STATUS_NO_CONTENT, NULL);
}

/* Segment by segment; {} takes any one non-empty segment. */
static gboolean
match_pattern (const char *pattern,
               const char *path,
               GPtrArray  *params)
{
  g_auto(GStrv) want = g_strsplit (pattern, "/", -1);
  g_auto(GStrv) got = g_strsplit (path, "/", -1);
  guint i;

  if (g_strv_length (want) != g_strv_length (got))
    return FALSE;
  for (i = 0; want[i] != NULL; i++)
    {
      if (g_strcmp0 (want[i], "{}") == 0 && *got[i] != '\0')
        g_ptr_array_add (params, g_strdup (got[i]));
      else if (g_strcmp0 (want[i], got[i]) != 0)
        return FALSE;
    }
  return TRUE;
}

static gboolean
method_matches (const CpRoute *route,
                const char    *method)
{
  return g_strcmp0 (route->method, method) == 0 ||
         (g_strcmp0 (route->method, SOUP_METHOD_GET) == 0 &&
          g_strcmp0 (method, SOUP_METHOD_HEAD) == 0);
}

/* The route for this method, or NULL with @allow listing the methods the path has. */
static const CpRoute *
find_area_route (CpPortalServer  *self,
                 const char      *method,
                 const char      *path,
                 GPtrArray      **out_params,
                 GString         *allow)
{
  for (guint i = 0; i < self->area_routes->len; i++)
    {
      const CpRoute *route = &g_array_index (self->area_routes, CpRoute, i);
      g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);

      if (!match_pattern (route->pattern, path, params))
        continue;
      if (method_matches (route, method))
        {
          *out_params = g_steal_pointer (&params);
          return route;
        }
      g_string_append_printf (allow, "%s%s", allow->len ? ", " : "", route->method);
      if (g_strcmp0 (route->method, SOUP_METHOD_GET) == 0)
        g_string_append (allow, ", HEAD");
    }
  return NULL;
}

static gboolean
has_content_type (SoupServerMessage *msg,
                  const char        *wanted)
{
  const char *type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg),
                                                             NULL);

  return type != NULL && g_ascii_strcasecmp (type, wanted) == 0;
}

/* The request body as text: NULL and a 400 when it is not UTF-8. */
static char *
body_text (CpRequest *request)
{
  SoupMessageBody *body = soup_server_message_get_request_body (request->msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  if (data == NULL)
    return g_strdup ("");
  if (memchr (data, '\0', len) != NULL || !g_utf8_validate (data, len, NULL))
    {
      respond_problem (request->msg, SOUP_STATUS_BAD_REQUEST, NULL,
                       _("The request body is not valid text"));
      return NULL;
    }
  return g_strndup (data, len);
}

JsonNode *
cp_server_json_parse (const char *text,
                      gssize      length)
{
  if (text == NULL)
    return NULL;
  /* The caller answers with its own problem or error: not the core's text,
   * which speaks of what "the server sent". */
  return cp_json_parse (text, length < 0 ? strlen (text) : (gsize) length, NULL);
}

JsonObject *
cp_server_json_object_copy (JsonObject *object)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &member))
    json_object_set_member (copy, name, json_node_ref (member));
  return copy;
}

/* The JOSE parsers in the core library hand the header and payload to
 * json-glib as they are: check their nesting first (a deep header is
 * parsed before any signature is checked). */
static gboolean
compact_depth_ok (const char *compact)
{
  g_auto(GStrv) parts = g_strsplit (compact, ".", 4);

  for (guint i = 0; i < 2 && parts[i] != NULL; i++)
    {
      g_autoptr(GBytes) decoded = cp_base64url_decode (parts[i], NULL);
      gsize len;
      const char *data;

      if (decoded == NULL)
        continue;
      data = g_bytes_get_data (decoded, &len);
      if (data != NULL && !cp_json_prescan_ok (data, len))
        return FALSE;
    }
  return TRUE;
}

/* User requests with a body: application/json, parsed here once. */
static gboolean
read_json_body (CpRequest *request)
{
  g_autofree char *text = NULL;
  const char *method = soup_server_message_get_method (request->msg);

  if (g_strcmp0 (method, SOUP_METHOD_POST) != 0 && g_strcmp0 (method, "PATCH") != 0 &&
      g_strcmp0 (method, SOUP_METHOD_PUT) != 0)
    return TRUE;

  if (!has_content_type (request->msg, "application/json"))
    {
      respond_problem (request->msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, NULL,
                       _("The request body must be application/json"));
      return FALSE;
    }
  if ((text = body_text (request)) == NULL)
    return FALSE;
  if (!(request->body = cp_server_json_parse (text, -1)))
    {
      respond_problem (request->msg, SOUP_STATUS_BAD_REQUEST, NULL,
                       _("The request body is not valid JSON"));
      return FALSE;
    }
  return TRUE;
}

static void
run_area_request (CpRequest  *request,
                  JsonObject *claims)
{
  const CpRoute *route = g_object_get_data (G_OBJECT (request->msg), "cp-route");

  request->user = provision_user (request->server, request->msg, claims);
  if (request->user == NULL || !read_json_body (request))
    return;
  route->func (request);
}

static void
respond_device_refused (SoupServerMessage *msg,
                        const char        *detail)
{
  respond_problem (msg, SOUP_STATUS_UNAUTHORIZED,
                   "urn:company-portal:problem:invalid-device-signature", detail);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "WWW-Authenticate", "DeviceJWS realm=\"" REALM "\"");
}

/* The compact JWS of a device request: the body of a POST, the
 * "Authorization: DeviceJWS" header of a GET. */
static char *
find_device_jws (CpRequest *request)
{
  const char *method = soup_server_message_get_method (request->msg);
  const char *header;

  if (g_strcmp0 (method, SOUP_METHOD_GET) == 0 || g_strcmp0 (method, SOUP_METHOD_HEAD) == 0)
    {
      header = soup_message_headers_get_one (soup_server_message_get_request_headers (request->msg),
                                             "Authorization");
      if (header == NULL || g_ascii_strncasecmp (header, "DeviceJWS ", 10) != 0)
        return NULL;
      return g_strstrip (g_strdup (header + 10));
    }

  if (!has_content_type (request->msg, CP_DEVICE_REQUEST_CONTENT_TYPE))
    return NULL;
  return body_text (request);
}

static void
authenticate_device (CpRequest *request)
{
  const CpRoute *route = g_object_get_data (G_OBJECT (request->msg), "cp-route");
  const char *device_id = cp_request_param (request, 0);
  const char *method = soup_server_message_get_method (request->msg);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpJwk) key = NULL;
  g_autofree char *compact = NULL;
  g_autofree char *nonce = NULL;
  gboolean removed = FALSE;

  key = cp_server_devices_load_key (request->db, device_id, &removed, &error);
  if (key == NULL)
    {
      respond_problem (request->msg, error ? SOUP_STATUS_INTERNAL_SERVER_ERROR : SOUP_STATUS_NOT_FOUND,
                       NULL, error ? _("The server cannot read the device") : _("There is no such device"));
      return;
    }

  if ((compact = find_device_jws (request)) == NULL)
    {
      if (soup_server_message_get_status (request->msg) == 0)
        respond_device_refused (request->msg, _("This request must be signed with the device key"));
      return;
    }

  if (!compact_depth_ok (compact))
    {
      respond_device_refused (request->msg, _("The device request is malformed"));
      return;
    }

  /* A HEAD is signed as the GET it stands for. */
  if (g_strcmp0 (method, SOUP_METHOD_HEAD) == 0)
    method = SOUP_METHOD_GET;
  request->body = cp_device_request_verify (compact, key, device_id, method, request->path,
                                            request->now, &nonce, &error);
  if (request->body == NULL)
    {
      g_debug ("Refused a device request: %s", error->message);
      respond_device_refused (request->msg, error->message);
      return;
    }

  if (!cp_server_db_remember_nonce (request->db, nonce, request->now, &error))
    {
      g_debug ("Refused a device request: %s", error->message);
      if (g_error_matches (error, CP_ERROR, CP_ERROR_CONFLICT))
        respond_device_refused (request->msg, _("This device request was already received"));
      else
        respond_problem (request->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL,
                         _("The server cannot store the request"));
      return;
    }

  /* The agent deletes its key when it learns its device is gone. */
  if (removed)
    {
      respond_problem (request->msg, SOUP_STATUS_GONE, "urn:company-portal:problem:device-removed",
                       _("This device was removed from the organisation"));
      return;
    }

  request->device_id = g_strdup (device_id);
  route->func (request);
}

static gboolean
is_device_signed (SoupServerMessage *msg)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");

  if (header != NULL)
    return g_ascii_strncasecmp (header, "DeviceJWS ", 10) == 0;
  return has_content_type (msg, CP_DEVICE_REQUEST_CONTENT_TYPE);
}

/* TRUE when an area route took the request (and answered or will). */
static gboolean
dispatch_area (CpPortalServer    *self,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query)
{
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(GString) allow = g_string_new (NULL);
  g_autoptr(GPtrArray) params = NULL;
  g_autoptr(CpRequest) request = NULL;
  const CpRoute *route = find_area_route (self, method, path, &params, allow);

  if (route == NULL && allow->len == 0)
    return FALSE;
  if (route == NULL)
    {
      respond_problem (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL, _("This method is not allowed here"));
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow->str);
      return TRUE;
    }

  request = g_new0 (CpRequest, 1);
  request->server = g_object_ref (self);
  request->msg = g_object_ref (msg);
  request->db = g_object_ref (self->db);
  request->path = g_strdup (path);
  request->query = query ? g_hash_table_ref (query) : NULL;
  request->params = g_steal_pointer (&params);
  request->now = g_get_real_time () / G_USEC_PER_SEC;
  g_object_set_data (G_OBJECT (msg), "cp-route", (gpointer) route);

  if (route->auth == CP_ROUTE_DEVICE ||
      (route->auth == CP_ROUTE_USER_OR_DEVICE && is_device_signed (msg)))
    authenticate_device (request);
  else if (route->auth == CP_ROUTE_PUBLIC)
    route->func (request);
  else
    authenticate (self, msg, NULL, g_steal_pointer (&request));
  return TRUE;
}

/* GObject */

static void
cp_portal_server_dispose (GObject *object)
{
  CpPortalServer *self = CP_PORTAL_SERVER (object);

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_clear_object (&self->validator);
  g_clear_object (&self->db);
  g_clear_pointer (&self->area_routes, g_array_unref);

  G_OBJECT_CLASS (cp_portal_server_parent_class)->dispose (object);
}

static void
cp_portal_server_finalize (GObject *object)
{
  CpPortalServer *self = CP_PORTAL_SERVER (object);

  g_free (self->client_id);
  g_free (self->public_url);

  G_OBJECT_CLASS (cp_portal_server_parent_class)->finalize (object);
}

static void
cp_portal_server_class_init (CpPortalServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cp_portal_server_dispose;
  object_class->finalize = cp_portal_server_finalize;
}

static void
cp_portal_server_init (CpPortalServer *self)
{
  self->area_routes = g_array_new (FALSE, FALSE, sizeof (CpRoute));
}

CpPortalServer *
cp_portal_server_new (CpServerDb       *db,
                      CpTokenValidator *validator,
                      const char       *client_id,
                      const char       *public_url,
                      GTlsCertificate  *tls_certificate)
{
  CpPortalServer *self;

  g_return_val_if_fail (CP_IS_SERVER_DB (db), NULL);
  g_return_val_if_fail (CP_IS_TOKEN_VALIDATOR (validator), NULL);
  g_return_val_if_fail (client_id != NULL, NULL);

  self = g_object_new (CP_TYPE_PORTAL_SERVER, NULL);
  self->db = g_object_ref (db);
  self->validator = g_object_ref (validator);
  self->client_id = g_strdup (client_id);
  if (public_url != NULL)
    {
      self->public_url = g_strdup (public_url);
      while (g_str_has_suffix (self->public_url, "/"))
        self->public_url[strlen (self->public_url) - 1] = '\0';
    }

  self->https = tls_certificate != NULL;
  self->server = soup_server_new ("server-header", "company-portal-server/" PACKAGE_VERSION " ",
                                  "tls-certificate", tls_certificate,
                                  NULL);
  soup_server_add_early_handler (self->server, NULL, early_handler_cb, self, NULL);
  soup_server_add_handler (self->server, NULL, server_cb, self, NULL);

  cp_server_devices_register (self);
  cp_server_compliance_register (self);
  cp_server_catalog_register (self);

  return self;
}

gboolean
cp_portal_server_listen (CpPortalServer  *self,
                         GSocketAddress  *address,
                         GError         **error)
{
  SoupServerListenOptions options = 0;

  g_return_val_if_fail (CP_IS_PORTAL_SERVER (self), FALSE);

  if (self->https)
    options |= SOUP_SERVER_LISTEN_HTTPS;

  return soup_server_listen (self->server, address, options, error);
}

char *
cp_portal_server_get_url (CpPortalServer *self)
{
  GSList *uris;
  char *url = NULL;

  g_return_val_if_fail (CP_IS_PORTAL_SERVER (self), NULL);

  uris = soup_server_get_uris (self->server);
  if (uris != NULL)
    {
      GUri *uri = uris->data;

      url = g_uri_to_string_partial (uri, G_URI_HIDE_USERINFO);
      if (g_str_has_suffix (url, "/"))
        url[strlen (url) - 1] = '\0';
    }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return url;
}
