#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The window's D-Bus service file matches its DBusActivatable desktop file.

  check-dbus-service.py DESKTOP_FILE SERVICE_FILE

The desktop file's name (without .desktop) must be the bus name the service
file declares, and the service must start the window as a GApplication
service; otherwise the agent's notifications cannot start the window.
"""
import configparser
import os
import sys


def read(path):
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    with open(path, encoding="utf-8") as f:
        parser.read_file(f)
    return parser


def main(desktop_path, service_path):
    desktop = read(desktop_path)["Desktop Entry"]
    service = read(service_path)["D-BUS Service"]
    app_id = os.path.basename(desktop_path)[:-len(".desktop")]
    problems = []
    if desktop.get("DBusActivatable") != "true":
        problems.append("the desktop file is not DBusActivatable")
    if service.get("Name") != app_id:
        problems.append(f"the service is named {service.get('Name')!r}, the desktop file {app_id!r}")
    exec_line = service.get("Exec", "").split()
    if len(exec_line) != 2 or not os.path.isabs(exec_line[0]) or \
       os.path.basename(exec_line[0]) != "company-portal" or exec_line[1] != "--gapplication-service":
        problems.append(f"Exec must be /abs/path/company-portal --gapplication-service, not {service.get('Exec')!r}")
    print("TAP version 13\n1..1")
    if problems:
        print("not ok 1 - " + "; ".join(problems))
        return 1
    print("ok 1 - the desktop file and the D-Bus service agree")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
