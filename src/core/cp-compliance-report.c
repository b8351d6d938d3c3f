/* cp-compliance-report.c: the agent's compliance document, as the window reads it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The agent is a local peer, but its document carries what the server and the
 * policy said (titles, evidence, URLs), so it is read like any outside input.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cp-compliance-report.h"
#include "cp-error.h"
#include "cp-json-private.h"

#define MAX_RESULTS 10000

struct _CpComplianceReport
{
  GObject    parent_instance;

  char      *server;
  char      *device_id;
  GDateTime *evaluated_at;
  char      *local_state;
  char      *error;
  gboolean   policy_cached;
  gboolean   report_queued;
  char      *server_state;
  GDateTime *grace_deadline;
  GDateTime *state_updated_at;
  GPtrArray *results;
};

G_DEFINE_FINAL_TYPE (CpComplianceReport, cp_compliance_report, G_TYPE_OBJECT)

static void
cp_compliance_report_finalize (GObject *object)
{
  CpComplianceReport *self = CP_COMPLIANCE_REPORT (object);

  g_free (self->server);
  g_free (self->device_id);
  g_clear_pointer (&self->evaluated_at, g_date_time_unref);
  g_free (self->local_state);
  g_free (self->error);
  g_free (self->server_state);
  g_clear_pointer (&self->grace_deadline, g_date_time_unref);
  g_clear_pointer (&self->state_updated_at, g_date_time_unref);
  g_ptr_array_unref (self->results);

  G_OBJECT_CLASS (cp_compliance_report_parent_class)->finalize (object);
}

static void
cp_compliance_report_class_init (CpComplianceReportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_compliance_report_finalize;
}

static void
cp_compliance_report_init (CpComplianceReport *self)
{
  self->results = g_ptr_array_new_with_free_func (g_object_unref);
}

static gboolean
invalid (GError    **error,
         const char *member)
{
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
               _("The compliance information has an invalid “%s”."), member);
  return FALSE;
}

/* An optional RFC 3339 time; absent leaves *out NULL. */
static gboolean
get_optional_time (JsonObject  *object,
                   const char  *member,
                   GDateTime  **out,
                   GError     **error)
{
  const char *text = NULL;

  if (!cp_json_get_optional_string (object, member, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  *out = g_date_time_new_from_iso8601 (text, NULL);
  if (*out == NULL)
    return invalid (error, member);
  return TRUE;
}

static gboolean
get_optional_enum (JsonObject        *object,
                   const char        *member,
                   const char *const *allowed,
                   char             **out,
                   GError           **error)
{
  const char *text = NULL;

  if (!cp_json_get_optional_string (object, member, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  if (!g_strv_contains (allowed, text))
    return invalid (error, member);
  *out = g_strdup (text);
  return TRUE;
}

static gboolean
read_action (CpComplianceResult *result,
             JsonObject         *action,
             GError            **error)
{
  const char *type = cp_json_require_string (action, "type", error);
  const char *value;

  if (type == NULL || (value = cp_json_require_string (action, "value", error)) == NULL)
    return FALSE;
  if (g_str_equal (type, "settingsPanel"))
    cp_compliance_result_set_action (result, CP_REMEDIATION_ACTION_SETTINGS_PANEL, value);
  else if (g_str_equal (type, "url"))
    {
      /* Only web links: anything else could launch an arbitrary handler. */
      g_autofree char *scheme = g_uri_parse_scheme (value);
      if (scheme == NULL || (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0))
        return invalid (error, "remediation.action.value");
      cp_compliance_result_set_action (result, CP_REMEDIATION_ACTION_URL, value);
    }
  else if (g_str_equal (type, "command"))
    cp_compliance_result_set_action (result, CP_REMEDIATION_ACTION_COMMAND, value);
  /* An action type newer than this window is left out; the steps still show. */
  return TRUE;
}

static gboolean
read_remediation (CpComplianceResult *result,
                  JsonObject         *remediation,
                  GError            **error)
{
  const char *title = NULL;
  g_auto(GStrv) steps = NULL;
  JsonObject *action = NULL;

  if (!cp_json_get_optional_string (remediation, "title", &title, error) ||
      !cp_json_get_optional_string_array (remediation, "steps", &steps, error) ||
      !cp_json_get_optional_object (remediation, "action", &action, error))
    return FALSE;
  cp_compliance_result_set_remediation (result, title, (const char *const *) steps);
  return action == NULL || read_action (result, action, error);
}

CpComplianceResult *
cp_compliance_result_new_from_json (JsonObject *object,
                                    GError    **error)
{
  const char *setting_id, *state_name;
  const char *title = NULL, *evidence = NULL, *expected = NULL, *rule = NULL;
  JsonObject *remediation = NULL;
  CpComplianceState state;
  g_autoptr(CpComplianceResult) result = NULL;

  g_return_val_if_fail (object != NULL, NULL);

  if ((setting_id = cp_json_require_string (object, "settingId", error)) == NULL ||
      (state_name = cp_json_require_string (object, "state", error)) == NULL ||
      !cp_json_get_optional_string (object, "title", &title, error) ||
      !cp_json_get_optional_string (object, "evidence", &evidence, error) ||
      !cp_json_get_optional_string (object, "expected", &expected, error) ||
      !cp_json_get_optional_string (object, "rule", &rule, error) ||
      !cp_json_get_optional_object (object, "remediation", &remediation, error))
    return NULL;
  if (!cp_compliance_state_from_string (state_name, &state))
    {
      invalid (error, "state");
      return NULL;
    }
  result = cp_compliance_result_new (setting_id, title != NULL ? title : setting_id, state,
                                     evidence != NULL ? evidence : "", expected);
  if (rule != NULL)
    cp_compliance_result_set_rule (result, rule);
  if (remediation != NULL && !read_remediation (result, remediation, error))
    return NULL;
  return g_steal_pointer (&result);
}

static gboolean
read_results (CpComplianceReport *self,
              JsonObject         *root,
              GError            **error)
{
  JsonNode *node = json_object_get_member (root, "results");
  JsonArray *array;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return invalid (error, "results");
  array = json_node_get_array (node);
  if (json_array_get_length (array) > MAX_RESULTS)
    return invalid (error, "results");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      CpComplianceResult *result;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return invalid (error, "results");
      result = cp_compliance_result_new_from_json (json_node_get_object (element), error);
      if (result == NULL)
        return FALSE;
      g_ptr_array_add (self->results, result);
    }
  return TRUE;
}

static gboolean
read_report_state (CpComplianceReport *self,
                   JsonObject         *root,
                   GError            **error)
{
  JsonObject *report = NULL;
  const char *state = NULL, *source = NULL;

  if (!cp_json_get_optional_string (root, "policySource", &source, error) ||
      !cp_json_get_optional_object (root, "report", &report, error))
    return FALSE;
  self->policy_cached = g_strcmp0 (source, "cached") == 0;
  if (report != NULL && !cp_json_get_optional_string (report, "state", &state, error))
    return FALSE;
  self->report_queued = g_strcmp0 (state, "queued") == 0;
  return TRUE;
}

static gboolean
read_document (CpComplianceReport *self,
               JsonObject         *root,
               GError            **error)
{
  static const char *const local_states[] = { "compliant", "noncompliant", "unknown", "error", NULL };
  static const char *const server_states[] = { "compliant", "inGracePeriod", "noncompliant",
                                               "unknown", "error", NULL };
  const char *server = NULL, *device_id = NULL, *message = NULL;

  if (!cp_json_get_optional_string (root, "server", &server, error) ||
      !cp_json_get_optional_string (root, "deviceId", &device_id, error) ||
      !cp_json_get_optional_string (root, "error", &message, error) ||
      !get_optional_time (root, "evaluatedAt", &self->evaluated_at, error) ||
      !get_optional_time (root, "complianceGraceDeadline", &self->grace_deadline, error) ||
      !get_optional_time (root, "stateUpdatedAt", &self->state_updated_at, error) ||
      !get_optional_enum (root, "localState", local_states, &self->local_state, error) ||
      !get_optional_enum (root, "complianceState", server_states, &self->server_state, error) ||
      !read_report_state (self, root, error))
    return FALSE;
  self->server = g_strdup (server);
  self->device_id = g_strdup (device_id);
  self->error = g_strdup (message);
  return read_results (self, root, error);
}

CpComplianceReport *
cp_compliance_report_new_from_json (const char *json,
                                    GError    **error)
{
  g_autoptr(CpComplianceReport) self = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *root;

  g_return_val_if_fail (json != NULL, NULL);

  node = cp_json_parse (json, strlen (json), error);
  if (node == NULL || (root = cp_json_node_get_object (node, error)) == NULL)
    return NULL;
  self = g_object_new (CP_TYPE_COMPLIANCE_REPORT, NULL);
  if (!read_document (self, root, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
cp_compliance_report_get_server (CpComplianceReport *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_REPORT (self), NULL);
  return self->server;
}

const char *
cp_compliance_report_get_device_id (CpComplianceReport *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_REPORT (self), NULL);
  return self->device_id;
}

GDateTime *
cp_compliance_report_get_evaluated_at (CpComplianceReport *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_REPORT (self), NULL);
  return self->evaluated_at;
}

const char *
cp_compliance_report_get_local_state (CpComplianceReport *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_REPORT (self), NULL);
  return self->local_state;
}

const char *
cp_compliance_report_get_error (CpComplianceReport *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_REPORT (self), NULL);
  return self->error;
}

gboolean
cp_compliance_report_is_policy_cached (CpComplianceReport *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_REPORT (self), FALSE);
  return self->policy_cached;
}

