/* cp-device-page.c: the Device page of the main view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This device's standing comes from two places: the agent's enrollment record
 * (GetEnrollment) and the organisation's device list (GET /v1/devices). A
 * device the agent thinks is enrolled but the organisation no longer lists
 * was removed by the organisation.
 *
 * Enrollment: CreateDeviceKey → GetDeviceFacts → POST /v1/devices →
 * CompleteEnrollment. Any failure before the POST succeeded aborts the
 * pending key; a failure after it also deletes the new device record, so
 * neither side keeps something the other does not know about.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cp-app-util.h"
#include "cp-device-page.h"
#include "cp-spinner.h"
#include "cp-state-view.h"

#define MAX_NAME_LENGTH 128

struct _CpDevicePage
{
  AdwBin          parent_instance;

  CpStateView    *state_view;
  GtkWidget      *content;
  AdwActionRow   *status_row;
  GtkImage       *status_icon;
  CpSpinner      *spinner;
  GtkLabel       *message_label;
  GtkButton      *enroll_button;
  GtkButton      *retry_button;
  GtkWidget      *details_group;
  GtkButton      *sync_button;
  GtkButton      *remove_button;
  GtkEntry       *name_entry;
  char           *shown_name;      /* the organisation's name last put in name_entry */
  GtkButton      *rename_button;
  GtkLabel       *rename_error_label;
  AdwActionRow   *os_row;
  AdwActionRow   *ownership_row;
  AdwActionRow   *management_row;
  AdwActionRow   *enrolled_row;
  AdwActionRow   *check_in_row;
  GtkWidget      *others_group;
  GtkListBox     *others_list;

  CpApiClient    *client;
  CpAgentClient  *agent;
  CpAgentDbusAgent1 *proxy;
  gulong          enrollment_changed_id;
  GCancellable   *cancellable;     /* loading */
  GCancellable   *op_cancellable;  /* enroll, rename, sync, remove */

  /* What the last load found. */
  guint           loads_pending;
  char           *agent_state;     /* notEnrolled, enrolling, enrolled, removed; NULL: unknown */
  char           *agent_device_id;
  gint64          agent_enrolled_at;
  GError         *agent_error;
  GPtrArray      *devices;         /* CpDevice; NULL when the list failed */
  CpDevice       *this_device;

  /* The operation running, if any. */
  const char     *step;            /* what is being done, for the status row */
  const char     *step_failure;    /* what to say when it fails */
  GError         *op_error;        /* a failed enrollment, with Retry */
  JsonNode       *enroll_key;
  char           *enroll_device_id;
};

G_DEFINE_FINAL_TYPE (CpDevicePage, cp_device_page, ADW_TYPE_BIN)

static void update_view (CpDevicePage *self);
static void enroll_failed (CpDevicePage *self, GError *error);

static const char *
server_url (CpDevicePage *self)
{
  return cp_api_client_get_api_base_url (self->client);
}

static gboolean
busy (CpDevicePage *self)
{
  return self->step != NULL;
}

static char *
format_date (GDateTime *date)
{
  g_autoptr(GDateTime) local = NULL;

  if (date == NULL)
    return g_strdup (_("Never"));
  local = g_date_time_to_local (date);
  /* TRANSLATORS: a date and time, see strftime(3) */
  return g_date_time_format (local, _("%e %B %Y, %H:%M"));
}

static char *
format_unix (gint64 seconds)
{
  g_autoptr(GDateTime) date = seconds > 0 ? g_date_time_new_from_unix_utc (seconds) : NULL;

  return format_date (date);
}

static const char *
ownership_text (CpDeviceOwnership ownership)
{
  return ownership == CP_DEVICE_OWNERSHIP_COMPANY ? _("Company") : _("Personal");
}

static const char *
management_text (CpDeviceManagement management)
{
  switch (management)
    {
    case CP_DEVICE_MANAGEMENT_MANAGED: return _("Managed");
    case CP_DEVICE_MANAGEMENT_RETIRE_PENDING: return _("Removal pending");
    case CP_DEVICE_MANAGEMENT_REMOVED: return _("Removed");
    default: return _("Unknown");
    }
}

static const char *
enrollment_text (CpDeviceEnrollment enrollment)
{
  switch (enrollment)
    {
    case CP_DEVICE_ENROLLMENT_ENROLLED: return _("Enrolled");
    case CP_DEVICE_ENROLLMENT_PENDING: return _("Enrollment pending");
    case CP_DEVICE_ENROLLMENT_FAILED: return _("Enrollment failed");
    case CP_DEVICE_ENROLLMENT_REMOVED: return _("Removed by your organisation");
    default: return _("Unknown");
    }
}

