"""Durability with --data FILE: everything written (workspace, collection, documents, view,
alias, lambda versions and tags) survives kill -9 and a restart on the same file; with several
concurrent writers killed mid-stream, every acknowledged document is there after restart;
SIGTERM shuts down cleanly."""
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import EVENT_TIME, case, check, check_match, delete, get, post, uniq  # noqa: E402

rl.set_prefix("durability")


def data_file(tag):
    path = os.path.join(rl.OUT, f"{uniq(tag)}.db")
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(path + suffix)
        except OSError:
            pass
    return path


def wait_state(url, path, key, value):
    return rl.poll(lambda: get(path, url=url), lambda x: x.status == 200
                   and x.body["data"].get(key) == value, timeout=5)


@case
def everything_survives_kill9():
    db = data_file("dur")
    srv = rl.start_server("--data", db)
    u = srv.url
    ws, coll = "durws", "durc"
    rl.make_ws(ws, url=u)
    rl.make_coll(ws, coll, url=u, extra={"description": "kept"})
    doc = {"_id": "n1", "obj": {"a": [1, {"b": None}], "t": True}, "big": 9007199254740993,
           "u": "\u00e9\u2603\U0001F600"}
    r = rl.add_docs(ws, coll, [doc, {"_id": "gone", "x": 1}, {"_id": "p", "n": 1}], url=u)
    first_offset = r.body["last_offset"]
    delete(f"{rl.coll_path(ws, coll)}/docs", {"data": [{"_id": "gone"}]}, url=u)
    rl.patch(f"{rl.coll_path(ws, coll)}/docs",
             {"data": [{"_id": "p", "patch": [{"op": "increment", "path": "/n", "value": 1}]}]},
             url=u)
    vsql = f"SELECT _id FROM {ws}.{coll} WHERE _id = 'n1'"
    post(f"/v1/orgs/self/ws/{ws}/views", {"name": "dv", "query": vsql}, url=u)
    wait_state(u, f"/v1/orgs/self/ws/{ws}/views/dv", "state", "CREATED")
    post(f"/v1/orgs/self/ws/{ws}/aliases", {"name": "da", "collections": [f"{ws}.{coll}"]}, url=u)
    r = post(f"/v1/orgs/self/ws/{ws}/lambdas", {"name": "dl", "sql": {
        "query": "SELECT :x AS x", "default_parameters": [
            {"name": "x", "type": "int", "value": "1"}]}}, url=u)
    v1 = r.body["data"]["version"] if r.status == 200 else "?"
    r = post(f"/v1/orgs/self/ws/{ws}/lambdas/dl/versions", {"sql": {"query": "SELECT 2 AS y"}},
             url=u)
    v2 = r.body["data"]["version"] if r.status == 200 else "?"
    post(f"/v1/orgs/self/ws/{ws}/lambdas/dl/tags", {"tag_name": "prod", "version": v1}, url=u)
    before = {p: get(p, url=u).body for p in (
        f"/v1/orgs/self/ws/{ws}", f"/v1/orgs/self/ws/{ws}/views/dv",
        f"/v1/orgs/self/ws/{ws}/aliases/da", f"/v1/orgs/self/ws/{ws}/lambdas/dl/versions",
        f"/v1/orgs/self/ws/{ws}/lambdas/dl/tags/prod")}
    coll_before = get(rl.coll_path(ws, coll), url=u).body

    srv.kill9()
    srv = rl.start_server("--data", db)
    u = srv.url
    for p, body in before.items():
        r = get(p, url=u)
        label = p.replace("/v1/orgs/self/ws/" + ws, "").replace("/", "_") or "_ws"
        check_match(f"same_after_restart{label}", r.body, body)
    r = get(rl.coll_path(ws, coll), url=u)
    data = r.body.get("data", {}) if r.status == 200 else {}
    cb = coll_before.get("data", {}) if isinstance(coll_before, dict) else {}
    check_match("collection_after_restart",
                {k: data.get(k) for k in ("name", "workspace", "description", "created_at",
                                          "status")},
                {"name": coll, "workspace": ws, "description": "kept",
                 "created_at": cb.get("created_at"), "status": "READY"})
    check_match("doc_count_after_restart", (data.get("stats") or {}).get("doc_count"), 2)
    res = rl.rows(f"SELECT * FROM {ws}.{coll} ORDER BY _id", url=u)
    check_match("docs_after_restart", res, [dict(doc, _event_time=EVENT_TIME),
                                            {"_id": "p", "n": 2, "_event_time": EVENT_TIME}])
    res = rl.rows(f"SELECT * FROM {ws}.dv", url=u)
    check_match("view_query_after_restart", res, [{"_id": "n1"}])
    res = rl.rows(f"SELECT COUNT(*) AS c FROM {ws}.da", url=u)
    check_match("alias_query_after_restart", res, [{"c": 2}])
    r = post(f"/v1/orgs/self/ws/{ws}/lambdas/dl/tags/prod", {}, url=u)
    check_match("lambda_tag_exec_after_restart", r.body.get("results") if r.status == 200 else r,
                [{"x": 1}])
    r = post(f"/v1/orgs/self/ws/{ws}/lambdas/dl/versions/{v2}", {}, url=u)
    check_match("lambda_version_exec_after_restart",
                r.body.get("results") if r.status == 200 else r, [{"y": 2}])
    r = rl.add_docs(ws, coll, [{"_id": "after"}], url=u)
    check("writes_after_restart", r.status == 200, repr(r))
    new_offset = r.body.get("last_offset", "") if r.status == 200 else ""
    check("offsets_keep_increasing_after_restart", new_offset > first_offset,
          f"{first_offset} then {new_offset}")
    f = post(f"{rl.coll_path(ws, coll)}/offsets/commit", {"name": [first_offset, new_offset]},
             url=u)
    check_match("fence_orders_old_and_new", f.body if f.status == 200 else f,
                {"data": {"passed": True, "fence": new_offset},
                 "offsets": {"commit": new_offset}})
    rc = srv.stop(signal.SIGTERM)
    check("sigterm_clean_exit", rc == 0, f"exit code {rc}")


