/* cp-session.c: the signed-in state of one organisation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cp-error.h"
#include "cp-session.h"

/* Refresh this long before the access token expires... */
#define REFRESH_MARGIN 60
/* ...or, for short-lived tokens, when half their lifetime is left. */
#define SHORT_LIFETIME (2 * REFRESH_MARGIN)

struct _CpSession
{
  GObject parent_instance;

  char *server_url;
  CpOidcClient *oidc;
  CpTokenStore *store;

  CpSessionState state;
  CpTokenSet *tokens;
  gint64 refresh_margin;
  gboolean unsaved;           /* @tokens are not in the keyring yet */
  gboolean invalidated;       /* the server refused the current access token */

  gboolean refreshing;
  GPtrArray *waiters;         /* GTask: get_access_token calls waiting for the refresh */
  guint generation;           /* bumped by sign-in and sign-out: stale refreshes are dropped */
};

static void cp_session_token_source_init (CpTokenSourceInterface *iface);

G_DEFINE_ENUM_TYPE (CpSessionState, cp_session_state,
                    G_DEFINE_ENUM_VALUE (CP_SESSION_STATE_SIGNED_OUT, "signed-out"),
                    G_DEFINE_ENUM_VALUE (CP_SESSION_STATE_SIGNED_IN, "signed-in"),
                    G_DEFINE_ENUM_VALUE (CP_SESSION_STATE_EXPIRED, "expired"))

G_DEFINE_FINAL_TYPE_WITH_CODE (CpSession, cp_session, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (CP_TYPE_TOKEN_SOURCE,
                                                      cp_session_token_source_init))

enum {
  PROP_0,
  PROP_STATE,
  PROP_TOKENS,
  PROP_SERVER_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_state (CpSession      *self,
           CpSessionState  state)
{
  if (self->state == state)
    return;
  g_debug ("Session state: %d → %d", self->state, state);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_tokens (CpSession  *self,
            CpTokenSet *tokens,
            gboolean    unsaved)
{
  self->unsaved = unsaved;
  self->invalidated = FALSE;
  if (!g_set_object (&self->tokens, tokens))
    return;

  self->refresh_margin = REFRESH_MARGIN;
  if (tokens != NULL && cp_token_set_get_expires_at (tokens) > 0)
    {
      gint64 lifetime = cp_token_set_get_expires_at (tokens) - g_get_real_time () / G_USEC_PER_SEC;

      if (lifetime < SHORT_LIFETIME)
        self->refresh_margin = MAX (lifetime / 2, 0);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKENS]);
}

static gboolean
needs_refresh (CpSession *self)
{
  return self->invalidated || cp_token_set_expires_within (self->tokens, self->refresh_margin);
}

static const char *
issuer_of (CpSession *self)
{
  return cp_oidc_client_get_issuer (self->oidc);
}

/* Refresh, one at a time */

static void
release_waiters (CpSession    *self,
                 const GError *error)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->waiters);

  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->refreshing = FALSE;

  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *waiter = g_ptr_array_index (waiters, i);

      if (g_task_return_error_if_cancelled (waiter))
        continue;
      if (error != NULL)
        g_task_return_error (waiter, g_error_copy (error));
      else
        g_task_return_pointer (waiter, g_strdup (cp_token_set_get_access_token (self->tokens)), g_free);
    }
}

/* A refresh or save in flight, and the sign-in it belongs to. */
typedef struct
{
  CpSession *self;
  guint generation;
} RefreshCall;

static RefreshCall *
refresh_call_new (CpSession *self)
{
  RefreshCall *call = g_new0 (RefreshCall, 1);

  call->self = g_object_ref (self);
  call->generation = self->generation;
  return call;
}

static void
refresh_call_free (RefreshCall *call)
{
  g_object_unref (call->self);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RefreshCall, refresh_call_free)

/* TRUE (and the waiters released) when the user signed in or out meanwhile. */
static gboolean
release_if_stale (RefreshCall *call)
{
  g_autoptr(GError) stale = NULL;

  if (call->generation == call->self->generation)
    return FALSE;

  stale = g_error_new_literal (CP_ERROR, CP_ERROR_AUTH_REQUIRED,
                               _("You signed out; sign in again"));
  release_waiters (call->self, stale);
  return TRUE;
}

static void
refreshed_saved_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(RefreshCall) call = user_data;
  g_autoptr(GError) error = NULL;
  gboolean saved = cp_token_store_save_finish (CP_TOKEN_STORE (source), result, &error);

  if (release_if_stale (call))
    return;

  if (!saved)
    {
      /* Keep them in memory (the old refresh token may be spent), but hand
       * nothing out until the keyring has them. */
      release_waiters (call->self, error);
      return;
    }

  call->self->unsaved = FALSE;
  release_waiters (call->self, NULL);
}

