"""The column index (docs/column-index.md): rockset-local's column replica of every collection
in DuckDB, which answers aggregates, and the rules that keep its answers Rockset's.

Each case starts its own rockset-local with the column index on. Every query below runs twice,
once with HINT(access_path = column_scan) and once with HINT(access_path = index_filter) on its
collection, and the two answers must be equal; stats.engine says which engine answered, and the
cases say which queries must be on the columns and which must stay on SQLite (and why).

Without a loadable libduckdb (`make deps` fetches it) the server runs SQLite only: the cases
that need DuckDB print one SKIP line saying so, and the mode cases still run.
"""
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import case, check, check_match, uniq  # noqa: E402

rl.set_prefix("colidx")

WS = "cx"


def has_duckdb():
    srv = rl.start_column_server(what="colidx")
    if srv is None:
        return False, ["libduckdb could not be loaded"]
    srv.stop()
    return True, []


DUCK, WHY = has_duckdb()


class Srv:
    """A rockset-local of a case, with helpers bound to its URL."""

    def __init__(self, *flags, env=None):
        self.s = rl.start_server(*flags, env=env)
        self.url = self.s.url
        # a new store's replica is built by its worker, and until that ends every query stays
        # on SQLite (is_building): on a loaded machine a case's first aggregate could come first
        # (a store reopened with its replica caught up is not rebuilt: the restart case)
        if "--column-index" in flags and "off" not in flags and "--data" not in flags:
            rl.poll(self.s.log, lambda log: "column index built" in log, timeout=60)
        r = rl.post("/v1/orgs/self/ws", {"name": WS}, url=self.url)
        if r.status not in (200, 409):
            raise RuntimeError(repr(r))

    def coll(self, name):
        rl.make_coll(WS, name, url=self.url)
        return name

    def add(self, coll, docs):
        r = rl.add_docs(WS, coll, docs, url=self.url)
        rl.wait_fence(WS, coll, r.body["last_offset"], url=self.url)
        return r

    def query(self, sql, params=None):
        return rl.query(sql, params, url=self.url)

    def both(self, sql, params=None):
        """(columns response, SQLite response) of sql, whose collection is written {c}."""
        col = self.query(sql.format(c="HINT(access_path = column_scan)"), params)
        row = self.query(sql.format(c="HINT(access_path = index_filter)"), params)
        return col, row


def engine(r):
    return ((r.body or {}).get("stats") or {}).get("engine")


def same(name, srv, sql, params=None, on_columns=True):
    """The query's answer is the same on both engines; on_columns: the hint reached the columns
    (else it must have stayed on SQLite)."""
    col, row = srv.both(sql, params)
    ok = col.status == 200 and row.status == 200
    check(f"{name}/answers", ok and col.body["results"] == row.body["results"],
          f"columns {col.status} {json.dumps((col.body or {}).get('results'))[:600]}\n"
          f"sqlite {row.status} {json.dumps((row.body or {}).get('results'))[:600]}")
    want = "columns" if on_columns else "rows"
    if not check(f"{name}/engine", engine(col) == want and engine(row) == "rows",
                 f"wanted {want}: {engine(col)} / {engine(row)}"):
        r = srv.query("EXPLAIN " + sql.format(c="HINT(access_path = column_scan)"), params)
        print(f"  EXPLAIN: {json.dumps((r.body or {}).get('results'))[-400:]}")
    return col.body.get("results") if ok else None


def jobs(n, start=0):
    """n CI-job documents: ints, floats, strings, ISO strings, a nested object, nulls, a field
    missing from some, booleans, an array."""
    out = []
    for i in range(start, start + n):
        d = {"_id": f"j{i:05d}", "n": i, "dur": (i % 17) * 1.5, "name": f"job-{i % 7}",
             "status": ["completed", "queued", "in_progress"][i % 3],
             "started_at": f"2024-03-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
             "completed_at": f"2024-03-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:30.5Z",
             "repo": {"name": f"r{i % 4}", "owner": {"id": i % 3}},
             "ok": i % 5 != 0, "labels": ["a", f"l{i % 3}"], "run_id": i % 50,
             "_event_time": f"2024-03-{1 + i % 28:02d}T{(i * 7) % 24:02d}:{i % 60:02d}:00.000000Z"}
        if i % 4 == 0:
            d["conclusion"] = None
        elif i % 4 == 1:
            d["conclusion"] = "failure"
        else:
            d["conclusion"] = "success"
        if i % 10 != 0:
            d["branch"] = "main" if i % 3 else "dev"
        if i % 3 == 0:
            d["info"] = {"line": f"l{i % 4}"}
        elif i % 3 == 1:
            d["info"] = None
        if i % 5 == 1:
            d["tags"] = ["x"]
        out.append(d)
    return out


def jobs_server(n, *flags):
    """A case's server, the column index on (flags after), whose collection cx.jobs holds jobs(n),
    added in batches of 5,000."""
    srv = Srv("--column-index", "on", *flags)
    srv.coll("jobs")
    for start in range(0, n, 5000):
        srv.add("jobs", jobs(min(5000, n - start), start=start))
    return srv


