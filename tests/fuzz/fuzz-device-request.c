/* fuzz-device-request.c: device requests, signed and unsigned
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"

#define PATH "/v1/devices/dev-1/check-ins"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(CpJwk) key = fuzz_ec_key ();
  g_autoptr(JsonObject) header = json_object_new ();
  g_autofree char *text = fuzz_string (data, size);
  g_autofree char *kid = cp_jwk_thumbprint (key);
  g_autofree char *signed_input = NULL;
  g_autofree char *nonce = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) body2 = NULL;

  fuzz_init ();

  /* As an untrusted compact JWS. */
  body = cp_device_request_verify (text, key, "dev-1", "POST", PATH, 1800000000, NULL, NULL);

  /* As the payload of a correctly signed request: reaches every payload check. */
  json_object_set_string_member (header, "typ", "cp-device+jws");
  json_object_set_string_member (header, "kid", kid);
  signed_input = cp_jws_sign (key, header, data, size, NULL);
  if (signed_input != NULL)
    body2 = cp_device_request_verify (signed_input, key, "dev-1", "POST", PATH, 1800000000,
                                      &nonce, NULL);
  g_assert ((body2 == NULL) == (nonce == NULL));
  return 0;
}
