"""Ingest transformations (field_mapping_query), rollups and retention, applied by rockset-local
on every write path: the rules of docs/rockset-local.md, "Ingest transformations and rollups".

Sources, by area (the test names say which):
  [it]  Rockset docs, "Ingest Transformation" (docs.rockset.com/documentation/docs/
        ingest-transformation): the query's shape SELECT ... FROM _input [WHERE] [GROUP BY]
        [HAVING] [CLUSTER BY]; projections, renames, * EXCEPT, b.*; explicit projections win over
        the input's fields of the same name.
  [ru]  Rockset docs, "Rollups" (rockset.com/docs/rollups): one grouping set (no GROUPING SETS or
        ROLLUP), the query cannot be changed after the collection is created, out-of-order data
        aggregated.
  [sf]  Rockset docs, "Special Fields": _id kept from the source or the transformation, else a
        uuid; a rollup's _id made by Rockset; _event_time; _op.
  [api] rockset/rockset-go-client openapi.yaml: retention_secs, insert_only, field_mapping_query.
  [dec] our decisions where the docs are silent, each written in docs/rockset-local.md.
"""
import datetime
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import EVENT_TIME, case, check, check_match, coll_path, post, put, uniq  # noqa: E402

rl.set_prefix("ingest")

WS = uniq("wsing")
rl.make_ws(WS)


def make(name, sql=None, **extra):
    body = dict(extra)
    if sql is not None:
        body["field_mapping_query"] = {"sql": sql}
    rl.make_coll(WS, name, extra=body)
    return name


def add(coll, docs, url=None):
    r = rl.add_docs(WS, coll, docs, url=url)
    rl.wait_fence(WS, coll, r.body["last_offset"], url=url)
    return r


def q(sql, url=None):
    return rl.rows(sql, url=url)


def body_of(coll, order="_id"):
    """Every stored document without _id and _event_time, ordered."""
    return q(f"SELECT * EXCEPT (_id, _event_time) FROM {WS}.{coll} ORDER BY {order}")


def create_error(sql):
    r = post(f"/v1/orgs/self/ws/{WS}/collections",
             {"name": uniq("bad"), "field_mapping_query": {"sql": sql}})
    return r.status, (r.body or {}).get("type"), (r.body or {}).get("message")


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ---------------------------------------------------------------- projection [it]

@case
def projection_renames_and_computes():
    c = make(uniq("proj"), "SELECT a AS b, a + 1 AS c, x.y AS z, UPPER(s) AS u FROM _input")
    add(c, [{"_id": "1", "a": 1, "x": {"y": "deep"}, "s": "abc", "dropped": True}])
    check_match("renamed_computed_nested", body_of(c), [{"b": 1, "c": 2, "z": "deep", "u": "ABC"}])


@case
def projection_explicit_wins_over_star():
    c = make(uniq("proj"), "SELECT *, a AS b FROM _input")
    add(c, [{"_id": "1", "a": 1, "b": 2}])
    check_match("explicit_projection_wins", body_of(c), [{"a": 1, "b": 1}])


@case
def projection_star_except():
    c = make(uniq("exc"), "SELECT * EXCEPT (secret, tmp) FROM _input")
    add(c, [{"_id": "1", "a": 1, "secret": "s", "tmp": 3}])
    check_match("star_except_drops", body_of(c), [{"a": 1}])


@case
def projection_subfields_to_top_level():
    c = make(uniq("sub"), "SELECT id, info.* EXCEPT (internal) FROM _input")
    add(c, [{"_id": "1", "id": 7, "info": {"city": "Oslo", "zip": "0150", "internal": 1}}])
    check_match("object_fields_lifted", body_of(c), [{"id": 7, "city": "Oslo", "zip": "0150"}])


@case
def projection_arrays_and_casts():
    c = make(uniq("arr"), "SELECT CARDINALITY(tags) AS n, tags[1] AS first,"
                          " CAST(s AS int) AS i, CAST(i AS float) AS f FROM _input")
    add(c, [{"_id": "1", "tags": ["a", "b"], "s": "42", "i": 3}])
    check_match("array_and_cast_types", body_of(c), [{"n": 2, "first": "a", "i": 42, "f": 3.0}])


