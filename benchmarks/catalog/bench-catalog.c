/* bench-catalog.c: how fast a 20,000-app catalog parses and filters
 *
 * Builds the JSON of a synthetic catalog in memory (names, publishers and
 * keywords with accents and mixed case), parses it into a CpAppCatalog the
 * way the window does (the response bytes, read by the catalog's streaming
 * reader), then replays a user typing queries one keystroke at a time and
 * reports the time of one filter pass over the whole catalog per keystroke.
 *
 * Usage: bench-catalog [N_APPS]
 *        bench-catalog --parse-only [N_APPS]
 * The first form prints the median parse time of PARSE_RUNS runs, the time
 * to the first rows (the window's first page of 500 apps), the longest
 * main-thread spell of the async build, the memory the catalog keeps and
 * the filter figures. The second form only parses (bytes to a CpAppCatalog,
 * in parse_catalog()) and prints the memory kept, for an instruction count
 * that is stable on a noisy machine:
 *   valgrind --tool=callgrind --collect-atstart=no --toggle-collect=parse_catalog \
 *     build/benchmarks/catalog/bench-catalog --parse-only 20000
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <malloc.h>

#include <company-portal.h>

#define PARSE_RUNS 7
/* The window asks for pages of this many apps (PAGE_LIMIT in cp-apps-page.c). */
#define FIRST_PAGE 500

static const char *const words[] = {
  "Office", "Écrire", "Mail", "Calendar", "Photo", "Vidéo", "Music", "Chat", "Notes", "Maps",
  "Terminal", "Editor", "Browser", "Games", "Finance", "Zürich", "Design", "Code", "Backup", "Scanner",
};

static const char *const queries[] = {
  "calc", "ecrire note", "MAIL", "zur", "vendor 13", "org photo", "x", "terminal editor b",
};

static char *
build_catalog (guint n)
{
  GString *json = g_string_sized_new (n * 400);

  g_string_append (json, "{\"items\":[");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (json,
      "%s{\"id\":\"org.example.App%u\",\"name\":\"%s %s %u\",\"publisher\":\"Vendor %u\","
      "\"summary\":\"A %s app for %s\",\"version\":\"1.%u\",\"size\":%u,"
      "\"license\":\"GPL-3.0-or-later\",\"categories\":[\"%s\"],\"keywords\":[\"%s\",\"%s\"],"
      "\"iconUrl\":\"/v1/apps/org.example.App%u/icon\",\"required\":%s,\"featured\":%s,"
      "\"install\":{\"type\":\"flatpak\",\"remoteName\":\"corp\","
      "\"remoteUrl\":\"https://flatpak.example.com/repo\",\"ref\":\"app/org.example.App%u//stable\"}}",
      i > 0 ? "," : "", i, words[i % 20], words[(i / 20) % 20], i, i % 97,
      words[(i / 7) % 20], words[(i / 3) % 20], i % 10, 1000000 + i * 37,
      words[i % 20], words[(i / 11) % 20], words[(i / 13) % 20], i,
      i % 1000 == 0 ? "true" : "false", i % 100 == 0 ? "true" : "false", i);
  g_string_append (json, "]}");
  return g_string_free (json, FALSE);
}

static int
compare_elements (gconstpointer a,
                  gconstpointer b)
{
  return cp_app_compare (*(CpApp **) a, *(CpApp **) b);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static gint64
thread_cpu_us (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return (gint64) now.tv_sec * G_USEC_PER_SEC + now.tv_nsec / 1000;
}

static void
add_page_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  if (!cp_app_catalog_add_page_finish (CP_APP_CATALOG (object), result, NULL, &error))
    g_error ("%s", error->message);
  *done = TRUE;
}

/* The window's way: entries read in a worker thread; what matters is the
 * longest time the main loop is kept busy (a frame is 16 ms). */
static void
time_async_build (GBytes *page)
{
  g_autoptr(CpAppCatalog) catalog = cp_app_catalog_new ();
  gboolean done = FALSE;
  gint64 start = g_get_monotonic_time ();
  gint64 longest = 0;

  cp_app_catalog_add_page_async (catalog, page, NULL, add_page_cb, &done);
  /* CPU time of this thread: waiting for the worker costs none. */
  while (!done)
    {
      gint64 before = thread_cpu_us ();

      g_main_context_iteration (NULL, TRUE);
      longest = MAX (longest, thread_cpu_us () - before);
    }
  g_print ("catalog build, async: %.1f ms in all, longest main-thread busy spell %.1f ms (%u apps)\n",
           (g_get_monotonic_time () - start) / 1000.0, longest / 1000.0,
           g_list_model_get_n_items (G_LIST_MODEL (catalog)));
}

/* One keystroke: the window's GtkCustomFilter calls cp_app_matches for
 * every app, so that is what is timed (plus preparing the query). */
