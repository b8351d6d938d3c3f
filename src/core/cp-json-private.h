/* cp-json-private.h: reading JSON members from outside input, with type checks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every parser of server data goes through these so that a wrong type or a
 * missing member is a CP_ERROR_INVALID_DATA naming the member, never a
 * json-glib critical. A member that is present with the value null counts as
 * absent for the optional readers. Unknown members are never an error.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The checks before json-glib sees untrusted text: exactly one RFC 8259
 * document (the strict reader of cp-json-reader-private.h), nesting at most
 * 64 deep (json-glib recurses), no string holding U+0000. */
gboolean     cp_json_prescan_ok            (const char   *data,
                                            gsize         length);
/* Parses a complete JSON document; malformed text is CP_ERROR_INVALID_DATA. */
JsonNode    *cp_json_parse                 (const char   *data,
                                            gsize         length,
                                            GError      **error);
/* The object at the root of @node; anything else is CP_ERROR_INVALID_DATA. */
JsonObject  *cp_json_node_get_object       (JsonNode     *node,
                                            GError      **error);

/* Required strings must be present and non-empty. */
const char  *cp_json_require_string        (JsonObject   *object,
                                            const char   *member,
                                            GError      **error);
gboolean     cp_json_get_optional_string   (JsonObject   *object,
                                            const char   *member,
                                            const char  **out_value,
                                            GError      **error);

gboolean     cp_json_require_int64         (JsonObject   *object,
                                            const char   *member,
                                            gint64       *out_value,
                                            GError      **error);
gboolean     cp_json_get_optional_int64    (JsonObject   *object,
                                            const char   *member,
                                            gint64        default_value,
                                            gint64       *out_value,
                                            GError      **error);

gboolean     cp_json_require_boolean       (JsonObject   *object,
                                            const char   *member,
                                            gboolean     *out_value,
                                            GError      **error);
gboolean     cp_json_get_optional_boolean  (JsonObject   *object,
                                            const char   *member,
                                            gboolean      default_value,
                                            gboolean     *out_value,
                                            GError      **error);

JsonObject  *cp_json_require_object        (JsonObject   *object,
                                            const char   *member,
                                            GError      **error);
gboolean     cp_json_get_optional_object   (JsonObject   *object,
                                            const char   *member,
                                            JsonObject  **out_value,
                                            GError      **error);

/* An array whose elements are all strings; the result is a new GStrv. */
char       **cp_json_require_string_array  (JsonObject   *object,
                                            const char   *member,
                                            GError      **error);
gboolean     cp_json_get_optional_string_array (JsonObject   *object,
                                                const char   *member,
                                                char       ***out_value,
                                                GError      **error);

G_END_DECLS