/* Offline: actions that need the server say so, plainly, instead of failing half-way */

typedef enum
{
  ACTION_ENROLL,
  ACTION_SYNC,
  ACTION_RENAME,
  ACTION_REMOVE,
} DeviceAction;

static const char *
needs_connection_text (DeviceAction action)
{
  switch (action)
    {
    case ACTION_ENROLL:
      return _("Enrolling needs a connection to your organisation’s server. Try again when you are back online.");
    case ACTION_SYNC:
      return _("Syncing needs a connection to your organisation’s server. Try again when you are back online.");
    case ACTION_RENAME:
      return _("Renaming needs a connection to your organisation’s server. Try again when you are back online.");
    case ACTION_REMOVE:
    default:
      return _("Removing this device needs a connection to your organisation’s server. Try again when you are back online.");
    }
}

/* The window then probes the server until it answers (and reloads this page). */
static void
report_connection_lost (CpDevicePage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.connection-lost", NULL);
}

/* TRUE when the page knows it is offline: @action is not tried and the user reads why. */
static gboolean
refuse_offline (CpDevicePage *self,
                DeviceAction  action)
{
  if (!cp_state_view_get_offline (self->state_view))
    return FALSE;
  g_debug ("device: offline, action %d not tried", action);
  if (action == ACTION_RENAME)
    {
      gtk_label_set_label (self->rename_error_label, needs_connection_text (action));
      gtk_widget_set_visible (GTK_WIDGET (self->rename_error_label), TRUE);
    }
  else
    cp_widget_add_toast (GTK_WIDGET (self), needs_connection_text (action));
  report_connection_lost (self);
  return TRUE;
}

/* An action failed: a lost connection is said plainly, other errors as they are. */
static const char *
action_error_text (CpDevicePage *self,
                   DeviceAction  action,
                   const GError *error)
{
  if (!cp_error_is_connection (error))
    return error->message;
  report_connection_lost (self);
  return needs_connection_text (action);
}

/* Showing what is known */

static void
set_status (CpDevicePage *self,
            const char   *icon,
            const char   *title,
            const char   *subtitle,
            const char   *message)
{
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->status_row), title);
  adw_action_row_set_subtitle (self->status_row, subtitle ? subtitle : "");
  gtk_image_set_from_icon_name (self->status_icon, icon);
  gtk_label_set_label (self->message_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

static void
show_enroll_button (CpDevicePage *self,
                    const char   *label)
{
  gtk_button_set_label (self->enroll_button, label);
  if (label != NULL)
    gtk_widget_set_visible (GTK_WIDGET (self->enroll_button), TRUE);
  else
    cp_widget_hide_keeping_focus (GTK_WIDGET (self->enroll_button), GTK_WIDGET (self->status_row));
}

/* The organisation no longer has the device this agent enrolled. */
static gboolean
removed_by_organisation (CpDevicePage *self)
{
  if (g_strcmp0 (self->agent_state, "removed") == 0)
    return TRUE;
  if (g_strcmp0 (self->agent_state, "enrolled") != 0)
    return FALSE;
  if (self->this_device != NULL)
    return cp_device_get_enrollment (self->this_device) == CP_DEVICE_ENROLLMENT_REMOVED;
  return self->devices != NULL;
}

static void
update_status (CpDevicePage *self)
{
  g_autofree char *since = NULL;

  show_enroll_button (self, NULL);
  cp_widget_hide_keeping_focus (GTK_WIDGET (self->retry_button), GTK_WIDGET (self->status_row));

  if (busy (self))
    {
      set_status (self, "content-loading-symbolic", _("Working…"), self->step, NULL);
      return;
    }
  if (self->op_error != NULL)
    {
      set_status (self, "dialog-error-symbolic", _("Enrollment failed"), NULL, self->op_error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->retry_button), TRUE);
      return;
    }
  if (self->agent == NULL || cp_agent_client_get_agent_missing (self->agent))
    {
      set_status (self, "dialog-warning-symbolic", _("Device agent not installed"), NULL,
                  _("The device agent is not installed on this computer; ask your IT department."));
      return;
    }
  if (self->agent_error != NULL)
    {
      set_status (self, "dialog-warning-symbolic", _("Status unknown"), NULL, self->agent_error->message);
      return;
    }
  if (removed_by_organisation (self))
    {
      set_status (self, "computer-fail-symbolic", _("Removed by your organisation"), NULL,
                  _("Your organisation removed this device. Enroll it again to regain access."));
      show_enroll_button (self, _("_Enroll Again"));
      return;
    }
  if (g_strcmp0 (self->agent_state, "enrolling") == 0)
    {
      set_status (self, "computer-symbolic", _("Enrollment not finished"),
                  _("An earlier enrollment was interrupted"), NULL);
      show_enroll_button (self, _("_Enroll This Device"));
      return;
    }
  if (g_strcmp0 (self->agent_state, "enrolled") == 0)
    {
      GDateTime *enrolled = self->this_device ? cp_device_get_enrolled_at (self->this_device) : NULL;
      CpDeviceEnrollment state = self->this_device ? cp_device_get_enrollment (self->this_device)
                                                   : CP_DEVICE_ENROLLMENT_ENROLLED;
      g_autofree char *date = enrolled ? format_date (enrolled) : format_unix (self->agent_enrolled_at);

      /* TRANSLATORS: %s is a date */
      since = g_strdup_printf (_("Since %s"), date);
      set_status (self, state == CP_DEVICE_ENROLLMENT_ENROLLED ? "emblem-ok-symbolic" : "dialog-warning-symbolic",
                  enrollment_text (state), since, NULL);
      return;
    }
  set_status (self, "computer-symbolic", _("Not enrolled"),
              _("Enroll this device to reach your organisation’s resources"), NULL);
  show_enroll_button (self, _("_Enroll This Device"));
}

