/* test-device-request.c: signing and verifying device requests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "company-portal.h"

#define DEVICE_ID "dev-123"
#define PATH "/v1/devices/dev-123/check-ins"
#define NOW ((gint64) 1800000000)

static JsonNode *
make_body (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "facts");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "hostname");
  json_builder_add_string_value (builder, "laptop");
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static CpJwk *
public_half (CpJwk *key)
{
  g_autoptr(JsonObject) json = cp_jwk_to_public_json (key);
  g_autoptr(GError) error = NULL;
  CpJwk *pub = cp_jwk_new_from_json (json, &error);

  g_assert_no_error (error);
  g_assert_false (cp_jwk_has_private (pub));
  return pub;
}

static char *
sign (CpJwk      *key,
      const char *path,
      gint64      iat)
{
  g_autoptr(JsonNode) body = make_body ();
  g_autoptr(GError) error = NULL;
  char *compact = cp_device_request_sign (key, DEVICE_ID, "POST", path, body, iat, &error);

  g_assert_no_error (error);
  return compact;
}

/* Re-signs a hand-made payload: for malformed-but-validly-signed cases. */
static char *
sign_raw (CpJwk      *key,
          const char *typ,
          const char *payload)
{
  g_autoptr(JsonObject) header = json_object_new ();
  g_autofree char *kid = cp_jwk_thumbprint (key);
  g_autoptr(GError) error = NULL;
  char *compact;

  if (typ != NULL)
    json_object_set_string_member (header, "typ", typ);
  json_object_set_string_member (header, "kid", kid);
  compact = cp_jws_sign (key, header, (const guint8 *) payload, strlen (payload), &error);
  g_assert_no_error (error);
  return compact;
}

static void
test_roundtrip (void)
{
  g_autoptr(CpJwk) key = cp_jwk_generate_ec_p256 (NULL);
  g_autoptr(CpJwk) pub = public_half (key);
  g_autofree char *a = sign (key, PATH, NOW);
  g_autofree char *b = sign (key, PATH, NOW);
  g_autofree char *nonce_a = NULL;
  g_autofree char *nonce_b = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) body_b = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CpJws) jws = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *thumbprint = cp_jwk_thumbprint (key);

  body = cp_device_request_verify (a, pub, DEVICE_ID, "POST", PATH, NOW + 12, &nonce_a, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (body));
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (json_node_get_object (body), "facts"),
                     "hostname"), ==, "laptop");

  body_b = cp_device_request_verify (b, pub, DEVICE_ID, "POST", PATH, NOW - 299, &nonce_b, &error);
  g_assert_no_error (error);
  /* Every request has its own nonce, so a server can refuse replays. */
  g_assert_cmpuint (strlen (nonce_a), >=, 43);
  g_assert_cmpstr (nonce_a, !=, nonce_b);

  /* The wire format, member by member. */
  jws = cp_jws_parse (a, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cp_jws_get_alg (jws), ==, "ES256");
  g_assert_cmpstr (cp_jws_get_kid (jws), ==, thumbprint);
  g_assert_cmpstr (json_object_get_string_member (cp_jws_get_header (jws), "typ"), ==, "cp-device+jws");
  claims = cp_jws_get_claims (jws, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (claims, "deviceId"), ==, DEVICE_ID);
  g_assert_cmpstr (json_object_get_string_member (claims, "method"), ==, "POST");
  g_assert_cmpstr (json_object_get_string_member (claims, "path"), ==, PATH);
  g_assert_cmpint (json_object_get_int_member (claims, "iat"), ==, NOW);
  g_assert_cmpstr (json_object_get_string_member (claims, "nonce"), ==, nonce_a);
}

static void
assert_refused (const char *compact,
                CpJwk      *pub,
                const char *device_id,
                const char *path,
                gint64      now,
                int         code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *nonce = NULL;
  g_autoptr(JsonNode) body = cp_device_request_verify (compact, pub, device_id, "POST", path,
                                                       now, &nonce, &error);

  g_assert_null (body);
  g_assert_null (nonce);
  g_assert_error (error, CP_ERROR, code);
}

