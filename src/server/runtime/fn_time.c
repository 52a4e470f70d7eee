/*
 * fn_time.c - date and time functions: current values, constructors, AT TIME ZONE, EXTRACT,
 * DATE_TRUNC, DATE_DIFF, DATE_ADD/SUB, interval constructors, TIME_BUCKET, ISO 8601 and
 * format-string parsing and formatting, epoch conversions. UTC is the default zone; zones are
 * IANA names or intervals (tz.h). Where Rockset's pages are lost, BigQuery's rules are followed;
 * docs/sql-subset.md lists every decision.
 */
#include "datetime.h"
#include "fn_util.h"
#include "ops.h"
#include "timefmt.h"
#include "tz.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const int64_t US_SECOND = RT_MICROS_PER_SECOND, US_MINUTE = INT64_C(60000000),
                     US_HOUR = INT64_C(3600000000), US_DAY = RT_MICROS_PER_DAY;

static void result_typed(sqlite3_context *ctx, rv_type t, int64_t i) {
    rv v = rv_typed(t, i);
    rv_result(ctx, &v);
}

static int is_instantish(rv_type t) {
    return t == RV_DATE || t == RV_DATETIME || t == RV_TIMESTAMP;
}

/* A time zone argument (string name or interval). 0 after setting an error on ctx. */
static int tz_arg(sqlite3_context *ctx, const rv *v, rt_tz *out, const char *who) {
    char msg[160];
    if (v->type == RV_MICROSECOND_INTERVAL) {
        *out = rt_tz_fixed(v->i / US_SECOND);
        return 1;
    }
    if (v->type != RV_STRING) {
        snprintf(msg, sizeof msg, "%s: the time zone must be a string or an interval, got %s", who,
                 rv_type_name(v->type));
        sqlite3_result_error(ctx, msg, -1);
        return 0;
    }
    char err[140];
    if (rt_tz_find(v->s, v->len, out, err, sizeof err) != 0) {
        snprintf(msg, sizeof msg, "%s: %s", who, err);
        sqlite3_result_error(ctx, msg, -1);
        return 0;
    }
    return 1;
}

/* ---------------- current values ---------------- */

/* The translator passes julianday('now') first, so that a statement reads the clock once. */
static int64_t now_from(sqlite3_value *jd) {
    double d = sqlite3_value_double(jd);
    return (int64_t)llround((d - 2440587.5) * 86400000.0) * 1000;
}

static void fn_current(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv_type want = (rv_type)(intptr_t)rt_fn_of(ctx)->user_data;
    int64_t now = now_from(argv[0]), days, rest;
    rt_tz tz = rt_tz_fixed(0);
    if (argc > 1) {
        rv z;
        rv_from_sqlite(argv[1], &z);
        if (rv_is_nullish(&z)) {
            rv_result_null(ctx);
            return;
        }
        if (!tz_arg(ctx, &z, &tz, rt_name(ctx)))
            return;
    }
    if (want == RV_TIMESTAMP) {
        result_typed(ctx, RV_TIMESTAMP, now);
        return;
    }
    int64_t local = rt_tz_to_local(tz, now);
    rt_split_micros(local, &days, &rest);
    result_typed(ctx, want, want == RV_DATE ? days : want == RV_TIME ? rest : local);
}

/* ---------------- constructors ---------------- */

static int want_ints(sqlite3_context *ctx, const rv *v, int argc) {
    for (int i = 0; i < argc; i++)
        if (!rt_want_int(ctx, v, i, argc))
            return 0;
    return 1;
}

/* DATE(y, m, d) | DATE(timestamp[, tz]) | DATE(datetime) | DATE(string) */
static void fn_date(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[3];
    int64_t days, rest;
    if (!rt_args(ctx, argc, argv, v, 1))
        return;
    if (argc == 3) {
        rt_civil c = {v[0].i, (int)v[1].i, (int)v[2].i, 0, 0, 0, 0};
        int64_t m;
        if (!want_ints(ctx, v, 3))
            return;
        if (rt_micros_from_civil(&c, &m) != 0) {
            rt_error(ctx, "invalid date %04lld-%02lld-%02lld", (long long)v[0].i, (long long)v[1].i,
                     (long long)v[2].i);
            return;
        }
        result_typed(ctx, RV_DATE, m / US_DAY);
        return;
    }
    if (v[0].type == RV_STRING && argc == 1) {
        if (rt_parse_date(v[0].s, v[0].len, &days) != 0 &&
            rt_parse_timestamp(v[0].s, v[0].len, &rest) != 0) {
            rt_error(ctx, "'%.*s' is not a date", (int)(v[0].len < 60 ? v[0].len : 60), v[0].s);
            return;
        }
        if (rt_parse_date(v[0].s, v[0].len, &days) != 0)
            rt_split_micros(rest, &days, &rest);
        result_typed(ctx, RV_DATE, days);
        return;
    }
    if (v[0].type == RV_DATE) {
        rv_result(ctx, &v[0]);
        return;
    }
    if (v[0].type != RV_TIMESTAMP && v[0].type != RV_DATETIME) {
        rt_type_error(ctx, 0, argc, "a timestamp, datetime or date", &v[0]);
        return;
    }
    int64_t wall = v[0].i;
    if (v[0].type == RV_TIMESTAMP) {
        rt_tz tz = rt_tz_fixed(0);
        if (argc > 1 && !tz_arg(ctx, &v[1], &tz, rt_name(ctx)))
            return;
        wall = rt_tz_to_local(tz, v[0].i);
    }
    rt_split_micros(wall, &days, &rest);
    result_typed(ctx, RV_DATE, days);
}

