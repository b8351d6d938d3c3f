/* cp-apps-page.c: the Apps page of the main view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows the organisation's app catalog, from GET /v1/apps (cursor paging,
 * docs/catalog.md), in a recycling list with headed sections: Required,
 * Featured, then All Apps by name; a category (GET /v1/categories, with
 * their display names, picked from a menu built when first opened) narrows
 * all three. While searching the sections collapse into one list of
 * results, as GNOME Software's search does. A server without a catalog
 * answers 404, which the page shows as "not published yet".
 *
 * The page keeps only the CpApp objects: an install fetches the app's
 * entry from the server then (CpAppInstalls).
 *
 * The list is filter(sort(catalog)): the catalog is sorted once when it
 * arrives, and a keystroke only re-runs cp_app_matches(), a few substring
 * searches per app, so 20,000 apps filter within a frame.
 */
#include "config.h"

#include <malloc.h>

#include <glib/gi18n.h>

#include "cp-app-details-page.h"
#include "cp-app-row.h"
#include "cp-app-slots.h"
#include "cp-app-util.h"
#include "cp-application.h"
#include "cp-apps-page.h"
#include "cp-state-view.h"

/* A server that keeps sending cursors must not keep the page loading forever. */
#define MAX_PAGES 200
/* The largest page GET /v1/apps gives (data/openapi.yaml): 100,000 apps at most. */
#define PAGE_LIMIT 500
/* Before the list has a height: as many items as the window's height holds
 * at this height each (a row is about 70 px, a heading 40). */
#define ITEM_HEIGHT_GUESS 60

struct _CpAppsPage
{
  AdwBin              parent_instance;

  CpStateView        *state_view;
  GtkStack           *views;
  GtkSearchEntry     *search_entry;
  GtkMenuButton      *category_button;
  GtkWidget          *required_bar;
  GtkLabel           *required_label;
  GtkButton          *required_button;
  CpStateView        *results_view;
  CpAppDetailsPage   *details_page;
  GtkWidget          *list;

  CpApiClient        *client;
  GCancellable       *cancellable;
  CpAppInstalls      *installs;
  CpIconCache        *icons;
  CpAppCatalog       *catalog;
  GtkSortListModel   *sorted;
  GtkFilterListModel *filtered;
  CpAppSlots         *slots;       /* what the list view shows: see cp-app-slots.h */
  GPtrArray          *bound;       /* the GtkListItems bound now */
  GtkAdjustment      *vadjustment; /* the list's scrolling */
  GPtrArray          *category_ids;    /* the categories offered: ids, NULL for "All" first */
  GPtrArray          *category_names;  /* the same positions: display names */
  GSimpleAction      *category_action; /* "apps.category": its state is the id shown, "" for all */
  GMenu              *category_menu;   /* its popover is built when first opened */
  GVariant           *server_categories;  /* a(ss) from /v1/categories, NULL: not (yet) */
  /* The catalog being filled; it replaces the shown one once complete. */
  CpAppCatalog       *loading;
  guint               n_pages;

  char               *query;       /* cp_app_prepare_query(), NULL = everything */
  char               *category;    /* NULL = all */
};

G_DEFINE_FINAL_TYPE (CpAppsPage, cp_apps_page, ADW_TYPE_BIN)

static void request_page (CpAppsPage *self, const char *cursor);

static const char *
api_base_url (CpAppsPage *self)
{
  return self->client != NULL ? cp_api_client_get_api_base_url (self->client) : NULL;
}

/* Filtering */

static gboolean
filter_func (gpointer item,
             gpointer user_data)
{
  CpAppsPage *self = user_data;
  CpApp *app = item;

  if (self->category != NULL &&
      !g_strv_contains (cp_app_get_categories (app), self->category))
    return FALSE;
  return self->query == NULL || cp_app_matches (app, self->query);
}

static void
refilter (CpAppsPage       *self,
          GtkFilterChange   change)
{
  GtkFilter *filter = gtk_filter_list_model_get_filter (self->filtered);

  gtk_filter_changed (filter, change);
}

