/* test_buf.c - unit tests of src/buf.c and src/err.c. */
#include "buf.h"
#include "err.h"
#include "testlib.h"
#include "utf8.h"

#include <stdlib.h>

int main(void) {
    rs_buf b = RS_BUF_INIT;
    rs_err err;
    char *s;

    CHECK_STR("buf_empty_cstr", rs_buf_cstr(&b), "");
    rs_buf_puts(&b, "abc");
    rs_buf_printf(&b, "-%d-", 42);
    CHECK_STR("buf_append_printf", rs_buf_cstr(&b), "abc-42-");
    rs_buf_reset(&b);
    rs_buf_json_string(&b, "a\"b\\c\n\x01", 7);
    CHECK_STR("buf_json_escape", rs_buf_cstr(&b), "\"a\\\"b\\\\c\\n\\u0001\"");
    s = rs_buf_detach(&b);
    CHECK("buf_detach_leaves_empty", b.data == NULL && b.len == 0 && s != NULL);
    free(s);
    s = rs_buf_detach(&b);
    CHECK_STR("buf_detach_empty_gives_empty_string", s, "");
    free(s);

    rs_buf_reset(&b);
    rs_buf_json_string(&b, "ok \xc3\xa9 bad \xff \xed\xa0\x80 end", 19);
    CHECK_STR("buf_json_invalid_utf8_replaced", rs_buf_cstr(&b),
              "\"ok \xc3\xa9 bad \\ufffd \\ufffd\\ufffd\\ufffd end\"");
    rs_buf_free(&b);

    CHECK("utf8_ascii_valid", rs_utf8_valid("plain", 5, NULL));
    CHECK("utf8_4byte_valid", rs_utf8_valid("\xf0\x9f\x98\x80", 4, NULL));
    {
        size_t at = 99;
        CHECK("utf8_ff_invalid", !rs_utf8_valid("ab\xff", 3, &at) && at == 2);
        CHECK("utf8_overlong_invalid", !rs_utf8_valid("\xc0\xaf", 2, &at) && at == 0);
        CHECK("utf8_surrogate_invalid", !rs_utf8_valid("x\xed\xa0\x80", 4, &at) && at == 1);
        CHECK("utf8_above_max_invalid", !rs_utf8_valid("\xf4\x90\x80\x80", 4, &at));
        char enc[4];
        CHECK("utf8_encode_ascii", rs_utf8_encode(0x41, enc) == 1 && enc[0] == 'A');
        CHECK("utf8_encode_2", rs_utf8_encode(0xE9, enc) == 2 && memcmp(enc, "\xc3\xa9", 2) == 0);
        CHECK("utf8_encode_3",
              rs_utf8_encode(0x20AC, enc) == 3 && memcmp(enc, "\xe2\x82\xac", 3) == 0);
        CHECK("utf8_encode_4",
              rs_utf8_encode(0x1F600, enc) == 4 && memcmp(enc, "\xf0\x9f\x98\x80", 4) == 0);
        CHECK("utf8_truncated_invalid", !rs_utf8_valid("\xe2\x82", 2, &at) && at == 0);
    }

    rs_err_clear(&err);
    CHECK_INT("err_set_returns_code", rs_err_set(&err, RS_EINVAL, "bad %s", "thing"), RS_EINVAL);
    rs_err_prefix(&err, "model '%s': ", "m");
    CHECK_STR("err_prefix", err.msg, "model 'm': bad thing");
    CHECK_STR("err_name", rs_err_name(RS_ENOTFOUND), "ENOTFOUND");
    TEST_DONE();
}
