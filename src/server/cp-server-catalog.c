/* cp-server-catalog.c: the app catalog, assignments and install reports
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-error.h"
#include "cp-portal-server.h"
#include "cp-server-catalog.h"
#include "cp-server-devices.h"
#include "cp-server-org.h"

#define MAX_CATALOG_SIZE   (64 * 1024 * 1024)
#define MAX_APP_ID_LEN     255
#define MAX_TEXT_LEN       256
#define MAX_DESCRIPTION    (64 * 1024)
#define MAX_LIST           256
#define MAX_QUERY_WORDS    8
#define MAX_QUERY_LEN      256
#define MAX_CURSOR_LEN     32
#define MAX_REPORTS        1000
#define MAX_ERROR_MESSAGE  1024

static const char *const install_states[] = {
  "pendingInstall", "installed", "failed", "notInstalled", "uninstallFailed",
};

/* Checking a catalog file */

static gboolean
is_app_id (const char *text)
{
  gsize len = text ? strlen (text) : 0;

  return len > 0 && len <= MAX_APP_ID_LEN &&
         strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_") == len;
}

static gboolean
invalid_app (GError    **error,
             const char *app_id,
             const char *member)
{
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA, _("The catalog’s app “%s” has an invalid “%s”"),
               app_id ? app_id : "?", member);
  return FALSE;
}

static gboolean
is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
check_string_list (JsonNode *node)
{
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  if (json_array_get_length (array) > MAX_LIST)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!is_string (element) || strlen (json_node_get_string (element)) > MAX_TEXT_LEN)
        return FALSE;
    }
  return TRUE;
}

/* Types as docs/catalog.md has them; the clients check the rest again. */
gboolean
cp_server_catalog_check_app (JsonObject  *app,
                             GError     **error)
{
  static const char *const texts[] = { "name", "publisher", "summary", "version", "license", "iconUrl" };
  static const char *const lists[] = { "categories", "keywords", "screenshots" };
  static const char *const flags[] = { "required", "featured" };
  JsonNode *node = json_object_get_member (app, "id");
  const char *id;

  /* Never json_object_get_string_member() on outside input: it is critical
   * about other types. */
  if (node == NULL || !is_string (node) || !is_app_id (json_node_get_string (node)))
    return invalid_app (error, NULL, "id");
  id = json_node_get_string (node);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      node = json_object_get_member (app, texts[i]);
      if ((node == NULL && i == 0) ||
          (node != NULL && (!is_string (node) || strlen (json_node_get_string (node)) > MAX_TEXT_LEN ||
                            (i == 0 && *json_node_get_string (node) == '\0'))))
        return invalid_app (error, id, texts[i]);
    }
  node = json_object_get_member (app, "description");
  if (node != NULL && (!is_string (node) || strlen (json_node_get_string (node)) > MAX_DESCRIPTION))
    return invalid_app (error, id, "description");
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    if ((node = json_object_get_member (app, lists[i])) != NULL && !check_string_list (node))
      return invalid_app (error, id, lists[i]);
  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    if ((node = json_object_get_member (app, flags[i])) != NULL &&
        (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN))
      return invalid_app (error, id, flags[i]);
  node = json_object_get_member (app, "size");
  if (node != NULL && (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
                       json_node_get_int (node) < 0))
    return invalid_app (error, id, "size");
  node = json_object_get_member (app, "install");
  if (node != NULL && (!JSON_NODE_HOLDS_OBJECT (node) ||
                       json_object_get_member (json_node_get_object (node), "type") == NULL ||
                       !is_string (json_object_get_member (json_node_get_object (node), "type"))))
    return invalid_app (error, id, "install");
  return TRUE;
}

/* Search text: name, publisher and keywords, lowercase without accents. */
static char *
fold (const char *text)
{
  g_autofree char *ascii = g_str_to_ascii (text, "C");

  return g_ascii_strdown (ascii, -1);
}

static char *
search_text (JsonObject *app)
{
  g_autoptr(GString) text = g_string_new (json_object_get_string_member (app, "name"));
  JsonNode *node = json_object_get_member (app, "publisher");

  if (node != NULL)
    g_string_append_printf (text, "\n%s", json_node_get_string (node));
  node = json_object_get_member (app, "keywords");
  for (guint i = 0; node != NULL && i < json_array_get_length (json_node_get_array (node)); i++)
    g_string_append_printf (text, "\n%s", json_array_get_string_element (json_node_get_array (node), i));
  return fold (text->str);
}