static void
search_changed_cb (CpAppsPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *query = cp_app_prepare_query (text);
  GtkFilterChange change = GTK_FILTER_CHANGE_DIFFERENT;

  if (g_strcmp0 (query, self->query) == 0)
    return;
  /* Typing on narrows, deleting widens: GTK then re-checks only what can change. */
  if (query == NULL)
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  else if (self->query != NULL && g_str_has_prefix (query, self->query) && strchr (query + strlen (self->query), ' ') == NULL)
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (self->query != NULL && g_str_has_prefix (self->query, query))
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  g_free (self->query);
  self->query = g_steal_pointer (&query);
  refilter (self, change);
  /* Searching is one list of results, as in GNOME Software; the sections come back after. */
  cp_app_slots_set_sections (self->slots, self->query == NULL);
}

/* The list's item widget showing the topmost app (headings skipped). The
 * list recycles its children, so their order is not the screen's. */
static GtkWidget *
first_app_item (CpAppsPage *self)
{
  GtkWidget *best = NULL;
  double best_y = G_MAXDOUBLE;

  for (GtkWidget *item = gtk_widget_get_first_child (self->list); item != NULL;
       item = gtk_widget_get_next_sibling (item))
    {
      GtkWidget *row = gtk_widget_get_first_child (item);
      double x, y;

      if (!CP_IS_APP_ROW (row) || !gtk_widget_get_mapped (item) ||
          g_object_get_data (G_OBJECT (row), "cp-app") == NULL ||
          !gtk_widget_translate_coordinates (item, self->list, 0, 0, &x, &y))
        continue;
      if (y < best_y)
        {
          best = item;
          best_y = y;
        }
    }
  return best;
}

static void
search_activate_cb (CpAppsPage *self)
{
  /* Enter in the search field moves to the first result's row (not into
   * it: a second Enter then opens the details rather than installing). */
  GtkWidget *first = first_app_item (self);

  if (first != NULL)
    gtk_widget_grab_focus (first);
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) > 0)
    gtk_widget_child_focus (self->list, GTK_DIR_TAB_FORWARD);
}

static void
results_changed_cb (CpAppsPage *self)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) == 0)
    cp_state_view_show_result (self->results_view, NULL);
  else
    cp_state_view_show_content (self->results_view);
}

static int
compare_collated (gconstpointer a,
                  gconstpointer b)
{
  return g_utf8_collate (*(const char *const *) a, *(const char *const *) b);
}

/* The category filter */

/* Where @id is among the categories offered: 0 for NULL or "" (all: no
 * app has an empty category, cp-app.c drops them), G_MAXUINT when absent. */
static guint
category_position (CpAppsPage *self,
                   const char *id)
{
  if (id == NULL || *id == '\0')
    return 0;
  for (guint i = 1; i < self->category_ids->len; i++)
    if (g_str_equal (self->category_ids->pdata[i], id))
      return i;
  return G_MAXUINT;
}

/* GTK 4.8 gives the focus to a menu button's inner toggle button, which is
 * labelled by what it shows: it is named as the filter instead (without
 * the label too, as "Category Office" would be), with the category it shows
 * as its description. */
static void
name_category_button (CpAppsPage *self,
                      const char *shown)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->category_button));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_TOGGLE_BUTTON (child))
      {
        gtk_accessible_reset_relation (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
        gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL, _("Category"),
                                        GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, shown,
                                        -1);
      }
}

/* The button says which category is shown, the menu checks it, the list shows its apps. */
static void
show_category (CpAppsPage *self,
               guint       position)
{
  const char *id = self->category_ids->pdata[position];
  const char *name = self->category_names->pdata[position];

  g_simple_action_set_state (self->category_action, g_variant_new_string (id != NULL ? id : ""));
  /* Setting the label builds the button's content anew: only when it changes. */
  if (g_strcmp0 (gtk_menu_button_get_label (self->category_button), name) != 0)
    {
      gtk_menu_button_set_label (self->category_button, name);
      name_category_button (self, name);
    }
  if (g_strcmp0 (id, self->category) == 0)
    return;
  g_free (self->category);
  self->category = g_strdup (id);
  refilter (self, GTK_FILTER_CHANGE_DIFFERENT);
}

