/* fuzz-jws.c: compact JWS/JWT parsing and claims
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_string (data, size);
  g_autoptr(CpJws) jws = cp_jws_parse (text, NULL);
  g_autoptr(CpJwk) key = NULL;

  fuzz_init ();
  if (jws == NULL)
    return 0;

  {
    g_autoptr(JsonObject) claims = cp_jws_get_claims (jws, NULL);
  }
  (void) cp_jws_get_kid (jws);
  key = fuzz_ec_key ();
  (void) cp_jws_verify (jws, key, NULL);
  return 0;
}
