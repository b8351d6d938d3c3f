/* app-test-util.c: what the window's test programs share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "app-test-util.h"

SoupServer *
app_test_start_server (const char          *path,
                       SoupServerCallback   handler,
                       gpointer             data,
                       char               **base_out)
{
  SoupServer *server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  soup_server_add_handler (server, path, handler, data, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  *base_out = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return server;
}

void
app_test_result_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

GdkTexture *
app_test_load_icon (CpIconCache  *icons,
                    const char   *url,
                    int           size,
                    GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cp_icon_cache_load_async (icons, url, size, NULL, app_test_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return cp_icon_cache_load_finish (icons, result, error);
}

guint
app_test_count_files (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      n += g_file_test (child, G_FILE_TEST_IS_REGULAR);
    }
  return n;
}
