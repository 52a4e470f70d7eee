"""Collections: create / get / list (workspace and org) / PUT update / delete, lifecycle
CREATED -> READY (--provision-delay-ms), stats kept current, name validation, errors."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import (NONNEG, STR_OR_NULL, TS, Any, Contains, Opt, Pred, Re, Type, case,  # noqa: E402
                check, coll_path, delete, expect, expect_error, get, post, put, uniq)

rl.set_prefix("collections")

STAT_INTS = ["bytes_overwritten", "bulk_bytes_inserted", "bulk_bytes_overwritten",
             "total_index_size", "row_index_size", "column_index_size", "inverted_index_size",
             "range_index_size", "purged_doc_count", "purged_doc_size", "last_queried_ms"]


def stats_obj(doc_count):
    positive = Pred(lambda v: isinstance(v, int) and v > 0, "int > 0")
    now_ms = int(time.time() * 1000)
    stats = {k: Type("integer|null") for k in STAT_INTS}
    stats.update({
        "doc_count": doc_count,
        "bytes_inserted": positive if doc_count else NONNEG,
        "total_size": positive if doc_count else NONNEG,
        "last_updated_ms": Pred(lambda v: v is None or (isinstance(v, int)
                                                        and abs(v - now_ms) < 120000),
                                "epoch ms near now, or null"),
        "fill_progress": Type("number|null"),
        "currentProgress": Opt(Type("number|null")),
        # rockset-local only (docs/indexing.md); test_field_index.py checks its contents
        "field_indexes": {"paths": NONNEG, "indexed": NONNEG, "element_indexes": NONNEG,
                          "function_indexes": NONNEG, "composite_indexes": NONNEG,
                          "composites": Type("array"),
                          "background_work": NONNEG, "unindexed": Type("array"),
                          "analyzed_docs": NONNEG},
    })
    return stats


def coll_obj(ws, name, status, stats=None, **over):
    """The Collection we expect; `stats` is a matcher/object, None = absent or null."""
    obj = {
        "name": name, "workspace": ws, "description": None, "created_at": TS,
        "created_by": STR_OR_NULL, "created_by_apikey_name": Opt(STR_OR_NULL),
        "status": status, "stats": Opt(None) if stats is None else stats, "sources": [],
        "field_mapping_query": Opt(None), "retention_secs": Opt(None), "aliases": [],
        "rrn": Opt(Re(r"rrn:col:[^:]+:" + rl.UUID_RE, nullable=True)),
        "read_only": False, "insert_only": False,
        "storage_compression_type": Opt(rl.OneOf("LZ4", None)),
        "field_mappings": Opt(Type("array|null")), "clustering_key": Opt(Type("array|null")),
        "bulk_stats": Opt(Any()), "event_time_info": Opt(None),
        "field_partitions": Opt(Any()), "field_schemas": Opt(Any()),
        "ingest_virtual_instance_id": Opt(Any()), "storage_type": Opt(Any()),
        "enable_exactly_once_writes": Opt(Any()),
    }
    obj.update(over)
    return obj


def not_found(ws, coll):
    return dict(message=f'Collection "{coll}" does not exist in workspace "{ws}"',
                message_key="COLLECTION_DOES_NOT_EXIST")


WS = uniq("wscol")
rl.make_ws(WS)


@case
def create_and_get():
    name = uniq("c")
    r = post(f"{rl.ws_path(WS)}/collections", {"name": name})
    expect("create", r, 200, {"data": coll_obj(WS, name, rl.OneOf("CREATED", "READY"))},
           "data:Collection")
    r = rl.poll(lambda: get(coll_path(WS, name)),
                lambda x: x.status == 200 and x.body["data"].get("status") == "READY")
    expect("get_ready", r, 200, {"data": coll_obj(WS, name, "READY", stats_obj(0))},
           "data:Collection")
    r = post(f"{rl.ws_path(WS)}/collections", {"name": name})
    expect_error("create_duplicate", r, 409, "ALREADYEXISTS", message=rl.mentions(name))


@case
def create_with_all_options():
    name = uniq("copt")
    body = {"name": name, "description": "all options",
            "field_mapping_query": {"sql": "SELECT * FROM _input"},
            "retention_secs": 86400,
            "event_time_info": {"field": "ts", "format": "milliseconds_since_epoch"}}
    r = post(f"{rl.ws_path(WS)}/collections", body)
    over = dict(description="all options", field_mapping_query={"sql": "SELECT * FROM _input"},
                retention_secs=86400,
                event_time_info=Opt({"field": "ts", "format": "milliseconds_since_epoch",
                                     "time_zone": Opt(Type("string|null"))}))
    expect("create", r, 200, {"data": coll_obj(WS, name, rl.OneOf("CREATED", "READY"), **over)},
           "data:Collection")
    r = rl.poll(lambda: get(coll_path(WS, name)),
                lambda x: x.status == 200 and x.body["data"].get("status") == "READY")
    expect("get", r, 200, {"data": coll_obj(WS, name, "READY", stats_obj(0), **over)},
           "data:Collection")

    r = put(coll_path(WS, name), {"description": "updated"})
    over["description"] = "updated"
    expect("put_description", r, 200, {"data": coll_obj(WS, name, "READY", Any(), **over)},
           "data:Collection")
    r = get(coll_path(WS, name))
    expect("get_after_put", r, 200, {"data": coll_obj(WS, name, "READY", stats_obj(0), **over)},
           "data:Collection")
    r = put(coll_path(WS, name), {"field_mapping_query": {"sql": "SELECT *, 1 AS one FROM _input"}})
    over["field_mapping_query"] = {"sql": "SELECT *, 1 AS one FROM _input"}
    expect("put_field_mapping_query", r, 200,
           {"data": coll_obj(WS, name, "READY", Any(), **over)}, "data:Collection")
    r = put(coll_path(WS, uniq("nosuch")), {"description": "x"})
    check("put_missing/status", r.status == 404, repr(r))


@case
def lists():
    ws2 = uniq("wscol2")
    rl.make_ws(ws2)
    a, b, c = uniq("la"), uniq("lb"), uniq("lc")
    rl.make_coll(WS, a, wait_ready=False)
    rl.make_coll(WS, b, wait_ready=False)
    rl.make_coll(ws2, c, wait_ready=False)
    r = get(f"{rl.ws_path(WS)}/collections")
    expect("list_ws", r, 200, {"data": Contains(coll_obj(WS, a, Any(), Any()),
                                                coll_obj(WS, b, Any(), Any()))},
           "data:[Collection]")
    names = [x.get("name") for x in r.body.get("data", [])] if isinstance(r.body, dict) else []
    check("list_ws/only_this_workspace", c not in names and names.count(a) == 1, str(names))
    wss = {x.get("workspace") for x in r.body.get("data", [])} if isinstance(r.body, dict) else set()
    check("list_ws/workspace_field", wss == {WS}, str(wss))
    r = get("/v1/orgs/self/collections")
    expect("list_org", r, 200, {"data": Contains(coll_obj(WS, a, Any(), Any()),
                                                 coll_obj(ws2, c, Any(), Any()))},
           "data:[Collection]")
    r = get(f"{rl.ws_path(uniq('nows'))}/collections")
    expect_error("list_missing_ws", r, 404, "NOTFOUND", message_key="WORKSPACE_NOT_FOUND")


@case
def delete_then_404():
    name = uniq("cdel")
    rl.make_coll(WS, name)
    r = delete(coll_path(WS, name))
    expect("delete", r, 200, {"data": rl.Pred(
        lambda d: isinstance(d, dict) and d.get("name") == name and d.get("workspace") == WS,
        "the deleted collection")}, "data:Collection")
    seen = []

    def probe():
        x = get(coll_path(WS, name))
        seen.append(x.status if x.status != 200 else x.body["data"].get("status"))
        return x
    r = rl.poll(probe, lambda x: x.status == 404, timeout=5)
    expect_error("get_after_delete", r, 404, "NOTFOUND", **not_found(WS, name))
    check("only_deleted_before_404", all(s in (404, "DELETED") for s in seen), str(seen))
    r = delete(coll_path(WS, name))
    expect_error("delete_again", r, 404, "NOTFOUND", **not_found(WS, name))
    r = get(coll_path(WS, uniq("never")))
    check("get_never_existed", r.status == 404 and r.body.get("message_key") ==
          "COLLECTION_DOES_NOT_EXIST", repr(r))
    # the name can be used again once the collection is gone
    r = post(f"{rl.ws_path(WS)}/collections", {"name": name})
    check("recreate_after_delete", r.status == 200, repr(r))


@case
def stats_current():
    name = uniq("cst")
    rl.make_coll(WS, name)
    docs = [{"_id": f"d{i}", "v": i, "pad": "x" * 100} for i in range(3)]
    rl.add_docs(WS, name, docs)

    def doc_count():
        x = get(coll_path(WS, name))
        return x
    r = rl.poll(doc_count, lambda x: x.status == 200 and (x.body["data"].get("stats") or {})
                .get("doc_count") == 3, timeout=3)
    expect("after_add", r, 200, {"data": coll_obj(WS, name, "READY", stats_obj(3))},
           "data:Collection")
    first_bytes = (r.body["data"].get("stats") or {}).get("bytes_inserted") or 0
    check("bytes_inserted_counts_payload", first_bytes >= 300, f"bytes_inserted={first_bytes}")
    delete(f"{coll_path(WS, name)}/docs", {"data": [{"_id": "d0"}]})
    r = rl.poll(doc_count, lambda x: x.status == 200 and (x.body["data"].get("stats") or {})
                .get("doc_count") == 2, timeout=3)
    expect("after_delete_doc", r, 200, {"data": coll_obj(WS, name, "READY", stats_obj(2))},
           "data:Collection")
    rl.add_docs(WS, name, [{"_id": "d9", "v": 9}])
    r = rl.poll(doc_count, lambda x: x.status == 200 and (x.body["data"].get("stats") or {})
                .get("doc_count") == 3, timeout=3)
    later = (r.body["data"].get("stats") or {}).get("bytes_inserted") or 0
    check("bytes_inserted_grows", later > first_bytes, f"{first_bytes} -> {later}")
    def queried():
        # a query notes last_queried_ms only when the store's write lock is free at once (a
        # statistic never makes a query wait): query until one did
        rl.rows(f"SELECT COUNT(*) AS n FROM {WS}.{name}")
        return get(coll_path(WS, name))
    r = rl.poll(queried, lambda x: x.status == 200 and isinstance(
        ((x.body.get("data") or {}).get("stats") or {}).get("last_queried_ms"), int), timeout=5)
    lq = ((r.body.get("data") or {}).get("stats") or {}).get("last_queried_ms") \
        if r.status == 200 else None
    now_ms = int(time.time() * 1000)
    check("last_queried_ms_after_query", isinstance(lq, int) and abs(lq - now_ms) < 60000,
          f"last_queried_ms={lq}")


@case
def name_validation():
    for i, bad in enumerate(["bad name", "bad.name", "bad/name", "", "x" * 300, "é"]):
        r = post(f"{rl.ws_path(WS)}/collections", {"name": bad})
        expect_error(f"bad_name_{i}", r, 400, rl.OneOf("INVALIDINPUT", "BADREQUEST"))
    good = uniq("Good-name_1")
    r = post(f"{rl.ws_path(WS)}/collections", {"name": good})
    check("dash_underscore_ok", r.status == 200, repr(r))
    r = post(f"{rl.ws_path(WS)}/collections", {"description": "no name"})
    expect_error("missing_name", r, 400, rl.OneOf("INVALIDINPUT", "BADREQUEST"),
                 message=rl.mentions("name"))


@case
def provision_delay():
    # under valgrind a request takes long enough for 300 ms to pass between two of them
    slow = int(rl.SLOW)  # valgrind: a request can outlast the delay
    srv = rl.start_server("--provision-delay-ms", str(300 * slow))
    ws = "commons"
    name = uniq("cprov")
    t0 = time.monotonic()
    r = post(f"{rl.ws_path(ws)}/collections", {"name": name}, url=srv.url)
    expect("create", r, 200, {"data": coll_obj(ws, name, "CREATED")}, "data:Collection")
    r = get(coll_path(ws, name), url=srv.url)
    expect("still_created", r, 200, {"data": coll_obj(ws, name, "CREATED", Any())},
           "data:Collection")
    r = rl.poll(lambda: get(coll_path(ws, name), url=srv.url),
                lambda x: x.status == 200 and x.body["data"].get("status") == "READY",
                timeout=5 * slow)
    elapsed = time.monotonic() - t0
    expect("ready", r, 200, {"data": coll_obj(ws, name, "READY", stats_obj(0))},
           "data:Collection")
    check("ready_after_delay", 0.25 * slow <= elapsed <= 2.0 * slow, f"READY after {elapsed:.3f}s")
    srv.stop()


rl.done()
