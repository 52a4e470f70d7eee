"""Aliases: create / get / list (workspace, org) / POST update (swap) / delete, querying through
an alias, INSERT INTO an alias, the Write API refusing an alias, errors."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import (STR_OR_NULL, TS, Contains, case, check, check_match, delete, expect,  # noqa: E402
                expect_error, get, post, uniq)

rl.set_prefix("aliases")

WS = uniq("wsal")
rl.make_ws(WS)
C1, C2 = uniq("one"), uniq("two")
for _c, _src in ((C1, "one"), (C2, "two")):
    rl.make_coll(WS, _c)
    _r = rl.add_docs(WS, _c, [{"_id": "1", "src": _src}])
    rl.wait_fence(WS, _c, _r.body["last_offset"])
Q1, Q2 = f"{WS}.{C1}", f"{WS}.{C2}"


def alias_obj(name, colls, state, description=None, ws=WS):
    return {"name": name, "workspace": ws, "description": description, "collections": colls,
            "state": state, "creator_email": STR_OR_NULL, "created_by_apikey_name": STR_OR_NULL,
            "created_at": TS, "modified_at": TS}


def apath(name):
    return f"/v1/orgs/self/ws/{WS}/aliases/{name}"


@case
def lifecycle_and_swap():
    name = uniq("al")
    r = post(f"/v1/orgs/self/ws/{WS}/aliases", {"name": name, "collections": [Q1],
                                                "description": "d"})
    expect("create", r, 200, {"data": alias_obj(name, [Q1], "CREATED", "d")}, "data:Alias")
    r = rl.poll(lambda: get(apath(name)), lambda x: x.status == 200
                and x.body["data"].get("collections") == [Q1], timeout=3)
    expect("get", r, 200, {"data": alias_obj(name, [Q1], "CREATED", "d")}, "data:Alias")
    r = post(f"/v1/orgs/self/ws/{WS}/aliases", {"name": name, "collections": [Q1]})
    expect_error("create_duplicate", r, 409, "ALREADYEXISTS", message=rl.mentions(name))

    r = rl.query(f"SELECT src FROM {WS}.{name}")
    body = r.body if isinstance(r.body, dict) else {}
    check_match("query_through_alias", body.get("results"), [{"src": "one"}])
    check_match("query_collections_qualified", body.get("collections"), [Q1])
    check_match("query_aliases", body.get("aliases", [f"{WS}.{name}"]), [f"{WS}.{name}"])

    r = rl.query(f"DESCRIBE {WS}.{name}")
    body = r.body if isinstance(r.body, dict) else {}
    fields = sorted(([x.get("field"), x.get("type")] for x in body.get("results", [])),
                    key=json.dumps)
    # _event_time's type is pinned by queries/describe; here only the alias resolution matters
    check_match("describe_through_alias", fields,
                [[["_event_time"], rl.OneOf("timestamp", "string")], [["_id"], "string"],
                 [["src"], "string"]])

    r = get(rl.coll_path(WS, C1))
    aliases = (r.body or {}).get("data", {}).get("aliases") if isinstance(r.body, dict) else None
    check("collection_lists_alias", isinstance(aliases, list) and any(
        isinstance(a, dict) and a.get("name") == name for a in aliases), repr(r)[:400])

    r = get(f"/v1/orgs/self/ws/{WS}/aliases")
    expect("list_ws", r, 200, {"data": Contains(alias_obj(name, [Q1], "CREATED", "d"))},
           "data:[Alias]")
    r = get("/v1/orgs/self/aliases")
    expect("list_org", r, 200, {"data": Contains(alias_obj(name, [Q1], "CREATED", "d"))},
           "data:[Alias]")

    r = post(apath(name), {"collections": [Q2], "description": "swapped"})
    expect("swap", r, 200, {"data": alias_obj(name, [Q2], "CREATED", "swapped")}, "data:Alias")
    r = rl.poll(lambda: rl.query(f"SELECT src FROM {WS}.{name}"),
                lambda x: x.status == 200 and x.body.get("results") == [{"src": "two"}],
                timeout=3)
    check_match("query_after_swap", r.body.get("results") if r.status == 200 else r,
                [{"src": "two"}])

    r = rl.query(f"INSERT INTO {WS}.{name} SELECT '2' AS _id, 'via-alias' AS src")
    check_match("insert_into_alias", r.body.get("results") if r.status == 200 else r,
                [{"num_docs_inserted": 1}])
    rl.wait_fence(WS, C2, r.body.get("last_offset", "") if r.status == 200 else "")
    res = rl.rows(f"SELECT _id, src FROM {Q2} ORDER BY _id")
    check_match("insert_landed_in_target", res, [{"_id": "1", "src": "two"},
                                                 {"_id": "2", "src": "via-alias"}])

    r = post(f"/v1/orgs/self/ws/{WS}/collections/{name}/docs", {"data": [{"_id": "x"}]})
    check("write_api_refuses_alias/status", r.status in (400, 404), repr(r))
    rl.check_schema("write_api_refuses_alias/schema", r.body, "ErrorModel")

    r = delete(apath(name))
    expect("delete", r, 200, {"data": alias_obj(name, [Q2], "DELETED", "swapped")},
           "data:Alias")
    r = rl.poll(lambda: get(apath(name)), lambda x: x.status == 404, timeout=3)
    expect_error("get_after_delete", r, 404, "NOTFOUND", message=rl.mentions(name))
    r = rl.query(f"SELECT src FROM {WS}.{name}")
    check("query_after_delete", r.status in (400, 404), repr(r))
    res = rl.rows(f"SELECT COUNT(*) AS n FROM {Q2}")
    check_match("target_untouched_by_delete", res, [{"n": 2}])


@case
def view_over_alias():
    name = uniq("alv")
    post(f"/v1/orgs/self/ws/{WS}/aliases", {"name": name, "collections": [Q1]})
    view = uniq("valias")
    sql = f"SELECT src FROM {WS}.{name} WHERE _id = '1'"
    r = post(f"/v1/orgs/self/ws/{WS}/views", {"name": view, "query": sql})
    ents = (r.body or {}).get("data", {}).get("entities") if isinstance(r.body, dict) else None
    check("entities_name_the_alias", isinstance(ents, list) and f"{WS}.{name}" in ents, repr(r))
    res = rl.poll(lambda: rl.query(f"SELECT * FROM {WS}.{view}"), lambda x: x.status == 200,
                  timeout=3)
    check_match("through_view_and_alias", res.body.get("results") if res.status == 200 else res,
                [{"src": "one"}])
    post(f"/v1/orgs/self/ws/{WS}/aliases/{name}", {"collections": [Q2]})
    res = rl.poll(lambda: rl.query(f"SELECT * FROM {WS}.{view}"),
                  lambda x: x.status == 200 and x.body.get("results") == [{"src": "two"}],
                  timeout=3)
    check_match("view_follows_swap", res.body.get("results") if res.status == 200 else res,
                [{"src": "two"}])


@case
def errors():
    r = post(f"/v1/orgs/self/ws/{WS}/aliases", {"name": uniq("alm"),
                                                "collections": [f"{WS}.{uniq('nocoll')}"]})
    check("missing_target/status", r.status in (400, 404), repr(r))
    rl.check_schema("missing_target/schema", r.body, "ErrorModel")
    r = post(f"/v1/orgs/self/ws/{WS}/aliases", {"name": uniq("aln")})
    expect_error("no_collections", r, 400, rl.OneOf("INVALIDINPUT", "BADREQUEST"),
                 message=rl.mentions("collections"))
    r = get(apath(uniq("noal")))
    expect_error("get_missing", r, 404, "NOTFOUND")
    r = post(apath(uniq("noal")), {"collections": [Q1]})
    expect_error("update_missing", r, 404, "NOTFOUND")
    r = delete(apath(uniq("noal")))
    expect_error("delete_missing", r, 404, "NOTFOUND")
    name = uniq("alx")
    r = post(f"/v1/orgs/self/ws/{WS}/aliases", {"name": name, "collections": [Q1]})
    check("create_second/status", r.status == 200, repr(r))
    r = post(f"/v1/orgs/self/ws/{WS}/collections", {"name": name})
    check("name_taken_by_alias", r.status in (400, 409), repr(r))


rl.done()
