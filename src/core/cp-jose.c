/* cp-jose.c: base64url, JWK, JWS and JWT with GnuTLS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/random.h>

#include <glib/gi18n-lib.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "cp-error.h"
#include "cp-jose.h"
#include "cp-json-private.h"

/* Tokens are a few kilobytes; anything far larger is hostile. */
#define MAX_COMPACT_LEN (256 * 1024)
#define EC_COORD_LEN 32
#define MIN_RSA_BITS 2048

typedef enum
{
  KEY_EC_P256,
  KEY_RSA,
} KeyType;

struct _CpJwk
{
  GObject parent_instance;

  KeyType kty;
  char *kid;
  /* Public members, base64url, as they appear in the JWK. */
  char *x_or_n;
  char *y_or_e;
  gnutls_pubkey_t pub;
  gnutls_privkey_t priv;      /* nullable */
};

G_DEFINE_FINAL_TYPE (CpJwk, cp_jwk, G_TYPE_OBJECT)

struct _CpJws
{
  JsonObject *header;
  GBytes *payload;
  GBytes *signature;
  char *signing_input;        /* "header.payload" as received */
};

/* base64url */

char *
cp_base64url_encode (const guint8 *data,
                     gsize         len)
{
  char *text = g_base64_encode (data, len);
  char *p;

  for (p = text; *p; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=')
        {
          *p = '\0';
          break;
        }
    }

  return text;
}

GBytes *
cp_base64url_decode (const char  *text,
                     GError     **error)
{
  g_autoptr(GString) standard = NULL;
  guchar *data;
  gsize len = 0;
  gsize text_len;

  g_return_val_if_fail (text != NULL, NULL);

  text_len = strlen (text);
  if (text_len % 4 == 1 || text_len > MAX_COMPACT_LEN)
    goto invalid;

  standard = g_string_sized_new (text_len + 3);
  for (const char *p = text; *p; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (standard, *p);
      else if (*p == '-')
        g_string_append_c (standard, '+');
      else if (*p == '_')
        g_string_append_c (standard, '/');
      else
        goto invalid;
    }
  while (standard->len % 4 != 0)
    g_string_append_c (standard, '=');

  data = g_base64_decode (standard->str, &len);
  return g_bytes_new_take (data, len);

invalid:
  g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                       _("Invalid base64url data"));
  return NULL;
}

/* randomness and hashing */

void
cp_random_bytes (guint8 *buf,
                 gsize   len)
{
  gsize done = 0;

  if (gnutls_rnd (GNUTLS_RND_KEY, buf, len) == 0)
    return;

  while (done < len)
    {
      ssize_t n = getrandom (buf + done, len - done, 0);

      if (n < 0)
        g_error ("No cryptographic randomness available: %s", g_strerror (errno));
      done += n;
    }
}

char *
cp_random_token (gsize n_bytes)
{
  g_autofree guint8 *buf = g_malloc (n_bytes);
  char *token;

  cp_random_bytes (buf, n_bytes);
  token = cp_base64url_encode (buf, n_bytes);
  explicit_bzero (buf, n_bytes);

  return token;
}

gboolean
cp_secure_str_equal (const char *a,
                     const char *b)
{
  gsize a_len, b_len, n;
  guint8 diff;

  if (a == NULL || b == NULL)
    return FALSE;

  a_len = strlen (a);
  b_len = strlen (b);
  diff = a_len != b_len;
  n = MAX (a_len, b_len);

  /* Read both strings over the same length whatever their contents. */
  for (gsize i = 0; i < n; i++)
    diff |= (guint8) (i < a_len ? a[i] : 0) ^ (guint8) (i < b_len ? b[i] : 0);

  return diff == 0;
}

char *
cp_sha256_base64url (const char *text)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_len = sizeof digest;

  g_checksum_update (checksum, (const guchar *) text, strlen (text));
  g_checksum_get_digest (checksum, digest, &digest_len);

  return cp_base64url_encode (digest, digest_len);
}

/* CpJwk */

static void
cp_jwk_finalize (GObject *object)
{
  CpJwk *self = CP_JWK (object);

  g_free (self->kid);
  g_free (self->x_or_n);
  g_free (self->y_or_e);
  g_clear_pointer (&self->pub, gnutls_pubkey_deinit);
  g_clear_pointer (&self->priv, gnutls_privkey_deinit);

  G_OBJECT_CLASS (cp_jwk_parent_class)->finalize (object);
}