/* TIME(h, m, s) | TIME(timestamp[, tz]) | TIME(datetime) */
static void fn_time(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[3];
    int64_t days, rest;
    if (!rt_args(ctx, argc, argv, v, 1))
        return;
    if (argc == 3 || v[0].type == RV_INT || v[0].type == RV_STRING) {
        if (argc != 3 || !want_ints(ctx, v, 3)) {
            if (argc != 3)
                rt_type_error(ctx, 0, argc, "a timestamp or datetime", &v[0]);
            return;
        }
        if (v[0].i < 0 || v[0].i > 23 || v[1].i < 0 || v[1].i > 59 || v[2].i < 0 || v[2].i > 59) {
            rt_error(ctx, "invalid time %02lld:%02lld:%02lld", (long long)v[0].i, (long long)v[1].i,
                     (long long)v[2].i);
            return;
        }
        result_typed(ctx, RV_TIME, (v[0].i * 3600 + v[1].i * 60 + v[2].i) * US_SECOND);
        return;
    }
    if (v[0].type != RV_TIMESTAMP && v[0].type != RV_DATETIME) {
        rt_type_error(ctx, 0, argc, "a timestamp or datetime", &v[0]);
        return;
    }
    int64_t wall = v[0].i;
    if (v[0].type == RV_TIMESTAMP) {
        rt_tz tz = rt_tz_fixed(0);
        if (argc > 1 && !tz_arg(ctx, &v[1], &tz, rt_name(ctx)))
            return;
        wall = rt_tz_to_local(tz, v[0].i);
    }
    rt_split_micros(wall, &days, &rest);
    result_typed(ctx, RV_TIME, rest);
}

/* DATETIME(y, mo, d, h, mi, s[, us]) | DATETIME(timestamp[, tz]) | DATETIME(date[, time]) */
static void fn_datetime(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[7];
    if (!rt_args(ctx, argc, argv, v, 1))
        return;
    if (argc >= 6) {
        int64_t m;
        if (!want_ints(ctx, v, argc))
            return;
        rt_civil c = {v[0].i,
                      (int)v[1].i,
                      (int)v[2].i,
                      (int)v[3].i,
                      (int)v[4].i,
                      (int)v[5].i,
                      argc > 6 ? (int)v[6].i : 0};
        if ((argc > 6 && (v[6].i < 0 || v[6].i > 999999)) || rt_micros_from_civil(&c, &m) != 0) {
            rt_error(ctx, "invalid datetime");
            return;
        }
        result_typed(ctx, RV_DATETIME, m);
        return;
    }
    if (v[0].type == RV_DATE) {
        int64_t t = argc > 1 && v[1].type == RV_TIME ? v[1].i : 0;
        result_typed(ctx, RV_DATETIME, v[0].i * US_DAY + t);
        return;
    }
    if (v[0].type == RV_DATETIME) {
        rv_result(ctx, &v[0]);
        return;
    }
    if (v[0].type != RV_TIMESTAMP) {
        rt_type_error(ctx, 0, argc, "a timestamp", &v[0]);
        return;
    }
    rt_tz tz = rt_tz_fixed(0);
    if (argc > 1 && !tz_arg(ctx, &v[1], &tz, rt_name(ctx)))
        return;
    result_typed(ctx, RV_DATETIME, rt_tz_to_local(tz, v[0].i));
}

/* ---------------- AT TIME ZONE ---------------- */

static void fn_at_time_zone(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2];
    rt_tz tz;
    (void)argc;
    rv_from_sqlite(argv[0], &v[0]);
    rv_from_sqlite(argv[1], &v[1]);
    if (rv_is_nullish(&v[0]) || rv_is_nullish(&v[1])) {
        rv_result_null(ctx);
        return;
    }
    if (!tz_arg(ctx, &v[1], &tz, "AT TIME ZONE"))
        return;
    if (v[0].type == RV_DATETIME)
        result_typed(ctx, RV_TIMESTAMP, rt_tz_to_utc(tz, v[0].i));
    else if (v[0].type == RV_TIMESTAMP)
        result_typed(ctx, RV_DATETIME, rt_tz_to_local(tz, v[0].i));
    else {
        char msg[96];
        snprintf(msg, sizeof msg, "AT TIME ZONE: cannot apply to %s", rv_type_name(v[0].type));
        sqlite3_result_error(ctx, msg, -1);
    }
}

/* CONVERT_TIMEZONE([source_tz,] target_tz, x): an extension beyond Rockset
 * (docs/rockset-local.md), the Snowflake / Redshift function dbt packages' default macros emit
 * (dbt_date.convert_timezone). x is a wall time on source_tz's clock (a datetime, a date at
 * midnight, or a string read as a datetime) or an instant (a timestamp); the answer is the wall
 * time on target_tz's clock, a datetime. The source zone defaults to UTC. */
