/* cp-app-catalog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-app-catalog.h"
#include "cp-app-private.h"
#include "cp-error.h"
#include "cp-json-reader-private.h"

/* A cursor is an opaque token echoed back in a query string; anything longer
 * than this is not a cursor. */
#define MAX_CURSOR_LENGTH 1024

struct _CpAppCatalog
{
  GObject     parent_instance;

  GPtrArray  *apps;       /* CpApp, in server order */
  GHashTable *by_id;      /* id (owned by the app) -> CpApp */
  guint       n_rejected;
  guint       n_duplicates;
};

static void cp_app_catalog_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CpAppCatalog, cp_app_catalog, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      cp_app_catalog_list_model_init))

enum {
  PROP_0,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
invalid_page (GError **error)
{
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
               _("The server sent an app catalog page that cannot be read."));
  return FALSE;
}

/* What one page holds, read without touching the catalog: safe in a thread. */
typedef struct
{
  GPtrArray *apps;
  char      *next_cursor;
  guint      n_rejected;
} Page;

static void
page_free (Page *page)
{
  g_clear_pointer (&page->apps, g_ptr_array_unref);
  g_free (page->next_cursor);
  g_free (page);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Page, page_free)

/* Reading state: a repeated member replaces the earlier one, as json-glib
 * does with the tree, so "items" and "nextCursor" are judged by their last
 * occurrence. */
typedef struct
{
  CpJsonReader  reader;
  CpAppEntry    entry;
  CpAppPool    *pool;
  GCancellable *cancellable;
  Page         *page;
  gboolean      items_ok;
  gboolean      cursor_ok;
} PageReader;

static void
read_entry (PageReader *self)
{
  g_autoptr(GError) error = NULL;
  CpApp *app = cp_app_new_from_entry (&self->entry, self->pool, &error);

  if (app == NULL)
    {
      g_debug ("Skipping a catalog entry: %s", error->message);
      self->page->n_rejected++;
      return;
    }
  g_ptr_array_add (self->page->apps, app);
}

/* The "items" array, entry by entry; FALSE for malformed JSON or when
 * cancelled. An element that is not an object is a rejected entry. */
