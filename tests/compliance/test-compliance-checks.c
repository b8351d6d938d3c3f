/* test-compliance-checks.c: each built-in setting against fake host trees
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "compliance-test-util.h"

#define DISTROS "{\"allowed\":[{\"id\":\"debian\",\"minVersion\":\"12\"}," \
                "{\"id\":\"ubuntu\",\"minVersion\":\"22.10\",\"maxVersion\":\"24.04\"}," \
                "{\"id\":\"fedora\",\"minVersion\":\"39\"}]}"
#define STRONG_PASSWORDS "{\"minLength\":12,\"minDigits\":1,\"minUppercase\":1,\"minLowercase\":1,\"minSymbols\":1}"

static CpComplianceResult *
check_tree (const char *tree,
            const char *type,
            const char *parameters)
{
  g_autoptr(CpHostRoot) root = test_tree (tree);

  return test_check (root, type, parameters);
}

static CpComplianceResult *
check_scratch (const char *dir,
               const char *type,
               const char *parameters)
{
  g_autoptr(CpHostRoot) root = cp_host_root_new (dir);

  return test_check (root, type, parameters);
}

/* distribution */

static void
test_distribution_allowed (void)
{
  g_autoptr(CpComplianceResult) debian = check_tree ("debian12-luks", "distribution", DISTROS);
  g_autoptr(CpComplianceResult) fedora = check_tree ("fedora40", "distribution", DISTROS);
  g_autoptr(CpComplianceResult) flatpak = check_tree ("flatpak", "distribution", DISTROS);

  test_assert_state (debian, CP_COMPLIANCE_STATE_COMPLIANT);
  g_assert_nonnull (strstr (cp_compliance_result_get_evidence (debian), "debian 12"));
  /* usr/lib/os-release when etc/os-release is missing. */
  test_assert_state (fedora, CP_COMPLIANCE_STATE_COMPLIANT);
  g_assert_nonnull (strstr (cp_compliance_result_get_evidence (fedora), "fedora 40"));
  /* Inside Flatpak the host's file counts, not the runtime's. */
  test_assert_state (flatpak, CP_COMPLIANCE_STATE_COMPLIANT);
  g_assert_nonnull (strstr (cp_compliance_result_get_evidence (flatpak), "ubuntu 24.04"));
}

static void
test_distribution_versions (void)
{
  struct { const char *params; CpComplianceState state; } cases[] = {
    /* 22.04 < 22.10: too old. */
    { DISTROS, CP_COMPLIANCE_STATE_NONCOMPLIANT },
    { "{\"allowed\":[{\"id\":\"ubuntu\",\"minVersion\":\"22.04\",\"maxVersion\":\"24.04\"}]}", CP_COMPLIANCE_STATE_COMPLIANT },
    { "{\"allowed\":[{\"id\":\"ubuntu\",\"maxVersion\":\"21.10\"}]}", CP_COMPLIANCE_STATE_NONCOMPLIANT },
    { "{\"allowed\":[{\"id\":\"ubuntu\"}]}", CP_COMPLIANCE_STATE_COMPLIANT },
    { "{\"allowed\":[{\"id\":\"debian\"}]}", CP_COMPLIANCE_STATE_NONCOMPLIANT },
    { "{\"allowed\":[]}", CP_COMPLIANCE_STATE_ERROR },
    { "{\"allowed\":[{\"id\":\"ubuntu\",\"minVersion\":\"22 04; rm\"}]}", CP_COMPLIANCE_STATE_ERROR },
    { "{\"allowed\":\"ubuntu\"}", CP_COMPLIANCE_STATE_ERROR },
    { NULL, CP_COMPLIANCE_STATE_ERROR },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CpComplianceResult) result = check_tree ("ubuntu2204-plain", "distribution", cases[i].params);

      test_assert_state (result, cases[i].state);
      if (cases[i].state == CP_COMPLIANCE_STATE_NONCOMPLIANT)
        g_assert_nonnull (cp_compliance_result_get_remediation_title (result));
    }
}

