/* test_api.c - unit tests for src/api.c and src/api_query.c against a scripted server in this
 * process (fake_server.h, loopback only): exact request lines and bodies, response decoding,
 * reworded errors, polling, paging with exact row texts. */
#include "api/api.h"
#include "testlib.h"

#include "fake_server.h"

#define KEY "api_test_key_secret"

static fake_server fs;

static rs_api *open_api(const char *vi) {
    rs_http_options opts;
    rs_api *api = NULL;
    rs_err err;

    rs_http_options_init(&opts);
    opts.base_url = fake_url(&fs);
    opts.api_key = KEY;
    opts.backoff_initial_ms = 5;
    opts.backoff_max_ms = 20;
    if (rs_api_open(&opts, vi, &api, &err) != RS_OK)
        printf("FAIL api/open: %s\n", err.msg);
    return api;
}

/* Text of a span as a C string (static buffer). */
static const char *span_text(rs_jsonscan_span s) {
    static char buf[4096];

    snprintf(buf, sizeof(buf), "%.*s", (int)s.len, s.ptr);
    return buf;
}

static void test_split_name(void) {
    char *ws = NULL, *name = NULL;
    rs_err err;

    CHECK_INT("split/qualified", rs_api_split_name("analytics.events", "commons", &ws, &name, &err),
              RS_OK);
    CHECK_STR("split/qualified_ws", ws, "analytics");
    CHECK_STR("split/qualified_name", name, "events");
    free(ws);
    free(name);
    CHECK_INT("split/default", rs_api_split_name("events", "commons", &ws, &name, &err), RS_OK);
    CHECK_STR("split/default_ws", ws, "commons");
    CHECK_STR("split/default_name", name, "events");
    free(ws);
    free(name);
    CHECK_INT("split/first_dot", rs_api_split_name("a.b.c", "commons", &ws, &name, &err), RS_OK);
    CHECK_STR("split/first_dot_name", name, "b.c");
    free(ws);
    free(name);
    rs_err_clear(&err);
    CHECK_INT("split/empty_ws", rs_api_split_name(".x", "commons", &ws, &name, &err), RS_EINVAL);
    CHECK_STR("split/empty_ws_msg", err.msg, "rockset: invalid name '.x': expected workspace.name");
    CHECK_INT("split/empty_name", rs_api_split_name("x.", "commons", &ws, &name, &err), RS_EINVAL);
    CHECK_INT("split/empty", rs_api_split_name("", "commons", &ws, &name, &err), RS_EINVAL);
}

static void test_workspaces(rs_api *api) {
    rs_workspace w, *list = NULL;
    size_t n = 0;
    char *org = NULL;
    rs_err err;

    memset(&w, 0, sizeof(w));
    fake_reset(&fs);
    fake_push(&fs, 200, NULL, "{\"data\":{\"id\":\"org-1\",\"display_name\":\"x\"}}");
    CHECK_INT("ping/rc", rs_api_ping(api, &org, &err), RS_OK);
    CHECK_STR("ping/org", org, "org-1");
    free(org);
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"an\",\"description\":\"d \\\"q\\\"\",\"created_at\":"
              "\"2023-08-23T19:09:40Z\",\"created_by\":null,\"collection_count\":0}}");
    CHECK_INT("ws/create", rs_api_workspace_create(api, "an", "d \"q\"", &w, &err), RS_OK);
    CHECK_STR("ws/create_name", w.name, "an");
    CHECK_STR("ws/create_desc", w.description, "d \"q\"");
    CHECK_STR("ws/create_at", w.created_at, "2023-08-23T19:09:40Z");
    CHECK_INT("ws/create_count", w.collection_count, 0);
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"an\",\"description\":null,\"collection_count\":3}}");
    CHECK_INT("ws/get", rs_api_workspace_get(api, "an", &w, &err), RS_OK);
    CHECK("ws/get_desc_null", w.description == NULL);
    CHECK_INT("ws/get_count", w.collection_count, 3);
    rs_workspace_free(&w);
    fake_push(&fs, 200, NULL,
              "{\"data\":[{\"name\":\"commons\"},{\"name\":\"an\",\"collection_count\":2}]}");
    CHECK_INT("ws/list", rs_api_workspace_list(api, &list, &n, &err), RS_OK);
    CHECK_INT("ws/list_n", n, 2);
    CHECK_STR("ws/list_0", list[0].name, "commons");
    CHECK_INT("ws/list_0_count", list[0].collection_count, -1);
    CHECK_INT("ws/list_1_count", list[1].collection_count, 2);
    rs_workspace_list_free(list, n);
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"an\"}}");
    CHECK_INT("ws/delete", rs_api_workspace_delete(api, "an", &err), RS_OK);
    fake_push(&fs, 404, NULL,
              "{\"message\":\"Workspace an does not "
              "exist\",\"type\":\"NOTFOUND\",\"message_key\":\"WORKSPACE_NOT_FOUND\"}");
    rs_err_clear(&err);
    CHECK_INT("ws/get_missing", rs_api_workspace_get(api, "an", &w, &err), RS_ENOTFOUND);
    CHECK_STR("ws/get_missing_msg", err.msg, "rockset: workspace 'an' not found (NOTFOUND)");
    CHECK_INT("ws/get_missing_status", err.http_status, 404);
    fake_push(&fs, 409, NULL, "{\"message\":\"exists\",\"type\":\"ALREADYEXISTS\"}");
    rs_err_clear(&err);
    CHECK_INT("ws/create_dup", rs_api_workspace_create(api, "an", NULL, NULL, &err), RS_EEXISTS);
    CHECK_STR("ws/create_dup_msg", err.msg,
              "rockset: workspace 'an' already exists (ALREADYEXISTS)");
    CHECK_STR("ws/log", fake_log(&fs),
              "GET /v1/orgs/self \n"
              "POST /v1/orgs/self/ws {\"name\":\"an\",\"description\":\"d \\\"q\\\"\"}\n"
              "GET /v1/orgs/self/ws/an \n"
              "GET /v1/orgs/self/ws \n"
              "DELETE /v1/orgs/self/ws/an \n"
              "GET /v1/orgs/self/ws/an \n"
              "POST /v1/orgs/self/ws {\"name\":\"an\"}\n");
}

