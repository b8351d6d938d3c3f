/* cp-app.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#define _GNU_SOURCE
#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-app.h"
#include "cp-error.h"

#define MAX_ID_LENGTH 255
#define MAX_LIST_LENGTH 256

struct _CpApp
{
  GObject          parent_instance;

  char            *id;
  char            *name;
  char            *publisher;
  char            *summary;
  char            *description;
  char            *version;
  char            *license;
  char            *icon_url;
  GStrv            categories;
  GStrv            keywords;
  GStrv            screenshots;
  guint64          size;
  gboolean         required;
  gboolean         featured;

  CpInstallMethod  method;
  char            *unsupported_reason;
  char            *flatpak_ref;
  char            *remote_name;
  char            *remote_url;
  GBytes          *gpg_key;
  gboolean         gpg_verify;
  char            *handoff_uri;
  char            *web_url;

  /* Prepared once: what cp_app_matches() searches and cp_app_compare() sorts by. */
  char            *search_text;
  gsize            search_length;
  char            *sort_key;
};

G_DEFINE_FINAL_TYPE (CpApp, cp_app, G_TYPE_OBJECT)

/* For ASCII, case folding is A-Z to a-z and decomposition changes nothing:
 * most catalog text takes this path, which is several times cheaper. */
static gboolean
append_folded_ascii (GString    *out,
                     const char *text)
{
  gsize length = 0;
  char *p;

  for (const char *q = text; *q != '\0'; q++, length++)
    if ((guchar) *q >= 0x80)
      return FALSE;

  g_string_set_size (out, out->len + length);
  p = out->str + out->len - length;
  for (const char *q = text; *q != '\0'; q++)
    *p++ = ((guchar) *q <= ' ' || *q == 0x7f) ? ' ' : g_ascii_tolower (*q);
  return TRUE;
}

/* Case folded, compatibility decomposed, combining marks dropped: "Évolution"
 * and "evolution" become the same text. */
static void
append_folded (GString    *out,
               const char *text)
{
  g_autofree char *folded = NULL;
  g_autofree char *decomposed = NULL;

  if (append_folded_ascii (out, text))
    return;
  folded = g_utf8_casefold (text, -1);
  decomposed = g_utf8_normalize (folded, -1, G_NORMALIZE_ALL);

  if (decomposed == NULL)
    return;

  for (const char *p = decomposed; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_ismark (c))
        continue;
      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        c = ' ';
      g_string_append_unichar (out, c);
    }
}

static gboolean
invalid_member (GError    **error,
                const char *member)
{
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
               _("The app catalog has an entry with an invalid “%s”."), member);
  return FALSE;
}

/* An absent, null or empty member is NULL; any other non-string is an error. */
static gboolean
read_string (JsonObject  *object,
             const char  *member,
             char       **out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  const char *value;

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return invalid_member (error, member);

  value = json_node_get_string (node);
  if (!g_utf8_validate (value, -1, NULL))
    return invalid_member (error, member);
  if (*value != '\0')
    *out = g_strdup (value);
  return TRUE;
}

static gboolean
read_boolean (JsonObject *object,
              const char *member,
              gboolean    fallback,
              gboolean   *out,
              GError    **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = fallback;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return invalid_member (error, member);
  *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
read_string_list (JsonObject *object,
                  const char *member,
                  GStrv      *out,
                  GError    **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;
  guint length;

  *out = NULL;
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_ARRAY (node))
        return invalid_member (error, member);
      array = json_node_get_array (node);
      length = json_array_get_length (array);
      if (length > MAX_LIST_LENGTH)
        return invalid_member (error, member);

      for (guint i = 0; i < length; i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          const char *value;

          if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
            return invalid_member (error, member);
          value = json_node_get_string (element);
          if (!g_utf8_validate (value, -1, NULL))
            return invalid_member (error, member);
          if (*value != '\0')
            g_strv_builder_add (builder, value);
        }
    }

  *out = g_strv_builder_end (builder);
  return TRUE;
}

/* Negative or non-numeric sizes are errors; absurd ones are not believed. */
static gboolean
read_size (JsonObject *object,
           guint64    *out,
           GError    **error)
{
  JsonNode *node = json_object_get_member (object, "size");
  GType type;

  *out = 0;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return invalid_member (error, "size");

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    {
      gint64 value = json_node_get_int (node);

      if (value < 0)
        return invalid_member (error, "size");
      if ((guint64) value <= CP_APP_MAX_SIZE)
        *out = (guint64) value;
      return TRUE;
    }
  if (type == G_TYPE_DOUBLE)
    {
      double value = json_node_get_double (node);

      if (!(value >= 0))
        return invalid_member (error, "size");
      if (value <= (double) CP_APP_MAX_SIZE && value == (double) (guint64) value)
        *out = (guint64) value;
      return TRUE;
    }
  return invalid_member (error, "size");
}

