#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A notification server (org.freedesktop.Notifications) for tests.

  fake_notifications.py

Owns the name on the session bus it runs on (the test's private one, see
with-keyring.sh), answers Notify with increasing ids and prints each call as
one line, "NOTIFY <json>" ({"id", "app_name", "replaces_id", "app_icon",
"summary", "body", "actions", "hints", "expire_timeout"}), and each
CloseNotification as "CLOSE <id>". Prints "READY <unique name>" once the name
is owned; exits when the bus goes away or on SIGTERM.

tests/harness/stack.py starts it (Stack.start_notifications) and reads the
calls back (Stack.notifications).
"""
import json
import signal
import sys

import gi
gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
XML = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
      <arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
  </interface>
</node>
"""


def out(line):
    print(line, flush=True)


def plain(value):
    """A hint's value as JSON can hold it (image data and the like become their type)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return f"<{type(value).__name__}>"


class Server:
    def __init__(self, loop):
        self.loop = loop
        self.last_id = 0

    def call(self, connection, sender, path, interface, method, params, invocation):
        if method == "Notify":
            app_name, replaces_id, icon, summary, body, actions, hints, timeout = params.unpack()
            self.last_id = replaces_id or self.last_id + 1
            out("NOTIFY " + json.dumps({"id": self.last_id, "app_name": app_name, "replaces_id": replaces_id,
                                        "app_icon": icon, "summary": summary, "body": body,
                                        "actions": actions, "hints": {k: plain(v) for k, v in hints.items()},
                                        "expire_timeout": timeout}))
            invocation.return_value(GLib.Variant("(u)", (self.last_id,)))
        elif method == "CloseNotification":
            (nid,) = params.unpack()
            out(f"CLOSE {nid}")
            connection.emit_signal(sender, PATH, NAME, "NotificationClosed", GLib.Variant("(uu)", (nid, 3)))
            invocation.return_value(None)
        elif method == "GetCapabilities":
            invocation.return_value(GLib.Variant("(as)", (["actions", "body", "persistence"],)))
        elif method == "GetServerInformation":
            invocation.return_value(GLib.Variant("(ssss)", ("cp-test-notifications", "Company Portal tests",
                                                             "1", "1.2")))
        else:
            invocation.return_dbus_error("org.freedesktop.DBus.Error.UnknownMethod", method)


def main():
    loop = GLib.MainLoop()
    server = Server(loop)
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    info = Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0]
    bus.register_object(PATH, info, server.call, None, None)
    bus.connect("closed", lambda *args: loop.quit())

    def acquired(connection, name):
        out(f"READY {connection.get_unique_name()}")

    def lost(connection, name):
        out("LOST the name (another notification server owns it)")
        loop.quit()

    Gio.bus_own_name_on_connection(bus, NAME, Gio.BusNameOwnerFlags.DO_NOT_QUEUE, acquired, lost)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
