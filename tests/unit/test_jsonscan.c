/* test_jsonscan.c - unit tests for src/jsonscan.c (no network). Run under valgrind: every
 * malformed input is also scanned from an exact-size heap copy, so a read past the end shows. */
#include "jsonscan.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

/* Validate text from an exact-size heap copy (no NUL after it). */
static int validate_exact(const char *text, rs_err *err) {
    size_t n = strlen(text);
    char *copy = malloc(n ? n : 1);
    int rc;

    memcpy(copy, text, n);
    rc = rs_jsonscan_validate(copy, n, err);
    free(copy);
    return rc;
}

static void test_validate_ok(void) {
    static const char *const good[] = {
        "0",
        "-0",
        "1",
        "-1",
        "1.5",
        "1e10",
        "1E+2",
        "-1.25e-3",
        "true",
        "false",
        "null",
        "\"\"",
        "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
        "\"\\u0041\\ud83d\\ude00\"",
        "[]",
        "{}",
        " [ ] ",
        "[1,2,3]",
        "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
        "\t\n\r {\"a\" : 1 } \n",
        "[[[[[[[[[[]]]]]]]]]]",
        "\"caf\xc3\xa9\"",
        "92233720368547758070",
        "[{}]",
    };
    size_t i;
    char name[64];

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        snprintf(name, sizeof(name), "validate/ok/%zu", i);
        CHECK(name, validate_exact(good[i], NULL) == RS_OK);
    }
}

static void test_validate_bad(void) {
    static const struct {
        const char *text;
        const char *msg;
    } bad[] = {
        {"", "invalid JSON at offset 0: no value"},
        {"   ", "invalid JSON at offset 3: no value"},
        {"[1,]", "invalid JSON at offset 3: unexpected character"},
        {"{\"a\":1,}", "invalid JSON at offset 7: expected a string key"},
        {"{\"a\" 1}", "invalid JSON at offset 5: expected ':'"},
        {"{a:1}", "invalid JSON at offset 1: expected a string key"},
        {"[1 2]", "invalid JSON at offset 3: expected ',' or ']'"},
        {"{\"a\":1 \"b\":2}", "invalid JSON at offset 7: expected ',' or '}'"},
        {"\"abc", "invalid JSON at offset 4: unterminated string"},
        {"\"a\\x\"", "invalid JSON at offset 2: bad escape in string"},
        {"\"\\u12g4\"", "invalid JSON at offset 1: bad \\u escape"},
        {"\"\\u12\"", "invalid JSON at offset 1: bad \\u escape"},
        {"\"a\nb\"", "invalid JSON at offset 2: control character in string"},
        {"01", "invalid JSON at offset 1: unexpected text after the value"},
        {"1.", "invalid JSON at offset 2: bad number: no digits after '.'"},
        {"1e", "invalid JSON at offset 2: bad number: no digits in exponent"},
        {"-", "invalid JSON at offset 1: bad number"},
        {"+1", "invalid JSON at offset 0: unexpected character"},
        {".5", "invalid JSON at offset 0: unexpected character"},
        {"tru", "invalid JSON at offset 0: unexpected character"},
        {"nul", "invalid JSON at offset 0: unexpected character"},
        {"[", "invalid JSON at offset 1: unexpected end of text"},
        {"{\"a\":", "invalid JSON at offset 5: unexpected end of text"},
        {"{\"a\"", "invalid JSON at offset 4: expected ':'"},
        {"[1]]", "invalid JSON at offset 3: unexpected text after the value"},
        {"NaN", "invalid JSON at offset 0: unexpected character"},
        {"'a'", "invalid JSON at offset 0: unexpected character"},
        {"[1,2", "invalid JSON at offset 4: unexpected end of text"},
        {"\"\\", "invalid JSON at offset 2: unterminated string"},
    };
    size_t i;
    char name[64];
    rs_err err;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rs_err_clear(&err);
        snprintf(name, sizeof(name), "validate/bad/%zu", i);
        CHECK_INT(name, validate_exact(bad[i].text, &err), RS_EPARSE);
        CHECK_STR(name, err.msg, bad[i].msg);
    }
}

static void test_depth(void) {
    char *deep = malloc(2000);
    rs_err err;

    memset(deep, '[', 512);
    memset(deep + 512, ']', 512);
    CHECK("depth/512_ok", rs_jsonscan_validate(deep, 1024, NULL) == RS_OK);
    memset(deep, '[', 513);
    memset(deep + 513, ']', 513);
    rs_err_clear(&err);
    CHECK_INT("depth/513_rejected", rs_jsonscan_validate(deep, 1026, &err), RS_EPARSE);
    CHECK_STR("depth/513_msg", err.msg, "invalid JSON at offset 512: nesting too deep");
    memset(deep, '[', 2000);
    CHECK_INT("depth/unclosed", rs_jsonscan_validate(deep, 2000, NULL), RS_EPARSE);
    free(deep);
}

static rs_jsonscan_kind kind_of(const char *text) {
    return rs_jsonscan_classify(rs_jsonscan_cstr(text));
}

