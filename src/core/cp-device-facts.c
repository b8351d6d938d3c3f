/* cp-device-facts.c: hostname, OS, kernel, hardware and a salted machine-id hash
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <sys/utsname.h>
#include <glib/gi18n-lib.h>

#include "cp-device-facts.h"
#include "cp-error.h"

/* Bigger host files are not what they claim to be; refuse to read them. */
#define MAX_FILE_SIZE   (64 * 1024)
#define MACHINE_ID_SALT "io.github.companyportal.DeviceId.v1"

struct _CpDeviceFacts
{
  GObject  parent_instance;

  char    *hostname;
  char    *os_id;
  char    *os_name;
  char    *os_version;
  char    *os_pretty_name;
  char    *kernel;
  char    *architecture;
  char    *vendor;
  char    *model;
  char    *serial;
  char    *machine_id_hash;
};

G_DEFINE_FINAL_TYPE (CpDeviceFacts, cp_device_facts, G_TYPE_OBJECT)

/* Reads a small host file under @root; NULL when missing, unreadable or too big.
 * procfs and sysfs report no real size, so this reads rather than stats. */
static char *
read_host_file (const char *root,
                const char *relative)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autofree char *buf = g_malloc (MAX_FILE_SIZE + 1);
  gsize len = 0;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    return NULL;

  while (len <= MAX_FILE_SIZE)
    {
      gssize n = read (fd, buf + len, MAX_FILE_SIZE + 1 - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      len += n;
    }
  close (fd);

  if (len > MAX_FILE_SIZE)
    return NULL;

  return g_strndup (buf, len);
}

/* Reads a one-line file (sysfs, procfs, hostname) and sanitizes its value. */
static char *
read_host_value (const char *root,
                 const char *relative)
{
  g_autofree char *text = read_host_file (root, relative);
  g_autofree char *clean = NULL;

  if (text == NULL)
    return NULL;

  clean = cp_device_facts_sanitize (g_strstrip (text));
  if (clean == NULL || *clean == '\0')
    return NULL;

  return g_steal_pointer (&clean);
}

/* Unquotes an os-release value (shell-like: "..." with \ escapes, or '...'). */
static char *
unquote_value (const char *raw)
{
  gsize len = strlen (raw);
  GString *out;

  if (len < 2 || (raw[0] != '"' && raw[0] != '\'') || raw[len - 1] != raw[0])
    return g_strdup (raw);

  out = g_string_sized_new (len);
  for (gsize i = 1; i + 1 < len; i++)
    {
      if (raw[0] == '"' && raw[i] == '\\' && i + 2 < len)
        i++;
      g_string_append_c (out, raw[i]);
    }

  return g_string_free (out, FALSE);
}

static GHashTable *
parse_os_release (const char *text)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      char *eq = strchr (line, '=');

      if (*line == '#' || eq == NULL || eq == line)
        continue;

      *eq = '\0';
      g_hash_table_replace (table, g_strdup (line), unquote_value (eq + 1));
    }

  return table;
}

