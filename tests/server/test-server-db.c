/* test-server-db.c: CpServerDb migrations and users, CpServerOrg parsing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "cp-error.h"
#include "cp-server-db.h"
#include "cp-server-org.h"
#include "cp-server-seed.h"
#include "cp-test-util.h"

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("cp-server-db-XXXXXX", &error);
  g_assert_no_error (error);
  /* A folder that does not exist yet: the server creates it. */
  fixture->path = g_build_filename (fixture->dir, "sub", "server.db", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  cp_test_remove_tree (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

static void
test_migrate_and_reopen (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpServerDb) db = cp_server_db_open (fixture->path, &error);
  g_autoptr(CpServerUser) created = NULL;
  g_autoptr(CpServerUser) found = NULL;
  g_autoptr(CpServerDb) reopened = NULL;
  gboolean is_new = FALSE;

  g_assert_no_error (error);
  g_assert_cmpint (cp_server_db_get_schema_version (db), ==, 5);

  created = cp_server_db_provision_user (db, "https://idp.example", "alice", "Alice",
                                         "alice@example.com", "alice", &is_new, &error);
  g_assert_no_error (error);
  g_assert_true (is_new);
  g_assert_cmpuint (strlen (created->id), ==, 36);
  g_assert_finalize_object (g_steal_pointer (&db));

  reopened = cp_server_db_open (fixture->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cp_server_db_get_schema_version (reopened), ==, 5);
  found = cp_server_db_find_user (reopened, "https://idp.example", "alice", &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->id, ==, created->id);
  g_assert_cmpstr (found->email, ==, "alice@example.com");
}

static void
test_provision_updates (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpServerDb) db = cp_server_db_open (fixture->path, &error);
  g_autoptr(CpServerUser) first = NULL;
  g_autoptr(CpServerUser) second = NULL;
  g_autoptr(CpServerUser) other_issuer = NULL;
  gboolean is_new = TRUE;

  g_assert_no_error (error);
  first = cp_server_db_provision_user (db, "https://idp.example", "alice", "Alice",
                                       NULL, NULL, &is_new, &error);
  g_assert_no_error (error);
  g_assert_true (is_new);
  g_assert_null (first->email);

  second = cp_server_db_provision_user (db, "https://idp.example", "alice", "Alice Moreau",
                                        "alice@example.com", "alice", &is_new, &error);
  g_assert_no_error (error);
  g_assert_false (is_new);
  g_assert_cmpstr (second->id, ==, first->id);
  g_assert_cmpstr (second->display_name, ==, "Alice Moreau");
  g_assert_cmpstr (second->email, ==, "alice@example.com");

  /* The same subject at another issuer is another person. */
  other_issuer = cp_server_db_provision_user (db, "https://other.example", "alice", "Alice",
                                              NULL, NULL, &is_new, &error);
  g_assert_no_error (error);
  g_assert_true (is_new);
  g_assert_cmpstr (other_issuer->id, !=, first->id);
}