/* The Rename button shows while the name differs from the device's. */
static void
name_changed_cb (CpDevicePage *self)
{
  const char *current = self->this_device != NULL ? cp_device_get_display_name (self->this_device) : NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->rename_button),
                          g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->name_entry)), current) != 0);
}

/* The page is refreshed at every step of every operation: what the user
 * typed stays until the organisation's name itself changes (during a
 * rename the field no longer snaps back to the old name). */
static void
show_name (CpDevicePage *self,
           const char   *name)
{
  if (g_strcmp0 (self->shown_name, name) != 0)
    {
      g_free (self->shown_name);
      self->shown_name = g_strdup (name);
      gtk_editable_set_text (GTK_EDITABLE (self->name_entry), name);
    }
  name_changed_cb (self);
}

static void
update_details (CpDevicePage *self)
{
  CpDevice *device = self->this_device;
  g_autofree char *os = NULL, *enrolled = NULL, *check_in = NULL;
  gboolean show = device != NULL && !removed_by_organisation (self) && self->op_error == NULL;

  gtk_widget_set_visible (self->details_group, show);
  /* Not the whole group: making a focused entry insensitive makes GTK 4.8 warn. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->sync_button), !busy (self));
  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_button), !busy (self));
  if (!show)
    return;

  os = cp_device_dup_os_label (device);
  enrolled = format_date (cp_device_get_enrolled_at (device));
  check_in = format_date (cp_device_get_last_check_in (device));
  show_name (self, cp_device_get_display_name (device));
  adw_action_row_set_subtitle (self->os_row, os);
  adw_action_row_set_subtitle (self->ownership_row, ownership_text (cp_device_get_ownership (device)));
  adw_action_row_set_subtitle (self->management_row, management_text (cp_device_get_management (device)));
  adw_action_row_set_subtitle (self->enrolled_row, enrolled);
  adw_action_row_set_subtitle (self->check_in_row, check_in);
}

static void
add_detail_row (AdwExpanderRow *expander,
                const char     *title,
                const char     *value)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
  adw_expander_row_add_row (expander, row);
}

static GtkWidget *
create_other_row (CpDevice *device)
{
  GtkWidget *row = adw_expander_row_new ();
  AdwExpanderRow *expander = ADW_EXPANDER_ROW (row);
  g_autofree char *os = cp_device_dup_os_label (device);
  g_autofree char *check_in = format_date (cp_device_get_last_check_in (device));
  g_autofree char *enrolled = format_date (cp_device_get_enrolled_at (device));
  g_autofree char *subtitle = NULL;

  /* TRANSLATORS: operating system · enrollment state · last check-in */
  subtitle = g_strdup_printf (_("%s · %s · Last check-in: %s"), os,
                              enrollment_text (cp_device_get_enrollment (device)), check_in);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), cp_device_get_display_name (device));
  adw_expander_row_set_subtitle (expander, subtitle);
  add_detail_row (expander, _("Operating System"), os);
  if (cp_device_get_hostname (device) != NULL)
    add_detail_row (expander, _("Host Name"), cp_device_get_hostname (device));
  add_detail_row (expander, _("Ownership"), ownership_text (cp_device_get_ownership (device)));
  add_detail_row (expander, _("Management"), management_text (cp_device_get_management (device)));
  add_detail_row (expander, _("Enrolled"), enrolled);
  add_detail_row (expander, _("Last Check-In"), check_in);
  return row;
}

