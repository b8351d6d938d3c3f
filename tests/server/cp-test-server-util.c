/* cp-test-server-util.c: processes, HTTP and the OIDC provider for the server tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "cp-jose.h"
#include "cp-test-server-util.h"
#include "cp-test-util.h"

static gpointer
drain_thread (gpointer data)
{
  GInputStream *stream = data;
  char buf[4096];

  /* Keeps the child's stdout pipe from filling up once READY was read. */
  while (g_input_stream_read (stream, buf, sizeof buf, NULL, NULL) > 0)
    ;
  g_object_unref (stream);
  return NULL;
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

CpTestProcess *
cp_test_process_start (const char *const  *argv,
                       GError            **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  CpTestProcess *result;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  /* If the test dies on an assertion, its children must not outlive it
   * (they hold the harness's stderr open). */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (process == NULL)
    return NULL;

  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, error);

      if (line == NULL)
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         "%s exited before it was ready", argv[0]);
          g_subprocess_wait (process, NULL, NULL);
          return NULL;
        }

      if (g_str_has_prefix (line, "READY "))
        {
          result = g_new0 (CpTestProcess, 1);
          result->process = g_steal_pointer (&process);
          result->url = g_strdup (line + strlen ("READY "));
          g_thread_unref (g_thread_new ("drain", drain_thread, g_object_ref (lines)));
          return result;
        }
    }
}

int
cp_test_process_stop (CpTestProcess *process)
{
  if (process->process == NULL)
    return -1;

  g_subprocess_send_signal (process->process, SIGTERM);
  g_subprocess_wait (process->process, NULL, NULL);
  return g_subprocess_get_if_exited (process->process)
         ? g_subprocess_get_exit_status (process->process) : -1;
}

void
cp_test_process_free (CpTestProcess *process)
{
  if (process == NULL)
    return;

  if (process->process != NULL && g_subprocess_get_identifier (process->process) != NULL)
    cp_test_process_stop (process);
  g_clear_object (&process->process);
  g_free (process->url);
  g_free (process);
}

/* @root_env's directory, then the NULL-terminated parts from @first on. */
static char *
path_below (const char *root_env,
            const char *first,
            va_list     rest)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  const char *root = g_getenv (root_env);

  g_assert_nonnull (root);
  g_ptr_array_add (parts, (gpointer) root);
  for (const char *p = first; p != NULL; p = va_arg (rest, const char *))
    g_ptr_array_add (parts, (gpointer) p);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

char *
cp_test_source_path (const char *first,
                     ...)
{
  va_list args;
  char *path;

  va_start (args, first);
  path = path_below ("CP_SOURCE_DIR", first, args);
  va_end (args);
  return path;
}

char *
cp_test_build_path (const char *first,
                    ...)
{
  va_list args;
  char *path;

  va_start (args, first);
  path = path_below ("CP_BUILD_DIR", first, args);
  va_end (args);
  return path;
}

/* Copies the NULL-terminated arguments from @first on into @argv. */
static void
add_args (GPtrArray  *argv,
          const char *first,
          va_list     rest)
{
  for (const char *p = first; p != NULL; p = va_arg (rest, const char *))
    g_ptr_array_add (argv, g_strdup (p));
}

CpTestProcess *
cp_test_idp_start (const char *first_arg,
                   ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  CpTestProcess *idp;
  va_list args;

  g_ptr_array_add (argv, g_strdup ("node"));
  g_ptr_array_add (argv, cp_test_source_path ("tests", "idp", "provider.js", NULL));
  g_ptr_array_add (argv, g_strdup ("--port"));
  g_ptr_array_add (argv, g_strdup ("0"));
  va_start (args, first_arg);
  add_args (argv, first_arg, args);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  idp = cp_test_process_start ((const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  return idp;
}

void
cp_test_response_free (CpTestResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_free (response);
}

CpTestResponse *
cp_test_http (SoupSession        *session,
              const char         *method,
              const char         *url,
              const char *const  *headers,
              const char         *content_type,
              GBytes             *body)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  CpTestResponse *response;

  g_assert_nonnull (msg);
  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    soup_message_headers_append (soup_message_get_request_headers (msg), headers[i], headers[i + 1]);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, content_type, body);

  response = g_new0 (CpTestResponse, 1);
  response->body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  response->status = soup_message_get_status (msg);
  response->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return response;
}

JsonObject *
cp_test_response_json (CpTestResponse *response)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, g_bytes_get_data (response->body, NULL),
                              g_bytes_get_size (response->body), &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

