/* cp-server-seed.c: seeding the database from an organisation file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cp-server-catalog.h"
#include "cp-server-compliance.h"
#include "cp-server-org.h"
#include "cp-server-seed.h"

GFile *
cp_server_seed_demo_file (void)
{
  /* Compiled in as a GResource, so --demo works from the build tree and
   * installed alike; the logo next to it resolves the same way. */
  return g_file_new_for_uri ("resource:///io/github/companyportal/Server/demo-organization.json");
}

gboolean
cp_server_seed_organization (CpServerDb  *db,
                             GFile       *file,
                             GError     **error)
{
  g_autoptr(CpServerOrg) org = NULL;

  g_return_val_if_fail (CP_IS_SERVER_DB (db), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  org = cp_server_org_load (file, error);
  if (org == NULL)
    return FALSE;

  if (!cp_server_db_store_organization (db, org, error) ||
      (org->compliance_policy != NULL &&
       !cp_server_compliance_store_policy (db, org->compliance_policy, error)) ||
      !cp_server_catalog_store_assignments (db, org->memberships, org->assignments, error))
    return FALSE;

  g_debug ("Seeded the organisation “%s”", org->display_name);
  return TRUE;
}
