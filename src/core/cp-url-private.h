/* cp-url-private.h: the rules every URL the core talks to must follow
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* 127.0.0.0/8, ::1 and "localhost": the only hosts plain http is allowed for. */
gboolean  cp_url_host_is_loopback (const char  *host);

/*
 * Parses an absolute http(s) URL without user info. Unless @allow_http,
 * http is only accepted for a loopback host. Failures are @code (INVALID_INPUT
 * for what the user typed, INVALID_DATA for what a server sent) with a
 * message naming @what.
 */
GUri     *cp_url_parse_web        (const char  *url,
                                   gboolean     allow_http,
                                   int          code,
                                   const char  *what,
                                   GError     **error);

G_END_DECLS
