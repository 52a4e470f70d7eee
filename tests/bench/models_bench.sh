#!/usr/bin/env bash
# tests/bench/models_bench.sh - the model runner benchmark: a generated 100-model project run
# with threads=1 and threads=8 against rockset-local with network-like latency (see
# models_bench.py for what is measured). Runnable on its own after `make`:
#   B=build tests/bench/models_bench.sh [--markdown FILE]
# Prints a table (and with --markdown writes it as a markdown section to FILE); exits non-zero when a model failed or threads=8 wall / critical path > 1.5.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
case "$B" in /*) ;; *) B="$root/$B" ;; esac
export B
exec /usr/bin/python3 "$root/tests/bench/models_bench.py" "$@"
