/* cp-server-devices.c: enrollment, the user's devices and signed check-ins
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-device-facts.h"
#include "cp-error.h"
#include "cp-portal-server.h"
#include "cp-server-compliance.h"
#include "cp-server-devices.h"

#define MAX_JWK_MEMBERS   16
#define MAX_AGENT_VERSION 64

/* The facts the agent sends (cp_device_facts_to_json); nothing else is kept. */
static const char *const fact_names[] = {
  "hostname", "osId", "osName", "osVersion", "osPrettyName", "kernelVersion",
  "architecture", "manufacturer", "model", "serialNumber", "machineIdHash",
};

#define DEVICE_COLUMNS "id, user_id, display_name, facts, ownership, management_state," \
                       " enrollment_state, enrolled_at, last_check_in_at"

/* Shared helpers */

static gboolean
invalid (GError    **error,
         const char *member)
{
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT, _("The request has an invalid “%s”"), member);
  return FALSE;
}

gboolean
cp_server_read_text (JsonObject  *object,
                     const char  *member,
                     gboolean     required,
                     guint        max_len,
                     const char **out,
                     GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  const char *text;

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return required ? invalid (error, member) : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return invalid (error, member);

  text = json_node_get_string (node);
  if (*text == '\0' || g_utf8_strlen (text, -1) > max_len)
    return invalid (error, member);
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return invalid (error, member);

  *out = text;
  return TRUE;
}

gboolean
cp_server_read_report_id (JsonObject  *object,
                          const char **out,
                          GError     **error)
{
  static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-";

  if (!cp_server_read_text (object, "reportId", FALSE, CP_SERVER_REPORT_ID_MAX, out, error))
    return FALSE;
  if (*out != NULL && strspn (*out, allowed) != strlen (*out))
    {
      *out = NULL;
      return invalid (error, "reportId");
    }
  return TRUE;
}

char *
cp_server_format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_seconds);

  return time ? g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

gboolean
cp_server_parse_time (const char *text,
                      gint64     *out)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) time = NULL;
  gsize len = strlen (text);

  /* RFC 3339 needs a zone: "Z" or an offset; a default zone would guess. */
  if (len < 20 || len > 40 || text[10] != 'T' ||
      (text[len - 1] != 'Z' && text[len - 3] != ':'))
    return FALSE;
  time = g_date_time_new_from_iso8601 (text, utc);
  if (time == NULL)
    return FALSE;
  *out = g_date_time_to_unix (time);
  return TRUE;
}

/* The JSON of a stored column; NULL when it is not an object. */
static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) root = cp_server_json_parse (text, -1);

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_object_ref (json_node_get_object (root));
}

/* Loading */

CpJwk *
cp_server_devices_load_key (CpServerDb  *db,
                            const char  *device_id,
                            gboolean    *removed,
                            GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(JsonObject) jwk = NULL;
  int rc;

  stmt = cp_server_db_prepare (db, "SELECT public_jwk, management_state FROM devices WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  cp_server_db_bind_text (stmt, 1, device_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return NULL;
  if (rc != SQLITE_ROW)
    {
      cp_server_db_set_error (db, error);
      return NULL;
    }

  *removed = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), "managed") != 0;
  jwk = parse_object ((const char *) sqlite3_column_text (stmt, 0));
  if (jwk == NULL)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_FAILED, _("A stored device key is damaged"));
      return NULL;
    }
  return cp_jwk_new_from_json (jwk, error);
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  if (value == NULL || *value == '\0')
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_time (JsonBuilder *builder,
          const char  *name,
          gint64       value)
{
  g_autofree char *text = value > 0 ? cp_server_format_time (value) : NULL;

  add_string (builder, name, text);
}

