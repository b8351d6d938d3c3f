/* compliance-test-util.h: helpers shared by the compliance tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#include <glib/gstdio.h>

#include "company-portal.h"
#include "cp-test-util.h"

static inline char *
test_source_path (const char *rel)
{
  const char *source_dir = g_getenv ("CP_SOURCE_DIR");

  g_assert_nonnull (source_dir);
  return g_build_filename (source_dir, "tests", "compliance", rel, NULL);
}

static inline CpHostRoot *
test_tree (const char *name)
{
  g_autofree char *rel = g_build_filename ("trees", name, NULL);
  g_autofree char *path = test_source_path (rel);

  g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR));
  return cp_host_root_new (path);
}

static inline char *
test_read_source (const char *rel)
{
  g_autofree char *path = test_source_path (rel);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* A policy of one setting: @parameters_json is a JSON object text or NULL. */
static inline CpCompliancePolicy *
test_policy_one (const char *id,
                 const char *type,
                 const char *parameters_json)
{
  g_autofree char *text = g_strdup_printf ("{\"settings\":[{\"id\":\"%s\",\"type\":\"%s\",\"parameters\":%s}]}",
                                           id, type, parameters_json ? parameters_json : "null");
  g_autoptr(GError) error = NULL;
  CpCompliancePolicy *policy = cp_compliance_policy_new_from_data (text, -1, &error);

  g_assert_no_error (error);
  return policy;
}

static inline void
test_evaluate_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Runs the engine to completion on a private main context. */
static inline GPtrArray *
test_evaluate (CpComplianceEngine  *engine,
               CpCompliancePolicy  *policy,
               GCancellable        *cancellable,
               GError             **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;
  GPtrArray *results;

  g_main_context_push_thread_default (context);
  cp_compliance_engine_evaluate_async (engine, policy, cancellable, test_evaluate_cb, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  results = cp_compliance_engine_evaluate_finish (engine, result, error);
  g_main_context_pop_thread_default (context);
  return results;
}

/* Evaluates one setting on @root and returns its only result. */
static inline CpComplianceResult *
test_check (CpHostRoot *root,
            const char *type,
            const char *parameters_json)
{
  g_autoptr(CpCompliancePolicy) policy = test_policy_one ("s1", type, parameters_json);
  g_autoptr(CpComplianceEngine) engine = cp_compliance_engine_new (root);
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;

  results = test_evaluate (engine, policy, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_cmpstr (cp_compliance_result_get_setting_id (g_ptr_array_index (results, 0)), ==, "s1");
  return g_object_ref (g_ptr_array_index (results, 0));
}

#define test_assert_state(result, expected_state) \
  G_STMT_START { \
    CpComplianceResult *_r = (result); \
    if (cp_compliance_result_get_state (_r) != (expected_state)) \
      g_error ("%s: expected %s, got %s: %s", G_STRLOC, \
               cp_compliance_state_to_string (expected_state), \
               cp_compliance_state_to_string (cp_compliance_result_get_state (_r)), \
               cp_compliance_result_get_evidence (_r)); \
  } G_STMT_END

/* A scratch host tree that tests fill file by file, removed when the test case ends. */
static inline char *
test_scratch_tree (void)
{
  return cp_test_make_tmp_dir ("cp-compliance-tree-XXXXXX");
}

static inline void
test_write (const char *root,
            const char *rel,
            const char *contents)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}
