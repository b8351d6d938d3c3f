/* cp-compliance-firewall.c: a firewall is enabled (ufw, firewalld, nftables)
 *
 * What an unprivileged user can read: ufw's own switch in etc/ufw/ufw.conf,
 * whether systemd enables firewalld.service or nftables.service (the links in
 * etc/systemd/system/ *.wants), and the nftables configuration that service
 * loads. The live netfilter rule set needs CAP_NET_ADMIN (and
 * /proc/net/ip_tables_names is root-only), so it is not read.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "cp-compliance-private.h"
#include "cp-error.h"

#define MAX_CONFIG_TEXT (256 * 1024)

static gboolean
unit_enabled (CpHostRoot *root,
              const char *unit)
{
  static const char *const targets[] = {
    "multi-user.target.wants", "sysinit.target.wants", "basic.target.wants", "network-pre.target.wants", NULL,
  };

  for (guint i = 0; targets[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename ("etc/systemd/system", targets[i], unit, NULL);

      if (cp_host_root_exists (root, path))
        return TRUE;
    }
  return FALSE;
}

/* ufw.conf is KEY=value; ufw writes ENABLED=yes when "ufw enable" ran. */
static gboolean
ufw_enabled (CpHostRoot *root)
{
  g_autofree char *text = cp_host_root_read_text (root, "etc/ufw/ufw.conf", MAX_CONFIG_TEXT, NULL);
  g_auto(GStrv) lines = NULL;
  gboolean enabled = FALSE;

  if (text == NULL)
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (g_str_has_prefix (line, "ENABLED="))
        {
          char *value = line + strlen ("ENABLED=");

          g_strdelimit (value, "\"'", ' ');
          enabled = g_ascii_strcasecmp (g_strstrip (value), "yes") == 0;
        }
    }
  return enabled;
}

/* A heuristic by necessity: the configuration nftables.service loads has an
 * input hook and drops or rejects something. Debian's default file has an
 * empty accept-all input chain, which protects nothing. */
static gboolean
nftables_filters_input (CpHostRoot *root)
{
  static const char *const files[] = { "etc/nftables.conf", "etc/sysconfig/nftables.conf", NULL };

  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autofree char *text = cp_host_root_read_text (root, files[i], MAX_CONFIG_TEXT, NULL);

      if (text != NULL && strstr (text, "hook input") != NULL
          && (strstr (text, "drop") != NULL || strstr (text, "reject") != NULL))
        return TRUE;
    }
  return FALSE;
}

static void
add_remediation (CpHostRoot         *root,
                 CpComplianceResult *result)
{
  const char *command = "sudo ufw enable";
  const char *steps[] = {
    _("Turn on the firewall with the command below (it asks for your password)."),
    _("If the command is not found, install the firewall first: “sudo apt install ufw” or “sudo dnf install firewalld”."),
    _("Check again."),
    NULL,
  };

  if (!cp_host_root_exists (root, "usr/sbin/ufw") && cp_host_root_exists (root, "usr/sbin/firewalld"))
    command = "sudo systemctl enable --now firewalld";
  cp_compliance_result_set_remediation (result, _("Turn on the firewall"), steps);
  cp_compliance_result_set_action (result, CP_REMEDIATION_ACTION_COMMAND, command);
}

CpComplianceResult *
cp_compliance_check_firewall (CpHostRoot          *root,
                              CpComplianceSetting *setting)
{
  const char *expected = _("A firewall (ufw, firewalld or nftables) is enabled");
  CpComplianceResult *result;
  gboolean nft_enabled;

  if (ufw_enabled (root))
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_COMPLIANT, expected,
                                     _("ufw is enabled (/etc/ufw/ufw.conf)"));
  if (unit_enabled (root, "firewalld.service"))
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_COMPLIANT, expected,
                                     _("firewalld.service is enabled"));
  nft_enabled = unit_enabled (root, "nftables.service");
  if (nft_enabled && nftables_filters_input (root))
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_COMPLIANT, expected,
                                     _("nftables.service is enabled and its configuration filters incoming traffic"));

  /* Without systemd's configuration we cannot tell "off" from "unreadable". */
  if (!cp_host_root_is_dir (root, "etc/systemd/system") && !cp_host_root_exists (root, "etc/ufw/ufw.conf"))
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_UNKNOWN, expected,
                                     _("Neither ufw’s nor systemd’s configuration could be read"));

  result = cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_NONCOMPLIANT, expected, "%s",
                                     nft_enabled ? _("nftables.service is enabled, but its configuration does not filter incoming traffic; ufw and firewalld are off")
                                                 : _("No firewall is enabled (ufw, firewalld and nftables are off)"));
  add_remediation (root, result);
  return result;
}
