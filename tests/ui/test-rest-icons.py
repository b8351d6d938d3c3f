#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The signed-in window at rest loads no SVG icon from the icon theme.

Adwaita 43 ships its symbolic icons as PNG at 16 to 96 px but as SVG at 128 px,
the size of a status page's icon, and one SVG maps librsvg for the life of the
process. Signs in once, starts the window again (signed in from the keyring,
the Apps page shown, the other pages built behind it) under strace, lets it
settle and checks that it opened no icon theme SVG: no state that is not on
screen looked its icon up. Then visits every page the way a user does, with a
screenshot of each, and checks that a state shown later still gets its 128 px
icon (the Compliance page with no device service: computer-fail-symbolic).

The demo organisation's logo and app icons are SVG documents (the server's),
which only librsvg decodes; the window keeps them on disk as PNG, so on this
second start librsvg is not loaded at all (checked in /proc/PID/maps).

Run under tests/harness/with-keyring.sh (tests/ui/run-with-keyring.sh).
"""
import json
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uilib  # noqa: E402
from uilib import atspi  # noqa: E402

SETTLE_SECONDS = 6
# strace -e trace=openat: a successful open of an .svg below an icons directory.
THEME_SVG = re.compile(r'openat\([^"]*"([^"]*/icons/[^"]*\.svg)"[^)]*\)\s*=\s*\d+')


def theme_svgs(trace_path):
    with open(trace_path, encoding="utf-8", errors="replace") as trace:
        return sorted({m.group(1) for m in THEME_SVG.finditer(trace.read())})


def window_pid(tracer_pid, binary, timeout=10):
    """The window: strace's child running @binary. strace also forks short-lived
    children of its own at start (probing what ptrace can do): those are not it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for task in os.listdir(f"/proc/{tracer_pid}/task"):
            with open(f"/proc/{tracer_pid}/task/{task}/children", encoding="ascii") as f:
                children = f.read().split()
            for child in children:
                try:
                    if os.path.realpath(f"/proc/{child}/exe") == os.path.realpath(binary):
                        return int(child)
                except OSError:
                    pass  # gone already
        time.sleep(0.1)
    raise AssertionError("strace started no window")


def maps_librsvg(pid):
    with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as maps:
        return any("librsvg" in line for line in maps)


def app_names(s):
    status, body = uilib.api_get(s, "/v1/apps", uilib.access_token())
    if status != 200:
        raise AssertionError(f"GET /v1/apps: {status}")
    doc = json.loads(body)
    items = doc.get("items", doc) if isinstance(doc, dict) else doc
    return [a["name"] for a in items if isinstance(a, dict) and a.get("name")]


def cached_icons(s):
    directory = os.path.join(s.xdg_env()["XDG_CACHE_HOME"], "company-portal", "icons")
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def wait_icons_cached(timeout=30):
    """Until the icon cache has the logo and some app icons and stops growing for 2 s."""
    def settled(s):
        seen, since = None, time.monotonic()
        deadline = since + timeout
        while time.monotonic() < deadline:
            now = cached_icons(s)
            if now != seen:
                seen, since = now, time.monotonic()
            elif len(now) >= 2 and time.monotonic() - since >= 2:
                return True
            time.sleep(0.2)
        raise AssertionError(f"the icon cache did not settle: {len(seen or [])} files")
    return settled


def sign_in_once(tap, s):
    proc, app = uilib.launch(s)
    tap.check("signed in through the browser", uilib.sign_in_browser, app, s)
    tap.check("the main view shows", uilib.wait_signed_in, app, "alice")
    tap.check("the logo and the icons on screen are cached", wait_icons_cached(), s)
    with open(os.path.join(s.xdg_env()["XDG_CACHE_HOME"], "company-portal", "icons", cached_icons(s)[0]),
              "rb") as icon:
        tap.ok(icon.read(8) == b"\x89PNG\r\n\x1a\n", "the cache keeps PNG (the server sent SVG)")
    uilib.close_window(app, proc)


def start_traced(s, trace_path):
    """Starts the window under strace, the way stack.start_app() starts it."""
    env = s.app_env({"G_MESSAGES_DEBUG": "cp-app"})
    os.environ.pop("NO_AT_BRIDGE", None)
    binary = os.path.join(uilib.stack.BUILD_DIR, "src", "app", "company-portal")
    tracer = s._spawn("app-traced", ["strace", "-f", "-qq", "-e", "trace=openat", "-o", trace_path, binary],
                      env)
    return tracer, window_pid(tracer.pid, binary), atspi.find_app(uilib.APP_NAME, timeout=60)


def body(tap, s):
    s.start_idp()
    s.start_server()
    s.start_xvfb()
    os.environ["DISPLAY"] = s.display
    sign_in_once(tap, s)

    trace_path = os.path.join(s.tmp, "openat.trace")
    _, pid, app = start_traced(s, trace_path)
    names = app_names(s)
    tap.check("the window starts signed in with the Apps page", uilib.wait_any_text, app, names[:3], 60)
    time.sleep(SETTLE_SECONDS)  # the other pages are built in idles after the first frame
    s.screenshot("rest-apps")
    opened = theme_svgs(trace_path)
    tap.diag("icon theme SVGs opened at rest: " + (", ".join(opened) or "none"))
    tap.ok(not opened, "at rest the window opened no SVG icon from the icon theme")
    tap.ok(not maps_librsvg(pid), "at rest librsvg is not loaded: the SVG logo and icons came from the cache as PNG")

    # Every page, as a user visits it; their states keep their icons.
    for tab, wanted in (("Device", ["Device agent not installed"]),
                        ("Compliance", ["Device Service Not Running"]),
                        ("Help", [uilib.ORG["supportContact"]["name"]]),
                        ("Apps", names[:3])):
        uilib.open_tab(app, tab)
        tap.check(f"the {tab} page shows", uilib.wait_any_text, app, wanted, 30)
        time.sleep(1)  # the crossfade and the icon's load
        tap.diag("screenshot: " + s.screenshot(f"page-{tab.lower()}"))
    # A search that finds nothing: the results' state view shows its empty state.
    # (Walking only the Apps page's subtree is several times faster than the window's.)
    page = atspi.find(app, None, "CpAppsPage", showing=False, timeout=30)
    atspi.set_text(atspi.find(page, None, "Search apps", showing=False, timeout=30), "zzzq no such app")
    tap.check("a search that finds nothing says so", uilib.wait_text, page, "No Results", 30)
    time.sleep(1)
    tap.diag("screenshot: " + s.screenshot("apps-no-results"))

    shown = theme_svgs(trace_path)
    tap.diag("icon theme SVGs opened after the visit: " + (", ".join(shown) or "none"))
    tap.ok(any(path.endswith("/computer-fail-symbolic.svg") for path in shown),
           "the Compliance page's state, once shown, got its 128 px icon (computer-fail-symbolic)")
    tap.ok(any(path.endswith("/system-search-symbolic.svg") for path in shown),
           "the Apps page's No Results state, once shown, got its 128 px icon (system-search-symbolic)")
    # The stack ends the window (and strace) with the rest.


if __name__ == "__main__":
    if shutil.which("strace") is None:
        print("1..0 # SKIP strace is not installed", flush=True)
        sys.exit(0)
    uilib.run_test("ui-rest-icons", body)
