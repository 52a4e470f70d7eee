#!/usr/bin/python3
"""rt_split.py - where the real-time slowdown comes from: the same 8 query clients under
several kinds of load, one after the other, on one server.

    tests/bench/dashboard/rt_split.py DATASET_DIR [SCENARIOS] [-- SERVER FLAGS...]

DATASET_DIR is gen.py's output (run.py caches it under build/bench/dashboard/). SCENARIOS is a
comma list (default idle,hog,other,same,idle), each run for SECONDS (10):

    idle   the 8 clients alone
    hog    the clients beside a process that keeps one core busy (CPU taken, nothing shared)
    other  the clients while a writer posts 5,000 workflow_job copies/s into another collection
           (commons.other): what a stream costs queries that do not read it
    same   the same stream into commons.workflow_job, which the queries read (run.py's real
           time; the windows grow, so the idle run after it is its fair baseline)
    tick   one document a commit into commons.other, 10 commits/s as the stream makes: what a
           commit alone costs the queries
    sparse one document into commons.other every 1.5 s: writes with pauses between them, each
           pause long enough for the column replica's checkpoint (replica.c QUIET_MS)

Printed per scenario: queries run, p50 / p95 over queries of each query's median server ms
(whole milliseconds), the same without the wait for a query slot ("exec"), the same of the
client's round trip (finer: CLIENTS=1 shows what a commit costs one query), and the writer's
achieved docs/s and median batch ms, and the server's CPU time (every thread) per query run,
the writer's work included. CLIENTS sets the number of query clients (default 8). The per-query medians go to build/bench/rt_split.json.
"""
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lib  # noqa: E402
import run  # noqa: E402
from queries import QUERIES  # noqa: E402

SECONDS = 10
RATE, BATCH = 5000, 500
CLIENTS = int(os.environ.get("CLIENTS", "8"))  # query clients (8: run.py's real time)


def writer(srv, templates, coll, seconds, out, batch=BATCH, rate=RATE):
    conn, n, started, ms = srv.connection(), 0, time.monotonic(), []
    while time.monotonic() - started < seconds:
        due = started + n / rate
        if due > time.monotonic():
            time.sleep(due - time.monotonic())
        docs = []
        for i in range(batch):
            d = dict(templates[(n + i) % len(templates)])
            d["_id"], d["id"] = f"{coll}-{n + i}-{time.time()}", 40_000_000_000 + n + i
            docs.append(d)
        t0 = time.monotonic()
        srv.call("POST", f"/v1/orgs/self/ws/commons/collections/{coll}/docs", {"data": docs},
                 conn=conn)
        ms.append((time.monotonic() - t0) * 1e3)
        n += batch
    out.send((n / (time.monotonic() - started), statistics.median(ms)))


def scenario(srv, params, templates, name):
    stop, lock, samples = threading.Event(), threading.Lock(), []

    def client(k):
        conn, i = srv.query_conn(), k * 4
        while not stop.is_set():
            q = QUERIES[i % len(QUERIES)]
            r = lib.timed_query(srv, q, params, 60, conn=conn)
            if r["status"] == "ok":
                with lock:
                    samples.append((q["id"], r["server_ms"], r["server_ms"] - r["throttled_ms"],
                                    r["client_ms"]))
            i += 1

    hog = subprocess.Popen(["sh", "-c", "while :; do :; done"]) if name == "hog" else None
    proc = results = None
    if name in ("other", "same", "tick", "sparse"):
        batch, rate = {"tick": (1, 10), "sparse": (1, 1 / 1.5)}.get(name, (BATCH, RATE))
        results, sink = multiprocessing.Pipe(False)
        proc = multiprocessing.get_context("fork").Process(
            target=writer, args=(srv, templates, "workflow_job" if name == "same" else "other",
                                 SECONDS, sink, batch, rate))
        proc.start()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    cpu0 = srv.cpu_seconds()
    for t in threads:
        t.start()
    time.sleep(SECONDS)
    stop.set()
    for t in threads:
        t.join()
    cpu = srv.cpu_seconds() - cpu0
    wrote = ""
    if hog:
        hog.kill()
    if proc:
        wrote = "writer %.0f docs/s, batch %.0f ms" % results.recv()
        proc.join()
    per = {}
    for qid, server, execd, client in samples:
        per.setdefault(qid, []).append((server, execd, client))
    med = [statistics.median(x[0] for x in v) for v in per.values()]
    emed = [statistics.median(x[1] for x in v) for v in per.values()]
    cmed = [statistics.median(x[2] for x in v) for v in per.values()]
    print(f"{name:6s} runs {len(samples):5d}  server p50 {lib.median(med):.1f} p95 "
          f"{lib.pct(med, 0.95):.1f}  exec p50 {lib.median(emed):.1f} p95 "
          f"{lib.pct(emed, 0.95):.1f}  client p50 {lib.median(cmed):.2f} p95 "
          f"{lib.pct(cmed, 0.95):.2f}  server CPU {cpu / max(len(samples), 1) * 1e6:.0f} us/query"
          f"  {wrote}", flush=True)
    return {q: [statistics.median(x[1] for x in v), statistics.median(x[2] for x in v)]
            for q, v in per.items()}


def main():
    args = sys.argv[1:]
    flags = args[args.index("--") + 1:] if "--" in args else []
    args = args[:args.index("--")] if "--" in args else args
    data = args[0]
    names = (args[1] if len(args) > 1 else "idle,hog,other,same,idle").split(",")
    params = json.load(open(os.path.join(data, "params.json")))
    templates = lib.recent_jobs(data)
    work = tempfile.mkdtemp(prefix="rl-rtsplit-")
    srv = lib.Server(os.environ.get("ROCKSET_LOCAL", "build/rockset-local"), work, "rtsplit",
                     *flags)
    try:
        lib.load(srv, [os.path.join(data, "history"), os.path.join(data, "recent")])
        srv.ok("POST", "/v1/orgs/self/ws/commons/collections", {"name": "other"})
        run.warm_up(srv, params, 60)
        out = [(n, scenario(srv, params, templates, n)) for n in names]
    finally:
        srv.stop()
    os.makedirs("build/bench", exist_ok=True)
    with open("build/bench/rt_split.json", "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
