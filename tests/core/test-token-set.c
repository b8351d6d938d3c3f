/* test-token-set.c: token endpoint answers, the keyring blob, refresh merges
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "company-portal.h"

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static CpTokenSet *
token_set_from (const char  *json,
                GError     **error)
{
  g_autoptr(JsonObject) object = parse_object (json);

  return cp_token_set_new_from_response (object, error);
}

static gint64
now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
test_from_response (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens =
    token_set_from ("{\"access_token\":\"AT1\",\"token_type\":\"bearer\",\"expires_in\":300,"
                    "\"refresh_token\":\"RT1\",\"id_token\":\"ID1\",\"scope\":\"openid email\"}",
                    &error);

  g_assert_no_error (error);
  g_assert_cmpstr (cp_token_set_get_access_token (tokens), ==, "AT1");
  g_assert_cmpstr (cp_token_set_get_refresh_token (tokens), ==, "RT1");
  g_assert_cmpstr (cp_token_set_get_id_token (tokens), ==, "ID1");
  g_assert_cmpstr (cp_token_set_get_scope (tokens), ==, "openid email");
  g_assert_cmpint (cp_token_set_get_expires_at (tokens), >=, now () + 299);
  g_assert_cmpint (cp_token_set_get_expires_at (tokens), <=, now () + 300);
  g_assert_false (cp_token_set_expires_within (tokens, 200));
  g_assert_true (cp_token_set_expires_within (tokens, 400));
  g_assert_null (cp_token_set_get_subject (tokens));
}

static void
test_from_response_minimal (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens = token_set_from ("{\"access_token\":\"AT\",\"token_type\":\"Bearer\"}", &error);

  g_assert_no_error (error);
  g_assert_null (cp_token_set_get_refresh_token (tokens));
  g_assert_null (cp_token_set_get_id_token (tokens));
  g_assert_cmpint (cp_token_set_get_expires_at (tokens), ==, 0);
  /* Unknown lifetime: only the server's 401 can tell. */
  g_assert_false (cp_token_set_expires_within (tokens, 3600));
}

static void
test_from_response_rejects (void)
{
  const char *bad[] = {
    "{}",
    "{\"token_type\":\"Bearer\"}",
    "{\"access_token\":null,\"token_type\":\"Bearer\"}",
    "{\"access_token\":42,\"token_type\":\"Bearer\"}",
    "{\"access_token\":\"AT\"}",
    "{\"access_token\":\"AT\",\"token_type\":\"mac\"}",
    "{\"access_token\":\"AT\",\"token_type\":\"Bearer\",\"expires_in\":\"300\"}",
    "{\"access_token\":\"AT\",\"token_type\":\"Bearer\",\"expires_in\":-5}",
    "{\"access_token\":\"AT\",\"token_type\":\"Bearer\",\"expires_in\":0}",
    "{\"access_token\":\"AT\",\"token_type\":\"Bearer\",\"expires_in\":1.5}",
    "{\"access_token\":\"AT\",\"token_type\":\"Bearer\",\"expires_in\":99999999999}",
    "{\"access_token\":\"AT\",\"token_type\":\"Bearer\",\"refresh_token\":7}",
    "{\"access_token\":\"AT\",\"token_type\":\"Bearer\",\"id_token\":[\"x\"]}",
    "{\"access_token\":\"AT\",\"token_type\":\"Bearer\",\"scope\":{}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CpTokenSet) tokens = token_set_from (bad[i], &error);

      g_test_message ("rejecting %s", bad[i]);
      g_assert_null (tokens);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
    }
}

static void
test_keyring_roundtrip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens =
    token_set_from ("{\"access_token\":\"AT1\",\"token_type\":\"Bearer\",\"expires_in\":600,"
                    "\"refresh_token\":\"RT1\",\"id_token\":\"ID1\"}", &error);
  g_autoptr(CpTokenSet) back = NULL;
  g_autofree char *blob = NULL;
  g_autofree char *blob_again = NULL;

  g_assert_no_error (error);
  cp_token_set_set_identity (tokens, "alice", "Alice Liddell", "alice@example.com");
  blob = cp_token_set_to_keyring (tokens);
  back = cp_token_set_new_from_keyring (blob, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (cp_token_set_get_access_token (back), ==, "AT1");
  g_assert_cmpstr (cp_token_set_get_refresh_token (back), ==, "RT1");
  g_assert_cmpstr (cp_token_set_get_id_token (back), ==, "ID1");
  g_assert_cmpint (cp_token_set_get_expires_at (back), ==, cp_token_set_get_expires_at (tokens));
  g_assert_cmpstr (cp_token_set_get_subject (back), ==, "alice");
  g_assert_cmpstr (cp_token_set_get_name (back), ==, "Alice Liddell");
  g_assert_cmpstr (cp_token_set_get_email (back), ==, "alice@example.com");

  blob_again = cp_token_set_to_keyring (back);
  g_assert_cmpstr (blob, ==, blob_again);
}

