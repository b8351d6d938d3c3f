/* test-app-widgets.c: the window's building blocks against real GTK and a real SoupServer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <company-portal.h>
#include <string.h>
#include <glib/gstdio.h>

#include "app-test-util.h"
#include "cp-application.h"
#include "cp-branding.h"
#include "cp-compliance-page.h"
#include "cp-window.h"
#include "cp-help-page.h"
#include "cp-icon-cache.h"
#include "cp-sign-in-page.h"
#include "cp-spinner.h"
#include "cp-state-view.h"
#include "cp-tls-database.h"
#include "cp-view-switcher.h"

static char *
fixture_path (const char *name)
{
  const char *source_dir = g_getenv ("CP_SOURCE_DIR");

  g_assert_nonnull (source_dir);
  return g_build_filename (source_dir, "tests", "app", "fixtures", name, NULL);
}

/* CpTlsDatabase */

static void
test_tls_database_bad_paths (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = fixture_path ("does-not-exist.pem");
  GTlsDatabase *database;

  database = cp_tls_database_new ("relative/ca.pem", &error);
  g_assert_null (database);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  database = cp_tls_database_new (missing, &error);
  g_assert_null (database);
  g_assert_nonnull (error);
}

static GTlsCertificateFlags
verify (GTlsDatabase *database,
        const char   *host)
{
  g_autofree char *server_file = fixture_path ("server.pem");
  g_autoptr(GTlsCertificate) chain = NULL;
  g_autoptr(GSocketConnectable) identity = g_network_address_new (host, 443);
  g_autoptr(GError) error = NULL;
  GTlsCertificateFlags flags;

  chain = g_tls_certificate_new_from_file (server_file, &error);
  g_assert_no_error (error);
  flags = g_tls_database_verify_chain (database, chain, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                       identity, NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, &error);
  g_assert_no_error (error);
  return flags;
}

static void
test_tls_database_adds_org_ca (void)
{
  g_autofree char *ca_file = fixture_path ("org-ca.pem");
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GError) error = NULL;
  GTlsDatabase *system = g_tls_backend_get_default_database (g_tls_backend_get_default ());

  /* The system alone does not know the organisation's CA... */
  g_assert_true (verify (system, "portal.test") & G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_object_unref (system);

  /* ...the combined database trusts it, and still checks everything else. */
  database = cp_tls_database_new (ca_file, &error);
  g_assert_no_error (error);
  g_assert_nonnull (database);
  g_assert_cmpint (verify (database, "portal.test"), ==, 0);
  g_assert_cmpint (verify (database, "other.test"), !=, 0);
}

/* CpStateView */

/* CpSpinner: draws only while spinning, and says so to assistive technologies */

/* What the widget itself draws (its snapshot vfunc), as a render node. */
static GskRenderNode *
render_widget (GtkWidget *widget)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();

  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  return gtk_snapshot_free_to_node (snapshot);
}

/* CpViewSwitcher: a tab per visible page, the shown page's tab selected */

static GtkWidget *
tab_at (CpViewSwitcher *switcher,
        guint           position)
{
  GtkWidget *tab = gtk_widget_get_first_child (GTK_WIDGET (switcher));

  for (guint i = 0; tab != NULL && i < position; i++)
    tab = gtk_widget_get_next_sibling (tab);
  g_assert_nonnull (tab);
  return tab;
}

static GtkLabel *
tab_label (CpViewSwitcher *switcher,
           guint           position)
{
  GtkWidget *box = gtk_button_get_child (GTK_BUTTON (tab_at (switcher, position)));

  return GTK_LABEL (gtk_widget_get_last_child (box));
}

static gboolean
tab_active (CpViewSwitcher *switcher,
            guint           position)
{
  return gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (tab_at (switcher, position)));
}

static guint
count_tabs (CpViewSwitcher *switcher)
{
  guint n = 0;

  for (GtkWidget *tab = gtk_widget_get_first_child (GTK_WIDGET (switcher));
       tab != NULL;
       tab = gtk_widget_get_next_sibling (tab))
    n++;
  return n;
}

static AdwViewStackPage *
add_page (AdwViewStack *stack,
          const char   *name,
          const char   *title,
          const char   *icon_name)
{
  AdwViewStackPage *page = adw_view_stack_add_titled (stack, gtk_label_new (name), name, title);

  adw_view_stack_page_set_icon_name (page, icon_name);
  adw_view_stack_page_set_use_underline (page, TRUE);
  return page;
}

static void
test_view_switcher (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  AdwViewStack *stack = ADW_VIEW_STACK (adw_view_stack_new ());
  CpViewSwitcher *switcher = CP_VIEW_SWITCHER (cp_view_switcher_new (ADW_VIEW_SWITCHER_POLICY_WIDE));
  AdwViewStackPage *device;
  GtkWidget *tab;

  add_page (stack, "apps", "_Apps", "view-app-grid-symbolic");
  device = add_page (stack, "device", "_Device", "computer-symbolic");
  add_page (stack, "help", "_Help", "help-about-symbolic");
  g_assert_cmpuint (count_tabs (switcher), ==, 0);
  cp_view_switcher_set_stack (switcher, stack);
  g_assert_true (cp_view_switcher_get_stack (switcher) == stack);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (switcher));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (stack));
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));

  /* A tab per page, in order: libadwaita's styles, a "tab" (named by its
   * mnemonic label), the page's icon; the shown page's tab selected. */
  g_assert_cmpuint (count_tabs (switcher), ==, 3);
  g_assert_cmpstr (gtk_widget_get_css_name (GTK_WIDGET (switcher)), ==, "viewswitcher");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (switcher), "wide"));
  tab = tab_at (switcher, 1);
  g_assert_true (GTK_IS_TOGGLE_BUTTON (tab));
  g_assert_true (gtk_widget_has_css_class (tab, "toggle"));
  g_assert_true (gtk_widget_has_css_class (tab, "flat"));
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (tab), GTK_ACCESSIBLE_ROLE_TAB);
  g_assert_cmpstr (gtk_label_get_label (tab_label (switcher, 1)), ==, "_Device");
  g_assert_cmpstr (gtk_label_get_text (tab_label (switcher, 1)), ==, "Device");
  g_assert_true (gtk_label_get_mnemonic_widget (tab_label (switcher, 1)) == tab);
  g_assert_cmpint (gtk_orientable_get_orientation (GTK_ORIENTABLE (gtk_button_get_child (GTK_BUTTON (tab)))), ==,
                   GTK_ORIENTATION_HORIZONTAL);
  g_assert_true (tab_active (switcher, 0));
  g_assert_false (tab_active (switcher, 1));
  gtk_test_accessible_assert_state (GTK_ACCESSIBLE (tab_at (switcher, 0)), GTK_ACCESSIBLE_STATE_SELECTED, TRUE);
  gtk_test_accessible_assert_state (GTK_ACCESSIBLE (tab), GTK_ACCESSIBLE_STATE_SELECTED, FALSE);

  /* A click shows its page and moves the selection. */
  g_signal_emit_by_name (tab, "clicked");
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "device");
  g_assert_true (tab_active (switcher, 1));
  g_assert_false (tab_active (switcher, 0));
  gtk_test_accessible_assert_state (GTK_ACCESSIBLE (tab), GTK_ACCESSIBLE_STATE_SELECTED, TRUE);
  gtk_test_accessible_assert_state (GTK_ACCESSIBLE (tab_at (switcher, 0)), GTK_ACCESSIBLE_STATE_SELECTED, FALSE);
  /* Clicking the shown page's tab keeps it pressed. */
  g_signal_emit_by_name (tab, "clicked");
  g_assert_true (tab_active (switcher, 1));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "device");
  /* The stack switched from elsewhere: the tabs follow. */
  adw_view_stack_set_visible_child_name (stack, "help");
  g_assert_true (tab_active (switcher, 2));
  g_assert_false (tab_active (switcher, 1));
  /* The mnemonic switches too (a button's keyboard activation clicks it
   * after a short press). */
  g_assert_true (gtk_widget_mnemonic_activate (tab, FALSE));
  app_test_iterate_for (400);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "device");

  /* A page's title, icon and visibility reach its tab. */
  adw_view_stack_page_set_title (device, "_Computer");
  g_assert_cmpstr (gtk_label_get_text (tab_label (switcher, 1)), ==, "Computer");
  adw_view_stack_page_set_icon_name (device, "drive-harddisk-symbolic");
  g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (gtk_widget_get_first_child (gtk_button_get_child (GTK_BUTTON (tab))))),
                   ==, "drive-harddisk-symbolic");
  adw_view_stack_page_set_visible (device, FALSE);
  g_assert_false (gtk_widget_get_visible (tab));
  adw_view_stack_page_set_visible (device, TRUE);
  g_assert_true (gtk_widget_get_visible (tab));

  /* Pages added later get a tab (and their changes reach it); no stack, no tabs. */
  add_page (stack, "compliance", "_Compliance", "security-high-symbolic");
  g_assert_cmpuint (count_tabs (switcher), ==, 4);
  g_assert_cmpstr (gtk_label_get_text (tab_label (switcher, 3)), ==, "Compliance");
  adw_view_stack_page_set_title (adw_view_stack_get_page (stack, gtk_widget_get_last_child (GTK_WIDGET (stack))), "_Rules");
  g_assert_cmpstr (gtk_label_get_text (tab_label (switcher, 3)), ==, "Rules");
  cp_view_switcher_set_stack (switcher, NULL);
  g_assert_cmpuint (count_tabs (switcher), ==, 0);
  adw_view_stack_page_set_title (device, "_Device");  /* no longer watched: nothing to update */

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The narrow policy puts the labels under the icons and ellipsizes them. */
static void
test_view_switcher_narrow (void)
{
  g_autoptr(AdwViewStack) stack = g_object_ref_sink (ADW_VIEW_STACK (adw_view_stack_new ()));
  GtkWidget *switcher = g_object_ref_sink (cp_view_switcher_new (ADW_VIEW_SWITCHER_POLICY_NARROW));
  GtkWidget *box;

  add_page (stack, "apps", "_Apps", "view-app-grid-symbolic");
  cp_view_switcher_set_stack (CP_VIEW_SWITCHER (switcher), stack);
  g_assert_true (gtk_widget_has_css_class (switcher, "narrow"));
  box = gtk_button_get_child (GTK_BUTTON (tab_at (CP_VIEW_SWITCHER (switcher), 0)));
  g_assert_true (gtk_widget_has_css_class (box, "narrow"));
  g_assert_cmpint (gtk_orientable_get_orientation (GTK_ORIENTABLE (box)), ==, GTK_ORIENTATION_VERTICAL);
  g_assert_cmpint (gtk_label_get_ellipsize (tab_label (CP_VIEW_SWITCHER (switcher), 0)), ==, PANGO_ELLIPSIZE_END);
  g_object_unref (switcher);
}