/* "|Office|Utility|" so one LIKE finds a whole category. */
static char *
categories_text (JsonObject *app)
{
  g_autoptr(GString) text = g_string_new ("|");
  JsonNode *node = json_object_get_member (app, "categories");

  for (guint i = 0; node != NULL && i < json_array_get_length (json_node_get_array (node)); i++)
    g_string_append_printf (text, "%s|", json_array_get_string_element (json_node_get_array (node), i));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Storing */

typedef struct
{
  CpServerDb *db;
  sqlite3_stmt *insert;
  GHashTable *seen;       /* app ids */
  GHashTable *categories; /* ids seen in apps, for a catalog without a category list */
  gint64 position;
} Seeder;

static gboolean
store_app (Seeder      *seeder,
           JsonObject  *entry,
           GError     **error)
{
  g_autoptr(JsonObject) app = cp_server_json_object_copy (entry);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *icon = NULL, *document = NULL, *search = NULL, *categories = NULL;
  const char *id;
  JsonNode *list;

  if (!cp_server_catalog_check_app (app, error))
    return FALSE;
  id = json_object_get_string_member (app, "id");
  if (!g_hash_table_add (seeder->seen, g_strdup (id)))
    return invalid_app (error, id, "id (twice)");

  /* Icons are generated here unless the catalog names its own. */
  if (!json_object_has_member (app, "iconUrl"))
    {
      icon = g_strdup_printf ("/v1/apps/%s/icon", id);
      json_object_set_string_member (app, "iconUrl", icon);
    }
  list = json_object_get_member (app, "categories");
  for (guint i = 0; list != NULL && i < json_array_get_length (json_node_get_array (list)); i++)
    g_hash_table_add (seeder->categories, g_strdup (json_array_get_string_element (json_node_get_array (list), i)));

  search = search_text (app);
  categories = categories_text (app);
  json_node_set_object (node, app);
  document = json_to_string (node, FALSE);

  sqlite3_reset (seeder->insert);
  sqlite3_bind_int64 (seeder->insert, 1, ++seeder->position);
  cp_server_db_bind_text (seeder->insert, 2, id);
  cp_server_db_bind_text (seeder->insert, 3, search);
  cp_server_db_bind_text (seeder->insert, 4, categories);
  sqlite3_bind_int (seeder->insert, 5, json_object_get_boolean_member_with_default (app, "required", FALSE));
  cp_server_db_bind_text (seeder->insert, 6, document);
  return cp_server_db_step_done (seeder->db, seeder->insert, error);
}

static gboolean
store_category (CpServerDb  *db,
                gint64       position,
                const char  *id,
                const char  *name,
                GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = cp_server_db_prepare (db, "INSERT OR IGNORE INTO categories (position, id, name)"
                                                       " VALUES (?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, position);
  cp_server_db_bind_text (stmt, 2, id);
  cp_server_db_bind_text (stmt, 3, name);
  return cp_server_db_step_done (db, stmt, error);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
store_categories (CpServerDb  *db,
                  JsonObject  *root,
                  GHashTable  *seen,
                  GError     **error)
{
  JsonNode *node = root ? json_object_get_member (root, "categories") : NULL;
  g_autoptr(GPtrArray) derived = NULL;
  JsonArray *array;

  if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) > MAX_LIST)
        return invalid_app (error, NULL, "categories");
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          JsonObject *category = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
          JsonNode *id = category ? json_object_get_member (category, "id") : NULL;
          JsonNode *name = category ? json_object_get_member (category, "name") : NULL;

          if (id == NULL || name == NULL || !is_string (id) || !is_string (name) ||
              *json_node_get_string (id) == '\0' || strlen (json_node_get_string (id)) > MAX_TEXT_LEN ||
              *json_node_get_string (name) == '\0' || strlen (json_node_get_string (name)) > MAX_TEXT_LEN)
            {
              g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                                   _("The catalog has an invalid category"));
              return FALSE;
            }
          if (!store_category (db, i + 1, json_node_get_string (id), json_node_get_string (name), error))
            return FALSE;
        }
      return TRUE;
    }

  /* No list: the categories the apps use, by name. */
  derived = g_ptr_array_new ();
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, seen);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_ptr_array_add (derived, key);
  }
  g_ptr_array_sort (derived, compare_strings);
  for (guint i = 0; i < derived->len; i++)
    if (!store_category (db, i + 1, g_ptr_array_index (derived, i), g_ptr_array_index (derived, i), error))
      return FALSE;
  return TRUE;
}