/* A radio item of the menu (picked by the mouse, or by the keyboard), or cp_apps_page_set_category(). */
static void
category_change_state_cb (GSimpleAction *action,
                          GVariant      *value,
                          gpointer       user_data)
{
  CpAppsPage *self = user_data;
  guint position = category_position (self, g_variant_get_string (value, NULL));

  if (position != G_MAXUINT)
    show_category (self, position);
}

/* One radio item per category, on "apps.category" (the menu's labels take
 * mnemonics: a name's own underscores are doubled to show as they are). */
static void
fill_category_menu (CpAppsPage *self)
{
  g_menu_remove_all (self->category_menu);
  for (guint i = 0; i < self->category_ids->len; i++)
    {
      const char *id = self->category_ids->pdata[i];
      g_auto(GStrv) parts = g_strsplit (self->category_names->pdata[i], "_", -1);
      g_autofree char *label = g_strjoinv ("__", parts);
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target_value (item, "apps.category", g_variant_new_string (id != NULL ? id : ""));
      g_menu_append_item (self->category_menu, item);
    }
}

static void
add_category (CpAppsPage *self,
              const char *id,
              const char *name)
{
  g_ptr_array_add (self->category_ids, g_strdup (id));
  g_ptr_array_add (self->category_names, g_strdup (name));
}

/* The categories the loaded apps use: in the server's order with its names
 * (/v1/categories), then any it did not list, by id. */
static void
fill_categories (CpAppsPage *self)
{
  g_autoptr(GHashTable) used = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) rest = g_ptr_array_new ();
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->catalog));
  guint position;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CpApp) app = g_list_model_get_item (G_LIST_MODEL (self->catalog), i);
      const char *const *categories = cp_app_get_categories (app);

      for (guint j = 0; categories[j] != NULL; j++)
        g_hash_table_add (used, (gpointer) categories[j]);
    }

  /* Keeps "All Categories" (position 0). */
  g_ptr_array_set_size (self->category_ids, 1);
  g_ptr_array_set_size (self->category_names, 1);
  if (self->server_categories != NULL)
    {
      GVariantIter iter;
      const char *id, *name;

      g_variant_iter_init (&iter, self->server_categories);
      while (g_variant_iter_next (&iter, "(&s&s)", &id, &name))
        if (g_hash_table_remove (used, id))
          add_category (self, id, name);
    }
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, used);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_ptr_array_add (rest, key);
  }
  g_ptr_array_sort (rest, compare_collated);
  for (guint i = 0; i < rest->len; i++)
    add_category (self, rest->pdata[i], rest->pdata[i]);

  /* An open menu changes with its model. */
  fill_category_menu (self);
  /* The chosen category when it is still there, else all. */
  position = category_position (self, self->category);
  show_category (self, position != G_MAXUINT ? position : 0);
}

static void
categories_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CpAppsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) categories = cp_api_client_list_categories_finish (CP_API_CLIENT (source), result, &error);

  if (cp_error_is_cancelled (error))
    return;
  /* Without them the apps' own category ids are shown. */
  if (categories == NULL)
    g_debug ("GET /v1/categories: %s", error->message);
  g_clear_pointer (&self->server_categories, g_variant_unref);
  self->server_categories = g_steal_pointer (&categories);
  if (self->loading == NULL)
    fill_categories (self);
}

/* Required apps */

static GPtrArray *
missing_required (CpAppsPage *self)
{
  g_autoptr(GPtrArray) required = cp_app_catalog_get_required (self->catalog);
  GPtrArray *missing = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < required->len; i++)
    {
      CpApp *app = required->pdata[i];
      CpAppInstallState state;

      if (cp_app_get_install_method (app) != CP_INSTALL_METHOD_FLATPAK)
        continue;
      state = self->installs != NULL ? cp_app_installs_get_state (self->installs, cp_app_get_id (app))
                                     : CP_APP_INSTALL_STATE_UNKNOWN;
      if (state == CP_APP_INSTALL_STATE_NOT_INSTALLED || state == CP_APP_INSTALL_STATE_FAILED ||
          state == CP_APP_INSTALL_STATE_UNKNOWN)
        g_ptr_array_add (missing, g_object_ref (app));
    }
  return missing;
}