static void test_collections(rs_api *api) {
    rs_collection c, *list = NULL;
    size_t n = 0;
    rs_err err;

    memset(&c, 0, sizeof(c));
    fake_reset(&fs);
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"ev\",\"workspace\":\"an\",\"status\":\"CREATED\","
              "\"description\":\"managed\"}}");
    CHECK_INT("coll/create", rs_api_collection_create(api, "an", "ev", "managed", &c, &err), RS_OK);
    CHECK_STR("coll/create_status", c.status, "CREATED");
    CHECK_INT("coll/create_no_stats", c.doc_count, -1);
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"ev\",\"status\":\"CREATED\",\"stats\":{\"doc_count\":null}}}");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"ev\",\"status\":\"CREATED\"}}");
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"ev\",\"status\":\"READY\",\"stats\":{\"doc_count\":12,\"bytes_"
              "inserted\":3400,\"total_size\":99}}}");
    CHECK_INT("coll/wait_ready", rs_api_collection_wait_ready(api, "an", "ev", 5000, &c, &err),
              RS_OK);
    CHECK_STR("coll/wait_ready_status", c.status, "READY");
    CHECK_INT("coll/doc_count", c.doc_count, 12);
    CHECK_INT("coll/bytes", c.bytes_inserted, 3400);
    CHECK_INT("coll/total_size", c.total_size, 99);
    CHECK_STR("coll/log", fake_log(&fs),
              "POST /v1/orgs/self/ws/an/collections {\"name\":\"ev\",\"description\":\"managed\"}\n"
              "GET /v1/orgs/self/ws/an/collections/ev \n"
              "GET /v1/orgs/self/ws/an/collections/ev \n"
              "GET /v1/orgs/self/ws/an/collections/ev \n");
    fake_reset(&fs);
    for (n = 0; n < 40; n++)
        fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"ev\",\"status\":\"CREATED\"}}");
    rs_err_clear(&err);
    CHECK_INT("coll/wait_timeout", rs_api_collection_wait_ready(api, "an", "ev", 100, NULL, &err),
              RS_ETIMEOUT);
    CHECK_STR("coll/wait_timeout_msg", err.msg,
              "rockset: collection 'an.ev' is not READY after 100 ms (status CREATED)");
    fake_reset(&fs);
    fake_push(&fs, 404, NULL,
              "{\"message\":\"Collection \\\"ev\\\" does not exist in workspace "
              "\\\"an\\\"\",\"type\":\"NOTFOUND\",\"message_key\":\"COLLECTION_DOES_NOT_EXIST\"}");
    rs_err_clear(&err);
    CHECK_INT("coll/missing", rs_api_collection_get(api, "an", "ev", &c, &err), RS_ENOTFOUND);
    CHECK_STR("coll/missing_msg", err.msg, "rockset: collection 'an.ev' not found (NOTFOUND)");
    CHECK_STR("coll/missing_kept_out", c.status, "READY");
    fake_push(&fs, 404, NULL,
              "{\"message\":\"Workspace \\\"an\\\" not found\",\"type\":\"NOTFOUND\"}");
    rs_err_clear(&err);
    CHECK_INT("coll/ws_missing", rs_api_collection_get(api, "an", "ev", &c, &err), RS_ENOTFOUND);
    CHECK_STR("coll/ws_missing_msg", err.msg, "rockset: workspace 'an' not found (NOTFOUND)");
    fake_push(&fs, 409, NULL, "{\"message\":\"x\",\"type\":\"ALREADYEXISTS\"}");
    CHECK_INT("coll/dup", rs_api_collection_create(api, "an", "ev", NULL, NULL, &err), RS_EEXISTS);
    CHECK_STR("coll/dup_msg", err.msg,
              "rockset: collection 'an.ev' already exists (ALREADYEXISTS)");
    fake_push(
        &fs, 200, NULL,
        "{\"data\":[{\"name\":\"a\",\"workspace\":\"an\"},{\"name\":\"b\",\"workspace\":\"x\"}]}");
    CHECK_INT("coll/list_org", rs_api_collection_list(api, NULL, &list, &n, &err), RS_OK);
    CHECK_INT("coll/list_org_n", n, 2);
    CHECK_STR("coll/list_org_ws", list[1].workspace, "x");
    rs_collection_list_free(list, n);
    fake_push(&fs, 200, NULL, "{\"data\":[]}");
    CHECK_INT("coll/list_ws", rs_api_collection_list(api, "an", &list, &n, &err), RS_OK);
    CHECK_INT("coll/list_ws_n", n, 0);
    rs_collection_list_free(list, n);
    fake_push(&fs, 404, NULL, "{\"message\":\"nope\",\"type\":\"NOTFOUND\"}");
    CHECK_INT("coll/list_ws_missing", rs_api_collection_list(api, "zz", &list, &n, &err),
              RS_ENOTFOUND);
    CHECK_STR("coll/list_ws_missing_msg", err.msg, "rockset: workspace 'zz' not found (NOTFOUND)");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"ev\"}}");
    CHECK_INT("coll/delete", rs_api_collection_delete(api, "an", "ev", &err), RS_OK);
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"ev\",\"status\":\"DELETED\"}}");
    fake_push(&fs, 404, NULL, "{\"message\":\"gone\",\"type\":\"NOTFOUND\"}");
    CHECK_INT("coll/wait_gone", rs_api_collection_wait_gone(api, "an", "ev", 5000, &err), RS_OK);
    CHECK_STR("coll/log2", fake_log(&fs),
              "GET /v1/orgs/self/ws/an/collections/ev \n"
              "GET /v1/orgs/self/ws/an/collections/ev \n"
              "POST /v1/orgs/self/ws/an/collections {\"name\":\"ev\"}\n"
              "GET /v1/orgs/self/collections \n"
              "GET /v1/orgs/self/ws/an/collections \n"
              "GET /v1/orgs/self/ws/zz/collections \n"
              "DELETE /v1/orgs/self/ws/an/collections/ev \n"
              "GET /v1/orgs/self/ws/an/collections/ev \n"
              "GET /v1/orgs/self/ws/an/collections/ev \n");
    rs_collection_free(&c);
}

/* A create with options: the exact body, and the collection's transformation, retention and
 * event time read back. */
static void test_collection_options(rs_api *api) {
    rs_collection_options opts;
    rs_collection c;
    rs_err err;

    memset(&c, 0, sizeof(c));
    memset(&opts, 0, sizeof(opts));
    fake_reset(&fs);
    opts.field_mapping_sql = "SELECT k, COUNT(*) AS n FROM _input WHERE s = 'a\"b' GROUP BY k";
    opts.has_retention_secs = 1;
    opts.retention_secs = 86400;
    opts.event_time_info_json = " {\"field\": \"ts\"} ";
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"r\",\"status\":\"CREATED\",\"field_mapping_query\":"
              "{\"sql\":\"SELECT k, COUNT(*) AS n FROM _input WHERE s = 'a\\\"b' GROUP BY k\"},"
              "\"retention_secs\":86400,\"event_time_info\":{\"field\":\"ts\"}}}");
    rs_err_clear(&err);
    CHECK_INT("collopts/create",
              rs_api_collection_create_with(api, "an", "r", "managed", &opts, &c, &err), RS_OK);
    CHECK_STR("collopts/sql_back", c.field_mapping_sql,
              "SELECT k, COUNT(*) AS n FROM _input WHERE s = 'a\"b' GROUP BY k");
    CHECK_INT("collopts/retention_back", c.retention_secs, 86400);
    CHECK_STR("collopts/event_time_info_back", c.event_time_info_json, "{\"field\":\"ts\"}");
    opts.field_mapping_sql = NULL;
    opts.event_time_info_json = NULL;
    opts.retention_secs = 0; /* sent as given: the server checks the range */
    fake_push(&fs, 400, NULL,
              "{\"message\":\"retention_secs must be a positive integer\",\"type\":"
              "\"INVALIDINPUT\"}");
    rs_err_clear(&err);
    CHECK_INT("collopts/refused",
              rs_api_collection_create_with(api, "an", "r", NULL, &opts, &c, &err), RS_EHTTP);
    CHECK_STR("collopts/refused_msg", err.msg,
              "rockset: retention_secs must be a positive integer (INVALIDINPUT, HTTP 400)");
    CHECK_INT("collopts/refused_keeps_out", c.retention_secs, 86400);
    CHECK_STR("collopts/log", fake_log(&fs),
              "POST /v1/orgs/self/ws/an/collections {\"name\":\"r\",\"description\":\"managed\","
              "\"field_mapping_query\":{\"sql\":\"SELECT k, COUNT(*) AS n FROM _input WHERE s = "
              "'a\\\"b' GROUP BY k\"},\"retention_secs\":86400,\"event_time_info\":{\"field\": "
              "\"ts\"}}\n"
              "POST /v1/orgs/self/ws/an/collections {\"name\":\"r\",\"retention_secs\":0}\n");
    opts.has_retention_secs = 0;
    opts.event_time_info_json = "[\"ts\"]";
    rs_err_clear(&err);
    CHECK_INT("collopts/bad_event_time_info",
              rs_api_collection_create_with(api, "an", "r", NULL, &opts, NULL, &err), RS_EINVAL);
    CHECK_STR("collopts/bad_event_time_info_msg", err.msg,
              "rockset: event_time_info must be a JSON object");
    CHECK_STR("collopts/bad_event_time_info_sends_nothing", fake_log(&fs),
              "POST /v1/orgs/self/ws/an/collections {\"name\":\"r\",\"description\":\"managed\","
              "\"field_mapping_query\":{\"sql\":\"SELECT k, COUNT(*) AS n FROM _input WHERE s = "
              "'a\\\"b' GROUP BY k\"},\"retention_secs\":86400,\"event_time_info\":{\"field\": "
              "\"ts\"}}\n"
              "POST /v1/orgs/self/ws/an/collections {\"name\":\"r\",\"retention_secs\":0}\n");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"plain\",\"field_mapping_query\":null}}");
    CHECK_INT("collopts/plain_get", rs_api_collection_get(api, "an", "plain", &c, &err), RS_OK);
    CHECK("collopts/plain_has_none",
          c.field_mapping_sql == NULL && c.retention_secs == -1 && c.event_time_info_json == NULL);
    rs_collection_free(&c);
}

