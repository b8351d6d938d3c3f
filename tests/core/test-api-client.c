/* test-api-client.c: CpApiClient against a real SoupServer on loopback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "company-portal.h"
#include "cp-test-util.h"

#define GOOD_TOKEN "tok-GOOD-5ecret"
#define STALE_TOKEN "tok-STALE-5ecret"
#define ORG_JSON \
  "{\"apiVersion\":\"1\",\"displayName\":\"Contoso\",\"logoUrl\":\"logo.png\"," \
  "\"accentColor\":\"#336699\",\"newMember\":[1,2,3]," \
  "\"identityProvider\":{\"issuer\":\"http://127.0.0.1:1/\",\"clientId\":\"company-portal\"," \
  "\"scopes\":[\"openid\"]}}"
#define USER_JSON "{\"id\":\"u-1\",\"displayName\":\"Ada\",\"mail\":\"ada@example.com\"}"

/* Everything logged while the tests run, to prove no token is ever logged. */
static GString *logged;

/* A token source -------------------------------------------------------- */

#define TEST_TYPE_TOKEN_SOURCE (test_token_source_get_type ())
G_DECLARE_FINAL_TYPE (TestTokenSource, test_token_source, TEST, TOKEN_SOURCE, GObject)

struct _TestTokenSource
{
  GObject parent_instance;

  GStrv tokens;             /* handed out in order; each invalidate moves on */
  guint current;
  guint gets;
  guint invalidates;
};

static void test_token_source_iface_init (CpTokenSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestTokenSource, test_token_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (CP_TYPE_TOKEN_SOURCE,
                                                      test_token_source_iface_init))

static void
test_token_source_get_async (CpTokenSource       *source,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  TestTokenSource *self = TEST_TOKEN_SOURCE (source);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  guint last = g_strv_length (self->tokens) - 1;

  self->gets++;
  /* Returned from an idle, as a real source that refreshes would. */
  g_task_return_pointer (task, g_strdup (self->tokens[MIN (self->current, last)]), g_free);
}

static char *
test_token_source_get_finish (CpTokenSource  *source,
                              GAsyncResult   *result,
                              GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_token_source_invalidate (CpTokenSource *source,
                              const char    *token)
{
  TestTokenSource *self = TEST_TOKEN_SOURCE (source);

  self->invalidates++;
  if (g_strcmp0 (token, self->tokens[MIN (self->current, g_strv_length (self->tokens) - 1)]) == 0)
    self->current++;
}

static void
test_token_source_iface_init (CpTokenSourceInterface *iface)
{
  iface->get_access_token_async = test_token_source_get_async;
  iface->get_access_token_finish = test_token_source_get_finish;
  iface->invalidate = test_token_source_invalidate;
}

static void
test_token_source_finalize (GObject *object)
{
  g_strfreev (TEST_TOKEN_SOURCE (object)->tokens);
  G_OBJECT_CLASS (test_token_source_parent_class)->finalize (object);
}

static void
test_token_source_class_init (TestTokenSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_token_source_finalize;
}

static void
test_token_source_init (TestTokenSource *self)
{
}

static TestTokenSource *
test_token_source_new (const char *first,
                       ...)
{
  TestTokenSource *self = g_object_new (TEST_TYPE_TOKEN_SOURCE, NULL);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  va_list args;

  va_start (args, first);
  for (const char *t = first; t != NULL; t = va_arg (args, const char *))
    g_strv_builder_add (builder, t);
  va_end (args);

  self->tokens = g_strv_builder_end (builder);
  return self;
}

/* The server ------------------------------------------------------------ */

typedef struct
{
  SoupServer *server;
  char *base;               /* http://127.0.0.1:<port> */
  SoupSession *session;
  GHashTable *hits;         /* path → number of requests */
  guint full_responses;     /* /etag and /sized answers that carried a body */
  char *last_authorization;
  char *last_content_type;
  char *last_body;
  GPtrArray *paused;
} Fixture;

static void
respond (SoupServerMessage *msg,
         guint              status,
         const char        *content_type,
         const char        *body)
{
  soup_server_message_set_status (msg, status, NULL);
  if (body != NULL)
    soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, body, strlen (body));
}

static void
respond_problem (SoupServerMessage *msg,
                 guint              status,
                 const char        *title,
                 const char        *detail)
{
  g_autofree char *body = g_strdup_printf ("{\"type\":\"about:blank\",\"title\":\"%s\","
                                           "\"status\":%u,\"detail\":\"%s\"}",
                                           title, status, detail);

  respond (msg, status, "application/problem+json", body);
}

static guint
count_hit (Fixture    *fixture,
           const char *path)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (fixture->hits, path)) + 1;

  g_hash_table_replace (fixture->hits, g_strdup (path), GUINT_TO_POINTER (n));
  return n;
}

static guint
hits (Fixture    *fixture,
      const char *path)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (fixture->hits, path));
}

static void
respond_rate_limited (SoupServerMessage *msg,
                      guint              hit,
                      const char        *retry_after)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  if (hit > 1)
    {
      respond (msg, 200, "application/json", "{\"ok\":true}");
      return;
    }

  soup_message_headers_replace (headers, "Retry-After", retry_after);
  respond_problem (msg, 429, "Too many requests", "Slow down");
}

static void
respond_etag (Fixture           *fixture,
              SoupServerMessage *msg)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *if_none_match = soup_message_headers_get_one (request, "If-None-Match");

  soup_message_headers_replace (response, "ETag", "\"v1\"");
  if (g_strcmp0 (if_none_match, "\"v1\"") == 0)
    {
      soup_server_message_set_status (msg, 304, NULL);
      return;
    }

  fixture->full_responses++;
  respond (msg, 200, "application/json", "{\"apps\":[\"vpn\",\"chat\"]}");
}

