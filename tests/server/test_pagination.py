"""Cursor pagination: max_initial_results + GET /queries/{id}/pages over many pages (every row
exactly once, in order), docs/offset parameters, the first page without cursor, legacy
sql.paginate + initial_paginate_response_doc_count, errors."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import (NONNEG, QUERY_ID, STR, STR_OR_NULL, Opt, Type, case, check, check_match,  # noqa: E402
                expect, get, query, uniq)

rl.set_prefix("pagination")

WS = uniq("wspg")
rl.make_ws(WS)
COLL = uniq("pg")
rl.make_coll(WS, COLL)
N = 120
_r = rl.add_docs(WS, COLL, [{"_id": f"p{i:03d}", "i": i} for i in range(N)])
rl.wait_fence(WS, COLL, _r.body["last_offset"])
SQL = f"SELECT _id, i FROM {WS}.{COLL} ORDER BY i"
ALL = [{"_id": f"p{i:03d}", "i": i} for i in range(N)]


def pinfo(next_cursor, next_offset, count):
    return {"start_cursor": STR_OR_NULL, "next_cursor": next_cursor,
            "next_cursor_offset": Opt(next_offset) if next_cursor is None else next_offset,
            "current_page_doc_count": count, "next_page_link": Opt(STR_OR_NULL)}


def pages_path(qid, cursor=None, docs=None, offset=None):
    q = []
    if cursor is not None:
        q.append(f"cursor={cursor}")
    if docs is not None:
        q.append(f"docs={docs}")
    if offset is not None:
        q.append(f"offset={offset}")
    return f"/v1/orgs/self/queries/{qid}/pages" + ("?" + "&".join(q) if q else "")


def walk(qid, cursor, consumed, page_size, label):
    """Follow next_cursor to the end; returns the rows read. Checks every page exactly."""
    got = []
    pages = 0
    while cursor is not None and pages < 100:
        pages += 1
        r = get(pages_path(qid, cursor, page_size))
        want = ALL[consumed:consumed + page_size]
        consumed += len(want)
        last = consumed >= N
        ok = expect(f"{label}/page{pages}", r, 200, {
            "results": want, "results_total_doc_count": N,
            "pagination": pinfo(None if last else STR, consumed, len(want))},
            "QueryPaginationResponse")
        if not ok or r.status != 200:
            return got, pages
        got += r.body["results"]
        cursor = r.body["pagination"].get("next_cursor")
    return got, pages


@case
def max_initial_results():
    r = query(SQL, max_initial_results=10)
    ok = expect("initial", r, 200, {
        "query_id": QUERY_ID, "status": "COMPLETED", "results": ALL[:10],
        "results_total_doc_count": N, "pagination": pinfo(STR, 10, 10),
        "collections": [f"{WS}.{COLL}"], "column_fields": Type("array"),
        "stats": {"elapsed_time_ms": NONNEG, "throttled_time_micros": NONNEG,
                  "index_used": rl.Type("boolean"), "engine": rl.Re("columns|rows")},
        "aliases": Opt([]), "warnings": Opt(Type("array")), "query_errors": Opt([]),
        "last_offset": Opt(None)}, "QueryResponse")
    if not ok or r.status != 200:
        return
    qid = r.body["query_id"]
    got, pages = walk(qid, r.body["pagination"]["next_cursor"], 10, 11, "walk")
    check_match("all_rows_once_in_order", r.body["results"] + got, ALL)
    check("page_count", pages == 10, f"{pages} pages")


@case
def first_page_without_cursor_and_offset():
    r = query(SQL, max_initial_results=5)
    if not check("query/status", r.status == 200, repr(r)):
        return
    qid = r.body["query_id"]
    p = get(pages_path(qid, docs=7))
    expect("no_cursor_first_page", p, 200, {"results": ALL[:7], "results_total_doc_count": N,
                                            "pagination": pinfo(STR, 7, 7)},
           "QueryPaginationResponse")
    nxt = r.body["pagination"]["next_cursor"]
    p = get(pages_path(qid, nxt, docs=3, offset=2))
    expect("offset_within_cursor", p, 200, {"results": ALL[7:10], "results_total_doc_count": N,
                                            "pagination": pinfo(STR, 10, 3)},
           "QueryPaginationResponse")
    p = get(pages_path(qid, nxt, docs=3))
    expect("cursor_is_reusable", p, 200, {"results": ALL[5:8], "results_total_doc_count": N,
                                          "pagination": pinfo(STR, 8, 3)},
           "QueryPaginationResponse")
    p = get(pages_path(qid, nxt))
    expect("default_docs_is_the_rest", p, 200, {"results": ALL[5:], "results_total_doc_count": N,
                                                "pagination": pinfo(None, N, N - 5)},
           "QueryPaginationResponse")
    p = get(pages_path(qid, nxt, docs=1000))
    expect("big_page_to_end", p, 200, {"results": ALL[5:], "results_total_doc_count": N,
                                       "pagination": pinfo(None, N, N - 5)},
           "QueryPaginationResponse")


@case
def legacy_paginate():
    r = query(SQL, paginate=True, initial_paginate_response_doc_count=6)
    ok = expect("initial", r, 200, {
        "query_id": QUERY_ID, "status": "COMPLETED", "results": ALL[:6],
        "results_total_doc_count": N, "pagination": pinfo(STR, 6, 6),
        "collections": [f"{WS}.{COLL}"], "column_fields": Type("array"), "stats": Type("object"),
        "aliases": Opt([]), "warnings": Opt(Type("array")), "query_errors": Opt([]),
        "last_offset": Opt(None)}, "QueryResponse")
    if not ok or r.status != 200:
        return
    got, pages = walk(r.body["query_id"], r.body["pagination"]["next_cursor"], 6, 50, "legacy")
    check_match("all_rows_once", r.body["results"] + got, ALL)
    check("page_count", pages == 3, f"{pages} pages")


@case
def fits_in_first_page():
    r = query(f"SELECT _id FROM {WS}.{COLL} WHERE i < 3 ORDER BY i", max_initial_results=10)
    check("status", r.status == 200, repr(r))
    body = r.body if isinstance(r.body, dict) else {}
    check_match("results", body.get("results"), [{"_id": "p000"}, {"_id": "p001"},
                                                 {"_id": "p002"}])
    check_match("no_next_cursor", (body.get("pagination") or {}).get("next_cursor", None), None)
    check_match("total", body.get("results_total_doc_count"), 3)


@case
def errors():
    r = query(SQL, max_initial_results=5)
    qid = r.body.get("query_id") if r.status == 200 else "x"
    p = get(pages_path(qid, "not-a-cursor", 5))
    check("bad_cursor/status", p.status in (400, 404), repr(p))
    rl.check_schema("bad_cursor/schema", p.body, "ErrorModel")
    p = get(pages_path("00000000-0000-4000-8000-000000000000:AAAAAAA:0"))
    check("unknown_query/status", p.status == 404, repr(p))
    rl.check_schema("unknown_query/schema", p.body, "ErrorModel")
    p = get(pages_path(qid, docs=-1))
    check("negative_docs", p.status == 400, repr(p))


rl.done()
