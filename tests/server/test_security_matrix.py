"""The privilege matrix: every endpoint of rockset-local called by eight principals - an admin
key, a member key, a read-only key, a key whose custom role holds privileges on one workspace
only, a suspended key, an expired key, a deleted key, and no key at all - each getting the
status that Rockset's spec and the key's role say: the endpoint's success for a key whose role
holds the route's privilege, 403 FORBIDDEN naming the missing privilege for one whose role does
not, 401 AUTHEXCEPTION for the last four.

The roles are modelled here from their documentation (docs/security.md), independently of the
server's table: a row says which privilege its route needs, on which workspace. Destructive
calls act on resources made fresh for each call by the bootstrap key, so every principal meets
the same state. The server runs with --auth-failure-limit 0: the matrix sends hundreds of
refused keys on purpose."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import case, check, check_match, expect_error, get, post, request, uniq  # noqa: E402

rl.set_prefix("matrix")
SRV = rl.start_server("--auth-failure-limit", "0")
U = SRV.url
O = "/v1/orgs/self"
VI = "00000000-0000-4000-8000-000000000001"
ALL = "*ALL*"

# --- the roles, as documented ------------------------------------------------------------------
MEMBER = {"GET_ORG_GLOBAL", "GET_CURRENT_USER_GLOBAL", "LIST_USERS_GLOBAL", "LIST_ROLES_GLOBAL",
          "CREATE_WS_GLOBAL", "LIST_WS_GLOBAL", "LIST_VI_GLOBAL", "CREATE_API_KEY_GLOBAL",
          "LIST_INTEGRATIONS_GLOBAL", "ALL_WORKSPACE_ACTIONS@*", "QUERY_VI@*"}
READ_ONLY = {"GET_ORG_GLOBAL", "GET_CURRENT_USER_GLOBAL", "LIST_WS_GLOBAL", "LIST_VI_GLOBAL",
             "QUERY_DATA_WS@*", "LIST_RESOURCES_WS@*", "EXECUTE_QUERY_LAMBDA_WS@*", "QUERY_VI@*"}


def may(role_privs, action, resource=None):
    """Whether a role (a set of "ACTION" / "ACTION@resource" strings, "*" = every resource)
    holds action on resource: ALL_GLOBAL_ACTIONS / ALL_WORKSPACE_ACTIONS / ALL_VI_ACTIONS cover
    their families."""
    if role_privs == "admin":
        return True
    if action.endswith("_GLOBAL"):
        return action in role_privs
    family = "ALL_WORKSPACE_ACTIONS" if action.endswith("_WS") else "ALL_VI_ACTIONS"
    return any(f"{a}@{r}" in role_privs for a in (action, family) for r in ("*", resource))


ROUNDS = ["admin", "member", "read-only", "scoped", "suspended", "expired", "deleted", "none"]

# --- fixtures (made with the bootstrap key) ----------------------------------------------------
WA, WB = uniq("wsa"), uniq("wsb")
for w in (WA, WB):
    rl.make_ws(w, url=U)
    rl.make_coll(w, "c1", url=U)
    rl.add_docs(w, "c1", [{"_id": "1", "v": 1}], url=U)
    post(f"{O}/ws/{w}/lambdas", {"name": "ql", "sql": {"query": f"SELECT v FROM {w}.c1"}},
         url=U)
    post(f"{O}/ws/{w}/views", {"name": "vw", "query": f"SELECT v FROM {w}.c1"}, url=U)
    post(f"{O}/ws/{w}/aliases", {"name": "al", "collections": [f"{w}.c1"]}, url=U)
QL_VERSION = get(f"{O}/ws/{WA}/lambdas/ql/versions", url=U).body["data"][0]["version"]
post(f"{O}/ws/{WA}/lambdas/ql/tags", {"tag_name": "t1", "version": QL_VERSION}, url=U)
SCOPED_ROLE = uniq("scoped")
SCOPED = {f"{a}@{WA}" for a in ("QUERY_DATA_WS", "WRITE_DATA_WS", "LIST_RESOURCES_WS",
                                "EXECUTE_QUERY_LAMBDA_WS")}
r = post(f"{O}/roles", {"role_name": SCOPED_ROLE, "privileges": [
    {"action": p.split("@")[0], "resource_name": WA} for p in sorted(SCOPED)]}, url=U)
check("setup/scoped_role", r.status == 200, repr(r))
USERS = {"member": uniq("member") + "@example.com", "read-only": uniq("reader") + "@example.com",
         "scoped": uniq("ingest") + "@example.com"}
for who, email in USERS.items():
    role = SCOPED_ROLE if who == "scoped" else who
    r = post(f"{O}/users", {"email": email, "roles": [role]}, url=U)
    check(f"setup/user_{who}", r.status == 200, repr(r))


def new_key(role=None, owner=None, expiry=None):
    body = {"name": uniq("k")}
    if role:
        body["role"] = role
    if owner:
        body["created_by"] = owner
    if expiry:
        body["expiry_time"] = expiry
    r = post(f"{O}/users/self/apikeys", body, url=U)
    if r.status != 200:
        raise RuntimeError(f"create key: {r!r}")
    return r.body["data"]["name"], r.body["data"]["key"]


KEYS = {"admin": new_key("admin")[1],
        "member": new_key(owner=USERS["member"])[1],
        "read-only": new_key(owner=USERS["read-only"])[1],
        "scoped": new_key(owner=USERS["scoped"])[1]}
name, KEYS["suspended"] = new_key("admin")
post(f"{O}/users/self/apikeys/{name}", {"state": "SUSPENDED"}, url=U)
KEYS["expired"] = new_key("admin", expiry="2001-01-01T00:00:00Z")[1]
name, KEYS["deleted"] = new_key("admin")
request("DELETE", f"{O}/users/self/apikeys/{name}", url=U)
ROLE_OF = {"admin": "admin", "member": MEMBER, "read-only": READ_ONLY, "scoped": SCOPED}
OWN_USER = {"admin": "local@rockset-local", **USERS}
OTHER_USER = USERS["read-only"]
QID = post(f"{O}/queries", {"sql": {"query": f"SELECT v FROM {WA}.c1"}}, url=U).body["query_id"]


# --- fresh resources for destructive rows --------------------------------------------------------
def fresh_ws():
    w = uniq("fw")
    rl.make_ws(w, url=U)
    return w


def fresh_coll():
    c = uniq("fc")
    rl.make_coll(WA, c, url=U)
    return c


def fresh_view():
    v = uniq("fv")
    post(f"{O}/ws/{WA}/views", {"name": v, "query": f"SELECT v FROM {WA}.c1"}, url=U)
    return v


def fresh_alias():
    a = uniq("fa")
    post(f"{O}/ws/{WA}/aliases", {"name": a, "collections": [f"{WA}.c1"]}, url=U)
    return a


def fresh_lambda():
    q = uniq("fq")
    r = post(f"{O}/ws/{WA}/lambdas", {"name": q, "sql": {"query": "SELECT 1 AS one"}}, url=U)
    return q, r.body["data"]["version"]


def fresh_tag():
    t = uniq("ft")
    post(f"{O}/ws/{WA}/lambdas/ql/tags", {"tag_name": t, "version": QL_VERSION}, url=U)
    return t


def fresh_user():
    e = uniq("fu") + "@example.com"
    post(f"{O}/users", {"email": e, "roles": ["read-only"]}, url=U)
    return e


def fresh_role():
    n = uniq("fr")
    post(f"{O}/roles", {"role_name": n, "privileges": []}, url=U)
    return n


def fresh_own_key(who):
    """A key of the caller's own user with a role the caller covers (read-only)."""
    body = {"name": uniq("fk"), "role": "read-only"}
    if who not in ("admin", "suspended", "expired", "deleted", "none"):
        body["created_by"] = OWN_USER[who]
    return post(f"{O}/users/self/apikeys", body, url=U).body["data"]["name"]


