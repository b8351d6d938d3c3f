/* cp-token-store.c: tokens in the system keyring, nowhere else
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include "cp-error.h"
#include "cp-oidc-private.h"
#include "cp-token-store.h"

/*
 * On the host we talk to the Secret Service over D-Bus (SecretService) rather
 * than through secret_password_*(): those may pick libsecret's file backend
 * (with SECRET_BACKEND=file), and tokens must never land in a file we did not
 * choose. Inside Flatpak the sandbox has no access to the Secret Service on
 * purpose; there libsecret's simple API is the keyring: it keeps the items in
 * the app's private, encrypted keyring file whose key comes from the Secret
 * portal (org.freedesktop.portal.Secret), never in plain text.
 * Either way a store with the same attributes replaces the item in one call,
 * so a rotated refresh token is never half written.
 */

struct _CpTokenStore
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (CpTokenStore, cp_token_store, G_TYPE_OBJECT)

typedef enum
{
  OP_LOAD,
  OP_SAVE,
  OP_DELETE,
} Operation;

typedef struct
{
  Operation op;
  GHashTable *attributes;
  char *label;
  char *secret;               /* the keyring blob, OP_SAVE only */
} StoreData;

static const SecretSchema *
token_schema (void)
{
  static const SecretSchema schema = {
    "io.github.companyportal.CompanyPortal.Token", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "issuer", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };

  return &schema;
}

static void
store_data_free (StoreData *data)
{
  g_clear_pointer (&data->attributes, g_hash_table_unref);
  g_free (data->label);
  cp_oidc_free_secret (data->secret);
  g_free (data);
}

/* Every keyring failure becomes one actionable message; the details, which
 * name D-Bus paths but no secret, go to the debug log. */
static void
return_keyring_error (GTask  *task,
                      GError *error)
{
  if (cp_error_is_cancelled (error))
    {
      g_task_return_error (task, g_error_copy (error));
      return;
    }

  g_debug ("Keyring operation failed: %s", error->message);
  g_task_return_new_error (task, CP_ERROR, CP_ERROR_KEYRING, "%s",
                           _("The keyring is not available. Unlock your keyring, or set up a "
                             "login keyring in Passwords and Keys, then try again."));
}

static gboolean
in_flatpak (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

/* Takes @error_in (transfer full). */
static void
return_loaded (GTask      *task,
               const char *text,
               GError     *error_in)
{
  g_autoptr(GError) error = error_in;
  CpTokenSet *tokens;

  if (error != NULL)
    {
      return_keyring_error (task, error);
      return;
    }
  if (text == NULL)
    {
      g_debug ("No sign-in stored in the keyring");
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  tokens = cp_token_set_new_from_keyring (text, &error);
  if (tokens == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, tokens, g_object_unref);
}

static void
looked_up_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autoptr(SecretValue) value = secret_service_lookup_finish (SECRET_SERVICE (source), result, &error);

  return_loaded (task, value ? secret_value_get_text (value) : NULL, error);
}

static void
password_looked_up_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *text = secret_password_lookup_finish (result, &error);

  return_loaded (task, text, error);
  secret_password_free (text);
}

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_service_store_finish (SECRET_SERVICE (source), result, &error))
    return_keyring_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
password_stored_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    return_keyring_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
password_cleared_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_clear_finish (result, &error) && error != NULL)
    return_keyring_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* The sandboxed path: libsecret's simple API over the Secret portal. */
