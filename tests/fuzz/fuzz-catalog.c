/* fuzz-catalog.c: catalog pages and entries of GET /v1/apps, search text, Flatpak metadata
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"

#include "cp-json-private.h"
#include "cp-json-reader-private.h"

static void
touch (const char *text)
{
  if (text != NULL)
    g_assert_true (g_utf8_validate (text, -1, NULL));
}

static void
touch_list (const char *const *list)
{
  g_assert_nonnull (list);
  for (guint i = 0; list[i] != NULL; i++)
    touch (list[i]);
}

/* Every getter, so a dangling or unterminated value shows up under ASan. */
static void
touch_app (CpApp      *app,
           const char *query)
{
  CpInstallMethod method = cp_app_get_install_method (app);

  g_assert_nonnull (cp_app_get_id (app));
  g_assert_nonnull (cp_app_get_name (app));
  touch (cp_app_get_publisher (app));
  touch (cp_app_get_summary (app));
  touch (cp_app_get_description (app));
  touch (cp_app_get_version (app));
  touch (cp_app_get_license (app));
  touch (cp_app_get_icon_url (app));
  touch_list (cp_app_get_categories (app));
  touch_list (cp_app_get_keywords (app));
  touch_list (cp_app_get_screenshots (app));
  g_assert_cmpuint (cp_app_get_size (app), <=, CP_APP_MAX_SIZE);
  g_assert_true ((method == CP_INSTALL_METHOD_NONE) == (cp_app_get_unsupported_reason (app) != NULL));
  if (method == CP_INSTALL_METHOD_FLATPAK)
    {
      g_assert_nonnull (cp_app_get_flatpak_ref (app));
      g_assert_nonnull (cp_app_get_flatpak_remote_name (app));
      touch (cp_app_get_flatpak_remote_url (app));
    }
  else if (method == CP_INSTALL_METHOD_HANDOFF)
    g_assert_nonnull (cp_app_get_handoff_uri (app));
  else if (method == CP_INSTALL_METHOD_WEB)
    g_assert_nonnull (cp_app_get_web_url (app));
  (void) cp_app_matches (app, query);
  g_assert_cmpint (cp_app_compare (app, app), ==, 0);
}

/* The reference for the differential check: the page read the way it was
 * before the streaming reader, from a json-glib tree (cp_json_parse, as the
 * API client parsed it), entry by entry with cp_app_new_from_json(). The
 * result is the ids kept (first wins), or NULL for a rejected page. */
static GPtrArray *
tree_page_ids (JsonNode  *root,
               char     **cursor,
               guint     *n_rejected)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  JsonObject *object;
  JsonNode *items, *next;
  JsonArray *array;

  *cursor = NULL;
  *n_rejected = 0;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  object = json_node_get_object (root);
  items = json_object_get_member (object, "items");
  next = json_object_get_member (object, "nextCursor");
  if (items == NULL || !JSON_NODE_HOLDS_ARRAY (items))
    return NULL;
  if (next != NULL && !JSON_NODE_HOLDS_NULL (next))
    {
      if (!JSON_NODE_HOLDS_VALUE (next) || json_node_get_value_type (next) != G_TYPE_STRING ||
          strlen (json_node_get_string (next)) > 1024)
        return NULL;
      if (json_node_get_string (next)[0] != '\0')
        *cursor = g_strdup (json_node_get_string (next));
    }

  array = json_node_get_array (items);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autoptr(CpApp) app = cp_app_new_from_json (json_array_get_element (array, i), NULL);

      if (app == NULL)
        (*n_rejected)++;
      else if (!g_hash_table_contains (seen, cp_app_get_id (app)))
        {
          char *id = g_strdup (cp_app_get_id (app));

          g_ptr_array_add (ids, id);
          g_hash_table_add (seen, id);
        }
    }
  return g_steal_pointer (&ids);
}

/* Whether the text is one strictly valid JSON document, by the tokenizer alone. */
static gboolean
strictly_valid (const char *data,
                gsize       size)
{
  g_auto(CpJsonReader) reader;
  CpJsonToken token;

  cp_json_reader_init (&reader, data, size);
  while ((token = cp_json_reader_next (&reader)) != CP_JSON_TOKEN_EOF)
    if (token == CP_JSON_TOKEN_ERROR)
      return FALSE;
  return TRUE;
}

