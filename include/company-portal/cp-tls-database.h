/* cp-tls-database.h: the system's authorities plus an organisation's CA
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define CP_TYPE_TLS_DATABASE (cp_tls_database_get_type ())
G_DECLARE_FINAL_TYPE (CpTlsDatabase, cp_tls_database, CP, TLS_DATABASE, GTlsDatabase)

/* NULL with an error when @ca_file cannot be read or holds no certificate. */
GTlsDatabase *cp_tls_database_new (const char  *ca_file,
                                   GError     **error);

/*
 * The organisation's extra CA file for this user: $COMPANY_PORTAL_TLS_CA_FILE
 * when set (demo stack, tests), else the window's "tls-ca-file" setting when
 * its schema is installed (the agent reads the same key), else NULL.
 */
char         *cp_tls_get_organisation_ca_file (void);

/*
 * The SoupSession of a process: a timeout, a user agent, and the system's
 * authorities plus the organisation's CA file. If that file cannot be used
 * the session keeps the system's authorities only (verification is never
 * off) and @ca_error says why, for the caller to show.
 */
SoupSession  *cp_soup_session_new             (const char  *user_agent,
                                               guint        timeout_seconds,
                                               GError     **ca_error);

G_END_DECLS
