#!/bin/sh
echo 'DiskFreeGB=42 {not json'
