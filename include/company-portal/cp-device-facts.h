/* cp-device-facts.h: what the agent tells the organisation about this machine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Longest value kept for any fact, in bytes (valid UTF-8, cut at a character boundary). */
#define CP_DEVICE_FACTS_MAX_LEN 256

#define CP_TYPE_DEVICE_FACTS (cp_device_facts_get_type ())
G_DECLARE_FINAL_TYPE (CpDeviceFacts, cp_device_facts, CP, DEVICE_FACTS, GObject)

/*
 * Every host read goes through @root ("/" on a real machine, a fake tree in
 * tests): etc/hostname, etc/os-release (run/host/os-release first when
 * running inside Flatpak, usr/lib/os-release as the fallback),
 * proc/sys/kernel/{osrelease,arch}, sys/class/dmi/id/{sys_vendor,
 * product_name,product_serial} and etc/machine-id. Unreadable facts are
 * simply absent (the DMI serial is usually readable by root only).
 *
 * The machine id never leaves the machine: only
 * SHA-256 ("io.github.companyportal.DeviceId.v1" NUL server_url NUL machine_id),
 * in lowercase hex, so two organisations get unrelated values.
 *
 * Control characters are removed and every value is capped at
 * CP_DEVICE_FACTS_MAX_LEN bytes. Collection is synchronous and cheap (a few
 * small files); the async variant runs it in a thread.
 */
CpDeviceFacts *cp_device_facts_collect             (const char           *root,
                                                    const char           *server_url,
                                                    GError              **error);
void           cp_device_facts_collect_async       (const char           *root,
                                                    const char           *server_url,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
CpDeviceFacts *cp_device_facts_collect_finish      (GAsyncResult         *result,
                                                    GError              **error);

const char    *cp_device_facts_get_hostname        (CpDeviceFacts        *self);
const char    *cp_device_facts_get_os_id           (CpDeviceFacts        *self);
const char    *cp_device_facts_get_os_name         (CpDeviceFacts        *self);
const char    *cp_device_facts_get_os_version      (CpDeviceFacts        *self);
const char    *cp_device_facts_get_os_pretty_name  (CpDeviceFacts        *self);
const char    *cp_device_facts_get_kernel          (CpDeviceFacts        *self);
const char    *cp_device_facts_get_architecture    (CpDeviceFacts        *self);
const char    *cp_device_facts_get_vendor          (CpDeviceFacts        *self);
const char    *cp_device_facts_get_model           (CpDeviceFacts        *self);
const char    *cp_device_facts_get_serial          (CpDeviceFacts        *self);
const char    *cp_device_facts_get_machine_id_hash (CpDeviceFacts        *self);

/*
 * The facts as sent in POST /v1/devices and in check-ins; members are
 * omitted when unknown:
 * {"hostname","osId","osName","osVersion","osPrettyName","kernelVersion",
 *  "architecture","manufacturer","model","serialNumber","machineIdHash"}
 */
JsonObject    *cp_device_facts_to_json             (CpDeviceFacts        *self);

/* The salted hash described above; NULL if @machine_id is not 32 hex digits. */
char          *cp_device_facts_hash_machine_id     (const char           *machine_id,
                                                    const char           *server_url);
/* Removes control characters and caps the length; NULL stays NULL. */
char          *cp_device_facts_sanitize            (const char           *value);

G_END_DECLS
