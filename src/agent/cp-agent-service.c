/* cp-agent-service.c: the io.github.companyportal.Agent1 object
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "company-portal.h"
#include "cp-agent-dbus.h"
#include "cp-agent-errors.h"
#include "cp-agent-service.h"

#define MAX_SERVER_URL_LEN   2048
#define MAX_DEVICE_ID_LEN    128
#define HTTP_TIMEOUT_SECONDS 30
/* After a failed background check-in, try again this soon (or at the interval if shorter). */
#define RETRY_SECONDS        (15 * 60)

struct _CpAgentService
{
  GObject             parent_instance;

  GApplication       *app;          /* not owned: the application owns us */
  CpAgentDbusAgent1  *skeleton;
  CpEnrollmentStore  *store;
  SoupSession        *session;
  GCancellable       *cancellable;
  char               *host_root;
  guint               check_in_interval;
  guint               schedule_id;
  GHashTable         *busy;         /* servers with an operation running */
  GHashTable         *attempts;     /* server → last background attempt (unix seconds) */
};

G_DEFINE_FINAL_TYPE (CpAgentService, cp_agent_service, G_TYPE_OBJECT)

SoupSession *
cp_agent_soup_session_new (void)
{
  g_autoptr(GError) ca_error = NULL;
  SoupSession *session = cp_soup_session_new ("company-portal-agent/" PACKAGE_VERSION,
                                              HTTP_TIMEOUT_SECONDS, &ca_error);

  /* Verification stays on with the system's authorities. */
  if (ca_error != NULL)
    g_message ("The organisation's CA file is not used: %s", ca_error->message);

  return session;
}

enum { CHECK_IN_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct _Call Call;
/* The next step of an operation, once the previous one succeeded. */
typedef void (*CallStep) (Call *call);

/* One running operation for one server, from a D-Bus call or the schedule. */
struct _Call
{
  CpAgentService        *self;
  GDBusMethodInvocation *invocation;  /* NULL for background check-ins */
  char                  *server;
  char                  *device_id;
  CpDeviceKey           *key;
  SoupMessage           *message;
  char                  *path;
  gboolean               exclusive;   /* holds the server's busy mark */
  CallStep               next;        /* after the keyring operation under way */
  gboolean               best_effort; /* a failed key deletion does not fail it */
};

static void schedule_check_ins (CpAgentService *self);

static void
call_free (Call *call)
{
  /* Any operation may have changed what is due next. */
  if (call->exclusive)
    g_hash_table_remove (call->self->busy, call->server);
  if (!g_cancellable_is_cancelled (call->self->cancellable))
    schedule_check_ins (call->self);
  g_application_release (call->self->app);

  g_clear_object (&call->invocation);
  g_clear_object (&call->key);
  g_clear_object (&call->message);
  g_free (call->server);
  g_free (call->device_id);
  g_free (call->path);
  g_object_unref (call->self);
  g_free (call);
}

static void
call_return_error (Call   *call,
                   GError *error)
{
  g_debug ("%s: %s", call->server, error->message);
  if (call->invocation != NULL)
    g_dbus_method_invocation_return_gerror (call->invocation, error);
  g_error_free (error);
  call_free (call);
}

static void
call_return_value (Call     *call,
                   GVariant *value)
{
  if (call->invocation != NULL)
    g_dbus_method_invocation_return_value (call->invocation, value);
  else if (value != NULL)
    g_variant_unref (g_variant_ref_sink (value));
  call_free (call);
}

static GVariant *
call_state (Call *call)
{
  return cp_enrollment_to_variant (cp_enrollment_store_lookup (call->self->store, call->server),
                                   call->server);
}

/* https anywhere, plain http only on loopback (tests, local demos): never a path or a command. */
static char *
normalize_server_url (const char  *text,
                      GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *path = NULL;
  g_autofree char *host = NULL;
  const char *scheme;
  gboolean loopback;
  int port;

  /* Normalised (case, default port, dot segments) because the URL keys the
   * keyring item, the record and the machine-id salt. */
  if (text == NULL || strlen (text) > MAX_SERVER_URL_LEN ||
      !(uri = g_uri_parse (text, G_URI_FLAGS_SCHEME_NORMALIZE, NULL)))
    goto invalid;

  scheme = g_uri_get_scheme (uri);
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      g_uri_get_userinfo (uri) != NULL ||
      g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    goto invalid;
  host = g_ascii_strdown (g_uri_get_host (uri), -1);

  loopback = g_str_equal (host, "127.0.0.1") || g_str_equal (host, "::1") ||
             g_ascii_strcasecmp (host, "localhost") == 0;
  if (!g_str_equal (scheme, "https") && !(g_str_equal (scheme, "http") && loopback))
    goto invalid;

  path = g_strdup (g_uri_get_path (uri));
  while (*path != '\0' && path[strlen (path) - 1] == '/')
    path[strlen (path) - 1] = '\0';

  /* GUri reports the scheme's default port when none was given: leave it out. */
  port = g_uri_get_port (uri);
  if ((g_str_equal (scheme, "https") && port == 443) || (g_str_equal (scheme, "http") && port == 80))
    port = -1;

  return g_uri_join (G_URI_FLAGS_NONE, scheme, NULL, host, port, path, NULL, NULL);

invalid:
  g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                       _("The server address must be an https:// address"));
  return NULL;
}

