#!/usr/bin/env python3
"""test_vtab_topn.py - how a collection table sends a pushed top-N (ORDER BY fields ... LIMIT,
docs/semantics.md "Why a pushed ORDER BY is split by type") and what it costs in requests.

A split ORDER BY reads REST (the rows with a key of another type than null, int, finite float,
string) and MAIN. When the page and the rows on either side of it fit the first response, one
request asks for them (MAIN without its type guard and _id tie-break, with the query's filters
and OFFSET) UNION ALL the probe (one row of the whole collection with a key of another type, no
filters); the extension sorts the rows. That is the answer (1 request) unless a tie crosses an
edge of the page (then MAIN with its tie-break: 2) or the probe found a row (then MAIN, for LIMIT
+ OFFSET rows, and REST in one request, all sorted here: 2; or REST first when LIMIT + OFFSET
rows are more than a page, so that MAIN streams). A descending top-N on a column declared
numeric, without OFFSET, sends the page alone: when its keys are all numbers and the last is
above 1 (or fewer rows came than asked for), no row of another type can belong in it (1
request); when a key is a bool, an object or an array, REST has rows (MAIN and REST follow: 2);
otherwise the probe follows alone (2, or 3 when it finds a row). A page that does not fit, and LIMIT 0, go REST
first: with filters after a probe, REST only when it finds a row. Every answer must be the one
SQLite gives with pushdown off (rockset_config('pushdown', 0)), and a top-N that can match
nothing sends nothing.
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
# descending pages of numbers: in group a a bool below ten ints, in b a bool above the numbers
# in SQLite's order (1 > 0.5) but below them in Rockset's, in c nulls after two ints, in d a
# timestamp-like string above the numbers in both orders; e holds numbers at most 1 only
DESC = ([{"_id": "e%02d" % i, "n": 10 + i, "g": "a"} for i in range(10)]
        + [{"_id": "e10", "n": True, "g": "a"},
           {"_id": "e11", "n": 0.5, "g": "b"}, {"_id": "e12", "n": 0.25, "g": "b"},
           {"_id": "e13", "n": True, "g": "b"}, {"_id": "e14", "n": False, "g": "b"},
           {"_id": "e15", "n": None, "g": "c"}, {"_id": "e16", "g": "c"},
           {"_id": "e17", "n": 3, "g": "c"}, {"_id": "e18", "n": 2, "g": "c"},
           {"_id": "e19", "n": "2024-01-01T00:00:00Z", "g": "d"}, {"_id": "e20", "n": 7, "g": "d"},
           {"_id": "e21", "n": 8, "g": "d"},
           {"_id": "e22", "n": 0.5, "g": "e"}, {"_id": "e23", "n": 0.75, "g": "e"}])
load("desc", DESC)


@rl.case
def no_filter_one_request():
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE p USING rockset('{WS}.plain', columns='n REAL, g TEXT')")
    db.execute(f"CREATE VIRTUAL TABLE m USING rockset('{WS}.mixed', columns='n REAL, g TEXT')")
    check_topn(db, "p", "plain", "SELECT _id, n FROM p ORDER BY n DESC LIMIT 4", 1)
    # the probe found a row: MAIN and REST in one more request, merged here
    check_topn(db, "m", "mixed", "SELECT _id, n FROM m ORDER BY n DESC LIMIT 4", 2,
               [("d09", '{"k":"v"}'), ("d11", 16), ("d28", 16), ("d22", 15)])
    # every row: REST's merged where SQLite puts them; plain: every row once
    check_topn(db, "m", "mixed_all", "SELECT _id, n FROM m ORDER BY n LIMIT 40", 2)
    check_topn(db, "p", "plain_all", "SELECT _id, n FROM p ORDER BY n LIMIT 40", 1)
    db.close()


@rl.case
def filters_one_request():
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE p USING rockset('{WS}.plain', columns='n REAL, g TEXT')")
    db.execute(f"CREATE VIRTUAL TABLE m USING rockset('{WS}.mixed', columns='n REAL, g TEXT')")
    # plain everywhere: the probe's arm brings nothing, the page is the answer
    check_topn(db, "p", "plain", "SELECT _id, n FROM p WHERE g = 'g1' ORDER BY n DESC LIMIT 3", 1)
    # another type outside the filter: the probe finds it, MAIN and REST (empty) follow
    check_topn(db, "m", "other_type_elsewhere",
               "SELECT _id, n FROM m WHERE g = 'g1' ORDER BY n LIMIT 3", 2)
    # descending, numbers above 1: the types elsewhere cannot matter, the page is sent alone
    check_topn(db, "m", "other_type_elsewhere_desc",
               "SELECT _id, n FROM m WHERE g = 'g1' ORDER BY n DESC LIMIT 3", 1)
    # inside it: the bool merged where SQLite puts 1
    check_topn(db, "m", "other_type_inside",
               "SELECT _id, n FROM m WHERE g = 'g2' ORDER BY n LIMIT 3", 2,
               [("d17", 0), ("d05", 1), ("d23", 1)])
    check_topn(db, "m", "with_offset",
               "SELECT _id, n FROM m WHERE g = 'g2' ORDER BY n LIMIT 2 OFFSET 1", 2,
               [("d05", 1), ("d23", 1)])
    check_topn(db, "m", "object_inside_desc",
               "SELECT _id, n FROM m WHERE g = 'g0' ORDER BY n DESC LIMIT 2 OFFSET 1", 2)
    check_topn(db, "p", "plain_with_offset",
               "SELECT _id, n FROM p WHERE g = 'g0' ORDER BY n DESC LIMIT 2 OFFSET 2", 1)
    db.close()


@rl.case
def offset_one_request():
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE p USING rockset('{WS}.plain', columns='n REAL, g TEXT')")
    db.execute(f"CREATE VIRTUAL TABLE m USING rockset('{WS}.mixed', columns='n REAL, g TEXT')")
    check_topn(db, "p", "plain", "SELECT _id, n FROM p ORDER BY n LIMIT 3 OFFSET 10", 1,
               [("d13", 5), ("d02", 6), ("d19", 6)])
    # REST's rows are not in the page Rockset returned: found by the probe, merged after
    check_topn(db, "m", "mixed_desc", "SELECT _id, n FROM m ORDER BY n DESC LIMIT 3 OFFSET 1", 2,
               [("d11", 16), ("d28", 16), ("d22", 15)])
    check_topn(db, "m", "mixed_asc", "SELECT _id, n FROM m ORDER BY n LIMIT 3 OFFSET 2", 2)
    # the last rows, and a page past them
    check_topn(db, "p", "last_rows", "SELECT _id, n FROM p ORDER BY n LIMIT 5 OFFSET 28", 1)
    check_topn(db, "m", "last_rows_mixed", "SELECT _id, n FROM m ORDER BY n LIMIT 5 OFFSET 28", 2,
               [("d28", 16), ("d09", '{"k":"v"}')])
    for label, table, where, sent in (("plain", "p", "", 1), ("mixed", "m", "", 2),
                                      ("filtered", "m", "WHERE g = 'g2' ", 2)):
        check_topn(db, table, f"offset_beyond_{label}",
                   f"SELECT _id, n FROM {table} {where}ORDER BY n LIMIT 3 OFFSET 40", sent, [])
        check_topn(db, table, f"offset_at_the_end_{label}",
                   f"SELECT _id, n FROM {table} {where}ORDER BY n LIMIT 3 OFFSET 30", sent, [])
    db.close()


@rl.case
def more_than_a_page_after_the_probe():
    """The probe found a row and LIMIT + OFFSET rows are more than a page: REST first (its
    filters, no second probe), then MAIN streamed and merged, or the page when REST is empty."""
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE m USING rockset('{WS}.mixed', columns='n REAL, g TEXT',"
               " page_size=6)")
    for label, sql in (("no_filter", "SELECT _id, n FROM m ORDER BY n DESC LIMIT 3 OFFSET 8"),
                       ("rest_rows", "SELECT _id, n FROM m WHERE g = 'g2' ORDER BY n LIMIT 2 OFFSET 5"),
                       ("all", "SELECT _id, n FROM m ORDER BY n LIMIT 4 OFFSET 26"),
                       # the page, its edges and the probe's row: 7 rows, the 7th on a 2nd page
                       ("probe_row_on_page_2", "SELECT _id, n FROM m ORDER BY n LIMIT 4 OFFSET 1")):
        got, _, want = run(db, "m", sql)
        rl.check(f"{label}/same_rows_as_pushdown_off", got == want, f"got {got!r} want {want!r}")
        rl.check(f"{label}/rows", len(got) > 0, repr(got))
    # g1 holds no row of another type: the probe's row, REST (empty), then the page (3 requests)
    check_topn(db, "m", "rest_empty",
               "SELECT _id, n FROM m WHERE g = 'g1' ORDER BY n LIMIT 2 OFFSET 5", 3)
    db.close()


@rl.case
def descending_numbers_alone():
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE d USING rockset('{WS}.desc', columns='n REAL, g TEXT')")
    db.execute(f"CREATE VIRTUAL TABLE u USING rockset('{WS}.desc', columns='n, g TEXT')")
    db.execute(f"CREATE VIRTUAL TABLE p USING rockset('{WS}.plain', columns='n REAL, g TEXT')")
    q = "SELECT _id, n FROM {t} WHERE g = '{g}' ORDER BY n DESC LIMIT {n}"
    # the page alone: numbers above 1, the bool below them in both orders
    check_topn(db, "d", "above_bools", q.format(t="d", g="a", n=3), 1,
               [("e09", 19), ("e08", 18), ("e07", 17)])
    check_topn(db, "d", "fewer_than_asked", q.format(t="d", g="c", n=1), 1, [("e17", 3)])
    # the bool came with the page: MAIN and REST next, SQLite's 1 merged last
    check_topn(db, "d", "bool_in_the_page", q.format(t="d", g="a", n=11), 2)
    # numbers at most 1: the probe finds the bools, and true (1 to SQLite) comes first
    check_topn(db, "d", "bool_above_in_sqlite", q.format(t="d", g="b", n=1), 3, [("e13", 1)])
    check_topn(db, "d", "bool_above_in_sqlite_2", q.format(t="d", g="b", n=2), 2,
               [("e13", 1), ("e11", 0.5)])
    # nulls reached, a string on top: the probe, then MAIN and REST
    check_topn(db, "d", "nulls_reached", q.format(t="d", g="c", n=2), 3, [("e17", 3), ("e18", 2)])
    check_topn(db, "d", "string_on_top", q.format(t="d", g="d", n=2), 3,
               [("e19", "2024-01-01T00:00:00Z"), ("e21", 8)])
    check_topn(db, "d", "no_filter", "SELECT _id, n FROM d ORDER BY n DESC LIMIT 3", 3)
    check_topn(db, "d", "at_most_one", q.format(t="d", g="e", n=1), 3, [("e23", 0.75)])
    # plain everywhere: the page, then the probe (nothing) when its last key is not above 1
    check_topn(db, "p", "plain_at_most_one", "SELECT _id, n FROM p ORDER BY n DESC LIMIT 28", 2)
    check_topn(db, "p", "plain_all", "SELECT _id, n FROM p ORDER BY n DESC LIMIT 40", 1)
    # not declared numeric, ascending, OFFSET: the probe goes with the page (and finds the bools)
    check_topn(db, "u", "untyped", q.format(t="u", g="c", n=1), 2, [("e17", 3)])
    check_topn(db, "d", "ascending", "SELECT _id, n FROM d WHERE g = 'c' ORDER BY n LIMIT 3", 2)
    check_topn(db, "d", "offset", "SELECT _id, n FROM d WHERE g = 'a' ORDER BY n DESC LIMIT 2 "
               "OFFSET 1", 2, [("e08", 18), ("e07", 17)])
    db.close()


@rl.case
def ties_at_the_page_edges():
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE t USING rockset('{WS}.ties', columns='n INTEGER, g TEXT')")
    # ties inside the page only: sorted by _id here, one request
    check_topn(db, "t", "inside", "SELECT _id, n FROM t ORDER BY n LIMIT 3", 1,
               [("t00", 0), ("t01", 0), ("t02", 0)])
    # rows 4 and 5 tie: which of them Rockset kept is unknown, MAIN with the tie-break
    check_topn(db, "t", "at_the_end", "SELECT _id, n FROM t ORDER BY n LIMIT 4", 2,
               [("t00", 0), ("t01", 0), ("t02", 0), ("t03", 1)])
    # OFFSET: the page with the rows on either side of it
    check_topn(db, "t", "offset_clean_edges", "SELECT _id, n FROM t ORDER BY n DESC LIMIT 3 OFFSET 3",
               1, [("t06", 2), ("t07", 2), ("t08", 2)])
    # the row before the page ties with its first: MAIN with the tie-break
    check_topn(db, "t", "at_the_start", "SELECT _id, n FROM t ORDER BY n LIMIT 2 OFFSET 1", 2,
               [("t01", 0), ("t02", 0)])
    check_topn(db, "t", "both_edges", "SELECT _id, n FROM t ORDER BY n DESC LIMIT 1 OFFSET 4", 2,
               [("t07", 2)])
    # filters: no tie at the page's end; then one
    check_topn(db, "t", "filtered", "SELECT _id, n FROM t WHERE g = 'a' ORDER BY n DESC LIMIT 2",
               1, [("t09", 3), ("t11", 3)])
    check_topn(db, "t", "filtered_tie", "SELECT _id, n FROM t WHERE g = 'b' ORDER BY n LIMIT 1",
               2, [("t00", 0)])
    check_topn(db, "t", "filtered_offset_tie",
               "SELECT _id, n FROM t WHERE g = 'b' ORDER BY n LIMIT 2 OFFSET 1", 2)
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
