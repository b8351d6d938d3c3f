#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a TAP test and turns every other line on its stdout into a TAP
# comment: D-Bus-activated services (the AT-SPI registry) inherit the
# private bus's stdout and print there.
# The Python driver (pyatspi) is not under test: G_DEBUG=fatal-warnings
# would abort it on at-spi's harmless warnings, so only the window gets it
# (tests/a11y/screens.py passes CP_APP_G_DEBUG on).
set -o pipefail
export CP_APP_G_DEBUG="${G_DEBUG:-}"
unset G_DEBUG
"$@" | sed -u -E '/^(ok |not ok |1\.\.|#|Bail out!)/!s/^/# /'
