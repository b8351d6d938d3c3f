/* cp-compliance-result.c: one compliance outcome with evidence and remediation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cp-compliance-result.h"

struct _CpComplianceResult
{
  GObject parent_instance;

  char *setting_id;
  char *title;
  char *rule;
  CpComplianceState state;
  char *evidence;
  char *expected;
  char *remediation_title;
  GPtrArray *steps;             /* NULL-terminated */
  CpRemediationAction action;
  char *action_value;
};

G_DEFINE_FINAL_TYPE (CpComplianceResult, cp_compliance_result, G_TYPE_OBJECT)

static const char *const state_names[] = {
  [CP_COMPLIANCE_STATE_COMPLIANT] = "compliant",
  [CP_COMPLIANCE_STATE_NONCOMPLIANT] = "noncompliant",
  [CP_COMPLIANCE_STATE_NOT_APPLICABLE] = "notApplicable",
  [CP_COMPLIANCE_STATE_UNKNOWN] = "unknown",
  [CP_COMPLIANCE_STATE_ERROR] = "error",
};

static const char *const action_names[] = {
  [CP_REMEDIATION_ACTION_NONE] = "none",
  [CP_REMEDIATION_ACTION_SETTINGS_PANEL] = "settingsPanel",
  [CP_REMEDIATION_ACTION_URL] = "url",
  [CP_REMEDIATION_ACTION_COMMAND] = "command",
};

const char *
cp_compliance_state_to_string (CpComplianceState state)
{
  g_return_val_if_fail (state <= CP_COMPLIANCE_STATE_ERROR, "error");

  return state_names[state];
}

gboolean
cp_compliance_state_from_string (const char        *name,
                                 CpComplianceState *state)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (state_names); i++)
    if (g_str_equal (name, state_names[i]))
      {
        *state = i;
        return TRUE;
      }
  return FALSE;
}

const char *
cp_remediation_action_to_string (CpRemediationAction action)
{
  g_return_val_if_fail (action <= CP_REMEDIATION_ACTION_COMMAND, "none");

  return action_names[action];
}

static void
cp_compliance_result_finalize (GObject *object)
{
  CpComplianceResult *self = CP_COMPLIANCE_RESULT (object);

  g_free (self->setting_id);
  g_free (self->title);
  g_free (self->rule);
  g_free (self->evidence);
  g_free (self->expected);
  g_free (self->remediation_title);
  g_ptr_array_unref (self->steps);
  g_free (self->action_value);

  G_OBJECT_CLASS (cp_compliance_result_parent_class)->finalize (object);
}

static void
cp_compliance_result_class_init (CpComplianceResultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_compliance_result_finalize;
}

static void
cp_compliance_result_init (CpComplianceResult *self)
{
  self->steps = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->steps, NULL);
}

CpComplianceResult *
cp_compliance_result_new (const char        *setting_id,
                          const char        *title,
                          CpComplianceState  state,
                          const char        *evidence,
                          const char        *expected)
{
  CpComplianceResult *self;

  g_return_val_if_fail (setting_id != NULL, NULL);
  g_return_val_if_fail (evidence != NULL, NULL);

  self = g_object_new (CP_TYPE_COMPLIANCE_RESULT, NULL);
  self->setting_id = g_strdup (setting_id);
  self->title = g_strdup (title != NULL ? title : setting_id);
  self->state = state;
  self->evidence = g_strdup (evidence);
  self->expected = g_strdup (expected);
  return self;
}

const char *
cp_compliance_result_get_setting_id (CpComplianceResult *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_RESULT (self), NULL);
  return self->setting_id;
}

const char *
cp_compliance_result_get_title (CpComplianceResult *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_RESULT (self), NULL);
  return self->title;
}

CpComplianceState
cp_compliance_result_get_state (CpComplianceResult *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_RESULT (self), CP_COMPLIANCE_STATE_ERROR);
  return self->state;
}

const char *
cp_compliance_result_get_evidence (CpComplianceResult *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_RESULT (self), NULL);
  return self->evidence;
}

const char *
cp_compliance_result_get_expected (CpComplianceResult *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_RESULT (self), NULL);
  return self->expected;
}

