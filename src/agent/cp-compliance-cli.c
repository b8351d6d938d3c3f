/* cp-compliance-cli.c: company-portal-agent --check, --evaluate and --status
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "company-portal.h"
#include "cp-agent-dbus.h"
#include "cp-agent-errors.h"
#include "cp-compliance-cli.h"
#include "cp-compliance-store.h"
#include "../core/cp-json-private.h"

/* Custom discovery scripts may run for minutes; --check waits for them. */
#define CHECK_TIMEOUT_MS (60 * 60 * 1000)

/* Printing */

/* g_print() converts to the locale's charset: plain ASCII marks where that is not UTF-8. */
static const char *
state_mark (const char *state)
{
  gboolean utf8 = g_get_charset (NULL);

  if (g_strcmp0 (state, "compliant") == 0)
    return utf8 ? "✓" : "[ok]";
  if (g_strcmp0 (state, "notApplicable") == 0)
    return utf8 ? "–" : "[--]";
  if (g_strcmp0 (state, "noncompliant") == 0)
    return utf8 ? "✗" : "[!!]";
  return utf8 ? "?" : "[??]";
}

static const char *
state_words (const char *state)
{
  if (g_strcmp0 (state, "compliant") == 0)
    return _("compliant");
  if (g_strcmp0 (state, "noncompliant") == 0)
    return _("not compliant");
  if (g_strcmp0 (state, "notApplicable") == 0)
    return _("not applicable");
  if (g_strcmp0 (state, "inGracePeriod") == 0)
    return _("not compliant, in the grace period");
  if (g_strcmp0 (state, "unknown") == 0)
    return _("could not be checked");
  return _("error");
}

static void
print_remediation (JsonObject *remediation)
{
  const char *title = cp_compliance_record_get_string (remediation, "title");
  JsonArray *steps = cp_compliance_record_get_array (remediation, "steps");
  JsonObject *action = cp_compliance_record_get_object (remediation, "action");
  const char *type = cp_compliance_record_get_string (action, "type");
  const char *value = cp_compliance_record_get_string (action, "value");

  if (title != NULL)
    g_print ("    %s %s\n", _("How to fix:"), title);
  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    {
      JsonNode *step = json_array_get_element (steps, i);

      if (JSON_NODE_HOLDS_VALUE (step) && json_node_get_value_type (step) == G_TYPE_STRING)
        g_print ("      %u. %s\n", i + 1, json_node_get_string (step));
    }
  if (g_strcmp0 (type, "command") == 0 && value != NULL)
    g_print ("      %s %s\n", _("Command:"), value);
  else if (g_strcmp0 (type, "url") == 0 && value != NULL)
    g_print ("      %s %s\n", _("More information:"), value);
  else if (g_strcmp0 (type, "settingsPanel") == 0 && value != NULL)
    g_print ("      %s gnome-control-center %s\n", _("Settings:"), value);
}

static void
print_results (JsonArray *results)
{
  for (guint i = 0; results != NULL && i < json_array_get_length (results); i++)
    {
      JsonNode *node = json_array_get_element (results, i);
      JsonObject *result = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *state = cp_compliance_record_get_string (result, "state");
      const char *title = cp_compliance_record_get_string (result, "title");
      const char *rule = cp_compliance_record_get_string (result, "rule");
      const char *evidence = cp_compliance_record_get_string (result, "evidence");
      const char *expected = cp_compliance_record_get_string (result, "expected");

      if (result == NULL)
        continue;
      g_print ("%s %s%s%s: %s\n", state_mark (state), title ? title : "?",
               rule ? " / " : "", rule ? rule : "", state_words (state));
      if (evidence != NULL)
        g_print ("    %s\n", evidence);
      if (g_strcmp0 (state, "compliant") == 0 || g_strcmp0 (state, "notApplicable") == 0)
        continue;
      if (expected != NULL)
        g_print ("    %s %s\n", _("Expected:"), expected);
      print_remediation (cp_compliance_record_get_object (result, "remediation"));
    }
}

void
cp_compliance_cli_print_json (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, TRUE);

  /* JSON is UTF-8 whatever the locale; g_print() would turn “…” into '?'. */
  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

static void
print_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  cp_compliance_cli_print_json (node);
}

static char *
format_local_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_seconds);
  g_autoptr(GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;

  return local ? g_date_time_format (local, "%c") : g_strdup ("?");
}

/* --evaluate */

static void
evaluated_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static const char *
overall_state (JsonArray *results)
{
  static const char *const order[] = { "noncompliant", "error", "unknown" };

  for (guint o = 0; o < G_N_ELEMENTS (order); o++)
    for (guint i = 0; i < json_array_get_length (results); i++)
      if (g_strcmp0 (cp_compliance_record_get_string (json_array_get_object_element (results, i),
                                                      "state"), order[o]) == 0)
        return order[o];
  return "compliant";
}

