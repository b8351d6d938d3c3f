/* cp-state-view.c: loading, empty, unavailable and error states of a page
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <company-portal.h>

#include "cp-app-util.h"
#include "cp-spinner.h"
#include "cp-state-view.h"

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

#define N_TEXTS N_PROPS

struct _CpStateView
{
  AdwBin          parent_instance;

  GtkStack       *stack;
  AdwBin         *loading_bin;
  CpSpinner      *spinner;          /* NULL until loading took LOADING_DELAY_MS */
  guint           loading_timeout;
  AdwBin         *content_bin;
  GtkRevealer    *offline_revealer;
  GtkLabel       *age_label;        /* NULL until the offline notice first shows */

  /* The status pages' texts, by property (NULL for the icon's slot); the
   * pages are built the first time their state is shown. */
  char           *texts[N_TEXTS];
  char           *icon_name;        /* of the empty and unavailable states */
  char           *error_message;

  gboolean        has_answer;
  GDateTime      *loaded_at;     /* when the data on screen arrived */
  guint           age_timeout;   /* while offline: the age's next change */
};

G_DEFINE_FINAL_TYPE (CpStateView, cp_state_view, ADW_TYPE_BIN)

enum {
  RETRY,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Status pages */

typedef struct
{
  const char *state;
  guint       title;
  guint       description;
  const char *icon_name;      /* NULL: the view's icon-name */
} StatusPageSpec;

static const StatusPageSpec status_pages[] = {
  { "empty", PROP_EMPTY_TITLE, PROP_EMPTY_DESCRIPTION, NULL },
  { "unavailable", PROP_UNAVAILABLE_TITLE, PROP_UNAVAILABLE_DESCRIPTION, NULL },
  { "unsupported", PROP_UNSUPPORTED_TITLE, PROP_UNSUPPORTED_DESCRIPTION, "software-update-available-symbolic" },
  { "error", PROP_ERROR_TITLE, 0, "dialog-warning-symbolic" },
};

static void retry_clicked_cb (CpStateView *self);

static const StatusPageSpec *
find_spec (const char *state)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_pages); i++)
    if (g_str_equal (status_pages[i].state, state))
      return &status_pages[i];
  return NULL;
}

/* The status page of @spec if it was built, else NULL. */
static AdwStatusPage *
get_status_page (CpStateView          *self,
                 const StatusPageSpec *spec)
{
  GtkWidget *page = gtk_stack_get_child_by_name (self->stack, spec->state);

  return page != NULL ? ADW_STATUS_PAGE (page) : NULL;
}

static void
update_status_page (CpStateView          *self,
                    const StatusPageSpec *spec)
{
  AdwStatusPage *page = get_status_page (self, spec);

  if (page == NULL)
    return;
  adw_status_page_set_title (page, self->texts[spec->title]);
  adw_status_page_set_description (page, spec->description != 0 ? self->texts[spec->description]
                                                                 : self->error_message);
  cp_status_page_set_icon_when_shown (page, spec->icon_name != NULL ? spec->icon_name : self->icon_name);
}