static void test_classify(void) {
    CHECK_INT("classify/object", kind_of(" {\"a\":1}"), RS_JSON_OBJECT);
    CHECK_INT("classify/array", kind_of("[1]"), RS_JSON_ARRAY);
    CHECK_INT("classify/string", kind_of("\"x\""), RS_JSON_STRING);
    CHECK_INT("classify/int", kind_of("123"), RS_JSON_INT);
    CHECK_INT("classify/neg_zero", kind_of("-0"), RS_JSON_INT);
    CHECK_INT("classify/int_max", kind_of("9223372036854775807"), RS_JSON_INT);
    CHECK_INT("classify/int_min", kind_of("-9223372036854775808"), RS_JSON_INT);
    CHECK_INT("classify/over_max", kind_of("9223372036854775808"), RS_JSON_FLOAT);
    CHECK_INT("classify/under_min", kind_of("-9223372036854775809"), RS_JSON_FLOAT);
    CHECK_INT("classify/huge", kind_of("123456789012345678901234567890"), RS_JSON_FLOAT);
    CHECK_INT("classify/float", kind_of("1.0"), RS_JSON_FLOAT);
    CHECK_INT("classify/exp", kind_of("1e3"), RS_JSON_FLOAT);
    CHECK_INT("classify/true", kind_of("true"), RS_JSON_TRUE);
    CHECK_INT("classify/false", kind_of("false"), RS_JSON_FALSE);
    CHECK_INT("classify/null", kind_of("null"), RS_JSON_NULL);
    CHECK_INT("classify/empty", kind_of("  "), RS_JSON_INVALID);
    CHECK_INT("classify/bad_number", kind_of("1x"), RS_JSON_INVALID);
    CHECK_INT("classify/leading_zero", kind_of("012"), RS_JSON_INVALID);
    CHECK_STR("classify/name_int", rs_jsonscan_kind_name(RS_JSON_INT), "int");
    CHECK_STR("classify/name_float", rs_jsonscan_kind_name(RS_JSON_FLOAT), "float");
    CHECK_STR("classify/name_bad", rs_jsonscan_kind_name((rs_jsonscan_kind)99), "invalid");
}

static void test_int64(void) {
    long long v = 0;
    double d = 0;

    CHECK_INT("int64/max_rc", rs_jsonscan_int64(rs_jsonscan_cstr("9223372036854775807"), &v),
              RS_OK);
    CHECK("int64/max", v == 9223372036854775807LL);
    CHECK_INT("int64/min_rc", rs_jsonscan_int64(rs_jsonscan_cstr("-9223372036854775808"), &v),
              RS_OK);
    CHECK("int64/min", v == -9223372036854775807LL - 1);
    CHECK_INT("int64/overflow", rs_jsonscan_int64(rs_jsonscan_cstr("9223372036854775808"), &v),
              RS_EINVAL);
    CHECK_INT("int64/float", rs_jsonscan_int64(rs_jsonscan_cstr("1.5"), &v), RS_EINVAL);
    CHECK_INT("int64/string", rs_jsonscan_int64(rs_jsonscan_cstr("\"1\""), &v), RS_EINVAL);
    CHECK_INT("int64/spaces_rc", rs_jsonscan_int64(rs_jsonscan_cstr(" -42 "), &v), RS_OK);
    CHECK_INT("int64/spaces", v, -42);
    CHECK_INT("double/rc", rs_jsonscan_double(rs_jsonscan_cstr("-1.25e2"), &d), RS_OK);
    CHECK("double/value", d == -125.0);
    CHECK_INT("double/big_rc",
              rs_jsonscan_double(rs_jsonscan_cstr("123456789012345678901234567890123456789012345678"
                                                  "901234567890123456789012345678901234567890"),
                                 &d),
              RS_OK);
    CHECK("double/big", d > 1.2e89 && d < 1.3e89);
    CHECK_INT("double/bool", rs_jsonscan_double(rs_jsonscan_cstr("true"), &d), RS_EINVAL);
}

static void test_value_and_trim(void) {
    const char *text = "  {\"a\":[1,2]} trailing";
    rs_jsonscan_span v, t;
    size_t used = 0;

    CHECK_INT("value/rc", rs_jsonscan_value(text, strlen(text), &v, &used, NULL), RS_OK);
    CHECK_INT("value/len", v.len, 11);
    CHECK("value/start", v.ptr == text + 2);
    CHECK_INT("value/consumed", used, 13);
    t = rs_jsonscan_trim(rs_jsonscan_cstr(" \t\n 12 \r\n"));
    CHECK_INT("trim/len", t.len, 2);
    CHECK("trim/text", memcmp(t.ptr, "12", 2) == 0);
}

static void test_iterate(void) {
    const char *obj = "{\"a\": 1, \"b\" : [1, {\"x\":2}], \"c\":\"s\", \"\\u0064\":null}";
    const char *arr = "[ 1 , \"two\" , [3] , {\"four\":4} ]";
    rs_jsonscan_iter it;
    rs_jsonscan_span key, value;
    int n = 0;

    CHECK_INT("iter/init_obj", rs_jsonscan_iter_init(&it, rs_jsonscan_cstr(obj)), RS_OK);
    while (rs_jsonscan_iter_next(&it, &key, &value) == 1) {
        n++;
        if (n == 2) {
            CHECK("iter/key2", rs_jsonscan_key_eq(key, "b"));
            CHECK("iter/value2", value.len == 12 && memcmp(value.ptr, "[1, {\"x\":2}]", 12) == 0);
        }
        if (n == 4)
            CHECK("iter/escaped_key", rs_jsonscan_key_eq(key, "d"));
    }
    CHECK_INT("iter/obj_members", n, 4);
    CHECK_INT("iter/after_end", rs_jsonscan_iter_next(&it, &key, &value), 0);

    CHECK_INT("iter/init_arr", rs_jsonscan_iter_init(&it, rs_jsonscan_cstr(arr)), RS_OK);
    n = 0;
    while (rs_jsonscan_iter_next(&it, &key, &value) == 1) {
        n++;
        CHECK("iter/arr_no_key", key.ptr == NULL && key.len == 0);
        if (n == 3)
            CHECK("iter/arr3", value.len == 3 && memcmp(value.ptr, "[3]", 3) == 0);
    }
    CHECK_INT("iter/arr_elems", n, 4);
    CHECK_INT("iter/init_scalar", rs_jsonscan_iter_init(&it, rs_jsonscan_cstr("12")), RS_EPARSE);
    CHECK_INT("iter/scalar_yields_nothing", rs_jsonscan_iter_next(&it, &key, &value), 0);
    CHECK_INT("count/arr", rs_jsonscan_count(rs_jsonscan_cstr(arr)), 4);
    CHECK_INT("count/empty", rs_jsonscan_count(rs_jsonscan_cstr("[ ]")), 0);
    CHECK_INT("count/obj", rs_jsonscan_count(rs_jsonscan_cstr(obj)), 4);
    CHECK_INT("count/scalar", rs_jsonscan_count(rs_jsonscan_cstr("1")), -1);
    CHECK_INT("count/malformed", rs_jsonscan_count(rs_jsonscan_cstr("[1,")), -1);
}

