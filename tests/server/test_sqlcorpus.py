"""The Rockset SQL corpus: runs every tests/sqlcorpus/*.test file against the shared rockset-local.

A .test file holds fixture collections and cases (the format is described in
tests/sqlcorpus/README.md):

    -- collection: people            one JSON document per line, up to "-- end"
    {"_id": "1", "name": "Ann"}
    -- end

    -- case: some_id                 [a-z0-9_]+, unique in the file
    -- source: [doc https://...]     optional, any number of lines
    -- params: [{"name": "n", "type": "int", "value": "5"}]      optional, one line
    -- unordered                     optional: rows compared as a multiset
    SELECT ... FROM corpus_<stem>.people
    -- fields:                       optional: the exact column_fields
    [{"name": "x", "type": ""}]
    -- expect:                       the exact results array ...
    [{"x": 1}]
    -- error:                        ... or the exact QUERY_ERROR message
    unknown function 'FOO' (line 1, column 8)

Each file gets its own workspace corpus_<file stem> (emptied and rebuilt when it already exists);
its collections are created there, the documents added through the documents API, and the
runner waits until the commit fence passed and a COUNT(*) sees every document. A query request
carries no default workspace (the Rockset API has none), so the SQL names fixture collections
fully qualified: corpus_<stem>.people. The SQL is sent as written (error positions depend on it).

Comparison is strict: row order (unless "-- unordered"), key order inside each row, int versus
float (1 is not 1.0), bool versus number, present versus absent keys. Inside nested objects the
key order is not compared (Rockset leaves object key order unspecified); everything else is.

Output: "PASS sqlcorpus/<stem>/<case>" per passing case. Which failures are expected is said
by KNOWN_FAILURES in the corpus directory (one "<stem>/<case>  # why" per line): a listed case
that fails prints "XFAIL sqlcorpus/<stem>/<case>: <why>", which tests/run.sh does not count; a
case that fails and is not listed, and a listed case that now passes (so the list shrinks as
the engine grows), print "FAIL ...". With RS_SQLCORPUS_STRICT=1 every failure is a FAIL; a
directory without KNOWN_FAILURES (a held-out corpus given by SQLCORPUS_DIR) reports its failures
as XFAIL, to be counted. A malformed .test file or a fixture that cannot be loaded is always a
FAIL. The last line is "sqlcorpus: P passed, F expected-to-fail of N".

Environment: RS_TEST_URL, RS_TEST_KEY (as every test in tests/server/); SQLCORPUS_ONLY=<substring>
runs the cases whose "<stem>/<case>" contains it; SQLCORPUS_DIR=<dir>[:<dir>...] reads the .test
files from other directories instead of tests/sqlcorpus/.
"""
import glob
import http.client
import json
import math
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS_DIR = os.path.join(HERE, "..", "sqlcorpus")
URL = os.environ.get("RS_TEST_URL", "http://127.0.0.1:3000")
KEY = os.environ.get("RS_TEST_KEY", "")
STRICT = os.environ.get("RS_SQLCORPUS_STRICT", "") == "1"
ONLY = os.environ.get("SQLCORPUS_ONLY", "")
SLOW = 20.0 if os.environ.get("RS_VALGRIND") == "1" else 1.0

CASE_ID = re.compile(r"^[a-z0-9_]+$")
DIRECTIVE = re.compile(r"^-- (case|source|params|fields|expect|error|collection):(.*)$")
BARE_DIRECTIVES = ("-- unordered", "-- end")


class FormatError(Exception):
    """A .test file that does not follow the format (reported as a FAIL, always)."""


# ---------------------------------------------------------------------------------------------
# Output

counts = {"pass": 0, "xfail": 0, "fail": 0, "total": 0}


def scrub(text):
    text = str(text).replace("\n", " ")
    if KEY:
        text = text.replace(KEY, "<KEY>")
    return text[:1500] + "..." if len(text) > 1500 else text