QUERIES = [
    ("count", "SELECT COUNT(*) AS n FROM cx.jobs {c}"),
    ("group_count",
     "SELECT name, COUNT(*) AS n, SUM(n) AS s, MIN(dur) AS lo, MAX(dur) AS hi, AVG(n) AS mean"
     " FROM cx.jobs {c} GROUP BY name ORDER BY name"),
    ("nested_key",
     "SELECT j.repo.name AS repo, j.repo.owner.id AS owner, COUNT(*) AS n FROM cx.jobs j {c}"
     " GROUP BY j.repo.name, j.repo.owner.id ORDER BY repo, owner"),
    ("where_and_or",
     "SELECT status, COUNT(*) AS n FROM cx.jobs {c} WHERE (n > 10 AND dur <= 12.0)"
     " OR name IN ('job-1', 'job-3') GROUP BY status ORDER BY n DESC, status"),
    ("undefined_key",  # branch is missing from some documents, never null: undefined groups
     "SELECT branch, COUNT(*) AS n FROM cx.jobs {c} GROUP BY branch ORDER BY branch"),
    ("null_key",  # conclusion is null in some documents, never missing
     "SELECT conclusion, COUNT(*) AS n, COUNT(conclusion) AS c FROM cx.jobs {c}"
     " GROUP BY conclusion ORDER BY conclusion DESC"),
    ("date_trunc",
     "SELECT DATE_TRUNC('day', _event_time) AS day, COUNT(*) AS n FROM cx.jobs {c}"
     " WHERE _event_time >= TIMESTAMP '2024-03-05' AND _event_time < TIMESTAMP '2024-03-12'"
     " GROUP BY DATE_TRUNC('day', _event_time) ORDER BY day"),
    ("iso_strings",
     "SELECT name, MAX(DATE_DIFF('second', PARSE_TIMESTAMP_ISO8601(started_at),"
     " PARSE_TIMESTAMP_ISO8601(completed_at))) AS longest,"
     " AVG(DATE_DIFF('millisecond', PARSE_TIMESTAMP_ISO8601(started_at),"
     " PARSE_TIMESTAMP_ISO8601(completed_at))) AS mean_ms FROM cx.jobs {c}"
     " WHERE PARSE_TIMESTAMP_ISO8601(completed_at) > TIMESTAMP '2024-03-20'"
     " GROUP BY name ORDER BY name"),
    ("params",
     "SELECT name, COUNT(*) AS n FROM cx.jobs {c} WHERE _event_time > PARSE_TIMESTAMP_ISO8601(:t)"
     " AND n >= :lo GROUP BY name HAVING COUNT(*) > :k ORDER BY n DESC, name LIMIT :lim"),
    ("count_if_bool",
     "SELECT name, COUNT_IF(conclusion = 'failure') AS failed, BOOL_OR(ok) AS any_ok,"
     " BOOL_AND(ok) AS all_ok FROM cx.jobs {c} GROUP BY name ORDER BY name"),
    ("ratio",
     "SELECT name, COUNT_IF(conclusion = 'failure') * 1.0 / COUNT(*) AS rate, SUM(n) / 3 AS third"
     " FROM cx.jobs {c} GROUP BY name ORDER BY rate DESC, name"),
    ("percentile",
     "SELECT name, PERCENTILE(dur, 0.5) AS p50, PERCENTILE(n, 0.9) AS p90, PERCENTILE(n, 0) AS p0"
     " FROM cx.jobs {c} GROUP BY name ORDER BY name"),
    ("distinct",
     "SELECT COUNT(DISTINCT name) AS names, COUNT(DISTINCT repo.name) AS repos FROM cx.jobs {c}"),
    ("like_split",
     "SELECT SPLIT_PART(name, '-', 2) AS k, SPLIT_PART(name, '-', 5) AS none, COUNT(*) AS n"
     " FROM cx.jobs {c} WHERE name NOT LIKE '%-0' AND status LIKE 'comp%'"
     " GROUP BY SPLIT_PART(name, '-', 2), SPLIT_PART(name, '-', 5) ORDER BY k"),
    ("case_between",
     "SELECT CASE WHEN n BETWEEN 10 AND 50 THEN 'mid' WHEN n > 50 THEN 'high' ELSE 'low' END"
     " AS band, COUNT(*) AS n FROM cx.jobs {c} GROUP BY 1 ORDER BY 1"),
    ("if_chain",  # q34's shape: IF in a WITH query read by another, then grouped
     "WITH t AS (SELECT name, n, IF(conclusion = 'failure', n, 0) AS failed_dur,"
     " IF(n > 50, 'high') AS band FROM cx.jobs {c}), u AS (SELECT name, failed_dur, band,"
     " IF(band IS NULL, 'low', band) AS b2 FROM t)"
     " SELECT name, b2, COUNT(*) AS k, SUM(failed_dur) AS f, COUNT(band) AS banded FROM u"
     " GROUP BY name, b2 ORDER BY name, b2"),
    ("cte_window",
     "WITH d AS (SELECT DATE_TRUNC('day', _event_time) AS day, COUNT(*) AS jobs"
     " FROM cx.jobs {c} GROUP BY DATE_TRUNC('day', _event_time))"
     " SELECT day, jobs, SUM(jobs) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND"
     " CURRENT ROW) AS total, AVG(jobs) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT"
     " ROW) AS mean7, ROW_NUMBER() OVER (ORDER BY jobs DESC, day) AS rk FROM d ORDER BY day"),
    ("subquery_from",
     "SELECT s.name, s.total FROM (SELECT name, SUM(n) AS total FROM cx.jobs {c} GROUP BY name)"
     " s WHERE s.total > 100 ORDER BY s.total DESC"),
    ("distinct_rows",
     "SELECT DISTINCT status, name FROM cx.jobs {c} WHERE n < 30 ORDER BY status, name"),
    ("is_null",
     "SELECT COUNT(*) AS n FROM cx.jobs {c} WHERE conclusion IS NULL OR branch IS NULL"),
    ("empty_group",
     "SELECT name, COUNT(*) AS n, MAX(dur) AS m FROM cx.jobs {c} WHERE n < 0 GROUP BY name"),
    ("empty_total", "SELECT COUNT(*) AS n, SUM(dur) AS s, MAX(name) AS m FROM cx.jobs {c}"
     " WHERE n < 0"),
    ("lag_lead",  # transitions per name, as the dashboard's broken-trunk query
     "WITH t AS (SELECT name, conclusion, LAG(conclusion) OVER (PARTITION BY name ORDER BY n)"
     " AS prev, LEAD(n, 2, -1) OVER (PARTITION BY name ORDER BY n) AS next2 FROM cx.jobs {c})"
     " SELECT name, COUNT(*) AS breaks, MAX(next2) AS m FROM t WHERE conclusion = 'failure'"
     " AND prev = 'success' GROUP BY name ORDER BY name"),
    ("approx_percentile",
     "SELECT name, APPROX_PERCENTILE(n, 0.5) AS p50, APPROX_PERCENTILE(dur, 0.9, 0.01) AS p90"
     " FROM cx.jobs {c} GROUP BY name ORDER BY name"),
    ("datetime_and_date_constants",
     "SELECT COUNT(*) AS n, COUNT_IF(_event_time < DATE '2024-03-10') AS early FROM cx.jobs {c}"
     " WHERE _event_time >= PARSE_DATETIME_ISO8601(:t)"),
    ("object_presence",  # an object or array field, null or missing in some documents
     "SELECT status, COUNT(*) AS n FROM cx.jobs {c} WHERE info IS NOT NULL AND tags IS NULL"
     " AND repo IS NOT NULL GROUP BY status ORDER BY status"),
    # Rockset functions HUD's lambdas group and filter by, printed for DuckDB
    ("concat",  # null when any argument is null; an int by its digits
     "SELECT CONCAT(name, ' / ', status, '#', run_id) AS k, CONCAT(name, conclusion) AS c,"
     " COUNT(*) AS n FROM cx.jobs {c} WHERE n < 60 GROUP BY k, c ORDER BY k, c"),
    ("concat_operator",
     "SELECT name || '-' || status AS k, COUNT(*) AS n FROM cx.jobs {c}"
     " WHERE branch || 'x' = 'mainx' GROUP BY k ORDER BY k"),
    ("format_iso8601",
     "SELECT FORMAT_ISO8601(DATE_TRUNC('day', PARSE_TIMESTAMP_ISO8601(completed_at))) AS d,"
     " MAX(FORMAT_ISO8601(PARSE_TIMESTAMP_ISO8601(completed_at))) AS last, COUNT(*) AS n"
     " FROM cx.jobs {c} GROUP BY d ORDER BY d"),
    ("at_time_zone",  # wall times in Los Angeles across its DST change on 2024-03-10
     "SELECT FORMAT_ISO8601(DATE_TRUNC('hour', PARSE_TIMESTAMP_ISO8601(completed_at) AT TIME ZONE"
     " 'America/Los_Angeles')) AS h, MAX(DATE_DIFF('second', PARSE_TIMESTAMP_ISO8601(started_at)"
     " AT TIME ZONE 'America/Los_Angeles', PARSE_TIMESTAMP_ISO8601(completed_at) AT TIME ZONE"
     " 'America/Los_Angeles')) AS d, COUNT(*) AS n FROM cx.jobs {c} GROUP BY h ORDER BY h"),
    ("array_contains_list",  # a list parameter; false, never null, for a null or missing name
     "SELECT name, COUNT(*) AS n, COUNT_IF(ARRAY_CONTAINS(['failure', 'x'], conclusion)) AS f"
     " FROM cx.jobs {c} WHERE ARRAY_CONTAINS(SPLIT(:names, ','), name) GROUP BY name"
     " ORDER BY name"),
    ("array_contains_ints",
     "SELECT COUNT(*) AS n, COUNT_IF(ARRAY_CONTAINS([1, 3, 5], run_id)) AS r FROM cx.jobs {c}"),
    # ARRAY_AGG with its ORDER BY: numbers (1e-07 and 2.0 written in the runtime's forms),
    # strings with escapes, booleans, nulls kept (a missing branch written null), a group's
    # IF(...) with its nulls; an empty result is null
    ("array_agg",
     "SELECT name, ARRAY_AGG(n ORDER BY n DESC) AS ns, ARRAY_AGG(dur * 1e-7 ORDER BY n) AS tiny,"
     " ARRAY_AGG(branch ORDER BY n) AS branches, ARRAY_AGG(ok ORDER BY n DESC) AS oks,"
     " ARRAY_AGG(IF(conclusion = 'failure', CONCAT(status, '\\\"x'), NULL) ORDER BY n) AS f"
     " FROM cx.jobs {c} WHERE n < 200 GROUP BY name ORDER BY name"),
    ("array_agg_nulls_order",  # conclusion's nulls first ascending (Rockset's order), ties by n
     "SELECT repo.name AS r, ARRAY_AGG(conclusion ORDER BY conclusion, n DESC) AS c,"
     " COUNT(*) AS k FROM cx.jobs {c} WHERE n < 120 GROUP BY repo.name ORDER BY r"),
    ("array_agg_empty",
     "SELECT ARRAY_AGG(name ORDER BY n) AS a, COUNT(*) AS n FROM cx.jobs {c} WHERE n < 0"),
    # conditional and math functions (fn_cond.c, fn_math.c): COALESCE past a missing branch
    # and a null conclusion (all of them nullish: null), NULLIF, ABS of ints and floats, FLOOR
    # and CEIL of negative values, TRUNC at digits both ways, % and MOD of ints and floats with
    # negative dividends, GREATEST / LEAST with a null argument, LENGTH, EVERY
    ("coalesce_nullif",
     "SELECT n, COALESCE(branch, conclusion, 'none') AS c, IFNULL(conclusion, branch) AS i,"
     " COALESCE(conclusion) AS one, NULLIF(run_id, 3) AS r, NULLIF(name, 'job-2') AS m,"
     " NULLIF(dur, 4.5) AS d FROM cx.jobs {c} WHERE n < 30 ORDER BY n"),
    ("math_functions",
     "SELECT n, ABS(n - 200) AS a, ABS(dur - 10.5) AS af, FLOOR(dur / 4 - 3) AS fl,"
     " CEIL(0.5 - dur) AS ce, CEILING(n / 7) AS cg, TRUNC(dur * -1.37, 1) AS t1,"
     " TRUNC(n * 13.7, -2) AS t2, TRUNCATE(dur - 7.25) AS t0, (n - 200) % 7 AS m,"
     " MOD(dur - 12.0, 2.5) AS mf, n % 3.5 AS mx FROM cx.jobs {c} WHERE n % 9 = 0 ORDER BY n"),
    ("greatest_least_every",
     "SELECT name, MAX(GREATEST(n, run_id * 9)) AS g, MIN(LEAST(dur, 3.0)) AS l,"
     " MAX(LENGTH(name)) AS len, MIN(LEAST(conclusion, status)) AS s,"
     " COUNT(GREATEST(started_at, completed_at, conclusion)) AS k, MAX(GREATEST(ok, n > 390))"
     " AS b, EVERY(ok) AS e, EVERY(n >= 0) AS all_pos FROM cx.jobs {c} GROUP BY name"
     " ORDER BY name"),
    ("length_code_points", "SELECT w, LENGTH(w) AS n FROM cx.words {c} ORDER BY w"),
    # subqueries that read nothing of the query around them: IN of another collection's ids
    # and of a grouped subquery's names; NOT IN a set holding a null (null, not true, for the
    # values it does not hold) and an empty set (true, a null value too); a scalar AVG and MIN
    ("in_subquery",
     "SELECT name, COUNT(*) AS n, COUNT_IF(run_id IN (SELECT id FROM cx.runs WHERE id < 20))"
     " AS r, COUNT_IF(conclusion NOT IN (SELECT conclusion FROM cx.jobs WHERE n IN (0, 1)))"
     " AS nn, COUNT_IF(conclusion NOT IN (SELECT conclusion FROM cx.jobs WHERE n = 1)) AS nf,"
     " COUNT_IF(conclusion NOT IN (SELECT name FROM cx.jobs WHERE n < 0)) AS none"
     " FROM cx.jobs {c} WHERE name IN (SELECT name FROM cx.jobs WHERE dur > 20 GROUP BY name)"
     " GROUP BY name ORDER BY name"),
    ("scalar_subquery_bound",  # MAX of another collection, read as its top row
     "SELECT COUNT(*) AS n FROM cx.jobs {c} WHERE (SELECT MAX(id) FROM cx.runs) > n"),
    ("scalar_subquery",
     "SELECT name, COUNT_IF(n > (SELECT AVG(n) FROM cx.jobs WHERE dur > 12)) AS above,"
     " MAX(dur - (SELECT MIN(dur) FROM cx.jobs WHERE name = 'job-3')) AS spread,"
     " MIN((SELECT MAX(id) FROM cx.runs WHERE id < 0)) AS none FROM cx.jobs {c}"
     " GROUP BY name ORDER BY name"),
    # GROUPING SETS as DuckDB's: a key a set leaves out is null in its rows (beside the null
    # group of a missing branch, told apart by its count)
    ("rollup",
     "SELECT name, status, COUNT(*) AS n, SUM(dur) AS d FROM cx.jobs {c}"
     " GROUP BY ROLLUP (name, status) ORDER BY name, status"),
    ("cube_and_sets",
     "SELECT repo.name AS r, branch, COUNT(*) AS n FROM cx.jobs {c} GROUP BY CUBE (repo.name,"
     " branch) ORDER BY r NULLS LAST, branch, n"),
    ("grouping_sets_having",
     "SELECT name, ok, MAX(n) AS m FROM cx.jobs {c} GROUP BY GROUPING SETS ((name, ok), (ok), ())"
     " HAVING COUNT(*) > 20 ORDER BY name NULLS FIRST, ok"),
    ("grouping_function",  # the first argument the highest bit, set where it is rolled up
     "SELECT name, status, GROUPING(name, status) AS g, GROUPING(status) AS gs, COUNT(*) AS n"
     " FROM cx.jobs {c} GROUP BY CUBE (name, status) ORDER BY g, name, status"),
    ("percent_rank_cume_dist",
     "SELECT name, n, PERCENT_RANK() OVER (PARTITION BY name ORDER BY n DESC) AS pr,"
     " CUME_DIST() OVER (PARTITION BY name ORDER BY dur) AS cd FROM cx.jobs {c} WHERE n < 40"
     " ORDER BY name, n"),
    ("arbitrary",  # some value of the group: the group's own key, or one of the statuses
     "SELECT name, ARBITRARY(name) AS same, ARBITRARY(status) IN ('completed', 'queued',"
     " 'in_progress') AS one_of, COUNT(*) AS n FROM cx.jobs {c} GROUP BY name ORDER BY name"),
    ("is_nan", "SELECT COUNT_IF(IS_NAN(dur)) AS nan, COUNT_IF(NOT IS_NAN(n)) AS num"
     " FROM cx.jobs {c}"),
    ("bare_scalar_subquery",  # (SELECT e) reading the query around it, as HUD filters
     "SELECT name, COUNT(*) AS n FROM cx.jobs {c} WHERE (SELECT dur >= 6.0 OR n < :lo)"
     " GROUP BY name ORDER BY name"),
    ("cast",  # HUD's red-commit shape: a bool aggregate as an int; an int as a string and a
     # float, a string as itself (TRY_CAST alike); null and missing values cast to null
     "SELECT name, CAST(SUM(IF(conclusion = 'failure', 1, 0)) > 0 AS int) AS any_red,"
     " MAX(CAST(n AS string)) AS ns, SUM(CAST(run_id AS float)) AS rf,"
     " COUNT(TRY_CAST(branch AS string)) AS m, MIN(CAST(conclusion AS string)) AS st,"
     " COUNT_IF(CAST(n > 10 AS string) = 'true') AS big, MAX(CAST(DATE_TRUNC('week',"
     " PARSE_TIMESTAMP_ISO8601(completed_at)) AS string)) AS wk, MIN(CAST(_event_time AT TIME"
     " ZONE 'Asia/Kolkata' AS string)) AS ist FROM cx.jobs {c} GROUP BY name ORDER BY name"),
    ("parse_datetime",  # a wall time from an ISO string field: compared with a parameter's,
     # differenced, truncated, formatted and cast like one on both engines
     "SELECT name, COUNT_IF(PARSE_DATETIME_ISO8601(completed_at) >= PARSE_DATETIME_ISO8601(:t))"
     " AS late, MAX(DATE_DIFF('second', PARSE_DATETIME_ISO8601(started_at),"
     " PARSE_DATETIME_ISO8601(completed_at))) AS secs, MIN(FORMAT_TIMESTAMP('%Y-%m-%d %H',"
     " DATE_TRUNC('hour', PARSE_DATETIME_ISO8601(completed_at)))) AS h,"
     " MAX(CAST(PARSE_DATETIME_ISO8601(completed_at) AS string)) AS s FROM cx.jobs {c}"
     " GROUP BY name ORDER BY name"),
    ("round",  # halves away from zero, a float whatever the argument; digits below zero
     "SELECT name, ROUND(AVG(dur) * 100 / 7, 2) AS r2, ROUND(SUM(dur)) AS r0, ROUND(MAX(n), -1)"
     " AS rneg, ROUND(MIN(dur) / 3, 3) AS r3, ROUND(SUM(n) / 4.0, 0) AS half FROM cx.jobs {c}"
     " GROUP BY name ORDER BY name"),
    ("format_timestamp",  # HUD's buckets; a zone's wall time (Los Angeles changes on 03-10);
     # a datetime as it is
     "SELECT FORMAT_TIMESTAMP('%Y-%m-%d', DATE_TRUNC('day', PARSE_TIMESTAMP_ISO8601(completed_at)))"
     " AS d, MAX(FORMAT_TIMESTAMP('%Y/%m/%d %H:%M:%S.%f %% x', PARSE_TIMESTAMP_ISO8601("
     "completed_at), 'America/Los_Angeles')) AS la, MIN(FORMAT_TIMESTAMP('%H:%M', _event_time AT"
     " TIME ZONE 'Asia/Kolkata')) AS ist, COUNT(*) AS n FROM cx.jobs {c} GROUP BY d ORDER BY d"),
    ("star_of_with_queries",  # HUD's `SELECT * FROM reds_percentage`: the WITH query's
     # fields, in order; EXCEPT; a qualified star of one side of a join
     "WITH g AS (SELECT name, COUNT(*) AS n, MAX(branch) AS b, MIN(dur) AS d FROM cx.jobs {c}"
     " GROUP BY name), h AS (SELECT name AS hn, SUM(n) AS s FROM cx.jobs GROUP BY name)"
     " SELECT * FROM g ORDER BY n DESC, name"),
    ("star_except_and_qualified",
     "WITH g AS (SELECT name, COUNT(*) AS n, MAX(branch) AS b, MIN(dur) AS d FROM cx.jobs {c}"
     " GROUP BY name), h AS (SELECT name AS hn, SUM(n) AS s FROM cx.jobs GROUP BY name)"
     " SELECT g.* EXCEPT (b), h.*, g.n * 2 AS twice FROM g JOIN h ON h.hn = g.name"
     " ORDER BY g.name"),
    ("join_inner",
     "SELECT r.wf, COUNT(*) AS n, SUM(j.dur) AS d FROM cx.jobs j {c} JOIN cx.runs r"
     " ON r.id = j.run_id WHERE r.event = 'push' GROUP BY r.wf ORDER BY r.wf"),
    ("join_left",  # jobs of runs 40-49 have no run: their r fields are undefined
     "SELECT j.name, COUNT(r.id) AS runs, COUNT(*) AS n, MAX(r.wf) AS last FROM cx.jobs j {c}"
     " LEFT JOIN cx.runs r ON r.id = j.run_id GROUP BY j.name ORDER BY j.name"),
    ("join_self",  # q06's shape: failed and succeeded on one key
     "SELECT f.name, COUNT(*) AS flaky FROM cx.jobs f {c} JOIN cx.jobs s ON s.run_id = f.run_id"
     " AND s.name = f.name WHERE f.conclusion = 'failure' AND s.conclusion = 'success'"
     " GROUP BY f.name ORDER BY flaky DESC, f.name"),
    ("join_three",
     "SELECT r.event, COUNT(DISTINCT j.name) AS names, COUNT(*) AS n FROM cx.jobs j {c}"
     " JOIN cx.runs r ON r.id = j.run_id JOIN cx.runs r2 ON r2.id = r.id"
     " GROUP BY r.event ORDER BY r.event"),
    ("join_cte",
     "WITH big AS (SELECT run_id, COUNT(*) AS k FROM cx.jobs {c} GROUP BY run_id)"
     " SELECT r.event, SUM(b.k) AS k FROM big b JOIN cx.runs r ON r.id = b.run_id"
     " GROUP BY r.event ORDER BY r.event"),
    ("union_all_from",  # HUD's master_* shape: UNION ALL arms in FROM, grouped outside; the
     # right arm's fields take the left's names
     "SELECT k, COUNT(*) AS n, SUM(x) AS s FROM (SELECT j.name AS k, j.n AS x FROM cx.jobs j {c}"
     " JOIN cx.runs r ON r.id = j.run_id WHERE r.event = 'push' UNION ALL SELECT name, n"
     " FROM cx.jobs WHERE conclusion = 'failure') u GROUP BY k ORDER BY k"),
    ("union_all_missing_arm",  # an arm whose field no document has (HUD's empty circleci arm)
     "SELECT k, COUNT(*) AS n, COUNT(v) AS c, MAX(v) AS m FROM (SELECT name AS k, dur AS v"
     " FROM cx.jobs {c} UNION ALL SELECT wf AS k, nothing AS v FROM cx.runs) u"
     " GROUP BY k ORDER BY k"),
    ("union_all_empty_arm",  # an arm over a collection that holds no document, its missing
     # _event_time in AT TIME ZONE (null there, as on SQLite): HUD's master_* lambdas
     "SELECT FORMAT_ISO8601(DATE_TRUNC('day', t)) AS d, COUNT(*) AS n, COUNT(t) AS c FROM"
     " (SELECT _event_time AT TIME ZONE 'America/Los_Angeles' AS t FROM cx.jobs {c} WHERE n < 90"
     " UNION ALL SELECT e._event_time AT TIME ZONE 'America/Los_Angeles' FROM cx.empty e"
     " JOIN cx.runs r ON r.id = e.run_id) u GROUP BY d ORDER BY d"),
    ("union_all_cte",
     "WITH u AS (SELECT status AS k FROM cx.jobs {c} WHERE n < 100 UNION ALL SELECT event"
     " FROM cx.runs) SELECT k, COUNT(*) AS n FROM u GROUP BY k ORDER BY k"),
    ("like_underscore",  # '_' is one code point on both engines
     "SELECT status, COUNT(*) AS n FROM cx.jobs {c} WHERE status LIKE '_ueue_' OR"
     " (name LIKE 'job-_' AND name NOT LIKE '%-_3%' AND name NOT LIKE 'jo_-4') GROUP BY status"
     " ORDER BY status"),
    ("like_underscore_multibyte",
     "SELECT COUNT_IF(w LIKE '_') AS one, COUNT_IF(w LIKE '__') AS two,"
     " COUNT_IF(w LIKE '_x%') AS lead, COUNT_IF(w LIKE '%_') AS any FROM cx.words {c}"),
    ("split_element",  # a part of SPLIT by ELEMENT_AT (negative: from the end; out of range
     # null) and by subscript (out of range undefined), as dashboards cut names and paths
     "SELECT ELEMENT_AT(SPLIT(name, '-'), -1) AS last, SPLIT(completed_at, 'T') [1] AS day,"
     " COUNT(*) AS n, COUNT(ELEMENT_AT(SPLIT(name, '-'), 3)) AS third,"
     " COUNT(SPLIT(name, '-')[2]) AS second, COUNT(SPLIT(name, '-')[4]) AS fourth,"
     " COUNT(ELEMENT_AT(SPLIT(name, '-'), -2)) AS back2,"
     " COUNT(ELEMENT_AT(SPLIT(name, '-'), -3)) AS back3"
     " FROM cx.jobs {c} WHERE ELEMENT_AT(SPLIT(repo.name, 'r'), 2) IN ('1', '2')"
     " AND ELEMENT_AT(SPLIT(started_at, ':'), -2) = '00' GROUP BY last, day"
     " ORDER BY last, day LIMIT 12"),
    ("split_element_param",
     "SELECT ELEMENT_AT(SPLIT(:names, ','), 2) AS p, COUNT(*) AS n FROM cx.jobs {c}"
     " WHERE ARRAY_CONTAINS(SPLIT(:names, ','), name) GROUP BY p"),
    ("lower_upper_ascii",  # LOWER and UPPER where every string is ASCII (the replica knows)
     "SELECT LOWER(UPPER(status)) AS s, UPPER(ELEMENT_AT(SPLIT(name, '-'), 1)) AS u,"
     " COUNT(*) AS n, COUNT_IF(LOWER(branch) = 'main') AS main FROM cx.jobs {c}"
     " WHERE UPPER(name) <> 'JOB-3' OR LOWER('Ab') = 'ab' GROUP BY s, u ORDER BY s, u"),
]


