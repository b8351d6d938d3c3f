/* cp-app-util.c: small helpers the window's widgets share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <adwaita.h>
#include <glib/gi18n.h>
#include <company-portal.h>

#include "cp-app-util.h"

#define REPEAT_WINDOW_USEC (10 * G_USEC_PER_SEC)

typedef struct
{
  char   *text;
  gint64  shown_at;
} LastToast;

static void
last_toast_free (LastToast *last)
{
  g_free (last->text);
  g_free (last);
}

/* Several pages lose the same connection at once: say it once, not once per page. */
static gboolean
is_repeated (GtkWidget  *overlay,
             const char *text)
{
  LastToast *last = g_object_get_data (G_OBJECT (overlay), "cp-last-toast");
  gint64 now = g_get_monotonic_time ();

  if (last != NULL && g_str_equal (last->text, text) && now - last->shown_at < REPEAT_WINDOW_USEC)
    return TRUE;

  last = g_new0 (LastToast, 1);
  last->text = g_strdup (text);
  last->shown_at = now;
  g_object_set_data_full (G_OBJECT (overlay), "cp-last-toast", last, (GDestroyNotify) last_toast_free);
  return FALSE;
}

void
cp_widget_add_toast (GtkWidget  *widget,
                     const char *text)
{
  GtkWidget *overlay;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (text != NULL);

  overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);
  if (overlay == NULL)
    return;
  if (is_repeated (overlay, text))
    return;
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (text));
}

void
cp_widget_copy_text (GtkWidget  *widget,
                     const char *text)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (text == NULL || text[0] == '\0')
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
  cp_widget_add_toast (widget, _("Copied"));
}

static void
show_uri_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GtkWidget) widget = user_data;
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (source), result, &error))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_debug ("Could not open a link: %s", error->message);
      text = g_strdup_printf (_("Could not open the link: %s"), error->message);
      cp_widget_add_toast (widget, text);
    }
}

void
cp_widget_open_uri (GtkWidget  *widget,
                    const char *uri)
{
  GtkRoot *root;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (uri != NULL);

  root = gtk_widget_get_root (widget);
  gtk_show_uri_full (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME,
                     NULL, show_uri_cb, g_object_ref (widget));
}

gboolean
cp_error_is_connection (const GError *error)
{
  return g_error_matches (error, CP_ERROR, CP_ERROR_NETWORK) ||
         g_error_matches (error, CP_ERROR, CP_ERROR_TIMED_OUT);
}

/* Seconds since this process started: the kernel's start time (in clock
 * ticks since boot, so 10 ms steps) against CLOCK_BOOTTIME now. */
static double
seconds_since_process_start (void)
{
  g_autofree char *stat = NULL;
  struct timespec now;
  const char *end;
  unsigned long long ticks = 0;

  clock_gettime (CLOCK_BOOTTIME, &now);
  if (!g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL) ||
      (end = strrchr (stat, ')')) == NULL ||
      sscanf (end + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
              &ticks) != 1)
    return -1;
  return now.tv_sec + now.tv_nsec / 1e9 - (double) ticks / sysconf (_SC_CLK_TCK);
}

/* Each milestone is logged the first time only (main thread). */
void
cp_bench_milestone (const char *name)
{
  static int enabled = -1;
  static GHashTable *seen = NULL;

  if (enabled < 0)
    enabled = g_strcmp0 (g_getenv ("CP_BENCH_MILESTONES"), "1") == 0;
  if (!enabled)
    return;
  if (seen == NULL)
    seen = g_hash_table_new (g_str_hash, g_str_equal);
  if (!g_hash_table_add (seen, (gpointer) g_intern_string (name)))
    return;
  fprintf (stderr, "CP_MILESTONE %s %.3f\n", name, seconds_since_process_start ());
}

/* Accessible names GTK 4.8 gets wrong or leaves out, fixed once over built
 * widgets (templates, the About window).
 *
 * GTK 4.8 names a button with a mnemonic twice ("_Continue Continue"): it sets
 * the accessible label to the raw text with its underscore, and the label
 * child, as the button's mnemonic label, adds itself through labelled-by.
 * Dropping the raw label leaves the relation's "Continue" (GTK 4.10 does the
 * same itself, so this is harmless there). Runs once over built templates. */
static void
drop_raw_mnemonic_label (GtkButton *button)
{
  if (gtk_button_get_use_underline (button) && gtk_button_get_label (button) != NULL)
    gtk_accessible_reset_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL);
}

