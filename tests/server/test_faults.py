"""Fault knobs: --fail-rate/--fail-status (ErrorModel, failed writes do nothing), --rate-limit
(429 RATELIMITEXCEEDED + Retry-After), --latency-ms, --query-timeout-ms (408 QUERY_TIMEOUT with
query_id), --max-concurrent-queries (queries beyond the slots wait: QUEUED, throttled time)."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402
from rl import QUERY_ID, case, check, check_match, delete, expect_error, get, mentions, post, uniq  # noqa: E402,E501

rl.set_prefix("faults")


@case
def fail_always():
    srv = rl.start_server("--fail-rate", "1", "--fail-status", "503")
    reqs = [("GET", "/v1/orgs/self", None), ("GET", "/v1/orgs/self/ws", None),
            ("POST", "/v1/orgs/self/ws", {"name": "never"}),
            ("POST", "/v1/orgs/self/queries", {"sql": {"query": "SELECT 1"}})]
    for i, (method, path, body) in enumerate(reqs):
        r = rl.request(method, path, body, url=srv.url)
        expect_error(f"503_{i}", r, 503, rl.OneOf("SERVICEUNAVAILABLE", "NOT_READY"))
    srv.stop()
    srv = rl.start_server("--fail-rate", "1", "--fail-status", "500")
    r = get("/v1/orgs/self/ws", url=srv.url)
    expect_error("500", r, 500, "INTERNALERROR")
    srv.stop()
    srv = rl.start_server("--fail-rate", "0")
    r = get("/v1/orgs/self/ws", url=srv.url)
    check("rate_zero_never_fails", r.status == 200, repr(r))
    srv.stop()


def retry(fn, tries=60):
    for _ in range(tries):
        r = fn()
        if r.status not in (503,):
            return r
    return r


@case
def failed_writes_do_nothing():
    srv = rl.start_server("--fail-rate", "0.5", "--fail-status", "503")
    url = srv.url
    coll = uniq("ff")
    seen = []
    for _ in range(60):
        r = post("/v1/orgs/self/ws/commons/collections", {"name": coll}, url=url)
        seen.append(r.status)
        if r.status != 503:
            break
    check("create_retry_never_conflicts", seen[-1] == 200 and 409 not in seen, str(seen))
    retry(lambda: rl.poll(lambda: get(rl.coll_path("commons", coll), url=url),
                          lambda x: x.status == 200 and x.body["data"]["status"] == "READY"))
    acked, failed = [], []
    for i in range(40):
        r = post(f"{rl.coll_path('commons', coll)}/docs", {"data": [{"_id": f"w{i:02d}"}]},
                 url=url)
        (acked if r.status == 200 else failed).append((f"w{i:02d}", r.status))
    check("both_outcomes_seen", acked and failed, f"{len(acked)} acked, {len(failed)} failed")
    check("failures_are_503", all(s == 503 for _, s in failed), str(failed[:5]))
    r = retry(lambda: rl.query(f"SELECT _id FROM commons.{coll} ORDER BY _id", url=url))
    check_match("exactly_the_acknowledged_docs", r.body.get("results") if r.status == 200 else r,
                [{"_id": i} for i, _ in acked])
    srv.stop()


@case
def rate_limit():
    srv = rl.start_server("--rate-limit", "2")
    statuses = []
    last429 = None
    for _ in range(6):
        r = get("/v1/orgs/self", url=srv.url)
        statuses.append(r.status)
        if r.status == 429:
            last429 = r
    check("first_two_pass", statuses[:2] == [200, 200], str(statuses))
    check("then_429", statuses[2:] == [429] * 4, str(statuses))
    if last429 is not None:
        expect_error("429_body", last429, 429, "RATELIMITEXCEEDED")
        ra = last429.headers.get("retry-after", "")
        check("retry_after_seconds", ra.isdigit() and 1 <= int(ra) <= 2, f"Retry-After={ra!r}")
    time.sleep(1.1)
    r = get("/v1/orgs/self", url=srv.url)
    check("recovers_after_window", r.status == 200, repr(r))
    srv.stop()


@case
def latency():
    srv = rl.start_server("--latency-ms", "200")
    times = []
    for _ in range(3):
        r = get("/v1/orgs/self", url=srv.url)
        times.append((r.status, round(r.ms)))
    check("adds_latency", all(s == 200 and 200 <= t < 1500 for s, t in times), str(times))
    srv.stop()
    srv = rl.start_server()
    r = get("/v1/orgs/self", url=srv.url)
    check("no_latency_by_default", r.status == 200 and r.ms < 190, f"{r.ms:.0f} ms")
    srv.stop()


def hundred_docs(prefix, url):
    """A new collection of 100 documents on the server at url: its name and a query over it
    that runs long (a 4-way cross join: 10^8 rows)."""
    coll = uniq(prefix)
    rl.make_coll("commons", coll, url=url)
    r = rl.add_docs("commons", coll, [{"_id": str(i), "v": i} for i in range(100)], url=url)
    rl.wait_fence("commons", coll, r.body["last_offset"], url=url)
    c = f"commons.{coll}"
    return c, f"SELECT COUNT(*) AS n FROM {c} a, {c} b, {c} d, {c} e"


@case
def query_timeout():
    srv = rl.start_server("--query-timeout-ms", "100")
    url = srv.url
    c, slow = hundred_docs("qt", url)
    r = rl.query(slow, url=url)
    expect_error("408", r, 408, "QUERY_TIMEOUT", query_id=QUERY_ID)
    check("prompt", r.ms < 3000, f"{r.ms:.0f} ms")
    r = rl.query(f"SELECT COUNT(*) AS n FROM {c}", url=url)
    check_match("fast_query_fine", r.body.get("results") if r.status == 200 else r, [{"n": 100}])
    srv.stop()


@case
def query_slots():
    srv = rl.start_server("--max-concurrent-queries", "1")
    url = srv.url
    c, slow = hundred_docs("qs", url)
    # the one slot taken by a slow query: an async query waits QUEUED, a sync one times out
    r = post("/v1/orgs/self/queries", {"async": True, "timeout_ms": 60000, "sql": {"query": slow}},
             url=url)
    holder = r.body.get("query_id")
    info = rl.poll(lambda: get(f"/v1/orgs/self/queries/{holder}", url=url),
                   lambda x: x.status == 200 and x.body["data"]["status"] == "RUNNING")
    check("holder_running", info.status == 200 and info.body["data"]["status"] == "RUNNING",
          repr(info))
    r = post("/v1/orgs/self/queries", {"async": True, "sql": {"query": f"SELECT COUNT(*) AS n "
                                                                       f"FROM {c}"}}, url=url)
    waiting = r.body.get("query_id")
    time.sleep(0.3)
    info = get(f"/v1/orgs/self/queries/{waiting}", url=url)
    check("second_queued", info.status == 200 and info.body["data"]["status"] == "QUEUED",
          repr(info))
    r = rl.query("SELECT 1 AS one", url=url, timeout_ms=300)
    expect_error("sync_times_out_waiting", r, 408, "QUERY_TIMEOUT", query_id=QUERY_ID,
                 message=mentions("query slots", "--max-concurrent-queries"))
    # the slot freed (cancel): the queued query runs, and says how long it waited
    delete(f"/v1/orgs/self/queries/{holder}", url=url)
    info = rl.poll(lambda: get(f"/v1/orgs/self/queries/{waiting}", url=url),
                   lambda x: x.status == 200 and x.body["data"]["status"] == "COMPLETED")
    check("queued_ran", info.status == 200 and info.body["data"]["status"] == "COMPLETED",
          repr(info))
    check("queued_throttled_time", info.status == 200
          and info.body["data"]["stats"]["throttled_time_ms"] >= 300, repr(info))
    pages = get(f"/v1/orgs/self/queries/{waiting}/pages", url=url)
    check_match("queued_answer", pages.body.get("results") if pages.status == 200 else pages,
                [{"n": 100}])
    r = rl.query("SELECT 1 AS one", url=url)
    check("free_slot_not_throttled", r.status == 200
          and r.body["stats"]["throttled_time_micros"] < 1_000_000, repr(r))
    srv.stop()
    p = rl.start_server("--max-concurrent-queries", "x", wait=False)
    p.proc.wait(10)
    check("bad_flag_refused", p.proc.returncode == 2 and "--max-concurrent-queries" in p.log(),
          p.log()[-300:])


rl.done()