static const char *
fact (JsonObject *facts,
      const char *name)
{
  JsonNode *node = facts ? json_object_get_member (facts, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonNode *
device_from_row (CpServerDb    *db,
                 sqlite3_stmt  *stmt,
                 gint64         now,
                 GError       **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonObject) facts = parse_object ((const char *) sqlite3_column_text (stmt, 3));
  const char *id = (const char *) sqlite3_column_text (stmt, 0);
  const char *management = (const char *) sqlite3_column_text (stmt, 5);
  g_autofree char *state = NULL;
  gint64 deadline = 0;

  if (g_strcmp0 (management, "managed") == 0)
    {
      if (!cp_server_compliance_compute (db, id, now, &state, &deadline, error))
        return NULL;
    }
  else
    state = g_strdup ("unknown");

  json_builder_begin_object (builder);
  add_string (builder, "id", id);
  add_string (builder, "displayName", (const char *) sqlite3_column_text (stmt, 2));
  add_string (builder, "hostname", fact (facts, "hostname"));
  add_string (builder, "operatingSystem", fact (facts, "osName") ? fact (facts, "osName") : "Linux");
  add_string (builder, "osVersion", fact (facts, "osVersion"));
  add_string (builder, "manufacturer", fact (facts, "manufacturer"));
  add_string (builder, "model", fact (facts, "model"));
  add_string (builder, "ownership", (const char *) sqlite3_column_text (stmt, 4));
  add_string (builder, "managementState", management);
  add_string (builder, "enrollmentState", (const char *) sqlite3_column_text (stmt, 6));
  add_string (builder, "complianceState", state);
  add_time (builder, "complianceGraceDeadline", deadline);
  add_time (builder, "enrolledDateTime", sqlite3_column_int64 (stmt, 7));
  add_time (builder, "lastCheckInDateTime", sqlite3_column_int64 (stmt, 8));
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

JsonNode *
cp_server_devices_to_json (CpServerDb  *db,
                           const char  *device_id,
                           gint64       now,
                           GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = cp_server_db_prepare (db, "SELECT " DEVICE_COLUMNS " FROM devices WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  cp_server_db_bind_text (stmt, 1, device_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return device_from_row (db, stmt, now, error);
  if (rc != SQLITE_DONE)
    cp_server_db_set_error (db, error);
  return NULL;
}

gboolean
cp_server_devices_is_owner (CpServerDb  *db,
                            const char  *device_id,
                            const char  *user_id,
                            GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = cp_server_db_prepare (db, "SELECT 1 FROM devices WHERE id = ? AND user_id = ?"
                               " AND management_state = 'managed'", error);
  if (stmt == NULL)
    return FALSE;
  cp_server_db_bind_text (stmt, 1, device_id);
  cp_server_db_bind_text (stmt, 2, user_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    cp_server_db_set_error (db, error);
  return rc == SQLITE_ROW;
}

gboolean
cp_server_devices_remove (CpServerDb  *db,
                          const char  *device_id,
                          gint64       now,
                          GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = cp_server_db_prepare (db, "UPDATE devices SET management_state = 'removed',"
                               " enrollment_state = 'removed', removed_at = ?"
                               " WHERE id = ? AND management_state != 'removed'", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now);
  cp_server_db_bind_text (stmt, 2, device_id);
  if (!cp_server_db_step_done (db, stmt, error))
    return FALSE;
  if (sqlite3_changes (sqlite3_db_handle (stmt)) == 0)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_NOT_FOUND, _("There is no such device"));
      return FALSE;
    }
  return TRUE;
}

/* Responses */

void
cp_server_problem_from_error (CpRequest    *request,
                              const GError *error)
{
  if (error->domain == CP_ERROR && error->code == CP_ERROR_INVALID_INPUT)
    cp_request_problem (request, SOUP_STATUS_BAD_REQUEST, NULL, error->message);
  else if (error->domain == CP_ERROR && error->code == CP_ERROR_NOT_FOUND)
    cp_request_problem (request, SOUP_STATUS_NOT_FOUND, NULL, error->message);
  else if (error->domain == CP_ERROR && error->code == CP_ERROR_CONFLICT)
    cp_request_problem (request, SOUP_STATUS_CONFLICT, NULL, error->message);
  else
    {
      g_message ("Request failed: %s", error->message);
      cp_request_problem (request, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL,
                          _("The server cannot complete the request"));
    }
}

static void
respond_device (CpRequest  *request,
                guint       status,
                const char *device_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) device = cp_server_devices_to_json (request->db, device_id, request->now, &error);

  if (device == NULL && error != NULL)
    cp_server_problem_from_error (request, error);
  else if (device == NULL)
    cp_request_problem (request, SOUP_STATUS_NOT_FOUND, NULL, _("There is no such device"));
  else
    cp_request_json (request, status, device);
}

/* The owner's device of the first path segment, or a 404 (another user's too). */
static gboolean
require_owner (CpRequest *request)
{
  g_autoptr(GError) error = NULL;

  if (cp_server_devices_is_owner (request->db, cp_request_param (request, 0), request->user->id, &error))
    return TRUE;
  if (error != NULL)
    cp_server_problem_from_error (request, error);
  else
    cp_request_problem (request, SOUP_STATUS_NOT_FOUND, NULL, _("There is no such device"));
  return FALSE;
}

/* Enrollment */

/* Only the members cp_device_facts_to_json() sends, each checked. */
static JsonObject *
read_facts (JsonObject  *parent,
            GError     **error)
{
  JsonNode *node = json_object_get_member (parent, "facts");
  g_autoptr(JsonObject) facts = json_object_new ();
  JsonObject *given;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      invalid (error, "facts");
      return NULL;
    }
  given = json_node_get_object (node);
  if (json_object_get_size (given) > 64)
    {
      invalid (error, "facts");
      return NULL;
    }

  for (guint i = 0; i < G_N_ELEMENTS (fact_names); i++)
    {
      const char *value = fact (given, fact_names[i]);

      /* Empty means unknown, as absent does. */
      if (value != NULL && *value == '\0')
        continue;
      if (!cp_server_read_text (given, fact_names[i], FALSE, G_MAXUINT, &value, error))
        return NULL;
      if (value != NULL && strlen (value) > CP_DEVICE_FACTS_MAX_LEN)
        {
          invalid (error, fact_names[i]);
          return NULL;
        }
      if (value != NULL)
        json_object_set_string_member (facts, fact_names[i], value);
    }
  return g_steal_pointer (&facts);
}

