#!/bin/sh
# with-read-only-dir.sh COMMAND [ARG...]
#
# Runs COMMAND with CP_TEST_READ_ONLY_DIR naming an empty read-only tmpfs,
# mounted in a private user and mount namespace (no root needed where
# unprivileged user namespaces are allowed, the Debian 12 default; nothing is
# visible outside). A Flatpak system installation there cannot be changed,
# which is what a refused polkit authorisation looks like to the agent.
# Where namespaces are not available, reports the test as skipped (TAP).
# SPDX-License-Identifier: GPL-3.0-or-later
set -u

if ! unshare --user --map-root-user --mount true 2>/dev/null; then
  echo "1..0 # SKIP unprivileged user namespaces are not available"
  exit 0
fi

CP_TEST_READ_ONLY_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cp-read-only.XXXXXX") || exit 1
export CP_TEST_READ_ONLY_DIR
# Out here the directory stays empty (the mount is the namespace's): it goes
# however this ends, a timeout's SIGTERM included.
trap 'rmdir "$CP_TEST_READ_ONLY_DIR"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
unshare --user --map-root-user --mount \
  sh -c 'mount -t tmpfs -o ro,size=1m cp-read-only "$CP_TEST_READ_ONLY_DIR" && exec "$@"' sh "$@"
