/* app-test-util.c: what the window's test programs share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <X11/Xlib.h>

#include "app-test-util.h"
#include "cp-test-util.h"
#include "cp-application.h"
#include "cp-window.h"

void
app_test_result_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

GdkTexture *
app_test_finish_icon (CpIconCache   *icons,
                      GAsyncResult **result,
                      GError       **error)
{
  GdkTexture *texture;

  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  texture = cp_icon_cache_load_finish (icons, *result, error);
  g_clear_object (result);
  return texture;
}

GdkTexture *
app_test_load_icon (CpIconCache  *icons,
                    const char   *url,
                    int           size,
                    GError      **error)
{
  GAsyncResult *result = NULL;

  cp_icon_cache_load_async (icons, url, size, NULL, app_test_result_cb, &result);
  return app_test_finish_icon (icons, &result, error);
}

guint
app_test_count_files (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      n += g_file_test (child, G_FILE_TEST_IS_REGULAR);
    }
  return n;
}

/* Widgets and the main loop */

GtkWidget *
app_test_find_descendant (GtkWidget  *widget,
                          GType       type,
                          const char *button_label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type) &&
          (button_label == NULL ||
           (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), button_label) == 0)))
        return child;
      found = app_test_find_descendant (child, type, button_label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
time_is_up_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
app_test_iterate_for (guint ms)
{
  gboolean time_is_up = FALSE;

  g_timeout_add (ms, time_is_up_cb, &time_is_up);
  while (!time_is_up)
    g_main_context_iteration (NULL, TRUE);
}

void
app_test_iterate_until (gboolean (*done) (gpointer),
                        gpointer   data)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!done (data) && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  g_assert_true (done (data));
}

/* The window */

/* One application per process: GApplication exports itself on the session bus once. */
static CpApplication *
test_application (void)
{
  static CpApplication *app;

  if (app == NULL)
    {
      g_autoptr(GError) error = NULL;

      app = cp_application_new ();
      g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
      g_application_register (G_APPLICATION (app), NULL, &error);
      g_assert_no_error (error);
    }
  return app;
}

GtkWidget *
app_test_new_window (void)
{
  return GTK_WIDGET (cp_window_new (test_application ()));
}

void
app_test_close_window (GtkWidget *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

char *
app_test_unreachable_url (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port;

  /* A port that was just free and is closed again: nothing answers there. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return g_strdup_printf ("http://127.0.0.1:%u", port);
}

void
app_test_init_window_tests (int    *argc,
                            char ***argv)
{
  g_autofree char *schemas = g_build_filename (g_getenv ("CP_BUILD_DIR"), "data", NULL);
  g_autofree char *cache_home = NULL;

  /* Xvfb has no GL. */
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  /* The window reads its settings: the schema compiled in the build tree. */
  g_setenv ("GSETTINGS_SCHEMA_DIR", schemas, TRUE);
  /* Logos and icons are cached on disk: never in the user's cache (GTK's
   * and Mesa's caches land there too); removed at exit. */
  cache_home = cp_test_make_program_tmp_dir ("cp-test-cache-XXXXXX");
  g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);
  gtk_test_init (argc, argv, NULL);
  adw_init ();
}

/* An XSETTINGS manager (freedesktop.org's XSETTINGS specification) of our
 * own on the test's display, on a connection of its own: GDK follows the
 * manager's Gdk/WindowScalingFactor at run time, as a desktop's settings
 * daemon makes it when the user changes the scale. */
typedef struct
{
  Display *display;
  Window   window;
  Atom     settings_atom;
  guint32  serial;
} SettingsManager;

static SettingsManager *
settings_manager_get (void)
{
  static SettingsManager manager;
  XClientMessageEvent announce = { 0 };
  Atom selection;

  if (manager.display != NULL)
    return &manager;
  manager.display = XOpenDisplay (g_getenv ("DISPLAY"));
  g_assert_nonnull (manager.display);
  manager.window = XCreateSimpleWindow (manager.display, DefaultRootWindow (manager.display), 0, 0, 1, 1, 0, 0, 0);
  manager.settings_atom = XInternAtom (manager.display, "_XSETTINGS_SETTINGS", False);
  selection = XInternAtom (manager.display, "_XSETTINGS_S0", False);
  XSetSelectionOwner (manager.display, selection, manager.window, CurrentTime);
  g_assert_true (XGetSelectionOwner (manager.display, selection) == manager.window);
  /* Clients watch the root window for a new manager. */
  announce.type = ClientMessage;
  announce.window = DefaultRootWindow (manager.display);
  announce.message_type = XInternAtom (manager.display, "MANAGER", False);
  announce.format = 32;
  announce.data.l[0] = CurrentTime;
  announce.data.l[1] = selection;
  announce.data.l[2] = manager.window;
  XSendEvent (manager.display, DefaultRootWindow (manager.display), False, StructureNotifyMask,
              (XEvent *) &announce);
  return &manager;
}

static void
append_card32 (GByteArray *data,
               guint32     value)
{
  g_byte_array_append (data, (const guint8 *) &value, 4);
}

void
app_test_set_window_scale (int scale)
{
  SettingsManager *manager = settings_manager_get ();
  static const char name[] = "Gdk/WindowScalingFactor";   /* 23 bytes, padded to 24 */
  g_autoptr(GByteArray) data = g_byte_array_new ();
  const guint8 header[4] = { G_BYTE_ORDER == G_LITTLE_ENDIAN ? LSBFirst : MSBFirst, 0, 0, 0 };
  const guint8 integer_setting[4] = { 0 /* XSettingsTypeInteger */, 0, 0, 0 };
  guint16 name_length = strlen (name);
  const guint8 padding[4] = { 0 };

  manager->serial++;
  g_byte_array_append (data, header, 4);
  append_card32 (data, manager->serial);
  append_card32 (data, 1);                            /* one setting */
  g_byte_array_append (data, integer_setting, 2);
  g_byte_array_append (data, (const guint8 *) &name_length, 2);
  g_byte_array_append (data, (const guint8 *) name, name_length);
  g_byte_array_append (data, padding, (4 - name_length % 4) % 4);
  append_card32 (data, manager->serial);              /* last changed */
  append_card32 (data, (guint32) scale);
  XChangeProperty (manager->display, manager->window, manager->settings_atom, manager->settings_atom, 8,
                   PropModeReplace, data->data, data->len);
  XFlush (manager->display);
}
