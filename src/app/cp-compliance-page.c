/* cp-compliance-page.c: the Compliance page of the main view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What this device's compliance means for the user, from the host agent
 * (io.github.companyportal.Agent1.Compliance): the overall state in plain
 * words, one row per setting with how to fix it, and Check Again, which asks
 * the agent to evaluate now and follows its Progress signal. The agent also
 * evaluates in the background; ComplianceChanged keeps the page current.
 * The window never evaluates anything itself: the agent runs outside any
 * sandbox and signs what it reports.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cp-agent-dbus.h"
#include "cp-agent-errors.h"
#include "cp-app-util.h"
#include "cp-compliance-page.h"
#include "cp-compliance-row.h"
#include "cp-spinner.h"

#define AGENT_NAME "io.github.companyportal.Agent1"
#define AGENT_PATH "/io/github/companyportal/Agent1"

/* What the button of a status (not enrolled, error, ...) does. */
typedef enum
{
  STATUS_ACTION_RELOAD,
  STATUS_ACTION_CHECK,
  STATUS_ACTION_ENROLL,
} StatusAction;

struct _CpCompliancePage
{
  AdwBin        parent_instance;

  GtkStack     *stack;
  /* The status and the report are built the first time they are shown
   * (ensure_status_page(), ensure_report_page()): NULL until then. */
  AdwStatusPage *status_page;
  GtkButton    *status_button;
  GtkImage     *summary_icon;
  GtkLabel     *summary_label;
  GtkLabel     *detail_label;
  GtkButton    *check_button;
  CpSpinner    *check_spinner;
  GtkLabel     *progress_label;
  GtkListBox   *settings_list;

  CpApiClient  *client;
  GCancellable *cancellable;       /* reload and check, for the current client */
  CpAgentDbusAgent1           *agent;
  CpAgentDbusAgent1Compliance *compliance;
  CpComplianceReport *report;      /* what is shown, or NULL */
  char         *state;
  char         *pending_setting;   /* from the notification, until its row exists */
  char         *status_description; /* the status's words, shown again after a check's progress */
  StatusAction  status_action;
  gboolean      checking;
};

G_DEFINE_FINAL_TYPE (CpCompliancePage, cp_compliance_page, ADW_TYPE_BIN)

