/* cp-window.c: the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window is the controller of one connection: it reaches the server
 * (organisation discovery), the identity provider (OIDC discovery), restores
 * the sign-in from the keyring, and then shows either the sign-in page or
 * the main view. Pages get the API client injected and never build URLs.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <company-portal.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cp-app-util.h"
#include "cp-apps-page.h"
#include "cp-branding.h"
#include "cp-compliance-page.h"
#include "cp-device-page.h"
#include "cp-help-page.h"
#include "cp-sign-in-page.h"
#include "cp-spinner.h"
#include "cp-view-switcher.h"
#include "cp-window.h"

struct _CpWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  AdwBin               *starting_bin;
  AdwBin               *sign_in_bin;
  AdwBin               *portal_bin;

  /* The "Connecting" page (cp-window-starting.ui): NULL except while it is shown */
  AdwStatusPage        *starting_status;

  /* The main view (cp-window-portal.ui), NULL until ensure_portal_view() */
  GtkImage             *logo_image;
  GtkLabel             *org_name_label;
  AdwSqueezer          *title_squeezer;  /* the tabs, or the title when they do not fit */
  CpViewSwitcher       *narrow_view_switcher;
  AdwWindowTitle       *window_title;
  GtkMenuButton        *user_button;
  /* The account popover (cp-window-account.ui), NULL until it first opens */
  AdwAvatar            *user_avatar;
  GtkLabel             *user_name_label;
  GtkLabel             *user_email_label;
  AdwViewStack         *view_stack;
  AdwViewSwitcherBar   *switcher_bar;
  GtkRevealer          *switcher_bar_revealer;  /* GtkActionBar's, for the end of its slide */
  AdwBin               *apps_bin;
  AdwBin               *device_bin;
  AdwBin               *compliance_bin;
  AdwBin               *help_bin;

  /* Built the first time they are shown or needed (ensure_*()), so the
   * first frame costs only the page it shows; NULL until then. */
  CpSignInPage         *sign_in_page;
  CpAppsPage           *apps_page;
  CpDevicePage         *device_page;
  CpCompliancePage     *compliance_page;
  CpHelpPage           *help_page;
  char                 *configured_url;  /* for the sign-in page, once it exists */
  gboolean              url_editable;

  SoupSession          *soup_session;
  GSettings            *settings;
  CpBranding           *branding;
  CpAgentClient        *agent;          /* the one connection to company-portal-agent */

  /* The connection */
  char                 *server_url;
  gboolean              save_server_url;
  GCancellable         *connect_cancellable;
  CpApiClient          *client;
  CpOrganization       *organization;
  CpOidcClient         *oidc;
  CpTokenStore         *store;
  CpSession            *session;

  /* The signed-in main view */
  gboolean              in_portal;
  char                 *user_name;      /* for the account popover */
  char                 *user_email;
  guint                 org_name_idle;
  guint                 trim_timeout;
  guint                 compliance_page_idle;
  GCancellable         *portal_cancellable;
  CpReconnect          *reconnect;      /* while signed in: finds out when a lost server is back */
};

G_DEFINE_FINAL_TYPE (CpWindow, cp_window, ADW_TYPE_APPLICATION_WINDOW)

static void
set_portal_actions_enabled (CpWindow *self,
                            gboolean  enabled)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-out", enabled);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.refresh", enabled);
}

static void
show_user_identity (CpWindow *self)
{
  if (self->user_name_label == NULL)
    return;
  gtk_label_set_label (self->user_name_label, self->user_name != NULL ? self->user_name : "");
  gtk_label_set_label (self->user_email_label, self->user_email != NULL ? self->user_email : "");
  gtk_widget_set_visible (GTK_WIDGET (self->user_email_label), self->user_email != NULL);
  adw_avatar_set_text (self->user_avatar, self->user_name);
}

static void
set_user_identity (CpWindow   *self,
                   const char *name,
                   const char *email)
{
  g_free (self->user_name);
  self->user_name = g_strdup (name);
  g_free (self->user_email);
  self->user_email = g_strdup (email);
  show_user_identity (self);
}

/* The account popover (avatar, name, address and Sign Out) is built the
 * first time the account button opens it, like the menus below. */
static void
create_account_popover_cb (GtkMenuButton *button,
                           gpointer       user_data)
{
  CpWindow *self = user_data;
  g_autoptr(GtkBuilder) builder = NULL;
  GtkWidget *popover;

  if (gtk_menu_button_get_popover (button) != NULL)
    return;
  builder = gtk_builder_new_from_resource ("/io/github/companyportal/CompanyPortal/cp-window-account.ui");
  popover = GTK_WIDGET (gtk_builder_get_object (builder, "account_popover"));
  self->user_avatar = ADW_AVATAR (gtk_builder_get_object (builder, "user_avatar"));
  self->user_name_label = GTK_LABEL (gtk_builder_get_object (builder, "user_name_label"));
  self->user_email_label = GTK_LABEL (gtk_builder_get_object (builder, "user_email_label"));
  gtk_menu_button_set_popover (button, popover);
  cp_widget_fix_mnemonic_names (popover);
  show_user_identity (self);
}

/* Pages on demand */

static void queue_org_name_update (CpWindow *self);
static void title_squeezer_cb (CpWindow *self);
static void load_logo (CpWindow *self);
static void visible_page_cb  (CpWindow *self);

