/* test-portal-server.c: the real company-portal-server binary with the real OIDC provider
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "cp-jose.h"
#include "cp-organization.h"
#include "cp-test-server-util.h"
#include "cp-user.h"

#define AUDIENCE "urn:company-portal:api"

static CpTestSuite suite;
static char *alice_token;

/* Runs the server expecting it to refuse to start. */
static void
expect_start_failure (const char *issuer,
                      const char *db,
                      ...)
{
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTestProcess) server = NULL;
  va_list extra;

  va_start (extra, db);
  argv = cp_test_server_argv (issuer, db, extra);
  va_end (extra);

  server = cp_test_process_start ((const char *const *) argv->pdata, &error);
  g_assert_null (server);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
}

static CpTestResponse *
get (SoupSession *session,
     const char  *base,
     const char  *path,
     const char  *token)
{
  return cp_test_api (session, base, SOUP_METHOD_GET, path, token, NULL);
}

/* A 401 for a bad token; returns the problem's detail. */
static char *
assert_invalid_token (CpTestResponse *response)
{
  g_autoptr(JsonObject) problem = NULL;
  const char *challenge;

  cp_test_assert_problem (response, SOUP_STATUS_UNAUTHORIZED);
  challenge = soup_message_headers_get_one (response->headers, "WWW-Authenticate");
  g_assert_nonnull (challenge);
  g_assert_true (g_str_has_prefix (challenge, "Bearer "));
  g_assert_nonnull (strstr (challenge, "error=\"invalid_token\""));
  problem = cp_test_response_json (response);
  return g_strdup (json_object_get_string_member (problem, "detail"));
}

static const char *
alice (void)
{
  if (alice_token == NULL)
    alice_token = cp_test_idp_get_token (suite.idp->url, "alice");
  return alice_token;
}

