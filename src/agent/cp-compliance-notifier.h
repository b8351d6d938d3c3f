/* cp-compliance-notifier.h: tells the user when compliance gets worse
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The window's D-Bus name and path; its app.show-compliance action takes the setting id. */
#define CP_WINDOW_DBUS_NAME        "io.github.companyportal.CompanyPortal"
#define CP_WINDOW_DBUS_PATH        "/io/github/companyportal/CompanyPortal"
#define CP_WINDOW_SHOW_COMPLIANCE  "show-compliance"
/* A notification about a deadline comes this long before it. */
#define CP_COMPLIANCE_NOTIFY_BEFORE (24 * 60 * 60)

#define CP_TYPE_COMPLIANCE_NOTIFIER (cp_compliance_notifier_get_type ())
G_DECLARE_FINAL_TYPE (CpComplianceNotifier, cp_compliance_notifier, CP, COMPLIANCE_NOTIFIER, GObject)

/*
 * Sends a libnotify notification when the server's state for a device gets
 * worse (compliant → inGracePeriod → noncompliant) or a grace deadline is less
 * than a day away (once per deadline). Clicking it activates the window's
 * app.show-compliance action with the failing setting's id. Honours the
 * notifications-enabled key of the window's GSettings schema when installed.
 * Holds @app while a notification can still be clicked (at most an hour).
 */
CpComplianceNotifier *cp_compliance_notifier_new      (GApplication          *app);
/* Looks at @record after a report; updates its "notified*" members. */
void                  cp_compliance_notifier_consider (CpComplianceNotifier  *self,
                                                       JsonObject            *record,
                                                       gint64                 now);

/* The decision alone, for tests: the notification texts, or FALSE. */
gboolean              cp_compliance_notification_compose (JsonObject         *record,
                                                          gint64              now,
                                                          char              **summary,
                                                          char              **body,
                                                          char              **setting_id);

G_END_DECLS