void
cp_widget_fix_mnemonic_names (GtkWidget *root)
{
  GtkWidget *child;

  if (GTK_IS_BUTTON (root) && g_object_get_data (G_OBJECT (root), "cp-name-fixed") == NULL)
    {
      /* Pages relabel buttons at run time ("_Check Again"): GTK sets the raw
       * label again each time, so the fix follows every change. */
      g_object_set_data (G_OBJECT (root), "cp-name-fixed", GINT_TO_POINTER (1));
      g_signal_connect_after (root, "notify::label", G_CALLBACK (drop_raw_mnemonic_label), NULL);
      g_signal_connect_after (root, "notify::use-underline", G_CALLBACK (drop_raw_mnemonic_label), NULL);
    }

  if (GTK_IS_BUTTON (root) && gtk_button_get_use_underline (GTK_BUTTON (root)) &&
      gtk_button_get_label (GTK_BUTTON (root)) != NULL)
    gtk_accessible_reset_property (GTK_ACCESSIBLE (root), GTK_ACCESSIBLE_PROPERTY_LABEL);
  /* An icon-only button (libadwaita's own back buttons, for one) is named
   * after its tooltip, as GTK 4.10 does itself. */
  else if (GTK_IS_BUTTON (root) && gtk_button_get_label (GTK_BUTTON (root)) == NULL &&
           GTK_IS_IMAGE (gtk_button_get_child (GTK_BUTTON (root))) &&
           gtk_widget_get_tooltip_text (root) != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (root), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    gtk_widget_get_tooltip_text (root), -1);
  /* A button around a plain label (AdwAboutWindow's version) is named by it. */
  else if (GTK_IS_BUTTON (root) && gtk_button_get_label (GTK_BUTTON (root)) == NULL &&
           GTK_IS_LABEL (gtk_button_get_child (GTK_BUTTON (root))))
    gtk_accessible_update_relation (GTK_ACCESSIBLE (root), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                    gtk_button_get_child (GTK_BUTTON (root)), NULL, -1);

  for (child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    cp_widget_fix_mnemonic_names (child);
}

void
cp_widget_hide_keeping_focus (GtkWidget *widget,
                              GtkWidget *fallback)
{
  gboolean had_focus = gtk_widget_has_focus (widget);

  gtk_widget_set_visible (widget, FALSE);
  if (had_focus)
    gtk_widget_grab_focus (fallback);
}

/* Status page icons wait until their page is on screen */

#define SHOWN_ICON_KEY "cp-icon-when-shown"

static void
status_page_mapped_cb (AdwStatusPage *page)
{
  const char *icon_name = g_object_get_data (G_OBJECT (page), SHOWN_ICON_KEY);

  if (g_strcmp0 (adw_status_page_get_icon_name (page), icon_name) != 0)
    adw_status_page_set_icon_name (page, icon_name);
}

void
cp_status_page_set_icon_when_shown (AdwStatusPage *page,
                                    const char    *icon_name)
{
  GObject *object = G_OBJECT (page);

  g_return_if_fail (ADW_IS_STATUS_PAGE (page));

  if (g_object_get_data (object, "cp-icon-watched") == NULL)
    {
      g_object_set_data (object, "cp-icon-watched", GINT_TO_POINTER (TRUE));
      g_signal_connect (page, "map", G_CALLBACK (status_page_mapped_cb), NULL);
    }
  g_object_set_data_full (object, SHOWN_ICON_KEY, g_strdup (icon_name), g_free);
  /* Not on screen: no icon until it is, so measuring the page looks nothing up. */
  if (gtk_widget_get_mapped (GTK_WIDGET (page)))
    status_page_mapped_cb (page);
  else
    adw_status_page_set_icon_name (page, NULL);
}

const char *
cp_status_page_get_icon_when_shown (AdwStatusPage *page)
{
  g_return_val_if_fail (ADW_IS_STATUS_PAGE (page), NULL);

  return g_object_get_data (G_OBJECT (page), SHOWN_ICON_KEY);
}

GtkBuilder *
cp_builder_new_for_object (const char *resource,
                           gpointer    object,
                           const char *first_handler_name,
                           ...)
{
  g_autoptr(GtkBuilderScope) scope = gtk_builder_cscope_new ();
  g_autoptr(GError) error = NULL;
  GtkBuilder *builder = gtk_builder_new ();
  va_list handlers;

  va_start (handlers, first_handler_name);
  for (const char *name = first_handler_name; name != NULL; name = va_arg (handlers, const char *))
    gtk_builder_cscope_add_callback_symbol (GTK_BUILDER_CSCOPE (scope), name, va_arg (handlers, GCallback));
  va_end (handlers);
  gtk_builder_set_scope (builder, scope);
  gtk_builder_set_current_object (builder, object);
  if (!gtk_builder_add_from_resource (builder, resource, &error))
    g_error ("%s: %s", resource, error->message);
  return builder;
}

static void
create_menu_popover_cb (GtkMenuButton *button,
                        gpointer       user_data)
{
  if (gtk_menu_button_get_popover (button) == NULL)
    gtk_menu_button_set_menu_model (button, G_MENU_MODEL (user_data));
}

void
cp_menu_button_set_menu_on_demand (GtkMenuButton *button,
                                   GMenuModel    *menu)
{
  gtk_menu_button_set_create_popup_func (button, create_menu_popover_cb, g_object_ref (menu), g_object_unref);
}