static void
update_required_bar (CpAppsPage *self)
{
  g_autoptr(GPtrArray) missing = missing_required (self);
  gboolean agent = self->installs != NULL && cp_app_installs_is_agent_available (self->installs);
  g_autofree char *text = NULL;
  g_autofree char *button = NULL;

  gtk_widget_set_visible (self->required_bar, missing->len > 0);
  if (missing->len == 0)
    return;
  if (agent)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "Your organisation requires an app that is not installed.",
                                         "Your organisation requires %u apps that are not installed.",
                                         missing->len), missing->len);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "Your organisation requires an app that needs the Company Portal agent to be installed.",
                                         "Your organisation requires %u apps that need the Company Portal agent to be installed.",
                                         missing->len), missing->len);
  button = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Install %u Required App",
                                         "Install %u Required Apps", missing->len), missing->len);
  gtk_label_set_label (self->required_label, text);
  gtk_button_set_label (self->required_button, button);
  gtk_widget_set_visible (GTK_WIDGET (self->required_button), agent);
}

static void
install_required_cb (CpAppsPage *self)
{
  g_autoptr(GPtrArray) missing = missing_required (self);

  for (guint i = 0; i < missing->len; i++)
    {
      CpApp *app = missing->pdata[i];

      cp_app_installs_install (self->installs, cp_app_get_id (app));
    }
}

static void
installs_changed_cb (CpAppsPage *self)
{
  update_required_bar (self);
}

/* The list */

/* A list item's child: a row showing an app or a section heading. */
static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              CpAppsPage               *self)
{
  GtkWidget *row = cp_app_row_new ();

  cp_app_row_set_context (CP_APP_ROW (row), self->installs);
  gtk_list_item_set_child (item, row);
}

static const char *
heading_text (CpAppSlotKind kind)
{
  switch (kind)
    {
    case CP_APP_SLOT_HEADING_REQUIRED:
      return _("Required");
    case CP_APP_SLOT_HEADING_FEATURED:
      return _("Featured");
    case CP_APP_SLOT_HEADING_ALL:
      return _("All Apps");
    case CP_APP_SLOT_APP:
    default:
      return NULL;
    }
}

static void
show_heading (GtkListItem   *item,
              CpAppSlotKind  kind)
{
  GtkWidget *row = gtk_list_item_get_child (item);

  g_object_set_data (G_OBJECT (row), "cp-app", NULL);
  cp_app_row_show_heading (CP_APP_ROW (row), heading_text (kind));
  gtk_list_item_set_activatable (item, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_parent (row)),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, heading_text (kind), -1);
}

static int
window_height (CpAppsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  int height = root != NULL ? gtk_widget_get_height (GTK_WIDGET (root)) : 0;

  return height > 0 ? height : 600;   /* not shown yet: a small window's */
}

/* GTK 4.8's list view keeps 200 rows bound however few are on screen. Only
 * rows from half a screen above what is shown to half a screen below it build
 * their widgets and get their icon; the others do
 * when scrolling brings them near. Positions are estimated from the
 * adjustment (GTK does the same with row heights). */
static gboolean
row_is_near (CpAppsPage *self,
             guint       position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->slots));
  double upper, page, value, item_height;

  if (self->vadjustment == NULL)
    return TRUE;
  upper = gtk_adjustment_get_upper (self->vadjustment);
  page = gtk_adjustment_get_page_size (self->vadjustment);
  value = gtk_adjustment_get_value (self->vadjustment);
  if (n == 0 || upper <= 0 || page <= 0)
    page = upper = 0;  /* not allocated yet: the first rows only */
  item_height = upper > 0 ? upper / n : 1;
  if (page <= 0)
    return position * ITEM_HEIGHT_GUESS < (guint) window_height (self);
  return (position + 1) * item_height >= value - page / 2 &&
         position * item_height <= value + 1.5 * page;
}

