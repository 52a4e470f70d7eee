/*
 * tpl_parse.c - recursive descent from tokens to the AST of tpl_internal.h.
 *
 * Expression precedence, loosest first, as in Jinja:
 *   a if b else c  |  or  |  and  |  not  |  == != < <= > >= in, not in  |  + -  |  ~  |
 *   * / // %  |  unary - +  |  postfix: .name [i] f(args) | filter(args) is [not] test
 * Recursion (nested expressions and blocks together) is capped at RS_TPL_MAX_DEPTH.
 */
#include "tpl_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const char *model; /* the template's label */
    const char *src;
    const tpl_token *toks;
    size_t n, pos;
    int depth;
    rs_err *err;
} parser;

static int parse_expr(parser *p, tpl_node **out);
static int parse_or(parser *p, tpl_node **out);
static int parse_unary(parser *p, tpl_node **out);
static int parse_body(parser *p, tpl_node ***body, size_t *n_body, const char *const *enders,
                      const tpl_token *opener, const char *opener_tag, int *which);
static int parse_targets(parser *p, tpl_node *n, const char *what);

void tpl_node_free(tpl_node *n) {
    size_t i;

    if (n == NULL)
        return;
    free(n->str);
    tpl_node_free(n->a);
    tpl_node_free(n->b);
    tpl_node_free(n->c);
    for (i = 0; i < n->n_kids; i++)
        tpl_node_free(n->kids[i]);
    free(n->kids);
    for (i = 0; i < n->n_body; i++)
        tpl_node_free(n->body[i]);
    free(n->body);
    free(n);
}

static const tpl_token *peek(const parser *p) {
    return &p->toks[p->pos];
}

static const tpl_token *next(parser *p) {
    const tpl_token *t = &p->toks[p->pos];
    if (t->kind != TK_EOF)
        p->pos++;
    return t;
}

static int tok_is(const tpl_token *t, int kind, const char *text) {
    size_t n = strlen(text);
    return t->kind == kind && t->len == n && memcmp(t->text, text, n) == 0;
}

static int is_op(const tpl_token *t, const char *text) {
    return tok_is(t, TK_OP, text);
}

static int is_name(const tpl_token *t, const char *text) {
    return tok_is(t, TK_NAME, text);
}

/* How a token is named in "expected X but found Y". */
static void describe(const tpl_token *t, char *out, size_t size) {
    if (t->kind == TK_EOF)
        snprintf(out, size, "end of template");
    else if (t->kind == TK_STRING)
        snprintf(out, size, "a string");
    else if (t->kind == TK_TEXT)
        snprintf(out, size, "text");
    else
        snprintf(out, size, "'%.*s%s'", t->len > 40 ? 40 : (int)t->len, t->text,
                 t->len > 40 ? "..." : "");
}