def runs(n):
    return [{"_id": f"r{i}", "id": i, "wf": f"wf-{i % 6}", "event": ["push", "pull_request"][i % 2]}
            for i in range(n)]
PARAMS = {"params": [{"name": "t", "type": "string", "value": "2024-03-10T00:00:00Z"},
                     {"name": "names", "type": "string", "value": "job-1,job-3,nope"},
                     {"name": "lo", "type": "int", "value": "3"},
                     {"name": "k", "type": "int", "value": "2"},
                     {"name": "lim", "type": "int", "value": "4"}]}

# Statements the columns must refuse (answered by SQLite, same answer), and the reason.
REFUSED = [
    # a float or an int by the row: DuckDB's CASE would make both floats
    ("if_mixed_types", "SELECT SUM(IF(conclusion = 'failure', dur, 0)) AS s FROM cx.jobs {c}",
     "CASE results of different types"),
    ("mixed_types", "SELECT COUNT(*) AS n, MAX(v) AS m FROM cx.mixed {c}", "several types"),
    ("null_and_missing", "SELECT w FROM cx.mixed {c} ORDER BY w", "null or undefined"),
    ("partition_null_and_missing", "SELECT ROW_NUMBER() OVER (PARTITION BY w) AS r, COUNT(*)"
     " OVER () AS n FROM cx.mixed {c} ORDER BY r", "null or undefined"),
    ("right_join", "SELECT COUNT(*) AS n FROM cx.jobs a {c} RIGHT JOIN cx.runs r ON r.id ="
     " a.run_id", "a RIGHT JOIN"),
    ("lag_output", "SELECT n, LAG(n) OVER (ORDER BY n) AS p FROM cx.jobs {c} ORDER BY n LIMIT 3",
     "may be null or undefined"),
    ("datetime_output", "SELECT MIN(n) AS n, PARSE_DATETIME_ISO8601('2024-01-01T00:00:00') AS d"
     " FROM cx.jobs {c}", "is a datetime"),
    ("object_value", "SELECT COUNT(*) AS n FROM cx.jobs {c} WHERE labels = labels",
     "(only IS [NOT] NULL reads them)"),
    ("lookup_hint", "SELECT COUNT(*) AS n FROM cx.jobs a {c} JOIN cx.runs r ON r.id = a.run_id"
     " HINT(join_strategy = lookup)", "join_strategy = lookup"),
    ("int_division", "SELECT SUM(n) / COUNT(n) AS q FROM cx.jobs {c}", "divisor may be zero"),
    ("remainder_by_a_field", "SELECT SUM(n % (run_id + 1)) AS s FROM cx.jobs {c}",
     "a remainder whose divisor may be zero"),
    ("coalesce_mixed_types", "SELECT SUM(COALESCE(dur, n)) AS s FROM cx.jobs {c}",
     "COALESCE of values of different types"),
    ("greatest_mixed_types", "SELECT MAX(GREATEST(n, dur)) AS g FROM cx.jobs {c}",
     "GREATEST of values of different types"),
    ("trunc_far_digits", "SELECT SUM(TRUNC(dur, 23)) AS s FROM cx.jobs {c}",
     "TRUNC by digits that are not an int within 22"),
    ("length_of_an_array", "SELECT MAX(LENGTH(labels)) AS m FROM cx.jobs {c}", "holds arrays"),
    ("correlated_in", "SELECT COUNT(*) AS n FROM cx.jobs j {c} WHERE j.run_id IN"
     " (SELECT r.id FROM cx.runs r WHERE r.id = j.n % 7)", "a field of an enclosing query"),
    ("in_subquery_other_type", "SELECT COUNT(*) AS n FROM cx.jobs {c} WHERE name IN"
     " (SELECT id FROM cx.runs)", "IN (subquery) of values of another type"),
    ("round_by_a_field", "SELECT SUM(ROUND(dur, run_id)) AS s FROM cx.jobs {c}",
     "ROUND by digits that are not constant"),
    ("format_timestamp_names", "SELECT FORMAT_TIMESTAMP('%b %d', PARSE_TIMESTAMP_ISO8601("
     "completed_at)) AS m, COUNT(*) AS n FROM cx.jobs {c} GROUP BY m", "the directive %b"),
    ("star_of_documents", "SELECT DISTINCT * FROM cx.runs {c}",
     "SELECT * of a collection's whole documents"),
    ("cast_float_to_int", "SELECT SUM(CAST(dur AS int)) AS s FROM cx.jobs {c}",
     "CAST of a float to int"),
    ("cast_string_to_int", "SELECT SUM(TRY_CAST(status AS int)) AS s FROM cx.jobs {c}",
     "CAST of a string to int"),
    ("array", "SELECT COUNT(*) AS n FROM cx.jobs {c} WHERE ARRAY_CONTAINS(labels, 'l1')",
     "ARRAY_CONTAINS of an array that is not constant"),
    ("array_contains_other_type", "SELECT COUNT(*) AS n FROM cx.jobs {c}"
     " WHERE ARRAY_CONTAINS(['1', '3'], run_id)", "elements of another type"),
    ("concat_float", "SELECT CONCAT(name, dur) AS k, COUNT(*) AS n FROM cx.jobs {c} GROUP BY k",
     "CONCAT of a value of type float"),
    ("format_iso_zone", "SELECT FORMAT_ISO8601(PARSE_TIMESTAMP_ISO8601(started_at), 'UTC') AS d,"
     " COUNT(*) AS n FROM cx.jobs {c} GROUP BY d", "FORMAT_ISO8601 with a time zone"),
    ("at_time_zone_offset", "SELECT FORMAT_ISO8601(PARSE_TIMESTAMP_ISO8601(started_at) AT TIME"
     " ZONE '+05:00') AS d, COUNT(*) AS n FROM cx.jobs {c} GROUP BY d",
     "not a constant zone name"),
    ("scalar_subquery_rows", "SELECT COUNT(*) AS n FROM cx.jobs {c} WHERE (SELECT id FROM"
     " cx.runs WHERE id > n ORDER BY id LIMIT 1) > n + 5", "a field of an enclosing query"),
    ("union_distinct", "SELECT COUNT(*) AS n FROM (SELECT name FROM cx.jobs {c} UNION"
     " SELECT wf FROM cx.runs) u", "not on the column index: UNION"),
    ("union_all_types", "SELECT COUNT(*) AS n, SUM(x) AS s FROM (SELECT n AS x FROM cx.jobs {c}"
     " UNION ALL SELECT dur FROM cx.jobs) u", "UNION ALL of int and float values"),
    ("union_all_order", "SELECT COUNT(*) AS n FROM (SELECT name FROM cx.jobs {c} WHERE n < 3"
     " UNION ALL SELECT wf FROM cx.runs ORDER BY 1 LIMIT 5) u",
     "a WITH, ORDER BY or LIMIT over a UNION ALL"),
    # the runtime's case maps and DuckDB's (utf8proc) differ beyond ASCII
    ("lower_not_ascii", "SELECT LOWER(w) AS l, COUNT(*) AS n FROM cx.words {c} GROUP BY l"
     " ORDER BY l", "LOWER of strings that are not all ASCII"),
    ("upper_not_ascii", "SELECT COUNT(*) AS n FROM cx.words {c} WHERE UPPER(w) = 'AB'",
     "UPPER of strings that are not all ASCII"),
    ("split_limit", "SELECT ELEMENT_AT(SPLIT(name, '-', 1), 1) AS x, COUNT(*) AS n FROM cx.jobs"
     " {c} GROUP BY x", "SPLIT with a limit"),
    ("split_index_zero", "SELECT COUNT(ELEMENT_AT(SPLIT(name, '-'), 0)) AS x FROM cx.jobs {c}",
     "an element of SPLIT at index 0"),
    ("element_at_array", "SELECT COUNT(ELEMENT_AT(labels, 1)) AS x FROM cx.jobs {c}",
     "function ELEMENT_AT"),
    # ARRAY_AGG: only a whole output field with an ORDER BY, of numbers, strings or booleans
    ("array_agg_unordered", "SELECT name, ARRAY_AGG(n) AS a FROM cx.jobs {c} GROUP BY name",
     "ARRAY_AGG without ORDER BY"),
    ("array_agg_in_expression", "SELECT name, COUNT(*) AS k FROM cx.jobs {c} GROUP BY name"
     " HAVING ARRAY_AGG(n ORDER BY n) IS NOT NULL", "ARRAY_AGG inside an expression or a subquery"),
    ("array_agg_in_subquery", "SELECT s.name FROM (SELECT name, ARRAY_AGG(n ORDER BY n) AS a"
     " FROM cx.jobs {c} GROUP BY name) s ORDER BY s.name",
     "ARRAY_AGG inside an expression or a subquery"),
    ("array_agg_limit", "SELECT name, ARRAY_AGG(n ORDER BY n LIMIT 2) AS a FROM cx.jobs {c}"
     " GROUP BY name", "ARRAY_AGG with OVER, DISTINCT, LIMIT or OFFSET"),
    ("array_agg_timestamps", "SELECT name, ARRAY_AGG(_event_time ORDER BY n) AS a FROM cx.jobs"
     " {c} GROUP BY name", "ARRAY_AGG of timestamp"),
]

