/*
 * fn_regex.c - regular expressions: REGEXP_LIKE, REGEXP_EXTRACT, REGEXP_EXTRACT_ALL,
 * REGEXP_REPLACE, REGEXP_SPLIT, on PCRE2.
 *
 * Rules (docs/sql-subset.md, tests/sqlcorpus/regex.test): patterns match anywhere (unanchored);
 * UTF mode, so '.' is one code point, but \d \w \s and POSIX classes stay ASCII as in RE2,
 * Rockset's engine (no PCRE2_UCP). An empty match advances by one code point. Replacement text
 * refers to groups as $1 or ${1}; a backslash makes the next character literal. An invalid
 * pattern is an error naming the function, the pattern and PCRE2's message.
 *
 * A compiled pattern is kept as SQLite auxiliary data on its argument, so a constant pattern is
 * compiled once per statement, not once per row.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "fn_util.h"
#include "ops.h"

#include <pcre2.h>
#include <stdio.h>
#include <string.h>

typedef enum { RX_LIKE, RX_EXTRACT, RX_EXTRACT_ALL, RX_REPLACE, RX_SPLIT } rx_kind;

static const rx_kind K_LIKE = RX_LIKE, K_EXTRACT = RX_EXTRACT, K_EXTRACT_ALL = RX_EXTRACT_ALL,
                     K_REPLACE = RX_REPLACE, K_SPLIT = RX_SPLIT;

static void free_code(void *code) {
    pcre2_code_free(code);
}

static pcre2_code *compile(sqlite3_context *ctx, const rv *pattern) {
    int errcode;
    PCRE2_SIZE erroffset;
    pcre2_code *code =
        pcre2_compile((PCRE2_SPTR)pattern->s, pattern->len, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
                      &errcode, &erroffset, NULL);
    if (code == NULL) {
        PCRE2_UCHAR message[160];
        pcre2_get_error_message(errcode, message, sizeof message);
        rt_error(ctx, "invalid regular expression '%.*s': %s", (int)pattern->len, pattern->s,
                 (const char *)message);
    }
    return code;
}

/* The compiled pattern of argument 1, or NULL with the error set. Cached on the argument when
 * SQLite keeps it (a constant pattern); otherwise *owned is set and the caller frees it. */
static pcre2_code *pattern_of(sqlite3_context *ctx, const rv *pattern, int *owned) {
    pcre2_code *code = sqlite3_get_auxdata(ctx, 1);
    *owned = 0;
    if (code != NULL)
        return code;
    code = compile(ctx, pattern);
    if (code == NULL)
        return NULL;
    sqlite3_set_auxdata(ctx, 1, code, free_code);
    if (sqlite3_get_auxdata(ctx, 1) == code)
        return code;
    /* SQLite did not keep it (and freed it): compile one for this call */
    *owned = 1;
    return compile(ctx, pattern);
}

/* One match search from offset: 1 found (ovector set), 0 none, -1 error (set). */
static int search(sqlite3_context *ctx, pcre2_code *code, const rv *s, size_t offset,
                  pcre2_match_data *md) {
    int rc = pcre2_match(code, (PCRE2_SPTR)s->s, s->len, offset, 0, md, NULL);
    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    PCRE2_UCHAR message[160];
    pcre2_get_error_message(rc, message, sizeof message);
    rt_error(ctx, "%s", (const char *)message);
    return -1;
}

/* Where the next search starts after a match [start, end): an empty match moves one code point. */
static size_t next_offset(const rv *s, size_t start, size_t end) {
    size_t n = 1;
    if (end > start || start >= s->len)
        return end > start ? end : s->len + 1;
    rt_utf8_next(s->s + start, s->len - start, &n);
    return start + n;
}

static int group_count(pcre2_code *code) {
    uint32_t n = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &n);
    return (int)n;
}

