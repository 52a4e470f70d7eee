/*
 * sqlx_parse.c - recursive-descent parser of the Rockset SQL subset into an AST (sqlx_int.h).
 *
 * Grammar (keywords case-insensitive; quoted identifiers are never keywords):
 *   statement  := query | DESCRIBE name | INSERT INTO name query
 *   query      := [WITH cte {, cte}] set_expr [ORDER BY order {, order}]
 *                 [LIMIT e [OFFSET e] | OFFSET e]
 *   set_expr   := set_term {(UNION [ALL|DISTINCT] | EXCEPT [DISTINCT]) set_term}
 *   set_term   := set_prim {INTERSECT [DISTINCT] set_prim}
 *   set_prim   := select_core | '(' query ')'
 *   select_core:= SELECT [DISTINCT|ALL] item {, item} [FROM from {, from}] [WHERE e]
 *                 [GROUP BY e {, e}] [HAVING e]
 *   expr       := or-expr with the usual SQL precedence: OR < AND < NOT < comparison/IS/IN/
 *                 BETWEEN/LIKE < + - || < * / % < unary - + < postfix [i] .f < primary
 * Constructs Rockset has but we do not (window functions, UNNEST, INTERVAL, TABLE(), FIELD(),
 * LATERAL, ...) are recognised here and rejected with RS_EUNSUPPORTED naming them.
 */
#include "sqlx_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct parser {
    sqlx_token *toks;
    int pos;
    sqlx_arena *a;
    rs_err *err;
    int depth;
    sqlx_ast *ast; /* receives the :names in textual order */
} parser;

#define MAX_DEPTH 200

static sqlx_select *parse_query(parser *ps);
static sqlx_node *parse_expr(parser *ps);
static sqlx_node *parse_unary(parser *ps);
static int parse_order_list(parser *ps, sqlx_order **order, int *n_order);
static sqlx_node *parse_count(parser *ps, const char *clause);

/* Words that end an expression or a FROM item, so they are never taken as a bare alias. */
static const char *const reserved_words[] = {
    "SELECT",  "FROM",      "WHERE",  "GROUP",   "HAVING", "ORDER",    "LIMIT", "OFFSET",
    "UNION",   "INTERSECT", "EXCEPT", "JOIN",    "INNER",  "LEFT",     "RIGHT", "FULL",
    "CROSS",   "ON",        "USING",  "AS",      "AND",    "OR",       "NOT",   "WITH",
    "BY",      "ASC",       "DESC",   "NULLS",   "IN",     "IS",       "LIKE",  "BETWEEN",
    "CASE",    "WHEN",      "THEN",   "ELSE",    "END",    "DISTINCT", "ALL",   "OUTER",
    "NATURAL", "LATERAL",   "WINDOW", "QUALIFY", "NULL",   "TRUE",     "FALSE", "EXISTS",
    "OVER",    "INTO",      "VALUES", "CLUSTER", "HINT",   "FETCH",    NULL};

/* Words that cannot be an unquoted identifier (field, collection, alias name): they carry the
 * structure of a statement. Other keywords (LEFT, VALUES, WINDOW, ...) may name fields. */
static const char *const structural_words[] = {
    "SELECT",    "FROM",   "WHERE", "GROUP",   "HAVING", "ORDER", "LIMIT", "OFFSET", "UNION",
    "INTERSECT", "EXCEPT", "JOIN",  "ON",      "AS",     "AND",   "OR",    "NOT",    "WITH",
    "CASE",      "WHEN",   "THEN",  "ELSE",    "END",    "NULL",  "TRUE",  "FALSE",  "DISTINCT",
    "IN",        "IS",     "LIKE",  "BETWEEN", "EXISTS", NULL};

static sqlx_token *cur(parser *ps) {
    return &ps->toks[ps->pos];
}

static int is_kw(const sqlx_token *t, const char *kw) {
    return t->kind == TK_IDENT && strcasecmp(t->text, kw) == 0;
}

static int is_op(const sqlx_token *t, const char *op) {
    return t->kind == TK_OP && strcmp(t->text, op) == 0;
}

static int is_reserved(const sqlx_token *t) {
    if (t->kind != TK_IDENT)
        return 0;
    for (int i = 0; reserved_words[i]; i++)
        if (strcasecmp(t->text, reserved_words[i]) == 0)
            return 1;
    return 0;
}

static int is_structural(const sqlx_token *t) {
    if (t->kind != TK_IDENT)
        return 0;
    for (int i = 0; structural_words[i]; i++)
        if (strcasecmp(t->text, structural_words[i]) == 0)
            return 1;
    return 0;
}

static int accept_kw(parser *ps, const char *kw) {
    if (is_kw(cur(ps), kw)) {
        ps->pos++;
        return 1;
    }
    return 0;
}

static int accept_op(parser *ps, const char *op) {
    if (is_op(cur(ps), op)) {
        ps->pos++;
        return 1;
    }
    return 0;
}

/* Record a syntax error at the current token (first error wins). */
static void *syntax_error(parser *ps, const char *expected) {
    const sqlx_token *t = cur(ps);
    if (ps->err->code)
        return NULL;
    if (t->kind == TK_EOF)
        sqlx_error(ps->err, RS_EINVAL, t->line, t->column,
                   "syntax error: expected %s, found end of input", expected);
    else
        sqlx_error(ps->err, RS_EINVAL, t->line, t->column, "syntax error: expected %s, found '%s'",
                   expected, t->text);
    return NULL;
}

static void *unsupported(parser *ps, const sqlx_token *t, const char *what) {
    if (!ps->err->code)
        sqlx_error(ps->err, RS_EUNSUPPORTED, t->line, t->column,
                   "unsupported SQL: %s not supported by rockset-local", what);
    return NULL;
}

static void *oom(parser *ps) {
    if (!ps->err->code)
        rs_err_set(ps->err, RS_ENOMEM, "out of memory");
    return NULL;
}

static int expect_kw(parser *ps, const char *kw) {
    if (accept_kw(ps, kw))
        return 1;
    syntax_error(ps, kw);
    return 0;
}

static int expect_op(parser *ps, const char *op) {
    if (accept_op(ps, op))
        return 1;
    char what[8];
    snprintf(what, sizeof what, "'%s'", op);
    syntax_error(ps, what);
    return 0;
}

static sqlx_node *new_node(parser *ps, sqlx_node_kind kind, const sqlx_token *at) {
    sqlx_node *n = sqlx_alloc(ps->a, sizeof *n);
    if (n == NULL)
        return oom(ps);
    n->kind = kind;
    n->line = at->line;
    n->column = at->column;
    return n;
}

/* Growable arena arrays: double by copying (arena memory is never freed piecemeal). */
static int grow(parser *ps, void **arr, int n, size_t elem) {
    if (n == 0 || (n & (n - 1)) == 0) {
        int cap = n ? n * 2 : 4;
        void *fresh = sqlx_alloc(ps->a, (size_t)cap * elem);
        if (fresh == NULL) {
            oom(ps);
            return 0;
        }
        if (n)
            memcpy(fresh, *arr, (size_t)n * elem);
        *arr = fresh;
    }
    return 1;
}

static int push_node(parser *ps, sqlx_node ***list, int *n, sqlx_node *item) {
    if (!grow(ps, (void **)list, *n, sizeof **list))
        return 0;
    (*list)[(*n)++] = item;
    return 1;
}

/* Parse one expression and append it to fn's argument list; 0 on failure. */
static int parse_arg_into(parser *ps, sqlx_node *fn) {
    sqlx_node *arg = parse_expr(ps);
    return arg != NULL && push_node(ps, &fn->list, &fn->n_list, arg);
}

static int push_name(parser *ps, const char ***list, int *n, const char *item) {
    if (!grow(ps, (void **)list, *n, sizeof **list))
        return 0;
    (*list)[(*n)++] = item;
    return 1;
}

/* An identifier (bare, not reserved, or quoted). */
static const char *parse_ident(parser *ps, const char *what) {
    sqlx_token *t = cur(ps);
    if (t->kind == TK_QIDENT || (t->kind == TK_IDENT && !is_structural(t))) {
        ps->pos++;
        return t->text;
    }
    return syntax_error(ps, what);
}

/* ---------------- expressions ---------------- */

static int parse_expr_list(parser *ps, sqlx_node ***list, int *n) {
    do {
        sqlx_node *e = parse_expr(ps);
        if (e == NULL || !push_node(ps, list, n, e))
            return 0;
    } while (accept_op(ps, ","));
    return 1;
}

static sqlx_node *parse_func_args(parser *ps, sqlx_node *fn) {
    if (accept_op(ps, ")"))
        return fn;
    if (is_op(cur(ps), "*")) {
        ps->pos++;
        fn->star = 1;
        return expect_op(ps, ")") ? fn : NULL;
    }
    if (accept_kw(ps, "DISTINCT"))
        fn->distinct = 1;
    do {
        sqlx_node *arg = parse_expr(ps);
        if (arg == NULL || !push_node(ps, &fn->list, &fn->n_list, arg))
            return NULL;
    } while (accept_op(ps, ","));
    if (is_kw(cur(ps), "ORDER")) {
        ps->pos++;
        if (!expect_kw(ps, "BY") || !parse_order_list(ps, &fn->agg_order, &fn->n_agg_order))
            return NULL;
    }
    if (accept_kw(ps, "LIMIT") && (fn->agg_limit = parse_count(ps, "LIMIT")) == NULL)
        return NULL;
    if (accept_kw(ps, "OFFSET") && (fn->agg_offset = parse_count(ps, "OFFSET")) == NULL)
        return NULL;
    return expect_op(ps, ")") ? fn : NULL;
}

