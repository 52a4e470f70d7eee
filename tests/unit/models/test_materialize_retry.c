/*
 * test_materialize_retry.c - what rs_materialize does after a transient failure, against a
 * scripted server in this process (fake_server.h, loopback only): the exact requests of each try,
 * which builds are done again (a view, a lambda without a second version, an empty incremental
 * collection built in full) and which are refused with the reason (an unkeyed incremental
 * insert, a hook), and the texts of those errors.
 */
#include "api/api.h"
#include "models/materialize.h"
#include "testlib.h"

#include "fake_server.h"

static fake_server fs;

#define BUSY       "{\"message\":\"busy\",\"type\":\"SERVICEUNAVAILABLE\"}"
#define BUSY_TEXT  "rockset: busy (SERVICEUNAVAILABLE, HTTP 503)"
#define NOT_FOUND  "{\"message\":\"not found\",\"type\":\"NOTFOUND\"}"
#define MANAGED    "managed by test"
#define Q_ENDPOINT "POST /v1/orgs/self/queries"
#define WS_PATH    "/v1/orgs/self/ws/an"

static int is_managed(const char *description) {
    return description != NULL && strncmp(description, "managed", 7) == 0;
}

static rs_api *open_api(void) {
    rs_http_options opts;
    rs_api *api = NULL;
    rs_err err;

    rs_http_options_init(&opts);
    opts.base_url = fake_url(&fs);
    opts.api_key = "materialize_test_key";
    opts.max_attempts = 1; /* no client retries: every try of the model shows in the log */
    if (rs_api_open(&opts, NULL, &api, &err) != RS_OK)
        printf("FAIL materialize_retry/open: %s\n", err.msg);
    return api;
}

static void job_init(rs_mat_job *job, rs_mat_kind kind, const char *name) {
    memset(job, 0, sizeof(*job));
    job->model = name;
    job->kind = kind;
    job->workspace = "an";
    job->name = name;
    job->sql = "SELECT 1 AS x";
    job->description = MANAGED;
    job->timeout_ms = 5000;
    job->retries = 2;
    job->is_managed = is_managed;
}

static void test_view_built_again(rs_api *api) {
    rs_mat_job job;
    rs_mat_result res;
    rs_err err;

    job_init(&job, RS_MAT_VIEW, "v1");
    rs_mat_result_init(&res);
    fake_reset(&fs);
    fake_push(&fs, 404, NULL, NOT_FOUND); /* view */
    fake_push(&fs, 404, NULL, NOT_FOUND); /* collection */
    fake_push(&fs, 404, NULL, NOT_FOUND); /* alias */
    fake_push(&fs, 503, NULL, BUSY);      /* create: the answer is lost */
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"v1\",\"state\":\"SYNCING\",\"description\":\"" MANAGED "\"}}");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"v1\",\"state\":\"SYNCING\"}}");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"v1\",\"state\":\"CREATED\"}}");
    CHECK_INT("view/rc", rs_materialize(api, &job, &res, &err), RS_OK);
    CHECK_INT("view/attempts", res.attempts, 2);
    CHECK_STR("view/action", res.action, "updated view");
    CHECK_STR("view/requests", fake_request_lines(&fs),
              "GET " WS_PATH "/views/v1\n"
              "GET " WS_PATH "/collections/v1\n"
              "GET " WS_PATH "/aliases/v1\n"
              "POST " WS_PATH "/views\n"
              "GET " WS_PATH "/views/v1\n"
              "POST " WS_PATH "/views/v1\n" /* an update is a POST to the view */
              "GET " WS_PATH "/views/v1\n");
    rs_mat_result_free(&res);
}

static void test_view_gives_up(rs_api *api) {
    rs_mat_job job;
    rs_mat_result res;
    rs_err err;
    int i;

    job_init(&job, RS_MAT_VIEW, "v1");
    job.retries = 1;
    rs_mat_result_init(&res);
    fake_reset(&fs);
    for (i = 0; i < 2; i++)
        fake_push(&fs, 503, NULL, BUSY); /* the first lookup of each try */
    rs_err_clear(&err);
    CHECK_INT("give_up/rc", rs_materialize(api, &job, &res, &err), RS_EHTTP);
    CHECK_STR("give_up/msg", err.msg, BUSY_TEXT "; gave up after 2 tries");
    CHECK_INT("give_up/attempts", res.attempts, 2);
    CHECK("give_up/no_action", res.action == NULL);
    rs_mat_result_free(&res);
}

