"""Differential test of rockset-local's SQL against SQLite as the oracle.

A seeded generator makes rows without undefined values (every document has every field; ints,
floats that are multiples of 0.25, short ASCII strings, and nulls) and random queries in the
part of SQL where Rockset and SQLite mean the same thing: arithmetic, string functions (LOWER,
UPPER, LENGTH, SUBSTR, TRIM, REPLACE, ||), comparisons and logic, aggregates (COUNT, SUM, AVG,
MIN, MAX with GROUP BY and HAVING) and window functions (ROW_NUMBER, RANK, DENSE_RANK, SUM, AVG,
COUNT, MIN, MAX OVER with PARTITION BY / ORDER BY / ROWS frames, LAG, LEAD). The same rows are
loaded into a rockset-local collection and an in-memory SQLite table; each query runs on both
and the results must be equal exactly: same rows in the same order, same keys in select-list
order, same values and JSON types (int versus float versus bool).

Where SQLite's answers differ from Rockset's the generator stays away, so the comparison needs no
translation beyond SQLite's 0/1 for bools:
- SQLite's LIKE ignores ASCII case: the oracle runs with PRAGMA case_sensitive_like = ON.
- SQLite's % converts floats to ints, x / 0 is NULL, int overflow becomes a float: % only on
  ints, divisors are non-zero literals, magnitudes stay small.
- SQLite's LOWER/UPPER/TRIM know only ASCII and spaces: strings are ASCII, blanks are spaces.
- SUBSTR with a start below 1 differs: starts are 1..6, lengths 0..4; REPLACE never searches ''.
- || on non-strings converts in SQLite and is an error in Rockset: only strings are joined.
- Float sums depend on the order of addition: floats are multiples of 0.25 and small, so every
  sum is exact.
- Every select item has an alias and every ORDER BY is total, so names and order are defined.

Each query prints "PASS sqldiff/<n>" or, when the answers differ, "XFAIL sqldiff/<n>: <sql> ..."
(not counted by tests/run.sh) unless RS_SQLCORPUS_STRICT=1, which makes it a FAIL line. The
last line is "sqldiff: P passed, F expected-to-fail of N". RS_TEST_FULL=1 runs more queries;
RS_DIFF_SEED=<n> picks another seed; RS_DIFF_QUERIES=<n> sets the number of queries.
"""
import os
import random
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_sqlcorpus as corpus  # noqa: E402  (HTTP helpers and fixture loading)

STRICT = os.environ.get("RS_SQLCORPUS_STRICT", "") == "1"
FULL = os.environ.get("RS_TEST_FULL", "") == "1"
SEED = int(os.environ.get("RS_DIFF_SEED", "20240105"))
N_QUERIES = int(os.environ.get("RS_DIFF_QUERIES", "2000" if FULL else "300"))
N_ROWS = 40
WS = "sqldiff"
COLL = "rows"
TABLE = f"{WS}.{COLL}"

counts = {"pass": 0, "bad": 0, "total": 0}


def report(name, ok, why="", engine=True):
    counts["total"] += 1
    if ok:
        counts["pass"] += 1
        print(f"PASS sqldiff/{name}", flush=True)
        return
    counts["bad"] += 1
    word = "FAIL" if STRICT or not engine else "XFAIL"
    print(f"{word} sqldiff/{name}: {corpus.scrub(why)}", flush=True)


# ---------------------------------------------------------------------------------------------
# Rows

STRING_POOL = ["", "a", "ab", "Abc", " ab", "ab ", "xyz", "Bb a", "zz", "aBc ", "b", "cab"]


def make_rows(rnd):
    rows = []
    for i in range(1, N_ROWS + 1):
        rows.append({
            "id": i,
            "g": rnd.choice(["a", "b", "c", None]),
            "k": rnd.randint(0, 5),
            "x": None if rnd.random() < 0.15 else rnd.randint(-20, 20),
            "y": None if rnd.random() < 0.15 else rnd.randint(-40, 40) * 0.25,
            "s": None if rnd.random() < 0.15 else rnd.choice(STRING_POOL),
        })
    return rows


# ---------------------------------------------------------------------------------------------
# Expressions: (sql, type) with type in int, float, str, bool. Every compound is parenthesised.