static void
test_newer_schema_refused (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpServerDb) db = cp_server_db_open (fixture->path, &error);
  g_autoptr(CpServerDb) again = NULL;
  sqlite3 *handle;

  g_assert_no_error (error);
  g_clear_object (&db);

  g_assert_cmpint (sqlite3_open (fixture->path, &handle), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (handle, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (handle);

  again = cp_server_db_open (fixture->path, &error);
  g_assert_null (again);
  g_assert_error (error, CP_ERROR, CP_ERROR_FAILED);
}

static void
test_wal_mode_private_file (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpServerDb) db = cp_server_db_open (fixture->path, &error);
  g_autofree char *wal = g_strconcat (fixture->path, "-wal", NULL);
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_stat (fixture->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_seed_demo (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpServerDb) db = cp_server_db_open (fixture->path, &error);
  g_autoptr(GFile) demo = cp_server_seed_demo_file ();
  g_autoptr(CpServerOrg) org = NULL;

  g_assert_no_error (error);
  g_assert_null (cp_server_db_load_organization (db, &error));
  g_assert_no_error (error);

  g_assert_true (cp_server_seed_organization (db, demo, &error));
  g_assert_no_error (error);
  org = cp_server_db_load_organization (db, &error);
  g_assert_no_error (error);
  g_assert_nonnull (org);
  g_assert_nonnull (org->display_name);
  g_assert_nonnull (org->support_email);
  g_assert_nonnull (org->logo_svg);
  g_assert_true (g_str_has_prefix (org->accent_color, "#"));
}

static void
test_org_rejects_bad_input (void)
{
  const char *const bad[] = {
    "",
    "[]",
    "{}",
    "{\"displayName\": 42}",
    "{\"displayName\": \"\"}",
    "{\"displayName\": \"A\\u0007B\"}",
    "{\"displayName\": \"A\", \"accentColor\": \"blue\"}",
    "{\"displayName\": \"A\", \"accentColor\": \"#12345g\"}",
    "{\"displayName\": \"A\", \"privacyUrl\": \"javascript:alert(1)\"}",
    "{\"displayName\": \"A\", \"privacyUrl\": \"/relative\"}",
    "{\"displayName\": \"A\", \"supportContact\": \"call us\"}",
    "{\"displayName\": \"A\", \"supportContact\": {\"email\": \"nobody\"}}",
    "{\"displayName\": \"A\", \"supportContact\": {\"website\": \"ftp://x.example\"}}",
    "{\"displayName\": \"A\", \"supportContact\": {\"phone\": []}}",
    "{\"displayName\": \"A\", \"logo\": \"logo.svg\"}",              /* no base folder */
  };
  g_autofree char *long_name = g_strnfill (300, 'x');
  g_autofree char *long_json = g_strdup_printf ("{\"displayName\": \"%s\"}", long_name);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CpServerOrg) org = cp_server_org_parse (bad[i], strlen (bad[i]), NULL, &error);

      g_test_message ("input: %s", bad[i]);
      g_assert_null (org);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(CpServerOrg) org = cp_server_org_parse (long_json, strlen (long_json), NULL, &error);

    g_assert_null (org);
    g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  }
}

static void
test_org_logo_stays_in_folder (void)
{
  g_autoptr(GFile) base = g_file_new_for_path ("/etc");
  const char *const bad[] = {
    "{\"displayName\": \"A\", \"logo\": \"../etc/passwd.svg\"}",
    "{\"displayName\": \"A\", \"logo\": \"/etc/passwd.svg\"}",
    "{\"displayName\": \"A\", \"logo\": \"passwd\"}",
    "{\"displayName\": \"A\", \"logo\": \"missing-logo.svg\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CpServerOrg) org = cp_server_org_parse (bad[i], strlen (bad[i]), base, &error);

      g_assert_null (org);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
    }
}

static void
test_org_minimal (void)
{
  const char *json = "{\"displayName\": \"Acme\", \"supportContact\": null, \"users\": []}";
  g_autoptr(GError) error = NULL;
  g_autoptr(CpServerOrg) org = cp_server_org_parse (json, strlen (json), NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (org->display_name, ==, "Acme");
  g_assert_null (org->accent_color);
  g_assert_null (org->logo_svg);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/server-db/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("migrate-and-reopen", test_migrate_and_reopen);
  ADD ("provision-updates", test_provision_updates);
  ADD ("newer-schema-refused", test_newer_schema_refused);
  ADD ("wal-mode-private-file", test_wal_mode_private_file);
  ADD ("seed-demo", test_seed_demo);
#undef ADD
  g_test_add_func ("/server-org/rejects-bad-input", test_org_rejects_bad_input);
  g_test_add_func ("/server-org/logo-stays-in-folder", test_org_logo_stays_in_folder);
  g_test_add_func ("/server-org/minimal", test_org_minimal);

  return g_test_run ();
}
