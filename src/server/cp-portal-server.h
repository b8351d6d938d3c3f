/* cp-portal-server.h: the Portal API on a SoupServer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "cp-server-db.h"
#include "cp-token-validator.h"

G_BEGIN_DECLS

/* Request bodies larger than this are refused with 413. */
#define CP_PORTAL_SERVER_MAX_BODY_SIZE (1024 * 1024)

#define CP_TYPE_PORTAL_SERVER (cp_portal_server_get_type ())
G_DECLARE_FINAL_TYPE (CpPortalServer, cp_portal_server, CP, PORTAL_SERVER, GObject)

/* @tls_certificate: NULL for plain HTTP (the caller allows that on loopback only).
 * @public_url: nullable; what the well-known document advertises as apiBaseUrl. */
CpPortalServer *cp_portal_server_new        (CpServerDb        *db,
                                             CpTokenValidator  *validator,
                                             const char        *client_id,
                                             const char        *public_url,
                                             GTlsCertificate   *tls_certificate);
gboolean        cp_portal_server_listen     (CpPortalServer    *self,
                                             GSocketAddress    *address,
                                             GError           **error);
/* The URL clients reach the listening socket at, without a trailing slash. */
char           *cp_portal_server_get_url    (CpPortalServer    *self);

/* Routes of the API areas (devices, compliance, catalog), each registered
 * from cp_portal_server_new() by its own cp_server_*_register(). */
typedef enum
{
  CP_ROUTE_PUBLIC,
  CP_ROUTE_USER,            /* Authorization: Bearer <access token> */
  /* Signed with the device key of the device in the first {} of the path:
   * POST has an application/jose body, GET the header
   * "Authorization: DeviceJWS <compact JWS>" whose payload body is null. */
  CP_ROUTE_DEVICE,
  CP_ROUTE_USER_OR_DEVICE,
} CpRouteAuth;

typedef struct
{
  CpPortalServer *server;
  SoupServerMessage *msg;
  CpServerDb *db;
  const char *path;
  GHashTable *query;        /* nullable */
  GPtrArray *params;        /* the {} segments of the pattern, in order */
  CpServerUser *user;       /* the signed-in user (user requests) */
  char *device_id;          /* the verified device (device requests) */
  JsonNode *body;           /* the JSON body, or the signed body; NULL when none */
  gint64 now;               /* unix seconds when the request arrived */
} CpRequest;

typedef void (*CpRouteFunc) (CpRequest *request);

typedef struct
{
  const char *method;       /* "GET" also answers HEAD */
  const char *pattern;      /* "/v1/devices/{}/policy": {} is one path segment */
  CpRouteAuth auth;
  CpRouteFunc func;
} CpRoute;

void        cp_portal_server_add_routes  (CpPortalServer    *self,
                                          const CpRoute     *routes,
                                          gsize              n_routes);

const char *cp_request_param             (CpRequest         *request,
                                          guint              index);
const char *cp_request_query             (CpRequest         *request,
                                          const char        *name);
/* problem+json; @type may be NULL (about:blank). */
void        cp_request_problem           (CpRequest         *request,
                                          guint              status,
                                          const char        *type,
                                          const char        *detail);
/* 200 with an ETag (304 on If-None-Match), or another status without one. */
void        cp_request_json              (CpRequest         *request,
                                          guint              status,
                                          JsonNode          *node);
void        cp_request_bytes             (CpRequest         *request,
                                          const char        *content_type,
                                          const char        *data,
                                          gsize              len,
                                          const char        *cache_control);
void        cp_request_no_content        (CpRequest         *request);

/* Every JSON document the server reads (request bodies, the organisation
 * and catalog files, the IdP's discovery document, stored columns) goes
 * through the core's cp_json_parse: UTF-8, at most 64 levels of nesting
 * (json-glib recurses), valid escapes only. @length -1: up to the NUL.
 * NULL for a NULL @text or anything that is not one JSON document; the
 * nodes it returns are immutable. */
JsonNode   *cp_server_json_parse         (const char        *text,
                                          gssize             length);
/* A new object with @object's members, to change (a member's own nodes stay
 * shared, so immutable when they came from cp_server_json_parse). */
JsonObject *cp_server_json_object_copy   (JsonObject        *object);

G_END_DECLS
