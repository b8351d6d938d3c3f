/* cp-app-row.c: one app in the Apps list (a recycled row)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cp-app-row.h"
#include "cp-install-button.h"

#define PLACEHOLDER_ICON "application-x-executable-symbolic"

struct _CpAppRow
{
  GtkBox        parent_instance;

  GtkWidget    *icon;
  GtkWidget    *name;
  GtkWidget    *summary;
  GtkWidget    *required;
  GtkWidget    *featured;
  GtkWidget    *button;
  GtkWidget    *heading;   /* a section heading, shown instead of an app */
  GCancellable *icon_cancellable;
  guint         icon_timeout;
  CpApp        *app;
  CpIconCache  *icons;
  CpAppInstalls *installs;
  char         *api_base_url;
  gboolean      hide_tags;
  gboolean      far;
};

/* GTK 4.8's list view binds up to 200 rows, only a screenful of them shown.
 * A row far from the view builds no widgets (about 40 KB a row) and stands
 * at the height every built row has, so the scrolling range stays true. */
static int built_row_height;

/* Rows rebound while the user types or scrolls fast would each start a
 * download: only a row that keeps its app this long asks for the icon. */
#define ICON_DELAY_MS 80

G_DEFINE_FINAL_TYPE (CpAppRow, cp_app_row, GTK_TYPE_BOX)

char *
cp_app_icon_url (CpApp      *app,
                 const char *api_base_url)
{
  const char *url = cp_app_get_icon_url (app);

  if (url == NULL)
    return NULL;
  if (url[0] == '/')
    return api_base_url != NULL ? g_strconcat (api_base_url, url, NULL) : NULL;
  return g_strdup (url);
}

static void
icon_loaded_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GtkImage) image = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = cp_icon_cache_load_finish (CP_ICON_CACHE (source), result, &error);

  if (texture != NULL)
    gtk_image_set_from_paintable (image, GDK_PAINTABLE (texture));
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("icon: %s", error->message);
}

/* Sets @image to the icon at @url when it is in memory, else to the
 * placeholder; TRUE when there is more to load. */
static gboolean
show_icon_in_memory (GtkImage    *image,
                     CpIconCache *icons,
                     const char  *url)
{
  GdkTexture *texture = url != NULL && icons != NULL
                          ? cp_icon_cache_lookup (icons, url, cp_icon_cache_image_size (image)) : NULL;

  if (texture != NULL)
    gtk_image_set_from_paintable (image, GDK_PAINTABLE (texture));
  else
    gtk_image_set_from_icon_name (image, PLACEHOLDER_ICON);
  return texture == NULL && url != NULL && icons != NULL;
}

void
cp_app_load_icon (GtkImage     *image,
                  CpApp        *app,
                  CpIconCache  *icons,
                  const char   *api_base_url,
                  GCancellable *cancellable)
{
  g_autofree char *url = app != NULL ? cp_app_icon_url (app, api_base_url) : NULL;

  if (show_icon_in_memory (image, icons, url))
    cp_icon_cache_load_async (icons, url, cp_icon_cache_image_size (image), cancellable,
                              icon_loaded_cb, g_object_ref (image));
}

static gboolean
load_icon_cb (gpointer user_data)
{
  CpAppRow *self = user_data;

  self->icon_timeout = 0;
  self->icon_cancellable = g_cancellable_new ();
  cp_app_load_icon (GTK_IMAGE (self->icon), self->app, self->icons, self->api_base_url, self->icon_cancellable);
  return G_SOURCE_REMOVE;
}

/* Moved to a screen of another density: the icon again, at the new size. */
static void
icon_scale_factor_cb (CpAppRow *self)
{
  if (self->app == NULL || self->icons == NULL || self->icon_timeout != 0)
    return;
  g_cancellable_cancel (self->icon_cancellable);
  g_clear_object (&self->icon_cancellable);
  load_icon_cb (self);
}

