#!/usr/bin/python3
"""ingest.py - what field indexes cost ingest (docs/indexing.md, "What writing costs").

    tests/bench/dashboard/ingest.py DATASET_DIR [REPS] [ROCKSET_LOCAL[,ROCKSET_LOCAL...]]

DATASET_DIR is gen.py's output (gen.py DIR N_RECENT N_HISTORY). Each repetition loads every
document (history first, then recent) into a fresh file store, batches of 1,000 over one HTTP
connection, once with every path indexed and once with --field-index off, alternating, for each
binary in turn (default build/rockset-local). Printed: docs/s (wall clock, HTTP included) and
docs per CPU second of the server, each repetition's ratio with / without indexes, and the
medians. On a shared machine single runs vary by 15 % and more: compare medians of several
repetitions, and for a change of instructions alone, callgrind on the server.
"""
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

lib.BATCH = 1000


def load_once(binary, segments, workdir, indexes):
    srv = lib.Server(binary, workdir, "ingest", *([] if indexes else ["--field-index", "off"]))
    try:
        started = srv.cpu_seconds()
        n, secs = lib.load(srv, segments)
        cpu = srv.cpu_seconds() - started
    finally:
        srv.stop()
    return n / secs, n / cpu, n


def main():
    data = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    binaries = (sys.argv[3] if len(sys.argv) > 3 else "build/rockset-local").split(",")
    segments = [os.path.join(data, s) for s in ("history", "recent")
                if os.path.exists(os.path.join(data, s, "push.ndjson"))
                and os.path.getsize(os.path.join(data, s, "push.ndjson")) > 0]
    workdir = tempfile.mkdtemp(prefix="rl-ingest-")
    results = {b: {"on": [], "off": [], "on_cpu": [], "off_cpu": []} for b in binaries}
    try:
        for rep in range(reps):
            for b in binaries:
                r = results[b]
                for mode in ("on", "off"):
                    rate, cpu_rate, n = load_once(b, segments, workdir, mode == "on")
                    r[mode].append(rate)
                    r[mode + "_cpu"].append(cpu_rate)
                print(f"rep {rep} {b}: {n:,} docs, {r['on'][-1]:,.0f} vs {r['off'][-1]:,.0f} "
                      f"docs/s, ratio {r['on'][-1] / r['off'][-1]:.3f} (CPU "
                      f"{r['on_cpu'][-1] / r['off_cpu'][-1]:.3f})", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for b in binaries:
        r = results[b]
        ratios = [a / c for a, c in zip(r["on"], r["off"])]
        cpu = [a / c for a, c in zip(r["on_cpu"], r["off_cpu"])]
        print(f"{b}: with indexes {statistics.median(r['on']):,.0f} docs/s, off "
              f"{statistics.median(r['off']):,.0f}; ratio median {statistics.median(ratios):.3f} "
              f"({', '.join(f'{x:.2f}' for x in ratios)}); CPU ratio median "
              f"{statistics.median(cpu):.3f}")


if __name__ == "__main__":
    main()
