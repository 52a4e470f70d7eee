#!/usr/bin/env python3
"""test_dbt_snapshots.py - dbt snapshots on tests/data/dbt_snapshot_proj, a project written in
dbt's idioms: a {% snapshot %} block (timestamp strategy, invalidate_hard_deletes, target_schema
from Jinja) and a YAML snapshot of dbt 1.9 (check strategy, a unique_key of two columns,
hard_deletes: new_record), and a view reading a snapshot.

Compared with what dbt documents for snapshots: the first run copies every row with
dbt_valid_from = its updated_at (check: the run's time) and dbt_valid_to NULL; a changed row
closes its current version (dbt_valid_to = the new version's dbt_valid_from) and adds one; an
unchanged row adds nothing; a deleted row is invalidated (dbt_valid_to set) or, with
new_record, gets a version with dbt_is_deleted 'True'; a row that comes back gets a new version;
dbt_scd_id is unique per version. rockset_snapshot() runs snapshots, rockset_run() never does,
rockset_build() runs them in the graph's order (before the view reading one).

Then the same rounds on a rockset-local that fails 15% of the queries (--fail-rate 0.15
--fail-only 'POST /v1/orgs/self/queries'), every snapshot run repeated until it succeeds, as a
user would: the end state has exactly the rows of the healthy run - none lost, none twice.
Prints PASS/FAIL lines and "# faults ..." figures."""
import json
import os
import shutil
import sqlite3
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import rl  # noqa: E402

PROJECT = os.path.join(HERE, "..", "data", "dbt_snapshot_proj")
B = os.environ["B"]
failures = 0


def check(name, cond, detail=""):
    global failures
    if cond:
        print(f"PASS dbt_snapshots/{name}")
    else:
        failures += 1
        print(f"FAIL dbt_snapshots/{name}: {detail}")


def check_eq(name, got, want):
    check(name, got == want, f"got {got!r} want {want!r}")


def open_db(url, ws):
    os.environ.update(ROCKSET_APIKEY=rl.KEY, ROCKSET_APISERVER=url, ROCKSET_WORKSPACE=ws)
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(os.path.join(B, "rockset_ext"))
    db.enable_load_extension(False)
    db.execute("SELECT rockset_connect()").fetchall()
    db.execute("SELECT rockset_config('quiet', 1)").fetchall()
    db.execute("SELECT rockset_init()").fetchall()
    return db


def one(db, sql, *args):
    return db.execute(sql, args).fetchone()[0]


def value(v):
    return v["value"] if isinstance(v, dict) else v


def docs(db, sql):
    return [json.loads(d) for (d,) in db.execute("SELECT doc FROM rockset_query(?)", (sql,))]


def orders_rows(db, ws):
    """(id, status, valid_from, valid_to or 'run time' / None), and the scd ids' check."""
    got = docs(db, f"SELECT _id, id, status, dbt_scd_id, dbt_updated_at, dbt_valid_from, "
                   f"dbt_valid_to FROM {ws}_history.orders_snapshot")
    ids_ok = all(d["_id"] == d["dbt_scd_id"] for d in got) and \
        len({d["dbt_scd_id"] for d in got}) == len(got)
    rows = sorted((d["id"], d["status"], value(d["dbt_valid_from"]),
                   value(d["dbt_updated_at"]) == value(d["dbt_valid_from"]),
                   value(d["dbt_valid_to"])) for d in got)
    return rows, ids_ok


def stock_rows(db, ws):
    """(store, sku, qty, deleted, current); plus: every closed version ends where the next
    version of its key begins."""
    got = docs(db, f"SELECT store, sku, qty, dbt_is_deleted, dbt_valid_from, dbt_valid_to "
                   f"FROM {ws}.stock_snapshot")
    by_key = {}
    for d in got:
        by_key.setdefault((d["store"], d["sku"]), []).append(d)
    chained = True
    for versions in by_key.values():
        versions.sort(key=lambda d: value(d["dbt_valid_from"]))
        for a, b in zip(versions, versions[1:]):
            chained &= value(a["dbt_valid_to"]) == value(b["dbt_valid_from"])
        chained &= versions[-1]["dbt_valid_to"] is None
    rows = sorted((d["store"], d["sku"], d["qty"], d["dbt_is_deleted"], d["dbt_valid_to"] is None)
                  for d in got)
    return rows, chained


def ts(s):
    return s.replace(" ", "T") + ".000000"


ROUND1_ORDERS = [
    (1, "placed", ts("2024-03-01 09:00:00"), True, None),
    (2, "placed", ts("2024-03-01 10:00:00"), True, None),
    (3, "shipped", ts("2024-03-02 08:30:00"), True, None),
    (4, "placed", ts("2024-03-02 12:00:00"), True, None)]
ROUND1_STOCK = [("A", 1, 10, "False", True), ("A", 2, 5, "False", True),
                ("B", 1, 7, "False", True), ("B", 2, 0, "False", True)]
ROUND2_STOCK = [("A", 1, 10, "False", False), ("A", 1, 12, "False", True),
                ("A", 2, 5, "False", True), ("B", 1, 7, "False", True),
                ("B", 2, 0, "False", False), ("B", 2, 0, "True", True)]