static void
update_others (CpDevicePage *self)
{
  GtkWidget *child;
  guint shown = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->others_list))) != NULL)
    gtk_list_box_remove (self->others_list, child);
  for (guint i = 0; self->devices != NULL && i < self->devices->len; i++)
    {
      CpDevice *device = g_ptr_array_index (self->devices, i);

      if (device == self->this_device)
        continue;
      gtk_list_box_append (self->others_list, create_other_row (device));
      shown++;
    }
  gtk_widget_set_visible (self->others_group, shown > 0);
}

static void
update_view (CpDevicePage *self)
{
  cp_spinner_set_spinning (self->spinner, busy (self));
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy (self));
  update_status (self);
  update_details (self);
  update_others (self);
}

/* Loading: the agent's record and the organisation's list, side by side */

static void
load_done (CpDevicePage *self)
{
  g_clear_object (&self->this_device);
  for (guint i = 0; self->devices != NULL && i < self->devices->len; i++)
    {
      CpDevice *device = g_ptr_array_index (self->devices, i);

      if (g_strcmp0 (cp_device_get_id (device), self->agent_device_id) == 0)
        self->this_device = g_object_ref (device);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->rename_error_label), FALSE);
  update_view (self);
  cp_state_view_show_content (self->state_view);
}

static void
take_agent_state (CpDevicePage *self,
                  GVariant     *state)
{
  const char *value;

  g_clear_pointer (&self->agent_state, g_free);
  g_clear_pointer (&self->agent_device_id, g_free);
  self->agent_enrolled_at = 0;
  if (g_variant_lookup (state, "state", "&s", &value))
    self->agent_state = g_strdup (value);
  if (g_variant_lookup (state, "device-id", "&s", &value))
    self->agent_device_id = g_strdup (value);
  g_variant_lookup (state, "enrolled-at", "x", &self->agent_enrolled_at);
}

static void
get_enrollment_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(CpDevicePage) self = user_data;
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GError) error = NULL;

  if (!cp_agent_dbus_agent1_call_get_enrollment_finish (CP_AGENT_DBUS_AGENT1 (source), &state, result, &error))
    {
      if (cp_error_is_cancelled (error))
        return;
      self->agent_error = cp_agent_client_take_error (self->agent, g_steal_pointer (&error));
      g_debug ("GetEnrollment: %s", self->agent_error->message);
    }
  else
    take_agent_state (self, state);
  if (--self->loads_pending == 0)
    load_done (self);
}

static void
get_agent_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(CpDevicePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CpAgentDbusAgent1) proxy = NULL;

  proxy = cp_agent_client_get_agent_finish (CP_AGENT_CLIENT (source), result, &error);
  if (proxy == NULL)
    {
      if (cp_error_is_cancelled (error))
        return;
      self->agent_error = g_steal_pointer (&error);
      if (--self->loads_pending == 0)
        load_done (self);
      return;
    }
  if (self->proxy != proxy)
    {
      g_clear_signal_handler (&self->enrollment_changed_id, self->proxy);
      g_set_object (&self->proxy, proxy);
      self->enrollment_changed_id = g_signal_connect_swapped (proxy, "enrollment-changed",
                                                              G_CALLBACK (cp_device_page_reload), self);
    }
  cp_agent_dbus_agent1_call_get_enrollment (proxy, server_url (self), self->cancellable,
                                            get_enrollment_cb, g_object_ref (self));
}

static void
list_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(CpDevicePage) self = user_data;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  node = cp_api_client_request_finish (CP_API_CLIENT (source), result, &error);
  if (node != NULL)
    self->devices = cp_device_list_from_json (node, &error);
  if (error != NULL)
    {
      if (cp_error_is_cancelled (error))
        return;
      g_debug ("GET /v1/devices: %s", error->message);
      /* Without the organisation's answer the page has nothing trustworthy to show. */
      g_cancellable_cancel (self->cancellable);
      /* JSON this version cannot read is "unsupported"; a body that is not JSON at all is an
       * error (an empty result would read "No Devices"). */
      if (node != NULL && g_error_matches (error, CP_ERROR, CP_ERROR_INVALID_DATA))
        cp_state_view_show_result (self->state_view, node);
      else
        cp_state_view_show_error (self->state_view, error);
      return;
    }
  if (--self->loads_pending == 0)
    load_done (self);
}

