/* cp-sign-in-page.c: server address, browser sign-in and sign-in with a code
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cp-app-util.h"
#include "cp-sign-in-page.h"
#include "cp-spinner.h"

struct _CpSignInPage
{
  AdwBin           parent_instance;

  GtkRevealer     *banner_revealer;
  GtkLabel        *banner_label;
  GtkStack        *stack;
  AdwEntryRow     *server_row;
  GtkLabel        *server_hint_label;
  GtkButton       *continue_button;
  AdwStatusPage   *busy_status;
  CpSpinner       *busy_spinner;
  GtkButton       *busy_cancel_button;
  AdwStatusPage   *methods_status;
  GtkButton       *browser_button;
  GtkButton       *change_server_button;
  GtkLabel        *browser_uri_label;
  GtkLabel        *user_code_label;
  GtkLinkButton   *verification_link;
  GtkLabel        *countdown_label;
  AdwStatusPage   *error_status;
  GtkButton       *retry_button;
  GtkButton       *error_back_button;

  char            *server_url;
  gboolean         editable;
  CpOrganization  *organization;
  CpOidcClient    *oidc;
  CpSignInStep     error_step;

  /* The running flow, if any. */
  GCancellable    *flow_cancellable;
  GObject         *flow;
  gint64           code_expires_at;
  guint            countdown_id;
};

G_DEFINE_FINAL_TYPE (CpSignInPage, cp_sign_in_page, ADW_TYPE_BIN)

enum {
  CONNECT,
  CANCEL_CONNECT,
  SIGNED_IN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_page (CpSignInPage *self,
           const char   *name)
{
  cp_spinner_set_spinning (self->busy_spinner, g_str_equal (name, "busy"));
  gtk_stack_set_visible_child_name (self->stack, name);
}

static void
stop_flow (CpSignInPage *self)
{
  g_cancellable_cancel (self->flow_cancellable);
  g_clear_object (&self->flow_cancellable);
  if (self->flow != NULL)
    g_signal_handlers_disconnect_by_data (self->flow, self);
  g_clear_object (&self->flow);
  g_clear_handle_id (&self->countdown_id, g_source_remove);
}

static gboolean
flow_running (CpSignInPage *self)
{
  return self->flow_cancellable != NULL;
}

/* Fills @title and @description with what the user should know about @error. */
static void
describe_error (CpSignInPage  *self,
                CpSignInStep   step,
                const GError  *error,
                char         **title,
                char         **description)
{
  gboolean offline = cp_error_is_connection (error);

  if (step == CP_SIGN_IN_STEP_KEYRING || g_error_matches (error, CP_ERROR, CP_ERROR_KEYRING))
    {
      *title = g_strdup (_("Keyring Not Available"));
      /* The core's message says what to do; this says why there is no other way. */
      *description = g_strdup_printf (_("%s\n\nCompany Portal keeps your sign-in only in your keyring, never in a file."),
                                      error->message);
    }
  else if (step == CP_SIGN_IN_STEP_CONNECT && offline)
    {
      *title = g_strdup (_("Can’t Reach the Server"));
      *description = g_strdup_printf (_("%s\n\nCheck the address and your network connection."), error->message);
    }
  else if (step == CP_SIGN_IN_STEP_CONNECT && g_error_matches (error, CP_ERROR, CP_ERROR_TLS))
    {
      *title = g_strdup (_("The Server Is Not Trusted"));
      *description = g_strdup_printf (_("%s\n\nIf your organisation uses its own certificate authority, ask your IT department to set it up on this computer."),
                                      error->message);
    }
  else if (step == CP_SIGN_IN_STEP_CONNECT &&
           (g_error_matches (error, CP_ERROR, CP_ERROR_INVALID_DATA) ||
            g_error_matches (error, CP_ERROR, CP_ERROR_NOT_FOUND)))
    {
      *title = g_strdup (_("Not a Company Portal Server"));
      *description = g_strdup_printf (_("“%s” does not offer Company Portal. Check the address with your IT department."),
                                      self->server_url != NULL ? self->server_url : "");
    }
  else if (offline)
    {
      *title = g_strdup (_("Can’t Reach the Sign-In Service"));
      *description = g_strdup_printf (_("%s\n\nYour organisation’s identity provider does not answer. Try again later."),
                                      error->message);
    }
  else if (g_error_matches (error, CP_ERROR, CP_ERROR_ACCESS_DENIED))
    {
      *title = g_strdup (_("Sign-In Refused"));
      *description = g_strdup_printf (_("%s\n\nIf you did not refuse it yourself, contact your IT support."), error->message);
    }
  else if (g_error_matches (error, CP_ERROR, CP_ERROR_EXPIRED))
    {
      *title = g_strdup (_("Sign-In Took Too Long"));
      *description = g_strdup_printf (_("%s\n\nA sign-in must be finished within a few minutes."), error->message);
    }
  else if (step == CP_SIGN_IN_STEP_PROVIDER)
    {
      *title = g_strdup (_("Sign-In Service Not Usable"));
      *description = g_strdup (error->message);
    }
  else if (step == CP_SIGN_IN_STEP_CONNECT)
    {
      *title = g_strdup (_("Can’t Connect"));
      *description = g_strdup (error->message);
    }
  else
    {
      *title = g_strdup (_("Sign-In Failed"));
      *description = g_strdup (error->message);
    }
}

static void
flow_finished (CpSignInPage *self,
               CpTokenSet   *tokens,
               GError       *error)
{
  if (error != NULL && cp_error_is_cancelled (error))
    return;

  stop_flow (self);
  if (error != NULL)
    {
      g_debug ("Sign-in flow ended: %s", error->message);
      cp_sign_in_page_show_error (self, CP_SIGN_IN_STEP_SIGN_IN, error);
      return;
    }

  cp_sign_in_page_show_busy (self, _("Signing In"), FALSE);
  g_signal_emit (self, signals[SIGNED_IN], 0, tokens);
}

/* Browser flow */

static void
browser_run_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(CpSignInPage) self = user_data;
  g_autoptr(CpTokenSet) tokens = NULL;
  g_autoptr(GError) error = NULL;

