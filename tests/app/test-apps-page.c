/* test-apps-page.c: the Apps view against a real SoupServer and a D-Bus Installer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The catalog comes from a SoupServer on loopback that pages /v1/apps by
 * cursor. The agent's side is the generated Installer skeleton exported on
 * a private bus (GTestDBus), driven by the test: it checks that the window
 * shows what JobChanged says and sends the entry exactly as the server did.
 * The real agent and a real Flatpak install are tests/ui/test-apps-ui.py.
 */
#include "config.h"

#include <adwaita.h>
#include <company-portal.h>
#include <glib/gstdio.h>
#include <string.h>
#include <time.h>

#include "app-test-util.h"
#include "cp-agent-dbus.h"
#include "cp-app-details-page.h"
#include "cp-app-installs.h"
#include "cp-app-row.h"
#include "cp-apps-page.h"
#include "cp-icon-cache.h"
#include "cp-install-button.h"
#include "cp-state-view.h"

#define PAGE_SIZE 40

/* One private bus for the whole program: libadwaita keeps the session bus. */
static GTestDBus *test_bus;

typedef struct
{
  SoupServer                 *server;
  char                       *base;
  SoupSession                *session;
  GPtrArray                  *items;       /* JSON text of each app */
  guint                       n_requests;
  guint                       page_size;   /* the server's cap on ?limit= */
  gboolean                    fail_second_page;
  GBytes                     *png;
  guint                       n_icon_requests;
  guint                       n_app_requests;    /* GET /v1/apps/{id} */
  gboolean                    fail_app;          /* ... answers 500 */
  gboolean                    serve_categories;  /* GET /v1/categories, else 404 */
  guint                       n_category_requests;

  GDBusConnection            *connection;
  CpAgentDbusAgent1Installer *agent;
  char                       *installed_json;
  guint                       n_cancels;
  char                       *permissions_json;  /* what GetPermissions was given */
  gboolean                    permissions_fail;

  GtkWindow                  *window;
  CpAppsPage                 *page;
  CpAppInstalls              *installs;
  char                       *icons_dir;         /* the page's icon cache, removed after */

  const char                 *awaited_text;      /* wait_for_permissions_text() */
  int                         wanted_scale;      /* show_at_scale() */
} Fixture;

static void
spin_until (gboolean (*done) (Fixture *), Fixture *fixture)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!done (fixture))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* The catalog */

static char *
app_json (const char *id,
          const char *name,
          const char *extra)
{
  return g_strdup_printf ("{\"id\":\"%s\",\"name\":\"%s\",\"iconUrl\":\"/v1/apps/%s/icon\"%s%s}",
                          id, name, id, extra != NULL ? "," : "", extra != NULL ? extra : "");
}

static void
add_apps (Fixture *fixture,
          guint    n_filler)
{
  g_ptr_array_add (fixture->items,
                   app_json ("org.example.Beta", "Beta Sheets",
                             "\"publisher\":\"Acme\",\"keywords\":[\"spreadsheet\"],\"categories\":[\"Office\"],"
                             "\"install\":{\"type\":\"web\",\"url\":\"https://beta.example.com/\"}"));
  g_ptr_array_add (fixture->items,
                   app_json ("org.example.Zeta", "Zeta Agent",
                             "\"required\":true,\"categories\":[\"System\"],\"version\":\"2.1\",\"size\":3145728,"
                             "\"license\":\"MIT\",\"description\":\"Keeps the fleet healthy.\","
                             "\"install\":{\"type\":\"flatpak\",\"remoteName\":\"example\","
                             "\"remoteUrl\":\"file:///nonexistent/repo\",\"ref\":\"app/org.example.Zeta//stable\","
                             "\"gpgVerify\":false}"));
  g_ptr_array_add (fixture->items,
                   app_json ("org.example.Alpha", "Alpha Notes",
                             "\"featured\":true,\"categories\":[\"Office\"],\"publisher\":\"Notes Inc\","
                             "\"install\":{\"type\":\"handoff\",\"uri\":\"appstream://org.example.Alpha\"}"));
  g_ptr_array_add (fixture->items,
                   app_json ("org.example.Installed", "Installed Tool",
                             "\"required\":true,\"categories\":[\"Utility\"],"
                             "\"install\":{\"type\":\"flatpak\",\"remoteName\":\"example\","
                             "\"ref\":\"app/org.example.Installed//stable\"}"));
  /* A duplicate id and a broken entry: dropped, the rest still shows. */
  g_ptr_array_add (fixture->items, app_json ("org.example.Beta", "Second Beta", NULL));
  g_ptr_array_add (fixture->items, g_strdup ("{\"id\":\"no name\"}"));
  for (guint i = 0; i < n_filler; i++)
    {
      g_autofree char *id = g_strdup_printf ("org.example.Filler%05u", i);
      g_autofree char *name = g_strdup_printf ("Tool %05u", i);

      g_ptr_array_add (fixture->items,
                       app_json (id, name, i % 2 ? "\"categories\":[\"Development\"],\"keywords\":[\"odd\"]"
                                                 : "\"categories\":[\"Development\",\"Utility\"]"));
    }
}

static void
serve_apps (Fixture           *fixture,
            SoupServerMessage *message,
            GHashTable        *query)
{
  const char *cursor = query != NULL ? g_hash_table_lookup (query, "cursor") : NULL;
  guint start = cursor != NULL ? (guint) g_ascii_strtoull (cursor, NULL, 10) : 0;
  const char *limit = query != NULL ? g_hash_table_lookup (query, "limit") : NULL;
  guint page_size = MIN (fixture->page_size, 500);
  g_autoptr(GString) body = g_string_new ("{\"items\":[");

  /* The page loads everything and filters locally: no q or category. */
  g_assert_true (query == NULL || !g_hash_table_contains (query, "q"));
  g_assert_true (query == NULL || !g_hash_table_contains (query, "category"));
  /* The largest page the API allows. */
  g_assert_cmpstr (limit, ==, "500");
  if (start > 0 && fixture->fail_second_page)
    {
      soup_server_message_set_status (message, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      soup_server_message_set_response (message, "application/problem+json", SOUP_MEMORY_STATIC,
                                        "{\"title\":\"Broken\",\"status\":500}", 31);
      return;
    }
  for (guint i = start; i < MIN (start + page_size, fixture->items->len); i++)
    {
      if (i > start)
        g_string_append_c (body, ',');
      g_string_append (body, fixture->items->pdata[i]);
    }
  g_string_append (body, "]");
  if (start + page_size < fixture->items->len)
    g_string_append_printf (body, ",\"nextCursor\":\"%u\"", start + page_size);
  g_string_append (body, "}");
  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_COPY, body->str, body->len);
}

/* GET /v1/apps/{id}: the entry exactly as the list sends it. */
static void
serve_app (Fixture           *fixture,
           SoupServerMessage *message,
           const char        *id)
{
  fixture->n_app_requests++;
  if (fixture->fail_app)
    {
      soup_server_message_set_status (message, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      soup_server_message_set_response (message, "application/problem+json", SOUP_MEMORY_STATIC,
                                        "{\"title\":\"Broken\",\"status\":500}", 31);
      return;
    }
  for (guint i = 0; i < fixture->items->len; i++)
    {
      g_autofree char *needle = g_strdup_printf ("{\"id\":\"%s\",", id);
      const char *item = fixture->items->pdata[i];

      if (g_str_has_prefix (item, needle))
        {
          soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
          soup_server_message_set_response (message, "application/json", SOUP_MEMORY_COPY, item, strlen (item));
          return;
        }
    }
  soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
}

static void
handler (SoupServer        *server,
         SoupServerMessage *message,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  Fixture *fixture = user_data;

  if (g_str_equal (path, "/v1/apps"))
    {
      fixture->n_requests++;
      serve_apps (fixture, message, query);
    }
  else if (g_str_equal (path, "/v1/categories") && (fixture->n_category_requests++, fixture->serve_categories))
    {
      static const char body[] = "{\"items\":[{\"id\":\"Utility\",\"name\":\"Tools\"},"
                                 "{\"id\":\"Office\",\"name\":\"Office & Writing\"},"
                                 "{\"id\":\"Game\",\"name\":\"Games\"},{\"id\":7,\"name\":\"Bad\"}]}";

      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC, body, strlen (body));
    }
  else if (g_str_has_prefix (path, "/v1/apps/") && !g_str_has_suffix (path, "/icon"))
    serve_app (fixture, message, path + strlen ("/v1/apps/"));
  else if (g_str_has_prefix (path, "/v1/apps/") && g_str_has_suffix (path, "/icon"))
    {
      fixture->n_icon_requests++;
      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (message, "image/png", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (fixture->png, NULL), g_bytes_get_size (fixture->png));
    }
  else
    soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
}