GPtrArray *
cp_test_server_argv (const char *issuer,
                     const char *db,
                     va_list     extra)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, cp_test_build_path ("src", "server", "company-portal-server", NULL));
  g_ptr_array_add (argv, g_strdup ("--listen=127.0.0.1:0"));
  if (issuer != NULL)
    g_ptr_array_add (argv, g_strconcat ("--issuer=", issuer, NULL));
  g_ptr_array_add (argv, g_strconcat ("--db=", db, NULL));
  add_args (argv, va_arg (extra, const char *), extra);
  g_ptr_array_add (argv, NULL);
  return argv;
}

CpTestProcess *
cp_test_server_startv (const char *issuer,
                       const char *db,
                       va_list     extra)
{
  g_autoptr(GPtrArray) argv = cp_test_server_argv (issuer, db, extra);
  g_autoptr(GError) error = NULL;
  CpTestProcess *server;

  server = cp_test_process_start ((const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  return server;
}

CpTestProcess *
cp_test_server_start (const char *issuer,
                      const char *db,
                      ...)
{
  CpTestProcess *server;
  va_list extra;

  va_start (extra, db);
  server = cp_test_server_startv (issuer, db, extra);
  va_end (extra);
  return server;
}

CpTestResponse *
cp_test_api (SoupSession *session,
             const char  *base,
             const char  *method,
             const char  *path,
             const char  *token,
             const char  *json)
{
  g_autofree char *url = g_strconcat (base, path, NULL);
  g_autofree char *authorization = token ? g_strconcat ("Bearer ", token, NULL) : NULL;
  const char *headers[] = { "Authorization", authorization, NULL };
  g_autoptr(GBytes) body = json ? g_bytes_new (json, strlen (json)) : NULL;

  return cp_test_http (session, method, url, token ? headers : NULL, "application/json", body);
}

void
cp_test_assert_problem (CpTestResponse *response,
                        guint           status)
{
  g_autoptr(JsonObject) problem = NULL;

  g_assert_cmpuint (response->status, ==, status);
  g_assert_cmpstr (soup_message_headers_get_content_type (response->headers, NULL), ==,
                   "application/problem+json");
  problem = cp_test_response_json (response);
  g_assert_cmpint (json_object_get_int_member (problem, "status"), ==, status);
  g_assert_nonnull (json_object_get_string_member (problem, "type"));
  g_assert_nonnull (json_object_get_string_member (problem, "title"));
}

void
cp_test_suite_init (CpTestSuite  *suite,
                    int          *argc,
                    char       ***argv,
                    const char   *tmp_template)
{
  g_autofree char *users = NULL;
  g_autoptr(GError) error = NULL;

  g_test_init (argc, argv, NULL);
  users = cp_test_source_path ("data", "demo-organization.json", NULL);
  /* The IdP first: when it cannot start, there is no scratch directory to leave. */
  suite->idp = cp_test_idp_start ("--users", users, NULL);
  suite->tmp_dir = g_dir_make_tmp (tmp_template, &error);
  g_assert_no_error (error);
}

char *
cp_test_suite_new_db (CpTestSuite *suite)
{
  return g_strdup_printf ("%s/db-%u.db", suite->tmp_dir, suite->n_dbs++);
}

int
cp_test_suite_run (CpTestSuite *suite)
{
  int status = g_test_run ();

  g_clear_pointer (&suite->idp, cp_test_process_free);
  cp_test_remove_tree (suite->tmp_dir);
  g_clear_pointer (&suite->tmp_dir, g_free);
  return status;
}

JsonObject *
cp_test_jwt_claims (const char *token)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpJws) jws = cp_jws_parse (token, &error);
  JsonObject *claims;

  g_assert_no_error (error);
  claims = cp_jws_get_claims (jws, &error);
  g_assert_no_error (error);
  return claims;
}

/* The device flow, played like a browser would */

typedef struct
{
  char *action;
  GHashTable *fields;
  gboolean wants_login;
} Form;

static void
form_free (Form *form)
{
  g_free (form->action);
  g_clear_pointer (&form->fields, g_hash_table_unref);
  g_free (form);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Form, form_free)

/* The first POST form of an oidc-provider page with its hidden inputs. */
static Form *
parse_form (const char *html)
{
  g_autoptr(GRegex) form_re = g_regex_new ("<form[^>]*action=\"([^\"]+)\"[^>]*>(.*?)</form>",
                                           G_REGEX_DOTALL, 0, NULL);
  g_autoptr(GRegex) input_re = g_regex_new ("<input[^>]*type=\"hidden\"[^>]*name=\"([^\"]+)\"[^>]*value=\"([^\"]*)\"",
                                            0, 0, NULL);
  g_autoptr(GMatchInfo) form_match = NULL;
  g_autoptr(GMatchInfo) input_match = NULL;
  g_autofree char *inner = NULL;
  Form *form;

  if (!g_regex_match (form_re, html, 0, &form_match))
    return NULL;

  form = g_new0 (Form, 1);
  form->action = g_match_info_fetch (form_match, 1);
  form->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  inner = g_match_info_fetch (form_match, 2);
  form->wants_login = strstr (inner, "name=\"login\"") != NULL;

  g_regex_match (input_re, inner, 0, &input_match);
  while (g_match_info_matches (input_match))
    {
      g_hash_table_insert (form->fields, g_match_info_fetch (input_match, 1),
                           g_match_info_fetch (input_match, 2));
      g_match_info_next (input_match, NULL);
    }
  return form;
}

