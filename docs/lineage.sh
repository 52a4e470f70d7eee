#!/bin/sh
# docs/lineage.sh - draws the lineage of the example project (what `make lineage` runs).
#
# Starts a rockset-local on a free loopback port, builds the example project
# ($LINEAGE_PROJECT/demo.sql, default sql/examples/demo) into a scratch database with the
# extension, asks rockset_lineage_dot() for the model graph and renders it with Graphviz's dot
# into docs/lineage.dot, docs/lineage.svg and docs/lineage.png. Needs: $B/rockset_ext.so,
# $B/rockset-local, sqlite3, dot (Debian package graphviz).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
B=${B:-build}
case "$B" in /*) ;; *) B="$root/$B" ;; esac
project=${LINEAGE_PROJECT:-sql/examples/demo}
command -v dot >/dev/null || { echo "lineage: Graphviz's dot is missing (apt-get install graphviz)" >&2; exit 1; }
work=$(mktemp -d)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
key="lineage-$$"
"$B/rockset-local" --port 0 --port-file "$work/port" --api-key "$key" 2>"$work/server.log" &
pid=$!
for _ in $(seq 1 100); do
    [ -s "$work/port" ] && break
    sleep 0.05
done
[ -s "$work/port" ] || { echo "lineage: rockset-local did not start; see its log:" >&2; cat "$work/server.log" >&2; exit 1; }
export ROCKSET_APIKEY="$key" ROCKSET_APISERVER="http://127.0.0.1:$(cat "$work/port")"
(cd "$work" && sqlite3 -bail -cmd ".load $B/rockset_ext" -cmd "SELECT rockset_config('quiet', 1)" \
    lineage.db <"$root/$project/demo.sql" >"$work/demo.out" 2>&1) ||
    { echo "lineage: the example project failed; its output:" >&2; cat "$work/demo.out" >&2; exit 1; }
sqlite3 -bail -cmd ".load $B/rockset_ext" "$work/lineage.db" "SELECT rockset_lineage_dot()" \
    >"$work/lineage.dot"
dot -Tsvg "$work/lineage.dot" -o docs/lineage.svg
dot -Tpng "$work/lineage.dot" -o docs/lineage.png
cp "$work/lineage.dot" docs/lineage.dot
echo "lineage: wrote docs/lineage.dot, docs/lineage.svg, docs/lineage.png"