/* Argument 3 of EXTRACT / EXTRACT_ALL: the group (0 = whole match), checked against the pattern. */
static int group_arg(sqlite3_context *ctx, int argc, const rv *v, pcre2_code *code, int *group) {
    *group = 0;
    if (argc < 3)
        return 1;
    if (!rt_want_int(ctx, v, 2, 3))
        return 0;
    int groups = group_count(code);
    if (v[2].i < 0 || v[2].i > groups) {
        rt_error(ctx, "group %lld does not exist (the pattern has %d group%s)", (long long)v[2].i,
                 groups, groups == 1 ? "" : "s");
        return 0;
    }
    *group = (int)v[2].i;
    return 1;
}

/* The text of group g of the last match, or 0 when it did not take part. */
static int group_text(pcre2_match_data *md, int g, const rv *s, const char **text, size_t *len) {
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    if (ov[2 * g] == PCRE2_UNSET)
        return 0;
    *text = s->s + ov[2 * g];
    *len = ov[2 * g + 1] - ov[2 * g];
    return 1;
}

static void do_like(sqlite3_context *ctx, pcre2_code *code, const rv *s, pcre2_match_data *md) {
    int found = search(ctx, code, s, 0, md);
    if (found >= 0)
        rv_result_bool(ctx, found);
}

static void do_extract(sqlite3_context *ctx, pcre2_code *code, const rv *s, int group,
                       pcre2_match_data *md) {
    const char *text;
    size_t len;
    int found = search(ctx, code, s, 0, md);
    if (found < 0)
        return;
    if (found && group_text(md, group, s, &text, &len))
        sqlite3_result_text(ctx, text, (int)len, SQLITE_TRANSIENT);
    else
        rv_result_null(ctx);
}

/* EXTRACT_ALL (every match or group) and SPLIT (the pieces between matches) build an array. */
static void do_collect(sqlite3_context *ctx, rx_kind kind, pcre2_code *code, const rv *s, int group,
                       pcre2_match_data *md) {
    rs_buf b = RS_BUF_INIT;
    rv_json_builder jb;
    size_t offset = 0, piece = 0;
    int found;
    rv_json_begin(&jb, &b, 0);
    while (offset <= s->len && (found = search(ctx, code, s, offset, md)) == 1) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        const char *text;
        size_t len;
        rv item;
        if (kind == RX_SPLIT) {
            item = rv_string(s->s + piece, ov[0] - piece);
            piece = ov[1];
        } else {
            item = group_text(md, group, s, &text, &len) ? rv_string(text, len) : rv_null();
        }
        rv_json_add(&jb, NULL, 0, &item);
        offset = next_offset(s, ov[0], ov[1]);
    }
    if (found < 0) {
        rs_buf_free(&b);
        return;
    }
    if (kind == RX_SPLIT) {
        rv last = rv_string(s->s + piece, s->len - piece);
        rv_json_add(&jb, NULL, 0, &last);
    }
    rv_json_end(&jb);
    rv_result_json_buf(ctx, &b);
    rs_buf_free(&b);
}

/* Append the replacement r for the current match: $n / ${n} groups, \x the literal x. */
static int put_replacement(sqlite3_context *ctx, rs_buf *out, const rv *r, pcre2_match_data *md,
                           const rv *s, int groups) {
    for (size_t i = 0; i < r->len; i++) {
        char c = r->s[i];
        if (c == '\\' && i + 1 < r->len) {
            rs_buf_putc(out, r->s[++i]);
            continue;
        }
        if (c != '$' || i + 1 >= r->len) {
            rs_buf_putc(out, c);
            continue;
        }
        int braced = r->s[i + 1] == '{';
        size_t j = i + 1 + (size_t)braced;
        long g = 0;
        size_t digits = 0;
        while (j < r->len && r->s[j] >= '0' && r->s[j] <= '9' && digits < 6)
            g = g * 10 + (r->s[j++] - '0'), digits++;
        if (digits == 0 || (braced && (j >= r->len || r->s[j] != '}'))) {
            rs_buf_putc(out, c);
            continue;
        }
        if (g > groups) {
            rt_error(ctx, "group %ld does not exist (the pattern has %d group%s)", g, groups,
                     groups == 1 ? "" : "s");
            return 0;
        }
        const char *text;
        size_t len;
        if (group_text(md, (int)g, s, &text, &len))
            rs_buf_append(out, text, len);
        i = j - 1 + (size_t)braced;
    }
    return 1;
}

