/* cp-install-reporter.c: signed install reports, queued on disk until sent
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "company-portal.h"
#include "cp-agent-service.h"
#include "cp-install-reporter.h"

#define FORMAT_VERSION        1
#define MAX_FILE_SIZE         (8 * 1024 * 1024)
/* Per device; beyond it the oldest reports give way (and are logged). */
#define MAX_QUEUED            2000
/* Per request; the server takes up to 1000. */
#define MAX_BATCH             100
#define MAX_TEXT_LEN          255
#define MAX_ERROR_MESSAGE_LEN 1024
#define MAX_RETRY_AFTER       3600
/* 16 random bytes, base64url: 22 characters the server takes as a reportId. */
#define REPORT_ID_BYTES       16
#define MAX_REPORT_ID_LEN     128

typedef struct
{
  guint64  seq;
  char    *report_id;      /* lets the server keep a report sent twice once */
  char    *server;
  char    *device_id;
  char    *app_id;
  char    *state;
  char    *error_message;  /* nullable */
  gint64   at;             /* unix seconds */
} Report;

struct _CpInstallReporter
{
  GObject            parent_instance;

  GApplication      *app;          /* not owned: the application owns us */
  CpEnrollmentStore *enrollments;
  char              *path;
  guint              retry_seconds;
  GPtrArray         *reports;      /* Report, oldest first */
  guint64            next_seq;
  SoupSession       *session;
  GCancellable      *cancellable;
  GHashTable        *sending;      /* servers with a request in flight */
  GHashTable        *again;        /* servers that got reports meanwhile */
  guint              retry_id;
};

G_DEFINE_FINAL_TYPE (CpInstallReporter, cp_install_reporter, G_TYPE_OBJECT)

/* One request: a batch of one server's reports. */
typedef struct
{
  CpInstallReporter *self;
  char              *server;
  char              *device_id;
  char              *path;
  GArray            *seqs;         /* guint64 */
  JsonNode          *body;
  SoupMessage       *message;
} Send;

static void     flush_server (CpInstallReporter *self,
                              const char        *server);
static gboolean retry_cb     (gpointer           user_data);
static void     save_queue   (CpInstallReporter *self);

static void
report_free (Report *report)
{
  g_free (report->report_id);
  g_free (report->server);
  g_free (report->device_id);
  g_free (report->app_id);
  g_free (report->state);
  g_free (report->error_message);
  g_free (report);
}

static const char *const report_states[] = {
  CP_INSTALL_REPORT_PENDING, CP_INSTALL_REPORT_INSTALLED, CP_INSTALL_REPORT_FAILED,
  CP_INSTALL_REPORT_NOT_INSTALLED, CP_INSTALL_REPORT_UNINSTALL_FAILED, NULL,
};

static char *
format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_seconds);

  return time ? g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

/* The server keeps at most MAX_ERROR_MESSAGE_LEN bytes: cut at a character. */
static char *
bounded_message (const char *message)
{
  const char *end;

  if (message == NULL || *message == '\0')
    return NULL;
  if (strlen (message) <= MAX_ERROR_MESSAGE_LEN)
    return g_strdup (message);
  end = g_utf8_find_prev_char (message, message + MAX_ERROR_MESSAGE_LEN);
  return g_strndup (message, end - message);
}

/* The wire form of one report: {"reportId","appId","state","errorMessage"?,"at"}. */
static JsonObject *
report_to_wire (const Report *report)
{
  JsonObject *object = json_object_new ();
  g_autofree char *at = format_time (report->at);

  json_object_set_string_member (object, "reportId", report->report_id);
  json_object_set_string_member (object, "appId", report->app_id);
  json_object_set_string_member (object, "state", report->state);
  if (report->error_message != NULL)
    json_object_set_string_member (object, "errorMessage", report->error_message);
  json_object_set_string_member (object, "at", at);
  return object;
}

/* The disk form adds where it goes. */
static JsonObject *
report_to_disk (const Report *report)
{
  JsonObject *object = report_to_wire (report);

  json_object_set_string_member (object, "server", report->server);
  json_object_set_string_member (object, "deviceId", report->device_id);
  return object;
}