/* 128 px, as the demo server's icons: larger than the rows and the details page show them. */
#define ICON_PIXELS 128

static GBytes *
make_png (void)
{
  g_autofree guchar *pixels = g_malloc (ICON_PIXELS * ICON_PIXELS * 4);
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  for (guint i = 0; i < ICON_PIXELS * ICON_PIXELS * 4; i += 4)
    {
      pixels[i] = 0x30;
      pixels[i + 1] = 0x80;
      pixels[i + 2] = 0xd0;
      pixels[i + 3] = 0xff;
    }
  data = g_bytes_new (pixels, ICON_PIXELS * ICON_PIXELS * 4);
  texture = gdk_memory_texture_new (ICON_PIXELS, ICON_PIXELS, GDK_MEMORY_R8G8B8A8, data, ICON_PIXELS * 4);
  return gdk_texture_save_to_png_bytes (texture);
}

/* The agent's side */

static gboolean
handle_list_installed (CpAgentDbusAgent1Installer *agent,
                       GDBusMethodInvocation      *invocation,
                       Fixture                    *fixture)
{
  const char *const ids[] = { "org.example.Installed", NULL };

  cp_agent_dbus_agent1_installer_complete_list_installed (agent, invocation, ids);
  return TRUE;
}

static gboolean
handle_get_jobs (CpAgentDbusAgent1Installer *agent,
                 GDBusMethodInvocation      *invocation,
                 Fixture                    *fixture)
{
  cp_agent_dbus_agent1_installer_complete_get_jobs (agent, invocation,
                                                    g_variant_new_array (G_VARIANT_TYPE ("(ssa{sv})"), NULL, 0));
  return TRUE;
}

static gboolean
handle_install (CpAgentDbusAgent1Installer *agent,
                GDBusMethodInvocation      *invocation,
                const char                 *server_url,
                const char                 *json,
                Fixture                    *fixture)
{
  g_assert_cmpstr (server_url, ==, fixture->base);
  g_free (fixture->installed_json);
  fixture->installed_json = g_strdup (json);
  cp_agent_dbus_agent1_installer_complete_install (agent, invocation, "job-1");
  return TRUE;
}

static gboolean
handle_cancel (CpAgentDbusAgent1Installer *agent,
               GDBusMethodInvocation      *invocation,
               const char                 *job_id,
               Fixture                    *fixture)
{
  g_assert_cmpstr (job_id, ==, "job-1");
  fixture->n_cancels++;
  cp_agent_dbus_agent1_installer_complete_cancel (agent, invocation);
  return TRUE;
}

static gboolean
handle_get_permissions (CpAgentDbusAgent1Installer *agent,
                        GDBusMethodInvocation      *invocation,
                        const char                 *json,
                        Fixture                    *fixture)
{
  const char *metadata = "[Application]\nname=org.example.Zeta\n[Context]\nshared=network;ipc;\n"
                         "filesystems=home;xdg-download:ro;\n[Session Bus Policy]\norg.freedesktop.secrets=talk\n";
  g_autoptr(GVariant) permissions = cp_flatpak_permissions_from_metadata (metadata, strlen (metadata), NULL);

  g_free (fixture->permissions_json);
  fixture->permissions_json = g_strdup (json);
  if (fixture->permissions_fail)
    g_dbus_method_invocation_return_error_literal (invocation, CP_ERROR, CP_ERROR_NETWORK,
                                                   "The software source of Zeta Agent cannot be reached.");
  else
    cp_agent_dbus_agent1_installer_complete_get_permissions (agent, invocation, permissions);
  return TRUE;
}

static void
export_agent (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  fixture->agent = cp_agent_dbus_agent1_installer_skeleton_new ();
  g_signal_connect (fixture->agent, "handle-list-installed", G_CALLBACK (handle_list_installed), fixture);
  g_signal_connect (fixture->agent, "handle-get-jobs", G_CALLBACK (handle_get_jobs), fixture);
  g_signal_connect (fixture->agent, "handle-install", G_CALLBACK (handle_install), fixture);
  g_signal_connect (fixture->agent, "handle-cancel", G_CALLBACK (handle_cancel), fixture);
  g_signal_connect (fixture->agent, "handle-get-permissions", G_CALLBACK (handle_get_permissions), fixture);
  g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (fixture->agent), fixture->connection,
                                    "/io/github/companyportal/Agent1", &error);
  g_assert_no_error (error);
  g_bus_own_name_on_connection (fixture->connection, "io.github.companyportal.Agent1",
                                G_BUS_NAME_OWNER_FLAGS_NONE, NULL, NULL, NULL, NULL);
}

/* Set-up */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->items = g_ptr_array_new_with_free_func (g_free);
  fixture->page_size = PAGE_SIZE;
  fixture->png = make_png ();
  fixture->server = cp_test_start_server (NULL, handler, fixture, &fixture->base);
  fixture->session = soup_session_new ();

  fixture->connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (test_bus),
                                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                                NULL, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
page_settled (Fixture *fixture)
{
  const char *state = cp_state_view_get_state (CP_STATE_VIEW (adw_bin_get_child (ADW_BIN (fixture->page))));

  return g_strcmp0 (state, "loading") != 0 && g_strcmp0 (state, "empty") != 0 ? TRUE
         : g_strcmp0 (state, "empty") == 0;
}

static gboolean
installs_ready (Fixture *fixture)
{
  return cp_app_installs_is_agent_available (fixture->installs);
}

static void
open_page (Fixture  *fixture,
           gboolean  with_agent)
{
  g_autoptr(CpApiClient) client = cp_api_client_new (fixture->session, fixture->base);
  g_autoptr(CpIconCache) icons = NULL;

  if (with_agent)
    export_agent (fixture);
  fixture->installs = cp_app_installs_new_for_connection (fixture->connection);
  fixture->icons_dir = g_build_filename (g_get_tmp_dir (), "cp-test-icons-XXXXXX", NULL);
  g_assert_nonnull (g_mkdtemp (fixture->icons_dir));
  icons = cp_icon_cache_new (fixture->session, fixture->icons_dir, CP_ICON_CACHE_DEFAULT_BOUND);

  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fixture->window, 900, 700);
  fixture->page = g_object_new (CP_TYPE_APPS_PAGE, NULL);
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->page));
  cp_apps_page_set_installs (fixture->page, fixture->installs);
  cp_apps_page_set_icon_cache (fixture->page, icons);
  cp_apps_page_set_client (fixture->page, client);
  gtk_window_present (fixture->window);
  cp_apps_page_reload (fixture->page);
  spin_until (page_settled, fixture);
  if (with_agent)
    spin_until (installs_ready, fixture);
  else
    app_test_iterate_for (200);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->window != NULL)
    gtk_window_destroy (fixture->window);
  app_test_iterate_for (20);
  g_clear_object (&fixture->installs);
  if (fixture->agent != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (fixture->agent));
  g_clear_object (&fixture->agent);
  g_dbus_connection_close_sync (fixture->connection, NULL, NULL);
  g_clear_object (&fixture->connection);
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->server);
  g_free (fixture->base);
  g_free (fixture->installed_json);
  g_free (fixture->permissions_json);
  g_clear_pointer (&fixture->png, g_bytes_unref);
  g_ptr_array_unref (fixture->items);
  if (fixture->icons_dir != NULL)
    cp_test_remove_tree (fixture->icons_dir);
  g_free (fixture->icons_dir);
}

