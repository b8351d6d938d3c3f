/* test-catalog.c: CpApp parsing, search, ordering and the paged CpAppCatalog
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <company-portal.h>

static JsonNode *
parse (const char *json)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static CpApp *
app_from (const char  *json,
          GError     **error)
{
  g_autoptr(JsonNode) node = parse (json);

  return cp_app_new_from_json (node, error);
}

static CpApp *
valid_app (const char *json)
{
  g_autoptr(GError) error = NULL;
  CpApp *app = app_from (json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (app);
  return app;
}

static void
test_full_entry (void)
{
  g_autoptr(CpApp) app = valid_app (
    "{\"id\":\"org.gnome.Calculator\",\"name\":\"Calculator\",\"publisher\":\"GNOME\","
    "\"summary\":\"Sums\",\"description\":\"Long text\",\"version\":\"46.1\",\"size\":4200000,"
    "\"license\":\"GPL-3.0-or-later\",\"categories\":[\"Utility\",\"Office\"],"
    "\"keywords\":[\"math\"],\"iconUrl\":\"https://example.com/i.png\","
    "\"screenshots\":[\"https://example.com/s1.png\",\"/v1/apps/org.gnome.Calculator/s2\"],"
    "\"required\":true,\"featured\":false,"
    "\"install\":{\"type\":\"flatpak\",\"remoteName\":\"flathub\","
    "\"remoteUrl\":\"https://dl.flathub.org/repo/\",\"ref\":\"app/org.gnome.Calculator//stable\","
    "\"gpgKey\":\"AAEC\"}}");

  g_assert_cmpstr (cp_app_get_id (app), ==, "org.gnome.Calculator");
  g_assert_cmpstr (cp_app_get_name (app), ==, "Calculator");
  g_assert_cmpstr (cp_app_get_publisher (app), ==, "GNOME");
  g_assert_cmpstr (cp_app_get_summary (app), ==, "Sums");
  g_assert_cmpstr (cp_app_get_description (app), ==, "Long text");
  g_assert_cmpstr (cp_app_get_version (app), ==, "46.1");
  g_assert_cmpuint (cp_app_get_size (app), ==, 4200000);
  g_assert_cmpstr (cp_app_get_license (app), ==, "GPL-3.0-or-later");
  g_assert_cmpstrv (cp_app_get_categories (app), ((const char *[]) { "Utility", "Office", NULL }));
  g_assert_cmpstrv (cp_app_get_keywords (app), ((const char *[]) { "math", NULL }));
  g_assert_cmpstr (cp_app_get_icon_url (app), ==, "https://example.com/i.png");
  g_assert_cmpuint (g_strv_length ((GStrv) cp_app_get_screenshots (app)), ==, 2);
  g_assert_true (cp_app_get_required (app));
  g_assert_false (cp_app_get_featured (app));
  g_assert_cmpint (cp_app_get_install_method (app), ==, CP_INSTALL_METHOD_FLATPAK);
  g_assert_null (cp_app_get_unsupported_reason (app));
  g_assert_cmpstr (cp_app_get_flatpak_ref (app), ==, "app/org.gnome.Calculator//stable");
  g_assert_cmpstr (cp_app_get_flatpak_remote_name (app), ==, "flathub");
  g_assert_cmpstr (cp_app_get_flatpak_remote_url (app), ==, "https://dl.flathub.org/repo/");
  g_assert_true (cp_app_get_flatpak_gpg_verify (app));
  g_assert_cmpuint (g_bytes_get_size (cp_app_get_flatpak_gpg_key (app)), ==, 3);
}

static void
test_minimal_entry (void)
{
  g_autoptr(CpApp) app = valid_app ("{\"id\":\"x\",\"name\":\"X\",\"publisher\":null,\"summary\":\"\"}");

  g_assert_null (cp_app_get_publisher (app));
  g_assert_null (cp_app_get_summary (app));
  g_assert_null (cp_app_get_icon_url (app));
  g_assert_cmpuint (cp_app_get_size (app), ==, 0);
  g_assert_nonnull (cp_app_get_categories (app));
  g_assert_null (cp_app_get_categories (app)[0]);
  g_assert_null (cp_app_get_screenshots (app)[0]);
  g_assert_false (cp_app_get_required (app));
  g_assert_cmpint (cp_app_get_install_method (app), ==, CP_INSTALL_METHOD_NONE);
  g_assert_nonnull (cp_app_get_unsupported_reason (app));
}

static void
test_rejected_entries (void)
{
  const char *bad[] = {
    "[]",
    "{\"name\":\"No id\"}",
    "{\"id\":\"\",\"name\":\"Empty id\"}",
    "{\"id\":\"a b\",\"name\":\"Space in id\"}",
    "{\"id\":\"../x\",\"name\":\"Path in id\"}",
    "{\"id\":\"x\"}",
    "{\"id\":\"x\",\"name\":42}",
    "{\"id\":\"x\",\"name\":\"X\",\"required\":\"yes\"}",
    "{\"id\":\"x\",\"name\":\"X\",\"featured\":1}",
    "{\"id\":\"x\",\"name\":\"X\",\"size\":-1}",
    "{\"id\":\"x\",\"name\":\"X\",\"size\":\"12 MB\"}",
    "{\"id\":\"x\",\"name\":\"X\",\"categories\":\"Office\"}",
    "{\"id\":\"x\",\"name\":\"X\",\"keywords\":[1,2]}",
    "{\"id\":\"x\",\"name\":\"X\",\"summary\":{}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CpApp) app = app_from (bad[i], &error);

      g_test_message ("%s", bad[i]);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
      g_assert_null (app);
      g_assert_nonnull (error->message);
    }
}

static void
test_sizes (void)
{
  g_autoptr(CpApp) huge = valid_app ("{\"id\":\"x\",\"name\":\"X\",\"size\":9000000000000000000}");
  g_autoptr(CpApp) float_huge = valid_app ("{\"id\":\"x\",\"name\":\"X\",\"size\":1e300}");
  g_autoptr(CpApp) fraction = valid_app ("{\"id\":\"x\",\"name\":\"X\",\"size\":10.5}");
  g_autoptr(CpApp) limit = valid_app ("{\"id\":\"x\",\"name\":\"X\",\"size\":1099511627776}");
  g_autoptr(CpApp) over = valid_app ("{\"id\":\"x\",\"name\":\"X\",\"size\":1099511627777}");

  g_assert_cmpuint (cp_app_get_size (huge), ==, 0);
  g_assert_cmpuint (cp_app_get_size (float_huge), ==, 0);
  g_assert_cmpuint (cp_app_get_size (fraction), ==, 0);
  g_assert_cmpuint (cp_app_get_size (limit), ==, CP_APP_MAX_SIZE);
  g_assert_cmpuint (cp_app_get_size (over), ==, 0);
}

static void
test_image_urls (void)
{
  g_autoptr(CpApp) app = valid_app (
    "{\"id\":\"x\",\"name\":\"X\",\"iconUrl\":\"javascript:alert(1)\","
    "\"screenshots\":[\"file:///etc/passwd\",\"//evil.example/x\",\"/ok/shot.png\",\"not a url\"]}");
  g_autoptr(CpApp) relative = valid_app ("{\"id\":\"x\",\"name\":\"X\",\"iconUrl\":\"/v1/apps/x/icon\"}");

  g_assert_null (cp_app_get_icon_url (app));
  g_assert_cmpstrv (cp_app_get_screenshots (app), ((const char *[]) { "/ok/shot.png", NULL }));
  g_assert_cmpstr (cp_app_get_icon_url (relative), ==, "/v1/apps/x/icon");
}

static void
assert_method (const char      *install,
               CpInstallMethod  expected)
{
  g_autofree char *json = g_strdup_printf ("{\"id\":\"x\",\"name\":\"X\",\"install\":%s}", install);
  g_autoptr(CpApp) app = valid_app (json);

  g_test_message ("%s", install);
  g_assert_cmpint (cp_app_get_install_method (app), ==, expected);
  if (expected == CP_INSTALL_METHOD_NONE)
    g_assert_nonnull (cp_app_get_unsupported_reason (app));
  else
    g_assert_null (cp_app_get_unsupported_reason (app));
}

static void
test_install_methods (void)
{
  g_autoptr(CpApp) web = NULL;
  g_autoptr(CpApp) handoff = NULL;
  g_autoptr(CpApp) unverified = NULL;

  assert_method ("{\"type\":\"web\",\"url\":\"https://mail.example.com\"}", CP_INSTALL_METHOD_WEB);
  assert_method ("{\"type\":\"web\",\"url\":\"javascript:alert(1)\"}", CP_INSTALL_METHOD_NONE);
  assert_method ("{\"type\":\"web\"}", CP_INSTALL_METHOD_NONE);
  assert_method ("{\"type\":\"handoff\",\"uri\":\"appstream://org.gnome.Maps\"}", CP_INSTALL_METHOD_HANDOFF);
  assert_method ("{\"type\":\"handoff\",\"uri\":\"https://dl.example.com/x.flatpakref\"}", CP_INSTALL_METHOD_HANDOFF);
  assert_method ("{\"type\":\"handoff\",\"uri\":\"file:///tmp/x\"}", CP_INSTALL_METHOD_NONE);
  assert_method ("{\"type\":\"snap\",\"name\":\"x\"}", CP_INSTALL_METHOD_NONE);
  assert_method ("{\"type\":42}", CP_INSTALL_METHOD_NONE);
  assert_method ("\"flatpak\"", CP_INSTALL_METHOD_NONE);
  assert_method ("{\"type\":\"flatpak\",\"remoteName\":\"r\"}", CP_INSTALL_METHOD_NONE);
  assert_method ("{\"type\":\"flatpak\",\"remoteName\":\"r\",\"ref\":\"org.x.Y\"}", CP_INSTALL_METHOD_NONE);
  assert_method ("{\"type\":\"flatpak\",\"remoteName\":\"r\",\"ref\":\"runtime/org.x.Y/x86_64/1\"}",
                 CP_INSTALL_METHOD_NONE);
  assert_method ("{\"type\":\"flatpak\",\"ref\":\"app/org.x.Y//stable\"}", CP_INSTALL_METHOD_NONE);
  assert_method ("{\"type\":\"flatpak\",\"remoteName\":\"r\",\"ref\":\"app/org.x.Y//stable\","
                 "\"remoteUrl\":\"ftp://x\"}", CP_INSTALL_METHOD_NONE);
  assert_method ("{\"type\":\"flatpak\",\"remoteName\":\"r\",\"ref\":\"app/org.x.Y//stable\","
                 "\"gpgVerify\":\"no\"}", CP_INSTALL_METHOD_NONE);
  assert_method ("{\"type\":\"flatpak\",\"remoteName\":\"r\",\"ref\":\"app/org.x.Y/x86_64/stable\"}",
                 CP_INSTALL_METHOD_FLATPAK);

  web = valid_app ("{\"id\":\"x\",\"name\":\"X\",\"install\":{\"type\":\"web\",\"url\":\"https://a.example\"}}");
  g_assert_cmpstr (cp_app_get_web_url (web), ==, "https://a.example");
  handoff = valid_app ("{\"id\":\"x\",\"name\":\"X\",\"install\":{\"type\":\"handoff\",\"uri\":\"appstream://a\"}}");
  g_assert_cmpstr (cp_app_get_handoff_uri (handoff), ==, "appstream://a");
  unverified = valid_app ("{\"id\":\"x\",\"name\":\"X\",\"install\":{\"type\":\"flatpak\",\"remoteName\":\"r\","
                          "\"remoteUrl\":\"file:///srv/repo\",\"ref\":\"app/a.b//1\",\"gpgVerify\":false}}");
  g_assert_false (cp_app_get_flatpak_gpg_verify (unverified));
  g_assert_null (cp_app_get_flatpak_gpg_key (unverified));
}

static gboolean
matches (CpApp      *app,
         const char *text)
{
  g_autofree char *query = cp_app_prepare_query (text);

  return cp_app_matches (app, query);
}

static void
test_search (void)
{
  g_autoptr(CpApp) app = valid_app (
    "{\"id\":\"org.gnome.Evolution\",\"name\":\"Évolution Mail\",\"publisher\":\"The GNOME Project\","
    "\"keywords\":[\"Courriel\",\"calendar\"],\"summary\":\"unsearched summary\"}");
  g_autofree char *blank = cp_app_prepare_query ("   \t ");

  g_assert_null (blank);
  g_assert_null (cp_app_prepare_query (NULL));
  g_assert_true (cp_app_matches (app, NULL));
  g_assert_true (matches (app, "evol"));
  g_assert_true (matches (app, "ÉVOL"));
  g_assert_true (matches (app, "EVOLUTION"));
  g_assert_true (matches (app, "évolutiön"));
  g_assert_true (matches (app, "gnome"));
  g_assert_true (matches (app, "mail gnome"));
  g_assert_true (matches (app, "  mail   GNOME  "));
  g_assert_true (matches (app, "courriel"));
  g_assert_true (matches (app, "CALENDAR"));
  g_assert_false (matches (app, "summary"));
  g_assert_false (matches (app, "mail zzz"));
  g_assert_false (matches (app, "thunderbird"));
  /* A word never spans two fields. */
  g_assert_false (matches (app, "projectcourriel"));
}