@case
def projection_typed_values_stay_typed():
    c = make(uniq("typ"), "SELECT PARSE_TIMESTAMP_ISO8601(ts) AS t, DATE(d) AS day FROM _input")
    add(c, [{"_id": "1", "ts": "2024-03-01T10:00:00Z", "d": "2024-03-01"}])
    check_match("typeof", q(f"SELECT TYPEOF(t) AS tt, TYPEOF(day) AS dt, t FROM {WS}.{c}"),
                [{"tt": "timestamp", "dt": "date", "t": "2024-03-01T10:00:00.000000Z"}])


@case
def later_update_applies_to_later_documents():
    """[it] an update of a non-rollup transformation applies to documents written after it."""
    c = make(uniq("upd"), "SELECT a FROM _input")
    add(c, [{"_id": "1", "a": 1, "b": 1}])
    r = put(coll_path(WS, c), {"field_mapping_query": {"sql": "SELECT b FROM _input"}})
    check("update_200", r.status == 200, repr(r))
    add(c, [{"_id": "2", "a": 2, "b": 2}])
    check_match("old_then_new", body_of(c), [{"a": 1}, {"b": 2}])


# ---------------------------------------------------------------- WHERE [it]

@case
def where_filters_documents_out():
    c = make(uniq("where"), "SELECT * FROM _input WHERE amount > 10 AND status <> 'test'")
    r = add(c, [{"_id": "1", "amount": 20, "status": "ok"}, {"_id": "2", "amount": 5,
                "status": "ok"}, {"_id": "3", "amount": 50, "status": "test"}, {"_id": "4"}])
    check("every_document_acknowledged",
          [d["status"] for d in r.body["data"]] == ["ADDED"] * 4, repr(r.body))
    check_match("only_the_kept_one", q(f"SELECT _id FROM {WS}.{c} ORDER BY _id"), [{"_id": "1"}])


# ---------------------------------------------------------------- special fields [sf]

@case
def id_from_a_field():
    c = make(uniq("idf"), "SELECT CAST(uid AS string) AS _id, name FROM _input")
    add(c, [{"uid": 17, "name": "a"}, {"uid": 17, "name": "b"}, {"uid": 18, "name": "c"}])
    check_match("mapped_id_upserts", q(f"SELECT _id, name FROM {WS}.{c} ORDER BY _id"),
                [{"_id": "17", "name": "b"}, {"_id": "18", "name": "c"}])


@case
def id_of_the_source_kept():
    c = make(uniq("ids"), "SELECT a FROM _input")
    add(c, [{"_id": "keep", "a": 1}])
    check_match("source_id_kept", q(f"SELECT _id, a FROM {WS}.{c}"), [{"_id": "keep", "a": 1}])


@case
def event_time_from_iso_string_field():
    c = make(uniq("eti"), "SELECT PARSE_TIMESTAMP_ISO8601(ts) AS _event_time, v FROM _input")
    add(c, [{"_id": "1", "ts": "2024-05-06T07:08:09.5Z", "v": 1}])
    check_match("event_time_mapped",
                q(f"SELECT _event_time, TYPEOF(_event_time) AS t FROM {WS}.{c}"),
                [{"_event_time": "2024-05-06T07:08:09.500000Z", "t": "timestamp"}])


@case
def event_time_from_plain_string_and_millis():
    c = make(uniq("etm"), "SELECT ts AS _event_time, v FROM _input")
    add(c, [{"_id": "1", "ts": "2024-01-02T03:04:05Z", "v": 1},
            {"_id": "2", "ts": 1704164645123, "v": 2}])
    check_match("string_and_epoch_millis",
                q(f"SELECT _id, _event_time FROM {WS}.{c} ORDER BY _id"),
                [{"_id": "1", "_event_time": "2024-01-02T03:04:05.000000Z"},
                 {"_id": "2", "_event_time": "2024-01-02T03:04:05.123000Z"}])