static gboolean
read_text (JsonObject  *object,
           const char  *member,
           gboolean     required,
           gsize        max_len,
           char       **out)
{
  JsonNode *node = json_object_get_member (object, member);
  const char *text;

  if (node == NULL && !required)
    return TRUE;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  text = json_node_get_string (node);
  if (*text == '\0' || strlen (text) > max_len || !g_utf8_validate (text, -1, NULL))
    return FALSE;
  *out = g_strdup (text);
  return TRUE;
}

static gboolean
is_report_id (const char *text)
{
  return strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-") == strlen (text);
}

/* A queue written before reports had ids loads too: @assigned tells that
 * one was given here, so the queue must be saved before it is sent. */
static Report *
report_from_disk (JsonNode *node,
                  gboolean *assigned)
{
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *at = NULL;
  Report *report;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  report = g_new0 (Report, 1);
  if (!read_text (json_node_get_object (node), "reportId", FALSE, MAX_REPORT_ID_LEN, &report->report_id) ||
      (report->report_id != NULL && !is_report_id (report->report_id)) ||
      !read_text (json_node_get_object (node), "server", TRUE, 2048, &report->server) ||
      !read_text (json_node_get_object (node), "deviceId", TRUE, 128, &report->device_id) ||
      !read_text (json_node_get_object (node), "appId", TRUE, MAX_TEXT_LEN, &report->app_id) ||
      !read_text (json_node_get_object (node), "state", TRUE, 32, &report->state) ||
      !read_text (json_node_get_object (node), "errorMessage", FALSE, MAX_ERROR_MESSAGE_LEN,
                  &report->error_message) ||
      !read_text (json_node_get_object (node), "at", TRUE, 64, &at) ||
      !g_strv_contains (report_states, report->state) ||
      (time = g_date_time_new_from_iso8601 (at, NULL)) == NULL)
    {
      report_free (report);
      return NULL;
    }
  report->at = g_date_time_to_unix (time);
  if (report->report_id == NULL)
    {
      report->report_id = cp_random_token (REPORT_ID_BYTES);
      *assigned = TRUE;
    }
  return report;
}

static gboolean
parse_queue (CpInstallReporter  *self,
             const char         *text,
             gsize               length,
             gboolean           *assigned,
             GError            **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonArray *array;

  if (!json_parser_load_from_data (parser, text, length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    goto damaged;
  root = json_node_get_object (json_parser_get_root (parser));
  if (json_object_get_int_member_with_default (root, "version", 0) != FORMAT_VERSION ||
      !json_object_has_member (root, "reports") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "reports")))
    goto damaged;

  array = json_object_get_array_member (root, "reports");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      Report *report = report_from_disk (json_array_get_element (array, i), assigned);

      if (report == NULL)
        goto damaged;
      report->seq = self->next_seq++;
      g_ptr_array_add (self->reports, report);
    }
  return TRUE;

damaged:
  g_ptr_array_set_size (self->reports, 0);
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
               _("The queue of install reports %s is damaged"), self->path);
  return FALSE;
}

static void
load_queue (CpInstallReporter *self)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  gboolean assigned = FALSE;
  gsize length = 0;

  if (!g_file_get_contents (self->path, &text, &length, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_message ("Cannot read the queued install reports: %s", error->message);
      return;
    }

  if (length > MAX_FILE_SIZE || !parse_queue (self, text, length, &assigned, &error))
    {
      g_autofree char *aside = g_strconcat (self->path, ".damaged", NULL);

      /* Kept for support, never silently overwritten. */
      g_message ("The queue of install reports is damaged; it is kept as %s", aside);
      g_rename (self->path, aside);
    }
  else if (assigned)
    {
      /* The ids must survive a restart, or a re-sent report would look new. */
      save_queue (self);
    }
}

static void
save_queue (CpInstallReporter *self)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autofree char *text = NULL;

  for (guint i = 0; i < self->reports->len; i++)
    json_array_add_object_element (array, report_to_disk (g_ptr_array_index (self->reports, i)));
  json_object_set_int_member (root, "version", FORMAT_VERSION);
  json_object_set_array_member (root, "reports", g_steal_pointer (&array));
  json_node_set_object (node, root);
  text = json_to_string (node, FALSE);

  /* The reports stay in memory either way; only a restart would lose them. */
  if (g_mkdir_with_parents (dir, 0700) != 0)
    g_message ("Cannot save the queued install reports: %s", g_strerror (errno));
  else if (!g_file_set_contents_full (self->path, text, -1,
                                      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                      0600, &error))
    g_message ("Cannot save the queued install reports: %s", error->message);
}

