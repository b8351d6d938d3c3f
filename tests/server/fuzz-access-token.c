/* fuzz-access-token.c: bearer tokens as the server's validator sees them
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"

#include "cp-token-validator.h"

/* Tokens in the corpus use this issuer; nothing listens there, so a token
 * that passes every claim check ends in "keys unavailable", quickly. */
#define ISSUER "http://127.0.0.1:9"

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GError) error = NULL;
  gboolean *done = user_data;

  claims = cp_token_validator_validate_finish (CP_TOKEN_VALIDATOR (source), result, &error);
  /* Without reachable keys nothing may ever be accepted. */
  g_assert_null (claims);
  g_assert_nonnull (error);
  *done = TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static CpTokenValidator *validator;
  g_autofree char *token = NULL;
  gboolean done = FALSE;

  fuzz_init ();
  if (validator == NULL)
    {
      g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 2, NULL);

      validator = cp_token_validator_new (session, ISSUER, "urn:company-portal:api");
    }

  token = fuzz_string (data, size);
  cp_token_validator_validate_async (validator, token, NULL, done_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  return 0;
}
