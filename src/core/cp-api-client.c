/* cp-api-client.c: the Portal API over libsoup
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-api-client.h"
#include "cp-error.h"
#include "cp-json-private.h"
#include "cp-url-private.h"

#define DEFAULT_TIMEOUT_SECONDS 30
/* Nothing the Portal API sends comes close; more is hostile. */
#define MAX_BODY_SIZE (16 * 1024 * 1024)
#define READ_CHUNK_SIZE (64 * 1024)
#define MAX_RATE_LIMIT_RETRIES 3
#define MAX_RETRY_AFTER_SECONDS 60
/* The ETag cache's budget, in estimated bytes of parsed JSON. A catalog
 * page of 100 apps (~40 KB of body) costs ~400 KB as a tree, so this keeps
 * about ten such pages, enough for the lists a user goes back to. Catalog
 * pages are kept as their body (list-apps hands the bytes to the catalog's
 * streaming reader), costing what they weigh: the bytes are shared with the
 * caller, never copied, and a page over the budget is not kept at all.
 * Nor is a list whose pages do not all fit: it is read first page to last,
 * so least recently used would always drop the page the next reload asks
 * for first, keeping 4 MiB for no 304 at all (a 20,000-app catalog is
 * ~40 pages of ~200 KB). */
#define CACHE_BUDGET_BYTES (4 * 1024 * 1024)
/* Measured with json-glib 1.6: a parsed tree takes ~10x its text. */
#define JSON_TREE_BYTES_PER_BODY_BYTE 10
/* Problem texts are shown to the user; a server may not fill the window. */
#define MAX_PROBLEM_CHARS 300
#define WELL_KNOWN_PATH "/.well-known/company-portal"
#define RETRY_AFTER_KEY "cp-retry-after"
/* RFC 6585; libsoup 3.2 has no name for it. */
#define STATUS_TOO_MANY_REQUESTS 429

struct _CpApiClient
{
  GObject parent_instance;

  SoupSession *session;
  char *server_url;           /* normalised; NULL when not acceptable */
  GError *server_url_error;
  char *api_base_url;         /* NULL: server_url */
  GError *api_base_url_error;
  CpTokenSource *token_source;
  guint timeout;
  GHashTable *cache;          /* url → CacheEntry, owned by cache_lru */
  GQueue cache_lru;           /* CacheEntry links, most recently used first */
  gsize cache_cost;           /* sum of the entries' costs */
  GHashTable *uncached_lists; /* list URLs (no query) whose pages do not all fit */
};

G_DEFINE_FINAL_TYPE (CpApiClient, cp_api_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_SERVER_URL,
  PROP_API_BASE_URL,
  PROP_TOKEN_SOURCE,
  PROP_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  GList link;                 /* in cache_lru; data is the entry */
  char *url;
  char *etag;
  JsonNode *node;             /* exactly one of node and body */
  GBytes *body;               /* for raw requests (list-apps) */
  gsize cost;
} CacheEntry;

typedef struct
{
  char *method;
  char *url;
  char *path;                 /* for g_debug: never the query */
  GBytes *body;               /* nullable */
  JsonNode *cached;           /* what If-None-Match revalidates; nullable */
  gboolean raw;               /* the result is the body's GBytes, not parsed */
  GBytes *cached_body;        /* the same for raw requests */
  gboolean use_token;
  char *token;                /* nullable */
  guint auth_retries;
  guint rate_limit_retries;
  guint retry_after;          /* the last hint from the server */

  /* One attempt: the message on the wire and what guards it. */
  SoupMessage *message;
  GInputStream *stream;
  GByteArray *buffer;
  GCancellable *attempt_cancellable;
  GSource *timeout_source;
  GSource *cancel_source;
  GSource *wait_source;
  gboolean timed_out;
} Request;

static void request_begin (GTask *task);
static void request_send  (GTask *task);

/* The ETag cache: bounded by an estimate of its memory, least recently
 * used entries go first. It is an optimisation, never a requirement. */

static void
cache_remove_entry (CpApiClient *self,
                    CacheEntry  *entry)
{
  g_hash_table_remove (self->cache, entry->url);
  g_queue_unlink (&self->cache_lru, &entry->link);
  self->cache_cost -= entry->cost;
  g_free (entry->url);
  g_free (entry->etag);
  g_clear_pointer (&entry->node, json_node_unref);
  g_clear_pointer (&entry->body, g_bytes_unref);
  g_free (entry);
}

static void
cache_remove (CpApiClient *self,
              const char  *url)
{
  CacheEntry *entry = g_hash_table_lookup (self->cache, url);

  if (entry != NULL)
    cache_remove_entry (self, entry);
}

static void
cache_clear (CpApiClient *self)
{
  while (self->cache_lru.head != NULL)
    cache_remove_entry (self, self->cache_lru.head->data);
  g_hash_table_remove_all (self->uncached_lists);
}

/* Returns the entry for @url, now the most recently used, or NULL. */
static CacheEntry *
cache_lookup (CpApiClient *self,
              const char  *url)
{
  CacheEntry *entry = g_hash_table_lookup (self->cache, url);

  if (entry != NULL)
    {
      g_queue_unlink (&self->cache_lru, &entry->link);
      g_queue_push_head_link (&self->cache_lru, &entry->link);
    }
  return entry;
}

/* Pages of one list differ only in their query (cursor). */
static gsize
list_length (const char *url)
{
  return strcspn (url, "?");
}

static gboolean
same_list (const char *a,
           const char *b)
{
  gsize length = list_length (a);

  return length == list_length (b) && strncmp (a, b, length) == 0;
}

static gboolean
list_is_uncached (CpApiClient *self,
                  const char  *url)
{
  g_autofree char *list = g_strndup (url, list_length (url));

  return g_hash_table_contains (self->uncached_lists, list);
}

