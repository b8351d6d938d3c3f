/* cp-slice-config.c: GLib's slice allocator set to malloc, in the window's
 * executable (linked into the program, not into libcpapp: a .preinit_array
 * entry only works in an executable)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib.h>

#if !GLIB_CHECK_VERSION (2, 76, 0)
/* GLib 2.74's slice allocator keeps what the window frees in per-size slabs
 * and per-thread magazines: about 0.3 MB in use and 0.4 MB resident at rest
 * (benchmarks/RESULTS.md). GLib 2.76 replaced it with malloc; this asks 2.74
 * for the same. The setting is read once, at the first slice, and GLib's and
 * GObject's constructors take slices before main() runs, so this runs from
 * .preinit_array, before any library's constructor. It touches only GSlice's
 * static configuration. G_SLICE from the environment still applies on top. */
static void
use_malloc_for_slices (int    argc,
                       char **argv,
                       char **envp)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_slice_set_config (G_SLICE_CONFIG_ALWAYS_MALLOC, TRUE);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

__attribute__ ((section (".preinit_array"), used))
static void (*const preinit_use_malloc_for_slices) (int, char **, char **) = use_malloc_for_slices;
#endif
