#!/usr/bin/python3
"""Query speed of rockset-local's SQL engine against a baseline build, measured in the same run.

    tests/bench/server_sql_bench.py NEW_BINARY BASE_BINARY [N_DOCS]

Starts both servers on free loopback ports, loads the same N_DOCS documents (default 100,000)
into each, then runs every query below alternately on the two servers, 5 times each, and prints
a Markdown table of the median times and the ratio new / base (a ratio above 1.10 is a slowdown
of more than 10 %). Both servers answer the same queries over HTTP with the same client, so the
ratio isolates the engine: translation, the runtime functions, SQLite.

It also reports the translation time of the longest statement of the SQL corpus, measured as
the difference between EXPLAIN-free runs of that statement on an empty collection and of
SELECT 1 (both dominated by translation and HTTP).
"""
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time

KEY = "bench-key-0123456789"
QUERIES = [
    ("scan all documents", "SELECT * FROM b.docs"),
    ("filter on an int field", "SELECT _id, x FROM b.docs WHERE x > 900 AND s LIKE 'k1%'"),
    ("group by with aggregates", "SELECT g, COUNT(*) AS n, SUM(x) AS sx, AVG(f) AS af FROM b.docs GROUP BY g ORDER BY g"),
    ("order by limit (top-N)", "SELECT _id, x FROM b.docs ORDER BY x DESC, _id LIMIT 10"),
    ("string functions", "SELECT UPPER(s) AS u, LENGTH(s) AS n FROM b.docs WHERE x < 100"),
    ("self join on a key", "SELECT COUNT(*) AS n FROM b.docs a JOIN b.docs c ON a._id = c._id WHERE a.x < 5000"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary):
    port = free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([binary, "--port", str(port), "--data", ":memory:", "--api-key", KEY],
                            stdout=log, stderr=subprocess.STDOUT)
    for _ in range(200):
        try:
            call(port, "GET", "/v1/orgs/self")
            return proc, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{binary} did not start")


def call(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=data, headers={"Authorization": f"ApiKey {KEY}",
                                                   "Content-Type": "application/json"})
    resp = conn.getresponse()
    raw = resp.read()
    conn.close()
    if resp.status >= 300:
        raise RuntimeError(f"{method} {path}: HTTP {resp.status} {raw[:300]!r}")
    return json.loads(raw) if raw else None


def load(port, docs):
    call(port, "POST", "/v1/orgs/self/ws", {"name": "b"})
    call(port, "POST", "/v1/orgs/self/ws/b/collections", {"name": "docs"})
    for _ in range(200):
        st = call(port, "GET", "/v1/orgs/self/ws/b/collections/docs")["data"]["status"]
        if st == "READY":
            break
        time.sleep(0.05)
    last = ""
    for i in range(0, len(docs), 5000):
        r = call(port, "POST", "/v1/orgs/self/ws/b/collections/docs/docs", {"data": docs[i:i + 5000]})
        last = r.get("last_offset", last)
    for _ in range(600):
        n = call(port, "POST", "/v1/orgs/self/queries",
                 {"sql": {"query": "SELECT COUNT(*) AS n FROM b.docs"}})["results"][0]["n"]
        if n == len(docs):
            return
        time.sleep(0.1)
    raise RuntimeError("documents did not become visible")


def timed(port, sql):
    started = time.perf_counter()
    call(port, "POST", "/v1/orgs/self/queries", {"sql": {"query": sql, "default_row_limit": 1000000}})
    return time.perf_counter() - started


def longest_corpus_statement():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sqlcorpus")
    best = ""
    for name in sorted(os.listdir(root)):
        if not name.endswith(".test"):
            continue
        with open(os.path.join(root, name)) as f:
            text = f.read()
        for block in text.split("-- case: ")[1:]:
            lines = [ln for ln in block.split("\n")[1:] if not ln.startswith("-- ")]
            sql = []
            for ln in lines:
                if ln.startswith("--") or ln.startswith("["):
                    break
                sql.append(ln)
            stmt = "\n".join(sql).strip()
            if len(stmt) > len(best):
                best = stmt
    return best


def main():
    new_bin, base_bin = sys.argv[1], sys.argv[2]
    n_docs = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
    rnd = random.Random(7)
    docs = [{"_id": f"{i:07d}", "x": rnd.randrange(10000), "f": rnd.random() * 100,
             "s": f"k{rnd.randrange(100000)}", "g": f"g{i % 20}",
             "tags": [rnd.randrange(5) for _ in range(3)]} for i in range(n_docs)]
    servers = {}
    try:
        for label, binary in (("new", new_bin), ("base", base_bin)):
            servers[label] = start(binary)
            load(servers[label][1], docs)
        print(f"| query ({n_docs:,} documents) | new (s, median of 5) | base (s) | new / base |")
        print("| --- | --- | --- | --- |")
        ratios = []
        for name, sql in QUERIES:
            times = {"new": [], "base": []}
            for _ in range(5):
                for label in ("new", "base"):
                    times[label].append(timed(servers[label][1], sql))
            new, base = statistics.median(times["new"]), statistics.median(times["base"])
            ratios.append(new / base)
            print(f"| {name} | {new:.3f} | {base:.3f} | {new / base:.2f} |")
        print(f"\nGeometric mean of the ratios: {statistics.geometric_mean(ratios):.2f}")
        stmt = longest_corpus_statement()
        port = servers["new"][1]
        t_stmt = statistics.median(timed_or_error(port, stmt) for _ in range(20))
        t_one = statistics.median(timed(port, "SELECT 1") for _ in range(20))
        print(f"Longest corpus statement ({len(stmt)} characters): answered in {t_stmt * 1000:.2f} ms "
              f"vs {t_one * 1000:.2f} ms for SELECT 1 (translation, planning and HTTP included).")
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()


def timed_or_error(port, sql):
    """Time one request whatever its answer (a corpus statement may need its own fixtures)."""
    started = time.perf_counter()
    try:
        call(port, "POST", "/v1/orgs/self/queries", {"sql": {"query": sql}})
    except RuntimeError:
        pass
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