static gboolean
is_valid_id (const char *id)
{
  gsize length = strlen (id);

  if (length == 0 || length > MAX_ID_LENGTH)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static gboolean
has_scheme (const char         *uri,
            const char *const  *schemes)
{
  g_autofree char *scheme = NULL;

  if (uri == NULL || !g_uri_is_valid (uri, G_URI_FLAGS_NONE, NULL))
    return FALSE;
  scheme = g_uri_parse_scheme (uri);
  return scheme != NULL && g_strv_contains (schemes, scheme);
}

/* Icons and screenshots may be absolute http(s) URLs or paths on the API
 * server ("/v1/apps/x/icon"); anything else is dropped as a broken link. */
static gboolean
is_image_url (const char *url)
{
  static const char *const web[] = { "http", "https", NULL };

  if (url == NULL)
    return FALSE;
  if (url[0] == '/' && url[1] != '/')
    return g_uri_split (url, G_URI_FLAGS_NONE, NULL, NULL, NULL, NULL,
                        NULL, NULL, NULL, NULL);
  return has_scheme (url, web);
}

static gboolean
is_flatpak_ref (const char *ref)
{
  g_auto(GStrv) parts = g_strsplit (ref, "/", -1);

  return g_strv_length (parts) == 4 &&
         g_str_equal (parts[0], "app") &&
         parts[1][0] != '\0' && is_valid_id (parts[1]) &&
         parts[3][0] != '\0';
}

static void
set_unsupported (CpApp      *self,
                 const char *reason)
{
  self->method = CP_INSTALL_METHOD_NONE;
  g_free (self->unsupported_reason);
  self->unsupported_reason = g_strdup (reason);
}

static void
read_flatpak_method (CpApp      *self,
                     JsonObject *method)
{
  g_autofree char *gpg_key = NULL;
  g_autoptr(GError) error = NULL;
  static const char *const remote_schemes[] = { "http", "https", "file", NULL };

  if (!read_string (method, "ref", &self->flatpak_ref, &error) ||
      !read_string (method, "remoteName", &self->remote_name, &error) ||
      !read_string (method, "remoteUrl", &self->remote_url, &error) ||
      !read_string (method, "gpgKey", &gpg_key, &error) ||
      !read_boolean (method, "gpgVerify", TRUE, &self->gpg_verify, &error) ||
      self->flatpak_ref == NULL || !is_flatpak_ref (self->flatpak_ref) ||
      self->remote_name == NULL || !is_valid_id (self->remote_name) ||
      (self->remote_url != NULL && !has_scheme (self->remote_url, remote_schemes)))
    {
      set_unsupported (self, _("The catalog describes this app’s Flatpak package incompletely."));
      return;
    }

  if (gpg_key != NULL)
    {
      gsize length = 0;
      guchar *data = g_base64_decode (gpg_key, &length);

      if (length == 0)
        {
          g_free (data);
          set_unsupported (self, _("The catalog gives an unreadable signing key for this app."));
          return;
        }
      self->gpg_key = g_bytes_new_take (data, length);
    }

  self->method = CP_INSTALL_METHOD_FLATPAK;
}

static void
read_link_method (CpApp             *self,
                  JsonObject        *method,
                  const char        *member,
                  const char *const *schemes,
                  CpInstallMethod    kind,
                  char             **out)
{
  g_autoptr(GError) error = NULL;

  if (!read_string (method, member, out, &error) || !has_scheme (*out, schemes))
    {
      g_clear_pointer (out, g_free);
      set_unsupported (self, _("The catalog gives no usable link for this app."));
      return;
    }
  self->method = kind;
}

/* Problems in the install method do not hide the app: it stays visible and
 * says why it cannot be installed from here. */
static void
read_install_method (CpApp      *self,
                     JsonObject *object)
{
  static const char *const handoff_schemes[] = { "appstream", "https", "http", NULL };
  static const char *const web_schemes[] = { "https", "http", NULL };
  JsonNode *node = json_object_get_member (object, "install");
  JsonObject *method;
  const char *type = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      set_unsupported (self, _("The catalog does not say how to install this app."));
      return;
    }

  method = json_node_get_object (node);
  if (json_object_has_member (method, "type") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (method, "type")) &&
      json_node_get_value_type (json_object_get_member (method, "type")) == G_TYPE_STRING)
    type = json_object_get_string_member (method, "type");

  if (g_strcmp0 (type, "flatpak") == 0)
    read_flatpak_method (self, method);
  else if (g_strcmp0 (type, "handoff") == 0)
    read_link_method (self, method, "uri", handoff_schemes, CP_INSTALL_METHOD_HANDOFF, &self->handoff_uri);
  else if (g_strcmp0 (type, "web") == 0)
    read_link_method (self, method, "url", web_schemes, CP_INSTALL_METHOD_WEB, &self->web_url);
  else
    set_unsupported (self, _("This app uses an install method this version of Company Portal does not support."));
}

