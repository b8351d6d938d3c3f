/* test-token-validator.c: CpTokenValidator against in-process keys served over HTTP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cp-error.h"
#include "cp-jose.h"
#include "cp-test-server-util.h"
#include "cp-token-validator.h"

#define AUDIENCE "urn:company-portal:api"

typedef struct
{
  CpTestIssuer *issuer;
  CpJwk *key;
  CpTokenValidator *validator;
  SoupSession *session;
} Fixture;

static CpJwk *
new_key (const char *kid)
{
  g_autoptr(GError) error = NULL;
  CpJwk *key = cp_jwk_generate_ec_p256 (&error);

  g_assert_no_error (error);
  cp_jwk_set_kid (key, kid);
  return key;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->issuer = cp_test_issuer_new ();
  fixture->key = new_key ("key-1");
  cp_test_issuer_set_keys (fixture->issuer, fixture->key, NULL);
  fixture->session = soup_session_new ();
  fixture->validator = cp_token_validator_new (fixture->session,
                                               cp_test_issuer_get_url (fixture->issuer),
                                               AUDIENCE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_finalize_object (fixture->validator);
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->key);
  g_clear_pointer (&fixture->issuer, cp_test_issuer_free);
}

static void
validate_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Runs one validation to the end; returns the claims or NULL with @error. */
static JsonObject *
validate (Fixture     *fixture,
          const char  *token,
          GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cp_token_validator_validate_async (fixture->validator, token, NULL, validate_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return cp_token_validator_validate_finish (fixture->validator, result, error);
}

static JsonObject *
claims_for (Fixture    *fixture,
            const char *subject,
            gint64      lifetime)
{
  return cp_test_claims_new (cp_test_issuer_get_url (fixture->issuer), AUDIENCE, subject, lifetime);
}

static void
expect_refused (Fixture    *fixture,
                const char *token)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = validate (fixture, token, &error);

  g_assert_null (claims);
  g_assert_error (error, CP_ERROR, CP_ERROR_AUTH_REQUIRED);
}

static void
test_valid (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(JsonObject) claims = claims_for (fixture, "alice", 300);
  g_autofree char *token = cp_test_sign (fixture->key, claims);
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(GError) error = NULL;

  result = validate (fixture, token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (result, "sub"), ==, "alice");
  g_assert_cmpuint (cp_token_validator_get_fetch_count (fixture->validator), ==, 1);

  /* Cached keys: no second fetch. */
  again = validate (fixture, token, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cp_test_issuer_get_jwks_hits (fixture->issuer), ==, 1);
}

static void
test_audience_array (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(JsonObject) claims = claims_for (fixture, "alice", 300);
  g_autoptr(JsonArray) audiences = json_array_new ();
  g_autofree char *good = NULL;
  g_autofree char *bad = NULL;
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(GError) error = NULL;

  json_array_add_string_element (audiences, "https://graph.example");
  json_array_add_string_element (audiences, AUDIENCE);
  json_object_set_array_member (claims, "aud", json_array_ref (audiences));
  good = cp_test_sign (fixture->key, claims);
  result = validate (fixture, good, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);

  json_array_remove_element (audiences, 1);
  bad = cp_test_sign (fixture->key, claims);
  expect_refused (fixture, bad);
}

static void
test_wrong_claims (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *const members[] = { "iss", "aud", "sub", "exp" };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      g_autoptr(JsonObject) wrong = claims_for (fixture, "alice", 300);
      g_autoptr(JsonObject) missing = claims_for (fixture, "alice", 300);
      g_autofree char *wrong_token = NULL;
      g_autofree char *missing_token = NULL;

      if (g_str_equal (members[i], "exp"))
        json_object_set_string_member (wrong, "exp", "tomorrow");
      else
        json_object_set_string_member (wrong, members[i], "urn:someone-else");
      if (g_str_equal (members[i], "sub"))
        json_object_set_int_member (wrong, "sub", 42);
      json_object_remove_member (missing, members[i]);

      wrong_token = cp_test_sign (fixture->key, wrong);
      missing_token = cp_test_sign (fixture->key, missing);
      expect_refused (fixture, wrong_token);
      expect_refused (fixture, missing_token);
    }

  /* Claims are checked before any key is needed: junk never reaches the IdP. */
  g_assert_cmpuint (cp_test_issuer_get_jwks_hits (fixture->issuer), ==, 0);
}