ROUND3_STOCK = [("A", 1, 10, "False", False), ("A", 1, 12, "False", True),
                ("A", 2, 5, "False", True), ("B", 1, 7, "False", True),
                ("B", 2, 0, "False", False), ("B", 2, 0, "True", False),
                ("B", 2, 3, "False", True)]


def round2_orders(run_time_of_4):
    return [
        (1, "placed", ts("2024-03-01 09:00:00"), True, ts("2024-03-03 09:00:00")),
        (1, "shipped", ts("2024-03-03 09:00:00"), True, None),
        (2, "placed", ts("2024-03-01 10:00:00"), True, None),
        (3, "shipped", ts("2024-03-02 08:30:00"), True, None),
        (4, "placed", ts("2024-03-02 12:00:00"), True, run_time_of_4),
        (5, "placed", ts("2024-03-03 10:00:00"), True, None)]


def change_round2(db):
    db.execute("UPDATE raw_orders SET status = 'shipped', updated_at = '2024-03-03 09:00:00' "
               "WHERE id = 1")
    db.execute("DELETE FROM raw_orders WHERE id = 4")
    db.execute("INSERT INTO raw_orders VALUES (5, 'placed', 9.5, '2024-03-03 10:00:00')")
    db.execute("UPDATE raw_stock SET qty = 12 WHERE store = 'A' AND sku = 1")
    db.execute("DELETE FROM raw_stock WHERE store = 'B' AND sku = 2")


def change_round3(db):
    db.execute("INSERT INTO raw_stock VALUES ('B', 2, 3, 4.0)")


def invalidated_time(rows):
    return [r[4] for r in rows if r[0] == 4][0]


def healthy(url):
    ws = rl.uniq("snap_e2e")
    db = open_db(url, ws)
    summary = json.loads(one(db, "SELECT rockset_import_dbt(?)", PROJECT))
    check_eq("import_summary", {k: summary.get(k) for k in ("models", "seeds", "hooks",
                                                              "analyses", "warnings")},
             {"models": 3, "seeds": 2, "hooks": 2, "analyses": 1, "warnings": []})
    check_eq("snapshot_rows", db.execute(
        "SELECT name, materialized, unique_key, config FROM rockset_models ORDER BY name").fetchall(),
        [("current_orders", "view", None, None),
         ("orders_snapshot", "snapshot", "id", None),
         ("stock_snapshot", "snapshot", "store, sku",
          '{"strategy":"check","check_cols":["qty","price"],"hard_deletes":"new_record"}')])
    build = json.loads(one(db, "SELECT rockset_build()"))
    check_eq("build_summary", (build["seeds"], build["models"], build["incomplete"]),
             ({"success": 2, "error": 0, "skipped": 0}, {"success": 3, "error": 0, "skipped": 0},
              []))
    check_eq("build_order", [m for (m,) in db.execute(
        "SELECT model FROM rockset_run_results WHERE run_id = ? ORDER BY rowid",
        (build["run_id"],))], ["on-run-start-1", "raw_orders", "raw_stock", "orders_snapshot",
                               "stock_snapshot", "current_orders", "on-run-end-1"])
    check_eq("hooks_rendered_and_run", db.execute(
        "SELECT model, kind, status, message, compiled_sql FROM rockset_run_results WHERE "
        "run_id = ? AND kind = 'hook' ORDER BY rowid", (build["run_id"],)).fetchall(),
        [("on-run-start-1", "hook", "success", "ran",
          "select 'default' as target_name, 1 as batch"),
         ("on-run-end-1", "hook", "success", "nothing to run", "")])
    check_eq("analysis_compiles", one(db, "SELECT rockset_compile('status_counts')"),
             f"select status, count(*) as n\nfrom {ws}_history.orders_snapshot\n"
             "where dbt_valid_to is null\ngroup by status")
    check_eq("analysis_never_runs", one(
        db, "SELECT COUNT(*) FROM rockset_run_results WHERE model = 'status_counts'"), 0)
    rows, ids_ok = orders_rows(db, ws)
    check_eq("first_run_copies_rows", rows, ROUND1_ORDERS)
    check("scd_ids_unique_and_the_id", ids_ok)
    check_eq("first_run_check_strategy", stock_rows(db, ws), (ROUND1_STOCK, True))
    again = json.loads(one(db, "SELECT rockset_snapshot()"))
    check_eq("unchanged_adds_nothing", (again["selected"], again["success"]), (2, 2))
    check_eq("unchanged_rows", orders_rows(db, ws)[0], ROUND1_ORDERS)
    change_round2(db)
    one(db, "SELECT rockset_seed()")
    run = json.loads(one(db, "SELECT rockset_run()"))
    check_eq("rockset_run_skips_snapshots", (run["selected"], run["success"]), (1, 1))
    check_eq("rockset_run_left_history", orders_rows(db, ws)[0], ROUND1_ORDERS)
    snap = json.loads(one(db, "SELECT rockset_snapshot('orders_snapshot stock_snapshot')"))
    check_eq("snapshot_summary", (snap["selected"], snap["success"]), (2, 2))
    check_eq("actions", db.execute(
        "SELECT model, message FROM rockset_run_results WHERE run_id = ? AND kind = 'snapshot' "
        "ORDER BY model", (snap["run_id"],)).fetchall(),
        [("orders_snapshot", "snapshot: 2 new versions, 1 closed, 1 invalidated"),
         ("stock_snapshot", "snapshot: 1 new versions, 2 closed, 1 deletion records")])
    rows, ids_ok = orders_rows(db, ws)
    check_eq("changes_and_hard_delete", rows, round2_orders(invalidated_time(rows)))
    check("hard_delete_time_set", invalidated_time(rows) is not None, rows)
    check_eq("new_record_deletes", stock_rows(db, ws), (ROUND2_STOCK, True))
    current = docs(db, f"SELECT id, status FROM {ws}.current_orders ORDER BY id")
    check_eq("view_reads_current_versions", current, [
        {"id": 1, "status": "shipped"}, {"id": 2, "status": "placed"},
        {"id": 3, "status": "shipped"}, {"id": 5, "status": "placed"}])
    change_round3(db)
    one(db, "SELECT rockset_seed()")
    one(db, "SELECT rockset_snapshot('stock_snapshot')")
    check_eq("deleted_row_comes_back", stock_rows(db, ws), (ROUND3_STOCK, True))
    db.execute("INSERT INTO rockset_hooks (kind, sql) VALUES ('on-run-start', 'select nope(')")
    try:
        one(db, "SELECT rockset_run()")
        check("failing_hook_stops_the_run", False, "no error")
    except sqlite3.Error as e:
        check_eq("failing_hook_stops_the_run", str(e).split(" (line")[0],
                 "rockset_run: on-run-start hook 2 failed: rockset: syntax error: expected an "
                 "expression, found end of input")
    last = one(db, "SELECT MAX(run_id) FROM rockset_run_results")
    check_eq("nothing_built_after_it", db.execute(
        "SELECT model, status FROM rockset_run_results WHERE run_id = ? ORDER BY rowid",
        (last,)).fetchall(), [("on-run-start-1", "success"), ("on-run-start-2", "error")])
    db.close()