static void
test_distribution_unreadable (void)
{
  g_autofree char *dir = test_scratch_tree ();
  g_autoptr(CpComplianceResult) garbled = check_tree ("garbled", "distribution", DISTROS);
  g_autoptr(CpComplianceResult) missing = check_scratch (dir, "distribution", DISTROS);
  g_autoptr(CpComplianceResult) no_id = NULL;
  g_autoptr(CpComplianceResult) no_version = NULL;
  g_autoptr(CpComplianceResult) binary = NULL;

  test_assert_state (garbled, CP_COMPLIANCE_STATE_UNKNOWN);
  test_assert_state (missing, CP_COMPLIANCE_STATE_UNKNOWN);

  test_write (dir, "etc/os-release", "NAME=\"Something\"\nVERSION_ID=1\n");
  no_id = check_scratch (dir, "distribution", DISTROS);
  test_assert_state (no_id, CP_COMPLIANCE_STATE_UNKNOWN);

  /* A rolling release states no version: it cannot meet a version limit. */
  test_write (dir, "etc/os-release", "ID=debian\nPRETTY_NAME='Debian sid'\n");
  no_version = check_scratch (dir, "distribution", DISTROS);
  test_assert_state (no_version, CP_COMPLIANCE_STATE_NONCOMPLIANT);

  test_write (dir, "etc/os-release", "ID=debian\nVERSION_ID=\"12\xff\"\n");
  binary = check_scratch (dir, "distribution", DISTROS);
  test_assert_state (binary, CP_COMPLIANCE_STATE_UNKNOWN);
}

/* diskEncryption */

static void
test_disk_encrypted_layouts (void)
{
  g_autoptr(CpComplianceResult) lvm_on_luks = check_tree ("debian12-luks", "diskEncryption", NULL);
  g_autoptr(CpComplianceResult) btrfs_on_luks = check_tree ("fedora40", "diskEncryption", NULL);
  const char *evidence = cp_compliance_result_get_evidence (lvm_on_luks);

  test_assert_state (lvm_on_luks, CP_COMPLIANCE_STATE_COMPLIANT);
  g_assert_cmpstr (evidence, ==, "Encrypted: /, /home");
  test_assert_state (btrfs_on_luks, CP_COMPLIANCE_STATE_COMPLIANT);
  g_assert_cmpstr (cp_compliance_result_get_evidence (btrfs_on_luks), ==, "Encrypted: /, /home");
}

static void
test_disk_unencrypted (void)
{
  g_autoptr(CpComplianceResult) result = check_tree ("ubuntu2204-plain", "diskEncryption", NULL);

  test_assert_state (result, CP_COMPLIANCE_STATE_NONCOMPLIANT);
  /* /home is on LUKS; /boot/efi is ignored; the others are named. */
  g_assert_cmpstr (cp_compliance_result_get_evidence (result), ==, "Not encrypted: /, /var/lib/docker");
  g_assert_nonnull (cp_compliance_result_get_remediation_title (result));
  g_assert_nonnull (cp_compliance_result_get_remediation_steps (result)[0]);
}

