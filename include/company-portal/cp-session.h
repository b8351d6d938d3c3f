/* cp-session.h: the signed-in state of one organisation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cp-oidc-client.h"
#include "cp-token-source.h"
#include "cp-token-store.h"

G_BEGIN_DECLS

typedef enum
{
  CP_SESSION_STATE_SIGNED_OUT,
  CP_SESSION_STATE_SIGNED_IN,
  CP_SESSION_STATE_EXPIRED,     /* refresh refused: sign in again, nothing else lost */
} CpSessionState;

GType cp_session_state_get_type (void);
#define CP_TYPE_SESSION_STATE (cp_session_state_get_type ())

#define CP_TYPE_SESSION (cp_session_get_type ())
G_DECLARE_FINAL_TYPE (CpSession, cp_session, CP, SESSION, GObject)

/*
 * Implements CpTokenSource for the API client: refreshes before expiry,
 * one refresh at a time (concurrent callers wait for the same refresh, so a
 * rotated refresh token is never lost), saves every new token set to the
 * keyring before handing out its access token. "state" and "tokens" are
 * notified ("tokens" once per sign-in, restore, refresh and sign-out).
 */
CpSession      *cp_session_new                 (const char           *server_url,
                                                CpOidcClient         *oidc,
                                                CpTokenStore         *store);
CpSessionState  cp_session_get_state           (CpSession            *self);
CpOidcClient   *cp_session_get_oidc_client     (CpSession            *self);
/* Display identity from the ID token; NULL when signed out, kept while
 * EXPIRED so the window can say who must sign in again. */
CpTokenSet     *cp_session_get_tokens          (CpSession            *self);

/* Loads tokens from the keyring: resolves TRUE if signed in afterwards. */
void            cp_session_restore_async       (CpSession            *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean        cp_session_restore_finish      (CpSession            *self,
                                                GAsyncResult         *result,
                                                GError              **error);
/* Adopts tokens from a finished sign-in flow and saves them to the keyring. */
void            cp_session_sign_in_async       (CpSession            *self,
                                                CpTokenSet           *tokens,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean        cp_session_sign_in_finish      (CpSession            *self,
                                                GAsyncResult         *result,
                                                GError              **error);
/* Revokes at the provider (best effort, reported), then deletes the keyring item. */
void            cp_session_sign_out_async      (CpSession            *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean        cp_session_sign_out_finish     (CpSession            *self,
                                                GAsyncResult         *result,
                                                GError              **error);

G_END_DECLS
