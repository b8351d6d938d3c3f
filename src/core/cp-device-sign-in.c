/* cp-device-sign-in.c: the device authorization grant (RFC 8628)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cp-device-sign-in.h"
#include "cp-error.h"
#include "cp-oidc-private.h"

#define DEVICE_CODE_GRANT "urn:ietf:params:oauth:grant-type:device_code"
/* RFC 8628 §3.2 and §3.5. */
#define DEFAULT_INTERVAL 5
#define SLOW_DOWN_STEP 5
#define MAX_INTERVAL 60
#define MAX_EXPIRES_IN (24 * 3600)

struct _CpDeviceSignIn
{
  GObject parent_instance;

  CpOidcClient *client;
  char *user_code;
  char *verification_uri;
  char *verification_uri_complete;
  gint64 expires_at;
  gboolean running;
};

G_DEFINE_FINAL_TYPE (CpDeviceSignIn, cp_device_sign_in, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_USER_CODE,
  PROP_VERIFICATION_URI,
  PROP_VERIFICATION_URI_COMPLETE,
  PROP_EXPIRES_AT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  char *device_code;
  guint interval;
  guint wait_id;
  GSource *cancel_source;
} Poll;

static void
stop_waiting (Poll *poll)
{
  g_clear_handle_id (&poll->wait_id, g_source_remove);
  if (poll->cancel_source != NULL)
    {
      g_source_destroy (poll->cancel_source);
      g_clear_pointer (&poll->cancel_source, g_source_unref);
    }
}

static void
poll_free (Poll *poll)
{
  stop_waiting (poll);
  cp_oidc_free_secret (poll->device_code);
  g_free (poll);
}

static void
finish (GTask  *task,
        GError *error)
{
  CpDeviceSignIn *self = g_task_get_source_object (task);

  self->running = FALSE;
  stop_waiting (g_task_get_task_data (task));
  g_task_return_error (task, error);
}

static void schedule_poll (GTask *task);

static void
polled_tokens_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CpDeviceSignIn *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens = cp_oidc_client_tokens_from_response_finish (CP_OIDC_CLIENT (source),
                                                                             result, &error);

  if (tokens == NULL)
    {
      finish (task, g_steal_pointer (&error));
      return;
    }

  self->running = FALSE;
  g_task_return_pointer (task, g_steal_pointer (&tokens), g_object_unref);
}

static void
polled_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CpDeviceSignIn *self = g_task_get_source_object (task);
  Poll *poll = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *oauth_error = NULL;
  g_autoptr(JsonObject) answer = cp_oidc_client_post_finish (CP_OIDC_CLIENT (source), result,
                                                             &oauth_error, &error);

  if (answer != NULL)
    {
      cp_oidc_client_tokens_from_response_async (CP_OIDC_CLIENT (source), answer, NULL,
                                                 g_task_get_cancellable (task),
                                                 polled_tokens_cb, g_object_ref (task));
      return;
    }

  /* Our own clock too: a provider that keeps saying "pending" after the
   * code's lifetime must not keep us polling forever. */
  if ((g_strcmp0 (oauth_error, "authorization_pending") == 0 ||
       g_strcmp0 (oauth_error, "slow_down") == 0) &&
      g_get_real_time () / G_USEC_PER_SEC >= self->expires_at)
    {
      finish (task, g_error_new_literal (CP_ERROR, CP_ERROR_EXPIRED,
                                         _("The sign-in code has expired; start again")));
      return;
    }

  if (g_strcmp0 (oauth_error, "authorization_pending") == 0)
    {
      schedule_poll (task);
      return;
    }
  if (g_strcmp0 (oauth_error, "slow_down") == 0)
    {
      poll->interval = MIN (poll->interval + SLOW_DOWN_STEP, MAX_INTERVAL);
      g_debug ("Asked to slow down: polling every %u s", poll->interval);
      schedule_poll (task);
      return;
    }

  finish (task, g_steal_pointer (&error));
}