static void do_replace(sqlite3_context *ctx, pcre2_code *code, const rv *s, const rv *r,
                       pcre2_match_data *md) {
    rs_buf out = RS_BUF_INIT;
    size_t offset = 0, copied = 0;
    int found, groups = group_count(code);
    while (offset <= s->len && (found = search(ctx, code, s, offset, md)) == 1) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        rs_buf_append(&out, s->s + copied, ov[0] - copied);
        if (r != NULL && !put_replacement(ctx, &out, r, md, s, groups)) {
            rs_buf_free(&out);
            return;
        }
        copied = ov[1];
        offset = next_offset(s, ov[0], ov[1]);
        if (ov[1] == ov[0] && offset <= s->len) { /* keep the character an empty match skips */
            rs_buf_append(&out, s->s + copied, offset - copied);
            copied = offset;
        }
    }
    if (found < 0) {
        rs_buf_free(&out);
        return;
    }
    if (copied < s->len)
        rs_buf_append(&out, s->s + copied, s->len - copied);
    rt_result_text_buf(ctx, &out);
    rs_buf_free(&out);
}

static void fn_regexp(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rx_kind kind = *(const rx_kind *)rt_fn_of(ctx)->user_data;
    rv v[3];
    int group = 0;
    if (!rt_args(ctx, argc, argv, v, 1) || !rt_want_string(ctx, v, 0, argc) ||
        !rt_want_string(ctx, v, 1, argc))
        return;
    if (kind == RX_REPLACE && argc > 2 && !rt_want_string(ctx, v, 2, argc))
        return;
    int owned;
    pcre2_code *code = pattern_of(ctx, &v[1], &owned);
    if (code == NULL)
        return;
    pcre2_match_data *md = NULL;
    if ((kind == RX_EXTRACT || kind == RX_EXTRACT_ALL) && !group_arg(ctx, argc, v, code, &group))
        goto done;
    md = pcre2_match_data_create_from_pattern(code, NULL);
    if (md == NULL) {
        sqlite3_result_error_nomem(ctx);
        goto done;
    }
    if (kind == RX_LIKE)
        do_like(ctx, code, &v[0], md);
    else if (kind == RX_EXTRACT)
        do_extract(ctx, code, &v[0], group, md);
    else if (kind == RX_REPLACE)
        do_replace(ctx, code, &v[0], argc > 2 ? &v[2] : NULL, md);
    else
        do_collect(ctx, kind, code, &v[0], group, md);
done:
    pcre2_match_data_free(md);
    if (owned)
        pcre2_code_free(code);
}

/* clang-format off */
#define RX(name, min, max, kind, sig) \
    {name, RT_SCALAR, min, max, NULL, 0, &kind, fn_regexp, NULL, NULL, NULL, NULL, "regex", sig}

const rt_function rt_fn_regex[] = {
    RX("REGEXP_LIKE", 2, 2, K_LIKE, "REGEXP_LIKE(string, pattern) -> bool, a match anywhere"),
    RX("REGEXP_EXTRACT", 2, 3, K_EXTRACT, "REGEXP_EXTRACT(string, pattern[, group]) -> string, the first match (or its group); null when none"),
    RX("REGEXP_EXTRACT_ALL", 2, 3, K_EXTRACT_ALL, "REGEXP_EXTRACT_ALL(string, pattern[, group]) -> array of every match (or group)"),
    RX("REGEXP_REPLACE", 2, 3, K_REPLACE, "REGEXP_REPLACE(string, pattern[, replacement]) -> string; $1 / ${1} name groups"),
    RX("REGEXP_SPLIT", 2, 2, K_SPLIT, "REGEXP_SPLIT(string, pattern) -> array of the pieces between matches"),
    {NULL, 0, 0, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}};
/* clang-format on */
