/* cp-app.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#define _GNU_SOURCE
#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-app-private.h"
#include "cp-error.h"

#define MAX_ID_LENGTH 255

/* Memory matters: a catalog may hold tens of thousands. Strings only this
 * app has live in one block (text); strings apps share (publisher, version,
 * licence, categories, keywords, the Flatpak remote) are interned
 * GRefStrings; the signing key is one GBytes per remote. */
struct _CpApp
{
  GObject          parent_instance;

  char            *text;            /* the block the const char * below point into */
  const char      *id;
  const char      *name;
  const char      *summary;
  const char      *description;
  const char      *icon_url;
  char            *publisher;       /* GRefString, like the rest of the char * */
  char            *version;
  char            *license;
  char           **categories;      /* empty_list when empty */
  char           **keywords;
  const char     **screenshots;     /* into text; empty_list when empty */
  guint64          size;
  gboolean         required;
  gboolean         featured;

  CpInstallMethod  method;
  const char      *unsupported_reason;  /* a translated constant */
  const char      *flatpak_ref;
  char            *remote_name;
  char            *remote_url;
  GBytes          *gpg_key;
  gboolean         gpg_verify;
  const char      *handoff_uri;
  const char      *web_url;

  /* Prepared once: what cp_app_matches() searches and cp_app_compare() sorts by. */
  const char      *search_text;
  gsize            search_length;
  const char      *sort_key;
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

/* Member names, in the order the rules check them (the first bad one is
 * the one the error names). */
static const char *const field_names[CP_APP_N_FIELDS] = {
  "id", "name", "publisher", "summary", "description", "version", "license", "iconUrl",
  "size", "categories", "keywords", "screenshots", "required", "featured", "install",
};

static const char *const install_field_names[CP_APP_N_INSTALL_FIELDS] = {
  "type", "ref", "remoteName", "remoteUrl", "gpgKey", "gpgVerify", "uri", "url",
};

/* The pool */

struct _CpAppPool
{
  GHashTable *strings;          /* GRefString (interned) → itself; holds a reference */
  GHashTable *keys;             /* base64 text → GBytes */
};

CpAppPool *
cp_app_pool_new (void)
{
  CpAppPool *pool = g_new0 (CpAppPool, 1);

  pool->strings = g_hash_table_new_full (g_str_hash, g_str_equal,
                                         (GDestroyNotify) g_ref_string_release, NULL);
  pool->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) g_bytes_unref);
  return pool;
}

void
cp_app_pool_free (CpAppPool *pool)
{
  g_hash_table_unref (pool->strings);
  g_hash_table_unref (pool->keys);
  g_free (pool);
}

/* A new reference to the interned copy of @text: the global intern table
 * shares it across pages, the pool saves its lock for repeats in a page. */
static char *
pool_intern (CpAppPool  *pool,
             const char *text)
{
  char *shared;

  if (text == NULL)
    return NULL;
  if (pool == NULL)
    return g_ref_string_new_intern (text);

  shared = g_hash_table_lookup (pool->strings, text);
  if (shared == NULL)
    {
      shared = g_ref_string_new_intern (text);
      g_hash_table_add (pool->strings, shared);
    }
  return g_ref_string_acquire (shared);
}

/* The decoded signing key, shared by every app of the same remote; NULL
 * when it decodes to nothing. */
static GBytes *
pool_decode_key (CpAppPool  *pool,
                 const char *base64)
{
  GBytes *key = pool != NULL ? g_hash_table_lookup (pool->keys, base64) : NULL;
  gsize length = 0;
  guchar *data;

  if (key != NULL)
    return g_bytes_ref (key);

  data = g_base64_decode (base64, &length);
  if (length == 0)
    {
      g_free (data);
      return NULL;
    }
  key = g_bytes_new_take (data, length);
  if (pool != NULL)
    g_hash_table_insert (pool->keys, g_strdup (base64), g_bytes_ref (key));
  return key;
}

/* Entries */

void
cp_app_entry_init (CpAppEntry *entry)
{
  memset (entry, 0, sizeof *entry);
  for (guint i = 0; i < CP_APP_N_FIELDS; i++)
    entry->fields[i].strings = g_ptr_array_new ();
  for (guint i = 0; i < CP_APP_N_INSTALL_FIELDS; i++)
    entry->install[i].strings = g_ptr_array_new ();
  entry->text = g_string_chunk_new (4096);
}