enum { SIGNAL_ENROLL_REQUESTED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void check_clicked         (CpCompliancePage *self);
static void status_button_clicked (CpCompliancePage *self);
static void show_checking         (CpCompliancePage *self);

static const char *
server_url (CpCompliancePage *self)
{
  return self->client != NULL ? cp_api_client_get_api_base_url (self->client) : NULL;
}

/* The agent names servers without a trailing slash; the organisation's URL may have one. */
static gboolean
is_our_server (CpCompliancePage *self,
               const char       *url)
{
  const char *ours = server_url (self);
  gsize ours_len, url_len;

  if (ours == NULL || url == NULL)
    return FALSE;
  ours_len = strlen (ours);
  url_len = strlen (url);
  while (ours_len > 0 && ours[ours_len - 1] == '/')
    ours_len--;
  while (url_len > 0 && url[url_len - 1] == '/')
    url_len--;
  return ours_len == url_len && strncmp (ours, url, url_len) == 0;
}

/* Builds one of the stack's pages from its own file, its handlers on the page. */
static GtkBuilder *
build_stack_page (CpCompliancePage *self,
                  const char       *resource,
                  const char       *name,
                  const char       *root_id)
{
  GtkBuilder *builder = cp_builder_new_for_object (resource, self,
                                                   "check_clicked", G_CALLBACK (check_clicked),
                                                   "status_button_clicked", G_CALLBACK (status_button_clicked),
                                                   NULL);
  GtkWidget *root;

  root = GTK_WIDGET (gtk_builder_get_object (builder, root_id));
  cp_widget_fix_mnemonic_names (root);
  gtk_stack_add_named (self->stack, root, name);
  return builder;
}

static void
ensure_status_page (CpCompliancePage *self)
{
  g_autoptr(GtkBuilder) builder = NULL;

  if (self->status_page != NULL)
    return;
  builder = build_stack_page (self, "/io/github/companyportal/CompanyPortal/cp-compliance-status.ui",
                              "status", "status_page");
  self->status_page = ADW_STATUS_PAGE (gtk_builder_get_object (builder, "status_page"));
  self->status_button = GTK_BUTTON (gtk_builder_get_object (builder, "status_button"));
  show_checking (self);
}

static void
ensure_report_page (CpCompliancePage *self)
{
  g_autoptr(GtkBuilder) builder = NULL;

  if (self->settings_list != NULL)
    return;
  builder = build_stack_page (self, "/io/github/companyportal/CompanyPortal/cp-compliance-report.ui",
                              "report", "scrolled");
#define GET(name) ((gpointer) gtk_builder_get_object (builder, #name))
  self->summary_icon = GET (summary_icon);
  self->summary_label = GET (summary_label);
  self->detail_label = GET (detail_label);
  self->check_button = GET (check_button);
  self->check_spinner = GET (check_spinner);
  self->progress_label = GET (progress_label);
  self->settings_list = GET (settings_list);
#undef GET
  show_checking (self);
}

static void
set_state (CpCompliancePage *self,
           const char       *state)
{
  /* Check Now on the status page leads to the report: the focus follows to
   * its Check Again rather than vanishing with the page. */
  gboolean move_focus = g_str_equal (state, "report") && self->status_button != NULL &&
                        gtk_widget_has_focus (GTK_WIDGET (self->status_button));

  g_free (self->state);
  self->state = g_strdup (state);
  gtk_stack_set_visible_child_name (self->stack, g_str_equal (state, "loading") ? "loading" :
                                                 g_str_equal (state, "report") ? "report" : "status");
  cp_spinner_set_spinning (CP_SPINNER (gtk_stack_get_child_by_name (self->stack, "loading")),
                           g_str_equal (state, "loading"));
  if (move_focus)
    gtk_widget_grab_focus (GTK_WIDGET (self->check_button));
  if (!g_str_equal (state, "loading"))
    cp_bench_milestone ("compliance-state");
}

/* A check's progress (NULL: none) next to Check Again, or instead of the
 * status's words when the check started from a status (Check Now). */
static void
show_progress (CpCompliancePage *self,
               const char       *text)
{
  gboolean on_status = self->state != NULL && !g_str_equal (self->state, "report") &&
                       !g_str_equal (self->state, "loading");

  if (self->progress_label != NULL)
    gtk_label_set_label (self->progress_label, text != NULL ? text : "");
  if (self->status_page != NULL && on_status)
    adw_status_page_set_description (self->status_page, text != NULL ? text : self->status_description);
}

static void
show_status (CpCompliancePage *self,
             const char       *state,
             const char       *icon,
             const char       *title,
             const char       *description,
             StatusAction      action,
             const char       *button)
{
  ensure_status_page (self);
  self->status_action = action;
  cp_status_page_set_icon_when_shown (self->status_page, icon);
  adw_status_page_set_title (self->status_page, title);
  g_free (self->status_description);
  self->status_description = g_strdup (description);
  adw_status_page_set_description (self->status_page, description);
  gtk_widget_set_visible (GTK_WIDGET (self->status_button), button != NULL);
  if (button != NULL)
    gtk_button_set_label (self->status_button, button);
  set_state (self, state);
}

/* Words */

static char *
format_age (GDateTime *then)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  GTimeSpan span = g_date_time_difference (now, then);
  gint64 minutes = MAX (span, 0) / G_TIME_SPAN_MINUTE;

