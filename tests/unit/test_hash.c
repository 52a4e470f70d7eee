/* test_hash.c - unit tests of src/hash.c: FNV-1a's published test vectors, 32 and 64 bits, and
 * that the length, not a NUL, ends the input. */
#include "hash.h"
#include "testlib.h"

int main(void) {
    CHECK("fnv32/empty", rs_fnv1a32("", 0) == 0x811c9dc5u);
    CHECK("fnv32/a", rs_fnv1a32("a", 1) == 0xe40c292cu);
    CHECK("fnv32/foobar", rs_fnv1a32("foobar", 6) == 0xbf9cf968u);
    CHECK("fnv64/empty", rs_fnv1a64("", 0) == 0xcbf29ce484222325ULL);
    CHECK("fnv64/a", rs_fnv1a64("a", 1) == 0xaf63dc4c8601ec8cULL);
    CHECK("fnv64/foobar", rs_fnv1a64("foobar", 6) == 0x85944171f73967e8ULL);
    CHECK("fnv64/embedded_nul", rs_fnv1a64("a\0b", 3) != rs_fnv1a64("a", 1));
    TEST_DONE();
}
