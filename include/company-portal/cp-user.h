/* cp-user.h: the signed-in user, from GET /v1/me
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CP_TYPE_USER (cp_user_get_type ())
G_DECLARE_FINAL_TYPE (CpUser, cp_user, CP, USER, GObject)

/* Checks every member it reads; NULL with CP_ERROR_INVALID_DATA otherwise. */
CpUser     *cp_user_new_from_json        (JsonNode  *node,
                                          GError   **error);
const char *cp_user_get_id               (CpUser    *self);
const char *cp_user_get_display_name     (CpUser    *self);
const char *cp_user_get_email            (CpUser    *self); /* nullable: "mail" */
const char *cp_user_get_user_principal_name (CpUser *self);  /* nullable */

G_END_DECLS
