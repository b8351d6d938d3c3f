/* cp-server-db.h: the reference server's SQLite storage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

#include "cp-server-org.h"

G_BEGIN_DECLS

/* A user as the server knows it: created on first sight from a token's claims. */
typedef struct
{
  char   *id;             /* stable, server-assigned */
  char   *issuer;
  char   *subject;
  char   *display_name;
  char   *email;          /* nullable */
  char   *username;       /* nullable: preferred_username/upn */
  gint64  created_at;     /* unix seconds */
  gint64  updated_at;
} CpServerUser;

void cp_server_user_free (CpServerUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpServerUser, cp_server_user_free)

#define CP_TYPE_SERVER_DB (cp_server_db_get_type ())
G_DECLARE_FINAL_TYPE (CpServerDb, cp_server_db, CP, SERVER_DB, GObject)

/* Opens (creating it and its folder if needed) and migrates the database. */
CpServerDb    *cp_server_db_open                 (const char          *path,
                                                  GError             **error);
int            cp_server_db_get_schema_version   (CpServerDb          *self);

gboolean       cp_server_db_store_organization   (CpServerDb          *self,
                                                  const CpServerOrg   *org,
                                                  GError             **error);
/* NULL without @error set when no organisation was ever stored. */
CpServerOrg   *cp_server_db_load_organization    (CpServerDb          *self,
                                                  GError             **error);

/* Creates the user of (@issuer, @subject) or updates the profile members that changed. */
CpServerUser  *cp_server_db_provision_user       (CpServerDb          *self,
                                                  const char          *issuer,
                                                  const char          *subject,
                                                  const char          *display_name,
                                                  const char          *email,
                                                  const char          *username,
                                                  gboolean            *created,
                                                  GError             **error);
CpServerUser  *cp_server_db_find_user            (CpServerDb          *self,
                                                  const char          *issuer,
                                                  const char          *subject,
                                                  GError             **error);

/* Replay protection for device requests: CP_ERROR_CONFLICT when @nonce was
 * seen in the last CP_DEVICE_REQUEST_NONCE_TTL seconds. Kept in the database,
 * so it holds across restarts too. */
gboolean       cp_server_db_remember_nonce       (CpServerDb          *self,
                                                  const char          *nonce,
                                                  gint64               now,
                                                  GError             **error);

/* For the area modules (devices, compliance, catalog) and the admin commands. */
sqlite3_stmt  *cp_server_db_prepare              (CpServerDb          *self,
                                                  const char          *sql,
                                                  GError             **error);
gboolean       cp_server_db_exec                 (CpServerDb          *self,
                                                  const char          *sql,
                                                  GError             **error);
gboolean       cp_server_db_step_done            (CpServerDb          *self,
                                                  sqlite3_stmt        *stmt,
                                                  GError             **error);
gboolean       cp_server_db_set_error            (CpServerDb          *self,
                                                  GError             **error);
gboolean       cp_server_db_begin                (CpServerDb          *self,
                                                  GError             **error);
/* Rolls back when the commit fails. */
gboolean       cp_server_db_commit               (CpServerDb          *self,
                                                  GError             **error);
void           cp_server_db_rollback             (CpServerDb          *self);
void           cp_server_db_bind_text            (sqlite3_stmt        *stmt,
                                                  int                  index,
                                                  const char          *text);
char          *cp_server_db_column_text          (sqlite3_stmt        *stmt,
                                                  int                  index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

G_END_DECLS
