"""Documents (Write API): add / upsert / PATCH ops / DELETE with body, DocumentStatus bodies,
last_offset and the commit fence (POST and GET forms), --ingest-delay-ms, event_time_info."""
import calendar
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import (EVENT_TIME, OFFSET, Opt, Re, Type, case, check, check_match, coll_path,  # noqa: E402
                delete, expect, expect_error, get, patch, post, uniq)

rl.set_prefix("documents")

WS = uniq("wsdoc")
rl.make_ws(WS)
GEN_ID = Re(rl.UUID_RE + r"(-\d+)?")
PATCH_ID = Re(rl.UUID_RE)


def status(coll, _id, st, patch_id=None):
    return {"_id": _id, "_collection": coll, "status": st, "error": None,
            "patch_id": patch_id}


def fetch(coll, _id, url=None):
    """The stored document (SELECT *), or None."""
    res = rl.rows(f"SELECT * FROM {WS}.{coll} WHERE _id = :id",
                  [{"name": "id", "type": "string", "value": _id}], url=url)
    return res[0] if res else None


def docs_path(coll):
    return f"{coll_path(WS, coll)}/docs"


@case
def add_and_upsert():
    coll = uniq("dadd")
    rl.make_coll(WS, coll)
    r = post(docs_path(coll), {"data": [{"Bar": False, "Foo": "foo"}]})
    expect("add_generated_id", r, 200,
           {"data": [status(coll, GEN_ID, "ADDED")], "last_offset": OFFSET}, "DocumentsResponse")
    gen = r.body["data"][0]["_id"] if r.status == 200 else "?"
    rl.wait_fence(WS, coll, r.body.get("last_offset", ""))
    check_match("generated_id_stored", fetch(coll, gen),
                {"_id": gen, "_event_time": EVENT_TIME, "Bar": False, "Foo": "foo"})

    r = post(docs_path(coll), {"data": [{"_id": "a", "x": 1, "keep": "old"},
                                        {"_id": "b", "x": 2}]})
    expect("add_with_ids", r, 200, {"data": [status(coll, "a", "ADDED"),
                                             status(coll, "b", "ADDED")],
                                    "last_offset": OFFSET}, "DocumentsResponse")
    r = post(docs_path(coll), {"data": [{"_id": "a", "x": 10}]})
    expect("upsert", r, 200, {"data": [status(coll, "a", rl.OneOf("ADDED", "REPLACED"))],
                              "last_offset": OFFSET}, "DocumentsResponse")
    rl.wait_fence(WS, coll, r.body.get("last_offset", ""))
    check_match("upsert_replaces_whole_doc", fetch(coll, "a"),
                {"_id": "a", "_event_time": EVENT_TIME, "x": 10})
    res = rl.rows(f"SELECT COUNT(*) AS n FROM {WS}.{coll}")
    check_match("upsert_no_duplicate", res, [{"n": 3}])


@case
def many_docs_one_request():
    coll = uniq("dmany")
    rl.make_coll(WS, coll)
    docs = [{"_id": f"m{i:04d}", "i": i} for i in range(500)]
    r = post(docs_path(coll), {"data": docs})
    expect("add_500", r, 200, {"data": [status(coll, f"m{i:04d}", "ADDED") for i in range(500)],
                               "last_offset": OFFSET}, "DocumentsResponse")
    rl.wait_fence(WS, coll, r.body.get("last_offset", ""))
    res = rl.rows(f"SELECT COUNT(*) AS n, SUM(i) AS s FROM {WS}.{coll}")
    check_match("all_stored", res, [{"n": 500, "s": sum(range(500))}])


@case
def doc_count_limit():
    coll = uniq("dlim")
    rl.make_coll(WS, coll)
    r = post(docs_path(coll), {"data": [{"_id": str(i)} for i in range(20001)]})
    expect_error("over_20000_docs", r, 413, "CONTENTTOOLARGE", message=rl.mentions("20000"))
    r = post(docs_path(coll), {"data": [{"_id": str(i)} for i in range(20000)]})
    expect("exactly_20000_docs", r, 200, {"data": Type("array"), "last_offset": OFFSET},
           "DocumentsResponse")
    rl.wait_fence(WS, coll, r.body.get("last_offset", "") if r.status == 200 else "")
    check_match("count", rl.rows(f"SELECT COUNT(*) AS n FROM {WS}.{coll}"), [{"n": 20000}])