static void
cp_jwk_class_init (CpJwkClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_jwk_finalize;
}

static void
cp_jwk_init (CpJwk *self)
{
}

static gboolean
set_gnutls_error (GError     **error,
                  int          code,
                  const char  *what)
{
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
               "%s: %s", what, gnutls_strerror (code));
  return FALSE;
}

static const char *
get_string_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

/* Decodes a base64url member that must not be empty (a coordinate, n or e). */
static GBytes *
decode_unsigned (JsonObject  *object,
                 const char  *name,
                 GError     **error)
{
  const char *text = get_string_member (object, name);
  g_autoptr(GBytes) bytes = NULL;

  if (text == NULL)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The key has no “%s” member"), name);
      return NULL;
    }

  bytes = cp_base64url_decode (text, error);
  if (bytes == NULL)
    return NULL;

  if (g_bytes_get_size (bytes) == 0)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The key member “%s” is empty"), name);
      return NULL;
    }

  return g_steal_pointer (&bytes);
}

static gboolean
import_ec_public (CpJwk       *self,
                  JsonObject  *object,
                  GError     **error)
{
  g_autoptr(GBytes) x = NULL;
  g_autoptr(GBytes) y = NULL;
  gnutls_datum_t xd, yd;
  const char *crv = get_string_member (object, "crv");
  int rc;

  if (g_strcmp0 (crv, "P-256") != 0)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("Only EC keys on the P-256 curve are supported"));
      return FALSE;
    }

  if (!(x = decode_unsigned (object, "x", error)) ||
      !(y = decode_unsigned (object, "y", error)))
    return FALSE;

  if (g_bytes_get_size (x) != EC_COORD_LEN || g_bytes_get_size (y) != EC_COORD_LEN)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("EC key coordinates must be 32 bytes long"));
      return FALSE;
    }

  xd.data = (guchar *) g_bytes_get_data (x, NULL);
  xd.size = EC_COORD_LEN;
  yd.data = (guchar *) g_bytes_get_data (y, NULL);
  yd.size = EC_COORD_LEN;

  gnutls_pubkey_init (&self->pub);
  rc = gnutls_pubkey_import_ecc_raw (self->pub, GNUTLS_ECC_CURVE_SECP256R1, &xd, &yd);
  if (rc < 0)
    return set_gnutls_error (error, rc, _("Invalid EC key"));

  /* GnuTLS accepts any coordinates here; make sure the point is on the curve. */
  rc = gnutls_pubkey_verify_params (self->pub);
  if (rc < 0)
    return set_gnutls_error (error, rc, _("Invalid EC key"));

  self->kty = KEY_EC_P256;
  self->x_or_n = g_strdup (get_string_member (object, "x"));
  self->y_or_e = g_strdup (get_string_member (object, "y"));
  return TRUE;
}

static gboolean
import_rsa_public (CpJwk       *self,
                   JsonObject  *object,
                   GError     **error)
{
  g_autoptr(GBytes) n = NULL;
  g_autoptr(GBytes) e = NULL;
  gnutls_datum_t nd, ed;
  unsigned int bits = 0;
  int rc;

  if (!(n = decode_unsigned (object, "n", error)) ||
      !(e = decode_unsigned (object, "e", error)))
    return FALSE;

  if (g_bytes_get_size (n) > 2048 || g_bytes_get_size (e) > 8)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The RSA key is too large"));
      return FALSE;
    }

  nd.data = (guchar *) g_bytes_get_data (n, NULL);
  nd.size = g_bytes_get_size (n);
  ed.data = (guchar *) g_bytes_get_data (e, NULL);
  ed.size = g_bytes_get_size (e);

  gnutls_pubkey_init (&self->pub);
  rc = gnutls_pubkey_import_rsa_raw (self->pub, &nd, &ed);
  if (rc < 0)
    return set_gnutls_error (error, rc, _("Invalid RSA key"));

  gnutls_pubkey_get_pk_algorithm (self->pub, &bits);
  if (bits < MIN_RSA_BITS)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("RSA keys must have at least %d bits"), MIN_RSA_BITS);
      return FALSE;
    }

  self->kty = KEY_RSA;
  self->x_or_n = g_strdup (get_string_member (object, "n"));
  self->y_or_e = g_strdup (get_string_member (object, "e"));
  return TRUE;
}