static void
start_password_operation (GTask *task)
{
  StoreData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  switch (data->op)
    {
    case OP_LOAD:
      secret_password_lookupv (token_schema (), data->attributes, cancellable,
                               password_looked_up_cb, task);
      break;
    case OP_SAVE:
      secret_password_storev (token_schema (), data->attributes, SECRET_COLLECTION_DEFAULT,
                              data->label, data->secret, cancellable, password_stored_cb, task);
      break;
    case OP_DELETE:
      secret_password_clearv (token_schema (), data->attributes, cancellable,
                              password_cleared_cb, task);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
cleared_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* FALSE without an error only means there was nothing to delete. */
  if (!secret_service_clear_finish (SECRET_SERVICE (source), result, &error) && error != NULL)
    return_keyring_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
service_ready_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  StoreData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretService) service = secret_service_get_finish (result, &error);
  g_autoptr(SecretValue) value = NULL;

  if (service == NULL)
    {
      return_keyring_error (task, error);
      return;
    }

  switch (data->op)
    {
    case OP_LOAD:
      secret_service_lookup (service, token_schema (), data->attributes, cancellable,
                             looked_up_cb, g_steal_pointer (&task));
      break;
    case OP_SAVE:
      value = secret_value_new (data->secret, -1, "text/plain");
      secret_service_store (service, token_schema (), data->attributes, SECRET_COLLECTION_DEFAULT,
                            data->label, value, cancellable, stored_cb, g_steal_pointer (&task));
      break;
    case OP_DELETE:
      secret_service_clear (service, token_schema (), data->attributes, cancellable,
                            cleared_cb, g_steal_pointer (&task));
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
start_operation (CpTokenStore        *self,
                 Operation            op,
                 gpointer             source_tag,
                 const char          *server_url,
                 const char          *issuer,
                 CpTokenSet          *tokens,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  StoreData *data = g_new0 (StoreData, 1);

  g_task_set_source_tag (task, source_tag);
  data->op = op;
  data->attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_hash_table_insert (data->attributes, (char *) "server", g_strdup (server_url));
  g_hash_table_insert (data->attributes, (char *) "issuer", g_strdup (issuer));
  if (op == OP_SAVE)
    {
      /* Translators: the label of the keyring item, seen in Passwords and Keys. */
      data->label = g_strdup_printf (_("Company Portal sign-in for %s"), server_url);
      data->secret = cp_token_set_to_keyring (tokens);
    }
  g_task_set_task_data (task, data, (GDestroyNotify) store_data_free);

  if (in_flatpak ())
    start_password_operation (task);
  else
    secret_service_get (SECRET_SERVICE_OPEN_SESSION, cancellable, service_ready_cb, task);
}

static void
cp_token_store_class_init (CpTokenStoreClass *klass)
{
}

static void
cp_token_store_init (CpTokenStore *self)
{
}

CpTokenStore *
cp_token_store_new (void)
{
  return g_object_new (CP_TYPE_TOKEN_STORE, NULL);
}

void
cp_token_store_load_async (CpTokenStore        *self,
                           const char          *server_url,
                           const char          *issuer,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (CP_IS_TOKEN_STORE (self));
  g_return_if_fail (server_url != NULL && issuer != NULL);

  start_operation (self, OP_LOAD, cp_token_store_load_async, server_url, issuer, NULL,
                   cancellable, callback, user_data);
}

CpTokenSet *
cp_token_store_load_finish (CpTokenStore  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
cp_token_store_save_async (CpTokenStore        *self,
                           const char          *server_url,
                           const char          *issuer,
                           CpTokenSet          *tokens,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (CP_IS_TOKEN_STORE (self));
  g_return_if_fail (server_url != NULL && issuer != NULL);
  g_return_if_fail (CP_IS_TOKEN_SET (tokens));

  start_operation (self, OP_SAVE, cp_token_store_save_async, server_url, issuer, tokens,
                   cancellable, callback, user_data);
}

gboolean
cp_token_store_save_finish (CpTokenStore  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cp_token_store_delete_async (CpTokenStore        *self,
                             const char          *server_url,
                             const char          *issuer,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (CP_IS_TOKEN_STORE (self));
  g_return_if_fail (server_url != NULL && issuer != NULL);

  start_operation (self, OP_DELETE, cp_token_store_delete_async, server_url, issuer, NULL,
                   cancellable, callback, user_data);
}

gboolean
cp_token_store_delete_finish (CpTokenStore  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