/* Helpers over what the page shows */

static const char *
result_id (Fixture *fixture,
           guint    position)
{
  g_autoptr(CpApp) app = g_list_model_get_item (cp_apps_page_get_results (fixture->page), position);

  return app != NULL ? cp_app_get_id (app) : NULL;
}

static guint
n_results (Fixture *fixture)
{
  return g_list_model_get_n_items (cp_apps_page_get_results (fixture->page));
}

static void
collect (GtkWidget *widget,
         GType      type,
         GPtrArray *out)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && gtk_widget_is_visible (widget))
    g_ptr_array_add (out, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect (child, type, out);
}

/* The visible texts of labels and buttons under @widget, joined by '|'. */
static char *
texts_of (GtkWidget *widget)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  g_autoptr(GString) out = g_string_new ("|");

  collect (widget, GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if (gtk_widget_is_drawable (labels->pdata[i]) || gtk_widget_get_mapped (labels->pdata[i]))
      g_string_append_printf (out, "%s|", gtk_label_get_label (labels->pdata[i]));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static GtkWidget *
details_button (Fixture *fixture)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();
  GtkWidget *details;

  collect (GTK_WIDGET (fixture->page), CP_TYPE_APP_DETAILS_PAGE, found);
  g_assert_cmpuint (found->len, ==, 1);
  details = found->pdata[0];
  g_ptr_array_set_size (found, 0);
  collect (details, CP_TYPE_INSTALL_BUTTON, found);
  g_assert_cmpuint (found->len, ==, 1);
  return found->pdata[0];
}

static GtkButton *
button_labelled (GtkWidget  *root,
                 const char *label)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

  collect (root, GTK_TYPE_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_label (buttons->pdata[i]), label) == 0)
      return buttons->pdata[i];
  return NULL;
}

/* Tests */

static void
test_paging_sort_and_duplicates (Fixture       *fixture,
                                 gconstpointer  data)
{
  add_apps (fixture, 150);
  open_page (fixture, FALSE);

  /* 156 entries in 4 pages; the duplicate and the broken one are dropped. */
  g_assert_cmpuint (fixture->n_requests, ==, 4);
  g_assert_cmpuint (n_results (fixture), ==, 154);
  /* Required first (by name), then featured, then by name. */
  g_assert_cmpstr (result_id (fixture, 0), ==, "org.example.Installed");
  g_assert_cmpstr (result_id (fixture, 1), ==, "org.example.Zeta");
  g_assert_cmpstr (result_id (fixture, 2), ==, "org.example.Alpha");
  g_assert_cmpstr (result_id (fixture, 3), ==, "org.example.Beta");
  g_assert_cmpstr (result_id (fixture, 4), ==, "org.example.Filler00000");
  g_assert_cmpstr (result_id (fixture, 153), ==, "org.example.Filler00149");
  g_assert_cmpstr (cp_apps_page_get_view (fixture->page), ==, "browse");
}

static void
test_search_and_categories (Fixture       *fixture,
                            gconstpointer  data)
{
  CpStateView *results;
  g_autoptr(GPtrArray) views = g_ptr_array_new ();

  add_apps (fixture, 60);
  open_page (fixture, FALSE);

  /* By keyword, by publisher (accents and case do not matter), by name. */
  cp_apps_page_set_search (fixture->page, "spreadsheet");
  g_assert_cmpuint (n_results (fixture), ==, 1);
  g_assert_cmpstr (result_id (fixture, 0), ==, "org.example.Beta");
  cp_apps_page_set_search (fixture->page, "ÀCME");
  g_assert_cmpuint (n_results (fixture), ==, 1);
  /* Words match anywhere: Tool 00001 and Tool 00010..00019. */
  cp_apps_page_set_search (fixture->page, "tool 0001");
  g_assert_cmpuint (n_results (fixture), ==, 11);
  cp_apps_page_set_search (fixture->page, "tool 00010");
  g_assert_cmpuint (n_results (fixture), ==, 1);
  cp_apps_page_set_search (fixture->page, "tool");
  g_assert_cmpuint (n_results (fixture), ==, 61);
  g_assert_cmpstr (result_id (fixture, 0), ==, "org.example.Installed");

  /* Category and search together. */
  g_assert_true (cp_apps_page_set_category (fixture->page, "Utility"));
  g_assert_cmpuint (n_results (fixture), ==, 31);
  cp_apps_page_set_search (fixture->page, "odd");
  g_assert_cmpuint (n_results (fixture), ==, 0);
  g_assert_false (cp_apps_page_set_category (fixture->page, "Games"));

  /* No result: the empty search state, not an empty list. */
  collect (GTK_WIDGET (fixture->page), CP_TYPE_STATE_VIEW, views);
  g_assert_cmpuint (views->len, ==, 2);
  results = views->pdata[1];
  g_assert_cmpstr (cp_state_view_get_state (results), ==, "empty");
  cp_apps_page_set_search (fixture->page, "");
  g_assert_cmpuint (n_results (fixture), ==, 31);
  g_assert_cmpstr (cp_state_view_get_state (results), ==, "content");
  cp_apps_page_set_category (fixture->page, NULL);
  g_assert_cmpuint (n_results (fixture), ==, 64);
}

/* CPU time of this thread: what a keystroke costs, whatever else the
 * machine is busy with (wall time on a loaded test machine is not). */
static double
thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
test_filter_speed (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *typed[] = { "t", "to", "too", "tool", "tool ", "tool 1", "tool 12", "tool 123", "tool 12",
                          "od", "odd", "spread", "x", "" };
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  double median;

  add_apps (fixture, 20000);
  fixture->page_size = 500;
  open_page (fixture, FALSE);
  g_assert_cmpuint (n_results (fixture), ==, 20004);
  for (guint i = 0; i < G_N_ELEMENTS (typed); i++)
    {
      double start = thread_cpu_ms ();
      double ms;

      cp_apps_page_set_search (fixture->page, typed[i]);
      (void) n_results (fixture);
      ms = thread_cpu_ms () - start;
      g_array_append_val (times, ms);
      /* A frame between keystrokes, as when someone types. */
      app_test_iterate_for (20);
    }
  g_assert_cmpuint (n_results (fixture), ==, 20004);
  g_array_sort (times, compare_doubles);
  median = g_array_index (times, double, times->len / 2);
  g_test_message ("filtering 20,004 apps: median %.2f ms CPU per keystroke, worst %.2f ms",
                  median, g_array_index (times, double, times->len - 1));
  /* The `asan` test setup sets this: unwinding every allocation makes a
   * keystroke ten times slower, which says nothing about the window. */
  if (g_getenv ("CP_TEST_SANITIZERS") != NULL)
    {
      g_test_skip ("A timing test; the results were checked, the time is not under sanitizers");
      return;
    }
  /* One frame is 16 ms. */
  g_assert_cmpfloat (median, <, 16.0);
}

