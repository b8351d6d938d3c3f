/* cp-compliance-version.h: ordering of distribution and package versions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Compares dotted versions segment by segment, numbers as numbers:
 * 22.04 < 22.10 < 24.04, 9.2 < 9.10, 12 < 12.1. Returns <0, 0 or >0. */
int       cp_compliance_version_compare   (const char *a,
                                           const char *b);
/* A version is non-empty, at most 64 characters of [0-9A-Za-z.~+_-]. */
gboolean  cp_compliance_version_is_valid  (const char *version);

G_END_DECLS