/* The bottom view switcher shows in a narrow window only (its reveal follows
 * the header's title-visible, cp-window-portal.ui). It has the stack only
 * while it is revealed or sliding out, so its buttons (about 70 widgets)
 * do not exist in a wide window. Given the stack, it slides in; it lets go
 * of it once the slide out has ended, not to empty it while it is seen. */
static void
switcher_bar_reveal_cb (CpWindow *self)
{
  if (self->switcher_bar == NULL)  /* still being built: setup_switcher_bar() follows */
    return;
  if (adw_view_switcher_bar_get_reveal (self->switcher_bar))
    adw_view_switcher_bar_set_stack (self->switcher_bar, self->view_stack);
  else if (self->switcher_bar_revealer == NULL ||
           !gtk_revealer_get_child_revealed (self->switcher_bar_revealer))
    adw_view_switcher_bar_set_stack (self->switcher_bar, NULL);
}

static GtkWidget *
find_revealer (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = GTK_IS_REVEALER (child) ? child : find_revealer (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
setup_switcher_bar (CpWindow *self)
{
  self->switcher_bar_revealer = (GtkRevealer *) find_revealer (GTK_WIDGET (self->switcher_bar));
  if (self->switcher_bar_revealer != NULL)
    g_signal_connect_object (self->switcher_bar_revealer, "notify::child-revealed",
                             G_CALLBACK (switcher_bar_reveal_cb), self, G_CONNECT_SWAPPED);
  switcher_bar_reveal_cb (self);
}

/* The main view is built the first time it is needed: a start that shows
 * "Connecting" first does not pay for its header, menus and switchers. */
static void
ensure_portal_view (CpWindow *self)
{
  g_autoptr(GtkBuilder) builder = NULL;
  GtkWidget *view;

  if (self->view_stack != NULL)
    return;

  g_type_ensure (CP_TYPE_VIEW_SWITCHER);
  builder = cp_builder_new_for_object ("/io/github/companyportal/CompanyPortal/cp-window-portal.ui", self,
                                       "title_squeezer_cb", G_CALLBACK (title_squeezer_cb),
                                       "visible_page_cb", G_CALLBACK (visible_page_cb),
                                       "switcher_bar_reveal_cb", G_CALLBACK (switcher_bar_reveal_cb),
                                       NULL);

#define GET(name) ((gpointer) gtk_builder_get_object (builder, #name))
  self->logo_image = GET (logo_image);
  self->org_name_label = GET (org_name_label);
  self->title_squeezer = GET (title_squeezer);
  self->narrow_view_switcher = GET (narrow_view_switcher);
  self->window_title = GET (window_title);
  self->user_button = GET (user_button);
  self->view_stack = GET (view_stack);
  self->switcher_bar = GET (switcher_bar);
  self->apps_bin = GET (apps_bin);
  self->device_bin = GET (device_bin);
  self->compliance_bin = GET (compliance_bin);
  self->help_bin = GET (help_bin);
  view = GET (portal_view);
  cp_menu_button_set_menu_on_demand (GET (primary_menu_button), GET (primary_menu));
  gtk_menu_button_set_create_popup_func (self->user_button, create_account_popover_cb, self, NULL);
  /* On a screen of another density the logo is decoded again at its size there. */
  g_signal_connect_object (self->logo_image, "notify::scale-factor", G_CALLBACK (load_logo), self, G_CONNECT_SWAPPED);
#undef GET
  adw_bin_set_child (self->portal_bin, view);
  cp_widget_fix_mnemonic_names (view);
  setup_switcher_bar (self);
}

/* The "Connecting" page shows while a start reaches the configured server:
 * built then, and dropped once another page has taken its place (after the
 * crossfade), so neither a start without a server nor a window at rest
 * keeps its header, status page and spinner. */
static void
show_starting_page (CpWindow   *self,
                    const char *title)
{
  g_autoptr(GtkBuilder) builder = NULL;

  if (self->starting_status == NULL)
    {
      builder = gtk_builder_new_from_resource ("/io/github/companyportal/CompanyPortal/cp-window-starting.ui");
      self->starting_status = ADW_STATUS_PAGE (gtk_builder_get_object (builder, "starting_status"));
      adw_bin_set_child (self->starting_bin, GTK_WIDGET (gtk_builder_get_object (builder, "starting_view")));
    }
  adw_status_page_set_title (self->starting_status, title);
  gtk_stack_set_visible_child_name (self->stack, "starting");
}

static void
drop_starting_page (CpWindow *self)
{
  if (self->starting_status == NULL ||
      g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "starting") == 0 ||
      gtk_stack_get_transition_running (self->stack))
    return;
  self->starting_status = NULL;
  adw_bin_set_child (self->starting_bin, NULL);
}

static void enroll_requested_cb (CpWindow *self);
static void connect_cb          (CpWindow *self, const char *server_url, CpSignInPage *page);
static void cancel_connect_cb   (CpWindow *self, CpSignInPage *page);
static void signed_in_cb        (CpWindow *self, CpTokenSet *tokens, CpSignInPage *page);

/* The sign-in page and its header (cp-window-sign-in.ui) are built the
 * first time the page is shown: a start signed in from the keyring never
 * builds them. */
static CpSignInPage *
ensure_sign_in_page (CpWindow *self)
{
  g_autoptr(GtkBuilder) builder = NULL;
  GtkWidget *view;

  if (self->sign_in_page != NULL)
    return self->sign_in_page;

  builder = gtk_builder_new_from_resource ("/io/github/companyportal/CompanyPortal/cp-window-sign-in.ui");
  view = GTK_WIDGET (gtk_builder_get_object (builder, "sign_in_view"));
  cp_menu_button_set_menu_on_demand (GTK_MENU_BUTTON (gtk_builder_get_object (builder, "start_menu_button")),
                      G_MENU_MODEL (gtk_builder_get_object (builder, "start_menu")));
  cp_application_ensure_own_icons ();  /* the page shows the application's icon */
  self->sign_in_page = g_object_new (CP_TYPE_SIGN_IN_PAGE, NULL);
  gtk_widget_set_vexpand (GTK_WIDGET (self->sign_in_page), TRUE);
  gtk_box_append (GTK_BOX (view), GTK_WIDGET (self->sign_in_page));
  adw_bin_set_child (self->sign_in_bin, view);
  cp_widget_fix_mnemonic_names (view);
  g_signal_connect_object (self->sign_in_page, "connect", G_CALLBACK (connect_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sign_in_page, "cancel-connect", G_CALLBACK (cancel_connect_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sign_in_page, "signed-in", G_CALLBACK (signed_in_cb), self, G_CONNECT_SWAPPED);
  if (self->configured_url != NULL)
    cp_sign_in_page_set_server_url (self->sign_in_page, self->configured_url, self->url_editable);
  return self->sign_in_page;
}

/* Shows the sign-in page, building it if this is the first time. */
static CpSignInPage *
show_sign_in_page (CpWindow *self)
{
  CpSignInPage *page = ensure_sign_in_page (self);

  gtk_stack_set_visible_child_name (self->stack, "sign-in");
  return page;
}

static void
put_page (AdwBin    *bin,
          GtkWidget *page)
{
  adw_bin_set_child (bin, page);
  cp_widget_fix_mnemonic_names (page);
}

/* Builds the main view's page @name if it does not exist yet; a page built
 * while signed in gets the connection and loads at once. */
static void
ensure_page (CpWindow   *self,
             const char *name)
{
  ensure_portal_view (self);
  if (g_strcmp0 (name, "apps") == 0 && self->apps_page == NULL)
    {
      self->apps_page = g_object_new (CP_TYPE_APPS_PAGE, NULL);
      put_page (self->apps_bin, GTK_WIDGET (self->apps_page));
      if (self->in_portal)
        {
          cp_apps_page_set_client (self->apps_page, self->client);
          cp_apps_page_reload (self->apps_page);
        }
    }
  else if (g_strcmp0 (name, "device") == 0 && self->device_page == NULL)
    {
      self->device_page = g_object_new (CP_TYPE_DEVICE_PAGE, NULL);
      put_page (self->device_bin, GTK_WIDGET (self->device_page));
      cp_device_page_set_agent (self->device_page, self->agent);
      if (self->in_portal)
        {
          cp_device_page_set_client (self->device_page, self->client);
          cp_device_page_reload (self->device_page);
        }
    }
  else if (g_strcmp0 (name, "compliance") == 0 && self->compliance_page == NULL)
    {
      self->compliance_page = g_object_new (CP_TYPE_COMPLIANCE_PAGE, NULL);
      put_page (self->compliance_bin, GTK_WIDGET (self->compliance_page));
      g_signal_connect_object (self->compliance_page, "enroll-requested", G_CALLBACK (enroll_requested_cb),
                               self, G_CONNECT_SWAPPED);
      if (self->in_portal)
        {
          cp_compliance_page_set_client (self->compliance_page, self->client);
          cp_compliance_page_reload (self->compliance_page);
        }
    }
  else if (g_strcmp0 (name, "help") == 0 && self->help_page == NULL)
    {
      self->help_page = g_object_new (CP_TYPE_HELP_PAGE, NULL);
      put_page (self->help_bin, GTK_WIDGET (self->help_page));
      if (self->organization != NULL)
        cp_help_page_set_organization (self->help_page, self->organization, self->server_url);
    }
}

/* The Compliance page follows once the main view is on screen, in an idle
 * at low priority so it does not delay a frame: it asks the agent at once,
 * so the compliance state is ready before the user opens the page. The
 * Device and Help pages are built the first time they are shown
 * (visible_page_cb(), enroll_requested_cb()): a window that stays on the
 * Apps page does not keep their widgets and data. */
static gboolean
build_compliance_page_cb (gpointer user_data)
{
  CpWindow *self = user_data;

  ensure_page (self, "compliance");
  self->compliance_page_idle = 0;
  return G_SOURCE_REMOVE;
}

/* Switching to a page builds it; before sign-in nothing is built here
 * (cp_window_show_compliance() builds what it needs itself). */
static void
visible_page_cb (CpWindow *self)
{
  if (self->in_portal)
    ensure_page (self, adw_view_stack_get_visible_child_name (self->view_stack));
}

/* Offline: the pages keep what they last loaded; the window probes the
 * server with backoff and reloads them once it answers. Nothing runs while
 * the window is not mapped; looking at the window again probes at once. */

static void reload_portal (CpWindow *self);

static void
reconnected_cb (CpWindow *self)
{
  g_debug ("The server is back: reloading");
  reload_portal (self);
}

static void
watch_connection (CpWindow *self)
{
  g_clear_object (&self->reconnect);
  self->reconnect = cp_reconnect_new (self->soup_session, self->server_url);
  cp_reconnect_set_paused (self->reconnect, !gtk_widget_get_mapped (GTK_WIDGET (self)));
  g_signal_connect_object (self->reconnect, "reconnected", G_CALLBACK (reconnected_cb), self,
                           G_CONNECT_SWAPPED);
}

static void
unwatch_connection (CpWindow *self)
{
  if (self->reconnect != NULL)
    cp_reconnect_stop (self->reconnect);
  g_clear_object (&self->reconnect);
}

/* Already probing: a page (or the user's action) just failed again, so the next probe
 * goes now (CpReconnect limits that to one per first delay). */
static void
connection_lost (CpWindow *self)
{
  if (!self->in_portal || self->reconnect == NULL)
    return;
  if (cp_reconnect_get_active (self->reconnect))
    cp_reconnect_probe_now (self->reconnect);
  else
    cp_reconnect_start (self->reconnect);
}

/* win.connection-lost: a page found the server unreachable. */
static void
connection_lost_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  connection_lost (CP_WINDOW (widget));
}

static void
mapped_cb (CpWindow *self)
{
  if (self->reconnect != NULL)
    cp_reconnect_set_paused (self->reconnect, !gtk_widget_get_mapped (GTK_WIDGET (self)));
}

static void
is_active_cb (CpWindow *self)
{
  if (self->reconnect != NULL && gtk_window_is_active (GTK_WINDOW (self)))
    cp_reconnect_probe_now (self->reconnect);
}

static void
setup_reconnect_triggers (CpWindow *self)
{
  g_signal_connect (self, "map", G_CALLBACK (mapped_cb), NULL);
  g_signal_connect (self, "unmap", G_CALLBACK (mapped_cb), NULL);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (is_active_cb), NULL);
}

/* Leaving the main view */

static void
leave_portal (CpWindow   *self,
              const char *banner)
{
  CpSignInPage *page;

  g_cancellable_cancel (self->portal_cancellable);
  g_clear_object (&self->portal_cancellable);
  self->in_portal = FALSE;
  unwatch_connection (self);
  set_portal_actions_enabled (self, FALSE);

  if (self->apps_page != NULL)
    cp_apps_page_set_client (self->apps_page, NULL);
  if (self->device_page != NULL)
    cp_device_page_set_client (self->device_page, NULL);
  if (self->compliance_page != NULL)
    cp_compliance_page_set_client (self->compliance_page, NULL);
  set_user_identity (self, NULL, NULL);
  if (self->logo_image != NULL)
    {
      gtk_image_clear (self->logo_image);
      gtk_widget_set_visible (GTK_WIDGET (self->logo_image), FALSE);
    }

  page = show_sign_in_page (self);
  cp_sign_in_page_set_banner (page, banner);
  if (self->organization != NULL && self->oidc != NULL)
    cp_sign_in_page_show_methods (page, self->organization, self->oidc);
  else
    cp_sign_in_page_show_server (page);
}

static void
forget_connection (CpWindow *self)
{
  g_cancellable_cancel (self->connect_cancellable);
  g_clear_object (&self->connect_cancellable);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  g_clear_object (&self->store);
  g_clear_object (&self->oidc);
  g_clear_object (&self->organization);
  g_clear_object (&self->client);
  cp_branding_set_accent_color (self->branding, NULL);
  if (self->help_page != NULL)
    cp_help_page_set_organization (self->help_page, NULL, NULL);
}

/* The main view */

static void
me_cb (GObject      *source,
       GAsyncResult *result,
       gpointer      user_data)
{
  g_autoptr(CpWindow) self = user_data;
  g_autoptr(CpUser) user = NULL;
  g_autoptr(GError) error = NULL;
  const char *email;

  user = cp_api_client_get_me_finish (CP_API_CLIENT (source), result, &error);
  if (user == NULL)
    {
      if (cp_error_is_cancelled (error))
        return;
      g_debug ("GET /v1/me: %s", error->message);
      if (cp_error_is_connection (error))
        {
          cp_window_show_toast (self, _("No connection to the server. Showing what was last loaded."));
          connection_lost (self);
        }
      else
        cp_window_show_toast (self, error->message);
      return;
    }
  /* The server is authoritative; the ID token still knows an address the server may not. */
  email = cp_user_get_email (user);
  if (email == NULL && self->session != NULL && cp_session_get_tokens (self->session) != NULL)
    email = cp_token_set_get_email (cp_session_get_tokens (self->session));
  set_user_identity (self, cp_user_get_display_name (user), email);
}

static void
logo_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(CpWindow) self = user_data;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = cp_branding_load_logo_finish (CP_BRANDING (source), result, &error);
  if (texture == NULL)
    {
      /* The name in the header is enough without a logo. */
      if (!cp_error_is_cancelled (error))
        g_debug ("No logo: %s", error->message);
      return;
    }
  gtk_image_set_from_paintable (self->logo_image, GDK_PAINTABLE (texture));
  gtk_widget_set_visible (GTK_WIDGET (self->logo_image), TRUE);
}

