/* cp-server-org.c: reading and checking an organisation file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "cp-error.h"
#include "cp-portal-server.h"
#include "cp-server-compliance.h"
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
  g_clear_pointer (&org->compliance_policy, json_node_unref);
  g_clear_pointer (&org->memberships, g_ptr_array_unref);
  g_clear_pointer (&org->assignments, g_ptr_array_unref);
  g_free (org);
}

static void
membership_free (CpServerMembership *membership)
{
  g_free (membership->username);
  g_free (membership->group);
  g_free (membership);
}

static void
assignment_free (CpServerAssignment *assignment)
{
  g_free (assignment->app_id);
  g_free (assignment->group);
  g_free (assignment);
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

/* A group name: what read_text() accepts, but never "*" (everyone, internally). */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpServerAssignment, assignment_free)

static gboolean
read_group (JsonObject  *object,
            const char  *member,
            gboolean     required,
            char       **out,
            GError     **error)
{
  if (!read_text (object, member, required, out, error))
    return FALSE;
  if (*out != NULL && strcmp (*out, "*") == 0)
    return invalid_member (error, member);
  return TRUE;
}

static gboolean
read_user_groups (JsonObject   *user,
                  const char   *username,
                  CpServerOrg  *org,
                  GError      **error)
{
  JsonNode *node = json_object_get_member (user, "groups");
  JsonArray *groups;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) > 256)
    return invalid_member (error, "users[].groups");
  groups = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (groups); i++)
    {
      JsonNode *element = json_array_get_element (groups, i);
      g_autoptr(JsonObject) holder = json_object_new ();
      CpServerMembership *membership;
      g_autofree char *group = NULL;

      json_object_set_member (holder, "group", json_node_copy (element));
      if (!read_group (holder, "group", TRUE, &group, error))
        return invalid_member (error, "users[].groups");
      membership = g_new0 (CpServerMembership, 1);
      membership->username = g_strdup (username);
      membership->group = g_steal_pointer (&group);
      g_ptr_array_add (org->memberships, membership);
    }
  return TRUE;
}

/* The users' groups; the rest of "users" is the test IdP's business. */
static gboolean
read_users (JsonObject   *root,
            CpServerOrg  *org,
            GError      **error)
{
  JsonNode *node = json_object_get_member (root, "users");
  JsonArray *users;

  org->memberships = g_ptr_array_new_with_free_func ((GDestroyNotify) membership_free);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) > 100000)
    return invalid_member (error, "users");
  users = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonNode *element = json_array_get_element (users, i);
      g_autofree char *username = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (element) ||
          !read_text (json_node_get_object (element), "username", TRUE, &username, error) ||
          !read_user_groups (json_node_get_object (element), username, org, error))
        return invalid_member (error, "users");
    }
  return TRUE;
}

static gboolean
read_required_apps (JsonObject   *root,
                    CpServerOrg  *org,
                    GError      **error)
{
  JsonNode *node = json_object_get_member (root, "requiredApps");
  JsonArray *apps;

  org->assignments = g_ptr_array_new_with_free_func ((GDestroyNotify) assignment_free);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) > 10000)
    return invalid_member (error, "requiredApps");
  apps = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (apps); i++)
    {
      JsonNode *element = json_array_get_element (apps, i);
      g_autoptr(CpServerAssignment) assignment = g_new0 (CpServerAssignment, 1);

      if (!JSON_NODE_HOLDS_OBJECT (element) ||
          !read_text (json_node_get_object (element), "appId", TRUE, &assignment->app_id, error) ||
          !read_group (json_node_get_object (element), "group", FALSE, &assignment->group, error))
        return invalid_member (error, "requiredApps");
      g_ptr_array_add (org->assignments, g_steal_pointer (&assignment));
    }
  return TRUE;
}

static gboolean
read_compliance_policy (JsonObject   *root,
                        CpServerOrg  *org,
                        GError      **error)
{
  JsonNode *node = json_object_get_member (root, "compliancePolicy");
  g_autoptr(GError) local_error = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!cp_server_compliance_check_policy (node, &local_error))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA, "%s", local_error->message);
      return FALSE;
    }
  org->compliance_policy = json_node_copy (node);
  return TRUE;
}

CpServerOrg *
cp_server_org_parse (const char  *json,
                     gsize        len,
                     GFile       *base,
                     GError     **error)
{
  g_autoptr(CpServerOrg) org = g_new0 (CpServerOrg, 1);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;

  if (len > MAX_ORG_FILE_SIZE || !(root = cp_server_json_parse (json, len)) ||
      !JSON_NODE_HOLDS_OBJECT (root))
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
      !read_logo (object, base, org, error) ||
      !read_users (object, org, error) ||
      !read_required_apps (object, org, error) ||
      !read_compliance_policy (object, org, error))
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