def fresh_other_key():
    return post(f"{O}/users/self/apikeys", {"name": uniq("fo"), "created_by": OTHER_USER},
                url=U).body["data"]["name"]


def fresh_async_query():
    return post(f"{O}/queries", {"sql": {"query": f"SELECT v FROM {WA}.c1"}}, url=U).body["query_id"]


# --- the rows: (label, need, call(who) -> (method, path, body)) ------------------------------------
# need: "public" | "key" | ("g", ACTION) | ("ws", ACTION, ws) | ("vi", ACTION) | "keys_self"
#       | "keys_other" | "admin_queries" (another key's query: admins only, else 404)
def W(w):
    return f"{O}/ws/{w}"


ROWS = [
    ("root", "public", lambda w: ("GET", "/", None)),
    ("org", "key", lambda w: ("GET", O, None)),
    ("user_self", "key", lambda w: ("GET", f"{O}/users/self", None)),
    ("ws_create", ("g", "CREATE_WS_GLOBAL"), lambda w: ("POST", f"{O}/ws", {"name": uniq("nw")})),
    ("ws_list", ("g", "LIST_WS_GLOBAL"), lambda w: ("GET", f"{O}/ws", None)),
    ("ws_get", ("ws", "LIST_RESOURCES_WS", WA), lambda w: ("GET", W(WA), None)),
    ("ws_get_other", ("ws", "LIST_RESOURCES_WS", WB), lambda w: ("GET", W(WB), None)),
    ("ws_delete", ("ws", "DELETE_WS", "fresh"), lambda w: ("DELETE", W(fresh_ws()), None)),
    ("coll_list_org", "key", lambda w: ("GET", f"{O}/collections", None)),
    ("coll_create", ("ws", "CREATE_COLLECTION_WS", WA),
     lambda w: ("POST", f"{W(WA)}/collections", {"name": uniq("nc")})),
    ("coll_list", ("ws", "LIST_RESOURCES_WS", WA), lambda w: ("GET", f"{W(WA)}/collections", None)),
    ("coll_get", ("ws", "LIST_RESOURCES_WS", WA), lambda w: ("GET", f"{W(WA)}/collections/c1", None)),
    ("coll_get_other", ("ws", "LIST_RESOURCES_WS", WB),
     lambda w: ("GET", f"{W(WB)}/collections/c1", None)),
    ("coll_update", ("ws", "UPDATE_COLLECTION_WS", WA),
     lambda w: ("PUT", f"{W(WA)}/collections/c1", {"description": "d"})),
    ("coll_delete", ("ws", "DELETE_COLLECTION_WS", WA),
     lambda w: ("DELETE", f"{W(WA)}/collections/{fresh_coll()}", None)),
    ("commit_get", ("ws", "LIST_RESOURCES_WS", WA),
     lambda w: ("GET", f"{W(WA)}/collections/c1/offsets/commit", None)),
    ("commit_post", ("ws", "LIST_RESOURCES_WS", WA),
     lambda w: ("POST", f"{W(WA)}/collections/c1/offsets/commit", {})),
    ("docs_add", ("ws", "WRITE_DATA_WS", WA),
     lambda w: ("POST", f"{W(WA)}/collections/c1/docs", {"data": [{"_id": "x", "v": 2}]})),
    ("docs_add_other", ("ws", "WRITE_DATA_WS", WB),
     lambda w: ("POST", f"{W(WB)}/collections/c1/docs", {"data": [{"_id": "x", "v": 2}]})),
    ("docs_patch", ("ws", "WRITE_DATA_WS", WA),
     lambda w: ("PATCH", f"{W(WA)}/collections/c1/docs",
                {"data": [{"_id": "x", "patch": [{"op": "add", "path": "/p", "value": 1}]}]})),
    ("docs_delete", ("ws", "WRITE_DATA_WS", WA),
     lambda w: ("DELETE", f"{W(WA)}/collections/c1/docs", {"data": [{"_id": "nope"}]})),
    ("query", ("ws", "QUERY_DATA_WS", WA),
     lambda w: ("POST", f"{O}/queries", {"sql": {"query": f"SELECT v FROM {WA}.c1"}})),
    ("query_other", ("ws", "QUERY_DATA_WS", WB),
     lambda w: ("POST", f"{O}/queries", {"sql": {"query": f"SELECT v FROM {WB}.c1"}})),
    ("query_view_other", ("ws", "QUERY_DATA_WS", WB),
     lambda w: ("POST", f"{O}/queries", {"sql": {"query": f"SELECT v FROM {WB}.vw"}})),
    ("query_insert", ("ws", "WRITE_DATA_WS", WA),
     lambda w: ("POST", f"{O}/queries",
                {"sql": {"query": f"INSERT INTO {WA}.c1 SELECT 'i' AS _id, 3 AS v"}})),
    ("query_vi", ("both", ("vi", "QUERY_VI"), ("ws", "QUERY_DATA_WS", WA)),
     lambda w: ("POST", f"{O}/virtualinstances/{VI}/queries",
                {"sql": {"query": f"SELECT v FROM {WA}.c1"}})),
    ("query_validate", ("ws", "QUERY_DATA_WS", WA),
     lambda w: ("POST", f"{O}/queries/validations", {"sql": {"query": f"SELECT v FROM {WA}.c1"}})),
    ("query_validate_other", ("ws", "QUERY_DATA_WS", WB),
     lambda w: ("POST", f"{O}/queries/validations", {"sql": {"query": f"SELECT v FROM {WB}.c1"}})),
    ("query_list", "key", lambda w: ("GET", f"{O}/queries", None)),
    ("query_list_vi", ("vi", "QUERY_VI"), lambda w: ("GET", f"{O}/virtualinstances/{VI}/queries", None)),
    ("query_get_others", "admin_queries", lambda w: ("GET", f"{O}/queries/{QID}", None)),
    ("query_pages_others", "admin_queries", lambda w: ("GET", f"{O}/queries/{QID}/pages", None)),
    ("query_cancel_others", "admin_queries",
     lambda w: ("DELETE", f"{O}/queries/{fresh_async_query()}", None)),
    ("users_list", ("g", "LIST_USERS_GLOBAL"), lambda w: ("GET", f"{O}/users", None)),
    ("users_create", ("g", "INVITE_USER_GLOBAL"),
     lambda w: ("POST", f"{O}/users", {"email": uniq("nu") + "@example.com", "roles": ["read-only"]})),
    ("users_get", ("g", "LIST_USERS_GLOBAL"), lambda w: ("GET", f"{O}/users/{OTHER_USER}", None)),
    ("users_update", ("g", "GRANT_REVOKE_ROLE_GLOBAL"),
     lambda w: ("POST", f"{O}/users/{fresh_user()}", {"first_name": "n"})),
    ("users_delete", ("g", "DELETE_USER_GLOBAL"), lambda w: ("DELETE", f"{O}/users/{fresh_user()}", None)),
    ("key_create", ("g", "CREATE_API_KEY_GLOBAL"),
     lambda w: ("POST", f"{O}/users/self/apikeys", {"name": uniq("nk"), "role": "read-only"})),
    ("key_list_self", "keys_self", lambda w: ("GET", f"{O}/users/self/apikeys", None)),
    ("key_get_self", "keys_self",
     lambda w: ("GET", f"{O}/users/self/apikeys/{fresh_own_key(w)}", None)),
    ("key_update_self", "keys_self",
     lambda w: ("POST", f"{O}/users/self/apikeys/{fresh_own_key(w)}", {"state": "SUSPENDED"})),
    ("key_delete_self", "keys_self",
     lambda w: ("DELETE", f"{O}/users/self/apikeys/{fresh_own_key(w)}", None)),
    ("key_list_other", "keys_other", lambda w: ("GET", f"{O}/users/{OTHER_USER}/apikeys", None)),
    ("key_get_other", "keys_other",
     lambda w: ("GET", f"{O}/users/{OTHER_USER}/apikeys/{fresh_other_key()}", None)),
    ("key_update_other", "keys_other",
     lambda w: ("POST", f"{O}/users/{OTHER_USER}/apikeys/{fresh_other_key()}", {"state": "ACTIVE"})),
    ("key_delete_other", "keys_other",
     lambda w: ("DELETE", f"{O}/users/{OTHER_USER}/apikeys/{fresh_other_key()}", None)),
    ("roles_list", ("g", "LIST_ROLES_GLOBAL"), lambda w: ("GET", f"{O}/roles", None)),
    ("roles_create", ("g", "CREATE_ROLE_GLOBAL"),
     lambda w: ("POST", f"{O}/roles", {"role_name": uniq("nr"), "privileges": []})),
    ("roles_get", ("g", "LIST_ROLES_GLOBAL"), lambda w: ("GET", f"{O}/roles/read-only", None)),
    ("roles_update", ("g", "UPDATE_ROLE_GLOBAL"),
     lambda w: ("POST", f"{O}/roles/{fresh_role()}", {"privileges": []})),
    ("roles_delete", ("g", "DELETE_ROLE_GLOBAL"), lambda w: ("DELETE", f"{O}/roles/{fresh_role()}", None)),
    ("vi_list", ("g", "LIST_VI_GLOBAL"), lambda w: ("GET", f"{O}/virtualinstances", None)),
    ("vi_get", ("g", "LIST_VI_GLOBAL"), lambda w: ("GET", f"{O}/virtualinstances/{VI}", None)),
    ("vi_update", ("vi", "UPDATE_VI"),
     lambda w: ("POST", f"{O}/virtualinstances/{VI}", {"new_size": "MEDIUM"})),
    ("views_list_org", "key", lambda w: ("GET", f"{O}/views", None)),
    ("view_create", ("ws", "CREATE_VIEW_WS", WA),
     lambda w: ("POST", f"{W(WA)}/views", {"name": uniq("nv"), "query": f"SELECT v FROM {WA}.c1"})),
    ("view_list", ("ws", "LIST_RESOURCES_WS", WA), lambda w: ("GET", f"{W(WA)}/views", None)),
    ("view_get", ("ws", "LIST_RESOURCES_WS", WA), lambda w: ("GET", f"{W(WA)}/views/vw", None)),
    ("view_update", ("ws", "CREATE_VIEW_WS", WA),
     lambda w: ("POST", f"{W(WA)}/views/{fresh_view()}", {"query": f"SELECT v FROM {WA}.c1"})),
    ("view_delete", ("ws", "DELETE_VIEW_WS", WA),
     lambda w: ("DELETE", f"{W(WA)}/views/{fresh_view()}", None)),
    ("aliases_list_org", "key", lambda w: ("GET", f"{O}/aliases", None)),
    ("alias_create", ("ws", "CREATE_ALIAS_WS", WA),
     lambda w: ("POST", f"{W(WA)}/aliases", {"name": uniq("na"), "collections": [f"{WA}.c1"]})),
    ("alias_list", ("ws", "LIST_RESOURCES_WS", WA), lambda w: ("GET", f"{W(WA)}/aliases", None)),
    ("alias_get", ("ws", "LIST_RESOURCES_WS", WA), lambda w: ("GET", f"{W(WA)}/aliases/al", None)),
    ("alias_update", ("ws", "CREATE_ALIAS_WS", WA),
     lambda w: ("POST", f"{W(WA)}/aliases/{fresh_alias()}", {"collections": [f"{WA}.c1"]})),
    ("alias_delete", ("ws", "DELETE_ALIAS_WS", WA),
     lambda w: ("DELETE", f"{W(WA)}/aliases/{fresh_alias()}", None)),
    ("lambdas_list_org", "key", lambda w: ("GET", f"{O}/lambdas", None)),
    ("lambda_create", ("ws", "CREATE_QUERY_LAMBDA_WS", WA),
     lambda w: ("POST", f"{W(WA)}/lambdas", {"name": uniq("nq"), "sql": {"query": "SELECT 1 AS one"}})),
    ("lambda_list", ("ws", "LIST_RESOURCES_WS", WA), lambda w: ("GET", f"{W(WA)}/lambdas", None)),
    ("lambda_delete", ("ws", "DELETE_QUERY_LAMBDA_WS", WA),
     lambda w: ("DELETE", f"{W(WA)}/lambdas/{fresh_lambda()[0]}", None)),
    ("version_create", ("ws", "CREATE_QUERY_LAMBDA_WS", WA),
     lambda w: ("POST", f"{W(WA)}/lambdas/ql/versions", {"sql": {"query": f"SELECT v FROM {WA}.c1"}})),
    ("version_list", ("ws", "LIST_RESOURCES_WS", WA), lambda w: ("GET", f"{W(WA)}/lambdas/ql/versions", None)),
    ("version_get", ("ws", "LIST_RESOURCES_WS", WA),
     lambda w: ("GET", f"{W(WA)}/lambdas/ql/versions/{QL_VERSION}", None)),
    ("version_execute", ("ws", "EXECUTE_QUERY_LAMBDA_WS", WA),
     lambda w: ("POST", f"{W(WA)}/lambdas/ql/versions/{QL_VERSION}", {})),
    ("version_execute_other", ("ws", "EXECUTE_QUERY_LAMBDA_WS", WB),
     lambda w: ("POST", f"{W(WB)}/lambdas/ql/versions/"
                f"{get(f'{O}/ws/{WB}/lambdas/ql/versions', url=U).body['data'][0]['version']}", {})),
    ("version_delete", ("ws", "DELETE_QUERY_LAMBDA_WS", WA),
     lambda w: ("DELETE", "{}/lambdas/{}/version/{}".format(W(WA), *fresh_lambda()), None)),
    ("tag_list", ("ws", "LIST_RESOURCES_WS", WA), lambda w: ("GET", f"{W(WA)}/lambdas/ql/tags", None)),
    ("tag_create", ("ws", "CREATE_QUERY_LAMBDA_WS", WA),
     lambda w: ("POST", f"{W(WA)}/lambdas/ql/tags", {"tag_name": uniq("nt"), "version": QL_VERSION})),
    ("tag_get", ("ws", "LIST_RESOURCES_WS", WA), lambda w: ("GET", f"{W(WA)}/lambdas/ql/tags/t1", None)),
    ("tag_delete", ("ws", "DELETE_QUERY_LAMBDA_WS", WA),
     lambda w: ("DELETE", f"{W(WA)}/lambdas/ql/tags/{fresh_tag()}", None)),
    ("tag_execute", ("ws", "EXECUTE_QUERY_LAMBDA_WS", WA),
     lambda w: ("POST", f"{W(WA)}/lambdas/ql/tags/t1", {})),
]


