/* bench-compliance.c: how long the built-in compliance checks take on this machine
 *
 * Usage: bench-compliance [N] [HOST_ROOT]
 * Evaluates a policy with every built-in setting N times (default 50) against
 * HOST_ROOT (default "/"), through the engine's public async API, and prints
 * the median and 95th percentile in milliseconds, overall and per setting.
 * Not a test: figures for the "well under 100 ms" bar of DESIGN.md §5.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>

#include "company-portal.h"

static const char *const builtin[][3] = {
  { "os", "distribution", "{\"allowed\":[{\"id\":\"debian\",\"minVersion\":\"12\"},{\"id\":\"ubuntu\",\"minVersion\":\"22.04\"},{\"id\":\"fedora\",\"minVersion\":\"39\"}]}" },
  { "disk", "diskEncryption", "{}" },
  { "passwords", "passwordPolicy", "{\"minLength\":12,\"minDigits\":1,\"minUppercase\":1,\"minLowercase\":1,\"minSymbols\":1}" },
  { "firewall", "firewall", "{}" },
  { "screen-lock", "screenLock", "{\"maxIdleDelaySeconds\":900}" },
  { "secure-boot", "secureBoot", "{}" },
  { "updates", "automaticUpdates", "{}" },
  { "ssh", "sshServer", "{\"ports\":[22]}" },
};

static CpCompliancePolicy *
make_policy (guint only)   /* G_MAXUINT: all */
{
  g_autoptr(GString) text = g_string_new ("{\"settings\":[");
  g_autoptr(GError) error = NULL;
  CpCompliancePolicy *policy;
  gboolean first = TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (builtin); i++)
    {
      if (only != G_MAXUINT && only != i)
        continue;
      g_string_append_printf (text, "%s{\"id\":\"%s\",\"type\":\"%s\",\"parameters\":%s}",
                              first ? "" : ",", builtin[i][0], builtin[i][1], builtin[i][2]);
      first = FALSE;
    }
  g_string_append (text, "]}");
  policy = cp_compliance_policy_new_from_data (text->str, -1, &error);
  if (policy == NULL)
    g_error ("%s", error->message);
  return policy;
}

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GPtrArray *
evaluate (CpComplianceEngine *engine,
          CpCompliancePolicy *policy,
          double             *ms)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  GPtrArray *results;

  cp_compliance_engine_evaluate_async (engine, policy, NULL, done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  results = cp_compliance_engine_evaluate_finish (engine, result, &error);
  *ms = (g_get_monotonic_time () - start) / 1000.0;
  if (results == NULL)
    g_error ("%s", error->message);
  return results;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
measure (CpComplianceEngine *engine,
         CpCompliancePolicy *policy,
         guint               n,
         const char         *label)
{
  g_autofree double *times = g_new (double, n);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GPtrArray) results = evaluate (engine, policy, &times[i]);
    }
  qsort (times, n, sizeof (double), compare_doubles);
  g_print ("%-14s median %7.3f ms   p95 %7.3f ms   max %7.3f ms\n", label,
           times[n / 2], times[MIN (n - 1, (guint) (n * 0.95))], times[n - 1]);
}

int
main (int   argc,
      char *argv[])
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 50;
  const char *root_path = argc > 2 ? argv[2] : "/";
  g_autoptr(CpHostRoot) root = cp_host_root_new (root_path);
  g_autoptr(CpComplianceEngine) engine = cp_compliance_engine_new (root);
  g_autoptr(CpCompliancePolicy) all = make_policy (G_MAXUINT);
  g_autoptr(GPtrArray) first = NULL;
  double first_ms;

  if (n == 0)
    n = 50;

  /* The first run is cold (page cache, thread pool start-up): shown on its own. */
  first = evaluate (engine, all, &first_ms);
  g_print ("Built-in compliance checks on %s, %u runs\n\n", root_path, n);
  for (guint i = 0; i < first->len; i++)
    {
      CpComplianceResult *result = g_ptr_array_index (first, i);

      g_print ("  %-12s %-14s %s\n", cp_compliance_result_get_setting_id (result),
               cp_compliance_state_to_string (cp_compliance_result_get_state (result)),
               cp_compliance_result_get_evidence (result));
    }
  g_print ("\nfirst (cold)   %7.3f ms\n", first_ms);
  measure (engine, all, n, "all built-in");
  for (guint i = 0; i < G_N_ELEMENTS (builtin); i++)
    {
      g_autoptr(CpCompliancePolicy) one = make_policy (i);

      measure (engine, one, n, builtin[i][0]);
    }
  return 0;
}
