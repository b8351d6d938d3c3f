/* cp-compliance-notifier.c: tells the user when compliance gets worse
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libnotify/notify.h>

#include "cp-compliance-notifier.h"
#include "cp-compliance-store.h"

#define SETTINGS_NOTIFICATIONS_KEY "notifications-enabled"
/* Long enough to click a fresh notification; the agent must not live forever for one. */
#define CLICKABLE_SECONDS (60 * 60)

/* libnotify 0.8 has no autoptr support of its own. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NotifyNotification, g_object_unref)

struct _CpComplianceNotifier
{
  GObject       parent_instance;

  GApplication *app;            /* not owned */
  GHashTable   *shown;          /* NotifyNotification → timeout source id */
};

G_DEFINE_FINAL_TYPE (CpComplianceNotifier, cp_compliance_notifier, G_TYPE_OBJECT)

/* compliant < inGracePeriod < noncompliant; -1 for states that say nothing. */
static int
rank (const char *state)
{
  if (g_strcmp0 (state, "compliant") == 0)
    return 0;
  if (g_strcmp0 (state, "inGracePeriod") == 0)
    return 1;
  if (g_strcmp0 (state, "noncompliant") == 0)
    return 2;
  return -1;
}

/* The result the user should look at first: noncompliant, then error or unknown. */
static JsonObject *
first_issue (JsonObject *record)
{
  static const char *const order[] = { "noncompliant", "error", "unknown" };
  JsonArray *results = cp_compliance_record_get_array (record, "results");

  for (guint o = 0; o < G_N_ELEMENTS (order); o++)
    for (guint i = 0; results != NULL && i < json_array_get_length (results); i++)
      {
        JsonNode *node = json_array_get_element (results, i);
        JsonObject *result = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

        if (g_strcmp0 (cp_compliance_record_get_string (result, "state"), order[o]) == 0 &&
            cp_compliance_record_get_string (result, "settingId") != NULL)
          return result;
      }
  return NULL;
}

static char *
describe_issue (JsonObject *issue)
{
  const char *title = cp_compliance_record_get_string (issue, "title");
  const char *evidence = cp_compliance_record_get_string (issue, "evidence");

  if (title != NULL && evidence != NULL)
    /* Translators: a compliance setting and what was found, e.g. "Screen lock: Screen lock is off" */
    return g_strdup_printf (_("%s: %s"), title, evidence);
  return g_strdup (title ? title : evidence ? evidence : _("Open Company Portal to see what to fix"));
}

static char *
format_day (gint64 unix_seconds)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_seconds);
  g_autoptr(GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;

  /* Translators: a date in a sentence, e.g. "12 March"; see strftime(3) */
  return local ? g_date_time_format (local, _("%-d %B")) : g_strdup ("?");
}

gboolean
cp_compliance_notification_compose (JsonObject  *record,
                                    gint64       now,
                                    char       **summary,
                                    char       **body,
                                    char       **setting_id)
{
  const char *state = cp_compliance_record_get_string (record, "complianceState");
  const char *before = cp_compliance_record_get_string (record, "notifiedState");
  gint64 deadline = cp_compliance_record_get_time (record, "complianceGraceDeadline");
  gint64 notified = cp_compliance_record_get_time (record, "notifiedDeadline");
  gboolean worse, near;
  JsonObject *issue;

  worse = rank (state) > 0 && rank (before) >= 0 && rank (state) > rank (before);
  near = rank (state) == 1 && deadline > now && deadline - now <= CP_COMPLIANCE_NOTIFY_BEFORE &&
         deadline != notified;

  /* Remember what the user has been told, whether or not we tell them now. */
  if (rank (state) >= 0)
    json_object_set_string_member (record, "notifiedState", state);
  if (near)
    cp_compliance_record_set_time (record, "notifiedDeadline", deadline);

  if (!worse && !near)
    return FALSE;

  issue = first_issue (record);
  *body = describe_issue (issue);
  *setting_id = g_strdup (issue ? cp_compliance_record_get_string (issue, "settingId") : "");
  if (rank (state) == 1 && deadline > 0)
    {
      g_autofree char *day = format_day (deadline);

      *summary = g_strdup_printf (_("Your device will lose access on %s"), day);
    }
  else if (rank (state) == 1)
    *summary = g_strdup (_("Your device needs attention to keep access"));
  else
    *summary = g_strdup (_("Your device no longer meets your organisation’s requirements"));
  return TRUE;
}

static gboolean
notifications_enabled (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, SETTINGS_NOTIFICATIONS_KEY))
    return TRUE;

  settings = g_settings_new_full (schema, NULL, NULL);
  return g_settings_get_boolean (settings, SETTINGS_NOTIFICATIONS_KEY);
}

static void
release (CpComplianceNotifier *self,
         NotifyNotification   *notification)
{
  guint id = GPOINTER_TO_UINT (g_hash_table_lookup (self->shown, notification));

  if (!g_hash_table_contains (self->shown, notification))
    return;
  if (id != 0)
    g_source_remove (id);
  g_hash_table_remove (self->shown, notification);
  g_application_release (self->app);
}

static void
activated_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_message ("Could not open Company Portal: %s", error->message);
}