static void
test_old_and_future_iat (void)
{
  g_autoptr(CpJwk) key = cp_jwk_generate_ec_p256 (NULL);
  g_autoptr(CpJwk) pub = public_half (key);
  g_autofree char *compact = sign (key, PATH, NOW);

  assert_refused (compact, pub, DEVICE_ID, PATH, NOW + 301, CP_ERROR_SECURITY);
  assert_refused (compact, pub, DEVICE_ID, PATH, NOW - 301, CP_ERROR_SECURITY);
  assert_refused (compact, pub, DEVICE_ID, PATH, G_MAXINT64, CP_ERROR_SECURITY);
  assert_refused (compact, pub, DEVICE_ID, PATH, G_MININT64, CP_ERROR_SECURITY);
}

static void
test_wrong_key (void)
{
  g_autoptr(CpJwk) key = cp_jwk_generate_ec_p256 (NULL);
  g_autoptr(CpJwk) other = cp_jwk_generate_ec_p256 (NULL);
  g_autoptr(CpJwk) other_pub = public_half (other);
  g_autofree char *compact = sign (key, PATH, NOW);
  g_autofree char *kid = cp_jwk_thumbprint (other);
  g_autoptr(CpJws) jws = cp_jws_parse (compact, NULL);
  g_autoptr(JsonObject) header = json_object_new ();
  g_autofree char *forged_kid = NULL;
  g_autoptr(GBytes) payload = cp_jws_get_payload (jws) ? g_bytes_ref (cp_jws_get_payload (jws)) : NULL;

  /* Signed by another key. */
  assert_refused (compact, other_pub, DEVICE_ID, PATH, NOW, CP_ERROR_SECURITY);

  /* Signed by another key that claims the enrolled key's kid. */
  json_object_set_string_member (header, "typ", "cp-device+jws");
  json_object_set_string_member (header, "kid", kid);
  forged_kid = cp_jws_sign (key, header, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload), NULL);
  assert_refused (forged_kid, other_pub, DEVICE_ID, PATH, NOW, CP_ERROR_SECURITY);
}

static void
test_wrong_target (void)
{
  g_autoptr(CpJwk) key = cp_jwk_generate_ec_p256 (NULL);
  g_autoptr(CpJwk) pub = public_half (key);
  g_autofree char *compact = sign (key, PATH, NOW);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;

  assert_refused (compact, pub, DEVICE_ID, "/v1/devices/dev-123/compliance-reports", NOW, CP_ERROR_SECURITY);
  assert_refused (compact, pub, "dev-456", PATH, NOW, CP_ERROR_SECURITY);

  body = cp_device_request_verify (compact, pub, DEVICE_ID, "PATCH", PATH, NOW, NULL, &error);
  g_assert_null (body);
  g_assert_error (error, CP_ERROR, CP_ERROR_SECURITY);
}

