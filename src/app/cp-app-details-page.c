/* cp-app-details-page.c: everything the catalog says about one app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The sandbox permissions of a Flatpak app come from the agent
 * (Installer.GetPermissions: the installed app's metadata, else the
 * remote's), before and after the install, in plain words
 * (cp_flatpak_permissions_describe()).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cp-app-details-page.h"
#include "cp-app-row.h"
#include "cp-app-util.h"
#include "cp-install-button.h"
#include "cp-spinner.h"

struct _CpAppDetailsPage
{
  GtkBox        parent_instance;

  GtkWidget    *icon;
  GtkWidget    *name;
  GtkWidget    *publisher;
  GtkWidget    *summary;
  GtkWidget    *button;
  GtkWidget    *description;
  GtkWidget    *facts;
  GtkWidget    *screenshots;
  GtkWidget    *permissions;
  GtkWidget    *scrolled;
  GtkWidget    *back;
  GPtrArray    *rows;        /* the rows of facts and screenshots, removed on the next app */
  GPtrArray    *permission_rows;
  GCancellable *permissions_cancellable;
  gboolean      permissions_agent;  /* whether the agent was there when they were asked for */

  CpApp        *app;
  CpAppInstalls *installs;
  gulong         installs_id;
  CpIconCache  *icons;
  char         *api_base_url;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (CpAppDetailsPage, cp_app_details_page, GTK_TYPE_BOX)

enum { BACK, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
add_fact (CpAppDetailsPage *self,
          const char       *title,
          const char       *value)
{
  GtkWidget *row;

  if (value == NULL || value[0] == '\0')
    return;
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->facts), row);
  g_ptr_array_add (self->rows, row);
}

static const char *
method_text (CpApp *app)
{
  switch (cp_app_get_install_method (app))
    {
    case CP_INSTALL_METHOD_FLATPAK:
      return _("Flatpak, installed by Company Portal");
    case CP_INSTALL_METHOD_HANDOFF:
      return _("Installed by your software centre");
    case CP_INSTALL_METHOD_WEB:
      return _("Web app, opens in your browser");
    case CP_INSTALL_METHOD_NONE:
    default:
      return cp_app_get_unsupported_reason (app);
    }
}

static void
screenshot_activated_cb (AdwActionRow     *row,
                         CpAppDetailsPage *self)
{
  cp_widget_open_uri (GTK_WIDGET (self), g_object_get_data (G_OBJECT (row), "cp-url"));
}

static void
fill_screenshots (CpAppDetailsPage *self)
{
  const char *const *shots = cp_app_get_screenshots (self->app);

  gtk_widget_set_visible (self->screenshots, shots[0] != NULL);
  for (guint i = 0; shots[i] != NULL; i++)
    {
      g_autofree char *url = shots[i][0] == '/' && self->api_base_url != NULL
                             ? g_strconcat (self->api_base_url, shots[i], NULL) : g_strdup (shots[i]);
      g_autofree char *title = g_strdup_printf (_("Screenshot %u"), i + 1);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), url);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("adw-external-link-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "cp-url", g_steal_pointer (&url), g_free);
      g_signal_connect (row, "activated", G_CALLBACK (screenshot_activated_cb), self);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->screenshots), row);
      g_ptr_array_add (self->rows, row);
    }
}

static GtkWidget *
add_permission_row (CpAppDetailsPage *self,
                    const char       *title,
                    const char       *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->permissions), row);
  g_ptr_array_add (self->permission_rows, row);
  return row;
}

static void
clear_permissions (CpAppDetailsPage *self)
{
  g_cancellable_cancel (self->permissions_cancellable);
  g_clear_object (&self->permissions_cancellable);
  for (guint i = 0; i < self->permission_rows->len; i++)
    adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self->permissions), self->permission_rows->pdata[i]);
  g_ptr_array_set_size (self->permission_rows, 0);
}

static void
permissions_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(CpAppDetailsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) permissions = cp_app_installs_get_permissions_finish (CP_APP_INSTALLS (source),
                                                                           result, &error);
  g_auto(GStrv) sentences = NULL;

  if (cp_error_is_cancelled (error) || self->permissions_cancellable == NULL)
    return;
  clear_permissions (self);
  if (permissions == NULL)
    {
      g_debug ("permissions of %s: %s", cp_app_get_id (self->app), error->message);
      add_permission_row (self, _("Could not read permissions"), error->message);
      return;
    }
  sentences = cp_flatpak_permissions_describe (permissions);
  for (guint i = 0; sentences[i] != NULL; i++)
    add_permission_row (self, sentences[i], NULL);
  if (sentences[0] == NULL)
    add_permission_row (self, _("No special permissions"),
                        _("This app stays in its sandbox: it asks for nothing outside it."));
}