static char *
facts_to_text (JsonObject *facts)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, facts);
  return json_to_string (node, FALSE);
}

/* An EC P-256 public key whose kid is its RFC 7638 thumbprint. */
static CpJwk *
read_public_key (JsonObject  *body,
                 char       **out_text,
                 GError     **error)
{
  JsonNode *node = json_object_get_member (body, "publicKey");
  g_autoptr(CpJwk) key = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) public_json = NULL;
  g_autoptr(JsonNode) public_node = NULL;
  g_autofree char *thumbprint = NULL;
  JsonObject *object;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node) ||
      json_object_get_size (json_node_get_object (node)) > MAX_JWK_MEMBERS)
    {
      invalid (error, "publicKey");
      return NULL;
    }
  object = json_node_get_object (node);
  if (g_strcmp0 (fact (object, "kty"), "EC") != 0 ||
      json_object_has_member (object, "d") ||
      (key = cp_jwk_new_from_json (object, &local_error)) == NULL)
    {
      g_debug ("Refused a device key: %s", local_error ? local_error->message : "not a public EC key");
      invalid (error, "publicKey");
      return NULL;
    }

  thumbprint = cp_jwk_thumbprint (key);
  if (g_strcmp0 (cp_jwk_get_kid (key), thumbprint) != 0)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                           _("The device key’s kid must be its RFC 7638 thumbprint"));
      return NULL;
    }

  public_json = cp_jwk_to_public_json (key);
  public_node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (public_node, public_json);
  *out_text = json_to_string (public_node, FALSE);
  return g_steal_pointer (&key);
}

/* The device already enrolled with this key: NULL id when none. */
static gboolean
find_by_key (CpServerDb  *db,
             const char  *thumbprint,
             char       **out_id,
             char       **out_user,
             char       **out_state,
             GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = cp_server_db_prepare (db, "SELECT id, user_id, management_state FROM devices"
                               " WHERE key_thumbprint = ?", error);
  if (stmt == NULL)
    return FALSE;
  cp_server_db_bind_text (stmt, 1, thumbprint);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *out_id = cp_server_db_column_text (stmt, 0);
      *out_user = cp_server_db_column_text (stmt, 1);
      *out_state = cp_server_db_column_text (stmt, 2);
    }
  else if (rc != SQLITE_DONE)
    return cp_server_db_set_error (db, error);
  return TRUE;
}