/* /v1/sized/<name>-<KiB>: a JSON body of about that size whose ETag is
 * its path, and 304 when the client already has it (held back until the
 * test lets it go when the name is "held"). */
static void
respond_sized (Fixture           *fixture,
               SoupServerMessage *msg,
               const char        *path)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  g_autofree char *etag = g_strdup_printf ("\"%s\"", path);
  const char *dash = strrchr (path, '-');
  gsize size = (gsize) g_ascii_strtoull (dash + 1, NULL, 10) * 1024;
  GString *body = g_string_sized_new (size + 64);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "ETag", etag);
  if (g_strcmp0 (soup_message_headers_get_one (request, "If-None-Match"), etag) == 0)
    {
      g_string_free (body, TRUE);
      soup_server_message_set_status (msg, 304, NULL);
      if (strstr (path, "/held-") != NULL)
        {
          g_ptr_array_add (fixture->paused, g_object_ref (msg));
          soup_server_message_pause (msg);
        }
      return;
    }

  fixture->full_responses++;
  g_string_append_printf (body, "{\"path\":\"%s\",\"pad\":\"", path);
  while (body->len < size)
    g_string_append_c (body, 'x');
  g_string_append (body, "\"}");
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    body->str, body->len);
  g_string_free (body, FALSE);
}

static void
respond_huge (SoupServerMessage *msg,
              gboolean           chunked)
{
  gsize size = 17 * 1024 * 1024;
  char *data = g_malloc (size);

  memset (data, ' ', size);
  data[0] = '[';
  data[size - 1] = ']';
  soup_server_message_set_status (msg, 200, NULL);
  if (chunked)
    {
      SoupMessageBody *body = soup_server_message_get_response_body (msg);

      soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                         SOUP_ENCODING_CHUNKED);
      soup_message_body_append (body, SOUP_MEMORY_TAKE, data, size);
      soup_message_body_complete (body);
    }
  else
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, data, size);
}

static void
respond_me (SoupServerMessage *msg,
            const char        *authorization)
{
  if (g_strcmp0 (authorization, "Bearer " GOOD_TOKEN) == 0)
    respond (msg, 200, "application/json", USER_JSON);
  else
    respond_problem (msg, 401, "Unauthorized", "The access token is not valid");
}

static void
record_request (Fixture           *fixture,
                SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  g_free (fixture->last_authorization);
  fixture->last_authorization = g_strdup (soup_message_headers_get_one (headers, "Authorization"));
  g_free (fixture->last_content_type);
  fixture->last_content_type = g_strdup (soup_message_headers_get_content_type (headers, NULL));
  g_free (fixture->last_body);
  fixture->last_body = body->length ? g_strndup (body->data, body->length) : NULL;
}

/* GET /v1/apps?limit=<KiB>: a catalog page of about that size with an
 * ETag, and 304 when the client already has it. */
static void
respond_apps (Fixture           *fixture,
              SoupServerMessage *msg,
              GHashTable        *query)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  const char *limit = query != NULL ? g_hash_table_lookup (query, "limit") : NULL;
  gsize size = (gsize) g_ascii_strtoull (limit != NULL ? limit : "1", NULL, 10) * 1024;
  g_autofree char *etag = g_strdup_printf ("\"apps-%s\"", limit != NULL ? limit : "1");
  GString *body = g_string_new ("{\"items\":[");

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "ETag", etag);
  if (g_strcmp0 (soup_message_headers_get_one (request, "If-None-Match"), etag) == 0)
    {
      g_string_free (body, TRUE);
      soup_server_message_set_status (msg, 304, NULL);
      return;
    }

  for (guint i = 0; body->len < size; i++)
    g_string_append_printf (body, "%s{\"id\":\"app%u\",\"name\":\"App %u\",\"license\":\"MIT\"}",
                            i > 0 ? "," : "", i, i);
  g_string_append (body, "]}");
  fixture->full_responses++;
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    body->str, body->len);
  g_string_free (body, FALSE);
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Fixture *fixture = user_data;
  guint hit = count_hit (fixture, path);

  record_request (fixture, msg);

  if (g_str_equal (path, "/good/.well-known/company-portal"))
    respond (msg, 200, "application/json", ORG_JSON);
  else if (g_str_equal (path, "/malformed/.well-known/company-portal"))
    respond (msg, 200, "application/json", "{\"apiVersion\":\"1\",\"displayName\":");
  else if (g_str_equal (path, "/wrongtypes/.well-known/company-portal"))
    respond (msg, 200, "application/json", "{\"apiVersion\":\"1\",\"displayName\":5}");
  else if (g_str_equal (path, "/noissuer/.well-known/company-portal"))
    respond (msg, 200, "application/json",
             "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"identityProvider\":"
             "{\"clientId\":\"c\",\"scopes\":[]}}");
  else if (g_str_equal (path, "/broken/.well-known/company-portal"))
    respond_problem (msg, 500, "Database unavailable", "The catalog database is being migrated");
  else if (g_str_equal (path, "/v1/me"))
    respond_me (msg, fixture->last_authorization);
  else if (g_str_equal (path, "/v1/rate-limited"))
    respond_rate_limited (msg, hit, "1");
  else if (g_str_equal (path, "/v1/rate-limited-date"))
    respond_rate_limited (msg, hit, "Sun, 06 Nov 1994 08:49:37 GMT");
  else if (g_str_equal (path, "/v1/always-limited"))
    respond_rate_limited (msg, 1, "0");
  else if (g_str_equal (path, "/v1/busy"))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "120");
      respond (msg, 503, NULL, NULL);
    }
  else if (g_str_equal (path, "/v1/etag"))
    respond_etag (fixture, msg);
  else if (g_str_equal (path, "/v1/apps"))
    respond_apps (fixture, msg, query);
  else if (g_str_has_prefix (path, "/v1/sized/") && strchr (path, '-') != NULL)
    respond_sized (fixture, msg, path);
  else if (g_str_equal (path, "/v1/hang"))
    {
      g_ptr_array_add (fixture->paused, g_object_ref (msg));
      soup_server_message_pause (msg);
    }
  else if (g_str_equal (path, "/v1/huge"))
    respond_huge (msg, FALSE);
  else if (g_str_equal (path, "/v1/huge-chunked"))
    respond_huge (msg, TRUE);
  else if (g_str_equal (path, "/v1/deep"))
    {
      /* Deep enough to overflow a recursive parser's stack. */
      gsize depth = 500000;
      char *body = g_malloc (2 * depth);

      memset (body, '[', depth);
      memset (body + depth, ']', depth);
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, 2 * depth);
    }
  else if (g_str_equal (path, "/v1/empty"))
    respond (msg, 204, NULL, NULL);
  else if (g_str_equal (path, "/v1/echo"))
    respond (msg, 200, "application/json", fixture->last_body);
  else if (g_str_equal (path, "/v1/redirect"))
    {
      soup_server_message_set_redirect (msg, 302, "http://127.0.0.1:1/v1/me");
    }
  else if (g_str_has_prefix (path, "/v1/status/"))
    {
      guint status = (guint) g_ascii_strtoull (path + strlen ("/v1/status/"), NULL, 10);

      respond (msg, status, "text/plain", "no problem+json here");
    }
  else
    respond_problem (msg, 404, "Not found", path);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->hits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fixture->paused = g_ptr_array_new_with_free_func (g_object_unref);
  fixture->server = cp_test_start_server (NULL, server_cb, fixture, &fixture->base);

  fixture->session = soup_session_new ();
}