/* Flatpak apps only: what the agent reads, a loading row meanwhile. */
static void
fill_permissions (CpAppDetailsPage *self)
{
  GtkWidget *row, *spinner;

  clear_permissions (self);
  self->permissions_agent = self->installs != NULL && cp_app_installs_is_agent_available (self->installs);
  gtk_widget_set_visible (self->permissions, cp_app_get_install_method (self->app) == CP_INSTALL_METHOD_FLATPAK);
  if (!gtk_widget_get_visible (self->permissions))
    return;
  if (!self->permissions_agent)
    {
      add_permission_row (self, _("Permissions are shown when the Company Portal agent is running"), NULL);
      return;
    }
  row = add_permission_row (self, _("Reading the permissions…"), NULL);
  spinner = cp_spinner_new ();
  cp_spinner_set_spinning (CP_SPINNER (spinner), TRUE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spinner);
  self->permissions_cancellable = g_cancellable_new ();
  cp_app_installs_get_permissions_async (self->installs, cp_app_get_id (self->app),
                                         self->permissions_cancellable, permissions_cb, g_object_ref (self));
}

static void
clear_rows (CpAppDetailsPage *self)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      GtkWidget *row = self->rows->pdata[i];
      GtkWidget *group = gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP);

      if (group != NULL)
        adw_preferences_group_remove (ADW_PREFERENCES_GROUP (group), row);
    }
  g_ptr_array_set_size (self->rows, 0);
}

static void
fill (CpAppDetailsPage *self)
{
  CpApp *app = self->app;
  g_autofree char *size = cp_app_get_size (app) > 0 ? g_format_size (cp_app_get_size (app)) : NULL;
  g_autofree char *categories = g_strjoinv (", ", (char **) cp_app_get_categories (app));
  const char *text;

  clear_rows (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  cp_app_load_icon (GTK_IMAGE (self->icon), app, self->icons, self->api_base_url, self->cancellable);

  gtk_label_set_label (GTK_LABEL (self->name), cp_app_get_name (app));
  text = cp_app_get_publisher (app);
  gtk_label_set_label (GTK_LABEL (self->publisher), text != NULL ? text : "");
  gtk_widget_set_visible (self->publisher, text != NULL);
  text = cp_app_get_summary (app);
  gtk_label_set_label (GTK_LABEL (self->summary), text != NULL ? text : "");
  gtk_widget_set_visible (self->summary, text != NULL);
  text = cp_app_get_description (app);
  gtk_label_set_label (GTK_LABEL (self->description), text != NULL ? text : "");
  gtk_widget_set_visible (self->description, text != NULL);
  cp_install_button_set_app (CP_INSTALL_BUTTON (self->button), app);

  add_fact (self, _("Version"), cp_app_get_version (app));
  add_fact (self, _("Size"), size != NULL ? size : _("Unknown"));
  add_fact (self, _("License"), cp_app_get_license (app));
  add_fact (self, _("Categories"), categories);
  add_fact (self, _("Required"), cp_app_get_required (app) ? _("Yes, your organisation requires this app")
                                                           : _("No"));
  add_fact (self, _("Install method"), method_text (app));
  if (cp_app_get_install_method (app) == CP_INSTALL_METHOD_FLATPAK)
    add_fact (self, _("Flatpak reference"), cp_app_get_flatpak_ref (app));
  fill_screenshots (self);
  fill_permissions (self);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scrolled)), 0);
}

/* The agent came or went: ask it, or say it is needed. */
static void
installs_changed_cb (CpAppDetailsPage *self,
                     const char       *app_id)
{
  if (self->app != NULL && app_id == NULL &&
      cp_app_installs_is_agent_available (self->installs) != self->permissions_agent)
    fill_permissions (self);
}

static void
back_cb (CpAppDetailsPage *self)
{
  g_signal_emit (self, signals[BACK], 0);
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                CpAppDetailsPage      *self)
{
  if (keyval == GDK_KEY_Escape || (keyval == GDK_KEY_Left && (state & GDK_ALT_MASK)))
    {
      back_cb (self);
      return GDK_EVENT_STOP;
    }
  return GDK_EVENT_PROPAGATE;
}

static void
cp_app_details_page_dispose (GObject *object)
{
  CpAppDetailsPage *self = CP_APP_DETAILS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->permissions_cancellable);
  g_clear_object (&self->permissions_cancellable);
  g_clear_pointer (&self->permission_rows, g_ptr_array_unref);
  g_clear_object (&self->app);
  g_clear_signal_handler (&self->installs_id, self->installs);
  g_clear_object (&self->installs);
  g_clear_object (&self->icons);
  g_clear_pointer (&self->api_base_url, g_free);
  g_clear_pointer (&self->rows, g_ptr_array_unref);

  G_OBJECT_CLASS (cp_app_details_page_parent_class)->dispose (object);
}

static void
cp_app_details_page_class_init (CpAppDetailsPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cp_app_details_page_dispose;

  signals[BACK] = g_signal_new ("back", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static GtkWidget *
new_label (const char *css_class,
           gboolean    wrap)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), wrap);
  gtk_label_set_selectable (GTK_LABEL (label), wrap);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

/* On a screen of another density the icon is decoded again at its new size. */
static void
icon_scale_factor_cb (CpAppDetailsPage *self)
{
  if (self->app != NULL)
    cp_app_load_icon (GTK_IMAGE (self->icon), self->app, self->icons, self->api_base_url, self->cancellable);
}

