/* main.c: the company-portal executable
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cp-application.h"

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

/* g_settings_new() aborts without its schema: say what to do instead. */
static gboolean
schema_installed (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  return schema != NULL;
}

/* Tests run the window in another language with the build tree's
 * compiled catalogues (<build>/po): COMPANY_PORTAL_LOCALEDIR points there. */
static const char *
locale_dir (void)
{
  const char *dir = g_getenv ("COMPANY_PORTAL_LOCALEDIR");

  return dir != NULL && dir[0] != '\0' ? dir : LOCALEDIR;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CpApplication) app = NULL;

#ifdef M_ARENA_MAX
  /* glibc gives each thread that allocates an arena of its own; the window's
   * short-lived threads (icon decoding, GTask workers, D-Bus, dconf) leave
   * freed memory stranded in them: about 5 MB resident after the window
   * settles (bench-startup.sh, demo organisation). Two arenas are plenty for
   * a window. Before any thread exists. */
  mallopt (M_ARENA_MAX, 2);
#endif

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (!schema_installed ())
    {
      g_printerr (_("The settings schema %s is not installed. Install Company Portal, "
                    "or run it from the build directory with GSETTINGS_SCHEMA_DIR=<build>/data.\n"),
                  APP_ID);
      return 1;
    }

  app = cp_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