static void
test_ordering (void)
{
  g_autoptr(CpApp) required = valid_app ("{\"id\":\"r\",\"name\":\"Zed\",\"required\":true}");
  g_autoptr(CpApp) featured = valid_app ("{\"id\":\"f\",\"name\":\"Yak\",\"featured\":true}");
  g_autoptr(CpApp) apple = valid_app ("{\"id\":\"a\",\"name\":\"apple\"}");
  g_autoptr(CpApp) banana = valid_app ("{\"id\":\"b\",\"name\":\"Banana\"}");
  g_autoptr(CpApp) eclair = valid_app ("{\"id\":\"e\",\"name\":\"Éclair\"}");
  g_autoptr(CpApp) eclair2 = valid_app ("{\"id\":\"e2\",\"name\":\"Éclair\"}");
  g_autoptr(GPtrArray) apps = g_ptr_array_new ();
  CpApp *expected[] = { required, featured, apple, banana, eclair, eclair2 };

  g_ptr_array_add (apps, eclair2);
  g_ptr_array_add (apps, banana);
  g_ptr_array_add (apps, eclair);
  g_ptr_array_add (apps, apple);
  g_ptr_array_add (apps, featured);
  g_ptr_array_add (apps, required);

  for (guint i = 0; i < apps->len; i++)
    for (guint j = i + 1; j < apps->len; j++)
      {
        int ij = cp_app_compare (apps->pdata[i], apps->pdata[j]);
        int ji = cp_app_compare (apps->pdata[j], apps->pdata[i]);

        g_assert_cmpint ((ij > 0) - (ij < 0), ==, -((ji > 0) - (ji < 0)));
      }

  /* Insertion sort with the comparator under test. */
  for (guint i = 1; i < apps->len; i++)
    for (guint j = i; j > 0 && cp_app_compare_func (apps->pdata[j - 1], apps->pdata[j], NULL) > 0; j--)
      {
        gpointer tmp = apps->pdata[j];

        apps->pdata[j] = apps->pdata[j - 1];
        apps->pdata[j - 1] = tmp;
      }

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_true (apps->pdata[i] == expected[i]);
  g_assert_cmpint (cp_app_compare (apple, apple), ==, 0);
}

