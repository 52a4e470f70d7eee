/* test_buf.c - unit tests of src/buf.c and src/err.c. */
#include "buf.h"
#include "err.h"
#include "testlib.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

/* The escape of every byte, one at a time: what rs_buf_json_string must write for ASCII. */
static void json_string_reference(rs_buf *out, const char *s, size_t len) {
    rs_buf_putc(out, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            rs_buf_printf(out, "\\%c", c);
        else if (c == '\n')
            rs_buf_puts(out, "\\n");
        else if (c == '\r')
            rs_buf_puts(out, "\\r");
        else if (c == '\t')
            rs_buf_puts(out, "\\t");
        else if (c < 0x20)
            rs_buf_printf(out, "\\u%04x", c);
        else
            rs_buf_putc(out, (char)c);
    }
    rs_buf_putc(out, '"');
}

/* Plain runs are copied whole: a byte to escape at every position of strings around the run
 * lengths, DEL (0x7f, plain), and runs after escapes, give what the byte-wise escape gives. */
static void test_json_string_runs(void) {
    static const char special[] = {'"', '\\', '\n', '\r', '\t', 0x01, 0x1f, 0x7f, ' ', '~'};
    int failures = 0;
    for (size_t len = 1; len <= 40; len++) {
        for (size_t at = 0; at < len; at++) {
            for (size_t k = 0; k < sizeof special; k++) {
                char text[48];
                memset(text, 'a' + (int)(at % 26), len);
                text[at] = special[k];
                if (at + 3 < len)
                    text[at + 3] = '"';
                rs_buf got = RS_BUF_INIT, want = RS_BUF_INIT;
                rs_buf_json_string(&got, text, len);
                json_string_reference(&want, text, len);
                failures += strcmp(rs_buf_cstr(&got), rs_buf_cstr(&want)) != 0;
                /* plain: exactly the texts written between the quotes as they are */
                failures += rs_buf_json_plain(text, len) !=
                            (got.len == len + 2 && memcmp(got.data + 1, text, len) == 0);
                rs_buf_free(&got);
                rs_buf_free(&want);
            }
        }
    }
    CHECK_INT("buf_json_runs_equal_bytewise", failures, 0);
    CHECK("buf_json_plain_ascii", rs_buf_json_plain("a/b c~", 6) && rs_buf_json_plain("", 0));
    CHECK("buf_json_plain_not_utf8_or_escapes",
          !rs_buf_json_plain("\xc3\xa9", 2) && !rs_buf_json_plain("a\"", 2) &&
              !rs_buf_json_plain("\\", 1) && !rs_buf_json_plain("\t", 1));
    rs_buf b = RS_BUF_INIT;
    rs_buf_json_string(&b, "", 0);
    CHECK_STR("buf_json_empty", rs_buf_cstr(&b), "\"\"");
    rs_buf_reset(&b);
    rs_buf_json_string(&b, "x\0y", 3);
    CHECK_STR("buf_json_nul_escaped", rs_buf_cstr(&b), "\"x\\u0000y\"");
    rs_buf_free(&b);
}

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
    test_json_string_runs();

    CHECK("utf8_ascii_valid", rs_utf8_valid("plain", 5, NULL));
    CHECK("utf8_4byte_valid", rs_utf8_valid("\xf0\x9f\x98\x80", 4, NULL));
    CHECK("utf8_is_ascii", rs_utf8_is_ascii("plain~\x7f", 7) && rs_utf8_is_ascii("", 0));
    CHECK("utf8_is_ascii_not", !rs_utf8_is_ascii("ab\xc3\xa9", 4) && !rs_utf8_is_ascii("\x80", 1));
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