/* The Compliance page builds its status and its report when first shown:
 * new, it holds the loading spinner only. */
static void
test_compliance_page_parts_on_demand (void)
{
  GtkWidget *page = g_object_ref_sink (g_object_new (CP_TYPE_COMPLIANCE_PAGE, NULL));
  GtkStack *stack = GTK_STACK (adw_bin_get_child (ADW_BIN (page)));

  g_assert_cmpstr (cp_compliance_page_get_state (CP_COMPLIANCE_PAGE (page)), ==, "loading");
  g_assert_nonnull (gtk_stack_get_child_by_name (stack, "loading"));
  g_assert_null (gtk_stack_get_child_by_name (stack, "status"));
  g_assert_null (gtk_stack_get_child_by_name (stack, "report"));
  g_object_unref (page);
}

static void
notify_count_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  (*(guint *) user_data)++;
}

static void
test_spinner (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *spinner = cp_spinner_new ();
  GskRenderNode *node;
  guint notified = 0;
  int min_width;

  g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (spinner)), ==,
                   GTK_ACCESSIBLE_ROLE_PROGRESS_BAR);
  g_assert_false (cp_spinner_get_spinning (CP_SPINNER (spinner)));
  g_signal_connect (spinner, "notify::spinning", G_CALLBACK (notify_count_cb), &notified);

  gtk_widget_set_size_request (spinner, 32, 32);
  gtk_window_set_child (GTK_WINDOW (window), spinner);
  gtk_window_present (GTK_WINDOW (window));
  while (!gtk_widget_get_mapped (spinner) || gtk_widget_get_width (spinner) == 0)
    g_main_context_iteration (NULL, TRUE);

  /* Stopped: the same size, nothing drawn. */
  gtk_widget_measure (spinner, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  g_assert_cmpint (min_width, ==, 32);
  g_assert_null (render_widget (spinner));

  /* Spinning: an arc is drawn, the property says so once. */
  g_object_set (spinner, "spinning", TRUE, NULL);
  cp_spinner_set_spinning (CP_SPINNER (spinner), TRUE);
  g_assert_true (cp_spinner_get_spinning (CP_SPINNER (spinner)));
  g_assert_cmpuint (notified, ==, 1);
  node = render_widget (spinner);
  g_assert_nonnull (node);
  g_assert_cmpint (gsk_render_node_get_node_type (node), ==, GSK_CAIRO_NODE);
  gsk_render_node_unref (node);

  cp_spinner_set_spinning (CP_SPINNER (spinner), FALSE);
  g_assert_cmpuint (notified, ==, 2);
  g_assert_null (render_widget (spinner));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_state_view_states (void)
{
  CpStateView *view = g_object_ref_sink (g_object_new (CP_TYPE_STATE_VIEW,
                                                       "empty-title", "Nothing",
                                                       "unavailable-title", "Not published",
                                                       NULL));
  g_autoptr(GError) not_found = g_error_new_literal (CP_ERROR, CP_ERROR_NOT_FOUND, "Not Found");
  g_autoptr(GError) offline = g_error_new_literal (CP_ERROR, CP_ERROR_NETWORK, "Cannot reach");
  g_autoptr(GError) server = g_error_new_literal (CP_ERROR, CP_ERROR_SERVER, "Broken");
  g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
  g_autoptr(JsonNode) empty = json_from_string ("[]", NULL);
  g_autoptr(JsonNode) items = json_from_string ("[{\"id\":\"a\"}]", NULL);
  g_autoptr(JsonNode) empty_page = json_from_string ("{\"items\":[]}", NULL);
  g_autoptr(JsonNode) page = json_from_string ("{\"items\":[{\"id\":\"a\"}]}", NULL);
  g_autofree char *title = NULL;

  g_object_get (view, "empty-title", &title, NULL);
  g_assert_cmpstr (title, ==, "Nothing");
  g_assert_cmpstr (cp_state_view_get_state (view), ==, "loading");

  /* Offline before any answer: an error with Retry. */
  cp_state_view_show_error (view, offline);
  g_assert_cmpstr (cp_state_view_get_state (view), ==, "error");
  cp_state_view_show_loading (view);
  g_assert_cmpstr (cp_state_view_get_state (view), ==, "loading");

  /* 404: the organisation has not published it. */
  cp_state_view_show_error (view, not_found);
  g_assert_cmpstr (cp_state_view_get_state (view), ==, "unavailable");

  /* A refresh keeps the answer on screen; losing the connection keeps it too. */
  cp_state_view_show_loading (view);
  g_assert_cmpstr (cp_state_view_get_state (view), ==, "unavailable");
  cp_state_view_show_error (view, offline);
  g_assert_cmpstr (cp_state_view_get_state (view), ==, "unavailable");
  cp_state_view_show_error (view, cancelled);
  g_assert_cmpstr (cp_state_view_get_state (view), ==, "unavailable");

  cp_state_view_show_result (view, empty);
  g_assert_cmpstr (cp_state_view_get_state (view), ==, "empty");
  cp_state_view_show_result (view, items);
  g_assert_cmpstr (cp_state_view_get_state (view), ==, "unsupported");
  cp_state_view_show_result (view, empty_page);
  g_assert_cmpstr (cp_state_view_get_state (view), ==, "empty");
  cp_state_view_show_result (view, page);
  g_assert_cmpstr (cp_state_view_get_state (view), ==, "unsupported");

  /* Other errors are shown even with data: they will not go away by waiting. */
  cp_state_view_show_error (view, server);
  g_assert_cmpstr (cp_state_view_get_state (view), ==, "error");

  /* A page's own view of its data; losing the connection keeps it too. */
  cp_state_view_set_content (view, gtk_label_new ("items"));
  cp_state_view_show_content (view);
  g_assert_cmpstr (cp_state_view_get_state (view), ==, "content");
  cp_state_view_show_loading (view);
  cp_state_view_show_error (view, offline);
  g_assert_cmpstr (cp_state_view_get_state (view), ==, "content");

  cp_state_view_reset (view);
  g_assert_cmpstr (cp_state_view_get_state (view), ==, "loading");
  cp_state_view_show_error (view, offline);
  g_assert_cmpstr (cp_state_view_get_state (view), ==, "error");

  g_assert_finalize_object (view);
}

/* CpStateView loading: the spinner only when the answer takes a while */

static CpSpinner *
find_spinner (GtkWidget *root)
{
  if (CP_IS_SPINNER (root))
    return CP_SPINNER (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      CpSpinner *found = find_spinner (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_state_view_loading_delay (void)
{
  CpStateView *quick = g_object_ref_sink (g_object_new (CP_TYPE_STATE_VIEW, NULL));
  CpStateView *slow = g_object_ref_sink (g_object_new (CP_TYPE_STATE_VIEW, NULL));
  g_autoptr(JsonNode) items = json_from_string ("[{\"id\":\"a\"}]", NULL);
  CpSpinner *spinner;

  /* An answer within the delay: no spinner was ever made. */
  app_test_iterate_for (100);
  cp_state_view_show_result (quick, items);
  app_test_iterate_for (400);
  g_assert_null (find_spinner (GTK_WIDGET (quick)));
  g_assert_cmpstr (cp_state_view_get_state (slow), ==, "loading");

  /* Still loading after it: the spinner turns, and stops with the answer. */
  spinner = find_spinner (GTK_WIDGET (slow));
  g_assert_nonnull (spinner);
  g_assert_true (cp_spinner_get_spinning (spinner));
  cp_state_view_show_result (slow, items);
  g_assert_false (cp_spinner_get_spinning (spinner));
  cp_state_view_reset (slow);
  g_assert_true (cp_spinner_get_spinning (spinner));

  g_assert_finalize_object (quick);
  g_assert_finalize_object (slow);
}

/* CpStateView offline: the notice with the age, and the window asked to reconnect */

static gboolean
has_label (GtkWidget  *root,
           const char *text)
{
  /* The window is never shown: each widget's own visibility, down from the view. */
  if (!gtk_widget_get_visible (root) ||
      (GTK_IS_REVEALER (root) && !gtk_revealer_get_reveal_child (GTK_REVEALER (root))))
    return FALSE;
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (root)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_label (child, text))
      return TRUE;
  return FALSE;
}

static void
count_activation (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  (*(guint *) user_data)++;
}

static void
test_state_view_offline (void)
{
  GtkWidget *window = gtk_window_new ();
  CpStateView *view = CP_STATE_VIEW (g_object_new (CP_TYPE_STATE_VIEW, NULL));
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) lost = g_simple_action_new ("connection-lost", NULL);
  g_autoptr(GError) offline = g_error_new_literal (CP_ERROR, CP_ERROR_NETWORK, "Cannot reach");
  g_autoptr(GError) timed_out = g_error_new_literal (CP_ERROR, CP_ERROR_TIMED_OUT, "Too slow");
  guint activations = 0;

  g_signal_connect (lost, "activate", G_CALLBACK (count_activation), &activations);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (lost));
  gtk_widget_insert_action_group (window, "win", G_ACTION_GROUP (group));
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));

  /* Before any answer there is nothing to keep: an error, no notice. */
  cp_state_view_show_error (view, offline);
  g_assert_false (cp_state_view_get_offline (view));
  g_assert_cmpuint (activations, ==, 0);

  cp_state_view_set_content (view, gtk_label_new ("items"));
  cp_state_view_show_content (view);
  g_assert_false (cp_state_view_get_offline (view));
  g_assert_false (has_label (GTK_WIDGET (view), "Last updated less than a minute ago"));

  cp_state_view_show_error (view, offline);
  g_assert_true (cp_state_view_get_offline (view));
  g_assert_cmpstr (cp_state_view_get_state (view), ==, "content");
  g_assert_true (has_label (GTK_WIDGET (view), "No connection to the server. Showing what was last loaded."));
  g_assert_true (has_label (GTK_WIDGET (view), "Last updated less than a minute ago"));
  g_assert_cmpuint (activations, ==, 1);
  /* A timeout is a lost connection too. */
  cp_state_view_show_error (view, timed_out);
  g_assert_cmpuint (activations, ==, 2);

  /* The next answer removes the notice; a reset forgets the answer. */
  cp_state_view_show_content (view);
  g_assert_false (cp_state_view_get_offline (view));
  cp_state_view_show_error (view, offline);
  g_assert_true (cp_state_view_get_offline (view));
  cp_state_view_reset (view);
  g_assert_false (cp_state_view_get_offline (view));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* CpBranding: accent colour */