static void
remove_reports (CpInstallReporter *self,
                GArray            *seqs)
{
  for (guint i = self->reports->len; i > 0; i--)
    {
      Report *report = g_ptr_array_index (self->reports, i - 1);

      for (guint j = 0; j < seqs->len; j++)
        if (report->seq == g_array_index (seqs, guint64, j))
          {
            g_ptr_array_remove_index (self->reports, i - 1);
            break;
          }
    }
}

/* Reports of a device that is no longer enrolled can never be delivered. */
static void
drop_orphans (CpInstallReporter *self,
              const char        *server)
{
  CpEnrollment *enrollment = cp_enrollment_store_lookup (self->enrollments, server);
  guint dropped = 0;

  for (guint i = self->reports->len; i > 0; i--)
    {
      Report *report = g_ptr_array_index (self->reports, i - 1);

      if (!g_str_equal (report->server, server) ||
          (enrollment != NULL && enrollment->state == CP_ENROLLMENT_ENROLLED &&
           g_strcmp0 (enrollment->device_id, report->device_id) == 0))
        continue;
      g_ptr_array_remove_index (self->reports, i - 1);
      dropped++;
    }

  if (dropped > 0)
    {
      g_message ("Dropped %u install reports for %s: the device is no longer enrolled there",
                 dropped, server);
      save_queue (self);
    }
}

static void
schedule_retry (CpInstallReporter *self,
                guint              seconds)
{
  if (self->retry_id != 0)
    return;
  g_debug ("Sending the queued install reports again in %u s", seconds);
  self->retry_id = g_timeout_add_seconds (MAX (seconds, 1), retry_cb, self);
}

static void
send_free (Send *send)
{
  g_clear_object (&send->message);
  g_clear_pointer (&send->body, json_node_unref);
  g_array_unref (send->seqs);
  g_free (send->server);
  g_free (send->device_id);
  g_free (send->path);
  g_object_unref (send->self);
  g_free (send);
}

/* Ends a request; when it delivered and more is queued, sends the rest. */
static void
send_done (Send     *send,
           gboolean  delivered,
           guint     retry_after)
{
  CpInstallReporter *self = send->self;
  g_autofree char *server = g_strdup (send->server);
  gboolean again = g_hash_table_remove (self->again, server);

  g_hash_table_remove (self->sending, server);
  send_free (send);

  if (!g_cancellable_is_cancelled (self->cancellable))
    {
      if (delivered || again)
        flush_server (self, server);
      else
        schedule_retry (self, retry_after > 0 ? retry_after : self->retry_seconds);
    }
  g_application_release (self->app);
}

static guint
parse_retry_after (SoupMessage *message)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                    "Retry-After");
  guint64 seconds = 0;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &seconds, NULL))
    return 0;
  return (guint) MIN (seconds, MAX_RETRY_AFTER);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Send *send = user_data;
  CpInstallReporter *self = send->self;
  g_autoptr(GInputStream) response = NULL;
  g_autoptr(GError) error = NULL;
  guint status;

  /* Only the status matters; the body is never read. */
  response = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (response == NULL)
    {
      g_debug ("Install reports to %s not sent: %s", send->server, error->message);
      send_done (send, FALSE, 0);
      return;
    }

  status = soup_message_get_status (send->message);
  g_debug ("%u install reports to %s: HTTP %u", send->seqs->len, send->server, status);

  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      remove_reports (self, send->seqs);
      save_queue (self);
      send_done (send, TRUE, 0);
    }
  else if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE ||
           status == SOUP_STATUS_BAD_REQUEST || status == SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE ||
           status == SOUP_STATUS_UNPROCESSABLE_ENTITY)
    {
      /* The server will never take these: keeping them would block the rest. */
      g_message ("%s refused %u install reports (HTTP %u); they are dropped",
                 send->server, send->seqs->len, status);
      remove_reports (self, send->seqs);
      save_queue (self);
      send_done (send, TRUE, 0);
    }
  else
    {
      send_done (send, FALSE, parse_retry_after (send->message));
    }
}

