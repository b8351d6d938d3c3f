/* cp-app-slots.c: a list model of positions, so GTK 4.8 keeps its rows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cp-app-slots.h"

struct _CpAppSlot
{
  GObject parent_instance;
  guint   position;
};

G_DEFINE_FINAL_TYPE (CpAppSlot, cp_app_slot, G_TYPE_OBJECT)

static void cp_app_slot_class_init (CpAppSlotClass *klass) { }
static void cp_app_slot_init (CpAppSlot *self) { }

guint
cp_app_slot_get_position (CpAppSlot *self)
{
  g_return_val_if_fail (CP_IS_APP_SLOT (self), 0);
  return self->position;
}

struct _CpAppSlots
{
  GObject     parent_instance;

  GListModel *source;
  guint       n_items;
  GPtrArray  *slots;   /* created when first asked for, NULL until then */
};

static void list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CpAppSlots, cp_app_slots, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_init))

enum { REFRESH, N_SIGNALS };
static guint signals[N_SIGNALS];

static GType
get_item_type (GListModel *model)
{
  return CP_TYPE_APP_SLOT;
}

static guint
get_n_items (GListModel *model)
{
  return CP_APP_SLOTS (model)->n_items;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  CpAppSlots *self = CP_APP_SLOTS (model);
  CpAppSlot *slot;

  if (position >= self->n_items)
    return NULL;
  if (self->slots->len <= position)
    g_ptr_array_set_size (self->slots, position + 1);
  slot = self->slots->pdata[position];
  if (slot == NULL)
    {
      slot = g_object_new (CP_TYPE_APP_SLOT, NULL);
      slot->position = position;
      self->slots->pdata[position] = slot;
    }
  return g_object_ref (slot);
}

static void
list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
source_changed_cb (GListModel *source,
                   guint       position,
                   guint       removed,
                   guint       added,
                   CpAppSlots *self)
{
  guint old = self->n_items;
  guint now = g_list_model_get_n_items (source);
  guint common = MIN (old, now);

  self->n_items = now;
  /* Slots past the end go: a position that comes back is a new item. */
  if (self->slots->len > now)
    g_ptr_array_set_size (self->slots, now);
  if (old != now)
    g_list_model_items_changed (G_LIST_MODEL (self), common, old - common, now - common);
  g_signal_emit (self, signals[REFRESH], 0);
}

static void
cp_app_slots_dispose (GObject *object)
{
  CpAppSlots *self = CP_APP_SLOTS (object);

  if (self->source != NULL)
    g_signal_handlers_disconnect_by_data (self->source, self);
  g_clear_object (&self->source);
  g_clear_pointer (&self->slots, g_ptr_array_unref);

  G_OBJECT_CLASS (cp_app_slots_parent_class)->dispose (object);
}

static void
cp_app_slots_class_init (CpAppSlotsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cp_app_slots_dispose;

  signals[REFRESH] = g_signal_new ("refresh", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
unref_slot (gpointer slot)
{
  if (slot != NULL)
    g_object_unref (slot);
}

static void
cp_app_slots_init (CpAppSlots *self)
{
  self->slots = g_ptr_array_new_with_free_func (unref_slot);
}

CpAppSlots *
cp_app_slots_new (GListModel *source)
{
  CpAppSlots *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (source), NULL);

  self = g_object_new (CP_TYPE_APP_SLOTS, NULL);
  self->source = g_object_ref (source);
  self->n_items = g_list_model_get_n_items (source);
  g_signal_connect (source, "items-changed", G_CALLBACK (source_changed_cb), self);
  return self;
}