/* The list's pages do not all fit: drop those kept, keep none from now on
 * (until the cache is cleared at the next sign-in). */
static void
uncache_list (CpApiClient *self,
              const char  *url)
{
  GList *link = self->cache_lru.head;

  g_debug ("A list's pages exceed the cache's budget; they are not kept");
  while (link != NULL)
    {
      CacheEntry *entry = link->data;

      link = link->next;
      if (entry->body != NULL && same_list (entry->url, url))
        cache_remove_entry (self, entry);
    }
  g_hash_table_add (self->uncached_lists, g_strndup (url, list_length (url)));
}

/* @node, or @body for raw requests (then it costs exactly its size). */
static void
cache_insert (CpApiClient *self,
              const char  *url,
              const char  *etag,
              JsonNode    *node,
              GBytes      *body,
              gsize        body_size)
{
  CacheEntry *entry;
  gsize cost;

  cache_remove (self, url);
  cost = body_size * (body != NULL ? 1 : JSON_TREE_BYTES_PER_BODY_BYTE) + strlen (url) + strlen (etag);
  if (cost > CACHE_BUDGET_BYTES)
    return;
  if (body != NULL && list_is_uncached (self, url))
    return;

  while (self->cache_cost + cost > CACHE_BUDGET_BYTES)
    {
      CacheEntry *oldest = self->cache_lru.tail->data;

      if (body != NULL && oldest->body != NULL && same_list (oldest->url, url))
        {
          uncache_list (self, url);
          return;
        }
      cache_remove_entry (self, oldest);
    }

  entry = g_new0 (CacheEntry, 1);
  entry->link.data = entry;
  entry->url = g_strdup (url);
  entry->etag = g_strdup (etag);
  entry->node = node != NULL ? json_node_ref (node) : NULL;
  entry->body = body != NULL ? g_bytes_ref (body) : NULL;
  entry->cost = cost;
  g_hash_table_insert (self->cache, entry->url, entry);
  g_queue_push_head_link (&self->cache_lru, &entry->link);
  self->cache_cost += cost;
}

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
attempt_end (Request *req)
{
  destroy_source (&req->timeout_source);
  destroy_source (&req->cancel_source);
  destroy_source (&req->wait_source);
  g_clear_object (&req->attempt_cancellable);
  g_clear_object (&req->stream);
}

static void
request_free (gpointer data)
{
  Request *req = data;

  attempt_end (req);
  g_free (req->method);
  g_free (req->url);
  g_free (req->path);
  g_clear_pointer (&req->body, g_bytes_unref);
  g_clear_pointer (&req->cached, json_node_unref);
  g_clear_pointer (&req->cached_body, g_bytes_unref);
  g_free (req->token);
  g_clear_object (&req->message);
  g_clear_pointer (&req->buffer, g_byte_array_unref);
  g_free (req);
}

static gboolean
is_idempotent (const char *method)
{
  return g_str_equal (method, SOUP_METHOD_GET) ||
         g_str_equal (method, SOUP_METHOD_HEAD) ||
         g_str_equal (method, SOUP_METHOD_PUT) ||
         g_str_equal (method, SOUP_METHOD_DELETE) ||
         g_str_equal (method, SOUP_METHOD_OPTIONS);
}

/* URLs */

gboolean
cp_url_host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* GUri accepts almost anything as a host; a server needs a DNS name or an IP. */
static gboolean
host_is_valid (const char *host)
{
  g_autofree char *ascii = NULL;

  if (host == NULL || *host == '\0')
    return FALSE;

  if (g_hostname_is_ip_address (host))
    return TRUE;

  ascii = g_hostname_to_ascii (host);
  if (ascii == NULL || *ascii == '.' || *ascii == '-')
    return FALSE;

  return strspn (ascii, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == strlen (ascii);
}

static GUri *
set_url_error (GError     **error,
               int          code,
               const char  *what,
               const char  *message_input,
               const char  *message_data)
{
  if (code == CP_ERROR_INVALID_INPUT)
    g_set_error_literal (error, CP_ERROR, code, message_input);
  else
    g_set_error (error, CP_ERROR, code, message_data, what);

  return NULL;
}

GUri *
cp_url_parse_web (const char  *url,
                  gboolean     allow_http,
                  int          code,
                  const char  *what,
                  GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  const char *scheme;

  if (uri == NULL || !host_is_valid (g_uri_get_host (uri)))
    return set_url_error (error, code, what,
                          _("This is not a valid server address"),
                          _("The member “%s” of the server’s answer is not a valid address"));

  scheme = g_uri_get_scheme (uri);
  if (!g_str_equal (scheme, "https") && !g_str_equal (scheme, "http"))
    return set_url_error (error, code, what,
                          _("The server address must start with https://"),
                          _("The member “%s” of the server’s answer must be an https address"));

  if (g_uri_get_userinfo (uri) != NULL)
    return set_url_error (error, code, what,
                          _("The server address must not contain a user name or password"),
                          _("The member “%s” of the server’s answer must not contain a user name or password"));

  /* Tokens and device data travel to these URLs: plain http only where it
   * cannot leave this computer. */
  if (g_str_equal (scheme, "http") && !allow_http &&
      !cp_url_host_is_loopback (g_uri_get_host (uri)))
    return set_url_error (error, code, what,
                          _("The server address must use https:// (plain http:// is only allowed for this computer)"),
                          _("The member “%s” of the server’s answer must be an https address"));

  return g_steal_pointer (&uri);
}

char *
cp_api_client_normalize_server_url (const char  *text,
                                    GError     **error)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *with_scheme = NULL;
  g_autoptr(GUri) uri = NULL;
  char *result;
  gsize len;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  trimmed = g_strstrip (g_strdup (text ? text : ""));
  if (*trimmed == '\0')
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                           _("Enter the address of your organisation’s server"));
      return NULL;
    }

  /* "portal.example.com:8443" has no scheme even though a URI parser would
   * read "portal.example.com" as one. */
  with_scheme = strstr (trimmed, "://") ? g_strdup (trimmed)
                                        : g_strconcat ("https://", trimmed, NULL);

  uri = cp_url_parse_web (with_scheme, FALSE, CP_ERROR_INVALID_INPUT, NULL, error);
  if (uri == NULL)
    return NULL;

  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                           _("The server address must not contain “?” or “#”"));
      return NULL;
    }

  result = g_uri_to_string (uri);
  len = strlen (result);
  while (len > 0 && result[len - 1] == '/')
    result[--len] = '\0';

  return result;
}