# Strings of one to three code points, some of several bytes (a combining accent is a code
# point of its own, as a skin tone is), for LIKE's '_'.
WORDS = [{"w": w} for w in ["e", "\u00e9", "e\u0301", "\u65e5\u672c", "\U0001f600x", "ab", "",
                            "\U0001f44d\U0001f3fd", "xyz"]]


def need_duckdb():
    return DUCK  # has_duckdb printed the SKIP line


@case
def test_modes():
    off = Srv("--column-index", "off")
    check("mode/off", "column index off (SQLite only): --column-index off" in off.s.log(),
          off.s.log()[-300:])
    off.coll("jobs")
    off.add("jobs", jobs(5))
    r = off.query("SELECT COUNT(*) AS n FROM cx.jobs HINT(access_path = column_scan)")
    check("mode/off_hint_ignored", r.status == 200 and engine(r) == "rows"
          and r.body["results"] == [{"n": 5}], repr(r))
    bad = rl.start_server("--column-index", "on", "--duckdb-lib", "/nonexistent/libduckdb.so",
                          wait=False)
    code = bad.proc.wait(10)
    check("mode/on_without_library", code != 0 and "/nonexistent/libduckdb.so" in bad.log(),
          bad.log()[-300:])
    auto = rl.start_server("--duckdb-lib", "/nonexistent/libduckdb.so")
    check("mode/auto_without_library",
          "column index off (SQLite only)" in auto.log() and "/nonexistent" in auto.log(),
          auto.log()[-300:])
    flag = rl.start_server("--column-index", "sometimes", wait=False)
    check("mode/bad_value", flag.proc.wait(10) == 2, flag.log()[-200:])
    if DUCK:
        # DuckDB's threads: one less than the cores, at least one (main.c), unless set
        on = rl.start_server("--column-index", "on")
        threads = max(1, (os.cpu_count() or 1) - 1)
        check("mode/on", "column index on: DuckDB v" in on.log() and
              f"(threads {threads}, memory_limit 1GB), " in on.log(), on.log()[-300:])
        three = rl.start_server("--column-index", "on", "--column-threads", "3",
                                "--column-memory-limit", "300MB")
        check("mode/threads_set", "(threads 3, memory_limit 300MB), " in three.log(),
              three.log()[-300:])


@case
def test_differential():
    if not need_duckdb():
        return
    srv = Srv("--column-index", "on")
    srv.coll("jobs")
    srv.add("jobs", jobs(400))
    srv.coll("runs")
    srv.add("runs", runs(40))
    srv.coll("words")
    srv.add("words", WORDS)
    srv.coll("empty")
    for name, sql in QUERIES:
        same(f"diff/{name}", srv, sql, PARAMS["params"] if ":" in sql else None)
    got = srv.query("SELECT COUNT(*) AS n FROM cx.jobs HINT(access_path = column_scan)")
    check_match("diff/count_exact", got.body.get("results"), [{"n": 400}])
    before = srv.query(dict(QUERIES)["union_all_empty_arm"].format(c="")).body.get("results")
    srv.add("empty", [{"run_id": 1, "_event_time": "2024-03-02T05:00:00.000000Z"}])
    after = same("diff/union_all_arm_filled", srv, dict(QUERIES)["union_all_empty_arm"])
    check("diff/union_all_arm_filled_counts",  # the new job is counted on 2024-03-01 (LA time)
          after is not None and before is not None and
          sum(x["n"] for x in after) == sum(x["n"] for x in before) + 1,
          f"{before} -> {after}")
    got = srv.query(dict(QUERIES)["like_underscore_multibyte"].format(
        c="HINT(access_path = column_scan)"))
    check_match("diff/like_underscore_counts", (got.body.get("results"), engine(got)),
                ([{"one": 2, "two": 5, "lead": 1, "any": 8}], "columns"))
    # a group of documents missing the key is written null, as the null group is
    res = same("diff/undefined_shape", srv,
               "SELECT branch, COUNT(*) AS n FROM cx.jobs {c} GROUP BY branch ORDER BY branch")
    check_match("diff/undefined_first", (res or [{}])[0], {"branch": None, "n": 40})
    res = same("diff/projection_undefined", srv,
               "SELECT n, branch FROM cx.jobs {c} WHERE n < 3 ORDER BY n")
    check_match("diff/projection_leaves_out", res, [{"n": 0}, {"n": 1, "branch": "main"},
                                                    {"n": 2, "branch": "main"}])
    # PERCENTILE is DuckDB's quantile_disc there: the ends, and a rank out of [0, 1], which
    # DuckDB refuses and SQLite answers with its own error
    res = same("diff/percentile_ends", srv,
               "SELECT PERCENTILE(n, 1) AS top, PERCENTILE(n, 0.0025) AS low,"
               " PERCENTILE(conclusion, 0.5) AS mid FROM cx.jobs {c}")
    check_match("diff/percentile_ends_values", res, [{"top": 399, "low": 0, "mid": "success"}])
    for rank in ("1.5", "-0.5", ":lo"):  # :lo is 3
        bad = srv.query(f"SELECT PERCENTILE(n, {rank}) AS p FROM cx.jobs"
                        " HINT(access_path = column_scan)", PARAMS["params"] if ":" in rank
                        else None)
        check_match(f"diff/percentile_out_of_range/{rank}",
                    (bad.status, (bad.body or {}).get("message"), engine(bad)),
                    (400, "PERCENTILE: the percentile must be a number between 0 and 1", None))
    res = same("diff/null_shape", srv,
               "SELECT conclusion, COUNT(*) AS n FROM cx.jobs {c} GROUP BY conclusion"
               " ORDER BY conclusion")
    check_match("diff/null_first", (res or [{}])[0], {"conclusion": None, "n": 100})


