/* cp-app-private.h: the members of one catalog entry, however they were read
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A catalog entry reaches CpApp two ways: as a json-glib node (a single app,
 * cp_app_new_from_json()) and streamed from a page's bytes (CpAppCatalog,
 * with cp-json-reader). Both fill a CpAppEntry with what each member *is*
 * (its JSON type and value, nothing judged yet) and hand it to
 * cp_app_new_from_entry(), which holds every rule about entries: one source
 * of truth for what is accepted.
 */
#pragma once

#include "cp-app.h"
#include "cp-json-reader-private.h"

G_BEGIN_DECLS

#define CP_APP_MAX_LIST_LENGTH 256

typedef enum
{
  CP_APP_VALUE_ABSENT,          /* absent or null */
  CP_APP_VALUE_STRING,          /* valid UTF-8 without U+0000 */
  CP_APP_VALUE_BOOLEAN,
  CP_APP_VALUE_INTEGER,         /* fits a gint64 */
  CP_APP_VALUE_DOUBLE,          /* any other number */
  CP_APP_VALUE_STRINGS,         /* an array whose elements are all STRING-like */
  CP_APP_VALUE_OBJECT,          /* only "install" records its members */
  CP_APP_VALUE_OTHER,           /* anything else: always the wrong type */
} CpAppValueKind;

typedef struct
{
  CpAppValueKind  kind;
  const char     *string;       /* STRING; owned by whoever filled the entry */
  gboolean        boolean;
  gint64          integer;
  double          number;
  GPtrArray      *strings;      /* STRINGS (const char *); kept across resets */
} CpAppValue;

typedef enum
{
  CP_APP_FIELD_ID,
  CP_APP_FIELD_NAME,
  CP_APP_FIELD_PUBLISHER,
  CP_APP_FIELD_SUMMARY,
  CP_APP_FIELD_DESCRIPTION,
  CP_APP_FIELD_VERSION,
  CP_APP_FIELD_LICENSE,
  CP_APP_FIELD_ICON_URL,
  CP_APP_FIELD_SIZE,
  CP_APP_FIELD_CATEGORIES,
  CP_APP_FIELD_KEYWORDS,
  CP_APP_FIELD_SCREENSHOTS,
  CP_APP_FIELD_REQUIRED,
  CP_APP_FIELD_FEATURED,
  CP_APP_FIELD_INSTALL,
  CP_APP_N_FIELDS,
} CpAppField;

typedef enum
{
  CP_APP_INSTALL_TYPE,
  CP_APP_INSTALL_REF,
  CP_APP_INSTALL_REMOTE_NAME,
  CP_APP_INSTALL_REMOTE_URL,
  CP_APP_INSTALL_GPG_KEY,
  CP_APP_INSTALL_GPG_VERIFY,
  CP_APP_INSTALL_URI,
  CP_APP_INSTALL_URL,
  CP_APP_N_INSTALL_FIELDS,
} CpAppInstallField;

typedef struct
{
  CpAppValue    fields[CP_APP_N_FIELDS];
  CpAppValue    install[CP_APP_N_INSTALL_FIELDS];
  GStringChunk *text;           /* what the streaming reader decoded */
} CpAppEntry;

/* Strings and signing keys shared between the apps read together: one copy
 * of "GPL-3.0-or-later" or of a remote's key for a whole page. Used by one
 * thread at a time; what it hands out outlives it. */
typedef struct _CpAppPool CpAppPool;

CpAppPool   *cp_app_pool_new          (void);
void         cp_app_pool_free         (CpAppPool    *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpAppPool, cp_app_pool_free)

void         cp_app_entry_init        (CpAppEntry   *entry);
void         cp_app_entry_clear       (CpAppEntry   *entry);
/* Every value back to ABSENT, ready for the next entry. */
void         cp_app_entry_reset       (CpAppEntry   *entry);
/* Reads one entry's members after its CP_JSON_TOKEN_BEGIN_OBJECT, to the
 * matching END_OBJECT. A repeated member replaces the earlier one, as with
 * json-glib. FALSE only for malformed JSON. */
gboolean     cp_app_entry_read        (CpAppEntry   *entry,
                                       CpJsonReader *reader);
/* The rules: see cp_app_new_from_json() and docs/catalog.md. @pool may be NULL. */
CpApp       *cp_app_new_from_entry    (CpAppEntry   *entry,
                                       CpAppPool    *pool,
                                       GError      **error);

G_END_DECLS
