/* cp-compliance-engine.c: evaluates a policy, setting after setting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cp-compliance-engine.h"
#include "cp-compliance-private.h"
#include "cp-compliance-rules.h"
#include "cp-compliance-script.h"
#include "cp-error.h"

#define MAX_TIMEOUT_SECONDS 3600
#define MAX_OUTPUT_STRING (64 * 1024)

struct _CpComplianceEngine
{
  GObject parent_instance;

  CpHostRoot *root;
  GSettingsSchemaSource *schema_source;     /* nullable: the default */
  guint script_timeout_ms;
  GStrv languages;                          /* nullable: g_get_language_names () */
};

G_DEFINE_FINAL_TYPE (CpComplianceEngine, cp_compliance_engine, G_TYPE_OBJECT)

enum { SETTING_EVALUATED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct
{
  CpCompliancePolicy *policy;
  GPtrArray *results;
  guint index;
} EvalData;

typedef struct
{
  CpComplianceRules *rules;
  CpComplianceSetting *setting;
} CustomData;

static void
eval_data_free (EvalData *data)
{
  g_clear_object (&data->policy);
  g_clear_pointer (&data->results, g_ptr_array_unref);
  g_free (data);
}

static void
custom_data_free (CustomData *data)
{
  g_clear_object (&data->rules);
  g_clear_object (&data->setting);
  g_free (data);
}

static const char *const *
get_languages (CpComplianceEngine *self)
{
  return self->languages ? (const char *const *) self->languages : g_get_language_names ();
}

static void evaluate_next (GTask *task);

static void
setting_done (GTask               *task,
              CpComplianceSetting *setting)
{
  CpComplianceEngine *self = g_task_get_source_object (task);
  EvalData *data = g_task_get_task_data (task);

  data->index++;
  g_signal_emit (self, signals[SETTING_EVALUATED], 0, setting, data->index,
                 cp_compliance_policy_get_n_settings (data->policy));
  evaluate_next (task);
}

/* Built-in checks read files only: a worker thread keeps the caller's loop free. */
static void
builtin_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  CpComplianceEngine *self = source_object;
  CpComplianceSetting *setting = task_data;
  CpComplianceResult *result;

  switch (cp_compliance_setting_get_setting_type (setting))
    {
    case CP_COMPLIANCE_SETTING_DISTRIBUTION: result = cp_compliance_check_distribution (self->root, setting); break;
    case CP_COMPLIANCE_SETTING_DISK_ENCRYPTION: result = cp_compliance_check_disk (self->root, setting); break;
    case CP_COMPLIANCE_SETTING_PASSWORD_POLICY: result = cp_compliance_check_password (self->root, setting); break;
    case CP_COMPLIANCE_SETTING_FIREWALL: result = cp_compliance_check_firewall (self->root, setting); break;
    case CP_COMPLIANCE_SETTING_SECURE_BOOT: result = cp_compliance_check_secure_boot (self->root, setting); break;
    case CP_COMPLIANCE_SETTING_AUTOMATIC_UPDATES: result = cp_compliance_check_updates (self->root, setting); break;
    case CP_COMPLIANCE_SETTING_SSH_SERVER: result = cp_compliance_check_ssh (self->root, setting); break;
    default: g_assert_not_reached ();
    }
  g_task_return_pointer (task, result, g_object_unref);
}

static void
builtin_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  EvalData *data = g_task_get_task_data (task);
  CpComplianceSetting *setting = g_task_get_task_data (G_TASK (result));

  g_ptr_array_add (data->results, g_task_propagate_pointer (G_TASK (result), NULL));
  setting_done (task, setting);
}

static void
add_error (EvalData            *data,
           CpComplianceSetting *setting,
           const char          *message)
{
  g_ptr_array_add (data->results,
                   cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_ERROR, NULL, "%s", message));
}

static JsonObject *
parse_output (GBytes  *bytes,
              GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  gsize len;
  const char *text = g_bytes_get_data (bytes, &len);
  JsonNode *root;

  if (len == 0 || !g_utf8_validate (text, len, NULL)
      || !json_parser_load_from_data (parser, text, len, &local_error)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The discovery script did not print a JSON object%s%s"),
                   local_error ? ": " : "", local_error ? local_error->message : "");
      return NULL;
    }
  if (!cp_compliance_json_check_limits (root, CP_COMPLIANCE_POLICY_MAX_ARRAY, MAX_OUTPUT_STRING, error))
    return NULL;
  return json_object_ref (json_node_get_object (root));
}

