/* test-cp-test-util.c: the scratch directories every test program shares
 *
 * Runs under tests/check-tmp-clean.sh, which fails it when anything is left
 * in TMPDIR: that is what checks the directory removed at exit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "cp-test-util.h"

static char *per_test_dir;

static void
write_file (const char *dir,
            const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, "x", -1, NULL));
}

static void
test_remove_tree (void)
{
  g_autofree char *root = cp_test_make_tmp_dir ("cp-util-root-XXXXXX");
  g_autofree char *outside = cp_test_make_tmp_dir ("cp-util-outside-XXXXXX");
  g_autofree char *tree = g_build_filename (root, "tree", NULL);
  g_autofree char *deep = g_build_filename (tree, "a", "b", NULL);
  g_autofree char *locked = g_build_filename (tree, "locked", NULL);
  g_autofree char *link = g_build_filename (tree, "a", "link", NULL);
  g_autofree char *kept = g_build_filename (outside, "kept", NULL);

  g_assert_cmpint (g_mkdir_with_parents (deep, 0700), ==, 0);
  write_file (deep, "file");
  g_assert_cmpint (g_mkdir (locked, 0700), ==, 0);
  write_file (locked, "file");
  g_assert_cmpint (g_chmod (locked, 0500), ==, 0);
  write_file (outside, "kept");
  g_assert_cmpint (symlink (outside, link), ==, 0);

  g_assert_true (cp_test_remove_tree (tree));
  g_assert_false (g_file_test (tree, G_FILE_TEST_EXISTS));
  /* The link went; what it pointed to did not. */
  g_assert_true (g_file_test (kept, G_FILE_TEST_IS_REGULAR));

  /* Nor when the link is what is removed. */
  g_assert_cmpint (symlink (outside, tree), ==, 0);
  g_assert_true (cp_test_remove_tree (tree));
  g_assert_false (g_file_test (tree, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (kept, G_FILE_TEST_IS_REGULAR));

  /* Nothing there is no failure; a file is removed like a tree. */
  g_assert_true (cp_test_remove_tree (tree));
  g_assert_true (cp_test_remove_tree (kept));
  g_assert_false (g_file_test (kept, G_FILE_TEST_EXISTS));
}

static void
test_per_test_dir_made (void)
{
  per_test_dir = cp_test_make_tmp_dir ("cp-util-test-XXXXXX");
  g_assert_true (g_file_test (per_test_dir, G_FILE_TEST_IS_DIR));
  write_file (per_test_dir, "file");
  g_assert_true (g_str_has_prefix (per_test_dir, g_get_tmp_dir ()));
}

static void
test_per_test_dir_gone (void)
{
  if (per_test_dir == NULL)
    {
      g_test_skip ("Runs after /test-util/per-test-dir-made");
      return;
    }
  g_assert_false (g_file_test (per_test_dir, G_FILE_TEST_EXISTS));
  g_clear_pointer (&per_test_dir, g_free);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *program_dir = NULL;

  g_test_init (&argc, &argv, NULL);
  /* Left for the exit to remove, with something in it. */
  program_dir = cp_test_make_program_tmp_dir ("cp-util-program-XXXXXX");
  write_file (program_dir, "file");

  g_test_add_func ("/test-util/remove-tree", test_remove_tree);
  g_test_add_func ("/test-util/per-test-dir-made", test_per_test_dir_made);
  g_test_add_func ("/test-util/per-test-dir-gone", test_per_test_dir_gone);

  return g_test_run ();
}