/* A session lets go of its TLS connections from the main loop. */
static void
finalize_session (SoupSession *session)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  soup_session_abort (session);
  g_object_add_weak_pointer (G_OBJECT (session), (gpointer *) &session);
  g_object_unref (session);
  while (session != NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);

  g_assert_null (session);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  for (guint i = 0; i < fixture->paused->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (fixture->paused, i);

      soup_server_message_set_status (msg, 503, NULL);
      soup_server_message_unpause (msg);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;

  finalize_session (fixture->session);
  soup_server_disconnect (fixture->server);
  g_assert_finalize_object (fixture->server);
  g_ptr_array_unref (fixture->paused);
  g_hash_table_unref (fixture->hits);
  g_free (fixture->base);
  g_free (fixture->last_authorization);
  g_free (fixture->last_content_type);
  g_free (fixture->last_body);
}

/* Helpers --------------------------------------------------------------- */

static void
store_result_cb (GObject      *object,
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

static CpApiClient *
client_for (Fixture    *fixture,
            const char *prefix)
{
  g_autofree char *url = g_strconcat (fixture->base, prefix, NULL);

  return cp_api_client_new (fixture->session, url);
}

static JsonNode *
request (CpApiClient   *client,
         const char    *method,
         const char    *path,
         JsonNode      *body,
         GCancellable  *cancellable,
         guint         *out_retry_after,
         GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cp_api_client_request_async (client, method, path, body, cancellable, store_result_cb, &result);
  wait_for (&result);
  if (out_retry_after != NULL)
    *out_retry_after = cp_api_client_get_retry_after (client, result);

  return cp_api_client_request_finish (client, result, error);
}

static CpOrganization *
get_organization (CpApiClient  *client,
                  GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cp_api_client_get_organization_async (client, NULL, store_result_cb, &result);
  return cp_api_client_get_organization_finish (client, wait_for (&result), error);
}

static CpUser *
get_me (CpApiClient  *client,
        GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cp_api_client_get_me_async (client, NULL, store_result_cb, &result);
  return cp_api_client_get_me_finish (client, wait_for (&result), error);
}

static void
assert_message_contains (const GError *error,
                         const char   *text)
{
  g_assert_nonnull (error);
  if (strstr (error->message, text) == NULL)
    g_error ("“%s” does not contain “%s”", error->message, text);
}

/* Tests ----------------------------------------------------------------- */

static void
test_normalize (void)
{
  const struct { const char *in; const char *out; } good[] = {
    { "portal.example.com", "https://portal.example.com" },
    { "  portal.example.com/  ", "https://portal.example.com" },
    { "portal.example.com:8443", "https://portal.example.com:8443" },
    { "HTTPS://portal.example.com/cp//", "https://portal.example.com/cp" },
    { "https://portal.example.com:443/", "https://portal.example.com" },
    { "http://127.0.0.1:8080/", "http://127.0.0.1:8080" },
    { "http://127.1.2.3", "http://127.1.2.3" },
    { "http://localhost:8080", "http://localhost:8080" },
    { "http://[::1]:8080", "http://[::1]:8080" },
  };
  const char *bad[] = {
    "", "   ", "http://portal.example.com", "http://10.0.0.1", "http://[::2]",
    "ftp://portal.example.com", "https://user:pw@portal.example.com",
    "https://portal.example.com/?x=1", "https://portal.example.com/#frag",
    "https://", "portal example com", "file:///etc/passwd",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = cp_api_client_normalize_server_url (good[i].in, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (url, ==, good[i].out);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = cp_api_client_normalize_server_url (bad[i], &error);

      g_test_message ("rejecting “%s”", bad[i]);
      g_assert_null (url);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT);
    }
}

static void
test_plain_http_rejected (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CpApiClient *client = cp_api_client_new (fixture->session, "http://portal.example.com");
  g_autoptr(CpOrganization) org = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_assert_null (cp_api_client_get_server_url (client));

  org = get_organization (client, &error);
  g_assert_null (org);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT);
  assert_message_contains (error, "https://");
  g_clear_error (&error);

  node = request (client, "GET", "/v1/me", NULL, NULL, NULL, &error);
  g_assert_null (node);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT);

  /* An apiBaseUrl that would send tokens over plain http is refused too. */
  g_clear_object (&client);
  client = client_for (fixture, "");
  cp_api_client_set_api_base_url (client, "http://api.example.com");
  g_clear_error (&error);
  node = request (client, "GET", "/v1/me", NULL, NULL, NULL, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT);
  g_assert_cmpuint (hits (fixture, "/v1/me"), ==, 0);

  g_assert_finalize_object (client);
}