  tokens = cp_browser_sign_in_run_finish (CP_BROWSER_SIGN_IN (source), result, &error);
  flow_finished (self, tokens, error);
}

static void
authorization_uri_cb (CpSignInPage    *self,
                      GParamSpec      *pspec,
                      CpBrowserSignIn *sign_in)
{
  const char *uri = cp_browser_sign_in_get_authorization_uri (sign_in);

  if (uri == NULL)
    return;
  gtk_label_set_label (self->browser_uri_label, uri);
  show_page (self, "browser");
  cp_widget_open_uri (GTK_WIDGET (self), uri);
}

static void
browser_clicked_cb (CpSignInPage *self)
{
  g_autoptr(CpBrowserSignIn) sign_in = NULL;

  g_return_if_fail (self->oidc != NULL);

  stop_flow (self);
  cp_sign_in_page_set_banner (self, NULL);
  sign_in = cp_browser_sign_in_new (self->oidc);
  self->flow = G_OBJECT (g_object_ref (sign_in));
  self->flow_cancellable = g_cancellable_new ();
  g_signal_connect_swapped (sign_in, "notify::authorization-uri",
                            G_CALLBACK (authorization_uri_cb), self);

  cp_sign_in_page_show_busy (self, _("Opening Your Browser"), TRUE);
  cp_browser_sign_in_run_async (sign_in, self->flow_cancellable, browser_run_cb, g_object_ref (self));
}

static void
copy_uri_clicked_cb (CpSignInPage *self)
{
  cp_widget_copy_text (GTK_WIDGET (self), gtk_label_get_label (self->browser_uri_label));
}

static void
open_browser_clicked_cb (CpSignInPage *self)
{
  const char *uri = gtk_label_get_label (self->browser_uri_label);

  if (uri[0] != '\0')
    cp_widget_open_uri (GTK_WIDGET (self), uri);
}

