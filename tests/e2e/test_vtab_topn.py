#!/usr/bin/env python3
"""test_vtab_topn.py - how a collection table sends a pushed top-N (ORDER BY fields ... LIMIT,
docs/semantics.md "Why a pushed ORDER BY is split by type") and what it costs in requests.

A split ORDER BY reads REST (the rows with a key of another type than null, int, finite float,
string) and MAIN. Without filters and OFFSET both go in one request (MAIN without its type
guard and _id tie-break, UNION ALL REST), sorted by the extension: 1 request when it shows REST
empty, else the same again with MAIN's guard and tie-break (2). Otherwise REST comes first; with
filters, a probe comes before it: one _id of the whole collection with a key of another type;
when there is none, REST - a subset - is empty and is not sent. So with filters: 2 requests when
the key column is plain everywhere (probe, MAIN), 3 when some row anywhere holds another type
(probe, REST, MAIN); without filters, with OFFSET, REST is the probe's question and is sent as it
is (2 requests). When REST is empty MAIN is sent without the type guard and without the _id
tie-break, for the page and the rows on either side of it; a tie across an edge of the page
sends MAIN again with its tie-break (one more request). Every answer must be the one SQLite
gives with pushdown off (rockset_config('pushdown', 0)), and a top-N that can match nothing
sends nothing.
Against the shared rockset-local ($RS_TEST_URL), through Python's sqlite3.
"""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402

rl.set_prefix("vtab_topn")
WS = rl.uniq("topn")


def load(coll, docs):
    rl.make_coll(WS, coll)
    r = rl.add_docs(WS, coll, docs)
    offset = r.body.get("last_offset")
    if offset:
        rl.wait_fence(WS, coll, offset)


def connect():
    os.environ["ROCKSET_APIKEY"] = rl.KEY
    os.environ["ROCKSET_APISERVER"] = rl.URL
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(os.path.join(rl.B, "rockset_ext"))
    return db


def requests(db):
    return json.loads(db.execute("SELECT rockset_stats()").fetchone()[0])["requests"]


def run(db, table, sql):
    """(rows with pushdown, requests they took, rows with pushdown off)."""
    db.execute(f"SELECT count(*) FROM {table} WHERE 0").fetchall()  # plan statistics first
    before = requests(db)
    got = db.execute(sql).fetchall()
    sent = requests(db) - before
    db.execute("SELECT rockset_config('pushdown', 0)")
    want = db.execute(sql).fetchall()
    db.execute("SELECT rockset_config('pushdown', 1)")
    return got, sent, want


def check_topn(db, table, label, sql, want_requests, want_rows=None):
    got, sent, off = run(db, table, sql)
    rl.check(f"{label}/same_rows_as_pushdown_off", got == off, f"got {got!r} want {off!r}")
    if want_rows is not None:
        rl.check(f"{label}/rows", got == want_rows, repr(got))
    rl.check(f"{label}/requests", sent == want_requests, f"{sent} requests, want {want_requests}")


rl.make_ws(WS)
# plain: every n an int or a float; mixed: a bool in group g2 and an object in g0. The filters
# are on g, a TEXT column compared with words: exact, so LIMIT and ORDER BY are pushed.
PLAIN = [{"_id": "d%02d" % i, "n": i * 3 % 17 + (0.5 if i % 5 == 0 else 0), "g": "g%d" % (i % 3)}
         for i in range(30)]
