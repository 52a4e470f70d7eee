/*
 * timefmt.c - formatting and parsing dates and times with strftime-style specifiers
 * (see timefmt.h).
 */
#include "timefmt.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const DAYS[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                   "Thursday", "Friday", "Saturday"};
static const char *const MONTHS[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};

static int64_t days_of(const rt_civil *c) {
    return rt_days_from_civil(c->year, c->month, c->day);
}

static int weekday0(const rt_civil *c) { /* 0 = Sunday */
    return rt_iso_weekday(days_of(c)) % 7;
}

static void put_offset(rs_buf *out, int64_t off, int colon) {
    int64_t a = off < 0 ? -off : off;
    rs_buf_printf(out, "%c%02d%s%02d", off < 0 ? '-' : '+', (int)(a / 3600), colon ? ":" : "",
                  (int)(a / 60 % 60));
}

static int format_one(rs_buf *out, char spec, const rt_civil *c, int64_t off, const char *abbr,
                      int64_t utc_micros) {
    int wd = weekday0(c), week;
    int64_t iso_year;
    switch (spec) {
    case 'Y':
        rs_buf_printf(out, "%04lld", (long long)c->year);
        break;
    case 'y':
        rs_buf_printf(out, "%02d", (int)((c->year % 100 + 100) % 100));
        break;
    case 'C':
        rs_buf_printf(out, "%02lld", (long long)(c->year / 100));
        break;
    case 'm':
        rs_buf_printf(out, "%02d", c->month);
        break;
    case 'd':
        rs_buf_printf(out, "%02d", c->day);
        break;
    case 'e':
        rs_buf_printf(out, "%2d", c->day);
        break;
    case 'j':
        rs_buf_printf(out, "%03d", rt_day_of_year(days_of(c)));
        break;
    case 'H':
        rs_buf_printf(out, "%02d", c->hour);
        break;
    case 'I':
        rs_buf_printf(out, "%02d", c->hour % 12 == 0 ? 12 : c->hour % 12);
        break;
    case 'p':
        rs_buf_puts(out, c->hour < 12 ? "AM" : "PM");
        break;
    case 'M':
        rs_buf_printf(out, "%02d", c->minute);
        break;
    case 'S':
        rs_buf_printf(out, "%02d", c->second);
        break;
    case 'f':
        rs_buf_printf(out, "%06d", c->micros);
        break;
    case 'a':
        rs_buf_printf(out, "%.3s", DAYS[wd]);
        break;
    case 'A':
        rs_buf_puts(out, DAYS[wd]);
        break;
    case 'b':
    case 'h':
        rs_buf_printf(out, "%.3s", MONTHS[c->month - 1]);
        break;
    case 'B':
        rs_buf_puts(out, MONTHS[c->month - 1]);
        break;
    case 'u':
        rs_buf_printf(out, "%d", wd == 0 ? 7 : wd);
        break;
    case 'w':
        rs_buf_printf(out, "%d", wd);
        break;
    case 'U':
        rs_buf_printf(out, "%02d", rt_week_of_year(days_of(c), 0));
        break;
    case 'W':
        rs_buf_printf(out, "%02d", rt_week_of_year(days_of(c), 1));
        break;
    case 'V':
        rt_iso_week(days_of(c), &week, &iso_year);
        rs_buf_printf(out, "%02d", week);
        break;
    case 'G':
        rt_iso_week(days_of(c), &week, &iso_year);
        rs_buf_printf(out, "%04lld", (long long)iso_year);
        break;
    case 'g':
        rt_iso_week(days_of(c), &week, &iso_year);
        rs_buf_printf(out, "%02d", (int)((iso_year % 100 + 100) % 100));
        break;
    case 'D':
        rs_buf_printf(out, "%02d/%02d/%02d", c->month, c->day, (int)((c->year % 100 + 100) % 100));
        break;
    case 'F':
        rs_buf_printf(out, "%04lld-%02d-%02d", (long long)c->year, c->month, c->day);
        break;
    case 'T':
        rs_buf_printf(out, "%02d:%02d:%02d", c->hour, c->minute, c->second);
        break;
    case 'R':
        rs_buf_printf(out, "%02d:%02d", c->hour, c->minute);
        break;
    case 'r':
        rs_buf_printf(out, "%02d:%02d:%02d %s", c->hour % 12 == 0 ? 12 : c->hour % 12, c->minute,
                      c->second, c->hour < 12 ? "AM" : "PM");
        break;
    case 's': {
        int64_t secs = utc_micros / 1000000 - (utc_micros % 1000000 < 0);
        rs_buf_printf(out, "%lld", (long long)secs);
        break;
    }
    case 'z':
        put_offset(out, off, 0);
        break;
    case 'Z':
        rs_buf_puts(out, abbr != NULL ? abbr : "UTC");
        break;
    case 'n':
        rs_buf_putc(out, '\n');
        break;
    case 't':
        rs_buf_putc(out, '\t');
        break;
    case '%':
        rs_buf_putc(out, '%');
        break;
    default:
        return -1;
    }
    return 0;
}

