/* cp-server-catalog.h: the app catalog, assignments and install reports
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cp-portal-server.h"
#include "cp-server-db.h"

G_BEGIN_DECLS

#define CP_SERVER_CATALOG_DEFAULT_LIMIT 100
#define CP_SERVER_CATALOG_MAX_LIMIT     500

void      cp_server_catalog_register       (CpPortalServer  *server);

/* The compiled-in demo catalog (data/demo-catalog.json). */
GFile    *cp_server_catalog_demo_file      (void);
/* Replaces the stored catalog with the one in @file (may be NULL: none) plus
 * @n_synthetic generated apps (deterministic names, for benchmarks).
 * The format is data/demo-catalog.json's: {"categories":[{"id","name"}],
 * "apps":[<app as in docs/catalog.md>]}; every app is checked. */
gboolean  cp_server_catalog_seed           (CpServerDb      *db,
                                            GFile           *file,
                                            guint            n_synthetic,
                                            GError         **error);
/* The organisation's groups and required apps (group NULL: everyone). */
gboolean  cp_server_catalog_store_assignments (CpServerDb   *db,
                                               GPtrArray    *memberships,
                                               GPtrArray    *assignments,
                                               GError      **error);
/* The checks seeding applies to each app of a catalog file (docs/catalog.md
 * member types, id alphabet); CP_ERROR_INVALID_DATA naming the member. */
gboolean  cp_server_catalog_check_app      (JsonObject      *app,
                                            GError         **error);
/* The generated icon of an app: a coloured rounded square with its initial. */
char     *cp_server_catalog_icon_svg       (const char      *app_id,
                                            const char      *name);

G_END_DECLS
