/* cp-browser-sign-in.h: authorization code + PKCE through the system browser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cp-oidc-client.h"

G_BEGIN_DECLS

#define CP_TYPE_BROWSER_SIGN_IN (cp_browser_sign_in_get_type ())
G_DECLARE_FINAL_TYPE (CpBrowserSignIn, cp_browser_sign_in, CP, BROWSER_SIGN_IN, GObject)

/*
 * One attempt (RFC 8252): a loopback listener on 127.0.0.1 with an ephemeral
 * port that accepts one redirect, state/nonce/PKCE S256 from the system RNG,
 * RFC 9207 iss checked when the provider offers it, a 5 minute timeout.
 *
 * Usage: cp_browser_sign_in_run_async(); once it has listened the
 * "authorization-uri" property is set (notify) and the caller opens it in the
 * browser and shows it as copyable text. The task completes with the tokens
 * after the redirect, or with an error; cancelling closes the listener.
 * "port" is notified with "authorization-uri". A wrong state or iss is
 * CP_ERROR_SECURITY, error=access_denied CP_ERROR_ACCESS_DENIED, the timeout
 * CP_ERROR_TIMED_OUT.
 */
CpBrowserSignIn *cp_browser_sign_in_new                   (CpOidcClient         *client);
void             cp_browser_sign_in_set_timeout           (CpBrowserSignIn      *self,
                                                           guint                 seconds);
const char      *cp_browser_sign_in_get_authorization_uri (CpBrowserSignIn      *self);
/* The listener's port once listening, 0 before. */
guint            cp_browser_sign_in_get_port              (CpBrowserSignIn      *self);
void             cp_browser_sign_in_run_async             (CpBrowserSignIn      *self,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
CpTokenSet      *cp_browser_sign_in_run_finish            (CpBrowserSignIn      *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

G_END_DECLS