@case
def test_case_maps_follow_the_data():
    """LOWER and UPPER run on the columns while every string of their field is ASCII; the first
    string beyond it sends them back to SQLite (same answers), the field's alone."""
    if not need_duckdb():
        return
    srv = Srv("--column-index", "on")
    srv.coll("names")
    srv.add("names", [{"k": f"Name-{i % 3}", "v": f"V{i % 2}"} for i in range(30)])
    sql = "SELECT LOWER(k) AS l, COUNT(*) AS n FROM cx.names {c} GROUP BY l ORDER BY l"
    check_match("casemap/ascii", same("casemap/ascii", srv, sql),
                [{"l": "name-0", "n": 10}, {"l": "name-1", "n": 10}, {"l": "name-2", "n": 10}])
    srv.add("names", [{"k": "\u00c9COLE-\u0130", "v": "V1"}])
    res = same("casemap/beyond_ascii", srv, sql, on_columns=False)
    check("casemap/beyond_ascii_counted", res is not None and len(res) == 4 and
          sum(r["n"] for r in res) == 31, repr(res))
    check_match("casemap/other_field", same("casemap/other", srv, "SELECT UPPER(v) AS u,"
                                            " COUNT(*) AS n FROM cx.names {c} GROUP BY u"
                                            " ORDER BY u"),
                [{"u": "V0", "n": 15}, {"u": "V1", "n": 16}])


@case
def test_refusals():
    if not need_duckdb():
        return
    srv = Srv("--column-index", "on")
    srv.coll("jobs")
    srv.add("jobs", jobs(60))
    srv.coll("mixed")
    srv.add("mixed", [{"v": 1, "w": None}, {"v": "one", "w": 2}, {"v": 2.5}, {"w": 3}])
    srv.coll("runs")
    srv.add("runs", runs(40))
    srv.coll("words")
    srv.add("words", WORDS)
    for name, sql, why in REFUSED:
        same(f"refuse/{name}", srv, sql, on_columns=False)
        r = srv.query("EXPLAIN " + sql.format(c="HINT(access_path = column_scan)"))
        lines = [x.get("EXPLAIN", "") for x in (r.body or {}).get("results") or []]
        check(f"refuse/{name}/explain_says_why",
              r.status == 200 and any(why in x for x in lines), repr(lines[-2:]))


@case
def test_engine_choice():
    if not need_duckdb():
        return
    srv = jobs_server(150, "--column-min-docs", "100")
    agg = "SELECT name, COUNT(*) AS n FROM cx.jobs GROUP BY name ORDER BY name"
    check("choice/aggregate_on_columns", engine(srv.query(agg)) == "columns")
    look = "SELECT n FROM cx.jobs WHERE n = 7"
    check("choice/lookup_on_sqlite", engine(srv.query(look)) == "rows")
    # a join: SQLite's index lookups while they are expected to number under the columns'
    # threshold (here 100), the columns from there on; both answer alike
    join = ("SELECT j.name, COUNT(*) AS n FROM cx.jobs j JOIN cx.jobs k ON k.n = j.n"
            " WHERE {w} GROUP BY j.name ORDER BY j.name")
    few_lookups = join.format(w="j.n < 50")
    r = srv.query("EXPLAIN " + few_lookups)
    lines = [x.get("EXPLAIN", "") for x in (r.body or {}).get("results") or []]
    rows = srv.query(few_lookups)
    check("choice/join_on_sqlite", engine(rows) == "rows" and lines[-1:] ==
          ["not on the column index: a join: SQLite's index lookups (HINT(access_path ="
           " column_scan) sends it to the columns)"], repr(lines[-1:]))
    check("choice/join_on_sqlite_rows", rows.body["results"] == [
        {"name": f"job-{k}", "n": sum(1 for i in range(50) if i % 7 == k)} for k in range(7)],
        repr(rows.body))
    many_lookups = join.format(w="j.n >= 0")
    r = srv.query("EXPLAIN " + many_lookups)
    lines = [x.get("EXPLAIN", "") for x in (r.body or {}).get("results") or []]
    cols = srv.query(many_lookups)
    check("choice/join_of_many_lookups_on_columns", engine(cols) == "columns" and lines[:1] ==
          ["COLUMN SCAN on the column index (DuckDB): a join reading about 150 documents by index"
           " lookups (the columns start at 100)"], repr((engine(cols), lines[:1])))
    check("choice/join_of_many_lookups_rows", cols.body["results"] == [
        {"name": f"job-{k}", "n": sum(1 for i in range(150) if i % 7 == k)} for k in range(7)],
        repr(cols.body))
    r = srv.query("EXPLAIN " + agg)
    lines = [x.get("EXPLAIN", "") for x in (r.body or {}).get("results") or []]
    check("choice/explain", lines[:1] == ["COLUMN SCAN on the column index (DuckDB): an aggregate"
                                         " over 150 documents"] and len(lines) == 2
          and lines[1].startswith("SELECT "), repr(lines))
    # a window function alone counts as an aggregate (it reads its partitions whole)
    win = ("SELECT name, n, ROW_NUMBER() OVER (PARTITION BY name ORDER BY n DESC) AS r"
           " FROM cx.jobs ORDER BY name, r LIMIT 3")
    r = srv.query(win)
    check("choice/window_on_columns", engine(r) == "columns" and r.body["results"] == [
        {"name": "job-0", "n": 147, "r": 1}, {"name": "job-0", "n": 140, "r": 2},
        {"name": "job-0", "n": 133, "r": 3}], repr((engine(r), (r.body or {}).get("results"))))
    # an aggregate over the few documents a field index finds stays on SQLite: under
    # --column-min-docs / 40 (here 4000 / 40), counted by the catalog
    sel = Srv("--column-index", "on", "--column-min-docs", "4000")
    sel.coll("jobs")
    sel.add("jobs", jobs(4000))
    few = "SELECT name, COUNT(*) AS n FROM cx.jobs WHERE n < 60 GROUP BY name ORDER BY name"
    r = sel.query("EXPLAIN " + few)
    lines = [x.get("EXPLAIN", "") for x in (r.body or {}).get("results") or []]
    check("choice/selective_stays", engine(sel.query(few)) == "rows" and lines[-1:] ==
          ["not on the column index: a selective filter: the field indexes read 60 of 4000"
           " documents (under 100)"], repr(lines[-1:]))
    many = few.replace("n < 60", "n < 100")
    r = sel.query(many)
    check("choice/wider_filter_on_columns", engine(r) == "columns" and r.body["results"][0] ==
          {"name": "job-0", "n": 15}, repr((engine(r), (r.body or {}).get("results"))))
    check("choice/selective_answer", sel.query(few).body["results"][0] == {"name": "job-0",
                                                                           "n": 9})
    small = Srv("--column-index", "on")  # the default: 12,000 documents
    small.coll("jobs")
    small.add("jobs", jobs(50))
    r = small.query("EXPLAIN " + agg)
    lines = [x.get("EXPLAIN", "") for x in (r.body or {}).get("results") or []]
    check("choice/small_stays", engine(small.query(agg)) == "rows" and lines[-1:] ==
          ["not on the column index: an aggregate over 50 documents (the columns start at"
           " 12000)"], repr(lines))
    allsrv = Srv("--column-index", "on", "--column-scan", "all", "--column-min-docs", "0")
    allsrv.coll("jobs")
    allsrv.add("jobs", jobs(20))
    check("choice/scan_all", engine(allsrv.query("SELECT n FROM cx.jobs WHERE n = 7 ORDER BY n"))
          == "columns")


@case
def test_composites_for_sqlite_only():
    """A composite index is asked for by a statement that runs on SQLite, not by one the columns
    answer: its SQLite translation would ask, and the composite it asked for, read by no run,
    took a place of the collection's budget (8) that statements on SQLite needed. On the
    dashboard benchmark's million jobs two aggregates on the columns filled the last places, and
    a top-N on SQLite read a day's jobs for 10 rows. EXPLAIN asks for nothing: only runs do."""
    if not need_duckdb():
        return
    srv = jobs_server(3000, "--column-min-docs", "100", "--engine-choice", "rule")
    agg = ("SELECT name, COUNT(*) AS n FROM cx.jobs WHERE status = 'completed' AND branch = 'dev'"
           " AND n >= 0 AND n < 2500 GROUP BY name ORDER BY name")
    runs = [srv.query(agg) for _ in range(3)]
    check("cxcols/aggregate_on_columns", [engine(r) for r in runs] == ["columns"] * 3,
          repr([engine(r) for r in runs]))
    check_match("cxcols/aggregate_rows", runs[0].body.get("results"),
                [{"name": f"job-{k}", "n": sum(1 for i in range(2500)
                                               if i % 3 == 0 and i % 10 != 0 and i % 7 == k)}
                 for k in range(7)])
    row = ("SELECT _id FROM cx.jobs WHERE name = 'job-3' AND status = 'queued' AND n >= 100"
           " AND n < 2000 ORDER BY _id")
    explained = srv.query("EXPLAIN " + row)
    check("cxcols/explain_answers", explained.status == 200, repr(explained))
    quiet = rl.poll(lambda: rl.fx_stats(WS, "jobs", url=srv.url),
                    lambda fx: isinstance(fx, dict) and fx.get("background_work") == 0, timeout=30)
    check_match("cxcols/nothing_asked", [quiet.get("composite_indexes"), quiet.get("composites")]
                if isinstance(quiet, dict) else quiet, [0, []])
    first = srv.query(row)
    check("cxcols/filter_on_sqlite", engine(first) == "rows", repr(engine(first)))
    check_match("cxcols/filter_rows", [x["_id"] for x in first.body.get("results") or []],
                [f"j{i:05d}" for i in range(100, 2000) if i % 7 == 3 and i % 3 == 1])
    built = rl.poll(lambda: rl.fx_stats(WS, "jobs", url=srv.url),
                    lambda fx: isinstance(fx, dict) and fx.get("composite_indexes") == 1
                    and fx.get("background_work") == 0, timeout=30)
    check_match("cxcols/asked_by_the_run", built.get("composites") if isinstance(built, dict)
                else built, ["name, status, n"])
    r = srv.query("EXPLAIN " + row)
    lines = [x.get("EXPLAIN", "") for x in (r.body or {}).get("results") or []]
    check("cxcols/read_by_the_filter", any("composite index on name, status, n" in x
                                           for x in lines), repr(lines))
    again = srv.query(row)
    check_match("cxcols/same_rows", again.body.get("results"), first.body.get("results"))


