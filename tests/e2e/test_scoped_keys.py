"""The extension with keys that are not admins: rockset_* functions report 401 and 403 with the
server's message, which names the missing privilege; a model run with a workspace-scoped key
builds the models in its workspace and fails alone, with that message, the model aimed at
another workspace."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import case, check, post, uniq  # noqa: E402

rl.set_prefix("scoped")
SRV = rl.start_server()
O = "/v1/orgs/self"
WS, OTHER = uniq("sws"), uniq("sother")
for w in (WS, OTHER):
    rl.make_ws(w, url=SRV.url)
    rl.make_coll(w, "c", url=SRV.url)
    r = rl.add_docs(w, "c", [{"_id": "1", "v": 5}], url=SRV.url)
    rl.wait_fence(w, "c", r.body["last_offset"], url=SRV.url)
ROLE = uniq("modeler")
post(f"{O}/roles", {"role_name": ROLE, "privileges": [
    {"action": a, "resource_name": WS} for a in (
        "QUERY_DATA_WS", "WRITE_DATA_WS", "LIST_RESOURCES_WS", "CREATE_VIEW_WS", "DELETE_VIEW_WS",
        "CREATE_COLLECTION_WS", "DELETE_COLLECTION_WS", "CREATE_ALIAS_WS", "DELETE_ALIAS_WS")]},
     url=SRV.url)
SCOPED = post(f"{O}/users/self/apikeys", {"name": uniq("sk"), "role": ROLE},
              url=SRV.url).body["data"]["key"]
RO_NAME = uniq("ro")
RO = post(f"{O}/users/self/apikeys", {"name": RO_NAME, "role": "read-only"},
          url=SRV.url).body["data"]["key"]


def shell(sql, key):
    env = dict(os.environ, ROCKSET_APIKEY=key, ROCKSET_APISERVER=SRV.url, ROCKSET_WORKSPACE=WS,
               HOME=rl.OUT)
    p = subprocess.run(["sqlite3", "-cmd", f".load {rl.B}/rockset_ext", ":memory:"], input=sql,
                       capture_output=True, text=True, env=env, timeout=300, cwd=rl.OUT)
    return (p.stdout + p.stderr).replace(key, "<KEY>")


@case
def functions_report_403_and_401():
    out = shell("SELECT rockset_connect();\n"
                f"SELECT doc FROM rockset_query('SELECT v FROM {WS}.c');\n"
                f"SELECT rockset_create_collection('{OTHER}.x');\n", RO)
    check("reads", '{"v":5}' in out, out[-500:])
    check("create_403_names_privilege",
          f'rockset: API key "{RO_NAME}" (role read-only) lacks the privilege CREATE_COLLECTION_WS '
          f'on workspace "{OTHER}", needed for POST /v1/orgs/self/ws/{OTHER}/collections '
          '(FORBIDDEN, HTTP 403)' in out, out[-500:])
    post(f"{O}/users/self/apikeys/{RO_NAME}", {"state": "SUSPENDED"}, url=SRV.url)
    out = shell("SELECT rockset_connect();\n", RO)
    check("suspended_401_says_so", f'API key "{RO_NAME}" is suspended (AUTHEXCEPTION, HTTP 401)'
          in out, out[-400:])


@case
def model_run_fails_alone():
    sql = f"""
SELECT rockset_connect();
SELECT rockset_init();
INSERT INTO rockset_sources VALUES ('src', 'c', '{WS}', 'c');
INSERT INTO rockset_models(name, sql, materialized, workspace) VALUES
  ('mine', 'SELECT v FROM {{{{ source(''src'', ''c'') }}}}', 'view', '{WS}'),
  ('theirs', 'SELECT v FROM {{{{ source(''src'', ''c'') }}}}', 'view', '{OTHER}');
SELECT json_extract(r, '$.success') || '|' || json_extract(r, '$.error')
  FROM (SELECT rockset_run() AS r);
SELECT model || '|' || status || '|' || coalesce(message, '') FROM rockset_run_results
  WHERE run_id = (SELECT max(run_id) FROM rockset_run_results) ORDER BY model;
"""
    out = shell(sql, SCOPED)
    check("one_built_one_failed", "\n1|1\n" in "\n" + out, out[-800:])
    lines = [ln for ln in out.splitlines() if ln.startswith(("mine|", "theirs|"))]
    check("mine_success", any(ln.startswith("mine|success") for ln in lines), repr(lines))
    check("theirs_error_names_privilege", any(
        ln.startswith("theirs|error|rockset: API key ") and "lacks the privilege" in ln
        and f'on workspace "{OTHER}"' in ln and "HTTP 403" in ln for ln in lines), repr(lines))
    r = rl.query(f"SELECT v FROM {WS}.mine", url=SRV.url)
    check("view_built", r.status == 200 and r.body["results"] == [{"v": 5}], repr(r))


SRV.stop()
rl.done()
