#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end journeys of issue 7 through the real window (AT-SPI), the real
IdP, server and keyring:

  test-journey.py day-one | day-ninety | bad-day

Every step is a real check against real components: the agent looks at a
fake host tree, the required apps come from a local Flatpak repository
(tests/harness/flatpak_repo.py), the agent's notifications go to a
notification server on the test's private bus
(tests/harness/fake_notifications.py). Run under tests/harness/with-keyring.sh.
"""
import datetime
import json
import locale
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "ui"))
import uilib  # noqa: E402
from uilib import atspi  # noqa: E402
import flatpak_repo  # noqa: E402  (tests/harness, on the path through uilib)

# a successful answer, fresh or revalidated (ETag)
APPS_OK = re.compile(r"GET /v1/apps: HTTP (200|304)")
JOURNEY = sys.argv[1] if len(sys.argv) > 1 else "day-one"
USER = "alice"


def shot(s, step, name):
    return s.screenshot(f"{step:02d}-{name}")


def has_button(app, label):
    return any((n.name or "").replace("_", "").split(" ")[0] == label
               for n in atspi.find_all(app, "push button"))


def start(tap, s, host_tree=None, server_args=()):
    """The stack; with host_tree, the agent too (D-Bus activated, looking at that fake host)."""
    s.start_idp()
    s.start_server(extra_args=server_args)
    s.start_xvfb()
    if host_tree is not None:
        s.host_root = os.path.join(s.tmp, "host-root")
        uilib.point_host_root(s.host_root, host_tree)
        s.install_agent({"CP_AGENT_HOST_ROOT": s.host_root})
    return uilib.launch(s)


def server_device(s, device_id):
    """GET /v1/devices/{id} with the user's own token."""
    status, body = uilib.api_get(s, f"/v1/devices/{device_id}", uilib.access_token())
    if status != 200:
        raise AssertionError(f"GET /v1/devices/{device_id}: HTTP {status}")
    return json.loads(body)


def server_compliance(s, device_id):
    """The device's compliance as the server has it."""
    return server_device(s, device_id).get("complianceState")


def expand_row(s, app, title, detail, timeout=15):
    """Opens a compliance row as a user does (a click on its title) until detail is laid out."""
    row = atspi.find(app, "label", title, showing=False, timeout=timeout)
    label = atspi.find(app, "label", detail, contains=True, showing=False, timeout=timeout)
    deadline = time.monotonic() + timeout
    while not uilib.laid_out(label):
        uilib.click_at(s, row)
        time.sleep(0.7)
        if time.monotonic() > deadline:
            raise AssertionError(f"the {title!r} row did not open on {detail!r}")


def secrets_now():
    needles = []
    for _, blob in uilib.keyring_items():
        needles += uilib.token_strings(blob)
    return needles


def finish_signed_out(tap, s, app, proc, needles, step):
    tap.check("sign out", uilib.sign_out, app)
    tap.check("the sign-in page is back", atspi.find, app, "push button", "Use a Code", False, 20)
    shot(s, step, "signed-out")
    tap.check("no token is left in the keyring", uilib.wait_keyring, lambda i: len(i) == 0)
    uilib.close_window(app, proc)
    hits = uilib.leaks(s, needles, [os.environ.get("CP_TEST_ROOT", s.home)])
    tap.ok(not hits, f"no token on disk or in any log ({len(needles)} strings; hits: {hits})")


PROGRESS = re.compile(r"(of .* \(\d+%\)|Installing… \d+%|Waiting to install…|Downloading|Installing)")


def required_apps(username):
    """The demo organisation's required apps for the user (everyone's, then their groups'), with names."""
    with open(os.path.join(uilib.stack.SOURCE_DIR, "data", "demo-catalog.json"), encoding="utf-8") as f:
        catalog = json.load(f)
    groups = uilib.demo_user(username)["groups"]
    ids = [a["id"] for a in catalog["apps"] if a.get("required")]
    ids += [r["appId"] for r in uilib.ORG["requiredApps"] if r["group"] in groups and r["appId"] not in ids]
    return ids, {a["id"]: a["name"] for a in catalog["apps"]}