  if (minutes < 1)
    return g_strdup (_("Last checked just now."));
  if (minutes < 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Last checked %d minute ago.",
                                         "Last checked %d minutes ago.", minutes), (int) minutes);
  if (minutes < 48 * 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Last checked %d hour ago.",
                                         "Last checked %d hours ago.", minutes / 60), (int) (minutes / 60));
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Last checked %d day ago.",
                                       "Last checked %d days ago.", minutes / (24 * 60)),
                          (int) (minutes / (24 * 60)));
}

/* The deadline in the user's time zone and locale's date format. */
static char *
format_deadline (GDateTime *deadline)
{
  g_autoptr(GDateTime) local = g_date_time_to_local (deadline);

  return g_date_time_format (local, "%x");
}

static char *
summary_text (CpComplianceReport *report)
{
  guint issues = cp_compliance_report_count_issues (report);
  GDateTime *deadline = cp_compliance_report_get_grace_deadline (report);

  switch (cp_compliance_report_get_access (report))
    {
    case CP_COMPLIANCE_ACCESS_ALLOWED:
      return g_strdup (_("You have access."));
    case CP_COMPLIANCE_ACCESS_AT_RISK:
      if (deadline != NULL && issues > 0)
        {
          g_autofree char *date = format_deadline (deadline);
          /* Translators: the date is the deadline, e.g. "12/03/2027" in the user's format */
          return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "You have access. Fix %u issue before %s to keep it.",
                                               "You have access. Fix %u issues before %s to keep it.", issues),
                                  issues, date);
        }
      return g_strdup (_("You have access for now. Fix the issues below to keep it."));
    case CP_COMPLIANCE_ACCESS_BLOCKED:
      return g_strdup (_("Your device does not meet your organisation’s requirements: access to company resources is blocked."));
    case CP_COMPLIANCE_ACCESS_NOT_MET:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Your device does not meet %u of your organisation’s requirements. Fix it to keep access to company resources.",
                                           "Your device does not meet %u of your organisation’s requirements. Fix them to keep access to company resources.", issues),
                              issues);
    case CP_COMPLIANCE_ACCESS_ERROR:
      return g_strdup (_("This device could not be checked."));
    case CP_COMPLIANCE_ACCESS_UNKNOWN:
    default:
      return g_strdup (_("Whether you have access is not known yet."));
    }
}

static const char *
summary_icon (CpComplianceAccess access)
{
  switch (access)
    {
    case CP_COMPLIANCE_ACCESS_ALLOWED:
      return "security-high-symbolic";
    case CP_COMPLIANCE_ACCESS_AT_RISK:
    case CP_COMPLIANCE_ACCESS_NOT_MET:
      return "security-medium-symbolic";
    default:
      return "security-low-symbolic";
    }
}

static const char *
summary_css_class (CpComplianceAccess access)
{
  switch (access)
    {
    case CP_COMPLIANCE_ACCESS_ALLOWED:
      return "success";
    case CP_COMPLIANCE_ACCESS_AT_RISK:
    case CP_COMPLIANCE_ACCESS_NOT_MET:
      return "warning";
    case CP_COMPLIANCE_ACCESS_BLOCKED:
    case CP_COMPLIANCE_ACCESS_ERROR:
      return "error";
    case CP_COMPLIANCE_ACCESS_UNKNOWN:
    default:
      return "dim-label";
    }
}

static char *
detail_text (CpComplianceReport *report)
{
  GString *text = g_string_new (NULL);
  GDateTime *evaluated = cp_compliance_report_get_evaluated_at (report);

  if (cp_compliance_report_get_error (report) != NULL)
    {
      /* Translators: %s is why the last check failed */
      g_string_append_printf (text, _("The last check failed: %s"), cp_compliance_report_get_error (report));
      g_string_append_c (text, ' ');
    }
  if (evaluated != NULL)
    {
      g_autofree char *age = format_age (evaluated);
      g_string_append (text, age);
    }
  if (cp_compliance_report_is_policy_cached (report) || cp_compliance_report_is_report_queued (report))
    {
      g_string_append_c (text, ' ');
      g_string_append (text, _("Your organisation’s server could not be reached: these are the results found on this device, and the server has not seen them yet."));
    }
  return g_string_free (text, FALSE);
}

