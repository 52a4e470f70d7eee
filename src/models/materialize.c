/* materialize.c - see materialize.h. */
#include "materialize.h"
#include "jsonscan.h"
#include "snapshot.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const kind_names[] = {"view",         "table", "incremental", "ephemeral",
                                         "query_lambda", "seed",  "snapshot",    "rollup"};

int rs_mat_kind_parse(const char *text, rs_mat_kind *out, rs_err *err) {
    size_t i;

    for (i = 0; text != NULL && i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
        if (i != (size_t)RS_MAT_SEED && strcmp(text, kind_names[i]) == 0) {
            *out = (rs_mat_kind)i;
            return RS_OK;
        }
    }
    return rs_err_set(err, RS_EINVAL,
                      "unknown materialization '%s' (use view, table, incremental, ephemeral, "
                      "query_lambda, snapshot or rollup)",
                      text ? text : "");
}

const char *rs_mat_kind_name(rs_mat_kind kind) {
    if ((size_t)kind < sizeof(kind_names) / sizeof(kind_names[0]))
        return kind_names[kind];
    return "unknown";
}

void rs_mat_result_init(rs_mat_result *r) {
    memset(r, 0, sizeof(*r));
    r->rows_affected = -1;
}

void rs_mat_result_free(rs_mat_result *r) {
    if (r == NULL)
        return;
    free(r->action);
    free(r->relation);
    free(r->query_id);
    free(r->version);
    rs_mat_result_init(r);
}

/* ---------------------------------------------------------------- SQL text */

/* Words Rockset's grammar reserves: as bare identifiers they would parse as keywords. */
static const char *const reserved_words[] = {
    "all",    "and",    "any",     "array",   "as",       "asc",       "between",  "by",
    "case",   "cast",   "cross",   "current", "default",  "desc",      "distinct", "else",
    "end",    "except", "exists",  "false",   "fetch",    "for",       "from",     "full",
    "group",  "having", "in",      "inner",   "insert",   "intersect", "interval", "into",
    "is",     "join",   "lateral", "left",    "like",     "limit",     "natural",  "not",
    "null",   "offset", "on",      "or",      "order",    "outer",     "right",    "select",
    "set",    "some",   "table",   "then",    "true",     "union",     "unnest",   "using",
    "values", "when",   "where",   "with",    "describe", "explain",   "update",   "delete",
};

static int is_reserved(const char *word) {
    size_t i;

    for (i = 0; i < sizeof(reserved_words) / sizeof(reserved_words[0]); i++) {
        if (strcasecmp(word, reserved_words[i]) == 0)
            return 1;
    }
    return 0;
}

