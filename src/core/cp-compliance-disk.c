/* cp-compliance-disk.c: every writable fixed-disk file system is on dm-crypt
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-compliance-private.h"
#include "cp-error.h"

#define MAX_MOUNTS_TEXT (1024 * 1024)
#define MAX_SYSFS_TEXT 4096
#define MAX_DM_DEPTH 16

typedef enum { ENC_NO, ENC_YES, ENC_UNKNOWN } Encryption;

typedef struct
{
  char *name;          /* "sda2", "dm-0" */
  char *disk;          /* "sda" for sda2; the name itself for a whole disk */
  char *sysfs;         /* "sys/block/sda/sda2" */
  gboolean removable;  /* of the disk: removable media or attached by USB */
} BlockDevice;

typedef struct
{
  CpHostRoot *root;
  GHashTable *by_devno;        /* "maj:min" → BlockDevice (owned by by_name) */
  GHashTable *by_name;         /* name → BlockDevice */
  GHashTable *by_dm_name;      /* dm/name → BlockDevice */
} DeviceIndex;

typedef struct
{
  char *devno;
  char *mount_point;
  char *fstype;
  char *source;
  gboolean read_only;
} Mount;

static void
block_device_free (BlockDevice *dev)
{
  g_free (dev->name);
  g_free (dev->disk);
  g_free (dev->sysfs);
  g_free (dev);
}

static void
mount_free (Mount *mount)
{
  g_free (mount->devno);
  g_free (mount->mount_point);
  g_free (mount->fstype);
  g_free (mount->source);
  g_free (mount);
}

static char *
read_sysfs (CpHostRoot *root,
            const char *path)
{
  char *text = cp_host_root_read_text (root, path, MAX_SYSFS_TEXT, NULL);

  return text != NULL ? g_strstrip (text) : NULL;
}

/* USB disks often say removable=0; their sysfs path tells where they hang. */
static gboolean
disk_is_removable (CpHostRoot *root,
                   const char *disk)
{
  g_autofree char *link_path = g_build_filename ("sys/block", disk, NULL);
  g_autofree char *removable_path = g_build_filename ("sys/block", disk, "removable", NULL);
  g_autofree char *target = cp_host_root_read_link (root, link_path, NULL);
  g_autofree char *removable = read_sysfs (root, removable_path);

  return g_strcmp0 (removable, "1") == 0 || (target != NULL && strstr (target, "/usb") != NULL);
}

static void
index_device (DeviceIndex *index,
              const char  *name,
              const char  *disk,
              const char  *sysfs,
              gboolean     removable)
{
  g_autofree char *dev_path = NULL;
  g_autofree char *dm_path = NULL;
  g_autofree char *devno = NULL;
  g_autofree char *dm_name = NULL;
  BlockDevice *dev;

  /* by_name owns the devices: a second one of the same name (impossible in
   * sysfs, possible in a crafted tree) would leave the other tables dangling. */
  if (g_hash_table_contains (index->by_name, name))
    return;
  dev_path = g_build_filename (sysfs, "dev", NULL);
  dm_path = g_build_filename (sysfs, "dm/name", NULL);
  devno = read_sysfs (index->root, dev_path);
  dm_name = read_sysfs (index->root, dm_path);
  dev = g_new0 (BlockDevice, 1);

  dev->name = g_strdup (name);
  dev->disk = g_strdup (disk);
  dev->sysfs = g_strdup (sysfs);
  dev->removable = removable;
  g_hash_table_replace (index->by_name, dev->name, dev);
  if (devno != NULL)
    g_hash_table_replace (index->by_devno, g_steal_pointer (&devno), dev);
  if (dm_name != NULL)
    g_hash_table_replace (index->by_dm_name, g_steal_pointer (&dm_name), dev);
}

/* sys/block has one directory per disk; partitions are subdirectories with a
 * "partition" file. Plain directories, so fake trees need no symlinks. */
static gboolean
build_index (DeviceIndex  *index,
             GError      **error)
{
  g_auto(GStrv) disks = cp_host_root_list_dir (index->root, "sys/block", error);

  if (disks == NULL)
    return FALSE;

  for (guint i = 0; disks[i] != NULL; i++)
    {
      g_autofree char *sysfs = g_build_filename ("sys/block", disks[i], NULL);
      g_auto(GStrv) entries = cp_host_root_list_dir (index->root, sysfs, NULL);
      gboolean removable = disk_is_removable (index->root, disks[i]);

      index_device (index, disks[i], disks[i], sysfs, removable);
      for (guint j = 0; entries != NULL && entries[j] != NULL; j++)
        {
          g_autofree char *part = g_build_filename (sysfs, entries[j], NULL);
          g_autofree char *marker = g_build_filename (part, "partition", NULL);

          if (g_str_has_prefix (entries[j], disks[i]) && cp_host_root_exists (index->root, marker))
            index_device (index, entries[j], disks[i], part, removable);
        }
    }
  return TRUE;
}

