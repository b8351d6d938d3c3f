/* cp-server-compliance.c: the compliance policy, reports and device state
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-error.h"
#include "cp-portal-server.h"
#include "cp-server-compliance.h"
#include "cp-server-devices.h"

#define MAX_SETTINGS        1000
#define MAX_ID_LEN          128
#define MAX_GRACE_HOURS     8760
#define MAX_RESULTS         10000
#define MAX_RESULT_TEXT     4096
#define MAX_POLICY_SIZE     (4 * 1024 * 1024)
#define HISTORY_SHOWN       50
#define EMPTY_POLICY        "{\"settings\":[]}"

static const char *const result_states[] = {
  "compliant", "noncompliant", "notApplicable", "unknown", "error",
};

/* Ids of policies and settings: 1–128 of A-Z a-z 0-9 . _ - : */
static gboolean
is_valid_id (const char *text)
{
  gsize len = text ? strlen (text) : 0;

  return len > 0 && len <= MAX_ID_LEN &&
         strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-:") == len;
}

static gboolean
invalid_policy (GError    **error,
                const char *what)
{
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA, _("The compliance policy has an invalid “%s”"), what);
  return FALSE;
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
check_setting (JsonNode    *node,
               GHashTable  *seen,
               GError     **error)
{
  JsonObject *setting;
  JsonNode *member;
  const char *id;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid_policy (error, "settings");
  setting = json_node_get_object (node);
  id = string_member (setting, "id");
  if (!is_valid_id (id) || !g_hash_table_add (seen, (gpointer) id))
    return invalid_policy (error, "settings[].id");
  if (string_member (setting, "type") == NULL || *string_member (setting, "type") == '\0')
    return invalid_policy (error, "settings[].type");

  member = json_object_get_member (setting, "gracePeriodHours");
  if (member != NULL &&
      (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_INT64 ||
       json_node_get_int (member) < 0 || json_node_get_int (member) > MAX_GRACE_HOURS))
    return invalid_policy (error, "settings[].gracePeriodHours");
  member = json_object_get_member (setting, "parameters");
  if (member != NULL && !JSON_NODE_HOLDS_OBJECT (member))
    return invalid_policy (error, "settings[].parameters");
  member = json_object_get_member (setting, "title");
  if (member != NULL && (string_member (setting, "title") == NULL ||
                         strlen (string_member (setting, "title")) > 256))
    return invalid_policy (error, "settings[].title");
  return TRUE;
}

gboolean
cp_server_compliance_check_policy (JsonNode  *policy,
                                   GError   **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  JsonObject *object;
  JsonNode *settings;
  JsonArray *array;

  if (policy == NULL || !JSON_NODE_HOLDS_OBJECT (policy))
    return invalid_policy (error, "compliancePolicy");
  object = json_node_get_object (policy);
  if (json_object_has_member (object, "id") && !is_valid_id (string_member (object, "id")))
    return invalid_policy (error, "id");

  settings = json_object_get_member (object, "settings");
  if (settings == NULL || !JSON_NODE_HOLDS_ARRAY (settings))
    return invalid_policy (error, "settings");
  array = json_node_get_array (settings);
  if (json_array_get_length (array) > MAX_SETTINGS)
    return invalid_policy (error, "settings");
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (!check_setting (json_array_get_element (array, i), seen, error))
      return FALSE;
  return TRUE;
}

