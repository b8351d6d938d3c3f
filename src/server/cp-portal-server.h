/* cp-portal-server.h: the Portal API on a SoupServer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

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

G_END_DECLS