static void fn_convert_timezone(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[3];
    rt_tz src = rt_tz_fixed(0), dst;
    int64_t instant, wall;
    if (!rt_args(ctx, argc, argv, v, 1))
        return;
    const rv *x = &v[argc - 1];
    if ((argc == 3 && !tz_arg(ctx, &v[0], &src, "CONVERT_TIMEZONE")) ||
        !tz_arg(ctx, &v[argc - 2], &dst, "CONVERT_TIMEZONE"))
        return;
    if (x->type == RV_TIMESTAMP)
        instant = x->i;
    else if (x->type == RV_DATETIME)
        instant = rt_tz_to_utc(src, x->i);
    else if (x->type == RV_DATE)
        instant = rt_tz_to_utc(src, x->i * US_DAY);
    else if (x->type == RV_STRING && rt_parse_datetime(x->s, x->len, &wall) == 0)
        instant = rt_tz_to_utc(src, wall);
    else {
        rt_type_error(ctx, argc - 1, argc, "a timestamp, datetime or date", x);
        return;
    }
    result_typed(ctx, RV_DATETIME, rt_tz_to_local(dst, instant));
}

/* ---------------- EXTRACT ---------------- */

/* rs_extract(part, x): part names are checked by the translator. */
static void fn_extract(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv x;
    int64_t days = 0, rest = 0, y, result, iso_year;
    int m, d, week;
    const char *part = (const char *)sqlite3_value_text(argv[0]);
    (void)argc;
    rv_from_sqlite(argv[1], &x);
    if (rv_is_nullish(&x)) {
        rv_result_null(ctx);
        return;
    }
    int has_date = is_instantish(x.type), has_time = x.type != RV_DATE;
    if (x.type == RV_DATE)
        days = x.i;
    else if (x.type == RV_TIME)
        rest = x.i;
    else if (x.type == RV_DATETIME || x.type == RV_TIMESTAMP)
        rt_split_micros(x.i, &days, &rest);
    int time_part = !strcasecmp(part, "HOUR") || !strcasecmp(part, "MINUTE") ||
                    !strcasecmp(part, "SECOND") || !strcasecmp(part, "MILLISECOND") ||
                    !strcasecmp(part, "MICROSECOND");
    if ((x.type != RV_TIME && !has_date) || (time_part && !has_time) || (!time_part && !has_date)) {
        char msg[96];
        snprintf(msg, sizeof msg, "EXTRACT: cannot extract %s from %s", part, rv_type_name(x.type));
        sqlite3_result_error(ctx, msg, -1);
        return;
    }
    rt_civil_from_days(days, &y, &m, &d);
    if (!strcasecmp(part, "YEAR"))
        result = y;
    else if (!strcasecmp(part, "QUARTER"))
        result = (m - 1) / 3 + 1;
    else if (!strcasecmp(part, "MONTH"))
        result = m;
    else if (!strcasecmp(part, "DAY"))
        result = d;
    else if (!strcasecmp(part, "DAYOFWEEK"))
        result = rt_iso_weekday(days) % 7 + 1; /* 1 = Sunday */
    else if (!strcasecmp(part, "DAYOFYEAR"))
        result = rt_day_of_year(days);
    else if (!strcasecmp(part, "WEEK"))
        result = rt_week_of_year(days, 0);
    else if (!strcasecmp(part, "ISOWEEK") || !strcasecmp(part, "ISOYEAR")) {
        rt_iso_week(days, &week, &iso_year);
        result = !strcasecmp(part, "ISOWEEK") ? week : iso_year;
    } else if (!strcasecmp(part, "DATE")) {
        result_typed(ctx, RV_DATE, days);
        return;
    } else if (!strcasecmp(part, "HOUR"))
        result = rest / US_HOUR;
    else if (!strcasecmp(part, "MINUTE"))
        result = rest / US_MINUTE % 60;
    else if (!strcasecmp(part, "SECOND"))
        result = rest / US_SECOND % 60;
    else if (!strcasecmp(part, "MILLISECOND"))
        result = rest / 1000 % 1000;
    else
        result = rest % US_SECOND; /* MICROSECOND: the whole fraction */
    sqlite3_result_int64(ctx, result);
}

/* ---------------- units ---------------- */

typedef enum unit {
    U_MICROSECOND,
    U_MILLISECOND,
    U_SECOND,
    U_MINUTE,
    U_HOUR,
    U_DAY,
    U_WEEK,
    U_MONTH,
    U_QUARTER,
    U_YEAR,
    U_NONE
} unit;

static const char *const UNIT_NAMES[] = {"MICROSECOND", "MILLISECOND", "SECOND", "MINUTE",  "HOUR",
                                         "DAY",         "WEEK",        "MONTH",  "QUARTER", "YEAR"};
static const int64_t UNIT_US[] = {1,
                                  1000,
                                  INT64_C(1000000),
                                  INT64_C(60000000),
                                  INT64_C(3600000000),
                                  INT64_C(86400000000),
                                  INT64_C(604800000000)};

static unit unit_of(const rv *v) {
    if (v->type != RV_STRING)
        return U_NONE;
    for (int u = 0; u < U_NONE; u++) {
        size_t n = strlen(UNIT_NAMES[u]);
        if ((v->len == n || (v->len == n + 1 && (v->s[n] == 's' || v->s[n] == 'S'))) &&
            strncasecmp(v->s, UNIT_NAMES[u], n) == 0)
            return (unit)u;
    }
    return U_NONE;
}

