/*
 * test_materialize_swap.c - the requests of a table build behind an alias (materialize.h,
 * docs/semantics.md section 5) against a scripted server in this process (fake_server.h): a
 * rebuild fills a fresh collection before it switches the alias, then drops the previous
 * collection only when it is this model's and no alias points to it; a plain collection built
 * earlier moves behind the alias (the gap is reported); an incremental run inserts into the
 * collection behind the alias and waits on that collection's fence.
 */
#include "api/api.h"
#include "models/materialize.h"
#include "testlib.h"

#include "fake_server.h"

static fake_server fs;

#define MODEL_T    "managed by test; model=t"
#define Q_ENDPOINT "POST /v1/orgs/self/queries"
#define WS_PATH    "/v1/orgs/self/ws/an"
#define NOT_FOUND  "{\"message\":\"not found\",\"type\":\"NOTFOUND\"}"

static int is_managed(const char *description) {
    return description != NULL && strncmp(description, "managed", 7) == 0;
}

static rs_api *open_api(void) {
    rs_http_options opts;
    rs_api *api = NULL;
    rs_err err;

    rs_http_options_init(&opts);
    opts.base_url = fake_url(&fs);
    opts.api_key = "materialize_swap_key";
    opts.max_attempts = 1;
    if (rs_api_open(&opts, NULL, &api, &err) != RS_OK)
        printf("FAIL materialize_swap/open: %s\n", err.msg);
    return api;
}

static void job_init(rs_mat_job *job, rs_mat_kind kind) {
    memset(job, 0, sizeof(*job));
    job->model = "t";
    job->kind = kind;
    job->workspace = "an";
    job->name = "t";
    job->sql = "SELECT 1 AS x";
    job->sql_incremental = "SELECT 2 AS x";
    job->description = MODEL_T;
    job->timeout_ms = 5000;
    job->swap_alias = 1;
    job->is_managed = is_managed;
}

/* An INSERT INTO that completes with 2 documents at offset f1, then its fence, passed. */
static void push_insert_and_fence(void) {
    fake_push(&fs, 200, NULL, "{\"query_id\":\"q1\",\"status\":\"QUEUED\"}");
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"query_id\":\"q1\",\"status\":\"COMPLETED\",\"pagination\":{\"start_"
              "cursor\":\"s\"}},\"last_offset\":\"f1\"}");
    fake_push(&fs, 200, NULL,
              "{\"results\":[{\"num_docs_inserted\":2}],\"results_total_doc_count\":1,"
              "\"pagination\":{\"next_cursor\":null}}");
    fake_push(&fs, 200, NULL, "{\"data\":{\"passed\":true,\"fence\":\"f1\"},\"offsets\":{}}");
}

static void push_create_ready(void) {
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"t__rs\",\"status\":\"CREATED\"}}");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"t__rs\",\"status\":\"READY\"}}");
}

/* Everything from the fresh collection's create to the alias: prefix-free comparison of the
 * log with the fresh name (a timestamp) cut to "t__rs". */
static const char *cut_stamps(const char *lines) {
    static char out[4096];
    size_t used = 0;
    const char *p;

    for (p = lines; *p && used + 1 < sizeof(out); p++) {
        out[used++] = *p;
        if (used >= 5 && memcmp(out + used - 5, "t__rs", 5) == 0)
            while (p[1] >= '0' && p[1] <= '9')
                p++;
    }
    out[used] = '\0';
    return out;
}

static void test_rebuild_switches_then_drops(rs_api *api) {
    rs_mat_job job;
    rs_mat_result res;
    rs_err err;

    job_init(&job, RS_MAT_TABLE);
    rs_mat_result_init(&res);
    fake_reset(&fs);
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"t\",\"collections\":[\"an.t__rs1\"],\"description\":\"" MODEL_T
              "\"}}");
    fake_push(&fs, 200, NULL, "{\"data\":[{\"name\":\"t__rs1\",\"description\":\"" MODEL_T "\"}]}");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"t__rs1\",\"description\":\"" MODEL_T "\"}}");
    fake_push(&fs, 200, NULL, "{\"data\":[{\"name\":\"t\",\"collections\":[\"an.t__rs1\"]}]}");
    push_create_ready();
    push_insert_and_fence();
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"t\",\"collections\":[\"an.t__rs2\"]}}");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"t__rs1\",\"description\":\"" MODEL_T "\"}}");
    fake_push(&fs, 200, NULL, "{\"data\":[{\"name\":\"t\",\"collections\":[\"an.t__rs2\"]}]}");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"t__rs1\",\"status\":\"DELETED\"}}");
    fake_push(&fs, 404, NULL, NOT_FOUND);
    rs_err_clear(&err);
    CHECK_INT("rebuild/rc", rs_materialize(api, &job, &res, &err), RS_OK);
    CHECK_STR("rebuild/action", res.action, "replaced table");
    CHECK_STR("rebuild/relation", res.relation, "an.t");
    CHECK_INT("rebuild/rows", (int)res.rows_affected, 2);
    CHECK_STR("rebuild/requests", cut_stamps(fake_request_lines(&fs)),
              "GET " WS_PATH "/aliases/t\n"
              "GET " WS_PATH "/collections\n"
              "GET " WS_PATH "/collections/t__rs\n" /* t__rs1: the alias's, kept */
              "GET /v1/orgs/self/aliases\n"
              "POST " WS_PATH "/collections\n"
              "GET " WS_PATH "/collections/t__rs\n" Q_ENDPOINT "\n"
              "GET /v1/orgs/self/queries/q1\n"
              "GET /v1/orgs/self/queries/q1/pages?docs=1\n"
              "POST " WS_PATH "/collections/t__rs/offsets/commit\n"
              "POST " WS_PATH "/aliases/t\n" /* the switch, after the rows are in */
              "GET " WS_PATH "/collections/t__rs\n"
              "GET /v1/orgs/self/aliases\n"
              "DELETE " WS_PATH "/collections/t__rs\n"
              "GET " WS_PATH "/collections/t__rs\n");
    CHECK("rebuild/insert_into_fresh",
          strstr(fake_log(&fs), "INSERT INTO an.t__rs") != NULL &&
              strstr(fake_log(&fs), "DELETE " WS_PATH "/collections/t__rs1 ") != NULL);
    rs_mat_result_free(&res);
}

