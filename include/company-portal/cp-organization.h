/* cp-organization.h: what GET /.well-known/company-portal describes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CP_TYPE_ORGANIZATION (cp_organization_get_type ())
G_DECLARE_FINAL_TYPE (CpOrganization, cp_organization, CP, ORGANIZATION, GObject)

/*
 * Checks every member it reads; NULL with CP_ERROR_INVALID_DATA otherwise.
 * @server_url is the (normalised) address the document was fetched from: a
 * relative logoUrl is resolved against it and it is the default API base.
 */
CpOrganization  *cp_organization_new_from_json        (JsonNode        *node,
                                                       const char      *server_url,
                                                       GError         **error);
const char      *cp_organization_get_display_name     (CpOrganization  *self);
const char      *cp_organization_get_logo_url         (CpOrganization  *self); /* nullable, absolute */
const char      *cp_organization_get_accent_color     (CpOrganization  *self); /* nullable, "#rrggbb" */
const char      *cp_organization_get_privacy_url      (CpOrganization  *self); /* nullable */
const char      *cp_organization_get_support_name     (CpOrganization  *self); /* nullable */
const char      *cp_organization_get_support_phone    (CpOrganization  *self); /* nullable */
const char      *cp_organization_get_support_email    (CpOrganization  *self); /* nullable */
const char      *cp_organization_get_support_website  (CpOrganization  *self); /* nullable */
const char      *cp_organization_get_api_base_url     (CpOrganization  *self); /* absolute, ends without '/' */
const char      *cp_organization_get_issuer           (CpOrganization  *self);
const char      *cp_organization_get_client_id        (CpOrganization  *self);
const char *const *cp_organization_get_scopes         (CpOrganization  *self);
const char      *cp_organization_get_resource         (CpOrganization  *self); /* nullable: RFC 8707 resource indicator */

G_END_DECLS