static int unit_arg(sqlite3_context *ctx, const rv *v, unit *out) {
    *out = unit_of(v);
    if (*out != U_NONE)
        return 1;
    if (v->type == RV_STRING)
        rt_error(ctx, "unknown unit '%.*s'", (int)(v->len < 40 ? v->len : 40), v->s);
    else
        rt_type_error(ctx, 0, 3, "a string", v);
    return 0;
}

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Truncate wall micros to a unit. */
static int64_t trunc_wall(int64_t micros, unit u) {
    if (u <= U_DAY)
        return floor_div(micros, UNIT_US[u]) * UNIT_US[u];
    int64_t days = floor_div(micros, US_DAY), y;
    int m, d;
    if (u == U_WEEK) /* weeks start on Monday */
        return (days - (rt_iso_weekday(days) - 1)) * US_DAY;
    rt_civil_from_days(days, &y, &m, &d);
    if (u == U_QUARTER)
        m = (m - 1) / 3 * 3 + 1;
    else if (u == U_YEAR)
        m = 1;
    return rt_days_from_civil(y, m, 1) * US_DAY;
}

/* DATE_TRUNC's and rs_trunc_next's arguments: v[0] a unit (*u), v[1] a date, datetime or
 * timestamp, a date not cut below a day. 0 with the error set. */
static int trunc_args(sqlite3_context *ctx, int argc, sqlite3_value **argv, rv *v, unit *u) {
    if (!rt_args(ctx, argc, argv, v, 1) || !unit_arg(ctx, &v[0], u))
        return 0;
    if (!is_instantish(v[1].type)) {
        rt_type_error(ctx, 1, argc, "a date, datetime or timestamp", &v[1]);
        return 0;
    }
    if (v[1].type == RV_DATE && *u < U_DAY) {
        rt_error(ctx, "cannot truncate a date to %s", UNIT_NAMES[*u]);
        return 0;
    }
    return 1;
}

/* DATE_TRUNC(unit, x[, tz]) */
static void fn_date_trunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[3];
    unit u;
    if (!trunc_args(ctx, argc, argv, v, &u))
        return;
    if (v[1].type == RV_DATE) {
        result_typed(ctx, RV_DATE, trunc_wall(v[1].i * US_DAY, u) / US_DAY);
        return;
    }
    if (v[1].type == RV_TIMESTAMP && argc > 2) {
        rt_tz tz;
        if (!tz_arg(ctx, &v[2], &tz, rt_name(ctx)))
            return;
        int64_t local = trunc_wall(rt_tz_to_local(tz, v[1].i), u);
        result_typed(ctx, RV_TIMESTAMP, rt_tz_to_utc(tz, local));
        return;
    }
    result_typed(ctx, v[1].type, trunc_wall(v[1].i, u));
}

/* The boundary of unit u after the one wall micros truncate to. */
static int64_t next_wall(int64_t micros, unit u) {
    int64_t start = trunc_wall(micros, u);
    if (u <= U_WEEK)
        return start + UNIT_US[u];
    return rt_add_months(start, u == U_MONTH ? 1 : u == U_QUARTER ? 3 : 12);
}

/* rs_trunc_next(unit, x): the boundary after DATE_TRUNC(unit, x), of x's type; the upper bound
 * the translator reads `DATE_TRUNC(unit, field) <= c` (and `= c`) by: DATE_TRUNC(unit, field)
 * <= c exactly when field < rs_trunc_next(unit, c) (sqlx_access_keys.c). Errors as DATE_TRUNC's. */
static void fn_trunc_next(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2];
    unit u;
    if (!trunc_args(ctx, argc, argv, v, &u))
        return;
    if (v[1].type == RV_DATE)
        result_typed(ctx, RV_DATE, next_wall(v[1].i * US_DAY, u) / US_DAY);
    else
        result_typed(ctx, v[1].type, next_wall(v[1].i, u));
}

static int64_t months_of(int64_t micros) {
    rt_civil c;
    rt_civil_from_micros(micros, &c);
    return c.year * 12 + c.month - 1;
}

/* DATE_DIFF(unit, a, b) = b - a in unit (decisions in the file's header). */
static void fn_date_diff(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[3];
    unit u;
    if (!rt_args(ctx, argc, argv, v, 1) || !unit_arg(ctx, &v[0], &u))
        return;
    for (int i = 1; i < 3; i++) {
        if (!is_instantish(v[i].type)) {
            rt_type_error(ctx, i, 3, "a date, datetime or timestamp", &v[i]);
            return;
        }
    }
    int64_t a = v[1].type == RV_DATE ? v[1].i * US_DAY : v[1].i;
    int64_t b = v[2].type == RV_DATE ? v[2].i * US_DAY : v[2].i;
    int calendar = v[1].type != RV_TIMESTAMP && v[2].type != RV_TIMESTAMP;
    int64_t r;
    if (u >= U_MONTH) {
        int64_t months = months_of(b) - months_of(a);
        r = u == U_MONTH     ? months
            : u == U_QUARTER ? floor_div(months_of(b), 3) - floor_div(months_of(a), 3)
                             : floor_div(months_of(b), 12) - floor_div(months_of(a), 12);
    } else if (calendar && (u == U_DAY || u == U_WEEK)) {
        r = (trunc_wall(b, u) - trunc_wall(a, u)) / UNIT_US[u];
    } else {
        r = (b - a) / UNIT_US[u]; /* whole units toward zero */
    }
    sqlite3_result_int64(ctx, r);
}

