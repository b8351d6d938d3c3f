/* test-agent-client.c: what the window accepts from the agent before posting it
 *
 * The device facts and the public key come from company-portal-agent as JSON
 * text and go on to the server in POST /v1/devices: the window reads them
 * with cp_agent_client_parse_object, bounded and checked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <company-portal.h>

#include "cp-agent-client.h"

/* {"hostname":"xx…x"} of exactly @length bytes. */
static char *
object_of_length (gsize length)
{
  const char *head = "{\"hostname\":\"";
  const char *tail = "\"}";
  GString *json = g_string_new (head);
  gsize fill = length - strlen (head) - strlen (tail);

  for (gsize i = 0; i < fill; i++)
    g_string_append_c (json, 'x');
  g_string_append (json, tail);
  g_assert_cmpuint (json->len, ==, length);
  return g_string_free (json, FALSE);
}

static void
assert_refused (const char *json,
                const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = cp_agent_client_parse_object (json, &error);

  g_assert_null (node);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, message_part));
  /* The message is for the user: never the agent's text. */
  if (json != NULL && *json != '\0' && strlen (json) < 200)
    g_assert_null (strstr (error->message, json));
}

static void
test_facts_and_key (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) facts = NULL;
  g_autoptr(JsonNode) key = NULL;

  facts = cp_agent_client_parse_object ("{\"hostname\":\"fake-host\",\"os\":{\"id\":\"debian\","
                                        "\"versionId\":\"12\"},\"diskEncrypted\":true}", &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (facts));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (facts), "hostname"), ==, "fake-host");

  key = cp_agent_client_parse_object ("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AQ\",\"y\":\"Ag\","
                                      "\"kid\":\"abc\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (key), "kty"), ==, "EC");
}

static void
test_size_bound (void)
{
  g_autofree char *largest = object_of_length (CP_AGENT_CLIENT_MAX_JSON);
  g_autofree char *too_large = object_of_length (CP_AGENT_CLIENT_MAX_JSON + 1);
  g_autofree char *huge = object_of_length (8 * 1024 * 1024);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_assert_cmpint (CP_AGENT_CLIENT_MAX_JSON, ==, 64 * 1024);
  node = cp_agent_client_parse_object (largest, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));

  assert_refused (too_large, "more data than");
  assert_refused (huge, "more data than");
}

static void
test_not_an_object (void)
{
  g_autofree char *deep = g_strnfill (30000, '[');

  assert_refused (NULL, "cannot read");
  assert_refused ("", "cannot read");
  assert_refused ("not json", "cannot read");
  assert_refused ("[1,2]", "cannot read");
  assert_refused ("\"text\"", "cannot read");
  assert_refused ("null", "cannot read");
  assert_refused ("{\"hostname\":", "cannot read");
  /* json-glib recurses per level; the core's pre-scan stops this first. */
  assert_refused (deep, "cannot read");
  /* An escape json-glib 1.6 would pass through as a raw byte, and bytes that are not UTF-8. */
  assert_refused ("{\"hostname\":\"a\\qb\"}", "cannot read");
  assert_refused ("{\"hostname\":\"\xff\xfe\"}", "cannot read");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/agent-client/facts-and-key", test_facts_and_key);
  g_test_add_func ("/agent-client/size-bound", test_size_bound);
  g_test_add_func ("/agent-client/not-an-object", test_not_an_object);

  return g_test_run ();
}
