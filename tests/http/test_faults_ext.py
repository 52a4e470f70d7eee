"""test_faults_ext.py - the extension against a misbehaving rockset-local (issue #6).

Every scenario drives one sqlite3 shell (tests/faults/sqlshell.py) against a server of its own,
started with fault knobs, stopped or killed and restarted on the same port and --data file
between statements. What is proved:
  - reads (rockset_query paging, a `rockset` table scan, the catalog tables) return exactly the
    right rows while 20% of requests fail with 503, or while the server rate-limits;
  - writes land exactly once: a write that fails surfaces the server's error word for word, and
    repeating it until it succeeds leaves exactly one copy (rockset_exec INSERT INTO, bulk
    INSERT through a `rockset` table in transactions with several batches);
  - nothing hangs past its timeout: a slow server trips timeout_ms with the documented message
    in about that time; a dead server fails fast with "cannot connect"; a server killed in the
    middle of a paged read ends that statement with an error, not a hang;
  - after a restart on the same --data file the same session reads everything it wrote.
Each scenario also counts the faults the server injected (its log has one line per request with
the status) and checks that faults really happened. The figures are printed as "# faults ..."
lines. Under RS_VALGRIND=1 every time bound is multiplied by 20.
"""
import os
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "faults"))
import rl  # noqa: E402
from rl import case, check  # noqa: E402
from sqlshell import Hung, SqlShell  # noqa: E402

rl.set_prefix("faults_ext")
SLOW = 20 if os.environ.get("RS_VALGRIND") == "1" else 1
INJECTED_503 = "error: rockset: injected failure (--fail-rate) (SERVICEUNAVAILABLE, HTTP 503)"
N_DOCS = 120


class Node:
    """One rockset-local on a fixed port and data file, restartable with other flags."""

    def __init__(self, tag):
        self.data = os.path.join(rl.OUT, f"{rl.uniq(tag)}.db")
        self.port = None
        self.srv = None
        self.logs = []

    def start(self, *flags):
        port_flags = ("--port", str(self.port)) if self.port else ()
        # rl.start_server passes --port 0 first; a later --port wins
        self.srv = rl.start_server("--data", self.data, *port_flags, *flags,
                                   timeout=10.0 * SLOW)
        self.port = self.srv.port
        self.logs.append(self.srv.log_path)
        return self

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.srv.stop(timeout=10.0 * SLOW)

    def kill9(self):
        self.srv.kill9()

    def count_status(self, status):
        """Requests answered with this status, over every run of this node so far."""
        n = 0
        for path in self.logs:
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    n += sum(1 for line in f if line.startswith("rockset-local: ")
                             and f" {status} " in line)
            except OSError:
                pass
        return n


def shell(node, tag):
    return SqlShell(node.url, rl.KEY, os.path.join(rl.OUT, f"{rl.uniq(tag)}.tmp"))


def fixture(node, ws, coll, n=N_DOCS):
    """Workspace, READY collection and n documents {_id: "d<i>", n: i}, made over plain HTTP."""
    rl.make_ws(ws, url=node.url)
    rl.make_coll(ws, coll, url=node.url)
    r = rl.add_docs(ws, coll, [{"_id": f"d{i}", "n": i} for i in range(1, n + 1)], url=node.url)
    rl.wait_fence(ws, coll, r.body["last_offset"], url=node.url)


def until_ok(sh, sql, allowed, tries=40, on_fail=None, pause=0.0):
    """Run a non-idempotent statement until it succeeds, as a user would; every failure must be
    one of the allowed error lines (on_fail, e.g. a ROLLBACK, runs after each; then a pause in
    seconds). Returns (output of the success, number of failures, unexpected failures)."""
    failures, odd = 0, []
    for _ in range(tries):
        out = sh.one(sql, timeout=120 * SLOW)
        if not out.startswith("error: "):
            return out, failures, odd
        failures += 1
        if out not in allowed:
            odd.append(out)
        if on_fail:
            sh.one(on_fail)
        time.sleep(pause)
    return None, failures, odd