/* Errors */

static char *
clean_problem_text (const char *text)
{
  g_autoptr(GString) clean = g_string_new (NULL);
  g_autofree char *cut = NULL;

  /* No control characters or newlines from a server into a dialog. */
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_string_append_unichar (clean, g_unichar_iscntrl (c) ? ' ' : c);
    }

  g_strstrip (clean->str);
  if (g_utf8_strlen (clean->str, -1) <= MAX_PROBLEM_CHARS)
    return g_strdup (clean->str);

  cut = g_utf8_substring (clean->str, 0, MAX_PROBLEM_CHARS);
  return g_strconcat (cut, "…", NULL);
}

/* "title: detail" from an RFC 9457 body, or NULL. */
static char *
problem_message (Request *req)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  JsonObject *object;
  const char *title = NULL, *detail = NULL;

  if (req->buffer == NULL || req->buffer->len == 0)
    return NULL;

  node = cp_json_parse ((const char *) req->buffer->data, req->buffer->len, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  object = json_node_get_object (node);
  if (!cp_json_get_optional_string (object, "title", &title, NULL))
    title = NULL;
  if (!cp_json_get_optional_string (object, "detail", &detail, NULL))
    detail = NULL;

  if (title && *title && detail && *detail)
    text = g_strdup_printf ("%s: %s", title, detail);
  else if (title && *title)
    text = g_strdup (title);
  else if (detail && *detail)
    text = g_strdup (detail);
  else
    return NULL;

  return clean_problem_text (text);
}

static CpError
status_to_error (guint   status,
                 char  **message)
{
  switch (status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
      *message = g_strdup (_("Your sign-in is no longer valid. Sign in again."));
      return CP_ERROR_AUTH_REQUIRED;
    case SOUP_STATUS_FORBIDDEN:
      *message = g_strdup (_("You are not allowed to do this."));
      return CP_ERROR_FORBIDDEN;
    case SOUP_STATUS_NOT_FOUND:
      *message = g_strdup (_("The server does not know this item."));
      return CP_ERROR_NOT_FOUND;
    case SOUP_STATUS_CONFLICT:
      *message = g_strdup (_("This conflicts with a change made elsewhere. Reload and try again."));
      return CP_ERROR_CONFLICT;
    case STATUS_TOO_MANY_REQUESTS:
      *message = g_strdup (_("The server is receiving too many requests."));
      return CP_ERROR_RATE_LIMITED;
    case SOUP_STATUS_BAD_REQUEST:
    case SOUP_STATUS_UNPROCESSABLE_ENTITY:
      *message = g_strdup_printf (_("The server refused the request (HTTP %u)."), status);
      return CP_ERROR_INVALID_INPUT;
    default:
      break;
    }

  if (SOUP_STATUS_IS_SERVER_ERROR (status))
    {
      *message = g_strdup_printf (_("The server had a problem (HTTP %u)."), status);
      return CP_ERROR_SERVER;
    }

  if (SOUP_STATUS_IS_REDIRECTION (status))
    *message = g_strdup_printf (_("The server answered with an unexpected redirection (HTTP %u)."), status);
  else
    *message = g_strdup_printf (_("The server refused the request (HTTP %u)."), status);

  return CP_ERROR_FAILED;
}

static void
return_status_error (GTask *task,
                     guint  status)
{
  Request *req = g_task_get_task_data (task);
  g_autofree char *fallback = NULL;
  g_autofree char *problem = problem_message (req);
  const char *text;
  CpError code = status_to_error (status, &fallback);
  text = problem ? problem : fallback;

  if (req->retry_after > 0 && (code == CP_ERROR_RATE_LIMITED || code == CP_ERROR_SERVER))
    {
      g_object_set_data (G_OBJECT (task), RETRY_AFTER_KEY, GUINT_TO_POINTER (req->retry_after));
      g_task_return_new_error (task, CP_ERROR, code,
                               ngettext ("%s Try again in %u second.",
                                         "%s Try again in %u seconds.",
                                         req->retry_after),
                               text, req->retry_after);
      return;
    }

  g_task_return_new_error (task, CP_ERROR, code, "%s", text);
}

/* Reset or closed after the connection was made (not refused, not unknown). */
static gboolean
connection_broke (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
}