static void
test_disk_sysfs_missing (void)
{
  g_autofree char *dir = test_scratch_tree ();
  g_autoptr(CpComplianceResult) garbled = check_tree ("garbled", "diskEncryption", NULL);
  g_autoptr(CpComplianceResult) nothing = check_scratch (dir, "diskEncryption", NULL);
  g_autoptr(CpComplianceResult) no_uuid = NULL;
  g_autoptr(CpComplianceResult) bad_table = NULL;
  g_autoptr(CpComplianceResult) zfs = NULL;

  test_assert_state (garbled, CP_COMPLIANCE_STATE_UNKNOWN);
  test_assert_state (nothing, CP_COMPLIANCE_STATE_UNKNOWN);

  /* A device-mapper device whose uuid cannot be read is not assumed encrypted. */
  test_write (dir, "proc/mounts", "/dev/mapper/root / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\n");
  test_write (dir, "sys/block/dm-0/dev", "254:0\n");
  test_write (dir, "sys/block/dm-0/dm/name", "root\n");
  no_uuid = check_scratch (dir, "diskEncryption", NULL);
  test_assert_state (no_uuid, CP_COMPLIANCE_STATE_UNKNOWN);
  g_assert_nonnull (strstr (cp_compliance_result_get_evidence (no_uuid), "/"));

  test_write (dir, "proc/self/mountinfo", "30 1 0:40 / / rw,relatime - zfs rpool/ROOT/ubuntu rw,xattr\n");
  zfs = check_scratch (dir, "diskEncryption", NULL);
  test_assert_state (zfs, CP_COMPLIANCE_STATE_UNKNOWN);

  test_write (dir, "proc/self/mountinfo", "this is not a mount table\n");
  bad_table = check_scratch (dir, "diskEncryption", NULL);
  test_assert_state (bad_table, CP_COMPLIANCE_STATE_UNKNOWN);
}

static void
test_disk_proc_mounts_fallback (void)
{
  g_autofree char *dir = test_scratch_tree ();
  g_autoptr(CpComplianceResult) encrypted = NULL;
  g_autoptr(CpComplianceResult) plain = NULL;

  /* No mountinfo: /proc/mounts names devices by path only. */
  test_write (dir, "proc/mounts", "/dev/mapper/root / ext4 rw,relatime 0 0\n/dev/vda1 /boot ext4 rw 0 0\n");
  test_write (dir, "sys/block/dm-0/dev", "254:0\n");
  test_write (dir, "sys/block/dm-0/dm/name", "root\n");
  test_write (dir, "sys/block/dm-0/dm/uuid", "CRYPT-LUKS1-abcdef-root\n");
  test_write (dir, "sys/block/vda/dev", "253:0\n");
  test_write (dir, "sys/block/vda/vda1/dev", "253:1\n");
  test_write (dir, "sys/block/vda/vda1/partition", "1\n");
  encrypted = check_scratch (dir, "diskEncryption", NULL);
  test_assert_state (encrypted, CP_COMPLIANCE_STATE_COMPLIANT);

  test_write (dir, "proc/mounts", "/dev/mapper/root / ext4 rw 0 0\n/dev/vda1 /srv\\040data ext4 rw 0 0\n");
  plain = check_scratch (dir, "diskEncryption", NULL);
  test_assert_state (plain, CP_COMPLIANCE_STATE_NONCOMPLIANT);
  g_assert_cmpstr (cp_compliance_result_get_evidence (plain), ==, "Not encrypted: /srv data");
}

/* passwordPolicy */

static void
test_password_debian (void)
{
  g_autoptr(CpComplianceResult) ok = check_tree ("debian12-luks", "passwordPolicy", STRONG_PASSWORDS);
  g_autoptr(CpComplianceResult) longer = check_tree ("debian12-luks", "passwordPolicy", "{\"minLength\":15}");

  /* PAM's minlen=14 overrides pwquality.conf's 10. */
  test_assert_state (ok, CP_COMPLIANCE_STATE_COMPLIANT);
  g_assert_nonnull (strstr (cp_compliance_result_get_evidence (ok), "minimum length 14"));
  g_assert_nonnull (strstr (cp_compliance_result_get_evidence (ok), "common-password"));
  test_assert_state (longer, CP_COMPLIANCE_STATE_NONCOMPLIANT);
  g_assert_cmpint (cp_compliance_result_get_action (longer), ==, CP_REMEDIATION_ACTION_COMMAND);
  g_assert_nonnull (strstr (cp_compliance_result_get_action_value (longer), "minlen = 15"));
}

