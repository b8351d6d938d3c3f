/* cp-jose.h: base64url, JWK, JWS and JWT with GnuTLS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* base64url without padding (RFC 7515 §2) */
char       *cp_base64url_encode          (const guint8  *data,
                                          gsize          len);
GBytes     *cp_base64url_decode          (const char    *text,
                                          GError       **error);

/* Fills @buf from the system's cryptographic RNG (never GRand). */
void        cp_random_bytes              (guint8        *buf,
                                          gsize          len);
/* @n_bytes of randomness, base64url encoded: for state, nonce, PKCE verifier, JWS nonces. */
char       *cp_random_token              (gsize          n_bytes);
/* Constant-time comparison of two NUL-terminated strings. */
gboolean    cp_secure_str_equal          (const char    *a,
                                          const char    *b);
/* base64url (SHA-256 (@text)): the PKCE S256 challenge. */
char       *cp_sha256_base64url          (const char    *text);

#define CP_TYPE_JWK (cp_jwk_get_type ())
G_DECLARE_FINAL_TYPE (CpJwk, cp_jwk, CP, JWK, GObject)

/* A public key (EC P-256 or RSA) or an EC P-256 key pair. */
CpJwk      *cp_jwk_new_from_json         (JsonObject    *object,
                                          GError       **error);
/* Generates a fresh EC P-256 key pair (the device key). */
CpJwk      *cp_jwk_generate_ec_p256      (GError       **error);
/* PKCS#8 DER of the private key, for the keyring only. */
GBytes     *cp_jwk_export_private        (CpJwk         *self,
                                          GError       **error);
CpJwk      *cp_jwk_import_private        (GBytes        *pkcs8_der,
                                          GError       **error);
/* The public JWK as JSON: {"kty":"EC","crv":"P-256","x":..,"y":..} or RSA n/e, plus "kid" if set. */
JsonObject *cp_jwk_to_public_json        (CpJwk         *self);
const char *cp_jwk_get_kid               (CpJwk         *self);
void        cp_jwk_set_kid               (CpJwk         *self,
                                          const char    *kid);
/* RFC 7638 thumbprint, base64url. */
char       *cp_jwk_thumbprint            (CpJwk         *self);
gboolean    cp_jwk_has_private           (CpJwk         *self);
/* "ES256" or "RS256" */
const char *cp_jwk_get_alg               (CpJwk         *self);

/* A JWKS document: finds a key by kid (or the only key when kid is NULL). */
GPtrArray  *cp_jwks_parse                (const char    *json,
                                          gssize         len,
                                          GError       **error);
CpJwk      *cp_jwks_find                 (GPtrArray     *keys,
                                          const char    *kid);

/* Compact JWS, ES256 only for signing. @header_extra may add members ("typ", "kid"...). */
char       *cp_jws_sign                  (CpJwk         *key,
                                          JsonObject    *header_extra,
                                          const guint8  *payload,
                                          gsize          payload_len,
                                          GError       **error);

/* A parsed, not yet verified compact JWS/JWT. */
typedef struct _CpJws CpJws;
CpJws      *cp_jws_parse                 (const char    *compact,
                                          GError       **error);
void        cp_jws_free                  (CpJws         *jws);
const char *cp_jws_get_alg               (const CpJws   *jws);
const char *cp_jws_get_kid               (const CpJws   *jws);
JsonObject *cp_jws_get_header            (const CpJws   *jws);
GBytes     *cp_jws_get_payload           (const CpJws   *jws);
/* The payload as a JSON object (for JWTs), or NULL with @error set. */
JsonObject *cp_jws_get_claims            (const CpJws   *jws,
                                          GError       **error);
/* Checks the signature with @key; the alg must match the key (no "none", no HS*). */
gboolean    cp_jws_verify                (const CpJws   *jws,
                                          CpJwk         *key,
                                          GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpJws, cp_jws_free)

G_END_DECLS