static void
test_keyring_rejects (void)
{
  const char *bad[] = {
    "",
    "not json",
    "[1,2]",
    "{\"access_token\":\"AT\",\"expires_at\":0}",
    "{\"version\":2,\"access_token\":\"AT\",\"expires_at\":0}",
    "{\"version\":\"1\",\"access_token\":\"AT\",\"expires_at\":0}",
    "{\"version\":1,\"expires_at\":0}",
    "{\"version\":1,\"access_token\":\"AT\",\"expires_at\":\"soon\"}",
    "{\"version\":1,\"access_token\":\"AT\",\"expires_at\":-1}",
    "{\"version\":1,\"access_token\":\"AT\",\"refresh_token\":true}",
    "{\"version\":1,\"access_token\":\"AT\",\"subject\":{}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CpTokenSet) tokens = cp_token_set_new_from_keyring (bad[i], &error);

      g_test_message ("rejecting %s", bad[i]);
      g_assert_null (tokens);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
    }
}

static void
test_merge_refresh (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) old =
    token_set_from ("{\"access_token\":\"AT1\",\"token_type\":\"Bearer\",\"expires_in\":10,"
                    "\"refresh_token\":\"RT1\",\"id_token\":\"ID1\",\"scope\":\"openid\"}", &error);
  g_autoptr(CpTokenSet) bare =
    token_set_from ("{\"access_token\":\"AT2\",\"token_type\":\"Bearer\",\"expires_in\":900}", &error);
  g_autoptr(CpTokenSet) rotated =
    token_set_from ("{\"access_token\":\"AT3\",\"token_type\":\"Bearer\",\"expires_in\":900,"
                    "\"refresh_token\":\"RT3\",\"id_token\":\"ID3\"}", &error);
  g_autoptr(CpTokenSet) merged = NULL;
  g_autoptr(CpTokenSet) merged_rotated = NULL;

  g_assert_no_error (error);
  cp_token_set_set_identity (old, "alice", "Alice", NULL);

  /* Nothing rotated: the refresh and ID token and the identity carry over. */
  merged = cp_token_set_merge_refresh (old, bare);
  g_assert_cmpstr (cp_token_set_get_access_token (merged), ==, "AT2");
  g_assert_cmpstr (cp_token_set_get_refresh_token (merged), ==, "RT1");
  g_assert_cmpstr (cp_token_set_get_id_token (merged), ==, "ID1");
  g_assert_cmpstr (cp_token_set_get_scope (merged), ==, "openid");
  g_assert_cmpint (cp_token_set_get_expires_at (merged), ==, cp_token_set_get_expires_at (bare));
  g_assert_cmpstr (cp_token_set_get_subject (merged), ==, "alice");
  g_assert_cmpstr (cp_token_set_get_name (merged), ==, "Alice");

  /* Rotated: the new ones win, and a new identity replaces the old one whole. */
  cp_token_set_set_identity (rotated, "alice", NULL, "alice@example.com");
  merged_rotated = cp_token_set_merge_refresh (old, rotated);
  g_assert_cmpstr (cp_token_set_get_refresh_token (merged_rotated), ==, "RT3");
  g_assert_cmpstr (cp_token_set_get_id_token (merged_rotated), ==, "ID3");
  g_assert_null (cp_token_set_get_name (merged_rotated));
  g_assert_cmpstr (cp_token_set_get_email (merged_rotated), ==, "alice@example.com");

  /* The inputs are untouched. */
  g_assert_cmpstr (cp_token_set_get_access_token (old), ==, "AT1");
  g_assert_finalize_object (g_steal_pointer (&merged));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/token-set/from-response", test_from_response);
  g_test_add_func ("/token-set/from-response-minimal", test_from_response_minimal);
  g_test_add_func ("/token-set/from-response-rejects", test_from_response_rejects);
  g_test_add_func ("/token-set/keyring-roundtrip", test_keyring_roundtrip);
  g_test_add_func ("/token-set/keyring-rejects", test_keyring_rejects);
  g_test_add_func ("/token-set/merge-refresh", test_merge_refresh);

  return g_test_run ();
}
