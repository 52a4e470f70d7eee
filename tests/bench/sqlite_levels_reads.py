#!/usr/bin/python3
"""tests/bench/sqlite_levels_reads.py [ROWS] - how SQLite reads a collection kept as levels (a
large old table and a small young one, each with its own index on the key), for the write path
docs/indexing.md's design notes describe. Not part of `make bench`: a probe of SQLite itself
(Python's sqlite3, the same library as the server's), in memory, in seconds.

Each way of reading prints SQLite's plan and the median of 9 runs:
  filter    WHERE k = c on a UNION ALL view of the levels (SQLite pushes the WHERE into each arm)
  join      a lookup join whose inner side is the view against the join written once per inner
            level, the arms joined by UNION ALL; as rows, then under an aggregate
  top-n     ORDER BY k DESC LIMIT 10 on the view against each level's own top 10 through its
            index, merged; with the key selected, then not
"""
import random
import sqlite3
import sys
import time

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
YOUNG = 2_000
DRIVERS = 100


def setup():
    rng = random.Random(7)
    db = sqlite3.connect(":memory:")
    db.executescript("""
        CREATE TABLE a(id INTEGER PRIMARY KEY, x INT);
        CREATE TABLE old(id INTEGER PRIMARY KEY, k INT, v INT); CREATE INDEX old_k ON old(k);
        CREATE TABLE young(id INTEGER PRIMARY KEY, k INT, v INT); CREATE INDEX young_k ON young(k);
        CREATE VIEW levels AS SELECT id, k, v FROM old UNION ALL SELECT id, k, v FROM young;
    """)
    db.executemany("INSERT INTO a VALUES(?, ?)", ((i, rng.randrange(ROWS)) for i in range(ROWS // 2)))
    db.executemany("INSERT INTO old VALUES(?, ?, ?)", ((i, rng.randrange(ROWS), i) for i in range(ROWS)))
    db.executemany("INSERT INTO young VALUES(?, ?, ?)",
                   ((ROWS + i, rng.randrange(ROWS), i) for i in range(YOUNG)))
    db.execute("ANALYZE")
    return db


def measure(db, label, sql):
    plan = [r[3] for r in db.execute("EXPLAIN QUERY PLAN " + sql)]
    times, rows = [], None
    for _ in range(9):
        t = time.perf_counter()
        rows = db.execute(sql).fetchall()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(f"{label}: {times[4]:.3f} ms, {len(rows)} rows; plan: " + " | ".join(plan))
    return rows


def main():
    db = setup()
    print(f"old level {ROWS:,} rows, young level {YOUNG:,}, {DRIVERS} driving rows")
    measure(db, "filter on the view", "SELECT id, v FROM levels WHERE k = 777")
    drive = f"a.id < {DRIVERS}"
    viewed = measure(db, "join into the view",
                     f"SELECT a.id, b.v FROM a JOIN levels b ON b.k = a.x WHERE {drive}")
    armed = measure(db, "join per inner level",
                    f"SELECT a.id, b.v FROM a JOIN old b ON b.k = a.x WHERE {drive} UNION ALL "
                    f"SELECT a.id, b.v FROM a JOIN young b ON b.k = a.x WHERE {drive}")
    print("  same rows:", sorted(viewed) == sorted(armed))
    counted = measure(db, "aggregate over a join into the view",
                      f"SELECT count(*), sum(b.v) FROM a JOIN levels b ON b.k = a.x WHERE {drive}")
    summed = measure(db, "aggregate over the join per inner level",
                     f"SELECT count(*), sum(v) FROM (SELECT b.v FROM a JOIN old b ON b.k = a.x"
                     f" WHERE {drive} UNION ALL SELECT b.v FROM a JOIN young b ON b.k = a.x"
                     f" WHERE {drive})")
    print("  same answer:", counted == summed)
    order = "ORDER BY k DESC, id DESC LIMIT 10"  # the index's order (k, then rowid), backwards
    top = measure(db, "top-n on the view", f"SELECT id, k FROM levels {order}")
    merged = measure(db, "top-n per level, merged",
                     f"SELECT id, k FROM (SELECT * FROM (SELECT id, k FROM old {order}) UNION ALL"
                     f" SELECT * FROM (SELECT id, k FROM young {order})) {order}")
    print("  same rows:", top == merged)
    ids = measure(db, "top-n on the view, the key not selected",
                  f"SELECT id, v FROM levels {order}")
    ids_merged = measure(db, "the same per level, merged",
                         f"SELECT id, v FROM (SELECT * FROM (SELECT id, v, k FROM old {order})"
                         f" UNION ALL SELECT * FROM (SELECT id, v, k FROM young {order})) {order}")
    print("  same rows:", ids == ids_merged)


if __name__ == "__main__":
    main()
