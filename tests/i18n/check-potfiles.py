#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""po/POTFILES is complete: every source, template and data file with
translatable strings is listed, and every listed file exists.

TAP output; the source tree is CP_SOURCE_DIR (or this file's grandparent).
"""
import os
import re
import sys

SOURCE_DIR = os.environ.get("CP_SOURCE_DIR",
                            os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

# The keywords xgettext is run with for the glib preset, plus the ones GLib adds.
C_MARKERS = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|Q_|g_dgettext|g_dngettext|g_dpgettext2?|'
                       r'ngettext|dngettext|gettext|dgettext)\s*\(\s*(?:[A-Za-z_]+\s*,\s*)?"')
UI_MARKER = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"')
DATA_SUFFIXES = (".desktop.in", ".metainfo.xml.in", ".gschema.xml")
SCANNED_DIRS = ("src", "ui", "data")


def strip_c_comments(text):
    return re.sub(r'/\*.*?\*/|//[^\n]*', '', text, flags=re.S)


def has_strings(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if path.endswith((".c", ".h")):
        return C_MARKERS.search(strip_c_comments(text)) is not None
    if path.endswith(".ui"):
        return UI_MARKER.search(text) is not None
    if path.endswith(DATA_SUFFIXES):
        # The desktop file, metainfo and schema are always translated.
        return True
    return False


def listed():
    entries = []
    with open(os.path.join(SOURCE_DIR, "po", "POTFILES"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                entries.append(line)
    return entries


def translatable_files():
    found = []
    for top in SCANNED_DIRS:
        for root, dirs, files in os.walk(os.path.join(SOURCE_DIR, top)):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(root, name)
                rel = os.path.relpath(path, SOURCE_DIR)
                if rel.endswith((".c", ".h", ".ui") + DATA_SUFFIXES) and has_strings(path):
                    found.append(rel)
    return found


def main():
    entries = listed()
    checks = []
    missing_files = [e for e in entries if not os.path.isfile(os.path.join(SOURCE_DIR, e))]
    checks.append(("every file in po/POTFILES exists", missing_files))
    duplicates = sorted({e for e in entries if entries.count(e) > 1})
    checks.append(("no file is listed twice", duplicates))
    unlisted = [f for f in translatable_files() if f not in entries]
    checks.append(("every file with translatable strings is in po/POTFILES", unlisted))
    # A detector that finds nothing would make the check above pass vacuously.
    known = [f for f in ("src/app/cp-window.c", "ui/cp-window.ui") if not has_strings(os.path.join(SOURCE_DIR, f))]
    checks.append(("the detector sees the window's strings", known))

    print(f"1..{len(checks)}")
    failed = 0
    for number, (name, problems) in enumerate(checks, 1):
        if problems:
            failed += 1
            print(f"not ok {number} - {name}")
            for p in problems:
                print(f"# {p}")
        else:
            print(f"ok {number} - {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
