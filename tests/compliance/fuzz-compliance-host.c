/* fuzz-compliance-host.c: the host files the built-in checks parse
 *
 * The input becomes every file at once (os-release, pwquality.conf, the PAM
 * stack, APT configuration, ufw.conf, the mount table, the TCP tables, the
 * SecureBoot variable) of a scratch host tree, and every built-in check runs
 * on it. Whatever the bytes, no check may crash, and each result must carry
 * readable evidence.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gstdio.h>

#include "cp-test-util.h"
#include "fuzz-common.h"

static const char *const files[] = {
  "etc/os-release",
  "etc/security/pwquality.conf",
  "etc/security/pwquality.conf.d/50-fuzz.conf",
  "etc/pam.d/common-password",
  "etc/apt/apt.conf.d/50fuzz",
  "etc/ufw/ufw.conf",
  "etc/nftables.conf",
  "proc/self/mountinfo",
  "proc/net/tcp",
  "proc/net/tcp6",
  "sys/block/sda/dev",
  "sys/block/dm-0/dm/uuid",
  "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
};

static const char policy_text[] =
  "{\"settings\":["
  "{\"id\":\"os\",\"type\":\"distribution\",\"parameters\":{\"allowed\":[{\"id\":\"debian\",\"minVersion\":\"12\"}]}},"
  "{\"id\":\"disk\",\"type\":\"diskEncryption\"},"
  "{\"id\":\"pw\",\"type\":\"passwordPolicy\",\"parameters\":{\"minLength\":12}},"
  "{\"id\":\"fw\",\"type\":\"firewall\"},"
  "{\"id\":\"sb\",\"type\":\"secureBoot\"},"
  "{\"id\":\"up\",\"type\":\"automaticUpdates\"},"
  "{\"id\":\"ssh\",\"type\":\"sshServer\"}]}";

static char *tree;

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
write_tree (const uint8_t *data,
            size_t         size)
{
  if (tree == NULL)
    tree = cp_test_make_program_tmp_dir ("cp-fuzz-compliance-XXXXXX");

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (tree, files[i], NULL);
      g_autofree char *dir = g_path_get_dirname (path);

      g_mkdir_with_parents (dir, 0700);
      /* No fsync: thousands of runs must not wait on the disk. */
      g_assert_true (g_file_set_contents_full (path, (const char *) data, size,
                                               G_FILE_SET_CONTENTS_NONE, 0600, NULL));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(CpCompliancePolicy) policy = NULL;
  g_autoptr(CpHostRoot) root = NULL;
  g_autoptr(CpComplianceEngine) engine = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) results = NULL;

  fuzz_init ();
  if (size > 64 * 1024)
    return 0;

  write_tree (data, size);
  policy = cp_compliance_policy_new_from_data (policy_text, -1, NULL);
  g_assert_nonnull (policy);
  root = cp_host_root_new (tree);
  engine = cp_compliance_engine_new (root);
  cp_compliance_engine_evaluate_async (engine, policy, NULL, done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  results = cp_compliance_engine_evaluate_finish (engine, result, NULL);

  g_assert_nonnull (results);
  g_assert_cmpuint (results->len, ==, 7);
  for (guint i = 0; i < results->len; i++)
    {
      const char *evidence = cp_compliance_result_get_evidence (g_ptr_array_index (results, i));

      g_assert_true (evidence[0] != '\0' && g_utf8_validate (evidence, -1, NULL));
    }
  return 0;
}
