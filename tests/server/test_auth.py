"""Auth: `Authorization: ApiKey <key>` with the scheme word matched case-insensitively; 401
AUTHEXCEPTION for a missing header, a wrong key, a wrong scheme; several --api-key flags;
ROCKSET_LOCAL_API_KEY; refusing to start without a key; keys never logged or echoed."""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import case, check, expect, expect_error, get, post, request, uniq  # noqa: E402

rl.set_prefix("auth")
WRONG = "wrong_key_" + str(os.getpid()) + "_Xy7"


@case
def scheme_case_insensitive():
    for scheme in ("ApiKey", "apikey", "APIKEY", "aPiKeY"):
        r = get("/v1/orgs/self", scheme=scheme)
        check(f"scheme_{scheme}", r.status == 200, repr(r))


@case
def rejected():
    r = get("/v1/orgs/self", auth=False)
    expect_error("no_header", r, 401, "AUTHEXCEPTION")
    r = get("/v1/orgs/self", key=WRONG)
    expect_error("wrong_key", r, 401, "AUTHEXCEPTION")
    check("wrong_key_not_echoed", WRONG not in r.raw, r.raw[:200])
    r = get("/v1/orgs/self", scheme="Bearer")
    expect_error("bearer_scheme", r, 401, "AUTHEXCEPTION")
    r = get("/v1/orgs/self", scheme="Basic")
    expect_error("basic_scheme", r, 401, "AUTHEXCEPTION")
    r = get("/v1/orgs/self", key="")
    expect_error("empty_key", r, 401, "AUTHEXCEPTION")
    r = request("GET", "/v1/orgs/self", auth=False, headers={"Authorization": rl.KEY})
    expect_error("key_without_scheme", r, 401, "AUTHEXCEPTION")
    r = get("/v1/orgs/self", key=rl.KEY + "x")
    expect_error("key_prefix_is_not_enough", r, 401, "AUTHEXCEPTION")
    r = get("/v1/orgs/self", key=rl.KEY[:-1])
    expect_error("truncated_key", r, 401, "AUTHEXCEPTION")


@case
def every_route_needs_a_key():
    ws = uniq("wsauth")
    routes = [("GET", "/v1/orgs/self/ws", None), ("POST", "/v1/orgs/self/ws", {"name": ws}),
              ("POST", "/v1/orgs/self/queries", {"sql": {"query": "SELECT 1"}}),
              ("GET", "/v1/orgs/self/collections", None),
              ("POST", "/v1/orgs/self/ws/commons/collections/x/docs", {"data": [{}]}),
              ("GET", "/v1/orgs/self/queries", None), ("GET", "/v1/orgs/self/lambdas", None),
              ("GET", "/v1/orgs/self/views", None), ("GET", "/v1/orgs/self/aliases", None)]
    for i, (method, path, body) in enumerate(routes):
        r = request(method, path, body, key=WRONG)
        check(f"route_{i}_{method}_{path.rsplit('/', 1)[-1]}", r.status == 401, repr(r))
    r = get(f"/v1/orgs/self/ws/{ws}")
    check("unauthorized_create_did_nothing", r.status == 404, repr(r))


@case
def several_keys_and_env():
    k2 = "second_key_" + str(os.getpid()) + "_Qw3"
    k3 = "env_key_" + str(os.getpid()) + "_Rt5"
    srv = rl.start_server("--api-key", k2)
    check("first_key", get("/v1/orgs/self", url=srv.url).status == 200, "")
    check("second_key", get("/v1/orgs/self", url=srv.url, key=k2).status == 200, "")
    check("other_key_refused", get("/v1/orgs/self", url=srv.url, key=k3).status == 401, "")
    get("/v1/orgs/self", url=srv.url, key=WRONG)
    srv.stop()
    log = srv.log()
    check("keys_not_logged", rl.KEY not in log and k2 not in log and WRONG not in log,
          "a key appears in the server log")
    check("requests_logged", "/v1/orgs/self" in log, "no request line in the log")

    srv = rl.start_server(key=False, env={"ROCKSET_LOCAL_API_KEY": k3})
    check("env_key", get("/v1/orgs/self", url=srv.url, key=k3).status == 200, "")
    check("env_only", get("/v1/orgs/self", url=srv.url).status == 401, "")
    srv.stop()
    check("env_key_not_logged", k3 not in srv.log(), "the env key appears in the log")


@case
def refuses_to_start_without_key():
    srv = rl.start_server(key=False, wait=False)
    try:
        rc = srv.proc.wait(5)
    except subprocess.TimeoutExpired:
        rc = None
        srv.stop()
    check("exits_nonzero", rc not in (None, 0), f"rc={rc}")
    check("says_why", "key" in srv.log().lower(), srv.log()[-300:])


@case
def ops_flags_and_logging():
    exe = os.path.join(rl.B, "rockset-local")
    p = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=10)
    check("help_exits_0", p.returncode == 0, f"rc={p.returncode}")
    check("help_lists_flags", all(f in p.stdout + p.stderr for f in (
        "--port", "--port-file", "--data", "--api-key", "--fail-rate", "--rate-limit",
        "--query-timeout-ms", "--max-body-bytes")), (p.stdout + p.stderr)[:300])
    p = subprocess.run([exe, "--api-key", "k", "--bogus-flag", "1"], capture_output=True,
                       text=True, timeout=10)
    check("unknown_flag_refused", p.returncode != 0 and "--bogus-flag" in p.stderr,
          f"rc={p.returncode} {p.stderr[:200]}")

    srv = rl.start_server()
    marker = "body_marker_" + str(os.getpid())
    rl.make_coll("commons", "logc", url=srv.url)
    post(f"{rl.coll_path('commons', 'logc')}/docs", {"data": [{"_id": "m", "v": marker}]},
         url=srv.url)
    try:
        addrs = subprocess.run(["hostname", "-I"], capture_output=True, text=True,
                               timeout=5).stdout.split()
    except OSError:
        addrs = []
    others = [a for a in addrs if "." in a and not a.startswith("127.")]
    if others:
        import socket
        sock = socket.socket()
        sock.settimeout(2)
        try:
            reached = sock.connect_ex((others[0], srv.port)) == 0
        finally:
            sock.close()
        check("binds_loopback_only", not reached, f"port open on {others[0]}")
    rc = srv.stop(signal.SIGINT)
    check("sigint_clean_exit", rc == 0, f"exit code {rc}")
    log = srv.log()
    check("log_has_request_lines", any("POST" in ln and "/docs" in ln and "200" in ln
                                       for ln in log.splitlines()), log[-300:])
    check("log_has_no_bodies", marker not in log, "a request body reached the log")


@case
def ping_and_unknown_auth():
    t0 = time.monotonic()
    r = post("/v1/orgs/self/ws", {"name": uniq("wsok")})
    check("authorized_write_works", r.status == 200 and time.monotonic() - t0 < 5, repr(r))
    expect("authorized_org", get("/v1/orgs/self"), 200, {"data": rl.Any()}, "data:Org")


rl.done()