READS = [
    # (name, SQL, exact output)
    ("paged_query", "SELECT count(*), sum(json_extract(doc, '$.n')), min(json_extract(doc, '$.n')),"
     " max(json_extract(doc, '$.n')) FROM rockset_query('SELECT n FROM {ws}.{c} ORDER BY n');",
     f"{N_DOCS}|{N_DOCS * (N_DOCS + 1) // 2}|1|{N_DOCS}"),
    ("table_scan", "SELECT count(*), sum(n) FROM t WHERE n > 20;",
     f"{N_DOCS - 20}|{N_DOCS * (N_DOCS + 1) // 2 - 210}"),
    ("table_point_reads", "SELECT group_concat(n) FROM (SELECT n FROM t "
     "WHERE _id IN ('d7', 'd70', 'nope') ORDER BY n);", "7,70"),
    ("catalog", "SELECT name, doc_count FROM rockset_collections('{ws}');", f"{{c}}|{N_DOCS}"),
    ("workspaces", "SELECT count(*) FROM rockset_workspaces WHERE name = '{ws}';", "1"),
]


def run_reads(sh, ws, c, label, rounds):
    for _ in range(rounds):
        for name, sql, want in READS:
            got = sh.one(sql.format(ws=ws, c=c), timeout=180 * SLOW)
            if not check(f"{label}/{name}", got == want.format(c=c),
                         f"expected {want!r}, got {got!r}"):
                return


@case
def reads_exact_under_503s():
    node = Node("fx_r503").start()
    ws, c = rl.uniq("fxr"), rl.uniq("c")
    fixture(node, ws, c)
    node.stop()
    node.start("--fail-rate", "0.2", "--fail-status", "503")
    sh = shell(node, "fx_r503")
    sh.one("SELECT rockset_config('retries', 12), rockset_config('page_size', 7);")
    check("connect", sh.one("SELECT rockset_connect() LIKE 'connected: server%';") == "1")
    until_ok(sh, f"CREATE VIRTUAL TABLE t USING rockset(collection='{ws}.{c}', "
             "columns='n INTEGER', page_size=9);", [INJECTED_503])
    run_reads(sh, ws, c, "reads", rounds=3)
    node.stop()
    injected = node.count_status(503)
    print(f"# faults reads_exact_under_503s: {injected} injected 503s survived", flush=True)
    check("faults_were_injected", injected >= 5, f"only {injected} 503s injected")
    check("shell_clean_exit", *sh.closed_cleanly())


@case
def writes_exactly_once_under_503s():
    node = Node("fx_w503").start()
    ws, c = rl.uniq("fxw"), rl.uniq("c")
    fixture(node, ws, c, n=0)
    node.stop()
    node.start("--fail-rate", "0.2", "--fail-status", "503")
    sh = shell(node, "fx_w503")
    sh.one("SELECT rockset_config('retries', 12);")
    sh.one("SELECT rockset_connect();")
    failures, odd = 0, []
    for i in range(1, 31):
        out, f, o = until_ok(sh, f"SELECT json_extract(rockset_exec('INSERT INTO {ws}.{c} "
                                 f"SELECT ''e{i}'' AS _id, {i} AS n'), '$.num_docs_inserted');",
                             [INJECTED_503])
        failures += f
        odd += o
        if not check(f"exec_insert_{i}", out == "1", f"got {out!r}"):
            break
    check("exec_failures_read_well", not odd, f"unexpected errors: {odd[:3]}")
    until_ok(sh, f"CREATE VIRTUAL TABLE t USING rockset(collection='{ws}.{c}', "
             "columns='n INTEGER', batch_size=7);", [INJECTED_503])
    for tx in range(5):
        rows = ", ".join(f"('b{tx}_{k}', {1000 + tx * 20 + k})" for k in range(20))
        # a failed COMMIT may have sent some batches: the retry re-sends the same _ids, which
        # replace, so the end state holds each row once
        out, f, o = until_ok(sh, f"BEGIN; INSERT INTO t(_id, n) VALUES {rows}; COMMIT;",
                             [INJECTED_503], on_fail="ROLLBACK;")
        failures += f
        odd += o
        check(f"bulk_insert_tx_{tx}", out == "", f"got {out!r}; errors {o[:2]}")
    want_sum = sum(range(1, 31)) + sum(1000 + tx * 20 + k for tx in range(5) for k in range(20))
    got = sh.one("SELECT count(*), count(DISTINCT _id), sum(n) FROM t;", timeout=120 * SLOW)
    check("each_write_landed_once", got == f"130|130|{want_sum}", f"got {got!r}")
    node.stop()
    injected = node.count_status(503)
    print(f"# faults writes_exactly_once_under_503s: {injected} injected 503s, {failures} "
          "surfaced to SQL and repeated", flush=True)
    check("faults_were_injected", injected >= 5 and failures >= 1,
          f"{injected} injected, {failures} surfaced")
    check("shell_clean_exit", *sh.closed_cleanly())