@case
def concurrent_writers_then_kill9():
    db = data_file("durc")
    srv = rl.start_server("--data", db)
    u = srv.url
    rl.make_coll("commons", "cw", url=u)
    acked = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(t):
        for i in range(200):
            if stop.is_set():
                return
            _id = f"t{t}_{i:03d}"
            try:
                r = post(f"{rl.coll_path('commons', 'cw')}/docs",
                         {"data": [{"_id": _id, "t": t, "i": i, "pad": "y" * 200}]}, url=u,
                         timeout=10)
            except OSError:
                return
            if r.status == 200:
                with lock:
                    acked.append(_id)
    threads = [threading.Thread(target=writer, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with lock:
            if len(acked) >= 80:
                break
        time.sleep(0.005)
    srv.kill9()
    stop.set()
    for th in threads:
        th.join(15)
    with lock:
        ack_set = set(acked)
    check("writers_made_progress", len(ack_set) >= 80, f"{len(ack_set)} acked")
    srv = rl.start_server("--data", db)
    res = rl.rows("SELECT _id FROM commons.cw", url=srv.url) or []
    stored = {r["_id"] for r in res}
    lost = sorted(ack_set - stored)
    check("every_acknowledged_doc_present", not lost, f"{len(lost)} lost, e.g. {lost[:5]}")
    r = get(rl.coll_path("commons", "cw"), url=srv.url)
    count = ((r.body.get("data") or {}).get("stats") or {}).get("doc_count") if r.status == 200 \
        else None
    check_match("doc_count_matches_rows", count, len(stored))
    srv.stop()


rl.done()
