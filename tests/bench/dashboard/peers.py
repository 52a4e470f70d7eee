"""peers.py - PostgreSQL 15 (jsonb tables, expression indexes) and DuckDB (typed tables from
read_json) holding the same documents as rockset-local, answering the same questions."""
import glob
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time

from lib import COLLECTIONS, log, measure_rounds
from queries import PG_INDEXES, PG_SETUP

def _pg_bin():
    """Debian's server binaries: /usr/lib/postgresql/<major>/bin (15 on Debian 12), the newest."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return os.path.dirname(found[-1]) if found else "/usr/lib/postgresql/15/bin"


PG_BIN = _pg_bin()
HERE = os.path.dirname(os.path.abspath(__file__))


def render(sql, params, flavour):
    """Peer SQL with {name} / {ts:name} replaced by literals."""
    out = sql
    for name, v in params.items():
        if isinstance(v, str):
            lit = "'" + v.replace("'", "''") + "'"
            ts = ("TIMESTAMPTZ " if flavour == "pg" else "TIMESTAMP ") + lit
        else:
            lit = ts = str(v)
        out = out.replace("{ts:%s}" % name, ts).replace("{%s}" % name, lit)
    return out


def pg_available():
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        return "python3-psycopg2 is not installed (make deps-bench)"
    if not os.path.exists(os.path.join(PG_BIN, "postgres")):
        return "the postgresql server is not installed (make deps-bench)"
    return None


class Postgres:
    """A throw-away cluster in a temp dir, unix socket only. initdb and postgres refuse to run
    as root, so as root they run as the `postgres` system user (runuser)."""

    def __init__(self):
        # in the system's temp dir: the postgres user may not traverse the build directory
        self.dir = tempfile.mkdtemp(prefix="rs-dashboard-pg-")
        self.data = os.path.join(self.dir, "data")
        self.as_user = []
        self.conn = None
        try:
            self.start()
        except BaseException:
            self.stop()
            raise

    def start(self):
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chmod(self.dir, 0o755)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.run([f"{PG_BIN}/initdb", "-D", self.data, "-U", "postgres", "--no-locale",
                  "-E", "UTF8", "--auth=trust"])
        opts = ("-c listen_addresses='' -c unix_socket_directories=%s -c port=5432 "
                "-c shared_buffers=1GB -c work_mem=64MB -c maintenance_work_mem=512MB "
                "-c max_wal_size=4GB -c jit=off -c synchronous_commit=off" % self.dir)
        self.run([f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "log"),
                  "-o", opts, "-w", "start"])
        import psycopg2
        self.conn = psycopg2.connect(host=self.dir, port=5432, user="postgres", dbname="postgres")
        self.conn.autocommit = True

    def run(self, argv):
        p = subprocess.run(self.as_user + argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[:1])} failed: {p.stdout[-2000:]}")

    def load(self, segments):
        """COPY every segment's documents (oldest first), then indexes and ANALYZE; returns
        (documents, copy seconds, index + analyze seconds)."""
        cur = self.conn.cursor()
        cur.execute(PG_SETUP)
        n, copy_s = 0, 0.0
        for c in COLLECTIONS:
            cur.execute(f"CREATE TABLE {c} (doc jsonb NOT NULL)")
            for seg in segments:
                path = os.path.join(seg, c + ".ndjson")
                started = time.monotonic()
                with open(path) as f:
                    cur.copy_expert(f"COPY {c}(doc) FROM STDIN WITH (FORMAT csv, "
                                    "QUOTE e'\\x01', DELIMITER e'\\x02')", f)
                copy_s += time.monotonic() - started
                n += cur.rowcount
        started = time.monotonic()
        for ix in PG_INDEXES:
            cur.execute(ix)
        cur.execute("ANALYZE")
        return n, copy_s, time.monotonic() - started

    def size_bytes(self):
        cur = self.conn.cursor()
        cur.execute("SELECT pg_database_size(current_database())")
        return cur.fetchone()[0]

    def timed(self, sql, timeout_s):
        cur = self.conn.cursor()
        cur.execute(f"SET statement_timeout = {int(timeout_s * 1000)}")
        started = time.monotonic()
        try:
            cur.execute(sql)
            rows = cur.fetchall()
        except Exception as e:  # psycopg2.errors.QueryCanceled and SQL errors alike
            ms = (time.monotonic() - started) * 1e3
            if "statement timeout" in str(e):
                return {"status": "timeout", "client_ms": ms}
            return {"status": "error", "client_ms": ms, "error": str(e).strip()}
        ms = (time.monotonic() - started) * 1e3
        names = [d[0] for d in cur.description]
        return {"status": "ok", "client_ms": ms, "rows": [dict(zip(names, r)) for r in rows]}

    def run_queries(self, queries, params, reps, timeout_s):
        """Each query once a round, as rockset-local's are run (lib.measure_rounds)."""
        return measure_rounds({q["id"]: (lambda sql=render(q["pg"], params, "pg"):
                                         self.timed(sql, timeout_s)) for q in queries}, reps)

    def stop(self):
        if self.conn is not None:
            self.conn.close()
        subprocess.run(self.as_user + [f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "fast", "-w",
                                       "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


def duck_available(node_dir):
    if shutil.which("node") is None:
        return "node is not installed (make deps-bench)"
    if not os.path.isdir(os.path.join(node_dir, "node_modules", "@duckdb", "node-api")):
        return f"@duckdb/node-api is not installed in {node_dir} (make bench-node)"
    return None


def duckdb(node_dir, workdir, segments, queries, params, reps, timeout_s):
    """Runs duck.mjs: load the tables, run every query; returns its JSON report."""
    d = tempfile.mkdtemp(prefix="duck-", dir=workdir)
    try:
        job = {"db": os.path.join(d, "bench.duckdb"), "segments": segments,
               "collections": list(COLLECTIONS), "reps": reps, "timeout_ms": timeout_s * 1000,
               "queries": [{"id": q["id"], "sql": render(q["duck"], params, "duck")}
                           for q in queries]}
        job_path = os.path.join(d, "job.json")
        out_path = os.path.join(d, "out.json")
        with open(job_path, "w") as f:
            json.dump(job, f)
        env = dict(os.environ, NODE_PATH=os.path.join(node_dir, "node_modules"))
        script = os.path.join(node_dir, "duck.mjs")
        shutil.copy(os.path.join(HERE, "duck.mjs"), script)  # ESM resolves from its own folder
        p = subprocess.run(["node", script, job_path, out_path], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            log("duckdb failed:\n" + p.stdout[-3000:])
            return None
        with open(out_path) as f:
            return json.load(f)
    finally:
        shutil.rmtree(d, ignore_errors=True)
