/* cp-organization.c: what GET /.well-known/company-portal describes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-error.h"
#include "cp-json-private.h"
#include "cp-organization.h"
#include "cp-url-private.h"

struct _CpOrganization
{
  GObject parent_instance;

  char *display_name;
  char *logo_url;
  char *accent_color;
  char *privacy_url;
  char *support_name;
  char *support_phone;
  char *support_email;
  char *support_website;
  char *api_base_url;
  char *issuer;
  char *client_id;
  char **scopes;
  char *resource;
};

G_DEFINE_FINAL_TYPE (CpOrganization, cp_organization, G_TYPE_OBJECT)

static gboolean
check_api_version (JsonObject  *object,
                   GError     **error)
{
  const char *version = cp_json_require_string (object, "apiVersion", error);

  if (version == NULL)
    return FALSE;

  /* Minor versions only add members, which we ignore. */
  if (g_strcmp0 (version, "1") != 0 && !g_str_has_prefix (version, "1."))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The server uses version “%s” of the Portal API, but this app only knows version 1"),
                   version);
      return FALSE;
    }

  return TRUE;
}

static gboolean
is_hex_color (const char *text)
{
  if (strlen (text) != 7 || text[0] != '#')
    return FALSE;

  for (guint i = 1; i < 7; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;

  return TRUE;
}

/* Reads an optional URL member; a relative one is resolved against @base
 * when @base is given, otherwise it must be absolute. */
static gboolean
read_url (JsonObject  *object,
          const char  *member,
          const char  *base,
          gboolean     allow_http,
          char       **out_url,
          GError     **error)
{
  g_autofree char *resolved = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *text;

  if (!cp_json_get_optional_string (object, member, &text, error))
    return FALSE;

  if (text == NULL || *text == '\0')
    return TRUE;

  if (base != NULL)
    {
      resolved = g_uri_resolve_relative (base, text, G_URI_FLAGS_NONE, NULL);
      if (resolved == NULL)
        {
          g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                       _("The member “%s” of the server’s answer is not a valid address"),
                       member);
          return FALSE;
        }
      text = resolved;
    }

  uri = cp_url_parse_web (text, allow_http, CP_ERROR_INVALID_DATA, member, error);
  if (uri == NULL)
    return FALSE;

  *out_url = g_uri_to_string (uri);
  return TRUE;
}

static char *
strip_trailing_slashes (char *url)
{
  gsize len = strlen (url);

  while (len > 0 && url[len - 1] == '/')
    url[--len] = '\0';

  return url;
}

static gboolean
read_support_contact (CpOrganization  *self,
                      JsonObject      *object,
                      GError         **error)
{
  JsonObject *contact;
  const char *name, *phone, *email;

  if (!cp_json_get_optional_object (object, "supportContact", &contact, error))
    return FALSE;

  if (contact == NULL)
    return TRUE;

  if (!cp_json_get_optional_string (contact, "name", &name, error) ||
      !cp_json_get_optional_string (contact, "phone", &phone, error) ||
      !cp_json_get_optional_string (contact, "email", &email, error) ||
      !read_url (contact, "website", NULL, TRUE, &self->support_website, error))
    return FALSE;

  self->support_name = (name && *name) ? g_strdup (name) : NULL;
  self->support_phone = (phone && *phone) ? g_strdup (phone) : NULL;
  self->support_email = (email && *email) ? g_strdup (email) : NULL;

  return TRUE;
}

static gboolean
read_identity_provider (CpOrganization  *self,
                        JsonObject      *object,
                        GError         **error)
{
  g_autoptr(GUri) issuer_uri = NULL;
  JsonObject *idp;
  const char *issuer, *client_id, *resource;
  g_auto(GStrv) scopes = NULL;

  if (!(idp = cp_json_require_object (object, "identityProvider", error)) ||
      !(issuer = cp_json_require_string (idp, "issuer", error)) ||
      !(client_id = cp_json_require_string (idp, "clientId", error)) ||
      !(scopes = cp_json_require_string_array (idp, "scopes", error)) ||
      !cp_json_get_optional_string (idp, "resource", &resource, error))
    return FALSE;

  /* Tokens are fetched from the issuer: it gets the same TLS rule as the
   * server. The issuer is kept exactly as sent, since OIDC compares it as a
   * string. */
  issuer_uri = cp_url_parse_web (issuer, FALSE, CP_ERROR_INVALID_DATA, "issuer", error);
  if (issuer_uri == NULL)
    return FALSE;

  self->issuer = g_strdup (issuer);
  self->client_id = g_strdup (client_id);
  self->scopes = g_steal_pointer (&scopes);
  self->resource = (resource && *resource) ? g_strdup (resource) : NULL;

  return TRUE;
}

