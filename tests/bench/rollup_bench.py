#!/usr/bin/python3
"""A rollup over raw events arriving out of order in batches (docs/rockset-local.md, "Ingest
transformations, rollups and retention"): the stored groups must equal a GROUP BY over the same
raw events, and ingest documents/s into the rollup is divided by documents/s into a plain
collection, both measured in this run on one server started here.

    tests/bench/rollup_bench.py [ROCKSET_LOCAL] [N_EVENTS]

Defaults: build/rockset-local, 1,000,000 events (RS_BENCH_QUICK=1: 100,000) in batches of 1,000;
50 sensors x 168 hours = 8,400 groups; each batch holds events from anywhere in the week, so
every group is revisited in many batches, out of order. Prints a markdown table; exits 1 when
the groups differ.
"""
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import index_bench  # noqa: E402

BATCH = 1000
SENSORS = 50
HOURS = 168
ROLLUP = ("SELECT DATE_TRUNC('HOUR', PARSE_TIMESTAMP_ISO8601(ts)) AS _event_time, sensor,"
          " COUNT(*) AS n, SUM(v) AS total, AVG(v) AS mean, MIN(v) AS lo, MAX(v) AS hi,"
          " COUNT_IF(ok = false) AS failures FROM _input GROUP BY _event_time, sensor")
OVER_RAW = ("SELECT DATE_TRUNC('HOUR', PARSE_TIMESTAMP_ISO8601(ts)) AS _event_time, sensor,"
            " COUNT(*) AS n, SUM(v) AS total, AVG(v) AS mean, MIN(v) AS lo, MAX(v) AS hi,"
            " COUNT_IF(ok = false) AS failures FROM b.raw GROUP BY 1, sensor"
            " ORDER BY 1, sensor LIMIT ALL")
STORED = ("SELECT _event_time, sensor, n, total, mean, lo, hi, failures FROM b.rollup"
          " ORDER BY _event_time, sensor LIMIT ALL")


class Server(index_bench.Server):
    """index_bench's server (loopback, in memory), with rows()."""

    def rows(self, sql):
        return self.call("POST", "/v1/orgs/self/queries", {"sql": {"query": sql}})["results"]


def batches(n):
    """n events in batches of BATCH, each from anywhere in the week (out of order)."""
    rnd = random.Random(7)
    for start in range(0, n, BATCH):
        out = []
        for _ in range(min(BATCH, n - start)):
            hour, minute = rnd.randrange(HOURS), rnd.randrange(60)
            day, hh = divmod(hour, 24)
            v = rnd.randrange(1000) if rnd.random() < 0.5 else rnd.randrange(100000) / 100.0
            out.append({"sensor": f"s{rnd.randrange(SENSORS)}",
                        "ts": f"2024-01-{1 + day:02d}T{hh:02d}:{minute:02d}:00Z",
                        "v": v, "ok": rnd.random() > 0.1})
        yield out


def load(srv, coll, n):
    started = time.monotonic()
    for batch in batches(n):
        srv.call("POST", f"/v1/orgs/self/ws/b/collections/{coll}/docs", {"data": batch})
    return n / (time.monotonic() - started)


def same(a, b):
    """Rows equal, floats to 9 significant digits (sums of floats in another order)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x.keys() != y.keys():
            return False
        for k in x:
            if isinstance(x[k], float) or isinstance(y[k], float):
                if type(x[k]) is not type(y[k]) or abs(x[k] - y[k]) > 1e-9 * max(1.0, abs(x[k])):
                    return False
            elif x[k] != y[k]:
                return False
    return True


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/rockset-local"
    quick = os.environ.get("RS_BENCH_QUICK") == "1"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else (100000 if quick else 1000000)
    srv = Server(binary)
    try:
        srv.call("POST", "/v1/orgs/self/ws", {"name": "b"})
        srv.call("POST", "/v1/orgs/self/ws/b/collections", {"name": "raw"})
        srv.call("POST", "/v1/orgs/self/ws/b/collections",
                 {"name": "rollup", "field_mapping_query": {"sql": ROLLUP}})
        time.sleep(0.2)
        plain_rate = load(srv, "raw", n)
        rollup_rate = load(srv, "rollup", n)
        started = time.monotonic()
        expected = srv.rows(OVER_RAW)
        group_by_s = time.monotonic() - started
        started = time.monotonic()
        stored = srv.rows(STORED)
        read_s = time.monotonic() - started
    finally:
        srv.stop()
    ok = same(stored, expected)
    print(f"| rollup over {n:,} raw events, batches of {BATCH:,}, out of order | |")
    print("| --- | --- |")
    print(f"| groups stored / groups of GROUP BY over the raw events | {len(stored):,} / "
          f"{len(expected):,} ({'identical' if ok else 'DIFFERENT'}) |")
    print(f"| ingest, plain collection | {plain_rate:,.0f} docs/s |")
    print(f"| ingest, rollup collection | {rollup_rate:,.0f} docs/s |")
    print(f"| rollup / plain | {rollup_rate / plain_rate:.2f} |")
    print(f"| reading the groups: stored rollup vs GROUP BY over the raw events | "
          f"{read_s * 1000:,.0f} ms vs {group_by_s * 1000:,.0f} ms |")
    if not ok:
        for x, y in zip(stored, expected):
            if not same([x], [y]):
                print(f"first difference: stored {x} vs expected {y}", file=sys.stderr)
                break
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
