/*
 * sqlx_lex.c - tokenizer for the Rockset SQL subset, plus the small shared utilities of the
 * translator (arena, error helper, name lists).
 *
 * Tokens keep their line/column (1-based) so every error can point at the text. Comments
 * (-- to end of line, block comments) and whitespace are skipped.
 */
#include "sqlx_int.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sqlx_chunk {
    struct sqlx_chunk *next;
    max_align_t data[];
};

void *sqlx_alloc(sqlx_arena *a, size_t size) {
    struct sqlx_chunk *c = calloc(1, sizeof *c + size);
    if (c == NULL) {
        a->oom = 1;
        return NULL;
    }
    c->next = a->head;
    a->head = c;
    return c->data;
}

char *sqlx_strndup(sqlx_arena *a, const char *s, size_t len) {
    char *p = sqlx_alloc(a, len + 1);
    if (p != NULL)
        memcpy(p, s, len);
    return p;
}

void sqlx_arena_free(sqlx_arena *a) {
    struct sqlx_chunk *c = a->head;
    while (c != NULL) {
        struct sqlx_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
}

int sqlx_error(rs_err *err, int code, int line, int column, const char *fmt, ...) {
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (line > 0)
        rs_err_set(err, code, "%s (line %d, column %d)", text, line, column);
    else
        rs_err_set(err, code, "%s", text);
    if (err != NULL) {
        err->line = line;
        err->column = column;
        snprintf(err->type, sizeof err->type, "QUERY_ERROR");
    }
    return code;
}

int sqlx_names_add(sqlx_names *l, const char *s) {
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->items[i], s) == 0)
            return 0;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        char **items = realloc(l->items, (size_t)cap * sizeof *items);
        if (items == NULL)
            return RS_ENOMEM;
        l->items = items;
        l->cap = cap;
    }
    size_t len = strlen(s);
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return RS_ENOMEM;
    memcpy(copy, s, len + 1);
    l->items[l->n++] = copy;
    return 0;
}

