/* test-device-facts.c: fact collection against fake file trees
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <glib/gstdio.h>

#include "company-portal.h"
#include "cp-test-util.h"

#define SERVER "https://portal.example.com"
#define MACHINE_ID "0123456789abcdef0123456789abcdef"

typedef struct
{
  char *root;
} Tree;

static void
tree_write (Tree       *tree,
            const char *relative,
            const char *contents,
            gssize      len)
{
  g_autofree char *path = g_build_filename (tree->root, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
}

static void
tree_setup (Tree          *tree,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  tree->root = g_dir_make_tmp ("cp-facts-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
tree_teardown (Tree          *tree,
               gconstpointer  data)
{
  cp_test_remove_tree (tree->root);
  g_free (tree->root);
}

static CpDeviceFacts *
collect (Tree *tree)
{
  g_autoptr(GError) error = NULL;
  CpDeviceFacts *facts = cp_device_facts_collect (tree->root, SERVER, &error);

  g_assert_no_error (error);
  g_assert_nonnull (facts);
  return facts;
}

static void
test_full_tree (Tree          *tree,
                gconstpointer  data)
{
  g_autoptr(CpDeviceFacts) facts = NULL;
  g_autoptr(JsonObject) json = NULL;
  g_autofree char *expected_hash = NULL;

  tree_write (tree, "etc/hostname", "laptop-42\n", -1);
  tree_write (tree, "etc/os-release",
              "# comment\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n"
              "PRETTY_NAME='Debian GNU/Linux 12 (bookworm)'\n", -1);
  tree_write (tree, "proc/sys/kernel/osrelease", "6.1.0-18-amd64\n", -1);
  tree_write (tree, "proc/sys/kernel/arch", "x86_64\n", -1);
  tree_write (tree, "sys/class/dmi/id/sys_vendor", "LENOVO\n", -1);
  tree_write (tree, "sys/class/dmi/id/product_name", "20XW0055GE\n", -1);
  tree_write (tree, "sys/class/dmi/id/product_serial", "PF2ABCDE\n", -1);
  tree_write (tree, "etc/machine-id", MACHINE_ID "\n", -1);

  facts = collect (tree);
  g_assert_cmpstr (cp_device_facts_get_hostname (facts), ==, "laptop-42");
  g_assert_cmpstr (cp_device_facts_get_os_name (facts), ==, "Debian GNU/Linux");
  g_assert_cmpstr (cp_device_facts_get_os_version (facts), ==, "12");
  g_assert_cmpstr (cp_device_facts_get_os_id (facts), ==, "debian");
  g_assert_cmpstr (cp_device_facts_get_os_pretty_name (facts), ==, "Debian GNU/Linux 12 (bookworm)");
  g_assert_cmpstr (cp_device_facts_get_kernel (facts), ==, "6.1.0-18-amd64");
  g_assert_cmpstr (cp_device_facts_get_architecture (facts), ==, "x86_64");
  g_assert_cmpstr (cp_device_facts_get_vendor (facts), ==, "LENOVO");
  g_assert_cmpstr (cp_device_facts_get_model (facts), ==, "20XW0055GE");
  g_assert_cmpstr (cp_device_facts_get_serial (facts), ==, "PF2ABCDE");

  expected_hash = cp_device_facts_hash_machine_id (MACHINE_ID, SERVER);
  g_assert_cmpstr (cp_device_facts_get_machine_id_hash (facts), ==, expected_hash);

  json = cp_device_facts_to_json (facts);
  g_assert_cmpstr (json_object_get_string_member (json, "hostname"), ==, "laptop-42");
  g_assert_cmpstr (json_object_get_string_member (json, "osVersion"), ==, "12");
  g_assert_cmpstr (json_object_get_string_member (json, "kernelVersion"), ==, "6.1.0-18-amd64");
  g_assert_cmpstr (json_object_get_string_member (json, "manufacturer"), ==, "LENOVO");
  g_assert_cmpstr (json_object_get_string_member (json, "serialNumber"), ==, "PF2ABCDE");
  g_assert_cmpstr (json_object_get_string_member (json, "machineIdHash"), ==, expected_hash);
  g_assert_false (json_object_has_member (json, "machineId"));
}

static void
test_machine_id_hash (void)
{
  g_autofree char *a = cp_device_facts_hash_machine_id (MACHINE_ID, SERVER);
  g_autofree char *upper = cp_device_facts_hash_machine_id ("0123456789ABCDEF0123456789ABCDEF\n", SERVER);
  g_autofree char *other_org = cp_device_facts_hash_machine_id (MACHINE_ID, "https://other.example.org");
  g_autofree char *raw = NULL;
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  /* Not the plain SHA-256 of the id: the salt is really in there. */
  g_checksum_update (sum, (const guchar *) MACHINE_ID, -1);
  raw = g_strdup (g_checksum_get_string (sum));

  g_assert_cmpuint (strlen (a), ==, 64);
  g_assert_null (strstr (a, MACHINE_ID));
  g_assert_cmpstr (a, !=, raw);
  g_assert_cmpstr (a, ==, upper);
  g_assert_cmpstr (a, !=, other_org);

  g_assert_null (cp_device_facts_hash_machine_id ("", SERVER));
  g_assert_null (cp_device_facts_hash_machine_id ("0123456789abcdef", SERVER));
  g_assert_null (cp_device_facts_hash_machine_id ("0123456789abcdef0123456789abcdeZ", SERVER));
  g_assert_null (cp_device_facts_hash_machine_id (NULL, SERVER));
}