static void
test_details_and_methods (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *texts = NULL;
  GtkWidget *button;

  add_apps (fixture, 0);
  open_page (fixture, FALSE);

  cp_apps_page_show_app (fixture->page, "org.example.Zeta");
  g_assert_cmpstr (cp_apps_page_get_view (fixture->page), ==, "details");
  app_test_iterate_for (50);
  texts = texts_of (GTK_WIDGET (fixture->page));
  g_assert_nonnull (strstr (texts, "|Zeta Agent|"));
  g_assert_nonnull (strstr (texts, "|Keeps the fleet healthy.|"));
  g_assert_nonnull (strstr (texts, "|2.1|"));
  g_assert_nonnull (strstr (texts, "|3.1\u00a0MB|"));
  g_assert_nonnull (strstr (texts, "|MIT|"));
  g_assert_nonnull (strstr (texts, "|System|"));
  g_assert_nonnull (strstr (texts, "Yes, your organisation requires this app"));
  g_assert_nonnull (strstr (texts, "Flatpak, installed by Company Portal"));
  /* No agent on this bus: a Flatpak app says so and cannot be installed. */
  g_assert_nonnull (strstr (texts, "needs the Company Portal agent"));
  g_assert_nonnull (strstr (texts, "|Permissions are shown when the Company Portal agent is running|"));
  button = details_button (fixture);
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (button_labelled (button, "Install"))));

  /* Hand-off and web apps work without an agent. */
  cp_apps_page_show_app (fixture->page, "org.example.Alpha");
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (button_labelled (details_button (fixture), "Install…"))));
  cp_apps_page_show_app (fixture->page, "org.example.Beta");
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (button_labelled (details_button (fixture), "Open"))));
  g_clear_pointer (&texts, g_free);
  /* The details page shows the new app only. */
  texts = texts_of (gtk_widget_get_ancestor (details_button (fixture), CP_TYPE_APP_DETAILS_PAGE));
  g_assert_null (strstr (texts, "Zeta"));
  g_assert_nonnull (strstr (texts, "Web app"));

  /* The required apps are offered, but only the agent could install them. */
  g_assert_true (gtk_widget_get_visible (cp_apps_page_get_required_bar (fixture->page)));
  g_clear_pointer (&texts, g_free);
  texts = texts_of (cp_apps_page_get_required_bar (fixture->page));
  g_assert_nonnull (strstr (texts, "requires 2 apps that need the Company Portal agent"));
}

static void
emit_job (Fixture    *fixture,
          const char *state,
          double      fraction,
          guint64     done,
          guint64     total,
          const char *message)
{
  cp_agent_dbus_agent1_installer_emit_job_changed (fixture->agent, "job-1", "org.example.Zeta", state,
                                                   fraction, done, total, message != NULL ? message : "");
  app_test_iterate_for (100);
}

static gboolean
app_requested (Fixture *fixture)
{
  return fixture->n_app_requests > 0;
}

static gboolean
install_sent (Fixture *fixture)
{
  return fixture->installed_json != NULL;
}

static gboolean
retry_offered (Fixture *fixture)
{
  return button_labelled (details_button (fixture), "Retry") != NULL;
}

static void
test_install_through_agent (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *texts = NULL;
  g_autofree char *expected_json = NULL;
  GtkWidget *button;

  add_apps (fixture, 0);
  open_page (fixture, TRUE);

  /* ListInstalled said one of the two required apps is there. */
  texts = texts_of (cp_apps_page_get_required_bar (fixture->page));
  g_assert_nonnull (strstr (texts, "requires an app that is not installed"));
  g_assert_nonnull (button_labelled (cp_apps_page_get_required_bar (fixture->page), "Install 1 Required App"));
  /* Opening the details asks for the permissions (with the entry). */
  fixture->n_app_requests = 0;
  cp_apps_page_show_app (fixture->page, "org.example.Installed");
  g_assert_nonnull (button_labelled (details_button (fixture), "Open"));
  g_assert_nonnull (button_labelled (details_button (fixture), "Remove"));
  spin_until (app_requested, fixture);

  fixture->n_app_requests = 0;
  cp_apps_page_show_app (fixture->page, "org.example.Zeta");
  button = details_button (fixture);
  spin_until (app_requested, fixture);
  fixture->n_app_requests = 0;
  g_signal_emit_by_name (button_labelled (button, "Install"), "clicked");
  spin_until (install_sent, fixture);
  /* The agent got the entry exactly as GET /v1/apps/{id} sent it. */
  g_assert_cmpuint (fixture->n_app_requests, ==, 1);
  expected_json = g_strdup (fixture->items->pdata[1]);
  g_assert_nonnull (fixture->installed_json);
  {
    g_autoptr(JsonNode) a = json_from_string (expected_json, NULL);
    g_autoptr(JsonNode) b = json_from_string (fixture->installed_json, NULL);

    g_assert_true (json_node_equal (a, b));
  }

  emit_job (fixture, "downloading", 0.25, 1048576, 4194304, NULL);
  g_clear_pointer (&texts, g_free);
  texts = texts_of (button);
  g_assert_nonnull (strstr (texts, "1.0\u00a0MB of 4.2\u00a0MB (25%)"));
  g_assert_null (button_labelled (button, "Install"));
  g_signal_emit_by_name (button_labelled (button, "Cancel"), "clicked");
  app_test_iterate_for (100);
  g_assert_cmpuint (fixture->n_cancels, ==, 1);

  /* The agent's outcome decides: a failure shows the reason and Retry. */
  emit_job (fixture, "failed", 0.3, 0, 0, "The remote could not be reached");
  g_clear_pointer (&texts, g_free);
  texts = texts_of (button);
  g_assert_nonnull (strstr (texts, "Installation failed: The remote could not be reached"));
  g_assert_nonnull (button_labelled (button, "Retry"));

  emit_job (fixture, "installing", 0.9, 0, 0, NULL);
  g_assert_null (button_labelled (button, "Open"));
  emit_job (fixture, "installed", 1.0, 0, 0, NULL);
  g_assert_nonnull (button_labelled (button, "Open"));
  g_assert_nonnull (button_labelled (button, "Remove"));
  g_assert_false (gtk_widget_get_visible (cp_apps_page_get_required_bar (fixture->page)));
}

/* The entry cannot be fetched: the button was busy, then says why, with Retry. */
static void
test_install_entry_fails (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *texts = NULL;
  GtkWidget *button;

  add_apps (fixture, 0);
  open_page (fixture, TRUE);
  cp_apps_page_show_app (fixture->page, "org.example.Zeta");
  button = details_button (fixture);

  /* Busy while the request runs: no Install, a Cancel that stops it. */
  fixture->fail_app = TRUE;
  g_signal_emit_by_name (button_labelled (button, "Install"), "clicked");
  texts = texts_of (button);
  g_assert_nonnull (strstr (texts, "Getting the app’s details…"));
  g_assert_null (button_labelled (button, "Install"));
  g_signal_emit_by_name (button_labelled (button, "Cancel"), "clicked");
  g_assert_nonnull (button_labelled (button, "Install"));
  app_test_iterate_for (200);
  g_assert_null (fixture->installed_json);

  g_signal_emit_by_name (button_labelled (button, "Install"), "clicked");
  spin_until (retry_offered, fixture);
  g_clear_pointer (&texts, g_free);
  texts = texts_of (button);
  g_test_message ("%s", texts);
  g_assert_nonnull (strstr (texts, "Installation failed: The app’s details could not be fetched from the server"));
  g_assert_nonnull (button_labelled (button, "Retry"));
  g_assert_null (fixture->installed_json);
  g_assert_cmpuint (fixture->n_cancels, ==, 0);

  /* The server is back: Retry installs. */
  fixture->fail_app = FALSE;
  g_signal_emit_by_name (button_labelled (button, "Retry"), "clicked");
  spin_until (install_sent, fixture);
  g_assert_null (button_labelled (button, "Retry"));
}

/* The required-apps bar fetches each missing app's entry. */
static void
test_install_required (Fixture       *fixture,
                       gconstpointer  data)
{
  add_apps (fixture, 0);
  open_page (fixture, TRUE);
  fixture->n_app_requests = 0;
  g_signal_emit_by_name (button_labelled (cp_apps_page_get_required_bar (fixture->page), "Install 1 Required App"),
                         "clicked");
  spin_until (install_sent, fixture);
  g_assert_cmpuint (fixture->n_app_requests, ==, 1);
  g_assert_nonnull (strstr (fixture->installed_json, "org.example.Zeta"));
}

static char *
permissions_texts (Fixture *fixture)
{
  return texts_of (gtk_widget_get_ancestor (details_button (fixture), CP_TYPE_APP_DETAILS_PAGE));
}

