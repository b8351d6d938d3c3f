/* cp-compliance-ssh.c: no SSH server reachable from the network (proc/net/tcp*)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-compliance-private.h"
#include "cp-error.h"

#define MAX_TCP_TEXT (8 * 1024 * 1024)
#define MAX_PORTS 64
#define TCP_LISTEN 0x0A

typedef struct
{
  guint16 ports[MAX_PORTS];
  guint n_ports;
} Ports;

static gboolean
parse_ports (JsonObject  *parameters,
             Ports       *ports,
             GError     **error)
{
  JsonNode *node = json_object_get_member (parameters, "ports");
  JsonArray *array;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      ports->ports[0] = 22;
      ports->n_ports = 1;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (array = json_node_get_array (node)) == 0
      || json_array_get_length (array) > MAX_PORTS)
    goto bad;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      gint64 port;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_INT64
          || (port = json_node_get_int (element)) < 1 || port > 65535)
        goto bad;
      ports->ports[ports->n_ports++] = port;
    }
  return TRUE;

bad:
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_DATA,
               _("The parameter “ports” must be a list of 1 to %d port numbers"), MAX_PORTS);
  return FALSE;
}

/* The kernel prints each 32-bit word of the address in host byte order,
 * so copying the parsed words back gives the address bytes. */
static gboolean
parse_address (const char *hex,
               guint8     *bytes,
               gsize      *len)
{
  gsize hex_len = strlen (hex);

  if (hex_len != 8 && hex_len != 32)
    return FALSE;
  for (gsize w = 0; w < hex_len / 8; w++)
    {
      char word_text[9] = { 0 };
      char *end;
      guint32 word;

      memcpy (word_text, hex + w * 8, 8);
      word = strtoul (word_text, &end, 16);
      if (*end != '\0')
        return FALSE;
      memcpy (bytes + w * 4, &word, 4);
    }
  *len = hex_len / 2;
  return TRUE;
}

static gboolean
is_loopback (const guint8 *bytes,
             gsize         len)
{
  static const guint8 v6_loopback[16] = { [15] = 1 };
  static const guint8 v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

  if (len == 4)
    return bytes[0] == 127;
  if (memcmp (bytes, v6_loopback, 16) == 0)
    return TRUE;
  return memcmp (bytes, v4_mapped, 12) == 0 && bytes[12] == 127;
}

static char *
format_address (const guint8 *bytes,
                gsize         len,
                guint         port)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_bytes (bytes, len == 4 ? G_SOCKET_FAMILY_IPV4
                                                                                     : G_SOCKET_FAMILY_IPV6);
  g_autofree char *text = g_inet_address_to_string (address);

  return len == 4 ? g_strdup_printf ("%s:%u", text, port) : g_strdup_printf ("[%s]:%u", text, port);
}

/* Lines: "sl local:port remote:port st ...", all hex. */
static gboolean
scan_table (const char  *text,
            const Ports *ports,
            GString     *exposed)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  if (lines[0] == NULL || strstr (lines[0], "local_address") == NULL)
    return FALSE;
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      g_autoptr(GPtrArray) words = g_ptr_array_new ();
      guint8 bytes[16];
      char *colon, *end;
      gsize len;
      gulong port, state;

      for (guint j = 0; fields[j] != NULL; j++)
        if (*fields[j] != '\0')
          g_ptr_array_add (words, fields[j]);
      if (words->len == 0)
        continue;
      if (words->len < 4 || (colon = strchr (g_ptr_array_index (words, 1), ':')) == NULL)
        return FALSE;
      *colon = '\0';
      port = strtoul (colon + 1, &end, 16);
      state = strtoul (g_ptr_array_index (words, 3), NULL, 16);
      if (*end != '\0' || !parse_address (g_ptr_array_index (words, 1), bytes, &len))
        return FALSE;
      if (state != TCP_LISTEN || is_loopback (bytes, len))
        continue;
      for (guint p = 0; p < ports->n_ports; p++)
        if (ports->ports[p] == port)
          {
            g_autofree char *where = format_address (bytes, len, port);

            g_string_append_printf (exposed, "%s%s", exposed->len ? ", " : "", where);
          }
    }
  return TRUE;
}

static void
add_remediation (CpComplianceResult *result)
{
  const char *steps[] = {
    _("If you do not need remote login, turn it off in Settings → Sharing → Remote Login, or run “sudo systemctl disable --now ssh” (“sshd” on Fedora)."),
    _("If you need it, limit it to this computer with “ListenAddress 127.0.0.1” in /etc/ssh/sshd_config, or ask IT for an exception."),
    _("Check again."),
    NULL,
  };

  cp_compliance_result_set_remediation (result, _("Stop the SSH server from listening on the network"), steps);
  cp_compliance_result_set_action (result, CP_REMEDIATION_ACTION_SETTINGS_PANEL, "sharing");
}

CpComplianceResult *
cp_compliance_check_ssh (CpHostRoot          *root,
                         CpComplianceSetting *setting)
{
  static const char *const tables[] = { "proc/net/tcp", "proc/net/tcp6", NULL };
  g_autoptr(GString) exposed = g_string_new (NULL);
  g_autoptr(GString) ports_text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  CpComplianceResult *result;
  guint n_read = 0;
  Ports ports = { { 0 }, 0 };

  if (!parse_ports (cp_compliance_setting_get_parameters (setting), &ports, &error))
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_ERROR, NULL, "%s", error->message);
  for (guint p = 0; p < ports.n_ports; p++)
    g_string_append_printf (ports_text, "%s%u", p ? ", " : "", ports.ports[p]);
  expected = g_strdup_printf (_("Nothing listens on port %s outside this computer"), ports_text->str);

  for (guint i = 0; tables[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *text = cp_host_root_read_text (root, tables[i], MAX_TCP_TEXT, &local_error);

      if (text == NULL && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        continue;   /* no IPv6 on this host */
      if (text == NULL || !scan_table (text, &ports, exposed))
        return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_UNKNOWN, expected,
                                         _("/%s could not be read or is garbled"), tables[i]);
      n_read++;
    }
  if (n_read == 0)
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_UNKNOWN, expected,
                                     _("The listening sockets could not be read (no /proc/net/tcp)"));
  if (exposed->len == 0)
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_COMPLIANT, expected,
                                     _("Nothing listens on port %s outside this computer"), ports_text->str);

  result = cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_NONCOMPLIANT, expected,
                                     _("A server listens on %s, reachable from the network"), exposed->str);
  add_remediation (result);
  return result;
}
