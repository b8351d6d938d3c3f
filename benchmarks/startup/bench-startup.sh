#!/usr/bin/env bash
# Startup and memory of company-portal next to GNOME Software and a bare
# libadwaita window, on this machine, in one run, runs interleaved; then the
# catalog, compliance and callgrind figures. Not a test: it prints a table.
#
#   benchmarks/startup/bench-startup.sh [RUNS]     (default 7, at least 5)
#
# company-portal runs signed in with cached data (tokens in a private
# keyring, the demo stack on loopback, signed in once by signed-in-stack.py),
# once against the demo organisation and once against a server with a
# 20,000-app catalog. With CP_BENCH_MILESTONES=1 the window logs when its
# first frame, the catalog's first rows and the compliance state are on
# screen (seconds since process start, 10 ms steps).
# Environment: CP_BUILD_DIR (default build/), CP_BENCH_SETTLE (seconds to let
# a window settle before reading its memory, default 5), CP_BENCH_QUICK=1 (only
# the programs side by side: no catalog, compliance or callgrind figures).
# Last, callgrind counts the instructions from process start to the first
# frame, the stable figure for the start on a noisy machine. The main thread's
# count is the one to compare: GTK loads the icon theme, icons and fonts in
# threads whose progress before the first frame varies. company-portal
# quits after its first frame (CP_BENCH_QUIT_AFTER_FIRST_FRAME=1); the bare
# window, which stays the plain program, is stopped after 20 s instead (its
# idle main loop adds a few M instructions, about 1 %).
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${CP_BUILD_DIR:-$src/build}
runs=${1:-7}
settle=${CP_BENCH_SETTLE:-5}
export CP_BUILD_DIR=$build CP_SOURCE_DIR=$src

if [ -z "${CP_BENCH_INNER:-}" ]; then
  # Everything GNOME Software and the measuring need, once.
  for tool in gnome-software xdotool valgrind bc Xvfb; do
    if ! command -v "$tool" >/dev/null; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        gnome-software xdotool valgrind bc xvfb
      break
    fi
  done
  [ -d "$src/tests/idp/node_modules" ] || (cd "$src/tests/idp" && npm ci --no-audit --no-fund >/dev/null)
  ninja -C "$build" >/dev/null
  # A binary just linked is dirty in the page cache until written back, and
  # smaps counts those pages as the process's private dirty memory.
  sync
  # GNOME Software needs a system bus. A socket left by a bus that died
  # refuses connections: GNOME Software then fails to start ("Error getting
  # system bus") and its row has no measurement, so test the bus, not the file.
  if ! dbus-send --system --print-reply --dest=org.freedesktop.DBus / \
       org.freedesktop.DBus.GetId >/dev/null 2>&1; then
    mkdir -p /run/dbus
    rm -f /run/dbus/system_bus_socket /run/dbus/pid
    dbus-daemon --system --fork
  fi
  export CP_BENCH_INNER=1
  # A private D-Bus session, home and unlocked keyring for the whole run.
  exec "$src/tests/harness/with-keyring.sh" -- "$0" "$@"
fi