static int error_at(parser *p, const tpl_token *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int error_at(parser *p, const tpl_token *t, const char *fmt, ...) {
    char msg[300];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return tpl_error_at(p->err, RS_EINVAL, p->model, t->line, t->column, "%s", msg);
}

static int expected(parser *p, const char *what) {
    char found[64];
    describe(peek(p), found, sizeof(found));
    return tpl_error_at(p->err, RS_EINVAL, p->model, peek(p)->line, peek(p)->column,
                        "expected %s but found %s", what, found);
}

static int expect_op(parser *p, const char *op, const char *what) {
    if (!is_op(peek(p), op))
        return expected(p, what);
    next(p);
    return RS_OK;
}

static int nomem(parser *p) {
    return rs_err_set(p->err, RS_ENOMEM, "%s: out of memory", p->model);
}

static int enter(parser *p) {
    if (++p->depth > RS_TPL_MAX_NESTING)
        return tpl_error_at(p->err, RS_EINVAL, p->model, peek(p)->line, peek(p)->column,
                            "template nested too deeply (more than %d levels)", RS_TPL_MAX_NESTING);
    return RS_OK;
}

static tpl_node *node_new(parser *p, int kind, const tpl_token *at) {
    tpl_node *n = calloc(1, sizeof(*n));
    if (n == NULL) {
        nomem(p);
        return NULL;
    }
    n->kind = kind;
    n->line = at->line;
    n->column = at->column;
    return n;
}

/* Append child to an owned array; on failure frees child. */
static int add_node(parser *p, tpl_node ***arr, size_t *n, tpl_node *child) {
    tpl_node **grown = realloc(*arr, (*n + 1) * sizeof(**arr));
    if (grown == NULL) {
        tpl_node_free(child);
        return nomem(p);
    }
    grown[(*n)++] = child;
    *arr = grown;
    return RS_OK;
}

static int set_str(parser *p, tpl_node *n, const char *s, size_t len) {
    n->str = malloc(len + 1);
    if (n->str == NULL)
        return nomem(p);
    if (len)
        memcpy(n->str, s, len);
    n->str[len] = '\0';
    n->len = len;
    return RS_OK;
}

/* Decode a quoted literal: \n \t \r \0 \\ \' \" are escapes; other backslashes stay as written. */
static int decode_string(parser *p, tpl_node *n, const tpl_token *t) {
    size_t i, o = 0;
    int rc = set_str(p, n, t->text + 1, t->len - 2);

    if (rc != RS_OK)
        return rc;
    for (i = 0; i < n->len; i++) {
        char c = n->str[i];
        if (c == '\\' && i + 1 < n->len) {
            char e = n->str[++i];
            switch (e) {
            case 'n':
                c = '\n';
                break;
            case 't':
                c = '\t';
                break;
            case 'r':
                c = '\r';
                break;
            case '0':
                c = '\0';
                break;
            case '\\':
            case '\'':
            case '"':
                c = e;
                break;
            default:
                n->str[o++] = '\\';
                c = e;
            }
        }
        n->str[o++] = c;
    }
    n->str[o] = '\0';
    n->len = o;
    return RS_OK;
}

static int parse_number(parser *p, tpl_node *n, const tpl_token *t) {
    char buf[64];
    size_t i;

    if (t->kind == TK_INT) {
        long long v = 0;
        for (i = 0; i < t->len; i++) {
            int d = t->text[i] - '0';
            if (v > (LLONG_MAX - d) / 10)
                return error_at(p, t, "integer literal too large");
            v = v * 10 + d;
        }
        n->kind = N_INT;
        n->ival = v;
        return RS_OK;
    }
    if (t->len >= sizeof(buf))
        return error_at(p, t, "number literal too long");
    memcpy(buf, t->text, t->len);
    buf[t->len] = '\0';
    n->kind = N_FLOAT;
    n->fval = strtod(buf, NULL);
    return RS_OK;
}

/* Comma-separated expressions up to closer; for lists. Dict literals pass is_dict. */
static int parse_items(parser *p, tpl_node *n, const char *closer, int is_dict) {
    int rc;
    char want[16];

    snprintf(want, sizeof(want), "',' or '%s'", closer);
    while (!is_op(peek(p), closer)) {
        tpl_node *item = NULL;
        rc = parse_expr(p, &item);
        if (rc == RS_OK)
            rc = add_node(p, &n->kids, &n->n_kids, item);
        if (rc == RS_OK && is_dict) {
            rc = expect_op(p, ":", "':'");
            if (rc == RS_OK)
                rc = parse_expr(p, &item);
            if (rc == RS_OK)
                rc = add_node(p, &n->kids, &n->n_kids, item);
        }
        if (rc != RS_OK)
            return rc;
        if (is_op(peek(p), ","))
            next(p);
        else if (!is_op(peek(p), closer))
            return expected(p, want);
    }
    next(p);
    return RS_OK;
}

/* Call or filter arguments after '(' : positional first, then name=value. */
static int parse_args(parser *p, tpl_node *n) {
    int seen_kw = 0, rc;

    while (!is_op(peek(p), ")")) {
        tpl_node *arg = NULL;
        const tpl_token *t = peek(p);
        if (is_op(t, "*") || is_op(t, "**")) {
            /* f(*list, **dict): the items become positional / keyword arguments */
            arg = node_new(p, N_SPLAT, t);
            if (arg == NULL)
                return RS_ENOMEM;
            arg->ival = t->len == 1 ? 1 : 2;
            next(p);
            rc = parse_expr(p, &arg->a);
        } else if (t->kind == TK_NAME && is_op(&p->toks[p->pos + 1], "=")) {
            arg = node_new(p, N_KWARG, t);
            if (arg == NULL)
                return RS_ENOMEM;
            rc = set_str(p, arg, t->text, t->len);
            p->pos += 2;
            if (rc == RS_OK)
                rc = parse_expr(p, &arg->a);
            seen_kw = 1;
        } else {
            if (seen_kw)
                return error_at(p, t, "positional argument follows keyword argument");
            rc = parse_expr(p, &arg);
        }
        if (rc != RS_OK) {
            tpl_node_free(arg);
            return rc;
        }
        rc = add_node(p, &n->kids, &n->n_kids, arg);
        if (rc != RS_OK)
            return rc;
        if (is_op(peek(p), ","))
            next(p);
        else if (!is_op(peek(p), ")"))
            return expected(p, "',' or ')'");
    }
    next(p);
    return RS_OK;
}

static int parse_literal_name(parser *p, tpl_node *n, const tpl_token *t) {
    if (is_name(t, "true") || is_name(t, "True") || is_name(t, "false") || is_name(t, "False")) {
        n->kind = N_BOOL;
        n->ival = t->text[0] == 't' || t->text[0] == 'T';
        return RS_OK;
    }
    if (is_name(t, "none") || is_name(t, "None")) {
        n->kind = N_NONE;
        return RS_OK;
    }
    n->kind = N_NAME;
    return set_str(p, n, t->text, t->len);
}

/* '(' expr ')' or a tuple '(a, b)' / '()', which is a list here. */
static int parse_paren(parser *p, const tpl_token *open, tpl_node **out) {
    tpl_node *first = NULL, *list;
    int rc;

    next(p);
    if (!is_op(peek(p), ")")) {
        rc = parse_expr(p, &first);
        if (rc != RS_OK)
            return rc;
        if (is_op(peek(p), ")")) {
            next(p);
            *out = first;
            return RS_OK;
        }
        if (!is_op(peek(p), ",")) {
            tpl_node_free(first);
            return expected(p, "',' or ')'");
        }
        next(p);
    }
    list = node_new(p, N_LIST, open);
    if (list == NULL) {
        tpl_node_free(first);
        return RS_ENOMEM;
    }
    rc = first ? add_node(p, &list->kids, &list->n_kids, first) : RS_OK;
    if (rc == RS_OK)
        rc = parse_items(p, list, ")", 0);
    if (rc != RS_OK) {
        tpl_node_free(list);
        return rc;
    }
    *out = list;
    return RS_OK;
}

static int parse_primary(parser *p, tpl_node **out) {
    const tpl_token *t = peek(p);
    tpl_node *n;
    int rc;

    if (is_op(t, "("))
        return parse_paren(p, t, out);
    if (t->kind != TK_NAME && t->kind != TK_STRING && t->kind != TK_INT && t->kind != TK_FLOAT &&
        !is_op(t, "[") && !is_op(t, "{"))
        return expected(p, "an expression");
    n = node_new(p, N_NONE, t);
    if (n == NULL)
        return RS_ENOMEM;
    next(p);
    if (t->kind == TK_NAME) {
        rc = parse_literal_name(p, n, t);
    } else if (t->kind == TK_STRING) {
        n->kind = N_STR;
        rc = decode_string(p, n, t);
    } else if (t->kind == TK_INT || t->kind == TK_FLOAT) {
        rc = parse_number(p, n, t);
    } else {
        n->kind = is_op(t, "[") ? N_LIST : N_DICT;
        rc = parse_items(p, n, n->kind == N_LIST ? "]" : "}", n->kind == N_DICT);
    }
    if (rc != RS_OK) {
        tpl_node_free(n);
        return rc;
    }
    *out = n;
    return RS_OK;
}

/* Wrap *cur in a new node of kind (a = *cur) positioned at tok. */
static int wrap(parser *p, tpl_node **cur, int kind, const tpl_token *tok) {
    tpl_node *n = node_new(p, kind, tok);
    if (n == NULL)
        return RS_ENOMEM;
    n->a = *cur;
    *cur = n;
    return RS_OK;
}

/* x[start:stop:step] once start (n->b, maybe NULL) is read and ':' is next. */
static int parse_slice_rest(parser *p, tpl_node *n) {
    tpl_node *step = NULL;
    int rc = RS_OK;

    n->kind = N_SLICE;
    next(p);
    if (!is_op(peek(p), ":") && !is_op(peek(p), "]"))
        rc = parse_expr(p, &n->c);
    if (rc == RS_OK && is_op(peek(p), ":")) {
        next(p);
        if (!is_op(peek(p), "]")) {
            rc = parse_expr(p, &step);
            if (rc == RS_OK)
                rc = add_node(p, &n->kids, &n->n_kids, step);
        }
    }
    return rc;
}

static int parse_postfix_one(parser *p, tpl_node **cur, const tpl_token *t) {
    int rc;

    if (is_op(t, ".")) {
        next(p);
        if (peek(p)->kind != TK_NAME)
            return expected(p, "an attribute name");
        rc = wrap(p, cur, N_ATTR, peek(p));
        if (rc == RS_OK)
            rc = set_str(p, *cur, peek(p)->text, peek(p)->len);
        next(p);
        return rc;
    }
    if (is_op(t, "[")) {
        next(p);
        rc = wrap(p, cur, N_INDEX, t);
        if (rc == RS_OK && !is_op(peek(p), ":"))
            rc = parse_expr(p, &(*cur)->b);
        if (rc == RS_OK && is_op(peek(p), ":"))
            rc = parse_slice_rest(p, *cur);
        if (rc == RS_OK)
            rc = expect_op(p, "]", "']'");
        return rc;
    }
    /* '(' : a bare name becomes a call node, a.b a method call; anything else calls the value
     * (adapter.dispatch('x')(args)). */
    next(p);
    if ((*cur)->kind == N_NAME) {
        (*cur)->kind = N_CALL;
    } else if ((*cur)->kind == N_ATTR) {
        (*cur)->kind = N_METHOD;
    } else {
        rc = wrap(p, cur, N_CALLVAL, t);
        if (rc != RS_OK)
            return rc;
    }
    return parse_args(p, *cur);
}

/* Jinja's 'x is divisibleby 3' / 'x is sameas none': a test's single argument written without
 * parentheses; a literal or a name that is not an operator word. */
static int starts_test_arg(const tpl_token *t) {
    static const char *const words[] = {"and", "or", "not", "in", "is", "if", "else", NULL};
    size_t i;

    if (t->kind == TK_STRING || t->kind == TK_INT || t->kind == TK_FLOAT || is_op(t, "[") ||
        is_op(t, "{"))
        return 1;
    if (t->kind != TK_NAME)
        return 0;
    for (i = 0; words[i] != NULL; i++) {
        if (is_name(t, words[i]))
            return 0;
    }
    return 1;
}

/* '| name(args)' and 'is [not] name [(args) | arg]' after a primary. */
static int parse_filter_or_test(parser *p, tpl_node **cur) {
    const tpl_token *t = peek(p);
    int rc, negated = 0;

    next(p);
    if (is_name(t, "is") && is_name(peek(p), "not")) {
        negated = 1;
        next(p);
    }
    if (peek(p)->kind != TK_NAME)
        return expected(p, is_name(t, "is") ? "a test name" : "a filter name");
    rc = wrap(p, cur, is_name(t, "is") ? N_TEST : N_FILTER, peek(p));
    if (rc == RS_OK)
        rc = set_str(p, *cur, peek(p)->text, peek(p)->len);
    (*cur)->ival = negated;
    next(p);
    if (rc == RS_OK && is_op(peek(p), "(")) {
        next(p);
        rc = parse_args(p, *cur);
    } else if (rc == RS_OK && (*cur)->kind == N_TEST && starts_test_arg(peek(p))) {
        tpl_node *arg = NULL;
        rc = parse_primary(p, &arg);
        if (rc == RS_OK)
            rc = add_node(p, &(*cur)->kids, &(*cur)->n_kids, arg);
    }
    return rc;
}

/* Each link of a chain (a.b.c, x|f|g, 1+2+3) nests the AST one level deeper, so it counts
 * against the nesting limit like a parenthesis would. */
static int parse_postfix(parser *p, tpl_node **out) {
    tpl_node *cur = NULL;
    int rc = parse_primary(p, &cur), links = 0;

    while (rc == RS_OK) {
        const tpl_token *t = peek(p);
        int is_postfix = is_op(t, ".") || is_op(t, "[") || is_op(t, "(");
        if (!is_postfix && !is_op(t, "|") && !is_name(t, "is"))
            break;
        links++;
        rc = enter(p);
        if (rc == RS_OK && is_postfix)
            rc = parse_postfix_one(p, &cur, t);
        else if (rc == RS_OK)
            rc = parse_filter_or_test(p, &cur);
    }
    p->depth -= links;
    if (rc != RS_OK) {
        tpl_node_free(cur);
        return rc;
    }
    *out = cur;
    return RS_OK;
}

static int parse_unary(parser *p, tpl_node **out) {
    const tpl_token *t = peek(p);
    tpl_node *n;
    int rc;

    if (!is_op(t, "-") && !is_op(t, "+"))
        return parse_postfix(p, out);
    rc = enter(p);
    if (rc != RS_OK)
        return rc;
    next(p);
    n = node_new(p, N_UNARY, t);
    if (n == NULL)
        return RS_ENOMEM;
    n->op = is_op(t, "-") ? OP_NEG : OP_POS;
    rc = parse_unary(p, &n->a);
    p->depth--;
    if (rc != RS_OK) {
        tpl_node_free(n);
        return rc;
    }
    *out = n;
    return RS_OK;
}

/* Which binary operator at the current token for a precedence level; -1 when none. Sets *width
 * to the tokens it spans ("not in" is two). */
static int binary_op_at(const parser *p, int level, int *width) {
    static const struct {
        int level;
        int kind;
        const char *text;
        int op;
    } table[] = {
        {0, TK_NAME, "or", OP_OR}, {1, TK_NAME, "and", OP_AND}, {2, TK_OP, "==", OP_EQ},
        {2, TK_OP, "!=", OP_NE},   {2, TK_OP, "<", OP_LT},      {2, TK_OP, "<=", OP_LE},
        {2, TK_OP, ">", OP_GT},    {2, TK_OP, ">=", OP_GE},     {2, TK_NAME, "in", OP_IN},
        {3, TK_OP, "+", OP_ADD},   {3, TK_OP, "-", OP_SUB},     {4, TK_OP, "~", OP_CONCAT},
        {5, TK_OP, "*", OP_MUL},   {5, TK_OP, "/", OP_DIV},     {5, TK_OP, "//", OP_FLOORDIV},
        {5, TK_OP, "%", OP_MOD},
    };
    const tpl_token *t = peek(p);
    size_t i;

    *width = 1;
    if (level == 2 && is_name(t, "not") && is_name(&p->toks[p->pos + 1], "in")) {
        *width = 2;
        return OP_NOT_IN;
    }
    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (table[i].level == level && tok_is(t, table[i].kind, table[i].text))
            return table[i].op;
    }
    return -1;
}