/* The details page's sentences come from the installer's structured form
 * of a Flatpak metadata file (the same code the agent runs). */
static GStrv
describe_metadata (const char  *metadata,
                   GError     **error)
{
  g_autoptr(GVariant) permissions = cp_flatpak_permissions_from_metadata (metadata, strlen (metadata), error);

  return permissions != NULL ? cp_flatpak_permissions_describe (permissions) : NULL;
}

static void
test_flatpak_permissions (void)
{
  const char *metadata =
    "[Application]\nname=org.example.App\nruntime=org.example.Platform/x86_64/1\n\n"
    "[Context]\nshared=network;ipc;\nsockets=x11;wayland;fallback-x11;ssh-auth;\n"
    "devices=dri;all;\nfilesystems=home;host-etc:ro;!xdg-music;~/Work:create;\n"
    "features=devel;\n\n"
    "[Session Bus Policy]\norg.freedesktop.Notifications=talk\norg.example.App.Helper=own\n"
    "org.example.Hidden=none\n\n"
    "[System Bus Policy]\norg.freedesktop.NetworkManager=talk\n";
  const char *expected[] = {
    "Network access",
    "Your home folder",
    "The system’s settings (read-only)",
    "The folder ~/Work",
    "Can see and control other windows (X11)",
    "Can use your SSH keys",
    "All devices, such as cameras and USB sticks",
    "Can inspect and debug other programs",
    "Can talk to: org.freedesktop.Notifications",
    "Provides: org.example.App.Helper",
    "Can talk to the system service: org.freedesktop.NetworkManager",
    NULL,
  };
  const char *bad[] = { "", "not a key file", "[Application\nname=x\n" };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) described = describe_metadata (metadata, &error);
  g_auto(GStrv) nothing = NULL;
  g_autofree char *joined = NULL;

  g_assert_no_error (error);
  joined = g_strjoinv ("\n", described);
  g_test_message ("%s", joined);
  /* ipc, wayland, fallback-x11 next to wayland and dri are plumbing: left out. */
  g_assert_cmpstrv (described, expected);

  nothing = describe_metadata ("[Application]\nname=a.b\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (nothing), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) bad_error = NULL;
      g_auto(GStrv) none = describe_metadata (bad[i], &bad_error);

      g_assert_null (none);
      g_assert_nonnull (bad_error);
    }
}

