#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every translation in po/ is complete: extracting the strings from the
sources listed in po/POTFILES (the keywords of meson's glib preset) and
merging them into each po/<lang>.po leaves no untranslated and no fuzzy
message. A string changed in the source without its translation shows up
here as fuzzy, before a user sees it in English.

TAP output, one line per language; the source tree is CP_SOURCE_DIR.
"""
import glob
import os
import subprocess
import sys
import tempfile

SOURCE_DIR = os.environ.get("CP_SOURCE_DIR",
                            os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
GLIB_KEYWORDS = ["--keyword=_", "--keyword=N_", "--keyword=C_:1c,2", "--keyword=NC_:1c,2",
                 "--keyword=g_dcgettext:2", "--keyword=g_dngettext:2,3",
                 "--keyword=g_dpgettext2:2c,3", "--flag=N_:1:pass-c-format",
                 "--flag=C_:2:pass-c-format", "--flag=NC_:2:pass-c-format",
                 "--flag=g_dngettext:2:pass-c-format", "--flag=g_strdup_printf:1:c-format",
                 "--flag=g_string_printf:2:c-format", "--flag=g_string_append_printf:2:c-format",
                 "--flag=g_error_new:3:c-format", "--flag=g_set_error:4:c-format"]


def extract(pot):
    subprocess.run(["xgettext", "--from-code=UTF-8", "--add-comments", *GLIB_KEYWORDS,
                    "--files-from=po/POTFILES", "--directory=" + SOURCE_DIR, "--output=" + pot],
                   cwd=SOURCE_DIR, check=True, capture_output=True)


def unfinished(po_file, pot, workdir):
    merged = os.path.join(workdir, "merged.po")
    subprocess.run(["msgmerge", "--quiet", "--no-wrap", po_file, pot, "--output-file=" + merged],
                   check=True, capture_output=True)
    listed = subprocess.run(["msgattrib", "--only-fuzzy", "--no-obsolete", "--no-wrap", merged],
                            check=True, capture_output=True, text=True).stdout
    listed += subprocess.run(["msgattrib", "--untranslated", "--no-obsolete", "--no-wrap", merged],
                             check=True, capture_output=True, text=True).stdout
    return [line[len("msgid "):] for line in listed.splitlines()
            if line.startswith("msgid ") and line != 'msgid ""']


def main():
    languages = sorted(glob.glob(os.path.join(SOURCE_DIR, "po", "*.po")))
    print(f"1..{len(languages)}")
    failed = False
    with tempfile.TemporaryDirectory() as workdir:
        pot = os.path.join(workdir, "messages.pot")
        extract(pot)
        for n, po_file in enumerate(languages, 1):
            lang = os.path.basename(po_file)[:-3]
            missing = unfinished(po_file, pot, workdir)
            if missing:
                failed = True
                print(f"not ok {n} - {lang}: {len(missing)} messages untranslated or fuzzy")
                for msgid in missing:
                    print(f"# {msgid}")
            else:
                print(f"ok {n} - {lang}: every message translated")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