static void
test_password_not_configured (void)
{
  g_autofree char *dir = test_scratch_tree ();
  g_autoptr(CpComplianceResult) ubuntu = check_tree ("ubuntu2204-plain", "passwordPolicy", STRONG_PASSWORDS);
  g_autoptr(CpComplianceResult) nothing = check_scratch (dir, "passwordPolicy", STRONG_PASSWORDS);
  g_autoptr(CpComplianceResult) conf_only = NULL;

  test_assert_state (ubuntu, CP_COMPLIANCE_STATE_NONCOMPLIANT);
  g_assert_nonnull (strstr (cp_compliance_result_get_evidence (ubuntu), "No password quality rules are configured"));
  test_assert_state (nothing, CP_COMPLIANCE_STATE_NONCOMPLIANT);

  /* pwquality.conf alone is not in force when PAM does not load the module. */
  test_write (dir, "etc/security/pwquality.conf", "minlen = 20\ndcredit = -1\nucredit = -1\nlcredit = -1\nocredit = -1\n");
  test_write (dir, "etc/pam.d/common-password", "password required pam_unix.so\n");
  conf_only = check_scratch (dir, "passwordPolicy", STRONG_PASSWORDS);
  test_assert_state (conf_only, CP_COMPLIANCE_STATE_NONCOMPLIANT);
}

static void
test_password_fedora_odd_syntax (void)
{
  g_autoptr(CpComplianceResult) result = check_tree ("fedora40", "passwordPolicy",
                                                     "{\"minLength\":12,\"minDigits\":2,\"minUppercase\":1,"
                                                     "\"minLowercase\":1,\"minSymbols\":1}");
  g_autoptr(CpComplianceResult) too_strict = check_tree ("fedora40", "passwordPolicy", "{\"minLength\":13}");

  /* Continuation lines, a comment, conf.d overriding conf, PAM overriding both. */
  test_assert_state (result, CP_COMPLIANCE_STATE_COMPLIANT);
  g_assert_cmpstr (cp_compliance_result_get_evidence (result), ==,
                   "pam_pwquality in /etc/pam.d/system-auth: minimum length 12, at least 2 digits, "
                   "1 uppercase, 1 lowercase, 1 symbols, 0 character classes");
  test_assert_state (too_strict, CP_COMPLIANCE_STATE_NONCOMPLIANT);
}