static void
cp_app_row_dispose (GObject *object)
{
  CpAppRow *self = CP_APP_ROW (object);

  g_clear_handle_id (&self->icon_timeout, g_source_remove);
  g_clear_object (&self->app);
  g_clear_object (&self->icons);
  g_clear_object (&self->installs);
  g_clear_pointer (&self->api_base_url, g_free);

  g_cancellable_cancel (self->icon_cancellable);
  g_clear_object (&self->icon_cancellable);

  G_OBJECT_CLASS (cp_app_row_parent_class)->dispose (object);
}

static void
cp_app_row_class_init (CpAppRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cp_app_row_dispose;
}

/* A tag is made the first time a row shows it: under the section headings
 * no row does, and a catalog has a row per app. */
static void
show_tag (CpAppRow    *self,
          GtkWidget  **tag,
          const char  *text,
          const char  *css_class,
          gboolean     visible)
{
  if (*tag == NULL && !visible)
    return;
  if (*tag == NULL)
    {
      *tag = gtk_label_new (text);
      gtk_widget_set_valign (*tag, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (*tag, css_class);
      gtk_widget_add_css_class (*tag, "caption");
      /* Tags stand between the texts and the button. */
      gtk_widget_insert_before (*tag, GTK_WIDGET (self), self->button);
    }
  gtk_widget_set_visible (*tag, visible);
}

static void
cp_app_row_init (CpAppRow *self)
{
  gtk_box_set_spacing (GTK_BOX (self), 12);
  gtk_widget_add_css_class (GTK_WIDGET (self), "cp-app-row");
}

static void
build (CpAppRow *self)
{
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);

  self->icon = gtk_image_new_from_icon_name (PLACEHOLDER_ICON);
  gtk_image_set_pixel_size (GTK_IMAGE (self->icon), 48);
  g_signal_connect_swapped (self->icon, "notify::scale-factor", G_CALLBACK (icon_scale_factor_cb), self);
  /* The name says it all: the icon is decoration. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_widget_set_valign (texts, GTK_ALIGN_CENTER);
  self->name = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (self->name, "heading");
  self->summary = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->summary), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->summary), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (self->summary, "dim-label");
  self->button = cp_install_button_new (TRUE);
  cp_install_button_set_context (CP_INSTALL_BUTTON (self->button), self->installs);

  gtk_box_append (GTK_BOX (texts), self->name);
  gtk_box_append (GTK_BOX (texts), self->summary);
  gtk_box_append (GTK_BOX (self), self->icon);
  gtk_box_append (GTK_BOX (self), texts);
  gtk_box_append (GTK_BOX (self), self->button);
  gtk_widget_set_size_request (GTK_WIDGET (self), -1, -1);
}

static void
update_tags (CpAppRow *self)
{
  gboolean required = self->app != NULL && cp_app_get_required (self->app);
  gboolean featured = self->app != NULL && cp_app_get_featured (self->app);

  if (self->button == NULL)
    return;
  show_tag (self, &self->required, _("Required"), "cp-required-tag", !self->hide_tags && required);
  show_tag (self, &self->featured, _("Featured"), "cp-featured-tag", !self->hide_tags && !required && featured);
}

GtkWidget *
cp_app_row_new (void)
{
  return g_object_new (CP_TYPE_APP_ROW, NULL);
}

void
cp_app_row_set_context (CpAppRow      *self,
                        CpAppInstalls *installs)
{
  g_return_if_fail (CP_IS_APP_ROW (self));

  g_set_object (&self->installs, installs);
  if (self->button != NULL)
    cp_install_button_set_context (CP_INSTALL_BUTTON (self->button), installs);
}

/* Measured once, on the first row that shows an app in the window (where
 * CSS applies); measuring on every bind would double the cost of a keystroke
 * in the search. */
static void
remember_height (CpAppRow *self)
{
  int height = 0;

  if (built_row_height > 0 || gtk_widget_get_root (GTK_WIDGET (self)) == NULL)
    return;
  gtk_widget_measure (GTK_WIDGET (self), GTK_ORIENTATION_VERTICAL, -1, NULL, &height, NULL, NULL);
  built_row_height = height;
}

/* A built row's own widgets (the tags follow update_tags()). */
static void
show_content (CpAppRow *self,
              gboolean  show)
{
  if (self->heading != NULL)
    gtk_widget_set_visible (self->heading, !show);
  if (show)
    gtk_widget_add_css_class (GTK_WIDGET (self), "cp-app-row");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "cp-app-row");
  if (self->button == NULL)
    return;
  gtk_widget_set_visible (self->icon, show);
  gtk_widget_set_visible (gtk_widget_get_parent (self->name), show);
  gtk_widget_set_visible (self->button, show);
}