/* %E forms: %Ez, %E<n>S, %E*S; *used is the number of characters after '%'. */
static int format_e(rs_buf *out, const char *f, const char *end, const rt_civil *c, int64_t off,
                    size_t *used) {
    if (f + 1 < end && f[1] == 'z') {
        put_offset(out, off, 1);
        *used = 2;
        return 0;
    }
    if (f + 2 < end && (isdigit((unsigned char)f[1]) || f[1] == '*') && f[2] == 'S') {
        int digits = f[1] == '*' ? 6 : f[1] - '0';
        if (digits > 6)
            digits = 6;
        rs_buf_printf(out, "%02d", c->second);
        if (digits > 0) {
            char frac[8];
            snprintf(frac, sizeof frac, "%06d", c->micros);
            rs_buf_printf(out, ".%.*s", digits, frac);
        }
        *used = 3;
        return 0;
    }
    return -1;
}

int rt_timefmt_format(rs_buf *out, const char *fmt, size_t fmt_len, const rt_civil *c,
                      int64_t offset_s, const char *abbr, int64_t utc_micros, char *msg,
                      size_t cap) {
    const char *f = fmt, *end = fmt + fmt_len;
    while (f < end) {
        if (*f != '%' || f + 1 >= end) {
            rs_buf_putc(out, *f++);
            continue;
        }
        size_t used = 1;
        int rc = f[1] == 'E' ? format_e(out, f + 1, end, c, offset_s, &used)
                             : format_one(out, f[1], c, offset_s, abbr, utc_micros);
        if (rc != 0) {
            snprintf(msg, cap, "unknown format specifier '%%%c'", f[1]);
            return -1;
        }
        f += 1 + used;
    }
    return out->oom ? -1 : 0;
}

/* ---------------- parsing ---------------- */

typedef struct pstate {
    const char *s, *end;
    rt_civil *c;
    int pm, has_ampm, has_offset, have_epoch;
    int64_t offset, epoch;
} pstate;

static int read_num(pstate *ps, int min_digits, int max_digits, int64_t *v) {
    int n = 0, neg = 0;
    int64_t val = 0;
    if (ps->s < ps->end && (*ps->s == '-' || *ps->s == '+') && max_digits > 4) {
        neg = *ps->s == '-';
        ps->s++;
    }
    while (n < max_digits && ps->s < ps->end && isdigit((unsigned char)*ps->s)) {
        val = val * 10 + (*ps->s++ - '0');
        n++;
    }
    if (n < min_digits)
        return -1;
    *v = neg ? -val : val;
    return 0;
}

static int read_name(pstate *ps, const char *const *names, int n_names, int *index) {
    for (int full = 1; full >= 0; full--) {
        for (int i = 0; i < n_names; i++) {
            size_t len = full ? strlen(names[i]) : 3;
            if ((size_t)(ps->end - ps->s) >= len && strncasecmp(ps->s, names[i], len) == 0) {
                ps->s += len;
                *index = i;
                return 0;
            }
        }
    }
    return -1;
}

