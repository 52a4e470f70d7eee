/*
 * fuzz_server.c - rockset-local's request handling in process: the router and every handler
 * (src/server/router.h, handlers.h), the store, the query engine and the SQL translator behind
 * them, on fuzzed requests.
 *
 * Input format (text): the first line is "<METHOD> <path>[?<query string>]", the rest is the
 * request body. The body goes through the same checks as httpd.c's admit() (empty, or JSON
 * parsed with cJSON_ParseWithLengthOpts; invalid JSON answers 400 there, so it is not routed);
 * the query string is split on '&' and '=' without percent-decoding. One server (a temporary
 * SQLite store, no delays, no fault knobs) lives for the whole run, so inputs build on what
 * earlier ones created, as a real client session does.
 *
 * Invariant: every request gets a status from 200..599 and a body that is one JSON object.
 */
#include "fuzz.h"

#include "server/queries.h"
#include "server/router.h"
#include "server/server.h"

#include <cJSON.h>

#define MAX_QUERY_ARGS 8

static rl_server g_srv;
static rl_principal g_admin; /* requests run as a bootstrap key: every route is reachable */
static const char *g_keys[] = {"fuzz-key"};

typedef struct query_args {
    int n;
    char *names[MAX_QUERY_ARGS];
    const char *values[MAX_QUERY_ARGS];
} query_args;

static const char *lookup_arg(void *conn, const char *name) {
    query_args *qa = conn;
    int i;
    for (i = 0; i < qa->n; i++)
        if (strcmp(qa->names[i], name) == 0)
            return qa->values[i];
    return NULL;
}

/* Split "a=1&b=2" in place into qa (pointers into text). */
static void split_query(char *text, query_args *qa) {
    char *save = NULL, *part;
    for (part = strtok_r(text, "&", &save); part != NULL && qa->n < MAX_QUERY_ARGS;
         part = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(part, '=');
        if (eq != NULL)
            *eq++ = '\0';
        qa->names[qa->n] = part;
        qa->values[qa->n] = eq ? eq : "";
        qa->n++;
    }
}

/* At exit: stop async queries and free the store, so that leak checkers see a clean end. */
static void shutdown_server(void) {
    rl_queries_shutdown(g_srv.queries);
    rl_queries_free(g_srv.queries);
    rl_store_close(g_srv.store);
    g_srv.queries = NULL;
    g_srv.store = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    rs_err err = {0};
    (void)argc;
    (void)argv;
    memset(&g_srv, 0, sizeof(g_srv));
    rl_principal_admin(&g_admin);
    g_srv.cfg.host = "127.0.0.1";
    g_srv.cfg.api_keys = g_keys;
    g_srv.cfg.n_api_keys = 1;
    g_srv.cfg.fail_status = 503;
    g_srv.cfg.query_timeout_ms = 2000;
    g_srv.cfg.max_body_bytes = 1024 * 1024;
    if (rl_store_open(NULL, &g_srv.store, &err) != RS_OK ||
        rl_queries_new(&g_srv, &g_srv.queries, &err) != RS_OK) {
        fprintf(stderr, "fuzz_server: setup failed: %s\n", err.msg);
        abort();
    }
    atexit(shutdown_server);
    return 0;
}

/* Answer one request as httpd.c would after admission; fills rq->status and rq->out. */
static void answer(rl_req *rq) {
    const char *p = rq->body, *end = NULL;

    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        p++;
    if (*p != '\0') {
        rq->json = cJSON_ParseWithLengthOpts(rq->body, rq->body_len, &end, 0);
        if (rq->json == NULL) {
            rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "request body is not valid JSON");
            return;
        }
    }
    rl_route_dispatch(rq);
    if (rq->db != NULL) {
        rl_store_release(g_srv.store, rq->db);
        rq->db = NULL;
    }
    if (rq->out.oom || rq->status == 0)
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "out of memory building the response");
}

static void check_reply(const rl_req *rq) {
    cJSON *reply;

    FUZZ_ASSERT(rq->status >= 200 && rq->status <= 599);
    FUZZ_ASSERT(rq->out.data != NULL);
    reply = cJSON_ParseWithLength(rq->out.data, rq->out.len);
    FUZZ_ASSERT(reply != NULL && cJSON_IsObject(reply));
    cJSON_Delete(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text, *line_end, *space, *path, *qmark;
    char root_path[] = "/";
    query_args qa;
    rl_req rq;
    int i;

    if (size > 256 * 1024)
        return 0;
    text = fuzz_cstr(data, size);
    if (text == NULL)
        return 0;
    memset(&qa, 0, sizeof(qa));
    memset(&rq, 0, sizeof(rq));
    line_end = strchr(text, '\n');
    if (line_end != NULL)
        *line_end = '\0';
    space = strchr(text, ' ');
    path = space ? space + 1 : root_path;
    if (space != NULL)
        *space = '\0';
    qmark = strchr(path, '?');
    if (qmark != NULL) {
        *qmark = '\0';
        split_query(qmark + 1, &qa);
    }
    rq.srv = &g_srv;
    rq.who = &g_admin;
    rq.method = text;
    rq.path = path;
    rq.query_arg = lookup_arg;
    rq.conn = &qa;
    rq.body = line_end ? line_end + 1 : "";
    rq.body_len = line_end ? size - (size_t)(line_end + 1 - text) : 0;
    answer(&rq);
    check_reply(&rq);
    for (i = 0; i < rq.n_args; i++)
        free(rq.args[i]);
    cJSON_Delete(rq.json);
    rs_buf_free(&rq.out);
    free(text);
    return 0;
}
