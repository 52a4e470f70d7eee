/* tpl_modules.c - the part of dbt's `modules` that macros use: modules.datetime (now, utcnow,
 * date.today, and strftime / isoformat on what they give) and modules.re (sub, findall, search,
 * match, escape).
 *
 * Times are UTC (a compile has no meaningful local zone). Patterns are Python's regular
 * expressions read as POSIX extended ones, with \d \w \s (and \D \W \S) translated; what POSIX
 * lacks (lazy quantifiers, lookarounds, named groups, backreferences in the pattern) is refused
 * with a message that says so rather than matched differently. */
#include "template/tpl_internal.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static int nomem(tpl_run *run) {
    return rs_err_set(run->err, RS_ENOMEM, "%s: out of memory", run->t->label);
}

/* ---------------------------------------------------------------- datetime */

static int set_int(rs_tpl_value *d, const char *key, long long v) {
    return rs_tpl_dict_set(d, key, rs_tpl_int(v));
}

/* A datetime (or date) value: its parts as members, rendering as Python's str() does. */
static int make_datetime(tpl_run *run, const tpl_node *at, long long epoch_s, long micros,
                         int date_only, rs_tpl_value *out) {
    time_t t = (time_t)epoch_s;
    struct tm tm;
    char text[64];
    int rc;

    if (gmtime_r(&t, &tm) == NULL)
        return tpl_run_error(run, at, RS_EINVAL, "modules.datetime: time out of range");
    if (date_only)
        snprintf(text, sizeof(text), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday);
    else
        snprintf(text, sizeof(text), "%04d-%02d-%02d %02d:%02d:%02d.%06ld", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
    rc = rs_tpl_dict(out);
    if (rc == RS_OK)
        rc = set_int(out, "year", tm.tm_year + 1900);
    if (rc == RS_OK)
        rc = set_int(out, "month", tm.tm_mon + 1);
    if (rc == RS_OK)
        rc = set_int(out, "day", tm.tm_mday);
    if (rc == RS_OK && !date_only) {
        rc = set_int(out, "hour", tm.tm_hour);
        if (rc == RS_OK)
            rc = set_int(out, "minute", tm.tm_min);
        if (rc == RS_OK)
            rc = set_int(out, "second", tm.tm_sec);
        if (rc == RS_OK)
            rc = set_int(out, "microsecond", micros);
    }
    /* the instant itself, for strftime and isoformat */
    if (rc == RS_OK)
        rc = set_int(out, "_epoch_us", epoch_s * 1000000LL + micros);
    if (rc == RS_OK)
        rc = rs_tpl_dict_set_display(out, text);
    if (rc != RS_OK) {
        if (out->type == RS_TPL_DICT)
            rs_tpl_value_free(out);
        return nomem(run);
    }
    return RS_OK;
}

static int datetime_now(tpl_run *run, const tpl_node *at, int date_only, rs_tpl_value *out) {
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return make_datetime(run, at, (long long)tv.tv_sec, date_only ? 0 : (long)tv.tv_usec, date_only,
                         out);
}

/* strftime(fmt) of a value made above: C's strftime, plus %f (microseconds) as Python has. */
int tpl_datetime_strftime(tpl_run *run, const tpl_node *at, const rs_tpl_value *dt, const char *fmt,
                          rs_tpl_value *out) {
    const rs_tpl_value *us = rs_tpl_dict_get(dt, "_epoch_us");
    rs_buf expanded = RS_BUF_INIT;
    char text[512];
    struct tm tm;
    time_t t;
    long long micros;
    size_t n;
    int rc = RS_OK;

    if (us == NULL || us->type != RS_TPL_INT)
        return RS_ENOTFOUND;
    micros = us->u.i % 1000000;
    t = (time_t)(us->u.i / 1000000);
    gmtime_r(&t, &tm);
    for (; rc == RS_OK && *fmt; fmt++) {
        if (fmt[0] == '%' && fmt[1] == 'f') {
            rc = rs_buf_printf(&expanded, "%06lld", micros);
            fmt++;
        } else if (fmt[0] == '%' && fmt[1] == '%') {
            rc = rs_buf_append(&expanded, "%%", 2);
            fmt++;
        } else {
            rc = rs_buf_append(&expanded, fmt, 1);
        }
    }
    /* strftime's 0 is both "empty" and "too long"; either way nothing is kept. The format is
     * the macro's own, as with Python's strftime. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    n = rc == RS_OK && expanded.len > 0 ? strftime(text, sizeof(text), rs_buf_cstr(&expanded), &tm)
                                        : 0;
#pragma GCC diagnostic pop
    rs_buf_free(&expanded);
    if (rc != RS_OK)
        return nomem(run);
    (void)at;
    return rs_tpl_string(out, text, n) == RS_OK ? RS_OK : nomem(run);
}

/* ---------------------------------------------------------------- re */

/* Python's pattern as POSIX ERE into out; a construct POSIX lacks is an error. */
static int translate_pattern(tpl_run *run, const tpl_node *at, const char *py, rs_buf *out) {
    static const char *const refused[] = {"*?", "+?", "??", "(?", "\\b", "\\B", "\\A", "\\Z", NULL};
    size_t i;
    int rc = RS_OK;

    for (i = 0; refused[i] != NULL; i++) {
        if (strstr(py, refused[i]) != NULL)
            return tpl_run_error(run, at, RS_EINVAL,
                                 "modules.re: '%s' in pattern '%s' is not supported (patterns are "
                                 "POSIX extended regular expressions)",
                                 refused[i], py);
    }
    for (; rc == RS_OK && *py; py++) {
        const char *with = NULL;
        if (py[0] == '\\' && py[1] != '\0') {
            switch (py[1]) {
            case 'd':
                with = "[0-9]";
                break;
            case 'D':
                with = "[^0-9]";
                break;
            case 'w':
                with = "[A-Za-z0-9_]";
                break;
            case 'W':
                with = "[^A-Za-z0-9_]";
                break;
            case 's':
                with = "[[:space:]]";
                break;
            case 'S':
                with = "[^[:space:]]";
                break;
            default:
                break;
            }
            if (with == NULL && py[1] >= '1' && py[1] <= '9')
                return tpl_run_error(run, at, RS_EINVAL,
                                     "modules.re: backreferences in a pattern are not supported");
        }
        if (with != NULL) {
            rc = rs_buf_append(out, with, strlen(with));
            py++;
        } else {
            rc = rs_buf_append(out, py, 1);
        }
    }
    return rc == RS_OK ? RS_OK : nomem(run);
}

static int compile_re(tpl_run *run, const tpl_node *at, const char *py, int icase, regex_t *re) {
    rs_buf ere = RS_BUF_INIT;
    int rc = translate_pattern(run, at, py, &ere);

    if (rc == RS_OK &&
        regcomp(re, ere.len ? rs_buf_cstr(&ere) : "", REG_EXTENDED | (icase ? REG_ICASE : 0)) != 0)
        rc = tpl_run_error(run, at, RS_EINVAL, "modules.re: invalid pattern '%s'", py);
    rs_buf_free(&ere);
    return rc;
}

/* The replacement with \1..\9 (and \g<n>) filled from the match. */
static int append_replacement(rs_buf *out, const char *repl, const char *subject,
                              const regmatch_t *m) {
    int rc = RS_OK;

    for (; rc == RS_OK && *repl; repl++) {
        if (repl[0] == '\\' && repl[1] >= '0' && repl[1] <= '9') {
            const regmatch_t *g = &m[repl[1] - '0'];
            if (g->rm_so >= 0)
                rc = rs_buf_append(out, subject + g->rm_so, (size_t)(g->rm_eo - g->rm_so));
            repl++;
        } else if (repl[0] == '\\' && repl[1] == '\\') {
            rc = rs_buf_append(out, "\\", 1);
            repl++;
        } else {
            rc = rs_buf_append(out, repl, 1);
        }
    }
    return rc;
}

typedef struct re_call {
    tpl_run *run;
    const tpl_node *at;
    const char *pattern, *subject, *repl;
    long long count;
    int icase;
} re_call;

/* re.sub(pattern, repl, string, count=0, flags=0) */
static int re_sub(re_call *c, rs_tpl_value *out) {
    regmatch_t m[10];
    rs_buf b = RS_BUF_INIT;
    const char *p = c->subject;
    long long done = 0;
    regex_t re;
    int rc = compile_re(c->run, c->at, c->pattern, c->icase, &re);

    if (rc != RS_OK)
        return rc;
    while (rc == RS_OK && (c->count <= 0 || done < c->count) &&
           regexec(&re, p, 10, m, p == c->subject ? 0 : REG_NOTBOL) == 0) {
        rc = rs_buf_append(&b, p, (size_t)m[0].rm_so);
        if (rc == RS_OK)
            rc = append_replacement(&b, c->repl, p, m);
        done++;
        if (m[0].rm_eo == m[0].rm_so) { /* an empty match: step over one character */
            if (p[m[0].rm_eo] == '\0') {
                p += m[0].rm_eo;
                break;
            }
            if (rc == RS_OK)
                rc = rs_buf_append(&b, p + m[0].rm_eo, 1);
            p += m[0].rm_eo + 1;
        } else {
            p += m[0].rm_eo;
        }
    }
    if (rc == RS_OK)
        rc = rs_buf_append(&b, p, strlen(p));
    if (rc == RS_OK)
        rc = rs_tpl_string(out, b.len ? rs_buf_cstr(&b) : "", b.len);
    regfree(&re);
    rs_buf_free(&b);
    return rc == RS_OK ? RS_OK : nomem(c->run);
}

/* re.findall(pattern, string): every match (group 1 when there is a group). */
static int re_findall(re_call *c, rs_tpl_value *out) {
    regmatch_t m[2];
    const char *p = c->subject;
    regex_t re;
    int rc = compile_re(c->run, c->at, c->pattern, c->icase, &re);

    if (rc != RS_OK)
        return rc;
    rc = rs_tpl_list(out);
    while (rc == RS_OK && *p && regexec(&re, p, 2, m, p == c->subject ? 0 : REG_NOTBOL) == 0) {
        const regmatch_t *g = re.re_nsub > 0 ? &m[1] : &m[0];
        rs_tpl_value item;
        rc = rs_tpl_string(&item, g->rm_so >= 0 ? p + g->rm_so : "",
                           g->rm_so >= 0 ? (size_t)(g->rm_eo - g->rm_so) : 0);
        if (rc == RS_OK)
            rc = rs_tpl_list_append(out, item);
        p += m[0].rm_eo > m[0].rm_so ? m[0].rm_eo : m[0].rm_eo + 1;
    }
    regfree(&re);
    if (rc != RS_OK) {
        rs_tpl_value_free(out);
        return nomem(c->run);
    }
    return RS_OK;
}

/* re.search / re.match: the matched text (match: only at the start), or none. Enough for
 * "if modules.re.match(...)"; a match object's methods are not offered. */
static int re_find(re_call *c, int anchored, rs_tpl_value *out) {
    regmatch_t m[1];
    regex_t re;
    int rc = compile_re(c->run, c->at, c->pattern, c->icase, &re);

    if (rc != RS_OK)
        return rc;
    if (regexec(&re, c->subject, 1, m, 0) == 0 && (!anchored || m[0].rm_so == 0))
        rc = rs_tpl_string(out, c->subject + m[0].rm_so, (size_t)(m[0].rm_eo - m[0].rm_so));
    else
        *out = rs_tpl_none();
    regfree(&re);
    return rc == RS_OK ? RS_OK : nomem(c->run);
}

/* re.escape(s): every character that is not a letter, digit or _ behind a backslash. */
static int re_escape(re_call *c, rs_tpl_value *out) {
    rs_buf b = RS_BUF_INIT;
    const char *p;
    int rc = RS_OK;

    for (p = c->subject; rc == RS_OK && *p; p++) {
        int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || *p == '_' || (unsigned char)*p >= 0x80;
        if (!plain)
            rc = rs_buf_append(&b, "\\", 1);
        if (rc == RS_OK)
            rc = rs_buf_append(&b, p, 1);
    }
    if (rc == RS_OK)
        rc = rs_tpl_string(out, b.len ? rs_buf_cstr(&b) : "", b.len);
    rs_buf_free(&b);
    return rc == RS_OK ? RS_OK : nomem(c->run);
}

static int call_re(tpl_run *run, const tpl_node *n, const rs_tpl_args *args, rs_tpl_value *out) {
    static const char *const sub_params[] = {"pattern", "repl", "string", "count", "flags", NULL};
    static const char *const find_params[] = {"pattern", "string", "flags", NULL};
    static const char *const esc_params[] = {"pattern", NULL};
    const char *name = n->str;
    int is_sub = strcmp(name, "sub") == 0, is_escape = strcmp(name, "escape") == 0;
    const rs_tpl_value *a[TPL_MAX_PARAMS];
    char fname[48];
    re_call c;
    int rc;

    if (!is_sub && !is_escape && strcmp(name, "findall") != 0 && strcmp(name, "search") != 0 &&
        strcmp(name, "match") != 0)
        return tpl_run_error(run, n, RS_EINVAL,
                             "modules.re has no function '%s' (sub, findall, search, match, "
                             "escape)",
                             name);
    snprintf(fname, sizeof(fname), "modules.re.%.20s()", name);
    rc = tpl_bind_args(run, n, fname, args,
                       is_sub      ? sub_params
                       : is_escape ? esc_params
                                   : find_params,
                       is_sub      ? 3
                       : is_escape ? 1
                                   : 2,
                       a);
    if (rc != RS_OK)
        return rc;
    memset(&c, 0, sizeof(c));
    c.run = run;
    c.at = n;
    c.pattern = rs_tpl_value_str(a[0], NULL);
    c.subject = rs_tpl_value_str(a[is_sub ? 2 : is_escape ? 0 : 1], NULL);
    c.repl = is_sub ? rs_tpl_value_str(a[1], NULL) : "";
    c.count = is_sub && a[3] != NULL && a[3]->type == RS_TPL_INT ? a[3]->u.i : 0;
    /* re.I / re.IGNORECASE is 2 in Python */
    c.icase = !is_escape && a[is_sub ? 4 : 2] != NULL && a[is_sub ? 4 : 2]->type == RS_TPL_INT &&
              (a[is_sub ? 4 : 2]->u.i & 2) != 0;
    if (c.pattern == NULL || c.subject == NULL || c.repl == NULL)
        return tpl_run_error(run, n, RS_EINVAL, "%s takes strings", fname);
    if (is_sub)
        return re_sub(&c, out);
    if (is_escape)
        return re_escape(&c, out);
    if (strcmp(name, "findall") == 0)
        return re_findall(&c, out);
    return re_find(&c, strcmp(name, "match") == 0, out);
}

int tpl_call_module(tpl_run *run, const tpl_node *n, const rs_tpl_args *args, rs_tpl_value *out,
                    int *done) {
    const tpl_node *a = n->a;
    const char *mod, *sub = NULL;

    *done = 0;
    if (a->kind != N_ATTR)
        return RS_OK;
    if (a->a->kind == N_ATTR && a->a->a->kind == N_NAME && strcmp(a->a->a->str, "modules") == 0) {
        mod = a->a->str; /* modules.datetime.datetime.now() */
        sub = a->str;
    } else if (a->a->kind == N_NAME && strcmp(a->a->str, "modules") == 0) {
        mod = a->str; /* modules.re.sub(...) */
    } else {
        return RS_OK;
    }
    if (tpl_frame_slot(run->frame, "modules") != NULL)
        return RS_OK; /* a variable of that name wins */
    *done = 1;
    if (sub == NULL && strcmp(mod, "re") == 0)
        return call_re(run, n, args, out);
    if (sub != NULL && strcmp(mod, "datetime") == 0 && args->n_pos == 0 && args->n_kw == 0) {
        if (strcmp(sub, "datetime") == 0 &&
            (strcmp(n->str, "now") == 0 || strcmp(n->str, "utcnow") == 0))
            return datetime_now(run, n, 0, out);
        if (strcmp(sub, "date") == 0 && strcmp(n->str, "today") == 0)
            return datetime_now(run, n, 1, out);
    }
    return tpl_run_error(run, n, RS_EINVAL,
                         "modules: only re (sub, findall, search, match, escape), "
                         "datetime.datetime.now() / utcnow() and datetime.date.today() are "
                         "offered");
}
