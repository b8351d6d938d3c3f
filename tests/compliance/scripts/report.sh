#!/bin/sh
# A well-behaved discovery script: one JSON object of SettingName → value.
cat <<JSON
{
  "DiskFreeGB": 42,
  "AgentRunning": true,
  "AgentVersion": "2.10.1",
  "Owner": "it-department",
  "LastScan": "2026-11-01T10:00:00Z",
  "Ratio": 0.75
}
JSON
