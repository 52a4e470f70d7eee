"""Workspaces: create / get / list / delete, commons, errors; GET / and GET /v1/orgs/self."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import (STR_OR_NULL, TS, Contains, case, check, check_schema, delete,  # noqa: E402
                expect, expect_error, get, mentions, post, uniq)

rl.set_prefix("workspaces")


def ws_obj(name, description=None, count=0):
    return {"name": name, "description": description, "created_at": TS,
            "created_by": STR_OR_NULL, "collection_count": count}


@case
def ping_and_org():
    r = get("/")
    expect("ping", r, 200, {"message": "GO ROCKSET!"}, "Ping")
    r = get("/v1/orgs/self")
    expect("org", r, 200, {"data": rl.Any()}, "data:Org")
    clusters = (r.body or {}).get("data", {}).get("clusters") if isinstance(r.body, dict) else None
    check("org/has_cluster", isinstance(clusters, list) and len(clusters) >= 1, repr(r))


@case
def create_get_list_delete():
    ws = uniq("ws")
    r = post("/v1/orgs/self/ws", {"name": ws, "description": "test ws"})
    expect("create", r, 200, {"data": ws_obj(ws, "test ws")}, "data:Workspace")
    created_at = r.body["data"]["created_at"] if r.status == 200 else None

    r = get(f"/v1/orgs/self/ws/{ws}")
    expect("get", r, 200, {"data": dict(ws_obj(ws, "test ws"), created_at=created_at)},
           "data:Workspace")

    r = get("/v1/orgs/self/ws")
    expect("list", r, 200, {"data": Contains(ws_obj(ws, "test ws"))}, "data:[Workspace]")
    names = [w.get("name") for w in r.body.get("data", [])] if isinstance(r.body, dict) else []
    check("list/once", names.count(ws) == 1, f"{ws} appears {names.count(ws)} times")

    r = post("/v1/orgs/self/ws", {"name": ws})
    expect_error("create_duplicate", r, 409, "ALREADYEXISTS", message=mentions(ws))

    r = delete(f"/v1/orgs/self/ws/{ws}")
    expect("delete", r, 200, {"data": ws_obj(ws, "test ws")}, "data:Workspace")

    r = rl.poll(lambda: get(f"/v1/orgs/self/ws/{ws}"), lambda x: x.status == 404, timeout=3)
    expect_error("get_after_delete", r, 404, "NOTFOUND", message=mentions(ws),
                 message_key="WORKSPACE_NOT_FOUND")
    r = get("/v1/orgs/self/ws")
    names = [w.get("name") for w in r.body.get("data", [])] if isinstance(r.body, dict) else []
    check("list_after_delete", r.status == 200 and ws not in names, repr(r)[:300])
    r = delete(f"/v1/orgs/self/ws/{ws}")
    expect_error("delete_again", r, 404, "NOTFOUND", message=mentions(ws),
                 message_key="WORKSPACE_NOT_FOUND")


@case
def description_defaults_to_null():
    ws = uniq("wsnd")
    r = post("/v1/orgs/self/ws", {"name": ws})
    expect("no_description", r, 200, {"data": ws_obj(ws)}, "data:Workspace")
    delete(f"/v1/orgs/self/ws/{ws}")


@case
def commons_exists():
    r = get("/v1/orgs/self/ws/commons")
    check("commons/status", r.status == 200, repr(r))
    check_schema("commons/schema", r.body, "data:Workspace")
    check("commons/name", isinstance(r.body, dict) and r.body.get("data", {}).get("name") == "commons",
          repr(r))
    r = get("/v1/orgs/self/ws")
    names = [w.get("name") for w in r.body.get("data", [])] if isinstance(r.body, dict) else []
    check("commons/listed", "commons" in names, repr(r)[:300])


@case
def collection_count_is_live():
    ws = uniq("wscnt")
    rl.make_ws(ws)
    rl.make_coll(ws, "c1", wait_ready=False)
    rl.make_coll(ws, "c2", wait_ready=False)
    r = get(f"/v1/orgs/self/ws/{ws}")
    expect("count_two", r, 200, {"data": ws_obj(ws, None, 2)}, "data:Workspace")

    r = delete(f"/v1/orgs/self/ws/{ws}")
    expect_error("delete_nonempty", r, 409, "DEPENDENTRESOURCES",
                 message=rl.Re(r'[Ww]orkspace "?' + ws + r'"? is not empty.*'))
    r = get(f"/v1/orgs/self/ws/{ws}")
    check("still_there_after_refused_delete", r.status == 200, repr(r))

    delete(rl.coll_path(ws, "c1"))
    r = rl.poll(lambda: get(f"/v1/orgs/self/ws/{ws}"),
                lambda x: x.status == 200 and x.body["data"]["collection_count"] == 1, timeout=3)
    expect("count_after_delete", r, 200, {"data": ws_obj(ws, None, 1)}, "data:Workspace")
    delete(rl.coll_path(ws, "c2"))
    rl.poll(lambda: get(f"/v1/orgs/self/ws/{ws}"),
            lambda x: x.status == 200 and x.body["data"]["collection_count"] == 0, timeout=3)
    r = rl.poll(lambda: delete(f"/v1/orgs/self/ws/{ws}"), lambda x: x.status == 200, timeout=3)
    check("delete_when_emptied", r.status == 200, repr(r))


@case
def bad_requests():
    r = post("/v1/orgs/self/ws", {"description": "no name"})
    expect_error("create_without_name", r, 400, rl.OneOf("INVALIDINPUT", "BADREQUEST"),
                 message=mentions("name"))
    r = post("/v1/orgs/self/ws", {"name": "bad name!"})
    expect_error("create_bad_name", r, 400, rl.OneOf("INVALIDINPUT", "BADREQUEST"))
    r = post("/v1/orgs/self/ws", {"name": ""})
    expect_error("create_empty_name", r, 400, rl.OneOf("INVALIDINPUT", "BADREQUEST"))
    r = post("/v1/orgs/self/ws", {"name": 42})
    expect_error("create_name_not_string", r, 400, rl.OneOf("INVALIDINPUT", "BADREQUEST"))
    r = get(f"/v1/orgs/self/ws/{uniq('nosuch')}")
    expect_error("get_missing", r, 404, "NOTFOUND", message_key="WORKSPACE_NOT_FOUND")


rl.done()