typedef struct
{
  guint calls;
  guint position;
  guint removed;
  guint added;
} ItemsChanged;

static void
items_changed_cb (GListModel   *model,
                  guint         position,
                  guint         removed,
                  guint         added,
                  ItemsChanged *record)
{
  record->calls++;
  record->position = position;
  record->removed = removed;
  record->added = added;
}

static gboolean
add_page (CpAppCatalog  *catalog,
          const char    *json,
          char         **cursor,
          GError       **error)
{
  g_autoptr(GBytes) page = g_bytes_new (json, strlen (json));

  return cp_app_catalog_add_page (catalog, page, cursor, error);
}

static void
test_paging (void)
{
  g_autoptr(CpAppCatalog) catalog = cp_app_catalog_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *last = NULL;
  g_autoptr(CpApp) second = NULL;
  g_autoptr(GPtrArray) required = NULL;
  ItemsChanged record = { 0 };

  g_signal_connect (catalog, "items-changed", G_CALLBACK (items_changed_cb), &record);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (catalog)) == CP_TYPE_APP);

  g_assert_true (add_page (catalog,
    "{\"items\":[{\"id\":\"a\",\"name\":\"A\",\"required\":true},{\"id\":\"b\",\"name\":\"B\"},"
    "{\"name\":\"no id\"},{\"id\":\"a\",\"name\":\"A again\"}],\"nextCursor\":\"page-2\"}",
    &cursor, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cursor, ==, "page-2");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (catalog)), ==, 2);
  g_assert_cmpuint (record.calls, ==, 1);
  g_assert_cmpuint (record.position, ==, 0);
  g_assert_cmpuint (record.added, ==, 2);
  g_assert_cmpuint (cp_app_catalog_get_n_rejected (catalog), ==, 1);
  g_assert_cmpuint (cp_app_catalog_get_n_duplicates (catalog), ==, 1);
  g_assert_cmpstr (cp_app_get_name (cp_app_catalog_lookup (catalog, "a")), ==, "A");

  g_assert_true (add_page (catalog,
    "{\"items\":[{\"id\":\"b\",\"name\":\"B twice\"},{\"id\":\"c\",\"name\":\"C\",\"required\":true}],"
    "\"nextCursor\":null}", &last, &error));
  g_assert_no_error (error);
  g_assert_null (last);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (catalog)), ==, 3);
  g_assert_cmpuint (record.calls, ==, 2);
  g_assert_cmpuint (record.position, ==, 2);
  g_assert_cmpuint (record.added, ==, 1);
  g_assert_cmpuint (cp_app_catalog_get_n_duplicates (catalog), ==, 2);

  second = g_list_model_get_item (G_LIST_MODEL (catalog), 1);
  g_assert_cmpstr (cp_app_get_name (second), ==, "B");
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (catalog), 3));
  g_assert_null (cp_app_catalog_lookup (catalog, "zzz"));

  required = cp_app_catalog_get_required (catalog);
  g_assert_cmpuint (required->len, ==, 2);
  g_assert_cmpstr (cp_app_get_id (required->pdata[0]), ==, "a");
  g_assert_cmpstr (cp_app_get_id (required->pdata[1]), ==, "c");

  /* A page with only duplicates changes nothing and says nothing. */
  g_assert_true (add_page (catalog, "{\"items\":[{\"id\":\"c\",\"name\":\"C\"}]}", NULL, &error));
  g_assert_cmpuint (record.calls, ==, 2);

  cp_app_catalog_remove_all (catalog);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (catalog)), ==, 0);
  g_assert_cmpuint (record.calls, ==, 3);
  g_assert_cmpuint (record.removed, ==, 3);
  g_assert_null (cp_app_catalog_lookup (catalog, "a"));
  g_assert_finalize_object (g_steal_pointer (&catalog));
}

static void
test_bad_pages (void)
{
  const char *bad[] = {
    "[]",
    "{}",
    "{\"items\":{}}",
    "{\"items\":[{\"id\":\"ok\",\"name\":\"Ok\"}],\"nextCursor\":7}",
    "{\"items\":[{\"id\":\"ok\",\"name\":\"Ok\"}],\"nextCursor\":[\"x\"]}",
  };
  g_autoptr(CpAppCatalog) catalog = cp_app_catalog_new ();

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      char *cursor = (char *) "stale";  /* an out parameter: overwritten, not freed */

      g_test_message ("%s", bad[i]);
      g_assert_false (add_page (catalog, bad[i], &cursor, &error));
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
      g_assert_null (cursor);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (catalog)), ==, 0);
    }
}

static int
compare_elements (gconstpointer a,
                  gconstpointer b)
{
  return cp_app_compare (*(CpApp **) a, *(CpApp **) b);
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  char     *cursor;
  GError   *error;
} AsyncPage;

static void
add_page_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  AsyncPage *page = user_data;

  page->ok = cp_app_catalog_add_page_finish (CP_APP_CATALOG (object), result,
                                             &page->cursor, &page->error);
  page->done = TRUE;
}

