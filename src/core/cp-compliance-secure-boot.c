/* cp-compliance-secure-boot.c: UEFI Secure Boot is on (efivars)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cp-compliance-private.h"
#include "cp-error.h"

#define SECURE_BOOT_VAR "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
/* efivarfs files are 4 bytes of attributes, then the value: here one byte. */
#define EFIVAR_ATTR_LEN 4

static void
add_remediation (CpComplianceResult *result)
{
  const char *steps[] = {
    _("Restart the computer and open the firmware setup (often F2, F10, F12 or Del while it starts)."),
    _("Find “Secure Boot” (usually under Security or Boot) and enable it; choose UEFI boot, not “Legacy” or “CSM”."),
    _("Save, start the system and check again."),
    NULL,
  };

  cp_compliance_result_set_remediation (result, _("Turn on Secure Boot in the firmware"), steps);
}

CpComplianceResult *
cp_compliance_check_secure_boot (CpHostRoot          *root,
                                 CpComplianceSetting *setting)
{
  const char *expected = _("Secure Boot is enabled");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  CpComplianceResult *result;
  gboolean require_uefi;
  const guint8 *data;
  gsize len;

  if (!cp_compliance_param_bool (cp_compliance_setting_get_parameters (setting), "requireUefi",
                                 FALSE, &require_uefi, &error))
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_ERROR, NULL, "%s", error->message);

  if (!cp_host_root_is_dir (root, "sys/firmware/efi"))
    {
      if (!require_uefi)
        return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_NOT_APPLICABLE, expected,
                                         _("This computer started in legacy BIOS mode, without UEFI"));
      result = cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_NONCOMPLIANT, expected,
                                         _("This computer started in legacy BIOS mode, without UEFI"));
      add_remediation (result);
      return result;
    }

  bytes = cp_host_root_read_bytes (root, SECURE_BOOT_VAR, 64, &error);
  if (bytes == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)
      && cp_host_root_is_dir (root, "sys/firmware/efi/efivars"))
    {
      result = cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_NONCOMPLIANT, expected,
                                         _("The firmware does not offer Secure Boot (no SecureBoot variable)"));
      add_remediation (result);
      return result;
    }
  if (bytes == NULL)
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_UNKNOWN, expected,
                                     _("The Secure Boot state could not be read: %s"), error->message);

  data = g_bytes_get_data (bytes, &len);
  if (len != EFIVAR_ATTR_LEN + 1 || data[EFIVAR_ATTR_LEN] > 1)
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_UNKNOWN, expected,
                                     _("The SecureBoot variable is malformed (%lu bytes)"), (unsigned long) len);
  if (data[EFIVAR_ATTR_LEN] == 1)
    return cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_COMPLIANT, expected,
                                     _("Secure Boot is enabled"));

  result = cp_compliance_result_for (setting, CP_COMPLIANCE_STATE_NONCOMPLIANT, expected,
                                     _("Secure Boot is disabled in the firmware"));
  add_remediation (result);
  return result;
}