static int read_offset(pstate *ps) {
    int64_t h, m = 0;
    if (ps->s < ps->end && (*ps->s == 'Z' || *ps->s == 'z')) {
        ps->s++;
        ps->has_offset = 1;
        ps->offset = 0;
        return 0;
    }
    if (ps->s >= ps->end || (*ps->s != '+' && *ps->s != '-'))
        return -1;
    int sign = *ps->s++ == '-' ? -1 : 1;
    if (read_num(ps, 2, 2, &h) != 0)
        return -1;
    if (ps->s < ps->end && *ps->s == ':')
        ps->s++;
    if (ps->s < ps->end && isdigit((unsigned char)*ps->s) && read_num(ps, 2, 2, &m) != 0)
        return -1;
    if (h > 23 || m > 59)
        return -1;
    ps->has_offset = 1;
    ps->offset = sign * (h * 3600 + m * 60);
    return 0;
}

static int parse_one(pstate *ps, char spec) {
    int64_t v;
    int idx;
    rt_civil *c = ps->c;
    switch (spec) {
    case 'Y':
        if (read_num(ps, 1, 9, &v) != 0)
            return -1;
        c->year = v;
        return 0;
    case 'y':
        if (read_num(ps, 1, 2, &v) != 0)
            return -1;
        c->year = v >= 69 ? 1900 + v : 2000 + v;
        return 0;
    case 'C':
        if (read_num(ps, 1, 2, &v) != 0)
            return -1;
        c->year = v * 100 + c->year % 100;
        return 0;
    case 'm':
        if (read_num(ps, 1, 2, &v) != 0 || v < 1 || v > 12)
            return -1;
        c->month = (int)v;
        return 0;
    case 'd':
    case 'e':
        while (spec == 'e' && ps->s < ps->end && *ps->s == ' ')
            ps->s++;
        if (read_num(ps, 1, 2, &v) != 0 || v < 1 || v > 31)
            return -1;
        c->day = (int)v;
        return 0;
    case 'j':
        if (read_num(ps, 1, 3, &v) != 0 || v < 1 || v > 366)
            return -1;
        c->month = 1;
        c->day = (int)v; /* resolved once the year is known */
        return 0;
    case 'H':
        if (read_num(ps, 1, 2, &v) != 0 || v > 23)
            return -1;
        c->hour = (int)v;
        return 0;
    case 'I':
        if (read_num(ps, 1, 2, &v) != 0 || v < 1 || v > 12)
            return -1;
        c->hour = (int)v % 12;
        ps->has_ampm = 1;
        return 0;
    case 'p':
        if ((size_t)(ps->end - ps->s) < 2)
            return -1;
        if (strncasecmp(ps->s, "AM", 2) == 0)
            ps->pm = 0;
        else if (strncasecmp(ps->s, "PM", 2) == 0)
            ps->pm = 1;
        else
            return -1;
        ps->s += 2;
        ps->has_ampm = 1;
        return 0;
    case 'M':
        if (read_num(ps, 1, 2, &v) != 0 || v > 59)
            return -1;
        c->minute = (int)v;
        return 0;
    case 'S':
        if (read_num(ps, 1, 2, &v) != 0 || v > 59)
            return -1;
        c->second = (int)v;
        return 0;
    case 'f': {
        const char *start = ps->s;
        if (read_num(ps, 1, 6, &v) != 0)
            return -1;
        for (ptrdiff_t n = ps->s - start; n < 6; n++)
            v *= 10;
        c->micros = (int)v;
        return 0;
    }
    case 'a':
    case 'A':
        return read_name(ps, DAYS, 7, &idx);
    case 'b':
    case 'B':
    case 'h':
        if (read_name(ps, MONTHS, 12, &idx) != 0)
            return -1;
        c->month = idx + 1;
        return 0;
    case 'u':
    case 'w':
        return read_num(ps, 1, 1, &v);
    case 'U':
    case 'W':
    case 'V':
    case 'g':
        return read_num(ps, 1, 2, &v);
    case 'G':
        return read_num(ps, 1, 4, &v);
    case 's':
        if (read_num(ps, 1, 18, &v) != 0)
            return -1;
        ps->have_epoch = 1;
        ps->epoch = v;
        return 0;
    case 'z':
        return read_offset(ps);
    case 'Z':
        if ((size_t)(ps->end - ps->s) >= 3 && strncasecmp(ps->s, "UTC", 3) == 0) {
            ps->s += 3;
            ps->has_offset = 1;
            ps->offset = 0;
            return 0;
        }
        return read_offset(ps);
    case 'n':
    case 't':
        while (ps->s < ps->end && isspace((unsigned char)*ps->s))
            ps->s++;
        return 0;
    case '%':
        if (ps->s < ps->end && *ps->s == '%') {
            ps->s++;
            return 0;
        }
        return -1;
    default:
        return -2;
    }
}

