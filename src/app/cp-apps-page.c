/* cp-apps-page.c: the Apps page of the main view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows the organisation's app catalog, from GET /v1/apps (cursor paging,
 * docs/catalog.md), in a recycling list: required apps first, then featured
 * ones, then by name. A server without a catalog answers 404, which the page
 * shows as "not published yet".
 */
#include "config.h"

#include <malloc.h>

#include <glib/gi18n.h>

#include "cp-app-util.h"
#include "cp-apps-page.h"
#include "cp-state-view.h"

/* A server that keeps sending cursors must not keep the page loading forever. */
#define MAX_PAGES 200

struct _CpAppsPage
{
  AdwBin        parent_instance;

  CpStateView  *state_view;

  CpApiClient  *client;
  GCancellable *cancellable;
  CpAppCatalog *catalog;
  /* The catalog being filled; it replaces the shown one once complete. */
  CpAppCatalog *loading;
  guint         n_pages;
};

G_DEFINE_FINAL_TYPE (CpAppsPage, cp_apps_page, ADW_TYPE_BIN)

static void request_page (CpAppsPage *self, const char *cursor);

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *icon = gtk_image_new_from_icon_name ("application-x-executable-symbolic");
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *summary = gtk_label_new (NULL);
  GtkWidget *required = gtk_label_new (_("Required"));

  gtk_widget_add_css_class (box, "cp-app-row");
  gtk_image_set_pixel_size (GTK_IMAGE (icon), 32);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_widget_set_valign (texts, GTK_ALIGN_CENTER);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (name, "heading");
  gtk_label_set_xalign (GTK_LABEL (summary), 0);
  gtk_label_set_ellipsize (GTK_LABEL (summary), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (summary, "dim-label");
  gtk_widget_set_valign (required, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (required, "cp-required-tag");

  gtk_box_append (GTK_BOX (texts), name);
  gtk_box_append (GTK_BOX (texts), summary);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), texts);
  gtk_box_append (GTK_BOX (box), required);
  gtk_list_item_set_child (item, box);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  CpApp *app = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *texts = gtk_widget_get_next_sibling (gtk_widget_get_first_child (box));
  GtkWidget *name = gtk_widget_get_first_child (texts);
  GtkWidget *summary = gtk_widget_get_next_sibling (name);
  GtkWidget *required = gtk_widget_get_last_child (box);
  const char *line = cp_app_get_summary (app);

  if (line == NULL)
    line = cp_app_get_publisher (app);
  gtk_label_set_label (GTK_LABEL (name), cp_app_get_name (app));
  gtk_label_set_label (GTK_LABEL (summary), line != NULL ? line : "");
  gtk_widget_set_visible (summary, line != NULL);
  gtk_widget_set_visible (required, cp_app_get_required (app));
}

static GtkWidget *
create_list (CpAppsPage *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkSorter *sorter = GTK_SORTER (gtk_custom_sorter_new (cp_app_compare_func, NULL, NULL));
  GtkSortListModel *sorted;
  GtkWidget *list;
  GtkWidget *clamp;
  GtkWidget *scrolled;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->catalog)), sorter);
  list = gtk_list_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (sorted))), factory);
  gtk_widget_add_css_class (list, "cp-app-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Apps"), -1);

  clamp = adw_clamp_scrollable_new ();
  adw_clamp_scrollable_set_maximum_size (ADW_CLAMP_SCROLLABLE (clamp), 720);
  adw_clamp_scrollable_set_child (ADW_CLAMP_SCROLLABLE (clamp), list);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  return scrolled;
}

/* The new catalog replaces what is shown in one step, so a reload never flickers. */
static void
show_loaded_catalog (CpAppsPage *self)
{
  g_autoptr(CpAppCatalog) loaded = g_steal_pointer (&self->loading);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (loaded));

  g_set_object (&self->catalog, loaded);
  cp_state_view_set_content (self->state_view, create_list (self));
  if (n == 0)
    cp_state_view_show_result (self->state_view, NULL);
  else
    cp_state_view_show_content (self->state_view);
  cp_bench_milestone ("catalog-first-rows");
  /* The pages' JSON trees were freed after the merge; without this glibc
   * keeps that memory (tens of MB for a large catalog) in its arenas. */
  malloc_trim (0);
}

static void
page_added_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CpAppsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *next_cursor = NULL;

  if (!cp_app_catalog_add_page_finish (CP_APP_CATALOG (source), result, &next_cursor, &error))
    {
      if (!cp_error_is_cancelled (error))
        g_debug ("GET /v1/apps: %s", error->message);
      cp_state_view_show_error (self->state_view, error);
      return;
    }

  if (next_cursor != NULL && self->n_pages < MAX_PAGES)
    {
      request_page (self, next_cursor);
      return;
    }
  show_loaded_catalog (self);
}

static void
request_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CpAppsPage) self = user_data;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  node = cp_api_client_request_finish (CP_API_CLIENT (source), result, &error);
  if (error != NULL)
    {
      if (!cp_error_is_cancelled (error))
        g_debug ("GET /v1/apps: %s", error->message);
      cp_state_view_show_error (self->state_view, error);
      return;
    }
  cp_app_catalog_add_page_async (self->loading, node, self->cancellable,
                                 page_added_cb, g_object_ref (self));
}

static void
request_page (CpAppsPage *self,
              const char *cursor)
{
  g_autofree char *path = NULL;

  self->n_pages++;
  if (cursor != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (cursor, NULL, FALSE);

      path = g_strconcat ("/v1/apps?cursor=", escaped, NULL);
    }
  cp_api_client_request_async (self->client, "GET", path != NULL ? path : "/v1/apps", NULL,
                               self->cancellable, request_cb, g_object_ref (self));
}

static void
retry_cb (CpAppsPage *self)
{
  cp_apps_page_reload (self);
}

static void
cp_apps_page_dispose (GObject *object)
{
  CpAppsPage *self = CP_APPS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_clear_object (&self->loading);
  g_clear_object (&self->catalog);
  /* No gtk_widget_dispose_template(): the bound child is AdwBin's own, which AdwBin disposes. */

  G_OBJECT_CLASS (cp_apps_page_parent_class)->dispose (object);
}

static void
cp_apps_page_class_init (CpAppsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cp_apps_page_dispose;

  g_type_ensure (CP_TYPE_STATE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/companyportal/CompanyPortal/cp-apps-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CpAppsPage, state_view);
  gtk_widget_class_bind_template_callback (widget_class, retry_cb);
}

static void
cp_apps_page_init (CpAppsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->catalog = cp_app_catalog_new ();
}

void
cp_apps_page_set_client (CpAppsPage  *self,
                         CpApiClient *client)
{
  g_return_if_fail (CP_IS_APPS_PAGE (self));
  g_return_if_fail (client == NULL || CP_IS_API_CLIENT (client));

  if (self->client == client)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->loading);
  g_set_object (&self->client, client);
  cp_app_catalog_remove_all (self->catalog);
  cp_state_view_set_content (self->state_view, NULL);
  cp_state_view_reset (self->state_view);
}

void
cp_apps_page_reload (CpAppsPage *self)
{
  g_return_if_fail (CP_IS_APPS_PAGE (self));

  if (self->client == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_set_object (&self->loading, NULL);
  self->loading = cp_app_catalog_new ();
  self->n_pages = 0;

  cp_state_view_show_loading (self->state_view);
  request_page (self, NULL);
}
