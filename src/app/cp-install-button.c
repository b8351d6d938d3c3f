/* cp-install-button.c: Install / progress and Cancel / Open and Remove / Retry
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows only what the agent reported: "Open" appears when ListInstalled or
 * JobChanged says the app is installed, never because a call was made.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <gio/gdesktopappinfo.h>

#include "cp-app-util.h"
#include "cp-install-button.h"

struct _CpInstallButton
{
  GtkBox         parent_instance;

  gboolean       compact;
  GtkWidget     *main_button;
  GtkWidget     *remove_button;
  GtkWidget     *cancel_button;
  GtkWidget     *progress;
  GtkWidget     *status;

  CpAppInstalls *installs;
  gulong         changed_id;
  CpApp         *app;
};

G_DEFINE_FINAL_TYPE (CpInstallButton, cp_install_button, GTK_TYPE_BOX)

/* Rows (compact) have no progress bar, Cancel or Remove: cheaper to build. */
static void
set_visible (GtkWidget *widget,
             gboolean   visible)
{
  if (widget != NULL)
    gtk_widget_set_visible (widget, visible);
}

typedef enum { ACTION_NONE, ACTION_INSTALL, ACTION_OPEN_FLATPAK, ACTION_HANDOFF, ACTION_WEB } Action;

static void
set_main (CpInstallButton *self,
          const char      *label,
          const char      *accessible_label,
          Action           action,
          gboolean         sensitive,
          gboolean         suggested)
{
  gtk_button_set_label (GTK_BUTTON (self->main_button), label);
  gtk_widget_set_visible (self->main_button, label != NULL);
  gtk_widget_set_sensitive (self->main_button, sensitive);
  if (suggested)
    gtk_widget_add_css_class (self->main_button, "suggested-action");
  else
    gtk_widget_remove_css_class (self->main_button, "suggested-action");
  g_object_set_data (G_OBJECT (self->main_button), "cp-action", GINT_TO_POINTER (action));
  /* Rows repeat the button for every app: say which app it is for. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->main_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible_label, -1);
}

static GtkWidget *
new_status_label (void)
{
  GtkWidget *status = gtk_label_new (NULL);

  gtk_label_set_wrap (GTK_LABEL (status), TRUE);
  gtk_label_set_xalign (GTK_LABEL (status), 0);
  gtk_widget_add_css_class (status, "dim-label");
  gtk_widget_add_css_class (status, "caption");
  /* In a row the status stands where the button was: without a width it
   * wraps word by word into a narrow column ("Waiting / to / install…"). */
  gtk_label_set_width_chars (GTK_LABEL (status), 14);
  gtk_label_set_max_width_chars (GTK_LABEL (status), 24);
  return status;
}

/* The label is made when there is first something to say: most rows of a
 * catalog never show a status. */
static void
set_status (CpInstallButton *self,
            const char      *text)
{
  if (self->status == NULL && text == NULL)
    return;
  if (self->status == NULL)
    {
      self->status = new_status_label ();
      gtk_box_append (GTK_BOX (self), self->status);
    }
  gtk_label_set_label (GTK_LABEL (self->status), text != NULL ? text : "");
  gtk_widget_set_visible (self->status, text != NULL);
}

static void
show_progress (CpInstallButton *self,
               const char      *app_id,
               CpAppInstallState state)
{
  guint64 done, total;
  double fraction = cp_app_installs_get_progress (self->installs, app_id, &done, &total);
  g_autofree char *text = NULL;

  set_visible (self->progress, TRUE);
  if (self->progress != NULL)
    gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress), fraction);
  set_visible (self->cancel_button, state != CP_APP_INSTALL_STATE_REMOVING);
  if (state == CP_APP_INSTALL_STATE_PREPARING)
    text = g_strdup (_("Getting the app’s details…"));
  else if (state == CP_APP_INSTALL_STATE_QUEUED)
    text = g_strdup (_("Waiting to install…"));
  else if (state == CP_APP_INSTALL_STATE_REMOVING)
    text = g_strdup (_("Removing…"));
  else if (total > 0)
    {
      g_autofree char *done_text = g_format_size (done);
      g_autofree char *total_text = g_format_size (total);

      /* Translators: "12.3 MB of 40.0 MB (30%)" */
      text = g_strdup_printf (_("%s of %s (%d%%)"), done_text, total_text, (int) (fraction * 100 + 0.5));
    }
  else
    text = g_strdup_printf (_("Installing… %d%%"), (int) (fraction * 100 + 0.5));
  set_status (self, text);
  if (self->progress != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->progress), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

