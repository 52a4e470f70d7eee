"""lib.py - rockset-local servers, loading, timed queries and answer normalisation for run.py."""
import datetime
import decimal
import http.client
import json
import math
import os
import re
import socket
import subprocess
import tempfile
import time

KEY = "bench-key-dashboard-0123456789"
BATCH = 2000
COLLECTIONS = ("push", "workflow_run", "workflow_job", "pull_request", "test_run")


def log(msg):
    print(f"dashboard: {msg}", flush=True)


class QueryConn:
    """One keep-alive HTTP/1.1 connection that times a query as a compiled client would: the
    request written in one send, the status line and headers split by hand, the body read by
    its Content-Length and parsed whole by json. Python's http.client spends about 0.1 ms of
    pure-Python header parsing per response (email.parser), more than the server's work for a
    lookup, which psycopg2's C code does not pay on the PostgreSQL side. Any other framing
    (chunked, no length) raises, and the caller's http.client path is the fallback."""

    def __init__(self, port, timeout=600):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _head(self):
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionResetError("closed before the response's headers")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
            elif name.strip().lower() == "transfer-encoding":
                raise http.client.HTTPException("chunked response: not framed by length")
        if length is None:
            raise http.client.HTTPException("response without Content-Length")
        return status, length

    def call(self, method, path, body):
        data = json.dumps(body).encode()
        self.sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ApiKey "
                          f"{KEY}\r\nContent-Type: application/json\r\nContent-Length: "
                          f"{len(data)}\r\n\r\n".encode() + data)
        status, length = self._head()
        while len(self.buf) < length:
            chunk = self.sock.recv(max(65536, length - len(self.buf)))
            if not chunk:
                raise ConnectionResetError("closed inside the response's body")
            self.buf += chunk
        payload, self.buf = self.buf[:length], self.buf[length:]
        return status, json.loads(payload or b"{}")


class Server:
    """A rockset-local on loopback with its database in a file of its own (to measure size)."""

    def __init__(self, binary, workdir, name, *flags):
        self.dir = tempfile.mkdtemp(prefix=f"rl-{name}-", dir=workdir)
        self.db = os.path.join(self.dir, "store.db")
        port_file = os.path.join(self.dir, "port")
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen([binary, "--port", "0", "--port-file", port_file,
                                      "--data", self.db, "--api-key", KEY, *flags],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(400):
            if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
                break
            if self.proc.poll() is not None:
                raise RuntimeError(f"rockset-local exited: see {self.log.name}")
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = int(f.read().strip())
        self.conn = None

    def connection(self, timeout=600):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def call(self, method, path, body=None, conn=None, raw=None):
        conn = conn or self.conn or self.connection()
        if self.conn is None:
            self.conn = conn
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Authorization": "ApiKey " + KEY, "Content-Type": "application/json"}
        try:
            conn.request(method, path, data, headers)
            r = conn.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # the server closes a keep-alive connection left idle past its timeout (the real
            # time part leaves the main one idle for a minute): a client connects again
            conn.close()
            conn.request(method, path, data, headers)
            r = conn.getresponse()
        payload = json.loads(r.read() or b"{}")
        return r.status, payload

    def ok(self, method, path, body=None, raw=None):
        status, payload = self.call(method, path, body, raw=raw)
        if status >= 300:
            raise RuntimeError(f"{method} {path}: {status} {payload}")
        return payload

    def query(self, sql, params=None, timeout_ms=None, conn=None):
        body = {"sql": {"query": sql, "parameters": params or []}}
        if timeout_ms:
            body["sql"]["timeout_ms"] = timeout_ms
        if isinstance(conn, QueryConn):
            return conn.call("POST", "/v1/orgs/self/queries", body)
        return self.call("POST", "/v1/orgs/self/queries", body, conn=conn)

    def query_conn(self):
        """A QueryConn for timed queries (lib.timed_query)."""
        return QueryConn(self.port)

    def timed_call(self, sql, params, timeout_ms, conn=None):
        """query() through a QueryConn (conn, or the server's own, made at first use); a
        connection the server closed while idle is made again once."""
        own = conn is None
        if own and getattr(self, "qconn", None) is None:
            self.qconn = self.query_conn()
        c = self.qconn if own else conn
        try:
            return self.query(sql, params, timeout_ms, conn=c)
        except (BrokenPipeError, ConnectionResetError):
            if not own:
                raise
            self.qconn.close()
            self.qconn = self.query_conn()
            return self.query(sql, params, timeout_ms, conn=self.qconn)

    def size_bytes(self, part=None):
        """Bytes on disk: both stores, or part "sqlite" / "columns" (the column replica)."""
        def wanted(f):
            cols = f.startswith("store.db.columns")
            return f.startswith("store.db") and (part is None or cols == (part == "columns"))
        return sum(os.path.getsize(os.path.join(self.dir, f)) for f in os.listdir(self.dir)
                   if wanted(f))

    def cpu_seconds(self):
        """CPU seconds the server process has used (all its threads, DuckDB's included)."""
        fields = open(f"/proc/{self.proc.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def columns_on(self):
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return "column index on" in f.read()

    def wait_columns(self, collections, timeout=1800):
        """Wait until the column replica holds every write (a query hinted to the columns
        answers from them); returns the seconds waited, or None without a column index."""
        if not self.columns_on():
            return None
        started = time.monotonic()
        for c in collections:
            while True:
                status, r = self.query(f"SELECT COUNT(*) AS n FROM commons.{c}"
                                       " HINT(access_path = column_scan)")
                if status == 200 and r["stats"].get("engine") == "columns":
                    break
                if time.monotonic() - started > timeout:
                    raise RuntimeError(f"the column replica of {c} did not catch up")
                time.sleep(0.5)
        return time.monotonic() - started

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        for f in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, f))
        os.rmdir(self.dir)


