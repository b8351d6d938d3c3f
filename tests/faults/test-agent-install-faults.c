/* test-agent-install-faults.c: the agent's install reports through
 * tests/harness/fault_proxy.py to the real company-portal-server
 *
 * Runs under tests/agent/with-keyring.sh (faults-agent-util.h). Installs
 * run against private Flatpak installations; each one asks for an app whose
 * remote does not exist, which is quick and still gives two reports
 * (pendingInstall, then failed). What the server kept is read from its
 * database.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "cp-agent-dbus.h"
#include "cp-agent-errors.h"
#include "faults-agent-util.h"

#define TABLE "install_reports"
/* Reports of one install: pendingInstall and failed. */
#define PER_INSTALL 2

static char *missing_remote;

static void
install_missing_app (const char *app_id)
{
  g_autoptr(CpAgentDbusAgent1Installer) installer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *entry = NULL;
  g_autofree char *job_id = NULL;

  installer = cp_agent_dbus_agent1_installer_proxy_new_sync (stack.bus, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                                             CP_AGENT_DBUS_NAME, CP_AGENT_DBUS_PATH,
                                                             NULL, &error);
  g_assert_no_error (error);
  entry = g_strdup_printf ("{\"id\":\"%s\",\"name\":\"Missing\",\"summary\":\"Not anywhere\","
                           "\"install\":{\"type\":\"flatpak\",\"remoteName\":\"corp\","
                           "\"remoteUrl\":\"%s\",\"ref\":\"app/%s//stable\",\"gpgVerify\":false}}",
                           app_id, missing_remote, app_id);
  cp_agent_dbus_agent1_installer_call_install_sync (installer, stack.proxy->url, entry, &job_id,
                                                    NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (job_id);
}

/* Whether the agent's on-disk queue holds @text, within @seconds. */
static gboolean
wait_for_queued (const char *text,
                 guint       seconds)
{
  g_autofree char *path = g_build_filename (g_get_user_state_dir (), "company-portal", "agent",
                                            "install-reports.json", NULL);
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  do
    {
      g_autofree char *contents = NULL;

      if (g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, text) != NULL)
        return TRUE;
      g_usleep (50 * 1000);
    }
  while (g_get_monotonic_time () < end);
  return FALSE;
}

/* Nothing more arrives than @count: a second copy would come within the
 * agent's retry interval (1 s here). */
static void
assert_settled (const char *device_id,
                guint       count)
{
  g_usleep (2500 * 1000);
  g_assert_cmpuint (db_count (TABLE, device_id), ==, count);
}

/* A 503 with Retry-After, a reset before the server saw anything, the server
 * stopped with the agent killed: each report reaches the server once. */
