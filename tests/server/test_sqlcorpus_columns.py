"""The Rockset SQL corpus (tests/sqlcorpus, test_sqlcorpus.py) once more, on a rockset-local
whose column index takes every statement it can answer (--column-scan all --column-min-docs
0): each case must give the corpus's expected answer on both engines (docs/column-index.md).

Lines are "PASS sqlcorpus/columns/<stem>/<case>" (KNOWN_FAILURES applies as in the SQLite run),
then one check that a good part of the corpus really ran on the columns: the count of answers
whose stats.engine was "columns" must reach MIN_ON_COLUMNS. Without a loadable libduckdb the file
prints one SKIP line.
"""
import collections
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import rl  # noqa: E402

# of about 1,350 cases (207 on 2026-11-28, 217 with UNNEST on the columns, 237 with COALESCE,
# the math functions, GREATEST / LEAST, LENGTH and EVERY, 260 with uncorrelated subqueries and
# grouping sets); most use what only SQLite has
MIN_ON_COLUMNS = 255

srv = rl.start_column_server("--column-scan", "all", "--column-min-docs", "0",
                             what="sqlcorpus/columns")
if srv is None:
    sys.exit(0)
os.environ["RS_TEST_URL"] = srv.url
import test_sqlcorpus as corpus  # noqa: E402  (reads RS_TEST_URL when imported)

engines = collections.Counter()
_run_query, _report = corpus.run_query, corpus.report


def run_query(sql, params=None):
    status, body = _run_query(sql, params)
    if isinstance(body, dict) and status == 200:
        engines[(body.get("stats") or {}).get("engine")] += 1
    return status, body


def report(name, ok, why="", engine=True, known=None):
    if known is not None:
        known = {"columns/" + k for k in known}
    _report("columns/" + name, ok, why, engine, known)


corpus.run_query, corpus.report = run_query, report
try:
    corpus.main()
except SystemExit:
    pass
on = engines.get("columns", 0)
ok = on >= MIN_ON_COLUMNS
print(f"{'PASS' if ok else 'FAIL'} sqlcorpus/columns/answered_on_columns"
      + ("" if ok else f": {on} answers on the columns, fewer than {MIN_ON_COLUMNS}"), flush=True)
print(f"sqlcorpus/columns: {on} answers on the columns, {engines.get('rows', 0)} on SQLite",
      flush=True)