static void test_documents(rs_api *api) {
    rs_write_result r;
    const char *ids[] = {"a", "b\"c"};
    const char *docs;
    rs_err err;
    int passed = -1;

    memset(&r, 0, sizeof(r));
    fake_reset(&fs);
    fake_push(
        &fs, 200, NULL,
        "{\"data\":[{\"_collection\":\"ev\",\"error\":null,\"_id\":\"1\",\"status\":\"ADDED\","
        "\"patch_id\":null},{\"_id\":\"2\",\"status\":\"ERROR\",\"error\":{\"message\":"
        "\"bad doc\",\"type\":\"INVALIDINPUT\"}}],\"last_offset\":\"f1:0:1:0:---0\"}");
    docs = "[{\"_id\":\"1\",\"n\":9223372036854775807},{\"_id\":\"2\"}]";
    CHECK_INT("docs/add", rs_api_docs_add(api, "an", "ev", docs, strlen(docs), &r, &err), RS_OK);
    CHECK_INT("docs/add_count", r.count, 2);
    CHECK_INT("docs/add_errors", r.n_errors, 1);
    CHECK_STR("docs/add_status0", r.docs[0].status, "ADDED");
    CHECK_STR("docs/add_id1", r.docs[1].id, "2");
    CHECK_STR("docs/add_error1", r.docs[1].error_message, "bad doc");
    CHECK("docs/add_error0_null", r.docs[0].error_message == NULL);
    CHECK_STR("docs/add_offset", r.last_offset, "f1:0:1:0:---0");
    fake_push(&fs, 200, NULL,
              "{\"data\":[{\"_id\":\"a\",\"status\":\"DELETED\"},{\"_id\":\"b\\\"c\",\"status\":"
              "\"DELETED\"}],\"last_offset\":\"f1:0:2:0:---0\"}");
    CHECK_INT("docs/delete", rs_api_docs_delete(api, "an", "ev", ids, 2, &r, &err), RS_OK);
    CHECK_STR("docs/delete_id", r.docs[1].id, "b\"c");
    fake_push(&fs, 200, NULL,
              "{\"data\":[{\"_id\":\"a\",\"status\":\"PATCHED\",\"patch_id\":\"p\"}],\"last_"
              "offset\":\"f1:0:3:0:---0\"}");
    docs = "[{\"_id\":\"a\",\"patch\":[{\"op\":\"REPLACE\",\"path\":\"/n\",\"value\":1}]}]";
    CHECK_INT("docs/patch", rs_api_docs_patch(api, "an", "ev", docs, strlen(docs), &r, &err),
              RS_OK);
    CHECK_STR("docs/patch_status", r.docs[0].status, "PATCHED");
    rs_write_result_free(&r);
    fake_push(&fs, 404, NULL, "{\"message\":\"Collection does not exist\",\"type\":\"NOTFOUND\"}");
    rs_err_clear(&err);
    CHECK_INT("docs/missing", rs_api_docs_add(api, "an", "nope", "[]", 2, NULL, &err),
              RS_ENOTFOUND);
    CHECK_STR("docs/missing_msg", err.msg, "rockset: collection 'an.nope' not found (NOTFOUND)");
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"passed\":false,\"fence\":\"f1\"},\"offsets\":{\"commit\":\"f0\"}}");
    CHECK_INT("fence/check", rs_api_fence_check(api, "an", "ev", "f1:0:3:0:---0", &passed, &err),
              RS_OK);
    CHECK_INT("fence/check_false", passed, 0);
    fake_push(&fs, 200, NULL, "{\"data\":{\"passed\":false}}");
    fake_push(&fs, 200, NULL, "{\"data\":{\"passed\":true}}");
    CHECK_INT("fence/wait", rs_api_fence_wait(api, "an", "ev", "f1:0:3:0:---0", 5000, &err), RS_OK);
    CHECK_INT("fence/wait_empty", rs_api_fence_wait(api, "an", "ev", NULL, 5000, &err), RS_OK);
    CHECK_STR(
        "docs/log", fake_log(&fs),
        "POST /v1/orgs/self/ws/an/collections/ev/docs "
        "{\"data\":[{\"_id\":\"1\",\"n\":9223372036854775807},{\"_id\":\"2\"}]}\n"
        "DELETE /v1/orgs/self/ws/an/collections/ev/docs "
        "{\"data\":[{\"_id\":\"a\"},{\"_id\":\"b\\\"c\"}]}\n"
        "PATCH /v1/orgs/self/ws/an/collections/ev/docs "
        "{\"data\":[{\"_id\":\"a\",\"patch\":[{\"op\":\"REPLACE\",\"path\":\"/"
        "n\",\"value\":1}]}]}\n"
        "POST /v1/orgs/self/ws/an/collections/nope/docs {\"data\":[]}\n"
        "POST /v1/orgs/self/ws/an/collections/ev/offsets/commit {\"name\":[\"f1:0:3:0:---0\"]}\n"
        "POST /v1/orgs/self/ws/an/collections/ev/offsets/commit {\"name\":[\"f1:0:3:0:---0\"]}\n"
        "POST /v1/orgs/self/ws/an/collections/ev/offsets/commit {\"name\":[\"f1:0:3:0:---0\"]}\n");
}

/* One walk checks a page while it cuts its rows: a fault in a row, after the rows or at the end
 * is told where it is; `results` may come after the other members, be spaced out, null or
 * (as before the one walk) an object whose members are the rows. */
