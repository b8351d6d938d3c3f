#!/bin/sh
# Never finishes; its child keeps stdout open too.
sleep 600 &
sleep 600