/* The parts rs_extract (runtime/fn_time.c) knows. */
static int is_extract_part(const sqlx_token *t) {
    static const char *const parts[] = {"YEAR",      "QUARTER",     "MONTH",      "DAY",
                                        "DAYOFWEEK", "DAYOFYEAR",   "WEEK",       "ISOWEEK",
                                        "ISOYEAR",   "DATE",        "HOUR",       "MINUTE",
                                        "SECOND",    "MILLISECOND", "MICROSECOND"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (is_kw(t, parts[i]))
            return 1;
    return 0;
}

/* A type's size: (n) or (precision, scale), digits only. *scale gets the scale, or -1. An
 * extension beyond Rockset (docs/rockset-local.md): what dbt projects write for the common
 * warehouses, varchar(20) or numeric(16, 2). */
static int parse_type_size(parser *ps, long long *scale) {
    *scale = -1;
    if (!accept_op(ps, "("))
        return 1;
    if (cur(ps)->kind != TK_INT)
        return syntax_error(ps, "a type size") != NULL;
    ps->pos++;
    if (accept_op(ps, ",")) {
        if (cur(ps)->kind != TK_INT)
            return syntax_error(ps, "a type scale") != NULL;
        *scale = strtoll(cur(ps)->text, NULL, 10);
        ps->pos++;
    }
    return expect_op(ps, ")");
}

/* A type name after AS or ::; `double precision` is two words; a size in parentheses is read
 * (parse_type_size) and its scale put in *scale (-1: none). */
static const char *parse_type_name(parser *ps, long long *scale) {
    sqlx_token *t = cur(ps);
    const char *name = t->text;
    if (t->kind != TK_IDENT)
        return syntax_error(ps, "a type name");
    ps->pos++;
    if (is_kw(t, "DOUBLE") && accept_kw(ps, "PRECISION"))
        name = "double precision";
    else if ((is_kw(t, "CHARACTER") || is_kw(t, "CHAR")) && accept_kw(ps, "VARYING"))
        name = "varchar";
    return parse_type_size(ps, scale) ? name : NULL;
}

static sqlx_node *int_literal(parser *ps, const sqlx_token *at, long long value);

/* numeric(p, s) / decimal(p, s) as a float rounded to s digits, ROUND(CAST(x AS numeric), s):
 * Rockset has no fixed-point type; the rounding keeps what the scale is written for. Any
 * other cast is returned as it is. */
static sqlx_node *cast_to_scale(parser *ps, sqlx_node *cast, long long scale) {
    sqlx_node *fn, *digits;
    if (cast == NULL || scale < 0 ||
        (strcasecmp(cast->name, "numeric") != 0 && strcasecmp(cast->name, "decimal") != 0))
        return cast;
    fn = new_node(ps, N_FUNC, &(sqlx_token){.line = cast->line, .column = cast->column});
    digits = fn != NULL
                 ? int_literal(ps, &(sqlx_token){.line = cast->line, .column = cast->column}, scale)
                 : NULL;
    if (digits == NULL || !push_node(ps, &fn->list, &fn->n_list, cast) ||
        !push_node(ps, &fn->list, &fn->n_list, digits))
        return NULL;
    fn->name = "ROUND";
    fn->text = cast->text; /* an unaliased CAST(...) keeps its column name */
    return fn;
}

/* The CAST keywords and their rs_cast mode (fn_cond.c): plain, TRY, STATIC, TRY_STATIC. */
static int cast_mode(const sqlx_token *t) {
    static const char *const names[] = {"CAST", "TRY_CAST", "STATIC_CAST", "TRY_STATIC_CAST"};
    for (int i = 0; i < 4; i++)
        if (is_kw(t, names[i]))
            return i;
    return -1;
}

/* CAST(x AS type) and its TRY_ / STATIC_ forms; EXTRACT(part FROM x); SUBSTRING(s FROM a
 * [FOR b]). */
static sqlx_node *parse_special_call(parser *ps, const sqlx_token *name_tok) {
    if (cast_mode(name_tok) >= 0) {
        sqlx_node *n = new_node(ps, N_CAST, name_tok);
        if (n == NULL)
            return NULL;
        n->ival = cast_mode(name_tok);
        n->text = name_tok->text; /* names the unaliased item: ?CAST */
        long long scale;
        n->a = parse_expr(ps);
        if (n->a == NULL || !expect_kw(ps, "AS") || (n->name = parse_type_name(ps, &scale)) == NULL)
            return NULL;
        return expect_op(ps, ")") ? cast_to_scale(ps, n, scale) : NULL;
    }
    if (is_kw(name_tok, "EXTRACT")) {
        sqlx_node *n = new_node(ps, N_EXTRACT, name_tok);
        if (n == NULL)
            return NULL;
        if (cur(ps)->kind != TK_IDENT)
            return syntax_error(ps, "a date/time part");
        if (!is_extract_part(cur(ps))) {
            sqlx_error(ps->err, RS_EINVAL, cur(ps)->line, cur(ps)->column,
                       "EXTRACT: unknown part '%s'", cur(ps)->text);
            return NULL;
        }
        n->name = cur(ps)->text;
        ps->pos++;
        if (!expect_kw(ps, "FROM"))
            return NULL;
        n->a = parse_expr(ps);
        if (n->a == NULL)
            return NULL;
        return expect_op(ps, ")") ? n : NULL;
    }
    /* SUBSTRING(s FROM a [FOR b]) */
    sqlx_node *fn = new_node(ps, N_FUNC, name_tok);
    if (fn == NULL || !parse_arg_into(ps, fn))
        return NULL;
    fn->name = name_tok->text;
    if (accept_kw(ps, "FROM")) {
        if (!parse_arg_into(ps, fn))
            return NULL;
        if (accept_kw(ps, "FOR") && !parse_arg_into(ps, fn))
            return NULL;
        return expect_op(ps, ")") ? fn : NULL;
    }
    while (accept_op(ps, ",")) {
        if (!parse_arg_into(ps, fn))
            return NULL;
    }
    return expect_op(ps, ")") ? fn : NULL;
}

/* One frame bound: UNBOUNDED PRECEDING|FOLLOWING, CURRENT ROW, n PRECEDING|FOLLOWING. */
static int parse_frame_bound(parser *ps, rs_buf *frame, int *offset) {
    sqlx_token *t = cur(ps);
    if (accept_kw(ps, "CURRENT")) {
        rs_buf_puts(frame, "CURRENT ROW");
        return expect_kw(ps, "ROW");
    }
    if (accept_kw(ps, "UNBOUNDED")) {
        rs_buf_puts(frame, "UNBOUNDED ");
    } else if (t->kind == TK_INT) {
        rs_buf_printf(frame, "%s ", t->text);
        *offset = 1;
        ps->pos++;
    } else {
        syntax_error(ps, "UNBOUNDED, CURRENT ROW or a row count");
        return 0;
    }
    if (accept_kw(ps, "PRECEDING")) {
        rs_buf_puts(frame, "PRECEDING");
        return 1;
    }
    if (!expect_kw(ps, "FOLLOWING"))
        return 0;
    rs_buf_puts(frame, "FOLLOWING");
    return 1;
}

/* [ROWS | RANGE] (BETWEEN bound AND bound | bound), kept as SQLite text. */
static int parse_frame(parser *ps, sqlx_window *w) {
    rs_buf frame = RS_BUF_INIT;
    int offset = 0, ok;
    int range = is_kw(cur(ps), "RANGE");
    rs_buf_puts(&frame, range ? "RANGE " : "ROWS ");
    ps->pos++;
    if (accept_kw(ps, "BETWEEN")) {
        rs_buf_puts(&frame, "BETWEEN ");
        ok = parse_frame_bound(ps, &frame, &offset) && expect_kw(ps, "AND");
        rs_buf_puts(&frame, " AND ");
        ok = ok && parse_frame_bound(ps, &frame, &offset);
    } else {
        ok = parse_frame_bound(ps, &frame, &offset);
    }
    if (ok && frame.oom) {
        oom(ps);
        ok = 0;
    }
    if (ok) {
        w->frame = sqlx_strndup(ps->a, frame.data, frame.len);
        w->range_offset = range && offset;
        ok = w->frame != NULL || oom(ps) != NULL;
    }
    rs_buf_free(&frame);
    return ok;
}

/* fn OVER ([PARTITION BY e, ...] [ORDER BY o, ...] [frame]) */
static sqlx_node *parse_over(parser *ps, sqlx_node *fn) {
    ps->pos++;                                                     /* OVER */
    if (cur(ps)->kind == TK_IDENT || cur(ps)->kind == TK_QIDENT) { /* OVER w: a named window */
        for (int i = ps->pos; ps->toks[i].kind != TK_EOF; i++)
            if (is_kw(&ps->toks[i], "WINDOW"))
                return unsupported(ps, &ps->toks[i], "WINDOW clauses are");
        return unsupported(ps, cur(ps), "named windows are");
    }
    if (!expect_op(ps, "("))
        return NULL;
    fn->over = sqlx_alloc(ps->a, sizeof *fn->over);
    if (fn->over == NULL)
        return oom(ps);
    if (is_kw(cur(ps), "PARTITION")) {
        ps->pos++;
        if (!expect_kw(ps, "BY") ||
            !parse_expr_list(ps, &fn->over->partition, &fn->over->n_partition))
            return NULL;
    }
    if (is_kw(cur(ps), "ORDER")) {
        ps->pos++;
        if (!expect_kw(ps, "BY") || !parse_order_list(ps, &fn->over->order, &fn->over->n_order))
            return NULL;
    }
    if ((is_kw(cur(ps), "ROWS") || is_kw(cur(ps), "RANGE")) && !parse_frame(ps, fn->over))
        return NULL;
    return expect_op(ps, ")") ? fn : NULL;
}

static sqlx_node *parse_call(parser *ps, const sqlx_token *name_tok) {
    sqlx_node *fn;
    ps->pos++; /* '(' */
    if (cast_mode(name_tok) >= 0 || is_kw(name_tok, "EXTRACT") || is_kw(name_tok, "SUBSTRING"))
        fn = parse_special_call(ps, name_tok);
    else if (is_kw(name_tok, "TABLE"))
        return unsupported(ps, name_tok, "TABLE() outside FROM is");
    else if ((fn = new_node(ps, N_FUNC, name_tok)) != NULL) {
        fn->name = name_tok->text;
        fn = parse_func_args(ps, fn);
    }
    if (fn != NULL && is_kw(cur(ps), "OVER") && fn->kind == N_FUNC)
        return parse_over(ps, fn);
    return fn;
}

/* INTERVAL n unit, INTERVAL 'n' unit: the interval function of that unit (DAYS(n), MONTHS(n)). */
/* An interval constructor call: MONTHS(count) etc., written INTERVAL. */
static sqlx_node *interval_call(parser *ps, const sqlx_token *at, const char *fn_name,
                                sqlx_node *count) {
    sqlx_node *fn = new_node(ps, N_FUNC, at);
    if (fn == NULL || !push_node(ps, &fn->list, &fn->n_list, count))
        return NULL;
    fn->name = fn_name;
    fn->text = "INTERVAL";
    return fn;
}

static sqlx_node *int_literal(parser *ps, const sqlx_token *at, long long value) {
    char digits[24];
    sqlx_node *n = new_node(ps, N_LIT_INT, at);
    snprintf(digits, sizeof digits, "%lld", value);
    if (n != NULL && (n->text = sqlx_strndup(ps->a, digits, strlen(digits))) == NULL)
        return oom(ps);
    return n;
}

/* INTERVAL 'y-m' YEAR TO MONTH: y * 12 + m months (the sign in front applies to both). */
static sqlx_node *parse_year_to_month(parser *ps, const sqlx_token *at, const char *text) {
    long long years = 0, months = 0;
    int sign = 1, end = 0;
    if (*text == '-' || *text == '+')
        sign = *text++ == '-' ? -1 : 1;
    if (sscanf(text, "%lld-%lld%n", &years, &months, &end) != 2 || text[end] != '\0' || years < 0 ||
        months < 0 || months > 11 || years > 100000000)
        return NULL;
    ps->pos += 3; /* YEAR TO MONTH */
    return interval_call(ps, at, "MONTHS", int_literal(ps, at, sign * (years * 12 + months)));
}

static void *bad_interval(parser *ps, const sqlx_token *at, const char *text) {
    if (!ps->err->code)
        sqlx_error(ps->err, RS_EINVAL, at->line, at->column, "'%s' is not a valid INTERVAL", text);
    return NULL;
}

/* INTERVAL n UNIT / INTERVAL 'n' UNIT (units singular or plural; QUARTER is 3 months) and
 * INTERVAL 'y-m' YEAR TO MONTH, as the interval constructor calls. */
static sqlx_node *parse_interval(parser *ps) {
    static const char *const units[][3] = {{"MICROSECOND", "MICROSECONDS", "MICROSECONDS"},
                                           {"MILLISECOND", "MILLISECONDS", "MILLISECONDS"},
                                           {"SECOND", "SECONDS", "SECONDS"},
                                           {"MINUTE", "MINUTES", "MINUTES"},
                                           {"HOUR", "HOURS", "HOURS"},
                                           {"DAY", "DAYS", "DAYS"},
                                           {"WEEK", "WEEKS", "WEEKS"},
                                           {"MONTH", "MONTHS", "MONTHS"},
                                           {"QUARTER", "QUARTERS", "MONTHS"},
                                           {"YEAR", "YEARS", "YEARS"}};
    sqlx_token *at = cur(ps);
    sqlx_node *count;
    ps->pos++;
    if (cur(ps)->kind == TK_STRING) {
        char *end;
        sqlx_token *t = cur(ps);
        ps->pos++;
        if (is_kw(cur(ps), "YEAR") && is_kw(&ps->toks[ps->pos + 1], "TO") &&
            is_kw(&ps->toks[ps->pos + 2], "MONTH")) {
            sqlx_node *ym = parse_year_to_month(ps, at, t->text);
            return ym != NULL || ps->err->code ? ym : bad_interval(ps, at, t->text);
        }
        (void)strtoll(t->text, &end, 10);
        if (*t->text == 0 || *end != 0)
            return bad_interval(ps, at, t->text);
        count = new_node(ps, N_LIT_INT, t);
        if (count != NULL)
            count->text = t->text[0] == '+' ? t->text + 1 : t->text;
    } else {
        count = parse_unary(ps);
    }
    if (count == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (!is_kw(cur(ps), units[i][0]) && !is_kw(cur(ps), units[i][1]))
            continue;
        if (i == 8) { /* QUARTER: count * 3 months */
            sqlx_node *times = new_node(ps, N_BINARY, at);
            if (times == NULL || (times->b = int_literal(ps, at, 3)) == NULL)
                return NULL;
            times->op = "*";
            times->a = count;
            count = times;
        }
        ps->pos++;
        return interval_call(ps, at, units[i][2], count);
    }
    return syntax_error(ps, "an interval unit (MICROSECOND .. YEAR)");
}

/* ident[.ident | [expr]]... ; also DATE 'x' literals and bare CURRENT_* keywords. */
static sqlx_node *parse_array_literal(parser *ps);

static sqlx_node *parse_name_expr(parser *ps) {
    sqlx_token *t = cur(ps);
    static const char *const typed[] = {"DATE", "TIMESTAMP", "DATETIME", "TIME", "BYTES", NULL};
    if (t->kind == TK_IDENT) {
        for (int i = 0; typed[i]; i++) {
            if (is_kw(t, typed[i]) && ps->toks[ps->pos + 1].kind == TK_STRING) {
                sqlx_node *n = new_node(ps, N_LIT_TYPED, t);
                if (n == NULL)
                    return NULL;
                n->name = typed[i];
                n->text = ps->toks[ps->pos + 1].text;
                ps->pos += 2;
                return n;
            }
        }
        if (is_kw(t, "INTERVAL"))
            return parse_interval(ps);
        if (is_kw(t, "UNDEFINED")) {
            ps->pos++;
            return new_node(ps, N_LIT_UNDEFINED, t);
        }
        if (is_kw(t, "ARRAY") && is_op(&ps->toks[ps->pos + 1], "[")) {
            ps->pos++; /* ARRAY[a, b] is the array literal [a, b] */
            return parse_array_literal(ps);
        }
        if (is_op(&ps->toks[ps->pos + 1], "(")) {
            ps->pos++;
            return parse_call(ps, t);
        }
        if (is_kw(t, "CURRENT_TIMESTAMP") || is_kw(t, "CURRENT_DATE")) {
            sqlx_node *fn = new_node(ps, N_FUNC, t);
            if (fn != NULL)
                fn->name = t->text;
            ps->pos++;
            return fn;
        }
    }
    sqlx_node *path = new_node(ps, N_PATH, t);
    const char *first = parse_ident(ps, "an expression");
    if (path == NULL || first == NULL || !push_name(ps, &path->names, &path->n_parts, first))
        return NULL;
    path->n_parts = 0;
    path->index = NULL;
    /* names[] and index[] grow in step: push a NULL index next to each name */
    int n_idx = 0;
    if (!push_node(ps, &path->index, &n_idx, NULL))
        return NULL;
    path->n_parts = 1;
    for (;;) {
        if (is_op(cur(ps), ".") && !is_op(&ps->toks[ps->pos + 1], "*")) {
            ps->pos++;
            const char *name = parse_ident(ps, "a field name");
            int n = path->n_parts;
            if (name == NULL || !push_name(ps, &path->names, &n, name) ||
                !push_node(ps, &path->index, &n_idx, NULL))
                return NULL;
            path->n_parts++;
        } else if (accept_op(ps, "[")) {
            sqlx_node *idx = parse_expr(ps);
            int n = path->n_parts;
            if (idx == NULL || !expect_op(ps, "]") || !push_name(ps, &path->names, &n, NULL) ||
                !push_node(ps, &path->index, &n_idx, idx))
                return NULL;
            path->n_parts++;
        } else {
            return path;
        }
    }
}

static sqlx_node *parse_case(parser *ps) {
    sqlx_node *n = new_node(ps, N_CASE, cur(ps));
    if (n == NULL)
        return NULL;
    ps->pos++;
    if (!is_kw(cur(ps), "WHEN") && !(n->a = parse_expr(ps)))
        return NULL;
    while (accept_kw(ps, "WHEN")) {
        sqlx_node *when = parse_expr(ps), *then;
        if (!when || !expect_kw(ps, "THEN") || !(then = parse_expr(ps)))
            return NULL;
        if (!push_node(ps, &n->list, &n->n_list, when) ||
            !push_node(ps, &n->list, &n->n_list, then))
            return NULL;
    }
    if (n->n_list == 0)
        return syntax_error(ps, "WHEN");
    if (accept_kw(ps, "ELSE") && !(n->b = parse_expr(ps)))
        return NULL;
    return expect_kw(ps, "END") ? n : NULL;
}

static sqlx_node *parse_literal(parser *ps) {
    sqlx_token *t = cur(ps);
    sqlx_node *n = NULL;
    switch (t->kind) {
    case TK_INT:
        n = new_node(ps, N_LIT_INT, t);
        break;
    case TK_FLOAT:
        n = new_node(ps, N_LIT_FLOAT, t);
        break;
    case TK_STRING:
        n = new_node(ps, N_LIT_STRING, t);
        break;
    case TK_PARAM:
        n = new_node(ps, N_PARAM, t);
        if (n != NULL)
            n->name = t->text;
        if (n != NULL && !push_name(ps, &ps->ast->params, &ps->ast->n_params, t->text))
            return NULL;
        break;
    default:
        if (is_kw(t, "TRUE") || is_kw(t, "FALSE")) {
            n = new_node(ps, N_LIT_BOOL, t);
            if (n != NULL)
                n->ival = is_kw(t, "TRUE");
        } else if (is_kw(t, "NULL")) {
            n = new_node(ps, N_LIT_NULL, t);
        } else {
            return NULL;
        }
    }
    if (n != NULL)
        n->text = t->text;
    ps->pos++;
    return n;
}

static sqlx_node *parse_paren(parser *ps) {
    sqlx_token *open = cur(ps);
    ps->pos++;
    if (is_kw(cur(ps), "SELECT") || is_kw(cur(ps), "WITH")) {
        sqlx_node *n = new_node(ps, N_SUBQUERY, open);
        if (!n || !(n->sub = parse_query(ps)) || !expect_op(ps, ")"))
            return NULL;
        return n;
    }
    sqlx_node *inner = parse_expr(ps);
    if (inner == NULL)
        return NULL;
    if (is_op(cur(ps), ","))
        return unsupported(ps, cur(ps), "row constructors (a, b) are");
    return expect_op(ps, ")") ? inner : NULL;
}

/* [e, ...] */
static sqlx_node *parse_array_literal(parser *ps) {
    sqlx_node *n = new_node(ps, N_ARRAY, cur(ps));
    if (n == NULL)
        return NULL;
    ps->pos++;
    if (accept_op(ps, "]"))
        return n;
    if (!parse_expr_list(ps, &n->list, &n->n_list))
        return NULL;
    return expect_op(ps, "]") ? n : NULL;
}

/* {'key': e, ...}; keys are string literals or quoted names */
static sqlx_node *parse_object_literal(parser *ps) {
    sqlx_node *n = new_node(ps, N_OBJECT, cur(ps));
    if (n == NULL)
        return NULL;
    ps->pos++;
    if (accept_op(ps, "}"))
        return n;
    do {
        sqlx_token *k = cur(ps);
        if (k->kind != TK_STRING && k->kind != TK_QIDENT)
            return syntax_error(ps, "a key string");
        sqlx_node *key = new_node(ps, N_LIT_STRING, k);
        if (key == NULL)
            return NULL;
        key->text = k->text;
        ps->pos++;
        if (!expect_op(ps, ":"))
            return NULL;
        sqlx_node *val = parse_expr(ps);
        if (val == NULL || !push_node(ps, &n->list, &n->n_list, key) ||
            !push_node(ps, &n->list, &n->n_list, val))
            return NULL;
    } while (accept_op(ps, ","));
    return expect_op(ps, "}") ? n : NULL;
}

static sqlx_node *parse_primary(parser *ps) {
    sqlx_token *t = cur(ps);
    if (t->kind == TK_INT || t->kind == TK_FLOAT || t->kind == TK_STRING || t->kind == TK_PARAM ||
        is_kw(t, "TRUE") || is_kw(t, "FALSE") || is_kw(t, "NULL"))
        return parse_literal(ps);
    if (is_op(t, "("))
        return parse_paren(ps);
    if (is_kw(t, "CASE"))
        return parse_case(ps);
    if (is_kw(t, "EXISTS")) {
        sqlx_node *n = new_node(ps, N_EXISTS, t);
        ps->pos++;
        if (!n || !expect_op(ps, "(") || !(n->sub = parse_query(ps)) || !expect_op(ps, ")"))
            return NULL;
        return n;
    }
    if (is_op(t, "["))
        return parse_array_literal(ps);
    if (is_op(t, "{"))
        return parse_object_literal(ps);
    if (t->kind == TK_IDENT || t->kind == TK_QIDENT)
        return parse_name_expr(ps);
    return syntax_error(ps, "an expression");
}

static sqlx_node *binary(parser *ps, const sqlx_token *op_tok, const char *op, sqlx_node *l,
                         sqlx_node *r);

/* Subscripts on a non-path expression: f(x)[1], (expr).field. */
static sqlx_node *parse_postfix(parser *ps) {
    sqlx_node *e = parse_primary(ps);
    while (e && (is_op(cur(ps), "[") || (is_op(cur(ps), ".") && e->kind != N_PATH))) {
        sqlx_node *s = new_node(ps, N_SUBSCRIPT, cur(ps));
        if (s == NULL)
            return NULL;
        s->a = e;
        if (accept_op(ps, "[")) {
            s->b = parse_expr(ps);
            if (s->b == NULL || !expect_op(ps, "]"))
                return NULL;
        } else {
            ps->pos++;
            s->name = parse_ident(ps, "a field name");
            if (s->name == NULL)
                return NULL;
        }
        e = s;
    }
    while (e != NULL && is_op(cur(ps), "::")) { /* x::type */
        sqlx_node *c = new_node(ps, N_CAST, cur(ps));
        if (c == NULL)
            return NULL;
        long long scale;
        ps->pos++;
        if ((c->name = parse_type_name(ps, &scale)) == NULL)
            return NULL;
        c->a = e;
        e = cast_to_scale(ps, c, scale);
    }
    while (e != NULL && is_kw(cur(ps), "AT") && is_kw(&ps->toks[ps->pos + 1], "TIME") &&
           is_kw(&ps->toks[ps->pos + 2], "ZONE")) {
        sqlx_token *at = cur(ps);
        ps->pos += 3;
        sqlx_node *zone = parse_primary(ps);
        e = zone != NULL ? binary(ps, at, "AT TIME ZONE", e, zone) : NULL;
    }
    return e;
}

static sqlx_node *parse_unary(parser *ps) {
    sqlx_token *t = cur(ps);
    if (is_op(t, "-") || is_op(t, "+")) {
        ps->pos++;
        if (++ps->depth > MAX_DEPTH)
            return unsupported(ps, t, "expressions nested this deeply are");
        sqlx_node *operand = parse_unary(ps);
        ps->depth--;
        if (operand == NULL)
            return NULL;
        /* fold -literal so that -9223372036854775808 stays an exact int */
        if (is_op(t, "-") && (operand->kind == N_LIT_INT || operand->kind == N_LIT_FLOAT) &&
            operand->text[0] != '-') {
            size_t len = strlen(operand->text);
            char *neg = sqlx_alloc(ps->a, len + 2);
            if (neg == NULL)
                return oom(ps);
            neg[0] = '-';
            memcpy(neg + 1, operand->text, len);
            operand->text = neg;
            operand->line = t->line;
            operand->column = t->column;
            return operand;
        }
        sqlx_node *n = new_node(ps, N_UNARY, t);
        if (n == NULL)
            return NULL;
        n->op = t->text;
        n->a = operand;
        return n;
    }
    return parse_postfix(ps);
}

static sqlx_node *binary(parser *ps, const sqlx_token *op_tok, const char *op, sqlx_node *l,
                         sqlx_node *r) {
    sqlx_node *n = new_node(ps, N_BINARY, op_tok);
    if (n == NULL)
        return NULL;
    n->op = op;
    n->a = l;
    n->b = r;
    return n;
}

static sqlx_node *parse_mul(parser *ps) {
    sqlx_node *l = parse_unary(ps);
    while (l && (is_op(cur(ps), "*") || is_op(cur(ps), "/") || is_op(cur(ps), "%"))) {
        sqlx_token *op = cur(ps);
        ps->pos++;
        sqlx_node *r = parse_unary(ps);
        l = r ? binary(ps, op, op->text, l, r) : NULL;
    }
    return l;
}

static sqlx_node *parse_add(parser *ps) {
    sqlx_node *l = parse_mul(ps);
    while (l && (is_op(cur(ps), "+") || is_op(cur(ps), "-") || is_op(cur(ps), "||"))) {
        sqlx_token *op = cur(ps);
        ps->pos++;
        sqlx_node *r = parse_mul(ps);
        l = r ? binary(ps, op, op->text, l, r) : NULL;
    }
    return l;
}

static sqlx_node *parse_in(parser *ps, sqlx_node *l, const sqlx_token *at, int negated) {
    sqlx_node *n;
    if (!expect_op(ps, "("))
        return NULL;
    if (is_kw(cur(ps), "SELECT") || is_kw(cur(ps), "WITH")) {
        n = new_node(ps, N_INSUB, at);
        if (n == NULL)
            return NULL;
        n->sub = parse_query(ps);
        if (n->sub == NULL)
            return NULL;
    } else {
        n = new_node(ps, N_INLIST, at);
        if (n == NULL)
            return NULL;
        do {
            sqlx_node *item = parse_expr(ps);
            if (item == NULL || !push_node(ps, &n->list, &n->n_list, item))
                return NULL;
        } while (accept_op(ps, ","));
    }
    n->a = l;
    n->negated = negated;
    return expect_op(ps, ")") ? n : NULL;
}

/* One comparison-level suffix on l (IS, IN, BETWEEN, LIKE, =, <...), or l itself. */
static sqlx_node *parse_cmp_suffix(parser *ps, sqlx_node *l, int *matched) {
    static const char *const cmp_ops[] = {"=", "<>", "!=", "<=", ">=", "<", ">", NULL};
    sqlx_token *t = cur(ps);
    *matched = 1;
    if (accept_kw(ps, "IS")) {
        sqlx_node *n = new_node(ps, N_ISNULL, t);
        if (n == NULL)
            return NULL;
        n->negated = accept_kw(ps, "NOT");
        if (accept_kw(ps, "DISTINCT")) {
            if (!expect_kw(ps, "FROM") || !(n->b = parse_add(ps)))
                return NULL;
            n->kind = N_DISTINCT;
        } else if (accept_kw(ps, "UNDEFINED")) {
            n->ival = 1;
        } else if (is_kw(cur(ps), "TRUE") || is_kw(cur(ps), "FALSE")) {
            n->name = is_kw(cur(ps), "TRUE") ? "TRUE" : "FALSE"; /* IS [NOT] TRUE/FALSE */
            ps->pos++;
        } else if (!accept_kw(ps, "NULL")) {
            return syntax_error(ps, "NULL, UNDEFINED, TRUE, FALSE or DISTINCT FROM");
        }
        n->a = l;
        return n;
    }
    int negated = 0;
    if (is_kw(t, "NOT") &&
        (is_kw(&ps->toks[ps->pos + 1], "IN") || is_kw(&ps->toks[ps->pos + 1], "BETWEEN") ||
         is_kw(&ps->toks[ps->pos + 1], "LIKE") || is_kw(&ps->toks[ps->pos + 1], "ILIKE"))) {
        negated = 1;
        ps->pos++;
    }
    sqlx_token *kw = cur(ps);
    if (accept_kw(ps, "IN"))
        return parse_in(ps, l, kw, negated);
    if (accept_kw(ps, "BETWEEN")) {
        sqlx_node *n = new_node(ps, N_BETWEEN, kw);
        if (!n || !(n->b = parse_add(ps)) || !expect_kw(ps, "AND") || !(n->c = parse_add(ps)))
            return NULL;
        n->a = l;
        n->negated = negated;
        return n;
    }
    if (is_kw(kw, "LIKE") || is_kw(kw, "ILIKE")) {
        sqlx_node *n = new_node(ps, N_LIKE, kw);
        ps->pos++;
        if (n == NULL || !(n->b = parse_add(ps)))
            return NULL;
        n->name = is_kw(kw, "ILIKE") ? "ILIKE" : NULL;
        if (accept_kw(ps, "ESCAPE") && !(n->c = parse_add(ps)))
            return NULL;
        n->a = l;
        n->negated = negated;
        return n;
    }
    for (int i = 0; cmp_ops[i]; i++) {
        if (is_op(t, cmp_ops[i])) {
            ps->pos++;
            sqlx_node *r = parse_add(ps);
            return r ? binary(ps, t, strcmp(t->text, "!=") == 0 ? "<>" : t->text, l, r) : NULL;
        }
    }
    *matched = 0;
    return l;
}

static sqlx_node *parse_cmp(parser *ps) {
    sqlx_node *l = parse_add(ps);
    int matched = 1;
    while (l && matched)
        l = parse_cmp_suffix(ps, l, &matched);
    return l;
}

static sqlx_node *parse_not(parser *ps) {
    sqlx_token *t = cur(ps);
    if (accept_kw(ps, "NOT")) {
        sqlx_node *n = new_node(ps, N_UNARY, t);
        if (++ps->depth > MAX_DEPTH)
            return unsupported(ps, t, "expressions nested this deeply are");
        if (!n || !(n->a = parse_not(ps)))
            return NULL;
        ps->depth--;
        n->op = "NOT";
        return n;
    }
    return parse_cmp(ps);
}

static sqlx_node *parse_and(parser *ps) {
    sqlx_node *l = parse_not(ps);
    while (l && is_kw(cur(ps), "AND")) {
        sqlx_token *op = cur(ps);
        ps->pos++;
        sqlx_node *r = parse_not(ps);
        l = r ? binary(ps, op, "AND", l, r) : NULL;
    }
    return l;
}

static sqlx_node *parse_expr(parser *ps) {
    if (++ps->depth > MAX_DEPTH) {
        ps->depth--;
        return unsupported(ps, cur(ps), "expressions nested this deeply are");
    }
    sqlx_node *l = parse_and(ps);
    while (l && is_kw(cur(ps), "OR")) {
        sqlx_token *op = cur(ps);
        ps->pos++;
        sqlx_node *r = parse_and(ps);
        l = r ? binary(ps, op, "OR", l, r) : NULL;
    }
    ps->depth--;
    return l;
}

/* ---------------- SELECT ---------------- */

static int parse_star_except(parser *ps, sqlx_node *star) {
    if (!accept_kw(ps, "EXCEPT"))
        return 1;
    if (!expect_op(ps, "("))
        return 0;
    do {
        const char *name = parse_ident(ps, "a field name");
        if (name == NULL || !push_name(ps, &star->except, &star->n_except, name))
            return 0;
    } while (accept_op(ps, ","));
    return expect_op(ps, ")");
}

static int parse_item(parser *ps, sqlx_item *item) {
    sqlx_token *t = cur(ps);
    memset(item, 0, sizeof *item);
    if (is_op(t, "*") ||
        ((t->kind == TK_IDENT || t->kind == TK_QIDENT) && is_op(&ps->toks[ps->pos + 1], ".") &&
         is_op(&ps->toks[ps->pos + 2], "*"))) {
        sqlx_node *star = new_node(ps, N_STAR, t);
        if (star == NULL)
            return 0;
        if (!is_op(t, "*")) {
            star->name = t->text;
            ps->pos += 2;
        }
        ps->pos++;
        item->expr = star;
        return parse_star_except(ps, star);
    }
    item->expr = parse_expr(ps);
    if (item->expr == NULL)
        return 0;
    if (item->expr->kind == N_PATH && is_op(cur(ps), ".") && is_op(&ps->toks[ps->pos + 1], "*")) {
        sqlx_node *star = new_node(ps, N_STAR, t); /* x.y.*: the members of an object */
        if (star == NULL)
            return 0;
        star->a = item->expr;
        item->expr = star;
        ps->pos += 2;
        return parse_star_except(ps, star);
    }
    if (accept_kw(ps, "AS"))
        return (item->alias = parse_ident(ps, "an alias")) != NULL;
    if (cur(ps)->kind == TK_QIDENT || (cur(ps)->kind == TK_IDENT && !is_reserved(cur(ps))))
        item->alias = cur(ps)->text, ps->pos++;
    return 1;
}

static sqlx_from *new_from(parser *ps, sqlx_from_kind kind, const sqlx_token *at) {
    sqlx_from *f = sqlx_alloc(ps->a, sizeof *f);
    if (f == NULL)
        return oom(ps);
    f->kind = kind;
    f->line = at->line;
    f->column = at->column;
    return f;
}

static int parse_table_alias(parser *ps, sqlx_from *f) {
    if (accept_kw(ps, "AS"))
        return (f->alias = parse_ident(ps, "an alias")) != NULL;
    if (cur(ps)->kind == TK_QIDENT || (cur(ps)->kind == TK_IDENT && !is_reserved(cur(ps)))) {
        f->alias = cur(ps)->text;
        ps->pos++;
    }
    return 1;
}

/* HINT(name = value, ...): accepted; on a collection, access_path = column_scan |
 * index_filter is kept (f->access_path), and after a join's ON, join_strategy (f is the
 * join): both choose the engine (sqlx_duck.h); other hints change no answer here and are
 * ignored. */
static int skip_hint(parser *ps, sqlx_from *f) {
    int depth = 1;
    if (!is_kw(cur(ps), "HINT") || !is_op(&ps->toks[ps->pos + 1], "("))
        return 1;
    ps->pos += 2;
    while (depth > 0) {
        sqlx_token *t = cur(ps);
        if (t->kind == TK_EOF) {
            syntax_error(ps, "')' to close HINT(");
            return 0;
        }
        if (f != NULL && depth == 1 && is_op(&ps->toks[ps->pos + 1], "=") &&
            ps->toks[ps->pos + 2].kind == TK_IDENT) {
            if (is_kw(t, "access_path"))
                f->access_path = ps->toks[ps->pos + 2].text;
            else if (is_kw(t, "join_strategy"))
                f->join_strategy = ps->toks[ps->pos + 2].text;
        }
        depth += is_op(t, "(") ? 1 : is_op(t, ")") ? -1 : 0;
        ps->pos++;
    }
    return 1;
}

/* TABLESAMPLE BERNOULLI (percentage), 0 to 100. */
static int parse_tablesample(parser *ps, sqlx_from *f) {
    if (!accept_kw(ps, "TABLESAMPLE"))
        return 1;
    if (!expect_kw(ps, "BERNOULLI") || !expect_op(ps, "("))
        return 0;
    sqlx_token *t = cur(ps);
    if (t->kind != TK_INT && t->kind != TK_FLOAT) {
        syntax_error(ps, "a percentage");
        return 0;
    }
    double pct = strtod(t->text, NULL);
    if (pct < 0 || pct > 100) {
        sqlx_error(ps->err, RS_EINVAL, t->line, t->column,
                   "TABLESAMPLE percentage must be between 0 and 100, got %s", t->text);
        return 0;
    }
    ps->pos++;
    f->sample_pct = pct;
    f->has_sample = 1;
    return expect_op(ps, ")");
}

/* What may follow a collection or subquery in FROM: hints, TABLESAMPLE and an alias, in the
 * orders production SQL writes them. */
static int parse_from_suffix(parser *ps, sqlx_from *f) {
    if (!skip_hint(ps, f) || !parse_tablesample(ps, f) || !parse_table_alias(ps, f))
        return 0;
    return skip_hint(ps, f) && parse_tablesample(ps, f);
}

static sqlx_from *parse_from_item(parser *ps);

/* UNNEST(e [AS name], ... [WITH ORDINALITY [AS name]]) [AS alias] */
static sqlx_from *parse_unnest(parser *ps) {
    sqlx_from *f = new_from(ps, F_UNNEST, cur(ps));
    if (f == NULL)
        return NULL;
    ps->pos += 2;
    do {
        int n = f->n_arrays;
        sqlx_node *e = parse_expr(ps);
        const char *name = NULL;
        if (e == NULL)
            return NULL;
        if (accept_kw(ps, "AS") && (name = parse_ident(ps, "a name")) == NULL)
            return NULL;
        if (!push_node(ps, &f->arrays, &f->n_arrays, e) || !push_name(ps, &f->names, &n, name))
            return NULL;
    } while (accept_op(ps, ","));
    if (f->n_arrays > 8)
        return unsupported(ps, cur(ps), "UNNEST of more than 8 arrays is");
    if (accept_kw(ps, "WITH")) {
        if (!expect_kw(ps, "ORDINALITY"))
            return NULL;
        f->ordinality = "ordinality";
        if (accept_kw(ps, "AS") && (f->ordinality = parse_ident(ps, "a name")) == NULL)
            return NULL;
    }
    if (!expect_op(ps, ")"))
        return NULL;
    return parse_from_suffix(ps, f) ? f : NULL;
}

/* One part of TABLE([...]): a string, or a :parameter (recorded in *param). */
static const char *table_part(parser *ps, const char **param) {
    sqlx_token *t = cur(ps);
    *param = NULL;
    if (t->kind == TK_STRING) {
        ps->pos++;
        return t->text;
    }
    if (t->kind != TK_PARAM)
        return syntax_error(ps, "a string or :parameter in TABLE([...])");
    if (!push_name(ps, &ps->ast->params, &ps->ast->n_params, t->text))
        return NULL;
    ps->pos++;
    *param = t->text;
    return t->text;
}

/* TABLE(['ws', 'coll']) / TABLE(['coll']) / TABLE([:ws, :coll]): a collection named by
 * values, parameters included (the emitter reads their values). */
static sqlx_from *parse_table_function(parser *ps) {
    sqlx_from *f = new_from(ps, F_TABLE, cur(ps));
    if (f == NULL)
        return NULL;
    ps->pos += 2; /* TABLE ( */
    if (!expect_op(ps, "[") || (f->name = table_part(ps, &f->name_param)) == NULL)
        return NULL;
    if (accept_op(ps, ",")) {
        f->ws = f->name;
        f->ws_param = f->name_param;
        if ((f->name = table_part(ps, &f->name_param)) == NULL)
            return NULL;
    }
    if (!expect_op(ps, "]") || !expect_op(ps, ")"))
        return NULL;
    return parse_from_suffix(ps, f) ? f : NULL;
}

static sqlx_from *parse_from_primary(parser *ps) {
    sqlx_token *t = cur(ps);
    sqlx_from *f;
    if (is_op(t, "(")) {
        ps->pos++;
        if (!is_kw(cur(ps), "SELECT") && !is_kw(cur(ps), "WITH")) {
            if (++ps->depth > MAX_DEPTH)
                return unsupported(ps, t, "joins nested this deeply are");
            f = parse_from_item(ps); /* a parenthesised join */
            ps->depth--;
            return f != NULL && expect_op(ps, ")") ? f : NULL;
        }
        f = new_from(ps, F_SUBQUERY, t);
        if (f == NULL)
            return NULL;
        f->sub = parse_query(ps);
        if (f->sub == NULL || !expect_op(ps, ")"))
            return NULL;
        return parse_from_suffix(ps, f) ? f : NULL;
    }
    if (is_kw(t, "UNNEST") && is_op(&ps->toks[ps->pos + 1], "("))
        return parse_unnest(ps);
    if (is_kw(t, "LATERAL"))
        return unsupported(ps, t, "LATERAL is");
    if (is_kw(t, "TABLE") && is_op(&ps->toks[ps->pos + 1], "("))
        return parse_table_function(ps);
    f = new_from(ps, F_TABLE, t);
    if (f == NULL)
        return NULL;
    f->name = parse_ident(ps, "a collection name");
    if (f->name == NULL)
        return NULL;
    if (accept_op(ps, ".")) {
        f->ws = f->name;
        f->name = parse_ident(ps, "a collection name");
        if (f->name == NULL)
            return NULL;
        if (is_op(cur(ps), "."))
            return syntax_error(ps, "an alias (names have at most two parts: workspace.name)");
    }
    return parse_from_suffix(ps, f) ? f : NULL;
}

/* Join keyword sequence -> normalised join type, or NULL when the next token is no join. */
static const char *parse_join_type(parser *ps) {
    static const struct {
        const char *first, *second, *type;
    } forms[] = {{"JOIN", NULL, "JOIN"},         {"INNER", "JOIN", "JOIN"},
                 {"LEFT", "JOIN", "LEFT JOIN"},  {"RIGHT", "JOIN", "RIGHT JOIN"},
                 {"FULL", "JOIN", "FULL JOIN"},  {"CROSS", "JOIN", "CROSS JOIN"},
                 {"LEFT", "OUTER", "LEFT JOIN"}, {"RIGHT", "OUTER", "RIGHT JOIN"},
                 {"FULL", "OUTER", "FULL JOIN"}};
    if (is_kw(cur(ps), "NATURAL"))
        return unsupported(ps, cur(ps), "NATURAL JOIN is");
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        if (!is_kw(cur(ps), forms[i].first))
            continue;
        if (forms[i].second != NULL && !is_kw(&ps->toks[ps->pos + 1], forms[i].second))
            continue;
        ps->pos += forms[i].second ? 2 : 1;
        if (strcmp(forms[i].second ? forms[i].second : "", "OUTER") == 0 && !expect_kw(ps, "JOIN"))
            return NULL;
        return forms[i].type;
    }
    return NULL;
}