def read_lines(path):
    with open(path, "rb") as f:
        return [line.rstrip(b"\n") for line in f if line.strip()]


def recent_jobs(data_dir, n=5000):
    """The last n recent workflow_job documents: the templates the streaming writers copy
    (run.py's real-time phases, stream.py, rt_split.py)."""
    lines = read_lines(os.path.join(data_dir, "recent", "workflow_job.ndjson"))
    return [json.loads(x) for x in lines[-n:]]


def load(srv, segments):
    """Create commons.<collection> and add every document of each segment directory (oldest
    first) through the documents API in batches; returns (documents, seconds)."""
    for c in COLLECTIONS:
        srv.ok("POST", "/v1/orgs/self/ws/commons/collections", {"name": c})
    total, elapsed = 0, 0.0
    for seg in segments:
        for c in COLLECTIONS:
            lines = read_lines(os.path.join(seg, c + ".ndjson"))
            started = time.monotonic()
            for i in range(0, len(lines), BATCH):
                body = b'{"data":[' + b",".join(lines[i:i + BATCH]) + b"]}"
                r = srv.ok("POST", f"/v1/orgs/self/ws/commons/collections/{c}/docs", raw=body)
                bad = [d for d in r["data"] if d.get("status") not in ("ADDED", "REPLACED")]
                if bad:
                    raise RuntimeError(f"{c}: document rejected: {bad[0]}")
            elapsed += time.monotonic() - started
            total += len(lines)
    return total, elapsed


def count(srv, coll):
    status, r = srv.query(f"SELECT COUNT(*) AS n FROM commons.{coll}")
    if status != 200:
        raise RuntimeError(f"count {coll}: {status} {r}")
    return r["results"][0]["n"]


def rockset_params(names, params):
    out = []
    for n in names:
        v = params[n]
        t = "int" if isinstance(v, int) else "float" if isinstance(v, float) else "string"
        out.append({"name": n, "type": t, "value": str(v)})
    return out