/* Most states are never shown: their widgets are built the first time they are. */
static void
ensure_status_page (CpStateView          *self,
                    const StatusPageSpec *spec)
{
  GtkWidget *page;

  if (get_status_page (self, spec) != NULL)
    return;
  page = adw_status_page_new ();
  if (g_str_equal (spec->state, "error"))
    {
      GtkWidget *retry = gtk_button_new_with_mnemonic (_("_Try Again"));

      gtk_widget_set_halign (retry, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (retry, "pill");
      g_signal_connect_object (retry, "clicked", G_CALLBACK (retry_clicked_cb), self, G_CONNECT_SWAPPED);
      adw_status_page_set_child (ADW_STATUS_PAGE (page), retry);
    }
  gtk_stack_add_named (self->stack, page, spec->state);
  update_status_page (self, spec);
  cp_widget_fix_mnemonic_names (page);
}

/* Answers usually come before anyone would notice a wait: the spinner
 * shows only after this long, so a quick load does not flash it (nor
 * build it). */
#define LOADING_DELAY_MS 300

static gboolean
loading_timeout_cb (gpointer user_data)
{
  CpStateView *self = user_data;
  GtkWidget *page = adw_status_page_new ();

  self->loading_timeout = 0;
  adw_status_page_set_title (ADW_STATUS_PAGE (page), _("Loading"));
  self->spinner = CP_SPINNER (cp_spinner_new ());
  gtk_widget_set_size_request (GTK_WIDGET (self->spinner), 32, 32);
  gtk_widget_set_halign (GTK_WIDGET (self->spinner), GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->spinner), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Loading"), -1);
  adw_status_page_set_child (ADW_STATUS_PAGE (page), GTK_WIDGET (self->spinner));
  adw_bin_set_child (self->loading_bin, page);
  cp_spinner_set_spinning (self->spinner, TRUE);
  return G_SOURCE_REMOVE;
}

static void
set_visible_state (CpStateView *self,
                   const char  *name)
{
  const StatusPageSpec *spec = find_spec (name);
  gboolean loading = g_str_equal (name, "loading");

  if (spec != NULL)
    ensure_status_page (self, spec);
  if (self->spinner != NULL)
    cp_spinner_set_spinning (self->spinner, loading);
  else if (loading && self->loading_timeout == 0)
    self->loading_timeout = g_timeout_add (LOADING_DELAY_MS, loading_timeout_cb, self);
  else if (!loading)
    g_clear_handle_id (&self->loading_timeout, g_source_remove);
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

/* Offline: the last answer stays, with how old it is */

static char *
format_age (GDateTime *loaded_at)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  gint64 minutes = MAX (g_date_time_difference (now, loaded_at), 0) / G_TIME_SPAN_MINUTE;
  gint64 hours = minutes / 60;
  gint64 days = hours / 24;

  if (minutes < 1)
    return g_strdup (_("Last updated less than a minute ago"));
  if (minutes < 60)
    return g_strdup_printf (ngettext ("Last updated %d minute ago", "Last updated %d minutes ago",
                                      minutes), (int) minutes);
  if (hours < 48)
    return g_strdup_printf (ngettext ("Last updated %d hour ago", "Last updated %d hours ago", hours),
                            (int) hours);
  return g_strdup_printf (ngettext ("Last updated %d day ago", "Last updated %d days ago", days), (int) days);
}

static gboolean age_timeout_cb (gpointer user_data);

/* Shows the age now and again when it next changes: once a minute after the data arrived
 * (later the text changes less often; a minute is still cheap). */
static void
update_age (CpStateView *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  GTimeSpan age = MAX (g_date_time_difference (now, self->loaded_at), 0);
  guint seconds = 60 - (guint) ((age / G_TIME_SPAN_SECOND) % 60);
  g_autofree char *text = format_age (self->loaded_at);

  gtk_label_set_label (self->age_label, text);
  g_clear_handle_id (&self->age_timeout, g_source_remove);
  self->age_timeout = g_timeout_add_seconds (seconds, age_timeout_cb, self);
}

static gboolean
age_timeout_cb (gpointer user_data)
{
  CpStateView *self = user_data;

  self->age_timeout = 0;
  update_age (self);
  return G_SOURCE_REMOVE;
}

static GtkWidget *
new_wrapped_label (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  return label;
}

/* The notice: an icon, what happened and how old the data is. */
static void
ensure_offline_notice (CpStateView *self)
{
  GtkWidget *notice, *texts;
  PangoAttrList *normal_weight;

  if (self->age_label != NULL)
    return;
  notice = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_add_css_class (notice, "cp-banner");
  gtk_box_append (GTK_BOX (notice), g_object_new (GTK_TYPE_IMAGE, "icon-name", "network-offline-symbolic",
                                                  "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION, NULL));
  texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (texts), new_wrapped_label (_("No connection to the server. Showing what was last loaded.")));
  self->age_label = GTK_LABEL (new_wrapped_label (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->age_label), "dim-label");
  /* The banner's text is bold; its age is the detail. */
  normal_weight = pango_attr_list_new ();
  pango_attr_list_insert (normal_weight, pango_attr_weight_new (PANGO_WEIGHT_NORMAL));
  gtk_label_set_attributes (self->age_label, normal_weight);
  pango_attr_list_unref (normal_weight);
  gtk_box_append (GTK_BOX (texts), GTK_WIDGET (self->age_label));
  gtk_box_append (GTK_BOX (notice), texts);
  gtk_revealer_set_child (self->offline_revealer, notice);
}

static void
show_offline (CpStateView *self)
{
  if (self->loaded_at == NULL)
    self->loaded_at = g_date_time_new_now_utc ();
  ensure_offline_notice (self);
  update_age (self);
  gtk_widget_set_visible (GTK_WIDGET (self->offline_revealer), TRUE);
  gtk_revealer_set_reveal_child (self->offline_revealer, TRUE);
  /* The window probes the server until it answers, then reloads the pages. */
  gtk_widget_activate_action (GTK_WIDGET (self), "win.connection-lost", NULL);
}

static void
hide_offline (CpStateView *self)
{
  g_clear_handle_id (&self->age_timeout, g_source_remove);
  gtk_revealer_set_reveal_child (self->offline_revealer, FALSE);
}

/* Once slid away the notice is hidden too: screen readers must not find it any more. */
static void
child_revealed_cb (CpStateView *self)
{
  if (!gtk_revealer_get_reveal_child (self->offline_revealer) &&
      !gtk_revealer_get_child_revealed (self->offline_revealer))
    gtk_widget_set_visible (GTK_WIDGET (self->offline_revealer), FALSE);
}

static void
take_answer (CpStateView *self)
{
  self->has_answer = TRUE;
  g_clear_pointer (&self->loaded_at, g_date_time_unref);
  self->loaded_at = g_date_time_new_now_utc ();
  hide_offline (self);
}

static void
retry_clicked_cb (CpStateView *self)
{
  g_signal_emit (self, signals[RETRY], 0);
}

/* The status page a text property shows on. */
static const StatusPageSpec *
spec_of_text (guint prop_id)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_pages); i++)
    if (status_pages[i].title == prop_id || status_pages[i].description == prop_id)
      return &status_pages[i];
  return NULL;
}

