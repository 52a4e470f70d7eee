/*
 * dbtimport.h - read an existing dbt project directory into plain structs: what
 * rockset_import_dbt (ext/fn_import.c) writes into the model tables and seed tables.
 *
 *   rs_dbt_project *p;
 *   rs_dbt_options opts = {1};                            read seeds too
 *   if (rs_dbt_load("path/to/project", &opts, &p, &err) == RS_OK) { ...; rs_dbt_free(p); }
 *
 * What is read (everything else in the directory is left alone):
 *   dbt_project.yml   name (required), profile, model-paths (default [models]; source-paths
 *                     accepted), seed-paths (default [seeds]; data-paths accepted), macro-paths
 *                     (only to warn that macros are not imported), vars (global, or scoped
 *                     under the project's own name), models: (configs by folder, below)
 *   models/.../x.sql  one model per file: name = file stem, sql = the file's text
 *   models/.../x.yml  (and .yaml) `models:` entries (description, config:, columns: tests:,
 *                     data_tests:) and `sources:` entries (tables, schema, identifier)
 *   seeds/.../x.csv   with seeds on: a header row, then rows; types inferred per column
 *   seeds/.../x.yml   property files: the `seeds:` entries' tests
 *   tests/.../x.sql   singular tests (test-paths); tests/generic/ holds macro files
 *   macros/.../x.sql  every {% macro %} and {% test %} at the top level of the file (package "")
 *   dbt_packages/<pkg>/macros/.../x.sql   the same for installed packages (package <pkg>)
 *                     A macro file that does not parse is skipped with a warning naming the
 *                     error; a second macro of the same package and name is skipped with a
 *                     warning. Other files of dbt_packages (models, seeds) are not read.
 *
 * A model's settings, later ones winning (tags add up instead): the `models:` tree of
 * dbt_project.yml - the project's own key, then one key per folder between the model path and
 * the file, then a key named for the model - then the `config:` of its entry in a .yml file,
 * then the literal arguments of {{ config(...) }} in its SQL (read in the template compiler's
 * parse mode; an argument that is not a literal is left to the compiler at run time, and the
 * config() call stays in the SQL either way). Config keys may carry dbt's '+' prefix.
 * materialized, schema (or workspace), alias, unique_key (string or list), tags (string or
 * list), enabled become the row's columns; every other key goes into its `config` JSON object
 * (pre-hook / post-hook are renamed pre_hook / post_hook, the names the compiler reads).
 *
 * Jinja in the YAML (dbtimport_render.c): string scalars of dbt_project.yml and the property
 * files holding "{{" / "{%" are rendered first (var, env_var, target from rs_dbt_options).
 *
 * Sources: workspace = the source's schema, else its database, else its name (dbt's default);
 * collection = the table's identifier, else its name. Tests (on models, seeds, and sources as
 * the node "source:s.t"): unique, not_null, accepted_values (arg: the JSON list of values),
 * relationships (arg: {"to": model, "field": f}; to: ref('m') becomes "m", source(...) stays
 * as written), and generic tests of any other name (arg: their keyword arguments as a JSON
 * object), each with dbt's name and its config; dbt >= 1.10's `arguments:` wrapper is
 * understood. A generic test whose macro is not imported is dropped with a warning. Singular
 * tests: test-paths' .sql files (dbtimport_tests.c). Everything not imported (unit tests,
 * exposures, metrics, semantic models, saved queries, snapshots, analyses, Python models,
 * unknown keys, hooks) is named in a warning. Seeds: a column whose non-empty cells are all
 * integers (no leading zeros, so zip codes stay text) is INTEGER, all numbers REAL, all
 * true/false BOOLEAN, all dates DATE, all dates or timestamps TIMESTAMP, else TEXT; empty cells
 * are NULL. A seed's settings come from the `seeds:` tree of dbt_project.yml (like models:, by
 * folder then by seed name) and then from a property file's `seeds:` entry (config:,
 * description, columns: tests, which become tests whose model is the seed); `column_types`
 * overrides the inferred types (rs_dbt_type_parse), `delimiter` splits the fields.
 *
 * Errors (RS_EINVAL unless the file system fails, RS_EIO) name the file relative to the
 * project directory, and the line and column where they apply (also set in err->line and
 * err->column):
 *   "dbt_project.yml line 4 column 14: 'model-paths' must be a list of strings"
 *   "models/schema.yml line 9 column 11: test 'accepted_values' needs values: [...]"
 *   "seeds/countries.csv line 3: 4 fields, but the header has 3"
 *   "'dir' is not a dbt project: dir/dbt_project.yml does not exist"
 * Files larger than RS_DBT_MAX_FILE bytes and folders nested deeper than RS_DBT_MAX_DEPTH
 * are refused. Warnings (things skipped) are collected in the project, never printed.
 *
 * Ownership: everything reachable from an rs_dbt_project is malloc'd and owned by it; free it
 * with rs_dbt_free (NULL is fine). Arrays are sorted: models, seeds by name; sources by
 * (source, name); vars by name; tests in file order. *out is set only on success.
 * Thread-safety: no shared state; one project belongs to one thread at a time.
 */
