"""rl.py - the tiny library every Python scenario (tests/server/, tests/e2e/) uses.

Talks real HTTP to a rockset-local (the shared one named by $RS_TEST_URL, or one a test starts with
start_server), prints one "PASS <name>" / "FAIL <name>: <detail>" line per check, and compares
response bodies exactly against expected objects in which volatile values (timestamps, ids,
offsets, timings) are written as matchers (Re, Type, Any, Opt, ...).

Check names are "<file>/<case>/<check>": set_prefix("<file>") once, then each scenario is a
function decorated with @case (it runs at once; a crash is one FAIL "<file>/<case>/crashed").
expect(name, resp, status, expected_body, schema) is the usual whole-answer check (status,
schema, exact body). Besides, every response any request() receives is validated against the
schema of its route (schemas.schema_for) and its JSON content type; each case reports that as
one more check, "<file>/<case>/responses_match_schemas".

Rules: standard library only; never print the API key (tests/run.sh fails the run if the key
appears in any output); every name a test creates is unique per process (uniq()) so test files
can share one server.
"""

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import schemas

KEY = os.environ.get("RS_TEST_KEY", "")
# Time bounds in tests stretch under valgrind (make check-valgrind), where everything runs ~20x
# slower; a bound is still a bound, just a wider one.
SLOW = 20.0 if os.environ.get("RS_VALGRIND") == "1" else 1.0
URL = os.environ.get("RS_TEST_URL", "http://127.0.0.1:3000")
B = os.environ.get("B", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
OUT = os.environ.get("RS_TEST_OUT", tempfile.gettempdir())

_lock = threading.Lock()
_counts = {"pass": 0, "fail": 0}
_prefix = ""


def set_prefix(prefix):
    """Names every check as "<prefix>/<name>" (prefix = the test file's short name)."""
    global _prefix
    _prefix = prefix


def _scrub(text):
    """Never let the key reach the output, whatever a server echoes back."""
    text = str(text)
    if KEY:
        text = text.replace(KEY, "<KEY>")
    return text


_case = [""]


def check(name, cond, detail=""):
    """Print PASS/FAIL for one check, named "<file>/<case>/<name>"; returns cond so callers can
    stop early."""
    full = "/".join(p for p in (_prefix, _case[0], name) if p)
    with _lock:
        if cond:
            _counts["pass"] += 1
            print(f"PASS {full}", flush=True)
        else:
            _counts["fail"] += 1
            line = _scrub(detail).replace("\n", " ")
            if len(line) > 1500:
                line = line[:1500] + "..."
            print(f"FAIL {full}: {line}", flush=True)
    return bool(cond)


def case(fn):
    """Decorator: runs fn() at once, its checks named "<file>/<fn name>/<check>"; an exception
    becomes one FAIL line "<file>/<fn name>/crashed" and the file goes on with the next case."""
    _report_schemas("setup/responses_match_schemas")
    _case[0] = fn.__name__
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - any crash is a failed case, the file goes on
        tb = traceback.format_exc().strip().splitlines()
        where = " | ".join(tb[-3:])
        check("crashed", False, f"{type(exc).__name__}: {exc} [{where}]")
    finally:
        _report_schemas()
        _case[0] = ""
    return fn


def done():
    """End of a test file."""
    _report_schemas("teardown/responses_match_schemas")
    sys.stdout.flush()
    sys.exit(0)


# ---------------------------------------------------------------------------------------------
# HTTP

class Resp:
    """One HTTP answer: status, headers (lower-case names), body (parsed JSON or text), ms."""

    def __init__(self, status, headers, body, raw, ms):
        self.status = status
        self.headers = headers
        self.body = body
        self.raw = raw
        self.ms = ms

    def __iter__(self):
        return iter((self.status, self.headers, self.body))

    def __repr__(self):
        return f"HTTP {self.status} {_scrub(self.raw[:800])}"


def _split(url):
    m = re.match(r"^http://([^:/]+):(\d+)", url)
    if not m:
        raise ValueError(f"bad url {url}")
    return m.group(1), int(m.group(2))


def request(method, path, body=None, key=None, headers=None, url=None, scheme="ApiKey",
            raw_body=None, timeout=60, auth=True):
    """One request. body is JSON-encoded unless raw_body (bytes/str) is given; key=None uses
    $RS_TEST_KEY; auth=False sends no Authorization header. Returns a Resp (never raises on HTTP
    errors; connection errors do raise)."""
    host, port = _split(url or URL)
    hdrs = {"Accept": "application/json", "User-Agent": "rockset-ext-http-tests"}
    if auth:
        hdrs["Authorization"] = f"{scheme} {KEY if key is None else key}"
    data = None
    if raw_body is not None:
        data = raw_body.encode() if isinstance(raw_body, str) else raw_body
        hdrs["Content-Type"] = "application/json"
    elif body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    if headers:
        hdrs.update(headers)
    t0 = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=hdrs)
        r = conn.getresponse()
        raw = r.read()
        rh = {k.lower(): v for k, v in r.getheaders()}
        status = r.status
    finally:
        conn.close()
    ms = (time.monotonic() - t0) * 1000
    text = raw.decode("utf-8", "replace")
    json_problem = None
    try:
        parsed = _strict_json(raw) if raw else None
    except ValueError as exc:
        json_problem = f"not strict JSON: {exc}"
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = text
    resp = Resp(status, rh, parsed, text, ms)
    _record(method, path, resp, json_problem)
    return resp