static gboolean
insert_device (CpRequest   *request,
               const char  *id,
               const char  *name,
               const char  *thumbprint,
               const char  *jwk_text,
               JsonObject  *facts,
               GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *facts_text = facts_to_text (facts);

  stmt = cp_server_db_prepare (request->db, "INSERT INTO devices (id, user_id, display_name,"
                               " key_thumbprint, public_jwk, facts, enrolled_at)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  cp_server_db_bind_text (stmt, 1, id);
  cp_server_db_bind_text (stmt, 2, request->user->id);
  cp_server_db_bind_text (stmt, 3, name);
  cp_server_db_bind_text (stmt, 4, thumbprint);
  cp_server_db_bind_text (stmt, 5, jwk_text);
  cp_server_db_bind_text (stmt, 6, facts_text);
  sqlite3_bind_int64 (stmt, 7, request->now);
  return cp_server_db_step_done (request->db, stmt, error);
}

/* 1..128 characters after trimming, no control characters. */
static char *
read_display_name (JsonObject  *body,
                   gboolean     required,
                   GError     **error)
{
  JsonNode *node = json_object_get_member (body, "displayName");
  g_autofree char *name = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        invalid (error, "displayName");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      invalid (error, "displayName");
      return NULL;
    }

  name = g_strstrip (g_strdup (json_node_get_string (node)));
  if (*name == '\0' || g_utf8_strlen (name, -1) > CP_SERVER_DEVICE_NAME_MAX)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                   _("A device name has 1 to %d characters"), CP_SERVER_DEVICE_NAME_MAX);
      return NULL;
    }
  for (const char *p = name; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        invalid (error, "displayName");
        return NULL;
      }
  return g_steal_pointer (&name);
}

static void
handle_enroll (CpRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) facts = NULL;
  g_autoptr(CpJwk) key = NULL;
  g_autofree char *jwk_text = NULL, *thumbprint = NULL, *name = NULL, *id = NULL;
  g_autofree char *existing = NULL, *owner = NULL, *state = NULL;
  JsonObject *body;

  if (request->body == NULL || !JSON_NODE_HOLDS_OBJECT (request->body))
    {
      cp_request_problem (request, SOUP_STATUS_BAD_REQUEST, NULL, _("The request body must be an object"));
      return;
    }
  body = json_node_get_object (request->body);
  name = read_display_name (body, FALSE, &error);
  if ((name == NULL && error != NULL) ||
      !(facts = read_facts (body, &error)) ||
      !(key = read_public_key (body, &jwk_text, &error)))
    {
      cp_server_problem_from_error (request, error);
      return;
    }

  thumbprint = cp_jwk_thumbprint (key);
  if (!find_by_key (request->db, thumbprint, &existing, &owner, &state, &error))
    {
      cp_server_problem_from_error (request, error);
      return;
    }
  /* Enrolling again (a lost answer, a retry) gives the same device. */
  if (existing != NULL && g_strcmp0 (owner, request->user->id) == 0 && g_strcmp0 (state, "managed") == 0)
    {
      respond_device (request, SOUP_STATUS_OK, existing);
      return;
    }
  if (existing != NULL)
    {
      cp_request_problem (request, SOUP_STATUS_CONFLICT, NULL,
                          _("This device key is already enrolled or was removed; create a new key"));
      return;
    }

  if (name == NULL)
    name = g_strdup (json_object_get_string_member_with_default (facts, "hostname", _("Linux device")));
  if (g_utf8_strlen (name, -1) > CP_SERVER_DEVICE_NAME_MAX)
    name = g_utf8_substring (name, 0, CP_SERVER_DEVICE_NAME_MAX);
  id = g_uuid_string_random ();
  if (!insert_device (request, id, name, thumbprint, jwk_text, facts, &error))
    {
      cp_server_problem_from_error (request, error);
      return;
    }
  g_message ("Enrolled device %s for user %s", id, request->user->id);
  respond_device (request, SOUP_STATUS_CREATED, id);
}

/* The user's devices */

static void
handle_list (CpRequest *request)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) items = json_array_new ();
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  int rc;

  stmt = cp_server_db_prepare (request->db, "SELECT " DEVICE_COLUMNS " FROM devices"
                               " WHERE user_id = ? AND management_state = 'managed'"
                               " ORDER BY enrolled_at, id", &error);
  if (stmt == NULL)
    {
      cp_server_problem_from_error (request, error);
      return;
    }
  cp_server_db_bind_text (stmt, 1, request->user->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonNode *device = device_from_row (request->db, stmt, request->now, &error);

      if (device == NULL)
        {
          cp_server_problem_from_error (request, error);
          return;
        }
      json_array_add_element (items, device);
    }
  if (rc != SQLITE_DONE)
    {
      cp_server_db_set_error (request->db, &error);
      cp_server_problem_from_error (request, error);
      return;
    }

  json_object_set_array_member (root, "items", g_steal_pointer (&items));
  json_node_set_object (node, root);
  cp_request_json (request, SOUP_STATUS_OK, node);
}