/* Shows what is now at the item's position; nothing when it is the same app. */
static void
update_row (CpAppsPage  *self,
            GtkListItem *item)
{
  CpAppSlot *slot = gtk_list_item_get_item (item);
  guint position;
  CpAppSlotKind kind = cp_app_slots_lookup (self->slots, cp_app_slot_get_position (slot), &position);
  g_autoptr(CpApp) app = NULL;
  GtkWidget *row = gtk_list_item_get_child (item);
  g_autofree char *label = NULL;
  gboolean near;

  if (kind != CP_APP_SLOT_APP)
    {
      show_heading (item, kind);
      return;
    }
  app = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);
  /* Under a heading the tags would say it twice (and cost width at 360 px). */
  cp_app_row_set_show_tags (CP_APP_ROW (row), !cp_app_slots_get_sections (self->slots));
  near = row_is_near (self, gtk_list_item_get_position (item));
  if (app == NULL || (g_object_get_data (G_OBJECT (row), "cp-app") == (gpointer) app &&
                      cp_app_row_get_near (CP_APP_ROW (row)) == near))
    return;
  gtk_list_item_set_activatable (item, TRUE);
  g_object_set_data (G_OBJECT (row), "cp-app", app);
  cp_app_row_set_near (CP_APP_ROW (row), near);
  cp_app_row_set_app (CP_APP_ROW (row), app, near ? self->icons : NULL, api_base_url (self));
  label = cp_app_get_required (app) ? g_strdup_printf (_("%s, required"), cp_app_get_name (app))
                                    : g_strdup (cp_app_get_name (app));
  gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_parent (row)),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             CpAppsPage               *self)
{
  g_ptr_array_add (self->bound, item);
  update_row (self, item);
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               CpAppsPage               *self)
{
  GtkWidget *row = gtk_list_item_get_child (item);

  g_ptr_array_remove_fast (self->bound, item);
  g_object_set_data (G_OBJECT (row), "cp-app", NULL);
  cp_app_row_set_app (CP_APP_ROW (row), NULL, NULL, NULL);
}

static void
slots_refresh_cb (CpAppsPage *self)
{
  for (guint i = 0; i < self->bound->len; i++)
    update_row (self, self->bound->pdata[i]);
}

static void details_back_cb (CpAppsPage *self);

/* Built the first time an app's details are asked for: most visits never do. */
static void
ensure_details_page (CpAppsPage *self)
{
  if (self->details_page != NULL)
    return;
  self->details_page = CP_APP_DETAILS_PAGE (cp_app_details_page_new ());
  g_signal_connect_object (self->details_page, "back", G_CALLBACK (details_back_cb), self, G_CONNECT_SWAPPED);
  /* No cp_widget_fix_mnemonic_names(): the page names its buttons itself. */
  gtk_stack_add_named (self->views, GTK_WIDGET (self->details_page), "details");
}

static void
show_details (CpAppsPage *self,
              CpApp      *app)
{
  ensure_details_page (self);
  cp_app_details_page_set_context (self->details_page, self->installs, self->icons, api_base_url (self));
  cp_app_details_page_set_app (self->details_page, app);
  gtk_stack_set_visible_child_name (self->views, "details");
  cp_app_details_page_focus (self->details_page);
}

static void
activate_cb (GtkListView *list,
             guint        position,
             CpAppsPage  *self)
{
  guint source_position;
  g_autoptr(CpApp) app = NULL;

  /* Headings are not activatable; an app's slot says where it is. */
  if (cp_app_slots_lookup (self->slots, position, &source_position) != CP_APP_SLOT_APP)
    return;
  app = g_list_model_get_item (G_LIST_MODEL (self->filtered), source_position);
  if (app != NULL)
    show_details (self, app);
}

static void
details_back_cb (CpAppsPage *self)
{
  gtk_stack_set_visible_child_name (self->views, "browse");
  gtk_widget_grab_focus (self->list);
}

