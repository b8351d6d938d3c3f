#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs a command with a private D-Bus session bus, a real gnome-keyring
# (Secret Service) and fresh, empty HOME and XDG directories.
#
#   with-keyring.sh [--empty-password] [--keep] [--] COMMAND [ARGS...]
#
#   --empty-password  unlock with an empty password: no "login" collection
#                     exists, so storing a secret fails like on a machine
#                     without a login keyring
#   --keep            keep the temporary directory (its path is printed)
#
# The command sees CP_TEST_ROOT (the temporary directory) besides HOME,
# XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME and XDG_RUNTIME_DIR under it.
# The exit status is the command's.
set -euo pipefail

password="test-keyring-password"
keep=0

if [ "${CP_WITH_KEYRING_INNER:-}" != "1" ]; then
  while [ $# -gt 0 ]; do
    case "$1" in
      --empty-password) password=""; shift ;;
      --keep) keep=1; shift ;;
      --) shift; break ;;
      -*) echo "with-keyring.sh: unknown option $1" >&2; exit 2 ;;
      *) break ;;
    esac
  done
  if [ $# -eq 0 ]; then
    echo "usage: with-keyring.sh [--empty-password] [--keep] [--] COMMAND [ARGS...]" >&2
    exit 2
  fi
  for tool in dbus-run-session gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "with-keyring.sh: $tool is missing (build-aux/install-deps.sh installs it)" >&2
      exit 77
    fi
  done

  root=$(mktemp -d "${TMPDIR:-/tmp}/cp-keyring.XXXXXX")
  cleanup() {
    if [ "$keep" = 1 ]; then
      echo "with-keyring.sh: kept $root" >&2
    else
      rm -rf "$root"
    fi
  }
  trap cleanup EXIT
  mkdir -p "$root/home" "$root/data" "$root/config" "$root/cache" "$root/run"
  chmod 700 "$root/run"

  status=0
  CP_WITH_KEYRING_INNER=1 CP_WITH_KEYRING_PASSWORD="$password" CP_TEST_ROOT="$root" \
    HOME="$root/home" XDG_DATA_HOME="$root/data" XDG_CONFIG_HOME="$root/config" \
    XDG_CACHE_HOME="$root/cache" XDG_RUNTIME_DIR="$root/run" \
    dbus-run-session -- "$0" "$@" || status=$?
  exit "$status"
fi

# Inside the private bus: start the keyring, unlocked, then the command.
unset CP_WITH_KEYRING_INNER
# The daemon is not under test: the test's G_DEBUG=fatal-warnings must not
# turn its harmless warnings into crashes.
eval "$(printf '%s' "$CP_WITH_KEYRING_PASSWORD" | env -u G_DEBUG -u G_MESSAGES_DEBUG \
  gnome-keyring-daemon --unlock --components=secrets)"
unset CP_WITH_KEYRING_PASSWORD
export GNOME_KEYRING_CONTROL
# The daemon leaves with the private bus when the command is done.
exec "$@"
