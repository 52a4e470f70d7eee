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

static void move_names(sqlx_names *from, char ***items, int *n) {
    *items = from->items;
    *n = from->n;
    memset(from, 0, sizeof *from);
}

int sqlx_translate(const char *sql, const sqlx_options *opts, sqlx_resolve_fn resolve,
                   void *resolve_ctx, sqlx_stmt *out, rs_err *err) {
    sqlx_arena arena = {NULL, 0};
    sqlx_ctx ctx;
    sqlx_ast ast;
    rs_buf sqlbuf = RS_BUF_INIT, planbuf = RS_BUF_INIT;
    sqlx_stmt st;
    rs_err local_err;
    int rc;
    if (err == NULL)
        err = &local_err;
    rs_err_clear(err);
    memset(&st, 0, sizeof st);
    sqlx_ctx_init(&ctx, resolve, resolve_ctx, opts, &arena);
    rc = sqlx_parse(sql ? sql : "", &arena, &ast, err);
    if (rc)
        goto done;
    st.kind = ast.kind;
    st.explain = ast.explain;
    /* textual order; views add theirs while being emitted */
    for (int i = 0; i < ast.n_params; i++) {
        if (sqlx_names_add(&ctx.params, ast.params[i])) {
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
            goto done;
        }
    }
    if (ast.kind != SQLX_SELECT &&
        (rc = resolve_target(&ast, resolve, resolve_ctx, &ctx, &st, err)))
        goto done;
    if (ast.explain)
        ctx.explain = &planbuf;
    if (ast.kind != SQLX_DESCRIBE) {
        int64_t limit = ast.kind == SQLX_INSERT ? -1 : opts ? opts->default_row_limit : 0;
        rc = sqlx_translate_select(&ctx, ast.sel, limit, &sqlbuf, err);
        if (rc)
            goto done;
        st.sqlite_sql = rs_buf_detach(&sqlbuf);
        if (st.sqlite_sql == NULL) {
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
            goto done;
        }
        st.has_limit = ast.sel->limit != NULL;
        if (ast.explain && (st.plan = rs_buf_detach(&planbuf)) == NULL) {
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
            goto done;
        }
    }
    if (arena.oom) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    st.index_form = ctx.index_form;
    move_names(&ctx.params, &st.param_names, &st.n_params);
    move_names(&ctx.collections, &st.collections, &st.n_collections);
    move_names(&ctx.aliases, &st.aliases, &st.n_aliases);
    if (!ctx.columns_star && ast.kind == SQLX_SELECT)
        move_names(&ctx.columns, &st.column_names, &st.n_columns);
    *out = st;
    memset(&st, 0, sizeof st);
done:
    sqlx_stmt_free(&st);
    sqlx_ctx_free(&ctx);
    rs_buf_free(&sqlbuf);
    rs_buf_free(&planbuf);
    sqlx_arena_free(&arena);
    return rc;
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

int sqlx_register_functions(sqlite3 *db) {
    return rt_catalog_register(db);
}

int sqlx_bind_param(sqlite3_stmt *stmt, int idx, const char *name, const char *type,
                    const char *value, rs_err *err) {
    return rt_bind_param(stmt, idx, name, type, value, err);
}
