#!/usr/bin/env python3
"""test_python_embed.py - the extension embedded in Python's sqlite3 module.

Loads $B/rockset_ext.so into /usr/bin/python3's sqlite3, connects to the shared rockset-local
($RS_TEST_URL, key $RS_TEST_KEY) and runs queries; then the cases the sqlite3 shell cannot
drive: a rejected key (the exact 401 text names the server's URL, which varies per run), an
unreachable server, and Ctrl-C: Connection.interrupt() from a timer thread (what the shell's
SIGINT handler does, sqlite3_interrupt) must stop a request in flight on a slow server
(--latency-ms) and a long poll (rockset_create_collection waiting for READY on a server with a
long --provision-delay-ms) promptly, and leave the connection usable.

Prints PASS/FAIL lines (tests/run.sh counts them)."""
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time

B = os.environ["B"]
URL = os.environ["RS_TEST_URL"]
KEY = os.environ["RS_TEST_KEY"]
SO = os.path.join(B, "rockset_ext")
OUT = os.environ.get("RS_TEST_OUT", tempfile.gettempdir())
failures = 0


def check(name, cond, detail=""):
    global failures
    if cond:
        print(f"PASS embed/{name}")
    else:
        failures += 1
        print(f"FAIL embed/{name}: {detail}")


def open_db(url, key):
    """A fresh connection with the extension loaded; settings come from the environment."""
    os.environ["ROCKSET_APIKEY"] = key
    os.environ["ROCKSET_APISERVER"] = url
    db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(SO)
    db.enable_load_extension(False)
    return db


def error_of(db, sql, *args):
    try:
        db.execute(sql, args).fetchall()
    except sqlite3.Error as e:
        return str(e)
    return None


def start_server(name, *flags):
    port_file = os.path.join(OUT, f"embed_{name}.port")
    if os.path.exists(port_file):
        os.unlink(port_file)
    log = open(os.path.join(OUT, f"embed_{name}.server.log"), "w")
    proc = subprocess.Popen([os.path.join(B, "rockset-local"), "--port", "0", "--port-file",
                             port_file, "--api-key", KEY, *flags], stdout=log, stderr=log)
    deadline = time.time() + 10
    while time.time() < deadline:
        if os.path.exists(port_file) and open(port_file).read().strip():
            return proc, "http://127.0.0.1:" + open(port_file).read().strip()
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.kill()
    raise RuntimeError(f"rockset-local {flags} did not start")


