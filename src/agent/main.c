/* main.c: company-portal-agent
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <glib/gi18n-lib.h>

#include "cp-agent.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CpAgent) agent = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  agent = cp_agent_new ();
  return g_application_run (G_APPLICATION (agent), argc, argv);
}
