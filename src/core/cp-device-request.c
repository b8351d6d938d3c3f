/* cp-device-request.c: requests signed with the device key
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "cp-device-request.h"
#include "cp-error.h"

#define NONCE_BYTES     32
#define NONCE_MIN_LEN   16
#define NONCE_MAX_LEN   128
#define FIELD_MAX_LEN   2048

char *
cp_device_request_sign (CpJwk       *key,
                        const char  *device_id,
                        const char  *method,
                        const char  *path,
                        JsonNode    *body,
                        gint64       now,
                        GError     **error)
{
  g_autoptr(JsonObject) header = json_object_new ();
  g_autoptr(JsonObject) payload = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *thumbprint = NULL;
  g_autofree char *nonce = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (CP_IS_JWK (key), NULL);
  g_return_val_if_fail (device_id != NULL && method != NULL && path != NULL, NULL);

  thumbprint = cp_jwk_thumbprint (key);
  nonce = cp_random_token (NONCE_BYTES);

  json_object_set_string_member (header, "typ", CP_DEVICE_REQUEST_TYP);
  json_object_set_string_member (header, "kid", thumbprint);

  json_object_set_string_member (payload, "deviceId", device_id);
  json_object_set_string_member (payload, "method", method);
  json_object_set_string_member (payload, "path", path);
  json_object_set_int_member (payload, "iat", now);
  json_object_set_string_member (payload, "nonce", nonce);
  json_object_set_member (payload, "body",
                          body != NULL ? json_node_copy (body) : json_node_new (JSON_NODE_NULL));

  json_node_set_object (node, payload);
  text = json_to_string (node, FALSE);

  return cp_jws_sign (key, header, (const guint8 *) text, strlen (text), error);
}

static gboolean
fail (GError     **error,
      int          code,
      const char  *message)
{
  g_set_error_literal (error, CP_ERROR, code, message);
  return FALSE;
}

static const char *
get_bounded_string (JsonObject *object,
                    const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  value = json_node_get_string (node);
  if (value == NULL || *value == '\0' || strlen (value) > FIELD_MAX_LEN)
    return NULL;

  return value;
}

static gboolean
is_base64url (const char *text)
{
  for (const char *p = text; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static gboolean
check_header (const CpJws  *jws,
              CpJwk        *key,
              GError      **error)
{
  JsonObject *header = cp_jws_get_header (jws);
  g_autofree char *thumbprint = cp_jwk_thumbprint (key);
  const char *typ = get_bounded_string (header, "typ");
  const char *kid = cp_jws_get_kid (jws);

  if (g_strcmp0 (cp_jws_get_alg (jws), "ES256") != 0 ||
      g_strcmp0 (cp_jwk_get_alg (key), "ES256") != 0)
    return fail (error, CP_ERROR_SECURITY, _("The device request is not signed with ES256"));

  if (g_strcmp0 (typ, CP_DEVICE_REQUEST_TYP) != 0)
    return fail (error, CP_ERROR_SECURITY, _("The signed document is not a device request"));

  if (kid == NULL || !cp_secure_str_equal (kid, thumbprint))
    return fail (error, CP_ERROR_SECURITY, _("The device request is signed with another key"));

  return TRUE;
}

static gboolean
check_iat (JsonObject  *payload,
           gint64       now,
           GError     **error)
{
  JsonNode *node = json_object_get_member (payload, "iat");
  gint64 iat;
  guint64 distance;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return fail (error, CP_ERROR_INVALID_DATA, _("The device request has no valid time stamp"));

  iat = json_node_get_int (node);
  /* The distance of two gint64 always fits in a guint64, whereas
   * now +/- the skew overflows (undefined behaviour) for absurd values. */
  distance = iat > now ? (guint64) iat - (guint64) now : (guint64) now - (guint64) iat;
  if (distance > CP_DEVICE_REQUEST_MAX_SKEW)
    return fail (error, CP_ERROR_SECURITY,
                 _("The device request is too old or comes from the future; check the clock"));

  return TRUE;
}

static gboolean
check_payload (JsonObject  *payload,
               const char  *device_id,
               const char  *method,
               const char  *path,
               gint64       now,
               GError     **error)
{
  const char *got_id = get_bounded_string (payload, "deviceId");
  const char *got_method = get_bounded_string (payload, "method");
  const char *got_path = get_bounded_string (payload, "path");
  const char *nonce = get_bounded_string (payload, "nonce");

  if (got_id == NULL || got_method == NULL || got_path == NULL ||
      !json_object_has_member (payload, "body"))
    return fail (error, CP_ERROR_INVALID_DATA, _("The device request is incomplete"));

  if (nonce == NULL || strlen (nonce) < NONCE_MIN_LEN || strlen (nonce) > NONCE_MAX_LEN ||
      !is_base64url (nonce))
    return fail (error, CP_ERROR_INVALID_DATA, _("The device request has no valid nonce"));

  if (strcmp (got_id, device_id) != 0)
    return fail (error, CP_ERROR_SECURITY, _("The device request is for another device"));

  if (strcmp (got_method, method) != 0 || strcmp (got_path, path) != 0)
    return fail (error, CP_ERROR_SECURITY, _("The device request was signed for another address"));

  return check_iat (payload, now, error);
}

JsonNode *
cp_device_request_verify (const char  *compact,
                          CpJwk       *enrolled_key,
                          const char  *expected_device_id,
                          const char  *method,
                          const char  *path,
                          gint64       now,
                          char       **out_nonce,
                          GError     **error)
{
  g_autoptr(CpJws) jws = NULL;
  g_autoptr(JsonObject) payload = NULL;

  g_return_val_if_fail (compact != NULL, NULL);
  g_return_val_if_fail (CP_IS_JWK (enrolled_key), NULL);
  g_return_val_if_fail (expected_device_id != NULL && method != NULL && path != NULL, NULL);

  if (!(jws = cp_jws_parse (compact, error)))
    return NULL;

  /* Header and signature first: nothing in an unauthenticated payload is looked at. */
  if (!check_header (jws, enrolled_key, error) ||
      !cp_jws_verify (jws, enrolled_key, error))
    return NULL;

  if (!(payload = cp_jws_get_claims (jws, error)))
    return NULL;

  if (!check_payload (payload, expected_device_id, method, path, now, error))
    return NULL;

  if (out_nonce != NULL)
    *out_nonce = g_strdup (json_object_get_string_member (payload, "nonce"));

  return json_node_copy (json_object_get_member (payload, "body"));
}