static void
test_tampered (void)
{
  g_autoptr(CpJwk) key = cp_jwk_generate_ec_p256 (NULL);
  g_autoptr(CpJwk) pub = public_half (key);
  g_autofree char *compact = sign (key, PATH, NOW);
  g_auto(GStrv) parts = g_strsplit (compact, ".", 3);
  g_autoptr(GBytes) payload = cp_base64url_decode (parts[1], NULL);
  g_autoptr(GString) text = g_string_new_len (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  g_autofree char *payload_b64 = NULL;
  g_autofree char *tampered = NULL;
  g_autofree char *flipped = g_strdup (compact);
  g_autofree char *no_sig = g_strconcat (parts[0], ".", parts[1], ".", NULL);

  g_assert_cmpuint (g_string_replace (text, "laptop", "server", 1), ==, 1);
  payload_b64 = cp_base64url_encode ((const guint8 *) text->str, text->len);
  tampered = g_strconcat (parts[0], ".", payload_b64, ".", parts[2], NULL);
  assert_refused (tampered, pub, DEVICE_ID, PATH, NOW, CP_ERROR_SECURITY);

  /* One changed character in the signature. */
  flipped[strlen (flipped) - 3] = flipped[strlen (flipped) - 3] == 'A' ? 'B' : 'A';
  assert_refused (flipped, pub, DEVICE_ID, PATH, NOW, CP_ERROR_SECURITY);

  assert_refused (no_sig, pub, DEVICE_ID, PATH, NOW, CP_ERROR_SECURITY);
  assert_refused ("", pub, DEVICE_ID, PATH, NOW, CP_ERROR_INVALID_DATA);
  assert_refused ("a.b.c", pub, DEVICE_ID, PATH, NOW, CP_ERROR_INVALID_DATA);
}

static void
test_malformed_payloads (void)
{
  g_autoptr(CpJwk) key = cp_jwk_generate_ec_p256 (NULL);
  g_autoptr(CpJwk) pub = public_half (key);
  struct { const char *typ; const char *payload; int code; } cases[] = {
    { "JWT", "{\"deviceId\":\"dev-123\",\"method\":\"POST\",\"path\":\"" PATH "\",\"iat\":1800000000,\"nonce\":\"abcdefghijklmnopqrstuvwxyz\",\"body\":{}}", CP_ERROR_SECURITY },
    { NULL, "{\"deviceId\":\"dev-123\",\"method\":\"POST\",\"path\":\"" PATH "\",\"iat\":1800000000,\"nonce\":\"abcdefghijklmnopqrstuvwxyz\",\"body\":{}}", CP_ERROR_SECURITY },
    { "cp-device+jws", "[1,2,3]", CP_ERROR_INVALID_DATA },
    { "cp-device+jws", "{\"deviceId\":\"dev-123\",\"method\":\"POST\",\"path\":\"" PATH "\",\"iat\":\"1800000000\",\"nonce\":\"abcdefghijklmnopqrstuvwxyz\",\"body\":{}}", CP_ERROR_INVALID_DATA },
    { "cp-device+jws", "{\"deviceId\":\"dev-123\",\"method\":\"POST\",\"path\":\"" PATH "\",\"iat\":1800000000.5,\"nonce\":\"abcdefghijklmnopqrstuvwxyz\",\"body\":{}}", CP_ERROR_INVALID_DATA },
    { "cp-device+jws", "{\"deviceId\":\"dev-123\",\"method\":\"POST\",\"path\":\"" PATH "\",\"iat\":1800000000,\"body\":{}}", CP_ERROR_INVALID_DATA },
    { "cp-device+jws", "{\"deviceId\":\"dev-123\",\"method\":\"POST\",\"path\":\"" PATH "\",\"iat\":1800000000,\"nonce\":\"short\",\"body\":{}}", CP_ERROR_INVALID_DATA },
    { "cp-device+jws", "{\"deviceId\":\"dev-123\",\"method\":\"POST\",\"path\":\"" PATH "\",\"iat\":1800000000,\"nonce\":\"not base64url at all!!\",\"body\":{}}", CP_ERROR_INVALID_DATA },
    { "cp-device+jws", "{\"deviceId\":\"dev-123\",\"method\":\"POST\",\"path\":\"" PATH "\",\"iat\":1800000000,\"nonce\":\"abcdefghijklmnopqrstuvwxyz\"}", CP_ERROR_INVALID_DATA },
    { "cp-device+jws", "{\"deviceId\":123,\"method\":\"POST\",\"path\":\"" PATH "\",\"iat\":1800000000,\"nonce\":\"abcdefghijklmnopqrstuvwxyz\",\"body\":{}}", CP_ERROR_INVALID_DATA },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *compact = sign_raw (key, cases[i].typ, cases[i].payload);

      g_test_message ("case %u", i);
      assert_refused (compact, pub, DEVICE_ID, PATH, NOW, cases[i].code);
    }
}

static void
test_control_case_is_accepted (void)
{
  g_autoptr(CpJwk) key = cp_jwk_generate_ec_p256 (NULL);
  g_autoptr(CpJwk) pub = public_half (key);
  g_autofree char *compact = sign_raw (key, "cp-device+jws",
                                       "{\"deviceId\":\"dev-123\",\"method\":\"POST\",\"path\":\"" PATH
                                       "\",\"iat\":1800000000,\"nonce\":\"abcdefghijklmnopqrstuvwxyz\",\"body\":null}");
  g_autoptr(GError) error = NULL;
  g_autofree char *nonce = NULL;
  g_autoptr(JsonNode) body = cp_device_request_verify (compact, pub, DEVICE_ID, "POST", PATH, NOW,
                                                       &nonce, &error);

  /* The same hand-made signing as the refused cases, so those fail for their reason. */
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_NULL (body));
  g_assert_cmpstr (nonce, ==, "abcdefghijklmnopqrstuvwxyz");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/device-request/roundtrip", test_roundtrip);
  g_test_add_func ("/device-request/old-and-future-iat", test_old_and_future_iat);
  g_test_add_func ("/device-request/wrong-key", test_wrong_key);
  g_test_add_func ("/device-request/wrong-target", test_wrong_target);
  g_test_add_func ("/device-request/tampered", test_tampered);
  g_test_add_func ("/device-request/malformed-payloads", test_malformed_payloads);
  g_test_add_func ("/device-request/control-case-is-accepted", test_control_case_is_accepted);

  return g_test_run ();
}