@case
def event_time_that_is_no_time_is_refused():
    c = make(uniq("etb"), "SELECT ts AS _event_time FROM _input")
    r = rl.add_docs(WS, c, [{"_id": "1", "ts": "yesterday"}, {"_id": "2", "ts": True}])
    errs = [(d["status"], (d.get("error") or {}).get("message")) for d in r.body["data"]]
    check_match("per_document_errors", errs, [
        ("ERROR", "_event_time must be a timestamp, an ISO 8601 string or epoch milliseconds: "
                  "'yesterday' is not an ISO 8601 time"),
        ("ERROR", "_event_time must be a timestamp, an ISO 8601 string or epoch milliseconds, "
                  "not true")])


@case
def op_from_the_transformation():
    c = make(uniq("op"), "SELECT *, CASE WHEN deleted THEN 'DELETE' END AS _op"
                         " FROM _input")
    add(c, [{"_id": "1", "v": 1}, {"_id": "2", "v": 2}])
    add(c, [{"_id": "1", "deleted": True}])
    check_match("deleted_by_op", q(f"SELECT _id FROM {WS}.{c} ORDER BY _id"), [{"_id": "2"}])


@case
def op_of_raw_documents():
    c = make(uniq("opr"))
    add(c, [{"_id": "1", "a": 1, "b": 1}, {"_id": "2", "a": 2}])
    add(c, [{"_id": "1", "_op": "update", "b": 9, "c": 3},   # merged, top-level fields
            {"_id": "2", "_op": "REPLACE", "z": 1},           # replaced
            {"_id": "3", "_op": "UPDATE", "a": 3},            # no such document: skipped
            {"_id": "4", "_op": "UPSERT", "a": 4},            # inserted
            {"_id": "5", "_op": "REPLACE", "a": 5}])          # no such document: skipped
    check_match("ops", q(f"SELECT * EXCEPT (_event_time) FROM {WS}.{c} ORDER BY _id"),
                [{"_id": "1", "a": 1, "b": 9, "c": 3}, {"_id": "2", "z": 1},
                 {"_id": "4", "a": 4}])
    add(c, [{"_id": "4", "_op": "DELETE"}])
    check_match("op_delete", q(f"SELECT _id FROM {WS}.{c} ORDER BY _id"),
                [{"_id": "1"}, {"_id": "2"}])
    r = rl.add_docs(WS, c, [{"_id": "1", "_op": "MERGE"}])
    check_match("unknown_op", r.body["data"][0]["error"]["message"],
                "_op must be one of INSERT, UPDATE, UPSERT, DELETE, REPLACE, REPSERT, not 'MERGE'")


# ---------------------------------------------------------------- through INSERT INTO

@case
def insert_into_goes_through_the_transformation():
    c = make(uniq("ins"), "SELECT n * 10 AS n10 FROM _input WHERE n > 1")
    r = rl.query(f"INSERT INTO {WS}.{c} SELECT 1 AS n UNION ALL SELECT 2 AS n")
    check("insert_200", r.status == 200, repr(r))
    rl.wait_fence(WS, c, r.body.get("last_offset", ""))
    check_match("transformed_by_insert", body_of(c), [{"n10": 20}])


# ---------------------------------------------------------------- rollups [ru]

ROLLUP = ("SELECT DATE_TRUNC('HOUR', PARSE_TIMESTAMP_ISO8601(ts)) AS _event_time, sensor,"
          " COUNT(*) AS n, SUM(v) AS total, AVG(v) AS mean, MIN(v) AS lo, MAX(v) AS hi,"
          " MAX_BY(tag, v) AS top_tag, COUNT_IF(v > 2) AS big"
          " FROM _input WHERE sensor IS NOT NULL GROUP BY _event_time, sensor")