static GtkWidget *
build_header (CpAppDetailsPage *self)
{
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 18);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  self->icon = gtk_image_new ();
  gtk_image_set_pixel_size (GTK_IMAGE (self->icon), 96);
  gtk_widget_set_valign (self->icon, GTK_ALIGN_START);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  g_signal_connect_swapped (self->icon, "notify::scale-factor", G_CALLBACK (icon_scale_factor_cb), self);
  self->name = new_label ("title-1", TRUE);
  /* Selectable labels take the focus first and show as selected. */
  gtk_label_set_selectable (GTK_LABEL (self->name), FALSE);
  self->publisher = new_label ("dim-label", TRUE);
  gtk_label_set_selectable (GTK_LABEL (self->publisher), FALSE);
  self->summary = new_label (NULL, TRUE);
  gtk_label_set_selectable (GTK_LABEL (self->summary), FALSE);
  self->button = cp_install_button_new (FALSE);
  gtk_widget_set_halign (self->button, GTK_ALIGN_START);
  gtk_widget_set_hexpand (texts, TRUE);

  gtk_box_append (GTK_BOX (texts), self->name);
  gtk_box_append (GTK_BOX (texts), self->publisher);
  gtk_box_append (GTK_BOX (texts), self->summary);
  gtk_box_append (GTK_BOX (texts), self->button);
  gtk_box_append (GTK_BOX (header), self->icon);
  gtk_box_append (GTK_BOX (header), texts);
  return header;
}

static void
cp_app_details_page_init (CpAppDetailsPage *self)
{
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *back = self->back = gtk_button_new_from_icon_name ("go-previous-symbolic");
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 24);
  GtkWidget *clamp = adw_clamp_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();

  self->rows = g_ptr_array_new ();
  self->permission_rows = g_ptr_array_new ();
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_widget_add_css_class (GTK_WIDGET (self), "cp-app-details");

  gtk_widget_set_tooltip_text (back, _("Back to all apps"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (back), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Back"), -1);
  gtk_widget_add_css_class (back, "flat");
  g_signal_connect_swapped (back, "clicked", G_CALLBACK (back_cb), self);
  gtk_widget_set_margin_start (bar, 6);
  gtk_widget_set_margin_top (bar, 6);
  gtk_box_append (GTK_BOX (bar), back);

  self->description = new_label (NULL, TRUE);
  self->facts = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->facts), _("Details"));
  self->screenshots = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->screenshots), _("Screenshots"));
  self->permissions = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->permissions), _("Permissions"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->permissions),
                                         _("What this app can reach outside its sandbox"));

  gtk_widget_set_margin_top (content, 12);
  gtk_widget_set_margin_bottom (content, 24);
  gtk_widget_set_margin_start (content, 12);
  gtk_widget_set_margin_end (content, 12);
  gtk_box_append (GTK_BOX (content), build_header (self));
  gtk_box_append (GTK_BOX (content), self->description);
  /* What the app may reach matters before the install: above the details. */
  gtk_box_append (GTK_BOX (content), self->permissions);
  gtk_box_append (GTK_BOX (content), self->facts);
  gtk_box_append (GTK_BOX (content), self->screenshots);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 720);
  adw_clamp_set_child (ADW_CLAMP (clamp), content);
  self->scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scrolled), clamp);
  gtk_widget_set_vexpand (self->scrolled, TRUE);

  gtk_box_append (GTK_BOX (self), bar);
  gtk_box_append (GTK_BOX (self), self->scrolled);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}

GtkWidget *
cp_app_details_page_new (void)
{
  return g_object_new (CP_TYPE_APP_DETAILS_PAGE, NULL);
}

void
cp_app_details_page_set_context (CpAppDetailsPage *self,
                                 CpAppInstalls    *installs,
                                 CpIconCache      *icons,
                                 const char       *api_base_url)
{
  g_return_if_fail (CP_IS_APP_DETAILS_PAGE (self));

  cp_install_button_set_context (CP_INSTALL_BUTTON (self->button), installs);
  if (self->installs != installs)
    {
      g_clear_signal_handler (&self->installs_id, self->installs);
      g_set_object (&self->installs, installs);
      if (installs != NULL)
        self->installs_id = g_signal_connect_swapped (installs, "changed", G_CALLBACK (installs_changed_cb), self);
    }
  g_set_object (&self->icons, icons);
  g_free (self->api_base_url);
  self->api_base_url = g_strdup (api_base_url);
}

void
cp_app_details_page_set_app (CpAppDetailsPage *self,
                             CpApp            *app)
{
  g_return_if_fail (CP_IS_APP_DETAILS_PAGE (self));
  g_return_if_fail (CP_IS_APP (app));

  g_set_object (&self->app, app);
  fill (self);
}

void
cp_app_details_page_focus (CpAppDetailsPage *self)
{
  g_return_if_fail (CP_IS_APP_DETAILS_PAGE (self));
  gtk_widget_grab_focus (self->back);
}

CpApp *
cp_app_details_page_get_app (CpAppDetailsPage *self)
{
  g_return_val_if_fail (CP_IS_APP_DETAILS_PAGE (self), NULL);
  return self->app;
}