/* Ids go into URL paths unescaped, so only unreserved characters are allowed. */
static gboolean
validate_device_id (const char  *id,
                    GError     **error)
{
  gsize len = id ? strlen (id) : 0;

  if (len == 0 || len > MAX_DEVICE_ID_LEN ||
      strspn (id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~-") != len)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                           _("The device id given by the server is not valid"));
      return FALSE;
    }

  return TRUE;
}

static Call *
call_new (CpAgentService        *self,
          GDBusMethodInvocation *invocation,
          const char            *server,
          gboolean               exclusive)
{
  Call *call = g_new0 (Call, 1);

  call->self = g_object_ref (self);
  call->invocation = invocation ? g_object_ref (invocation) : NULL;
  call->server = g_strdup (server);
  call->exclusive = exclusive;
  if (exclusive)
    g_hash_table_add (self->busy, g_strdup (server));
  g_application_hold (self->app);

  return call;
}

/* Validates the server URL and, for @exclusive operations, claims the server;
 * NULL after replying with an error. */
static Call *
call_begin (CpAgentService        *self,
            GDBusMethodInvocation *invocation,
            const char            *server_url,
            gboolean               exclusive)
{
  g_autofree char *server = NULL;
  GError *error = NULL;

  if (!(server = normalize_server_url (server_url, &error)))
    {
      g_dbus_method_invocation_take_error (invocation, error);
      return NULL;
    }

  /* One operation per server at a time: a check-in never races an unenrollment. */
  if (exclusive && g_hash_table_contains (self->busy, server))
    {
      g_dbus_method_invocation_return_error_literal (invocation, CP_ERROR, CP_ERROR_CONFLICT,
                                                     _("The device agent is busy with this "
                                                       "organisation; try again in a moment"));
      return NULL;
    }

  return call_new (self, invocation, server, exclusive);
}

/* Every Agent1 method: @start runs once the call owns its server (if @exclusive). */
static gboolean
run_call (CpAgentService        *self,
          GDBusMethodInvocation *invocation,
          const char            *server_url,
          const char            *device_id,
          gboolean               exclusive,
          CallStep               start)
{
  Call *call = call_begin (self, invocation, server_url, exclusive);

  if (call != NULL)
    {
      call->device_id = g_strdup (device_id);
      start (call);
    }
  return TRUE;
}

static void
notify_changed (Call *call)
{
  CpAgentService *self = call->self;
  g_auto(GStrv) servers = cp_enrollment_store_dup_servers (self->store);

  cp_agent_dbus_agent1_set_servers (self->skeleton, (const char * const *) servers);
  cp_agent_dbus_agent1_emit_enrollment_changed (self->skeleton, call_state (call));
}

/* Saves the record; on failure replies with the error and frees @call. */
static gboolean
save_or_fail (Call *call)
{
  GError *error = NULL;

  if (!cp_enrollment_store_save (call->self->store, &error))
    {
      call_return_error (call, error);
      return FALSE;
    }

  notify_changed (call);
  return TRUE;
}

static void
return_state (Call *call)
{
  call_return_value (call, g_variant_new ("(@a{sv})", call_state (call)));
}

static void
return_nothing (Call *call)
{
  call_return_value (call, NULL);
}

/* The keyring steps: each goes on with @next, or replies with the error. */

static void
key_stored_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Call *call = user_data;
  GError *error = NULL;

  if (!cp_device_key_store_finish (call->key, result, &error))
    {
      call_return_error (call, error);
      return;
    }
  call->next (call);
}