void
cp_device_page_reload (CpDevicePage *self)
{
  g_return_if_fail (CP_IS_DEVICE_PAGE (self));

  if (self->client == NULL || busy (self))
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_pointer (&self->devices, g_ptr_array_unref);
  g_clear_error (&self->agent_error);

  if (g_strcmp0 (cp_state_view_get_state (self->state_view), "content") != 0)
    cp_state_view_show_loading (self->state_view);
  self->loads_pending = 1;
  cp_api_client_request_async (self->client, "GET", "/v1/devices", NULL, self->cancellable,
                               list_cb, g_object_ref (self));
  if (self->agent != NULL)
    {
      self->loads_pending++;
      cp_agent_client_get_agent_async (self->agent, self->cancellable, get_agent_cb, g_object_ref (self));
    }
}

/* Operations */

/* Every operation gets its own cancellable: Cancel and dispose stop only it. */
static void
begin_operation (CpDevicePage *self)
{
  g_clear_object (&self->op_cancellable);
  self->op_cancellable = g_cancellable_new ();
}

static void
begin_step_full (CpDevicePage *self,
                 const char   *step,
                 const char   *failure)
{
  self->step = step;
  self->step_failure = failure;
  g_debug ("device: %s", step);
  update_view (self);
}

static void
begin_step (CpDevicePage *self,
            const char   *step)
{
  begin_step_full (self, step, NULL);
}

/* PATCH or DELETE /v1/devices/{this device's id} as a new operation. */
static void
request_this_device (CpDevicePage        *self,
                     const char          *method,
                     JsonNode            *body,
                     const char          *step,
                     GAsyncReadyCallback  callback)
{
  g_autofree char *path = g_strdup_printf ("/v1/devices/%s", cp_device_get_id (self->this_device));

  begin_operation (self);
  begin_step (self, step);
  cp_api_client_request_async (self->client, method, path, body, self->op_cancellable,
                               callback, g_object_ref (self));
}

static void
end_operation (CpDevicePage *self)
{
  self->step = NULL;
  g_clear_pointer (&self->enroll_key, json_node_unref);
  g_clear_pointer (&self->enroll_device_id, g_free);
  update_view (self);
  cp_device_page_reload (self);
}

static void
abort_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(CpDevicePage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cp_agent_dbus_agent1_call_abort_enrollment_finish (CP_AGENT_DBUS_AGENT1 (source), result, &error))
    g_debug ("AbortEnrollment: %s", error->message);
  end_operation (self);
}

static void
delete_record_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(CpDevicePage) self = user_data;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  node = cp_api_client_request_finish (CP_API_CLIENT (source), result, &error);
  if (error != NULL)
    g_debug ("DELETE of the half-enrolled device: %s", error->message);
  /* Not with op_cancellable: cleaning up must not be cancelled by the user leaving. */
  cp_agent_dbus_agent1_call_abort_enrollment (self->proxy, server_url (self), NULL,
                                              abort_cb, g_object_ref (self));
}

static void
enroll_failed (CpDevicePage *self,
               GError       *error)
{
  g_autofree char *path = NULL;

  g_clear_error (&self->op_error);
  self->op_error = error;
  g_debug ("enrollment failed at “%s”: %s", self->step, error->message);
  /* "Could not register this device …: Enrolling needs a connection …", not the socket's words. */
  if (cp_error_is_connection (error))
    {
      self->op_error = g_error_new_literal (CP_ERROR, error->code, action_error_text (self, ACTION_ENROLL, error));
      g_error_free (error);
    }
  if (self->step_failure != NULL)
    /* TRANSLATORS: "Could not create the device key: <the reason>" */
    g_prefix_error (&self->op_error, _("%s: "), self->step_failure);
  begin_step (self, _("Cleaning up…"));
  if (self->enroll_device_id != NULL)
    {
      path = g_strdup_printf ("/v1/devices/%s", self->enroll_device_id);
      cp_api_client_request_async (self->client, "DELETE", path, NULL, NULL,
                                   delete_record_cb, g_object_ref (self));
      return;
    }
  cp_agent_dbus_agent1_call_abort_enrollment (self->proxy, server_url (self), NULL,
                                              abort_cb, g_object_ref (self));
}