static int is_plain_ident(const char *s) {
    const char *p;

    if (s == NULL || s[0] == '\0' || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (p = s; *p; p++) {
        if (!(isalnum((unsigned char)*p) || *p == '_'))
            return 0;
    }
    return !is_reserved(s);
}

int rs_mat_quote_ident(rs_buf *out, const char *ident) {
    const char *p;

    if (is_plain_ident(ident))
        return rs_buf_puts(out, ident);
    rs_buf_putc(out, '"');
    for (p = ident ? ident : ""; *p; p++) {
        if (*p == '"')
            rs_buf_putc(out, '"');
        rs_buf_putc(out, *p);
    }
    rs_buf_putc(out, '"');
    return out->oom ? RS_ENOMEM : RS_OK;
}

int rs_mat_relation_sql(rs_buf *out, const char *ws, const char *name) {
    rs_mat_quote_ident(out, ws);
    rs_buf_putc(out, '.');
    rs_mat_quote_ident(out, name);
    return out->oom ? RS_ENOMEM : RS_OK;
}

static int is_natural_key(const char *const *keys, size_t n_keys) {
    return n_keys == 0 || (n_keys == 1 && strcmp(keys[0], "_id") == 0);
}

int rs_mat_keyed_sql(rs_buf *out, const char *sql, const char *const *keys, size_t n_keys) {
    size_t i;

    if (is_natural_key(keys, n_keys))
        return rs_buf_puts(out, sql);
    rs_buf_puts(out, "SELECT * EXCEPT (_id), ");
    if (n_keys > 1)
        rs_buf_puts(out, "CONCAT(");
    for (i = 0; i < n_keys; i++) {
        if (i > 0)
            rs_buf_puts(out, ", '|', ");
        rs_buf_puts(out, "CAST(");
        rs_mat_quote_ident(out, keys[i]);
        rs_buf_puts(out, " AS string)");
    }
    if (n_keys > 1)
        rs_buf_putc(out, ')');
    rs_buf_puts(out, " AS _id FROM (");
    rs_buf_puts(out, sql);
    rs_buf_puts(out, ") AS __rs_keyed");
    return out->oom ? RS_ENOMEM : RS_OK;
}

int rs_mat_swap_name(rs_buf *out, const char *name, long long stamp_ms) {
    return rs_buf_printf(out, "%s__rs%lld", name, stamp_ms);
}

static long long now_ms(void) {
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int oom(rs_err *err) {
    return rs_err_set(err, RS_ENOMEM, "out of memory");
}

/* Why a failed build is not done again (rs_mat_result.not_repeatable). */
static const char hooks_sent[] =
    "the model's hooks may have run already and are not known to be safe to run twice; check "
    "what they do, then run the model again";
static const char unkeyed_insert_sent[] =
    "the INSERT INTO may have been applied, and an incremental model without unique_key adds "
    "its rows again when repeated; check the collection, then run the model again (or with "
    "full_refresh)";

/* Whitespace-blind comparison of two JSON texts (outside strings): a server may re-print the
 * parameters it stored. */
static int json_text_equal(const char *a, const char *b) {
    int in_string = 0;

    for (;;) {
        while (!in_string && (*a == ' ' || *a == '\n' || *a == '\t' || *a == '\r'))
            a++;
        while (!in_string && (*b == ' ' || *b == '\n' || *b == '\t' || *b == '\r'))
            b++;
        if (*a != *b)
            return 0;
        if (*a == '\0')
            return 1;
        if (*a == '\\' && in_string) {
            if (a[1] != b[1])
                return 0;
            if (a[1] == '\0')
                return 1;
            a++;
            b++;
        } else if (*a == '"') {
            in_string = !in_string;
        }
        a++;
        b++;
    }
}

static int set_string(char **slot, const char *text, rs_err *err) {
    char *copy = strdup(text);

    if (copy == NULL)
        return oom(err);
    free(*slot);
    *slot = copy;
    return RS_OK;
}

/* ---------------------------------------------------------------- what is in the way */

typedef enum rel_kind { REL_NONE = 0, REL_COLLECTION, REL_VIEW, REL_ALIAS } rel_kind;

static const char *const rel_kind_names[] = {"relation", "collection", "view", "alias"};

/* A relation found under the model's name. */
typedef struct existing {
    rel_kind kind;
    char *description;      /* NULL when none */
    char *collections_json; /* alias: its collections (JSON array), else NULL */
    long long doc_count;    /* collection: its documents (stats); -1 when unknown */
} existing;

static void existing_free(existing *e) {
    free(e->description);
    free(e->collections_json);
    memset(e, 0, sizeof(*e));
}

/* Look ws.name up as one kind: RS_OK and *e filled, RS_ENOTFOUND, or another error. */
static int lookup_kind(rs_api *api, const char *ws, const char *name, rel_kind kind, existing *e,
                       rs_err *err) {
    rs_collection coll = {0};
    rs_view view = {0};
    rs_alias alias = {0};
    int rc;

    if (kind == REL_COLLECTION) {
        rc = rs_api_collection_get(api, ws, name, &coll, err);
        if (rc == RS_OK) {
            e->description = coll.description;
            coll.description = NULL;
            e->doc_count = coll.doc_count;
        }
        rs_collection_free(&coll);
    } else if (kind == REL_VIEW) {
        rc = rs_api_view_get(api, ws, name, &view, err);
        if (rc == RS_OK) {
            e->description = view.description;
            view.description = NULL;
        }
        rs_view_free(&view);
    } else {
        rc = rs_api_alias_get(api, ws, name, &alias, err);
        if (rc == RS_OK) {
            e->description = alias.description;
            e->collections_json = alias.collections_json;
            alias.description = NULL;
            alias.collections_json = NULL;
        }
        rs_alias_free(&alias);
    }
    if (rc == RS_OK)
        e->kind = kind;
    return rc;
}

/* Find what carries the name ws.name, asking first for the kind the model expects. RS_OK with
 * e->kind REL_NONE when nothing does. */
static int find_existing(rs_api *api, const char *ws, const char *name, rel_kind first, existing *e,
                         rs_err *err) {
    static const rel_kind order[] = {REL_COLLECTION, REL_ALIAS, REL_VIEW};
    size_t i;
    int rc;

    memset(e, 0, sizeof(*e));
    e->doc_count = -1;
    rc = lookup_kind(api, ws, name, first, e, err);
    for (i = 0; rc == RS_ENOTFOUND && i < sizeof(order) / sizeof(order[0]); i++) {
        if (order[i] != first)
            rc = lookup_kind(api, ws, name, order[i], e, err);
    }
    if (rc == RS_ENOTFOUND) {
        rs_err_clear(err);
        return RS_OK;
    }
    return rc;
}

static int refuse(const rs_mat_job *job, const char *verb, const char *kind, rs_err *err) {
    return rs_err_set(err, RS_EINVAL,
                      "rockset: refusing to %s %s %s.%s: it was not created by rockset_ext (its "
                      "description has no 'managed by rockset_ext' mark); drop it with "
                      "rockset_drop('%s.%s', 1) or give the model another alias",
                      verb, kind, job->workspace, job->name, job->workspace, job->name);
}

static int check_owned(const rs_mat_job *job, const existing *e, const char *verb, rs_err *err) {
    if (job->is_managed(e->description))
        return RS_OK;
    return refuse(job, verb, rel_kind_names[e->kind], err);
}

static int drop_collection(rs_api *api, const char *ws, const char *name, long timeout_ms,
                           rs_err *err) {
    int rc = rs_api_collection_delete(api, ws, name, err);

    if (rc == RS_OK)
        rc = rs_api_collection_wait_gone(api, ws, name, timeout_ms, err);
    return rc;
}

/* ---------------------------------------------------------------- swap collections */

/* Whether description marks a relation of this very model: managed, and naming job->model
 * ("...; model=<model>" followed by ';' or the end; managed.h). */
static int marks_model(const rs_mat_job *job, const char *description) {
    static const char key[] = "; model=";
    const char *p = description;
    size_t n;

    if (description == NULL || job->model == NULL || !job->is_managed(description))
        return 0;
    n = strlen(job->model);
    while ((p = strstr(p, key)) != NULL) {
        p += sizeof(key) - 1;
        if (strncmp(p, job->model, n) == 0 && (p[n] == '\0' || p[n] == ';'))
            return 1;
    }
    return 0;
}

/* Whether coll is named as rs_mat_swap_name names the fresh collections of relation name. */
static int is_swap_name(const char *name, const char *coll) {
    size_t n = strlen(name);
    const char *p;

    if (coll == NULL || strncmp(coll, name, n) != 0 || strncmp(coll + n, "__rs", 4) != 0)
        return 0;
    for (p = coll + n + 4; isdigit((unsigned char)*p); p++)
        ;
    return p > coll + n + 4 && *p == '\0';
}

/* The collections every alias of the org points to: their JSON arrays of "ws.coll" strings,
 * one after the other (is_alias_target reads it). Names hold no quote or escape, so a quoted
 * name matches one element exactly. */
static int alias_targets(rs_api *api, rs_buf *out, rs_err *err) {
    rs_alias *items = NULL;
    size_t n = 0, i;
    int rc = rs_api_alias_list(api, NULL, &items, &n, err);

    for (i = 0; rc == RS_OK && i < n; i++) {
        if (items[i].collections_json != NULL)
            rs_buf_puts(out, items[i].collections_json);
    }
    if (rc == RS_OK && out->oom)
        rc = oom(err);
    rs_alias_list_free(items, n);
    return rc;
}

static int is_alias_target(const rs_buf *targets, const char *ws, const char *coll) {
    rs_buf quoted = RS_BUF_INIT;
    int found = 1; /* out of memory: say yes, which keeps the collection */

    if (rs_buf_printf(&quoted, "\"%s.%s\"", ws, coll) == RS_OK)
        found = strstr(rs_buf_cstr(targets), rs_buf_cstr(&quoted)) != NULL;
    rs_buf_free(&quoted);
    return found;
}

/* Drop ws.coll when it is a collection of this model (marks_model) that no alias of the org
 * points to; *targets is filled on first use. Gone already counts as dropped. */
static int drop_if_unused(rs_api *api, const rs_mat_job *job, const char *ws, const char *coll,
                          rs_buf *targets, int *listed, rs_err *err) {
    existing found;
    int rc;

    memset(&found, 0, sizeof(found));
    rc = lookup_kind(api, ws, coll, REL_COLLECTION, &found, err);
    if (rc == RS_OK && marks_model(job, found.description) && !*listed) {
        rc = alias_targets(api, targets, err);
        *listed = rc == RS_OK;
    }
    if (rc == RS_OK && marks_model(job, found.description) && !is_alias_target(targets, ws, coll))
        rc = drop_collection(api, ws, coll, job->timeout_ms, err);
    if (rc == RS_ENOTFOUND) {
        rs_err_clear(err);
        rc = RS_OK;
    }
    existing_free(&found);
    return rc;
}

/* Drop the collections listed in an alias's collections_json ("ws.coll" strings) but keep:
 * those of this model that no alias points to any more. */
static int drop_alias_targets(rs_api *api, const rs_mat_job *job, const char *collections_json,
                              const char *keep, rs_err *err) {
    rs_jsonscan_iter it;
    rs_jsonscan_span item;
    rs_buf targets = RS_BUF_INIT;
    char *qualified = NULL, *ws = NULL, *name = NULL;
    int rc = RS_OK, listed = 0;

    if (collections_json == NULL ||
        rs_jsonscan_iter_init(&it, rs_jsonscan_cstr(collections_json)) != RS_OK)
        return RS_OK;
    while (rc == RS_OK && rs_jsonscan_iter_next(&it, NULL, &item) == 1) {
        rc = rs_jsonscan_string_dup(item, &qualified, err);
        if (rc == RS_OK)
            rc = rs_api_split_name(qualified, job->workspace, &ws, &name, err);
        if (rc == RS_OK && (keep == NULL || strcmp(qualified, keep) != 0))
            rc = drop_if_unused(api, job, ws, name, &targets, &listed, err);
        free(qualified);
        free(ws);
        free(name);
        qualified = ws = name = NULL;
    }
    rs_buf_free(&targets);
    return rc;
}

/* Drop what killed or failed builds of this model left: its fresh collections (is_swap_name,
 * marks_model) that no alias points to. Runs before a swap build makes its own. */
static int drop_strays(rs_api *api, const rs_mat_job *job, rs_err *err) {
    rs_collection *items = NULL;
    rs_buf targets = RS_BUF_INIT;
    size_t n = 0, i;
    int rc, listed = 0;

    rc = rs_api_collection_list(api, job->workspace, &items, &n, err);
    if (rc == RS_ENOTFOUND) { /* no workspace yet: nothing left behind */
        rs_err_clear(err);
        rc = RS_OK;
    }
    for (i = 0; rc == RS_OK && i < n; i++) {
        if (is_swap_name(job->name, items[i].name) && marks_model(job, items[i].description))
            rc = drop_if_unused(api, job, job->workspace, items[i].name, &targets, &listed, err);
    }
    rs_collection_list_free(items, n);
    rs_buf_free(&targets);
    return rc;
}

/* Remove what is in the way (already checked as managed). */
static int drop_existing(rs_api *api, const rs_mat_job *job, const existing *e, rs_err *err) {
    int rc;

    switch (e->kind) {
    case REL_COLLECTION:
        return drop_collection(api, job->workspace, job->name, job->timeout_ms, err);
    case REL_VIEW:
        return rs_api_view_delete(api, job->workspace, job->name, err);
    case REL_ALIAS:
        rc = rs_api_alias_delete(api, job->workspace, job->name, err);
        if (rc == RS_OK)
            rc = drop_alias_targets(api, job, e->collections_json, NULL, err);
        return rc;
    default:
        return RS_OK;
    }
}

/* ---------------------------------------------------------------- creating */

/* Create the job's workspace when a create failed because it is missing. Returns 1 when the
 * caller should retry its create; 0 when the error stands, which is the workspace create's
 * own when that failed (*rc and err replaced: a transient failure there is retried as such). */
static int created_missing_workspace(rs_api *api, const rs_mat_job *job, int *rc, rs_err *err) {
    char expected[300];
    rs_err ws_err;
    int ws_rc;

    if (*rc != RS_ENOTFOUND)
        return 0;
    snprintf(expected, sizeof(expected), "rockset: workspace '%s' not found", job->workspace);
    if (strncmp(err->msg, expected, strlen(expected)) != 0)
        return 0;
    rs_err_clear(&ws_err);
    ws_rc = rs_api_workspace_create(api, job->workspace, job->description, NULL, &ws_err);
    if (ws_rc != RS_OK && ws_rc != RS_EEXISTS) { /* EEXISTS: another worker just made it */
        *rc = ws_rc;
        *err = ws_err;
        return 0;
    }
    rs_err_clear(err);
    return 1;
}

/* What the job's collections are created with: job->collection for the kinds that take it, a
 * rollup's SQL as its transformation. */
static rs_collection_options collection_options(const rs_mat_job *job) {
    rs_collection_options opts;

    memset(&opts, 0, sizeof(opts));
    if (job->kind == RS_MAT_TABLE || job->kind == RS_MAT_INCREMENTAL || job->kind == RS_MAT_ROLLUP)
        opts = job->collection;
    if (job->kind == RS_MAT_ROLLUP)
        opts.field_mapping_sql = job->sql;
    return opts;
}

static int create_collection(rs_api *api, const rs_mat_job *job, const char *name, rs_err *err) {
    rs_collection_options opts = collection_options(job);
    int rc = rs_api_collection_create_with(api, job->workspace, name, job->description, &opts, NULL,
                                           err);

    if (created_missing_workspace(api, job, &rc, err))
        rc = rs_api_collection_create_with(api, job->workspace, name, job->description, &opts, NULL,
                                           err);
    if (rc == RS_OK)
        rc = rs_api_collection_wait_ready(api, job->workspace, name, job->timeout_ms, NULL, err);
    return rc;
}

/* Run one statement as an async query and wait for it. On success *res holds the completed
 * result (first page: one row). *query_id (when not NULL) gets the query's id as soon as it
 * was submitted, so a failed query can still be named. */
static int run_async(rs_api *api, const char *sql, long timeout_ms, rs_query_result **res,
                     char **query_id, rs_err *err) {
    rs_query_request req;
    rs_query_result *r = NULL;
    int rc;

    memset(&req, 0, sizeof(req));
    req.sql = sql;
    req.async = 1;
    rc = rs_api_query(api, &req, &r, err);
    if (rc == RS_OK && query_id != NULL)
        rc = set_string(query_id, rs_query_result_id(r), err);
    if (rc == RS_OK)
        rc = rs_api_query_wait(api, r, 1, timeout_ms, err);
    if (rc != RS_OK) {
        rs_query_result_free(r);
        return rc;
    }
    *res = r;
    return RS_OK;
}

static int run_hooks(rs_api *api, const rs_mat_job *job, const char *const *hooks, size_t n,
                     const char *which, rs_mat_result *out, rs_err *err) {
    rs_query_result *res = NULL;
    size_t i;
    int rc = RS_OK;

    for (i = 0; i < n && rc == RS_OK; i++) {
        out->not_repeatable = hooks_sent;
        rc = run_async(api, hooks[i], job->timeout_ms, &res, NULL, err);
        rs_query_result_free(res);
        res = NULL;
        if (rc != RS_OK)
            rs_err_prefix(err, "%s %zu: ", which, i + 1);
    }
    return rc;
}

/* INSERT INTO ws.coll <sql>, then wait for that collection's commit fence. */
static int insert_rows(rs_api *api, const rs_mat_job *job, const char *ws, const char *coll,
                       const char *sql, rs_mat_result *out, rs_err *err) {
    rs_buf stmt = RS_BUF_INIT;
    rs_query_result *res = NULL;
    rs_jsonscan_span row;
    const char *offset;
    long long inserted = -1;
    int found = 0, rc;

    rs_buf_puts(&stmt, "INSERT INTO ");
    rs_mat_relation_sql(&stmt, ws, coll);
    rs_buf_putc(&stmt, ' ');
    rs_buf_puts(&stmt, sql);
    if (stmt.oom) {
        rc = oom(err);
        goto done;
    }
    rc = run_async(api, rs_buf_cstr(&stmt), job->timeout_ms, &res, &out->query_id, err);
    if (rc != RS_OK)
        goto done;
    if (rs_query_result_row_count(res) > 0) {
        row = rs_query_result_row(res, 0);
        if (rs_jsonscan_get_int64(row, "num_docs_inserted", &inserted, &found, err) != RS_OK ||
            !found)
            inserted = -1;
        rs_err_clear(err);
    }
    out->rows_affected = inserted;
    offset = rs_query_result_last_offset(res);
    if (offset != NULL && offset[0] != '\0' && inserted != 0)
        rc = rs_api_fence_wait(api, ws, coll, offset, job->timeout_ms, err);
done:
    rs_query_result_free(res);
    rs_buf_free(&stmt);
    return rc;
}

int rs_mat_ensure_collection(rs_api *api, const rs_mat_job *job, int *created, rs_err *err) {
    existing e;
    int rc = find_existing(api, job->workspace, job->name, REL_COLLECTION, &e, err);

    *created = 0;
    if (rc == RS_OK && e.kind != REL_NONE && e.kind != REL_COLLECTION)
        rc = refuse(job, "insert into", rel_kind_names[e.kind], err);
    else if (rc == RS_OK && e.kind == REL_COLLECTION)
        rc = check_owned(job, &e, "insert into", err);
    else if (rc == RS_OK) {
        rc = create_collection(api, job, job->name, err);
        *created = rc == RS_OK;
    }
    existing_free(&e);
    return rc;
}

int rs_mat_insert(rs_api *api, const rs_mat_job *job, const char *sql, long long *inserted,
                  rs_mat_result *out, rs_err *err) {
    int rc = insert_rows(api, job, job->workspace, job->name, sql, out, err);

    *inserted = out->rows_affected;
    return rc;
}

/* ---------------------------------------------------------------- kinds */

static int build_view(rs_api *api, const rs_mat_job *job, rs_mat_result *out, rs_err *err) {
    existing e;
    int rc, updated = 0;

    rc = find_existing(api, job->workspace, job->name, REL_VIEW, &e, err);
    if (rc == RS_OK && e.kind != REL_NONE)
        rc = check_owned(job, &e, e.kind == REL_VIEW ? "update" : "replace", err);
    if (rc == RS_OK && e.kind == REL_VIEW) {
        rc = rs_api_view_update(api, job->workspace, job->name, job->sql, job->description, NULL,
                                err);
        updated = 1;
    } else if (rc == RS_OK) {
        rc = drop_existing(api, job, &e, err);
        if (rc == RS_OK)
            rc = rs_api_view_create(api, job->workspace, job->name, job->sql, job->description,
                                    NULL, err);
        if (created_missing_workspace(api, job, &rc, err))
            rc = rs_api_view_create(api, job->workspace, job->name, job->sql, job->description,
                                    NULL, err);
    }
    if (rc == RS_OK)
        rc = rs_api_view_wait_synced(api, job->workspace, job->name, job->timeout_ms, err);
    if (rc == RS_OK)
        rc = set_string(&out->action, updated ? "updated view" : "created view", err);
    existing_free(&e);
    return rc;
}

static long long mono_ms(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Point the alias ws.name at ws.coll: switch it when it exists, then drop what it pointed to
 * before (drop_alias_targets). Else create it, after dropping a managed collection or view in
 * the way: the migration of a relation built without the alias. Rockset has no rename, so the
 * name answers nothing from that drop until the alias exists; *gap_ms gets how long (-1 when
 * nothing was in the way). */
static int switch_alias(rs_api *api, const rs_mat_job *job, const char *coll, const existing *e,
                        long long *gap_ms, rs_err *err) {
    rs_buf qualified = RS_BUF_INIT;
    const char *target;
    long long started;
    int rc;

    if (rs_buf_printf(&qualified, "%s.%s", job->workspace, coll) != RS_OK)
        return oom(err);
    target = rs_buf_cstr(&qualified);
    if (e->kind == REL_ALIAS) {
        rc = rs_api_alias_update(api, job->workspace, job->name, &target, 1, job->description, NULL,
                                 err);
        if (rc == RS_OK)
            rc = drop_alias_targets(api, job, e->collections_json, target, err);
    } else {
        started = mono_ms();
        rc = drop_existing(api, job, e, err);
        if (rc == RS_OK)
            rc = rs_api_alias_create(api, job->workspace, job->name, &target, 1, job->description,
                                     NULL, err);
        if (rc == RS_OK && e->kind != REL_NONE)
            *gap_ms = mono_ms() - started;
    }
    rs_buf_free(&qualified);
    return rc;
}

/* After a failed swap build: drop the fresh collection, which nothing points to yet (unless
 * the alias switch itself was lost; then the alias still answers and the collection stays). A
 * failure here is ignored: the build's own error is the one to report, and the next build of
 * the model drops what is left (drop_strays). */
static void drop_unused_swap(rs_api *api, const rs_mat_job *job, const char *coll) {
    rs_buf target = RS_BUF_INIT;
    rs_alias alias;
    rs_err ignored;
    int pointed_to;

    rs_err_clear(&ignored);
    memset(&alias, 0, sizeof(alias));
    /* the alias's collections are a JSON array of "ws.name" strings; resource names hold no
     * quote or escape, so the quoted name matches one element exactly */
    if (rs_buf_printf(&target, "\"%s.%s\"", job->workspace, coll) != RS_OK) {
        rs_buf_free(&target);
        return;
    }
    pointed_to = rs_api_alias_get(api, job->workspace, job->name, &alias, &ignored) == RS_OK &&
                 alias.collections_json != NULL &&
                 strstr(alias.collections_json, rs_buf_cstr(&target)) != NULL;
    rs_alias_free(&alias);
    rs_buf_free(&target);
    if (!pointed_to) /* else the switch landed: keep it */
        drop_collection(api, job->workspace, coll, job->timeout_ms, &ignored);
}

static int set_table_action(const rs_mat_job *job, rs_mat_result *out, rel_kind replaced,
                            long long gap_ms, rs_err *err) {
    const char *what = job->kind == RS_MAT_ROLLUP ? "rollup" : "table";
    char text[160];

    if (gap_ms >= 0)
        snprintf(text, sizeof(text),
                 "replaced %s (moved behind an alias; the name answered nothing for %lld ms)", what,
                 gap_ms);
    else
        snprintf(text, sizeof(text), "%s %s", replaced == REL_NONE ? "created" : "replaced", what);
    return set_string(&out->action, text, err);
}

/* config.swap = 'none': drop what is in the way, make the collection under the name, fill it.
 * Readers see no rows (or no relation) until the insert has landed. */
static int build_in_place(rs_api *api, const rs_mat_job *job, const char *sql, const existing *e,
                          rs_mat_result *out, rs_err *err) {
    int rc = drop_existing(api, job, e, err);

    if (rc == RS_OK)
        rc = create_collection(api, job, job->name, err);
    if (rc == RS_OK)
        rc = insert_rows(api, job, job->workspace, job->name, sql, out, err);
    if (rc == RS_OK)
        rc = set_table_action(job, out, e->kind, -1, err);
    return rc;
}

/* The default: the rows go to a fresh collection "<name>__rs<ms>" and the alias ws.name is
 * switched to it only once they have landed, so readers keep the last good rows until then,
 * and for ever when the build fails or is killed. */
static int build_swapped(rs_api *api, const rs_mat_job *job, const char *sql, const existing *e,
                         rs_mat_result *out, rs_err *err) {
    rs_buf fresh = RS_BUF_INIT;
    long long gap_ms = -1;
    int rc, made = 0;

    rc = drop_strays(api, job, err);
    if (rc == RS_OK && rs_mat_swap_name(&fresh, job->name, now_ms()) != RS_OK)
        rc = oom(err);
    if (rc == RS_OK) {
        rc = create_collection(api, job, rs_buf_cstr(&fresh), err);
        made = rc == RS_OK || rs_http_err_is_transient(err);
    }
    if (rc == RS_OK)
        rc = insert_rows(api, job, job->workspace, rs_buf_cstr(&fresh), sql, out, err);
    if (rc == RS_OK)
        rc = switch_alias(api, job, rs_buf_cstr(&fresh), e, &gap_ms, err);
    if (rc != RS_OK && made)
        drop_unused_swap(api, job, rs_buf_cstr(&fresh));
    if (rc == RS_OK)
        rc = set_table_action(job, out, e->kind, gap_ms, err);
    rs_buf_free(&fresh);
    return rc;
}

/* A full build of a table (also an incremental model's first run), sql already keyed. */
static int build_table(rs_api *api, const rs_mat_job *job, const char *sql, rs_mat_result *out,
                       rs_err *err) {
    existing e;
    int rc;

    rc = find_existing(api, job->workspace, job->name, job->swap_alias ? REL_ALIAS : REL_COLLECTION,
                       &e, err);
    if (rc == RS_OK && e.kind != REL_NONE)
        rc = check_owned(job, &e, "replace", err);
    if (rc == RS_OK)
        rc = job->swap_alias ? build_swapped(api, job, sql, &e, out, err)
                             : build_in_place(api, job, sql, &e, out, err);
    existing_free(&e);
    return rc;
}

/* A rollup: a table whose collection's ingest transformation is the model's SQL (reading
 * _input), filled with every document of the one relation the model reads. */
static int build_rollup(rs_api *api, const rs_mat_job *job, rs_mat_result *out, rs_err *err) {
    rs_buf fill = RS_BUF_INIT;
    int rc;

    if (job->input_sql == NULL)
        return rs_err_set(err, RS_EINVAL,
                          "model '%s': a rollup needs the relation it reads (compile it as one)",
                          job->model ? job->model : "?");
    rs_buf_puts(&fill, "SELECT * FROM ");
    rs_buf_puts(&fill, job->input_sql);
    rc = fill.oom ? oom(err) : build_table(api, job, rs_buf_cstr(&fill), out, err);
    rs_buf_free(&fill);
    return rc;
}

/* The collection behind an alias: the first of its collections (the job's workspace when a
 * name comes unqualified). *ws and *coll are malloc'd. */
static int alias_collection(const rs_mat_job *job, const existing *e, char **ws, char **coll,
                            rs_err *err) {
    rs_jsonscan_iter it;
    rs_jsonscan_span item;
    char *qualified = NULL;
    int rc;

    if (e->collections_json == NULL ||
        rs_jsonscan_iter_init(&it, rs_jsonscan_cstr(e->collections_json)) != RS_OK ||
        rs_jsonscan_iter_next(&it, NULL, &item) != 1)
        return rs_err_set(err, RS_EINVAL, "rockset: alias %s.%s points to no collection",
                          job->workspace, job->name);
    rc = rs_jsonscan_string_dup(item, &qualified, err);
    if (rc == RS_OK)
        rc = rs_api_split_name(qualified, job->workspace, ws, coll, err);
    free(qualified);
    return rc;
}

/* Where an incremental run inserts: the collection under the name, or the one the alias
 * points to (*ws, *coll malloc'd). *doc_count gets its documents (-1 unknown; 0 also when the
 * alias points to a collection that is gone: the build is then a full one). */
static int insert_target(rs_api *api, const rs_mat_job *job, const existing *e, char **ws,
                         char **coll, long long *doc_count, rs_err *err) {
    existing behind;
    int rc;

    *doc_count = e->doc_count;
    if (e->kind != REL_ALIAS) {
        *ws = strdup(job->workspace);
        *coll = strdup(job->name);
        return *ws == NULL || *coll == NULL ? oom(err) : RS_OK;
    }
    rc = alias_collection(job, e, ws, coll, err);
    memset(&behind, 0, sizeof(behind));
    behind.doc_count = -1;
    if (rc == RS_OK)
        rc = lookup_kind(api, *ws, *coll, REL_COLLECTION, &behind, err);
    if (rc == RS_ENOTFOUND) {
        rs_err_clear(err);
        rc = RS_OK;
        behind.doc_count = 0;
    }
    *doc_count = behind.doc_count;
    existing_free(&behind);
    return rc;
}

/* An incremental model is built in full (as a table) on its first run, on full_refresh, when a
 * view is in the way, and when its collection is empty: an earlier build made it and failed
 * before its rows landed (is_incremental() filters like "id > (SELECT MAX(id) FROM this)"
 * would then select nothing, for ever). *full_tried makes the retries of a failed full build
 * full builds too, for the same reason. Other runs insert into the collection under the name,
 * or into the one its alias points to, and wait on that collection's fence. */
static int build_incremental(rs_api *api, const rs_mat_job *job, int *full_tried,
                             rs_mat_result *out, rs_err *err) {
    rs_buf keyed = RS_BUF_INIT;
    char *ws = NULL, *coll = NULL;
    long long doc_count = -1;
    existing e;
    int rc, full = job->full_refresh || *full_tried;

    memset(&e, 0, sizeof(e));
    rc = full ? RS_OK
              : find_existing(api, job->workspace, job->name,
                              job->swap_alias ? REL_ALIAS : REL_COLLECTION, &e, err);
    if (rc == RS_OK && !full && (e.kind == REL_COLLECTION || e.kind == REL_ALIAS)) {
        rc = check_owned(job, &e, "insert into", err);
        if (rc == RS_OK)
            rc = insert_target(api, job, &e, &ws, &coll, &doc_count, err);
    }
    if (rc == RS_OK && (full || e.kind == REL_NONE || e.kind == REL_VIEW || doc_count == 0)) {
        *full_tried = 1;
        if (rs_mat_keyed_sql(&keyed, job->sql, job->unique_key, job->n_unique_key) != RS_OK)
            rc = oom(err);
        if (rc == RS_OK)
            rc = build_table(api, job, rs_buf_cstr(&keyed), out, err);
        goto done;
    }
    if (rc == RS_OK &&
        rs_mat_keyed_sql(&keyed, job->sql_incremental ? job->sql_incremental : job->sql,
                         job->unique_key, job->n_unique_key) != RS_OK)
        rc = oom(err);
    if (rc == RS_OK && job->n_unique_key == 0)
        out->not_repeatable = unkeyed_insert_sent; /* from the submission on */
    if (rc == RS_OK)
        rc = insert_rows(api, job, ws, coll, rs_buf_cstr(&keyed), out, err);
    if (rc == RS_OK)
        rc = set_string(&out->action, "inserted into table", err);
done:
    free(ws);
    free(coll);
    existing_free(&e);
    rs_buf_free(&keyed);
    return rc;
}

/* Whether the lambda's newest version already is what this build makes: after a retry whose
 * earlier try sent its create or update, that version is the lost answer's. */
static int lambda_is_current(const rs_mat_job *job, const rs_lambda_version *v) {
    const char *params = job->default_params_json ? job->default_params_json : "[]";

    return v->sql != NULL && strcmp(v->sql, job->sql) == 0 &&
           json_text_equal(v->default_parameters_json ? v->default_parameters_json : "[]", params);
}

static int build_lambda(rs_api *api, const rs_mat_job *job, int *version_sent, rs_mat_result *out,
                        rs_err *err) {
    rs_lambda_version current = {0}, made = {0};
    size_t i;
    int rc, updated = 0;

    rc = rs_api_lambda_get(api, job->workspace, job->name, &current, err);
    if (rc == RS_OK && !job->is_managed(current.description))
        rc = refuse(job, "update", "query lambda", err);
    if (rc == RS_OK && *version_sent && lambda_is_current(job, &current)) {
        made = current; /* the earlier try's version: make no other */
        memset(&current, 0, sizeof(current));
        updated = 1;
    } else if (rc == RS_OK) {
        *version_sent = 1;
        rc = rs_api_lambda_update(api, job->workspace, job->name, job->sql,
                                  job->default_params_json, job->description, &made, err);
        updated = 1;
    } else if (rc == RS_ENOTFOUND) {
        rs_err_clear(err);
        *version_sent = 1;
        rc = rs_api_lambda_create(api, job->workspace, job->name, job->sql,
                                  job->default_params_json, job->description, &made, err);
        if (created_missing_workspace(api, job, &rc, err))
            rc = rs_api_lambda_create(api, job->workspace, job->name, job->sql,
                                      job->default_params_json, job->description, &made, err);
    }
    for (i = 0; rc == RS_OK && i < job->n_tags; i++) {
        if (strcmp(job->tags[i], "latest") != 0) /* Rockset moves `latest` itself */
            rc = rs_api_lambda_tag_set(api, job->workspace, job->name, job->tags[i], made.version,
                                       err);
    }
    if (rc == RS_OK && made.version != NULL)
        rc = set_string(&out->version, made.version, err);
    if (rc == RS_OK)
        rc = set_string(&out->action, updated ? "updated query lambda" : "created query lambda",
                        err);
    rs_lambda_version_free(&current);
    rs_lambda_version_free(&made);
    return rc;
}

/* One build from the start. */
static int build_once(rs_api *api, const rs_mat_job *job, int *version_sent, int *full_tried,
                      rs_mat_result *out, rs_err *err) {
    int rc = run_hooks(api, job, job->pre_hooks, job->n_pre_hooks, "pre_hook", out, err);

    if (rc != RS_OK)
        return rc;
    switch (job->kind) {
    case RS_MAT_VIEW:
        rc = build_view(api, job, out, err);
        break;
    case RS_MAT_TABLE:
        rc = build_table(api, job, job->sql, out, err);
        break;
    case RS_MAT_INCREMENTAL:
        rc = build_incremental(api, job, full_tried, out, err);
        break;
    case RS_MAT_SNAPSHOT:
        rc = rs_snapshot_build(api, job, out, err);
        break;
    case RS_MAT_ROLLUP:
        rc = build_rollup(api, job, out, err);
        break;
    case RS_MAT_SEED:
        rc = rs_err_set(err, RS_EINVAL,
                        "'%s' is a seed: rockset_seed() or rockset_build() loads it", job->model);
        break;
    default:
        rc = build_lambda(api, job, version_sent, out, err);
        break;
    }
    if (rc == RS_OK)
        rc = run_hooks(api, job, job->post_hooks, job->n_post_hooks, "post_hook", out, err);
    return rc;
}

int rs_materialize(rs_api *api, const rs_mat_job *job, rs_mat_result *out, rs_err *err) {
    rs_buf relation = RS_BUF_INIT;
    unsigned int seed = (unsigned int)now_ms();
    int rc, version_sent = 0, full_tried = 0;

    if (rs_buf_printf(&relation, "%s.%s", job->workspace, job->name) != RS_OK)
        return oom(err);
    free(out->relation);
    out->relation = rs_buf_detach(&relation);
    if (out->relation == NULL)
        return oom(err);
    if (job->kind == RS_MAT_EPHEMERAL)
        return set_string(&out->action, "inlined ephemeral", err);
    for (out->attempts = 1;; out->attempts++) {
        out->not_repeatable = NULL;
        rc = build_once(api, job, &version_sent, &full_tried, out, err);
        if (rc == RS_OK || !rs_http_err_is_transient(err))
            break;
        if (out->not_repeatable != NULL) {
            rs_err_append(err, "; not retried: %s", out->not_repeatable);
            break;
        }
        if (out->attempts > job->retries) {
            if (out->attempts > 1)
                rs_err_append(err, "; gave up after %d tries", out->attempts);
            break;
        }
        /* every try ends with an error set; the sleep (interruptible) is between tries */
        if (rs_http_sleep_ms(rs_api_http(api), rs_http_backoff_ms(out->attempts, 200, 5000, &seed),
                             err) != RS_OK) {
            rc = RS_EINTERRUPT;
            break;
        }
        rs_err_clear(err);
        out->rows_affected = -1;
    }
    if (rc != RS_OK) {
        free(out->action);
        out->action = NULL;
    }
    return rc;
}