static void
test_well_known (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = cp_test_server_start (suite.idp->url, db, "--demo", NULL);
  g_autoptr(CpTestProcess) proxied = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CpTestResponse) response = get (session, server->url, "/.well-known/company-portal", NULL);
  g_autoptr(CpTestResponse) logo = NULL;
  g_autoptr(CpTestResponse) revalidated = NULL;
  g_autoptr(CpTestResponse) behind_proxy = NULL;
  g_autoptr(JsonObject) doc = NULL;
  g_autoptr(JsonObject) proxied_doc = NULL;
  g_autofree char *demo_path = cp_test_source_path ("data", "demo-organization.json", NULL);
  g_autoptr(JsonParser) demo_parser = json_parser_new ();
  JsonObject *demo, *idp_doc, *support;
  JsonArray *scopes;
  const char *etag;
  gboolean has_openid = FALSE;

  g_assert_true (g_str_has_prefix (server->url, "http://127.0.0.1:"));
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (response->headers, NULL), ==, "application/json");
  doc = cp_test_response_json (response);

  /* What the demo file says is what the server advertises. */
  g_assert_true (json_parser_load_from_file (demo_parser, demo_path, NULL));
  demo = json_node_get_object (json_parser_get_root (demo_parser));
  g_assert_cmpstr (json_object_get_string_member (doc, "apiVersion"), ==, "1");
  g_assert_cmpstr (json_object_get_string_member (doc, "displayName"), ==,
                   json_object_get_string_member (demo, "displayName"));
  g_assert_cmpstr (json_object_get_string_member (doc, "accentColor"), ==,
                   json_object_get_string_member (demo, "accentColor"));
  g_assert_cmpstr (json_object_get_string_member (doc, "privacyUrl"), ==,
                   json_object_get_string_member (demo, "privacyUrl"));
  support = json_object_get_object_member (doc, "supportContact");
  g_assert_cmpstr (json_object_get_string_member (support, "email"), ==,
                   json_object_get_string_member (json_object_get_object_member (demo, "supportContact"), "email"));
  g_assert_cmpstr (json_object_get_string_member (doc, "logoUrl"), ==, "/branding/logo.svg");
  g_assert_false (json_object_has_member (doc, "apiBaseUrl"));

  idp_doc = json_object_get_object_member (doc, "identityProvider");
  g_assert_cmpstr (json_object_get_string_member (idp_doc, "issuer"), ==, suite.idp->url);
  g_assert_cmpstr (json_object_get_string_member (idp_doc, "clientId"), ==, "company-portal");
  g_assert_cmpstr (json_object_get_string_member (idp_doc, "resource"), ==, AUDIENCE);
  scopes = json_object_get_array_member (idp_doc, "scopes");
  for (guint i = 0; i < json_array_get_length (scopes); i++)
    has_openid |= g_str_equal (json_array_get_string_element (scopes, i), "openid");
  g_assert_true (has_openid);

  /* The window's own parser accepts what the server sends: the wire contract holds. */
  {
    g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
    g_autoptr(CpOrganization) parsed = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *logo_url = g_strconcat (server->url, "/branding/logo.svg", NULL);

    json_node_set_object (node, doc);
    parsed = cp_organization_new_from_json (node, server->url, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (cp_organization_get_display_name (parsed), ==,
                     json_object_get_string_member (demo, "displayName"));
    g_assert_cmpstr (cp_organization_get_logo_url (parsed), ==, logo_url);
    g_assert_cmpstr (cp_organization_get_api_base_url (parsed), ==, server->url);
    g_assert_cmpstr (cp_organization_get_issuer (parsed), ==, suite.idp->url);
    g_assert_cmpstr (cp_organization_get_resource (parsed), ==, AUDIENCE);
  }

  /* ETag, then 304 for the same one. */
  etag = soup_message_headers_get_one (response->headers, "ETag");
  g_assert_nonnull (etag);
  {
    g_autofree char *url = g_strconcat (server->url, "/.well-known/company-portal", NULL);
    const char *headers[] = { "If-None-Match", etag, NULL };
    const char *stale[] = { "If-None-Match", "\"something-else\"", NULL };
    g_autoptr(CpTestResponse) changed = NULL;

    revalidated = cp_test_http (session, SOUP_METHOD_GET, url, headers, NULL, NULL);
    g_assert_cmpuint (revalidated->status, ==, 304);
    g_assert_cmpuint (g_bytes_get_size (revalidated->body), ==, 0);
    g_assert_cmpstr (soup_message_headers_get_one (revalidated->headers, "ETag"), ==, etag);

    changed = cp_test_http (session, SOUP_METHOD_GET, url, stale, NULL, NULL);
    g_assert_cmpuint (changed->status, ==, 200);
  }

  logo = get (session, server->url, json_object_get_string_member (doc, "logoUrl"), NULL);
  g_assert_cmpuint (logo->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (logo->headers, NULL), ==, "image/svg+xml");
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (logo->body, NULL), g_bytes_get_size (logo->body), "<svg"));
  g_assert_nonnull (soup_message_headers_get_one (logo->headers, "ETag"));

  /* The server describes itself. */
  {
    g_autoptr(CpTestResponse) openapi = get (session, server->url, "/openapi.yaml", NULL);
    g_autofree char *path = cp_test_source_path ("data", "openapi.yaml", NULL);
    g_autofree char *expected = NULL;
    gsize expected_len;

    g_assert_cmpuint (openapi->status, ==, 200);
    g_assert_true (g_file_get_contents (path, &expected, &expected_len, NULL));
    g_assert_cmpmem (g_bytes_get_data (openapi->body, NULL), g_bytes_get_size (openapi->body),
                     expected, expected_len);
  }

  /* Behind a proxy the advertised URLs are the public ones. */
  proxied = cp_test_server_start (suite.idp->url, db, "--public-url=https://portal.example/cp/", NULL);
  behind_proxy = get (session, proxied->url, "/.well-known/company-portal", NULL);
  g_assert_cmpuint (behind_proxy->status, ==, 200);
  proxied_doc = cp_test_response_json (behind_proxy);
  g_assert_cmpstr (json_object_get_string_member (proxied_doc, "apiBaseUrl"), ==, "https://portal.example/cp");
  g_assert_cmpstr (json_object_get_string_member (proxied_doc, "logoUrl"), ==,
                   "https://portal.example/cp/branding/logo.svg");
}

