echo '{"DiskFreeGB": 42}'
