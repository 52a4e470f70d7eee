#!/usr/bin/env python3
"""test_import_dbt.py - rockset_import_dbt on tests/data/dbt_project_small (a jaffle_shop-like
dbt project), then the imported project built and tested on the shared rockset-local.

Checks the JSON summary, every row written to rockset_models / rockset_tests / rockset_sources /
rockset_vars and the seed tables (inferred types) exactly; that a second import changes nothing
(tests are replaced, not doubled) and that {"replace": true} drops rows the project no longer
has; {"seeds": false}; errors naming file, line and column; all-or-nothing (a failing seed
leaves no model rows behind); DIRECTONLY; and finally rockset_seed + rockset_run +
rockset_test of the imported project against $RS_TEST_URL with the exact results.

Prints PASS/FAIL lines (tests/run.sh counts them)."""
import json
import os
import shutil
import sqlite3
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROJECT = os.path.join(ROOT, "tests/data/dbt_project_small")
B = os.environ["B"]
URL = os.environ["RS_TEST_URL"]
KEY = os.environ["RS_TEST_KEY"]
failures = 0

WARNINGS = [
    "models/schema.yml line 40 column 13: test 'dbt_utils.accepted_range' on "
    "'customer_orders': package 'dbt_utils' has no test 'accepted_range' (is it installed "
    "under dbt_packages/?); skipped",
]
SUMMARY = {"project": "jaffle_small", "models": 4, "sources": 2, "tests": 7, "seeds": 2,
           "seed_rows": 10, "vars": 2, "macros": 3, "generic_tests": 0, "singular_tests": 0,
           "warnings": WARNINGS}


def check(name, cond, detail=""):
    global failures
    if cond:
        print(f"PASS import_dbt/{name}")
    else:
        failures += 1
        print(f"FAIL import_dbt/{name}: {detail}")


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


def error_of(db, sql, *args):
    try:
        db.execute(sql, args).fetchall()
    except sqlite3.Error as e:
        return str(e)
    return None


def import_dbt(db, path, options=None):
    if options is None:
        return json.loads(rows(db, "SELECT rockset_import_dbt(?)", path)[0][0])
    return json.loads(rows(db, "SELECT rockset_import_dbt(?, ?)", path, options)[0][0])


def read(rel):
    with open(os.path.join(PROJECT, rel)) as f:
        return f.read()


def check_model_rows(db):
    got = rows(db, "SELECT name, materialized, workspace, alias, unique_key, tags, config, "
                   "enabled, description FROM rockset_models ORDER BY name")
    check_eq("model_rows", got, [
        ("big_spenders", "view", "jaffle_small", None, None, '["marts","daily"]', None, 1, None),
        ("customer_orders", "table", "jaffle_small", None, "customer_id", '["marts","daily"]',
         '{"post_hook":"SELECT 1 AS ok"}', 1, "Order count and total per customer."),
        ("stg_customers", "view", "jaffle_small", None, None, '["staging"]', None, 1,
         "Customers, one row each."),
        ("stg_orders", "view", "jaffle_small", None, None, '["staging","orders"]', None, 1,
         "Orders of at least min_amount."),
    ])
    got = dict(rows(db, "SELECT name, sql FROM rockset_models"))
    check_eq("model_sql_is_file_text", got, {
        "big_spenders": read("models/marts/big_spenders.sql"),
        "customer_orders": read("models/marts/customer_orders.sql"),
        "stg_customers": read("models/staging/stg_customers.sql"),
        "stg_orders": read("models/staging/stg_orders.sql"),
    })


def check_other_rows(db):
    check_eq("test_rows", rows(db, "SELECT model, column_name, test, arg FROM rockset_tests "
                                   "ORDER BY id"), [
        ("stg_customers", "customer_id", "unique", None),
        ("stg_customers", "customer_id", "not_null", None),
        ("stg_orders", "order_id", "unique", None),
        ("stg_orders", "order_id", "not_null", None),
        ("stg_orders", "status", "accepted_values", '["placed","shipped","completed","returned"]'),
        ("stg_orders", "customer_id", "relationships",
         '{"to":"stg_customers","field":"customer_id"}'),
        ("customer_orders", "customer_id", "unique", None),
    ])
    check_eq("source_rows", rows(db, "SELECT * FROM rockset_sources ORDER BY source, name"), [
        ("raw", "customers", "jaffle_small_raw", "raw_customers"),
        ("raw", "orders", "jaffle_small_raw", "raw_orders"),
    ])
    check_eq("var_rows", rows(db, "SELECT * FROM rockset_vars ORDER BY name"), [
        ("min_amount", "10"),
        ("statuses", '["placed","shipped","completed","returned"]'),
    ])
    check_eq("seed_customers", rows(db, "SELECT id, typeof(id), first_name, last_name "
                                        "FROM raw_customers ORDER BY id"), [
        (1, "integer", "Michael", "P."), (2, "integer", "Shawn", "M."),
        (3, "integer", "Kathleen", "P."), (4, "integer", "Jimmy", "C."),
    ])
    check_eq("seed_orders_types", rows(db, "SELECT group_concat(name || ' ' || type, ', ') "
                                           "FROM pragma_table_info('raw_orders')"),
             [("id INTEGER, user_id INTEGER, order_date DATE, status TEXT, amount REAL",)])
    check_eq("seed_orders_values", rows(db, "SELECT amount, typeof(amount) FROM raw_orders "
                                            "WHERE id IN (1, 2) ORDER BY id"),
             [(10.5, "real"), (20.0, "real")])


