/* cp-app-catalog.h: the app catalog as a GListModel of CpApp
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cp-app.h"

G_BEGIN_DECLS

#define CP_TYPE_APP_CATALOG (cp_app_catalog_get_type ())
G_DECLARE_FINAL_TYPE (CpAppCatalog, cp_app_catalog, CP, APP_CATALOG, GObject)

/*
 * Filled page by page from GET /v1/apps responses
 * ({"items":[...],"nextCursor":str?}, see docs/catalog.md), given as the
 * response body's bytes (cp_api_client_list_apps_finish()): the page is read
 * by a strict streaming reader straight into CpApp objects, with no JSON
 * tree and nothing of the body kept. Items keep the server's order; sorting
 * (cp_app_compare_func) and filtering (cp_app_matches) are the view's
 * business. An entry whose id is already in the catalog is dropped (the
 * first one wins); an entry that cp_app_new_from_json() would reject is
 * dropped and counted (the same rules), so one bad entry never hides a whole
 * page. Each page emits ::items-changed once.
 */
CpAppCatalog  *cp_app_catalog_new                (void);

/* FALSE with CP_ERROR_INVALID_DATA when the page itself is malformed, and
 * that includes any JSON that is not strictly RFC 8259 (then nothing is
 * added). @next_cursor is set to the cursor of the next page, or NULL on
 * the last one. */
gboolean       cp_app_catalog_add_page           (CpAppCatalog  *self,
                                                  GBytes        *page,
                                                  char         **next_cursor,
                                                  GError       **error);
/*
 * The same, with the entries read in a worker thread so a large page costs
 * the main loop only the merge (the call holds a reference to @page until
 * it finishes). Pages are added when each call completes: add the next page
 * after the previous one finished (its cursor is needed anyway). Cancelling
 * stops the reading thread early.
 */
void           cp_app_catalog_add_page_async     (CpAppCatalog        *self,
                                                  GBytes              *page,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean       cp_app_catalog_add_page_finish    (CpAppCatalog        *self,
                                                  GAsyncResult        *result,
                                                  char               **next_cursor,
                                                  GError             **error);
/* Empties the catalog, e.g. before reloading it. */
void           cp_app_catalog_remove_all         (CpAppCatalog  *self);
CpApp         *cp_app_catalog_lookup             (CpAppCatalog  *self,
                                                  const char    *id);   /* transfer none, nullable */
guint          cp_app_catalog_get_n_rejected     (CpAppCatalog  *self);
guint          cp_app_catalog_get_n_duplicates   (CpAppCatalog  *self);
/* The required apps, in catalog order (for "Install 3 required apps"). */
GPtrArray     *cp_app_catalog_get_required       (CpAppCatalog  *self);

G_END_DECLS
