/* test_buf.c - unit tests of src/buf.c and src/err.c. */
#include "buf.h"
#include "err.h"
#include "testlib.h"

#include <stdlib.h>

int main(void)
{
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

    rs_err_clear(&err);
    CHECK_INT("err_set_returns_code", rs_err_set(&err, RS_EINVAL, "bad %s", "thing"), RS_EINVAL);
    rs_err_prefix(&err, "model '%s': ", "m");
    CHECK_STR("err_prefix", err.msg, "model 'm': bad thing");
    CHECK_STR("err_name", rs_err_name(RS_ENOTFOUND), "ENOTFOUND");
    TEST_DONE();
}
