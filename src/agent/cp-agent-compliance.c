/* cp-agent-compliance.c: the io.github.companyportal.Agent1.Compliance interface
 *
 * One operation per server at a time: an evaluation (policy, engine, report,
 * queue) or, after a check-in, sending what is queued. Callers that arrive
 * while one runs wait for its result instead of starting another, so a
 * queued report is never sent twice by two operations.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "company-portal.h"
#include "cp-agent-compliance.h"
#include "cp-agent-dbus.h"
#include "cp-agent-errors.h"
#include "cp-agent-service.h"
#include "cp-compliance-notifier.h"
#include "../core/cp-json-private.h"

#define READ_CHUNK           (64 * 1024)
/* Servers may refuse longer texts in a result (the reference server does). */
#define MAX_RESULT_TEXT      4000

struct _CpAgentCompliance
{
  GObject                      parent_instance;

  GApplication                *app;          /* not owned */
  CpEnrollmentStore           *enrollments;
  CpComplianceStore           *store;
  CpComplianceNotifier        *notifier;
  CpAgentDbusAgent1Compliance *skeleton;
  SoupSession                 *session;
  GCancellable                *cancellable;
  char                        *host_root;
  GHashTable                  *ops;          /* server → Op */
};

G_DEFINE_FINAL_TYPE (CpAgentCompliance, cp_agent_compliance, G_TYPE_OBJECT)

typedef struct
{
  CpAgentCompliance  *self;
  char               *server;
  char               *device_id;
  gboolean            evaluate;       /* FALSE: only send the queue */
  gboolean            then_evaluate;  /* an Evaluate came while the queue was sent */
  GPtrArray          *waiters;        /* GDBusMethodInvocation */
  GPtrArray          *later;          /* waiters of then_evaluate */
  CpDeviceKey        *key;
  SoupMessage        *message;
  CpComplianceEngine *engine;
  JsonObject         *sending;        /* the queue entry on its way */
} Op;

static void op_start (CpAgentCompliance     *self,
                      const char            *server,
                      gboolean               evaluate,
                      GPtrArray             *invocations);
static void send_next (Op *op);

static JsonObject *
op_record (Op *op)
{
  return cp_compliance_store_ensure (op->self->store, op->server);
}

static void
op_free (Op *op)
{
  g_application_release (op->self->app);
  g_ptr_array_unref (op->waiters);
  g_clear_pointer (&op->later, g_ptr_array_unref);
  g_clear_object (&op->key);
  g_clear_object (&op->message);
  g_clear_object (&op->engine);
  g_clear_pointer (&op->sending, json_object_unref);
  g_free (op->server);
  g_free (op->device_id);
  g_object_unref (op->self);
  g_free (op);
}

static void
save_record (Op *op)
{
  g_autoptr(GError) error = NULL;

  /* The result still reaches the caller; only persistence failed. */
  if (!cp_compliance_store_save (op->self->store, &error))
    g_message ("%s", error->message);
}

/* Ends the operation: saves, tells everyone, replies to the waiters. */
static void
op_finish (Op     *op,
           GError *error)
{
  CpAgentCompliance *self = op->self;
  JsonObject *record = op_record (op);
  g_autofree char *json = NULL;
  g_autoptr(GPtrArray) later = g_steal_pointer (&op->later);
  gboolean again = op->then_evaluate && !g_cancellable_is_cancelled (self->cancellable);

  if (error != NULL && op->evaluate && !cp_error_is_cancelled (error))
    {
      json_object_set_string_member (record, "error", error->message);
      json_object_set_string_member (record, "localState", "error");
    }
  if (error != NULL)
    g_debug ("Compliance for %s: %s", op->server, error->message);

  cp_compliance_notifier_consider (self->notifier, record, g_get_real_time () / G_USEC_PER_SEC);
  save_record (op);

  json = cp_compliance_store_dup_public_json (self->store, op->server);
  if (self->skeleton != NULL &&
      g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->skeleton)) != NULL)
    cp_agent_dbus_agent1_compliance_emit_compliance_changed (self->skeleton, op->server, json);

  for (guint i = 0; i < op->waiters->len; i++)
    {
      GDBusMethodInvocation *invocation = op->waiters->pdata[i];

      if (error != NULL)
        g_dbus_method_invocation_return_gerror (invocation, error);
      else
        g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", json));
    }

  g_hash_table_remove (self->ops, op->server);
  if (again)
    op_start (self, op->server, TRUE, later);
  else
    {
      for (guint i = 0; i < later->len; i++)
        g_dbus_method_invocation_return_error_literal (later->pdata[i], G_IO_ERROR,
                                                       G_IO_ERROR_CANCELLED,
                                                       _("The device agent is stopping"));
    }

  g_clear_error (&error);
  op_free (op);
}