static int parse_level(parser *p, int level, tpl_node **out);

/* a ** b binds tighter than * and looser than unary minus, left to right, as in Jinja. */
static int parse_pow(parser *p, tpl_node **out) {
    tpl_node *left = NULL;
    int rc = parse_unary(p, &left), links = 0;

    while (rc == RS_OK && is_op(peek(p), "**")) {
        const tpl_token *t = peek(p);
        links++;
        rc = enter(p);
        if (rc == RS_OK)
            rc = wrap(p, &left, N_BINARY, t);
        if (rc != RS_OK)
            break;
        left->op = OP_POW;
        next(p);
        rc = parse_unary(p, &left->b);
    }
    p->depth -= links;
    if (rc != RS_OK) {
        tpl_node_free(left);
        return rc;
    }
    *out = left;
    return RS_OK;
}

static int parse_operand(parser *p, int level, tpl_node **out) {
    const tpl_token *t = peek(p);
    tpl_node *n;
    int rc;

    if (level == 5)
        return parse_pow(p, out);
    if (level != 1 || !is_name(t, "not"))
        return parse_level(p, level + 1, out);
    /* 'not' sits between 'and' and the comparisons: not a == b is not (a == b). */
    rc = enter(p);
    if (rc != RS_OK)
        return rc;
    next(p);
    n = node_new(p, N_UNARY, t);
    if (n == NULL)
        return RS_ENOMEM;
    n->op = OP_NOT;
    rc = parse_operand(p, 1, &n->a);
    p->depth--;
    if (rc != RS_OK) {
        tpl_node_free(n);
        return rc;
    }
    *out = n;
    return RS_OK;
}