def allowed(who, need):
    role = ROLE_OF[who]
    if need == "key":
        return True
    if need == "keys_self":
        return may(role, "CREATE_API_KEY_GLOBAL")
    if need in ("keys_other", "admin_queries"):
        return role == "admin"
    if need[0] == "both":
        return allowed(who, need[1]) and allowed(who, need[2])
    if need[0] == "g":
        return may(role, need[1])
    if need[0] == "vi":
        return may(role, need[1], VI)
    return may(role, need[1], need[2])


def expected(who, need):
    if need == "public":
        return 200
    if who in ("suspended", "expired", "deleted", "none"):
        return 401
    if need == "admin_queries":
        return 200 if allowed(who, need) else 404
    return 200 if allowed(who, need) else 403


@case
def every_endpoint_by_every_principal():
    table = {}
    for label, need, call in ROWS:
        for who in ROUNDS:
            method, path, body = call(who)
            r = request(method, path, body, url=U, key=KEYS.get(who, ""), auth=who != "none")
            want = expected(who, need)
            table[(label, who)] = r.status
            ok = r.status == want
            if ok and want == 403:  # Rockset's error, naming what is missing
                ok = (isinstance(r.body, dict) and r.body.get("type") == "FORBIDDEN"
                      and ("lacks the privilege" in r.body.get("message", "")
                           or "cannot" in r.body.get("message", "")))
            if ok and want == 401:
                ok = isinstance(r.body, dict) and r.body.get("type") == "AUTHEXCEPTION"
            check(f"{label}/{who}", ok, f"{method} {path}: want {want}, got {r!r}")
    # the matrix itself, for the record (docs/security.md shows it)
    width = max(len(label) for label, _, _ in ROWS)
    with open(os.path.join(rl.OUT, "security_matrix.txt"), "w") as f:
        f.write("endpoint".ljust(width) + "  " + " ".join(w[:9].ljust(9) for w in ROUNDS) + "\n")
        for label, _, _ in ROWS:
            f.write(label.ljust(width) + "  "
                    + " ".join(str(table[(label, w)]).ljust(9) for w in ROUNDS) + "\n")


