/* cp-test-util.h: scratch directories every test program shares
 *
 * Test programs make their scratch directories under g_get_tmp_dir() (TMPDIR)
 * and take them away again, so that a day of test runs leaves nothing in
 * /tmp; tests/check-tmp-clean.sh checks that they do. Also the loopback
 * HTTP server tests answer from. GLib and libsoup, no GTK.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Deletes @path and everything below it. A symbolic link is removed, never
 * followed; a directory without write permission is made writable first.
 * TRUE when nothing is left at @path (also when nothing was there). */
gboolean  cp_test_remove_tree           (const char *path);

/* Both kinds of scratch directory below stay when CP_KEEP_TMP is set (each
 * kept one is named on stderr), for reading what a failing test left. */

/* g_dir_make_tmp (@tmpl), asserting, from inside a test case: removed when
 * that test case ends (its destroy queue: after success and after
 * g_test_fail(); a failed g_assert aborts and leaves it behind). A fixture's
 * directory belongs in its tear-down instead: the queue runs before it. */
char     *cp_test_make_tmp_dir          (const char *tmpl);

/* g_dir_make_tmp (@tmpl), asserting, for what lives as long as the program
 * (made before g_test_run(), a fuzz target's): removed when the program exits
 * normally, after main() returns. */
char     *cp_test_make_program_tmp_dir  (const char *tmpl);

/* A SoupServer on 127.0.0.1 answering @path (NULL: every path) with
 * @handler; *url_out is its address, "http://127.0.0.1:PORT" (no slash). */
SoupServer *cp_test_start_server        (const char          *path,
                                         SoupServerCallback   handler,
                                         gpointer             data,
                                         char               **url_out);

G_END_DECLS
