/*
 * ops.c - arithmetic and LIKE on Rockset values (see ops.h).
 */
#include "ops.h"
#include "datetime.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <wctype.h>

/* ---------------- numbers ---------------- */

static int int_op(char op, int64_t x, int64_t y, rv *out, char *msg, size_t cap) {
    int64_t r = 0;
    int overflow = 0;
    switch (op) {
    case '+':
        overflow = __builtin_add_overflow(x, y, &r);
        break;
    case '-':
        overflow = __builtin_sub_overflow(x, y, &r);
        break;
    case '*':
        overflow = __builtin_mul_overflow(x, y, &r);
        break;
    default:
        if (y == 0) {
            snprintf(msg, cap, "division by zero");
            return -1;
        }
        if (x == INT64_MIN && y == -1) {
            overflow = op == '/';
            r = 0;
        } else {
            r = op == '/' ? x / y : x % y;
        }
    }
    if (overflow) {
        snprintf(msg, cap, "integer overflow in operator %c", op);
        return -1;
    }
    *out = rv_int(r);
    return 0;
}

static int float_op(char op, double x, double y, rv *out, char *msg, size_t cap) {
    if ((op == '/' || op == '%') && y == 0) {
        snprintf(msg, cap, "division by zero");
        return -1;
    }
    double r = op == '+'   ? x + y
               : op == '-' ? x - y
               : op == '*' ? x * y
               : op == '/' ? x / y
                           : fmod(x, y);
    *out = rv_float(r);
    return 0;
}

/* ---------------- dates and times ---------------- */

int64_t rt_add_months(int64_t micros, int64_t months) {
    rt_civil c;
    int64_t out;
    rt_civil_from_micros(micros, &c);
    int64_t total = c.year * 12 + (c.month - 1) + months;
    int64_t year = total >= 0 ? total / 12 : -((-total + 11) / 12);
    c.year = year;
    c.month = (int)(total - year * 12) + 1;
    int dim = rt_days_in_month(c.year, c.month);
    if (c.day > dim)
        c.day = dim;
    if (rt_micros_from_civil(&c, &out) != 0)
        return micros; /* beyond the representable years: unchanged (caller checks range) */
    return out;
}

static int is_interval(rv_type t) {
    return t == RV_MONTH_INTERVAL || t == RV_MICROSECOND_INTERVAL;
}

static int is_wall(rv_type t) {
    return t == RV_TIMESTAMP || t == RV_DATETIME;
}

/* instant/date +- interval */
static int shift(const rv *t, int64_t sign, const rv *iv, rv *out) {
    int64_t amount = sign * iv->i;
    if (t->type == RV_DATE) {
        if (iv->type == RV_MONTH_INTERVAL) {
            int64_t m = rt_add_months(t->i * RT_MICROS_PER_DAY, amount);
            *out = rv_typed(RV_DATE, m / RT_MICROS_PER_DAY);
        } else if (amount % RT_MICROS_PER_DAY == 0) {
            *out = rv_typed(RV_DATE, t->i + amount / RT_MICROS_PER_DAY);
        } else {
            *out = rv_typed(RV_DATETIME, t->i * RT_MICROS_PER_DAY + amount);
        }
        return 0;
    }
    if (t->type == RV_TIME) {
        if (iv->type != RV_MICROSECOND_INTERVAL)
            return -1;
        int64_t r = (t->i + amount) % RT_MICROS_PER_DAY;
        *out = rv_typed(RV_TIME, r < 0 ? r + RT_MICROS_PER_DAY : r);
        return 0;
    }
    if (iv->type == RV_MONTH_INTERVAL)
        *out = rv_typed(t->type, rt_add_months(t->i, amount));
    else
        *out = rv_typed(t->type, t->i + amount);
    return 0;
}

