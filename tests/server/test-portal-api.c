/* test-portal-api.c: devices, compliance, installs and the catalog through the
 * real company-portal-server binary, with tokens from the real OIDC provider
 * and requests signed with real device keys
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "cp-device-request.h"
#include "cp-jose.h"
#include "cp-test-server-util.h"

static CpTestSuite suite;
static char *alice_token;
static char *bob_token;

/* Helpers */

static const char *
alice (void)
{
  if (alice_token == NULL)
    alice_token = cp_test_idp_get_token (suite.idp->url, "alice");
  return alice_token;
}

static const char *
bob (void)
{
  if (bob_token == NULL)
    bob_token = cp_test_idp_get_token (suite.idp->url, "bob");
  return bob_token;
}

static gint64
now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static char *
server_binary (void)
{
  return cp_test_build_path ("src", "server", "company-portal-server", NULL);
}

/* The server on @db with the IdP; extra arguments end with NULL. */
static CpTestProcess *
start_server (const char *db,
              ...)
{
  CpTestProcess *server;
  va_list extra;

  va_start (extra, db);
  server = cp_test_server_startv (suite.idp->url, db, extra);
  va_end (extra);
  return server;
}

/* company-portal-server admin --db @db ARGS...; returns the exit status. */
static int
admin (const char *db,
       ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  va_list extra;

  g_ptr_array_add (argv, server_binary ());
  g_ptr_array_add (argv, g_strdup ("admin"));
  g_ptr_array_add (argv, g_strconcat ("--db=", db, NULL));
  va_start (extra, db);
  for (const char *arg = va_arg (extra, const char *); arg != NULL; arg = va_arg (extra, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (extra);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char *const *) argv->pdata, G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (process);
}

static JsonNode *
parse (const char *json)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (json, &error);

  g_assert_no_error (error);
  return node;
}

static char *
signed_compact (CpJwk      *key,
                const char *device_id,
                const char *method,
                const char *path,
                const char *body_json,
                gint64      iat)
{
  g_autoptr(JsonNode) body = body_json ? parse (body_json) : NULL;
  g_autoptr(GError) error = NULL;
  char *compact = cp_device_request_sign (key, device_id, method, path, body, iat, &error);

  g_assert_no_error (error);
  return compact;
}

/* Sends an already signed request as the agent does: POST with an
 * application/jose body, GET with "Authorization: DeviceJWS". */
static CpTestResponse *
send_signed (SoupSession *session,
             const char  *base,
             const char  *method,
             const char  *path,
             const char  *compact)
{
  g_autofree char *url = g_strconcat (base, path, NULL);
  g_autofree char *authorization = g_strconcat ("DeviceJWS ", compact, NULL);
  const char *headers[] = { "Authorization", authorization, NULL };
  g_autoptr(GBytes) body = g_bytes_new (compact, strlen (compact));

  if (g_strcmp0 (method, "GET") == 0)
    return cp_test_http (session, method, url, headers, NULL, NULL);
  return cp_test_http (session, method, url, NULL, CP_DEVICE_REQUEST_CONTENT_TYPE, body);
}

static CpTestResponse *
device_request (SoupSession *session,
                const char  *base,
                CpJwk       *key,
                const char  *device_id,
                const char  *method,
                const char  *path,
                const char  *body_json)
{
  g_autofree char *compact = signed_compact (key, device_id, method, path, body_json, now ());

  return send_signed (session, base, method, path, compact);
}

static CpJwk *
new_device_key (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpJwk) key = cp_jwk_generate_ec_p256 (&error);
  g_autofree char *thumbprint = NULL;

  g_assert_no_error (error);
  thumbprint = cp_jwk_thumbprint (key);
  cp_jwk_set_kid (key, thumbprint);
  return g_steal_pointer (&key);
}

static char *
public_jwk_json (CpJwk *key)
{
  g_autoptr(JsonObject) object = cp_jwk_to_public_json (key);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return json_to_string (node, FALSE);
}

#define FACTS "{\"hostname\":\"kestrel-lt-042\",\"osId\":\"debian\",\"osName\":\"Debian GNU/Linux\"," \
              "\"osVersion\":\"12\",\"osPrettyName\":\"Debian GNU/Linux 12 (bookworm)\"," \
              "\"kernelVersion\":\"6.1.0-18-amd64\",\"architecture\":\"x86_64\"," \
              "\"manufacturer\":\"LENOVO\",\"model\":\"ThinkPad T14\",\"machineIdHash\":\"ab12\"}"

static char *
enroll_body (CpJwk      *key,
             const char *extra)
{
  g_autofree char *jwk = public_jwk_json (key);

  return g_strdup_printf ("{%s\"facts\":" FACTS ",\"publicKey\":%s}", extra ? extra : "", jwk);
}

/* Enrolls @key for @token's user and returns the device. */
static JsonObject *
enroll (SoupSession *session,
        const char  *base,
        const char  *token,
        CpJwk       *key,
        guint        expected_status)
{
  g_autofree char *body = enroll_body (key, NULL);
  g_autoptr(CpTestResponse) response = cp_test_api (session, base, "POST", "/v1/devices", token, body);

  g_assert_cmpuint (response->status, ==, expected_status);
  return cp_test_response_json (response);
}

static char *
device_path (const char *id,
             const char *suffix)
{
  return g_strconcat ("/v1/devices/", id, suffix, NULL);
}

