/* cp-preferences-dialog.h: server address, notifications, background checks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CP_TYPE_PREFERENCES_DIALOG (cp_preferences_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CpPreferencesDialog, cp_preferences_dialog, CP, PREFERENCES_DIALOG, AdwPreferencesWindow)

/* Edits @settings (the io.github.companyportal.CompanyPortal schema). */
CpPreferencesDialog *cp_preferences_dialog_new (GtkWindow *parent,
                                                GSettings *settings);

G_END_DECLS
