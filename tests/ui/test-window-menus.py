#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The window's menus are built only the first time they open (cp-window.c,
set_menu_on_demand()); F10 (GtkMenuButton:primary) still opens them, on the
sign-in page and in the main view, and their items work. F10 goes through
xdotool, as a user's keyboard; the menus' items are read through AT-SPI.

Run under tests/harness/with-keyring.sh with /usr/bin/python3 (tap-filter.sh).
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "a11y"))

from screens import Portal, atspi, report, settle  # noqa: E402


def key(portal, *keys):
    subprocess.run(["xdotool", "key", "--delay", "60", *keys],
                   env=dict(os.environ, DISPLAY=portal.stack.display), check=True, timeout=10)


def exists(portal, name):
    return bool(atspi.find_all(portal.app, None, name, showing=False))


def found(portal, name, timeout=10):
    try:
        atspi.find(portal.app, None, name, timeout=timeout, showing=False)
        return True
    except atspi.NotFound:
        return False


def main():
    results = []
    portal = Portal("window-menus")
    try:
        portal.window()
        portal.button("Sign In With _Browser")
        settle(1.0)
        results.append(("the sign-in page's menu is not built before it opens",
                        not exists(portal, "About Company Portal"), "its items are already there"))
        key(portal, "F10")
        results.append(("F10 opens the sign-in page's menu", found(portal, "About Company Portal"),
                        "no About Company Portal item"))
        if exists(portal, "About Company Portal"):
            atspi.click(atspi.find(portal.app, None, "About Company Portal", timeout=5, showing=False))
            results.append(("its About item opens the About window", found(portal, "Credits"), "no Credits"))
            key(portal, "Escape")
            settle(0.5)

        portal.sign_in()
        settle(1.0)
        results.append(("the main menu is not built before it opens", not exists(portal, "Refresh"),
                        "its Refresh item is already there"))
        key(portal, "F10")
        results.append(("F10 opens the main menu", found(portal, "Refresh"), "no Refresh item"))
        if exists(portal, "Keyboard Shortcuts"):
            atspi.click(atspi.find(portal.app, None, "Keyboard Shortcuts", timeout=5, showing=False))
            results.append(("its Keyboard Shortcuts item opens the shortcuts window",
                            found(portal, "Show Keyboard Shortcuts"), "no shortcuts window"))
        portal.stack.screenshot("main-menu")
        alive = portal.stack.procs[-1].poll() is None
        results.append(("the window is still running", alive, "exited"))
    finally:
        portal.stop()
    return report(portal, results)


if __name__ == "__main__":
    sys.exit(main())
