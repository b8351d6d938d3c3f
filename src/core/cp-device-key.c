/* cp-device-key.c: the device key, kept only in the keyring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include "cp-device-key.h"
#include "cp-error.h"

struct _CpDeviceKey
{
  GObject  parent_instance;

  char    *server_url;
  CpJwk   *jwk;
  char    *thumbprint;
};

G_DEFINE_FINAL_TYPE (CpDeviceKey, cp_device_key, G_TYPE_OBJECT)

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    "io.github.companyportal.CompanyPortal.DeviceKey",
    SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "device-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };

  return &schema;
}

/* libsecret's messages are technical; the user needs to know what to do. */
static void
return_keyring_error (GTask      *task,
                      GError     *error,
                      const char *message)
{
  if (cp_error_is_cancelled (error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_debug ("Keyring: %s", error->message);
  g_task_return_new_error (task, CP_ERROR, CP_ERROR_KEYRING, "%s %s", message,
                           _("Make sure a keyring such as GNOME Keyring is running "
                             "and unlocked, then try again."));
  g_error_free (error);
}

static CpDeviceKey *
device_key_new (const char  *server_url,
                CpJwk       *jwk)
{
  CpDeviceKey *self = g_object_new (CP_TYPE_DEVICE_KEY, NULL);

  self->server_url = g_strdup (server_url);
  self->jwk = g_object_ref (jwk);
  self->thumbprint = cp_jwk_thumbprint (jwk);
  cp_jwk_set_kid (jwk, self->thumbprint);

  return self;
}

static void
store_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &error))
    return_keyring_error (task, error, _("The keyring refused to store the device key."));
  else
    g_task_return_boolean (task, TRUE);
}

static void
lookup_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  const char *server_url = g_task_get_task_data (task);
  g_autoptr(GBytes) der = NULL;
  g_autoptr(CpJwk) jwk = NULL;
  GError *error = NULL;
  char *secret;

  secret = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    {
      return_keyring_error (task, error, _("The device key could not be read from the keyring."));
      return;
    }

  if (secret == NULL)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  der = cp_base64url_decode (secret, NULL);
  secret_password_free (secret);
  if (der == NULL || !(jwk = cp_jwk_import_private (der, NULL)))
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_KEYRING,
                               _("The device key in the keyring is damaged; "
                                 "remove this device and enroll it again"));
      return;
    }

  g_task_return_pointer (task, device_key_new (server_url, jwk), g_object_unref);
}

static void
clear_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  /* FALSE without an error only means that there was nothing to delete. */
  secret_password_clear_finish (result, &error);
  if (error != NULL)
    return_keyring_error (task, error, _("The device key could not be deleted from the keyring."));
  else
    g_task_return_boolean (task, TRUE);
}

static void
cp_device_key_finalize (GObject *object)
{
  CpDeviceKey *self = CP_DEVICE_KEY (object);

  g_free (self->server_url);
  g_free (self->thumbprint);
  g_clear_object (&self->jwk);

  G_OBJECT_CLASS (cp_device_key_parent_class)->finalize (object);
}

static void
cp_device_key_class_init (CpDeviceKeyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_device_key_finalize;
}

static void
cp_device_key_init (CpDeviceKey *self)
{
}

CpDeviceKey *
cp_device_key_generate (const char  *server_url,
                        GError     **error)
{
  g_autoptr(CpJwk) jwk = NULL;

  g_return_val_if_fail (server_url != NULL, NULL);

  if (!(jwk = cp_jwk_generate_ec_p256 (error)))
    return NULL;

  return device_key_new (server_url, jwk);
}

const char *
cp_device_key_get_server_url (CpDeviceKey *self)
{
  g_return_val_if_fail (CP_IS_DEVICE_KEY (self), NULL);
  return self->server_url;
}

CpJwk *
cp_device_key_get_jwk (CpDeviceKey *self)
{
  g_return_val_if_fail (CP_IS_DEVICE_KEY (self), NULL);
  return self->jwk;
}

const char *
cp_device_key_get_thumbprint (CpDeviceKey *self)
{
  g_return_val_if_fail (CP_IS_DEVICE_KEY (self), NULL);
  return self->thumbprint;
}

char *
cp_device_key_dup_public_json (CpDeviceKey *self)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  g_return_val_if_fail (CP_IS_DEVICE_KEY (self), NULL);

  object = cp_jwk_to_public_json (self->jwk);
  json_node_set_object (node, object);
  return json_to_string (node, FALSE);
}

void
cp_device_key_store_async (CpDeviceKey         *self,
                           const char          *device_id,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GBytes) der = NULL;
  g_autofree char *label = NULL;
  GError *error = NULL;
  char *secret;

  g_return_if_fail (CP_IS_DEVICE_KEY (self));
  g_return_if_fail (device_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_device_key_store_async);

  if (!(der = cp_jwk_export_private (self->jwk, &error)))
    {
      g_task_return_error (task, error);
      return;
    }

  secret = cp_base64url_encode (g_bytes_get_data (der, NULL), g_bytes_get_size (der));
  label = g_strdup_printf (_("Company Portal device key for %s"), self->server_url);
  secret_password_store (get_schema (), SECRET_COLLECTION_DEFAULT, label, secret,
                         cancellable, store_cb, g_steal_pointer (&task),
                         "server", self->server_url,
                         "device-id", device_id,
                         NULL);
  /* libsecret copied it; do not leave the key in freed memory. */
  memset (secret, 0, strlen (secret));
  g_free (secret);
}

gboolean
cp_device_key_store_finish (CpDeviceKey   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cp_device_key_load_async (const char          *server_url,
                          const char          *device_id,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (server_url != NULL && device_id != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_device_key_load_async);
  g_task_set_task_data (task, g_strdup (server_url), g_free);
  secret_password_lookup (get_schema (), cancellable, lookup_cb, task,
                          "server", server_url,
                          "device-id", device_id,
                          NULL);
}

CpDeviceKey *
cp_device_key_load_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
cp_device_key_delete_async (const char          *server_url,
                            const char          *device_id,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (server_url != NULL && device_id != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_device_key_delete_async);
  secret_password_clear (get_schema (), cancellable, clear_cb, task,
                         "server", server_url,
                         "device-id", device_id,
                         NULL);
}

gboolean
cp_device_key_delete_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