/* How many rows of @table the server keeps for @device_id, read from its database. */
static guint
db_count (const char *db,
          const char *table,
          const char *device_id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM %s WHERE device_id = ?", table);
  sqlite3 *handle = NULL;
  sqlite3_stmt *stmt = NULL;
  guint count;

  g_assert_cmpint (sqlite3_open_v2 (db, &handle, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (handle, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (handle, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, device_id, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  count = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (handle);
  return count;
}

/* Devices */

static void
test_enroll_and_ownership (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = start_server (db, "--demo", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CpJwk) key = new_device_key ();
  g_autoptr(JsonObject) device = enroll (session, server->url, alice (), key, 201);
  g_autoptr(JsonObject) again = enroll (session, server->url, alice (), key, 200);
  g_autoptr(JsonObject) stolen = enroll (session, server->url, bob (), key, 409);
  g_autoptr(CpTestResponse) list = NULL;
  g_autoptr(CpTestResponse) cached = NULL;
  g_autoptr(CpTestResponse) bob_list = NULL;
  g_autoptr(JsonObject) items = NULL;
  g_autofree char *path = NULL;
  const char *id = json_object_get_string_member (device, "id");
  const char *etag;

  g_assert_nonnull (id);
  g_assert_cmpstr (json_object_get_string_member (device, "displayName"), ==, "kestrel-lt-042");
  g_assert_cmpstr (json_object_get_string_member (device, "hostname"), ==, "kestrel-lt-042");
  g_assert_cmpstr (json_object_get_string_member (device, "operatingSystem"), ==, "Debian GNU/Linux");
  g_assert_cmpstr (json_object_get_string_member (device, "osVersion"), ==, "12");
  g_assert_cmpstr (json_object_get_string_member (device, "manufacturer"), ==, "LENOVO");
  g_assert_cmpstr (json_object_get_string_member (device, "model"), ==, "ThinkPad T14");
  g_assert_cmpstr (json_object_get_string_member (device, "ownership"), ==, "company");
  g_assert_cmpstr (json_object_get_string_member (device, "managementState"), ==, "managed");
  g_assert_cmpstr (json_object_get_string_member (device, "enrollmentState"), ==, "enrolled");
  g_assert_cmpstr (json_object_get_string_member (device, "complianceState"), ==, "unknown");
  g_assert_true (g_str_has_suffix (json_object_get_string_member (device, "enrolledDateTime"), "Z"));
  g_assert_false (json_object_has_member (device, "lastCheckInDateTime"));
  /* Idempotent: the same key by the same user is the same device. */
  g_assert_cmpstr (json_object_get_string_member (again, "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (stolen, "type"), !=, NULL);

  list = cp_test_api (session, server->url, "GET", "/v1/devices", alice (), NULL);
  g_assert_cmpuint (list->status, ==, 200);
  items = cp_test_response_json (list);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (items, "items")), ==, 1);
  etag = soup_message_headers_get_one (list->headers, "ETag");
  g_assert_nonnull (etag);
  {
    g_autofree char *url = g_strconcat (server->url, "/v1/devices", NULL);
    g_autofree char *authorization = g_strconcat ("Bearer ", alice (), NULL);
    const char *headers[] = { "Authorization", authorization, "If-None-Match", etag, NULL };

    cached = cp_test_http (session, "GET", url, headers, NULL, NULL);
    g_assert_cmpuint (cached->status, ==, 304);
  }

  bob_list = cp_test_api (session, server->url, "GET", "/v1/devices", bob (), NULL);
  g_assert_cmpuint (bob_list->status, ==, 200);
  g_assert_null (strstr (g_bytes_get_data (bob_list->body, NULL), id));

  /* Another user's device does not exist for them. */
  path = device_path (id, NULL);
  {
    g_autoptr(CpTestResponse) get = cp_test_api (session, server->url, "GET", path, bob (), NULL);
    g_autoptr(CpTestResponse) patch = cp_test_api (session, server->url, "PATCH", path, bob (), "{\"displayName\":\"mine\"}");
    g_autoptr(CpTestResponse) del = cp_test_api (session, server->url, "DELETE", path, bob (), NULL);
    g_autoptr(CpTestResponse) own = cp_test_api (session, server->url, "GET", path, alice (), NULL);
    g_autoptr(CpTestResponse) unknown = cp_test_api (session, server->url, "GET", "/v1/devices/no-such-device", alice (), NULL);
    g_autoptr(CpTestResponse) anonymous = cp_test_api (session, server->url, "GET", path, NULL, NULL);

    cp_test_assert_problem (get, 404);
    cp_test_assert_problem (patch, 404);
    cp_test_assert_problem (del, 404);
    g_assert_cmpuint (own->status, ==, 200);
    cp_test_assert_problem (unknown, 404);
    cp_test_assert_problem (anonymous, 401);
  }
}

static void
expect_enroll_refused (SoupSession *session,
                       const char  *base,
                       const char  *body,
                       guint        status)
{
  g_autoptr(CpTestResponse) response = cp_test_api (session, base, "POST", "/v1/devices", alice (), body);

  cp_test_assert_problem (response, status);
}

static void
test_enroll_bad_input (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = start_server (db, "--demo", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CpJwk) key = new_device_key ();
  g_autoptr(CpJwk) no_kid = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *jwk = public_jwk_json (key);
  g_autofree char *long_x = g_strnfill (10000, 'A');
  g_autofree char *long_host = g_strnfill (300, 'h');
  g_autofree char *long_name = g_strnfill (1000, 'n');
  g_autofree char *huge = g_strnfill (2 * 1024 * 1024, ' ');
  g_autoptr(CpTestResponse) wrong_type = NULL;
  g_autoptr(CpTestResponse) list = NULL;
  g_autoptr(JsonObject) devices = NULL;
  const char *x = strstr (jwk, "\"x\":\"") + 5;
  g_autofree char *x_value = g_strndup (x, strchr (x, '"') - x);
  g_autofree char *body = NULL;

  expect_enroll_refused (session, server->url, "not json", 400);
  expect_enroll_refused (session, server->url, "[]", 400);
  /* What the core's parser refuses is a 400 problem from the server, too:
   * an escape json-glib would pass through as a raw byte, bytes that are
   * not UTF-8, an empty body. */
  expect_enroll_refused (session, server->url, "{\"facts\":{\"hostname\":\"a\\qb\"}}", 400);
  expect_enroll_refused (session, server->url, "{\"facts\":{\"hostname\":\"\xff\xfe\"}}", 400);
  expect_enroll_refused (session, server->url, "", 400);
  expect_enroll_refused (session, server->url, "{\"facts\":" FACTS "}", 400);
  expect_enroll_refused (session, server->url, huge, 413);
  /* json-glib recurses per level: this would overflow its stack. */
  {
    g_autofree char *deep = g_strnfill (500000, '[');

    expect_enroll_refused (session, server->url, deep, 400);
  }
  {
    g_autofree char *deep = g_strnfill (30000, '[');
    g_autofree char *header = cp_base64url_encode ((const guint8 *) deep, strlen (deep));
    g_autofree char *token = g_strconcat (header, ".e30.AAAA", NULL);
    g_autoptr(CpTestResponse) response = cp_test_api (session, server->url, "GET", "/v1/devices", token, NULL);

    cp_test_assert_problem (response, 401);
  }

  /* Malformed and oversized keys */
  body = g_strdup_printf ("{\"facts\":" FACTS ",\"publicKey\":\"%s\"}", x_value);
  expect_enroll_refused (session, server->url, body, 400);
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"facts\":" FACTS ",\"publicKey\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\"}}", x_value);
  expect_enroll_refused (session, server->url, body, 400);
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"facts\":" FACTS ",\"publicKey\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}}",
                          long_x, long_x);
  expect_enroll_refused (session, server->url, body, 400);
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"facts\":" FACTS ",\"publicKey\":{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"}}", long_x);
  expect_enroll_refused (session, server->url, body, 400);
  g_clear_pointer (&body, g_free);
  /* A private key is never sent. */
  {
    g_autoptr(GString) with_d = g_string_new (jwk);

    g_string_insert (with_d, 1, "\"d\":\"AAAA\",");
    body = g_strdup_printf ("{\"facts\":" FACTS ",\"publicKey\":%s}", with_d->str);
    expect_enroll_refused (session, server->url, body, 400);
    g_clear_pointer (&body, g_free);
  }
  /* Members of the wrong type anywhere in the key */
  expect_enroll_refused (session, server->url, "{\"facts\":{},\"publicKey\":{\"kty\":{\"a\":1}}}", 400);
  expect_enroll_refused (session, server->url, "{\"facts\":{},\"publicKey\":{\"kty\":\"EC\",\"crv\":[],\"x\":1,\"y\":null}}", 400);
  /* kid must be the thumbprint */
  no_kid = cp_jwk_generate_ec_p256 (&error);
  g_assert_no_error (error);
  cp_jwk_set_kid (no_kid, "my-own-kid");
  body = enroll_body (no_kid, NULL);
  expect_enroll_refused (session, server->url, body, 400);
  g_clear_pointer (&body, g_free);

  /* Absurd facts */
  body = g_strdup_printf ("{\"facts\":{\"hostname\":\"%s\"},\"publicKey\":%s}", long_host, jwk);
  expect_enroll_refused (session, server->url, body, 400);
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"facts\":{\"hostname\":\"bad\\u0007bell\"},\"publicKey\":%s}", jwk);
  expect_enroll_refused (session, server->url, body, 400);
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"facts\":{\"hostname\":42},\"publicKey\":%s}", jwk);
  expect_enroll_refused (session, server->url, body, 400);
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"facts\":\"laptop\",\"publicKey\":%s}", jwk);
  expect_enroll_refused (session, server->url, body, 400);
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"displayName\":\"%s\",\"facts\":{},\"publicKey\":%s}", long_name, jwk);
  expect_enroll_refused (session, server->url, body, 400);
  g_clear_pointer (&body, g_free);

  {
    g_autoptr(GBytes) bytes = g_bytes_new_static ("{}", 2);
    g_autofree char *url = g_strconcat (server->url, "/v1/devices", NULL);
    g_autofree char *authorization = g_strconcat ("Bearer ", alice (), NULL);
    const char *headers[] = { "Authorization", authorization, NULL };

    wrong_type = cp_test_http (session, "POST", url, headers, "text/plain", bytes);
    cp_test_assert_problem (wrong_type, 415);
  }

  /* Nothing of that was enrolled. */
  list = cp_test_api (session, server->url, "GET", "/v1/devices", alice (), NULL);
  devices = cp_test_response_json (list);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (devices, "items")), ==, 0);
}

static void
expect_rename (SoupSession *session,
               const char  *base,
               const char  *path,
               const char  *body,
               guint        status,
               const char  *expected_name)
{
  g_autoptr(CpTestResponse) response = cp_test_api (session, base, "PATCH", path, alice (), body);
  g_autoptr(JsonObject) device = NULL;

  if (status != 200)
    {
      cp_test_assert_problem (response, status);
      return;
    }
  g_assert_cmpuint (response->status, ==, 200);
  device = cp_test_response_json (response);
  g_assert_cmpstr (json_object_get_string_member (device, "displayName"), ==, expected_name);
}

static void
test_rename (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = start_server (db, "--demo", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CpJwk) key = new_device_key ();
  g_autoptr(JsonObject) device = enroll (session, server->url, alice (), key, 201);
  g_autofree char *path = device_path (json_object_get_string_member (device, "id"), NULL);
  g_autoptr(CpJwk) unnamed_key = new_device_key ();
  g_autofree char *unnamed_jwk = public_jwk_json (unnamed_key);
  g_autofree char *unnamed_body = g_strdup_printf ("{\"facts\":{\"hostname\":\"\",\"model\":\"X1\"},\"publicKey\":%s}",
                                                   unnamed_jwk);
  g_autoptr(CpTestResponse) unnamed = cp_test_api (session, server->url, "POST", "/v1/devices", alice (), unnamed_body);
  g_autoptr(JsonObject) unnamed_device = cp_test_response_json (unnamed);
  g_autofree char *name_128 = g_strnfill (128, 'x');
  g_autofree char *name_129 = g_strnfill (129, 'x');
  g_autofree char *name_1000 = g_strnfill (1000, 'x');
  g_autofree char *body = NULL;
  g_autoptr(CpTestResponse) after = NULL;
  g_autoptr(JsonObject) stored = NULL;

  /* An empty fact is an unknown one; the name falls back to a generic one. */
  g_assert_cmpuint (unnamed->status, ==, 201);
  g_assert_false (json_object_has_member (unnamed_device, "hostname"));
  g_assert_cmpstr (json_object_get_string_member (unnamed_device, "model"), ==, "X1");
  g_assert_cmpstr (json_object_get_string_member (unnamed_device, "displayName"), !=, "");

  expect_rename (session, server->url, path, "{\"displayName\":\"  Alice’s laptop  \"}", 200, "Alice’s laptop");
  expect_rename (session, server->url, path, "{\"displayName\":\"\"}", 400, NULL);
  expect_rename (session, server->url, path, "{\"displayName\":\"   \"}", 400, NULL);
  expect_rename (session, server->url, path, "{\"displayName\":\"tab\\there\"}", 400, NULL);
  expect_rename (session, server->url, path, "{\"displayName\":7}", 400, NULL);
  expect_rename (session, server->url, path, "{}", 400, NULL);
  expect_rename (session, server->url, path, "\"name\"", 400, NULL);
  body = g_strdup_printf ("{\"displayName\":\"%s\"}", name_1000);
  expect_rename (session, server->url, path, body, 400, NULL);
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"displayName\":\"%s\"}", name_129);
  expect_rename (session, server->url, path, body, 400, NULL);
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"displayName\":\"%s\"}", name_128);
  expect_rename (session, server->url, path, body, 200, name_128);

  after = cp_test_api (session, server->url, "GET", path, alice (), NULL);
  stored = cp_test_response_json (after);
  g_assert_cmpstr (json_object_get_string_member (stored, "displayName"), ==, name_128);
}

/* Check-ins and device signatures */