/* Left-associative binary operators of one precedence level (0 = or ... 5 = multiplicative). */
static int parse_level(parser *p, int level, tpl_node **out) {
    tpl_node *left = NULL;
    int rc = parse_operand(p, level, &left), op, width, links = 0;

    while (rc == RS_OK && (op = binary_op_at(p, level, &width)) >= 0) {
        const tpl_token *t = peek(p);
        /* Python reads a < b < c as a < b and b < c; rather than quietly differ, refuse it. */
        if (level == 2 && links > 0) {
            rc = error_at(p, t, "chained comparisons are not supported; combine them with 'and'");
            break;
        }
        links++;
        rc = enter(p);
        if (rc == RS_OK)
            rc = wrap(p, &left, N_BINARY, t);
        if (rc != RS_OK)
            break;
        left->op = op;
        p->pos += (size_t)width;
        rc = parse_operand(p, level, &left->b);
    }
    p->depth -= links;
    if (rc != RS_OK) {
        tpl_node_free(left);
        return rc;
    }
    *out = left;
    return RS_OK;
}

static int parse_or(parser *p, tpl_node **out) {
    return parse_level(p, 0, out);
}

static int parse_expr(parser *p, tpl_node **out) {
    tpl_node *n = NULL;
    int rc = enter(p), links = 1;

    if (rc == RS_OK)
        rc = parse_or(p, &n);
    while (rc == RS_OK && is_name(peek(p), "if")) {
        rc = enter(p);
        links++;
        if (rc == RS_OK)
            rc = wrap(p, &n, N_COND, peek(p));
        next(p);
        if (rc == RS_OK)
            rc = parse_or(p, &n->b);
        if (rc == RS_OK && is_name(peek(p), "else")) {
            next(p);
            rc = parse_expr(p, &n->c);
        }
    }
    p->depth -= links;
    if (rc != RS_OK) {
        tpl_node_free(n);
        return rc;
    }
    *out = n;
    return RS_OK;
}