def install_boxes(page, names):
    """Each app's install button box (buttons, progress bar, status line): small enough to poll
    every few milliseconds while the installs run."""
    return {n: uilib.button(page, f"Install {n}", 20).parent.parent for n in names}


def texts_below(node):
    texts = []
    for n in atspi.find_all(node, showing=False):
        try:
            texts.append(atspi.text_of(n) if n.getRoleName() in ("label", "text") else (n.name or ""))
        except Exception:  # went away while the tree was walked
            pass
    return [t for t in texts if t]


def watch_installs(s, boxes, timeout):
    """Polls the install boxes until every app has its Open button; returns the progress texts seen."""
    seen = []
    open_ = set()
    deadline = time.monotonic() + timeout
    while True:
        for name, box in boxes.items():
            if name in open_:
                continue
            texts = texts_below(box)
            for t in texts:
                if PROGRESS.search(t) and t not in seen:
                    if not seen:
                        shot(s, 8, "apps-installing")
                    seen.append(t)
            if any(t.startswith("Installation failed") for t in texts):
                raise AssertionError(f"{name}: the install failed: {texts}")
            if any(f"Open {name}" in t for t in texts):
                open_.add(name)
        if len(open_) == len(boxes):
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"no Open button for {sorted(set(boxes) - open_)}; progress seen: {seen}")
        time.sleep(0.005)


def day_one(tap, s):
    # The required apps, under their real IDs, in a local Flatpak repository the catalog points at.
    required, names = required_apps(USER)
    began = time.monotonic()
    repo = flatpak_repo.build_repo(os.path.join(s.tmp, "flatpak"), required)
    catalog = flatpak_repo.local_catalog(os.path.join(uilib.stack.SOURCE_DIR, "data", "demo-catalog.json"),
                                         required, repo, os.path.join(s.tmp, "catalog.json"))
    tap.diag(f"local Flatpak repository with {len(required)} apps built in {time.monotonic() - began:.1f} s")
    data_home = s.xdg_env()["XDG_DATA_HOME"]  # the window's and the agent's: flatpak --user lives there
    # The host: Debian 11 (the organisation wants 12 or later) with an
    # unencrypted data partition; the rest as on a well-kept Debian 12.
    failing = uilib.host_tree(s, "day-one", "debian12-luks", os_version="11",
                              data_partition=("sda", 5, "/srv/data"))
    proc, app = start(tap, s, failing, ("--catalog", catalog))
    shot(s, 1, "launch")
    tap.check("sign in with the browser (the test plays the browser)", uilib.sign_in_browser, app, s, USER)
    tap.check("signed in: organisation and user", uilib.wait_signed_in, app, USER)
    shot(s, 2, "signed-in")
    needles = secrets_now()
    tap.ok(len(needles) >= 2, "tokens are in the keyring")

    device_id = tap.check("enroll this device on the Device page", uilib.enroll_in_window, app, s)
    shot(s, 3, "enrolled")

    tap.check("Check Now on the Compliance page", uilib.check_compliance, app)
    texts = tap.check("see two compliance issues (unencrypted data partition, disallowed distribution version)",
                      uilib.wait_all_texts, app, ["Fix 2 issues before", "Supported Linux version",
                                                  "Disk encryption", "Needs to be fixed"], 60)
    tap.diag("\n".join(t for t in texts if t.startswith(("Found", "Required"))))
    shot(s, 4, "two-issues")
    tap.check("follow How to fix: the Disk encryption row says what was found",
              expand_row, s, app, "Disk encryption", "Found: Not encrypted: /srv/data")
    shot(s, 5, "how-to-fix")
    tap.ok(server_compliance(s, device_id) != "compliant", "the server does not count the device compliant")

    uilib.point_host_root(s.host_root, "debian12-luks")
    tap.check("the host is fixed: Check Again", uilib.check_compliance, app)
    tap.check("compliant on screen: You have access.",
              atspi.wait_for_text, app, lambda t: t == "You have access.", 60, "You have access.")
    shot(s, 6, "compliant")
    tap.check("compliant on the server (GET /v1/devices/{id} with the user's token)",
              lambda: _wait(lambda: server_compliance(s, device_id) == "compliant", 20,
                            "the server's complianceState"))

    uilib.open_tab(app, "Apps")
    page = atspi.find(app, "filler", "CpAppsPage", showing=False)
    label = f"Install {len(required)} Required Apps"
    tap.check(f"the Apps page offers {label!r}", uilib.button, page, label, 30)
    shot(s, 7, "apps")
    tap.ok(not flatpak_repo.installed_apps(data_home) & set(required), "none of them is installed yet")
    boxes = install_boxes(page, [names[i] for i in required])
    atspi.click(uilib.button(page, label))
    progress = tap.check("the required apps install from the local Flatpak repository, each gets its Open button",
                         watch_installs, s, boxes, 150)
    tap.diag("progress seen: " + "; ".join(progress[:8]))
    shot(s, 8, "apps-installed")
    tap.ok(progress, f"progress was shown ({len(progress)} different texts)")
    installed = flatpak_repo.installed_apps(data_home)
    tap.ok(set(required) <= installed, f"flatpak --user list has them all ({sorted(installed)})")
    tap.check("the required-apps bar is gone", _wait,
              lambda: not atspi.find_all(page, "push button", label, contains=True), 15, "the bar to go")

    finish_signed_out(tap, s, app, proc, needles, 9)


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)
    return True