static void test_unkeyed_insert_refused(rs_api *api) {
    rs_mat_job job;
    rs_mat_result res;
    rs_err err;

    job_init(&job, RS_MAT_INCREMENTAL, "inc");
    job.sql_incremental = "SELECT 2 AS x";
    rs_mat_result_init(&res);
    fake_reset(&fs);
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"inc\",\"status\":\"READY\",\"description\":\"" MANAGED
              "\",\"stats\":{\"doc_count\":5}}}");
    fake_push(&fs, 503, NULL, BUSY); /* the INSERT INTO: maybe applied, maybe not */
    rs_err_clear(&err);
    CHECK_INT("unkeyed/rc", rs_materialize(api, &job, &res, &err), RS_EHTTP);
    CHECK_STR("unkeyed/msg", err.msg,
              BUSY_TEXT "; not retried: the INSERT INTO may have been applied, and an incremental "
                        "model without unique_key adds its rows again when repeated; check the "
                        "collection, then run the model again (or with full_refresh)");
    CHECK_INT("unkeyed/attempts", res.attempts, 1);
    CHECK_STR("unkeyed/requests", fake_request_lines(&fs),
              "GET " WS_PATH "/collections/inc\n" Q_ENDPOINT "\n");
    CHECK("unkeyed/incremental_sql", strstr(fake_log(&fs), "SELECT 2 AS x") != NULL);
    rs_mat_result_free(&res);
}

static void test_empty_incremental_built_in_full(rs_api *api) {
    static const char *const key[] = {"x"};
    rs_mat_job job;
    rs_mat_result res;
    rs_err err;

    job_init(&job, RS_MAT_INCREMENTAL, "inc");
    job.sql_incremental = "SELECT 2 AS x";
    job.unique_key = key;
    job.n_unique_key = 1;
    rs_mat_result_init(&res);
    fake_reset(&fs);
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"inc\",\"status\":\"READY\",\"description\":\"" MANAGED
              "\",\"stats\":{\"doc_count\":0}}}");
    fake_push(&fs, 200, NULL, /* build_table's own lookup */
              "{\"data\":{\"name\":\"inc\",\"status\":\"READY\",\"description\":\"" MANAGED
              "\",\"stats\":{\"doc_count\":0}}}");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"inc\",\"status\":\"DELETED\"}}");
    fake_push(&fs, 404, NULL, NOT_FOUND); /* gone */
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"inc\",\"status\":\"CREATED\"}}");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"inc\",\"status\":\"READY\"}}");
    fake_push(&fs, 400, NULL, "{\"message\":\"stop here\",\"type\":\"QUERY_ERROR\"}");
    rs_err_clear(&err);
    CHECK_INT("empty/rc", rs_materialize(api, &job, &res, &err), RS_EHTTP);
    CHECK_STR("empty/msg", err.msg, "rockset: stop here (QUERY_ERROR, HTTP 400)");
    CHECK_STR("empty/requests", fake_request_lines(&fs),
              "GET " WS_PATH "/collections/inc\n"
              "GET " WS_PATH "/collections/inc\n"
              "DELETE " WS_PATH "/collections/inc\n"
              "GET " WS_PATH "/collections/inc\n"
              "POST " WS_PATH "/collections\n"
              "GET " WS_PATH "/collections/inc\n" Q_ENDPOINT "\n");
    CHECK("empty/full_sql", strstr(fake_log(&fs), "SELECT 1 AS x") != NULL &&
                                strstr(fake_log(&fs), "SELECT 2 AS x") == NULL);
    rs_mat_result_free(&res);
}

static void test_lambda_no_second_version(rs_api *api) {
    rs_mat_job job;
    rs_mat_result res;
    rs_err err;

    job_init(&job, RS_MAT_QUERY_LAMBDA, "ql");
    job.default_params_json = "[{\"name\":\"n\",\"type\":\"int\",\"value\":\"3\"}]";
    rs_mat_result_init(&res);
    fake_reset(&fs);
    fake_push(&fs, 404, NULL, NOT_FOUND);
    fake_push(&fs, 503, NULL, BUSY); /* the create landed; its answer did not */
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"tag_name\":\"latest\",\"version\":{\"workspace\":\"an\",\"name\":"
              "\"ql\",\"version\":\"00000000000000v1\",\"description\":\"" MANAGED "\",\"sql\":"
              "{\"query\":\"SELECT 1 AS x\",\"default_parameters\":[ {\"name\": \"n\", "
              "\"type\": \"int\", \"value\": \"3\"} ]},\"state\":\"ACTIVE\"}}}");
    rs_err_clear(&err);
    CHECK_INT("lambda/rc", rs_materialize(api, &job, &res, &err), RS_OK);
    CHECK_INT("lambda/attempts", res.attempts, 2);
    CHECK_STR("lambda/version", res.version, "00000000000000v1");
    CHECK_STR("lambda/requests", fake_request_lines(&fs),
              "GET " WS_PATH "/lambdas/ql/tags/latest\n"
              "POST " WS_PATH "/lambdas\n"
              "GET " WS_PATH "/lambdas/ql/tags/latest\n");
    rs_mat_result_free(&res);
}