static int expect_block_end(parser *p) {
    if (peek(p)->kind != TK_BLOCK_END)
        return expected(p, "'%}'");
    next(p);
    return RS_OK;
}

/* {% if %} ... {% elif %} ... {% else %} ... {% endif %}; the 'if' name was consumed. */
static int parse_if(parser *p, const tpl_token *open, tpl_node *n) {
    static const char *const more[] = {"elif", "else", "endif", NULL};
    static const char *const last[] = {"endif", NULL};
    int which = 0, rc = RS_OK;

    while (rc == RS_OK && which != 2) {
        tpl_node *br = node_new(p, N_BRANCH, peek(p));
        if (br == NULL)
            return RS_ENOMEM;
        rc = add_node(p, &n->kids, &n->n_kids, br);
        if (rc == RS_OK && which == 0)
            rc = parse_expr(p, &br->a);
        if (rc == RS_OK)
            rc = expect_block_end(p);
        if (rc == RS_OK && br->a != NULL) {
            rc = parse_body(p, &br->body, &br->n_body, more, open, "if", &which);
        } else if (rc == RS_OK) {
            rc = parse_body(p, &br->body, &br->n_body, last, open, "if", &which);
            which = 2;
        }
    }
    return rc == RS_OK ? expect_block_end(p) : rc;
}

/* {% for x in expr %} ... [{% else %} ...] {% endfor %} */
static int parse_for(parser *p, const tpl_token *open, tpl_node *n) {
    static const char *const more[] = {"else", "endfor", NULL};
    static const char *const last[] = {"endfor", NULL};
    int which = 0, rc;

    rc = parse_targets(p, n, "a loop variable name");
    if (rc == RS_OK && !is_name(peek(p), "in"))
        return expected(p, "'in'");
    next(p);
    /* No conditional expression here: Jinja reserves 'for x in y if c' for loop filters. */
    if (rc == RS_OK)
        rc = parse_or(p, &n->a);
    if (rc == RS_OK)
        rc = expect_block_end(p);
    if (rc == RS_OK)
        rc = parse_body(p, &n->body, &n->n_body, more, open, "for", &which);
    if (rc == RS_OK && which == 0) {
        n->b = node_new(p, N_BRANCH, peek(p));
        if (n->b == NULL)
            return RS_ENOMEM;
        rc = expect_block_end(p);
        if (rc == RS_OK)
            rc = parse_body(p, &n->b->body, &n->b->n_body, last, open, "for", &which);
    }
    return rc == RS_OK ? expect_block_end(p) : rc;
}