static void
store_key (Call       *call,
           const char *device_id,
           CallStep    next)
{
  call->next = next;
  cp_device_key_store_async (call->key, device_id, call->self->cancellable, key_stored_cb, call);
}

static void
key_deleted_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Call *call = user_data;
  GError *error = NULL;

  if (!cp_device_key_delete_finish (result, &error))
    {
      if (!call->best_effort)
        {
          call_return_error (call, error);
          return;
        }
      /* Done either way: a leftover pending copy is replaced by the next
       * enrollment and removed by Unenroll; a removed device's key is useless. */
      g_debug ("Could not delete a device key: %s", error->message);
      g_error_free (error);
    }
  call->next (call);
}

static void
delete_key (Call       *call,
            const char *device_id,
            gboolean    best_effort,
            CallStep    next)
{
  call->next = next;
  call->best_effort = best_effort;
  cp_device_key_delete_async (call->server, device_id, call->self->cancellable, key_deleted_cb, call);
}

/* GetDeviceFacts */

static void
facts_collected_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(CpDeviceFacts) facts = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *json = NULL;
  GError *error = NULL;

  if (!(facts = cp_device_facts_collect_finish (result, &error)))
    {
      call_return_error (call, error);
      return;
    }

  object = cp_device_facts_to_json (facts);
  json_node_set_object (node, object);
  json = json_to_string (node, FALSE);
  call_return_value (call, g_variant_new ("(s)", json));
}

static void
collect_facts (Call *call)
{
  cp_device_facts_collect_async (call->self->host_root, call->server, call->self->cancellable,
                                 facts_collected_cb, call);
}

/* CreateDeviceKey */

static void
pending_key_stored (Call *call)
{
  CpEnrollment *enrollment = cp_enrollment_store_ensure (call->self->store, call->server);
  g_autofree char *public_json = NULL;

  enrollment->state = CP_ENROLLMENT_ENROLLING;
  g_clear_pointer (&enrollment->device_id, g_free);
  g_clear_pointer (&enrollment->last_error, g_free);
  g_free (enrollment->thumbprint);
  enrollment->thumbprint = g_strdup (cp_device_key_get_thumbprint (call->key));
  enrollment->enrolled_at = 0;
  enrollment->last_check_in = 0;

  if (!save_or_fail (call))
    return;

  public_json = cp_device_key_dup_public_json (call->key);
  call_return_value (call, g_variant_new ("(s)", public_json));
}

static void
create_device_key (Call *call)
{
  CpEnrollment *enrollment = cp_enrollment_store_lookup (call->self->store, call->server);
  GError *error = NULL;

  if (enrollment != NULL && enrollment->state == CP_ENROLLMENT_ENROLLED)
    {
      call_return_error (call, g_error_new_literal (CP_ERROR, CP_ERROR_CONFLICT,
                                                    _("This device is already enrolled with "
                                                      "this organisation; remove it first")));
      return;
    }

  if (!(call->key = cp_device_key_generate (call->server, &error)))
    {
      call_return_error (call, error);
      return;
    }

  /* Stored before anyone sees the public half, so the server never holds a key we lost. */
  store_key (call, CP_DEVICE_KEY_PENDING, pending_key_stored);
}

/* CompleteEnrollment */

static void
bound_key_stored (Call *call)
{
  CpEnrollment *enrollment = cp_enrollment_store_ensure (call->self->store, call->server);

  enrollment->state = CP_ENROLLMENT_ENROLLED;
  g_free (enrollment->device_id);
  enrollment->device_id = g_strdup (call->device_id);
  enrollment->enrolled_at = g_get_real_time () / G_USEC_PER_SEC;
  if (!save_or_fail (call))
    return;

  delete_key (call, CP_DEVICE_KEY_PENDING, TRUE, return_state);
}