/* Iteration on malformed containers must stop with -1, never read past the span. */
/* An iteration walked to the end of its span is complete exactly when the span validates. */
static void test_iterate_complete(void) {
    static const char *const texts[] = {"{\"a\":1,\"b\":[1,{\"c\":2}]}",
                                        " [1, 2] \n",
                                        "{}",
                                        "[]",
                                        "{\"a\":1} x",
                                        "{\"a\":1}}",
                                        "[1] [2]",
                                        "{\"a\":[1,}",
                                        "5",
                                        "\"s\"",
                                        "{\"a\":1"};
    size_t i;
    char name[64];

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        size_t n = strlen(texts[i]);
        char *copy = malloc(n ? n : 1);
        rs_jsonscan_iter it;
        rs_jsonscan_span key, value, span = {NULL, n};
        int valid, walked;

        memcpy(copy, texts[i], n);
        span.ptr = copy;
        valid = rs_jsonscan_validate(copy, n, NULL) == RS_OK;
        rs_jsonscan_iter_init(&it, span);
        while (rs_jsonscan_iter_next(&it, &key, &value) == 1)
            ;
        walked = rs_jsonscan_iter_complete(&it);
        snprintf(name, sizeof(name), "iter_complete/%zu", i);
        /* scalars validate but are not iterated: complete only for objects and arrays */
        CHECK_INT(name, walked,
                  valid && (texts[i][strspn(texts[i], " \n")] == '{' ||
                            texts[i][strspn(texts[i], " \n")] == '['));
        free(copy);
    }
}

/* On valid text the trusted iteration hands out the same keys and values as the checking one
 * (strings with escaped quotes and brackets, nesting, numbers, literals); on malformed text it
 * stays inside the span and ends. */
static void test_iterate_valid(void) {
    static const char *const good[] = {
        "{\"a\\\"}\":\"x\\\\\",\"b\":[1,{\"c\":\"]}\"}],\"d\":-1.5e3,\"e\":true,\"f\":null}",
        "[ 1 , \"two\" , [3, [4]] , {\"four\":{\"x\":\"{\"}} , false ]", "{}", "[]",
        "{\"k\" : \"\\u0041\\\\\" , \"z\":[]}"};
    static const char *const bad[] = {"[1,",   "{\"a\":\"x", "{\"a\":[1,{",
                                      "[\"\\", "{\"a\"",     "[,,,]"};
    size_t i;
    char name[64];

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        rs_jsonscan_iter a, b;
        rs_jsonscan_span ka, va, kb, vb, span = rs_jsonscan_cstr(good[i]);
        int ra, rb, same = 1, steps = 0;

        CHECK(good[i], rs_jsonscan_validate(good[i], strlen(good[i]), NULL) == RS_OK);
        rs_jsonscan_iter_init(&a, span);
        rs_jsonscan_iter_init_valid(&b, span);
        do {
            ra = rs_jsonscan_iter_next(&a, &ka, &va);
            rb = rs_jsonscan_iter_next(&b, &kb, &vb);
            same = same && ra == rb;
            if (ra == 1 && rb == 1)
                same = same && ka.ptr == kb.ptr && ka.len == kb.len && va.ptr == vb.ptr &&
                       va.len == vb.len;
        } while (ra == 1 && rb == 1 && ++steps < 20);
        snprintf(name, sizeof(name), "iter_valid/same/%zu", i);
        CHECK(name, same && ra == 0 && rs_jsonscan_iter_complete(&b));
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t n = strlen(bad[i]);
        char *copy = malloc(n); /* not NUL-terminated: a read past the span shows under ASan */
        rs_jsonscan_iter it;
        rs_jsonscan_span key, value, span = {NULL, n};
        int steps = 0;

        memcpy(copy, bad[i], n);
        span.ptr = copy;
        rs_jsonscan_iter_init_valid(&it, span);
        while (rs_jsonscan_iter_next(&it, &key, &value) == 1 && steps < 50) {
            snprintf(name, sizeof(name), "iter_valid/bounded/%zu", i);
            CHECK(name, value.ptr >= copy && value.ptr + value.len <= copy + n);
            steps++;
        }
        snprintf(name, sizeof(name), "iter_valid/ends/%zu", i);
        CHECK(name, steps < 50);
        free(copy);
    }
}

/* rs_jsonscan_skip_valid finds the end scan_value finds on valid text: strings whose quote or
 * backslash falls at every offset of the four-byte steps, escapes at a string's end, scalars
 * ended by each delimiter, containers holding brackets inside strings; on cut text it stays
 * within the span. */
