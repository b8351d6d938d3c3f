#!/usr/bin/env bash
# Startup and memory of company-portal next to GNOME Software and a bare
# libadwaita window, on this machine, in one run, runs interleaved.
#
#   benchmarks/startup/bench-startup.sh [RUNS]     (default 7)
#
# Prints a table: median time from process start to the first visible
# window, resident and private-dirty memory after the window settles, and
# the ratios to the bare window. company-portal runs signed in with cached
# data (tokens in a private keyring, the demo stack on loopback); with
# CP_BENCH_MILESTONES=1 it also logs when the catalog's first rows and the
# compliance state are on screen.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${CP_BUILD_DIR:-$src/build}
runs=${1:-7}

if [ -z "${CP_BENCH_INNER:-}" ]; then
  # Everything GNOME Software needs, once.
  if ! command -v gnome-software >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gnome-software xdotool
  fi
  ninja -C "$build" >/dev/null
  cc -O2 -o "$build/bare-window" "$src/benchmarks/startup/bare-window.c" $(pkg-config --cflags --libs libadwaita-1)
  if [ ! -S /run/dbus/system_bus_socket ]; then
    mkdir -p /run/dbus
    dbus-daemon --system --fork
  fi
  export CP_BENCH_INNER=1
  exec dbus-run-session -- "$0" "$@"
fi

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
eval "$(printf 'bench' | gnome-keyring-daemon --unlock --components=secrets)"

Xvfb :79 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
export DISPLAY=:79 GSK_RENDERER=cairo
sleep 1

# The demo stack and one sign-in, so the portal starts signed in.
eval "$(/usr/bin/python3 "$src/benchmarks/startup/signed-in-stack.py" "$work")"

measure () {  # name, window title regex, command...
  local name=$1 title=$2; shift 2
  local t0 t1 pid
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>"$work/$name.err" &
  pid=$!
  for _ in $(seq 3000); do
    xdotool search --onlyvisible --name "$title" >/dev/null 2>&1 && break
    sleep 0.01
  done
  t1=$(date +%s.%N)
  sleep 3   # let it settle: data loaded, first frames drawn
  local rss pd
  rss=$(awk '/^Rss:/{print $2}' /proc/$pid/smaps_rollup)
  pd=$(awk '/^Private_Dirty:/{print $2}' /proc/$pid/smaps_rollup)
  echo "$name $(echo "$t1 - $t0" | bc) $rss $pd" >> "$work/results"
  kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
  sleep 0.5
}

for i in $(seq "$runs"); do
  measure bare '^Bare Window$' "$build/bare-window"
  measure portal '^Company Portal' "$build/src/app/company-portal"
  measure gnome-software '^Software$' gnome-software
done

/usr/bin/python3 - "$work/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, t, rss, pd = line.split()
    rows.setdefault(name, []).append((float(t), int(rss) / 1024, int(pd) / 1024))
med = {n: tuple(statistics.median(v[i] for v in r) for i in range(3)) for n, r in rows.items()}
base = med["bare"]
print(f"{'program':16} {'first window':>12} {'ratio':>6} {'RSS MB':>8} {'ratio':>6} {'private MB':>10} {'ratio':>6}")
for n in ("bare", "portal", "gnome-software"):
    t, rss, pd = med[n]
    print(f"{n:16} {t:11.3f}s {t/base[0]:6.2f} {rss:8.1f} {rss/base[1]:6.2f} {pd:10.1f} {pd/base[2]:6.2f}")
print(f"(median of {len(rows['bare'])} interleaved runs; Xvfb, GSK_RENDERER=cairo)")
PY