static void
test_me (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = cp_test_server_start (suite.idp->url, db, "--demo", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(JsonObject) claims = cp_test_jwt_claims (alice ());
  g_autoptr(CpTestResponse) response = get (session, server->url, "/v1/me", alice ());
  g_autoptr(CpTestResponse) again = NULL;
  g_autoptr(CpTestResponse) revalidated = NULL;
  g_autoptr(JsonObject) me = NULL;
  g_autoptr(JsonObject) me_again = NULL;
  const char *expected_name;

  if (response->status != 200)
    g_test_message ("%.*s", (int) g_bytes_get_size (response->body), (const char *) g_bytes_get_data (response->body, NULL));
  g_assert_cmpuint (response->status, ==, 200);
  me = cp_test_response_json (response);
  g_assert_cmpuint (strlen (json_object_get_string_member (me, "id")), >, 0);

  /* Provisioned from the access token's claims: name, else the login name, else sub. */
  g_assert_cmpstr (json_object_get_string_member (claims, "sub"), ==, "alice");
  expected_name = json_object_get_string_member_with_default (claims, "name",
                    json_object_get_string_member_with_default (claims, "preferred_username", "alice"));
  g_assert_cmpstr (json_object_get_string_member (me, "displayName"), ==, expected_name);
  g_assert_cmpstr (json_object_get_string_member_with_default (me, "mail", NULL), ==,
                   json_object_get_string_member_with_default (claims, "email", NULL));

  {
    g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
    g_autoptr(CpUser) user = NULL;
    g_autoptr(GError) error = NULL;

    json_node_set_object (node, me);
    user = cp_user_new_from_json (node, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (cp_user_get_id (user), ==, json_object_get_string_member (me, "id"));
    g_assert_cmpstr (cp_user_get_display_name (user), ==, expected_name);
  }

  /* The same user on the next request, not a second one. */
  again = get (session, server->url, "/v1/me", alice ());
  me_again = cp_test_response_json (again);
  g_assert_cmpstr (json_object_get_string_member (me_again, "id"), ==,
                   json_object_get_string_member (me, "id"));

  {
    g_autofree char *url = g_strconcat (server->url, "/v1/me", NULL);
    g_autofree char *authorization = g_strconcat ("Bearer ", alice (), NULL);
    const char *headers[] = { "Authorization", authorization,
                              "If-None-Match", soup_message_headers_get_one (again->headers, "ETag"),
                              NULL };

    revalidated = cp_test_http (session, SOUP_METHOD_GET, url, headers, NULL, NULL);
    g_assert_cmpuint (revalidated->status, ==, 304);
  }
}

static void
test_unauthenticated (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = cp_test_server_start (suite.idp->url, db, "--demo", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CpTestResponse) none = get (session, server->url, "/v1/me", NULL);
  g_autofree char *url = g_strconcat (server->url, "/v1/me", NULL);
  const char *basic[] = { "Authorization", "Basic YWxpY2U6c2VjcmV0", NULL };
  const char *garbled[] = { "Authorization", "Bearer two words", NULL };
  const char *empty[] = { "Authorization", "Bearer ", NULL };
  g_autoptr(CpTestResponse) basic_response = cp_test_http (session, "GET", url, basic, NULL, NULL);
  g_autoptr(CpTestResponse) garbled_response = cp_test_http (session, "GET", url, garbled, NULL, NULL);
  g_autoptr(CpTestResponse) empty_response = cp_test_http (session, "GET", url, empty, NULL, NULL);
  g_autofree char *detail1 = NULL;
  g_autofree char *detail2 = NULL;

  cp_test_assert_problem (none, 401);
  g_assert_cmpstr (soup_message_headers_get_one (none->headers, "WWW-Authenticate"), ==,
                   "Bearer realm=\"company-portal\"");
  cp_test_assert_problem (basic_response, 401);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_one (basic_response->headers, "WWW-Authenticate"), "Bearer"));
  detail1 = assert_invalid_token (garbled_response);
  detail2 = assert_invalid_token (empty_response);
}