/* What the header needs besides the name and the tabs in their narrow form
 * (labels under the icons): the logo and the end buttons with the window
 * controls, about 60 + 190 px and the gaps between them with libadwaita 1.2
 * and Adwaita. */
#define HEADER_RESERVE 300
/* Less room than this for the name shows it as the header's title instead. */
#define ORG_NAME_MIN_WIDTH 72

/* AdwHeaderBar gives the tabs their natural (wide) width first, so an
 * ellipsizing name was cut at the default width with room to spare
 * ("Kestrel Freig…"), and to a bare "…" a little narrower. So the name's
 * minimum width is what the window has besides the narrow tabs and the
 * buttons, up to the whole name (the tabs then take their narrow form): the
 * full name at the default width, an ellipsized one narrower (the tooltip
 * has it all), and in the narrowest windows the header shows it as its
 * title. This depends on the window's width and the narrow tabs' natural
 * width only, never on what the header shows, so it cannot flip back and
 * forth. Returns 0 for "no room". */
static int
org_name_width (CpWindow *self)
{
  g_autoptr(PangoLayout) layout = NULL;
  int window_width = gtk_widget_get_width (GTK_WIDGET (self));
  int tabs_width = 0;
  int name_width = 0;

  if (window_width <= 0)
    gtk_window_get_default_size (GTK_WINDOW (self), &window_width, NULL);
  gtk_widget_measure (GTK_WIDGET (self->narrow_view_switcher), GTK_ORIENTATION_HORIZONTAL, -1,
                      NULL, &tabs_width, NULL, NULL);
  /* Measured from the label's own layout (it carries the heading's bold as
   * attributes), not ellipsized: a hidden label measures 0. */
  layout = pango_layout_copy (gtk_label_get_layout (self->org_name_label));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_NONE);
  pango_layout_set_width (layout, -1);
  pango_layout_get_pixel_size (layout, &name_width, NULL);
  name_width = MIN (name_width, window_width - HEADER_RESERVE - tabs_width);
  return name_width >= ORG_NAME_MIN_WIDTH ? name_width : 0;
}

