#!/usr/bin/env bash
# mk/check.sh - runs tests/run.sh on an instrumented build and judges the memory checkers' logs
# (what `make check-asan` and `make check-valgrind` run after building; see mk/check.mk).
#
#   mk/check.sh asan B        B was built with -fsanitize=address,undefined
#   mk/check.sh valgrind B    B is a normal -O2 -g build
#
# asan: the stock sqlite3 shell, python3 and tclsh are not instrumented, so the whole suite runs
# with LD_PRELOAD of gcc's libasan and of a dlclose() that does nothing (hosts unload the
# extension when they close a database, before LeakSanitizer runs at exit; unloaded frames
# cannot be named). PATH shims adjust two programs: tclsh gets both back (the Tcl test starts it
# with a cleared environment) and curl runs without them (it deadlocks in setlocale, via
# p11-kit, when libasan is preloaded; the SQL scenarios call it through .shell).
# Sanitizer reports go to files (log_path) instead of stderr, so that a report from a process
# whose output nobody reads (a server, a child of a python test) still counts. Leaks do not
# change exit codes (python, cc1, date... leak at exit by design); instead a leak counts when
# its allocation stack passes through our code (a frame in src/, ext/, tests/ or a binary of
# $B; see our_leaks). Every AddressSanitizer error and UBSan runtime error counts.
#
# valgrind: tests/run.sh's RS_VALGRIND=1 runs unit tests and the sqlite3 shell under memcheck;
# rockset-local is added by running the suite on a "view" of B (symlinks to everything) whose
# rockset-local is a script exec'ing valgrind on the real binary, logging to files that are
# then scanned for errors and definite leaks (servers are stopped with SIGTERM, so memcheck's
# exit-time leak check runs).
#
# Prints the suite's lines (ending "N passed, N failed"), then one PASS/FAIL line per checker
# verdict and a summary line; exits non-zero when the suite or any verdict failed.
set -u
mode=${1:?usage: mk/check.sh asan|valgrind BUILD_DIR}
B=${2:?usage: mk/check.sh asan|valgrind BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
case "$B" in /*) ;; *) B="$root/$B" ;; esac

logs="$B/checker-logs"
rm -rf "$logs"
mkdir -p "$logs"
extra_fail=0
extra_pass=0

verdict() { # verdict NAME OK DETAIL
    if [ "$2" = 1 ]; then
        echo "PASS check/$mode/$1"
        extra_pass=$((extra_pass + 1))
    else
        echo "FAIL check/$mode/$1: $3"
        extra_fail=$((extra_fail + 1))
    fi
}

# Leak blocks of LeakSanitizer reports (in files $@, named <prefix>.<exe>.<pid>) whose stack has
# a frame in our code. In the hosts of the extension (sqlite3, python3, tclsh) a frame of an
# "<unknown module>" counts too, in case a library was unloaded after all (see nodlclose.so).
# Elsewhere (e.g. ld's plugins) they do not count.
our_leaks() {
    awk -v root="$root" -v b="$B" '
        FNR == 1 {
            exe = FILENAME
            sub(/^.*\//, "", exe)
            sub(/^[^.]*\./, "", exe)
            sub(/\.[0-9]+$/, "", exe)
            host = (exe ~ /^(sqlite3|python3.*|tclsh.*)$/)
        }
        /^(Direct|Indirect) leak of / {
            inblk = 1; blk = $0 "\n"; ours = 0; direct = ($1 == "Direct"); next
        }
        inblk && /^ *#[0-9]+ / {
            blk = blk $0 "\n"
            if (index($0, root "/") || index($0, b "/") ||
                $0 ~ /[ (](src|ext|tests)\/[^ ]*\.[ch]:[0-9]+/ ||
                (host && index($0, "(<unknown module>)")))
                ours = 1
            next
        }
        inblk { if (ours && direct) { printf "%s(in %s)\n\n", blk, FILENAME; n++ } inblk = 0 }
        END { if (inblk && ours && direct) { printf "%s(in %s)\n\n", blk, FILENAME; n++ } }
    ' "$@"
}

run_asan() {
    local asan_rt shim real_tcl real_curl
    asan_rt=$(cc -print-file-name=libasan.so)
    shim="$B/check-shim"
    rm -rf "$shim"
    mkdir -p "$shim"
    # sqlite3 (and python) unload the extension when they close a database, before
    # LeakSanitizer runs at exit, and frames of an unloaded library cannot be named (or get
    # another library's name). A preloaded dlclose() that does nothing keeps every library
    # mapped until exit, so leaks are reported with our file names.
    printf '%s\n' '/* made by mk/check.sh: keep every library mapped until exit */' \
        'int dlclose(void *handle);' 'int dlclose(void *handle) { (void)handle; return 0; }' \
        >"$shim/nodlclose.c"
    cc -shared -fPIC -O1 -o "$shim/nodlclose.so" "$shim/nodlclose.c" || return 1
    export LD_PRELOAD="$asan_rt:$shim/nodlclose.so"
    export ASAN_OPTIONS="log_path=$logs/asan:log_exe_name=1:detect_leaks=1:halt_on_error=1"
    export LSAN_OPTIONS="exitcode=0"
    export UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=1"
    real_tcl=$(command -v tclsh || true)
    if [ -n "$real_tcl" ]; then
        cat >"$shim/tclsh" <<EOF
#!/bin/sh
# made by mk/check.sh: the Tcl test clears the environment; put the ASan runtime back
export LD_PRELOAD='$LD_PRELOAD' ASAN_OPTIONS='$ASAN_OPTIONS'
export LSAN_OPTIONS='$LSAN_OPTIONS' UBSAN_OPTIONS='$UBSAN_OPTIONS'
exec '$real_tcl' "\$@"
EOF
        chmod +x "$shim/tclsh"
    fi
    real_curl=$(command -v curl || true)
    if [ -n "$real_curl" ]; then
        cat >"$shim/curl" <<EOF
#!/bin/sh
# made by mk/check.sh: curl deadlocks in setlocale when libasan is preloaded; run it plain
unset LD_PRELOAD
exec '$real_curl' "\$@"
EOF
        chmod +x "$shim/curl"
    fi
    PATH="$shim:$PATH" B="$B" tests/run.sh
    suite_rc=$?
    unset LD_PRELOAD ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS

    local errors leaks ub files
    files=$(find "$logs" -type f | sort)
    if [ -z "$files" ]; then
        errors=""
        leaks=""
        ub=""
    else
        # shellcheck disable=SC2086
        errors=$(grep -l "ERROR: AddressSanitizer" $files || true)
        # shellcheck disable=SC2086
        ub=$(grep -l "runtime error:" $files || true)
        # shellcheck disable=SC2086
        leaks=$(our_leaks $files)
    fi
    verdict no_memory_errors "$([ -z "$errors" ] && echo 1 || echo 0)" \
        "AddressSanitizer reports in: $(echo $errors)"
    for f in $errors; do sed -n '1,40p' "$f"; done
    verdict no_undefined_behaviour "$([ -z "$ub" ] && echo 1 || echo 0)" \
        "UBSan reports in: $(echo $ub)"
    for f in $ub; do sed -n '1,20p' "$f"; done
    verdict no_leaks_in_our_code "$([ -z "$leaks" ] && echo 1 || echo 0)" \
        "$(printf '%s\n' "$leaks" | grep -c '^Direct leak') leak(s) with a frame in our code:"
    [ -n "$leaks" ] && printf '%s\n' "$leaks" | head -80
}