static void
accent_color_of (GtkWidget *label,
                 GdkRGBA   *rgba)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (label), rgba);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
test_branding_accent (void)
{
  g_autoptr(CpBranding) branding = cp_branding_new (gdk_display_get_default ());
  GtkWidget *label = g_object_ref_sink (gtk_label_new ("x"));
  GdkRGBA before, branded, after, expected;

  gtk_widget_add_css_class (label, "accent");
  accent_color_of (label, &before);

  cp_branding_set_accent_color (branding, "#1c6e8c");
  accent_color_of (label, &branded);
  g_assert_true (gdk_rgba_parse (&expected, "#1c6e8c"));
  g_assert_true (gdk_rgba_equal (&branded, &expected));

  /* Anything but "#rrggbb" never reaches the CSS, and restores the default. */
  cp_branding_set_accent_color (branding, "red; } * { color: blue");
  accent_color_of (label, &after);
  g_assert_true (gdk_rgba_equal (&after, &before));
  cp_branding_set_accent_color (branding, "#12345");
  accent_color_of (label, &after);
  g_assert_true (gdk_rgba_equal (&after, &before));

  cp_branding_set_accent_color (branding, "#1c6e8c");
  g_clear_object (&branding);
  accent_color_of (label, &after);
  g_assert_true (gdk_rgba_equal (&after, &before));

  g_object_unref (label);
}

/* CpBranding: the logo over a real SoupServer */

typedef struct
{
  SoupServer  *server;
  GUri        *base;
  SoupSession *session;
  GBytes      *png;
} LogoFixture;

static GBytes *
make_png (void)
{
  g_autoptr(GBytes) pixels = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  guchar data[6 * 4 * 4];

  for (gsize i = 0; i < sizeof data; i++)
    data[i] = (guchar) (i * 7);
  pixels = g_bytes_new (data, sizeof data);
  texture = gdk_memory_texture_new (6, 4, GDK_MEMORY_R8G8B8A8, pixels, 6 * 4);
  return gdk_texture_save_to_png_bytes (texture);
}

static void
logo_handler (SoupServer        *server,
              SoupServerMessage *message,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  LogoFixture *fixture = user_data;

  if (g_str_equal (path, "/logo.png"))
    {
      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (message, "image/png", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (fixture->png, NULL),
                                        g_bytes_get_size (fixture->png));
    }
  else if (g_str_equal (path, "/huge.png"))
    {
      gsize size = 3 * 1024 * 1024;
      char *body = g_malloc0 (size);

      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (message, "image/png", SOUP_MEMORY_TAKE, body, size);
    }
  else if (g_str_equal (path, "/text"))
    {
      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (message, "image/png", SOUP_MEMORY_STATIC, "not an image", 12);
    }
  else
    soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
}

static void
logo_fixture_set_up (LogoFixture   *fixture,
                     gconstpointer  data)
{
  g_autofree char *base = NULL;

  fixture->png = make_png ();
  fixture->server = cp_test_start_server (NULL, logo_handler, fixture, &base);
  fixture->base = g_uri_parse (base, G_URI_FLAGS_NONE, NULL);
  fixture->session = soup_session_new ();
}