gboolean
cp_compliance_report_is_report_queued (CpComplianceReport *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_REPORT (self), FALSE);
  return self->report_queued;
}

const char *
cp_compliance_report_get_server_state (CpComplianceReport *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_REPORT (self), NULL);
  return self->server_state;
}

GDateTime *
cp_compliance_report_get_grace_deadline (CpComplianceReport *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_REPORT (self), NULL);
  return self->grace_deadline;
}

GDateTime *
cp_compliance_report_get_state_updated_at (CpComplianceReport *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_REPORT (self), NULL);
  return self->state_updated_at;
}

GPtrArray *
cp_compliance_report_get_results (CpComplianceReport *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_REPORT (self), NULL);
  return self->results;
}

guint
cp_compliance_report_count_issues (CpComplianceReport *self)
{
  guint count = 0;

  g_return_val_if_fail (CP_IS_COMPLIANCE_REPORT (self), 0);

  for (guint i = 0; i < self->results->len; i++)
    {
      CpComplianceState state = cp_compliance_result_get_state (g_ptr_array_index (self->results, i));
      if (state != CP_COMPLIANCE_STATE_COMPLIANT && state != CP_COMPLIANCE_STATE_NOT_APPLICABLE)
        count++;
    }
  return count;
}

/* The server decides access; its answer counts when it belongs to the newest
 * report. A queued report means the answer is older than what this machine
 * found, so the local results decide unless the server already restricted access. */