/* The name shows next to the logo while it has room (org_name_width()).
 * The title's squeezer picks its child from inside its size_allocate;
 * hiding a header bar child right then leaves libadwaita 1.2's AdwGizmo
 * boxes unallocated for a frame ("Trying to snapshot AdwGizmo without a
 * current allocation"). So the change waits for idle. */
static gboolean
update_org_name_visibility (gpointer user_data)
{
  CpWindow *self = user_data;
  int name_width;

  self->org_name_idle = 0;
  if (self->org_name_label == NULL)
    return G_SOURCE_REMOVE;
  name_width = org_name_width (self);
  gtk_widget_set_size_request (GTK_WIDGET (self->org_name_label), name_width > 0 ? name_width : -1, -1);
  /* Not on what the switcher shows: a name shown or hidden changes the room
   * the switcher has, and the header flipped every frame at some widths. */
  gtk_widget_set_visible (GTK_WIDGET (self->org_name_label), name_width > 0);
  return G_SOURCE_REMOVE;
}

/* When the name's room may have changed: the window's width, the name, or
 * what the header shows. */
static void
queue_org_name_update (CpWindow *self)
{
  if (self->org_name_idle == 0)
    self->org_name_idle = g_idle_add (update_org_name_visibility, self);
}

/* When the tabs do not fit, the header shows the title and the bottom bar
 * the tabs. */
