#!/bin/sh
echo '{"DiskFreeGB": "lots", "AgentRunning": "yes", "AgentVersion": 2, "Owner": 7, "LastScan": "yesterday", "Ratio": [1]}'
