/* fuzz-models.c: the organisation document and the user, as the server sends them
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"

static void
touch (const char *text)
{
  if (text != NULL)
    g_assert_true (g_utf8_validate (text, -1, NULL));
}

static void
touch_organization (CpOrganization *org)
{
  const char * const *scopes = cp_organization_get_scopes (org);

  /* Every getter, so a dangling or unterminated value shows up under ASan. */
  g_assert_nonnull (cp_organization_get_display_name (org));
  g_assert_nonnull (cp_organization_get_issuer (org));
  g_assert_nonnull (cp_organization_get_client_id (org));
  g_assert_nonnull (cp_organization_get_api_base_url (org));
  g_assert_nonnull (scopes);
  for (guint i = 0; scopes[i] != NULL; i++)
    touch (scopes[i]);
  touch (cp_organization_get_logo_url (org));
  touch (cp_organization_get_accent_color (org));
  touch (cp_organization_get_privacy_url (org));
  touch (cp_organization_get_support_name (org));
  touch (cp_organization_get_support_phone (org));
  touch (cp_organization_get_support_email (org));
  touch (cp_organization_get_support_website (org));
  touch (cp_organization_get_resource (org));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(CpOrganization) org = NULL;
  g_autoptr(CpUser) user = NULL;
  JsonNode *root;

  fuzz_init ();
  /* json-glib itself is not under test; the client caps nesting before it. */
  if (size > 64 * 1024 || !g_utf8_validate_len ((const char *) data, size, NULL) ||
      !json_parser_load_from_data (parser, (const char *) data, (gssize) size, NULL))
    return 0;

  root = json_parser_get_root (parser);
  if (root == NULL)
    return 0;

  org = cp_organization_new_from_json (root, "https://portal.example.com/cp", NULL);
  if (org != NULL)
    touch_organization (org);

  user = cp_user_new_from_json (root, NULL);
  if (user != NULL)
    {
      g_assert_nonnull (cp_user_get_id (user));
      g_assert_nonnull (cp_user_get_display_name (user));
      touch (cp_user_get_email (user));
      touch (cp_user_get_user_principal_name (user));
    }

  return 0;
}
