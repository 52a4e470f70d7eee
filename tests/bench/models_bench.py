#!/usr/bin/env python3
"""models_bench.py - rockset_run on a generated 100-model project (run by models_bench.sh).

The project: one seeded source collection and 100 models on 10 levels (about 10 per level);
every model past the first level refs one or two models of the level above (sometimes two
levels above), so the longest chain is 10 models. Kinds are mixed - views, tables, incremental
models, ephemeral models, and query lambdas (as leaves: nothing can read a lambda). Each run
starts its own rockset-local with --latency-ms 20 --provision-delay-ms 200
--view-sync-delay-ms 50 (every request pays 20 ms; a collection takes 200 ms to become READY;
a view 50 ms to sync), so the numbers measure waiting, which is what concurrency hides.

For threads = 1 and 8, on a fresh server each: the wall time of SELECT rockset_run(...), the
runner's own wall time and the critical path (graph.h rs_graph_critical_path over the measured
per-model times, from the run summary), and their ratio. Goal: threads=8 wall / critical path
<= 1.5. Prints a table; exits 1 when a model failed or the goal was missed.
With --markdown FILE it also writes the figures there as a markdown section (tests/bench/run.sh
appends it to RESULTS.md).
"""
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
B = os.environ.get("B", os.path.join(ROOT, "build"))
if not os.path.isabs(B):
    B = os.path.join(ROOT, B)
KEY = "bench-key-%d" % os.getpid()
SERVER_FLAGS = ["--latency-ms", "20", "--provision-delay-ms", "200", "--view-sync-delay-ms", "50"]
LEVELS = 10
N_MODELS = 100
GOAL = 1.5