static void
test_check_in (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = start_server (db, "--demo", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CpJwk) key = new_device_key ();
  g_autoptr(CpJwk) other_key = new_device_key ();
  g_autoptr(JsonObject) device = enroll (session, server->url, alice (), key, 201);
  g_autoptr(JsonObject) other = enroll (session, server->url, bob (), other_key, 201);
  const char *id = json_object_get_string_member (device, "id");
  const char *other_id = json_object_get_string_member (other, "id");
  g_autofree char *path = device_path (id, "/check-ins");
  g_autofree char *other_path = device_path (other_id, "/check-ins");
  const char *body = "{\"agentVersion\":\"0.1.0\",\"facts\":{\"hostname\":\"renamed-host\",\"osName\":\"Debian GNU/Linux\"}}";
  g_autofree char *compact = signed_compact (key, id, "POST", path, body, now ());
  g_autoptr(CpTestResponse) ok = send_signed (session, server->url, "POST", path, compact);
  g_autoptr(CpTestResponse) replay = send_signed (session, server->url, "POST", path, compact);
  g_autoptr(JsonObject) answer = NULL;
  JsonObject *checked_in;

  g_assert_cmpuint (ok->status, ==, 200);
  answer = cp_test_response_json (ok);
  checked_in = json_object_get_object_member (answer, "device");
  g_assert_cmpstr (json_object_get_string_member (checked_in, "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (checked_in, "hostname"), ==, "renamed-host");
  g_assert_true (json_object_has_member (checked_in, "lastCheckInDateTime"));
  g_assert_true (g_str_has_prefix (json_object_get_string_member (answer, "policyEtag"), "\""));

  /* The same signed request again is a replay. */
  cp_test_assert_problem (replay, 401);

  {
    /* Signed by another device's key, for this device */
    g_autofree char *forged = signed_compact (other_key, id, "POST", path, body, now ());
    g_autoptr(CpTestResponse) r1 = send_signed (session, server->url, "POST", path, forged);
    /* Too old, and too far in the future */
    g_autofree char *old = signed_compact (key, id, "POST", path, body, now () - CP_DEVICE_REQUEST_MAX_SKEW - 60);
    g_autoptr(CpTestResponse) r2 = send_signed (session, server->url, "POST", path, old);
    g_autofree char *future = signed_compact (key, id, "POST", path, body, now () + CP_DEVICE_REQUEST_MAX_SKEW + 60);
    g_autoptr(CpTestResponse) r3 = send_signed (session, server->url, "POST", path, future);
    /* Signed for this device, sent to bob's device's path */
    g_autofree char *for_other = signed_compact (key, id, "POST", path, body, now ());
    g_autoptr(CpTestResponse) r4 = send_signed (session, server->url, "POST", other_path, for_other);
    /* Signed for one path, sent to another of the same device */
    g_autofree char *installs = device_path (id, "/installs");
    g_autofree char *wrong_path = signed_compact (key, id, "POST", installs, body, now ());
    g_autoptr(CpTestResponse) r5 = send_signed (session, server->url, "POST", path, wrong_path);
    /* Not signed at all */
    g_autoptr(CpTestResponse) r6 = cp_test_api (session, server->url, "POST", path, alice (), body);
    /* Garbage, and a header nested deep enough to crash a recursive parser */
    g_autoptr(CpTestResponse) r7 = send_signed (session, server->url, "POST", path, "a.b.c");
    g_autofree char *deep = g_strnfill (200000, '{');
    g_autofree char *deep_header = cp_base64url_encode ((const guint8 *) deep, strlen (deep));
    g_autofree char *deep_compact = g_strconcat (deep_header, ".e30.AAAA", NULL);
    g_autoptr(CpTestResponse) r11 = send_signed (session, server->url, "POST", path, deep_compact);
    /* A device that does not exist */
    g_autofree char *nope = signed_compact (key, "nope", "POST", "/v1/devices/nope/check-ins", body, now ());
    g_autoptr(CpTestResponse) r8 = send_signed (session, server->url, "POST", "/v1/devices/nope/check-ins", nope);
    /* Signed correctly, but the body is not a check-in */
    g_autoptr(CpTestResponse) r9 = device_request (session, server->url, key, id, "POST", path, "[1,2]");
    g_autoptr(CpTestResponse) r10 = device_request (session, server->url, key, id, "POST", path,
                                                    "{\"facts\":{\"hostname\":\"x\\u0001y\"}}");

    cp_test_assert_problem (r1, 401);
    cp_test_assert_problem (r2, 401);
    cp_test_assert_problem (r3, 401);
    cp_test_assert_problem (r4, 401);
    cp_test_assert_problem (r5, 401);
    cp_test_assert_problem (r6, 401);
    cp_test_assert_problem (r7, 401);
    cp_test_assert_problem (r11, 401);
    cp_test_assert_problem (r8, 404);
    cp_test_assert_problem (r9, 400);
    cp_test_assert_problem (r10, 400);
  }

  /* The owner sees the new facts. */
  {
    g_autofree char *get_path = device_path (id, NULL);
    g_autoptr(CpTestResponse) get = cp_test_api (session, server->url, "GET", get_path, alice (), NULL);
    g_autoptr(JsonObject) seen = cp_test_response_json (get);

    g_assert_cmpstr (json_object_get_string_member (seen, "hostname"), ==, "renamed-host");
  }
}

static void
test_policy (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = start_server (db, "--demo", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CpJwk) key = new_device_key ();
  g_autoptr(CpJwk) bob_key = new_device_key ();
  g_autoptr(JsonObject) device = enroll (session, server->url, alice (), key, 201);
  g_autoptr(JsonObject) bob_device = enroll (session, server->url, bob (), bob_key, 201);
  const char *id = json_object_get_string_member (device, "id");
  g_autofree char *path = device_path (id, "/policy");
  g_autofree char *check_in = device_path (id, "/check-ins");
  g_autofree char *bob_path = device_path (json_object_get_string_member (bob_device, "id"), "/policy");
  g_autoptr(CpTestResponse) as_owner = cp_test_api (session, server->url, "GET", path, alice (), NULL);
  g_autoptr(CpTestResponse) as_device = device_request (session, server->url, key, id, "GET", path, NULL);
  g_autoptr(CpTestResponse) as_bob = cp_test_api (session, server->url, "GET", path, bob (), NULL);
  g_autoptr(CpTestResponse) bobs_as_alice = cp_test_api (session, server->url, "GET", bob_path, alice (), NULL);
  g_autoptr(CpTestResponse) checked_in = device_request (session, server->url, key, id, "POST", check_in,
                                                         "{\"facts\":{}}");
  g_autoptr(JsonObject) policy = NULL;
  g_autoptr(JsonObject) check_in_answer = NULL;
  JsonArray *settings;

  g_assert_cmpuint (as_owner->status, ==, 200);
  g_assert_cmpuint (as_device->status, ==, 200);
  cp_test_assert_problem (as_bob, 404);
  cp_test_assert_problem (bobs_as_alice, 404);
  g_assert_true (g_bytes_equal (as_owner->body, as_device->body));

  policy = cp_test_response_json (as_device);
  g_assert_cmpstr (json_object_get_string_member (policy, "id"), ==, "kestrel-linux-baseline");
  settings = json_object_get_array_member (policy, "settings");
  g_assert_cmpuint (json_array_get_length (settings), ==, 8);
  /* Everything passes through, parameters included. */
  g_assert_nonnull (strstr (g_bytes_get_data (as_device->body, NULL), "\"minVersion\":\"22.04\""));

  /* The check-in's policyEtag is the policy's ETag. */
  check_in_answer = cp_test_response_json (checked_in);
  g_assert_cmpstr (json_object_get_string_member (check_in_answer, "policyEtag"), ==,
                   soup_message_headers_get_one (as_device->headers, "ETag"));

  {
    /* A signed GET for bob's device with alice's device key, a replayed GET,
     * a GET signed as a POST */
    g_autoptr(CpTestResponse) r1 = device_request (session, server->url, key, id, "GET", bob_path, NULL);
    g_autofree char *compact = signed_compact (key, id, "GET", path, NULL, now ());
    g_autoptr(CpTestResponse) first = send_signed (session, server->url, "GET", path, compact);
    g_autoptr(CpTestResponse) again = send_signed (session, server->url, "GET", path, compact);
    g_autofree char *as_post = signed_compact (key, id, "POST", path, NULL, now ());
    g_autoptr(CpTestResponse) r3 = send_signed (session, server->url, "GET", path, as_post);

    cp_test_assert_problem (r1, 401);
    g_assert_cmpuint (first->status, ==, 200);
    cp_test_assert_problem (again, 401);
    cp_test_assert_problem (r3, 401);
  }
}

/* Compliance */

/* A compliance report, with the agent's @report_id unless NULL. */
static CpTestResponse *
send_report (SoupSession *session,
             const char  *base,
             CpJwk       *key,
             const char  *id,
             const char  *report_id,
             const char  *results)
{
  g_autofree char *path = device_path (id, "/compliance-reports");
  g_autoptr(GDateTime) time = g_date_time_new_now_utc ();
  g_autofree char *evaluated = g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *id_member = report_id ? g_strdup_printf ("\"reportId\":\"%s\",", report_id) : NULL;
  g_autofree char *body = g_strdup_printf ("{%s\"policyId\":\"kestrel-linux-baseline\",\"evaluatedAt\":\"%s\",\"results\":%s}",
                                           id_member ? id_member : "", evaluated, results);

  return device_request (session, base, key, id, "POST", path, body);
}

static JsonObject *
report_with_id (SoupSession *session,
                const char  *base,
                CpJwk       *key,
                const char  *id,
                const char  *report_id,
                const char  *results)
{
  g_autoptr(CpTestResponse) response = send_report (session, base, key, id, report_id, results);

  g_assert_cmpuint (response->status, ==, 200);
  return cp_test_response_json (response);
}

static JsonObject *
report (SoupSession *session,
        const char  *base,
        CpJwk       *key,
        const char  *id,
        const char  *results)
{
  return report_with_id (session, base, key, id, NULL, results);
}

static JsonObject *
get_device (SoupSession *session,
            const char  *base,
            const char  *id)
{
  g_autofree char *path = device_path (id, NULL);
  g_autoptr(CpTestResponse) response = cp_test_api (session, base, "GET", path, alice (), NULL);

  g_assert_cmpuint (response->status, ==, 200);
  return cp_test_response_json (response);
}

static gint64
parse_time (const char *text)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (text, NULL);

  g_assert_nonnull (time);
  return g_date_time_to_unix (time);
}

static char *
format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_seconds);

  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
}

