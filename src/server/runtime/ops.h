/*
 * ops.h - the operators of Rockset SQL on values: arithmetic (numbers, and dates, times and
 * intervals) and LIKE matching. fn_core.c wraps them as SQL functions; other families reuse them
 * (DATE_ADD is date + interval).
 *
 * Arithmetic rules (docs/sql-subset.md, "Operators"):
 *   int op int -> int (overflow is an error), with a float -> float; int / int truncates toward
 *   zero; division or % by zero is an error;
 *   timestamp/datetime +- microsecond_interval -> same type; +- month_interval -> calendar months
 *   (day clamped to the month's end); date +- interval -> date when the interval is whole days
 *   or months, else datetime; date +- int -> date (days); time +- microsecond_interval -> time
 *   (around midnight); timestamp - timestamp, datetime - datetime, date - date ->
 *   microsecond_interval; interval +- interval of the same kind; interval * number and
 *   interval / number -> interval (truncated).
 *
 * Thread-safety: pure functions.
 */
#ifndef RL_RUNTIME_OPS_H
#define RL_RUNTIME_OPS_H

#include "value.h"

#include <stddef.h>

/* *out = a op b for op in + - * / %. Neither may be null or undefined. 0, or -1 with the error
 * message in msg ("integer overflow in operator +", "division by zero",
 * "operator +: cannot apply to string and int"). out may alias a. */
int rt_arith(char op, const rv *a, const rv *b, rv *out, char *msg, size_t cap);

/* Add months to a wall time in microseconds (day of month clamped). */
int64_t rt_add_months(int64_t micros, int64_t months);

/* SQL LIKE over UTF-8: '%' any run, '_' one character, escape (or -1) makes the next pattern
 * character literal; fold_case compares case-insensitively (simple case folding). */
int rt_like_match(const char *s, size_t s_len, const char *p, size_t p_len, int escape,
                  int fold_case);

/* Decode one UTF-8 character at s (n bytes left): its code point, *len its length (1 for an
 * invalid byte, read as itself). */
unsigned rt_utf8_next(const char *s, size_t n, size_t *len);

/* Simple (one-to-one) Unicode case mapping of a code point. */
unsigned rt_to_lower(unsigned cp);
unsigned rt_to_upper(unsigned cp);

#endif