/* Expansions parsed by recursion. */
static const char *expansion(char spec) {
    switch (spec) {
    case 'D':
        return "%m/%d/%y";
    case 'F':
        return "%Y-%m-%d";
    case 'T':
        return "%H:%M:%S";
    case 'R':
        return "%H:%M";
    case 'r':
        return "%I:%M:%S %p";
    default:
        return NULL;
    }
}

static int parse_with(pstate *ps, const char *fmt, size_t fmt_len, char *msg, size_t cap) {
    const char *f = fmt, *end = fmt + fmt_len;
    while (f < end) {
        if (*f != '%' || f + 1 >= end) {
            if (ps->s >= ps->end || *ps->s != *f)
                return 1;
            ps->s++;
            f++;
            continue;
        }
        char spec = f[1];
        const char *exp = expansion(spec);
        int rc;
        if (exp != NULL) {
            rc = parse_with(ps, exp, strlen(exp), msg, cap);
        } else if (spec == 'E' && f + 2 < end && f[2] == 'z') {
            rc = read_offset(ps) != 0;
            f++;
        } else {
            rc = parse_one(ps, spec);
            if (rc == -2) {
                snprintf(msg, cap, "unknown format specifier '%%%c'", spec);
                return -1;
            }
            rc = rc != 0;
        }
        if (rc != 0)
            return rc;
        f += 2;
    }
    return 0;
}

int rt_timefmt_parse(const char *text, size_t len, const char *fmt, size_t fmt_len, rt_civil *c,
                     int *has_offset, int64_t *offset_s, char *msg, size_t cap) {
    pstate ps;
    memset(&ps, 0, sizeof ps);
    memset(c, 0, sizeof *c);
    c->year = 1970;
    c->month = 1;
    c->day = 1;
    ps.s = text;
    ps.end = text + len;
    ps.c = c;
    int rc = parse_with(&ps, fmt, fmt_len, msg, cap);
    if (rc != 0)
        return rc;
    if (ps.s != ps.end)
        return 1;
    if (ps.has_ampm && ps.pm)
        c->hour += 12;
    if (c->month == 1 && c->day > 31) { /* %j */
        int64_t days = rt_days_from_civil(c->year, 1, 1) + c->day - 1;
        if (c->day > (rt_is_leap_year(c->year) ? 366 : 365))
            return 1;
        rt_civil_from_days(days, &c->year, &c->month, &c->day);
    }
    if (c->day > rt_days_in_month(c->year, c->month))
        return 1;
    if (ps.have_epoch) {
        rt_civil_from_micros(ps.epoch * RT_MICROS_PER_SECOND, c);
        ps.has_offset = 1;
        ps.offset = 0;
    }
    *has_offset = ps.has_offset;
    *offset_s = ps.offset;
    return 0;
}
