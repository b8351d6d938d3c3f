/* cp-enrollment-store.c: which servers this device is enrolled with
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "cp-enrollment-store.h"
#include "cp-error.h"

#define FORMAT_VERSION    1
#define MAX_ENROLLMENTS   64
#define MAX_STRING_LEN    2048
#define MAX_FILE_SIZE     (256 * 1024)

struct _CpEnrollmentStore
{
  GObject     parent_instance;

  char       *path;
  GHashTable *enrollments;  /* server → CpEnrollment */
};

G_DEFINE_FINAL_TYPE (CpEnrollmentStore, cp_enrollment_store, G_TYPE_OBJECT)

static const char * const state_names[] = {
  "notEnrolled", "enrolling", "enrolled", "removed",
};

const char *
cp_enrollment_state_to_string (CpEnrollmentState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (state_names), NULL);
  return state_names[state];
}

static gboolean
state_from_string (const char        *text,
                   CpEnrollmentState *state)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_names); i++)
    if (g_strcmp0 (text, state_names[i]) == 0)
      {
        *state = i;
        return TRUE;
      }
  return FALSE;
}

void
cp_enrollment_free (CpEnrollment *enrollment)
{
  if (enrollment == NULL)
    return;

  g_free (enrollment->server);
  g_free (enrollment->device_id);
  g_free (enrollment->thumbprint);
  g_free (enrollment->last_error);
  g_free (enrollment);
}

GVariant *
cp_enrollment_to_variant (const CpEnrollment *enrollment,
                          const char         *server)
{
  GVariantBuilder builder;
  CpEnrollmentState state = enrollment ? enrollment->state : CP_ENROLLMENT_NOT_ENROLLED;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "server", g_variant_new_string (server));
  g_variant_builder_add (&builder, "{sv}", "state",
                         g_variant_new_string (cp_enrollment_state_to_string (state)));
  if (enrollment == NULL)
    return g_variant_builder_end (&builder);

  if (enrollment->device_id != NULL)
    g_variant_builder_add (&builder, "{sv}", "device-id", g_variant_new_string (enrollment->device_id));
  if (enrollment->thumbprint != NULL)
    g_variant_builder_add (&builder, "{sv}", "key-thumbprint", g_variant_new_string (enrollment->thumbprint));
  if (enrollment->enrolled_at > 0)
    g_variant_builder_add (&builder, "{sv}", "enrolled-at", g_variant_new_int64 (enrollment->enrolled_at));
  if (enrollment->last_check_in > 0)
    g_variant_builder_add (&builder, "{sv}", "last-check-in", g_variant_new_int64 (enrollment->last_check_in));
  if (enrollment->last_error != NULL)
    g_variant_builder_add (&builder, "{sv}", "last-error", g_variant_new_string (enrollment->last_error));

  return g_variant_builder_end (&builder);
}

JsonObject *
cp_enrollment_to_json (const CpEnrollment *enrollment)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "server", enrollment->server);
  json_object_set_string_member (object, "state", cp_enrollment_state_to_string (enrollment->state));
  if (enrollment->device_id != NULL)
    json_object_set_string_member (object, "deviceId", enrollment->device_id);
  if (enrollment->thumbprint != NULL)
    json_object_set_string_member (object, "keyThumbprint", enrollment->thumbprint);
  if (enrollment->enrolled_at > 0)
    json_object_set_int_member (object, "enrolledAt", enrollment->enrolled_at);
  if (enrollment->last_check_in > 0)
    json_object_set_int_member (object, "lastCheckIn", enrollment->last_check_in);
  if (enrollment->last_error != NULL)
    json_object_set_string_member (object, "lastError", enrollment->last_error);

  return object;
}

/* Reads an optional string member; FALSE if present with the wrong type or size. */
static gboolean
read_string (JsonObject  *object,
             const char  *name,
             char       **out)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
      strlen (json_node_get_string (node)) > MAX_STRING_LEN)
    return FALSE;

  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
read_time (JsonObject *object,
           const char *name,
           gint64     *out)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = 0;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < 0)
    return FALSE;

  *out = json_node_get_int (node);
  return TRUE;
}

static CpEnrollment *
enrollment_from_json (JsonNode *node)
{
  g_autoptr(CpEnrollment) enrollment = g_new0 (CpEnrollment, 1);
  g_autofree char *state = NULL;
  JsonObject *object;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);

  if (!read_string (object, "server", &enrollment->server) || enrollment->server == NULL ||
      !read_string (object, "state", &state) || !state_from_string (state, &enrollment->state) ||
      !read_string (object, "deviceId", &enrollment->device_id) ||
      !read_string (object, "keyThumbprint", &enrollment->thumbprint) ||
      !read_string (object, "lastError", &enrollment->last_error) ||
      !read_time (object, "enrolledAt", &enrollment->enrolled_at) ||
      !read_time (object, "lastCheckIn", &enrollment->last_check_in))
    return NULL;

  if (enrollment->state == CP_ENROLLMENT_ENROLLED && enrollment->device_id == NULL)
    return NULL;

  return g_steal_pointer (&enrollment);
}