static void
key_loaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Send *send = user_data;
  g_autoptr(CpDeviceKey) key = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *url = NULL;
  char *compact;

  key = cp_device_key_load_finish (result, &error);
  if (key == NULL)
    {
      g_message ("Install reports to %s wait: %s", send->server,
                 error ? error->message : "the device key is missing from the keyring");
      send_done (send, FALSE, 0);
      return;
    }

  compact = cp_device_request_sign (cp_device_key_get_jwk (key), send->device_id, "POST",
                                    send->path, send->body, g_get_real_time () / G_USEC_PER_SEC,
                                    &error);
  if (compact == NULL)
    {
      g_message ("Cannot sign the install reports to %s: %s", send->server, error->message);
      send_done (send, FALSE, 0);
      return;
    }

  url = g_strconcat (send->server, send->path, NULL);
  send->message = soup_message_new ("POST", url);
  bytes = g_bytes_new_take (compact, strlen (compact));
  soup_message_set_request_body_from_bytes (send->message, CP_DEVICE_REQUEST_CONTENT_TYPE, bytes);
  soup_message_headers_replace (soup_message_get_request_headers (send->message),
                                "Accept", "application/json, application/problem+json");
  soup_session_send_async (send->self->session, send->message, G_PRIORITY_DEFAULT,
                           send->self->cancellable, sent_cb, send);
}

static JsonNode *
build_body (CpInstallReporter *self,
            const char        *server,
            const char        *device_id,
            GArray            *seqs)
{
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonObject) body = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  for (guint i = 0; i < self->reports->len && seqs->len < MAX_BATCH; i++)
    {
      Report *report = g_ptr_array_index (self->reports, i);

      if (!g_str_equal (report->server, server) || !g_str_equal (report->device_id, device_id))
        continue;
      json_array_add_object_element (array, report_to_wire (report));
      g_array_append_val (seqs, report->seq);
    }
  json_object_set_array_member (body, "reports", g_steal_pointer (&array));
  json_node_set_object (node, body);
  return node;
}

/* Sends the oldest MAX_BATCH reports of @server, one request at a time. */
static void
flush_server (CpInstallReporter *self,
              const char        *server)
{
  CpEnrollment *enrollment;
  Send *send;

  if (g_hash_table_contains (self->sending, server))
    {
      g_hash_table_add (self->again, g_strdup (server));
      return;
    }

  drop_orphans (self, server);
  enrollment = cp_enrollment_store_lookup (self->enrollments, server);
  if (enrollment == NULL || enrollment->state != CP_ENROLLMENT_ENROLLED)
    return;

  send = g_new0 (Send, 1);
  send->self = g_object_ref (self);
  send->server = g_strdup (server);
  send->device_id = g_strdup (enrollment->device_id);
  send->seqs = g_array_new (FALSE, FALSE, sizeof (guint64));
  send->body = build_body (self, server, send->device_id, send->seqs);
  if (send->seqs->len == 0)
    {
      send_free (send);
      return;
    }

  send->path = g_strdup_printf ("/v1/devices/%s/installs", send->device_id);
  g_hash_table_add (self->sending, g_strdup (server));
  g_application_hold (self->app);
  cp_device_key_load_async (server, send->device_id, self->cancellable, key_loaded_cb, send);
}

static void
flush_all (CpInstallReporter *self)
{
  g_autoptr(GPtrArray) servers = g_ptr_array_new_with_free_func (g_free);

  /* Copied first: flushing may drop reports, and with them their strings. */
  for (guint i = 0; i < self->reports->len; i++)
    {
      const char *server = ((Report *) g_ptr_array_index (self->reports, i))->server;

      if (!g_ptr_array_find_with_equal_func (servers, server, g_str_equal, NULL))
        g_ptr_array_add (servers, g_strdup (server));
    }
  for (guint i = 0; i < servers->len; i++)
    flush_server (self, g_ptr_array_index (servers, i));
}

static gboolean
retry_cb (gpointer user_data)
{
  CpInstallReporter *self = user_data;

  self->retry_id = 0;
  flush_all (self);
  return G_SOURCE_REMOVE;
}

/* Keeps the newest MAX_QUEUED reports of a device. */
static void
enforce_limit (CpInstallReporter *self,
               const char        *server,
               const char        *device_id)
{
  guint count = 0;

  for (guint i = self->reports->len; i > 0; i--)
    {
      Report *report = g_ptr_array_index (self->reports, i - 1);

      if (!g_str_equal (report->server, server) || !g_str_equal (report->device_id, device_id))
        continue;
      if (++count > MAX_QUEUED)
        {
          g_message ("Too many install reports wait for %s; the oldest is dropped", server);
          g_ptr_array_remove_index (self->reports, i - 1);
        }
    }
}