/* Rows */

static void
focus_pending_setting (CpCompliancePage *self)
{
  GtkWidget *child;

  if (self->pending_setting == NULL || self->report == NULL || self->settings_list == NULL)
    return;
  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->settings_list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      CpComplianceResult *result;

      if (!CP_IS_COMPLIANCE_ROW (child))
        continue;
      result = cp_compliance_row_get_result (CP_COMPLIANCE_ROW (child));
      if (g_strcmp0 (cp_compliance_result_get_setting_id (result), self->pending_setting) != 0)
        continue;
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (child), TRUE);
      gtk_widget_grab_focus (child);
      break;
    }
  g_clear_pointer (&self->pending_setting, g_free);
}

/* What needs the user first; the sort is stable, so the policy's order stays within a group. */
static int
state_rank (CpComplianceResult *result)
{
  switch (cp_compliance_result_get_state (result))
    {
    case CP_COMPLIANCE_STATE_NONCOMPLIANT:
    case CP_COMPLIANCE_STATE_ERROR:
    case CP_COMPLIANCE_STATE_UNKNOWN:
      return 0;
    case CP_COMPLIANCE_STATE_COMPLIANT:
      return 1;
    case CP_COMPLIANCE_STATE_NOT_APPLICABLE:
    default:
      return 2;
    }
}

static int
compare_results (gconstpointer a,
                 gconstpointer b)
{
  return state_rank (*(CpComplianceResult **) a) - state_rank (*(CpComplianceResult **) b);
}

static gpointer
ref_result (gconstpointer result,
            gpointer      user_data)
{
  return g_object_ref ((gpointer) result);
}

static void
fill_rows (CpCompliancePage *self)
{
  g_autoptr(GPtrArray) results = g_ptr_array_copy (cp_compliance_report_get_results (self->report),
                                                   ref_result, NULL);
  GtkWidget *child;

  g_ptr_array_set_free_func (results, g_object_unref);
  g_ptr_array_sort (results, compare_results);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->settings_list))) != NULL)
    gtk_list_box_remove (self->settings_list, child);
  for (guint i = 0; i < results->len; i++)
    {
      CpComplianceResult *result = g_ptr_array_index (results, i);
      CpComplianceState state = cp_compliance_result_get_state (result);
      CpComplianceRow *row = cp_compliance_row_new (result);

      /* Issues open, so what to fix is in view without a click. */
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row),
                                     state == CP_COMPLIANCE_STATE_NONCOMPLIANT && results->len <= 3);
      gtk_list_box_append (self->settings_list, GTK_WIDGET (row));
    }
}

static void
show_report (CpCompliancePage   *self,
             CpComplianceReport *report)
{
  CpComplianceAccess access = cp_compliance_report_get_access (report);
  g_autofree char *summary = NULL;
  g_autofree char *detail = NULL;
  const char *css_classes[] = { summary_css_class (access), NULL };

  ensure_report_page (self);
  g_set_object (&self->report, report);
  summary = summary_text (report);
  detail = detail_text (report);
  gtk_image_set_from_icon_name (self->summary_icon, summary_icon (access));
  gtk_widget_set_css_classes (GTK_WIDGET (self->summary_icon), css_classes);
  gtk_label_set_label (self->summary_label, summary);
  gtk_label_set_label (self->detail_label, detail);
  gtk_widget_set_visible (GTK_WIDGET (self->detail_label), *detail != '\0');
  fill_rows (self);
  set_state (self, "report");
  focus_pending_setting (self);
}