static gboolean
poll_now_cb (gpointer user_data)
{
  GTask *task = user_data;
  CpDeviceSignIn *self = g_task_get_source_object (task);
  Poll *poll = g_task_get_task_data (task);
  g_autoptr(GHashTable) form = g_hash_table_new (g_str_hash, g_str_equal);

  poll->wait_id = 0;
  stop_waiting (poll);

  g_hash_table_insert (form, (char *) "grant_type", (char *) DEVICE_CODE_GRANT);
  g_hash_table_insert (form, (char *) "device_code", poll->device_code);
  cp_oidc_client_post_async (self->client, "token_endpoint", form, g_task_get_cancellable (task),
                             polled_cb, g_object_ref (task));
  return G_SOURCE_REMOVE;
}

static gboolean
poll_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = g_object_ref (user_data);
  CpDeviceSignIn *self = g_task_get_source_object (task);

  self->running = FALSE;
  stop_waiting (g_task_get_task_data (task));
  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

static void
schedule_poll (GTask *task)
{
  Poll *poll = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  /* The wait holds the task; the cancellable ends the wait early. Not
   * g_timeout_add_seconds(): it rounds to whole-second ticks and can fire
   * early, and RFC 8628 §3.5 forbids polling before the interval. */
  poll->wait_id = g_timeout_add_full (G_PRIORITY_DEFAULT, poll->interval * 1000, poll_now_cb,
                                      g_object_ref (task), g_object_unref);
  if (cancellable != NULL)
    {
      poll->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (poll->cancel_source, G_SOURCE_FUNC (poll_cancelled_cb), task, NULL);
      g_source_attach (poll->cancel_source, g_main_context_get_thread_default ());
    }
}

static gboolean
read_authorization (CpDeviceSignIn  *self,
                    JsonObject      *answer,
                    Poll            *poll,
                    GError         **error)
{
  const char *device_code, *user_code, *uri, *uri_complete;
  gboolean has_expires_in, has_interval;
  gint64 expires_in, interval;

  if (!cp_oidc_json_get_string (answer, "device_code", TRUE, &device_code, error) ||
      !cp_oidc_json_get_string (answer, "user_code", TRUE, &user_code, error) ||
      !cp_oidc_json_get_string (answer, "verification_uri", TRUE, &uri, error) ||
      !cp_oidc_json_get_string (answer, "verification_uri_complete", FALSE, &uri_complete, error) ||
      !cp_oidc_json_get_int (answer, "expires_in", &has_expires_in, &expires_in, error) ||
      !cp_oidc_json_get_int (answer, "interval", &has_interval, &interval, error))
    return FALSE;

  /* The user is told to open these: only secure addresses. */
  if (!has_expires_in || expires_in <= 0 || expires_in > MAX_EXPIRES_IN ||
      (has_interval && (interval <= 0 || interval > MAX_INTERVAL)) ||
      *device_code == '\0' || *user_code == '\0' || !cp_oidc_uri_is_acceptable (uri) ||
      (uri_complete != NULL && !cp_oidc_uri_is_acceptable (uri_complete)))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The identity provider sent an invalid sign-in code"));
      return FALSE;
    }

  poll->device_code = g_strdup (device_code);
  poll->interval = has_interval ? interval : DEFAULT_INTERVAL;
  g_free (self->user_code);
  g_free (self->verification_uri);
  g_free (self->verification_uri_complete);
  self->user_code = g_strdup (user_code);
  self->verification_uri = g_strdup (uri);
  self->verification_uri_complete = g_strdup (uri_complete);
  self->expires_at = g_get_real_time () / G_USEC_PER_SEC + expires_in;
  return TRUE;
}

static void
authorization_requested_cb (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CpDeviceSignIn *self = g_task_get_source_object (task);
  Poll *poll = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = cp_oidc_client_post_finish (CP_OIDC_CLIENT (source), result,
                                                             NULL, &error);

  if (answer == NULL || !read_authorization (self, answer, poll, &error))
    {
      finish (task, g_steal_pointer (&error));
      return;
    }

  g_debug ("Device code issued; polling every %u s", poll->interval);
  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = 1; i < N_PROPS; i++)
    g_object_notify_by_pspec (G_OBJECT (self), properties[i]);
  g_object_thaw_notify (G_OBJECT (self));

  schedule_poll (task);
}