gboolean
cp_server_compliance_store_policy (CpServerDb  *db,
                                   JsonNode    *policy,
                                   GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *text = NULL;

  if (!cp_server_compliance_check_policy (policy, error))
    return FALSE;
  text = json_to_string (policy, FALSE);
  stmt = cp_server_db_prepare (db, "INSERT OR REPLACE INTO compliance_policy (id, document, updated_at)"
                               " VALUES (1, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  cp_server_db_bind_text (stmt, 1, text);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time () / G_USEC_PER_SEC);
  return cp_server_db_step_done (db, stmt, error);
}

/* The stored document's text; an empty policy when none was configured. */
static char *
load_policy_text (CpServerDb  *db,
                  GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = cp_server_db_prepare (db, "SELECT document FROM compliance_policy WHERE id = 1", error);
  if (stmt == NULL)
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return cp_server_db_column_text (stmt, 0);
  if (rc == SQLITE_DONE)
    return g_strdup (EMPTY_POLICY);
  cp_server_db_set_error (db, error);
  return NULL;
}

static JsonNode *
load_policy (CpServerDb  *db,
             GError     **error)
{
  g_autofree char *text = load_policy_text (db, error);
  g_autoptr(JsonNode) policy = NULL;

  if (text == NULL)
    return NULL;
  if (!(policy = cp_server_json_parse (text, -1)) ||
      !cp_server_compliance_check_policy (policy, NULL))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_FAILED, _("The stored compliance policy is damaged"));
      return NULL;
    }
  return g_steal_pointer (&policy);
}

char *
cp_server_compliance_policy_etag (CpServerDb  *db,
                                  GError     **error)
{
  g_autofree char *text = load_policy_text (db, error);
  g_autofree char *digest = NULL;

  if (text == NULL)
    return NULL;
  /* The same ETag as the GET of the policy answers with (cp-portal-server.c). */
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
  return g_strdup_printf ("\"%.32s\"", digest);
}

/* settingId → gracePeriodHours */
static GHashTable *
load_grace_periods (CpServerDb  *db,
                    GError     **error)
{
  g_autoptr(JsonNode) policy = load_policy (db, error);
  g_autoptr(GHashTable) hours = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonArray *settings;

  if (policy == NULL)
    return NULL;
  settings = json_object_get_array_member (json_node_get_object (policy), "settings");
  for (guint i = 0; i < json_array_get_length (settings); i++)
    {
      JsonObject *setting = json_array_get_object_element (settings, i);

      g_hash_table_insert (hours, g_strdup (string_member (setting, "id")),
                           GINT_TO_POINTER ((int) json_object_get_int_member_with_default (setting, "gracePeriodHours", 0)));
    }
  return g_steal_pointer (&hours);
}

/* Computing the state */

typedef struct
{
  JsonArray *results;     /* of the latest report, NULL when none */
  char *policy_id;
  gint64 evaluated_at;
  gint64 received_at;
} LatestReport;

static void
latest_report_clear (LatestReport *report)
{
  g_clear_pointer (&report->results, json_array_unref);
  g_clear_pointer (&report->policy_id, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LatestReport, latest_report_clear)

static gboolean
load_latest_report (CpServerDb    *db,
                    const char    *device_id,
                    LatestReport  *report,
                    GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(JsonNode) results = NULL;
  int rc;

  stmt = cp_server_db_prepare (db, "SELECT results, policy_id, evaluated_at, received_at"
                               " FROM compliance_reports WHERE device_id = ? ORDER BY id DESC LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  cp_server_db_bind_text (stmt, 1, device_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    return cp_server_db_set_error (db, error);

  if (!(results = cp_server_json_parse ((const char *) sqlite3_column_text (stmt, 0), -1)) ||
      !JSON_NODE_HOLDS_ARRAY (results))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_FAILED, _("A stored compliance report is damaged"));
      return FALSE;
    }
  report->results = json_array_ref (json_node_get_array (results));
  report->policy_id = cp_server_db_column_text (stmt, 1);
  report->evaluated_at = sqlite3_column_int64 (stmt, 2);
  report->received_at = sqlite3_column_int64 (stmt, 3);
  return TRUE;
}

static gboolean
is_failing (const char *state)
{
  return g_strcmp0 (state, "noncompliant") == 0 || g_strcmp0 (state, "error") == 0;
}

/* settingId → first time seen failing (continuously) */
static GHashTable *
load_failures (CpServerDb  *db,
               const char  *device_id,
               GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GHashTable) since = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  int rc;

  stmt = cp_server_db_prepare (db, "SELECT setting_id, first_failing_at FROM compliance_failures"
                               " WHERE device_id = ?", error);
  if (stmt == NULL)
    return NULL;
  cp_server_db_bind_text (stmt, 1, device_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 *at = g_new (gint64, 1);

      *at = sqlite3_column_int64 (stmt, 1);
      g_hash_table_insert (since, cp_server_db_column_text (stmt, 0), at);
    }
  if (rc != SQLITE_DONE)
    {
      cp_server_db_set_error (db, error);
      return NULL;
    }
  return g_steal_pointer (&since);
}

