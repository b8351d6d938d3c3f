/* test-window-chrome.c: the window's chrome that is built only when it is needed
 * (menus, the "Connecting" page, the bottom view switcher) still works
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <company-portal.h>

#include "app-test-util.h"
#include "cp-application.h"
#include "cp-compliance-page.h"
#include "cp-sign-in-page.h"
#include "cp-spinner.h"
#include "cp-view-switcher.h"
#include "cp-window.h"

/* Widgets */

static void
collect (GtkWidget  *widget,
         GType       type,
         GPtrArray  *found)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        g_ptr_array_add (found, child);
      collect (child, type, found);
    }
}

static guint
count_descendants (GtkWidget *widget,
                   GType      type)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  collect (widget, type, found);
  return found->len;
}

/* The labels a popover shows, in order, with an accelerator's label too. */
static char *
popover_labels (GtkWidget *popover)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  GString *text = g_string_new (NULL);

  collect (popover, GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if (gtk_widget_get_visible (labels->pdata[i]))
      g_string_append_printf (text, "%s%s", text->len > 0 ? "|" : "", gtk_label_get_text (labels->pdata[i]));
  return g_string_free (text, FALSE);
}

/* The window */

static GtkWidget *
start_window (void)
{
  GtkWidget *window = app_test_new_window ();

  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static gboolean
has_sign_in_page (gpointer window)
{
  return app_test_find_descendant (window, CP_TYPE_SIGN_IN_PAGE, NULL) != NULL;
}

/* The menu button marked primary (F10) under @root. */
static GtkMenuButton *
primary_menu_button (GtkWidget *root)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

  collect (root, GTK_TYPE_MENU_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    if (gtk_menu_button_get_primary (buttons->pdata[i]))
      return buttons->pdata[i];
  return NULL;
}

static gboolean
popover_mapped (gpointer button)
{
  GtkPopover *popover = gtk_menu_button_get_popover (button);

  return popover != NULL && gtk_widget_get_mapped (GTK_WIDGET (popover));
}

/* The menu exists only once it is opened; it opens with its items and their
 * accelerators, and the second time it is the same menu. */
static void
check_menu_on_demand (GtkMenuButton *button,
                      const char    *expected_labels)
{
  g_autofree char *labels = NULL;
  GtkPopover *popover;

  g_assert_nonnull (button);
  g_assert_null (gtk_menu_button_get_popover (button));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (button)));
  g_assert_null (gtk_test_accessible_check_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                     "Main Menu"));

  gtk_menu_button_popup (button);
  popover = gtk_menu_button_get_popover (button);
  g_assert_true (GTK_IS_POPOVER_MENU (popover));
  app_test_iterate_until (popover_mapped, button);
  labels = popover_labels (GTK_WIDGET (popover));
  g_assert_cmpstr (labels, ==, expected_labels);
  g_assert_null (gtk_test_accessible_check_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                     "Main Menu"));

  gtk_menu_button_popdown (button);
  app_test_iterate_for (100);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (popover)));
  gtk_menu_button_popup (button);
  g_assert_true (gtk_menu_button_get_popover (button) == popover);
  app_test_iterate_until (popover_mapped, button);
  gtk_menu_button_popdown (button);
}

static void
test_start_menu (void)
{
  GtkWidget *window;

  g_unsetenv ("COMPANY_PORTAL_SERVER");
  window = start_window ();
  app_test_iterate_until (has_sign_in_page, window);
  check_menu_on_demand (primary_menu_button (window),
                        "Preferences|Ctrl+,|Keyboard Shortcuts|Ctrl+?|About Company Portal");
  app_test_close_window (window);
}

static void
test_primary_menu (void)
{
  GtkWidget *window;
  GtkWidget *compliance;

  g_unsetenv ("COMPANY_PORTAL_SERVER");
  window = start_window ();
  app_test_iterate_until (has_sign_in_page, window);
  /* Builds the main view before sign-in, as app.show-compliance does. */
  cp_window_show_compliance (CP_WINDOW (window), NULL);
  compliance = app_test_find_descendant (window, CP_TYPE_COMPLIANCE_PAGE, NULL);
  g_assert_nonnull (compliance);
  check_menu_on_demand (primary_menu_button (gtk_widget_get_parent (gtk_widget_get_ancestor (compliance, ADW_TYPE_VIEW_STACK))),
                        "Refresh|F5|Preferences|Ctrl+,|Keyboard Shortcuts|Ctrl+?|About Company Portal");
  app_test_close_window (window);
}

/* The "Connecting" page */

static GtkStack *
top_stack (GtkWidget *window)
{
  return GTK_STACK (app_test_find_descendant (window, GTK_TYPE_STACK, NULL));
}

static GtkWidget *
starting_page (GtkWidget *window)
{
  return adw_bin_get_child (ADW_BIN (gtk_stack_get_child_by_name (top_stack (window), "starting")));
}

static gboolean
starting_page_dropped (gpointer window)
{
  return starting_page (window) == NULL;
}

