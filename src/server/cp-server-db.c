/* cp-server-db.c: SQLite storage with versioned migrations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "cp-device-request.h"
#include "cp-error.h"
#include "cp-server-db.h"

/* Each entry moves the schema from version i to i + 1; PRAGMA user_version
 * records how far a database got. Never edit a shipped entry: append.
 * Areas own their tables: cp-server-devices.c (2), cp-server-compliance.c (3),
 * cp-server-catalog.c (4); 5 serves both report tables. */
static const char *const migrations[] = {
  /* 1: users (just-in-time provisioned) and the organisation */
  "CREATE TABLE users ("
  "  id TEXT PRIMARY KEY,"
  "  issuer TEXT NOT NULL,"
  "  subject TEXT NOT NULL,"
  "  display_name TEXT NOT NULL,"
  "  email TEXT,"
  "  username TEXT,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL,"
  "  UNIQUE (issuer, subject));"
  "CREATE TABLE organization ("
  "  id INTEGER PRIMARY KEY CHECK (id = 1),"
  "  display_name TEXT NOT NULL,"
  "  accent_color TEXT,"
  "  privacy_url TEXT,"
  "  support_name TEXT,"
  "  support_phone TEXT,"
  "  support_email TEXT,"
  "  support_website TEXT,"
  "  logo_svg BLOB,"
  "  updated_at INTEGER NOT NULL);",

  /* 2: devices, their keys and the nonces of signed requests (replay cache) */
  "CREATE TABLE devices ("
  "  id TEXT PRIMARY KEY,"
  "  user_id TEXT NOT NULL REFERENCES users (id),"
  "  display_name TEXT NOT NULL,"
  "  key_thumbprint TEXT NOT NULL UNIQUE,"
  "  public_jwk TEXT NOT NULL,"
  "  facts TEXT NOT NULL,"
  "  ownership TEXT NOT NULL DEFAULT 'company',"
  "  management_state TEXT NOT NULL DEFAULT 'managed',"
  "  enrollment_state TEXT NOT NULL DEFAULT 'enrolled',"
  "  agent_version TEXT,"
  "  enrolled_at INTEGER NOT NULL,"
  "  last_check_in_at INTEGER,"
  "  removed_at INTEGER);"
  "CREATE INDEX devices_by_user ON devices (user_id);"
  "CREATE TABLE device_nonces ("
  "  nonce TEXT PRIMARY KEY,"
  "  seen_at INTEGER NOT NULL);",

  /* 3: the compliance policy, reports, failing settings and state history */
  "CREATE TABLE compliance_policy ("
  "  id INTEGER PRIMARY KEY CHECK (id = 1),"
  "  document TEXT NOT NULL,"
  "  updated_at INTEGER NOT NULL);"
  "CREATE TABLE compliance_reports ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,"
  "  policy_id TEXT,"
  "  evaluated_at INTEGER NOT NULL,"
  "  received_at INTEGER NOT NULL,"
  "  results TEXT NOT NULL);"
  "CREATE INDEX compliance_reports_by_device ON compliance_reports (device_id, id);"
  "CREATE TABLE compliance_failures ("
  "  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,"
  "  setting_id TEXT NOT NULL,"
  "  first_failing_at INTEGER NOT NULL,"
  "  PRIMARY KEY (device_id, setting_id));"
  "CREATE TABLE compliance_history ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,"
  "  state TEXT NOT NULL,"
  "  grace_deadline INTEGER,"
  "  changed_at INTEGER NOT NULL);"
  "CREATE INDEX compliance_history_by_device ON compliance_history (device_id, id);",

  /* 4: the app catalog, assignments and install reports */
  "CREATE TABLE apps ("
  "  position INTEGER PRIMARY KEY,"
  "  id TEXT NOT NULL UNIQUE,"
  "  search_text TEXT NOT NULL,"
  "  categories TEXT NOT NULL,"
  "  required INTEGER NOT NULL DEFAULT 0,"
  "  document TEXT NOT NULL);"
  "CREATE TABLE categories ("
  "  position INTEGER PRIMARY KEY,"
  "  id TEXT NOT NULL UNIQUE,"
  "  name TEXT NOT NULL);"
  "CREATE TABLE user_groups ("
  "  username TEXT NOT NULL,"
  "  group_name TEXT NOT NULL,"
  "  PRIMARY KEY (username, group_name));"
  "CREATE TABLE app_assignments ("
  "  app_id TEXT NOT NULL,"
  "  group_name TEXT NOT NULL,"
  "  PRIMARY KEY (app_id, group_name));"
  "CREATE TABLE install_reports ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,"
  "  app_id TEXT NOT NULL,"
  "  state TEXT NOT NULL,"
  "  error_message TEXT,"
  "  reported_at INTEGER NOT NULL,"
  "  received_at INTEGER NOT NULL);"
  "CREATE INDEX install_reports_by_device ON install_reports (device_id, app_id, id);",

  /* 5: the agent's own id of each report, so one sent again after a lost
   * answer is kept once; reports from before (and agents without ids) have none */
  "ALTER TABLE compliance_reports ADD COLUMN report_id TEXT;"
  "CREATE UNIQUE INDEX compliance_reports_by_report_id ON compliance_reports (device_id, report_id)"
  "  WHERE report_id IS NOT NULL;"
  "ALTER TABLE install_reports ADD COLUMN report_id TEXT;"
  "CREATE UNIQUE INDEX install_reports_by_report_id ON install_reports (device_id, report_id)"
  "  WHERE report_id IS NOT NULL;",
};

