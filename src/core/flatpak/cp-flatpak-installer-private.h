/* cp-flatpak-installer-private.h: internals shared with the tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CP_FLATPAK_STAGE_PREPARE,     /* remote set-up and ref resolution: talks to the remote */
  CP_FLATPAK_STAGE_OPERATIONS,  /* pulling and deploying */
  CP_FLATPAK_STAGE_REMOVAL,     /* uninstalling */
} CpFlatpakStage;

/* Turns a libflatpak/OSTree/GIO error into a CP_ERROR for the user. */
GError *cp_flatpak_map_error (const GError   *error,
                              const char     *app_name,
                              CpFlatpakStage  stage);

G_END_DECLS
