#!/usr/bin/env bash
# Runs every test of the project from a clean or existing checkout:
#   1. installs what is missing, builds into build-tests/ and runs `meson test`
#      (unit, server, agent, integration, UI under Xvfb, packaging, faults);
#   2. a short libFuzzer run of every fuzz target (build-aux/run-fuzz.sh);
#   3. the whole suite again under AddressSanitizer and UBSan
#      (build-aux/run-sanitizers.sh), once that script exists.
# Each test starts the services it needs (OIDC provider, server, private
# D-Bus session with gnome-keyring, Xvfb) itself.
#
#   build-aux/run-tests.sh [extra meson test arguments]
#   CP_SKIP_FUZZ=1 / CP_SKIP_SANITIZERS=1 skip steps 2 / 3;
#   CP_FUZZ_SECONDS (default 20) bounds each fuzz target.
set -uo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${CP_TEST_BUILD_DIR:-$src/build-tests}

"$src/build-aux/install-deps.sh" || exit 1

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$src" --buildtype=debug -Dwerror=false || exit 1
fi
ninja -C "$build" || exit 1

passed=0 failed=0 skipped=0

# Adds the results of one meson test log to the totals.
count_meson_log () {
  local counts
  counts=$(python3 - "$1" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    result = json.loads(line)["result"]
    if result in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif result == "SKIP":
        s += 1
    else:
        f += 1
print(p, f, s)
PY
)
  read -r p f s <<< "$counts"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

meson test -C "$build" --print-errorlogs --num-processes 2 "$@"
count_meson_log "$build/meson-logs/testlog.json"

if [ -z "${CP_SKIP_FUZZ:-}" ]; then
  fuzz_log=$(mktemp)
  "$src/build-aux/run-fuzz.sh" "${CP_FUZZ_SECONDS:-20}" 2>&1 | tee "$fuzz_log"
  fuzz_status=${PIPESTATUS[0]}
  passed=$((passed + $(grep -c '^ok - ' "$fuzz_log")))
  crashed=$(grep -c '^not ok - ' "$fuzz_log")
  # A build failure prints no target lines: it still counts as a failure.
  [ "$fuzz_status" -ne 0 ] && [ "$crashed" -eq 0 ] && crashed=1
  failed=$((failed + crashed))
  rm -f "$fuzz_log"
fi

if [ -z "${CP_SKIP_SANITIZERS:-}" ] && [ -x "$src/build-aux/run-sanitizers.sh" ]; then
  asan_log=${CP_ASAN_BUILD_DIR:-$src/build-asan}/meson-logs/testlog-asan.json
  rm -f "$asan_log"
  "$src/build-aux/run-sanitizers.sh"
  asan_status=$?
  failed_before=$failed
  [ -f "$asan_log" ] && count_meson_log "$asan_log"
  # A build failure or a report from a child process fails the run even
  # when every test program passed.
  [ "$asan_status" -ne 0 ] && [ "$failed" -eq "$failed_before" ] && failed=$((failed + 1))
fi

# One plain closing line with the totals, for people and CI alike.
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
