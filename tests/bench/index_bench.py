#!/usr/bin/python3
"""rockset-local's field indexes (docs/indexing.md): selective filters and top-N at two sizes,
and what indexing costs ingest. Ratios are measured in one run, on servers started here.

    tests/bench/index_bench.py [ROCKSET_LOCAL] [N_SMALL] [N_LARGE]

Defaults: build/rockset-local, 100,000 and 1,000,000 documents (RS_BENCH_QUICK=1: 10,000 and
100,000). One server (field indexes on) holds b.small and b.large; each query runs 15 times on
each collection, alternating, and the best client-side time (loopback HTTP included: the best,
not the median, because a shared 2-core machine adds noise only upwards) and the server's
median stats.elapsed_time_ms are reported, with the ratio large / small (a scan gives about
N_LARGE / N_SMALL; the goal is at most 2, and under 10 ms at the large size). A second server
with --field-index off loads N_SMALL documents the same way: ingest docs/s with the index divided
by docs/s without (goal at least 0.5), and the scan time of each query there, for reference.
Every query's rows must be the same with and without the index (checked on b.small).
"""
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

KEY = "bench-key-index-0123456789"
BATCH = 2000
QUERIES = [
    ("equality, top-level field", "SELECT _id FROM b.{c} WHERE user = 'u4242'"),
    ("equality, nested field", "SELECT _id FROM b.{c} WHERE n.k = 4242"),
    ("narrow range (10 values)", "SELECT _id FROM b.{c} WHERE t BETWEEN 5000 AND 5009 ORDER BY _id"),
    ("IN list of 10", "SELECT _id FROM b.{c} WHERE user IN ('u1', 'u12', 'u123', 'u1234', "
     "'u2', 'u23', 'u234', 'u2345', 'u3', 'u34') ORDER BY _id"),
    ("top-N: ORDER BY t DESC LIMIT 10", "SELECT _id, t FROM b.{c} ORDER BY t DESC LIMIT 10"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, *flags):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="rl-index-bench-", suffix=".log")
        self.proc = subprocess.Popen([binary, "--port", str(self.port), "--data", ":memory:",
                                      "--api-key", KEY, *flags],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def call(self, method, path, body=None):
        self.conn.request(method, path, json.dumps(body) if body is not None else None,
                          {"Authorization": "ApiKey " + KEY,
                           "Content-Type": "application/json"})
        r = self.conn.getresponse()
        data = json.loads(r.read() or b"{}")
        if r.status >= 300:
            raise RuntimeError(f"{method} {path}: {r.status} {data}")
        return data

    def query(self, sql):
        return self.call("POST", "/v1/orgs/self/queries", {"sql": {"query": sql}})

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def doc(i):
    return {"_id": f"d{i}", "user": f"u{i}", "n": {"k": i}, "t": i, "x": i % 1000,
            "kind": ("buy", "view", "cart")[i % 3], "tags": ["a", "b"]}


def load(srv, coll, n):
    """Create b.coll and add n documents; returns ingest docs/s (HTTP included)."""
    srv.call("POST", "/v1/orgs/self/ws/b/collections", {"name": coll})
    started = time.monotonic()
    for i in range(0, n, BATCH):
        srv.call("POST", f"/v1/orgs/self/ws/b/collections/{coll}/docs",
                 {"data": [doc(j) for j in range(i, min(n, i + BATCH))]})
    rate = n / (time.monotonic() - started)
    while srv.query(f"SELECT COUNT(*) AS n FROM b.{coll}")["results"][0]["n"] != n:
        time.sleep(0.05)
    return rate


def timed(srv, sql):
    started = time.monotonic()
    r = srv.query(sql)
    return time.monotonic() - started, r


def main():
    quick = os.environ.get("RS_BENCH_QUICK") == "1"
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/rockset-local"
    n_small = int(sys.argv[2]) if len(sys.argv) > 2 else (10_000 if quick else 100_000)
    n_large = int(sys.argv[3]) if len(sys.argv) > 3 else (100_000 if quick else 1_000_000)
    on = Server(binary)
    off = Server(binary, "--field-index", "off")
    failed = False
    try:
        for s in (on, off):
            s.call("POST", "/v1/orgs/self/ws", {"name": "b"})
        rate_on = load(on, "small", n_small)
        rate_off = load(off, "small", n_small)
        load(on, "large", n_large)
        print(f"| query | {n_small:,} docs (ms, best of 15) | {n_large:,} docs (ms) | "
              f"large / small | server ms at {n_large:,} (median) | index used | "
              f"scan, index off, {n_small:,} docs (ms) |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for label, sql in QUERIES:
            small, large, scan, server_ms = [], [], [], []
            used = None
            for _ in range(15):
                t, r_small = timed(on, sql.format(c="small"))
                small.append(t)
                t, r = timed(on, sql.format(c="large"))
                large.append(t)
                server_ms.append(r["stats"]["elapsed_time_ms"])
                used = r["stats"].get("index_used")
                t, r_off = timed(off, sql.format(c="small"))
                scan.append(t)
            if r_small["results"] != r_off["results"]:
                failed = True
                print(f"rows differ with and without the index for: {sql}", file=sys.stderr)
            ms_small, ms_large = min(small) * 1e3, min(large) * 1e3
            print(f"| {label} | {ms_small:.2f} | {ms_large:.2f} | {ms_large / ms_small:.2f} | "
                  f"{statistics.median(server_ms):.0f} | {used} | "
                  f"{min(scan) * 1e3:.2f} |")
        print(f"\nIngest of {n_small:,} documents in batches of {BATCH}: {rate_on:,.0f} docs/s "
              f"with field indexes, {rate_off:,.0f} without: ratio {rate_on / rate_off:.2f}.")
    finally:
        on.stop()
        off.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
