#!/bin/sh
# Runs a test program with CP_SMALL_FS set to a 2 MB tmpfs, mounted in a
# private user and mount namespace: no root needed where unprivileged user
# namespaces are allowed (the Debian 12 default), nothing visible outside.
# Where they are not, reports the test as skipped (TAP).
# Usage: run-small-fs.sh PROGRAM [ARGS...]
# SPDX-License-Identifier: GPL-3.0-or-later
set -u

if ! unshare --user --map-root-user --mount true 2>/dev/null; then
  echo "1..0 # SKIP unprivileged user namespaces are not available"
  exit 0
fi

CP_SMALL_FS=$(mktemp -d "${TMPDIR:-/tmp}/cp-small-fs.XXXXXX") || exit 1
export CP_SMALL_FS
# Out here the directory stays empty (the mount is the namespace's): it goes
# however this ends, a timeout's SIGTERM included.
trap 'rmdir "$CP_SMALL_FS"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
unshare --user --map-root-user --mount \
  sh -c 'mount -t tmpfs -o size=2m cp-small-fs "$CP_SMALL_FS" && exec "$@"' sh "$@"
