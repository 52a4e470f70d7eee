"""test_swap_kill.py - "nothing lost" under kill -9 of the runner (issue 13, docs/semantics.md).

A table model `rel` (3000 rows) is built once. Its SQL is then changed (5000 rows) and a runner
(a sqlite3 shell with the extension, on a file database) starts rockset_run and is killed with
SIGKILL at three points, each chosen by reading rockset-local's request log, never by a clock:
  A. once it has created its fresh collection (the server's provisioning delay holds it there);
  B. while its INSERT INTO runs or its commit fence is waited on (the ingest delay widens that);
  C. right after it switched the alias (usually before it could drop the previous collection;
     the server's --latency-ms widens that window, and the test says which it was).
Meanwhile a reader queries SELECT COUNT(*) FROM ws.rel over HTTP, again and again. What is
proved: every read answers, with the old count or the new one - never 0, never "not found" -
and once the new count was seen the old one never comes back; a last run completes and leaves
exactly one collection, the one the alias points to (what the killed runs left is dropped at
the model's next build), with the new rows.
"""
import os
import re
import signal
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import rl  # noqa: E402
from faultnode import SLOW, Node  # noqa: E402
from rl import case, check  # noqa: E402
from sqlshell import SqlShell  # noqa: E402

rl.set_prefix("swap_kill")
WS, SRC_WS = "sk", "skraw"
N_OLD, N_NEW = 3000, 5000
BOUND = 300 * SLOW  # seconds: a bound against a hang only, never a timing assertion
SESSION_SQL = f"""
.output /dev/null
SELECT rockset_connect();
SELECT rockset_config('quiet', 1);
SELECT rockset_config('workspace', '{WS}');
.output
"""
SETUP_SQL = f"""
.output /dev/null
SELECT rockset_init();
.output
DELETE FROM rockset_models;
INSERT INTO rockset_models (name, sql, materialized) VALUES
  ('rel', 'SELECT _id, n FROM {SRC_WS}.src WHERE n <= {N_OLD}', 'table');
"""


def seed(node):
    rl.make_ws(SRC_WS, url=node.url)
    rl.make_coll(SRC_WS, "src", url=node.url)
    last = None
    for start in range(1, N_NEW + 1, 1000):
        docs = [{"_id": f"d{i}", "n": i} for i in range(start, min(start + 1000, N_NEW + 1))]
        r = rl.add_docs(SRC_WS, "src", docs, url=node.url)
        last = r.body["last_offset"]
    rl.wait_fence(SRC_WS, "src", last, url=node.url, timeout=BOUND)


