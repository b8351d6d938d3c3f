/* test-device.c: CpDevice from the device JSON, good and bad
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <company-portal.h>

#define GOOD "{\"id\":\"dev-1\",\"displayName\":\"Alice’s laptop\",\"hostname\":\"alice-pc\"," \
  "\"operatingSystem\":\"Debian GNU/Linux\",\"osVersion\":\"12\",\"ownership\":\"company\"," \
  "\"managementState\":\"managed\",\"enrollmentState\":\"enrolled\",\"complianceState\":\"unknown\"," \
  "\"enrolledDateTime\":\"2026-11-29T02:00:00Z\",\"lastCheckInDateTime\":\"2026-11-29T03:00:00.5+01:00\"}"

static JsonNode *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

static void
test_good (void)
{
  g_autoptr(JsonNode) node = parse (GOOD);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpDevice) device = cp_device_new_from_json (node, &error);
  g_autofree char *os = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (cp_device_get_id (device), ==, "dev-1");
  g_assert_cmpstr (cp_device_get_display_name (device), ==, "Alice’s laptop");
  g_assert_cmpstr (cp_device_get_hostname (device), ==, "alice-pc");
  g_assert_null (cp_device_get_model (device));
  g_assert_cmpint (cp_device_get_ownership (device), ==, CP_DEVICE_OWNERSHIP_COMPANY);
  g_assert_cmpint (cp_device_get_management (device), ==, CP_DEVICE_MANAGEMENT_MANAGED);
  g_assert_cmpint (cp_device_get_enrollment (device), ==, CP_DEVICE_ENROLLMENT_ENROLLED);
  g_assert_cmpstr (cp_device_get_compliance_state (device), ==, "unknown");
  g_assert_cmpint (g_date_time_to_unix (cp_device_get_enrolled_at (device)), ==, 1795917600);
  g_assert_cmpint (g_date_time_to_unix (cp_device_get_last_check_in (device)), ==, 1795917600);
  os = cp_device_dup_os_label (device);
  g_assert_cmpstr (os, ==, "Debian GNU/Linux 12");
}

/* Each replacement of one member of GOOD must be refused. */
static void
test_bad (void)
{
  static const struct { const char *member, *value; } cases[] = {
    { "id", "\"\"" }, { "id", "\"a/b\"" }, { "id", "42" }, { "displayName", "null" },
    { "displayName", "\"a\\u0007b\"" }, { "hostname", "[]" }, { "operatingSystem", "\"\"" },
    { "ownership", "\"stolen\"" }, { "managementState", "\"Managed\"" },
    { "enrollmentState", "\"done\"" }, { "complianceState", "true" },
    { "enrolledDateTime", "\"yesterday\"" }, { "enrolledDateTime", "\"2026-11-29T02:00:00\"" },
    { "lastCheckInDateTime", "\"2026-13-01T00:00:00Z\"" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = parse (GOOD);
      g_autoptr(JsonNode) value = parse (cases[i].value);
      g_autoptr(GError) error = NULL;
      g_autoptr(CpDevice) device = NULL;

      json_object_set_member (json_node_get_object (node), cases[i].member, json_node_ref (value));
      device = cp_device_new_from_json (node, &error);
      g_assert_null (device);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
    }
}

static void
test_missing (void)
{
  static const char * const required[] = { "id", "displayName", "operatingSystem", "ownership",
    "managementState", "enrollmentState", "complianceState", "enrolledDateTime" };

  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    {
      g_autoptr(JsonNode) node = parse (GOOD);
      g_autoptr(GError) error = NULL;
      g_autoptr(CpDevice) device = NULL;

      json_object_remove_member (json_node_get_object (node), required[i]);
      device = cp_device_new_from_json (node, &error);
      g_assert_null (device);
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
    }
}

static void
test_list (void)
{
  g_autoptr(JsonNode) good = parse ("{\"items\":[" GOOD "," GOOD "]}");
  g_autoptr(JsonNode) empty = parse ("{\"items\":[]}");
  g_autoptr(JsonNode) bad = parse ("{\"items\":[" GOOD ",{}]}");
  g_autoptr(JsonNode) none = parse ("[]");
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  list = cp_device_list_from_json (good, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = cp_device_list_from_json (empty, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);
  g_assert_null (cp_device_list_from_json (bad, &error));
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_null (cp_device_list_from_json (none, &error));
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/device/good", test_good);
  g_test_add_func ("/device/bad", test_bad);
  g_test_add_func ("/device/missing", test_missing);
  g_test_add_func ("/device/list", test_list);
  return g_test_run ();
}