static char *
unescape_octal (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const char *p = text; *p; p++)
    {
      if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' && p[3] <= '7')
        {
          g_string_append_c (out, (char) (((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0')));
          p += 3;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static gboolean
options_read_only (const char *options)
{
  g_auto(GStrv) list = g_strsplit (options, ",", -1);

  return g_strv_contains ((const char *const *) list, "ro");
}

/* mountinfo: id parent maj:min root mount-point options [optional...] - fstype source super-options */
static Mount *
parse_mountinfo_line (const char *line)
{
  g_auto(GStrv) fields = g_strsplit (line, " ", -1);
  guint n = g_strv_length (fields), sep;
  Mount *mount;

  for (sep = 6; sep < n && !g_str_equal (fields[sep], "-"); sep++)
    ;
  if (n < 10 || sep + 3 > n || strchr (fields[2], ':') == NULL)
    return NULL;

  mount = g_new0 (Mount, 1);
  mount->devno = g_strdup (fields[2]);
  mount->mount_point = unescape_octal (fields[4]);
  mount->read_only = options_read_only (fields[5]) || options_read_only (fields[sep + 3 < n ? sep + 3 : sep]);
  mount->fstype = g_strdup (fields[sep + 1]);
  mount->source = unescape_octal (fields[sep + 2]);
  return mount;
}

/* /proc/mounts: source mount-point fstype options dump pass */
static Mount *
parse_mounts_line (const char *line)
{
  g_auto(GStrv) fields = g_strsplit (line, " ", -1);
  Mount *mount;

  if (g_strv_length (fields) < 4)
    return NULL;
  mount = g_new0 (Mount, 1);
  mount->source = unescape_octal (fields[0]);
  mount->mount_point = unescape_octal (fields[1]);
  mount->fstype = g_strdup (fields[2]);
  mount->read_only = options_read_only (fields[3]);
  return mount;
}

static GPtrArray *
read_mounts (CpHostRoot  *root,
             GError     **error)
{
  g_autoptr(GPtrArray) mounts = g_ptr_array_new_with_free_func ((GDestroyNotify) mount_free);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *text = cp_host_root_read_text (root, "proc/self/mountinfo", MAX_MOUNTS_TEXT, &local_error);
  gboolean mountinfo = text != NULL;
  g_auto(GStrv) lines = NULL;

  if (text == NULL)
    text = cp_host_root_read_text (root, "proc/mounts", MAX_MOUNTS_TEXT, NULL);
  if (text == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      Mount *mount;

      if (*lines[i] == '\0')
        continue;
      mount = mountinfo ? parse_mountinfo_line (lines[i]) : parse_mounts_line (lines[i]);
      if (mount == NULL)
        {
          g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                       _("Line %u of the mount table is garbled"), i + 1);
          return NULL;
        }
      g_ptr_array_add (mounts, mount);
    }
  return g_steal_pointer (&mounts);
}

/* What holds no data of its own on a fixed disk: kernel and memory file
 * systems, network and FUSE file systems, read-only images. */
static gboolean
is_ignored_fstype (const char *fstype)
{
  static const char *const ignored[] = {
    "proc", "sysfs", "devtmpfs", "devpts", "tmpfs", "ramfs", "securityfs", "debugfs",
    "tracefs", "pstore", "bpf", "cgroup", "cgroup2", "configfs", "fusectl", "mqueue",
    "hugetlbfs", "autofs", "binfmt_misc", "efivarfs", "nsfs", "rpc_pipefs", "nfsd",
    "overlay", "squashfs", "erofs", "iso9660", "udf", "fuse", "nfs", "nfs4", "cifs",
    "smb3", "9p", "virtiofs", "selinuxfs", "swap", NULL,
  };

  return g_strv_contains (ignored, fstype) || g_str_has_prefix (fstype, "fuse.");
}

static gboolean
is_ignored_mount (const Mount *mount)
{
  static const char *const boot[] = { "/boot", "/boot/efi", "/efi", NULL };

  return mount->read_only || is_ignored_fstype (mount->fstype)
         || g_strv_contains (boot, mount->mount_point);
}

static BlockDevice *
find_device (DeviceIndex *index,
             const Mount *mount)
{
  BlockDevice *dev = NULL;

  /* btrfs and fuseblk report an anonymous 0:N device; the source names the disk. */
  if (mount->devno != NULL && !g_str_has_prefix (mount->devno, "0:"))
    dev = g_hash_table_lookup (index->by_devno, mount->devno);
  if (dev == NULL && g_str_has_prefix (mount->source, "/dev/mapper/"))
    dev = g_hash_table_lookup (index->by_dm_name, mount->source + strlen ("/dev/mapper/"));
  if (dev == NULL && g_str_has_prefix (mount->source, "/dev/"))
    dev = g_hash_table_lookup (index->by_name, mount->source + strlen ("/dev/"));
  return dev;
}

static Encryption
device_encryption (DeviceIndex       *index,
                   const BlockDevice *dev,
                   guint              depth)
{
  g_autofree char *dm_dir = g_build_filename (dev->sysfs, "dm", NULL);
  g_autofree char *uuid_path = NULL;
  g_autofree char *slaves_dir = NULL;
  g_autofree char *uuid = NULL;
  g_auto(GStrv) slaves = NULL;
  Encryption result = ENC_YES;

  if (depth > MAX_DM_DEPTH)
    return ENC_UNKNOWN;
  if (!cp_host_root_is_dir (index->root, dm_dir))
    return ENC_NO;      /* a plain disk or partition */

  uuid_path = g_build_filename (dm_dir, "uuid", NULL);
  uuid = read_sysfs (index->root, uuid_path);
  if (uuid == NULL)
    return ENC_UNKNOWN;
  if (g_str_has_prefix (uuid, "CRYPT-"))
    return ENC_YES;

  /* LVM, RAID and the like: encrypted when everything below is. */
  slaves_dir = g_build_filename (dev->sysfs, "slaves", NULL);
  slaves = cp_host_root_list_dir (index->root, slaves_dir, NULL);
  if (slaves == NULL)
    return ENC_UNKNOWN;
  if (slaves[0] == NULL)
    return ENC_NO;
  for (guint i = 0; slaves[i] != NULL && result != ENC_NO; i++)
    {
      BlockDevice *slave = g_hash_table_lookup (index->by_name, slaves[i]);
      Encryption below = slave ? device_encryption (index, slave, depth + 1) : ENC_UNKNOWN;

      if (below != ENC_YES)
        result = below;
    }
  return result;
}

static void
append_mount (GString    *list,
              const char *mount_point)
{
  if (list->len > 0)
    g_string_append (list, ", ");
  g_string_append (list, mount_point);
}

static CpComplianceResult *
make_result (CpComplianceSetting *setting,
             GString             *plain,
             GString             *unknown,
             GString             *encrypted)
{
  const char *expected = _("Every writable file system on a fixed disk is encrypted (LUKS)");
  CpComplianceResult *result;

  if (plain->len > 0)
    {
      const char *steps[] = {
        _("Back up your files to an external drive or to the cloud."),
        _("Reinstall the system and choose “Encrypt the new installation” (LUKS) in the installer, or ask IT to convert the disk."),
        _("Restore your files and check again."),
        NULL,
      };

      result = cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_NONCOMPLIANT, expected,
                                         _("Not encrypted: %s"), plain->str);
      cp_compliance_result_set_remediation (result, _("Encrypt the disk"), steps);
      return result;
    }
  if (unknown->len > 0)
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_UNKNOWN, expected,
                                     _("Could not tell whether these are encrypted: %s"), unknown->str);
  if (encrypted->len == 0)
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_UNKNOWN, expected,
                                     _("No writable file system on a fixed disk was found"));
  return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_COMPLIANT, expected,
                                   _("Encrypted: %s"), encrypted->str);
}

CpComplianceResult *
cp_compliance_check_disk (CpHostRoot          *root,
                          CpComplianceSetting *setting)
{
  DeviceIndex index = { root };
  g_autoptr(GPtrArray) mounts = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) plain = g_string_new (NULL);
  g_autoptr(GString) unknown = g_string_new (NULL);
  g_autoptr(GString) encrypted = g_string_new (NULL);
  CpComplianceResult *result = NULL;

  mounts = read_mounts (root, &error);
  if (mounts == NULL)
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_UNKNOWN, NULL,
                                     _("The mounted file systems could not be read: %s"), error->message);

  index.by_name = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) block_device_free);
  index.by_devno = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  index.by_dm_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (!build_index (&index, &error))
    {
      result = cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_UNKNOWN, NULL,
                                         _("The block devices could not be read: %s"), error->message);
      goto out;
    }

  for (guint i = 0; i < mounts->len; i++)
    {
      const Mount *mount = g_ptr_array_index (mounts, i);
      BlockDevice *dev;

      if (is_ignored_mount (mount))
        continue;
      /* ZFS datasets name a pool, not a device, and their native encryption is
       * a property we cannot read from sysfs: say so rather than guess. */
      if (g_str_equal (mount->fstype, "zfs"))
        {
          append_mount (unknown, mount->mount_point);
          continue;
        }
      dev = find_device (&index, mount);
      /* Not a block device at all (no /dev source): nothing on a disk. */
      if (dev == NULL && !g_str_has_prefix (mount->source, "/dev/"))
        continue;
      if (dev == NULL)
        append_mount (unknown, mount->mount_point);
      else if (g_str_has_prefix (dev->disk, "loop") || g_str_has_prefix (dev->disk, "zram")
               || g_str_has_prefix (dev->disk, "ram") || dev->removable)
        continue;   /* images (their backing file is checked where it lives), RAM, removable media */
      else
        switch (device_encryption (&index, dev, 0))
          {
          case ENC_YES: append_mount (encrypted, mount->mount_point); break;
          case ENC_NO: append_mount (plain, mount->mount_point); break;
          case ENC_UNKNOWN: default: append_mount (unknown, mount->mount_point); break;
          }
    }
  result = make_result (setting, plain, unknown, encrypted);

out:
  g_hash_table_unref (index.by_devno);
  g_hash_table_unref (index.by_dm_name);
  g_hash_table_unref (index.by_name);
  return result;
}
