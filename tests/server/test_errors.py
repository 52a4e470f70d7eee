"""Errors common to every route: malformed JSON -> 400 INVALIDINPUT, body over --max-body-bytes
-> 413 CONTENTTOOLARGE (and nothing written), unknown route -> 404 NOTFOUND, wrong method -> 405
METHODNOTALLOWED, unsupported SQL -> 400 naming the construct; JSON content type on errors."""
import http.client
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import case, check, check_match, expect_error, mentions, request, uniq  # noqa: E402

rl.set_prefix("errors")

WS = uniq("wserr")
rl.make_ws(WS)
COLL = uniq("ec")
rl.make_coll(WS, COLL)
_r = rl.add_docs(WS, COLL, [{"_id": "1", "a": 1}, {"_id": "2", "a": 2}])
rl.wait_fence(WS, COLL, _r.body["last_offset"])


@case
def malformed_json():
    targets = [("POST", "/v1/orgs/self/ws"), ("POST", "/v1/orgs/self/queries"),
               ("POST", f"{rl.coll_path(WS, COLL)}/docs"),
               ("PATCH", f"{rl.coll_path(WS, COLL)}/docs"),
               ("POST", f"/v1/orgs/self/ws/{WS}/views"),
               ("POST", f"/v1/orgs/self/ws/{WS}/lambdas")]
    for i, (method, path) in enumerate(targets):
        r = request(method, path, raw_body='{"name": "x", ')
        expect_error(f"truncated_{i}", r, 400, "INVALIDINPUT")
    r = request("POST", "/v1/orgs/self/queries", raw_body="{'sql': 1}")
    expect_error("single_quotes", r, 400, "INVALIDINPUT")
    r = request("POST", "/v1/orgs/self/ws", raw_body="[1, 2]")
    expect_error("not_an_object", r, 400, rl.OneOf("INVALIDINPUT", "BADREQUEST"))
    r = request("POST", "/v1/orgs/self/ws", raw_body="")
    expect_error("empty_body", r, 400, rl.OneOf("INVALIDINPUT", "BADREQUEST"))
    res = rl.rows(f"SELECT COUNT(*) AS n FROM {WS}.{COLL}")
    check_match("bad_write_did_nothing", res, [{"n": 2}])


@case
def invalid_utf8():
    """Invalid UTF-8 is not JSON (RFC 8259 section 8.1): it is refused like malformed JSON, never
    echoed back raw, never stored (a stored one would make later query responses invalid)."""
    r = request("POST", "/v1/orgs/self/ws", raw_body=b'{"name": "\xff\xfe"}')
    expect_error("workspace_name", r, 400, "INVALIDINPUT")
    check("json_content_type", r.headers.get("content-type", "").startswith("application/json"),
          str(r.headers.get("content-type")))
    coll = uniq("utf")
    rl.make_coll(WS, coll)
    r = request("POST", f"{rl.coll_path(WS, coll)}/docs",
                raw_body=b'{"data": [{"_id": "bad8", "v": "a\xffb"}]}')
    expect_error("document", r, 400, "INVALIDINPUT")
    r = request("POST", "/v1/orgs/self/queries", raw_body=b'{"sql": {"query": "SELECT \'\xff\'"}}')
    expect_error("query", r, 400, rl.OneOf("INVALIDINPUT", "QUERY_ERROR"),
                 line=rl.Type("integer|null"), column=rl.Type("integer|null"))
    res = rl.rows(f"SELECT COUNT(*) AS n FROM {WS}.{coll}")
    check_match("nothing_stored", res, [{"n": 0}])


@case
def body_too_large():
    srv = rl.start_server("--max-body-bytes", "1000")
    rl.make_coll("commons", "big", url=srv.url)
    path = f"{rl.coll_path('commons', 'big')}/docs"
    small = {"data": [{"_id": "s", "pad": "x" * 800}]}
    r = rl.post(path, small, url=srv.url)
    check("under_limit_ok", r.status == 200, repr(r))
    big = {"data": [{"_id": "b", "pad": "x" * 3000}]}
    r = rl.post(path, big, url=srv.url)
    expect_error("over_limit", r, 413, "CONTENTTOOLARGE")
    r = rl.query("SELECT _id FROM commons.big ORDER BY _id", url=srv.url)
    check_match("oversized_write_did_nothing", r.body.get("results") if r.status == 200 else r,
                [{"_id": "s"}])
    r = rl.get("/v1/orgs/self", url=srv.url)
    check("server_fine_after_413", r.status == 200, repr(r))
    srv.stop()