static void
test_organization_good (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CpApiClient *client = client_for (fixture, "/good/");
  TestTokenSource *source = test_token_source_new (GOOD_TOKEN, NULL);
  g_autofree char *server_url = g_strconcat (fixture->base, "/good", NULL);
  g_autofree char *logo_url = g_strconcat (fixture->base, "/good/logo.png", NULL);
  CpOrganization *org;

  cp_api_client_set_token_source (client, CP_TOKEN_SOURCE (source));
  g_assert_cmpstr (cp_api_client_get_server_url (client), ==, server_url);
  g_assert_cmpstr (cp_api_client_get_api_base_url (client), ==, server_url);

  org = get_organization (client, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cp_organization_get_display_name (org), ==, "Contoso");
  g_assert_cmpstr (cp_organization_get_logo_url (org), ==, logo_url);
  g_assert_cmpstr (cp_organization_get_accent_color (org), ==, "#336699");
  g_assert_cmpstr (cp_organization_get_issuer (org), ==, "http://127.0.0.1:1/");
  g_assert_cmpstr (cp_organization_get_api_base_url (org), ==, server_url);
  g_assert_cmpstr (cp_api_client_get_api_base_url (client), ==, server_url);

  /* Discovery happens before sign-in: it never carries a token. */
  g_assert_cmpuint (source->gets, ==, 0);
  g_assert_null (fixture->last_authorization);

  g_assert_finalize_object (org);
  g_assert_finalize_object (client);
  g_assert_finalize_object (source);
}

static void
test_organization_bad (Fixture       *fixture,
                       gconstpointer  data)
{
  const struct { const char *prefix; CpError code; const char *text; } cases[] = {
    { "/malformed", CP_ERROR_INVALID_DATA, "JSON" },
    { "/wrongtypes", CP_ERROR_INVALID_DATA, "displayName" },
    { "/noissuer", CP_ERROR_INVALID_DATA, "issuer" },
    { "/broken", CP_ERROR_SERVER, "Database unavailable: The catalog database is being migrated" },
    { "/missing", CP_ERROR_NOT_FOUND, "Not found" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      CpApiClient *client = client_for (fixture, cases[i].prefix);
      g_autoptr(CpOrganization) org = get_organization (client, &error);

      g_test_message ("%s: %s", cases[i].prefix, error ? error->message : "no error");
      g_assert_null (org);
      g_assert_error (error, CP_ERROR, (gint) cases[i].code);
      assert_message_contains (error, cases[i].text);
      g_assert_finalize_object (client);
    }
}

static void
test_me_with_token (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CpApiClient *client = client_for (fixture, "");
  TestTokenSource *source = test_token_source_new (GOOD_TOKEN, NULL);
  CpUser *user;

  cp_api_client_set_token_source (client, CP_TOKEN_SOURCE (source));
  user = get_me (client, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cp_user_get_id (user), ==, "u-1");
  g_assert_cmpstr (cp_user_get_email (user), ==, "ada@example.com");
  g_assert_cmpstr (fixture->last_authorization, ==, "Bearer " GOOD_TOKEN);
  g_assert_cmpuint (source->gets, ==, 1);
  g_assert_cmpuint (source->invalidates, ==, 0);

  g_assert_finalize_object (user);
  g_assert_finalize_object (client);
  g_assert_finalize_object (source);
}

static void
test_401_then_fresh_token (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CpApiClient *client = client_for (fixture, "");
  TestTokenSource *source = test_token_source_new (STALE_TOKEN, GOOD_TOKEN, NULL);
  CpUser *user;

  cp_api_client_set_token_source (client, CP_TOKEN_SOURCE (source));
  user = get_me (client, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cp_user_get_display_name (user), ==, "Ada");
  g_assert_cmpuint (hits (fixture, "/v1/me"), ==, 2);
  g_assert_cmpuint (source->gets, ==, 2);
  g_assert_cmpuint (source->invalidates, ==, 1);
  g_assert_cmpuint (source->current, ==, 1);

  g_assert_finalize_object (user);
  g_assert_finalize_object (client);
  g_assert_finalize_object (source);
}

static void
test_401_twice (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CpApiClient *client = client_for (fixture, "");
  TestTokenSource *source = test_token_source_new (STALE_TOKEN, "tok-ALSO-STALE", "tok-NEVER-USED", NULL);
  g_autoptr(CpUser) user = NULL;

  cp_api_client_set_token_source (client, CP_TOKEN_SOURCE (source));
  user = get_me (client, &error);
  g_assert_null (user);
  g_assert_error (error, CP_ERROR, CP_ERROR_AUTH_REQUIRED);
  assert_message_contains (error, "The access token is not valid");
  /* Exactly one retry, and neither refused token is handed out again. */
  g_assert_cmpuint (hits (fixture, "/v1/me"), ==, 2);
  g_assert_cmpuint (source->gets, ==, 2);
  g_assert_cmpuint (source->invalidates, ==, 2);
  g_assert_cmpuint (source->current, ==, 2);

  g_assert_finalize_object (client);
  g_assert_finalize_object (source);
}

static void
test_401_without_token_source (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CpApiClient *client = client_for (fixture, "");
  g_autoptr(CpUser) user = get_me (client, &error);

  g_assert_error (error, CP_ERROR, CP_ERROR_AUTH_REQUIRED);
  g_assert_cmpuint (hits (fixture, "/v1/me"), ==, 1);
  g_assert_null (fixture->last_authorization);
  g_assert_finalize_object (client);
}

static void
test_rate_limited_get_retried (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CpApiClient *client = client_for (fixture, "");
  g_autoptr(JsonNode) node = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  node = request (client, "GET", "/v1/rate-limited", NULL, NULL, NULL, &error);
  elapsed = g_get_monotonic_time () - start;
  g_assert_no_error (error);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (node), "ok"));
  g_assert_cmpuint (hits (fixture, "/v1/rate-limited"), ==, 2);
  g_assert_cmpint (elapsed, >=, 900 * 1000);
  g_assert_cmpint (elapsed, <, 5 * G_USEC_PER_SEC);

  /* An HTTP-date in the past means "now". */
  g_clear_pointer (&node, json_node_unref);
  start = g_get_monotonic_time ();
  node = request (client, "GET", "/v1/rate-limited-date", NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits (fixture, "/v1/rate-limited-date"), ==, 2);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 900 * 1000);

  g_assert_finalize_object (client);
}

