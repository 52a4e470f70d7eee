#!/usr/bin/env python3
"""order_bench.py - top-N through the `rockset` virtual table: ORDER BY ... LIMIT sent to Rockset.

    B=build tests/bench/order_bench.py                         # its own rockset-local, 1,000,000 docs
    RS_BENCH_ORDER_DOCS=100000 B=build tests/bench/order_bench.py
    tests/bench/run.sh (make bench) runs it on bench.py's collection, with RS_BENCH_URL/KEY set.

Environment: B (build dir); RS_BENCH_URL / RS_BENCH_KEY (a running server; without them a
rockset-local is started on port 0 and stopped at the end); RS_BENCH_ORDER_COLL (ws.coll of an
existing collection of bench.py's documents {_id: "k%07d", x: k, y: "s<k % 97>", z: k / 4};
without it such a collection of RS_BENCH_ORDER_DOCS documents, default 1,000,000, is loaded);
RS_BENCH_MARKDOWN (a file the table is written to). Loading 1,000,000 documents takes about 25 s
on 2 CPUs, the measurements about a minute.

Each query runs through the virtual table twice in the same connection: with pushdown (the
extension's figures) and with rockset_config('pushdown', 0) (the baseline: every document is
read and SQLite sorts). Reported: bytes received and requests (from rockset_stats(), the plan's
collection statistics warmed up first), seconds (median of RUNS), and whether the rows are
identical (every query's order is total, so they must be). The headline query's MAIN SQL (the
last the extension sent) also runs as one raw POST, no extension at all: the least any client
receives for it; the extension's time beyond it is REST's (the rows of the other types). Goals: the 10 rows of a top-10 arrive in under 16 KB; rows identical; times are
reported, never asserted. Exits non-zero when a goal is missed.
"""
import json
import os
import shutil
import statistics
import subprocess
import sqlite3
import sys
import tempfile
import time
import urllib.request

B = os.environ.get("B", "build")
DOCS = int(os.environ.get("RS_BENCH_ORDER_DOCS", "1000000"))
RUNS = 3
BATCH = 5000
GOAL_BYTES = 16 * 1024


def log(msg):
    print(f"order_bench: {msg}", file=sys.stderr, flush=True)