/* The interval of n units. */
static rv interval_of(unit u, int64_t n) {
    if (u >= U_MONTH)
        return rv_typed(RV_MONTH_INTERVAL, u == U_MONTH ? n : u == U_QUARTER ? 3 * n : 12 * n);
    return rv_typed(RV_MICROSECOND_INTERVAL, n * UNIT_US[u]);
}

/* DATE_ADD(unit, n, x), DATE_SUB(unit, n, x) */
static void fn_date_add(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    char op = *(const char *)rt_fn_of(ctx)->user_data;
    rv v[3], out;
    unit u;
    char msg[160];
    if (!rt_args(ctx, argc, argv, v, 1) || !unit_arg(ctx, &v[0], &u) || !rt_want_int(ctx, v, 1, 3))
        return;
    if (!is_instantish(v[2].type) && v[2].type != RV_TIME) {
        rt_type_error(ctx, 2, 3, "a date, datetime or timestamp", &v[2]);
        return;
    }
    rv iv = interval_of(u, v[1].i);
    if (rt_arith(op, &v[2], &iv, &out, msg, sizeof msg) != 0)
        rt_error(ctx, "%s", msg);
    else
        rv_result(ctx, &out);
}

/* SECONDS(n) ... YEARS(n) */
static void fn_interval(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    unit u = (unit)(intptr_t)rt_fn_of(ctx)->user_data;
    rv v;
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_int(ctx, &v, 0, 1))
        return;
    rv out = interval_of(u, v.i);
    rv_result(ctx, &out);
}

static void fn_duration_seconds(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    if (!rt_args(ctx, argc, argv, &v, 1))
        return;
    if (v.type != RV_MICROSECOND_INTERVAL) {
        rt_type_error(ctx, 0, 1, "a microsecond_interval", &v);
        return;
    }
    sqlite3_result_int64(ctx, v.i / US_SECOND);
}

/* TIME_BUCKET(interval, x): buckets from the Unix epoch. */
static void fn_time_bucket(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2];
    if (!rt_args(ctx, argc, argv, v, 1))
        return;
    if (v[0].type != RV_MICROSECOND_INTERVAL && v[0].type != RV_MONTH_INTERVAL) {
        rt_type_error(ctx, 0, 2, "an interval", &v[0]);
        return;
    }
    if (v[1].type != RV_TIMESTAMP && v[1].type != RV_DATETIME) {
        rt_type_error(ctx, 1, 2, "a timestamp or datetime", &v[1]);
        return;
    }
    if (v[0].i <= 0) {
        rt_error(ctx, "the interval must be positive");
        return;
    }
    if (v[0].type == RV_MICROSECOND_INTERVAL) {
        result_typed(ctx, v[1].type, floor_div(v[1].i, v[0].i) * v[0].i);
        return;
    }
    int64_t months = floor_div(months_of(v[1].i), v[0].i) * v[0].i;
    int64_t y = floor_div(months, 12);
    result_typed(ctx, v[1].type, rt_days_from_civil(y, (int)(months - y * 12) + 1, 1) * US_DAY);
}

/* ---------------- ISO 8601 ---------------- */

/* user_data: the type parsed */
static void fn_parse_iso(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv_type t = (rv_type)(intptr_t)rt_fn_of(ctx)->user_data;
    rv v;
    int64_t x;
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_string(ctx, &v, 0, 1))
        return;
    if (rt_parse_iso8601(v.s, v.len, t == RV_DATE, &x) != 0) {
        rt_error(ctx, "'%.*s' is not an ISO 8601 %s", v.len > 64 ? 64 : (int)v.len, v.s,
                 rv_type_name(t));
        return;
    }
    result_typed(ctx, t, x);
}

/* rs_ts_iso_key(x): PARSE_TIMESTAMP_ISO8601(x) where it has a value, else undefined (SQL NULL),
 * never an error. The key of the function index that serves a range on PARSE_TIMESTAMP_ISO8601
 * of a field (server/fieldindex.h): SQLite computes an index's key on every write, and one
 * document whose field is no timestamp must not make writes fail. The query keeps its own
 * PARSE_TIMESTAMP_ISO8601 conjunct, so every document the key range selects is checked by it.
 * rs_dt_iso_key(x) is PARSE_DATETIME_ISO8601's twin, for `PARSE_DATETIME_ISO8601(created_at) >
 * PARSE_DATETIME_ISO8601(:startTime)`. The catalog entry's user data is the result's type. */
static void fn_iso_key(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv_type type = (rv_type)(intptr_t)rt_fn_of(ctx)->user_data;
    rv v;
    int64_t x;
    (void)argc;
    rv_from_sqlite(argv[0], &v);
    if (v.type != RV_STRING || rt_parse_iso8601(v.s, v.len, 0, &x) != 0) {
        sqlite3_result_null(ctx);
        return;
    }
    result_typed(ctx, type, x);
}