run_valgrind() {
    local view="$B/check-view" e name
    rm -rf "$view"
    mkdir -p "$view"
    for e in "$B"/*; do
        name=$(basename "$e")
        case "$name" in
        rockset-local | test-out | check-view | checker-logs | check-shim) ;;
        *) ln -s "$e" "$view/$name" ;;
        esac
    done
    # --fair-sched: valgrind runs one thread at a time, and its default lock lets a CPU-bound
    # query thread keep the CPU, so a concurrent quick query would wait for it to finish.
    # DuckDB's library (the column index, docs/column-index.md) is not run under valgrind: 70 MB
    # of uninstrumented code with its own threads and allocator would take minutes per server
    # start. The servers run SQLite only here (the column tests say SKIP); the ASan run and
    # test_duck (its unit test, run under valgrind) cover our side of it.
    cat >"$view/rockset-local" <<EOF
#!/bin/sh
# made by mk/check.sh: rockset-local under valgrind memcheck, one log per process
export RL_DUCKDB_LIB=/nonexistent/not-under-valgrind/libduckdb.so
exec valgrind -q --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \\
    --error-exitcode=99 --keep-debuginfo=yes --fair-sched=yes \\
    --suppressions='$root/tests/valgrind.supp' --log-file='$logs/rockset-local.%p' \\
    '$B/rockset-local' "\$@"
EOF
    chmod +x "$view/rockset-local"
    RS_VALGRIND=1 B="$view" tests/run.sh
    suite_rc=$?
    rm -rf "$B/test-out"
    mv "$view/test-out" "$B/test-out" 2>/dev/null

    local bad n f
    n=$(find "$logs" -name 'rockset-local.*' -type f | wc -l)
    bad=""
    for f in "$logs"/rockset-local.*; do
        [ -f "$f" ] || continue
        # with -q and --show-leak-kinds=definite memcheck writes only errors and definite leaks
        if [ -s "$f" ]; then
            bad="$bad $f"
        fi
    done
    echo "note: rockset-local ran $n times under memcheck"
    verdict rockset_local_clean "$([ -z "$bad" ] && [ "$n" -gt 0 ] && echo 1 || echo 0)" \
        "memcheck reports in:$bad (${n} server logs)"
    for f in $bad; do sed -n '1,60p' "$f"; done
}

suite_rc=0
case "$mode" in
asan) run_asan ;;
valgrind) run_valgrind ;;
*)
    echo "usage: mk/check.sh asan|valgrind BUILD_DIR" >&2
    exit 2
    ;;
esac
echo "check $mode: $extra_pass verdicts passed, $extra_fail failed (suite exit status $suite_rc)"
[ "$suite_rc" -eq 0 ] && [ "$extra_fail" -eq 0 ]