static void
create_list (CpAppsPage *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *clamp;
  GtkWidget *scrolled;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), self);
  self->list = gtk_list_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->slots)))),
                                  factory);
  gtk_list_view_set_single_click_activate (GTK_LIST_VIEW (self->list), TRUE);
  g_signal_connect (self->list, "activate", G_CALLBACK (activate_cb), self);
  gtk_widget_add_css_class (self->list, "cp-app-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Apps"), -1);

  clamp = adw_clamp_scrollable_new ();
  adw_clamp_scrollable_set_maximum_size (ADW_CLAMP_SCROLLABLE (clamp), 720);
  adw_clamp_scrollable_set_child (ADW_CLAMP_SCROLLABLE (clamp), self->list);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  cp_state_view_set_content (self->results_view, scrolled);
  self->vadjustment = g_object_ref (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled)));
  g_signal_connect_swapped (self->vadjustment, "value-changed", G_CALLBACK (slots_refresh_cb), self);
  g_signal_connect_swapped (self->vadjustment, "changed", G_CALLBACK (slots_refresh_cb), self);
}

/* Loading */

/* The new catalog replaces what is shown in one step, so a reload never flickers. */
static void
show_loaded_catalog (CpAppsPage *self)
{
  g_autoptr(CpAppCatalog) loaded = g_steal_pointer (&self->loading);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (loaded));

  g_set_object (&self->catalog, loaded);
  gtk_sort_list_model_set_model (self->sorted, G_LIST_MODEL (self->catalog));
  fill_categories (self);
  update_required_bar (self);
  results_changed_cb (self);
  cp_state_view_set_content (self->state_view, GTK_WIDGET (self->views));
  if (n == 0)
    cp_state_view_show_result (self->state_view, NULL);
  else
    cp_state_view_show_content (self->state_view);
  cp_bench_milestone ("catalog-first-rows");
  /* The pages were read and freed; without this glibc
   * keeps what malloc held for them in its arenas. */
  malloc_trim (0);
  g_debug ("catalog: %u apps, %u rejected, %u duplicates", n,
           cp_app_catalog_get_n_rejected (loaded), cp_app_catalog_get_n_duplicates (loaded));
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
  g_autoptr(GBytes) page = NULL;
  g_autoptr(GError) error = NULL;

  page = cp_api_client_list_apps_finish (CP_API_CLIENT (source), result, &error);
  if (error != NULL)
    {
      if (!cp_error_is_cancelled (error))
        g_debug ("GET /v1/apps: %s", error->message);
      cp_state_view_show_error (self->state_view, error);
      return;
    }
  if (self->loading == NULL)
    return;
  cp_app_catalog_add_page_async (self->loading, page, self->cancellable,
                                 page_added_cb, g_object_ref (self));
}

static void
request_page (CpAppsPage *self,
              const char *cursor)
{
  self->n_pages++;
  /* The whole catalog: search and categories are applied here, without a round trip. */
  cp_api_client_list_apps_async (self->client, NULL, NULL, cursor, PAGE_LIMIT,
                                 self->cancellable, request_cb, g_object_ref (self));
}

static void
retry_cb (CpAppsPage *self)
{
  cp_apps_page_reload (self);
}

/* GObject */

static void
cp_apps_page_dispose (GObject *object)
{
  CpAppsPage *self = CP_APPS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_clear_object (&self->loading);
  if (self->installs != NULL)
    g_signal_handlers_disconnect_by_data (self->installs, self);
  g_clear_object (&self->installs);
  g_clear_object (&self->icons);
  if (self->vadjustment != NULL)
    g_signal_handlers_disconnect_by_data (self->vadjustment, self);
  g_clear_object (&self->vadjustment);
  /* No gtk_widget_dispose_template(): the bound child is AdwBin's own, which AdwBin disposes. */

  G_OBJECT_CLASS (cp_apps_page_parent_class)->dispose (object);
}

static void
cp_apps_page_finalize (GObject *object)
{
  CpAppsPage *self = CP_APPS_PAGE (object);

  g_clear_object (&self->slots);
  g_clear_pointer (&self->bound, g_ptr_array_unref);
  g_clear_object (&self->filtered);
  g_clear_object (&self->sorted);
  g_clear_object (&self->catalog);
  g_clear_pointer (&self->category_ids, g_ptr_array_unref);
  g_clear_pointer (&self->category_names, g_ptr_array_unref);
  g_clear_object (&self->category_action);
  g_clear_object (&self->category_menu);
  g_clear_pointer (&self->server_categories, g_variant_unref);
  g_free (self->query);
  g_free (self->category);

  G_OBJECT_CLASS (cp_apps_page_parent_class)->finalize (object);
}

