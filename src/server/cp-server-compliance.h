/* cp-server-compliance.h: the compliance policy, reports and device state
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cp-portal-server.h"
#include "cp-server-db.h"

G_BEGIN_DECLS

void      cp_server_compliance_register          (CpPortalServer  *server);

/* The members of docs/compliance-policy.md the server relies on: an object,
 * "settings" with ≤ 1000 entries of unique valid ids and types,
 * gracePeriodHours 0–8760. The rest passes through unchecked. */
gboolean  cp_server_compliance_check_policy      (JsonNode        *policy,
                                                  GError         **error);
gboolean  cp_server_compliance_store_policy      (CpServerDb      *db,
                                                  JsonNode        *policy,
                                                  GError         **error);
/* The ETag GET /v1/devices/{id}/policy answers with. */
char     *cp_server_compliance_policy_etag       (CpServerDb      *db,
                                                  GError         **error);
/* The device's state at @now from its latest report, the times its settings
 * started failing and the policy's grace periods. @deadline is 0 unless the
 * state is inGracePeriod. */
gboolean  cp_server_compliance_compute           (CpServerDb      *db,
                                                  const char      *device_id,
                                                  gint64           now,
                                                  char           **state,
                                                  gint64          *deadline,
                                                  GError         **error);

/* Admin commands (company-portal-server admin ...). */
gboolean  cp_server_compliance_set_grace         (CpServerDb      *db,
                                                  const char      *setting_id,
                                                  gint64           hours,
                                                  GError         **error);
gboolean  cp_server_compliance_set_first_failing (CpServerDb      *db,
                                                  const char      *device_id,
                                                  const char      *setting_id,
                                                  gint64           since,
                                                  GError         **error);
/* Moves every failing setting of the device past its grace period. */
gboolean  cp_server_compliance_expire_grace      (CpServerDb      *db,
                                                  const char      *device_id,
                                                  gint64           now,
                                                  GError         **error);

G_END_DECLS
