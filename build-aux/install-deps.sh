#!/usr/bin/env bash
# Installs everything the build, the demo stack and the test suite need on
# Debian 12. Safe to run again: it skips what is already there.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)

debian_packages=(
  build-essential pkg-config meson ninja-build gettext
  libglib2.0-dev libgtk-4-dev libadwaita-1-dev libsoup-3.0-dev libjson-glib-dev
  libsecret-1-dev libnotify-dev libgnutls28-dev libsqlite3-dev libflatpak-dev flatpak
  xvfb xauth gnome-keyring dbus dbus-x11 at-spi2-core libgtk-4-bin
  appstream desktop-file-utils imagemagick xdotool bc
  python3-dogtail python3-pyatspi python3-gi gir1.2-atspi-2.0 gir1.2-secret-1 python3-yaml
  curl openssl ca-certificates rpm mandoc dconf-cli
  libclang-rt-14-dev clang-14 valgrind strace librsvg2-common
)

missing=()
for p in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing packages: ${missing[*]}" >&2
    echo "Run this script as root, or install them with apt-get." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Node.js: the machine may already have one (with its own npm); otherwise
# Debian's.
if ! command -v npm >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends nodejs npm
fi

# The OpenID Connect provider of the demo stack and the tests.
if [ ! -d "$here/tests/idp/node_modules/oidc-provider" ]; then
  (cd "$here/tests/idp" && npm ci --no-audit --no-fund --loglevel=error)
fi