def local_date(moment):
    """The date as the window writes it (g_date_time_format "%x" in the same locale)."""
    locale.setlocale(locale.LC_TIME, "")
    return moment.astimezone().strftime("%x")


def notification_day(rfc3339):
    """A deadline as the agent's notification writes it ("%-d %B" in the local time zone)."""
    moment = datetime.datetime.fromisoformat(rfc3339.replace("Z", "+00:00"))
    locale.setlocale(locale.LC_TIME, "")
    return moment.astimezone().strftime("%-d %B")


def wait_notification(s, predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        found = [n for n in s.notifications() if predicate(n)]
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            raise AssertionError(f"no such notification; the server got: {s.notifications()!r}")
        time.sleep(0.2)


def day_ninety(tap, s):
    # The desktop's notification server, played by the test on its private session bus.
    s.start_notifications()
    proc, app = start(tap, s, "debian12-luks")
    tap.check("day one: sign in", uilib.sign_in_browser, app, s, USER)
    tap.check("signed in", uilib.wait_signed_in, app, USER)
    needles = secrets_now()
    device_id = tap.check("day one: enroll", uilib.enroll_in_window, app, s)
    uilib.check_compliance(app)
    tap.check("day one: compliant", atspi.wait_for_text, app, lambda t: t == "You have access.", 60,
              "You have access.")
    uilib.close_window(app, proc)

    proc, app = uilib.launch(s)
    tap.check("day ninety: signed in from the keyring without a prompt", uilib.wait_signed_in, app, USER)
    tap.ok(not atspi.find_all(app, "push button", "Sign In With Browser"),
           "no sign-in prompt")
    shot(s, 1, "signed-in-from-keyring")

    # The organisation now wants Debian 13: the Debian 12 host starts its grace period.
    def newer_debian(org):
        for allowed in org["compliancePolicy"]["settings"][0]["parameters"]["allowed"]:
            if allowed["id"] == "debian":
                allowed["minVersion"] = "13"
    def tighten_policy():
        s.stop_server()
        s.server_args = ("--org", uilib.organization_file(s, newer_debian))
        s.restart_server()
    tap.check("the server moves a setting into its grace period (the organisation now wants Debian 13)",
              tighten_policy)
    tap.check("the agent evaluates (Check Again): one issue in its grace period",
              lambda: (uilib.check_compliance(app),
                       uilib.wait_all_texts(app, ["Fix 1 issue before", "Supported Linux version"], 60)))
    state = server_compliance(s, device_id)
    tap.ok(state == "inGracePeriod", f"the server has the device in its grace period ({state})")
    grace = server_device(s, device_id).get("complianceGraceDeadline")
    tap.ok(isinstance(grace, str), f"the server set a deadline ({grace})")
    day = notification_day(grace)
    note = tap.check("the agent noticed and sent a notification (caught by the test's notification server)",
                     wait_notification, s, lambda n: "Supported Linux version" in n["body"], 30)
    tap.diag(f"notification: {note['summary']!r} / {note['body']!r}")
    tap.ok(day in note["summary"], f"its summary names the deadline ({day!r} in {note['summary']!r})")
    tap.ok(note["body"].startswith("Supported Linux version"),
           f"its body names the setting ({note['body']!r})")
    tap.ok(note["app_name"] == "Company Portal" and
           note["hints"].get("desktop-entry") == "io.github.companyportal.CompanyPortal",
           "it comes from Company Portal and opens its window")
    deadline = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3)).replace(
        hour=12, minute=0, second=0, microsecond=0)
    tap.check("the server moves the setting's deadline (admin set-compliance-deadline)",
              uilib.server_admin, s, "set-compliance-deadline", device_id, "os",
              deadline.strftime("%Y-%m-%dT%H:%M:%SZ"))
    uilib.check_compliance(app)
    summary = f"You have access. Fix 1 issue before {local_date(deadline)} to keep it."
    tap.check(f"the deadline is shown in the window ({summary!r})",
              atspi.wait_for_text, app, lambda t: t == summary, 60, repr(summary))
    shot(s, 2, "deadline")
    needles += secrets_now()
    finish_signed_out(tap, s, app, proc, needles, 3)


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