static gboolean
read_items (PageReader *self)
{
  CpJsonToken token;

  g_ptr_array_set_size (self->page->apps, 0);
  self->page->n_rejected = 0;
  while ((token = cp_json_reader_next (&self->reader)) != CP_JSON_TOKEN_END_ARRAY)
    {
      if (token != CP_JSON_TOKEN_BEGIN_OBJECT)
        {
          if (!cp_json_reader_skip (&self->reader, token))
            return FALSE;
          g_debug ("Skipping a catalog entry that is not an object");
          self->page->n_rejected++;
          continue;
        }
      cp_app_entry_reset (&self->entry);
      if (!cp_app_entry_read (&self->entry, &self->reader))
        return FALSE;
      read_entry (self);
      if ((self->page->apps->len & 1023) == 0 && g_cancellable_is_cancelled (self->cancellable))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_cursor (PageReader *self,
             CpJsonToken token)
{
  CpJsonReader *reader = &self->reader;

  g_clear_pointer (&self->page->next_cursor, g_free);
  self->cursor_ok = token == CP_JSON_TOKEN_NULL;
  if (token != CP_JSON_TOKEN_STRING)
    return cp_json_reader_skip (reader, token);

  self->cursor_ok = reader->text_length <= MAX_CURSOR_LENGTH && !reader->text_has_nul;
  if (self->cursor_ok && reader->text_length > 0)
    self->page->next_cursor = g_strndup (reader->text, reader->text_length);
  return TRUE;
}

static gboolean
read_page_members (PageReader *self)
{
  CpJsonReader *reader = &self->reader;
  CpJsonToken token;

  if (cp_json_reader_next (reader) != CP_JSON_TOKEN_BEGIN_OBJECT)
    return FALSE;
  while ((token = cp_json_reader_next (reader)) == CP_JSON_TOKEN_MEMBER)
    {
      gboolean is_items = strcmp (reader->text, "items") == 0 && !reader->text_has_nul;
      gboolean is_cursor = strcmp (reader->text, "nextCursor") == 0 && !reader->text_has_nul;

      token = cp_json_reader_next (reader);
      if (is_items)
        {
          self->items_ok = token == CP_JSON_TOKEN_BEGIN_ARRAY;
          if (!(self->items_ok ? read_items (self) : cp_json_reader_skip (reader, token)))
            return FALSE;
        }
      else if (is_cursor)
        {
          if (!read_cursor (self, token))
            return FALSE;
        }
      else if (!cp_json_reader_skip (reader, token))
        return FALSE;
    }
  return token == CP_JSON_TOKEN_END_OBJECT &&
         cp_json_reader_next (reader) == CP_JSON_TOKEN_EOF &&
         self->items_ok && self->cursor_ok;
}

/* A page straight from the response bytes (docs/catalog.md): no JSON tree,
 * the entries become apps as they are read. */
static Page *
read_page (GBytes        *bytes,
           GCancellable  *cancellable,
           GError       **error)
{
  PageReader self = { .cursor_ok = TRUE, .cancellable = cancellable };
  gsize length = 0;
  const char *data = bytes != NULL ? g_bytes_get_data (bytes, &length) : NULL;
  gboolean ok;

  self.page = g_new0 (Page, 1);
  self.page->apps = g_ptr_array_new_with_free_func (g_object_unref);
  self.pool = cp_app_pool_new ();
  cp_app_entry_init (&self.entry);
  cp_json_reader_init (&self.reader, data, length);

  ok = read_page_members (&self);

  cp_json_reader_clear (&self.reader);
  cp_app_entry_clear (&self.entry);
  cp_app_pool_free (self.pool);
  if (!ok)
    {
      g_debug ("Unreadable catalog page of %" G_GSIZE_FORMAT " bytes (at byte %" G_GSIZE_FORMAT ")",
               length, cp_json_reader_get_offset (&self.reader));
      page_free (self.page);
      if (!g_cancellable_set_error_if_cancelled (cancellable, error))
        invalid_page (error);
      return NULL;
    }
  return self.page;
}

/* On the catalog's thread: the first app with an id wins, one signal per page. */
static void
merge_page (CpAppCatalog *self,
            Page         *page)
{
  guint before = self->apps->len;

  self->n_rejected += page->n_rejected;
  for (guint i = 0; i < page->apps->len; i++)
    {
      CpApp *app = g_ptr_array_index (page->apps, i);

      if (g_hash_table_contains (self->by_id, cp_app_get_id (app)))
        {
          g_debug ("Skipping a second catalog entry with id %s", cp_app_get_id (app));
          self->n_duplicates++;
          continue;
        }
      g_hash_table_insert (self->by_id, (gpointer) cp_app_get_id (app), app);
      g_ptr_array_add (self->apps, g_object_ref (app));
    }

  if (self->apps->len > before)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), before, 0, self->apps->len - before);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
}

static void
read_page_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GError *error = NULL;
  Page *page = read_page (task_data, cancellable, &error);

  if (page == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, page, (GDestroyNotify) page_free);
}

static void
read_page_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(Page) page = NULL;
  GError *error = NULL;

  page = g_task_propagate_pointer (G_TASK (result), &error);
  if (page == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  merge_page (g_task_get_source_object (task), page);
  g_task_return_pointer (task, g_steal_pointer (&page->next_cursor), g_free);
}

static GType
cp_app_catalog_get_item_type (GListModel *model)
{
  return CP_TYPE_APP;
}

static guint
cp_app_catalog_get_n_items (GListModel *model)
{
  return CP_APP_CATALOG (model)->apps->len;
}

static gpointer
cp_app_catalog_get_item (GListModel *model,
                         guint       position)
{
  CpAppCatalog *self = CP_APP_CATALOG (model);

  if (position >= self->apps->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->apps, position));
}

static void
cp_app_catalog_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = cp_app_catalog_get_item_type;
  iface->get_n_items = cp_app_catalog_get_n_items;
  iface->get_item = cp_app_catalog_get_item;
}

