/* cp-token-source.c: where the API client gets a bearer token from
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cp-token-source.h"

G_DEFINE_INTERFACE (CpTokenSource, cp_token_source, G_TYPE_OBJECT)

static void
cp_token_source_default_init (CpTokenSourceInterface *iface)
{
}

void
cp_token_source_get_access_token_async (CpTokenSource       *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  CpTokenSourceInterface *iface;

  g_return_if_fail (CP_IS_TOKEN_SOURCE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  iface = CP_TOKEN_SOURCE_GET_IFACE (self);
  g_return_if_fail (iface->get_access_token_async != NULL);
  iface->get_access_token_async (self, cancellable, callback, user_data);
}

char *
cp_token_source_get_access_token_finish (CpTokenSource  *self,
                                         GAsyncResult   *result,
                                         GError        **error)
{
  CpTokenSourceInterface *iface;

  g_return_val_if_fail (CP_IS_TOKEN_SOURCE (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);

  iface = CP_TOKEN_SOURCE_GET_IFACE (self);
  g_return_val_if_fail (iface->get_access_token_finish != NULL, NULL);
  return iface->get_access_token_finish (self, result, error);
}

void
cp_token_source_invalidate (CpTokenSource *self,
                            const char    *access_token)
{
  CpTokenSourceInterface *iface;

  g_return_if_fail (CP_IS_TOKEN_SOURCE (self));
  g_return_if_fail (access_token != NULL);

  iface = CP_TOKEN_SOURCE_GET_IFACE (self);
  if (iface->invalidate != NULL)
    iface->invalidate (self, access_token);
}