/* Every setting of the demo policy */
#define ALL_GOOD "[{\"settingId\":\"os\",\"state\":\"compliant\"},{\"settingId\":\"firewall\",\"state\":\"compliant\"}," \
                 "{\"settingId\":\"secure-boot\",\"state\":\"notApplicable\"},{\"settingId\":\"disk-encryption\",\"state\":\"compliant\"}," \
                 "{\"settingId\":\"passwords\",\"state\":\"compliant\"},{\"settingId\":\"screen-lock\",\"state\":\"compliant\"}," \
                 "{\"settingId\":\"updates\",\"state\":\"compliant\"},{\"settingId\":\"ssh\",\"state\":\"compliant\"}]"
/* All compliant, but the policy's ssh setting has no result */
#define MISSING_ONE "[{\"settingId\":\"os\",\"state\":\"compliant\"},{\"settingId\":\"firewall\",\"state\":\"compliant\"}," \
                    "{\"settingId\":\"secure-boot\",\"state\":\"notApplicable\"},{\"settingId\":\"disk-encryption\",\"state\":\"compliant\"}," \
                    "{\"settingId\":\"passwords\",\"state\":\"compliant\"},{\"settingId\":\"screen-lock\",\"state\":\"compliant\"}," \
                    "{\"settingId\":\"updates\",\"state\":\"compliant\"}]"
#define FIREWALL_OFF "[{\"settingId\":\"os\",\"state\":\"compliant\"},{\"settingId\":\"firewall\",\"state\":\"noncompliant\"," \
                     "\"title\":\"Firewall\",\"evidence\":\"No firewall is enabled\",\"expected\":\"A firewall is enabled\"," \
                     "\"remediation\":{\"title\":\"Turn on the firewall\",\"steps\":[\"Run it\"],\"action\":{\"type\":\"command\",\"value\":\"sudo ufw enable\"}}}]"
#define TWO_FAILING "[{\"settingId\":\"firewall\",\"state\":\"noncompliant\"},{\"settingId\":\"disk-encryption\",\"state\":\"error\"}]"
#define ONLY_UNKNOWN "[{\"settingId\":\"os\",\"state\":\"compliant\"},{\"settingId\":\"screen-lock\",\"state\":\"unknown\"}]"

static void
assert_state (JsonObject *object,
              const char *state)
{
  g_assert_cmpstr (json_object_get_string_member (object, "complianceState"), ==, state);
  if (g_strcmp0 (state, "inGracePeriod") != 0)
    g_assert_false (json_object_has_member (object, "complianceGraceDeadline"));
}

static void
test_compliance_grace_period (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = start_server (db, "--demo", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CpJwk) key = new_device_key ();
  g_autoptr(JsonObject) device = enroll (session, server->url, alice (), key, 201);
  const char *id = json_object_get_string_member (device, "id");
  g_autoptr(JsonObject) r = NULL;
  g_autoptr(JsonObject) seen = NULL;
  g_autofree char *past = NULL;
  gint64 deadline, before = now ();

  r = report (session, server->url, key, id, ALL_GOOD);
  assert_state (r, "compliant");
  g_clear_pointer (&r, json_object_unref);

  /* The firewall goes off: 24 hours of grace. */
  r = report (session, server->url, key, id, FIREWALL_OFF);
  assert_state (r, "inGracePeriod");
  deadline = parse_time (json_object_get_string_member (r, "complianceGraceDeadline"));
  g_assert_cmpint (deadline, >=, before + 24 * 3600);
  g_assert_cmpint (deadline, <=, now () + 24 * 3600);
  seen = get_device (session, server->url, id);
  assert_state (seen, "inGracePeriod");
  g_assert_cmpint (parse_time (json_object_get_string_member (seen, "complianceGraceDeadline")), ==, deadline);
  g_clear_pointer (&seen, json_object_unref);

  /* Still off in the next report: the deadline does not move. */
  g_clear_pointer (&r, json_object_unref);
  r = report (session, server->url, key, id, FIREWALL_OFF);
  g_assert_cmpint (parse_time (json_object_get_string_member (r, "complianceGraceDeadline")), ==, deadline);

  /* Day two: it started failing 25 hours ago; the running server sees it at once. */
  past = format_time (now () - 25 * 3600);
  g_assert_cmpint (admin (db, "set-first-failing", id, "firewall", past, NULL), ==, 0);
  seen = get_device (session, server->url, id);
  assert_state (seen, "noncompliant");
  g_clear_pointer (&seen, json_object_unref);

  /* A longer grace period for that setting puts it back in grace. */
  g_assert_cmpint (admin (db, "set-setting-grace", "firewall", "48", NULL), ==, 0);
  seen = get_device (session, server->url, id);
  assert_state (seen, "inGracePeriod");
  g_assert_cmpint (parse_time (json_object_get_string_member (seen, "complianceGraceDeadline")), ==,
                   parse_time (past) + 48 * 3600);
  g_clear_pointer (&seen, json_object_unref);

  /* Fixed: compliant; failing again starts a new grace period. */
  g_clear_pointer (&r, json_object_unref);
  r = report (session, server->url, key, id, ALL_GOOD);
  assert_state (r, "compliant");
  g_clear_pointer (&r, json_object_unref);
  r = report (session, server->url, key, id, FIREWALL_OFF);
  assert_state (r, "inGracePeriod");
  g_assert_cmpint (parse_time (json_object_get_string_member (r, "complianceGraceDeadline")), >=,
                   now () + 48 * 3600 - 5);

  /* Day ninety: the grace period is over. */
  g_assert_cmpint (admin (db, "expire-grace", id, NULL), ==, 0);
  seen = get_device (session, server->url, id);
  assert_state (seen, "noncompliant");
  g_clear_pointer (&seen, json_object_unref);

  /* Two failing settings: the earliest deadline wins; error counts as failing. */
  g_clear_pointer (&r, json_object_unref);
  r = report (session, server->url, key, id, ALL_GOOD);
  g_clear_pointer (&r, json_object_unref);
  r = report (session, server->url, key, id, TWO_FAILING);
  assert_state (r, "inGracePeriod");
  deadline = parse_time (json_object_get_string_member (r, "complianceGraceDeadline"));
  g_assert_cmpint (deadline, <=, now () + 48 * 3600);
  g_assert_cmpint (deadline, >=, before + 48 * 3600);
  /* Move disk-encryption's (72 h) deadline to one hour from now: it is now the earliest. */
  {
    g_autofree char *soon = format_time (now () + 3600);

    g_assert_cmpint (admin (db, "set-compliance-deadline", id, "disk-encryption", soon, NULL), ==, 0);
    seen = get_device (session, server->url, id);
    assert_state (seen, "inGracePeriod");
    g_assert_cmpint (parse_time (json_object_get_string_member (seen, "complianceGraceDeadline")), ==,
                     parse_time (soon));
    g_clear_pointer (&seen, json_object_unref);
  }
  /* One of them past its deadline is enough. */
  {
    g_autofree char *gone = format_time (now () - 60);

    g_assert_cmpint (admin (db, "set-compliance-deadline", id, "disk-encryption", gone, NULL), ==, 0);
    seen = get_device (session, server->url, id);
    assert_state (seen, "noncompliant");
    g_clear_pointer (&seen, json_object_unref);
  }

  /* Nothing failing but something unknown: unknown. */
  g_clear_pointer (&r, json_object_unref);
  r = report (session, server->url, key, id, ONLY_UNKNOWN);
  assert_state (r, "unknown");
  /* A setting that was not evaluated at all is not compliant either. */
  g_clear_pointer (&r, json_object_unref);
  r = report (session, server->url, key, id, MISSING_ONE);
  assert_state (r, "unknown");
  g_clear_pointer (&r, json_object_unref);
  r = report (session, server->url, key, id, "[]");
  assert_state (r, "unknown");

  /* Bad admin commands fail without changing anything. */
  g_assert_cmpint (admin (db, "set-setting-grace", "no-such-setting", "5", NULL), !=, 0);
  g_assert_cmpint (admin (db, "set-setting-grace", "firewall", "-5", NULL), !=, 0);
  g_assert_cmpint (admin (db, "set-first-failing", id, "firewall", "yesterday", NULL), !=, 0);
  g_assert_cmpint (admin (db, "frobnicate", NULL), !=, 0);
  g_assert_cmpint (admin (db, "remove-device", "no-such-device", NULL), !=, 0);
}