@case
def repeated_query_checks_each_caller():
    """A statement's translation is kept between runs (xlcache.h), and with it the workspaces
    it reads, views' included: a caller without QUERY_DATA_WS on one of them is refused the
    text another caller's run left kept, with no write in between."""
    view = uniq("vx")
    r = post(f"{W(WA)}/views", {"name": view, "query": f"SELECT v FROM {WB}.c1 WHERE v = 1"}, url=U)
    check("cross_view_made", r.status == 200, repr(r))
    for sql in (f"SELECT v FROM {WB}.c1 WHERE v = 1", f"SELECT v FROM {WA}.{view}"):
        for run in ("first", "kept"):
            r = request("POST", f"{O}/queries", {"sql": {"query": sql}}, url=U,
                        key=KEYS["admin"])
            check(f"admin_{run}/{sql}", r.status == 200 and r.body.get("results") == [{"v": 1}],
                  repr(r))
        r = request("POST", f"{O}/queries", {"sql": {"query": sql}}, url=U, key=KEYS["scoped"])
        check(f"scoped_refused/{sql}", r.status == 403 and
              f'QUERY_DATA_WS on workspace "{WB}"' in r.body.get("message", ""), repr(r))


@case
def messages_say_what_is_missing():
    r = request("DELETE", f"{W(WA)}/collections/c1", url=U, key=KEYS["read-only"])
    expect_error("read_only_delete", r, 403, "FORBIDDEN", message=(
        'API key "{}" (the roles of {}) lacks the privilege DELETE_COLLECTION_WS on workspace '
        '"{}", needed for DELETE {}/collections/c1').format(
            r.body.get("message", "").split('"')[1] if isinstance(r.body, dict) else "",
            USERS["read-only"], WA, W(WA)))
    r = request("POST", f"{O}/queries", {"sql": {"query": f"SELECT v FROM {WB}.c1"}}, url=U,
                key=KEYS["scoped"])
    check("scoped_query_names_ws", r.status == 403 and f'QUERY_DATA_WS on workspace "{WB}"'
          in r.body.get("message", ""), repr(r))
    r = request("GET", O, url=U, key=KEYS["suspended"])
    expect_error("suspended_says_so", r, 401, "AUTHEXCEPTION",
                 message=rl.Re(r'API key "k_\d+_\d+" is suspended'))
    r = request("GET", O, url=U, key=KEYS["expired"])
    expect_error("expired_says_so", r, 401, "AUTHEXCEPTION",
                 message=rl.Re(r'API key "k_\d+_\d+" expired at 2001-01-01T00:00:00Z'))


