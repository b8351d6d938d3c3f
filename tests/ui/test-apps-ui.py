#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Apps view through the real window: the category menu (by AT-SPI and by
keyboard), search, details, a real Flatpak install.

Runs under tests/harness/with-keyring.sh (private D-Bus session, keyring,
HOME). Starts the demo identity provider, company-portal-server with a
catalog whose Flatpak app points at a local repository built by
tests/installer/make-repo.sh and served slowly over HTTP on loopback
("gpgVerify": false), Xvfb and the window; the agent is D-Bus activated from the build tree. The browser's part
of the sign-in is tests/harness/idp_browser.py, registered as the session's
http handler. Screenshots go to build/test-artifacts/apps-ui/.
"""
import functools
import http.server
import json
import re
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "harness"))

import atspi  # noqa: E402
import pyatspi  # noqa: E402
import stack as stackmod  # noqa: E402

SOURCE_DIR = stackmod.SOURCE_DIR
BUILD_DIR = stackmod.BUILD_DIR
APP_ID = "org.example.Hello"


START = time.monotonic()


def log(msg):
    print(f"# [{time.monotonic() - START:5.1f} s] {msg}", flush=True)


def make_repo(tmp):
    out = os.path.join(tmp, "flatpak")
    subprocess.run(["sh", os.path.join(SOURCE_DIR, "tests", "installer", "make-repo.sh"), out],
                   check=True, stdout=subprocess.DEVNULL)
    return os.path.join(out, "repo")


def serve_repo_slowly(repo):
    """The repository over HTTP on loopback, each answer 150 ms late: from a
    file:// remote the install ends within 60 ms, between two of the test's
    AT-SPI reads of the progress. Returns the remote's URL."""
    class SlowHandler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            time.sleep(0.15)
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(SlowHandler, directory=repo))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def write_catalog(tmp, repo_url):
    catalog = {
        "categories": [{"id": "Utility", "name": "Utilities"}, {"id": "Office", "name": "Office"}],
        "apps": [
            {"id": APP_ID, "name": "Hello Example", "publisher": "Example Org",
             "summary": "Greets you from a local Flatpak repository",
             "description": "A tiny test app built by make-repo.sh.",
             "version": "1.0", "size": 24576, "license": "MIT",
             "categories": ["Utility"], "keywords": ["greeting"],
             "install": {"type": "flatpak", "remoteName": "cp-ui-test",
                         "remoteUrl": repo_url, "ref": f"app/{APP_ID}//stable",
                         "gpgVerify": False}},
            {"id": "com.example.Notes", "name": "Team Notes", "publisher": "Example Org",
             "summary": "Notes in the browser", "categories": ["Office"],
             "install": {"type": "web", "url": "https://notes.example.com/"}},
            {"id": "org.gnome.Maps", "name": "Maps", "summary": "Find places",
             "categories": ["Utility"], "featured": True,
             "install": {"type": "handoff", "uri": "appstream://org.gnome.Maps"}},
        ],
    }
    path = os.path.join(tmp, "catalog.json")
    with open(path, "w") as f:
        json.dump(catalog, f)
    return path


def register_agent():
    """Makes the agent D-Bus activatable from the build tree on this bus."""
    agent = os.path.join(BUILD_DIR, "src", "agent", "company-portal-agent")
    services = os.path.join(os.environ["XDG_DATA_HOME"], "dbus-1", "services")
    os.makedirs(services, exist_ok=True)
    with open(os.path.join(services, "io.github.companyportal.Agent1.service"), "w") as f:
        f.write("[D-BUS Service]\nName=io.github.companyportal.Agent1\n"
                f"Exec={agent} --gapplication-service --allow-root\n")
    subprocess.run(["gdbus", "call", "--session", "--dest", "org.freedesktop.DBus",
                    "--object-path", "/org/freedesktop/DBus", "--method",
                    "org.freedesktop.DBus.ReloadConfig"], check=True, stdout=subprocess.DEVNULL)