CpJwk *
cp_jwk_new_from_json (JsonObject  *object,
                      GError     **error)
{
  g_autoptr(CpJwk) self = NULL;
  const char *kty;
  const char *alg;
  const char *use;
  gboolean ok;

  g_return_val_if_fail (object != NULL, NULL);

  self = g_object_new (CP_TYPE_JWK, NULL);
  kty = get_string_member (object, "kty");
  alg = get_string_member (object, "alg");
  use = get_string_member (object, "use");

  if (use != NULL && g_strcmp0 (use, "sig") != 0)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The key is not meant for signatures"));
      return NULL;
    }

  if (g_strcmp0 (kty, "EC") == 0)
    ok = import_ec_public (self, object, error);
  else if (g_strcmp0 (kty, "RSA") == 0)
    ok = import_rsa_public (self, object, error);
  else
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("Unsupported key type"));
      return NULL;
    }

  if (!ok)
    return NULL;

  if (alg != NULL && g_strcmp0 (alg, cp_jwk_get_alg (self)) != 0)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The key's algorithm “%s” does not match its type"), alg);
      return NULL;
    }

  self->kid = g_strdup (get_string_member (object, "kid"));
  return g_steal_pointer (&self);
}

static char *
encode_coordinate (const gnutls_datum_t *d)
{
  guint8 padded[EC_COORD_LEN] = { 0 };
  const guint8 *data = d->data;
  gsize len = d->size;

  /* GnuTLS may prefix a zero byte or drop leading zeros; JWK wants exactly 32. */
  while (len > EC_COORD_LEN && *data == 0)
    {
      data++;
      len--;
    }
  g_return_val_if_fail (len <= EC_COORD_LEN, NULL);
  memcpy (padded + EC_COORD_LEN - len, data, len);

  return cp_base64url_encode (padded, EC_COORD_LEN);
}

/* Derives the public half and its JWK members from self->priv. */
static gboolean
adopt_ec_private (CpJwk   *self,
                  GError **error)
{
  gnutls_ecc_curve_t curve;
  gnutls_datum_t x = { 0 }, y = { 0 };
  int rc;

  rc = gnutls_privkey_export_ecc_raw2 (self->priv, &curve, &x, &y, NULL, 0);
  if (rc < 0)
    return set_gnutls_error (error, rc, _("Cannot read the device key"));

  if (curve != GNUTLS_ECC_CURVE_SECP256R1)
    {
      gnutls_free (x.data);
      gnutls_free (y.data);
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The device key is not on the P-256 curve"));
      return FALSE;
    }

  self->kty = KEY_EC_P256;
  self->x_or_n = encode_coordinate (&x);
  self->y_or_e = encode_coordinate (&y);
  gnutls_free (x.data);
  gnutls_free (y.data);

  gnutls_pubkey_init (&self->pub);
  rc = gnutls_pubkey_import_privkey (self->pub, self->priv, 0, 0);
  if (rc < 0)
    return set_gnutls_error (error, rc, _("Cannot read the device key"));

  return TRUE;
}

CpJwk *
cp_jwk_generate_ec_p256 (GError **error)
{
  g_autoptr(CpJwk) self = g_object_new (CP_TYPE_JWK, NULL);
  int rc;

  gnutls_privkey_init (&self->priv);
  rc = gnutls_privkey_generate2 (self->priv, GNUTLS_PK_ECDSA,
                                 GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1),
                                 0, NULL, 0);
  if (rc < 0)
    {
      set_gnutls_error (error, rc, _("Cannot generate a device key"));
      return NULL;
    }

  if (!adopt_ec_private (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

GBytes *
cp_jwk_export_private (CpJwk   *self,
                       GError **error)
{
  gnutls_x509_privkey_t x509 = NULL;
  gnutls_datum_t der = { 0 };
  GBytes *bytes;
  int rc;

  g_return_val_if_fail (CP_IS_JWK (self), NULL);

  if (self->priv == NULL)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                           _("This key has no private half"));
      return NULL;
    }

  rc = gnutls_privkey_export_x509 (self->priv, &x509);
  if (rc >= 0)
    rc = gnutls_x509_privkey_export2_pkcs8 (x509, GNUTLS_X509_FMT_DER, NULL,
                                            GNUTLS_PKCS_PLAIN, &der);
  g_clear_pointer (&x509, gnutls_x509_privkey_deinit);
  if (rc < 0)
    {
      set_gnutls_error (error, rc, _("Cannot export the device key"));
      return NULL;
    }

  bytes = g_bytes_new (der.data, der.size);
  gnutls_memset (der.data, 0, der.size);
  gnutls_free (der.data);

  return bytes;
}