@case
def rate_limited_reads_and_writes():
    node = Node("fx_rate").start()
    ws, c = rl.uniq("fxl"), rl.uniq("c")
    fixture(node, ws, c)
    node.stop()
    node.start("--rate-limit", "4")
    sh = shell(node, "fx_rate")
    sh.one("SELECT rockset_config('retries', 12), rockset_config('page_size', 25);")
    sh.one("SELECT rockset_connect();")
    limited = "error: rockset: Rate limit exceeded: more than 4 requests per second " \
              "(RATELIMITEXCEEDED, HTTP 429)"
    until_ok(sh, f"CREATE VIRTUAL TABLE t USING rockset(collection='{ws}.{c}', "
             "columns='n INTEGER', page_size=25);", [limited])
    run_reads(sh, ws, c, "reads", rounds=1)
    odd = []
    for i in range(1, 7):
        out, _f, o = until_ok(sh, f"SELECT json_extract(rockset_exec('INSERT INTO {ws}.{c} "
                                  f"SELECT ''r{i}'' AS _id, 0 AS n'), '$.num_docs_inserted');",
                              [limited], pause=0.3)
        odd += o
        check(f"exec_insert_{i}", out == "1", f"got {out!r}")
    check("write_failures_read_well", not odd, f"unexpected errors: {odd[:3]}")
    got = sh.one("SELECT count(*) FROM t WHERE _id LIKE 'r%';", timeout=120 * SLOW)
    check("each_write_landed_once", got == "6", f"got {got!r}")
    node.stop()
    n429 = node.count_status(429)
    print(f"# faults rate_limited_reads_and_writes: {n429} answers 429 survived", flush=True)
    check("faults_were_injected", n429 >= 3, f"only {n429} 429s")
    check("shell_clean_exit", *sh.closed_cleanly())


@case
def slow_server_trips_timeout():
    node = Node("fx_slow").start()
    ws, c = rl.uniq("fxs"), rl.uniq("c")
    fixture(node, ws, c, n=10)
    node.stop()
    node.start("--latency-ms", str(600 * SLOW))
    sh = shell(node, "fx_slow")
    sh.one("SELECT rockset_connect();")
    ms = 200 * SLOW
    sh.one(f"SELECT rockset_config('timeout_ms', {ms});")
    want = f"error: rockset: request to {node.url} timed out after {ms} ms"
    for name, sql in (("query", "SELECT * FROM rockset_query('SELECT 1 AS x');"),
                      ("catalog", "SELECT count(*) FROM rockset_workspaces;"),
                      ("exec", f"SELECT rockset_exec('INSERT INTO {ws}.{c} SELECT 1 AS n');")):
        try:
            out, secs = sh.run(sql, timeout=30 * SLOW)
        except Hung as exc:
            check(f"{name}_times_out", False, str(exc))
            continue
        # idempotent reads are retried after a timeout (up to `retries` times): allow that
        check(f"{name}_times_out", out == [want], f"got {out!r}")
        check(f"{name}_no_hang", secs < 15 * SLOW, f"took {secs:.1f} s")
    sh.one("SELECT rockset_config('timeout_ms', 60000);")
    out = sh.one(f"SELECT count(*) FROM rockset_query('SELECT _id FROM {ws}.{c}');",
                 timeout=60 * SLOW)
    # 11: the INSERT whose answer timed out was sent once and not retried (a write is never
    # retried), and the server went on to apply it: at most once, and the caller was told.
    check("patient_read_exact", out == "11", f"got {out!r}")
    node.stop()
    check("shell_clean_exit", *sh.closed_cleanly())