static void
cp_state_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  CpStateView *self = CP_STATE_VIEW (object);

  if (prop_id == PROP_ICON_NAME)
    g_value_set_string (value, self->icon_name);
  else if (spec_of_text (prop_id) != NULL)
    g_value_set_string (value, self->texts[prop_id]);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
cp_state_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  CpStateView *self = CP_STATE_VIEW (object);
  const StatusPageSpec *spec = spec_of_text (prop_id);

  if (prop_id == PROP_ICON_NAME)
    {
      g_free (self->icon_name);
      self->icon_name = g_value_dup_string (value);
      update_status_page (self, find_spec ("empty"));
      update_status_page (self, find_spec ("unavailable"));
    }
  else if (spec != NULL)
    {
      g_free (self->texts[prop_id]);
      self->texts[prop_id] = g_value_dup_string (value);
      update_status_page (self, spec);
    }
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
cp_state_view_dispose (GObject *object)
{
  CpStateView *self = CP_STATE_VIEW (object);

  g_clear_handle_id (&self->age_timeout, g_source_remove);
  g_clear_handle_id (&self->loading_timeout, g_source_remove);
  g_clear_pointer (&self->loaded_at, g_date_time_unref);
  /* No gtk_widget_dispose_template(): the bound child is AdwBin's own, which AdwBin disposes. */

  G_OBJECT_CLASS (cp_state_view_parent_class)->dispose (object);
}

static void
cp_state_view_finalize (GObject *object)
{
  CpStateView *self = CP_STATE_VIEW (object);

  for (guint i = 0; i < N_TEXTS; i++)
    g_free (self->texts[i]);
  g_free (self->icon_name);
  g_free (self->error_message);

  G_OBJECT_CLASS (cp_state_view_parent_class)->finalize (object);
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
  object_class->finalize = cp_state_view_finalize;
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
  gtk_widget_class_bind_template_child (widget_class, CpStateView, loading_bin);
  gtk_widget_class_bind_template_child (widget_class, CpStateView, content_bin);
  gtk_widget_class_bind_template_child (widget_class, CpStateView, offline_revealer);
  gtk_widget_class_bind_template_callback (widget_class, child_revealed_cb);
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

  take_answer (self);
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
      take_answer (self);
      set_visible_state (self, "unavailable");
      return;
    }

  if (self->has_answer && cp_error_is_connection (error))
    {
      show_offline (self);
      return;
    }

  hide_offline (self);
  g_free (self->error_message);
  self->error_message = g_strdup (error->message);
  update_status_page (self, find_spec ("error"));
  set_visible_state (self, "error");
}

void
cp_state_view_reset (CpStateView *self)
{
  g_return_if_fail (CP_IS_STATE_VIEW (self));

  self->has_answer = FALSE;
  g_clear_pointer (&self->loaded_at, g_date_time_unref);
  hide_offline (self);
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

  take_answer (self);
  set_visible_state (self, "content");
}

gboolean
cp_state_view_get_offline (CpStateView *self)
{
  g_return_val_if_fail (CP_IS_STATE_VIEW (self), FALSE);

  return gtk_revealer_get_reveal_child (self->offline_revealer);
}