static void test_query_page_walk(rs_api *api, rs_query_request *req) {
    static const struct {
        const char *body, *want;
    } bad[] = {
        {"{\"results\":[{\"a\":1},{\"a\":tru}]}", "offset 25: unexpected character"},
        {"{\"results\":[{\"a\":1} {\"a\":2}]}", "offset 20: expected ',' or ']'"},
        {"{\"results\":[{\"a\":1}],\"x\":}", "offset 25: unexpected character"},
        {"{\"results\":[{\"a\":1}]} x", "offset 22: unexpected text after the value"},
        {"{\"results\":null,\"x\":[}", "offset 21: unexpected character"},
    };
    static const struct {
        const char *body;
        long long rows;
        const char *row0;
    } good[] = {
        {"{\"pagination\":{\"next_cursor\":null},\"query_id\":\"w\",\"results\":[{\"a\":1}]}", 1,
         "{\"a\":1}"},
        {" {\n \"results\" : [ {\"a\" : [1, \"]\"]} ,\t{} ] , \"x\" : 1 }\n", 2,
         "{\"a\" : [1, \"]\"]}"},
        {"{\"results\":null,\"query_id\":\"n\"}", 0, ""},
        {"{\"results\":{\"r1\":{\"a\":1},\"r2\":{\"a\":2}}}", 2, "{\"a\":1}"},
    };
    rs_query_result *res = NULL;
    char name[64], want[256];
    rs_err err;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fake_push(&fs, 200, NULL, bad[i].body);
        rs_err_clear(&err);
        snprintf(name, sizeof(name), "page_walk/bad/%zu", i);
        CHECK_INT(name, rs_api_query(api, req, &res, &err), RS_EPARSE);
        snprintf(want, sizeof(want),
                 "rockset: malformed response to POST /v1/orgs/self/queries: invalid JSON at %s",
                 bad[i].want);
        CHECK_STR(name, err.msg, want);
    }
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        fake_push(&fs, 200, NULL, good[i].body);
        rs_err_clear(&err);
        snprintf(name, sizeof(name), "page_walk/good/%zu", i);
        CHECK_INT(name, rs_api_query(api, req, &res, &err), RS_OK);
        if (res == NULL)
            continue;
        CHECK_INT(name, rs_query_result_row_count(res), good[i].rows);
        CHECK_STR(name, span_text(rs_query_result_row(res, 0)), good[i].row0);
        rs_query_result_free(res);
        res = NULL;
    }
}

/* A row reader that checks each row as rs_jsonscan_value does and counts them; it refuses a row
 * that starts with '[' (its page then fails as malformed). */
typedef struct counting_reader {
    int rows;
    char first[32];
} counting_reader;

static int count_rows(void *ctx, rs_jsonscan_span rest, size_t *used) {
    counting_reader *c = ctx;
    rs_jsonscan_span v;

    if (rest.ptr[0] == '[' || rs_jsonscan_value(rest.ptr, rest.len, &v, used, NULL) != RS_OK)
        return RS_EPARSE;
    if (c->rows++ == 0)
        snprintf(c->first, sizeof(c->first), "%.*s", (int)*used, rest.ptr);
    return RS_OK;
}

/* The caller's row reader checks the rows of the first page (rs_query_request) and of later
 * pages (rs_query_result_set_row_reader); take_page hands the rows over and leaves none. */
static void test_query_row_reader(rs_api *api) {
    counting_reader c = {0, ""};
    rs_query_request req;
    rs_query_result *res = NULL;
    rs_jsonscan_span *rows = NULL;
    char *body = NULL;
    size_t n = 0;
    rs_err err;

    memset(&req, 0, sizeof(req));
    req.sql = "SELECT 1";
    req.row_reader = count_rows;
    req.row_ctx = &c;
    fake_reset(&fs);
    fake_push(&fs, 200, NULL,
              "{\"query_id\":\"r\",\"results\":[{\"a\":1}, {\"a\":\"x\"}],"
              "\"pagination\":{\"next_cursor\":\"n\"}}");
    rs_err_clear(&err);
    CHECK_INT("row_reader/rc", rs_api_query(api, &req, &res, &err), RS_OK);
    CHECK_INT("row_reader/rows_read", c.rows, 2);
    CHECK_STR("row_reader/first_row", c.first, "{\"a\":1}");
    CHECK_STR("row_reader/row1", res ? span_text(rs_query_result_row(res, 1)) : "",
              "{\"a\":\"x\"}");
    if (res == NULL)
        return;
    rs_query_result_take_page(res, &body, &rows, &n);
    CHECK("row_reader/taken", n == 2 && body != NULL && rows != NULL && rows[1].len == 9 &&
                                  memcmp(rows[1].ptr, "{\"a\":\"x\"}", 9) == 0);
    CHECK_INT("row_reader/none_left", rs_query_result_row_count(res), 0);
    CHECK_STR("row_reader/cursor_kept", rs_query_result_next_cursor(res), "n");
    free(body);
    free(rows);
    rs_query_result_take_page(res, &body, &rows, &n);
    CHECK("row_reader/take_empty", n == 0 && body == NULL && rows == NULL);
    c.rows = 0;
    fake_push(&fs, 200, NULL, "{\"results\":[{\"b\":2},[3]],\"pagination\":{}}");
    rs_err_clear(&err);
    CHECK_INT("row_reader/refused", rs_api_query_next_page(api, res, 5, &err), RS_EPARSE);
    CHECK_INT("row_reader/refused_after_one", c.rows, 1);
    CHECK_STR("row_reader/refused_msg", err.msg,
              "rockset: malformed response to GET /v1/orgs/self/queries/r/pages?docs=5&cursor=n: "
              "a row was refused");
    CHECK_STR("row_reader/refused_cursor_kept", rs_query_result_next_cursor(res), "n");
    rs_query_result_set_row_reader(res, NULL, NULL);
    fake_push(&fs, 200, NULL, "{\"results\":[{\"b\":2},[3]],\"pagination\":{}}");
    CHECK_INT("row_reader/none", rs_api_query_next_page(api, res, 5, &err), RS_OK);
    CHECK_INT("row_reader/none_rows", rs_query_result_row_count(res), 2);
    CHECK_INT("row_reader/none_not_called", c.rows, 1);
    rs_query_result_free(res);
}

