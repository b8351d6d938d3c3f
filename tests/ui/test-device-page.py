#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Device page through the real window, under Xvfb, with the real
identity provider, server, agent (D-Bus activated) and gnome-keyring.

  test-device-page.py enroll          enroll, see details, rename, other devices, remove
  test-device-page.py server-failure  the server goes away mid-enrollment: Retry, no key left
  test-device-page.py agent-missing   no agent: the page says so, the window keeps working
  test-device-page.py removed         removed by the organisation while the agent was killed

Run under tests/harness/with-keyring.sh (meson does). Screenshots and logs
land in build/test-artifacts/<scenario>/.
"""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))

import atspi  # noqa: E402
import pyatspi  # noqa: E402
from stack import BUILD_DIR, SOURCE_DIR, Stack  # noqa: E402

IDP_BROWSER = os.path.join(SOURCE_DIR, "tests", "harness", "idp_browser.py")


def log(text):
    print(f"# {text}", flush=True)


def wait_for(what, predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except Exception as e:  # a node went away while the tree was walked
            log(f"retrying {what}: {e}")
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def texts(app):
    return atspi.all_text(app)


def has_text(app, needle):
    return any(needle in t for t in texts(app))


def sign_in(stack, app, user="alice"):
    atspi.click(button(app, "Sign In With Browser"))

    def sign_in_url():
        for node in atspi.find_all(app, "label"):
            text = atspi.text_of(node)
            if text.startswith(stack.issuer):
                return text
        return None

    url = wait_for("the sign-in address", sign_in_url)
    subprocess.run(["/usr/bin/python3", IDP_BROWSER, "authorize", url, "--user", user],
                   check=True, timeout=60)
    open_device_page(app)


def open_device_page(app):
    switch = wait_for("the Device switcher",
                      lambda: [n for n in atspi.find_all(app)
                               if n.getRoleName() == "page tab" and n.name == "Device"])
    atspi.click(switch[0])


def button(app, name, timeout=30):
    # GTK 4.8 names a button with a mnemonic "_Label Label": match the plain label.
    return atspi.find(app, "push button", name, contains=True, timeout=timeout)


def rename(stack, entry, name):
    """Types the name into the entry row and presses Enter, which applies it.

    Real key presses: text set through AT-SPI does not count as an edit, and GTK 4.8 cannot
    grab focus through AT-SPI. The window sits at the origin of the
    WM-less Xvfb screen, so window coordinates are screen coordinates.
    """
    x, y, width, height = entry.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    env = dict(os.environ, DISPLAY=stack.display)
    subprocess.run(["xdotool", "mousemove", str(x + width // 2), str(y + height // 2), "click", "1"],
                   env=env, check=True)
    time.sleep(0.3)
    subprocess.run(["xdotool", "key", "ctrl+a", "BackSpace"], env=env, check=True)
    subprocess.run(["xdotool", "type", "--delay", "2", name], env=env, check=True)
    # A changed name offers the named Rename button (Enter does the same).
    atspi.find(app_of(entry), "push button", "Rename This Device", timeout=10)
    subprocess.run(["xdotool", "key", "Return"], env=env, check=True)


def app_of(node):
    while node.parent is not None and node.getRoleName() != "application":
        node = node.parent
    return node


def enrollment(stack):
    return stack.agent_call("GetEnrollment", stack.server_url.rstrip("/"))


def device_page(app):
    return atspi.find(app, "filler", "CpDevicePage", showing=False)


def scenario_enroll(stack, window):
    sign_in(stack, window)
    app = device_page(window)
    wait_for("Not enrolled", lambda: has_text(app, "Not enrolled"))
    stack.screenshot("01-not-enrolled")
    atspi.click(button(app, "Enroll This Device"))
    wait_for("Enrolled since", lambda: has_text(app, "Since "), timeout=60)
    wait_for("the details", lambda: has_text(app, "Last Check-In"))
    stack.screenshot("02-enrolled")
    state = enrollment(stack)
    assert "'enrolled'" in state and "key-thumbprint" in state, state
    device_id = re.search(r"'device-id': <'([^']+)'>", state).group(1)
    log(f"enrolled as {device_id}")

    # Sync now: the agent checks in; the last check-in shows up.
    atspi.click(button(app, "Sync Now"))
    wait_for("the check-in", lambda: "last-check-in" in enrollment(stack), timeout=60)

    # Rename: the organisation's name for it, through the entry row.
    entry = atspi.find(app, "text", "Name")
    rename(stack, entry, "Build machine 7")
    # The Rename button goes once the device, read back from the server, has the typed name.
    wait_for("the new name on the server",
             lambda: "Build machine 7" in atspi.text_of(entry) and
             not atspi.find_all(app, "push button", "Rename This Device"))
    stack.screenshot("03-renamed")

    # A name of 1,000 characters is refused before it reaches the server.
    rename(stack, entry, "x" * 1000)
    wait_for("the name error", lambda: has_text(app, "1 to 128 characters"))

    # Forget the enrollment on this computer only: the organisation still
    # lists the device, now one of "my other devices".
    stack.agent_call("Unenroll", stack.server_url.rstrip("/"))
    # The agent's EnrollmentChanged signal makes the page reload.
    wait_for("the other device", lambda: has_text(app, "My Other Devices"), timeout=60)
    # Its name there is the server's: the rename reached the organisation.
    wait_for("the renamed device", lambda: any(n.name == "Build machine 7" for n in atspi.find_all(app)))
    stack.screenshot("04-other-devices")

    # Enroll again, then remove through the confirmation dialog.
    atspi.click(button(app, "Enroll This Device"))
    wait_for("enrolled again", lambda: has_text(app, "Since "), timeout=60)
    atspi.click(button(app, "Remove…"))
    wait_for("the dialog", lambda: has_text(window, "The device key is deleted"))
    stack.screenshot("05-remove-dialog")
    atspi.click(button(window, "Remove Device"))
    wait_for("Not enrolled", lambda: has_text(app, "Not enrolled"), timeout=60)
    stack.screenshot("06-removed")
    state = enrollment(stack)
    assert "'notEnrolled'" in state and "key-thumbprint" not in state, state


def scenario_server_failure(stack, window):
    sign_in(stack, window)
    app = device_page(window)
    wait_for("Not enrolled", lambda: has_text(app, "Not enrolled"))
    stack.stop_server()
    atspi.click(button(app, "Enroll This Device"))
    wait_for("the failure", lambda: has_text(app, "Enrollment failed"), timeout=90)
    assert has_text(app, "Could not register this device with your organisation"), texts(app)
    retry = button(app, "Retry")
    assert retry is not None
    stack.screenshot("01-enrollment-failed")
    state = enrollment(stack)
    log(f"agent after the failure: {state.strip()}")
    assert "'notEnrolled'" in state and "key-thumbprint" not in state, state


def agent_pid(stack):
    out = subprocess.run(["gdbus", "call", "--session", "--dest", "org.freedesktop.DBus",
                          "--object-path", "/org/freedesktop/DBus",
                          "--method", "org.freedesktop.DBus.GetConnectionUnixProcessID",
                          "io.github.companyportal.Agent1"], capture_output=True, text=True)
    match = re.search(r"uint32 (\d+)", out.stdout)
    return int(match.group(1)) if match else None


def scenario_removed(stack, window):
    """The organisation removes the device while the agent is down: the next
    check-in (which starts the agent again) notices, the page says so and
    offers to enroll again."""
    sign_in(stack, window)
    app = device_page(window)
    atspi.click(button(app, "Enroll This Device"))
    wait_for("Enrolled since", lambda: has_text(app, "Since "), timeout=60)
    device_id = re.search(r"'device-id': <'([^']+)'>", enrollment(stack)).group(1)
    server = os.path.join(BUILD_DIR, "src", "server", "company-portal-server")
    subprocess.run([server, "admin", "--db", stack.db, "remove-device", device_id], check=True, timeout=30)

    # The agent dies; the window notices it left and carries on.
    pid = agent_pid(stack)
    assert pid, "the agent is not running"
    os.kill(pid, signal.SIGKILL)
    wait_for("the agent to leave the bus", lambda: agent_pid(stack) is None)
    atspi.click(button(app, "Sync Now"))
    wait_for("Removed by your organisation", lambda: has_text(app, "Removed by your organisation"), timeout=60)
    stack.screenshot("01-removed-by-organisation")
    assert "'removed'" in enrollment(stack)

    atspi.click(button(app, "Enroll Again"))
    wait_for("enrolled again", lambda: has_text(app, "Since "), timeout=60)
    state = enrollment(stack)
    assert "'enrolled'" in state and device_id not in state, state
    stack.screenshot("02-enrolled-again")


def scenario_agent_missing(stack, app):
    sign_in(stack, app)
    wait_for("the agent message",
             lambda: has_text(app, "The device agent is not installed on this computer; ask your IT department"))
    stack.screenshot("01-agent-missing")
    # The rest of the window keeps working: the Apps page answers.
    switch = [n for n in atspi.find_all(app)
              if n.getRoleName() == "page tab" and n.name == "Apps"]
    atspi.click(switch[0])
    apps = atspi.find(app, "filler", "CpAppsPage", showing=False)
    wait_for("the catalog", lambda: atspi.find_all(apps, "list item", showing=False))
    stack.screenshot("02-apps")


def main():
    scenario = sys.argv[1] if len(sys.argv) > 1 else "enroll"
    run = {"enroll": scenario_enroll, "server-failure": scenario_server_failure,
           "agent-missing": scenario_agent_missing, "removed": scenario_removed}[scenario]
    print("1..1", flush=True)
    with Stack(f"device-{scenario}") as stack:
        app = None
        try:
            stack.start_idp()
            stack.db = os.path.join(stack.tmp, "portal.db")
            stack.start_server(db=stack.db)
            stack.start_xvfb()
            if scenario != "agent-missing":
                stack.install_agent()
            stack.start_app(extra_env={"G_MESSAGES_DEBUG": "cp-app"})
            app = atspi.find_app("company-portal", timeout=30)
            run(stack, app)
        except Exception:
            stack.screenshot("failure")
            try:
                for node in atspi.find_all(app, showing=False)[:80]:
                    log(f"node {node.getRoleName()} {node.name!r} {atspi.text_of(node)[:60]!r} {[pyatspi.stateToString(x) for x in node.getState().getStates()]}")
            except Exception as e:  # the window may be gone
                log(f"no accessibility tree: {e}")
            log(f"exit statuses: {[(p.cp_name, p.poll()) for p in stack.procs]}")
            for name, text in stack.logs().items():
                log(f"--- {name} ---")
                for line in text.splitlines()[-40:]:
                    log(line)
            raise
    print(f"ok 1 device page: {scenario}", flush=True)


if __name__ == "__main__":
    main()