static const char *const synthetic_categories[] = {
  "Office", "Development", "Graphics", "Network", "Utility", "AudioVideo", "Education", "Science",
};

/* Deterministic: app N is always the same, so benchmarks compare. */
static JsonObject *
synthetic_app (guint n)
{
  JsonObject *app = json_object_new ();
  JsonObject *install = json_object_new ();
  JsonArray *categories = json_array_new ();
  JsonArray *keywords = json_array_new ();
  g_autofree char *id = g_strdup_printf ("com.example.Synthetic%06u", n);
  g_autofree char *name = g_strdup_printf ("Synthetic App %06u", n);
  g_autofree char *publisher = g_strdup_printf ("Example Publisher %02u", n % 97);
  g_autofree char *ref = g_strdup_printf ("app/%s//stable", id);

  json_object_set_string_member (app, "id", id);
  json_object_set_string_member (app, "name", name);
  json_object_set_string_member (app, "publisher", publisher);
  json_object_set_string_member (app, "summary", "A generated app for load tests");
  json_object_set_string_member (app, "version", "1.0");
  json_object_set_int_member (app, "size", 1000000 + n);
  json_array_add_string_element (categories, synthetic_categories[n % G_N_ELEMENTS (synthetic_categories)]);
  json_object_set_array_member (app, "categories", categories);
  json_array_add_string_element (keywords, n % 2 ? "odd" : "even");
  json_object_set_array_member (app, "keywords", keywords);
  json_object_set_string_member (install, "type", "flatpak");
  json_object_set_string_member (install, "remoteName", "flathub");
  json_object_set_string_member (install, "remoteUrl", "https://dl.flathub.org/repo/");
  json_object_set_string_member (install, "ref", ref);
  json_object_set_object_member (app, "install", install);
  return app;
}

static gboolean
seed_apps (Seeder      *seeder,
           JsonObject  *root,
           guint        n_synthetic,
           GError     **error)
{
  JsonNode *apps = root ? json_object_get_member (root, "apps") : NULL;

  if (root != NULL && (apps == NULL || !JSON_NODE_HOLDS_ARRAY (apps)))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA, _("The catalog has no “apps” list"));
      return FALSE;
    }
  for (guint i = 0; apps != NULL && i < json_array_get_length (json_node_get_array (apps)); i++)
    {
      JsonNode *element = json_array_get_element (json_node_get_array (apps), i);

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return invalid_app (error, NULL, "apps[]");
      if (!store_app (seeder, json_node_get_object (element), error))
        return FALSE;
    }
  for (guint n = 1; n <= n_synthetic; n++)
    {
      g_autoptr(JsonObject) app = synthetic_app (n);

      if (!store_app (seeder, app, error))
        return FALSE;
    }
  return TRUE;
}

static JsonObject *
load_catalog_file (GFile   *file,
                   GError **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *data;
  gsize len;

  bytes = g_file_load_bytes (file, NULL, NULL, &local_error);
  if (bytes == NULL)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT, _("Cannot read the catalog: %s"), local_error->message);
      return NULL;
    }
  data = g_bytes_get_data (bytes, &len);
  if (len > MAX_CATALOG_SIZE || !(root = cp_server_json_parse (data, len)) ||
      !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA, _("The catalog is not a JSON object"));
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

GFile *
cp_server_catalog_demo_file (void)
{
  return g_file_new_for_uri ("resource:///io/github/companyportal/Server/demo-catalog.json");
}