def read_known_failures(directory):
    """The set of "<stem>/<case>" KNOWN_FAILURES lists in directory, or None without one."""
    path = os.path.join(directory, "KNOWN_FAILURES")
    if not os.path.exists(path):
        return None
    known = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            name = line.split("#", 1)[0].strip()
            if name:
                known.add(name)
    return known


def report(name, ok, why="", engine=True, known=None):
    """One line per case. engine=False marks problems of the corpus or the environment, which
    are real failures even outside strict mode. known: the directory's KNOWN_FAILURES set, or
    None when it has none."""
    counts["total"] += 1
    listed = known is not None and name in known
    if ok and listed and not STRICT:
        counts["fail"] += 1
        print(f"FAIL sqlcorpus/{name}: passes now; remove it from KNOWN_FAILURES", flush=True)
    elif not ok and known is not None and not listed and engine and not STRICT:
        counts["fail"] += 1
        print(f"FAIL sqlcorpus/{name}: {scrub(why)}", flush=True)
    elif ok:
        counts["pass"] += 1
        print(f"PASS sqlcorpus/{name}", flush=True)
    elif STRICT or not engine:
        counts["fail"] += 1
        print(f"FAIL sqlcorpus/{name}: {scrub(why)}", flush=True)
    else:
        counts["xfail"] += 1
        print(f"XFAIL sqlcorpus/{name}: {scrub(why)}", flush=True)


# ---------------------------------------------------------------------------------------------
# HTTP

def host_port():
    m = re.match(r"^http://([^:/]+):(\d+)", URL)
    if not m:
        raise SystemExit(f"bad RS_TEST_URL {URL}")
    return m.group(1), int(m.group(2))


def request(method, path, body=None, timeout=60):
    """Returns (status, parsed body or raw text)."""
    host, port = host_port()
    headers = {"Authorization": f"ApiKey {KEY}", "Accept": "application/json"}
    data = None
    if body is not None:
        # compact, the form in which typed values (extended JSON) are stored
        data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read().decode("utf-8", "replace")
        status = resp.status
    finally:
        conn.close()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw


def run_query(sql, params=None):
    body = {"sql": {"query": sql}}
    if params is not None:
        body["sql"]["parameters"] = params
    return request("POST", "/v1/orgs/self/queries", body)


# ---------------------------------------------------------------------------------------------
# Parsing

class Case:
    def __init__(self, cid, line):
        self.id = cid
        self.line = line
        self.sources = []
        self.params = None
        self.unordered = False
        self.sql_lines = []
        self.fields = None
        self.expect = None
        self.error = None


def parse_json(text, what, line):
    try:
        return json.loads(text)
    except ValueError as exc:
        raise FormatError(f"line {line}: {what} is not JSON ({exc})") from exc


def collect_block(lines, i):
    """Lines from i up to the next directive; returns (text lines, next index). '#' lines are
    file comments and left out."""
    out = []
    while i < len(lines):
        ln = lines[i]
        if DIRECTIVE.match(ln) or ln.rstrip() in BARE_DIRECTIVES:
            break
        if not ln.startswith("#"):
            out.append(ln)
        i += 1
    while out and out[-1].strip() == "":
        out.pop()
    while out and out[0].strip() == "":
        out.pop(0)
    return out, i


