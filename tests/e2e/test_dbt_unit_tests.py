#!/usr/bin/env python3
"""test_dbt_unit_tests.py - dbt's unit tests (dbt 1.8+) on tests/data/dbt_unit_proj, a project
written in dbt's idioms: dict, csv and sql inputs, inline and from tests/fixtures/; expect in
each format; overrides of vars, env_vars and macros; an incremental model's `this` with
is_incremental() overridden; a source-less seed input; an empty expect.

What dbt documents, checked here: the model runs on its inputs replaced by the fixtures and
nothing is materialized (the unit tests pass before any model is built, and a failing one
leaves no relation); only the columns expect names are compared, rows as a multiset; a failure
shows the differing rows (daff's ---/+++ lines); dbt build runs a model's unit tests before
the model and skips it (and what is downstream) when one fails; `test_type:unit` /
`test_type:data` select one kind. Against the shared rockset-local ($RS_TEST_URL).

Prints PASS/FAIL lines (tests/run.sh counts them)."""
import json
import os
import shutil
import sqlite3
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROJECT = os.path.join(ROOT, "tests/data/dbt_unit_proj")
B = os.environ["B"]
URL = os.environ["RS_TEST_URL"]
KEY = os.environ["RS_TEST_KEY"]
WS = "unit_e2e"
failures = 0

UNITS = ["customers_renamed", "log_takes_only_newer_orders", "no_big_orders_above_threshold", "staging_casts_cents",
         "totals_from_fixture_files", "totals_skip_returned_orders", "totals_with_overrides"]


def check(name, cond, detail=""):
    global failures
    if cond:
        print(f"PASS dbt_unit/{name}")
    else:
        failures += 1
        print(f"FAIL dbt_unit/{name}: {detail}")


def check_eq(name, got, want):
    check(name, got == want, f"got {got!r} want {want!r}")


def open_db():
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(os.path.join(B, "rockset_ext"))
    db.enable_load_extension(False)
    return db


def rows(db, sql, *args):
    return db.execute(sql, args).fetchall()


def one(db, sql, *args):
    return rows(db, sql, *args)[0][0]


def unit_rows(db):
    return rows(db, "SELECT model, status, rows_affected, message FROM rockset_run_results "
                    "WHERE run_id = (SELECT MAX(run_id) FROM rockset_run_results) AND "
                    "kind = 'unit_test' ORDER BY model")


def passing(name, model, n):
    return (name, "pass", n, f"unit test '{name}' on '{model}': {n} rows as expected")


ALL_PASS = [
    passing("customers_renamed", "stg_customers", 1),
    passing("log_takes_only_newer_orders", "orders_log", 1),
    passing("no_big_orders_above_threshold", "big_orders", 0),
    passing("staging_casts_cents", "stg_orders", 1),
    passing("totals_from_fixture_files", "customer_totals", 2),
    passing("totals_skip_returned_orders", "customer_totals", 2),
    passing("totals_with_overrides", "customer_totals", 1),
]


def test_import(db):
    summary = json.loads(one(db, "SELECT rockset_import_dbt(?)", PROJECT))
    check_eq("import_summary", summary, {
        "project": "unit_shop", "models": 5, "sources": 1, "tests": 0, "seeds": 2,
        "seed_rows": 7, "vars": 1, "macros": 3, "generic_tests": 0, "singular_tests": 0,
        "unit_tests": 7, "warnings": []})
    check_eq("unit_test_rows", rows(db, "SELECT name, model FROM rockset_unit_tests "
                                        "ORDER BY name"), [
        ("customers_renamed", "stg_customers"),
        ("log_takes_only_newer_orders", "orders_log"),
        ("no_big_orders_above_threshold", "big_orders"),
        ("staging_casts_cents", "stg_orders"),
        ("totals_from_fixture_files", "customer_totals"),
        ("totals_skip_returned_orders", "customer_totals"),
        ("totals_with_overrides", "customer_totals")])
    given = json.loads(one(db, "SELECT given FROM rockset_unit_tests WHERE name = "
                               "'totals_from_fixture_files'"))
    with open(os.path.join(PROJECT, "tests/fixtures/few_orders.csv")) as f:
        few = f.read()
    with open(os.path.join(PROJECT, "tests/fixtures/two_customers.sql")) as f:
        two = f.read()
    check_eq("fixtures_read_at_import", given, [
        {"input": "ref('stg_orders')", "format": "csv", "rows": few},
        {"input": "ref('stg_customers')", "format": "sql", "rows": two}])
    check_eq("overrides_kept", json.loads(one(
        db, "SELECT overrides FROM rockset_unit_tests WHERE name = 'totals_with_overrides'")),
        {"env_vars": {"SHOP_REGION": "us"}, "macros": {"region_label": "'test label'"}})


