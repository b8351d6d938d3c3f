/* cp-agent.c: company-portal-agent, the per-user host service
 *
 * Started by D-Bus activation (--gapplication-service) it serves calls and
 * exits after an idle timeout. Started by the systemd user unit (or by hand)
 * it stays and checks in on its schedule.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "cp-agent.h"
#include "cp-agent-compliance.h"
#include "cp-agent-errors.h"
#include "cp-agent-installer.h"
#include "cp-agent-service.h"
#include "cp-compliance-cli.h"
#include "cp-enrollment-store.h"
#include "cp-error.h"

/* Minutes, in the window's schema (io.github.companyportal.CompanyPortal). */
#define SETTINGS_INTERVAL_KEY "check-interval"

struct _CpAgent
{
  GApplication        parent_instance;

  CpAgentInstaller   *installer;
  CpInstallReporter  *reporter;
  CpEnrollmentStore  *store;
  CpAgentService     *service;
  CpComplianceStore  *compliance_store;
  CpAgentCompliance  *compliance;
  gboolean            held;
};

G_DEFINE_FINAL_TYPE (CpAgent, cp_agent, G_TYPE_APPLICATION)

static const GOptionEntry options[] = {
  { "status", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Print the enrollment state and exit"), NULL },
  { "json", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("With --status, --check or --evaluate: print JSON"), NULL },
  { "check", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Evaluate compliance and report it to every organisation, then exit "
       "(0 compliant, 1 not compliant, 2 error)"), NULL },
  { "evaluate", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Evaluate a compliance policy file on this machine without any server, then exit"),
    N_("POLICY.json") },
  { "host-root", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("With --evaluate: read the machine from this directory instead of /"), N_("DIR") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Print the version and exit"), NULL },
  { "allow-root", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Run even as root (containers and tests only: the agent is meant to run as the user)"), NULL },
  { "idle-timeout", 0, 0, G_OPTION_ARG_INT, NULL,
    N_("When D-Bus activated, exit after this many idle seconds (default 60)"), N_("SECONDS") },
  { NULL },
};

/* A positive number of seconds from the environment, or 0. */
static guint
env_seconds (const char *name)
{
  const char *value = g_getenv (name);
  guint64 seconds = 0;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT32 / 1000, &seconds, NULL))
    return 0;
  return (guint) seconds;
}

/* Seconds: CP_AGENT_CHECK_IN_INTERVAL (tests), then the GSettings key if the
 * schema is installed (the agent may be installed without the window), then 8 hours. */
static guint
get_check_in_interval (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GVariant) value = NULL;
  guint seconds = env_seconds ("CP_AGENT_CHECK_IN_INTERVAL");

  if (seconds > 0)
    return seconds;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, SETTINGS_INTERVAL_KEY))
    return CP_AGENT_DEFAULT_CHECK_IN_INTERVAL;

  settings = g_settings_new_full (schema, NULL, NULL);
  value = g_settings_get_value (settings, SETTINGS_INTERVAL_KEY);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32) &&
      g_variant_get_uint32 (value) > 0 && g_variant_get_uint32 (value) <= 7 * 24 * 60)
    seconds = g_variant_get_uint32 (value) * 60;

  return seconds > 0 ? seconds : CP_AGENT_DEFAULT_CHECK_IN_INTERVAL;
}

