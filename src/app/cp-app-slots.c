/* cp-app-slots.c: a list model of positions, so GTK 4.8 keeps its rows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <company-portal.h>

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
  gboolean    sections;
  guint       n_required;  /* in source, with sections */
  guint       n_featured;
  guint       n_rest;
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

/* The first position in [from, to) whose app is not @required (or not
 * featured): the source is sorted, so a binary search, ~15 lookups. */
static guint
partition_point (GListModel *source,
                 guint       from,
                 guint       to,
                 gboolean    required)
{
  while (from < to)
    {
      guint middle = from + (to - from) / 2;
      g_autoptr(CpApp) app = g_list_model_get_item (source, middle);
      gboolean in = required ? cp_app_get_required (app) : cp_app_get_featured (app);

      if (in)
        from = middle + 1;
      else
        to = middle;
    }
  return from;
}

static guint
count_slots (CpAppSlots *self)
{
  guint n = g_list_model_get_n_items (self->source);
  guint required_end, featured_end;

  if (!self->sections)
    {
      self->n_required = self->n_featured = 0;
      self->n_rest = n;
      return n;
    }
  required_end = partition_point (self->source, 0, n, TRUE);
  featured_end = partition_point (self->source, required_end, n, FALSE);
  self->n_required = required_end;
  self->n_featured = featured_end - required_end;
  self->n_rest = n - featured_end;
  return n + (self->n_required > 0) + (self->n_featured > 0) + (self->n_rest > 0);
}

static void
source_changed_cb (GListModel *source,
                   guint       position,
                   guint       removed,
                   guint       added,
                   CpAppSlots *self)
{
  guint old = self->n_items;
  guint now = count_slots (self);
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
  self->n_items = count_slots (self);
  g_signal_connect (source, "items-changed", G_CALLBACK (source_changed_cb), self);
  return self;
}

void
cp_app_slots_set_sections (CpAppSlots *self,
                           gboolean    sections)
{
  g_return_if_fail (CP_IS_APP_SLOTS (self));

  if (self->sections == !!sections)
    return;
  self->sections = !!sections;
  source_changed_cb (self->source, 0, 0, 0, self);
}

gboolean
cp_app_slots_get_sections (CpAppSlots *self)
{
  g_return_val_if_fail (CP_IS_APP_SLOTS (self), FALSE);
  return self->sections;
}

CpAppSlotKind
cp_app_slots_lookup (CpAppSlots *self,
                     guint       position,
                     guint      *source_position)
{
  const struct { guint size; CpAppSlotKind heading; } groups[] = {
    { self->n_required, CP_APP_SLOT_HEADING_REQUIRED },
    { self->n_featured, CP_APP_SLOT_HEADING_FEATURED },
    { self->n_rest, CP_APP_SLOT_HEADING_ALL },
  };
  guint before = 0;

  *source_position = position;
  if (!self->sections)
    return CP_APP_SLOT_APP;
  for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
    {
      if (groups[i].size == 0)
        continue;
      if (position == 0)
        return groups[i].heading;
      if (position <= groups[i].size)
        {
          *source_position = before + position - 1;
          return CP_APP_SLOT_APP;
        }
      position -= groups[i].size + 1;
      before += groups[i].size;
    }
  /* Past the end: no app there. */
  *source_position = G_MAXUINT;
  return CP_APP_SLOT_APP;
}

guint
cp_app_slots_get_section_size (CpAppSlots    *self,
                               CpAppSlotKind  heading)
{
  g_return_val_if_fail (CP_IS_APP_SLOTS (self), 0);

  switch (heading)
    {
    case CP_APP_SLOT_HEADING_REQUIRED:
      return self->n_required;
    case CP_APP_SLOT_HEADING_FEATURED:
      return self->n_featured;
    case CP_APP_SLOT_HEADING_ALL:
      return self->n_rest;
    case CP_APP_SLOT_APP:
    default:
      return 0;
    }
}
