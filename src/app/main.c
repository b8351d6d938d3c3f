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
