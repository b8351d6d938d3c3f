/* cp-compliance-policy.c: parses the policy JSON the server assigns
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-compliance-private.h"
#include "cp-error.h"

#define MAX_ID_LEN 128
#define MAX_TITLE_LEN 256
#define MAX_GRACE_HOURS (24 * 365)

struct _CpCompliancePolicy
{
  GObject parent_instance;

  char *id;
  GPtrArray *settings;          /* CpComplianceSetting */
};

G_DEFINE_FINAL_TYPE (CpCompliancePolicy, cp_compliance_policy, G_TYPE_OBJECT)

static gboolean
check_node (JsonNode  *node,
            guint      depth,
            guint      max_array,
            gsize      max_string,
            GError   **error)
{
  if (depth > CP_COMPLIANCE_POLICY_MAX_DEPTH)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The document is nested more than %d levels deep"), CP_COMPLIANCE_POLICY_MAX_DEPTH);
      return FALSE;
    }

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        if (n > max_array)
          {
            g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                         _("The document has a list of %u entries; at most %u are allowed"), n, max_array);
            return FALSE;
          }
        for (guint i = 0; i < n; i++)
          if (!check_node (json_array_get_element (array, i), depth + 1, max_array, max_string, error))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;
        guint n = 0;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, &name, &member))
          {
            if (++n > max_array || strlen (name) > MAX_TITLE_LEN)
              {
                g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                             _("The document has an object with too many or too long member names"));
                return FALSE;
              }
            if (!check_node (member, depth + 1, max_array, max_string, error))
              return FALSE;
          }
        return TRUE;
      }
    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING
          && strlen (json_node_get_string (node)) > max_string)
        {
          g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                       _("The document has a string longer than %lu bytes"), (unsigned long) max_string);
          return FALSE;
        }
      return TRUE;
    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

gboolean
cp_compliance_json_check_limits (JsonNode  *node,
                                 guint      max_array,
                                 gsize      max_string,
                                 GError   **error)
{
  g_return_val_if_fail (node != NULL, FALSE);

  return check_node (node, 0, max_array, max_string, error);
}

static gboolean
is_valid_id (const char *id)
{
  gsize len = strlen (id);

  if (len == 0 || len > MAX_ID_LEN)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && strchr ("._-:", id[i]) == NULL)
      return FALSE;
  return TRUE;
}

static const char *
get_string_member (JsonObject *object,
                   const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static CpComplianceSetting *
parse_setting (JsonNode  *node,
               guint      index,
               GError   **error)
{
  JsonObject *object;
  JsonNode *member;
  const char *id, *type, *title = NULL;
  JsonObject *parameters = NULL;
  gint64 grace = 0;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    goto bad;
  object = json_node_get_object (node);

  id = get_string_member (object, "id");
  type = get_string_member (object, "type");
  if (id == NULL || !is_valid_id (id))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("Setting %u has no valid “id” (1 to %d letters, digits, “.”, “_”, “-” or “:”)"),
                   index + 1, MAX_ID_LEN);
      return NULL;
    }
  if (type == NULL || *type == '\0' || strlen (type) > MAX_ID_LEN)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("Setting “%s” has no “type”"), id);
      return NULL;
    }

  if ((member = json_object_get_member (object, "title")) != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      title = get_string_member (object, "title");
      if (title == NULL || strlen (title) > MAX_TITLE_LEN)
        goto bad_member;
    }
  if ((member = json_object_get_member (object, "gracePeriodHours")) != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_INT64
          || (grace = json_node_get_int (member)) < 0 || grace > MAX_GRACE_HOURS)
        goto bad_member;
    }
  if ((member = json_object_get_member (object, "parameters")) != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      if (!JSON_NODE_HOLDS_OBJECT (member))
        goto bad_member;
      parameters = json_object_ref (json_node_get_object (member));
    }

  return cp_compliance_setting_new (id, type, title, grace, parameters);

bad:
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
               _("Setting %u is not an object"), index + 1);
  return NULL;

bad_member:
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
               _("Setting “%s” has an invalid “title”, “gracePeriodHours” (0 to %d) or “parameters”"),
               id, MAX_GRACE_HOURS);
  return NULL;
}

