/* company-portal.h: the umbrella header of libcompanyportal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#define CP_INSIDE_COMPANY_PORTAL_H

#include "cp-api-client.h"
#include "cp-browser-sign-in.h"
#include "cp-device-facts.h"
#include "cp-device-key.h"
#include "cp-device-request.h"
#include "cp-device-sign-in.h"
#include "cp-error.h"
#include "cp-jose.h"
#include "cp-oidc-client.h"
#include "cp-organization.h"
#include "cp-session.h"
#include "cp-token-set.h"
#include "cp-token-source.h"
#include "cp-token-store.h"
#include "cp-user.h"

#undef CP_INSIDE_COMPANY_PORTAL_H
