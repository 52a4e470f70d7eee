#!/usr/bin/python3
"""run.py - the CI-dashboard benchmark of rockset-local (issue #20), with its peers.

    tests/bench/dashboard/run.py [--size small|full] [--skip-peers] [--skip-rt] [--results]

full: 100,000 and 1,000,000 documents; small: 10,000 and 100,000 (a few minutes). The larger
dataset is the smaller one plus older history outside every query's window, so each answer must
be the same at both sizes. Parts (README.md beside this file says what each measures):
  1-2  every query at both sizes on rockset-local (field indexes on): server and client time
  3    the small size on a server with --field-index off: answers identical
  4    real time at the large size: 8 clients loop over the queries while a writer streams
       documents at 5,000/s; every document written must then be found by _id. Then the
       clients alone again on the grown store, and a stream of replacements of the windows'
       documents at the same rate (their sizes unchanged), each read back at its last version
  5    PostgreSQL 15 and DuckDB with the large dataset: same questions, same answers
  6    ingest docs/s with every path indexed vs --field-index off
Prints a table per part; writes build/bench/dashboard.json (B from the environment) and, with
--results, the section of tests/bench/RESULTS.md between its dashboard markers.
"""
import argparse
import datetime
import hashlib
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402
import peers  # noqa: E402
import stream  # noqa: E402
from lib import log, median, pct  # noqa: E402
from queries import QUERIES  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
SIZES = {"small": (10_000, 90_000), "full": (100_000, 900_000)}
CLIENTS = 8
RT_RATE = 5000
RT_IDLE8_SECONDS = 20  # the same 8 clients with no writer, before the stream (report)
# The stream comes in bursts of RT_BURST_S seconds at RT_RATE, each followed by as long without
# it; the idle figure of the goal is the queries' in those pauses (their first RT_SETTLE_S taken
# off, while the replica and the checkpoints catch up). Inserts grow the windows the queries
# read (by 300,000 documents in a minute): idle and loaded runs then read the same data within
# seconds of each other, instead of the idle figure coming from before the stream.
RT_BURST_S = 5
RT_SETTLE_S = 1.0


def build_dir():
    b = os.environ.get("B", "build")
    return b if os.path.isabs(b) else os.path.join(ROOT, b)


def dataset(b, n_recent, n_hist):
    """The cached dataset directory, generated when missing or when gen.py changed."""
    with open(os.path.join(HERE, "gen.py"), "rb") as f:
        stamp = hashlib.sha256(f.read()).hexdigest()[:12]
    d = os.path.join(b, "bench", "dashboard", f"data-{n_recent}-{n_hist}-{stamp}")
    if not os.path.exists(os.path.join(d, "params.json")):
        log(f"generating {n_recent:,} + {n_hist:,} documents into {d}")
        started = time.monotonic()
        tmp = d + ".tmp"
        subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), tmp, str(n_recent),
                        str(n_hist)], check=True, stdout=subprocess.DEVNULL)
        os.rename(tmp, d)
        log(f"generated in {time.monotonic() - started:.0f} s")
    with open(os.path.join(d, "params.json")) as f:
        params = json.load(f)
    with open(os.path.join(d, "counts.json")) as f:
        counts = json.load(f)
    return d, params, counts


def run_all(srv, params, reps, timeout_s):
    out = lib.measure_rounds({q["id"]: (lambda q=q: lib.timed_query(srv, q, params, timeout_s))
                              for q in QUERIES}, reps)
    for q in QUERIES:
        r = out[q["id"]]
        shown = r.get("server_ms") if r["status"] == "ok" else r["status"]
        log(f"  {q['id']} {shown} ms server, {r['client_ms']:.0f} ms client")
    return out


def index_counts(srv):
    """The indexes each collection has (built at load, and by use), as one comparable value."""
    out = []
    for c in lib.COLLECTIONS:
        _, r = srv.call("GET", f"/v1/orgs/self/ws/commons/collections/{c}")
        fx = ((r.get("data") or {}).get("stats") or {}).get("field_indexes") or {}
        out.append((fx.get("indexed"), fx.get("function_indexes"), fx.get("composite_indexes"),
                    fx.get("analyzed_docs"), fx.get("background_work")))
    return out


def background_work(counts):
    """Requests the server's worker still has (index builds, ANALYZE) over the collections."""
    return sum(c[-1] or 0 for c in counts)


SETTLE_RUNS = 8  # runs in which a statement's engine choice settles (docs/column-index.md)


def settle_indexes(srv, quiet_s, limit_s):
    """Wait until the indexes the runs so far asked for are built: quiet, and the worker's
    queue empty (an ANALYZE of a large collection can run longer than quiet_s with the builds
    the queries asked for queued behind it). Returns the seconds waited and whether any index
    count changed meanwhile."""
    started = last_change = time.monotonic()
    first = seen = index_counts(srv)
    while ((time.monotonic() - last_change < quiet_s or background_work(seen) > 0)
           and time.monotonic() - started < limit_s):
        time.sleep(0.5)
        now = index_counts(srv)
        if now != seen:
            seen, last_change = now, time.monotonic()
    return time.monotonic() - started, seen != first


def warm_up(srv, params, timeout_s, quiet_s=3.0, limit_s=180.0):
    """A dashboard's queries run again and again: run each once, then wait until the indexes
    they asked for by use (function and composite indexes, statistics) are built, as they are
    by a dashboard's second refresh; then run each SETTLE_RUNS times more, in which the server
    measures each statement on its other engine (its tries stopped past their budget) and
    settles on the faster, as a dashboard refreshing for a minute finds it. A composite is
    asked for by a run on SQLite, so a statement the rule sends to the columns asks during its
    tries there: once what they asked for is built, the statements measured slower on SQLite
    are measured again (enginepick.h), in up to two more rounds of settling runs. Returns the
    seconds waited and the slowest settling run (client ms, query id): what measuring cost."""
    for q in QUERIES:
        lib.timed_query(srv, q, params, timeout_s)
    waited, _ = settle_indexes(srv, quiet_s, limit_s)
    slowest = (0.0, None)
    for _ in range(3):
        for q in QUERIES:
            runs = [lib.timed_query(srv, q, params, timeout_s) for _ in range(SETTLE_RUNS)]
            worst = max(r["client_ms"] for r in runs)
            # against the question's own median: a try's cost, not a slow question's
            ratio = worst / max(median([r["client_ms"] for r in runs]), 1e-3)
            if ratio > slowest[0]:
                slowest = (ratio, f"{q['id']} {worst:.1f} ms")
        more, changed = settle_indexes(srv, quiet_s, limit_s)
        waited += more
        if not changed:
            break
    return waited, slowest


