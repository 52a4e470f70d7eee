"""Sync queries: exact QueryResponse bodies, parameters of every type, default_row_limit,
DESCRIBE rows, INSERT INTO ... SELECT, nested documents round-trip, missing vs null,
GET /queries/{id}, list, validations, the virtual-instance route, query errors."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import (ABSENT, EVENT_TIME, NONNEG, OFFSET, QUERY_ID, STR, Opt, Re, Type, case,  # noqa: E402
                check, check_match, expect, expect_error, get, post, query, uniq)

rl.set_prefix("queries")

WS = uniq("wsq")
rl.make_ws(WS)
PEOPLE = uniq("people")
rl.make_coll(WS, PEOPLE)
PEOPLE_DOCS = [
    {"_id": "1", "name": "ann", "age": 30, "tags": ["a", "b"], "addr": {"city": "Oslo"}},
    {"_id": "2", "name": "bob", "age": 25, "tags": [], "addr": {"city": "Rome"}},
    {"_id": "3", "name": "cy", "age": 41, "tags": ["c"], "addr": {"zip": "0150"}},
]
_r = rl.add_docs(WS, PEOPLE, PEOPLE_DOCS)
rl.wait_fence(WS, PEOPLE, _r.body["last_offset"])
P = f"{WS}.{PEOPLE}"
STATS = {"elapsed_time_ms": NONNEG, "throttled_time_micros": NONNEG,
         "index_used": rl.Type("boolean"),  # index_used, engine: rockset-local only
         "engine": rl.Re("columns|rows")}


def response(results, collections, column_fields=ABSENT, **over):
    """The exact sync QueryResponse of a read query."""
    body = {"query_id": QUERY_ID, "status": "COMPLETED", "results": results,
            "column_fields": column_fields, "collections": collections, "stats": STATS,
            "pagination": ABSENT,
            "results_total_doc_count": Opt(len(results) if isinstance(results, list) else NONNEG),
            "aliases": Opt([]), "warnings": Opt(Type("array")), "query_errors": Opt([]),
            "last_offset": Opt(None)}
    body.update(over)
    return body


def with_event_time(doc):
    return dict(doc, _event_time=EVENT_TIME)


def param(name, type_, value):
    return {"name": name, "type": type_, "value": value}


@case
def select_one():
    r = post("/v1/orgs/self/queries", {"sql": {"parameters": [], "query": "SELECT 1"}})
    expect("select_1", r, 200, response([{"?field0": 1}], [],
                                        [{"name": "?field0", "type": Type("string")}]),
           "QueryResponse")
    qid = r.body.get("query_id") if isinstance(r.body, dict) else None
    g = get(f"/v1/orgs/self/queries/{qid}")
    expect("get_completed", g, 200, {"data": {
        "query_id": qid, "status": "COMPLETED", "sql": Opt(Type("string|null")),
        "executed_by": Opt(Type("string|null")), "submitted_at": rl.TS,
        "expires_at": rl.TS_OR_NULL, "last_offset": None, "destination_uri": Opt(None),
        "pagination": Opt(Type("object|null")), "query_errors": Opt(rl.OneOf([], None)),
        "stats": Opt(Type("object|null"))}, "last_offset": None}, "QueryInfoResponse")


@case
def select_star():
    r = query(f"SELECT * FROM {P} ORDER BY _id")
    expect("star", r, 200, response([with_event_time(d) for d in PEOPLE_DOCS], [P]),
           "QueryResponse")


@case
def select_columns_in_order():
    r = query(f"SELECT age, name, addr.city AS city FROM {P} WHERE age > 26 ORDER BY age DESC")
    expect("columns", r, 200, response(
        [{"age": 41, "name": "cy"}, {"age": 30, "name": "ann", "city": "Oslo"}],
        [P], [{"name": "age", "type": STR}, {"name": "name", "type": STR},
              {"name": "city", "type": STR}]), "QueryResponse")
    keys = [list(x.keys()) for x in r.body.get("results", [])] if r.status == 200 else []
    check("key_order", keys == [["age", "name"], ["age", "name", "city"]], str(keys))
    r = query(f'SELECT "name", `age` FROM "{WS}"."{PEOPLE}" WHERE _id = \'2\'')
    expect("quoted_identifiers", r, 200, response([{"name": "bob", "age": 25}], [P],
                                                  Type("array")), "QueryResponse")


@case
def parameters_every_type():
    sql = ("SELECT :i AS i, :big AS big, :f AS f, :e AS e, :b AS b, :s AS s, :n AS n, "
           ":d AS d, :dt AS dt, :t AS t, :ts AS ts")
    params = [param("i", "int", "42"), param("big", "int", "9007199254740993"),
              param("f", "float", "1.5"), param("e", "float", "-2.5e3"),
              param("b", "bool", "true"), param("s", "string", "it's \"q\" ☃"),
              param("n", "null", ""), param("d", "date", "2024-01-02"),
              param("dt", "datetime", "2024-01-02 03:04:05"), param("t", "time", "03:04:05"),
              param("ts", "timestamp", "2024-01-02T03:04:05.000000Z")]
    r = query(sql, params)
    expect("all_types", r, 200, response([{
        "i": 42, "big": 9007199254740993, "f": 1.5, "e": -2500.0, "b": True,
        "s": "it's \"q\" ☃", "n": None,
        "d": {"__rockset_type": "date", "value": "2024-01-02"},
        "dt": {"__rockset_type": "datetime", "value": Re(r"2024-01-02T03:04:05(\.0{1,6})?")},
        "t": {"__rockset_type": "time", "value": Re(r"03:04:05(\.0{1,6})?")},
        "ts": "2024-01-02T03:04:05.000000Z"}], [], Type("array")), "QueryResponse")
    if r.status == 200:
        check("float_is_float", isinstance(r.body["results"][0].get("e"), float), repr(r))
    r = query("SELECT :s AS s, :f AS f, :b AS b",
              [param("s", "string", "123"), param("f", "float", "2"), param("b", "bool", "false")])
    expect("typed_not_inferred", r, 200, response([{"s": "123", "f": 2.0, "b": False}], [],
                                                  Type("array")), "QueryResponse")
    r = query("SELECT :a AS a, :b AS b, :c AS c",
              [param("a", "", "7"), param("b", "", '"x"'), param("c", "", "true")])
    expect("inferred_types", r, 200, response([{"a": 7, "b": "x", "c": True}], [],
                                              Type("array")), "QueryResponse")
    r = query(f"SELECT _id FROM {P} WHERE age >= :min AND name <> :skip ORDER BY _id",
              [param("min", "int", "25"), param("skip", "string", "bob")])
    expect("in_where", r, 200, response([{"_id": "1"}, {"_id": "3"}], [P], Type("array")),
           "QueryResponse")
    r = query("SELECT :ts AS ts, :ts2 AS ts2",
              [param("ts", "timestamp", "2024-01-02T03:04:05+02:00"),
               param("ts2", "timestamp", "2024-01-02T03:04:05.123456Z")])
    expect("timestamp_zone", r, 200, response([{"ts": "2024-01-02T01:04:05.000000Z",
                                                "ts2": "2024-01-02T03:04:05.123456Z"}],
                                              [], Type("array")), "QueryResponse")
    r = query(f"SELECT _id FROM {P} ORDER BY _id LIMIT :lim", [param("lim", "int", "2")])
    expect("as_limit", r, 200, response([{"_id": "1"}, {"_id": "2"}], [P], Type("array")),
           "QueryResponse")


@case
def parameter_errors():
    r = query("SELECT :missing_one AS x", [])
    expect_error("missing", r, 400, rl.OneOf("QUERY_ERROR", "INVALIDINPUT"),
                 message=rl.mentions("missing_one"), line=Opt(Type("integer|null")),
                 column=Opt(Type("integer|null")))
    r = query("SELECT :n AS x", [param("n", "int", "abc")])
    expect_error("bad_int", r, 400, rl.OneOf("QUERY_ERROR", "INVALIDINPUT"),
                 message=rl.mentions("n"), line=Opt(Type("integer|null")),
                 column=Opt(Type("integer|null")))
    r = query("SELECT :d AS x", [param("d", "date", "2024-13-45")])
    expect_error("bad_date", r, 400, rl.OneOf("QUERY_ERROR", "INVALIDINPUT"),
                 line=Opt(Type("integer|null")), column=Opt(Type("integer|null")))


@case
def default_row_limit():
    r = query(f"SELECT _id FROM {P} ORDER BY _id", default_row_limit=2)
    expect("applied", r, 200, response([{"_id": "1"}, {"_id": "2"}], [P], Type("array")),
           "QueryResponse")
    r = query(f"SELECT _id FROM {P} ORDER BY _id LIMIT 3", default_row_limit=1)
    expect("own_limit_wins", r, 200,
           response([{"_id": "1"}, {"_id": "2"}, {"_id": "3"}], [P], Type("array")),
           "QueryResponse")


@case
def describe():
    coll = uniq("desc")
    rl.make_coll(WS, coll)
    r = rl.add_docs(WS, coll, [{"_id": "1", "a": 1, "b": "x", "n": {"c": True}},
                               {"_id": "2", "a": "two"}])
    rl.wait_fence(WS, coll, r.body["last_offset"])

    def row(field, type_, occ, total):
        return {"field": field, "type": type_, "occurrences": occ, "total": total}
    expected = rl.Unordered([
        row(["_event_time"], "timestamp", 2, 2), row(["_id"], "string", 2, 2),
        row(["a"], "int", 1, 2), row(["a"], "string", 1, 2), row(["b"], "string", 1, 2),
        row(["n"], "object", 1, 2), row(["n", "c"], "bool", 1, 1)])
    r = query(f"DESCRIBE {WS}.{coll}")
    expect("rows", r, 200, response(expected, Opt(Type("array")), Opt(Type("array"))),
           "QueryResponse")
    r = query(f'DESCRIBE "{WS}"."{coll}"')
    expect("quoted", r, 200, response(expected, Opt(Type("array")), Opt(Type("array"))),
           "QueryResponse")
    r = query(f"DESCRIBE {WS}.{uniq('nodesc')}")
    check("missing_collection", r.status in (400, 404), repr(r))


@case
def insert_into_select():
    src, dst = uniq("isrc"), uniq("idst")
    rl.make_coll(WS, src)
    rl.make_coll(WS, dst)
    r = rl.add_docs(WS, src, [{"_id": f"s{i}", "v": i} for i in range(5)])
    rl.wait_fence(WS, src, r.body["last_offset"])
    sql = f"INSERT INTO {WS}.{dst} SELECT _id, v * 2 AS v2 FROM {WS}.{src} WHERE v >= 2"
    r = query(sql)
    expect("insert", r, 200, response([{"num_docs_inserted": 3}], Type("array"),
                                      Opt(Type("array")), last_offset=OFFSET,
                                      results_total_doc_count=Opt(1)), "QueryResponse")
    off = r.body.get("last_offset") if r.status == 200 else None
    qid = r.body.get("query_id") if r.status == 200 else None
    g = get(f"/v1/orgs/self/queries/{qid}")
    expect("get_has_last_offset", g, 200, {"data": Type("object"), "last_offset": off},
           "QueryInfoResponse")
    f = rl.wait_fence(WS, dst, off)
    check("fence_passes", f.status == 200 and f.body["data"]["passed"] is True, repr(f))
    res = rl.rows(f"SELECT * FROM {WS}.{dst} ORDER BY _id")
    check_match("data_visible", res, [with_event_time({"_id": f"s{i}", "v2": 2 * i})
                                      for i in (2, 3, 4)])
    r = query(sql)
    check_match("rerun_count", r.body.get("results") if r.status == 200 else r,
                [{"num_docs_inserted": 3}])
    rl.wait_fence(WS, dst, r.body.get("last_offset", ""))
    res = rl.rows(f"SELECT COUNT(*) AS n FROM {WS}.{dst}")
    check_match("upsert_by_id", res, [{"n": 3}])
    r = query(f"INSERT INTO {WS}.{dst} SELECT v FROM {WS}.{src} WHERE v < 2")
    rl.wait_fence(WS, dst, r.body.get("last_offset", "") if r.status == 200 else "")
    res = rl.rows(f"SELECT COUNT(*) AS n FROM {WS}.{dst}")
    check_match("generated_ids", res, [{"n": 5}])
    r = query(f'INSERT INTO "{WS}"."{dst}" SELECT _id FROM {WS}.{src} WHERE v > 100')
    check_match("insert_nothing", r.body.get("results") if r.status == 200 else r,
                [{"num_docs_inserted": 0}])


@case
def bare_name_means_commons():
    coll = uniq("bare")
    rl.make_coll("commons", coll)
    r = rl.add_docs("commons", coll, [{"_id": "b1", "v": 7}])
    rl.wait_fence("commons", coll, r.body["last_offset"])
    r = query(f"SELECT v FROM {coll}")
    expect("select", r, 200, response([{"v": 7}], [f"commons.{coll}"], Type("array")),
           "QueryResponse")
    r = query(f"SELECT COUNT(*) AS n FROM {coll}")
    check_match("count", r.body.get("results") if r.status == 200 else r, [{"n": 1}])
    r2 = query(f"SELECT v FROM {WS}.{coll}")
    check("not_found_in_other_ws", r2.status in (400, 404), repr(r2))


@case
def empty_collection():
    coll = uniq("empty")
    rl.make_coll(WS, coll)
    r = query(f"SELECT * FROM {WS}.{coll}")
    expect("star", r, 200, response([], [f"{WS}.{coll}"]), "QueryResponse")
    r = query(f"SELECT COUNT(*) AS n FROM {WS}.{coll}")
    expect("count", r, 200, response([{"n": 0}], [f"{WS}.{coll}"], Type("array")),
           "QueryResponse")


@case
def insert_into_keeps_values_exact():
    src, dst = uniq("xsrc"), uniq("xdst")
    rl.make_coll(WS, src)
    rl.make_coll(WS, dst)
    doc = {"_id": "x1", "big": 9007199254740993, "obj": {"a": [1, None, {"b": True}]},
           "u": "\u2603\U0001F600", "f": 0.1}
    r = rl.add_docs(WS, src, [doc])
    rl.wait_fence(WS, src, r.body["last_offset"])
    r = query(f"INSERT INTO {WS}.{dst} SELECT _id, big, obj, u, f FROM {WS}.{src}")
    check_match("inserted", r.body.get("results") if r.status == 200 else r,
                [{"num_docs_inserted": 1}])
    rl.wait_fence(WS, dst, r.body.get("last_offset", "") if r.status == 200 else "")
    r = query(f"SELECT * FROM {WS}.{dst}")
    expect("copied_exactly", r, 200, response([with_event_time(doc)], [f"{WS}.{dst}"]),
           "QueryResponse")


@case
def nested_round_trip():
    coll = uniq("nest")
    rl.make_coll(WS, coll)
    doc = {"_id": "n1", "obj": {"x": [1, {"y": None, "z": [[]]}], "t": True, "f": False},
           "big": 9007199254740993, "min": -9223372036854775808, "max": 9223372036854775807,
           "fl": 1.5, "neg": -0.25, "u": "h\u00e9llo \u2603 \U0001F600 \"q\" \\ \n\t",
           "empty": "", "arr": [], "o": {}, "nul": None,
           "ctl": "a\u0000b\u001f\u007f\u2028\U0001F600", "k\u00e9y \"q\"": 1}
    r = rl.add_docs(WS, coll, [doc])
    rl.wait_fence(WS, coll, r.body["last_offset"])
    r = query(f"SELECT * FROM {WS}.{coll}")
    expect("exact", r, 200, response([with_event_time(doc)], [f"{WS}.{coll}"]), "QueryResponse")
    raw = r.raw
    check("int64_text_exact", "9007199254740993" in raw and "-9223372036854775808" in raw
          and "9223372036854775807" in raw, raw[:300])
    r = query(f"SELECT obj.x AS x, obj.t AS t, big FROM {WS}.{coll}")
    expect("fields", r, 200, response([{"x": [1, {"y": None, "z": [[]]}], "t": True,
                                        "big": 9007199254740993}], [f"{WS}.{coll}"],
                                      Type("array")), "QueryResponse")


@case
def missing_vs_null():
    coll = uniq("mnull")
    rl.make_coll(WS, coll)
    r = rl.add_docs(WS, coll, [{"_id": "m1", "v": None}, {"_id": "m2"}, {"_id": "m3", "v": 0}])
    rl.wait_fence(WS, coll, r.body["last_offset"])
    r = query(f"SELECT _id, v FROM {WS}.{coll} ORDER BY _id")
    expect("select", r, 200, response([{"_id": "m1", "v": None}, {"_id": "m2"},
                                       {"_id": "m3", "v": 0}], [f"{WS}.{coll}"],
                                      Type("array")), "QueryResponse")
    r = query(f"SELECT _id FROM {WS}.{coll} WHERE v IS NULL ORDER BY _id")
    check_match("is_null_matches_both", r.body.get("results") if r.status == 200 else r,
                [{"_id": "m1"}, {"_id": "m2"}])


@case
def sql_shapes():
    r = query(f"SELECT COUNT(*) AS n, MAX(age) AS oldest FROM {P}")
    check_match("aggregate", r.body.get("results") if r.status == 200 else r,
                [{"n": 3, "oldest": 41}])
    r = query(f"WITH young AS (SELECT name FROM {P} WHERE age < 35) "
              f"SELECT name FROM young ORDER BY name")
    check_match("cte", r.body.get("results") if r.status == 200 else r,
                [{"name": "ann"}, {"name": "bob"}])
    r = query(f"SELECT a.name AS n1, b.name AS n2 FROM {P} a JOIN {P} b ON a.age < b.age "
              f"WHERE a._id = '2' ORDER BY b.age")
    check_match("join", r.body.get("results") if r.status == 200 else r,
                [{"n1": "bob", "n2": "ann"}, {"n1": "bob", "n2": "cy"}])
    r = query(f"SELECT name FROM {P} WHERE _id = '1' UNION ALL SELECT 'z' AS name")
    check_match("union", r.body.get("results") if r.status == 200 else r,
                [{"name": "ann"}, {"name": "z"}])
    r = query(f"SELECT age > 26 AS old, COUNT(*) AS c FROM {P} GROUP BY age > 26 "
              f"HAVING COUNT(*) >= 1 ORDER BY old")
    check_match("group_by_having", r.body.get("results") if r.status == 200 else r,
                [{"old": False, "c": 1}, {"old": True, "c": 2}])
    r = query(f"SELECT _id FROM {P} WHERE name LIKE 'a%' OR name IN ('cy') ORDER BY _id")
    check_match("like_in", r.body.get("results") if r.status == 200 else r,
                [{"_id": "1"}, {"_id": "3"}])
    r = query(f"SELECT _id FROM {P} WHERE _id IN (:a, :b) AND addr.city IS NOT NULL",
              [param("a", "string", "1"), param("b", "string", "3")])
    check_match("in_params_is_not_null", r.body.get("results") if r.status == 200 else r,
                [{"_id": "1"}])
    r = query(f"SELECT _id FROM {P} ORDER BY age DESC LIMIT 2 OFFSET 1")
    check_match("limit_offset", r.body.get("results") if r.status == 200 else r,
                [{"_id": "1"}, {"_id": "2"}])
    r = query(f"SELECT _id, CARDINALITY(tags) AS n FROM {P} ORDER BY _id")
    check_match("cardinality", r.body.get("results") if r.status == 200 else r,
                [{"_id": "1", "n": 2}, {"_id": "2", "n": 0}, {"_id": "3", "n": 1}])
    r = query("SELECT DATE '2024-01-02' AS d, TIMESTAMP '2024-01-02 03:04:05' AS ts, "
              "CURRENT_TIMESTAMP() AS now, TYPEOF(1) AS ti, TYPEOF('x') AS ts2, "
              "CAST('5' AS int) AS i")
    check_match("typed_values", r.body.get("results") if r.status == 200 else r, [{
        "d": {"__rockset_type": "date", "value": "2024-01-02"},
        "ts": "2024-01-02T03:04:05.000000Z", "now": EVENT_TIME, "ti": "int", "ts2": "string",
        "i": 5}])
    r = query("select 1 AS one")
    check_match("lowercase_keywords", r.body.get("results") if r.status == 200 else r,
                [{"one": 1}])


@case
def sql_errors():
    r = query("SELEC 1")
    expect_error("syntax_error", r, 400, "QUERY_ERROR", line=1, column=Type("integer"))
    r = query("SELECT 1\nFROM\nWHERE")
    expect_error("syntax_error_line", r, 400, "QUERY_ERROR", line=rl.OneOf(2, 3),
                 column=Type("integer"))
    missing = uniq("nosuchcoll")
    r = query(f"SELECT * FROM {WS}.{missing}")
    check("missing_collection/status", r.status in (400, 404), repr(r))
    check("missing_collection/message", isinstance(r.body, dict)
          and missing in str(r.body.get("message")), repr(r))
    r = post("/v1/orgs/self/queries", {"sql": {}})
    expect_error("no_query_text", r, 400, rl.OneOf("INVALIDINPUT", "BADREQUEST", "QUERY_ERROR"))
    r = post("/v1/orgs/self/queries", {"query": "SELECT 1"})
    expect_error("no_sql_object", r, 400, rl.OneOf("INVALIDINPUT", "BADREQUEST"))


@case
def repeated_text_follows_the_store():
    """A statement sent again is answered from its kept translation only while nothing it
    depends on changed: a name that one relation alone supplied becomes ambiguous when a
    document of the other gains the field, an alias switched reads its new collection, a
    dropped collection is not found. Each text runs twice before the change, so the second run
    comes from the kept translation."""
    a, b, c = uniq("kta"), uniq("ktb"), uniq("ktc")

    def put(coll, doc):
        rl.wait_fence(WS, coll, rl.add_docs(WS, coll, [doc]).body["last_offset"])

    def expect_ambiguous(name):
        expect_error(name, query(join), 400, "QUERY_ERROR",
                     message=Re(".*field 'city' is ambiguous.*"), line=Type("integer"),
                     column=Type("integer"))

    for coll in (a, b, c):
        rl.make_coll(WS, coll)
    put(a, {"_id": "1", "k": 1})
    put(b, {"_id": "1", "k": 1, "city": "Oslo"})
    put(c, {"_id": "9", "k": 9})
    join = f"SELECT city FROM {WS}.{a} x JOIN {WS}.{b} y ON x.k = y.k"
    for run in ("first", "kept"):
        rl.rows(join + " ORDER BY city")  # kept too, for documents_only/rows below
        expect(f"unique_name/{run}", query(join), 200,
               response([{"city": "Oslo"}], [f"{WS}.{a}", f"{WS}.{b}"],
                        [{"name": "city", "type": STR}]), "QueryResponse")
    # documents alone (fields and types the collections had): the translation stays, the rows
    # are today's
    put(b, {"_id": "2", "k": 1, "city": "Bergen"})
    check_match("documents_only/rows", rl.rows(join + " ORDER BY city"),
                [{"city": "Bergen"}, {"city": "Oslo"}])
    put(a, {"_id": "2", "k": 2, "city": "Rome"})
    expect_ambiguous("ambiguous_after_write")
    # the last document with the field gone: the name is b's alone again
    r = rl.delete(f"/v1/orgs/self/ws/{WS}/collections/{a}/docs", {"data": [{"_id": "2"}]})
    check("field_gone/deleted", r.status == 200, repr(r))
    rl.poll(lambda: query(join).status, lambda st: st == 200)
    check_match("field_gone/rows", rl.rows(join + " ORDER BY city"),
                [{"city": "Bergen"}, {"city": "Oslo"}])
    put(a, {"_id": "2", "k": 2, "city": "Rome"})
    expect_ambiguous("ambiguous_again")
    alias = uniq("kal")
    check("alias_made", post(f"/v1/orgs/self/ws/{WS}/aliases",
                             {"name": alias, "collections": [f"{WS}.{a}"]}).status == 200)
    read = f"SELECT _id FROM {WS}.{alias} ORDER BY _id"
    for run in ("first", "kept"):
        check_match(f"alias/{run}", rl.rows(read), [{"_id": "1"}, {"_id": "2"}])
    r = post(f"/v1/orgs/self/ws/{WS}/aliases/{alias}", {"collections": [f"{WS}.{c}"]})
    check("alias_switched", r.status == 200, repr(r))
    check_match("alias/switched", rl.rows(read), [{"_id": "9"}])
    r = rl.request("DELETE", f"/v1/orgs/self/ws/{WS}/collections/{b}")
    check("dropped", r.status == 200, repr(r))
    r = query(join)
    check("dropped/not_found", r.status in (400, 404) and b in str(r.body), repr(r))


@case
def virtual_instance_route():
    vi = "0a1b2c3d-0000-4000-8000-000000000001"
    for label, ident in (("uuid", vi), ("rrn", f"rrn:vi:usw2a1:{vi}")):
        r = post(f"/v1/orgs/self/virtualinstances/{ident}/queries",
                 {"sql": {"query": f"SELECT name FROM {P} WHERE _id = :id",
                          "parameters": [param("id", "string", "3")]}})
        expect(f"vi_{label}", r, 200, response([{"name": "cy"}], [P], Type("array")),
               "QueryResponse")


@case
def list_and_validate():
    r = get("/v1/orgs/self/queries")
    expect("list", r, 200, {"data": Type("array")}, "QueryInfoList")
    r = get("/v1/orgs/self/virtualinstances/0a1b2c3d-0000-4000-8000-000000000001/queries")
    expect("list_vi", r, 200, {"data": Type("array")}, "QueryInfoList")
    r = post("/v1/orgs/self/queries/validations",
             {"sql": {"query": f"SELECT name FROM {P} WHERE age > :min AND name = :nm"}})
    expect("validate", r, 200, {"collections": [P], "parameters": rl.Unordered(["min", "nm"]),
                                "aliases": Opt([]), "views": Opt([]), "name": Opt(Type("array"))},
           "ValidateQueryResponse")
    r = post("/v1/orgs/self/queries/validations", {"sql": {"query": "SELEC 1"}})
    expect_error("validate_bad_sql", r, 400, "QUERY_ERROR", line=Type("integer"),
                 column=Type("integer"))
    r = get("/v1/orgs/self/queries/00000000-0000-4000-8000-000000000000:AAAAAAA:0")
    expect_error("get_unknown_query", r, 404, "NOTFOUND")


@case
def request_timeout():
    coll = uniq("slow")
    rl.make_coll(WS, coll)
    r = rl.add_docs(WS, coll, [{"_id": str(i), "v": i} for i in range(100)])
    rl.wait_fence(WS, coll, r.body["last_offset"])
    c = f"{WS}.{coll}"
    r = post("/v1/orgs/self/queries",
             {"sql": {"query": f"SELECT COUNT(*) AS n FROM {c} a, {c} b, {c} d, {c} e"},
              "timeout_ms": 100})
    expect_error("timeout_408", r, 408, "QUERY_TIMEOUT", query_id=QUERY_ID)
    check("timeout_is_prompt", r.ms < 3000, f"{r.ms:.0f} ms")
    r = query("SELECT 2 AS two")
    check_match("server_fine_after_timeout", r.body.get("results") if r.status == 200 else r,
                [{"two": 2}])


rl.done()