def generate_models(seed=42):
    """Rows (name, materialized, unique_key, sql) of the generated project."""
    rng = random.Random(seed)
    per_level = [N_MODELS // LEVELS] * LEVELS
    rows, levels, kinds = [], [], {}
    for level, width in enumerate(per_level):
        names = []
        for i in range(width):
            name = "m%02d_%02d" % (level, i)
            if level == 0:
                kind = "view" if i % 2 else "table"
                sql = "SELECT id, v + %d AS v FROM {{ source('bench', 'events') }}" % i
            else:
                last = level == LEVELS - 1
                kind = rng.choices(
                    ["view", "table", "incremental", "ephemeral", "query_lambda"],
                    weights=[45, 25, 10, 10, 10 if last else 0])[0]
                pool = levels[level - 1] + (levels[level - 2] if level >= 2 and rng.random() < 0.3 else [])
                stored = [m for m in pool if kinds[m] in ("table", "incremental")]
                # Joins only of stored parents: a join of two views of views doubles the SQL
                # rockset-local expands at every level (2^depth), which would measure that.
                if len(stored) >= 2 and rng.random() < 0.5:
                    parents = rng.sample(stored, 2)
                    sql = ("SELECT a.id, a.v + b.v AS v FROM {{ ref('%s') }} a "
                           "JOIN {{ ref('%s') }} b ON a.id = b.id" % tuple(parents))
                else:
                    parents = [rng.choice(pool)]
                    sql = "SELECT id, v + 1 AS v FROM {{ ref('%s') }}" % parents[0]
                if kind == "incremental":
                    sql += ("{% if is_incremental() %} WHERE id > "
                            "(SELECT MAX(id) FROM {{ this }}){% endif %}")
                if kind == "query_lambda":
                    sql += " LIMIT :n"
            unique_key = "id" if kind == "incremental" else None
            config = '{"parameters": {"n": 5}}' if kind == "query_lambda" else None
            rows.append((name, kind, unique_key, config, sql))
            kinds[name] = kind
            if kind != "query_lambda":
                names.append(name)
        levels.append(names)
    return rows


def start_server(work):
    port_file = os.path.join(work, "port")
    log = open(os.path.join(work, "server.log"), "w")
    proc = subprocess.Popen([os.path.join(B, "rockset-local"), "--port", "0", "--port-file",
                             port_file, "--api-key", KEY] + SERVER_FLAGS, stdout=log, stderr=log)
    for _ in range(200):
        if os.path.exists(port_file) and open(port_file).read().strip():
            return proc, int(open(port_file).read().strip())
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("rockset-local did not start; see %s" % log.name)


def one_run(threads, rows):
    with tempfile.TemporaryDirectory() as work:
        proc, port = start_server(work)
        try:
            os.environ["ROCKSET_APIKEY"] = KEY
            os.environ["ROCKSET_APISERVER"] = "http://127.0.0.1:%d" % port
            db = sqlite3.connect(":memory:", isolation_level=None)
            db.enable_load_extension(True)
            db.load_extension(os.path.join(B, "rockset_ext"))
            db.execute("SELECT rockset_connect()")
            db.execute("SELECT rockset_config('quiet', 1)")
            db.execute("SELECT rockset_config('workspace', 'bench')")
            db.execute("SELECT rockset_init()")
            db.execute("CREATE TABLE events(id INTEGER, v INTEGER)")
            db.executemany("INSERT INTO events VALUES (?, ?)", [(i, i * 10) for i in range(50)])
            db.execute("SELECT rockset_seed('events', 'raw.events')")
            db.execute("INSERT INTO rockset_sources VALUES ('bench', 'events', 'raw', 'events')")
            db.executemany("INSERT INTO rockset_models (name, materialized, unique_key, config, sql) "
                           "VALUES (?, ?, ?, ?, ?)", rows)
            t0 = time.monotonic()
            summary = json.loads(db.execute("SELECT rockset_run(NULL, ?)",
                                            (json.dumps({"threads": threads}),)).fetchone()[0])
            wall = time.monotonic() - t0
            kinds = dict(db.execute("SELECT kind, count(*) FROM rockset_run_results GROUP BY kind"))
            db.close()
        finally:
            proc.terminate()
            proc.wait()
    return wall, summary, kinds


def markdown(results, kinds):
    """The figures as a markdown section for RESULTS.md."""
    lines = ["## Model runner: a generated %d-model project (models_bench.sh)" % N_MODELS, "",
             "%d models on %d levels (kinds: %s); rockset-local with %s (fresh server per run)."
             % (N_MODELS, LEVELS, ", ".join("%s %d" % kv for kv in sorted(kinds.items())),
                " ".join(SERVER_FLAGS)), "",
             "| threads | rockset_run call (s) | runner elapsed (s) | critical path (s) |"
             " runner / critical path | failed or skipped |",
             "| --- | --- | --- | --- | --- | --- |"]
    for threads, wall, s, _ in results:
        lines.append("| %d | %.2f | %.2f | %.2f | %.2f | %d |" % (
            threads, wall, s["elapsed_ms"] / 1000.0, s["critical_path_ms"] / 1000.0,
            s["elapsed_ms"] / s["critical_path_ms"], s["error"] + s["skipped"]))
    s8 = results[1][2]
    ratio8 = s8["elapsed_ms"] / s8["critical_path_ms"]
    lines += ["", "Speed-up threads=8 vs threads=1: %.2fx. threads=8 wall / critical path: %.2f"
              " (goal <= %.1f): %s." % (results[0][1] / results[1][1], ratio8, GOAL,
                                        "met" if ratio8 <= GOAL else "NOT met"), ""]
    return "\n".join(lines)


def main():
    md_path = None
    if len(sys.argv) == 3 and sys.argv[1] == "--markdown":
        md_path = sys.argv[2]
    elif len(sys.argv) != 1:
        raise SystemExit("usage: models_bench.py [--markdown FILE]")
    rows = generate_models()
    results = []
    for threads in (1, 8):
        wall, summary, kinds = one_run(threads, rows)
        results.append((threads, wall, summary, kinds))
    print("models_bench: %d models, %d levels, kinds %s" % (
        N_MODELS, LEVELS, ", ".join("%s %d" % kv for kv in sorted(results[0][3].items()))))
    print("%-8s %10s %12s %16s %18s %8s" % ("threads", "call_s", "runner_s", "critical_path_s",
                                            "runner/critical", "failed"))
    ok = True
    for threads, wall, s, _ in results:
        ratio = s["elapsed_ms"] / s["critical_path_ms"] if s["critical_path_ms"] else float("inf")
        print("%-8d %10.2f %12.2f %16.2f %18.2f %8d" % (
            threads, wall, s["elapsed_ms"] / 1000.0, s["critical_path_ms"] / 1000.0, ratio,
            s["error"] + s["skipped"]))
        ok = ok and s["error"] == 0 and s["skipped"] == 0
    t1, t8 = results[0][1], results[1][1]
    s8 = results[1][2]
    ratio8 = s8["elapsed_ms"] / s8["critical_path_ms"]
    print("speedup threads=8 vs 1: %.2fx; threads=8 wall / critical path: %.2f (goal <= %.1f): %s"
          % (t1 / t8, ratio8, GOAL, "met" if ratio8 <= GOAL else "MISSED"))
    if md_path:
        with open(md_path, "w") as f:
            f.write(markdown(results, results[0][3]))
    if not ok or ratio8 > GOAL:
        sys.exit(1)


if __name__ == "__main__":
    main()
