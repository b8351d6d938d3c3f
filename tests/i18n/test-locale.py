#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs the window in German (LANGUAGE=de, the build tree's catalogue) over
the demo stack and checks through AT-SPI that no visible text on the
sign-in page, the main view, the Help page and the user menu is an
untranslated message of po/de.po.

Run under tests/harness/with-keyring.sh with /usr/bin/python3.
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("CP_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "a11y"))

from screens import BUILD_DIR, Portal, all_text, settle  # noqa: E402

FORMAT = re.compile(r"%(?:\d+\$)?[-#0 +']*\d*(?:\.\d+)?(?:hh|h|ll|l|z|j|t)?[diouxXeEfgGcsp%]")


def catalogue(path):
    """{msgid: msgstr} of a .po file, through msgcat so wrapping does not matter."""
    text = subprocess.run(["msgcat", "--no-wrap", "--no-location", path], check=True,
                          capture_output=True, text=True).stdout
    entries = {}
    for block in text.split("\n\n"):
        ids = re.search(r'^msgid "(.*)"$', block, re.M)
        strs = re.search(r'^msgstr(?:\[0\])? "(.*)"$', block, re.M)
        if ids and strs and ids.group(1):
            unescape = lambda s: s.encode().decode("unicode_escape").encode("latin-1").decode()
            entries[unescape(ids.group(1))] = unescape(strs.group(1))
    return entries


class Checker:
    """Finds visible texts that are still the English message."""

    def __init__(self, entries):
        self.entries = entries
        self.exact = {}
        self.patterns = []
        for msgid, msgstr in entries.items():
            if not msgstr or msgstr.replace("_", "") == msgid.replace("_", ""):
                continue  # the same word in German ("Server", "Apps") is not a finding
            if FORMAT.search(msgid):
                parts = [re.escape(p) for p in FORMAT.split(msgid)]
                self.patterns.append((msgid, re.compile(".+".join(parts), re.S)))
            else:
                self.exact[msgid.replace("_", "")] = msgid

    def untranslated(self, texts):
        found = []
        for text in texts:
            text = text.strip()
            if not text:
                continue
            if text in self.exact:
                found.append((text, self.exact[text]))
                continue
            for msgid, pattern in self.patterns:
                if pattern.fullmatch(text):
                    found.append((text, msgid))
                    break
        return found


def main():
    entries = catalogue(os.path.join(SOURCE_DIR, "po", "de.po"))
    checker = Checker(entries)
    mo = os.path.join(BUILD_DIR, "po", "de", "LC_MESSAGES", "company-portal.mo")
    if not os.path.exists(mo):
        print("1..0 # SKIP the German catalogue is not built")
        return 0

    def tr(text):
        return entries.get(text) or text

    results = []
    portal = Portal("i18n-de", tr=tr, app_env={
        "LANGUAGE": "de", "LANG": "C.UTF-8", "LC_ALL": "",
        "COMPANY_PORTAL_LOCALEDIR": os.path.join(BUILD_DIR, "po"),
    })
    try:
        def check(name):
            settle(0.8)
            texts = all_text(portal.app)
            bad = checker.untranslated(texts)
            results.append((name, bad, len(texts)))
            portal.stack.screenshot(name)

        # The sign-in page: found by its German button, which proves the catalogue is used.
        portal.button("Sign In With _Browser")
        check("sign-in page")
        portal.sign_in()
        check("main view")
        portal.show_view("_Device")
        check("device page")
        portal.show_view("_Compliance")
        check("compliance page")
        portal.show_view("_Help")
        check("help page")
        portal.open_user_menu()
        check("user menu")
    finally:
        portal.stop()

    print(f"1..{len(results)}")
    failed = 0
    for number, (name, bad, count) in enumerate(results, 1):
        if bad or count == 0:
            failed += 1
            print(f"not ok {number} - {name}: {len(bad)} of {count} visible texts are not translated")
            for text, msgid in bad:
                print(f"# {text!r} (msgid {msgid!r})")
        else:
            print(f"ok {number} - {name}: {count} visible texts, all in German")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
