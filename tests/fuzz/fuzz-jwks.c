/* fuzz-jwks.c: JWKS documents and single JWKs
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GPtrArray) keys = NULL;

  fuzz_init ();
  keys = cp_jwks_parse ((const char *) data, size, NULL);
  if (keys == NULL)
    return 0;

  for (guint i = 0; i < keys->len; i++)
    {
      g_autofree char *thumbprint = cp_jwk_thumbprint (g_ptr_array_index (keys, i));
      g_autoptr(JsonObject) json = cp_jwk_to_public_json (g_ptr_array_index (keys, i));
    }
  (void) cp_jwks_find (keys, "kid");
  return 0;
}