/* HTTP */

static GError *
error_for_transport (GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new_literal (CP_ERROR, CP_ERROR_TIMED_OUT, _("The server did not answer in time"));
  if (error->domain == G_TLS_ERROR)
    return g_error_new_literal (CP_ERROR, CP_ERROR_TLS, _("The server’s certificate is not trusted"));
  return g_error_new (CP_ERROR, CP_ERROR_NETWORK, _("Cannot reach the server: %s"), error->message);
}

static GError *
error_for_status (guint status)
{
  if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN)
    return g_error_new_literal (CP_ERROR, CP_ERROR_SECURITY,
                                _("The server refused this device’s signature"));
  if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE)
    return g_error_new_literal (CP_ERROR, CP_ERROR_NOT_FOUND, _("Your organisation removed this device"));
  if (status == 429 || status == SOUP_STATUS_SERVICE_UNAVAILABLE)
    return g_error_new_literal (CP_ERROR, CP_ERROR_RATE_LIMITED,
                                _("The server is busy; the device will try again later"));
  if (status >= 500)
    return g_error_new (CP_ERROR, CP_ERROR_SERVER, _("The server failed (HTTP %u)"), status);
  return g_error_new (CP_ERROR, CP_ERROR_FAILED, _("The server refused the request (HTTP %u)"), status);
}

/* Worth trying again later: the network, a busy or failing server. */
static gboolean
is_transient (GError *error)
{
  return g_error_matches (error, CP_ERROR, CP_ERROR_NETWORK) ||
         g_error_matches (error, CP_ERROR, CP_ERROR_TIMED_OUT) ||
         g_error_matches (error, CP_ERROR, CP_ERROR_RATE_LIMITED) ||
         g_error_matches (error, CP_ERROR, CP_ERROR_SERVER);
}

static SoupMessage *
signed_message (Op          *op,
                const char  *method,
                const char  *path,
                JsonNode    *body,
                GError     **error)
{
  g_autofree char *url = g_strconcat (op->server, path, NULL);
  g_autofree char *compact = NULL;
  SoupMessage *message;
  SoupMessageHeaders *headers;

  compact = cp_device_request_sign (cp_device_key_get_jwk (op->key), op->device_id, method, path,
                                    body, g_get_real_time () / G_USEC_PER_SEC, error);
  if (compact == NULL)
    return NULL;

  message = soup_message_new (method, url);
  headers = soup_message_get_request_headers (message);
  soup_message_headers_replace (headers, "Accept", "application/json, application/problem+json");
  if (body == NULL)
    {
      g_autofree char *value = g_strconcat ("DeviceJWS ", compact, NULL);

      soup_message_headers_replace (headers, "Authorization", value);
    }
  else
    {
      g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&compact), strlen (compact));

      soup_message_set_request_body_from_bytes (message, CP_DEVICE_REQUEST_CONTENT_TYPE, bytes);
    }
  return message;
}