gboolean
cp_server_catalog_seed (CpServerDb  *db,
                        GFile       *file,
                        guint        n_synthetic,
                        GError     **error)
{
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) categories = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(sqlite3_stmt) insert = NULL;
  Seeder seeder = { db, NULL, seen, categories, 0 };

  if (file != NULL && !(root = load_catalog_file (file, error)))
    return FALSE;

  /* All or nothing: a bad app leaves the stored catalog as it was. */
  if (!cp_server_db_begin (db, error))
    return FALSE;
  if (!cp_server_db_exec (db, "DELETE FROM apps; DELETE FROM categories", error) ||
      !(insert = cp_server_db_prepare (db, "INSERT INTO apps (position, id, search_text, categories,"
                                       " required, document) VALUES (?, ?, ?, ?, ?, ?)", error)))
    goto fail;
  seeder.insert = insert;
  if (!seed_apps (&seeder, root, n_synthetic, error) ||
      !store_categories (db, root, categories, error))
    goto fail;
  g_clear_pointer (&insert, sqlite3_finalize);
  if (!cp_server_db_commit (db, error))
    return FALSE;
  g_debug ("Stored a catalog of %" G_GINT64_FORMAT " apps", seeder.position);
  return TRUE;

fail:
  g_clear_pointer (&insert, sqlite3_finalize);
  cp_server_db_rollback (db);
  return FALSE;
}

gboolean
cp_server_catalog_store_assignments (CpServerDb  *db,
                                     GPtrArray   *memberships,
                                     GPtrArray   *assignments,
                                     GError     **error)
{
  g_autoptr(sqlite3_stmt) member = NULL;
  g_autoptr(sqlite3_stmt) assign = NULL;

  if (!cp_server_db_begin (db, error))
    return FALSE;
  if (!cp_server_db_exec (db, "DELETE FROM user_groups; DELETE FROM app_assignments", error) ||
      !(member = cp_server_db_prepare (db, "INSERT OR IGNORE INTO user_groups VALUES (?, ?)", error)) ||
      !(assign = cp_server_db_prepare (db, "INSERT OR IGNORE INTO app_assignments VALUES (?, ?)", error)))
    goto fail;
  for (guint i = 0; memberships != NULL && i < memberships->len; i++)
    {
      CpServerMembership *m = g_ptr_array_index (memberships, i);

      sqlite3_reset (member);
      cp_server_db_bind_text (member, 1, m->username);
      cp_server_db_bind_text (member, 2, m->group);
      if (!cp_server_db_step_done (db, member, error))
        goto fail;
    }
  for (guint i = 0; assignments != NULL && i < assignments->len; i++)
    {
      CpServerAssignment *a = g_ptr_array_index (assignments, i);

      sqlite3_reset (assign);
      cp_server_db_bind_text (assign, 1, a->app_id);
      /* "*" is everyone; group names from the file cannot be "*". */
      cp_server_db_bind_text (assign, 2, a->group ? a->group : "*");
      if (!cp_server_db_step_done (db, assign, error))
        goto fail;
    }
  g_clear_pointer (&member, sqlite3_finalize);
  g_clear_pointer (&assign, sqlite3_finalize);
  return cp_server_db_commit (db, error);

fail:
  g_clear_pointer (&member, sqlite3_finalize);
  g_clear_pointer (&assign, sqlite3_finalize);
  cp_server_db_rollback (db);
  return FALSE;
}

/* Serving */

