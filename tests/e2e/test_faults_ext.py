"""test_faults_ext.py - the extension against a misbehaving rockset-local (docs/reliability.md).

Every scenario drives one sqlite3 shell (tests/lib/sqlshell.py) against a server of its own,
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
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import rl  # noqa: E402
from rl import case, check  # noqa: E402
from faultnode import Node, fixture, shell, until_ok  # noqa: E402
from sqlshell import Hung  # noqa: E402

rl.set_prefix("faults_ext")
SLOW = 20 if os.environ.get("RS_VALGRIND") == "1" else 1
INJECTED_503 = "error: rockset: injected failure (--fail-rate) (SERVICEUNAVAILABLE, HTTP 503)"
N_DOCS = 120


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


# The size: a 100,000-row bulk INSERT and scan through a `rockset` table (20,000 under
# valgrind, where everything runs ~20x slower; the code paths are the same).
BIG = 20_000 if SLOW > 1 else 100_000
BIG_WANT = f"{BIG}|{BIG}|{BIG * (BIG + 1) // 2}"
BIG_INSERT = ("INSERT INTO t(_id, n, tag) WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
              f"FROM s WHERE i < {BIG}) SELECT 'k' || i, i, 'bulk' FROM s;")
BIG_TABLE = ("CREATE VIRTUAL TABLE t USING rockset(collection='{ws}.{c}', "
             "columns='n INTEGER, tag TEXT', batch_size=5000, page_size=10000);")


def bulk_round(node, tag, flags, label):
    """Restart node with flags; bulk-insert BIG rows (each with its _id) into a fresh collection
    and read them back: each lands once and the scan is exact."""
    ws, c = rl.uniq(tag), rl.uniq("c")
    fixture(node, ws, c, n=0)
    node.stop()
    node.start(*flags)
    sh = shell(node, tag)
    sh.one("SELECT rockset_config('retries', 12);")
    until_ok(sh, BIG_TABLE.format(ws=ws, c=c), [INJECTED_503])
    t0 = time.monotonic()
    out = sh.one(BIG_INSERT, timeout=600 * SLOW)
    secs = time.monotonic() - t0
    check(f"{label}/bulk_insert_completes", out == "", repr(out))
    got = sh.one("SELECT count(*), count(DISTINCT _id), sum(n) FROM t;", timeout=600 * SLOW)
    check(f"{label}/each_row_landed_once", got == BIG_WANT, f"got {got!r}")
    got = sh.one(f"SELECT count(*), min(n), max(n) FROM t WHERE n > {BIG // 2} AND tag = 'bulk';",
                 timeout=600 * SLOW)
    check(f"{label}/filtered_scan_exact", got == f"{BIG - BIG // 2}|{BIG // 2 + 1}|{BIG}",
          f"got {got!r}")
    check(f"{label}/shell_clean_exit", *sh.closed_cleanly())
    return secs


@case
def bulk_insert_and_scan_under_faults():
    node = Node("fx_bulk").start()
    figures, healthy = [], None
    # the healthy round first: the faulty rounds' times are reported as ratios to it
    for label, flags, status in (("healthy", (), None),
                                 ("503", ("--fail-rate", "0.2", "--fail-status", "503"), 503),
                                 ("rate_limit", ("--rate-limit", "4"), 429),
                                 ("latency", ("--latency-ms", str(150 * SLOW)), None)):
        before = node.count_status(status) if status else 0
        secs = bulk_round(node, "fxb", flags, label)
        node.stop()
        n = node.count_status(status) - before if status else 0
        healthy = healthy or secs
        figures.append(f"{label}: {n} faults, insert {secs:.1f} s = {secs / healthy:.1f}x healthy")
        # under valgrind (20,000 rows: ~10 requests, each slower than the rate limit's window)
        # a round may see no fault: the count is reported, and required only at normal speed
        # (100,000 rows, ~40 requests: no 503 at all has odds 0.8^40, about 1 in 7,500)
        if status and SLOW == 1:
            check(f"{label}/faults_were_injected", n >= 1, f"none of status {status}")
        node.start()
    node.stop()
    print(f"# faults bulk_insert_and_scan_under_faults ({BIG} rows): " + "; ".join(figures),
          flush=True)


@case
def bulk_insert_killed_then_repeated():
    node = Node("fx_bulkkill").start()
    ws, c = rl.uniq("fxbk"), rl.uniq("c")
    fixture(node, ws, c, n=0)
    node.stop()
    node.start("--latency-ms", str(40 * SLOW))
    sh = shell(node, "fx_bulkkill")
    sh.one("SELECT rockset_config('retries', 2);")
    sh.one(BIG_TABLE.format(ws=ws, c=c))
    # 20 batches of 40+ ms each: the kill comes in the middle, once a first batch is written
    # (a fixed delay raced the shell's start on a loaded machine: killed before any batch, the
    # error rightly has nothing written to mention)
    log = node.logs[-1]

    def kill_after_first_batch():
        deadline = time.monotonic() + 60 * SLOW
        while time.monotonic() < deadline:
            try:
                with open(log, encoding="utf-8", errors="replace") as f:
                    if any(f"/collections/{c}/docs 200 " in line for line in f):
                        break
            except OSError:
                pass
            time.sleep(0.01)
        time.sleep(0.1 * SLOW)
        node.kill9()

    killer = threading.Thread(target=kill_after_first_batch)
    killer.start()
    try:
        out, secs = sh.run(BIG_INSERT, timeout=300 * SLOW)
        out = "\n".join(out)
    except Hung as exc:
        check("killed_insert_ends", False, str(exc))
        return
    killer.join()
    dead = f"error: rockset: cannot connect to {node.url}"
    check("killed_insert_ends_with_error", out.startswith(dead) or out.startswith(
        f"error: rockset: request to {node.url} failed"), repr(out))
    check("error_says_what_stays", "earlier changes of this transaction were written and stay "
          "written (Rockset has no transactions)" in out, repr(out))
    node.start()
    out = sh.one(BIG_INSERT, timeout=600 * SLOW)
    check("repeat_completes", out == "", repr(out))
    got = sh.one("SELECT count(*), count(DISTINCT _id), sum(n) FROM t;", timeout=600 * SLOW)
    check("each_row_once_after_repeat", got == BIG_WANT, f"got {got!r}")
    node.stop()
    check("shell_clean_exit", *sh.closed_cleanly())


def settled_count(node, status, at_least, timeout=10.0):
    """Requests answered with status once at least at_least are logged (log lines trail the
    answers a little), then a moment more, so that a count beyond it shows too."""
    deadline = time.monotonic() + timeout * SLOW
    while node.count_status(status) < at_least and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    return node.count_status(status)


@case
def unsafe_write_retry_is_refused_and_said():
    node = Node("fx_unsafe").start()
    ws, c = rl.uniq("fxu"), rl.uniq("c")
    fixture(node, ws, c, n=0)
    node.stop()
    docs = f"POST /v1/orgs/self/ws/{ws}/collections/{c}/docs"
    node.start("--fail-rate", "1", "--fail-only", docs)
    sh = shell(node, "fx_unsafe")
    sh.one("SELECT rockset_config('retries', 2);")
    sh.one(f"CREATE VIRTUAL TABLE t USING rockset(collection='{ws}.{c}', columns='n INTEGER');")
    out = sh.one("INSERT INTO t(n) VALUES (1);")
    check("rows_without_id_not_retried", out == INJECTED_503 + "; not retried: rows without _id "
          "would be added twice by a repeat", repr(out))
    # the server writes a request's log line after answering it: wait for the line of the
    # refused first insert before counting from it, and for the retries' lines after
    n_before = settled_count(node, 503, 1)
    out = sh.one("INSERT INTO t(_id, n) VALUES ('a', 1);", timeout=60 * SLOW)
    check("rows_with_id_retried_then_reported", out == INJECTED_503, repr(out))
    check("rows_with_id_were_retried", settled_count(node, 503, n_before + 3) - n_before == 3,
          f"{node.count_status(503) - n_before} tries")
    node.stop()
    # deletes fail, adds go through: the COMMIT says what was written before the failure
    node.start("--fail-rate", "1", "--fail-only", docs.replace("POST", "DELETE", 1))
    out = sh.one("BEGIN; INSERT INTO t(_id, n) VALUES ('a', 1), ('b', 2), ('c', 3); "
                 "DELETE FROM t WHERE _id = 'b'; COMMIT;", timeout=60 * SLOW)
    check("commit_names_what_stays", out == INJECTED_503 + "; 3 earlier changes of this "
          "transaction were written and stay written (Rockset has no transactions)", repr(out))
    sh.one("ROLLBACK;")
    got = sh.one("SELECT group_concat(_id) FROM (SELECT _id FROM t ORDER BY _id);")
    check("written_part_is_there", got == "a,b,c", repr(got))
    node.stop()
    check("shell_clean_exit", *sh.closed_cleanly())


rl.done()