static void
complete_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CpDevicePage) self = user_data;
  g_autoptr(GVariant) state = NULL;
  GError *error = NULL;

  if (!cp_agent_dbus_agent1_call_complete_enrollment_finish (CP_AGENT_DBUS_AGENT1 (source), &state, result, &error))
    {
      enroll_failed (self, cp_agent_client_take_error (self->agent, error));
      return;
    }
  take_agent_state (self, state);
  g_clear_pointer (&self->enroll_device_id, g_free);
  end_operation (self);
}

static void
post_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(CpDevicePage) self = user_data;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CpDevice) device = NULL;
  GError *error = NULL;

  node = cp_api_client_request_finish (CP_API_CLIENT (source), result, &error);
  if (node != NULL)
    device = cp_device_new_from_json (node, &error);
  else if (error == NULL)
    error = g_error_new_literal (CP_ERROR, CP_ERROR_INVALID_DATA, _("The server sent no device"));
  if (device == NULL)
    {
      enroll_failed (self, error);
      return;
    }
  self->enroll_device_id = g_strdup (cp_device_get_id (device));
  begin_step_full (self, _("Finishing enrollment…"),
                   _("Could not finish the enrollment"));
  cp_agent_dbus_agent1_call_complete_enrollment (self->proxy, server_url (self), self->enroll_device_id,
                                                 self->op_cancellable, complete_cb, g_object_ref (self));
}

static void
facts_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(CpDevicePage) self = user_data;
  g_autofree char *facts_json = NULL;
  g_autoptr(JsonNode) facts = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonNode) body_node = json_node_new (JSON_NODE_OBJECT);
  GError *error = NULL;

  if (!cp_agent_dbus_agent1_call_get_device_facts_finish (CP_AGENT_DBUS_AGENT1 (source), &facts_json, result, &error))
    {
      enroll_failed (self, cp_agent_client_take_error (self->agent, error));
      return;
    }
  if ((facts = cp_agent_client_parse_object (facts_json, &error)) == NULL)
    {
      enroll_failed (self, error);
      return;
    }
  json_object_set_member (body, "facts", g_steal_pointer (&facts));
  json_object_set_member (body, "publicKey", json_node_ref (self->enroll_key));
  json_node_set_object (body_node, body);
  begin_step_full (self, _("Registering this device with your organisation…"),
                   _("Could not register this device with your organisation"));
  cp_api_client_request_async (self->client, "POST", "/v1/devices", body_node, self->op_cancellable,
                               post_cb, g_object_ref (self));
}

static void
key_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(CpDevicePage) self = user_data;
  g_autofree char *jwk_json = NULL;
  GError *error = NULL;

  if (!cp_agent_dbus_agent1_call_create_device_key_finish (CP_AGENT_DBUS_AGENT1 (source), &jwk_json, result, &error))
    {
      enroll_failed (self, cp_agent_client_take_error (self->agent, error));
      return;
    }
  if ((self->enroll_key = cp_agent_client_parse_object (jwk_json, &error)) == NULL)
    {
      enroll_failed (self, error);
      return;
    }
  begin_step_full (self, _("Collecting device facts…"),
                   _("Could not collect the device facts"));
  cp_agent_dbus_agent1_call_get_device_facts (self->proxy, server_url (self), self->op_cancellable,
                                              facts_cb, g_object_ref (self));
}

static void
create_key (CpDevicePage *self)
{
  begin_step_full (self, _("Creating the device key…"),
                   _("Could not create the device key"));
  cp_agent_dbus_agent1_call_create_device_key (self->proxy, server_url (self), self->op_cancellable,
                                               key_cb, g_object_ref (self));
}

static void
old_enrollment_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(CpDevicePage) self = user_data;
  GError *error = NULL;

  if (!cp_agent_dbus_agent1_call_unenroll_finish (CP_AGENT_DBUS_AGENT1 (source), result, &error))
    {
      enroll_failed (self, cp_agent_client_take_error (self->agent, error));
      return;
    }
  create_key (self);
}

static void
enroll_clicked_cb (CpDevicePage *self)
{
  if (self->client == NULL || self->proxy == NULL || busy (self) || refuse_offline (self, ACTION_ENROLL))
    return;

  g_clear_error (&self->op_error);
  g_cancellable_cancel (self->cancellable);
  begin_operation (self);
  /* A removed or forgotten enrollment goes first, key and all. */
  if (g_strcmp0 (self->agent_state, "enrolled") == 0 || g_strcmp0 (self->agent_state, "removed") == 0)
    {
      begin_step_full (self, _("Removing the old enrollment…"),
                   _("Could not remove the old enrollment"));
      cp_agent_dbus_agent1_call_unenroll (self->proxy, server_url (self), self->op_cancellable,
                                          old_enrollment_cb, g_object_ref (self));
      return;
    }
  create_key (self);
}