static void
handle_get (CpRequest *request)
{
  if (require_owner (request))
    respond_device (request, SOUP_STATUS_OK, cp_request_param (request, 0));
}

static void
handle_rename (CpRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *name = NULL;

  if (!require_owner (request))
    return;
  if (request->body == NULL || !JSON_NODE_HOLDS_OBJECT (request->body))
    {
      cp_request_problem (request, SOUP_STATUS_BAD_REQUEST, NULL, _("The request body must be an object"));
      return;
    }
  if (!(name = read_display_name (json_node_get_object (request->body), TRUE, &error)) ||
      !(stmt = cp_server_db_prepare (request->db, "UPDATE devices SET display_name = ? WHERE id = ?", &error)))
    {
      cp_server_problem_from_error (request, error);
      return;
    }
  cp_server_db_bind_text (stmt, 1, name);
  cp_server_db_bind_text (stmt, 2, cp_request_param (request, 0));
  if (!cp_server_db_step_done (request->db, stmt, &error))
    {
      cp_server_problem_from_error (request, error);
      return;
    }
  respond_device (request, SOUP_STATUS_OK, cp_request_param (request, 0));
}

static void
handle_delete (CpRequest *request)
{
  g_autoptr(GError) error = NULL;

  if (!require_owner (request))
    return;
  if (!cp_server_devices_remove (request->db, cp_request_param (request, 0), request->now, &error))
    {
      cp_server_problem_from_error (request, error);
      return;
    }
  g_message ("Device %s unenrolled by its owner", cp_request_param (request, 0));
  cp_request_no_content (request);
}

/* Check-ins (device-signed) */

static gboolean
store_check_in (CpRequest   *request,
                JsonObject  *facts,
                const char  *agent_version,
                GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *facts_text = facts_to_text (facts);

  stmt = cp_server_db_prepare (request->db, "UPDATE devices SET facts = ?, agent_version = ?,"
                               " last_check_in_at = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  cp_server_db_bind_text (stmt, 1, facts_text);
  cp_server_db_bind_text (stmt, 2, agent_version);
  sqlite3_bind_int64 (stmt, 3, request->now);
  cp_server_db_bind_text (stmt, 4, request->device_id);
  return cp_server_db_step_done (request->db, stmt, error);
}

static void
handle_check_in (CpRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) facts = NULL;
  g_autoptr(JsonNode) device = NULL;
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *policy_etag = NULL;
  const char *agent_version;
  JsonObject *body;

  if (request->body == NULL || !JSON_NODE_HOLDS_OBJECT (request->body))
    {
      cp_request_problem (request, SOUP_STATUS_BAD_REQUEST, NULL, _("The signed body must be an object"));
      return;
    }
  body = json_node_get_object (request->body);
  if (!cp_server_read_text (body, "agentVersion", FALSE, MAX_AGENT_VERSION, &agent_version, &error) ||
      !(facts = read_facts (body, &error)) ||
      !store_check_in (request, facts, agent_version, &error) ||
      !(policy_etag = cp_server_compliance_policy_etag (request->db, &error)) ||
      !(device = cp_server_devices_to_json (request->db, request->device_id, request->now, &error)))
    {
      cp_server_problem_from_error (request, error);
      return;
    }

  json_object_set_member (root, "device", g_steal_pointer (&device));
  json_object_set_string_member (root, "policyEtag", policy_etag);
  json_node_set_object (node, root);
  cp_request_json (request, SOUP_STATUS_OK, node);
}

static const CpRoute routes[] = {
  { "GET", "/v1/devices", CP_ROUTE_USER, handle_list },
  { "POST", "/v1/devices", CP_ROUTE_USER, handle_enroll },
  { "GET", "/v1/devices/{}", CP_ROUTE_USER, handle_get },
  { "PATCH", "/v1/devices/{}", CP_ROUTE_USER, handle_rename },
  { "DELETE", "/v1/devices/{}", CP_ROUTE_USER, handle_delete },
  { "POST", "/v1/devices/{}/check-ins", CP_ROUTE_DEVICE, handle_check_in },
};

void
cp_server_devices_register (CpPortalServer *server)
{
  cp_portal_server_add_routes (server, routes, G_N_ELEMENTS (routes));
}
