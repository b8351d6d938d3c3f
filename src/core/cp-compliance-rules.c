/* cp-compliance-rules.c: Intune custom compliance rules
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-compliance-rules.h"
#include "cp-compliance-version.h"
#include "cp-error.h"

#define MAX_NAME_LEN 256
#define MAX_TEXT_LEN (16 * 1024)
#define MAX_REMEDIATION_STRINGS 64

typedef enum { OP_EQ, OP_NE, OP_GT, OP_GE, OP_LT, OP_LE } Operator;
typedef enum { TYPE_BOOLEAN, TYPE_INT64, TYPE_DOUBLE, TYPE_STRING, TYPE_DATETIME, TYPE_VERSION } DataType;

static const char *const operator_names[] = { "IsEquals", "NotEquals", "GreaterThan", "GreaterEquals", "LessThan", "LessEquals" };
static const char *const operator_symbols[] = { "=", "≠", ">", "≥", "<", "≤" };
static const char *const type_names[] = { "Boolean", "Int64", "Double", "String", "DateTime", "Version" };

typedef struct
{
  char *language;       /* normalised: "de_DE" */
  char *title;
  char *description;
} RemediationText;

typedef struct
{
  gboolean b;
  gint64 i;
  double d;
  char *s;              /* String and Version */
  GDateTime *dt;
} Value;

typedef struct
{
  char *setting_name;
  Operator op;
  DataType type;
  Value operand;
  char *operand_text;
  char *more_info_url;
  GArray *texts;        /* RemediationText */
} Rule;

struct _CpComplianceRules
{
  GObject parent_instance;

  GPtrArray *rules;     /* Rule */
};

G_DEFINE_FINAL_TYPE (CpComplianceRules, cp_compliance_rules, G_TYPE_OBJECT)

static void
value_clear (Value *value)
{
  g_clear_pointer (&value->s, g_free);
  g_clear_pointer (&value->dt, g_date_time_unref);
}

static void
text_clear (RemediationText *text)
{
  g_free (text->language);
  g_free (text->title);
  g_free (text->description);
}

static void
rule_free (Rule *rule)
{
  g_free (rule->setting_name);
  value_clear (&rule->operand);
  g_free (rule->operand_text);
  g_free (rule->more_info_url);
  g_array_unref (rule->texts);
  g_free (rule);
}

static int
lookup_name (const char *const *names,
             guint              n,
             const char        *name)
{
  for (guint i = 0; name != NULL && i < n; i++)
    if (g_str_equal (names[i], name))
      return i;
  return -1;
}

static const char *
string_member (JsonObject *object,
               const char *name,
               gsize       max_len)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  value = json_node_get_string (node);
  return strlen (value) <= max_len ? value : NULL;
}

static char *
normalise_language (const char *language)
{
  char *text = g_strdup (language);

  g_strdelimit (text, "-", '_');
  text[strcspn (text, ".@")] = '\0';
  return text;
}

/* Reads a value of @type from JSON: the native JSON type, or (for operands,
 * which Intune writes as strings) its text form when @from_text is set. */
static gboolean
read_value (JsonNode  *node,
            DataType   type,
            gboolean   from_text,
            Value     *value)
{
  GType vtype;
  const char *text = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  vtype = json_node_get_value_type (node);
  if (vtype == G_TYPE_STRING)
    text = json_node_get_string (node);

  switch (type)
    {
    case TYPE_BOOLEAN:
      if (vtype == G_TYPE_BOOLEAN)
        return (value->b = json_node_get_boolean (node)), TRUE;
      if (from_text && text && (g_ascii_strcasecmp (text, "true") == 0 || g_ascii_strcasecmp (text, "false") == 0))
        return (value->b = g_ascii_strcasecmp (text, "true") == 0), TRUE;
      return FALSE;
    case TYPE_INT64:
      if (vtype == G_TYPE_INT64)
        return (value->i = json_node_get_int (node)), TRUE;
      return from_text && text && g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &value->i, NULL);
    case TYPE_DOUBLE:
      if (vtype == G_TYPE_INT64 || vtype == G_TYPE_DOUBLE)
        return (value->d = json_node_get_double (node)), isfinite (value->d);
      if (from_text && text && *text)
        {
          char *end;

          value->d = g_ascii_strtod (text, &end);
          return *end == '\0' && isfinite (value->d);
        }
      return FALSE;
    case TYPE_STRING:
      return text != NULL && (value->s = g_strdup (text)) != NULL;
    case TYPE_DATETIME:
      {
        g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

        return text != NULL && (value->dt = g_date_time_new_from_iso8601 (text, utc)) != NULL;
      }
    case TYPE_VERSION:
      return text != NULL && cp_compliance_version_is_valid (text) && (value->s = g_strdup (text)) != NULL;
    default:
      return FALSE;
    }
}