static void
test_os_release_fallbacks (Tree          *tree,
                           gconstpointer  data)
{
  g_autoptr(CpDeviceFacts) first = NULL;
  g_autoptr(CpDeviceFacts) second = NULL;
  g_autoptr(CpDeviceFacts) sandboxed = NULL;

  /* Only usr/lib/os-release: it is the documented fallback. */
  tree_write (tree, "usr/lib/os-release", "ID=fedora\nVERSION_ID=40\nNAME=\"Fedora \\\"Linux\\\"\"\n", -1);
  first = collect (tree);
  g_assert_cmpstr (cp_device_facts_get_os_id (first), ==, "fedora");
  g_assert_cmpstr (cp_device_facts_get_os_version (first), ==, "40");
  g_assert_cmpstr (cp_device_facts_get_os_name (first), ==, "Fedora \"Linux\"");

  /* etc/os-release wins; a missing NAME defaults to "Linux". */
  tree_write (tree, "etc/os-release", "ID=arch\nBUILD_ID=rolling\n", -1);
  tree_write (tree, "run/host/os-release", "ID=ubuntu\nVERSION_ID=\"24.04\"\nNAME=Ubuntu\n", -1);
  second = collect (tree);
  g_assert_cmpstr (cp_device_facts_get_os_id (second), ==, "arch");
  g_assert_cmpstr (cp_device_facts_get_os_name (second), ==, "Linux");
  g_assert_null (cp_device_facts_get_os_version (second));

  /* Inside Flatpak the host's file is in run/host. */
  tree_write (tree, ".flatpak-info", "[Application]\nname=x\n", -1);
  sandboxed = collect (tree);
  g_assert_cmpstr (cp_device_facts_get_os_id (sandboxed), ==, "ubuntu");
  g_assert_cmpstr (cp_device_facts_get_os_version (sandboxed), ==, "24.04");
}

static void
test_empty_tree (Tree          *tree,
                 gconstpointer  data)
{
  g_autoptr(CpDeviceFacts) facts = collect (tree);
  g_autoptr(JsonObject) json = cp_device_facts_to_json (facts);

  /* A fake root is not "/": nothing may leak in from the real machine. */
  g_assert_null (cp_device_facts_get_hostname (facts));
  g_assert_null (cp_device_facts_get_os_name (facts));
  g_assert_null (cp_device_facts_get_kernel (facts));
  g_assert_null (cp_device_facts_get_vendor (facts));
  g_assert_null (cp_device_facts_get_serial (facts));
  g_assert_null (cp_device_facts_get_machine_id_hash (facts));
  g_assert_cmpuint (json_object_get_size (json), ==, 0);
}