static void
logo_fixture_tear_down (LogoFixture   *fixture,
                        gconstpointer  data)
{
  g_clear_object (&fixture->session);
  g_clear_pointer (&fixture->base, g_uri_unref);
  g_clear_object (&fixture->server);
  g_clear_pointer (&fixture->png, g_bytes_unref);
}

static GdkTexture *
load_logo (LogoFixture  *fixture,
           const char   *path_or_uri,
           int           size,
           GError      **error)
{
  g_autoptr(CpBranding) branding = cp_branding_new (gdk_display_get_default ());
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *uri = NULL;

  if (path_or_uri[0] == '/')
    {
      g_autoptr(GUri) full = g_uri_parse_relative (fixture->base, path_or_uri, G_URI_FLAGS_NONE, NULL);
      uri = g_uri_to_string (full);
    }
  else
    uri = g_strdup (path_or_uri);

  cp_branding_load_logo_async (branding, fixture->session, uri, size, NULL, app_test_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return cp_branding_load_logo_finish (branding, result, error);
}

static void
test_logo_loads (LogoFixture   *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = load_logo (fixture, "/logo.png", 24, &error);
  g_autoptr(GdkTexture) smaller = NULL;

  /* Never larger than the image... */
  g_assert_no_error (error);
  g_assert_nonnull (texture);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 6);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 4);

  /* ...and at the size asked for when it is smaller. */
  smaller = load_logo (fixture, "/logo.png", 3, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (smaller), ==, 3);
  g_assert_cmpint (gdk_texture_get_height (smaller), ==, 2);
}

static void
test_logo_refused (LogoFixture   *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GdkTexture *texture;

  texture = load_logo (fixture, "/huge.png", 24, &error);
  g_assert_null (texture);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_clear_error (&error);

  texture = load_logo (fixture, "/text", 24, &error);
  g_assert_null (texture);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_clear_error (&error);

  texture = load_logo (fixture, "/missing.png", 24, &error);
  g_assert_null (texture);
  g_assert_error (error, CP_ERROR, CP_ERROR_NOT_FOUND);
  g_clear_error (&error);

  texture = load_logo (fixture, "file:///etc/passwd", 24, &error);
  g_assert_null (texture);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
}

/* CpSignInPage */

static GtkWidget *
visible_page (CpSignInPage *page)
{
  GtkStack *stack = GTK_STACK (app_test_find_descendant (GTK_WIDGET (page), GTK_TYPE_STACK, NULL));

  return gtk_stack_get_visible_child (stack);
}

static void
connect_cb (CpSignInPage *page,
            const char   *url,
            gpointer      user_data)
{
  char **out = user_data;

  g_free (*out);
  *out = g_strdup (url);
}

static void
test_sign_in_page_server_address (void)
{
  CpSignInPage *page = g_object_ref_sink (g_object_new (CP_TYPE_SIGN_IN_PAGE, NULL));
  GtkWidget *row = app_test_find_descendant (GTK_WIDGET (page), ADW_TYPE_ENTRY_ROW, NULL);
  GtkWidget *button = app_test_find_descendant (GTK_WIDGET (page), GTK_TYPE_BUTTON, "_Continue");
  g_autofree char *connected = NULL;
  g_autofree char *expected = NULL;

  g_assert_nonnull (row);
  g_assert_nonnull (button);
  g_signal_connect (page, "connect", G_CALLBACK (connect_cb), &connected);
  g_assert_cmpstr (cp_sign_in_page_get_visible_page (page), ==, "server");

  /* Nothing typed: nothing to continue with. */
  g_assert_false (gtk_widget_get_sensitive (button));

  /* What the API client refuses is explained at the row, and nothing is reached. */
  gtk_editable_set_text (GTK_EDITABLE (row), "http://portal.example.com");
  g_assert_true (gtk_widget_get_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  g_assert_null (connected);
  g_assert_true (gtk_widget_has_css_class (row, "error"));

  /* Typing again clears the hint; a good address is normalised before it is used. */
  gtk_editable_set_text (GTK_EDITABLE (row), "  portal.example.com/ ");
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  expected = cp_api_client_normalize_server_url ("  portal.example.com/ ", NULL);
  g_assert_nonnull (expected);
  g_signal_emit_by_name (button, "clicked");
  g_assert_cmpstr (connected, ==, expected);
  g_assert_cmpstr (cp_sign_in_page_get_server_url (page), ==, expected);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, expected);

  g_assert_finalize_object (page);
}

typedef struct
{
  CpSignInStep  step;
  GQuark        domain;
  int           code;
  const char   *title;
} ErrorCase;

static void
test_sign_in_page_errors (void)
{
  const ErrorCase cases[] = {
    { CP_SIGN_IN_STEP_CONNECT, CP_ERROR, CP_ERROR_NETWORK, "Can’t Reach the Server" },
    { CP_SIGN_IN_STEP_CONNECT, CP_ERROR, CP_ERROR_TIMED_OUT, "Can’t Reach the Server" },
    { CP_SIGN_IN_STEP_CONNECT, CP_ERROR, CP_ERROR_TLS, "The Server Is Not Trusted" },
    { CP_SIGN_IN_STEP_CONNECT, CP_ERROR, CP_ERROR_NOT_FOUND, "Not a Company Portal Server" },
    { CP_SIGN_IN_STEP_CONNECT, CP_ERROR, CP_ERROR_INVALID_DATA, "Not a Company Portal Server" },
    { CP_SIGN_IN_STEP_PROVIDER, CP_ERROR, CP_ERROR_NETWORK, "Can’t Reach the Sign-In Service" },
    { CP_SIGN_IN_STEP_PROVIDER, CP_ERROR, CP_ERROR_INVALID_DATA, "Sign-In Service Not Usable" },
    { CP_SIGN_IN_STEP_SIGN_IN, CP_ERROR, CP_ERROR_ACCESS_DENIED, "Sign-In Refused" },
    { CP_SIGN_IN_STEP_SIGN_IN, CP_ERROR, CP_ERROR_EXPIRED, "Sign-In Took Too Long" },
    { CP_SIGN_IN_STEP_SIGN_IN, CP_ERROR, CP_ERROR_KEYRING, "Keyring Not Available" },
    { CP_SIGN_IN_STEP_KEYRING, CP_ERROR, CP_ERROR_FAILED, "Keyring Not Available" },
    { CP_SIGN_IN_STEP_SIGN_IN, CP_ERROR, CP_ERROR_SECURITY, "Sign-In Failed" },
  };
  CpSignInPage *page = g_object_ref_sink (g_object_new (CP_TYPE_SIGN_IN_PAGE, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (cases[i].domain, cases[i].code, "the core's message");
      GtkWidget *status;

      cp_sign_in_page_show_error (page, cases[i].step, error);
      g_assert_cmpstr (cp_sign_in_page_get_visible_page (page), ==, "error");
      status = visible_page (page);
      g_assert_true (ADW_IS_STATUS_PAGE (status));
      g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (status)), ==, cases[i].title);
      /* The core's translated message always reaches the user, except where the page words it better. */
      if (cases[i].code != CP_ERROR_NOT_FOUND && cases[i].code != CP_ERROR_INVALID_DATA)
        g_assert_nonnull (strstr (adw_status_page_get_description (ADW_STATUS_PAGE (status)),
                                  "the core's message"));
    }

  /* Cancellation is never an error to show. */
  cp_sign_in_page_show_server (page);
  {
    g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "x");
    cp_sign_in_page_show_error (page, CP_SIGN_IN_STEP_SIGN_IN, cancelled);
  }
  g_assert_cmpstr (cp_sign_in_page_get_visible_page (page), ==, "server");

  g_assert_finalize_object (page);
}