static void
prepare_search_and_sort (CpApp *self)
{
  GString *text = g_string_sized_new (64);
  g_autofree char *folded_name = NULL;

  /* g_utf8_casefold() of ASCII is g_ascii_strdown(), at a fraction of the cost. */
  for (const char *p = self->name; folded_name == NULL; p++)
    if ((guchar) *p >= 0x80)
      folded_name = g_utf8_casefold (self->name, -1);
    else if (*p == '\0')
      folded_name = g_ascii_strdown (self->name, -1);

  append_folded (text, self->name);
  if (self->publisher != NULL)
    {
      g_string_append_c (text, '\n');
      append_folded (text, self->publisher);
    }
  for (guint i = 0; self->keywords[i] != NULL; i++)
    {
      g_string_append_c (text, '\n');
      append_folded (text, self->keywords[i]);
    }

  self->search_length = text->len;
  self->search_text = g_string_free (text, FALSE);
  self->sort_key = g_utf8_collate_key (folded_name, -1);
}

static gboolean
read_app (CpApp      *self,
          JsonObject *object,
          GError    **error)
{
  g_autofree char *icon_url = NULL;
  g_auto(GStrv) screenshots = NULL;
  g_autoptr(GStrvBuilder) usable = g_strv_builder_new ();

  if (!read_string (object, "id", &self->id, error) ||
      !read_string (object, "name", &self->name, error) ||
      !read_string (object, "publisher", &self->publisher, error) ||
      !read_string (object, "summary", &self->summary, error) ||
      !read_string (object, "description", &self->description, error) ||
      !read_string (object, "version", &self->version, error) ||
      !read_string (object, "license", &self->license, error) ||
      !read_string (object, "iconUrl", &icon_url, error) ||
      !read_size (object, &self->size, error) ||
      !read_string_list (object, "categories", &self->categories, error) ||
      !read_string_list (object, "keywords", &self->keywords, error) ||
      !read_string_list (object, "screenshots", &screenshots, error) ||
      !read_boolean (object, "required", FALSE, &self->required, error) ||
      !read_boolean (object, "featured", FALSE, &self->featured, error))
    return FALSE;

  if (self->id == NULL || !is_valid_id (self->id))
    return invalid_member (error, "id");
  if (self->name == NULL)
    return invalid_member (error, "name");

  if (is_image_url (icon_url))
    self->icon_url = g_steal_pointer (&icon_url);
  for (guint i = 0; screenshots[i] != NULL; i++)
    if (is_image_url (screenshots[i]))
      g_strv_builder_add (usable, screenshots[i]);
  self->screenshots = g_strv_builder_end (usable);

  read_install_method (self, object);
  prepare_search_and_sort (self);
  return TRUE;
}

static void
cp_app_finalize (GObject *object)
{
  CpApp *self = CP_APP (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->publisher);
  g_free (self->summary);
  g_free (self->description);
  g_free (self->version);
  g_free (self->license);
  g_free (self->icon_url);
  g_strfreev (self->categories);
  g_strfreev (self->keywords);
  g_strfreev (self->screenshots);
  g_free (self->unsupported_reason);
  g_free (self->flatpak_ref);
  g_free (self->remote_name);
  g_free (self->remote_url);
  g_clear_pointer (&self->gpg_key, g_bytes_unref);
  g_free (self->handoff_uri);
  g_free (self->web_url);
  g_free (self->search_text);
  g_free (self->sort_key);

  G_OBJECT_CLASS (cp_app_parent_class)->finalize (object);
}

static void
cp_app_class_init (CpAppClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_app_finalize;
}

static void
cp_app_init (CpApp *self)
{
  self->gpg_verify = TRUE;
}

CpApp *
cp_app_new_from_json (JsonNode  *node,
                      GError   **error)
{
  g_autoptr(CpApp) self = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The app catalog has an entry that is not an object."));
      return NULL;
    }

  self = g_object_new (CP_TYPE_APP, NULL);
  if (!read_app (self, json_node_get_object (node), error))
    return NULL;
  return g_steal_pointer (&self);
}