/* A start without a server goes to the sign-in page and never builds "Connecting". */
static void
test_starting_page_not_built (void)
{
  GtkWidget *window;

  g_unsetenv ("COMPANY_PORTAL_SERVER");
  window = start_window ();
  g_assert_cmpstr (gtk_stack_get_visible_child_name (top_stack (window)), ==, "sign-in");
  g_assert_null (starting_page (window));
  app_test_iterate_until (has_sign_in_page, window);
  app_test_iterate_for (300);
  g_assert_null (starting_page (window));
  app_test_close_window (window);
}

/* A start with a server shows "Connecting to <server>" with a spinner at once;
 * when the server cannot be reached the sign-in page says so, and the page is
 * dropped once it is off screen. */
static void
test_starting_page_shown (void)
{
  g_autofree char *url = app_test_unreachable_url ();
  g_autofree char *title = NULL;
  GtkWidget *window;
  GtkWidget *page;
  GtkWidget *status;

  g_setenv ("COMPANY_PORTAL_SERVER", url, TRUE);

  window = start_window ();
  g_assert_cmpstr (gtk_stack_get_visible_child_name (top_stack (window)), ==, "starting");
  page = starting_page (window);
  g_assert_nonnull (page);
  status = app_test_find_descendant (page, ADW_TYPE_STATUS_PAGE, NULL);
  g_assert_nonnull (status);
  title = g_strdup_printf ("Connecting to %s", url);
  g_assert_true (g_str_has_prefix (adw_status_page_get_title (ADW_STATUS_PAGE (status)), title));
  g_assert_nonnull (app_test_find_descendant (status, CP_TYPE_SPINNER, NULL));
  g_assert_true (gtk_widget_get_mapped (page));
  /* The sign-in page and its header (with the menu) wait until they are needed. */
  g_assert_false (has_sign_in_page (window));
  g_assert_null (primary_menu_button (window));

  app_test_iterate_until (has_sign_in_page, window);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (top_stack (window)), ==, "sign-in");
  g_assert_nonnull (primary_menu_button (window));
  app_test_iterate_until (starting_page_dropped, window);

  app_test_close_window (window);
  g_unsetenv ("COMPANY_PORTAL_SERVER");
}

/* The bottom view switcher */

static gboolean
bar_has_buttons (gpointer bar)
{
  return adw_view_switcher_bar_get_stack (bar) != NULL &&
         count_descendants (bar, GTK_TYPE_TOGGLE_BUTTON) == 4 &&
         gtk_widget_get_mapped (app_test_find_descendant (bar, GTK_TYPE_TOGGLE_BUTTON, NULL));
}

static gboolean
bar_is_empty (gpointer bar)
{
  return adw_view_switcher_bar_get_stack (bar) == NULL &&
         count_descendants (bar, GTK_TYPE_TOGGLE_BUTTON) == 0;
}

static void
resize (GtkWidget *window,
        int        width,
        int        height)
{
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  app_test_iterate_for (300);
}

/* A window without a server showing its main view as it shows once signed
 * in: built by app.show-compliance, then shown. */
static GtkWidget *
start_window_in_main_view (void)
{
  GtkWidget *window;

  g_unsetenv ("COMPANY_PORTAL_SERVER");
  window = start_window ();
  app_test_iterate_until (has_sign_in_page, window);
  cp_window_show_compliance (CP_WINDOW (window), NULL);
  gtk_stack_set_visible_child_name (top_stack (window), "portal");
  return window;
}

/* Wide, the bar has no stack and no buttons; narrow, it shows the pages'
 * buttons, which switch pages; wide again, they are gone and the page stays. */
static void
test_switcher_bar (void)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  GtkWidget *window;
  GtkWidget *bar;
  GtkWidget *view_stack;

  window = start_window_in_main_view ();
  bar = app_test_find_descendant (window, ADW_TYPE_VIEW_SWITCHER_BAR, NULL);
  view_stack = app_test_find_descendant (window, ADW_TYPE_VIEW_STACK, NULL);
  g_assert_nonnull (bar);
  resize (window, 960, 680);
  g_assert_false (adw_view_switcher_bar_get_reveal (ADW_VIEW_SWITCHER_BAR (bar)));
  g_assert_true (bar_is_empty (bar));

  resize (window, 360, 640);
  app_test_iterate_until (bar_has_buttons, bar);
  g_assert_true (adw_view_switcher_bar_get_reveal (ADW_VIEW_SWITCHER_BAR (bar)));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (ADW_VIEW_STACK (view_stack)), ==, "compliance");
  collect (bar, GTK_TYPE_TOGGLE_BUTTON, buttons);
  g_signal_emit_by_name (buttons->pdata[3], "clicked");
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (ADW_VIEW_STACK (view_stack)), ==, "help");
  g_signal_emit_by_name (buttons->pdata[0], "clicked");
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (ADW_VIEW_STACK (view_stack)), ==, "apps");
  g_ptr_array_set_size (buttons, 0);

  resize (window, 960, 680);
  app_test_iterate_until (bar_is_empty, bar);
  g_assert_false (adw_view_switcher_bar_get_reveal (ADW_VIEW_SWITCHER_BAR (bar)));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (ADW_VIEW_STACK (view_stack)), ==, "apps");

  /* And narrow once more: the bar comes back. */
  resize (window, 360, 640);
  app_test_iterate_until (bar_has_buttons, bar);
  app_test_close_window (window);
}