/* Reads a response body, refusing one larger than the limit. */
typedef struct
{
  GInputStream *stream;
  GByteArray   *data;
  gsize         limit;
} ReadData;

static void
read_data_free (ReadData *data)
{
  g_object_unref (data->stream);
  g_byte_array_unref (data->data);
  g_free (data);
}

static void
read_chunk_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ReadData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) chunk = NULL;
  GCancellable *cancellable;
  GError *error = NULL;

  if (!(chunk = g_input_stream_read_bytes_finish (data->stream, result, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_bytes_get_size (chunk) == 0)
    {
      g_task_return_pointer (task, g_byte_array_free_to_bytes (g_byte_array_ref (data->data)),
                             (GDestroyNotify) g_bytes_unref);
      return;
    }

  g_byte_array_append (data->data, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  if (data->data->len > data->limit)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_INVALID_DATA,
                               _("The server’s answer is too large"));
      return;
    }
  cancellable = g_task_get_cancellable (task);
  g_input_stream_read_bytes_async (data->stream, READ_CHUNK, G_PRIORITY_DEFAULT, cancellable,
                                   read_chunk_cb, g_steal_pointer (&task));
}

/* Never NULL, even for an empty body (GBytes may hold NULL then). */
static const char *
bytes_data (GBytes *bytes,
            gsize  *size)
{
  const char *data = g_bytes_get_data (bytes, size);

  return data != NULL ? data : "";
}

static void
read_bounded_async (GInputStream        *stream,
                    gsize                limit,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  ReadData *data = g_new0 (ReadData, 1);

  data->stream = g_object_ref (stream);
  data->data = g_byte_array_new ();
  data->limit = limit;
  g_task_set_task_data (task, data, (GDestroyNotify) read_data_free);
  g_input_stream_read_bytes_async (stream, READ_CHUNK, G_PRIORITY_DEFAULT, cancellable,
                                   read_chunk_cb, task);
}

static GBytes *
read_bounded_finish (GAsyncResult  *result,
                     GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Sends @op->message and reads its body (at most @limit bytes). */
typedef struct
{
  Op                  *op;
  gsize                limit;
  GAsyncReadyCallback  done;
} Exchange;

static void
exchange_read_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Exchange *exchange = user_data;

  exchange->done (NULL, result, exchange->op);
  g_free (exchange);
}

static void
exchange_sent_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Exchange *exchange = user_data;
  Op *op = exchange->op;
  g_autoptr(GInputStream) stream = NULL;
  GError *error = NULL;
  GTask *task;

  if (!(stream = soup_session_send_finish (SOUP_SESSION (source), result, &error)))
    {
      /* Hand the transport error to the same callback. */
      task = g_task_new (NULL, NULL, exchange_read_cb, exchange);
      g_task_return_error (task, error_for_transport (error));
      g_error_free (error);
      g_object_unref (task);
      return;
    }
  read_bounded_async (stream, exchange->limit, op->self->cancellable, exchange_read_cb, exchange);
}

static void
exchange_async (Op                  *op,
                gsize                limit,
                GAsyncReadyCallback  done)
{
  Exchange *exchange = g_new0 (Exchange, 1);

  exchange->op = op;
  exchange->limit = limit;
  exchange->done = done;
  soup_session_send_async (op->self->session, op->message, G_PRIORITY_DEFAULT,
                           op->self->cancellable, exchange_sent_cb, exchange);
}

/* Reports */

static void
set_report_state (Op         *op,
                  const char *state,
                  const char *report_id,
                  const char *message)
{
  JsonObject *report = json_object_new ();

  json_object_set_string_member (report, "state", state);
  if (report_id != NULL)
    json_object_set_string_member (report, "reportId", report_id);
  if (message != NULL)
    json_object_set_string_member (report, "message", message);
  cp_compliance_record_set_time (report, "at", g_get_real_time () / G_USEC_PER_SEC);
  json_object_set_object_member (op_record (op), "report", report);
}