static void
pending_key_loaded_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Call *call = user_data;
  CpEnrollment *enrollment = cp_enrollment_store_lookup (call->self->store, call->server);
  GError *error = NULL;

  call->key = cp_device_key_load_finish (result, &error);
  if (error != NULL)
    {
      call_return_error (call, error);
      return;
    }

  if (call->key == NULL ||
      g_strcmp0 (cp_device_key_get_thumbprint (call->key), enrollment->thumbprint) != 0)
    {
      call_return_error (call, g_error_new_literal (CP_ERROR, CP_ERROR_NOT_FOUND,
                                                    _("The device key of this enrollment is "
                                                      "missing; start the enrollment again")));
      return;
    }

  store_key (call, call->device_id, bound_key_stored);
}

static void
complete_enrollment (Call *call)
{
  CpEnrollment *enrollment = cp_enrollment_store_lookup (call->self->store, call->server);
  GError *error = NULL;

  if (!validate_device_id (call->device_id, &error))
    {
      call_return_error (call, error);
      return;
    }

  /* A retry after a lost reply: already done, same answer. */
  if (enrollment != NULL && enrollment->state == CP_ENROLLMENT_ENROLLED &&
      g_strcmp0 (enrollment->device_id, call->device_id) == 0)
    {
      return_state (call);
      return;
    }

  if (enrollment == NULL || enrollment->state != CP_ENROLLMENT_ENROLLING)
    {
      call_return_error (call, g_error_new_literal (CP_ERROR, CP_ERROR_CONFLICT,
                                                    _("No enrollment is in progress for this "
                                                      "organisation; start it again")));
      return;
    }

  cp_device_key_load_async (call->server, CP_DEVICE_KEY_PENDING, call->self->cancellable,
                            pending_key_loaded_cb, call);
}

static gboolean
handle_complete_enrollment_cb (CpAgentDbusAgent1     *skeleton,
                               GDBusMethodInvocation *invocation,
                               const char            *server_url,
                               const char            *device_id,
                               CpAgentService        *self)
{
  return run_call (self, invocation, server_url, device_id, TRUE, complete_enrollment);
}

/* AbortEnrollment */

static void
forget_pending_enrollment (Call *call)
{
  CpEnrollment *enrollment = cp_enrollment_store_lookup (call->self->store, call->server);

  if (enrollment != NULL && enrollment->state == CP_ENROLLMENT_ENROLLING)
    {
      cp_enrollment_store_remove (call->self->store, call->server);
      if (!save_or_fail (call))
        return;
    }

  return_nothing (call);
}

static void
abort_enrollment (Call *call)
{
  delete_key (call, CP_DEVICE_KEY_PENDING, FALSE, forget_pending_enrollment);
}

/* CheckIn */

static GError *
error_for_status (guint status)
{
  if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN)
    return g_error_new_literal (CP_ERROR, CP_ERROR_SECURITY,
                                _("The server refused this device’s signature"));
  if (status == 429 || status == SOUP_STATUS_SERVICE_UNAVAILABLE)
    return g_error_new_literal (CP_ERROR, CP_ERROR_RATE_LIMITED,
                                _("The server is busy; the device will check in again later"));
  if (status >= 500)
    return g_error_new (CP_ERROR, CP_ERROR_SERVER,
                        _("The server failed to record the check-in (HTTP %u)"), status);
  return g_error_new (CP_ERROR, CP_ERROR_FAILED,
                      _("The server refused the check-in (HTTP %u)"), status);
}

static GError *
error_for_transport (GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new_literal (CP_ERROR, CP_ERROR_TIMED_OUT, _("The server did not answer in time"));
  if (error->domain == G_TLS_ERROR)
    return g_error_new_literal (CP_ERROR, CP_ERROR_TLS, _("The server’s certificate is not trusted"));
  return g_error_new (CP_ERROR, CP_ERROR_NETWORK, _("Cannot reach the server: %s"), error->message);
}