/* Comma-separated names after 'for' or 'set' when there are several (for k, v in ...): the
 * first goes to n->str, all of them into n->kids as N_NAME. */
static int parse_targets(parser *p, tpl_node *n, const char *what) {
    int rc;

    if (peek(p)->kind != TK_NAME || is_name(peek(p), "in"))
        return expected(p, what);
    rc = set_str(p, n, peek(p)->text, peek(p)->len);
    if (rc != RS_OK)
        return rc;
    if (!is_op(&p->toks[p->pos + 1], ",")) {
        next(p);
        return RS_OK;
    }
    while (rc == RS_OK) {
        tpl_node *name = node_new(p, N_NAME, peek(p));
        if (name == NULL)
            return RS_ENOMEM;
        rc = set_str(p, name, peek(p)->text, peek(p)->len);
        if (rc != RS_OK) {
            tpl_node_free(name);
            return rc;
        }
        rc = add_node(p, &n->kids, &n->n_kids, name);
        next(p);
        if (rc != RS_OK || !is_op(peek(p), ","))
            break;
        next(p);
        if (peek(p)->kind != TK_NAME || is_name(peek(p), "in"))
            return expected(p, what);
    }
    return rc;
}

/* {% set x = v %}, {% set a, b = v %}, {% set ns.x = v %}, {% set x %}...{% endset %} */
static int parse_set(parser *p, const tpl_token *open, tpl_node *n) {
    static const char *const enders[] = {"endset", NULL};
    int rc, which = 0;

    rc = parse_targets(p, n, "a variable name");
    if (rc == RS_OK && n->n_kids == 0 && is_op(peek(p), ".")) {
        tpl_node *target = node_new(p, N_NAME, open);
        if (target == NULL)
            return RS_ENOMEM;
        target->line = p->toks[p->pos - 1].line;
        target->column = p->toks[p->pos - 1].column;
        target->str = n->str;
        target->len = n->len;
        n->str = NULL;
        n->a = target;
        n->kind = N_SETATTR;
        next(p);
        if (peek(p)->kind != TK_NAME)
            return expected(p, "an attribute name");
        rc = set_str(p, n, peek(p)->text, peek(p)->len);
        next(p);
    }
    if (rc == RS_OK && n->kind == N_SET && n->n_kids == 0 && peek(p)->kind == TK_BLOCK_END) {
        n->kind = N_SETBLOCK;
        next(p);
        rc = parse_body(p, &n->body, &n->n_body, enders, open, "set", &which);
        return rc == RS_OK ? expect_block_end(p) : rc;
    }
    if (rc == RS_OK)
        rc = expect_op(p, "=", "'='");
    if (rc == RS_OK)
        rc = parse_expr(p, n->kind == N_SETATTR ? &n->b : &n->a);
    if (rc == RS_OK)
        rc = expect_block_end(p);
    return rc;
}

static int parse_do(parser *p, tpl_node *n) {
    int rc = parse_expr(p, &n->a);
    return rc == RS_OK ? expect_block_end(p) : rc;
}

/* Byte offset in the source of where a token starts / ends. */
static size_t tok_begin(const parser *p, const tpl_token *t) {
    return (size_t)(t->text - p->src);
}

/* '(' name [= default], ... ')' of a macro or a call block, into n->kids as N_PARAM. */
static int parse_params(parser *p, tpl_node *n) {
    int rc = expect_op(p, "(", "'('");

    while (rc == RS_OK && !is_op(peek(p), ")")) {
        tpl_node *param;
        size_t i;
        if (peek(p)->kind != TK_NAME)
            return expected(p, "a parameter name");
        for (i = 0; i < n->n_kids; i++) {
            if (n->kids[i]->len == peek(p)->len &&
                memcmp(n->kids[i]->str, peek(p)->text, peek(p)->len) == 0)
                return error_at(p, peek(p), "duplicate parameter '%s'", n->kids[i]->str);
        }
        param = node_new(p, N_PARAM, peek(p));
        if (param == NULL)
            return RS_ENOMEM;
        rc = set_str(p, param, peek(p)->text, peek(p)->len);
        next(p);
        if (rc == RS_OK && is_op(peek(p), "=")) {
            next(p);
            rc = parse_expr(p, &param->a);
        } else if (rc == RS_OK && n->n_kids > 0 && n->kids[n->n_kids - 1]->a != NULL) {
            rc = error_at(p, &p->toks[p->pos - 1],
                          "parameter without a default follows one with a default");
        }
        if (rc != RS_OK) {
            tpl_node_free(param);
            return rc;
        }
        rc = add_node(p, &n->kids, &n->n_kids, param);
        if (rc == RS_OK && is_op(peek(p), ","))
            next(p);
        else if (rc == RS_OK && !is_op(peek(p), ")"))
            return expected(p, "',' or ')'");
    }
    if (rc == RS_OK)
        next(p);
    return rc;
}

