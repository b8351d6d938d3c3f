/* cp-browser-sign-in-private.h: the redirect parser, for unit tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Parses the query of the loopback redirect (RFC 6749 §4.1.2, RFC 9207) and
 * returns the authorization code. Checks, in this order: no parameter twice,
 * state (constant time), iss (required when @iss_required, compared whenever
 * present), error (access_denied → CP_ERROR_ACCESS_DENIED), code.
 */
char *cp_browser_sign_in_parse_redirect (const char  *query,
                                         const char  *expected_state,
                                         const char  *expected_issuer,
                                         gboolean     iss_required,
                                         GError     **error);

G_END_DECLS
