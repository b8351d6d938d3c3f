/* test-oidc-redirect.c: parsing the loopback redirect of the browser sign-in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "company-portal.h"
#include "cp-browser-sign-in-private.h"

#define STATE "s7aTe-0123456789_abcdefghijklmnopqrstuvwxyzAB"
#define ISSUER "https://idp.example.com"
#define ISSUER_ENC "https%3A%2F%2Fidp.example.com"

static void
assert_code (const char *query,
             gboolean    iss_required,
             const char *expected_code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = cp_browser_sign_in_parse_redirect (query, STATE, ISSUER, iss_required, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, expected_code);
}

static void
assert_refused (const char *query,
                gboolean    iss_required,
                gint        expected_code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = cp_browser_sign_in_parse_redirect (query, STATE, ISSUER, iss_required, &error);

  g_test_message ("refusing %s", query ? query : "(null)");
  g_assert_null (code);
  g_assert_error (error, CP_ERROR, expected_code);
}

static void
test_accepts (void)
{
  assert_code ("code=abc&state=" STATE "&iss=" ISSUER_ENC, TRUE, "abc");
  assert_code ("state=" STATE "&code=abc", FALSE, "abc");
  /* Form decoding: + is a space, %2B a plus. */
  assert_code ("code=a+b%2Bc&state=" STATE, FALSE, "a b+c");
  /* Unknown parameters (session_state...) are ignored. */
  assert_code ("code=x&session_state=y&state=" STATE "&", FALSE, "x");
}

static void
test_state (void)
{
  assert_refused ("code=abc", FALSE, CP_ERROR_SECURITY);
  assert_refused ("code=abc&state=", FALSE, CP_ERROR_SECURITY);
  assert_refused ("code=abc&state=" STATE "x", FALSE, CP_ERROR_SECURITY);
  assert_refused ("code=abc&state=s7aTe", FALSE, CP_ERROR_SECURITY);
  assert_refused (NULL, FALSE, CP_ERROR_SECURITY);
  /* An error answer that is not ours must not end our sign-in as "denied". */
  assert_refused ("error=access_denied&state=forged", FALSE, CP_ERROR_SECURITY);
}

static void
test_duplicates (void)
{
  assert_refused ("code=abc&code=def&state=" STATE, FALSE, CP_ERROR_SECURITY);
  assert_refused ("code=abc&state=" STATE "&state=" STATE, FALSE, CP_ERROR_SECURITY);
  assert_refused ("code=abc&state=" STATE "&iss=" ISSUER_ENC "&iss=https%3A%2F%2Fevil", FALSE,
                  CP_ERROR_SECURITY);
  assert_refused ("code=%ZZ&state=" STATE, FALSE, CP_ERROR_SECURITY);
}

static void
test_issuer (void)
{
  /* RFC 9207: required when the provider says it sends it... */
  assert_refused ("code=abc&state=" STATE, TRUE, CP_ERROR_SECURITY);
  assert_refused ("code=abc&state=" STATE "&iss=https%3A%2F%2Fevil.example.com", TRUE, CP_ERROR_SECURITY);
  /* ...and compared whenever present. */
  assert_refused ("code=abc&state=" STATE "&iss=https%3A%2F%2Fevil.example.com", FALSE, CP_ERROR_SECURITY);
  assert_refused ("code=abc&state=" STATE "&iss=" ISSUER_ENC "%2F", FALSE, CP_ERROR_SECURITY);
}

static void
test_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  assert_refused ("error=access_denied&error_description=no&state=" STATE, FALSE, CP_ERROR_ACCESS_DENIED);
  assert_refused ("error=access_denied&state=" STATE "&iss=" ISSUER_ENC, TRUE, CP_ERROR_ACCESS_DENIED);
  assert_refused ("error=temporarily_unavailable&state=" STATE, FALSE, CP_ERROR_SERVER);
  assert_refused ("state=" STATE, FALSE, CP_ERROR_INVALID_DATA);
  assert_refused ("code=&state=" STATE, FALSE, CP_ERROR_INVALID_DATA);

  /* An error code from outside is shown only when it looks like one. */
  code = cp_browser_sign_in_parse_redirect ("error=%3Cb%3Ehi%3C%2Fb%3E&state=" STATE,
                                            STATE, ISSUER, FALSE, &error);
  g_assert_null (code);
  g_assert_error (error, CP_ERROR, CP_ERROR_FAILED);
  g_assert_null (strstr (error->message, "<b>"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/oidc-redirect/accepts", test_accepts);
  g_test_add_func ("/oidc-redirect/state", test_state);
  g_test_add_func ("/oidc-redirect/duplicates", test_duplicates);
  g_test_add_func ("/oidc-redirect/issuer", test_issuer);
  g_test_add_func ("/oidc-redirect/errors", test_errors);

  return g_test_run ();
}