static gboolean
focus_search_cb (GtkWidget *widget,
                 GVariant  *args,
                 gpointer   user_data)
{
  /* Global scope: Ctrl+F works wherever the focus is in the window (the
   * header's view switcher too), while this page is the one shown. */
  if (!gtk_widget_get_mapped (widget))
    return FALSE;
  return cp_apps_page_focus_search (CP_APPS_PAGE (widget));
}

static void
add_search_shortcut (CpAppsPage *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (controller), GTK_SHORTCUT_SCOPE_GLOBAL);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_f, GDK_CONTROL_MASK),
                                                          gtk_callback_action_new (focus_search_cb, NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

static void
cp_apps_page_class_init (CpAppsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cp_apps_page_dispose;
  object_class->finalize = cp_apps_page_finalize;

  g_type_ensure (CP_TYPE_STATE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/companyportal/CompanyPortal/cp-apps-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CpAppsPage, state_view);
  gtk_widget_class_bind_template_child (widget_class, CpAppsPage, views);
  gtk_widget_class_bind_template_child (widget_class, CpAppsPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, CpAppsPage, category_button);
  gtk_widget_class_bind_template_child (widget_class, CpAppsPage, required_bar);
  gtk_widget_class_bind_template_child (widget_class, CpAppsPage, required_label);
  gtk_widget_class_bind_template_child (widget_class, CpAppsPage, required_button);
  gtk_widget_class_bind_template_child (widget_class, CpAppsPage, results_view);
  gtk_widget_class_bind_template_callback (widget_class, retry_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, install_required_cb);
}

static void
setup_category_filter (CpAppsPage *self)
{
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();

  self->category_ids = g_ptr_array_new_with_free_func (g_free);
  self->category_names = g_ptr_array_new_with_free_func (g_free);
  /* The button's label in the template says the same. */
  add_category (self, NULL, _("All Categories"));
  self->category_action = g_simple_action_new_stateful ("category", G_VARIANT_TYPE_STRING,
                                                        g_variant_new_string (""));
  g_signal_connect_object (self->category_action, "change-state", G_CALLBACK (category_change_state_cb), self, 0);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (self->category_action));
  gtk_widget_insert_action_group (GTK_WIDGET (self), "apps", G_ACTION_GROUP (group));
  self->category_menu = g_menu_new ();
  fill_category_menu (self);
  /* Most visits never pick a category. */
  cp_menu_button_set_menu_on_demand (self->category_button, G_MENU_MODEL (self->category_menu));
  name_category_button (self, self->category_names->pdata[0]);
}

static void
cp_apps_page_init (CpAppsPage *self)
{
  GtkFilter *filter;
  GtkSorter *sorter;

  gtk_widget_init_template (GTK_WIDGET (self));
  add_search_shortcut (self);
  self->catalog = cp_app_catalog_new ();
  filter = GTK_FILTER (gtk_custom_filter_new (filter_func, self, NULL));
  sorter = GTK_SORTER (gtk_custom_sorter_new (cp_app_compare_func, NULL, NULL));
  self->sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->catalog)), sorter);
  self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->sorted)), filter);
  g_signal_connect_swapped (self->filtered, "items-changed", G_CALLBACK (results_changed_cb), self);
  self->slots = cp_app_slots_new (G_LIST_MODEL (self->filtered));
  cp_app_slots_set_sections (self->slots, TRUE);
  g_signal_connect_swapped (self->slots, "refresh", G_CALLBACK (slots_refresh_cb), self);
  self->bound = g_ptr_array_new ();

  setup_category_filter (self);
  create_list (self);
}

/* Rows take the agent connection and the server in setup: new ones for new ones. */
static void
rebuild_rows (CpAppsPage *self)
{
  g_autoptr(GtkListItemFactory) factory = g_object_ref (gtk_list_view_get_factory (GTK_LIST_VIEW (self->list)));

  gtk_list_view_set_factory (GTK_LIST_VIEW (self->list), NULL);
  gtk_list_view_set_factory (GTK_LIST_VIEW (self->list), factory);
}