static void
update_flatpak (CpInstallButton *self,
                const char      *name)
{
  const char *app_id = cp_app_get_id (self->app);
  CpAppInstallState state = cp_app_installs_get_state (self->installs, app_id);
  g_autofree char *install_label = g_strdup_printf (_("Install %s"), name);
  g_autofree char *open_label = g_strdup_printf (_("Open %s"), name);
  g_autofree char *retry_label = g_strdup_printf (_("Retry installing %s"), name);

  if (!cp_app_installs_is_agent_available (self->installs))
    {
      set_main (self, _("Install"), install_label, ACTION_INSTALL, FALSE, FALSE);
      set_status (self, self->compact ? _("Needs the agent")
                                      : _("Installing this app needs the Company Portal agent, which is not running on this computer."));
      return;
    }
  switch (state)
    {
    case CP_APP_INSTALL_STATE_PREPARING:
    case CP_APP_INSTALL_STATE_QUEUED:
    case CP_APP_INSTALL_STATE_DOWNLOADING:
    case CP_APP_INSTALL_STATE_INSTALLING:
    case CP_APP_INSTALL_STATE_REMOVING:
      set_main (self, NULL, NULL, ACTION_NONE, FALSE, FALSE);
      show_progress (self, app_id, state);
      break;
    case CP_APP_INSTALL_STATE_INSTALLED:
      set_main (self, _("Open"), open_label, ACTION_OPEN_FLATPAK, TRUE, FALSE);
      set_visible (self->remove_button, TRUE);
      {
        const char *reason = cp_app_installs_get_error (self->installs, app_id);
        g_autofree char *text = reason != NULL ? g_strdup_printf (_("Installed. Removing it failed: %s"), reason)
                                               : NULL;

        set_status (self, self->compact ? NULL : text != NULL ? text : _("Installed"));
      }
      break;
    case CP_APP_INSTALL_STATE_FAILED:
      set_main (self, _("Retry"), retry_label, ACTION_INSTALL, TRUE, TRUE);
      {
        const char *reason = cp_app_installs_get_error (self->installs, app_id);
        g_autofree char *text = g_strdup_printf (_("Installation failed: %s"),
                                                 reason != NULL ? reason : _("unknown reason"));
        set_status (self, self->compact ? _("Installation failed") : text);
      }
      break;
    case CP_APP_INSTALL_STATE_UNKNOWN:
    case CP_APP_INSTALL_STATE_NOT_INSTALLED:
    default:
      set_main (self, _("Install"), install_label, ACTION_INSTALL, TRUE, TRUE);
      break;
    }
}

static void
update (CpInstallButton *self)
{
  const char *name;
  g_autofree char *open_label = NULL;

  set_visible (self->progress, FALSE);
  set_visible (self->cancel_button, FALSE);
  set_visible (self->remove_button, FALSE);
  set_status (self, NULL);
  if (self->app == NULL)
    {
      set_main (self, NULL, NULL, ACTION_NONE, FALSE, FALSE);
      return;
    }
  name = cp_app_get_name (self->app);
  open_label = g_strdup_printf (_("Open %s"), name);
  switch (cp_app_get_install_method (self->app))
    {
    case CP_INSTALL_METHOD_FLATPAK:
      if (self->installs != NULL)
        update_flatpak (self, name);
      break;
    case CP_INSTALL_METHOD_HANDOFF:
      {
        g_autofree char *label = g_strdup_printf (_("Install %s with the software centre"), name);
        set_main (self, _("Install…"), label, ACTION_HANDOFF, TRUE, FALSE);
        if (!self->compact)
          set_status (self, _("Installed by your software centre"));
      }
      break;
    case CP_INSTALL_METHOD_WEB:
      set_main (self, _("Open"), open_label, ACTION_WEB, TRUE, FALSE);
      if (!self->compact)
        set_status (self, _("Web app: opens in your browser"));
      break;
    case CP_INSTALL_METHOD_NONE:
    default:
      set_main (self, _("Install"), NULL, ACTION_NONE, FALSE, FALSE);
      if (!self->compact)
        set_status (self, cp_app_get_unsupported_reason (self->app));
      break;
    }
}

static void
installs_changed_cb (CpAppInstalls   *installs,
                     const char      *app_id,
                     CpInstallButton *self)
{
  if (self->app != NULL && (app_id == NULL || g_strcmp0 (app_id, cp_app_get_id (self->app)) == 0))
    update (self);
}

static void
open_flatpak (CpInstallButton *self)
{
  g_autofree char *desktop_id = g_strconcat (cp_app_get_id (self->app), ".desktop", NULL);
  g_autoptr(GDesktopAppInfo) info = g_desktop_app_info_new (desktop_id);
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "flatpak", "run", cp_app_get_id (self->app), NULL };

  /* Its exported desktop file when the session sees it; else flatpak run. */
  if (info != NULL)
    {
      g_autoptr(GAppLaunchContext) context =
        G_APP_LAUNCH_CONTEXT (gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (self))));

      if (g_app_info_launch (G_APP_INFO (info), NULL, context, &error))
        return;
    }
  else if (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, &error))
    return;
  g_debug ("opening %s: %s", cp_app_get_id (self->app), error->message);
  cp_widget_add_toast (GTK_WIDGET (self), _("The app could not be opened"));
}

