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
import os, shutil, subprocess, sys, time
sys.path.insert(0, os.path.join(os.environ["CP_SOURCE_DIR"], "tests", "a11y"))
from screens import Portal, settle

out = os.path.join(os.environ["CP_SOURCE_DIR"], "data", "screenshots")
os.makedirs(out, exist_ok=True)
portal = Portal("screenshots", size=(1100, 720), app_env={"LANGUAGE": "en", "LANG": "C.UTF-8"})

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
PY
