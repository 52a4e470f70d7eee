/*
 * api.h - typed Rockset REST calls (the API subset of docs/rockset-local.md) over one rs_http.
 *
 * What it is for: every request ext/ and the model runner send to Rockset. Metadata responses are
 * decoded with cJSON into small owned structs; query results are never decoded: each row is
 * handed out as its exact raw JSON text (jsonscan), one page at a time, so 64-bit integers and
 * formatting survive and memory stays bounded by the page size.
 *
 * Names: `ws` is a workspace name, `name` a collection/view/alias/lambda name (both unquoted,
 * percent-encoded here). rs_api_split_name splits "ws.name" (or "name" -> default workspace).
 *
 * Error texts (stable; the rs_err code in brackets):
 *   missing thing   [RS_ENOTFOUND] "rockset: <kind> '<ws>.<name>' not found (NOTFOUND)"
 *                   kinds: workspace ('<ws>' alone), collection, view, alias, query lambda,
 *                   query lambda tag ('<ws>.<lambda>:<tag>'), query ('<query id>'); when a
 *                   collection/view/... call fails because its workspace is missing:
 *                   "rockset: workspace '<ws>' not found (NOTFOUND)"
 *   duplicate       [RS_EEXISTS]   "rockset: <kind> '<ws>.<name>' already exists (ALREADYEXISTS)"
 *   other HTTP      [RS_EHTTP]     "rockset: <Rockset's message> (<TYPE>, HTTP <status>)"
 *                                  (401 and network errors: see http.h)
 *   async query failed [RS_EHTTP, http_status 0]
 *                   "rockset: query <id> failed: <first query_errors message> (<its type>)"
 *                   cancelled: "rockset: query <id> was cancelled (QUERY_CANCELLED)"
 *   bounded wait    [RS_ETIMEOUT]  "rockset: collection 'ws.c' is not READY after <N> ms
 *                                  (status CREATED)"; "rockset: view 'ws.v' is still SYNCING after
 *                                  <N> ms"; "rockset: commit fence <offset> of collection 'ws.c'
 *                                  not passed after <N> ms"; "rockset: query <id> still <STATUS>
 *                                  after <N> ms"; "rockset: collection 'ws.c' still exists after
 *                                  <N> ms (status DELETED)"
 *   bad response    [RS_EPARSE]    "rockset: malformed response to <METHOD> <path>: <detail>"
 *   interrupted     [RS_EINTERRUPT] "rockset: interrupted"
 * err->type and err->http_status keep Rockset's values in every case.
 *
 * Idempotency (what http.c may retry): GETs, DELETEs of a named resource, and the commit-fence POST
 * are retried, and so are document writes that end the same when applied twice: deletes by _id,
 * adds whose every document has an _id (a repeat replaces them), patches whose every op sets a
 * value ("replace", or "add" to an object member). Creates, updates, other document writes
 * (documents without _id would be added twice), query submissions and lambda executions are not
 * (a retried create could report ALREADYEXISTS for our own success, a retried INSERT INTO could
 * apply twice), except after a 429, which refuses a request before doing any of it (http.h).
 * Read-only queries may opt in with rs_query_request.idempotent. rs_api_docs_add_retryable
 * tells a caller whether an add batch was retryable, to word its error.
 *
 * Polling (wait_* and rs_api_query_wait): first re-check after 10 ms, then each delay grows x1.5
 * up to 1000 ms, bounded by the caller's timeout; every sleep is interruptible (http.h).
 *
 * Ownership: functions filling a struct `out` overwrite it only on success; the caller frees it
 * with the matching *_free (NULL-safe, leaves the struct zeroed). Lists are arrays of structs +
 * count, freed with the matching *_list_free. Fields named *_json hold raw JSON text.
 * Thread-safety: like its rs_http, an rs_api is used by one thread at a time; rs_api_clone makes
 * one for another thread.
 */
#ifndef RS_API_H
#define RS_API_H

#include "err.h"
#include "http.h"
#include "jsonscan.h"
#include "profile.h"

#include <stddef.h>

typedef struct rs_api rs_api;

/* ---------------------------------------------------------------- client */

/* Open a client with its own rs_http. vi_rrn (may be NULL) routes queries to
 * /v1/orgs/self/virtualinstances/<vi_rrn>/queries. */
int rs_api_open(const rs_http_options *opts, const char *vi_rrn, rs_api **out, rs_err *err);

