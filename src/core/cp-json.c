/* cp-json.c: reading JSON members from outside input, with type checks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-error.h"
#include "cp-json-private.h"

/* json-glib parses recursively: a body of nested brackets would exhaust the
 * stack long before the body size limit. No Portal API document comes close. */
#define MAX_DEPTH 64

static gboolean
set_missing (GError     **error,
             const char  *member)
{
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
               _("The server’s answer has no “%s” member"), member);
  return FALSE;
}

static gboolean
set_wrong_type (GError     **error,
                const char  *member,
                const char  *expected)
{
  /* TRANSLATORS: the second %s is a JSON type: "a string", "a number"... */
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
               _("The member “%s” of the server’s answer must be %s"),
               member, expected);
  return FALSE;
}

/* The node of @member, or NULL when it is absent or null. */
static JsonNode *
lookup (JsonObject *object,
        const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;

  return node;
}

static gboolean
holds_value_of_type (JsonNode *node,
                     GType     type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
hex4_at (const char *data,
         gsize       length,
         gsize       start)
{
  if (start + 4 > length)
    return FALSE;
  for (gsize i = start; i < start + 4; i++)
    if (!g_ascii_isxdigit (data[i]))
      return FALSE;
  return TRUE;
}

gboolean
cp_json_prescan_ok (const char *data,
                    gsize       length)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            {
              /* json-glib 1.6 lets invalid escapes ("\2") through as raw,
               * non-UTF-8 bytes: refuse them here. */
              if (i + 1 >= length || data[i + 1] == '\0' ||
                  strchr ("\"\\/bfnrtu", data[i + 1]) == NULL)
                return FALSE;
              /* A truncated "\u" escape also makes json-glib 1.6 leak the
               * string it was building: refuse it before json-glib sees it. */
              if (data[i + 1] == 'u' && !hex4_at (data, length, i + 2))
                return FALSE;
              i++;
            }
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if ((c == '[' || c == '{') && ++depth > MAX_DEPTH)
        return FALSE;
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }

  return TRUE;
}

JsonNode *
cp_json_parse (const char  *data,
               gsize        length,
               GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (length > G_MAXSSIZE || !g_utf8_validate_len (data, length, NULL) ||
      !cp_json_prescan_ok (data, length) ||
      !json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      /* Not the parser's message: it may quote the body. */
      g_debug ("Invalid JSON document of %" G_GSIZE_FORMAT " bytes", length);
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The server sent data that is not valid JSON"));
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The server sent an empty answer"));
      return NULL;
    }

  return json_node_ref (root);
}

JsonObject *
cp_json_node_get_object (JsonNode  *node,
                         GError   **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The server’s answer is not a JSON object"));
      return NULL;
    }

  return json_node_get_object (node);
}

gboolean
cp_json_get_optional_string (JsonObject   *object,
                             const char   *member,
                             const char  **out_value,
                             GError      **error)
{
  JsonNode *node = lookup (object, member);

  *out_value = NULL;
  if (node == NULL)
    return TRUE;

  if (!holds_value_of_type (node, G_TYPE_STRING))
    return set_wrong_type (error, member, _("a string"));

  *out_value = json_node_get_string (node);
  return TRUE;
}

const char *
cp_json_require_string (JsonObject  *object,
                        const char  *member,
                        GError     **error)
{
  const char *value;

  if (!cp_json_get_optional_string (object, member, &value, error))
    return NULL;

  if (value == NULL)
    {
      set_missing (error, member);
      return NULL;
    }

  if (*value == '\0')
    {
      set_wrong_type (error, member, _("a non-empty string"));
      return NULL;
    }

  return value;
}

gboolean
cp_json_get_optional_int64 (JsonObject  *object,
                            const char  *member,
                            gint64       default_value,
                            gint64      *out_value,
                            GError     **error)
{
  JsonNode *node = lookup (object, member);

  *out_value = default_value;
  if (node == NULL)
    return TRUE;

  /* json-glib types integers as gint64 and anything with a fraction or an
   * exponent as double: a double here is not an integer. */
  if (!holds_value_of_type (node, G_TYPE_INT64))
    return set_wrong_type (error, member, _("an integer"));

  *out_value = json_node_get_int (node);
  return TRUE;
}

gboolean
cp_json_require_int64 (JsonObject  *object,
                       const char  *member,
                       gint64      *out_value,
                       GError     **error)
{
  if (lookup (object, member) == NULL)
    return set_missing (error, member);

  return cp_json_get_optional_int64 (object, member, 0, out_value, error);
}

gboolean
cp_json_get_optional_boolean (JsonObject  *object,
                              const char  *member,
                              gboolean     default_value,
                              gboolean    *out_value,
                              GError     **error)
{
  JsonNode *node = lookup (object, member);

  *out_value = default_value;
  if (node == NULL)
    return TRUE;

  if (!holds_value_of_type (node, G_TYPE_BOOLEAN))
    return set_wrong_type (error, member, _("true or false"));

  *out_value = json_node_get_boolean (node);
  return TRUE;
}

gboolean
cp_json_require_boolean (JsonObject  *object,
                         const char  *member,
                         gboolean    *out_value,
                         GError     **error)
{
  if (lookup (object, member) == NULL)
    return set_missing (error, member);

  return cp_json_get_optional_boolean (object, member, FALSE, out_value, error);
}

gboolean
cp_json_get_optional_object (JsonObject   *object,
                             const char   *member,
                             JsonObject  **out_value,
                             GError      **error)
{
  JsonNode *node = lookup (object, member);

  *out_value = NULL;
  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return set_wrong_type (error, member, _("an object"));

  *out_value = json_node_get_object (node);
  return TRUE;
}

JsonObject *
cp_json_require_object (JsonObject  *object,
                        const char  *member,
                        GError     **error)
{
  JsonObject *value;

  if (!cp_json_get_optional_object (object, member, &value, error))
    return NULL;

  if (value == NULL)
    set_missing (error, member);

  return value;
}

gboolean
cp_json_get_optional_string_array (JsonObject   *object,
                                   const char   *member,
                                   char       ***out_value,
                                   GError      **error)
{
  JsonNode *node = lookup (object, member);
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonArray *array;
  guint length;

  *out_value = NULL;
  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return set_wrong_type (error, member, _("an array of strings"));

  array = json_node_get_array (node);
  length = json_array_get_length (array);
  builder = g_strv_builder_new ();
  for (guint i = 0; i < length; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!holds_value_of_type (element, G_TYPE_STRING))
        return set_wrong_type (error, member, _("an array of strings"));

      g_strv_builder_add (builder, json_node_get_string (element));
    }

  *out_value = g_strv_builder_end (builder);
  return TRUE;
}

char **
cp_json_require_string_array (JsonObject  *object,
                              const char  *member,
                              GError     **error)
{
  char **value;

  if (!cp_json_get_optional_string_array (object, member, &value, error))
    return NULL;

  if (value == NULL)
    set_missing (error, member);

  return value;
}
