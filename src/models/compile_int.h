/*
 * compile_int.h - what compile.c (the template side) and compile_project.c (rows, settings,
 * graph) share. Not a public API: see compile.h.
 *
 * Ownership: an rs_project owns every string below; rs_model_info fields point into them.
 * Thread-safety: none (a project belongs to one thread), except db, which has its lock.
 */
#ifndef RS_COMPILE_INT_H
#define RS_COMPILE_INT_H

#include "compile.h"
#include "err.h"
#include "graph.h"

#include <pthread.h>
#include <stddef.h>

struct rs_tpl;
struct rs_api;
struct rs_tpl_args;
struct rs_tpl_value;

/* A growable array of malloc'd strings. */
typedef struct compile_strv {
    char **v;
    size_t n;
    size_t cap;
} compile_strv;

int compile_strv_reserve(compile_strv *s, size_t extra, rs_err *err);
/* Append a copy of text. */
int compile_strv_push(compile_strv *s, const char *text, rs_err *err);
void compile_strv_free(compile_strv *s);

typedef struct csource {
    char *source;
    char *name;
    char *workspace;
    char *collection;
    char *relation_sql; /* workspace.collection, quoted as needed */
} csource;

typedef struct cvar {
    char *name;
    char *value_json;
} cvar;

typedef struct cmodel {
    rs_model_info info; /* the public view; its strings point into the fields below */
    int used_db;        /* its last compile read the database (compile_db.c) */
    /* the row, copied */
    char *name;
    char *sql;
    char *materialized_row;
    char *workspace_row;
    char *alias_row;
    char *unique_key_row;
    char *tags_row;
    char *config_row;
    char *description;
    int enabled_row;
    int is_seed; /* a rockset_seeds row (compile.h, rs_model_row) */
    /* settings */
    char *config_merged;
    char *workspace;
    char *alias;
    char *relation; /* "ws.alias" unquoted */
    char *this_sql; /* what ref() and {{ this }} render: quoted relation or CTE name */
    char *cte_name; /* __dbt__cte__<name>, quoted as needed */
    char *params_json;
    char *field_mapping_sql;    /* config field_mapping_query */
    char *event_time_info_json; /* config event_time_info (a JSON object) */
    compile_strv unique_key;
    compile_strv tags;
    compile_strv pre_hooks; /* templates, rendered by rs_project_compile */
    compile_strv post_hooks;
    /* parse mode */
    struct rs_tpl *tpl;
    compile_strv refs;
    compile_strv source_names; /* source('s', 't') pairs, same index */
    compile_strv source_tables;
    /* cache of an ephemeral model's render */
    char *eph_sql;
    size_t *eph_refs; /* input positions of the ephemeral models it ref()'d */
    size_t n_eph_refs;
    /* failure isolation (compile_isolate.c): a model whose template, config or refs cannot be
     * read fails alone; the load goes on */
    int failed;       /* 1: load_err says why */
    int refs_unknown; /* 1: its template was not read, so its refs and sources are unknown */
    rs_err load_err;  /* the model's own error when failed */
    char *bad_ref;    /* the first ref() naming an unknown or disabled model, or NULL */
    int bad_ref_disabled;
    long blocked_by; /* graph index of a failed ancestor (the smallest name), or -1 */
} cmodel;

struct rs_project {
    cmodel *models; /* in input order */
    size_t n_models;
    csource *sources;
    size_t n_sources;
    cvar *vars; /* the run's vars first, then rockset_vars: the first match wins */
    size_t n_vars;
    char *workspace;
    char *target_name;
    struct rs_tpl_macros *macros; /* rockset_macros and dbt's, for every template */
    rs_graph *graph;
    /* compile_db.c: the client macros read the database with (run_query, statement,
     * adapter.get_columns_in_relation), NULL without a connection; one query at a time, as
     * worker threads compile side by side */
    struct rs_api *db;
    pthread_mutex_t db_lock;
    /* rs_project_compile_unit: the unit test being compiled (NULL otherwise) and which of its
     * inputs the render used */
    const rs_unit_overrides *unit;
    unsigned char *unit_used;
};

/* compile_db.c: run_query(sql) and adapter.<method>(...) for a template; RS_ENOTFOUND (no
 * message) for other names. */
int compile_db_call(rs_project *p, const char *name, const struct rs_tpl_args *args,
                    struct rs_tpl_value *out, rs_err *err);
/* compile.c: a template value from JSON text (ints exact), depth counted from depth. */
int compile_json_value(rs_jsonscan_span span, int depth, struct rs_tpl_value *out, rs_err *err);

/* compile.c: parse m's template, run it in parse mode, fill m->refs, m->source_*, and
 * m->config_merged (the row's config overridden by config() keywords). When the template
 * cannot be read, m->refs_unknown is set and nothing else is kept; when only the config is
 * wrong, the refs and sources are kept. */
int compile_parse_model(rs_project *p, cmodel *m, rs_err *err);
/* compile.c: m->config_merged from the row's config alone (a model whose template failed). */
int compile_row_config(cmodel *m, rs_err *err);
void compile_template_free(cmodel *m);

/* compile_config.c: read m's settings from its row and merged config into m->info. */
int compile_apply_settings(rs_project *p, cmodel *m, rs_err *err);
/* compile_config.c: 0 when the row (its enabled column, overridden by its config JSON's
 * "enabled" member) disables the model, before its template is read; else 1. */
int compile_row_enabled(const cmodel *m);

/* compile_isolate.c */
/* Read one enabled model (parse, collect, settings). Its own errors are kept in m (failed,
 * load_err) and do not fail the call; RS_ENOMEM does. */
int compile_load_model(rs_project *p, cmodel *m, rs_err *err);
/* Before the graph: drop every ref() naming an unknown or disabled model, noting the first one
 * in m->bad_ref. After the graph: turn those into the model's error (with the graph's "did you
 * mean") and mark every descendant of a failed model blocked_by it. */
int compile_check_refs(rs_project *p, rs_err *err);
int compile_mark_failures(rs_project *p, rs_err *err);
/* RS_OK when the model at graph index can be compiled, else why not (see compile.h). */
int compile_model_ready(const rs_project *p, size_t graph_index, rs_err *err);

/* compile_project.c */
/* Set m's workspace and alias and what derives from them (relation, this_sql, cte_name). */
int compile_set_names(cmodel *m, const char *ws, const char *alias, rs_err *err);
const csource *compile_find_source(const rs_project *p, const char *source, const char *table);
const char *compile_find_var(const rs_project *p, const char *name);
cmodel *compile_model_at(rs_project *p, size_t graph_index);

#endif