def check_macro_rows(db):
    check_eq("macro_rows", rows(db, "SELECT package, name, args, body, kind FROM rockset_macros "
                                    "ORDER BY package, name"), [
        ("", "cents_to_dollars", "column_name", "({{ column_name }} / 100)::numeric(16, 2)",
         "macro"),
        ("money_utils", "default__dollars", "column_name", "round({{ column_name }} / 100, 2)",
         "macro"),
        ("money_utils", "dollars", "column_name",
         "{{ return(adapter.dispatch('dollars', 'money_utils')(column_name)) }}", "macro"),
    ])
    # A model calling the imported macros compiles (the project's by name, the package's as
    # package.name, dispatched to its default__ implementation).
    db.execute("INSERT INTO rockset_models (name, sql) VALUES ('uses_macros', "
               "'SELECT {{ cents_to_dollars(''amount'') }} AS a, {{ money_utils.dollars(''amount'') }}"
               " AS b FROM {{ ref(''stg_orders'') }}')")
    check_eq("macro_compile", rows(db, "SELECT rockset_compile('uses_macros')"),
             [("SELECT (amount / 100)::numeric(16, 2) AS a, round(amount / 100, 2) AS b "
               "FROM jaffle_small.stg_orders",)])
    db.execute("DELETE FROM rockset_models WHERE name = 'uses_macros'")


def table_counts(db):
    return rows(db, "SELECT (SELECT count(*) FROM rockset_models), "
                    "(SELECT count(*) FROM rockset_tests), (SELECT count(*) FROM rockset_sources), "
                    "(SELECT count(*) FROM rockset_vars), (SELECT count(*) FROM raw_orders)")[0]


def test_import():
    db = open_db()
    check_eq("summary", import_dbt(db, PROJECT), SUMMARY)
    check_macro_rows(db)
    (subtype_ok,) = rows(db, "SELECT json_extract(rockset_import_dbt(?), '$.models')", PROJECT)[0]
    check_eq("summary_is_json", subtype_ok, 4)
    check_model_rows(db)
    check_other_rows(db)
    check_eq("reimport_changes_nothing", table_counts(db), (4, 7, 2, 2, 6))
    db.execute("INSERT INTO rockset_models (name, sql) VALUES ('stale', 'SELECT 0')")
    db.execute("INSERT INTO rockset_vars VALUES ('old_var', '1')")
    import_dbt(db, PROJECT)
    check_eq("import_keeps_other_rows", rows(db, "SELECT count(*) FROM rockset_models "
                                                 "WHERE name = 'stale'"), [(1,)])
    check_eq("replace_summary", import_dbt(db, PROJECT, '{"replace": true}')["models"], 4)
    check_eq("replace_drops_other_rows", rows(db, "SELECT (SELECT count(*) FROM rockset_models "
                                                  "WHERE name = 'stale'), (SELECT count(*) FROM "
                                                  "rockset_vars WHERE name = 'old_var')"),
             [(0, 0)])
    db.close()
    db = open_db()
    summary = import_dbt(db, PROJECT, '{"seeds": false}')
    check_eq("no_seeds_summary", (summary["seeds"], summary["seed_rows"], summary["models"]),
             (0, 0, 4))
    check_eq("no_seeds_no_tables", rows(db, "SELECT count(*) FROM sqlite_schema "
                                            "WHERE name LIKE 'raw_%'"), [(0,)])
    db.close()


