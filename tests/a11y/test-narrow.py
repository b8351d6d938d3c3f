#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The window at 360 px wide (the metainfo's display_length): it opens that
narrow, shows the view switcher at the bottom, visits every page, and GTK
prints no warning (the window runs with G_DEBUG=fatal-warnings under meson,
so a warning would also end it). Screenshots go to the test artifacts.

Run under tests/harness/with-keyring.sh with /usr/bin/python3.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from screens import Portal, atspi, pyatspi, report, settle  # noqa: E402

WIDTH, HEIGHT = 360, 640


def extents(node):
    # GTK 4 knows no screen coordinates: everything is relative to the window
    box = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    return box.x, box.y, box.width, box.height


def main():
    results = []
    portal = Portal("narrow", size=(WIDTH, HEIGHT))
    try:
        frame = portal.window()
        portal.button("Sign In With _Browser")
        settle(1.0)
        portal.stack.screenshot("narrow-sign-in")
        portal.sign_in()
        settle(1.0)
        fx, fy, fw, fh = extents(frame)
        # The frame includes the client-side decoration's border (4 px a side under Xvfb).
        results.append(("the window is at most 360 px wide", fw <= WIDTH + 12, f"width {fw}"))
        for view in ("Apps", "Device", "Compliance", "Help"):
            tabs = [t for t in atspi.find_all(portal.app, "page tab", view, showing=False)]
            bottom = [t for t in tabs if extents(t)[1] > fy + fh / 2 and extents(t)[2] > 0]
            inside = all(extents(t)[0] >= fx and extents(t)[0] + extents(t)[2] <= fx + fw + 1 for t in bottom)
            results.append((f"the {view} tab is in the bottom switcher bar, inside the window",
                            bool(bottom) and inside, [extents(t) for t in tabs]))
            if bottom:
                atspi.click(bottom[0])
                settle(0.8)
                portal.stack.screenshot(f"narrow-{view.lower()}")
        alive = portal.stack.procs[-1].poll() is None
        results.append(("the window is still running", alive, "exited"))
    finally:
        portal.stop()
    return report(portal, results)


if __name__ == "__main__":
    sys.exit(main())