def stop_server(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def timed_interrupt(db, sql, after_s):
    """Run sql, calling db.interrupt() after after_s seconds: (error text, seconds taken)."""
    timer = threading.Timer(after_s, db.interrupt)
    start = time.monotonic()
    timer.start()
    err = error_of(db, sql)
    elapsed = time.monotonic() - start
    timer.cancel()
    print(f"  ({sql!r} interrupted after {after_s}s: {err!r} after {elapsed:.2f}s)")
    return err, elapsed


def test_basics():
    db = open_db(URL, KEY)
    (version,) = db.execute("SELECT rockset_version()").fetchone()
    check("version", version == "0.1.0", version)
    (line,) = db.execute("SELECT rockset_connect()").fetchone()
    want = f"connected: server {URL}, workspace commons, from environment"
    check("connect_from_environment", line == want, line)
    rows = db.execute("SELECT doc FROM rockset_query('SELECT 1 AS one, ''x'' AS s')").fetchall()
    check("query_one_row", len(rows) == 1 and json.loads(rows[0][0]) == {"one": 1, "s": "x"},
          repr(rows))
    rows = db.execute("SELECT json_extract(doc, '$.n') FROM rockset_query(?, ?)",
                      ("SELECT :n AS n", '{"n": 9007199254740993}')).fetchall()
    check("query_bound_params_int64", rows == [(9007199254740993,)], repr(rows))
    (stats,) = db.execute("SELECT rockset_stats()").fetchone()
    parsed = json.loads(stats)
    check("stats_counts", parsed["requests"] >= 3 and parsed["docs_received"] == 2, stats)
    check("stats_never_show_key", KEY not in stats, "key in stats")
    db.close()


def test_connections_are_independent():
    one = open_db(URL, KEY)
    two = open_db(URL, KEY)
    one.execute("SELECT rockset_config('page_size', 3)")
    a = one.execute("SELECT rockset_config('page_size')").fetchone()[0]
    b = two.execute("SELECT rockset_config('page_size')").fetchone()[0]
    check("per_connection_config", (a, b) == (3, 1000), f"{a} {b}")
    one.close()
    check("other_connection_survives_close",
          two.execute("SELECT count(*) FROM rockset_query('SELECT 1 AS a')").fetchone()[0] == 1)
    two.close()


def test_rejected_key():
    db = open_db(URL, "not-the-key-" + KEY[::-1])
    err = error_of(db, "SELECT rockset_connect()")
    want = (f"rockset: authentication failed: the API key was rejected by {URL} "
            "(AUTHEXCEPTION, HTTP 401)")
    check("bad_key_401_message", err == want, repr(err))
    err2 = error_of(db, "SELECT doc FROM rockset_query('SELECT 1')")
    check("bad_key_implicit_connect", err2 == want, repr(err2))
    (stats,) = db.execute("SELECT rockset_stats()").fetchone()
    check("bad_key_never_shown", "not-the-key" not in (err or "") + stats, stats)
    db.close()


def test_unreachable_server():
    db = open_db("http://127.0.0.1:1", KEY)
    err = error_of(db, "SELECT rockset_connect()")
    check("unreachable_server_message",
          err is not None and err.startswith("rockset: cannot connect to http://127.0.0.1:1 ("),
          repr(err))
    db.close()


def test_interrupt_request_in_flight():
    proc, url = start_server("latency", "--latency-ms", "2000")
    try:
        db = open_db(url, KEY)
        err, elapsed = timed_interrupt(db, "SELECT rockset_connect()", 0.3)
        # interrupted at 0.3 s: the 2 s request must end well before its answer would come
        check("interrupt_connect_in_flight", err == "interrupted" and elapsed < 0.8,
              f"{err!r} after {elapsed:.2f}s")
        db.execute("SELECT rockset_connect()")  # the slow way: one 2 s round trip
        err, elapsed = timed_interrupt(
            db, "SELECT doc FROM rockset_query('SELECT 1 AS a')", 0.3)
        check("interrupt_query_in_flight", err == "interrupted" and elapsed < 0.8,
              f"{err!r} after {elapsed:.2f}s")
        (ws,) = db.execute("SELECT rockset_config('workspace')").fetchone()
        check("usable_after_interrupt", ws == "commons", ws)
        db.close()
    finally:
        stop_server(proc)


def test_interrupt_long_poll():
    proc, url = start_server("provision", "--provision-delay-ms", "60000")
    try:
        db = open_db(url, KEY)
        db.execute("SELECT rockset_create_workspace('ext_embed_ws')")
        err, elapsed = timed_interrupt(
            db, "SELECT rockset_create_collection('ext_embed_ws.slow')", 0.5)
        check("interrupt_wait_for_ready", err == "interrupted" and elapsed < 0.8,
              f"{err!r} after {elapsed:.2f}s")
        rows = db.execute("SELECT name, status FROM rockset_collections('ext_embed_ws')").fetchall()
        check("collection_still_provisioning", rows == [("slow", "CREATED")], repr(rows))
        rows = db.execute("SELECT doc FROM rockset_query('SELECT 2 AS b')").fetchall()
        check("query_after_interrupted_poll", [json.loads(r[0]) for r in rows] == [{"b": 2}],
              repr(rows))
        db.close()
    finally:
        stop_server(proc)


def main():
    home = tempfile.mkdtemp(prefix="rs_embed_")
    os.environ["HOME"] = home
    os.environ.pop("DBT_PROFILES_DIR", None)
    os.chdir(home)
    for test in (test_basics, test_connections_are_independent, test_rejected_key,
                 test_unreachable_server, test_interrupt_request_in_flight,
                 test_interrupt_long_poll):
        try:
            test()
        except Exception as e:  # a crash of one scenario is a failure, not the end of the file
            check(test.__name__, False, f"raised {type(e).__name__}: {e}")
    os.chdir("/")
    shutil.rmtree(home, ignore_errors=True)


main()
