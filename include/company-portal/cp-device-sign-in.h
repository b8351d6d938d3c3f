/* cp-device-sign-in.h: the device authorization grant (RFC 8628)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cp-oidc-client.h"

G_BEGIN_DECLS

#define CP_TYPE_DEVICE_SIGN_IN (cp_device_sign_in_get_type ())
G_DECLARE_FINAL_TYPE (CpDeviceSignIn, cp_device_sign_in, CP, DEVICE_SIGN_IN, GObject)

/*
 * run_async requests a device code; when it has one the "user-code",
 * "verification-uri", "verification-uri-complete" and "expires-at"
 * properties are set (notify), then it polls at the server's interval
 * (slow_down honoured) until the user approves (tokens), denies
 * (CP_ERROR_ACCESS_DENIED), or the code expires (CP_ERROR_EXPIRED).
 */
CpDeviceSignIn *cp_device_sign_in_new                         (CpOidcClient         *client);
const char     *cp_device_sign_in_get_user_code               (CpDeviceSignIn       *self);
const char     *cp_device_sign_in_get_verification_uri        (CpDeviceSignIn       *self);
const char     *cp_device_sign_in_get_verification_uri_complete (CpDeviceSignIn     *self);
gint64          cp_device_sign_in_get_expires_at              (CpDeviceSignIn       *self); /* unix seconds */
void            cp_device_sign_in_run_async                   (CpDeviceSignIn       *self,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
CpTokenSet     *cp_device_sign_in_run_finish                  (CpDeviceSignIn       *self,
                                                               GAsyncResult         *result,
                                                               GError              **error);

G_END_DECLS
