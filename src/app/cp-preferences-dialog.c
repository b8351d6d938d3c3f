/* cp-preferences-dialog.c: server address, notifications, background checks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every row is bound to its GSettings key, so a key the administrator locked
 * (dconf lock) is shown but cannot be changed. The server address is also
 * fixed while COMPANY_PORTAL_SERVER overrides it; the dialog says which.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <company-portal.h>

#include "cp-preferences-dialog.h"

struct _CpPreferencesDialog
{
  AdwPreferencesWindow  parent_instance;

  AdwEntryRow          *server_row;
  GtkLabel             *server_note_label;
  GtkSwitch            *notifications_switch;
  GtkSpinButton        *interval_spin;

  GSettings            *settings;
};

G_DEFINE_FINAL_TYPE (CpPreferencesDialog, cp_preferences_dialog, ADW_TYPE_PREFERENCES_WINDOW)

static void
set_server_note (CpPreferencesDialog *self,
                 const char          *text,
                 gboolean             is_error)
{
  gtk_label_set_label (self->server_note_label, text);
  if (is_error)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->server_note_label), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (self->server_note_label), "error");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->server_note_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->server_note_label), "dim-label");
    }
}

static const char *
editable_note (void)
{
  return _("Used the next time Company Portal starts or when you sign in again.");
}

static void
server_changed_cb (CpPreferencesDialog *self)
{
  if (gtk_editable_get_editable (GTK_EDITABLE (self->server_row)))
    set_server_note (self, editable_note (), FALSE);
}

static void
server_apply_cb (CpPreferencesDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->server_row));
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;

  if (text[0] == '\0')
    {
      g_settings_reset (self->settings, "server-url");
      return;
    }
  url = cp_api_client_normalize_server_url (text, &error);
  if (url == NULL)
    {
      set_server_note (self, error->message, TRUE);
      return;
    }
  g_settings_set_string (self->settings, "server-url", url);
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), url);
  set_server_note (self, editable_note (), FALSE);
}

static void
setup_server_row (CpPreferencesDialog *self)
{
  const char *env_url = g_getenv ("COMPANY_PORTAL_SERVER");
  g_autofree char *url = NULL;
  const char *note;
  gboolean editable = FALSE;

  if (env_url != NULL && env_url[0] != '\0')
    {
      url = g_strdup (env_url);
      note = _("Set by the COMPANY_PORTAL_SERVER environment variable, which overrides this setting.");
    }
  else
    {
      url = g_settings_get_string (self->settings, "server-url");
      editable = g_settings_is_writable (self->settings, "server-url");
      note = editable ? editable_note () : _("Set by your administrator. It cannot be changed here.");
    }

  gtk_editable_set_text (GTK_EDITABLE (self->server_row), url);
  gtk_editable_set_editable (GTK_EDITABLE (self->server_row), editable);
  adw_entry_row_set_show_apply_button (self->server_row, editable);
  set_server_note (self, note, FALSE);
}

static void
cp_preferences_dialog_dispose (GObject *object)
{
  CpPreferencesDialog *self = CP_PREFERENCES_DIALOG (object);

  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (object), CP_TYPE_PREFERENCES_DIALOG);

  G_OBJECT_CLASS (cp_preferences_dialog_parent_class)->dispose (object);
}

static void
cp_preferences_dialog_class_init (CpPreferencesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cp_preferences_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/companyportal/CompanyPortal/cp-preferences-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CpPreferencesDialog, server_row);
  gtk_widget_class_bind_template_child (widget_class, CpPreferencesDialog, server_note_label);
  gtk_widget_class_bind_template_child (widget_class, CpPreferencesDialog, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, CpPreferencesDialog, interval_spin);
  gtk_widget_class_bind_template_callback (widget_class, server_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, server_changed_cb);
}

static void
cp_preferences_dialog_init (CpPreferencesDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

CpPreferencesDialog *
cp_preferences_dialog_new (GtkWindow *parent,
                           GSettings *settings)
{
  CpPreferencesDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (CP_TYPE_PREFERENCES_DIALOG, "transient-for", parent, NULL);
  self->settings = g_object_ref (settings);
  setup_server_row (self);
  /* g_settings_bind() also makes a locked key's row insensitive. */
  g_settings_bind (settings, "notifications-enabled", self->notifications_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "check-interval", gtk_spin_button_get_adjustment (self->interval_spin),
                   "value", G_SETTINGS_BIND_DEFAULT);
  return self;
}