static void
return_transport_error (GTask  *task,
                        GError *error)
{
  Request *req = g_task_get_task_data (task);
  CpApiClient *self = g_task_get_source_object (task);
  g_autoptr(GUri) uri = g_uri_parse (req->url, SOUP_HTTP_URI_FLAGS, NULL);
  const char *host = uri ? g_uri_get_host (uri) : req->url;

  if (req->timed_out)
    g_task_return_new_error (task, CP_ERROR, CP_ERROR_TIMED_OUT,
                             ngettext ("%s did not answer within %u second",
                                       "%s did not answer within %u seconds",
                                       self->timeout),
                             host, self->timeout);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_task_return_new_error (task, CP_ERROR, CP_ERROR_TIMED_OUT,
                             _("%s did not answer in time"), host);
  else if (cp_error_is_cancelled (error))
    g_task_return_error (task, g_error_copy (error));
  else if (error->domain == G_TLS_ERROR)
    g_task_return_new_error (task, CP_ERROR, CP_ERROR_TLS,
                             _("The identity of %s cannot be verified: %s"),
                             host, error->message);
  else if (g_error_matches (error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_PARSING) ||
           g_error_matches (error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_ENCODING))
    g_task_return_new_error (task, CP_ERROR, CP_ERROR_INVALID_DATA,
                             _("%s sent an answer that is not valid HTTP"), host);
  else if (connection_broke (error) && !is_idempotent (req->method))
    /* The server may have done it: saying it could not be reached would
     * invite the user to do it twice. */
    g_task_return_new_error (task, CP_ERROR, CP_ERROR_NETWORK,
                             _("The connection to %s broke before it answered. "
                               "Check whether the change was made before trying again."), host);
  else if (connection_broke (error))
    g_task_return_new_error (task, CP_ERROR, CP_ERROR_NETWORK,
                             _("The connection to %s broke before it answered: %s"), host, error->message);
  else
    g_task_return_new_error (task, CP_ERROR, CP_ERROR_NETWORK,
                             _("Cannot reach %s: %s"), host, error->message);
}

static void
return_incomplete_error (GTask *task)
{
  Request *req = g_task_get_task_data (task);
  g_autoptr(GUri) uri = g_uri_parse (req->url, SOUP_HTTP_URI_FLAGS, NULL);

  g_debug ("%s %s: the body ended after %u bytes", req->method, req->path, req->buffer->len);
  g_task_return_new_error (task, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("%s sent an incomplete answer"),
                           uri ? g_uri_get_host (uri) : req->url);
}

/* Retry-After */

/* Delta-seconds or an HTTP-date (RFC 9110 §10.2.3); FALSE when neither. */
static gboolean
parse_retry_after (const char *value,
                   guint      *out_seconds)
{
  g_autofree char *text = g_strstrip (g_strdup (value));
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GDateTime) now = NULL;
  guint64 seconds;
  GTimeSpan span;

  if (*text != '\0' && strspn (text, "0123456789") == strlen (text))
    {
      /* Huge values saturate: they are over the cap either way. */
      if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT, &seconds, NULL))
        seconds = G_MAXUINT;
      *out_seconds = (guint) seconds;
      return TRUE;
    }

  date = soup_date_time_new_from_http_string (text);
  if (date == NULL)
    return FALSE;

  now = g_date_time_new_now_utc ();
  span = g_date_time_difference (date, now);
  if (span <= 0)
    *out_seconds = 0;
  else
    *out_seconds = (guint) MIN ((span + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC, G_MAXUINT);

  return TRUE;
}

static gboolean
wait_done_cb (gpointer user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);

  attempt_end (req);
  request_send (task);
  return G_SOURCE_REMOVE;
}

static gboolean
wait_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);

  attempt_end (req);
  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

/* Waits @seconds (then sends again) unless the caller cancels first. The
 * task's reference moves to whichever of the two sources fires. */
static void
wait_then_send (GTask *task,
                guint  seconds)
{
  Request *req = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GMainContext *context = g_task_get_context (task);

  req->wait_source = g_timeout_source_new (seconds * 1000);
  g_source_set_callback (req->wait_source, wait_done_cb, g_object_ref (task), g_object_unref);
  g_source_attach (req->wait_source, context);

  if (cancellable != NULL)
    {
      req->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (req->cancel_source, G_SOURCE_FUNC (wait_cancelled_cb),
                             g_object_ref (task), g_object_unref);
      g_source_attach (req->cancel_source, context);
    }
}

/* Whether a 429/503 is tried again: only idempotent requests, a bounded
 * number of times, and only when the server's wait is reasonable. */
static gboolean
maybe_retry_later (GTask *task)
{
  Request *req = g_task_get_task_data (task);
  const char *header;
  guint seconds;

  header = soup_message_headers_get_one (soup_message_get_response_headers (req->message),
                                         "Retry-After");
  if (header == NULL || !parse_retry_after (header, &seconds))
    seconds = 1u << MIN (req->rate_limit_retries, 5);
  else
    req->retry_after = seconds;

  if (!is_idempotent (req->method) ||
      req->rate_limit_retries >= MAX_RATE_LIMIT_RETRIES ||
      seconds > MAX_RETRY_AFTER_SECONDS)
    return FALSE;

  req->rate_limit_retries++;
  g_debug ("%s %s: trying again in %u s", req->method, req->path, seconds);
  wait_then_send (task, seconds);
  return TRUE;
}

/* Responses */

static void
cache_store (CpApiClient *self,
             Request     *req,
             JsonNode    *node,
             GBytes      *body)
{
  const char *etag;

  if (!g_str_equal (req->method, SOUP_METHOD_GET))
    return;

  etag = soup_message_headers_get_one (soup_message_get_response_headers (req->message), "ETag");
  if (etag == NULL || (node == NULL && body == NULL))
    cache_remove (self, req->url);
  else
    cache_insert (self, req->url, etag, node, body, req->buffer->len);
}

/* Raw requests (list-apps): the body as it came, for a streaming reader
 * in a worker thread; no JSON tree is built here. Exactly sized, as the
 * cache may keep it. */
static void
handle_raw_success (GTask *task)
{
  CpApiClient *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);
  g_autoptr(GBytes) body = g_bytes_new (req->buffer->data, req->buffer->len);

  cache_store (self, req, NULL, body);
  g_clear_pointer (&req->buffer, g_byte_array_unref);
  g_task_return_pointer (task, g_steal_pointer (&body), (GDestroyNotify) g_bytes_unref);
}

