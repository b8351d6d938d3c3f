#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end journeys of issue 7 through the real window (AT-SPI), the real
IdP, server and keyring:

  test-journey.py day-one | day-ninety | bad-day

Steps whose feature is not in the window yet are reported as TAP skips with
the reason; they are never faked. Run under tests/harness/with-keyring.sh.
"""
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "ui"))
import uilib  # noqa: E402
from uilib import atspi  # noqa: E402

# a successful answer, fresh or revalidated (ETag)
APPS_OK = re.compile(r"GET /v1/apps: HTTP (200|304)")
JOURNEY = sys.argv[1] if len(sys.argv) > 1 else "day-one"
USER = "alice"


def shot(s, step, name):
    return s.screenshot(f"{step:02d}-{name}")


def has_button(app, label):
    return any((n.name or "").replace("_", "").split(" ")[0] == label
               for n in atspi.find_all(app, "push button"))


def start(tap, s):
    s.start_idp()
    s.start_server()
    s.start_xvfb()
    return uilib.launch(s)


def secrets_now():
    needles = []
    for _, blob in uilib.keyring_items():
        needles += uilib.token_strings(blob)
    return needles


def finish_signed_out(tap, s, app, proc, needles, step):
    tap.check("sign out", uilib.sign_out, app)
    tap.check("the sign-in page is back", atspi.find, app, "push button", "Use a _Code Use a Code", False, 20)
    shot(s, step, "signed-out")
    tap.check("no token is left in the keyring", uilib.wait_keyring, lambda i: len(i) == 0)
    uilib.close_window(app, proc)
    hits = uilib.leaks(s, needles, [os.environ.get("CP_TEST_ROOT", s.home)])
    tap.ok(not hits, f"no token on disk or in any log ({len(needles)} strings; hits: {hits})")


def day_one(tap, s):
    proc, app = start(tap, s)
    shot(s, 1, "launch")
    tap.check("sign in with the browser (the test plays the browser)", uilib.sign_in_browser, app, s, USER)
    tap.check("signed in: organisation and user", uilib.wait_signed_in, app, USER)
    shot(s, 2, "signed-in")
    needles = secrets_now()
    tap.ok(len(needles) >= 2, "tokens are in the keyring")

    uilib.open_tab(app, "Device")
    time.sleep(0)  # the page answers from the server; poll for its state below
    uilib.wait_any_text(app, ["No Devices", "Enroll", "Device Management Not Available"], 20)
    shot(s, 3, "device")
    if not has_button(app, "Enroll"):
        reason = "the Device page cannot enroll yet (branch windevice is not on main)"
        for step in ("enroll this device", "see two compliance issues (unencrypted data partition, "
                     "disallowed distribution version)", "follow How to fix",
                     "change the host tree and Check again: compliant on screen and on the server"):
            tap.skip(step, reason)
    else:
        tap.skip("enroll and the compliance steps", "Enroll is on the Device page but this journey's "
                 "steps for it are not written yet")

    uilib.open_tab(app, "Apps")
    required = [a for a in uilib.ORG["requiredApps"]]
    tap.check("the Apps page lists the catalog", uilib.wait_text, app, "Required", 20)
    shot(s, 4, "apps")
    # The Apps view installs through the agent since winapps landed (tests/ui/test-apps-ui.py
    # proves it with a local Flatpak repository); this journey's step needs the required apps
    # of the demo organisation in such a repository, which nothing builds yet.
    tap.skip("install the required apps from the local Flatpak repository with progress",
             f"no local Flatpak repository holds the demo organisation's {len(required)} required apps "
             f"yet (the install path itself is covered by the apps-ui test)")

    finish_signed_out(tap, s, app, proc, needles, 5)


def day_ninety(tap, s):
    proc, app = start(tap, s)
    tap.check("day one: sign in", uilib.sign_in_browser, app, s, USER)
    tap.check("signed in", uilib.wait_signed_in, app, USER)
    needles = secrets_now()
    uilib.close_window(app, proc)

    proc, app = uilib.launch(s)
    tap.check("day ninety: signed in from the keyring without a prompt", uilib.wait_signed_in, app, USER)
    tap.ok(not atspi.find_all(app, "push button", "Sign In With _Browser Sign In With Browser"),
           "no sign-in prompt")
    shot(s, 1, "signed-in-from-keyring")
    reason = ("the device is not enrolled through the window (branch windevice is not on main) and the "
              "Compliance page cannot show a grace period (branch wincomp is not on main)")
    tap.skip("the server moves a setting into grace period with a deadline", reason)
    tap.skip("the agent notices on check-in and sends a notification", reason)
    tap.skip("the deadline is shown in the window", reason)
    needles += secrets_now()
    finish_signed_out(tap, s, app, proc, needles, 2)


def menu_refresh(app, s, proc):
    """F5 (win.refresh) to the window, as a user would press it.

    GTK 4.8 does not put the primary menu's popover on the accessibility
    bus, so the key goes in through the X server.
    """
    env = dict(os.environ, DISPLAY=s.display)
    wid = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(proc.pid)], env=env,
                         stdout=subprocess.PIPE, text=True, timeout=10).stdout.split()
    if not wid:
        raise AssertionError("xdotool found no window of the app")
    subprocess.run(["xdotool", "windowfocus", "--sync", wid[-1]], env=env, check=True, timeout=10)
    subprocess.run(["xdotool", "key", "--window", wid[-1], "F5"], env=env, check=True, timeout=10)


def app_log_since(s, mark):
    return s.logs()["app"][mark:]


def bad_day(tap, s):
    proc, app = start(tap, s)
    tap.check("sign in", uilib.sign_in_browser, app, s, USER)
    tap.check("signed in", uilib.wait_signed_in, app, USER)
    needles = secrets_now()
    uilib.open_tab(app, "Apps")
    tap.check("the catalog is on screen", uilib.wait_text, app, "Visual Studio Code", 20)
    shot(s, 1, "online")

    s.stop_server()
    menu_refresh(app, s, proc)
    tap.check("server stopped: the window says it is offline and shows what was last loaded",
              uilib.wait_text, app, "No connection to the server", 30)
    tap.ok(uilib.has_text(app, "Visual Studio Code"), "the last known catalog stays on screen")
    shot(s, 2, "offline")
    tap.ok(proc.poll() is None, "nothing crashed")
    age = [t for t in uilib.visible_text(app) if t and ("ago" in t or "Last updated" in t or "as of" in t)]
    if age:
        tap.ok(True, f"the data's age is shown ({age[0]!r})")
    else:
        tap.todo("the data's age is shown", "the window does not show how old the last loaded data is yet")
    tap.skip("actions explain they need the connection",
             "no page has actions yet (Install: winapps, Enroll: windevice, not on main)")

    mark = len(s.logs()["app"])
    s.restart_server()
    deadline = time.monotonic() + 20
    recovered = False
    while time.monotonic() < deadline and proc.poll() is None:
        if APPS_OK.search(app_log_since(s, mark)):
            recovered = True
            break
        time.sleep(0.5)
    shot(s, 3, "server-back")
    if recovered:
        tap.ok(True, "the server returns: the window reloads by itself")
    else:
        tap.todo("the server returns: the window reloads by itself within 20 s",
                 "the window does not retry on its own yet (it reloads on Refresh)")
    mark = len(s.logs()["app"])
    menu_refresh(app, s, proc)
    tap.check("after Refresh the catalog comes from the server again",
              lambda: _wait_log(s, mark, APPS_OK, 20))
    tap.skip("the organisation removes the device and the window offers to enroll again",
             "the Device page cannot enroll yet (branch windevice is not on main)")
    finish_signed_out(tap, s, app, proc, needles, 4)


def _wait_log(s, mark, needle, timeout):
    deadline = time.monotonic() + timeout
    while not needle.search(app_log_since(s, mark)):
        if time.monotonic() > deadline:
            raise AssertionError(f"{needle.pattern!r} not in the app's log")
        time.sleep(0.2)


JOURNEYS = {"day-one": day_one, "day-ninety": day_ninety, "bad-day": bad_day}
uilib.run_test(f"e2e-{JOURNEY}", JOURNEYS[JOURNEY])
