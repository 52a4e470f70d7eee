"""Async queries: async:true, the older async_options-only form, GET /queries/{id} (QueryInfo
with the top-level last_offset), results via /pages, client_timeout_ms, cancel (DELETE), list,
async INSERT INTO, async timeout -> ERROR."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import (NONNEG, OFFSET, QUERY_ID, STR, STR_OR_NULL, TS, Opt, Type, case, check,  # noqa: E402
                check_match, delete, expect, get, post, uniq)

rl.set_prefix("async")

WS = uniq("wsasync")
rl.make_ws(WS)
COLL = uniq("a")
rl.make_coll(WS, COLL)
_r = rl.add_docs(WS, COLL, [{"_id": f"{i:03d}", "v": i} for i in range(100)])
rl.wait_fence(WS, COLL, _r.body["last_offset"])
C = f"{WS}.{COLL}"
SLOW = f"SELECT COUNT(*) AS n FROM {C} a, {C} b, {C} d, {C} e"
ROWS = [{"_id": f"{i:03d}", "v": i} for i in range(5)]
TS_OPT = rl.TS_OR_NULL
FAST = f"SELECT _id, v FROM {C} WHERE v < 5 ORDER BY v"


def qpost(body):
    return post("/v1/orgs/self/queries", body)


def info(qid):
    return get(f"/v1/orgs/self/queries/{qid}")


def wait_done(qid, timeout=10):
    return rl.poll(lambda: info(qid), lambda x: x.status != 200 or x.body["data"]["status"]
                   not in ("QUEUED", "RUNNING"), timeout=timeout)


def accepted(status=None):
    return {"query_id": QUERY_ID, "status": status or rl.OneOf("QUEUED", "RUNNING"),
            "stats": Opt({"elapsed_time_ms": NONNEG, "throttled_time_micros": NONNEG,
                          "index_used": rl.Type("boolean"), "engine": rl.Re("columns|rows")}),
            "results": Opt([]), "collections": Opt(Type("array")), "aliases": Opt(Type("array")),
            "column_fields": Opt(Type("array")), "pagination": rl.ABSENT,
            "results_total_doc_count": rl.ABSENT, "warnings": Opt(Type("array")),
            "query_errors": Opt([]), "last_offset": Opt(None)}


def completed_info(qid, last_offset=None):
    return {"data": {
        "query_id": qid, "status": "COMPLETED", "sql": Opt(STR_OR_NULL),
        "executed_by": Opt(STR_OR_NULL), "submitted_at": TS, "expires_at": TS,
        "last_offset": last_offset, "destination_uri": Opt(None),
        "pagination": {"start_cursor": STR}, "query_errors": Opt(rl.OneOf([], None)),
        "stats": Opt(Type("object|null"))}, "last_offset": last_offset}


@case
def async_true():
    r = qpost({"async": True, "sql": {"query": FAST, "parameters": []}})
    if not expect("accepted", r, 200, accepted(), "QueryResponse"):
        return
    qid = r.body["query_id"]
    g = wait_done(qid)
    expect("info_completed", g, 200, completed_info(qid), "QueryInfoResponse")
    lst = get("/v1/orgs/self/queries")
    ids = [q.get("query_id") for q in lst.body.get("data", [])] if lst.status == 200 else None
    check("completed_not_listed", ids is not None and qid not in ids, repr(lst)[:300])
    p = get(f"/v1/orgs/self/queries/{qid}/pages")
    expect("pages", p, 200, {"results": ROWS, "results_total_doc_count": 5,
                             "pagination": {"start_cursor": STR_OR_NULL, "next_cursor": None,
                                            "next_cursor_offset": Opt(5),
                                            "current_page_doc_count": 5,
                                            "next_page_link": Opt(None)}},
           "QueryPaginationResponse")
    start = ((g.body or {}).get("data") or {}).get("pagination") or {}
    p = get(f"/v1/orgs/self/queries/{qid}/pages?cursor={start.get('start_cursor')}&docs=2")
    expect("pages_from_start_cursor", p, 200, {
        "results": ROWS[:2], "results_total_doc_count": 5,
        "pagination": {"start_cursor": STR_OR_NULL, "next_cursor": STR, "next_cursor_offset": 2,
                       "current_page_doc_count": 2, "next_page_link": Opt(STR_OR_NULL)}},
        "QueryPaginationResponse")


@case
def client_timeout_returns_results_in_band():
    r = qpost({"async": True, "async_options": {"client_timeout_ms": 3000},
               "sql": {"query": FAST}})
    check("status", r.status == 200, repr(r))
    body = r.body if isinstance(r.body, dict) else {}
    check_match("completed_in_band", {"status": body.get("status"), "results": body.get("results")},
                {"status": "COMPLETED", "results": ROWS})


@case
def client_timeout_bounds_the_wait():
    r = qpost({"async": True, "async_options": {"client_timeout_ms": 300}, "timeout_ms": 10000,
               "sql": {"query": SLOW}})
    check("status", r.status == 200 and r.body.get("status") in ("QUEUED", "RUNNING"), repr(r))
    check("waited_about_client_timeout", 250 <= r.ms <= 2500 * rl.SLOW, f"{r.ms:.0f} ms")
    if r.status == 200:
        delete(f"/v1/orgs/self/queries/{r.body['query_id']}")


@case
def async_options_only_is_async_and_cancel():
    r = qpost({"async_options": {"client_timeout_ms": 100, "timeout_ms": 20000,
                                 "max_initial_results": 1}, "sql": {"query": SLOW}})
    if not expect("accepted", r, 200, accepted(), "QueryResponse"):
        return
    qid = r.body["query_id"]
    g = info(qid)
    expect("info_running", g, 200, {"data": {
        "query_id": qid, "status": rl.OneOf("QUEUED", "RUNNING"), "sql": Opt(STR_OR_NULL),
        "executed_by": Opt(STR_OR_NULL), "submitted_at": TS, "expires_at": None,
        "last_offset": None, "destination_uri": Opt(None), "pagination": Opt(None),
        "query_errors": Opt(rl.OneOf([], None)), "stats": Opt(Type("object|null"))},
        "last_offset": None}, "QueryInfoResponse")
    lst = get("/v1/orgs/self/queries")
    ids = [q.get("query_id") for q in lst.body.get("data", [])] if lst.status == 200 else []
    check("listed_while_running", qid in ids, repr(lst)[:300])
    rl.check_schema("list/schema", lst.body, "QueryInfoList")
    d = delete(f"/v1/orgs/self/queries/{qid}")
    expect("cancel", d, 200, {"data": rl.Pred(
        lambda x: isinstance(x, dict) and x.get("query_id") == qid
        and x.get("status") == "CANCELLED", "QueryInfo CANCELLED")})
    rl.check_schema("cancel/schema", (d.body or {}).get("data") if isinstance(d.body, dict)
                    else d.body, "QueryInfo")
    g = rl.poll(lambda: info(qid), lambda x: x.status == 200
                and x.body["data"]["status"] == "CANCELLED", timeout=3)
    check_match("info_cancelled", g.body.get("data", {}).get("status") if g.status == 200 else g,
                "CANCELLED")
    r = rl.query("SELECT 3 AS three")
    check_match("server_free_after_cancel", r.body.get("results") if r.status == 200 else r,
                [{"three": 3}])
    check("server_fast_after_cancel", r.ms < 2000, f"{r.ms:.0f} ms")
    d = delete("/v1/orgs/self/queries/00000000-0000-4000-8000-000000000000:AAAAAAA:0")
    check("cancel_unknown", d.status == 404, repr(d))


@case
def async_timeout_is_error():
    r = qpost({"async": True, "timeout_ms": 100, "sql": {"query": SLOW}})
    if not check("accepted", r.status == 200, repr(r)):
        return
    qid = r.body["query_id"]
    g = wait_done(qid, timeout=5)
    data = g.body.get("data", {}) if g.status == 200 else {}
    check_match("status_error", data.get("status"), "ERROR")
    check_match("query_errors", data.get("query_errors"),
                [{"type": "QUERY_TIMEOUT", "message": STR, "status_code": Opt(408)}])


@case
def async_bad_sql():
    r = qpost({"async": True, "sql": {"query": "SELEC 1"}})
    if r.status == 200:
        g = wait_done(r.body["query_id"])
        data = g.body.get("data", {}) if g.status == 200 else {}
        check("error_status", data.get("status") == "ERROR" and data.get("query_errors"), repr(g))
    else:
        rl.expect_error("rejected", r, 400, "QUERY_ERROR", line=Type("integer"),
                        column=Type("integer"))


@case
def async_insert_into():
    dst = uniq("adst")
    rl.make_coll(WS, dst)
    r = qpost({"async": True, "sql": {"query": f"INSERT INTO {WS}.{dst} SELECT _id, v FROM {C} "
                                               f"WHERE v < 10"}})
    if not check("accepted", r.status == 200 and r.body.get("status") in
                 ("QUEUED", "RUNNING", "COMPLETED"), repr(r)):
        return
    qid = r.body["query_id"]
    g = rl.poll(lambda: info(qid), lambda x: x.status != 200 or (
        x.body["data"]["status"] == "COMPLETED" and x.body.get("last_offset")), timeout=10)
    off = g.body.get("last_offset") if g.status == 200 else None
    expect("info", g, 200, {"data": {
        "query_id": qid, "status": "COMPLETED", "sql": Opt(STR_OR_NULL),
        "executed_by": Opt(STR_OR_NULL), "submitted_at": TS, "expires_at": TS_OPT,
        "last_offset": OFFSET, "destination_uri": Opt(None),
        "pagination": Opt(Type("object|null")), "query_errors": Opt(rl.OneOf([], None)),
        "stats": Opt(Type("object|null"))}, "last_offset": OFFSET}, "QueryInfoResponse")
    check("data_and_top_level_offset_agree",
          g.status == 200 and g.body["data"].get("last_offset") == off, repr(g))
    f = rl.wait_fence(WS, dst, off or "")
    check("fence_passes", f.status == 200 and f.body["data"]["passed"] is True, repr(f))
    res = rl.rows(f"SELECT COUNT(*) AS n, SUM(v) AS s FROM {WS}.{dst}")
    check_match("rows_written", res, [{"n": 10, "s": 45}])


@case
def dbt_style_async_insert():
    """dbt's run_async_iis: async_options only, then poll GET /queries/{id} until the top-level
    last_offset is set, then the commit fence, then the rows are there."""
    dst = uniq("dbtdst")
    rl.make_coll(WS, dst)
    r = qpost({"async_options": {"client_timeout_ms": 1000, "timeout_ms": 1800000,
                                 "max_initial_results": 1},
               "sql": {"query": f"INSERT INTO {WS}.{dst} SELECT _id, v FROM {C} WHERE v < 7"}})
    if not check("accepted", r.status == 200 and r.body.get("status") in
                 ("QUEUED", "RUNNING", "COMPLETED"), repr(r)):
        return
    qid = r.body["query_id"]
    g = rl.poll(lambda: info(qid), lambda x: x.status != 200 or x.body.get("last_offset")
                or x.body["data"]["status"] in ("ERROR", "CANCELLED"), timeout=10)
    off = g.body.get("last_offset") if g.status == 200 else None
    check("last_offset_appears", isinstance(off, str) and off != "", repr(g))
    check_match("status_completed", g.body["data"]["status"] if g.status == 200 else g,
                "COMPLETED")
    f = rl.wait_fence(WS, dst, off or "")
    check("fence_passes", f.status == 200 and f.body["data"]["passed"] is True, repr(f))
    res = rl.rows(f"SELECT COUNT(*) AS n FROM {WS}.{dst}")
    check_match("rows_written", res, [{"n": 7}])


rl.done()