READINGS = [  # out of order, in two batches, one filtered out by WHERE
    {"ts": "2024-01-01T10:50:00Z", "sensor": "a", "v": 1, "tag": "x"},
    {"ts": "2024-01-01T09:10:00Z", "sensor": "a", "v": 4, "tag": "y"},
    {"ts": "2024-01-01T10:05:00Z", "sensor": "b", "v": 2.5, "tag": "z"},
    {"ts": "2024-01-01T10:20:00Z", "sensor": "a", "v": 3, "tag": "w"},
    {"ts": "2024-01-01T09:59:59Z", "sensor": "a", "v": 5, "tag": "v"},
    {"ts": "2024-01-01T10:00:00Z", "sensor": "b", "v": 1, "tag": "u"},
    {"ts": "2024-01-01T10:30:00Z", "v": 100},
    {"ts": "2024-01-01T11:00:00Z", "sensor": "a", "v": 7, "tag": "t"},
]

EXPECTED_GROUPS = [
    {"_event_time": "2024-01-01T09:00:00.000000Z", "sensor": "a", "n": 2, "total": 9,
     "mean": 4.5, "lo": 4, "hi": 5, "top_tag": "v", "big": 2},
    {"_event_time": "2024-01-01T10:00:00.000000Z", "sensor": "a", "n": 2, "total": 4,
     "mean": 2.0, "lo": 1, "hi": 3, "top_tag": "w", "big": 1},
    {"_event_time": "2024-01-01T10:00:00.000000Z", "sensor": "b", "n": 2, "total": 3.5,
     "mean": 1.75, "lo": 1, "hi": 2.5, "top_tag": "z", "big": 1},
    {"_event_time": "2024-01-01T11:00:00.000000Z", "sensor": "a", "n": 1, "total": 7,
     "mean": 7.0, "lo": 7, "hi": 7, "top_tag": "t", "big": 1},
]

GROUPS_SQL = ("SELECT _event_time, sensor, n, total, mean, lo, hi, top_tag, big FROM {} "
              "ORDER BY _event_time, sensor")


@case
def rollup_groups_out_of_order_batches():
    c = make(uniq("roll"), ROLLUP)
    add(c, READINGS[:3])
    add(c, READINGS[3:])
    check_match("groups", q(GROUPS_SQL.format(f"{WS}.{c}")), EXPECTED_GROUPS)
    same = q(f"SELECT COUNT(*) AS n FROM {WS}.{c} WHERE LENGTH(_id) = 32")
    check_match("rockset_made_ids", same, [{"n": 4}])
    # the same raw readings grouped by a query give the same groups
    raw = make(uniq("raw"))
    add(raw, READINGS)
    by_query = q(f"SELECT DATE_TRUNC('HOUR', PARSE_TIMESTAMP_ISO8601(ts)) AS _event_time,"
                 f" sensor, COUNT(*) AS n, SUM(v) AS total, AVG(v) AS mean, MIN(v) AS lo,"
                 f" MAX(v) AS hi, MAX_BY(tag, v) AS top_tag, COUNT_IF(v > 2) AS big"
                 f" FROM {WS}.{raw} WHERE sensor IS NOT NULL GROUP BY 1, sensor"
                 f" ORDER BY 1, sensor")
    check_match("equals_group_by_over_raw", by_query, EXPECTED_GROUPS)


@case
def rollup_group_id_is_stable():
    c = make(uniq("rid"), "SELECT k, COUNT(*) AS n FROM _input GROUP BY k")
    add(c, [{"k": "a"}])
    first = q(f"SELECT _id FROM {WS}.{c}")
    add(c, [{"k": "a"}, {"k": "a"}])
    check_match("one_group_same_id", q(f"SELECT _id, n FROM {WS}.{c}"),
                [{"_id": first[0]["_id"], "n": 3}])


@case
def rollup_without_group_by_is_one_group():
    c = make(uniq("r1g"), "SELECT COUNT(*) AS n, SUM(x) AS s FROM _input WHERE x > 0")
    add(c, [{"x": 1}, {"x": -1}])
    add(c, [{"x": -5}])  # nothing passes WHERE: the group is unchanged, none made
    add(c, [{"x": 2}])
    check_match("one_group", body_of(c), [{"n": 2, "s": 3}])