static void
add_page_async (CpAppCatalog *catalog,
                const char   *json,
                GCancellable *cancellable,
                AsyncPage    *page)
{
  g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));

  memset (page, 0, sizeof *page);
  cp_app_catalog_add_page_async (catalog, bytes, cancellable, add_page_cb, page);
  while (!page->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_paging_async (void)
{
  g_autoptr(CpAppCatalog) catalog = cp_app_catalog_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  ItemsChanged record = { 0 };
  AsyncPage page;

  g_signal_connect (catalog, "items-changed", G_CALLBACK (items_changed_cb), &record);

  add_page_async (catalog, "{\"items\":[{\"id\":\"a\",\"name\":\"A\"},{\"id\":\"a\",\"name\":\"A2\"},"
                  "{\"id\":\"b\",\"name\":7}],\"nextCursor\":\"2\"}", NULL, &page);
  g_assert_no_error (page.error);
  g_assert_true (page.ok);
  g_assert_cmpstr (page.cursor, ==, "2");
  g_clear_pointer (&page.cursor, g_free);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (catalog)), ==, 1);
  g_assert_cmpuint (record.calls, ==, 1);
  g_assert_cmpuint (cp_app_catalog_get_n_duplicates (catalog), ==, 1);
  g_assert_cmpuint (cp_app_catalog_get_n_rejected (catalog), ==, 1);

  add_page_async (catalog, "{\"items\":[{\"id\":\"c\",\"name\":\"C\"}]}", NULL, &page);
  g_assert_true (page.ok);
  g_assert_null (page.cursor);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (catalog)), ==, 2);
  g_assert_cmpuint (record.position, ==, 1);

  add_page_async (catalog, "{\"items\":7}", NULL, &page);
  g_assert_error (page.error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_assert_false (page.ok);
  g_clear_error (&page.error);

  /* A cancelled load adds nothing. */
  g_cancellable_cancel (cancellable);
  add_page_async (catalog, "{\"items\":[{\"id\":\"d\",\"name\":\"D\"}]}", cancellable, &page);
  g_assert_error (page.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&page.error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (catalog)), ==, 2);
  g_assert_cmpuint (record.calls, ==, 2);
  g_assert_finalize_object (g_steal_pointer (&catalog));
}