void
cp_app_row_show_heading (CpAppRow   *self,
                         const char *text)
{
  g_return_if_fail (CP_IS_APP_ROW (self));

  cp_app_row_set_app (self, NULL, NULL, NULL);
  show_content (self, FALSE);
  update_tags (self);
  if (self->heading == NULL)
    {
      self->heading = g_object_new (GTK_TYPE_LABEL, "accessible-role", GTK_ACCESSIBLE_ROLE_HEADING,
                                    "xalign", 0.0f, "hexpand", TRUE, NULL);
      gtk_widget_add_css_class (self->heading, "heading");
      gtk_widget_add_css_class (self->heading, "cp-section-heading");
      gtk_widget_set_margin_top (self->heading, 12);
      gtk_widget_set_margin_bottom (self->heading, 6);
      gtk_widget_set_margin_start (self->heading, 12);
      gtk_box_prepend (GTK_BOX (self), self->heading);
    }
  gtk_label_set_label (GTK_LABEL (self->heading), text);
  gtk_widget_set_visible (self->heading, TRUE);
  gtk_widget_set_size_request (GTK_WIDGET (self), -1, -1);
}

void
cp_app_row_set_near (CpAppRow *self,
                     gboolean  near)
{
  g_return_if_fail (CP_IS_APP_ROW (self));
  self->far = !near;
}

gboolean
cp_app_row_get_near (CpAppRow *self)
{
  g_return_val_if_fail (CP_IS_APP_ROW (self), FALSE);
  return !self->far;
}

void
cp_app_row_set_app (CpAppRow    *self,
                    CpApp       *app,
                    CpIconCache *icons,
                    const char  *api_base_url)
{
  const char *line = NULL;

  g_return_if_fail (CP_IS_APP_ROW (self));

  g_autofree char *url = NULL;
  gboolean icon_to_load;

  g_cancellable_cancel (self->icon_cancellable);
  g_clear_object (&self->icon_cancellable);
  g_clear_handle_id (&self->icon_timeout, g_source_remove);
  g_set_object (&self->app, app);
  g_set_object (&self->icons, icons);
  g_free (self->api_base_url);
  self->api_base_url = g_strdup (api_base_url);
  if (app != NULL)
    show_content (self, TRUE);
  if (self->button == NULL && (app == NULL || self->far))
    {
      gtk_widget_set_size_request (GTK_WIDGET (self), -1, built_row_height > 0 ? built_row_height : 64);
      return;
    }
  if (self->button == NULL)
    build (self);
  cp_install_button_set_app (CP_INSTALL_BUTTON (self->button), app);
  /* The placeholder at once (or the icon, when it is in memory). */
  url = app != NULL ? cp_app_icon_url (app, api_base_url) : NULL;
  icon_to_load = show_icon_in_memory (GTK_IMAGE (self->icon), icons, url);
  if (app == NULL)
    return;
  if (icon_to_load)
    self->icon_timeout = g_timeout_add (ICON_DELAY_MS, load_icon_cb, self);

  line = cp_app_get_summary (app);
  if (line == NULL)
    line = cp_app_get_publisher (app);
  gtk_label_set_label (GTK_LABEL (self->name), cp_app_get_name (app));
  gtk_label_set_label (GTK_LABEL (self->summary), line != NULL ? line : "");
  gtk_widget_set_visible (self->summary, line != NULL);
  update_tags (self);
  remember_height (self);
}

void
cp_app_row_set_show_tags (CpAppRow *self,
                          gboolean  show)
{
  g_return_if_fail (CP_IS_APP_ROW (self));

  if (self->hide_tags == !show)
    return;
  self->hide_tags = !show;
  update_tags (self);
}