@case
def rollup_having_hides_groups_until_they_pass():
    c = make(uniq("rhav"), "SELECT k, COUNT(*) AS n FROM _input GROUP BY k HAVING COUNT(*) >= 2")
    add(c, [{"k": "a"}, {"k": "b"}])
    check_match("none_yet", body_of(c, "k"), [])
    add(c, [{"k": "a"}])
    check_match("a_passes", body_of(c, "k"), [{"k": "a", "n": 2}])


@case
def rollup_expressions_of_keys_and_aggregates():
    c = make(uniq("rexp"), "SELECT UPPER(k) AS key, SUM(x) / COUNT(*) AS per, MIN(x) + 1 AS m1"
                           " FROM _input GROUP BY k")
    add(c, [{"k": "a", "x": 4}, {"k": "a", "x": 8}])
    add(c, [{"k": "a", "x": 0}])
    check_match("derived", body_of(c, "key"), [{"key": "A", "per": 4, "m1": 1}])


@case
def rollup_unaliased_items_named_as_a_query_names_them():
    """An item without an alias gets the name a query gives it (a path's last field, ?FUNC,
    ?field<position>): a rollup's documents read as GROUP BY over the raw documents would."""
    sql = "SELECT k, COUNT(*), COUNT(*) + 0, CAST(SUM(x) AS float) FROM {} GROUP BY k"
    c = make(uniq("rnam"), sql.format("_input"))
    raw = make(uniq("rraw"))
    docs = [{"k": "a", "x": 1}, {"k": "a", "x": 2}, {"k": "b", "x": 5}]
    add(c, docs)
    add(raw, docs)
    check_match("names", body_of(c, "k"),
                q(sql.format(f"{WS}.{raw}") + " ORDER BY k"))


@case
def rollup_event_time_is_first_arrival_without_one():
    c = make(uniq("ret"), "SELECT k, COUNT(*) AS n FROM _input GROUP BY k")
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
    add(c, [{"k": "a"}])
    et = q(f"SELECT _event_time FROM {WS}.{c}")[0]["_event_time"]
    time.sleep(0.05)
    add(c, [{"k": "a"}])
    check("set_at_creation", et >= iso(before), et)
    check_match("kept_on_update", q(f"SELECT _event_time FROM {WS}.{c}"), [{"_event_time": et}])


@case
def rollup_is_insert_only():
    c = make(uniq("rio"), "SELECT k, COUNT(*) AS n FROM _input GROUP BY k")
    add(c, [{"k": "a"}])
    gid = q(f"SELECT _id FROM {WS}.{c}")[0]["_id"]
    r = rl.patch(f"{coll_path(WS, c)}/docs", {"data": [{"_id": gid, "patch": [
        {"op": "replace", "path": "/n", "value": 5}]}]})
    rl.expect_error("patch_refused", r, 400, "INVALIDINPUT", message=(
        f'collection "{WS}.{c}" is a rollup: its documents can be added, not patched'))
    r = rl.delete(f"{coll_path(WS, c)}/docs", {"data": [{"_id": gid}]})
    rl.expect_error("delete_refused", r, 400, "INVALIDINPUT", message=(
        f'collection "{WS}.{c}" is a rollup: its documents can be added, not deleted'))
    g = rl.get(coll_path(WS, c)).body["data"]
    check_match("api_fields", (g["insert_only"], g["field_mapping_query"]),
                (True, {"sql": "SELECT k, COUNT(*) AS n FROM _input GROUP BY k"}))
    plain = make(uniq("pio"), "SELECT * FROM _input")
    check_match("plain_not_insert_only", rl.get(coll_path(WS, plain)).body["data"]["insert_only"],
                False)


