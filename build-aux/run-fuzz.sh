#!/usr/bin/env bash
# Builds the fuzz targets with clang's libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs each one for a while.
#
#   build-aux/run-fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Default 20 s each (what the test suite runs); run it long by hand, e.g.
# `build-aux/run-fuzz.sh 3600 jws`. New inputs that found new coverage are
# kept in build-fuzz/corpus/<target>; crashes go to build-fuzz/crashes/.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${CP_FUZZ_BUILD_DIR:-$src/build-fuzz}
seconds=${1:-20}
shift || true

if [ ! -f "$build/build.ninja" ]; then
  CC=clang-14 meson setup "$build" "$src" -Dfuzzing=true -Dapp=false -Dagent=false \
    -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debugoptimized >/dev/null
fi
ninja -C "$build" >/dev/null

# Targets live next to what they fuzz (tests/fuzz, tests/server,
# tests/compliance, ...); their seeds in that folder's corpus/<target>/.
declare -A exe_of seeds_of
for exe in "$build"/tests/*/fuzz-*; do
  [ -f "$exe" ] && [ -x "$exe" ] || continue
  name=$(basename "$exe" | sed 's/^fuzz-//')
  exe_of[$name]=$exe
  seeds_of[$name]=$src/tests/$(basename "$(dirname "$exe")")/corpus/$name
done

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(printf '%s\n' "${!exe_of[@]}" | sort)
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p "$build/crashes"
failed=0
for target in "${targets[@]}"; do
  corpus=$build/corpus/$target
  mkdir -p "$corpus"
  log=$build/fuzz-$target.log
  seeds=()
  [ -d "${seeds_of[$target]}" ] && seeds+=("${seeds_of[$target]}")
  # A fixed seed keeps the suite's short runs repeatable; long runs by hand
  # can vary it (CP_FUZZ_SEED=0 lets libFuzzer pick one).
  if "${exe_of[$target]}" -max_total_time="$seconds" -max_len=65536 -seed="${CP_FUZZ_SEED:-1}" \
       -artifact_prefix="$build/crashes/$target-" -print_final_stats=1 \
       "$corpus" "${seeds[@]}" > "$log" 2>&1; then
    runs=$(awk '/stat::number_of_executed_units/{print $2}' "$log")
    echo "ok - fuzz-$target: $runs executions in ${seconds} s, no crash"
  else
    echo "not ok - fuzz-$target crashed; see $log and $build/crashes/"
    failed=$((failed + 1))
  fi
done
echo "fuzz: ${#targets[@]} targets, $failed crashed"
[ "$failed" -eq 0 ]