static void
test_compliance_view_and_bad_reports (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = start_server (db, "--demo", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CpJwk) key = new_device_key ();
  g_autoptr(JsonObject) device = enroll (session, server->url, alice (), key, 201);
  const char *id = json_object_get_string_member (device, "id");
  g_autofree char *path = device_path (id, "/compliance");
  g_autofree char *reports = device_path (id, "/compliance-reports");
  g_autoptr(JsonObject) r1 = report (session, server->url, key, id, ALL_GOOD);
  g_autoptr(JsonObject) r2 = report (session, server->url, key, id, FIREWALL_OFF);
  g_autoptr(CpTestResponse) view = cp_test_api (session, server->url, "GET", path, alice (), NULL);
  g_autoptr(CpTestResponse) as_bob = cp_test_api (session, server->url, "GET", path, bob (), NULL);
  g_autoptr(JsonObject) compliance = NULL;
  JsonArray *results, *history, *failing;
  static const char *const bad_bodies[] = {
    "{\"results\":[]}",
    "{\"evaluatedAt\":\"2026-11-29T02:00:00\",\"results\":[]}",
    "{\"evaluatedAt\":\"yesterday\",\"results\":[]}",
    "{\"evaluatedAt\":\"2026-11-29T02:00:00Z\",\"results\":{}}",
    "{\"evaluatedAt\":\"2026-11-29T02:00:00Z\",\"results\":[{\"settingId\":\"os\",\"state\":\"fine\"}]}",
    "{\"evaluatedAt\":\"2026-11-29T02:00:00Z\",\"results\":[{\"settingId\":\"bad id!\",\"state\":\"compliant\"}]}",
    "{\"evaluatedAt\":\"2026-11-29T02:00:00Z\",\"results\":[{\"state\":\"compliant\"}]}",
    "{\"evaluatedAt\":\"2026-11-29T02:00:00Z\",\"results\":[{\"settingId\":\"os\",\"state\":\"compliant\",\"evidence\":5}]}",
    "{\"evaluatedAt\":\"2026-11-29T02:00:00Z\",\"results\":[{\"settingId\":\"os\",\"state\":\"compliant\",\"remediation\":\"x\"}]}",
    "{\"evaluatedAt\":\"2026-11-29T02:00:00Z\",\"results\":[7]}",
    "[]",
    "null",
  };

  assert_state (r1, "compliant");
  g_assert_cmpuint (view->status, ==, 200);
  cp_test_assert_problem (as_bob, 404);
  compliance = cp_test_response_json (view);
  assert_state (compliance, "inGracePeriod");
  g_assert_cmpstr (json_object_get_string_member (compliance, "complianceGraceDeadline"), ==,
                   json_object_get_string_member (r2, "complianceGraceDeadline"));
  g_assert_cmpstr (json_object_get_string_member (compliance, "policyId"), ==, "kestrel-linux-baseline");
  results = json_object_get_array_member (compliance, "results");
  g_assert_cmpuint (json_array_get_length (results), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (results, 1), "evidence"), ==,
                   "No firewall is enabled");
  g_assert_true (json_object_has_member (json_array_get_object_element (results, 1), "remediation"));
  failing = json_object_get_array_member (compliance, "failingSettings");
  g_assert_cmpuint (json_array_get_length (failing), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (failing, 0), "settingId"), ==, "firewall");
  history = json_object_get_array_member (compliance, "history");
  g_assert_cmpuint (json_array_get_length (history), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (history, 0), "state"), ==, "inGracePeriod");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (history, 1), "state"), ==, "compliant");

  for (guint i = 0; i < G_N_ELEMENTS (bad_bodies); i++)
    {
      g_autoptr(CpTestResponse) response = device_request (session, server->url, key, id, "POST", reports, bad_bodies[i]);

      cp_test_assert_problem (response, 400);
    }

  /* Reports are device-signed only. */
  {
    g_autoptr(CpTestResponse) as_user = cp_test_api (session, server->url, "POST", reports, alice (),
                                             "{\"evaluatedAt\":\"2026-11-29T02:00:00Z\",\"results\":[]}");

    cp_test_assert_problem (as_user, 401);
  }
}

/* The agent sends a report again when its answer was lost: the server keeps
 * it once, answers with the current state and never lets the old report undo
 * a newer one. */
static void
test_compliance_report_sent_again (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = start_server (db, "--demo", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CpJwk) key = new_device_key ();
  g_autoptr(CpJwk) other_key = new_device_key ();
  g_autoptr(JsonObject) device = enroll (session, server->url, alice (), key, 201);
  g_autoptr(JsonObject) other = enroll (session, server->url, alice (), other_key, 201);
  const char *id = json_object_get_string_member (device, "id");
  const char *other_id = json_object_get_string_member (other, "id");
  g_autofree char *path = device_path (id, "/compliance");
  g_autofree char *longest = g_strnfill (128, '~');
  g_autofree char *too_long = g_strnfill (129, 'a');
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(JsonObject) newer = NULL;
  g_autoptr(JsonObject) late = NULL;
  g_autoptr(JsonObject) elsewhere = NULL;
  g_autoptr(JsonObject) compliance = NULL;
  g_autoptr(CpTestResponse) view = NULL;
  const char *bad_ids[] = { "", "bad id", "a/b", "caf\xc3\xa9", "x:y", too_long };

  first = report_with_id (session, server->url, key, id, "Az09._~-lost", FIREWALL_OFF);
  assert_state (first, "inGracePeriod");
  g_assert_cmpuint (db_count (db, "compliance_reports", id), ==, 1);

  /* The same report again (a fresh signature): the same answer, nothing new kept. */
  again = report_with_id (session, server->url, key, id, "Az09._~-lost", FIREWALL_OFF);
  assert_state (again, "inGracePeriod");
  g_assert_cmpstr (json_object_get_string_member (again, "complianceGraceDeadline"), ==,
                   json_object_get_string_member (first, "complianceGraceDeadline"));
  g_assert_cmpuint (db_count (db, "compliance_reports", id), ==, 1);

  /* A newer report, then the old one arrives once more: it changes nothing. */
  newer = report_with_id (session, server->url, key, id, longest, ALL_GOOD);
  assert_state (newer, "compliant");
  late = report_with_id (session, server->url, key, id, "Az09._~-lost", FIREWALL_OFF);
  assert_state (late, "compliant");
  g_assert_cmpuint (db_count (db, "compliance_reports", id), ==, 2);
  view = cp_test_api (session, server->url, "GET", path, alice (), NULL);
  g_assert_cmpuint (view->status, ==, 200);
  compliance = cp_test_response_json (view);
  assert_state (compliance, "compliant");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (compliance, "results")), ==, 8);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (compliance, "failingSettings")), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (compliance, "history")), ==, 2);

  /* Ids are the device's own: another device may use the same one. */
  elsewhere = report_with_id (session, server->url, other_key, other_id, "Az09._~-lost", FIREWALL_OFF);
  assert_state (elsewhere, "inGracePeriod");
  g_assert_cmpuint (db_count (db, "compliance_reports", other_id), ==, 1);

  /* Without an id (an older agent) every report is a new one. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(JsonObject) plain = report (session, server->url, key, id, ALL_GOOD);

      assert_state (plain, "compliant");
    }
  g_assert_cmpuint (db_count (db, "compliance_reports", id), ==, 4);

  for (guint i = 0; i < G_N_ELEMENTS (bad_ids); i++)
    {
      g_autoptr(CpTestResponse) response = send_report (session, server->url, key, id, bad_ids[i], FIREWALL_OFF);

      cp_test_assert_problem (response, 400);
    }
  {
    g_autofree char *reports = device_path (id, "/compliance-reports");
    g_autoptr(CpTestResponse) number = device_request (session, server->url, key, id, "POST", reports,
                                                       "{\"reportId\":7,\"evaluatedAt\":\"2026-11-29T02:00:00Z\",\"results\":[]}");

    cp_test_assert_problem (number, 400);
  }
  g_assert_cmpuint (db_count (db, "compliance_reports", id), ==, 4);
}

/* Install reports */

static void
test_installs (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = start_server (db, "--demo", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CpJwk) key = new_device_key ();
  g_autoptr(JsonObject) device = enroll (session, server->url, alice (), key, 201);
  const char *id = json_object_get_string_member (device, "id");
  g_autofree char *path = device_path (id, "/installs");
  g_autoptr(CpTestResponse) first = device_request (session, server->url, key, id, "POST", path,
    "{\"reports\":[{\"appId\":\"com.slack.Slack\",\"state\":\"pendingInstall\",\"at\":\"2026-11-29T01:00:00Z\"},"
    "{\"appId\":\"org.mozilla.firefox\",\"state\":\"failed\",\"errorMessage\":\"No space left\",\"at\":\"2026-11-29T01:00:00Z\"}]}");
  g_autoptr(CpTestResponse) second = device_request (session, server->url, key, id, "POST", path,
    "{\"reports\":[{\"appId\":\"com.slack.Slack\",\"state\":\"installed\",\"at\":\"2026-11-29T01:05:00Z\"}]}");
  g_autoptr(CpTestResponse) list = cp_test_api (session, server->url, "GET", path, alice (), NULL);
  g_autoptr(CpTestResponse) as_bob = cp_test_api (session, server->url, "GET", path, bob (), NULL);
  g_autoptr(JsonObject) installs = NULL;
  JsonArray *items;
  JsonObject *firefox, *slack;
  static const char *const bad_bodies[] = {
    "{}",
    "{\"reports\":{}}",
    "{\"reports\":[{\"appId\":\"com.slack.Slack\",\"state\":\"downloading\",\"at\":\"2026-11-29T01:00:00Z\"}]}",
    "{\"reports\":[{\"appId\":\"../etc\",\"state\":\"installed\",\"at\":\"2026-11-29T01:00:00Z\"}]}",
    "{\"reports\":[{\"appId\":\"com.slack.Slack\",\"state\":\"installed\"}]}",
    "{\"reports\":[{\"appId\":\"com.slack.Slack\",\"state\":\"installed\",\"at\":\"soon\"}]}",
    /* A bad entry rejects the whole batch: the good first one is not kept. */
    "{\"reports\":[{\"appId\":\"org.gimp.GIMP\",\"state\":\"installed\",\"at\":\"2026-11-29T01:00:00Z\"},7]}",
  };

  g_assert_cmpuint (first->status, ==, 204);
  g_assert_cmpuint (second->status, ==, 204);
  g_assert_cmpuint (list->status, ==, 200);
  cp_test_assert_problem (as_bob, 404);

  for (guint i = 0; i < G_N_ELEMENTS (bad_bodies); i++)
    {
      g_autoptr(CpTestResponse) response = device_request (session, server->url, key, id, "POST", path, bad_bodies[i]);

      cp_test_assert_problem (response, 400);
    }

  installs = cp_test_response_json (list);
  items = json_object_get_array_member (installs, "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  slack = json_array_get_object_element (items, 0);
  firefox = json_array_get_object_element (items, 1);
  /* The latest report wins. */
  g_assert_cmpstr (json_object_get_string_member (slack, "appId"), ==, "com.slack.Slack");
  g_assert_cmpstr (json_object_get_string_member (slack, "state"), ==, "installed");
  g_assert_cmpstr (json_object_get_string_member (slack, "at"), ==, "2026-11-29T01:05:00Z");
  g_assert_cmpstr (json_object_get_string_member (firefox, "state"), ==, "failed");
  g_assert_cmpstr (json_object_get_string_member (firefox, "errorMessage"), ==, "No space left");
  g_clear_pointer (&installs, json_object_unref);

  {
    g_autoptr(CpTestResponse) again = cp_test_api (session, server->url, "GET", path, alice (), NULL);

    installs = cp_test_response_json (again);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (installs, "items")), ==, 2);
  }
}