static void
handle_success (GTask *task)
{
  CpApiClient *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  if (req->raw)
    {
      handle_raw_success (task);
      return;
    }
  if (req->buffer->len > 0)
    {
      node = cp_json_parse ((const char *) req->buffer->data, req->buffer->len, &error);
      if (node == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  cache_store (self, req, node, NULL);
  g_task_return_pointer (task, g_steal_pointer (&node), (GDestroyNotify) json_node_unref);
}

static void
handle_not_modified (GTask *task)
{
  CpApiClient *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);

  /* The request holds what it revalidated: the cache may have let it go. */
  if (req->raw && req->cached_body != NULL)
    {
      cache_lookup (self, req->url);
      g_task_return_pointer (task, g_bytes_ref (req->cached_body), (GDestroyNotify) g_bytes_unref);
      return;
    }
  if (req->cached == NULL)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_INVALID_DATA,
                               _("The server said nothing changed, but nothing was asked"));
      return;
    }

  cache_lookup (self, req->url);
  g_task_return_pointer (task, json_node_ref (req->cached), (GDestroyNotify) json_node_unref);
}

static gboolean
maybe_retry_with_new_token (GTask *task)
{
  CpApiClient *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);

  if (req->token == NULL || self->token_source == NULL)
    return FALSE;

  /* The refused token must never come back, whether we retry or not. */
  cp_token_source_invalidate (self->token_source, req->token);
  g_clear_pointer (&req->token, g_free);

  if (req->auth_retries >= 1)
    return FALSE;

  req->auth_retries++;
  g_debug ("%s %s: token refused, trying once with a fresh one", req->method, req->path);
  request_begin (task);
  return TRUE;
}

static void
handle_response (GTask *task)
{
  Request *req = g_task_get_task_data (task);
  guint status = soup_message_get_status (req->message);

  g_debug ("%s %s: HTTP %u", req->method, req->path, status);

  if (status == SOUP_STATUS_NOT_MODIFIED)
    handle_not_modified (task);
  else if (SOUP_STATUS_IS_SUCCESSFUL (status))
    handle_success (task);
  else if (status == SOUP_STATUS_UNAUTHORIZED && maybe_retry_with_new_token (task))
    return;
  else if ((status == STATUS_TOO_MANY_REQUESTS ||
            status == SOUP_STATUS_SERVICE_UNAVAILABLE) && maybe_retry_later (task))
    return;
  else
    return_status_error (task, status);
}

/* The wire */

static void read_next (GTask *task);

/* Whether the connection ended before the Content-Length the server
 * announced: libsoup 3.2 reports that as a normal end of the body, and a
 * body cut to nothing would otherwise pass for an empty answer. */
static gboolean
body_is_incomplete (Request *req)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (req->message);
  guint status = soup_message_get_status (req->message);

  if (g_str_equal (req->method, SOUP_METHOD_HEAD) ||
      status == SOUP_STATUS_NO_CONTENT || status == SOUP_STATUS_NOT_MODIFIED ||
      SOUP_STATUS_IS_INFORMATIONAL (status))
    return FALSE;

  return soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
         (goffset) req->buffer->len < soup_message_headers_get_content_length (headers);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *req = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (bytes == NULL)
    {
      attempt_end (req);
      return_transport_error (task, error);
      return;
    }

  if (g_bytes_get_size (bytes) == 0)
    {
      attempt_end (req);
      if (body_is_incomplete (req))
        return_incomplete_error (task);
      else
        handle_response (task);
      return;
    }

  if (req->buffer->len + g_bytes_get_size (bytes) > MAX_BODY_SIZE)
    {
      attempt_end (req);
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_INVALID_DATA,
                               _("The server’s answer is too large"));
      return;
    }

  g_byte_array_append (req->buffer, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  read_next (task);
}

static void
read_next (GTask *task)
{
  Request *req = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (req->stream, READ_CHUNK_SIZE, G_PRIORITY_DEFAULT,
                                   req->attempt_cancellable, read_cb, g_object_ref (task));
}

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *req = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  goffset length;

  req->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (req->stream == NULL)
    {
      attempt_end (req);
      return_transport_error (task, error);
      return;
    }

  length = soup_message_headers_get_content_length (soup_message_get_response_headers (req->message));
  if (length > MAX_BODY_SIZE)
    {
      attempt_end (req);
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_INVALID_DATA,
                               _("The server’s answer is too large"));
      return;
    }

  read_next (task);
}