static void fn_format_iso8601(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2];
    char text[64];
    if (!rt_args(ctx, argc, argv, v, 1))
        return;
    switch (v[0].type) {
    case RV_TIMESTAMP:
        if (argc > 1) {
            rt_tz tz;
            rs_buf b = RS_BUF_INIT;
            if (!tz_arg(ctx, &v[1], &tz, rt_name(ctx)))
                return;
            int64_t off = rt_tz_offset_at(tz, v[0].i, NULL, 0);
            rt_format_datetime(text, sizeof text, v[0].i + off * US_SECOND);
            rs_buf_puts(&b, text);
            int64_t a = off < 0 ? -off : off;
            rs_buf_printf(&b, "%c%02d:%02d", off < 0 ? '-' : '+', (int)(a / 3600),
                          (int)(a / 60 % 60));
            rt_result_text_buf(ctx, &b);
            rs_buf_free(&b);
            return;
        }
        rt_format_timestamp(text, sizeof text, v[0].i);
        break;
    case RV_DATETIME:
        rt_format_datetime(text, sizeof text, v[0].i);
        break;
    case RV_DATE:
        rt_format_date(text, sizeof text, v[0].i);
        break;
    case RV_TIME:
        rt_format_time(text, sizeof text, v[0].i);
        break;
    default:
        rt_type_error(ctx, 0, argc, "a date, datetime, time or timestamp", &v[0]);
        return;
    }
    sqlite3_result_text(ctx, text, -1, SQLITE_TRANSIENT);
}

/* ---------------- format strings ---------------- */

/* FORMAT_TIMESTAMP(fmt, ts|datetime|date[, tz]), FORMAT_DATE(fmt, date), FORMAT_DATETIME(fmt,
 * dt), FORMAT_TIME(fmt, time); user_data: the accepted type. FORMAT_TIMESTAMP also takes a wall
 * time, a datetime or a date (its midnight), written as it is: real lambdas format
 * DATE_TRUNC(:granularity, CAST(time AS DATE)) with it. */
static void fn_format_time(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv_type t = (rv_type)(intptr_t)rt_fn_of(ctx)->user_data;
    rv v[3];
    rt_civil c;
    char msg[128], abbr[32] = "UTC";
    int64_t off = 0, utc;
    rs_buf b = RS_BUF_INIT;
    if (!rt_args(ctx, argc, argv, v, 1) || !rt_want_string(ctx, v, 0, argc))
        return;
    int ok =
        v[1].type == t || (t == RV_TIMESTAMP && (v[1].type == RV_DATETIME || v[1].type == RV_DATE));
    if (!ok) {
        rt_type_error(ctx, 1, argc,
                      t == RV_TIMESTAMP ? "a timestamp, datetime or date"
                      : t == RV_DATE    ? "a date"
                      : t == RV_TIME    ? "a time"
                                        : "a datetime",
                      &v[1]);
        return;
    }
    int64_t wall = v[1].type == RV_DATE ? v[1].i * US_DAY : v[1].i;
    utc = wall;
    if (v[1].type == RV_TIMESTAMP) {
        rt_tz tz = rt_tz_fixed(0);
        if (argc > 2 && !tz_arg(ctx, &v[2], &tz, rt_name(ctx)))
            return;
        off = rt_tz_offset_at(tz, v[1].i, abbr, sizeof abbr);
        wall = v[1].i + off * US_SECOND;
    }
    rt_civil_from_micros(wall, &c);
    if (rt_timefmt_format(&b, v[0].s, v[0].len, &c, off, abbr, utc, msg, sizeof msg) != 0) {
        rs_buf_free(&b);
        rt_error(ctx, "%s", msg);
        return;
    }
    rt_result_text_buf(ctx, &b);
    rs_buf_free(&b);
}

/* PARSE_TIMESTAMP(fmt, s[, tz]), PARSE_DATETIME(fmt, s), PARSE_DATE(fmt, s), PARSE_TIME(fmt, s),
 * DATE_PARSE(s, fmt) -> timestamp. */
static void parse_common(sqlite3_context *ctx, int argc, sqlite3_value **argv, rv_type t,
                         int fmt_first) {
    rv v[3];
    rt_civil c;
    char msg[160];
    int has_off = 0;
    int64_t off = 0, micros;
    if (!rt_args(ctx, argc, argv, v, 1) || !rt_want_string(ctx, v, 0, argc) ||
        !rt_want_string(ctx, v, 1, argc))
        return;
    const rv *fmt = fmt_first ? &v[0] : &v[1], *text = fmt_first ? &v[1] : &v[0];
    msg[0] = 0;
    int rc =
        rt_timefmt_parse(text->s, text->len, fmt->s, fmt->len, &c, &has_off, &off, msg, sizeof msg);
    if (rc == 0 && rt_micros_from_civil(&c, &micros) != 0)
        rc = 1;
    if (rc < 0) {
        rt_error(ctx, "%s", msg);
        return;
    }
    if (rc > 0) {
        rt_error(ctx, "'%.*s' does not match the format '%.*s'",
                 (int)(text->len < 60 ? text->len : 60), text->s,
                 (int)(fmt->len < 60 ? fmt->len : 60), fmt->s);
        return;
    }
    int64_t days, rest;
    rt_split_micros(micros, &days, &rest);
    if (t == RV_DATE) {
        result_typed(ctx, RV_DATE, days);
    } else if (t == RV_TIME) {
        result_typed(ctx, RV_TIME, rest);
    } else if (t == RV_DATETIME) {
        result_typed(ctx, RV_DATETIME, has_off ? micros - off * US_SECOND : micros);
    } else {
        if (has_off) {
            result_typed(ctx, RV_TIMESTAMP, micros - off * US_SECOND);
            return;
        }
        rt_tz tz = rt_tz_fixed(0);
        if (argc > 2 && !tz_arg(ctx, &v[2], &tz, rt_name(ctx)))
            return;
        result_typed(ctx, RV_TIMESTAMP, rt_tz_to_utc(tz, micros));
    }
}