def settle_text(settle):
    """warm_up's slowest settling run, for the report."""
    if not settle or settle[1] is None:
        return "not measured"
    return f"{settle[0]:.1f}x ({settle[1]})"


def loaded_server(binary, work, name, segments, flags=()):
    srv = lib.Server(binary, work, name, *flags)
    n, secs = lib.load(srv, segments)
    for c in lib.COLLECTIONS:
        lib.count(srv, c)  # the writes are visible (no ingest delay is configured)
    caught = srv.wait_columns(lib.COLLECTIONS)
    log(f"{name}: {n:,} documents in {secs:.1f} s = {n / secs:,.0f} docs/s"
        + (f"; the column replica caught up {caught:.1f} s later" if caught is not None else ""))
    return srv, {"docs": n, "seconds": secs, "docs_per_s": n / secs, "columns_after_s": caught}


# ------------------------------------------------------------------------------ part 4

ROUNDTRIPS = 50  # runs of SELECT 1 giving each system's fixed cost of a query


def roundtrip_ms(srv):
    """Median client time of SELECT 1: the HTTP round trip, JSON and a statement's fixed cost."""
    conn, times = srv.query_conn(), []  # the client the queries are timed with (lib.QueryConn)
    for _ in range(ROUNDTRIPS):
        started = time.monotonic()
        srv.query("SELECT 1 AS one", conn=conn)
        times.append((time.monotonic() - started) * 1e3)
    conn.close()
    return median(times)


def run_median(runs, admitted=False):
    """The median server ms of the runs that answered, None when none did; admitted: from the
    moment each was admitted (its wait for a query slot taken off)."""
    ok = [s["server_ms"] - (s.get("throttled_ms", 0) if admitted else 0) for s in runs
          if s["status"] == "ok"]
    return median(ok) if ok else None