/* Open from a loaded profile: api_server, api_key, timeout_seconds (-> timeout_ms), retries
 * (-> max_attempts = retries + 1), ca_bundle, vi_rrn; should_stop/stop_ctx as given (may be NULL).
 */
int rs_api_open_profile(const rs_profile *profile, rs_http_stop_fn should_stop, void *stop_ctx,
                        rs_api **out, rs_err *err);

/* Same settings, new connection, zeroed counters (for another thread). */
int rs_api_clone(const rs_api *api, rs_api **out, rs_err *err);

void rs_api_close(rs_api *api); /* NULL-safe */

/* The underlying client (for stats, timeouts, the stop callback). Borrowed. */
rs_http *rs_api_http(rs_api *api);

/* GET /v1/orgs/self: checks server and key. On success *org_id (may be NULL) gets the org id
 * (malloc'd, "" when the server gives none). */
int rs_api_ping(rs_api *api, char **org_id, rs_err *err);

/* Split "ws.name" at the first '.'; a name without '.' gets default_ws. Both outputs malloc'd.
 * RS_EINVAL "rockset: invalid name '<text>': expected workspace.name" for "", ".x", "x.". */
int rs_api_split_name(const char *qualified, const char *default_ws, char **ws, char **name,
                      rs_err *err);

/* ---------------------------------------------------------------- workspaces */

typedef struct rs_workspace {
    char *name;
    char *description;          /* NULL when null */
    char *created_at;           /* NULL when absent */
    long long collection_count; /* -1 when absent */
} rs_workspace;

void rs_workspace_free(rs_workspace *w);
void rs_workspace_list_free(rs_workspace *items, size_t count);

int rs_api_workspace_create(rs_api *api, const char *ws, const char *description, rs_workspace *out,
                            rs_err *err); /* out may be NULL */
int rs_api_workspace_get(rs_api *api, const char *ws, rs_workspace *out, rs_err *err);
int rs_api_workspace_list(rs_api *api, rs_workspace **items, size_t *count, rs_err *err);
int rs_api_workspace_delete(rs_api *api, const char *ws, rs_err *err);

/* ---------------------------------------------------------------- collections */

typedef struct rs_collection {
    char *name;
    char *workspace;
    char *status;      /* "CREATED", "READY", "DELETED", ...; NULL when absent */
    char *description; /* NULL when null */
    char *created_at;
    long long doc_count;        /* stats.doc_count; -1 when absent or null */
    long long bytes_inserted;   /* stats.bytes_inserted; -1 when absent or null */
    long long total_size;       /* stats.total_size; -1 when absent or null */
    char *field_mapping_sql;    /* field_mapping_query.sql, the ingest transformation; NULL none */
    long long retention_secs;   /* -1 when absent or null */
    char *event_time_info_json; /* raw JSON object; NULL when absent or null */
} rs_collection;

void rs_collection_free(rs_collection *c);
void rs_collection_list_free(rs_collection *items, size_t count);

/* What a create sets besides the name and the description (Rockset's CreateCollectionRequest).
 * Each member is left out of the request when unset (NULL, has_retention_secs 0). Borrowed. */
typedef struct rs_collection_options {
    const char *field_mapping_sql; /* sent as "field_mapping_query": {"sql": <it>}: the ingest
                                      transformation (with GROUP BY / aggregates, a rollup) */
    int has_retention_secs;
    long long retention_secs;         /* "retention_secs": the server checks its range */
    const char *event_time_info_json; /* "event_time_info": a JSON object, sent as it is */
} rs_collection_options;

/* Create an empty Write-API collection. Does not wait: see rs_api_collection_wait_ready. */
int rs_api_collection_create(rs_api *api, const char *ws, const char *name, const char *description,
                             rs_collection *out, rs_err *err);
/* The same with options (NULL: none). An event_time_info_json that is not a JSON object is
 * RS_EINVAL "rockset: event_time_info must be a JSON object", nothing sent. */
int rs_api_collection_create_with(rs_api *api, const char *ws, const char *name,
                                  const char *description, const rs_collection_options *opts,
                                  rs_collection *out, rs_err *err);
int rs_api_collection_get(rs_api *api, const char *ws, const char *name, rs_collection *out,
                          rs_err *err);
/* ws NULL = every collection of the org. */
int rs_api_collection_list(rs_api *api, const char *ws, rs_collection **items, size_t *count,
                           rs_err *err);