@case
def patch_ops():
    coll = uniq("dpatch")
    rl.make_coll(WS, coll)
    rl.add_docs(WS, coll, [{"_id": "p", "a": 1, "b": {"c": 2}, "arr": [1, 2], "s": "x",
                            "n": {"deep": {"k": "v"}}}])
    ops = [
        {"op": "replace", "path": "/a", "value": 10},
        {"op": "ADD", "path": "/b/d", "value": [True, None]},
        {"op": "Remove", "path": "/s"},
        {"op": "copy", "from": "/a", "path": "/a2"},
        {"op": "MOVE", "from": "/b/c", "path": "/c"},
        {"op": "test", "path": "/a", "value": 10},
        {"op": "increment", "path": "/a", "value": 5},
        {"op": "add", "path": "/arr/-", "value": 3},
        {"op": "replace", "path": "/n/deep/k", "value": {"obj": 1}},
    ]
    r = patch(docs_path(coll), {"data": [{"_id": "p", "patch": ops}]})
    expect("patch", r, 200, {"data": [status(coll, "p", "PATCHED", PATCH_ID)],
                             "last_offset": OFFSET}, "DocumentsResponse")
    rl.wait_fence(WS, coll, r.body.get("last_offset", ""))
    check_match("patched_doc", fetch(coll, "p"),
                {"_id": "p", "_event_time": EVENT_TIME, "a": 15, "a2": 10,
                 "b": {"d": [True, None]}, "c": 2, "arr": [1, 2, 3],
                 "n": {"deep": {"k": {"obj": 1}}}})

    r = patch(docs_path(coll), {"data": [{"_id": "p", "patch": [
        {"op": "increment", "path": "/a", "value": -20},
        {"op": "add", "path": "/arr/0", "value": 0},
        {"op": "remove", "path": "/arr/2"}]}]})
    check("patch_increment_negative/status", r.status == 200, repr(r))
    rl.wait_fence(WS, coll, r.body.get("last_offset", ""))
    got = fetch(coll, "p") or {}
    check_match("patch_increment_negative/doc", {"a": got.get("a"), "arr": got.get("arr")},
                {"a": -5, "arr": [0, 1, 3]})


@case
def int64_and_odd_ids():
    coll = uniq("dint")
    rl.make_coll(WS, coll)
    ids = ["a/b", "\u00e9t\u00e9 \u2603", "with space", "quote\"s", "x" * 200]
    docs = [{"_id": i, "n": 9007199254740993} for i in ids]
    r = post(docs_path(coll), {"data": docs})
    expect("add_odd_ids", r, 200, {"data": [status(coll, i, "ADDED") for i in ids],
                                   "last_offset": OFFSET}, "DocumentsResponse")
    r = patch(docs_path(coll), {"data": [{"_id": ids[0], "patch": [
        {"op": "increment", "path": "/n", "value": 1},
        {"op": "add", "path": "/max", "value": 9223372036854775807},
        {"op": "add", "path": "/big_in_obj", "value": {"v": [-9223372036854775808]}}]}]})
    expect("patch_int64", r, 200, {"data": [status(coll, ids[0], "PATCHED", PATCH_ID)],
                                   "last_offset": OFFSET}, "DocumentsResponse")
    rl.wait_fence(WS, coll, r.body.get("last_offset", ""))
    check_match("int64_exact_after_patch", fetch(coll, ids[0]),
                {"_id": ids[0], "_event_time": EVENT_TIME, "n": 9007199254740994,
                 "max": 9223372036854775807, "big_in_obj": {"v": [-9223372036854775808]}})
    for k, i in enumerate(ids[1:]):
        check_match(f"odd_id_{k}", fetch(coll, i), {"_id": i, "_event_time": EVENT_TIME,
                                                    "n": 9007199254740993})
    r = delete(docs_path(coll), {"data": [{"_id": ids[1]}]})
    expect("delete_odd_id", r, 200, {"data": [status(coll, ids[1], "DELETED")],
                                     "last_offset": OFFSET}, "DocumentsResponse")


