/* cp-install-button.h: Install / progress and Cancel / Open and Remove / Retry
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <company-portal.h>

#include "cp-app-installs.h"

G_BEGIN_DECLS

#define CP_TYPE_INSTALL_BUTTON (cp_install_button_get_type ())
G_DECLARE_FINAL_TYPE (CpInstallButton, cp_install_button, CP, INSTALL_BUTTON, GtkBox)

/*
 * What the user can do with one app, by its install method: Flatpak through
 * the agent (with progress and Cancel, then Open and Remove, or the reason
 * and Retry), hand-off to the software centre, or a web app opened in the
 * browser. @compact (rows) shows no status text and no Remove.
 */
GtkWidget *cp_install_button_new          (gboolean         compact);
/* Installs fetch the app's entry from the server themselves (CpAppInstalls). */
void       cp_install_button_set_context  (CpInstallButton *self,
                                           CpAppInstalls   *installs);
void       cp_install_button_set_app      (CpInstallButton *self,
                                           CpApp           *app);

G_END_DECLS