def start_server(work):
    """A rockset-local of our own: (process, url, key)."""
    key = f"order_bench_{os.getpid()}"
    port_file = os.path.join(work, "port")
    proc = subprocess.Popen([os.path.join(B, "rockset-local"), "--port", "0", "--port-file",
                             port_file, "--api-key", key],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(port_file) and open(port_file).read().strip():
            return proc, "http://127.0.0.1:" + open(port_file).read().strip(), key
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("order_bench: rockset-local did not start")


def post(url, key, path, body):
    req = urllib.request.Request(url + path, data=body.encode(), method="POST",
                                 headers={"Authorization": f"ApiKey {key}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        return resp.read()


def load(db, url, key, coll):
    """coll filled with DOCS documents posted in batches (the write API, no extension)."""
    ws, name = coll.split(".")
    db.execute(f"SELECT rockset_create_workspace('{ws}')")
    db.execute(f"SELECT rockset_create_collection('{coll}')")
    t = time.perf_counter()
    for start in range(0, DOCS, BATCH):
        docs = [{"_id": "k%07d" % k, "x": k, "y": "s%d" % (k % 97), "z": k / 4}
                for k in range(start, min(DOCS, start + BATCH))]
        post(url, key, f"/v1/orgs/self/ws/{ws}/collections/{name}/docs",
             json.dumps({"data": docs}, separators=(",", ":")))
    log(f"loaded {DOCS:,} documents in {time.perf_counter() - t:.1f}s")


def stats(db):
    return json.loads(db.execute("SELECT rockset_stats()").fetchone()[0])


def measure(db, sql, pushdown):
    """(rows, median seconds, bytes received, requests) of sql, RUNS times."""
    db.execute(f"SELECT rockset_config('pushdown', {pushdown})")
    db.execute("SELECT count(*) FROM ev WHERE 0").fetchall()  # plan statistics, fence
    secs, rows = [], None
    for _ in range(RUNS):
        before = stats(db)
        t = time.perf_counter()
        rows = db.execute(sql).fetchall()
        secs.append(time.perf_counter() - t)
        after = stats(db)
    db.execute("SELECT rockset_config('pushdown', 1)")
    return (rows, statistics.median(secs), after["bytes_received"] - before["bytes_received"],
            after["requests"] - before["requests"], after["last_sql"])


def raw_query(url, key, sql, limit):
    """(bytes, median seconds) of the answer to one POST of sql (its LIMIT parameter bound), no
    extension: how much of the extension's time is the server's."""
    body = json.dumps({"sql": {"query": sql, "parameters": [
        {"name": "p1", "type": "int", "value": str(limit)}]}})
    secs = []
    for _ in range(RUNS):
        t = time.perf_counter()
        size = len(post(url, key, "/v1/orgs/self/queries", body))
        secs.append(time.perf_counter() - t)
    return size, statistics.median(secs)


def main():
    work = tempfile.mkdtemp(prefix="rs-order-bench.")
    proc = None
    url, key = os.environ.get("RS_BENCH_URL"), os.environ.get("RS_BENCH_KEY")
    if not url:
        proc, url, key = start_server(work)
    os.environ["ROCKSET_APIKEY"], os.environ["ROCKSET_APISERVER"] = key, url
    coll = os.environ.get("RS_BENCH_ORDER_COLL")
    try:
        db = sqlite3.connect(":memory:", isolation_level=None, cached_statements=0)
        db.enable_load_extension(True)
        db.load_extension(os.path.join(B, "rockset_ext"))
        db.execute("SELECT rockset_config('page_size', 10000)")
        if not coll:
            coll = "order_bench.events"
            load(db, url, key, coll)
        db.execute(f"CREATE VIRTUAL TABLE ev USING rockset('{coll}',"
                   " columns='x INTEGER, y TEXT, z REAL')")
        n = db.execute("SELECT count(*) FROM ev").fetchone()[0]  # waits on the commit fence
        return report(db, url, key, n)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


QUERIES = [  # (label, sql, headline)
    ("latest 10: ORDER BY x DESC LIMIT 10", "SELECT * FROM ev ORDER BY x DESC LIMIT 10", True),
    ("filtered: WHERE y = 's5' ORDER BY z DESC LIMIT 10",
     "SELECT * FROM ev WHERE y = 's5' ORDER BY z DESC LIMIT 10", False),
    ("two keys: ORDER BY y, x DESC LIMIT 10",
     "SELECT _id, x, y FROM ev ORDER BY y, x DESC LIMIT 10", False),
    ("deep page: ORDER BY x LIMIT 10 OFFSET 5000",
     "SELECT _id, x FROM ev ORDER BY x LIMIT 10 OFFSET 5000", False),
]


def report(db, url, key, n):
    lines = ["| query | pushdown on | pushdown off (baseline) | bytes on/off | time on/off "
             "| rows identical | goal met |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    ok_all = True
    for label, sql, headline in QUERIES:
        log(f"{label} (pushdown on, then off)")
        on_rows, on_s, on_b, on_r, on_sql = measure(db, sql, 1)
        off_rows, off_s, off_b, off_r, _ = measure(db, sql, 0)
        same = on_rows == off_rows and len(on_rows) == 10
        ok = same and (not headline or on_b < GOAL_BYTES)
        ok_all = ok_all and ok
        lines.append(f"| {label} | {on_b:,} B, {on_r} requests, {on_s:.3f}s | {off_b:,} B,"
                     f" {off_r} requests, {off_s:.3f}s | {on_b / off_b:.5f} | {on_s / off_s:.2f}"
                     f" | {'yes' if same else 'NO'} | {'yes' if ok else 'NO'} |")
        if headline:
            raw, raw_s = raw_query(url, key, on_sql, 10)
            lines.append(f"| latest 10: its MAIN SQL as one raw POST (no extension) | {on_b:,} B,"
                         f" {on_s:.3f}s (extension) | {raw:,} B, {raw_s:.3f}s (raw) |"
                         f" {on_b / raw:.2f} | {on_s / raw_s:.2f} | - | - |")
    table = "\n".join(lines)
    text = (f"## Top-N through the virtual table (order_bench.py)\n\n{n:,} documents"
            f" {{_id, x: int, y: one of 97 strings, z: float}}, page size 10,000; times are the"
            f" median of {RUNS} runs. Goal: the 10 rows of the latest-10 query in under"
            f" {GOAL_BYTES // 1024} KB, every answer identical with pushdown off.\n\n{table}\n")
    print(text)
    md = os.environ.get("RS_BENCH_MARKDOWN")
    if md:
        with open(md, "w") as f:
            f.write(text)
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