/* Device code flow */

static gboolean
update_countdown (gpointer user_data)
{
  CpSignInPage *self = user_data;
  gint64 left = self->code_expires_at - g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *text = NULL;

  if (self->code_expires_at <= 0)
    {
      gtk_label_set_label (self->countdown_label, "");
      return G_SOURCE_CONTINUE;
    }
  if (left <= 0)
    {
      /* The flow reports the expiry itself; this only stops showing a negative time. */
      gtk_label_set_label (self->countdown_label, _("The code has expired"));
      return G_SOURCE_CONTINUE;
    }
  /* Translators: minutes and seconds until the sign-in code expires */
  text = g_strdup_printf (_("The code expires in %d:%02d"), (int) (left / 60), (int) (left % 60));
  gtk_label_set_label (self->countdown_label, text);
  return G_SOURCE_CONTINUE;
}

static void
user_code_cb (CpSignInPage   *self,
              GParamSpec     *pspec,
              CpDeviceSignIn *sign_in)
{
  const char *code = cp_device_sign_in_get_user_code (sign_in);
  const char *uri = cp_device_sign_in_get_verification_uri (sign_in);
  const char *complete = cp_device_sign_in_get_verification_uri_complete (sign_in);

  if (code == NULL || uri == NULL)
    return;

  gtk_label_set_label (self->user_code_label, code);
  gtk_button_set_label (GTK_BUTTON (self->verification_link), uri);
  gtk_link_button_set_uri (self->verification_link, complete != NULL ? complete : uri);
  gtk_link_button_set_visited (self->verification_link, FALSE);
  self->code_expires_at = cp_device_sign_in_get_expires_at (sign_in);
  update_countdown (self);
  if (self->countdown_id == 0)
    self->countdown_id = g_timeout_add_seconds (1, update_countdown, self);
  show_page (self, "code");
}

static void
device_run_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CpSignInPage) self = user_data;
  g_autoptr(CpTokenSet) tokens = NULL;
  g_autoptr(GError) error = NULL;

  tokens = cp_device_sign_in_run_finish (CP_DEVICE_SIGN_IN (source), result, &error);
  flow_finished (self, tokens, error);
}

static void
code_clicked_cb (CpSignInPage *self)
{
  g_autoptr(CpDeviceSignIn) sign_in = NULL;

  g_return_if_fail (self->oidc != NULL);

  stop_flow (self);
  cp_sign_in_page_set_banner (self, NULL);
  sign_in = cp_device_sign_in_new (self->oidc);
  self->flow = G_OBJECT (g_object_ref (sign_in));
  self->flow_cancellable = g_cancellable_new ();
  self->code_expires_at = 0;
  g_signal_connect_swapped (sign_in, "notify::user-code", G_CALLBACK (user_code_cb), self);
  g_signal_connect_swapped (sign_in, "notify::verification-uri", G_CALLBACK (user_code_cb), self);
  g_signal_connect_swapped (sign_in, "notify::expires-at", G_CALLBACK (user_code_cb), self);

  cp_sign_in_page_show_busy (self, _("Getting a Code"), TRUE);
  cp_device_sign_in_run_async (sign_in, self->flow_cancellable, device_run_cb, g_object_ref (self));
}

static void
copy_code_clicked_cb (CpSignInPage *self)
{
  cp_widget_copy_text (GTK_WIDGET (self), gtk_label_get_label (self->user_code_label));
}

/* Server address */

static void
set_server_hint (CpSignInPage *self,
                 const char   *hint)
{
  gtk_label_set_label (self->server_hint_label, hint != NULL ? hint : "");
  gtk_widget_set_visible (GTK_WIDGET (self->server_hint_label), hint != NULL);
  if (hint != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->server_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->server_row), "error");
}

static void
server_row_changed_cb (CpSignInPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->server_row));
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  set_server_hint (self, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->continue_button), stripped[0] != '\0');
}