static void
test_rate_limited_post_not_retried (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CpApiClient *client = client_for (fixture, "");
  g_autoptr(JsonNode) body = json_from_string ("{\"name\":\"x\"}", NULL);
  g_autoptr(JsonNode) node = NULL;
  guint retry_after = 0;

  node = request (client, "POST", "/v1/rate-limited", body, NULL, &retry_after, &error);
  g_assert_null (node);
  g_assert_error (error, CP_ERROR, CP_ERROR_RATE_LIMITED);
  assert_message_contains (error, "Too many requests: Slow down");
  assert_message_contains (error, "1 second");
  g_assert_cmpuint (retry_after, ==, 1);
  g_assert_cmpuint (hits (fixture, "/v1/rate-limited"), ==, 1);

  g_assert_finalize_object (client);
}

static void
test_rate_limit_retries_bounded (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CpApiClient *client = client_for (fixture, "");
  g_autoptr(JsonNode) node = NULL;

  node = request (client, "PUT", "/v1/always-limited", NULL, NULL, NULL, &error);
  g_assert_null (node);
  g_assert_error (error, CP_ERROR, CP_ERROR_RATE_LIMITED);
  /* The first try and three retries, then the caller hears about it. */
  g_assert_cmpuint (hits (fixture, "/v1/always-limited"), ==, 4);

  g_assert_finalize_object (client);
}

static void
test_retry_after_too_long (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CpApiClient *client = client_for (fixture, "");
  g_autoptr(JsonNode) node = NULL;
  guint retry_after = 0;

  /* Waiting two minutes inside a request helps nobody: fail with the hint. */
  node = request (client, "GET", "/v1/busy", NULL, NULL, &retry_after, &error);
  g_assert_error (error, CP_ERROR, CP_ERROR_SERVER);
  g_assert_cmpuint (retry_after, ==, 120);
  g_assert_cmpuint (hits (fixture, "/v1/busy"), ==, 1);

  g_assert_finalize_object (client);
}

static void
test_etag_revalidation (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CpApiClient *client = client_for (fixture, "");
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(JsonNode) third = NULL;
  TestTokenSource *source;

  first = request (client, "GET", "/v1/etag", NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  second = request (client, "GET", "/v1/etag", NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (hits (fixture, "/v1/etag"), ==, 2);
  g_assert_cmpuint (fixture->full_responses, ==, 1);
  g_assert_true (json_node_equal (first, second));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_node_get_object (second), "apps")), ==, 2);

  /* Only GET revalidates: a DELETE goes through in full. */
  third = request (client, "DELETE", "/v1/etag", NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->full_responses, ==, 2);

  /* Another sign-in starts with an empty cache. */
  g_clear_pointer (&third, json_node_unref);
  source = test_token_source_new (GOOD_TOKEN, NULL);
  cp_api_client_set_token_source (client, CP_TOKEN_SOURCE (source));
  third = request (client, "GET", "/v1/etag", NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->full_responses, ==, 3);
  g_assert_true (json_node_equal (first, third));

  g_assert_finalize_object (client);
  g_assert_finalize_object (source);
}

/* Whether a GET of @path came back in full (not revalidated by a 304),
 * after checking that it came back with its own body. */
static gboolean
get_was_full (Fixture     *fixture,
              CpApiClient *client,
              const char  *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint before = fixture->full_responses;

  node = request (client, "GET", path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "path"), ==, path);
  return fixture->full_responses > before;
}

/* cp-api-client.c budgets 4 MiB of parsed JSON, estimated at 10 bytes per
 * byte of body: about 410 KiB of body in all. */