/* The window is D-Bus activatable: this starts it if needed and shows the setting. */
static void
default_action_cb (NotifyNotification *notification,
                   char               *action,
                   gpointer            user_data)
{
  CpComplianceNotifier *self = user_data;
  const char *setting_id = g_object_get_data (G_OBJECT (notification), "cp-setting-id");
  const char *token = notify_notification_get_activation_token (notification);
  GDBusConnection *bus = g_application_get_dbus_connection (self->app);
  GVariantBuilder platform;
  GVariantBuilder parameter;

  g_variant_builder_init (&platform, G_VARIANT_TYPE_VARDICT);
  if (token != NULL)
    {
      g_variant_builder_add (&platform, "{sv}", "activation-token", g_variant_new_string (token));
      g_variant_builder_add (&platform, "{sv}", "desktop-startup-id", g_variant_new_string (token));
    }

  /* app.show-compliance takes the setting id: the window opens on that issue. */
  g_variant_builder_init (&parameter, G_VARIANT_TYPE ("av"));
  g_variant_builder_add (&parameter, "v", g_variant_new_string (setting_id ? setting_id : ""));

  if (bus == NULL)
    {
      g_variant_builder_clear (&platform);
      g_variant_builder_clear (&parameter);
      return;
    }
  g_dbus_connection_call (bus, CP_WINDOW_DBUS_NAME, CP_WINDOW_DBUS_PATH,
                          "org.freedesktop.Application", "ActivateAction",
                          g_variant_new ("(sava{sv})", CP_WINDOW_SHOW_COMPLIANCE, &parameter, &platform),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, activated_cb, NULL);
}

static void
closed_cb (NotifyNotification   *notification,
           CpComplianceNotifier *self)
{
  release (self, notification);
}

static gboolean
expired_cb (gpointer user_data)
{
  NotifyNotification *notification = user_data;
  CpComplianceNotifier *self = g_object_get_data (G_OBJECT (notification), "cp-notifier");

  /* This source is ending by itself: release() must not remove it. */
  g_hash_table_replace (self->shown, g_object_ref (notification), GUINT_TO_POINTER (0));
  release (self, notification);
  return G_SOURCE_REMOVE;
}

static void
show (CpComplianceNotifier *self,
      const char           *summary,
      const char           *body,
      const char           *setting_id)
{
  g_autoptr(NotifyNotification) notification = NULL;
  g_autoptr(GError) error = NULL;

  if (!notify_is_initted () && !notify_init (_("Company Portal")))
    return;

  notification = notify_notification_new (summary, body, "security-medium-symbolic");
  notify_notification_set_app_name (notification, _("Company Portal"));
  notify_notification_set_hint_string (notification, "desktop-entry", CP_WINDOW_DBUS_NAME);
  notify_notification_set_urgency (notification, NOTIFY_URGENCY_NORMAL);
  g_object_set_data_full (G_OBJECT (notification), "cp-setting-id", g_strdup (setting_id), g_free);
  g_object_set_data (G_OBJECT (notification), "cp-notifier", self);
  notify_notification_add_action (notification, "default", _("Show"), default_action_cb, self, NULL);
  g_signal_connect_object (notification, "closed", G_CALLBACK (closed_cb), self, 0);

  if (!notify_notification_show (notification, &error))
    {
      g_message ("Could not show a notification: %s", error->message);
      return;
    }

  g_debug ("Notified: %s", summary);
  g_application_hold (self->app);
  g_hash_table_insert (self->shown, g_object_ref (notification),
                       GUINT_TO_POINTER (g_timeout_add_seconds (CLICKABLE_SECONDS, expired_cb,
                                                                notification)));
}

void
cp_compliance_notifier_consider (CpComplianceNotifier *self,
                                 JsonObject           *record,
                                 gint64                now)
{
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  g_autofree char *setting_id = NULL;

  g_return_if_fail (CP_IS_COMPLIANCE_NOTIFIER (self));

  if (cp_compliance_notification_compose (record, now, &summary, &body, &setting_id) &&
      notifications_enabled ())
    show (self, summary, body, setting_id);
}

static void
cp_compliance_notifier_dispose (GObject *object)
{
  CpComplianceNotifier *self = CP_COMPLIANCE_NOTIFIER (object);
  g_autoptr(GList) shown = g_hash_table_get_keys (self->shown);

  for (GList *l = shown; l != NULL; l = l->next)
    release (self, l->data);

  G_OBJECT_CLASS (cp_compliance_notifier_parent_class)->dispose (object);
}

static void
cp_compliance_notifier_finalize (GObject *object)
{
  CpComplianceNotifier *self = CP_COMPLIANCE_NOTIFIER (object);

  g_hash_table_unref (self->shown);

  G_OBJECT_CLASS (cp_compliance_notifier_parent_class)->finalize (object);
}

static void
cp_compliance_notifier_class_init (CpComplianceNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cp_compliance_notifier_dispose;
  object_class->finalize = cp_compliance_notifier_finalize;
}

static void
cp_compliance_notifier_init (CpComplianceNotifier *self)
{
  self->shown = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);
}

CpComplianceNotifier *
cp_compliance_notifier_new (GApplication *app)
{
  CpComplianceNotifier *self = g_object_new (CP_TYPE_COMPLIANCE_NOTIFIER, NULL);

  self->app = app;
  return self;
}
