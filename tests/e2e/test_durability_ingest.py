"""test_durability_ingest.py - rockset-local keeps every write it acknowledged through kill -9
during heavy concurrent ingest (docs/reliability.md; docs/rockset-local.md: "a write that was acknowledged is never
lost, even if the process is killed").

Three rounds on one --data file. In each round six HTTP writers post batches of documents (and
patch or delete some they wrote before), and one sqlite3 shell with the extension inserts rows
through a `rockset` table in transactions, all at once; the server is killed with SIGKILL in the
middle and restarted on the same file. A write counts as acknowledged when its answer arrived:
HTTP 200 with the document's status ADDED / PATCHED / DELETED, or a COMMIT that returned without
error. After each restart:
  - every acknowledged document is there with exactly the content of its last acknowledged
    write, every acknowledged delete is gone (count and ids);
  - nothing appears that was never sent;
  - the commit fence of the last acknowledged offset reads as passed.
Prints "# durability: ..." figures (writes acknowledged, in flight at the kill).
"""
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import rl  # noqa: E402
from rl import case, check  # noqa: E402
from sqlshell import SqlShell  # noqa: E402

rl.set_prefix("durability_ingest")
SLOW = 20 if os.environ.get("RS_VALGRIND") == "1" else 1
WRITERS = 6
BATCH = 25
ROUNDS = 3


