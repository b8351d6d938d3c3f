/* cp-app.h: one entry of the app catalog (an item of GET /v1/apps)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Sizes above this are not believed: the app keeps an unknown size (0). */
#define CP_APP_MAX_SIZE (G_GUINT64_CONSTANT (1) << 40)

typedef enum
{
  CP_INSTALL_METHOD_NONE,     /* unknown or unusable method: see get_unsupported_reason() */
  CP_INSTALL_METHOD_FLATPAK,  /* installed through libflatpak by the agent */
  CP_INSTALL_METHOD_HANDOFF,  /* appstream:// or .flatpakref given to the software centre */
  CP_INSTALL_METHOD_WEB,      /* a web app: opened in the browser */
} CpInstallMethod;

#define CP_TYPE_APP (cp_app_get_type ())
G_DECLARE_FINAL_TYPE (CpApp, cp_app, CP, APP, GObject)

/*
 * Checks every member it reads (see docs/catalog.md). A missing or unusable
 * "id"/"name", or a member of the wrong type, is CP_ERROR_INVALID_DATA; an
 * install method of an unknown type gives an app of CP_INSTALL_METHOD_NONE
 * whose get_unsupported_reason() says why it cannot be installed directly.
 */
CpApp             *cp_app_new_from_json              (JsonNode     *node,
                                                      GError      **error);

const char        *cp_app_get_id                     (CpApp        *self);
const char        *cp_app_get_name                   (CpApp        *self);
const char        *cp_app_get_publisher              (CpApp        *self); /* nullable */
const char        *cp_app_get_summary                (CpApp        *self); /* nullable */
const char        *cp_app_get_description            (CpApp        *self); /* nullable, plain text */
const char        *cp_app_get_version                (CpApp        *self); /* nullable */
guint64            cp_app_get_size                   (CpApp        *self); /* bytes, 0 = unknown */
const char        *cp_app_get_license                (CpApp        *self); /* nullable, SPDX */
const char *const *cp_app_get_categories             (CpApp        *self); /* never NULL */
const char *const *cp_app_get_keywords               (CpApp        *self); /* never NULL */
const char        *cp_app_get_icon_url               (CpApp        *self); /* nullable */
const char *const *cp_app_get_screenshots            (CpApp        *self); /* never NULL */
gboolean           cp_app_get_required               (CpApp        *self);
gboolean           cp_app_get_featured               (CpApp        *self);

CpInstallMethod    cp_app_get_install_method         (CpApp        *self);
/* Translated, for the details page; non-NULL exactly when the method is NONE. */
const char        *cp_app_get_unsupported_reason     (CpApp        *self);
/* CP_INSTALL_METHOD_FLATPAK */
const char        *cp_app_get_flatpak_ref            (CpApp        *self); /* "app/<id>/<arch or empty>/<branch>" */
const char        *cp_app_get_flatpak_remote_name    (CpApp        *self);
const char        *cp_app_get_flatpak_remote_url     (CpApp        *self); /* nullable: the remote must exist */
GBytes            *cp_app_get_flatpak_gpg_key        (CpApp        *self); /* nullable */
gboolean           cp_app_get_flatpak_gpg_verify     (CpApp        *self); /* TRUE unless "gpgVerify": false */
/* CP_INSTALL_METHOD_HANDOFF */
const char        *cp_app_get_handoff_uri            (CpApp        *self);
/* CP_INSTALL_METHOD_WEB */
const char        *cp_app_get_web_url                (CpApp        *self);

/*
 * Search. cp_app_prepare_query() turns what the user typed into the form
 * cp_app_matches() expects (case folded, accents removed, words split); it
 * returns NULL for a query that matches everything. An app matches when every
 * word occurs in its name, publisher or keywords. The app's side is prepared
 * once, when the app is created, so matching costs a few substring searches.
 */
char              *cp_app_prepare_query              (const char   *text);
gboolean           cp_app_matches                    (CpApp        *self,
                                                      const char   *prepared_query);

/* Required apps first, then featured ones, then by name (collation order). */
int                cp_app_compare                    (CpApp        *a,
                                                      CpApp        *b);
/* cp_app_compare() as a GCompareDataFunc over two CpApp pointers (GtkCustomSorter). */
int                cp_app_compare_func               (gconstpointer a,
                                                      gconstpointer b,
                                                      gpointer      user_data);

G_END_DECLS
