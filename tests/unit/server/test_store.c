/*
 * test_store.c - rockset-local's store, document writes and handlers, driven through the router
 * without HTTP: offsets, names, int64-exact documents, JSON-patch edge cases, the ingest-delay
 * visibility rules (previous version served until the delay passes, pending versions applied in
 * order, patches on top of a pending version) and commit fences.
 */
#include "server/handlers.h"
#include "server/queries.h"
#include "server/router.h"
#include "server/server.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static rl_server srv;
static rl_principal admin;

/* Run one request through the router; returns the status, *out the body (malloc'd). */
static int call(const char *method, const char *path, const char *body, char **out) {
    rl_req rq;
    int i, status;
    memset(&rq, 0, sizeof(rq));
    rq.srv = &srv;
    rq.who = &admin;
    rq.method = method;
    rq.path = path;
    rq.body = body ? body : "";
    rq.body_len = strlen(rq.body);
    if (body)
        rq.json = cJSON_Parse(body);
    rl_route_dispatch(&rq);
    if (rq.db)
        rl_store_release(srv.store, rq.db);
    status = rq.status;
    *out = strdup(rs_buf_cstr(&rq.out));
    for (i = 0; i < rq.n_args; i++)
        free(rq.args[i]);
    cJSON_Delete(rq.json);
    rs_buf_free(&rq.out);
    return status;
}

/* Status of a request whose body is not needed. */
static int call_status(const char *method, const char *path, const char *body) {
    char *out = NULL;
    int status = call(method, path, body, &out);
    free(out);
    return status;
}

/* The results array of a query, cut out of the response text (never through cJSON, which would
 * turn 64-bit integers into doubles). */
static char *results_of(const char *sql) {
    char body[512], *out = NULL, *res;
    const char *start, *end;
    snprintf(body, sizeof(body), "{\"sql\":{\"query\":\"%s\"}}", sql);
    call("POST", "/v1/orgs/self/queries", body, &out);
    start = strstr(out, "\"results\":");
    if (start == NULL)
        return out;
    start += strlen("\"results\":");
    end = strstr(start, ",\"column_fields\":");
    if (end == NULL)
        end = strstr(start, ",\"collections\":");
    res = strndup(start, end ? (size_t)(end - start) : strlen(start));
    free(out);
    return res;
}