/* Shows a document from the agent: a report, or the state that explains why there is none. */
static void
show_document (CpCompliancePage *self,
               const char       *json)
{
  g_autoptr(CpComplianceReport) report = NULL;
  g_autoptr(GError) error = NULL;

  report = cp_compliance_report_new_from_json (json, &error);
  if (report == NULL)
    {
      g_debug ("Compliance document: %s", error->message);
      show_status (self, "error", "dialog-error-symbolic", _("Compliance Could Not Be Shown"),
                   error->message, STATUS_ACTION_RELOAD, _("_Try Again"));
      return;
    }
  if (cp_compliance_report_get_evaluated_at (report) == NULL &&
      cp_compliance_report_get_results (report)->len == 0)
    {
      if (cp_compliance_report_get_error (report) != NULL)
        show_status (self, "error", "dialog-error-symbolic", _("This Device Could Not Be Checked"),
                     cp_compliance_report_get_error (report), STATUS_ACTION_CHECK, _("_Check Again"));
      else
        show_status (self, "never-evaluated", "security-medium-symbolic", _("Not Checked Yet"),
                     _("This device has not been checked against your organisation’s requirements yet."),
                     STATUS_ACTION_CHECK, _("_Check Now"));
      return;
    }
  show_report (self, report);
}

static gboolean
is_agent_missing (const GError *error)
{
  return g_error_matches (error, CP_ERROR, CP_ERROR_AGENT_MISSING) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_EXEC_FAILED) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_CHILD_EXITED) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

static void
show_error (CpCompliancePage *self,
            const GError     *error)
{
  if (is_agent_missing (error))
    {
      show_status (self, "agent-missing", "computer-fail-symbolic", _("Device Service Not Running"),
                   _("Company Portal needs its device service (company-portal-agent) to check this device. "
                     "Make sure it is installed, or ask your IT support."),
                   STATUS_ACTION_RELOAD, _("_Try Again"));
      return;
    }
  if (g_error_matches (error, CP_ERROR, CP_ERROR_NOT_FOUND))
    {
      show_status (self, "not-enrolled", "computer-symbolic", _("Enroll This Device First"),
                   _("Your organisation can only check devices that are enrolled."),
                   STATUS_ACTION_ENROLL, _("_Go to Device"));
      return;
    }
  show_status (self, "error", "dialog-error-symbolic", _("Compliance Could Not Be Loaded"),
               error->message, STATUS_ACTION_RELOAD, _("_Try Again"));
}

static void
show_not_enrolled (CpCompliancePage *self)
{
  g_autoptr(GError) error = g_error_new_literal (CP_ERROR, CP_ERROR_NOT_FOUND, "");

  show_error (self, error);
}

/* Agent calls */

static void
get_compliance_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(CpCompliancePage) self = user_data;
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;

  if (!cp_agent_dbus_agent1_compliance_call_get_compliance_finish (CP_AGENT_DBUS_AGENT1_COMPLIANCE (source),
                                                                   &json, result, &error))
    {
      if (cp_error_is_cancelled (error))
        return;
      /* The user reads the agent's message, not the D-Bus error name in front of it. */
      g_dbus_error_strip_remote_error (error);
      g_debug ("GetCompliance: %s", error->message);
      show_error (self, error);
      return;
    }
  show_document (self, json);
}

static void
get_enrollment_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(CpCompliancePage) self = user_data;
  g_autoptr(GVariant) enrollment = NULL;
  g_autoptr(GError) error = NULL;
  const char *state = NULL;

  if (!cp_agent_dbus_agent1_call_get_enrollment_finish (CP_AGENT_DBUS_AGENT1 (source), &enrollment,
                                                        result, &error))
    {
      if (cp_error_is_cancelled (error))
        return;
      /* The user reads the agent's message, not the D-Bus error name in front of it. */
      g_dbus_error_strip_remote_error (error);
      g_debug ("GetEnrollment: %s", error->message);
      show_error (self, error);
      return;
    }
  if (!g_variant_lookup (enrollment, "state", "&s", &state) || g_strcmp0 (state, "enrolled") != 0)
    {
      show_not_enrolled (self);
      return;
    }
  cp_agent_dbus_agent1_compliance_call_get_compliance (self->compliance, server_url (self), self->cancellable,
                                                       get_compliance_cb, g_object_ref (self));
}