CpJwk *
cp_jwk_import_private (GBytes  *pkcs8_der,
                       GError **error)
{
  g_autoptr(CpJwk) self = g_object_new (CP_TYPE_JWK, NULL);
  gnutls_datum_t der;
  int rc;

  g_return_val_if_fail (pkcs8_der != NULL, NULL);

  der.data = (guchar *) g_bytes_get_data (pkcs8_der, NULL);
  der.size = g_bytes_get_size (pkcs8_der);

  gnutls_privkey_init (&self->priv);
  rc = gnutls_privkey_import_x509_raw (self->priv, &der, GNUTLS_X509_FMT_DER,
                                       NULL, GNUTLS_PKCS_PLAIN);
  if (rc < 0)
    {
      set_gnutls_error (error, rc, _("Cannot read the device key"));
      return NULL;
    }

  if (gnutls_privkey_get_pk_algorithm (self->priv, NULL) != GNUTLS_PK_ECDSA)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The device key is not an EC key"));
      return NULL;
    }

  if (!adopt_ec_private (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

JsonObject *
cp_jwk_to_public_json (CpJwk *self)
{
  JsonObject *object = json_object_new ();

  g_return_val_if_fail (CP_IS_JWK (self), NULL);

  if (self->kty == KEY_EC_P256)
    {
      json_object_set_string_member (object, "kty", "EC");
      json_object_set_string_member (object, "crv", "P-256");
      json_object_set_string_member (object, "x", self->x_or_n);
      json_object_set_string_member (object, "y", self->y_or_e);
    }
  else
    {
      json_object_set_string_member (object, "kty", "RSA");
      json_object_set_string_member (object, "n", self->x_or_n);
      json_object_set_string_member (object, "e", self->y_or_e);
    }

  if (self->kid != NULL)
    json_object_set_string_member (object, "kid", self->kid);

  return object;
}

const char *
cp_jwk_get_kid (CpJwk *self)
{
  g_return_val_if_fail (CP_IS_JWK (self), NULL);
  return self->kid;
}

void
cp_jwk_set_kid (CpJwk      *self,
                const char *kid)
{
  g_return_if_fail (CP_IS_JWK (self));
  if (g_strcmp0 (self->kid, kid) == 0)
    return;
  g_free (self->kid);
  self->kid = g_strdup (kid);
}

char *
cp_jwk_thumbprint (CpJwk *self)
{
  g_autofree char *canonical = NULL;

  g_return_val_if_fail (CP_IS_JWK (self), NULL);

  /* RFC 7638: required members only, in lexicographic order, no spaces.
   * base64url never needs JSON escaping. */
  if (self->kty == KEY_EC_P256)
    canonical = g_strdup_printf ("{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
                                 self->x_or_n, self->y_or_e);
  else
    canonical = g_strdup_printf ("{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}",
                                 self->y_or_e, self->x_or_n);

  return cp_sha256_base64url (canonical);
}

gboolean
cp_jwk_has_private (CpJwk *self)
{
  g_return_val_if_fail (CP_IS_JWK (self), FALSE);
  return self->priv != NULL;
}

const char *
cp_jwk_get_alg (CpJwk *self)
{
  g_return_val_if_fail (CP_IS_JWK (self), NULL);
  return self->kty == KEY_EC_P256 ? "ES256" : "RS256";
}

/* JWKS */

GPtrArray *
cp_jwks_parse (const char  *json,
               gssize       len,
               GError     **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JsonNode) root = NULL;
  JsonNode *keys_node;
  JsonArray *array;

  root = cp_json_parse (json, len < 0 ? strlen (json) : (gsize) len, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    goto invalid;

  keys_node = json_object_get_member (json_node_get_object (root), "keys");
  if (keys_node == NULL || !JSON_NODE_HOLDS_ARRAY (keys_node))
    goto invalid;

  array = json_node_get_array (keys_node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autoptr(GError) key_error = NULL;
      CpJwk *key;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;

      /* Providers publish keys we cannot use (encryption, other curves): skip them. */
      key = cp_jwk_new_from_json (json_node_get_object (node), &key_error);
      if (key == NULL)
        g_debug ("Ignoring JWKS key %u: %s", i, key_error->message);
      else
        g_ptr_array_add (keys, key);
    }

  if (keys->len == 0)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The key set has no usable signing key"));
      return NULL;
    }

  return g_steal_pointer (&keys);

invalid:
  g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                       _("The key set is not a valid JWKS document"));
  return NULL;
}