@case
def pointer_escapes_and_duplicates():
    coll = uniq("desc")
    rl.make_coll(WS, coll)
    rl.add_docs(WS, coll, [{"_id": "e", "a/b": 1, "m~n": 2, "arr": ["x", "z"]}])
    r = patch(docs_path(coll), {"data": [{"_id": "e", "patch": [
        {"op": "replace", "path": "/a~1b", "value": 10},
        {"op": "replace", "path": "/m~0n", "value": 20},
        {"op": "add", "path": "/arr/1", "value": "y"}]}]})
    expect("escaped_paths", r, 200, {"data": [status(coll, "e", "PATCHED", PATCH_ID)],
                                     "last_offset": OFFSET}, "DocumentsResponse")
    rl.wait_fence(WS, coll, r.body.get("last_offset", ""))
    check_match("escaped_paths_doc", fetch(coll, "e"),
                {"_id": "e", "_event_time": EVENT_TIME, "a/b": 10, "m~n": 20,
                 "arr": ["x", "y", "z"]})
    r = patch(docs_path(coll), {"data": [{"_id": "e", "patch": [
        {"op": "remove", "path": "/no_such_field"}]}]})
    check_match("remove_missing_is_error",
                r.body["data"][0]["status"] if r.status == 200 else r, "ERROR")
    r = post(docs_path(coll), {"data": [{"_id": "dup", "v": 1}, {"_id": "dup", "v": 2}]})
    check("duplicate_ids_in_one_request/status", r.status == 200, repr(r))
    rl.wait_fence(WS, coll, r.body.get("last_offset", "") if r.status == 200 else "")
    check_match("duplicate_ids_last_wins", fetch(coll, "dup"),
                {"_id": "dup", "_event_time": EVENT_TIME, "v": 2})
    check_match("duplicate_ids_one_doc", rl.rows(
        f"SELECT COUNT(*) AS n FROM {WS}.{coll} WHERE _id = 'dup'"), [{"n": 1}])


@case
def patch_failure_is_per_document():
    coll = uniq("dpfail")
    rl.make_coll(WS, coll)
    rl.add_docs(WS, coll, [{"_id": "q", "a": 1}, {"_id": "r", "a": 1}])
    r = patch(docs_path(coll), {"data": [
        {"_id": "q", "patch": [{"op": "test", "path": "/a", "value": 2},
                               {"op": "replace", "path": "/a", "value": 3}]},
        {"_id": "r", "patch": [{"op": "replace", "path": "/a", "value": 4}]}]})
    err = Type("object")
    expect("mixed", r, 200, {"data": [
        {"_id": "q", "_collection": coll, "status": "ERROR", "error": err,
         "patch_id": Type("string|null")},
        status(coll, "r", "PATCHED", PATCH_ID)], "last_offset": OFFSET}, "DocumentsResponse")
    rl.wait_fence(WS, coll, r.body.get("last_offset", ""))
    check_match("failed_doc_unchanged", fetch(coll, "q"),
                {"_id": "q", "_event_time": EVENT_TIME, "a": 1})
    check_match("other_doc_patched", fetch(coll, "r"),
                {"_id": "r", "_event_time": EVENT_TIME, "a": 4})
    r = patch(docs_path(coll), {"data": [{"_id": "q", "patch": [{"op": "frobnicate",
                                                                 "path": "/a"}]}]})
    check("unknown_op_rejected", r.status == 400 or (
        r.status == 200 and r.body["data"][0].get("status") == "ERROR"), repr(r))


@case
def delete_docs():
    coll = uniq("ddel")
    rl.make_coll(WS, coll)
    rl.add_docs(WS, coll, [{"_id": "k1"}, {"_id": "k2"}, {"_id": "k3"}])
    r = delete(docs_path(coll), {"data": [{"_id": "k1"}, {"_id": "k3"}]})
    expect("delete", r, 200, {"data": [status(coll, "k1", "DELETED"),
                                       status(coll, "k3", "DELETED")],
                              "last_offset": OFFSET}, "DocumentsResponse")
    rl.wait_fence(WS, coll, r.body.get("last_offset", ""))
    res = rl.rows(f"SELECT _id FROM {WS}.{coll} ORDER BY _id")
    check_match("remaining", res, [{"_id": "k2"}])


