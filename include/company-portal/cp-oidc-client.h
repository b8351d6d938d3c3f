/* cp-oidc-client.h: OpenID Connect for a public native client
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "cp-token-set.h"

G_BEGIN_DECLS

#define CP_TYPE_OIDC_CLIENT (cp_oidc_client_get_type ())
G_DECLARE_FINAL_TYPE (CpOidcClient, cp_oidc_client, CP, OIDC_CLIENT, GObject)

/*
 * Knows one issuer: its discovery document (exact issuer match), its JWKS
 * (refetched when an unknown kid appears) and the client registration.
 * @resource may be NULL (RFC 8707 resource indicator for JWT access tokens).
 * @session may be NULL (a private one is made); @scopes may be NULL for
 * "openid profile email offline_access". Every endpoint must be https, or
 * http on a loopback address (the demo and the tests).
 */
CpOidcClient *cp_oidc_client_new                  (SoupSession          *session,
                                                   const char           *issuer,
                                                   const char           *client_id,
                                                   const char *const    *scopes,
                                                   const char           *resource);
const char   *cp_oidc_client_get_issuer           (CpOidcClient         *self);
const char   *cp_oidc_client_get_client_id        (CpOidcClient         *self);
const char *const *cp_oidc_client_get_scopes      (CpOidcClient         *self);
const char   *cp_oidc_client_get_resource         (CpOidcClient         *self);

/* Fetches /.well-known/openid-configuration once; later calls reuse it. */
void          cp_oidc_client_discover_async       (CpOidcClient         *self,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
gboolean      cp_oidc_client_discover_finish      (CpOidcClient         *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);
/* Endpoints from discovery: NULL before discovery or when not offered. */
const char   *cp_oidc_client_get_endpoint         (CpOidcClient         *self,
                                                   const char           *name); /* "token_endpoint", ... */

/* POST to the token endpoint with @form (client_id added); validates an ID token in the answer. */
void          cp_oidc_client_token_request_async  (CpOidcClient         *self,
                                                   GHashTable           *form,
                                                   const char           *expected_nonce,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
CpTokenSet   *cp_oidc_client_token_request_finish (CpOidcClient         *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);

/* refresh_token grant; invalid_grant is CP_ERROR_AUTH_REQUIRED. Resolves to
 * the merged set (cp_token_set_merge_refresh): what was not rotated carries
 * over. A refreshed ID token must name the same subject (CP_ERROR_SECURITY). */
void          cp_oidc_client_refresh_async        (CpOidcClient         *self,
                                                   CpTokenSet           *tokens,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
CpTokenSet   *cp_oidc_client_refresh_finish       (CpOidcClient         *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);

/* RFC 7009 revocation of the refresh token (or the access token if none). */
void          cp_oidc_client_revoke_async         (CpOidcClient         *self,
                                                   CpTokenSet           *tokens,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
gboolean      cp_oidc_client_revoke_finish        (CpOidcClient         *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);

/* Signature (JWKS), iss, aud, exp, iat and nonce; fills the identity of @tokens. */
void          cp_oidc_client_validate_id_token_async  (CpOidcClient         *self,
                                                       CpTokenSet           *tokens,
                                                       const char           *expected_nonce,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean      cp_oidc_client_validate_id_token_finish (CpOidcClient         *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);

G_END_DECLS