static void
test_hundred_thousand (void)
{
  g_autoptr(GString) json = g_string_new ("{\"items\":[");
  g_autoptr(CpAppCatalog) catalog = cp_app_catalog_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sorted = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *query = cp_app_prepare_query ("TOOL 7");
  g_autoptr(GPtrArray) required = NULL;
  char number[32];
  guint expected_matches = 0;
  guint n_matches = 0;
  gint64 start;
  /* Under the `asan` test setup every allocation is unwound: 100,000 apps
   * take four minutes there, 10,000 run the same code. */
  const guint n = g_getenv ("CP_TEST_SANITIZERS") != NULL ? 10000 : 100000;

  for (guint i = 0; i < n; i++)
    {
      gboolean tool = i % 3 == 0;

      g_string_append_printf (json,
        "%s{\"id\":\"org.example.App%u\",\"name\":\"App %u %s\",\"publisher\":\"Vendor %u\","
        "\"required\":%s,\"featured\":%s,\"size\":%u}",
        i > 0 ? "," : "", i, i, tool ? "Tool" : "Game", i % 50,
        i % 997 == 0 ? "true" : "false", i % 101 == 0 ? "true" : "false", i);
      /* "tool" and "7" anywhere in the name or publisher */
      g_snprintf (number, sizeof number, "%u %u", i, i % 50);
      if (tool && strchr (number, '7') != NULL)
        expected_matches++;
    }
  g_string_append (json, "]}");

  start = g_get_monotonic_time ();
  g_assert_true (add_page (catalog, json->str, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("%u apps added in %.0f ms", n, (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (catalog)), ==, n);

  for (guint i = 0; i < n; i++)
    {
      CpApp *app = g_list_model_get_item (G_LIST_MODEL (catalog), i);

      if (cp_app_matches (app, query))
        n_matches++;
      g_ptr_array_add (sorted, app);
    }
  g_assert_cmpuint (n_matches, ==, expected_matches);

  g_ptr_array_sort (sorted, compare_elements);
  for (guint i = 1; i < n; i++)
    g_assert_cmpint (cp_app_compare (sorted->pdata[i - 1], sorted->pdata[i]), <, 0);
  g_assert_true (cp_app_get_required (sorted->pdata[0]));
  required = cp_app_catalog_get_required (catalog);
  g_assert_cmpuint (required->len, ==, (n + 996) / 997);
}

/* The one app of a page read by the streaming reader, or NULL with the
 * reason when the entry was rejected (the page itself must be fine). */
static CpApp *
app_from_page (const char *entry)
{
  g_autofree char *json = g_strdup_printf ("{\"items\":[%s]}", entry);
  g_autoptr(CpAppCatalog) catalog = cp_app_catalog_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (add_page (catalog, json, NULL, &error));
  g_assert_no_error (error);
  if (g_list_model_get_n_items (G_LIST_MODEL (catalog)) == 0)
    {
      g_assert_cmpuint (cp_app_catalog_get_n_rejected (catalog), ==, 1);
      return NULL;
    }
  return g_list_model_get_item (G_LIST_MODEL (catalog), 0);
}

static void
assert_same_strv (const char *const *a,
                  const char *const *b)
{
  g_assert_cmpstrv (a, b);
}

/* One source of truth: an entry read from a page and the same entry read
 * from a json-glib node are the same app, or both rejected. */
static void
test_both_paths_agree (void)
{
  const char *entries[] = {
    "{\"id\":\"org.gnome.Calculator\",\"name\":\"Calculator\",\"publisher\":\"GNOME\","
    "\"summary\":\"Sums\",\"description\":\"Long\\ntext\",\"version\":\"46.1\",\"size\":4200000,"
    "\"license\":\"GPL-3.0-or-later\",\"categories\":[\"Utility\",\"\",\"Office\"],"
    "\"keywords\":[\"math\"],\"iconUrl\":\"https://example.com/i.png\","
    "\"screenshots\":[\"https://example.com/s1.png\",\"javascript:x\",\"/v1/s2\"],"
    "\"required\":true,\"featured\":false,\"unknown\":{\"deep\":[1,2,{}]},"
    "\"install\":{\"type\":\"flatpak\",\"remoteName\":\"flathub\","
    "\"remoteUrl\":\"https://dl.flathub.org/repo/\",\"ref\":\"app/org.gnome.Calculator//stable\","
    "\"gpgKey\":\"AAEC\",\"gpgVerify\":false}}",
    "{\"id\":\"x\",\"name\":\"\\u00c9volution \\ud83d\\ude00\",\"size\":10.5,\"summary\":null}",
    "{\"id\":\"x\",\"name\":\"X\",\"size\":1e300,\"install\":{\"type\":\"web\",\"url\":\"https://a.example\"}}",
    "{\"id\":\"x\",\"name\":\"X\",\"install\":{\"type\":\"handoff\",\"uri\":\"appstream://x\"}}",
    "{\"id\":\"x\",\"name\":\"X\",\"install\":{\"type\":\"handoff\",\"uri\":7}}",
    "{\"id\":\"x\",\"name\":\"X\",\"install\":{\"type\":\"flatpak\",\"ref\":\"app/x//s\","
    "\"remoteName\":\"r\",\"gpgKey\":\"!!\"}}",
    "{\"id\":\"x\",\"name\":\"X\",\"install\":{\"type\":\"flatpak\",\"ref\":\"app/x//s\","
    "\"remoteName\":\"r\",\"gpgVerify\":\"no\"}}",
    "{\"id\":\"x\",\"name\":\"X\",\"install\":[]}",
    "{\"id\":\"x\",\"name\":\"X\",\"install\":{\"type\":5}}",
    "{\"id\":\"x\",\"name\":\"X\",\"size\":-0.5}",
    "{\"id\":\"x\",\"name\":\"X\",\"size\":true}",
    "{\"id\":\"x\",\"name\":\"X\",\"keywords\":[\"a\",null]}",
    "{\"id\":\"x\",\"name\":\"X\",\"required\":null,\"featured\":true}",
    "{\"id\":\"x\",\"name\":[\"X\"]}",
    "{\"id\":\"x\",\"name\":\"\"}",
    "{\"id\":7,\"name\":\"X\",\"size\":-1}",
    "{\"id\":\"x\",\"name\":\"X\",\"size\":-1,\"categories\":7}",
    "{\"id\":\"x\",\"name\":\"first\",\"name\":\"last\"}",
    "{\"id\":\"x\",\"name\":\"X\",\"install\":{\"type\":\"web\",\"url\":\"https://a.example\"},"
    "\"install\":{\"type\":\"handoff\"}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CpApp) tree = app_from (entries[i], &error);
      g_autoptr(CpApp) streamed = app_from_page (entries[i]);

      g_test_message ("%s", entries[i]);
      g_assert_true ((tree == NULL) == (streamed == NULL));
      if (tree == NULL)
        continue;
      g_assert_cmpstr (cp_app_get_id (tree), ==, cp_app_get_id (streamed));
      g_assert_cmpstr (cp_app_get_name (tree), ==, cp_app_get_name (streamed));
      g_assert_cmpstr (cp_app_get_publisher (tree), ==, cp_app_get_publisher (streamed));
      g_assert_cmpstr (cp_app_get_summary (tree), ==, cp_app_get_summary (streamed));
      g_assert_cmpstr (cp_app_get_description (tree), ==, cp_app_get_description (streamed));
      g_assert_cmpstr (cp_app_get_version (tree), ==, cp_app_get_version (streamed));
      g_assert_cmpstr (cp_app_get_license (tree), ==, cp_app_get_license (streamed));
      g_assert_cmpstr (cp_app_get_icon_url (tree), ==, cp_app_get_icon_url (streamed));
      g_assert_cmpuint (cp_app_get_size (tree), ==, cp_app_get_size (streamed));
      assert_same_strv (cp_app_get_categories (tree), cp_app_get_categories (streamed));
      assert_same_strv (cp_app_get_keywords (tree), cp_app_get_keywords (streamed));
      assert_same_strv (cp_app_get_screenshots (tree), cp_app_get_screenshots (streamed));
      g_assert_cmpint (cp_app_get_required (tree), ==, cp_app_get_required (streamed));
      g_assert_cmpint (cp_app_get_featured (tree), ==, cp_app_get_featured (streamed));
      g_assert_cmpint (cp_app_get_install_method (tree), ==, cp_app_get_install_method (streamed));
      g_assert_cmpstr (cp_app_get_unsupported_reason (tree), ==, cp_app_get_unsupported_reason (streamed));
      g_assert_cmpstr (cp_app_get_flatpak_ref (tree), ==, cp_app_get_flatpak_ref (streamed));
      g_assert_cmpstr (cp_app_get_flatpak_remote_name (tree), ==, cp_app_get_flatpak_remote_name (streamed));
      g_assert_cmpstr (cp_app_get_flatpak_remote_url (tree), ==, cp_app_get_flatpak_remote_url (streamed));
      g_assert_cmpint (cp_app_get_flatpak_gpg_verify (tree), ==, cp_app_get_flatpak_gpg_verify (streamed));
      g_assert_true ((cp_app_get_flatpak_gpg_key (tree) == NULL) ==
                     (cp_app_get_flatpak_gpg_key (streamed) == NULL));
      g_assert_cmpstr (cp_app_get_handoff_uri (tree), ==, cp_app_get_handoff_uri (streamed));
      g_assert_cmpstr (cp_app_get_web_url (tree), ==, cp_app_get_web_url (streamed));
      g_assert_cmpint (cp_app_compare (tree, streamed), ==, 0);
    }

  /* Repeated members: the last one counts, as in json-glib's tree. */
  {
    g_autoptr(CpApp) app = app_from_page (entries[G_N_ELEMENTS (entries) - 2]);
    g_autoptr(CpApp) method = app_from_page (entries[G_N_ELEMENTS (entries) - 1]);

    g_assert_cmpstr (cp_app_get_name (app), ==, "last");
    g_assert_cmpint (cp_app_get_install_method (method), ==, CP_INSTALL_METHOD_NONE);
  }
}

/* What only the streaming reader sees: the bytes themselves. */
static void
test_strict_pages (void)
{
  const char *bad[] = {
    "",
    "{\"items\":[]",
    "{\"items\":[]} {}",
    "{\"items\":[],}",
    "{\"items\":[{\"id\":\"a\",\"name\":\"A\"},]}",
    "/* hi */ {\"items\":[]}",
    "{'items':[]}",
    "{\"items\":[{\"id\":\"a\",\"name\":\"A\",\"size\":012}]}",
    "{\"items\":[{\"id\":\"a\",\"name\":\"A\",\"size\":0x10}]}",
    "\xef\xbb\xbf{\"items\":[]}",
    "{\"items\":[{\"id\":\"a\",\"name\":\"\xff\"}]}",
    "{\"items\":[{\"id\":\"a\",\"name\":\"\\ud800\"}]}",
    "{\"items\":[{\"id\":\"a\",\"name\":\"\\q\"}]}",
    "{\"items\":[],\"nextCursor\":\"a\\u0000b\"}",
    "{\"items\":[],\"items\":{}}",
    "{\"nextCursor\":\"x\"}",
  };
  g_autoptr(CpAppCatalog) catalog = cp_app_catalog_new ();

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      char *cursor = (char *) "stale";
      g_autofree char *shown = g_strescape (bad[i], NULL);

      g_test_message ("%s", shown);
      g_assert_false (add_page (catalog, bad[i], &cursor, &error));
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
      g_assert_null (cursor);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (catalog)), ==, 0);
    }
}

