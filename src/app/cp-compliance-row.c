/* cp-compliance-row.c: one compliance setting, with how to fix it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The row says the state with an icon and words, and expands to what was
 * found, what is required and the steps to fix it. Actions: a Settings panel
 * opens GNOME Settings (outside Flatpak, when it is installed), a URL opens in
 * the browser, a command is only shown, selectable, with a Copy button: the
 * window never runs it.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cp-app-util.h"
#include "cp-compliance-row.h"

struct _CpComplianceRow
{
  AdwExpanderRow      parent_instance;

  CpComplianceResult *result;
};

G_DEFINE_FINAL_TYPE (CpComplianceRow, cp_compliance_row, ADW_TYPE_EXPANDER_ROW)

const char *
cp_compliance_state_describe (CpComplianceState state)
{
  switch (state)
    {
    case CP_COMPLIANCE_STATE_COMPLIANT:
      return _("Meets the requirement");
    case CP_COMPLIANCE_STATE_NONCOMPLIANT:
      return _("Needs to be fixed");
    case CP_COMPLIANCE_STATE_NOT_APPLICABLE:
      return _("Does not apply to this device");
    case CP_COMPLIANCE_STATE_UNKNOWN:
      return _("Could not be checked");
    case CP_COMPLIANCE_STATE_ERROR:
    default:
      return _("Check failed");
    }
}

static const char *
state_icon (CpComplianceState state)
{
  switch (state)
    {
    case CP_COMPLIANCE_STATE_COMPLIANT:
      return "emblem-ok-symbolic";
    case CP_COMPLIANCE_STATE_NONCOMPLIANT:
      return "dialog-warning-symbolic";
    case CP_COMPLIANCE_STATE_NOT_APPLICABLE:
      return "action-unavailable-symbolic";
    case CP_COMPLIANCE_STATE_UNKNOWN:
      return "dialog-question-symbolic";
    case CP_COMPLIANCE_STATE_ERROR:
    default:
      return "dialog-error-symbolic";
    }
}

static const char *
state_css_class (CpComplianceState state)
{
  switch (state)
    {
    case CP_COMPLIANCE_STATE_COMPLIANT:
      return "success";
    case CP_COMPLIANCE_STATE_NONCOMPLIANT:
      return "warning";
    case CP_COMPLIANCE_STATE_ERROR:
      return "error";
    default:
      return "dim-label";
    }
}

gboolean
cp_compliance_panel_id_is_valid (const char *panel)
{
  gsize length = panel != NULL ? strlen (panel) : 0;

  /* It becomes an argument of gnome-control-center: a plain id, nothing else. */
  if (length == 0 || length > 64 || panel[0] == '-')
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (panel[i]) && panel[i] != '-' && panel[i] != '_')
      return FALSE;
  return TRUE;
}

static GtkWidget *
text_label (const char *text,
            gboolean    selectable)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), selectable);
  return label;
}

static void
add_fact (GtkBox     *box,
          const char *heading,
          const char *text)
{
  g_autofree char *line = NULL;

  if (text == NULL || *text == '\0')
    return;
  /* Translators: "Found: <what the check saw>", "Required: <the organisation's rule>" */
  line = g_strdup_printf (_("%s: %s"), heading, text);
  gtk_box_append (box, text_label (line, TRUE));
}

/* Actions */

static gboolean
in_flatpak (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

static void
open_settings_clicked (GtkButton       *button,
                       CpComplianceRow *self)
{
  const char *panel = cp_compliance_result_get_action_value (self->result);
  g_autofree char *command = g_strdup_printf ("gnome-control-center %s", panel);
  g_autoptr(GAppInfo) info = NULL;
  g_autoptr(GAppLaunchContext) context = NULL;
  g_autoptr(GError) error = NULL;

  /* The panel id was validated: the command line has exactly two plain words. */
  info = g_app_info_create_from_commandline (command, _("Settings"), G_APP_INFO_CREATE_NONE, &error);
  if (info != NULL)
    {
      context = G_APP_LAUNCH_CONTEXT (gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (button))));
      g_app_info_launch (info, NULL, context, &error);
    }
  if (error != NULL)
    {
      g_debug ("Cannot open Settings: %s", error->message);
      cp_widget_add_toast (GTK_WIDGET (self), _("Settings could not be opened. Follow the steps instead."));
    }
}

static void
open_url_clicked (GtkButton       *button,
                  CpComplianceRow *self)
{
  cp_widget_open_uri (GTK_WIDGET (self), cp_compliance_result_get_action_value (self->result));
}

static void
copy_clicked (GtkButton       *button,
              CpComplianceRow *self)
{
  cp_widget_copy_text (GTK_WIDGET (self), cp_compliance_result_get_action_value (self->result));
}