static void
test_etag_cache_bounded (Fixture       *fixture,
                         gconstpointer  data)
{
  CpApiClient *client = client_for (fixture, "");

  /* A response larger than the whole budget is not kept, and it does not
   * push out what is. */
  g_assert_true (get_was_full (fixture, client, "/v1/sized/small-1"));
  g_assert_true (get_was_full (fixture, client, "/v1/sized/big-600"));
  g_assert_true (get_was_full (fixture, client, "/v1/sized/big-600"));
  g_assert_false (get_was_full (fixture, client, "/v1/sized/small-1"));

  /* Three of these do not fit together: the least recently used one goes,
   * and a revalidation counts as a use. */
  g_assert_true (get_was_full (fixture, client, "/v1/sized/a-150"));
  g_assert_true (get_was_full (fixture, client, "/v1/sized/b-150"));
  g_assert_false (get_was_full (fixture, client, "/v1/sized/a-150"));
  g_assert_true (get_was_full (fixture, client, "/v1/sized/c-150"));
  g_assert_false (get_was_full (fixture, client, "/v1/sized/a-150"));
  g_assert_false (get_was_full (fixture, client, "/v1/sized/c-150"));
  g_assert_true (get_was_full (fixture, client, "/v1/sized/b-150"));

  g_assert_finalize_object (client);
}

/* A 304 answers with what was revalidated even if the cache let it go
 * while the request was on the wire. */
static void
test_etag_evicted_in_flight (Fixture       *fixture,
                             gconstpointer  data)
{
  CpApiClient *client = client_for (fixture, "");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  SoupServerMessage *held;

  g_assert_true (get_was_full (fixture, client, "/v1/sized/held-150"));
  cp_api_client_request_async (client, "GET", "/v1/sized/held-150", NULL, NULL,
                               store_result_cb, &result);
  while (fixture->paused->len == 0)
    g_main_context_iteration (NULL, TRUE);

  /* These two push the held response's entry out. */
  g_assert_true (get_was_full (fixture, client, "/v1/sized/a-150"));
  g_assert_true (get_was_full (fixture, client, "/v1/sized/b-150"));

  held = g_ptr_array_steal_index (fixture->paused, 0);
  soup_server_message_unpause (held);
  g_object_unref (held);
  node = cp_api_client_request_finish (client, wait_for (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "path"), ==,
                   "/v1/sized/held-150");
  g_assert_true (get_was_full (fixture, client, "/v1/sized/held-150"));

  g_clear_object (&result);
  g_assert_finalize_object (client);
}

/* list-apps: the body as it came, revalidated with its ETag. */
static GBytes *
list_apps (Fixture      *fixture,
           CpApiClient  *client,
           guint         kib,
           gboolean     *out_full)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint before = fixture->full_responses;
  GBytes *page;

  cp_api_client_list_apps_async (client, NULL, NULL, NULL, kib, NULL, store_result_cb, &result);
  page = cp_api_client_list_apps_finish (client, wait_for (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (page);
  *out_full = fixture->full_responses > before;
  return page;
}

/* Catalog pages are kept as their bytes (shared, not copied) and cost
 * their size: pages too large as JSON trees are revalidated, a page over
 * the whole budget is not kept, and a generic request to the same URL is
 * not answered with bytes. */
static void
test_list_apps_raw (Fixture       *fixture,
                    gconstpointer  data)
{
  CpApiClient *client = client_for (fixture, "");
  g_autoptr(CpAppCatalog) catalog = cp_app_catalog_new ();
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  g_autoptr(GBytes) big = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) error = NULL;
  gboolean full;

  first = list_apps (fixture, client, 2, &full);
  g_assert_true (full);
  second = list_apps (fixture, client, 2, &full);
  g_assert_false (full);
  g_assert_true (first == second);
  g_assert_true (cp_app_catalog_add_page (catalog, second, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (catalog)), >, 10);

  /* 1.5 MiB: 15 MiB as a tree, over the 4 MiB budget; as bytes it fits. */
  big = list_apps (fixture, client, 1536, &full);
  g_assert_true (full);
  g_clear_pointer (&big, g_bytes_unref);
  big = list_apps (fixture, client, 1536, &full);
  g_assert_false (full);
  g_assert_true (cp_app_catalog_add_page (catalog, big, NULL, &error));

  /* 5 MiB is over the budget: never kept. */
  again = list_apps (fixture, client, 5120, &full);
  g_assert_true (full);
  g_clear_pointer (&again, g_bytes_unref);
  again = list_apps (fixture, client, 5120, &full);
  g_assert_true (full);

  /* The generic call wants JSON: the cached bytes do not answer it. */
  {
    g_autoptr(JsonNode) node = request (client, "GET", "/v1/apps?limit=2", NULL, NULL, NULL, &error);

    g_assert_no_error (error);
    g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
    g_assert_cmpuint (fixture->full_responses, ==, 5);
  }

  g_assert_finalize_object (client);
}

/* A list whose pages do not all fit in the budget is not kept at all:
 * least recently used would only ever keep the pages a reload asks for
 * last. Pages of 1.5 MiB: two fit, the third does not. */
static void
test_list_apps_overflow (Fixture       *fixture,
                         gconstpointer  data)
{
  CpApiClient *client = client_for (fixture, "");
  const guint pages[] = { 1536, 1537, 1538 };
  gboolean full;

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autoptr(GBytes) page = list_apps (fixture, client, pages[i], &full);
      g_assert_true (full);
    }
  /* Least recently used would have kept the last two; nothing is kept,
   * not even a page that would fit on its own. */
  for (guint i = G_N_ELEMENTS (pages); i > 0; i--)
    {
      g_autoptr(GBytes) page = list_apps (fixture, client, pages[i - 1], &full);
      g_assert_nonnull (page);
      g_assert_true (full);
    }
  g_assert_cmpuint (fixture->full_responses, ==, 6);
  /* Other requests are still cached. */
  g_assert_true (get_was_full (fixture, client, "/v1/sized/small-2"));
  g_assert_false (get_was_full (fixture, client, "/v1/sized/small-2"));

  g_assert_finalize_object (client);
}

