/* cp-branding.c: an organisation's accent colour and logo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <company-portal.h>

#include "cp-branding.h"
#include "cp-icon-cache.h"

struct _CpBranding
{
  GObject         parent_instance;

  GdkDisplay     *display;
  GtkCssProvider *provider;
  CpIconCache    *logos;   /* the icon cache, made with the first logo's session */
};

G_DEFINE_FINAL_TYPE (CpBranding, cp_branding, G_TYPE_OBJECT)

/* Only exactly "#rrggbb" reaches the CSS, so nothing else can be injected into it. */
static gboolean
is_hex_color (const char *color)
{
  if (color == NULL || color[0] != '#' || strlen (color) != 7)
    return FALSE;
  for (guint i = 1; i < 7; i++)
    if (!g_ascii_isxdigit (color[i]))
      return FALSE;
  return TRUE;
}

static double
luminance (const GdkRGBA *rgba)
{
  return 0.2126 * rgba->red + 0.7152 * rgba->green + 0.0722 * rgba->blue;
}

static char *
accent_css (const char *color)
{
  GdkRGBA rgba;
  gboolean light;

  if (!gdk_rgba_parse (&rgba, color))
    return NULL;
  light = luminance (&rgba) > 0.55;
  /* A light brand colour still needs dark text on it, and a darker shade as a text colour. */
  return g_strdup_printf ("@define-color accent_bg_color %s;\n"
                          "@define-color accent_fg_color %s;\n"
                          "@define-color accent_color %s;\n",
                          color,
                          light ? "rgba(0,0,0,0.8)" : "#ffffff",
                          light ? "shade(@accent_bg_color, 0.6)" : "@accent_bg_color");
}

static void
remove_provider (CpBranding *self)
{
  if (self->provider == NULL)
    return;
  gtk_style_context_remove_provider_for_display (self->display,
                                                 GTK_STYLE_PROVIDER (self->provider));
  g_clear_object (&self->provider);
}

/* The icon cache's errors, in the logo's words. */
static void
logo_loaded_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GdkTexture *texture = cp_icon_cache_load_finish (CP_ICON_CACHE (source), result, &error);

  if (texture != NULL)
    g_task_return_pointer (task, texture, g_object_unref);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, g_steal_pointer (&error));
  else if (g_error_matches (error, CP_ERROR, CP_ERROR_INVALID_DATA))
    g_task_return_new_error (task, CP_ERROR, CP_ERROR_INVALID_DATA, _("The organisation’s logo is not an image"));
  else
    g_task_return_new_error (task, CP_ERROR, error->domain == CP_ERROR ? error->code : CP_ERROR_NETWORK,
                             _("The organisation’s logo could not be loaded"));
}

static void
cp_branding_dispose (GObject *object)
{
  CpBranding *self = CP_BRANDING (object);

  remove_provider (self);
  g_clear_object (&self->display);
  g_clear_object (&self->logos);

  G_OBJECT_CLASS (cp_branding_parent_class)->dispose (object);
}

static void
cp_branding_class_init (CpBrandingClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cp_branding_dispose;
}

static void
cp_branding_init (CpBranding *self)
{
}

CpBranding *
cp_branding_new (GdkDisplay *display)
{
  CpBranding *self;

  g_return_val_if_fail (GDK_IS_DISPLAY (display), NULL);

  self = g_object_new (CP_TYPE_BRANDING, NULL);
  self->display = g_object_ref (display);
  return self;
}

void
cp_branding_set_accent_color (CpBranding *self,
                              const char *color)
{
  g_autofree char *css = NULL;

  g_return_if_fail (CP_IS_BRANDING (self));

  remove_provider (self);
  if (!is_hex_color (color) || (css = accent_css (color)) == NULL)
    return;

  self->provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (self->provider, css, -1);
  gtk_style_context_add_provider_for_display (self->display, GTK_STYLE_PROVIDER (self->provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION + 1);
}

void
cp_branding_load_logo_async (CpBranding          *self,
                             SoupSession         *session,
                             const char          *uri,
                             int                  size,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GUri) parsed = NULL;
  const char *scheme;

  g_return_if_fail (CP_IS_BRANDING (self));
  g_return_if_fail (SOUP_IS_SESSION (session));
  g_return_if_fail (uri != NULL);
  g_return_if_fail (size > 0);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_branding_load_logo_async);

  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);
  scheme = parsed != NULL ? g_uri_get_scheme (parsed) : NULL;
  if (scheme == NULL || (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0))
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_INVALID_DATA,
                               _("The organisation’s logo address is not a web address"));
      return;
    }

  /* Kept on disk like the apps' icons: the next start shows it at once, decoded from PNG. */
  if (self->logos == NULL)
    self->logos = cp_icon_cache_new (session, NULL, CP_ICON_CACHE_DEFAULT_BOUND);
  cp_icon_cache_load_async (self->logos, uri, size, cancellable, logo_loaded_cb, g_steal_pointer (&task));
}

GdkTexture *
cp_branding_load_logo_finish (CpBranding    *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