CpJwk *
cp_jwks_find (GPtrArray  *keys,
              const char *kid)
{
  g_return_val_if_fail (keys != NULL, NULL);

  if (kid == NULL)
    return keys->len == 1 ? g_ptr_array_index (keys, 0) : NULL;

  for (guint i = 0; i < keys->len; i++)
    {
      CpJwk *key = g_ptr_array_index (keys, i);

      if (g_strcmp0 (key->kid, kid) == 0)
        return key;
    }

  return NULL;
}

/* JWS */

static char *
encode_json_object (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  json_node_set_object (node, object);
  text = json_to_string (node, FALSE);

  return cp_base64url_encode ((const guint8 *) text, strlen (text));
}

/* DER ECDSA signature to the raw r||s that JWS uses. */
static gboolean
der_to_raw_signature (const gnutls_datum_t *der,
                      guint8                raw[2 * EC_COORD_LEN])
{
  gnutls_datum_t r = { 0 }, s = { 0 };
  gboolean ok = FALSE;

  if (gnutls_decode_rs_value (der, &r, &s) < 0)
    return FALSE;

  memset (raw, 0, 2 * EC_COORD_LEN);
  {
    const gnutls_datum_t *parts[2] = { &r, &s };

    for (guint i = 0; i < 2; i++)
      {
        const guint8 *data = parts[i]->data;
        gsize len = parts[i]->size;

        while (len > EC_COORD_LEN && *data == 0)
          {
            data++;
            len--;
          }
        if (len > EC_COORD_LEN)
          goto out;
        memcpy (raw + (i + 1) * EC_COORD_LEN - len, data, len);
      }
  }
  ok = TRUE;

out:
  gnutls_free (r.data);
  gnutls_free (s.data);
  return ok;
}

char *
cp_jws_sign (CpJwk         *key,
             JsonObject    *header_extra,
             const guint8  *payload,
             gsize          payload_len,
             GError       **error)
{
  g_autoptr(JsonObject) header = json_object_new ();
  g_autofree char *header_b64 = NULL;
  g_autofree char *payload_b64 = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree char *signature_b64 = NULL;
  gnutls_datum_t data, der = { 0 };
  guint8 raw[2 * EC_COORD_LEN];
  int rc;

  g_return_val_if_fail (CP_IS_JWK (key), NULL);

  if (key->priv == NULL || key->kty != KEY_EC_P256)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                           _("Signing needs an EC private key"));
      return NULL;
    }

  json_object_set_string_member (header, "alg", "ES256");
  if (header_extra != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init (&iter, header_extra);
      while (json_object_iter_next (&iter, &name, &value))
        if (g_strcmp0 (name, "alg") != 0)
          json_object_set_member (header, name, json_node_copy (value));
    }

  header_b64 = encode_json_object (header);
  payload_b64 = cp_base64url_encode (payload, payload_len);
  signing_input = g_strconcat (header_b64, ".", payload_b64, NULL);

  data.data = (guchar *) signing_input;
  data.size = strlen (signing_input);
  rc = gnutls_privkey_sign_data2 (key->priv, GNUTLS_SIGN_ECDSA_SHA256, 0, &data, &der);
  if (rc < 0)
    {
      set_gnutls_error (error, rc, _("Cannot sign"));
      return NULL;
    }

  rc = der_to_raw_signature (&der, raw);
  gnutls_free (der.data);
  if (!rc)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_FAILED, _("Cannot sign"));
      return NULL;
    }

  signature_b64 = cp_base64url_encode (raw, sizeof raw);
  return g_strconcat (signing_input, ".", signature_b64, NULL);
}

void
cp_jws_free (CpJws *jws)
{
  if (jws == NULL)
    return;

  g_clear_pointer (&jws->header, json_object_unref);
  g_clear_pointer (&jws->payload, g_bytes_unref);
  g_clear_pointer (&jws->signature, g_bytes_unref);
  g_free (jws->signing_input);
  g_free (jws);
}

