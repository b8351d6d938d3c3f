#!/bin/sh
# Writes without end.
exec yes '{"DiskFreeGB": 42, "padding": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}'