/* The apps assigned as required to this user (everyone's and their groups'). */
static GHashTable *
load_required_for (CpServerDb    *db,
                   CpServerUser  *user,
                   GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int rc;

  /* The organisation file names users by login name: the demo IdP's
   * subject, or preferred_username elsewhere. */
  stmt = cp_server_db_prepare (db, "SELECT app_id FROM app_assignments WHERE group_name = '*'"
                               " OR group_name IN (SELECT group_name FROM user_groups"
                               " WHERE username = ? OR username = ?)", error);
  if (stmt == NULL)
    return NULL;
  cp_server_db_bind_text (stmt, 1, user->subject);
  cp_server_db_bind_text (stmt, 2, user->username ? user->username : user->subject);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (ids, cp_server_db_column_text (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      cp_server_db_set_error (db, error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

static JsonNode *
app_from_row (sqlite3_stmt *stmt,
              GHashTable   *required)
{
  g_autoptr(JsonNode) stored = cp_server_json_parse ((const char *) sqlite3_column_text (stmt, 1), -1);
  g_autoptr(JsonObject) app = NULL;
  JsonNode *node;

  if (stored == NULL || !JSON_NODE_HOLDS_OBJECT (stored))
    return NULL;
  app = cp_server_json_object_copy (json_node_get_object (stored));
  json_object_set_boolean_member (app, "required",
                                  sqlite3_column_int (stmt, 2) != 0 ||
                                  g_hash_table_contains (required, json_object_get_string_member (app, "id")));
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, app);
  return node;
}

/* SQL LIKE with \ as the escape character. */
static char *
like_pattern (const char *word)
{
  GString *pattern = g_string_new ("%");

  for (const char *p = word; *p; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *p);
    }
  g_string_append_c (pattern, '%');
  return g_string_free (pattern, FALSE);
}

typedef struct
{
  gint64 after;
  guint limit;
  char **words;
  const char *category;
} AppQuery;

static gboolean
parse_uint (const char *text,
            guint64     max,
            guint64    *out)
{
  return text != NULL && *text != '\0' && strlen (text) <= 20 &&
         g_ascii_string_to_unsigned (text, 10, 0, max, out, NULL);
}

static gboolean
read_app_query (CpRequest  *request,
                AppQuery   *query)
{
  const char *q = cp_request_query (request, "q");
  const char *cursor = cp_request_query (request, "cursor");
  const char *limit = cp_request_query (request, "limit");
  guint64 value;

  query->limit = CP_SERVER_CATALOG_DEFAULT_LIMIT;
  if (limit != NULL)
    {
      if (!parse_uint (limit, CP_SERVER_CATALOG_MAX_LIMIT, &value) || value == 0)
        {
          cp_request_problem (request, SOUP_STATUS_BAD_REQUEST, NULL, _("“limit” must be between 1 and 500"));
          return FALSE;
        }
      query->limit = value;
    }
  /* Cursors are "p" and the position of the last app of the previous page. */
  if (cursor != NULL && *cursor != '\0')
    {
      if (cursor[0] != 'p' || strlen (cursor) > MAX_CURSOR_LEN || !parse_uint (cursor + 1, G_MAXINT64, &value))
        {
          cp_request_problem (request, SOUP_STATUS_BAD_REQUEST, NULL, _("The cursor is not valid"));
          return FALSE;
        }
      query->after = value;
    }
  if (q != NULL)
    {
      g_autofree char *folded = NULL;

      if (strlen (q) > MAX_QUERY_LEN || !g_utf8_validate (q, -1, NULL))
        {
          cp_request_problem (request, SOUP_STATUS_BAD_REQUEST, NULL, _("The search text is too long"));
          return FALSE;
        }
      folded = fold (q);
      query->words = g_strsplit_set (g_strstrip (folded), " \t", MAX_QUERY_WORDS);
    }
  query->category = cp_request_query (request, "category");
  if (query->category != NULL && (strlen (query->category) > MAX_TEXT_LEN || strchr (query->category, '|')))
    {
      cp_request_problem (request, SOUP_STATUS_BAD_REQUEST, NULL, _("The category is not valid"));
      return FALSE;
    }
  return TRUE;
}

static sqlite3_stmt *
prepare_app_query (CpServerDb  *db,
                   AppQuery    *query,
                   GError     **error)
{
  g_autoptr(GString) sql = g_string_new ("SELECT position, document, required FROM apps WHERE position > ?");
  sqlite3_stmt *stmt;
  int index = 1;

  if (query->category != NULL && *query->category != '\0')
    g_string_append (sql, " AND categories LIKE ? ESCAPE '\\'");
  for (guint i = 0; query->words && query->words[i]; i++)
    if (*query->words[i] != '\0')
      g_string_append (sql, " AND search_text LIKE ? ESCAPE '\\'");
  g_string_append (sql, " ORDER BY position LIMIT ?");

  if (!(stmt = cp_server_db_prepare (db, sql->str, error)))
    return NULL;
  sqlite3_bind_int64 (stmt, index++, query->after);
  if (query->category != NULL && *query->category != '\0')
    {
      g_autofree char *whole = g_strdup_printf ("|%s|", query->category);
      g_autofree char *pattern = like_pattern (whole);

      cp_server_db_bind_text (stmt, index++, pattern);
    }
  for (guint i = 0; query->words && query->words[i]; i++)
    if (*query->words[i] != '\0')
      {
        g_autofree char *pattern = like_pattern (query->words[i]);

        cp_server_db_bind_text (stmt, index++, pattern);
      }
  /* One more than a page tells whether there is a next one. */
  sqlite3_bind_int (stmt, index, query->limit + 1);
  return stmt;
}

static void
handle_list_apps (CpRequest *request)
{
  AppQuery query = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) required = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(JsonArray) items = json_array_new ();
  g_autoptr(JsonObject) page = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  gint64 last = 0;
  int rc;

  if (!read_app_query (request, &query))
    {
      g_strfreev (query.words);
      return;
    }
  required = load_required_for (request->db, request->user, &error);
  stmt = required ? prepare_app_query (request->db, &query, &error) : NULL;
  g_strfreev (query.words);
  if (stmt == NULL)
    {
      cp_server_problem_from_error (request, error);
      return;
    }

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonNode *app;

      if (json_array_get_length (items) == query.limit)
        {
          g_autofree char *cursor = g_strdup_printf ("p%" G_GINT64_FORMAT, last);

          json_object_set_string_member (page, "nextCursor", cursor);
          break;
        }
      last = sqlite3_column_int64 (stmt, 0);
      if ((app = app_from_row (stmt, required)) != NULL)
        json_array_add_element (items, app);
    }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      cp_server_db_set_error (request->db, &error);
      cp_server_problem_from_error (request, error);
      return;
    }

  json_object_set_array_member (page, "items", g_steal_pointer (&items));
  json_node_set_object (node, page);
  cp_request_json (request, SOUP_STATUS_OK, node);
}

