#!/usr/bin/env python3
"""test_progress.py - progress lines of long seeds and scans (ext/progress.c).

A server with --latency-ms 250 makes each batch and page take a quarter of a second, so a seed
of 12 batches and a scan of 12 pages each run about 3 s. With RS_PROGRESS=1 (stderr here is a
pipe, not a terminal) lines appear at most once a second and a final line sums up; without it,
or with rockset_config('quiet', 1), stderr stays empty."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402

SEED = re.compile(r"^rockset_seed: prog\.rows: \d+ rows sent \(\d+ rows/s\)$")
SEED_END = re.compile(r"^rockset_seed: prog\.rows: 1200 rows sent in \d+\.\ds \(\d+ rows/s\)$")
SCAN = re.compile(r"^rockset: prog\.rows: \d+ rows read \(\d+ rows/s\)$")
SCAN_END = re.compile(r"^rockset: prog\.rows: 1200 rows read in \d+\.\ds \(\d+ rows/s\)$")

SCRIPT = """
SELECT rockset_config('quiet', {quiet});
SELECT rockset_config('batch_size', 100);
SELECT rockset_config('page_size', 100);
SELECT rockset_create_workspace('prog') WHERE {create};
CREATE TABLE local_rows(n INTEGER);
WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1200)
INSERT INTO local_rows SELECT n FROM c;
SELECT rockset_seed('local_rows', 'prog.rows', '{{"replace": true}}');
CREATE VIRTUAL TABLE r USING rockset(collection='prog.rows', columns='n INTEGER');
SELECT count(*), sum(n) FROM r;
"""


def run(url, quiet, force, create):
    env = dict(os.environ, ROCKSET_APIKEY=rl.KEY, ROCKSET_APISERVER=url)
    env.pop("RS_PROGRESS", None)
    if force:
        env["RS_PROGRESS"] = "1"
    sql = SCRIPT.format(quiet=quiet, create=1 if create else 0)
    p = subprocess.run(["sqlite3", "-cmd", f".load {rl.B}/rockset_ext", ":memory:"], input=sql,
                       capture_output=True, text=True, env=env, timeout=120)
    return p.stdout.splitlines(), p.stderr.splitlines()


@rl.case
def progress_lines():
    srv = rl.start_server("--latency-ms", "250")
    out, err = run(srv.url, quiet=0, force=True, create=True)
    rl.check("forced/result", out[-1:] == ["1200|720600"], repr(out[-3:]))
    seed = [l for l in err if l.startswith("rockset_seed:")]
    scan = [l for l in err if l.startswith("rockset:")]
    rl.check("forced/seed_lines_while_running", len(seed) >= 3 and all(SEED.match(l) for l in seed[:-1]),
             repr(seed))
    rl.check("forced/seed_final_line", bool(seed) and SEED_END.match(seed[-1]) is not None,
             repr(seed[-1:]))
    rl.check("forced/scan_lines_while_running", len(scan) >= 3 and all(SCAN.match(l) for l in scan[:-1]),
             repr(scan))
    rl.check("forced/scan_final_line", bool(scan) and SCAN_END.match(scan[-1]) is not None,
             repr(scan[-1:]))
    rl.check("forced/nothing_else_on_stderr", len(err) == len(seed) + len(scan), repr(err))

    out, err = run(srv.url, quiet=1, force=True, create=False)
    rl.check("quiet/result", out[-1:] == ["1200|720600"], repr(out[-3:]))
    rl.check("quiet/no_lines", err == [], repr(err))

    out, err = run(srv.url, quiet=0, force=False, create=False)
    rl.check("pipe/result", out[-1:] == ["1200|720600"], repr(out[-3:]))
    rl.check("pipe/no_lines_when_stderr_is_not_a_terminal", err == [], repr(err))
    srv.stop()


rl.done()
