"""Query lambdas: create, new versions (and ?create=true), versions list (newest first), get
version, tags incl. the automatic `latest`, execute by version and by tag with default and
overriding parameters, missing parameter, stats.last_executed, delete version / tag / lambda."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import (NONNEG, QUERY_ID, STR, STR_OR_NULL, TS, VERSION, Contains, Opt, Type, case,  # noqa: E402
                check, check_match, delete, expect, expect_error, get, post, uniq)

rl.set_prefix("lambdas")

WS = uniq("wsql")
rl.make_ws(WS)
COLL = uniq("lc")
rl.make_coll(WS, COLL)
_r = rl.add_docs(WS, COLL, [{"_id": str(i), "v": i} for i in range(5)])
rl.wait_fence(WS, COLL, _r.body["last_offset"])
C = f"{WS}.{COLL}"
NO_STATS = {"last_executed": None, "last_executed_by": None, "last_execution_error": None,
            "last_execution_error_message": None}


def param(name, type_, value):
    return {"name": name, "type": type_, "value": value}


def version_obj(name, sql, defaults, collections, description=None, version=VERSION,
                stats=None):
    return {"workspace": WS, "name": name, "version": version, "description": description,
            "sql": {"query": sql, "default_parameters": defaults}, "collections": collections,
            "state": "ACTIVE", "stats": NO_STATS if stats is None else stats,
            "public_access_id": None, "created_by": STR_OR_NULL,
            "created_by_apikey_name": STR_OR_NULL, "created_at": TS}


def lpath(name, rest=""):
    return f"/v1/orgs/self/ws/{WS}/lambdas/{name}{rest}"


def exec_resp(results, collections):
    return {"query_id": QUERY_ID, "status": "COMPLETED", "results": results,
            "column_fields": Opt(Type("array")), "collections": collections,
            "stats": {"elapsed_time_ms": NONNEG, "throttled_time_micros": NONNEG,
                  "index_used": rl.Type("boolean"), "engine": rl.Re("columns|rows")},
            "query_lambda_path": STR, "pagination": rl.ABSENT,
            "results_total_doc_count": Opt(len(results)), "aliases": Opt([]),
            "warnings": Opt(Type("array")), "query_errors": Opt([]), "last_offset": Opt(None)}


@case
def full_lifecycle():
    name = uniq("ql")
    sql1 = "SELECT :dummy AS d"
    d1 = [param("dummy", "string", "foo")]
    r = post(f"/v1/orgs/self/ws/{WS}/lambdas", {"name": name, "description": "d",
                                                "sql": {"query": sql1, "default_parameters": d1}})
    if not expect("create", r, 200, {"data": version_obj(name, sql1, d1, [], "d")},
                  "data:QueryLambdaVersion"):
        return
    v1 = r.body["data"]["version"]
    v1obj = version_obj(name, sql1, d1, [], "d", v1)
    r = get(lpath(name, "/tags/latest"))
    expect("latest_is_v1", r, 200, {"data": {"tag_name": "latest", "version": v1obj}},
           "data:QueryLambdaTag")
    r = post(f"/v1/orgs/self/ws/{WS}/lambdas", {"name": name, "sql": {"query": "SELECT 2"}})
    expect_error("create_duplicate", r, 409, "ALREADYEXISTS", message=rl.mentions(name))

    sql2 = f"SELECT _id, v FROM {C} WHERE v >= :min ORDER BY v"
    d2 = [param("min", "int", "3")]
    r = post(lpath(name, "/versions"), {"sql": {"query": sql2, "default_parameters": d2},
                                        "description": "second"})
    if not expect("new_version", r, 200, {"data": version_obj(name, sql2, d2, [C], "second")},
                  "data:QueryLambdaVersion"):
        return
    v2 = r.body["data"]["version"]
    check("versions_differ", v1 != v2, f"{v1} {v2}")
    v2obj = version_obj(name, sql2, d2, [C], "second", v2)
    r = get(lpath(name, "/tags/latest"))
    expect("latest_follows", r, 200, {"data": {"tag_name": "latest", "version": v2obj}},
           "data:QueryLambdaTag")
    r = get(lpath(name, "/versions"))
    expect("versions_newest_first", r, 200, {"data": [v2obj, v1obj]}, "data:[QueryLambdaVersion]")
    r = get(lpath(name, f"/versions/{v1}"))
    expect("get_version", r, 200, {"data": v1obj}, "data:QueryLambdaVersion")

    r = post(lpath(name, "/tags"), {"tag_name": "prod", "version": v1})
    expect("tag_create", r, 200, {"data": {"tag_name": "prod", "version": v1obj}},
           "data:QueryLambdaTag")
    r = get(lpath(name, "/tags/prod"))
    expect("tag_get", r, 200, {"data": {"tag_name": "prod", "version": v1obj}},
           "data:QueryLambdaTag")
    r = get(lpath(name, "/tags"))
    expect("tags_list", r, 200, {"data": rl.Unordered([
        {"tag_name": "latest", "version": v2obj}, {"tag_name": "prod", "version": v1obj}])},
        "data:[QueryLambdaTag]")

    # execute
    r = post(lpath(name, f"/versions/{v2}"), {})
    expect("exec_version_defaults", r, 200, exec_resp([{"_id": "3", "v": 3}, {"_id": "4", "v": 4}],
                                                       [C]), "QueryResponse")
    r = post(lpath(name, f"/versions/{v2}"), {"parameters": [param("min", "int", "4")]})
    expect("exec_version_override", r, 200, exec_resp([{"_id": "4", "v": 4}], [C]),
           "QueryResponse")
    r = post(lpath(name, "/tags/prod"), {"parameters": [param("dummy", "string", "bar")]})
    expect("exec_tag_override", r, 200, exec_resp([{"d": "bar"}], []), "QueryResponse")
    r = post(lpath(name, "/tags/prod"))
    expect("exec_tag_no_body", r, 200, exec_resp([{"d": "foo"}], []), "QueryResponse")
    r = post(lpath(name, "/tags/latest"), {"parameters": [param("min", "int", "0")],
                                           "default_row_limit": 2})
    expect("exec_latest_row_limit", r, 200,
           exec_resp([{"_id": "0", "v": 0}, {"_id": "1", "v": 1}], [C]), "QueryResponse")
    r = get(lpath(name, f"/versions/{v2}"))
    stats = {"last_executed": STR, "last_executed_by": STR_OR_NULL,
             "last_execution_error": STR_OR_NULL, "last_execution_error_message": STR_OR_NULL}
    expect("stats_last_executed", r, 200,
           {"data": version_obj(name, sql2, d2, [C], "second", v2, stats)},
           "data:QueryLambdaVersion")

    # lists
    lam = {"workspace": WS, "name": name, "version_count": 2, "collections": Type("array"),
           "last_updated": TS, "last_updated_by": STR_OR_NULL,
           "latest_version": version_obj(name, sql2, d2, [C], "second", v2, rl.Any())}
    r = get(f"/v1/orgs/self/ws/{WS}/lambdas")
    expect("list_ws", r, 200, {"data": Contains(lam)}, "data:[QueryLambda]")
    r = get("/v1/orgs/self/lambdas")
    expect("list_org", r, 200, {"data": Contains(lam)}, "data:[QueryLambda]")

    # deletes
    r = delete(lpath(name, "/tags/prod"))
    expect("tag_delete", r, 200, {"data": {"tag_name": "prod", "version": rl.Any()}},
           "data:QueryLambdaTag")
    r = get(lpath(name, "/tags/prod"))
    expect_error("tag_gone", r, 404, "NOTFOUND")
    r = delete(lpath(name, f"/version/{v1}"))
    expect("version_delete", r, 200, {"data": dict(v1obj, stats=rl.Any())},
           "data:QueryLambdaVersion")
    r = get(lpath(name, "/versions"))
    expect("versions_after_delete", r, 200, {"data": [version_obj(name, sql2, d2, [C], "second",
                                                                  v2, rl.Any())]},
           "data:[QueryLambdaVersion]")
    r = get(lpath(name, f"/versions/{v1}"))
    expect_error("deleted_version_404", r, 404, "NOTFOUND")
    r = delete(lpath(name))
    expect("lambda_delete", r, 200, {"data": dict(lam, version_count=1)}, "data:QueryLambda")
    r = get(lpath(name, "/tags/latest"))
    expect_error("latest_gone", r, 404, "NOTFOUND")
    r = post(lpath(name, "/tags/latest"))
    expect_error("exec_deleted", r, 404, "NOTFOUND")


@case
def missing_parameter():
    name = uniq("qlp")
    r = post(f"/v1/orgs/self/ws/{WS}/lambdas", {"name": name,
                                                "sql": {"query": "SELECT :need AS n"}})
    check("create/status", r.status == 200, repr(r))
    r = post(lpath(name, "/tags/latest"), {})
    expect_error("no_value_no_default", r, 400, rl.OneOf("QUERY_ERROR", "INVALIDINPUT"),
                 message=rl.mentions("need"), line=Opt(Type("integer|null")),
                 column=Opt(Type("integer|null")))
    r = post(lpath(name, "/tags/latest"), {"parameters": [param("need", "int", "5")]})
    expect("supplied", r, 200, exec_resp([{"n": 5}], []), "QueryResponse")
    r = get(lpath(name, "/tags/latest"))
    data = ((r.body or {}).get("data") or {}).get("version") or {} if isinstance(r.body, dict) else {}
    check_match("create_without_defaults_lists_empty", data.get("sql"),
                {"query": "SELECT :need AS n", "default_parameters": []})


@case
def execute_async_and_paginated():
    name = uniq("qla")
    post(f"/v1/orgs/self/ws/{WS}/lambdas", {"name": name, "sql": {
        "query": f"SELECT _id FROM {C} ORDER BY v"}})
    r = post(lpath(name, "/tags/latest"), {"async": True})
    ok = check("async/status", r.status == 200 and r.body.get("status") in ("QUEUED", "RUNNING"),
               repr(r))
    if ok:
        qid = r.body["query_id"]
        g = rl.poll(lambda: get(f"/v1/orgs/self/queries/{qid}"), lambda x: x.status != 200
                    or x.body["data"]["status"] == "COMPLETED", timeout=5)
        check_match("async/completed", g.body["data"]["status"] if g.status == 200 else g,
                    "COMPLETED")
        p = get(f"/v1/orgs/self/queries/{qid}/pages")
        check_match("async/pages", p.body.get("results") if p.status == 200 else p,
                    [{"_id": str(i)} for i in range(5)])
    r = post(lpath(name, "/tags/latest"), {"max_initial_results": 2})
    expect("paginated", r, 200, dict(exec_resp([{"_id": "0"}, {"_id": "1"}], [C]),
                                     pagination={"start_cursor": STR_OR_NULL,
                                                 "next_cursor": STR, "next_cursor_offset": 2,
                                                 "current_page_doc_count": 2,
                                                 "next_page_link": Opt(STR_OR_NULL)},
                                     results_total_doc_count=5), "QueryResponse")
    if r.status == 200:
        p = get(f"/v1/orgs/self/queries/{r.body['query_id']}/pages?"
                f"cursor={r.body['pagination']['next_cursor']}")
        check_match("paginated/rest", p.body.get("results") if p.status == 200 else p,
                    [{"_id": str(i)} for i in range(2, 5)])


@case
def create_via_versions():
    name = uniq("qlc")
    r = post(lpath(name, "/versions"), {"sql": {"query": "SELECT 1 AS one"}})
    expect_error("versions_on_missing", r, 404, "NOTFOUND")
    r = post(lpath(name, "/versions?create=true"), {"sql": {"query": "SELECT 1 AS one"}})
    expect("create_true", r, 200, {"data": version_obj(name, "SELECT 1 AS one", [], [])},
           "data:QueryLambdaVersion")
    r = post(lpath(name, "/tags/latest"))
    expect("exec", r, 200, exec_resp([{"one": 1}], []), "QueryResponse")


@case
def errors():
    r = post(f"/v1/orgs/self/ws/{WS}/lambdas", {"name": uniq("qlb"), "sql": {"query": "SELEC 1"}})
    check("bad_sql", r.status == 400 or (r.status == 200 and r.body["data"].get("state")
                                         == "INVALID_SQL"), repr(r))
    r = post(f"/v1/orgs/self/ws/{WS}/lambdas", {"name": uniq("qln")})
    expect_error("missing_sql", r, 400, rl.OneOf("INVALIDINPUT", "BADREQUEST"),
                 message=rl.mentions("sql"))
    name = uniq("qle")
    post(f"/v1/orgs/self/ws/{WS}/lambdas", {"name": name, "sql": {"query": "SELECT 1"}})
    r = post(lpath(name, "/versions/0123456789abcdef"))
    expect_error("exec_unknown_version", r, 404, "NOTFOUND")
    r = post(lpath(name, "/tags/nosuchtag"))
    expect_error("exec_unknown_tag", r, 404, "NOTFOUND")
    r = post(lpath(name, "/tags"), {"tag_name": "t", "version": "0123456789abcdef"})
    check("tag_unknown_version", r.status in (400, 404), repr(r))
    r = get(lpath(uniq("noql"), "/versions"))
    expect_error("versions_missing_lambda", r, 404, "NOTFOUND")


rl.done()
