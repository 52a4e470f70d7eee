/*
 * compile.h - a project of models: model rows -> effective settings, the dependency graph and
 * the compiled SQL of each model (templates rendered, ephemeral models inlined as CTEs).
 *
 * What it is for: ext/fn_models.c reads the rockset_models / rockset_sources / rockset_vars rows
 * out of SQLite into plain rs_*_row records and calls rs_project_load; every later step
 * (rockset_compile, _materialize, _run, _test, rockset_dag, rockset_lineage_dot) works on the
 * rs_project. Nothing here knows SQLite or talks to Rockset; template.h does the Jinja part and
 * graph.h the graph.
 *
 * Settings of a model, later ones winning: the row's columns (materialized, workspace, alias,
 * unique_key, tags, enabled), the keys of its `config` JSON object, then the keyword arguments
 * of {{ config(...) }} in its SQL. Keys read: materialized, workspace (or schema), alias,
 * unique_key (a column name, "a, b", or a list), tags (a string or a list; added to the row's),
 * enabled, swap ('alias', the default, or true; 'none' or false), pre_hook / post_hook (a string
 * or a list of SQL, rendered as templates too), parameters (query lambdas:
 * [{"name","type","value"}] or {"name": value}), and for the kinds that make a collection
 * (table, incremental, rollup) what it is created with: field_mapping_query (a string, the
 * ingest transformation's SQL; not on a rollup, whose SQL is its transformation),
 * retention_secs (a positive integer), event_time_info (an object, sent as it is).
 * Other keys are kept in the merged config and otherwise ignored, as dbt does.
 *
 * Rendering: ref('m') is the relation of m - workspace.alias, each part quoted when needed - or,
 * for an ephemeral m, the CTE name __dbt__cte__m; source('s', 't') is the collection the
 * rockset_sources row names; {{ this }} the model's own relation (this.workspace, this.schema,
 * this.name, this.identifier also work); target.name / target.workspace / target.schema /
 * target.type; var('x'[, default]) the run's vars, then rockset_vars (values are JSON);
 * env_var('X'[, default]) the environment (except the API key's variables); is_incremental();
 * the rockset_macros rows (and dbt's built-in macros) as an rs_tpl_macros library given to every
 * template of the project, models and hooks alike.
 * The ephemeral models a model reaches (through other ephemeral ones too) become
 * `WITH __dbt__cte__e AS (<e's SQL>), ...` in dependency order, merged with the model's own WITH
 * list when it has one.
 *
 * Error texts (RS_EINVAL; template and host errors carry "model 'm' line L column C: "):
 *   "source('s', 't') is not in rockset_sources"
 *   "var('x') is not set (add it to rockset_vars or the run's vars, or give a default)"
 *   "env_var('X') is not set and has no default"
 *   "env_var('ROCKSET_APIKEY') is not available to models: it holds the API key"
 *   "model 'm': config 'materialized' must be a string"  (and similar for other keys)
 *   "model 'm': rockset_models.tags must be a JSON array of strings"
 *   "model 'm': config 'parameters' must be a list of {name, type, value} or an object"
 *   "model 'm': config 'retention_secs' must be a positive integer (seconds), got text"
 *   "model 'm': config 'field_mapping_query' must be a string (the transformation's SQL), got
 *    object"; "model 'm': config 'event_time_info' must be an object, got text"
 *   "model 'm': config 'retention_secs' applies to models that make a collection (table,
 *    incremental, rollup), not to a view"
 *   "model 'm': config 'field_mapping_query' does not apply to a rollup: the model's SQL is its
 *    transformation"
 *   rollups (rs_project_compile): "model 'm' line L column C: a rollup reads exactly one
 *    relation (one ref() or source()), this one reads ref('a') and source('s', 't')"; "...
 *    ref('e') is an ephemeral model: a rollup reads a relation that exists on Rockset";
 *    "model 'm': a rollup reads exactly one relation (one ref() or source()), this one reads
 *    none"
 *   graph errors (graph.h), "unknown materialization ..." (materialize.h) prefixed "model 'm': ".
 *
 * Failed models (compile_isolate.c). A model whose row disables it (enabled = 0, or "enabled":
 * false in its config JSON) is not read at all: its template is never parsed, it takes no part
 * in anything and cannot be compiled ("model 'm' is disabled"). An enabled model whose template
 * does not parse, whose parse-mode reading or settings fail, or which ref()s an unknown or
 * disabled model does not fail rs_project_load: it is loaded as failed, keeping its own error
 * (the texts above, and graph.h's "model 'b' refers to unknown model 'x' (ref('x'))" /
 * "... refers to disabled model 'a'"). When its template could not be read its refs and
 * sources are unknown: the graph has no edges to its parents (a selector "+m" selects m alone,
 * "source:s" does not match it) but knows its children, which ref() it. Every model downstream
 * of a failed one is blocked by it and cannot be compiled either. Compiling a failed model gives
 * its own error; a blocked one "model 'c' depends on model 'b', which has an error: <b's
 * error>". Dependency cycles, duplicate names and a model without a name still fail the load:
 * they belong to no single model.
 *
 * Ownership: rs_project_load copies everything it is given. Strings and arrays reached through
 * rs_project_model live as long as the project. rs_compiled fields are malloc'd; free with
 * rs_compiled_free. Thread-safety: a project is used by one thread at a time (it caches
 * rendered ephemeral models); compile everything before handing SQL to worker threads.
 */
