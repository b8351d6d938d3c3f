/* cp-compliance-distribution.c: allowed distributions and versions (os-release)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-compliance-private.h"
#include "cp-compliance-version.h"
#include "cp-error.h"

#define MAX_OS_RELEASE (64 * 1024)

/* Unquotes one os-release value: "..." with \ escapes, '...' literal, or bare. */
static char *
unquote_value (const char *value)
{
  gsize len = strlen (value);
  GString *out;

  if (len >= 2 && value[0] == '\'' && value[len - 1] == '\'')
    return g_strndup (value + 1, len - 2);
  if (!(len >= 2 && value[0] == '"' && value[len - 1] == '"'))
    return strpbrk (value, "\"'`$\\ \t") == NULL ? g_strdup (value) : NULL;

  out = g_string_sized_new (len);
  for (gsize i = 1; i + 1 < len; i++)
    {
      if (value[i] == '\\' && i + 2 < len)
        i++;
      else if (value[i] == '"' || value[i] == '`' || value[i] == '$')
        return (g_string_free (out, TRUE), NULL);
      g_string_append_c (out, value[i]);
    }
  return g_string_free (out, FALSE);
}

GHashTable *
cp_compliance_parse_env_file (const char  *text,
                              GError     **error)
{
  g_autoptr(GHashTable) vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      char *eq, *value;

      if (*line == '\0' || *line == '#')
        continue;
      eq = strchr (line, '=');
      if (eq == NULL || eq == line)
        goto garbled;
      *eq = '\0';
      for (char *p = line; *p; p++)
        if (!g_ascii_isalnum (*p) && *p != '_')
          goto garbled;
      value = unquote_value (eq + 1);
      if (value == NULL)
        goto garbled;
      g_hash_table_replace (vars, g_strdup (line), value);
      continue;

    garbled:
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("Line %u is not a KEY=value assignment"), i + 1);
      return NULL;
    }
  return g_steal_pointer (&vars);
}

/* Inside Flatpak the host's file is at run/host/os-release; outside, the
 * usual two places in their documented order. */
static char *
read_os_release (CpHostRoot  *root,
                 char       **used_path,
                 GError     **error)
{
  const char *host_paths[] = { "run/host/os-release", NULL };
  const char *native_paths[] = { "etc/os-release", "usr/lib/os-release", NULL };
  const char **paths = cp_host_root_exists (root, ".flatpak-info") ? host_paths : native_paths;
  g_autoptr(GError) first_error = NULL;

  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;
      char *text = cp_host_root_read_text (root, paths[i], MAX_OS_RELEASE, &local_error);

      if (text != NULL)
        {
          *used_path = g_strdup (paths[i]);
          return text;
        }
      if (first_error == NULL || !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_clear_error (&first_error), first_error = g_steal_pointer (&local_error);
    }
  g_propagate_error (error, g_steal_pointer (&first_error));
  return NULL;
}

typedef struct
{
  const char *id;
  const char *min_version;
  const char *max_version;
} Allowed;

static gboolean
parse_allowed (JsonObject  *parameters,
               GArray      *allowed,
               GError     **error)
{
  JsonNode *node = json_object_get_member (parameters, "allowed");
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) == 0)
    goto bad;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autoptr(GError) local_error = NULL;
      Allowed entry = { 0 };
      JsonObject *object;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        goto bad;
      object = json_node_get_object (element);
      if (!cp_compliance_param_string (object, "id", &entry.id, NULL) || entry.id == NULL
          || !cp_compliance_param_string (object, "minVersion", &entry.min_version, NULL)
          || !cp_compliance_param_string (object, "maxVersion", &entry.max_version, NULL)
          || (entry.min_version && !cp_compliance_version_is_valid (entry.min_version))
          || (entry.max_version && !cp_compliance_version_is_valid (entry.max_version)))
        goto bad;
      g_array_append_val (allowed, entry);
    }
  return TRUE;

bad:
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
               _("The parameter “allowed” must be a non-empty list of {id, minVersion?, maxVersion?}"));
  return FALSE;
}

static char *
describe_allowed (GArray *allowed)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < allowed->len; i++)
    {
      Allowed *entry = &g_array_index (allowed, Allowed, i);

      if (i > 0)
        g_string_append (text, ", ");
      g_string_append (text, entry->id);
      if (entry->min_version && entry->max_version)
        g_string_append_printf (text, " %s–%s", entry->min_version, entry->max_version);
      else if (entry->min_version)
        g_string_append_printf (text, " %s %s", _("from"), entry->min_version);
      else if (entry->max_version)
        g_string_append_printf (text, " %s %s", _("up to"), entry->max_version);
    }
  return g_string_free (text, FALSE);
}

static gboolean
version_allowed (const Allowed *entry,
                 const char    *version)
{
  if (entry->min_version && cp_compliance_version_compare (version, entry->min_version) < 0)
    return FALSE;
  if (entry->max_version && cp_compliance_version_compare (version, entry->max_version) > 0)
    return FALSE;
  return TRUE;
}

static CpComplianceResult *
noncompliant (CpComplianceSetting *setting,
              const char          *expected,
              const char          *evidence)
{
  CpComplianceResult *result = cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_NONCOMPLIANT,
                                                         expected, "%s", evidence);
  const char *steps[] = {
    _("Back up your files."),
    _("Upgrade or reinstall the system with one of the allowed versions."),
    _("Open Company Portal and check again."),
    NULL,
  };

  cp_compliance_result_set_remediation (result, _("Move to an allowed operating system version"), steps);
  return result;
}

CpComplianceResult *
cp_compliance_check_distribution (CpHostRoot          *root,
                                  CpComplianceSetting *setting)
{
  g_autoptr(GArray) allowed = g_array_new (FALSE, TRUE, sizeof (Allowed));
  g_autoptr(GHashTable) vars = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *evidence = NULL;
  const char *id, *version, *name;

  if (!parse_allowed (cp_compliance_setting_get_parameters (setting), allowed, &error))
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_ERROR, NULL, "%s", error->message);
  expected = describe_allowed (allowed);

  text = read_os_release (root, &path, &error);
  if (text == NULL)
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_UNKNOWN, expected,
                                     _("The operating system could not be identified: %s"), error->message);
  vars = cp_compliance_parse_env_file (text, &error);
  if (vars == NULL)
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_UNKNOWN, expected,
                                     _("/%s is garbled: %s"), path, error->message);

  id = g_hash_table_lookup (vars, "ID");
  version = g_hash_table_lookup (vars, "VERSION_ID");
  name = g_hash_table_lookup (vars, "PRETTY_NAME");
  if (id == NULL || *id == '\0')
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_UNKNOWN, expected,
                                     _("/%s does not name the distribution (no ID)"), path);

  evidence = version ? g_strdup_printf ("%s %s (%s)", id, version, name ? name : id)
                     : g_strdup_printf (_("%s without a version (%s)"), id, name ? name : id);

  for (guint i = 0; i < allowed->len; i++)
    {
      Allowed *entry = &g_array_index (allowed, Allowed, i);

      if (g_ascii_strcasecmp (entry->id, id) != 0)
        continue;
      if (entry->min_version == NULL && entry->max_version == NULL)
        return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_COMPLIANT, expected, "%s", evidence);
      /* A version limit cannot be met by a system that states no version. */
      if (version != NULL && cp_compliance_version_is_valid (version) && version_allowed (entry, version))
        return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_COMPLIANT, expected, "%s", evidence);
    }

  return noncompliant (setting, expected, evidence);
}