static int parse_join_condition(parser *ps, sqlx_from *j) {
    if (strcmp(j->join_type, "CROSS JOIN") == 0)
        return 1;
    if (j->right->kind == F_UNNEST && !is_kw(cur(ps), "ON") && !is_kw(cur(ps), "USING")) {
        if (strcmp(j->join_type, "JOIN") == 0) /* JOIN UNNEST(...) needs no condition */
            j->join_type = "CROSS JOIN";
        return 1;
    }
    if (accept_kw(ps, "ON"))
        return (j->on = parse_expr(ps)) != NULL;
    if (accept_kw(ps, "USING")) {
        if (!expect_op(ps, "("))
            return 0;
        do {
            const char *name = parse_ident(ps, "a field name");
            if (name == NULL || !push_name(ps, &j->using_names, &j->n_using, name))
                return 0;
        } while (accept_op(ps, ","));
        return expect_op(ps, ")");
    }
    syntax_error(ps, "ON or USING");
    return 0;
}

static sqlx_from *parse_from_item(parser *ps) {
    sqlx_from *left = parse_from_primary(ps);
    while (left != NULL) {
        sqlx_token *t = cur(ps);
        const char *type = parse_join_type(ps);
        if (type == NULL)
            return ps->err->code ? NULL : left;
        sqlx_from *j = new_from(ps, F_JOIN, t);
        if (j == NULL)
            return NULL;
        j->join_type = type;
        j->left = left;
        j->right = parse_from_primary(ps);
        if (j->right == NULL || !parse_join_condition(ps, j) || !skip_hint(ps, j))
            return NULL;
        left = j;
    }
    return NULL;
}

