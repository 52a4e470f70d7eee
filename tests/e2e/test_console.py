#!/usr/bin/env python3
"""test_console.py - the web console (docs/console.md): how rockset-local serves it, then the
console itself in Debian's headless Chromium (tests/console/console_test.mjs, through the
DevTools protocol on a pipe: no npm package, no downloaded browser).

Here: GET / answers a browser with the page and API clients with the ping; the page and its
files need no key and carry the security headers (a CSP without inline script, nosniff, no
framing, no caching); --no-console turns it all off. Then the browser checks, each a PASS,
FAIL or SKIP line of its own, against a server of their own (the data they make is theirs).
RS_CONSOLE_SHOTS=DIR writes the screenshots there (make console-screenshots: docs/console),
else into the run's output directory. RS_CONSOLE_FIREFOX=1 (make console-firefox) then runs
tests/console/firefox_check.mjs in Debian's firefox-esr against the same data: a check by hand,
Firefox being no build dependency.
"""
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import check  # noqa: E402

rl.set_prefix("console")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILES = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
         "console.css": "text/css; charset=utf-8", "icon.svg": "image/svg+xml"}


def fetch(url, path, accept=None):
    """GET without a key; (status, headers with lower-case names, body bytes)."""
    host, port = url[len("http://"):].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("GET", path, headers={"Accept": accept} if accept else {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def serving(url):
    status, hdrs, body = fetch(url, "/", "text/html,application/xhtml+xml,*/*;q=0.8")
    check("page_for_a_browser", status == 200 and hdrs.get("content-type") == FILES["index.html"]
          and body.startswith(b"<!doctype html>"), f"{status} {hdrs} {body[:80]!r}")
    csp = hdrs.get("content-security-policy", "")
    check("csp_without_inline_script", "script-src 'self'" in csp and "unsafe" not in csp and
          "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, csp)
    check("nosniff_no_framing_no_cache",
          hdrs.get("x-content-type-options") == "nosniff" and hdrs.get("x-frame-options") == "DENY"
          and hdrs.get("cache-control") == "no-store" and hdrs.get("referrer-policy") == "no-referrer",
          str(hdrs))
    text = body.decode("utf-8")
    check("no_inline_script_in_the_page", not re.search(r"<script(?![^>]*\ssrc=)", text) and
          not re.search(r"<[^>]*\son[a-z]+\s*=", text), text[:200])
    status, hdrs, body = fetch(url, "/")
    check("ping_for_api_clients", status == 200 and body == b'{"message":"GO ROCKSET!"}' and
          hdrs.get("content-type") == "application/json", f"{status} {body[:80]!r}")
    status, _, body = fetch(url, "/", "application/json")
    check("ping_for_json_accept", status == 200 and body == b'{"message":"GO ROCKSET!"}', body[:80])
    for name, ctype in FILES.items():
        status, hdrs, body = fetch(url, f"/console/{name}")
        with open(os.path.join(ROOT, "src/server/console", name), "rb") as f:
            same = f.read() == body
        check(f"file_{name}", status == 200 and hdrs.get("content-type") == ctype and same and
              "content-security-policy" in hdrs, f"{status} {hdrs.get('content-type')} same={same}")
    status, _, body = fetch(url, "/console/../../etc/passwd")
    check("no_file_outside_the_console", status in (401, 404) and b"root:" not in body, body[:80])
    status, _, body = fetch(url, "/console/nothing.js")
    check("unknown_file_404", status == 404 and b"NOTFOUND" in body, body[:80])
    status, _, _ = fetch(url, "/v1/orgs/self")
    check("api_still_needs_a_key", status == 401, str(status))


def no_console():
    srv = rl.start_server("--no-console")
    try:
        status, hdrs, body = fetch(srv.url, "/", "text/html")
        check("no_console_ping_only", status == 200 and body == b'{"message":"GO ROCKSET!"}',
              f"{status} {body[:80]!r}")
        status, _, _ = fetch(srv.url, "/console/app.js")
        check("no_console_no_files", status == 404, str(status))
    finally:
        srv.stop()


def run_node(node, script, env, name, flags=()):
    """Runs one node script, relaying its PASS/FAIL/SKIP lines (the key scrubbed)."""
    try:
        proc = subprocess.run([node, *flags, os.path.join(ROOT, script)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=540,
                              check=False)
    except subprocess.TimeoutExpired:
        check(name, False, f"{script} did not end within 540 s")
        return
    out = proc.stdout.decode("utf-8", "replace")
    for line in out.splitlines():
        print(rl._scrub(line), flush=True)
    if proc.returncode != 0 and "FAIL " not in out:
        check(name, False, f"node exited {proc.returncode}: {out[-800:]}")


def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    node = shutil.which("node")
    if not check("chromium_installed", chromium is not None, "no chromium: run `make deps`"):
        return
    if not check("node_installed", node is not None, "no node: run `make deps`"):
        return
    srv = rl.start_server(name="console")
    profile = tempfile.mkdtemp(prefix="rl-console-profile-")
    shots = os.environ.get("RS_CONSOLE_SHOTS") or os.path.join(rl.OUT, "console-shots")
    env = dict(os.environ, RL_URL=srv.url, RL_KEY=rl.KEY, CHROMIUM=chromium, PROFILE=profile,
               SHOTS=shots, LOGDIR=rl.OUT, RL_SLOW=str(rl.SLOW))
    # make check preloads the ASan runtime into everything; the browser and node are not our code
    # (the server they talk to keeps it)
    for name in ("LD_PRELOAD", "ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"):
        env.pop(name, None)
    try:
        run_node(node, "tests/console/console_test.mjs", env, "browser_run")
        if os.environ.get("RS_CONSOLE_FIREFOX") == "1":
            firefox = shutil.which("firefox-esr") or shutil.which("firefox")
            if check("firefox_installed", firefox is not None, "apt-get install firefox-esr"):
                shutil.rmtree(profile, ignore_errors=True)
                os.mkdir(profile)
                run_node(node, "tests/console/firefox_check.mjs", dict(env, FIREFOX=firefox),
                         "firefox_run", ["--experimental-websocket", "--no-warnings"])
    finally:
        srv.stop()
        shutil.rmtree(profile, ignore_errors=True)
    check("server_log_holds_no_key", rl.KEY not in srv.log(), "the key is in the server log")


if os.environ.get("RS_TEST_URL"):  # make test's shared server
    serving(rl.URL)
else:  # run alone (make console-screenshots)
    own = rl.start_server(name="console-serving")
    serving(own.url)
    own.stop()
no_console()
browser()
sys.stdout.flush()
