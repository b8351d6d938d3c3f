#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Keyboard only: the signed-in window driven with Tab, Shift+Tab, the arrow
keys, Enter, Escape and Ctrl shortcuts (xdotool, as a user's keyboard), with
the focused widget read through AT-SPI after every key:

  every tab of the view switcher, the search field (Tab and Ctrl+F), an app's
  details and back (Escape), the Device page's Enroll This Device, the
  Compliance page's Check Now and Check Again, and Ctrl+Q.

After every key exactly one widget has the focus, it is laid out inside the
window (the focus is visible), and it is never a bare container; a widget
that takes more than MAX_PRESSES presses of Tab is unreachable (or the focus
is trapped). Sign-in itself is the smoke test's (tests/ui/test-ui-smoke.py).

Known defects in files this test does not own are checked on every run and
reported as TAP TODO while they are there (see KNOWN). Run under
tests/ui/run-with-keyring.sh; screenshots in build/test-artifacts/ui-keyboard/.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uilib  # noqa: E402
from uilib import atspi  # noqa: E402
import pyatspi  # noqa: E402
from gi.repository import GLib  # noqa: E402

MAX_PRESSES = 40
# Roles that can hold the focus but show no focus ring: the focus is not visible there.
CONTAINERS = {"scroll pane", "panel", "filler", "viewport", "frame", "page tab list"}

# Defects of the toolkit a walk may meet, as TAP TODO (none now: the Device
# page's name was an AdwEntryRow, whose focus libadwaita 1.2 does not report).
KNOWN = {}


class Keyboard:
    """The user's keyboard and what AT-SPI says has the focus."""

    def __init__(self, tap, s, app):
        self.tap, self.s, self.app = tap, s, app
        self.frame = atspi.find(app, "frame", timeout=10)
        self.events = 0
        # Focus changes as AT-SPI events (walking the whole tree after every key is slow);
        # they arrive through GLib's main context, pumped in settled_focus().
        self.focus = next(iter(self.walk_focused()), None)
        pyatspi.Registry.registerEventListener(self.focus_cb, "object:state-changed:focused")

    def walk_focused(self):
        found = []
        for node in atspi.find_all(self.app):
            try:
                if node.getState().contains(pyatspi.STATE_FOCUSED):
                    found.append(node)
            except Exception:  # went away while the tree was walked
                pass
        return found

    def key(self, *keys):
        subprocess.run(["xdotool", "key", "--delay", "60", *keys],
                       env=dict(os.environ, DISPLAY=self.s.display), check=True, timeout=10)

    def type(self, text):
        subprocess.run(["xdotool", "type", "--delay", "40", text],
                       env=dict(os.environ, DISPLAY=self.s.display), check=True, timeout=10)

    def focused(self):
        """The widget AT-SPI last said took the focus, if it still has it."""
        node = self.focus
        try:
            return [node] if node is not None and node.getState().contains(pyatspi.STATE_FOCUSED) else []
        except Exception:  # it went away
            return []

    def focus_cb(self, event):
        if event.detail1:
            self.focus = event.source
        elif event.source == self.focus:
            self.focus = None
        self.events += 1

    def settled_focus(self, timeout=3.0):
        """The focus once AT-SPI stops reporting changes (GTK moves it asynchronously)."""
        deadline = time.monotonic() + timeout
        quiet_since, seen = time.monotonic(), self.events
        context = GLib.MainContext.default()
        while time.monotonic() < deadline:
            while context.iteration(False):
                pass
            if self.events != seen:
                quiet_since, seen = time.monotonic(), self.events
            elif time.monotonic() - quiet_since > 0.4:
                break
            time.sleep(0.02)
        return self.focused()

    def problem(self, nodes):
        """Why the focus is not acceptable, or None."""
        if not nodes:
            return "no widget has the focus"
        if len(nodes) > 1:
            return f"several widgets claim the focus: {[describe(n) for n in nodes]}"
        node = nodes[0]
        if node.getRoleName() in CONTAINERS:
            return f"the focus is on a container with no focus ring: {describe(node)}"
        x, y, w, h = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        fx, fy, fw, fh = self.frame.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        if w <= 0 or h <= 0:
            return f"the focused widget is not laid out: {describe(node)}"
        if x + w <= 0 or y + h <= 0 or x >= fw or y >= fh:
            return f"the focused widget is outside the window: {describe(node)} at {x},{y}"
        return None

    def expect(self, what, role, name=None, contains=False, known=None):
        """Asserts what has the focus now; returns the node (None when a known defect showed)."""
        nodes = self.settled_focus()
        problem = self.problem(nodes)
        if problem is None and not matches(nodes[0], role, name, contains):
            problem = f"the focus is on {describe(nodes[0])}, not {role} {name!r}"
        return self.report(what, problem, known, nodes)

    def expect_visible(self, what, known=None):
        """Asserts only that some widget visibly has the focus."""
        nodes = self.settled_focus()
        return self.report(what, self.problem(nodes), known, nodes)

    def report(self, what, problem, known, nodes):
        if problem is None:
            self.tap.ok(True, f"{what}: {describe(nodes[0])}")
            if known:
                self.tap.diag(f"known defect {known!r} did not show: remove it from KNOWN")
            return nodes[0]
        if known:
            self.tap.count += 1
            print(f"not ok {self.tap.count} - {what}: {problem} # TODO {KNOWN[known]}", flush=True)
            return None
        self.s.screenshot(f"failed-{self.tap.count + 1}")
        self.tap.ok(False, f"{what}: {problem}")
        raise AssertionError(problem)

    def tab_to(self, what, role, name, contains=False, backwards=False, known=None):
        """Presses Tab (or Shift+Tab) until the widget has the focus, checking the focus at each press;
        known: a defect of KNOWN that may show on the way (reported as TODO, the walk goes on)."""
        for presses in range(1, MAX_PRESSES + 1):
            self.key("shift+Tab" if backwards else "Tab")
            nodes = self.settled_focus(1.5)
            problem = self.problem(nodes)
            if problem is not None and known is not None:
                self.report(f"{what}: press {presses}", problem, known, nodes)
                known = None  # once per walk; a second one is a failure
                continue
            if problem is not None:
                self.tap.ok(False, f"{what}: after {presses} presses: {problem}")
                raise AssertionError(problem)
            if matches(nodes[0], role, name, contains):
                self.tap.ok(True, f"{what}: {presses} × {'Shift+Tab' if backwards else 'Tab'}, "
                                  f"the focus visible at each")
                return nodes[0]
        self.s.screenshot(f"unreachable-{self.tap.count + 1}")
        self.tap.ok(False, f"{what}: {role} {name!r} not reached in {MAX_PRESSES} presses "
                           f"(unreachable, or the focus is trapped); last: {describe(nodes[0])}")
        raise AssertionError(f"{name!r} is not reachable by keyboard")


def describe(node):
    try:
        return f"{node.getRoleName()} {node.name!r}"
    except Exception:
        return "(gone)"


def matches(node, role, name, contains):
    try:
        node_name = (node.name or "").replace("_", "")
        return node.getRoleName() == role and \
            (name is None or (name in node_name if contains else node_name == name))
    except Exception:
        return False


def open_tab(kb, title, texts):
    """A view switcher tab by keyboard: Tab or Shift+Tab to it, Enter, the page shows."""
    kb.tab_to(f"Tab to the {title} tab", "page tab", title)
    kb.key("Return")
    kb.expect(f"Enter on the {title} tab keeps the focus on it", "page tab", title)
    uilib.wait_all_texts(kb.app, texts, 20)
    kb.tap.ok(True, f"the {title} page shows ({', '.join(texts)})")


def every_tab(tap, kb):
    # The window opens with the focus on the first tab of the view switcher.
    kb.expect("the signed-in window has the focus on its first tab", "page tab", "Apps")
    open_tab(kb, "Device", ["This Device", "Enroll This Device"])
    open_tab(kb, "Compliance", ["Go to Device"])
    open_tab(kb, "Help", ["Privacy Statement"])
    open_tab(kb, "Apps", ["Signal Desktop"])


def search_and_details(tap, s, kb):
    # Ctrl+F where the user is: on the Apps tab in the header bar.
    kb.key("ctrl+f")
    kb.expect("Ctrl+F on the Apps tab goes to the search field", "entry", "Search apps")
    kb.type("Signal")
    uilib.wait_all_texts(kb.app, ["Signal Desktop"], 10)
    kb.key("Return")
    kb.expect("Enter in the search field moves to the first result's row", "list item",
              "Signal Desktop", contains=True)
    kb.key("Return")
    kb.expect("Enter on the row opens the details, focus on Back", "push button", "Back")
    uilib.wait_all_texts(kb.app, ["Signal Desktop", "End-to-end encrypted messages and calls"], 10)
    s.screenshot("details")
    kb.tab_to("Tab moves on inside the details", "push button", "Install Signal Desktop")
    kb.key("Escape")
    kb.expect("Escape goes back to the list, focus on the row it came from", "list item",
              "Signal Desktop", contains=True)
    # Ctrl+F from inside the page works, and clearing the search brings the whole list back.
    kb.key("ctrl+f")
    kb.expect("Ctrl+F from the list goes to the search field", "entry", "Search apps")
    kb.key("ctrl+a", "BackSpace")
    uilib.wait_all_texts(kb.app, ["Signal Desktop", "Visual Studio Code"], 10)
    kb.key("Down")
    kb.expect_visible("Down from the search field keeps a visible focus")


def enroll(tap, s, kb):
    kb.tab_to("Shift+Tab back to the Device tab", "page tab", "Device", backwards=True)
    kb.key("Return")
    uilib.wait_all_texts(kb.app, ["Enroll This Device"], 20)
    kb.tab_to("Tab to Enroll This Device", "push button", "Enroll This Device")
    kb.key("Return")
    atspi.wait_for_text(kb.app, lambda t: t.startswith("Since "), 60, what="Since …")
    tap.ok("'enrolled'" in uilib.agent_enrollment(s), "Enter on Enroll This Device enrolled the device")
    s.screenshot("enrolled")
    kb.expect_visible("after the enrollment a widget visibly has the focus")
    kb.tab_to("Tab reaches the enrolled view's Sync Now", "push button", "Sync Now")


def agent_compliance(s):
    """What the agent last evaluated for this server (its evaluatedAt changes with every check)."""
    return s.agent_call("Compliance.GetCompliance", s.server_url.rstrip("/"))


def check(tap, s, kb):
    kb.tab_to("Tab to the Compliance tab", "page tab", "Compliance")
    kb.key("Return")
    kb.tab_to("Tab to Check Now", "push button", "Check Now")
    kb.key("Return")
    kb.expect_visible("right after Enter on Check Now a widget visibly has the focus")
    uilib.wait_all_texts(kb.app, ["Needs to be fixed", "Check Again"], 60)
    tap.ok(True, "Check Now by keyboard: the failing settings show")
    s.screenshot("checked")
    kb.tab_to("Tab to Check Again", "push button", "Check Again")
    before = agent_compliance(s)
    time.sleep(1.1)  # evaluatedAt has whole seconds
    kb.key("Return")
    kb.expect_visible("right after Enter on Check Again a widget visibly has the focus")
    deadline = time.monotonic() + 60
    while agent_compliance(s) == before:
        if time.monotonic() > deadline:
            raise AssertionError("Check Again did not evaluate again")
        time.sleep(0.3)
    uilib.wait_all_texts(kb.app, ["Needs to be fixed", "Check Again"], 60)
    tap.ok(True, "Check Again by keyboard: the agent evaluated again and the results show")
    kb.tab_to("the focus comes back to Check Again", "push button", "Check Again")


def body(tap, s):
    s.start_idp()
    s.start_server()
    s.start_xvfb()
    s.host_root = os.path.join(s.tmp, "host-root")
    uilib.point_host_root(s.host_root, "ubuntu2204-plain")
    s.install_agent({"CP_AGENT_HOST_ROOT": s.host_root})
    proc, app = uilib.launch(s)
    tap.check("signed in (browser flow)", uilib.sign_in_browser, app, s, "alice")
    tap.check("the Apps page shows the catalog", uilib.wait_all_texts, app,
              [uilib.ORG["displayName"], "Signal Desktop"], 30)
    kb = Keyboard(tap, s, app)

    every_tab(tap, kb)
    search_and_details(tap, s, kb)
    enroll(tap, s, kb)
    check(tap, s, kb)

    kb.key("ctrl+q")
    tap.check("Ctrl+Q closes the window", proc.wait, 15)


uilib.run_test("ui-keyboard", body)
