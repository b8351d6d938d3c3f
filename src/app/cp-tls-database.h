/* cp-tls-database.h: the system's authorities plus an organisation's CA
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CP_TYPE_TLS_DATABASE (cp_tls_database_get_type ())
G_DECLARE_FINAL_TYPE (CpTlsDatabase, cp_tls_database, CP, TLS_DATABASE, GTlsDatabase)

/* NULL with an error when @ca_file cannot be read or holds no certificate. */
GTlsDatabase *cp_tls_database_new (const char  *ca_file,
                                   GError     **error);

G_END_DECLS