static void fn_parse_time(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    parse_common(ctx, argc, argv, (rv_type)(intptr_t)rt_fn_of(ctx)->user_data, 1);
}

static void fn_date_parse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    parse_common(ctx, argc, argv, RV_TIMESTAMP, 0);
}

/* ---------------- epoch conversions ---------------- */

/* TIMESTAMP_SECONDS/MILLIS/MICROS(n); user_data: microseconds per unit */
static void fn_timestamp_from(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int64_t per = (int64_t)(intptr_t)rt_fn_of(ctx)->user_data, r;
    rv v;
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_int(ctx, &v, 0, 1))
        return;
    if (__builtin_mul_overflow(v.i, per, &r)) {
        rt_error(ctx, "out of range");
        return;
    }
    result_typed(ctx, RV_TIMESTAMP, r);
}

/* UNIX_SECONDS/MILLIS/MICROS(ts), rounded down */
static void fn_unix(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int64_t per = (int64_t)(intptr_t)rt_fn_of(ctx)->user_data;
    rv v;
    if (!rt_args(ctx, argc, argv, &v, 1))
        return;
    if (v.type != RV_TIMESTAMP) {
        rt_type_error(ctx, 0, 1, "a timestamp", &v);
        return;
    }
    sqlite3_result_int64(ctx, floor_div(v.i, per));
}

/* ---------------- the table ---------------- */

static const char OP_PLUS = '+', OP_MINUS = '-';

#define D(name, min, max, fn, sig) \
    { name, RT_SCALAR, min, max, NULL, 0, NULL, fn, NULL, NULL, NULL, NULL, "date/time", sig }
#define DU(name, min, max, fn, data, sig)                                                         \
    {                                                                                             \
        name, RT_SCALAR, min, max, NULL, 0, (const void *)(intptr_t)(data), fn, NULL, NULL, NULL, \
            NULL, "date/time", sig                                                                \
    }
#define DNOW(name, max, type, sig)                                                             \
    {                                                                                          \
        name, RT_SCALAR, 0, max, NULL, RT_VOLATILE | RT_CLOCK, (const void *)(intptr_t)(type), \
            fn_current, NULL, NULL, NULL, NULL, "date/time", sig                               \
    }

