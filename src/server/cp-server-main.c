/* cp-server-main.c: company-portal-server, the reference Portal API server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib-unix.h>
#include <glib/gi18n-lib.h>

#include "cp-error.h"
#include "cp-portal-server.h"
#include "cp-server-admin.h"
#include "cp-server-catalog.h"
#include "cp-server-db.h"
#include "cp-server-seed.h"
#include "cp-token-validator.h"

#define DEFAULT_LISTEN    "127.0.0.1:8443"
#define DEFAULT_AUDIENCE  "urn:company-portal:api"
#define DEFAULT_CLIENT_ID "company-portal"
#define DEFAULT_PORT      8443

typedef struct
{
  char *listen;
  char *tls_cert;
  char *tls_key;
  char *issuer;
  char *audience;
  char *client_id;
  char *db;
  char *org;
  char *public_url;
  char *catalog;
  gboolean demo;
  int leeway;
  int catalog_size;
} Options;

static void
options_clear (Options *options)
{
  g_free (options->listen);
  g_free (options->tls_cert);
  g_free (options->tls_key);
  g_free (options->issuer);
  g_free (options->audience);
  g_free (options->client_id);
  g_free (options->db);
  g_free (options->org);
  g_free (options->public_url);
  g_free (options->catalog);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

static gboolean
parse_options (Options   *options,
               int       *argc,
               char    ***argv,
               GError   **error)
{
  g_autoptr(GOptionContext) context = NULL;
  const GOptionEntry entries[] = {
    { "listen", 0, 0, G_OPTION_ARG_STRING, &options->listen,
      N_("Address and port to listen on (default " DEFAULT_LISTEN "; port 0 picks a free one)"), N_("ADDR:PORT") },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &options->tls_cert,
      N_("PEM certificate (chain) for HTTPS"), N_("FILE") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &options->tls_key,
      N_("PEM private key for HTTPS"), N_("FILE") },
    { "issuer", 0, 0, G_OPTION_ARG_STRING, &options->issuer,
      N_("OpenID Connect issuer whose access tokens are accepted"), N_("URL") },
    { "audience", 0, 0, G_OPTION_ARG_STRING, &options->audience,
      N_("Audience the access tokens must carry (default " DEFAULT_AUDIENCE ")"), N_("STR") },
    { "client-id", 0, 0, G_OPTION_ARG_STRING, &options->client_id,
      N_("Client ID advertised to the app (default " DEFAULT_CLIENT_ID ")"), N_("ID") },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &options->db,
      N_("SQLite database (default in the user data folder)"), N_("FILE") },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &options->demo,
      N_("Seed the demo organisation"), NULL },
    { "org", 0, 0, G_OPTION_ARG_FILENAME, &options->org,
      N_("Seed the organisation from this file"), N_("FILE") },
    { "public-url", 0, 0, G_OPTION_ARG_STRING, &options->public_url,
      N_("URL clients reach this server at (behind a proxy)"), N_("URL") },
    { "catalog", 0, 0, G_OPTION_ARG_FILENAME, &options->catalog,
      N_("Seed the app catalog from this file (default with --demo: the demo catalog)"), N_("FILE") },
    { "catalog-size", 0, 0, G_OPTION_ARG_INT, &options->catalog_size,
      N_("Add this many generated apps to the catalog (for benchmarks)"), N_("N") },
    { "leeway", 0, 0, G_OPTION_ARG_INT, &options->leeway,
      N_("Clock skew allowed on token times, in seconds (default 30)"), N_("SECONDS") },
    { NULL }
  };

  options->leeway = -1;
  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("The reference Portal API server of Company Portal."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;

  if (options->issuer == NULL)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                           _("--issuer is required"));
      return FALSE;
    }
  if ((options->tls_cert == NULL) != (options->tls_key == NULL))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                           _("--tls-cert and --tls-key go together"));
      return FALSE;
    }
  if (options->catalog_size < 0 || options->catalog_size > 1000000)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                           _("--catalog-size must be between 0 and 1000000"));
      return FALSE;
    }
  if (options->leeway > 600)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                           _("--leeway must be between 0 and 600"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_loopback_host (const char *host)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

  if (g_strcmp0 (host, "localhost") == 0)
    return TRUE;
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static gboolean
check_web_url (const char  *text,
               const char  *option,
               GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  const char *scheme = uri ? g_uri_get_scheme (uri) : NULL;

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0) ||
      g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                   _("%s must be an http(s) URL without query or fragment"), option);
      return FALSE;
    }

  /* Tokens and keys travel over it: plain http only on this machine. */
  if (g_strcmp0 (scheme, "http") == 0 && !is_loopback_host (g_uri_get_host (uri)))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                   _("%s must use https unless it is on loopback"), option);
      return FALSE;
    }
  return TRUE;
}