static void
check_in_done (Call   *call,
               GError *error)
{
  CpEnrollment *enrollment = cp_enrollment_store_lookup (call->self->store, call->server);

  g_signal_emit (call->self, signals[CHECK_IN_FINISHED], 0, call->server, call->invocation == NULL);

  g_free (enrollment->last_error);
  enrollment->last_error = error ? g_strdup (error->message) : NULL;
  if (error == NULL)
    enrollment->last_check_in = g_get_real_time () / G_USEC_PER_SEC;

  if (!save_or_fail (call))
    {
      g_clear_error (&error);
      return;
    }

  if (error != NULL)
    call_return_error (call, error);
  else
    return_state (call);
}

static void
device_removed (Call *call)
{
  CpEnrollment *enrollment = cp_enrollment_store_lookup (call->self->store, call->server);

  /* The key can never be used again; the record stays so the window can say why. */
  enrollment->state = CP_ENROLLMENT_REMOVED;
  g_free (enrollment->last_error);
  enrollment->last_error = g_strdup (_("Your organisation removed this device"));
  if (!save_or_fail (call))
    return;

  delete_key (call, call->device_id, TRUE, return_state);
}

static void
check_in_sent_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GInputStream) response = NULL;
  g_autoptr(GError) error = NULL;
  guint status;

  /* Only the status matters; the body is never read, so its size cannot hurt. */
  response = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (response == NULL)
    {
      if (cp_error_is_cancelled (error))
        call_return_error (call, g_steal_pointer (&error));
      else
        check_in_done (call, error_for_transport (error));
      return;
    }

  status = soup_message_get_status (call->message);
  g_debug ("Check-in with %s: HTTP %u", call->server, status);

  if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE)
    device_removed (call);
  else if (SOUP_STATUS_IS_SUCCESSFUL (status))
    check_in_done (call, NULL);
  else
    check_in_done (call, error_for_status (status));
}

static JsonNode *
build_check_in_body (CpDeviceFacts *facts)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (body, "agentVersion", PACKAGE_VERSION);
  json_object_set_object_member (body, "facts", cp_device_facts_to_json (facts));
  json_node_set_object (node, body);
  return node;
}

static void
check_in_facts_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(CpDeviceFacts) facts = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *url = NULL;
  char *compact;
  GError *error = NULL;

  if (!(facts = cp_device_facts_collect_finish (result, &error)))
    {
      call_return_error (call, error);
      return;
    }

  body = build_check_in_body (facts);
  compact = cp_device_request_sign (cp_device_key_get_jwk (call->key), call->device_id, "POST",
                                    call->path, body, g_get_real_time () / G_USEC_PER_SEC, &error);
  if (compact == NULL)
    {
      call_return_error (call, error);
      return;
    }

  url = g_strconcat (call->server, call->path, NULL);
  call->message = soup_message_new ("POST", url);
  bytes = g_bytes_new_take (compact, strlen (compact));
  soup_message_set_request_body_from_bytes (call->message, CP_DEVICE_REQUEST_CONTENT_TYPE, bytes);
  soup_message_headers_replace (soup_message_get_request_headers (call->message),
                                "Accept", "application/json, application/problem+json");

  soup_session_send_async (call->self->session, call->message, G_PRIORITY_DEFAULT,
                           call->self->cancellable, check_in_sent_cb, call);
}

static void
check_in_key_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Call *call = user_data;
  GError *error = NULL;

  call->key = cp_device_key_load_finish (result, &error);
  if (error != NULL)
    {
      call_return_error (call, error);
      return;
    }

  if (call->key == NULL)
    {
      check_in_done (call, g_error_new_literal (CP_ERROR, CP_ERROR_KEYRING,
                                                _("The device key is missing from the keyring; "
                                                  "remove this device and enroll it again")));
      return;
    }

  cp_device_facts_collect_async (call->self->host_root, call->server, call->self->cancellable,
                                 check_in_facts_cb, call);
}