int rs_api_collection_delete(rs_api *api, const char *ws, const char *name, rs_err *err);
/* Poll until status READY (out, may be NULL, gets the last state), at most timeout_ms. */
int rs_api_collection_wait_ready(rs_api *api, const char *ws, const char *name, long timeout_ms,
                                 rs_collection *out, rs_err *err);
/* After a delete: poll until GET says 404, at most timeout_ms. */
int rs_api_collection_wait_gone(rs_api *api, const char *ws, const char *name, long timeout_ms,
                                rs_err *err);

/* ---------------------------------------------------------------- documents */

typedef struct rs_doc_status {
    char *id;            /* _id; NULL when absent */
    char *status;        /* ADDED, REPLACED, DELETED, PATCHED, ERROR */
    char *error_message; /* error.message when status is ERROR, else NULL */
} rs_doc_status;

typedef struct rs_write_result {
    rs_doc_status *docs; /* one per document sent, in order */
    size_t count;
    size_t n_errors;   /* documents with status ERROR (the HTTP call itself succeeded) */
    char *last_offset; /* NULL when absent */
} rs_write_result;

void rs_write_result_free(rs_write_result *r);

/* POST documents. docs_json is a JSON array of objects, sent verbatim inside {"data": ...}
 * (so integers stay exact). Per-document failures do not fail the call: see n_errors. */
int rs_api_docs_add(rs_api *api, const char *ws, const char *coll, const char *docs_json,
                    size_t docs_len, rs_write_result *out, rs_err *err);
/* PATCH: patches_json is a JSON array of {"_id": ..., "patch": [{"op","path","value"}...]}. */
int rs_api_docs_patch(rs_api *api, const char *ws, const char *coll, const char *patches_json,
                      size_t patches_len, rs_write_result *out, rs_err *err);
/* Whether rs_api_docs_add would retry this batch after a lost answer (every document has an
 * _id), so that a caller can say, when it failed, that it was not repeated and why. */
int rs_api_docs_add_retryable(const char *docs_json, size_t docs_len);
/* DELETE the documents with these _ids. */
int rs_api_docs_delete(rs_api *api, const char *ws, const char *coll, const char *const *ids,
                       size_t n_ids, rs_write_result *out, rs_err *err);

/* ---------------------------------------------------------------- commit fences */

/* One check: *passed = 1 when the collection's commit has reached offset. */
int rs_api_fence_check(rs_api *api, const char *ws, const char *coll, const char *offset,
                       int *passed, rs_err *err);
/* Poll until passed, at most timeout_ms. offset NULL or "" returns RS_OK at once. */
int rs_api_fence_wait(rs_api *api, const char *ws, const char *coll, const char *offset,
                      long timeout_ms, rs_err *err);

/* ---------------------------------------------------------------- queries */

typedef struct rs_query_param {
    const char *name;
    const char *type;  /* "string", "int", "float", "bool", "date", "timestamp", ..., or "" */
    const char *value; /* always text */
} rs_query_param;

/* A caller that reads every row of a result anyway may check each row itself, in the same walk
 * that reads it, instead of the page's walk checking it first (a full scan then walks each row
 * once, not twice). Given the text from a row's first byte to the end of the page, the reader
 * returns RS_OK with the row's length in *used when a JSON value that rs_jsonscan_value accepts
 * starts there; RS_EPARSE when none does (the page then fails as a malformed response, told
 * where as usual); RS_ENOMEM. It is called once per row, in order, on the thread that fetches
 * the page. */
typedef int (*rs_row_reader)(void *ctx, rs_jsonscan_span rest, size_t *used);

typedef struct rs_query_request {
    const char *sql;              /* required */
    const rs_query_param *params; /* n_params entries, may be NULL */
    size_t n_params;
    const char *params_json;       /* alternatively: a JSON array of {"name","type","value"}
                                      objects sent verbatim; used when non-NULL (params ignored) */
    long long default_row_limit;   /* 0 = unset */
    long long max_initial_results; /* rows in the first response; 0 = unset (ALL rows in one
                                      response: set it for anything big) */
    long long timeout_ms;          /* 0 = unset (server default) */
    int async;                     /* 1: submit and return at once (status QUEUED/RUNNING or,
                                      with client_timeout_ms, maybe COMPLETED) */
    long long client_timeout_ms;   /* async only; 0 = unset */
    int idempotent;                /* 1: the SQL only reads, so http.c may retry it */
    rs_row_reader row_reader;      /* NULL, or checks the rows of the first page (see above) */
    void *row_ctx;
} rs_query_request;

