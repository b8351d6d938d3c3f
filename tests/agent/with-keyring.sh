#!/bin/sh
# with-keyring.sh [--no-keyring|--no-login-collection] COMMAND [ARG...]
#
# Runs COMMAND in a private D-Bus session bus with fresh HOME and XDG
# directories. The bus knows exactly two services: an unlocked gnome-keyring
# (started here; left out with --no-keyring, so libsecret finds no keyring at
# all) and company-portal-agent, D-Bus activated from $CP_AGENT_EXEC like a
# real installation. No standard service directory is used, so nothing from
# the host can be activated by accident.
#
# With --no-login-collection gnome-keyring runs but was unlocked with an empty
# password, so its default collection does not exist and storing fails.
#
# COMMAND sees CP_TEST_KEYRING=unlocked|none|empty.
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

if [ "${1:-}" = --inner ]; then
  shift
  if [ "$CP_TEST_KEYRING" != none ]; then
    # A password creates and unlocks the "login" collection (see RECIPES.md);
    # an empty one leaves no default collection.
    password=test-password
    if [ "$CP_TEST_KEYRING" = empty ]; then password=; fi
    # The keyring is not ours: our strict G_DEBUG must not turn its warnings into crashes.
    printf '%s' "$password" | env -u G_DEBUG gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
    keyring_pid=$!
    i=0
    until gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
            --method org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets 2>/dev/null | grep -q true; do
      i=$((i + 1))
      if [ $i -gt 200 ]; then echo "gnome-keyring did not start" >&2; exit 1; fi
      sleep 0.05
    done
  fi
  rc=0
  "$@" || rc=$?
  if [ -n "${keyring_pid:-}" ]; then kill "$keyring_pid" 2>/dev/null || true; fi
  exit $rc
fi

keyring=unlocked
case "${1:-}" in
  --no-keyring) keyring=none; shift ;;
  --no-login-collection) keyring=empty; shift ;;
esac
: "${CP_AGENT_EXEC:?CP_AGENT_EXEC must name the company-portal-agent binary}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cp-agent-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/home" "$tmp/data" "$tmp/state" "$tmp/config" "$tmp/cache" "$tmp/run" "$tmp/services"
chmod 700 "$tmp/run"

# --allow-root: test containers often run as root; the agent refuses otherwise.
cat > "$tmp/services/io.github.companyportal.Agent1.service" <<EOT
[D-BUS Service]
Name=io.github.companyportal.Agent1
Exec=$CP_AGENT_EXEC --gapplication-service --allow-root
EOT

cat > "$tmp/bus.conf" <<EOT
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$tmp</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$tmp/services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOT

export HOME="$tmp/home" XDG_DATA_HOME="$tmp/data" XDG_STATE_HOME="$tmp/state"
export XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" XDG_RUNTIME_DIR="$tmp/run"
export CP_TEST_KEYRING="$keyring"
unset GNOME_KEYRING_CONTROL SSH_AUTH_SOCK DBUS_SESSION_BUS_ADDRESS

rc=0
dbus-run-session --config-file="$tmp/bus.conf" -- "$0" --inner "$@" || rc=$?
exit $rc
