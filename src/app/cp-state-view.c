/* cp-state-view.c: loading, empty, unavailable and error states of a page
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <company-portal.h>

#include "cp-app-util.h"
#include "cp-state-view.h"

struct _CpStateView
{
  AdwBin          parent_instance;

  GtkStack       *stack;
  GtkSpinner     *spinner;
  AdwStatusPage  *empty_status;
  AdwStatusPage  *unavailable_status;
  AdwStatusPage  *unsupported_status;
  AdwStatusPage  *error_status;
  AdwBin         *content_bin;

  gboolean        has_answer;
};

G_DEFINE_FINAL_TYPE (CpStateView, cp_state_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_ICON_NAME,
  PROP_EMPTY_TITLE,
  PROP_EMPTY_DESCRIPTION,
  PROP_UNAVAILABLE_TITLE,
  PROP_UNAVAILABLE_DESCRIPTION,
  PROP_UNSUPPORTED_TITLE,
  PROP_UNSUPPORTED_DESCRIPTION,
  PROP_ERROR_TITLE,
  N_PROPS
};

enum {
  RETRY,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
set_visible_state (CpStateView *self,
                   const char  *name)
{
  gtk_spinner_set_spinning (self->spinner, g_str_equal (name, "loading"));
  gtk_stack_set_visible_child_name (self->stack, name);
}

/* A list is [] or a page {"items":[]} (docs/catalog.md); null counts as nothing too. */
static gboolean
is_empty_list (JsonNode *result)
{
  JsonObject *object;

  if (result == NULL || JSON_NODE_HOLDS_NULL (result))
    return TRUE;
  if (JSON_NODE_HOLDS_ARRAY (result))
    return json_array_get_length (json_node_get_array (result)) == 0;
  if (!JSON_NODE_HOLDS_OBJECT (result))
    return FALSE;
  object = json_node_get_object (result);
  return json_object_has_member (object, "items") &&
         JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "items")) &&
         json_array_get_length (json_object_get_array_member (object, "items")) == 0;
}

static void
retry_clicked_cb (CpStateView *self)
{
  g_signal_emit (self, signals[RETRY], 0);
}

/* Which status page and which of its properties a text property lands in. */
static void
find_target (CpStateView    *self,
             guint           prop_id,
             AdwStatusPage **page,
             const char    **name)
{
  switch (prop_id)
    {
    case PROP_EMPTY_TITLE: *page = self->empty_status; *name = "title"; break;
    case PROP_EMPTY_DESCRIPTION: *page = self->empty_status; *name = "description"; break;
    case PROP_UNAVAILABLE_TITLE: *page = self->unavailable_status; *name = "title"; break;
    case PROP_UNAVAILABLE_DESCRIPTION: *page = self->unavailable_status; *name = "description"; break;
    case PROP_UNSUPPORTED_TITLE: *page = self->unsupported_status; *name = "title"; break;
    case PROP_UNSUPPORTED_DESCRIPTION: *page = self->unsupported_status; *name = "description"; break;
    case PROP_ERROR_TITLE: *page = self->error_status; *name = "title"; break;
    default: *page = NULL; *name = NULL; break;
    }
}

static void
cp_state_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  CpStateView *self = CP_STATE_VIEW (object);
  AdwStatusPage *page;
  const char *name;

  if (prop_id == PROP_ICON_NAME)
    {
      g_value_set_string (value, adw_status_page_get_icon_name (self->empty_status));
      return;
    }

  find_target (self, prop_id, &page, &name);
  if (page == NULL)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_object_get_property (G_OBJECT (page), name, value);
}

static void
cp_state_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  CpStateView *self = CP_STATE_VIEW (object);
  AdwStatusPage *page;
  const char *name;

  if (prop_id == PROP_ICON_NAME)
    {
      adw_status_page_set_icon_name (self->empty_status, g_value_get_string (value));
      adw_status_page_set_icon_name (self->unavailable_status, g_value_get_string (value));
      return;
    }

  find_target (self, prop_id, &page, &name);
  if (page == NULL)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_object_set_property (G_OBJECT (page), name, value);
}

static void
cp_state_view_dispose (GObject *object)
{
  /* No gtk_widget_dispose_template(): the bound child is AdwBin's own, which AdwBin disposes. */

  G_OBJECT_CLASS (cp_state_view_parent_class)->dispose (object);
}