/* The stored text of document id in collection t.coll, read from its table (malloc'd). */
static char *stored_doc(const char *coll, const char *id) {
    rs_err err = {0};
    char *tbl = NULL, *doc = NULL, sql[300];
    sqlite3 *db = rl_store_acquire(srv.store, &err);
    if (db == NULL)
        return NULL;
    if (rl_sql(db, &tbl, &err, "SELECT tbl FROM collections WHERE ws = 't' AND name = ?1", "s",
               coll) == RS_OK &&
        tbl != NULL) {
        snprintf(sql, sizeof(sql), "SELECT doc FROM \"%s_data\" WHERE _id = ?1", tbl);
        rl_sql(db, &doc, &err, sql, "s", id);
    }
    rl_store_release(srv.store, db);
    free(tbl);
    return doc;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void test_helpers(void) {
    char off[48];
    rl_offset_format(42, off);
    CHECK_STR("offset/format", off, "f1:0:000000000042:0:---0");
    CHECK("offset/parse", rl_offset_parse(off) == 42);
    CHECK("offset/reject_garbage", rl_offset_parse("f1:0:x:0:---0") == -1);
    CHECK("offset/reject_suffix", rl_offset_parse("f1:0:1:0:---0x") == -1);
}

static void test_routing(void) {
    char *out = NULL;
    CHECK_INT("route/unknown_404", call_status("GET", "/v1/nope", NULL), 404);
    CHECK_INT("route/wrong_method_405", call("PUT", "/v1/orgs/self/ws", "{}", &out), 405);
    CHECK("route/405_type", strstr(out, "\"type\":\"METHODNOTALLOWED\"") != NULL);
    free(out);
    CHECK_INT("route/trailing_slash", call_status("GET", "/v1/orgs/self/ws/", NULL), 200);
    CHECK_INT("ws/create", call_status("POST", "/v1/orgs/self/ws", "{\"name\":\"t\"}"), 200);
    CHECK_INT("ws/duplicate_409", call_status("POST", "/v1/orgs/self/ws", "{\"name\":\"t\"}"), 409);
    CHECK_INT("coll/create",
              call_status("POST", "/v1/orgs/self/ws/t/collections", "{\"name\":\"c\"}"), 200);
    CHECK_INT("ws/delete_nonempty_409", call_status("DELETE", "/v1/orgs/self/ws/t", NULL), 409);
    CHECK_INT("coll/bad_name_400",
              call_status("POST", "/v1/orgs/self/ws/t/collections", "{\"name\":\"a.b\"}"), 400);
}

static void test_documents(void) {
    char *out = NULL, *res;
    int status;
    status = call("POST", "/v1/orgs/self/ws/t/collections/c/docs",
                  "{\"data\":[{\"_id\":\"x\",\"n\":9223372036854775807,\"f\":1.50,"
                  "\"o\":{\"a\":[1,2,3]},\"_meta\":{\"drop\":1}}]}",
                  &out);
    CHECK_INT("docs/add_status", status, 200);
    CHECK("docs/add_added", strstr(out, "\"status\":\"ADDED\"") != NULL);
    free(out);
    res = results_of("SELECT n, f, o, _meta FROM t.c WHERE _id = 'x'");
    CHECK_STR("docs/int64_exact_meta_dropped", res,
              "[{\"n\":9223372036854775807,\"f\":1.5,\"o\":{\"a\":[1,2,3]}}]");
    free(res);
    status = call("PATCH", "/v1/orgs/self/ws/t/collections/c/docs",
                  "{\"data\":[{\"_id\":\"x\",\"patch\":[{\"op\":\"add\",\"path\":\"/o/a/1\","
                  "\"value\":9},{\"op\":\"INCREMENT\",\"path\":\"/n\",\"value\":-7},"
                  "{\"op\":\"move\",\"from\":\"/f\",\"path\":\"/g\"}]}]}",
                  &out);
    CHECK("docs/patch_patched", status == 200 && strstr(out, "\"status\":\"PATCHED\""));
    free(out);
    res = results_of("SELECT n, o, g, f FROM t.c WHERE _id = 'x'");
    CHECK_STR("docs/patch_applied", res,
              "[{\"n\":9223372036854775800,\"o\":{\"a\":[1,9,2,3]},\"g\":1.5}]");
    free(res);
    status = call("PATCH", "/v1/orgs/self/ws/t/collections/c/docs",
                  "{\"data\":[{\"_id\":\"x\",\"patch\":[{\"op\":\"remove\",\"path\":\"/g\"},"
                  "{\"op\":\"test\",\"path\":\"/n\",\"value\":1}]}]}",
                  &out);
    CHECK("docs/patch_test_fails_per_doc",
          status == 200 && strstr(out, "\"status\":\"ERROR\"") && strstr(out, "TEST failed"));
    free(out);
    res = results_of("SELECT g FROM t.c WHERE _id = 'x'");
    CHECK_STR("docs/failed_patch_changes_nothing", res, "[{\"g\":1.5}]");
    free(res);
    /* a document is stored without the whitespace between its tokens, whatever the request's
     * layout; the whitespace and escapes inside its strings stay as they were */
    status = call("POST", "/v1/orgs/self/ws/t/collections/c/docs",
                  "{ \"data\" : [ {\"_id\" : \"sp\",\n  \"s\" : \"a b\\t\\\"c\\\" \\\\\" ,\n"
                  "\t\"o\" : { \"k\" : [ 1 , 2.50 ] } } ]\r\n}",
                  &out);
    CHECK("docs/spaced_added", status == 200 && strstr(out, "\"status\":\"ADDED\"") != NULL);
    free(out);
    char *stored = stored_doc("c", "sp");
    CHECK("docs/stored_without_the_spaces",
          stored != NULL &&
              strstr(stored, "\"s\":\"a b\\t\\\"c\\\" \\\\\",\"o\":{\"k\":[1,2.50]}") != NULL &&
              strchr(stored, '\n') == NULL);
    if (stored != NULL && strchr(stored, '\n') != NULL)
        printf("stored: %s\n", stored);
    free(stored);
    CHECK_INT("docs/spaced_removed",
              call_status("DELETE", "/v1/orgs/self/ws/t/collections/c/docs",
                          "{\"data\":[{\"_id\":\"sp\"}]}"),
              200);
    CHECK_INT("docs/body_with_a_bad_element_400",
              call_status("POST", "/v1/orgs/self/ws/t/collections/c/docs", "{\"data\":[{},]}"),
              400);
    CHECK_INT("docs/alias_target_400",
              call_status("POST", "/v1/orgs/self/ws/t/aliases",
                          "{\"name\":\"al\",\"collections\":[\"t.c\"]}"),
              200);
    CHECK_INT("docs/write_to_alias_400",
              call_status("POST", "/v1/orgs/self/ws/t/collections/al/docs", "{\"data\":[{}]}"),
              400);
}

static void test_ingest_delay(void) {
    char *out = NULL, *res, fence_path[200], body[200];
    cJSON *json;
    const char *offset;

    srv.cfg.ingest_delay_ms = 300;
    call("POST", "/v1/orgs/self/ws/t/collections/c/docs", "{\"data\":[{\"_id\":\"y\",\"v\":2}]}",
         &out);
    json = cJSON_Parse(out);
    offset = cJSON_GetStringValue(cJSON_GetObjectItem(json, "last_offset"));
    snprintf(fence_path, sizeof(fence_path), "/v1/orgs/self/ws/t/collections/c/offsets/commit");
    snprintf(body, sizeof(body), "{\"name\":[\"%s\"]}", offset ? offset : "");
    free(out);
    call("POST", fence_path, body, &out);
    CHECK("fence/not_passed_yet", strstr(out, "\"passed\":false") != NULL);
    free(out);
    res = results_of("SELECT v FROM t.c WHERE _id = 'y'");
    CHECK_STR("delay/new_doc_invisible", res, "[]");
    free(res);
    call_status("DELETE", "/v1/orgs/self/ws/t/collections/c/docs", "{\"data\":[{\"_id\":\"x\"}]}");
    res = results_of("SELECT _id FROM t.c WHERE _id = 'x'");
    CHECK_STR("delay/deleted_doc_still_served", res, "[{\"_id\":\"x\"}]");
    free(res);
    sleep_ms(350);
    call("POST", fence_path, body, &out);
    CHECK("fence/passed_after_delay", strstr(out, "\"passed\":true") != NULL);
    free(out);
    res = results_of("SELECT _id, v FROM t.c ORDER BY _id");
    CHECK_STR("delay/all_visible_after", res, "[{\"_id\":\"y\",\"v\":2}]");
    free(res);
    cJSON_Delete(json);
    srv.cfg.ingest_delay_ms = 0;
}

/* Pending writes (pending.h): each version becomes visible in order, a patch applies on top of
 * the newest version even while it is pending, stats count the newest versions, and the first
 * query after the delay applies what is due. */
static void test_pending_versions(void) {
    char *out = NULL, *res;
    srv.cfg.ingest_delay_ms = 1000; /* in-process calls: far within it */
    call_status("POST", "/v1/orgs/self/ws/t/collections/c/docs",
                "{\"data\":[{\"_id\":\"p\",\"v\":1}]}");
    call_status("PATCH", "/v1/orgs/self/ws/t/collections/c/docs",
                "{\"data\":[{\"_id\":\"p\",\"patch\":[{\"op\":\"add\",\"path\":\"/w\","
                "\"value\":2}]}]}");
    call("GET", "/v1/orgs/self/ws/t/collections/c", NULL, &out);
    CHECK("pending/doc_count_counts_newest", strstr(out, "\"doc_count\":2") != NULL);
    free(out);
    res = results_of("SELECT v, w FROM t.c WHERE _id = 'p'");
    CHECK_STR("pending/not_visible_yet", res, "[]");
    free(res);
    sleep_ms(1100);
    res = results_of("SELECT v, w FROM t.c WHERE _id = 'p'");
    CHECK_STR("pending/patch_on_top_of_pending", res, "[{\"v\":1,\"w\":2}]");
    free(res);
    call_status("DELETE", "/v1/orgs/self/ws/t/collections/c/docs", "{\"data\":[{\"_id\":\"p\"}]}");
    res = results_of("SELECT _id FROM t.c WHERE _id = 'p'");
    CHECK_STR("pending/delete_waits", res, "[{\"_id\":\"p\"}]");
    free(res);
    sleep_ms(1100);
    res = results_of("SELECT _id FROM t.c WHERE _id = 'p'");
    CHECK_STR("pending/delete_applied", res, "[]");
    free(res);
    srv.cfg.ingest_delay_ms = 0;
    /* no delay, nothing pending: straight into the visible table */
    call_status("POST", "/v1/orgs/self/ws/t/collections/c/docs",
                "{\"data\":[{\"_id\":\"q\",\"v\":3}]}");
    res = results_of("SELECT v FROM t.c WHERE _id = 'q'");
    CHECK_STR("direct/visible_at_once", res, "[{\"v\":3}]");
    free(res);
}

int main(void) {
    rs_err err = {0};
    memset(&srv, 0, sizeof(srv));
    rl_principal_admin(&admin);
    srv.cfg.query_timeout_ms = 10000;
    srv.cfg.max_body_bytes = 1 << 20;
    if (rl_store_open(NULL, &srv.store, &err) != RS_OK ||
        rl_queries_new(&srv, &srv.queries, &err) != RS_OK) {
        printf("FAIL setup: %s\n", err.msg);
        return 1;
    }
    test_helpers();
    test_routing();
    test_documents();
    test_ingest_delay();
    test_pending_versions();
    rl_queries_shutdown(srv.queries);
    rl_queries_free(srv.queries);
    rl_store_close(srv.store);
    TEST_DONE();
}
