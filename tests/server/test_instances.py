"""The current user and the virtual instance: GET /users/self, list / get / update a VI, and a
query routed to it."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import case, check, expect, expect_error, get, post  # noqa: E402

rl.set_prefix("instances")

VI_ID = "00000000-0000-4000-8000-000000000001"


@case
def user_self():
    r = get("/v1/orgs/self/users/self")
    expect("user", r, 200, {"email": "local@rockset-local", "first_name": "rockset",
                            "last_name": "local", "roles": ["admin"], "state": "ACTIVE",
                            "created_at": "2024-01-01T00:00:00Z", "org": "rockset-local"})


@case
def list_get_update():
    r = get("/v1/orgs/self/virtualinstances")
    data = r.body.get("data") if isinstance(r.body, dict) else None
    check("list/one_vi", r.status == 200 and isinstance(data, list) and len(data) == 1, repr(r))
    vi = data[0] if data else {}
    check("list/fields", vi.get("id") == VI_ID and vi.get("rrn") == f"rrn:vi:local:{VI_ID}"
          and vi.get("default_vi") is True and vi.get("state") == "ACTIVE"
          and vi.get("current_size") == "MEDIUM", repr(vi))
    for ident in (VI_ID, f"rrn:vi:local:{VI_ID}", "main"):
        r = get(f"/v1/orgs/self/virtualinstances/{ident}")
        check(f"get_by/{ident[:4]}", r.status == 200 and r.body["data"]["id"] == VI_ID, repr(r))
    r = post(f"/v1/orgs/self/virtualinstances/{VI_ID}",
             {"new_size": "LARGE", "description": "resized", "auto_suspend_seconds": 900})
    d = r.body.get("data", {}) if isinstance(r.body, dict) else {}
    check("update/echoed", r.status == 200 and d.get("desired_size") == "LARGE"
          and d.get("description") == "resized" and d.get("auto_suspend_seconds") == 900, repr(r))
    r = get(f"/v1/orgs/self/virtualinstances/{VI_ID}")
    check("update/kept", r.status == 200 and r.body["data"]["current_size"] == "LARGE", repr(r))
    post(f"/v1/orgs/self/virtualinstances/{VI_ID}",
         {"new_size": None, "description": None, "auto_suspend_seconds": None})
    r = get(f"/v1/orgs/self/virtualinstances/{VI_ID}")
    check("update/reset", r.status == 200 and r.body["data"]["current_size"] == "MEDIUM"
          and r.body["data"]["description"] is None, repr(r))


@case
def errors_and_queries():
    r = get("/v1/orgs/self/virtualinstances/nope")
    expect_error("get_unknown", r, 404, "NOTFOUND")
    r = post("/v1/orgs/self/virtualinstances/nope", {"new_size": "LARGE"})
    expect_error("update_unknown", r, 404, "NOTFOUND")
    r = post(f"/v1/orgs/self/virtualinstances/{VI_ID}", {"new_size": 3})
    expect_error("update_bad_type", r, 400, "INVALIDINPUT")
    r = post(f"/v1/orgs/self/virtualinstances/{VI_ID}/queries", {"sql": {"query": "SELECT 1 AS one"}})
    check("query_routed", r.status == 200 and r.body.get("results") == [{"one": 1}], repr(r))


rl.done()
