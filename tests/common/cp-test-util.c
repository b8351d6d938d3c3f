/* cp-test-util.c: scratch directories every test program shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "cp-test-util.h"

static void
remove_children (const char     *path,
                 const GStatBuf *st)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  /* A read-only directory (a Flatpak deployment's, a test's own) would keep its entries. */
  if ((st->st_mode & S_IRWXU) != S_IRWXU)
    g_chmod (path, (st->st_mode & 07777) | S_IRWXU);
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      cp_test_remove_tree (child);
    }
}

gboolean
cp_test_remove_tree (const char *path)
{
  GStatBuf st;

  /* lstat: a link to a directory is a link, what it points to is not ours. */
  if (g_lstat (path, &st) != 0)
    return errno == ENOENT;
  if (S_ISDIR (st.st_mode))
    remove_children (path, &st);
  return g_remove (path) == 0 || errno == ENOENT;
}

static char *
make_tmp_dir (const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_and_free (gpointer path)
{
  /* For reading what a failing test left, CP_KEEP_TMP=1 keeps it. */
  if (g_getenv ("CP_KEEP_TMP") != NULL)
    g_printerr ("kept %s (CP_KEEP_TMP)\n", (char *) path);
  else
    cp_test_remove_tree (path);
  g_free (path);
}

char *
cp_test_make_tmp_dir (const char *tmpl)
{
  char *dir = make_tmp_dir (tmpl);

  g_test_queue_destroy (remove_and_free, g_strdup (dir));
  return dir;
}

static GPtrArray *program_dirs;
static pid_t program_pid;

static void
remove_program_dirs (void)
{
  /* Not in a forked child that exits: the directories are its parent's. */
  if (program_dirs == NULL || getpid () != program_pid)
    return;
  g_clear_pointer (&program_dirs, g_ptr_array_unref);
}

char *
cp_test_make_program_tmp_dir (const char *tmpl)
{
  char *dir = make_tmp_dir (tmpl);

  if (program_dirs == NULL)
    {
      program_dirs = g_ptr_array_new_with_free_func (remove_and_free);
      program_pid = getpid ();
      atexit (remove_program_dirs);
    }
  g_ptr_array_add (program_dirs, g_strdup (dir));
  return dir;
}

SoupServer *
cp_test_start_server (const char          *path,
                      SoupServerCallback   handler,
                      gpointer             data,
                      char               **url_out)
{
  SoupServer *server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  soup_server_add_handler (server, path, handler, data, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  *url_out = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return server;
}