static void
title_squeezer_cb (CpWindow *self)
{
  gboolean title_shown;

  if (self->switcher_bar == NULL)  /* still being built: the tabs show first */
    return;
  title_shown = adw_squeezer_get_visible_child (self->title_squeezer) == GTK_WIDGET (self->window_title);
  adw_view_switcher_bar_set_reveal (self->switcher_bar, title_shown);
  queue_org_name_update (self);
}

/* The start frees a lot once it is over (JSON trees, the icons' encoded
 * bytes, TLS handshakes, rows), in small pieces that glibc keeps in the
 * middle of its heap: returning them measured 127 -> 120 MB resident, 41 ->
 * 34 MB private, with the demo organisation. Once, when the start has had
 * time to settle; it takes about a millisecond. */
#define TRIM_DELAY_SECONDS 3

static gboolean
trim_cb (gpointer user_data)
{
  CpWindow *self = user_data;

  self->trim_timeout = 0;
#ifdef __GLIBC__
  malloc_trim (0);
#endif
  return G_SOURCE_REMOVE;
}

static void
reload_portal (CpWindow *self)
{
  cp_api_client_get_me_async (self->client, self->portal_cancellable, me_cb, g_object_ref (self));
  if (self->apps_page != NULL)
    cp_apps_page_reload (self->apps_page);
  if (self->device_page != NULL)
    cp_device_page_reload (self->device_page);
  if (self->compliance_page != NULL)
    cp_compliance_page_reload (self->compliance_page);
}

static void
load_logo (CpWindow *self)
{
  const char *logo_url = self->organization != NULL ? cp_organization_get_logo_url (self->organization) : NULL;

  if (logo_url != NULL && self->in_portal)
    cp_branding_load_logo_async (self->branding, self->soup_session, logo_url,
                                 cp_icon_cache_image_size (self->logo_image),
                                 self->portal_cancellable, logo_cb, g_object_ref (self));
}