static sqlx_from *parse_from_list(parser *ps) {
    sqlx_from *left = parse_from_item(ps);
    while (left && is_op(cur(ps), ",")) {
        sqlx_token *t = cur(ps);
        ps->pos++;
        sqlx_from *j = new_from(ps, F_JOIN, t);
        if (!j || !(j->right = parse_from_item(ps)))
            return NULL;
        j->join_type = "CROSS JOIN";
        j->left = left;
        left = j;
    }
    return left;
}

/* A comma may end a select list (Rockset accepts it and production SQL relies on it): the list
 * ends when the next token starts a clause or closes the query. */
static int ends_select_list(parser *ps) {
    static const char *const enders[] = {"FROM",   "WHERE", "GROUP",  "HAVING",    "ORDER", "LIMIT",
                                         "OFFSET", "UNION", "EXCEPT", "INTERSECT", NULL};
    sqlx_token *t = cur(ps);
    if (t->kind == TK_EOF || is_op(t, ")") || is_op(t, ";"))
        return 1;
    for (int i = 0; enders[i] != NULL; i++)
        if (is_kw(t, enders[i]))
            return 1;
    return 0;
}

/* ---------------- GROUP BY ---------------- */

/* Grouping sets are bitmasks over s->group, so a SELECT groups by at most 64 distinct
 * expressions; each set becomes one GROUP BY of a UNION ALL, and SQLite caps a compound
 * SELECT at 500 terms. */
