/* fuzz-server-documents.c: what the server reads from files and devices besides
 * the organisation: compliance policies and catalog entries
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"

#include "cp-portal-server.h"
#include "cp-server-catalog.h"
#include "cp-server-compliance.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(JsonNode) root = NULL;

  fuzz_init ();
  /* The server's own parser, as in every handler. */
  if (size > G_MAXSSIZE || !(root = cp_server_json_parse ((const char *) data, (gssize) size)))
    return 0;

  if (cp_server_compliance_check_policy (root, NULL))
    {
      JsonArray *settings = json_object_get_array_member (json_node_get_object (root), "settings");

      g_assert_cmpuint (json_array_get_length (settings), <=, 1000);
    }

  if (JSON_NODE_HOLDS_OBJECT (root) && cp_server_catalog_check_app (json_node_get_object (root), NULL))
    g_assert_nonnull (json_object_get_string_member (json_node_get_object (root), "name"));
  return 0;
}
