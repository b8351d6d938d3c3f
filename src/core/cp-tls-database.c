/* cp-tls-database.c: the system's authorities plus an organisation's CA
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GLib has no way to add anchors to the default database, and a
 * GTlsFileDatabase alone would trust only the organisation's CA (breaking
 * servers with public certificates, such as the identity provider). So a
 * chain is accepted when either database accepts it; every other check
 * (expiry, host name, revocation) is done by both as usual.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "cp-tls-database.h"

struct _CpTlsDatabase
{
  GTlsDatabase  parent_instance;

  GTlsDatabase *system;
  GTlsDatabase *extra;
};

G_DEFINE_FINAL_TYPE (CpTlsDatabase, cp_tls_database, G_TYPE_TLS_DATABASE)

static GTlsCertificateFlags
cp_tls_database_verify_chain (GTlsDatabase             *database,
                              GTlsCertificate          *chain,
                              const char               *purpose,
                              GSocketConnectable       *identity,
                              GTlsInteraction          *interaction,
                              GTlsDatabaseVerifyFlags   flags,
                              GCancellable             *cancellable,
                              GError                  **error)
{
  CpTlsDatabase *self = CP_TLS_DATABASE (database);
  GTlsCertificateFlags system_result;
  GTlsCertificateFlags extra_result;

  system_result = g_tls_database_verify_chain (self->system, chain, purpose, identity,
                                               interaction, flags, cancellable, error);
  if (system_result == 0 || (error != NULL && *error != NULL))
    return system_result;

  extra_result = g_tls_database_verify_chain (self->extra, chain, purpose, identity,
                                              interaction, flags, cancellable, error);
  if (error != NULL && *error != NULL)
    return extra_result;

  /* Report the system's verdict unless the organisation's CA fully vouches for the chain. */
  return extra_result == 0 ? 0 : system_result;
}

static GTlsCertificate *
cp_tls_database_lookup_certificate_issuer (GTlsDatabase             *database,
                                           GTlsCertificate          *certificate,
                                           GTlsInteraction          *interaction,
                                           GTlsDatabaseLookupFlags   flags,
                                           GCancellable             *cancellable,
                                           GError                  **error)
{
  CpTlsDatabase *self = CP_TLS_DATABASE (database);
  GTlsCertificate *issuer;

  issuer = g_tls_database_lookup_certificate_issuer (self->system, certificate, interaction,
                                                     flags, cancellable, NULL);
  if (issuer != NULL)
    return issuer;
  return g_tls_database_lookup_certificate_issuer (self->extra, certificate, interaction,
                                                   flags, cancellable, error);
}

static GList *
cp_tls_database_lookup_certificates_issued_by (GTlsDatabase             *database,
                                               GByteArray               *issuer_raw_dn,
                                               GTlsInteraction          *interaction,
                                               GTlsDatabaseLookupFlags   flags,
                                               GCancellable             *cancellable,
                                               GError                  **error)
{
  CpTlsDatabase *self = CP_TLS_DATABASE (database);
  GList *system_list;
  GList *extra_list;

  system_list = g_tls_database_lookup_certificates_issued_by (self->system, issuer_raw_dn,
                                                              interaction, flags, cancellable, NULL);
  extra_list = g_tls_database_lookup_certificates_issued_by (self->extra, issuer_raw_dn,
                                                             interaction, flags, cancellable, error);
  return g_list_concat (system_list, extra_list);
}

static char *
cp_tls_database_create_certificate_handle (GTlsDatabase    *database,
                                           GTlsCertificate *certificate)
{
  CpTlsDatabase *self = CP_TLS_DATABASE (database);
  char *handle;

  handle = g_tls_database_create_certificate_handle (self->system, certificate);
  if (handle == NULL)
    handle = g_tls_database_create_certificate_handle (self->extra, certificate);
  return handle;
}