#define MAX_GROUPING_SETS 256

/* A grouping element's sets (bitmasks over s->group). */
typedef struct gset_list {
    uint64_t *sets;
    int n;
} gset_list;

static int same_text(const char *a, const char *b) {
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int same_nodes(sqlx_node *const *a, sqlx_node *const *b, int n) {
    for (int i = 0; i < n; i++)
        if (!sqlx_same_node(a[i], b[i]))
            return 0;
    return 1;
}

/* Structural equality, so that `GROUP BY ROLLUP (a), a` groups by a once. */
int sqlx_same_node(const sqlx_node *a, const sqlx_node *b) {
    if (a == b)
        return 1;
    if (a == NULL || b == NULL || a->kind != b->kind || a->sub != NULL || b->sub != NULL ||
        a->over != NULL || b->over != NULL || a->n_agg_order || b->n_agg_order)
        return 0;
    if (!same_text(a->text, b->text) || !same_text(a->op, b->op) || a->ival != b->ival ||
        a->negated != b->negated || a->distinct != b->distinct || a->star != b->star ||
        a->n_list != b->n_list || a->n_parts != b->n_parts)
        return 0;
    if (a->kind == N_FUNC || a->kind == N_EXTRACT || a->kind == N_CAST) {
        if (a->name == NULL || b->name == NULL || strcasecmp(a->name, b->name) != 0)
            return 0;
    } else if (!same_text(a->name, b->name)) {
        return 0;
    }
    for (int i = 0; i < a->n_parts; i++)
        if (!same_text(a->names[i], b->names[i]) ||
            (a->names[i] == NULL && !sqlx_same_node(a->index[i], b->index[i])))
            return 0;
    return sqlx_same_node(a->a, b->a) && sqlx_same_node(a->b, b->b) && sqlx_same_node(a->c, b->c) &&
           same_nodes(a->list, b->list, a->n_list);
}

/* The position of e in s->group, appending it when new; -1 on error. */
static int group_position(parser *ps, sqlx_select *s, sqlx_node *e) {
    for (int i = 0; i < s->n_group; i++)
        if (sqlx_same_node(s->group[i], e))
            return i;
    if (s->n_group == 64) {
        unsupported(ps, cur(ps), "grouping sets over more than 64 expressions are");
        return -1;
    }
    return push_node(ps, &s->group, &s->n_group, e) ? s->n_group - 1 : -1;
}

/* "( e, ... )" (possibly empty) as positions in s->group, in order; *n = -1 on error. */
static int *parse_group_columns(parser *ps, sqlx_select *s, int *n) {
    int *pos = NULL;
    *n = -1;
    if (!expect_op(ps, "("))
        return NULL;
    int count = 0;
    if (!is_op(cur(ps), ")")) {
        do {
            sqlx_node *e = parse_expr(ps);
            int at = e ? group_position(ps, s, e) : -1;
            if (at < 0 || !grow(ps, (void **)&pos, count, sizeof *pos))
                return NULL;
            pos[count++] = at;
        } while (accept_op(ps, ","));
    }
    if (!expect_op(ps, ")"))
        return NULL;
    *n = count;
    return pos;
}

static int gset_push(parser *ps, gset_list *l, uint64_t set) {
    if (l->n == MAX_GROUPING_SETS) {
        unsupported(ps, cur(ps), "more than 256 grouping sets are");
        return 0;
    }
    if (!grow(ps, (void **)&l->sets, l->n, sizeof *l->sets))
        return 0;
    l->sets[l->n++] = set;
    return 1;
}

static uint64_t mask_of(const int *pos, int n) {
    uint64_t m = 0;
    for (int i = 0; i < n; i++)
        m |= (uint64_t)1 << pos[i];
    return m;
}

/* ROLLUP (a, b, c): (a, b, c), (a, b), (a), (). */
static int parse_rollup(parser *ps, sqlx_select *s, gset_list *out) {
    int n;
    int *pos = parse_group_columns(ps, s, &n);
    if (n < 0)
        return 0;
    for (int k = n; k >= 0; k--)
        if (!gset_push(ps, out, mask_of(pos, k)))
            return 0;
    return 1;
}

/* CUBE (a, b): every subset, the fullest first: (a, b), (a), (b), (). */
static int parse_cube(parser *ps, const sqlx_token *at, sqlx_select *s, gset_list *out) {
    int n;
    int *pos = parse_group_columns(ps, s, &n);
    if (n < 0)
        return 0;
    if (n > 8)
        return unsupported(ps, at, "CUBE of more than 8 expressions is") != NULL;
    for (int bits = (1 << n) - 1; bits >= 0; bits--) {
        uint64_t m = 0;
        for (int i = 0; i < n; i++)
            if (bits & (1 << (n - 1 - i)))
                m |= (uint64_t)1 << pos[i];
        if (!gset_push(ps, out, m))
            return 0;
    }
    return 1;
}

/* GROUPING SETS ( (a, b), a, (), ... ). */
static int parse_grouping_sets(parser *ps, sqlx_select *s, gset_list *out) {
    if (!expect_op(ps, "("))
        return 0;
    do {
        int n, at;
        if (is_op(cur(ps), "(")) {
            int *pos = parse_group_columns(ps, s, &n);
            if (n < 0 || !gset_push(ps, out, mask_of(pos, n)))
                return 0;
            continue;
        }
        sqlx_node *e = parse_expr(ps);
        if (e == NULL || (at = group_position(ps, s, e)) < 0 ||
            !gset_push(ps, out, (uint64_t)1 << at))
            return 0;
    } while (accept_op(ps, ","));
    return expect_op(ps, ")");
}

/* One grouping element as its list of sets; *special = 1 unless it is a plain expression. */
static int parse_group_element(parser *ps, sqlx_select *s, gset_list *out, int *special) {
    *special = 1;
    if (is_op(cur(ps), "(") && is_op(&ps->toks[ps->pos + 1], ")")) {
        ps->pos += 2; /* (): one group of all rows */
        return gset_push(ps, out, 0);
    }
    if (accept_kw(ps, "ROLLUP"))
        return parse_rollup(ps, s, out);
    if (accept_kw(ps, "CUBE"))
        return parse_cube(ps, &ps->toks[ps->pos - 1], s, out);
    if (is_kw(cur(ps), "GROUPING") && is_kw(&ps->toks[ps->pos + 1], "SETS")) {
        ps->pos += 2;
        return parse_grouping_sets(ps, s, out);
    }
    *special = 0;
    sqlx_node *e = parse_expr(ps);
    int at = e ? group_position(ps, s, e) : -1;
    return at >= 0 && gset_push(ps, out, (uint64_t)1 << at);
}

/* Grouping elements combine as a cross product: GROUP BY a, ROLLUP (b) = (a, b), (a). */
static int cross_sets(parser *ps, gset_list *acc, const gset_list *element, int distinct) {
    gset_list next = {0};
    for (int i = 0; i < acc->n; i++)
        for (int j = 0; j < element->n; j++) {
            uint64_t set = acc->sets[i] | element->sets[j];
            int seen = 0;
            for (int k = 0; distinct && k < next.n && !seen; k++)
                seen = next.sets[k] == set;
            if (!seen && !gset_push(ps, &next, set))
                return 0;
        }
    *acc = next;
    return 1;
}

/* GROUP BY [ALL | DISTINCT] element, ...: s->group holds the distinct expressions; grouping
 * sets are recorded only when an element is not a plain expression. */
static int parse_group_by(parser *ps, sqlx_select *s) {
    gset_list acc = {0};
    int any_special = 0, distinct = 0;
    ps->pos++;
    if (!expect_kw(ps, "BY"))
        return 0;
    s->grouped = 1;
    if (accept_kw(ps, "DISTINCT"))
        distinct = 1;
    else if (is_kw(cur(ps), "ALL") && !is_op(&ps->toks[ps->pos + 1], "("))
        ps->pos++;
    if (!gset_push(ps, &acc, 0))
        return 0;
    do {
        gset_list element = {0};
        int special;
        if (!parse_group_element(ps, s, &element, &special) ||
            !cross_sets(ps, &acc, &element, distinct))
            return 0;
        any_special |= special;
    } while (accept_op(ps, ","));
    if (any_special) {
        s->gsets = acc.sets;
        s->n_gsets = acc.n;
    }
    return 1;
}

/* CLUSTER BY e, ...: an ingest transformation's storage order (sqlx_ingest.c). */
static int parse_cluster_by(parser *ps, sqlx_select *s) {
    s->cluster_line = cur(ps)->line;
    s->cluster_column = cur(ps)->column;
    ps->pos++;
    if (!expect_kw(ps, "BY"))
        return 0;
    do {
        sqlx_node *e = parse_expr(ps);
        if (e == NULL || !push_node(ps, &s->cluster, &s->n_cluster, e))
            return 0;
    } while (accept_op(ps, ","));
    return 1;
}

static sqlx_select *parse_select_core(parser *ps) {
    sqlx_token *t = cur(ps);
    sqlx_select *s = sqlx_alloc(ps->a, sizeof *s);
    if (s == NULL)
        return oom(ps);
    s->line = t->line;
    s->column = t->column;
    if (!expect_kw(ps, "SELECT"))
        return NULL;
    if (accept_kw(ps, "DISTINCT"))
        s->distinct = 1;
    else
        accept_kw(ps, "ALL");
    int cap_items = 0;
    do {
        if (cap_items == s->n_items) {
            cap_items = cap_items ? cap_items * 2 : 8;
            sqlx_item *items = sqlx_alloc(ps->a, (size_t)cap_items * sizeof *items);
            if (items == NULL)
                return oom(ps);
            if (s->n_items)
                memcpy(items, s->items, (size_t)s->n_items * sizeof *items);
            s->items = items;
        }
        if (!parse_item(ps, &s->items[s->n_items]))
            return NULL;
        s->n_items++;
    } while (accept_op(ps, ",") && !ends_select_list(ps));
    if (accept_kw(ps, "FROM") && !(s->from = parse_from_list(ps)))
        return NULL;
    if (accept_kw(ps, "WHERE") && !(s->where = parse_expr(ps)))
        return NULL;
    if (is_kw(cur(ps), "GROUP") && !parse_group_by(ps, s))
        return NULL;
    if (accept_kw(ps, "HAVING") && !(s->having = parse_expr(ps)))
        return NULL;
    if (is_kw(cur(ps), "CLUSTER") && !parse_cluster_by(ps, s))
        return NULL;
    if (is_kw(cur(ps), "WINDOW"))
        return unsupported(ps, cur(ps), "WINDOW clauses are");
    if (is_kw(cur(ps), "QUALIFY"))
        return unsupported(ps, cur(ps), "QUALIFY is");
    return s;
}

static sqlx_select *parse_set_primary(parser *ps) {
    if (accept_op(ps, "(")) {
        sqlx_select *s = parse_query(ps);
        return s && expect_op(ps, ")") ? s : NULL;
    }
    return parse_select_core(ps);
}

static sqlx_select *compound(parser *ps, const sqlx_token *at, const char *op, sqlx_select *l,
                             sqlx_select *r) {
    sqlx_select *s = sqlx_alloc(ps->a, sizeof *s);
    if (s == NULL)
        return oom(ps);
    s->compound_op = op;
    s->left = l;
    s->right = r;
    s->line = at->line;
    s->column = at->column;
    return s;
}

static sqlx_select *parse_set_term(parser *ps) {
    sqlx_select *l = parse_set_primary(ps);
    while (l && is_kw(cur(ps), "INTERSECT")) {
        sqlx_token *t = cur(ps);
        ps->pos++;
        const char *op = accept_kw(ps, "ALL") ? "INTERSECT ALL" : "INTERSECT";
        if (strcmp(op, "INTERSECT") == 0)
            accept_kw(ps, "DISTINCT");
        sqlx_select *r = parse_set_primary(ps);
        l = r ? compound(ps, t, op, l, r) : NULL;
    }
    return l;
}

static sqlx_select *parse_set_expr(parser *ps) {
    sqlx_select *l = parse_set_term(ps);
    while (l && (is_kw(cur(ps), "UNION") || is_kw(cur(ps), "EXCEPT"))) {
        sqlx_token *t = cur(ps);
        const char *op = is_kw(t, "UNION") ? "UNION" : "EXCEPT";
        ps->pos++;
        if (accept_kw(ps, "ALL")) {
            op = strcmp(op, "EXCEPT") == 0 ? "EXCEPT ALL" : "UNION ALL";
        } else {
            accept_kw(ps, "DISTINCT");
        }
        sqlx_select *r = parse_set_term(ps);
        l = r ? compound(ps, t, op, l, r) : NULL;
    }
    return l;
}

static int parse_order_by(parser *ps, sqlx_select *s) {
    return parse_order_list(ps, &s->order, &s->n_order);
}

static int parse_order_list(parser *ps, sqlx_order **order, int *n_order) {
    int cap = 0;
    do {
        if (cap == *n_order) {
            cap = cap ? cap * 2 : 4;
            sqlx_order *o = sqlx_alloc(ps->a, (size_t)cap * sizeof *o);
            if (o == NULL) {
                oom(ps);
                return 0;
            }
            if (*n_order)
                memcpy(o, *order, (size_t)*n_order * sizeof *o);
            *order = o;
        }
        sqlx_order *o = &(*order)[*n_order];
        o->expr = parse_expr(ps);
        if (o->expr == NULL)
            return 0;
        if (accept_kw(ps, "DESC"))
            o->desc = 1;
        else
            accept_kw(ps, "ASC");
        if (accept_kw(ps, "NULLS")) {
            if (accept_kw(ps, "FIRST"))
                o->nulls = 1;
            else if (accept_kw(ps, "LAST"))
                o->nulls = 2;
            else
                return syntax_error(ps, "FIRST or LAST") != NULL;
        }
        (*n_order)++;
    } while (accept_op(ps, ","));
    return 1;
}

/* The count of LIMIT or OFFSET: an integer literal or a :parameter, as in Rockset. Anything
 * else would reach SQLite as an expression over the translated query and fail there with a
 * message about SQL the user never wrote. */
static int is_count_expr(const sqlx_node *n) {
    if (n->kind == N_LIT_INT || n->kind == N_PARAM)
        return 1;
    return n->kind == N_BINARY && strchr("+-*/", n->op[0]) != NULL && n->op[1] == 0 &&
           is_count_expr(n->a) && is_count_expr(n->b);
}

static sqlx_node *parse_count(parser *ps, const char *clause) {
    const sqlx_token *t = cur(ps);
    sqlx_node *n = parse_expr(ps);

    if (n == NULL)
        return NULL;
    if (!is_count_expr(n)) {
        if (!ps->err->code)
            sqlx_error(ps->err, RS_EINVAL, t->line, t->column,
                       "%s must be a non-negative integer or a :parameter", clause);
        return NULL;
    }
    if (n->kind == N_LIT_INT && n->text[0] == '-') {
        if (!ps->err->code)
            sqlx_error(ps->err, RS_EINVAL, t->line, t->column,
                       "%s must be a non-negative integer or a :parameter", clause);
        return NULL;
    }
    return n;
}

static int parse_ctes(parser *ps, sqlx_select *s) {
    int cap = 0;
    if (is_kw(cur(ps), "RECURSIVE")) {
        unsupported(ps, cur(ps), "WITH RECURSIVE is");
        return 0;
    }
    do {
        if (cap == s->n_ctes) {
            cap = cap ? cap * 2 : 4;
            sqlx_cte *c = sqlx_alloc(ps->a, (size_t)cap * sizeof *c);
            if (c == NULL) {
                oom(ps);
                return 0;
            }
            if (s->n_ctes)
                memcpy(c, s->ctes, (size_t)s->n_ctes * sizeof *c);
            s->ctes = c;
        }
        sqlx_cte *c = &s->ctes[s->n_ctes];
        c->name = parse_ident(ps, "a CTE name");
        if (c->name == NULL)
            return 0;
        if (is_op(cur(ps), "(")) {
            unsupported(ps, cur(ps), "CTE column lists are");
            return 0;
        }
        if (!expect_kw(ps, "AS") || !expect_op(ps, "(") || !(c->sel = parse_query(ps)) ||
            !expect_op(ps, ")"))
            return 0;
        s->n_ctes++;
    } while (accept_op(ps, ","));
    return 1;
}

static sqlx_select *parse_query(parser *ps) {
    sqlx_select *ctes = NULL;
    if (++ps->depth > MAX_DEPTH)
        return unsupported(ps, cur(ps), "queries nested this deeply are");
    if (accept_kw(ps, "WITH")) {
        ctes = sqlx_alloc(ps->a, sizeof *ctes);
        if (ctes == NULL)
            return oom(ps);
        if (!parse_ctes(ps, ctes))
            return NULL;
    }
    sqlx_select *s = parse_set_expr(ps);
    if (s == NULL)
        return NULL;
    /* a parenthesised operand already carrying ORDER BY/LIMIT gets a wrapper for ours */
    if ((s->n_ctes || s->n_order || s->limit || s->offset) &&
        (ctes || is_kw(cur(ps), "ORDER") || is_kw(cur(ps), "LIMIT") || is_kw(cur(ps), "OFFSET"))) {
        sqlx_select *wrap = compound(ps, cur(ps), "UNION ALL", s, NULL);
        if (wrap == NULL)
            return NULL;
        wrap->compound_op = "WRAP";
        s = wrap;
    }
    if (ctes != NULL) {
        s->ctes = ctes->ctes;
        s->n_ctes = ctes->n_ctes;
    }
    if (is_kw(cur(ps), "ORDER")) {
        ps->pos++;
        if (!expect_kw(ps, "BY") || !parse_order_by(ps, s))
            return NULL;
    }
    if (accept_kw(ps, "LIMIT") && !(s->limit_all = accept_kw(ps, "ALL"))) {
        s->limit = parse_count(ps, "LIMIT");
        if (s->limit == NULL)
            return NULL;
        if (accept_op(ps, ",")) {
            unsupported(ps, &ps->toks[ps->pos - 1], "LIMIT offset, count is");
            return NULL;
        }
    }
    if (accept_kw(ps, "OFFSET") && !(s->offset = parse_count(ps, "OFFSET")))
        return NULL;
    if (is_kw(cur(ps), "FETCH"))
        return unsupported(ps, cur(ps), "FETCH FIRST is");
    ps->depth--;
    return s;
}

static int parse_target(parser *ps, sqlx_ast *out) {
    sqlx_token *t = cur(ps);
    out->target_line = t->line;
    out->target_column = t->column;
    out->target_name = parse_ident(ps, "a collection name");
    if (out->target_name == NULL)
        return 0;
    if (accept_op(ps, ".")) {
        out->target_ws = out->target_name;
        out->target_name = parse_ident(ps, "a collection name");
        if (out->target_name == NULL)
            return 0;
    }
    return 1;
}

static int parse_statement(parser *ps, sqlx_ast *out) {
    sqlx_token *t = cur(ps);
    if (accept_kw(ps, "EXPLAIN")) { /* of a query only: the plan of what would be read */
        t = cur(ps);
        if (!is_kw(t, "SELECT") && !is_kw(t, "WITH") && !is_op(t, "(")) {
            syntax_error(ps, "SELECT or WITH after EXPLAIN");
            return 0;
        }
        out->explain = 1;
    }
    if (accept_kw(ps, "DESCRIBE")) {
        out->kind = SQLX_DESCRIBE;
        if (!parse_target(ps, out))
            return 0;
    } else if (accept_kw(ps, "INSERT")) {
        out->kind = SQLX_INSERT;
        if (!expect_kw(ps, "INTO") || !parse_target(ps, out))
            return 0;
        if (is_op(cur(ps), "(")) {
            unsupported(ps, cur(ps), "INSERT column lists are");
            return 0;
        }
        if (is_kw(cur(ps), "VALUES")) {
            unsupported(ps, cur(ps), "INSERT ... VALUES is");
            return 0;
        }
        out->sel = parse_query(ps);
        if (out->sel == NULL)
            return 0;
    } else if (is_kw(t, "SELECT") || is_kw(t, "WITH") || is_op(t, "(")) {
        out->kind = SQLX_SELECT;
        out->sel = parse_query(ps);
        if (out->sel == NULL)
            return 0;
    } else {
        static const char *const known[] = {"UPDATE", "DELETE", "CREATE", "DROP", "ALTER",
                                            "SHOW",   "VALUES", "SET",    NULL};
        for (int i = 0; known[i]; i++) {
            if (is_kw(t, known[i])) {
                sqlx_error(ps->err, RS_EUNSUPPORTED, t->line, t->column,
                           "unsupported SQL: %s statements are not supported by rockset-local",
                           known[i]);
                return 0;
            }
        }
        syntax_error(ps, "SELECT, WITH, DESCRIBE or INSERT");
        return 0;
    }
    accept_op(ps, ";");
    if (cur(ps)->kind != TK_EOF) {
        syntax_error(ps, "end of statement");
        return 0;
    }
    return 1;
}

int sqlx_parse(const char *sql, sqlx_arena *a, sqlx_ast *out, rs_err *err) {
    parser ps = {NULL, 0, a, err, 0, out};
    int n_toks;
    int rc = sqlx_lex(sql, a, &ps.toks, &n_toks, err);
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    if (!parse_statement(&ps, out))
        return err->code ? err->code : rs_err_set(err, RS_EINTERNAL, "parser failed silently");
    return 0;
}