static void
continue_clicked_cb (CpSignInPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->server_row));
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;

  url = cp_api_client_normalize_server_url (text, &error);
  if (url == NULL)
    {
      set_server_hint (self, error->message);
      gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
      return;
    }

  g_free (self->server_url);
  self->server_url = g_strdup (url);
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), url);
  g_signal_emit (self, signals[CONNECT], 0, url);
}

static void
server_row_activated_cb (CpSignInPage *self)
{
  if (gtk_widget_get_sensitive (GTK_WIDGET (self->continue_button)))
    continue_clicked_cb (self);
}

static void
change_server_clicked_cb (CpSignInPage *self)
{
  stop_flow (self);
  cp_sign_in_page_show_server (self);
}

static void
cancel_clicked_cb (CpSignInPage *self)
{
  if (flow_running (self))
    {
      stop_flow (self);
      show_page (self, "methods");
      return;
    }
  g_signal_emit (self, signals[CANCEL_CONNECT], 0);
  cp_sign_in_page_show_server (self);
}

static void
retry_clicked_cb (CpSignInPage *self)
{
  /* A sign-in can be started again from the methods; anything else reconnects. */
  if (self->error_step == CP_SIGN_IN_STEP_SIGN_IN && self->oidc != NULL)
    show_page (self, "methods");
  else if (self->server_url != NULL)
    g_signal_emit (self, signals[CONNECT], 0, self->server_url);
  else
    cp_sign_in_page_show_server (self);
}

static void
cp_sign_in_page_dispose (GObject *object)
{
  CpSignInPage *self = CP_SIGN_IN_PAGE (object);

  stop_flow (self);
  g_clear_object (&self->organization);
  g_clear_object (&self->oidc);
  gtk_widget_dispose_template (GTK_WIDGET (object), CP_TYPE_SIGN_IN_PAGE);

  G_OBJECT_CLASS (cp_sign_in_page_parent_class)->dispose (object);
}

static void
cp_sign_in_page_finalize (GObject *object)
{
  CpSignInPage *self = CP_SIGN_IN_PAGE (object);

  g_free (self->server_url);

  G_OBJECT_CLASS (cp_sign_in_page_parent_class)->finalize (object);
}

static void
cp_sign_in_page_class_init (CpSignInPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  g_type_ensure (CP_TYPE_SPINNER);

  object_class->dispose = cp_sign_in_page_dispose;
  object_class->finalize = cp_sign_in_page_finalize;

  /* The user asks to reach the server at this (normalised) address. */
  signals[CONNECT] = g_signal_new ("connect", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* The user gave up waiting for the server. */
  signals[CANCEL_CONNECT] = g_signal_new ("cancel-connect", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A flow finished with these tokens; the window saves them in the session. */
  signals[SIGNED_IN] = g_signal_new ("signed-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1, CP_TYPE_TOKEN_SET);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/companyportal/CompanyPortal/cp-sign-in-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, banner_label);
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, stack);
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, server_row);
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, server_hint_label);
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, continue_button);
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, busy_status);
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, busy_spinner);
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, busy_cancel_button);
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, methods_status);
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, browser_button);
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, change_server_button);
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, browser_uri_label);
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, user_code_label);
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, verification_link);
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, countdown_label);
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, error_status);
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, retry_button);
  gtk_widget_class_bind_template_child (widget_class, CpSignInPage, error_back_button);
  gtk_widget_class_bind_template_callback (widget_class, server_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, server_row_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, continue_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, browser_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, code_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, change_server_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, copy_uri_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, open_browser_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, copy_code_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, retry_clicked_cb);
}

static void
cp_sign_in_page_init (CpSignInPage *self)
{
  g_autoptr(PangoAttrList) attributes = pango_attr_list_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  /* A URI wrapped at any character must not gain hyphens that look like part of it. */
  pango_attr_list_insert (attributes, pango_attr_insert_hyphens_new (FALSE));
  gtk_label_set_attributes (self->browser_uri_label, attributes);
  self->editable = TRUE;
  show_page (self, "server");
}

