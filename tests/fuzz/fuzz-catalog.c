/* fuzz-catalog.c: catalog pages and entries of GET /v1/apps, search text, Flatpak metadata
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"

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

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(CpAppCatalog) catalog = cp_app_catalog_new ();
  g_autoptr(CpApp) app = NULL;
  g_autofree char *text = fuzz_string (data, size);
  g_autofree char *query = cp_app_prepare_query (text);
  g_autofree char *cursor = NULL;
  JsonNode *root;

  fuzz_init ();
  /* Flatpak metadata from a remote is outside input too. */
  {
    g_auto(GStrv) permissions = cp_app_describe_flatpak_permissions (text, NULL);

    if (permissions != NULL)
      touch_list ((const char *const *) permissions);
  }

  /* The search box takes any text: the prepared query is words and spaces. */
  if (query != NULL)
    {
      g_assert_true (g_utf8_validate (query, -1, NULL));
      g_assert_true (query[0] != ' ' && strstr (query, "  ") == NULL);
    }

  if (size > 64 * 1024 || !g_utf8_validate_len ((const char *) data, size, NULL) ||
      !json_parser_load_from_data (parser, (const char *) data, (gssize) size, NULL))
    return 0;
  root = json_parser_get_root (parser);
  if (root == NULL)
    return 0;

  app = cp_app_new_from_json (root, NULL);
  if (app != NULL)
    touch_app (app, query);

  if (cp_app_catalog_add_page (catalog, root, &cursor, NULL))
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

  return 0;
}