static void
cp_compliance_policy_finalize (GObject *object)
{
  CpCompliancePolicy *self = CP_COMPLIANCE_POLICY (object);

  g_free (self->id);
  g_ptr_array_unref (self->settings);

  G_OBJECT_CLASS (cp_compliance_policy_parent_class)->finalize (object);
}

static void
cp_compliance_policy_class_init (CpCompliancePolicyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_compliance_policy_finalize;
}

static void
cp_compliance_policy_init (CpCompliancePolicy *self)
{
  self->settings = g_ptr_array_new_with_free_func (g_object_unref);
}

CpCompliancePolicy *
cp_compliance_policy_new_from_json (JsonNode  *node,
                                    GError   **error)
{
  g_autoptr(CpCompliancePolicy) self = NULL;
  g_autoptr(GHashTable) ids = NULL;
  JsonObject *root;
  JsonNode *settings;
  JsonArray *array;
  JsonNode *member;

  g_return_val_if_fail (node != NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA, _("The compliance policy is not a JSON object"));
      return NULL;
    }
  /* Limits first: nothing of a hostile document is looked at any further. */
  if (!cp_compliance_json_check_limits (node, CP_COMPLIANCE_POLICY_MAX_ARRAY,
                                        CP_COMPLIANCE_POLICY_MAX_STRING, error))
    return NULL;

  root = json_node_get_object (node);
  settings = json_object_get_member (root, "settings");
  if (settings == NULL || !JSON_NODE_HOLDS_ARRAY (settings))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA, _("The compliance policy has no “settings” list"));
      return NULL;
    }
  array = json_node_get_array (settings);
  if (json_array_get_length (array) > CP_COMPLIANCE_POLICY_MAX_SETTINGS)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The compliance policy has more than %d settings"), CP_COMPLIANCE_POLICY_MAX_SETTINGS);
      return NULL;
    }

  self = g_object_new (CP_TYPE_COMPLIANCE_POLICY, NULL);
  if ((member = json_object_get_member (root, "id")) != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      const char *id = get_string_member (root, "id");

      if (id == NULL || !is_valid_id (id))
        {
          g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA, _("The compliance policy has an invalid “id”"));
          return NULL;
        }
      self->id = g_strdup (id);
    }

  ids = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      CpComplianceSetting *setting = parse_setting (json_array_get_element (array, i), i, error);

      if (setting == NULL)
        return NULL;
      g_ptr_array_add (self->settings, setting);
      if (!g_hash_table_add (ids, (gpointer) cp_compliance_setting_get_id (setting)))
        {
          g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                       _("The compliance policy has two settings with the id “%s”"),
                       cp_compliance_setting_get_id (setting));
          return NULL;
        }
    }

  return g_steal_pointer (&self);
}

CpCompliancePolicy *
cp_compliance_policy_new_from_data (const char  *data,
                                    gssize       length,
                                    GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len;

  g_return_val_if_fail (data != NULL, NULL);

  len = length < 0 ? strlen (data) : (gsize) length;
  if (len > CP_COMPLIANCE_POLICY_MAX_BYTES)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The compliance policy is larger than %d bytes"), CP_COMPLIANCE_POLICY_MAX_BYTES);
      return NULL;
    }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, len, &local_error)
      || json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The compliance policy is not valid JSON: %s"),
                   local_error ? local_error->message : _("the document is empty"));
      return NULL;
    }
  return cp_compliance_policy_new_from_json (json_parser_get_root (parser), error);
}

const char *
cp_compliance_policy_get_id (CpCompliancePolicy *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_POLICY (self), NULL);
  return self->id;
}

guint
cp_compliance_policy_get_n_settings (CpCompliancePolicy *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_POLICY (self), 0);
  return self->settings->len;
}

CpComplianceSetting *
cp_compliance_policy_get_setting (CpCompliancePolicy *self,
                                  guint               index)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_POLICY (self), NULL);
  g_return_val_if_fail (index < self->settings->len, NULL);
  return g_ptr_array_index (self->settings, index);
}

CpComplianceSetting *
cp_compliance_policy_lookup_setting (CpCompliancePolicy *self,
                                     const char         *id)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_POLICY (self), NULL);

  for (guint i = 0; i < self->settings->len; i++)
    {
      CpComplianceSetting *setting = g_ptr_array_index (self->settings, i);

      if (g_strcmp0 (cp_compliance_setting_get_id (setting), id) == 0)
        return setting;
    }
  return NULL;
}