static void
test_password_variants (void)
{
  g_autofree char *dir = test_scratch_tree ();
  struct { const char *pam; const char *conf; const char *params; CpComplianceState state; } cases[] = {
    /* Defaults of libpwquality: minlen 8. */
    { "password requisite pam_pwquality.so\n", NULL, "{\"minLength\":8}", CP_COMPLIANCE_STATE_COMPLIANT },
    { "password requisite pam_pwquality.so\n", NULL, "{\"minLength\":9}", CP_COMPLIANCE_STATE_NONCOMPLIANT },
    /* Positive credits shorten the real minimum: 12 - 1 - 1 = 10. */
    { "password requisite pam_pwquality.so minlen=12 dcredit=1 ucredit=1\n", NULL, "{\"minLength\":11}", CP_COMPLIANCE_STATE_NONCOMPLIANT },
    { "password requisite pam_pwquality.so minlen=12 dcredit=1 ucredit=1\n", NULL, "{\"minLength\":10}", CP_COMPLIANCE_STATE_COMPLIANT },
    /* Positive credits are no minimums. */
    { "password requisite pam_pwquality.so dcredit=1\n", NULL, "{\"minDigits\":1}", CP_COMPLIANCE_STATE_NONCOMPLIANT },
    { "password requisite pam_pwquality.so\n", "minclass=3\nocredit = -2\n", "{\"minClasses\":3,\"minSymbols\":2}", CP_COMPLIANCE_STATE_COMPLIANT },
    /* A PAM option overrides the file. */
    { "password requisite pam_pwquality.so ocredit=0\n", "ocredit = -2\n", "{\"minSymbols\":1}", CP_COMPLIANCE_STATE_NONCOMPLIANT },
    /* minlen below 6 counts as 6. */
    { "password requisite pam_pwquality.so minlen=3\n", NULL, "{\"minLength\":6}", CP_COMPLIANCE_STATE_COMPLIANT },
    /* Bracketed control with spaces, "-password", full module path, mixed case type. */
    { "-Password [success=ok new_authtok_reqd=ok default=die] /lib/x86_64-linux-gnu/security/pam_pwquality.so  retry=3\tminlen=16\n",
      NULL, "{\"minLength\":16}", CP_COMPLIANCE_STATE_COMPLIANT },
    /* Written on Windows: CRLF line ends. */
    { "password requisite pam_pwquality.so minlen=16\r\n", "dcredit = -1\r\n", "{\"minLength\":16,\"minDigits\":1}", CP_COMPLIANCE_STATE_COMPLIANT },
    /* Commented out: not in force. */
    { "#password requisite pam_pwquality.so minlen=16\npassword required pam_unix.so\n", NULL, "{\"minLength\":8}", CP_COMPLIANCE_STATE_NONCOMPLIANT },
    /* A value that is no number: cannot tell what is enforced. */
    { "password requisite pam_pwquality.so minlen=12x\n", NULL, "{\"minLength\":8}", CP_COMPLIANCE_STATE_UNKNOWN },
    { "password requisite pam_pwquality.so\n", "minlen = = 3\n", "{\"minLength\":8}", CP_COMPLIANCE_STATE_UNKNOWN },
    { "password requisite pam_pwquality.so\n", NULL, "{\"minLength\":\"12\"}", CP_COMPLIANCE_STATE_ERROR },
    { "password requisite pam_pwquality.so\n", NULL, "{\"minLength\":-1}", CP_COMPLIANCE_STATE_ERROR },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CpComplianceResult) result = NULL;
      g_autofree char *conf = g_build_filename (dir, "etc/security/pwquality.conf", NULL);

      g_test_message ("case %u", i);
      test_write (dir, "etc/pam.d/common-password", cases[i].pam);
      if (cases[i].conf != NULL)
        test_write (dir, "etc/security/pwquality.conf", cases[i].conf);
      else
        g_remove (conf);
      result = check_scratch (dir, "passwordPolicy", cases[i].params);
      test_assert_state (result, cases[i].state);
    }
}

static void
test_password_garbled (void)
{
  g_autoptr(CpComplianceResult) result = check_tree ("garbled", "passwordPolicy", STRONG_PASSWORDS);

  test_assert_state (result, CP_COMPLIANCE_STATE_UNKNOWN);
  g_assert_nonnull (strstr (cp_compliance_result_get_evidence (result), "twelve"));
}

/* firewall */

static void
test_firewall_trees (void)
{
  g_autoptr(CpComplianceResult) ufw = check_tree ("debian12-luks", "firewall", NULL);
  g_autoptr(CpComplianceResult) off = check_tree ("ubuntu2204-plain", "firewall", NULL);
  g_autoptr(CpComplianceResult) firewalld = check_tree ("fedora40", "firewall", NULL);
  g_autoptr(CpComplianceResult) unreadable = check_tree ("garbled", "firewall", NULL);

  test_assert_state (ufw, CP_COMPLIANCE_STATE_COMPLIANT);
  g_assert_nonnull (strstr (cp_compliance_result_get_evidence (ufw), "ufw"));
  test_assert_state (off, CP_COMPLIANCE_STATE_NONCOMPLIANT);
  g_assert_cmpstr (cp_compliance_result_get_action_value (off), ==, "sudo ufw enable");
  test_assert_state (firewalld, CP_COMPLIANCE_STATE_COMPLIANT);
  g_assert_nonnull (strstr (cp_compliance_result_get_evidence (firewalld), "firewalld"));
  test_assert_state (unreadable, CP_COMPLIANCE_STATE_UNKNOWN);
}