static void
check_in_start (Call *call)
{
  CpEnrollment *enrollment = cp_enrollment_store_lookup (call->self->store, call->server);

  if (enrollment == NULL || enrollment->state != CP_ENROLLMENT_ENROLLED)
    {
      call_return_error (call, g_error_new_literal (CP_ERROR, CP_ERROR_NOT_FOUND,
                                                    _("This device is not enrolled with this "
                                                      "organisation")));
      return;
    }

  call->device_id = g_strdup (enrollment->device_id);
  call->path = g_strdup_printf ("/v1/devices/%s/check-ins", call->device_id);
  cp_device_key_load_async (call->server, call->device_id, call->self->cancellable,
                            check_in_key_cb, call);
}

/* Unenroll */

static void
forget_enrollment (Call *call)
{
  /* The record goes last: if the agent dies before, Unenroll can simply run again. */
  cp_enrollment_store_remove (call->self->store, call->server);
  if (!save_or_fail (call))
    return;

  return_nothing (call);
}

static void
delete_pending_key (Call *call)
{
  delete_key (call, CP_DEVICE_KEY_PENDING, FALSE, forget_enrollment);
}

static void
unenroll (Call *call)
{
  CpEnrollment *enrollment = cp_enrollment_store_lookup (call->self->store, call->server);

  if (enrollment != NULL && enrollment->device_id != NULL)
    delete_key (call, enrollment->device_id, FALSE, delete_pending_key);
  else
    delete_pending_key (call);
}

/* The Agent1 methods that take only a server URL. */
static const struct
{
  const char *method;
  const char *signal;
  gboolean    exclusive;   /* read-only ones run next to anything else for the server */
  CallStep    start;
} server_methods[] = {
  { "GetDeviceFacts",  "handle-get-device-facts",  FALSE, collect_facts },
  { "GetEnrollment",   "handle-get-enrollment",    FALSE, return_state },
  { "CreateDeviceKey", "handle-create-device-key", TRUE,  create_device_key },
  { "AbortEnrollment", "handle-abort-enrollment",  TRUE,  abort_enrollment },
  { "CheckIn",         "handle-check-in",          TRUE,  check_in_start },
  { "Unenroll",        "handle-unenroll",          TRUE,  unenroll },
};

static gboolean
handle_server_method_cb (CpAgentDbusAgent1     *skeleton,
                         GDBusMethodInvocation *invocation,
                         const char            *server_url,
                         CpAgentService        *self)
{
  const char *method = g_dbus_method_invocation_get_method_name (invocation);

  for (guint i = 0; i < G_N_ELEMENTS (server_methods); i++)
    if (g_str_equal (method, server_methods[i].method))
      return run_call (self, invocation, server_url, NULL, server_methods[i].exclusive,
                       server_methods[i].start);

  g_return_val_if_reached (FALSE);
}

/* The background schedule */

static gint64
next_check_in (CpAgentService *self,
               CpEnrollment   *enrollment)
{
  gint64 due = MAX (enrollment->last_check_in, enrollment->enrolled_at) + self->check_in_interval;
  gint64 attempt = GPOINTER_TO_SIZE (g_hash_table_lookup (self->attempts, enrollment->server));

  if (attempt > 0)
    due = MAX (due, attempt + MIN (self->check_in_interval, RETRY_SECONDS));
  return due;
}