def measured_runs(name, srv, sql, engines, first_row):
    """Runs of sql, one per entry of engines: each on that engine, all with one answer, whose
    first row is first_row."""
    rs = [srv.query(sql) for _ in engines]
    check(f"{name}/engines", [engine(r) for r in rs] == engines, repr([engine(r) for r in rs]))
    check(f"{name}/same_answers", all(r.body["results"] == rs[0].body["results"] for r in rs)
          and rs[0].body["results"][0] == first_row, repr(rs[0].body))


@case
def test_measured_choice():
    """A repeated statement runs on the engine its runs measured faster (src/server/enginepick.h):
    4 runs as the rule says (the first not counted), then 4 on the other engine, then the faster
    one, which EXPLAIN names; every run's answer the same (the default; --engine-choice measured
    says it). The other engine is tried only where the rule's choice was one of counts: never for
    a lookup, a hint, or with --engine-choice rule."""
    if not need_duckdb():
        return
    srv = jobs_server(150, "--column-min-docs", "100")
    agg = "SELECT name, COUNT(*) AS n FROM cx.jobs GROUP BY name ORDER BY name"
    # SQLite's tries after its first have the columns' median as their budget: on a loaded
    # machine one may pass it, be stopped and answered by the columns, and SQLite has lost
    # (enginepick.h); so the runs are 4 on the columns, then SQLite for 1 to 4 of them, then the
    # columns again
    rs = [srv.query(agg) for _ in range(8)]
    ran = [engine(r) for r in rs]
    lines = [x.get("EXPLAIN", "") for x in srv.query("EXPLAIN " + agg).body["results"]]
    # SQLite was measured: a try answered by it, or one stopped past its budget (answered by the
    # columns, SQLite lost at once: EXPLAIN then shows its time). Which of runs 5 to 8 are tries
    # depends on the machine's load (a first try slower than the columns' median and up to
    # twice that again is stopped: seen under ASan on a loaded machine), so their order is not
    # asserted, only that the rule's 4 runs came first and SQLite's time was taken.
    sqlite_timed = any(re.search(r"[0-9.]+ ms (on SQLite|against)", x) for x in lines[:1] + lines[-1:])
    check("measured/rule_then_sqlite/engines",
          ran[:4] == ["columns"] * 4 and set(ran[4:]) <= {"rows", "columns"} and
          ("rows" in ran[4:] or sqlite_timed), repr((ran, lines)))
    check("measured/rule_then_sqlite/same_answers",
          all(r.body["results"] == rs[0].body["results"] for r in rs)
          and rs[0].body["results"][0] == {"name": "job-0", "n": 22}, repr(rs[0].body))
    after = engine(srv.query(agg))
    measured = re.fullmatch(r"not on the column index: measured faster on SQLite: [0-9.]+ ms "
                            r"against [0-9.]+ ms on the columns \(medians of its last runs\)",
                            lines[-1])
    # the columns stay either as the rule's choice (SQLite not yet measured) or kept when
    # SQLite's median did not beat theirs by enginepick's margin (PICK_MARGIN): both say so
    kept = re.fullmatch(r"COLUMN SCAN on the column index \(DuckDB\): kept on the columns: "
                        r"[0-9.]+ ms against [0-9.]+ ms on SQLite \(medians of its last runs\)",
                        lines[0])
    check("measured/explain_names_the_engine_that_runs",
          (after == "rows" and measured is not None) or
          (after == "columns" and (kept is not None or lines[0] == "COLUMN SCAN on the column "
           "index (DuckDB): an aggregate over 150 documents")), repr((after, lines)))
    # a selective filter the rule keeps on SQLite: the columns are tried, the answer the same
    sel = jobs_server(4000, "--column-min-docs", "4000", "--engine-choice", "measured")
    few = "SELECT name, COUNT(*) AS n FROM cx.jobs WHERE n < 60 GROUP BY name ORDER BY name"
    # (the columns' first try: how many more follow depends on their time against SQLite's,
    # each over SQLite's median losing at once; the unit test pins that policy)
    measured_runs("measured/columns_tried", sel, few, ["rows"] * 4 + ["columns"],
                  {"name": "job-0", "n": 9})
    # an aggregate over a join whose lookups read few documents: the rule keeps SQLite's index
    # lookups, the columns are tried (HUD's job_duration_avg: 400 ms in lookups, 15 ms on the
    # columns)
    join = ("SELECT f.name, COUNT(*) AS n FROM cx.jobs f JOIN cx.jobs s ON s.run_id = f.run_id"
            " AND s.name = f.name WHERE f.conclusion = 'failure' {w} GROUP BY f.name"
            " ORDER BY f.name")
    pairs = [(f["name"], s["name"]) for f in jobs(4000) if f["conclusion"] == "failure"
             and f["n"] < 100 for s in jobs(4000) if s["run_id"] == f["run_id"] and
             s["name"] == f["name"] and f["name"] == "job-0"]
    measured_runs("measured/join_columns_tried", sel, join.format(w="AND f.n < 100"),
                  ["rows"] * 4 + ["columns"], {"name": "job-0", "n": len(pairs)})
    # one whose lookups read more than the columns' threshold (4000 here): the columns by rule,
    # SQLite measured after them (its tries' number depends on the machine, as above)
    pairs = [(f["name"], s["name"]) for f in jobs(4000) if f["conclusion"] == "failure"
             for s in jobs(4000) if s["run_id"] == f["run_id"] and s["name"] == f["name"]
             and f["name"] == "job-0"]
    rs = [sel.query(join.format(w="")) for _ in range(8)]
    ran = [engine(r) for r in rs]
    check("measured/join_of_many_lookups/engines", ran[:4] == ["columns"] * 4 and
          set(ran[4:]) <= {"rows", "columns"}, repr(ran))
    check("measured/join_of_many_lookups/same_answers",
          all(r.body["results"] == rs[0].body["results"] for r in rs) and
          rs[0].body["results"][0] == {"name": "job-0", "n": len(pairs)}, repr(rs[0].body))
    look = "SELECT n FROM cx.jobs WHERE n = 7"
    check("measured/lookup_never_tried",
          [engine(srv.query(look)) for _ in range(10)] == ["rows"] * 10)
    hinted = agg.replace("cx.jobs", "cx.jobs HINT(access_path = column_scan)")
    check("measured/hint_kept",
          [engine(srv.query(hinted)) for _ in range(10)] == ["columns"] * 10)
    rule = jobs_server(150, "--column-min-docs", "100", "--engine-choice", "rule")
    check("measured/rule_when_asked",
          [engine(rule.query(agg)) for _ in range(10)] == ["columns"] * 10)


@case
def test_measured_try_stopped():
    """A try on SQLite past its budget (the rule's median and up to twice as much again) is
    stopped there and the statement answered by the columns; SQLite has lost and is not tried
    again: every run on the columns, each with the same answer, and EXPLAIN names the times that
    kept it there. Here SQLite takes about ten times the columns' time (70 against 6 ms), far
    past the budget."""
    if not need_duckdb():
        return
    srv = jobs_server(40000)
    agg = ("SELECT name, status, COUNT(*) AS n, SUM(dur) AS d, COUNT(DISTINCT run_id) AS r,"
           " MAX(completed_at) AS m FROM cx.jobs GROUP BY name, status ORDER BY name, status")
    docs = [d for d in jobs(40000) if d["name"] == "job-0" and d["status"] == "completed"]
    measured_runs("try_stopped", srv, agg, ["columns"] * 12,
                  {"name": "job-0", "status": "completed", "n": len(docs),
                   "d": sum(d["dur"] for d in docs), "r": len({d["run_id"] for d in docs}),
                   "m": max(d["completed_at"] for d in docs)})
    first = srv.query("EXPLAIN " + agg).body["results"][0].get("EXPLAIN", "")
    kept = re.fullmatch(r"COLUMN SCAN on the column index \(DuckDB\): kept on the columns: "
                        r"([0-9.]+) ms against ([0-9.]+) ms on SQLite \(medians of its last runs\)",
                        first)
    check("try_stopped/explain_names_the_times",
          kept is not None and float(kept.group(2)) > float(kept.group(1)), repr(first))


@case
def test_follows_writes():
    if not need_duckdb():
        return
    srv = Srv("--column-index", "on")
    srv.coll("jobs")
    sql = ("SELECT COUNT(*) AS n, SUM(n) AS s, MAX(name) AS m FROM cx.jobs"
           " HINT(access_path = column_scan)")
    for k in range(5):  # read your writes: every answer counts the batch just acknowledged
        srv.add("jobs", jobs(30, start=k * 30))
        r = srv.query(sql)
        check_match(f"writes/batch{k}", r.body.get("results"),
                    [{"n": 30 * (k + 1), "s": sum(range(30 * (k + 1))), "m": "job-6"}])
        check(f"writes/batch{k}/engine", engine(r) == "columns", repr(r.body.get("stats")))
    # a replacement, a patch, a new field and a delete
    srv.add("jobs", [{"_id": "j00000", "n": 1000, "name": "zz", "extra": 5}])
    r = rl.patch(f"/v1/orgs/self/ws/{WS}/collections/jobs/docs",
                 {"data": [{"_id": "j00001",
                            "patch": [{"op": "replace", "path": "/n", "value": 2000}]}]},
                 url=srv.url)
    check("writes/patch_status", r.status == 200, repr(r))
    r = rl.delete(f"/v1/orgs/self/ws/{WS}/collections/jobs/docs", {"data": [{"_id": "j00002"}]},
                  url=srv.url)
    check("writes/delete_status", r.status == 200, repr(r))
    want = srv.query(sql.replace("column_scan", "index_filter"))
    got = rl.poll(lambda: srv.query(sql), lambda r: r.body.get("results") ==
                  want.body.get("results"), timeout=5)
    check_match("writes/after_changes", got.body.get("results"), want.body.get("results"))
    check_match("writes/values", want.body.get("results"),
                [{"n": 149, "s": sum(range(150)) - 0 - 1 - 2 + 1000 + 2000, "m": "zz"}])
    same("writes/new_field", srv, "SELECT SUM(extra) AS e, COUNT(extra) AS c FROM cx.jobs {c}")