static gboolean
attempt_timeout_cb (gpointer user_data)
{
  Request *req = user_data;

  req->timed_out = TRUE;
  g_cancellable_cancel (req->attempt_cancellable);
  g_clear_pointer (&req->timeout_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static gboolean
attempt_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  Request *req = user_data;

  g_cancellable_cancel (req->attempt_cancellable);
  g_clear_pointer (&req->cancel_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* One cancellable per attempt, cancelled by the caller's cancellable or by
 * our own timer: a server that accepts the connection and never answers is
 * detected whatever the session's settings. */
static void
attempt_begin (GTask *task)
{
  CpApiClient *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GMainContext *context = g_task_get_context (task);

  req->timed_out = FALSE;
  req->attempt_cancellable = g_cancellable_new ();

  if (self->timeout > 0)
    {
      req->timeout_source = g_timeout_source_new (self->timeout * 1000);
      g_source_set_callback (req->timeout_source, attempt_timeout_cb, req, NULL);
      g_source_attach (req->timeout_source, context);
    }

  if (cancellable != NULL)
    {
      req->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (req->cancel_source, G_SOURCE_FUNC (attempt_cancelled_cb), req, NULL);
      g_source_attach (req->cancel_source, context);
    }
}

static void
request_send (GTask *task)
{
  CpApiClient *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);
  SoupMessageHeaders *headers;

  g_clear_object (&req->message);
  g_clear_pointer (&req->buffer, g_byte_array_unref);
  req->buffer = g_byte_array_new ();

  req->message = soup_message_new (req->method, req->url);
  /* A redirection could carry the token to another host or to plain http. */
  soup_message_add_flags (req->message, SOUP_MESSAGE_NO_REDIRECT);
  headers = soup_message_get_request_headers (req->message);
  soup_message_headers_replace (headers, "Accept", "application/json, application/problem+json");

  if (req->token != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", req->token, NULL);

      soup_message_headers_replace (headers, "Authorization", value);
    }

  g_clear_pointer (&req->cached, json_node_unref);
  g_clear_pointer (&req->cached_body, g_bytes_unref);
  if (g_str_equal (req->method, SOUP_METHOD_GET))
    {
      CacheEntry *entry = cache_lookup (self, req->url);

      /* Only an entry of the kind this request returns can answer a 304. */
      if (entry != NULL && (req->raw ? entry->body != NULL : entry->node != NULL))
        {
          soup_message_headers_replace (headers, "If-None-Match", entry->etag);
          if (req->raw)
            req->cached_body = g_bytes_ref (entry->body);
          else
            req->cached = json_node_ref (entry->node);
        }
    }

  if (req->body != NULL)
    soup_message_set_request_body_from_bytes (req->message, "application/json", req->body);

  attempt_begin (task);
  soup_session_send_async (self->session, req->message, G_PRIORITY_DEFAULT,
                           req->attempt_cancellable, sent_cb, g_object_ref (task));
}

static void
got_token_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *req = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  req->token = cp_token_source_get_access_token_finish (CP_TOKEN_SOURCE (object), result, &error);
  if (req->token == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  request_send (task);
}

static void
request_begin (GTask *task)
{
  CpApiClient *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);

  if (req->use_token && self->token_source != NULL)
    cp_token_source_get_access_token_async (self->token_source, g_task_get_cancellable (task),
                                            got_token_cb, g_object_ref (task));
  else
    request_send (task);
}

static void
send_full_async (CpApiClient         *self,
                 const char          *method,
                 const char          *base_url,
                 const GError        *base_error,
                 const char          *path,
                 JsonNode            *body,
                 gboolean             use_token,
                 gboolean             raw,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) error = NULL;
  Request *req;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, send_full_async);

  if (base_url == NULL)
    {
      g_task_return_error (task, g_error_copy (base_error));
      return;
    }

  req = g_new0 (Request, 1);
  g_task_set_task_data (task, req, request_free);
  req->method = g_strdup (method);
  req->url = g_strconcat (base_url, path, NULL);
  req->use_token = use_token;
  req->raw = raw;

  uri = cp_url_parse_web (req->url, FALSE, CP_ERROR_INVALID_INPUT, NULL, &error);
  if (uri == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  req->path = g_strdup (g_uri_get_path (uri));

  if (body != NULL)
    {
      gsize length;
      char *text = json_to_string (body, FALSE);

      length = strlen (text);
      req->body = g_bytes_new_take (text, length);
    }

  request_begin (task);
}

static void
send_async (CpApiClient         *self,
            const char          *method,
            const char          *base_url,
            const GError        *base_error,
            const char          *path,
            JsonNode            *body,
            gboolean             use_token,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  send_full_async (self, method, base_url, base_error, path, body, use_token, FALSE,
                   cancellable, callback, user_data);
}

