/* cp-device.c: one of the user's devices, from the device JSON of the Portal API
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "cp-device.h"
#include "cp-error.h"
#include "cp-json-private.h"

#define MAX_ID_LENGTH 128
#define MAX_TEXT_LENGTH 1024

struct _CpDevice
{
  GObject parent_instance;

  char               *id;
  char               *display_name;
  char               *hostname;
  char               *operating_system;
  char               *os_version;
  char               *manufacturer;
  char               *model;
  CpDeviceOwnership   ownership;
  CpDeviceManagement  management;
  CpDeviceEnrollment  enrollment;
  char               *compliance_state;
  GDateTime          *enrolled_at;
  GDateTime          *last_check_in;
};

G_DEFINE_FINAL_TYPE (CpDevice, cp_device, G_TYPE_OBJECT)

static const char * const ownership_names[] = { "company", "personal", NULL };
static const char * const management_names[] = { "managed", "retirePending", "removed", NULL };
static const char * const enrollment_names[] = { "enrolled", "pending", "failed", "removed", NULL };
static const char * const compliance_names[] = { "unknown", "compliant", "inGracePeriod", "noncompliant", "error", NULL };

static void
cp_device_finalize (GObject *object)
{
  CpDevice *self = CP_DEVICE (object);

  g_free (self->id);
  g_free (self->display_name);
  g_free (self->hostname);
  g_free (self->operating_system);
  g_free (self->os_version);
  g_free (self->manufacturer);
  g_free (self->model);
  g_free (self->compliance_state);
  g_clear_pointer (&self->enrolled_at, g_date_time_unref);
  g_clear_pointer (&self->last_check_in, g_date_time_unref);

  G_OBJECT_CLASS (cp_device_parent_class)->finalize (object);
}

static void
cp_device_class_init (CpDeviceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_device_finalize;
}

static void
cp_device_init (CpDevice *self)
{
}

static gboolean
invalid (GError    **error,
         const char *member)
{
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
               _("The server sent a device with an invalid “%s”"), member);
  return FALSE;
}

/* Text for people: valid UTF-8 (json-glib checked), bounded, no control characters. */
static gboolean
check_text (const char  *value,
            const char  *member,
            GError     **error)
{
  if (value == NULL)
    return TRUE;
  if (strlen (value) > MAX_TEXT_LENGTH)
    return invalid (error, member);
  for (const char *p = value; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return invalid (error, member);
  return TRUE;
}

static gboolean
check_id (const char  *value,
          GError     **error)
{
  gsize length = strlen (value);

  if (length == 0 || length > MAX_ID_LENGTH)
    return invalid (error, "id");
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (value[i]) && strchr ("._~-", value[i]) == NULL)
      return invalid (error, "id");
  return TRUE;
}

static gboolean
read_enum (JsonObject         *object,
           const char         *member,
           const char * const *names,
           int                *out_value,
           GError            **error)
{
  const char *value = cp_json_require_string (object, member, error);

  if (value == NULL)
    return FALSE;
  for (int i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], value))
      {
        *out_value = i;
        return TRUE;
      }
  return invalid (error, member);
}

static gboolean
read_date (JsonObject  *object,
           const char  *member,
           gboolean     required,
           GDateTime  **out_value,
           GError     **error)
{
  const char *value = NULL;

  if (required)
    value = cp_json_require_string (object, member, error);
  else if (!cp_json_get_optional_string (object, member, &value, error))
    return FALSE;
  if (required && value == NULL)
    return FALSE;
  if (value == NULL)
    return TRUE;
  /* RFC 3339 always names the offset; without one GLib would assume local time. */
  if (!g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?(Z|[+-]\\d\\d:\\d\\d)$",
                             value, G_REGEX_CASELESS, 0) ||
      (*out_value = g_date_time_new_from_iso8601 (value, NULL)) == NULL)
    return invalid (error, member);
  return TRUE;
}