static void
script_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CpComplianceEngine *self = g_task_get_source_object (task);
  EvalData *data = g_task_get_task_data (task);
  CustomData *custom = g_object_get_data (object, "cp-custom");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) output = cp_compliance_script_run_finish (CP_COMPLIANCE_SCRIPT (object), result, &error);
  g_autoptr(JsonObject) values = NULL;
  g_autoptr(GPtrArray) results = NULL;
  const char *id = cp_compliance_setting_get_id (custom->setting);
  const char *title = cp_compliance_setting_get_title (custom->setting);

  if (cp_error_is_cancelled (error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (output != NULL)
    values = parse_output (output, &error);
  if (values != NULL)
    results = cp_compliance_rules_evaluate (custom->rules, id, title, values, get_languages (self));
  else
    results = cp_compliance_rules_fail_all (custom->rules, id, title, error->message);

  g_ptr_array_extend_and_steal (data->results, g_steal_pointer (&results));
  setting_done (task, custom->setting);
}

/* Parameters: script (text with a shebang), rules ({"Rules": [...]}), timeoutSeconds. */
static gboolean
start_custom (GTask               *task,
              CpComplianceSetting *setting,
              GError             **error)
{
  CpComplianceEngine *self = g_task_get_source_object (task);
  JsonObject *parameters = cp_compliance_setting_get_parameters (setting);
  g_autoptr(CpComplianceScript) script = NULL;
  CustomData *custom;
  JsonNode *rules_node = json_object_get_member (parameters, "rules");
  g_autoptr(CpComplianceRules) rules = NULL;
  const char *text;
  guint timeout_s;

  if (!cp_compliance_param_string (parameters, "script", &text, error)
      || !cp_compliance_param_uint (parameters, "timeoutSeconds", (self->script_timeout_ms + 999) / 1000,
                                    MAX_TIMEOUT_SECONDS, &timeout_s, error))
    return FALSE;
  if (text == NULL || timeout_s == 0)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("A custom compliance setting needs a “script” and a “timeoutSeconds” above 0"));
      return FALSE;
    }
  if (rules_node == NULL)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA, _("A custom compliance setting needs “rules”"));
      return FALSE;
    }
  rules = cp_compliance_rules_new_from_json (rules_node, error);
  if (rules == NULL)
    return FALSE;

  script = cp_compliance_script_new (text);
  /* The engine's own limit (set in ms by tests) applies when the policy sets none. */
  cp_compliance_script_set_timeout (script,
                                    json_object_has_member (parameters, "timeoutSeconds")
                                      ? timeout_s * 1000 : self->script_timeout_ms,
                                    2000);
  custom = g_new0 (CustomData, 1);
  custom->rules = g_steal_pointer (&rules);
  custom->setting = g_object_ref (setting);
  g_object_set_data_full (G_OBJECT (script), "cp-custom", custom, (GDestroyNotify) custom_data_free);
  cp_compliance_script_run_async (script, g_task_get_cancellable (task), script_cb, g_object_ref (task));
  return TRUE;
}