#ifndef RS_COMPILE_H
#define RS_COMPILE_H

#include "buf.h"
#include "err.h"
#include "graph.h"
#include "materialize.h"

#include <stddef.h>

/* One rockset_models row; NULL for SQL NULL. */
typedef struct rs_model_row {
    const char *name;
    const char *sql;
    const char *materialized; /* NULL = view */
    const char *workspace;
    const char *alias;
    const char *unique_key;
    const char *tags_json;   /* JSON array of strings */
    const char *config_json; /* JSON object */
    int enabled;
    const char *description;
} rs_model_row;

typedef struct rs_source_row {
    const char *source;
    const char *name;
    const char *workspace;
    const char *collection;
} rs_source_row;

typedef struct rs_var_row {
    const char *name;
    const char *value_json; /* JSON text; a value that is not JSON is taken as a string */
} rs_var_row;

/* One rockset_macros row: package "" or NULL for the project's own; kind "test" makes the
 * macro callable as test_<name>. */
typedef struct rs_macro_row {
    const char *package;
    const char *name;
    const char *args;
    const char *body;
    const char *kind;
} rs_macro_row;

typedef struct rs_project_input {
    const rs_model_row *models;
    size_t n_models;
    const rs_source_row *sources;
    size_t n_sources;
    const rs_var_row *vars;
    size_t n_vars;
    const rs_macro_row *macros; /* given to every template of the project (template.h) */
    size_t n_macros;
    const char *run_vars_json; /* a JSON object overriding rockset_vars, or NULL */
    const char *workspace;     /* the session's workspace: the default of every model */
    const char *target_name;   /* target.name */
    /* rockset_seeds rows (name, workspace, alias, tags_json, enabled, description are read):
     * each is a node of kind RS_MAT_SEED named for the seed, whose relation is
     * workspace.alias; ref() may name it, nothing compiles or materializes it. A seed and a
     * model with one name fail the load ("'x' is both a model (rockset_models) and a seed
     * (rockset_seeds): ..."). */
    const rs_model_row *seeds;
    size_t n_seeds;
} rs_project_input;

/* A model's effective settings (see the top of this file). */
typedef struct rs_model_info {
    const char *name;
    rs_mat_kind kind;
    int enabled;
    const char *workspace;
    const char *alias;    /* the relation's name: workspace.alias */
    const char *relation; /* "workspace.alias", unquoted */
    const char *const *unique_key;
    size_t n_unique_key;
    const char *const *tags;
    size_t n_tags;
    int swap_alias;
    const char *params_json;          /* query_lambda default parameters as a JSON array, or NULL */
    rs_collection_options collection; /* table, incremental, rollup: config field_mapping_query,
                                         retention_secs, event_time_info (unset: none) */
    const char *config_json;          /* the merged config object */
    const char *description;          /* the row's description, or NULL */
} rs_model_info;

