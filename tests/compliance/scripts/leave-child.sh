#!/bin/sh
# Exits at once, but leaves a child behind that holds stdout open.
sleep 600 &
echo $! > "$CP_TEST_PIDFILE"
echo '{"DiskFreeGB": 42}'