static gboolean
parse_document (CpEnrollmentStore  *self,
                const char         *data,
                gsize               len)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonNode *version, *list;
  JsonArray *array;

  if (!json_parser_load_from_data (parser, data, len, NULL) ||
      json_parser_get_root (parser) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return FALSE;

  root = json_node_get_object (json_parser_get_root (parser));
  version = json_object_get_member (root, "version");
  list = json_object_get_member (root, "enrollments");
  if (version == NULL || !JSON_NODE_HOLDS_VALUE (version) ||
      json_node_get_value_type (version) != G_TYPE_INT64 ||
      json_node_get_int (version) != FORMAT_VERSION ||
      list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    return FALSE;

  array = json_node_get_array (list);
  if (json_array_get_length (array) > MAX_ENROLLMENTS)
    return FALSE;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      CpEnrollment *enrollment = enrollment_from_json (json_array_get_element (array, i));

      if (enrollment == NULL)
        return FALSE;
      g_hash_table_replace (self->enrollments, enrollment->server, enrollment);
    }

  return TRUE;
}

static void
cp_enrollment_store_finalize (GObject *object)
{
  CpEnrollmentStore *self = CP_ENROLLMENT_STORE (object);

  g_free (self->path);
  g_hash_table_unref (self->enrollments);

  G_OBJECT_CLASS (cp_enrollment_store_parent_class)->finalize (object);
}

static void
cp_enrollment_store_class_init (CpEnrollmentStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_enrollment_store_finalize;
}

static void
cp_enrollment_store_init (CpEnrollmentStore *self)
{
  self->enrollments = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                             (GDestroyNotify) cp_enrollment_free);
}

char *
cp_enrollment_store_default_path (void)
{
  return g_build_filename (g_get_user_state_dir (), "company-portal", "agent",
                           "enrollments.json", NULL);
}

CpEnrollmentStore *
cp_enrollment_store_new (const char *path)
{
  CpEnrollmentStore *self = g_object_new (CP_TYPE_ENROLLMENT_STORE, NULL);

  self->path = path != NULL ? g_strdup (path) : cp_enrollment_store_default_path ();
  return self;
}

gboolean
cp_enrollment_store_load (CpEnrollmentStore  *self,
                          GError            **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len;

  g_return_val_if_fail (CP_IS_ENROLLMENT_STORE (self), FALSE);

  g_hash_table_remove_all (self->enrollments);

  if (!g_file_get_contents (self->path, &data, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, CP_ERROR, CP_ERROR_FAILED,
                   _("Cannot read the enrollment record: %s"), local_error->message);
      return FALSE;
    }

  if (len > MAX_FILE_SIZE || !parse_document (self, data, len))
    {
      g_hash_table_remove_all (self->enrollments);
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The enrollment record “%s” is damaged"), self->path);
      return FALSE;
    }

  return TRUE;
}

JsonNode *
cp_enrollment_store_to_json (CpEnrollmentStore *self)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_auto(GStrv) servers = cp_enrollment_store_dup_servers (self);
  JsonArray *array = json_array_new ();
  JsonNode *node;

  for (guint i = 0; servers[i] != NULL; i++)
    json_array_add_object_element (array,
                                   cp_enrollment_to_json (g_hash_table_lookup (self->enrollments,
                                                                               servers[i])));

  json_object_set_int_member (root, "version", FORMAT_VERSION);
  json_object_set_array_member (root, "enrollments", array);

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, root);
  return node;
}

gboolean
cp_enrollment_store_save (CpEnrollmentStore  *self,
                          GError            **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (CP_IS_ENROLLMENT_STORE (self), FALSE);

  node = cp_enrollment_store_to_json (self);
  text = json_to_string (node, TRUE);
  dir = g_path_get_dirname (self->path);

  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      !g_file_set_contents_full (self->path, text, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_FAILED,
                   _("Cannot save the enrollment record: %s"),
                   local_error ? local_error->message : g_strerror (errno));
      return FALSE;
    }

  return TRUE;
}

CpEnrollment *
cp_enrollment_store_lookup (CpEnrollmentStore *self,
                            const char        *server)
{
  g_return_val_if_fail (CP_IS_ENROLLMENT_STORE (self), NULL);
  return g_hash_table_lookup (self->enrollments, server);
}

CpEnrollment *
cp_enrollment_store_ensure (CpEnrollmentStore *self,
                            const char        *server)
{
  CpEnrollment *enrollment = cp_enrollment_store_lookup (self, server);

  if (enrollment == NULL)
    {
      enrollment = g_new0 (CpEnrollment, 1);
      enrollment->server = g_strdup (server);
      g_hash_table_replace (self->enrollments, enrollment->server, enrollment);
    }

  return enrollment;
}

void
cp_enrollment_store_remove (CpEnrollmentStore *self,
                            const char        *server)
{
  g_return_if_fail (CP_IS_ENROLLMENT_STORE (self));
  g_hash_table_remove (self->enrollments, server);
}

static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

GStrv
cp_enrollment_store_dup_servers (CpEnrollmentStore *self)
{
  g_autofree const char **keys = NULL;
  GStrv servers;

  keys = (const char **) g_hash_table_get_keys_as_array (self->enrollments, NULL);
  servers = g_strdupv ((char **) keys);
  qsort (servers, g_strv_length (servers), sizeof (char *), compare_strings);
  return servers;
}