static void
save_pending (CpSession *self)
{
  cp_token_store_save_async (self->store, self->server_url, issuer_of (self), self->tokens,
                             NULL, refreshed_saved_cb, refresh_call_new (self));
}

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(RefreshCall) call = user_data;
  CpSession *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens = cp_oidc_client_refresh_finish (CP_OIDC_CLIENT (source), result, &error);

  if (release_if_stale (call))
    return;

  if (tokens == NULL)
    {
      g_debug ("Refresh failed: %s", error->message);
      /* The user's data stays; only a new sign-in is needed. */
      if (g_error_matches (error, CP_ERROR, CP_ERROR_AUTH_REQUIRED))
        set_state (self, CP_SESSION_STATE_EXPIRED);
      release_waiters (self, error);
      return;
    }

  g_debug ("Tokens refreshed; saving them to the keyring");
  set_tokens (self, tokens, TRUE);
  save_pending (self);
}

static void
start_refresh (CpSession *self)
{
  self->refreshing = TRUE;
  if (!needs_refresh (self))
    {
      save_pending (self);
      return;
    }

  g_debug ("Refreshing the access token");
  /* The refresh serves every waiter: no single caller may cancel it. */
  cp_oidc_client_refresh_async (self->oidc, self->tokens, NULL, refreshed_cb, refresh_call_new (self));
}

static void
destroy_source (GSource *source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

static gboolean
waiter_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  GTask *task = user_data;
  CpSession *self = g_task_get_source_object (task);
  g_autoptr(GTask) owned = NULL;
  guint index;

  if (g_ptr_array_find (self->waiters, task, &index))
    {
      owned = g_ptr_array_steal_index (self->waiters, index);
      g_task_return_error_if_cancelled (owned);
    }
  return G_SOURCE_REMOVE;
}

static void
cp_session_get_access_token_async (CpTokenSource       *source,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  CpSession *self = CP_SESSION (source);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, cp_session_get_access_token_async);

  if (self->state != CP_SESSION_STATE_SIGNED_IN || self->tokens == NULL)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_AUTH_REQUIRED, "%s",
                               self->state == CP_SESSION_STATE_EXPIRED
                               ? _("Your sign-in has expired; sign in again")
                               : _("You are not signed in"));
      return;
    }

  if (!self->refreshing && !self->unsaved && !needs_refresh (self))
    {
      g_task_return_pointer (task, g_strdup (cp_token_set_get_access_token (self->tokens)), g_free);
      return;
    }

  /* A waiter that is cancelled leaves at once; the refresh goes on for the others. */
  if (cancellable != NULL)
    {
      GSource *source = g_cancellable_source_new (cancellable);

      g_source_set_callback (source, G_SOURCE_FUNC (waiter_cancelled_cb), task, NULL);
      g_source_attach (source, g_main_context_get_thread_default ());
      g_task_set_task_data (task, source, (GDestroyNotify) destroy_source);
    }

  g_ptr_array_add (self->waiters, g_steal_pointer (&task));
  if (!self->refreshing)
    start_refresh (self);
}

static char *
cp_session_get_access_token_finish (CpTokenSource  *source,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
cp_session_invalidate (CpTokenSource *source,
                       const char    *access_token)
{
  CpSession *self = CP_SESSION (source);

  if (self->tokens != NULL &&
      g_strcmp0 (cp_token_set_get_access_token (self->tokens), access_token) == 0)
    {
      g_debug ("The current access token was refused; the next request refreshes");
      self->invalidated = TRUE;
    }
}

static void
cp_session_token_source_init (CpTokenSourceInterface *iface)
{
  iface->get_access_token_async = cp_session_get_access_token_async;
  iface->get_access_token_finish = cp_session_get_access_token_finish;
  iface->invalidate = cp_session_invalidate;
}

/* Restore, sign in, sign out */

static void
restored_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CpSession *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpTokenSet) tokens = cp_token_store_load_finish (CP_TOKEN_STORE (source), result, &error);

  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->generation++;
  set_tokens (self, tokens, FALSE);
  set_state (self, tokens ? CP_SESSION_STATE_SIGNED_IN : CP_SESSION_STATE_SIGNED_OUT);
  g_task_return_boolean (task, tokens != NULL);
}

static void
sign_in_saved_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CpSession *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!cp_token_store_save_finish (CP_TOKEN_STORE (source), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->generation++;
  set_tokens (self, g_task_get_task_data (task), FALSE);
  set_state (self, CP_SESSION_STATE_SIGNED_IN);
  g_task_return_boolean (task, TRUE);
}

typedef struct
{
  CpTokenSet *tokens;
  GError *revoke_error;
} SignOutData;

static void
sign_out_data_free (SignOutData *data)
{
  g_clear_object (&data->tokens);
  g_clear_error (&data->revoke_error);
  g_free (data);
}

static void
sign_out_deleted_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SignOutData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!cp_token_store_delete_finish (CP_TOKEN_STORE (source), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else if (data->revoke_error != NULL)
    g_task_return_new_error (task, CP_ERROR, data->revoke_error->code,
                             _("You are signed out on this computer, but the identity provider "
                               "could not be told: %s"), data->revoke_error->message);
  else
    g_task_return_boolean (task, TRUE);
}