/* The id of the newest report: the one "report" in the record is about. */
static const char *
newest_report_id (Op *op)
{
  JsonArray *queue = cp_compliance_record_ensure_queue (op_record (op));
  guint n = json_array_get_length (queue);

  return n > 0 ? cp_compliance_record_get_string (json_array_get_object_element (queue, n - 1), "reportId") : NULL;
}

static void
drop_first (Op *op)
{
  JsonArray *queue = cp_compliance_record_ensure_queue (op_record (op));

  if (json_array_get_length (queue) > 0)
    json_array_remove_element (queue, 0);
  save_record (op);
}

/* {"complianceState", "complianceGraceDeadline"?}, checked member by member. */
static gboolean
take_server_state (Op      *op,
                   GBytes  *bytes,
                   GError **error)
{
  static const char *const states[] = { "compliant", "inGracePeriod", "noncompliant", "unknown", "error" };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *answer, *record = op_record (op);
  const char *state, *deadline_text;
  gint64 deadline = 0;
  gsize size = 0;
  const char *data = bytes ? bytes_data (bytes, &size) : NULL;

  if (data != NULL)
    root = cp_json_parse (data, size, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    goto invalid;

  answer = json_node_get_object (root);
  state = cp_compliance_record_get_string (answer, "complianceState");
  deadline_text = cp_compliance_record_get_string (answer, "complianceGraceDeadline");
  if (state == NULL || !g_strv_contains (states, state) ||
      (json_object_has_member (answer, "complianceGraceDeadline") &&
       !JSON_NODE_HOLDS_NULL (json_object_get_member (answer, "complianceGraceDeadline")) &&
       !cp_compliance_parse_time (deadline_text, &deadline)))
    goto invalid;

  json_object_set_string_member (record, "complianceState", state);
  cp_compliance_record_set_time (record, "complianceGraceDeadline", deadline);
  cp_compliance_record_set_time (record, "stateUpdatedAt", g_get_real_time () / G_USEC_PER_SEC);
  return TRUE;

invalid:
  /* The report went in, but the old verdict is no longer the server's word on it. */
  json_object_remove_member (record, "complianceState");
  json_object_remove_member (record, "complianceGraceDeadline");
  json_object_remove_member (record, "stateUpdatedAt");
  g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                       _("The server’s answer to the compliance report is not valid"));
  return FALSE;
}

static void
report_answered_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Op *op = user_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) entry = g_steal_pointer (&op->sending);
  const char *report_id = cp_compliance_record_get_string (entry, "reportId");
  g_autofree char *newest = g_strdup (newest_report_id (op));
  gboolean is_newest = g_strcmp0 (report_id, newest) == 0;
  guint status = soup_message_get_status (op->message);

  bytes = read_bounded_finish (result, &error);
  if (bytes == NULL && (error->domain != CP_ERROR || status == 0))
    {
      if (cp_error_is_cancelled (error))
        {
          op_finish (op, g_steal_pointer (&error));
          return;
        }
      /* Never answered: it stays first in the queue. */
      set_report_state (op, "queued", newest, error->message);
      op_finish (op, NULL);
      return;
    }

  g_debug ("Compliance report %s to %s: HTTP %u", report_id, op->server, status);
  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_autoptr(GError) answer_error = NULL;

      drop_first (op);
      /* A missing body (too large, cut off) is an unreadable answer too. */
      if (!take_server_state (op, bytes, &answer_error))
        g_message ("%s: %s", op->server, error ? error->message : answer_error->message);
      if (is_newest)
        set_report_state (op, "sent", report_id, NULL);
      send_next (op);
      return;
    }

  g_clear_error (&error);
  error = error_for_status (status);
  if (g_error_matches (error, CP_ERROR, CP_ERROR_NOT_FOUND))
    {
      /* Nobody will ever take these reports. */
      json_object_remove_member (op_record (op), "queue");
      set_report_state (op, "dropped", newest, error->message);
      op_finish (op, NULL);
    }
  else if (is_transient (error) || g_error_matches (error, CP_ERROR, CP_ERROR_SECURITY))
    {
      /* A refused signature may be a wrong clock: keep the report for later. */
      set_report_state (op, "queued", newest, error->message);
      op_finish (op, NULL);
    }
  else
    {
      g_message ("%s refused compliance report %s (HTTP %u); it is dropped",
                 op->server, report_id, status);
      drop_first (op);
      if (is_newest)
        set_report_state (op, "dropped", report_id, error->message);
      send_next (op);
    }
}

