/* test-slice-config.c: the window's executable takes its slices from malloc
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib.h>

/* cp-slice-config.c, linked in as in company-portal, has set GLib 2.74's
 * slice allocator to malloc before any constructor took a slice. Slices cut
 * from a slab lie 16 bytes apart; malloc's smallest chunk is 32 bytes, so no
 * two live 16-byte slices from malloc are closer than that. */
static void
test_slices_from_malloc (void)
{
  gpointer slices[64];
  gsize closest = G_MAXSIZE;

  for (guint i = 0; i < G_N_ELEMENTS (slices); i++)
    slices[i] = g_slice_alloc (16);
  for (guint i = 0; i < G_N_ELEMENTS (slices); i++)
    for (guint j = i + 1; j < G_N_ELEMENTS (slices); j++)
      {
        guintptr a = GPOINTER_TO_SIZE (slices[i]);
        guintptr b = GPOINTER_TO_SIZE (slices[j]);

        closest = MIN (closest, a > b ? a - b : b - a);
      }
  g_test_message ("closest two slices: %" G_GSIZE_FORMAT " bytes apart", closest);
  g_assert_cmpuint (closest, >=, 32);
  for (guint i = 0; i < G_N_ELEMENTS (slices); i++)
    g_slice_free1 (16, slices[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/slice-config/slices-from-malloc", test_slices_from_malloc);
  return g_test_run ();
}