static int temporal_op(char op, const rv *a, const rv *b, rv *out) {
    int temporal_a = a->type >= RV_DATE && a->type <= RV_TIMESTAMP;
    int temporal_b = b->type >= RV_DATE && b->type <= RV_TIMESTAMP;
    if (temporal_a && is_interval(b->type) && (op == '+' || op == '-'))
        return shift(a, op == '-' ? -1 : 1, b, out);
    if (is_interval(a->type) && temporal_b && op == '+')
        return shift(b, 1, a, out);
    if (a->type == RV_DATE && b->type == RV_INT && (op == '+' || op == '-')) {
        *out = rv_typed(RV_DATE, a->i + (op == '-' ? -b->i : b->i));
        return 0;
    }
    if (a->type == RV_INT && b->type == RV_DATE && op == '+') {
        *out = rv_typed(RV_DATE, a->i + b->i);
        return 0;
    }
    if (op == '-' && a->type == b->type && (is_wall(a->type) || a->type == RV_TIME)) {
        *out = rv_typed(RV_MICROSECOND_INTERVAL, a->i - b->i);
        return 0;
    }
    if (op == '-' && a->type == RV_DATE && b->type == RV_DATE) {
        *out = rv_typed(RV_MICROSECOND_INTERVAL, (a->i - b->i) * RT_MICROS_PER_DAY);
        return 0;
    }
    if (is_interval(a->type) && a->type == b->type && (op == '+' || op == '-')) {
        *out = rv_typed(a->type, op == '+' ? a->i + b->i : a->i - b->i);
        return 0;
    }
    const rv *iv = is_interval(a->type) ? a : b, *n = is_interval(a->type) ? b : a;
    if (is_interval(iv->type) && rv_is_number(n) && (op == '*' || (op == '/' && iv == a))) {
        double f = rv_as_double(n);
        if (op == '/' && f == 0)
            return -2;
        double r = op == '*' ? (double)iv->i * f : (double)iv->i / f;
        if (n->type == RV_INT && op == '*')
            *out = rv_typed(iv->type, iv->i * n->i);
        else
            *out = rv_typed(iv->type, (int64_t)trunc(r));
        return 0;
    }
    return -1;
}

int rt_arith(char op, const rv *a, const rv *b, rv *out, char *msg, size_t cap) {
    if (a->type == RV_INT && b->type == RV_INT)
        return int_op(op, a->i, b->i, out, msg, cap);
    if (rv_is_number(a) && rv_is_number(b))
        return float_op(op, rv_as_double(a), rv_as_double(b), out, msg, cap);
    int rc = temporal_op(op, a, b, out);
    if (rc == 0)
        return 0;
    if (rc == -2)
        snprintf(msg, cap, "division by zero");
    else
        snprintf(msg, cap, "operator %c: cannot apply to %s and %s", op, rv_type_name(a->type),
                 rv_type_name(b->type));
    return -1;
}

/* ---------------- UTF-8 and case ---------------- */

unsigned rt_utf8_next(const char *s, size_t n, size_t *len) {
    const unsigned char *u = (const unsigned char *)s;
    unsigned cp;
    size_t need;
    if (u[0] < 0x80) {
        *len = 1;
        return u[0];
    }
    if ((u[0] & 0xE0) == 0xC0) {
        cp = u[0] & 0x1F;
        need = 2;
    } else if ((u[0] & 0xF0) == 0xE0) {
        cp = u[0] & 0x0F;
        need = 3;
    } else if ((u[0] & 0xF8) == 0xF0) {
        cp = u[0] & 0x07;
        need = 4;
    } else {
        *len = 1;
        return u[0];
    }
    if (need > n) {
        *len = 1;
        return u[0];
    }
    for (size_t i = 1; i < need; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *len = 1;
            return u[0];
        }
        cp = (cp << 6) | (u[i] & 0x3F);
    }
    *len = need;
    return cp;
}

static pthread_once_t locale_once = PTHREAD_ONCE_INIT;
static locale_t utf8_locale;

