#!/usr/bin/env bash
# Runs every test of the project from a clean or existing checkout:
# installs what is missing, builds into build-tests/ and runs `meson test`.
# Each test starts the services it needs (OIDC provider, server, private
# D-Bus session with gnome-keyring, Xvfb) itself.
#
#   build-aux/run-tests.sh [extra meson test arguments]
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${CP_TEST_BUILD_DIR:-$src/build-tests}

"$src/build-aux/install-deps.sh"

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$src" --buildtype=debug -Dwerror=false
fi
ninja -C "$build"

status=0
meson test -C "$build" --print-errorlogs --num-processes 2 "$@" || status=$?

# One plain closing line with the totals (subtests of TAP tests counted
# through their parents), for people and CI alike.
python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, sys
counts = {"passed": 0, "failed": 0, "skipped": 0}
for line in open(sys.argv[1]):
    result = json.loads(line)["result"]
    if result in ("OK", "EXPECTEDFAIL"):
        counts["passed"] += 1
    elif result == "SKIP":
        counts["skipped"] += 1
    else:
        counts["failed"] += 1
print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
PY
exit $status
