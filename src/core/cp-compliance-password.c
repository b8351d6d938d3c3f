/* cp-compliance-password.c: the password quality rules actually in force
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-compliance-private.h"
#include "cp-error.h"

#define MAX_CONFIG_TEXT (256 * 1024)
#define MAX_OPTION_VALUE 1000
/* libpwquality: minlen below 6 is raised to 6; the default is 8; credits default to 0. */
#define PWQ_BASE_MIN_LENGTH 6
#define PWQ_DEFAULT_MIN_LENGTH 8

typedef enum
{
  OPT_MINLEN,
  OPT_DCREDIT,
  OPT_UCREDIT,
  OPT_LCREDIT,
  OPT_OCREDIT,
  OPT_MINCLASS,
  N_OPTS
} Option;

static const char *const option_names[N_OPTS] = {
  "minlen", "dcredit", "ucredit", "lcredit", "ocredit", "minclass",
};

typedef struct
{
  int values[N_OPTS];
  gboolean pam_found;
  char *pam_file;
} Quality;

typedef struct
{
  guint min_length;
  guint min_digits;
  guint min_upper;
  guint min_lower;
  guint min_symbols;
  guint min_classes;
} Required;

static int
option_index (const char *name)
{
  for (guint i = 0; i < N_OPTS; i++)
    if (g_str_equal (name, option_names[i]))
      return i;
  return -1;
}

/* Sets a known option; FALSE with an error when its value is no number. */
static gboolean
set_option (Quality     *quality,
            const char  *name,
            const char  *value,
            const char  *where,
            GError     **error)
{
  int index = option_index (name);
  char *end = NULL;
  long number;

  if (index < 0)
    return TRUE;
  errno = 0;
  number = strtol (value, &end, 10);
  if (errno != 0 || end == value || *end != '\0' || number < -MAX_OPTION_VALUE || number > MAX_OPTION_VALUE)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("%s: the value of “%s” is not a number: %s"), where, name, value);
      return FALSE;
    }
  quality->values[index] = number;
  return TRUE;
}

/* pwquality.conf: "name = value" lines and comments. */
static gboolean
apply_conf (Quality     *quality,
            const char  *text,
            const char  *path,
            GError     **error)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i], *hash = strchr (line, '#'), *eq;
      g_autofree char *where = NULL;

      if (hash != NULL)
        *hash = '\0';
      line = g_strstrip (line);
      if (*line == '\0' || (eq = strchr (line, '=')) == NULL)
        continue;     /* flags such as "enforce_for_root" and anything else we do not use */
      *eq = '\0';
      where = g_strdup_printf ("/%s:%u", path, i + 1);
      if (!set_option (quality, g_strstrip (line), g_strstrip (eq + 1), where, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_conf_files (CpHostRoot  *root,
                 Quality     *quality,
                 GError     **error)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) dropins = cp_host_root_list_dir (root, "etc/security/pwquality.conf.d", NULL);

  /* The main file first, then the drop-ins in name order; later ones win. */
  g_ptr_array_add (paths, g_strdup ("etc/security/pwquality.conf"));
  for (guint i = 0; dropins != NULL && dropins[i] != NULL; i++)
    if (g_str_has_suffix (dropins[i], ".conf"))
      g_ptr_array_add (paths, g_build_filename ("etc/security/pwquality.conf.d", dropins[i], NULL));

  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr(GError) local_error = NULL;
      g_autofree char *text = cp_host_root_read_text (root, path, MAX_CONFIG_TEXT, &local_error);

      if (text == NULL && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        continue;
      if (text == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!apply_conf (quality, text, path, error))
        return FALSE;
    }
  return TRUE;
}

/* Splits a PAM line into words; "[...]" (controls, arguments with spaces) is one word. */
static GPtrArray *
split_pam_words (const char *line)
{
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  const char *p = line;

  while (*p)
    {
      const char *start;

      while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
      if (*p == '\0')
        break;
      start = p;
      if (*p == '[')
        {
          while (*p && *p != ']')
            p += (p[0] == '\\' && p[1] != '\0') ? 2 : 1;
          if (*p == ']')
            p++;
        }
      else
        while (*p && *p != ' ' && *p != '\t' && *p != '\r')
          p++;
      g_ptr_array_add (words, g_strndup (start, p - start));
    }
  return words;
}