static JsonNode *
send_finish (CpApiClient   *self,
             GAsyncResult  *result,
             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == send_full_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The retry hint travels from the inner task to the caller's. */
static void
copy_retry_after (GAsyncResult *from,
                  GTask        *to)
{
  gpointer hint = g_object_get_data (G_OBJECT (from), RETRY_AFTER_KEY);

  g_object_set_data (G_OBJECT (to), RETRY_AFTER_KEY, hint);
}

/* GObject */

static void
cp_api_client_set_server_url (CpApiClient *self,
                              const char  *server_url)
{
  g_clear_pointer (&self->server_url, g_free);
  g_clear_error (&self->server_url_error);
  self->server_url = cp_api_client_normalize_server_url (server_url, &self->server_url_error);
}

static void
cp_api_client_finalize (GObject *object)
{
  CpApiClient *self = CP_API_CLIENT (object);

  g_clear_object (&self->session);
  g_clear_object (&self->token_source);
  g_free (self->server_url);
  g_clear_error (&self->server_url_error);
  g_free (self->api_base_url);
  g_clear_error (&self->api_base_url_error);
  cache_clear (self);
  g_hash_table_unref (self->cache);
  g_hash_table_unref (self->uncached_lists);

  G_OBJECT_CLASS (cp_api_client_parent_class)->finalize (object);
}

static void
cp_api_client_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  CpApiClient *self = CP_API_CLIENT (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_SERVER_URL:
      g_value_set_string (value, self->server_url);
      break;
    case PROP_API_BASE_URL:
      g_value_set_string (value, cp_api_client_get_api_base_url (self));
      break;
    case PROP_TOKEN_SOURCE:
      g_value_set_object (value, self->token_source);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cp_api_client_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  CpApiClient *self = CP_API_CLIENT (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    case PROP_SERVER_URL:
      cp_api_client_set_server_url (self, g_value_get_string (value));
      break;
    case PROP_API_BASE_URL:
      cp_api_client_set_api_base_url (self, g_value_get_string (value));
      break;
    case PROP_TOKEN_SOURCE:
      cp_api_client_set_token_source (self, g_value_get_object (value));
      break;
    case PROP_TIMEOUT:
      cp_api_client_set_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cp_api_client_class_init (CpApiClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cp_api_client_finalize;
  object_class->get_property = cp_api_client_get_property;
  object_class->set_property = cp_api_client_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, SOUP_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_API_BASE_URL] =
    g_param_spec_string ("api-base-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOKEN_SOURCE] =
    g_param_spec_object ("token-source", NULL, NULL, CP_TYPE_TOKEN_SOURCE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 0, G_MAXUINT / 1000, DEFAULT_TIMEOUT_SECONDS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cp_api_client_init (CpApiClient *self)
{
  self->timeout = DEFAULT_TIMEOUT_SECONDS;
  self->cache = g_hash_table_new (g_str_hash, g_str_equal);
  self->uncached_lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->cache_lru);
}

/* Public API */

CpApiClient *
cp_api_client_new (SoupSession *session,
                   const char  *server_url)
{
  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (server_url != NULL, NULL);

  return g_object_new (CP_TYPE_API_CLIENT,
                       "session", session,
                       "server-url", server_url,
                       NULL);
}

const char *
cp_api_client_get_server_url (CpApiClient *self)
{
  g_return_val_if_fail (CP_IS_API_CLIENT (self), NULL);
  return self->server_url;
}

const char *
cp_api_client_get_api_base_url (CpApiClient *self)
{
  g_return_val_if_fail (CP_IS_API_CLIENT (self), NULL);

  if (self->api_base_url != NULL || self->api_base_url_error != NULL)
    return self->api_base_url;

  return self->server_url;
}

void
cp_api_client_set_api_base_url (CpApiClient *self,
                                const char  *api_base_url)
{
  g_autofree char *normalized = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (CP_IS_API_CLIENT (self));

  if (api_base_url != NULL)
    normalized = cp_api_client_normalize_server_url (api_base_url, &error);

  if (g_strcmp0 (normalized, self->api_base_url) == 0 && error == NULL &&
      self->api_base_url_error == NULL)
    return;

  g_free (self->api_base_url);
  self->api_base_url = g_steal_pointer (&normalized);
  g_clear_error (&self->api_base_url_error);
  self->api_base_url_error = g_steal_pointer (&error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_API_BASE_URL]);
}

void
cp_api_client_set_token_source (CpApiClient   *self,
                                CpTokenSource *source)
{
  g_return_if_fail (CP_IS_API_CLIENT (self));
  g_return_if_fail (source == NULL || CP_IS_TOKEN_SOURCE (source));

  if (!g_set_object (&self->token_source, source))
    return;

  /* Another sign-in: nothing fetched for the previous one may be served. */
  cache_clear (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKEN_SOURCE]);
}

guint
cp_api_client_get_timeout (CpApiClient *self)
{
  g_return_val_if_fail (CP_IS_API_CLIENT (self), 0);
  return self->timeout;
}

void
cp_api_client_set_timeout (CpApiClient *self,
                           guint        seconds)
{
  g_return_if_fail (CP_IS_API_CLIENT (self));
  g_return_if_fail (seconds <= G_MAXUINT / 1000);

  if (self->timeout == seconds)
    return;

  self->timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

guint
cp_api_client_get_retry_after (CpApiClient  *self,
                               GAsyncResult *result)
{
  g_return_val_if_fail (CP_IS_API_CLIENT (self), 0);
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  return GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (result), RETRY_AFTER_KEY));
}

/* Generic request */

static void
request_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  node = send_finish (CP_API_CLIENT (object), result, &error);
  copy_retry_after (result, task);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
}

void
cp_api_client_request_async (CpApiClient         *self,
                             const char          *method,
                             const char          *path,
                             JsonNode            *body,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CP_IS_API_CLIENT (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (path != NULL && path[0] == '/');
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_api_client_request_async);

  send_async (self, method,
              cp_api_client_get_api_base_url (self),
              self->api_base_url_error ? self->api_base_url_error : self->server_url_error,
              path, body, TRUE, cancellable, request_done_cb, task);
}

JsonNode *
cp_api_client_request_finish (CpApiClient   *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (CP_IS_API_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cp_api_client_request_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Organisation */

static void
organization_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CpApiClient *self = CP_API_CLIENT (object);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CpOrganization) organization = NULL;

  node = send_finish (self, result, &error);
  copy_retry_after (result, task);
  if (error == NULL)
    organization = cp_organization_new_from_json (node, self->server_url, &error);

  if (organization == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  cp_api_client_set_api_base_url (self, cp_organization_get_api_base_url (organization));
  g_task_return_pointer (task, g_steal_pointer (&organization), g_object_unref);
}

void
cp_api_client_get_organization_async (CpApiClient         *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CP_IS_API_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_api_client_get_organization_async);

  /* Discovery comes before sign-in: no token. */
  send_async (self, SOUP_METHOD_GET, self->server_url, self->server_url_error,
              WELL_KNOWN_PATH, NULL, FALSE, cancellable, organization_cb, task);
}