/* Sync now */

static void
check_in_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CpDevicePage) self = user_data;
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GError) error = NULL;

  if (!cp_agent_dbus_agent1_call_check_in_finish (CP_AGENT_DBUS_AGENT1 (source), &state, result, &error))
    {
      error = cp_agent_client_take_error (self->agent, g_steal_pointer (&error));
      if (!cp_error_is_cancelled (error))
        cp_widget_add_toast (GTK_WIDGET (self), action_error_text (self, ACTION_SYNC, error));
    }
  else
    {
      const char *value = NULL;

      /* A removed device's check-in "succeeds" with state removed: the page says that. */
      if (!g_variant_lookup (state, "state", "&s", &value) || g_strcmp0 (value, "removed") != 0)
        cp_widget_add_toast (GTK_WIDGET (self), _("Checked in with your organisation"));
    }
  end_operation (self);
}

static void
sync_clicked_cb (CpDevicePage *self)
{
  if (self->proxy == NULL || busy (self) || refuse_offline (self, ACTION_SYNC))
    return;
  begin_operation (self);
  begin_step (self, _("Checking in…"));
  cp_agent_dbus_agent1_call_check_in (self->proxy, server_url (self), self->op_cancellable,
                                      check_in_cb, g_object_ref (self));
}

/* Rename */

static void
rename_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(CpDevicePage) self = user_data;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  node = cp_api_client_request_finish (CP_API_CLIENT (source), result, &error);
  self->step = NULL;
  if (error != NULL)
    {
      if (cp_error_is_cancelled (error))
        return;
      update_view (self);
      gtk_label_set_label (self->rename_error_label, action_error_text (self, ACTION_RENAME, error));
      gtk_widget_set_visible (GTK_WIDGET (self->rename_error_label), TRUE);
      return;
    }
  cp_widget_add_toast (GTK_WIDGET (self), _("Device renamed"));
  end_operation (self);
}

static gboolean
name_is_valid (const char *name)
{
  glong length = g_utf8_strlen (name, -1);

  if (length < 1 || length > MAX_NAME_LENGTH)
    return FALSE;
  for (const char *p = name; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

static void
rename_apply_cb (CpDevicePage *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_entry))));
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;

  if (self->this_device == NULL || busy (self))
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->rename_error_label), FALSE);
  if (refuse_offline (self, ACTION_RENAME))
    return;
  if (!name_is_valid (name))
    {
      gtk_label_set_label (self->rename_error_label,
                           _("A device name has 1 to 128 characters and no control characters."));
      gtk_widget_set_visible (GTK_WIDGET (self->rename_error_label), TRUE);
      return;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "displayName");
  json_builder_add_string_value (builder, name);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  request_this_device (self, "PATCH", body, _("Renaming…"), rename_cb);
}

/* Remove */

static void
unenroll_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CpDevicePage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cp_agent_dbus_agent1_call_unenroll_finish (CP_AGENT_DBUS_AGENT1 (source), result, &error))
    {
      error = cp_agent_client_take_error (self->agent, g_steal_pointer (&error));
      cp_widget_add_toast (GTK_WIDGET (self), error->message);
    }
  else
    cp_widget_add_toast (GTK_WIDGET (self), _("This device was removed"));
  end_operation (self);
}

static void
delete_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(CpDevicePage) self = user_data;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  node = cp_api_client_request_finish (CP_API_CLIENT (source), result, &error);
  /* 404: the organisation has already forgotten it; the key goes all the same. */
  if (error != NULL && !g_error_matches (error, CP_ERROR, CP_ERROR_NOT_FOUND))
    {
      if (!cp_error_is_cancelled (error))
        cp_widget_add_toast (GTK_WIDGET (self), action_error_text (self, ACTION_REMOVE, error));
      end_operation (self);
      return;
    }
  begin_step (self, _("Deleting the device key…"));
  cp_agent_dbus_agent1_call_unenroll (self->proxy, server_url (self), NULL,
                                      unenroll_cb, g_object_ref (self));
}

static void
remove_response_cb (CpDevicePage   *self,
                    const char     *response,
                    AdwMessageDialog *dialog)
{
  if (g_strcmp0 (response, "remove") != 0 || self->this_device == NULL || self->proxy == NULL || busy (self))
    return;
  request_this_device (self, "DELETE", NULL, _("Removing this device…"), delete_cb);
}