static gboolean
awaited_text_shown (Fixture *fixture)
{
  g_autofree char *texts = permissions_texts (fixture);

  return strstr (texts, fixture->awaited_text) != NULL;
}

/* The details page's texts once they contain @needle. */
static char *
wait_for_permissions_text (Fixture    *fixture,
                           const char *needle)
{
  fixture->awaited_text = needle;
  spin_until (awaited_text_shown, fixture);
  return permissions_texts (fixture);
}

/* Permissions before the install, in plain words, from the agent. */
static void
test_permissions (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *texts = NULL;
  g_autofree char *first = NULL;

  add_apps (fixture, 0);
  open_page (fixture, TRUE);
  cp_apps_page_show_app (fixture->page, "org.example.Zeta");
  first = permissions_texts (fixture);
  g_assert_nonnull (strstr (first, "|Reading the permissions…|"));
  texts = wait_for_permissions_text (fixture, "|Network access|");
  g_test_message ("%s", texts);
  g_assert_nonnull (strstr (texts, "|Your home folder|"));
  g_assert_nonnull (strstr (texts, "|Your Downloads folder (read-only)|"));
  g_assert_nonnull (strstr (texts, "|Can talk to: org.freedesktop.secrets|"));
  g_assert_null (strstr (texts, "Reading the permissions"));
  /* The agent was given the server's entry for the app. */
  g_assert_nonnull (fixture->permissions_json);
  {
    g_autoptr(JsonNode) a = json_from_string (fixture->items->pdata[1], NULL);
    g_autoptr(JsonNode) b = json_from_string (fixture->permissions_json, NULL);

    g_assert_true (json_node_equal (a, b));
  }

  /* Not a Flatpak app: no permissions group. */
  cp_apps_page_show_app (fixture->page, "org.example.Beta");
  app_test_iterate_for (50);
  g_clear_pointer (&texts, g_free);
  texts = permissions_texts (fixture);
  g_assert_null (strstr (texts, "Network access"));
  g_assert_null (strstr (texts, "|Permissions|"));

  /* The agent cannot read them: said so, with the reason. */
  fixture->permissions_fail = TRUE;
  cp_apps_page_show_app (fixture->page, "org.example.Zeta");
  g_clear_pointer (&texts, g_free);
  texts = wait_for_permissions_text (fixture, "|Could not read permissions|");
  g_assert_nonnull (strstr (texts, "cannot be reached"));
  g_assert_null (strstr (texts, "Network access"));
}

/* Required, Featured, All Apps as headed sections; one list while searching. */
static void
test_sections (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *texts = NULL;

  add_apps (fixture, 5);
  open_page (fixture, FALSE);
  app_test_iterate_for (100);
  texts = texts_of (GTK_WIDGET (fixture->page));
  g_test_message ("%s", texts);
  g_assert_nonnull (strstr (texts, "|Required|Installed Tool|"));
  g_assert_nonnull (strstr (texts, "|Featured|Alpha Notes|"));
  g_assert_nonnull (strstr (texts, "|All Apps|Beta Sheets|"));
  g_assert_true (strstr (texts, "|Required|Installed Tool|") < strstr (texts, "|Featured|Alpha Notes|"));
  g_assert_true (strstr (texts, "|Featured|Alpha Notes|") < strstr (texts, "|All Apps|"));

  /* A category with no required app: that section is hidden. */
  g_assert_true (cp_apps_page_set_category (fixture->page, "Office"));
  app_test_iterate_for (100);
  g_clear_pointer (&texts, g_free);
  texts = texts_of (GTK_WIDGET (fixture->page));
  g_test_message ("%s", texts);
  /* (Rows carry "Required" and "Featured" badges after the name.) */
  g_assert_null (strstr (texts, "Installed Tool"));
  g_assert_null (strstr (texts, "|Required|Install|"));
  g_assert_nonnull (strstr (texts, "|Featured|Alpha Notes|"));
  g_assert_nonnull (strstr (texts, "|All Apps|Beta Sheets|"));
  cp_apps_page_set_category (fixture->page, NULL);

  /* Searching: one list of results, no headings. */
  cp_apps_page_set_search (fixture->page, "o");
  app_test_iterate_for (100);
  g_clear_pointer (&texts, g_free);
  texts = texts_of (GTK_WIDGET (fixture->page));
  g_test_message ("%s", texts);
  g_assert_null (strstr (texts, "|Required|Installed Tool|"));
  g_assert_null (strstr (texts, "|All Apps|"));
  g_assert_null (strstr (texts, "|Featured|Alpha Notes|"));
  g_assert_nonnull (strstr (texts, "|Installed Tool|"));
  cp_apps_page_set_search (fixture->page, "");
  app_test_iterate_for (100);
  g_clear_pointer (&texts, g_free);
  texts = texts_of (GTK_WIDGET (fixture->page));
  g_assert_nonnull (strstr (texts, "|Required|Installed Tool|"));
}

/* The category filter: a menu button whose menu is built when first opened */

static GtkMenuButton *
category_button (Fixture *fixture)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  collect (GTK_WIDGET (fixture->page), GTK_TYPE_MENU_BUTTON, found);
  g_assert_cmpuint (found->len, ==, 1);
  return found->pdata[0];
}

/* The button shows @shown; its inner toggle button (what takes the focus in
 * GTK 4.8) is named as the category filter and describes what it shows. */
static void
assert_category_shown (Fixture    *fixture,
                       const char *shown)
{
  GtkMenuButton *button = category_button (fixture);
  GtkWidget *toggle = gtk_widget_get_first_child (GTK_WIDGET (button));

  g_assert_cmpstr (gtk_menu_button_get_label (button), ==, shown);
  g_assert_true (GTK_IS_TOGGLE_BUTTON (toggle));
  gtk_test_accessible_assert_property (toggle, GTK_ACCESSIBLE_PROPERTY_LABEL, "Category");
  gtk_test_accessible_assert_property (toggle, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, shown);
}

/* Opens the menu and returns its items (GtkModelButtons, private to GTK:
 * read through their properties), checking each is a radio item; @shown
 * gets "|name|name*|" (* = checked). */
static GPtrArray *
open_category_menu (Fixture  *fixture,
                    GString  *shown)
{
  GtkMenuButton *button = category_button (fixture);
  GPtrArray *items = g_ptr_array_new ();
  GType model_button = g_type_from_name ("GtkModelButton");
  GEnumValue *radio;

  gtk_menu_button_popup (button);
  app_test_iterate_for (100);
  g_assert_nonnull (gtk_menu_button_get_popover (button));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (gtk_menu_button_get_popover (button))));
  g_assert_true (model_button != G_TYPE_INVALID);
  collect (GTK_WIDGET (gtk_menu_button_get_popover (button)), model_button, items);
  radio = g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (g_object_class_find_property (g_type_class_peek (model_button),
                                                                                     "role"))->enum_class, "radio");
  g_assert_nonnull (radio);
  g_string_assign (shown, "|");
  for (guint i = 0; i < items->len; i++)
    {
      g_autofree char *text = NULL;
      gboolean active;
      int role;

      g_object_get (items->pdata[i], "text", &text, "active", &active, "role", &role, NULL);
      g_assert_cmpint (role, ==, radio->value);
      g_string_append_printf (shown, "%s%s|", text, active ? "*" : "");
    }
  return items;
}

/* Clicks the item named @text (the popover then closes). */
static void
pick_category (Fixture    *fixture,
               const char *text)
{
  g_autoptr(GString) shown = g_string_new (NULL);
  g_autoptr(GPtrArray) items = open_category_menu (fixture, shown);
  GtkWidget *popover = GTK_WIDGET (gtk_menu_button_get_popover (category_button (fixture)));

  for (guint i = 0; i < items->len; i++)
    {
      g_autofree char *item_text = NULL;

      g_object_get (items->pdata[i], "text", &item_text, NULL);
      if (g_str_equal (item_text, text))
        {
          g_signal_emit_by_name (items->pdata[i], "clicked");
          app_test_iterate_for (100);
          g_assert_false (gtk_widget_get_visible (popover));
          return;
        }
    }
  g_error ("no item %s in the category menu: %s", text, shown->str);
}