static void test_skip_valid(void) {
    static const char *const values[] = {"\"\"",
                                         "\"a\"",
                                         "\"ab\"",
                                         "\"abc\"",
                                         "\"abcd\"",
                                         "\"abcde\"",
                                         "\"abcdefghij\"",
                                         "\"a\\\"b\"",
                                         "\"abcd\\\\\"",
                                         "\"\\\\\"",
                                         "\"xy\\u0041z\"",
                                         "\"abc\\\"defgh\"",
                                         "12",
                                         "-1.5e3",
                                         "true",
                                         "null",
                                         "{\"a\":\"}]\"}",
                                         "[1,[2,{\"b\":\"[\"}]]",
                                         "{}",
                                         "[]"};
    static const char *const after[] = {"", ",", "}", "]", " ", "\t", "\n", "\r"};
    static const char *const cut[] = {"\"abc", "\"ab\\", "[1,{\"a\":\"]", "{\"a\":[1", "\"\\"};
    char text[64], name[96];
    size_t i, j;

    for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        for (j = 0; j < sizeof(after) / sizeof(after[0]); j++) {
            size_t n = (size_t)snprintf(text, sizeof(text), "%s%s", values[i], after[j]);
            rs_jsonscan_span v;
            size_t used = 0;
            snprintf(name, sizeof(name), "skip_valid/%zu/%zu", i, j);
            CHECK(name, rs_jsonscan_value(text, n, &v, &used, NULL) == RS_OK &&
                            rs_jsonscan_skip_valid(text, text + n) == text + used);
        }
    }
    for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
        size_t n = strlen(cut[i]);
        char *copy = malloc(n); /* not NUL-terminated: a read past the span shows under ASan */
        const char *e;
        memcpy(copy, cut[i], n);
        e = rs_jsonscan_skip_valid(copy, copy + n);
        snprintf(name, sizeof(name), "skip_valid/cut/%zu", i);
        CHECK(name, e >= copy && e <= copy + n);
        free(copy);
    }
}

/* A byte that ends a string's plain run at every offset of strings around the 16-byte rounds
 * (jsonscan.c string_stop): each string in an exact-size heap copy (a read past it shows under
 * ASan), alone and inside an array, is checked and skipped as its grammar says. */
static void test_string_runs(void) {
    static const struct {
        const char *bytes;
        int valid;
    } inserts[] = {{"\x01", 0}, {"\x1f", 0},     {"\\n", 1},     {"\\q", 0},
                   {"\x7f", 1}, {"\xc3\xa9", 1}, {"\\u00e9", 1}, {"\\\"", 1}};
    int failures = 0;
    for (size_t len = 0; len <= 40; len++) {
        for (size_t at = 0; at <= len; at++) {
            for (size_t k = 0; k < sizeof inserts / sizeof inserts[0]; k++) {
                for (int wrapped = 0; wrapped < 2; wrapped++) {
                    char text[96];
                    size_t n = 0, ins = strlen(inserts[k].bytes);
                    if (wrapped)
                        text[n++] = '[';
                    text[n++] = '"';
                    memset(text + n, 'x', at);
                    n += at;
                    memcpy(text + n, inserts[k].bytes, ins);
                    n += ins;
                    memset(text + n, 'y', len - at);
                    n += len - at;
                    text[n++] = '"';
                    if (wrapped) {
                        memcpy(text + n, ",1]", 3);
                        n += 3;
                    }
                    char *copy = malloc(n);
                    memcpy(copy, text, n);
                    int ok = rs_jsonscan_validate(copy, n, NULL) == RS_OK;
                    failures += ok != inserts[k].valid;
                    if (inserts[k].valid)
                        failures += rs_jsonscan_skip_valid(copy, copy + n) != copy + n;
                    free(copy);
                }
            }
        }
    }
    CHECK_INT("string_runs_every_offset", failures, 0);
    /* an unterminated string ends the scan at the span's end, whatever its length */
    failures = 0;
    for (size_t len = 1; len <= 40; len++) {
        char *copy = malloc(len);
        memset(copy, 'z', len);
        copy[0] = '"';
        failures += rs_jsonscan_validate(copy, len, NULL) == RS_OK;
        failures += rs_jsonscan_skip_valid(copy, copy + len) != copy + len;
        free(copy);
    }
    CHECK_INT("string_runs_unterminated", failures, 0);
    /* containers longer than a round, brackets and quotes inside strings at every offset: the
     * trusted skip ends where the checked scan does */
    failures = 0;
    for (size_t pad = 0; pad <= 40; pad++) {
        char text[256];
        int n = snprintf(text, sizeof text,
                         "[{\"a\":\"%.*s]}\\\"[{\"},{\"b\":[1,{\"c\":\"%.*s}\"}],\"d\":{}}] tail",
                         (int)pad, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", (int)(40 - pad),
                         "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
        char *copy = malloc((size_t)n);
        memcpy(copy, text, (size_t)n);
        rs_jsonscan_span v;
        size_t used = 0;
        failures += rs_jsonscan_value(copy, (size_t)n, &v, &used, NULL) != RS_OK ||
                    rs_jsonscan_skip_valid(copy, copy + n) != copy + used || used != (size_t)n - 5;
        free(copy);
    }
    CHECK_INT("skip_valid_long_containers", failures, 0);
}

static void test_iterate_malformed(void) {
    static const char *const bad[] = {"[1,",  "[1 2]", "{\"a\"}", "{\"a\":}",          "{\"a\":1,",
                                      "[\"x", "{1:2}", "[,1]",    "{\"a\":1 \"b\":2}", "[1,]"};
    size_t i;
    char name[64];

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t n = strlen(bad[i]);
        char *copy = malloc(n);
        rs_jsonscan_iter it;
        rs_jsonscan_span key, value, span = {NULL, n};
        int rc, steps = 0;

        memcpy(copy, bad[i], n);
        span.ptr = copy;
        rs_jsonscan_iter_init(&it, span);
        while ((rc = rs_jsonscan_iter_next(&it, &key, &value)) == 1 && steps < 10)
            steps++;
        snprintf(name, sizeof(name), "iter_malformed/%zu", i);
        CHECK_INT(name, rc, -1);
        CHECK_INT(name, rs_jsonscan_iter_next(&it, &key, &value), -1);
        free(copy);
    }
}