/* Joins continuation lines and drops comments. */
static GPtrArray *
logical_pam_lines (const char *text)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) raw = g_strsplit (text, "\n", -1);
  g_autoptr(GString) current = g_string_new (NULL);

  for (guint i = 0; raw[i] != NULL; i++)
    {
      char *hash = strchr (raw[i], '#');
      gsize len;

      if (hash != NULL)
        *hash = '\0';
      len = strlen (raw[i]);
      if (len > 0 && raw[i][len - 1] == '\\')
        {
          raw[i][len - 1] = ' ';
          g_string_append (current, raw[i]);
          continue;
        }
      g_string_append (current, raw[i]);
      g_ptr_array_add (lines, g_strdup (current->str));
      g_string_truncate (current, 0);
    }
  if (current->len > 0)
    g_ptr_array_add (lines, g_strdup (current->str));
  return lines;
}

static gboolean
is_pwquality_module (const char *module)
{
  g_autofree char *base = g_path_get_basename (module);

  return g_str_equal (base, "pam_pwquality.so");
}

/* Finds "password <control> pam_pwquality.so args" and applies its arguments. */
static gboolean
apply_pam_file (Quality     *quality,
                const char  *text,
                const char  *path,
                GError     **error)
{
  g_autoptr(GPtrArray) lines = logical_pam_lines (text);

  for (guint i = 0; i < lines->len; i++)
    {
      g_autoptr(GPtrArray) words = split_pam_words (g_ptr_array_index (lines, i));
      const char *type;

      if (words->len < 3)
        continue;
      type = g_ptr_array_index (words, 0);
      if (*type == '-')
        type++;       /* "-password": skip silently when the module is missing */
      if (g_ascii_strcasecmp (type, "password") != 0 || !is_pwquality_module (g_ptr_array_index (words, 2)))
        continue;

      quality->pam_found = TRUE;
      g_free (quality->pam_file);
      quality->pam_file = g_strdup (path);
      for (guint j = 3; j < words->len; j++)
        {
          const char *word = g_ptr_array_index (words, j);
          const char *eq = strchr (word, '=');
          g_autofree char *name = NULL;
          g_autofree char *where = NULL;

          if (eq == NULL)
            continue;
          name = g_strndup (word, eq - word);
          where = g_strdup_printf ("/%s", path);
          if (!set_option (quality, name, eq + 1, where, error))
            return FALSE;
        }
      return TRUE;
    }
  return TRUE;
}

/* Debian/Ubuntu keep the stack in common-password, Fedora/RHEL/SUSE in
 * system-auth and password-auth. The first file that loads pam_pwquality wins. */