static void
test_firewall_nftables (void)
{
  g_autofree char *dir = test_scratch_tree ();
  g_autoptr(CpComplianceResult) accept_all = NULL;
  g_autoptr(CpComplianceResult) filtering = NULL;

  test_write (dir, "etc/systemd/system/sysinit.target.wants/nftables.service", "");
  test_write (dir, "etc/nftables.conf",
              "#!/usr/sbin/nft -f\nflush ruleset\ntable inet filter {\n"
              "  chain input {\n    type filter hook input priority filter;\n  }\n}\n");
  accept_all = check_scratch (dir, "firewall", NULL);
  test_assert_state (accept_all, CP_COMPLIANCE_STATE_NONCOMPLIANT);

  test_write (dir, "etc/nftables.conf",
              "table inet filter {\n  chain input {\n    type filter hook input priority 0; policy drop;\n"
              "    ct state established,related accept\n    iif lo accept\n  }\n}\n");
  filtering = check_scratch (dir, "firewall", NULL);
  test_assert_state (filtering, CP_COMPLIANCE_STATE_COMPLIANT);
}

/* secureBoot */

static void
test_secure_boot (void)
{
  g_autoptr(CpComplianceResult) on = check_tree ("debian12-luks", "secureBoot", NULL);
  g_autoptr(CpComplianceResult) off = check_tree ("ubuntu2204-plain", "secureBoot", NULL);
  g_autoptr(CpComplianceResult) bios = check_tree ("fedora40", "secureBoot", NULL);
  g_autoptr(CpComplianceResult) bios_required = check_tree ("fedora40", "secureBoot", "{\"requireUefi\":true}");
  g_autoptr(CpComplianceResult) short_var = check_tree ("garbled", "secureBoot", NULL);
  g_autoptr(CpComplianceResult) bad_param = check_tree ("fedora40", "secureBoot", "{\"requireUefi\":\"yes\"}");

  test_assert_state (on, CP_COMPLIANCE_STATE_COMPLIANT);
  test_assert_state (off, CP_COMPLIANCE_STATE_NONCOMPLIANT);
  g_assert_nonnull (cp_compliance_result_get_remediation_steps (off)[0]);
  test_assert_state (bios, CP_COMPLIANCE_STATE_NOT_APPLICABLE);
  test_assert_state (bios_required, CP_COMPLIANCE_STATE_NONCOMPLIANT);
  test_assert_state (short_var, CP_COMPLIANCE_STATE_UNKNOWN);
  test_assert_state (bad_param, CP_COMPLIANCE_STATE_ERROR);
}

static void
test_secure_boot_missing_entries (void)
{
  g_autofree char *dir = test_scratch_tree ();
  g_autoptr(CpComplianceResult) no_efivars = NULL;
  g_autoptr(CpComplianceResult) no_variable = NULL;

  /* efivarfs not mounted: we cannot know. */
  test_write (dir, "sys/firmware/efi/systab", "");
  no_efivars = check_scratch (dir, "secureBoot", NULL);
  test_assert_state (no_efivars, CP_COMPLIANCE_STATE_UNKNOWN);

  /* efivars readable, but the firmware has no SecureBoot variable. */
  test_write (dir, "sys/firmware/efi/efivars/BootOrder-8be4df61-93ca-11d2-aa0d-00e098032b8c", "");
  no_variable = check_scratch (dir, "secureBoot", NULL);
  test_assert_state (no_variable, CP_COMPLIANCE_STATE_NONCOMPLIANT);
}

/* automaticUpdates */

static void
test_updates_trees (void)
{
  g_autoptr(CpComplianceResult) apt = check_tree ("debian12-luks", "automaticUpdates", NULL);
  g_autoptr(CpComplianceResult) apt_off = check_tree ("ubuntu2204-plain", "automaticUpdates", NULL);
  g_autoptr(CpComplianceResult) dnf = check_tree ("fedora40", "automaticUpdates", NULL);
  g_autoptr(CpComplianceResult) garbled = check_tree ("garbled", "automaticUpdates", NULL);
  g_autoptr(CpComplianceResult) none = check_tree ("flatpak", "automaticUpdates", NULL);

  test_assert_state (apt, CP_COMPLIANCE_STATE_COMPLIANT);
  test_assert_state (apt_off, CP_COMPLIANCE_STATE_NONCOMPLIANT);
  g_assert_nonnull (strstr (cp_compliance_result_get_evidence (apt_off), "“0”"));
  g_assert_nonnull (strstr (cp_compliance_result_get_action_value (apt_off), "unattended-upgrades"));
  test_assert_state (dnf, CP_COMPLIANCE_STATE_COMPLIANT);
  test_assert_state (garbled, CP_COMPLIANCE_STATE_UNKNOWN);
  test_assert_state (none, CP_COMPLIANCE_STATE_UNKNOWN);
}