@case
def killed_and_restarted_mid_run():
    node = Node("fx_kill").start()
    ws, c = rl.uniq("fxk"), rl.uniq("c")
    fixture(node, ws, c, n=100)
    sh = shell(node, "fx_kill")
    sh.one("SELECT rockset_config('retries', 2), rockset_config('page_size', 5);")
    sh.one("SELECT rockset_connect();")
    sh.one(f"CREATE VIRTUAL TABLE t USING rockset(collection='{ws}.{c}', columns='n INTEGER');")
    out = sh.one("INSERT INTO t(_id, n) VALUES ('before_kill', 1000);")
    check("write_before_kill", out == "", f"got {out!r}")
    node.kill9()
    dead = f"error: rockset: cannot connect to {node.url} (Couldn't connect to server)"
    for name, sql in (("query", "SELECT * FROM rockset_query('SELECT 1');"),
                      ("scan", "SELECT count(*) FROM t;"),
                      ("write", "INSERT INTO t(_id, n) VALUES ('while_dead', 1);")):
        try:
            out, secs = sh.run(sql, timeout=60 * SLOW)
            check(f"dead_{name}_fails_cleanly", out == [dead], f"got {out!r}")
            check(f"dead_{name}_fails_fast", secs < 10 * SLOW, f"took {secs:.1f} s")
        except Hung as exc:
            check(f"dead_{name}_fails_cleanly", False, str(exc))
    node.start("--latency-ms", str(30 * SLOW))
    out = sh.one("SELECT count(*), sum(n) FROM t;", timeout=120 * SLOW)
    check("same_session_reads_after_restart", out == f"101|{5050 + 1000}", f"got {out!r}")
    # kill while one statement pages through the collection (5 rows per request, 21 requests
    # of 30 ms each: the kill comes at about the tenth)
    killer = threading.Timer(0.3 * SLOW, node.kill9)
    killer.start()
    try:
        out, secs = sh.run("SELECT count(*) FROM rockset_query("
                           f"'SELECT n FROM {ws}.{c} ORDER BY n');", timeout=120 * SLOW)
        check("killed_mid_scan_ends_with_error", len(out) == 1 and out[0].startswith(
            "error: rockset: "), f"got {out!r}")
    except Hung as exc:
        check("killed_mid_scan_ends_with_error", False, str(exc))
    killer.join()
    node.start()
    out = sh.one(f"SELECT count(*) FROM rockset_query('SELECT n FROM {ws}.{c} ORDER BY n');",
                 timeout=120 * SLOW)
    check("full_read_after_second_restart", out == "101", f"got {out!r}")
    out = sh.one("INSERT INTO t(_id, n) VALUES ('after_restart', 2000);")
    got = sh.one("SELECT group_concat(_id) FROM (SELECT _id FROM t WHERE n >= 1000 OR "
                 "_id = 'while_dead' ORDER BY _id);")
    check("write_after_restart_once", out == "" and got == "after_restart,before_kill",
          f"insert said {out!r}, rows {got!r}")
    node.stop()
    print("# faults killed_and_restarted_mid_run: 2 kill -9 of the server survived", flush=True)
    check("shell_clean_exit", *sh.closed_cleanly())


rl.done()