/* Sends the oldest queued report; the operation ends when the queue is empty or stuck. */
static void
send_next (Op *op)
{
  JsonArray *queue = cp_compliance_record_ensure_queue (op_record (op));
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) body = NULL;
  JsonObject *entry;
  GError *error = NULL;

  if (json_array_get_length (queue) == 0)
    {
      op_finish (op, NULL);
      return;
    }

  entry = json_array_get_object_element (queue, 0);
  if (g_strcmp0 (cp_compliance_record_get_string (entry, "deviceId"), op->device_id) != 0)
    {
      /* Evaluated for an earlier enrollment: its key is gone. */
      drop_first (op);
      send_next (op);
      return;
    }

  op->sending = json_object_ref (entry);
  body = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (body, cp_compliance_record_get_object (entry, "body"));
  path = g_strdup_printf ("/v1/devices/%s/compliance-reports", op->device_id);
  g_clear_object (&op->message);
  if (!(op->message = signed_message (op, "POST", path, body, &error)))
    {
      op_finish (op, error);
      return;
    }
  exchange_async (op, CP_AGENT_COMPLIANCE_MAX_RESPONSE, report_answered_cb);
}

/* Evaluation */

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

/* A script's output can make evidence of any length; a report must stay acceptable. */
static void
clamp_texts (JsonObject *result)
{
  static const char *const texts[] = { "title", "evidence", "expected", "rule" };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      const char *value = cp_compliance_record_get_string (result, texts[i]);
      g_autofree char *cut = NULL;
      g_autofree char *text = NULL;
      const char *end;

      if (value == NULL || strlen (value) <= MAX_RESULT_TEXT)
        continue;
      end = g_utf8_find_prev_char (value, value + MAX_RESULT_TEXT - strlen ("…") + 1);
      cut = g_strndup (value, end - value);
      text = g_strconcat (cut, "…", NULL);
      json_object_set_string_member (result, texts[i], text);
    }
}

static void
enqueue_report (Op         *op,
                const char *policy_id,
                gint64      evaluated_at,
                JsonArray  *results)
{
  JsonArray *queue = cp_compliance_record_ensure_queue (op_record (op));
  g_autofree char *report_id = g_uuid_string_random ();
  JsonObject *body = json_object_new ();
  JsonObject *entry = json_object_new ();

  /* reportId lets a server recognise a report it already has. */
  json_object_set_string_member (body, "reportId", report_id);
  if (policy_id != NULL)
    json_object_set_string_member (body, "policyId", policy_id);
  cp_compliance_record_set_time (body, "evaluatedAt", evaluated_at);
  json_object_set_array_member (body, "results", json_array_ref (results));

  json_object_set_string_member (entry, "reportId", report_id);
  json_object_set_string_member (entry, "deviceId", op->device_id);
  cp_compliance_record_set_time (entry, "queuedAt", evaluated_at);
  json_object_set_object_member (entry, "body", body);

  while (json_array_get_length (queue) >= CP_COMPLIANCE_STORE_MAX_QUEUED)
    {
      g_message ("Too many compliance reports wait for %s; the oldest is dropped", op->server);
      json_array_remove_element (queue, 0);
    }
  json_array_add_object_element (queue, entry);
  set_report_state (op, "queued", report_id, NULL);
}

