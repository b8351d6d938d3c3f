/* cp-compliance-page.c: the Compliance page of the main view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows the compliance state of the user's devices, from GET /v1/devices. Until the server implements the
 * endpoint it answers 404, which the page shows as "not published yet".
 */
#include "config.h"

#include "cp-app-util.h"
#include "cp-compliance-page.h"
#include "cp-state-view.h"

struct _CpCompliancePage
{
  AdwBin        parent_instance;

  CpStateView  *state_view;

  CpApiClient  *client;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (CpCompliancePage, cp_compliance_page, ADW_TYPE_BIN)

static void
request_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CpCompliancePage) self = user_data;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  node = cp_api_client_request_finish (CP_API_CLIENT (source), result, &error);
  if (error != NULL)
    {
      if (!cp_error_is_cancelled (error))
        g_debug ("GET /v1/devices: %s", error->message);
      cp_state_view_show_error (self->state_view, error);
      return;
    }
  cp_state_view_show_result (self->state_view, node);
  cp_bench_milestone ("compliance-state");
}

static void
retry_cb (CpCompliancePage *self)
{
  cp_compliance_page_reload (self);
}

static void
cp_compliance_page_dispose (GObject *object)
{
  CpCompliancePage *self = CP_COMPLIANCE_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  /* No gtk_widget_dispose_template(): the bound child is AdwBin's own, which AdwBin disposes. */

  G_OBJECT_CLASS (cp_compliance_page_parent_class)->dispose (object);
}

static void
cp_compliance_page_class_init (CpCompliancePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cp_compliance_page_dispose;

  g_type_ensure (CP_TYPE_STATE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/companyportal/CompanyPortal/cp-compliance-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CpCompliancePage, state_view);
  gtk_widget_class_bind_template_callback (widget_class, retry_cb);
}

static void
cp_compliance_page_init (CpCompliancePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

void
cp_compliance_page_set_client (CpCompliancePage   *self,
                        CpApiClient *client)
{
  g_return_if_fail (CP_IS_COMPLIANCE_PAGE (self));
  g_return_if_fail (client == NULL || CP_IS_API_CLIENT (client));

  if (self->client == client)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_set_object (&self->client, client);
  cp_state_view_reset (self->state_view);
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

  cp_state_view_show_loading (self->state_view);
  cp_api_client_request_async (self->client, "GET", "/v1/devices", NULL, self->cancellable,
                               request_cb, g_object_ref (self));
}
