/* cp-compliance-updates.c: security updates install automatically (APT, DNF)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-compliance-private.h"
#include "cp-error.h"

#define MAX_CONFIG_TEXT (256 * 1024)
#define MAX_APT_DEPTH 16
#define UNATTENDED_KEY "apt::periodic::unattended-upgrade"

/* A reader of APT's configuration syntax, enough for APT::Periodic:
 * "A::B::C "value";" and the nested "A { B { C "value"; }; };", with
 * //, # and C comments. Names are case-insensitive for APT. */
typedef struct
{
  const char *p;
  GPtrArray *scope;            /* open "{" names */
  GHashTable *values;          /* lowercase full name → value */
} AptReader;

static void
skip_space_and_comments (AptReader *reader)
{
  for (;;)
    {
      const char *p = reader->p;

      while (g_ascii_isspace (*p))
        p++;
      if ((p[0] == '/' && p[1] == '/') || p[0] == '#')
        {
          while (*p && *p != '\n')
            p++;
        }
      else if (p[0] == '/' && p[1] == '*')
        {
          const char *end = strstr (p + 2, "*/");

          p = end ? end + 2 : p + strlen (p);
        }
      if (p == reader->p)
        return;
      reader->p = p;
    }
}

/* A word (a name) or a "quoted value"; NULL at a delimiter or the end. */
static char *
next_token (AptReader *reader,
            gboolean  *quoted)
{
  const char *start;

  skip_space_and_comments (reader);
  *quoted = *reader->p == '"';
  if (*quoted)
    {
      start = ++reader->p;
      while (*reader->p && *reader->p != '"')
        reader->p++;
      if (*reader->p == '\0')
        return NULL;
      return g_strndup (start, reader->p++ - start);
    }
  start = reader->p;
  while (*reader->p && !g_ascii_isspace (*reader->p) && strchr ("{};\"", *reader->p) == NULL)
    reader->p++;
  return reader->p > start ? g_strndup (start, reader->p - start) : NULL;
}

static char *
full_name (AptReader  *reader,
           const char *name)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < reader->scope->len; i++)
    g_string_append_printf (text, "%s::", (char *) g_ptr_array_index (reader->scope, i));
  g_string_append (text, name);
  return g_ascii_strdown (text->str, -1);
}

static gboolean
read_apt_config (AptReader *reader)
{
  while (TRUE)
    {
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;
      gboolean quoted;

      skip_space_and_comments (reader);
      if (*reader->p == '\0')
        return reader->scope->len == 0;
      if (*reader->p == '}')
        {
          if (reader->scope->len == 0)
            return FALSE;
          g_ptr_array_remove_index (reader->scope, reader->scope->len - 1);
          reader->p++;
          skip_space_and_comments (reader);
          if (*reader->p == ';')
            reader->p++;
          continue;
        }
      name = next_token (reader, &quoted);
      if (name == NULL)
        return FALSE;
      skip_space_and_comments (reader);
      if (quoted)
        {
          /* An element of a list ("NeverAutoRemove { "^linux-.*"; };"): not a setting we read. */
          if (*reader->p != ';' || reader->scope->len == 0)
            return FALSE;
          reader->p++;
          continue;
        }
      if (*reader->p == '{')
        {
          if (reader->scope->len >= MAX_APT_DEPTH)
            return FALSE;
          reader->p++;
          g_ptr_array_add (reader->scope, g_steal_pointer (&name));
          continue;
        }
      value = next_token (reader, &quoted);
      skip_space_and_comments (reader);
      if (value == NULL || *reader->p != ';')
        return FALSE;
      reader->p++;
      g_hash_table_replace (reader->values, full_name (reader, name), g_steal_pointer (&value));
    }
}

/* apt.conf, then apt.conf.d in name order: a later file overrides. */
static GHashTable *
read_apt (CpHostRoot *root,
          GString    *garbled)
{
  GHashTable *values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) parts = cp_host_root_list_dir (root, "etc/apt/apt.conf.d", NULL);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (files, g_strdup ("etc/apt/apt.conf"));
  for (guint i = 0; parts != NULL && parts[i] != NULL; i++)
    g_ptr_array_add (files, g_build_filename ("etc/apt/apt.conf.d", parts[i], NULL));

  for (guint i = 0; i < files->len; i++)
    {
      const char *file = g_ptr_array_index (files, i);
      g_autofree char *text = cp_host_root_read_text (root, file, MAX_CONFIG_TEXT, NULL);
      g_autoptr(GPtrArray) scope = g_ptr_array_new_with_free_func (g_free);
      AptReader reader = { text, scope, values };

      if (text != NULL && !read_apt_config (&reader))
        g_string_append_printf (garbled, "%s/%s", garbled->len ? ", " : "", file);
    }
  return values;
}

