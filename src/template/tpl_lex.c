/*
 * tpl_lex.c - cuts a template into tokens.
 *
 * Outside tags the text is one TK_TEXT token; whitespace control is applied here, as Jinja does:
 * '{{-' / '{%-' / '{#-' remove all whitespace (newlines too) before the tag, '-}}' / '-%}' /
 * '-#}' all whitespace after it. Text that ends up empty yields no token. '+' after '{%' or
 * before '%}' is accepted and does nothing (Jinja's lstrip/trim overrides; both are off here).
 * Inside a '{{ }}' a '}}' closes the tag only when no '{' of a dict literal is open.
 */
#include "tpl_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct lexer {
    const char *model;
    const char *src;
    size_t len;
    size_t pos;
    int line, column;
    tpl_tokens *toks;
    rs_err *err;
} lexer;

static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(char c) {
    return c >= '0' && c <= '9';
}

static void advance(lexer *lx, size_t n) {
    while (n-- > 0 && lx->pos < lx->len) {
        if (lx->src[lx->pos] == '\n') {
            lx->line++;
            lx->column = 1;
        } else {
            lx->column++;
        }
        lx->pos++;
    }
}

static int push(lexer *lx, int kind, size_t start, size_t len, int line, int column) {
    tpl_tokens *t = lx->toks;
    tpl_token *tok;

    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 64;
        tpl_token *v = realloc(t->v, ncap * sizeof(*v));
        if (v == NULL)
            return rs_err_set(lx->err, RS_ENOMEM, "%s: out of memory", lx->model);
        t->v = v;
        t->cap = ncap;
    }
    tok = &t->v[t->n++];
    tok->kind = kind;
    tok->text = lx->src + start;
    tok->len = len;
    tok->line = line;
    tok->column = column;
    return RS_OK;
}

/* True when src at pos starts with s. */
static int at(const lexer *lx, size_t pos, const char *s) {
    size_t n = strlen(s);
    return pos <= lx->len && lx->len - pos >= n && memcmp(lx->src + pos, s, n) == 0;
}

static int lex_string(lexer *lx) {
    size_t start = lx->pos, i = lx->pos + 1;
    char quote = lx->src[start];
    int line = lx->line, column = lx->column;

    while (i < lx->len && lx->src[i] != quote) {
        if (lx->src[i] == '\\' && i + 1 < lx->len)
            i++;
        i++;
    }
    if (i >= lx->len)
        return tpl_error_at(lx->err, RS_EINVAL, lx->model, line, column,
                            "unterminated string literal");
    advance(lx, i + 1 - start);
    return push(lx, TK_STRING, start, i + 1 - start, line, column);
}

static int lex_number(lexer *lx) {
    size_t start = lx->pos, i = lx->pos;
    int kind = TK_INT;

    while (i < lx->len && is_digit(lx->src[i]))
        i++;
    if (i + 1 < lx->len && lx->src[i] == '.' && is_digit(lx->src[i + 1])) {
        kind = TK_FLOAT;
        i++;
        while (i < lx->len && is_digit(lx->src[i]))
            i++;
    }
    if (i < lx->len && (lx->src[i] == 'e' || lx->src[i] == 'E')) {
        size_t j = i + 1;
        if (j < lx->len && (lx->src[j] == '+' || lx->src[j] == '-'))
            j++;
        if (j < lx->len && is_digit(lx->src[j])) {
            kind = TK_FLOAT;
            i = j;
            while (i < lx->len && is_digit(lx->src[i]))
                i++;
        }
    }
    {
        int line = lx->line, column = lx->column;
        advance(lx, i - start);
        return push(lx, kind, start, i - start, line, column);
    }
}

/* One operator or punctuation token; *brace_depth follows dict braces. */
static int lex_op(lexer *lx, int *brace_depth) {
    static const char *const two[] = {"==", "!=", "<=", ">=", "//", "**"};
    static const char one[] = "()[]{},.:|~+-*/%<>=";
    char c = lx->src[lx->pos];
    int line = lx->line, column = lx->column;
    size_t i;

    for (i = 0; i < sizeof(two) / sizeof(two[0]); i++) {
        if (at(lx, lx->pos, two[i])) {
            advance(lx, 2);
            return push(lx, TK_OP, lx->pos - 2, 2, line, column);
        }
    }
    if (c == '\0' || strchr(one, c) == NULL) {
        unsigned char uc = (unsigned char)c;
        if (uc > 0x20 && uc < 0x7f)
            return tpl_error_at(lx->err, RS_EINVAL, lx->model, line, column,
                                "unexpected character '%c'", c);
        return tpl_error_at(lx->err, RS_EINVAL, lx->model, line, column,
                            "unexpected character '\\x%02x'", uc);
    }
    if (c == '{')
        (*brace_depth)++;
    else if (c == '}' && *brace_depth > 0)
        (*brace_depth)--;
    advance(lx, 1);
    return push(lx, TK_OP, lx->pos - 1, 1, line, column);
}