static gboolean
parse_texts (JsonObject *object,
             GArray     *texts)
{
  JsonNode *node = json_object_get_member (object, "RemediationStrings");
  JsonArray *array;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (array = json_node_get_array (node)) > MAX_REMEDIATION_STRINGS)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *language, *title, *description;
      RemediationText text;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return FALSE;
      language = string_member (json_node_get_object (element), "Language", 32);
      title = string_member (json_node_get_object (element), "Title", MAX_TEXT_LEN);
      description = string_member (json_node_get_object (element), "Description", MAX_TEXT_LEN);
      if (language == NULL || *language == '\0' || title == NULL || description == NULL)
        return FALSE;
      text.language = normalise_language (language);
      text.title = g_strdup (title);
      text.description = g_strdup (description);
      g_array_append_val (texts, text);
    }
  return TRUE;
}

static Rule *
parse_rule (JsonNode  *node,
            guint      index,
            GError   **error)
{
  g_autoptr(GString) problem = g_string_new (NULL);
  Rule *rule = g_new0 (Rule, 1);
  JsonObject *object;
  JsonNode *operand;
  const char *name, *url = NULL;
  int op, type;

  rule->texts = g_array_new (FALSE, TRUE, sizeof (RemediationText));
  g_array_set_clear_func (rule->texts, (GDestroyNotify) text_clear);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_string_assign (problem, _("it is not an object"));
      goto bad;
    }
  object = json_node_get_object (node);
  name = string_member (object, "SettingName", MAX_NAME_LEN);
  op = lookup_name (operator_names, G_N_ELEMENTS (operator_names), string_member (object, "Operator", MAX_NAME_LEN));
  type = lookup_name (type_names, G_N_ELEMENTS (type_names), string_member (object, "DataType", MAX_NAME_LEN));
  operand = json_object_get_member (object, "Operand");

  if (name == NULL || *name == '\0')
    g_string_assign (problem, _("“SettingName” is missing"));
  else if (op < 0)
    g_string_assign (problem, _("“Operator” is not one of IsEquals, NotEquals, GreaterThan, GreaterEquals, LessThan, LessEquals"));
  else if (type < 0)
    g_string_assign (problem, _("“DataType” is not one of Boolean, Int64, Double, String, DateTime, Version"));
  else if ((type == TYPE_BOOLEAN || type == TYPE_STRING) && op != OP_EQ && op != OP_NE)
    g_string_printf (problem, _("%s values can only be compared with IsEquals or NotEquals"), type_names[type]);
  else if (!read_value (operand, type, TRUE, &rule->operand))
    g_string_printf (problem, _("“Operand” is not a valid %s"), type_names[type]);
  else if ((url = string_member (object, "MoreInfoUrl", 2048)) == NULL && json_object_has_member (object, "MoreInfoUrl")
           && !JSON_NODE_HOLDS_NULL (json_object_get_member (object, "MoreInfoUrl")))
    g_string_assign (problem, _("“MoreInfoUrl” is not a string"));
  else if (url != NULL && *url != '\0' && !g_str_has_prefix (url, "https://") && !g_str_has_prefix (url, "http://"))
    g_string_assign (problem, _("“MoreInfoUrl” is not an http(s) URL"));
  else if (!parse_texts (object, rule->texts))
    g_string_assign (problem, _("“RemediationStrings” is not a list of {Language, Title, Description}"));
  if (problem->len > 0)
    goto bad;

  rule->setting_name = g_strdup (name);
  rule->op = op;
  rule->type = type;
  rule->more_info_url = url != NULL && *url != '\0' ? g_strdup (url) : NULL;
  rule->operand_text = JSON_NODE_HOLDS_VALUE (operand) && json_node_get_value_type (operand) == G_TYPE_STRING
                       ? g_strdup (json_node_get_string (operand))
                       : json_to_string (operand, FALSE);
  return rule;

bad:
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA, _("Rule %u is invalid: %s"), index + 1, problem->str);
  rule_free (rule);
  return NULL;
}