/* GObject */

static void
cp_device_sign_in_finalize (GObject *object)
{
  CpDeviceSignIn *self = CP_DEVICE_SIGN_IN (object);

  g_clear_object (&self->client);
  g_free (self->user_code);
  g_free (self->verification_uri);
  g_free (self->verification_uri_complete);

  G_OBJECT_CLASS (cp_device_sign_in_parent_class)->finalize (object);
}

static void
cp_device_sign_in_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  CpDeviceSignIn *self = CP_DEVICE_SIGN_IN (object);

  switch (prop_id)
    {
    case PROP_USER_CODE:
      g_value_set_string (value, self->user_code);
      break;
    case PROP_VERIFICATION_URI:
      g_value_set_string (value, self->verification_uri);
      break;
    case PROP_VERIFICATION_URI_COMPLETE:
      g_value_set_string (value, self->verification_uri_complete);
      break;
    case PROP_EXPIRES_AT:
      g_value_set_int64 (value, self->expires_at);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cp_device_sign_in_class_init (CpDeviceSignInClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = cp_device_sign_in_finalize;
  object_class->get_property = cp_device_sign_in_get_property;

  properties[PROP_USER_CODE] = g_param_spec_string ("user-code", NULL, NULL, NULL, flags);
  properties[PROP_VERIFICATION_URI] = g_param_spec_string ("verification-uri", NULL, NULL, NULL, flags);
  properties[PROP_VERIFICATION_URI_COMPLETE] =
    g_param_spec_string ("verification-uri-complete", NULL, NULL, NULL, flags);
  properties[PROP_EXPIRES_AT] = g_param_spec_int64 ("expires-at", NULL, NULL, 0, G_MAXINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cp_device_sign_in_init (CpDeviceSignIn *self)
{
}

/* Public API */

CpDeviceSignIn *
cp_device_sign_in_new (CpOidcClient *client)
{
  CpDeviceSignIn *self;

  g_return_val_if_fail (CP_IS_OIDC_CLIENT (client), NULL);

  self = g_object_new (CP_TYPE_DEVICE_SIGN_IN, NULL);
  self->client = g_object_ref (client);
  return self;
}

const char *
cp_device_sign_in_get_user_code (CpDeviceSignIn *self)
{
  g_return_val_if_fail (CP_IS_DEVICE_SIGN_IN (self), NULL);
  return self->user_code;
}

const char *
cp_device_sign_in_get_verification_uri (CpDeviceSignIn *self)
{
  g_return_val_if_fail (CP_IS_DEVICE_SIGN_IN (self), NULL);
  return self->verification_uri;
}

const char *
cp_device_sign_in_get_verification_uri_complete (CpDeviceSignIn *self)
{
  g_return_val_if_fail (CP_IS_DEVICE_SIGN_IN (self), NULL);
  return self->verification_uri_complete;
}

gint64
cp_device_sign_in_get_expires_at (CpDeviceSignIn *self)
{
  g_return_val_if_fail (CP_IS_DEVICE_SIGN_IN (self), 0);
  return self->expires_at;
}

void
cp_device_sign_in_run_async (CpDeviceSignIn      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) form = NULL;
  g_autofree char *scope = NULL;
  const char *resource;

  g_return_if_fail (CP_IS_DEVICE_SIGN_IN (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_device_sign_in_run_async);
  if (self->running)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_INVALID_INPUT, "%s",
                               _("A sign-in is already in progress"));
      return;
    }
  self->running = TRUE;
  g_task_set_task_data (task, g_new0 (Poll, 1), (GDestroyNotify) poll_free);

  scope = cp_oidc_client_dup_scope_string (self->client);
  resource = cp_oidc_client_get_resource (self->client);
  form = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (form, (char *) "scope", scope);
  if (resource != NULL)
    g_hash_table_insert (form, (char *) "resource", (char *) resource);

  cp_oidc_client_post_async (self->client, "device_authorization_endpoint", form, cancellable,
                             authorization_requested_cb, g_steal_pointer (&task));
}

CpTokenSet *
cp_device_sign_in_run_finish (CpDeviceSignIn  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
