/* fuzz-oidc-redirect.c: the query of the loopback redirect (browser sign-in)
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"
#include "../../src/core/cp-browser-sign-in-private.h"

#define STATE "fuzz-state"
#define ISSUER "https://idp.example.com"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_string (data, size);

  fuzz_init ();

  for (int iss_required = 0; iss_required <= 1; iss_required++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *code = cp_browser_sign_in_parse_redirect (text, STATE, ISSUER,
                                                                 iss_required, &error);

      /* Either a code or a CP_ERROR, never both; a code only with the state. */
      g_assert_true ((code == NULL) != (error == NULL));
      if (code != NULL)
        g_assert_nonnull (strstr (text, "state="));
      else
        g_assert_true (error->domain == CP_ERROR);
    }

  return 0;
}