static void
query_agent (CpCompliancePage *self)
{
  if (self->agent == NULL || self->compliance == NULL || server_url (self) == NULL)
    return;
  cp_agent_dbus_agent1_call_get_enrollment (self->agent, server_url (self), self->cancellable,
                                            get_enrollment_cb, g_object_ref (self));
}

/* Signals of the agent */

/* Progress comes after each setting; the previous results (in the policy's order)
 * know which setting comes next and its title. NULL on the first check. */
static const char *
next_title (CpCompliancePage *self,
            const char       *done_id)
{
  GPtrArray *results;
  gboolean seen = FALSE;

  if (self->report == NULL)
    return NULL;
  results = cp_compliance_report_get_results (self->report);
  for (guint i = 0; i < results->len; i++)
    {
      CpComplianceResult *result = g_ptr_array_index (results, i);
      gboolean same = g_strcmp0 (cp_compliance_result_get_setting_id (result), done_id) == 0;

      if (seen && !same)
        return cp_compliance_result_get_title (result);
      seen = seen || same;
    }
  return NULL;
}

static void
progress_cb (CpCompliancePage            *self,
             const char                  *url,
             const char                  *setting_id,
             guint                        done,
             guint                        total,
             CpAgentDbusAgent1Compliance *proxy)
{
  const char *title;
  g_autofree char *text = NULL;

  if (!is_our_server (self, url) || !self->checking || done >= total)
    return;
  title = next_title (self, setting_id);
  if (title != NULL)
    /* Translators: "Checking Disk encryption… 3 of 8" */
    text = g_strdup_printf (_("Checking %s… %u of %u"), title, done + 1, total);
  else
    text = g_strdup_printf (_("Checking this device… %u of %u"), done + 1, total);
  show_progress (self, text);
}

/* Every evaluation, the background ones included, and every report the server answered. */
static void
compliance_changed_cb (CpCompliancePage            *self,
                       const char                  *url,
                       const char                  *json,
                       CpAgentDbusAgent1Compliance *proxy)
{
  if (!is_our_server (self, url) || self->state == NULL ||
      g_str_equal (self->state, "not-enrolled") || g_str_equal (self->state, "agent-missing"))
    return;
  g_debug ("Compliance changed");
  show_document (self, json);
}

/* Enrolled from the Device page (or removed by the organisation): ask again. */
static void
enrollment_changed_cb (CpCompliancePage  *self,
                       GVariant          *enrollment,
                       CpAgentDbusAgent1 *proxy)
{
  const char *url = NULL;

  if (!g_variant_lookup (enrollment, "server", "&s", &url) || !is_our_server (self, url) ||
      self->cancellable == NULL)
    return;
  g_debug ("Enrollment changed");
  query_agent (self);
}

static void
compliance_proxy_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(CpCompliancePage) self = user_data;
  g_autoptr(GError) error = NULL;

  self->compliance = cp_agent_dbus_agent1_compliance_proxy_new_for_bus_finish (result, &error);
  if (self->compliance == NULL)
    {
      if (!cp_error_is_cancelled (error))
        show_error (self, error);
      return;
    }
  /* Evaluate may take minutes (custom scripts): its call has its own timeout. */
  g_signal_connect_object (self->compliance, "progress", G_CALLBACK (progress_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->compliance, "compliance-changed", G_CALLBACK (compliance_changed_cb), self,
                           G_CONNECT_SWAPPED);
  query_agent (self);
}

static void
agent_proxy_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(CpCompliancePage) self = user_data;
  g_autoptr(GError) error = NULL;

  self->agent = cp_agent_dbus_agent1_proxy_new_for_bus_finish (result, &error);
  if (self->agent == NULL)
    {
      if (!cp_error_is_cancelled (error))
        show_error (self, error);
      return;
    }
  g_signal_connect_object (self->agent, "enrollment-changed", G_CALLBACK (enrollment_changed_cb), self,
                           G_CONNECT_SWAPPED);
  cp_agent_dbus_agent1_compliance_proxy_new_for_bus (G_BUS_TYPE_SESSION, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                                     AGENT_NAME, AGENT_PATH, self->cancellable,
                                                     compliance_proxy_cb, g_object_ref (self));
}

