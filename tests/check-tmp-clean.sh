#!/bin/sh
# check-tmp-clean.sh COMMAND [ARG...]
#
# Runs COMMAND with TMPDIR naming a fresh, empty directory and fails when
# anything is left in it afterwards: test programs must remove their scratch
# directories (g_get_tmp_dir(), mktemp, Python's tempfile all honour TMPDIR).
# COMMAND's output passes through untouched (TAP included); a leftover makes
# the exit status 1 and is listed on stderr. The directory itself goes too,
# unless CP_KEEP_TMP is set (as for the test programs' own directories).
# SPDX-License-Identifier: GPL-3.0-or-later
set -u

if [ $# -eq 0 ]; then
  echo "usage: check-tmp-clean.sh COMMAND [ARG...]" >&2
  exit 2
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/cp-tmp-check.XXXXXX") || exit 1
cleanup() {
  if [ -n "${CP_KEEP_TMP:-}" ]; then
    echo "check-tmp-clean.sh: kept $scratch (CP_KEEP_TMP)" >&2
  else
    rm -rf "$scratch"
  fi
}
# A killed test (meson's timeout) still takes its scratch directory along.
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

rc=0
TMPDIR="$scratch" "$@" || rc=$?

left=$(ls -A "$scratch")
if [ -n "$left" ]; then
  echo "check-tmp-clean.sh: $1 left this in TMPDIR:" >&2
  (cd "$scratch" && find . -maxdepth 2 | sed 1d | sort | head -n 50) >&2
  if [ "$rc" -eq 0 ]; then rc=1; fi
fi
exit "$rc"