/* Where json-glib 1.6 reads differently by design: it cuts strings at an
 * escaped U+0000 and wraps integers beyond 64 bits. */
static gboolean
json_glib_differs (const char *data,
                   gsize       size)
{
  guint digits = 0;

  for (gsize i = 0; i < size; i++)
    {
      digits = g_ascii_isdigit (data[i]) ? digits + 1 : 0;
      if (digits >= 19)
        return TRUE;
      if (data[i] == '\\' && i + 5 < size && data[i + 1] == 'u' &&
          strncmp (data + i + 2, "0000", 4) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The streaming reader and the json-glib tree agree on the page. */
static void
check_differential (const char   *data,
                    gsize         size,
                    gboolean      accepted,
                    CpAppCatalog *catalog,
                    const char   *cursor)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autofree char *tree_cursor = NULL;
  guint n_rejected;
  GListModel *model = G_LIST_MODEL (catalog);

  if (!strictly_valid (data, size))
    {
      /* Not strict JSON: refused whatever json-glib would make of it. */
      g_assert_false (accepted);
      return;
    }
  /* Strict JSON is JSON to cp_json_parse too, except a string holding
   * U+0000, which it refuses (json-glib would cut the string there). */
  root = cp_json_parse (data, size, NULL);
  if (json_glib_differs (data, size))
    return;
  g_assert_nonnull (root);

  ids = tree_page_ids (root, &tree_cursor, &n_rejected);
  g_assert_true (accepted == (ids != NULL));
  if (!accepted)
    return;
  g_assert_cmpstr (cursor, ==, tree_cursor);
  g_assert_cmpuint (cp_app_catalog_get_n_rejected (catalog), ==, n_rejected);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, ids->len);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(CpApp) app = g_list_model_get_item (model, i);

      g_assert_cmpstr (cp_app_get_id (app), ==, ids->pdata[i]);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(CpAppCatalog) catalog = cp_app_catalog_new ();
  g_autoptr(CpApp) app = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *text = fuzz_string (data, size);
  g_autofree char *query = cp_app_prepare_query (text);
  g_autofree char *cursor = NULL;
  gboolean accepted;
  g_autoptr(JsonNode) root = NULL;

  fuzz_init ();
  /* Flatpak metadata from a remote is outside input too. */
  {
    g_autoptr(GVariant) permissions = cp_flatpak_permissions_from_metadata (text, strlen (text), NULL);

    if (permissions != NULL)
      {
        g_auto(GStrv) described = cp_flatpak_permissions_describe (permissions);

        touch_list ((const char *const *) described);
      }
  }

  /* The search box takes any text: the prepared query is words and spaces. */
  if (query != NULL)
    {
      g_assert_true (g_utf8_validate (query, -1, NULL));
      g_assert_true (query[0] != ' ' && strstr (query, "  ") == NULL);
    }

  if (size > 64 * 1024)
    return 0;

  /* The page as the window reads it: the raw bytes, streamed (no check of
   * UTF-8 or syntax before: the reader does it all). */
  bytes = g_bytes_new (data, size);
  accepted = cp_app_catalog_add_page (catalog, bytes, &cursor, NULL);
  if (accepted)
    {
      GListModel *model = G_LIST_MODEL (catalog);

      touch (cursor);
      for (guint i = 0; i < g_list_model_get_n_items (model); i++)
        {
          g_autoptr(CpApp) item = g_list_model_get_item (model, i);

          touch_app (item, query);
          g_assert_true (cp_app_catalog_lookup (catalog, cp_app_get_id (item)) == item);
          if (i > 0)
            {
              g_autoptr(CpApp) previous = g_list_model_get_item (model, i - 1);
              int ab = cp_app_compare (previous, item);
              int ba = cp_app_compare (item, previous);

              g_assert_true ((ab < 0) == (ba > 0));
            }
        }
    }
  check_differential ((const char *) data, size, accepted, catalog, cursor);

  /* A single entry (GET /v1/apps/{id}) still comes through json-glib. */
  root = cp_json_parse ((const char *) data, size, NULL);
  if (root == NULL)
    return 0;

  app = cp_app_new_from_json (root, NULL);
  if (app != NULL)
    touch_app (app, query);

  return 0;
}
