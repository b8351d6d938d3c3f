/* cp-compliance-store.h: the agent's compliance record, on disk
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Reports waiting for a server that could not take them, per server. */
#define CP_COMPLIANCE_STORE_MAX_QUEUED 50

#define CP_TYPE_COMPLIANCE_STORE (cp_compliance_store_get_type ())
G_DECLARE_FINAL_TYPE (CpComplianceStore, cp_compliance_store, CP, COMPLIANCE_STORE, GObject)

/*
 * One JSON object per server (the members of the compliance document of
 * io.github.companyportal.Agent1.Compliance, plus the cached policy, the
 * report queue and what was last notified). No key, no token. Kept in
 * $XDG_STATE_HOME/company-portal/agent/compliance.json (mode 0600, replaced
 * atomically), next to the enrollment record.
 */
char              *cp_compliance_store_default_path (void);
CpComplianceStore *cp_compliance_store_new          (const char         *path);
/* A missing file is an empty store; a damaged one is CP_ERROR_INVALID_DATA. */
gboolean           cp_compliance_store_load         (CpComplianceStore  *self,
                                                     GError            **error);
gboolean           cp_compliance_store_save         (CpComplianceStore  *self,
                                                     GError            **error);
/* Borrowed; NULL when nothing is known about @server. */
JsonObject        *cp_compliance_store_lookup       (CpComplianceStore  *self,
                                                     const char         *server);
JsonObject        *cp_compliance_store_ensure       (CpComplianceStore  *self,
                                                     const char         *server);
/* The public compliance document of @server (never the policy or the queue). */
JsonObject        *cp_compliance_store_dup_public   (CpComplianceStore  *self,
                                                     const char         *server);
char              *cp_compliance_store_dup_public_json (CpComplianceStore *self,
                                                        const char        *server);

/* Typed reads of a record: NULL / 0 / FALSE when absent or of the wrong type. */
const char        *cp_compliance_record_get_string  (JsonObject         *record,
                                                     const char         *member);
JsonObject        *cp_compliance_record_get_object  (JsonObject         *record,
                                                     const char         *member);
JsonArray         *cp_compliance_record_get_array   (JsonObject         *record,
                                                     const char         *member);
/* RFC 3339 members as unix seconds (0 when absent or invalid). */
gint64             cp_compliance_record_get_time    (JsonObject         *record,
                                                     const char         *member);
void               cp_compliance_record_set_time    (JsonObject         *record,
                                                     const char         *member,
                                                     gint64              unix_seconds);
/* The report queue of a record, created when missing. */
JsonArray         *cp_compliance_record_ensure_queue (JsonObject        *record);

char              *cp_compliance_format_time        (gint64              unix_seconds);
/* Accepts RFC 3339 only; FALSE otherwise. */
gboolean           cp_compliance_parse_time         (const char         *text,
                                                     gint64             *unix_seconds);

G_END_DECLS