class Gen:
    def __init__(self, rnd):
        self.r = rnd

    def expr(self, typ, depth=0):
        return getattr(self, "e_" + typ)(depth)

    def leaf_or(self, depth, leaves, compounds):
        if depth >= 3 or self.r.random() < 0.3:
            return self.r.choice(leaves)()
        return self.r.choice(compounds)(depth + 1)

    def e_int(self, depth):
        r = self.r
        leaves = [lambda: "x", lambda: "k", lambda: "id", lambda: str(r.randint(-5, 20))]
        compounds = [
            lambda d: f"({self.e_int(d)} {r.choice(['+', '-', '*'])} {self.e_int(d)})",
            lambda d: f"({self.e_int(d)} / {r.choice([1, 2, 3, -4, 7])})",
            lambda d: f"({self.e_int(d)} % {r.choice([2, 3, -5, 7])})",
            lambda d: f"(- {self.e_int(d)})",
            lambda d: f"LENGTH({self.e_str(d)})",
            lambda d: f"COALESCE(x, {r.randint(-3, 3)})",
            lambda d: f"(CASE WHEN {self.e_bool(d)} THEN {self.e_int(d)} ELSE {self.e_int(d)} END)",
        ]
        return self.leaf_or(depth, leaves, compounds)

    def e_float(self, depth):
        r = self.r
        leaves = [lambda: "y", lambda: r.choice(["0.5", "1.25", "-2.75", "3.0", "0.25"])]
        compounds = [
            lambda d: f"({self.e_float(d)} {r.choice(['+', '-'])} {self.e_int(d)})",
            lambda d: f"({self.e_float(d)} + {self.e_float(d)})",
            lambda d: f"({self.e_float(d)} * {r.choice(['2', '-3', '0.5', '4.0'])})",
            lambda d: f"({self.e_int(d)} / {r.choice(['2.0', '4.0', '-0.5', '8.0'])})",
            lambda d: f"(- {self.e_float(d)})",
            lambda d: f"COALESCE(y, {r.choice(['0.0', '-1.5'])})",
        ]
        return self.leaf_or(depth, leaves, compounds)

    def e_str(self, depth):
        r = self.r
        leaves = [lambda: "s", lambda: "g",
                  lambda: "'" + r.choice(["a", "B", "x y", "", "q"]) + "'"]
        compounds = [
            lambda d: f"LOWER({self.e_str(d)})",
            lambda d: f"UPPER({self.e_str(d)})",
            lambda d: f"TRIM({self.e_str(d)})",
            lambda d: f"SUBSTR({self.e_str(d)}, {r.randint(1, 6)}, {r.randint(0, 4)})",
            lambda d: f"SUBSTR({self.e_str(d)}, {r.randint(1, 4)})",
            lambda d: f"REPLACE({self.e_str(d)}, '{r.choice(['a', 'b', ' ', 'ab'])}', "
                      f"'{r.choice(['', 'Q', 'xy'])}')",
            lambda d: f"({self.e_str(d)} || {self.e_str(d)})",
            lambda d: f"COALESCE(s, '{r.choice(['none', ''])}')",
        ]
        return self.leaf_or(depth, leaves, compounds)

    def e_bool(self, depth):
        r = self.r
        cmp = ["=", "<>", "<", "<=", ">", ">="]
        leaves = [lambda: f"(x {r.choice(cmp)} k)", lambda: f"(y {r.choice(cmp)} x)",
                  lambda: f"(s {r.choice(cmp)} '{r.choice(['a', 'ab', 'B', ''])}')",
                  lambda: "(x IS NULL)", lambda: "(s IS NOT NULL)"]
        compounds = [
            lambda d: f"({self.e_int(d)} {r.choice(cmp)} {self.e_int(d)})",
            lambda d: f"({self.e_float(d)} {r.choice(cmp)} {self.e_int(d)})",
            lambda d: f"({self.e_str(d)} {r.choice(cmp)} {self.e_str(d)})",
            lambda d: f"({self.e_bool(d)} AND {self.e_bool(d)})",
            lambda d: f"({self.e_bool(d)} OR {self.e_bool(d)})",
            lambda d: f"(NOT {self.e_bool(d)})",
            lambda d: f"({self.e_int(d)} BETWEEN {r.randint(-10, 0)} AND {r.randint(0, 10)})",
            lambda d: f"({self.e_int(d)} IN ({r.randint(-3, 3)}, {r.randint(0, 5)}, "
                      f"{r.randint(5, 20)}))",
            lambda d: f"({self.e_str(d)} LIKE '{r.choice(['a%', '%b%', '_', '%', 'A_c%'])}')",
        ]
        return self.leaf_or(depth, leaves, compounds)

    def any_typed(self, depth=0):
        typ = self.r.choice(["int", "int", "float", "str", "bool"])
        return self.expr(typ, depth), typ

    # --------------------------------------------------------------------------------- queries

    def where(self):
        return f" WHERE {self.e_bool(1)}" if self.r.random() < 0.4 else ""

    def q_project(self):
        items = [self.any_typed() for _ in range(self.r.randint(1, 4))]
        sel = ", ".join(f"{e} AS c{i}" for i, (e, _) in enumerate(items))
        sql = f"SELECT id, {sel} FROM {{T}}{self.where()} ORDER BY id"
        return sql, ["int"] + [t for _, t in items]

    def q_group(self):
        r = self.r
        keys = r.choice([["g"], ["k"], ["g", "k"], ["(x % 3)"], ["LOWER(s)"]])
        aggs = []
        for _ in range(r.randint(1, 4)):
            kind = r.choice(["count_star", "count", "sum_int", "sum_float", "avg", "min", "max"])
            if kind == "count_star":
                aggs.append(("COUNT(*)", "int"))
            elif kind == "count":
                e, _ = self.any_typed(1)
                aggs.append((f"COUNT({e})", "int"))
            elif kind == "sum_int":
                aggs.append((f"SUM({self.e_int(1)})", "int"))
            elif kind == "sum_float":
                aggs.append((f"SUM({self.e_float(1)})", "float"))
            elif kind == "avg":
                aggs.append((f"AVG({r.choice([self.e_int(2), self.e_float(2)])})", "float"))
            else:
                e, t = r.choice([(self.e_int(1), "int"), (self.e_float(1), "float"),
                                 (self.e_str(1), "str")])
                aggs.append((f"{kind.upper()}({e})", t))
        key_items = ", ".join(f"{k} AS k{i}" for i, k in enumerate(keys))
        agg_items = ", ".join(f"{a} AS a{i}" for i, (a, _) in enumerate(aggs))
        having = f" HAVING COUNT(*) > {r.randint(0, 3)}" if r.random() < 0.3 else ""
        order = ", ".join(f"k{i}" for i in range(len(keys)))
        sql = (f"SELECT {key_items}, {agg_items} FROM {{T}}{self.where()} "
               f"GROUP BY {', '.join(keys)}{having} ORDER BY {order}")
        key_types = ["str" if k in ("g", "LOWER(s)") else "int" for k in keys]
        return sql, key_types + [t for _, t in aggs]

    def window(self):
        r = self.r
        part = r.choice(["", "PARTITION BY g ", "PARTITION BY k ", "PARTITION BY g, k "])
        order_key = r.choice(["id", "x, id", "y DESC, id", "s, id", "k DESC, id"])
        frame = r.choice(["", " ROWS BETWEEN 2 PRECEDING AND CURRENT ROW",
                          " ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING",
                          " ROWS UNBOUNDED PRECEDING", " ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING"])
        kind = r.choice(["row_number", "rank", "dense_rank", "sum", "avg", "count", "count_star",
                         "min", "max", "lag", "lead", "sum_whole"])
        if kind == "row_number":
            return f"ROW_NUMBER() OVER ({part}ORDER BY {order_key})", "int"
        if kind in ("rank", "dense_rank"):
            key = r.choice(["x", "y DESC", "s", "k", "g"])
            return f"{kind.upper()}() OVER ({part}ORDER BY {key})", "int"
        if kind == "sum":
            e, t = r.choice([("x", "int"), ("y", "float"), (self.e_int(2), "int")])
            return f"SUM({e}) OVER ({part}ORDER BY {order_key}{frame})", t
        if kind == "sum_whole":
            return f"SUM(x) OVER ({part.strip()})", "int"
        if kind == "avg":
            e = r.choice(["x", "y", self.e_int(2)])
            return f"AVG({e}) OVER ({part}ORDER BY {order_key}{frame})", "float"
        if kind == "count":
            return f"COUNT({r.choice(['x', 's', 'y'])}) OVER ({part}ORDER BY {order_key}{frame})", \
                "int"
        if kind == "count_star":
            return f"COUNT(*) OVER ({part.strip()})", "int"
        if kind in ("min", "max"):
            e, t = r.choice([("x", "int"), ("y", "float"), ("s", "str")])
            return f"{kind.upper()}({e}) OVER ({part}ORDER BY {order_key}{frame})", t
        e, t = r.choice([("x", "int"), ("s", "str"), ("y", "float")])
        fn = kind.upper()
        args = r.choice(["", ", 1", ", 2", ", 1, " + {"int": "0", "str": "'zz'",
                                                        "float": "-0.25"}[t]])
        return f"{fn}({e}{args}) OVER ({part}ORDER BY {order_key})", t

    def q_window(self):
        wins = [self.window() for _ in range(self.r.randint(1, 3))]
        items = ", ".join(f"{w} AS w{i}" for i, (w, _) in enumerate(wins))
        sql = f"SELECT id, {items} FROM {{T}}{self.where()} ORDER BY id"
        return sql, ["int"] + [t for _, t in wins]

    def query(self):
        return self.r.choice([self.q_project, self.q_project, self.q_group, self.q_window])()


