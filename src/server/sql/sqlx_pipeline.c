/*
 * sqlx_pipeline.c - one translation's stages in order (sqlx_int.h): MIN and MAX subqueries as
 * top-N and semi-join reduction of the parse tree, bind, plan, rewrite,
 * access paths, print. Each stage reads what the ones before it recorded; none reads text a
 * later one printed.
 */
#include "sqlx_access.h"
#include "sqlx_bind.h"
#include "sqlx_emit.h"
#include "sqlx_minmax.h"
#include "sqlx_rules.h"
#include "sqlx_semijoin.h"

#include <string.h>

void sqlx_ctx_init(sqlx_ctx *ctx, sqlx_resolve_fn resolve, void *resolve_ctx,
                   const sqlx_options *opts, sqlx_arena *arena) {
    memset(ctx, 0, sizeof *ctx);
    ctx->resolve = resolve;
    ctx->resolve_ctx = resolve_ctx;
    ctx->param_text = opts ? opts->param_text : NULL;
    ctx->param_value = opts ? opts->param_value : NULL;
    ctx->param_ctx = opts ? opts->param_ctx : NULL;
    ctx->arena = arena;
}

void sqlx_ctx_free(sqlx_ctx *ctx) {
    sqlx_names_free(&ctx->params);
    sqlx_names_free(&ctx->collections);
    sqlx_names_free(&ctx->aliases);
    sqlx_names_free(&ctx->columns);
}

int sqlx_prepare_select(sqlx_ctx *ctx, sqlx_select *sel, rs_err *err) {
    int rc = sqlx_minmax_rewrite(ctx, sel, err);
    if (rc == 0)
        rc = sqlx_semijoin_rewrite(ctx, sel, err);
    if (rc == 0)
        rc = sqlx_bind_select(ctx, sel, err);
    if (rc == 0)
        rc = sqlx_plan_build(ctx, err);
    if (rc == 0)
        rc = sqlx_rules_apply(ctx, err);
    return rc;
}

int sqlx_finish_sqlite(sqlx_ctx *ctx, sqlx_select *sel, int64_t default_limit, rs_buf *out,
                       rs_err *err) {
    int rc = sqlx_access_plan(ctx, err);
    if (rc == 0)
        rc = sqlx_emit_sqlite(ctx, sel, default_limit, out, err);
    if (rc == 0 && ctx->explain != NULL && sqlx_plan_explain(ctx, sel->block, ctx->explain))
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    if (rc == 0 && ctx->arena->oom)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    return rc;
}

int sqlx_translate_select(sqlx_ctx *ctx, sqlx_select *sel, int64_t default_limit, rs_buf *out,
                          rs_err *err) {
    int rc = sqlx_prepare_select(ctx, sel, err);
    return rc ? rc : sqlx_finish_sqlite(ctx, sel, default_limit, out, err);
}
