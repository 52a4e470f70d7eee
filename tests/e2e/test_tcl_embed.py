#!/usr/bin/env python3
"""test_tcl_embed.py - the extension loaded into Tcl's sqlite3 package (Debian: tcl,
libsqlite3-tcl).

Writes a Tcl script that opens an in-memory database with `package require sqlite3`, loads
$B/rockset_ext.so with load_extension() and drives the shared rockset-local ($RS_TEST_URL):
version, connect from the environment, a query with a Tcl variable bound as a Rockset
parameter (a 64-bit integer that a double would round), a write with rockset_exec read back
through rockset_query, the catalog table rockset_workspaces, the model tables, and an error
caught with Tcl's catch. The script prints one line per step; this file compares them exactly.

Prints PASS/FAIL lines (tests/run.sh counts them)."""
import os
import shutil
import subprocess
import tempfile

B = os.environ["B"]
URL = os.environ["RS_TEST_URL"]
KEY = os.environ["RS_TEST_KEY"]
failures = 0

SCRIPT = r"""
package require sqlite3
sqlite3 db :memory:
db enable_load_extension 1
db eval {SELECT load_extension($so)}
db enable_load_extension 0
puts "version [db onecolumn {SELECT rockset_version()}]"
puts [db onecolumn {SELECT rockset_connect()}]
set big 9007199254740993
puts "param [db onecolumn {SELECT json_extract(doc, '$.n') FROM rockset_query('SELECT :n AS n', json_object('n', $big))}]"
db eval {SELECT rockset_create_workspace('tcl_ws')}
db eval {SELECT rockset_create_collection('tcl_ws.items')}
set summary [db onecolumn {SELECT rockset_exec('INSERT INTO tcl_ws.items SELECT 1 AS k, ''one'' AS v UNION ALL SELECT 2 AS k, ''two'' AS v')}]
puts "inserted [db onecolumn {SELECT json_extract($summary, '$.num_docs_inserted')}]"
db eval {SELECT json_extract(doc, '$.k') AS k, json_extract(doc, '$.v') AS v FROM rockset_query('SELECT k, v FROM tcl_ws.items ORDER BY k')} {
    puts "row $k $v"
}
puts "workspace [db onecolumn {SELECT count(*) FROM rockset_workspaces WHERE name = 'tcl_ws'}]"
db eval {SELECT rockset_init()}
db eval {INSERT INTO rockset_models (name, sql) VALUES ('m', 'SELECT 1 AS x')}
puts "compiled [db onecolumn {SELECT rockset_compile('m')}]"
if {[catch {db eval {SELECT doc FROM rockset_query('SELECT nope FROM tcl_ws.missing')}} msg]} {
    puts "caught $msg"
}
if {[catch {db eval {SELECT rockset_config('no_such_key')}} msg]} {
    puts "caught $msg"
}
db close
puts done
"""


def check(name, cond, detail=""):
    global failures
    if cond:
        print(f"PASS tcl/{name}")
    else:
        failures += 1
        print(f"FAIL tcl/{name}: {detail}")


def main():
    work = tempfile.mkdtemp(prefix="rs_tcl_")
    try:
        script = os.path.join(work, "embed.tcl")
        with open(script, "w") as f:
            f.write(f"set so {{{os.path.join(B, 'rockset_ext')}}}\n" + SCRIPT)
        env = {"PATH": os.environ["PATH"], "HOME": work, "ROCKSET_APISERVER": URL,
               "ROCKSET_APIKEY": KEY}
        # a sanitizer build (make asan) loads into tclsh only with its runtime preloaded
        env.update({k: v for k, v in os.environ.items()
                    if k in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS")})
        proc = subprocess.run(["tclsh", script], cwd=work, env=env, capture_output=True,
                              text=True, timeout=120)
        lines = proc.stdout.splitlines()
        print("  tclsh output:", *lines, proc.stderr.strip(), sep="\n    ")
        check("tclsh_exits_0", proc.returncode == 0, proc.stderr.strip())
        want = [
            "version 0.1.0",
            f"connected: server {URL}, workspace commons, from environment",
            "param 9007199254740993",
            "inserted 2",
            "row 1 one",
            "row 2 two",
            "workspace 1",
            "compiled SELECT 1 AS x",
            'caught rockset: Collection "missing" does not exist in workspace "tcl_ws" '
            '(QUERY_ERROR, HTTP 400)',
            "caught rockset_config: unknown key 'no_such_key' (valid keys: workspace, threads, "
            "page_size, batch_size, timeout_ms, retries, pushdown, quiet, async)",
            "done",
        ]
        names = ["load_and_version", "connect_from_environment", "tcl_variable_as_parameter",
                 "exec_insert", "query_rows_1", "query_rows_2", "catalog_vtab",
                 "model_tables_and_compile", "error_caught_missing_collection",
                 "error_caught_bad_setting", "close"]
        for i, (name, line) in enumerate(zip(names, want)):
            got = lines[i] if i < len(lines) else None
            check(name, got == line, f"got {got!r} want {line!r}")
        check("key_never_printed", KEY not in proc.stdout + proc.stderr, "the key was printed")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
