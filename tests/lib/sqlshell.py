"""sqlshell.py - drive one sqlite3 shell with the extension loaded, statement by statement, so a
fault scenario can act between statements (kill the server, restart it, change its knobs) and
bound how long each statement may take.

    sh = SqlShell(url, key, tmp[, db=FILE])
    out, secs = sh.run("SELECT rockset_connect();", timeout=30)   # out: the lines it printed
    ok, detail = sh.closed_cleanly()                              # exit status judged

Each run() writes the SQL and a `.print` marker, then reads stdout (stderr merged) up to the
marker; a statement that does not finish within `timeout` seconds raises Hung (the shell is then
killed). Error lines are normalised like the catalogue's: "Runtime error near line 7: X" ->
"error: X". Under RS_VALGRIND=1 the shell runs under memcheck and close() returns 99 when it
reported errors or definite leaks.
"""
import os
import queue
import re
import subprocess
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
_ERROR = re.compile(r"^(?:Parse error|Runtime error|Error)(?: near line \d+)?: ")


class Hung(Exception):
    """A statement ran past its timeout."""


class SqlShell:
    def __init__(self, url, key, tmp, b=None, db=":memory:"):
        b = os.path.abspath(b or os.environ.get("B", os.path.join(ROOT, "build")))
        os.makedirs(tmp, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ROCKSET_", "DBT_"))}
        env.update({"ROCKSET_APIKEY": key, "ROCKSET_APISERVER": url, "HOME": tmp})
        cmd = ["sqlite3", "-cmd", f".load {os.path.join(b, 'rockset_ext')}", db]
        if os.environ.get("RS_VALGRIND") == "1":
            cmd = ["valgrind", "-q", "--leak-check=full", "--errors-for-leak-kinds=definite",
               "--keep-debuginfo=yes",
                   "--error-exitcode=99", f"--suppressions={ROOT}/tests/valgrind.supp"] + cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, cwd=tmp, env=env)
        self.lines = queue.Queue()
        self.n = 0
        self.transcript = []
        self.tail = []
        threading.Thread(target=self._reader, daemon=True).start()
        loaded = self.run("SELECT 'loaded ' || rockset_version();", timeout=60)[0]
        if not loaded or not loaded[-1].startswith("loaded "):
            self.close()
            raise RuntimeError(f"the extension did not load: {loaded!r}")

    def _reader(self):
        for raw in self.proc.stdout:
            self.lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
        self.lines.put(None)

    def run(self, sql, timeout=60):
        """Run sql; returns (printed lines, seconds it took). Raises Hung past the timeout."""
        self.n += 1
        marker = f"__sqlshell_done_{self.n}__"
        t0 = time.monotonic()
        self.proc.stdin.write(f"{sql}\n.print {marker}\n".encode())
        self.proc.stdin.flush()
        out, skip = [], 0
        while True:
            left = timeout - (time.monotonic() - t0)
            try:
                line = self.lines.get(timeout=max(left, 0.01))
            except queue.Empty:
                self.proc.kill()
                raise Hung(f"no answer within {timeout} s to: {sql[:200]}") from None
            if line is None:
                raise Hung(f"the shell exited during: {sql[:200]}")
            if line == marker:
                break
            if skip:
                skip -= 1
                if "error here" in line:
                    skip = 0
                continue
            if _ERROR.match(line):
                skip = 2 if line.startswith("Parse error") else 0
                line = _ERROR.sub("error: ", line, count=1)
            out.append(line)
        secs = time.monotonic() - t0
        self.transcript.append((sql, out, secs))
        return out, secs

    def one(self, sql, timeout=60):
        """The single line a statement printed ("" when none, all lines joined otherwise)."""
        out, _ = self.run(sql, timeout)
        return "\n".join(out)

    def close(self, timeout=120):
        """End the shell; returns its exit status. What it printed after the last statement
        (valgrind's report, a crash message) is kept in self.tail."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.tail = []
        while True:
            try:
                line = self.lines.get(timeout=5)
            except queue.Empty:
                break
            if line is None:
                break
            self.tail.append(line)
        return rc

    def closed_cleanly(self):
        """close() and judge: (ok, detail). Exit 0 or 1 (the shell's status after an SQL error)
        is clean; anything else is a crash, a kill or valgrind's 99."""
        rc = self.close()
        return rc in (0, 1), f"exit status {rc}; last output: {' | '.join(self.tail[-15:])}"
