/* test-preferences.c: the Preferences window against real GSettings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "app-test-util.h"
#include "cp-preferences-dialog.h"

#define APP_SCHEMA "io.github.companyportal.CompanyPortal"

/* The first descendant of @root of @type (depth first). */
static GtkWidget *
find_child (GtkWidget *root,
            GType      type)
{
  GtkWidget *child;

  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_child (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GSettings *
fresh_settings (void)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();

  return g_settings_new_with_backend (APP_SCHEMA, backend);
}

static void
test_server_editable (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  CpPreferencesDialog *dialog;
  GtkEditable *row;
  g_autofree char *saved = NULL;

  g_unsetenv ("COMPANY_PORTAL_SERVER");
  g_settings_set_string (settings, "server-url", "https://old.example.com");
  dialog = cp_preferences_dialog_new (NULL, settings);
  row = GTK_EDITABLE (find_child (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW));
  g_assert_nonnull (row);
  g_assert_true (gtk_editable_get_editable (row));
  g_assert_cmpstr (gtk_editable_get_text (row), ==, "https://old.example.com");

  /* Not an address: refused, the setting keeps its value. */
  gtk_editable_set_text (row, "http://portal.example.com");
  g_signal_emit_by_name (row, "apply");
  saved = g_settings_get_string (settings, "server-url");
  g_assert_cmpstr (saved, ==, "https://old.example.com");
  g_clear_pointer (&saved, g_free);

  /* A good address is stored as the normalised URL. */
  gtk_editable_set_text (row, "portal.example.com");
  g_signal_emit_by_name (row, "apply");
  saved = g_settings_get_string (settings, "server-url");
  g_assert_true (g_str_has_prefix (saved, "https://portal.example.com"));

  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_server_from_environment (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  CpPreferencesDialog *dialog;
  GtkEditable *row;

  g_setenv ("COMPANY_PORTAL_SERVER", "https://env.example.com", TRUE);
  dialog = cp_preferences_dialog_new (NULL, settings);
  row = GTK_EDITABLE (find_child (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW));
  g_assert_false (gtk_editable_get_editable (row));
  g_assert_cmpstr (gtk_editable_get_text (row), ==, "https://env.example.com");
  g_assert_false (adw_entry_row_get_show_apply_button (ADW_ENTRY_ROW (row)));
  g_unsetenv ("COMPANY_PORTAL_SERVER");
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_bound_rows (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  CpPreferencesDialog *dialog = cp_preferences_dialog_new (NULL, settings);
  GtkSwitch *toggle = GTK_SWITCH (find_child (GTK_WIDGET (dialog), GTK_TYPE_SWITCH));
  GtkSpinButton *spin = GTK_SPIN_BUTTON (find_child (GTK_WIDGET (dialog), GTK_TYPE_SPIN_BUTTON));

  g_assert_true (gtk_switch_get_active (toggle));
  gtk_switch_set_active (toggle, FALSE);
  g_assert_false (g_settings_get_boolean (settings, "notifications-enabled"));

  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 60);
  gtk_spin_button_set_value (spin, 120);
  g_assert_cmpuint (g_settings_get_uint (settings, "check-interval"), ==, 120);
  /* The schema's range is the spin button's. */
  gtk_spin_button_set_value (spin, 5);
  g_assert_cmpuint (g_settings_get_uint (settings, "check-interval"), ==, 15);

  g_settings_set_uint (settings, "check-interval", 240);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 240);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

int
main (int   argc,
      char *argv[])
{
  app_test_init_window_tests (&argc, &argv);

  g_test_add_func ("/app/preferences/server-editable", test_server_editable);
  g_test_add_func ("/app/preferences/server-from-environment", test_server_from_environment);
  g_test_add_func ("/app/preferences/bound-rows", test_bound_rows);

  return g_test_run ();
}