/* Check again */

/* On whichever of the status and the report exist. The buttons stay
 * sensitive (a second press is ignored while checking): an insensitive
 * button drops the keyboard focus, and the user would be left with no focus
 * at all until the next Tab. */
static void
show_checking (CpCompliancePage *self)
{
  if (self->status_button != NULL)
    gtk_accessible_update_state (GTK_ACCESSIBLE (self->status_button), GTK_ACCESSIBLE_STATE_BUSY, self->checking, -1);
  if (self->settings_list != NULL)
    {
      gtk_accessible_update_state (GTK_ACCESSIBLE (self->check_button), GTK_ACCESSIBLE_STATE_BUSY, self->checking, -1);
      gtk_widget_set_visible (GTK_WIDGET (self->check_spinner), self->checking);
      cp_spinner_set_spinning (self->check_spinner, self->checking);
    }
  show_progress (self, self->checking ? _("Checking this device…") : NULL);
}

static void
set_checking (CpCompliancePage *self,
              gboolean          checking)
{
  self->checking = checking;
  show_checking (self);
}

/* Offline, a check still runs on this device; the server gets the report later (the agent
 * queues it). Said once the user's check is done, so the button does not seem to have failed. */
static void
say_if_offline (CpCompliancePage *self)
{
  if (self->report == NULL ||
      !(cp_compliance_report_is_report_queued (self->report) || cp_compliance_report_is_policy_cached (self->report)))
    return;
  cp_widget_add_toast (GTK_WIDGET (self),
                       _("Checked on this device only: sending the results needs a connection to your "
                         "organisation’s server. They are sent when the connection is back."));
  gtk_widget_activate_action (GTK_WIDGET (self), "win.connection-lost", NULL);
}

/* A check that failed because the server cannot be reached (the agent has no policy to
 * check against yet): said in plain words, and what the page showed stays. */
static void
say_needs_connection (CpCompliancePage *self)
{
  cp_widget_add_toast (GTK_WIDGET (self),
                       _("Checking this device needs a connection to your organisation’s server. "
                         "Try again when you are back online."));
  gtk_widget_activate_action (GTK_WIDGET (self), "win.connection-lost", NULL);
}

static void
evaluate_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CpCompliancePage) self = user_data;
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;

  if (!cp_agent_dbus_agent1_compliance_call_evaluate_finish (CP_AGENT_DBUS_AGENT1_COMPLIANCE (source),
                                                             &json, result, &error))
    {
      if (cp_error_is_cancelled (error))
        return;
      set_checking (self, FALSE);
      /* The user reads the agent's message, not the D-Bus error name in front of it. */
      g_dbus_error_strip_remote_error (error);
      g_debug ("Evaluate: %s", error->message);
      if (cp_error_is_connection (error) && !g_str_equal (self->state, "loading"))
        {
          say_needs_connection (self);
          return;
        }
      if (is_agent_missing (error) || g_error_matches (error, CP_ERROR, CP_ERROR_NOT_FOUND) ||
          !g_str_equal (self->state, "report"))
        show_error (self, error);
      else
        cp_widget_add_toast (GTK_WIDGET (self), error->message);
      return;
    }
  set_checking (self, FALSE);
  show_document (self, json);
  say_if_offline (self);
}

void
cp_compliance_page_check (CpCompliancePage *self)
{
  g_return_if_fail (CP_IS_COMPLIANCE_PAGE (self));

  if (self->compliance == NULL || server_url (self) == NULL || self->checking)
    return;
  set_checking (self, TRUE);
  /* Custom discovery scripts may run for minutes: no D-Bus timeout, Progress shows it moving. */
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (self->compliance), G_MAXINT);
  cp_agent_dbus_agent1_compliance_call_evaluate (self->compliance, server_url (self), self->cancellable,
                                                 evaluate_cb, g_object_ref (self));
}