struct _CpServerDb
{
  GObject parent_instance;

  sqlite3 *handle;
  char *path;
};

G_DEFINE_FINAL_TYPE (CpServerDb, cp_server_db, G_TYPE_OBJECT)

void
cp_server_user_free (CpServerUser *user)
{
  if (user == NULL)
    return;

  g_free (user->id);
  g_free (user->issuer);
  g_free (user->subject);
  g_free (user->display_name);
  g_free (user->email);
  g_free (user->username);
  g_free (user);
}

gboolean
cp_server_db_set_error (CpServerDb  *self,
                  GError     **error)
{
  /* SQLite messages carry no user data here: they describe statements, not rows. */
  g_set_error (error, CP_ERROR, CP_ERROR_FAILED,
               _("Database error: %s"), sqlite3_errmsg (self->handle));
  return FALSE;
}

gboolean
cp_server_db_exec (CpServerDb  *self,
      const char  *sql,
      GError     **error)
{
  if (sqlite3_exec (self->handle, sql, NULL, NULL, NULL) != SQLITE_OK)
    return cp_server_db_set_error (self, error);
  return TRUE;
}

sqlite3_stmt *
cp_server_db_prepare (CpServerDb  *self,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->handle, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      cp_server_db_set_error (self, error);
      return NULL;
    }
  return stmt;
}

void
cp_server_db_bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

char *
cp_server_db_column_text (sqlite3_stmt *stmt,
             int           index)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, index));
}