static void
test_forged_tokens (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = cp_test_server_start (suite.idp->url, db, "--demo", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(JsonObject) claims = cp_test_jwt_claims (alice ());
  g_autoptr(GError) error = NULL;
  g_autoptr(CpJwk) rogue = cp_jwk_generate_ec_p256 (&error);
  g_autoptr(CpJwk) impostor = cp_jwk_generate_ec_p256 (&error);
  g_autofree char *none = cp_test_unsigned_token ("none", claims);
  g_autofree char *hs256 = cp_test_unsigned_token ("HS256", claims);
  g_autofree char *tampered = g_strdup (alice ());
  g_autofree char *unknown_key = NULL;
  g_autofree char *stolen_kid = NULL;
  g_autofree char *swapped = NULL;
  g_autoptr(JsonObject) bob = json_object_ref (claims);
  const char *tokens[6];
  char *p;

  g_assert_no_error (error);
  /* A key the IdP never published, once under a new kid and once under the IdP's own. */
  cp_jwk_set_kid (rogue, "rogue-key");
  unknown_key = cp_test_sign (rogue, claims);
  cp_jwk_set_kid (impostor, "es-1");
  stolen_kid = cp_test_sign (impostor, claims);

  p = strrchr (tampered, '.') + 20;
  *p = *p == 'A' ? 'B' : 'A';

  {
    g_auto(GStrv) parts = g_strsplit (alice (), ".", 3);
    g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
    g_autoptr(JsonObject) copy = json_object_new ();
    g_autofree char *payload = NULL;
    g_autofree char *payload_b64 = NULL;
    JsonObjectIter iter;
    const char *name;
    JsonNode *value;

    json_object_iter_init (&iter, claims);
    while (json_object_iter_next (&iter, &name, &value))
      json_object_set_member (copy, name, json_node_copy (value));
    json_object_set_string_member (copy, "sub", "bob");
    json_node_set_object (node, copy);
    payload = json_to_string (node, FALSE);
    payload_b64 = cp_base64url_encode ((const guint8 *) payload, strlen (payload));
    swapped = g_strjoin (".", parts[0], payload_b64, parts[2], NULL);
  }

  tokens[0] = none;
  tokens[1] = hs256;
  tokens[2] = tampered;
  tokens[3] = unknown_key;
  tokens[4] = stolen_kid;
  tokens[5] = swapped;
  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    {
      g_autoptr(CpTestResponse) response = get (session, server->url, "/v1/me", tokens[i]);
      g_autofree char *detail = NULL;

      g_test_message ("forged token %u", i);
      detail = assert_invalid_token (response);
      g_assert_nonnull (detail);
    }

  /* The server is still fine and the real token still works. */
  {
    g_autoptr(CpTestResponse) response = get (session, server->url, "/v1/me", alice ());
    g_assert_cmpuint (response->status, ==, 200);
  }
}

static void
test_other_audience (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = cp_test_server_start (suite.idp->url, db, "--demo",
                                                  "--audience=urn:company-portal:elsewhere", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CpTestResponse) response = get (session, server->url, "/v1/me", alice ());
  g_autofree char *detail = assert_invalid_token (response);

  g_assert_nonnull (strstr (detail, "audience"));
}

static void
test_expired_and_other_issuer (void)
{
  g_autoptr(CpTestProcess) short_idp = cp_test_idp_start ("--access-ttl", "2", NULL);
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autofree char *db2 = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = cp_test_server_start (short_idp->url, db, "--demo", "--leeway=0", NULL);
  g_autoptr(CpTestProcess) main_server = cp_test_server_start (suite.idp->url, db2, "--demo", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *token = cp_test_idp_get_token (short_idp->url, "bob");
  g_autoptr(JsonObject) claims = cp_test_jwt_claims (token);
  g_autoptr(CpTestResponse) fresh = get (session, server->url, "/v1/me", token);
  g_autoptr(CpTestResponse) foreign = get (session, main_server->url, "/v1/me", token);
  g_autoptr(CpTestResponse) stale = NULL;
  g_autofree char *foreign_detail = NULL;
  g_autofree char *stale_detail = NULL;
  gint64 exp = json_object_get_int_member (claims, "exp");

  g_assert_cmpuint (fresh->status, ==, 200);
  foreign_detail = assert_invalid_token (foreign);
  g_assert_nonnull (strstr (foreign_detail, "issuer"));

  while (g_get_real_time () / G_USEC_PER_SEC <= exp + 1)
    g_usleep (G_USEC_PER_SEC / 5);

  stale = get (session, server->url, "/v1/me", token);
  stale_detail = assert_invalid_token (stale);
  g_assert_nonnull (strstr (stale_detail, "expired"));
}

static GBytes *
big_body (gsize size)
{
  char *data = g_malloc (size);

  memset (data, ' ', size);
  data[0] = '{';
  return g_bytes_new_take (data, size);
}

static void
test_bad_requests (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = cp_test_server_start (suite.idp->url, db, "--demo", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *me_url = g_strconcat (server->url, "/v1/me", NULL);
  g_autofree char *wk_url = g_strconcat (server->url, "/.well-known/company-portal", NULL);
  g_autoptr(GBytes) malformed = g_bytes_new_static ("{\"name\": ", 9);
  g_autoptr(GBytes) huge = big_body (2 * 1024 * 1024);
  const char *paths[] = { "/", "/v1", "/v1/me/", "/v1/devices/a/b/c", "/v1/nothing-here", "/.well-known/openid-configuration",
                          "/v1/me/extra", "/%2e%2e/etc/passwd", "/V1/ME", "/v1/m%2565" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(CpTestResponse) response = get (session, server->url, paths[i], NULL);

      g_test_message ("path %s", paths[i]);
      cp_test_assert_problem (response, 404);
    }

  {
    g_autoptr(CpTestResponse) bad_utf8 = get (session, server->url, "/v1/%ff%fe", NULL);
    g_autoptr(CpTestResponse) nul = get (session, server->url, "/v1/me%00", NULL);

    cp_test_assert_problem (bad_utf8, 400);
    /* libsoup refuses this one itself, before any handler runs. */
    g_assert_cmpuint (nul->status, ==, 400);
  }

  {
    g_autoptr(CpTestResponse) post = cp_test_http (session, "POST", me_url, NULL,
                                                   "application/json", malformed);
    g_autoptr(CpTestResponse) put = cp_test_http (session, "PUT", wk_url, NULL,
                                                  "application/json", malformed);
    g_autoptr(CpTestResponse) del = cp_test_http (session, "DELETE", me_url, NULL, NULL, NULL);

    cp_test_assert_problem (post, 405);
    cp_test_assert_problem (put, 405);
    g_assert_cmpstr (soup_message_headers_get_one (put->headers, "Allow"), ==, "GET, HEAD");
    cp_test_assert_problem (del, 405);
  }

  /* Oversized, with a length up front and chunked. */
  {
    g_autoptr(CpTestResponse) sized = cp_test_http (session, "POST", me_url, NULL,
                                                    "application/json", huge);
    g_autoptr(SoupSession) fresh = soup_session_new ();
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", me_url);
    g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (huge);
    g_autoptr(GBytes) reply = NULL;
    g_autoptr(GError) error = NULL;

    cp_test_assert_problem (sized, 413);

    soup_message_set_request_body (msg, "application/json", stream, -1);
    reply = soup_session_send_and_read (fresh, msg, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 413);
  }

  /* Not HTTP any more: hung up on, without a word and without a crash (the
   * server runs with G_DEBUG=fatal-warnings from the test environment). */
  {
    const char *requests[] = {
      "POST /v1/me HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
      "POST /v1/me HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
    };
    g_autoptr(GUri) uri = g_uri_parse (server->url, G_URI_FLAGS_NONE, NULL);

    for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
      {
        g_autoptr(GSocketClient) client = g_socket_client_new ();
        g_autoptr(GSocketConnection) connection = NULL;
        g_autoptr(GError) error = NULL;
        char reply[256];
        gssize n;

        connection = g_socket_client_connect_to_host (client, "127.0.0.1", g_uri_get_port (uri), NULL, &error);
        g_assert_no_error (error);
        g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                   requests[i], strlen (requests[i]), NULL, NULL, &error);
        g_assert_no_error (error);
        n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                 reply, sizeof reply, NULL, NULL);
        g_assert_cmpint (n, <=, 0);
      }
  }

  {
    g_autoptr(CpTestResponse) head = cp_test_http (session, "HEAD", wk_url, NULL, NULL, NULL);
    g_autoptr(CpTestResponse) alive = get (session, server->url, "/.well-known/company-portal", NULL);

    g_assert_cmpuint (head->status, ==, 200);
    g_assert_cmpuint (alive->status, ==, 200);
  }
  g_assert_cmpint (cp_test_process_stop (server), ==, 0);
}

static void
test_restart_keeps_state (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) first = cp_test_server_start (suite.idp->url, db, "--demo", NULL);
  g_autoptr(CpTestProcess) second = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CpTestResponse) before = get (session, first->url, "/v1/me", alice ());
  g_autoptr(CpTestResponse) after = NULL;
  g_autoptr(CpTestResponse) well_known = NULL;
  g_autoptr(JsonObject) me_before = NULL;
  g_autoptr(JsonObject) me_after = NULL;

  g_assert_cmpuint (before->status, ==, 200);
  me_before = cp_test_response_json (before);
  g_assert_cmpint (cp_test_process_stop (first), ==, 0);

  /* No --demo this time: the organisation and the user come from the database. */
  second = cp_test_server_start (suite.idp->url, db, NULL);
  well_known = get (session, second->url, "/.well-known/company-portal", NULL);
  g_assert_cmpuint (well_known->status, ==, 200);
  after = get (session, second->url, "/v1/me", alice ());
  g_assert_cmpuint (after->status, ==, 200);
  me_after = cp_test_response_json (after);
  g_assert_cmpstr (json_object_get_string_member (me_after, "id"), ==,
                   json_object_get_string_member (me_before, "id"));
}

