#!/usr/bin/env bash
# tests/run.sh - the whole test suite (what `make test` runs after building).
#
# 1. C unit tests: every build/tests/**/test_* (tests/unit/ mirrors src/; no network).
# 2. Starts one rockset-local on a free loopback port (--port 0 --port-file) shared by the
#    scenario tests below, and stops it at the end.
# 3. Scenario tests in Python (/usr/bin/python3): tests/lint/test_*.py hold the tree against its
#    map (docs/architecture.md); tests/server/test_*.py drive rockset-local's API alone; tests/e2e/test_*.py load the extension (sqlite3 shell, Python, Tcl) against it. Real HTTP against
#    the server (they may start servers of their own with other flags, on port 0 too).
# 4. SQL scenario tests: tests/sql/*.sql run in the sqlite3 shell with the extension loaded;
#    the output is cut into cases at lines "-- case: <id>" (printed with `.print`) and each case
#    is compared exactly with the same case in the .sql.expected file. A first line
#    "-- server: <flags>" gives the file its own rockset-local with those flags.
#    In the .sql, @URL@ @PORT@ @KEY@ @TMP@ @ROOT@ @B@ are replaced before running.
# 5. The secrets check: the API key used by the run must appear in no output it produced.
#
# Every check prints "PASS <name>" or "FAIL <name>..."; the run ends with "N passed, N failed".
# RS_VALGRIND=1 runs the unit tests and the sqlite3 shell under valgrind memcheck.
# RS_ONLY=<substring> runs only the test files whose path contains it.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
B=${B:-build}
case "$B" in /*) ;; *) B="$root/$B" ;; esac
export B
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
out="$B/test-out"
rm -rf "$out"
mkdir -p "$out"
export RS_TEST_OUT="$out"
export RS_TEST_KEY="rs_test_key_$$_$(date +%s)_Zq9"
passed=0
failed=0
servers=()
VG=()
if [ "${RS_VALGRIND:-0}" = 1 ]; then
    VG=(valgrind -q --keep-debuginfo=yes --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99
        --suppressions="$root/tests/valgrind.supp")
fi

note() { printf '%s\n' "$*"; }

# count FILE: add the PASS/FAIL lines of FILE to the totals and echo the FAIL lines.
count() {
    local p f
    p=$(grep -a -c '^PASS ' "$1" || true)
    f=$(grep -a -c '^FAIL ' "$1" || true)
    passed=$((passed + p))
    failed=$((failed + f))
    grep -a '^FAIL ' "$1" || true
}

selected() { [ -z "${RS_ONLY:-}" ] || [[ "$1" == *"$RS_ONLY"* ]]; }

# start_server NAME [FLAGS...]: starts rockset-local, sets $srv_port and $srv_pid.
start_server() {
    local name=$1
    shift
    local pf="$out/$name.port"
    rm -f "$pf"
    "$B/rockset-local" --port 0 --port-file "$pf" --api-key "$RS_TEST_KEY" "$@" \
        >"$out/$name.server.log" 2>&1 &
    srv_pid=$!
    servers+=("$srv_pid")
    for _ in $(seq 1 200); do
        [ -s "$pf" ] && break
        kill -0 "$srv_pid" 2>/dev/null || break
        sleep 0.05
    done
    srv_port=$(cat "$pf" 2>/dev/null || true)
    [ -n "$srv_port" ]
}

stop_servers() {
    local p
    for p in "${servers[@]}"; do
        kill "$p" 2>/dev/null
    done
    for p in "${servers[@]}"; do
        wait "$p" 2>/dev/null
    done
    servers=()
}
trap stop_servers EXIT

# 1. unit tests
for t in $(find "$B/tests" -type f -name 'test_*' | sort); do
    [ -x "$t" ] || continue
    selected "$t" || continue
    name=$(basename "$t")
    log="$out/unit_$name.log"
    "${VG[@]}" "$t" >"$log" 2>&1
    rc=$?
    count "$log"
    if [ $rc -ne 0 ] && ! grep -aq '^FAIL ' "$log"; then
        note "FAIL unit/$name: exited $rc with no failing check (crash or valgrind error); see $log"
        failed=$((failed + 1))
    fi
done

# 2. the shared server
if ! start_server main --provision-delay-ms 50 --view-sync-delay-ms 50; then
    note "FAIL server/start: rockset-local did not start; see $out/main.server.log"
    failed=$((failed + 1))
    echo "$passed passed, $failed failed"
    exit 1
fi
export RS_TEST_PORT=$srv_port
export RS_TEST_URL="http://127.0.0.1:$srv_port"

# 3. Python scenarios: the server's API, then end to end through the extension
for t in tests/lint/test_*.py tests/server/test_*.py tests/e2e/test_*.py; do
    [ -f "$t" ] || continue
    selected "$t" || continue
    name=$(basename "$t" .py)
    log="$out/$(basename "$(dirname "$t")")_$name.log"
    timeout 600 "$PY" "$t" >"$log" 2>&1
    rc=$?
    count "$log"
    if [ $rc -ne 0 ] && ! grep -aq '^FAIL ' "$log"; then
        note "FAIL $(basename "$(dirname "$t")")/$name: exited $rc with no failing check; see $log"
        tail -5 "$log"
        failed=$((failed + 1))
    fi
done

# 4. SQL scenarios
for t in tests/sql/*.sql; do
    [ -f "$t" ] || continue
    selected "$t" || continue
    name=$(basename "$t" .sql)
    port=$RS_TEST_PORT
    first=$(head -n 1 "$t")
    if [[ "$first" == "-- server:"* ]]; then
        read -r -a flags <<<"${first#-- server:}"
        if ! start_server "sql_$name" "${flags[@]}"; then
            note "FAIL sql/$name: its rockset-local did not start"
            failed=$((failed + 1))
            continue
        fi
        port=$srv_port
    fi
    tmp="$out/sql_$name.tmp"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    sed -e "s|@URL@|http://127.0.0.1:$port|g" -e "s|@PORT@|$port|g" -e "s|@KEY@|$RS_TEST_KEY|g" \
        -e "s|@TMP@|$tmp|g" -e "s|@ROOT@|$root|g" -e "s|@B@|$B|g" "$t" >"$tmp/run.sql"
    log="$out/sql_$name.out"
    (cd "$tmp" && ROCKSET_APIKEY=$RS_TEST_KEY ROCKSET_APISERVER="http://127.0.0.1:$port" \
        HOME="$tmp" timeout 600 "${VG[@]}" sqlite3 -cmd ".load $B/rockset_ext" :memory: \
        <run.sql >"$log" 2>&1)
    rc=$?
    "$PY" tests/sqlcmp.py "sql/$name" "$log" "$t.expected" >"$out/sql_$name.result"
    count "$out/sql_$name.result"
    if [ "${RS_VALGRIND:-0}" = 1 ] && [ $rc -eq 99 ]; then
        note "FAIL sql/$name: valgrind reported errors; see $log"
        failed=$((failed + 1))
    fi
done

# 5. secrets: the key must not appear in anything the run wrote
stop_servers
if grep -rlaF "$RS_TEST_KEY" "$out" --exclude='*.port' >"$out/key-leaks.txt" 2>/dev/null; then
    note "FAIL secrets/api_key_never_written: the API key appears in: $(tr '\n' ' ' <"$out/key-leaks.txt")"
    failed=$((failed + 1))
else
    note "PASS secrets/api_key_never_written"
    passed=$((passed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