/* The deadline of one failing setting. */
static gint64
setting_deadline (GHashTable         *grace,
                  GHashTable         *failures,
                  const char         *setting_id,
                  const LatestReport *report)
{
  gint64 *since = g_hash_table_lookup (failures, setting_id);
  gint64 hours = GPOINTER_TO_INT (g_hash_table_lookup (grace, setting_id));

  return (since ? *since : report->received_at) + hours * 3600;
}

static gboolean
covers_policy (GHashTable *grace,
               GHashTable *reported)
{
  GHashTableIter iter;
  gpointer setting_id;

  g_hash_table_iter_init (&iter, grace);
  while (g_hash_table_iter_next (&iter, &setting_id, NULL))
    if (!g_hash_table_contains (reported, setting_id))
      return FALSE;
  return TRUE;
}

gboolean
cp_server_compliance_compute (CpServerDb  *db,
                              const char  *device_id,
                              gint64       now,
                              char       **state,
                              gint64      *deadline,
                              GError     **error)
{
  g_auto(LatestReport) report = { 0 };
  g_autoptr(GHashTable) grace = NULL;
  g_autoptr(GHashTable) failures = NULL;
  g_autoptr(GHashTable) reported = NULL;
  gboolean any_failing = FALSE, all_good = TRUE;
  gint64 earliest = G_MAXINT64;

  *deadline = 0;
  if (!load_latest_report (db, device_id, &report, error))
    return FALSE;
  if (report.results == NULL)
    {
      *state = g_strdup ("unknown");
      return TRUE;
    }
  if (!(grace = load_grace_periods (db, error)) || !(failures = load_failures (db, device_id, error)))
    return FALSE;

  reported = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < json_array_get_length (report.results); i++)
    {
      JsonObject *result = json_array_get_object_element (report.results, i);
      const char *result_state = string_member (result, "state");

      g_hash_table_add (reported, (gpointer) string_member (result, "settingId"));

      if (is_failing (result_state))
        {
          any_failing = TRUE;
          earliest = MIN (earliest, setting_deadline (grace, failures, string_member (result, "settingId"), &report));
        }
      else if (g_strcmp0 (result_state, "compliant") != 0 && g_strcmp0 (result_state, "notApplicable") != 0)
        all_good = FALSE;
    }

  /* A setting of the policy without a result was not evaluated: never compliant. */
  if (all_good && !covers_policy (grace, reported))
    all_good = FALSE;

  if (any_failing && now < earliest)
    {
      *state = g_strdup ("inGracePeriod");
      *deadline = earliest;
    }
  else if (any_failing)
    *state = g_strdup ("noncompliant");
  else
    *state = g_strdup (all_good ? "compliant" : "unknown");
  return TRUE;
}

/* History: one row per change of state or deadline. */
static gboolean
record_history (CpServerDb  *db,
                const char  *device_id,
                gint64       now,
                char       **out_state,
                gint64      *out_deadline,
                GError     **error)
{
  g_autoptr(sqlite3_stmt) last = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;
  int rc;

  if (!cp_server_compliance_compute (db, device_id, now, out_state, out_deadline, error))
    return FALSE;
  last = cp_server_db_prepare (db, "SELECT state, grace_deadline FROM compliance_history"
                               " WHERE device_id = ? ORDER BY id DESC LIMIT 1", error);
  if (last == NULL)
    return FALSE;
  cp_server_db_bind_text (last, 1, device_id);
  rc = sqlite3_step (last);
  if (rc == SQLITE_ROW && g_strcmp0 ((const char *) sqlite3_column_text (last, 0), *out_state) == 0 &&
      sqlite3_column_int64 (last, 1) == *out_deadline)
    return TRUE;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return cp_server_db_set_error (db, error);

  insert = cp_server_db_prepare (db, "INSERT INTO compliance_history (device_id, state, grace_deadline,"
                                 " changed_at) VALUES (?, ?, ?, ?)", error);
  if (insert == NULL)
    return FALSE;
  cp_server_db_bind_text (insert, 1, device_id);
  cp_server_db_bind_text (insert, 2, *out_state);
  if (*out_deadline > 0)
    sqlite3_bind_int64 (insert, 3, *out_deadline);
  else
    sqlite3_bind_null (insert, 3);
  sqlite3_bind_int64 (insert, 4, now);
  return cp_server_db_step_done (db, insert, error);
}

