#!/usr/bin/env python3
"""test_vtab_pages.py - how a collection table reads a result's pages (ext/vtab_collection_stream.c,
src/api/api_query.c), against a scripted Rockset: a server in this process that answers every
query with rows this file wrote, byte for byte, so that pages can hold what rockset-local never
sends (rows that are not objects, broken JSON, keys in any order, escapes).

What it pins down: the rows of many small pages arrive complete and in order, whatever the
fetcher keeps ready ahead; each row's values are the ones its first occurrence of a key holds,
whether the row was indexed ahead on the fetcher's thread (the walk that checks it) or in place
on SQLite's (the first page); a table much wider than the query finds the columns it reads;
a row that is not an object fails the scan with the row decoder's error, and a malformed page
with where its text goes wrong; a scan closed early stops its fetcher. Through Python's sqlite3,
so every value is checked with its SQLite type.
"""
import http.server
import json
import os
import sqlite3
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402

rl.set_prefix("vtab_pages")
WIDE = 70  # fields of the wide table


class Script:
    """What the fake server answers: rows (JSON texts) for every query, and what it was asked."""

    def __init__(self):
        self.rows = []
        self.asked = []
        self.sql = []  # the SQL of every query, in order
        self.empty_when = None  # a query whose SQL starts so is answered with no rows
        self.probe_rows = []  # rows added to the answer of a query with the probe's arm
        self.bodies = {}  # request path -> the body sent back
        self.lock = threading.Lock()


SCRIPT = Script()
PROBE_ARM = 'SELECT * FROM (SELECT 1 AS "rs_other_type" FROM '