static void
cp_app_catalog_finalize (GObject *object)
{
  CpAppCatalog *self = CP_APP_CATALOG (object);

  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->apps, g_ptr_array_unref);

  G_OBJECT_CLASS (cp_app_catalog_parent_class)->finalize (object);
}

static void
cp_app_catalog_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CpAppCatalog *self = CP_APP_CATALOG (object);

  switch (prop_id)
    {
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->apps->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cp_app_catalog_class_init (CpAppCatalogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cp_app_catalog_finalize;
  object_class->get_property = cp_app_catalog_get_property;

  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cp_app_catalog_init (CpAppCatalog *self)
{
  self->apps = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
}

CpAppCatalog *
cp_app_catalog_new (void)
{
  return g_object_new (CP_TYPE_APP_CATALOG, NULL);
}

gboolean
cp_app_catalog_add_page (CpAppCatalog  *self,
                         GBytes        *page,
                         char         **next_cursor,
                         GError       **error)
{
  g_autoptr(Page) read = NULL;

  g_return_val_if_fail (CP_IS_APP_CATALOG (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (next_cursor != NULL)
    *next_cursor = NULL;
  read = read_page (page, NULL, error);
  if (read == NULL)
    return FALSE;

  merge_page (self, read);
  if (next_cursor != NULL)
    *next_cursor = g_steal_pointer (&read->next_cursor);
  return TRUE;
}

void
cp_app_catalog_add_page_async (CpAppCatalog        *self,
                               GBytes              *page,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;
  g_autoptr(GTask) reader = NULL;

  g_return_if_fail (CP_IS_APP_CATALOG (self));
  g_return_if_fail (page != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_app_catalog_add_page_async);

  /* No source object: the worker thread may drop the reader's last
   * reference, and the catalog must not be finalized there. */
  reader = g_task_new (NULL, cancellable, read_page_cb, task);
  g_task_set_source_tag (reader, read_page_thread);
  g_task_set_task_data (reader, g_bytes_ref (page), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (reader, read_page_thread);
}

gboolean
cp_app_catalog_add_page_finish (CpAppCatalog  *self,
                                GAsyncResult  *result,
                                char         **next_cursor,
                                GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *cursor = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cp_app_catalog_add_page_async, FALSE);

  if (next_cursor != NULL)
    *next_cursor = NULL;
  cursor = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (next_cursor != NULL)
    *next_cursor = g_steal_pointer (&cursor);
  return TRUE;
}

void
cp_app_catalog_remove_all (CpAppCatalog *self)
{
  guint removed;

  g_return_if_fail (CP_IS_APP_CATALOG (self));

  removed = self->apps->len;
  g_hash_table_remove_all (self->by_id);
  g_ptr_array_set_size (self->apps, 0);
  self->n_rejected = 0;
  self->n_duplicates = 0;
  if (removed > 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
}

CpApp *
cp_app_catalog_lookup (CpAppCatalog *self,
                       const char   *id)
{
  g_return_val_if_fail (CP_IS_APP_CATALOG (self), NULL);

  if (id == NULL)
    return NULL;
  return g_hash_table_lookup (self->by_id, id);
}

guint
cp_app_catalog_get_n_rejected (CpAppCatalog *self)
{
  g_return_val_if_fail (CP_IS_APP_CATALOG (self), 0);
  return self->n_rejected;
}

guint
cp_app_catalog_get_n_duplicates (CpAppCatalog *self)
{
  g_return_val_if_fail (CP_IS_APP_CATALOG (self), 0);
  return self->n_duplicates;
}

GPtrArray *
cp_app_catalog_get_required (CpAppCatalog *self)
{
  GPtrArray *required;

  g_return_val_if_fail (CP_IS_APP_CATALOG (self), NULL);

  required = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->apps->len; i++)
    {
      CpApp *app = g_ptr_array_index (self->apps, i);

      if (cp_app_get_required (app))
        g_ptr_array_add (required, g_object_ref (app));
    }
  return required;
}
