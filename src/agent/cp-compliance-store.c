/* cp-compliance-store.c: the agent's compliance record, on disk
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "cp-compliance-store.h"
#include "cp-error.h"

#define FORMAT_VERSION 1
/* A cached policy may be 4 MiB, a queue holds 50 reports: stay well above. */
#define MAX_FILE_SIZE  (64 * 1024 * 1024)

struct _CpComplianceStore
{
  GObject     parent_instance;

  char       *path;
  GHashTable *records;   /* server → JsonObject */
};

G_DEFINE_FINAL_TYPE (CpComplianceStore, cp_compliance_store, G_TYPE_OBJECT)

/* Members the window and scripts may see; the rest is the agent's own. */
static const char *const public_members[] = {
  "server", "deviceId", "policyId", "policySource", "evaluatedAt", "localState", "results",
  "error", "report", "complianceState", "complianceGraceDeadline", "stateUpdatedAt",
};

const char *
cp_compliance_record_get_string (JsonObject *record,
                                 const char *member)
{
  JsonNode *node = record ? json_object_get_member (record, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

JsonObject *
cp_compliance_record_get_object (JsonObject *record,
                                 const char *member)
{
  JsonNode *node = record ? json_object_get_member (record, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
cp_compliance_record_get_array (JsonObject *record,
                                const char *member)
{
  JsonNode *node = record ? json_object_get_member (record, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

char *
cp_compliance_format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_seconds);

  return time ? g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

gboolean
cp_compliance_parse_time (const char *text,
                          gint64     *unix_seconds)
{
  g_autoptr(GDateTime) time = NULL;

  /* g_date_time_new_from_iso8601 also takes forms RFC 3339 does not; the 'T'
   * and a zone are what RFC 3339 insists on. */
  if (text == NULL || strlen (text) < 20 || strlen (text) > 64 || text[10] != 'T' ||
      !(time = g_date_time_new_from_iso8601 (text, NULL)))
    return FALSE;
  *unix_seconds = g_date_time_to_unix (time);
  return TRUE;
}

gint64
cp_compliance_record_get_time (JsonObject *record,
                               const char *member)
{
  gint64 value = 0;

  if (!cp_compliance_parse_time (cp_compliance_record_get_string (record, member), &value))
    return 0;
  return value;
}

void
cp_compliance_record_set_time (JsonObject *record,
                               const char *member,
                               gint64      unix_seconds)
{
  g_autofree char *text = unix_seconds > 0 ? cp_compliance_format_time (unix_seconds) : NULL;

  if (text != NULL)
    json_object_set_string_member (record, member, text);
  else
    json_object_remove_member (record, member);
}

JsonArray *
cp_compliance_record_ensure_queue (JsonObject *record)
{
  JsonArray *queue = cp_compliance_record_get_array (record, "queue");

  if (queue == NULL)
    {
      queue = json_array_new ();
      json_object_set_array_member (record, "queue", queue);
    }
  return queue;
}

char *
cp_compliance_store_default_path (void)
{
  return g_build_filename (g_get_user_state_dir (), "company-portal", "agent",
                           "compliance.json", NULL);
}

static gboolean
damaged (GError **error)
{
  g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                       _("The compliance record of the device agent is damaged"));
  return FALSE;
}

/* Queue entries are sent to servers as they are, so each is checked. */
static gboolean
check_queue (JsonObject *record)
{
  JsonArray *queue = cp_compliance_record_get_array (record, "queue");

  if (json_object_has_member (record, "queue") && queue == NULL)
    return FALSE;
  for (guint i = 0; queue != NULL && i < json_array_get_length (queue); i++)
    {
      JsonNode *node = json_array_get_element (queue, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

      if (entry == NULL || cp_compliance_record_get_string (entry, "reportId") == NULL ||
          cp_compliance_record_get_string (entry, "deviceId") == NULL ||
          cp_compliance_record_get_object (entry, "body") == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_records (CpComplianceStore  *self,
               JsonNode           *root,
               GError            **error)
{
  JsonObject *object = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  JsonArray *servers = cp_compliance_record_get_array (object, "servers");

  if (object == NULL || servers == NULL ||
      json_object_get_int_member_with_default (object, "version", 0) != FORMAT_VERSION)
    return damaged (error);

  for (guint i = 0; i < json_array_get_length (servers); i++)
    {
      JsonNode *node = json_array_get_element (servers, i);
      JsonObject *record = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *server = cp_compliance_record_get_string (record, "server");

      if (server == NULL || *server == '\0' || !check_queue (record))
        return damaged (error);
      g_hash_table_insert (self->records, g_strdup (server), json_object_ref (record));
    }
  return TRUE;
}

gboolean
cp_compliance_store_load (CpComplianceStore  *self,
                          GError            **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  GStatBuf st;

  g_return_val_if_fail (CP_IS_COMPLIANCE_STORE (self), FALSE);

  g_hash_table_remove_all (self->records);
  if (g_stat (self->path, &st) != 0 && errno == ENOENT)
    return TRUE;
  if (g_stat (self->path, &st) == 0 && st.st_size > MAX_FILE_SIZE)
    return damaged (error);

  if (!g_file_get_contents (self->path, &contents, &length, &local_error))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_FAILED, _("Cannot read the compliance record: %s"),
                   local_error->message);
      return FALSE;
    }

  if (!json_parser_load_from_data (parser, contents, length, NULL))
    return damaged (error);
  if (!parse_records (self, json_parser_get_root (parser), error))
    {
      g_hash_table_remove_all (self->records);
      return FALSE;
    }
  return TRUE;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

gboolean
cp_compliance_store_save (CpComplianceStore  *self,
                          GError            **error)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(GPtrArray) servers = g_ptr_array_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autofree char *text = NULL;
  JsonArray *array = json_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (CP_IS_COMPLIANCE_STORE (self), FALSE);

  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (servers, key);
  g_ptr_array_sort (servers, compare_strings);
  for (guint i = 0; i < servers->len; i++)
    json_array_add_object_element (array, json_object_ref (g_hash_table_lookup (self->records,
                                                                                servers->pdata[i])));
  json_object_set_int_member (root, "version", FORMAT_VERSION);
  json_object_set_array_member (root, "servers", array);
  json_node_set_object (node, root);
  text = json_to_string (node, FALSE);

  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      !g_file_set_contents_full (self->path, text, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_FAILED, _("Cannot save the compliance record: %s"),
                   local_error ? local_error->message : g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

JsonObject *
cp_compliance_store_lookup (CpComplianceStore *self,
                            const char        *server)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_STORE (self), NULL);

  return g_hash_table_lookup (self->records, server);
}

JsonObject *
cp_compliance_store_ensure (CpComplianceStore *self,
                            const char        *server)
{
  JsonObject *record = cp_compliance_store_lookup (self, server);

  if (record == NULL)
    {
      record = json_object_new ();
      json_object_set_string_member (record, "server", server);
      g_hash_table_insert (self->records, g_strdup (server), record);
    }
  return record;
}

JsonObject *
cp_compliance_store_dup_public (CpComplianceStore *self,
                                const char        *server)
{
  JsonObject *record = cp_compliance_store_lookup (self, server);
  JsonArray *queue = cp_compliance_record_get_array (record, "queue");
  JsonObject *copy = json_object_new ();

  json_object_set_string_member (copy, "server", server);
  for (guint i = 0; record != NULL && i < G_N_ELEMENTS (public_members); i++)
    {
      JsonNode *node = json_object_get_member (record, public_members[i]);

      if (node != NULL)
        json_object_set_member (copy, public_members[i], json_node_copy (node));
    }
  json_object_set_int_member (copy, "queued", queue ? json_array_get_length (queue) : 0);
  return copy;
}

char *
cp_compliance_store_dup_public_json (CpComplianceStore *self,
                                     const char        *server)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, cp_compliance_store_dup_public (self, server));
  return json_to_string (node, FALSE);
}

static void
cp_compliance_store_finalize (GObject *object)
{
  CpComplianceStore *self = CP_COMPLIANCE_STORE (object);

  g_free (self->path);
  g_hash_table_unref (self->records);

  G_OBJECT_CLASS (cp_compliance_store_parent_class)->finalize (object);
}

static void
cp_compliance_store_class_init (CpComplianceStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_compliance_store_finalize;
}

static void
cp_compliance_store_init (CpComplianceStore *self)
{
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) json_object_unref);
}

CpComplianceStore *
cp_compliance_store_new (const char *path)
{
  CpComplianceStore *self = g_object_new (CP_TYPE_COMPLIANCE_STORE, NULL);

  self->path = path ? g_strdup (path) : cp_compliance_store_default_path ();
  return self;
}