/* Reports */

static gboolean
invalid_report (GError    **error,
                const char *member)
{
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT, _("The compliance report has an invalid “%s”"), member);
  return FALSE;
}

static gboolean
check_result (JsonNode    *node,
              GError     **error)
{
  static const char *const texts[] = { "title", "evidence", "expected", "rule" };
  JsonObject *result;
  JsonNode *remediation;
  const char *value;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid_report (error, "results");
  result = json_node_get_object (node);
  if (!is_valid_id (string_member (result, "settingId")))
    return invalid_report (error, "results[].settingId");
  value = string_member (result, "state");
  if (value == NULL || !g_strv_contains (result_states, value))
    return invalid_report (error, "results[].state");
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      JsonNode *member = json_object_get_member (result, texts[i]);

      if (member == NULL || JSON_NODE_HOLDS_NULL (member))
        continue;
      value = string_member (result, texts[i]);
      if (value == NULL || strlen (value) > MAX_RESULT_TEXT)
        return invalid_report (error, texts[i]);
    }
  remediation = json_object_get_member (result, "remediation");
  if (remediation != NULL && !JSON_NODE_HOLDS_NULL (remediation) && !JSON_NODE_HOLDS_OBJECT (remediation))
    return invalid_report (error, "results[].remediation");
  return TRUE;
}

static JsonArray *
check_report (JsonNode    *body,
              gint64      *evaluated_at,
              const char **policy_id,
              const char **report_id,
              GError     **error)
{
  JsonObject *report;
  JsonNode *results;
  const char *when;

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    {
      invalid_report (error, "body");
      return NULL;
    }
  report = json_node_get_object (body);
  if (!cp_server_read_report_id (report, report_id, error) ||
      !cp_server_read_text (report, "policyId", FALSE, MAX_ID_LEN, policy_id, error) ||
      !cp_server_read_text (report, "evaluatedAt", TRUE, 64, &when, error))
    return NULL;
  if (!cp_server_parse_time (when, evaluated_at))
    {
      invalid_report (error, "evaluatedAt");
      return NULL;
    }
  results = json_object_get_member (report, "results");
  if (results == NULL || !JSON_NODE_HOLDS_ARRAY (results) ||
      json_array_get_length (json_node_get_array (results)) > MAX_RESULTS)
    {
      invalid_report (error, "results");
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (results)); i++)
    if (!check_result (json_array_get_element (json_node_get_array (results), i), error))
      return NULL;
  return json_node_get_array (results);
}

/* @stored is FALSE when the device already sent a report with @report_id. */
static gboolean
insert_report (CpServerDb  *db,
               const char  *device_id,
               const char  *report_id,
               const char  *policy_id,
               gint64       evaluated_at,
               gint64       now,
               JsonArray   *results,
               gboolean    *stored,
               GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autofree char *text = NULL;

  json_node_set_array (node, results);
  text = json_to_string (node, FALSE);
  stmt = cp_server_db_prepare (db, "INSERT INTO compliance_reports (device_id, policy_id, evaluated_at,"
                               " received_at, results, report_id) VALUES (?, ?, ?, ?, ?, ?)"
                               " ON CONFLICT DO NOTHING", error);
  if (stmt == NULL)
    return FALSE;
  cp_server_db_bind_text (stmt, 1, device_id);
  cp_server_db_bind_text (stmt, 2, policy_id);
  sqlite3_bind_int64 (stmt, 3, evaluated_at);
  sqlite3_bind_int64 (stmt, 4, now);
  cp_server_db_bind_text (stmt, 5, text);
  cp_server_db_bind_text (stmt, 6, report_id);
  if (!cp_server_db_step_done (db, stmt, error))
    return FALSE;
  *stored = sqlite3_changes (sqlite3_db_handle (stmt)) > 0;
  return TRUE;
}