static gboolean
scheduled_cb (gpointer user_data)
{
  CpAgentService *self = user_data;
  g_auto(GStrv) servers = cp_enrollment_store_dup_servers (self->store);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gboolean started = FALSE;

  self->schedule_id = 0;

  for (guint i = 0; servers[i] != NULL; i++)
    {
      CpEnrollment *enrollment = cp_enrollment_store_lookup (self->store, servers[i]);

      if (enrollment->state != CP_ENROLLMENT_ENROLLED || next_check_in (self, enrollment) > now ||
          g_hash_table_contains (self->busy, servers[i]))
        continue;

      g_debug ("Background check-in with %s", servers[i]);
      g_hash_table_insert (self->attempts, g_strdup (servers[i]), GSIZE_TO_POINTER (now));
      check_in_start (call_new (self, NULL, servers[i], TRUE));
      started = TRUE;
    }

  /* Each check-in reschedules when it ends; otherwise look again later. */
  if (!started)
    schedule_check_ins (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_check_ins (CpAgentService *self)
{
  g_auto(GStrv) servers = cp_enrollment_store_dup_servers (self->store);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 next = G_MAXINT64;

  g_clear_handle_id (&self->schedule_id, g_source_remove);

  for (guint i = 0; servers[i] != NULL; i++)
    {
      CpEnrollment *enrollment = cp_enrollment_store_lookup (self->store, servers[i]);

      if (enrollment->state == CP_ENROLLMENT_ENROLLED && !g_hash_table_contains (self->busy, servers[i]))
        next = MIN (next, next_check_in (self, enrollment));
    }

  if (next == G_MAXINT64)
    return;

  self->schedule_id = g_timeout_add_seconds ((guint) CLAMP (next - now, 1, G_MAXINT32),
                                             scheduled_cb, self);
}

/* GObject */

static void
cp_agent_service_dispose (GObject *object)
{
  CpAgentService *self = CP_AGENT_SERVICE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->schedule_id, g_source_remove);
  cp_agent_service_unexport (self);

  G_OBJECT_CLASS (cp_agent_service_parent_class)->dispose (object);
}

static void
cp_agent_service_finalize (GObject *object)
{
  CpAgentService *self = CP_AGENT_SERVICE (object);

  g_clear_handle_id (&self->schedule_id, g_source_remove);
  g_clear_object (&self->skeleton);
  g_clear_object (&self->store);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_free (self->host_root);
  g_hash_table_unref (self->busy);
  g_hash_table_unref (self->attempts);

  G_OBJECT_CLASS (cp_agent_service_parent_class)->finalize (object);
}

static void
cp_agent_service_class_init (CpAgentServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cp_agent_service_dispose;
  object_class->finalize = cp_agent_service_finalize;

  signals[CHECK_IN_FINISHED] =
    g_signal_new ("check-in-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);

  cp_agent_dbus_register_errors ();
}

static void
cp_agent_service_init (CpAgentService *self)
{
  self->cancellable = g_cancellable_new ();
  self->busy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->attempts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->session = cp_agent_soup_session_new ();
  self->skeleton = cp_agent_dbus_agent1_skeleton_new ();

  for (guint i = 0; i < G_N_ELEMENTS (server_methods); i++)
    g_signal_connect_object (self->skeleton, server_methods[i].signal,
                             G_CALLBACK (handle_server_method_cb), self, 0);
  g_signal_connect_object (self->skeleton, "handle-complete-enrollment",
                           G_CALLBACK (handle_complete_enrollment_cb), self, 0);
}

CpAgentService *
cp_agent_service_new (GApplication      *app,
                      CpEnrollmentStore *store,
                      const char        *host_root,
                      guint              check_in_interval)
{
  CpAgentService *self;
  g_auto(GStrv) servers = NULL;

  g_return_val_if_fail (G_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (CP_IS_ENROLLMENT_STORE (store), NULL);

  self = g_object_new (CP_TYPE_AGENT_SERVICE, NULL);
  self->app = app;
  self->store = g_object_ref (store);
  self->host_root = g_strdup (host_root != NULL ? host_root : "/");
  self->check_in_interval = MAX (check_in_interval, 1);

  servers = cp_enrollment_store_dup_servers (store);
  cp_agent_dbus_agent1_set_version (self->skeleton, PACKAGE_VERSION);
  cp_agent_dbus_agent1_set_servers (self->skeleton, (const char * const *) servers);

  return self;
}

gboolean
cp_agent_service_export (CpAgentService   *self,
                         GDBusConnection  *connection,
                         GError          **error)
{
  g_return_val_if_fail (CP_IS_AGENT_SERVICE (self), FALSE);

  return g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton),
                                           connection, CP_AGENT_DBUS_PATH, error);
}

void
cp_agent_service_unexport (CpAgentService *self)
{
  g_return_if_fail (CP_IS_AGENT_SERVICE (self));

  if (self->skeleton != NULL &&
      g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->skeleton)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
}

void
cp_agent_service_start_schedule (CpAgentService *self)
{
  g_return_if_fail (CP_IS_AGENT_SERVICE (self));

  schedule_check_ins (self);
}

char *
cp_agent_normalize_server_url (const char  *text,
                               GError     **error)
{
  return normalize_server_url (text, error);
}
