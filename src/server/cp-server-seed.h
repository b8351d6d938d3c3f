/* cp-server-seed.h: puts an organisation (the demo one, or an admin's file) into the database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cp-server-db.h"

G_BEGIN_DECLS

/* The demo organisation that ships inside the binary (data/demo-organization.json). */
GFile    *cp_server_seed_demo_file   (void);
/* Reads and checks @file, then stores it, replacing the organisation in @db. */
gboolean  cp_server_seed_organization (CpServerDb  *db,
                                       GFile       *file,
                                       GError     **error);

G_END_DECLS