/* A setting starts failing at its first failing report and stops at the
 * first report where it does not fail (or is absent). */
static gboolean
update_failures (CpServerDb  *db,
                 const char  *device_id,
                 JsonArray   *results,
                 gint64       now,
                 GError     **error)
{
  g_autoptr(sqlite3_stmt) mark = NULL;
  g_autoptr(sqlite3_stmt) clear = NULL;
  g_autoptr(GString) failing = g_string_new ("[");

  mark = cp_server_db_prepare (db, "INSERT OR IGNORE INTO compliance_failures (device_id, setting_id,"
                               " first_failing_at) VALUES (?, ?, ?)", error);
  if (mark == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      JsonObject *result = json_array_get_object_element (results, i);
      g_autofree char *quoted = NULL;

      if (!is_failing (string_member (result, "state")))
        continue;
      sqlite3_reset (mark);
      cp_server_db_bind_text (mark, 1, device_id);
      cp_server_db_bind_text (mark, 2, string_member (result, "settingId"));
      sqlite3_bind_int64 (mark, 3, now);
      if (!cp_server_db_step_done (db, mark, error))
        return FALSE;
      quoted = g_strescape (string_member (result, "settingId"), NULL);
      g_string_append_printf (failing, "%s\"%s\"", failing->len > 1 ? "," : "", quoted);
    }
  g_string_append_c (failing, ']');

  clear = cp_server_db_prepare (db, "DELETE FROM compliance_failures WHERE device_id = ?"
                                " AND setting_id NOT IN (SELECT value FROM json_each (?))", error);
  if (clear == NULL)
    return FALSE;
  cp_server_db_bind_text (clear, 1, device_id);
  cp_server_db_bind_text (clear, 2, failing->str);
  return cp_server_db_step_done (db, clear, error);
}

static void
set_time_member (JsonObject *object,
                 const char *name,
                 gint64      value)
{
  g_autofree char *text = value > 0 ? cp_server_format_time (value) : NULL;

  if (text != NULL)
    json_object_set_string_member (object, name, text);
}

static void
handle_report (CpRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *state = NULL;
  const char *policy_id = NULL, *report_id = NULL;
  gint64 evaluated_at = 0, deadline = 0;
  gboolean stored = FALSE;
  JsonArray *results;

  if (!(results = check_report (request->body, &evaluated_at, &policy_id, &report_id, &error)))
    {
      cp_server_problem_from_error (request, error);
      return;
    }

  /* Report, failure times and history change together or not at all. A
   * report sent again (its answer was lost) changes nothing and gets the
   * current state: it is the same report, not a newer one. */
  if (!cp_server_db_begin (request->db, &error))
    {
      cp_server_problem_from_error (request, error);
      return;
    }
  if (!insert_report (request->db, request->device_id, report_id, policy_id, evaluated_at, request->now,
                      results, &stored, &error) ||
      (stored && !update_failures (request->db, request->device_id, results, request->now, &error)) ||
      !record_history (request->db, request->device_id, request->now, &state, &deadline, &error))
    {
      cp_server_db_rollback (request->db);
      cp_server_problem_from_error (request, error);
      return;
    }
  if (!cp_server_db_commit (request->db, &error))
    {
      cp_server_problem_from_error (request, error);
      return;
    }
  if (!stored)
    g_debug ("Compliance report %s of device %s was already stored", report_id, request->device_id);

  json_object_set_string_member (answer, "complianceState", state);
  set_time_member (answer, "complianceGraceDeadline", deadline);
  json_node_set_object (node, answer);
  cp_request_json (request, SOUP_STATUS_OK, node);
}