static void
test_org_file (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autofree char *org = g_build_filename (suite.tmp_dir, "org.json", NULL);
  g_autofree char *logo = g_build_filename (suite.tmp_dir, "org-logo.svg", NULL);
  g_autofree char *org_arg = g_strconcat ("--org=", org, NULL);
  g_autoptr(CpTestProcess) server = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CpTestResponse) response = NULL;
  g_autoptr(CpTestResponse) logo_response = NULL;
  g_autoptr(JsonObject) doc = NULL;
  const char *svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
  g_autoptr(GError) error = NULL;

  g_file_set_contents (org, "{\"displayName\": \"Tiny Org\", \"logo\": \"org-logo.svg\"}", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (logo, svg, -1, &error);
  g_assert_no_error (error);

  server = cp_test_server_start (suite.idp->url, db, org_arg, NULL);
  response = get (session, server->url, "/.well-known/company-portal", NULL);
  g_assert_cmpuint (response->status, ==, 200);
  doc = cp_test_response_json (response);
  g_assert_cmpstr (json_object_get_string_member (doc, "displayName"), ==, "Tiny Org");
  g_assert_false (json_object_has_member (doc, "supportContact"));
  logo_response = get (session, server->url, "/branding/logo.svg", NULL);
  g_assert_cmpmem (g_bytes_get_data (logo_response->body, NULL), g_bytes_get_size (logo_response->body),
                   svg, strlen (svg));
  cp_test_process_stop (server);

  /* A broken organisation file stops the server with a message, not a crash. */
  g_file_set_contents (org, "{\"displayName\": \"Tiny Org\", \"accentColor\": \"red\"}", -1, &error);
  g_assert_no_error (error);
  expect_start_failure (suite.idp->url, db, org_arg, NULL);
}

