/* cp-oidc-private.h: helpers shared by the sign-in classes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "cp-oidc-client.h"

G_BEGIN_DECLS

/* Reads @member as a string. A missing member is an error only when
 * @required; a member of another type is always an error. */
gboolean    cp_oidc_json_get_string          (JsonObject    *object,
                                              const char    *member,
                                              gboolean       required,
                                              const char   **out,
                                              GError       **error);
/* Reads @member as an integer (a JSON number without fraction). */
gboolean    cp_oidc_json_get_int             (JsonObject    *object,
                                              const char    *member,
                                              gboolean      *present,
                                              gint64        *out,
                                              GError       **error);
/* Overwrites a secret before freeing it. */
void        cp_oidc_free_secret              (char          *secret);
/* Turns a transport error (GIO, TLS, resolver) into CP_ERROR; cancellation stays. */
GError     *cp_oidc_error_from_transport     (const GError  *error);
/* Maps an OAuth "error" code (RFC 6749 §5.2, RFC 8628 §3.5) to CP_ERROR. */
GError     *cp_oidc_error_from_oauth         (const char    *oauth_error);
/* TRUE for https URIs, and http ones on a loopback address (tests, demo). */
gboolean    cp_oidc_uri_is_acceptable        (const char    *uri);

/* From discovery (RFC 9207). */
gboolean    cp_oidc_client_get_iss_parameter_supported (CpOidcClient *self);
char       *cp_oidc_client_dup_scope_string  (CpOidcClient  *self);

/*
 * POSTs @form (client_id added) to the discovered endpoint @endpoint_name and
 * resolves to the JSON object of a 2xx answer. An OAuth error answer fails
 * with the mapped CP_ERROR and sets *@oauth_error to its "error" code so
 * pollers can tell authorization_pending and slow_down apart.
 */
void        cp_oidc_client_post_async        (CpOidcClient         *self,
                                              const char           *endpoint_name,
                                              GHashTable           *form,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
JsonObject *cp_oidc_client_post_finish       (CpOidcClient         *self,
                                              GAsyncResult         *result,
                                              char                **oauth_error,
                                              GError              **error);
/* A token response into a token set, with its ID token validated when present
 * (and required when @expected_nonce is set). */
void        cp_oidc_client_tokens_from_response_async  (CpOidcClient         *self,
                                                        JsonObject           *response,
                                                        const char           *expected_nonce,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
CpTokenSet *cp_oidc_client_tokens_from_response_finish (CpOidcClient         *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

G_END_DECLS