static JsonObject *
parse_json_object (const char *data,
                   gsize       len)
{
  g_autoptr(JsonNode) root = NULL;

  /* cp_json_parse bounds the nesting: json-glib recurses and would overflow the stack. */
  root = cp_json_parse (data, len, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  return json_object_ref (json_node_get_object (root));
}

CpJws *
cp_jws_parse (const char  *compact,
              GError     **error)
{
  g_autoptr(CpJws) jws = g_new0 (CpJws, 1);
  g_auto(GStrv) parts = NULL;
  g_autoptr(GBytes) header = NULL;
  const char *dot;

  g_return_val_if_fail (compact != NULL, NULL);

  if (strlen (compact) > MAX_COMPACT_LEN)
    goto invalid;

  parts = g_strsplit (compact, ".", 4);
  if (g_strv_length (parts) != 3)
    goto invalid;

  if (!(header = cp_base64url_decode (parts[0], NULL)) ||
      !(jws->payload = cp_base64url_decode (parts[1], NULL)) ||
      !(jws->signature = cp_base64url_decode (parts[2], NULL)))
    goto invalid;

  jws->header = parse_json_object (g_bytes_get_data (header, NULL), g_bytes_get_size (header));
  if (jws->header == NULL || get_string_member (jws->header, "alg") == NULL)
    goto invalid;

  /* We understand no critical extensions, so we must refuse them (RFC 7515 §4.1.11). */
  if (json_object_has_member (jws->header, "crit"))
    goto invalid;

  dot = strrchr (compact, '.');
  jws->signing_input = g_strndup (compact, dot - compact);

  return g_steal_pointer (&jws);

invalid:
  g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                       _("The token is not a valid signed JSON document"));
  return NULL;
}

const char *
cp_jws_get_alg (const CpJws *jws)
{
  return get_string_member (jws->header, "alg");
}

const char *
cp_jws_get_kid (const CpJws *jws)
{
  return get_string_member (jws->header, "kid");
}

JsonObject *
cp_jws_get_header (const CpJws *jws)
{
  return jws->header;
}

GBytes *
cp_jws_get_payload (const CpJws *jws)
{
  return jws->payload;
}

JsonObject *
cp_jws_get_claims (const CpJws  *jws,
                   GError      **error)
{
  JsonObject *claims = parse_json_object (g_bytes_get_data (jws->payload, NULL),
                                          g_bytes_get_size (jws->payload));

  if (claims == NULL)
    g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                         _("The token's claims are not a JSON object"));

  return claims;
}

static gboolean
verify_es256 (const CpJws *jws,
              CpJwk       *key,
              gnutls_datum_t *data)
{
  gnutls_datum_t r, s, der = { 0 };
  const guint8 *raw;
  gsize len;
  int rc;

  raw = g_bytes_get_data (jws->signature, &len);
  if (len != 2 * EC_COORD_LEN)
    return FALSE;

  r.data = (guchar *) raw;
  r.size = EC_COORD_LEN;
  s.data = (guchar *) raw + EC_COORD_LEN;
  s.size = EC_COORD_LEN;
  if (gnutls_encode_rs_value (&der, &r, &s) < 0)
    return FALSE;

  rc = gnutls_pubkey_verify_data2 (key->pub, GNUTLS_SIGN_ECDSA_SHA256, 0, data, &der);
  gnutls_free (der.data);

  return rc >= 0;
}

static gboolean
verify_rs256 (const CpJws    *jws,
              CpJwk          *key,
              gnutls_datum_t *data)
{
  gnutls_datum_t sig;

  sig.data = (guchar *) g_bytes_get_data (jws->signature, NULL);
  sig.size = g_bytes_get_size (jws->signature);

  return gnutls_pubkey_verify_data2 (key->pub, GNUTLS_SIGN_RSA_SHA256, 0, data, &sig) >= 0;
}

gboolean
cp_jws_verify (const CpJws  *jws,
               CpJwk        *key,
               GError      **error)
{
  const char *alg = cp_jws_get_alg (jws);
  gnutls_datum_t data;
  gboolean ok;

  g_return_val_if_fail (jws != NULL, FALSE);
  g_return_val_if_fail (CP_IS_JWK (key), FALSE);

  /* The key decides the algorithm, never the token: no "none", no HS256 with a public key. */
  if (g_strcmp0 (alg, cp_jwk_get_alg (key)) != 0)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_SECURITY,
                   _("The token is signed with an unexpected algorithm (%s)"),
                   alg ? alg : "?");
      return FALSE;
    }

  data.data = (guchar *) jws->signing_input;
  data.size = strlen (jws->signing_input);

  ok = key->kty == KEY_EC_P256 ? verify_es256 (jws, key, &data)
                               : verify_rs256 (jws, key, &data);
  if (!ok)
    g_set_error_literal (error, CP_ERROR, CP_ERROR_SECURITY,
                         _("The token's signature is not valid"));

  return ok;
}