static void
enter_portal (CpWindow *self)
{
  CpTokenSet *tokens = cp_session_get_tokens (self->session);
  const char *name = cp_organization_get_display_name (self->organization);

  g_cancellable_cancel (self->portal_cancellable);
  g_clear_object (&self->portal_cancellable);
  self->portal_cancellable = g_cancellable_new ();
  ensure_portal_view (self);
  self->in_portal = TRUE;
  watch_connection (self);
  set_portal_actions_enabled (self, TRUE);

  adw_window_title_set_title (self->window_title, name);
  gtk_label_set_label (self->org_name_label, name);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->org_name_label), name);
  queue_org_name_update (self);
  gtk_window_set_title (GTK_WINDOW (self), name);
  if (tokens != NULL)
    set_user_identity (self, cp_token_set_get_name (tokens), cp_token_set_get_email (tokens));
  load_logo (self);

  if (self->sign_in_page != NULL)
    cp_sign_in_page_set_banner (self->sign_in_page, NULL);
  if (self->apps_page != NULL)
    cp_apps_page_set_client (self->apps_page, self->client);
  if (self->device_page != NULL)
    cp_device_page_set_client (self->device_page, self->client);
  if (self->compliance_page != NULL)
    cp_compliance_page_set_client (self->compliance_page, self->client);
  reload_portal (self);
  /* The page on screen is built now (and loads); the Compliance page right after
   * the main view's first frame (build_compliance_page_cb()); the others when first shown. */
  ensure_page (self, adw_view_stack_get_visible_child_name (self->view_stack));
  gtk_stack_set_visible_child_name (self->stack, "portal");
  if (self->compliance_page_idle == 0)
    self->compliance_page_idle = g_idle_add_full (G_PRIORITY_LOW, build_compliance_page_cb, self, NULL);
  if (self->trim_timeout == 0)
    self->trim_timeout = g_timeout_add_seconds_full (G_PRIORITY_LOW, TRIM_DELAY_SECONDS, trim_cb, self, NULL);
}

/* Signing in and out */

static void
session_state_cb (CpWindow   *self,
                  GParamSpec *pspec,
                  CpSession  *session)
{
  CpSessionState state = cp_session_get_state (session);

  if (!self->in_portal || state == CP_SESSION_STATE_SIGNED_IN)
    return;
  leave_portal (self, state == CP_SESSION_STATE_EXPIRED ? _("Your sign-in expired, sign in again") : NULL);
}

static void
session_sign_in_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(CpWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cp_session_sign_in_finish (CP_SESSION (source), result, &error))
    {
      g_debug ("Sign-in not kept: %s", error->message);
      cp_sign_in_page_show_error (show_sign_in_page (self), CP_SIGN_IN_STEP_KEYRING, error);
      return;
    }
  enter_portal (self);
}

static void
signed_in_cb (CpWindow     *self,
              CpTokenSet   *tokens,
              CpSignInPage *page)
{
  g_return_if_fail (self->session != NULL);

  cp_session_sign_in_async (self->session, tokens, self->connect_cancellable,
                            session_sign_in_cb, g_object_ref (self));
}

static void
sign_out_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CpWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cp_session_sign_out_finish (CP_SESSION (source), result, &error))
    {
      g_autofree char *text = NULL;

      if (cp_error_is_cancelled (error))
        return;

      g_debug ("Sign-out: %s", error->message);
      /* Translators: %s says what went wrong */
      text = g_strdup_printf (_("Signed out, but: %s"), error->message);
      cp_window_show_toast (self, text);
    }
  if (self->in_portal)
    leave_portal (self, NULL);
}

static void
sign_out_response_cb (CpWindow         *self,
                      const char       *response,
                      AdwMessageDialog *dialog)
{
  if (g_strcmp0 (response, "sign-out") != 0 || self->session == NULL)
    return;
  cp_session_sign_out_async (self->session, self->connect_cancellable, sign_out_cb, g_object_ref (self));
}

static void
sign_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  CpWindow *self = CP_WINDOW (widget);
  AdwMessageDialog *dialog;

  gtk_menu_button_popdown (self->user_button);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Sign Out?"),
                                                       _("You will need to sign in again to see your apps and your device. "
                                                         "This device stays enrolled.")));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "sign-out", _("_Sign Out"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "sign-out", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (sign_out_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CpWindow *self = CP_WINDOW (widget);

  if (self->in_portal)
    reload_portal (self);
}

/* Connecting */

static void
show_connect_error (CpWindow     *self,
                    CpSignInStep  step,
                    const GError *error)
{
  if (cp_error_is_cancelled (error))
    return;
  g_debug ("Connecting to %s failed: %s", self->server_url, error->message);
  cp_sign_in_page_show_error (show_sign_in_page (self), step, error);
}

static void
restore_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CpWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  CpSignInPage *page;
  gboolean signed_in;

  signed_in = cp_session_restore_finish (CP_SESSION (source), result, &error);
  if (error != NULL)
    {
      show_connect_error (self, g_error_matches (error, CP_ERROR, CP_ERROR_KEYRING)
                                  ? CP_SIGN_IN_STEP_KEYRING : CP_SIGN_IN_STEP_PROVIDER,
                          error);
      return;
    }

  if (signed_in)
    {
      enter_portal (self);
      return;
    }

  page = show_sign_in_page (self);
  cp_sign_in_page_set_banner (page,
                              cp_session_get_state (self->session) == CP_SESSION_STATE_EXPIRED
                                ? _("Your sign-in expired, sign in again") : NULL);
  cp_sign_in_page_show_methods (page, self->organization, self->oidc);
}