static GtkWidget *
action_button (const char *label,
               GCallback   callback,
               gpointer    self)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_halign (button, GTK_ALIGN_START);
  g_signal_connect (button, "clicked", callback, self);
  return button;
}

static GtkWidget *
command_box (CpComplianceRow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = text_label (cp_compliance_result_get_action_value (self->result), TRUE);
  GtkWidget *copy = action_button (_("_Copy"), G_CALLBACK (copy_clicked), self);

  gtk_widget_add_css_class (label, "monospace");
  gtk_widget_add_css_class (label, "cp-command");
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_valign (copy, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (copy, _("Copy the command"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (copy), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("Copy the command"), -1);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), copy);
  return box;
}

static GtkWidget *
action_widget (CpComplianceRow *self)
{
  const char *value = cp_compliance_result_get_action_value (self->result);
  g_autofree char *settings = NULL;

  switch (cp_compliance_result_get_action (self->result))
    {
    case CP_REMEDIATION_ACTION_SETTINGS_PANEL:
      /* Inside Flatpak there is no portal for Settings panels: the steps say where to go. */
      if (in_flatpak () || !cp_compliance_panel_id_is_valid (value) ||
          (settings = g_find_program_in_path ("gnome-control-center")) == NULL)
        return NULL;
      return action_button (_("_Open Settings"), G_CALLBACK (open_settings_clicked), self);
    case CP_REMEDIATION_ACTION_URL:
      return action_button (_("_Open Instructions"), G_CALLBACK (open_url_clicked), self);
    case CP_REMEDIATION_ACTION_COMMAND:
      return command_box (self);
    case CP_REMEDIATION_ACTION_NONE:
    default:
      return NULL;
    }
}

static void
add_how_to_fix (CpComplianceRow *self,
                GtkBox          *box)
{
  const char *title = cp_compliance_result_get_remediation_title (self->result);
  const char *const *steps = cp_compliance_result_get_remediation_steps (self->result);
  GtkWidget *heading, *action;

  action = action_widget (self);
  if (title == NULL && steps[0] == NULL && action == NULL)
    return;
  heading = text_label (_("How to fix"), FALSE);
  gtk_widget_add_css_class (heading, "heading");
  gtk_widget_set_margin_top (heading, 6);
  gtk_box_append (box, heading);
  if (title != NULL)
    gtk_box_append (box, text_label (title, TRUE));
  for (guint i = 0; steps[i] != NULL; i++)
    {
      g_autofree char *step = g_strdup_printf ("%u. %s", i + 1, steps[i]);
      gtk_box_append (box, text_label (step, TRUE));
    }
  if (action != NULL)
    gtk_box_append (box, action);
}

static GtkWidget *
details (CpComplianceRow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  CpComplianceState state = cp_compliance_result_get_state (self->result);

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  add_fact (GTK_BOX (box), _("Found"), cp_compliance_result_get_evidence (self->result));
  add_fact (GTK_BOX (box), _("Required"), cp_compliance_result_get_expected (self->result));
  if (state != CP_COMPLIANCE_STATE_COMPLIANT && state != CP_COMPLIANCE_STATE_NOT_APPLICABLE)
    add_how_to_fix (self, GTK_BOX (box));
  return box;
}

static void
cp_compliance_row_dispose (GObject *object)
{
  CpComplianceRow *self = CP_COMPLIANCE_ROW (object);

  g_clear_object (&self->result);

  G_OBJECT_CLASS (cp_compliance_row_parent_class)->dispose (object);
}

static void
cp_compliance_row_class_init (CpComplianceRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cp_compliance_row_dispose;
}

static void
cp_compliance_row_init (CpComplianceRow *self)
{
}

CpComplianceRow *
cp_compliance_row_new (CpComplianceResult *result)
{
  CpComplianceRow *self;
  CpComplianceState state;
  GtkWidget *icon;

  g_return_val_if_fail (CP_IS_COMPLIANCE_RESULT (result), NULL);

  state = cp_compliance_result_get_state (result);
  self = g_object_new (CP_TYPE_COMPLIANCE_ROW,
                       "title", cp_compliance_result_get_title (result),
                       "subtitle", cp_compliance_state_describe (state),
                       "use-markup", FALSE,
                       NULL);
  self->result = g_object_ref (result);

  icon = gtk_image_new_from_icon_name (state_icon (state));
  gtk_widget_add_css_class (icon, state_css_class (state));
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  cp_compliance_state_describe (state), -1);
  adw_expander_row_add_prefix (ADW_EXPANDER_ROW (self), icon);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (self), details (self));
  return self;
}

CpComplianceResult *
cp_compliance_row_get_result (CpComplianceRow *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_ROW (self), NULL);
  return self->result;
}