static void test_get(void) {
    const char *body = "{\"data\":{\"name\":\"x\",\"stats\":{\"doc_count\":12345678901234}},"
                       "\"pagination\":{\"next_cursor\":null},\"a\":1,\"a\":2}";
    rs_jsonscan_span root = rs_jsonscan_cstr(body), v;
    long long n = 0;
    int found = -1;
    char *s = NULL;
    rs_err err;

    CHECK("get/found", rs_jsonscan_get(root, "a", &v) && v.len == 1 && v.ptr[0] == '1');
    CHECK("get/absent", !rs_jsonscan_get(root, "zz", &v));
    CHECK("get/not_object", !rs_jsonscan_get(rs_jsonscan_cstr("[1]"), "a", &v));
    CHECK("get_path/deep", rs_jsonscan_get_path(root, "data.stats.doc_count", &v) &&
                               rs_jsonscan_int64(v, &n) == RS_OK && n == 12345678901234LL);
    CHECK("get_path/null", rs_jsonscan_get_path(root, "pagination.next_cursor", &v) &&
                               rs_jsonscan_classify(v) == RS_JSON_NULL);
    CHECK("get_path/missing", !rs_jsonscan_get_path(root, "data.nope.x", &v));
    CHECK("get_path/through_scalar", !rs_jsonscan_get_path(root, "a.b", &v));
    rs_jsonscan_get_path(root, "data", &v);
    CHECK_INT("get_string/rc", rs_jsonscan_get_string(v, "name", &s, NULL), RS_OK);
    CHECK_STR("get_string/value", s, "x");
    free(s);
    CHECK_INT("get_string/absent_rc", rs_jsonscan_get_string(v, "nope", &s, NULL), RS_OK);
    CHECK("get_string/absent_null", s == NULL);
    rs_err_clear(&err);
    CHECK_INT("get_string/wrong_kind", rs_jsonscan_get_string(v, "stats", &s, &err), RS_EPARSE);
    CHECK_STR("get_string/wrong_kind_msg", err.msg, "'stats' is object, expected a string");
    CHECK_INT("get_int64/rc", rs_jsonscan_get_int64(root, "a", &n, &found, NULL), RS_OK);
    CHECK("get_int64/value", found == 1 && n == 1);
    CHECK_INT("get_int64/absent", rs_jsonscan_get_int64(root, "b", &n, &found, NULL), RS_OK);
    CHECK_INT("get_int64/absent_found", found, 0);
    CHECK_INT("get_int64/wrong_kind", rs_jsonscan_get_int64(root, "data", &n, &found, NULL),
              RS_EPARSE);
}

static void check_decode(const char *name, const char *literal, const char *want, size_t want_len) {
    rs_buf out = RS_BUF_INIT;
    int rc = rs_jsonscan_string_decode(rs_jsonscan_cstr(literal), &out, NULL);

    CHECK(name,
          rc == RS_OK && out.len == want_len && memcmp(rs_buf_cstr(&out), want, want_len) == 0);
    rs_buf_free(&out);
}

static void check_decode_error(const char *name, const char *literal, const char *msg) {
    rs_buf out = RS_BUF_INIT;
    rs_err err;

    rs_err_clear(&err);
    CHECK_INT(name, rs_jsonscan_string_decode(rs_jsonscan_cstr(literal), &out, &err), RS_EPARSE);
    CHECK_STR(name, err.msg, msg);
    rs_buf_free(&out);
}

