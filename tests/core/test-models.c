/* test-models.c: CpOrganization and CpUser from JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "company-portal.h"

#define SERVER "https://portal.example.com"

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

static CpOrganization *
organization_from (const char  *text,
                   GError     **error)
{
  g_autoptr(JsonNode) node = parse (text);

  return cp_organization_new_from_json (node, SERVER, error);
}

static void
assert_invalid_naming (GError     *error,
                       const char *member)
{
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  if (strstr (error->message, member) == NULL)
    g_error ("“%s” does not name “%s”", error->message, member);
}

static void
test_organization_full (void)
{
  g_autoptr(GError) error = NULL;
  CpOrganization *org = organization_from (
    "{\"apiVersion\":\"1\",\"displayName\":\"Contoso\",\"logoUrl\":\"/static/logo.svg\","
    "\"accentColor\":\"#1A5FB4\",\"privacyUrl\":\"https://contoso.example/privacy\","
    "\"supportContact\":{\"name\":\"IT desk\",\"phone\":\"+1 555 0100\","
    "\"email\":\"it@contoso.example\",\"website\":\"https://help.contoso.example/\"},"
    "\"apiBaseUrl\":\"https://api.contoso.example/portal/\","
    "\"identityProvider\":{\"issuer\":\"https://login.contoso.example/\",\"clientId\":\"company-portal\","
    "\"scopes\":[\"openid\",\"profile\",\"offline_access\"],\"resource\":\"urn:company-portal:api\"}}",
    &error);
  const char * const *scopes;

  g_assert_no_error (error);
  g_assert_cmpstr (cp_organization_get_display_name (org), ==, "Contoso");
  g_assert_cmpstr (cp_organization_get_logo_url (org), ==, SERVER "/static/logo.svg");
  g_assert_cmpstr (cp_organization_get_accent_color (org), ==, "#1a5fb4");
  g_assert_cmpstr (cp_organization_get_privacy_url (org), ==, "https://contoso.example/privacy");
  g_assert_cmpstr (cp_organization_get_support_name (org), ==, "IT desk");
  g_assert_cmpstr (cp_organization_get_support_phone (org), ==, "+1 555 0100");
  g_assert_cmpstr (cp_organization_get_support_email (org), ==, "it@contoso.example");
  g_assert_cmpstr (cp_organization_get_support_website (org), ==, "https://help.contoso.example/");
  g_assert_cmpstr (cp_organization_get_api_base_url (org), ==, "https://api.contoso.example/portal");
  /* OIDC compares issuers as strings: kept exactly, trailing '/' included. */
  g_assert_cmpstr (cp_organization_get_issuer (org), ==, "https://login.contoso.example/");
  g_assert_cmpstr (cp_organization_get_client_id (org), ==, "company-portal");
  g_assert_cmpstr (cp_organization_get_resource (org), ==, "urn:company-portal:api");
  scopes = cp_organization_get_scopes (org);
  g_assert_cmpuint (g_strv_length ((char **) scopes), ==, 3);
  g_assert_cmpstr (scopes[2], ==, "offline_access");

  g_assert_finalize_object (org);
}

static void
test_organization_minimal (void)
{
  g_autoptr(GError) error = NULL;
  /* Unknown members are accepted (forward compatible), null counts as absent. */
  CpOrganization *org = organization_from (
    "{\"apiVersion\":\"1.3\",\"displayName\":\"Fabrikam\",\"futureMember\":{\"x\":[1,2]},"
    "\"logoUrl\":null,\"supportContact\":{\"phone\":\"123\",\"pager\":true},"
    "\"identityProvider\":{\"issuer\":\"http://127.0.0.1:9000\",\"clientId\":\"c\","
    "\"scopes\":[],\"newThing\":1}}",
    &error);

  g_assert_no_error (error);
  g_assert_null (cp_organization_get_logo_url (org));
  g_assert_null (cp_organization_get_accent_color (org));
  g_assert_null (cp_organization_get_privacy_url (org));
  g_assert_null (cp_organization_get_support_name (org));
  g_assert_cmpstr (cp_organization_get_support_phone (org), ==, "123");
  g_assert_null (cp_organization_get_resource (org));
  g_assert_cmpstr (cp_organization_get_api_base_url (org), ==, SERVER);
  g_assert_nonnull (cp_organization_get_scopes (org));
  g_assert_cmpuint (g_strv_length ((char **) cp_organization_get_scopes (org)), ==, 0);
  g_assert_finalize_object (org);
}

