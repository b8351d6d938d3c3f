#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Compliance view through the real window, agent, server and identity provider.

Run under tests/harness/with-keyring.sh (a private session bus whose standard
service directories include $XDG_DATA_HOME/dbus-1/services, so the AT-SPI bus
and the agent, from the build tree, are D-Bus activated). The agent reads the
host through CP_AGENT_HOST_ROOT, a symbolic link to one of
tests/compliance/trees/, so the results are deterministic:

  1. the window signs in with the browser flow (the "browser" is
     tests/harness/idp_browser.py, registered as the http handler): not
     enrolled, "Go to Device" shows the Device page;
  2. enrollment the way the window does it (a user token from the identity
     provider, the agent's facts and key, POST /v1/devices, CompleteEnrollment):
     the page follows EnrollmentChanged to "Not Checked Yet";
  3. Check Now → its progress on the status page, then the failing settings
     of ubuntu2204-plain with what was found
     and how to fix them, and the deadline;
  4. app.show-compliance (what the agent's notification calls) opens the
     Firewall row; with the window closed, the bus starts it (DBusActivatable)
     and it opens on the SSH row after restoring the session;
  5. the host becomes debian12-luks, Check Again → "You have access.";
  6. the server stops, Check Again → the local results, marked as unseen;
  7. the agent stops and cannot be activated → "Device Service Not Running".
Screenshots go to build/test-artifacts/compliance-ui/.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))

import stack as stack_mod  # noqa: E402  (first: see its G_DEBUG note)
import atspi  # noqa: E402
import pyatspi  # noqa: E402
import uilib  # noqa: E402
from gi.repository import Gio, GLib  # noqa: E402

SOURCE_DIR = stack_mod.SOURCE_DIR
BUILD_DIR = stack_mod.BUILD_DIR
TREES = os.path.join(SOURCE_DIR, "tests", "compliance", "trees")
AGENT = os.path.join(BUILD_DIR, "src", "agent", "company-portal-agent")
IDP_BROWSER = os.path.join(SOURCE_DIR, "tests", "harness", "idp_browser.py")
AGENT_NAME = "io.github.companyportal.Agent1"
AGENT_PATH = "/io/github/companyportal/Agent1"

step_number = 0

# The services the bus starts (the AT-SPI registry) write to the bus's stdout:
# meson runs this with the TAP stream on fd 3 and everything else on stderr.
try:
    TAP = os.fdopen(int(os.environ["CP_TEST_TAP_FD"]), "w", buffering=1)
except (KeyError, ValueError, OSError):
    TAP = sys.stdout


def tap_line(text):
    print(text, file=TAP, flush=True)


def tap(ok, description):
    global step_number
    step_number += 1
    tap_line(f"{'ok' if ok else 'not ok'} {step_number} - {description}")


def bus():
    return Gio.bus_get_sync(Gio.BusType.SESSION, None)


def call(name, path, interface, method, args, reply, timeout=60000):
    result = bus().call_sync(name, path, interface, method, args, GLib.VariantType(reply),
                             Gio.DBusCallFlags.NONE, timeout, None)
    return result.unpack()


def set_activation_env(env):
    call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
         "UpdateActivationEnvironment", GLib.Variant("(a{ss})", (env,)), "()")


def install_agent_service():
    """The agent, D-Bus activated from the build tree like an installed one."""
    services = os.path.join(os.environ["XDG_DATA_HOME"], "dbus-1", "services")
    os.makedirs(services, exist_ok=True)
    allow_root = " --allow-root" if os.getuid() == 0 else ""
    with open(os.path.join(services, f"{AGENT_NAME}.service"), "w") as f:
        f.write(f"[D-BUS Service]\nName={AGENT_NAME}\n"
                f"Exec={AGENT} --gapplication-service{allow_root}\n")
    call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
         "ReloadConfig", None, "()")
    return os.path.join(services, f"{AGENT_NAME}.service")


APP_NAME = "io.github.companyportal.CompanyPortal"
APP_PATH = "/io/github/companyportal/CompanyPortal"


def install_app_service(st):
    """The window, D-Bus activatable like the installed service file makes it."""
    services = os.path.join(os.environ["XDG_DATA_HOME"], "dbus-1", "services")
    app = os.path.join(BUILD_DIR, "src", "app", "company-portal")
    log = os.path.join(st.tmp, "activated-app.log")
    with open(os.path.join(services, f"{APP_NAME}.service"), "w") as f:
        f.write(f"[D-BUS Service]\nName={APP_NAME}\n"
                f"Exec=/bin/sh -c 'exec {app} --gapplication-service >>{log} 2>&1'\n")
    call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "ReloadConfig", None, "()")
    env = dict(st.app_env())
    env.update(st.xdg_env())
    set_activation_env(env)
    return log


