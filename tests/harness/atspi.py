"""Small helpers to drive a GTK 4 window through AT-SPI (pyatspi).

Use Debian's /usr/bin/python3: python3-pyatspi lives there.
"""

import time

import stack  # noqa: F401  (before pyatspi loads GLib: it takes G_DEBUG out of this process)
import pyatspi


class NotFound(AssertionError):
    pass


def find_app(name, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            app = desktop.getChildAtIndex(i)
            if app is not None and app.name == name:
                return app
        time.sleep(0.1)
    raise NotFound(f"no application named {name!r} on the accessibility bus")


def _matches(node, role, name, contains):
    try:
        if role is not None and node.getRoleName() != role:
            return False
        if name is None:
            return True
        node_name = node.name or ""
        return name in node_name if contains else node_name == name
    except Exception:  # a node that went away while we looked
        return False


def _showing(node):
    """True when the node is on screen.

    GTK 4.8 sets STATE_SHOWING only on the toplevel, so a node counts as
    showing when it is visible (STATE_VISIBLE: its own visibility) and has
    a non-empty extent: GTK gives the children of a stack page that is not
    shown an empty one.
    """
    try:
        state = node.getState()
        if state.contains(pyatspi.STATE_SHOWING):
            return True
        if not state.contains(pyatspi.STATE_VISIBLE):
            return False
        extents = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        return extents.width > 0 and extents.height > 0
    except Exception:
        return False


def _container(node):
    try:
        return node.getRoleName() in ("panel", "filler", "scroll pane", "page tab", "page tab list",
                                      "list", "list item", "table", "viewport", "frame") \
            and node.childCount > 0
    except Exception:
        return False


def find_all(root, role=None, name=None, contains=False, showing=True):
    found = []

    def walk(node, depth=0):
        if node is None or depth > 60:
            return
        if showing and depth > 0 and not _showing(node):
            # GTK 4.8 gives containers such as a GtkStackPage no extent of
            # their own: look further down before giving up on a branch
            if not _container(node):
                return
        if _matches(node, role, name, contains):
            found.append(node)
        try:
            for child in node:
                walk(child, depth + 1)
        except Exception:
            pass

    walk(root)
    return found


def find(root, role=None, name=None, contains=False, timeout=15, showing=True):
    """Waits for a showing node with this role and name and returns it."""
    deadline = time.monotonic() + timeout
    while True:
        nodes = find_all(root, role, name, contains, showing)
        if nodes:
            return nodes[0]
        if time.monotonic() > deadline:
            raise NotFound(f"no {role or 'node'} named {name!r} within {timeout} s")
        time.sleep(0.1)


def gone(root, role=None, name=None, contains=False, timeout=15):
    deadline = time.monotonic() + timeout
    while find_all(root, role, name, contains):
        if time.monotonic() > deadline:
            raise AssertionError(f"{role or 'node'} {name!r} is still showing after {timeout} s")
        time.sleep(0.1)


def click(node):
    action = node.queryAction()
    for i in range(action.nActions):
        if action.getName(i) in ("click", "press", "activate"):
            action.doAction(i)
            return
    raise AssertionError(f"{node.getRoleName()} {node.name!r} cannot be clicked")


def set_text(node, text):
    editable = node.queryEditableText()
    editable.setTextContents(text)


def text_of(node):
    try:
        t = node.queryText()
        return t.getText(0, t.characterCount)
    except NotImplementedError:
        return node.name or ""


def all_text(root):
    """Every showing label's text below root, for assertions on what a user sees."""
    texts = []
    for node in find_all(root):
        try:
            if node.getRoleName() in ("label", "text", "heading", "static"):
                texts.append(text_of(node))
            elif node.name:
                texts.append(node.name)
        except Exception:
            pass
    return texts


def wait_for_text(root, predicate, timeout=15, what="text"):
    """Polls every showing text below root until predicate(text) holds for one; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        for text in all_text(root):
            if text and predicate(text):
                return text
        if time.monotonic() > deadline:
            raise NotFound(f"no {what} on screen within {timeout} s; showing: {all_text(root)!r}")
        time.sleep(0.1)


def press(root, name, role="push button", timeout=15):
    """Finds a showing button by its label (mnemonic underscores ignored) and clicks it."""
    deadline = time.monotonic() + timeout
    while True:
        for node in find_all(root, role):
            label = (node.name or "").replace("_", "")
            if label == name or label.endswith(" " + name) or label.split(" ")[0] == name:
                try:
                    click(node)
                except (AssertionError, NotImplementedError):
                    continue  # a GtkMenuButton: its inner button takes the click
                return node
        if time.monotonic() > deadline:
            raise NotFound(f"no {role} {name!r} showing within {timeout} s")
        time.sleep(0.1)