int
cp_compliance_cli_evaluate (const char *policy_path,
                            const char *host_root,
                            gboolean    json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(CpCompliancePolicy) policy = NULL;
  g_autoptr(CpHostRoot) root = NULL;
  g_autoptr(CpComplianceEngine) engine = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(JsonObject) output = json_object_new ();
  JsonArray *array;

  if (host_root == NULL)
    host_root = "/";
  if (!g_file_test (host_root, G_FILE_TEST_IS_DIR))
    {
      g_printerr (_("%s is not a directory\n"), host_root);
      return CP_CLI_ERROR;
    }

  if (!(file = g_mapped_file_new (policy_path, FALSE, &error)) ||
      !(policy = cp_compliance_policy_new_from_data (g_mapped_file_get_contents (file),
                                                     g_mapped_file_get_length (file), &error)))
    {
      g_printerr ("%s: %s\n", policy_path, error->message);
      return CP_CLI_ERROR;
    }

  root = cp_host_root_new (host_root);
  engine = cp_compliance_engine_new (root);
  cp_compliance_engine_evaluate_async (engine, policy, NULL, evaluated_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (!(results = cp_compliance_engine_evaluate_finish (engine, result, &error)))
    {
      g_printerr ("%s\n", error->message);
      return CP_CLI_ERROR;
    }

  array = json_array_new ();
  for (guint i = 0; i < results->len; i++)
    json_array_add_element (array, cp_compliance_result_to_json (results->pdata[i]));
  if (cp_compliance_policy_get_id (policy) != NULL)
    json_object_set_string_member (output, "policyId", cp_compliance_policy_get_id (policy));
  cp_compliance_record_set_time (output, "evaluatedAt", g_get_real_time () / G_USEC_PER_SEC);
  json_object_set_string_member (output, "localState", overall_state (array));
  json_object_set_array_member (output, "results", array);

  if (json)
    print_json (output);
  else
    print_results (array);

  return g_str_equal (overall_state (array), "compliant") ? CP_CLI_COMPLIANT : CP_CLI_NOT_COMPLIANT;
}

/* --check */

static int
print_server (JsonObject *doc)
{
  const char *server = cp_compliance_record_get_string (doc, "server");
  const char *state = cp_compliance_record_get_string (doc, "complianceState");
  const char *local = cp_compliance_record_get_string (doc, "localState");
  JsonObject *report = cp_compliance_record_get_object (doc, "report");
  const char *report_state = cp_compliance_record_get_string (report, "state");
  const char *message = cp_compliance_record_get_string (report, "message");
  gint64 deadline = cp_compliance_record_get_time (doc, "complianceGraceDeadline");
  gboolean delivered = g_strcmp0 (report_state, "sent") == 0;

  g_print ("%s\n", server);
  print_results (cp_compliance_record_get_array (doc, "results"));

  if (delivered && state != NULL)
    {
      g_print (_("Your organisation considers this device %s."), state_words (state));
      g_print ("\n");
      if (deadline > 0)
        {
          g_autofree char *when = format_local_time (deadline);

          g_print (_("Fix the issues before %s to keep access."), when);
          g_print ("\n");
        }
    }
  else
    {
      g_print (_("The report was not delivered (%s): %s"), report_state ? report_state : "none",
               message ? message : _("no reason given"));
      g_print ("\n");
    }
  g_print ("\n");

  /* The server's verdict counts when it has one for this evaluation. */
  if (delivered && state != NULL)
    return g_str_equal (state, "compliant") ? CP_CLI_COMPLIANT : CP_CLI_NOT_COMPLIANT;
  return g_strcmp0 (local, "compliant") == 0 ? CP_CLI_COMPLIANT : CP_CLI_NOT_COMPLIANT;
}

static JsonObject *
parse_doc (const char *json)
{
  g_autoptr(JsonNode) root = cp_json_parse (json, strlen (json), NULL);

  return root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_object_ref (json_node_get_object (root)) : NULL;
}

int
cp_compliance_cli_check (CpEnrollmentStore *enrollments,
                         gboolean           json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpAgentDbusAgent1Compliance) proxy = NULL;
  g_auto(GStrv) servers = NULL;
  g_autoptr(JsonObject) output = json_object_new ();
  JsonArray *array = json_array_new ();
  int status = CP_CLI_COMPLIANT;
  guint checked = 0;

  json_object_set_array_member (output, "servers", array);
  cp_agent_dbus_register_errors ();
  if (!cp_enrollment_store_load (enrollments, &error) ||
      !(proxy = cp_agent_dbus_agent1_compliance_proxy_new_for_bus_sync (G_BUS_TYPE_SESSION,
                                                                        G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                                                        G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
                                                                        CP_AGENT_DBUS_NAME, CP_AGENT_DBUS_PATH,
                                                                        NULL, &error)))
    {
      g_printerr ("%s\n", error->message);
      return CP_CLI_ERROR;
    }
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (proxy), CHECK_TIMEOUT_MS);

  servers = cp_enrollment_store_dup_servers (enrollments);
  for (guint i = 0; servers[i] != NULL; i++)
    {
      CpEnrollment *enrollment = cp_enrollment_store_lookup (enrollments, servers[i]);
      g_autofree char *doc_json = NULL;
      g_autoptr(JsonObject) doc = NULL;
      g_autoptr(GError) call_error = NULL;

      if (enrollment->state != CP_ENROLLMENT_ENROLLED)
        continue;
      checked++;
      if (!cp_agent_dbus_agent1_compliance_call_evaluate_sync (proxy, servers[i], &doc_json, NULL, &call_error) ||
          !(doc = parse_doc (doc_json)))
        {
          if (call_error != NULL)
            g_dbus_error_strip_remote_error (call_error);
          g_printerr ("%s: %s\n", servers[i], call_error ? call_error->message : _("invalid answer"));
          status = CP_CLI_ERROR;
          continue;
        }
      if (json)
        json_array_add_object_element (array, json_object_ref (doc));
      else
        status = MAX (status, print_server (doc));
      if (json)
        {
          const char *state = cp_compliance_record_get_string (doc, "complianceState");
          JsonObject *report = cp_compliance_record_get_object (doc, "report");
          gboolean delivered = g_strcmp0 (cp_compliance_record_get_string (report, "state"), "sent") == 0;
          const char *verdict = delivered && state ? state : cp_compliance_record_get_string (doc, "localState");

          status = MAX (status, g_strcmp0 (verdict, "compliant") == 0 ? CP_CLI_COMPLIANT : CP_CLI_NOT_COMPLIANT);
        }
    }

  if (checked == 0)
    {
      g_printerr ("%s\n", _("This device is not enrolled."));
      return CP_CLI_ERROR;
    }
  if (json)
    print_json (output);
  return status;
}