static void
test_updates_variants (void)
{
  g_autofree char *dir = test_scratch_tree ();
  g_autoptr(CpComplianceResult) nested = NULL;
  g_autoptr(CpComplianceResult) overridden = NULL;
  g_autoptr(CpComplianceResult) not_installed = NULL;
  g_autoptr(CpComplianceResult) dnf_no_apply = NULL;
  g_autoptr(CpComplianceResult) dnf_apply = NULL;
  g_autofree char *tool = NULL;

  /* The nested syntax, with comments. */
  test_write (dir, "etc/apt/apt.conf.d/20auto-upgrades",
              "# auto\nAPT {\n  Periodic { // daily\n    Unattended-Upgrade \"1\";\n  };\n};\n");
  test_write (dir, "usr/bin/unattended-upgrade", "");
  nested = check_scratch (dir, "automaticUpdates", NULL);
  test_assert_state (nested, CP_COMPLIANCE_STATE_COMPLIANT);

  /* A later file wins, names are case-insensitive. */
  test_write (dir, "etc/apt/apt.conf.d/99zz-local", "apt::periodic::unattended-upgrade \"0\";\n");
  overridden = check_scratch (dir, "automaticUpdates", NULL);
  test_assert_state (overridden, CP_COMPLIANCE_STATE_NONCOMPLIANT);

  tool = g_build_filename (dir, "usr/bin/unattended-upgrade", NULL);
  g_remove (tool);
  test_write (dir, "etc/apt/apt.conf.d/99zz-local", "\n");
  not_installed = check_scratch (dir, "automaticUpdates", NULL);
  test_assert_state (not_installed, CP_COMPLIANCE_STATE_NONCOMPLIANT);
  g_assert_nonnull (strstr (cp_compliance_result_get_evidence (not_installed), "not installed"));

  dir = (g_free (dir), test_scratch_tree ());
  test_write (dir, "etc/dnf/automatic.conf", "[commands]\napply_updates = no\n");
  test_write (dir, "etc/systemd/system/timers.target.wants/dnf-automatic.timer", "");
  dnf_no_apply = check_scratch (dir, "automaticUpdates", NULL);
  test_assert_state (dnf_no_apply, CP_COMPLIANCE_STATE_NONCOMPLIANT);
  test_write (dir, "etc/dnf/automatic.conf", "[commands]\nupgrade_type = security\napply_updates = yes\n");
  dnf_apply = check_scratch (dir, "automaticUpdates", NULL);
  test_assert_state (dnf_apply, CP_COMPLIANCE_STATE_COMPLIANT);
}

/* sshServer */