/* Every proper prefix of a page is refused and adds nothing. */
static void
test_truncated_pages (void)
{
  const char *json = "{\"items\":[{\"id\":\"a\",\"name\":\"A\u00e9\",\"size\":12,"
                     "\"keywords\":[\"k\"],\"install\":{\"type\":\"web\",\"url\":\"https://a.example\"}},"
                     "{\"id\":\"b\",\"name\":\"B\"}],\"nextCursor\":\"n\"}";
  gsize length = strlen (json);
  g_autoptr(CpAppCatalog) catalog = cp_app_catalog_new ();

  for (gsize i = 0; i < length; i++)
    {
      g_autoptr(GBytes) page = g_bytes_new (json, i);
      g_autoptr(GError) error = NULL;

      g_assert_false (cp_app_catalog_add_page (catalog, page, NULL, &error));
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (catalog)), ==, 0);
    }
  g_assert_true (add_page (catalog, json, NULL, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (catalog)), ==, 2);
}

/* Odd values inside a well-formed page: each entry judged on its own. */
static void
test_page_edge_values (void)
{
  g_autoptr(GString) json = g_string_new ("{\"items\":[");
  g_autoptr(CpAppCatalog) catalog = cp_app_catalog_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *long_cursor = g_strnfill (1025, 'c');
  g_autofree char *bad_cursor = g_strdup_printf ("{\"items\":[],\"nextCursor\":\"%s\"}", long_cursor);

  /* rejected: U+0000 in a string, 257 categories, a list of lists */
  g_string_append (json, "{\"id\":\"nul\",\"name\":\"a\\u0000b\"},");
  g_string_append (json, "{\"id\":\"many\",\"name\":\"M\",\"categories\":[");
  for (guint i = 0; i < 257; i++)
    g_string_append_printf (json, "%s\"c%u\"", i > 0 ? "," : "", i);
  g_string_append (json, "]},{\"id\":\"nested\",\"name\":\"N\",\"keywords\":[[\"k\"]]},");
  /* not objects: rejected and counted */
  g_string_append (json, "1,\"x\",[{\"id\":\"in-array\",\"name\":\"I\"}],null,");
  /* kept: sizes json-glib would wrap or overflow are only not believed */
  g_string_append (json, "{\"id\":\"huge\",\"name\":\"H\",\"size\":99999999999999999999},");
  g_string_append (json, "{\"id\":\"inf\",\"name\":\"I\",\"size\":1e400},");
  g_string_append (json, "{\"id\":\"max\",\"name\":\"M\",\"size\":256,\"categories\":[");
  for (guint i = 0; i < 256; i++)
    g_string_append_printf (json, "%s\"c%u\"", i > 0 ? "," : "", i);
  g_string_append (json, "]}],\"nextCursor\":\"\\u00e9\\ud83d\\ude00\",\"extra\":{\"a\":[[{}]]}}");

  g_assert_true (add_page (catalog, json->str, &cursor, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cursor, ==, "é\xf0\x9f\x98\x80");
  g_assert_cmpuint (cp_app_catalog_get_n_rejected (catalog), ==, 7);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (catalog)), ==, 3);
  g_assert_cmpuint (cp_app_get_size (cp_app_catalog_lookup (catalog, "huge")), ==, 0);
  g_assert_cmpuint (cp_app_get_size (cp_app_catalog_lookup (catalog, "inf")), ==, 0);
  g_assert_cmpuint (g_strv_length ((GStrv) cp_app_get_categories (cp_app_catalog_lookup (catalog, "max"))), ==, 256);

  g_assert_false (add_page (catalog, bad_cursor, NULL, &error));
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_clear_error (&error);

  /* The last "items" and "nextCursor" count. */
  g_clear_pointer (&cursor, g_free);
  g_assert_true (add_page (catalog, "{\"items\":7,\"nextCursor\":5,\"items\":[{\"id\":\"last\",\"name\":\"L\"}],"
                           "\"nextCursor\":\"n\"}", &cursor, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cursor, ==, "n");
  g_assert_nonnull (cp_app_catalog_lookup (catalog, "last"));
}

