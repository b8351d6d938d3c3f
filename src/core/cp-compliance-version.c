/* cp-compliance-version.c: version ordering
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cp-compliance-version.h"

#define MAX_VERSION_LEN 64

static gboolean
is_version_char (char c)
{
  return g_ascii_isalnum (c) || c == '.' || c == '~' || c == '+' || c == '_' || c == '-';
}

gboolean
cp_compliance_version_is_valid (const char *version)
{
  gsize len;

  if (version == NULL)
    return FALSE;
  len = strlen (version);
  if (len == 0 || len > MAX_VERSION_LEN || !g_ascii_isalnum (version[0]))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!is_version_char (version[i]))
      return FALSE;
  return TRUE;
}

/* Compares two runs of digits as numbers of any length: leading zeros do not
 * count ("04" == "4"), then the longer run is the larger number. */
static int
compare_digits (const char *a, gsize alen,
                const char *b, gsize blen)
{
  while (alen > 1 && *a == '0')
    a++, alen--;
  while (blen > 1 && *b == '0')
    b++, blen--;
  if (alen != blen)
    return alen < blen ? -1 : 1;
  return strncmp (a, b, alen);
}

int
cp_compliance_version_compare (const char *a,
                               const char *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, 0);

  for (;;)
    {
      const char *as, *bs;
      gboolean adigit, bdigit;
      int cmp;

      /* Separators only separate: "22.04" and "22-04" are the same version. */
      while (*a && !g_ascii_isalnum (*a))
        a++;
      while (*b && !g_ascii_isalnum (*b))
        b++;
      if (*a == '\0' || *b == '\0')
        return (*a != '\0') - (*b != '\0');

      adigit = g_ascii_isdigit (*a);
      bdigit = g_ascii_isdigit (*b);
      /* A number sorts after letters: 1.0 > 1.0rc1 would need more; keep it simple and total. */
      if (adigit != bdigit)
        return adigit ? 1 : -1;

      as = a;
      bs = b;
      if (adigit)
        {
          while (g_ascii_isdigit (*a))
            a++;
          while (g_ascii_isdigit (*b))
            b++;
          cmp = compare_digits (as, a - as, bs, b - bs);
        }
      else
        {
          while (g_ascii_isalpha (*a))
            a++;
          while (g_ascii_isalpha (*b))
            b++;
          cmp = strncmp (as, bs, MIN (a - as, b - bs));
          if (cmp == 0)
            cmp = (int) (a - as) - (int) (b - bs);
        }
      if (cmp != 0)
        return cmp < 0 ? -1 : 1;
    }
}