static void test_plain_collection_moves_behind_alias(rs_api *api) {
    rs_mat_job job;
    rs_mat_result res;
    rs_err err;

    job_init(&job, RS_MAT_TABLE);
    rs_mat_result_init(&res);
    fake_reset(&fs);
    fake_push(&fs, 404, NULL, NOT_FOUND); /* no alias */
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"t\",\"status\":\"READY\",\"description\":\"" MODEL_T
              "\",\"stats\":{\"doc_count\":3}}}");
    fake_push(&fs, 200, NULL, "{\"data\":[{\"name\":\"t\",\"description\":\"" MODEL_T "\"}]}");
    push_create_ready();
    push_insert_and_fence();
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"t\",\"status\":\"DELETED\"}}");
    fake_push(&fs, 404, NULL, NOT_FOUND);
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"t\",\"collections\":[\"an.t__rs2\"]}}");
    rs_err_clear(&err);
    CHECK_INT("migrate/rc", rs_materialize(api, &job, &res, &err), RS_OK);
    CHECK("migrate/action_says_gap",
          res.action != NULL &&
              strncmp(res.action,
                      "replaced table (moved behind an alias; the name answered nothing for ",
                      69) == 0);
    CHECK_STR("migrate/requests", cut_stamps(fake_request_lines(&fs)),
              "GET " WS_PATH "/aliases/t\n"
              "GET " WS_PATH "/collections/t\n"
              "GET " WS_PATH "/collections\n" /* "t" itself is no stray */
              "POST " WS_PATH "/collections\n"
              "GET " WS_PATH "/collections/t__rs\n" Q_ENDPOINT "\n"
              "GET /v1/orgs/self/queries/q1\n"
              "GET /v1/orgs/self/queries/q1/pages?docs=1\n"
              "POST " WS_PATH "/collections/t__rs/offsets/commit\n"
              "DELETE " WS_PATH "/collections/t\n" /* only once the new rows are in */
              "GET " WS_PATH "/collections/t\n"
              "POST " WS_PATH "/aliases\n");
    rs_mat_result_free(&res);
}

static void test_incremental_inserts_behind_alias(rs_api *api) {
    rs_mat_job job;
    rs_mat_result res;
    rs_err err;

    job_init(&job, RS_MAT_INCREMENTAL);
    rs_mat_result_init(&res);
    fake_reset(&fs);
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"t\",\"collections\":[\"an.t__rs1\"],\"description\":\"" MODEL_T
              "\"}}");
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"t__rs1\",\"status\":\"READY\",\"description\":\"" MODEL_T
              "\",\"stats\":{\"doc_count\":5}}}");
    push_insert_and_fence();
    rs_err_clear(&err);
    CHECK_INT("incremental/rc", rs_materialize(api, &job, &res, &err), RS_OK);
    CHECK_STR("incremental/action", res.action, "inserted into table");
    CHECK_STR("incremental/requests", fake_request_lines(&fs),
              "GET " WS_PATH "/aliases/t\n"
              "GET " WS_PATH "/collections/t__rs1\n" Q_ENDPOINT "\n"
              "GET /v1/orgs/self/queries/q1\n"
              "GET /v1/orgs/self/queries/q1/pages?docs=1\n"
              "POST " WS_PATH "/collections/t__rs1/offsets/commit\n");
    CHECK("incremental/into_the_collection",
          strstr(fake_log(&fs), "INSERT INTO an.t__rs1 SELECT 2 AS x") != NULL);
    rs_mat_result_free(&res);
}

int main(void) {
    rs_api *api;

    if (fake_start(&fs) != 0) {
        printf("FAIL materialize_swap/fake_server: cannot listen on loopback\n");
        return 1;
    }
    api = open_api();
    test_rebuild_switches_then_drops(api);
    test_plain_collection_moves_behind_alias(api);
    test_incremental_inserts_behind_alias(api);
    rs_api_close(api);
    fake_stop(&fs);
    TEST_DONE();
}