@case
def test_batches_in_one_pass():
    """A batch of changes whose documents bring nothing new to the replica's catalog is written
    in one pass over each document; the first document that does (a new path, a path's type
    turning mixed) sends the batch back to both passes (replica.c apply_known). Each request
    below is one batch: the answers on the columns are SQLite's after each."""
    if not need_duckdb():
        return
    srv = Srv("--column-index", "on")
    srv.coll("jobs")
    srv.add("jobs", jobs(60))
    # known shapes only: a new status, a new label (an element's string: a new code), a float
    # path's first null
    known = jobs(60, start=60)
    for d in known[::7]:
        d["status"] = "cancelled"
        d["labels"] = ["a", "brand-new"]
    known[3]["dur"] = None
    known[50]["dur"] = None
    srv.add("jobs", known)
    checks = [
        ("status", "SELECT status, COUNT(*) AS n, SUM(dur) AS d FROM cx.jobs {c} GROUP BY status"
                   " ORDER BY status"),
        ("labels", "SELECT u.l AS label, COUNT(*) AS n FROM cx.jobs j {c}, UNNEST(j.labels AS l) u"
                   " GROUP BY u.l ORDER BY u.l"),
        ("nulls", "SELECT COUNT(dur) AS c, COUNT(*) AS n FROM cx.jobs {c} WHERE dur IS NULL"),
    ]
    for label, sql in checks:
        same(f"one_pass/known/{label}", srv, sql)
    labels = srv.query(checks[1][1].format(c="HINT(access_path = column_scan)")).body.get(
        "results") or []
    check_match("one_pass/known/counted", [x for x in labels if x["label"] == "brand-new"],
                [{"label": "brand-new", "n": len(known[::7])}])
    # something new in the middle of a batch: the documents before it were appended in one
    # pass, then the batch is written again with both. A new path:
    new = jobs(60, start=120)
    new[20]["extra"] = 7
    new[40]["extra"] = 9
    srv.add("jobs", new)
    for label, sql in checks:
        same(f"one_pass/new/{label}", srv, sql)
    extra = same("one_pass/new/path", srv,
                 "SELECT COUNT(extra) AS c, SUM(extra) AS s, COUNT(*) AS n FROM cx.jobs {c}")
    check_match("one_pass/new/path_values", extra, [{"c": 2, "s": 16, "n": 180}])
    # a type that makes a path mixed (the columns then leave it to SQLite)
    mixed = jobs(60, start=180)
    mixed[30]["dur"] = "slow"
    srv.add("jobs", mixed)
    types = same("one_pass/mixed/types", srv, "SELECT TYPEOF(dur) AS t, COUNT(*) AS k FROM cx.jobs"
                 " {c} GROUP BY TYPEOF(dur) ORDER BY t", on_columns=False)
    check_match("one_pass/mixed/counted", [x for x in types or [] if x["t"] == "string"],
                [{"t": "string", "k": 1}])
    same("one_pass/mixed/count", srv, "SELECT COUNT(dur) AS c, MAX(name) AS m FROM cx.jobs {c}",
         on_columns=False)
    # and the batch after it, known again
    srv.add("jobs", jobs(30, start=240))
    same("one_pass/after/path", srv,
         "SELECT COUNT(extra) AS c, MAX(name) AS m, COUNT(*) AS n FROM cx.jobs {c}")


@case
def test_follows_writes_per_collection():
    """A query on the columns waits only for its own collections' changes (replica.h
    rl_colidx_catch_up): with batches written in turn into two collections, each answer on the
    columns counts every batch acknowledged into the collection it reads, whatever the other's
    writes left pending before or after them in the change log."""
    if not need_duckdb():
        return
    srv = Srv("--column-index", "on")
    srv.coll("jobs")
    srv.coll("runs")
    sql = "SELECT COUNT(*) AS n, SUM(n) AS s FROM cx.{} HINT(access_path = column_scan)"
    for k in range(4):
        srv.add("jobs", jobs(20, start=k * 20))
        r = srv.query(sql.format("runs"))
        check_match(f"per_coll/runs_before{k}", r.body.get("results"),
                    [{"n": 10 * k, "s": sum(range(10 * k)) if k else None}])
        check(f"per_coll/runs_before{k}/engine", k == 0 or engine(r) == "columns",
              repr(r.body.get("stats")))
        srv.add("runs", jobs(10, start=k * 10))
        for coll, n in (("jobs", 20 * (k + 1)), ("runs", 10 * (k + 1))):
            r = srv.query(sql.format(coll))
            check_match(f"per_coll/{coll}{k}", r.body.get("results"),
                        [{"n": n, "s": sum(range(n))}])
            check(f"per_coll/{coll}{k}/engine", engine(r) == "columns", repr(r.body.get("stats")))


@case
def test_many_collections():
    """More collections than the replica's first table array holds (8), written at once, so one
    batch adds tables while it holds the earlier ones."""
    if not need_duckdb():
        return
    srv = Srv("--column-index", "on")
    names = [srv.coll(f"m{k}") for k in range(12)]
    offsets = [rl.add_docs(WS, c, [{"k": k, "v": k * 10}], url=srv.url) for k, c in
               enumerate(names)]
    for c, r in zip(names, offsets):
        rl.wait_fence(WS, c, r.body["last_offset"], url=srv.url)
    for k, c in enumerate(names):
        r = srv.query(f"SELECT SUM(v) AS s, COUNT(*) AS n FROM cx.{c}"
                      " HINT(access_path = column_scan)")
        check_match(f"many/{c}", r.body.get("results"), [{"s": k * 10, "n": 1}])
        check(f"many/{c}/engine", engine(r) == "columns", repr(r.body.get("stats")))


@case
def test_kept_plans():
    """Column statements run from the plans their connection keeps (duck.h rl_duck_query_kept):
    the same text answers the current rows after writes, after a new field (ALTER TABLE on the
    replica), after statements cut by a tight timeout (their connection is not kept), and after
    the collection is dropped and made again."""
    if not need_duckdb():
        return
    srv = Srv("--column-index", "on")
    srv.coll("jobs")
    srv.add("jobs", jobs(40))
    sql = "SELECT name, COUNT(*) AS n, SUM(n) AS s FROM cx.jobs {c} GROUP BY name ORDER BY name"
    for k in range(3):
        same(f"kept/run{k}", srv, sql)
    srv.add("jobs", [dict(d, extra=1) for d in jobs(10, start=40)])
    got = same("kept/after_new_field", srv, sql)
    check("kept/after_new_field_counts", got is not None and sum(r["n"] for r in got) == 50,
          repr(got))
    # a parameter is a constant the runtime evaluates (kept prepared on the connection, bound
    # again each run) and writes into the DuckDB text: each value its own answer
    counted = "SELECT COUNT(*) AS c FROM cx.jobs {c} WHERE n >= :lo"
    for i, (lo, want) in enumerate(((10, 40), (30, 20), (10, 40), (49, 1))):
        p = [{"name": "lo", "type": "int", "value": str(lo)}]
        got = same(f"kept/param{i}", srv, counted, p)
        check_match(f"kept/param{i}_count", got, [{"c": want}])
    for k in range(5):
        r = rl.post("/v1/orgs/self/queries",
                    {"sql": {"query": sql.format(c="HINT(access_path = column_scan)")},
                     "timeout_ms": 1}, url=srv.url)
        check(f"kept/tight_timeout{k}", r.status in (200, 408), repr(r))
    same("kept/after_timeouts", srv, sql)
    r = rl.delete(f"/v1/orgs/self/ws/{WS}/collections/jobs", url=srv.url)
    check("kept/drop", r.status == 200, repr(r))
    rl.poll(lambda: rl.get(f"/v1/orgs/self/ws/{WS}/collections/jobs", url=srv.url),
            lambda r: r.status == 404, timeout=5)
    srv.coll("jobs")
    srv.add("jobs", jobs(5, start=100))
    got = same("kept/recreated", srv, sql)
    check_match("kept/recreated_rows", got,
                [{"name": f"job-{i % 7}", "n": 1, "s": i} for i in range(100, 105)])


@case
def test_drop_and_recreate():
    if not need_duckdb():
        return
    srv = Srv("--column-index", "on")
    srv.coll("jobs")
    srv.add("jobs", jobs(20))
    r = rl.delete(f"/v1/orgs/self/ws/{WS}/collections/jobs", url=srv.url)
    check("drop/status", r.status == 200, repr(r))
    rl.poll(lambda: rl.get(f"/v1/orgs/self/ws/{WS}/collections/jobs", url=srv.url),
            lambda r: r.status == 404, timeout=5)
    srv.coll("jobs")
    srv.add("jobs", [{"n": "a string now"}])
    same("drop/fresh_replica", srv, "SELECT COUNT(*) AS c, MAX(n) AS m FROM cx.jobs {c}")


def restart_cases(data):
    srv = Srv("--data", data, "--column-index", "on")
    srv.coll("jobs")
    srv.add("jobs", jobs(100))
    sql = "SELECT name, SUM(n) AS s FROM cx.jobs {c} GROUP BY name ORDER BY name"
    before = same("restart/before", srv, sql)
    srv.s.stop()
    again = Srv("--data", data, "--column-index", "on")
    check("restart/caught_up_not_rebuilt", "column index built" not in again.s.log(),
          again.s.log()[-400:])
    check_match("restart/same_answer", same("restart/after", again, sql), before)
    # the replica's catalog keeps which fields hold ASCII alone (LOWER runs on the columns)
    check_match("restart/ascii_kept", same("restart/lower", again, "SELECT LOWER(name) AS l,"
                                           " COUNT(*) AS n FROM cx.jobs {c} GROUP BY l"
                                           " ORDER BY l LIMIT 2"),
                [{"l": "job-0", "n": 15}, {"l": "job-1", "n": 15}])
    again.s.stop()
    off = Srv("--data", data, "--column-index", "off")  # writes the replica does not see
    off.add("jobs", jobs(10, start=100))
    off.s.stop()
    third = Srv("--data", data, "--column-index", "on")
    rl.poll(lambda: third.s.log(), lambda log: "column index built" in log, timeout=10)
    check("restart/rebuilt_after_off", "column index built" in third.s.log(),
          third.s.log()[-400:])
    res = same("restart/after_off", third, "SELECT COUNT(*) AS n FROM cx.jobs {c}")
    check_match("restart/count_after_off", res, [{"n": 110}])
    # writes that pause are checkpointed into DuckDB's file (compressed, with zone maps): its
    # WAL empties about a second after the last batch, the server still up
    wal = data + ".columns.duckdb.wal"
    third.add("jobs", jobs(1500, start=110))
    res = same("quiet/answer", third, "SELECT COUNT(*) AS n FROM cx.jobs {c}")
    check_match("quiet/count", res, [{"n": 1610}])
    grew = os.path.exists(wal) and os.path.getsize(wal) > 0
    emptied = rl.poll(lambda: not os.path.exists(wal) or os.path.getsize(wal) == 0,
                      lambda done: done, timeout=15)
    check("quiet/wal_checkpointed", emptied,  # without the checkpoint it stays (under 128MB)
          f"grew {grew}, now {os.path.getsize(wal) if os.path.exists(wal) else 'gone'}")
    check_match("quiet/same_after", same("quiet/after", third,
                                         "SELECT COUNT(*) AS n FROM cx.jobs {c}"), [{"n": 1610}])
    # a trickle is checkpointed too: a few documents left in DuckDB's WAL slowed every column
    # query by a third and more until the next checkpoint (replica.c QUIET_MS: any change)
    # (the query on the columns applies the 3 changes itself: they are in the WAL from then on)
    third.add("jobs", jobs(3, start=1610))
    check_match("quiet/trickle_answer", same("quiet/trickle", third,
                                             "SELECT COUNT(*) AS n FROM cx.jobs {c}"), [{"n": 1613}])
    emptied = rl.poll(lambda: not os.path.exists(wal) or os.path.getsize(wal) == 0,
                      lambda done: done, timeout=15)
    check("quiet/trickle_checkpointed", emptied,
          f"now {os.path.getsize(wal) if os.path.exists(wal) else 'gone'}")
    third.s.stop()


def row_group_cases(data):
    """A replica written in row groups of another length (as before they were 16,384 rows) is
    rebuilt once at the next start; one of the same length is not."""
    old = {"ROCKSET_LOCAL_COLUMN_ROW_GROUP": "122880"}  # DuckDB's default
    first = Srv("--data", data, "--column-index", "on", env=old)
    first.coll("jobs")
    first.add("jobs", jobs(40))
    sql = "SELECT name, SUM(n) AS s FROM cx.jobs {c} GROUP BY name ORDER BY name"
    rl.poll(lambda: first.s.log(), lambda log: "column index built" in log, timeout=30)
    before = same("rowgroup/before", first, sql)
    first.s.stop()
    # answered on the columns at once (a rebuild would keep it on SQLite until it ends), and
    # no rebuild in the log after that
    kept = Srv("--data", data, "--column-index", "on", env=old)
    check_match("rowgroup/kept_answer", same("rowgroup/kept", kept, sql), before)
    check("rowgroup/same_length_not_rebuilt", "column index built" not in kept.s.log(),
          kept.s.log()[-400:])
    kept.s.stop()
    upgraded = Srv("--data", data, "--column-index", "on")
    rl.poll(lambda: upgraded.s.log(), lambda log: "column index built" in log, timeout=30)
    check("rowgroup/other_length_rebuilt", "column index built" in upgraded.s.log(),
          upgraded.s.log()[-400:])
    check_match("rowgroup/same_answer", same("rowgroup/after", upgraded, sql), before)
    upgraded.s.stop()
    again = Srv("--data", data, "--column-index", "on")
    check_match("rowgroup/answer_after_restart", same("rowgroup/restarted", again, sql), before)
    check("rowgroup/rebuilt_once", "column index built" not in again.s.log(),
          again.s.log()[-400:])
    again.s.stop()


