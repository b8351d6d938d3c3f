/* cp-server-db.h: the reference server's SQLite storage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

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

G_END_DECLS
