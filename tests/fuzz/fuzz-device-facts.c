/* fuzz-device-facts.c: os-release and one-line host files
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gstdio.h>

#include "cp-test-util.h"
#include "fuzz-common.h"

static char *root;

static void
write_host_file (const char    *relative,
                 const uint8_t *data,
                 size_t         size)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  g_mkdir_with_parents (dir, 0700);
  g_file_set_contents (path, (const char *) data, size, NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(CpDeviceFacts) facts = NULL;
  g_autoptr(JsonObject) json = NULL;

  fuzz_init ();
  if (root == NULL)
    root = cp_test_make_program_tmp_dir ("cp-fuzz-facts-XXXXXX");

  /* The same bytes as every file a fact comes from. */
  write_host_file ("etc/os-release", data, size);
  write_host_file ("etc/hostname", data, size);
  write_host_file ("etc/machine-id", data, size);
  write_host_file ("sys/class/dmi/id/sys_vendor", data, size);

  facts = cp_device_facts_collect (root, "https://portal.example.com", NULL);
  g_assert (facts != NULL);
  json = cp_device_facts_to_json (facts);

  /* Whatever came in, every value is short, valid UTF-8 without control characters. */
  {
    JsonObjectIter iter;
    const char *name;
    JsonNode *node;

    json_object_iter_init (&iter, json);
    while (json_object_iter_next (&iter, &name, &node))
      {
        const char *value = json_node_get_string (node);

        g_assert (strlen (value) <= CP_DEVICE_FACTS_MAX_LEN);
        g_assert (g_utf8_validate (value, -1, NULL));
        for (const char *p = value; *p; p = g_utf8_next_char (p))
          g_assert (!g_unichar_iscntrl (g_utf8_get_char (p)));
      }
  }
  return 0;
}