/* GObject */

static void
cp_install_reporter_dispose (GObject *object)
{
  CpInstallReporter *self = CP_INSTALL_REPORTER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->retry_id, g_source_remove);

  G_OBJECT_CLASS (cp_install_reporter_parent_class)->dispose (object);
}

static void
cp_install_reporter_finalize (GObject *object)
{
  CpInstallReporter *self = CP_INSTALL_REPORTER (object);

  g_clear_object (&self->enrollments);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_ptr_array_unref (self->reports);
  g_hash_table_unref (self->sending);
  g_hash_table_unref (self->again);
  g_free (self->path);

  G_OBJECT_CLASS (cp_install_reporter_parent_class)->finalize (object);
}

static void
cp_install_reporter_class_init (CpInstallReporterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cp_install_reporter_dispose;
  object_class->finalize = cp_install_reporter_finalize;
}

static void
cp_install_reporter_init (CpInstallReporter *self)
{
  self->reports = g_ptr_array_new_with_free_func ((GDestroyNotify) report_free);
  self->sending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->again = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  self->session = cp_agent_soup_session_new ();
}

/* Public API */

char *
cp_install_reporter_default_path (void)
{
  return g_build_filename (g_get_user_state_dir (), "company-portal", "agent",
                           "install-reports.json", NULL);
}

CpInstallReporter *
cp_install_reporter_new (GApplication      *app,
                         CpEnrollmentStore *enrollments,
                         const char        *path,
                         guint              retry_seconds)
{
  CpInstallReporter *self;

  g_return_val_if_fail (G_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (CP_IS_ENROLLMENT_STORE (enrollments), NULL);

  self = g_object_new (CP_TYPE_INSTALL_REPORTER, NULL);
  self->app = app;
  self->enrollments = g_object_ref (enrollments);
  self->path = path ? g_strdup (path) : cp_install_reporter_default_path ();
  self->retry_seconds = retry_seconds > 0 ? retry_seconds : CP_INSTALL_REPORTER_DEFAULT_RETRY;
  return self;
}

void
cp_install_reporter_start (CpInstallReporter *self)
{
  g_return_if_fail (CP_IS_INSTALL_REPORTER (self));

  load_queue (self);
  if (self->reports->len > 0)
    g_debug ("%u install reports wait from an earlier run", self->reports->len);
  flush_all (self);
}

gboolean
cp_install_reporter_add (CpInstallReporter *self,
                         const char        *server,
                         const char        *app_id,
                         const char        *state,
                         const char        *error_message)
{
  CpEnrollment *enrollment;
  Report *report;

  g_return_val_if_fail (CP_IS_INSTALL_REPORTER (self), FALSE);
  g_return_val_if_fail (server != NULL && app_id != NULL, FALSE);
  g_return_val_if_fail (g_strv_contains (report_states, state), FALSE);

  enrollment = cp_enrollment_store_lookup (self->enrollments, server);
  if (enrollment == NULL || enrollment->state != CP_ENROLLMENT_ENROLLED)
    {
      g_message ("This device is not enrolled with %s: %s of %s is not reported",
                 server, state, app_id);
      return FALSE;
    }

  report = g_new0 (Report, 1);
  report->seq = self->next_seq++;
  report->report_id = cp_random_token (REPORT_ID_BYTES);
  report->server = g_strdup (server);
  report->device_id = g_strdup (enrollment->device_id);
  report->app_id = g_strdup (app_id);
  report->state = g_strdup (state);
  report->error_message = bounded_message (error_message);
  report->at = g_get_real_time () / G_USEC_PER_SEC;
  g_ptr_array_add (self->reports, report);
  enforce_limit (self, server, enrollment->device_id);

  /* On disk before it is sent: a crash in between loses nothing. */
  save_queue (self);
  flush_server (self, server);
  return TRUE;
}

guint
cp_install_reporter_get_n_queued (CpInstallReporter *self)
{
  g_return_val_if_fail (CP_IS_INSTALL_REPORTER (self), 0);
  return self->reports->len;
}
