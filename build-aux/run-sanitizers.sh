#!/usr/bin/env bash
# Builds the tree with AddressSanitizer + UndefinedBehaviorSanitizer into
# build-asan/ and runs the test suite with the `asan` test setup
# (tests/meson.build): LeakSanitizer on, halt on the first error, the
# third-party suppressions of tests/lsan.supp.
#
#   build-aux/run-sanitizers.sh [extra meson test arguments]
#
# Only our own programs are sanitized (the tests, and the window, agent and
# server they start); node, Python, bash, D-Bus and gnome-keyring run as
# usual. The window's code is leak-checked by the `app` suite, which drives
# it in-process; where AT-SPI drives the real window (ui, a11y, e2e), the
# window runs with AddressSanitizer and UBSan but without LeakSanitizer
# (tests/harness/stack.py says why).
# Every sanitizer report, from a test or from a child process whose exit
# status nobody looks at, lands in build-asan/meson-logs/sanitizers/ and
# fails the run. The packaging suite is left out: it rebuilds the tree
# without sanitizers and checks files, not our code.
#
# CP_SKIP_SANITIZERS=1 skips the whole run (build-aux/run-tests.sh calls
# this script after the normal suite). CP_ASAN_BUILD_DIR overrides the
# build directory.
set -euo pipefail

if [ "${CP_SKIP_SANITIZERS:-}" = "1" ]; then
  echo "run-sanitizers.sh: skipped (CP_SKIP_SANITIZERS=1)"
  exit 0
fi

src=$(cd "$(dirname "$0")/.." && pwd)
build=${CP_ASAN_BUILD_DIR:-$src/build-asan}
reports=$build/meson-logs/sanitizers

# -Db_lundef=false: the sanitizer runtimes are linked into executables
# only, so shared objects must be allowed undefined references to them.
options=(-Dbuildtype=debug -Dwerror=false -Dapp=true
         -Db_sanitize=address,undefined -Db_lundef=false)
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$src" "${options[@]}"
else
  meson configure "$build" "${options[@]}"  # a tree set up before the window was in
fi
ninja -C "$build"

mkdir -p "$reports"
rm -f "$reports"/asan.* "$reports"/ubsan.*

status=0
meson test -C "$build" --setup asan --print-errorlogs --num-processes 2 \
  --no-suite packaging "$@" || status=$?

# Reports of child processes (the agent activated on D-Bus, the server)
# do not always fail the test that started them: show and count them here.
shopt -s nullglob
report_files=("$reports"/asan.* "$reports"/ubsan.*)
for file in "${report_files[@]}"; do
  echo "=== sanitizer report $file"
  cat "$file"
done

python3 - "$build/meson-logs/testlog-asan.json" "${#report_files[@]}" <<'PY'
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
reports = int(sys.argv[2])
print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped "
      f"(sanitizers; {reports} sanitizer reports)")
PY

if [ "${#report_files[@]}" -gt 0 ] && [ "$status" = 0 ]; then
  status=1
fi
exit $status
