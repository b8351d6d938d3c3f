/* test-compliance-store.c: the agent's compliance record and when it notifies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "company-portal.h"
#include "cp-compliance-notifier.h"
#include "cp-compliance-store.h"
#include "cp-test-util.h"

#define SERVER "https://portal.example.com"

/* A path for the store in a directory that goes when the test case ends. */
static char *
temp_path (void)
{
  g_autofree char *dir = cp_test_make_tmp_dir ("cp-compliance-store-XXXXXX");

  return g_build_filename (dir, "agent", "compliance.json", NULL);
}

static JsonObject *
result (const char *setting_id,
        const char *title,
        const char *state,
        const char *evidence)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "settingId", setting_id);
  json_object_set_string_member (object, "title", title);
  json_object_set_string_member (object, "state", state);
  json_object_set_string_member (object, "evidence", evidence);
  return object;
}

static void
test_round_trip (void)
{
  g_autofree char *path = temp_path ();
  g_autoptr(CpComplianceStore) store = cp_compliance_store_new (path);
  g_autoptr(CpComplianceStore) again = cp_compliance_store_new (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) public = NULL;
  g_autofree char *text = NULL;
  JsonObject *record, *entry, *body;
  JsonArray *queue;
  GStatBuf st;

  /* Missing file: empty, not an error. */
  g_assert_true (cp_compliance_store_load (store, &error));
  g_assert_no_error (error);
  g_assert_null (cp_compliance_store_lookup (store, SERVER));

  record = cp_compliance_store_ensure (store, SERVER);
  json_object_set_string_member (record, "complianceState", "inGracePeriod");
  cp_compliance_record_set_time (record, "complianceGraceDeadline", 1930000000);
  json_object_set_object_member (record, "policy", json_object_new ());
  queue = cp_compliance_record_ensure_queue (record);
  entry = json_object_new ();
  body = json_object_new ();
  json_object_set_string_member (entry, "reportId", "r-1");
  json_object_set_string_member (entry, "deviceId", "dev-1");
  json_object_set_object_member (entry, "body", body);
  json_array_add_object_element (queue, entry);
  g_assert_true (cp_compliance_store_save (store, &error));
  g_assert_no_error (error);

  /* Private to the user. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  g_assert_true (cp_compliance_store_load (again, &error));
  g_assert_no_error (error);
  record = cp_compliance_store_lookup (again, SERVER);
  g_assert_nonnull (record);
  g_assert_cmpint (cp_compliance_record_get_time (record, "complianceGraceDeadline"), ==, 1930000000);
  g_assert_cmpstr (cp_compliance_record_get_string (record, "complianceGraceDeadline"), ==,
                   "2031-02-27T23:06:40Z");

  /* The public document has the state, never the cached policy or the queue itself. */
  public = cp_compliance_store_dup_public (again, SERVER);
  g_assert_cmpstr (json_object_get_string_member (public, "complianceState"), ==, "inGracePeriod");
  g_assert_cmpint (json_object_get_int_member (public, "queued"), ==, 1);
  g_assert_false (json_object_has_member (public, "policy"));
  g_assert_false (json_object_has_member (public, "queue"));
  text = cp_compliance_store_dup_public_json (again, "https://other.example.com");
  g_assert_cmpstr (text, ==, "{\"server\":\"https://other.example.com\",\"queued\":0}");
}