static void
test_sign_in_page_locked_server (void)
{
  CpSignInPage *page = g_object_ref_sink (g_object_new (CP_TYPE_SIGN_IN_PAGE, NULL));
  GtkWidget *row = app_test_find_descendant (GTK_WIDGET (page), ADW_TYPE_ENTRY_ROW, NULL);
  GtkWidget *other = app_test_find_descendant (GTK_WIDGET (page), GTK_TYPE_BUTTON, "Use a _Different Server");
  GtkWidget *revealer = app_test_find_descendant (GTK_WIDGET (page), GTK_TYPE_REVEALER, NULL);

  cp_sign_in_page_set_server_url (page, "https://portal.example.com", FALSE);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "https://portal.example.com");
  g_assert_false (gtk_editable_get_editable (GTK_EDITABLE (row)));
  g_assert_false (gtk_widget_get_visible (other));

  cp_sign_in_page_set_server_url (page, "https://portal.example.com", TRUE);
  g_assert_true (gtk_editable_get_editable (GTK_EDITABLE (row)));
  g_assert_true (gtk_widget_get_visible (other));

  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)));
  cp_sign_in_page_set_banner (page, "Your sign-in expired, sign in again");
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)));
  cp_sign_in_page_set_banner (page, NULL);
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)));

  g_assert_finalize_object (page);
}

/* CpHelpPage */

static CpOrganization *
try_organization (const char  *support,
                  GError     **error)
{
  g_autofree char *json = NULL;
  g_autoptr(JsonNode) node = NULL;

  json = g_strdup_printf ("{\"apiVersion\":\"1\",\"displayName\":\"Kestrel\"%s,"
                          "\"identityProvider\":{\"issuer\":\"https://id.example.com\","
                          "\"clientId\":\"company-portal\",\"scopes\":[\"openid\"]}}",
                          support);
  node = json_from_string (json, NULL);
  g_assert_nonnull (node);
  return cp_organization_new_from_json (node, "https://portal.example.com", error);
}

static CpOrganization *
organization_from (const char *support)
{
  g_autoptr(GError) error = NULL;
  CpOrganization *organization = try_organization (support, &error);

  g_assert_no_error (error);
  return organization;
}

static GtkWidget *
find_row (GtkWidget  *widget,
          const char *title)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (ADW_IS_PREFERENCES_ROW (child) &&
          g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child)), title) == 0)
        return child;
      found = find_row (child, title);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static const char *
row_uri (GtkWidget *row)
{
  return g_object_get_data (G_OBJECT (row), "cp-uri");
}

static void
test_help_page_contacts (void)
{
  CpHelpPage *page = g_object_ref_sink (g_object_new (CP_TYPE_HELP_PAGE, NULL));
  g_autoptr(CpOrganization) full = NULL;
  g_autoptr(CpOrganization) hostile = NULL;
  g_autoptr(CpOrganization) bare = NULL;
  GtkWidget *phone = find_row (GTK_WIDGET (page), "Phone");
  GtkWidget *email = find_row (GTK_WIDGET (page), "Email");
  GtkWidget *website = find_row (GTK_WIDGET (page), "Website");
  GtkWidget *privacy = find_row (GTK_WIDGET (page), "Privacy Statement");
  GtkWidget *none = find_row (GTK_WIDGET (page), "No support contacts published");
  GtkWidget *version = find_row (GTK_WIDGET (page), "Company Portal Version");

  g_assert_nonnull (phone);
  g_assert_nonnull (none);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (version)), ==, PACKAGE_VERSION);

  full = organization_from (",\"privacyUrl\":\"https://example.com/privacy\","
                            "\"supportContact\":{\"name\":\"Service Desk\",\"phone\":\"+1 (555) 0142\","
                            "\"email\":\"help desk@example.com\",\"website\":\"https://help.example.com/\"}");
  cp_help_page_set_organization (page, full, "https://portal.example.com");
  g_assert_true (gtk_widget_get_visible (phone));
  g_assert_cmpstr (row_uri (phone), ==, "tel:+15550142");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (phone)), ==, "+1 (555) 0142");
  g_assert_true (gtk_widget_get_visible (email));
  g_assert_cmpstr (row_uri (email), ==, "mailto:help%20desk@example.com");
  g_assert_cmpstr (row_uri (website), ==, "https://help.example.com/");
  g_assert_cmpstr (row_uri (privacy), ==, "https://example.com/privacy");
  g_assert_false (gtk_widget_get_visible (none));

  /* A phone number without digits is no link. */
  hostile = organization_from (",\"supportContact\":{\"phone\":\"call us\"}");
  cp_help_page_set_organization (page, hostile, NULL);
  g_assert_false (gtk_widget_get_visible (phone));
  g_assert_false (gtk_widget_get_visible (website));
  g_assert_false (gtk_widget_get_visible (privacy));
  g_assert_true (gtk_widget_get_visible (none));
  g_clear_object (&hostile);

  /* Only web addresses are opened from what the server says: either the core
   * refuses the document, or the page does not offer the link. */
  hostile = try_organization (",\"supportContact\":{\"website\":\"javascript:alert(1)\"}", NULL);
  if (hostile != NULL)
    {
      cp_help_page_set_organization (page, hostile, NULL);
      g_assert_false (gtk_widget_get_visible (website));
      g_assert_null (row_uri (website));
    }

  bare = organization_from ("");
  cp_help_page_set_organization (page, bare, NULL);
  g_assert_false (gtk_widget_get_visible (email));
  g_assert_true (gtk_widget_get_visible (none));

  g_assert_finalize_object (page);
}

/* CpWindow: startup without a server, and with one that cannot be reached */

/* The window builds its sign-in page when it first shows it. */
static CpSignInPage *
wait_for_sign_in_page (GtkWidget *window)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  GtkWidget *page;

  while ((page = app_test_find_descendant (window, CP_TYPE_SIGN_IN_PAGE, NULL)) == NULL &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_nonnull (page);
  return CP_SIGN_IN_PAGE (page);
}

static gboolean
wait_for_page (CpSignInPage *page,
               const char   *name)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_strcmp0 (cp_sign_in_page_get_visible_page (page), name) != 0 &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  return g_strcmp0 (cp_sign_in_page_get_visible_page (page), name) == 0;
}

static void
test_window_first_start (void)
{
  GtkWidget *window;
  CpSignInPage *page;
  GtkWidget *row;

  g_unsetenv ("COMPANY_PORTAL_SERVER");
  window = app_test_new_window ();
  page = wait_for_sign_in_page (window);
  row = app_test_find_descendant (GTK_WIDGET (page), ADW_TYPE_ENTRY_ROW, NULL);

  /* Nothing configured: the user is asked for the address, and may type it. */
  g_assert_cmpstr (cp_sign_in_page_get_visible_page (page), ==, "server");
  /* The page shows the application's icon, from the resources in the build tree. */
  g_assert_true (gtk_icon_theme_has_icon (gtk_icon_theme_get_for_display (gtk_widget_get_display (window)),
                                          "io.github.companyportal.CompanyPortal"));
  g_assert_true (gtk_editable_get_editable (GTK_EDITABLE (row)));
  /* Refreshing before anything was loaded changes nothing. */
  gtk_widget_activate_action (window, "win.refresh", NULL);
  g_assert_cmpstr (cp_sign_in_page_get_visible_page (page), ==, "server");

  app_test_close_window (window);
}

/* The shortcuts window is built when asked for (GtkApplication does not build
 * it: no resource base path), with Ctrl+? and from the menus' action. */
static GtkWindow *
find_shortcuts_window (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);

      if (GTK_IS_SHORTCUTS_WINDOW (toplevel))
        return GTK_WINDOW (toplevel);
    }
  return NULL;
}

static void
test_window_shortcuts (void)
{
  g_auto(GStrv) accels = NULL;
  GtkWidget *window;
  GtkWindow *shortcuts;

  g_unsetenv ("COMPANY_PORTAL_SERVER");
  window = app_test_new_window ();
  g_assert_null (find_shortcuts_window ());

  accels = gtk_application_get_accels_for_action (gtk_window_get_application (GTK_WINDOW (window)),
                                                  "win.show-help-overlay");
  g_assert_cmpstrv (accels, ((const char *[]) { "<Control>question", NULL }));

  gtk_widget_activate_action (window, "win.show-help-overlay", NULL);
  shortcuts = find_shortcuts_window ();
  g_assert_nonnull (shortcuts);
  g_assert_true (gtk_window_get_transient_for (shortcuts) == GTK_WINDOW (window));
  g_assert_true (gtk_window_get_modal (shortcuts));

  gtk_window_close (shortcuts);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_null (find_shortcuts_window ());
  app_test_close_window (window);
}