def realtime(srv, data_dir, params, idle, seconds, timeout_s, rate=RT_RATE, idle8=None,
             updates=False, bursts=False):
    """8 clients loop over the queries while a writer posts workflow_job documents at
    rate/s (copies of recent jobs under new _ids, so they land in the queries' windows);
    then every written _id must be readable. rate 0: the clients alone (the idle figure of
    the same 8 clients, idle8 of the loaded run). updates: the writer replaces the recent jobs
    themselves instead (their own _ids, runner_name set to the write's number), so the stream
    changes the documents in the queries' windows without adding to them; then every _id must
    hold the last version acknowledged. bursts: the stream comes in bursts (RT_BURST_S), the
    idle figure from the pauses between them; seconds counts the bursts alone."""
    templates = lib.recent_jobs(data_dir)
    stop = threading.Event()
    samples, lock = [], threading.Lock()
    written, write_errors, batch_ms = [], [], []
    writer_stats = {}

    phases = []  # (start, end, streaming): the writer's bursts and pauses

    def pause(started):
        phases.append((started, time.monotonic(), True))
        paused = time.monotonic()
        time.sleep(RT_BURST_S)
        phases.append((paused, time.monotonic(), False))
        return time.monotonic()

    def streamed():  # seconds of the bursts ended so far
        return sum(end - start for start, end, streaming in phases if streaming)

    def writer():
        conn = srv.connection()
        batch, n, started = RT_RATE // 10, 0, time.monotonic()
        while rate == 0 and time.monotonic() - started < seconds:
            time.sleep(0.1)
        burst, burst_n = started, 0
        while rate > 0 and streamed() + (time.monotonic() - burst) < seconds:
            if bursts and time.monotonic() - burst >= RT_BURST_S:
                burst, burst_n = pause(burst), 0
                continue
            due = burst + burst_n / rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            docs = []
            for i in range(batch):
                d = dict(templates[(n + i) % len(templates)])
                if updates:
                    d["runner_name"] = f"rt-{n + i}"
                else:
                    d["_id"] = f"rt-{n + i}"
                    d["id"] = 30_000_000_000 + n + i
                docs.append(d)
            try:
                t0 = time.monotonic()
                status, r = srv.call("POST", "/v1/orgs/self/ws/commons/collections/workflow_job/docs",
                                     {"data": docs}, conn=conn)
                batch_ms.append((time.monotonic() - t0) * 1e3)
                if status != 200:
                    write_errors.append(f"{status} {r}")
                else:
                    written.extend((d["_id"], d.get("runner_name")) for d, s in zip(docs, r["data"])
                                   if s.get("status") in ("ADDED", "REPLACED"))
            except OSError as e:
                write_errors.append(str(e))
                conn = srv.connection()
            n += batch
            burst_n += batch
        if rate > 0:
            phases.append((burst, time.monotonic(), True))
        writer_stats["seconds"] = streamed()
        writer_stats["sent"] = n
        stop.set()

    def client(k):
        conn = srv.query_conn()
        i = k * 4
        while not stop.is_set():
            q = QUERIES[i % len(QUERIES)]
            t0 = time.monotonic()
            r = lib.timed_query(srv, q, params, timeout_s, conn=conn)
            r.pop("rows", None)
            r["span"] = (t0, time.monotonic())
            with lock:
                samples.append((q["id"], r))
            if r["status"] == "error":
                conn.close()
                conn = srv.query_conn()
            i += 1

    wal_sizes = []

    def wal_monitor():  # the store's WAL must stay bounded under a stream (store.c on_wal_commit)
        while not stop.is_set():
            try:
                wal_sizes.append(os.path.getsize(srv.db + "-wal"))
            except OSError:
                pass
            time.sleep(0.5)

    # The writer runs in a process of its own, as an ingest source would: as a thread of this
    # one it built and encoded each batch under the interpreter lock the 8 clients' threads
    # held, so its rate could measure this process rather than the server. (In the full run
    # it made no difference: 1,494 docs/s apart against 1,490 as a thread; the server's write
    # path holds it, docs/indexing.md "What writing costs".) The process is forked before any
    # thread of this one starts, and sends back what writer() recorded (time.monotonic is the
    # system's clock, so its phases line up with the clients' spans).
    ctx = multiprocessing.get_context("fork")
    results_in, results_out = ctx.Pipe(duplex=False)

    def writer_child():
        writer()
        results_out.send((phases, written, batch_ms, write_errors, writer_stats))
        results_out.close()

    writer_proc = ctx.Process(target=writer_child)
    cpu_started, wall_started = srv.cpu_seconds(), time.monotonic()
    writer_proc.start()
    results_out.close()

    def collect():
        try:
            got = results_in.recv()
        except EOFError:
            got = None
        writer_proc.join()
        if got is None:
            write_errors.append(f"the writer's process ended with {writer_proc.exitcode}")
        else:
            phases.extend(got[0])
            written.extend(got[1])
            batch_ms.extend(got[2])
            write_errors.extend(got[3])
            writer_stats.update(got[4])
        stop.set()

    threads = [threading.Thread(target=collect), threading.Thread(target=wal_monitor)] + [
        threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    server_cores = (srv.cpu_seconds() - cpu_started) / (time.monotonic() - wall_started)
    acked = len(written)
    # none lost: every acknowledged _id is there (read by _id range), or for updates holds the
    # last version acknowledged (read by runner_name range)
    if updates:
        status, r = srv.query("SELECT _id, runner_name FROM commons.workflow_job"
                              " WHERE runner_name >= 'rt-' AND runner_name < 'rt.'",
                              timeout_ms=600_000)
        found = ({(row["_id"], row["runner_name"]) for row in r.get("results", [])}
                 if status == 200 else set())
        last = dict(written)
        missing = [x for x in last.items() if x not in found]
        written = list(last)
    else:
        status, r = srv.query("SELECT _id FROM commons.workflow_job"
                              " WHERE _id >= 'rt-' AND _id < 'rt.'", timeout_ms=600_000)
        found = {row["_id"] for row in r.get("results", [])} if status == 200 else set()
        written = [x for x, _ in written]
        missing = [x for x in written if x not in found]
    # with bursts, a run counts when it started and ended within one phase: loaded in a burst,
    # idle in a pause once RT_SETTLE_S of it had passed
    def phase_of(span):
        for start, end, streaming in phases:
            if start <= span[0] and span[1] <= end:
                if streaming:
                    return "loaded"
                return "paused" if span[0] >= start + RT_SETTLE_S else None
        return None

    per_q, paused_q = {}, {}
    for qid, s in samples:
        kind = phase_of(s["span"]) if bursts else "loaded"
        (per_q if kind == "loaded" else paused_q if kind == "paused" else {}).setdefault(
            qid, []).append(s)
    samples = [(qid, s) for qid, ss in per_q.items() for s in ss]
    rows = {}
    for q in QUERIES:
        ss, paused = per_q.get(q["id"], []), paused_q.get(q["id"], [])
        rows[q["id"]] = {"runs": len(ss), "ok": sum(s["status"] == "ok" for s in ss),
                         "timeouts": sum(s["status"] == "timeout" for s in ss),
                         "errors": sum(s["status"] == "error" for s in ss),
                         "median_server_ms": run_median(ss),
                         "idle_server_ms": idle[q["id"]].get("server_ms")
                         if idle[q["id"]]["status"] == "ok" else None,
                         "idle8_server_ms": (idle8 or {}).get("per_query", {}).get(
                             q["id"], {}).get("median_server_ms"),
                         "paused_server_ms": run_median(paused),
                         "exec_ms": run_median(ss, admitted=True),
                         "paused_exec_ms": run_median(paused, admitted=True)}
    load_meds = [v["median_server_ms"] for v in rows.values() if v["median_server_ms"] is not None]
    idle_meds = [v["idle_server_ms"] for v in rows.values() if v["idle_server_ms"] is not None]
    paused_meds = [v["paused_server_ms"] for v in rows.values()
                   if v["paused_server_ms"] is not None]
    throttled = [s.get("throttled_ms") for _, s in samples if s.get("throttled_ms") is not None]
    # the time a query ran, its wait for a slot taken off: what the writer's load did to it
    exec_meds = [v["exec_ms"] for v in rows.values() if v["exec_ms"] is not None]
    paused_exec_meds = [v["paused_exec_ms"] for v in rows.values()
                        if v["paused_exec_ms"] is not None]
    all_ok = [s["server_ms"] for _, s in samples if s["status"] == "ok"]
    # the column replica's lag as each query on the columns found it (issue #21)
    lags = [s["column_lag_ms"] for _, s in samples if s.get("column_lag_ms") is not None]
    return {
        "column_lag_p50_ms": pct(lags, 0.5), "column_lag_p95_ms": pct(lags, 0.95),
        "column_lag_max_ms": max(lags or [0]), "column_queries": len(lags),
        "seconds": writer_stats.get("seconds"), "docs_sent": writer_stats.get("sent"),
        "docs_acknowledged": acked, "write_errors": write_errors[:5], "updates": updates,
        "ids_written": len(written),
        "docs_per_s": acked / writer_stats["seconds"] if writer_stats.get("seconds") else 0,
        "batch_ms_median": median(batch_ms) if batch_ms else None,
        "batch_ms_max": max(batch_ms or [0]), "docs_found": len(found), "docs_missing": len(missing), "queries_run": len(samples),
        "per_query": rows,
        "p95_server_ms_loaded": pct(load_meds, 0.95), "p95_server_ms_idle": pct(idle_meds, 0.95),
        "p95_all_runs_loaded": pct(all_ok, 0.95),
        "p95_server_ms_idle8": (idle8 or {}).get("p95_server_ms_loaded"),
        "p95_server_ms_paused": pct(paused_meds, 0.95) if bursts else None,
        "paused_runs": sum(len(v) for v in paused_q.values()), "bursts": bursts,
        "throttled_p50_ms": pct(throttled, 0.5), "throttled_p95_ms": pct(throttled, 0.95),
        "rate": rate, "wal_max_mib": max(wal_sizes or [0]) / 2**20,
        "server_cores": server_cores, "p95_exec_ms": pct(exec_meds, 0.95),
        "p95_paused_exec_ms": pct(paused_exec_meds, 0.95),
        "idle8": {k: (idle8 or {}).get(k) for k in ("server_cores", "p95_exec_ms")},
    }


# ------------------------------------------------------------------------------ report

def fmt_ms(r):
    if r is None:
        return "-"
    if r["status"] == "timeout":
        return "timeout"
    if r["status"] != "ok":
        return "error"
    v = r.get("server_ms", r.get("client_ms"))
    return f"{v:,.0f}" if v >= 10 else f"{v:.1f}"


def ms_of(r, key, timeout_s):
    """A time for the statistics: a timeout counts as the timeout (a lower bound)."""
    if r is None or r["status"] == "error":
        return None
    if r["status"] == "timeout":
        return timeout_s * 1e3
    return r.get(key)


def ratio(a, b, floor=1.0):
    """a / b; the server reports whole milliseconds, so its times are floored at 1 ms (pass a
    smaller floor for client times)."""
    return max(a, floor) / max(b, floor) if a is not None and b is not None else None


def fr(x):
    return "-" if x is None else f"{x:.2f}"


def report(res):
    n_small, n_large = res["sizes"]
    small, large, off = res["rl_small"], res["rl_large"], res.get("rl_off")
    t = res["timeout_s"]
    L = []
    L.append(f"Dataset: {n_small:,} documents (30 days) and {n_large:,} (the same plus "
             f"{n_large - n_small:,} of older history outside every query's window); "
             f"{len(QUERIES)} queries; per-query timeout {t} s. Times in ms: server = the "
             "response's stats.elapsed_time_ms, client = the HTTP round trip (lib.QueryConn); median of up to "
             f"{res['reps']} runs, every query once a round as a dashboard's refresh runs them"
             " (lib.measure_rounds; one run when the first took over 2 s), after a warm-up pass that"
             " runs each query once and waits for the indexes they ask for by use (function and"
             " composite indexes) to be built, as a dashboard's second refresh finds them"
             f" ({res.get('warm_up_small_s', 0):.0f} s and {res.get('warm_up_large_s', 0):.0f} s),"
             f" then runs each {SETTLE_RUNS} times more, in which the server measures each"
             " statement on its other engine and settles on the faster (docs/column-index.md),"
             " as a dashboard refreshing for a minute finds it. What measuring cost: the"
             " slowest of those runs against its question's median was"
             f" {settle_text(res.get('settle_small'))} at {n_small:,} documents and"
             f" {settle_text(res.get('settle_large'))} at {n_large:,}.")
    L.append("")
    L.append(f"| query | kind | rows | server {n_small:,} | server {n_large:,} | large / small | "
             f"client {n_small:,} | client {n_large:,} | engine | index used | same answer at both"
             " sizes | indexes off: same answer |")
    L.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    ratios, ss, sl = [], [], []
    for q in QUERIES:
        a, b = small[q["id"]], large[q["id"]]
        sa, sb = ms_of(a, "server_ms", t), ms_of(b, "server_ms", t)
        r = ratio(sb, sa)
        if r is not None:
            ratios.append(r)
        if sa is not None:
            ss.append(sa)
        if sb is not None:
            sl.append(sb)
        rows = a.get("n_rows", "-")
        L.append(f"| {q['id']} {q['title']} | {q['kind']} | {rows} | {fmt_ms(a)} | {fmt_ms(b)} | "
                 f"{fr(r)}{'+' if b['status'] == 'timeout' else ''} | {a['client_ms']:,.0f} | "
                 f"{b['client_ms']:,.0f} | {b.get('engine', '-')} | {b.get('index_used', '-')} | "
                 f"{res['same_sizes'].get(q['id'], '-')} | "
                 f"{res['same_off'].get(q['id'], '-') if off else '-'} |")
    g = res["goals"] = {
        "server_p50_small": pct(ss, 0.5), "server_p95_small": pct(ss, 0.95), "server_max_small": max(ss or [0]),
        "server_p50_large": pct(sl, 0.5), "server_p95_large": pct(sl, 0.95), "server_max_large": max(sl or [0]),
        "ratio_p95": pct(ratios, 0.95), "ratio_max": max(ratios or [0]),
        "timeouts_large": sum(large[q["id"]]["status"] == "timeout" for q in QUERIES),
    }
    L.append("")
    L.append(f"Across queries (server ms; a timeout counts as {t * 1000:,}): "
             f"{n_small:,}: p50 {g['server_p50_small']:,.0f}, p95 {g['server_p95_small']:,.0f}, "
             f"max {g['server_max_small']:,.0f}; {n_large:,}: p50 {g['server_p50_large']:,.0f}, "
             f"p95 {g['server_p95_large']:,.0f}, max {g['server_max_large']:,.0f} "
             f"({g['timeouts_large']} timeouts). Ratio large / small: p95 {fr(g['ratio_p95'])}, "
             f"max {fr(g['ratio_max'])}.")
    L.append("")
    L.append("| goal (issue #20) | figure | met |")
    L.append("| --- | --- | --- |")
    L.append(f"| server-time ratio {n_large:,} / {n_small:,}, p95 over queries <= 2 | "
             f"{fr(g['ratio_p95'])} | {'yes' if g['ratio_p95'] is not None and g['ratio_p95'] <= 2 else 'no'} |")
    L.append(f"| p95 server time at {n_large:,} < 100 ms | {g['server_p95_large']:,.0f} ms | "
             f"{'yes' if g['server_p95_large'] < 100 else 'no'} |")
    L.append(f"| no query over 1 s at {n_large:,} | max {g['server_max_large']:,.0f} ms | "
             f"{'yes' if g['server_max_large'] <= 1000 else 'no'} |")
    same_n = sum(v == "yes" for v in res["same_sizes"].values())
    L.append(f"| answers identical at both sizes | {same_n} / {len(QUERIES)} | "
             f"{'yes' if same_n == len(QUERIES) else 'no'} |")
    if off:
        off_n = sum(v == "yes" for v in res["same_off"].values())
        L.append(f"| answers identical with indexes off ({n_small:,}) | {off_n} / {len(QUERIES)} | "
                 f"{'yes' if off_n == len(QUERIES) else 'no'} |")
    ing = res.get("ingest")
    if ing:
        L.append(f"| ingest, every path indexed / --field-index off >= 0.6 | "
                 f"{ing['on']:,.0f} / {ing['off']:,.0f} docs/s = {ing['ratio']:.2f} | "
                 f"{'yes' if ing['ratio'] >= 0.6 else 'no'} |")
        if ing.get("nocols"):
            L.append(f"| ingest with the column replica / --column-index off (issue #21, report) | "
                     f"{ing['on']:,.0f} / {ing['nocols']:,.0f} docs/s = {ing['cols_ratio']:.2f}"
                     f" (replica caught up {ing['columns_after_s'] or 0:.1f} s after the load) | - |")
    if res.get("rl_large_columns_bytes"):
        L.append(f"| size on disk at {n_large:,}: SQLite store + column replica (report) | "
                 f"{res['rl_large_sqlite_bytes'] / 2**20:,.0f} MiB + "
                 f"{res['rl_large_columns_bytes'] / 2**20:,.0f} MiB | - |")
    rt = res.get("realtime")
    if rt:
        p_l, p_8, p_i, p_p = (rt["p95_server_ms_loaded"], rt.get("p95_server_ms_idle8"),
                              rt["p95_server_ms_idle"], rt.get("p95_server_ms_paused"))
        if p_p is not None:
            ok = p_l is not None and p_l <= 2 * max(p_p, 1)
            L.append(f"| real time: p95 with {CLIENTS} clients + {RT_RATE:,} docs/s within 2x of "
                     f"the same {CLIENTS} clients idle, in the pauses between the stream's bursts "
                     f"(the same data) | {fr(p_l)} vs {fr(p_p)} ms = {fr(ratio(p_l, p_p))} | "
                     f"{'yes' if ok else 'no'} |")
            L.append(f"| real time: the same p95 against the same {CLIENTS} clients idle before "
                     f"the stream (report: the windows grew since) | {fr(p_l)} vs {fr(p_8)} ms = "
                     f"{fr(ratio(p_l, p_8))} | - |")
        else:
            ok = p_l is not None and p_8 is not None and p_l <= 2 * max(p_8, 1)
            L.append(f"| real time: p95 with {CLIENTS} clients + {RT_RATE:,} docs/s within 2x of"
                     f" the same {CLIENTS} clients idle | {fr(p_l)} vs {fr(p_8)} ms = "
                     f"{fr(ratio(p_l, p_8))} | {'yes' if ok else 'no'} |")
        L.append(f"| real time: the same p95 against one client idle (report) | {fr(p_l)} vs "
                 f"{fr(p_i)} ms = {fr(ratio(p_l, p_i))} | - |")
        L.append(f"| real time: documents/s achieved of {RT_RATE:,} asked | "
                 f"{rt['docs_per_s']:,.0f} | {'yes' if rt['docs_per_s'] >= 0.95 * RT_RATE else 'no'} |")
        L.append(f"| real time: every document written queryable, none lost | "
                 f"{rt['docs_found']:,} found of {rt['docs_acknowledged']:,} acknowledged, "
                 f"{rt['docs_missing']} missing | {'yes' if rt['docs_missing'] == 0 and not rt['write_errors'] else 'no'} |")
    rtu = res.get("realtime_updates")
    if rtu:
        p_l, p_8, p_p = (rtu["p95_server_ms_loaded"], rtu.get("p95_server_ms_idle8"),
                         rtu.get("p95_server_ms_paused"))
        L.append(f"| real time, a stream of updates (report): p95 with {CLIENTS} clients + "
                 f"{RT_RATE:,} replacements/s of the windows' jobs vs the same clients idle on the "
                 f"same data (before the stream; in its pauses) | {fr(p_l)} vs {fr(p_8)} ms = "
                 f"{fr(ratio(p_l, p_8))}; vs {fr(p_p)} ms = {fr(ratio(p_l, p_p))} | - |")
        L.append(f"| real time, updates: replacements/s achieved of {RT_RATE:,} asked (report) | "
                 f"{rtu['docs_per_s']:,.0f} | - |")
        L.append(f"| real time, updates: every document holds its last acknowledged version | "
                 f"{rtu['docs_found']:,} of {rtu['ids_written']:,}, {rtu['docs_missing']} not | "
                 f"{'yes' if rtu['docs_missing'] == 0 and not rtu['write_errors'] else 'no'} |")
    L += stream.report_rows(res.get("stream"))
    if rt:
        L += realtime_report(rt)
    if rtu:
        L += realtime_report(rtu)
    if res.get("peers"):
        L += peers_report(res)
    for k, v in res.get("errors", {}).items():
        L.append(f"\nerror in {k}: {v}")
    return "\n".join(L)


def realtime_report(rt):
    what = ("replacing the last 5,000 recent workflow_job documents in turn (their own _ids,"
            " a new runner_name each time: the windows change, their sizes do not)"
            if rt.get("updates") else
            "posting workflow_job documents (copies of the last 5,000 recent jobs under new"
            " _ids: each lands in the queries' windows, which grow as the run goes on)")
    L = ["", f"Real time{', updates' if rt.get('updates') else ''} ({CLIENTS} client threads "
         f"looping over the queries, one writer {what} in batches of {RT_RATE // 10} at "
         f"{RT_RATE:,}/s for "
         f"{rt['seconds']:.0f} s"
         + (f", in bursts of {RT_BURST_S} s each followed by {RT_BURST_S} s without it" if
            rt.get("bursts") else "") + f"): achieved {rt['docs_per_s']:,.0f} docs/s (a batch took "
         f"{fr(rt['batch_ms_median'])} ms median, {fr(rt['batch_ms_max'])} max), "
         f"{rt['queries_run']} queries run" + (" within the bursts" if rt.get("bursts") else "")
         + "; p95 over queries of the median server ms "
         f"{fr(rt['p95_server_ms_loaded'])} loaded (runs begun and ended within a burst)"
         + (f" vs {fr(rt.get('p95_server_ms_paused'))} in the pauses ({rt['paused_runs']} runs"
            f" begun {RT_SETTLE_S:.0f} s or more into a pause and ended in it)," if
            rt.get("bursts") else "") +
         f" vs {fr(rt.get('p95_server_ms_idle8'))} with "
         f"the same {CLIENTS} clients and no writer before it ({RT_IDLE8_SECONDS} s) and "
         f"{fr(rt['p95_server_ms_idle'])} with one client "
         f"(p95 of every loaded run: {fr(rt['p95_all_runs_loaded'])}). Queries wait for one of "
         "the server's query slots (--max-concurrent-queries, one per core by default): "
         f"stats.throttled_time_micros p50 {fr(rt.get('throttled_p50_ms'))} ms, p95 "
         f"{fr(rt.get('throttled_p95_ms'))} ms, counted in the server times. Without that wait"
         f" (p95 over queries of the median time run): {fr(rt.get('p95_exec_ms'))} ms loaded vs"
         + (f" {fr(rt.get('p95_paused_exec_ms'))} ms in the pauses and" if rt.get("bursts")
            else "") +
         f" {fr((rt.get('idle8') or {}).get('p95_exec_ms'))} ms before. The server used"
         f" {rt.get('server_cores', 0):.2f} cores "
         + ("over the bursts and pauses" if rt.get("bursts") else "loaded") + ", "
         f"{(rt.get('idle8') or {}).get('server_cores', 0):.2f} with the clients alone (of"
         f" {os.cpu_count()}). The store's WAL peaked at {rt.get('wal_max_mib', 0):,.0f} MiB."
         + (f" Column replica's lag as the {rt['column_queries']} queries on the columns found"
            f" it: p50 {rt['column_lag_p50_ms']} ms, p95 {rt['column_lag_p95_ms']} ms, max"
            f" {rt['column_lag_max_ms']} ms (goal p95 < 1,000 ms)."
            if rt.get("column_queries") else "")
         + (f" Write errors: {rt['write_errors']}." if rt["write_errors"] else ""), "",
         f"| query | runs | timeouts | errors | median server ms loaded | in the pauses | "
         f"{CLIENTS} clients idle before | one client idle | loaded / pauses | loaded / before |",
         "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]

    def ms(x):
        return "-" if x is None else f"{x:,.0f}"
    for qid, v in rt["per_query"].items():
        m, i8, i = v["median_server_ms"], v.get("idle8_server_ms"), v["idle_server_ms"]
        p = v.get("paused_server_ms")
        L.append(f"| {qid} | {v['runs']} | {v['timeouts']} | {v['errors']} | {ms(m)} | {ms(p)} | "
                 f"{ms(i8)} | {ms(i)} | {fr(ratio(m, p))} | {fr(ratio(m, i8))} |")
    return L


def peers_report(res):
    p = res["peers"]
    t = res["timeout_s"]
    large = res["rl_large"]
    pg, dk = p.get("pg") or {}, p.get("duck") or {}
    L = ["", f"Peers at {res['sizes'][1]:,} documents: client times in ms (rockset-local: the "
         "HTTP round trip through a lean keep-alive client, lib.QueryConn, request and JSON "
         "answer whole; PostgreSQL: psycopg2 over the unix socket; DuckDB: node, in process), "
         "median of up to the same number of runs, each system running every query once a round "
         "(lib.measure_rounds). Answers are compared with rockset-local's at "
         f"{res['sizes'][0]:,} after normalising (timestamps to one UTC form, numbers to 6 "
         "significant digits, numeric strings to numbers, undefined = null); every query orders "
         "its rows completely, so rows are compared in order.", "",
         "| query | peer question | kind | rockset-local | PostgreSQL | DuckDB | rl / PG | rl / DuckDB |"
         " PG same answer | DuckDB same answer |",
         "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    sixes = []
    for q in QUERIES:
        r = large[q["id"]]
        a = pg.get("queries", {}).get(q["id"])
        d = dk.get("queries", {}).get(q["id"])
        rl = ms_of(r, "client_ms", t)
        rp = ratio(rl, ms_of(a, "client_ms", t), 0.01)
        rd = ratio(rl, ms_of(d, "client_ms", t), 0.01)

        def cm(x):
            return "-" if x is None else ("timeout" if x["status"] == "timeout" else
                                          "error" if x["status"] != "ok" else f"{x['client_ms']:,.1f}")
        L.append(f"| {q['id']} {q['title']} | {q['peer'] or ''} | {q['kind']} | {cm(r)} | {cm(a)} | "
                 f"{cm(d)} | {fr(rp)} | {fr(rd)} | {res['same_pg'].get(q['id'], '-')} | "
                 f"{res['same_duck'].get(q['id'], '-')} |")
        if q["peer"]:
            sixes.append((q, rp, rd))
    rt_rl, rt_pg = res.get("rl_roundtrip_ms"), pg.get("roundtrip_ms")
    L += ["", "The six peer questions of the issue (rockset-local / peer, client times; the last "
          "column takes each system's SELECT 1 round trip off both times, rockset-local "
          f"{fr(rt_rl)} ms over HTTP and JSON, PostgreSQL {fr(rt_pg)} ms over its socket, to "
          "show the part that is query work; report only):", "",
          "| question | rl / PostgreSQL | rl / DuckDB | goal | met | rl / PG net of round trips |",
          "| --- | --- | --- | --- | --- | --- |"]
    for q, rp, rd in sixes:
        if q["kind"] == "wide-aggregate":
            goal, met = "reported (wide aggregate)", "-"
        else:
            goal, met = "rl <= 2x PostgreSQL", "yes" if rp is not None and rp <= 2 else "no"
        a_rl = ms_of(large[q["id"]], "client_ms", t)
        a_pg = ms_of(pg.get("queries", {}).get(q["id"]), "client_ms", t)
        net = (ratio(a_rl - rt_rl, a_pg - rt_pg, 0.01)
               if None not in (a_rl, a_pg, rt_rl, rt_pg) else None)
        L.append(f"| {q['peer']} ({q['id']}) | {fr(rp)} | {fr(rd)} | {goal} | {met} | {fr(net)} |")
    every = [ratio(ms_of(large[q['id']], 'client_ms', t),
                   ms_of(pg.get('queries', {}).get(q['id']), 'client_ms', t), 0.01) for q in QUERIES]
    le = sum(1 for x in every if x is not None and x <= 1)
    L.append("")
    L.append(f"Every question: rockset-local <= PostgreSQL on {le} of {len(QUERIES)} (a later "
             "issue's goal: all); wide aggregates within 2x of DuckDB on "
             f"{sum(1 for q in QUERIES if q['kind'] == 'wide-aggregate' and (lambda x: x is not None and x <= 2)(ratio(ms_of(large[q['id']], 'client_ms', t), ms_of(dk.get('queries', {}).get(q['id']), 'client_ms', t), 0.01)))}"
             f" of {sum(1 for q in QUERIES if q['kind'] == 'wide-aggregate')}.")
    L += ["", "| system | documents | load (docs/s) | size on disk |", "| --- | --- | --- | --- |"]
    for name, v in p["load"].items():
        L.append(f"| {name} | {v['docs']:,} | {v['rate']} | {v['size_bytes'] / 2**20:,.0f} MiB |")
    return L


def update_results(text, res):
    path = os.path.join(ROOT, "tests", "bench", "RESULTS.md")
    begin, end = "<!-- dashboard:begin -->", "<!-- dashboard:end -->"
    with open(path) as f:
        cur = f.read()
    section = (f"{begin}\n## CI dashboard at 100,000 and 1,000,000 documents (dashboard/run.py)\n\n"
               f"Run {res['date']} on {res['machine']}; the whole run took "
               f"{res['wall_s'] / 60:.0f} min.\n\n{text}\n{end}")
    if begin in cur and end in cur:
        cur = cur[:cur.index(begin)] + section + cur[cur.index(end) + len(end):]
    else:
        cur = cur.rstrip("\n") + "\n\n" + section + "\n"
    with open(path, "w") as f:
        f.write(cur)


# ------------------------------------------------------------------------------ main

def compare(ref, other):
    out = {}
    for q in QUERIES:
        a, b = ref.get(q["id"]), (other or {}).get(q["id"])
        if b is None:
            continue
        if a is None or a.get("rows") is None or b.get("rows") is None:
            out[q["id"]] = b["status"] if b["status"] != "ok" else "-"
        elif lib.same(a["rows"], b["rows"]):
            out[q["id"]] = "yes"
        else:
            out[q["id"]] = "NO"
            log(f"  {q['id']} differs: {lib.first_difference(a['rows'], b['rows'])[:400]}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=SIZES, default=os.environ.get("SIZE", "full"))
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--timeout", type=int, default=60, help="per-query timeout, seconds")
    ap.add_argument("--rt-seconds", type=int, default=None,
                    help="how long documents stream in (default 60, small: 20)")
    ap.add_argument("--stream-seconds", type=int, default=None,
                    help="how long the sustained stream (stream.py) writes (default 30, small: 10)")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--skip-rt", action="store_true")
    ap.add_argument("--results", action="store_true", help="write the RESULTS.md section")
    args = ap.parse_args()
    wall = time.monotonic()
    if args.rt_seconds is None:
        args.rt_seconds = 20 if args.size == "small" else 60
    if args.stream_seconds is None:
        args.stream_seconds = 10 if args.size == "small" else 30
    b = build_dir()
    binary = os.path.join(b, "rockset-local")
    node_dir = os.path.join(b, "bench", "node")
    n_recent, n_hist = SIZES[args.size]
    data, params, counts = dataset(b, n_recent, n_hist)
    recent, hist = os.path.join(data, "recent"), os.path.join(data, "history")
    work = tempfile.mkdtemp(prefix="rs-dashboard-", dir=os.path.join(b, "bench"))
    res = {"date": datetime.date.today().isoformat(),
           "machine": f"{os.cpu_count()} CPUs, {platform.machine()}, Linux {platform.release()}",
           "size": args.size, "sizes": [n_recent, n_recent + n_hist], "counts": counts,
           "params": params, "timeout_s": args.timeout, "reps": args.reps, "errors": {},
           "same_off": {}, "same_pg": {}, "same_duck": {}}
    servers = []
    try:
        # parts 1-2 and 6: the small size, indexes on, then off
        srv, ld_on = loaded_server(binary, work, "small", [recent])
        servers.append(srv)
        res["warm_up_small_s"], res["settle_small"] = warm_up(srv, params, args.timeout)
        log(f"small: warmed up (indexes asked for by use built) in {res['warm_up_small_s']:.0f} s")
        res["rl_small"] = run_all(srv, params, args.reps, args.timeout)
        res["rl_small_size_bytes"] = srv.size_bytes()
        srv.stop()
        servers.remove(srv)
        srv, ld_off = loaded_server(binary, work, "small-off", [recent],
                                    ("--field-index", "off", "--column-index", "off"))
        servers.append(srv)
        res["rl_off"] = run_all(srv, params, 1, args.timeout)
        srv.stop()
        servers.remove(srv)
        # the same load without the column replica (ingest with / without it)
        srv, ld_nocol = loaded_server(binary, work, "small-nocols", [recent],
                                      ("--column-index", "off"))
        srv.stop()
        res["ingest"] = {"on": ld_on["docs_per_s"], "off": ld_off["docs_per_s"],
                         "ratio": ld_on["docs_per_s"] / ld_off["docs_per_s"], "docs": ld_on["docs"],
                         "nocols": ld_nocol["docs_per_s"],
                         "cols_ratio": ld_on["docs_per_s"] / ld_nocol["docs_per_s"],
                         "columns_after_s": ld_on["columns_after_s"]}
        # the large size
        srv, ld_large = loaded_server(binary, work, "large", [hist, recent])
        servers.append(srv)
        res["warm_up_large_s"], res["settle_large"] = warm_up(srv, params, args.timeout)
        log(f"large: warmed up (indexes asked for by use built) in {res['warm_up_large_s']:.0f} s")
        res["rl_large"] = run_all(srv, params, args.reps, args.timeout)
        res["rl_roundtrip_ms"] = roundtrip_ms(srv)
        res["rl_large_size_bytes"] = srv.size_bytes()
        res["rl_large_sqlite_bytes"] = srv.size_bytes("sqlite")
        res["rl_large_columns_bytes"] = srv.size_bytes("columns")
        res["rl_large_load"] = ld_large
        res["same_sizes"] = compare(res["rl_small"], res["rl_large"])
        res["same_off"] = compare(res["rl_small"], res["rl_off"])
        if not args.skip_rt:
            log(f"real time: {CLIENTS} clients, {RT_RATE}/s for {args.rt_seconds} s")
            idle8 = realtime(srv, data, params, res["rl_large"], RT_IDLE8_SECONDS, args.timeout,
                             rate=0)
            res["realtime"] = realtime(srv, data, params, res["rl_large"], args.rt_seconds,
                                       args.timeout, idle8=idle8, bursts=True)
            # the inserts added to the windows: the same clients alone on the grown data, then
            # a stream of updates that leaves the windows' sizes as they are
            log(f"real time: {CLIENTS} clients idle again, then {RT_RATE}/s updates")
            idle8b = realtime(srv, data, params, res["rl_large"], RT_IDLE8_SECONDS, args.timeout,
                              rate=0)
            res["realtime_updates"] = realtime(srv, data, params, res["rl_large"],
                                               args.rt_seconds, args.timeout, idle8=idle8b,
                                               updates=True, bursts=True)
            log(f"sustained stream: {RT_RATE}/s for {args.stream_seconds} s, no clients")
            res["stream"] = stream.stream_lag(srv, data, args.stream_seconds, RT_RATE)
        srv.stop()
        servers.remove(srv)
        if not args.skip_peers:
            res["peers"] = run_peers(res, node_dir, work, [hist, recent], params, args)
    finally:
        for s in servers:
            s.stop()
        try:
            os.rmdir(work)
        except OSError:
            pass
    res["wall_s"] = time.monotonic() - wall
    # the JSON keeps row counts, not rows (answers are compared above)
    parts = [res.get(p, {}) for p in ("rl_small", "rl_large", "rl_off")]
    parts += [((res.get("peers") or {}).get(p) or {}).get("queries", {}) for p in ("pg", "duck")]
    for part in parts:
        for r in part.values():
            if r.get("rows") is not None:
                r["n_rows"] = len(r.pop("rows"))
    text = report(res)
    print(text)
    out = os.path.join(b, "bench", "dashboard.json")
    with open(out, "w") as f:
        json.dump(res, f, indent=1, default=str)
    log(f"wrote {out}; the run took {res['wall_s'] / 60:.1f} min")
    if args.results:
        update_results(text, res)
    bad = [k for k, v in list(res["same_sizes"].items()) + list(res["same_off"].items())
           + list(res["same_pg"].items()) + list(res["same_duck"].items()) if v == "NO"]
    rt = res.get("realtime")
    if rt and (rt["docs_missing"] or rt["write_errors"]):
        bad.append("realtime")
    st = res.get("stream")
    if st and (st["docs_in_columns"] != st["docs_acknowledged"] or st["write_errors"]):
        bad.append("stream")
    return 1 if bad else 0


def run_peers(res, node_dir, work, segments, params, args):
    out = {"load": {}}
    why = peers.pg_available()
    if why:
        res["errors"]["postgresql"] = why
        log(f"PostgreSQL skipped: {why}")
    else:
        pg = peers.Postgres()
        try:
            n, copy_s, index_s = pg.load(segments)
            log(f"postgres: {n:,} documents, COPY {copy_s:.1f} s, indexes + ANALYZE {index_s:.1f} s")
            out["load"][f"PostgreSQL {peers.PG_BIN.split('/')[4]} (jsonb + expression indexes)"] = {
                "docs": n, "rate": f"{n / copy_s:,.0f} (COPY), {n / (copy_s + index_s):,.0f} with "
                f"{len(peers.PG_INDEXES)} indexes + ANALYZE", "size_bytes": pg.size_bytes()}
            out["pg"] = {"queries": pg.run_queries(QUERIES, params, args.reps, args.timeout),
                         "roundtrip_ms": median([pg.timed("SELECT 1", 10)["client_ms"]
                                                 for _ in range(ROUNDTRIPS)])}
        finally:
            pg.stop()
        res["same_pg"] = compare(res["rl_small"], out["pg"]["queries"])
    why = peers.duck_available(node_dir)
    if why:
        res["errors"]["duckdb"] = why
        log(f"DuckDB skipped: {why}")
    else:
        d = peers.duckdb(node_dir, work, segments, QUERIES, params, args.reps, args.timeout)
        if d:
            out["duck"] = d
            out["load"]["DuckDB (typed tables, read_json)"] = {
                "docs": d["docs"], "rate": f"{d['docs'] / d['load_s']:,.0f}",
                "size_bytes": d["size_bytes"]}
            res["same_duck"] = compare(res["rl_small"], d["queries"])
    ll = res["rl_large_load"]
    out["load"]["rockset-local (every path indexed)"] = {
        "docs": ll["docs"], "rate": f"{ll['docs_per_s']:,.0f} (documents API, batches of {lib.BATCH})",
        "size_bytes": res["rl_large_size_bytes"]}
    return out


if __name__ == "__main__":
    sys.exit(main())
