/*
 * sqlxlate.c - entry point of rockset-local's SQL layer (see sqlxlate.h for the contract):
 * parse (sqlx_parse.c), run the stages (sqlx_pipeline.c: bind, plan, rules, access paths,
 * print), and fill sqlx_stmt.
 *
 * Values inside the emitted SQL are encoded as server/runtime/value.h says; every derived
 * relation (subquery, CTE, view) itself yields a JSON `doc` column.
 */
#include "sqlxlate.h"
#include "server/runtime/catalog.h"
#include "server/runtime/params.h"

#include "sqlx_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int split_canonical(const char *canonical, char *ws, size_t ws_cap, char *name,
                           size_t name_cap) {
    const char *dot = strchr(canonical, '.');
    if (dot == NULL)
        return -1;
    snprintf(ws, ws_cap, "%.*s", (int)(dot - canonical), canonical);
    snprintf(name, name_cap, "%s", dot + 1);
    return 0;
}

/* DESCRIBE / INSERT target: must be a collection (aliases followed). */
static int resolve_target(const sqlx_ast *ast, sqlx_resolve_fn resolve, void *resolve_ctx,
                          sqlx_ctx *ctx, sqlx_stmt *out, rs_err *err) {
    sqlx_relation rel;
    memset(&rel, 0, sizeof rel);
    int rc = resolve(resolve_ctx, ast->target_ws ? ast->target_ws : "commons", ast->target_name,
                     &rel, err);
    free(rel.view_sql);
    if (rc) {
        if (err != NULL && err->line == 0) {
            err->line = ast->target_line;
            err->column = ast->target_column;
        }
        return rc;
    }
    if (rel.kind != SQLX_REL_COLLECTION)
        return sqlx_error(err, RS_EINVAL, ast->target_line, ast->target_column,
                          "%s needs a collection, but '%s' is a view",
                          ast->kind == SQLX_DESCRIBE ? "DESCRIBE" : "INSERT INTO", rel.canonical);
    if (split_canonical(rel.canonical, out->target_ws, sizeof out->target_ws, out->target_name,
                        sizeof out->target_name))
        return rs_err_set(err, RS_EINTERNAL, "resolver returned a bad name '%s'", rel.canonical);
    snprintf(out->target_table, sizeof out->target_table, "%s", rel.table);
    if (sqlx_names_add(&ctx->collections, rel.canonical) ||
        (rel.alias_of[0] && sqlx_names_add(&ctx->aliases, rel.alias_of)))
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    return 0;
}

static char **copy_names(const sqlx_names *from, int *n) {
    char **items = calloc((size_t)from->n + 1, sizeof *items);
    *n = 0;
    for (int i = 0; items != NULL && i < from->n; i++) {
        if ((items[i] = strdup(from->items[i])) == NULL)
            return items;
        *n = i + 1;
    }
    return items;
}

/* The output fields of a SELECT: its first SELECT core's item names, each once (where two
 * items share a name, the later one's value is the field's), in order; none with a '*'. */