static GTlsCertificate *
cp_tls_database_lookup_certificate_for_handle (GTlsDatabase             *database,
                                               const char               *handle,
                                               GTlsInteraction          *interaction,
                                               GTlsDatabaseLookupFlags   flags,
                                               GCancellable             *cancellable,
                                               GError                  **error)
{
  CpTlsDatabase *self = CP_TLS_DATABASE (database);
  GTlsCertificate *certificate;

  certificate = g_tls_database_lookup_certificate_for_handle (self->system, handle, interaction,
                                                              flags, cancellable, NULL);
  if (certificate != NULL)
    return certificate;
  return g_tls_database_lookup_certificate_for_handle (self->extra, handle, interaction,
                                                       flags, cancellable, error);
}

static void
cp_tls_database_finalize (GObject *object)
{
  CpTlsDatabase *self = CP_TLS_DATABASE (object);

  g_clear_object (&self->system);
  g_clear_object (&self->extra);

  G_OBJECT_CLASS (cp_tls_database_parent_class)->finalize (object);
}

static void
cp_tls_database_class_init (CpTlsDatabaseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GTlsDatabaseClass *database_class = G_TLS_DATABASE_CLASS (klass);

  object_class->finalize = cp_tls_database_finalize;
  database_class->verify_chain = cp_tls_database_verify_chain;
  database_class->lookup_certificate_issuer = cp_tls_database_lookup_certificate_issuer;
  database_class->lookup_certificates_issued_by = cp_tls_database_lookup_certificates_issued_by;
  database_class->create_certificate_handle = cp_tls_database_create_certificate_handle;
  database_class->lookup_certificate_for_handle = cp_tls_database_lookup_certificate_for_handle;
}

static void
cp_tls_database_init (CpTlsDatabase *self)
{
}

GTlsDatabase *
cp_tls_database_new (const char  *ca_file,
                     GError     **error)
{
  g_autoptr(CpTlsDatabase) self = NULL;
  g_autoptr(GTlsDatabase) extra = NULL;
  GTlsDatabase *system;

  g_return_val_if_fail (ca_file != NULL, NULL);

  if (!g_path_is_absolute (ca_file))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an absolute path"), ca_file);
      return NULL;
    }

  extra = g_tls_file_database_new (ca_file, error);
  if (extra == NULL)
    return NULL;

  system = g_tls_backend_get_default_database (g_tls_backend_get_default ());
  if (system == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("This system has no TLS support"));
      return NULL;
    }

  self = g_object_new (CP_TYPE_TLS_DATABASE, NULL);
  self->system = system;
  self->extra = g_steal_pointer (&extra);
  return G_TLS_DATABASE (g_steal_pointer (&self));
}

char *
cp_tls_get_organisation_ca_file (void)
{
  const char *env = g_getenv ("COMPANY_PORTAL_TLS_CA_FILE");
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  char *ca_file;

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);

  /* The agent may run where the window (and so its schema) is not installed. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "tls-ca-file"))
    return NULL;

  settings = g_settings_new_full (schema, NULL, NULL);
  ca_file = g_settings_get_string (settings, "tls-ca-file");
  if (ca_file[0] == '\0')
    g_clear_pointer (&ca_file, g_free);

  return ca_file;
}

SoupSession *
cp_soup_session_new (const char  *user_agent,
                     guint        timeout_seconds,
                     GError     **ca_error)
{
  g_autofree char *ca_file = cp_tls_get_organisation_ca_file ();
  g_autoptr(GTlsDatabase) database = NULL;
  SoupSession *session;

  session = soup_session_new_with_options ("user-agent", user_agent,
                                           "timeout", timeout_seconds,
                                           NULL);
  if (ca_file == NULL)
    return session;

  database = cp_tls_database_new (ca_file, ca_error);
  if (database != NULL)
    soup_session_set_tls_database (session, database);
  else
    g_debug ("Organisation CA file not used");

  return session;
}