static JsonNode *
find_app (CpRequest   *request,
          const char  *id,
          GError     **error)
{
  g_autoptr(GHashTable) required = load_required_for (request->db, request->user, error);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (required == NULL ||
      !(stmt = cp_server_db_prepare (request->db, "SELECT position, document, required FROM apps WHERE id = ?", error)))
    return NULL;
  cp_server_db_bind_text (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return app_from_row (stmt, required);
  if (rc != SQLITE_DONE)
    cp_server_db_set_error (request->db, error);
  return NULL;
}

static void
handle_get_app (CpRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) app = find_app (request, cp_request_param (request, 0), &error);

  if (app != NULL)
    cp_request_json (request, SOUP_STATUS_OK, app);
  else if (error != NULL)
    cp_server_problem_from_error (request, error);
  else
    cp_request_problem (request, SOUP_STATUS_NOT_FOUND, NULL, _("There is no such app"));
}

static void
handle_categories (CpRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(JsonArray) items = json_array_new ();
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  int rc;

  if (!(stmt = cp_server_db_prepare (request->db, "SELECT id, name FROM categories ORDER BY position", &error)))
    {
      cp_server_problem_from_error (request, error);
      return;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *category = json_object_new ();

      json_object_set_string_member (category, "id", (const char *) sqlite3_column_text (stmt, 0));
      json_object_set_string_member (category, "name", (const char *) sqlite3_column_text (stmt, 1));
      json_array_add_object_element (items, category);
    }
  if (rc != SQLITE_DONE)
    {
      cp_server_db_set_error (request->db, &error);
      cp_server_problem_from_error (request, error);
      return;
    }
  json_object_set_array_member (root, "items", g_steal_pointer (&items));
  json_node_set_object (node, root);
  cp_request_json (request, SOUP_STATUS_OK, node);
}

/* Icons */