CpComplianceAccess
cp_compliance_report_get_access (CpComplianceReport *self)
{
  gboolean server_current;

  g_return_val_if_fail (CP_IS_COMPLIANCE_REPORT (self), CP_COMPLIANCE_ACCESS_UNKNOWN);

  if (g_strcmp0 (self->local_state, "error") == 0)
    return CP_COMPLIANCE_ACCESS_ERROR;
  if (self->evaluated_at == NULL && self->local_state == NULL)
    return CP_COMPLIANCE_ACCESS_UNKNOWN;

  server_current = self->server_state != NULL && !self->report_queued;
  if (g_strcmp0 (self->server_state, "noncompliant") == 0 &&
      (server_current || g_strcmp0 (self->local_state, "compliant") != 0))
    return CP_COMPLIANCE_ACCESS_BLOCKED;
  if (g_strcmp0 (self->server_state, "inGracePeriod") == 0 &&
      (server_current || g_strcmp0 (self->local_state, "compliant") != 0))
    return CP_COMPLIANCE_ACCESS_AT_RISK;
  if (server_current && g_str_equal (self->server_state, "compliant"))
    return CP_COMPLIANCE_ACCESS_ALLOWED;
  if (g_strcmp0 (self->local_state, "compliant") == 0)
    return CP_COMPLIANCE_ACCESS_ALLOWED;
  if (self->local_state != NULL)
    return CP_COMPLIANCE_ACCESS_NOT_MET;
  return CP_COMPLIANCE_ACCESS_UNKNOWN;
}