@case
def offsets_and_fence():
    coll = uniq("dfence")
    rl.make_coll(WS, coll)
    offs = []
    for i in range(3):
        r = post(docs_path(coll), {"data": [{"_id": f"f{i}"}]})
        offs.append(r.body.get("last_offset") if r.status == 200 else None)
    check("offsets_distinct", len(set(offs)) == 3 and None not in offs, str(offs))
    check("offsets_increase_as_strings", None not in offs and offs == sorted(offs), str(offs))
    fence_resp = {"data": {"passed": True, "fence": offs[2]}, "offsets": {"commit": OFFSET}}
    r = post(f"{coll_path(WS, coll)}/offsets/commit", {"name": [offs[0], offs[2], offs[1]]})
    expect("post_fence_largest", r, 200, fence_resp, "CommitFence")
    commit = r.body.get("offsets", {}).get("commit") if isinstance(r.body, dict) else None
    r = get(f"{coll_path(WS, coll)}/offsets/commit?fence={offs[1]}")
    expect("get_fence", r, 200, {"data": {"passed": True, "fence": offs[1]},
                                 "offsets": {"commit": OFFSET}}, "CommitFence")
    # the commit offset is at least the newest write: fencing on it passes and names it
    r = post(f"{coll_path(WS, coll)}/offsets/commit", {"name": [offs[2], commit]})
    expect("commit_is_newest", r, 200, {"data": {"passed": True, "fence": commit},
                                        "offsets": {"commit": commit}}, "CommitFence")
    enc = urllib.parse.quote(offs[1], safe="")
    r = get(f"{coll_path(WS, coll)}/offsets/commit?fence={enc}")
    expect("get_fence_url_encoded", r, 200, {"data": {"passed": True, "fence": offs[1]},
                                             "offsets": {"commit": OFFSET}}, "CommitFence")
    r = post(f"{coll_path(WS, coll)}/offsets/commit", {"name": []})
    check("post_fence_empty/status", r.status == 200, repr(r))
    check_match("post_fence_empty/passed", (r.body or {}).get("data", {}).get("passed")
                if isinstance(r.body, dict) else None, True)
    r = get(f"{coll_path(WS, uniq('nofence'))}/offsets/commit?fence={offs[0]}")
    check("fence_missing_collection", r.status == 404, repr(r))


@case
def ingest_delay_and_fence():
    slow = int(rl.SLOW)  # valgrind: a request can outlast the delay
    srv = rl.start_server("--ingest-delay-ms", str(400 * slow))
    url = srv.url
    coll = uniq("dlag")
    rl.make_coll("commons", coll, url=url)
    t0 = time.monotonic()
    r = post(f"{coll_path('commons', coll)}/docs", {"data": [{"_id": "late", "v": 1}]}, url=url)
    off = r.body.get("last_offset") if r.status == 200 else ""
    f = get(f"{coll_path('commons', coll)}/offsets/commit?fence={off}", url=url)
    expect("fence_not_passed_yet", f, 200, {"data": {"passed": False, "fence": off},
                                            "offsets": {"commit": Type("string|null")}},
           "CommitFence")
    res = rl.rows(f"SELECT _id FROM commons.{coll}", url=url)
    check_match("invisible_before_fence", res, [])
    f = rl.wait_fence("commons", coll, off, url=url, timeout=5 * slow)
    elapsed = time.monotonic() - t0
    expect("fence_passes", f, 200, {"data": {"passed": True, "fence": off},
                                    "offsets": {"commit": OFFSET}}, "CommitFence")
    check("fence_passes_after_delay", 0.35 * slow <= elapsed <= 3.0 * slow, f"{elapsed:.3f}s")
    res = rl.rows(f"SELECT _id, v FROM commons.{coll}", url=url)
    check_match("visible_after_fence", res, [{"_id": "late", "v": 1}])
    srv.stop()