def parse_file(path):
    """Returns (collections: list of (name, docs)), cases: list of Case)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    collections, cases, seen = [], [], set()
    cur = None
    i = 0
    while i < len(lines):
        ln = lines[i]
        lineno = i + 1
        stripped = ln.rstrip()
        m = DIRECTIVE.match(stripped)
        if cur is None and (ln.startswith("#") or stripped == ""):
            i += 1
            continue
        if m is None and stripped in BARE_DIRECTIVES:
            if stripped == "-- unordered" and cur is not None and cur.expect is None \
                    and cur.error is None:
                cur.unordered = True
                i += 1
                continue
            raise FormatError(f"line {lineno}: unexpected '{stripped}'")
        if m is None:
            if cur is None:
                raise FormatError(f"line {lineno}: text outside a case: {ln[:60]!r}")
            if cur.expect is not None or cur.error is not None:
                raise FormatError(f"line {lineno}: text after the case's result: {ln[:60]!r}")
            if cur.fields is not None:
                raise FormatError(f"line {lineno}: SQL after -- fields:")
            if not ln.startswith("#"):
                cur.sql_lines.append(ln)
            i += 1
            continue
        kind, rest = m.group(1), m.group(2).strip()
        if kind == "collection":
            finish(cur, cases)
            cur = None
            name = rest
            if not re.match(r"^[A-Za-z0-9_-]+$", name):
                raise FormatError(f"line {lineno}: bad collection name {name!r}")
            docs = []
            i += 1
            while i < len(lines) and lines[i].rstrip() != "-- end":
                d = lines[i].strip()
                if d and not d.startswith("#"):
                    doc = parse_json(d, "a document", i + 1)
                    if not isinstance(doc, dict):
                        raise FormatError(f"line {i + 1}: a document must be a JSON object")
                    docs.append(doc)
                i += 1
            if i >= len(lines):
                raise FormatError(f"line {lineno}: collection {name} has no '-- end'")
            if any(c[0] == name for c in collections):
                raise FormatError(f"line {lineno}: collection {name} defined twice")
            collections.append((name, docs))
            i += 1
            continue
        if kind == "case":
            finish(cur, cases)
            if not CASE_ID.match(rest):
                raise FormatError(f"line {lineno}: bad case id {rest!r} (want [a-z0-9_]+)")
            if rest in seen:
                raise FormatError(f"line {lineno}: case id {rest} used twice")
            seen.add(rest)
            cur = Case(rest, lineno)
            i += 1
            continue
        if cur is None:
            raise FormatError(f"line {lineno}: '-- {kind}:' outside a case")
        if cur.expect is not None or cur.error is not None:
            raise FormatError(f"line {lineno}: '-- {kind}:' after the case's result")
        if kind == "source":
            cur.sources.append(rest)
            i += 1
        elif kind == "params":
            if cur.sql_lines:
                raise FormatError(f"line {lineno}: -- params: must come before the SQL")
            cur.params = parse_json(rest, "-- params:", lineno)
            if not isinstance(cur.params, list):
                raise FormatError(f"line {lineno}: -- params: must be a JSON array")
            i += 1
        elif kind == "fields":
            block, i = collect_block(lines, i + 1)
            text = "\n".join(([rest] if rest else []) + block)
            cur.fields = parse_json(text, "-- fields:", lineno)
        elif kind == "expect":
            block, i = collect_block(lines, i + 1)
            text = "\n".join(([rest] if rest else []) + block)
            cur.expect = parse_json(text, "-- expect:", lineno)
            if not isinstance(cur.expect, list):
                raise FormatError(f"line {lineno}: -- expect: must be a JSON array of rows")
        elif kind == "error":
            block, i = collect_block(lines, i + 1)
            text = "\n".join(([rest] if rest else []) + block).strip()
            if not text:
                raise FormatError(f"line {lineno}: -- error: without a message")
            cur.error = text
    finish(cur, cases)
    return collections, cases


def finish(case, cases):
    if case is None:
        return
    sql = "\n".join(case.sql_lines).strip()
    if not sql:
        raise FormatError(f"line {case.line}: case {case.id} has no SQL")
    if case.expect is None and case.error is None:
        raise FormatError(f"line {case.line}: case {case.id} has neither -- expect: nor -- error:")
    if case.error is not None and (case.fields is not None or case.unordered):
        raise FormatError(f"line {case.line}: case {case.id}: -- error: with -- fields:/unordered")
    case.sql = sql
    cases.append(case)


# ---------------------------------------------------------------------------------------------
# Fixtures

def ws_path(ws):
    return f"/v1/orgs/self/ws/{ws}"


def poll(fn, cond, timeout):
    deadline = time.monotonic() + timeout * SLOW
    delay = 0.02
    while True:
        res = fn()
        if cond(res) or time.monotonic() >= deadline:
            return res
        time.sleep(delay)
        delay = min(delay * 1.5, 0.2)


def load_fixtures(ws, collections):
    """Creates workspace ws afresh with the collections; raises RuntimeError on a problem."""
    st, body = request("GET", f"{ws_path(ws)}/collections")
    if st == 200:
        for c in (body or {}).get("data", []):
            name = c.get("name")
            st2, b2 = request("DELETE", f"{ws_path(ws)}/collections/{name}")
            if st2 not in (200, 404):
                raise RuntimeError(f"delete {ws}.{name}: HTTP {st2} {b2}")
            poll(lambda n=name: request("GET", f"{ws_path(ws)}/collections/{n}"),
                 lambda r: r[0] == 404, 10.0)
    else:
        st, body = request("POST", "/v1/orgs/self/ws", {"name": ws})
        if st not in (200, 409):
            raise RuntimeError(f"create workspace {ws}: HTTP {st} {body}")
    for name, docs in collections:
        st, body = request("POST", f"{ws_path(ws)}/collections", {"name": name})
        if st != 200:
            raise RuntimeError(f"create collection {ws}.{name}: HTTP {st} {body}")
        r = poll(lambda n=name: request("GET", f"{ws_path(ws)}/collections/{n}"),
                 lambda x: x[0] == 200 and (x[1].get("data") or {}).get("status") == "READY",
                 10.0)
        if not (r[0] == 200 and r[1]["data"].get("status") == "READY"):
            raise RuntimeError(f"collection {ws}.{name} not READY: {r}")
        if not docs:
            continue
        st, body = request("POST", f"{ws_path(ws)}/collections/{name}/docs", {"data": docs})
        if st != 200:
            raise RuntimeError(f"add documents to {ws}.{name}: HTTP {st} {body}")
        bad = [d for d in body.get("data", []) if d.get("status") not in ("ADDED", "REPLACED")]
        if bad:
            raise RuntimeError(f"documents refused by {ws}.{name}: {bad[:3]}")
        offset = body.get("last_offset")
        if offset:
            r = poll(lambda n=name: request(
                "GET", f"{ws_path(ws)}/collections/{n}/offsets/commit?fence={offset}"),
                lambda x: x[0] == 200 and (x[1].get("data") or {}).get("passed") is True, 10.0)
            if not (r[0] == 200 and r[1]["data"].get("passed") is True):
                raise RuntimeError(f"commit fence of {ws}.{name} not passed: {r}")
        want = len({json.dumps(d.get("_id", i)) for i, d in enumerate(docs)})
        r = poll(lambda n=name: run_query(f'SELECT COUNT(*) AS n FROM "{ws}"."{n}"'),
                 lambda x: x[0] == 200 and x[1].get("results") == [{"n": want}], 10.0)
        if not (r[0] == 200 and r[1].get("results") == [{"n": want}]):
            raise RuntimeError(f"{ws}.{name} not queryable with {want} documents: {r}")


# ---------------------------------------------------------------------------------------------
# Comparison

def canon(v, top=False):
    """A text that is equal for two values exactly when the corpus calls them equal: types kept
    (1 vs 1.0 vs true), key order kept at the top level of a row, sorted inside nested objects."""
    if isinstance(v, dict):
        items = list(v.items()) if top else sorted(v.items())
        return "{" + ",".join(json.dumps(k) + ":" + canon(x) for k, x in items) + "}"
    if isinstance(v, list):
        return "[" + ",".join(canon(x) for x in v) + "]"
    if isinstance(v, bool) or v is None:
        return json.dumps(v)
    if isinstance(v, int):
        return "i" + str(v)
    if isinstance(v, float):
        if v == 0.0:
            return "f-0" if math.copysign(1.0, v) < 0 else "f0"
        return "f" + repr(v)
    return json.dumps(v, ensure_ascii=False)


def show(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def first_difference(got, want):
    """A short description of the first differing row."""
    if len(got) != len(want):
        return f"{len(got)} rows instead of {len(want)}"
    for n, (g, w) in enumerate(zip(got, want)):
        if canon(g, True) != canon(w, True):
            if isinstance(g, dict) and isinstance(w, dict) and list(g) != list(w) \
                    and sorted(g) == sorted(w):
                return f"row {n}: key order {list(g)} instead of {list(w)}"
            return f"row {n}: {show(g)} instead of {show(w)}"
    return "rows differ"


def compare_rows(case, got):
    if not isinstance(got, list):
        return f"results is not an array: {show(got)}"
    if case.unordered:
        g = sorted(canon(r, True) for r in got)
        w = sorted(canon(r, True) for r in case.expect)
        if g == w:
            return None
        return f"(unordered) got {show(got)}; want {show(case.expect)}"
    if [canon(r, True) for r in got] == [canon(r, True) for r in case.expect]:
        return None
    return f"{first_difference(got, case.expect)}; got {show(got)}; want {show(case.expect)}"


def run_case(case):
    """None when the case passes, else why not."""
    try:
        status, body = run_query(case.sql, case.params)
    except (OSError, http.client.HTTPException) as exc:
        return f"request failed: {exc}"
    if not isinstance(body, dict):
        return f"HTTP {status}, body not a JSON object: {body!r}"
    if case.error is not None:
        if status == 200:
            return f"HTTP 200 instead of error {case.error!r}; results {show(body.get('results'))}"
        msg = body.get("message")
        if status != 400 or body.get("type") != "QUERY_ERROR":
            return f"HTTP {status} {body.get('type')} {msg!r} instead of 400 QUERY_ERROR"
        if msg != case.error:
            return f"message {msg!r} instead of {case.error!r}"
        return None
    if status != 200:
        return f"HTTP {status} {body.get('type')}: {body.get('message')!r}"
    why = compare_rows(case, body.get("results"))
    if why is None and case.fields is not None and body.get("column_fields") != case.fields:
        why = f"column_fields {show(body.get('column_fields'))} instead of {show(case.fields)}"
    return why


# ---------------------------------------------------------------------------------------------

def test_files():
    dirs = os.environ.get("SQLCORPUS_DIR")
    roots = [d for d in dirs.split(":") if d] if dirs else [CORPUS_DIR]
    files = []
    for d in roots:
        files += sorted(glob.glob(os.path.join(d, "*.test")))
    return files


def run_file(path):
    stem = os.path.splitext(os.path.basename(path))[0]
    try:
        collections, cases = parse_file(path)
    except (FormatError, OSError, UnicodeDecodeError) as exc:
        report(f"{stem}/format", False, str(exc), engine=False)
        return
    selected = [c for c in cases if not ONLY or ONLY in f"{stem}/{c.id}"]
    if not selected:
        return
    try:
        load_fixtures(f"corpus_{stem}", collections)
    except (RuntimeError, OSError, http.client.HTTPException, KeyError, TypeError) as exc:
        report(f"{stem}/fixtures", False, str(exc), engine=False)
        return
    known = read_known_failures(os.path.dirname(path))
    for c in selected:
        why = run_case(c)
        report(f"{stem}/{c.id}", why is None, why or "", known=known)


def main():
    for path in test_files():
        run_file(path)
    word = "failed" if STRICT else "expected-to-fail"
    n_bad = counts["fail"] if STRICT else counts["xfail"]
    extra = f" ({counts['fail']} failed)" if counts["fail"] and not STRICT else ""
    print(f"sqlcorpus: {counts['pass']} passed, {n_bad} {word} of {counts['total']}{extra}",
          flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