@case
def scoped_lists_show_its_workspace_only():
    for kind in ("collections", "views", "aliases", "lambdas"):
        r = request("GET", f"{O}/{kind}", url=U, key=KEYS["scoped"])
        spaces = sorted({x.get("workspace") for x in r.body.get("data", [])}) if r.status == 200 else r
        check(f"{kind}_only_{'wsa'}", spaces == [WA], repr(spaces))
    r = request("POST", f"{O}/queries", {"sql": {"query": f"SELECT v FROM {WA}.c1 ORDER BY v"}},
                url=U, key=KEYS["scoped"])
    check("scoped_reads_its_data", r.status == 200 and r.body["results"][0] == {"v": 1}, repr(r))


@case
def full_key_shown_once_and_hashed():
    r = post(f"{O}/users/self/apikeys", {"name": uniq("once"), "role": "read-only"}, url=U)
    key = r.body["data"]["key"]
    check("created_key_is_64_chars", len(key) == 64 and key.isalnum(), str(len(key)))
    name = r.body["data"]["name"]
    g = get(f"{O}/users/self/apikeys/{name}", url=U)
    check_match("get_shows_identifier", g.body.get("data"), {
        "name": name, "key": key[-6:], "role": "read-only", "state": "ACTIVE",
        "created_at": rl.TS, "created_by": "local@rockset-local",
        "created_by_apikey_name": "bootstrap", "expiry_time": None, "last_access_time": None})
    lst = get(f"{O}/users/self/apikeys", url=U).body["data"]
    check("list_never_shows_a_key", all(len(k["key"]) == 6 for k in lst), repr(lst)[:300])
    g = get(f"{O}/users/self/apikeys/{name}?reveal=true", url=U)
    expect_error("reveal_refused", g, 400, "INVALIDINPUT", message=rl.mentions("digest"))
    check("works", request("GET", O, url=U, key=key).status == 200, "")
    g = get(f"{O}/users/self/apikeys/{name}", url=U)
    check("last_access_time_set", g.body["data"]["last_access_time"] is not None, repr(g))