static gboolean
read_text (JsonObject  *object,
           const char  *member,
           gboolean     required,
           char       **out_value,
           GError     **error)
{
  const char *value = NULL;

  if (required)
    value = cp_json_require_string (object, member, error);
  else if (!cp_json_get_optional_string (object, member, &value, error))
    return FALSE;
  if (required && value == NULL)
    return FALSE;
  if (!check_text (value, member, error))
    return FALSE;
  *out_value = (value != NULL && *value != '\0') ? g_strdup (value) : NULL;
  return TRUE;
}

CpDevice *
cp_device_new_from_json (JsonNode  *node,
                         GError   **error)
{
  g_autoptr(CpDevice) self = NULL;
  JsonObject *object;
  int ownership = 0, management = 0, enrollment = 0, compliance = 0;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (CP_TYPE_DEVICE, NULL);
  if (!(object = cp_json_node_get_object (node, error)) ||
      !read_text (object, "id", TRUE, &self->id, error) ||
      !check_id (self->id, error) ||
      !read_text (object, "displayName", TRUE, &self->display_name, error) ||
      !read_text (object, "hostname", FALSE, &self->hostname, error) ||
      !read_text (object, "operatingSystem", TRUE, &self->operating_system, error) ||
      !read_text (object, "osVersion", FALSE, &self->os_version, error) ||
      !read_text (object, "manufacturer", FALSE, &self->manufacturer, error) ||
      !read_text (object, "model", FALSE, &self->model, error) ||
      !read_enum (object, "ownership", ownership_names, &ownership, error) ||
      !read_enum (object, "managementState", management_names, &management, error) ||
      !read_enum (object, "enrollmentState", enrollment_names, &enrollment, error) ||
      !read_enum (object, "complianceState", compliance_names, &compliance, error) ||
      !read_date (object, "enrolledDateTime", TRUE, &self->enrolled_at, error) ||
      !read_date (object, "lastCheckInDateTime", FALSE, &self->last_check_in, error))
    return NULL;

  self->ownership = ownership;
  self->management = management;
  self->enrollment = enrollment;
  self->compliance_state = g_strdup (compliance_names[compliance]);
  return g_steal_pointer (&self);
}

GPtrArray *
cp_device_list_from_json (JsonNode  *node,
                          GError   **error)
{
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func (g_object_unref);
  JsonObject *object;
  JsonNode *items;
  JsonArray *array;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(object = cp_json_node_get_object (node, error)))
    return NULL;
  items = json_object_get_member (object, "items");
  if (items == NULL || !JSON_NODE_HOLDS_ARRAY (items))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                   _("The server sent a device list without “items”"));
      return NULL;
    }
  array = json_node_get_array (items);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      CpDevice *device = cp_device_new_from_json (json_array_get_element (array, i), error);

      if (device == NULL)
        return NULL;
      g_ptr_array_add (devices, device);
    }
  return g_steal_pointer (&devices);
}

#define GETTER(type, name, field) \
  type cp_device_get_##name (CpDevice *self) \
  { \
    g_return_val_if_fail (CP_IS_DEVICE (self), (type) 0); \
    return self->field; \
  }

GETTER (const char *, id, id)
GETTER (const char *, display_name, display_name)
GETTER (const char *, hostname, hostname)
GETTER (const char *, operating_system, operating_system)
GETTER (const char *, os_version, os_version)
GETTER (const char *, manufacturer, manufacturer)
GETTER (const char *, model, model)
GETTER (CpDeviceOwnership, ownership, ownership)
GETTER (CpDeviceManagement, management, management)
GETTER (CpDeviceEnrollment, enrollment, enrollment)
GETTER (const char *, compliance_state, compliance_state)
GETTER (GDateTime *, enrolled_at, enrolled_at)
GETTER (GDateTime *, last_check_in, last_check_in)

char *
cp_device_dup_os_label (CpDevice *self)
{
  g_return_val_if_fail (CP_IS_DEVICE (self), NULL);

  if (self->os_version == NULL)
    return g_strdup (self->operating_system);
  return g_strdup_printf ("%s %s", self->operating_system, self->os_version);
}
