/* cp-application.c: the company-portal application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cp-app-util.h"
#include "cp-application.h"
#include "cp-preferences-dialog.h"
#include "cp-tls-database.h"
#include "cp-window.h"

struct _CpApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  SoupSession    *session;
  char           *tls_warning;
};

G_DEFINE_FINAL_TYPE (CpApplication, cp_application, ADW_TYPE_APPLICATION)

#define RESOURCE_PATH "/io/github/companyportal/CompanyPortal"

/* No resource base path is set (see cp_application_new()), so the window's
 * style sheet is loaded here rather than by GtkApplication. */
static void
load_style (void)
{
  g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

  gtk_css_provider_load_from_resource (provider, RESOURCE_PATH "/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/* The application's icon is in the resources for runs from the build tree
 * (installed, the hicolor theme has it). Adding a path to the icon theme makes
 * GTK read the whole theme again, so that happens only when the icon is about
 * to be shown: the About window and the sign-in page, not a signed-in start. */
void
cp_application_ensure_own_icons (void)
{
  static gboolean added = FALSE;

  if (added)
    return;
  added = TRUE;
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    RESOURCE_PATH "/icons");
}

static void
create_session (CpApplication *self)
{
  g_autofree char *user_agent = g_strdup_printf ("company-portal/%s", PACKAGE_VERSION);
  g_autoptr(GError) ca_error = NULL;

  self->session = cp_soup_session_new (user_agent, 60, &ca_error);
  if (ca_error != NULL)
    /* Verification stays on with the system's authorities; the window tells the user. */
    self->tls_warning = g_strdup_printf (_("The organisation’s certificate file could not be used: %s"),
                                         ca_error->message);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  const char *developers[] = { "The Company Portal for Linux developers", NULL };
  GtkWidget *about;

  cp_application_ensure_own_icons ();
  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-name", _("Company Portal"),
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Company Portal for Linux developers"),
                        "developers", developers,
                        "copyright", _("© 2026 The Company Portal for Linux developers"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "website", "https://github.com/companyportal/company-portal",
                        "issue-url", "https://github.com/companyportal/company-portal/issues",
                        "support-url", "https://github.com/companyportal/company-portal/discussions",
                        "translator-credits", _("translator-credits"),
                        "comments", _("Sign in to your organisation, keep this device compliant and install work apps."),
                        NULL);
  cp_widget_fix_mnemonic_names (about);
  gtk_window_present (GTK_WINDOW (about));
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  CpApplication *self = CP_APPLICATION (user_data);
  CpPreferencesDialog *dialog;

  dialog = cp_preferences_dialog_new (gtk_application_get_active_window (GTK_APPLICATION (self)),
                                      self->settings);
  gtk_window_present (GTK_WINDOW (dialog));
}

static CpWindow *
ensure_window (CpApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    {
      window = GTK_WINDOW (cp_window_new (self));
      if (self->tls_warning != NULL)
        cp_window_show_toast (CP_WINDOW (window), self->tls_warning);
    }
  return CP_WINDOW (window);
}

/* The agent's notifications call this through org.freedesktop.Application.ActivateAction
 * with the id of the setting to fix; it starts the window if needed. */
static void
show_compliance_activated (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  CpWindow *window = ensure_window (CP_APPLICATION (user_data));

  cp_window_show_compliance (window, g_variant_get_string (parameter, NULL));
  gtk_window_present (GTK_WINDOW (window));
}

static const GActionEntry app_actions[] = {
  { .name = "preferences", .activate = preferences_activated },
  { .name = "quit", .activate = quit_activated },
  { .name = "about", .activate = about_activated },
  { .name = "show-compliance", .activate = show_compliance_activated, .parameter_type = "s" },
};

static void
cp_application_startup (GApplication *app)
{
  CpApplication *self = CP_APPLICATION (app);
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *refresh_accels[] = { "F5", "<Control>r", NULL };
  const char *preferences_accels[] = { "<Control>comma", NULL };
  const char *shortcuts_accels[] = { "<Control>question", NULL };

  G_APPLICATION_CLASS (cp_application_parent_class)->startup (app);
  load_style ();

  self->settings = g_settings_new (APP_ID);
  create_session (self);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.refresh", refresh_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-help-overlay", shortcuts_accels);
}

static void
cp_application_activate (GApplication *app)
{
  gtk_window_present (GTK_WINDOW (ensure_window (CP_APPLICATION (app))));
}

static void
cp_application_shutdown (GApplication *app)
{
  CpApplication *self = CP_APPLICATION (app);

  if (self->session != NULL)
    soup_session_abort (self->session);

  G_APPLICATION_CLASS (cp_application_parent_class)->shutdown (app);
}

static void
cp_application_finalize (GObject *object)
{
  CpApplication *self = CP_APPLICATION (object);

  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->tls_warning, g_free);

  G_OBJECT_CLASS (cp_application_parent_class)->finalize (object);
}

static void
cp_application_class_init (CpApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = cp_application_finalize;
  app_class->startup = cp_application_startup;
  app_class->activate = cp_application_activate;
  app_class->shutdown = cp_application_shutdown;
}

static void
cp_application_init (CpApplication *self)
{
}

/* Without a resource base path: GtkApplication would add <path>/icons to the
 * icon theme while GTK is already reading the theme in a thread, which makes
 * the first icon on screen read it all again on the main thread (78 M of the
 * 727 M instructions to the first frame, benchmarks/RESULTS.md). What the base
 * path would bring is done here instead: style.css (load_style()), the
 * shortcuts window (cp-window.c, built when asked for) and the icon
 * (cp_application_ensure_own_icons()). */
CpApplication *
cp_application_new (void)
{
  return g_object_new (CP_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", NULL,
                       NULL);
}

SoupSession *
cp_application_get_session (CpApplication *self)
{
  g_return_val_if_fail (CP_IS_APPLICATION (self), NULL);

  return self->session;
}

GSettings *
cp_application_get_settings (CpApplication *self)
{
  g_return_val_if_fail (CP_IS_APPLICATION (self), NULL);

  return self->settings;
}
