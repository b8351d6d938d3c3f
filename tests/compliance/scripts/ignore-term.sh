#!/bin/sh
# Ignores SIGTERM, so only SIGKILL stops it.
trap '' TERM
while :; do sleep 1; done
