/* test_names.c - unit tests of src/names.c (the resource-name rule). */
#include "names.h"
#include "testlib.h"

int main(void) {
    char longest[102];

    CHECK("name/ok", rs_name_valid("a-b_C9"));
    CHECK("name/dot_is_not_a_name", !rs_name_valid("a.b"));
    CHECK("name/empty", !rs_name_valid(""));
    CHECK("name/null", !rs_name_valid(NULL));
    CHECK("name/space", !rs_name_valid("bad name"));
    CHECK("name/quote", !rs_name_valid("x\"y"));
    CHECK("name/non_ascii", !rs_name_valid("caf\xc3\xa9"));
    memset(longest, 'a', 100);
    longest[100] = '\0';
    CHECK("name/100_chars_ok", rs_name_valid(longest));
    longest[100] = 'a';
    longest[101] = '\0';
    CHECK("name/101_chars_refused", !rs_name_valid(longest));
    TEST_DONE();
}
