/* cp-token-source.h: where the API client gets a bearer token from
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CP_TYPE_TOKEN_SOURCE (cp_token_source_get_type ())
G_DECLARE_INTERFACE (CpTokenSource, cp_token_source, CP, TOKEN_SOURCE, GObject)

struct _CpTokenSourceInterface
{
  GTypeInterface parent_iface;

  /* A valid access token, refreshed first if it is about to expire. */
  void   (*get_access_token_async)  (CpTokenSource        *self,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
  char * (*get_access_token_finish) (CpTokenSource        *self,
                                     GAsyncResult         *result,
                                     GError              **error);
  /* The server refused @access_token (401): the next get must not return it. */
  void   (*invalidate)              (CpTokenSource        *self,
                                     const char           *access_token);
};

void  cp_token_source_get_access_token_async  (CpTokenSource        *self,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
char *cp_token_source_get_access_token_finish (CpTokenSource        *self,
                                               GAsyncResult         *result,
                                               GError              **error);
void  cp_token_source_invalidate              (CpTokenSource        *self,
                                               const char           *access_token);

G_END_DECLS