static void
evaluated_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Op *op = user_data;
  g_autoptr(GPtrArray) results = NULL;
  JsonObject *record = op_record (op);
  JsonArray *array = json_array_new ();
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  GError *error = NULL;

  if (!(results = cp_compliance_engine_evaluate_finish (op->engine, result, &error)))
    {
      json_array_unref (array);
      op_finish (op, error);
      return;
    }

  for (guint i = 0; i < results->len; i++)
    {
      JsonNode *node = cp_compliance_result_to_json (results->pdata[i]);

      clamp_texts (json_node_get_object (node));
      json_array_add_element (array, node);
    }

  json_object_set_string_member (record, "deviceId", op->device_id);
  cp_compliance_record_set_time (record, "evaluatedAt", now);
  json_object_set_string_member (record, "localState", overall_state (array));
  json_object_set_array_member (record, "results", json_array_ref (array));
  json_object_remove_member (record, "error");
  enqueue_report (op, cp_compliance_record_get_string (record, "policyId"), now, array);
  json_array_unref (array);
  save_record (op);

  send_next (op);
}

static void
setting_evaluated_cb (CpComplianceEngine  *engine,
                      CpComplianceSetting *setting,
                      guint                done,
                      guint                total,
                      Op                  *op)
{
  cp_agent_dbus_agent1_compliance_emit_progress (op->self->skeleton, op->server,
                                                 cp_compliance_setting_get_id (setting), done, total);
}

static void
evaluate_policy (Op         *op,
                 JsonNode   *node,
                 const char *source)
{
  g_autoptr(CpCompliancePolicy) policy = NULL;
  g_autoptr(CpHostRoot) root = cp_host_root_new (op->self->host_root);
  JsonObject *record = op_record (op);
  g_autoptr(GError) error = NULL;

  if (!(policy = cp_compliance_policy_new_from_json (node, &error)))
    {
      op_finish (op, g_error_new (CP_ERROR, CP_ERROR_INVALID_DATA,
                                  _("The compliance policy from the server is not valid: %s"),
                                  error->message));
      return;
    }

  /* Kept for evaluating while the server cannot be reached. */
  json_object_set_member (record, "policy", json_node_copy (node));
  json_object_set_string_member (record, "policySource", source);
  if (cp_compliance_policy_get_id (policy) != NULL)
    json_object_set_string_member (record, "policyId", cp_compliance_policy_get_id (policy));
  else
    json_object_remove_member (record, "policyId");

  op->engine = cp_compliance_engine_new (root);
  g_signal_connect (op->engine, "setting-evaluated", G_CALLBACK (setting_evaluated_cb), op);
  cp_compliance_engine_evaluate_async (op->engine, policy, op->self->cancellable, evaluated_cb, op);
}

static void
policy_answered_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Op *op = user_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *record = op_record (op);
  JsonNode *cached = json_object_get_member (record, "policy");
  guint status = soup_message_get_status (op->message);

  bytes = read_bounded_finish (result, &error);
  if (error == NULL && !SOUP_STATUS_IS_SUCCESSFUL (status))
    error = error_for_status (status);
  g_debug ("Compliance policy from %s: HTTP %u", op->server, status);

  if (error == NULL)
    {
      g_autoptr(CpCompliancePolicy) checked = NULL;
      gsize size = 0;
      const char *data = bytes_data (bytes, &size);

      /* The limits are checked before anything is parsed into a tree. */
      if (!(checked = cp_compliance_policy_new_from_data (data, size, &error)) ||
          !json_parser_load_from_data (parser, data, size, &error))
        {
          op_finish (op, g_error_new (CP_ERROR, CP_ERROR_INVALID_DATA,
                                      _("The compliance policy from the server is not valid: %s"),
                                      error->message));
          return;
        }
      evaluate_policy (op, json_parser_get_root (parser), "server");
      return;
    }

  if (g_error_matches (error, CP_ERROR, CP_ERROR_NOT_FOUND))
    json_object_remove_member (record, "queue");

  /* Offline: the last policy still says what to check, and the report waits. */
  if (is_transient (error) && cached != NULL && JSON_NODE_HOLDS_OBJECT (cached))
    {
      g_autoptr(JsonNode) copy = json_node_copy (cached);

      g_debug ("Evaluating the cached policy of %s: %s", op->server, error->message);
      evaluate_policy (op, copy, "cached");
      return;
    }
  op_finish (op, g_steal_pointer (&error));
}