def name_has_owner(name):
    return call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                "NameHasOwner", GLib.Variant("(s)", (name,)), "(b)")[0]


def activate_action(name, parameters):
    call(APP_NAME, APP_PATH, "org.freedesktop.Application", "ActivateAction",
         GLib.Variant("(sava{sv})", (name, parameters, {})), "()")


def install_browser(st, user):
    """The window opens sign-in pages with the default http handler: ours plays the browser."""
    data = st.xdg_env()["XDG_DATA_HOME"]
    config = st.xdg_env()["XDG_CONFIG_HOME"]
    apps = os.path.join(data, "applications")
    os.makedirs(apps, exist_ok=True)
    log = os.path.join(st.tmp, "browser.log")
    with open(os.path.join(apps, "cp-test-browser.desktop"), "w") as f:
        f.write("[Desktop Entry]\nType=Application\nName=Test Browser\n"
                f"Exec=/bin/sh -c '/usr/bin/python3 {IDP_BROWSER} authorize \"$0\" --user {user} >>{log} 2>&1' %u\n"
                "MimeType=x-scheme-handler/http;x-scheme-handler/https;\nNoDisplay=true\n")
    with open(os.path.join(config, "mimeapps.list"), "w") as f:
        f.write("[Default Applications]\nx-scheme-handler/http=cp-test-browser.desktop\n"
                "x-scheme-handler/https=cp-test-browser.desktop\n")
    return log


def user_token(issuer, user):
    """A token for the API through the device flow, as the window's code sign-in gets one."""
    def post(url, fields):
        body = urllib.parse.urlencode(fields).encode()
        with urllib.request.urlopen(urllib.request.Request(url, body), timeout=30) as r:
            return json.load(r)

    device = post(f"{issuer}/device/auth", {"client_id": "company-portal",
                                            "scope": "openid profile email offline_access"})
    subprocess.run(["/usr/bin/python3", IDP_BROWSER, "device", device["verification_uri_complete"],
                    "--user", user], check=True, stdout=subprocess.DEVNULL)
    tokens = post(f"{issuer}/token", {"client_id": "company-portal", "device_code": device["device_code"],
                                      "grant_type": "urn:ietf:params:oauth:grant-type:device_code"})
    return tokens["access_token"]