static void
add_apt_remediation (CpComplianceResult *result)
{
  const char *steps[] = {
    _("Install unattended-upgrades and turn on automatic updates with the command below."),
    _("Or open Software → Update Preferences and choose to install security updates automatically."),
    _("Check again."),
    NULL,
  };

  cp_compliance_result_set_remediation (result, _("Turn on automatic security updates"), steps);
  cp_compliance_result_set_action (result, CP_REMEDIATION_ACTION_COMMAND,
                                   "sudo apt install unattended-upgrades && sudo dpkg-reconfigure -plow unattended-upgrades");
}

static void
add_dnf_remediation (CpComplianceResult *result)
{
  const char *steps[] = {
    _("Install dnf-automatic and enable its install timer with the command below."),
    _("Check again."),
    NULL,
  };

  cp_compliance_result_set_remediation (result, _("Turn on automatic security updates"), steps);
  cp_compliance_result_set_action (result, CP_REMEDIATION_ACTION_COMMAND,
                                   "sudo dnf install dnf-automatic && sudo systemctl enable --now dnf-automatic-install.timer");
}

static CpComplianceResult *
check_apt (CpHostRoot          *root,
           CpComplianceSetting *setting,
           const char          *expected)
{
  g_autoptr(GString) garbled = g_string_new (NULL);
  g_autoptr(GHashTable) values = read_apt (root, garbled);
  const char *value = g_hash_table_lookup (values, UNATTENDED_KEY);
  gboolean installed = cp_host_root_exists (root, "usr/bin/unattended-upgrade");
  CpComplianceResult *result;

  if (value != NULL && atoi (value) > 0 && installed)
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_COMPLIANT, expected,
                                     _("unattended-upgrades is installed and APT::Periodic::Unattended-Upgrade is “%s”"), value);
  /* A file we could not parse might hold the setting: do not call it off. */
  if (garbled->len > 0)
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_UNKNOWN, expected,
                                     _("APT configuration that could not be parsed: %s"), garbled->str);

  if (!installed)
    result = cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_NONCOMPLIANT, expected,
                                       _("unattended-upgrades is not installed"));
  else
    result = cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_NONCOMPLIANT, expected,
                                       _("APT::Periodic::Unattended-Upgrade is “%s”"), value ? value : _("not set"));
  add_apt_remediation (result);
  return result;
}

static gboolean
dnf_applies_updates (CpHostRoot *root,
                     const char *conf)
{
  g_autofree char *text = cp_host_root_read_text (root, conf, MAX_CONFIG_TEXT, NULL);
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *apply = NULL;

  if (text == NULL || !g_key_file_load_from_data (file, text, -1, G_KEY_FILE_NONE, NULL))
    return FALSE;
  apply = g_key_file_get_string (file, "commands", "apply_updates", NULL);
  return apply != NULL && (g_ascii_strcasecmp (g_strstrip (apply), "yes") == 0
                           || g_ascii_strcasecmp (apply, "true") == 0 || g_str_equal (apply, "1"));
}

static gboolean
timer_enabled (CpHostRoot *root,
               const char *timer)
{
  g_autofree char *path = g_build_filename ("etc/systemd/system/timers.target.wants", timer, NULL);

  return cp_host_root_exists (root, path);
}

static CpComplianceResult *
check_dnf (CpHostRoot          *root,
           CpComplianceSetting *setting,
           const char          *expected)
{
  CpComplianceResult *result;

  if (timer_enabled (root, "dnf-automatic-install.timer"))
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_COMPLIANT, expected,
                                     _("dnf-automatic-install.timer is enabled"));
  if (timer_enabled (root, "dnf-automatic.timer") && dnf_applies_updates (root, "etc/dnf/automatic.conf"))
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_COMPLIANT, expected,
                                     _("dnf-automatic.timer is enabled and applies updates"));
  if (timer_enabled (root, "dnf5-automatic.timer") && dnf_applies_updates (root, "etc/dnf/dnf5-plugins/automatic.conf"))
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_COMPLIANT, expected,
                                     _("dnf5-automatic.timer is enabled and applies updates"));

  result = cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_NONCOMPLIANT, expected,
                                     _("No dnf-automatic timer that installs updates is enabled"));
  add_dnf_remediation (result);
  return result;
}

CpComplianceResult *
cp_compliance_check_updates (CpHostRoot          *root,
                             CpComplianceSetting *setting)
{
  const char *expected = _("Security updates are installed automatically");

  if (cp_host_root_is_dir (root, "etc/apt"))
    return check_apt (root, setting, expected);
  if (cp_host_root_is_dir (root, "etc/dnf"))
    return check_dnf (root, setting, expected);
  return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_UNKNOWN, expected,
                                   _("No supported package manager configuration (APT or DNF) was found"));
}