static void
fetch_policy (Op *op)
{
  g_autofree char *path = g_strdup_printf ("/v1/devices/%s/policy", op->device_id);
  GError *error = NULL;

  if (!(op->message = signed_message (op, "GET", path, NULL, &error)))
    {
      op_finish (op, error);
      return;
    }
  exchange_async (op, CP_COMPLIANCE_POLICY_MAX_BYTES, policy_answered_cb);
}

static void
key_loaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Op *op = user_data;
  GError *error = NULL;

  op->key = cp_device_key_load_finish (result, &error);
  if (error == NULL && op->key == NULL)
    error = g_error_new_literal (CP_ERROR, CP_ERROR_KEYRING,
                                 _("The device key is missing from the keyring; "
                                   "remove this device and enroll it again"));
  if (error != NULL)
    {
      op_finish (op, error);
      return;
    }

  if (op->evaluate)
    fetch_policy (op);
  else
    send_next (op);
}

/* @invocations: callers waiting for the result (D-Bus method invocations), or NULL. */
static void
op_start (CpAgentCompliance     *self,
          const char            *server,
          gboolean               evaluate,
          GPtrArray             *invocations)
{
  Op *op = g_hash_table_lookup (self->ops, server);
  CpEnrollment *enrollment;

  if (op != NULL)
    {
      /* Join the running operation, or run an evaluation right after the queue is sent. */
      if (evaluate && !op->evaluate)
        op->then_evaluate = TRUE;
      for (guint i = 0; invocations != NULL && i < invocations->len; i++)
        g_ptr_array_add (evaluate && !op->evaluate ? op->later : op->waiters,
                         g_object_ref (invocations->pdata[i]));
      return;
    }

  op = g_new0 (Op, 1);
  op->self = g_object_ref (self);
  op->server = g_strdup (server);
  op->evaluate = evaluate;
  op->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  op->later = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; invocations != NULL && i < invocations->len; i++)
    g_ptr_array_add (op->waiters, g_object_ref (invocations->pdata[i]));
  g_hash_table_insert (self->ops, op->server, op);
  g_application_hold (self->app);

  enrollment = cp_enrollment_store_lookup (self->enrollments, server);
  if (enrollment == NULL || enrollment->state != CP_ENROLLMENT_ENROLLED || enrollment->device_id == NULL)
    {
      op_finish (op, g_error_new_literal (CP_ERROR, CP_ERROR_NOT_FOUND,
                                          _("This device is not enrolled with this organisation")));
      return;
    }

  op->device_id = g_strdup (enrollment->device_id);
  cp_device_key_load_async (server, op->device_id, self->cancellable, key_loaded_cb, op);
}

/* D-Bus */

static gboolean
handle_evaluate_cb (CpAgentDbusAgent1Compliance *skeleton,
                    GDBusMethodInvocation       *invocation,
                    const char                  *server_url,
                    CpAgentCompliance           *self)
{
  g_autofree char *server = NULL;
  GError *error = NULL;

  g_autoptr(GPtrArray) invocations = g_ptr_array_new ();

  if (!(server = cp_agent_normalize_server_url (server_url, &error)))
    {
      g_dbus_method_invocation_take_error (invocation, error);
      return TRUE;
    }

  g_ptr_array_add (invocations, invocation);
  op_start (self, server, TRUE, invocations);
  return TRUE;
}