static void
test_times (Fixture       *fixture,
            gconstpointer  data)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr(JsonObject) expired = claims_for (fixture, "alice", -120);
  g_autoptr(JsonObject) within_leeway = claims_for (fixture, "alice", -5);
  g_autoptr(JsonObject) not_yet = claims_for (fixture, "alice", 600);
  g_autoptr(JsonObject) future_iat = claims_for (fixture, "alice", 600);
  g_autofree char *expired_token = NULL;
  g_autofree char *leeway_token = NULL;
  g_autofree char *not_yet_token = NULL;
  g_autofree char *future_token = NULL;
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(GError) error = NULL;

  json_object_set_int_member (not_yet, "nbf", now + 300);
  json_object_set_int_member (future_iat, "iat", now + 300);
  expired_token = cp_test_sign (fixture->key, expired);
  leeway_token = cp_test_sign (fixture->key, within_leeway);
  not_yet_token = cp_test_sign (fixture->key, not_yet);
  future_token = cp_test_sign (fixture->key, future_iat);

  expect_refused (fixture, expired_token);
  expect_refused (fixture, not_yet_token);
  expect_refused (fixture, future_token);

  result = validate (fixture, leeway_token, &error);
  g_assert_no_error (error);

  cp_token_validator_set_leeway (fixture->validator, 0);
  expect_refused (fixture, leeway_token);
}

static void
test_forged (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(JsonObject) claims = claims_for (fixture, "alice", 300);
  g_autoptr(JsonObject) admin = claims_for (fixture, "admin", 300);
  g_autofree char *token = cp_test_sign (fixture->key, claims);
  g_autofree char *none = cp_test_unsigned_token ("none", claims);
  g_autofree char *hs256 = cp_test_unsigned_token ("HS256", claims);
  g_autofree char *tampered = g_strdup (token);
  g_autofree char *swapped = NULL;
  g_autofree char *admin_token = cp_test_sign (fixture->key, admin);
  g_auto(GStrv) parts = NULL;
  g_auto(GStrv) admin_parts = NULL;
  char *last;

  expect_refused (fixture, none);
  expect_refused (fixture, hs256);
  g_assert_cmpuint (cp_test_issuer_get_jwks_hits (fixture->issuer), ==, 0);

  /* Flip a bit in the middle of the signature. */
  last = strrchr (tampered, '.') + 10;
  *last = *last == 'A' ? 'B' : 'A';
  expect_refused (fixture, tampered);

  /* Another payload under a valid signature. */
  parts = g_strsplit (token, ".", 3);
  admin_parts = g_strsplit (admin_token, ".", 3);
  swapped = g_strjoin (".", parts[0], admin_parts[1], parts[2], NULL);
  expect_refused (fixture, swapped);

  expect_refused (fixture, "");
  expect_refused (fixture, "not-a-jwt");
  expect_refused (fixture, "a.b.c");
}

static void
test_alg_must_match_key (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(JsonObject) claims = claims_for (fixture, "alice", 300);
  g_autofree char *token = cp_test_sign (fixture->key, claims);
  g_auto(GStrv) parts = g_strsplit (token, ".", 3);
  const char *header = "{\"alg\":\"RS256\",\"kid\":\"key-1\"}";
  g_autofree char *header_b64 = cp_base64url_encode ((const guint8 *) header, strlen (header));
  g_autofree char *relabelled = g_strjoin (".", header_b64, parts[1], parts[2], NULL);

  /* An EC key's kid with alg RS256: refused, whatever the signature. */
  expect_refused (fixture, relabelled);
}

static void
test_unknown_key_refetch (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(CpJwk) rotated = new_key ("key-2");
  g_autoptr(CpJwk) stranger = new_key ("key-x");
  g_autoptr(JsonObject) claims = claims_for (fixture, "alice", 300);
  g_autofree char *old_token = cp_test_sign (fixture->key, claims);
  g_autofree char *new_token = cp_test_sign (rotated, claims);
  g_autofree char *stranger_token = cp_test_sign (stranger, claims);
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(JsonObject) result2 = NULL;
  g_autoptr(GError) error = NULL;

  cp_token_validator_set_min_refresh (fixture->validator, 0);
  result = validate (fixture, old_token, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cp_test_issuer_get_jwks_hits (fixture->issuer), ==, 1);

  /* The IdP rotates: a token with the new kid makes the validator look again. */
  cp_test_issuer_set_keys (fixture->issuer, rotated, NULL);
  result2 = validate (fixture, new_token, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cp_test_issuer_get_jwks_hits (fixture->issuer), ==, 2);

  /* A key the IdP never published stays unknown after a refetch. */
  expect_refused (fixture, stranger_token);
  g_assert_cmpuint (cp_test_issuer_get_jwks_hits (fixture->issuer), ==, 3);
  /* And the old key is gone with the rotation. */
  expect_refused (fixture, old_token);
}