int
cp_server_db_get_schema_version (CpServerDb *self)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (CP_IS_SERVER_DB (self), -1);

  if (sqlite3_prepare_v2 (self->handle, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int (stmt, 0);
}

static gboolean
migrate (CpServerDb  *self,
         GError     **error)
{
  int version = cp_server_db_get_schema_version (self);
  int latest = G_N_ELEMENTS (migrations);

  if (version < 0)
    return cp_server_db_set_error (self, error);

  if (version > latest)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_FAILED,
                   _("The database was written by a newer server (schema %d, this server knows %d)"),
                   version, latest);
      return FALSE;
    }

  for (int i = version; i < latest; i++)
    {
      g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d", i + 1);

      g_debug ("Migrating the database to schema %d", i + 1);
      /* Each step is atomic: a crash leaves the previous version intact. */
      if (!cp_server_db_exec (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!cp_server_db_exec (self, migrations[i], error) || !cp_server_db_exec (self, bump, error))
        {
          sqlite3_exec (self->handle, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
      if (!cp_server_db_exec (self, "COMMIT", error))
        return FALSE;
    }

  return TRUE;
}

static void
cp_server_db_finalize (GObject *object)
{
  CpServerDb *self = CP_SERVER_DB (object);

  g_clear_pointer (&self->handle, sqlite3_close);
  g_free (self->path);

  G_OBJECT_CLASS (cp_server_db_parent_class)->finalize (object);
}

static void
cp_server_db_class_init (CpServerDbClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_server_db_finalize;
}

static void
cp_server_db_init (CpServerDb *self)
{
}

CpServerDb *
cp_server_db_open (const char  *path,
                   GError     **error)
{
  g_autoptr(CpServerDb) self = g_object_new (CP_TYPE_SERVER_DB, NULL);
  g_autofree char *folder = g_path_get_dirname (path);
  int fd;

  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, CP_ERROR, CP_ERROR_FAILED,
                   _("Cannot create the folder %s: %s"), folder, g_strerror (saved));
      return NULL;
    }

  /* It holds names and email addresses: readable by the server's user only.
   * SQLite gives the -wal and -shm files the same mode. */
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, CP_ERROR, CP_ERROR_FAILED,
                   _("Cannot open the database %s: %s"), path, g_strerror (saved));
      return NULL;
    }
  g_close (fd, NULL);

  self->path = g_strdup (path);
  if (sqlite3_open_v2 (path, &self->handle,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_FAILED, _("Cannot open the database %s: %s"),
                   path, self->handle ? sqlite3_errmsg (self->handle) : g_strerror (ENOMEM));
      return NULL;
    }

  /* WAL lets a backup or an admin read while the server writes; the busy
   * timeout rides out their short locks instead of failing requests. */
  sqlite3_busy_timeout (self->handle, 5000);
  if (!cp_server_db_exec (self, "PRAGMA journal_mode = WAL", error) ||
      !cp_server_db_exec (self, "PRAGMA synchronous = NORMAL", error) ||
      !cp_server_db_exec (self, "PRAGMA foreign_keys = ON", error) ||
      !migrate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

gboolean
cp_server_db_store_organization (CpServerDb         *self,
                                 const CpServerOrg  *org,
                                 GError            **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (CP_IS_SERVER_DB (self), FALSE);
  g_return_val_if_fail (org != NULL && org->display_name != NULL, FALSE);

  stmt = cp_server_db_prepare (self,
                  "INSERT OR REPLACE INTO organization (id, display_name, accent_color,"
                  " privacy_url, support_name, support_phone, support_email, support_website,"
                  " logo_svg, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;

  cp_server_db_bind_text (stmt, 1, org->display_name);
  cp_server_db_bind_text (stmt, 2, org->accent_color);
  cp_server_db_bind_text (stmt, 3, org->privacy_url);
  cp_server_db_bind_text (stmt, 4, org->support_name);
  cp_server_db_bind_text (stmt, 5, org->support_phone);
  cp_server_db_bind_text (stmt, 6, org->support_email);
  cp_server_db_bind_text (stmt, 7, org->support_website);
  if (org->logo_svg != NULL)
    sqlite3_bind_blob (stmt, 8, g_bytes_get_data (org->logo_svg, NULL),
                       g_bytes_get_size (org->logo_svg), SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, 8);
  sqlite3_bind_int64 (stmt, 9, g_get_real_time () / G_USEC_PER_SEC);

  if (sqlite3_step (stmt) != SQLITE_DONE)
    return cp_server_db_set_error (self, error);
  return TRUE;
}

CpServerOrg *
cp_server_db_load_organization (CpServerDb  *self,
                                GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(CpServerOrg) org = NULL;
  int rc;

  g_return_val_if_fail (CP_IS_SERVER_DB (self), NULL);

  stmt = cp_server_db_prepare (self,
                  "SELECT display_name, accent_color, privacy_url, support_name, support_phone,"
                  " support_email, support_website, logo_svg FROM organization WHERE id = 1",
                  error);
  if (stmt == NULL)
    return NULL;

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return NULL;
  if (rc != SQLITE_ROW)
    {
      cp_server_db_set_error (self, error);
      return NULL;
    }

  org = g_new0 (CpServerOrg, 1);
  org->display_name = cp_server_db_column_text (stmt, 0);
  org->accent_color = cp_server_db_column_text (stmt, 1);
  org->privacy_url = cp_server_db_column_text (stmt, 2);
  org->support_name = cp_server_db_column_text (stmt, 3);
  org->support_phone = cp_server_db_column_text (stmt, 4);
  org->support_email = cp_server_db_column_text (stmt, 5);
  org->support_website = cp_server_db_column_text (stmt, 6);
  if (sqlite3_column_type (stmt, 7) == SQLITE_BLOB)
    org->logo_svg = g_bytes_new (sqlite3_column_blob (stmt, 7), sqlite3_column_bytes (stmt, 7));

  return g_steal_pointer (&org);
}

static CpServerUser *
user_from_row (sqlite3_stmt *stmt)
{
  CpServerUser *user = g_new0 (CpServerUser, 1);

  user->id = cp_server_db_column_text (stmt, 0);
  user->issuer = cp_server_db_column_text (stmt, 1);
  user->subject = cp_server_db_column_text (stmt, 2);
  user->display_name = cp_server_db_column_text (stmt, 3);
  user->email = cp_server_db_column_text (stmt, 4);
  user->username = cp_server_db_column_text (stmt, 5);
  user->created_at = sqlite3_column_int64 (stmt, 6);
  user->updated_at = sqlite3_column_int64 (stmt, 7);
  return user;
}

CpServerUser *
cp_server_db_find_user (CpServerDb  *self,
                        const char  *issuer,
                        const char  *subject,
                        GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (CP_IS_SERVER_DB (self), NULL);

  stmt = cp_server_db_prepare (self,
                  "SELECT id, issuer, subject, display_name, email, username, created_at,"
                  " updated_at FROM users WHERE issuer = ? AND subject = ?", error);
  if (stmt == NULL)
    return NULL;

  cp_server_db_bind_text (stmt, 1, issuer);
  cp_server_db_bind_text (stmt, 2, subject);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return user_from_row (stmt);
  if (rc != SQLITE_DONE)
    cp_server_db_set_error (self, error);
  return NULL;
}

static gboolean
insert_user (CpServerDb    *self,
             CpServerUser  *user,
             GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = cp_server_db_prepare (self,
                  "INSERT INTO users (id, issuer, subject, display_name, email, username,"
                  " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;

  cp_server_db_bind_text (stmt, 1, user->id);
  cp_server_db_bind_text (stmt, 2, user->issuer);
  cp_server_db_bind_text (stmt, 3, user->subject);
  cp_server_db_bind_text (stmt, 4, user->display_name);
  cp_server_db_bind_text (stmt, 5, user->email);
  cp_server_db_bind_text (stmt, 6, user->username);
  sqlite3_bind_int64 (stmt, 7, user->created_at);
  sqlite3_bind_int64 (stmt, 8, user->updated_at);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return cp_server_db_set_error (self, error);
  return TRUE;
}

static gboolean
update_user (CpServerDb    *self,
             CpServerUser  *user,
             GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = cp_server_db_prepare (self,
                  "UPDATE users SET display_name = ?, email = ?, username = ?, updated_at = ?"
                  " WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;

  cp_server_db_bind_text (stmt, 1, user->display_name);
  cp_server_db_bind_text (stmt, 2, user->email);
  cp_server_db_bind_text (stmt, 3, user->username);
  sqlite3_bind_int64 (stmt, 4, user->updated_at);
  cp_server_db_bind_text (stmt, 5, user->id);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return cp_server_db_set_error (self, error);
  return TRUE;
}

CpServerUser *
cp_server_db_provision_user (CpServerDb  *self,
                             const char  *issuer,
                             const char  *subject,
                             const char  *display_name,
                             const char  *email,
                             const char  *username,
                             gboolean    *created,
                             GError     **error)
{
  g_autoptr(CpServerUser) user = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_return_val_if_fail (CP_IS_SERVER_DB (self), NULL);
  g_return_val_if_fail (issuer != NULL && subject != NULL && display_name != NULL, NULL);

  if (created != NULL)
    *created = FALSE;

  user = cp_server_db_find_user (self, issuer, subject, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (user == NULL)
    {
      user = g_new0 (CpServerUser, 1);
      user->id = g_uuid_string_random ();
      user->issuer = g_strdup (issuer);
      user->subject = g_strdup (subject);
      user->display_name = g_strdup (display_name);
      user->email = g_strdup (email);
      user->username = g_strdup (username);
      user->created_at = user->updated_at = now;
      /* A concurrent first request for the same user loses on UNIQUE and fails
       * cleanly; the client's retry finds the row. */
      if (!insert_user (self, user, error))
        return NULL;
      if (created != NULL)
        *created = TRUE;
      return g_steal_pointer (&user);
    }

  if (g_strcmp0 (user->display_name, display_name) == 0 &&
      g_strcmp0 (user->email, email) == 0 &&
      g_strcmp0 (user->username, username) == 0)
    return g_steal_pointer (&user);

  g_free (user->display_name);
  user->display_name = g_strdup (display_name);
  g_free (user->email);
  user->email = g_strdup (email);
  g_free (user->username);
  user->username = g_strdup (username);
  user->updated_at = now;
  if (!update_user (self, user, error))
    return NULL;

  return g_steal_pointer (&user);
}

gboolean
cp_server_db_remember_nonce (CpServerDb  *self,
                             const char  *nonce,
                             gint64       now,
                             GError     **error)
{
  g_autoptr(sqlite3_stmt) purge = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (CP_IS_SERVER_DB (self), FALSE);
  g_return_val_if_fail (nonce != NULL, FALSE);

  /* Requests older than the skew window are refused anyway, so a nonce
   * needs keeping no longer than its TTL. */
  purge = cp_server_db_prepare (self, "DELETE FROM device_nonces WHERE seen_at < ?", error);
  if (purge == NULL)
    return FALSE;
  sqlite3_bind_int64 (purge, 1, now - CP_DEVICE_REQUEST_NONCE_TTL);
  if (sqlite3_step (purge) != SQLITE_DONE)
    return cp_server_db_set_error (self, error);

  stmt = cp_server_db_prepare (self, "INSERT INTO device_nonces (nonce, seen_at) VALUES (?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  cp_server_db_bind_text (stmt, 1, nonce);
  sqlite3_bind_int64 (stmt, 2, now);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_CONFLICT, _("This nonce was already used"));
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return cp_server_db_set_error (self, error);
  return TRUE;
}

gboolean
cp_server_db_begin (CpServerDb  *self,
                    GError     **error)
{
  return cp_server_db_exec (self, "BEGIN IMMEDIATE", error);
}

gboolean
cp_server_db_commit (CpServerDb  *self,
                     GError     **error)
{
  if (cp_server_db_exec (self, "COMMIT", error))
    return TRUE;
  sqlite3_exec (self->handle, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

void
cp_server_db_rollback (CpServerDb *self)
{
  sqlite3_exec (self->handle, "ROLLBACK", NULL, NULL, NULL);
}

/* Runs @stmt to its end; for statements without result rows. */
gboolean
cp_server_db_step_done (CpServerDb    *self,
                        sqlite3_stmt  *stmt,
                        GError       **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return cp_server_db_set_error (self, error);
  return TRUE;
}