static void
main_clicked_cb (CpInstallButton *self)
{
  Action action = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (self->main_button), "cp-action"));

  if (self->app == NULL)
    return;
  switch (action)
    {
    case ACTION_INSTALL:
      if (self->installs != NULL)
        cp_app_installs_install (self->installs, cp_app_get_id (self->app));
      break;
    case ACTION_OPEN_FLATPAK:
      open_flatpak (self);
      break;
    case ACTION_HANDOFF:
      cp_widget_open_uri (GTK_WIDGET (self), cp_app_get_handoff_uri (self->app));
      break;
    case ACTION_WEB:
      cp_widget_open_uri (GTK_WIDGET (self), cp_app_get_web_url (self->app));
      break;
    case ACTION_NONE:
    default:
      break;
    }
}

static void
remove_clicked_cb (CpInstallButton *self)
{
  if (self->app != NULL && self->installs != NULL)
    cp_app_installs_uninstall (self->installs, cp_app_get_id (self->app));
}

static void
cancel_clicked_cb (CpInstallButton *self)
{
  if (self->app != NULL && self->installs != NULL)
    cp_app_installs_cancel (self->installs, cp_app_get_id (self->app));
}

static void
cp_install_button_dispose (GObject *object)
{
  CpInstallButton *self = CP_INSTALL_BUTTON (object);

  g_clear_signal_handler (&self->changed_id, self->installs);
  g_clear_object (&self->installs);
  g_clear_object (&self->app);

  G_OBJECT_CLASS (cp_install_button_parent_class)->dispose (object);
}

static void
cp_install_button_class_init (CpInstallButtonClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cp_install_button_dispose;
}

static GtkWidget *
new_button (CpInstallButton *self,
            const char      *label,
            GCallback        callback)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (button, "clicked", callback, self);
  return button;
}

static void
cp_install_button_init (CpInstallButton *self)
{
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 6);
  gtk_widget_add_css_class (GTK_WIDGET (self), "cp-install-button");
}

/* Rows (compact) have only the main button; the details page also has a
 * progress bar, Cancel and Remove. */
static void
build (CpInstallButton *self)
{
  GtkWidget *buttons;

  self->main_button = new_button (self, _("Install"), G_CALLBACK (main_clicked_cb));
  if (self->compact)
    {
      gtk_box_append (GTK_BOX (self), self->main_button);
      return;
    }
  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->remove_button = new_button (self, _("Remove"), G_CALLBACK (remove_clicked_cb));
  gtk_widget_add_css_class (self->remove_button, "destructive-action");
  self->cancel_button = new_button (self, _("Cancel"), G_CALLBACK (cancel_clicked_cb));
  self->progress = gtk_progress_bar_new ();
  gtk_widget_set_valign (self->progress, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (self->progress, TRUE);
  gtk_widget_set_size_request (self->progress, 100, -1);
  gtk_box_append (GTK_BOX (buttons), self->progress);
  gtk_box_append (GTK_BOX (buttons), self->main_button);
  gtk_box_append (GTK_BOX (buttons), self->cancel_button);
  gtk_box_append (GTK_BOX (buttons), self->remove_button);
  gtk_box_append (GTK_BOX (self), buttons);

  /* Only a state shows these: hidden, they do not widen the details page
   * (and so the whole window) before the first state arrives. */
  set_visible (self->progress, FALSE);
  set_visible (self->cancel_button, FALSE);
  set_visible (self->remove_button, FALSE);
}

GtkWidget *
cp_install_button_new (gboolean compact)
{
  CpInstallButton *self = g_object_new (CP_TYPE_INSTALL_BUTTON, NULL);

  self->compact = compact;
  build (self);
  if (compact)
    {
      gtk_widget_set_halign (GTK_WIDGET (self), GTK_ALIGN_END);
      gtk_widget_set_valign (GTK_WIDGET (self), GTK_ALIGN_CENTER);
    }
  return GTK_WIDGET (self);
}

void
cp_install_button_set_context (CpInstallButton *self,
                               CpAppInstalls   *installs)
{
  g_return_if_fail (CP_IS_INSTALL_BUTTON (self));

  g_clear_signal_handler (&self->changed_id, self->installs);
  g_set_object (&self->installs, installs);
  if (installs != NULL)
    self->changed_id = g_signal_connect (installs, "changed", G_CALLBACK (installs_changed_cb), self);
  update (self);
}

void
cp_install_button_set_app (CpInstallButton *self,
                           CpApp           *app)
{
  g_return_if_fail (CP_IS_INSTALL_BUTTON (self));

  g_set_object (&self->app, app);
  update (self);
}