def test_errors(scratch):
    db = open_db()
    missing = os.path.join(scratch, "nowhere")
    check_eq("error_not_a_project", error_of(db, "SELECT rockset_import_dbt(?)", missing),
             f"rockset_import_dbt: '{missing}' is not a dbt project: {missing}/dbt_project.yml "
             "does not exist or cannot be read")
    broken = os.path.join(scratch, "broken")
    shutil.copytree(PROJECT, broken)
    with open(os.path.join(broken, "models/schema.yml"), "a") as f:
        f.write("  - name: stg_orders\n    columns:\n      - name: x\n        tests:\n"
                "          - accepted_values: {quote: false}\n")
    check_eq("error_names_file_line_column", error_of(db, "SELECT rockset_import_dbt(?)", broken),
             "rockset_import_dbt: models/schema.yml line 45 column 13: test 'accepted_values' "
             "needs values: [...]")
    check_eq("error_writes_nothing", rows(db, "SELECT count(*) FROM sqlite_schema"), [(0,)])
    db.execute("CREATE TABLE raw_orders (order_id INTEGER, note TEXT)")
    check_eq("error_seed_table_conflict", error_of(db, "SELECT rockset_import_dbt(?)", PROJECT),
             "rockset_import_dbt: seeds/raw_orders.csv: table 'raw_orders' exists with other "
             "columns (order_id INTEGER, note TEXT); the seed has (id INTEGER, user_id INTEGER, "
             "order_date DATE, status TEXT, amount REAL): "
             "drop or rename the table first")
    check_eq("error_rolls_back_everything", rows(db, "SELECT name FROM sqlite_schema"),
             [("raw_orders",)])
    check_eq("error_unknown_option", error_of(db, "SELECT rockset_import_dbt(?, ?)", PROJECT,
                                              '{"seed": false}'),
             "rockset_import_dbt: unknown option 'seed' (valid options: replace, seeds, vars)")
    check_eq("error_bad_options", error_of(db, "SELECT rockset_import_dbt(?, 'yes')", PROJECT),
             "rockset_import_dbt: options must be a JSON object such as "
             "'{\"seeds\": false, \"replace\": true}'")
    check_eq("error_null_dir", error_of(db, "SELECT rockset_import_dbt(NULL)"),
             "rockset_import_dbt: the project folder must not be NULL or empty")
    db.execute("CREATE VIEW sneaky AS SELECT rockset_import_dbt('/') AS s")
    check_eq("directonly_in_view", error_of(db, "SELECT * FROM sneaky"),
             "unsafe use of rockset_import_dbt()")
    db.close()


def test_run_imported_project():
    os.environ["ROCKSET_APIKEY"] = KEY
    os.environ["ROCKSET_APISERVER"] = URL
    db = open_db()
    import_dbt(db, PROJECT)
    rows(db, "SELECT rockset_connect()")
    rows(db, "SELECT rockset_config('quiet', 1)")
    seeded = rows(db, "SELECT rockset_seed('raw_customers', 'jaffle_small_raw.raw_customers'), "
                      "rockset_seed('raw_orders', 'jaffle_small_raw.raw_orders')")
    check_eq("seeds_shipped", seeded, [(4, 6)])
    run = json.loads(rows(db, "SELECT rockset_run()")[0][0])
    check_eq("run_builds_every_model", (run["selected"], run["success"], run["error"]),
             (4, 4, 0))
    got = [json.loads(d) for (d,) in rows(
        db, "SELECT doc FROM rockset_query('SELECT customer_id, first_name, n_orders, total "
            "FROM jaffle_small.customer_orders ORDER BY customer_id')")]
    check_eq("table_model_rows", got, [
        {"customer_id": 1, "first_name": "Michael", "n_orders": 2, "total": 120.5},
        {"customer_id": 2, "first_name": "Shawn", "n_orders": 1, "total": 44.0},
        {"customer_id": 3, "first_name": "Kathleen", "n_orders": 1, "total": 20.0},
        {"customer_id": 4, "first_name": "Jimmy", "n_orders": 1, "total": 60.25},
    ])
    got = rows(db, "SELECT doc FROM rockset_query('SELECT * FROM jaffle_small.big_spenders')")
    check_eq("view_model_rows", [json.loads(d) for (d,) in got],
             [{"customer_id": 1, "first_name": "Michael", "total": 120.5}])
    result = json.loads(rows(db, "SELECT rockset_test()")[0][0])
    check_eq("imported_tests_pass", (result["tests"], result["pass"], result["fail"],
                                     result["error"]), (7, 7, 0, 0))
    db.close()


def main():
    scratch = tempfile.mkdtemp(prefix="rs_import_")
    os.environ["HOME"] = scratch
    os.environ.pop("DBT_PROFILES_DIR", None)
    os.chdir(scratch)
    try:
        for test in (test_import, lambda: test_errors(scratch), test_run_imported_project):
            try:
                test()
            except Exception as e:  # a crash of one scenario is a failure, not the end
                check("scenario", False, f"raised {type(e).__name__}: {e}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
