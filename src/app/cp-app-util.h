/* cp-app-util.h: small helpers the window's widgets share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Shows @text as a toast in the AdwToastOverlay @widget lives in, if any. */
void      cp_widget_add_toast       (GtkWidget    *widget,
                                     const char   *text);
/* Copies @text to the clipboard and confirms with a toast. */
void      cp_widget_copy_text       (GtkWidget    *widget,
                                     const char   *text);
/* Opens @uri with the default handler (OpenURI portal inside Flatpak). */
void      cp_widget_open_uri        (GtkWidget    *widget,
                                     const char   *uri);
/* TRUE for errors that mean "offline", where the last data stays shown. */
gboolean  cp_error_is_connection    (const GError *error);
/* With CP_BENCH_MILESTONES=1 prints "CP_MILESTONE <name> <seconds since
 * process start>" to stderr, for benchmarks/startup/bench-startup.sh. */
void      cp_bench_milestone        (const char   *name);

/* Hides @widget; if it had the keyboard focus, @fallback takes it, so a
 * keyboard user is never left with the focus nowhere. */
void      cp_widget_hide_keeping_focus (GtkWidget *widget,
                                        GtkWidget *fallback);

/* Fixes GTK 4.8's accessible names of buttons below @root: doubled mnemonic
 * names, icon-only buttons with a tooltip, buttons around a plain label. */
void cp_widget_fix_mnemonic_names (GtkWidget *root);

/* Gives @button @menu when it first opens (a click, Enter, Space or F10 for
 * a primary menu): a GtkPopoverMenu costs about ten widgets plus one per
 * item, and most windows never open most of their menus. */
void cp_menu_button_set_menu_on_demand (GtkMenuButton *button,
                                        GMenuModel    *menu);

/* Builds one of our own .ui resources whose signal handlers run on @object
 * (its current object): the handlers are named by pairs of a name and a
 * GCallback, NULL-terminated. Failing to build it is a bug in the build,
 * like a template's: it aborts. */
GtkBuilder *cp_builder_new_for_object (const char *resource,
                                       gpointer    object,
                                       const char *first_handler_name,
                                       ...) G_GNUC_NULL_TERMINATED;

/* Gives @page the icon @icon_name (NULL: none) once it is mapped, at once if
 * it is. GTK 4.8 looks an image's icon up, and starts loading it, as soon as
 * the image is measured, and stacks measure hidden children: a status page's
 * 128 px symbolic icon is an SVG in Adwaita 43, and one SVG maps librsvg for
 * the life of the process. A status page that is never shown loads nothing. */
void cp_status_page_set_icon_when_shown (AdwStatusPage *page,
                                         const char    *icon_name);
/* The icon @page was given, shown or not yet. */
const char *cp_status_page_get_icon_when_shown (AdwStatusPage *page);

G_END_DECLS