char *
cp_server_catalog_icon_svg (const char *app_id,
                            const char *name)
{
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, app_id, -1);
  gunichar initial = g_unichar_toupper (g_utf8_get_char_validated (name, -1));
  char utf8[8] = { 0 };
  g_autofree char *escaped = NULL;
  /* The hue comes from the id, so an app keeps its colour; saturation and
   * lightness are fixed so white text always reads. */
  guint hue = (guint) g_ascii_strtoull (digest + 56, NULL, 16) % 360;

  if (initial == (gunichar) -1 || initial == (gunichar) -2 || !g_unichar_isgraph (initial))
    initial = '?';
  g_unichar_to_utf8 (initial, utf8);
  escaped = g_markup_escape_text (utf8, -1);
  return g_strdup_printf ("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"128\" height=\"128\" viewBox=\"0 0 128 128\">"
                          "<rect x=\"4\" y=\"4\" width=\"120\" height=\"120\" rx=\"28\" fill=\"hsl(%u,55%%,42%%)\"/>"
                          "<text x=\"64\" y=\"64\" dy=\".35em\" text-anchor=\"middle\" font-family=\"sans-serif\""
                          " font-size=\"64\" font-weight=\"bold\" fill=\"#ffffff\">%s</text></svg>\n",
                          hue, escaped);
}

static void
handle_icon (CpRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(JsonNode) app = NULL;
  g_autofree char *svg = NULL;
  const char *id = cp_request_param (request, 0);
  int rc;

  if (!(stmt = cp_server_db_prepare (request->db, "SELECT document FROM apps WHERE id = ?", &error)))
    {
      cp_server_problem_from_error (request, error);
      return;
    }
  cp_server_db_bind_text (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW ||
      !(app = cp_server_json_parse ((const char *) sqlite3_column_text (stmt, 0), -1)) ||
      !JSON_NODE_HOLDS_OBJECT (app))
    {
      cp_request_problem (request, SOUP_STATUS_NOT_FOUND, NULL, _("There is no such app"));
      return;
    }
  svg = cp_server_catalog_icon_svg (id, json_object_get_string_member (json_node_get_object (app), "name"));
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox");
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                "X-Content-Type-Options", "nosniff");
  cp_request_bytes (request, "image/svg+xml", svg, strlen (svg), "public, max-age=86400");
}

/* Install reports (device-signed) and their list (owner) */

static gboolean
invalid_install (GError    **error,
                 const char *member)
{
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT, _("The install report has an invalid “%s”"), member);
  return FALSE;
}

typedef struct
{
  const char *report_id;
  const char *app_id;
  const char *state;
  const char *error_message;
  gint64 at;
} InstallReport;

static gboolean
read_install_report (JsonNode       *node,
                     InstallReport  *report,
                     GError        **error)
{
  JsonObject *object;
  const char *at;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid_install (error, "reports[]");
  object = json_node_get_object (node);
  if (!cp_server_read_report_id (object, &report->report_id, error) ||
      !cp_server_read_text (object, "appId", TRUE, MAX_APP_ID_LEN, &report->app_id, error) ||
      !cp_server_read_text (object, "state", TRUE, 32, &report->state, error) ||
      !cp_server_read_text (object, "errorMessage", FALSE, MAX_ERROR_MESSAGE, &report->error_message, error) ||
      !cp_server_read_text (object, "at", TRUE, 64, &at, error))
    return FALSE;
  if (!is_app_id (report->app_id))
    return invalid_install (error, "appId");
  if (!g_strv_contains (install_states, report->state))
    return invalid_install (error, "state");
  if (!cp_server_parse_time (at, &report->at))
    return invalid_install (error, "at");
  return TRUE;
}