def timed_query(srv, q, params, timeout_s, conn=None):
    """One run: dict(status ok|timeout|error, server_ms, client_ms, rows, index_used, error)."""
    started = time.monotonic()
    try:
        status, r = srv.timed_call(q["rockset"], rockset_params(q["params"], params),
                                   int(timeout_s * 1000), conn=conn)
    except (OSError, http.client.HTTPException) as e:
        return {"status": "error", "error": f"{type(e).__name__}: {e}",
                "client_ms": (time.monotonic() - started) * 1e3}
    client_ms = (time.monotonic() - started) * 1e3
    if status == 408:
        return {"status": "timeout", "client_ms": client_ms, "server_ms": timeout_s * 1e3}
    if status != 200:
        return {"status": "error", "client_ms": client_ms,
                "error": f"{status} {r.get('message', r)}"}
    return {"status": "ok", "client_ms": client_ms, "server_ms": r["stats"]["elapsed_time_ms"],
            "rows": r["results"], "index_used": r["stats"].get("index_used"),
            "engine": r["stats"].get("engine"), "column_lag_ms": r["stats"].get("column_lag_ms"),
            "throttled_ms": r["stats"].get("throttled_time_micros", 0) / 1e3}


def summary(samples):
    """The first run's result with the medians of server_ms / client_ms of the runs that
    answered, and their count."""
    out = dict(samples[0])
    ok = [s for s in samples if s["status"] == "ok"]
    if ok:
        out["client_ms"] = median([s["client_ms"] for s in ok])
        if ok[0].get("server_ms") is not None:
            out["server_ms"] = median([s["server_ms"] for s in ok])
    out["samples"] = len(ok)
    return out


def measure_rounds(runs, reps, slow_s=2.0):
    """runs: {id: run_once}. Each runs once a round, in order, as a dashboard's refresh runs
    its questions, up to reps rounds: a question whose first run failed or took over slow_s
    runs once, and one that fails later runs no more. Returns {id: summary(its runs)}.

    Why rounds and not a question's runs back to back: a dashboard sends each question once a
    refresh, after the others; and on this machine something outside the benchmark (kernel
    threads) slows everything for about 50 ms every second or two, which decided a small
    question's whole median when its runs were adjacent (1 ms for 5 runs) and moves one of its
    runs now. Every system of the comparison is measured the same way."""
    samples = {k: [run_once()] for k, run_once in runs.items()}
    again = [k for k, s in samples.items()
             if s[0]["status"] == "ok" and s[0]["client_ms"] < slow_s * 1e3]
    for _ in range(reps - 1):
        for k in list(again):
            r = runs[k]()
            if r["status"] != "ok":
                again.remove(k)
                continue
            samples[k].append(r)
    return {k: summary(s) for k, s in samples.items()}


# ---------------------------------------------------------------------------- statistics

def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def pct(xs, p):
    """Nearest-rank percentile (the definition the queries use)."""
    xs = sorted(xs)
    if not xs:
        return None
    k = max(1, math.ceil(p * len(xs)))
    return xs[k - 1]


# ---------------------------------------------------------------------------- answers

TS_RE = re.compile(r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]00(:?00)?)?$")
NUM_RE = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")


def norm(v):
    """One form for a value from any of the three systems: timestamps as
    YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC), numbers (and numeric strings: DuckDB's JSON gives
    BIGINTs as strings) as ints or floats of 6 significant digits, lists and objects
    recursively."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return v.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(v, decimal.Decimal):
        v = float(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if v == int(v) and abs(v) < 1e15:
            return int(v)
        return float("%.6g" % v)
    if isinstance(v, str):
        m = TS_RE.match(v)
        if m:
            frac = (m.group(3) or ".0")[1:].ljust(6, "0")[:6]
            return f"{m.group(1)}T{m.group(2)}.{frac}Z"
        if NUM_RE.match(v):
            return norm(float(v)) if any(c in v for c in ".eE") else int(v)
        return v
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    return v


def canon(rows):
    """Rows (dicts) as a list of tuples over their sorted column names; a missing key (Rockset's
    undefined) reads as null."""
    if rows is None:
        return None
    keys = sorted({k for r in rows for k in r})
    return [tuple((k, norm(r.get(k))) for k in keys) for r in rows]


def same(a, b):
    return a is not None and b is not None and canon(a) == canon(b)


def first_difference(a, b):
    ca, cb = canon(a) or [], canon(b) or []
    if len(ca) != len(cb):
        return f"{len(ca)} rows vs {len(cb)}"
    for i, (x, y) in enumerate(zip(ca, cb)):
        if x != y:
            return f"row {i}: {dict(x)} vs {dict(y)}"
    return ""