class Reader(threading.Thread):
    """Counts ws.rel over HTTP until stopped; keeps (status, count or error) of every read."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url = url
        self.reads = []
        self.stop = threading.Event()
        self.some = threading.Event()

    def run(self):
        while not self.stop.is_set():
            r = rl.query(f"SELECT COUNT(*) AS n FROM {WS}.rel", url=self.url)
            if r.status == 200:
                self.reads.append((200, r.body["results"][0]["n"]))
            else:
                self.reads.append((r.status, r.body))
            self.some.set()


class Log:
    """rockset-local's request log ("rockset-local: METHOD PATH STATUS Nms"), read on from a
    mark."""

    def __init__(self, srv):
        self.srv = srv
        self.mark = 0

    def set_mark(self):
        self.mark = len(self.srv.log())

    def wait_for(self, pattern):
        """Poll the log after the mark until a line matches; True when one did."""
        rx = re.compile(pattern, re.M)
        text = rl.poll(lambda: self.srv.log()[self.mark:], lambda got: rx.search(got),
                       timeout=BOUND, interval=0.005)
        return rx.search(text) is not None


def runner(node, tag, db):
    sh = SqlShell(node.url, rl.KEY, os.path.join(rl.OUT, f"{rl.uniq(tag)}.tmp"), db=db)
    sh.one(SESSION_SQL + (SETUP_SQL if tag == "setup" else ""), timeout=BOUND)
    return sh


def killed_at(node, log, db, label, pattern):
    """Start rockset_run in a fresh runner, SIGKILL it once the log shows pattern."""
    sh = runner(node, label, db)
    log.set_mark()
    sh.proc.stdin.write(b"SELECT rockset_run('rel');\n")
    sh.proc.stdin.flush()
    seen = log.wait_for(pattern)
    sh.proc.send_signal(signal.SIGKILL)
    sh.proc.wait()
    check(f"{label}/kill_point_reached", seen, pattern)


def collections(node, ws):
    r = rl.get(f"/v1/orgs/self/ws/{ws}/collections", url=node.url)
    return sorted(c["name"] for c in r.body.get("data", [])) if r.status == 200 else r


@case
def reads_never_lose_the_relation():
    # latency before every request widens the gap between the alias switch and the drop of
    # the previous collection (kill point C); the delays hold the runner at A and B
    node = Node("swap_kill").start("--provision-delay-ms", "300", "--ingest-delay-ms", "300",
                                   "--latency-ms", "40", "--view-sync-delay-ms", "20")
    db = os.path.join(rl.OUT, f"{rl.uniq('swap_kill_models')}.db")
    log = Log(node.srv)
    seed(node)
    sh = runner(node, "setup", db)
    out = sh.one("SELECT json_extract(rockset_run('rel'), '$.success');", timeout=BOUND)
    check("first_build", out == "1", out)
    sh.one(f"UPDATE rockset_models SET sql = 'SELECT _id, n FROM {SRC_WS}.src' WHERE name = 'rel';")
    sh.close()
    check("old_rows", rl.rows(f"SELECT COUNT(*) AS n FROM {WS}.rel", url=node.url) == [{"n": N_OLD}])

    reader = Reader(node.url)
    reader.start()
    reader.some.wait(BOUND)
    path = f"/v1/orgs/self/ws/{WS}"
    killed_at(node, log, db, "A_after_fresh_collection", rf"^rockset-local: POST {path}/collections 200 ")
    killed_at(node, log, db, "B_during_insert",
              rf"^rockset-local: (GET /v1/orgs/self/queries/|POST {path}/collections/rel__rs\d+/offsets/commit )")
    killed_at(node, log, db, "C_after_switch", rf"^rockset-local: POST {path}/aliases/rel 200 ")
    left = collections(node, WS)
    print(f"# swap_kill: after the kill at C, {len(left)} collections in {WS} (2: the previous "
          f"one was not dropped yet)")
    n_before_last = len(reader.reads)
    rl.poll(lambda: len(reader.reads), lambda n: n > n_before_last, timeout=BOUND)
    reader.stop.set()
    reader.join(BOUND)

    bad = [r for r in reader.reads if r != (200, N_OLD) and r != (200, N_NEW)]
    check("every_read_old_or_new", not bad and reader.reads, f"{len(bad)} bad of "
          f"{len(reader.reads)}: {bad[:3]}")
    counts = [n for _, n in reader.reads]
    first_new = counts.index(N_NEW) if N_NEW in counts else len(counts)
    check("new_rows_seen_after_switch", N_NEW in counts, f"{len(counts)} reads, all old")
    check("old_never_back_after_new", N_OLD not in counts[first_new:],
          f"old count read after the new one at read {first_new}")
    print(f"# swap_kill: {len(counts)} reads, {first_new} old then {len(counts) - first_new} new")

    sh = runner(node, "rerun", db)
    out = sh.one("SELECT json_extract(rockset_run('rel'), '$.success');", timeout=BOUND)
    check("rerun_completes", out == "1", out)
    ok, detail = sh.closed_cleanly()
    check("rerun_shell_clean", ok, detail)
    names = collections(node, WS)
    alias = rl.get(f"{path}/aliases/rel", url=node.url)
    target = alias.body["data"]["collections"] if alias.status == 200 else alias
    check("exactly_one_collection_behind_the_alias",
          isinstance(names, list) and len(names) == 1 and re.fullmatch(r"rel__rs\d+", names[0])
          and target == [f"{WS}.{names[0]}"], f"collections {names}, alias -> {target}")
    check("new_rows_after_rerun",
          rl.rows(f"SELECT COUNT(*) AS n FROM {WS}.rel", url=node.url) == [{"n": N_NEW}])
    node.stop()


rl.done()