static void
test_refuses_bad_configuration (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autofree char *empty_db = cp_test_suite_new_db (&suite);

  expect_start_failure (NULL, db, "--demo", NULL);
  expect_start_failure ("http://idp.example", db, "--demo", NULL);
  expect_start_failure (suite.idp->url, db, "--demo", "--listen=0.0.0.0:0", NULL);
  expect_start_failure (suite.idp->url, db, "--demo", "--tls-cert=/nonexistent.pem", NULL);
  expect_start_failure (suite.idp->url, db, "--demo", "--listen=not-an-address", NULL);
  /* An empty database and no organisation to seed. */
  expect_start_failure (suite.idp->url, empty_db, NULL);
}

static void
make_certificate (const char *cert,
                  const char *key)
{
  const char *argv[] = { "openssl", "req", "-x509", "-newkey", "ec",
                         "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                         "-keyout", key, "-out", cert, "-days", "1",
                         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                         NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
}

static void
test_tls (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autofree char *cert = g_build_filename (suite.tmp_dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (suite.tmp_dir, "key.pem", NULL);
  g_autofree char *cert_arg = g_strconcat ("--tls-cert=", cert, NULL);
  g_autofree char *key_arg = g_strconcat ("--tls-key=", key, NULL);
  g_autoptr(CpTestProcess) server = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(SoupSession) trusting = NULL;
  g_autoptr(SoupSession) strict = soup_session_new ();
  g_autoptr(CpTestResponse) response = NULL;
  g_autoptr(CpTestResponse) me = NULL;
  g_autoptr(GError) error = NULL;

  make_certificate (cert, key);
  server = cp_test_server_start (suite.idp->url, db, "--demo", cert_arg, key_arg, NULL);
  g_assert_true (g_str_has_prefix (server->url, "https://127.0.0.1:"));

  /* Trust exactly this certificate; verification stays on. */
  database = g_tls_file_database_new (cert, &error);
  g_assert_no_error (error);
  trusting = soup_session_new_with_options ("tls-database", database, NULL);
  response = get (trusting, server->url, "/.well-known/company-portal", NULL);
  g_assert_cmpuint (response->status, ==, 200);
  me = get (trusting, server->url, "/v1/me", alice ());
  g_assert_cmpuint (me->status, ==, 200);

  /* Without that trust the connection fails: the certificate really is checked. */
  {
    g_autofree char *url = g_strconcat (server->url, "/.well-known/company-portal", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
    g_autoptr(GBytes) body = soup_session_send_and_read (strict, msg, NULL, &error);

    g_assert_null (body);
    g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  }
}

static void
test_claims_provisioning (void)
{
  g_autoptr(CpTestIssuer) issuer = cp_test_issuer_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CpJwk) key = cp_jwk_generate_ec_p256 (&error);
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(JsonObject) first_claims = NULL;
  g_autoptr(JsonObject) later_claims = NULL;
  g_autoptr(JsonObject) broken_claims = NULL;
  g_autofree char *first_token = NULL;
  g_autofree char *later_token = NULL;
  g_autofree char *broken_token = NULL;
  g_autoptr(CpTestResponse) first = NULL;
  g_autoptr(CpTestResponse) later = NULL;
  g_autoptr(CpTestResponse) broken = NULL;
  g_autoptr(JsonObject) me1 = NULL;
  g_autoptr(JsonObject) me2 = NULL;
  g_autofree char *detail = NULL;

  g_assert_no_error (error);
  cp_jwk_set_kid (key, "test-1");
  cp_test_issuer_set_keys (issuer, key, NULL);
  server = cp_test_server_start (cp_test_issuer_get_url (issuer), db, "--demo", NULL);

  first_claims = cp_test_claims_new (cp_test_issuer_get_url (issuer), AUDIENCE, "00u-dana", 300);
  json_object_set_string_member (first_claims, "name", "Dana Lindqvist");
  json_object_set_string_member (first_claims, "email", "dana@kestrel-freight.example");
  json_object_set_string_member (first_claims, "preferred_username", "dana@kestrel-freight.example");
  first_token = cp_test_sign (key, first_claims);
  first = get (session, server->url, "/v1/me", first_token);
  g_assert_cmpuint (first->status, ==, 200);
  me1 = cp_test_response_json (first);
  g_assert_cmpstr (json_object_get_string_member (me1, "displayName"), ==, "Dana Lindqvist");
  g_assert_cmpstr (json_object_get_string_member (me1, "mail"), ==, "dana@kestrel-freight.example");
  g_assert_cmpstr (json_object_get_string_member (me1, "userPrincipalName"), ==, "dana@kestrel-freight.example");

  /* She changed her name at the IdP: the next request updates it. */
  later_claims = cp_test_claims_new (cp_test_issuer_get_url (issuer), AUDIENCE, "00u-dana", 300);
  json_object_set_string_member (later_claims, "name", "Dana Lindqvist-Berg");
  json_object_set_string_member (later_claims, "email", "dana.berg@kestrel-freight.example");
  later_token = cp_test_sign (key, later_claims);
  later = get (session, server->url, "/v1/me", later_token);
  g_assert_cmpuint (later->status, ==, 200);
  me2 = cp_test_response_json (later);
  g_assert_cmpstr (json_object_get_string_member (me2, "id"), ==, json_object_get_string_member (me1, "id"));
  g_assert_cmpstr (json_object_get_string_member (me2, "displayName"), ==, "Dana Lindqvist-Berg");
  g_assert_cmpstr (json_object_get_string_member (me2, "mail"), ==, "dana.berg@kestrel-freight.example");
  g_assert_false (json_object_has_member (me2, "userPrincipalName"));

  /* A profile claim of the wrong type is a broken token. */
  broken_claims = cp_test_claims_new (cp_test_issuer_get_url (issuer), AUDIENCE, "00u-dana", 300);
  json_object_set_int_member (broken_claims, "name", 42);
  broken_token = cp_test_sign (key, broken_claims);
  broken = get (session, server->url, "/v1/me", broken_token);
  detail = assert_invalid_token (broken);
}

static void
test_idp_unavailable (void)
{
  g_autoptr(CpTestIssuer) issuer = cp_test_issuer_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CpJwk) key = cp_jwk_generate_ec_p256 (&error);
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *token = NULL;
  g_autoptr(CpTestResponse) response = NULL;
  g_autoptr(JsonObject) problem = NULL;

  g_assert_no_error (error);
  cp_test_issuer_set_keys (issuer, key, NULL);
  cp_test_issuer_set_failing (issuer, TRUE);
  server = cp_test_server_start (cp_test_issuer_get_url (issuer), db, "--demo", NULL);
  claims = cp_test_claims_new (cp_test_issuer_get_url (issuer), AUDIENCE, "frank", 300);
  token = cp_test_sign (key, claims);

  /* Not the user's fault: 503 with Retry-After, not a 401 that sends them to sign in. */
  response = get (session, server->url, "/v1/me", token);
  cp_test_assert_problem (response, 503);
  g_assert_nonnull (soup_message_headers_get_one (response->headers, "Retry-After"));
  problem = cp_test_response_json (response);
  g_assert_cmpstr (json_object_get_string_member (problem, "type"), ==,
                   "urn:company-portal:problem:identity-provider-unavailable");
  g_assert_null (strstr (json_object_get_string_member (problem, "detail"), "127.0.0.1"));
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
test_slow_idp_does_not_block (void)
{
  g_autoptr(CpTestIssuer) issuer = cp_test_issuer_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CpJwk) key = cp_jwk_generate_ec_p256 (&error);
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupSession) other = soup_session_new ();
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *token = NULL;
  g_autofree char *me_url = NULL;
  g_autofree char *authorization = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(CpTestResponse) well_known = NULL;
  gint64 start;

  g_assert_no_error (error);
  cp_jwk_set_kid (key, "slow-1");
  cp_test_issuer_set_keys (issuer, key, NULL);
  server = cp_test_server_start (cp_test_issuer_get_url (issuer), db, "--demo", NULL);
  claims = cp_test_claims_new (cp_test_issuer_get_url (issuer), AUDIENCE, "erin", 300);
  token = cp_test_sign (key, claims);

  /* Each IdP answer takes 0.8 s: the first /v1/me waits for two of them. */
  cp_test_issuer_set_delay (issuer, 800);
  start = g_get_monotonic_time ();
  me_url = g_strconcat (server->url, "/v1/me", NULL);
  authorization = g_strconcat ("Bearer ", token, NULL);
  msg = soup_message_new ("GET", me_url);
  soup_message_headers_append (soup_message_get_request_headers (msg), "Authorization", authorization);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, send_cb, &result);
  /* Let the request reach the server before asking anything else. */
  while (g_get_monotonic_time () - start < G_USEC_PER_SEC / 5)
    g_main_context_iteration (NULL, FALSE);

  well_known = get (other, server->url, "/.well-known/company-portal", NULL);
  g_assert_cmpuint (well_known->status, ==, 200);
  g_assert_null (result);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);

  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  body = soup_session_send_and_read_finish (session, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 1600 * 1000);
}