static gboolean
handle_get_compliance_cb (CpAgentDbusAgent1Compliance *skeleton,
                          GDBusMethodInvocation       *invocation,
                          const char                  *server_url,
                          CpAgentCompliance           *self)
{
  g_autofree char *server = NULL;
  g_autofree char *json = NULL;
  GError *error = NULL;

  if (!(server = cp_agent_normalize_server_url (server_url, &error)))
    {
      g_dbus_method_invocation_take_error (invocation, error);
      return TRUE;
    }

  json = cp_compliance_store_dup_public_json (self->store, server);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", json));
  return TRUE;
}

/* GObject */

static void
cp_agent_compliance_dispose (GObject *object)
{
  CpAgentCompliance *self = CP_AGENT_COMPLIANCE (object);

  g_cancellable_cancel (self->cancellable);
  cp_agent_compliance_unexport (self);
  g_clear_object (&self->notifier);

  G_OBJECT_CLASS (cp_agent_compliance_parent_class)->dispose (object);
}

static void
cp_agent_compliance_finalize (GObject *object)
{
  CpAgentCompliance *self = CP_AGENT_COMPLIANCE (object);

  g_clear_object (&self->skeleton);
  g_clear_object (&self->enrollments);
  g_clear_object (&self->store);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_hash_table_unref (self->ops);
  g_free (self->host_root);

  G_OBJECT_CLASS (cp_agent_compliance_parent_class)->finalize (object);
}

static void
cp_agent_compliance_class_init (CpAgentComplianceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cp_agent_compliance_dispose;
  object_class->finalize = cp_agent_compliance_finalize;

  cp_agent_dbus_register_errors ();
}

static void
cp_agent_compliance_init (CpAgentCompliance *self)
{
  self->cancellable = g_cancellable_new ();
  self->ops = g_hash_table_new (g_str_hash, g_str_equal);
  self->session = cp_agent_soup_session_new ();
  self->skeleton = cp_agent_dbus_agent1_compliance_skeleton_new ();
  g_signal_connect_object (self->skeleton, "handle-evaluate",
                           G_CALLBACK (handle_evaluate_cb), self, 0);
  g_signal_connect_object (self->skeleton, "handle-get-compliance",
                           G_CALLBACK (handle_get_compliance_cb), self, 0);
}

CpAgentCompliance *
cp_agent_compliance_new (GApplication      *app,
                         CpEnrollmentStore *enrollments,
                         CpComplianceStore *store,
                         const char        *host_root)
{
  CpAgentCompliance *self;

  g_return_val_if_fail (G_IS_APPLICATION (app), NULL);

  self = g_object_new (CP_TYPE_AGENT_COMPLIANCE, NULL);
  self->app = app;
  self->enrollments = g_object_ref (enrollments);
  self->store = g_object_ref (store);
  self->host_root = g_strdup (host_root ? host_root : "/");
  self->notifier = cp_compliance_notifier_new (app);
  return self;
}

gboolean
cp_agent_compliance_export (CpAgentCompliance  *self,
                            GDBusConnection    *connection,
                            GError            **error)
{
  g_return_val_if_fail (CP_IS_AGENT_COMPLIANCE (self), FALSE);

  return g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton),
                                           connection, CP_AGENT_DBUS_PATH, error);
}

void
cp_agent_compliance_unexport (CpAgentCompliance *self)
{
  g_return_if_fail (CP_IS_AGENT_COMPLIANCE (self));

  if (self->skeleton != NULL &&
      g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->skeleton)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
}

void
cp_agent_compliance_checked_in (CpAgentCompliance *self,
                                const char        *server,
                                gboolean           background)
{
  g_return_if_fail (CP_IS_AGENT_COMPLIANCE (self));

  if (!g_cancellable_is_cancelled (self->cancellable))
    op_start (self, server, background, NULL);
}
