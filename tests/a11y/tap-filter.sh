#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a TAP test and turns every other line on its stdout into a TAP
# comment: D-Bus-activated services (the AT-SPI registry) inherit the
# private bus's stdout and print there.
set -o pipefail
"$@" | sed -u -E '/^(ok |not ok |1\.\.|#|Bail out!)/!s/^/# /'