def register_browser(st, user):
    """idp_browser.py as the http(s) handler the window's sign-in opens."""
    apps = os.path.join(os.environ["XDG_DATA_HOME"], "applications")
    os.makedirs(apps, exist_ok=True)
    script = os.path.join(SOURCE_DIR, "tests", "harness", "idp_browser.py")
    with open(os.path.join(apps, "cp-test-browser.desktop"), "w") as f:
        f.write("[Desktop Entry]\nType=Application\nName=Test Browser\n"
                f"Exec=/usr/bin/python3 {script} authorize %u --user {user}\n"
                "MimeType=x-scheme-handler/http;x-scheme-handler/https;\n")
    with open(os.path.join(st.home, "config", "mimeapps.list"), "w") as f:
        f.write("[Default Applications]\nx-scheme-handler/http=cp-test-browser.desktop\n"
                "x-scheme-handler/https=cp-test-browser.desktop\n")


def texts_of(root):
    """Every label and named node's text. GTK 4.8 does not set "showing" on
    every level of the tree, so hidden pages count too: checks use texts only
    the page under test has."""
    texts = []
    for node in atspi.find_all(root, showing=False):
        try:
            if node.getRoleName() in ("label", "text", "heading", "static"):
                texts.append(atspi.text_of(node))
            elif node.name:
                texts.append(node.name)
        except Exception:
            pass
    return texts


def wait_text(root, needle, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = texts_of(root)
        if any(needle in t for t in texts):
            return texts
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} not shown within {timeout} s; shown: {texts_of(root)}")


def dump(root, depth=0, out=None):
    """The accessible tree, for a failure's log."""
    out = [] if out is None else out
    try:
        out.append("  " * depth + f"{root.getRoleName()} {root.name!r}")
        for child in root:
            if len(out) < 400 and depth < 40:
                dump(child, depth + 1, out)
    except Exception:
        pass
    return out


def click_on_screen(st, node):
    """A real pointer click on node (list rows have no AT-SPI action). Window
    coordinates: GTK 4 on X11 cannot tell screen positions (and warns)."""
    import pyatspi
    ext = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    # Left of the row's button: the row itself.
    x, y = ext.x + ext.width // 3, ext.y + ext.height // 2
    env = dict(os.environ, DISPLAY=st.display)
    app_proc = next(p for p in st.procs if p.cp_name == "app")
    windows = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(app_proc.pid)],
                             capture_output=True, text=True, env=env).stdout.split()
    assert windows, "the window is not on the display"
    subprocess.run(["xdotool", "mousemove", "--window", windows[0], str(x), str(y), "click", "1"],
                   env=env, check=True)


def key(st, *keys):
    """Real key presses (xdotool) to the window with the keyboard focus."""
    subprocess.run(["xdotool", "key", "--delay", "80", *keys], env=dict(os.environ, DISPLAY=st.display),
                   check=True, timeout=10)


def focused(node):
    try:
        return node.getState().contains(pyatspi.STATE_FOCUSED)
    except Exception:
        return False


def category_button(page):
    """The category menu button's inner toggle button: what takes the focus and clicks."""
    for node in atspi.find_all(page, "push button", "Category", showing=False):
        if node.getState().contains(pyatspi.STATE_FOCUSABLE):
            return node
    raise AssertionError("no focusable Category button")


def apps_listed(page, expected, timeout=10):
    """Waits until the list's apps (its items, headings left out) are exactly expected."""
    deadline = time.monotonic() + timeout
    while True:
        names = {n.name for n in atspi.find_all(page, "list item", None, showing=False)} - \
            {"Required", "Featured", "All Apps"}
        if names == set(expected):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the list shows {sorted(names)}, not {sorted(expected)}")
        time.sleep(0.1)


def wait_until(predicate, what, timeout=10):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.1)