static void
discover_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CpWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cp_oidc_client_discover_finish (CP_OIDC_CLIENT (source), result, &error))
    {
      show_connect_error (self, CP_SIGN_IN_STEP_PROVIDER, error);
      return;
    }

  self->store = cp_token_store_new ();
  self->session = cp_session_new (self->server_url, self->oidc, self->store);
  g_signal_connect_object (self->session, "notify::state", G_CALLBACK (session_state_cb),
                           self, G_CONNECT_SWAPPED);
  cp_api_client_set_token_source (self->client, CP_TOKEN_SOURCE (self->session));
  cp_session_restore_async (self->session, self->connect_cancellable, restore_cb, g_object_ref (self));
}

static void
organization_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(CpWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  CpOrganization *org;

  org = cp_api_client_get_organization_finish (CP_API_CLIENT (source), result, &error);
  if (org == NULL)
    {
      show_connect_error (self, CP_SIGN_IN_STEP_CONNECT, error);
      return;
    }

  self->organization = org;
  cp_api_client_set_api_base_url (self->client, cp_organization_get_api_base_url (org));
  cp_branding_set_accent_color (self->branding, cp_organization_get_accent_color (org));
  if (self->help_page != NULL)
    cp_help_page_set_organization (self->help_page, org, self->server_url);
  /* Only an address that proved to be a Company Portal server is remembered. */
  if (self->save_server_url && g_settings_is_writable (self->settings, "server-url"))
    g_settings_set_string (self->settings, "server-url", self->server_url);

  self->oidc = cp_oidc_client_new (self->soup_session,
                                   cp_organization_get_issuer (org),
                                   cp_organization_get_client_id (org),
                                   cp_organization_get_scopes (org),
                                   cp_organization_get_resource (org));
  cp_oidc_client_discover_async (self->oidc, self->connect_cancellable, discover_cb, g_object_ref (self));
}

static void
connect_to_server (CpWindow   *self,
                   const char *server_url,
                   gboolean    at_startup)
{
  g_autofree char *title = NULL;

  forget_connection (self);
  g_free (self->server_url);
  self->server_url = g_strdup (server_url);
  self->connect_cancellable = g_cancellable_new ();
  self->client = cp_api_client_new (self->soup_session, server_url);

  /* Translators: %s is a server address */
  title = g_strdup_printf (_("Connecting to %s"), server_url);
  if (at_startup)
    show_starting_page (self, title);
  else
    cp_sign_in_page_show_busy (show_sign_in_page (self), title, TRUE);
  cp_api_client_get_organization_async (self->client, self->connect_cancellable,
                                        organization_cb, g_object_ref (self));
}

static void
connect_cb (CpWindow     *self,
            const char   *server_url,
            CpSignInPage *page)
{
  self->save_server_url = g_getenv ("COMPANY_PORTAL_SERVER") == NULL;
  connect_to_server (self, server_url, FALSE);
}

static void
cancel_connect_cb (CpWindow     *self,
                   CpSignInPage *page)
{
  forget_connection (self);
}

/* Startup */

static void
start (CpWindow *self)
{
  const char *env_url = g_getenv ("COMPANY_PORTAL_SERVER");
  g_autofree char *configured = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  gboolean editable;

  if (env_url != NULL && env_url[0] != '\0')
    {
      configured = g_strdup (env_url);
      editable = FALSE;
    }
  else
    {
      configured = g_settings_get_string (self->settings, "server-url");
      editable = g_settings_is_writable (self->settings, "server-url");
    }

  g_free (self->configured_url);
  self->configured_url = g_steal_pointer (&configured);
  self->url_editable = editable;
  if (self->configured_url[0] == '\0')
    {
      cp_sign_in_page_show_server (show_sign_in_page (self));
      return;
    }

  url = cp_api_client_normalize_server_url (self->configured_url, &error);
  if (url == NULL)
    {
      show_connect_error (self, CP_SIGN_IN_STEP_CONNECT, error);
      return;
    }
  self->save_server_url = FALSE;
  connect_to_server (self, url, TRUE);
}

static gboolean
cp_window_close_request (GtkWindow *window)
{
  CpWindow *self = CP_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  return GTK_WINDOW_CLASS (cp_window_parent_class)->close_request (window);
}

/* Built when asked for: GtkApplication would build it for every window as
 * the window opens. Closing it destroys it. */
static void
show_help_overlay_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  g_autoptr(GtkBuilder) builder = NULL;
  GtkWindow *shortcuts;

  builder = gtk_builder_new_from_resource ("/io/github/companyportal/CompanyPortal/cp-shortcuts-window.ui");
  shortcuts = GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay"));
  gtk_window_set_transient_for (shortcuts, GTK_WINDOW (widget));
  gtk_window_present (shortcuts);
}

static gboolean
first_frame_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  cp_bench_milestone ("first-frame");
  /* For instruction counts of the start (callgrind): stop right after the first frame. */
  if (g_strcmp0 (g_getenv ("CP_BENCH_QUIT_AFTER_FIRST_FRAME"), "1") == 0)
    g_application_quit (g_application_get_default ());
  return G_SOURCE_REMOVE;
}