void sqlx_names_free(sqlx_names *l) {
    for (int i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* ---- tokenizer ---- */

typedef struct lexer {
    const char *p;
    int line, column;
    sqlx_arena *a;
    sqlx_token *toks;
    int n, cap;
    int braces; /* depth of open '{' (object literals) */
} lexer;

static void advance(lexer *lx, size_t n) {
    while (n-- > 0 && *lx->p) {
        if (*lx->p == '\n') {
            lx->line++;
            lx->column = 1;
        } else if (((unsigned char)*lx->p & 0xC0) != 0x80) {
            lx->column++;
        }
        lx->p++;
    }
}

static int push(lexer *lx, sqlx_tok_kind kind, const char *text, size_t len, int line, int col) {
    if (lx->n == lx->cap) {
        int cap = lx->cap ? lx->cap * 2 : 64;
        sqlx_token *toks = sqlx_alloc(lx->a, (size_t)cap * sizeof *toks);
        if (toks == NULL)
            return RS_ENOMEM;
        if (lx->n)
            memcpy(toks, lx->toks, (size_t)lx->n * sizeof *toks);
        lx->toks = toks;
        lx->cap = cap;
    }
    char *copy = sqlx_strndup(lx->a, text, len);
    if (copy == NULL)
        return RS_ENOMEM;
    lx->toks[lx->n].kind = kind;
    lx->toks[lx->n].text = copy;
    lx->toks[lx->n].line = line;
    lx->toks[lx->n].column = col;
    lx->n++;
    return 0;
}

static int skip_space_and_comments(lexer *lx, rs_err *err) {
    for (;;) {
        if (isspace((unsigned char)*lx->p)) {
            advance(lx, 1);
        } else if (lx->p[0] == '-' && lx->p[1] == '-') {
            while (*lx->p && *lx->p != '\n')
                advance(lx, 1);
        } else if (lx->p[0] == '/' && lx->p[1] == '*') {
            int line = lx->line, col = lx->column;
            const char *close = strstr(lx->p + 2, "*/");
            if (close == NULL)
                return sqlx_error(err, RS_EINVAL, line, col, "syntax error: unterminated comment");
            advance(lx, (size_t)(close + 2 - lx->p));
        } else {
            return 0;
        }
    }
}

/* Quoted text ('str', "id", `id`) with the quote doubled as its escape. */
static int lex_quoted(lexer *lx, sqlx_tok_kind kind, rs_err *err) {
    char q = *lx->p;
    int line = lx->line, col = lx->column;
    rs_buf text = RS_BUF_INIT;
    int rc = 0;
    advance(lx, 1);
    for (;;) {
        if (!*lx->p) {
            rc = sqlx_error(err, RS_EINVAL, line, col, "syntax error: unterminated %s",
                            kind == TK_STRING ? "string literal" : "quoted identifier");
            goto done;
        }
        if (*lx->p == q) {
            if (lx->p[1] != q)
                break;
            advance(lx, 1);
        }
        rs_buf_putc(&text, *lx->p);
        advance(lx, 1);
    }
    advance(lx, 1);
    if (text.oom) {
        rc = RS_ENOMEM;
        goto done;
    }
    if (kind == TK_QIDENT && text.len == 0) {
        rc = sqlx_error(err, RS_EINVAL, line, col, "syntax error: empty quoted identifier");
        goto done;
    }
    rc = push(lx, kind, rs_buf_cstr(&text), text.len, line, col);
done:
    rs_buf_free(&text);
    return rc;
}

/* A numeric literal must be a finite 64-bit float (integers beyond int64 are read as floats),
 * or it would evaluate to null: an error is the honest answer. RS_OK, RS_ENOMEM or RS_EINVAL. */
static int check_number_range(const char *text, size_t len, int line, int col, rs_err *err) {
    char *copy = strndup(text, len); /* the token alone: strtod would also read "0x1f" */
    double value;
    int rc = RS_OK;

    if (copy == NULL)
        return RS_ENOMEM;
    value = strtod(copy, NULL);
    if (isinf(value))
        rc = sqlx_error(err, RS_EINVAL, line, col, "number %.40s%s is out of range", copy,
                        len > 40 ? "..." : "");
    free(copy);
    return rc;
}

static int lex_number(lexer *lx, rs_err *err) {
    const char *s = lx->p;
    int line = lx->line, col = lx->column;
    int is_float = 0;
    while (isdigit((unsigned char)*s))
        s++;
    if (*s == '.' && (s != lx->p || isdigit((unsigned char)s[1]))) {
        is_float = 1;
        s++;
        while (isdigit((unsigned char)*s))
            s++;
    }
    if ((*s == 'e' || *s == 'E') &&
        (isdigit((unsigned char)s[1]) ||
         ((s[1] == '+' || s[1] == '-') && isdigit((unsigned char)s[2])))) {
        is_float = 1;
        s += 2;
        while (isdigit((unsigned char)*s))
            s++;
    }
    size_t len = (size_t)(s - lx->p);
    int rc = check_number_range(lx->p, len, line, col, err);
    if (rc != RS_OK)
        return rc;
    rc = push(lx, is_float ? TK_FLOAT : TK_INT, lx->p, len, line, col);
    advance(lx, len);
    return rc;
}

static int is_ident_start(int c) {
    return isalpha(c) || c == '_' || c >= 0x80;
}

static int is_ident_char(int c) {
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* Inside an object literal, the colon after a key ({'a': x}) separates it from its value. */
static int colon_separates_key(const lexer *lx) {
    return lx->braces > 0 && lx->n > 0 &&
           (lx->toks[lx->n - 1].kind == TK_STRING || lx->toks[lx->n - 1].kind == TK_QIDENT);
}

static int lex_one(lexer *lx, rs_err *err) {
    static const char *const two_char_ops[] = {"<=", ">=", "<>", "!=", "||", "::", NULL};
    const unsigned char c = (unsigned char)*lx->p;
    int line = lx->line, col = lx->column;
    if (c == '\'')
        return lex_quoted(lx, TK_STRING, err);
    if (c == '"' || c == '`')
        return lex_quoted(lx, TK_QIDENT, err);
    if (isdigit(c) || (c == '.' && isdigit((unsigned char)lx->p[1])))
        return lex_number(lx, err);
    if (is_ident_start(c)) {
        size_t len = 1;
        while (is_ident_char((unsigned char)lx->p[len]))
            len++;
        int rc = push(lx, TK_IDENT, lx->p, len, line, col);
        advance(lx, len);
        return rc;
    }
    if (c == ':' && lx->p[1] != ':' && !colon_separates_key(lx)) {
        /* ":name", and ": name" / "=: name" as production SQL writes them */
        size_t gap = 1;
        while (lx->p[gap] == ' ' || lx->p[gap] == '\t' || lx->p[gap] == '\n' || lx->p[gap] == '\r')
            gap++;
        if (is_ident_start((unsigned char)lx->p[gap])) {
            size_t len = 1;
            while (is_ident_char((unsigned char)lx->p[gap + len]))
                len++;
            int rc = push(lx, TK_PARAM, lx->p + gap, len, line, col);
            advance(lx, gap + len);
            return rc;
        }
    }
    for (int i = 0; two_char_ops[i]; i++) {
        if (strncmp(lx->p, two_char_ops[i], 2) == 0) {
            int rc = push(lx, TK_OP, lx->p, 2, line, col);
            advance(lx, 2);
            return rc;
        }
    }
    if (strchr("()[]{},.;:*+-/%=<>", c)) {
        lx->braces += c == '{' ? 1 : c == '}' && lx->braces > 0 ? -1 : 0;
        int rc = push(lx, TK_OP, lx->p, 1, line, col);
        advance(lx, 1);
        return rc;
    }
    return sqlx_error(err, RS_EINVAL, line, col, "syntax error: unexpected character '%c'",
                      isprint(c) ? c : '?');
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 (overlong forms and surrogates are
 * invalid). Query results are JSON, which must be valid UTF-8. */
static int utf8_len(const unsigned char *s) {
    if (s[0] < 0x80)
        return 1;
    int n = s[0] >= 0xF0 && s[0] <= 0xF4  ? 4
            : s[0] >= 0xE0                ? 3
            : s[0] >= 0xC2 && s[0] < 0xE0 ? 2
                                          : 0;
    if (s[0] >= 0xF5)
        n = 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((n == 3 && s[0] == 0xE0 && s[1] < 0xA0) || (n == 3 && s[0] == 0xED && s[1] >= 0xA0) ||
        (n == 4 && s[0] == 0xF0 && s[1] < 0x90) || (n == 4 && s[0] == 0xF4 && s[1] >= 0x90))
        return 0;
    return n;
}

static int check_utf8(const char *sql, rs_err *err) {
    int line = 1, column = 1;
    for (const unsigned char *p = (const unsigned char *)sql; *p;) {
        int n = utf8_len(p);
        if (!n)
            return sqlx_error(err, RS_EINVAL, line, column,
                              "syntax error: the statement is not valid UTF-8");
        if (*p == '\n') {
            line++;
            column = 1;
        } else {
            column++;
        }
        p += n;
    }
    return 0;
}

int sqlx_lex(const char *sql, sqlx_arena *a, sqlx_token **out, int *n_out, rs_err *err) {
    lexer lx = {sql, 1, 1, a, NULL, 0, 0, 0};
    int rc = check_utf8(sql, err);
    if (rc)
        return rc;
    for (;;) {
        rc = skip_space_and_comments(&lx, err);
        if (rc)
            return rc;
        if (!*lx.p)
            break;
        rc = lex_one(&lx, err);
        if (rc == RS_ENOMEM)
            return rs_err_set(err, RS_ENOMEM, "out of memory");
        if (rc)
            return rc;
    }
    rc = push(&lx, TK_EOF, "", 0, lx.line, lx.column);
    if (rc)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    *out = lx.toks;
    *n_out = lx.n;
    return 0;
}