class Ledger:
    """What the clients were told: id -> expected doc (None = deleted), and every id sent."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked = {}
        self.sent = set()
        self.last_offset = None
        self.n_acked = 0
        self.n_failed = 0
        # id -> the states it may be in: a patch or delete in flight at the kill may or may not
        # have been applied before the answer was lost (either is right, nothing else is)
        self.doubt = {}


def http_writer(url, ws, coll, wid, rnd, ledger, stop):
    path = f"{rl.coll_path(ws, coll)}/docs"
    b = 0
    while not stop.is_set():
        b += 1
        docs = [{"_id": f"r{rnd}w{wid}b{b}k{k}", "w": wid, "b": b, "k": k,
                 "pad": "x" * (k * 7)} for k in range(BATCH)]
        with ledger.lock:
            ledger.sent.update(d["_id"] for d in docs)
        try:
            r = rl.request("POST", path, {"data": docs}, url=url, timeout=10 * SLOW)
        except OSError:
            with ledger.lock:
                ledger.n_failed += 1
            return
        if r.status != 200:
            with ledger.lock:
                ledger.n_failed += 1
            continue
        with ledger.lock:
            for d, st in zip(docs, r.body["data"]):
                if st.get("status") == "ADDED":
                    ledger.acked[d["_id"]] = {"w": wid, "b": b, "k": d["k"], "pad": d["pad"]}
                    ledger.n_acked += 1
            ledger.last_offset = r.body.get("last_offset")
        if b % 3 == 0:
            mutate(url, path, docs, wid, b, ledger)


def mutate(url, path, docs, wid, b, ledger):
    """Patch the first document of a batch and delete the second, recording what was acked."""
    patch = {"data": [{"_id": docs[0]["_id"],
                       "patch": [{"op": "replace", "path": "/k", "value": -1}]}]}
    dele = {"data": [{"_id": docs[1]["_id"]}]}
    for method, body, want in (("PATCH", patch, "PATCHED"), ("DELETE", dele, "DELETED")):
        _id = body["data"][0]["_id"]
        try:
            r = rl.request(method, path, body, url=url, timeout=10 * SLOW)
        except OSError:
            with ledger.lock:
                before = ledger.acked.get(_id)
                if before is not None:
                    after = None if want == "DELETED" else dict(before, k=-1)
                    ledger.doubt[_id] = [before, after]
            return
        ok = r.status == 200 and r.body["data"][0].get("status") == want
        with ledger.lock:
            if ok and want == "PATCHED" and ledger.acked.get(_id) is not None:
                ledger.acked[_id] = dict(ledger.acked[_id], k=-1)
            elif ok and want == "DELETED":
                ledger.acked[_id] = None
            if ok:
                ledger.n_acked += 1
                ledger.last_offset = r.body.get("last_offset") or ledger.last_offset


def sql_writer(sh, rnd, ledger, stop):
    tx = 0
    while not stop.is_set():
        tx += 1
        ids = [f"r{rnd}sql{tx}k{k}" for k in range(20)]
        rows = ", ".join(f"('{i}', {tx}, {k})" for k, i in enumerate(ids))
        with ledger.lock:
            ledger.sent.update(ids)
        try:
            out = sh.one(f"BEGIN; INSERT INTO t(_id, b, k) VALUES {rows}; COMMIT;",
                         timeout=60 * SLOW)
        except Exception:  # noqa: BLE001 - a hung or dead shell ends this writer
            return
        if out == "":
            with ledger.lock:
                for k, i in enumerate(ids):
                    ledger.acked[i] = {"b": tx, "k": k}
                ledger.n_acked += 1
        else:
            sh.one("ROLLBACK;")
            with ledger.lock:
                ledger.n_failed += 1
            if "cannot connect" in out:
                return


def read_all(url, ws, coll):
    """Every document, by paging with LIMIT/OFFSET on _id."""
    found = {}
    offset = 0
    while True:
        r = rl.query(f"SELECT * FROM {ws}.{coll} ORDER BY _id LIMIT 5000 OFFSET {offset}",
                     url=url)
        if r.status != 200:
            raise RuntimeError(f"read back: {r!r}")
        for d in r.body["results"]:
            found[d["_id"]] = {k: v for k, v in d.items() if k not in ("_id", "_event_time")}
        if len(r.body["results"]) < 5000:
            return found
        offset += 5000


def verify(url, ws, coll, ledger, rnd):
    found = read_all(url, ws, coll)
    with ledger.lock:
        acked = dict(ledger.acked)
        sent = set(ledger.sent)
        last = ledger.last_offset
        doubt = dict(ledger.doubt)
    # an operation in flight at the kill leaves its document in one of two states, no other
    undecided = [i for i, states in doubt.items() if found.get(i) not in states]
    check(f"round{rnd}/in_flight_ops_all_or_nothing", not undecided,
          f"{len(undecided)} documents neither before nor after their in-flight write, "
          f"e.g. {undecided[:1]}: {[found.get(i) for i in undecided[:1]]}")
    acked = {i: d for i, d in acked.items() if i not in doubt}
    live = {i: d for i, d in acked.items() if d is not None}
    missing = [i for i in live if i not in found]
    wrong = [i for i, d in live.items() if i in found and found[i] != d]
    resurrected = [i for i, d in acked.items() if d is None and i in found]
    invented = [i for i in found if i not in sent]
    check(f"round{rnd}/acknowledged_docs_present", not missing,
          f"{len(missing)} of {len(live)} acknowledged documents lost, e.g. {missing[:3]}")
    check(f"round{rnd}/acknowledged_content_exact", not wrong,
          f"{len(wrong)} documents differ, e.g. {wrong[:1]}: "
          f"{[found.get(i) for i in wrong[:1]]} vs {[live.get(i) for i in wrong[:1]]}")
    check(f"round{rnd}/acknowledged_deletes_stay_deleted", not resurrected,
          f"{len(resurrected)} deleted documents came back, e.g. {resurrected[:3]}")
    check(f"round{rnd}/nothing_invented", not invented, f"unknown ids {invented[:3]}")
    if last:
        g = rl.get(f"{rl.coll_path(ws, coll)}/offsets/commit?fence={last}", url=url)
        check(f"round{rnd}/last_acknowledged_fence_passed",
              g.status == 200 and g.body["data"].get("passed") is True, f"got {g!r}")
    return len(found), len(live)


@case
def kill9_during_concurrent_ingest():
    data = os.path.join(rl.OUT, f"{rl.uniq('ingest')}.db")
    srv = rl.start_server("--data", data, timeout=10.0 * SLOW)
    port = srv.port
    ws, coll = rl.uniq("ding"), rl.uniq("c")
    rl.make_ws(ws, url=srv.url)
    rl.make_coll(ws, coll, url=srv.url)
    ledger = Ledger()
    for rnd in range(1, ROUNDS + 1):
        sh = SqlShell(srv.url, rl.KEY, os.path.join(rl.OUT, f"{rl.uniq('ding_sh')}.tmp"))
        sh.one("SELECT rockset_config('retries', 0), rockset_config('batch_size', 7);")
        sh.one("SELECT rockset_connect();")
        out = sh.one(f"CREATE VIRTUAL TABLE t USING rockset(collection='{ws}.{coll}', "
                     "columns='b INTEGER, k INTEGER');")
        check(f"round{rnd}/table_created", out == "", f"got {out!r}")
        stop = threading.Event()
        threads = [threading.Thread(target=http_writer,
                                    args=(srv.url, ws, coll, w, rnd, ledger, stop))
                   for w in range(WRITERS)]
        threads.append(threading.Thread(target=sql_writer, args=(sh, rnd, ledger, stop)))
        for t in threads:
            t.start()
        before = ledger.n_acked
        deadline = time.monotonic() + 30 * SLOW
        while ledger.n_acked - before < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
        srv.kill9()
        stop.set()
        for t in threads:
            t.join(60 * SLOW)
        check(f"round{rnd}/writers_stopped", not any(t.is_alive() for t in threads),
              "a writer still runs 60 s after the kill")
        check(f"round{rnd}/shell_clean_exit", *sh.closed_cleanly())
        srv = rl.start_server("--data", data, "--port", str(port), timeout=10.0 * SLOW)
        n_found, n_live = verify(srv.url, ws, coll, ledger, rnd)
        print(f"# durability round {rnd}: {ledger.n_acked} acknowledged writes so far (documents, "
              "patches, deletes, transactions), "
              f"{ledger.n_failed} failed at the kill; {n_live} live documents acknowledged, "
              f"{n_found} present after restart", flush=True)
        check(f"round{rnd}/ingest_was_heavy", ledger.n_acked - before >= 300,
              f"only {ledger.n_acked - before} writes acknowledged before the kill")
    srv.stop()


rl.done()