OFFLINE = "No connection to the server"
AGE_NOW = "Last updated less than a minute ago"
AGE_ONE = "Last updated 1 minute ago"


def notice_gone(app, page, timeout=15):
    """The offline notice has left the page (it slides away: give it a moment)."""
    return _wait(lambda: not any(OFFLINE in t for t in uilib.visible_text(page)), timeout, "the notice to go")


def bad_day(tap, s):
    proc, app = start(tap, s, "debian12-luks")
    tap.check("sign in", uilib.sign_in_browser, app, s, USER)
    tap.check("signed in", uilib.wait_signed_in, app, USER)
    needles = secrets_now()
    device_id = tap.check("enroll this device", uilib.enroll_in_window, app, s)
    uilib.check_compliance(app)
    tap.check("checked once while online: compliant", atspi.wait_for_text, app,
              lambda t: t == "You have access.", 60, "You have access.")
    uilib.open_tab(app, "Apps")
    tap.check("the catalog is on screen", uilib.wait_text, app, "Visual Studio Code", 20)
    loaded = time.monotonic()
    shot(s, 1, "online")

    s.stop_server()
    menu_refresh(app, s, proc)
    tap.check("server stopped: the window says it is offline and shows what was last loaded",
              uilib.wait_text, app, OFFLINE, 30)
    tap.ok(uilib.has_text(app, "Visual Studio Code"), "the last known catalog stays on screen")
    tap.check(f"the data's age is shown where the notice is ({AGE_NOW!r})", uilib.wait_text, app, AGE_NOW, 10)
    shot(s, 2, "offline")
    tap.ok(proc.poll() is None, "nothing crashed")

    device = uilib.open_device_page(app)
    tap.check("offline, the Device page keeps its data with the notice", uilib.wait_text, device, OFFLINE, 30)
    tap.check("Sync Now explains it needs the connection",
              uilib.press_and_wait, device, "Sync Now", app, "Syncing needs a connection to your organisation", 20)
    tap.check("Rename explains it needs the connection",
              lambda: (uilib.rename_device(s, device, "Offline name"),
                       uilib.wait_text(device, "Renaming needs a connection to your organisation", 20)))
    shot(s, 3, "offline-actions")
    uilib.open_tab(app, "Compliance")
    tap.check("Check Again runs on this device and says sending the results needs the connection",
              lambda: (uilib.check_compliance(app),
                       uilib.wait_text(app, "sending the results needs a connection", 60)))
    tap.ok(uilib.has_text(app, "You have access."), "the results found on this device are on screen")
    shot(s, 4, "offline-check")
    tap.ok(proc.poll() is None, "nothing broke: the window is still running")

    uilib.open_tab(app, "Apps")
    wait = max(0, 90 - (time.monotonic() - loaded))
    tap.check(f"the age follows the clock ({AGE_ONE!r} a minute after loading)",
              uilib.wait_text, app, AGE_ONE, wait)
    shot(s, 5, "offline-a-minute-later")

    mark = len(s.logs()["app"])
    s.restart_server()
    back = time.monotonic()
    # The window probes with backoff (2 s doubling to 60 s): one more probe at most a minute away.
    tap.check("the server returns: the window reloads by itself (no key pressed)",
              lambda: _wait_log(s, mark, APPS_OK, 75))
    tap.diag(f"reloaded {time.monotonic() - back:.1f} s after the server came back")
    tap.check("the offline notice goes away", notice_gone, app, app)
    tap.ok(uilib.has_text(app, "Visual Studio Code"), "the catalog is on screen")
    shot(s, 6, "server-back")

    tap.check("the organisation removes the device (admin remove-device)",
              uilib.server_admin, s, "remove-device", device_id)
    device = uilib.open_device_page(app)
    atspi.click(uilib.button(device, "Sync Now"))
    tap.check("after the next check-in the window says so and offers to enroll again",
              lambda: (uilib.wait_text(device, "Removed by your organisation", 60),
                       uilib.button(device, "Enroll Again", 10)))
    shot(s, 7, "removed")
    tap.ok("'removed'" in uilib.agent_enrollment(s), "the agent knows it was removed")

    # Enrolling again needs the server too: offline, the window says so and nothing is half done.
    s.stop_server()
    menu_refresh(app, s, proc)
    tap.check("offline again: the Device page shows the notice", uilib.wait_text, device, OFFLINE, 30)
    tap.check("Enroll Again explains it needs the connection",
              uilib.press_and_wait, device, "Enroll Again", app, "Enrolling needs a connection", 20)
    shot(s, 8, "offline-enroll")
    tap.ok("'removed'" in uilib.agent_enrollment(s), "nothing was half done: the agent still says removed")
    s.restart_server()
    tap.check("the server returns: the notice goes by itself", notice_gone, app, device, 75)
    atspi.click(uilib.button(device, "Enroll Again"))
    tap.check("Enroll Again enrolls it anew",
              atspi.wait_for_text, device, lambda t: t.startswith("Since "), 60, "Since …")
    state = uilib.agent_enrollment(s)
    tap.ok("'enrolled'" in state and device_id not in state, "enrolled again, as a new device")
    shot(s, 9, "enrolled-again")
    finish_signed_out(tap, s, app, proc, needles, 10)


def _wait_log(s, mark, needle, timeout):
    deadline = time.monotonic() + timeout
    while not needle.search(app_log_since(s, mark)):
        if time.monotonic() > deadline:
            raise AssertionError(f"{needle.pattern!r} not in the app's log")
        time.sleep(0.2)


JOURNEYS = {"day-one": day_one, "day-ninety": day_ninety, "bad-day": bad_day}
uilib.run_test(f"e2e-{JOURNEY}", JOURNEYS[JOURNEY])