static void
remove_clicked_cb (CpDevicePage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  if (refuse_offline (self, ACTION_REMOVE))
    return;
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Remove This Device?"),
                                   _("The device key is deleted from this computer and your organisation "
                                     "stops managing it. This device loses access to your organisation’s "
                                     "resources, such as email, files and apps. You can enroll it again later."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove Device"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The agent */

static void
agent_missing_cb (CpDevicePage *self)
{
  update_view (self);
}

static void
retry_cb (CpDevicePage *self)
{
  cp_device_page_reload (self);
}

static void
cp_device_page_dispose (GObject *object)
{
  CpDevicePage *self = CP_DEVICE_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->op_cancellable);
  g_clear_object (&self->op_cancellable);
  if (self->proxy != NULL)
    g_clear_signal_handler (&self->enrollment_changed_id, self->proxy);
  g_clear_object (&self->proxy);
  g_clear_object (&self->client);
  if (self->agent != NULL)
    g_signal_handlers_disconnect_by_data (self->agent, self);
  g_clear_object (&self->agent);
  g_clear_object (&self->this_device);
  g_clear_pointer (&self->devices, g_ptr_array_unref);
  g_clear_pointer (&self->enroll_key, json_node_unref);
  /* The template's child is AdwBin's own; the content is the state view's. */

  G_OBJECT_CLASS (cp_device_page_parent_class)->dispose (object);
}

static void
cp_device_page_finalize (GObject *object)
{
  CpDevicePage *self = CP_DEVICE_PAGE (object);

  g_free (self->agent_state);
  g_free (self->agent_device_id);
  g_free (self->enroll_device_id);
  g_free (self->shown_name);
  g_clear_error (&self->agent_error);
  g_clear_error (&self->op_error);

  G_OBJECT_CLASS (cp_device_page_parent_class)->finalize (object);
}

static void
cp_device_page_class_init (CpDevicePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  g_type_ensure (CP_TYPE_SPINNER);

  object_class->dispose = cp_device_page_dispose;
  object_class->finalize = cp_device_page_finalize;

  g_type_ensure (CP_TYPE_STATE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/companyportal/CompanyPortal/cp-device-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, state_view);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, content);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, status_row);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, status_icon);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, spinner);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, message_label);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, enroll_button);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, retry_button);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, details_group);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, sync_button);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, remove_button);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, name_entry);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, rename_button);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, rename_error_label);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, os_row);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, ownership_row);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, management_row);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, enrolled_row);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, check_in_row);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, others_group);
  gtk_widget_class_bind_template_child (widget_class, CpDevicePage, others_list);
  gtk_widget_class_bind_template_callback (widget_class, retry_cb);
  gtk_widget_class_bind_template_callback (widget_class, enroll_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, sync_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, remove_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, rename_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, name_changed_cb);
}

static void
cp_device_page_init (CpDevicePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  cp_state_view_set_content (self->state_view, self->content);
  update_view (self);
}

static void
forget (CpDevicePage *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->op_cancellable);
  g_clear_object (&self->op_cancellable);
  self->step = NULL;
  g_clear_error (&self->op_error);
  g_clear_error (&self->agent_error);
  g_clear_pointer (&self->agent_state, g_free);
  g_clear_pointer (&self->agent_device_id, g_free);
  g_clear_object (&self->this_device);
  g_clear_pointer (&self->devices, g_ptr_array_unref);
  update_view (self);
  cp_state_view_reset (self->state_view);
}

void
cp_device_page_set_client (CpDevicePage *self,
                           CpApiClient  *client)
{
  g_return_if_fail (CP_IS_DEVICE_PAGE (self));
  g_return_if_fail (client == NULL || CP_IS_API_CLIENT (client));

  if (self->client == client)
    return;
  forget (self);
  g_set_object (&self->client, client);
}

void
cp_device_page_set_agent (CpDevicePage  *self,
                          CpAgentClient *agent)
{
  g_return_if_fail (CP_IS_DEVICE_PAGE (self));
  g_return_if_fail (agent == NULL || CP_IS_AGENT_CLIENT (agent));

  if (self->agent == agent)
    return;
  if (self->agent != NULL)
    g_signal_handlers_disconnect_by_data (self->agent, self);
  g_set_object (&self->agent, agent);
  if (agent != NULL)
    {
      g_signal_connect_swapped (agent, "notify::agent-missing", G_CALLBACK (agent_missing_cb), self);
      /* A restarted agent: what it holds may have changed while it was away. */
      g_signal_connect_swapped (agent, "agent-appeared", G_CALLBACK (cp_device_page_reload), self);
    }
  cp_device_page_reload (self);
}