static void
test_organization_relative_logo_under_path (void)
{
  g_autoptr(JsonNode) node = parse (
    "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"logoUrl\":\"logo.png\","
    "\"identityProvider\":{\"issuer\":\"https://i.example\",\"clientId\":\"c\",\"scopes\":[\"openid\"]}}");
  g_autoptr(GError) error = NULL;
  CpOrganization *org = cp_organization_new_from_json (node, "https://example.com/portal", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (cp_organization_get_logo_url (org), ==, "https://example.com/portal/logo.png");
  g_assert_cmpstr (cp_organization_get_api_base_url (org), ==, "https://example.com/portal");
  g_assert_finalize_object (org);
}

typedef struct
{
  const char *json;
  const char *member;   /* the error message must name it */
} BadCase;

#define IDP "\"identityProvider\":{\"issuer\":\"https://i.example\",\"clientId\":\"c\",\"scopes\":[\"openid\"]}"

static void
test_organization_rejects (void)
{
  const BadCase cases[] = {
    { "[]", "object" },
    { "\"text\"", "object" },
    { "{\"displayName\":\"D\"," IDP "}", "apiVersion" },
    { "{\"apiVersion\":1,\"displayName\":\"D\"," IDP "}", "apiVersion" },
    { "{\"apiVersion\":\"2\",\"displayName\":\"D\"," IDP "}", "2" },
    { "{\"apiVersion\":\"1\"," IDP "}", "displayName" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"\"," IDP "}", "displayName" },
    { "{\"apiVersion\":\"1\",\"displayName\":42," IDP "}", "displayName" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"logoUrl\":7," IDP "}", "logoUrl" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"logoUrl\":\"http://cdn.example/l.png\"," IDP "}", "logoUrl" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"logoUrl\":\"javascript:alert(1)\"," IDP "}", "logoUrl" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"accentColor\":\"red\"," IDP "}", "accentColor" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"accentColor\":\"#12345g\"," IDP "}", "accentColor" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"accentColor\":\"#1234567\"," IDP "}", "accentColor" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"privacyUrl\":\"file:///etc/passwd\"," IDP "}", "privacyUrl" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"privacyUrl\":\"relative/path\"," IDP "}", "privacyUrl" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"supportContact\":\"IT\"," IDP "}", "supportContact" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"supportContact\":{\"email\":[]}," IDP "}", "email" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"apiBaseUrl\":\"http://api.example\"," IDP "}", "apiBaseUrl" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\"}", "identityProvider" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"identityProvider\":[]}", "identityProvider" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"identityProvider\":"
      "{\"clientId\":\"c\",\"scopes\":[\"openid\"]}}", "issuer" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"identityProvider\":"
      "{\"issuer\":true,\"clientId\":\"c\",\"scopes\":[\"openid\"]}}", "issuer" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"identityProvider\":"
      "{\"issuer\":\"http://login.example\",\"clientId\":\"c\",\"scopes\":[\"openid\"]}}", "issuer" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"identityProvider\":"
      "{\"issuer\":\"https://i.example\",\"scopes\":[\"openid\"]}}", "clientId" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"identityProvider\":"
      "{\"issuer\":\"https://i.example\",\"clientId\":\"c\"}}", "scopes" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"identityProvider\":"
      "{\"issuer\":\"https://i.example\",\"clientId\":\"c\",\"scopes\":\"openid\"}}", "scopes" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"identityProvider\":"
      "{\"issuer\":\"https://i.example\",\"clientId\":\"c\",\"scopes\":[\"openid\",3]}}", "scopes" },
    { "{\"apiVersion\":\"1\",\"displayName\":\"D\",\"identityProvider\":"
      "{\"issuer\":\"https://i.example\",\"clientId\":\"c\",\"scopes\":[],\"resource\":{}}}", "resource" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CpOrganization) org = NULL;

      g_test_message ("case %u: %s", i, cases[i].json);
      org = organization_from (cases[i].json, &error);
      g_assert_null (org);
      assert_invalid_naming (error, cases[i].member);
    }
}

static void
test_user (void)
{
  g_autoptr(JsonNode) node = parse ("{\"id\":\"u-1\",\"displayName\":\"Ada Lovelace\","
                                    "\"mail\":\"ada@example.com\",\"userPrincipalName\":\"ada\","
                                    "\"jobTitle\":\"Countess\"}");
  g_autoptr(JsonNode) minimal = parse ("{\"id\":\"u-2\",\"displayName\":\"Bob\",\"mail\":null}");
  g_autoptr(GError) error = NULL;
  CpUser *user = cp_user_new_from_json (node, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (cp_user_get_id (user), ==, "u-1");
  g_assert_cmpstr (cp_user_get_display_name (user), ==, "Ada Lovelace");
  g_assert_cmpstr (cp_user_get_email (user), ==, "ada@example.com");
  g_assert_cmpstr (cp_user_get_user_principal_name (user), ==, "ada");
  g_assert_finalize_object (user);

  user = cp_user_new_from_json (minimal, &error);
  g_assert_no_error (error);
  g_assert_null (cp_user_get_email (user));
  g_assert_null (cp_user_get_user_principal_name (user));
  g_assert_finalize_object (user);
}

static void
test_user_rejects (void)
{
  const BadCase cases[] = {
    { "null", "object" },
    { "[{\"id\":\"a\"}]", "object" },
    { "{\"displayName\":\"Bob\"}", "id" },
    { "{\"id\":17,\"displayName\":\"Bob\"}", "id" },
    { "{\"id\":\"u\"}", "displayName" },
    { "{\"id\":\"u\",\"displayName\":[\"Bob\"]}", "displayName" },
    { "{\"id\":\"u\",\"displayName\":\"Bob\",\"mail\":false}", "mail" },
    { "{\"id\":\"u\",\"displayName\":\"Bob\",\"userPrincipalName\":1.5}", "userPrincipalName" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = parse (cases[i].json);
      g_autoptr(GError) error = NULL;
      g_autoptr(CpUser) user = cp_user_new_from_json (node, &error);

      g_test_message ("case %u: %s", i, cases[i].json);
      g_assert_null (user);
      assert_invalid_naming (error, cases[i].member);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/models/organization/full", test_organization_full);
  g_test_add_func ("/models/organization/minimal", test_organization_minimal);
  g_test_add_func ("/models/organization/relative-logo", test_organization_relative_logo_under_path);
  g_test_add_func ("/models/organization/rejects", test_organization_rejects);
  g_test_add_func ("/models/user", test_user);
  g_test_add_func ("/models/user/rejects", test_user_rejects);

  return g_test_run ();
}