CpOrganization *
cp_api_client_get_organization_finish (CpApiClient   *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  g_return_val_if_fail (CP_IS_API_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cp_api_client_get_organization_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The user */

static void
me_cb (GObject      *object,
       GAsyncResult *result,
       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  CpUser *user = NULL;

  node = cp_api_client_request_finish (CP_API_CLIENT (object), result, &error);
  copy_retry_after (result, task);
  if (error == NULL)
    user = cp_user_new_from_json (node, &error);

  if (user == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, user, g_object_unref);
}

void
cp_api_client_get_me_async (CpApiClient         *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CP_IS_API_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_api_client_get_me_async);

  cp_api_client_request_async (self, SOUP_METHOD_GET, "/v1/me", NULL, cancellable, me_cb, task);
}

CpUser *
cp_api_client_get_me_finish (CpApiClient   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (CP_IS_API_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cp_api_client_get_me_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Catalog */

static void
append_query_parameter (GString    *path,
                        const char *name,
                        const char *value)
{
  g_autofree char *escaped = NULL;

  if (value == NULL || value[0] == '\0')
    return;
  escaped = g_uri_escape_string (value, NULL, FALSE);
  g_string_append_c (path, strchr (path->str, '?') != NULL ? '&' : '?');
  g_string_append_printf (path, "%s=%s", name, escaped);
}

static void
list_apps_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GBytes *body = g_task_propagate_pointer (G_TASK (result), &error);

  copy_retry_after (result, task);
  if (body == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, body, (GDestroyNotify) g_bytes_unref);
}

void
cp_api_client_list_apps_async (CpApiClient         *self,
                               const char          *query,
                               const char          *category,
                               const char          *cursor,
                               guint                limit,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GString) path = g_string_new ("/v1/apps");
  g_autofree char *limit_text = limit > 0 ? g_strdup_printf ("%u", limit) : NULL;
  GTask *task;

  g_return_if_fail (CP_IS_API_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  append_query_parameter (path, "q", query);
  append_query_parameter (path, "category", category);
  append_query_parameter (path, "cursor", cursor);
  append_query_parameter (path, "limit", limit_text);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_api_client_list_apps_async);
  /* Raw: the page is read in the catalog's worker thread, not here. */
  send_full_async (self, SOUP_METHOD_GET,
                   cp_api_client_get_api_base_url (self),
                   self->api_base_url_error ? self->api_base_url_error : self->server_url_error,
                   path->str, NULL, TRUE, TRUE, cancellable, list_apps_cb, task);
}

GBytes *
cp_api_client_list_apps_finish (CpApiClient   *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (CP_IS_API_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cp_api_client_list_apps_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* One app and the categories */

/* Longest category id and name believed, and how many categories. */
#define MAX_CATEGORY_LENGTH 255
#define MAX_CATEGORIES      1000

static void
app_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  const char *id = g_task_get_task_data (task);
  JsonNode *member;

  node = cp_api_client_request_finish (CP_API_CLIENT (object), result, &error);
  copy_retry_after (result, task);
  if (node == NULL)
    {
      g_task_return_error (task, error != NULL ? g_steal_pointer (&error)
                                               : g_error_new_literal (CP_ERROR, CP_ERROR_INVALID_DATA,
                                                                      _("The server sent no app.")));
      return;
    }
  /* The entry goes to the agent as it is: it must be the app that was asked for. */
  member = JSON_NODE_HOLDS_OBJECT (node) ? json_object_get_member (json_node_get_object (node), "id") : NULL;
  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_STRING ||
      g_strcmp0 (json_node_get_string (member), id) != 0)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_INVALID_DATA,
                               _("The server sent another app than the one asked for."));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&node), (GDestroyNotify) json_node_unref);
}

void
cp_api_client_get_app_async (CpApiClient         *self,
                             const char          *app_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (CP_IS_API_CLIENT (self));
  g_return_if_fail (app_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_api_client_get_app_async);
  g_task_set_task_data (task, g_strdup (app_id), g_free);
  if (app_id[0] == '\0' || strlen (app_id) > 255)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_INVALID_INPUT, _("The app is not known."));
      return;
    }
  escaped = g_uri_escape_string (app_id, NULL, FALSE);
  path = g_strconcat ("/v1/apps/", escaped, NULL);
  cp_api_client_request_async (self, SOUP_METHOD_GET, path, NULL, cancellable, app_cb,
                               g_steal_pointer (&task));
}

JsonNode *
cp_api_client_get_app_finish (CpApiClient   *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (CP_IS_API_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cp_api_client_get_app_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static const char *
category_member (JsonObject *object,
                 const char *name)
{
  JsonNode *member = json_object_get_member (object, name);
  const char *value;

  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_STRING)
    return NULL;
  value = json_node_get_string (member);
  if (value[0] == '\0' || strlen (value) > MAX_CATEGORY_LENGTH || !g_utf8_validate (value, -1, NULL))
    return NULL;
  return value;
}

static GVariant *
parse_categories (JsonNode  *node,
                  GError   **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GVariantBuilder builder;
  JsonNode *items = JSON_NODE_HOLDS_OBJECT (node) ? json_object_get_member (json_node_get_object (node), "items")
                                                  : NULL;
  JsonArray *array;

  if (items == NULL || !JSON_NODE_HOLDS_ARRAY (items))
    {
      g_set_error_literal (error, CP_ERROR, CP_ERROR_INVALID_DATA,
                           _("The server sent categories that cannot be read."));
      return NULL;
    }
  array = json_node_get_array (items);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (guint i = 0; i < json_array_get_length (array) && g_hash_table_size (seen) < MAX_CATEGORIES; i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      const char *id, *name;

      /* A bad item is left out; the first of a duplicate id wins. */
      if (!JSON_NODE_HOLDS_OBJECT (item) ||
          (id = category_member (json_node_get_object (item), "id")) == NULL ||
          (name = category_member (json_node_get_object (item), "name")) == NULL ||
          !g_hash_table_add (seen, (gpointer) id))
        {
          g_debug ("categories: item %u left out", i);
          continue;
        }
      g_variant_builder_add (&builder, "(ss)", id, name);
    }
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static void
categories_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  GVariant *categories = NULL;

  node = cp_api_client_request_finish (CP_API_CLIENT (object), result, &error);
  copy_retry_after (result, task);
  if (node != NULL)
    categories = parse_categories (node, &error);
  else if (error == NULL)
    error = g_error_new_literal (CP_ERROR, CP_ERROR_INVALID_DATA,
                                 _("The server sent categories that cannot be read."));
  if (categories == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, categories, (GDestroyNotify) g_variant_unref);
}

void
cp_api_client_list_categories_async (CpApiClient         *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CP_IS_API_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_api_client_list_categories_async);
  cp_api_client_request_async (self, SOUP_METHOD_GET, "/v1/categories", NULL, cancellable,
                               categories_cb, task);
}

GVariant *
cp_api_client_list_categories_finish (CpApiClient   *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  g_return_val_if_fail (CP_IS_API_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cp_api_client_list_categories_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