int
main (int    argc,
      char **argv)
{
  int status;

  cp_test_suite_init (&suite, &argc, &argv, "cp-portal-server-XXXXXX");

  g_test_add_func ("/portal-server/well-known", test_well_known);
  g_test_add_func ("/portal-server/me", test_me);
  g_test_add_func ("/portal-server/unauthenticated", test_unauthenticated);
  g_test_add_func ("/portal-server/forged-tokens", test_forged_tokens);
  g_test_add_func ("/portal-server/other-audience", test_other_audience);
  g_test_add_func ("/portal-server/expired-and-other-issuer", test_expired_and_other_issuer);
  g_test_add_func ("/portal-server/bad-requests", test_bad_requests);
  g_test_add_func ("/portal-server/restart-keeps-state", test_restart_keeps_state);
  g_test_add_func ("/portal-server/org-file", test_org_file);
  g_test_add_func ("/portal-server/refuses-bad-configuration", test_refuses_bad_configuration);
  g_test_add_func ("/portal-server/tls", test_tls);
  g_test_add_func ("/portal-server/claims-provisioning", test_claims_provisioning);
  g_test_add_func ("/portal-server/slow-idp-does-not-block", test_slow_idp_does_not_block);
  g_test_add_func ("/portal-server/idp-unavailable", test_idp_unavailable);

  status = cp_test_suite_run (&suite);
  g_free (alice_token);
  return status;
}
