/*
 * timefmt.h - format strings for dates and times (FORMAT_TIMESTAMP, FORMAT_DATE, ...,
 * PARSE_TIMESTAMP, PARSE_DATE, ..., DATE_PARSE).
 *
 * Rockset's table of format elements is lost; its date/time functions followed BigQuery, whose
 * elements are strftime's. Supported (formatting and parsing unless said):
 *   %Y year (4+ digits)      %y year 00-99 (parsing: 69-99 -> 19xx, 00-68 -> 20xx)   %C century
 *   %m month 01-12           %d day 01-31      %e day, space-padded      %j day of year 001-366
 *   %H hour 00-23            %I hour 01-12     %p AM/PM                  %M minute   %S second
 *   %f microseconds, 6 digits (parsing: 1-6 digits)   %E<n>S seconds with n fraction digits,
 *   %E*S seconds with 6 (formatting only)
 *   %a %A weekday name (short, full)   %b %h %B month name (short, full)
 *   %u weekday 1-7 (Monday 1)  %w weekday 0-6 (Sunday 0)  %U %W week of year (Sunday / Monday
 *   first)  %V ISO week  %G %g ISO year (4 / 2 digits)  (parsing reads and ignores these)
 *   %D = %m/%d/%y  %F = %Y-%m-%d  %T = %H:%M:%S  %R = %H:%M  %r = %I:%M:%S %p
 *   %s seconds since the epoch  %z +hhmm  %Ez +hh:mm  %Z zone abbreviation (parsing: UTC, Z, or
 *   an offset)  %n newline  %t tab  %%
 * An unknown specifier is an error ("unknown format specifier '%Q'"). Parsing is strict: the
 * whole text must match, fields must be in range, and the day must exist in its month; names
 * match case-insensitively; fields absent from the format default to 1970-01-01 00:00:00.
 *
 * Thread-safety: pure functions.
 */
#ifndef RL_RUNTIME_TIMEFMT_H
#define RL_RUNTIME_TIMEFMT_H

#include "buf.h"
#include "datetime.h"

#include <stddef.h>
#include <stdint.h>

/* Append c formatted by fmt[0..fmt_len). offset_s and abbr serve %z %Ez %Z; utc_micros serves %s.
 * 0, or -1 with msg set (unknown specifier). */
int rt_timefmt_format(rs_buf *out, const char *fmt, size_t fmt_len, const rt_civil *c,
                      int64_t offset_s, const char *abbr, int64_t utc_micros, char *msg,
                      size_t cap);

/* Parse text by fmt into *c. When the text carries a zone (%z, %Z, %s), *has_offset is set to 1
 * and *offset_s to its offset. 0; 1 when the text does not match (the caller words the error);
 * -1 with msg set for an unknown specifier. */
int rt_timefmt_parse(const char *text, size_t len, const char *fmt, size_t fmt_len, rt_civil *c,
                     int *has_offset, int64_t *offset_s, char *msg, size_t cap);

#endif