/* Install reports sent again after a lost answer are skipped one by one:
 * the rest of the batch is kept, and an old report never hides a newer one. */
static void
test_installs_sent_again (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = start_server (db, "--demo", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CpJwk) key = new_device_key ();
  g_autoptr(JsonObject) device = enroll (session, server->url, alice (), key, 201);
  const char *id = json_object_get_string_member (device, "id");
  g_autofree char *path = device_path (id, "/installs");
  const char *batch =
    "{\"reports\":[{\"reportId\":\"r-1\",\"appId\":\"com.slack.Slack\",\"state\":\"pendingInstall\",\"at\":\"2026-11-29T01:00:00Z\"},"
    "{\"reportId\":\"r-2\",\"appId\":\"com.slack.Slack\",\"state\":\"installed\",\"at\":\"2026-11-29T01:05:00Z\"}]}";
  const char *removed =
    "{\"reports\":[{\"reportId\":\"r-3\",\"appId\":\"com.slack.Slack\",\"state\":\"notInstalled\",\"at\":\"2026-11-29T01:10:00Z\"}]}";
  const char *old_and_new =
    "{\"reports\":[{\"reportId\":\"r-2\",\"appId\":\"com.slack.Slack\",\"state\":\"installed\",\"at\":\"2026-11-29T01:05:00Z\"},"
    "{\"reportId\":\"r-4\",\"appId\":\"org.mozilla.firefox\",\"state\":\"installed\",\"at\":\"2026-11-29T01:12:00Z\"},"
    "{\"reportId\":\"r-4\",\"appId\":\"org.mozilla.firefox\",\"state\":\"installed\",\"at\":\"2026-11-29T01:12:00Z\"},"
    "{\"appId\":\"org.gimp.GIMP\",\"state\":\"installed\",\"at\":\"2026-11-29T01:13:00Z\"}]}";
  static const char *const bad_bodies[] = {
    "{\"reports\":[{\"reportId\":\"\",\"appId\":\"org.gimp.GIMP\",\"state\":\"installed\",\"at\":\"2026-11-29T01:00:00Z\"}]}",
    "{\"reports\":[{\"reportId\":\"no spaces\",\"appId\":\"org.gimp.GIMP\",\"state\":\"installed\",\"at\":\"2026-11-29T01:00:00Z\"}]}",
    "{\"reports\":[{\"reportId\":5,\"appId\":\"org.gimp.GIMP\",\"state\":\"installed\",\"at\":\"2026-11-29T01:00:00Z\"}]}",
    /* A good one and a bad id: neither is kept. */
    "{\"reports\":[{\"reportId\":\"r-9\",\"appId\":\"org.gimp.GIMP\",\"state\":\"installed\",\"at\":\"2026-11-29T01:00:00Z\"},"
    "{\"reportId\":\"r/10\",\"appId\":\"org.gimp.GIMP\",\"state\":\"installed\",\"at\":\"2026-11-29T01:00:00Z\"}]}",
  };
  g_autoptr(JsonObject) installs = NULL;
  JsonArray *items;

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(CpTestResponse) response = device_request (session, server->url, key, id, "POST", path, batch);

      g_assert_cmpuint (response->status, ==, 204);
      g_assert_cmpuint (db_count (db, "install_reports", id), ==, 2);
    }

  {
    g_autoptr(CpTestResponse) newer = device_request (session, server->url, key, id, "POST", path, removed);
    g_autoptr(CpTestResponse) mixed = device_request (session, server->url, key, id, "POST", path, old_and_new);
    g_autoptr(CpTestResponse) list = NULL;

    g_assert_cmpuint (newer->status, ==, 204);
    g_assert_cmpuint (mixed->status, ==, 204);
    /* r-2 was kept before and r-4 once; the one without an id is new. */
    g_assert_cmpuint (db_count (db, "install_reports", id), ==, 5);
    list = cp_test_api (session, server->url, "GET", path, alice (), NULL);
    g_assert_cmpuint (list->status, ==, 200);
    installs = cp_test_response_json (list);
  }
  items = json_object_get_array_member (installs, "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "appId"), ==, "com.slack.Slack");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "state"), ==, "notInstalled");

  for (guint i = 0; i < G_N_ELEMENTS (bad_bodies); i++)
    {
      g_autoptr(CpTestResponse) response = device_request (session, server->url, key, id, "POST", path, bad_bodies[i]);

      cp_test_assert_problem (response, 400);
    }
  g_assert_cmpuint (db_count (db, "install_reports", id), ==, 5);
}

/* Removal and restart */

static void
test_remove_and_restart (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = start_server (db, "--demo", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CpJwk) kept_key = new_device_key ();
  g_autoptr(CpJwk) deleted_key = new_device_key ();
  g_autoptr(CpJwk) removed_key = new_device_key ();
  g_autoptr(JsonObject) kept = enroll (session, server->url, alice (), kept_key, 201);
  g_autoptr(JsonObject) deleted = enroll (session, server->url, alice (), deleted_key, 201);
  g_autoptr(JsonObject) removed = enroll (session, server->url, alice (), removed_key, 201);
  const char *kept_id = json_object_get_string_member (kept, "id");
  const char *deleted_id = json_object_get_string_member (deleted, "id");
  const char *removed_id = json_object_get_string_member (removed, "id");
  g_autofree char *deleted_path = device_path (deleted_id, NULL);
  g_autofree char *deleted_check_in = device_path (deleted_id, "/check-ins");
  g_autofree char *removed_check_in = device_path (removed_id, "/check-ins");
  g_autofree char *kept_check_in = device_path (kept_id, "/check-ins");
  g_autofree char *kept_installs = device_path (kept_id, "/installs");
  g_autofree char *early = NULL;
  g_autoptr(CpTestResponse) del = cp_test_api (session, server->url, "DELETE", deleted_path, alice (), NULL);
  g_autoptr(CpTestResponse) gone = cp_test_api (session, server->url, "GET", deleted_path, alice (), NULL);
  g_autoptr(CpTestResponse) del_again = cp_test_api (session, server->url, "DELETE", deleted_path, alice (), NULL);
  g_autoptr(CpTestResponse) signed_gone = device_request (session, server->url, deleted_key, deleted_id, "POST",
                                                          deleted_check_in, "{\"facts\":{}}");
  g_autoptr(CpTestResponse) re_enroll = NULL;
  g_autoptr(JsonObject) r = NULL;

  g_assert_cmpuint (del->status, ==, 204);
  cp_test_assert_problem (gone, 404);
  cp_test_assert_problem (del_again, 404);
  /* The agent learns its device is gone and deletes its key. */
  cp_test_assert_problem (signed_gone, 410);
  /* A removed device's key is not enrolled again. */
  {
    g_autofree char *body = enroll_body (deleted_key, NULL);

    re_enroll = cp_test_api (session, server->url, "POST", "/v1/devices", alice (), body);
    cp_test_assert_problem (re_enroll, 409);
  }

  /* An admin removes a device under the running server. */
  g_assert_cmpint (admin (db, "remove-device", removed_id, NULL), ==, 0);
  {
    g_autoptr(CpTestResponse) after = device_request (session, server->url, removed_key, removed_id, "POST",
                                                      removed_check_in, "{\"facts\":{}}");
    g_autoptr(CpTestResponse) list = cp_test_api (session, server->url, "GET", "/v1/devices", alice (), NULL);
    g_autoptr(JsonObject) devices = cp_test_response_json (list);

    cp_test_assert_problem (after, 410);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (devices, "items")), ==, 1);
  }

  /* State to find again after the restart */
  r = report (session, server->url, kept_key, kept_id, FIREWALL_OFF);
  assert_state (r, "inGracePeriod");
  {
    g_autoptr(CpTestResponse) installs = device_request (session, server->url, kept_key, kept_id, "POST", kept_installs,
      "{\"reports\":[{\"appId\":\"com.slack.Slack\",\"state\":\"installed\",\"at\":\"2026-11-29T01:05:00Z\"}]}");

    g_assert_cmpuint (installs->status, ==, 204);
  }
  early = signed_compact (kept_key, kept_id, "POST", kept_check_in, "{\"facts\":{}}", now ());
  {
    g_autoptr(CpTestResponse) used = send_signed (session, server->url, "POST", kept_check_in, early);

    g_assert_cmpuint (used->status, ==, 200);
  }
  g_assert_cmpint (cp_test_process_stop (server), ==, 0);
  g_clear_pointer (&server, cp_test_process_free);

  /* No --demo: everything comes from the database. */
  server = start_server (db, NULL);
  {
    g_autoptr(JsonObject) seen = get_device (session, server->url, kept_id);
    g_autoptr(CpTestResponse) list = cp_test_api (session, server->url, "GET", "/v1/devices", alice (), NULL);
    g_autoptr(JsonObject) devices = cp_test_response_json (list);
    g_autoptr(CpTestResponse) installs = cp_test_api (session, server->url, "GET", kept_installs, alice (), NULL);
    g_autoptr(CpTestResponse) replay = send_signed (session, server->url, "POST", kept_check_in, early);
    g_autoptr(CpTestResponse) fresh = device_request (session, server->url, kept_key, kept_id, "POST",
                                                      kept_check_in, "{\"facts\":{}}");
    g_autoptr(CpTestResponse) removed_still = device_request (session, server->url, removed_key, removed_id, "POST",
                                                              removed_check_in, "{\"facts\":{}}");
    g_autoptr(CpTestResponse) apps = cp_test_api (session, server->url, "GET", "/v1/apps?q=slack", alice (), NULL);
    g_autoptr(CpTestResponse) policy = cp_test_api (session, server->url, "GET", "/v1/devices/x/policy", alice (), NULL);

    assert_state (seen, "inGracePeriod");
    g_assert_cmpstr (json_object_get_string_member (seen, "complianceGraceDeadline"), ==,
                     json_object_get_string_member (r, "complianceGraceDeadline"));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (devices, "items")), ==, 1);
    g_assert_nonnull (strstr (g_bytes_get_data (installs->body, NULL), "com.slack.Slack"));
    /* The replay cache is in the database: a restart does not reopen the window. */
    cp_test_assert_problem (replay, 401);
    g_assert_cmpuint (fresh->status, ==, 200);
    cp_test_assert_problem (removed_still, 410);
    g_assert_nonnull (strstr (g_bytes_get_data (apps->body, NULL), "com.slack.Slack"));
    cp_test_assert_problem (policy, 404);
  }
}