static void
evaluate_next (GTask *task)
{
  CpComplianceEngine *self = g_task_get_source_object (task);
  EvalData *data = g_task_get_task_data (task);
  CpComplianceSetting *setting;
  g_autoptr(GError) error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (data->index >= cp_compliance_policy_get_n_settings (data->policy))
    {
      g_task_return_pointer (task, g_steal_pointer (&data->results), (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  setting = cp_compliance_policy_get_setting (data->policy, data->index);
  g_debug ("evaluating %s (%s)", cp_compliance_setting_get_id (setting), cp_compliance_setting_get_type_name (setting));

  switch (cp_compliance_setting_get_setting_type (setting))
    {
    case CP_COMPLIANCE_SETTING_UNSUPPORTED:
      {
        g_autofree char *message = g_strdup_printf (_("This version of Company Portal cannot check settings of type “%s”"),
                                                    cp_compliance_setting_get_type_name (setting));

        add_error (data, setting, message);
        setting_done (task, setting);
        return;
      }
    case CP_COMPLIANCE_SETTING_SCREEN_LOCK:
      g_ptr_array_add (data->results,
                       cp_compliance_check_screen_lock (self->schema_source ? self->schema_source
                                                                            : g_settings_schema_source_get_default (),
                                                        setting));
      setting_done (task, setting);
      return;
    case CP_COMPLIANCE_SETTING_CUSTOM_COMPLIANCE:
      if (!start_custom (task, setting, &error))
        {
          add_error (data, setting, error->message);
          setting_done (task, setting);
        }
      return;
    default:
      {
        g_autoptr(GTask) check = g_task_new (self, NULL, builtin_cb, g_object_ref (task));

        g_task_set_source_tag (check, builtin_thread);
        g_task_set_task_data (check, g_object_ref (setting), g_object_unref);
        g_task_run_in_thread (check, builtin_thread);
        return;
      }
    }
}

static void
cp_compliance_engine_dispose (GObject *object)
{
  CpComplianceEngine *self = CP_COMPLIANCE_ENGINE (object);

  g_clear_object (&self->root);
  g_clear_pointer (&self->schema_source, g_settings_schema_source_unref);

  G_OBJECT_CLASS (cp_compliance_engine_parent_class)->dispose (object);
}

static void
cp_compliance_engine_finalize (GObject *object)
{
  CpComplianceEngine *self = CP_COMPLIANCE_ENGINE (object);

  g_strfreev (self->languages);

  G_OBJECT_CLASS (cp_compliance_engine_parent_class)->finalize (object);
}

static void
cp_compliance_engine_class_init (CpComplianceEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cp_compliance_engine_dispose;
  object_class->finalize = cp_compliance_engine_finalize;

  signals[SETTING_EVALUATED] =
    g_signal_new ("setting-evaluated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  CP_TYPE_COMPLIANCE_SETTING, G_TYPE_UINT, G_TYPE_UINT);
}

static void
cp_compliance_engine_init (CpComplianceEngine *self)
{
  self->script_timeout_ms = CP_COMPLIANCE_SCRIPT_DEFAULT_TIMEOUT_MS;
}

CpComplianceEngine *
cp_compliance_engine_new (CpHostRoot *root)
{
  CpComplianceEngine *self;

  g_return_val_if_fail (CP_IS_HOST_ROOT (root), NULL);

  self = g_object_new (CP_TYPE_COMPLIANCE_ENGINE, NULL);
  self->root = g_object_ref (root);
  return self;
}

CpHostRoot *
cp_compliance_engine_get_root (CpComplianceEngine *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_ENGINE (self), NULL);
  return self->root;
}

void
cp_compliance_engine_set_schema_source (CpComplianceEngine    *self,
                                        GSettingsSchemaSource *source)
{
  g_return_if_fail (CP_IS_COMPLIANCE_ENGINE (self));

  g_clear_pointer (&self->schema_source, g_settings_schema_source_unref);
  if (source != NULL)
    self->schema_source = g_settings_schema_source_ref (source);
}

void
cp_compliance_engine_set_script_timeout (CpComplianceEngine *self,
                                         guint               timeout_ms)
{
  g_return_if_fail (CP_IS_COMPLIANCE_ENGINE (self));
  g_return_if_fail (timeout_ms > 0);

  self->script_timeout_ms = timeout_ms;
}

void
cp_compliance_engine_set_languages (CpComplianceEngine *self,
                                    const char *const  *languages)
{
  g_return_if_fail (CP_IS_COMPLIANCE_ENGINE (self));

  g_strfreev (self->languages);
  self->languages = g_strdupv ((GStrv) languages);
}

void
cp_compliance_engine_evaluate_async (CpComplianceEngine  *self,
                                     CpCompliancePolicy  *policy,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  EvalData *data;

  g_return_if_fail (CP_IS_COMPLIANCE_ENGINE (self));
  g_return_if_fail (CP_IS_COMPLIANCE_POLICY (policy));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_compliance_engine_evaluate_async);
  data = g_new0 (EvalData, 1);
  data->policy = g_object_ref (policy);
  data->results = g_ptr_array_new_with_free_func (g_object_unref);
  g_task_set_task_data (task, data, (GDestroyNotify) eval_data_free);

  evaluate_next (task);
}

GPtrArray *
cp_compliance_engine_evaluate_finish (CpComplianceEngine  *self,
                                      GAsyncResult        *result,
                                      GError             **error)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_ENGINE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
