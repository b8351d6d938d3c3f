# SPDX-License-Identifier: GPL-3.0-or-later
"""Drives the window over the demo stack through the screens the i18n and
a11y tests (and build-aux/make-screenshots.sh) look at.

Run under tests/harness/with-keyring.sh with /usr/bin/python3 (pyatspi).
"""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("CP_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "harness"))

import atspi  # noqa: E402
import pyatspi  # noqa: E402
from stack import BUILD_DIR, Stack  # noqa: E402


def identity(text):
    return text


def label(text, tr=identity):
    """What a widget shows for a template string: translated, without mnemonic."""
    return tr(text).replace("_", "")


def press(node):
    """Clicks a button; a GtkMenuButton is clicked through its inner button."""
    try:
        atspi.click(node)
    except AssertionError:
        atspi.click(node.getChildAtIndex(0))


class Portal:
    """The demo stack plus the window, signed in on demand."""

    def __init__(self, name, app_env=None, tr=identity, size=None):
        self.tr = tr
        self.stack = Stack(name)
        try:
            self._start(app_env, size)
        except BaseException:
            # The caller gets no Portal to stop(): the programs and the
            # temporary directory would outlive the test.
            self.stack.stop()
            raise

    def _start(self, app_env, size):
        self.stack.start_idp()
        self.stack.start_server()
        self.stack.start_xvfb()
        env = dict(app_env or {})
        if size is not None:
            # The window restores its size from GSettings: preset it in a
            # keyfile backend in the stack's private config folder.
            folder = os.path.join(self.stack.xdg_env()["XDG_CONFIG_HOME"], "glib-2.0", "settings")
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "keyfile"), "w") as f:
                f.write("[io/github/companyportal/CompanyPortal]\n"
                        f"window-width={size[0]}\nwindow-height={size[1]}\n")
            env["GSETTINGS_BACKEND"] = "keyfile"
        self.stack.start_app(env)
        self.app = atspi.find_app("company-portal", timeout=30)

    def window(self):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            for i in range(self.app.childCount):
                child = self.app.getChildAtIndex(i)
                if child is not None and child.getRoleName() in ("frame", "window", "dialog"):
                    return child
            time.sleep(0.1)
        raise atspi.NotFound("the window never appeared")

    def button(self, text, role="push button", timeout=30):
        return atspi.find(self.app, role, label(text, self.tr), timeout=timeout, showing=False)

    def sign_in(self, user="alice"):
        atspi.click(self.button("Sign In With _Browser"))
        issuer = self.stack.issuer
        node = atspi.find(self.app, "label", issuer, contains=True, timeout=30, showing=False)
        url = atspi.text_of(node)
        subprocess.run(["/usr/bin/python3", os.path.join(SOURCE_DIR, "tests", "harness", "idp_browser.py"),
                        "authorize", url, "--user", user], check=True, timeout=60)
        # The main view: the account button is in its header.
        self.button("Account", role="push button", timeout=30)

    def show_view(self, title):
        atspi.click(atspi.find(self.app, "page tab", label(title, self.tr), timeout=15, showing=False))
        time.sleep(0.5)

    def open_user_menu(self):
        press(self.button("Account", role="push button"))
        atspi.find(self.app, "push button", label("_Sign Out", self.tr), timeout=10, showing=False)
        time.sleep(0.3)

    def close_popover(self):
        press(self.button("Account", role="push button"))
        time.sleep(0.3)

    def stop(self):
        self.stack.stop()


def every_node(root):
    """The whole tree. GTK 4.8 sets STATE_SHOWING on the window only, so a
    hidden stack page cannot be told from a shown one: tests check all of it,
    which includes everything visible."""
    return atspi.find_all(root, showing=False)


def all_text(root):
    texts = []
    for node in every_node(root):
        try:
            if node.getRoleName() in ("label", "text", "heading", "static"):
                texts.append(atspi.text_of(node))
            if node.name:
                texts.append(node.name)
        except Exception:
            pass
    return texts


def settle(seconds=1.0):
    time.sleep(seconds)


def strip_mnemonic(text):
    return text.replace("_", "")


__all__ = ["Portal", "press", "all_text", "every_node", "atspi", "pyatspi", "label", "settle", "BUILD_DIR", "strip_mnemonic"]


def report(portal, results):
    """Adds "GTK printed no warning" (from the window's log, which stop() keeps
    next to the screenshots) to results, prints them as TAP; the exit status."""
    with open(os.path.join(portal.stack.artifacts, "app.log"), encoding="utf-8", errors="replace") as f:
        log = f.read()
    warnings = [line for line in log.splitlines() if "-WARNING" in line or "-CRITICAL" in line]
    results.append(("GTK printed no warning", not warnings, "\n".join(warnings[:5])))

    print(f"1..{len(results)}")
    failed = 0
    for number, (name, passed, detail) in enumerate(results, 1):
        print(f"{'ok' if passed else 'not ok'} {number} - {name}")
        if not passed:
            failed += 1
            for line in str(detail).splitlines():
                print(f"# {line}")
    return 1 if failed else 0