/* Catalog */

static JsonObject *
get_page (SoupSession *session,
          const char  *base,
          const char  *query,
          const char  *token)
{
  g_autofree char *path = g_strconcat ("/v1/apps", query, NULL);
  g_autoptr(CpTestResponse) response = cp_test_api (session, base, "GET", path, token, NULL);

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_nonnull (soup_message_headers_get_one (response->headers, "ETag"));
  return cp_test_response_json (response);
}

static JsonObject *
find_item (JsonObject *page,
           const char *id)
{
  JsonArray *items = json_object_get_array_member (page, "items");

  for (guint i = 0; i < json_array_get_length (items); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (items, i), "id"), id) == 0)
      return json_array_get_object_element (items, i);
  return NULL;
}

static guint
n_items (JsonObject *page)
{
  return json_array_get_length (json_object_get_array_member (page, "items"));
}

static void
test_catalog (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = start_server (db, "--demo", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(JsonObject) all = get_page (session, server->url, "", alice ());
  g_autoptr(JsonObject) for_bob = get_page (session, server->url, "", bob ());
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *cursor = NULL;
  guint total = n_items (all), pages = 0, required = 0;
  JsonObject *firefox;

  /* The demo catalog fits one default page. */
  g_assert_cmpuint (total, >=, 40);
  g_assert_false (json_object_has_member (all, "nextCursor"));
  firefox = find_item (all, "org.mozilla.firefox");
  g_assert_nonnull (firefox);
  g_assert_cmpstr (json_object_get_string_member (firefox, "name"), ==, "Firefox");
  g_assert_cmpstr (json_object_get_string_member (firefox, "iconUrl"), ==, "/v1/apps/org.mozilla.firefox/icon");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (firefox, "install"), "type"), ==, "flatpak");
  g_assert_false (json_object_get_boolean_member (firefox, "required"));
  for (guint i = 0; i < total; i++)
    required += json_object_get_boolean_member (json_array_get_object_element (json_object_get_array_member (all, "items"), i), "required");
  g_assert_cmpuint (required, >=, 3);

  /* Assignments per group: alice is in engineering, bob in finance. */
  g_assert_true (json_object_get_boolean_member (find_item (all, "com.visualstudio.code"), "required"));
  g_assert_false (json_object_get_boolean_member (find_item (for_bob, "com.visualstudio.code"), "required"));
  g_assert_true (json_object_get_boolean_member (find_item (for_bob, "org.gnucash.GnuCash"), "required"));
  g_assert_false (json_object_get_boolean_member (find_item (all, "org.gnucash.GnuCash"), "required"));
  g_assert_true (json_object_get_boolean_member (find_item (for_bob, "com.slack.Slack"), "required"));

  /* Paging: every app exactly once. */
  do
    {
      g_autofree char *query = cursor ? g_strdup_printf ("?limit=7&cursor=%s", cursor) : g_strdup ("?limit=7");
      g_autoptr(JsonObject) page = get_page (session, server->url, query, alice ());
      JsonArray *items = json_object_get_array_member (page, "items");

      g_assert_cmpuint (json_array_get_length (items), <=, 7);
      for (guint i = 0; i < json_array_get_length (items); i++)
        g_assert_true (g_hash_table_add (seen, g_strdup (json_object_get_string_member (json_array_get_object_element (items, i), "id"))));
      g_free (cursor);
      cursor = g_strdup (json_object_get_string_member_with_default (page, "nextCursor", NULL));
      pages++;
    }
  while (cursor != NULL);
  g_assert_cmpuint (g_hash_table_size (seen), ==, total);
  g_assert_cmpuint (pages, ==, (total + 6) / 7);

  /* Search: name, publisher, keywords; case and accents ignored; every word. */
  {
    g_autoptr(JsonObject) by_name = get_page (session, server->url, "?q=FireFox", alice ());
    g_autoptr(JsonObject) by_publisher = get_page (session, server->url, "?q=mozilla", alice ());
    g_autoptr(JsonObject) by_keyword = get_page (session, server->url, "?q=spreadsheet", alice ());
    g_autoptr(JsonObject) accented = get_page (session, server->url, "?q=%C3%A9volution", alice ());
    g_autoptr(JsonObject) two_words = get_page (session, server->url, "?q=gnome%20calc", alice ());
    g_autoptr(JsonObject) nothing = get_page (session, server->url, "?q=zzzznotanapp", alice ());
    g_autoptr(JsonObject) wildcard = get_page (session, server->url, "?q=%25", alice ());
    g_autoptr(JsonObject) category = get_page (session, server->url, "?category=Development", alice ());
    g_autoptr(JsonObject) both = get_page (session, server->url, "?category=Office&q=mozilla", alice ());
    JsonArray *dev = json_object_get_array_member (category, "items");

    g_assert_cmpuint (n_items (by_name), ==, 1);
    g_assert_cmpuint (n_items (by_publisher), ==, 2);
    g_assert_nonnull (find_item (by_keyword, "org.libreoffice.LibreOffice"));
    g_assert_nonnull (find_item (accented, "org.gnome.Evolution"));
    g_assert_cmpuint (n_items (two_words), ==, 1);
    g_assert_nonnull (find_item (two_words, "org.gnome.Calculator"));
    g_assert_cmpuint (n_items (nothing), ==, 0);
    g_assert_cmpuint (n_items (wildcard), ==, 0);
    g_assert_cmpuint (json_array_get_length (dev), >=, 5);
    for (guint i = 0; i < json_array_get_length (dev); i++)
      {
        g_autofree char *categories = json_to_string (json_object_get_member (json_array_get_object_element (dev, i),
                                                                              "categories"), FALSE);

        g_assert_nonnull (strstr (categories, "\"Development\""));
      }
    g_assert_cmpuint (n_items (both), ==, 1);
    g_assert_nonnull (find_item (both, "org.mozilla.Thunderbird"));
  }

  /* ETag and 304 */
  {
    g_autoptr(CpTestResponse) first = cp_test_api (session, server->url, "GET", "/v1/apps?limit=5", alice (), NULL);
    g_autofree char *url = g_strconcat (server->url, "/v1/apps?limit=5", NULL);
    g_autofree char *authorization = g_strconcat ("Bearer ", alice (), NULL);
    const char *headers[] = { "Authorization", authorization, "If-None-Match",
                              soup_message_headers_get_one (first->headers, "ETag"), NULL };
    g_autoptr(CpTestResponse) cached = cp_test_http (session, "GET", url, headers, NULL, NULL);

    g_assert_cmpuint (cached->status, ==, 304);
  }

  /* Bad parameters */
  {
    static const char *const bad[] = { "?limit=0", "?limit=501", "?limit=abc", "?limit=-1", "?cursor=xyz",
                                       "?cursor=p", "?cursor=p-5", "?category=a%7Cb" };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *path = g_strconcat ("/v1/apps", bad[i], NULL);
        g_autoptr(CpTestResponse) response = cp_test_api (session, server->url, "GET", path, alice (), NULL);

        cp_test_assert_problem (response, 400);
      }
  }

  /* One app, categories, icons, and no catalog without a sign-in */
  {
    g_autoptr(CpTestResponse) one = cp_test_api (session, server->url, "GET", "/v1/apps/com.slack.Slack", alice (), NULL);
    g_autoptr(CpTestResponse) missing = cp_test_api (session, server->url, "GET", "/v1/apps/com.example.Missing", alice (), NULL);
    g_autoptr(CpTestResponse) categories = cp_test_api (session, server->url, "GET", "/v1/categories", alice (), NULL);
    g_autoptr(CpTestResponse) icon = cp_test_api (session, server->url, "GET", "/v1/apps/org.gimp.GIMP/icon", NULL, NULL);
    g_autoptr(CpTestResponse) no_icon = cp_test_api (session, server->url, "GET", "/v1/apps/com.example.Missing/icon", NULL, NULL);
    g_autoptr(CpTestResponse) anonymous = cp_test_api (session, server->url, "GET", "/v1/apps", NULL, NULL);
    g_autoptr(JsonObject) slack = cp_test_response_json (one);
    g_autoptr(JsonObject) category_list = cp_test_response_json (categories);
    const char *svg;

    g_assert_cmpuint (one->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (slack, "publisher"), ==, "Slack Technologies");
    g_assert_true (json_object_get_boolean_member (slack, "required"));
    cp_test_assert_problem (missing, 404);
    g_assert_cmpuint (categories->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (category_list, "items")), >=, 5);
    g_assert_cmpuint (icon->status, ==, 200);
    g_assert_cmpstr (soup_message_headers_get_content_type (icon->headers, NULL), ==, "image/svg+xml");
    svg = g_bytes_get_data (icon->body, NULL);
    g_assert_true (g_str_has_prefix (svg, "<svg"));
    g_assert_nonnull (strstr (svg, ">G</text>"));
    cp_test_assert_problem (no_icon, 404);
    cp_test_assert_problem (anonymous, 401);
  }
}

