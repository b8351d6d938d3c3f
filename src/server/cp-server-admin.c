/* cp-server-admin.c: company-portal-server admin, direct edits of the database
 *
 * For tests and demos: the running server reads rows on every request, so
 * it sees these changes on the next one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <glib/gi18n-lib.h>

#include "cp-error.h"
#include "cp-server-admin.h"
#include "cp-server-compliance.h"
#include "cp-server-db.h"
#include "cp-server-devices.h"

#define USAGE \
  "admin --db FILE COMMAND ARGS\n" \
  "  remove-device DEVICE_ID\n" \
  "  set-setting-grace SETTING_ID HOURS\n" \
  "  set-first-failing DEVICE_ID SETTING_ID RFC3339\n" \
  "  set-compliance-deadline DEVICE_ID SETTING_ID RFC3339\n" \
  "  expire-grace DEVICE_ID"

static gint64
now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gboolean
parse_time_arg (const char  *text,
                gint64      *out,
                GError     **error)
{
  if (cp_server_parse_time (text, out))
    return TRUE;
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT, _("“%s” is not an RFC 3339 date and time"), text);
  return FALSE;
}

static gboolean
parse_hours (const char  *text,
             gint64      *out,
             GError     **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, 8760, &value, NULL))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT, _("“%s” is not a number of hours (0–8760)"), text);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

/* The grace period of a setting, to turn a deadline into a start time. */
static gboolean
grace_hours_of (CpServerDb  *db,
                const char  *setting_id,
                gint64      *hours,
                GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = cp_server_db_prepare (db, "SELECT json_extract (value, '$.gracePeriodHours')"
                               " FROM compliance_policy, json_each (document, '$.settings')"
                               " WHERE json_extract (value, '$.id') = ?", error);
  if (stmt == NULL)
    return FALSE;
  cp_server_db_bind_text (stmt, 1, setting_id);
  rc = sqlite3_step (stmt);
  *hours = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return cp_server_db_set_error (db, error);
  return TRUE;
}

static gboolean
run_command (CpServerDb  *db,
             int          argc,
             char       **argv,
             GError     **error)
{
  const char *command = argv[0];
  gint64 value, hours;

  if (g_strcmp0 (command, "remove-device") == 0 && argc == 2)
    return cp_server_devices_remove (db, argv[1], now (), error);
  if (g_strcmp0 (command, "set-setting-grace") == 0 && argc == 3)
    return parse_hours (argv[2], &value, error) &&
           cp_server_compliance_set_grace (db, argv[1], value, error);
  if (g_strcmp0 (command, "set-first-failing") == 0 && argc == 4)
    return parse_time_arg (argv[3], &value, error) &&
           cp_server_compliance_set_first_failing (db, argv[1], argv[2], value, error);
  if (g_strcmp0 (command, "set-compliance-deadline") == 0 && argc == 4)
    return parse_time_arg (argv[3], &value, error) &&
           grace_hours_of (db, argv[2], &hours, error) &&
           cp_server_compliance_set_first_failing (db, argv[1], argv[2], value - hours * 3600, error);
  if (g_strcmp0 (command, "expire-grace") == 0 && argc == 2)
    return cp_server_compliance_expire_grace (db, argv[1], now (), error);

  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT, _("Usage: %s"), USAGE);
  return FALSE;
}

int
cp_server_admin_run (int    argc,
                     char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("COMMAND ARGS"));
  g_autoptr(GError) error = NULL;
  g_autoptr(CpServerDb) db = NULL;
  g_autofree char *path = NULL;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &path, N_("SQLite database of the server"), N_("FILE") },
    { NULL }
  };

  g_option_context_set_summary (context, USAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto fail;
  if (path == NULL || argc < 2)
    {
      g_set_error (&error, CP_ERROR, CP_ERROR_INVALID_INPUT, _("Usage: %s"), USAGE);
      goto fail;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (&error, CP_ERROR, CP_ERROR_INVALID_INPUT, _("There is no database at %s"), path);
      goto fail;
    }
  if (!(db = cp_server_db_open (path, &error)) || !run_command (db, argc - 1, argv + 1, &error))
    goto fail;
  return EXIT_SUCCESS;

fail:
  g_printerr ("company-portal-server admin: %s\n", error->message);
  return EXIT_FAILURE;
}
