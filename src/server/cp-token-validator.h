/* cp-token-validator.h: checks JWT access tokens against the issuer's JWKS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CP_TYPE_TOKEN_VALIDATOR (cp_token_validator_get_type ())
G_DECLARE_FINAL_TYPE (CpTokenValidator, cp_token_validator, CP, TOKEN_VALIDATOR, GObject)

/* The keys are found through @issuer's discovery document (jwks_uri), fetched
 * with @session, cached, and fetched again when a token names an unknown kid. */
CpTokenValidator *cp_token_validator_new                  (SoupSession          *session,
                                                           const char           *issuer,
                                                           const char           *audience);
const char       *cp_token_validator_get_issuer           (CpTokenValidator     *self);
const char       *cp_token_validator_get_audience         (CpTokenValidator     *self);
/* Clock skew allowed on exp/nbf/iat, in seconds (default 30). */
void              cp_token_validator_set_leeway           (CpTokenValidator     *self,
                                                           guint                 seconds);
/* Minimum time between two key fetches, in seconds (default 10): a flood of
 * tokens with random kids must not turn into a flood of requests to the IdP. */
void              cp_token_validator_set_min_refresh      (CpTokenValidator     *self,
                                                           guint                 seconds);
/* How many times the keys were fetched (discovery + JWKS), for diagnostics. */
guint             cp_token_validator_get_fetch_count      (CpTokenValidator     *self);

/* On success the verified claims; iss, aud, exp, nbf, sub are checked.
 * CP_ERROR_AUTH_REQUIRED: the token is not acceptable (the message says why);
 * CP_ERROR_NETWORK/CP_ERROR_INVALID_DATA: the issuer's keys are unavailable. */
void              cp_token_validator_validate_async       (CpTokenValidator     *self,
                                                           const char           *token,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
JsonObject       *cp_token_validator_validate_finish      (CpTokenValidator     *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

G_END_DECLS