static void
check_clicked (CpCompliancePage *self)
{
  cp_compliance_page_check (self);
}

static void
status_button_clicked (CpCompliancePage *self)
{
  switch (self->status_action)
    {
    case STATUS_ACTION_ENROLL:
      g_signal_emit (self, signals[SIGNAL_ENROLL_REQUESTED], 0);
      break;
    case STATUS_ACTION_CHECK:
      cp_compliance_page_check (self);
      break;
    case STATUS_ACTION_RELOAD:
    default:
      cp_compliance_page_reload (self);
      break;
    }
}

/* Lifecycle */

static void
forget (CpCompliancePage *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->report);
  set_checking (self, FALSE);
}

static void
cp_compliance_page_dispose (GObject *object)
{
  CpCompliancePage *self = CP_COMPLIANCE_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_clear_object (&self->report);
  g_clear_object (&self->compliance);
  g_clear_object (&self->agent);
  /* No gtk_widget_dispose_template(): the bound child is AdwBin's own, which AdwBin disposes. */

  G_OBJECT_CLASS (cp_compliance_page_parent_class)->dispose (object);
}

static void
cp_compliance_page_finalize (GObject *object)
{
  CpCompliancePage *self = CP_COMPLIANCE_PAGE (object);

  g_free (self->state);
  g_free (self->pending_setting);
  g_free (self->status_description);

  G_OBJECT_CLASS (cp_compliance_page_parent_class)->finalize (object);
}

static void
cp_compliance_page_class_init (CpCompliancePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  g_type_ensure (CP_TYPE_SPINNER);

  object_class->dispose = cp_compliance_page_dispose;
  object_class->finalize = cp_compliance_page_finalize;

  /* The user wants to enroll: the window shows the Device page. */
  signals[SIGNAL_ENROLL_REQUESTED] = g_signal_new ("enroll-requested", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/companyportal/CompanyPortal/cp-compliance-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CpCompliancePage, stack);
}

static void
cp_compliance_page_init (CpCompliancePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  cp_agent_dbus_register_errors ();
  set_state (self, "loading");
}

void
cp_compliance_page_set_client (CpCompliancePage *self,
                               CpApiClient      *client)
{
  g_return_if_fail (CP_IS_COMPLIANCE_PAGE (self));
  g_return_if_fail (client == NULL || CP_IS_API_CLIENT (client));

  if (self->client == client)
    return;
  forget (self);
  /* A setting asked for before sign-in (the window started by a notification) waits for the
   * results; signing out forgets it. */
  if (client == NULL)
    g_clear_pointer (&self->pending_setting, g_free);
  g_set_object (&self->client, client);
  set_state (self, "loading");
}

void
cp_compliance_page_reload (CpCompliancePage *self)
{
  g_return_if_fail (CP_IS_COMPLIANCE_PAGE (self));

  if (self->client == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_checking (self, FALSE);
  /* Reloading keeps the results on screen; the first load shows a spinner. */
  if (self->report == NULL)
    set_state (self, "loading");

  if (self->agent == NULL)
    cp_agent_dbus_agent1_proxy_new_for_bus (G_BUS_TYPE_SESSION, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                            AGENT_NAME, AGENT_PATH, self->cancellable,
                                            agent_proxy_cb, g_object_ref (self));
  else
    query_agent (self);
}

void
cp_compliance_page_show_setting (CpCompliancePage *self,
                                 const char       *setting_id)
{
  g_return_if_fail (CP_IS_COMPLIANCE_PAGE (self));

  g_free (self->pending_setting);
  self->pending_setting = g_strdup (setting_id);
  focus_pending_setting (self);
}

const char *
cp_compliance_page_get_state (CpCompliancePage *self)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_PAGE (self), NULL);
  return self->state;
}
