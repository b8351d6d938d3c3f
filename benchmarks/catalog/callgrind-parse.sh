#!/usr/bin/env bash
# Instructions of the catalog parse alone (parse_catalog() in bench-catalog.c:
# the response bytes of N apps to a filled CpAppCatalog), counted by callgrind:
# stable on a noisy machine, unlike wall time.
#
#   benchmarks/catalog/callgrind-parse.sh BENCH_CATALOG [N_APPS]
#   ninja -C build bench-catalog-callgrind
set -euo pipefail

bench=${1:?usage: callgrind-parse.sh path/to/bench-catalog [N_APPS]}
n=${2:-20000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
  --collect-atstart=no --toggle-collect=parse_catalog \
  "$bench" --parse-only "$n" 2> "$out/valgrind.log"
awk -v n="$n" '/^(summary|totals):/ {
  printf "parse_catalog, %s apps: %d instructions (%.0f M)\n", n, $2, $2 / 1e6; exit }' "$out/callgrind.out"