static void
test_timeout (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CpApiClient *client = client_for (fixture, "");
  g_autoptr(JsonNode) node = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  g_assert_cmpuint (cp_api_client_get_timeout (client), ==, 30);
  cp_api_client_set_timeout (client, 1);
  node = request (client, "GET", "/v1/hang", NULL, NULL, NULL, &error);
  elapsed = g_get_monotonic_time () - start;

  g_assert_null (node);
  g_assert_error (error, CP_ERROR, CP_ERROR_TIMED_OUT);
  g_assert_cmpuint (hits (fixture, "/v1/hang"), ==, 1);
  g_assert_cmpint (elapsed, >=, 900 * 1000);
  g_assert_cmpint (elapsed, <, 5 * G_USEC_PER_SEC);

  g_assert_finalize_object (client);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  CpApiClient *client = client_for (fixture, "");
  g_autoptr(JsonNode) node = NULL;
  gint64 start = g_get_monotonic_time ();

  /* Cancelled while the server hangs. */
  g_timeout_add (100, cancel_cb, cancellable);
  node = request (client, "GET", "/v1/hang", NULL, cancellable, NULL, &error);
  g_assert_null (node);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

  /* Cancelled before it starts: nothing reaches the server. */
  g_clear_error (&error);
  node = request (client, "GET", "/v1/empty", NULL, cancellable, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (hits (fixture, "/v1/empty"), ==, 0);

  g_assert_finalize_object (client);
}

static void
test_cancel_during_retry_wait (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  CpApiClient *client = client_for (fixture, "");
  g_autoptr(JsonNode) node = NULL;
  gint64 start = g_get_monotonic_time ();

  g_timeout_add (200, cancel_cb, cancellable);
  node = request (client, "GET", "/v1/rate-limited", NULL, cancellable, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 900 * 1000);
  g_assert_cmpuint (hits (fixture, "/v1/rate-limited"), ==, 1);

  g_assert_finalize_object (client);
}

static void
test_connection_refused (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GInetSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  CpApiClient *client;
  g_autoptr(CpOrganization) org = NULL;

  /* A port that was free a moment ago and has no listener now. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = G_INET_SOCKET_ADDRESS (g_socket_get_local_address (socket, &error));
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u", g_inet_socket_address_get_port (bound));
  g_socket_close (socket, NULL);

  client = cp_api_client_new (fixture->session, url);
  org = get_organization (client, &error);
  g_assert_null (org);
  g_assert_error (error, CP_ERROR, CP_ERROR_NETWORK);
  assert_message_contains (error, "127.0.0.1");

  g_assert_finalize_object (client);
}

static void
test_status_codes (Fixture       *fixture,
                   gconstpointer  data)
{
  const struct { guint status; CpError code; } cases[] = {
    { 400, CP_ERROR_INVALID_INPUT },
    { 403, CP_ERROR_FORBIDDEN },
    { 404, CP_ERROR_NOT_FOUND },
    { 409, CP_ERROR_CONFLICT },
    { 418, CP_ERROR_FAILED },
    { 500, CP_ERROR_SERVER },
    { 502, CP_ERROR_SERVER },
  };
  CpApiClient *client = client_for (fixture, "");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = g_strdup_printf ("/v1/status/%u", cases[i].status);
      g_autoptr(JsonNode) node = request (client, "GET", path, NULL, NULL, NULL, &error);

      g_test_message ("%u: %s", cases[i].status, error ? error->message : "no error");
      g_assert_null (node);
      g_assert_error (error, CP_ERROR, (gint) cases[i].code);
      /* A body that is not problem+json is never shown to the user. */
      g_assert_null (strstr (error->message, "no problem+json here"));
    }

  g_assert_finalize_object (client);
}

static void
test_redirect_not_followed (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CpApiClient *client = client_for (fixture, "");
  g_autoptr(JsonNode) node = request (client, "GET", "/v1/redirect", NULL, NULL, NULL, &error);

  g_assert_error (error, CP_ERROR, CP_ERROR_FAILED);
  g_assert_finalize_object (client);
}

static void
test_body_limit (Fixture       *fixture,
                 gconstpointer  data)
{
  const char *paths[] = { "/v1/huge", "/v1/huge-chunked" };
  CpApiClient *client = client_for (fixture, "");
  g_autoptr(GError) deep_error = NULL;
  g_autoptr(JsonNode) deep = request (client, "GET", "/v1/deep", NULL, NULL, NULL, &deep_error);

  g_assert_null (deep);
  g_assert_error (deep_error, CP_ERROR, CP_ERROR_INVALID_DATA);

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = request (client, "GET", paths[i], NULL, NULL, NULL, &error);

      g_assert_null (node);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
      assert_message_contains (error, "too large");
    }

  g_assert_finalize_object (client);
}