def enroll(server, token):
    """The window's enrollment: facts and key from the agent, POST /v1/devices, CompleteEnrollment."""
    (facts,) = call(AGENT_NAME, AGENT_PATH, AGENT_NAME, "GetDeviceFacts", GLib.Variant("(s)", (server,)), "(s)")
    (jwk,) = call(AGENT_NAME, AGENT_PATH, AGENT_NAME, "CreateDeviceKey", GLib.Variant("(s)", (server,)), "(s)")
    body = json.dumps({"facts": json.loads(facts), "publicKey": json.loads(jwk)}).encode()
    request = urllib.request.Request(f"{server}/v1/devices", body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as r:
        device_id = json.load(r)["id"]
    call(AGENT_NAME, AGENT_PATH, AGENT_NAME, "CompleteEnrollment",
         GLib.Variant("(ss)", (server, device_id)), "(a{sv})")
    return device_id


# GTK 4.8 (Debian 12) sets no SHOWING state below the window, so atspi.py's
# "showing" filter would hide everything: these helpers look at the whole tree,
# and the assertions use texts that exist only in the state they check.
def find(app, role, name, timeout=30):
    return atspi.find(app, role, name, contains=True, timeout=timeout, showing=False)


# The whole tree's texts and the wait for them are uilib's.
all_text = uilib.all_text_anywhere
wait_for_all = uilib.wait_all_texts


def laid_out(node):
    """TRUE when GTK gave the widget a size: a closed expander row's details never get one."""
    box = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    return box.width > 0 and box.height > 0


def wait_selected(node, message, timeout=10):
    deadline = time.monotonic() + timeout
    while not node.getState().contains(pyatspi.STATE_SELECTED):
        assert time.monotonic() < deadline, message
        time.sleep(0.1)


def select_tab(app, name):
    tab = find(app, "page tab", name)
    atspi.click(tab)
    wait_selected(tab, f"the {name} tab was not selected")
    time.sleep(0.3)  # the stack's transition, for the screenshot


def wait_laid_out(node, message, timeout=10):
    deadline = time.monotonic() + timeout
    while not laid_out(node):
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


def progress_label(app):
    """The label next to Check Again (found once: walking the whole tree is too slow to catch it)."""
    row = find(app, "push button", "Check Again").parent
    return row.getChildAtIndex(row.childCount - 1)


def wait_for_label(node, wanted, timeout=20):
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        text = atspi.text_of(node)
        if text not in seen:
            seen.append(text)
        if text == wanted:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{wanted!r} never showed; the label showed {seen}")
        time.sleep(0.05)


def wait_for_text(app, wanted, timeout=30, contains=True):
    deadline = time.monotonic() + timeout
    while True:
        texts = all_text(app)
        if any((wanted in t) if contains else (t == wanted) for t in texts):
            return texts
        if time.monotonic() > deadline:
            raise AssertionError(f"{wanted!r} is not showing; showing: {texts}")
        time.sleep(0.2)


def dump_tree():
    """What AT-SPI sees, for reading a failure."""
    try:
        app = atspi.find_app("company-portal", timeout=1)
    except Exception:
        return
    for node in atspi.find_all(app, showing=False):
        try:
            sys.stderr.write(f"  {node.getRoleName()}: {node.name!r} {[pyatspi.stateToString(x) for x in node.getState().getStates()]}\n")
        except Exception:
            pass


SLOW_SCRIPT = "#!/bin/sh\nsleep 3\necho '{\"Ready\": true}'\n"


def organization_with_slow_check(st):
    """The demo organisation, plus a custom check that takes 3 s: long enough to see Progress."""
    with open(stack_mod.ORG_FILE) as f:
        org = json.load(f)
    org["compliancePolicy"]["settings"].append({
        "id": "health", "type": "customCompliance", "title": "Device health script",
        "parameters": {"script": SLOW_SCRIPT, "timeoutSeconds": 30, "rules": {"Rules": [{
            "SettingName": "Ready", "Operator": "IsEquals", "DataType": "Boolean", "Operand": "true",
            "RemediationStrings": [{"Language": "en_US", "Title": "Not ready", "Description": "Restart."}]}]}}})
    path = os.path.join(st.tmp, "organization.json")
    with open(path, "w") as f:
        json.dump(org, f)
    logo = org.get("logo")
    if logo:
        shutil.copy(os.path.join(os.path.dirname(stack_mod.ORG_FILE), logo), st.tmp)
    return path


def point_host_root(link, tree):
    tmp = link + ".new"
    os.symlink(os.path.join(TREES, tree), tmp)
    os.replace(tmp, link)


def main():
    tap_line("TAP version 13")
    with stack_mod.Stack("compliance-ui") as st:
        try:
            run(st)
        except Exception as e:
            st.screenshot("failure")
            dump_tree()
            tap(False, f"{type(e).__name__}: {e}")
            for name, text in st.logs().items():
                sys.stderr.write(f"--- {name}\n{text[-4000:]}\n")
            tap_line(f"1..{step_number}")
            return 1
    tap_line(f"1..{step_number}")
    return 0


def run(st):
    host_root = os.path.join(st.tmp, "host-root")
    point_host_root(host_root, "ubuntu2204-plain")
    service = install_agent_service()
    set_activation_env({"CP_AGENT_HOST_ROOT": host_root, "CP_AGENT_IDLE_TIMEOUT": "600"})

    issuer = st.start_idp()
    server = st.start_server(extra_args=("--org", organization_with_slow_check(st)))
    st.start_xvfb()
    browser_log = install_browser(st, "alice")
    st.start_app()
    app = atspi.find_app("company-portal", timeout=30)
    atspi.click(find(app, "push button", "Sign In With Browser"))
    try:
        # The Compliance page asks the agent as soon as the main view shows.
        wait_for_text(app, "Enroll This Device First", timeout=40)
    except AssertionError:
        if os.path.exists(browser_log):
            sys.stderr.write(open(browser_log).read())
        raise
    select_tab(app, "Compliance")
    st.screenshot("1-not-enrolled")
    tap(True, "signed in through the browser flow; not enrolled: Enroll This Device First")

    atspi.click(find(app, "push button", "Go to Device"))
    wait_selected(find(app, "page tab", "Device"), "Go to Device did not show the Device page")
    select_tab(app, "Compliance")
    tap(True, "Go to Device shows the Device page")

    # The window's enrollment, played here until the Device page enrolls;
    # the agent's EnrollmentChanged makes the Compliance page ask again.
    enroll(server, user_token(issuer, "alice"))
    wait_for_text(app, "Not Checked Yet")
    st.screenshot("2-never-checked")
    tap(True, "enrolled through the agent and POST /v1/devices: Not Checked Yet")

    # The status's words give way to the check's progress (the report is
    # built with the first results).
    progress = find(app, "label", "This device has not been checked against your organisation’s requirements yet.")
    atspi.click(find(app, "push button", "Check Now"))
    wait_for_label(progress, "Checking this device… 9 of 9")
    tap(True, "Check Now shows the agent's progress on the status page")
    wait_for_all(app, ["You have access. Fix 6 issues before", "Device health script", "Disk encryption",
                       "Firewall", "Password rules", "Secure Boot", "Automatic security updates",
                       "No SSH server open to the network", "Needs to be fixed", "Meets the requirement",
                       "Last checked just now."], timeout=60)
    st.screenshot("3-issues")
    if os.environ.get("CP_TEST_DUMP"):
        dump_tree()
    tap(True, "Check Now: six issues, each with its state in words, and the deadline")

    # What the agent's notification does when clicked.
    call("io.github.companyportal.CompanyPortal", "/io/github/companyportal/CompanyPortal",
         "org.freedesktop.Application", "ActivateAction",
         GLib.Variant("(sava{sv})", ("show-compliance", [GLib.Variant("s", "firewall")], {})), "()")
    for wanted in ("Found: No firewall is enabled (ufw, firewalld and nftables are off)",
                   "Required: A firewall (ufw, firewalld or nftables) is enabled",
                   "Turn on the firewall", "sudo ufw enable"):
        wait_laid_out(find(app, "label", wanted), f"{wanted!r}: the Firewall row did not open")
    assert not laid_out(find(app, "label", "Found: Not encrypted: /, /var/lib/docker")), "other rows stay closed"
    st.screenshot("4-firewall-from-notification")
    tap(True, "show-compliance opens the Firewall row: found, required, how to fix, the command to copy")

    # The notification clicked with no window open: the bus starts the window
    # (DBusActivatable), which restores the session and opens the setting.
    activated_log = install_app_service(st)
    activate_action("quit", [])
    deadline = time.monotonic() + 15
    while name_has_owner(APP_NAME):
        assert time.monotonic() < deadline, "the window did not quit"
        time.sleep(0.1)
    activate_action("show-compliance", [GLib.Variant("s", "ssh")])
    try:
        app = atspi.find_app("company-portal", timeout=30)
        wait_laid_out(find(app, "label", "Found: A server listens on 0.0.0.0:22"),
                      "the started window did not open the SSH row", timeout=40)
    except AssertionError:
        if os.path.exists(activated_log):
            sys.stderr.write(open(activated_log).read())
        raise
    wait_selected(find(app, "page tab", "Compliance"), "the started window is not on Compliance")
    progress = progress_label(app)
    st.screenshot("4b-started-by-notification")
    tap(True, "show-compliance starts the window on Compliance with the SSH row open")

    point_host_root(host_root, "debian12-luks")
    atspi.click(find(app, "push button", "Check Again"))
    # The results of the last check name the setting the agent is on.
    wait_for_label(progress, "Checking Device health script… 9 of 9")
    texts = wait_for_text(app, "You have access.", contains=False, timeout=60)
    assert not any("Needs to be fixed" in t for t in texts), texts
    st.screenshot("5-compliant")
    tap(True, "after fixing the host, Check Again: You have access.")

    st.stop_server()
    atspi.click(find(app, "push button", "Check Again"))
    texts = wait_for_text(app, "server could not be reached", timeout=60)
    assert "You have access." in texts, texts
    st.screenshot("6-offline")
    tap(True, "offline: the results found on this device, said to be unseen by the server")

    # The agent goes away and cannot be started any more.
    os.unlink(service)
    call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "ReloadConfig", None, "()")
    (pid,) = call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                  "GetConnectionUnixProcessID", GLib.Variant("(s)", (AGENT_NAME,)), "(u)")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
               "NameHasOwner", GLib.Variant("(s)", (AGENT_NAME,)), "(b)")[0]:
        assert time.monotonic() < deadline, "the agent did not stop"
        time.sleep(0.1)
    atspi.click(find(app, "push button", "Check Again"))
    wait_for_text(app, "Device Service Not Running", timeout=30)
    st.screenshot("7-agent-missing")
    tap(True, "without the agent: Device Service Not Running")
    activate_action("quit", [])  # the bus started this window: the stack does not know it


if __name__ == "__main__":
    sys.exit(main())