static void
test_window_server_unreachable (void)
{
  g_autofree char *url = app_test_unreachable_url ();
  GtkWidget *window;
  CpSignInPage *page;
  GtkWidget *row;

  g_setenv ("COMPANY_PORTAL_SERVER", url, TRUE);

  window = app_test_new_window ();
  page = wait_for_sign_in_page (window);
  row = app_test_find_descendant (GTK_WIDGET (page), ADW_TYPE_ENTRY_ROW, NULL);

  /* The environment fixes the server; reaching it fails with a clear status, and the app lives on. */
  g_assert_true (wait_for_page (page, "error"));
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (visible_page (page))), ==,
                   "Can’t Reach the Server");
  g_assert_false (gtk_editable_get_editable (GTK_EDITABLE (row)));
  g_assert_cmpstr (cp_sign_in_page_get_server_url (page), ==, url);

  app_test_close_window (window);
  g_unsetenv ("COMPANY_PORTAL_SERVER");
}

/* Icons: a tiny PNG for every path the test server is asked for. */
static void
serve_png_cb (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  GBytes *png = user_data;

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (png, NULL), g_bytes_get_size (png));
}

static void
icon_loaded_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GdkTexture **texture = user_data;
  g_autoptr(GError) error = NULL;

  *texture = cp_icon_cache_load_finish (CP_ICON_CACHE (source), result, &error);
  g_assert_no_error (error);
}

/* A @width x @height PNG: a one-pixel black and white checkerboard (which
 * shrinks to grey, where picking the nearest pixels would keep black or
 * white), or 8 px blue squares on transparency (small once compressed). */
static GBytes *
make_test_png (int      width,
               int      height,
               gboolean checkerboard)
{
  gsize stride = (gsize) width * 4;
  guchar *data = g_malloc0 (stride * height);
  g_autoptr(GBytes) pixels = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guchar *pixel = data + y * stride + x * 4;

        if (checkerboard)
          {
            pixel[0] = pixel[1] = pixel[2] = (x + y) % 2 ? 0xff : 0;
            pixel[3] = 0xff;
          }
        else if ((x / 8 + y / 8) % 2)
          {
            pixel[0] = 0x33;
            pixel[1] = 0x66;
            pixel[2] = 0xcc;
            pixel[3] = 0xff;
          }
      }
  pixels = g_bytes_new_take (data, stride * height);
  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, pixels, stride);
  return gdk_texture_save_to_png_bytes (texture);
}

/* Icons as servers send them: SVG, PNG of many sizes, and files that claim
 * enormous images; a new cache in a new directory for each test. */
typedef struct
{
  GHashTable  *bodies;       /* path -> GBytes */
  guint        n_requests;
  gboolean     hold;         /* keep answers back until released */
  GPtrArray   *held;         /* SoupServerMessage, paused */
  SoupServer  *server;
  char        *base;
  SoupSession *session;
  char        *directory;
  CpIconCache *icons;
} IconFixture;

static void
serve_icons_cb (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  IconFixture *fixture = user_data;
  GBytes *body = g_hash_table_lookup (fixture->bodies, path);

  fixture->n_requests++;
  if (body == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, g_str_has_suffix (path, ".svg") ? "image/svg+xml" : "image/png",
                                    SOUP_MEMORY_COPY, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  if (fixture->hold)
    {
      soup_server_message_pause (msg);
      g_ptr_array_add (fixture->held, g_object_ref (msg));
    }
}

static void
release_held_answers (IconFixture *fixture)
{
  fixture->hold = FALSE;
  for (guint i = 0; i < fixture->held->len; i++)
    soup_server_message_unpause (fixture->held->pdata[i]);
  g_ptr_array_set_size (fixture->held, 0);
}

static void
icon_fixture_set_up (IconFixture   *fixture,
                     gconstpointer  data)
{
  static const char small_svg[] =
    "<svg xmlns='http://www.w3.org/2000/svg' width='40' height='30'><rect width='40' height='30' fill='#36c'/></svg>";
  static const char huge_svg[] =
    "<svg xmlns='http://www.w3.org/2000/svg' width='5000' height='2500'><rect width='5000' height='2500'/></svg>";
  /* A PNG signature and an IHDR chunk for 100,000 x 100,000 pixels: 40 GB once decoded. */
  static const guchar huge_png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                     0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0, 8, 6, 0, 0, 0, 0, 0, 0, 0 };

  fixture->bodies = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_bytes_unref);
  fixture->held = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_insert (fixture->bodies, "/small.svg", g_bytes_new_static (small_svg, strlen (small_svg)));
  g_hash_table_insert (fixture->bodies, "/huge.svg", g_bytes_new_static (huge_svg, strlen (huge_svg)));
  g_hash_table_insert (fixture->bodies, "/huge.png", g_bytes_new_static (huge_png, sizeof huge_png));
  g_hash_table_insert (fixture->bodies, "/checker-128.png", make_test_png (128, 128, TRUE));
  {
    GBytes *checker = g_hash_table_lookup (fixture->bodies, "/checker-128.png");

    g_hash_table_insert (fixture->bodies, "/cut-short.png",
                         g_bytes_new_from_bytes (checker, 0, g_bytes_get_size (checker) / 2));
  }
  g_hash_table_insert (fixture->bodies, "/squares-512.png", make_test_png (512, 512, FALSE));
  g_hash_table_insert (fixture->bodies, "/line-1024.png", make_test_png (1024, 1, FALSE));
  g_hash_table_insert (fixture->bodies, "/line-1025.png", make_test_png (1025, 1, FALSE));
  fixture->server = cp_test_start_server (NULL, serve_icons_cb, fixture, &fixture->base);
  fixture->session = soup_session_new ();
  fixture->directory = g_dir_make_tmp ("cp-icons-XXXXXX", NULL);
  fixture->icons = cp_icon_cache_new (fixture->session, fixture->directory, CP_ICON_CACHE_DEFAULT_BOUND);
}

static void
icon_fixture_tear_down (IconFixture   *fixture,
                        gconstpointer  data)
{
  g_clear_object (&fixture->icons);
  cp_test_remove_tree (fixture->directory);
  g_free (fixture->directory);
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->server);
  g_free (fixture->base);
  g_hash_table_unref (fixture->bodies);
  g_ptr_array_unref (fixture->held);
}

static char *
icon_url (IconFixture *fixture,
          const char  *name)
{
  return g_strconcat (fixture->base, "/", name, NULL);
}

/* The disk cache's file for @url. */
static char *
stored_path (IconFixture *fixture,
             const char  *url)
{
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, url, -1);

  return g_build_filename (fixture->directory, hash, NULL);
}

/* The disk cache's file for @url: a PNG of @width x @height. */
static void
assert_stored_png (IconFixture *fixture,
                   const char  *url,
                   int          width,
                   int          height)
{
  g_autofree char *path = stored_path (fixture, url);
  g_autofree char *stored = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &stored, &length, NULL));
  g_assert_cmpuint (length, >, 8);
  g_assert_cmpmem (stored, 4, "\x89PNG", 4);
  texture = gdk_texture_new_from_filename (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, width);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, height);
}

static void
assert_icon_size (IconFixture *fixture,
                  const char  *name,
                  int          size,
                  int          width,
                  int          height)
{
  g_autofree char *url = icon_url (fixture, name);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = app_test_load_icon (fixture->icons, url, size, &error);

  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, width);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, height);
}

