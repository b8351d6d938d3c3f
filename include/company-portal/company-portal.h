/* company-portal.h: the umbrella header of libcompanyportal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#define CP_INSIDE_COMPANY_PORTAL_H

#include "cp-api-client.h"
#include "cp-app.h"
#include "cp-app-catalog.h"
#include "cp-browser-sign-in.h"
#include "cp-compliance-engine.h"
#include "cp-compliance-policy.h"
#include "cp-compliance-report.h"
#include "cp-compliance-result.h"
#include "cp-compliance-rules.h"
#include "cp-compliance-script.h"
#include "cp-compliance-version.h"
#include "cp-device.h"
#include "cp-device-facts.h"
#include "cp-device-key.h"
#include "cp-device-request.h"
#include "cp-device-sign-in.h"
#include "cp-error.h"
#include "cp-host-root.h"
#include "cp-install-job.h"
#include "cp-installer.h"
#include "cp-jose.h"
#include "cp-oidc-client.h"
#include "cp-organization.h"
#include "cp-reconnect.h"
#include "cp-session.h"
#include "cp-token-set.h"
#include "cp-token-source.h"
#include "cp-tls-database.h"
#include "cp-token-store.h"
#include "cp-user.h"

#undef CP_INSIDE_COMPANY_PORTAL_H
