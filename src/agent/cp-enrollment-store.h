/* cp-enrollment-store.h: which servers this device is enrolled with
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  CP_ENROLLMENT_NOT_ENROLLED,
  CP_ENROLLMENT_ENROLLING,    /* a key is pending in the keyring */
  CP_ENROLLMENT_ENROLLED,
  CP_ENROLLMENT_REMOVED,      /* the server no longer knows the device */
} CpEnrollmentState;

typedef struct
{
  char              *server;
  CpEnrollmentState  state;
  char              *device_id;
  char              *thumbprint;
  gint64             enrolled_at;
  gint64             last_check_in;
  char              *last_error;
} CpEnrollment;

const char *cp_enrollment_state_to_string (CpEnrollmentState state);
void        cp_enrollment_free            (CpEnrollment     *enrollment);
/* The a{sv} of the D-Bus interface; @enrollment may be NULL (not enrolled). */
GVariant   *cp_enrollment_to_variant      (const CpEnrollment *enrollment,
                                           const char         *server);
JsonObject *cp_enrollment_to_json         (const CpEnrollment *enrollment);

#define CP_TYPE_ENROLLMENT_STORE (cp_enrollment_store_get_type ())
G_DECLARE_FINAL_TYPE (CpEnrollmentStore, cp_enrollment_store, CP, ENROLLMENT_STORE, GObject)

/*
 * A small JSON file (mode 0600, replaced atomically) with device ids, servers,
 * key thumbprints and times. Never a key. The default path is
 * $XDG_STATE_HOME/company-portal/agent/enrollments.json.
 */
char              *cp_enrollment_store_default_path (void);
CpEnrollmentStore *cp_enrollment_store_new          (const char         *path);
/* A missing file is an empty store; a damaged one is CP_ERROR_INVALID_DATA. */
gboolean           cp_enrollment_store_load         (CpEnrollmentStore  *self,
                                                     GError            **error);
gboolean           cp_enrollment_store_save         (CpEnrollmentStore  *self,
                                                     GError            **error);
CpEnrollment      *cp_enrollment_store_lookup       (CpEnrollmentStore  *self,
                                                     const char         *server);
/* Returns the existing entry or a new one in CP_ENROLLMENT_NOT_ENROLLED. */
CpEnrollment      *cp_enrollment_store_ensure       (CpEnrollmentStore  *self,
                                                     const char         *server);
void               cp_enrollment_store_remove       (CpEnrollmentStore  *self,
                                                     const char         *server);
/* Servers in a stable order. */
GStrv              cp_enrollment_store_dup_servers  (CpEnrollmentStore  *self);
JsonNode          *cp_enrollment_store_to_json      (CpEnrollmentStore  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpEnrollment, cp_enrollment_free)

G_END_DECLS