static double
time_keystroke (GPtrArray  *apps,
                const char *text,
                guint      *n_matches)
{
  gint64 start = g_get_monotonic_time ();
  g_autofree char *query = cp_app_prepare_query (text);

  *n_matches = 0;
  for (guint i = 0; i < apps->len; i++)
    if (cp_app_matches (apps->pdata[i], query))
      (*n_matches)++;
  return (g_get_monotonic_time () - start) / 1000.0;
}

static glong
rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmRSS:")) == NULL)
    return 0;
  return strtol (line + 6, NULL, 10);
}

/* What the callgrind count covers: the response bytes to a filled catalog. */
G_GNUC_NO_INLINE static CpAppCatalog *
parse_catalog (GBytes *page)
{
  g_autoptr(CpAppCatalog) catalog = cp_app_catalog_new ();
  g_autoptr(GError) error = NULL;

  if (!cp_app_catalog_add_page (catalog, page, NULL, &error))
    g_error ("%s", error->message);
  return g_steal_pointer (&catalog);
}

static double
median_of (GArray *times)
{
  g_array_sort (times, compare_doubles);
  return g_array_index (times, double, times->len / 2);
}

/* Median wall time of PARSE_RUNS parses of @page. */
static double
time_parse (GBytes *page,
            guint   runs)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < runs; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(CpAppCatalog) catalog = parse_catalog (page);
      double ms = (g_get_monotonic_time () - start) / 1000.0;

      g_array_append_val (times, ms);
    }
  return median_of (times);
}

/* What the catalog keeps once the body is gone: RSS after minus before. */
static double
resident_mb (GBytes        *page,
             CpAppCatalog **out)
{
  glong before;

  malloc_trim (0);
  before = rss_kb ();
  *out = parse_catalog (page);
  malloc_trim (0);
  return (rss_kb () - before) / 1024.0;
}

int
main (int argc, char *argv[])
{
  gboolean parse_only = argc > 1 && g_str_equal (argv[1], "--parse-only");
  guint n = argc > 1 + parse_only ? (guint) strtoul (argv[1 + parse_only], NULL, 10) : 20000;
  g_autofree char *json = NULL;
  g_autoptr(GBytes) page = NULL;
  g_autoptr(GBytes) first_page = NULL;
  g_autoptr(CpAppCatalog) catalog = NULL;
  g_autoptr(GPtrArray) apps = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  gint64 start;
  double sort_ms, memory_mb;

  json = build_catalog (n);
  page = g_bytes_new_static (json, strlen (json));
  if (parse_only)
    {
      memory_mb = resident_mb (page, &catalog);
      g_print ("parsed %u apps, resident memory %+.1f MB\n",
               g_list_model_get_n_items (G_LIST_MODEL (catalog)), memory_mb);
      return 0;
    }

  memory_mb = resident_mb (page, &catalog);
  g_print ("apps:                %u (%.1f MB of JSON)\n",
           g_list_model_get_n_items (G_LIST_MODEL (catalog)), strlen (json) / 1e6);
  g_print ("resident memory:     %+.1f MB for the catalog (RSS delta, body excluded)\n", memory_mb);
  g_print ("parse (median of %u): %.1f ms (bytes to catalog, no JSON tree)\n",
           PARSE_RUNS, time_parse (page, PARSE_RUNS));

  {
    g_autofree char *first = build_catalog (MIN (n, FIRST_PAGE));

    first_page = g_bytes_new_take (first, strlen (first));
    g_steal_pointer (&first);
    g_print ("first rows:          %.1f ms (the first page of %u apps, median of %u)\n",
             time_parse (first_page, PARSE_RUNS), MIN (n, FIRST_PAGE), PARSE_RUNS);
  }

  time_async_build (page);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (catalog)); i++)
    g_ptr_array_add (apps, g_list_model_get_item (G_LIST_MODEL (catalog), i));

  start = g_get_monotonic_time ();
  g_ptr_array_sort (apps, compare_elements);
  sort_ms = (g_get_monotonic_time () - start) / 1000.0;
  g_print ("sort (required, featured, name): %.1f ms\n", sort_ms);

  for (guint round = 0; round < 5; round++)
    for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
      for (gsize len = 1; len <= strlen (queries[q]); len++)
        {
          g_autofree char *typed = g_strndup (queries[q], len);
          guint n_matches;
          double ms = time_keystroke (apps, typed, &n_matches);

          g_array_append_val (times, ms);
          if (round == 0 && len == strlen (queries[q]))
            g_print ("  \"%s\": %u matches\n", typed, n_matches);
        }

  g_print ("keystrokes timed:    %u\n", times->len);
  g_print ("filter median:       %.2f ms\n", median_of (times));
  g_print ("filter p95:          %.2f ms\n", g_array_index (times, double, times->len * 95 / 100));
  g_print ("filter max:          %.2f ms\n", g_array_index (times, double, times->len - 1));
  return 0;
}