static int output_names(sqlx_ctx *ctx, const sqlx_select *sel, rs_err *err) {
    const sqlx_select *core = sel;
    while (core->compound_op != NULL)
        core = core->left;
    const char **names = sqlx_alloc(ctx->arena, (size_t)(core->n_items + 1) * sizeof *names);
    if (names == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    for (int i = 0; i < core->n_items; i++) {
        if (core->items[i].expr->kind == N_STAR) {
            ctx->columns_star = 1;
            return 0;
        }
        if ((names[i] = sqlx_item_name(ctx->arena, &core->items[i], i)) == NULL)
            return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    for (int i = 0; i < core->n_items; i++) {
        int later = 0;
        for (int j = i + 1; j < core->n_items; j++)
            later |= strcmp(names[i], names[j]) == 0;
        if (!later && sqlx_names_add(&ctx->columns, names[i]))
            return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    return 0;
}

/* What a prepared statement says of itself, copied into st (the lists stay in p). */
static int fill_meta(sqlx_prepared *p, sqlx_stmt *st, rs_err *err) {
    sqlx_ctx *ctx = &p->ctx;
    st->kind = p->ast.kind;
    st->explain = p->ast.explain;
    st->has_limit = p->ast.sel != NULL && p->ast.sel->limit != NULL;
    st->param_names = copy_names(&ctx->params, &st->n_params);
    st->collections = copy_names(&ctx->collections, &st->n_collections);
    st->aliases = copy_names(&ctx->aliases, &st->n_aliases);
    if (!ctx->columns_star && p->ast.kind == SQLX_SELECT)
        st->column_names = copy_names(&ctx->columns, &st->n_columns);
    if (st->param_names == NULL || st->collections == NULL || st->aliases == NULL ||
        st->n_params < ctx->params.n || st->n_collections < ctx->collections.n ||
        st->n_aliases < ctx->aliases.n ||
        (st->column_names != NULL && st->n_columns < ctx->columns.n))
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    return 0;
}

static int prepare(sqlx_prepared *p, const char *sql, const sqlx_options *opts,
                   sqlx_resolve_fn resolve, void *resolve_ctx, sqlx_stmt *st, rs_err *err) {
    sqlx_ctx *ctx = &p->ctx;
    int rc = sqlx_parse(sql ? sql : "", &p->arena, &p->ast, err);
    /* textual order; views add theirs as they are bound */
    for (int i = 0; rc == 0 && i < p->ast.n_params; i++)
        if (sqlx_names_add(&ctx->params, p->ast.params[i]))
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    if (rc == 0 && p->ast.kind != SQLX_SELECT)
        rc = resolve_target(&p->ast, resolve, resolve_ctx, ctx, st, err);
    p->default_limit = p->ast.kind == SQLX_INSERT ? -1 : opts ? opts->default_row_limit : 0;
    if (rc == 0 && p->ast.kind != SQLX_DESCRIBE)
        rc = sqlx_prepare_select(ctx, p->ast.sel, err);
    if (rc == 0 && p->ast.kind == SQLX_SELECT)
        rc = output_names(ctx, p->ast.sel, err);
    if (rc == 0 && p->arena.oom)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    return rc;
}

int sqlx_prepare(const char *sql, const sqlx_options *opts, sqlx_resolve_fn resolve,
                 void *resolve_ctx, sqlx_prepared **out, sqlx_stmt *meta, rs_err *err) {
    rs_err local_err;
    if (err == NULL)
        err = &local_err;
    rs_err_clear(err);
    memset(meta, 0, sizeof *meta);
    *out = NULL;
    sqlx_prepared *p = calloc(1, sizeof *p);
    if (p == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    sqlx_ctx_init(&p->ctx, resolve, resolve_ctx, opts, &p->arena);
    int rc = prepare(p, sql, opts, resolve, resolve_ctx, meta, err);
    if (rc == 0)
        rc = fill_meta(p, meta, err);
    if (rc) { /* the collections found before the failure, for the caller's privilege check */
        sqlx_stmt_free(meta);
        meta->collections = copy_names(&p->ctx.collections, &meta->n_collections);
        sqlx_prepared_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int sqlx_prepared_sqlite(sqlx_prepared *p, sqlx_stmt *st, rs_err *err) {
    rs_buf sqlbuf = RS_BUF_INIT, planbuf = RS_BUF_INIT;
    if (p->ast.kind == SQLX_DESCRIBE || p->printed)
        return p->printed ? rs_err_set(err, RS_EINTERNAL, "a statement printed twice") : 0;
    p->printed = 1;
    p->ctx.explain = p->ast.explain ? &planbuf : NULL;
    int rc = sqlx_finish_sqlite(&p->ctx, p->ast.sel, p->default_limit, &sqlbuf, err);
    p->ctx.explain = NULL;
    if (rc == 0 && (st->sqlite_sql = rs_buf_detach(&sqlbuf)) == NULL)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    if (rc == 0 && p->ast.explain && (st->plan = rs_buf_detach(&planbuf)) == NULL)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    st->index_form = p->ctx.index_form;
    rs_buf_free(&sqlbuf);
    rs_buf_free(&planbuf);
    return rc;
}

void sqlx_prepared_free(sqlx_prepared *p) {
    if (p == NULL)
        return;
    sqlx_ctx_free(&p->ctx);
    sqlx_arena_free(&p->arena);
    free(p);
}

int sqlx_translate(const char *sql, const sqlx_options *opts, sqlx_resolve_fn resolve,
                   void *resolve_ctx, sqlx_stmt *out, rs_err *err) {
    sqlx_prepared *p;
    sqlx_stmt st;
    int rc = sqlx_prepare(sql, opts, resolve, resolve_ctx, &p, &st, err);
    if (rc == 0)
        rc = sqlx_prepared_sqlite(p, &st, err);
    sqlx_prepared_free(p);
    if (rc) {
        sqlx_stmt_free(&st);
        return rc;
    }
    *out = st;
    return 0;
}

static void free_list(char **list, int n) {
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void sqlx_stmt_free(sqlx_stmt *st) {
    if (st == NULL)
        return;
    free(st->sqlite_sql);
    free(st->plan);
    free_list(st->param_names, st->n_params);
    free_list(st->collections, st->n_collections);
    free_list(st->aliases, st->n_aliases);
    free_list(st->column_names, st->n_columns);
    memset(st, 0, sizeof *st);
}

static char **copy_list(char *const *from, int n_from, int *n) {
    char **items = from != NULL ? calloc((size_t)n_from + 1, sizeof *items) : NULL;
    *n = 0;
    for (int i = 0; items != NULL && i < n_from; i++) {
        if ((items[i] = strdup(from[i])) == NULL)
            return items;
        *n = i + 1;
    }
    return items;
}

static char *copy_text(const char *s) {
    return s != NULL ? strdup(s) : NULL;
}

int sqlx_stmt_copy(const sqlx_stmt *from, sqlx_stmt *to) {
    *to = *from;
    to->sqlite_sql = copy_text(from->sqlite_sql);
    to->plan = copy_text(from->plan);
    to->param_names = copy_list(from->param_names, from->n_params, &to->n_params);
    to->collections = copy_list(from->collections, from->n_collections, &to->n_collections);
    to->aliases = copy_list(from->aliases, from->n_aliases, &to->n_aliases);
    to->column_names = copy_list(from->column_names, from->n_columns, &to->n_columns);
    if ((from->sqlite_sql != NULL && to->sqlite_sql == NULL) ||
        (from->plan != NULL && to->plan == NULL) ||
        (from->param_names != NULL && to->n_params < from->n_params) ||
        (from->collections != NULL && to->n_collections < from->n_collections) ||
        (from->aliases != NULL && to->n_aliases < from->n_aliases) ||
        (from->column_names != NULL && to->n_columns < from->n_columns) ||
        (from->param_names != NULL && to->param_names == NULL) ||
        (from->collections != NULL && to->collections == NULL) ||
        (from->aliases != NULL && to->aliases == NULL) ||
        (from->column_names != NULL && to->column_names == NULL)) {
        sqlx_stmt_free(to);
        return RS_ENOMEM;
    }
    return 0;
}

int sqlx_register_functions(sqlite3 *db) {
    return rt_catalog_register(db);
}

int sqlx_bind_param(sqlite3_stmt *stmt, int idx, const char *name, const char *type,
                    const char *value, rs_err *err) {
    return rt_bind_param(stmt, idx, name, type, value, err);
}