/* Flags of a macro whose body reads varargs / kwargs (Jinja gives those only then). */
static int names_used(const tpl_node *n) {
    int flags = 0;
    size_t i;

    if (n == NULL)
        return 0;
    if (n->kind == N_NAME && strcmp(n->str, "varargs") == 0)
        flags |= TPL_MACRO_VARARGS;
    if (n->kind == N_NAME && strcmp(n->str, "kwargs") == 0)
        flags |= TPL_MACRO_KWARGS;
    if (n->kind == N_MACRO)
        return 0; /* a nested macro has its own */
    flags |= names_used(n->a) | names_used(n->b) | names_used(n->c);
    for (i = 0; i < n->n_kids; i++)
        flags |= names_used(n->kids[i]);
    for (i = 0; i < n->n_body; i++)
        flags |= names_used(n->body[i]);
    return flags;
}

int tpl_macro_flags(const tpl_node *macro) {
    int flags = 0;
    size_t i;

    for (i = 0; i < macro->n_body; i++)
        flags |= names_used(macro->body[i]);
    for (i = 0; i < macro->n_kids; i++)
        flags |= names_used(macro->kids[i]->a);
    return flags;
}

/* The raw text of a block's body, between its opening tag's '%}' (the token before pos_open)
 * and its closing tag's '{%', with the whitespace control of both tags applied. */
static void body_span(parser *p, const tpl_token *open_end, const tpl_token *close_begin,
                      size_t *begin, size_t *end) {
    size_t b = tok_begin(p, open_end) + open_end->len, e = tok_begin(p, close_begin);

    if (open_end->len == 3 && open_end->text[0] == '-') {
        while (b < e && strchr(" \t\r\n\v\f", p->src[b]))
            b++;
    }
    if (close_begin->text[2] == '-') {
        while (e > b && strchr(" \t\r\n\v\f", p->src[e - 1]))
            e--;
    }
    *begin = b;
    *end = e;
}

/* {% macro name(params) %}body{% endmacro %}, and {% test name(params) %}...{% endtest %}. */
static int parse_macro(parser *p, const tpl_token *open, int is_test, tpl_node *n) {
    static const char *const macro_end[] = {"endmacro", NULL}, *const test_end[] = {"endtest",
                                                                                    NULL};
    const tpl_token *open_end;
    int rc, which = 0;

    if (peek(p)->kind != TK_NAME)
        return expected(p, is_test ? "a test name" : "a macro name");
    rc = set_str(p, n, peek(p)->text, peek(p)->len);
    next(p);
    n->ival = is_test ? TPL_MACRO_TEST : 0;
    if (rc == RS_OK && is_op(peek(p), "("))
        n->args_begin = tok_begin(p, peek(p)) + 1;
    if (rc == RS_OK)
        rc = parse_params(p, n);
    if (rc != RS_OK)
        return rc;
    n->args_end = tok_begin(p, &p->toks[p->pos - 1]);
    if (peek(p)->kind != TK_BLOCK_END)
        return expected(p, "'%}'");
    open_end = next(p);
    rc = parse_body(p, &n->body, &n->n_body, is_test ? test_end : macro_end, open,
                    is_test ? "test" : "macro", &which);
    if (rc != RS_OK)
        return rc;
    body_span(p, open_end, &p->toks[p->pos - 2], &n->body_begin, &n->body_end);
    n->ival |= tpl_macro_flags(n);
    return expect_block_end(p);
}

/* {% call [(params)] name(args) %}body{% endcall %}: the body is caller() inside name. */
static int parse_callblock(parser *p, const tpl_token *open, tpl_node *n) {
    static const char *const enders[] = {"endcall", NULL};
    int rc = RS_OK, which = 0;

    if (is_op(peek(p), "("))
        rc = parse_params(p, n);
    if (rc == RS_OK)
        rc = parse_postfix(p, &n->a);
    if (rc != RS_OK)
        return rc;
    if (n->a->kind != N_CALL && n->a->kind != N_METHOD && n->a->kind != N_CALLVAL)
        return tpl_error_at(p->err, RS_EINVAL, p->model, n->a->line, n->a->column,
                            "{%% call %%} needs a macro call, such as {%% call m(x) %%}");
    rc = expect_block_end(p);
    if (rc == RS_OK)
        rc = parse_body(p, &n->body, &n->n_body, enders, open, "call", &which);
    return rc == RS_OK ? expect_block_end(p) : rc;
}

/* A tag's name that closes or continues some block: an error where no block waits for it. */
static int is_closing_tag(const char *tag) {
    static const char *const names[] = {"endif",    "endfor",  "elif",    "else", "endset",
                                        "endmacro", "endtest", "endcall", NULL};
    size_t i;

    for (i = 0; names[i] != NULL; i++) {
        if (strcmp(tag, names[i]) == 0)
            return 1;
    }
    return 0;
}

