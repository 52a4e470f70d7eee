"""faultnode.py - what the fault scenarios (tests/e2e/test_faults_*.py) share: a rockset-local
that can be stopped, killed and restarted on the same port and --data file with other fault
flags, a sqlite3 shell on it, a fixture collection, and "repeat until it succeeds" as a user
would do it. Uses tests/lib/rl.py (the caller puts tests/lib on sys.path first).
"""
import os
import time

import rl
from sqlshell import SqlShell

SLOW = 20 if os.environ.get("RS_VALGRIND") == "1" else 1


class Node:
    """One rockset-local on a fixed port and data file, restartable with other flags."""

    def __init__(self, tag):
        self.data = os.path.join(rl.OUT, f"{rl.uniq(tag)}.db")
        self.port = None
        self.srv = None
        self.logs = []

    def start(self, *flags):
        port_flags = ("--port", str(self.port)) if self.port else ()
        # rl.start_server passes --port 0 first; a later --port wins
        self.srv = rl.start_server("--data", self.data, *port_flags, *flags,
                                   timeout=10.0 * SLOW)
        self.port = self.srv.port
        self.logs.append(self.srv.log_path)
        return self

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.srv.stop(timeout=10.0 * SLOW)

    def kill9(self):
        self.srv.kill9()

    def count_status(self, status):
        """Requests answered with this status, over every run of this node so far."""
        n = 0
        for path in self.logs:
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    n += sum(1 for line in f if line.startswith("rockset-local: ")
                             and f" {status} " in line)
            except OSError:
                pass
        return n


def shell(node, tag):
    return SqlShell(node.url, rl.KEY, os.path.join(rl.OUT, f"{rl.uniq(tag)}.tmp"))


def fixture(node, ws, coll, n=120):
    """Workspace, READY collection and n documents {_id: "d<i>", n: i}, made over plain HTTP."""
    rl.make_ws(ws, url=node.url)
    rl.make_coll(ws, coll, url=node.url)
    r = rl.add_docs(ws, coll, [{"_id": f"d{i}", "n": i} for i in range(1, n + 1)], url=node.url)
    rl.wait_fence(ws, coll, r.body["last_offset"], url=node.url)


def until_ok(sh, sql, allowed, tries=40, on_fail=None, pause=0.0):
    """Run a non-idempotent statement until it succeeds, as a user would; every failure must be
    one of the allowed error lines (on_fail, e.g. a ROLLBACK, runs after each; then a pause in
    seconds). Returns (output of the success, number of failures, unexpected failures)."""
    failures, odd = 0, []
    for _ in range(tries):
        out = sh.one(sql, timeout=120 * SLOW)
        if not out.startswith("error: "):
            return out, failures, odd
        failures += 1
        if out not in allowed:
            odd.append(out)
        if on_fail:
            sh.one(on_fail)
        time.sleep(pause)
    return None, failures, odd