static char *
send_for_text (SoupSession *session,
               SoupMessage *msg,
               guint       *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);

  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static JsonObject *
post_form_json (SoupSession *session,
                const char  *url,
                GHashTable  *fields,
                guint       *status)
{
  g_autoptr(SoupMessage) msg = soup_message_new_from_encoded_form (SOUP_METHOD_POST, url,
                                                                   soup_form_encode_hash (fields));
  g_autofree char *text = send_for_text (session, msg, status);
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
play_browser (SoupSession *session,
              const char  *start_url,
              const char  *username)
{
  g_autoptr(SoupMessage) first = soup_message_new (SOUP_METHOD_GET, start_url);
  g_autofree char *page = NULL;
  guint status;

  page = send_for_text (session, first, &status);
  g_assert_cmpuint (status, ==, 200);

  /* Verification page, confirm, login, consent: each is one form. */
  for (guint step = 0; step < 8; step++)
    {
      g_autoptr(Form) form = parse_form (page);
      g_autoptr(SoupMessage) msg = NULL;

      if (form == NULL)
        break;
      g_assert_false (g_hash_table_contains (form->fields, "user_code") &&
                      strstr (page, "op.deviceInputForm") != NULL);
      if (form->wants_login)
        {
          g_hash_table_insert (form->fields, g_strdup ("login"), g_strdup (username));
          g_hash_table_insert (form->fields, g_strdup ("password"), g_strdup ("any"));
        }
      if (g_hash_table_contains (form->fields, "user_code") &&
          strstr (page, "Confirm Device") != NULL)
        g_hash_table_insert (form->fields, g_strdup ("confirm"), g_strdup ("yes"));

      msg = soup_message_new_from_encoded_form (SOUP_METHOD_POST, form->action,
                                                soup_form_encode_hash (form->fields));
      g_clear_pointer (&page, g_free);
      page = send_for_text (session, msg, &status);
      g_assert_cmpuint (status, ==, 200);
    }

  g_assert_nonnull (strstr (page, "Sign-in Success"));
}

char *
cp_test_idp_get_token (const char *issuer,
                       const char *username)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GHashTable) fields = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonObject) device = NULL;
  g_autoptr(JsonObject) tokens = NULL;
  g_autofree char *auth_url = g_strconcat (issuer, "/device/auth", NULL);
  g_autofree char *token_url = g_strconcat (issuer, "/token", NULL);
  guint status;

  soup_session_add_feature_by_type (session, SOUP_TYPE_COOKIE_JAR);

  g_hash_table_insert (fields, "client_id", "company-portal");
  g_hash_table_insert (fields, "scope", "openid profile email offline_access");
  device = post_form_json (session, auth_url, fields, &status);
  g_assert_cmpuint (status, ==, 200);

  play_browser (session, json_object_get_string_member (device, "verification_uri_complete"),
                username);

  g_hash_table_remove_all (fields);
  g_hash_table_insert (fields, "client_id", "company-portal");
  g_hash_table_insert (fields, "grant_type", "urn:ietf:params:oauth:grant-type:device_code");
  g_hash_table_insert (fields, "device_code",
                       (gpointer) json_object_get_string_member (device, "device_code"));
  tokens = post_form_json (session, token_url, fields, &status);
  g_assert_cmpuint (status, ==, 200);

  return g_strdup (json_object_get_string_member (tokens, "access_token"));
}

/* A minimal OIDC issuer in its own thread: discovery and JWKS only. */

struct _CpTestIssuer
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  GMutex mutex;
  GCond cond;
  char *url;
  char *jwks;           /* guarded by mutex */
  gboolean failing;     /* guarded by mutex */
  guint jwks_hits;      /* guarded by mutex */
  guint delay_ms;       /* guarded by mutex */
};

