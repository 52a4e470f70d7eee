#!/usr/bin/python3
"""A join on an expression of a field, through a WITH query, and a WHERE on that expression
(docs/indexing.md, "Expression keys", "Expressions in WHERE"): does their time follow the answer
or the collection?

    tests/bench/expr_join_bench.py [ROCKSET_LOCAL]

The shape of HUD's weekly_force_merge_stats: the merges of one month joined to a WITH query of
the comments that ask for a merge, on the PR number their URL ends with
(`m.pr_num = CAST(SUBSTR(c.issue_url, 53) AS INT)` in the WITH query's item). Two workspaces on
one server: "small" holds the month (2,000 merges, 12,000 comments); "large" holds the same
month plus ten times as much history before it (20,000 merges, 120,000 comments outside the
window), so that the answer is the same. A third copy of "large" on a --field-index off server
is the reference for the answer and the time a scan takes. The second query counts the comments
of two PRs of the month by the number their URL ends with. Each query runs 15 times per
workspace, alternating; the median client time (loopback HTTP included) is reported, and the
ratios large / small (the goal of issue #20: at most 2) and large / indexes-off.
"""
import os
import random
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "dashboard"))
import lib  # noqa: E402

URL = "https://api.github.com/repos/pytorch/pytorch/issues/"
T0 = 1_700_000_000
SQL = """WITH issue_comments AS (
  SELECT c.user.login, c.body, c.created,
    CAST(SUBSTR(c.issue_url, LENGTH('https://api.github.com/repos/pytorch/pytorch/issues/') + 1)
      AS INT) AS pr_num
  FROM {ws}.issue_comment c
  WHERE (c.body LIKE '%pytorchbot merge%' OR c.body LIKE '%pytorchmergebot merge%')
    AND c.user.login NOT LIKE '%pytorch-bot%'
)
SELECT COUNT(*) AS merges, SUM(t) AS s FROM (
  SELECT m.pr_num, m.skip_mandatory_checks, MAX(c.created) AS t
  FROM {ws}.merges m INNER JOIN issue_comments c ON m.pr_num = c.pr_num
  WHERE m.owner = 'pytorch' AND m.merge_commit_sha != ''
    AND m._event_time >= PARSE_DATETIME_ISO8601('2023-11-14T22:13:20')
    AND m._event_time < PARSE_DATETIME_ISO8601('2023-12-15T00:00:00')
  GROUP BY m.pr_num, m.skip_mandatory_checks) x"""
# A PR page's comments, found by the number their URL ends with (a WHERE on an expression of
# one field, served by the same expression's index).
SQL_WHERE = """SELECT COUNT(*) AS n, MAX(c.created) AS last FROM {ws}.issue_comment c
WHERE CAST(SUBSTR(c.issue_url, LENGTH('https://api.github.com/repos/pytorch/pytorch/issues/') + 1)
  AS INT) IN (100123, 101999)"""
QUERIES = (("join", SQL), ("where", SQL_WHERE))


def iso(day):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 + int(day * 86400)))


def documents(rng, prs, day0, day1):
    """Six comments and one merge per PR, at times between day0 and day1 (days after T0)."""
    bodies = ["@pytorchbot merge", "lgtm", "@pytorchbot merge -f 'x'", "nice",
              "@pytorchmergebot merge -i"]
    comments, merges = [], []
    for pr in prs:
        for k in range(6):
            comments.append({"_id": f"c{pr}-{k}", "body": rng.choice(bodies),
                             "user": {"login": rng.choice(["alice", "bob", "pytorch-bot[bot]"])},
                             "issue_url": URL + str(pr),
                             "created": T0 + int(rng.uniform(day0, day1) * 86400)})
        merges.append({"_id": f"m{pr}", "_event_time": iso(rng.uniform(day0, day1)),
                       "owner": "pytorch", "pr_num": pr, "merge_commit_sha": "%040x" % pr,
                       "skip_mandatory_checks": rng.random() < 0.3})
    return comments, merges


def load(srv, ws, comments, merges):
    srv.call("POST", "/v1/orgs/self/ws", {"name": ws})
    for coll, docs in (("issue_comment", comments), ("merges", merges)):
        srv.call("POST", f"/v1/orgs/self/ws/{ws}/collections", {"name": coll})
        for i in range(0, len(docs), 2000):
            status, r = srv.call("POST", f"/v1/orgs/self/ws/{ws}/collections/{coll}/docs",
                                 {"data": docs[i:i + 2000]})
            if status != 200:
                raise RuntimeError(f"loading {ws}.{coll}: {status} {r}")
        status, r = srv.query(f"SELECT COUNT(*) AS n FROM {ws}.{coll}")
        if status != 200 or r["results"][0]["n"] != len(docs):
            raise RuntimeError(f"count {ws}.{coll}: {status} {r}")


def timed(srv, ws, sql):
    started = time.monotonic()
    status, r = srv.query(sql.format(ws=ws))
    if status != 200:
        raise RuntimeError(f"{ws}: {status} {r.get('message', r)}")
    return (time.monotonic() - started) * 1e3, r["results"]


def report(on, off, name, sql):
    """Time sql 15 times on each workspace, alternating; print its rows of the table."""
    times = {"small": [], "large": [], "off": []}
    answers = {}
    for _ in range(15):
        for label, srv, ws in (("small", on, "small"), ("large", on, "large"),
                               ("off", off, "large")):
            ms, rows = timed(srv, ws, sql)
            times[label].append(ms)
            answers[label] = rows
    plans = {}
    for ws in ("small", "large"):
        _, plan = on.query("EXPLAIN " + sql.format(ws=ws))
        plans[ws] = [list(x.values())[0].strip() for x in plan.get("results", [])
                     if "Join JOIN" in list(x.values())[0] or "Get " in list(x.values())[0]]
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"| {name}, small: 2,000 merges, 12,000 comments (ms, median of 15) | {med['small']:.1f} |")
    print(f"| {name}, large: + 10x history outside the window (ms) | {med['large']:.1f} |")
    print(f"| {name}, large, --field-index off (ms) | {med['off']:.1f} |")
    print(f"| {name}, large / small (goal <= 2) | {med['large'] / med['small']:.2f} |")
    print(f"| {name}, large / indexes off | {med['large'] / med['off']:.3f} |")
    same = answers["small"] == answers["large"] == answers["off"]
    print(f"| {name}, answers identical (small, large, indexes off) | {'yes' if same else 'NO'} |")
    for ws in ("small", "large"):
        print(f"| {name}, the plan ({ws}) |"
              f" {'; '.join(x[len('plan:'):].strip() for x in plans[ws])} |")
    return same


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/rockset-local"
    work = tempfile.mkdtemp(prefix="rl-exprjoin-")
    rng = random.Random(7)
    month = documents(rng, range(100_000, 102_000), 0, 30)
    history = documents(rng, range(80_000, 100_000), -400, -31)
    on = lib.Server(binary, work, "on")
    off = lib.Server(binary, work, "off", "--field-index", "off")
    try:
        load(on, "small", *month)
        load(on, "large", month[0] + history[0], month[1] + history[1])
        load(off, "large", month[0] + history[0], month[1] + history[1])
        for _ in range(3):  # the first runs ask for the expressions' indexes: built by use
            for _, sql in QUERIES:
                timed(on, "small", sql)
                timed(on, "large", sql)
            time.sleep(1)
        same = True
        print("| measure | value |")
        print("| --- | --- |")
        for name, sql in QUERIES:
            same = report(on, off, name, sql) and same
        return 0 if same else 1
    finally:
        on.stop()
        off.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