@case
def default_body_limit_is_10_mib():
    path = f"{rl.coll_path(WS, COLL)}/docs"
    r = rl.post(path, {"data": [{"_id": "huge", "pad": "x" * (10 * 1024 * 1024 + 100)}]})
    expect_error("over_10_mib", r, 413, "CONTENTTOOLARGE")
    r = rl.post(path, {"data": [{"_id": "nearly", "pad": "x" * (10 * 1024 * 1024 - 1024)}]})
    check("just_under_10_mib", r.status == 200, repr(r)[:300])
    rl.wait_fence(WS, COLL, r.body.get("last_offset", "") if r.status == 200 else "")
    res = rl.rows(f"SELECT _id, LENGTH(pad) AS n FROM {WS}.{COLL} WHERE _id IN ('huge', 'nearly')")
    check_match("only_the_accepted_one_stored", res,
                [{"_id": "nearly", "n": 10 * 1024 * 1024 - 1024}])
    rl.delete(path, {"data": [{"_id": "nearly"}]})


@case
def transport():
    """What libcurl does: several requests on one kept-alive connection (also after an error),
    Expect: 100-continue, a chunked request body."""
    host, port = rl._split(rl.URL)
    conn = http.client.HTTPConnection(host, port, timeout=30)
    auth = {"Authorization": f"ApiKey {rl.KEY}", "Content-Type": "application/json"}
    got = []
    try:
        for method, path, body, extra in [
                ("GET", "/v1/orgs/self", None, {}),
                ("GET", "/v1/orgs/self/nope", None, {}),
                ("POST", "/v1/orgs/self/queries", b'{"sql":{"query":"SELECT 1 AS x"}}',
                 {"Expect": "100-continue"}),
                ("POST", "/v1/orgs/self/queries", iter([b'{"sql":', b'{"query":"SELECT 2 AS x"}}']),
                 {}),
                ("POST", "/v1/orgs/self/ws", b'{"name": ', {}),
                ("GET", "/v1/orgs/self", None, {})]:
            conn.request(method, path, body=body, headers=dict(auth, **extra),
                         encode_chunked=not isinstance(body, (bytes, type(None))))
            r = conn.getresponse()
            data = r.read()
            got.append((r.status, json.loads(data).get("results") if r.status == 200
                        and path.endswith("queries") else None))
    finally:
        conn.close()
    check_match("one_connection", got, [(200, None), (404, None), (200, [{"x": 1}]),
                                        (200, [{"x": 2}]), (400, None), (200, None)])


@case
def unknown_routes():
    for i, path in enumerate(["/v1/orgs/self/nope", "/v2/orgs/self/ws", "/nope",
                              f"{rl.coll_path(WS, COLL)}/bogus",
                              "/v1/orgs/self/ws/a/b/c/d/e/f/g"]):
        r = request("GET", path)
        expect_error(f"get_{i}", r, 404, "NOTFOUND")


@case
def wrong_method():
    cases = [("PUT", "/v1/orgs/self/ws"), ("DELETE", "/v1/orgs/self/ws"),
             ("PATCH", "/v1/orgs/self/queries"), ("PUT", f"/v1/orgs/self/ws/{WS}"),
             ("GET", f"{rl.coll_path(WS, COLL)}/docs"),
             ("PUT", f"/v1/orgs/self/ws/{WS}/views"), ("DELETE", "/v1/orgs/self/collections")]
    for i, (method, path) in enumerate(cases):
        r = request(method, path, {} if method in ("PUT", "PATCH") else None)
        expect_error(f"{method.lower()}_{i}", r, 405, "METHODNOTALLOWED")


@case
def unsupported_sql():
    c = f"{WS}.{COLL}"
    for label, sql, word in [
            ("cube_too_wide",
             f"SELECT COUNT(*) AS n FROM {c} GROUP BY CUBE(a, b, c, d, e, f, g, h, i)", "CUBE"),
            ("natural_join", f"SELECT a FROM {c} NATURAL JOIN {c}", "NATURAL"),
            ("recursive_cte", f"WITH RECURSIVE r AS (SELECT 1 AS n) SELECT n FROM r", "RECURSIVE")]:
        r = rl.query(sql)
        expect_error(label, r, 400, "QUERY_ERROR", message=mentions(word),
                     line=rl.Type("integer|null"), column=rl.Type("integer|null"))
    r = rl.query("SELECT 1; SELECT 2")
    expect_error("two_statements", r, 400, "QUERY_ERROR", line=rl.Type("integer|null"),
                 column=rl.Type("integer|null"))
    r = rl.query(f"DELETE FROM {c}")
    expect_error("delete_statement", r, 400, "QUERY_ERROR", message=mentions("DELETE"),
                 line=rl.Type("integer|null"),
                 column=rl.Type("integer|null"))
    res = rl.rows(f"SELECT COUNT(*) AS n FROM {c}")
    check_match("nothing_deleted", res, [{"n": 2}])


rl.done()