static void test_hook_refused(rs_api *api) {
    static const char *const hooks[] = {"INSERT INTO an.audit SELECT 1 AS n"};
    rs_mat_job job;
    rs_mat_result res;
    rs_err err;

    job_init(&job, RS_MAT_VIEW, "v1");
    job.pre_hooks = hooks;
    job.n_pre_hooks = 1;
    rs_mat_result_init(&res);
    fake_reset(&fs);
    fake_push(&fs, 503, NULL, BUSY);
    rs_err_clear(&err);
    CHECK_INT("hook/rc", rs_materialize(api, &job, &res, &err), RS_EHTTP);
    CHECK_STR("hook/msg", err.msg,
              "pre_hook 1: " BUSY_TEXT "; not retried: the model's hooks may have run already "
              "and are not known to be safe to run twice; check what they do, then run the "
              "model again");
    CHECK_STR("hook/requests", fake_request_lines(&fs), Q_ENDPOINT "\n");
    rs_mat_result_free(&res);
}

#define MODEL_T "managed by test; model=t"

/* A swap build first drops what killed or failed builds of the model left (fresh collections
 * of its own that no alias points to), then fails at its INSERT and drops its own fresh one. */
static void test_failed_swap_dropped(rs_api *api) {
    rs_mat_job job;
    rs_mat_result res;
    rs_err err;
    const char *log;

    job_init(&job, RS_MAT_TABLE, "t");
    job.swap_alias = 1;
    rs_mat_result_init(&res);
    fake_reset(&fs);
    /* the alias points to an older collection whose name holds the fresh one's prefix */
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"t\",\"collections\":[\"an.t__rs1\"],\"description\":"
              "\"" MODEL_T "\"}}");
    fake_push(&fs, 200, NULL, /* the workspace's collections */
              "{\"data\":[{\"name\":\"t__rs1\",\"description\":\"" MODEL_T "\"},"
              "{\"name\":\"t__rsx\",\"description\":\"" MODEL_T "\"},"
              "{\"name\":\"t__rs7\",\"description\":\"managed by test; model=other\"},"
              "{\"name\":\"t__rs8\",\"description\":\"someone else's\"},"
              "{\"name\":\"t__rs5\",\"description\":\"" MODEL_T "\"}]}");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"t__rs1\",\"description\":\"" MODEL_T "\"}}");
    fake_push(&fs, 200, NULL, /* every alias of the org */
              "{\"data\":[{\"name\":\"t\",\"collections\":[\"an.t__rs1\"]}]}");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"t__rs5\",\"description\":\"" MODEL_T "\"}}");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"t__rs5\",\"status\":\"DELETED\"}}");
    fake_push(&fs, 404, NULL, NOT_FOUND);
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"t__rs\",\"status\":\"CREATED\"}}");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"t__rs\",\"status\":\"READY\"}}");
    fake_push(&fs, 400, NULL, "{\"message\":\"stop here\",\"type\":\"QUERY_ERROR\"}");
    fake_push(&fs, 200, NULL,
              "{\"data\":{\"name\":\"t\",\"collections\":[\"an.t__rs1\"],\"description\":"
              "\"" MODEL_T "\"}}");
    fake_push(&fs, 200, NULL, "{\"data\":{\"name\":\"t__rs\",\"status\":\"DELETED\"}}");
    fake_push(&fs, 404, NULL, NOT_FOUND);
    rs_err_clear(&err);
    CHECK_INT("swap/rc", rs_materialize(api, &job, &res, &err), RS_EHTTP);
    CHECK_STR("swap/msg", err.msg, "rockset: stop here (QUERY_ERROR, HTTP 400)");
    CHECK_INT("swap/attempts", res.attempts, 1);
    log = fake_request_lines(&fs);
    CHECK("swap/stray_dropped_first", strstr(log, "GET " WS_PATH "/aliases/t\n"
                                                  "GET " WS_PATH "/collections\n"
                                                  "GET " WS_PATH "/collections/t__rs1\n"
                                                  "GET /v1/orgs/self/aliases\n"
                                                  "GET " WS_PATH "/collections/t__rs5\n"
                                                  "DELETE " WS_PATH "/collections/t__rs5\n"
                                                  "GET " WS_PATH "/collections/t__rs5\n"
                                                  "POST " WS_PATH "/collections\n") == log);
    CHECK("swap/alias_checked_again",
          strstr(log, Q_ENDPOINT "\nGET " WS_PATH "/aliases/t\nDELETE " WS_PATH
                                 "/collections/t__rs") != NULL);
    CHECK("swap/old_collection_kept",
          strstr(log, "DELETE " WS_PATH "/collections/t__rs1\n") == NULL);
    CHECK("swap/others_kept", strstr(log, "t__rs7") == NULL && strstr(log, "t__rs8") == NULL &&
                                  strstr(log, "t__rsx") == NULL);
    rs_mat_result_free(&res);
}

int main(void) {
    rs_api *api;

    if (fake_start(&fs) != 0) {
        printf("FAIL materialize_retry/fake_server: cannot listen on loopback\n");
        return 1;
    }
    api = open_api();
    test_view_built_again(api);
    test_view_gives_up(api);
    test_unkeyed_insert_refused(api);
    test_empty_incremental_built_in_full(api);
    test_lambda_no_second_version(api);
    test_hook_refused(api);
    test_failed_swap_dropped(api);
    rs_api_close(api);
    fake_stop(&fs);
    TEST_DONE();
}
