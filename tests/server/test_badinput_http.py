"""test_badinput_http.py - the rockset-local half of the bad-input catalogue
(tests/badinput/http_cases.py: the format is described there).

Each case sends one request to the suite's shared server and checks the exact status, error type
and message ("badinput/http/<id>"); the ErrorModel schema of every answer is checked by rl.py.
After all cases, "badinput/http/server_still_answers" proves that nothing crashed or wedged the
server: a workspace listing and a query still answer, and the fixture collection still holds
exactly the documents the valid writes put there.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "badinput"))
import rl  # noqa: E402
import http_cases  # noqa: E402

rl.set_prefix("badinput/http")
BIG = "x" * (11 * 1024 * 1024)


def fill(text, names):
    if text is None or isinstance(text, bytes):
        return text
    for k, v in names.items():
        text = text.replace("{" + k + "}", v)
    return text


def run_case(case, names):
    cid, method, path, body, expect = case[:5]
    opts = case[5] if len(case) > 5 else {}
    kw = {"raw_body": fill(body, names)} if body is not None else {}
    if "auth" in opts:
        kw["auth"] = False
    if "key" in opts:
        kw["key"] = opts["key"]
    if "scheme" in opts:
        kw["scheme"] = opts["scheme"]
    resp = rl.request(method, fill(path, names), **kw)
    if expect[0] == http_cases.E:
        status, type_, message = expect[1:4]
        line, column = expect[4] if len(expect) > 4 else (None, None)
        rl.expect_error(cid, resp, status, type_, message=fill(message, names), line=line,
                        column=column)
        return
    _, type_, message = expect
    ok = rl.check_status(f"{cid}/status", resp, 200)
    first = (resp.body.get("data") or [{}])[0] if ok and isinstance(resp.body, dict) else {}
    err = first.get("error") or {}
    rl.check(f"{cid}/document_error", first.get("status") == "ERROR"
             and err.get("type") == type_ and err.get("message") == fill(message, names),
             f"expected ERROR {type_} {fill(message, names)!r}, got {resp!r}")


@rl.case
def catalogue():
    ws, coll = rl.uniq("badin_ws"), rl.uniq("badin_c")
    rl.make_ws(ws)
    rl.make_coll(ws, coll)
    rl.add_docs(ws, coll, [{"_id": "keep", "n": 1}])
    names = {"ws": ws, "coll": coll, "big": BIG}
    ids = [c[0] for c in http_cases.CASES]
    rl.check("case_ids_unique", len(ids) == len(set(ids)), "duplicate case ids")
    for case in http_cases.CASES:
        run_case(case, names)
    ok = rl.get("/v1/orgs/self/ws").status == 200
    found = rl.rows(f"SELECT _id, n FROM {ws}.{coll} ORDER BY _id")
    rl.check("server_still_answers", ok and found == [{"_id": "keep", "n": 1}],
             f"workspaces listed: {ok}; documents: {found!r}")


rl.done()
