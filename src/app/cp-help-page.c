/* cp-help-page.c: the organisation's support contacts and privacy statement
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cp-app-util.h"
#include "cp-help-page.h"

struct _CpHelpPage
{
  AdwBin                parent_instance;

  AdwPreferencesGroup  *support_group;
  AdwActionRow         *no_contacts_row;
  AdwActionRow         *phone_row;
  AdwActionRow         *email_row;
  AdwActionRow         *website_row;
  AdwActionRow         *privacy_row;
  AdwActionRow         *no_privacy_row;
  AdwActionRow         *server_row;
  AdwActionRow         *version_row;
};

G_DEFINE_FINAL_TYPE (CpHelpPage, cp_help_page, ADW_TYPE_BIN)

#define URI_KEY "cp-uri"

static gboolean
is_web_uri (const char *uri)
{
  g_autofree char *scheme = g_uri_parse_scheme (uri);

  return scheme != NULL &&
         (g_ascii_strcasecmp (scheme, "https") == 0 || g_ascii_strcasecmp (scheme, "http") == 0);
}

/* Shows @row with @text and remembers what activating it opens; hides it without text. */
static gboolean
show_row (AdwActionRow *row,
          const char   *text,
          char         *uri /* owned */)
{
  gboolean visible = text != NULL && text[0] != '\0' && uri != NULL;

  gtk_widget_set_visible (GTK_WIDGET (row), visible);
  if (visible)
    adw_action_row_set_subtitle (row, text);
  g_object_set_data_full (G_OBJECT (row), URI_KEY, visible ? uri : NULL, g_free);
  if (!visible)
    g_free (uri);
  return visible;
}

static char *
phone_uri (const char *phone)
{
  g_autoptr(GString) digits = g_string_new ("tel:");

  if (phone == NULL)
    return NULL;
  /* RFC 3966: keep the digits and a leading '+', drop the visual separators. */
  for (const char *p = phone; *p != '\0'; p++)
    if (g_ascii_isdigit (*p) || (*p == '+' && digits->len == 4))
      g_string_append_c (digits, *p);
  if (digits->len == 4)
    return NULL;
  return g_string_free (g_steal_pointer (&digits), FALSE);
}

static char *
mail_uri (const char *email)
{
  g_autofree char *escaped = NULL;

  if (email == NULL || strchr (email, '@') == NULL)
    return NULL;
  escaped = g_uri_escape_string (email, "@", FALSE);
  return g_strconcat ("mailto:", escaped, NULL);
}

static char *
web_uri (const char *uri)
{
  return uri != NULL && is_web_uri (uri) ? g_strdup (uri) : NULL;
}

static void
contact_row_activated_cb (CpHelpPage   *self,
                          AdwActionRow *row)
{
  const char *uri = g_object_get_data (G_OBJECT (row), URI_KEY);

  if (uri != NULL)
    cp_widget_open_uri (GTK_WIDGET (self), uri);
}

static void
cp_help_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CP_TYPE_HELP_PAGE);

  G_OBJECT_CLASS (cp_help_page_parent_class)->dispose (object);
}

static void
cp_help_page_class_init (CpHelpPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cp_help_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/companyportal/CompanyPortal/cp-help-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CpHelpPage, support_group);
  gtk_widget_class_bind_template_child (widget_class, CpHelpPage, no_contacts_row);
  gtk_widget_class_bind_template_child (widget_class, CpHelpPage, phone_row);
  gtk_widget_class_bind_template_child (widget_class, CpHelpPage, email_row);
  gtk_widget_class_bind_template_child (widget_class, CpHelpPage, website_row);
  gtk_widget_class_bind_template_child (widget_class, CpHelpPage, privacy_row);
  gtk_widget_class_bind_template_child (widget_class, CpHelpPage, no_privacy_row);
  gtk_widget_class_bind_template_child (widget_class, CpHelpPage, server_row);
  gtk_widget_class_bind_template_child (widget_class, CpHelpPage, version_row);
  gtk_widget_class_bind_template_callback (widget_class, contact_row_activated_cb);
}

static void
cp_help_page_init (CpHelpPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  adw_action_row_set_subtitle (self->version_row, PACKAGE_VERSION);
  cp_help_page_set_organization (self, NULL, NULL);
}

void
cp_help_page_set_organization (CpHelpPage     *self,
                               CpOrganization *organization,
                               const char     *server_url)
{
  const char *name = NULL;
  const char *phone = NULL;
  const char *email = NULL;
  const char *website = NULL;
  const char *privacy = NULL;
  gboolean any = FALSE;

  g_return_if_fail (CP_IS_HELP_PAGE (self));
  g_return_if_fail (organization == NULL || CP_IS_ORGANIZATION (organization));

  if (organization != NULL)
    {
      name = cp_organization_get_support_name (organization);
      phone = cp_organization_get_support_phone (organization);
      email = cp_organization_get_support_email (organization);
      website = cp_organization_get_support_website (organization);
      privacy = cp_organization_get_privacy_url (organization);
    }

  adw_preferences_group_set_description (self->support_group, name);
  any |= show_row (self->phone_row, phone, phone_uri (phone));
  any |= show_row (self->email_row, email, mail_uri (email));
  any |= show_row (self->website_row, website, web_uri (website));
  gtk_widget_set_visible (GTK_WIDGET (self->no_contacts_row), !any);

  gtk_widget_set_visible (GTK_WIDGET (self->no_privacy_row),
                          !show_row (self->privacy_row, privacy, web_uri (privacy)));

  gtk_widget_set_visible (GTK_WIDGET (self->server_row), server_url != NULL);
  adw_action_row_set_subtitle (self->server_row, server_url);
}
