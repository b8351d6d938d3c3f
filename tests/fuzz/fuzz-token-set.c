/* fuzz-token-set.c: token endpoint answers and the keyring blob
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"

static void
touch (const char *text)
{
  if (text != NULL)
    g_assert_true (g_utf8_validate (text, -1, NULL));
}

static void
touch_tokens (CpTokenSet *tokens)
{
  g_autofree char *blob = NULL;
  g_autoptr(CpTokenSet) back = NULL;
  g_autoptr(CpTokenSet) merged = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (cp_token_set_get_access_token (tokens));
  touch (cp_token_set_get_refresh_token (tokens));
  touch (cp_token_set_get_id_token (tokens));
  touch (cp_token_set_get_scope (tokens));
  touch (cp_token_set_get_subject (tokens));
  touch (cp_token_set_get_name (tokens));
  touch (cp_token_set_get_email (tokens));
  g_assert_cmpint (cp_token_set_get_expires_at (tokens), >=, 0);
  cp_token_set_expires_within (tokens, 60);

  /* Whatever parsed must survive the keyring round trip unchanged. */
  blob = cp_token_set_to_keyring (tokens);
  back = cp_token_set_new_from_keyring (blob, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cp_token_set_get_access_token (back), ==, cp_token_set_get_access_token (tokens));
  g_assert_cmpstr (cp_token_set_get_refresh_token (back), ==, cp_token_set_get_refresh_token (tokens));
  g_assert_cmpint (cp_token_set_get_expires_at (back), ==, cp_token_set_get_expires_at (tokens));

  merged = cp_token_set_merge_refresh (back, tokens);
  g_assert_cmpstr (cp_token_set_get_access_token (merged), ==, cp_token_set_get_access_token (tokens));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_string (data, size);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(CpTokenSet) from_keyring = NULL;

  fuzz_init ();

  /* The same bytes as a keyring item... */
  from_keyring = cp_token_set_new_from_keyring (text, NULL);
  if (from_keyring != NULL)
    touch_tokens (from_keyring);

  /* ...and as a token endpoint answer. */
  if (json_parser_load_from_data (parser, text, -1, NULL) &&
      json_parser_get_root (parser) != NULL &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_autoptr(CpTokenSet) tokens =
        cp_token_set_new_from_response (json_node_get_object (json_parser_get_root (parser)), NULL);

      if (tokens != NULL)
        touch_tokens (tokens);
    }

  return 0;
}
