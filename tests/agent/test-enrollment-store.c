/* test-enrollment-store.c: the agent's record of its enrollments
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "company-portal.h"
#include "cp-enrollment-store.h"
#include "cp-test-util.h"

/* A path for the store in a directory that goes when the test case ends. */
static char *
temp_path (void)
{
  g_autofree char *dir = cp_test_make_tmp_dir ("cp-store-XXXXXX");

  return g_build_filename (dir, "agent", "enrollments.json", NULL);
}

static void
test_roundtrip (void)
{
  g_autofree char *path = temp_path ();
  g_autoptr(CpEnrollmentStore) store = cp_enrollment_store_new (path);
  g_autoptr(CpEnrollmentStore) again = cp_enrollment_store_new (path);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) servers = NULL;
  g_autoptr(GVariant) variant = NULL;
  CpEnrollment *a, *b;
  GStatBuf st;

  g_assert_true (cp_enrollment_store_load (store, &error));  /* missing file: empty */
  g_assert_no_error (error);

  a = cp_enrollment_store_ensure (store, "https://b.example.com");
  a->state = CP_ENROLLMENT_ENROLLED;
  a->device_id = g_strdup ("dev-1");
  a->thumbprint = g_strdup ("thumb");
  a->enrolled_at = 1700000000;
  a->last_check_in = 1700000100;
  a->last_error = g_strdup ("Gone \"quoted\"\n");
  b = cp_enrollment_store_ensure (store, "https://a.example.com");
  b->state = CP_ENROLLMENT_ENROLLING;
  g_assert_true (cp_enrollment_store_ensure (store, "https://a.example.com") == b);

  g_assert_true (cp_enrollment_store_save (store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  g_assert_true (cp_enrollment_store_load (again, &error));
  g_assert_no_error (error);
  servers = cp_enrollment_store_dup_servers (again);
  g_assert_cmpuint (g_strv_length (servers), ==, 2);
  g_assert_cmpstr (servers[0], ==, "https://a.example.com");

  a = cp_enrollment_store_lookup (again, "https://b.example.com");
  g_assert_cmpint (a->state, ==, CP_ENROLLMENT_ENROLLED);
  g_assert_cmpstr (a->device_id, ==, "dev-1");
  g_assert_cmpint (a->last_check_in, ==, 1700000100);
  g_assert_cmpstr (a->last_error, ==, "Gone \"quoted\"\n");

  variant = cp_enrollment_to_variant (a, a->server);
  g_assert_true (g_variant_lookup (variant, "device-id", "&s", NULL));
  g_assert_true (g_variant_lookup (variant, "last-check-in", "x", NULL));

  cp_enrollment_store_remove (again, "https://b.example.com");
  g_assert_null (cp_enrollment_store_lookup (again, "https://b.example.com"));
}

static void
test_damaged (void)
{
  g_autofree char *long_string = g_strnfill (3000, 'x');
  g_autofree char *long_doc = g_strdup_printf ("{\"version\":1,\"enrollments\":[{\"server\":\"%s\",\"state\":\"enrolling\"}]}", long_string);
  g_autoptr(GString) many = g_string_new ("{\"version\":1,\"enrollments\":[");
  const char *documents[] = {
    "", "not json", "[]", "{}", "{\"version\":2,\"enrollments\":[]}",
    "{\"version\":\"1\",\"enrollments\":[]}", "{\"version\":1,\"enrollments\":{}}",
    "{\"version\":1,\"enrollments\":[1]}",
    "{\"version\":1,\"enrollments\":[{\"state\":\"enrolled\",\"deviceId\":\"d\"}]}",
    "{\"version\":1,\"enrollments\":[{\"server\":\"s\",\"state\":\"bogus\"}]}",
    "{\"version\":1,\"enrollments\":[{\"server\":\"s\",\"state\":\"enrolled\"}]}",
    "{\"version\":1,\"enrollments\":[{\"server\":\"s\",\"state\":\"enrolled\",\"deviceId\":7}]}",
    "{\"version\":1,\"enrollments\":[{\"server\":\"s\",\"state\":\"enrolling\",\"lastCheckIn\":\"x\"}]}",
    "{\"version\":1,\"enrollments\":[{\"server\":\"s\",\"state\":\"enrolling\",\"enrolledAt\":-1}]}",
    long_doc, NULL,
  };

  for (guint i = 0; i < 65; i++)
    g_string_append_printf (many, "%s{\"server\":\"s%u\",\"state\":\"enrolling\"}", i ? "," : "", i);
  g_string_append (many, "]}");
  documents[G_N_ELEMENTS (documents) - 1] = many->str;

  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autofree char *path = temp_path ();
      g_autofree char *dir = g_path_get_dirname (path);
      g_autoptr(CpEnrollmentStore) store = cp_enrollment_store_new (path);
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) servers = NULL;

      g_test_message ("document %u", i);
      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_assert_true (g_file_set_contents (path, documents[i], -1, NULL));
      g_assert_false (cp_enrollment_store_load (store, &error));
      g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
      servers = cp_enrollment_store_dup_servers (store);
      g_assert_cmpuint (g_strv_length (servers), ==, 0);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/enrollment-store/roundtrip", test_roundtrip);
  g_test_add_func ("/enrollment-store/damaged", test_damaged);

  return g_test_run ();
}
