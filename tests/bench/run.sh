#!/usr/bin/env bash
# tests/bench/run.sh - benchmarks of the `rockset` virtual table (what `make bench` runs).
#
# Starts its own rockset-local (port 0, in memory, no delays), then tests/bench/bench.py loads a
# collection of 1,000,000 small documents (RS_BENCH_QUICK=1: 100,000) and measures, each against
# a baseline that does the same HTTP work without the extension:
#   full scan      SELECT count(*), sum(x) FROM vtab  vs  curl fetching the same query's pages
#                  raw: the query POSTed once, then every page in one curl process over one
#                  keep-alive connection (the median of 3 runs each)
#   point lookups  bytes received for WHERE _id = ... and WHERE x = ...
#   memory         peak RSS of the full scan vs the scan of a collection 10 times smaller
#   bulk insert    INSERT INTO vtab SELECT ... FROM a local table  vs  curl posting the same
#                  prebuilt batches
#   join           requests made joining a 1,000-row local table with a 100,000-doc collection
#   Node client    @rockset/client (npm) paging the same scan, when npm can install it
# Prints a table and writes it to tests/bench/RESULTS.md with the machine (nproc, CPU model)
# (not in quick mode), then runs tests/bench/models_bench.sh (a 100-model project, threads=1 vs 8,
# on servers of its own with network-like latency; it is the same size in quick mode), prints its
# table and appends it to RESULTS.md, then tests/bench/order_bench.py (top-N queries, ORDER BY
# ... LIMIT through the virtual table, pushdown on vs off, on bench.py's collection), whose
# table is appended too, then runs the full differential corpus (tests/e2e/
# test_vtab_differential.py with RS_TEST_FULL=1) against the first server.
# Then tests/bench/index_bench.py (field indexes at two sizes), tests/bench/expr_join_bench.py (a
# join on an expression through a WITH query, with ten times the history), then
# tests/bench/rollup_bench.py (a rollup over 1,000,000 out-of-order events) and
# tests/bench/dashboard/run.py: a CI dashboard's 31 queries at 100,000 and 1,000,000
# documents (small: 10,000 and 100,000), with indexes off, under real-time ingest, and on
# PostgreSQL and DuckDB (make deps-bench); its goals are reported, never asserted, but a
# differing answer or a lost document fails it.
# Exits non-zero when a step failed or the model runner's goal was missed.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
B=${B:-build}
case "$B" in /*) ;; *) B="$root/$B" ;; esac
export B
for f in "$B/rockset-local" "$B/rockset_ext.so"; do
    [ -e "$f" ] || { echo "bench: $f is missing: run make first" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/rs-bench.XXXXXX")
key="bench_key_$$_$RANDOM"
"$B/rockset-local" --port 0 --port-file "$work/port" --api-key "$key" >"$work/server.log" 2>&1 &
server=$!
cleanup() {
    kill "$server" 2>/dev/null
    wait "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 200); do
    [ -s "$work/port" ] && break
    sleep 0.05
done
[ -s "$work/port" ] || { echo "bench: rockset-local did not start" >&2; cat "$work/server.log" >&2; exit 1; }
url="http://127.0.0.1:$(cat "$work/port")"
RS_BENCH_URL="$url" RS_BENCH_KEY="$key" RS_BENCH_WORK="$work" /usr/bin/python3 tests/bench/bench.py
rc=$?
echo "model runner benchmark (tests/bench/models_bench.sh):"
"$root/tests/bench/models_bench.sh" --markdown "$work/models.md"
mrc=$?
if [ -s "$work/models.md" ] && [ "${RS_BENCH_QUICK:-}" != 1 ] && [ $rc -eq 0 ]; then
    { echo; cat "$work/models.md"; } >>"$root/tests/bench/RESULTS.md"
fi
[ $mrc -eq 0 ] || rc=1
# top-N through the virtual table, on the collection bench.py loaded (its x, y, z documents)
echo "top-N benchmark (tests/bench/order_bench.py):"
RS_BENCH_URL="$url" RS_BENCH_KEY="$key" RS_BENCH_ORDER_COLL=bench.big RS_BENCH_MARKDOWN="$work/order.md" \
    /usr/bin/python3 tests/bench/order_bench.py
orc=$?
if [ -s "$work/order.md" ] && [ "${RS_BENCH_QUICK:-}" != 1 ] && [ $rc -eq 0 ]; then
    { echo; cat "$work/order.md"; } >>"$root/tests/bench/RESULTS.md"
fi
[ $orc -eq 0 ] || rc=1
# rockset-local's field indexes: selective filters and top-N at 100,000 vs 1,000,000 documents,
# ingest with and without (docs/indexing.md); servers of its own
echo "field indexes (tests/bench/index_bench.py):"
/usr/bin/python3 tests/bench/index_bench.py "$B/rockset-local" | tee "$work/index.md" || rc=1
if [ -s "$work/index.md" ] && [ "${RS_BENCH_QUICK:-}" != 1 ]; then
    { echo; echo "## rockset-local field indexes (index_bench.py)"; echo; cat "$work/index.md"; } \
        >>"$root/tests/bench/RESULTS.md"
fi
# a join on an expression of a field through a WITH query (HUD's weekly_force_merge_stats), and
# a WHERE on that expression, at a month's documents and with ten times as much history: the
# time's growth, against indexes off
echo "expression join and WHERE (tests/bench/expr_join_bench.py):"
/usr/bin/python3 tests/bench/expr_join_bench.py "$B/rockset-local" | tee "$work/exprjoin.md" || rc=1
if [ -s "$work/exprjoin.md" ] && [ "${RS_BENCH_QUICK:-}" != 1 ]; then
    { echo; echo "## An expression of a field: a join through a WITH query, a WHERE (expr_join_bench.py)"; echo
      cat "$work/exprjoin.md"; } >>"$root/tests/bench/RESULTS.md"
fi
# a rollup over 1,000,000 out-of-order events: its groups vs GROUP BY over the raw events, and
# its ingest rate vs a plain collection's (docs/rockset-local.md); a server of its own
echo "rollup (tests/bench/rollup_bench.py):"
/usr/bin/python3 tests/bench/rollup_bench.py "$B/rockset-local" | tee "$work/rollup.md" || rc=1
if [ -s "$work/rollup.md" ] && [ "${RS_BENCH_QUICK:-}" != 1 ]; then
    { echo; echo "## rockset-local rollups (rollup_bench.py)"; echo; cat "$work/rollup.md"; } \
        >>"$root/tests/bench/RESULTS.md"
fi
# the CI-dashboard workload at two sizes, real time, and its PostgreSQL / DuckDB peers
# (tests/bench/dashboard/README.md); servers of its own; it writes its RESULTS.md section itself
echo "CI dashboard (tests/bench/dashboard/run.py):"
if [ "${RS_BENCH_QUICK:-}" = 1 ]; then
    /usr/bin/python3 tests/bench/dashboard/run.py --size small || rc=1
else
    /usr/bin/python3 tests/bench/dashboard/run.py --size full --results || rc=1
fi
# the full differential corpus (pushdown on / off / plain SQLite must agree), on the same server
echo "differential corpus (RS_TEST_FULL=1):"
RS_TEST_URL="$url" RS_TEST_KEY="$key" RS_TEST_OUT="$work" RS_TEST_FULL=1 \
    /usr/bin/python3 tests/e2e/test_vtab_differential.py >"$work/diff.log" 2>&1 || rc=1
grep '^FAIL' "$work/diff.log" | head -20
tail -n 1 "$work/diff.log"
exit $rc
