/* cp-compliance-screen-lock.c: the screen locks after a bounded idle time (GSettings)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cp-compliance-private.h"
#include "cp-error.h"

#define SCREENSAVER_SCHEMA "org.gnome.desktop.screensaver"
#define SESSION_SCHEMA "org.gnome.desktop.session"
#define DEFAULT_MAX_IDLE 900
#define MAX_IDLE_LIMIT (24 * 3600)

/* The schema when it exists and has @key of @type; the settings read from the
 * default backend (dconf on a desktop, memory in tests). */
static GSettings *
open_settings (GSettingsSchemaSource *source,
               const char            *schema_id,
               const char            *key,
               const GVariantType    *type)
{
  g_autoptr(GSettingsSchema) schema = g_settings_schema_source_lookup (source, schema_id, TRUE);
  g_autoptr(GSettingsSchemaKey) schema_key = NULL;

  if (schema == NULL || !g_settings_schema_has_key (schema, key))
    return NULL;
  schema_key = g_settings_schema_get_key (schema, key);
  if (!g_variant_type_equal (g_settings_schema_key_get_value_type (schema_key), type))
    return NULL;
  return g_settings_new_full (schema, NULL, NULL);
}

static void
add_remediation (CpComplianceResult *result,
                 guint               max_idle)
{
  g_autofree char *command = NULL;
  const char *steps[] = {
    _("Open Settings → Privacy → Screen Lock (Settings → Privacy & Security on newer GNOME)."),
    _("Turn on “Automatic Screen Lock”."),
    _("In Settings → Power, set “Screen Blank” to a delay no longer than required."),
    _("Check again."),
    NULL,
  };

  command = g_strdup_printf ("gsettings set org.gnome.desktop.screensaver lock-enabled true && "
                             "gsettings set org.gnome.desktop.session idle-delay %u",
                             MIN (max_idle, 300u));
  cp_compliance_result_set_remediation (result, _("Lock the screen when you are away"), steps);
  cp_compliance_result_set_action (result, CP_REMEDIATION_ACTION_SETTINGS_PANEL, "privacy");
  /* The command is the fallback on desktops whose panel is elsewhere. */
  cp_compliance_result_add_remediation_step (result, command);
}

CpComplianceResult *
cp_compliance_check_screen_lock (GSettingsSchemaSource *source,
                                 CpComplianceSetting   *setting)
{
  g_autoptr(GSettings) screensaver = NULL;
  g_autoptr(GSettings) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  CpComplianceResult *result;
  gboolean lock_enabled;
  guint max_idle, idle;

  if (!cp_compliance_param_uint (cp_compliance_setting_get_parameters (setting), "maxIdleDelaySeconds",
                                 DEFAULT_MAX_IDLE, MAX_IDLE_LIMIT, &max_idle, &error))
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_ERROR, NULL, "%s", error->message);
  if (max_idle == 0)
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_ERROR, NULL,
                                     _("The parameter “maxIdleDelaySeconds” must be at least 1"));
  expected = g_strdup_printf (_("The screen locks after at most %u seconds of inactivity"), max_idle);

  if (source == NULL)
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_UNKNOWN, expected,
                                     _("No settings schemas are installed"));
  screensaver = open_settings (source, SCREENSAVER_SCHEMA, "lock-enabled", G_VARIANT_TYPE_BOOLEAN);
  session = open_settings (source, SESSION_SCHEMA, "idle-delay", G_VARIANT_TYPE_UINT32);
  if (screensaver == NULL || session == NULL)
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_UNKNOWN, expected,
                                     _("The GNOME desktop settings (%s, %s) are not installed"),
                                     SCREENSAVER_SCHEMA, SESSION_SCHEMA);

  lock_enabled = g_settings_get_boolean (screensaver, "lock-enabled");
  idle = g_settings_get_uint (session, "idle-delay");

  if (lock_enabled && idle > 0 && idle <= max_idle)
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_COMPLIANT, expected,
                                     _("The screen locks after %u seconds of inactivity"), idle);

  if (!lock_enabled)
    result = cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_NONCOMPLIANT, expected,
                                       _("Automatic screen lock is off"));
  else if (idle == 0)
    result = cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_NONCOMPLIANT, expected,
                                       _("The screen never goes blank, so it never locks"));
  else
    result = cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_NONCOMPLIANT, expected,
                                       _("The screen locks only after %u seconds of inactivity"), idle);
  add_remediation (result, max_idle);
  return result;
}