typedef struct rs_project rs_project;

/* Parse every enabled model's template, read its settings (collecting its refs, sources and
 * config() in parse mode) and build the graph. A model that cannot be read is loaded as failed
 * (above); the load itself fails only for RS_ENOMEM, the run's vars, cycles, duplicate or
 * missing names. Errors name the model. */
int rs_project_load(const rs_project_input *in, rs_project **out, rs_err *err);
void rs_project_free(rs_project *p);

const rs_graph *rs_project_graph(const rs_project *p);
/* Settings of the model with graph index `model`. */
const rs_model_info *rs_project_model(const rs_project *p, size_t model);

/* The model's own error when it is enabled and failed to load (borrowed), else NULL. */
const rs_err *rs_project_model_error(const rs_project *p, size_t model);
/* Graph index of a failed model upstream of model (the smallest such index among its nearest
 * failed ancestors), or -1 when none is or the model failed itself. */
long rs_project_blocked_by(const rs_project *p, size_t model);
/* RS_OK when the model can be compiled; else RS_EINVAL (or its load error's code) and why:
 * disabled, failed (its own error, line and column kept) or blocked (see above). */
int rs_project_model_ready(const rs_project *p, size_t model, rs_err *err);

/* The relation source('s', 't') renders as (quoted as needed), or NULL when rockset_sources has
 * no such row. Borrowed from the project. */
const char *rs_project_source_sql(const rs_project *p, const char *source, const char *table);

/* The workspace (collection 0) or collection (1) of source('s', 't'), unquoted, or NULL. */
const char *rs_project_source_part(const rs_project *p, const char *source, const char *table,
                                   int collection);

/* What is shipped for one model. */
typedef struct rs_compiled {
    char *sql;             /* is_incremental() false; a rollup's reads its relation as _input */
    char *sql_incremental; /* is_incremental() true; incremental models only, else NULL */
    char *input_sql;       /* rollup: the relation its sql reads as _input; else NULL */
    char **pre_hooks;
    size_t n_pre_hooks;
    char **post_hooks;
    size_t n_post_hooks;
} rs_compiled;

void rs_compiled_free(rs_compiled *c); /* NULL-safe; leaves it zeroed */

/* Render the model (graph index), its ephemeral ancestors and its hooks. *out must be zeroed;
 * it is filled only on success. A model that is not ready (rs_project_model_ready) gives that
 * error. A rollup is compiled as rs_project_compile_rollup does. */
int rs_project_compile(rs_project *p, size_t model, rs_compiled *out, rs_err *err);
/* A model's SQL as a rollup's transformation, whatever its kind: the one relation it reads (a
 * ref() of a model that is not ephemeral, or a source()) renders as _input, and *input_sql gets
 * that relation as it would have rendered (quoted as needed). Reading none, two, or an
 * ephemeral model is an error (above). *sql and *input_sql malloc'd. */
int rs_project_compile_rollup(rs_project *p, size_t model, char **sql, char **input_sql,
                              rs_err *err);
/* Whether the model's last compile read the database (run_query, statement,
 * adapter.get_columns_in_relation): a run compiles it again right before building it, once
 * the models it reads are built. */
int rs_project_model_used_db(const rs_project *p, size_t model);
/* The client macros read the database with at compile time (cloned; NULL: none, and such
 * macros fail with a message that says to connect). */
int rs_project_set_db(rs_project *p, const rs_api *api, rs_err *err);
/* The stop callback of that client (the clone keeps the connection's). A compile on a worker
 * thread must not call back into the caller's database, which the caller's thread holds while
 * it waits for the workers: the runner's host sets NULL for the run and puts it back after. */
void rs_project_set_db_stop(rs_project *p, rs_http_stop_fn should_stop, void *stop_ctx);
/* Just the SQL, with is_incremental() as given, as a query of the model's rows whatever its
 * kind (a rollup's reads its relation, not _input). *sql is malloc'd. */