@case
def event_time():
    coll = uniq("devt")
    rl.make_coll(WS, coll, extra={"event_time_info": {"field": "ts",
                                                      "format": "milliseconds_since_epoch"}})
    r = rl.add_docs(WS, coll, [{"_id": "e1", "ts": 1700000000123}])
    rl.wait_fence(WS, coll, r.body.get("last_offset", ""))
    check_match("from_event_time_info", fetch(coll, "e1"),
                {"_id": "e1", "_event_time": "2023-11-14T22:13:20.123000Z", "ts": 1700000000123})
    coll2 = uniq("devt2")
    rl.make_coll(WS, coll2)
    before = time.time()
    r = rl.add_docs(WS, coll2, [{"_id": "e2"}])
    rl.wait_fence(WS, coll2, r.body.get("last_offset", ""))
    doc = fetch(coll2, "e2") or {}
    check_match("ingest_time_format", doc, {"_id": "e2", "_event_time": EVENT_TIME})
    try:
        evt = calendar.timegm(time.strptime(doc.get("_event_time", "")[:19], "%Y-%m-%dT%H:%M:%S"))
        near = abs(evt - before) < 60
    except ValueError:
        near = False
    check("ingest_time_is_now_utc", near, f"{doc.get('_event_time')} vs now")


@case
def supplied_event_time():
    coll = uniq("dsup")
    rl.make_coll(WS, coll)
    r = rl.add_docs(WS, coll, [{"_id": "s1", "_event_time": "2024-01-02T03:04:05.250000Z"}])
    rl.wait_fence(WS, coll, r.body.get("last_offset", ""))
    check_match("kept", fetch(coll, "s1"), {"_id": "s1",
                                            "_event_time": "2024-01-02T03:04:05.250000Z"})


@case
def meta_ignored():
    coll = uniq("dmeta")
    rl.make_coll(WS, coll)
    r = rl.add_docs(WS, coll, [{"_id": "mm", "_meta": {"x": 1}, "v": 1}])
    rl.wait_fence(WS, coll, r.body.get("last_offset", ""))
    check_match("user_meta_dropped", fetch(coll, "mm"),
                {"_id": "mm", "_event_time": EVENT_TIME, "v": 1, "_meta": Opt(rl.Pred(
                    lambda m: m != {"x": 1}, "not the user's _meta"))})


@case
def errors():
    coll = uniq("derr")
    rl.make_coll(WS, coll)
    missing = uniq("nodocs")
    r = post(docs_path(missing), {"data": [{"a": 1}]})
    expect_error("add_missing_collection", r, 404, "NOTFOUND",
                 message=f'Collection "{missing}" does not exist in workspace "{WS}"',
                 message_key="COLLECTION_DOES_NOT_EXIST")
    r = post(docs_path(coll), {"docs": [{"a": 1}]})
    expect_error("add_without_data", r, 400, rl.OneOf("INVALIDINPUT", "BADREQUEST"),
                 message=rl.mentions("data"))
    r = post(docs_path(coll), {"data": {"a": 1}})
    expect_error("add_data_not_array", r, 400, rl.OneOf("INVALIDINPUT", "BADREQUEST"))
    r = delete(docs_path(coll), {"data": [{"nope": 1}]})
    check("delete_without_id", r.status == 400 or (
        r.status == 200 and r.body["data"][0].get("status") == "ERROR"), repr(r))
    r = patch(docs_path(coll), {"data": [{"_id": "x"}]})
    check("patch_without_ops", r.status == 400 or (
        r.status == 200 and r.body["data"][0].get("status") == "ERROR"), repr(r))



@case
def non_object_documents_fail_alone():
    """A string, null or bool in "data" fails that document only (it once answered 500 and
    rolled back the whole batch); an empty _id is refused, since nothing could address it."""
    coll = uniq("dnon")
    rl.make_coll(WS, coll)
    r = post(docs_path(coll), {"data": ["x", None, True, {"_id": "ok", "v": 1}, {"_id": ""}]})
    check("status_200", r.status == 200, repr(r))
    got = [(d.get("status"), (d.get("error") or {}).get("message")) for d in r.body.get("data", [])]
    check("per_document_statuses", got == [
        ("ERROR", "document must be a JSON object"),
        ("ERROR", "document must be a JSON object"),
        ("ERROR", "document must be a JSON object"),
        ("ADDED", None),
        ("ERROR", "_id must not be empty"),
    ], repr(got))
    rl.wait_fence(WS, coll, r.body.get("last_offset", ""))
    check_match("the_good_one_stored", fetch(coll, "ok"),
                {"_id": "ok", "_event_time": EVENT_TIME, "v": 1})


rl.done()
