/* cp-test-server-util.h: processes, HTTP and the OIDC provider for the server tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "cp-jose.h"

G_BEGIN_DECLS

/* A child process that printed "READY <url>". */
typedef struct
{
  GSubprocess *process;
  char *url;
} CpTestProcess;

/* Starts @argv and waits (at most 20 s) for its READY line; NULL if it exits first. */
CpTestProcess *cp_test_process_start      (const char *const  *argv,
                                           GError            **error);
/* Sends SIGTERM and waits for the exit; returns the exit status. */
int            cp_test_process_stop       (CpTestProcess      *process);
void           cp_test_process_free       (CpTestProcess      *process);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpTestProcess, cp_test_process_free)

/* The test IdP (tests/idp/provider.js) with extra arguments (NULL-terminated). */
CpTestProcess *cp_test_idp_start          (const char         *first_arg,
                                           ...) G_GNUC_NULL_TERMINATED;
/* Plays the user through the device flow (verification page, dev login form,
 * consent) and returns the access token for @username. */
char          *cp_test_idp_get_token      (const char         *issuer,
                                           const char         *username);

/* A finished HTTP exchange. */
typedef struct
{
  guint status;
  SoupMessageHeaders *headers;
  GBytes *body;
} CpTestResponse;

void            cp_test_response_free     (CpTestResponse     *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpTestResponse, cp_test_response_free)

/* @headers: NULL or "Name", "value", ..., NULL as a GStrv-like array. */
CpTestResponse *cp_test_http              (SoupSession        *session,
                                           const char         *method,
                                           const char         *url,
                                           const char *const  *headers,
                                           const char         *content_type,
                                           GBytes             *body);
JsonObject     *cp_test_response_json     (CpTestResponse     *response);

/* A user request to @base@path with @token (may be NULL) as a bearer and
 * @json (may be NULL) as an application/json body. */
CpTestResponse *cp_test_api               (SoupSession        *session,
                                           const char         *base,
                                           const char         *method,
                                           const char         *path,
                                           const char         *token,
                                           const char         *json);
/* @status with an RFC 9457 problem+json body that says the same status. */
void            cp_test_assert_problem    (CpTestResponse     *response,
                                           guint               status);

/* The built company-portal-server --listen=127.0.0.1:0 [--issuer=@issuer]
 * --db=@db and the NULL-terminated @extra arguments. */
GPtrArray      *cp_test_server_argv       (const char         *issuer,
                                           const char         *db,
                                           va_list             extra);
/* Starts it and asserts that it gets ready. */
CpTestProcess  *cp_test_server_startv     (const char         *issuer,
                                           const char         *db,
                                           va_list             extra);
CpTestProcess  *cp_test_server_start      (const char         *issuer,
                                           const char         *db,
                                           ...) G_GNUC_NULL_TERMINATED;

/* What the tests of the real server binary set up once: a scratch directory
 * and the test IdP with the demo organisation's users (node takes a moment). */
typedef struct
{
  CpTestProcess *idp;
  char          *tmp_dir;
  guint          n_dbs;
} CpTestSuite;

/* g_test_init(), the IdP, then the scratch directory (g_dir_make_tmp (@tmp_template)). */
void            cp_test_suite_init        (CpTestSuite        *suite,
                                           int                *argc,
                                           char             ***argv,
                                           const char         *tmp_template);
/* A new database path in the scratch directory. */
char           *cp_test_suite_new_db      (CpTestSuite        *suite);
/* g_test_run(), then the IdP stops and the scratch directory goes. */
int             cp_test_suite_run         (CpTestSuite        *suite);

/* The claims of a JWT, without checking anything. */
JsonObject     *cp_test_jwt_claims        (const char         *token);

char           *cp_test_source_path       (const char         *first,
                                           ...) G_GNUC_NULL_TERMINATED;
char           *cp_test_build_path        (const char         *first,
                                           ...) G_GNUC_NULL_TERMINATED;

/* A minimal issuer (discovery + JWKS) on loopback, in its own thread. */
typedef struct _CpTestIssuer CpTestIssuer;
CpTestIssuer   *cp_test_issuer_new            (void);
const char     *cp_test_issuer_get_url        (CpTestIssuer       *self);
/* Publishes the public halves of these keys (NULL-terminated). */
void            cp_test_issuer_set_keys       (CpTestIssuer       *self,
                                               CpJwk              *first,
                                               ...) G_GNUC_NULL_TERMINATED;
/* Answers the JWKS with 500 while set. */
void            cp_test_issuer_set_failing    (CpTestIssuer       *self,
                                               gboolean            failing);
/* Waits this long before each answer. */
void            cp_test_issuer_set_delay      (CpTestIssuer       *self,
                                               guint               delay_ms);
guint           cp_test_issuer_get_jwks_hits  (CpTestIssuer       *self);
void            cp_test_issuer_free           (CpTestIssuer       *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpTestIssuer, cp_test_issuer_free)

/* iss, aud, sub, iat = now, exp = now + @lifetime (may be negative). */
JsonObject     *cp_test_claims_new            (const char         *issuer,
                                               const char         *audience,
                                               const char         *subject,
                                               gint64              lifetime);
/* ES256 with the key's kid in the header. */
char           *cp_test_sign                  (CpJwk              *key,
                                               JsonObject         *claims);
/* A token with @alg ("none", "HS256") and no real signature. */
char           *cp_test_unsigned_token        (const char         *alg,
                                               JsonObject         *claims);

G_END_DECLS
