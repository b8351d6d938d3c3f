/* cp-spinner.h: a busy indicator drawn without an icon
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CP_TYPE_SPINNER (cp_spinner_get_type ())
G_DECLARE_FINAL_TYPE (CpSpinner, cp_spinner, CP, SPINNER, GtkWidget)

GtkWidget *cp_spinner_new          (void);
void       cp_spinner_set_spinning (CpSpinner *self,
                                    gboolean   spinning);
gboolean   cp_spinner_get_spinning (CpSpinner *self);

G_END_DECLS