static void test_decode(void) {
    char *s = NULL;

    check_decode("decode/plain", "\"hello\"", "hello", 5);
    check_decode("decode/empty", "\"\"", "", 0);
    check_decode("decode/escapes", "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "a\"b\\c/d\b\f\n\r\t", 12);
    check_decode("decode/u_ascii", "\"\\u0041\"", "A", 1);
    check_decode("decode/u_2byte", "\"\\u00e9\"", "\xc3\xa9", 2);
    check_decode("decode/u_3byte", "\"\\u20AC\"", "\xe2\x82\xac", 3);
    check_decode("decode/surrogates", "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4);
    check_decode("decode/raw_utf8", "\"caf\xc3\xa9\"", "caf\xc3\xa9", 5);
    check_decode("decode/nul", "\"a\\u0000b\"", "a\0b", 3);
    check_decode("decode/spaces_around", "  \"x\"  ", "x", 1);
    /* lone and mismatched surrogates are valid JSON syntax: they decode to U+FFFD */
    check_decode("decode/lone_high", "\"\\ud83d\"", "\xef\xbf\xbd", 3);
    check_decode("decode/high_then_text", "\"\\ud83dxx\"", "\xef\xbf\xbdxx", 5);
    check_decode("decode/high_high", "\"\\ud83d\\ud83d\"", "\xef\xbf\xbd\xef\xbf\xbd", 6);
    check_decode("decode/high_then_pair", "\"\\ud83d\\ud83d\\ude00\"",
                 "\xef\xbf\xbd\xf0\x9f\x98\x80", 7);
    check_decode("decode/lone_low", "\"\\ude00\"", "\xef\xbf\xbd", 3);
    check_decode_error("decode/bad_escape", "\"\\q\"", "invalid JSON string: bad escape '\\q'");
    check_decode_error("decode/short_u", "\"\\u12\"", "invalid JSON string: bad \\u escape");
    check_decode_error("decode/not_string", "12", "invalid JSON string: not a string literal");
    check_decode_error("decode/inner_quote", "\"a\"b\"", "invalid JSON string: unescaped quote");
    check_decode_error("decode/control", "\"a\tb\"",
                       "invalid JSON string: unescaped control character");
    check_decode_error("decode/dangling", "\"a\\\"", "invalid JSON string: dangling backslash");
    CHECK_INT("dup/rc", rs_jsonscan_string_dup(rs_jsonscan_cstr("\"d\\u00fcp\""), &s, NULL), RS_OK);
    CHECK_STR("dup/value", s, "d\xc3\xbcp");
    free(s);
    CHECK("key_eq/plain", rs_jsonscan_key_eq(rs_jsonscan_cstr("\"abc\""), "abc"));
    CHECK("key_eq/prefix", !rs_jsonscan_key_eq(rs_jsonscan_cstr("\"abc\""), "ab"));
    CHECK("key_eq/escaped", rs_jsonscan_key_eq(rs_jsonscan_cstr("\"a\\u0062c\""), "abc"));
    CHECK("key_eq/not_string", !rs_jsonscan_key_eq(rs_jsonscan_cstr("abc"), "abc"));
}

/* A span over an exact-size heap copy of text (free span.ptr): a read past its end shows under
 * valgrind and ASan. */
static rs_jsonscan_span heap_span(const char *text) {
    size_t n = strlen(text);
    char *copy = malloc(n ? n : 1);
    rs_jsonscan_span span;

    memcpy(copy, text, n);
    span.ptr = copy;
    span.len = n;
    return span;
}

static int value_is(rs_jsonscan_span v, const char *want) {
    return v.len == strlen(want) && memcmp(v.ptr, want, v.len) == 0;
}

/* rs_jsonscan_key_equals: names with a length (NUL inside), escapes, the cheap misses. */
static void test_key_equals(void) {
    CHECK("key_equals/plain", rs_jsonscan_key_equals(rs_jsonscan_cstr("\"abc\""), "abcd", 3));
    CHECK("key_equals/longer_name",
          !rs_jsonscan_key_equals(rs_jsonscan_cstr("\"abc\""), "abcd", 4));
    CHECK("key_equals/shorter_name", !rs_jsonscan_key_equals(rs_jsonscan_cstr("\"abc\""), "ab", 2));
    CHECK("key_equals/nul_inside",
          rs_jsonscan_key_equals(rs_jsonscan_cstr("\"a\\u0000b\""), "a\0b", 3));
    CHECK("key_equals/nul_vs_cstr", !rs_jsonscan_key_eq(rs_jsonscan_cstr("\"a\\u0000b\""), "a"));
    /* the raw text equals the name byte for byte, but decodes to something else */
    CHECK("key_equals/raw_escape_is_not_name",
          !rs_jsonscan_key_equals(rs_jsonscan_cstr("\"a\\nb\""), "a\\nb", 4));
    CHECK("key_equals/escape_decoded",
          rs_jsonscan_key_equals(rs_jsonscan_cstr("\"a\\nb\""), "a\nb", 3));
    CHECK("key_equals/surrogates",
          rs_jsonscan_key_equals(rs_jsonscan_cstr("\"\\ud83d\\ude00\""), "\xf0\x9f\x98\x80", 4));
    CHECK("key_equals/bad_escape",
          !rs_jsonscan_key_equals(rs_jsonscan_cstr("\"a\\qb\""), "aqb", 3));
    CHECK("key_equals/empty", rs_jsonscan_key_equals(rs_jsonscan_cstr("\"\""), "", 0));
    CHECK("key_equals/not_string", !rs_jsonscan_key_equals(rs_jsonscan_cstr("12"), "12", 2));
}

/* rs_jsonscan_get_last: a repeated name reads as its last member (rs_jsonscan_get: the first);
 * the whole object must be well-formed. */
static void test_get_last(void) {
    const char *doc = "{ \"a\" : 1, \"b\":{\"c\":[1,2]}, \"\\u0061\":\"two\", \"d\":null }";
    rs_jsonscan_span root = rs_jsonscan_cstr(doc), v;

    CHECK("get_last/duplicate_last",
          rs_jsonscan_get_last(root, "a", 1, &v) && value_is(v, "\"two\""));
    CHECK("get_last/get_keeps_first", rs_jsonscan_get(root, "a", &v) && value_is(v, "1"));
    CHECK("get_last/container_span",
          rs_jsonscan_get_last(root, "b", 1, &v) && value_is(v, "{\"c\":[1,2]}"));
    CHECK("get_last/null_member", rs_jsonscan_get_last(root, "d", 1, &v) && value_is(v, "null"));
    CHECK("get_last/absent", !rs_jsonscan_get_last(root, "c", 1, &v));
    CHECK("get_last/name_length",
          rs_jsonscan_get_last(root, "ab", 1, &v) && value_is(v, "\"two\""));
    CHECK("get_last/length_counts", !rs_jsonscan_get_last(root, "ab", 2, &v));
    CHECK("get_last/empty_object", !rs_jsonscan_get_last(rs_jsonscan_cstr(" {} "), "a", 1, &v));
    CHECK("get_last/array", !rs_jsonscan_get_last(rs_jsonscan_cstr("[{\"a\":1}]"), "a", 1, &v));
    CHECK("get_last/scalar", !rs_jsonscan_get_last(rs_jsonscan_cstr("\"a\""), "a", 1, &v));
    CHECK("get_last/nul_in_name",
          rs_jsonscan_get_last(rs_jsonscan_cstr("{\"a\\u0000\":5}"), "a\0", 2, &v) &&
              value_is(v, "5"));
    /* malformed text after the match: every member is read, so nothing is found */
    CHECK("get_last/malformed_after",
          !rs_jsonscan_get_last(rs_jsonscan_cstr("{\"a\":1,\"b\":01}"), "a", 1, &v));
    CHECK("get_last/unclosed", !rs_jsonscan_get_last(rs_jsonscan_cstr("{\"a\":1"), "a", 1, &v));
    CHECK("get_last/control_char",
          !rs_jsonscan_get_last(rs_jsonscan_cstr("{\"a\":\"x\ty\"}"), "a", 1, &v));
}

/* rs_jsonscan_element: 0-based, the text after the element is not examined. */
static void test_element(void) {
    rs_jsonscan_span arr = rs_jsonscan_cstr(" [ 10 , \"x\" , [1, {\"k\":[]}] , null ] "), v;

    CHECK("element/first", rs_jsonscan_element(arr, 0, &v) && value_is(v, "10"));
    CHECK("element/string", rs_jsonscan_element(arr, 1, &v) && value_is(v, "\"x\""));
    CHECK("element/nested", rs_jsonscan_element(arr, 2, &v) && value_is(v, "[1, {\"k\":[]}]"));
    CHECK("element/last", rs_jsonscan_element(arr, 3, &v) && value_is(v, "null"));
    CHECK("element/past_end", !rs_jsonscan_element(arr, 4, &v));
    CHECK("element/negative", !rs_jsonscan_element(arr, -1, &v));
    CHECK("element/empty", !rs_jsonscan_element(rs_jsonscan_cstr("[]"), 0, &v));
    CHECK("element/object", !rs_jsonscan_element(rs_jsonscan_cstr("{\"0\":1}"), 0, &v));
    CHECK("element/scalar", !rs_jsonscan_element(rs_jsonscan_cstr("12"), 0, &v));
    CHECK("element/before_fault",
          rs_jsonscan_element(rs_jsonscan_cstr("[1,2,"), 1, &v) && value_is(v, "2"));
    CHECK("element/at_fault", !rs_jsonscan_element(rs_jsonscan_cstr("[1,2,"), 2, &v));
    CHECK("element/bad_element", !rs_jsonscan_element(rs_jsonscan_cstr("[1,-]"), 1, &v));
}

/* Malformed and truncated texts, scanned from exact-size copies: no read past the end. */
static void test_lookup_malformed(void) {
    static const char *const bad[] = {"{\"a\"",       "{\"a\":",    "{\"a\":1,",  "{\"a\":\"x",
                                      "{\"a\":\"x\\", "{\"a\":[1,", "[1,",        "[\"x\\u00",
                                      "[{\"a\":1}",   "{\"\\u00",   "{\"a\":tru", "[-"};
    char name[64];
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rs_jsonscan_span span = heap_span(bad[i]), v;
        snprintf(name, sizeof(name), "lookup_malformed/get_last/%zu", i);
        CHECK(name, !rs_jsonscan_get_last(span, "a", 1, &v));
        snprintf(name, sizeof(name), "lookup_malformed/element/%zu", i);
        CHECK(name, !rs_jsonscan_element(span, 1, &v));
        free((void *)span.ptr);
    }
}

