/* cp-server-devices.h: enrollment, the user's devices and signed check-ins
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cp-jose.h"
#include "cp-portal-server.h"
#include "cp-server-db.h"

G_BEGIN_DECLS

/* Longest device name, in characters, after trimming. */
#define CP_SERVER_DEVICE_NAME_MAX 128

void       cp_server_devices_register    (CpPortalServer  *server);

/* The enrolled key of @device_id; NULL without @error when there is no such
 * device. @removed tells whether it was removed (unenrolled or by an admin). */
CpJwk     *cp_server_devices_load_key    (CpServerDb      *db,
                                          const char      *device_id,
                                          gboolean        *removed,
                                          GError         **error);
/* The device as the API shows it; NULL without @error when there is none. */
JsonNode  *cp_server_devices_to_json     (CpServerDb      *db,
                                          const char      *device_id,
                                          gint64           now,
                                          GError         **error);
/* Unenrolls: the row stays (signed requests then get 410), marked removed.
 * CP_ERROR_NOT_FOUND when there is no such device. */
gboolean   cp_server_devices_remove      (CpServerDb      *db,
                                          const char      *device_id,
                                          gint64           now,
                                          GError         **error);
/* TRUE when @device_id exists, is not removed and belongs to @user_id. */
gboolean   cp_server_devices_is_owner    (CpServerDb      *db,
                                          const char      *device_id,
                                          const char      *user_id,
                                          GError         **error);
/* Checks a text member: absent is fine unless @required; a string of 1..@max_len
 * characters (bytes when @bytes) without control characters otherwise. */
gboolean   cp_server_read_text           (JsonObject      *object,
                                          const char      *member,
                                          gboolean         required,
                                          guint            max_len,
                                          const char     **out,
                                          GError         **error);
/* The agent's own id of a report, "reportId": absent, or 1..CP_SERVER_REPORT_ID_MAX
 * of A-Z a-z 0-9 . _ ~ -. A report whose id the device already sent is kept once. */
#define CP_SERVER_REPORT_ID_MAX 128
gboolean   cp_server_read_report_id      (JsonObject      *object,
                                          const char     **out,
                                          GError         **error);
/* INVALID_INPUT → 400, NOT_FOUND → 404, CONFLICT → 409, anything else a logged 500. */
void       cp_server_problem_from_error  (CpRequest       *request,
                                          const GError    *error);
/* RFC 3339 in UTC, "2026-11-29T02:10:16Z". */
char      *cp_server_format_time         (gint64           unix_seconds);
/* An RFC 3339 date-time with a zone; FALSE otherwise. */
gboolean   cp_server_parse_time          (const char      *text,
                                          gint64          *out);

G_END_DECLS