static void load_locale(void) {
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

unsigned rt_to_lower(unsigned cp) {
    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    pthread_once(&locale_once, load_locale);
    return utf8_locale != (locale_t)0 ? (unsigned)towlower_l((wint_t)cp, utf8_locale) : cp;
}

unsigned rt_to_upper(unsigned cp) {
    if (cp < 0x80)
        return cp >= 'a' && cp <= 'z' ? cp - 32 : cp;
    pthread_once(&locale_once, load_locale);
    return utf8_locale != (locale_t)0 ? (unsigned)towupper_l((wint_t)cp, utf8_locale) : cp;
}

/* ---------------- LIKE ---------------- */

typedef struct like_ctx {
    const char *s, *s_end, *p, *p_end;
    int escape, fold;
} like_ctx;

static unsigned fold_cp(unsigned cp, int fold) {
    return fold ? rt_to_lower(cp) : cp;
}

/* Whether the byte matcher below answers p as the general one would: p is ASCII, case counts,
 * and p has no '_' and no escape character, so it is literal runs between '%'s. An ASCII byte
 * is never part of a multi-byte character and the general matcher reads each as itself, so a
 * run found by bytes sits on the characters the general matcher would compare, and what lies
 * between two runs is whole characters. (Folding is left out: a non-ASCII letter such as the
 * Kelvin sign lowers to an ASCII one.) */
static int literal_runs_only(const char *p, size_t p_len, int escape, int fold_case) {
    if (fold_case)
        return 0;
    for (size_t i = 0; i < p_len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x80 || c == '_' || (escape >= 0 && c == (unsigned)escape))
            return 0;
    }
    return 1;
}

/* p as literal runs between '%'s: the first at the start of s, the last at its end, those
 * between found leftmost in order (leftmost leaves the most room for the rest). Dashboards'
 * `NOT LIKE '%generate-matrix%'` on every row is one memmem. */
static int like_by_runs(const char *s, size_t s_len, const char *p, size_t p_len) {
    if (s == NULL) /* an empty value may come without text: memcmp needs a pointer */
        s = "";
    if (p == NULL)
        p = "";
    const char *first_pct = memchr(p, '%', p_len), *p_end = p + p_len;
    if (first_pct == NULL)
        return s_len == p_len && memcmp(s, p, p_len) == 0;
    size_t head = (size_t)(first_pct - p), tail = 0;
    while (tail < p_len && p[p_len - 1 - tail] != '%')
        tail++;
    if (head + tail > s_len || memcmp(s, p, head) != 0 ||
        memcmp(s + s_len - tail, p_end - tail, tail) != 0)
        return 0;
    const char *at = s + head, *limit = s + s_len - tail, *run = first_pct;
    while (run < p_end - tail) {
        while (run < p_end && *run == '%')
            run++;
        const char *run_end = memchr(run, '%', (size_t)(p_end - run));
        if (run_end == NULL) /* the tail, already matched */
            break;
        size_t run_len = (size_t)(run_end - run);
        const char *found = memmem(at, (size_t)(limit - at), run, run_len);
        if (found == NULL)
            return 0;
        at = found + run_len;
        run = run_end;
    }
    return 1;
}

/* Iterative matcher with backtracking to the last '%' (linear in practice, no recursion). */
int rt_like_match(const char *s, size_t s_len, const char *p, size_t p_len, int escape,
                  int fold_case) {
    if (literal_runs_only(p, p_len, escape, fold_case))
        return like_by_runs(s, s_len, p, p_len);
    const char *s_end = s + s_len, *p_end = p + p_len;
    const char *star_p = NULL, *star_s = NULL;
    while (s < s_end) {
        size_t pl = 0, sl = 0;
        if (p < p_end && *p == '%' && escape != '%') {
            while (p < p_end && *p == '%')
                p++;
            star_p = p;
            star_s = s;
            continue;
        }
        if (p < p_end) {
            int literal = 0;
            const char *q = p;
            if (escape >= 0 && (unsigned char)*q == (unsigned)escape && q + 1 < p_end) {
                q++;
                literal = 1;
            }
            unsigned pc = rt_utf8_next(q, (size_t)(p_end - q), &pl);
            unsigned sc = rt_utf8_next(s, (size_t)(s_end - s), &sl);
            if ((!literal && pc == '_') || fold_cp(pc, fold_case) == fold_cp(sc, fold_case)) {
                p = q + pl;
                s += sl;
                continue;
            }
        }
        if (star_p == NULL)
            return 0;
        rt_utf8_next(star_s, (size_t)(s_end - star_s), &sl);
        star_s += sl;
        s = star_s;
        p = star_p;
    }
    while (p < p_end && *p == '%' && escape != '%')
        p++;
    return p == p_end;
}