#define GETTER(type, member, field) \
  type cp_app_get_##member (CpApp *self) \
  { \
    g_return_val_if_fail (CP_IS_APP (self), 0); \
    return self->field; \
  }

GETTER (const char *, id, id)
GETTER (const char *, name, name)
GETTER (const char *, publisher, publisher)
GETTER (const char *, summary, summary)
GETTER (const char *, description, description)
GETTER (const char *, version, version)
GETTER (guint64, size, size)
GETTER (const char *, license, license)
GETTER (const char *, icon_url, icon_url)
GETTER (gboolean, required, required)
GETTER (gboolean, featured, featured)
GETTER (CpInstallMethod, install_method, method)
GETTER (const char *, unsupported_reason, unsupported_reason)
GETTER (const char *, flatpak_ref, flatpak_ref)
GETTER (const char *, flatpak_remote_name, remote_name)
GETTER (const char *, flatpak_remote_url, remote_url)
GETTER (GBytes *, flatpak_gpg_key, gpg_key)
GETTER (gboolean, flatpak_gpg_verify, gpg_verify)
GETTER (const char *, handoff_uri, handoff_uri)
GETTER (const char *, web_url, web_url)

const char *const *
cp_app_get_categories (CpApp *self)
{
  g_return_val_if_fail (CP_IS_APP (self), NULL);
  return (const char *const *) self->categories;
}

const char *const *
cp_app_get_keywords (CpApp *self)
{
  g_return_val_if_fail (CP_IS_APP (self), NULL);
  return (const char *const *) self->keywords;
}

const char *const *
cp_app_get_screenshots (CpApp *self)
{
  g_return_val_if_fail (CP_IS_APP (self), NULL);
  return (const char *const *) self->screenshots;
}

char *
cp_app_prepare_query (const char *text)
{
  g_autoptr(GString) folded = g_string_new (NULL);
  g_auto(GStrv) words = NULL;
  g_autoptr(GString) query = g_string_new (NULL);

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return NULL;

  append_folded (folded, text);
  words = g_strsplit (folded->str, " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] == '\0')
        continue;
      if (query->len > 0)
        g_string_append_c (query, ' ');
      g_string_append (query, words[i]);
    }

  if (query->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&query), FALSE);
}

/* The prepared query is words separated by single spaces. Fields of the
 * search text are separated by '\n', which no word contains, so a word never
 * matches across two fields. */
gboolean
cp_app_matches (CpApp      *self,
                const char *prepared_query)
{
  const char *word = prepared_query;

  g_return_val_if_fail (CP_IS_APP (self), FALSE);

  if (word == NULL || *word == '\0')
    return TRUE;

  while (*word != '\0')
    {
      const char *end = strchr (word, ' ');
      gsize length = end != NULL ? (gsize) (end - word) : strlen (word);

      if (memmem (self->search_text, self->search_length, word, length) == NULL)
        return FALSE;
      if (end == NULL)
        break;
      word = end + 1;
    }
  return TRUE;
}

typedef struct
{
  const char *key;
  const char *value;
  const char *sentence;
} Permission;

/* Only what changes what an app can reach; plumbing (ipc, dri, wayland,
 * fallback-x11 next to wayland) is left out. */
static const Permission permissions[] = {
  { "shared", "network", N_("Network access") },
  { "sockets", "x11", N_("Uses the X11 display, where it can see other windows and keystrokes") },
  { "sockets", "pulseaudio", N_("Plays and records sound") },
  { "sockets", "session-bus", N_("Full access to the session bus") },
  { "sockets", "system-bus", N_("Full access to the system bus") },
  { "sockets", "ssh-auth", N_("Uses your SSH keys through the SSH agent") },
  { "sockets", "gpg-agent", N_("Uses your GPG keys through the GPG agent") },
  { "sockets", "pcsc", N_("Uses smart cards") },
  { "sockets", "cups", N_("Prints") },
  { "devices", "all", N_("Access to all devices, including cameras and USB") },
  { "devices", "kvm", N_("Runs virtual machines (KVM)") },
  { "devices", "input", N_("Access to input devices") },
  { "features", "devel", N_("Can debug other programs") },
  { "features", "bluetooth", N_("Uses Bluetooth") },
};