# ---------------------------------------------------------------------------------------------
# Comparison

def sqlite_rows(db, sql, names, types):
    out = []
    for row in db.execute(sql.replace("{T}", "t")).fetchall():
        vals = []
        for v, t in zip(row, types):
            if t == "bool" and v is not None:
                v = bool(v)
            vals.append(v)
        out.append(dict(zip(names, vals)))
    return out


def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return type(a) is type(b) and a == b
    return a == b


def compare(got, want):
    if not isinstance(got, list):
        return f"results is not a list: {got!r}"
    if len(got) != len(want):
        return f"{len(got)} rows instead of {len(want)}"
    for n, (g, w) in enumerate(zip(got, want)):
        if not isinstance(g, dict) or list(g) != list(w):
            return f"row {n}: {corpus.show(g)} instead of {corpus.show(w)} (keys)"
        for k in w:
            if not same(g[k], w[k]):
                return f"row {n}: {corpus.show(g)} instead of {corpus.show(w)}"
    return None


def main():
    rnd = random.Random(SEED)
    rows = make_rows(rnd)
    db = sqlite3.connect(":memory:")
    db.execute("PRAGMA case_sensitive_like = ON")
    db.execute("CREATE TABLE t (id INTEGER, g TEXT, k INTEGER, x INTEGER, y REAL, s TEXT)")
    db.executemany("INSERT INTO t VALUES (:id, :g, :k, :x, :y, :s)", rows)
    docs = [dict({"_id": str(r["id"])}, **r) for r in rows]
    try:
        corpus.load_fixtures(WS, [(COLL, docs)])
    except Exception as exc:  # noqa: BLE001 - any setup problem is one real failure
        report("setup", False, f"seed {SEED}: {exc}", engine=False)
        print(f"sqldiff: 0 passed, 0 expected-to-fail of 0 (seed {SEED})", flush=True)
        return
    gen = Gen(rnd)
    for n in range(N_QUERIES):
        sql, types = gen.query()
        names = [c.strip().split(" AS ")[-1] for c in split_items(sql)]
        try:
            want = sqlite_rows(db, sql, names, types)
        except sqlite3.Error as exc:
            report(f"{n}", False, f"the oracle refused the generated query ({exc}): {sql}",
                   engine=False)
            continue
        rsql = sql.replace("{T}", TABLE)
        status, body = corpus.run_query(rsql)
        if status != 200 or not isinstance(body, dict):
            msg = body.get("message") if isinstance(body, dict) else body
            report(f"{n}", False, f"HTTP {status} {msg!r} for: {rsql}")
            continue
        why = compare(body.get("results"), want)
        report(f"{n}", why is None, f"{why} for: {rsql}")
    word = "failed" if STRICT else "expected-to-fail"
    print(f"sqldiff: {counts['pass']} passed, {counts['bad']} {word} of {counts['total']} "
          f"(seed {SEED})", flush=True)


def split_items(sql):
    """The select items of a generated query (top-level commas between SELECT and FROM)."""
    body = sql[len("SELECT "):sql.index(" FROM {T}")]
    items, depth, cur, quote = [], 0, "", False
    for ch in body:
        if ch == "'":
            quote = not quote
        elif not quote and ch == "(":
            depth += 1
        elif not quote and ch == ")":
            depth -= 1
        if ch == "," and depth == 0 and not quote:
            items.append(cur)
            cur = ""
        else:
            cur += ch
    items.append(cur)
    return [i if " AS " in i else f"{i} AS {i.strip()}" for i in items]


if __name__ == "__main__":
    main()
    sys.exit(0)