def in_store_file(cases):
    """cases(path) with DuckDB, path a store file in a directory of its own, removed after."""
    if not need_duckdb():
        return
    d = tempfile.mkdtemp(prefix="colidx")
    try:
        cases(os.path.join(d, "store.db"))
    finally:  # a server a failed check left up is stopped at exit; unlinking is safe under it
        shutil.rmtree(d, ignore_errors=True)


def steps_docs(n, start=0, extra=False):
    """n jobs whose steps are objects (a member missing from some, null in others, a null
    step), with labels of strings (a null among them), an empty or missing array in some;
    extra: their steps carry a member no earlier document had."""
    out = []
    for i in range(start, start + n):
        steps = [{"name": f"s{k}", "conclusion": "failure" if (i + k) % 3 == 0 else "success",
                  "number": k + 1} for k in range(i % 4)]
        if i % 5 == 0 and steps:
            del steps[-1]["conclusion"]
        if i % 7 == 0 and steps:
            steps[0]["conclusion"] = None
        if i % 11 == 0:
            steps.append(None)
        if extra:
            for s in steps:
                if s is not None:
                    s["runner"] = f"r{i % 2}"
        d = {"_id": f"s{i:05d}", "conclusion": "failure" if i % 2 else "success",
             "repo": f"r{i % 3}", "steps": steps}
        if i % 6 == 0:
            d["labels"] = []
        elif i % 6 == 1:
            d["labels"] = ["linux", None]
        elif i % 6 != 5:
            d["labels"] = ["linux", f"gpu{i % 2}", "linux"]
        if i % 13 == 0:
            d["steps"] = None
        elif i % 17 == 0:
            del d["steps"]
        out.append(d)
    return out


UNNEST_QUERIES = {
    "members": "SELECT s.name, COUNT(*) AS n, COUNT(s.conclusion) AS c FROM cx.steps j {c}"
               " CROSS JOIN UNNEST(j.steps) s WHERE j.conclusion = 'failure'"
               " AND s.conclusion = 'failure' GROUP BY s.name ORDER BY s.name",
    "as_name": "SELECT j.repo, u.st.name AS name, MAX(u.st.number) AS m FROM cx.steps j {c},"
               " UNNEST(j.steps AS st) u GROUP BY j.repo, u.st.name ORDER BY 1, 2",
    "missing_member": "SELECT COUNT(*) AS n FROM cx.steps j {c}, UNNEST(j.steps AS st) u"
                      " WHERE u.st.conclusion IS NULL",
    "scalars": "SELECT u.l, COUNT(*) AS n, MIN(u.i) AS first, MAX(u.i) AS last"
               " FROM cx.steps j {c}, UNNEST(j.labels AS l WITH ORDINALITY AS i) u"
               " WHERE u.l IS NOT NULL GROUP BY u.l ORDER BY u.l",
    "no_as": "SELECT l.unnest AS label, COUNT(*) AS n FROM cx.steps j {c}, UNNEST(j.labels) l"
             " WHERE j.repo <> 'r2' AND l.unnest LIKE 'gpu%' GROUP BY l.unnest ORDER BY 1",
    "rows": "SELECT COUNT(*) AS n, COUNT(DISTINCT j._id) AS docs, SUM(s.number) AS total"
            " FROM cx.steps j {c}, UNNEST(j.steps) s",
    "other_name": "SELECT COUNT(*) AS n, COUNT(u.nope) AS c FROM cx.steps j {c},"
                  " UNNEST(j.labels AS l) u",
    "codes": "SELECT COUNT(*) AS n, COUNT(s.name) AS named FROM cx.steps j {c}, UNNEST(j.steps) s"
             " WHERE s.name <> 'no such step' AND s.conclusion <> 'success'"
             " AND s.name NOT IN ('s2', 'nor this') AND 'failure' = s.conclusion",
}


def unnest_same(tag, srv, extra=()):
    for name, sql in list(UNNEST_QUERIES.items()) + list(extra):
        same(f"unnest/{tag}/{name}", srv, sql)


@case
def test_unnest():
    """UNNEST of a collection's array on the columns (docs/column-index.md, "Arrays on the
    columns"): each element path a LIST column, unnested beside the array's ordinals in one
    subquery; answers equal SQLite's for object and scalar elements, null and missing members,
    null elements, empty, null and missing arrays, WITH ORDINALITY, a member that appears in a
    later batch, replaced and deleted documents, and after a restart; element strings are kept
    as codes (strdict.h): new ones after a restart, non-ASCII and quoted ones decode exactly,
    and a path past the codes' limit stays on SQLite with the same answer."""
    def cases(data):
        srv = Srv("--data", data, "--column-index", "on")
        srv.coll("steps")
        srv.add("steps", steps_docs(300))
        unnest_same("first", srv)
        res = same("unnest/exact", srv, "SELECT COUNT(*) AS n FROM cx.steps j {c},"
                   " UNNEST(j.steps) s WHERE s.name = 's0'")
        want = sum(1 for d in steps_docs(300) for s in (d.get("steps") or [])
                   if s is not None and s.get("name") == "s0")
        check_match("unnest/exact_count", res, [{"n": want}])
        # a member first seen now: earlier rows' lists of it are NULL, yet their elements count
        srv.add("steps", steps_docs(60, start=300, extra=True))
        runner = [("runner", "SELECT s.runner, COUNT(*) AS n FROM cx.steps j {c},"
                             " UNNEST(j.steps) s GROUP BY s.runner ORDER BY 1")]
        unnest_same("new_member", srv, runner)
        # replaced (fewer steps), patched away and deleted arrays
        srv.add("steps", [{"_id": "s00003", "conclusion": "failure", "repo": "r0",
                           "steps": [{"name": "s9", "conclusion": "failure"}]}])
        r = rl.patch(f"/v1/orgs/self/ws/{WS}/collections/steps/docs",
                     {"data": [{"_id": "s00007", "patch": [{"op": "remove", "path": "/steps"}]}]},
                     url=srv.url)
        check("unnest/patch_status", r.status == 200, repr(r))
        r = rl.delete(f"/v1/orgs/self/ws/{WS}/collections/steps/docs",
                      {"data": [{"_id": "s00011"}]}, url=srv.url)
        check("unnest/delete_status", r.status == 200, repr(r))
        unnest_same("changed", srv, runner)
        srv.s.stop()
        again = Srv("--data", data, "--column-index", "on")
        unnest_same("restarted", again, runner)
        # strings first seen after the restart get the next codes of the dictionary it read
        again.add("steps", [{"_id": "late", "conclusion": "failure", "repo": "r1",
                             "labels": ["gpu-été", "it's"],
                             "steps": [{"name": "s-late", "conclusion": "failure"},
                                       {"name": "s0", "conclusion": "failure"}]}])
        unnest_same("new_strings", again, runner)
        res = same("unnest/new_strings/late", again, "SELECT s.name, l.unnest AS label"
                   " FROM cx.steps j {c}, UNNEST(j.labels) l, UNNEST(j.steps) s"
                   " WHERE j._id = 'late' ORDER BY 1, 2", on_columns=False)
        check_match("unnest/new_strings/late_rows", res,
                    [{"name": n, "label": lb} for n in ("s-late", "s0")
                     for lb in ("gpu-été", "it's")])
        res = same("unnest/new_strings/decoded", again, "SELECT u.l, COUNT(*) AS n"
                   " FROM cx.steps j {c}, UNNEST(j.labels AS l) u WHERE u.l IN"
                   " ('gpu-été', 'it''s') GROUP BY u.l ORDER BY 1")
        check_match("unnest/new_strings/decoded_rows", res,
                    [{"l": "gpu-été", "n": 1}, {"l": "it's", "n": 1}])
        # elements of two types stay on SQLite, with the same answer
        again.add("steps", [{"_id": "mixed", "steps": ["a string step"]}])
        same("unnest/mixed_elements", again, UNNEST_QUERIES["members"], on_columns=False)
        again.s.stop()
        # new strings coded while statements run: a statement printed with the codes before
        # them is run again, so no element reads as NULL (query_exec.c cols_try)
        third = Srv("--data", data, "--column-index", "on", "--column-run-delay-ms", "100")
        third.coll("racing")
        third.add("racing", [{"_id": "r0", "l": ["seed"]}])
        nulls = ("SELECT COUNT(*) AS n, COUNT(u.x) AS named FROM cx.racing j {c},"
                 " UNNEST(j.l AS x) u")
        stop = threading.Event()

        def writer():
            for b in range(1, 101):  # about 2 s: the worker applies each within 50 ms
                if stop.is_set():
                    return
                rl.add_docs(WS, "racing", [{"_id": f"r{b}-{k}", "l": [f"w{b}-{k}", "seed"]}
                                           for k in range(10)], url=third.url)
                time.sleep(0.015)

        t = threading.Thread(target=writer)
        t.start()
        bad = []
        runs = 0
        while t.is_alive() and runs < 400:
            r = third.query(nulls.format(c="HINT(access_path = column_scan)"))
            runs += 1
            row = (r.body.get("results") or [{}])[0] if r.status == 200 else {}
            if r.status != 200 or row.get("n") != row.get("named"):
                bad.append((r.status, row))
        stop.set()
        t.join()
        check("unnest/codes/racing_no_element_lost", not bad, repr(bad[:3]))
        check("unnest/codes/racing_ran", runs >= 3, f"{runs} statements")
        res = same("unnest/codes/racing_after", third, nulls)
        check_match("unnest/codes/racing_after_rows", res, [{"n": 1 + 100 * 20, "named": 1 + 100 * 20}])
        third.s.stop()
        # more distinct strings than the replica codes (replica.c DICT_MAX): SQLite answers
        third = Srv("--data", data, "--column-index", "on")
        third.coll("tags")
        third.add("tags", [{"_id": f"t{i}", "tags": [f"tag-{i}", "common"]} for i in range(4000)])
        tags = ("SELECT COUNT(*) AS n, COUNT(DISTINCT u.t) AS d, MAX(u.t) AS m"
                " FROM cx.tags j {c}, UNNEST(j.tags AS t) u WHERE u.t <> 'tag-7'")
        res = same("unnest/codes/under_the_limit", third, tags)
        check_match("unnest/codes/under_the_limit_rows", res,
                    [{"n": 7999, "d": 4000, "m": "tag-999"}])
        third.add("tags", [{"_id": f"t{i}", "tags": [f"tag-{i}"]} for i in range(4000, 4200)])
        res = same("unnest/codes/over_the_limit", third, tags, on_columns=False)
        check_match("unnest/codes/over_the_limit_rows", res,
                    [{"n": 8199, "d": 4200, "m": "tag-999"}])
        third.s.stop()
    in_store_file(cases)


@case
def test_row_group_length():
    in_store_file(row_group_cases)


@case
def test_restart():
    in_store_file(restart_cases)


rl.done()
