# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared steps of the UI smoke tests and the end-to-end journeys.

Each test runs under tests/harness/with-keyring.sh (private D-Bus session,
real gnome-keyring) and drives the real window through AT-SPI.
"""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "harness"))

import stack  # noqa: E402  (first: it moves stdout to the TAP fd)
import atspi  # noqa: E402

import gi  # noqa: E402
gi.require_version("Secret", "1")
from gi.repository import Secret  # noqa: E402

IDP_BROWSER = os.path.join(os.path.dirname(HERE), "harness", "idp_browser.py")
APP_NAME = "company-portal"
ORG = json.load(open(stack.ORG_FILE, encoding="utf-8"))


def demo_user(username):
    return next(u for u in ORG["users"] if u["username"] == username)


class Tap:
    """Minimal TAP producer: one line per step, a plan at the end."""

    def __init__(self):
        self.count = 0
        self.failed = False

    def ok(self, cond, what):
        self.count += 1
        print(f"{'ok' if cond else 'not ok'} {self.count} - {what}", flush=True)
        if not cond:
            self.failed = True
        return cond

    def check(self, what, fn, *args, **kwargs):
        """Runs one step; a failing step ends the test (later steps depend on it)."""
        try:
            value = fn(*args, **kwargs)
        except Exception as e:  # report, then stop
            self.ok(False, f"{what}: {type(e).__name__}: {e}")
            raise
        self.ok(True, what)
        return value

    def skip(self, what, reason):
        self.count += 1
        print(f"ok {self.count} - {what} # SKIP {reason}", flush=True)

    def todo(self, what, reason):
        """A step the journey needs that the window cannot do yet: checked, expected to fail."""
        self.count += 1
        print(f"not ok {self.count} - {what} # TODO {reason}", flush=True)

    def diag(self, text):
        for line in str(text).splitlines():
            print(f"# {line}", flush=True)

    def done(self):
        print(f"1..{self.count}", flush=True)
        return 1 if self.failed else 0


def run_test(name, body):
    """Runs body(tap, stack) with a fresh stack; on failure prints the logs."""
    tap = Tap()
    with stack.Stack(name) as s:
        try:
            body(tap, s)
        except Exception:
            import traceback
            tap.diag(traceback.format_exc())
            if s.display:
                tap.diag("screenshot: " + s.screenshot("failure"))
            for proc, text in s.logs().items():
                tap.diag(f"--- {proc} log (tail) ---")
                tap.diag(text[-3000:])
            if not tap.failed:
                tap.ok(False, "unexpected error")
    sys.exit(tap.done())


# the window

def launch(s, extra_env=None):
    """Starts the window and waits for it on the accessibility bus."""
    os.environ["DISPLAY"] = s.display
    env = {"G_MESSAGES_DEBUG": "cp-app,cp-core"}
    env.update(extra_env or {})
    proc = s.start_app(extra_env=env)
    app = atspi.find_app(APP_NAME, timeout=30)
    return proc, app


def close_window(app, proc, timeout=15):
    frame = atspi.find(app, "frame", timeout=5)
    atspi.click(atspi.find(frame, "push button", "Close"))
    proc.wait(timeout)


def visible_text(app):
    return atspi.all_text(app)


def has_text(app, needle):
    return any(needle in t for t in visible_text(app))


def wait_text(app, needle, timeout=20):
    return atspi.wait_for_text(app, lambda t: needle in t, timeout, what=repr(needle))


def wait_any_text(app, needles, timeout=20):
    return atspi.wait_for_text(app, lambda t: any(n in t for n in needles), timeout,
                               what=" or ".join(map(repr, needles)))


def open_tab(app, title):
    """Switches the main view to a page by its view-switcher button."""
    deadline = time.monotonic() + 15
    while True:
        for node in atspi.find_all(app):
            try:
                role = node.getRoleName()
            except Exception:
                continue
            if role in ("radio button", "toggle button", "page tab", "push button") and \
               (node.name or "").replace("_", "").split(" ")[0] == title:
                atspi.click(node)
                return node
        if time.monotonic() > deadline:
            raise atspi.NotFound(f"no view switcher button {title!r}")
        time.sleep(0.1)


def sign_in_browser(app, s, user="alice"):
    """Presses Sign In With Browser and plays the browser against the URL the window shows."""
    atspi.press(app, "Sign In With Browser", timeout=30)
    url = atspi.wait_for_text(app, lambda t: t.startswith(s.issuer) and "code_challenge=" in t,
                              timeout=20, what="the sign-in address")
    subprocess.run([sys.executable, IDP_BROWSER, "authorize", url, "--user", user],
                   check=True, timeout=60, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return url


def sign_in_code(app, s, user="alice"):
    """Presses Use a Code, reads the code and address from the window and approves them."""
    atspi.press(app, "Use a Code", timeout=30)
    # Named after its tooltip ("Copy Code") by the window's mnemonic/icon fix-up.
    atspi.find(app, "push button", "Copy Code", timeout=20)
    code = None
    uri = None
    deadline = time.monotonic() + 20
    while (code is None or uri is None) and time.monotonic() < deadline:
        for node in atspi.find_all(app):
            try:
                role = node.getRoleName()
                text = atspi.text_of(node)
            except Exception:
                continue
            if role == "label" and text and len(text) <= 12 and "-" in text and text.replace("-", "").isalnum() \
               and text.upper() == text:
                code = text
            for candidate in (node.name or "", text or ""):
                if candidate.startswith(s.issuer) and "/device" in candidate:
                    uri = candidate
        time.sleep(0.1)
    if code is None or uri is None:
        raise atspi.NotFound(f"user code {code!r} / verification address {uri!r} not on screen: "
                             f"{visible_text(app)!r}")
    out = subprocess.run([sys.executable, IDP_BROWSER, "device", uri, "--code", code, "--user", user],
                         timeout=60, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if out.returncode != 0:
        raise AssertionError(f"idp_browser.py device failed: {out.stdout}")
    return code, uri


def wait_signed_in(app, username, timeout=30):
    """The main view: the organisation name and the user's name from /v1/me."""
    user = demo_user(username)
    wait_text(app, ORG["displayName"], timeout)
    atspi.find(app, "push button", "Account", timeout=timeout)
    # the account menu shows who is signed in
    atspi.press(app, "Account", timeout=timeout)
    try:
        wait_text(app, user["email"], timeout)
        return wait_text(app, user["name"], 5)
    finally:
        atspi.press(app, "Account")  # closes the menu again