/* At the end of a tag? Pushes the end token and says whether it strips what follows. */
static int lex_tag_end(lexer *lx, int is_var, int brace_depth, int *strip_after, int *ended) {
    const char *close = is_var ? "}}" : "%}";
    int line = lx->line, column = lx->column;
    size_t skip = 0;

    *ended = 0;
    if (is_var && brace_depth > 0)
        return RS_OK;
    if (at(lx, lx->pos, close))
        skip = 0;
    else if ((lx->src[lx->pos] == '-' || (!is_var && lx->src[lx->pos] == '+')) &&
             at(lx, lx->pos + 1, close))
        skip = 1;
    else
        return RS_OK;
    *strip_after = skip == 1 && lx->src[lx->pos] == '-';
    *ended = 1;
    advance(lx, skip + 2);
    return push(lx, is_var ? TK_VAR_END : TK_BLOCK_END, lx->pos - 2 - skip, 2 + skip, line, column);
}

static int lex_comment(lexer *lx, int *strip_after) {
    int line = lx->line, column = lx->column;
    size_t i = lx->pos + 2;

    while (i + 1 < lx->len && !(lx->src[i] == '#' && lx->src[i + 1] == '}'))
        i++;
    if (i + 1 >= lx->len)
        return tpl_error_at(lx->err, RS_EINVAL, lx->model, line, column, "unclosed comment '{#'");
    *strip_after = i > lx->pos + 2 && lx->src[i - 1] == '-';
    advance(lx, i + 2 - lx->pos);
    return RS_OK;
}

/* A tag starting at lx->pos ("{{", "{%" or "{#"). */
static int lex_tag(lexer *lx, int *strip_after) {
    int is_var = lx->src[lx->pos + 1] == '{';
    int line = lx->line, column = lx->column, brace_depth = 0, ended = 0, rc;

    if (lx->src[lx->pos + 1] == '#')
        return lex_comment(lx, strip_after);
    rc = push(lx, is_var ? TK_VAR_BEGIN : TK_BLOCK_BEGIN, lx->pos, 2, line, column);
    if (rc != RS_OK)
        return rc;
    advance(lx, 2);
    if (lx->pos < lx->len && (lx->src[lx->pos] == '-' || (!is_var && lx->src[lx->pos] == '+')))
        advance(lx, 1);
    for (;;) {
        while (lx->pos < lx->len && is_space(lx->src[lx->pos]))
            advance(lx, 1);
        if (lx->pos >= lx->len)
            return tpl_error_at(lx->err, RS_EINVAL, lx->model, line, column, "unclosed '%s'",
                                is_var ? "{{" : "{%");
        rc = lex_tag_end(lx, is_var, brace_depth, strip_after, &ended);
        if (rc != RS_OK || ended)
            return rc;
        if (is_name_start(lx->src[lx->pos])) {
            size_t start = lx->pos, i = lx->pos;
            int tline = lx->line, tcol = lx->column;
            while (i < lx->len && (is_name_start(lx->src[i]) || is_digit(lx->src[i])))
                i++;
            advance(lx, i - start);
            rc = push(lx, TK_NAME, start, i - start, tline, tcol);
        } else if (is_digit(lx->src[lx->pos])) {
            rc = lex_number(lx);
        } else if (lx->src[lx->pos] == '\'' || lx->src[lx->pos] == '"') {
            rc = lex_string(lx);
        } else {
            rc = lex_op(lx, &brace_depth);
        }
        if (rc != RS_OK)
            return rc;
    }
}

/* Index of the next "{{", "{%" or "{#" at or after from, or len. */
static size_t next_tag(const lexer *lx, size_t from) {
    size_t i;

    for (i = from; i + 1 < lx->len; i++) {
        const char *p = memchr(lx->src + i, '{', lx->len - i - 1);
        if (p == NULL)
            break;
        i = (size_t)(p - lx->src);
        if (p[1] == '{' || p[1] == '%' || p[1] == '#')
            return i;
    }
    return lx->len;
}

int tpl_lex(const char *model, const char *src, size_t len, tpl_tokens *toks, rs_err *err) {
    lexer lx = {model, src, len, 0, 1, 1, toks, err};
    int strip_next = 0, rc;

    while (lx.pos < lx.len) {
        size_t tag = next_tag(&lx, lx.pos), end;
        if (strip_next) {
            while (lx.pos < tag && is_space(src[lx.pos]))
                advance(&lx, 1);
        }
        end = tag;
        if (tag + 2 < len && src[tag + 2] == '-') {
            while (end > lx.pos && is_space(src[end - 1]))
                end--;
        }
        if (end > lx.pos) {
            rc = push(&lx, TK_TEXT, lx.pos, end - lx.pos, lx.line, lx.column);
            if (rc != RS_OK)
                return rc;
        }
        advance(&lx, tag - lx.pos);
        if (tag >= len)
            break;
        strip_next = 0;
        rc = lex_tag(&lx, &strip_next);
        if (rc != RS_OK)
            return rc;
    }
    return push(&lx, TK_EOF, lx.pos, 0, lx.line, lx.column);
}