static GSocketAddress *
parse_listen_address (const char  *text,
                      gboolean     https,
                      GError     **error)
{
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GInetAddress) address = NULL;
  const char *host;
  guint16 port;

  connectable = g_network_address_parse (text, DEFAULT_PORT, NULL);
  if (connectable == NULL)
    goto invalid;

  host = g_network_address_get_hostname (G_NETWORK_ADDRESS (connectable));
  port = g_network_address_get_port (G_NETWORK_ADDRESS (connectable));
  if (g_strcmp0 (host, "localhost") == 0)
    address = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    address = g_inet_address_new_from_string (host);
  if (address == NULL)
    goto invalid;

  if (!https && !g_inet_address_get_is_loopback (address))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                           _("Without --tls-cert and --tls-key the server only listens on loopback"));
      return NULL;
    }

  return g_inet_socket_address_new (address, port);

invalid:
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
               _("“%s” is not an IP address and port"), text);
  return NULL;
}

static char *
default_db_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "company-portal", "server.db", NULL);
}

static CpServerDb *
open_database (const Options  *options,
               GError        **error)
{
  g_autofree char *path = options->db ? g_strdup (options->db) : default_db_path ();
  g_autoptr(CpServerDb) db = cp_server_db_open (path, error);
  g_autoptr(GFile) org_file = NULL;
  g_autoptr(GFile) catalog_file = NULL;

  if (db == NULL)
    return NULL;

  if (options->org != NULL)
    org_file = g_file_new_for_commandline_arg (options->org);
  else if (options->demo)
    org_file = cp_server_seed_demo_file ();

  if (org_file != NULL && !cp_server_seed_organization (db, org_file, error))
    return NULL;

  /* Like the organisation: seeding replaces the stored catalog. */
  if (options->catalog != NULL)
    catalog_file = g_file_new_for_commandline_arg (options->catalog);
  else if (options->demo)
    catalog_file = cp_server_catalog_demo_file ();
  if ((catalog_file != NULL || options->catalog_size > 0) &&
      !cp_server_catalog_seed (db, catalog_file, options->catalog_size, error))
    return NULL;

  g_message ("Using the database %s (schema %d)", path, cp_server_db_get_schema_version (db));
  return g_steal_pointer (&db);
}

static CpPortalServer *
create_server (const Options  *options,
               CpServerDb     *db,
               GError        **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(CpTokenValidator) validator = NULL;

  if (options->tls_cert != NULL)
    {
      certificate = g_tls_certificate_new_from_files (options->tls_cert, options->tls_key, error);
      if (certificate == NULL)
        return NULL;
    }

  session = soup_session_new_with_options ("timeout", 15,
                                           "user-agent", "company-portal-server/" PACKAGE_VERSION,
                                           NULL);
  validator = cp_token_validator_new (session, options->issuer,
                                      options->audience ? options->audience : DEFAULT_AUDIENCE);
  if (options->leeway >= 0)
    cp_token_validator_set_leeway (validator, options->leeway);

  return cp_portal_server_new (db, validator,
                               options->client_id ? options->client_id : DEFAULT_CLIENT_ID,
                               options->public_url, certificate);
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static int
run (int    argc,
     char **argv)
{
  g_auto(Options) options = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CpServerDb) db = NULL;
  g_autoptr(CpServerOrg) org = NULL;
  g_autoptr(CpPortalServer) server = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *url = NULL;
  guint sigint_id, sigterm_id;

  if (!parse_options (&options, &argc, &argv, &error) ||
      !check_web_url (options.issuer, "--issuer", &error) ||
      (options.public_url && !check_web_url (options.public_url, "--public-url", &error)) ||
      !(address = parse_listen_address (options.listen ? options.listen : DEFAULT_LISTEN,
                                        options.tls_cert != NULL, &error)) ||
      !(db = open_database (&options, &error)))
    goto fail;

  org = cp_server_db_load_organization (db, &error);
  if (org == NULL)
    {
      if (error == NULL)
        g_set_error_literal (&error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                             _("No organisation is configured: start once with --demo or --org FILE"));
      goto fail;
    }

  if (!(server = create_server (&options, db, &error)) ||
      !cp_portal_server_listen (server, address, &error))
    goto fail;

  url = cp_portal_server_get_url (server);
  /* Scripts and tests wait for this line to learn the (maybe ephemeral) URL. */
  printf ("READY %s\n", url);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  sigint_id = g_unix_signal_add (SIGINT, quit_cb, loop);
  sigterm_id = g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  g_message ("Shutting down");
  return EXIT_SUCCESS;

fail:
  g_printerr ("company-portal-server: %s\n", error->message);
  return EXIT_FAILURE;
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  if (argc > 1 && g_strcmp0 (argv[1], "admin") == 0)
    return cp_server_admin_run (argc - 1, argv + 1);
  return run (argc, argv);
}
