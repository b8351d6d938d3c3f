/* cp-token-set.c: the tokens of one signed-in account
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cp-error.h"
#include "cp-oidc-private.h"
#include "cp-token-set.h"

/* Bumped when the keyring blob changes shape; older blobs are refused. */
#define KEYRING_VERSION 1
/* A token endpoint that claims more than a year is not to be believed. */
#define MAX_EXPIRES_IN (366 * 24 * 3600)

struct _CpTokenSet
{
  GObject parent_instance;

  char *access_token;
  char *refresh_token;
  char *id_token;
  char *scope;
  gint64 expires_at;

  char *subject;
  char *name;
  char *email;
};

G_DEFINE_FINAL_TYPE (CpTokenSet, cp_token_set, G_TYPE_OBJECT)

static gboolean
read_optional_string (JsonObject  *object,
                      const char  *member,
                      char       **out,
                      GError     **error)
{
  const char *value = NULL;

  if (!cp_oidc_json_get_string (object, member, FALSE, &value, error))
    return FALSE;
  *out = g_strdup (value);
  return TRUE;
}

static CpTokenSet *
token_set_new_empty (void)
{
  return g_object_new (CP_TYPE_TOKEN_SET, NULL);
}

static void
cp_token_set_finalize (GObject *object)
{
  CpTokenSet *self = CP_TOKEN_SET (object);

  /* Wipe the secrets before their memory goes back to the allocator. */
  cp_oidc_free_secret (self->access_token);
  cp_oidc_free_secret (self->refresh_token);
  cp_oidc_free_secret (self->id_token);
  g_free (self->scope);
  g_free (self->subject);
  g_free (self->name);
  g_free (self->email);

  G_OBJECT_CLASS (cp_token_set_parent_class)->finalize (object);
}

static void
cp_token_set_class_init (CpTokenSetClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_token_set_finalize;
}

static void
cp_token_set_init (CpTokenSet *self)
{
}

/**
 * cp_token_set_new_from_response:
 * Checks every member RFC 6749 §5.1 defines that we use: access_token and
 * token_type (Bearer) are required, the others optional but typed.
 */
CpTokenSet *
cp_token_set_new_from_response (JsonObject  *response,
                                GError     **error)
{
  g_autoptr(CpTokenSet) self = token_set_new_empty ();
  const char *access_token = NULL;
  const char *token_type = NULL;
  gboolean has_expires_in = FALSE;
  gint64 expires_in = 0;

  g_return_val_if_fail (response != NULL, NULL);

  if (!cp_oidc_json_get_string (response, "access_token", TRUE, &access_token, error) ||
      !cp_oidc_json_get_string (response, "token_type", TRUE, &token_type, error))
    return NULL;

  if (g_ascii_strcasecmp (token_type, "Bearer") != 0)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The identity provider issued a token of an unsupported type"));
      return NULL;
    }

  if (!cp_oidc_json_get_int (response, "expires_in", &has_expires_in, &expires_in, error))
    return NULL;
  if (has_expires_in && (expires_in <= 0 || expires_in > MAX_EXPIRES_IN))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The identity provider sent an invalid token lifetime"));
      return NULL;
    }

  if (!read_optional_string (response, "refresh_token", &self->refresh_token, error) ||
      !read_optional_string (response, "id_token", &self->id_token, error) ||
      !read_optional_string (response, "scope", &self->scope, error))
    return NULL;

  self->access_token = g_strdup (access_token);
  if (has_expires_in)
    self->expires_at = g_get_real_time () / G_USEC_PER_SEC + expires_in;

  return g_steal_pointer (&self);
}

CpTokenSet *
cp_token_set_new_from_keyring (const char  *json,
                               GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(CpTokenSet) self = token_set_new_empty ();
  g_autoptr(GError) local_error = NULL;
  JsonObject *object;
  const char *access_token = NULL;
  gboolean has_member = FALSE;
  gint64 version = 0;

  g_return_val_if_fail (json != NULL, NULL);

  if (!json_parser_load_from_data (parser, json, -1, &local_error) ||
      json_parser_get_root (parser) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The sign-in stored in the keyring is damaged; sign in again"));
      return NULL;
    }
  object = json_node_get_object (json_parser_get_root (parser));

  if (!cp_oidc_json_get_int (object, "version", &has_member, &version, error))
    return NULL;
  if (!has_member || version != KEYRING_VERSION)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The sign-in stored in the keyring is from an unknown version; sign in again"));
      return NULL;
    }

  if (!cp_oidc_json_get_string (object, "access_token", TRUE, &access_token, error) ||
      !read_optional_string (object, "refresh_token", &self->refresh_token, error) ||
      !read_optional_string (object, "id_token", &self->id_token, error) ||
      !read_optional_string (object, "scope", &self->scope, error) ||
      !read_optional_string (object, "subject", &self->subject, error) ||
      !read_optional_string (object, "name", &self->name, error) ||
      !read_optional_string (object, "email", &self->email, error) ||
      !cp_oidc_json_get_int (object, "expires_at", &has_member, &self->expires_at, error))
    return NULL;

  if (self->expires_at < 0)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The sign-in stored in the keyring is damaged; sign in again"));
      return NULL;
    }

  self->access_token = g_strdup (access_token);
  return g_steal_pointer (&self);
}