work=$(mktemp -d)
cleanup () {
  for pid in ${stack_pids:-} ${xvfb_pid:-}; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for display in $(seq 90 189); do
  [ -e "/tmp/.X11-unix/X$display" ] || [ -e "/tmp/.X$display-lock" ] || break
done
Xvfb ":$display" -screen 0 1280x800x24 -nolisten tcp -noreset >/dev/null 2>&1 &
xvfb_pid=$!
export DISPLAY=":$display" GSK_RENDERER=cairo
while [ ! -e "/tmp/.X11-unix/X$display" ]; do sleep 0.05; done

# The demo stack and a 20,000-app stack, each signed in once.
stack_pids=
/usr/bin/python3 "$src/benchmarks/startup/signed-in-stack.py" "$work/demo.env" &
stack_pids="$stack_pids $!"
/usr/bin/python3 "$src/benchmarks/startup/signed-in-stack.py" "$work/big.env" --catalog-size 20000 &
stack_pids="$stack_pids $!"
for _ in $(seq 1200); do
  [ -f "$work/demo.env" ] && [ -f "$work/big.env" ] && break
  for pid in $stack_pids; do kill -0 "$pid" 2>/dev/null || { echo "a demo stack failed" >&2; exit 1; }; done
  sleep 0.1
done

kb () { awk -v k="^$2:" '$0 ~ k {print $2}' "/proc/$1/smaps_rollup"; }

# name, env file ("" for none), window title regex, command...
measure () {
  local name=$1 envfile=$2 title=$3; shift 3
  local t0 t1 pid found=0
  t0=$(date +%s.%N)
  if [ -n "$envfile" ]; then
    env $(cat "$envfile" | tr -d "'") CP_BENCH_MILESTONES=1 "$@" >/dev/null 2>"$work/$name.err" &
  else
    "$@" >/dev/null 2>"$work/$name.err" &
  fi
  pid=$!
  for _ in $(seq 3000); do
    if xdotool search --onlyvisible --pid "$pid" >/dev/null 2>&1; then found=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  t1=$(date +%s.%N)
  sleep "$settle"
  if [ "$found" = 1 ] && [ -r "/proc/$pid/smaps_rollup" ]; then
    echo "$name $(echo "$t1 - $t0" | bc) $(kb $pid Rss) $(kb $pid Private_Dirty)" >> "$work/results"
    awk -v n="$name" '$1 == "CP_MILESTONE" {print n, $2, $3}' "$work/$name.err" >> "$work/milestones"
  else
    echo "$name: no visible window (or it exited); see below" >&2
    tail -5 "$work/$name.err" >&2
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  sleep 0.5
}

echo "Measuring $runs interleaved runs of each program (settle ${settle}s)..." >&2
for i in $(seq "$runs"); do
  measure bare "" '^Bare Window$' "$build/benchmarks/startup/bare-window"
  measure portal "$work/demo.env" '^Company Portal' "$build/src/app/company-portal"
  measure gnome-software "" '^Software$' gnome-software
  measure portal-20k "$work/big.env" '^Company Portal' "$build/src/app/company-portal"
  echo "  run $i done" >&2
done

# The agent at rest: started on the session bus, not asked anything.
"$build/src/agent/company-portal-agent" --allow-root >/dev/null 2>&1 &
agent=$!
sleep "$settle"
agent_mem="$(kb $agent Rss) $(kb $agent Private_Dirty)"
kill "$agent" 2>/dev/null || true
wait "$agent" 2>/dev/null || true

echo "Instructions to the first frame (callgrind)..." >&2
: > "$work/cg-bare.log"; : > "$work/cg-portal.log"
timeout -s INT 20 valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$work/cg-bare.out" \
  "$build/benchmarks/startup/bare-window" > /dev/null 2> "$work/cg-bare.log" || true
env $(cat "$work/demo.env" | tr -d "'") CP_BENCH_QUIT_AFTER_FIRST_FRAME=1 \
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$work/cg-portal.out" \
  "$build/src/app/company-portal" > /dev/null 2> "$work/cg-portal.log" || true

echo "Catalog, compliance and callgrind figures..." >&2
: > "$work/catalog"; : > "$work/compliance"; : > "$work/callgrind.log"; : > "$work/parse-only"
[ -n "${CP_BENCH_QUICK:-}" ] || {  # CP_BENCH_QUICK=1: only the programs side by side
"$build/benchmarks/catalog/bench-catalog" 20000 > "$work/catalog" 2>&1
"$build/benchmarks/catalog/bench-catalog" --parse-only 20000 > "$work/parse-only" 2>&1
"$build/tests/compliance/bench-compliance" 50 > "$work/compliance" 2>&1 || true
valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" --collect-atstart=no \
  --toggle-collect=parse_catalog "$build/benchmarks/catalog/bench-catalog" --parse-only 20000 \
  > /dev/null 2> "$work/callgrind.log"
}

/usr/bin/python3 - "$work" "$agent_mem" <<'PY'
import re, statistics, sys
work, agent_mem = sys.argv[1], sys.argv[2].split()
rows, marks = {}, {}
for line in open(f"{work}/results"):
    name, t, rss, pd = line.split()
    rows.setdefault(name, []).append((float(t), int(rss) / 1024, int(pd) / 1024))
try:
    for line in open(f"{work}/milestones"):
        name, mark, sec = line.split()
        marks.setdefault((name, mark), []).append(float(sec))
except FileNotFoundError:
    pass
med = {n: tuple(statistics.median(v[i] for v in r) for i in range(3)) for n, r in rows.items()}
base = med.get("bare")
print(f"{'program':16} {'first window':>12} {'ratio':>6} {'RSS MB':>8} {'ratio':>6} {'private MB':>10} {'ratio':>6}")
for n in ("bare", "portal", "gnome-software", "portal-20k"):
    if n not in med:
        print(f"{n:16} (no measurement)")
        continue
    t, rss, pd = med[n]
    print(f"{n:16} {t:11.3f}s {t/base[0]:6.2f} {rss:8.1f} {rss/base[1]:6.2f} {pd:10.1f} {pd/base[2]:6.2f}")
print(f"(median of {len(rows.get('bare', []))} interleaved runs; Xvfb, GSK_RENDERER=cairo; "
      "portal = company-portal signed in, demo organisation; portal-20k = 20,000-app catalog)")
if "portal" in med and "portal-20k" in med:
    print(f"portal-20k: the 20k catalog costs {med['portal-20k'][1] - med['portal'][1]:+.1f} MB RSS, "
          f"{med['portal-20k'][2] - med['portal'][2]:+.1f} MB private dirty over the demo organisation")
print()
print("milestones (seconds since process start, median):")
for n in ("portal", "portal-20k"):
    for m in ("first-frame", "catalog-first-rows", "compliance-state"):
        v = marks.get((n, m))
        print(f"  {n:12} {m:20} " + (f"{statistics.median(v):.3f}s ({len(v)} runs)" if v else "not logged"))
def main_thread_ir(name):
    try:
        m = re.search(r"^summary: (\d+)", open(f"{work}/cg-{name}.out-01").read(), re.M)
    except FileNotFoundError:
        return None
    return int(m.group(1)) if m else None
cg, cg_main = {}, {}
for n in ("bare", "portal"):
    m = re.search(r"Collected : (\d+)", open(f"{work}/cg-{n}.log").read())
    cg[n] = int(m.group(1)) if m else None
    cg_main[n] = main_thread_ir(n)
if cg_main["bare"] and cg_main["portal"]:
    print(f"instructions to the first frame, main thread (callgrind): bare {cg_main['bare'] / 1e6:,.0f} M, "
          f"portal {cg_main['portal'] / 1e6:,.0f} M ({cg_main['portal'] / cg_main['bare']:.2f}x)")
    print(f"  all threads: bare {cg['bare'] / 1e6:,.0f} M, portal {cg['portal'] / 1e6:,.0f} M "
          "(GTK's icon and font threads; how far they get before the first frame varies run to run)")
else:
    print("instructions to the first frame: callgrind failed")
print(f"agent at rest:   RSS {int(agent_mem[0]) / 1024:.1f} MB, private dirty {int(agent_mem[1]) / 1024:.1f} MB"
      if len(agent_mem) == 2 else "agent at rest:   not measured")
print()
cat = open(f"{work}/catalog").read()
for key in ("JSON parse", "catalog build", "parse total", "catalog build, async", "filter median", "filter p95"):
    for line in cat.splitlines():
        if line.startswith(key + ":") or (key.endswith("async") and line.startswith(key)):
            print("catalog " + line.strip())
            break
comp = open(f"{work}/compliance").read()
for line in comp.splitlines():
    if line.startswith(("first (cold)", "all built-in")):
        print("compliance " + line.strip())
for line in open(f"{work}/parse-only").read().splitlines():
    print("catalog " + line.strip())
ir = re.search(r"Collected : (\d+)", open(f"{work}/callgrind.log").read())
cg_log = open(f"{work}/callgrind.log").read()
print(f"callgrind: parsing the 20,000-app catalog = {int(ir.group(1)):,} Ir" if ir else
      "callgrind: skipped (CP_BENCH_QUICK)" if not cg_log else "callgrind: failed")
PY
