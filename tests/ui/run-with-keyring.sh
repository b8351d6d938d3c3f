#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a UI test under tests/harness/with-keyring.sh with its TAP on fd 3:
# the services the private bus activates (the AT-SPI registry) inherit the
# bus's stdout and print to it, which would break the TAP stream.
#   run-with-keyring.sh [with-keyring.sh options] COMMAND [ARGS...]
exec 3>&1 1>&2
CP_TAP_FD=3 exec "$(dirname "$0")/../harness/with-keyring.sh" "$@"
