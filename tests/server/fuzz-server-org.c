/* fuzz-server-org.c: the organisation file the server is seeded from
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"

#include "cp-server-org.h"

static void
touch (const char *text)
{
  if (text != NULL)
    g_assert_true (g_utf8_validate (text, -1, NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(CpServerOrg) org = NULL;

  fuzz_init ();
  /* No base folder: a "logo" member is refused without touching the disk. */
  org = cp_server_org_parse ((const char *) data, size, NULL, NULL);
  if (org == NULL)
    return 0;

  g_assert_nonnull (org->display_name);
  touch (org->display_name);
  touch (org->accent_color);
  touch (org->privacy_url);
  touch (org->support_name);
  touch (org->support_phone);
  touch (org->support_email);
  touch (org->support_website);
  g_assert_null (org->logo_svg);
  return 0;
}
