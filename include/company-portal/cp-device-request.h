/* cp-device-request.h: requests signed with the device key
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cp-jose.h"

G_BEGIN_DECLS

#define CP_DEVICE_REQUEST_CONTENT_TYPE "application/jose"
#define CP_DEVICE_REQUEST_TYP          "cp-device+jws"
/* Largest accepted |now - iat|, in seconds. */
#define CP_DEVICE_REQUEST_MAX_SKEW     300
/* How long a server must remember a nonce to refuse replays, in seconds. */
#define CP_DEVICE_REQUEST_NONCE_TTL    600

/*
 * Transport: a POST carries the compact JWS as its body with Content-Type
 * CP_DEVICE_REQUEST_CONTENT_TYPE. A GET (which has no body) carries it in the
 * header "Authorization: DeviceJWS <compact>", signed with @method "GET", @path
 * the request path (no query) and a NULL @body (the payload's "body" is null);
 * GET /v1/devices/{id}/policy accepts this as well as the owner's bearer token.
 *
 * The body of a device request: a compact JWS (ES256) with the header
 * {"alg":"ES256","typ":"cp-device+jws","kid":<thumbprint of @key>} and the payload
 * {"deviceId","method","path","iat":@now,"nonce":<fresh, 32 random bytes
 * base64url>,"body":@body}. @body is copied, not consumed.
 */
char     *cp_device_request_sign    (CpJwk        *key,
                                     const char   *device_id,
                                     const char   *method,
                                     const char   *path,
                                     JsonNode     *body,
                                     gint64        now,
                                     GError      **error);

/*
 * Checks a device request against the device's enrolled key: the header
 * (alg ES256, typ, kid = thumbprint of @enrolled_key), the signature, that
 * deviceId/method/path equal the expected ones and |@now - iat| <=
 * CP_DEVICE_REQUEST_MAX_SKEW. Returns a copy of the payload's "body".
 * The nonce is returned in @out_nonce (when not NULL) for the caller's replay
 * cache (keep it CP_DEVICE_REQUEST_NONCE_TTL seconds). Errors are
 * CP_ERROR_INVALID_DATA (malformed) or CP_ERROR_SECURITY (not acceptable).
 */
JsonNode *cp_device_request_verify  (const char   *compact,
                                     CpJwk        *enrolled_key,
                                     const char   *expected_device_id,
                                     const char   *method,
                                     const char   *path,
                                     gint64        now,
                                     char        **out_nonce,
                                     GError      **error);

G_END_DECLS
