#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every interactive widget on every screen has an accessible name, and no
name is GTK 4.8's doubled "_Label Label" (a mnemonic label plus an explicit
accessible label). Screens: the sign-in page, the main view's four pages,
the user menu, the main menu, the Preferences and the About window.

Run under tests/harness/with-keyring.sh with /usr/bin/python3.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from screens import Portal, press, atspi, every_node, pyatspi, settle  # noqa: E402

INTERACTIVE = {"push button", "toggle button", "check box", "radio button", "entry", "password text",
               "link", "menu item", "check menu item", "radio menu item", "spin button", "combo box",
               "switch", "slider", "toggle", "page tab"}


def editable(node):
    try:
        return node.getState().contains(pyatspi.STATE_EDITABLE)
    except Exception:
        return False


def ancestry(node):
    """Where a nameless widget is, for the person reading the failure."""
    names = []
    try:
        while node is not None and len(names) < 6:
            node = node.parent
            if node is not None and node.name:
                names.append(node.name)
    except Exception:
        pass
    return " < ".join(names) or "?"


def shown(node):
    return [atspi.text_of(n) for n in atspi.find_all(node, showing=False)[1:] if atspi.text_of(n)][:3]


def problems(root):
    found = []
    count = 0
    for node in every_node(root):
        try:
            role = node.getRoleName()
            name = (node.name or "").strip()
        except Exception:
            continue
        if role not in INTERACTIVE and not (role == "text" and editable(node)):
            continue
        count += 1
        if name == "GtkSearchEntry":
            # AdwPreferencesWindow's own search entry, never shown with search-enabled false
            continue
        if name == "GtkImage" and "AdwToastWidget" in ancestry(node):
            # libadwaita 1.2's toast close button: no API reaches it (the
            # toast text itself is announced)
            continue
        if not name or name.startswith(("Gtk", "Adw")):
            # GTK 4.8 falls back to the class name for a widget without one
            found.append(f"{role} without a name ({name!r}) in {ancestry(node)}; shows {shown(node)!r}")
            continue
        words = name.split(" ")
        half = len(words) // 2
        if len(words) % 2 == 0 and words[:half] == [w.replace("_", "") for w in words[half:]] \
           or words[:half] and [w.replace("_", "") for w in words[:half]] == words[half:] and len(words) % 2 == 0:
            found.append(f"{role} {name!r}: the name is doubled")
        elif any(w.startswith("_") or "_" in w[:-1] and w.replace("_", "").isalpha() for w in words):
            found.append(f"{role} {name!r}: the name shows a mnemonic underscore")
    return count, found


def main():
    results = []
    portal = Portal("a11y")
    try:
        def check(name):
            settle(0.8)
            count, found = problems(portal.app)
            results.append((name, count, found))

        portal.button("Sign In With _Browser")
        check("sign-in page")
        portal.sign_in()
        for view in ("_Apps", "_Device", "_Compliance", "_Help"):
            portal.show_view(view)
            check(f"main view, {view.strip('_')} page")
        portal.open_user_menu()
        check("user menu")
        portal.close_popover()
        press(portal.button("Main Menu", role="push button"))
        atspi.find(portal.app, None, "Preferences", timeout=10, showing=False)
        check("main menu")
        atspi.click(atspi.find(portal.app, None, "Preferences", timeout=10, showing=False))
        atspi.find(portal.app, "label", "Background Checks", timeout=10, showing=False)
        check("preferences")
        press(portal.button("Main Menu", role="push button"))
        atspi.click(atspi.find(portal.app, None, "About Company Portal", timeout=10, showing=False))
        atspi.find(portal.app, None, "Credits", timeout=10, showing=False)
        check("about window")
    finally:
        portal.stop()

    print(f"1..{len(results)}")
    failed = 0
    for number, (name, count, found) in enumerate(results, 1):
        if found or count == 0:
            failed += 1
            print(f"not ok {number} - {name}: {count} interactive widgets, {len(found)} problems")
            for p in found:
                print(f"# {p}")
        else:
            print(f"ok {number} - {name}: {count} interactive widgets, all named")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
