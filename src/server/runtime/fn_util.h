/*
 * fn_util.h - what every function family of the SQL runtime shares: reading arguments as Rockset
 * values, the null rule, and error messages in one wording.
 *
 * The null rule: a function given a null or undefined argument returns null, unless it says
 * otherwise (COALESCE, IF, TYPEOF, ...). rt_args reads all arguments and applies it.
 *
 * Error wording (what users see in a QUERY_ERROR):
 *   "LOWER: argument must be a string, got int"        (a function of one argument)
 *   "SUBSTR: argument 2 must be an int, got string"    (several arguments)
 *   "SPLIT: <what is wrong>"                           (any other error: rt_error)
 * Functions are named as the user spelled them (the catalog entry they were called through).
 *
 * Thread-safety: nothing here keeps state.
 */
#ifndef RL_RUNTIME_FN_UTIL_H
#define RL_RUNTIME_FN_UTIL_H

#include "catalog.h"
#include "value.h"

#include <sqlite3.h>

#define RT_MAX_ARGS 128

/* Decode argv into vals (at most RT_MAX_ARGS). Returns 1 when the function should go on; 0 when
 * a result was already set: null because an argument is null or undefined (when null_in_null_out
 * is set), or an error for too many arguments. */
int rt_args(sqlite3_context *ctx, int argc, sqlite3_value **argv, rv *vals, int null_in_null_out);

/* The function's name for messages ("?" for internal entries). */
const char *rt_name(sqlite3_context *ctx);

/* "F: argument [N ]must be <what>, got <type>" (what with its article: "a string", "bytes");
 * argi is 0-based; N is shown when the function may take more than one argument (argc decides
 * for internal entries). */
void rt_type_error(sqlite3_context *ctx, int argi, int argc, const char *what, const rv *got);

/* "F: " + the formatted message. */
void rt_error(sqlite3_context *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Checks that set a type error and return 0 when the value is not of the kind. */
int rt_want_string(sqlite3_context *ctx, const rv *vals, int argi, int argc);
int rt_want_number(sqlite3_context *ctx, const rv *vals, int argi, int argc);
int rt_want_int(sqlite3_context *ctx, const rv *vals, int argi, int argc);
int rt_want_array(sqlite3_context *ctx, const rv *vals, int argi, int argc);
int rt_want_bytes(sqlite3_context *ctx, const rv *vals, int argi, int argc);
int rt_want_object(sqlite3_context *ctx, const rv *vals, int argi, int argc);

/* Set the result to the text of buf as a string (SQLITE_NOMEM when buf->oom); buf is reset. */
void rt_result_text_buf(sqlite3_context *ctx, rs_buf *buf);

/* Append the text form CAST(v AS string) gives (temporal values in their text forms, arrays and
 * objects as JSON); 0 when out of memory. */
int rt_string_form(const rv *v, rs_buf *buf);

/* Number of UTF-8 code points in s[0..len). */
int64_t rt_utf8_count(const char *s, size_t len);

#endif