static void test_query_pages(rs_api *api) {
    rs_query_param params[] = {{"id", "int", "7"}, {"s", "string", "a\"b"}};
    rs_query_request req;
    rs_query_result *res = NULL;
    rs_err err;

    memset(&req, 0, sizeof(req));
    req.sql = "SELECT * FROM an.ev WHERE id = :id";
    req.params = params;
    req.n_params = 2;
    req.max_initial_results = 2;
    req.default_row_limit = 50;
    req.timeout_ms = 9000;
    req.idempotent = 1;
    fake_reset(&fs);
    fake_push(
        &fs, 200, NULL,
        "{\"query_id\":\"q1:abc:0\",\"status\":\"COMPLETED\",\"collections\":[\"an.ev\"],"
        "\"column_fields\":[{\"name\":\"id\",\"type\":\"\"},{\"name\":\"v\",\"type\":\"int\"}],"
        "\"results\":[{\"id\": 9223372036854775807,\"v\":1.50},{\"id\":2,\"s\":\"\\u00e9\"}],"
        "\"results_total_doc_count\":5,\"pagination\":{\"start_cursor\":\"c0\","
        "\"next_cursor\":\"c/1\",\"next_cursor_offset\":2,\"current_page_doc_count\":2}}");
    CHECK_INT("query/rc", rs_api_query(api, &req, &res, &err), RS_OK);
    CHECK_STR("query/id", rs_query_result_id(res), "q1:abc:0");
    CHECK_STR("query/status", rs_query_result_status(res), "COMPLETED");
    CHECK_INT("query/rows", rs_query_result_row_count(res), 2);
    CHECK_STR("query/row0_exact", span_text(rs_query_result_row(res, 0)),
              "{\"id\": 9223372036854775807,\"v\":1.50}");
    CHECK_STR("query/row1_exact", span_text(rs_query_result_row(res, 1)),
              "{\"id\":2,\"s\":\"\\u00e9\"}");
    CHECK_INT("query/row_oob", rs_query_result_row(res, 2).len, 0);
    CHECK_INT("query/total", rs_query_result_total(res), 5);
    CHECK_STR("query/cursor", rs_query_result_next_cursor(res), "c/1");
    CHECK("query/has_more", rs_query_result_has_more(res));
    CHECK_INT("query/columns", rs_query_result_column_count(res), 2);
    CHECK_STR("query/column1", rs_query_result_column_name(res, 1), "v");
    CHECK_STR("query/column1_type", rs_query_result_column_type(res, 1), "int");
    CHECK("query/no_offset", rs_query_result_last_offset(res) == NULL);
    fake_push(&fs, 200, NULL,
              "{\"results\":[{\"id\":3},{\"id\":4}],\"results_total_doc_count\":5,\"pagination\":{"
              "\"next_cursor\":\"c2\",\"current_page_doc_count\":2}}");
    CHECK_INT("query/page2", rs_api_query_next_page(api, res, 2, &err), RS_OK);
    CHECK_INT("query/page2_rows", rs_query_result_row_count(res), 2);
    CHECK_STR("query/page2_row", span_text(rs_query_result_row(res, 1)), "{\"id\":4}");
    CHECK_STR("query/page2_keeps_id", rs_query_result_id(res), "q1:abc:0");
    fake_push(&fs, 200, NULL, "{\"results\":[{\"id\":5}],\"pagination\":{\"next_cursor\":null}}");
    CHECK_INT("query/page3", rs_api_query_next_page(api, res, 2, &err), RS_OK);
    CHECK_INT("query/page3_rows", rs_query_result_row_count(res), 1);
    CHECK("query/page3_last", !rs_query_result_has_more(res));
    CHECK_INT("query/seen", rs_query_result_rows_seen(res), 5);
    CHECK_INT("query/after_end", rs_api_query_next_page(api, res, 2, &err), RS_OK);
    CHECK_INT("query/after_end_rows", rs_query_result_row_count(res), 0);
    CHECK_STR(
        "query/log", fake_log(&fs),
        "POST /v1/orgs/self/queries {\"sql\":{\"query\":\"SELECT * FROM an.ev WHERE id = :id\","
        "\"parameters\":[{\"name\":\"id\",\"type\":\"int\",\"value\":\"7\"},{\"name\":\"s\","
        "\"type\":\"string\",\"value\":\"a\\\"b\"}],\"default_row_limit\":50},"
        "\"max_initial_results\":2,\"timeout_ms\":9000}\n"
        "GET /v1/orgs/self/queries/q1%3Aabc%3A0/pages?docs=2&cursor=c%2F1 \n"
        "GET /v1/orgs/self/queries/q1%3Aabc%3A0/pages?docs=2&cursor=c2 \n");
    rs_query_result_free(res);

    /* a failing page keeps the cursor so the caller may try again */
    fake_reset(&fs);
    fake_push(&fs, 200, NULL,
              "{\"query_id\":\"q2\",\"results\":[],\"pagination\":{\"next_cursor\":\"k\"}}");
    memset(&req, 0, sizeof(req));
    req.sql = "SELECT 1";
    req.params_json = "[{\"name\":\"x\",\"type\":\"\",\"value\":\"1\"}]";
    CHECK_INT("query/raw_params", rs_api_query(api, &req, &res, &err), RS_OK);
    CHECK_STR("query/no_status_means_completed", rs_query_result_status(res), "COMPLETED");
    fake_push(&fs, 400, NULL, "{\"message\":\"cursor expired\",\"type\":\"INVALIDINPUT\"}");
    rs_err_clear(&err);
    CHECK_INT("query/page_fail", rs_api_query_next_page(api, res, 10, &err), RS_EHTTP);
    CHECK_STR("query/page_fail_msg", err.msg, "rockset: cursor expired (INVALIDINPUT, HTTP 400)");
    CHECK_STR("query/page_fail_cursor_kept", rs_query_result_next_cursor(res), "k");
    CHECK_STR("query/raw_params_log", fake_log(&fs),
              "POST /v1/orgs/self/queries {\"sql\":{\"query\":\"SELECT "
              "1\",\"parameters\":[{\"name\":\"x\",\"type\":\"\",\"value\":\"1\"}]}}\n"
              "GET /v1/orgs/self/queries/q2/pages?docs=10&cursor=k \n");
    rs_query_result_free(res);

    fake_reset(&fs);
    fake_push(&fs, 400, NULL,
              "{\"message\":\"Syntax error at line 1, column "
              "8\",\"type\":\"QUERY_ERROR\",\"line\":1,\"column\":8}");
    rs_err_clear(&err);
    res = NULL;
    CHECK_INT("query/sql_error", rs_api_query(api, &req, &res, &err), RS_EHTTP);
    CHECK_STR("query/sql_error_msg", err.msg,
              "rockset: Syntax error at line 1, column 8 (QUERY_ERROR, HTTP 400)");
    CHECK_INT("query/sql_error_column", err.column, 8);
    CHECK("query/sql_error_no_result", res == NULL);
    fake_push(&fs, 200, NULL, "{\"results\":[1,2");
    rs_err_clear(&err);
    CHECK_INT("query/malformed", rs_api_query(api, &req, &res, &err), RS_EPARSE);
    CHECK_STR("query/malformed_msg", err.msg,
              "rockset: malformed response to POST /v1/orgs/self/queries: invalid JSON at offset "
              "15: unexpected end of text");
    test_query_page_walk(api, &req);
    test_query_row_reader(api);
}

