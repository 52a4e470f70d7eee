/*
 * fuzz_response.c - decoding what a Rockset server sends back, without a network: the exact JSON
 * scanner (src/jsonscan.h), the row decoder (src/rowdecode.h) and the error-body reader of the
 * HTTP client (rs_http_error_from_response, rs_http_parse_retry_after in src/http.h).
 *
 * The input is a response body. jsonscan's promise is that every function is safe on ANY input,
 * so the walkers below run on the raw bytes whether or not they validated; on text that
 * validated they must always succeed (checked). A valid object is also decoded as a result row
 * for a table with columns _id, a, b, c.d and _doc-like names, every cell of it.
 *
 * Invariants: validate == OK implies value scanning, iteration and string decoding of every
 * member never report malformed text; an INT span always converts with rs_jsonscan_int64; the
 * error built from any body has a message.
 */
#include "fuzz.h"

#include "api/http.h"
#include "jsonscan.h"
#include "scan/rowdecode.h"

#define MAX_WALK_DEPTH 64

/* Known and reported (docs/reliability.md, bug list): rs_jsonscan_validate accepts a lone or
 * mismatched surrogate escape ("\udc02"), which RFC 8259's grammar allows, while
 * rs_jsonscan_string_decode rejects it. Until one of them changes, that one failure is
 * tolerated on validated text. */
static int decode_ok_or_known(int rc, const rs_err *err) {
    return rc == RS_OK || err->code == RS_ENOMEM || strstr(err->msg, "surrogate") != NULL;
}

static void walk(rs_jsonscan_span v, int valid, int depth, rs_buf *scratch) {
    rs_jsonscan_kind kind = rs_jsonscan_classify(v);
    rs_jsonscan_iter it;
    rs_jsonscan_span key, member;
    rs_err err = {0};
    long long i64;
    double d;
    int r, drc;

    if (depth > MAX_WALK_DEPTH)
        return;
    switch (kind) {
    case RS_JSON_OBJECT:
    case RS_JSON_ARRAY:
        if (rs_jsonscan_iter_init(&it, v) != RS_OK) {
            FUZZ_ASSERT(!valid);
            return;
        }
        while ((r = rs_jsonscan_iter_next(&it, &key, &member)) == 1) {
            if (key.ptr != NULL) {
                scratch->len = 0;
                drc = rs_jsonscan_string_decode(key, scratch, &err);
                FUZZ_ASSERT(!valid || decode_ok_or_known(drc, &err));
                (void)rs_jsonscan_key_eq(key, "data");
            }
            walk(member, valid, depth + 1, scratch);
        }
        FUZZ_ASSERT(!valid || r == 0);
        if (valid)
            FUZZ_ASSERT(rs_jsonscan_count(v) >= 0);
        break;
    case RS_JSON_STRING:
        scratch->len = 0;
        drc = rs_jsonscan_string_decode(v, scratch, &err);
        FUZZ_ASSERT(!valid || decode_ok_or_known(drc, &err));
        break;
    case RS_JSON_INT:
        FUZZ_ASSERT(rs_jsonscan_int64(v, &i64) == RS_OK);
        FUZZ_ASSERT(rs_jsonscan_double(v, &d) == RS_OK);
        break;
    case RS_JSON_FLOAT:
        FUZZ_ASSERT(rs_jsonscan_double(v, &d) == RS_OK);
        break;
    default:
        break;
    }
}

static void lookups(rs_jsonscan_span body) {
    static const char *const paths[] = {
        "data",    "results", "query_id", "pagination", "pagination.next_cursor", "stats.doc_count",
        "message", "type",    ""};
    rs_jsonscan_span v;
    char *s = NULL;
    long long n;
    int found;
    rs_err err = {0};
    size_t i;

    for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        (void)rs_jsonscan_get_path(body, paths[i], &v);
    if (rs_jsonscan_get_string(body, "query_id", &s, &err) == RS_OK)
        free(s);
    (void)rs_jsonscan_get_int64(body, "last_offset", &n, &found, &err);
}

static void decode_row(rs_jsonscan_span row, int valid) {
    static const char *const names[] = {"_id", "a", "b", "c.d", NULL, "_event_time", "a"};
    size_t n = sizeof(names) / sizeof(names[0]), col;
    rs_rowdecode *dec = rs_rowdecode_new(names, n);
    rs_err err = {0};
    rs_cell cell;

    if (dec == NULL)
        return;
    if (rs_rowdecode_index(dec, row, &err) == RS_OK) {
        for (col = 0; col < n; col++) {
            (void)rs_rowdecode_raw(dec, col);
            if (rs_rowdecode_cell(dec, col, &cell, &err) == RS_OK && cell.kind == RS_CELL_TEXT)
                FUZZ_ASSERT(cell.len == 0 || cell.text != NULL);
        }
    } else {
        FUZZ_ASSERT(!valid || rs_jsonscan_classify(row) != RS_JSON_OBJECT ||
                    decode_ok_or_known(RS_EPARSE, &err));
        FUZZ_ASSERT(err.msg[0] != '\0');
    }
    rs_rowdecode_free(dec);
}

static void error_body(const uint8_t *data, size_t size) {
    static const long statuses[] = {400, 401, 404, 408, 409, 429, 500, 503};
    rs_err err = {0};
    long status = statuses[size % (sizeof(statuses) / sizeof(statuses[0]))];

    (void)rs_http_error_from_response(status, (const char *)data, size, "POST",
                                      "/v1/orgs/self/queries", "http://127.0.0.1:1", &err);
    FUZZ_ASSERT(err.msg[0] != '\0');
    FUZZ_ASSERT(err.http_status == status);
    (void)rs_http_parse_retry_after((const char *)data, size < 32 ? size : 32);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* an exact-size heap copy, so that ASan catches any read past the end */
    char *text = malloc(size ? size : 1);
    rs_jsonscan_span body, value;
    rs_buf scratch = {0};
    rs_err err = {0};
    size_t consumed = 0;
    int valid;

    if (text == NULL)
        return 0;
    if (size)
        memcpy(text, data, size);
    body.ptr = text;
    body.len = size;
    valid = rs_jsonscan_validate(text, size, &err) == RS_OK;
    if (!valid)
        FUZZ_ASSERT(err.msg[0] != '\0');
    if (rs_jsonscan_value(text, size, &value, &consumed, &err) == RS_OK)
        FUZZ_ASSERT(consumed <= size && value.ptr >= text && value.ptr + value.len <= text + size);
    else
        FUZZ_ASSERT(!valid);
    walk(rs_jsonscan_trim(body), valid, 0, &scratch);
    lookups(body);
    decode_row(body, valid);
    error_body(data, size);
    rs_buf_free(&scratch);
    free(text);
    return 0;
}