#ifndef RS_DBTIMPORT_H
#define RS_DBTIMPORT_H

#include "err.h"

#include <stddef.h>

#define RS_DBT_MAX_FILE  (64u * 1024u * 1024u)
#define RS_DBT_MAX_DEPTH 32

typedef struct rs_dbt_model {
    char *name;         /* file stem */
    char *path;         /* relative to the project directory: "models/staging/stg_x.sql" */
    char *sql;          /* the file's text, unchanged */
    char *materialized; /* NULL when nothing sets it (the table's default, view, applies) */
    char *workspace;    /* NULL = the profile's */
    char *alias;
    char *unique_key;  /* "id" or "a, b" */
    char *tags_json;   /* JSON array of strings, or NULL */
    char *config_json; /* JSON object of the other config keys, or NULL */
    int enabled;       /* 0 or 1 */
    char *description; /* from a .yml file, or NULL */
} rs_dbt_model;

typedef struct rs_dbt_source {
    char *source;
    char *name;
    char *workspace;
    char *collection;
} rs_dbt_source;

typedef struct rs_dbt_var {
    char *name;
    char *value_json; /* the YAML value as JSON text */
} rs_dbt_var;

typedef struct rs_dbt_test {
    char *model;       /* a model's or seed's name, or "source:s.t"; a singular test: the first
                          model it refs ("" when none) */
    char *column;      /* NULL for a model-level test without column_name */
    char *test;        /* unique, not_null, accepted_values, relationships, a generic test
                          (name or package.name), or "singular" */
    char *arg_json;    /* NULL, a JSON list (accepted_values), or object (relationships, and the
                          keyword arguments of a generic test) */
    char *name;        /* dbt's test name: `name:`, else test_node_column (unique in the
                          project); a singular test: its file stem */
    char *config_json; /* NULL or a JSON object: severity, where, limit, warn_if, ... */
    char *sql;         /* a singular test's text, else NULL */
    char *pos;         /* where it was written ("models/x.yml line 4 column 9"), for warnings */
} rs_dbt_test;

/* A macro of a macro file: {% macro name(args) %}body{% endmacro %}, or a generic test
 * {% test name(args) %} (is_test; callable as test_<name>). */
typedef struct rs_dbt_macro {
    char *package; /* "" for the project's own, else the package's folder under dbt_packages/ */
    char *name;
    char *args; /* the argument list as written: "column_name, scale=2" */
    char *body; /* the text between the tags, with their whitespace control applied */
    int is_test;
    char *path; /* the file, relative to the project directory */
} rs_dbt_macro;

/* A seed column's type (dbtimport_csv.c infers it; column_types overrides it). */
typedef enum rs_dbt_type {
    RS_DBT_INTEGER = 1,
    RS_DBT_REAL,
    RS_DBT_TEXT,
    RS_DBT_BOOLEAN,  /* true / false, any case; the local table holds 1 / 0 */
    RS_DBT_DATE,     /* YYYY-MM-DD */
    RS_DBT_TIMESTAMP /* YYYY-MM-DD HH:MM:SS[.ffffff] (a 'T' is read as the blank) */
} rs_dbt_type;

typedef struct rs_dbt_seed {
    char *name; /* file stem: the local table's name */
    char *path; /* relative to the project directory */
    size_t n_columns;
    char **columns;     /* header names */
    rs_dbt_type *types; /* one per column */
    size_t n_rows;
    char **cells; /* n_rows * n_columns, row-major; NULL for an empty cell; timestamps are
                     normalised to 'YYYY-MM-DD HH:MM:SS[.f]' */
    /* settings (dbt_project.yml seeds: tree, then the seed's property entry) */
    char *workspace;         /* +schema; NULL = the connection's target workspace */
    char *alias;             /* NULL = name */
    char *column_types_json; /* JSON object column -> type name as written, or NULL */
    char *tags_json;         /* JSON array, or NULL */
    char *config_json;       /* other keys (delimiter, quote_columns, ...), or NULL */
    int enabled;             /* 0 or 1 */
    char *description;
} rs_dbt_seed;

