/* cp-view-switcher.c: a row of tabs for an AdwViewStack's pages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The header's view switchers. AdwViewSwitcherTitle (libadwaita 1.2) holds
 * two AdwViewSwitchers, a wide and a narrow one, and each of their buttons
 * builds both layouts (icon beside and above the label, each label twice):
 * 130 widgets for four pages, about 0.7 MB resident with the accessibility
 * objects. A tab here is a toggle button with an icon and a label in the one
 * layout its switcher's policy asks for (beside for wide, above for narrow):
 * 17 widgets for four pages. It takes libadwaita's "viewswitcher" styles
 * (ui/style.css adds what libadwaita styles inside its own buttons).
 *
 * Each tab is an accessible "tab" named after its page, selected while its
 * page shows; its label's mnemonic (the pages' "_Apps") switches to it.
 */
#include "config.h"

#include "cp-view-switcher.h"

struct _CpViewSwitcher
{
  GtkWidget              parent_instance;

  AdwViewStack          *stack;
  GtkSelectionModel     *pages;
  AdwViewSwitcherPolicy  policy;
  GPtrArray             *buttons;   /* GtkToggleButton, one per page, in order */
  gboolean               syncing;   /* setting buttons from the selection */
};

G_DEFINE_FINAL_TYPE (CpViewSwitcher, cp_view_switcher, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STACK,
  PROP_POLICY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_button (CpViewSwitcher   *self,
               GtkToggleButton  *button,
               AdwViewStackPage *page,
               gboolean          selected)
{
  GtkWidget *box = gtk_button_get_child (GTK_BUTTON (button));
  GtkImage *image = GTK_IMAGE (gtk_widget_get_first_child (box));
  GtkLabel *label = GTK_LABEL (gtk_widget_get_last_child (box));

  gtk_image_set_from_icon_name (image, adw_view_stack_page_get_icon_name (page));
  gtk_label_set_use_underline (label, adw_view_stack_page_get_use_underline (page));
  gtk_label_set_label (label, adw_view_stack_page_get_title (page));
  gtk_widget_set_visible (GTK_WIDGET (button), adw_view_stack_page_get_visible (page));
  gtk_accessible_update_state (GTK_ACCESSIBLE (button),
                               GTK_ACCESSIBLE_STATE_SELECTED, selected,
                               -1);
  self->syncing = TRUE;
  gtk_toggle_button_set_active (button, selected);
  self->syncing = FALSE;
}

static void
update_buttons (CpViewSwitcher *self)
{
  for (guint i = 0; i < self->buttons->len; i++)
    {
      g_autoptr(AdwViewStackPage) page = g_list_model_get_item (G_LIST_MODEL (self->pages), i);

      update_button (self, self->buttons->pdata[i], page,
                     gtk_selection_model_is_selected (self->pages, i));
    }
}

/* A click selects the tab's page; clicking the shown page's tab keeps it
 * pressed (a toggle button would let go). */
static void
button_active_cb (GtkToggleButton *button,
                  GParamSpec      *pspec,
                  CpViewSwitcher  *self)
{
  guint position;

  if (self->syncing || !g_ptr_array_find (self->buttons, button, &position))
    return;
  if (gtk_toggle_button_get_active (button))
    gtk_selection_model_select_item (self->pages, position, TRUE);
  else
    update_buttons (self);
}

static GtkWidget *
new_button (CpViewSwitcher *self)
{
  GtkWidget *button = g_object_new (GTK_TYPE_TOGGLE_BUTTON,
                                    "accessible-role", GTK_ACCESSIBLE_ROLE_TAB,
                                    "focus-on-click", FALSE,
                                    NULL);
  gboolean narrow = self->policy == ADW_VIEW_SWITCHER_POLICY_NARROW;
  GtkWidget *box = gtk_box_new (narrow ? GTK_ORIENTATION_VERTICAL : GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *label = gtk_label_new (NULL);

  /* Added, not set: "css-classes" would drop the button's own "toggle". */
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (box, narrow ? "narrow" : "wide");
  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  if (narrow)
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), gtk_image_new ());
  gtk_box_append (GTK_BOX (box), label);
  /* Also names the tab (GTK relates the button to its mnemonic label). */
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), button);
  gtk_button_set_child (GTK_BUTTON (button), box);
  g_signal_connect_object (button, "notify::active", G_CALLBACK (button_active_cb), self, 0);
  return button;
}

static void
remove_buttons (CpViewSwitcher *self)
{
  for (guint i = 0; i < self->buttons->len; i++)
    gtk_widget_unparent (self->buttons->pdata[i]);
  g_ptr_array_set_size (self->buttons, 0);
}

/* Pages come and go rarely (never, in the window): rebuild all tabs. */
static void
pages_changed_cb (CpViewSwitcher *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->pages));

  remove_buttons (self);
  for (guint i = 0; i < n; i++)
    {
      GtkWidget *button = new_button (self);

      gtk_widget_set_parent (button, GTK_WIDGET (self));
      g_ptr_array_add (self->buttons, button);
    }
  update_buttons (self);
}