def test_before_any_build(db):
    """Unit tests need no built model and build nothing. As dbt's docs say, the inputs'
    relations should exist for their column types to be known (dbt asks for `dbt run --empty`
    first): here the seeds are loaded, no model is built."""
    rows(db, "SELECT rockset_seed()")
    result = json.loads(one(db, "SELECT rockset_test('test_type:unit')"))
    check_eq("unit_only_summary", {k: result[k] for k in ("tests", "pass", "fail", "error")},
             {"tests": 7, "pass": 7, "fail": 0, "error": 0})
    check_eq("unit_only_rows", unit_rows(db), ALL_PASS)
    got = rows(db, "SELECT name FROM rockset_collections(?)", WS)
    check_eq("nothing_materialized", got, [("raw_customers",), ("raw_orders",)])
    sql = one(db, "SELECT compiled_sql FROM rockset_run_results WHERE kind = 'unit_test' AND "
                  "model = 'log_takes_only_newer_orders' ORDER BY rowid DESC LIMIT 1")
    check("incremental_this_is_the_fixture",
          sql.startswith("WITH __dbt__unit__stg_orders AS (") and
          "from __dbt__unit__this)" in sql and "where order_date >" in sql, sql)


def test_build(db):
    build = json.loads(one(db, "SELECT rockset_build()"))
    check_eq("build_summary", build, {
        "run_id": build["run_id"], "seeds": {"success": 2, "error": 0, "skipped": 0},
        "models": {"success": 5, "error": 0, "skipped": 0},
        "tests": {"pass": 7, "fail": 0, "error": 0, "skipped": 0}, "incomplete": []})
    check_eq("build_unit_rows", unit_rows(db), ALL_PASS)
    order = [m for (m,) in rows(
        db, "SELECT model FROM rockset_run_results WHERE run_id = ? AND model IN "
            "('staging_casts_cents', 'stg_orders', 'totals_skip_returned_orders', "
            "'customer_totals') ORDER BY rowid", build["run_id"])]
    check_eq("unit_tests_run_before_their_model", order, [
        "staging_casts_cents", "stg_orders", "totals_skip_returned_orders", "customer_totals"])
    data = json.loads(one(db, "SELECT rockset_test('test_type:data')"))
    check_eq("data_only_runs_no_unit_test", data["tests"], 0)
    named = json.loads(one(db, "SELECT rockset_test('customers_renamed')"))
    check_eq("select_a_unit_test_by_name", (named["tests"], named["pass"]), (1, 1))
    check_eq("only_that_one", [r[0] for r in unit_rows(db)], ["customers_renamed"])


def test_failure(db):
    db.execute("UPDATE rockset_unit_tests SET expect = json_set(expect, '$.rows[0].total', 21) "
               "WHERE name = 'totals_skip_returned_orders'")
    result = json.loads(one(db, "SELECT rockset_test('customer_totals')"))
    check_eq("failing_summary", {k: result[k] for k in ("tests", "pass", "fail", "error")},
             {"tests": 3, "pass": 2, "fail": 1, "error": 0})
    got = [r for r in unit_rows(db) if r[0] == "totals_skip_returned_orders"]
    check_eq("failure_shows_the_diff", got, [(
        "totals_skip_returned_orders", "fail", 2,
        "unit test 'totals_skip_returned_orders' on 'customer_totals': actual differs from "
        "expected:\n\n@@,customer_id,n_orders,total\n---,1,2,21\n+++,1,2,20.5")])
    build = json.loads(one(db, "SELECT rockset_build('stg_orders+')"))
    check_eq("build_skips_the_model", (build["models"], build["tests"]["fail"],
                                       build["incomplete"]),
             ({"success": 3, "error": 0, "skipped": 1}, 1, ["customer_totals"]))
    check_eq("skip_message", rows(
        db, "SELECT status, message FROM rockset_run_results WHERE run_id = ? AND "
            "model = 'customer_totals'", build["run_id"]),
        [("skipped", "skipped: a unit test of model 'customer_totals' failed")])
    db.execute("UPDATE rockset_unit_tests SET given = json_set(given, '$[0].input', 'ref(stg)') "
               "WHERE name = 'totals_with_overrides'")
    json.loads(one(db, "SELECT rockset_test('test_type:unit customer_totals')"))
    got = [r for r in unit_rows(db) if r[0] == "totals_with_overrides"]
    check_eq("bad_input_is_an_error", got, [(
        "totals_with_overrides", "error", None,
        "unit test 'totals_with_overrides' on 'customer_totals': given input 'ref(stg)' is not "
        "ref('m'), source('s', 't') or this")])


def main():
    scratch = tempfile.mkdtemp(prefix="rs_unit_")
    os.environ["HOME"] = scratch
    os.environ.update(ROCKSET_APIKEY=KEY, ROCKSET_APISERVER=URL, ROCKSET_WORKSPACE=WS)
    os.environ.pop("DBT_PROFILES_DIR", None)
    os.environ.pop("SHOP_REGION", None)
    os.chdir(scratch)
    db = open_db()
    try:
        rows(db, "SELECT rockset_connect()")
        rows(db, "SELECT rockset_config('quiet', 1)")
        rows(db, "SELECT rockset_init()")
        for test in (test_import, test_before_any_build, test_build, test_failure):
            try:
                test(db)
            except Exception as e:  # a crash of one scenario is a failure, not the end
                check(test.__name__, False, f"raised {type(e).__name__}: {e}")
    finally:
        db.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