static void
test_body_and_empty (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CpApiClient *client = client_for (fixture, "");
  g_autoptr(JsonNode) body = json_from_string ("{\"deviceName\":\"laptop\",\"n\":3}", NULL);
  g_autoptr(JsonNode) echoed = NULL;
  g_autoptr(JsonNode) empty = NULL;

  echoed = request (client, "PATCH", "/v1/echo", body, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fixture->last_content_type, ==, "application/json");
  g_assert_true (json_node_equal (body, echoed));

  empty = request (client, "DELETE", "/v1/empty", NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (empty);

  g_assert_finalize_object (client);
}

/* A self-signed certificate for 127.0.0.1, made fresh for each run. */
static char *
make_self_signed_pem (void)
{
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t crt;
  gnutls_datum_t cert_pem = { NULL, 0 }, key_pem = { NULL, 0 };
  const guint8 ip[] = { 127, 0, 0, 1 };
  const guint8 serial[] = { 0x01, 0x23 };
  time_t now = time (NULL);
  char *pem;

  g_assert_cmpint (gnutls_x509_privkey_init (&key), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                                 GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_init (&crt), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_version (crt, 3), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_activation_time (crt, now - 3600), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_expiration_time (crt, now + 3600), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                                  "127.0.0.1", strlen ("127.0.0.1")), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS, ip, sizeof ip,
                                                         GNUTLS_FSAN_SET), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_basic_constraints (crt, 1, -1), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_key (crt, key), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &cert_pem), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_export2 (key, GNUTLS_X509_FMT_PEM, &key_pem), ==, 0);

  pem = g_strdup_printf ("%.*s%.*s", (int) cert_pem.size, cert_pem.data,
                         (int) key_pem.size, key_pem.data);
  gnutls_free (cert_pem.data);
  gnutls_free (key_pem.data);
  gnutls_x509_crt_deinit (crt);
  gnutls_x509_privkey_deinit (key);
  return pem;
}

static void
test_untrusted_certificate (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pem = make_self_signed_pem ();
  g_autofree char *anchors = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GTlsCertificate) certificate = g_tls_certificate_new_from_pem (pem, -1, &error);
  g_autoptr(GTlsDatabase) database = NULL;
  SoupServer *server;
  SoupSession *session;
  CpApiClient *client;
  g_autoptr(CpOrganization) org = NULL;
  Fixture fixture = { 0 };
  GSList *uris;
  int fd;

  g_assert_no_error (error);
  fixture.hits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (server, NULL, server_cb, &fixture, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("https://127.0.0.1:%d/good", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  /* The system trust store does not know this certificate: refused. */
  session = soup_session_new ();
  client = cp_api_client_new (session, url);
  org = get_organization (client, &error);
  g_assert_null (org);
  g_assert_error (error, CP_ERROR, CP_ERROR_TLS);
  g_assert_cmpuint (hits (&fixture, "/good/.well-known/company-portal"), ==, 0);
  g_clear_error (&error);
  g_assert_finalize_object (client);
  finalize_session (session);

  /* The same server with the certificate as trust anchor works, so the
   * refusal above was about trust and nothing else. */
  fd = g_file_open_tmp ("cp-test-anchor-XXXXXX.pem", &anchors, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (anchors, pem, -1, &error);
  g_assert_no_error (error);
  database = g_tls_file_database_new (anchors, &error);
  g_assert_no_error (error);
  session = soup_session_new_with_options ("tls-database", database, NULL);
  client = cp_api_client_new (session, url);
  org = get_organization (client, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cp_organization_get_display_name (org), ==, "Contoso");
  g_assert_finalize_object (client);
  finalize_session (session);

  g_unlink (anchors);
  soup_server_disconnect (server);
  g_assert_finalize_object (server);
  g_hash_table_unref (fixture.hits);
  g_free (fixture.last_authorization);
  g_free (fixture.last_content_type);
  g_free (fixture.last_body);
}

static void
test_nothing_secret_logged (void)
{
  g_assert_nonnull (strstr (logged->str, "/v1/me"));
  g_assert_null (strstr (logged->str, "5ecret"));
  g_assert_null (strstr (logged->str, "Bearer"));
  g_assert_null (strstr (logged->str, "Ada"));
}

static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
      g_string_append_printf (logged, "%s\n", (const char *) fields[i].value);

  if (level & G_LOG_LEVEL_DEBUG)
    return G_LOG_WRITER_HANDLED;

  return g_log_writer_default (level, fields, n_fields, user_data);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  logged = g_string_new (NULL);
  g_log_set_writer_func (log_writer, NULL, NULL);
  g_log_set_debug_enabled (TRUE);

#define ADD(path, func) \
  g_test_add ("/api-client/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  g_test_add_func ("/api-client/normalize", test_normalize);
  ADD ("plain-http-rejected", test_plain_http_rejected);
  ADD ("organization/good", test_organization_good);
  ADD ("organization/bad", test_organization_bad);
  ADD ("me", test_me_with_token);
  ADD ("401/fresh-token", test_401_then_fresh_token);
  ADD ("401/twice", test_401_twice);
  ADD ("401/no-token-source", test_401_without_token_source);
  ADD ("429/get-retried", test_rate_limited_get_retried);
  ADD ("429/post-not-retried", test_rate_limited_post_not_retried);
  ADD ("429/retries-bounded", test_rate_limit_retries_bounded);
  ADD ("503/retry-after-too-long", test_retry_after_too_long);
  ADD ("etag", test_etag_revalidation);
  ADD ("list-apps-raw", test_list_apps_raw);
  ADD ("list-apps-overflow", test_list_apps_overflow);
  ADD ("etag-cache-bounded", test_etag_cache_bounded);
  ADD ("etag-evicted-in-flight", test_etag_evicted_in_flight);
  ADD ("timeout", test_timeout);
  ADD ("cancel", test_cancel);
  ADD ("cancel-during-retry-wait", test_cancel_during_retry_wait);
  ADD ("connection-refused", test_connection_refused);
  ADD ("status-codes", test_status_codes);
  ADD ("redirect-not-followed", test_redirect_not_followed);
  ADD ("body-limit", test_body_limit);
  ADD ("body-and-empty", test_body_and_empty);
  g_test_add_func ("/api-client/untrusted-certificate", test_untrusted_certificate);
  /* Last: checks what all the tests above logged. */
  g_test_add_func ("/zz-logs/nothing-secret-logged", test_nothing_secret_logged);

  status = g_test_run ();
  g_string_free (logged, TRUE);
  return status;
}