@case
def rollup_query_cannot_change():
    sql = "SELECT k, COUNT(*) AS n FROM _input GROUP BY k"
    c = make(uniq("rch"), sql)
    r = put(coll_path(WS, c), {"field_mapping_query": {"sql": sql.replace("COUNT(*)", "SUM(x)")}})
    rl.expect_error("changed_refused", r, 400, "INVALIDINPUT",
                    message=f'the rollup query of collection "{WS}.{c}" cannot be changed')
    r = put(coll_path(WS, c), {"field_mapping_query": {"sql": sql}, "description": "same"})
    check("same_query_accepted", r.status == 200, repr(r))
    p = make(uniq("rch"), "SELECT * FROM _input")
    r = put(coll_path(WS, p), {"field_mapping_query": {"sql": sql}})
    rl.expect_error("becoming_a_rollup_refused", r, 400, "INVALIDINPUT", message=(
        f'collection "{WS}.{p}" cannot become a rollup: a rollup\'s query is given when the '
        "collection is created"))
    check_match("nothing_stored", rl.get(coll_path(WS, p)).body["data"]["field_mapping_query"],
                {"sql": "SELECT * FROM _input"})


@case
def rollup_survives_a_kill_in_the_middle_of_a_batch():
    """A batch is folded in the write's transaction: killed mid-batch, the batch counts not at
    all (the client, without an answer, sends it again) or entirely; never twice, never part."""
    db = os.path.join(rl.OUT, f"{uniq('rollkill')}.db")
    srv = rl.start_server("--data", db)
    rl.make_ws("wk", url=srv.url)
    sql = "SELECT k, COUNT(*) AS n, SUM(v) AS s FROM _input GROUP BY k"
    r = post("/v1/orgs/self/ws/wk/collections", {"name": "r", "field_mapping_query": {"sql": sql}},
             url=srv.url)
    check("created", r.status == 200, repr(r))
    first = [{"k": f"g{i % 10}", "v": 1} for i in range(1000)]
    rl.add_docs("wk", "r", first, url=srv.url)
    batch = [{"k": f"g{i % 10}", "v": 2} for i in range(20000)]
    answered = []

    def send():
        try:
            answered.append(rl.add_docs("wk", "r", batch, url=srv.url).status)
        except Exception:  # noqa: BLE001 - the server is killed under it
            answered.append(None)

    t = threading.Thread(target=send)
    t.start()
    time.sleep(0.15 * rl.SLOW)
    srv.kill9()
    t.join()
    srv = rl.start_server("--data", db)
    totals = q("SELECT SUM(n) AS n, SUM(s) AS s FROM wk.r", url=srv.url)[0]
    check("never_part_of_a_batch", totals in ({"n": 1000, "s": 1000}, {"n": 21000, "s": 41000}),
          repr(totals))
    if totals["n"] == 1000:  # not committed: the client sends it again
        rl.add_docs("wk", "r", batch, url=srv.url)
    check_match("each_counted_once", q("SELECT k, n, s FROM wk.r ORDER BY k", url=srv.url),
                [{"k": f"g{i}", "n": 2100, "s": 4100} for i in range(10)])
    srv.stop()


# ---------------------------------------------------------------- invalid transformations