static void
cp_compliance_rules_finalize (GObject *object)
{
  CpComplianceRules *self = CP_COMPLIANCE_RULES (object);

  g_ptr_array_unref (self->rules);

  G_OBJECT_CLASS (cp_compliance_rules_parent_class)->finalize (object);
}

static void
cp_compliance_rules_class_init (CpComplianceRulesClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_compliance_rules_finalize;
}

static void
cp_compliance_rules_init (CpComplianceRules *self)
{
  self->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) rule_free);
}

CpComplianceRules *
cp_compliance_rules_new_from_json (JsonNode  *node,
                                   GError   **error)
{
  g_autoptr(CpComplianceRules) self = NULL;
  JsonNode *rules;
  JsonArray *array;

  g_return_val_if_fail (node != NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node)
      || (rules = json_object_get_member (json_node_get_object (node), "Rules")) == NULL
      || !JSON_NODE_HOLDS_ARRAY (rules))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA, _("The rules are not an object with a “Rules” list"));
      return NULL;
    }
  array = json_node_get_array (rules);
  if (json_array_get_length (array) == 0 || json_array_get_length (array) > CP_COMPLIANCE_RULES_MAX)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The rules list must have 1 to %d rules"), CP_COMPLIANCE_RULES_MAX);
      return NULL;
    }

  self = g_object_new (CP_TYPE_COMPLIANCE_RULES, NULL);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      Rule *rule = parse_rule (json_array_get_element (array, i), i, error);

      if (rule == NULL)
        return NULL;
      g_ptr_array_add (self->rules, rule);
    }
  return g_steal_pointer (&self);
}

guint
cp_compliance_rules_get_n_rules (CpComplianceRules *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_RULES (self), 0);
  return self->rules->len;
}

const char *
cp_compliance_rules_get_setting_name (CpComplianceRules *self,
                                      guint              index)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_RULES (self), NULL);
  g_return_val_if_fail (index < self->rules->len, NULL);
  return ((Rule *) g_ptr_array_index (self->rules, index))->setting_name;
}

static int
compare_values (const Rule  *rule,
                const Value *actual)
{
  const Value *operand = &rule->operand;

  switch (rule->type)
    {
    case TYPE_BOOLEAN: return (actual->b != 0) - (operand->b != 0);
    case TYPE_INT64: return (actual->i > operand->i) - (actual->i < operand->i);
    case TYPE_DOUBLE: return (actual->d > operand->d) - (actual->d < operand->d);
    case TYPE_STRING: return strcmp (actual->s, operand->s) < 0 ? -1 : strcmp (actual->s, operand->s) > 0;
    case TYPE_DATETIME: return g_date_time_compare (actual->dt, operand->dt);
    case TYPE_VERSION: return cp_compliance_version_compare (actual->s, operand->s);
    default: g_assert_not_reached ();
    }
}

static gboolean
operator_holds (Operator op,
                int      cmp)
{
  switch (op)
    {
    case OP_EQ: return cmp == 0;
    case OP_NE: return cmp != 0;
    case OP_GT: return cmp > 0;
    case OP_GE: return cmp >= 0;
    case OP_LT: return cmp < 0;
    case OP_LE: return cmp <= 0;
    default: g_assert_not_reached ();
    }
}

static const char *
json_type_name (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    return _("an object");
  if (JSON_NODE_HOLDS_ARRAY (node))
    return _("a list");
  if (JSON_NODE_HOLDS_NULL (node))
    return _("null");
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN: return _("a boolean");
    case G_TYPE_INT64: return _("a whole number");
    case G_TYPE_DOUBLE: return _("a number");
    default: return _("a string");
    }
}

/* The best text for the user's languages: exact locale, then language only,
 * then en_US, then English of any kind, then the first one. */
static const RemediationText *
pick_text (GArray            *texts,
           const char *const *languages)
{
  const char *fallbacks[] = { "en_US", "en", NULL };

  if (texts->len == 0)
    return NULL;
  for (guint pass = 0; pass < 2; pass++)
    {
      const char *const *list = pass == 0 && languages ? languages : fallbacks;

      for (guint l = 0; list[l] != NULL; l++)
        {
          g_autofree char *want = normalise_language (list[l]);
          gsize want_len = strlen (want);

          for (guint i = 0; i < texts->len; i++)
            {
              const RemediationText *text = &g_array_index (texts, RemediationText, i);

              if (g_ascii_strcasecmp (text->language, want) == 0)
                return text;
            }
          /* "de" also takes "de_DE". */
          for (guint i = 0; want_len > 0 && strchr (want, '_') == NULL && i < texts->len; i++)
            {
              const RemediationText *text = &g_array_index (texts, RemediationText, i);

              if (g_ascii_strncasecmp (text->language, want, want_len) == 0 && text->language[want_len] == '_')
                return text;
            }
        }
    }
  return &g_array_index (texts, RemediationText, 0);
}

