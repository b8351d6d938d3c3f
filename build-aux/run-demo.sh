#!/usr/bin/env bash
# Builds Company Portal and runs it against the bundled demo stack, all on
# loopback: the OpenID Connect provider (tests/idp), company-portal-server
# --demo over HTTPS with a demo CA made here, the agent, and the window.
#
#   build-aux/run-demo.sh            install what is missing, build, run
#   CP_DEMO_NO_INSTALL=1 ...         skip the package check
#
# Without a graphical session it starts Xvfb and saves a screenshot; without
# a session bus it starts a private one with its own unlocked keyring.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${CP_BUILD_DIR:-$src/build}
state=${XDG_STATE_HOME:-$HOME/.local/state}/company-portal-demo
mkdir -p "$state"

if [ -z "${CP_DEMO_NO_INSTALL:-}" ]; then
  "$src/build-aux/install-deps.sh"
fi

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$src"
fi
ninja -C "$build"

# A private bus and keyring when there is no desktop session (a fresh
# machine, a root shell, ssh): re-run this script inside them.
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -z "${CP_DEMO_IN_SESSION:-}" ]; then
  echo "No session bus: starting a private one with a demo keyring."
  export CP_DEMO_IN_SESSION=1 CP_DEMO_NO_INSTALL=1 CP_BUILD_DIR="$build"
  exec dbus-run-session -- "$0" "$@"
fi
if [ -n "${CP_DEMO_IN_SESSION:-}" ]; then
  eval "$(printf 'demo-keyring' | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
fi

pids=()
cleanup () {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# Waits for "READY <url>" on a program's stdout and prints the url.
wait_ready () {
  local log=$1 name=$2
  for _ in $(seq 300); do
    if grep -q '^READY ' "$log" 2>/dev/null; then
      awk '/^READY /{print $2; exit}' "$log"
      return 0
    fi
    sleep 0.1
  done
  echo "$name did not start; its log:" >&2
  cat "$log" >&2
  return 1
}

# The demo CA and the server's certificate for 127.0.0.1, made once.
tls=$state/tls
if [ ! -f "$tls/server.pem" ]; then
  mkdir -p "$tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=Company Portal Demo CA" -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=127.0.0.1" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$tls/ext.cnf"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
    -days 825 -extfile "$tls/ext.cnf" -out "$tls/server.pem" 2>/dev/null
  chmod 600 "$tls"/*.key
fi

org=$src/data/demo-organization.json

node "$src/tests/idp/provider.js" --port "${CP_DEMO_IDP_PORT:-0}" --users "$org" \
  > "$state/idp.log" 2>&1 &
pids+=($!)
issuer=$(wait_ready "$state/idp.log" "The identity provider")

"$build/src/server/company-portal-server" --demo --org "$org" --issuer "$issuer" \
  --listen "127.0.0.1:${CP_DEMO_SERVER_PORT:-0}" \
  --tls-cert "$tls/server.pem" --tls-key "$tls/server.key" \
  --db "$state/portal.db" > "$state/server.log" 2>&1 &
pids+=($!)
server_url=$(wait_ready "$state/server.log" "company-portal-server")

export COMPANY_PORTAL_SERVER=$server_url
export COMPANY_PORTAL_TLS_CA_FILE=$tls/ca.pem
export GSETTINGS_SCHEMA_DIR=$build/data
agent=$build/src/agent/company-portal-agent
if [ -x "$agent" ]; then
  agent_args=()
  [ "$(id -u)" -eq 0 ] && agent_args+=(--allow-root)
  "$agent" "${agent_args[@]}" > "$state/agent.log" 2>&1 &
  pids+=($!)
fi

cat <<INFO

  Company Portal demo
  -------------------
  Identity provider   $issuer   (any user name signs in; try "alice")
  Portal server       $server_url
  Demo CA             $tls/ca.pem
  Logs                $state/

INFO

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display: starting Xvfb on :77; a screenshot goes to $state/screenshot.png"
  Xvfb :77 -screen 0 1280x800x24 -nolisten tcp > "$state/xvfb.log" 2>&1 &
  pids+=($!)
  export DISPLAY=:77 GSK_RENDERER=cairo
  sleep 1
  "$build/src/app/company-portal" &
  pids+=($!)
  sleep 4
  import -window root "$state/screenshot.png" || true
  echo "The window is running on the virtual display. Press Ctrl+C to stop the demo."
  wait "${pids[-1]}"
else
  "$build/src/app/company-portal"
fi
