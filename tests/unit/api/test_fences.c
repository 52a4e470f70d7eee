/*
 * test_fences.c - read-your-writes (src/api/fences.h): the offsets a client wrote and the read
 * barrier that waits on them, against a scripted loopback server (fake_server.h). No network.
 */
#include "api/fences.h"
#include "fake_server.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

static fake_server fs;

static rs_api *open_api(void) {
    rs_http_options opts;
    rs_api *api = NULL;
    rs_err err;

    rs_http_options_init(&opts);
    opts.base_url = fake_url(&fs);
    opts.api_key = "k";
    opts.backoff_initial_ms = 5;
    opts.backoff_max_ms = 20;
    if (rs_api_open(&opts, NULL, &api, &err) != RS_OK)
        printf("FAIL fences/open: %s\n", err.msg);
    return api;
}

static void test_nothing_pending(rs_api *api) {
    rs_fences f = RS_FENCES_INIT;
    rs_err err;

    fake_reset(&fs);
    CHECK_INT("fences/none_ok", rs_fences_barrier(&f, api, "ws", "c", 1000, &err), RS_OK);
    CHECK_STR("fences/none_no_request", fake_log(&fs), "");
    CHECK("fences/none_pending", rs_fences_pending(&f, "ws", "c") == NULL);
}

static void test_wait_then_forget(rs_api *api) {
    rs_fences f = RS_FENCES_INIT;
    rs_err err;

    fake_reset(&fs);
    CHECK_INT("fences/note_first", rs_fences_note(&f, "ws", "c", strdup("f1:0:1:0:---0"), &err),
              RS_OK);
    CHECK_INT("fences/note_newer", rs_fences_note(&f, "ws", "c", strdup("f1:0:2:0:---0"), &err),
              RS_OK);
    CHECK_INT("fences/note_other", rs_fences_note(&f, "ws", "d", strdup("f1:0:9:0:---0"), &err),
              RS_OK);
    CHECK_STR("fences/pending_newest", rs_fences_pending(&f, "ws", "c"), "f1:0:2:0:---0");
    fake_push(&fs, 200, NULL, "{\"data\":{\"passed\":false}}");
    fake_push(&fs, 200, NULL, "{\"data\":{\"passed\":true}}");
    CHECK_INT("fences/wait_ok", rs_fences_barrier(&f, api, "ws", "c", 5000, &err), RS_OK);
    CHECK_STR(
        "fences/waited_on_newest", fake_log(&fs),
        "POST /v1/orgs/self/ws/ws/collections/c/offsets/commit {\"name\":[\"f1:0:2:0:---0\"]}\n"
        "POST /v1/orgs/self/ws/ws/collections/c/offsets/commit {\"name\":[\"f1:0:2:0:---0\"]}\n");
    CHECK("fences/forgotten", rs_fences_pending(&f, "ws", "c") == NULL);
    CHECK_STR("fences/other_kept", rs_fences_pending(&f, "ws", "d"), "f1:0:9:0:---0");
    fake_reset(&fs);
    CHECK_INT("fences/second_read_free", rs_fences_barrier(&f, api, "ws", "c", 5000, &err), RS_OK);
    CHECK_STR("fences/second_read_no_request", fake_log(&fs), "");
    rs_fences_clear(&f);
    CHECK("fences/cleared", f.head == NULL);
}

static void test_error_keeps_entry(rs_api *api) {
    rs_fences f = RS_FENCES_INIT;
    rs_err err;

    fake_reset(&fs);
    rs_fences_note(&f, "ws", "gone", strdup("f1:0:3:0:---0"), &err);
    fake_push(&fs, 404, NULL, "{\"message\":\"Collection does not exist\",\"type\":\"NOTFOUND\"}");
    rs_err_clear(&err);
    CHECK_INT("fences/error_code", rs_fences_barrier(&f, api, "ws", "gone", 5000, &err),
              RS_ENOTFOUND);
    CHECK_STR("fences/error_msg", err.msg, "rockset: collection 'ws.gone' not found (NOTFOUND)");
    CHECK_STR("fences/error_keeps_entry", rs_fences_pending(&f, "ws", "gone"), "f1:0:3:0:---0");
    rs_fences_clear(&f);
}

int main(void) {
    rs_api *api;

    if (fake_start(&fs) != 0) {
        printf("FAIL fences/fake_server: cannot listen on loopback\n");
        return 1;
    }
    api = open_api();
    test_nothing_pending(api);
    test_wait_then_forget(api);
    test_error_keeps_entry(api);
    rs_api_close(api);
    fake_stop(&fs);
    TEST_DONE();
}