/* Public */

void
cp_apps_page_set_installs (CpAppsPage    *self,
                           CpAppInstalls *installs)
{
  g_return_if_fail (CP_IS_APPS_PAGE (self));

  if (self->installs != NULL)
    g_signal_handlers_disconnect_by_data (self->installs, self);
  g_set_object (&self->installs, installs);
  if (installs != NULL)
    {
      g_signal_connect_swapped (installs, "changed", G_CALLBACK (installs_changed_cb), self);
      cp_app_installs_set_client (installs, self->client);
    }
  rebuild_rows (self);
  update_required_bar (self);
}

void
cp_apps_page_set_icon_cache (CpAppsPage  *self,
                             CpIconCache *icons)
{
  g_return_if_fail (CP_IS_APPS_PAGE (self));
  g_set_object (&self->icons, icons);
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
  g_clear_pointer (&self->server_categories, g_variant_unref);
  g_set_object (&self->client, client);
  if (self->installs != NULL)
    cp_app_installs_set_client (self->installs, client);
  rebuild_rows (self);
  cp_app_catalog_remove_all (self->catalog);
  gtk_stack_set_visible_child_name (self->views, "browse");
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  cp_state_view_set_content (self->state_view, NULL);
  cp_state_view_reset (self->state_view);

  /* The agent and the icons are needed once there is something to show. */
  if (client != NULL && self->installs == NULL)
    {
      g_autoptr(CpAppInstalls) installs = cp_app_installs_new ();

      cp_apps_page_set_installs (self, installs);
    }
  if (client != NULL && self->icons == NULL && CP_IS_APPLICATION (g_application_get_default ()))
    self->icons = cp_icon_cache_new (cp_application_get_session (CP_APPLICATION (g_application_get_default ())),
                                     NULL, CP_ICON_CACHE_DEFAULT_BOUND);
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
  if (self->installs != NULL)
    cp_app_installs_refresh (self->installs);

  cp_state_view_show_loading (self->state_view);
  request_page (self, NULL);
  cp_api_client_list_categories_async (self->client, self->cancellable, categories_cb, g_object_ref (self));
}

gboolean
cp_apps_page_focus_search (CpAppsPage *self)
{
  g_return_val_if_fail (CP_IS_APPS_PAGE (self), FALSE);

  gtk_stack_set_visible_child_name (self->views, "browse");
  return gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

GListModel *
cp_apps_page_get_results (CpAppsPage *self)
{
  g_return_val_if_fail (CP_IS_APPS_PAGE (self), NULL);
  return G_LIST_MODEL (self->filtered);
}

void
cp_apps_page_set_search (CpAppsPage *self,
                         const char *text)
{
  g_return_if_fail (CP_IS_APPS_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text != NULL ? text : "");
}

gboolean
cp_apps_page_set_category (CpAppsPage *self,
                           const char *category)
{
  g_return_val_if_fail (CP_IS_APPS_PAGE (self), FALSE);

  if (category_position (self, category) == G_MAXUINT)
    return FALSE;
  /* As picking it in the menu does. */
  g_action_change_state (G_ACTION (self->category_action), g_variant_new_string (category != NULL ? category : ""));
  return TRUE;
}

void
cp_apps_page_show_app (CpAppsPage *self,
                       const char *app_id)
{
  CpApp *app;

  g_return_if_fail (CP_IS_APPS_PAGE (self));

  app = cp_app_catalog_lookup (self->catalog, app_id);
  if (app != NULL)
    show_details (self, app);
}

const char *
cp_apps_page_get_view (CpAppsPage *self)
{
  g_return_val_if_fail (CP_IS_APPS_PAGE (self), NULL);
  return gtk_stack_get_visible_child_name (self->views);
}

GtkWidget *
cp_apps_page_get_required_bar (CpAppsPage *self)
{
  g_return_val_if_fail (CP_IS_APPS_PAGE (self), NULL);
  return self->required_bar;
}