def _dialogs(app):
    tops = [app.getChildAtIndex(i) for i in range(app.childCount)]
    return [d for d in tops if d is not None and d.name != "Company Portal"]


def sign_out(app):
    """Account menu, Sign Out, then Sign Out again in the confirmation dialog."""
    atspi.press(app, "Account")
    atspi.press(app, "Sign Out")
    deadline = time.monotonic() + 15
    while True:
        confirm = [d for d in _dialogs(app) if any("Sign Out?" in t for t in atspi.all_text(d))]
        if confirm:
            try:
                atspi.press(confirm[0], "Sign Out", timeout=1)
            except atspi.NotFound:
                pass
            # the dialog goes away once it took the answer; press again if it did not
            gone_by = time.monotonic() + 3
            while time.monotonic() < gone_by and confirm[0] in _dialogs(app):
                time.sleep(0.1)
            if not any("Sign Out?" in t for d in _dialogs(app) for t in atspi.all_text(d)):
                return
        if time.monotonic() > deadline:
            raise atspi.NotFound(f"the confirmation dialog did not take the answer "
                                 f"(toplevels: {[d.name for d in _dialogs(app)]})")
        time.sleep(0.2)


# the keyring

def keyring_items():
    """Every item of the token schema in the default keyring, with its secret."""
    service = Secret.Service.get_sync(Secret.ServiceFlags.OPEN_SESSION | Secret.ServiceFlags.LOAD_COLLECTIONS,
                                      None)
    items = service.search_sync(None, {}, Secret.SearchFlags.ALL | Secret.SearchFlags.LOAD_SECRETS
                                | Secret.SearchFlags.UNLOCK, None) or []
    found = []
    for item in items:
        if item.get_schema_name() != "io.github.companyportal.CompanyPortal.Token":
            continue
        secret = item.get_secret()
        found.append((item.get_attributes(), secret.get_text() if secret else None))
    return found


def token_strings(blob):
    """Every long string in the keyring's JSON document: the tokens."""
    doc = json.loads(blob)
    out = []

    def walk(v):
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str) and len(v) >= 16:
            out.append(v)

    walk(doc)
    return out


def tokens_of(blob):
    doc = json.loads(blob)
    return {k: v for k, v in doc.items() if isinstance(v, str) and "token" in k}