def _no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError(f"duplicate key {k!r}")
        obj[k] = v
    return obj


def _no_constants(name):
    raise ValueError(f"{name} is not JSON")


def _strict_json(raw):
    """Parse a response body as RFC 8259 JSON: UTF-8, no NaN/Infinity, no duplicate keys."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"invalid UTF-8 ({exc})") from exc
    return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)


# ---------------------------------------------------------------------------------------------
# Every response is validated against the schema of its route (schemas.schema_for); the problems
# of one case are reported by one check "<file>/<case>/responses_match_schemas" when it ends.

_seen = {"n": 0, "problems": []}


def _record(method, path, resp, json_problem=None):
    name = schemas.schema_for(method, path.split("?", 1)[0], resp.status)
    probs = [json_problem] if json_problem else []
    ctype = resp.headers.get("content-type", "")
    if not ctype.startswith("application/json"):
        probs.append(f"content-type {ctype!r}")
    if name is None:
        probs.append("no schema for this route")
    elif not isinstance(resp.body, dict):
        probs.append(f"body is not a JSON object: {resp.raw[:100]!r}")
    else:
        probs += schemas.validate(resp.body, name)
    with _lock:
        _seen["n"] += 1
        if probs:
            _seen["problems"].append(f"{method} {path} -> {resp.status} ({name}): "
                                     + "; ".join(probs[:4]))


def _report_schemas(label=None):
    with _lock:
        n, probs = _seen["n"], _seen["problems"]
        _seen["n"], _seen["problems"] = 0, []
    if n:
        check(label or "responses_match_schemas", not probs,
              f"{len(probs)} of {n} responses: " + " | ".join(probs[:4]))


def get(path, **kw):
    return request("GET", path, **kw)


def post(path, body=None, **kw):
    return request("POST", path, body, **kw)


def put(path, body=None, **kw):
    return request("PUT", path, body, **kw)


def patch(path, body=None, **kw):
    return request("PATCH", path, body, **kw)


def delete(path, body=None, **kw):
    return request("DELETE", path, body, **kw)


# ---------------------------------------------------------------------------------------------
# Matching: expected values may contain matchers

class Matcher:
    def match(self, actual, path, problems):  # pragma: no cover - interface
        raise NotImplementedError


class Any(Matcher):
    """Any value (the key must be present)."""

    def match(self, actual, path, problems):
        pass

    def __repr__(self):
        return "Any()"


class Type(Matcher):
    """A value of one of the JSON types in "string|null" form."""

    def __init__(self, types):
        self.types = types

    def match(self, actual, path, problems):
        if not schemas.type_ok(actual, self.types):
            problems.append(f"{path}: expected {self.types}, got {json.dumps(actual)[:200]}")

    def __repr__(self):
        return f"Type({self.types})"


class Re(Matcher):
    """A string matching the regular expression (fullmatch); nullable=True also allows null."""

    def __init__(self, pattern, nullable=False):
        self.pattern = pattern
        self.nullable = nullable

    def match(self, actual, path, problems):
        if actual is None and self.nullable:
            return
        if not isinstance(actual, str) or not re.fullmatch(self.pattern, actual, re.S):
            problems.append(f"{path}: expected /{self.pattern}/, got {json.dumps(actual)[:200]}")

    def __repr__(self):
        return f"Re({self.pattern})"


class OneOf(Matcher):
    """Equal to (or matching) one of the alternatives."""

    def __init__(self, *alts):
        self.alts = alts

    def match(self, actual, path, problems):
        for alt in self.alts:
            sub = []
            _match(actual, alt, path, sub)
            if not sub:
                return
        problems.append(f"{path}: {json.dumps(actual)[:200]} is none of {self.alts!r}")


class Pred(Matcher):
    """A predicate with a description."""

    def __init__(self, fn, what):
        self.fn = fn
        self.what = what

    def match(self, actual, path, problems):
        try:
            ok = self.fn(actual)
        except Exception:  # noqa: BLE001
            ok = False
        if not ok:
            problems.append(f"{path}: expected {self.what}, got {json.dumps(actual)[:200]}")


class Opt(Matcher):
    """Object member that may be absent; when present it must match `inner`."""

    def __init__(self, inner):
        self.inner = inner

    def match(self, actual, path, problems):
        _match(actual, self.inner, path, problems)


class Unordered(Matcher):
    """A list with the same elements in any order."""

    def __init__(self, items):
        self.items = items

    def match(self, actual, path, problems):
        if not isinstance(actual, list) or len(actual) != len(self.items):
            problems.append(f"{path}: expected {len(self.items)} items in any order, got "
                            f"{json.dumps(actual)[:300]}")
            return
        left = list(actual)
        for exp in self.items:
            for i, act in enumerate(left):
                sub = []
                _match(act, exp, path, sub)
                if not sub:
                    del left[i]
                    break
            else:
                problems.append(f"{path}: no element matches {exp!r}")
                return


class Contains(Matcher):
    """A list that contains (at least) elements matching each of `items`."""

    def __init__(self, *items):
        self.items = items

    def match(self, actual, path, problems):
        if not isinstance(actual, list):
            problems.append(f"{path}: expected a list, got {json.dumps(actual)[:200]}")
            return
        for exp in self.items:
            if not any(not _sub(act, exp) for act in actual):
                problems.append(f"{path}: no element matches {exp!r}")


class Absent:
    """Marks an object member that must NOT be present."""


ABSENT = Absent()


def _sub(actual, expected):
    p = []
    _match(actual, expected, "$", p)
    return p


def _same_scalar(actual, expected):
    # JSON has no bool/int confusion: True must not equal 1.
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        if isinstance(expected, int) and isinstance(actual, float):
            return False  # an integer must come back as an integer (no 1.0 for 1)
        return actual == expected
    return type(actual) is type(expected) and actual == expected


def _match(actual, expected, path, problems):
    if isinstance(expected, Matcher):
        expected.match(actual, path, problems)
    elif isinstance(expected, dict):
        if not isinstance(actual, dict):
            problems.append(f"{path}: expected an object, got {json.dumps(actual)[:200]}")
            return
        for k, v in expected.items():
            if isinstance(v, Absent):
                if k in actual:
                    problems.append(f"{path}.{k}: must be absent, got {json.dumps(actual[k])[:100]}")
            elif k not in actual:
                if not isinstance(v, Opt):
                    problems.append(f"{path}.{k}: missing")
            else:
                _match(actual[k], v, f"{path}.{k}", problems)
        for k in actual:
            if k not in expected:
                problems.append(f"{path}.{k}: unexpected member = {json.dumps(actual[k])[:100]}")
    elif isinstance(expected, list):
        if not isinstance(actual, list):
            problems.append(f"{path}: expected a list, got {json.dumps(actual)[:200]}")
            return
        if len(actual) != len(expected):
            problems.append(f"{path}: expected {len(expected)} items, got {len(actual)}: "
                            f"{json.dumps(actual)[:300]}")
            return
        for i, (a, e) in enumerate(zip(actual, expected)):
            _match(a, e, f"{path}[{i}]", problems)
    elif not _same_scalar(actual, expected):
        problems.append(f"{path}: expected {json.dumps(expected)}, got {json.dumps(actual)[:200]}")


def match(actual, expected):
    """List of differences between actual and expected (empty = equal)."""
    problems = []
    _match(actual, expected, "$", problems)
    return problems


def check_match(name, actual, expected):
    probs = match(actual, expected)
    return check(name, not probs, "; ".join(probs[:6]) + f" || body={json.dumps(actual, default=repr)[:600]}")


def check_status(name, resp, status):
    """Check the HTTP status; detail shows the body."""
    return check(name, resp.status == status, f"expected HTTP {status}, got {resp!r}")


def check_schema(name, obj, schema_name):
    probs = schemas.validate(obj, schema_name)
    return check(name, not probs, f"{schema_name}: " + "; ".join(probs[:6]))


def expect(name, resp, status, expected, schema_name=None):
    """The whole-answer check: status (one check), schema of the body (one check, when given),
    exact body (one check). Returns True when all passed."""
    ok = check_status(f"{name}/status", resp, status)
    if schema_name:
        ok = check_schema(f"{name}/schema", resp.body, schema_name) and ok
    ok = check_match(f"{name}/body", resp.body, expected) and ok
    return ok


# Common volatile-value matchers (QUERY_ID is defined below UUID_RE)
TS = Re(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")                 # metadata timestamps
TS_OR_NULL = Re(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", nullable=True)
EVENT_TIME = Re(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")  # timestamp values in query results
UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
QUERY_ID = Re(UUID_RE + r":[A-Za-z0-9]{7}:0")
STR = Type("string")
STR_OR_NULL = Type("string|null")
INT = Type("integer")
NONNEG = Pred(lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "int >= 0")
OFFSET = Pred(lambda v: isinstance(v, str) and v != "", "non-empty offset string")
VERSION = Re(r"[0-9a-f]{16}")


_UNSET = object()


def _names_query_error(type_):
    if isinstance(type_, OneOf):
        return "QUERY_ERROR" in type_.alts
    return type_ in ("QUERY_ERROR", "QUERY_TIMEOUT")


def error_body(type_, message=None, message_key=None, query_id=_UNSET, line=None, column=None):
    """The exact ErrorModel we expect. message/message_key may be strings or matchers; None for
    message means "any string". query_id defaults to null, except for query errors where the API
    sets it ("set on query errors"), so there it may be a query id or null."""
    if query_id is _UNSET:
        query_id = OneOf(None, QUERY_ID) if _names_query_error(type_) else None
    return {
        "message": STR if message is None else message,
        "message_key": Type("string|null") if message_key is None else message_key,
        "type": type_,
        "line": line,
        "column": column,
        "trace_id": STR_OR_NULL,
        "error_id": STR_OR_NULL,
        "query_id": query_id,
        "internal_errors": None,
        "virtual_instance_rrn": Opt(STR_OR_NULL),
    }


def expect_error(name, resp, status, type_, **kw):
    return expect(name, resp, status, error_body(type_, **kw), "ErrorModel")


def mentions(*words):
    """Matcher for a message that names every word (case-insensitive)."""
    low = [w.lower() for w in words]
    return Pred(lambda m: isinstance(m, str) and all(w in m.lower() for w in low),
                f"a message naming {words}")


# ---------------------------------------------------------------------------------------------
# Names, polling, fixtures

_uniq_n = [0]


def uniq(base):
    """A name unique to this process: base_<pid>_<n> (alphanumeric and underscores)."""
    with _lock:
        _uniq_n[0] += 1
        n = _uniq_n[0]
    return f"{base}_{os.getpid()}_{n}"


def poll(fn, cond, timeout=5.0, interval=0.02):
    """Call fn() until cond(result) or the deadline; returns the last result."""
    deadline = time.monotonic() + timeout
    while True:
        res = fn()
        if cond(res) or time.monotonic() >= deadline:
            return res
        time.sleep(interval)
        interval = min(interval * 1.5, 0.05)


def ws_path(ws):
    return f"/v1/orgs/self/ws/{ws}"


def coll_path(ws, coll):
    return f"/v1/orgs/self/ws/{ws}/collections/{coll}"


def fx_stats(ws, coll, url=None):
    """A collection's stats.field_indexes (docs/indexing.md), or the response's repr when the
    GET failed."""
    r = get(coll_path(ws, coll), url=url)
    return ((r.body.get("data") or {}).get("stats") or {}).get("field_indexes") \
        if r.status == 200 else repr(r)


def make_ws(ws, url=None):
    r = post("/v1/orgs/self/ws", {"name": ws}, url=url)
    if r.status != 200:
        raise RuntimeError(f"create workspace {ws}: {r!r}")
    return r


def make_coll(ws, coll, url=None, extra=None, wait_ready=True):
    body = {"name": coll}
    if extra:
        body.update(extra)
    r = post(f"{ws_path(ws)}/collections", body, url=url)
    if r.status != 200:
        raise RuntimeError(f"create collection {ws}.{coll}: {r!r}")
    if wait_ready:
        g = poll(lambda: get(coll_path(ws, coll), url=url),
                 lambda x: x.status == 200 and isinstance(x.body, dict)
                 and (x.body.get("data") or {}).get("status") == "READY")
        if not (g.status == 200 and g.body["data"].get("status") == "READY"):
            raise RuntimeError(f"collection {ws}.{coll} not READY: {g!r}")
    return r


def add_docs(ws, coll, docs, url=None):
    r = post(f"{coll_path(ws, coll)}/docs", {"data": docs}, url=url)
    if r.status != 200:
        raise RuntimeError(f"add docs to {ws}.{coll}: {r!r}")
    return r


def wait_fence(ws, coll, offset, url=None, timeout=5.0):
    """Polls the commit fence until it passed; returns the last response."""
    return poll(lambda: get(f"{coll_path(ws, coll)}/offsets/commit?fence={offset}", url=url),
                lambda x: x.status == 200 and x.body.get("data", {}).get("passed") is True,
                timeout=timeout)


def query(sql, params=None, url=None, **extra):
    body = {"sql": {"query": sql}}
    if params is not None:
        body["sql"]["parameters"] = params
    for k, v in extra.items():
        if k in ("default_row_limit", "paginate", "initial_paginate_response_doc_count"):
            body["sql"][k] = v
        else:
            body[k] = v
    return post("/v1/orgs/self/queries", body, url=url)


def rows(sql, params=None, url=None, **extra):
    """Results of a sync query, raising unless it answered 200."""
    r = query(sql, params, url=url, **extra)
    if r.status != 200:
        raise RuntimeError(f"query {sql!r}: {r!r}")
    return r.body.get("results")


# ---------------------------------------------------------------------------------------------
# Servers of our own

class Server:
    """A rockset-local started by a test (killed at exit if still running)."""

    def __init__(self, proc, url, port, log_path, args):
        self.proc = proc
        self.url = url
        self.port = port
        self.log_path = log_path
        self.args = args

    def __iter__(self):
        """proc, url = start_server(...) also works."""
        return iter((self.proc, self.url))

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""


_servers = []


def start_server(*flags, name=None, key=True, env=None, wait=True, timeout=10.0):
    """Start $B/rockset-local --port 0 --port-file F [--api-key $RS_TEST_KEY] FLAGS...; waits
    for the port file. Returns a Server (raises if it did not come up when wait=True)."""
    name = name or uniq("srv")
    pf = os.path.join(OUT, f"{name}.port")
    log_path = os.path.join(OUT, f"{name}.server.log")
    try:
        os.unlink(pf)
    except OSError:
        pass
    args = [os.path.join(B, "rockset-local"), "--port", "0", "--port-file", pf]
    if key:
        args += ["--api-key", KEY]
    args += [str(f) for f in flags]
    full_env = dict(os.environ)
    full_env.pop("ROCKSET_LOCAL_API_KEY", None)
    if env:
        full_env.update(env)
    logf = open(log_path, "wb")
    proc = subprocess.Popen(args, stdout=logf, stderr=subprocess.STDOUT, env=full_env)
    logf.close()
    srv = Server(proc, None, None, log_path, args)
    _servers.append(srv)
    if not wait:
        return srv
    deadline = time.monotonic() + timeout
    port = None
    while time.monotonic() < deadline:
        try:
            with open(pf, encoding="ascii") as f:
                txt = f.read().strip()
            if txt:
                port = int(txt)
                break
        except (OSError, ValueError):
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    if port is None:
        srv.stop()
        raise RuntimeError(f"rockset-local {' '.join(flags)} did not start: {_scrub(srv.log()[-500:])}")
    srv.port = port
    srv.url = f"http://127.0.0.1:{port}"
    return srv


def start_column_server(*flags, what="columns"):
    """A rockset-local with its column index on (docs/column-index.md) and flags, or None after
    printing one SKIP line when libduckdb cannot be loaded (`make deps` fetches it)."""
    srv = start_server("--column-index", "on", *flags, wait=False)
    for _ in range(500):
        if srv.proc.poll() is not None or "listening on" in srv.log():
            break
        time.sleep(0.02)
    if srv.proc.poll() is not None:
        print(f"SKIP {what}: libduckdb could not be loaded "
              f"({srv.log().strip().splitlines()[-1:]}); run `make deps`", flush=True)
        return None
    srv.stop()
    return start_server("--column-index", "on", *flags)


def _stop_all():
    for s in _servers:
        try:
            s.stop(timeout=3.0)
        except Exception:  # noqa: BLE001
            pass


import atexit  # noqa: E402

atexit.register(_stop_all)
