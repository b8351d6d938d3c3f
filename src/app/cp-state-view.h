/* cp-state-view.h: loading, empty, unavailable and error states of a page
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CP_TYPE_STATE_VIEW (cp_state_view_get_type ())
G_DECLARE_FINAL_TYPE (CpStateView, cp_state_view, CP, STATE_VIEW, AdwBin)

/*
 * The texts come from the page's template. Once a page has shown an answer
 * from the server, a lost connection keeps it on screen under a notice that
 * says how old it is ("Last updated 3 minutes ago", kept current), and
 * activates the window's "win.connection-lost" action, which probes the
 * server until it answers and then reloads the pages. The next answer
 * removes the notice.
 */
void        cp_state_view_show_loading   (CpStateView  *self);
void        cp_state_view_show_result    (CpStateView  *self,
                                          JsonNode     *result);
void        cp_state_view_show_error     (CpStateView  *self,
                                          const GError *error);
void        cp_state_view_reset          (CpStateView  *self);
/* The page's own view of its data, shown by show_content(). */
void        cp_state_view_set_content    (CpStateView  *self,
                                          GtkWidget    *content);
void        cp_state_view_show_content   (CpStateView  *self);
/* TRUE while the offline notice is shown. */
gboolean    cp_state_view_get_offline    (CpStateView  *self);
/* "loading", "empty", "unavailable", "unsupported", "error" or "content". */
const char *cp_state_view_get_state      (CpStateView  *self);

G_END_DECLS