static void
test_random_kid_flood (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(JsonObject) claims = claims_for (fixture, "alice", 300);
  g_autofree char *token = cp_test_sign (fixture->key, claims);
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(GError) error = NULL;

  result = validate (fixture, token, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(CpJwk) key = NULL;
      g_autofree char *kid = g_strdup_printf ("random-%u", i);
      g_autofree char *forged = NULL;

      key = new_key (kid);
      forged = cp_test_sign (key, claims);
      expect_refused (fixture, forged);
    }

  /* The default minimum interval between fetches allows none of these 50. */
  g_assert_cmpuint (cp_test_issuer_get_jwks_hits (fixture->issuer), ==, 1);
}

static void
test_concurrent_share_fetch (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(JsonObject) claims = claims_for (fixture, "alice", 300);
  g_autofree char *token = cp_test_sign (fixture->key, claims);
  GAsyncResult *results[5] = { NULL };
  guint done = 0;

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    cp_token_validator_validate_async (fixture->validator, token, NULL, validate_cb, &results[i]);

  while (done < G_N_ELEMENTS (results))
    {
      g_main_context_iteration (NULL, TRUE);
      done = 0;
      for (guint i = 0; i < G_N_ELEMENTS (results); i++)
        done += results[i] != NULL;
    }

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) result = cp_token_validator_validate_finish (fixture->validator,
                                                                         results[i], &error);
      g_assert_no_error (error);
      g_clear_object (&results[i]);
    }
  g_assert_cmpuint (cp_test_issuer_get_jwks_hits (fixture->issuer), ==, 1);
}

static void
test_idp_unavailable (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(JsonObject) claims = claims_for (fixture, "alice", 300);
  g_autofree char *token = cp_test_sign (fixture->key, claims);
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(JsonObject) later = NULL;
  g_autoptr(GError) error = NULL;

  cp_test_issuer_set_failing (fixture->issuer, TRUE);
  result = validate (fixture, token, &error);
  g_assert_null (result);
  /* Not the user's fault: the server says 503, not 401. */
  g_assert_error (error, CP_ERROR, CP_ERROR_NETWORK);
  g_clear_error (&error);

  cp_test_issuer_set_failing (fixture->issuer, FALSE);
  cp_token_validator_set_min_refresh (fixture->validator, 0);
  later = validate (fixture, token, &error);
  g_assert_no_error (error);
}

static void
test_discovery_names_other_issuer (void)
{
  g_autoptr(CpTestIssuer) issuer = cp_test_issuer_new ();
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *claimed = g_strconcat (cp_test_issuer_get_url (issuer), "/", NULL);
  g_autoptr(CpTokenValidator) validator = NULL;
  g_autoptr(CpJwk) key = new_key ("key-1");
  g_autoptr(JsonObject) claims = cp_test_claims_new (claimed, AUDIENCE, "alice", 300);
  g_autofree char *token = cp_test_sign (key, claims);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonObject) out = NULL;
  g_autoptr(GError) error = NULL;

  /* Configured with a trailing slash, the discovery document's issuer differs:
   * the keys must not be trusted (OIDC Discovery §4.3). */
  cp_test_issuer_set_keys (issuer, key, NULL);
  validator = cp_token_validator_new (session, claimed, AUDIENCE);
  cp_token_validator_validate_async (validator, token, NULL, validate_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  out = cp_token_validator_validate_finish (validator, result, &error);
  g_assert_null (out);
  g_assert_error (error, CP_ERROR, CP_ERROR_NETWORK);
  g_assert_cmpuint (cp_test_issuer_get_jwks_hits (issuer), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/token-validator/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("valid", test_valid);
  ADD ("audience-array", test_audience_array);
  ADD ("wrong-claims", test_wrong_claims);
  ADD ("times", test_times);
  ADD ("forged", test_forged);
  ADD ("alg-must-match-key", test_alg_must_match_key);
  ADD ("unknown-key-refetch", test_unknown_key_refetch);
  ADD ("random-kid-flood", test_random_kid_flood);
  ADD ("concurrent-share-fetch", test_concurrent_share_fetch);
  ADD ("idp-unavailable", test_idp_unavailable);
#undef ADD
  g_test_add_func ("/token-validator/discovery-names-other-issuer", test_discovery_names_other_issuer);

  return g_test_run ();
}