void
cp_sign_in_page_set_server_url (CpSignInPage *self,
                                const char   *server_url,
                                gboolean      editable)
{
  g_return_if_fail (CP_IS_SIGN_IN_PAGE (self));

  if (g_strcmp0 (self->server_url, server_url) != 0)
    {
      g_free (self->server_url);
      self->server_url = g_strdup (server_url);
    }
  self->editable = editable;
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), server_url != NULL ? server_url : "");
  gtk_editable_set_editable (GTK_EDITABLE (self->server_row), editable);
  /* An administrator fixed the server: there is no other to choose. */
  gtk_widget_set_visible (GTK_WIDGET (self->change_server_button), editable);
  gtk_widget_set_visible (GTK_WIDGET (self->error_back_button), editable);
}

const char *
cp_sign_in_page_get_server_url (CpSignInPage *self)
{
  g_return_val_if_fail (CP_IS_SIGN_IN_PAGE (self), NULL);

  return self->server_url;
}

void
cp_sign_in_page_show_server (CpSignInPage *self)
{
  g_return_if_fail (CP_IS_SIGN_IN_PAGE (self));

  stop_flow (self);
  show_page (self, "server");
  gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
}

void
cp_sign_in_page_show_busy (CpSignInPage *self,
                           const char   *title,
                           gboolean      can_cancel)
{
  g_return_if_fail (CP_IS_SIGN_IN_PAGE (self));

  adw_status_page_set_title (self->busy_status, title);
  gtk_widget_set_visible (GTK_WIDGET (self->busy_cancel_button), can_cancel);
  show_page (self, "busy");
}

void
cp_sign_in_page_show_methods (CpSignInPage   *self,
                              CpOrganization *organization,
                              CpOidcClient   *oidc)
{
  g_autofree char *title = NULL;

  g_return_if_fail (CP_IS_SIGN_IN_PAGE (self));
  g_return_if_fail (CP_IS_ORGANIZATION (organization));
  g_return_if_fail (CP_IS_OIDC_CLIENT (oidc));

  stop_flow (self);
  g_set_object (&self->organization, organization);
  g_set_object (&self->oidc, oidc);

  /* Translators: %s is the organisation's name */
  title = g_strdup_printf (_("Sign In to %s"), cp_organization_get_display_name (organization));
  adw_status_page_set_title (self->methods_status, title);
  show_page (self, "methods");
  gtk_widget_grab_focus (GTK_WIDGET (self->browser_button));
}

void
cp_sign_in_page_show_error (CpSignInPage *self,
                            CpSignInStep  step,
                            const GError *error)
{
  g_autofree char *title = NULL;
  g_autofree char *description = NULL;

  g_return_if_fail (CP_IS_SIGN_IN_PAGE (self));
  g_return_if_fail (error != NULL);

  if (cp_error_is_cancelled (error))
    return;

  stop_flow (self);
  self->error_step = step;
  describe_error (self, step, error, &title, &description);
  adw_status_page_set_title (self->error_status, title);
  adw_status_page_set_description (self->error_status, description);
  show_page (self, "error");
  gtk_widget_grab_focus (GTK_WIDGET (self->retry_button));
}

void
cp_sign_in_page_set_banner (CpSignInPage *self,
                            const char   *text)
{
  g_return_if_fail (CP_IS_SIGN_IN_PAGE (self));

  if (text != NULL)
    gtk_label_set_label (self->banner_label, text);
  gtk_revealer_set_reveal_child (self->banner_revealer, text != NULL);
}

void
cp_sign_in_page_cancel (CpSignInPage *self)
{
  g_return_if_fail (CP_IS_SIGN_IN_PAGE (self));

  stop_flow (self);
}

const char *
cp_sign_in_page_get_visible_page (CpSignInPage *self)
{
  g_return_val_if_fail (CP_IS_SIGN_IN_PAGE (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}