static const Permission places[] = {
  { "host", NULL, N_("all your files and the system’s") },
  { "host-os", NULL, N_("the system’s programs and libraries") },
  { "host-etc", NULL, N_("the system’s configuration") },
  { "home", NULL, N_("your home folder") },
  { "xdg-desktop", NULL, N_("your Desktop folder") },
  { "xdg-documents", NULL, N_("your Documents folder") },
  { "xdg-download", NULL, N_("your Downloads folder") },
  { "xdg-music", NULL, N_("your Music folder") },
  { "xdg-pictures", NULL, N_("your Pictures folder") },
  { "xdg-videos", NULL, N_("your Videos folder") },
};

/* g_strv_builder_take() is GLib 2.80. */
static void
add_owned (GStrvBuilder *builder,
           char         *text)
{
  g_strv_builder_add (builder, text);
  g_free (text);
}

static void
describe_filesystem (GStrvBuilder *out,
                     const char   *entry)
{
  g_autofree char *place = g_strdup (entry);
  char *mode = strrchr (place, ':');
  gboolean read_only = mode != NULL && g_str_equal (mode, ":ro");
  const char *name = NULL;

  /* "!place" takes access away; "place:create" is read-write. */
  if (place[0] == '!' || place[0] == '\0')
    return;
  if (mode != NULL && (g_str_equal (mode, ":ro") || g_str_equal (mode, ":rw") ||
                       g_str_equal (mode, ":create")))
    *mode = '\0';

  for (guint i = 0; i < G_N_ELEMENTS (places); i++)
    if (g_str_equal (place, places[i].key))
      name = _(places[i].sentence);

  if (name != NULL)
    add_owned (out, g_strdup_printf (read_only ? _("Can read %s") : _("Can read and change %s"),
                                               name));
  else
    add_owned (out, g_strdup_printf (read_only ? _("Can read the folder %s")
                                                         : _("Can read and change the folder %s"),
                                               place));
}

static void
describe_bus (GStrvBuilder *out,
              GKeyFile     *keyfile,
              const char   *group,
              const char   *talk_format,
              const char   *own_format)
{
  g_auto(GStrv) names = g_key_file_get_keys (keyfile, group, NULL, NULL);

  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      g_autofree char *policy = g_key_file_get_value (keyfile, group, names[i], NULL);

      if (g_strcmp0 (policy, "talk") == 0)
        add_owned (out, g_strdup_printf (talk_format, names[i]));
      else if (g_strcmp0 (policy, "own") == 0)
        add_owned (out, g_strdup_printf (own_format, names[i]));
    }
}

GStrv
cp_app_describe_flatpak_permissions (const char  *metadata,
                                     GError     **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GStrvBuilder) out = g_strv_builder_new ();
  g_auto(GStrv) filesystems = NULL;

  g_return_val_if_fail (metadata != NULL, NULL);

  if (!g_utf8_validate (metadata, -1, NULL) ||
      !g_key_file_load_from_data (keyfile, metadata, -1, G_KEY_FILE_NONE, NULL) ||
      (!g_key_file_has_group (keyfile, "Application") && !g_key_file_has_group (keyfile, "Runtime")))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The app’s permissions cannot be read."));
      return NULL;
    }

  for (guint i = 0; i < G_N_ELEMENTS (permissions); i++)
    {
      g_auto(GStrv) values = g_key_file_get_string_list (keyfile, "Context", permissions[i].key,
                                                         NULL, NULL);

      if (values != NULL && g_strv_contains ((const char *const *) values, permissions[i].value))
        g_strv_builder_add (out, _(permissions[i].sentence));
    }

  filesystems = g_key_file_get_string_list (keyfile, "Context", "filesystems", NULL, NULL);
  for (guint i = 0; filesystems != NULL && filesystems[i] != NULL; i++)
    describe_filesystem (out, filesystems[i]);

  describe_bus (out, keyfile, "Session Bus Policy",
                _("Talks to %s on the session bus"), _("Provides %s on the session bus"));
  describe_bus (out, keyfile, "System Bus Policy",
                _("Talks to %s on the system bus"), _("Provides %s on the system bus"));

  return g_strv_builder_end (out);
}

int
cp_app_compare (CpApp *a,
                CpApp *b)
{
  int result;

  g_return_val_if_fail (CP_IS_APP (a) && CP_IS_APP (b), 0);

  if (a->required != b->required)
    return a->required ? -1 : 1;
  if (a->featured != b->featured)
    return a->featured ? -1 : 1;
  result = strcmp (a->sort_key, b->sort_key);
  if (result != 0)
    return result;
  return strcmp (a->id, b->id);
}

int
cp_app_compare_func (gconstpointer a,
                     gconstpointer b,
                     gpointer      user_data)
{
  return cp_app_compare ((CpApp *) a, (CpApp *) b);
}