static void
assert_icon_refused (IconFixture *fixture,
                     const char  *name)
{
  g_autofree char *url = icon_url (fixture, name);
  g_autofree char *path = stored_path (fixture, url);
  g_autoptr(GError) error = NULL;
  GdkTexture *texture = app_test_load_icon (fixture->icons, url, 48, &error);

  g_assert_null (texture);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* Whatever the server sends, the disk keeps PNG (no librsvg at the next
 * start), at the image's own size; each size shown is scaled from it. */
static void
test_icon_cache_png_on_disk (IconFixture   *fixture,
                             gconstpointer  data)
{
  g_autofree char *small = icon_url (fixture, "small.svg");
  g_autoptr(CpIconCache) next_start = NULL;
  g_autoptr(GdkTexture) again = NULL;
  g_autoptr(GError) error = NULL;

  /* Never larger than the image, however large it is shown. */
  assert_icon_size (fixture, "small.svg", 48, 40, 30);
  assert_stored_png (fixture, small, 40, 30);
  assert_icon_size (fixture, "small.svg", 20, 20, 15);
  g_assert_cmpuint (fixture->n_requests, ==, 1);

  /* The next start reads it from the disk, with the server gone. */
  soup_server_disconnect (fixture->server);
  next_start = cp_icon_cache_new (fixture->session, fixture->directory, CP_ICON_CACHE_DEFAULT_BOUND);
  again = app_test_load_icon (next_start, small, 48, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (again), ==, 40);
  g_assert_cmpint (gdk_texture_get_height (again), ==, 30);
  g_assert_cmpuint (fixture->n_requests, ==, 1);
}

/* Grey, opaque: the checkerboard averaged, its edges too. */
static void
assert_averaged (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture), height = gdk_texture_get_height (texture);
  g_autofree guint32 *pixels = g_new (guint32, width * height);

  gdk_texture_download (texture, (guchar *) pixels, width * 4);
  for (int i = 0; i < width * height; i++)
    {
      guint32 alpha = pixels[i] >> 24, blue = pixels[i] & 0xff;

      if (alpha != 0xff || blue < 0x50 || blue > 0xb0)
        g_error ("pixel %d,%d is %08x, not an opaque grey", i % width, i / width, pixels[i]);
    }
}

/* Each size shown is a texture of that size, all from one download and one file. */
static void
test_icon_cache_sizes (IconFixture   *fixture,
                       gconstpointer  data)
{
  g_autofree char *url = icon_url (fixture, "checker-128.png");
  g_autoptr(GdkTexture) small = NULL, large = NULL, full = NULL;
  g_autoptr(GError) error = NULL;

  small = app_test_load_icon (fixture->icons, url, 48, &error);
  g_assert_no_error (error);
  large = app_test_load_icon (fixture->icons, url, 96, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (small), ==, 48);
  g_assert_cmpint (gdk_texture_get_height (small), ==, 48);
  g_assert_cmpint (gdk_texture_get_width (large), ==, 96);
  g_assert_cmpint (gdk_texture_get_height (large), ==, 96);
  assert_averaged (small);
  assert_averaged (large);
  g_assert_cmpuint (fixture->n_requests, ==, 1);

  /* Both in memory, each under its size. */
  g_assert_true (cp_icon_cache_lookup (fixture->icons, url, 48) == small);
  g_assert_true (cp_icon_cache_lookup (fixture->icons, url, 96) == large);
  g_assert_null (cp_icon_cache_lookup (fixture->icons, url, 24));

  /* One file, at the image's size; never scaled up. */
  g_assert_cmpuint (app_test_count_files (fixture->directory), ==, 1);
  assert_stored_png (fixture, url, 128, 128);
  full = app_test_load_icon (fixture->icons, url, 200, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (full), ==, 128);
  g_assert_cmpuint (fixture->n_requests, ==, 1);
}

/* Loads @url at two sizes at once and cancels the first: it ends cancelled,
 * and the second still gets its icon. */