static void test_query_async(rs_api *api) {
    rs_query_request req;
    rs_query_result *res = NULL;
    rs_err err;

    memset(&req, 0, sizeof(req));
    req.sql = "INSERT INTO an.ev SELECT 1";
    req.async = 1;
    req.client_timeout_ms = 100;
    fake_reset(&fs);
    fake_push(&fs, 200, NULL, "{\"query_id\":\"aq\",\"status\":\"QUEUED\"}");
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"query_id\":\"aq\",\"status\":\"RUNNING\",\"last_offset\":null},\"last_"
              "offset\":null}");
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"query_id\":\"aq\",\"status\":\"COMPLETED\",\"pagination\":{\"start_"
              "cursor\":\"s\"}},\"last_offset\":\"f9\"}");
    fake_push(&fs, 200, NULL,
              "{\"results\":[{\"num_docs_inserted\":3}],\"results_total_doc_count\":1,"
              "\"pagination\":{\"next_cursor\":null}}");
    CHECK_INT("async/submit", rs_api_query(api, &req, &res, &err), RS_OK);
    CHECK_STR("async/queued", rs_query_result_status(res), "QUEUED");
    CHECK_INT("async/no_rows", rs_query_result_row_count(res), 0);
    CHECK_INT("async/wait", rs_api_query_wait(api, res, 100, 5000, &err), RS_OK);
    CHECK_STR("async/completed", rs_query_result_status(res), "COMPLETED");
    CHECK_STR("async/offset", rs_query_result_last_offset(res), "f9");
    CHECK_STR("async/row", span_text(rs_query_result_row(res, 0)), "{\"num_docs_inserted\":3}");
    CHECK_INT("async/wait_again", rs_api_query_wait(api, res, 100, 5000, &err), RS_OK);
    CHECK_STR(
        "async/log", fake_log(&fs),
        "POST /v1/orgs/self/queries {\"sql\":{\"query\":\"INSERT INTO an.ev SELECT "
        "1\",\"parameters\":[]},\"async\":true,\"async_options\":{\"client_timeout_ms\":100}}\n"
        "GET /v1/orgs/self/queries/aq \n"
        "GET /v1/orgs/self/queries/aq \n"
        "GET /v1/orgs/self/queries/aq/pages?docs=100 \n");
    rs_query_result_free(res);

    fake_reset(&fs);
    fake_push(&fs, 200, NULL, "{\"query_id\":\"bq\",\"status\":\"RUNNING\"}");
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"status\":\"ERROR\",\"query_errors\":[{\"type\":\"QUERY_TIMEOUT\","
              "\"message\":\"too slow\",\"status_code\":408}]}}");
    CHECK_INT("async/submit2", rs_api_query(api, &req, &res, &err), RS_OK);
    rs_err_clear(&err);
    CHECK_INT("async/error", rs_api_query_wait(api, res, 100, 5000, &err), RS_EHTTP);
    CHECK_STR("async/error_msg", err.msg, "rockset: query bq failed: too slow (QUERY_TIMEOUT)");
    CHECK_STR("async/error_type", err.type, "QUERY_TIMEOUT");
    rs_query_result_free(res);

    fake_reset(&fs);
    fake_push(&fs, 200, NULL, "{\"data\":{\"query_id\":\"cq\",\"status\":\"RUNNING\"}}");
    CHECK_INT("async/attach", rs_api_query_attach(api, "cq", &res, &err), RS_OK);
    CHECK_STR("async/attach_status", rs_query_result_status(res), "RUNNING");
    for (int i = 0; i < 40; i++)
        fake_push(&fs, 200, NULL, "{\"data\":{\"query_id\":\"cq\",\"status\":\"RUNNING\"}}");
    rs_err_clear(&err);
    CHECK_INT("async/timeout", rs_api_query_wait(api, res, 100, 100, &err), RS_ETIMEOUT);
    CHECK_STR("async/timeout_msg", err.msg, "rockset: query cq still RUNNING after 100 ms");
    fake_reset(&fs);
    fake_push(&fs, 200, NULL, "{\"data\":{\"query_id\":\"cq\",\"status\":\"CANCELLED\"}}");
    CHECK_INT("async/cancel", rs_api_query_cancel(api, "cq", &err), RS_OK);
    fake_push(&fs, 200, NULL, "{\"data\":{\"query_id\":\"cq\",\"status\":\"CANCELLED\"}}");
    rs_err_clear(&err);
    CHECK_INT("async/cancelled", rs_api_query_wait(api, res, 100, 1000, &err), RS_EHTTP);
    CHECK_STR("async/cancelled_msg", err.msg, "rockset: query cq was cancelled (QUERY_CANCELLED)");
    fake_push(&fs, 404, NULL, "{\"message\":\"no such query\",\"type\":\"NOTFOUND\"}");
    rs_err_clear(&err);
    CHECK_INT("async/missing", rs_api_query_cancel(api, "zz", &err), RS_ENOTFOUND);
    CHECK_STR("async/missing_msg", err.msg, "rockset: query 'zz' not found (NOTFOUND)");
    CHECK_STR("async/cancel_log", fake_log(&fs),
              "DELETE /v1/orgs/self/queries/cq \nGET /v1/orgs/self/queries/cq \n"
              "DELETE /v1/orgs/self/queries/zz \n");
    rs_query_result_free(res);
}

static void test_vi_route(void) {
    rs_api *api = open_api("rrn:vi:usw2a1:123");
    rs_query_request req;
    rs_query_result *res = NULL;
    rs_err err;

    memset(&req, 0, sizeof(req));
    req.sql = "SELECT 1";
    fake_reset(&fs);
    fake_push(&fs, 200, NULL,
              "{\"query_id\":\"v\",\"status\":\"COMPLETED\",\"results\":[{\"?field0\":1}]}");
    CHECK_INT("vi/query", rs_api_query(api, &req, &res, &err), RS_OK);
    CHECK_STR("vi/log", fake_log(&fs),
              "POST /v1/orgs/self/virtualinstances/rrn%3Avi%3Ausw2a1%3A123/queries "
              "{\"sql\":{\"query\":\"SELECT 1\",\"parameters\":[]}}\n");
    rs_query_result_free(res);
    rs_api_close(api);
}

static void test_views_aliases(rs_api *api) {
    rs_view v, *views = NULL;
    rs_alias a;
    size_t n = 0;
    const char *colls[] = {"an.ev1", "an.ev2"};
    rs_err err;

    memset(&v, 0, sizeof(v));
    memset(&a, 0, sizeof(a));
    fake_reset(&fs);
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"v1\",\"workspace\":\"an\",\"path\":\"an.v1\",\"query_sql\":"
              "\"SELECT 1\",\"entities\":[\"an.ev\"],\"state\":\"SYNCING\",\"description\":null}}");
    CHECK_INT("view/create", rs_api_view_create(api, "an", "v1", "SELECT 1", NULL, &v, &err),
              RS_OK);
    CHECK_STR("view/create_state", v.state, "SYNCING");
    CHECK_STR("view/create_entities", v.entities_json, "[\"an.ev\"]");
    CHECK_STR("view/create_sql", v.query_sql, "SELECT 1");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"v1\",\"state\":\"SYNCING\"}}");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"v1\",\"state\":\"CREATED\"}}");
    CHECK_INT("view/wait", rs_api_view_wait_synced(api, "an", "v1", 5000, &err), RS_OK);
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"v1\",\"state\":\"SYNCING\",\"query_sql\":\"SELECT 2\"}}");
    CHECK_INT("view/update", rs_api_view_update(api, "an", "v1", "SELECT 2", "d", &v, &err), RS_OK);
    CHECK_STR("view/update_sql", v.query_sql, "SELECT 2");
    CHECK_STR("view/update_no_entities", v.entities_json, "[]");
    fake_push(&fs, 200, NULL, "{\"data\":[{\"name\":\"v1\"},{\"name\":\"v2\"}]}");
    CHECK_INT("view/list", rs_api_view_list(api, "an", &views, &n, &err), RS_OK);
    CHECK_INT("view/list_n", n, 2);
    rs_view_list_free(views, n);
    fake_push(&fs, 404, NULL, "{\"message\":\"View not found\",\"type\":\"NOTFOUND\"}");
    rs_err_clear(&err);
    CHECK_INT("view/missing", rs_api_view_get(api, "an", "v9", &v, &err), RS_ENOTFOUND);
    CHECK_STR("view/missing_msg", err.msg, "rockset: view 'an.v9' not found (NOTFOUND)");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"v1\",\"state\":\"DELETED\"}}");
    CHECK_INT("view/delete", rs_api_view_delete(api, "an", "v1", &err), RS_OK);
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"al\",\"collections\":[\"an.ev1\",\"an.ev2\"],\"state\":"
              "\"CREATED\"}}");
    CHECK_INT("alias/create", rs_api_alias_create(api, "an", "al", colls, 2, "x", &a, &err), RS_OK);
    CHECK_STR("alias/collections", a.collections_json, "[\"an.ev1\",\"an.ev2\"]");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"al\",\"collections\":[\"an.ev2\"]}}");
    CHECK_INT("alias/update", rs_api_alias_update(api, "an", "al", colls + 1, 1, NULL, &a, &err),
              RS_OK);
    CHECK_STR("alias/update_collections", a.collections_json, "[\"an.ev2\"]");
    fake_push(&fs, 404, NULL, "{\"message\":\"Alias not found\",\"type\":\"NOTFOUND\"}");
    CHECK_INT("alias/missing", rs_api_alias_get(api, "an", "zz", &a, &err), RS_ENOTFOUND);
    CHECK_STR("alias/missing_msg", err.msg, "rockset: alias 'an.zz' not found (NOTFOUND)");
    fake_push(&fs, 200, NULL, "{\"data\":{}}");
    CHECK_INT("alias/delete", rs_api_alias_delete(api, "an", "al", &err), RS_OK);
    CHECK_STR("view/log", fake_log(&fs),
              "POST /v1/orgs/self/ws/an/views {\"name\":\"v1\",\"query\":\"SELECT 1\"}\n"
              "GET /v1/orgs/self/ws/an/views/v1 \n"
              "GET /v1/orgs/self/ws/an/views/v1 \n"
              "POST /v1/orgs/self/ws/an/views/v1 {\"description\":\"d\",\"query\":\"SELECT 2\"}\n"
              "GET /v1/orgs/self/ws/an/views \n"
              "GET /v1/orgs/self/ws/an/views/v9 \n"
              "DELETE /v1/orgs/self/ws/an/views/v1 \n"
              "POST /v1/orgs/self/ws/an/aliases "
              "{\"name\":\"al\",\"description\":\"x\",\"collections\":[\"an.ev1\",\"an.ev2\"]}\n"
              "POST /v1/orgs/self/ws/an/aliases/al {\"collections\":[\"an.ev2\"]}\n"
              "GET /v1/orgs/self/ws/an/aliases/zz \n"
              "DELETE /v1/orgs/self/ws/an/aliases/al \n");
    rs_view_free(&v);
    rs_alias_free(&a);
}