static gboolean
apps_and_categories_asked (Fixture *fixture)
{
  return fixture->n_requests > 0 && fixture->n_category_requests > 0;
}

/* Reloads and waits until both the apps and the categories were answered. */
static void
reload_page (Fixture *fixture)
{
  fixture->n_requests = fixture->n_category_requests = 0;
  cp_apps_page_reload (fixture->page);
  spin_until (apps_and_categories_asked, fixture);
  app_test_iterate_for (200);
}

/* /v1/categories names the categories; the ones no app uses are left out. */
static void
test_server_categories (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GString) shown = g_string_new (NULL);
  g_autoptr(GPtrArray) items = NULL;
  GtkMenuButton *button;

  fixture->serve_categories = TRUE;
  add_apps (fixture, 2);
  open_page (fixture, FALSE);
  app_test_iterate_for (200);
  button = category_button (fixture);
  assert_category_shown (fixture, "All Categories");
  /* Not built until opened. */
  g_assert_null (gtk_menu_button_get_popover (button));

  items = open_category_menu (fixture, shown);
  /* The server's order and names, then what it did not list (no Games: no app). */
  g_assert_cmpstr (shown->str, ==, "|All Categories*|Tools|Office & Writing|Development|System|");
  gtk_menu_button_popdown (button);
  g_assert_true (cp_apps_page_set_category (fixture->page, "Office"));
  g_assert_cmpuint (n_results (fixture), ==, 2);
  assert_category_shown (fixture, "Office & Writing");
  g_assert_false (cp_apps_page_set_category (fixture->page, "Game"));
  assert_category_shown (fixture, "Office & Writing");
}

/* Picking in the menu filters the list (with the search too) and the button says what is picked. */
static void
test_category_menu (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GString) shown = g_string_new (NULL);
  g_autoptr(GPtrArray) items = NULL;
  GtkMenuButton *button;

  add_apps (fixture, 4);
  open_page (fixture, FALSE);
  button = category_button (fixture);
  g_assert_true (gtk_menu_button_get_always_show_arrow (button));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (button)), ==, "Category");
  g_assert_null (gtk_menu_button_get_popover (button));
  g_assert_cmpuint (n_results (fixture), ==, 8);

  /* Without /v1/categories: the apps' own ids, by name. */
  pick_category (fixture, "Office");
  assert_category_shown (fixture, "Office");
  g_assert_cmpuint (n_results (fixture), ==, 2);
  g_assert_cmpstr (result_id (fixture, 0), ==, "org.example.Alpha");
  g_assert_cmpstr (result_id (fixture, 1), ==, "org.example.Beta");
  items = open_category_menu (fixture, shown);
  g_assert_cmpstr (shown->str, ==, "|All Categories|Development|Office*|System|Utility|");
  gtk_menu_button_popdown (button);

  /* With the search: both apply. */
  cp_apps_page_set_search (fixture->page, "acme");
  g_assert_cmpuint (n_results (fixture), ==, 1);
  pick_category (fixture, "Utility");
  assert_category_shown (fixture, "Utility");
  g_assert_cmpuint (n_results (fixture), ==, 0);
  cp_apps_page_set_search (fixture->page, "");
  /* Installed Tool and the even fillers. */
  g_assert_cmpuint (n_results (fixture), ==, 3);

  /* cp_apps_page_set_category() checks the item as the menu would. */
  g_assert_true (cp_apps_page_set_category (fixture->page, "System"));
  g_clear_pointer (&items, g_ptr_array_unref);
  items = open_category_menu (fixture, shown);
  g_assert_cmpstr (shown->str, ==, "|All Categories|Development|Office|System*|Utility|");
  gtk_menu_button_popdown (button);
  assert_category_shown (fixture, "System");

  pick_category (fixture, "All Categories");
  assert_category_shown (fixture, "All Categories");
  g_assert_cmpuint (n_results (fixture), ==, 8);
}

/* A reload keeps the category while an app still has it, else shows all; the menu follows. */
static void
test_category_reload (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GString) shown = g_string_new (NULL);
  g_autoptr(GPtrArray) items = NULL;

  fixture->serve_categories = TRUE;
  add_apps (fixture, 2);
  open_page (fixture, FALSE);
  pick_category (fixture, "System");
  g_assert_cmpuint (n_results (fixture), ==, 1);

  reload_page (fixture);
  assert_category_shown (fixture, "System");
  g_assert_cmpuint (n_results (fixture), ==, 1);
  g_assert_cmpstr (result_id (fixture, 0), ==, "org.example.Zeta");

  /* Zeta Agent, the only System app, leaves the catalog. */
  for (guint i = 0; i < fixture->items->len; i++)
    if (strstr (fixture->items->pdata[i], "\"org.example.Zeta\"") != NULL)
      g_ptr_array_remove_index (fixture->items, i--);
  reload_page (fixture);
  assert_category_shown (fixture, "All Categories");
  g_assert_cmpuint (n_results (fixture), ==, 5);
  items = open_category_menu (fixture, shown);
  g_assert_cmpstr (shown->str, ==, "|All Categories*|Tools|Office & Writing|Development|");
  g_assert_false (cp_apps_page_set_category (fixture->page, "System"));
}

static void
test_server_fails_mid_catalog (Fixture       *fixture,
                               gconstpointer  data)
{
  CpStateView *state;

  add_apps (fixture, 100);
  fixture->fail_second_page = TRUE;
  open_page (fixture, FALSE);

  state = CP_STATE_VIEW (adw_bin_get_child (ADW_BIN (fixture->page)));
  g_assert_cmpstr (cp_state_view_get_state (state), ==, "error");
  g_assert_cmpuint (fixture->n_requests, ==, 2);
}

static gboolean
icon_done (Fixture *fixture)
{
  return fixture->n_icon_requests > 0;
}

/* How many images under @root of @pixel_size show an icon, and how many
 * show the placeholder; each icon's texture is @pixel_size device pixels
 * (the served icon's size at most: never scaled up). */
static guint
count_icons (GtkWidget *root,
             int        pixel_size,
             guint     *placeholders)
{
  g_autoptr(GPtrArray) images = g_ptr_array_new ();
  guint n = 0;

  collect (root, GTK_TYPE_IMAGE, images);
  for (guint i = 0; i < images->len; i++)
    {
      GtkImage *image = images->pdata[i];
      int device_pixels = MIN (pixel_size * gtk_widget_get_scale_factor (GTK_WIDGET (image)), ICON_PIXELS);
      GdkPaintable *paintable;

      if (gtk_image_get_pixel_size (image) != pixel_size)
        continue;
      if (gtk_image_get_storage_type (image) != GTK_IMAGE_PAINTABLE)
        {
          *placeholders += 1;
          continue;
        }
      paintable = gtk_image_get_paintable (image);
      g_assert_true (GDK_IS_TEXTURE (paintable));
      g_assert_cmpint (gdk_texture_get_width (GDK_TEXTURE (paintable)), ==, device_pixels);
      g_assert_cmpint (gdk_texture_get_height (GDK_TEXTURE (paintable)), ==, device_pixels);
      n++;
    }
  return n;
}

static gboolean
row_icons_shown (Fixture *fixture)
{
  guint placeholders = 0;

  return count_icons (GTK_WIDGET (fixture->page), 48, &placeholders) > 0 && placeholders == 0;
}

static gboolean
details_icon_shown (Fixture *fixture)
{
  guint placeholders = 0;

  return count_icons (GTK_WIDGET (fixture->page), 96, &placeholders) == 1;
}

