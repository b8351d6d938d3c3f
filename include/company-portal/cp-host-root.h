/* cp-host-root.h: every read of the host goes through one root directory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Bounds for what a single read may return; host files we look at are tiny. */
#define CP_HOST_ROOT_MAX_TEXT   (256 * 1024)
#define CP_HOST_ROOT_MAX_ENTRIES 4096

#define CP_TYPE_HOST_ROOT (cp_host_root_get_type ())
G_DECLARE_FINAL_TYPE (CpHostRoot, cp_host_root, CP, HOST_ROOT, GObject)

/* @path: an existing directory; "/" for the real host, a fake tree in tests. */
CpHostRoot  *cp_host_root_new            (const char   *path);
const char  *cp_host_root_get_path       (CpHostRoot   *self);
/* @rel is relative to the root ("etc/os-release"; a leading '/' is ignored).
 * Paths with ".." components are refused. Returns a newly allocated path. */
char        *cp_host_root_resolve        (CpHostRoot   *self,
                                          const char   *rel);
gboolean     cp_host_root_exists         (CpHostRoot   *self,
                                          const char   *rel);
gboolean     cp_host_root_is_dir         (CpHostRoot   *self,
                                          const char   *rel);
/* Reads at most @max_size bytes; a larger file is an error (CP_ERROR_INVALID_DATA),
 * a missing one G_IO_ERROR_NOT_FOUND, an unreadable one G_IO_ERROR_PERMISSION_DENIED. */
GBytes      *cp_host_root_read_bytes     (CpHostRoot   *self,
                                          const char   *rel,
                                          gsize         max_size,
                                          GError      **error);
/* Like read_bytes, and the content must be UTF-8 text without NUL bytes. */
char        *cp_host_root_read_text      (CpHostRoot   *self,
                                          const char   *rel,
                                          gsize         max_size,
                                          GError      **error);
/* The target of a symbolic link, as stored (sysfs links are relative). */
char        *cp_host_root_read_link      (CpHostRoot   *self,
                                          const char   *rel,
                                          GError      **error);
/* Sorted names of the entries of a directory, at most CP_HOST_ROOT_MAX_ENTRIES. */
GStrv        cp_host_root_list_dir       (CpHostRoot   *self,
                                          const char   *rel,
                                          GError      **error);

G_END_DECLS
