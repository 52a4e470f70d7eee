"""The differential test of rockset-local's SQL against SQLite (test_sql_differential.py) once
more, on a rockset-local whose column index takes every statement it can answer
(--column-scan all --column-min-docs 0): generated aggregates, windows, arithmetic and string
queries answered by DuckDB must equal SQLite's answers exactly, as the SQLite engine's do. Strict:
a difference is a FAIL. Then one check that most aggregate queries really ran on the columns.
Without a loadable libduckdb the file prints one SKIP line.
"""
import collections
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import rl  # noqa: E402

MIN_ON_COLUMNS = 60  # of 300 generated queries (most use string functions only SQLite has)

srv = rl.start_column_server("--column-scan", "all", "--column-min-docs", "0",
                             what="sqldiff/columns")
if srv is None:
    sys.exit(0)
os.environ["RS_TEST_URL"] = srv.url
os.environ["RS_SQLCORPUS_STRICT"] = "1"
import test_sql_differential as diff  # noqa: E402  (reads the environment when imported)

engines = collections.Counter()
_run_query, _report = diff.corpus.run_query, diff.report


def run_query(sql, params=None):
    status, body = _run_query(sql, params)
    if isinstance(body, dict) and status == 200:
        engines[(body.get("stats") or {}).get("engine")] += 1
    return status, body


def report(name, ok, why="", engine=True):
    _report("columns/" + name, ok, why, engine)


diff.corpus.run_query, diff.report = run_query, report
diff.main()
on = engines.get("columns", 0)
ok = on >= MIN_ON_COLUMNS
print(f"{'PASS' if ok else 'FAIL'} sqldiff/columns/answered_on_columns"
      + ("" if ok else f": {on} answers on the columns, fewer than {MIN_ON_COLUMNS}"), flush=True)
print(f"sqldiff/columns: {on} answers on the columns, {engines.get('rows', 0)} on SQLite",
      flush=True)
