/* test-device-key.c: the device key in a real keyring, and nowhere else
 *
 * Runs under with-keyring.sh (CP_TEST_KEYRING=unlocked|none|empty).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include <string.h>

#include "company-portal.h"

#define SERVER "https://keys.example.com"

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static gboolean
store (CpDeviceKey  *key,
       const char   *device_id,
       GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cp_device_key_store_async (key, device_id, NULL, done_cb, &result);
  return cp_device_key_store_finish (key, wait_for (&result), error);
}

static CpDeviceKey *
load (const char  *device_id,
      GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cp_device_key_load_async (SERVER, device_id, NULL, done_cb, &result);
  return cp_device_key_load_finish (wait_for (&result), error);
}

static gboolean
delete (const char  *device_id,
        GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cp_device_key_delete_async (SERVER, device_id, NULL, done_cb, &result);
  return cp_device_key_delete_finish (wait_for (&result), error);
}

/* TRUE if any file under @dir contains @needle (binary-safe). */
static gboolean
tree_contains (const char *dir,
               GBytes     *needle)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize len;

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (tree_contains (path, needle))
            return TRUE;
        }
      else if (g_file_get_contents (path, &contents, &len, NULL) &&
               memmem (contents, len, g_bytes_get_data (needle, NULL), g_bytes_get_size (needle)) != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
test_roundtrip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpDeviceKey) key = cp_device_key_generate (SERVER, &error);
  g_autoptr(CpDeviceKey) loaded = NULL;
  g_autoptr(CpDeviceKey) gone = NULL;
  g_autoptr(GBytes) der = NULL;
  g_autofree char *secret = NULL;
  g_autoptr(GBytes) secret_bytes = NULL;
  g_autofree char *compact = NULL;
  g_autoptr(CpJws) jws = NULL;
  g_autofree char *public_json = NULL;

  g_assert_no_error (error);
  public_json = cp_device_key_dup_public_json (key);
  g_assert_null (strstr (public_json, "\"d\""));
  g_assert_nonnull (strstr (public_json, cp_device_key_get_thumbprint (key)));

  g_assert_true (store (key, "dev-1", &error));
  g_assert_no_error (error);

  /* Loaded back, it is the same key pair: it signs what the stored public half verifies. */
  loaded = load ("dev-1", &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);
  g_assert_cmpstr (cp_device_key_get_thumbprint (loaded), ==, cp_device_key_get_thumbprint (key));
  g_assert_cmpstr (cp_device_key_get_server_url (loaded), ==, SERVER);
  compact = cp_jws_sign (cp_device_key_get_jwk (loaded), NULL, (const guint8 *) "x", 1, &error);
  g_assert_no_error (error);
  jws = cp_jws_parse (compact, &error);
  g_assert_no_error (error);
  g_assert_true (cp_jws_verify (jws, cp_device_key_get_jwk (key), &error));

  /* Another device id is another item. */
  g_assert_null (load ("dev-2", &error));
  g_assert_no_error (error);

  /* Nowhere on disk in the clear, neither as DER nor as the text the keyring
   * gets: not in HOME nor in any XDG directory (gnome-keyring's own file is encrypted). */
  der = cp_jwk_export_private (cp_device_key_get_jwk (key), &error);
  g_assert_no_error (error);
  secret = cp_base64url_encode (g_bytes_get_data (der, NULL), g_bytes_get_size (der));
  secret_bytes = g_bytes_new_static (secret, strlen (secret));
  {
    const char *dirs[] = { g_get_home_dir (), g_get_user_data_dir (), g_get_user_state_dir (),
                           g_get_user_config_dir (), g_get_user_cache_dir (), g_get_user_runtime_dir () };

    for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
      {
        g_assert_false (tree_contains (dirs[i], der));
        g_assert_false (tree_contains (dirs[i], secret_bytes));
      }
  }

  g_assert_true (delete ("dev-1", &error));
  g_assert_no_error (error);
  gone = load ("dev-1", &error);
  g_assert_no_error (error);
  g_assert_null (gone);

  /* Deleting what is not there is fine. */
  g_assert_true (delete ("dev-1", &error));
  g_assert_no_error (error);
}

static void
test_replace (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpDeviceKey) first = cp_device_key_generate (SERVER, NULL);
  g_autoptr(CpDeviceKey) second = cp_device_key_generate (SERVER, NULL);
  g_autoptr(CpDeviceKey) loaded = NULL;

  g_assert_true (store (first, CP_DEVICE_KEY_PENDING, &error));
  g_assert_true (store (second, CP_DEVICE_KEY_PENDING, &error));
  g_assert_no_error (error);
  loaded = load (CP_DEVICE_KEY_PENDING, &error);
  g_assert_cmpstr (cp_device_key_get_thumbprint (loaded), ==, cp_device_key_get_thumbprint (second));
  g_assert_true (delete (CP_DEVICE_KEY_PENDING, &error));
}

static void
test_no_keyring (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpDeviceKey) key = cp_device_key_generate (SERVER, NULL);

  g_assert_false (store (key, "dev-1", &error));
  g_assert_error (error, CP_ERROR, CP_ERROR_KEYRING);
  g_assert_nonnull (strstr (error->message, "keyring"));
  g_assert_null (strstr (error->message, "org.freedesktop"));  /* no D-Bus jargon for users */
}

static void
test_no_keyring_load (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpDeviceKey) key = load ("dev-1", &error);

  /* Without a secret service, even a lookup fails clearly. */
  g_assert_null (key);
  g_assert_error (error, CP_ERROR, CP_ERROR_KEYRING);
}

static void
test_needs_harness (void)
{
  g_test_skip ("Run through with-keyring.sh (meson test does)");
}

int
main (int   argc,
      char *argv[])
{
  const char *keyring = g_getenv ("CP_TEST_KEYRING");

  g_test_init (&argc, &argv, NULL);

  if (keyring == NULL)
    g_test_add_func ("/device-key/needs-harness", test_needs_harness);
  else if (g_str_equal (keyring, "unlocked"))
    {
      g_test_add_func ("/device-key/roundtrip", test_roundtrip);
      g_test_add_func ("/device-key/replace", test_replace);
    }
  else
    {
      g_test_add_func ("/device-key/no-keyring", test_no_keyring);
      if (g_str_equal (keyring, "none"))
        g_test_add_func ("/device-key/no-keyring-load", test_no_keyring_load);
    }

  return g_test_run ();
}