/* The header's tabs: beside their icons in a wide window, under them at the
 * default width, the title (and the bottom bar) in a narrow one; two light
 * switchers, no AdwViewSwitcherTitle with its two full ones. */
static GtkWidget *
shown_title_child (GtkWidget *window)
{
  AdwSqueezer *squeezer = ADW_SQUEEZER (app_test_find_descendant (window, ADW_TYPE_SQUEEZER, NULL));

  return adw_squeezer_get_visible_child (squeezer);
}

/* Narrow tabs show their labels whole, or the title shows instead. */
static void
assert_labels_whole (GtkWidget *switcher)
{
  for (GtkWidget *tab = gtk_widget_get_first_child (switcher); tab != NULL; tab = gtk_widget_get_next_sibling (tab))
    {
      GtkLabel *label = GTK_LABEL (gtk_widget_get_last_child (gtk_button_get_child (GTK_BUTTON (tab))));

      g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (label)));
    }
}

static void
test_header_tabs (void)
{
  g_autoptr(GPtrArray) switchers = g_ptr_array_new ();
  g_autoptr(GPtrArray) forms_seen = g_ptr_array_new ();
  GtkWidget *header;
  GtkWidget *window;

  window = start_window_in_main_view ();
  header = gtk_widget_get_ancestor (app_test_find_descendant (window, ADW_TYPE_SQUEEZER, NULL), ADW_TYPE_HEADER_BAR);
  collect (header, CP_TYPE_VIEW_SWITCHER, switchers);
  g_assert_cmpuint (switchers->len, ==, 2);
  g_assert_cmpuint (count_descendants (window, ADW_TYPE_VIEW_SWITCHER_TITLE), ==, 0);
  /* A tab (a toggle button with an icon and a label) per page in each. */
  g_assert_cmpuint (count_descendants (switchers->pdata[0], GTK_TYPE_WIDGET), ==, 4 * 4);
  g_assert_cmpuint (count_descendants (switchers->pdata[1], GTK_TYPE_WIDGET), ==, 4 * 4);

  /* Narrowing the window step by step: wide tabs, then narrow ones, then
   * the title, never back. */
  for (int width = 1280; width >= 360; width -= 40)
    {
      GtkWidget *shown;
      int form;

      resize (window, width, 640);
      shown = shown_title_child (window);
      form = ADW_IS_WINDOW_TITLE (shown) ? 2 : gtk_widget_has_css_class (shown, "narrow") ? 1 : 0;
      g_assert_cmpint (form, >=, forms_seen->len > 0 ? GPOINTER_TO_INT (g_ptr_array_index (forms_seen, forms_seen->len - 1)) : 0);
      if (forms_seen->len == 0 || GPOINTER_TO_INT (g_ptr_array_index (forms_seen, forms_seen->len - 1)) != form)
        g_ptr_array_add (forms_seen, GINT_TO_POINTER (form));
      if (form == 1)
        assert_labels_whole (shown);
    }
  g_assert_cmpuint (forms_seen->len, ==, 3);
  app_test_close_window (window);
}

/* The account popover is built the first time it opens, with its Sign Out button. */
static void
test_account_popover (void)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  GtkMenuButton *account = NULL;
  GtkPopover *popover;
  GtkWidget *window;
  GtkWidget *sign_out;

  window = start_window_in_main_view ();
  collect (window, GTK_TYPE_MENU_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_widget_get_tooltip_text (buttons->pdata[i]), "Account") == 0)
      account = buttons->pdata[i];
  g_assert_nonnull (account);
  g_assert_null (gtk_menu_button_get_popover (account));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (account)));

  gtk_menu_button_popup (account);
  popover = gtk_menu_button_get_popover (account);
  g_assert_nonnull (popover);
  app_test_iterate_until (popover_mapped, account);
  g_assert_nonnull (app_test_find_descendant (GTK_WIDGET (popover), ADW_TYPE_AVATAR, NULL));
  sign_out = app_test_find_descendant (GTK_WIDGET (popover), GTK_TYPE_BUTTON, NULL);
  g_assert_nonnull (sign_out);
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (sign_out)), ==, "_Sign Out");
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (sign_out)), ==, "win.sign-out");
  gtk_menu_button_popdown (account);
  gtk_menu_button_popup (account);
  g_assert_true (gtk_menu_button_get_popover (account) == popover);
  app_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init_window_tests (&argc, &argv);

  g_test_add_func ("/window-chrome/start-menu", test_start_menu);
  g_test_add_func ("/window-chrome/primary-menu", test_primary_menu);
  g_test_add_func ("/window-chrome/starting-page/not-built", test_starting_page_not_built);
  g_test_add_func ("/window-chrome/starting-page/shown", test_starting_page_shown);
  g_test_add_func ("/window-chrome/switcher-bar", test_switcher_bar);
  g_test_add_func ("/window-chrome/header-tabs", test_header_tabs);
  g_test_add_func ("/window-chrome/account-popover", test_account_popover);

  return g_test_run ();
}
