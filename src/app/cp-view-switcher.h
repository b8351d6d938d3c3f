/* cp-view-switcher.h: a row of tabs for an AdwViewStack's pages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CP_TYPE_VIEW_SWITCHER (cp_view_switcher_get_type ())
G_DECLARE_FINAL_TYPE (CpViewSwitcher, cp_view_switcher, CP, VIEW_SWITCHER, GtkWidget)

GtkWidget    *cp_view_switcher_new       (AdwViewSwitcherPolicy policy);
AdwViewStack *cp_view_switcher_get_stack (CpViewSwitcher *self);
void          cp_view_switcher_set_stack (CpViewSwitcher *self,
                                          AdwViewStack   *stack);

G_END_DECLS