static gboolean
read_branding (CpOrganization  *self,
               JsonObject      *object,
               const char      *server_url,
               GError         **error)
{
  /* The server URL names a directory even without its trailing '/'. */
  g_autofree char *base = g_strconcat (server_url, "/", NULL);
  const char *display_name, *accent;

  if (!(display_name = cp_json_require_string (object, "displayName", error)) ||
      !read_url (object, "logoUrl", base, FALSE, &self->logo_url, error) ||
      !cp_json_get_optional_string (object, "accentColor", &accent, error) ||
      !read_url (object, "privacyUrl", NULL, TRUE, &self->privacy_url, error))
    return FALSE;

  if (accent != NULL && !is_hex_color (accent))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The member “accentColor” of the server’s answer must be a colour like #1a5fb4"));
      return FALSE;
    }

  self->display_name = g_strdup (display_name);
  self->accent_color = accent ? g_ascii_strdown (accent, -1) : NULL;

  return TRUE;
}

static void
cp_organization_finalize (GObject *object)
{
  CpOrganization *self = CP_ORGANIZATION (object);

  g_free (self->display_name);
  g_free (self->logo_url);
  g_free (self->accent_color);
  g_free (self->privacy_url);
  g_free (self->support_name);
  g_free (self->support_phone);
  g_free (self->support_email);
  g_free (self->support_website);
  g_free (self->api_base_url);
  g_free (self->issuer);
  g_free (self->client_id);
  g_strfreev (self->scopes);
  g_free (self->resource);

  G_OBJECT_CLASS (cp_organization_parent_class)->finalize (object);
}

static void
cp_organization_class_init (CpOrganizationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_organization_finalize;
}

static void
cp_organization_init (CpOrganization *self)
{
}

CpOrganization *
cp_organization_new_from_json (JsonNode    *node,
                               const char  *server_url,
                               GError     **error)
{
  g_autoptr(CpOrganization) self = NULL;
  g_autoptr(GUri) server_uri = NULL;
  JsonObject *object;

  g_return_val_if_fail (server_url != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  server_uri = cp_url_parse_web (server_url, FALSE, CP_ERROR_INVALID_INPUT,
                                 "server_url", error);
  if (server_uri == NULL)
    return NULL;

  self = g_object_new (CP_TYPE_ORGANIZATION, NULL);

  if (!(object = cp_json_node_get_object (node, error)) ||
      !check_api_version (object, error) ||
      !read_branding (self, object, server_url, error) ||
      !read_support_contact (self, object, error) ||
      !read_identity_provider (self, object, error) ||
      !read_url (object, "apiBaseUrl", NULL, FALSE, &self->api_base_url, error))
    return NULL;

  if (self->api_base_url == NULL)
    self->api_base_url = g_uri_to_string (server_uri);
  strip_trailing_slashes (self->api_base_url);

  return g_steal_pointer (&self);
}

const char *
cp_organization_get_display_name (CpOrganization *self)
{
  g_return_val_if_fail (CP_IS_ORGANIZATION (self), NULL);
  return self->display_name;
}

const char *
cp_organization_get_logo_url (CpOrganization *self)
{
  g_return_val_if_fail (CP_IS_ORGANIZATION (self), NULL);
  return self->logo_url;
}

const char *
cp_organization_get_accent_color (CpOrganization *self)
{
  g_return_val_if_fail (CP_IS_ORGANIZATION (self), NULL);
  return self->accent_color;
}

const char *
cp_organization_get_privacy_url (CpOrganization *self)
{
  g_return_val_if_fail (CP_IS_ORGANIZATION (self), NULL);
  return self->privacy_url;
}

const char *
cp_organization_get_support_name (CpOrganization *self)
{
  g_return_val_if_fail (CP_IS_ORGANIZATION (self), NULL);
  return self->support_name;
}

const char *
cp_organization_get_support_phone (CpOrganization *self)
{
  g_return_val_if_fail (CP_IS_ORGANIZATION (self), NULL);
  return self->support_phone;
}

const char *
cp_organization_get_support_email (CpOrganization *self)
{
  g_return_val_if_fail (CP_IS_ORGANIZATION (self), NULL);
  return self->support_email;
}

const char *
cp_organization_get_support_website (CpOrganization *self)
{
  g_return_val_if_fail (CP_IS_ORGANIZATION (self), NULL);
  return self->support_website;
}

const char *
cp_organization_get_api_base_url (CpOrganization *self)
{
  g_return_val_if_fail (CP_IS_ORGANIZATION (self), NULL);
  return self->api_base_url;
}

const char *
cp_organization_get_issuer (CpOrganization *self)
{
  g_return_val_if_fail (CP_IS_ORGANIZATION (self), NULL);
  return self->issuer;
}

const char *
cp_organization_get_client_id (CpOrganization *self)
{
  g_return_val_if_fail (CP_IS_ORGANIZATION (self), NULL);
  return self->client_id;
}

const char * const *
cp_organization_get_scopes (CpOrganization *self)
{
  g_return_val_if_fail (CP_IS_ORGANIZATION (self), NULL);
  return (const char * const *) self->scopes;
}

const char *
cp_organization_get_resource (CpOrganization *self)
{
  g_return_val_if_fail (CP_IS_ORGANIZATION (self), NULL);
  return self->resource;
}
