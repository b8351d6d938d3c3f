/* bench-sign-in.c: signs in to a Company Portal server once, through the
 * core, and leaves the tokens in the keyring exactly where the window's
 * session restore finds them. For the startup benchmark, so the window
 * starts signed in with cached data.
 *
 * Usage: bench-sign-in SERVER_URL
 * Prints "AUTHORIZE <uri>" when the loopback listener waits for the
 * browser (the caller plays the browser), "SIGNED-IN" when the tokens are
 * in the keyring. Never prints a token.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>

#include <company-portal.h>

typedef struct
{
  GMainLoop      *loop;
  SoupSession    *soup;
  CpApiClient    *client;
  CpOidcClient   *oidc;
  CpSession      *session;
  char           *server_url;
  int             status;
} SignIn;

static void
fail (SignIn       *run,
      const char   *step,
      const GError *error)
{
  g_printerr ("bench-sign-in: %s: %s\n", step, error->message);
  run->status = 1;
  g_main_loop_quit (run->loop);
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  SignIn *run = user_data;
  g_autoptr(GError) error = NULL;

  if (!cp_session_sign_in_finish (CP_SESSION (source), result, &error))
    return fail (run, "saving the tokens", error);
  g_print ("SIGNED-IN\n");
  g_main_loop_quit (run->loop);
}

static void
run_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  SignIn *run = user_data;
  g_autoptr(CpTokenSet) tokens = NULL;
  g_autoptr(CpTokenStore) store = cp_token_store_new ();
  g_autoptr(GError) error = NULL;

  tokens = cp_browser_sign_in_run_finish (CP_BROWSER_SIGN_IN (source), result, &error);
  if (tokens == NULL)
    return fail (run, "signing in", error);
  run->session = cp_session_new (run->server_url, run->oidc, store);
  cp_session_sign_in_async (run->session, tokens, NULL, saved_cb, run);
}

static void
uri_cb (CpBrowserSignIn *sign_in)
{
  const char *uri = cp_browser_sign_in_get_authorization_uri (sign_in);

  if (uri != NULL)
    {
      g_print ("AUTHORIZE %s\n", uri);
      fflush (stdout);
    }
}

static void
discover_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  SignIn *run = user_data;
  g_autoptr(GError) error = NULL;
  CpBrowserSignIn *sign_in;

  if (!cp_oidc_client_discover_finish (run->oidc, result, &error))
    return fail (run, "discovering the provider", error);
  sign_in = cp_browser_sign_in_new (run->oidc);
  g_signal_connect (sign_in, "notify::authorization-uri", G_CALLBACK (uri_cb), NULL);
  cp_browser_sign_in_run_async (sign_in, NULL, run_cb, run);
  g_object_unref (sign_in);   /* the running task holds it */
}

static void
organization_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SignIn *run = user_data;
  g_autoptr(CpOrganization) org = NULL;
  g_autoptr(GError) error = NULL;

  org = cp_api_client_get_organization_finish (run->client, result, &error);
  if (org == NULL)
    return fail (run, "reading the organization", error);
  run->oidc = cp_oidc_client_new (run->soup, cp_organization_get_issuer (org),
                                  cp_organization_get_client_id (org),
                                  cp_organization_get_scopes (org),
                                  cp_organization_get_resource (org));
  cp_oidc_client_discover_async (run->oidc, NULL, discover_cb, run);
}

int
main (int   argc,
      char *argv[])
{
  SignIn run = { 0 };
  g_autoptr(GError) error = NULL;

  if (argc != 2)
    {
      g_printerr ("Usage: bench-sign-in SERVER_URL\n");
      return 2;
    }
  /* The same key the window uses: the normalized address. */
  run.server_url = cp_api_client_normalize_server_url (argv[1], &error);
  if (run.server_url == NULL)
    {
      g_printerr ("bench-sign-in: %s\n", error->message);
      return 2;
    }
  run.loop = g_main_loop_new (NULL, FALSE);
  run.soup = soup_session_new ();
  run.client = cp_api_client_new (run.soup, run.server_url);
  cp_api_client_get_organization_async (run.client, NULL, organization_cb, &run);
  g_main_loop_run (run.loop);

  g_clear_object (&run.session);
  g_clear_object (&run.oidc);
  g_clear_object (&run.client);
  g_clear_object (&run.soup);
  g_main_loop_unref (run.loop);
  g_free (run.server_url);
  return run.status;
}