static void
test_dmi_partial (Tree          *tree,
                  gconstpointer  data)
{
  g_autoptr(CpDeviceFacts) facts = NULL;

  /* The serial is root-only on real machines: present but unreadable. */
  tree_write (tree, "sys/class/dmi/id/sys_vendor", "Dell Inc.\n", -1);
  tree_write (tree, "sys/class/dmi/id/product_name", "   \n", -1);
  tree_write (tree, "sys/class/dmi/id/product_serial", "SECRET\n", -1);
  if (getuid () != 0)
    {
      g_autofree char *serial = g_build_filename (tree->root, "sys/class/dmi/id/product_serial", NULL);
      g_assert_cmpint (g_chmod (serial, 0), ==, 0);
    }
  else
    {
      g_autofree char *serial = g_build_filename (tree->root, "sys/class/dmi/id/product_serial", NULL);
      g_remove (serial);
    }

  facts = collect (tree);
  g_assert_cmpstr (cp_device_facts_get_vendor (facts), ==, "Dell Inc.");
  g_assert_null (cp_device_facts_get_model (facts));
  g_assert_null (cp_device_facts_get_serial (facts));
}

static void
test_hostile_values (Tree          *tree,
                     gconstpointer  data)
{
  g_autoptr(CpDeviceFacts) facts = NULL;
  g_autoptr(GString) huge = g_string_new ("NAME=");
  g_autofree char *big_file = g_malloc0 (200 * 1024);

  for (guint i = 0; i < 10000; i++)
    g_string_append (huge, "é");
  g_string_append (huge, "\nID=evil\x1b[31m\x07\nVERSION_ID=1\r\x7f\n");
  tree_write (tree, "etc/os-release", huge->str, -1);
  tree_write (tree, "etc/hostname", "host\tname\x01\xc2\x85-x\n", -1);
  tree_write (tree, "sys/class/dmi/id/sys_vendor", "bad\xff\xfeutf8", -1);
  memset (big_file, 'a', 200 * 1024 - 1);
  tree_write (tree, "sys/class/dmi/id/product_name", big_file, -1);

  facts = collect (tree);
  g_assert_cmpuint (strlen (cp_device_facts_get_os_name (facts)), <=, CP_DEVICE_FACTS_MAX_LEN);
  g_assert_cmpuint (strlen (cp_device_facts_get_os_name (facts)), >=, CP_DEVICE_FACTS_MAX_LEN - 1);
  g_assert_true (g_utf8_validate (cp_device_facts_get_os_name (facts), -1, NULL));
  g_assert_cmpstr (cp_device_facts_get_os_id (facts), ==, "evil[31m");
  g_assert_cmpstr (cp_device_facts_get_os_version (facts), ==, "1");
  g_assert_cmpstr (cp_device_facts_get_hostname (facts), ==, "hostname-x");
  g_assert_cmpstr (cp_device_facts_get_vendor (facts), ==, "bad");
  /* A file far bigger than any real DMI value is refused, not truncated. */
  g_assert_null (cp_device_facts_get_model (facts));
}

static void
test_missing_root (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpDeviceFacts) facts = cp_device_facts_collect ("/nonexistent/cp-root", SERVER, &error);

  g_assert_null (facts);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT);
}

static void
collect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  CpDeviceFacts **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = cp_device_facts_collect_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_real_root_async (void)
{
  g_autoptr(CpDeviceFacts) facts = NULL;

  cp_device_facts_collect_async ("/", SERVER, NULL, collect_cb, &facts);
  while (facts == NULL)
    g_main_context_iteration (NULL, TRUE);

  /* The real machine always has these. */
  g_assert_nonnull (cp_device_facts_get_hostname (facts));
  g_assert_nonnull (cp_device_facts_get_kernel (facts));
  g_assert_nonnull (cp_device_facts_get_architecture (facts));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/device-facts/full-tree", Tree, NULL, tree_setup, test_full_tree, tree_teardown);
  g_test_add ("/device-facts/os-release-fallbacks", Tree, NULL, tree_setup, test_os_release_fallbacks, tree_teardown);
  g_test_add ("/device-facts/empty-tree", Tree, NULL, tree_setup, test_empty_tree, tree_teardown);
  g_test_add ("/device-facts/dmi-partial", Tree, NULL, tree_setup, test_dmi_partial, tree_teardown);
  g_test_add ("/device-facts/hostile-values", Tree, NULL, tree_setup, test_hostile_values, tree_teardown);
  g_test_add_func ("/device-facts/machine-id-hash", test_machine_id_hash);
  g_test_add_func ("/device-facts/missing-root", test_missing_root);
  g_test_add_func ("/device-facts/real-root-async", test_real_root_async);

  return g_test_run ();
}
