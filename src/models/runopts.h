/*
 * runopts.h - the options object of rockset_run and rockset_build (their second argument).
 *
 *   rockset_run:   {"full_refresh": true, "threads": 8, "fail_fast": false, "exclude": "x",
 *                   "vars": {"day": "2024-01-01"}}
 *   rockset_build: the same keys (one parser: dbt build takes dbt run's flags)
 *
 * NULL text is no options (all zero / NULL). Anything else must be a JSON object of the keys
 * the function takes; a repeated key keeps the last value. Error texts (RS_EINVAL), exact:
 *   rockset_run: options must be a JSON object
 *   rockset_run: option 'full_refresh' must be true or false          (also 'fail_fast')
 *   rockset_run: option 'threads' must be an integer from 1 to 64
 *   rockset_run: option 'exclude' must be a string
 *   rockset_run: option 'vars' must be a JSON object
 *   rockset_run: unknown option "x" (valid: full_refresh, threads, fail_fast, exclude, vars)
 * and the same with "rockset_build: " for rockset_build.
 *
 * Ownership: exclude and vars_json are malloc'd; rs_runopts_free frees them (and may be called
 * after a failed parse). Nothing is shared: any thread.
 */
#ifndef RS_RUNOPTS_H
#define RS_RUNOPTS_H

#include "err.h"

typedef struct rs_runopts {
    int full_refresh;
    int threads; /* 0: the session's rockset_config('threads') */
    int fail_fast;
    char *exclude;   /* a selector list, or NULL */
    char *vars_json; /* a JSON object overriding rockset_vars, or NULL */
    int snapshots;   /* not an option: the caller's - 0 models but no snapshots (rockset_run),
                        1 snapshots only (rockset_snapshot), 2 both (rockset_build) */
} rs_runopts;

/* The options of function fn (its name starts the errors: rockset_snapshot takes rockset_run's
 * options) into *o (zeroed first). */
int rs_runopts_parse(const char *fn, const char *text, rs_runopts *o, rs_err *err);
/* rockset_run's options into *o (zeroed first). */
int rs_runopts_parse_run(const char *text, rs_runopts *o, rs_err *err);
/* rockset_build's options (the same keys) into *o (zeroed first). */
int rs_runopts_parse_build(const char *text, rs_runopts *o, rs_err *err);
void rs_runopts_free(rs_runopts *o);

#endif