typedef struct rs_query_result rs_query_result;

/* Run a query (POST /queries, or the virtual instance's route when the client has vi_rrn).
 * *out holds the first page. Free with rs_query_result_free. */
int rs_api_query(rs_api *api, const rs_query_request *req, rs_query_result **out, rs_err *err);

/* Replace the rows with the next page (GET /queries/{id}/pages?cursor=<next_cursor>&docs=<docs>).
 * When there is no next cursor it leaves 0 rows and returns RS_OK. docs <= 0 means 1000. */
int rs_api_query_next_page(rs_api *api, rs_query_result *res, long long docs, rs_err *err);

/* The reader that checks the rows of the pages fetched from now on (NULL: the page's walk). */
void rs_query_result_set_row_reader(rs_query_result *res, rs_row_reader reader, void *ctx);

/* Hand the current page's rows over without copying them: *body gets the response text they
 * point into (free with free()), *rows their spans (*n of them; free with free()). The result
 * keeps its id, status and cursor and holds no rows until the next page. With no rows, *body
 * and *rows are NULL and *n is 0. */
void rs_query_result_take_page(rs_query_result *res, char **body, rs_jsonscan_span **rows,
                               size_t *n);

/* For a result whose status is QUEUED or RUNNING: poll GET /queries/{id} until COMPLETED (then
 * load the first page with `docs` rows), ERROR or CANCELLED (errors above), at most timeout_ms.
 * Status and last_offset are updated from each poll. RS_OK at once when already COMPLETED. */
int rs_api_query_wait(rs_api *api, rs_query_result *res, long long docs, long timeout_ms,
                      rs_err *err);

/* Attach to an existing query id (e.g. from another session): a result with status from
 * GET /queries/{id} and no rows; then rs_api_query_wait / rs_api_query_next_page. */
int rs_api_query_attach(rs_api *api, const char *query_id, rs_query_result **out, rs_err *err);

/* DELETE /queries/{id}. */
int rs_api_query_cancel(rs_api *api, const char *query_id, rs_err *err);

void rs_query_result_free(rs_query_result *res); /* NULL-safe */

/* Accessors (borrowed strings, valid until the next call that changes the result or its free). */
const char *rs_query_result_id(const rs_query_result *res);     /* "" when absent */
const char *rs_query_result_status(const rs_query_result *res); /* "COMPLETED", "QUEUED", ... */
/* Rows of the current page. */
size_t rs_query_result_row_count(const rs_query_result *res);
/* Row i (< row_count): the exact JSON object text as the server sent it. */
rs_jsonscan_span rs_query_result_row(const rs_query_result *res, size_t i);
/* results_total_doc_count, -1 when absent. */
long long rs_query_result_total(const rs_query_result *res);
/* pagination.next_cursor; NULL on the last page or without pagination. */
const char *rs_query_result_next_cursor(const rs_query_result *res);
/* 1 when rs_api_query_next_page would fetch more rows. */
int rs_query_result_has_more(const rs_query_result *res);
/* last_offset (INSERT INTO); NULL when absent or null. */
const char *rs_query_result_last_offset(const rs_query_result *res);
/* column_fields of the first response; count 0 when the server sent none (SELECT *). */
size_t rs_query_result_column_count(const rs_query_result *res);
const char *rs_query_result_column_name(const rs_query_result *res, size_t i);
const char *rs_query_result_column_type(const rs_query_result *res, size_t i);
/* Rows delivered so far over all pages. */
long long rs_query_result_rows_seen(const rs_query_result *res);

/* ---------------------------------------------------------------- views */

typedef struct rs_view {
    char *name;
    char *workspace;
    char *description; /* NULL when null */
    char *query_sql;
    char *state;         /* CREATED, SYNCING, DELETED */
    char *entities_json; /* raw JSON array of "ws.name" strings; "[]" when absent */
    char *created_at;
    char *modified_at;
} rs_view;

void rs_view_free(rs_view *v);
void rs_view_list_free(rs_view *items, size_t count);

int rs_api_view_create(rs_api *api, const char *ws, const char *name, const char *query,
                       const char *description, rs_view *out, rs_err *err);