def page_body(rows, start, count, query_id="q1"):
    end = min(len(rows), start + count)
    cursor = f'"c-{end}"' if end < len(rows) else "null"
    return ('{"query_id":"%s","status":"COMPLETED","results":[%s],"results_total_doc_count":%d,'
            '"stats":{"elapsed_time_ms":3},"pagination":{"start_cursor":"c-0","next_cursor":%s}}'
            % (query_id, ",".join(rows[start:end]), len(rows), cursor))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the extension expects

    def log_message(self, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except (ConnectionError, BrokenPipeError):
            pass  # a scan closed early drops its fetcher's connection mid-answer

    def reply(self, body, status=200):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        with SCRIPT.lock:
            SCRIPT.bodies[self.path] = body

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        args = dict(urllib.parse.parse_qsl(url.query))
        with SCRIPT.lock:
            SCRIPT.asked.append(("GET", self.path))
        if url.path == "/v1/orgs/self":
            return self.reply('{"data":{"id":"org"}}')
        if url.path.startswith("/v1/orgs/self/ws/") and "/collections/" in url.path:
            return self.reply('{"data":{"name":"t","workspace":"ws","status":"READY",'
                              '"stats":{"doc_count":%d}}}' % len(SCRIPT.rows))
        if url.path.endswith("/pages"):
            start = int(args.get("cursor", "c-0")[2:])
            return self.reply(page_body(SCRIPT.rows, start, int(args.get("docs", "1000"))))
        return self.reply('{"message":"no such route","type":"NOTFOUND"}', 404)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        sql = body.get("sql", {}).get("query", "")
        with SCRIPT.lock:
            SCRIPT.asked.append(("POST", self.path))
            SCRIPT.sql.append(sql)
        if SCRIPT.empty_when is not None and sql.startswith(SCRIPT.empty_when):
            return self.reply(page_body([], 0, 1))
        rows = SCRIPT.rows + (SCRIPT.probe_rows if PROBE_ARM in sql else [])
        first = body.get("max_initial_results", len(rows))
        return self.reply(page_body(rows, 0, first))


def start_fake():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


def stop_fake(srv):
    srv.shutdown()
    srv.server_close()


def connect(url, page_size):
    os.environ["ROCKSET_APIKEY"] = "fake-key"
    os.environ["ROCKSET_APISERVER"] = url
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(os.path.join(rl.B, "rockset_ext"))
    db.execute(f"SELECT rockset_config('page_size', {page_size})")
    return db


def wide_row(i):
    """Row i of the wide table: WIDE int fields in an order that changes with i, then a text
    field; the key order repeats every 3 rows, so guesses from the row before miss and hit."""
    keys = list(range(WIDE))
    if i % 3 == 1:
        keys.reverse()
    elif i % 3 == 2:
        keys = keys[1::2] + keys[0::2]
    members = [f'"_id":"r{i:04d}"'] + [f'"c{k}":{i * 1000 + k}' for k in keys]
    members.append(f'"s":"row {i}"')
    return "{" + ",".join(members) + "}"


@rl.case
def many_small_pages_of_a_wide_table():
    srv, url = start_fake()
    SCRIPT.rows = [wide_row(i) for i in range(100)]
    db = connect(url, 7)  # 15 pages
    cols = ", ".join(f"c{k} INTEGER" for k in range(WIDE))
    db.execute(f"CREATE VIRTUAL TABLE t USING rockset(collection='ws.t', columns='{cols}, s TEXT')")
    got = db.execute("SELECT _id, c3, c65, c69, s FROM t").fetchall()
    want = [(f"r{i:04d}", i * 1000 + 3, i * 1000 + 65, i * 1000 + 69, f"row {i}") for i in range(100)]
    rl.check("narrow/rows_in_order", got == want, repr(got[:3]))
    pages = [p for m, p in SCRIPT.asked if m == "GET" and "/pages" in p]
    rl.check("narrow/every_page_asked_once", len(pages) == 14 and len(set(pages)) == 14, repr(pages))
    got = db.execute("SELECT * FROM t").fetchall()
    want = [tuple([f"r{i:04d}"] + [i * 1000 + k for k in range(WIDE)] + [f"row {i}"])
            for i in range(100)]
    rl.check("star/every_column", got == want, repr(got[:1]))
    db.execute("SELECT rockset_config('pushdown', 0)")
    got = db.execute("SELECT sum(c0), sum(c69), count(s) FROM t").fetchone()
    rl.check("pushdown_off/sums", got == (sum(i * 1000 for i in range(100)),
                                          sum(i * 1000 + 69 for i in range(100)), 100), repr(got))
    db.close()
    stop_fake(srv)


VALUES = [  # (JSON text of field v, the value SQLite sees)
    ('-9223372036854775808', -9223372036854775808), ('123456789012345678', 123456789012345678),
    ('0', 0), ('-0', 0), ('2.5e1', 25.0), ('-0.125', -0.125), ('9223372036854775808', 9.223372036854775808e18),
    ('true', 1), ('false', 0), ('null', None), ('"a\\"b\\u00e9"', 'a"b\u00e9'), ('"\\ud83d\\ude00"', '\U0001F600'),
    ('{"x": [1, "}"]}', '{"x": [1, "}"]}'), ('[1, "two"]', '[1, "two"]'),
    ('{"__rockset_type": "date", "value": "2024-01-31"}', '2024-01-31'),
]


@rl.case
def values_indexed_ahead_and_in_place():
    srv, url = start_fake()
    rows = []
    for i, (text, _) in enumerate(VALUES):
        # odd rows: whitespace, the key spelled with an escape, then repeated (the first wins)
        if i % 2:
            rows.append('{ "_id" : "v%02d" ,\t"\\u0076" : %s , "v" : 999 }' % (i, text))
        else:
            rows.append('{"v":%s,"_id":"v%02d","w":{"v":7}}' % (text, i))
    SCRIPT.rows = rows
    for page in (3, 100):  # pages fetched ahead; one page read in place
        db = connect(url, page)
        db.execute("CREATE VIRTUAL TABLE t USING rockset(collection='ws.t', columns='v')")
        got = db.execute("SELECT _id, v, typeof(v) FROM t").fetchall()
        want = [(f"v{i:02d}", v, {int: "integer", float: "real", str: "text", type(None): "null"}[type(v)])
                for i, (_, v) in enumerate(VALUES)]
        for g, w in zip(got, want):
            rl.check(f"page{page}/{w[0]}", g == w, f"got {g!r} want {w!r}")
        rl.check(f"page{page}/count", len(got) == len(want), repr(len(got)))
        db.close()
    stop_fake(srv)


@rl.case
def a_row_that_is_no_object_fails_the_scan():
    srv, url = start_fake()
    SCRIPT.rows = ['{"_id":"k%02d","n":%d}' % (i, i) for i in range(30)]
    SCRIPT.rows[20] = '[20, "not an object"]'
    db = connect(url, 7)
    db.execute("CREATE VIRTUAL TABLE t USING rockset(collection='ws.t', columns='n INTEGER')")
    seen, error = [], None
    try:
        for row in db.execute("SELECT n FROM t"):
            seen.append(row[0])
    except sqlite3.Error as e:
        error = str(e)
    # Python's sqlite3 steps one row ahead of the row it hands out: row 19 was read, row 20 failed
    rl.check("rows_before_it", seen == list(range(19)), repr(seen))
    rl.check("error", error == "rockset: malformed result row: not an object", repr(error))
    db.close()
    stop_fake(srv)


@rl.case
def a_malformed_page_is_told_where():
    srv, url = start_fake()
    SCRIPT.rows = ['{"_id":"k%02d","n":%d}' % (i, i) for i in range(30)]
    SCRIPT.rows[16] = '{"_id":"k16","n":tru}'
    db = connect(url, 7)
    db.execute("CREATE VIRTUAL TABLE t USING rockset(collection='ws.t', columns='n INTEGER')")
    error = None
    try:
        db.execute("SELECT count(*) FROM t").fetchall()
    except sqlite3.Error as e:
        error = str(e)
    path = "/v1/orgs/self/queries/q1/pages?docs=7&cursor=c-14"
    body = SCRIPT.bodies.get(path, "")
    want = (f"rockset: malformed response to GET {path}: invalid JSON at offset "
            f"{body.find('tru}')}: unexpected character")
    rl.check("error", error == want, f"got {error!r} want {want!r}")
    db.close()
    stop_fake(srv)


@rl.case
def a_scan_closed_early_stops_fetching():
    srv, url = start_fake()
    SCRIPT.rows = ['{"_id":"k%03d","n":%d}' % (i, i) for i in range(400)]
    SCRIPT.asked.clear()
    db = connect(url, 5)  # 80 pages
    db.execute("CREATE VIRTUAL TABLE t USING rockset(collection='ws.t', columns='n INTEGER')")
    got = db.execute("SELECT n FROM t LIMIT 12").fetchall()
    rl.check("rows", got == [(i,) for i in range(12)], repr(got))
    again = db.execute("SELECT count(*), sum(n) FROM t").fetchone()
    rl.check("next_scan_whole", again == (400, sum(range(400))), repr(again))
    db.close()
    stop_fake(srv)


@rl.case
def a_filtered_top_n_is_one_request():
    """A top-N whose page fits the first response is one request: the page and the rows on
    either side of it (no type guard, no _id tie-break: the extension sorts them), UNION ALL the
    probe (one row of the whole collection with a key of another type, no filters, no
    parameters), whose row is the one without an _id. When the probe's row comes, MAIN (guarded,
    tied) and REST (filtered) in one more request, whatever the probe's field is called."""
    srv, url = start_fake()
    SCRIPT.rows = ['{"_id":"k%d","n":%d,"s":"a"}' % (i, 9 - i) for i in range(3)]
    SCRIPT.sql.clear()
    SCRIPT.probe_rows = []
    db = connect(url, 100)
    db.execute("CREATE VIRTUAL TABLE t USING rockset(collection='ws.t', columns='n, s TEXT')")
    got = db.execute("SELECT _id, n FROM t WHERE s = 'a' ORDER BY n DESC LIMIT 3").fetchall()
    rl.check("rows", got == [("k0", 9), ("k1", 8), ("k2", 7)], repr(got))
    plain = ("(TYPEOF(\"n\") IN ('int','string','null','undefined') OR (TYPEOF(\"n\") = 'float'"
             " AND \"n\" > -1e308 AND \"n\" < 1e308))")
    where = 'WHERE (TYPEOF("s") = \'string\' AND "s" = :p1)'
    both = ('SELECT * FROM (SELECT "_id", "n", "s" FROM "ws"."t" ' + where + ' ORDER BY "n" DESC'
            ' NULLS LAST LIMIT :p2) AS m UNION ALL ' + PROBE_ARM + '"ws"."t" WHERE NOT (' + plain
            + ') LIMIT 1) AS p')
    rl.check("one_request", SCRIPT.sql == [both], repr(SCRIPT.sql))
    tied = ('SELECT * FROM (SELECT "_id", "n", "s" FROM "ws"."t" ' + where + ' AND ' + plain
            + ' ORDER BY "n" DESC NULLS LAST, "_id" LIMIT :p2) AS m UNION ALL SELECT "_id", "n", "s"'
            ' FROM "ws"."t" WHERE (TYPEOF("s") = \'string\' AND "s" = :p3) AND NOT (' + plain + ')')
    for label, probe_row in (("marked", '{"rs_other_type":1}'), ("named_by_position", '{"_id":1}')):
        SCRIPT.probe_rows = [probe_row]
        SCRIPT.sql.clear()
        got = db.execute("SELECT _id, n FROM t WHERE s = 'a' ORDER BY n DESC LIMIT 3").fetchall()
        rl.check(f"probe_found_one_{label}/rows", got == [("k0", 9), ("k1", 8), ("k2", 7)],
                 repr(got))
        rl.check(f"probe_found_one_{label}/then_main_and_rest", SCRIPT.sql == [both, tied],
                 repr(SCRIPT.sql))
    SCRIPT.probe_rows = []
    db.close()
    stop_fake(srv)


@rl.case
def a_descending_top_n_of_numbers_is_the_page_alone():
    """On a column declared numeric, descending, without OFFSET, the page is sent alone (no
    probe): keys all numbers, the last above 1, settle it. When the last is not above 1, the
    probe follows alone (finding nothing, the page stands); when a key is a bool, MAIN and REST
    follow."""
    srv, url = start_fake()
    SCRIPT.rows = ['{"_id":"k%d","n":%d,"s":"a"}' % (i, 9 - i) for i in range(4)]
    SCRIPT.sql.clear()
    SCRIPT.probe_rows = []
    db = connect(url, 100)
    db.execute("CREATE VIRTUAL TABLE t USING rockset(collection='ws.t', columns='n INTEGER, s TEXT')")
    sql = "SELECT _id, n FROM t WHERE s = 'a' ORDER BY n DESC LIMIT 3"
    got = db.execute(sql).fetchall()
    rl.check("rows", got == [("k0", 9), ("k1", 8), ("k2", 7)], repr(got))
    window = ('SELECT "_id", "n", "s" FROM "ws"."t" WHERE (TYPEOF("s") = \'string\' AND "s" = :p1)'
              ' ORDER BY "n" DESC NULLS LAST LIMIT :p2')
    rl.check("the_page_alone", SCRIPT.sql == [window], repr(SCRIPT.sql))
    SCRIPT.rows = ['{"_id":"k%d","n":%s,"s":"a"}' % (i, v) for i, v in enumerate(["1", "0.5", "0.25", "0"])]
    SCRIPT.empty_when = 'SELECT "_id" FROM "ws"."t" WHERE NOT ('
    SCRIPT.sql.clear()
    got = db.execute(sql).fetchall()
    rl.check("at_most_one/rows", got == [("k0", 1), ("k1", 0.5), ("k2", 0.25)], repr(got))
    rl.check("at_most_one/then_the_probe", len(SCRIPT.sql) == 2 and SCRIPT.sql[0] == window
             and SCRIPT.sql[1].startswith(SCRIPT.empty_when) and SCRIPT.sql[1].endswith(") LIMIT 1"),
             repr(SCRIPT.sql))
    SCRIPT.empty_when = None
    SCRIPT.rows[1] = '{"_id":"k1","n":true,"s":"a"}'
    SCRIPT.sql.clear()
    db.execute(sql).fetchall()
    rl.check("a_bool/then_main_and_rest", len(SCRIPT.sql) == 2 and SCRIPT.sql[0] == window
             and " UNION ALL SELECT \"_id\", \"n\", \"s\" FROM " in SCRIPT.sql[1], repr(SCRIPT.sql))
    db.close()
    stop_fake(srv)


rl.done()
