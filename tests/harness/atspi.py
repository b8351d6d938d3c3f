"""Small helpers to drive a GTK 4 window through AT-SPI (pyatspi).

Use Debian's /usr/bin/python3: python3-pyatspi lives there.
"""

import time

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
    # GTK 4.8 reports no STATE_SHOWING at all, only STATE_VISIBLE (the
    # widget's own visibility, so children of a hidden stack page count too).
    try:
        state = node.getState()
        return state.contains(pyatspi.STATE_SHOWING) or state.contains(pyatspi.STATE_VISIBLE)
    except Exception:
        return False


def find_all(root, role=None, name=None, contains=False, showing=True):
    found = []

    def walk(node, depth=0):
        if node is None or depth > 60:
            return
        if showing and depth > 0 and not _showing(node):
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
