/* cp-token-set.h: the tokens of one signed-in account
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CP_TYPE_TOKEN_SET (cp_token_set_get_type ())
G_DECLARE_FINAL_TYPE (CpTokenSet, cp_token_set, CP, TOKEN_SET, GObject)

/* From a token endpoint response (RFC 6749 §5.1); expires_at = now + expires_in. */
CpTokenSet *cp_token_set_new_from_response   (JsonObject  *response,
                                              GError     **error);
/* The keyring blob: one JSON document per account. */
CpTokenSet *cp_token_set_new_from_keyring    (const char  *json,
                                              GError     **error);
char       *cp_token_set_to_keyring          (CpTokenSet  *self);
/* A refresh response may omit the refresh or ID token: keep the old ones. */
CpTokenSet *cp_token_set_merge_refresh       (CpTokenSet  *self,
                                              CpTokenSet  *refreshed);

const char *cp_token_set_get_access_token    (CpTokenSet  *self);
const char *cp_token_set_get_refresh_token   (CpTokenSet  *self); /* nullable */
const char *cp_token_set_get_id_token        (CpTokenSet  *self); /* nullable */
const char *cp_token_set_get_scope           (CpTokenSet  *self); /* nullable: granted scopes */
gint64      cp_token_set_get_expires_at      (CpTokenSet  *self); /* unix seconds, 0 unknown */
/* TRUE if the access token expires within @margin_seconds. */
gboolean    cp_token_set_expires_within      (CpTokenSet  *self,
                                              gint64       margin_seconds);
/* From the validated ID token, for display only. */
const char *cp_token_set_get_subject         (CpTokenSet  *self);
const char *cp_token_set_get_name            (CpTokenSet  *self); /* nullable */
const char *cp_token_set_get_email           (CpTokenSet  *self); /* nullable */
void        cp_token_set_set_identity        (CpTokenSet  *self,
                                              const char  *subject,
                                              const char  *name,
                                              const char  *email);

G_END_DECLS
