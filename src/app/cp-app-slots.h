/* cp-app-slots.h: a list model of positions, so GTK 4.8 keeps its rows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CP_TYPE_APP_SLOT (cp_app_slot_get_type ())
G_DECLARE_FINAL_TYPE (CpAppSlot, cp_app_slot, CP, APP_SLOT, GObject)

guint cp_app_slot_get_position (CpAppSlot *self);

#define CP_TYPE_APP_SLOTS (cp_app_slots_get_type ())
G_DECLARE_FINAL_TYPE (CpAppSlots, cp_app_slots, CP, APP_SLOTS, GObject)

/*
 * Item i is the CpAppSlot for position i of @source, the same object for as
 * long as position i exists. When @source changes, only the growth or
 * shrinkage at the end is an ::items-changed; ::refresh then tells the bound
 * rows to look up what their position shows now.
 *
 * Why: GTK 4.8's list view destroys every row of an ::items-changed and
 * builds new ones (about 100 of them), which cost 100+ ms per keystroke for
 * a search over 20,000 apps; this way a keystroke costs the filter plus the
 * rows whose app changed.
 */
CpAppSlots *cp_app_slots_new (GListModel *source);

/*
 * Sections (GTK 4.8 has no list section headers): with them on, a heading
 * slot comes before the required apps, the featured ones and all the
 * others, each only when that group is not empty. @source must be sorted
 * by cp_app_compare() (required, then featured, then the rest). Positions
 * then no longer match @source's: lookup() says what a slot shows.
 */
typedef enum
{
  CP_APP_SLOT_APP,
  CP_APP_SLOT_HEADING_REQUIRED,
  CP_APP_SLOT_HEADING_FEATURED,
  CP_APP_SLOT_HEADING_ALL,
} CpAppSlotKind;

void          cp_app_slots_set_sections (CpAppSlots *self,
                                         gboolean    sections);
gboolean      cp_app_slots_get_sections (CpAppSlots *self);
/* What @position shows; for an app, *@source_position is its position in @source. */
CpAppSlotKind cp_app_slots_lookup       (CpAppSlots *self,
                                         guint       position,
                                         guint      *source_position);
/* How many apps the section has now (0: hidden). */
guint         cp_app_slots_get_section_size (CpAppSlots    *self,
                                             CpAppSlotKind  heading);

G_END_DECLS
