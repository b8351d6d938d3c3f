/* cp-device-key.h: the device key, kept only in the keyring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cp-jose.h"

G_BEGIN_DECLS

/*
 * The device-id attribute of a key generated for an enrollment that has not
 * completed yet. Real device ids never contain parentheses (the agent
 * refuses them), so this cannot collide with one.
 */
#define CP_DEVICE_KEY_PENDING "(pending)"

#define CP_TYPE_DEVICE_KEY (cp_device_key_get_type ())
G_DECLARE_FINAL_TYPE (CpDeviceKey, cp_device_key, CP, DEVICE_KEY, GObject)

/*
 * An EC P-256 key pair for one organisation's server. The private half (PKCS#8)
 * lives only in the keyring: libsecret schema
 * "io.github.companyportal.CompanyPortal.DeviceKey" with the attributes
 * "server" (the server URL) and "device-id". Nothing is ever written to disk
 * by this code; a missing, locked or refusing keyring is CP_ERROR_KEYRING.
 */
CpDeviceKey *cp_device_key_generate         (const char           *server_url,
                                             GError              **error);

const char  *cp_device_key_get_server_url   (CpDeviceKey          *self);
CpJwk       *cp_device_key_get_jwk          (CpDeviceKey          *self);
/* The RFC 7638 thumbprint, the "kid" of every device request. */
const char  *cp_device_key_get_thumbprint   (CpDeviceKey          *self);
/* The public JWK with its "kid", as JSON text. */
char        *cp_device_key_dup_public_json  (CpDeviceKey          *self);

/* Stores (or replaces) the key under (server, @device_id). */
void         cp_device_key_store_async      (CpDeviceKey          *self,
                                             const char           *device_id,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean     cp_device_key_store_finish     (CpDeviceKey          *self,
                                             GAsyncResult         *result,
                                             GError              **error);

/* Resolves to NULL without error when no key is stored. */
void         cp_device_key_load_async       (const char           *server_url,
                                             const char           *device_id,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
CpDeviceKey *cp_device_key_load_finish      (GAsyncResult         *result,
                                             GError              **error);

/* Succeeds when there was nothing to delete. */
void         cp_device_key_delete_async     (const char           *server_url,
                                             const char           *device_id,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean     cp_device_key_delete_finish    (GAsyncResult         *result,
                                             GError              **error);

G_END_DECLS