static void
add_optional (JsonBuilder *builder,
              const char  *member,
              const char  *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, value);
}

char *
cp_token_set_to_keyring (CpTokenSet *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (CP_IS_TOKEN_SET (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, KEYRING_VERSION);
  add_optional (builder, "access_token", self->access_token);
  add_optional (builder, "refresh_token", self->refresh_token);
  add_optional (builder, "id_token", self->id_token);
  add_optional (builder, "scope", self->scope);
  json_builder_set_member_name (builder, "expires_at");
  json_builder_add_int_value (builder, self->expires_at);
  add_optional (builder, "subject", self->subject);
  add_optional (builder, "name", self->name);
  add_optional (builder, "email", self->email);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/**
 * cp_token_set_merge_refresh:
 * A refresh answer always has a new access token; the refresh token (when
 * not rotated), the ID token and the identity carry over from @self.
 */
CpTokenSet *
cp_token_set_merge_refresh (CpTokenSet *self,
                            CpTokenSet *refreshed)
{
  CpTokenSet *merged;
  gboolean new_identity;

  g_return_val_if_fail (CP_IS_TOKEN_SET (self), NULL);
  g_return_val_if_fail (CP_IS_TOKEN_SET (refreshed), NULL);

  merged = token_set_new_empty ();
  merged->access_token = g_strdup (refreshed->access_token);
  merged->expires_at = refreshed->expires_at;
  merged->refresh_token = g_strdup (refreshed->refresh_token ? refreshed->refresh_token
                                                             : self->refresh_token);
  merged->id_token = g_strdup (refreshed->id_token ? refreshed->id_token : self->id_token);
  merged->scope = g_strdup (refreshed->scope ? refreshed->scope : self->scope);

  new_identity = refreshed->subject != NULL;
  merged->subject = g_strdup (new_identity ? refreshed->subject : self->subject);
  merged->name = g_strdup (new_identity ? refreshed->name : self->name);
  merged->email = g_strdup (new_identity ? refreshed->email : self->email);

  return merged;
}

const char *
cp_token_set_get_access_token (CpTokenSet *self)
{
  g_return_val_if_fail (CP_IS_TOKEN_SET (self), NULL);
  return self->access_token;
}

const char *
cp_token_set_get_refresh_token (CpTokenSet *self)
{
  g_return_val_if_fail (CP_IS_TOKEN_SET (self), NULL);
  return self->refresh_token;
}

const char *
cp_token_set_get_id_token (CpTokenSet *self)
{
  g_return_val_if_fail (CP_IS_TOKEN_SET (self), NULL);
  return self->id_token;
}

const char *
cp_token_set_get_scope (CpTokenSet *self)
{
  g_return_val_if_fail (CP_IS_TOKEN_SET (self), NULL);
  return self->scope;
}

gint64
cp_token_set_get_expires_at (CpTokenSet *self)
{
  g_return_val_if_fail (CP_IS_TOKEN_SET (self), 0);
  return self->expires_at;
}

gboolean
cp_token_set_expires_within (CpTokenSet *self,
                             gint64      margin_seconds)
{
  g_return_val_if_fail (CP_IS_TOKEN_SET (self), TRUE);

  /* Without a lifetime we cannot know; the server's 401 will tell. */
  if (self->expires_at == 0)
    return FALSE;

  return g_get_real_time () / G_USEC_PER_SEC + margin_seconds >= self->expires_at;
}

const char *
cp_token_set_get_subject (CpTokenSet *self)
{
  g_return_val_if_fail (CP_IS_TOKEN_SET (self), NULL);
  return self->subject;
}

const char *
cp_token_set_get_name (CpTokenSet *self)
{
  g_return_val_if_fail (CP_IS_TOKEN_SET (self), NULL);
  return self->name;
}

const char *
cp_token_set_get_email (CpTokenSet *self)
{
  g_return_val_if_fail (CP_IS_TOKEN_SET (self), NULL);
  return self->email;
}

void
cp_token_set_set_identity (CpTokenSet *self,
                           const char *subject,
                           const char *name,
                           const char *email)
{
  g_return_if_fail (CP_IS_TOKEN_SET (self));

  g_free (self->subject);
  g_free (self->name);
  g_free (self->email);
  self->subject = g_strdup (subject);
  self->name = g_strdup (name);
  self->email = g_strdup (email);
}
