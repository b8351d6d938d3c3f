/* cp-server-org.h: the organisation the server describes in its well-known document
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* "users": [{"username", "groups": [str]}] */
typedef struct
{
  char *username;
  char *group;
} CpServerMembership;

/* "requiredApps": [{"appId", "group"?}]: required for the group, or for everyone. */
typedef struct
{
  char *app_id;
  char *group;              /* nullable: everyone */
} CpServerAssignment;

typedef struct
{
  char   *display_name;
  char   *accent_color;     /* nullable, "#rrggbb" */
  char   *privacy_url;      /* nullable, absolute */
  char   *support_name;     /* nullable */
  char   *support_phone;    /* nullable */
  char   *support_email;    /* nullable */
  char   *support_website;  /* nullable, absolute */
  GBytes *logo_svg;         /* nullable */
  /* Not stored with the organisation row: seeding hands them to their areas. */
  JsonNode  *compliance_policy;   /* nullable; checked by cp_server_compliance_check_policy() */
  GPtrArray *memberships;         /* CpServerMembership */
  GPtrArray *assignments;         /* CpServerAssignment */
} CpServerOrg;

void         cp_server_org_free       (CpServerOrg  *org);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpServerOrg, cp_server_org_free)

/* Reads an organisation file (see data/demo-organization.json); "logo" is a path
 * relative to the file. Every member is checked; bad input is CP_ERROR_INVALID_DATA. */
CpServerOrg *cp_server_org_load       (GFile        *file,
                                       GError      **error);
/* The same from memory; @base resolves the logo path (may be NULL: no logo allowed). */
CpServerOrg *cp_server_org_parse      (const char   *json,
                                       gsize         len,
                                       GFile        *base,
                                       GError      **error);

G_END_DECLS