static gboolean
is_sandboxed (const char *root)
{
  g_autofree char *path = g_build_filename (root, ".flatpak-info", NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static GHashTable *
read_os_release (const char *root)
{
  /* Inside Flatpak, etc/os-release describes the runtime, not the host. */
  const char *candidates[] = { "run/host/os-release", "etc/os-release", "usr/lib/os-release" };
  guint first = is_sandboxed (root) ? 0 : 1;

  for (guint i = first; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *text = read_host_file (root, candidates[i]);

      if (text != NULL)
        {
          g_debug ("Reading the distribution from %s", candidates[i]);
          return parse_os_release (text);
        }
    }

  return NULL;
}

static char *
lookup_os (GHashTable *os,
           const char *key)
{
  return os != NULL ? cp_device_facts_sanitize (g_hash_table_lookup (os, key)) : NULL;
}

static gboolean
is_real_root (const char *root)
{
  g_autofree char *canonical = g_canonicalize_filename (root, "/");

  return g_strcmp0 (canonical, "/") == 0;
}

static void
collect_os (CpDeviceFacts *self,
            const char    *root)
{
  g_autoptr(GHashTable) os = read_os_release (root);

  self->os_id = lookup_os (os, "ID");
  self->os_name = lookup_os (os, "NAME");
  self->os_version = lookup_os (os, "VERSION_ID");
  self->os_pretty_name = lookup_os (os, "PRETTY_NAME");
  if (self->os_name == NULL && os != NULL)
    self->os_name = g_strdup ("Linux");  /* the os-release default for NAME */
}

static void
collect_system (CpDeviceFacts *self,
                const char    *root)
{
  gboolean real = is_real_root (root);
  struct utsname uts;

  self->hostname = read_host_value (root, "etc/hostname");
  if (self->hostname == NULL && real)
    self->hostname = cp_device_facts_sanitize (g_get_host_name ());

  self->kernel = read_host_value (root, "proc/sys/kernel/osrelease");
  self->architecture = read_host_value (root, "proc/sys/kernel/arch");
  if (real && uname (&uts) == 0)
    {
      if (self->kernel == NULL)
        self->kernel = cp_device_facts_sanitize (uts.release);
      if (self->architecture == NULL)
        self->architecture = cp_device_facts_sanitize (uts.machine);
    }

  self->vendor = read_host_value (root, "sys/class/dmi/id/sys_vendor");
  self->model = read_host_value (root, "sys/class/dmi/id/product_name");
  self->serial = read_host_value (root, "sys/class/dmi/id/product_serial");
}

static void
collect_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  char **args = task_data;
  GError *error = NULL;
  CpDeviceFacts *facts = cp_device_facts_collect (args[0], args[1], &error);

  if (facts == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, facts, g_object_unref);
}

static void
cp_device_facts_finalize (GObject *object)
{
  CpDeviceFacts *self = CP_DEVICE_FACTS (object);

  g_free (self->hostname);
  g_free (self->os_id);
  g_free (self->os_name);
  g_free (self->os_version);
  g_free (self->os_pretty_name);
  g_free (self->kernel);
  g_free (self->architecture);
  g_free (self->vendor);
  g_free (self->model);
  g_free (self->serial);
  g_free (self->machine_id_hash);

  G_OBJECT_CLASS (cp_device_facts_parent_class)->finalize (object);
}

static void
cp_device_facts_class_init (CpDeviceFactsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_device_facts_finalize;
}

static void
cp_device_facts_init (CpDeviceFacts *self)
{
}

char *
cp_device_facts_sanitize (const char *value)
{
  GString *out;
  const char *p;

  if (value == NULL)
    return NULL;

  out = g_string_sized_new (MIN (strlen (value), CP_DEVICE_FACTS_MAX_LEN));
  for (p = value; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char_validated (p, -1);
      char buf[6];
      int n;

      /* Invalid UTF-8 ends the value rather than guessing an encoding. */
      if (c == (gunichar) -1 || c == (gunichar) -2)
        break;
      if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
        continue;

      n = g_unichar_to_utf8 (c, buf);
      if (out->len + n > CP_DEVICE_FACTS_MAX_LEN)
        break;
      g_string_append_len (out, buf, n);
    }

  return g_string_free (out, FALSE);
}

char *
cp_device_facts_hash_machine_id (const char *machine_id,
                                 const char *server_url)
{
  g_autoptr(GChecksum) sum = NULL;
  g_autofree char *id = NULL;

  g_return_val_if_fail (server_url != NULL, NULL);

  if (machine_id == NULL)
    return NULL;

  id = g_ascii_strdown (machine_id, -1);
  g_strstrip (id);
  if (strlen (id) != 32 || strspn (id, "0123456789abcdef") != 32)
    return NULL;

  sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, (const guchar *) MACHINE_ID_SALT, sizeof MACHINE_ID_SALT);
  g_checksum_update (sum, (const guchar *) server_url, strlen (server_url) + 1);
  g_checksum_update (sum, (const guchar *) id, 32);

  return g_strdup (g_checksum_get_string (sum));
}

CpDeviceFacts *
cp_device_facts_collect (const char  *root,
                         const char  *server_url,
                         GError     **error)
{
  g_autoptr(CpDeviceFacts) self = NULL;
  g_autofree char *machine_id = NULL;

  g_return_val_if_fail (server_url != NULL, NULL);

  if (root == NULL)
    root = "/";

  if (!g_file_test (root, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                   _("The folder “%s” does not exist"), root);
      return NULL;
    }

  self = g_object_new (CP_TYPE_DEVICE_FACTS, NULL);
  collect_system (self, root);
  collect_os (self, root);

  machine_id = read_host_file (root, "etc/machine-id");
  self->machine_id_hash = cp_device_facts_hash_machine_id (machine_id, server_url);

  return g_steal_pointer (&self);
}

void
cp_device_facts_collect_async (const char          *root,
                               const char          *server_url,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  char **args = g_new0 (char *, 3);

  g_return_if_fail (server_url != NULL);

  args[0] = g_strdup (root != NULL ? root : "/");
  args[1] = g_strdup (server_url);
  g_task_set_source_tag (task, cp_device_facts_collect_async);
  g_task_set_task_data (task, args, (GDestroyNotify) g_strfreev);
  g_task_run_in_thread (task, collect_thread);
}

CpDeviceFacts *
cp_device_facts_collect_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

#define GETTER(name) \
  const char * \
  cp_device_facts_get_##name (CpDeviceFacts *self) \
  { \
    g_return_val_if_fail (CP_IS_DEVICE_FACTS (self), NULL); \
    return self->name; \
  }

GETTER (hostname)
GETTER (os_id)
GETTER (os_name)
GETTER (os_version)
GETTER (os_pretty_name)
GETTER (kernel)
GETTER (architecture)
GETTER (vendor)
GETTER (model)
GETTER (serial)
GETTER (machine_id_hash)

static void
set_optional (JsonObject *object,
              const char *name,
              const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
}

JsonObject *
cp_device_facts_to_json (CpDeviceFacts *self)
{
  JsonObject *object = json_object_new ();

  g_return_val_if_fail (CP_IS_DEVICE_FACTS (self), NULL);

  set_optional (object, "hostname", self->hostname);
  set_optional (object, "osId", self->os_id);
  set_optional (object, "osName", self->os_name);
  set_optional (object, "osVersion", self->os_version);
  set_optional (object, "osPrettyName", self->os_pretty_name);
  set_optional (object, "kernelVersion", self->kernel);
  set_optional (object, "architecture", self->architecture);
  set_optional (object, "manufacturer", self->vendor);
  set_optional (object, "model", self->model);
  set_optional (object, "serialNumber", self->serial);
  set_optional (object, "machineIdHash", self->machine_id_hash);

  return object;
}
