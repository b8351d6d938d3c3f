/* test-compliance-row.c: one compliance setting as the user sees it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cp-compliance-row.h"

/* Every label's text below @widget, in order. */
static void
collect_labels (GtkWidget *widget,
                GString   *out)
{
  if (GTK_IS_LABEL (widget))
    g_string_append_printf (out, "%s\n", gtk_label_get_label (GTK_LABEL (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, out);
}

static GtkLabel *
find_label (GtkWidget  *widget,
            const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return GTK_LABEL (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = find_label (child, text);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static char *
row_text (CpComplianceRow *row)
{
  GString *out = g_string_new (NULL);

  collect_labels (GTK_WIDGET (row), out);
  return g_string_free (out, FALSE);
}

static CpComplianceResult *
firewall_result (CpRemediationAction action,
                 const char         *value)
{
  const char *steps[] = { "Turn on the firewall.", "Check again.", NULL };
  CpComplianceResult *result = cp_compliance_result_new ("firewall", "Firewall", CP_COMPLIANCE_STATE_NONCOMPLIANT,
                                                         "No firewall is enabled", "A firewall is enabled");

  cp_compliance_result_set_remediation (result, "Turn on the firewall", steps);
  cp_compliance_result_set_action (result, action, value);
  return result;
}

static void
test_row_command (void)
{
  g_autoptr(CpComplianceResult) result = firewall_result (CP_REMEDIATION_ACTION_COMMAND, "sudo ufw enable");
  CpComplianceRow *row = g_object_ref_sink (cp_compliance_row_new (result));
  g_autofree char *text = row_text (row);
  GtkLabel *command;

  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Firewall");
  /* The state in words, not only an icon colour. */
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (row)), ==, "Needs to be fixed");
  g_assert_nonnull (strstr (text, "Found: No firewall is enabled\n"));
  g_assert_nonnull (strstr (text, "Required: A firewall is enabled\n"));
  g_assert_nonnull (strstr (text, "How to fix\nTurn on the firewall\n1. Turn on the firewall.\n2. Check again.\n"));
  g_assert_nonnull (strstr (text, "_Copy\n"));
  /* Shown to copy, selectable, in monospace: never a button that runs it. */
  command = find_label (GTK_WIDGET (row), "sudo ufw enable");
  g_assert_nonnull (command);
  g_assert_true (gtk_label_get_selectable (command));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (command), "monospace"));
  g_object_unref (row);
}

static void
test_row_url (void)
{
  g_autoptr(CpComplianceResult) result = firewall_result (CP_REMEDIATION_ACTION_URL, "https://help.example/firewall");
  CpComplianceRow *row = g_object_ref_sink (cp_compliance_row_new (result));
  g_autofree char *text = row_text (row);

  g_assert_nonnull (strstr (text, "_Open Instructions\n"));
  g_assert_null (strstr (text, "https://help.example/firewall"));
  g_object_unref (row);
}

static void
test_row_compliant (void)
{
  g_autoptr(CpComplianceResult) result = cp_compliance_result_new ("os", "Supported Linux version",
                                                                   CP_COMPLIANCE_STATE_COMPLIANT, "debian 12", NULL);
  CpComplianceRow *row = g_object_ref_sink (cp_compliance_row_new (result));
  g_autofree char *text = row_text (row);

  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (row)), ==, "Meets the requirement");
  g_assert_nonnull (strstr (text, "Found: debian 12\n"));
  g_assert_null (strstr (text, "Required:"));
  g_assert_null (strstr (text, "How to fix"));
  g_object_unref (row);
}

static void
test_row_unknown_says_so (void)
{
  g_autoptr(CpComplianceResult) result = cp_compliance_result_new ("disk", "Disk encryption",
                                                                   CP_COMPLIANCE_STATE_UNKNOWN,
                                                                   "/ is on ZFS: its encryption cannot be read", NULL);
  CpComplianceRow *row = g_object_ref_sink (cp_compliance_row_new (result));

  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (row)), ==, "Could not be checked");
  g_object_unref (row);
}

static void
test_panel_ids (void)
{
  g_assert_true (cp_compliance_panel_id_is_valid ("privacy"));
  g_assert_true (cp_compliance_panel_id_is_valid ("wifi"));
  g_assert_true (cp_compliance_panel_id_is_valid ("display-settings_2"));
  /* It becomes an argument: nothing that a command line or an option could make of it. */
  g_assert_false (cp_compliance_panel_id_is_valid (NULL));
  g_assert_false (cp_compliance_panel_id_is_valid (""));
  g_assert_false (cp_compliance_panel_id_is_valid ("--help"));
  g_assert_false (cp_compliance_panel_id_is_valid ("sharing; rm -rf ~"));
  g_assert_false (cp_compliance_panel_id_is_valid ("a b"));
  g_assert_false (cp_compliance_panel_id_is_valid ("$(id)"));
  g_assert_false (cp_compliance_panel_id_is_valid ("../x"));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/compliance-row/command", test_row_command);
  g_test_add_func ("/compliance-row/url", test_row_url);
  g_test_add_func ("/compliance-row/compliant", test_row_compliant);
  g_test_add_func ("/compliance-row/unknown", test_row_unknown_says_so);
  g_test_add_func ("/compliance-row/panel-ids", test_panel_ids);
  return g_test_run ();
}