static int
print_status (CpAgent  *self,
              gboolean  json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_auto(GStrv) servers = NULL;

  if (!cp_enrollment_store_load (self->store, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  if (json)
    {
      node = cp_enrollment_store_to_json (self->store);
      cp_compliance_cli_add_status (node);
      cp_compliance_cli_print_json (node);
      return 0;
    }

  servers = cp_enrollment_store_dup_servers (self->store);
  if (servers[0] == NULL)
    g_print ("%s\n", _("This device is not enrolled."));
  for (guint i = 0; servers[i] != NULL; i++)
    {
      CpEnrollment *enrollment = cp_enrollment_store_lookup (self->store, servers[i]);
      g_autofree char *compliance = cp_compliance_cli_status_line (servers[i]);

      g_print ("%s: %s%s%s\n", servers[i], cp_enrollment_state_to_string (enrollment->state),
               enrollment->device_id ? " " : "", enrollment->device_id ? enrollment->device_id : "");
      if (compliance != NULL)
        g_print ("  %s\n", compliance);
    }
  return 0;
}

static int
cp_agent_handle_local_options (GApplication *app,
                               GVariantDict *dict)
{
  CpAgent *self = CP_AGENT (app);
  g_autofree char *policy = NULL;
  g_autofree char *host_root = NULL;
  gint32 idle = 0;

  if (g_variant_dict_contains (dict, "version"))
    {
      g_print ("company-portal-agent %s\n", PACKAGE_VERSION);
      return 0;
    }

  /* The agent acts for one user with that user's keyring; as root it would
   * act for nobody in particular. */
  if ((getuid () == 0 || geteuid () == 0) && !g_variant_dict_contains (dict, "allow-root"))
    {
      g_printerr ("%s\n", _("company-portal-agent runs as the logged-in user, not as root "
                            "(use --allow-root only in containers and tests)"));
      return 1;
    }

  if (g_variant_dict_contains (dict, "status"))
    return print_status (self, g_variant_dict_contains (dict, "json"));

  if (g_variant_dict_lookup (dict, "evaluate", "^ay", &policy))
    {
      g_variant_dict_lookup (dict, "host-root", "^ay", &host_root);
      return cp_compliance_cli_evaluate (policy, host_root, g_variant_dict_contains (dict, "json"));
    }

  if (g_variant_dict_contains (dict, "check"))
    return cp_compliance_cli_check (self->store, g_variant_dict_contains (dict, "json"));

  if (!g_variant_dict_lookup (dict, "idle-timeout", "i", &idle) || idle <= 0)
    idle = env_seconds ("CP_AGENT_IDLE_TIMEOUT");
  g_application_set_inactivity_timeout (app, (idle > 0 ? idle : CP_AGENT_DEFAULT_IDLE_TIMEOUT) * 1000);

  return -1;
}

/* Like the enrollment record: a damaged file is kept aside, never overwritten. */
static void
load_compliance (CpAgent *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *aside = NULL;

  if (cp_compliance_store_load (self->compliance_store, &error))
    return;

  path = cp_compliance_store_default_path ();
  aside = g_strconcat (path, ".damaged", NULL);
  g_message ("%s; it is kept as %s", error->message, aside);
  if (g_error_matches (error, CP_ERROR, CP_ERROR_INVALID_DATA))
    g_rename (path, aside);
}

static gboolean
cp_agent_dbus_register (GApplication     *app,
                        GDBusConnection  *connection,
                        const char       *object_path,
                        GError          **error)
{
  CpAgent *self = CP_AGENT (app);
  g_autoptr(GError) load_error = NULL;
  const char *root = g_getenv ("CP_AGENT_HOST_ROOT");

  if (!G_APPLICATION_CLASS (cp_agent_parent_class)->dbus_register (app, connection, object_path, error))
    return FALSE;

  /* A damaged record is kept aside for support, never silently overwritten. */
  if (!cp_enrollment_store_load (self->store, &load_error))
    {
      g_autofree char *path = cp_enrollment_store_default_path ();
      g_autofree char *aside = g_strconcat (path, ".damaged", NULL);

      g_message ("%s; it is kept as %s and the agent starts with no enrollment",
                 load_error->message, aside);
      if (g_error_matches (load_error, CP_ERROR, CP_ERROR_INVALID_DATA))
        g_rename (path, aside);
    }

  self->reporter = cp_install_reporter_new (app, self->store, NULL, env_seconds ("CP_AGENT_REPORT_RETRY"));
  self->installer = cp_agent_installer_new (app, self->store, self->reporter);
  if (!cp_agent_installer_export (self->installer, connection, error))
    return FALSE;
  cp_install_reporter_start (self->reporter);

  self->service = cp_agent_service_new (app, self->store, root, get_check_in_interval ());
  if (!cp_agent_service_export (self->service, connection, error))
    return FALSE;

  load_compliance (self);
  self->compliance = cp_agent_compliance_new (app, self->store, self->compliance_store, root);
  if (!cp_agent_compliance_export (self->compliance, connection, error))
    return FALSE;
  g_signal_connect_object (self->service, "check-in-finished",
                           G_CALLBACK (cp_agent_compliance_checked_in), self->compliance,
                           G_CONNECT_SWAPPED);

  cp_agent_service_start_schedule (self->service);
  return TRUE;
}

static void
cp_agent_dbus_unregister (GApplication    *app,
                          GDBusConnection *connection,
                          const char      *object_path)
{
  CpAgent *self = CP_AGENT (app);

  if (self->installer != NULL)
    cp_agent_installer_unexport (self->installer);
  if (self->service != NULL)
    cp_agent_service_unexport (self->service);
  if (self->compliance != NULL)
    cp_agent_compliance_unexport (self->compliance);

  G_APPLICATION_CLASS (cp_agent_parent_class)->dbus_unregister (app, connection, object_path);
}

static void
cp_agent_activate (GApplication *app)
{
  CpAgent *self = CP_AGENT (app);

  /* Not D-Bus activated: a long-running agent (systemd user unit) that keeps
   * its check-in schedule. */
  if (!self->held)
    {
      self->held = TRUE;
      g_application_hold (app);
    }
}

static void
cp_agent_dispose (GObject *object)
{
  CpAgent *self = CP_AGENT (object);

  g_clear_object (&self->compliance);
  g_clear_object (&self->service);
  g_clear_object (&self->compliance_store);
  g_clear_object (&self->store);
  g_clear_object (&self->installer);
  g_clear_object (&self->reporter);

  G_OBJECT_CLASS (cp_agent_parent_class)->dispose (object);
}

static void
cp_agent_class_init (CpAgentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = cp_agent_dispose;
  app_class->handle_local_options = cp_agent_handle_local_options;
  app_class->dbus_register = cp_agent_dbus_register;
  app_class->dbus_unregister = cp_agent_dbus_unregister;
  app_class->activate = cp_agent_activate;
}

static void
cp_agent_init (CpAgent *self)
{
  self->store = cp_enrollment_store_new (NULL);
  self->compliance_store = cp_compliance_store_new (NULL);
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("The Company Portal device agent"));
}

CpAgent *
cp_agent_new (void)
{
  return g_object_new (CP_TYPE_AGENT,
                       "application-id", CP_AGENT_DBUS_NAME,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}
