/*
 * datetime.c - calendar arithmetic and temporal text forms (see datetime.h).
 *
 * The day-count conversions are Howard Hinnant's civil-from-days algorithms (public domain
 * descriptions), exact for every int64 year range we accept.
 */
#include "datetime.h"

#include <stdio.h>

int rt_is_leap_year(int64_t year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int rt_days_in_month(int64_t year, int month) {
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    return month == 2 && rt_is_leap_year(year) ? 29 : dim[month - 1];
}

int64_t rt_days_from_civil(int64_t year, int month, int day) {
    int64_t y = year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned m = (unsigned)month;
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + (unsigned)day - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void rt_civil_from_days(int64_t days, int64_t *year, int *month, int *day) {
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int64_t)yoe + era * 400 + (*month <= 2);
}

int rt_iso_weekday(int64_t days) {
    /* 1970-01-01 was a Thursday (4) */
    int64_t w = (days + 3) % 7;
    if (w < 0)
        w += 7;
    return (int)w + 1;
}

int rt_day_of_year(int64_t days) {
    int64_t year;
    int month, day;
    rt_civil_from_days(days, &year, &month, &day);
    return (int)(days - rt_days_from_civil(year, 1, 1)) + 1;
}

int rt_week_of_year(int64_t days, int monday_first) {
    /* days since the week's first day: 0 ... 6 */
    int into_week = monday_first ? rt_iso_weekday(days) - 1 : rt_iso_weekday(days) % 7;
    return (rt_day_of_year(days) - 1 + 7 - into_week) / 7;
}

void rt_iso_week(int64_t days, int *week, int64_t *year) {
    /* the week belongs to the year of its Thursday */
    int64_t thursday = days - rt_iso_weekday(days) + 4;
    int month, day;
    rt_civil_from_days(thursday, year, &month, &day);
    *week = (int)((thursday - rt_days_from_civil(*year, 1, 1)) / 7) + 1;
}

void rt_split_micros(int64_t micros, int64_t *days, int64_t *micros_of_day) {
    int64_t d = micros / RT_MICROS_PER_DAY;
    int64_t rem = micros % RT_MICROS_PER_DAY;
    if (rem < 0) {
        rem += RT_MICROS_PER_DAY;
        d--;
    }
    *days = d;
    *micros_of_day = rem;
}

void rt_civil_from_micros(int64_t micros, rt_civil *out) {
    int64_t days, rem;
    rt_split_micros(micros, &days, &rem);
    rt_civil_from_days(days, &out->year, &out->month, &out->day);
    out->micros = (int)(rem % 1000000);
    rem /= 1000000;
    out->second = (int)(rem % 60);
    out->minute = (int)(rem / 60 % 60);
    out->hour = (int)(rem / 3600);
}

int rt_micros_from_civil(const rt_civil *c, int64_t *micros) {
    if (c->month < 1 || c->month > 12 || c->day < 1 || c->day > rt_days_in_month(c->year, c->month))
        return -1;
    if (c->hour < 0 || c->hour > 23 || c->minute < 0 || c->minute > 59 || c->second < 0 ||
        c->second > 59 || c->micros < 0 || c->micros > 999999)
        return -1;
    /* years beyond +-290,000 overflow int64 microseconds */
    if (c->year < -290000 || c->year > 290000)
        return -1;
    int64_t days = rt_days_from_civil(c->year, c->month, c->day);
    *micros = ((days * 24 + c->hour) * 60 + c->minute) * 60 * RT_MICROS_PER_SECOND +
              (int64_t)c->second * RT_MICROS_PER_SECOND + c->micros;
    return 0;
}

/* ---------------- parsing ---------------- */

typedef struct cursor {
    const char *p, *end;
    int lenient; /* rt_parse_iso8601's leniency: a day past its month's end rolls forward */
} cursor;

static int is_digit(char c) {
    return c >= '0' && c <= '9';
}

/* min..max digits into *v; 0 when fewer than min digits */
static int read_digits(cursor *c, int min_digits, int max_digits, int *v) {
    int n = 0, val = 0;
    while (n < max_digits && c->p < c->end && is_digit(*c->p)) {
        val = val * 10 + (*c->p - '0');
        c->p++;
        n++;
    }
    if (n < min_digits)
        return 0;
    *v = val;
    return 1;
}

static int accept(cursor *c, char ch) {
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

static int parse_date_part(cursor *c, rt_civil *out) {
    int y, m, d;
    if (!read_digits(c, 4, 4, &y) || !accept(c, '-'))
        return -1;
    if (!read_digits(c, 1, 2, &m) || !accept(c, '-'))
        return -1;
    if (!read_digits(c, 1, 2, &d))
        return -1;
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    if (d > rt_days_in_month(y, m)) {
        if (!c->lenient)
            return -1;
        d -= rt_days_in_month(y, m);
        if (++m > 12) {
            m = 1;
            y++;
        }
    }
    out->year = y;
    out->month = m;
    out->day = d;
    return 0;
}

/* .fraction: 1 to 9 digits, the first 6 kept */
static int parse_fraction(cursor *c, int *micros) {
    int digits = 0, frac = 0;
    while (c->p < c->end && is_digit(*c->p)) {
        if (digits < 6)
            frac = frac * 10 + (*c->p - '0');
        digits++;
        c->p++;
    }
    if (digits == 0 || digits > 9)
        return -1;
    for (int k = digits; k < 6; k++)
        frac *= 10;
    *micros = frac;
    return 0;
}

static int parse_time_part(cursor *c, int seconds_optional, rt_civil *out) {
    int h, mi, s = 0, us = 0;
    if (!read_digits(c, 1, 2, &h) || !accept(c, ':') || !read_digits(c, 1, 2, &mi))
        return -1;
    if (accept(c, ':')) {
        if (!read_digits(c, 1, 2, &s))
            return -1;
        if (accept(c, '.') && parse_fraction(c, &us) != 0)
            return -1;
    } else if (!seconds_optional) {
        return -1;
    }
    if (h > 23 || mi > 59 || s > 59)
        return -1;
    out->hour = h;
    out->minute = mi;
    out->second = s;
    out->micros = us;
    return 0;
}

int rt_parse_date(const char *s, size_t len, int64_t *days) {
    cursor c = {s, s + len, 0};
    rt_civil civ = {0};
    if (parse_date_part(&c, &civ) != 0 || c.p != c.end)
        return -1;
    *days = rt_days_from_civil(civ.year, civ.month, civ.day);
    return 0;
}

int rt_parse_time(const char *s, size_t len, int64_t *micros) {
    cursor c = {s, s + len, 0};
    rt_civil civ = {0};
    if (parse_time_part(&c, 0, &civ) != 0 || c.p != c.end)
        return -1;
    *micros = ((int64_t)civ.hour * 3600 + civ.minute * 60 + civ.second) * RT_MICROS_PER_SECOND +
              civ.micros;
    return 0;
}

int rt_parse_datetime(const char *s, size_t len, int64_t *micros) {
    cursor c = {s, s + len, 0};
    rt_civil civ = {0};
    if (parse_date_part(&c, &civ) != 0)
        return -1;
    if ((accept(&c, ' ') || accept(&c, 'T')) && parse_time_part(&c, 0, &civ) != 0)
        return -1;
    if (c.p != c.end)
        return -1;
    return rt_micros_from_civil(&civ, micros);
}

static int parse_zone(cursor *c, int *zone_minutes) {
    *zone_minutes = 0;
    if (accept(c, 'Z') || accept(c, 'z'))
        return 0;
    if (c->p >= c->end || (*c->p != '+' && *c->p != '-'))
        return 0;
    int sign = *c->p == '-' ? -1 : 1, zh, zm = 0;
    c->p++;
    if (!read_digits(c, 2, 2, &zh))
        return -1;
    accept(c, ':');
    if (c->p < c->end && is_digit(*c->p) && !read_digits(c, 2, 2, &zm))
        return -1;
    if (zh > 23 || zm > 59)
        return -1;
    *zone_minutes = sign * (zh * 60 + zm);
    return 0;
}

static int parse_timestamp_at(cursor c, int64_t *micros) {
    rt_civil civ = {0};
    int zone_minutes = 0;
    int64_t local;
    if (parse_date_part(&c, &civ) != 0)
        return -1;
    if ((accept(&c, ' ') || accept(&c, 'T')) && parse_time_part(&c, 1, &civ) != 0)
        return -1;
    if (parse_zone(&c, &zone_minutes) != 0 || c.p != c.end)
        return -1;
    if (rt_micros_from_civil(&civ, &local) != 0)
        return -1;
    *micros = local - (int64_t)zone_minutes * 60 * RT_MICROS_PER_SECOND;
    return 0;
}

int rt_parse_timestamp(const char *s, size_t len, int64_t *micros) {
    cursor c = {s, s + len, 0};
    return parse_timestamp_at(c, micros);
}

static int is_space(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

int rt_parse_iso8601(const char *s, size_t len, int date_only, int64_t *out) {
    cursor c = {s, s + len, 1};
    rt_civil civ = {0};
    while (c.p < c.end && is_space(*c.p))
        c.p++;
    while (c.end > c.p && is_space(c.end[-1]))
        c.end--;
    if (!date_only)
        return parse_timestamp_at(c, out);
    cursor whole = c;
    if (parse_date_part(&c, &civ) == 0 && c.p == c.end) {
        *out = rt_days_from_civil(civ.year, civ.month, civ.day);
        return 0;
    }
    int64_t micros, rest;
    if (parse_timestamp_at(whole, &micros) != 0)
        return -1;
    rt_split_micros(micros, out, &rest);
    return 0;
}

/* ---------------- formatting ---------------- */

void rt_format_date(char *dst, size_t cap, int64_t days) {
    int64_t y;
    int m, d;
    rt_civil_from_days(days, &y, &m, &d);
    snprintf(dst, cap, "%04lld-%02d-%02d", (long long)y, m, d);
}

void rt_format_time(char *dst, size_t cap, int64_t micros) {
    int64_t days, rem;
    rt_split_micros(micros, &days, &rem);
    int us = (int)(rem % 1000000), secs = (int)(rem / 1000000);
    if (us)
        snprintf(dst, cap, "%02d:%02d:%02d.%06d", secs / 3600, secs / 60 % 60, secs % 60, us);
    else
        snprintf(dst, cap, "%02d:%02d:%02d", secs / 3600, secs / 60 % 60, secs % 60);
}

/* v as n decimal digits, zero-padded, at p; p past them. */
static char *put_digits(char *p, int v, int n) {
    for (int i = n - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + n;
}

/* "YYYY-MM-DDTHH:MM:SS[.ffffff]<zone>" written digit by digit: every timestamp of every result
 * row and WITH query row is written here, and snprintf's format parsing cost more than the rest
 * of the conversion. Years outside 0..9999 (a sign or a fifth digit) go through snprintf. */
static void format_civil(char *dst, size_t cap, const rt_civil *c, int fraction, const char *zone) {
    if (c->year < 0 || c->year > 9999 || cap < 32) {
        if (fraction)
            snprintf(dst, cap, "%04lld-%02d-%02dT%02d:%02d:%02d.%06d%s", (long long)c->year,
                     c->month, c->day, c->hour, c->minute, c->second, c->micros, zone);
        else
            snprintf(dst, cap, "%04lld-%02d-%02dT%02d:%02d:%02d%s", (long long)c->year, c->month,
                     c->day, c->hour, c->minute, c->second, zone);
        return;
    }
    char *p = put_digits(dst, (int)c->year, 4);
    *p++ = '-';
    p = put_digits(p, c->month, 2);
    *p++ = '-';
    p = put_digits(p, c->day, 2);
    *p++ = 'T';
    p = put_digits(p, c->hour, 2);
    *p++ = ':';
    p = put_digits(p, c->minute, 2);
    *p++ = ':';
    p = put_digits(p, c->second, 2);
    if (fraction) {
        *p++ = '.';
        p = put_digits(p, c->micros, 6);
    }
    while (*zone)
        *p++ = *zone++;
    *p = '\0';
}

void rt_format_datetime(char *dst, size_t cap, int64_t micros) {
    rt_civil c;
    rt_civil_from_micros(micros, &c);
    format_civil(dst, cap, &c, 1, "");
}

void rt_format_timestamp(char *dst, size_t cap, int64_t micros) {
    rt_civil c;
    rt_civil_from_micros(micros, &c);
    format_civil(dst, cap, &c, 1, "Z");
}

void rt_format_timestamp_seconds(char *dst, size_t cap, int64_t micros) {
    rt_civil c;
    rt_civil_from_micros(micros, &c);
    format_civil(dst, cap, &c, 0, "Z");
}

int64_t rt_micros_of(int64_t count, int64_t scale) {
    if (count > INT64_MAX / scale)
        return INT64_MAX;
    if (count < INT64_MIN / scale)
        return INT64_MIN;
    return count * scale;
}