static int misplaced_tag(parser *p, const tpl_token *name, const tpl_token *opener,
                         const char *opener_tag) {
    char tag[48];

    snprintf(tag, sizeof(tag), "%.*s", name->len > 40 ? 40 : (int)name->len, name->text);
    if (!is_closing_tag(tag))
        return error_at(p, name, "unknown tag '%s'", tag);
    if (opener == NULL)
        return error_at(p, name, "unexpected {%% %s %%}", tag);
    return tpl_error_at(p->err, RS_EINVAL, p->model, name->line, name->column,
                        "unexpected {%% %s %%} inside {%% %s %%} opened at line %d column %d", tag,
                        opener_tag, opener->line, opener->column);
}

/* A tag after '{%' whose name is not one the enclosing block waits for. */
static int parse_tag(parser *p, const tpl_token *open, const tpl_token *opener,
                     const char *opener_tag, tpl_node **out) {
    const tpl_token *name = next(p);
    int kind = is_name(name, "if")                               ? N_IF
               : is_name(name, "for")                            ? N_FOR
               : is_name(name, "set")                            ? N_SET
               : is_name(name, "do")                             ? N_DO
               : is_name(name, "macro") || is_name(name, "test") ? N_MACRO
               : is_name(name, "call")                           ? N_CALLBLOCK
                                                                 : -1;
    tpl_node *n;
    int rc;

    if (kind < 0)
        return misplaced_tag(p, name, opener, opener_tag);
    rc = enter(p);
    if (rc != RS_OK)
        return rc;
    n = node_new(p, kind, open);
    if (n == NULL)
        return RS_ENOMEM;
    switch (kind) {
    case N_IF:
        rc = parse_if(p, open, n);
        break;
    case N_FOR:
        rc = parse_for(p, open, n);
        break;
    case N_SET:
        rc = parse_set(p, open, n);
        break;
    case N_MACRO:
        rc = parse_macro(p, open, is_name(name, "test"), n);
        break;
    case N_CALLBLOCK:
        rc = parse_callblock(p, open, n);
        break;
    default:
        rc = parse_do(p, n);
    }
    p->depth--;
    if (rc != RS_OK) {
        tpl_node_free(n);
        return rc;
    }
    *out = n;
    return RS_OK;
}

static int ender_index(const tpl_token *t, const char *const *enders) {
    int i;
    for (i = 0; enders && enders[i]; i++) {
        if (is_name(t, enders[i]))
            return i;
    }
    return -1;
}

static int missing_end(parser *p, const tpl_token *opener, const char *opener_tag) {
    const tpl_token *t = peek(p);
    return tpl_error_at(p->err, RS_EINVAL, p->model, t->line, t->column,
                        "unexpected end of template: missing {%% end%s %%} for {%% %s %%} "
                        "opened at line %d column %d",
                        opener_tag, opener_tag, opener->line, opener->column);
}

/* Statements until one of enders (its name consumed, *which = its index) or the end. */
static int parse_body(parser *p, tpl_node ***body, size_t *n_body, const char *const *enders,
                      const tpl_token *opener, const char *opener_tag, int *which) {
    for (;;) {
        const tpl_token *t = peek(p);
        tpl_node *n = NULL;
        int rc = RS_OK;

        if (t->kind == TK_EOF)
            return opener ? missing_end(p, opener, opener_tag) : RS_OK;
        if (t->kind == TK_TEXT) {
            n = node_new(p, N_TEXT, t);
            rc = n ? set_str(p, n, t->text, t->len) : RS_ENOMEM;
            next(p);
        } else if (t->kind == TK_VAR_BEGIN) {
            next(p);
            n = node_new(p, N_OUTPUT, t);
            rc = n ? parse_expr(p, &n->a) : RS_ENOMEM;
            if (rc == RS_OK && peek(p)->kind != TK_VAR_END)
                rc = expected(p, "'}}'");
            next(p);
        } else {
            next(p); /* TK_BLOCK_BEGIN: the lexer yields nothing else here */
            if (peek(p)->kind != TK_NAME)
                return expected(p, "a tag name");
            *which = ender_index(peek(p), enders);
            if (*which >= 0) {
                next(p);
                return RS_OK;
            }
            rc = parse_tag(p, t, opener, opener_tag, &n);
        }
        if (rc != RS_OK) {
            tpl_node_free(n);
            return rc;
        }
        rc = add_node(p, body, n_body, n);
        if (rc != RS_OK)
            return rc;
    }
}

int tpl_parse(rs_tpl *t, const char *src, const tpl_tokens *toks, rs_err *err) {
    parser p = {t->label, src, toks->v, toks->n, 0, 0, err};
    int which = -1;
    return parse_body(&p, &t->body, &t->n_body, NULL, NULL, NULL, &which);
}

const char *tpl_op_text(int op) {
    static const char *const names[] = {"+",      "-",   "*",  "/",   "//", "%",  "~",
                                        "==",     "!=",  "<",  "<=",  ">",  ">=", "in",
                                        "not in", "and", "or", "not", "-",  "+",  "**"};
    if (op < 0 || op >= (int)(sizeof(names) / sizeof(names[0])))
        return "?";
    return names[op];
}
