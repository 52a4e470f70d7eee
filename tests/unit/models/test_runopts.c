/*
 * test_runopts.c - unit tests of src/models/runopts.c: rockset_run's and rockset_build's options
 * object, every key, a repeated key, and the exact error texts. No network.
 */
#include "models/runopts.h"
#include "testlib.h"

#include <string.h>

/* The error text of parsing text (run or build), or "ok". */
static const char *parse_error(int build, const char *text, rs_runopts *o, rs_err *err) {
    int rc;

    rs_err_clear(err);
    rc = build ? rs_runopts_parse_build(text, o, err) : rs_runopts_parse_run(text, o, err);
    return rc == RS_OK ? "ok" : err->msg;
}

static void check_error(const char *label, int build, const char *text, const char *want) {
    rs_runopts o;
    rs_err err;

    CHECK_STR(label, parse_error(build, text, &o, &err), want);
    rs_runopts_free(&o);
}

static void test_run(void) {
    rs_runopts o;
    rs_err err;

    CHECK_STR("run/null", parse_error(0, NULL, &o, &err), "ok");
    CHECK("run/null_is_zero", o.full_refresh == 0 && o.threads == 0 && o.fail_fast == 0 &&
                                  o.exclude == NULL && o.vars_json == NULL);
    CHECK_STR("run/all",
              parse_error(0,
                          "{\"full_refresh\": true, \"threads\": 8, \"fail_fast\": true, "
                          "\"exclude\": \" tag:slow \", \"vars\": {\"day\": \"2024-01-01\"}}",
                          &o, &err),
              "ok");
    CHECK_INT("run/full_refresh", o.full_refresh, 1);
    CHECK_INT("run/threads", o.threads, 8);
    CHECK_INT("run/fail_fast", o.fail_fast, 1);
    CHECK_STR("run/exclude", o.exclude, " tag:slow ");
    CHECK_STR("run/vars", o.vars_json, "{\"day\": \"2024-01-01\"}");
    rs_runopts_free(&o);
    CHECK("run/free_zeroes", o.exclude == NULL && o.vars_json == NULL);
    CHECK_STR("run/repeated_key_last_wins",
              parse_error(
                  0, "{\"exclude\": \"a\", \"exclude\": \"b\", \"vars\": {}, \"vars\": {\"x\": 1}}",
                  &o, &err),
              "ok");
    CHECK_STR("run/repeated_exclude", o.exclude, "b");
    CHECK_STR("run/repeated_vars", o.vars_json, "{\"x\": 1}");
    rs_runopts_free(&o);

    check_error("run/not_object", 0, "[1]", "rockset_run: options must be a JSON object");
    check_error("run/not_json", 0, "{", "rockset_run: options must be a JSON object");
    check_error("run/full_refresh", 0, "{\"full_refresh\": \"yes\"}",
                "rockset_run: option 'full_refresh' must be true or false");
    check_error("run/fail_fast", 0, "{\"fail_fast\": \"no\"}",
                "rockset_run: option 'fail_fast' must be true or false");
    check_error("run/threads_zero", 0, "{\"threads\": 0}",
                "rockset_run: option 'threads' must be an integer from 1 to 64");
    check_error("run/threads_65", 0, "{\"threads\": 65}",
                "rockset_run: option 'threads' must be an integer from 1 to 64");
    check_error("run/exclude", 0, "{\"exclude\": 3}",
                "rockset_run: option 'exclude' must be a string");
    check_error("run/vars", 0, "{\"vars\": [1]}",
                "rockset_run: option 'vars' must be a JSON object");
    check_error("run/unknown", 0, "{\"bogus\": 1}",
                "rockset_run: unknown option \"bogus\" (valid: full_refresh, threads, fail_fast, "
                "exclude, vars)");
}

static void test_build(void) {
    rs_runopts o;
    rs_err err;

    CHECK_STR("build/all",
              parse_error(1, "{\"exclude\": \"tag:slow\", \"full_refresh\": true}", &o, &err),
              "ok");
    CHECK_STR("build/exclude", o.exclude, "tag:slow");
    CHECK_INT("build/full_refresh", o.full_refresh, 1);
    rs_runopts_free(&o);
    check_error("build/not_object", 1, "\"x\"", "rockset_build: options must be a JSON object");
    check_error("build/exclude", 1, "{\"exclude\": 3}",
                "rockset_build: option 'exclude' must be a string");
    check_error("build/full_refresh", 1, "{\"full_refresh\": \"yes\"}",
                "rockset_build: option 'full_refresh' must be true or false");
    check_error("build/threads", 1, "{\"threads\": 0}",
                "rockset_build: option 'threads' must be an integer from 1 to 64");
    check_error("build/unknown", 1, "{\"colour\": 2}",
                "rockset_build: unknown option \"colour\" (valid: full_refresh, threads, "
                "fail_fast, exclude, vars)");
    CHECK_STR(
        "build/run_keys",
        parse_error(1, "{\"vars\": {\"d\": 1}, \"threads\": 2, \"fail_fast\": true}", &o, &err),
        "ok");
    CHECK_STR("build/vars", o.vars_json, "{\"d\": 1}");
    CHECK_INT("build/threads", o.threads, 2);
    CHECK_INT("build/fail_fast", o.fail_fast, 1);
    rs_runopts_free(&o);
}

int main(void) {
    test_run();
    test_build();
    TEST_DONE();
}