MIXED = [dict(d) for d in PLAIN]
MIXED[5]["n"] = True  # g2: SQLite sees 1
MIXED[9]["n"] = {"k": "v"}  # g0: SQLite sees the JSON text, after every number
load("plain", PLAIN)
load("mixed", MIXED)
# ties: n in groups of three equal values, loaded in reverse _id order, so that a server walking
# n's index meets equal keys in another order than SQLite's tie-break (_id, the scan's order)
TIES = [{"_id": "t%02d" % i, "n": i // 3, "g": "a" if i % 2 else "b"} for i in reversed(range(12))]
load("ties", TIES)


@rl.case
def no_filter_sends_rest_then_main():
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE p USING rockset('{WS}.plain', columns='n REAL, g TEXT')")
    db.execute(f"CREATE VIRTUAL TABLE m USING rockset('{WS}.mixed', columns='n REAL, g TEXT')")
    check_topn(db, "p", "plain", "SELECT _id, n FROM p ORDER BY n DESC LIMIT 4", 1)
    # REST's two rows come besides MAIN's five: sent again with MAIN's guard and tie-break
    check_topn(db, "m", "mixed", "SELECT _id, n FROM m ORDER BY n DESC LIMIT 4", 2,
               [("d09", '{"k":"v"}'), ("d11", 16), ("d28", 16), ("d22", 15)])
    # MAIN came short: every row, REST's twice (sent again); plain: every row once
    check_topn(db, "m", "mixed_all", "SELECT _id, n FROM m ORDER BY n LIMIT 40", 2)
    check_topn(db, "p", "plain_all", "SELECT _id, n FROM p ORDER BY n LIMIT 40", 1)
    db.close()


@rl.case
def filter_probes_first():
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE p USING rockset('{WS}.plain', columns='n REAL, g TEXT')")
    db.execute(f"CREATE VIRTUAL TABLE m USING rockset('{WS}.mixed', columns='n REAL, g TEXT')")
    # plain everywhere: the probe finds nothing, REST is not sent
    check_topn(db, "p", "plain", "SELECT _id, n FROM p WHERE g = 'g1' ORDER BY n DESC LIMIT 3", 2)
    # another type outside the filter: probe, REST (empty), MAIN
    check_topn(db, "m", "other_type_elsewhere",
               "SELECT _id, n FROM m WHERE g = 'g1' ORDER BY n DESC LIMIT 3", 3)
    # inside it: the bool merged where SQLite puts 1
    check_topn(db, "m", "other_type_inside",
               "SELECT _id, n FROM m WHERE g = 'g2' ORDER BY n LIMIT 3", 3,
               [("d17", 0), ("d05", 1), ("d23", 1)])
    check_topn(db, "m", "with_offset",
               "SELECT _id, n FROM m WHERE g = 'g2' ORDER BY n LIMIT 2 OFFSET 1", 3,
               [("d05", 1), ("d23", 1)])
    check_topn(db, "p", "plain_with_offset",
               "SELECT _id, n FROM p WHERE g = 'g0' ORDER BY n DESC LIMIT 2 OFFSET 2", 2)
    db.close()


@rl.case
def ties_at_the_page_edges():
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE t USING rockset('{WS}.ties', columns='n INTEGER, g TEXT')")
    # ties inside the page only: sorted by _id here, one request (MAIN and REST together)
    check_topn(db, "t", "inside", "SELECT _id, n FROM t ORDER BY n LIMIT 3", 1,
               [("t00", 0), ("t01", 0), ("t02", 0)])
    # rows 4 and 5 tie: which of them Rockset kept is unknown, sent again with the tie-break
    check_topn(db, "t", "at_the_end", "SELECT _id, n FROM t ORDER BY n LIMIT 4", 2,
               [("t00", 0), ("t01", 0), ("t02", 0), ("t03", 1)])
    # OFFSET: REST, then the page with the rows on either side of it
    check_topn(db, "t", "offset_clean_edges", "SELECT _id, n FROM t ORDER BY n DESC LIMIT 3 OFFSET 3",
               2, [("t06", 2), ("t07", 2), ("t08", 2)])
    # the row before the page ties with its first: REST, the page, MAIN with the tie-break
    check_topn(db, "t", "at_the_start", "SELECT _id, n FROM t ORDER BY n LIMIT 2 OFFSET 1", 3,
               [("t01", 0), ("t02", 0)])
    # filters: probe, the page (no tie at its end); then one tie at the end
    check_topn(db, "t", "filtered", "SELECT _id, n FROM t WHERE g = 'a' ORDER BY n DESC LIMIT 2",
               2, [("t09", 3), ("t11", 3)])
    check_topn(db, "t", "filtered_tie", "SELECT _id, n FROM t WHERE g = 'b' ORDER BY n LIMIT 1",
               3, [("t00", 0)])
    db.close()


@rl.case
def nothing_to_match_sends_nothing():
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE m USING rockset('{WS}.mixed', columns='n REAL, g TEXT')")
    check_topn(db, "m", "limit_zero", "SELECT _id FROM m WHERE g = 'g1' ORDER BY n LIMIT 0", 0, [])
    check_topn(db, "m", "limit_zero_no_filter", "SELECT _id FROM m ORDER BY n LIMIT 0", 0, [])
    for limit in (0, 2):  # a LIMIT SQLite only learns when it runs
        got = db.execute("SELECT _id FROM m ORDER BY n LIMIT (SELECT ?)", (limit,)).fetchall()
        db.execute("SELECT rockset_config('pushdown', 0)")
        want = db.execute("SELECT _id FROM m ORDER BY n LIMIT (SELECT ?)", (limit,)).fetchall()
        db.execute("SELECT rockset_config('pushdown', 1)")
        rl.check(f"limit_bound_{limit}/same_rows_as_pushdown_off", got == want, repr(got))
    check_topn(db, "m", "empty_in_list",
               "SELECT _id FROM m WHERE g IN (SELECT 'g1' WHERE 0) ORDER BY n LIMIT 3", 0, [])
    db.close()


rl.done()
