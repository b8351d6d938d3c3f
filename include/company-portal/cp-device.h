/* cp-device.h: one of the user's devices, from the device JSON of the Portal API
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  CP_DEVICE_ENROLLMENT_ENROLLED,
  CP_DEVICE_ENROLLMENT_PENDING,
  CP_DEVICE_ENROLLMENT_FAILED,
  CP_DEVICE_ENROLLMENT_REMOVED,
} CpDeviceEnrollment;

typedef enum
{
  CP_DEVICE_MANAGEMENT_MANAGED,
  CP_DEVICE_MANAGEMENT_RETIRE_PENDING,
  CP_DEVICE_MANAGEMENT_REMOVED,
} CpDeviceManagement;

typedef enum
{
  CP_DEVICE_OWNERSHIP_COMPANY,
  CP_DEVICE_OWNERSHIP_PERSONAL,
} CpDeviceOwnership;

#define CP_TYPE_DEVICE (cp_device_get_type ())
G_DECLARE_FINAL_TYPE (CpDevice, cp_device, CP, DEVICE, GObject)

/*
 * Checks every member it reads (types, enum values, RFC 3339 dates, ids of
 * 1-128 characters of [A-Za-z0-9._~-], strings without control characters);
 * NULL with CP_ERROR_INVALID_DATA naming the member otherwise.
 */
CpDevice           *cp_device_new_from_json            (JsonNode   *node,
                                                        GError    **error);
/* {"items":[device...]}; one bad device fails the whole list. A GPtrArray of CpDevice. */
GPtrArray          *cp_device_list_from_json           (JsonNode   *node,
                                                        GError    **error);

const char         *cp_device_get_id                   (CpDevice   *self);
const char         *cp_device_get_display_name         (CpDevice   *self);
const char         *cp_device_get_hostname             (CpDevice   *self); /* nullable */
const char         *cp_device_get_operating_system     (CpDevice   *self);
const char         *cp_device_get_os_version           (CpDevice   *self); /* nullable */
const char         *cp_device_get_manufacturer         (CpDevice   *self); /* nullable */
const char         *cp_device_get_model                (CpDevice   *self); /* nullable */
CpDeviceOwnership   cp_device_get_ownership            (CpDevice   *self);
CpDeviceManagement  cp_device_get_management           (CpDevice   *self);
CpDeviceEnrollment  cp_device_get_enrollment           (CpDevice   *self);
/* "unknown", "compliant", "inGracePeriod", "noncompliant" or "error". */
const char         *cp_device_get_compliance_state     (CpDevice   *self);
GDateTime          *cp_device_get_enrolled_at          (CpDevice   *self);
GDateTime          *cp_device_get_last_check_in        (CpDevice   *self); /* nullable */

/* Operating system and version in one line, e.g. "Debian GNU/Linux 12". */
char               *cp_device_dup_os_label             (CpDevice   *self);

G_END_DECLS
