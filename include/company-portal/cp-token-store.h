/* cp-token-store.h: tokens in the system keyring, nowhere else
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cp-token-set.h"

G_BEGIN_DECLS

#define CP_TYPE_TOKEN_STORE (cp_token_store_get_type ())
G_DECLARE_FINAL_TYPE (CpTokenStore, cp_token_store, CP, TOKEN_STORE, GObject)

/*
 * libsecret, schema "io.github.companyportal.CompanyPortal.Token" with the
 * attributes server (the organisation's server URL) and issuer. One item per
 * account holds the whole token set as JSON, replaced in one store call.
 * A missing or locked keyring is CP_ERROR_KEYRING with a message that tells
 * the user what to do; there is no fallback to a file.
 */
CpTokenStore *cp_token_store_new            (void);

/* Resolves to NULL without error when nothing is stored. */
void          cp_token_store_load_async     (CpTokenStore         *self,
                                             const char           *server_url,
                                             const char           *issuer,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
CpTokenSet   *cp_token_store_load_finish    (CpTokenStore         *self,
                                             GAsyncResult         *result,
                                             GError              **error);
void          cp_token_store_save_async     (CpTokenStore         *self,
                                             const char           *server_url,
                                             const char           *issuer,
                                             CpTokenSet           *tokens,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean      cp_token_store_save_finish    (CpTokenStore         *self,
                                             GAsyncResult         *result,
                                             GError              **error);
void          cp_token_store_delete_async   (CpTokenStore         *self,
                                             const char           *server_url,
                                             const char           *issuer,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean      cp_token_store_delete_finish  (CpTokenStore         *self,
                                             GAsyncResult         *result,
                                             GError              **error);

G_END_DECLS