const char *
cp_compliance_result_get_rule (CpComplianceResult *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_RESULT (self), NULL);
  return self->rule;
}

void
cp_compliance_result_set_rule (CpComplianceResult *self,
                               const char         *rule)
{
  g_return_if_fail (CP_IS_COMPLIANCE_RESULT (self));
  g_free (self->rule);
  self->rule = g_strdup (rule);
}

const char *
cp_compliance_result_get_remediation_title (CpComplianceResult *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_RESULT (self), NULL);
  return self->remediation_title;
}

const char *const *
cp_compliance_result_get_remediation_steps (CpComplianceResult *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_RESULT (self), NULL);
  return (const char *const *) self->steps->pdata;
}

void
cp_compliance_result_add_remediation_step (CpComplianceResult *self,
                                           const char         *step)
{
  g_return_if_fail (CP_IS_COMPLIANCE_RESULT (self));
  g_return_if_fail (step != NULL);

  /* Keep the array NULL-terminated: replace the terminator, add a new one. */
  g_ptr_array_index (self->steps, self->steps->len - 1) = g_strdup (step);
  g_ptr_array_add (self->steps, NULL);
}

void
cp_compliance_result_set_remediation (CpComplianceResult *self,
                                      const char         *title,
                                      const char *const  *steps)
{
  g_return_if_fail (CP_IS_COMPLIANCE_RESULT (self));

  g_free (self->remediation_title);
  self->remediation_title = g_strdup (title);
  g_ptr_array_set_size (self->steps, 0);
  g_ptr_array_add (self->steps, NULL);
  for (guint i = 0; steps != NULL && steps[i] != NULL; i++)
    cp_compliance_result_add_remediation_step (self, steps[i]);
}

CpRemediationAction
cp_compliance_result_get_action (CpComplianceResult *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_RESULT (self), CP_REMEDIATION_ACTION_NONE);
  return self->action;
}

const char *
cp_compliance_result_get_action_value (CpComplianceResult *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_RESULT (self), NULL);
  return self->action_value;
}

void
cp_compliance_result_set_action (CpComplianceResult  *self,
                                 CpRemediationAction  action,
                                 const char          *value)
{
  g_return_if_fail (CP_IS_COMPLIANCE_RESULT (self));
  g_return_if_fail ((action == CP_REMEDIATION_ACTION_NONE) == (value == NULL));

  self->action = action;
  g_free (self->action_value);
  self->action_value = g_strdup (value);
}

JsonNode *
cp_compliance_result_to_json (CpComplianceResult *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (CP_IS_COMPLIANCE_RESULT (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "settingId");
  json_builder_add_string_value (builder, self->setting_id);
  if (self->rule != NULL)
    {
      json_builder_set_member_name (builder, "rule");
      json_builder_add_string_value (builder, self->rule);
    }
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, self->title);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, state_names[self->state]);
  json_builder_set_member_name (builder, "evidence");
  json_builder_add_string_value (builder, self->evidence);
  if (self->expected != NULL)
    {
      json_builder_set_member_name (builder, "expected");
      json_builder_add_string_value (builder, self->expected);
    }
  if (self->remediation_title != NULL || self->steps->len > 1 || self->action != CP_REMEDIATION_ACTION_NONE)
    {
      json_builder_set_member_name (builder, "remediation");
      json_builder_begin_object (builder);
      if (self->remediation_title != NULL)
        {
          json_builder_set_member_name (builder, "title");
          json_builder_add_string_value (builder, self->remediation_title);
        }
      json_builder_set_member_name (builder, "steps");
      json_builder_begin_array (builder);
      for (guint i = 0; i + 1 < self->steps->len; i++)
        json_builder_add_string_value (builder, g_ptr_array_index (self->steps, i));
      json_builder_end_array (builder);
      if (self->action != CP_REMEDIATION_ACTION_NONE)
        {
          json_builder_set_member_name (builder, "action");
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "type");
          json_builder_add_string_value (builder, action_names[self->action]);
          json_builder_set_member_name (builder, "value");
          json_builder_add_string_value (builder, self->action_value);
          json_builder_end_object (builder);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}