/* Strings apps share are stored once: interned, and one key per remote. */
static void
test_shared_strings (void)
{
  const char *json =
    "{\"items\":[{\"id\":\"a\",\"name\":\"A\",\"publisher\":\"ACME\",\"license\":\"MIT\","
    "\"categories\":[\"Office\"],\"install\":{\"type\":\"flatpak\",\"ref\":\"app/a//s\","
    "\"remoteName\":\"corp\",\"remoteUrl\":\"https://r.example\",\"gpgKey\":\"AAEC\"}},"
    "{\"id\":\"b\",\"name\":\"B\",\"publisher\":\"ACME\",\"license\":\"MIT\","
    "\"categories\":[\"Office\"],\"install\":{\"type\":\"flatpak\",\"ref\":\"app/b//s\","
    "\"remoteName\":\"corp\",\"remoteUrl\":\"https://r.example\",\"gpgKey\":\"AAEC\"}}]}";
  g_autoptr(CpAppCatalog) catalog = cp_app_catalog_new ();
  g_autoptr(CpAppCatalog) other = cp_app_catalog_new ();
  CpApp *a, *b;

  g_assert_true (add_page (catalog, json, NULL, NULL));
  g_assert_true (add_page (other, "{\"items\":[{\"id\":\"c\",\"name\":\"C\",\"publisher\":\"ACME\"}]}",
                           NULL, NULL));
  a = cp_app_catalog_lookup (catalog, "a");
  b = cp_app_catalog_lookup (catalog, "b");
  g_assert_true (cp_app_get_publisher (a) == cp_app_get_publisher (b));
  g_assert_true (cp_app_get_license (a) == cp_app_get_license (b));
  g_assert_true (cp_app_get_categories (a)[0] == cp_app_get_categories (b)[0]);
  g_assert_true (cp_app_get_flatpak_remote_name (a) == cp_app_get_flatpak_remote_name (b));
  g_assert_true (cp_app_get_flatpak_remote_url (a) == cp_app_get_flatpak_remote_url (b));
  g_assert_true (cp_app_get_flatpak_gpg_key (a) == cp_app_get_flatpak_gpg_key (b));
  /* Across pages too. */
  g_assert_true (cp_app_get_publisher (cp_app_catalog_lookup (other, "c")) == cp_app_get_publisher (a));

  g_assert_finalize_object (g_steal_pointer (&catalog));
  g_assert_finalize_object (g_steal_pointer (&other));
}

/* Cancelling while the worker thread reads a large page: the call fails
 * with G_IO_ERROR_CANCELLED whichever side wins, and adds nothing. */
static void
test_cancel_while_reading (void)
{
  g_autoptr(GString) json = g_string_new ("{\"items\":[");
  g_autoptr(CpAppCatalog) catalog = cp_app_catalog_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GBytes) bytes = NULL;
  ItemsChanged record = { 0 };
  AsyncPage page = { 0 };

  for (guint i = 0; i < 20000; i++)
    g_string_append_printf (json, "%s{\"id\":\"app%u\",\"name\":\"App %u\"}", i > 0 ? "," : "", i, i);
  g_string_append (json, "]}");
  bytes = g_bytes_new (json->str, json->len);

  g_signal_connect (catalog, "items-changed", G_CALLBACK (items_changed_cb), &record);
  cp_app_catalog_add_page_async (catalog, bytes, cancellable, add_page_cb, &page);
  g_cancellable_cancel (cancellable);
  while (!page.done)
    g_main_context_iteration (NULL, TRUE);

  g_assert_false (page.ok);
  g_assert_error (page.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&page.error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (catalog)), ==, 0);
  g_assert_cmpuint (record.calls, ==, 0);
  g_assert_finalize_object (g_steal_pointer (&catalog));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/catalog/app/full-entry", test_full_entry);
  g_test_add_func ("/catalog/app/minimal-entry", test_minimal_entry);
  g_test_add_func ("/catalog/app/rejected-entries", test_rejected_entries);
  g_test_add_func ("/catalog/app/sizes", test_sizes);
  g_test_add_func ("/catalog/app/image-urls", test_image_urls);
  g_test_add_func ("/catalog/app/install-methods", test_install_methods);
  g_test_add_func ("/catalog/app/search", test_search);
  g_test_add_func ("/catalog/app/ordering", test_ordering);
  g_test_add_func ("/catalog/app/flatpak-permissions", test_flatpak_permissions);
  g_test_add_func ("/catalog/paging", test_paging);
  g_test_add_func ("/catalog/paging-async", test_paging_async);
  g_test_add_func ("/catalog/bad-pages", test_bad_pages);
  g_test_add_func ("/catalog/hundred-thousand", test_hundred_thousand);
  g_test_add_func ("/catalog/both-paths-agree", test_both_paths_agree);
  g_test_add_func ("/catalog/strict-pages", test_strict_pages);
  g_test_add_func ("/catalog/truncated-pages", test_truncated_pages);
  g_test_add_func ("/catalog/page-edge-values", test_page_edge_values);
  g_test_add_func ("/catalog/shared-strings", test_shared_strings);
  g_test_add_func ("/catalog/cancel-while-reading", test_cancel_while_reading);

  return g_test_run ();
}
