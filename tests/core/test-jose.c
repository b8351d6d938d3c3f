/* test-jose.c: base64url, keys, signatures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "company-portal.h"

static void
test_base64url_roundtrip (void)
{
  const guint8 data[] = { 0xfb, 0xff, 0x00, 0x3e, 0x3f };
  g_autofree char *text = cp_base64url_encode (data, sizeof data);
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (text, ==, "-_8APj8");
  back = cp_base64url_decode (text, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), data, sizeof data);
}

static void
test_base64url_rejects (void)
{
  const char *bad[] = { "a", "ab+c", "ab/c", "ab=c", "a b", "abcde" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = cp_base64url_decode (bad[i], &error);

      g_assert_null (bytes);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
    }
}

static void
test_pkce_challenge (void)
{
  /* The example of RFC 7636 appendix B. */
  g_autofree char *challenge = cp_sha256_base64url ("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");

  g_assert_cmpstr (challenge, ==, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void
test_random_token (void)
{
  g_autofree char *a = cp_random_token (32);
  g_autofree char *b = cp_random_token (32);

  g_assert_cmpuint (strlen (a), ==, 43);
  g_assert_cmpstr (a, !=, b);
  g_assert_true (cp_secure_str_equal (a, a));
  g_assert_false (cp_secure_str_equal (a, b));
  g_assert_false (cp_secure_str_equal ("abc", "abcd"));
  g_assert_false (cp_secure_str_equal ("abc", NULL));
}

static void
test_sign_verify_roundtrip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpJwk) key = cp_jwk_generate_ec_p256 (&error);
  g_autoptr(CpJwk) public_key = NULL;
  g_autoptr(CpJwk) restored = NULL;
  g_autoptr(JsonObject) jwk_json = NULL;
  g_autoptr(GBytes) pkcs8 = NULL;
  g_autoptr(CpJws) jws = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *compact = NULL;
  g_autofree char *tampered = NULL;
  const char *payload = "{\"sub\":\"device\"}";

  g_assert_no_error (error);
  g_assert_true (cp_jwk_has_private (key));

  compact = cp_jws_sign (key, NULL, (const guint8 *) payload, strlen (payload), &error);
  g_assert_no_error (error);

  jwk_json = cp_jwk_to_public_json (key);
  public_key = cp_jwk_new_from_json (jwk_json, &error);
  g_assert_no_error (error);
  g_assert_false (cp_jwk_has_private (public_key));

  jws = cp_jws_parse (compact, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cp_jws_get_alg (jws), ==, "ES256");
  g_assert_true (cp_jws_verify (jws, public_key, &error));
  g_assert_no_error (error);
  claims = cp_jws_get_claims (jws, &error);
  g_assert_cmpstr (json_object_get_string_member (claims, "sub"), ==, "device");

  /* The private key survives the keyring round trip and keeps its identity. */
  pkcs8 = cp_jwk_export_private (key, &error);
  g_assert_no_error (error);
  restored = cp_jwk_import_private (pkcs8, &error);
  g_assert_no_error (error);
  {
    g_autofree char *t1 = cp_jwk_thumbprint (key);
    g_autofree char *t2 = cp_jwk_thumbprint (restored);
    g_assert_cmpstr (t1, ==, t2);
  }

  /* One changed payload byte breaks the signature. */
  tampered = g_strdup (compact);
  tampered[strchr (tampered, '.') - tampered + 2] ^= 1;
  g_clear_pointer (&jws, cp_jws_free);
  jws = cp_jws_parse (tampered, NULL);
  if (jws != NULL)
    {
      g_assert_false (cp_jws_verify (jws, public_key, &error));
      g_assert_error (error, CP_ERROR, CP_ERROR_SECURITY);
    }
}

static void
test_verify_rejects_alg_none (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpJwk) key = cp_jwk_generate_ec_p256 (NULL);
  g_autoptr(CpJws) jws = NULL;
  /* {"alg":"none"}.{"sub":"x"}. */
  jws = cp_jws_parse ("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", &error);
  g_assert_no_error (error);
  g_assert_false (cp_jws_verify (jws, key, &error));
  g_assert_error (error, CP_ERROR, CP_ERROR_SECURITY);
}

static void
test_jwk_rejects (void)
{
  const char *bad[] = {
    "{}",
    "{\"kty\":\"oct\",\"k\":\"AAAA\"}",
    "{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\"}",
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}",
    /* 32 zero bytes each: not a point on the curve */
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
    "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}",
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":17,\"y\":null}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) node = json_from_string (bad[i], NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(CpJwk) key = cp_jwk_new_from_json (json_node_get_object (node), &error);

      g_assert_null (key);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
    }
}

static void
test_jws_parse_rejects (void)
{
  const char *bad[] = {
    "", "a.b", "a.b.c.d", "!!.e30.", "e30.e30.", /* {} has no alg */
    "eyJhbGciOiJFUzI1NiIsImNyaXQiOlsiYiJdfQ.e30.", /* crit */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CpJws) jws = cp_jws_parse (bad[i], &error);

      g_assert_null (jws);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
    }
}

/* json-glib recurses: a deep document must be refused before it is parsed. */
static void
test_deep_nesting_rejected (void)
{
  g_autofree char *deep = g_strnfill (150000, '[');
  g_autofree char *header_b64 = cp_base64url_encode ((const guint8 *) deep, strlen (deep));
  g_autofree char *compact = g_strconcat (header_b64, ".e30.", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = cp_jwks_parse (deep, -1, &error);
  g_autoptr(CpJws) jws = NULL;

  g_assert_null (keys);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_clear_error (&error);

  jws = cp_jws_parse (compact, &error);
  g_assert_null (jws);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/jose/base64url/roundtrip", test_base64url_roundtrip);
  g_test_add_func ("/jose/base64url/rejects", test_base64url_rejects);
  g_test_add_func ("/jose/pkce-challenge", test_pkce_challenge);
  g_test_add_func ("/jose/random-token", test_random_token);
  g_test_add_func ("/jose/es256/roundtrip", test_sign_verify_roundtrip);
  g_test_add_func ("/jose/rejects-alg-none", test_verify_rejects_alg_none);
  g_test_add_func ("/jose/jwk/rejects", test_jwk_rejects);
  g_test_add_func ("/jose/jws/rejects", test_jws_parse_rejects);
  g_test_add_func ("/jose/deep-nesting", test_deep_nesting_rejected);

  return g_test_run ();
}
