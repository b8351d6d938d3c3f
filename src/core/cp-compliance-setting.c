/* cp-compliance-setting.c: one setting of a compliance policy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cp-compliance-private.h"
#include "cp-error.h"

struct _CpComplianceSetting
{
  GObject parent_instance;

  char *id;
  char *type_name;
  CpComplianceSettingType type;
  char *title;
  guint grace_period_hours;
  JsonObject *parameters;
};

G_DEFINE_FINAL_TYPE (CpComplianceSetting, cp_compliance_setting, G_TYPE_OBJECT)

static const struct {
  const char *name;
  CpComplianceSettingType type;
  const char *title;
} setting_types[] = {
  { "distribution", CP_COMPLIANCE_SETTING_DISTRIBUTION, N_("Allowed operating system") },
  { "diskEncryption", CP_COMPLIANCE_SETTING_DISK_ENCRYPTION, N_("Disk encryption") },
  { "passwordPolicy", CP_COMPLIANCE_SETTING_PASSWORD_POLICY, N_("Password rules") },
  { "customCompliance", CP_COMPLIANCE_SETTING_CUSTOM_COMPLIANCE, N_("Custom compliance") },
  { "firewall", CP_COMPLIANCE_SETTING_FIREWALL, N_("Firewall") },
  { "screenLock", CP_COMPLIANCE_SETTING_SCREEN_LOCK, N_("Screen lock") },
  { "secureBoot", CP_COMPLIANCE_SETTING_SECURE_BOOT, N_("Secure Boot") },
  { "automaticUpdates", CP_COMPLIANCE_SETTING_AUTOMATIC_UPDATES, N_("Automatic updates") },
  { "sshServer", CP_COMPLIANCE_SETTING_SSH_SERVER, N_("Remote login (SSH)") },
};

static void
cp_compliance_setting_finalize (GObject *object)
{
  CpComplianceSetting *self = CP_COMPLIANCE_SETTING (object);

  g_free (self->id);
  g_free (self->type_name);
  g_free (self->title);
  json_object_unref (self->parameters);

  G_OBJECT_CLASS (cp_compliance_setting_parent_class)->finalize (object);
}

static void
cp_compliance_setting_class_init (CpComplianceSettingClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_compliance_setting_finalize;
}

static void
cp_compliance_setting_init (CpComplianceSetting *self)
{
}

CpComplianceSettingType
cp_compliance_setting_type_from_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (setting_types); i++)
    if (g_strcmp0 (name, setting_types[i].name) == 0)
      return setting_types[i].type;
  return CP_COMPLIANCE_SETTING_UNSUPPORTED;
}

CpComplianceSetting *
cp_compliance_setting_new (const char *id,
                           const char *type_name,
                           const char *title,
                           guint       grace_period_hours,
                           JsonObject *parameters)
{
  CpComplianceSetting *self = g_object_new (CP_TYPE_COMPLIANCE_SETTING, NULL);

  self->id = g_strdup (id);
  self->type_name = g_strdup (type_name);
  self->type = cp_compliance_setting_type_from_name (type_name);
  self->grace_period_hours = grace_period_hours;
  self->parameters = parameters != NULL ? parameters : json_object_new ();

  if (title != NULL)
    self->title = g_strdup (title);
  for (guint i = 0; self->title == NULL && i < G_N_ELEMENTS (setting_types); i++)
    if (setting_types[i].type == self->type)
      self->title = g_strdup (_(setting_types[i].title));
  if (self->title == NULL)
    self->title = g_strdup (id);
  return self;
}

const char *
cp_compliance_setting_get_id (CpComplianceSetting *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_SETTING (self), NULL);
  return self->id;
}

CpComplianceSettingType
cp_compliance_setting_get_setting_type (CpComplianceSetting *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_SETTING (self), CP_COMPLIANCE_SETTING_UNSUPPORTED);
  return self->type;
}

const char *
cp_compliance_setting_get_type_name (CpComplianceSetting *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_SETTING (self), NULL);
  return self->type_name;
}

const char *
cp_compliance_setting_get_title (CpComplianceSetting *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_SETTING (self), NULL);
  return self->title;
}

guint
cp_compliance_setting_get_grace_period_hours (CpComplianceSetting *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_SETTING (self), 0);
  return self->grace_period_hours;
}

JsonObject *
cp_compliance_setting_get_parameters (CpComplianceSetting *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_SETTING (self), NULL);
  return self->parameters;
}

/* Helpers shared by the checks. */

CpComplianceResult *
cp_compliance_result_for (CpComplianceSetting *setting,
                          CpComplianceState    state,
                          const char          *expected,
                          const char          *evidence_format,
                          ...)
{
  g_autofree char *evidence = NULL;
  va_list args;

  va_start (args, evidence_format);
  evidence = g_strdup_vprintf (evidence_format, args);
  va_end (args);

  return cp_compliance_result_new (setting->id, setting->title, state, evidence, expected);
}

static JsonNode *
get_member (JsonObject *parameters,
            const char *member)
{
  JsonNode *node = json_object_get_member (parameters, member);

  return node != NULL && !JSON_NODE_HOLDS_NULL (node) ? node : NULL;
}

gboolean
cp_compliance_param_uint (JsonObject  *parameters,
                          const char  *member,
                          guint        fallback,
                          guint        max,
                          guint       *out,
                          GError     **error)
{
  JsonNode *node = get_member (parameters, member);
  gint64 value;

  if (node == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64
      || (value = json_node_get_int (node)) < 0 || value > max)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The parameter “%s” must be a whole number from 0 to %u"), member, max);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

gboolean
cp_compliance_param_bool (JsonObject  *parameters,
                          const char  *member,
                          gboolean     fallback,
                          gboolean    *out,
                          GError     **error)
{
  JsonNode *node = get_member (parameters, member);

  if (node == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The parameter “%s” must be true or false"), member);
      return FALSE;
    }
  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
cp_compliance_param_string (JsonObject  *parameters,
                            const char  *member,
                            const char **out,
                            GError     **error)
{
  JsonNode *node = get_member (parameters, member);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The parameter “%s” must be a string"), member);
      return FALSE;
    }
  *out = json_node_get_string (node);
  return TRUE;
}