static void test_lambdas(rs_api *api) {
    rs_lambda_version v;
    rs_lambda *list = NULL;
    size_t n = 0;
    rs_query_param p = {"limit", "int", "5"};
    rs_query_request req;
    rs_query_result *res = NULL;
    rs_err err;

    memset(&v, 0, sizeof(v));
    fake_reset(&fs);
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"workspace\":\"an\",\"name\":\"ql\",\"version\":\"2afd6f1e880fd53c\","
              "\"description\":\"d\",\"sql\":{\"query\":\"SELECT "
              ":limit\",\"default_parameters\":[{\"name\":\"limit\",\"type\":\"int\",\"value\":"
              "\"10\"}]},\"state\":\"ACTIVE\"}}");
    CHECK_INT("ql/create",
              rs_api_lambda_create(api, "an", "ql", "SELECT :limit",
                                   "[{\"name\":\"limit\",\"type\":\"int\",\"value\":\"10\"}]", "d",
                                   &v, &err),
              RS_OK);
    CHECK_STR("ql/create_version", v.version, "2afd6f1e880fd53c");
    CHECK_STR("ql/create_sql", v.sql, "SELECT :limit");
    CHECK_STR("ql/create_params", v.default_parameters_json,
              "[{\"name\":\"limit\",\"type\":\"int\",\"value\":\"10\"}]");
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"ql\",\"version\":\"57bd9c621b1725f2\",\"sql\":{\"query\":"
              "\"SELECT 2\"}}}");
    CHECK_INT("ql/update", rs_api_lambda_update(api, "an", "ql", "SELECT 2", NULL, NULL, &v, &err),
              RS_OK);
    CHECK_STR("ql/update_version", v.version, "57bd9c621b1725f2");
    CHECK_STR("ql/update_params_default", v.default_parameters_json, "[]");
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"tag_name\":\"prod\",\"version\":{\"version\":\"57bd9c621b1725f2\"}}}");
    CHECK_INT("ql/tag_set",
              rs_api_lambda_tag_set(api, "an", "ql", "prod", "57bd9c621b1725f2", &err), RS_OK);
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"tag_name\":\"prod\",\"version\":{\"name\":\"ql\",\"version\":"
              "\"57bd9c621b1725f2\",\"sql\":{\"query\":\"SELECT 2\",\"default_parameters\":[]}}}}");
    CHECK_INT("ql/tag_get", rs_api_lambda_tag_get(api, "an", "ql", "prod", &v, &err), RS_OK);
    CHECK_STR("ql/tag_get_version", v.version, "57bd9c621b1725f2");
    fake_push(&fs, 404, NULL, "{\"message\":\"tag not found\",\"type\":\"NOTFOUND\"}");
    rs_err_clear(&err);
    CHECK_INT("ql/tag_missing", rs_api_lambda_tag_get(api, "an", "ql", "x", &v, &err),
              RS_ENOTFOUND);
    CHECK_STR("ql/tag_missing_msg", err.msg,
              "rockset: query lambda tag 'an.ql:x' not found (NOTFOUND)");
    fake_push(&fs, 404, NULL, "{\"message\":\"lambda not found\",\"type\":\"NOTFOUND\"}");
    rs_err_clear(&err);
    CHECK_INT("ql/get_missing", rs_api_lambda_get(api, "an", "nope", &v, &err), RS_ENOTFOUND);
    CHECK_STR("ql/get_missing_msg", err.msg,
              "rockset: query lambda 'an.nope' not found (NOTFOUND)");
    fake_push(&fs, 200, NULL,
              "{\"data\":[{\"name\":\"ql\",\"workspace\":\"an\",\"version_count\":2,\"latest_"
              "version\":{\"version\":\"57bd9c621b1725f2\",\"sql\":{\"query\":\"SELECT 2\"}}}]}");
    CHECK_INT("ql/list", rs_api_lambda_list(api, "an", &list, &n, &err), RS_OK);
    CHECK_INT("ql/list_n", n, 1);
    CHECK_INT("ql/list_count", list[0].version_count, 2);
    CHECK_STR("ql/list_latest", list[0].latest.version, "57bd9c621b1725f2");
    CHECK_STR("ql/list_sql", list[0].latest.sql, "SELECT 2");
    rs_lambda_list_free(list, n);
    memset(&req, 0, sizeof(req));
    req.params = &p;
    req.n_params = 1;
    req.max_initial_results = 100;
    fake_push(&fs, 200, NULL,
              "{\"query_id\":\"lq\",\"status\":\"COMPLETED\",\"results\":[{\"?field0\":5}],\"query_"
              "lambda_path\":\"an.ql\"}");
    CHECK_INT("ql/execute_tag",
              rs_api_lambda_execute(api, "an", "ql", NULL, NULL, &req, &res, &err), RS_OK);
    CHECK_STR("ql/execute_row", span_text(rs_query_result_row(res, 0)), "{\"?field0\":5}");
    rs_query_result_free(res);
    fake_push(&fs, 200, NULL, "{\"query_id\":\"lq2\",\"results\":[]}");
    req.n_params = 0;
    req.max_initial_results = 0;
    CHECK_INT("ql/execute_version",
              rs_api_lambda_execute(api, "an", "ql", "57bd9c621b1725f2", NULL, &req, &res, &err),
              RS_OK);
    rs_query_result_free(res);
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"ql\"}}");
    CHECK_INT("ql/delete", rs_api_lambda_delete(api, "an", "ql", &err), RS_OK);
    CHECK_STR("ql/log", fake_log(&fs),
              "POST /v1/orgs/self/ws/an/lambdas "
              "{\"name\":\"ql\",\"description\":\"d\",\"sql\":{\"query\":\"SELECT "
              ":limit\",\"default_parameters\":[{\"name\":\"limit\",\"type\":\"int\",\"value\":"
              "\"10\"}]},\"is_public\":false}\n"
              "POST /v1/orgs/self/ws/an/lambdas/ql/versions {\"sql\":{\"query\":\"SELECT "
              "2\",\"default_parameters\":[]}}\n"
              "POST /v1/orgs/self/ws/an/lambdas/ql/tags "
              "{\"tag_name\":\"prod\",\"version\":\"57bd9c621b1725f2\"}\n"
              "GET /v1/orgs/self/ws/an/lambdas/ql/tags/prod \n"
              "GET /v1/orgs/self/ws/an/lambdas/ql/tags/x \n"
              "GET /v1/orgs/self/ws/an/lambdas/nope/tags/latest \n"
              "GET /v1/orgs/self/ws/an/lambdas \n"
              "POST /v1/orgs/self/ws/an/lambdas/ql/tags/latest "
              "{\"parameters\":[{\"name\":\"limit\",\"type\":\"int\",\"value\":\"5\"}],\"max_"
              "initial_results\":100}\n"
              "POST /v1/orgs/self/ws/an/lambdas/ql/versions/57bd9c621b1725f2 {\"parameters\":[]}\n"
              "DELETE /v1/orgs/self/ws/an/lambdas/ql \n");
    rs_lambda_version_free(&v);
}