def pick_categories(st, page):
    """Office through AT-SPI (a click on the button, one on the item), then back
    to All Categories by keyboard: Tab from the search field to the button,
    Enter opens the menu, the arrow keys move to the item, Enter picks it."""
    button = category_button(page)
    assert button.description == "All Categories", button.description
    # The menu is built when first opened: no item before.
    assert not atspi.find_all(page, "menu item", "Office", showing=False)
    atspi.click(button)
    office = atspi.find(page, "menu item", "Office", showing=False, timeout=10)
    items = [n.name for n in atspi.find_all(page, "menu item", None, showing=False)]
    assert items == ["All Categories", "Utilities", "Office"], items
    checked = [n.name for n in atspi.find_all(page, "menu item", None, showing=False)
               if n.getState().contains(pyatspi.STATE_CHECKED)]
    assert checked == ["All Categories"], checked
    atspi.click(office)
    apps_listed(page, ["Team Notes"])
    wait_until(lambda: category_button(page).description == "Office", "the button describes Office")
    assert "Office" in [atspi.text_of(n) for n in atspi.find_all(category_button(page), "label", None,
                                                                 showing=False)]
    log("Office picked from the category menu: only Team Notes listed")
    st.screenshot("01-category-office")

    # A real click in the search field gives the window and the field the keyboard focus.
    search = atspi.find(page, None, "Search apps", showing=False)
    ext = search.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    subprocess.run(["xdotool", "mousemove", str(ext.x + ext.width // 2), str(ext.y + ext.height // 2),
                    "click", "1"], env=dict(os.environ, DISPLAY=st.display), check=True, timeout=10)
    wait_until(lambda: focused(search), "the search field takes the focus")
    key(st, "Tab")
    wait_until(lambda: focused(category_button(page)), "Tab from the search field focuses the category button")
    key(st, "Return")

    def focused_item():
        return next((n.name for n in atspi.find_all(page, "menu item", None, showing=False) if focused(n)), None)

    atspi.find(page, "menu item", "All Categories", timeout=10)
    key(st, "Down")
    wait_until(lambda: focused_item() is not None, "Enter opens the menu, Down focuses an item")
    for _ in range(5):
        if focused_item() == "All Categories":
            break
        before = focused_item()
        key(st, "Up")
        wait_until(lambda: focused_item() != before, f"Up moves the focus from {before}")
    assert focused_item() == "All Categories", focused_item()
    key(st, "Return")
    apps_listed(page, ["Hello Example", "Team Notes", "Maps"])
    wait_until(lambda: category_button(page).description == "All Categories",
               "the button describes All Categories")
    log("All Categories picked by keyboard: every app listed")


def flatpak_installed():
    out = subprocess.run(["flatpak", "--user", "list", "--app", "--columns=application"],
                         capture_output=True, text=True, env=dict(os.environ)).stdout
    return APP_ID in out.split()


def main():
    if not os.path.isdir(os.path.join(SOURCE_DIR, "tests", "idp", "node_modules")):
        print("1..0 # SKIP tests/idp has no node_modules (cd tests/idp && npm ci)")
        return
    print("1..1", flush=True)
    with stackmod.Stack("apps-ui") as st:
        repo = make_repo(st.tmp)
        log("local Flatpak repository built")
        catalog = write_catalog(st.tmp, serve_repo_slowly(repo))
        register_agent()
        st.start_idp()
        st.start_server(extra_args=["--catalog", catalog])
        st.start_xvfb()
        register_browser(st, "alice")
        try:
            run(st)
        except Exception:
            st.screenshot("failure")
            try:
                for line in dump(atspi.find_app("company-portal", timeout=1)):
                    print(f"# {line}")
            except Exception:
                pass
            for name, text in st.logs().items():
                print(f"# --- {name} log ---")
                for line in text.splitlines()[-40:]:
                    print(f"#   {line}")
            raise
    print("ok 1 /ui/apps/search-details-install", flush=True)


def run(st):
    # The window and the agent share this HOME and data directory: Flatpak
    # --user is private to the test, and the window sees what the agent installed.
    env = {"HOME": os.environ["HOME"], "XDG_DATA_HOME": os.environ["XDG_DATA_HOME"],
           "G_MESSAGES_DEBUG": "cp-app"}
    st.start_app(extra_env=env)
    app = atspi.find_app("company-portal", timeout=30)
    atspi.click(atspi.find(app, "push button", "Sign In With Browser", contains=True, showing=False, timeout=30))
    log("signing in through the browser")

    search = atspi.find(app, None, "Search apps", showing=False, timeout=60)
    # Everything below happens in the Apps page: walking only its subtree
    # keeps each look several times faster than walking the whole window.
    page = atspi.find(app, None, "CpAppsPage", showing=False, timeout=10)
    app = page  # from here on, "app" is the Apps page
    wait_text(app, "Hello Example")
    log("signed in, catalog shown")
    # Headed sections (real headings): Featured (Maps), then All Apps.
    headings = [atspi.text_of(n) for n in atspi.find_all(app, "heading", None, showing=False)]
    log(f"headings: {headings}")
    assert "Featured" in headings and "All Apps" in headings, headings
    assert "Required" not in headings, headings
    st.screenshot("01-apps")

    pick_categories(st, app)

    atspi.set_text(search, "greet")
    wait_text(app, "Hello Example")
    texts = texts_of(app)
    assert not any("Team Notes" in t for t in texts), texts
    # Searching collapses the sections into one list of results.
    deadline = time.monotonic() + 10
    while atspi.find_all(app, "heading", "All Apps", showing=False) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not atspi.find_all(app, "heading", "All Apps", showing=False)
    st.screenshot("02-search")

    click_on_screen(st, atspi.find(app, "list item", "Hello Example", showing=False, timeout=10))
    wait_text(app, "A tiny test app built by make-repo.sh.")
    wait_text(app, "Flatpak, installed by Company Portal")
    # The sandbox permissions before the install: the agent reads the ref's
    # metadata from the catalog's remote; exactly make-repo.sh's finish-args.
    for sentence in ("Network access", "Your Downloads folder (read-only)", "The folder /srv/data",
                     "Plays and records sound", "Can talk to: org.example.Service",
                     "Provides: org.example.Hello.Tray",
                     "Can talk to the system service: org.freedesktop.login1",
                     "Keeps its data in ~/.hello"):
        wait_text(app, sentence, timeout=60)
    assert not any("Could not read permissions" in t for t in texts_of(app))
    log("permissions shown before the install")
    st.screenshot("03-details")
    assert not flatpak_installed()

    install = atspi.find(app, "push button", "Install Hello Example", contains=True, showing=False, timeout=30)
    # The install button's own box (buttons, progress bar, status line): small
    # enough to poll every few milliseconds while the install runs.
    box = install.parent.parent
    atspi.click(install)
    log("installing")
    progress_re = re.compile(r"(of .* \(\d+%\)|Installing… \d+%|Waiting to install…|Getting the app’s details…)$")
    seen_progress = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        texts = [t for t in texts_of(box) if t]
        progress = [t for t in texts if progress_re.search(t)]
        if progress and not seen_progress:
            st.screenshot("04-progress")
        seen_progress += [t for t in progress if t not in seen_progress]
        if any("Open Hello Example" in t for t in texts):
            break
        if any(t.startswith("Installation failed") for t in texts):
            raise AssertionError(f"install failed: {texts}")
        time.sleep(0.005)
    else:
        raise AssertionError("the app did not become installed")
    log(f"progress shown: {seen_progress}")
    assert seen_progress, "no progress was shown"
    wait_text(app, "Installed")
    # The installed app's sandbox permissions, still shown.
    wait_text(app, "What this app can reach outside its sandbox")
    wait_text(app, "Network access")
    assert atspi.find_all(app, "push button", "Remove", contains=True, showing=False)
    st.screenshot("05-installed")
    log("installed")
    # Flatpak agrees.
    assert flatpak_installed(), "the window says installed but flatpak does not"

    # Remove: back to Install once the agent says it is gone.
    atspi.click(atspi.find(app, "push button", "Remove", contains=True, showing=False, timeout=10))
    log("removing")
    atspi.find(app, "push button", "Install Hello Example", contains=True, showing=False, timeout=120)
    st.screenshot("06-removed")
    assert not flatpak_installed(), "the window says removed but flatpak still lists the app"


if __name__ == "__main__":
    main()