static void
test_install_reports_survive_faults (void)
{
  g_autofree char *device_id = agent_enroll ();
  g_autofree char *path = g_strdup_printf ("/v1/devices/%s/installs", device_id);
  g_autofree char *rule = NULL;
  guint expected = 0;

  rule = g_strdup_printf ("[{\"method\":\"POST\",\"path\":\"%s\",\"action\":\"status\","
                          "\"status\":503,\"retryAfter\":\"1\"}]", path);
  proxy_arm (rule);
  install_missing_app ("org.example.One");
  expected += PER_INSTALL;
  g_assert_cmpuint (db_wait_count (TABLE, device_id, expected, 20), ==, expected);
  g_assert_cmpuint (proxy_count ("POST", path, "status-503"), ==, 1);
  assert_settled (device_id, expected);

  g_clear_pointer (&rule, g_free);
  rule = g_strdup_printf ("[{\"method\":\"POST\",\"path\":\"%s\",\"action\":\"reset\"}]", path);
  proxy_arm (rule);
  install_missing_app ("org.example.Two");
  expected += PER_INSTALL;
  g_assert_cmpuint (db_wait_count (TABLE, device_id, expected, 20), ==, expected);
  g_assert_cmpuint (proxy_count ("POST", path, "reset-before-headers"), ==, 1);
  assert_settled (device_id, expected);

  /* The server is gone; the reports wait on disk; the agent dies. */
  fault_stack_stop_server ();
  proxy_arm ("[]");
  install_missing_app ("org.example.Three");
  /* Killed once the job is over and both its reports are on disk (a job
   * killed halfway never reports its end: that is no lost report). */
  g_assert_true (wait_for_queued ("\"failed\"", 20));
  g_assert_cmpuint (proxy_count ("POST", path, "upstream-down"), >=, 1);
  agent_kill ();
  fault_stack_start_server ();
  expected += PER_INSTALL;
  /* The next agent (activated by this call) sends what the last one left. */
  {
    g_autoptr(CpAgentDbusAgent1Installer) installer = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) ids = NULL;

    installer = cp_agent_dbus_agent1_installer_proxy_new_sync (stack.bus, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                                               CP_AGENT_DBUS_NAME, CP_AGENT_DBUS_PATH,
                                                               NULL, &error);
    g_assert_no_error (error);
    cp_agent_dbus_agent1_installer_call_list_installed_sync (installer, &ids, NULL, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (db_wait_count (TABLE, device_id, expected, 20), ==, expected);
  assert_settled (device_id, expected);

  agent_unenroll ();
}

/* The server stored the reports, its answer was lost on the way back (a
 * reset before any byte of it): the agent must send them again, and the
 * server must not keep them twice. */
static void
test_install_report_answer_lost (void)
{
  g_autofree char *device_id = agent_enroll ();
  g_autofree char *path = g_strdup_printf ("/v1/devices/%s/installs", device_id);
  g_autofree char *rule = NULL;

  rule = g_strdup_printf ("[{\"method\":\"POST\",\"path\":\"%s\",\"action\":\"reset\","
                          "\"when\":\"after-forward\"}]", path);
  proxy_arm (rule);
  install_missing_app ("org.example.Lost");
  g_assert_cmpuint (db_wait_count (TABLE, device_id, PER_INSTALL, 20), >=, PER_INSTALL);
  /* Sent again (the agent had no answer), then let it settle. */
  {
    gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

    while (proxy_count ("POST", path, "pass") == 0 && g_get_monotonic_time () < end)
      g_usleep (50 * 1000);
  }
  g_assert_cmpuint (proxy_count ("POST", path, "pass"), >=, 1);
  g_usleep (1500 * 1000);
  g_assert_cmpuint (proxy_count ("POST", path, "reset-after-forward"), ==, 1);
  /* The re-sent batch held the report the server already had: kept once. */
  g_assert_cmpuint (db_count (TABLE, device_id), ==, PER_INSTALL);
  agent_unenroll ();
}

/* Setup */

static const char *const flatpak_dirs[] = { "FLATPAK_USER_DIR", "FLATPAK_SYSTEM_DIR", "FLATPAK_CONFIG_DIR" };

static void
isolate_flatpak (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (flatpak_dirs); i++)
    {
      g_autofree char *dir = g_build_filename (stack.tmp_dir, flatpak_dirs[i], NULL);

      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      agent_set_env (flatpak_dirs[i], dir);
    }
  missing_remote = g_strdup_printf ("file://%s/no-such-repo", stack.tmp_dir);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  if (!fault_stack_start ())
    return 1;
  isolate_flatpak ();
  /* The agent's wait before sending queued reports again, without a Retry-After. */
  agent_set_env ("CP_AGENT_REPORT_RETRY", "1");

  g_test_add_func ("/faults/agent/install-reports-survive-faults", test_install_reports_survive_faults);
  g_test_add_func ("/faults/agent/install-report-answer-lost", test_install_report_answer_lost);

  status = g_test_run ();
  g_free (missing_remote);
  fault_stack_stop ();  /* the Flatpak directories are in its scratch directory */
  return status;
}
