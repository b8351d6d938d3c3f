/* cp-application.h: the company-portal application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define CP_TYPE_APPLICATION (cp_application_get_type ())
G_DECLARE_FINAL_TYPE (CpApplication, cp_application, CP, APPLICATION, AdwApplication)

CpApplication *cp_application_new            (void);
/* The one SoupSession of the process; windows and pages borrow it. */
SoupSession   *cp_application_get_session    (CpApplication *self);
GSettings     *cp_application_get_settings   (CpApplication *self);
/* Makes the application's own icon (in the resources) findable in the icon
 * theme; call before showing it. */
void           cp_application_ensure_own_icons (void);

G_END_DECLS
