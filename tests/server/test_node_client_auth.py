"""API keys and roles through the official Node client (@rockset/client, pinned, installed with
npm into build/node-cache): createRole / getRole / listRoles / updateRole / deleteRole (the client calls roles
"customRolesBeta"),
createApiKey / getApiKey / listApiKeys / updateApiKey / deleteApiKey, then the key it made
querying what its role allows and refused (403, the message naming the privilege) elsewhere,
then suspended (401). When npm cannot be reached the file prints one SKIP line."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import nodeclient  # noqa: E402
import rl  # noqa: E402
from rl import case, check, check_match, uniq  # noqa: E402

rl.set_prefix("node_auth")
D, WHY = nodeclient.install(rl.B)
if D is None:
    print(f"SKIP node_auth: {WHY}")
    rl.done()

SRV = rl.start_server()
WS, OTHER = uniq("nws"), uniq("nother")
for w in (WS, OTHER):
    rl.make_ws(w, url=SRV.url)
    rl.make_coll(w, "c", url=SRV.url)
    r = rl.add_docs(w, "c", [{"_id": "1", "v": 7}], url=SRV.url)
    rl.wait_fence(w, "c", r.body["last_offset"], url=SRV.url)
ROLE, KEYNAME = uniq("nrole"), uniq("nkey")

SCRIPT = r"""
const rockset = require('@rockset/client').default;
const admin = rockset(process.env.RS_KEY, process.env.RS_URL);
const ws = process.env.WS, other = process.env.OTHER, role = process.env.ROLE, name = process.env.KEYNAME;
const out = {};
const err = e => ({status: e.type || e.code || null, message: e.message || JSON.stringify(e)});
(async () => {
  out.createRole = await admin.customRolesBeta.createRole({role_name: role, privileges: [
    {action: 'QUERY_DATA_WS', resource_name: ws}, {action: 'LIST_RESOURCES_WS', resource_name: ws}]});
  out.getRole = await admin.customRolesBeta.getRole(role);
  out.listRoles = (await admin.customRolesBeta.listRoles()).data.map(r => r.role_name);
  out.updateRole = await admin.customRolesBeta.updateRole(role, {privileges: [
    {action: 'QUERY_DATA_WS', resource_name: ws}]});
  const made = await admin.apikeys.createApiKey({name: name, role: role});
  out.createdKeyLength = made.data.key.length;
  out.getApiKey = await admin.apikeys.getApiKey('self', name);
  out.listApiKeys = (await admin.apikeys.listApiKeys('self')).data.map(k => k.name);
  const scoped = rockset(made.data.key, process.env.RS_URL);
  out.scopedQuery = (await scoped.queries.query({sql: {query: `SELECT v FROM ${ws}.c`}})).results;
  try { await scoped.queries.query({sql: {query: `SELECT v FROM ${other}.c`}}); out.otherQuery = 'allowed'; }
  catch (e) { out.otherQuery = err(e); }
  try { await scoped.collections.deleteCollection(ws, 'c'); out.scopedDelete = 'allowed'; }
  catch (e) { out.scopedDelete = err(e); }
  out.suspend = (await admin.apikeys.updateApiKey(name, 'self', {state: 'SUSPENDED'})).data.state;
  try { await scoped.queries.query({sql: {query: `SELECT v FROM ${ws}.c`}}); out.suspendedQuery = 'allowed'; }
  catch (e) { out.suspendedQuery = err(e); }
  out.deleteApiKey = (await admin.apikeys.deleteApiKey(name, 'self')).data.name;
  out.deleteRole = (await admin.customRolesBeta.deleteRole(role)).data.role_name;
  console.log('RESULT ' + JSON.stringify(out));
})().catch(e => console.log('CRASH ' + JSON.stringify(e) + ' ' + (e.stack || '')));
"""


@case
def keys_and_roles_through_node():
    p = nodeclient.run(D, SCRIPT, {"RS_KEY": rl.KEY, "RS_URL": SRV.url, "WS": WS,
                                   "OTHER": OTHER, "ROLE": ROLE, "KEYNAME": KEYNAME})
    line = next((ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if not check("ran", line is not None, p.stdout[-600:] + p.stderr[-600:]):
        return
    out = json.loads(line[len("RESULT "):])
    priv = {"action": "QUERY_DATA_WS", "resource_name": WS, "cluster": "*ALL*"}
    role_obj = {"role_name": ROLE, "description": None, "owner_email": "local@rockset-local",
                "created_by": "local@rockset-local", "created_at": rl.TS}
    check_match("createRole", out["createRole"], {"data": dict(role_obj, privileges=[
        priv, {"action": "LIST_RESOURCES_WS", "resource_name": WS, "cluster": "*ALL*"}])})
    check_match("getRole", out["getRole"]["data"]["role_name"], ROLE)
    check("listRoles", out["listRoles"][:3] == ["admin", "member", "read-only"]
          and ROLE in out["listRoles"], repr(out["listRoles"]))
    check_match("updateRole", out["updateRole"], {"data": dict(role_obj, privileges=[priv])})
    check("createApiKey_full_key", out["createdKeyLength"] == 64, repr(out["createdKeyLength"]))
    check_match("getApiKey", out["getApiKey"], {"data": {
        "name": KEYNAME, "key": rl.Re(r"[A-Za-z0-9]{6}"), "role": ROLE, "state": "ACTIVE",
        "created_at": rl.TS, "created_by": "local@rockset-local",
        "created_by_apikey_name": "bootstrap", "expiry_time": None, "last_access_time": None}})
    check("listApiKeys", KEYNAME in out["listApiKeys"], repr(out["listApiKeys"]))
    check_match("scoped_key_queries_its_workspace", out["scopedQuery"], [{"v": 7}])
    check_match("scoped_key_other_workspace_403", out["otherQuery"], {
        "status": "FORBIDDEN", "message": rl.mentions("QUERY_DATA_WS", OTHER)})
    check_match("scoped_key_delete_403", out["scopedDelete"], {
        "status": "FORBIDDEN", "message": rl.mentions("DELETE_COLLECTION_WS", WS)})
    check("updateApiKey_suspends", out["suspend"] == "SUSPENDED", repr(out["suspend"]))
    check_match("suspended_key_401", out["suspendedQuery"], {
        "status": "AUTHEXCEPTION", "message": f'API key "{KEYNAME}" is suspended'})
    check("deleteApiKey", out["deleteApiKey"] == KEYNAME, repr(out["deleteApiKey"]))
    check("deleteRole", out["deleteRole"] == ROLE, repr(out["deleteRole"]))


SRV.stop()
rl.done()