static void
test_ssh (void)
{
  g_autoptr(CpComplianceResult) loopback = check_tree ("debian12-luks", "sshServer", NULL);
  g_autoptr(CpComplianceResult) exposed = check_tree ("ubuntu2204-plain", "sshServer", NULL);
  g_autoptr(CpComplianceResult) other_port = check_tree ("fedora40", "sshServer", NULL);
  g_autoptr(CpComplianceResult) configured_port = check_tree ("fedora40", "sshServer", "{\"ports\":[2222,8080]}");
  g_autoptr(CpComplianceResult) garbled = check_tree ("garbled", "sshServer", NULL);
  g_autoptr(CpComplianceResult) missing = check_tree ("flatpak", "sshServer", NULL);
  g_autoptr(CpComplianceResult) bad_ports = check_tree ("fedora40", "sshServer", "{\"ports\":[0]}");

  test_assert_state (loopback, CP_COMPLIANCE_STATE_COMPLIANT);
  test_assert_state (exposed, CP_COMPLIANCE_STATE_NONCOMPLIANT);
  g_assert_cmpstr (cp_compliance_result_get_evidence (exposed), ==,
                   "A server listens on 0.0.0.0:22, [::]:22, reachable from the network");
  g_assert_cmpint (cp_compliance_result_get_action (exposed), ==, CP_REMEDIATION_ACTION_SETTINGS_PANEL);
  test_assert_state (other_port, CP_COMPLIANCE_STATE_COMPLIANT);
  test_assert_state (configured_port, CP_COMPLIANCE_STATE_NONCOMPLIANT);
  g_assert_nonnull (strstr (cp_compliance_result_get_evidence (configured_port), "0.0.0.0:8080"));
  test_assert_state (garbled, CP_COMPLIANCE_STATE_UNKNOWN);
  test_assert_state (missing, CP_COMPLIANCE_STATE_UNKNOWN);
  test_assert_state (bad_ports, CP_COMPLIANCE_STATE_ERROR);
}

static void
test_unsupported_type (void)
{
  g_autoptr(CpComplianceResult) result = check_tree ("debian12-luks", "quantumShield", NULL);

  test_assert_state (result, CP_COMPLIANCE_STATE_ERROR);
  g_assert_nonnull (strstr (cp_compliance_result_get_evidence (result), "quantumShield"));
}

static void
test_host_root_bounds (void)
{
  g_autoptr(CpHostRoot) root = test_tree ("debian12-luks");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *escaped = cp_host_root_resolve (root, "etc/../../secret");
  g_autofree char *text = NULL;

  g_assert_null (escaped);
  bytes = cp_host_root_read_bytes (root, "etc/os-release", 16, &error);
  g_assert_null (bytes);
  g_assert_error (error, CP_ERROR, CP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  text = cp_host_root_read_text (root, "/etc/os-release", 4096, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (text, "PRETTY_NAME="));
  g_assert_null (cp_host_root_read_text (root, "etc/nothing", 4096, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/compliance/host-root/bounds", test_host_root_bounds);
  g_test_add_func ("/compliance/distribution/allowed", test_distribution_allowed);
  g_test_add_func ("/compliance/distribution/versions", test_distribution_versions);
  g_test_add_func ("/compliance/distribution/unreadable", test_distribution_unreadable);
  g_test_add_func ("/compliance/disk/encrypted-layouts", test_disk_encrypted_layouts);
  g_test_add_func ("/compliance/disk/unencrypted", test_disk_unencrypted);
  g_test_add_func ("/compliance/disk/sysfs-missing", test_disk_sysfs_missing);
  g_test_add_func ("/compliance/disk/proc-mounts-fallback", test_disk_proc_mounts_fallback);
  g_test_add_func ("/compliance/password/debian", test_password_debian);
  g_test_add_func ("/compliance/password/not-configured", test_password_not_configured);
  g_test_add_func ("/compliance/password/fedora-odd-syntax", test_password_fedora_odd_syntax);
  g_test_add_func ("/compliance/password/variants", test_password_variants);
  g_test_add_func ("/compliance/password/garbled", test_password_garbled);
  g_test_add_func ("/compliance/firewall/trees", test_firewall_trees);
  g_test_add_func ("/compliance/firewall/nftables", test_firewall_nftables);
  g_test_add_func ("/compliance/secure-boot/states", test_secure_boot);
  g_test_add_func ("/compliance/secure-boot/missing-entries", test_secure_boot_missing_entries);
  g_test_add_func ("/compliance/updates/trees", test_updates_trees);
  g_test_add_func ("/compliance/updates/variants", test_updates_variants);
  g_test_add_func ("/compliance/ssh/listeners", test_ssh);
  g_test_add_func ("/compliance/unsupported-type", test_unsupported_type);

  return g_test_run ();
}