static char *
substitute (const char *text,
            const char *actual)
{
  g_auto(GStrv) parts = g_strsplit (text, "{ActualValue}", -1);

  return g_strjoinv (actual, parts);
}

static CpComplianceResult *
evaluate_rule (const Rule        *rule,
               const char        *setting_id,
               const char        *title,
               JsonObject        *output,
               const char *const *languages)
{
  JsonNode *node = json_object_get_member (output, rule->setting_name);
  g_autofree char *expected = g_strdup_printf ("%s %s %s", rule->setting_name,
                                               operator_symbols[rule->op], rule->operand_text);
  g_autofree char *actual_text = NULL;
  CpComplianceResult *result;
  const RemediationText *text;
  Value actual = { 0 };
  gboolean holds;

  if (node == NULL)
    {
      result = cp_compliance_result_new (setting_id, title, CP_COMPLIANCE_STATE_ERROR,
                                         _("The discovery script did not report this setting"), expected);
      goto out;
    }
  /* json-glib 1.6 lets some invalid escapes ("\2") through as raw bytes:
   * the evidence is shown and sent as JSON, so it must be UTF-8. */
  actual_text = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
                ? g_utf8_make_valid (json_node_get_string (node), -1)
                : json_to_string (node, FALSE);
  if (!read_value (node, rule->type, FALSE, &actual))
    {
      g_autofree char *evidence = g_strdup_printf (_("The discovery script reported %s (%s), not a %s value"),
                                                   actual_text, json_type_name (node), type_names[rule->type]);

      result = cp_compliance_result_new (setting_id, title, CP_COMPLIANCE_STATE_ERROR, evidence, expected);
      goto out;
    }

  holds = operator_holds (rule->op, compare_values (rule, &actual));
  value_clear (&actual);
  result = cp_compliance_result_new (setting_id, title,
                                     holds ? CP_COMPLIANCE_STATE_COMPLIANT : CP_COMPLIANCE_STATE_NONCOMPLIANT,
                                     actual_text, expected);
  if (!holds && (text = pick_text (rule->texts, languages)) != NULL)
    {
      g_autofree char *remediation_title = substitute (text->title, actual_text);
      g_autofree char *description = substitute (text->description, actual_text);
      const char *steps[] = { description, NULL };

      cp_compliance_result_set_remediation (result, remediation_title, steps);
    }
  if (!holds && rule->more_info_url != NULL)
    cp_compliance_result_set_action (result, CP_REMEDIATION_ACTION_URL, rule->more_info_url);

out:
  cp_compliance_result_set_rule (result, rule->setting_name);
  return result;
}

GPtrArray *
cp_compliance_rules_evaluate (CpComplianceRules *self,
                              const char        *setting_id,
                              const char        *title,
                              JsonObject        *output,
                              const char *const *languages)
{
  GPtrArray *results = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (CP_IS_COMPLIANCE_RULES (self), results);
  g_return_val_if_fail (output != NULL, results);

  for (guint i = 0; i < self->rules->len; i++)
    g_ptr_array_add (results, evaluate_rule (g_ptr_array_index (self->rules, i), setting_id, title,
                                             output, languages));
  return results;
}

GPtrArray *
cp_compliance_rules_fail_all (CpComplianceRules *self,
                              const char        *setting_id,
                              const char        *title,
                              const char        *reason)
{
  GPtrArray *results = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (CP_IS_COMPLIANCE_RULES (self), results);

  for (guint i = 0; i < self->rules->len; i++)
    {
      const Rule *rule = g_ptr_array_index (self->rules, i);
      g_autofree char *expected = g_strdup_printf ("%s %s %s", rule->setting_name,
                                                   operator_symbols[rule->op], rule->operand_text);
      CpComplianceResult *result = cp_compliance_result_new (setting_id, title, CP_COMPLIANCE_STATE_ERROR,
                                                             reason, expected);

      cp_compliance_result_set_rule (result, rule->setting_name);
      g_ptr_array_add (results, result);
    }
  return results;
}