def until_ok(db, sql, tries=400):
    """Run sql until it succeeds (every failure a transient 503); the failures counted."""
    failed = 0
    for _ in range(tries):
        try:
            out = one(db, sql)
            if "snapshot" not in sql or json.loads(out)["error"] == 0:
                return out, failed
        except sqlite3.Error as e:
            check("only_transient_failures", "503" in str(e) or "HTTP 5" in str(e), str(e))
        failed += 1
    raise RuntimeError(f"{sql} did not succeed in {tries} tries")


def under_faults():
    node_ws = "snapfaults"
    data = os.path.join(rl.OUT, f"{rl.uniq('snapfaults')}.db")
    srv = rl.start_server("--data", data)
    db = open_db(f"http://127.0.0.1:{srv.port}", node_ws)
    one(db, "SELECT rockset_import_dbt(?)", PROJECT)
    one(db, "SELECT rockset_build()")
    db.close()
    srv.stop()
    srv = rl.start_server("--data", data, "--port", str(srv.port), "--fail-rate", "0.15",
                          "--fail-only", "POST /v1/orgs/self/queries")
    db = open_db(f"http://127.0.0.1:{srv.port}", node_ws)
    one(db, "SELECT rockset_import_dbt(?)", PROJECT)  # the same rows: the local tables again
    one(db, "SELECT rockset_config('retries', 0)")
    change_round2(db)
    one(db, "SELECT rockset_seed()")
    _, f1 = until_ok(db, "SELECT rockset_snapshot()")
    change_round3(db)
    one(db, "SELECT rockset_seed()")
    _, f2 = until_ok(db, "SELECT rockset_snapshot()")
    _, f3 = until_ok(db, "SELECT rockset_snapshot()")
    print(f"# faults snapshot runs that failed and were run again: {f1 + f2 + f3}")
    srv.stop()
    srv = rl.start_server("--data", data, "--port", str(srv.port))
    db = open_db(f"http://127.0.0.1:{srv.port}", node_ws)
    rows, ids_ok = orders_rows(db, node_ws)
    check_eq("faults_orders_exact", rows, round2_orders(invalidated_time(rows)))
    check("faults_scd_ids_unique", ids_ok)
    check_eq("faults_stock_exact", stock_rows(db, node_ws), (ROUND3_STOCK, True))
    db.close()
    srv.stop()


def main():
    scratch = tempfile.mkdtemp(prefix="rs_snap_")
    os.environ["HOME"] = scratch
    os.environ.pop("DBT_PROFILES_DIR", None)
    os.chdir(scratch)
    try:
        for name, test in (("healthy", lambda: healthy(rl.URL)), ("faults", under_faults)):
            try:
                test()
            except Exception as e:  # a crash of one scenario is a failure, not the end
                check(name, False, f"raised {type(e).__name__}: {e}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
