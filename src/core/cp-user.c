/* cp-user.c: the signed-in user, from GET /v1/me
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cp-json-private.h"
#include "cp-user.h"

struct _CpUser
{
  GObject parent_instance;

  char *id;
  char *display_name;
  char *email;
  char *user_principal_name;
};

G_DEFINE_FINAL_TYPE (CpUser, cp_user, G_TYPE_OBJECT)

static void
cp_user_finalize (GObject *object)
{
  CpUser *self = CP_USER (object);

  g_free (self->id);
  g_free (self->display_name);
  g_free (self->email);
  g_free (self->user_principal_name);

  G_OBJECT_CLASS (cp_user_parent_class)->finalize (object);
}

static void
cp_user_class_init (CpUserClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_user_finalize;
}

static void
cp_user_init (CpUser *self)
{
}

CpUser *
cp_user_new_from_json (JsonNode  *node,
                       GError   **error)
{
  g_autoptr(CpUser) self = NULL;
  JsonObject *object;
  const char *id, *display_name, *mail, *upn;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(object = cp_json_node_get_object (node, error)) ||
      !(id = cp_json_require_string (object, "id", error)) ||
      !(display_name = cp_json_require_string (object, "displayName", error)) ||
      !cp_json_get_optional_string (object, "mail", &mail, error) ||
      !cp_json_get_optional_string (object, "userPrincipalName", &upn, error))
    return NULL;

  self = g_object_new (CP_TYPE_USER, NULL);
  self->id = g_strdup (id);
  self->display_name = g_strdup (display_name);
  self->email = (mail && *mail) ? g_strdup (mail) : NULL;
  self->user_principal_name = (upn && *upn) ? g_strdup (upn) : NULL;

  return g_steal_pointer (&self);
}

const char *
cp_user_get_id (CpUser *self)
{
  g_return_val_if_fail (CP_IS_USER (self), NULL);
  return self->id;
}

const char *
cp_user_get_display_name (CpUser *self)
{
  g_return_val_if_fail (CP_IS_USER (self), NULL);
  return self->display_name;
}

const char *
cp_user_get_email (CpUser *self)
{
  g_return_val_if_fail (CP_IS_USER (self), NULL);
  return self->email;
}

const char *
cp_user_get_user_principal_name (CpUser *self)
{
  g_return_val_if_fail (CP_IS_USER (self), NULL);
  return self->user_principal_name;
}