REFUSED = [
    ("SELECT a FROM _input ORDER BY a",
     "ORDER BY is not allowed in an ingest transformation (line 1, column 31)"),
    ("SELECT a FROM _input LIMIT 5",
     "LIMIT is not allowed in an ingest transformation (line 1, column 28)"),
    ("SELECT a FROM _input JOIN x ON a = b",
     "JOIN is not allowed in an ingest transformation (line 1, column 22)"),
    ("SELECT a FROM _input UNION ALL SELECT a FROM _input",
     "UNION ALL is not allowed in an ingest transformation (line 1, column 22)"),
    ("SELEC a FROM _input", None),
    ("SELECT k, COUNT(*) FROM _input GROUP BY GROUPING SETS ((k), ())",
     "GROUPING SETS, ROLLUP and CUBE are not allowed in an ingest transformation: a rollup "
     "keeps one grouping set (line 1, column 1)"),
    ("SELECT k, x, COUNT(*) FROM _input GROUP BY k",
     "field 'x' is neither grouped nor aggregated: a rollup's select list holds GROUP BY "
     "expressions and aggregates (line 1, column 11)"),
    ("SELECT k AS _id, COUNT(*) FROM _input GROUP BY k",
     "a rollup's _id is made by Rockset from its group: it cannot be selected (line 1, column 8)"),
    ("SELECT a FROM _input WHERE a IN (SELECT b FROM _input)",
     "a subquery is not allowed in an ingest transformation (line 1, column 30)"),
    ("WITH t AS (SELECT 1 AS x) SELECT x FROM t",
     "WITH is not allowed in an ingest transformation (line 1, column 27)"),
    ("SELECT a FROM other", "an ingest transformation reads FROM _input, not 'other' "
     "(line 1, column 15)"),
    ("SELECT ROW_NUMBER() OVER (ORDER BY a) AS r FROM _input",
     "a window function is not allowed in an ingest transformation (line 1, column 8)"),
    ("SELECT k, ARRAY_AGG(x) AS xs FROM _input GROUP BY k",
     "ARRAY_AGG is not supported in a rollup (supported: COUNT, COUNT_IF, SUM, AVG, MIN, MAX, "
     "MIN_BY, MAX_BY, BOOL_AND, EVERY, BOOL_OR, ARBITRARY, ANY_VALUE, BITWISE_AND_AGG, "
     "BITWISE_OR_AGG) (line 1, column 11)"),
    ("SELECT k, COUNT(DISTINCT x) FROM _input GROUP BY k",
     "COUNT(DISTINCT ...) is not supported in a rollup (line 1, column 11)"),
    ("SELECT a FROM _input WHERE a = :p",
     "an ingest transformation has no parameters: ':p' (line 1, column 32)"),
    ("SELECT DISTINCT a FROM _input",
     "SELECT DISTINCT is not allowed in an ingest transformation (line 1, column 1)"),
    ("SELECT a FROM _input HAVING a > 1",
     "HAVING needs GROUP BY or an aggregate (a rollup) (line 1, column 31)"),
    ("SELECT NO_SUCH_FN(a) FROM _input", None),
]


@case
def invalid_transformations_refused():
    for sql, message in REFUSED:
        status, type_, got = create_error(sql)
        check(f"refused_400 {sql}", (status, type_) == (400, "INVALIDINPUT"), f"{status} {got}")
        if message is not None:
            check_match(f"message {sql}", got, "invalid field_mapping_query: " + message)
        else:
            check(f"message_names_position {sql}",
                  (got or "").startswith("invalid field_mapping_query: ") and "line 1" in got,
                  got)
    names = [c["name"] for c in rl.get(f"/v1/orgs/self/ws/{WS}/collections").body["data"]]
    check("nothing_stored", not any(n.startswith("bad") for n in names), repr(names))


@case
def cluster_by_accepted_in_transformations_only():
    c = make(uniq("clu"), "SELECT * FROM _input CLUSTER BY region")
    add(c, [{"_id": "1", "region": "eu"}])
    check_match("stored", body_of(c), [{"region": "eu"}])
    r = rl.query(f"SELECT * FROM {WS}.{c} CLUSTER BY region")
    check_match("refused_in_a_query", (r.status, (r.body or {}).get("message")),
                (400, "CLUSTER BY belongs to a collection's ingest transformation, not to a query "
                      "(line 1, column " + str(len(f"SELECT * FROM {WS}.{c} ") + 1) + ")"))


# ---------------------------------------------------------------- retention [api]

@case
def retention_bounds():
    for secs, ok in ((3599, False), (3600, True), (10 * 365 * 86400, False), (86400, True)):
        r = post(f"/v1/orgs/self/ws/{WS}/collections",
                 {"name": uniq("rb"), "retention_secs": secs})
        if ok:
            check(f"accepted {secs}", r.status == 200 and r.body["data"]["retention_secs"] == secs,
                  repr(r))
        else:
            rl.expect_error(f"refused {secs}", r, 400, "INVALIDINPUT", message=(
                "retention_secs must be between 3600 (one hour) and 315359999 (under ten "
                f"years), not {secs}"))


