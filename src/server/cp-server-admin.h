/* cp-server-admin.h: company-portal-server admin, direct edits of the database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* argv[0] is "admin". Returns the exit status. */
int cp_server_admin_run (int    argc,
                         char **argv);

G_END_DECLS