static void
issuer_handler_cb (SoupServer        *server,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  CpTestIssuer *self = user_data;
  g_autofree char *body = NULL;
  guint delay_ms;

  g_mutex_lock (&self->mutex);
  delay_ms = self->delay_ms;
  g_mutex_unlock (&self->mutex);
  /* A slow IdP: only this thread waits, the server under test must not. */
  if (delay_ms > 0)
    g_usleep (delay_ms * 1000);

  g_mutex_lock (&self->mutex);
  if (g_strcmp0 (path, "/.well-known/openid-configuration") == 0)
    body = g_strdup_printf ("{\"issuer\":\"%s\",\"jwks_uri\":\"%s/jwks\"}", self->url, self->url);
  else if (g_strcmp0 (path, "/jwks") == 0)
    {
      self->jwks_hits++;
      if (!self->failing)
        body = g_strdup (self->jwks);
    }
  g_mutex_unlock (&self->mutex);

  if (body == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

static gpointer
issuer_thread (gpointer data)
{
  CpTestIssuer *self = data;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (self->context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, issuer_handler_cb, self, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (server);
  g_mutex_lock (&self->mutex);
  self->url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (self->loop);
  soup_server_disconnect (server);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

CpTestIssuer *
cp_test_issuer_new (void)
{
  CpTestIssuer *self = g_new0 (CpTestIssuer, 1);

  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->jwks = g_strdup ("{\"keys\":[]}");
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("issuer", issuer_thread, self);

  g_mutex_lock (&self->mutex);
  while (self->url == NULL)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);
  return self;
}

const char *
cp_test_issuer_get_url (CpTestIssuer *self)
{
  return self->url;
}

void
cp_test_issuer_set_keys (CpTestIssuer *self,
                         CpJwk        *first,
                         ...)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  va_list args;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "keys");
  json_builder_begin_array (builder);
  va_start (args, first);
  for (CpJwk *key = first; key != NULL; key = va_arg (args, CpJwk *))
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

      json_node_take_object (node, cp_jwk_to_public_json (key));
      json_builder_add_value (builder, g_steal_pointer (&node));
    }
  va_end (args);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  g_mutex_lock (&self->mutex);
  g_free (self->jwks);
  self->jwks = json_to_string (root, FALSE);
  g_mutex_unlock (&self->mutex);
}

void
cp_test_issuer_set_failing (CpTestIssuer *self,
                            gboolean      failing)
{
  g_mutex_lock (&self->mutex);
  self->failing = failing;
  g_mutex_unlock (&self->mutex);
}

void
cp_test_issuer_set_delay (CpTestIssuer *self,
                          guint         delay_ms)
{
  g_mutex_lock (&self->mutex);
  self->delay_ms = delay_ms;
  g_mutex_unlock (&self->mutex);
}

guint
cp_test_issuer_get_jwks_hits (CpTestIssuer *self)
{
  guint hits;

  g_mutex_lock (&self->mutex);
  hits = self->jwks_hits;
  g_mutex_unlock (&self->mutex);
  return hits;
}

static gboolean
quit_loop_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
cp_test_issuer_free (CpTestIssuer *self)
{
  if (self == NULL)
    return;

  g_main_context_invoke (self->context, quit_loop_cb, self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self->url);
  g_free (self->jwks);
  g_free (self);
}

JsonObject *
cp_test_claims_new (const char *issuer,
                    const char *audience,
                    const char *subject,
                    gint64      lifetime)
{
  JsonObject *claims = json_object_new ();
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  json_object_set_string_member (claims, "iss", issuer);
  json_object_set_string_member (claims, "aud", audience);
  json_object_set_string_member (claims, "sub", subject);
  json_object_set_int_member (claims, "iat", now);
  json_object_set_int_member (claims, "exp", now + lifetime);
  return claims;
}

char *
cp_test_sign (CpJwk      *key,
              JsonObject *claims)
{
  g_autoptr(JsonObject) header = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(GError) error = NULL;
  g_autofree char *payload = NULL;
  char *token;

  json_object_set_string_member (header, "typ", "at+jwt");
  if (cp_jwk_get_kid (key) != NULL)
    json_object_set_string_member (header, "kid", cp_jwk_get_kid (key));
  json_node_set_object (node, claims);
  payload = json_to_string (node, FALSE);

  token = cp_jws_sign (key, header, (const guint8 *) payload, strlen (payload), &error);
  g_assert_no_error (error);
  return token;
}

char *
cp_test_unsigned_token (const char *alg,
                        JsonObject *claims)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *header = g_strdup_printf ("{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg);
  g_autofree char *payload = NULL;
  g_autofree char *header_b64 = NULL;
  g_autofree char *payload_b64 = NULL;

  json_node_set_object (node, claims);
  payload = json_to_string (node, FALSE);
  header_b64 = cp_base64url_encode ((const guint8 *) header, strlen (header));
  payload_b64 = cp_base64url_encode ((const guint8 *) payload, strlen (payload));
  /* "none" has an empty signature; HS256 gets a plausible-looking one. */
  return g_strconcat (header_b64, ".", payload_b64, ".",
                      g_strcmp0 (alg, "none") == 0 ? "" : "c2lnbmF0dXJl", NULL);
}