/* GET /v1/devices/{id}/compliance */

static JsonArray *
history_json (CpServerDb  *db,
              const char  *device_id,
              GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(JsonArray) history = json_array_new ();
  int rc;

  stmt = cp_server_db_prepare (db, "SELECT state, grace_deadline, changed_at FROM compliance_history"
                               " WHERE device_id = ? ORDER BY id DESC LIMIT " G_STRINGIFY (HISTORY_SHOWN), error);
  if (stmt == NULL)
    return NULL;
  cp_server_db_bind_text (stmt, 1, device_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *entry = json_object_new ();

      json_object_set_string_member (entry, "state", (const char *) sqlite3_column_text (stmt, 0));
      set_time_member (entry, "graceDeadline", sqlite3_column_int64 (stmt, 1));
      set_time_member (entry, "changedDateTime", sqlite3_column_int64 (stmt, 2));
      json_array_add_object_element (history, entry);
    }
  if (rc != SQLITE_DONE)
    {
      cp_server_db_set_error (db, error);
      return NULL;
    }
  return g_steal_pointer (&history);
}

/* Per failing setting: since when, and until when the grace period lasts. */
static JsonArray *
failing_json (CpServerDb    *db,
              const char    *device_id,
              LatestReport  *report,
              GError       **error)
{
  g_autoptr(GHashTable) grace = load_grace_periods (db, error);
  g_autoptr(GHashTable) failures = grace ? load_failures (db, device_id, error) : NULL;
  g_autoptr(JsonArray) failing = json_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  if (failures == NULL)
    return NULL;
  g_hash_table_iter_init (&iter, failures);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      JsonObject *entry = json_object_new ();

      json_object_set_string_member (entry, "settingId", key);
      set_time_member (entry, "firstFailingDateTime", *(gint64 *) value);
      set_time_member (entry, "graceDeadline", setting_deadline (grace, failures, key, report));
      json_array_add_object_element (failing, entry);
    }
  return g_steal_pointer (&failing);
}

static void
handle_get_compliance (CpRequest *request)
{
  const char *device_id = cp_request_param (request, 0);
  g_autoptr(GError) error = NULL;
  g_auto(LatestReport) report = { 0 };
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonArray) history = NULL;
  g_autoptr(JsonArray) failing = NULL;
  g_autofree char *state = NULL;
  gint64 deadline = 0;

  if (!cp_server_devices_is_owner (request->db, device_id, request->user->id, &error))
    {
      if (error != NULL)
        cp_server_problem_from_error (request, error);
      else
        cp_request_problem (request, SOUP_STATUS_NOT_FOUND, NULL, _("There is no such device"));
      return;
    }
  if (!record_history (request->db, device_id, request->now, &state, &deadline, &error) ||
      !load_latest_report (request->db, device_id, &report, &error) ||
      !(history = history_json (request->db, device_id, &error)) ||
      !(failing = failing_json (request->db, device_id, &report, &error)))
    {
      cp_server_problem_from_error (request, error);
      return;
    }

  json_object_set_string_member (answer, "complianceState", state);
  set_time_member (answer, "complianceGraceDeadline", deadline);
  if (report.policy_id != NULL)
    json_object_set_string_member (answer, "policyId", report.policy_id);
  set_time_member (answer, "evaluatedAt", report.evaluated_at);
  set_time_member (answer, "receivedAt", report.received_at);
  json_object_set_array_member (answer, "results",
                                report.results ? json_array_ref (report.results) : json_array_new ());
  json_object_set_array_member (answer, "failingSettings", g_steal_pointer (&failing));
  json_object_set_array_member (answer, "history", g_steal_pointer (&history));
  json_node_set_object (node, answer);
  cp_request_json (request, SOUP_STATUS_OK, node);
}

/* GET /v1/devices/{id}/policy: the owner or the device itself */