static void
load_two_cancel_first (IconFixture  *fixture,
                       const char   *url,
                       int           cancelled_size,
                       int           kept_size,
                       GCancellable *cancellable)
{
  GAsyncResult *first = NULL, *second = NULL;
  g_autoptr(GdkTexture) cancelled_texture = NULL, kept_texture = NULL;
  g_autoptr(GError) error = NULL;

  g_cancellable_reset (cancellable);
  cp_icon_cache_load_async (fixture->icons, url, cancelled_size, cancellable, app_test_result_cb, &first);
  cp_icon_cache_load_async (fixture->icons, url, kept_size, NULL, app_test_result_cb, &second);
  g_cancellable_cancel (cancellable);
  cancelled_texture = app_test_finish_icon (fixture->icons, &first, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (cancelled_texture);
  g_clear_error (&error);
  kept_texture = app_test_finish_icon (fixture->icons, &second, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (kept_texture), ==, kept_size);
}

/* Callers asking for one icon at one size while it loads share one download
 * and one texture; a caller that cancels gets G_IO_ERROR_CANCELLED and the
 * others their icon; once every caller has cancelled, a new one starts the
 * work anew instead of joining it. */
static void
test_icon_cache_shared_loads (IconFixture   *fixture,
                              gconstpointer  data)
{
  g_autofree char *url = icon_url (fixture, "checker-128.png");
  g_autofree char *other_url = icon_url (fixture, "squares-512.png");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  GAsyncResult *first = NULL, *second = NULL;
  g_autoptr(GdkTexture) first_texture = NULL, second_texture = NULL, third_texture = NULL;
  g_autoptr(GdkTexture) late_texture = NULL;
  g_autoptr(GError) error = NULL;

  cp_icon_cache_load_async (fixture->icons, url, 48, NULL, app_test_result_cb, &first);
  cp_icon_cache_load_async (fixture->icons, url, 48, cancellable, app_test_result_cb, &second);
  second_texture = app_test_finish_icon (fixture->icons, &second, &error);
  g_assert_no_error (error);
  first_texture = app_test_finish_icon (fixture->icons, &first, &error);
  g_assert_no_error (error);
  g_assert_true (first_texture == second_texture);
  g_assert_cmpint (gdk_texture_get_width (first_texture), ==, 48);
  g_assert_cmpuint (fixture->n_requests, ==, 1);

  /* One of two cancels: the other still gets it. */
  load_two_cancel_first (fixture, other_url, 48, 48, cancelled);
  g_assert_cmpuint (fixture->n_requests, ==, 2);

  /* The only caller cancels; one asking right after is not given its
   * cancellation: it gets the icon (here at 96 px, not yet in memory). */
  g_cancellable_reset (cancelled);
  cp_icon_cache_load_async (fixture->icons, other_url, 96, cancelled, app_test_result_cb, &first);
  g_cancellable_cancel (cancelled);
  cp_icon_cache_load_async (fixture->icons, other_url, 96, NULL, app_test_result_cb, &second);
  late_texture = app_test_finish_icon (fixture->icons, &first, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (late_texture);
  g_clear_error (&error);
  third_texture = app_test_finish_icon (fixture->icons, &second, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (third_texture), ==, 96);
}

static gboolean
request_held (gpointer data)
{
  IconFixture *fixture = data;

  return fixture->held->len > 0;
}

/* Two sizes of one icon asked at once: one download; the second size reads
 * what it left on disk. A size waiting that way still gets its icon when the
 * download is cancelled, and ends at once when it is cancelled itself. */
static void
test_icon_cache_sizes_share_download (IconFixture   *fixture,
                                      gconstpointer  data)
{
  g_autofree char *url = icon_url (fixture, "checker-128.png");
  g_autofree char *other_url = icon_url (fixture, "squares-512.png");
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  GAsyncResult *small = NULL, *large = NULL;
  g_autoptr(GdkTexture) small_texture = NULL, large_texture = NULL;
  g_autoptr(GError) error = NULL;

  cp_icon_cache_load_async (fixture->icons, url, 48, NULL, app_test_result_cb, &small);
  cp_icon_cache_load_async (fixture->icons, url, 96, NULL, app_test_result_cb, &large);
  large_texture = app_test_finish_icon (fixture->icons, &large, &error);
  g_assert_no_error (error);
  small_texture = app_test_finish_icon (fixture->icons, &small, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (small_texture), ==, 48);
  g_assert_cmpint (gdk_texture_get_width (large_texture), ==, 96);
  g_assert_cmpuint (fixture->n_requests, ==, 1);

  /* The download's only caller cancels: the other size downloads itself. */
  load_two_cancel_first (fixture, other_url, 48, 96, cancelled);

  /* The waiting size cancels: it ends while the download is held back. */
  g_clear_object (&small_texture);
  g_clear_object (&large_texture);
  g_clear_pointer (&url, g_free);
  url = icon_url (fixture, "line-1024.png");
  g_cancellable_reset (cancelled);
  fixture->n_requests = 0;
  fixture->hold = TRUE;
  cp_icon_cache_load_async (fixture->icons, url, 48, NULL, app_test_result_cb, &small);
  cp_icon_cache_load_async (fixture->icons, url, 96, cancelled, app_test_result_cb, &large);
  app_test_iterate_until (request_held, fixture);
  g_cancellable_cancel (cancelled);
  large_texture = app_test_finish_icon (fixture->icons, &large, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (large_texture);
  g_clear_error (&error);
  g_assert_null (small);
  release_held_answers (fixture);
  small_texture = app_test_finish_icon (fixture->icons, &small, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->n_requests, ==, 1);
}

/* The bounds: at most 256 px kept, 1024 px decoded; a damaged file goes. */
static void
test_icon_cache_bounds (IconFixture   *fixture,
                        gconstpointer  data)
{
  g_autofree char *squares = icon_url (fixture, "squares-512.png");
  g_autofree char *missing = icon_url (fixture, "missing.png");
  g_autofree char *damaged = NULL, *contents = NULL;
  g_autoptr(GError) error = NULL;
  GdkTexture *texture;
  gsize length;

  /* A 5000 x 2500 SVG is drawn at 256 x 128 at most. */
  assert_icon_size (fixture, "huge.svg", 1000, 256, 128);
  assert_icon_size (fixture, "huge.svg", 64, 64, 32);

  /* A 512 px PNG is an icon like any other, kept at 256 px. */
  assert_icon_size (fixture, "squares-512.png", 48, 48, 48);
  assert_icon_size (fixture, "squares-512.png", 1000, 256, 256);
  assert_stored_png (fixture, squares, 256, 256);
  assert_icon_size (fixture, "line-1024.png", 1024, 256, 1);

  /* A PNG claiming more than 1024 px is refused by its header: a real
   * 1025 x 1 image, and a header alone claiming 100,000 x 100,000. */
  assert_icon_refused (fixture, "line-1025.png");
  assert_icon_refused (fixture, "huge.png");
  /* A download cut short is no icon, and is not kept. */
  assert_icon_refused (fixture, "cut-short.png");

  texture = app_test_load_icon (fixture->icons, missing, 48, &error);
  g_assert_null (texture);
  g_assert_error (error, CP_ERROR, CP_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A damaged file in the disk cache (cut short) is an error once, then gone. */
  damaged = stored_path (fixture, squares);
  g_assert_true (g_file_get_contents (damaged, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (damaged, contents, length / 2, NULL));
  texture = app_test_load_icon (fixture->icons, squares, 32, &error);
  g_assert_null (texture);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_assert_false (g_file_test (damaged, G_FILE_TEST_EXISTS));
}

/* Scrolling a 20,000-app catalog must not keep every icon it passed in
 * memory: the oldest decoded icons go (the disk cache still has them). */
static void
test_icon_cache_memory_bound (void)
{
  static const guchar pixel[4] = { 0x20, 0x40, 0x80, 0xff };
  g_autoptr(GBytes) pixels = g_bytes_new_static (pixel, sizeof pixel);
  g_autoptr(GdkTexture) source = gdk_memory_texture_new (1, 1, GDK_MEMORY_R8G8B8A8, pixels, 4);
  g_autoptr(GBytes) png = gdk_texture_save_to_png_bytes (source);
  g_autofree char *base = NULL;
  g_autoptr(SoupServer) server = cp_test_start_server (NULL, serve_png_cb, png, &base);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *directory = g_dir_make_tmp ("cp-icons-XXXXXX", NULL);
  g_autoptr(CpIconCache) icons = cp_icon_cache_new (session, directory, CP_ICON_CACHE_DEFAULT_BOUND);
  guint kept = 0;
  const guint n_icons = 300;

  for (guint i = 0; i < n_icons; i++)
    {
      g_autofree char *url = g_strdup_printf ("%s/icon/%u.png", base, i);
      g_autoptr(GdkTexture) texture = NULL;

      cp_icon_cache_load_async (icons, url, 48, NULL, icon_loaded_cb, &texture);
      while (texture == NULL)
        g_main_context_iteration (NULL, TRUE);
    }
  for (guint i = 0; i < n_icons; i++)
    {
      g_autofree char *url = g_strdup_printf ("%s/icon/%u.png", base, i);

      kept += cp_icon_cache_lookup (icons, url, 48) != NULL;
    }
  g_test_message ("%u of %u icons kept in memory", kept, n_icons);
  g_assert_cmpuint (kept, <, n_icons);
  g_assert_cmpuint (kept, >=, 200);

  {
    g_autofree char *first = g_strdup_printf ("%s/icon/0.png", base);
    g_autofree char *last = g_strdup_printf ("%s/icon/%u.png", base, n_icons - 1);
    g_autoptr(GdkTexture) again = NULL;

    g_assert_null (cp_icon_cache_lookup (icons, first, 48));
    g_assert_nonnull (cp_icon_cache_lookup (icons, last, 48));
    /* The first one comes back (from the disk cache). */
    cp_icon_cache_load_async (icons, first, 48, NULL, icon_loaded_cb, &again);
    while (again == NULL)
      g_main_context_iteration (NULL, TRUE);
    g_assert_nonnull (cp_icon_cache_lookup (icons, first, 48));
  }
  cp_test_remove_tree (directory);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init_window_tests (&argc, &argv);

  g_test_add_func ("/app/tls-database/bad-paths", test_tls_database_bad_paths);
  g_test_add_func ("/app/tls-database/adds-org-ca", test_tls_database_adds_org_ca);
  g_test_add_func ("/app/compliance-page/parts-on-demand", test_compliance_page_parts_on_demand);
  g_test_add_func ("/app/view-switcher/tabs", test_view_switcher);
  g_test_add_func ("/app/view-switcher/narrow", test_view_switcher_narrow);
  g_test_add_func ("/app/state-view/states", test_state_view_states);
  g_test_add_func ("/app/state-view/offline", test_state_view_offline);
  g_test_add_func ("/app/state-view/loading-delay", test_state_view_loading_delay);
  g_test_add_func ("/app/branding/accent", test_branding_accent);
  g_test_add_func ("/app/icon-cache/memory-bound", test_icon_cache_memory_bound);
  g_test_add ("/app/icon-cache/png-on-disk", IconFixture, NULL,
              icon_fixture_set_up, test_icon_cache_png_on_disk, icon_fixture_tear_down);
  g_test_add ("/app/icon-cache/sizes", IconFixture, NULL,
              icon_fixture_set_up, test_icon_cache_sizes, icon_fixture_tear_down);
  g_test_add ("/app/icon-cache/shared-loads", IconFixture, NULL,
              icon_fixture_set_up, test_icon_cache_shared_loads, icon_fixture_tear_down);
  g_test_add ("/app/icon-cache/sizes-share-download", IconFixture, NULL,
              icon_fixture_set_up, test_icon_cache_sizes_share_download, icon_fixture_tear_down);
  g_test_add ("/app/icon-cache/bounds", IconFixture, NULL,
              icon_fixture_set_up, test_icon_cache_bounds, icon_fixture_tear_down);
  g_test_add_func ("/app/spinner", test_spinner);
  g_test_add_func ("/app/window/first-start", test_window_first_start);
  g_test_add_func ("/app/window/shortcuts", test_window_shortcuts);
  g_test_add_func ("/app/window/server-unreachable", test_window_server_unreachable);
  g_test_add_func ("/app/help-page/contacts", test_help_page_contacts);
  g_test_add_func ("/app/sign-in-page/server-address", test_sign_in_page_server_address);
  g_test_add_func ("/app/sign-in-page/errors", test_sign_in_page_errors);
  g_test_add_func ("/app/sign-in-page/locked-server", test_sign_in_page_locked_server);
  g_test_add ("/app/branding/logo-loads", LogoFixture, NULL,
              logo_fixture_set_up, test_logo_loads, logo_fixture_tear_down);
  g_test_add ("/app/branding/logo-refused", LogoFixture, NULL,
              logo_fixture_set_up, test_logo_refused, logo_fixture_tear_down);

  return g_test_run ();
}