/* A page's title, icon or visibility changed. */
static void
page_notify_cb (CpViewSwitcher *self)
{
  update_buttons (self);
}

static void
watch_pages (CpViewSwitcher *self,
             gboolean        watch)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->pages));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AdwViewStackPage) page = g_list_model_get_item (G_LIST_MODEL (self->pages), i);

      if (watch)
        g_signal_connect_object (page, "notify", G_CALLBACK (page_notify_cb), self, G_CONNECT_SWAPPED);
      else
        g_signal_handlers_disconnect_by_data (page, self);
    }
}

static void
items_changed_cb (CpViewSwitcher *self)
{
  /* Handlers on pages that left went with them; watch the new set. */
  watch_pages (self, FALSE);
  watch_pages (self, TRUE);
  pages_changed_cb (self);
}

static void
unset_stack (CpViewSwitcher *self)
{
  if (self->pages == NULL)
    return;
  watch_pages (self, FALSE);
  g_signal_handlers_disconnect_by_data (self->pages, self);
  g_clear_object (&self->pages);
  g_clear_object (&self->stack);
  remove_buttons (self);
}

void
cp_view_switcher_set_stack (CpViewSwitcher *self,
                            AdwViewStack   *stack)
{
  g_return_if_fail (CP_IS_VIEW_SWITCHER (self));
  g_return_if_fail (stack == NULL || ADW_IS_VIEW_STACK (stack));

  if (self->stack == stack)
    return;
  unset_stack (self);
  if (stack != NULL)
    {
      self->stack = g_object_ref (stack);
      self->pages = adw_view_stack_get_pages (stack);
      g_signal_connect_object (self->pages, "items-changed", G_CALLBACK (items_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->pages, "selection-changed", G_CALLBACK (update_buttons), self, G_CONNECT_SWAPPED);
      watch_pages (self, TRUE);
      pages_changed_cb (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STACK]);
}

AdwViewStack *
cp_view_switcher_get_stack (CpViewSwitcher *self)
{
  g_return_val_if_fail (CP_IS_VIEW_SWITCHER (self), NULL);
  return self->stack;
}

GtkWidget *
cp_view_switcher_new (AdwViewSwitcherPolicy policy)
{
  return g_object_new (CP_TYPE_VIEW_SWITCHER, "policy", policy, NULL);
}

static void
cp_view_switcher_dispose (GObject *object)
{
  CpViewSwitcher *self = CP_VIEW_SWITCHER (object);

  unset_stack (self);
  G_OBJECT_CLASS (cp_view_switcher_parent_class)->dispose (object);
}

static void
cp_view_switcher_finalize (GObject *object)
{
  CpViewSwitcher *self = CP_VIEW_SWITCHER (object);

  g_ptr_array_unref (self->buttons);
  G_OBJECT_CLASS (cp_view_switcher_parent_class)->finalize (object);
}

static void
cp_view_switcher_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CpViewSwitcher *self = CP_VIEW_SWITCHER (object);

  switch (prop_id)
    {
    case PROP_STACK:
      g_value_set_object (value, self->stack);
      break;
    case PROP_POLICY:
      g_value_set_enum (value, self->policy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cp_view_switcher_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  CpViewSwitcher *self = CP_VIEW_SWITCHER (object);

  switch (prop_id)
    {
    case PROP_STACK:
      cp_view_switcher_set_stack (self, g_value_get_object (value));
      break;
    case PROP_POLICY:
      self->policy = g_value_get_enum (value);
      gtk_widget_add_css_class (GTK_WIDGET (self),
                                self->policy == ADW_VIEW_SWITCHER_POLICY_NARROW ? "narrow" : "wide");
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cp_view_switcher_class_init (CpViewSwitcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cp_view_switcher_dispose;
  object_class->finalize = cp_view_switcher_finalize;
  object_class->get_property = cp_view_switcher_get_property;
  object_class->set_property = cp_view_switcher_set_property;

  properties[PROP_STACK] =
    g_param_spec_object ("stack", NULL, NULL, ADW_TYPE_VIEW_STACK,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* How the tabs lay out, for good: beside (wide) or above (narrow). */
  properties[PROP_POLICY] =
    g_param_spec_enum ("policy", NULL, NULL, ADW_TYPE_VIEW_SWITCHER_POLICY, ADW_VIEW_SWITCHER_POLICY_WIDE,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* libadwaita's stylesheet styles "viewswitcher" and its toggle buttons. */
  gtk_widget_class_set_css_name (widget_class, "viewswitcher");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_TAB_LIST);
}

static void
cp_view_switcher_init (CpViewSwitcher *self)
{
  GtkBoxLayout *layout = GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self)));

  self->buttons = g_ptr_array_new ();
  /* Every tab as wide as the widest, like AdwViewSwitcher's. */
  gtk_box_layout_set_homogeneous (layout, TRUE);
}