static void
handle_get_policy (CpRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (request->user != NULL &&
      !cp_server_devices_is_owner (request->db, cp_request_param (request, 0), request->user->id, &error))
    {
      if (error != NULL)
        cp_server_problem_from_error (request, error);
      else
        cp_request_problem (request, SOUP_STATUS_NOT_FOUND, NULL, _("There is no such device"));
      return;
    }
  if ((text = load_policy_text (request->db, &error)) == NULL)
    {
      cp_server_problem_from_error (request, error);
      return;
    }
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                "Vary", "Authorization");
  cp_request_bytes (request, "application/json", text, strlen (text), "private, no-cache");
}

/* Admin commands */

gboolean
cp_server_compliance_set_grace (CpServerDb  *db,
                                const char  *setting_id,
                                gint64       hours,
                                GError     **error)
{
  g_autoptr(JsonNode) policy = load_policy (db, error);
  g_autoptr(JsonObject) changed = NULL;
  g_autoptr(JsonArray) settings = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonArray *stored;
  gboolean found = FALSE;

  if (policy == NULL)
    return FALSE;
  if (hours < 0 || hours > MAX_GRACE_HOURS)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT, _("A grace period has 0 to %d hours"), MAX_GRACE_HOURS);
      return FALSE;
    }

  /* The parsed policy is immutable: a new one with a new settings array. */
  stored = json_object_get_array_member (json_node_get_object (policy), "settings");
  settings = json_array_sized_new (json_array_get_length (stored));
  for (guint i = 0; i < json_array_get_length (stored); i++)
    {
      JsonObject *setting = json_array_get_object_element (stored, i);
      JsonObject *copy;

      if (g_strcmp0 (string_member (setting, "id"), setting_id) != 0)
        {
          json_array_add_element (settings, json_node_ref (json_array_get_element (stored, i)));
          continue;
        }
      copy = cp_server_json_object_copy (setting);
      json_object_set_int_member (copy, "gracePeriodHours", hours);
      json_array_add_object_element (settings, copy);
      found = TRUE;
    }
  if (!found)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_NOT_FOUND, _("The policy has no setting “%s”"), setting_id);
      return FALSE;
    }

  changed = cp_server_json_object_copy (json_node_get_object (policy));
  json_object_set_array_member (changed, "settings", g_steal_pointer (&settings));
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, changed);
  return cp_server_compliance_store_policy (db, node, error);
}

gboolean
cp_server_compliance_set_first_failing (CpServerDb  *db,
                                        const char  *device_id,
                                        const char  *setting_id,
                                        gint64       since,
                                        GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = cp_server_db_prepare (db, "UPDATE compliance_failures SET first_failing_at = ?"
                               " WHERE device_id = ? AND setting_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, since);
  cp_server_db_bind_text (stmt, 2, device_id);
  cp_server_db_bind_text (stmt, 3, setting_id);
  if (!cp_server_db_step_done (db, stmt, error))
    return FALSE;
  if (sqlite3_changes (sqlite3_db_handle (stmt)) == 0)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_NOT_FOUND,
                   _("The setting “%s” is not failing on this device"), setting_id);
      return FALSE;
    }
  return TRUE;
}

gboolean
cp_server_compliance_expire_grace (CpServerDb  *db,
                                   const char  *device_id,
                                   gint64       now,
                                   GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  /* Failing since longer than any grace period can be. */
  stmt = cp_server_db_prepare (db, "UPDATE compliance_failures SET first_failing_at = ?"
                               " WHERE device_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now - (gint64) (MAX_GRACE_HOURS + 1) * 3600);
  cp_server_db_bind_text (stmt, 2, device_id);
  return cp_server_db_step_done (db, stmt, error);
}

static const CpRoute routes[] = {
  { "GET", "/v1/devices/{}/policy", CP_ROUTE_USER_OR_DEVICE, handle_get_policy },
  { "POST", "/v1/devices/{}/compliance-reports", CP_ROUTE_DEVICE, handle_report },
  { "GET", "/v1/devices/{}/compliance", CP_ROUTE_USER, handle_get_compliance },
};

void
cp_server_compliance_register (CpPortalServer *server)
{
  cp_portal_server_add_routes (server, routes, G_N_ELEMENTS (routes));
}