def wait_keyring(predicate, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        items = keyring_items()
        if predicate(items):
            return items
        if time.monotonic() > deadline:
            raise AssertionError(f"keyring never reached the expected state ({len(items)} items)")
        time.sleep(0.1)


# the identity provider and the server, spoken to directly

def http(method, url, data=None, headers=None, timeout=10):
    body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def refresh_with(issuer, refresh_token):
    _, conf = http("GET", issuer.rstrip("/") + "/.well-known/openid-configuration")
    token_endpoint = json.loads(conf)["token_endpoint"]
    return http("POST", token_endpoint, {"grant_type": "refresh_token", "refresh_token": refresh_token,
                                         "client_id": "company-portal"})


def api_get(s, path, access_token):
    status, body = http("GET", s.server_url.rstrip("/") + path,
                        headers={"Authorization": "Bearer " + access_token})
    return status, body


def leaks(s, needles, extra_dirs=()):
    """Where any needle appears: process logs captured by the stack, files in its home and extra dirs."""
    hits = []
    for name, text in s.logs().items():
        for n in needles:
            if n and n in text:
                hits.append(f"{name} log")
    hits += s.find_in_home(needles)
    for d in extra_dirs:
        for root, _, files in os.walk(d):
            for f in files:
                p = os.path.join(root, f)
                try:
                    data = open(p, "rb").read()
                except OSError:
                    continue
                if any(n and n.encode() in data for n in needles):
                    hits.append(p)
    return sorted(set(hits))


# the device agent and the host it looks at (the Device and Compliance pages)

TREES = os.path.join(stack.SOURCE_DIR, "tests", "compliance", "trees")


def host_tree(s, name, base, os_version=None, data_partition=None):
    """A fake host for CP_AGENT_HOST_ROOT: a copy of tests/compliance/trees/<base>,
    optionally with another VERSION_ID and an unencrypted ext4 partition
    (major:minor, partition number, mount point) mounted read-write."""
    import shutil
    path = os.path.join(s.tmp, "trees", name)
    shutil.copytree(os.path.join(TREES, base), path, symlinks=True)
    if os_version is not None:
        release = os.path.join(path, "etc", "os-release")
        old = dict(line.split("=", 1) for line in open(release, encoding="utf-8").read().splitlines()
                   if "=" in line)
        name = old.get("NAME", "Linux").strip('"')
        old.update(VERSION_ID=f'"{os_version}"', VERSION=f'"{os_version}"',
                   PRETTY_NAME=f'"{name} {os_version}"')
        old.pop("VERSION_CODENAME", None)
        lines = [f"{k}={v}" for k, v in old.items()]
        with open(release, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    if data_partition is not None:
        disk, number, mount = data_partition
        part = os.path.join(path, "sys", "block", disk, f"{disk}{number}")
        os.makedirs(part)
        major = open(os.path.join(path, "sys", "block", disk, "dev")).read().split(":")[0]
        minor = int(open(os.path.join(path, "sys", "block", disk, "dev")).read().split(":")[1]) + number
        with open(os.path.join(part, "dev"), "w") as f:
            f.write(f"{major}:{minor}\n")
        with open(os.path.join(part, "partition"), "w") as f:
            f.write(f"{number}\n")
        with open(os.path.join(path, "proc", "self", "mountinfo"), "a") as f:
            f.write(f"90 27 {major}:{minor} / {mount} rw,relatime - ext4 /dev/{disk}{number} rw\n")
    return path


def point_host_root(link, tree):
    """Points the agent's host root (a symbolic link) at another tree, atomically."""
    tmp = link + ".new"
    os.symlink(tree if os.path.isabs(tree) else os.path.join(TREES, tree), tmp)
    os.replace(tmp, link)


def all_text_anywhere(app):
    """Every text below app, laid out or not (GTK 4.8 sets no SHOWING state in some lists)."""
    texts = []
    for node in atspi.find_all(app, showing=False):
        try:
            if node.getRoleName() in ("label", "text", "heading", "static"):
                texts.append(atspi.text_of(node))
            elif node.name:
                texts.append(node.name)
        except Exception:  # a node went away while the tree was walked
            pass
    return texts


def wait_all_texts(app, wanted, timeout=30):
    """Waits until every wanted text shows somewhere; returns all texts."""
    deadline = time.monotonic() + timeout
    while True:
        texts = all_text_anywhere(app)
        missing = [w for w in wanted if not any(w in t for t in texts)]
        if not missing:
            return texts
        if time.monotonic() > deadline:
            raise AssertionError(f"{missing!r} not showing; showing: {texts!r:.3000}")
        time.sleep(0.2)


def button(app, name, timeout=30):
    """A push button by its label (GTK 4.8 names mnemonic buttons "_Label Label")."""
    return atspi.find(app, "push button", name, contains=True, timeout=timeout, showing=False)


def agent_enrollment(s):
    return s.agent_call("GetEnrollment", s.server_url.rstrip("/"))


def enroll_in_window(app, s, timeout=60):
    """Device page, Enroll This Device, until the page says since when; returns the device id."""
    import re
    open_tab(app, "Device")
    page = atspi.find(app, "filler", "CpDevicePage", showing=False)
    atspi.click(button(page, "Enroll This Device"))
    atspi.wait_for_text(page, lambda t: t.startswith("Since "), timeout, what="Since …")
    state = agent_enrollment(s)
    match = re.search(r"'device-id': <'([^']+)'>", state)
    if "'enrolled'" not in state or not match:
        raise AssertionError(f"the agent is not enrolled: {state}")
    return match.group(1)


def check_compliance(app, timeout=60):
    """Compliance page: presses Check Now (or Check Again)."""
    open_tab(app, "Compliance")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Both buttons are in the tree (one per state of the page): press the one on screen.
        for name in ("Check Again", "Check Now"):
            for found in atspi.find_all(app, "push button", name, contains=True, showing=False):
                try:
                    if laid_out(found):
                        atspi.click(found)
                        return found
                except Exception:  # went away while the tree was walked
                    pass
        time.sleep(0.2)
    raise atspi.NotFound("neither Check Now nor Check Again on the Compliance page")


def server_admin(s, *args):
    """company-portal-server admin on the stack's database (src/server/README.md)."""
    server = os.path.join(stack.BUILD_DIR, "src", "server", "company-portal-server")
    out = subprocess.run([server, "admin", "--db", s.server_db, *args], capture_output=True, text=True,
                         timeout=30)
    if out.returncode != 0:
        raise AssertionError(f"admin {' '.join(args)}: {out.stderr.strip()}")
    return out.stdout


def access_token():
    """The signed-in user's access token, from the keyring."""
    for _, blob in keyring_items():
        token = tokens_of(blob).get("access_token") or tokens_of(blob).get("accessToken")
        if token:
            return token
    raise AssertionError("no access token in the keyring")


def organization_file(s, edit, name="organization.json"):
    """The demo organisation, changed by edit(org), written where the server can read it (with its logo)."""
    import copy
    import shutil
    org = copy.deepcopy(ORG)
    edit(org)
    path = os.path.join(s.tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(org, f)
    if org.get("logo"):
        shutil.copy(os.path.join(os.path.dirname(stack.ORG_FILE), org["logo"]), s.tmp)
    return path


def laid_out(node):
    """TRUE when GTK gave the widget a size: a closed expander row's details never get one."""
    import pyatspi
    box = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    return box.width > 0 and box.height > 0


def click_at(s, node):
    """A real mouse click in the middle of node (for widgets with no AT-SPI action, like
    libadwaita 1.2's expander rows). The window sits at the origin of the WM-less Xvfb screen,
    so window coordinates are screen coordinates."""
    import pyatspi
    x, y, width, height = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    env = dict(os.environ, DISPLAY=s.display)
    subprocess.run(["xdotool", "mousemove", str(x + width // 2), str(y + height // 2), "click", "1"],
                   env=env, check=True, timeout=10)


# the Device page, for the journeys (tests/e2e)

def open_device_page(app):
    """Shows the Device page; returns its subtree (faster to walk than the window)."""
    open_tab(app, "Device")
    return atspi.find(app, "filler", "CpDevicePage", showing=False)


def press_and_wait(root, label, where, text, timeout=20):
    """Presses the button labelled label below root, then waits for text below where
    (the window for a toast: the toast overlay is not in a page's subtree)."""
    atspi.click(button(root, label))
    return wait_text(where, text, timeout)


def rename_device(s, page, name):
    """Types name into the Device page's Name entry and presses Enter (real keys: text set
    through AT-SPI does not count as an edit, and GTK 4.8 takes no focus through AT-SPI)."""
    import pyatspi
    entry = atspi.find(page, "text", "Name", timeout=15)
    x, y, width, height = entry.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    env = dict(os.environ, DISPLAY=s.display)
    subprocess.run(["xdotool", "mousemove", str(x + width // 2), str(y + height // 2), "click", "1"],
                   env=env, check=True, timeout=10)
    time.sleep(0.3)
    subprocess.run(["xdotool", "key", "ctrl+a", "BackSpace"], env=env, check=True, timeout=10)
    subprocess.run(["xdotool", "type", "--delay", "2", name], env=env, check=True, timeout=30)
    subprocess.run(["xdotool", "key", "Return"], env=env, check=True, timeout=10)