static GParamSpec *
text_param (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
}

static void
cp_state_view_class_init (CpStateViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cp_state_view_dispose;
  object_class->get_property = cp_state_view_get_property;
  object_class->set_property = cp_state_view_set_property;

  properties[PROP_ICON_NAME] = text_param ("icon-name");
  properties[PROP_EMPTY_TITLE] = text_param ("empty-title");
  properties[PROP_EMPTY_DESCRIPTION] = text_param ("empty-description");
  properties[PROP_UNAVAILABLE_TITLE] = text_param ("unavailable-title");
  properties[PROP_UNAVAILABLE_DESCRIPTION] = text_param ("unavailable-description");
  properties[PROP_UNSUPPORTED_TITLE] = text_param ("unsupported-title");
  properties[PROP_UNSUPPORTED_DESCRIPTION] = text_param ("unsupported-description");
  properties[PROP_ERROR_TITLE] = text_param ("error-title");
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The user asked to load again after an error. */
  signals[RETRY] = g_signal_new ("retry", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/companyportal/CompanyPortal/cp-state-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CpStateView, stack);
  gtk_widget_class_bind_template_child (widget_class, CpStateView, spinner);
  gtk_widget_class_bind_template_child (widget_class, CpStateView, empty_status);
  gtk_widget_class_bind_template_child (widget_class, CpStateView, unavailable_status);
  gtk_widget_class_bind_template_child (widget_class, CpStateView, unsupported_status);
  gtk_widget_class_bind_template_child (widget_class, CpStateView, error_status);
  gtk_widget_class_bind_template_child (widget_class, CpStateView, content_bin);
  gtk_widget_class_bind_template_callback (widget_class, retry_clicked_cb);
}

static void
cp_state_view_init (CpStateView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Pages may create state views after the window fixed its names. */
  cp_widget_fix_mnemonic_names (GTK_WIDGET (self));
  set_visible_state (self, "loading");
}

void
cp_state_view_show_loading (CpStateView *self)
{
  g_return_if_fail (CP_IS_STATE_VIEW (self));

  /* A refresh keeps the last answer on screen until the new one arrives. */
  if (!self->has_answer)
    set_visible_state (self, "loading");
}

void
cp_state_view_show_result (CpStateView *self,
                           JsonNode    *result)
{
  gboolean empty;

  g_return_if_fail (CP_IS_STATE_VIEW (self));

  self->has_answer = TRUE;
  /* Only emptiness is judged here; the models that show items come with their pages. */
  empty = is_empty_list (result);
  set_visible_state (self, empty ? "empty" : "unsupported");
}

void
cp_state_view_show_error (CpStateView  *self,
                          const GError *error)
{
  g_return_if_fail (CP_IS_STATE_VIEW (self));
  g_return_if_fail (error != NULL);

  if (cp_error_is_cancelled (error))
    return;

  if (g_error_matches (error, CP_ERROR, CP_ERROR_NOT_FOUND))
    {
      self->has_answer = TRUE;
      set_visible_state (self, "unavailable");
      return;
    }

  if (self->has_answer && cp_error_is_connection (error))
    {
      cp_widget_add_toast (GTK_WIDGET (self),
                           _("No connection to the server. Showing what was last loaded."));
      return;
    }

  adw_status_page_set_description (self->error_status, error->message);
  set_visible_state (self, "error");
}

void
cp_state_view_reset (CpStateView *self)
{
  g_return_if_fail (CP_IS_STATE_VIEW (self));

  self->has_answer = FALSE;
  set_visible_state (self, "loading");
}

const char *
cp_state_view_get_state (CpStateView *self)
{
  g_return_val_if_fail (CP_IS_STATE_VIEW (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

void
cp_state_view_set_content (CpStateView *self,
                           GtkWidget   *content)
{
  g_return_if_fail (CP_IS_STATE_VIEW (self));
  g_return_if_fail (content == NULL || GTK_IS_WIDGET (content));

  adw_bin_set_child (self->content_bin, content);
}

void
cp_state_view_show_content (CpStateView *self)
{
  g_return_if_fail (CP_IS_STATE_VIEW (self));

  self->has_answer = TRUE;
  set_visible_state (self, "content");
}