@case
def retention_drops_old_documents_at_ingest():
    c = make(uniq("ret"), retention_secs=3600)
    now = datetime.datetime.now(datetime.timezone.utc)
    add(c, [{"_id": "old", "_event_time": "2020-01-01T00:00:00Z"},
            {"_id": "new", "_event_time": iso(now)},
            {"_id": "none"}])
    check_match("old_one_gone", q(f"SELECT _id FROM {WS}.{c} ORDER BY _id"),
                [{"_id": "new"}, {"_id": "none"}])
    stats = rl.get(coll_path(WS, c)).body["data"]["stats"]
    check_match("counted_as_purged", (stats["doc_count"], stats["purged_doc_count"],
                                      stats["purged_doc_size"] > 0), (2, 1, True))


@case
def retention_hides_documents_as_they_age():
    c = make(uniq("rage"), retention_secs=3600)
    now = datetime.datetime.now(datetime.timezone.utc)
    soon = now - datetime.timedelta(seconds=3600 - 1.5 * rl.SLOW)
    add(c, [{"_id": "aging", "_event_time": iso(soon)},
            {"_id": "fresh", "_event_time": iso(now)}])
    check_match("both_at_first", q(f"SELECT _id FROM {WS}.{c} ORDER BY _id"),
                [{"_id": "aging"}, {"_id": "fresh"}])
    time.sleep(2.0 * rl.SLOW)
    check_match("aged_out_at_once", q(f"SELECT _id FROM {WS}.{c} ORDER BY _id"),
                [{"_id": "fresh"}])
    stats = rl.get(coll_path(WS, c)).body["data"]["stats"]
    check_match("reclaimed", (stats["doc_count"], stats["purged_doc_count"]), (1, 1))


@case
def retention_enforced_after_a_restart():
    """A store opened with a collection that has a retention purges as before the restart
    (queries look for expired documents only when some collection has one)."""
    db = os.path.join(rl.OUT, f"{uniq('retrs')}.db")
    srv = rl.start_server("--data", db)
    rl.make_ws("wr", url=srv.url)
    r = post("/v1/orgs/self/ws/wr/collections", {"name": "c", "retention_secs": 3600}, url=srv.url)
    check("created", r.status == 200, repr(r))
    now = datetime.datetime.now(datetime.timezone.utc)
    soon = now - datetime.timedelta(seconds=3600 - 1.5 * rl.SLOW)
    add_r = rl.add_docs("wr", "c", [{"_id": "aging", "_event_time": iso(soon)},
                                    {"_id": "fresh", "_event_time": iso(now)}], url=srv.url)
    rl.wait_fence("wr", "c", add_r.body["last_offset"], url=srv.url)
    srv.stop()
    srv = rl.start_server("--data", db)
    time.sleep(2.0 * rl.SLOW)
    check_match("aged_out_after_restart", q("SELECT _id FROM wr.c ORDER BY _id", url=srv.url),
                [{"_id": "fresh"}])
    srv.stop()


@case
def retention_on_a_rollup():
    c = make(uniq("rret"), "SELECT PARSE_TIMESTAMP_ISO8601(ts) AS _event_time, COUNT(*) AS n"
                           " FROM _input GROUP BY _event_time", retention_secs=3600)
    now = iso(datetime.datetime.now(datetime.timezone.utc))
    add(c, [{"ts": "2020-01-01T00:00:00Z"}, {"ts": now}, {"ts": now}])
    check_match("old_group_gone", q(f"SELECT n FROM {WS}.{c}"), [{"n": 2}])


@case
def api_fields_echo():
    c = make(uniq("api"), "SELECT * FROM _input", retention_secs=7200)
    g = rl.get(coll_path(WS, c)).body["data"]
    check_match("echo", (g["field_mapping_query"], g["retention_secs"], g["insert_only"]),
                ({"sql": "SELECT * FROM _input"}, 7200, False))


check_match  # noqa: B018 - imported for the cases
EVENT_TIME  # noqa: B018
rl.done()
