/* cp-api-client.h: the Portal API over libsoup
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "cp-organization.h"
#include "cp-token-source.h"
#include "cp-user.h"

G_BEGIN_DECLS

#define CP_TYPE_API_CLIENT (cp_api_client_get_type ())
G_DECLARE_FINAL_TYPE (CpApiClient, cp_api_client, CP, API_CLIENT, GObject)

/*
 * One client per organisation server. The caller owns the SoupSession (one
 * per process); the client never turns TLS verification off and never logs
 * bodies or Authorization headers.
 *
 * Errors are CP_ERROR codes: problem+json bodies become the message
 * ("title: detail"), 401 is CP_ERROR_AUTH_REQUIRED (after one retry with a
 * fresh token), 429/503 are retried after Retry-After (bounded) for
 * idempotent requests, timeouts are CP_ERROR_TIMED_OUT.
 */

/*
 * What the user typed in the address field, made into a server URL: spaces
 * trimmed, "https://" added when there is no scheme, trailing '/' dropped.
 * https is required except for loopback hosts (127.0.0.0/8, ::1, localhost);
 * anything else is CP_ERROR_INVALID_INPUT with a message for the user.
 */
char            *cp_api_client_normalize_server_url (const char        *text,
                                                     GError           **error);

/*
 * @server_url goes through cp_api_client_normalize_server_url(); when it is
 * not acceptable, get_server_url() returns NULL and every call fails with
 * that CP_ERROR_INVALID_INPUT (validate the address first to show it).
 */
CpApiClient     *cp_api_client_new                (SoupSession          *session,
                                                   const char           *server_url);
const char      *cp_api_client_get_server_url     (CpApiClient          *self);
/*
 * The base for /v1 requests; defaults to server_url until the organisation
 * is known: a successful get_organization sets it to the organisation's
 * apiBaseUrl.
 */
const char      *cp_api_client_get_api_base_url   (CpApiClient          *self);
void             cp_api_client_set_api_base_url   (CpApiClient          *self,
                                                   const char           *api_base_url);
void             cp_api_client_set_token_source   (CpApiClient          *self,
                                                   CpTokenSource        *source);
/* Seconds per request before CP_ERROR_TIMED_OUT (default 30, 0 = none). */
guint            cp_api_client_get_timeout        (CpApiClient          *self);
void             cp_api_client_set_timeout        (CpApiClient          *self,
                                                   guint                 seconds);
/*
 * After a call failed with CP_ERROR_RATE_LIMITED or CP_ERROR_SERVER: the
 * seconds the server asked to wait (Retry-After) before trying again, 0 when
 * it gave no hint. @result is the one given to the call's callback.
 */
guint            cp_api_client_get_retry_after    (CpApiClient          *self,
                                                   GAsyncResult         *result);

/* GET /.well-known/company-portal (no token). */
void             cp_api_client_get_organization_async  (CpApiClient          *self,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
CpOrganization  *cp_api_client_get_organization_finish (CpApiClient          *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* GET /v1/me */
void             cp_api_client_get_me_async       (CpApiClient          *self,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
CpUser          *cp_api_client_get_me_finish      (CpApiClient          *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);

/*
 * The generic request every typed call is built on, for the calls later
 * issues add. @path is relative to the API base ("/v1/devices"), @body may be
 * NULL. The result is the parsed JSON (NULL for 204), immutable (sealed): it
 * may be shared with the cache. GET responses that carry an ETag are cached
 * in memory by URL and revalidated with If-None-Match. The bearer token of
 * the token source, when one is set, goes with every request.
 */
void             cp_api_client_request_async      (CpApiClient          *self,
                                                   const char           *method,
                                                   const char           *path,
                                                   JsonNode             *body,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
JsonNode        *cp_api_client_request_finish     (CpApiClient          *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);

/*
 * GET /v1/apps, one page (docs/catalog.md): @query (what the user typed),
 * @category and @cursor (the previous page's nextCursor) may be NULL;
 * @limit 0 leaves the page size to the server. Each is escaped here, so
 * callers never build catalog URLs. The result is the response body as it
 * came (not parsed here: the catalog reads it in a worker thread), for
 * cp_app_catalog_add_page_async(); an empty body is an empty GBytes. The
 * ETag cache keeps (and revalidates) pages as these bytes, shared with the
 * caller. get_retry_after() works on it as on any call.
 */
void             cp_api_client_list_apps_async    (CpApiClient          *self,
                                                   const char           *query,
                                                   const char           *category,
                                                   const char           *cursor,
                                                   guint                 limit,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
GBytes          *cp_api_client_list_apps_finish   (CpApiClient          *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);

/*
 * GET /v1/apps/{id}: one catalog entry as the server sends it (an object
 * whose "id" is @app_id, else CP_ERROR_INVALID_DATA), revalidated with its
 * ETag like every GET. What the window hands the agent for an install.
 */
void             cp_api_client_get_app_async      (CpApiClient          *self,
                                                   const char           *app_id,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
JsonNode        *cp_api_client_get_app_finish     (CpApiClient          *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);

/*
 * GET /v1/categories: a(ss) of (id, display name) in the server's order.
 * Items without a string id and name (1-255 characters) and repeated ids
 * are left out; a body without an "items" array is CP_ERROR_INVALID_DATA.
 */
void             cp_api_client_list_categories_async  (CpApiClient          *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
GVariant        *cp_api_client_list_categories_finish (CpApiClient          *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);

G_END_DECLS
