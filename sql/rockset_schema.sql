-- rockset_schema.sql - the model tables of rockset_ext (docs/reference.md).
-- `SELECT rockset_init();` runs exactly this text (the build embeds it); it is idempotent.
CREATE TABLE IF NOT EXISTS rockset_models (
    name         TEXT PRIMARY KEY,
    sql          TEXT NOT NULL,
    materialized TEXT NOT NULL DEFAULT 'view'
                 CHECK (materialized IN ('view', 'table', 'incremental', 'ephemeral', 'query_lambda', 'snapshot', 'rollup')),
    workspace    TEXT,
    alias        TEXT,
    unique_key   TEXT,
    tags         TEXT CHECK (tags IS NULL OR json_valid(tags)),
    config       TEXT CHECK (config IS NULL OR json_valid(config)),
    enabled      INTEGER DEFAULT 1,
    description  TEXT
);
CREATE TABLE IF NOT EXISTS rockset_sources (
    source     TEXT,
    name       TEXT,
    workspace  TEXT NOT NULL,
    collection TEXT NOT NULL,
    PRIMARY KEY (source, name)
);
CREATE TABLE IF NOT EXISTS rockset_vars (
    name  TEXT PRIMARY KEY,
    value TEXT
);
-- test: a built-in (unique, not_null, accepted_values, relationships), a generic test macro
-- (name or package.name), or 'singular' (its SQL in sql). A database made by an older version,
-- whose test column had a CHECK on the four built-ins, is rebuilt by rockset_init (rows and ids
-- kept; ext/fn_models_schema.c).
CREATE TABLE IF NOT EXISTS rockset_tests (
    id          INTEGER PRIMARY KEY,
    model       TEXT NOT NULL,
    column_name TEXT,
    test        TEXT NOT NULL,
    arg         TEXT,
    name        TEXT,
    config      TEXT CHECK (config IS NULL OR json_valid(config)),
    sql         TEXT
);
-- dbt's unit tests (docs/reference.md): model is the model under test; given a JSON list of
-- {"input": "ref('m')" | "source('s', 't')" | "this", "format": "dict" | "csv" | "sql",
-- "rows": [{...}] | "<csv or sql text>"}; expect {"format": ..., "rows": ...} (only the columns
-- it names are compared); overrides {"macros": {...}, "vars": {...}, "env_vars": {...}}.
CREATE TABLE IF NOT EXISTS rockset_unit_tests (
    name        TEXT PRIMARY KEY,
    model       TEXT NOT NULL,
    given       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(given)),
    expect      TEXT NOT NULL CHECK (json_valid(expect)),
    overrides   TEXT CHECK (overrides IS NULL OR json_valid(overrides)),
    description TEXT
);
-- dbt's on-run-start / on-run-end hooks (docs/reference.md): templates run on Rockset, in id
-- order, at the start and at the end of rockset_run, rockset_build, rockset_snapshot,
-- rockset_test and rockset_seed.
CREATE TABLE IF NOT EXISTS rockset_hooks (
    id   INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('on-run-start', 'on-run-end')),
    sql  TEXT NOT NULL
);
-- dbt's analyses: templates rockset_compile(name) compiles; nothing runs them.
CREATE TABLE IF NOT EXISTS rockset_analyses (
    name TEXT PRIMARY KEY,
    sql  TEXT NOT NULL
);
-- Macros every model's template may call (docs/reference.md): package '' is the project's own
-- (called as name(...)), another package's are called as package.name(...); kind 'test' is a
-- generic test, callable as test_<name>(...). args is the argument list as written between the
-- parentheses of {% macro name(args) %}, body the text between the tags.
CREATE TABLE IF NOT EXISTS rockset_macros (
    package TEXT NOT NULL DEFAULT '',
    name    TEXT NOT NULL,
    args    TEXT NOT NULL DEFAULT '',
    body    TEXT NOT NULL,
    kind    TEXT NOT NULL DEFAULT 'macro' CHECK (kind IN ('macro', 'test')),
    PRIMARY KEY (package, name, kind)
);
CREATE TABLE IF NOT EXISTS rockset_run_results (
    run_id        INTEGER,
    model         TEXT,
    kind          TEXT,
    relation      TEXT,
    status        TEXT,
    started_at    TEXT,
    elapsed_ms    INTEGER,
    rows_affected INTEGER,
    query_id      TEXT,
    message       TEXT,
    compiled_sql  TEXT
);
-- Seeds imported from a dbt project (rockset_import_dbt): each is a local table named `name`
-- that rockset_seed() sends to <workspace>.<alias> (workspace NULL = the connection's target
-- workspace, alias NULL = name). column_types: the project's overrides (column -> dbt type
-- name); the local table's declared column types (BOOLEAN, DATE, TIMESTAMP, ...) say how the
-- values travel. config: the other settings (delimiter, quote_columns, ...).
CREATE TABLE IF NOT EXISTS rockset_seeds (
    name         TEXT PRIMARY KEY,
    workspace    TEXT,
    alias        TEXT,
    column_types TEXT CHECK (column_types IS NULL OR json_valid(column_types)),
    enabled      INTEGER DEFAULT 1,
    tags         TEXT CHECK (tags IS NULL OR json_valid(tags)),
    config       TEXT CHECK (config IS NULL OR json_valid(config)),
    path         TEXT,
    description  TEXT
);
