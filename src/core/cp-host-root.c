/* cp-host-root.c: bounded reads of host files below one root directory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "cp-error.h"
#include "cp-host-root.h"

struct _CpHostRoot
{
  GObject parent_instance;

  char *path;
};

G_DEFINE_FINAL_TYPE (CpHostRoot, cp_host_root, G_TYPE_OBJECT)

static gboolean
has_dotdot (const char *rel)
{
  g_auto(GStrv) parts = g_strsplit (rel, "/", -1);

  for (guint i = 0; parts[i]; i++)
    if (g_str_equal (parts[i], ".."))
      return TRUE;
  return FALSE;
}

static void
set_errno_error (GError     **error,
                 int          saved_errno,
                 const char  *rel)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _("Could not read /%s: %s"), rel, g_strerror (saved_errno));
}

static void
cp_host_root_finalize (GObject *object)
{
  CpHostRoot *self = CP_HOST_ROOT (object);

  g_free (self->path);

  G_OBJECT_CLASS (cp_host_root_parent_class)->finalize (object);
}

static void
cp_host_root_class_init (CpHostRootClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_host_root_finalize;
}

static void
cp_host_root_init (CpHostRoot *self)
{
}

CpHostRoot *
cp_host_root_new (const char *path)
{
  CpHostRoot *self;
  gsize len;

  g_return_val_if_fail (path != NULL && *path != '\0', NULL);

  self = g_object_new (CP_TYPE_HOST_ROOT, NULL);
  self->path = g_strdup (path);
  /* Keep "/" as it is; drop a trailing slash from anything else. */
  len = strlen (self->path);
  while (len > 1 && self->path[len - 1] == '/')
    self->path[--len] = '\0';
  return self;
}

const char *
cp_host_root_get_path (CpHostRoot *self)
{
  g_return_val_if_fail (CP_IS_HOST_ROOT (self), NULL);

  return self->path;
}

char *
cp_host_root_resolve (CpHostRoot *self,
                      const char *rel)
{
  g_return_val_if_fail (CP_IS_HOST_ROOT (self), NULL);
  g_return_val_if_fail (rel != NULL, NULL);

  while (*rel == '/')
    rel++;
  if (has_dotdot (rel))
    return NULL;
  if (g_str_equal (self->path, "/"))
    return g_strconcat ("/", rel, NULL);
  return g_build_filename (self->path, rel, NULL);
}

gboolean
cp_host_root_exists (CpHostRoot *self,
                     const char *rel)
{
  g_autofree char *path = cp_host_root_resolve (self, rel);

  return path != NULL && access (path, F_OK) == 0;
}

gboolean
cp_host_root_is_dir (CpHostRoot *self,
                     const char *rel)
{
  g_autofree char *path = cp_host_root_resolve (self, rel);
  struct stat st;

  return path != NULL && stat (path, &st) == 0 && S_ISDIR (st.st_mode);
}

GBytes *
cp_host_root_read_bytes (CpHostRoot  *self,
                         const char  *rel,
                         gsize        max_size,
                         GError     **error)
{
  g_autofree char *path = cp_host_root_resolve (self, rel);
  g_autoptr(GByteArray) buf = NULL;
  int fd;

  if (path == NULL)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                   _("Refused to read a path outside the host root: %s"), rel);
      return NULL;
    }

  /* sysfs and procfs report sizes that mean nothing: read until EOF, bounded. */
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    {
      set_errno_error (error, errno, rel);
      return NULL;
    }

  buf = g_byte_array_sized_new (MIN (max_size + 1, 4096));
  for (;;)
    {
      guint8 chunk[4096];
      ssize_t n = read (fd, chunk, sizeof chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          close (fd);
          set_errno_error (error, saved_errno, rel);
          return NULL;
        }
      if (n == 0)
        break;
      if (buf->len + (gsize) n > max_size)
        {
          close (fd);
          g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                       _("/%s is larger than %lu bytes"), rel, (unsigned long) max_size);
          return NULL;
        }
      g_byte_array_append (buf, chunk, n);
    }
  close (fd);

  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
}

char *
cp_host_root_read_text (CpHostRoot  *self,
                        const char  *rel,
                        gsize        max_size,
                        GError     **error)
{
  g_autoptr(GBytes) bytes = cp_host_root_read_bytes (self, rel, max_size, error);
  const char *data;
  gsize len;

  if (bytes == NULL)
    return NULL;

  data = g_bytes_get_data (bytes, &len);
  if (len > 0 && (memchr (data, '\0', len) != NULL || !g_utf8_validate (data, len, NULL)))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("/%s is not text"), rel);
      return NULL;
    }
  return g_strndup (len > 0 ? data : "", len);
}

char *
cp_host_root_read_link (CpHostRoot  *self,
                        const char  *rel,
                        GError     **error)
{
  g_autofree char *path = cp_host_root_resolve (self, rel);

  if (path == NULL)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                   _("Refused to read a path outside the host root: %s"), rel);
      return NULL;
    }
  return g_file_read_link (path, error);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

GStrv
cp_host_root_list_dir (CpHostRoot  *self,
                       const char  *rel,
                       GError     **error)
{
  g_autofree char *path = cp_host_root_resolve (self, rel);
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (path == NULL)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                   _("Refused to read a path outside the host root: %s"), rel);
      return NULL;
    }

  dir = g_dir_open (path, 0, error);
  if (dir == NULL)
    return NULL;

  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (names->len >= CP_HOST_ROOT_MAX_ENTRIES)
        {
          g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                       _("/%s has more than %d entries"), rel, CP_HOST_ROOT_MAX_ENTRIES);
          return NULL;
        }
      g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);

  return (GStrv) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}