static gboolean
store_install_reports (CpRequest  *request,
                       JsonArray  *reports,
                       GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  /* A report whose id the device sent before (its answer was lost) is skipped. */
  stmt = cp_server_db_prepare (request->db, "INSERT INTO install_reports (device_id, app_id, state,"
                               " error_message, reported_at, received_at, report_id)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (reports); i++)
    {
      InstallReport report = { 0 };

      if (!read_install_report (json_array_get_element (reports, i), &report, error))
        return FALSE;
      sqlite3_reset (stmt);
      cp_server_db_bind_text (stmt, 1, request->device_id);
      cp_server_db_bind_text (stmt, 2, report.app_id);
      cp_server_db_bind_text (stmt, 3, report.state);
      cp_server_db_bind_text (stmt, 4, report.error_message);
      sqlite3_bind_int64 (stmt, 5, report.at);
      sqlite3_bind_int64 (stmt, 6, request->now);
      cp_server_db_bind_text (stmt, 7, report.report_id);
      if (!cp_server_db_step_done (request->db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

static void
handle_post_installs (CpRequest *request)
{
  g_autoptr(GError) error = NULL;
  JsonNode *reports = NULL;

  if (request->body != NULL && JSON_NODE_HOLDS_OBJECT (request->body))
    reports = json_object_get_member (json_node_get_object (request->body), "reports");
  if (reports == NULL || !JSON_NODE_HOLDS_ARRAY (reports) ||
      json_array_get_length (json_node_get_array (reports)) > MAX_REPORTS)
    {
      cp_request_problem (request, SOUP_STATUS_BAD_REQUEST, NULL, _("The install report has an invalid “reports”"));
      return;
    }
  /* All of them or none: a bad entry must not leave half a batch. */
  if (!cp_server_db_begin (request->db, &error))
    {
      cp_server_problem_from_error (request, error);
      return;
    }
  if (!store_install_reports (request, json_node_get_array (reports), &error))
    {
      cp_server_db_rollback (request->db);
      cp_server_problem_from_error (request, error);
      return;
    }
  if (!cp_server_db_commit (request->db, &error))
    {
      cp_server_problem_from_error (request, error);
      return;
    }
  cp_request_no_content (request);
}

static JsonObject *
install_from_row (sqlite3_stmt *stmt)
{
  JsonObject *entry = json_object_new ();
  g_autofree char *at = cp_server_format_time (sqlite3_column_int64 (stmt, 3));
  g_autofree char *received = cp_server_format_time (sqlite3_column_int64 (stmt, 4));

  json_object_set_string_member (entry, "appId", (const char *) sqlite3_column_text (stmt, 0));
  json_object_set_string_member (entry, "state", (const char *) sqlite3_column_text (stmt, 1));
  if (sqlite3_column_type (stmt, 2) != SQLITE_NULL)
    json_object_set_string_member (entry, "errorMessage", (const char *) sqlite3_column_text (stmt, 2));
  if (at != NULL)
    json_object_set_string_member (entry, "at", at);
  if (received != NULL)
    json_object_set_string_member (entry, "receivedAt", received);
  return entry;
}

static void
handle_list_installs (CpRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(JsonArray) items = json_array_new ();
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  const char *device_id = cp_request_param (request, 0);
  int rc;

  if (!cp_server_devices_is_owner (request->db, device_id, request->user->id, &error))
    {
      if (error != NULL)
        cp_server_problem_from_error (request, error);
      else
        cp_request_problem (request, SOUP_STATUS_NOT_FOUND, NULL, _("There is no such device"));
      return;
    }
  /* The latest report per app; the older ones stay as history. */
  stmt = cp_server_db_prepare (request->db, "SELECT app_id, state, error_message, reported_at, received_at"
                               " FROM install_reports WHERE id IN (SELECT MAX (id) FROM install_reports"
                               " WHERE device_id = ? GROUP BY app_id) ORDER BY app_id", &error);
  if (stmt == NULL)
    {
      cp_server_problem_from_error (request, error);
      return;
    }
  cp_server_db_bind_text (stmt, 1, device_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    json_array_add_object_element (items, install_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      cp_server_db_set_error (request->db, &error);
      cp_server_problem_from_error (request, error);
      return;
    }
  json_object_set_array_member (root, "items", g_steal_pointer (&items));
  json_node_set_object (node, root);
  cp_request_json (request, SOUP_STATUS_OK, node);
}

static const CpRoute routes[] = {
  { "GET", "/v1/apps", CP_ROUTE_USER, handle_list_apps },
  { "GET", "/v1/apps/{}", CP_ROUTE_USER, handle_get_app },
  { "GET", "/v1/apps/{}/icon", CP_ROUTE_PUBLIC, handle_icon },
  { "GET", "/v1/categories", CP_ROUTE_USER, handle_categories },
  { "POST", "/v1/devices/{}/installs", CP_ROUTE_DEVICE, handle_post_installs },
  { "GET", "/v1/devices/{}/installs", CP_ROUTE_USER, handle_list_installs },
};

void
cp_server_catalog_register (CpPortalServer *server)
{
  cp_portal_server_add_routes (server, routes, G_N_ELEMENTS (routes));
}
