#!/bin/sh
echo '{"DiskFreeGB": 42}'
echo 'something went wrong' >&2
exit 3
