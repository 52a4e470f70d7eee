#!/usr/bin/python3
"""tests/bench/sqlite_levels_probe.py DIR [KIND ...] - what a write into a large indexed table
costs in SQLite itself, and what a recent level of partial indexes would save (docs/indexing.md,
"What writing costs"). Not part of `make bench`: it writes some 5 GB into DIR and takes minutes.

A table of 1,000,000 rows (600 bytes each, 10 columns of random 40-character keys, as SHAs and
URLs are) is made once in DIR/base.db; each KIND then copies it, indexes it and adds 40,000 rows
in transactions of 500, the store's settings (WAL, synchronous=NORMAL, 64 MiB cache, 2 GiB map):
  none     no index: the table's own cost
  full     an index on each key column
  partial  each key column indexed twice: WHERE seq <= S (the old level) and WHERE seq > S (the
           young one, which alone takes the new rows); then EXPLAIN of a lookup through both
           levels, and the merge (the old level rebuilt over every row)
  sealed   the base indexed as in full, the new rows added to a table without indexes (the
           tail); every LEVEL rows (default 10,000) the tail is sealed: renamed to a level of its
           own and its indexes built by CREATE INDEX (a sort, pages written in order), in the
           same transaction; then a lookup by key through the base, every level and the tail
Environment: CACHE (cache_size, default -65536), NOCKPT=1 (SQLite's automatic checkpoint off),
LEVEL (the rows of a sealed level), TAIL_INDEXED=1 (sealed: the tail keeps its indexes row by row,
so that a lookup never scans it, and a seal only renames it).
"""
import os
import random
import sqlite3
import sys
import time

N, NEW, BATCH, NIDX = 1_000_000, 40_000, 500, 10
COLS = ", ".join(f"k{i} TEXT" for i in range(NIDX))
PH = ",".join("?" * (NIDX + 3))


def keys(rng):
    return tuple("%040x" % rng.getrandbits(160) for _ in range(NIDX))


def connect(path):
    c = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL",
                   "cache_size=" + os.environ.get("CACHE", "-65536"), "mmap_size=2147418112"):
        c.execute("PRAGMA " + pragma)
    if os.environ.get("NOCKPT"):
        c.execute("PRAGMA wal_autocheckpoint=0")
    return c


def make_base(path):
    c, rng = connect(path), random.Random(1)
    c.execute(f"CREATE TABLE t(id INTEGER PRIMARY KEY, seq INT, doc TEXT, {COLS})")
    c.execute("BEGIN")
    for i in range(N):
        c.execute(f"INSERT INTO t VALUES({PH})", (i, i, "x" * 600) + keys(rng))
    c.execute("COMMIT")
    c.close()


def index(c, kind):
    for i in range(NIDX if kind != "none" else 0):
        if kind in ("full", "sealed"):
            c.execute(f"CREATE INDEX f{i} ON t(k{i})")
        else:
            c.execute(f"CREATE INDEX o{i} ON t(k{i}) WHERE seq <= {N - 1}")
            c.execute(f"CREATE INDEX y{i} ON t(k{i}) WHERE seq > {N - 1}")


def add_rows(c):
    rng, commit_s = random.Random(2), 0.0
    started = time.time()
    for b in range(0, NEW, BATCH):
        c.execute("BEGIN")
        for i in range(N + b, N + b + BATCH):
            c.execute(f"INSERT INTO t VALUES({PH})", (i, i, "x" * 600) + keys(rng))
        t = time.time()
        c.execute("COMMIT")
        commit_s += time.time() - t
    return time.time() - started, commit_s


def add_sealed(c, level):
    """The new rows into the tail; each full tail sealed as a level indexed by sort."""
    rng, commit_s, sealed = random.Random(2), 0.0, 0
    tail_indexed = os.environ.get("TAIL_INDEXED") == "1"

    def new_tail():
        c.execute(f"CREATE TABLE tail(id INTEGER PRIMARY KEY, seq INT, doc TEXT, {COLS})")
        for i in range(NIDX if tail_indexed else 0):
            c.execute(f"CREATE INDEX tail{sealed}_{i} ON tail(k{i})")
    new_tail()
    started = time.time()
    for b in range(0, NEW, BATCH):
        c.execute("BEGIN")
        for i in range(N + b, N + b + BATCH):
            c.execute(f"INSERT INTO tail VALUES({PH})", (i, i, "x" * 600) + keys(rng))
        if (b + BATCH) % level == 0:
            c.execute(f"ALTER TABLE tail RENAME TO level{sealed}")
            for i in range(NIDX if not tail_indexed else 0):
                c.execute(f"CREATE INDEX l{sealed}_{i} ON level{sealed}(k{i})")
            sealed += 1
            new_tail()
        t = time.time()
        c.execute("COMMIT")
        commit_s += time.time() - t
    return time.time() - started, commit_s, sealed


def lookup_sealed(c, sealed):
    k = c.execute("SELECT k3 FROM level0 WHERE id = ?", (N + 7,)).fetchone()[0]
    arms = ["SELECT id FROM t WHERE k3 = ?1"] + [
        f"SELECT id FROM level{i} WHERE k3 = ?1" for i in range(sealed)] + [
        "SELECT id FROM tail WHERE k3 = ?1"]
    q = " UNION ALL ".join(arms)
    started, runs = time.time(), 200
    for _ in range(runs):
        got = c.execute(q, (k,)).fetchall()
    print(f"  lookup through the base, {sealed} levels and the tail: {got}, "
          f"{(time.time() - started) / runs * 1000:.3f} ms")


def levels(c):
    k = c.execute(f"SELECT k3 FROM t WHERE id = {N + 7}").fetchone()[0]
    q = f"SELECT id FROM t WHERE k3 = ? AND (seq <= {N - 1} OR seq > {N - 1})"
    print("  lookup through both levels:", c.execute("EXPLAIN QUERY PLAN " + q, (k,)).fetchall(),
          c.execute(q, (k,)).fetchall())
    started, last = time.time(), N + NEW - 1
    for i in range(NIDX):
        c.execute(f"CREATE INDEX o2_{i} ON t(k{i}) WHERE seq <= {last}")
    print(f"  merge: the old level rebuilt over {last + 1:,} rows in {time.time() - started:.1f} s")


def run(work, kind):
    path = os.path.join(work, kind + ".db")
    for f in (path, path + "-wal", path + "-shm"):
        if os.path.exists(f):
            os.unlink(f)
    with open(os.path.join(work, "base.db"), "rb") as src, open(path, "wb") as dst:
        while chunk := src.read(1 << 24):
            dst.write(chunk)
    c = connect(path)
    started = time.time()
    index(c, kind)
    built = time.time() - started
    if kind == "sealed":
        total, commit, sealed = add_sealed(c, int(os.environ.get("LEVEL", "10000")))
    else:
        total, commit = add_rows(c)
    print(f"{kind}: indexes built in {built:.1f} s; {NEW / total:,.0f} rows/s added to {N:,} "
          f"(the commits {commit / total:.0%} of it)", flush=True)
    if kind == "partial":
        levels(c)
    if kind == "sealed":
        lookup_sealed(c, sealed)
    c.close()
    os.unlink(path)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    work = sys.argv[1]
    os.makedirs(work, exist_ok=True)
    if not os.path.exists(os.path.join(work, "base.db")):
        make_base(os.path.join(work, "base.db"))
    for kind in sys.argv[2:] or ["none", "full", "partial"]:
        run(work, kind)


if __name__ == "__main__":
    main()