static gboolean
read_pam (CpHostRoot  *root,
          Quality     *quality,
          GError     **error)
{
  static const char *const files[] = {
    "etc/pam.d/common-password", "etc/pam.d/system-auth", "etc/pam.d/password-auth", NULL,
  };

  for (guint i = 0; files[i] != NULL && !quality->pam_found; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *text = cp_host_root_read_text (root, files[i], MAX_CONFIG_TEXT, &local_error);

      if (text == NULL && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        continue;
      if (text == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!apply_pam_file (quality, text, files[i], error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_required (JsonObject  *parameters,
                Required    *required,
                GError     **error)
{
  return cp_compliance_param_uint (parameters, "minLength", 0, 256, &required->min_length, error)
         && cp_compliance_param_uint (parameters, "minDigits", 0, 64, &required->min_digits, error)
         && cp_compliance_param_uint (parameters, "minUppercase", 0, 64, &required->min_upper, error)
         && cp_compliance_param_uint (parameters, "minLowercase", 0, 64, &required->min_lower, error)
         && cp_compliance_param_uint (parameters, "minSymbols", 0, 64, &required->min_symbols, error)
         && cp_compliance_param_uint (parameters, "minClasses", 0, 4, &required->min_classes, error);
}

static guint
minimum_of (int credit)
{
  return credit < 0 ? (guint) -credit : 0;
}

/* What pwquality enforces, in the same terms as the policy. Positive credits
 * let each class shorten the password, so they lower the real minimum length. */
static Required
effective_rules (const Quality *quality)
{
  Required in_force = { 0 };
  int length = MAX (quality->values[OPT_MINLEN], PWQ_BASE_MIN_LENGTH);

  for (guint i = OPT_DCREDIT; i <= OPT_OCREDIT; i++)
    if (quality->values[i] > 0)
      length -= quality->values[i];
  in_force.min_length = MAX (length, 1);
  in_force.min_digits = minimum_of (quality->values[OPT_DCREDIT]);
  in_force.min_upper = minimum_of (quality->values[OPT_UCREDIT]);
  in_force.min_lower = minimum_of (quality->values[OPT_LCREDIT]);
  in_force.min_symbols = minimum_of (quality->values[OPT_OCREDIT]);
  in_force.min_classes = MAX (quality->values[OPT_MINCLASS], 0);
  return in_force;
}

static char *
describe (const Required *rules)
{
  return g_strdup_printf (_("minimum length %u, at least %u digits, %u uppercase, %u lowercase, %u symbols, %u character classes"),
                          rules->min_length, rules->min_digits, rules->min_upper,
                          rules->min_lower, rules->min_symbols, rules->min_classes);
}

static gboolean
meets (const Required *in_force,
       const Required *required)
{
  return in_force->min_length >= required->min_length
         && in_force->min_digits >= required->min_digits
         && in_force->min_upper >= required->min_upper
         && in_force->min_lower >= required->min_lower
         && in_force->min_symbols >= required->min_symbols
         && in_force->min_classes >= required->min_classes;
}

static void
add_remediation (CpComplianceResult *result,
                 const Required     *required)
{
  g_autofree char *command = NULL;
  const char *steps[] = {
    _("Make sure pam_pwquality is enabled: install libpam-pwquality (Debian, Ubuntu) or run “authselect enable-feature with-pwquality” (Fedora, RHEL)."),
    _("Ask IT, or an administrator of this computer, to set the password rules with the command below."),
    _("Change your password so that it follows the new rules, then check again."),
    NULL,
  };

  command = g_strdup_printf ("printf 'minlen = %u\\ndcredit = -%u\\nucredit = -%u\\nlcredit = -%u\\nocredit = -%u\\nminclass = %u\\n' "
                             "| sudo tee /etc/security/pwquality.conf.d/company-portal.conf",
                             MAX (required->min_length, PWQ_BASE_MIN_LENGTH), required->min_digits,
                             required->min_upper, required->min_lower, required->min_symbols,
                             required->min_classes);
  cp_compliance_result_set_remediation (result, _("Require stronger passwords"), steps);
  cp_compliance_result_set_action (result, CP_REMEDIATION_ACTION_COMMAND, command);
}

CpComplianceResult *
cp_compliance_check_password (CpHostRoot          *root,
                              CpComplianceSetting *setting)
{
  Quality quality = { { PWQ_DEFAULT_MIN_LENGTH, 0, 0, 0, 0, 0 }, FALSE, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *in_force_text = NULL;
  CpComplianceResult *result;
  Required required = { 0 };
  Required in_force;

  if (!parse_required (cp_compliance_setting_get_parameters (setting), &required, &error))
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_ERROR, NULL, "%s", error->message);
  expected = describe (&required);

  /* PAM arguments override the configuration files: read the files first. */
  if (!read_conf_files (root, &quality, &error) || !read_pam (root, &quality, &error))
    {
      result = cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_UNKNOWN, expected,
                                         _("The password configuration could not be read: %s"), error->message);
      g_free (quality.pam_file);
      return result;
    }

  if (!quality.pam_found)
    {
      result = cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_NONCOMPLIANT, expected,
                                         _("No password quality rules are configured (pam_pwquality is not in the PAM password stack)"));
      add_remediation (result, &required);
      return result;
    }

  in_force = effective_rules (&quality);
  in_force_text = describe (&in_force);
  result = cp_compliance_result_for (setting,
                                     meets (&in_force, &required) ? CP_COMPLIANCE_STATE_COMPLIANT
                                                                  : CP_COMPLIANCE_STATE_NONCOMPLIANT,
                                     expected, _("pam_pwquality in /%s: %s"), quality.pam_file, in_force_text);
  if (cp_compliance_result_get_state (result) == CP_COMPLIANCE_STATE_NONCOMPLIANT)
    add_remediation (result, &required);
  g_free (quality.pam_file);
  return result;
}