static void
test_damaged (void)
{
  const char *damaged[] = {
    "",
    "not json",
    "[]",
    "{\"version\":2,\"servers\":[]}",
    "{\"version\":1,\"servers\":{}}",
    "{\"version\":1,\"servers\":[{\"deviceId\":\"x\"}]}",
    "{\"version\":1,\"servers\":[{\"server\":\"s\",\"queue\":{}}]}",
    "{\"version\":1,\"servers\":[{\"server\":\"s\",\"queue\":[{\"reportId\":\"r\"}]}]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (damaged); i++)
    {
      g_autofree char *path = temp_path ();
      g_autofree char *dir = g_path_get_dirname (path);
      g_autoptr(CpComplianceStore) store = cp_compliance_store_new (path);
      g_autoptr(GError) error = NULL;

      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_assert_true (g_file_set_contents (path, damaged[i], -1, NULL));
      g_assert_false (cp_compliance_store_load (store, &error));
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
      g_assert_null (cp_compliance_store_lookup (store, "s"));
    }
}

static void
test_times (void)
{
  gint64 t = 0;

  g_assert_true (cp_compliance_parse_time ("2026-03-12T09:00:00Z", &t));
  g_assert_cmpint (t, ==, 1773306000);
  g_assert_true (cp_compliance_parse_time ("2026-03-12T10:00:00+01:00", &t));
  g_assert_cmpint (t, ==, 1773306000);
  g_assert_false (cp_compliance_parse_time ("2026-03-12", &t));
  g_assert_false (cp_compliance_parse_time ("2026-03-12 09:00:00Z", &t));
  g_assert_false (cp_compliance_parse_time ("tomorrow", &t));
  g_assert_false (cp_compliance_parse_time (NULL, &t));
}

static JsonObject *
record_with (const char *state,
             gint64      deadline)
{
  JsonObject *record = json_object_new ();
  JsonArray *results = json_array_new ();

  json_array_add_object_element (results, result ("os", "Supported Linux version", "compliant", "debian 12"));
  json_array_add_object_element (results, result ("lock", "Screen lock", "unknown", "No GNOME"));
  json_array_add_object_element (results, result ("fw", "Firewall", "noncompliant", "No firewall is enabled"));
  json_object_set_array_member (record, "results", results);
  json_object_set_string_member (record, "complianceState", state);
  cp_compliance_record_set_time (record, "complianceGraceDeadline", deadline);
  return record;
}

static gboolean
compose (JsonObject *record,
         gint64      now,
         char      **summary,
         char      **body,
         char      **setting_id)
{
  g_clear_pointer (summary, g_free);
  g_clear_pointer (body, g_free);
  g_clear_pointer (setting_id, g_free);
  return cp_compliance_notification_compose (record, now, summary, body, setting_id);
}

static void
test_notification_decision (void)
{
  gint64 now = 1773306000;
  g_autoptr(JsonObject) record = record_with ("compliant", 0);
  g_autoptr(JsonObject) far = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  g_autofree char *setting_id = NULL;

  /* Compliant, and nothing known before: silence. */
  g_assert_false (compose (record, now, &summary, &body, &setting_id));
  g_assert_cmpstr (json_object_get_string_member (record, "notifiedState"), ==, "compliant");

  /* Worse with a deadline in a week: told once, with the first noncompliant setting. */
  json_object_set_string_member (record, "complianceState", "inGracePeriod");
  cp_compliance_record_set_time (record, "complianceGraceDeadline", now + 7 * 24 * 3600);
  g_assert_true (compose (record, now, &summary, &body, &setting_id));
  g_assert_true (g_str_has_prefix (summary, "Your device will lose access on "));
  g_assert_cmpstr (body, ==, "Firewall: No firewall is enabled");
  g_assert_cmpstr (setting_id, ==, "fw");
  g_assert_false (compose (record, now, &summary, &body, &setting_id));

  /* The same deadline a day before: told once more, then not again. */
  g_assert_true (compose (record, now + 6 * 24 * 3600 + 1, &summary, &body, &setting_id));
  g_assert_false (compose (record, now + 6 * 24 * 3600 + 60, &summary, &body, &setting_id));

  /* A new, near deadline is news; one that passed is not. */
  cp_compliance_record_set_time (record, "complianceGraceDeadline", now + 3600);
  g_assert_true (compose (record, now, &summary, &body, &setting_id));
  cp_compliance_record_set_time (record, "complianceGraceDeadline", now - 60);
  g_assert_false (compose (record, now, &summary, &body, &setting_id));

  /* Noncompliant is worse than the grace period; unknown says nothing. */
  json_object_set_string_member (record, "complianceState", "noncompliant");
  g_assert_true (compose (record, now, &summary, &body, &setting_id));
  g_assert_nonnull (strstr (summary, "no longer meets"));
  json_object_set_string_member (record, "complianceState", "unknown");
  g_assert_false (compose (record, now, &summary, &body, &setting_id));
  g_assert_cmpstr (json_object_get_string_member (record, "notifiedState"), ==, "noncompliant");

  /* Better is not news. */
  json_object_set_string_member (record, "complianceState", "compliant");
  g_assert_false (compose (record, now, &summary, &body, &setting_id));

  /* A first report that is already bad: the deadline rule still tells in time. */
  far = record_with ("inGracePeriod", now + 48 * 3600);
  g_assert_false (compose (far, now, &summary, &body, &setting_id));
  g_assert_true (compose (far, now + 25 * 3600, &summary, &body, &setting_id));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/compliance-store/round-trip", test_round_trip);
  g_test_add_func ("/compliance-store/damaged", test_damaged);
  g_test_add_func ("/compliance-store/times", test_times);
  g_test_add_func ("/compliance-store/notification-decision", test_notification_decision);

  return g_test_run ();
}