static void
test_icon_cache (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (g_get_tmp_dir (), "cp-test-icons-XXXXXX", NULL);
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  guint64 one_icon = g_bytes_get_size (fixture->png);

  g_assert_nonnull (g_mkdtemp (dir));
  /* Room for two icons. */
  {
    g_autoptr(CpIconCache) cache = cp_icon_cache_new (fixture->session, dir, one_icon * 2 + one_icon / 2);

    for (guint i = 0; i < 4; i++)
      {
        g_autoptr(GdkTexture) texture = NULL;

        g_free (url);
        url = g_strdup_printf ("%s/v1/apps/app%u/icon", fixture->base, i);
        texture = app_test_load_icon (cache, url, 48, &error);
        g_assert_no_error (error);
        g_assert_cmpint (gdk_texture_get_width (texture), ==, 48);
      }
    g_assert_cmpuint (fixture->n_icon_requests, ==, 4);
    /* Within the bound. */
    {
      g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
      guint n = 0;

      while (g_dir_read_name (d) != NULL)
        n++;
      g_assert_cmpuint (n, ==, 2);
    }
    /* In memory: no request. */
    g_assert_nonnull (cp_icon_cache_lookup (cache, url, 48));
    g_assert_null (cp_icon_cache_lookup (cache, url, 96));
    /* Not an image, not http: errors, never a crash. */
    g_assert_null (app_test_load_icon (cache, "file:///etc/passwd", 48, &error));
    g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
    g_clear_error (&error);
  }
  /* A new cache (a new start of the window) reads the disk: no request. */
  {
    g_autoptr(CpIconCache) cache = cp_icon_cache_new (fixture->session, dir, CP_ICON_CACHE_DEFAULT_BOUND);
    g_autoptr(GdkTexture) texture = app_test_load_icon (cache, url, 96, &error);

    g_assert_no_error (error);
    g_assert_cmpint (gdk_texture_get_width (texture), ==, 96);
    g_assert_cmpuint (fixture->n_icon_requests, ==, 4);
  }
  cp_test_remove_tree (dir);

  /* The page's rows show icons at their size, 48 px... */
  fixture->n_icon_requests = 0;
  add_apps (fixture, 3);
  open_page (fixture, FALSE);
  spin_until (row_icons_shown, fixture);
  g_assert_cmpuint (fixture->n_icon_requests, >, 0);
  g_assert_cmpuint (app_test_count_files (fixture->icons_dir), ==, fixture->n_icon_requests);
  /* ...and the details page at 96 px, from the same download and file. */
  {
    guint requests = fixture->n_icon_requests;

    cp_apps_page_show_app (fixture->page, "org.example.Zeta");
    spin_until (details_icon_shown, fixture);
    g_assert_cmpuint (fixture->n_icon_requests, ==, requests);
    g_assert_cmpuint (app_test_count_files (fixture->icons_dir), ==, requests);
  }
}

/* Every icon shown at @pixel_size, decoded for the wanted scale factor (the
 * served icon's size at most). */
static gboolean
icons_at_wanted_scale (Fixture *fixture,
                       int      pixel_size)
{
  g_autoptr(GPtrArray) images = g_ptr_array_new ();
  guint n = 0;

  collect (GTK_WIDGET (fixture->page), GTK_TYPE_IMAGE, images);
  for (guint i = 0; i < images->len; i++)
    {
      GtkImage *image = images->pdata[i];

      if (gtk_image_get_pixel_size (image) != pixel_size || !gtk_widget_get_mapped (GTK_WIDGET (image)))
        continue;
      if (gtk_widget_get_scale_factor (GTK_WIDGET (image)) != fixture->wanted_scale ||
          gtk_image_get_storage_type (image) != GTK_IMAGE_PAINTABLE ||
          gdk_texture_get_width (GDK_TEXTURE (gtk_image_get_paintable (image))) !=
            MIN (pixel_size * fixture->wanted_scale, ICON_PIXELS))
        return FALSE;
      n++;
    }
  return n > 0;
}

static gboolean
row_icons_at_wanted_scale (Fixture *fixture)
{
  return icons_at_wanted_scale (fixture, 48);
}

static gboolean
details_icon_at_wanted_scale (Fixture *fixture)
{
  return icons_at_wanted_scale (fixture, 96);
}

/* Sets the desktop's scale and waits until @icons_ready sees the icons
 * decoded for it. */
static void
show_at_scale (Fixture  *fixture,
               int       scale,
               gboolean (*icons_ready) (Fixture *))
{
  fixture->wanted_scale = scale;
  app_test_set_window_scale (scale);
  spin_until (icons_ready, fixture);
}

/* The desktop's scale changes while the window is open: the rows and the
 * details page show their icons decoded again for it, from the file on disk
 * (no new download). */
static void
test_icons_follow_scale (Fixture       *fixture,
                         gconstpointer  data)
{
  guint requests;

  add_apps (fixture, 3);
  open_page (fixture, FALSE);
  show_at_scale (fixture, 1, row_icons_at_wanted_scale);
  requests = fixture->n_icon_requests;
  g_assert_cmpuint (requests, >, 0);

  show_at_scale (fixture, 2, row_icons_at_wanted_scale);
  g_assert_cmpuint (fixture->n_icon_requests, ==, requests);
  show_at_scale (fixture, 1, row_icons_at_wanted_scale);
  g_assert_cmpuint (fixture->n_icon_requests, ==, requests);

  /* The details page's icon, 96 px: 128 device pixels at scale 2, all the
   * served icon has. */
  cp_apps_page_show_app (fixture->page, "org.example.Zeta");
  show_at_scale (fixture, 1, details_icon_at_wanted_scale);
  show_at_scale (fixture, 2, details_icon_at_wanted_scale);
  show_at_scale (fixture, 1, details_icon_at_wanted_scale);
  g_assert_cmpuint (fixture->n_icon_requests, ==, requests);
}

/* GTK 4.8 binds up to 200 rows whatever the height: only those within a
 * screen of the visible part ask for their icon; scrolling brings the rest. */
static void
test_icons_near_view (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) lists = g_ptr_array_new ();
  GtkAdjustment *adjustment;
  guint near;

  add_apps (fixture, 150);
  open_page (fixture, FALSE);
  spin_until (icon_done, fixture);
  app_test_iterate_for (1000);
  near = fixture->n_icon_requests;
  /* 154 apps are bound; a 700 px window shows about nine. */
  g_assert_cmpuint (near, >, 5);
  g_assert_cmpuint (near, <, 60);

  collect (GTK_WIDGET (fixture->page), GTK_TYPE_LIST_VIEW, lists);
  g_assert_cmpuint (lists->len, ==, 1);
  adjustment = gtk_scrollable_get_vadjustment (lists->pdata[0]);
  g_assert_cmpfloat (gtk_adjustment_get_page_size (adjustment), >, 0);
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                        gtk_adjustment_get_page_size (adjustment));
  app_test_iterate_for (1000);
  g_assert_cmpuint (fixture->n_icon_requests, >, near);
}

/* The rows under @widget that are shown, and how many of them are built. */
static guint
count_rows (GtkWidget *widget,
            guint     *n_built,
            guint     *n_mapped_unbuilt,
            GArray    *heights_built,
            int       *height_unbuilt)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  collect (widget, CP_TYPE_APP_ROW, rows);
  *n_built = *n_mapped_unbuilt = 0;
  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = rows->pdata[i];
      gboolean built = gtk_widget_get_first_child (row) != NULL;
      int height = 0;

      *n_built += built;
      if (!built && gtk_widget_get_mapped (row))
        (*n_mapped_unbuilt)++;
      gtk_widget_measure (row, GTK_ORIENTATION_VERTICAL, -1, NULL, &height, NULL, NULL);
      if (built)
        g_array_append_val (heights_built, height);
      else
        *height_unbuilt = height;
    }
  return rows->len;
}

/* GTK 4.8 binds up to 200 rows: only those near the visible part build
 * their widgets, at the height a built row has; scrolling builds the rest. */