/* --status */

static JsonObject *
status_of (CpComplianceStore *store,
           const char        *server)
{
  static const char *const members[] = {
    "complianceState", "complianceGraceDeadline", "stateUpdatedAt", "localState",
    "evaluatedAt", "policyId", "error", "report", "queued",
  };
  g_autoptr(JsonObject) doc = cp_compliance_store_dup_public (store, server);
  JsonObject *status = json_object_new ();

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    if (json_object_has_member (doc, members[i]))
      json_object_set_member (status, members[i], json_node_copy (json_object_get_member (doc, members[i])));
  return status;
}

void
cp_compliance_cli_add_status (JsonNode *status)
{
  g_autoptr(CpComplianceStore) store = cp_compliance_store_new (NULL);
  g_autoptr(GError) error = NULL;
  JsonObject *root = status != NULL && JSON_NODE_HOLDS_OBJECT (status) ? json_node_get_object (status) : NULL;
  JsonArray *enrollments = cp_compliance_record_get_array (root, "enrollments");

  /* The enrollment record is the main answer; a damaged compliance record only lacks detail. */
  if (!cp_compliance_store_load (store, &error))
    g_printerr ("%s\n", error->message);

  for (guint i = 0; enrollments != NULL && i < json_array_get_length (enrollments); i++)
    {
      JsonObject *enrollment = json_array_get_object_element (enrollments, i);
      const char *server = cp_compliance_record_get_string (enrollment, "server");

      if (server != NULL && cp_compliance_store_lookup (store, server) != NULL)
        json_object_set_object_member (enrollment, "compliance", status_of (store, server));
    }
}

char *
cp_compliance_cli_status_line (const char *server)
{
  g_autoptr(CpComplianceStore) store = cp_compliance_store_new (NULL);
  JsonObject *record;
  const char *state;
  gint64 deadline;

  if (!cp_compliance_store_load (store, NULL) || !(record = cp_compliance_store_lookup (store, server)))
    return NULL;

  state = cp_compliance_record_get_string (record, "complianceState");
  deadline = cp_compliance_record_get_time (record, "complianceGraceDeadline");
  if (state == NULL)
    state = cp_compliance_record_get_string (record, "localState");
  if (state == NULL)
    return NULL;
  if (deadline > 0)
    {
      g_autofree char *when = format_local_time (deadline);

      return g_strdup_printf (_("compliance: %s (deadline %s)"), state_words (state), when);
    }
  return g_strdup_printf (_("compliance: %s"), state_words (state));
}
