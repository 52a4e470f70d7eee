/*
 * datetime.h - calendar arithmetic and the text forms of Rockset's temporal types, for the SQL
 * runtime (value.c reads and writes typed values with it; the date/time functions build on it).
 *
 * Representation (as in value.h): a date is a count of days since 1970-01-01; a time is
 * microseconds since midnight; a datetime is microseconds since 1970-01-01T00:00:00 read as a
 * wall clock (no zone); a timestamp is microseconds since the epoch, UTC. The proleptic Gregorian
 * calendar is used for every year; years print with at least 4 digits.
 *
 * Text forms accepted (both as SQL literals and as API parameter values):
 *   date       YYYY-[M]M-[D]D
 *   time       [H]H:[M]M:[S]S[.fraction]          (1 to 9 fraction digits; beyond 6 truncated)
 *   datetime   date[(' '|'T')time]
 *   timestamp  date[(' '|'T')[H]H:[M]M[:[S]S[.fraction]]][zone], zone = Z | (+|-)HH[[:]MM];
 *              no zone means UTC
 * Text forms written:
 *   date 2024-01-05; time 09:30:45 (with .ffffff when the fraction is not zero);
 *   datetime 2024-01-05T09:30:45.000000; timestamp 2024-01-05T09:30:45.000000Z, or to the
 *   second 2024-01-05T09:30:45Z (the API's metadata times)
 *
 * Thread-safety: no state; every function is reentrant.
 */
#ifndef RL_RUNTIME_DATETIME_H
#define RL_RUNTIME_DATETIME_H

#include <stddef.h>
#include <stdint.h>

#define RT_MICROS_PER_SECOND INT64_C(1000000)
#define RT_MICROS_PER_DAY    INT64_C(86400000000)

int64_t rt_days_from_civil(int64_t year, int month, int day);
void rt_civil_from_days(int64_t days, int64_t *year, int *month, int *day);
int rt_days_in_month(int64_t year, int month);
int rt_is_leap_year(int64_t year);
/* 1 = Monday ... 7 = Sunday (ISO) */
int rt_iso_weekday(int64_t days);
/* Day of the year of a date, 1 ... 366. */
int rt_day_of_year(int64_t days);
/* Week of the year, 0 ... 53, weeks starting on Sunday (strftime's %U) or, with monday_first,
 * on Monday (%W); the days before the year's first such weekday are in week 0. */
int rt_week_of_year(int64_t days, int monday_first);
/* ISO 8601 week number (1 ... 53) of a date and the year that week belongs to. */
void rt_iso_week(int64_t days, int *week, int64_t *year);

/* Split / join microseconds since an epoch into days and microseconds of the day (floor). */
void rt_split_micros(int64_t micros, int64_t *days, int64_t *micros_of_day);

/* Broken-down wall time. */
typedef struct rt_civil {
    int64_t year;
    int month, day, hour, minute, second, micros;
} rt_civil;
void rt_civil_from_micros(int64_t micros, rt_civil *out);
/* 0 and *micros set, or -1 when a field is out of range (month 1-12, day of month, hour 0-23,
 * minute 0-59, second 0-59, micros 0-999999). */
int rt_micros_from_civil(const rt_civil *c, int64_t *micros);

/* Parsers over s[0..len): 0 and *out set, or -1 when the text is not of the form. */
int rt_parse_date(const char *s, size_t len, int64_t *days);
int rt_parse_time(const char *s, size_t len, int64_t *micros);
int rt_parse_datetime(const char *s, size_t len, int64_t *micros);
int rt_parse_timestamp(const char *s, size_t len, int64_t *micros);

/* PARSE_TIMESTAMP_ISO8601 / PARSE_DATETIME_ISO8601 (date_only 0: *out in micros, a zone
 * converted to UTC) and PARSE_DATE_ISO8601 (date_only 1: *out in days; a full timestamp gives
 * its UTC day). Laxer than the parsers above, as stored lambdas need: their saved parameters
 * hold '\t2022-05-01T00:06:32.839Z' and '2023-04-31', and dashboards ran them. Whitespace
 * around the text is ignored, and a day past its month's end (up to 31) rolls into the next
 * month, as the end bound '2023-04-31' means: the instant after April 30. */
int rt_parse_iso8601(const char *s, size_t len, int date_only, int64_t *out);

/* Writers (cap >= 40 is always enough). */
void rt_format_date(char *dst, size_t cap, int64_t days);
void rt_format_time(char *dst, size_t cap, int64_t micros);
void rt_format_datetime(char *dst, size_t cap, int64_t micros);
void rt_format_timestamp(char *dst, size_t cap, int64_t micros);
void rt_format_timestamp_seconds(char *dst, size_t cap, int64_t micros); /* fraction dropped */
/* Microseconds of a count of milliseconds (or seconds: scale 1000000) since the epoch, clamped to
 * what int64 microseconds hold (about 292,000 years either side). */
int64_t rt_micros_of(int64_t count, int64_t scale);

#endif