int rs_project_compile_sql(rs_project *p, size_t model, int is_incremental, char **sql,
                           rs_err *err);

/* Names a template of no model can read besides the project's (rs_project_render_text). */
typedef struct rs_render_names {
    const char *model_sql;    /* what {{ model }} renders as; NULL: no name `model` */
    const char *model_schema; /* model.schema, model.workspace */
    const char *model_name;   /* model.name, model.identifier */
    const char *names_json;   /* a JSON object whose members are names too, or NULL */
    char **fail_calc;         /* not NULL: gets the render's config(fail_calc=...), malloc'd, or
                                 NULL when it set none (dbt: what a test's failures are) */
    const char *kind;         /* what messages call the template: NULL "test"; "analysis",
                                 "hook" */
} rs_render_names;

/* Render a template that belongs to no model - a singular test, or the call of a generic test
 * macro - with the project's host: ref, source, var, env_var, target and the macros, plus
 * names (may be NULL); {{ this }} is unknown. Messages name it "test '<label>'" ("test 'x' line
 * 1 column 4: ..."). Ephemeral models it ref()s become CTEs in front, as for a model. *sql is
 * malloc'd; when refs is not NULL, *refs gets the names it ref()'d (malloc'd array of malloc'd
 * strings, free each and the array). */
int rs_project_render_text(rs_project *p, const char *label, const char *text,
                           const rs_render_names *names, char **sql, char ***refs, size_t *n_refs,
                           rs_err *err);

/* 1 when the project's macro library (rockset_macros and dbt's) has package.name (package NULL
 * or "": the project's own); a generic test `t` is the macro test_t. */
int rs_project_has_macro(const rs_project *p, const char *package, const char *name);
/* The installed package (not the project, not dbt) that has a macro called name, the first one
 * rockset_macros lists, or NULL: where an unprefixed generic test is found after the project,
 * as dbt looks in the root project, then in installed packages. Borrowed. */
const char *rs_project_macro_package(const rs_project *p, const char *name);

/* ---------------------------------------------------------------- dbt unit tests */

/* One input of a unit test, replaced by its fixture. */
typedef struct rs_unit_input {
    int kind;          /* RS_UNIT_REF, RS_UNIT_SOURCE, RS_UNIT_THIS */
    const char *name;  /* ref: the model; source: the source's name */
    const char *table; /* source: the table */
    const char *sql;   /* the fixture's SELECT (unittest.h) */
} rs_unit_input;

enum { RS_UNIT_REF = 0, RS_UNIT_SOURCE, RS_UNIT_THIS };

typedef struct rs_unit_overrides {
    const rs_unit_input *inputs;
    size_t n_inputs;
    const char *macros_json; /* {"is_incremental": true, "name": value}: a bare call name(...)
                                of a macro or built-in gives the value; or NULL */
    const char *vars_json;   /* var('x') gives these first; or NULL */
    const char *env_json;    /* env_var('X') gives these first; or NULL */
} rs_unit_overrides;

/* The model's SQL for a unit test: rendered with every ref(), source() and {{ this }} that an
 * input names replaced by a CTE of its fixture (__dbt__unit__<name>, __dbt__unit__<s>__<t>,
 * __dbt__unit__this), with the overrides; ephemeral models it reads as usual. Inputs the model
 * does not read are left out. is_incremental() is false unless overridden. *sql malloc'd. */
int rs_project_compile_unit(rs_project *p, size_t model, const rs_unit_overrides *u, char **sql,
                            rs_err *err);

/* --- pure helpers, exposed for unit tests --- */

/* Append body with the CTEs (n names and bodies) put first: "WITH n1 AS (\n<b1>\n), ...\n<body>",
 * or, when body itself starts with WITH (after blanks and comments), "WITH n1 AS (...), ...,
 * <body's own CTEs>...". Trailing blanks and ';' of every body are dropped. */
int rs_compile_merge_ctes(rs_buf *out, const char *body, const char *const *cte_names,
                          const char *const *cte_bodies, size_t n);

/* Append text without trailing white space and semicolons. */
int rs_compile_trim_sql(rs_buf *out, const char *text);

#endif
