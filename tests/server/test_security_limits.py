"""What a shared rockset-local protects besides privileges: where keys come from and where they
never go (the command line, logs, the data file), owner-only files, the failed-login limiter,
NUL in names, a body without a valid key refused before it is read, the connection caps, slow
bodies, the result cap, SQLite's own messages. Each limit is tried past its bound: a clear error,
and the server still answers another client."""
import json
import os
import socket
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import case, check, expect_error, get, post, request, uniq  # noqa: E402

rl.set_prefix("limits")
O = "/v1/orgs/self"
EXE = os.path.join(rl.B, "rockset-local")
# Under valgrind (make check), /proc/PID shows valgrind's own copy of the command line and the
# environment, which the server cannot wipe: those two checks are skipped there.
UNDER_VALGRIND = os.environ.get("RS_VALGRIND") == "1"


def raw(port, data, read=True, timeout=10):
    """Send bytes on a fresh socket; return what came back (until close or timeout)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while read:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def status_of(resp_bytes):
    line = resp_bytes.split(b"\r\n", 1)[0].decode("latin-1")
    return int(line.split()[1]) if line.startswith("HTTP/") else None


@case
def key_sources_and_cmdline():
    key = "file_key_" + str(os.getpid()) + "_Kf9"
    kf = os.path.join(rl.OUT, uniq("keyfile"))
    with open(kf, "w") as f:
        f.write("# bootstrap key\n" + key + "\n")
    os.chmod(kf, 0o644)
    srv = rl.start_server("--api-key-file", kf, key=False, wait=False)
    rc = srv.proc.wait(10)
    check("loose_key_file_refused", rc != 0 and "chmod 600" in srv.log(), srv.log()[-300:])
    os.chmod(kf, 0o600)
    srv = rl.start_server("--api-key-file", kf, key=False)
    check("key_file_works", get(O, url=srv.url, key=key).status == 200, "")
    with open(f"/proc/{srv.proc.pid}/cmdline", "rb") as f:
        cmd = f.read()
    check("key_file_not_in_cmdline", key.encode() not in cmd, "")
    check("no_warning_for_key_file", "warning" not in srv.log(), srv.log()[-300:])
    srv.stop()

    env_key = "env_key_" + str(os.getpid()) + "_Ev4"
    srv = rl.start_server(key=False, env={"ROCKSET_LOCAL_API_KEY": env_key})
    check("env_works", get(O, url=srv.url, key=env_key).status == 200, "")
    with open(f"/proc/{srv.proc.pid}/environ", "rb") as f:
        environ = f.read()
    if UNDER_VALGRIND:
        print("SKIP limits/key_sources_and_cmdline/env_key_wiped_from_environ: under valgrind")
    else:
        check("env_key_wiped_from_environ", env_key.encode() not in environ, "")
    srv.stop()

    srv = rl.start_server()  # --api-key KEY, as the suite runs it
    with open(f"/proc/{srv.proc.pid}/cmdline", "rb") as f:
        cmd = f.read()
    if UNDER_VALGRIND:
        print("SKIP limits/key_sources_and_cmdline/argv_key_wiped_from_cmdline: under valgrind")
    else:
        check("argv_key_wiped_from_cmdline", rl.KEY.encode() not in cmd and b"--api-key" in cmd,
              "the key is still in /proc/PID/cmdline")
    check("argv_key_warned", "`ps` shows it" in srv.log(), srv.log()[-300:])
    check("argv_key_works", get(O, url=srv.url).status == 200, "")
    srv.stop()


@case
def files_owner_only_and_key_never_stored():
    data = os.path.join(rl.OUT, uniq("data") + ".sqlite")
    old = os.umask(0)
    try:
        srv = rl.start_server("--data", data)
    finally:
        os.umask(old)
    r = post(f"{O}/users/self/apikeys", {"name": uniq("k"), "role": "read-only"}, url=srv.url)
    created = r.body["data"]["key"]
    rl.make_ws(uniq("w"), url=srv.url)
    get(O, url=srv.url, key=created)
    for suffix in ("", "-wal", "-shm"):
        mode = stat.S_IMODE(os.stat(data + suffix).st_mode)
        check(f"mode{suffix or '_db'}_0600", mode == 0o600, oct(mode))
    srv.stop()
    blob = b""
    for suffix in ("", "-wal"):
        if os.path.exists(data + suffix):
            with open(data + suffix, "rb") as f:
                blob += f.read()
    check("bootstrap_key_not_in_data", rl.KEY.encode() not in blob, "")
    check("created_key_not_in_data", created.encode() not in blob, "")
    log = srv.log()
    check("keys_not_in_log", rl.KEY not in log and created not in log, "")
    os.chmod(data, 0o644)
    srv = rl.start_server("--data", data)
    check("loose_data_file_narrowed", stat.S_IMODE(os.stat(data).st_mode) == 0o600
          and "now mode 0600" in srv.log(), srv.log()[-300:])
    check("keys_survive_restart", get(O, url=srv.url, key=created).status == 200, "")
    srv.stop()


@case
def failed_logins_limited():
    srv = rl.start_server("--auth-failure-limit", "5")
    for i in range(5):
        r = get(O, url=srv.url, key=f"guess{i}")
        check(f"guess_{i}_401", r.status == 401, repr(r))
    r = get(O, url=srv.url, key="guess6")
    expect_error("sixth_429", r, 429, "RATELIMITEXCEEDED",
                 message=rl.mentions("too many failed authentications", "127.0.0.1"))
    check("retry_after", int(r.headers.get("retry-after", "0")) > 0, repr(r.headers))
    r = get(O, url=srv.url)
    check("even_a_good_key_waits", r.status == 429, repr(r))
    srv.stop()
    log = srv.log()
    check("logged_without_key", "unknown API key (5 in this minute)" in log
          and "guess3" not in log, log[-400:])


@case
def nul_in_names_refused():
    srv = rl.start_server()
    r = request("POST", f"{O}/ws", raw_body='{"name": "ab\\u0000cd"}', url=srv.url)
    expect_error("body_name", r, 400, "INVALIDINPUT", message=rl.mentions("NUL", "byte 12"))
    check("not_cut", get(f"{O}/ws/ab", url=srv.url).status == 404, "")
    r = request("GET", f"{O}/ws/ab%00cd", url=srv.url)
    expect_error("path_name", r, 400, "INVALIDINPUT", message=rl.mentions("NUL"))
    ws = uniq("nulws")
    rl.make_ws(ws, url=srv.url)
    rl.make_coll(ws, "c", url=srv.url)
    r = request("POST", f"{O}/ws/{ws}/collections/c/docs",
                raw_body='{"data": [{"_id": "a\\u0000b", "v": 1}, {"_id": "ok", "s": "x\\u0000y"}]}',
                url=srv.url)
    statuses = [d.get("status") for d in r.body.get("data", [])] if r.status == 200 else r
    check("doc_id_with_nul_refused_value_kept", statuses == ["ERROR", "ADDED"], repr(statuses))
    srv.stop()


@case
def body_without_key_not_read():
    srv = rl.start_server()
    head = (f"POST {O}/ws HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: 209715200\r\n\r\n").encode()
    out = raw(srv.port, head)  # no body sent at all: the answer cannot have waited for it
    check("answered_401_without_body", status_of(out) == 401 and b"AUTHEXCEPTION" in out,
          out[:200])
    head = (f"POST {O}/ws HTTP/1.1\r\nHost: x\r\nAuthorization: ApiKey {rl.KEY}\r\n"
            f"Content-Length: 209715200\r\n\r\n").encode()
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(head)
    check("authorized_big_body_is_awaited", get(O, url=srv.url).status == 200, "")
    s.close()
    r = request("POST", f"{O}/ws", raw_body="x" * (11 * 1024 * 1024), url=srv.url)
    expect_error("authorized_over_limit_413", r, 413, "CONTENTTOOLARGE")
    srv.stop()


@case
def connections_per_client_capped():
    srv = rl.start_server("--max-connections-per-client", "4")
    socks = [socket.create_connection(("127.0.0.1", srv.port), timeout=10) for _ in range(4)]
    try:
        out = raw(srv.port, f"GET {O} HTTP/1.1\r\nHost: x\r\nAuthorization: ApiKey {rl.KEY}"
                            f"\r\n\r\n".encode())
        check("fifth_connection_429", status_of(out) == 429 and b"too many open connections"
              in out, out[:300])
        socks[0].sendall(f"GET {O} HTTP/1.1\r\nHost: x\r\nAuthorization: ApiKey {rl.KEY}\r\n"
                         f"Connection: close\r\n\r\n".encode())
        back = socks[0].recv(65536)
        check("the_first_four_still_served", status_of(back) == 200, back[:200])
    finally:
        for s in socks:
            s.close()
    r = rl.poll(lambda: get(O, url=srv.url), lambda x: x.status == 200, timeout=10)
    check("served_again_once_closed", r.status == 200, repr(r))
    srv.stop()


@case
def slow_body_closed_others_served():
    srv = rl.start_server("--request-timeout-s", "1")
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    s.sendall(f"POST {O}/ws HTTP/1.1\r\nHost: x\r\nAuthorization: ApiKey {rl.KEY}\r\n"
              f"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{".encode())
    check("others_served_meanwhile", get(O, url=srv.url).status == 200, "")
    closed = False
    deadline = time.monotonic() + 30 * rl.SLOW
    while time.monotonic() < deadline and not closed:
        time.sleep(0.3)
        try:
            s.sendall(b" ")
            s.settimeout(0.05)
            closed = s.recv(1) == b""
        except socket.timeout:
            pass
        except OSError:
            closed = True
    s.close()
    check("slow_body_connection_closed", closed, "still open")
    check("logged", "body not received within 1 s" in srv.log(), srv.log()[-300:])
    srv.stop()


@case
def idle_connection_closed_long_answer_kept():
    srv = rl.start_server("--idle-timeout-s", "1", "--latency-ms", "2500")
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    s.settimeout(30 * rl.SLOW)
    try:
        closed = s.recv(1) == b""  # nothing sent: the server closes it once idle
    except OSError:
        closed = True
    s.close()
    check("idle_connection_closed", closed, "")
    r = get(O, url=srv.url)  # its answer takes longer than the idle timeout: not idle
    check("slow_answer_not_cut", r.status == 200, repr(r))
    srv.stop()


@case
def result_cap_and_sqlite_words():
    srv = rl.start_server("--max-result-bytes", "4096")
    ws = uniq("rc")
    rl.make_ws(ws, url=srv.url)
    rl.make_coll(ws, "big", url=srv.url)
    r = rl.add_docs(ws, "big", [{"_id": str(i), "pad": "p" * 200} for i in range(50)], url=srv.url)
    rl.wait_fence(ws, "big", r.body["last_offset"], url=srv.url)
    r = rl.query(f"SELECT * FROM {ws}.big", url=srv.url)
    expect_error("over_cap", r, 400, "RESOURCEEXCEEDED",
                 message=rl.mentions("exceeds 4096 bytes", "--max-result-bytes"),
                 query_id=rl.OneOf(None, rl.QUERY_ID))
    r = rl.query(f"SELECT _id FROM {ws}.big ORDER BY _id LIMIT 2", url=srv.url)
    check("small_result_fine", r.status == 200 and len(r.body["results"]) == 2, repr(r))
    # SQLite's depth 1000; of floats, which the translator does not decide ahead (1 = 2 it would)
    deep = "SELECT 1 AS n WHERE " + " OR ".join(["1.5 = 2.5"] * 1100)
    r = rl.query(deep, url=srv.url)
    check("deep_expression_clear", r.status == 400 and "Expression tree" not in r.raw
          and "too large for rockset-local" in r.raw, repr(r))
    r = rl.query("SELECT 1 AS n WHERE " + " OR ".join(["1 = 2"] * 1100), url=srv.url)
    check("deep_decided_false", r.status == 200 and r.body.get("results") == [], repr(r))
    srv.stop()


@case
def server_tables_out_of_reach():
    srv = rl.start_server()
    post(f"{O}/users/self/apikeys", {"name": uniq("k")}, url=srv.url)
    for i, sql in enumerate([
            "SELECT * FROM apikeys", "SELECT * FROM commons.apikeys", "SELECT * FROM meta",
            "SELECT * FROM users", "SELECT * FROM roles", "SELECT * FROM sqlite_master",
            "SELECT * FROM main.sqlite_schema", "PRAGMA table_list", "ATTACH 'x.db' AS x",
            "SELECT load_extension('/tmp/x')", "SELECT readfile('/etc/passwd') AS f",
            "SELECT writefile('/tmp/rl_x', 'y') AS f", "SELECT sqlite_version() AS v",
            "SELECT * FROM pragma_database_list"]):
        r = rl.query(sql, url=srv.url)  # as the bootstrap admin: no role reaches them
        check(f"refused_{i}", r.status in (400, 404) and "results" not in r.body
              and "hash" not in r.raw and "auth.secret" not in r.raw, f"{sql}: {r!r}")
    srv.stop()


@case
def every_limit_flag_documented_in_help():
    p = subprocess.run([EXE, "--help"], capture_output=True, text=True, timeout=10)
    for flag in ("--api-key-file", "--tls-cert", "--tls-key", "--insecure-http",
                 "--auth-failure-limit", "--max-connections", "--max-connections-per-client",
                 "--idle-timeout-s", "--request-timeout-s", "--max-result-bytes"):
        check(f"help_{flag}", flag in p.stdout, p.stdout[:200])
    p = subprocess.run([EXE, "--api-key", "k", "--host", "0.0.0.0", "--port", "0"],
                       capture_output=True, text=True, timeout=10)
    check("plain_http_off_loopback_refused", p.returncode != 0 and "--insecure-http" in p.stderr,
          p.stderr[-300:])


rl.done()