/* GtkWindow:application is not a construct property, so this runs after g_object_new(). */
static void
setup (CpWindow      *self,
       CpApplication *app)
{
  gtk_widget_add_tick_callback (GTK_WIDGET (self), first_frame_cb, NULL, NULL);
  self->soup_session = g_object_ref (cp_application_get_session (app));
  self->settings = g_object_ref (cp_application_get_settings (app));
  self->branding = cp_branding_new (gtk_widget_get_display (GTK_WIDGET (self)));

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  start (self);
}

static void
cp_window_dispose (GObject *object)
{
  CpWindow *self = CP_WINDOW (object);

  g_clear_handle_id (&self->org_name_idle, g_source_remove);
  g_clear_handle_id (&self->trim_timeout, g_source_remove);
  g_clear_handle_id (&self->compliance_page_idle, g_source_remove);
  g_cancellable_cancel (self->portal_cancellable);
  g_clear_object (&self->portal_cancellable);
  unwatch_connection (self);
  if (self->branding != NULL)
    forget_connection (self);
  g_clear_object (&self->branding);
  if (self->device_page != NULL)
    cp_device_page_set_agent (self->device_page, NULL);
  g_clear_object (&self->agent);
  g_clear_object (&self->settings);
  g_clear_object (&self->soup_session);
  if (self->stack != NULL)
    g_signal_handlers_disconnect_by_data (self->stack, self);  /* drop_starting_page() */
  gtk_widget_dispose_template (GTK_WIDGET (object), CP_TYPE_WINDOW);
  /* The pages and the main view went with their bins. */
  self->logo_image = NULL;
  self->org_name_label = NULL;
  self->title_squeezer = NULL;
  self->narrow_view_switcher = NULL;
  self->window_title = NULL;
  self->user_button = NULL;
  self->user_avatar = NULL;
  self->user_name_label = NULL;
  self->user_email_label = NULL;
  self->view_stack = NULL;
  self->switcher_bar = NULL;
  self->switcher_bar_revealer = NULL;
  self->apps_bin = self->device_bin = self->compliance_bin = self->help_bin = NULL;
  self->starting_status = NULL;
  self->sign_in_page = NULL;
  self->apps_page = NULL;
  self->device_page = NULL;
  self->compliance_page = NULL;
  self->help_page = NULL;

  G_OBJECT_CLASS (cp_window_parent_class)->dispose (object);
}

static void
cp_window_finalize (GObject *object)
{
  CpWindow *self = CP_WINDOW (object);

  g_free (self->server_url);
  g_free (self->configured_url);
  g_free (self->user_name);
  g_free (self->user_email);

  G_OBJECT_CLASS (cp_window_parent_class)->finalize (object);
}

static void
cp_window_class_init (CpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  g_type_ensure (CP_TYPE_SPINNER);

  object_class->dispose = cp_window_dispose;
  object_class->finalize = cp_window_finalize;
  window_class->close_request = cp_window_close_request;


  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/companyportal/CompanyPortal/cp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CpWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CpWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, CpWindow, starting_bin);
  gtk_widget_class_bind_template_child (widget_class, CpWindow, sign_in_bin);
  gtk_widget_class_bind_template_child (widget_class, CpWindow, portal_bin);

  gtk_widget_class_install_action (widget_class, "win.sign-out", NULL, sign_out_action);
  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "win.connection-lost", NULL, connection_lost_action);
  gtk_widget_class_install_action (widget_class, "win.show-help-overlay", NULL, show_help_overlay_action);
}

static void
enroll_requested_cb (CpWindow *self)
{
  ensure_page (self, "device");
  adw_view_stack_set_visible_child_name (self->view_stack, "device");
}

static void
cp_window_init (CpWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  cp_widget_fix_mnemonic_names (GTK_WIDGET (self));
  g_signal_connect_swapped (self->stack, "notify::visible-child", G_CALLBACK (drop_starting_page), self);
  g_signal_connect_swapped (self->stack, "notify::transition-running", G_CALLBACK (drop_starting_page), self);

  set_portal_actions_enabled (self, FALSE);
  g_signal_connect (self, "notify::default-width", G_CALLBACK (queue_org_name_update), NULL);
  g_signal_connect (self, "notify::maximized", G_CALLBACK (queue_org_name_update), NULL);
  setup_reconnect_triggers (self);

  self->agent = cp_agent_client_new (NULL);
}

CpWindow *
cp_window_new (CpApplication *application)
{
  CpWindow *self;

  g_return_val_if_fail (CP_IS_APPLICATION (application), NULL);

  self = g_object_new (CP_TYPE_WINDOW, "application", application, NULL);
  setup (self, application);
  return self;
}

CpAgentClient *
cp_window_get_agent_client (CpWindow *self)
{
  g_return_val_if_fail (CP_IS_WINDOW (self), NULL);
  return self->agent;
}

void
cp_window_show_toast (CpWindow   *self,
                      const char *text)
{
  g_return_if_fail (CP_IS_WINDOW (self));
  g_return_if_fail (text != NULL);

  cp_widget_add_toast (GTK_WIDGET (self->toast_overlay), text);
}

void
cp_window_show_compliance (CpWindow   *self,
                           const char *setting_id)
{
  g_return_if_fail (CP_IS_WINDOW (self));

  /* Before sign-in the page keeps the setting and shows it once the results are there. */
  ensure_page (self, "compliance");  /* and the main view */
  adw_view_stack_set_visible_child_name (self->view_stack, "compliance");
  if (setting_id != NULL && *setting_id != '\0')
    cp_compliance_page_show_setting (self->compliance_page, setting_id);
}