@case
def no_escalation():
    r = request("POST", f"{O}/users/self/apikeys", {"name": uniq("esc"), "role": "admin"}, url=U,
                key=KEYS["member"])
    expect_error("member_cannot_mint_admin", r, 403, "FORBIDDEN",
                 message=rl.mentions("cannot grant role", "admin"))
    r = request("POST", f"{O}/users/self/apikeys", {"name": uniq("esc")}, url=U,
                key=KEYS["member"])
    check("member_key_without_role_is_member", r.status == 200 and r.body["data"]["role"] is None,
          repr(r))
    r = request("POST", f"{O}/roles", {"role_name": uniq("esc"), "privileges": [
        {"action": "ALL_GLOBAL_ACTIONS"}]}, url=U, key=KEYS["member"])
    check("member_cannot_make_roles", r.status == 403, repr(r))
    r = post(f"{O}/roles", {"role_name": uniq("bad"), "privileges": [{"action": "FLY_WS"}]}, url=U)
    expect_error("unknown_action", r, 400, "INVALIDINPUT", message=rl.mentions("FLY_WS"))
    r = request("DELETE", f"{O}/roles/{SCOPED_ROLE}", url=U)
    expect_error("role_in_use", r, 409, "DEPENDENTRESOURCES")
    r = request("POST", f"{O}/roles/admin", {"privileges": []}, url=U)
    expect_error("builtin_fixed", r, 400, "INVALIDINPUT")


SRV.stop()
log = SRV.log()
check("keys_not_in_log", not any(k in log for k in KEYS.values()), "a key reached the log")
check("failed_logins_logged", "authentication failed from 127.0.0.1" in log
      and "suspended API key" in log, log[-500:])
rl.done()