/* Build {"a":<levels nested arrays>} into doc; returns its length. */
static size_t nested_member(char *doc, int levels) {
    size_t n = 5;

    memcpy(doc, "{\"a\":", 5);
    memset(doc + n, '[', (size_t)levels);
    n += (size_t)levels;
    memset(doc + n, ']', (size_t)levels);
    n += (size_t)levels;
    doc[n++] = '}';
    return n;
}

/* Lookups scan each value with the validator's nesting limit: a member value nested 512 levels
 * deep is found, one nested 513 levels is malformed (no recursion, so no stack to overflow). */
static void test_lookup_depth(void) {
    char *doc = malloc(1100);
    rs_jsonscan_span v, span;

    span.ptr = doc;
    span.len = nested_member(doc, 512);
    CHECK("lookup_depth/512_member", rs_jsonscan_get_last(span, "a", 1, &v) && v.len == 1024);
    span.ptr = doc + 5;
    span.len -= 6;
    CHECK("lookup_depth/512_element", rs_jsonscan_element(span, 0, &v) && v.len == 1022);
    span.ptr = doc;
    span.len = nested_member(doc, 513);
    CHECK("lookup_depth/513_member", !rs_jsonscan_get_last(span, "a", 1, &v));
    CHECK("lookup_depth/513_get", !rs_jsonscan_get(span, "a", &v));
    span.ptr = doc + 5;
    span.len -= 6;
    CHECK("lookup_depth/513_element_ok", rs_jsonscan_element(span, 0, &v) && v.len == 1024);
    free(doc);
}

/* Rows keep their exact text, including big integers and formatting. */
static void test_exact_rows(void) {
    const char *body = "{\"results\":[{\"id\": 9223372036854775807, \"f\":1.10},"
                       "{\"id\":-1,\"s\":\"\\u00e9\"}]}";
    rs_jsonscan_span results, row, id;
    rs_jsonscan_iter it;
    int n = 0;

    CHECK("exact/get", rs_jsonscan_get(rs_jsonscan_cstr(body), "results", &results));
    rs_jsonscan_iter_init(&it, results);
    while (rs_jsonscan_iter_next(&it, NULL, &row) == 1) {
        n++;
        if (n == 1) {
            CHECK("exact/row1_text",
                  row.len == 37 &&
                      memcmp(row.ptr, "{\"id\": 9223372036854775807, \"f\":1.10}", 37) == 0);
            CHECK("exact/row1_id", rs_jsonscan_get(row, "id", &id) && id.len == 19);
        }
    }
    CHECK_INT("exact/rows", n, 2);
}

