#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Screenshots of the real app for the metainfo: runs the demo stack (IdP,
# server, window) under Xvfb, signs in with tests/harness/idp_browser.py and
# captures the main views to data/screenshots/*.png (1280x800).
#
#   build-aux/make-screenshots.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export CP_SOURCE_DIR="$here" CP_BUILD_DIR="$(cd "${1:-$here/build}" && pwd)"
exec "$here/tests/harness/with-keyring.sh" /usr/bin/python3 - <<'PY'
import os, shutil, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.join(os.environ["CP_SOURCE_DIR"], "tests", "a11y"))
from screens import Portal, settle

out = os.path.join(os.environ["CP_SOURCE_DIR"], "data", "screenshots")
os.makedirs(out, exist_ok=True)
# A browser that does nothing (idp_browser.py plays its part), so the window
# shows no "could not open the link" toast in the pictures.
data = tempfile.mkdtemp(prefix="cp-shots-")
os.makedirs(os.path.join(data, "applications"))
with open(os.path.join(data, "applications", "cp-null-browser.desktop"), "w") as f:
    f.write("[Desktop Entry]\nType=Application\nName=Null browser\nExec=/bin/true %u\n"
            "MimeType=x-scheme-handler/http;x-scheme-handler/https;\nNoDisplay=true\n")
with open(os.path.join(data, "applications", "mimeapps.list"), "w") as f:
    f.write("[Default Applications]\nx-scheme-handler/http=cp-null-browser.desktop\n"
            "x-scheme-handler/https=cp-null-browser.desktop\n")
portal = Portal("screenshots", size=(1100, 720), app_env={
    "LANGUAGE": "en", "LANG": "C.UTF-8",
    "XDG_DATA_DIRS": data + ":" + os.environ.get("XDG_DATA_DIRS", "/usr/local/share:/usr/share")})

def shot(name):
    settle(1.5)
    path = portal.stack.screenshot(name)
    # The window sits at the root's top left: keep only its 1100x720.
    subprocess.run(["convert", path, "-crop", "1100x720+0+0", "+repage", os.path.join(out, name + ".png")], check=True)

try:
    portal.button("Sign In With _Browser")
    shot("sign-in")
    portal.sign_in()
    shot("apps")
    portal.show_view("_Help")
    shot("help")
finally:
    portal.stop()
    shutil.rmtree(data, ignore_errors=True)
PY
