/* cp-server-org.c: reading and checking an organisation file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "cp-error.h"
#include "cp-server-org.h"

#define MAX_ORG_FILE_SIZE (1024 * 1024)
#define MAX_LOGO_SIZE     (512 * 1024)
#define MAX_TEXT_LEN      256

void
cp_server_org_free (CpServerOrg *org)
{
  if (org == NULL)
    return;

  g_free (org->display_name);
  g_free (org->accent_color);
  g_free (org->privacy_url);
  g_free (org->support_name);
  g_free (org->support_phone);
  g_free (org->support_email);
  g_free (org->support_website);
  g_clear_pointer (&org->logo_svg, g_bytes_unref);
  g_free (org);
}

static gboolean
invalid_member (GError    **error,
                const char *member)
{
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
               _("The organisation file has an invalid “%s”"), member);
  return FALSE;
}

/* An optional string member: absent or null is fine, any other type is not. */
static gboolean
read_text (JsonObject  *object,
           const char  *member,
           gboolean     required,
           char       **out,
           GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  const char *text;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return required ? invalid_member (error, member) : TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return invalid_member (error, member);

  text = json_node_get_string (node);
  if (*text == '\0' || g_utf8_strlen (text, -1) > MAX_TEXT_LEN)
    return invalid_member (error, member);

  for (const char *p = text; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return invalid_member (error, member);

  *out = g_strdup (text);
  return TRUE;
}

static gboolean
is_web_url (const char *text)
{
  g_autoptr(GUri) uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);

  return uri != NULL && g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0' &&
         (g_strcmp0 (g_uri_get_scheme (uri), "https") == 0 ||
          g_strcmp0 (g_uri_get_scheme (uri), "http") == 0);
}

static gboolean
is_color (const char *text)
{
  if (strlen (text) != 7 || text[0] != '#')
    return FALSE;
  for (guint i = 1; i < 7; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;
  return TRUE;
}

static gboolean
is_email (const char *text)
{
  const char *at = strchr (text, '@');

  return at != NULL && at != text && at[1] != '\0' && strchr (at + 1, '@') == NULL &&
         strpbrk (text, " <>\"") == NULL;
}

static gboolean
read_support (JsonObject   *root,
              CpServerOrg  *org,
              GError      **error)
{
  JsonNode *node = json_object_get_member (root, "supportContact");
  JsonObject *contact;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid_member (error, "supportContact");

  contact = json_node_get_object (node);
  if (!read_text (contact, "name", FALSE, &org->support_name, error) ||
      !read_text (contact, "phone", FALSE, &org->support_phone, error) ||
      !read_text (contact, "email", FALSE, &org->support_email, error) ||
      !read_text (contact, "website", FALSE, &org->support_website, error))
    return FALSE;

  if (org->support_email != NULL && !is_email (org->support_email))
    return invalid_member (error, "supportContact.email");
  if (org->support_website != NULL && !is_web_url (org->support_website))
    return invalid_member (error, "supportContact.website");

  return TRUE;
}

static gboolean
read_logo (JsonObject   *root,
           GFile        *base,
           CpServerOrg  *org,
           GError      **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *data;
  gsize len;

  if (!read_text (root, "logo", FALSE, &path, error))
    return FALSE;
  if (path == NULL)
    return TRUE;

  /* The logo sits next to the organisation file: no absolute paths, no "..". */
  if (base == NULL || g_path_is_absolute (path) || strstr (path, "..") != NULL ||
      !g_str_has_suffix (path, ".svg"))
    return invalid_member (error, "logo");

  file = g_file_resolve_relative_path (base, path);
  bytes = g_file_load_bytes (file, NULL, NULL, &local_error);
  if (bytes == NULL)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("Cannot read the organisation’s logo: %s"), local_error->message);
      return FALSE;
    }

  data = g_bytes_get_data (bytes, &len);
  if (len == 0 || len > MAX_LOGO_SIZE || !g_utf8_validate (data, len, NULL) ||
      g_strstr_len (data, len, "<svg") == NULL)
    return invalid_member (error, "logo");

  org->logo_svg = g_steal_pointer (&bytes);
  return TRUE;
}

CpServerOrg *
cp_server_org_parse (const char  *json,
                     gsize        len,
                     GFile       *base,
                     GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(CpServerOrg) org = g_new0 (CpServerOrg, 1);
  JsonNode *root;
  JsonObject *object;

  if (len > MAX_ORG_FILE_SIZE || !json_parser_load_from_data (parser, json, len, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The organisation file is not a JSON object"));
      return NULL;
    }

  object = json_node_get_object (root);
  if (!read_text (object, "displayName", TRUE, &org->display_name, error) ||
      !read_text (object, "accentColor", FALSE, &org->accent_color, error) ||
      !read_text (object, "privacyUrl", FALSE, &org->privacy_url, error) ||
      !read_support (object, org, error) ||
      !read_logo (object, base, org, error))
    return NULL;

  if (org->accent_color != NULL && !is_color (org->accent_color))
    {
      invalid_member (error, "accentColor");
      return NULL;
    }
  if (org->privacy_url != NULL && !is_web_url (org->privacy_url))
    {
      invalid_member (error, "privacyUrl");
      return NULL;
    }

  return g_steal_pointer (&org);
}

CpServerOrg *
cp_server_org_load (GFile   *file,
                    GError **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GFile) base = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *data;
  gsize len;

  bytes = g_file_load_bytes (file, NULL, NULL, &local_error);
  if (bytes == NULL)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                   _("Cannot read the organisation file: %s"), local_error->message);
      return NULL;
    }

  data = g_bytes_get_data (bytes, &len);
  base = g_file_get_parent (file);
  return cp_server_org_parse (data, len, base, error);
}
