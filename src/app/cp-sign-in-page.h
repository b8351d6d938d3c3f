/* cp-sign-in-page.h: server address, browser sign-in and sign-in with a code
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <company-portal.h>

G_BEGIN_DECLS

/* What was being done when an error happened decides how it is explained. */
typedef enum
{
  CP_SIGN_IN_STEP_CONNECT,    /* reaching the Company Portal server */
  CP_SIGN_IN_STEP_PROVIDER,   /* reaching the identity provider */
  CP_SIGN_IN_STEP_SIGN_IN,    /* the browser or code flow */
  CP_SIGN_IN_STEP_KEYRING,    /* reading or saving the sign-in */
} CpSignInStep;

#define CP_TYPE_SIGN_IN_PAGE (cp_sign_in_page_get_type ())
G_DECLARE_FINAL_TYPE (CpSignInPage, cp_sign_in_page, CP, SIGN_IN_PAGE, AdwBin)

/*
 * The page owns the UI of signing in and runs the browser and code flows
 * with the OIDC client the window gives it. It never talks to the Portal
 * API: "connect" asks the window to reach a server (normalised URL),
 * "signed-in" hands over the tokens of a finished flow.
 */
void        cp_sign_in_page_set_server_url   (CpSignInPage   *self,
                                              const char     *server_url,
                                              gboolean        editable);
const char *cp_sign_in_page_get_server_url   (CpSignInPage   *self);
void        cp_sign_in_page_show_server      (CpSignInPage   *self);
void        cp_sign_in_page_show_busy        (CpSignInPage   *self,
                                              const char     *title,
                                              gboolean        can_cancel);
void        cp_sign_in_page_show_methods     (CpSignInPage   *self,
                                              CpOrganization *organization,
                                              CpOidcClient   *oidc);
void        cp_sign_in_page_show_error       (CpSignInPage   *self,
                                              CpSignInStep    step,
                                              const GError   *error);
/* A banner above the page ("Your sign-in expired, sign in again"); NULL hides it. */
void        cp_sign_in_page_set_banner       (CpSignInPage   *self,
                                              const char     *text);
/* "server", "busy", "methods", "browser", "code" or "error": for tests and diagnostics. */
const char *cp_sign_in_page_get_visible_page (CpSignInPage   *self);
/* Stops a running flow without reporting it. */
void        cp_sign_in_page_cancel           (CpSignInPage   *self);

G_END_DECLS
