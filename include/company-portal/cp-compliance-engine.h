/* cp-compliance-engine.h: evaluates a compliance policy on a host
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cp-compliance-policy.h"
#include "cp-compliance-result.h"
#include "cp-host-root.h"

G_BEGIN_DECLS

#define CP_TYPE_COMPLIANCE_ENGINE (cp_compliance_engine_get_type ())
G_DECLARE_FINAL_TYPE (CpComplianceEngine, cp_compliance_engine, CP, COMPLIANCE_ENGINE, GObject)

/* Signals:
 * "setting-evaluated" (CpComplianceSetting *setting, guint done, guint total):
 *   emitted in the caller's main context after each setting, for progress. */

CpComplianceEngine  *cp_compliance_engine_new                (CpHostRoot            *root);
CpHostRoot          *cp_compliance_engine_get_root           (CpComplianceEngine    *self);
/* Where the screen-lock check finds org.gnome.desktop.screensaver and
 * org.gnome.desktop.session; default: the system's schema source. Values are
 * read from the default GSettings backend. NULL restores the default. */
void                 cp_compliance_engine_set_schema_source  (CpComplianceEngine    *self,
                                                              GSettingsSchemaSource *source);
/* Discovery script time limit when the policy sets none (default 300 s). */
void                 cp_compliance_engine_set_script_timeout (CpComplianceEngine    *self,
                                                              guint                  timeout_ms);
/* Preferred languages for custom remediation strings; default g_get_language_names(). */
void                 cp_compliance_engine_set_languages      (CpComplianceEngine    *self,
                                                              const char *const     *languages);
/* Evaluates every setting in order. Results (CpComplianceResult, one per
 * built-in setting, one per rule of a custom setting) come in policy order.
 * Fails only on cancellation. */
void                 cp_compliance_engine_evaluate_async     (CpComplianceEngine    *self,
                                                              CpCompliancePolicy    *policy,
                                                              GCancellable          *cancellable,
                                                              GAsyncReadyCallback    callback,
                                                              gpointer               user_data);
GPtrArray           *cp_compliance_engine_evaluate_finish    (CpComplianceEngine    *self,
                                                              GAsyncResult          *result,
                                                              GError               **error);

G_END_DECLS