static void
test_rows_built_near_view (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GPtrArray) lists = g_ptr_array_new ();
  GtkAdjustment *adjustment;
  guint n_rows, n_built, n_built_before, n_unbuilt_shown;
  g_autoptr(GArray) heights_built = g_array_new (FALSE, FALSE, sizeof (int));
  int height_unbuilt = 0;
  gboolean height_matches = FALSE;
  g_autofree char *texts = NULL;

  add_apps (fixture, 150);
  open_page (fixture, FALSE);
  app_test_iterate_for (1000);
  n_rows = count_rows (GTK_WIDGET (fixture->page), &n_built, &n_unbuilt_shown, heights_built, &height_unbuilt);
  /* 154 apps are bound; a 700 px window shows about nine. */
  g_assert_cmpuint (n_rows, >, 100);
  g_assert_cmpuint (n_built, >, 5);
  g_assert_cmpuint (n_built, <, 30);
  g_assert_cmpuint (n_unbuilt_shown, ==, 0);
  /* Built rows differ by a status line; unbuilt ones stand at one of their heights. */
  for (guint i = 0; i < heights_built->len; i++)
    height_matches |= g_array_index (heights_built, int, i) == height_unbuilt;
  g_assert_cmpint (height_unbuilt, >, 40);
  g_assert_true (height_matches);
  n_built_before = n_built;

  collect (GTK_WIDGET (fixture->page), GTK_TYPE_LIST_VIEW, lists);
  g_assert_cmpuint (lists->len, ==, 1);
  adjustment = gtk_scrollable_get_vadjustment (lists->pdata[0]);
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                        gtk_adjustment_get_page_size (adjustment));
  app_test_iterate_for (1000);
  count_rows (GTK_WIDGET (fixture->page), &n_built, &n_unbuilt_shown, heights_built, &height_unbuilt);
  g_assert_cmpuint (n_built, >, n_built_before);
  g_assert_cmpuint (n_unbuilt_shown, ==, 0);
  /* The last app is on screen, named. */
  texts = texts_of (GTK_WIDGET (fixture->page));
  g_assert_nonnull (strstr (texts, "|Tool 00149|"));
}

/* cp_api_client_list_apps_async(): every parameter reaches the server intact. */
static void
query_handler (SoupServer        *server,
               SoupServerMessage *message,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  GHashTable **seen = user_data;

  *seen = query != NULL ? g_hash_table_ref (query) : g_hash_table_new (g_str_hash, g_str_equal);
  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC, "{\"items\":[]}", 12);
}

static GHashTable *
list_apps (SoupSession *session,
           const char  *base,
           GHashTable **seen,
           const char  *q,
           const char  *category,
           const char  *cursor,
           guint        limit)
{
  g_autoptr(CpApiClient) client = cp_api_client_new (session, base);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) page = NULL;
  g_autoptr(GError) error = NULL;

  cp_api_client_list_apps_async (client, q, category, cursor, limit, NULL, app_test_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  page = cp_api_client_list_apps_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (page, NULL), g_bytes_get_size (page), "{\"items\":[]}", 12);
  return g_steal_pointer (seen);
}

static void
test_list_apps_parameters (void)
{
  GHashTable *seen = NULL;
  g_autofree char *base = NULL;
  g_autoptr(SoupServer) server = cp_test_start_server ("/v1/apps", query_handler, &seen, &base);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GHashTable) query = NULL;

  query = list_apps (session, base, &seen, "a b&c=d #é", "Office/Tools", "x+y/z==", 250);
  g_assert_cmpstr (g_hash_table_lookup (query, "q"), ==, "a b&c=d #é");
  g_assert_cmpstr (g_hash_table_lookup (query, "category"), ==, "Office/Tools");
  g_assert_cmpstr (g_hash_table_lookup (query, "cursor"), ==, "x+y/z==");
  g_assert_cmpstr (g_hash_table_lookup (query, "limit"), ==, "250");
  g_clear_pointer (&query, g_hash_table_unref);

  /* Nothing given: nothing sent. */
  query = list_apps (session, base, &seen, NULL, "", NULL, 0);
  g_assert_cmpuint (g_hash_table_size (query), ==, 0);
}

/* GET /v1/apps/{id} must answer with that app; /v1/categories with items. */
static void
wrong_answers_handler (SoupServer        *server,
                       SoupServerMessage *message,
                       const char        *path,
                       GHashTable        *query,
                       gpointer           user_data)
{
  const char *body = g_str_equal (path, "/v1/categories") ? "[\"Office\"]"
                     : (g_str_equal (path, "/v1/apps/org.example.A%20B") ||
                        g_str_equal (path, "/v1/apps/org.example.A B")) ? "{\"id\":\"org.example.A B\",\"name\":\"AB\"}"
                     : "{\"id\":\"org.example.Other\",\"name\":\"Other\"}";

  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

static void
test_get_app_and_categories_checked (void)
{
  g_autofree char *base = NULL;
  g_autoptr(SoupServer) server = cp_test_start_server (NULL, wrong_answers_handler, NULL, &base);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CpApiClient) client = NULL;
  g_autoptr(GError) error = NULL;
  client = cp_api_client_new (session, base);

  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(JsonNode) node = NULL;

    cp_api_client_get_app_async (client, "org.example.Zeta", NULL, app_test_result_cb, &result);
    while (result == NULL)
      g_main_context_iteration (NULL, TRUE);
    node = cp_api_client_get_app_finish (client, result, &error);
    g_assert_null (node);
    g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
    g_clear_error (&error);
  }
  {
    /* The id is escaped into the path. */
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(JsonNode) node = NULL;

    cp_api_client_get_app_async (client, "org.example.A B", NULL, app_test_result_cb, &result);
    while (result == NULL)
      g_main_context_iteration (NULL, TRUE);
    node = cp_api_client_get_app_finish (client, result, &error);
    g_assert_no_error (error);
    g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  }
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GVariant) categories = NULL;

    cp_api_client_list_categories_async (client, NULL, app_test_result_cb, &result);
    while (result == NULL)
      g_main_context_iteration (NULL, TRUE);
    categories = cp_api_client_list_categories_finish (client, result, &error);
    g_assert_null (categories);
    g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *display = g_strdup (g_getenv ("DISPLAY"));
  int status;

  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  /* The private bus has no accessibility bus; GTK's test context keeps the
   * accessible properties for the tests to read. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  test_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (test_bus);
  /* GTestDBus unsets DISPLAY against X11 autolaunch; our bus is up already. */
  if (display != NULL)
    g_setenv ("DISPLAY", display, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/apps-page/paging-sort-duplicates", test_paging_sort_and_duplicates);
  ADD ("/apps-page/search-and-categories", test_search_and_categories);
  ADD ("/apps-page/filter-speed", test_filter_speed);
  ADD ("/apps-page/details-and-methods", test_details_and_methods);
  ADD ("/apps-page/install-through-agent", test_install_through_agent);
  ADD ("/apps-page/server-fails-mid-catalog", test_server_fails_mid_catalog);
  ADD ("/apps-page/install-entry-fails", test_install_entry_fails);
  ADD ("/apps-page/install-required", test_install_required);
  ADD ("/apps-page/permissions", test_permissions);
  ADD ("/apps-page/sections", test_sections);
  ADD ("/apps-page/server-categories", test_server_categories);
  ADD ("/apps-page/category-menu", test_category_menu);
  ADD ("/apps-page/category-reload", test_category_reload);
  ADD ("/apps-page/icon-cache", test_icon_cache);
  ADD ("/apps-page/icons-near-view", test_icons_near_view);
  ADD ("/apps-page/rows-built-near-view", test_rows_built_near_view);
  /* Last: it leaves an XSETTINGS manager (at scale 1) on the display. */
  ADD ("/apps-page/icons-follow-scale", test_icons_follow_scale);
#undef ADD
  g_test_add_func ("/apps-page/list-apps-parameters", test_list_apps_parameters);
  g_test_add_func ("/apps-page/get-app-and-categories-checked", test_get_app_and_categories_checked);
  status = g_test_run ();
  /* stop, not down (nor unref, which calls down): libadwaita keeps the
   * session bus singleton, which down would wait for in vain. */
  g_test_dbus_stop (test_bus);
  return status;
}