static void
value_reset (CpAppValue *value)
{
  GPtrArray *strings = value->strings;

  g_ptr_array_set_size (strings, 0);
  memset (value, 0, sizeof *value);
  value->strings = strings;
}

void
cp_app_entry_reset (CpAppEntry *entry)
{
  for (guint i = 0; i < CP_APP_N_FIELDS; i++)
    value_reset (&entry->fields[i]);
  for (guint i = 0; i < CP_APP_N_INSTALL_FIELDS; i++)
    value_reset (&entry->install[i]);
  g_string_chunk_clear (entry->text);
}

void
cp_app_entry_clear (CpAppEntry *entry)
{
  for (guint i = 0; i < CP_APP_N_FIELDS; i++)
    g_clear_pointer (&entry->fields[i].strings, g_ptr_array_unref);
  for (guint i = 0; i < CP_APP_N_INSTALL_FIELDS; i++)
    g_clear_pointer (&entry->install[i].strings, g_ptr_array_unref);
  g_clear_pointer (&entry->text, g_string_chunk_free);
}

/* From json-glib nodes (the strings stay the node's). */

static gboolean
node_holds_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
         g_utf8_validate (json_node_get_string (node), -1, NULL);
}

static void
value_from_node (CpAppValue *value,
                 JsonNode   *node)
{
  value_reset (value);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return;

  value->kind = CP_APP_VALUE_OTHER;
  if (JSON_NODE_HOLDS_OBJECT (node))
    value->kind = CP_APP_VALUE_OBJECT;
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (!node_holds_string (element))
            return;
          g_ptr_array_add (value->strings, (gpointer) json_node_get_string (element));
        }
      value->kind = CP_APP_VALUE_STRINGS;
    }
  else if (node_holds_string (node))
    {
      value->kind = CP_APP_VALUE_STRING;
      value->string = json_node_get_string (node);
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    {
      value->kind = CP_APP_VALUE_BOOLEAN;
      value->boolean = json_node_get_boolean (node);
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    {
      value->kind = CP_APP_VALUE_INTEGER;
      value->integer = json_node_get_int (node);
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      value->kind = CP_APP_VALUE_DOUBLE;
      value->number = json_node_get_double (node);
    }
}

static void
entry_from_object (CpAppEntry *entry,
                   JsonObject *object)
{
  JsonNode *install;

  for (guint i = 0; i < CP_APP_N_FIELDS; i++)
    value_from_node (&entry->fields[i], json_object_get_member (object, field_names[i]));

  install = json_object_get_member (object, "install");
  if (install != NULL && JSON_NODE_HOLDS_OBJECT (install))
    for (guint i = 0; i < CP_APP_N_INSTALL_FIELDS; i++)
      value_from_node (&entry->install[i],
                       json_object_get_member (json_node_get_object (install), install_field_names[i]));
}

/* From the streaming reader (the strings are copied into entry->text). */

static int
lookup_field (const char        *name,
              gsize              length,
              const char *const *names,
              guint              n_names)
{
  for (guint i = 0; i < n_names; i++)
    if (names[i][0] == name[0] && strlen (names[i]) == length && memcmp (names[i], name, length) == 0)
      return (int) i;
  return -1;
}

static const char *
keep_text (CpAppEntry   *entry,
           CpJsonReader *reader)
{
  return g_string_chunk_insert_len (entry->text, reader->text, reader->text_length);
}

static gboolean read_members (CpAppEntry   *entry,
                              CpJsonReader *reader,
                              gboolean      install);

/* An array: STRINGS while every element is a string, else OTHER (read to
 * its end either way). */
static gboolean
read_array (CpAppEntry   *entry,
            CpAppValue   *value,
            CpJsonReader *reader)
{
  CpJsonToken token;

  value->kind = CP_APP_VALUE_STRINGS;
  while ((token = cp_json_reader_next (reader)) != CP_JSON_TOKEN_END_ARRAY)
    {
      if (token == CP_JSON_TOKEN_STRING && !reader->text_has_nul)
        {
          if (value->kind == CP_APP_VALUE_STRINGS)
            g_ptr_array_add (value->strings, (gpointer) keep_text (entry, reader));
          continue;
        }
      value->kind = CP_APP_VALUE_OTHER;
      if (!cp_json_reader_skip (reader, token))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_value (CpAppEntry   *entry,
            CpAppValue   *value,
            CpJsonReader *reader,
            gboolean      is_install)
{
  CpJsonToken token = cp_json_reader_next (reader);

  value_reset (value);
  switch (token)
    {
    case CP_JSON_TOKEN_NULL:
      return TRUE;
    case CP_JSON_TOKEN_STRING:
      value->kind = reader->text_has_nul ? CP_APP_VALUE_OTHER : CP_APP_VALUE_STRING;
      value->string = keep_text (entry, reader);
      return TRUE;
    case CP_JSON_TOKEN_TRUE:
    case CP_JSON_TOKEN_FALSE:
      value->kind = CP_APP_VALUE_BOOLEAN;
      value->boolean = token == CP_JSON_TOKEN_TRUE;
      return TRUE;
    case CP_JSON_TOKEN_INTEGER:
      value->kind = CP_APP_VALUE_INTEGER;
      value->integer = reader->integer;
      return TRUE;
    case CP_JSON_TOKEN_DOUBLE:
      value->kind = CP_APP_VALUE_DOUBLE;
      value->number = reader->number;
      return TRUE;
    case CP_JSON_TOKEN_BEGIN_ARRAY:
      return read_array (entry, value, reader);
    case CP_JSON_TOKEN_BEGIN_OBJECT:
      value->kind = CP_APP_VALUE_OBJECT;
      if (!is_install)
        return cp_json_reader_skip (reader, token);
      /* A repeated "install" replaces the earlier one entirely. */
      for (guint i = 0; i < CP_APP_N_INSTALL_FIELDS; i++)
        value_reset (&entry->install[i]);
      return read_members (entry, reader, TRUE);
    default:
      return FALSE;
    }
}

static gboolean
read_members (CpAppEntry   *entry,
              CpJsonReader *reader,
              gboolean      install)
{
  CpJsonToken token;

  while ((token = cp_json_reader_next (reader)) == CP_JSON_TOKEN_MEMBER)
    {
      int field = install ? lookup_field (reader->text, reader->text_length,
                                          install_field_names, CP_APP_N_INSTALL_FIELDS)
                          : lookup_field (reader->text, reader->text_length,
                                          field_names, CP_APP_N_FIELDS);
      CpAppValue *value;

      if (field < 0)
        {
          if (!cp_json_reader_skip (reader, cp_json_reader_next (reader)))
            return FALSE;
          continue;
        }
      value = install ? &entry->install[field] : &entry->fields[field];
      if (!read_value (entry, value, reader, !install && field == CP_APP_FIELD_INSTALL))
        return FALSE;
    }
  return token == CP_JSON_TOKEN_END_OBJECT;
}

gboolean
cp_app_entry_read (CpAppEntry   *entry,
                   CpJsonReader *reader)
{
  return read_members (entry, reader, FALSE);
}

/* The rules */

/* The type each member must have (absent or null is always fine). */
static gboolean
check_field (CpAppEntry *entry,
             CpAppField  field,
             GError    **error)
{
  CpAppValue *value = &entry->fields[field];

  if (value->kind == CP_APP_VALUE_ABSENT)
    return TRUE;

  switch (field)
    {
    case CP_APP_FIELD_SIZE:
      /* Negative is an error; absurd values are only not believed. */
      if ((value->kind == CP_APP_VALUE_INTEGER && value->integer >= 0) ||
          (value->kind == CP_APP_VALUE_DOUBLE && value->number >= 0))
        return TRUE;
      break;
    case CP_APP_FIELD_CATEGORIES:
    case CP_APP_FIELD_KEYWORDS:
    case CP_APP_FIELD_SCREENSHOTS:
      if (value->kind == CP_APP_VALUE_STRINGS && value->strings->len <= CP_APP_MAX_LIST_LENGTH)
        return TRUE;
      break;
    case CP_APP_FIELD_REQUIRED:
    case CP_APP_FIELD_FEATURED:
      if (value->kind == CP_APP_VALUE_BOOLEAN)
        return TRUE;
      break;
    case CP_APP_FIELD_INSTALL:
      /* Problems there never hide the app (read_install_method). */
      return TRUE;
    default:
      if (value->kind == CP_APP_VALUE_STRING)
        return TRUE;
      break;
    }
  return invalid_member (error, field_names[field]);
}

/* A checked string member: NULL when absent or empty. */
static const char *
string_of (CpAppValue *value)
{
  if (value->kind != CP_APP_VALUE_STRING || value->string[0] == '\0')
    return NULL;
  return value->string;
}

static guint64
size_of (CpAppValue *value)
{
  if (value->kind == CP_APP_VALUE_INTEGER && (guint64) value->integer <= CP_APP_MAX_SIZE)
    return (guint64) value->integer;
  if (value->kind == CP_APP_VALUE_DOUBLE && value->number <= (double) CP_APP_MAX_SIZE &&
      value->number == (double) (guint64) value->number)
    return (guint64) value->number;
  return 0;
}

static const char *empty_list[] = { NULL };

/* Interned, empty strings dropped; the shared empty list when nothing is left. */
static char **
intern_list (CpAppPool  *pool,
             CpAppValue *value)
{
  char **list;
  guint n = 0;

  if (value->kind != CP_APP_VALUE_STRINGS || value->strings->len == 0)
    return (char **) empty_list;

  list = g_new (char *, value->strings->len + 1);
  for (guint i = 0; i < value->strings->len; i++)
    if (((const char *) value->strings->pdata[i])[0] != '\0')
      list[n++] = pool_intern (pool, value->strings->pdata[i]);
  list[n] = NULL;
  if (n == 0)
    {
      g_free (list);
      return (char **) empty_list;
    }
  return list;
}

static void
release_list (char **list)
{
  if (list == (char **) empty_list)
    return;
  for (guint i = 0; list[i] != NULL; i++)
    g_ref_string_release (list[i]);
  g_free (list);
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
  self->unsupported_reason = reason;
}

/* What only this app has, checked, before it is packed into one block. */
typedef struct
{
  const char *id;
  const char *name;
  const char *summary;
  const char *description;
  const char *icon_url;
  const char *flatpak_ref;
  const char *handoff_uri;
  const char *web_url;
  const char *screenshots[CP_APP_MAX_LIST_LENGTH];
  guint       n_screenshots;
  GString    *search_text;
  char       *sort_key;
} Unique;

static gboolean
install_strings_ok (CpAppEntry *entry)
{
  for (guint i = CP_APP_INSTALL_REF; i <= CP_APP_INSTALL_GPG_KEY; i++)
    if (entry->install[i].kind != CP_APP_VALUE_ABSENT && entry->install[i].kind != CP_APP_VALUE_STRING)
      return FALSE;
  return entry->install[CP_APP_INSTALL_GPG_VERIFY].kind == CP_APP_VALUE_ABSENT ||
         entry->install[CP_APP_INSTALL_GPG_VERIFY].kind == CP_APP_VALUE_BOOLEAN;
}

static void
read_flatpak_method (CpApp      *self,
                     CpAppEntry *entry,
                     CpAppPool  *pool,
                     Unique     *unique)
{
  static const char *const remote_schemes[] = { "http", "https", "file", NULL };
  CpAppValue *method = entry->install;
  const char *ref = string_of (&method[CP_APP_INSTALL_REF]);
  const char *remote_name = string_of (&method[CP_APP_INSTALL_REMOTE_NAME]);
  const char *remote_url = string_of (&method[CP_APP_INSTALL_REMOTE_URL]);
  const char *gpg_key = string_of (&method[CP_APP_INSTALL_GPG_KEY]);
  GBytes *key = NULL;

  if (!install_strings_ok (entry) ||
      ref == NULL || !is_flatpak_ref (ref) ||
      remote_name == NULL || !is_valid_id (remote_name) ||
      (remote_url != NULL && !has_scheme (remote_url, remote_schemes)))
    {
      set_unsupported (self, _("The catalog describes this app’s Flatpak package incompletely."));
      return;
    }

  if (gpg_key != NULL && (key = pool_decode_key (pool, gpg_key)) == NULL)
    {
      set_unsupported (self, _("The catalog gives an unreadable signing key for this app."));
      return;
    }

  if (method[CP_APP_INSTALL_GPG_VERIFY].kind == CP_APP_VALUE_BOOLEAN)
    self->gpg_verify = method[CP_APP_INSTALL_GPG_VERIFY].boolean;
  self->gpg_key = key;
  self->remote_name = pool_intern (pool, remote_name);
  self->remote_url = pool_intern (pool, remote_url);
  unique->flatpak_ref = ref;
  self->method = CP_INSTALL_METHOD_FLATPAK;
}

static void
read_link_method (CpApp             *self,
                  CpAppValue        *value,
                  const char *const *schemes,
                  CpInstallMethod    kind,
                  const char       **out)
{
  const char *link = string_of (value);

  if (!has_scheme (link, schemes))
    {
      set_unsupported (self, _("The catalog gives no usable link for this app."));
      return;
    }
  *out = link;
  self->method = kind;
}

/* Problems in the install method do not hide the app: it stays visible and
 * says why it cannot be installed from here. */
static void
read_install_method (CpApp      *self,
                     CpAppEntry *entry,
                     CpAppPool  *pool,
                     Unique     *unique)
{
  static const char *const handoff_schemes[] = { "appstream", "https", "http", NULL };
  static const char *const web_schemes[] = { "https", "http", NULL };
  CpAppValue *type_value = &entry->install[CP_APP_INSTALL_TYPE];
  const char *type = type_value->kind == CP_APP_VALUE_STRING ? type_value->string : NULL;

  if (entry->fields[CP_APP_FIELD_INSTALL].kind != CP_APP_VALUE_OBJECT)
    set_unsupported (self, _("The catalog does not say how to install this app."));
  else if (g_strcmp0 (type, "flatpak") == 0)
    read_flatpak_method (self, entry, pool, unique);
  else if (g_strcmp0 (type, "handoff") == 0)
    read_link_method (self, &entry->install[CP_APP_INSTALL_URI], handoff_schemes,
                      CP_INSTALL_METHOD_HANDOFF, &unique->handoff_uri);
  else if (g_strcmp0 (type, "web") == 0)
    read_link_method (self, &entry->install[CP_APP_INSTALL_URL], web_schemes,
                      CP_INSTALL_METHOD_WEB, &unique->web_url);
  else
    set_unsupported (self, _("This app uses an install method this version of Company Portal does not support."));
}

static void
prepare_search_and_sort (CpApp  *self,
                         Unique *unique)
{
  GString *text = g_string_sized_new (64);
  g_autofree char *folded_name = NULL;

  /* g_utf8_casefold() of ASCII is g_ascii_strdown(), at a fraction of the cost. */
  for (const char *p = unique->name; folded_name == NULL; p++)
    if ((guchar) *p >= 0x80)
      folded_name = g_utf8_casefold (unique->name, -1);
    else if (*p == '\0')
      folded_name = g_ascii_strdown (unique->name, -1);

  append_folded (text, unique->name);
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

  unique->search_text = text;
  unique->sort_key = g_utf8_collate_key (folded_name, -1);
}

/* Two passes: the first (block NULL) measures, the second copies. */
typedef struct
{
  char  *block;
  gsize  used;
} Packer;

static const char *
pack_len (Packer     *packer,
          const char *text,
          gsize       length)
{
  char *out;

  if (text == NULL)
    return NULL;
  out = packer->block != NULL ? packer->block + packer->used : NULL;
  if (out != NULL)
    {
      memcpy (out, text, length);
      out[length] = '\0';
    }
  packer->used += length + 1;
  return out;
}

static const char *
pack (Packer     *packer,
      const char *text)
{
  return pack_len (packer, text, text != NULL ? strlen (text) : 0);
}

static void
pack_unique (CpApp  *self,
             Packer *packer,
             Unique *unique)
{
  self->id = pack (packer, unique->id);
  self->name = pack (packer, unique->name);
  self->summary = pack (packer, unique->summary);
  self->description = pack (packer, unique->description);
  self->icon_url = pack (packer, unique->icon_url);
  self->flatpak_ref = pack (packer, unique->flatpak_ref);
  self->handoff_uri = pack (packer, unique->handoff_uri);
  self->web_url = pack (packer, unique->web_url);
  for (guint i = 0; i < unique->n_screenshots; i++)
    self->screenshots[i] = pack (packer, unique->screenshots[i]);
  self->search_text = pack_len (packer, unique->search_text->str, unique->search_text->len);
  self->search_length = unique->search_text->len;
  self->sort_key = pack (packer, unique->sort_key);
}

/* Every string only this app has lives in one allocation. */
static void
store_unique (CpApp  *self,
              Unique *unique)
{
  Packer packer = { NULL, 0 };

  self->screenshots = (const char **) empty_list;
  if (unique->n_screenshots > 0)
    {
      self->screenshots = g_new (const char *, unique->n_screenshots + 1);
      self->screenshots[unique->n_screenshots] = NULL;
    }
  pack_unique (self, &packer, unique);
  self->text = g_malloc (packer.used);
  packer.block = self->text;
  packer.used = 0;
  pack_unique (self, &packer, unique);
}

static gboolean
read_app (CpApp      *self,
          CpAppEntry *entry,
          CpAppPool  *pool,
          GError    **error)
{
  CpAppValue *fields = entry->fields;
  CpAppValue *shots = &fields[CP_APP_FIELD_SCREENSHOTS];
  Unique unique = { NULL, };
  const char *icon_url;

  for (CpAppField field = 0; field < CP_APP_N_FIELDS; field++)
    if (!check_field (entry, field, error))
      return FALSE;

  unique.id = string_of (&fields[CP_APP_FIELD_ID]);
  unique.name = string_of (&fields[CP_APP_FIELD_NAME]);
  if (unique.id == NULL || !is_valid_id (unique.id))
    return invalid_member (error, "id");
  if (unique.name == NULL)
    return invalid_member (error, "name");

  unique.summary = string_of (&fields[CP_APP_FIELD_SUMMARY]);
  unique.description = string_of (&fields[CP_APP_FIELD_DESCRIPTION]);
  icon_url = string_of (&fields[CP_APP_FIELD_ICON_URL]);
  if (is_image_url (icon_url))
    unique.icon_url = icon_url;
  for (guint i = 0; shots->kind == CP_APP_VALUE_STRINGS && i < shots->strings->len; i++)
    if (is_image_url (shots->strings->pdata[i]))
      unique.screenshots[unique.n_screenshots++] = shots->strings->pdata[i];

  self->publisher = pool_intern (pool, string_of (&fields[CP_APP_FIELD_PUBLISHER]));
  self->version = pool_intern (pool, string_of (&fields[CP_APP_FIELD_VERSION]));
  self->license = pool_intern (pool, string_of (&fields[CP_APP_FIELD_LICENSE]));
  self->size = size_of (&fields[CP_APP_FIELD_SIZE]);
  self->categories = intern_list (pool, &fields[CP_APP_FIELD_CATEGORIES]);
  self->keywords = intern_list (pool, &fields[CP_APP_FIELD_KEYWORDS]);
  self->required = fields[CP_APP_FIELD_REQUIRED].kind == CP_APP_VALUE_BOOLEAN &&
                   fields[CP_APP_FIELD_REQUIRED].boolean;
  self->featured = fields[CP_APP_FIELD_FEATURED].kind == CP_APP_VALUE_BOOLEAN &&
                   fields[CP_APP_FIELD_FEATURED].boolean;

  read_install_method (self, entry, pool, &unique);
  prepare_search_and_sort (self, &unique);
  store_unique (self, &unique);
  g_string_free (unique.search_text, TRUE);
  g_free (unique.sort_key);
  return TRUE;
}

static void
cp_app_finalize (GObject *object)
{
  CpApp *self = CP_APP (object);

  g_free (self->text);
  if (self->screenshots != (const char **) empty_list)
    g_free (self->screenshots);
  g_clear_pointer (&self->publisher, g_ref_string_release);
  g_clear_pointer (&self->version, g_ref_string_release);
  g_clear_pointer (&self->license, g_ref_string_release);
  g_clear_pointer (&self->remote_name, g_ref_string_release);
  g_clear_pointer (&self->remote_url, g_ref_string_release);
  release_list (self->categories);
  release_list (self->keywords);
  g_clear_pointer (&self->gpg_key, g_bytes_unref);

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
  self->categories = (char **) empty_list;
  self->keywords = (char **) empty_list;
  self->screenshots = (const char **) empty_list;
}

CpApp *
cp_app_new_from_entry (CpAppEntry  *entry,
                       CpAppPool   *pool,
                       GError     **error)
{
  g_autoptr(CpApp) self = g_object_new (CP_TYPE_APP, NULL);

  if (!read_app (self, entry, pool, error))
    return NULL;
  return g_steal_pointer (&self);
}

CpApp *
cp_app_new_from_json (JsonNode  *node,
                      GError   **error)
{
  CpAppEntry entry;
  CpApp *app;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The app catalog has an entry that is not an object."));
      return NULL;
    }

  cp_app_entry_init (&entry);
  entry_from_object (&entry, json_node_get_object (node));
  app = cp_app_new_from_entry (&entry, NULL, error);
  cp_app_entry_clear (&entry);
  return app;
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