/* Exercise every entry point on a span (exact-size heap copy: valgrind sees any overread). */
static int poke_all(const char *text, size_t n) {
    char *copy = malloc(n ? n : 1);
    rs_jsonscan_span span, key, value, found;
    rs_jsonscan_iter it;
    rs_buf decoded = RS_BUF_INIT;
    long long i64;
    double d;
    int valid, consistent = 1, steps = 0;

    memcpy(copy, text, n);
    span.ptr = copy;
    span.len = n;
    valid = rs_jsonscan_validate(copy, n, NULL) == RS_OK;
    rs_jsonscan_classify(span);
    rs_jsonscan_int64(span, &i64);
    rs_jsonscan_double(span, &d);
    rs_jsonscan_get(span, "a", &found);
    rs_jsonscan_get_last(span, "a", 1, &found);
    rs_jsonscan_element(span, 1, &found);
    rs_jsonscan_get_path(span, "a.b", &found);
    rs_jsonscan_string_decode(span, &decoded, NULL);
    if (rs_jsonscan_iter_init(&it, span) == RS_OK) {
        int rc;
        while ((rc = rs_jsonscan_iter_next(&it, &key, &value)) == 1 && steps++ < 100) {
            rs_jsonscan_key_eq(key, "a");
            rs_jsonscan_key_equals(key, "a\0b", 3);
            rs_jsonscan_classify(value);
            rs_jsonscan_get_last(value, "b", 1, &found);
            rs_jsonscan_element(value, 0, &found);
        }
        /* a text that validated must iterate to a clean end */
        if (valid && rc != 0)
            consistent = 0;
    }
    rs_buf_free(&decoded);
    free(copy);
    return consistent;
}

/* Deterministic mutations (replace, delete, duplicate, truncate) of a realistic body. */
static void test_mutations(void) {
    static const char seed_text[] =
        "{\"query_id\":\"q:1\",\"results\":[{\"a\":{\"b\":[1,-2.5e3,true,null]},\"s\":"
        "\"x\\u00e9\\ud83d\\ude00\\n\"},{\"a\":9223372036854775808}],\"pagination\":"
        "{\"next_cursor\":null}}";
    static const char alphabet[] = "{}[]\",:\\u0123456789eE.-+ tfnrl";
    char buf[512];
    unsigned int state = 12345;
    int i, ok = 1, valid_seen = 0;

    ok &= poke_all(seed_text, sizeof(seed_text) - 1);
    CHECK("mutations/seed_valid",
          rs_jsonscan_validate(seed_text, sizeof(seed_text) - 1, NULL) == RS_OK);
    for (i = 0; i < 3000; i++) {
        size_t n = sizeof(seed_text) - 1;
        int edits = 1 + (int)(rand_r(&state) % 3), e;
        memcpy(buf, seed_text, n);
        for (e = 0; e < edits && n > 0; e++) {
            size_t at = (size_t)rand_r(&state) % n;
            switch (rand_r(&state) % 4) {
            case 0:
                buf[at] = alphabet[rand_r(&state) % (sizeof(alphabet) - 1)];
                break;
            case 1:
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
                break;
            case 2:
                if (n + 1 < sizeof(buf)) {
                    memmove(buf + at + 1, buf + at, n - at);
                    n++;
                }
                break;
            default:
                n = at;
                break;
            }
        }
        valid_seen += rs_jsonscan_validate(buf, n, NULL) == RS_OK;
        ok &= poke_all(buf, n);
    }
    CHECK("mutations/consistent", ok);
    /* some mutations stay valid (a digit changed), most do not: both paths ran */
    CHECK("mutations/both_paths", valid_seen > 0 && valid_seen < 3000);
}

/* rs_jsonscan_bool: the flag forms options accept. */
static void test_bool_flags(void) {
    int flag = -1;

    CHECK("bool/true", rs_jsonscan_bool(rs_jsonscan_cstr("true"), &flag) == RS_OK && flag == 1);
    CHECK("bool/false", rs_jsonscan_bool(rs_jsonscan_cstr("false"), &flag) == RS_OK && flag == 0);
    CHECK("bool/int_nonzero", rs_jsonscan_bool(rs_jsonscan_cstr("7"), &flag) == RS_OK && flag == 1);
    CHECK("bool/int_zero", rs_jsonscan_bool(rs_jsonscan_cstr("0"), &flag) == RS_OK && flag == 0);
    flag = -1;
    CHECK("bool/string_refused",
          rs_jsonscan_bool(rs_jsonscan_cstr("\"true\""), &flag) == RS_EINVAL && flag == -1);
    CHECK("bool/null_refused", rs_jsonscan_bool(rs_jsonscan_cstr("null"), &flag) == RS_EINVAL);
}

int main(void) {
    test_bool_flags();
    test_validate_ok();
    test_validate_bad();
    test_depth();
    test_classify();
    test_int64();
    test_value_and_trim();
    test_iterate();
    test_iterate_malformed();
    test_iterate_complete();
    test_iterate_valid();
    test_skip_valid();
    test_string_runs();
    test_get();
    test_decode();
    test_exact_rows();
    test_key_equals();
    test_get_last();
    test_element();
    test_lookup_malformed();
    test_lookup_depth();
    test_mutations();
    TEST_DONE();
}
