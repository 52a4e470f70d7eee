#!/usr/bin/env bash
# tests/demo.sh - what `make demo` runs: starts a rockset-local on a free loopback port, loads the
# extension in the sqlite3 shell, builds the demo project in sql/examples/demo against it, and
# queries the results back. Everything stays on this machine; the server is stopped at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
B=${B:-build}
case "$B" in /*) ;; *) B="$root/$B" ;; esac
work=$(mktemp -d)
key="demo-key-$$"
cleanup() {
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
"$B/rockset-local" --port 0 --port-file "$work/port" --api-key "$key" \
    --provision-delay-ms 100 --view-sync-delay-ms 50 2>"$work/server.log" &
pid=$!
for _ in $(seq 1 100); do
    [ -s "$work/port" ] && break
    sleep 0.05
done
port=$(cat "$work/port")
echo "rockset-local listening on http://127.0.0.1:$port"
export ROCKSET_APIKEY="$key" ROCKSET_APISERVER="http://127.0.0.1:$port"
cd "$work"
sqlite3 -bail -cmd ".load $B/rockset_ext" -cmd ".headers on" -cmd ".mode box" demo.db \
    <"$root/sql/examples/demo/demo.sql"