/* POST $W/views/{view}: new query (and description when non-NULL). */
int rs_api_view_update(rs_api *api, const char *ws, const char *name, const char *query,
                       const char *description, rs_view *out, rs_err *err);
int rs_api_view_get(rs_api *api, const char *ws, const char *name, rs_view *out, rs_err *err);
/* ws NULL = the whole org. */
int rs_api_view_list(rs_api *api, const char *ws, rs_view **items, size_t *count, rs_err *err);
int rs_api_view_delete(rs_api *api, const char *ws, const char *name, rs_err *err);
/* Poll until state is not SYNCING, at most timeout_ms. */
int rs_api_view_wait_synced(rs_api *api, const char *ws, const char *name, long timeout_ms,
                            rs_err *err);

/* ---------------------------------------------------------------- aliases */

typedef struct rs_alias {
    char *name;
    char *workspace;
    char *description;      /* NULL when null */
    char *collections_json; /* raw JSON array of "ws.coll" strings */
    char *state;
    char *created_at;
    char *modified_at;
} rs_alias;

void rs_alias_free(rs_alias *a);
void rs_alias_list_free(rs_alias *items, size_t count);

/* collections: n fully qualified "ws.coll" names. */
int rs_api_alias_create(rs_api *api, const char *ws, const char *name,
                        const char *const *collections, size_t n, const char *description,
                        rs_alias *out, rs_err *err);
int rs_api_alias_update(rs_api *api, const char *ws, const char *name,
                        const char *const *collections, size_t n, const char *description,
                        rs_alias *out, rs_err *err);
int rs_api_alias_get(rs_api *api, const char *ws, const char *name, rs_alias *out, rs_err *err);
int rs_api_alias_list(rs_api *api, const char *ws, rs_alias **items, size_t *count, rs_err *err);
int rs_api_alias_delete(rs_api *api, const char *ws, const char *name, rs_err *err);

/* ---------------------------------------------------------------- query lambdas */

typedef struct rs_lambda_version {
    char *name;
    char *workspace;
    char *version;                 /* 16-hex version id */
    char *description;             /* NULL when null */
    char *sql;                     /* sql.query */
    char *default_parameters_json; /* raw JSON array; "[]" when absent */
    char *state;                   /* ACTIVE, INVALID_SQL */
    char *created_at;
} rs_lambda_version;

typedef struct rs_lambda {
    char *name;
    char *workspace;
    long long version_count; /* -1 when absent */
    char *last_updated;
    rs_lambda_version latest; /* latest_version (fields NULL when absent) */
} rs_lambda;

void rs_lambda_version_free(rs_lambda_version *v);
void rs_lambda_free(rs_lambda *l);
void rs_lambda_list_free(rs_lambda *items, size_t count);

/* Create a lambda (first version). default_params_json: raw JSON array of {"name","type","value"}
 * or NULL for []. */
int rs_api_lambda_create(rs_api *api, const char *ws, const char *name, const char *sql,
                         const char *default_params_json, const char *description,
                         rs_lambda_version *out, rs_err *err);
/* New version of an existing lambda (POST .../versions). */
int rs_api_lambda_update(rs_api *api, const char *ws, const char *name, const char *sql,
                         const char *default_params_json, const char *description,
                         rs_lambda_version *out, rs_err *err);
/* The version tagged `latest` (how dbt tests existence: RS_ENOTFOUND when the lambda is absent). */
int rs_api_lambda_get(rs_api *api, const char *ws, const char *name, rs_lambda_version *out,
                      rs_err *err);
int rs_api_lambda_list(rs_api *api, const char *ws, rs_lambda **items, size_t *count, rs_err *err);
int rs_api_lambda_delete(rs_api *api, const char *ws, const char *name, rs_err *err);
/* Create or move a tag to a version. */
int rs_api_lambda_tag_set(rs_api *api, const char *ws, const char *name, const char *tag,
                          const char *version, rs_err *err);
/* The version a tag points to. */
int rs_api_lambda_tag_get(rs_api *api, const char *ws, const char *name, const char *tag,
                          rs_lambda_version *out, rs_err *err);

/* Execute by version (non-NULL) or else by tag (NULL = "latest"). params/params_json as in
 * rs_query_request (only sql is ignored; its paging and async fields apply). */
int rs_api_lambda_execute(rs_api *api, const char *ws, const char *name, const char *version,
                          const char *tag, const rs_query_request *req, rs_query_result **out,
                          rs_err *err);

#endif