static void test_escaping_and_profile(void) {
    rs_profile p;
    rs_api *api = NULL;
    rs_workspace w;
    rs_err err;

    rs_profile_init(&p);
    p.api_server = strdup(fake_url(&fs));
    p.api_key = strdup(KEY);
    p.workspace = strdup("commons");
    p.retries = 0;
    memset(&w, 0, sizeof(w));
    CHECK_INT("profile/open", rs_api_open_profile(&p, NULL, NULL, &api, &err), RS_OK);
    fake_reset(&fs);
    fake_push(&fs, 503, NULL, "{\"message\":\"busy\"}");
    rs_err_clear(&err);
    /* retries: 0 in the profile means a single attempt even for a GET */
    CHECK_INT("profile/no_retry", rs_api_workspace_get(api, "a b/c", &w, &err), RS_EHTTP);
    CHECK_STR("profile/escaped_path", fake_log(&fs), "GET /v1/orgs/self/ws/a%20b%2Fc \n");
    CHECK_STR("profile/auth", fs.auth, "ApiKey " KEY);
    rs_api_close(api);
    rs_profile_free(&p);
}

/* One document write answered 503 then 200: how many requests went (2 = retried). */
static int write_tries(rs_api *api, const char *method, const char *body) {
    rs_write_result r;
    rs_err err;
    const char *log, *p;
    int n = 0;

    memset(&r, 0, sizeof(r));
    rs_err_clear(&err);
    fake_reset(&fs);
    fake_push(&fs, 503, NULL, "{\"message\":\"busy\",\"type\":\"SERVICEUNAVAILABLE\"}");
    fake_push(&fs, 200, NULL, "{\"data\":[],\"last_offset\":\"f1\"}");
    if (strcmp(method, "POST") == 0)
        rs_api_docs_add(api, "an", "ev", body, strlen(body), &r, &err);
    else
        rs_api_docs_patch(api, "an", "ev", body, strlen(body), &r, &err);
    rs_write_result_free(&r);
    log = fake_log(&fs);
    for (p = log; (p = strchr(p, '\n')) != NULL; p++)
        n++;
    return n;
}

/* Which document writes are sent again after a lost answer: only those that cannot apply twice. */
static void test_document_retries(rs_api *api) {
    const char *ids[] = {"a"};
    rs_write_result r;
    rs_err err;

    CHECK_INT("retry/add_all_ids", write_tries(api, "POST", "[{\"_id\":\"1\"},{\"_id\":2}]"), 2);
    CHECK_INT("retry/add_one_without_id",
              write_tries(api, "POST", "[{\"_id\":\"1\"},{\"n\":1,\"x\":{\"_id\":1}}]"), 1);
    CHECK_INT("retry/add_null_id", write_tries(api, "POST", "[{\"_id\":null}]"), 1);
    CHECK_INT("retry/add_empty", write_tries(api, "POST", "[]"), 2);
    CHECK_INT("retry/patch_add_member",
              write_tries(api, "PATCH",
                          "[{\"_id\":\"a\",\"patch\":[{\"op\":\"ADD\",\"path\":\"/n\",\"value\":1},"
                          "{\"op\":\"replace\",\"path\":\"/arr/0\",\"value\":2}]}]"),
              2);
    CHECK_INT("retry/patch_append",
              write_tries(api, "PATCH",
                          "[{\"_id\":\"a\",\"patch\":[{\"op\":\"add\",\"path\":\"/arr/-\","
                          "\"value\":1}]}]"),
              1);
    CHECK_INT("retry/patch_insert_at_index",
              write_tries(api, "PATCH",
                          "[{\"_id\":\"a\",\"patch\":[{\"op\":\"add\",\"path\":\"/arr/3\","
                          "\"value\":1}]}]"),
              1);
    CHECK_INT("retry/patch_increment",
              write_tries(api, "PATCH",
                          "[{\"_id\":\"a\",\"patch\":[{\"op\":\"INCREMENT\",\"path\":\"/n\","
                          "\"value\":1}]}]"),
              1);
    CHECK_INT("retry/patch_remove",
              write_tries(api, "PATCH",
                          "[{\"_id\":\"a\",\"patch\":[{\"op\":\"remove\",\"path\":\"/n\"}]}]"),
              1);
    CHECK("retryable/all_ids", rs_api_docs_add_retryable("[{\"_id\":\"x\"}]", 14));
    CHECK("retryable/no_id", !rs_api_docs_add_retryable("[{\"id\":\"x\"}]", 13));
    CHECK("retryable/not_array", !rs_api_docs_add_retryable("{\"_id\":1}", 9));
    CHECK("retryable/malformed", !rs_api_docs_add_retryable("[{\"_id\":1},", 11));
    memset(&r, 0, sizeof(r));
    fake_reset(&fs);
    fake_push(&fs, 502, NULL, "{\"message\":\"bad gateway\"}");
    fake_push(&fs, 200, NULL, "{\"data\":[{\"_id\":\"a\",\"status\":\"DELETED\"}]}");
    CHECK_INT("retry/delete", rs_api_docs_delete(api, "an", "ev", ids, 1, &r, &err), RS_OK);
    CHECK_STR("retry/delete_log", fake_log(&fs),
              "DELETE /v1/orgs/self/ws/an/collections/ev/docs {\"data\":[{\"_id\":\"a\"}]}\n"
              "DELETE /v1/orgs/self/ws/an/collections/ev/docs {\"data\":[{\"_id\":\"a\"}]}\n");
    rs_write_result_free(&r);
}

int main(void) {
    rs_api *api;

    test_split_name();
    if (fake_start(&fs) != 0) {
        printf("FAIL api/fake_server: cannot listen on loopback\n");
        return 1;
    }
    api = open_api(NULL);
    test_workspaces(api);
    test_collections(api);
    test_collection_options(api);
    test_documents(api);
    test_document_retries(api);
    test_query_pages(api);
    test_query_async(api);
    test_vi_route();
    test_views_aliases(api);
    test_lambdas(api);
    test_escaping_and_profile();
    rs_api_close(api);
    fake_stop(&fs);
    TEST_DONE();
}