static void
delete_tokens (GTask *task)
{
  CpSession *self = g_task_get_source_object (task);

  /* Not cancellable: once signing out has begun, the keyring item must go. */
  cp_token_store_delete_async (self->store, self->server_url, issuer_of (self), NULL,
                               sign_out_deleted_cb, g_object_ref (task));
}

static void
sign_out_revoked_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SignOutData *data = g_task_get_task_data (task);

  if (!cp_oidc_client_revoke_finish (CP_OIDC_CLIENT (source), result, &data->revoke_error))
    g_debug ("Revocation failed: %s", data->revoke_error->message);
  delete_tokens (task);
}

/* GObject */

static void
cp_session_dispose (GObject *object)
{
  CpSession *self = CP_SESSION (object);

  g_clear_object (&self->oidc);
  g_clear_object (&self->store);
  g_clear_object (&self->tokens);

  G_OBJECT_CLASS (cp_session_parent_class)->dispose (object);
}

static void
cp_session_finalize (GObject *object)
{
  CpSession *self = CP_SESSION (object);

  g_free (self->server_url);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);

  G_OBJECT_CLASS (cp_session_parent_class)->finalize (object);
}

static void
cp_session_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  CpSession *self = CP_SESSION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_TOKENS:
      g_value_set_object (value, cp_session_get_tokens (self));
      break;
    case PROP_SERVER_URL:
      g_value_set_string (value, self->server_url);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cp_session_class_init (CpSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = cp_session_dispose;
  object_class->finalize = cp_session_finalize;
  object_class->get_property = cp_session_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, CP_TYPE_SESSION_STATE, CP_SESSION_STATE_SIGNED_OUT, flags);
  properties[PROP_TOKENS] =
    g_param_spec_object ("tokens", NULL, NULL, CP_TYPE_TOKEN_SET, flags);
  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cp_session_init (CpSession *self)
{
  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->refresh_margin = REFRESH_MARGIN;
}

/* Public API */

CpSession *
cp_session_new (const char   *server_url,
                CpOidcClient *oidc,
                CpTokenStore *store)
{
  CpSession *self;

  g_return_val_if_fail (server_url != NULL, NULL);
  g_return_val_if_fail (CP_IS_OIDC_CLIENT (oidc), NULL);
  g_return_val_if_fail (CP_IS_TOKEN_STORE (store), NULL);

  self = g_object_new (CP_TYPE_SESSION, NULL);
  self->server_url = g_strdup (server_url);
  self->oidc = g_object_ref (oidc);
  self->store = g_object_ref (store);
  return self;
}

CpSessionState
cp_session_get_state (CpSession *self)
{
  g_return_val_if_fail (CP_IS_SESSION (self), CP_SESSION_STATE_SIGNED_OUT);
  return self->state;
}

CpOidcClient *
cp_session_get_oidc_client (CpSession *self)
{
  g_return_val_if_fail (CP_IS_SESSION (self), NULL);
  return self->oidc;
}

/**
 * cp_session_get_tokens:
 * Returns: (transfer none) (nullable): the current tokens, kept while
 *   EXPIRED so the window can say who has to sign in again.
 */
CpTokenSet *
cp_session_get_tokens (CpSession *self)
{
  g_return_val_if_fail (CP_IS_SESSION (self), NULL);
  return self->state == CP_SESSION_STATE_SIGNED_OUT ? NULL : self->tokens;
}

void
cp_session_restore_async (CpSession           *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CP_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_session_restore_async);
  cp_token_store_load_async (self->store, self->server_url, issuer_of (self), cancellable,
                             restored_cb, task);
}

gboolean
cp_session_restore_finish (CpSession     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cp_session_sign_in_async (CpSession           *self,
                          CpTokenSet          *tokens,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CP_IS_SESSION (self));
  g_return_if_fail (CP_IS_TOKEN_SET (tokens));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_session_sign_in_async);
  g_task_set_task_data (task, g_object_ref (tokens), g_object_unref);
  cp_token_store_save_async (self->store, self->server_url, issuer_of (self), tokens,
                             cancellable, sign_in_saved_cb, task);
}

gboolean
cp_session_sign_in_finish (CpSession     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cp_session_sign_out_async (CpSession           *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SignOutData *data;

  g_return_if_fail (CP_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_session_sign_out_async);
  data = g_new0 (SignOutData, 1);
  data->tokens = self->tokens ? g_object_ref (self->tokens) : NULL;
  g_task_set_task_data (task, data, (GDestroyNotify) sign_out_data_free);

  /* Forget the tokens at once: nothing may use them while we revoke. */
  self->generation++;
  set_tokens (self, NULL, FALSE);
  set_state (self, CP_SESSION_STATE_SIGNED_OUT);

  if (data->tokens == NULL)
    {
      delete_tokens (task);
      return;
    }

  cp_oidc_client_revoke_async (self->oidc, data->tokens, cancellable,
                               sign_out_revoked_cb, g_steal_pointer (&task));
}

gboolean
cp_session_sign_out_finish (CpSession     *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