/* A unit test (dbt 1.8+ `unit_tests:`, dbtimport_units.c). given_json: [{"input":
 * "ref('m')" | "source('s', 't')" | "this", "format": "dict" | "csv" | "sql", "rows": [{...}] |
 * "<csv or sql text>"}, ...]; expect_json: {"format": ..., "rows": ...}; a fixture's file is
 * read into rows. overrides_json: the overrides: mapping as JSON, or NULL. */
typedef struct rs_dbt_unit_test {
    char *name;
    char *model;
    char *given_json;
    char *expect_json;
    char *overrides_json;
    char *description;
} rs_dbt_unit_test;

/* An on-run-start / on-run-end hook of dbt_project.yml (its SQL as written: a template). */
typedef struct rs_dbt_hook {
    char *kind; /* "on-run-start" or "on-run-end" */
    char *sql;
} rs_dbt_hook;

/* An analysis (analysis-paths): compiled by rockset_compile, never run. */
typedef struct rs_dbt_analysis {
    char *name; /* file stem */
    char *path;
    char *sql;
} rs_dbt_analysis;

typedef struct rs_dbt_project {
    char *name;
    char *profile; /* NULL when dbt_project.yml has none */
    rs_dbt_model *models;
    size_t n_models;
    rs_dbt_source *sources;
    size_t n_sources;
    rs_dbt_var *vars;
    size_t n_vars;
    rs_dbt_test *tests;
    size_t n_tests;
    rs_dbt_seed *seeds;
    size_t n_seeds;
    rs_dbt_macro *macros; /* sorted by (package, name); the project's first ("" sorts first) */
    size_t n_macros;
    rs_dbt_unit_test *unit_tests; /* in file order */
    size_t n_unit_tests;
    rs_dbt_hook *hooks; /* in the file's order, on-run-start's first */
    size_t n_hooks;
    rs_dbt_analysis *analyses; /* in file order */
    size_t n_analyses;
    char **warnings; /* "models/schema.yml line 7 column 11: test 'x' is not supported; skipped" */
    size_t n_warnings;
} rs_dbt_project;

typedef struct rs_dbt_options {
    int seeds; /* 1: read seed-paths' CSV files; 0: leave them */
    /* `target` in the YAML's templates: name (NULL: "default"), schema/workspace (NULL:
     * "commons"), threads (0: 4) */
    const char *target_name;
    const char *target_schema;
    int threads;
    /* a JSON object of vars that win over dbt_project.yml's vars: in the YAML's templates
     * (dbt's --vars), or NULL */
    const char *vars_json;
} rs_dbt_options;

/* Read the project in dir (opts NULL = defaults: seeds on). */
int rs_dbt_load(const char *dir, const rs_dbt_options *opts, rs_dbt_project **out, rs_err *err);
void rs_dbt_free(rs_dbt_project *p);

/* Parse CSV text with fields separated by delimiter (rs_dbt_csv_parse: ','). */
int rs_dbt_csv_parse_with(const char *path, const char *text, size_t len, char delimiter,
                          rs_dbt_seed *seed, rs_err *err);

/* dbt's type names (any case): varchar, text, string, char -> TEXT; int, integer, bigint,
 * smallint -> INTEGER; float, double, real, numeric, decimal, number -> REAL; boolean, bool ->
 * BOOLEAN; date -> DATE; timestamp, datetime -> TIMESTAMP. A size or precision in parentheses
 * ("varchar(20)", "numeric(10,2)") is ignored. 1 and *out set, else 0. */
int rs_dbt_type_parse(const char *name, rs_dbt_type *out);
/* Does a non-empty cell read as type t (the inference's per-cell test)? */
int rs_dbt_cell_is(const char *cell, rs_dbt_type t);
/* Make column `column` of a parsed seed type t (column_types): every non-empty cell must read
 * as t, else RS_EINVAL "<path> line-less: column 'c' row N: 'v' is not a <type>". */
int rs_dbt_seed_set_type(rs_dbt_seed *seed, size_t column, rs_dbt_type t, rs_err *err);

/* Parse CSV text (RFC 4180: quotes, "" escapes, CRLF or LF, a leading UTF-8 BOM) into seed's
 * columns, types, rows and cells; `path` only names the file in messages. seed->name and
 * seed->path are left alone. On failure seed's other fields are left empty. */
int rs_dbt_csv_parse(const char *path, const char *text, size_t len, rs_dbt_seed *seed,
                     rs_err *err);
/* Free what rs_dbt_csv_parse and rs_dbt_load put into one seed (the struct itself stays). */
void rs_dbt_seed_clear(rs_dbt_seed *seed);

/* The SQL type name of a column type: "INTEGER", "REAL", "TEXT", "BOOLEAN", "DATE",
 * "TIMESTAMP" (the declared type of the local table's column). */
const char *rs_dbt_type_name(rs_dbt_type t);

#endif