/* clang-format off */
const rt_function rt_fn_time[] = {
    DNOW("CURRENT_TIMESTAMP", 0, RV_TIMESTAMP, "CURRENT_TIMESTAMP() -> timestamp"),
    DNOW("NOW", 0, RV_TIMESTAMP, "NOW() -> timestamp"),
    DNOW("CURRENT_DATE", 1, RV_DATE, "CURRENT_DATE([time zone]) -> date"),
    DNOW("CURRENT_DATETIME", 1, RV_DATETIME, "CURRENT_DATETIME([time zone]) -> datetime"),
    DNOW("CURRENT_TIME", 1, RV_TIME, "CURRENT_TIME([time zone]) -> time"),
    D("DATE", 1, 3, fn_date, "DATE(year, month, day) | DATE(timestamp[, tz]) | DATE(datetime) -> date"),
    D("TIME", 1, 3, fn_time, "TIME(hour, minute, second) | TIME(timestamp[, tz]) -> time"),
    D("DATETIME", 1, 7, fn_datetime, "DATETIME(y, mo, d, h, mi, s[, us]) | DATETIME(timestamp[, tz]) | DATETIME(date[, time]) -> datetime"),
    D("CONVERT_TIMEZONE", 2, 3, fn_convert_timezone, "CONVERT_TIMEZONE([source_tz, ]target_tz, timestamp | datetime | date) -> datetime (extension beyond Rockset)"),
    {NULL, RT_SCALAR, 2, 2, "rs_at_time_zone", 0, NULL, fn_at_time_zone, NULL, NULL, NULL, NULL, NULL, NULL},
    {NULL, RT_SCALAR, 2, 2, "rs_extract", 0, NULL, fn_extract, NULL, NULL, NULL, NULL, NULL, NULL},
    {"EXTRACT", RT_EMITTED, 1, 1, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, "date/time",
     "EXTRACT(part FROM date | time | datetime | timestamp) -> int (DATE part: a date)"},
    D("DATE_TRUNC", 2, 3, fn_date_trunc, "DATE_TRUNC(unit, date | datetime | timestamp[, tz]) -> same type"),
    D("DATE_DIFF", 3, 3, fn_date_diff, "DATE_DIFF(unit, start, end) -> int"),
    DU("DATE_ADD", 3, 3, fn_date_add, &OP_PLUS, "DATE_ADD(unit, n, date | datetime | timestamp) -> same type"),
    DU("DATE_SUB", 3, 3, fn_date_add, &OP_MINUS, "DATE_SUB(unit, n, date | datetime | timestamp) -> same type"),
    DU("MICROSECONDS", 1, 1, fn_interval, U_MICROSECOND, "MICROSECONDS(int) -> microsecond_interval"),
    DU("MILLISECONDS", 1, 1, fn_interval, U_MILLISECOND, "MILLISECONDS(int) -> microsecond_interval"),
    DU("SECONDS", 1, 1, fn_interval, U_SECOND, "SECONDS(int) -> microsecond_interval"),
    DU("MINUTES", 1, 1, fn_interval, U_MINUTE, "MINUTES(int) -> microsecond_interval"),
    DU("HOURS", 1, 1, fn_interval, U_HOUR, "HOURS(int) -> microsecond_interval"),
    DU("DAYS", 1, 1, fn_interval, U_DAY, "DAYS(int) -> microsecond_interval"),
    DU("WEEKS", 1, 1, fn_interval, U_WEEK, "WEEKS(int) -> microsecond_interval"),
    DU("MONTHS", 1, 1, fn_interval, U_MONTH, "MONTHS(int) -> month_interval"),
    DU("YEARS", 1, 1, fn_interval, U_YEAR, "YEARS(int) -> month_interval"),
    D("DURATION_SECONDS", 1, 1, fn_duration_seconds, "DURATION_SECONDS(microsecond_interval) -> int"),
    D("TIME_BUCKET", 2, 2, fn_time_bucket, "TIME_BUCKET(interval, timestamp | datetime) -> same type"),
    DU("PARSE_TIMESTAMP_ISO8601", 1, 1, fn_parse_iso, RV_TIMESTAMP, "PARSE_TIMESTAMP_ISO8601(string) -> timestamp (whitespace around the text ignored; day 29-31 past its month's end rolls forward)"),
    DU("PARSE_DATETIME_ISO8601", 1, 1, fn_parse_iso, RV_DATETIME, "PARSE_DATETIME_ISO8601(string) -> datetime (whitespace around the text ignored; day 29-31 past its month's end rolls forward)"),
    DU("PARSE_DATE_ISO8601", 1, 1, fn_parse_iso, RV_DATE, "PARSE_DATE_ISO8601(string) -> date (whitespace around the text ignored; day 29-31 past its month's end rolls forward)"),
    D("FORMAT_ISO8601", 1, 2, fn_format_iso8601, "FORMAT_ISO8601(date | time | datetime | timestamp[, tz]) -> string"),
    DU("FORMAT_TIMESTAMP", 2, 3, fn_format_time, RV_TIMESTAMP, "FORMAT_TIMESTAMP(format, timestamp | datetime | date[, tz]) -> string"),
    DU("FORMAT_DATETIME", 2, 2, fn_format_time, RV_DATETIME, "FORMAT_DATETIME(format, datetime) -> string"),
    DU("FORMAT_DATE", 2, 2, fn_format_time, RV_DATE, "FORMAT_DATE(format, date) -> string"),
    DU("FORMAT_TIME", 2, 2, fn_format_time, RV_TIME, "FORMAT_TIME(format, time) -> string"),
    DU("PARSE_TIMESTAMP", 2, 3, fn_parse_time, RV_TIMESTAMP, "PARSE_TIMESTAMP(format, string[, tz]) -> timestamp"),
    DU("PARSE_DATETIME", 2, 2, fn_parse_time, RV_DATETIME, "PARSE_DATETIME(format, string) -> datetime"),
    DU("PARSE_DATE", 2, 2, fn_parse_time, RV_DATE, "PARSE_DATE(format, string) -> date"),
    DU("PARSE_TIME", 2, 2, fn_parse_time, RV_TIME, "PARSE_TIME(format, string) -> time"),
    D("DATE_PARSE", 2, 2, fn_date_parse, "DATE_PARSE(string, format) -> timestamp"),
    DU("TIMESTAMP_SECONDS", 1, 1, fn_timestamp_from, INT64_C(1000000), "TIMESTAMP_SECONDS(int) -> timestamp"),
    DU("TIMESTAMP_MILLIS", 1, 1, fn_timestamp_from, 1000, "TIMESTAMP_MILLIS(int) -> timestamp"),
    DU("TIMESTAMP_MICROS", 1, 1, fn_timestamp_from, 1, "TIMESTAMP_MICROS(int) -> timestamp"),
    DU("UNIX_SECONDS", 1, 1, fn_unix, INT64_C(1000000), "UNIX_SECONDS(timestamp) -> int"),
    DU("UNIX_MILLIS", 1, 1, fn_unix, 1000, "UNIX_MILLIS(timestamp) -> int"),
    DU("UNIX_MICROS", 1, 1, fn_unix, 1, "UNIX_MICROS(timestamp) -> int"),
    {NULL, RT_SCALAR, 1, 1, "rs_ts_iso_key", 0, (const void *)(intptr_t)RV_TIMESTAMP, fn_iso_key, NULL, NULL, NULL, NULL, NULL, NULL},
    {NULL, RT_SCALAR, 2, 2, "rs_trunc_next", 0, NULL, fn_trunc_next, NULL, NULL, NULL, NULL, NULL, NULL},
    {NULL, RT_SCALAR, 1, 1, "rs_dt_iso_key", 0, (const void *)(intptr_t)RV_DATETIME, fn_iso_key, NULL, NULL, NULL, NULL, NULL, NULL},
    {NULL, 0, 0, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}};
/* clang-format on */