static void
test_catalog_file (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autofree char *file = g_build_filename (suite.tmp_dir, "catalog.json", NULL);
  g_autofree char *bad_file = g_build_filename (suite.tmp_dir, "bad-catalog.json", NULL);
  g_autofree char *arg = g_strconcat ("--catalog=", file, NULL);
  g_autofree char *bad_arg = g_strconcat ("--catalog=", bad_file, NULL);
  g_autoptr(CpTestProcess) server = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(JsonObject) page = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *app;

  g_file_set_contents (file,
                       "{\"apps\":[{\"id\":\"org.test.Hello\",\"name\":\"Hello\",\"categories\":[\"Utility\"],"
                       "\"install\":{\"type\":\"flatpak\",\"remoteName\":\"test-repo\",\"remoteUrl\":\"file:///tmp/repo\","
                       "\"ref\":\"app/org.test.Hello//stable\",\"gpgVerify\":false}}]}", -1, &error);
  g_assert_no_error (error);

  server = start_server (db, "--demo", arg, NULL);
  page = get_page (session, server->url, "", alice ());
  g_assert_cmpuint (n_items (page), ==, 1);
  app = find_item (page, "org.test.Hello");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (app, "install"), "remoteUrl"), ==,
                   "file:///tmp/repo");
  g_assert_false (json_object_get_boolean_member (json_object_get_object_member (app, "install"), "gpgVerify"));
  {
    /* Without a list, the categories are the ones the apps use. */
    g_autoptr(CpTestResponse) categories = cp_test_api (session, server->url, "GET", "/v1/categories", alice (), NULL);

    g_assert_nonnull (strstr (g_bytes_get_data (categories->body, NULL), "\"id\":\"Utility\""));
  }
  g_assert_cmpint (cp_test_process_stop (server), ==, 0);
  g_clear_pointer (&server, cp_test_process_free);

  /* A bad catalog stops the server and keeps the stored one. */
  static const char *const bad_catalogs[] = {
    "{\"apps\":[{\"id\":\"no spaces allowed\",\"name\":\"Bad\"}]}",
    "{\"apps\":[{\"id\":{\"x\":1},\"name\":\"Bad\"}]}",
    "{\"apps\":[{\"id\":\"org.test.NoName\"}]}",
    "{\"apps\":[{\"id\":\"org.test.A\",\"name\":\"A\"},{\"id\":\"org.test.A\",\"name\":\"Twice\"}]}",
    "{\"apps\":[{\"id\":\"org.test.A\",\"name\":\"A\",\"size\":-1}]}",
    "{\"apps\":[{\"id\":\"org.test.A\",\"name\":\"A\",\"required\":\"yes\"}]}",
    "{\"apps\":[{\"id\":\"org.test.A\",\"name\":\"A\",\"keywords\":[1]}]}",
    "{\"apps\":[{\"id\":\"org.test.A\",\"name\":\"A\",\"install\":{\"ref\":\"x\"}}]}",
    "{\"apps\":[],\"categories\":[{\"id\":\"Office\"}]}",
    "{\"apps\":{}}",
    "[]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad_catalogs); i++)
  {
    g_autofree char *binary = server_binary ();
    g_autofree char *issuer = g_strconcat ("--issuer=", suite.idp->url, NULL);
    g_autofree char *db_arg = g_strconcat ("--db=", db, NULL);
    const char *argv[] = { binary, "--listen=127.0.0.1:0", issuer, db_arg, bad_arg, NULL };
    g_autoptr(CpTestProcess) refused = NULL;

    g_file_set_contents (bad_file, bad_catalogs[i], -1, &error);
    g_assert_no_error (error);
    refused = cp_test_process_start (argv, &error);
    g_assert_null (refused);
    g_clear_error (&error);
  }
  server = start_server (db, NULL);
  g_clear_pointer (&page, json_object_unref);
  page = get_page (session, server->url, "", alice ());
  g_assert_cmpuint (n_items (page), ==, 1);
}

static void
test_large_catalog (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  gint64 start;
  g_autoptr(CpTestProcess) server = NULL;
  gint64 started;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) found = NULL;
  g_autoptr(JsonObject) odd = NULL;
  g_autofree char *deep = NULL;
  gint64 search_start;

  /* The `asan` test setup sets this: with every allocation unwound, storing
   * 100,000 apps takes minutes, and this test is about time. */
  if (g_getenv ("CP_TEST_SANITIZERS") != NULL)
    {
      g_test_skip ("A timing test; sanitizers make the server far slower");
      return;
    }

  start = g_get_monotonic_time ();
  server = start_server (db, "--catalog-size=100000", "--demo", NULL);
  started = g_get_monotonic_time () - start;

  /* Generating and storing 100,000 apps takes about 2 s on the 2-core builder. */
  g_test_message ("100,000 generated apps stored in %.2f s", started / 1e6);
  g_assert_cmpint (started, <, 30 * G_USEC_PER_SEC);

  first = get_page (session, server->url, "?limit=500", alice ());
  g_assert_cmpuint (n_items (first), ==, 500);
  g_assert_true (json_object_has_member (first, "nextCursor"));

  search_start = g_get_monotonic_time ();
  found = get_page (session, server->url, "?q=synthetic%20app%20099999", alice ());
  g_test_message ("Searching 100,043 apps took %.3f s", (g_get_monotonic_time () - search_start) / 1e6);
  g_assert_cmpuint (n_items (found), ==, 1);
  g_assert_nonnull (find_item (found, "com.example.Synthetic099999"));

  /* Deep cursors cost no more than the first page (keyset paging). */
  deep = g_strdup_printf ("?limit=3&cursor=p%u", 100040);
  odd = get_page (session, server->url, deep, alice ());
  g_assert_cmpuint (n_items (odd), ==, 3);
  g_assert_false (json_object_has_member (odd, "nextCursor"));
}

/* Every path data/openapi.yaml documents is served: none gets the router's 404. */
static void
test_openapi_paths_routed (void)
{
  g_autofree char *db = cp_test_suite_new_db (&suite);
  g_autoptr(CpTestProcess) server = start_server (db, "--demo", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *yaml_path = cp_test_source_path ("data", "openapi.yaml", NULL);
  g_autofree char *yaml = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  guint checked = 0;

  g_file_get_contents (yaml_path, &yaml, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (yaml, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GRegex) id = NULL;
      g_autofree char *path = NULL;
      g_autoptr(CpTestResponse) response = NULL;
      g_autoptr(JsonObject) problem = NULL;

      /* "  /v1/devices/{id}/policy:" at the indentation of paths */
      if (!g_str_has_prefix (lines[i], "  /") || !g_str_has_suffix (lines[i], ":"))
        continue;
      id = g_regex_new ("\\{[a-z]+\\}", 0, 0, NULL);
      path = g_regex_replace_literal (id, lines[i] + 2, strlen (lines[i] + 2) - 1, 0, "org.mozilla.firefox", 0, NULL);
      response = cp_test_api (session, server->url, "GET", path, NULL, NULL);
      g_test_message ("%s -> %u", path, response->status);
      if (response->status == 404)
        {
          problem = cp_test_response_json (response);
          g_assert_cmpstr (json_object_get_string_member (problem, "detail"), !=, "There is nothing at this path");
        }
      checked++;
    }
  g_assert_cmpuint (checked, >=, 15);
}

int
main (int    argc,
      char **argv)
{
  int status;

  cp_test_suite_init (&suite, &argc, &argv, "cp-portal-api-XXXXXX");

  g_test_add_func ("/portal-api/enroll-and-ownership", test_enroll_and_ownership);
  g_test_add_func ("/portal-api/enroll-bad-input", test_enroll_bad_input);
  g_test_add_func ("/portal-api/rename", test_rename);
  g_test_add_func ("/portal-api/check-in", test_check_in);
  g_test_add_func ("/portal-api/policy", test_policy);
  g_test_add_func ("/portal-api/compliance-grace-period", test_compliance_grace_period);
  g_test_add_func ("/portal-api/compliance-view-and-bad-reports", test_compliance_view_and_bad_reports);
  g_test_add_func ("/portal-api/compliance-report-sent-again", test_compliance_report_sent_again);
  g_test_add_func ("/portal-api/installs", test_installs);
  g_test_add_func ("/portal-api/installs-sent-again", test_installs_sent_again);
  g_test_add_func ("/portal-api/remove-and-restart", test_remove_and_restart);
  g_test_add_func ("/portal-api/catalog", test_catalog);
  g_test_add_func ("/portal-api/catalog-file", test_catalog_file);
  g_test_add_func ("/portal-api/large-catalog", test_large_catalog);
  g_test_add_func ("/portal-api/openapi-paths-routed", test_openapi_paths_routed);

  status = cp_test_suite_run (&suite);
  g_free (alice_token);
  g_free (bob_token);
  return status;
}
