/*
 * api.c - see api.h. The client, error rewording, and the metadata resources (workspaces,
 * collections, documents, fences, views, aliases, query lambdas). Queries live in api_query.c.
 *
 * Responses are read with jsonscan (no DOM): each struct is filled member by member from the
 * `data` object; unknown members are ignored and odd types read as absent, as docs/rockset-local.md
 * advises for a drifting API.
 */
#include "api.h"
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ------------------------------------------------------------------ shared helpers */

int api_escape(rs_buf *b, const char *name) {
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)name;

    for (; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            rs_buf_putc(b, (char)*p);
        } else {
            char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rs_buf_append(b, enc, 3);
        }
    }
    return b->oom ? RS_ENOMEM : RS_OK;
}

int api_ws_path(rs_buf *b, const char *ws, const char *section, const char *name) {
    rs_buf_puts(b, "/v1/orgs/self/ws/");
    api_escape(b, ws);
    if (section != NULL) {
        rs_buf_putc(b, '/');
        rs_buf_puts(b, section);
        if (name != NULL) {
            rs_buf_putc(b, '/');
            api_escape(b, name);
        }
    }
    return b->oom ? RS_ENOMEM : RS_OK;
}

rs_jsonscan_span api_body(const rs_http_response *resp) {
    rs_jsonscan_span s;

    s.ptr = rs_buf_cstr(&resp->body);
    s.len = resp->body.len;
    return s;
}

int api_bad_response(rs_err *err, const char *method, const char *path, const char *detail) {
    return rs_err_set(err, RS_EPARSE, "rockset: malformed response to %s %s: %s", method, path,
                      detail);
}

static int starts_with_ci(const char *s, const char *prefix) {
    return s && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Did a 404 come from the workspace rather than the thing inside it? */
static int workspace_missing(const rs_http_response *resp) {
    rs_jsonscan_span body = api_body(resp);
    int oom = 0, missing;
    char *key, *message;

    if (rs_jsonscan_validate(body.ptr, body.len, NULL) != RS_OK)
        return 0;
    key = api_get_str(body, "message_key", &oom);
    message = api_get_str(body, "message", &oom);
    missing = (key != NULL && strcmp(key, "WORKSPACE_NOT_FOUND") == 0) ||
              starts_with_ci(message, "workspace");
    free(key);
    free(message);
    return missing;
}

/* Replace http.c's generic text for 404 / 409-ALREADYEXISTS with the resource's name. */
static void reword_error(const api_target *t, const rs_http_response *resp, rs_err *err) {
    const char *what = err->code == RS_ENOTFOUND ? "not found" : "already exists";
    const char *type = err->code == RS_ENOTFOUND ? "NOTFOUND" : "ALREADYEXISTS";

    if (t == NULL || t->kind == NULL || (err->code != RS_ENOTFOUND && err->code != RS_EEXISTS))
        return;
    if (err->type[0])
        type = err->type;
    if (err->code == RS_ENOTFOUND && t->ws != NULL && strcmp(t->kind, "workspace") != 0 &&
        resp != NULL && workspace_missing(resp))
        snprintf(err->msg, sizeof(err->msg), "rockset: workspace '%s' not found (%s)", t->ws, type);
    else if (t->ws != NULL && t->name != NULL)
        snprintf(err->msg, sizeof(err->msg), "rockset: %s '%s.%s' %s (%s)", t->kind, t->ws, t->name,
                 what, type);
    else
        snprintf(err->msg, sizeof(err->msg), "rockset: %s '%s' %s (%s)", t->kind,
                 t->ws     ? t->ws
                 : t->name ? t->name
                           : "?",
                 what, type);
}

int api_call_unchecked(rs_api *api, const char *method, const char *path, const char *body,
                       size_t body_len, int idempotent, const api_target *target,
                       rs_http_response *resp, rs_err *err) {
    int rc = rs_http_request(api->http, method, path, body, body_len, idempotent, resp, err);

    if (rc != RS_OK && err != NULL)
        reword_error(target, resp, err);
    return rc;
}

int api_check_body(const rs_http_response *resp, const char *method, const char *path,
                   rs_err *err) {
    if (rs_jsonscan_validate(resp->body.data ? resp->body.data : "", resp->body.len, err) !=
        RS_OK) {
        char detail[sizeof(err->msg)];
        /* the detail is in err->msg, which api_bad_response overwrites: copy it first */
        snprintf(detail, sizeof(detail), "%s", err ? err->msg : "invalid JSON");
        return api_bad_response(err, method, path, detail);
    }
    return RS_OK;
}

int api_call(rs_api *api, const char *method, const char *path, const char *body, size_t body_len,
             int idempotent, const api_target *target, rs_http_response *resp, rs_err *err) {
    int rc = api_call_unchecked(api, method, path, body, body_len, idempotent, target, resp, err);

    return rc != RS_OK ? rc : api_check_body(resp, method, path, err);
}

char *api_get_str(rs_jsonscan_span obj, const char *key, int *oom) {
    rs_jsonscan_span v;
    char *s = NULL;

    if (!rs_jsonscan_get(obj, key, &v) || rs_jsonscan_classify(v) != RS_JSON_STRING)
        return NULL;
    if (rs_jsonscan_string_dup(v, &s, NULL) == RS_ENOMEM)
        *oom = 1;
    return s;
}

long long api_get_int(rs_jsonscan_span obj, const char *path, long long absent) {
    rs_jsonscan_span v;
    long long n;
    double d;

    if (!rs_jsonscan_get_path(obj, path, &v))
        return absent;
    if (rs_jsonscan_int64(v, &n) == RS_OK)
        return n;
    if (rs_jsonscan_double(v, &d) == RS_OK)
        return (long long)d;
    return absent;
}

char *api_get_raw(rs_jsonscan_span obj, const char *key, const char *absent, int *oom) {
    rs_jsonscan_span v;
    char *s;

    if (!rs_jsonscan_get(obj, key, &v) || rs_jsonscan_classify(v) == RS_JSON_NULL) {
        if (absent == NULL)
            return NULL;
        v = rs_jsonscan_cstr(absent);
    }
    s = malloc(v.len + 1);
    if (s == NULL) {
        *oom = 1;
        return NULL;
    }
    memcpy(s, v.ptr, v.len);
    s[v.len] = '\0';
    return s;
}

long api_next_delay(long delay_ms) {
    long next = delay_ms + delay_ms / 2;

    return next > 1000 ? 1000 : next;
}

long long api_now_ms(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The `data` member of a response (the whole body when there is none). */
static rs_jsonscan_span data_of(const rs_http_response *resp) {
    rs_jsonscan_span body = api_body(resp), data;

    return rs_jsonscan_get(body, "data", &data) ? data : body;
}

/* ------------------------------------------------------------------ client */

int rs_api_open(const rs_http_options *opts, const char *vi_rrn, rs_api **out, rs_err *err) {
    rs_api *api = calloc(1, sizeof(*api));
    int rc;

    if (api == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    rc = rs_http_open(opts, &api->http, err);
    if (rc == RS_OK && vi_rrn != NULL && vi_rrn[0] != '\0') {
        api->vi_rrn = strdup(vi_rrn);
        if (api->vi_rrn == NULL)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    if (rc != RS_OK) {
        rs_api_close(api);
        return rc;
    }
    *out = api;
    return RS_OK;
}

int rs_api_open_profile(const rs_profile *profile, rs_http_stop_fn should_stop, void *stop_ctx,
                        rs_api **out, rs_err *err) {
    rs_http_options opts;

    rs_http_options_init(&opts);
    opts.base_url = profile->api_server;
    opts.api_key = profile->api_key;
    opts.timeout_ms = profile->timeout_seconds > 0 ? profile->timeout_seconds * 1000 : 0;
    opts.max_attempts = profile->retries >= 0 ? profile->retries + 1 : 0;
    opts.ca_bundle = profile->ca_bundle;
    opts.should_stop = should_stop;
    opts.stop_ctx = stop_ctx;
    return rs_api_open(&opts, profile->vi_rrn, out, err);
}

int rs_api_clone(const rs_api *api, rs_api **out, rs_err *err) {
    rs_api *copy = calloc(1, sizeof(*copy));
    int rc;

    if (copy == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    rc = rs_http_clone(api->http, &copy->http, err);
    if (rc == RS_OK && api->vi_rrn != NULL) {
        copy->vi_rrn = strdup(api->vi_rrn);
        if (copy->vi_rrn == NULL)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    if (rc != RS_OK) {
        rs_api_close(copy);
        return rc;
    }
    *out = copy;
    return RS_OK;
}

void rs_api_close(rs_api *api) {
    if (api == NULL)
        return;
    rs_http_close(api->http);
    free(api->vi_rrn);
    free(api);
}

rs_http *rs_api_http(rs_api *api) {
    return api->http;
}

int rs_api_ping(rs_api *api, char **org_id, rs_err *err) {
    rs_http_response resp;
    const char *path = "/v1/orgs/self";
    int oom = 0, rc;
    char *id;

    rs_http_response_init(&resp);
    /* a read: safe to retry */
    rc = api_call(api, "GET", path, NULL, 0, 1, NULL, &resp, err);
    if (rc == RS_OK && org_id != NULL) {
        id = api_get_str(data_of(&resp), "id", &oom);
        if (id == NULL && !oom)
            id = strdup("");
        if (id == NULL)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        else
            *org_id = id;
    }
    rs_http_response_free(&resp);
    return rc;
}

int rs_api_split_name(const char *qualified, const char *default_ws, char **ws, char **name,
                      rs_err *err) {
    const char *dot = strchr(qualified, '.');
    char *w, *n;

    if (qualified[0] == '\0' || dot == qualified || (dot != NULL && dot[1] == '\0') ||
        (dot == NULL && (default_ws == NULL || default_ws[0] == '\0')))
        return rs_err_set(err, RS_EINVAL, "rockset: invalid name '%s': expected workspace.name",
                          qualified);
    w = dot ? strndup(qualified, (size_t)(dot - qualified)) : strdup(default_ws);
    n = strdup(dot ? dot + 1 : qualified);
    if (w == NULL || n == NULL) {
        free(w);
        free(n);
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    *ws = w;
    *name = n;
    return RS_OK;
}

/* ------------------------------------------------------------------ generic request shapes */

typedef int (*parse_fn)(rs_jsonscan_span obj, void *out);
typedef void (*free_fn)(void *item);

/* Send a request whose answer is {"data": <object>}; parse it into out (may be NULL). */
static int call_object(rs_api *api, const char *method, rs_buf *path, const rs_buf *body,
                       int idempotent, const api_target *t, parse_fn parse, void *out,
                       rs_err *err) {
    rs_http_response resp;
    int rc;

    if (path->oom || (body && body->oom))
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    rs_http_response_init(&resp);
    rc = api_call(api, method, rs_buf_cstr(path), body ? rs_buf_cstr(body) : NULL,
                  body ? body->len : 0, idempotent, t, &resp, err);
    if (rc == RS_OK && out != NULL && parse(data_of(&resp), out) != RS_OK)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    rs_http_response_free(&resp);
    return rc;
}

/* GET a list answered as {"data": [<object>...]}. */
static int call_list(rs_api *api, rs_buf *path, size_t elem_size, parse_fn parse, free_fn fr,
                     void **items, size_t *count, rs_err *err) {
    rs_http_response resp;
    rs_jsonscan_iter it;
    rs_jsonscan_span elem;
    char *array = NULL;
    size_t n = 0;
    long total;
    int rc;

    if (path->oom)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    rs_http_response_init(&resp);
    /* a read: safe to retry */
    rc = api_call(api, "GET", rs_buf_cstr(path), NULL, 0, 1, NULL, &resp, err);
    if (rc != RS_OK)
        goto done;
    total = rs_jsonscan_count(data_of(&resp));
    if (total < 0) {
        rc = api_bad_response(err, "GET", rs_buf_cstr(path), "'data' is not an array");
        goto done;
    }
    array = calloc((size_t)total + 1, elem_size);
    if (array == NULL) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    rs_jsonscan_iter_init(&it, data_of(&resp));
    while (rs_jsonscan_iter_next(&it, NULL, &elem) == 1) {
        if (parse(elem, array + n * elem_size) != RS_OK) {
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
            break;
        }
        n++;
    }
    if (rc != RS_OK) {
        while (n > 0)
            fr(array + --n * elem_size);
        free(array);
        array = NULL;
    } else {
        *items = array;
        *count = n;
    }
done:
    rs_http_response_free(&resp);
    return rc;
}

static int delete_named(rs_api *api, rs_buf *path, const api_target *t, rs_err *err) {
    /* DELETE of a named thing is idempotent: a retry after a lost answer finds it gone (404),
     * which is reported, never a second deletion of something else. */
    return call_object(api, "DELETE", path, NULL, 1, t, NULL, NULL, err);
}

/* {"name": ..., "description": ...} plus extra text (may be ""), closing brace included. */
static void name_desc_body(rs_buf *b, const char *name, const char *description,
                           const char *extra) {
    rs_buf_putc(b, '{');
    if (name != NULL) {
        rs_buf_puts(b, "\"name\":");
        rs_buf_json_string(b, name, strlen(name));
    }
    if (description != NULL) {
        rs_buf_puts(b, name ? ",\"description\":" : "\"description\":");
        rs_buf_json_string(b, description, strlen(description));
    }
    rs_buf_puts(b, extra);
    rs_buf_putc(b, '}');
}

/* ------------------------------------------------------------------ workspaces */

void rs_workspace_free(rs_workspace *w) {
    if (w == NULL)
        return;
    free(w->name);
    free(w->description);
    free(w->created_at);
    memset(w, 0, sizeof(*w));
}

void rs_workspace_list_free(rs_workspace *items, size_t count) {
    size_t i;

    for (i = 0; items && i < count; i++)
        rs_workspace_free(&items[i]);
    free(items);
}

static int parse_workspace(rs_jsonscan_span obj, void *out) {
    rs_workspace *w = out;
    int oom = 0;

    w->name = api_get_str(obj, "name", &oom);
    w->description = api_get_str(obj, "description", &oom);
    w->created_at = api_get_str(obj, "created_at", &oom);
    w->collection_count = api_get_int(obj, "collection_count", -1);
    if (oom)
        rs_workspace_free(w);
    return oom ? RS_ENOMEM : RS_OK;
}

static void free_workspace(void *item) {
    rs_workspace_free(item);
}

int rs_api_workspace_create(rs_api *api, const char *ws, const char *description, rs_workspace *out,
                            rs_err *err) {
    rs_buf path = RS_BUF_INIT, body = RS_BUF_INIT;
    api_target t = {"workspace", ws, NULL};
    rs_workspace w;
    int rc;

    memset(&w, 0, sizeof(w));
    rs_buf_puts(&path, "/v1/orgs/self/ws");
    name_desc_body(&body, ws, description, "");
    /* a create is not retried: a lost answer would make the retry fail with ALREADYEXISTS */
    rc = call_object(api, "POST", &path, &body, 0, &t, parse_workspace, &w, err);
    if (rc == RS_OK && out != NULL) {
        rs_workspace_free(out);
        *out = w;
    } else {
        rs_workspace_free(&w);
    }
    rs_buf_free(&path);
    rs_buf_free(&body);
    return rc;
}

int rs_api_workspace_get(rs_api *api, const char *ws, rs_workspace *out, rs_err *err) {
    rs_buf path = RS_BUF_INIT;
    api_target t = {"workspace", ws, NULL};
    rs_workspace w;
    int rc;

    memset(&w, 0, sizeof(w));
    api_ws_path(&path, ws, NULL, NULL);
    rc = call_object(api, "GET", &path, NULL, 1, &t, parse_workspace, &w, err);
    if (rc == RS_OK) {
        rs_workspace_free(out);
        *out = w;
    }
    rs_buf_free(&path);
    return rc;
}

int rs_api_workspace_list(rs_api *api, rs_workspace **items, size_t *count, rs_err *err) {
    rs_buf path = RS_BUF_INIT;
    int rc;

    rs_buf_puts(&path, "/v1/orgs/self/ws");
    rc = call_list(api, &path, sizeof(rs_workspace), parse_workspace, free_workspace,
                   (void **)items, count, err);
    rs_buf_free(&path);
    return rc;
}

int rs_api_workspace_delete(rs_api *api, const char *ws, rs_err *err) {
    rs_buf path = RS_BUF_INIT;
    api_target t = {"workspace", ws, NULL};
    int rc;

    api_ws_path(&path, ws, NULL, NULL);
    rc = delete_named(api, &path, &t, err);
    rs_buf_free(&path);
    return rc;
}

/* Any of the resource structs, so call_into can parse into a temporary first. */
typedef union any_resource {
    rs_workspace workspace;
    rs_collection collection;
    rs_view view;
    rs_alias alias;
    rs_lambda_version lambda_version;
} any_resource;

/* call_object into a temporary; on success free *out (when non-NULL) and move the result in,
 * so `out` changes only on success. */
static int call_into(rs_api *api, const char *method, rs_buf *path, const rs_buf *body,
                     int idempotent, const api_target *t, parse_fn parse, free_fn fr, void *out,
                     size_t size, rs_err *err) {
    any_resource tmp;
    int rc;

    memset(&tmp, 0, sizeof(tmp));
    rc = call_object(api, method, path, body, idempotent, t, parse, &tmp, err);
    if (rc != RS_OK)
        return rc;
    if (out != NULL) {
        fr(out);
        memcpy(out, &tmp, size);
    } else {
        fr(&tmp);
    }
    return RS_OK;
}

/* ------------------------------------------------------------------ collections */

void rs_collection_free(rs_collection *c) {
    if (c == NULL)
        return;
    free(c->name);
    free(c->workspace);
    free(c->status);
    free(c->description);
    free(c->created_at);
    free(c->field_mapping_sql);
    free(c->event_time_info_json);
    memset(c, 0, sizeof(*c));
}

void rs_collection_list_free(rs_collection *items, size_t count) {
    size_t i;

    for (i = 0; items && i < count; i++)
        rs_collection_free(&items[i]);
    free(items);
}

static int parse_collection(rs_jsonscan_span obj, void *out) {
    rs_collection *c = out;
    rs_jsonscan_span fmq;
    int oom = 0;

    c->name = api_get_str(obj, "name", &oom);
    c->workspace = api_get_str(obj, "workspace", &oom);
    c->status = api_get_str(obj, "status", &oom);
    c->description = api_get_str(obj, "description", &oom);
    c->created_at = api_get_str(obj, "created_at", &oom);
    c->doc_count = api_get_int(obj, "stats.doc_count", -1);
    c->bytes_inserted = api_get_int(obj, "stats.bytes_inserted", -1);
    c->total_size = api_get_int(obj, "stats.total_size", -1);
    c->retention_secs = api_get_int(obj, "retention_secs", -1);
    c->event_time_info_json = api_get_raw(obj, "event_time_info", NULL, &oom);
    if (rs_jsonscan_get(obj, "field_mapping_query", &fmq))
        c->field_mapping_sql = api_get_str(fmq, "sql", &oom);
    if (oom)
        rs_collection_free(c);
    return oom ? RS_ENOMEM : RS_OK;
}

static void free_collection(void *item) {
    rs_collection_free(item);
}

int rs_api_collection_create(rs_api *api, const char *ws, const char *name, const char *description,
                             rs_collection *out, rs_err *err) {
    return rs_api_collection_create_with(api, ws, name, description, NULL, out, err);
}

/* The members of a create request that opts sets, each preceded by a comma. */
static int collection_options_json(rs_buf *b, const rs_collection_options *opts, rs_err *err) {
    rs_jsonscan_span eti;

    if (opts == NULL)
        return RS_OK;
    if (opts->field_mapping_sql != NULL) {
        rs_buf_puts(b, ",\"field_mapping_query\":{\"sql\":");
        rs_buf_json_string(b, opts->field_mapping_sql, strlen(opts->field_mapping_sql));
        rs_buf_putc(b, '}');
    }
    if (opts->has_retention_secs)
        rs_buf_printf(b, ",\"retention_secs\":%lld", opts->retention_secs);
    if (opts->event_time_info_json != NULL) {
        eti = rs_jsonscan_cstr(opts->event_time_info_json);
        if (rs_jsonscan_validate(eti.ptr, eti.len, NULL) != RS_OK ||
            rs_jsonscan_classify(eti) != RS_JSON_OBJECT)
            return rs_err_set(err, RS_EINVAL, "rockset: event_time_info must be a JSON object");
        rs_buf_puts(b, ",\"event_time_info\":");
        rs_buf_append(b, rs_jsonscan_trim(eti).ptr, rs_jsonscan_trim(eti).len);
    }
    return b->oom ? rs_err_set(err, RS_ENOMEM, "out of memory") : RS_OK;
}

int rs_api_collection_create_with(rs_api *api, const char *ws, const char *name,
                                  const char *description, const rs_collection_options *opts,
                                  rs_collection *out, rs_err *err) {
    rs_buf path = RS_BUF_INIT, body = RS_BUF_INIT, extra = RS_BUF_INIT;
    api_target t = {"collection", ws, name};
    int rc;

    rc = collection_options_json(&extra, opts, err);
    if (rc == RS_OK) {
        api_ws_path(&path, ws, "collections", NULL);
        name_desc_body(&body, name, description, rs_buf_cstr(&extra));
        /* not retried: a create whose answer was lost would come back as ALREADYEXISTS */
        rc = call_into(api, "POST", &path, &body, 0, &t, parse_collection, free_collection, out,
                       sizeof(*out), err);
    }
    rs_buf_free(&path);
    rs_buf_free(&body);
    rs_buf_free(&extra);
    return rc;
}

int rs_api_collection_get(rs_api *api, const char *ws, const char *name, rs_collection *out,
                          rs_err *err) {
    rs_buf path = RS_BUF_INIT;
    api_target t = {"collection", ws, name};
    int rc;

    api_ws_path(&path, ws, "collections", name);
    rc = call_into(api, "GET", &path, NULL, 1, &t, parse_collection, free_collection, out,
                   sizeof(*out), err);
    rs_buf_free(&path);
    return rc;
}

int rs_api_collection_list(rs_api *api, const char *ws, rs_collection **items, size_t *count,
                           rs_err *err) {
    rs_buf path = RS_BUF_INIT;
    api_target t = {"workspace", ws, NULL};
    int rc;

    if (ws != NULL)
        api_ws_path(&path, ws, "collections", NULL);
    else
        rs_buf_puts(&path, "/v1/orgs/self/collections");
    rc = call_list(api, &path, sizeof(rs_collection), parse_collection, free_collection,
                   (void **)items, count, err);
    if (rc == RS_ENOTFOUND && ws != NULL && err != NULL)
        reword_error(&t, NULL, err);
    rs_buf_free(&path);
    return rc;
}

int rs_api_collection_delete(rs_api *api, const char *ws, const char *name, rs_err *err) {
    rs_buf path = RS_BUF_INIT;
    api_target t = {"collection", ws, name};
    int rc;

    api_ws_path(&path, ws, "collections", name);
    rc = delete_named(api, &path, &t, err);
    rs_buf_free(&path);
    return rc;
}

int rs_api_collection_wait_ready(rs_api *api, const char *ws, const char *name, long timeout_ms,
                                 rs_collection *out, rs_err *err) {
    long long deadline = api_now_ms() + timeout_ms;
    long delay = 10;
    rs_collection c;
    int rc;

    memset(&c, 0, sizeof(c));
    for (;;) {
        rc = rs_api_collection_get(api, ws, name, &c, err);
        if (rc != RS_OK)
            break;
        if (c.status != NULL && strcmp(c.status, "READY") == 0)
            break;
        if (api_now_ms() + delay > deadline) {
            rc = rs_err_set(err, RS_ETIMEOUT,
                            "rockset: collection '%s.%s' is not READY after %ld ms (status %s)", ws,
                            name, timeout_ms, c.status ? c.status : "unknown");
            break;
        }
        rc = rs_http_sleep_ms(api->http, delay, err);
        if (rc != RS_OK)
            break;
        delay = api_next_delay(delay);
    }
    if (rc == RS_OK && out != NULL) {
        rs_collection_free(out);
        *out = c;
    } else {
        rs_collection_free(&c);
    }
    return rc;
}

int rs_api_collection_wait_gone(rs_api *api, const char *ws, const char *name, long timeout_ms,
                                rs_err *err) {
    long long deadline = api_now_ms() + timeout_ms;
    long delay = 10;
    rs_collection c;
    rs_err probe;
    int rc;

    memset(&c, 0, sizeof(c));
    for (;;) {
        rs_err_clear(&probe);
        rc = rs_api_collection_get(api, ws, name, &c, &probe);
        if (rc == RS_ENOTFOUND)
            return RS_OK;
        if (rc != RS_OK) {
            if (err != NULL)
                *err = probe;
            return rc;
        }
        if (api_now_ms() + delay > deadline) {
            rc = rs_err_set(err, RS_ETIMEOUT,
                            "rockset: collection '%s.%s' still exists after %ld ms (status %s)", ws,
                            name, timeout_ms, c.status ? c.status : "unknown");
            rs_collection_free(&c);
            return rc;
        }
        rs_collection_free(&c);
        rc = rs_http_sleep_ms(api->http, delay, err);
        if (rc != RS_OK)
            return rc;
        delay = api_next_delay(delay);
    }
}

/* ------------------------------------------------------------------ documents */

void rs_write_result_free(rs_write_result *r) {
    size_t i;

    if (r == NULL)
        return;
    for (i = 0; r->docs && i < r->count; i++) {
        free(r->docs[i].id);
        free(r->docs[i].status);
        free(r->docs[i].error_message);
    }
    free(r->docs);
    free(r->last_offset);
    memset(r, 0, sizeof(*r));
}

static int parse_write_result(rs_jsonscan_span body, rs_write_result *r) {
    rs_jsonscan_span data, elem, error;
    rs_jsonscan_iter it;
    long n;
    int oom = 0;

    memset(r, 0, sizeof(*r));
    r->last_offset = api_get_str(body, "last_offset", &oom);
    n = rs_jsonscan_get(body, "data", &data) ? rs_jsonscan_count(data) : -1;
    if (n < 0)
        return oom ? RS_ENOMEM : RS_OK;
    r->docs = calloc((size_t)n + 1, sizeof(*r->docs));
    if (r->docs == NULL)
        return RS_ENOMEM;
    rs_jsonscan_iter_init(&it, data);
    while (rs_jsonscan_iter_next(&it, NULL, &elem) == 1) {
        rs_doc_status *d = &r->docs[r->count++];
        d->id = api_get_str(elem, "_id", &oom);
        d->status = api_get_str(elem, "status", &oom);
        if (rs_jsonscan_get(elem, "error", &error) && rs_jsonscan_classify(error) == RS_JSON_OBJECT)
            d->error_message = api_get_str(error, "message", &oom);
        if ((d->status != NULL && strcmp(d->status, "ERROR") == 0) || d->error_message != NULL)
            r->n_errors++;
    }
    return oom ? RS_ENOMEM : RS_OK;
}

/* Whether every document of the array has an _id (not null): then a repeat of the batch
 * replaces the same documents, and sending it again after a lost answer is safe. */
static int all_docs_named(const char *docs, size_t docs_len) {
    rs_jsonscan_span arr = {docs, docs_len}, item, id;
    rs_jsonscan_iter it;
    int more;

    if (rs_jsonscan_iter_init(&it, arr) != RS_OK)
        return 0;
    while ((more = rs_jsonscan_iter_next(&it, NULL, &item)) == 1) {
        if (!rs_jsonscan_get(item, "_id", &id) || rs_jsonscan_classify(id) == RS_JSON_NULL)
            return 0;
    }
    return more == 0;
}

/* Whether a JSON-patch path ends in an array position ("-" or digits): "add" there inserts,
 * so doing it twice inserts twice. */
static int path_ends_in_index(rs_jsonscan_span path_literal) {
    const char *p = path_literal.ptr, *end = p + path_literal.len, *last;

    if (path_literal.len < 2 || *p != '"')
        return 1;
    end--; /* the closing quote */
    for (last = end; last > p && last[-1] != '/'; last--) {
    }
    if (last == end)
        return 1; /* empty segment: be safe */
    if (end - last == 1 && *last == '-')
        return 1;
    for (; last < end; last++) {
        if (*last < '0' || *last > '9')
            return 0;
    }
    return 1;
}

/* Whether the string literal `literal` (quotes included, no escapes) is `word`, in any case:
 * Rockset takes patch ops case-insensitively. */
static int op_is(rs_jsonscan_span literal, const char *word) {
    size_t n = strlen(word);

    return literal.len == n + 2 && literal.ptr[0] == '"' &&
           strncasecmp(literal.ptr + 1, word, n) == 0;
}

/* Whether doing every patch twice ends as doing it once: each op sets a value ("add" to an
 * object member, or "replace"). remove, move, copy, test, increment and array inserts are not. */
static int patches_idempotent(const char *patches, size_t len) {
    rs_jsonscan_span arr = {patches, len}, item, ops, op, kind, path;
    rs_jsonscan_iter it, oi;
    int more, more_ops;

    if (rs_jsonscan_iter_init(&it, arr) != RS_OK)
        return 0;
    while ((more = rs_jsonscan_iter_next(&it, NULL, &item)) == 1) {
        if (!rs_jsonscan_get(item, "patch", &ops) || rs_jsonscan_iter_init(&oi, ops) != RS_OK)
            return 0;
        while ((more_ops = rs_jsonscan_iter_next(&oi, NULL, &op)) == 1) {
            if (!rs_jsonscan_get(op, "op", &kind) || !rs_jsonscan_get(op, "path", &path))
                return 0;
            if (op_is(kind, "replace"))
                continue;
            if (!op_is(kind, "add") || path_ends_in_index(path))
                return 0;
        }
        if (more_ops != 0)
            return 0;
    }
    return more == 0;
}

/* Send a document write; `docs` is the raw JSON array that goes under "data". idempotent: the
 * batch ends the same when applied twice, so a lost answer may be retried (see api.h). */
static int docs_write(rs_api *api, const char *method, const char *ws, const char *coll,
                      const char *docs, size_t docs_len, int idempotent, rs_write_result *out,
                      rs_err *err) {
    rs_buf path = RS_BUF_INIT, body = RS_BUF_INIT;
    api_target t = {"collection", ws, coll};
    rs_http_response resp;
    rs_write_result result;
    int rc;

    rs_http_response_init(&resp);
    memset(&result, 0, sizeof(result));
    api_ws_path(&path, ws, "collections", coll);
    rs_buf_puts(&path, "/docs");
    rs_buf_puts(&body, "{\"data\":");
    rs_buf_append(&body, docs, docs_len);
    rs_buf_putc(&body, '}');
    if (path.oom || body.oom) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    /* Only batches that cannot apply twice are retried after a lost answer (see api.h). */
    rc = api_call(api, method, rs_buf_cstr(&path), rs_buf_cstr(&body), body.len, idempotent, &t,
                  &resp, err);
    if (rc != RS_OK)
        goto done;
    if (parse_write_result(api_body(&resp), &result) != RS_OK) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    if (out != NULL) {
        rs_write_result_free(out);
        *out = result;
        memset(&result, 0, sizeof(result));
    }
done:
    rs_write_result_free(&result);
    rs_http_response_free(&resp);
    rs_buf_free(&path);
    rs_buf_free(&body);
    return rc;
}

int rs_api_docs_add_retryable(const char *docs_json, size_t docs_len) {
    return all_docs_named(docs_json, docs_len);
}

int rs_api_docs_add(rs_api *api, const char *ws, const char *coll, const char *docs_json,
                    size_t docs_len, rs_write_result *out, rs_err *err) {
    return docs_write(api, "POST", ws, coll, docs_json, docs_len,
                      all_docs_named(docs_json, docs_len), out, err);
}

int rs_api_docs_patch(rs_api *api, const char *ws, const char *coll, const char *patches_json,
                      size_t patches_len, rs_write_result *out, rs_err *err) {
    return docs_write(api, "PATCH", ws, coll, patches_json, patches_len,
                      patches_idempotent(patches_json, patches_len), out, err);
}

int rs_api_docs_delete(rs_api *api, const char *ws, const char *coll, const char *const *ids,
                       size_t n_ids, rs_write_result *out, rs_err *err) {
    rs_buf docs = RS_BUF_INIT;
    size_t i;
    int rc;

    rs_buf_putc(&docs, '[');
    for (i = 0; i < n_ids; i++) {
        rs_buf_puts(&docs, i ? ",{\"_id\":" : "{\"_id\":");
        rs_buf_json_string(&docs, ids[i], strlen(ids[i]));
        rs_buf_putc(&docs, '}');
    }
    rs_buf_putc(&docs, ']');
    if (docs.oom)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    else
        rc = docs_write(api, "DELETE", ws, coll, rs_buf_cstr(&docs), docs.len, 1, out, err);
    rs_buf_free(&docs);
    return rc;
}

/* ------------------------------------------------------------------ commit fences */

int rs_api_fence_check(rs_api *api, const char *ws, const char *coll, const char *offset,
                       int *passed, rs_err *err) {
    rs_buf path = RS_BUF_INIT, body = RS_BUF_INIT;
    api_target t = {"collection", ws, coll};
    rs_http_response resp;
    rs_jsonscan_span data, flag;
    int rc;

    rs_http_response_init(&resp);
    api_ws_path(&path, ws, "collections", coll);
    rs_buf_puts(&path, "/offsets/commit");
    rs_buf_puts(&body, "{\"name\":[");
    rs_buf_json_string(&body, offset, strlen(offset));
    rs_buf_puts(&body, "]}");
    if (path.oom || body.oom) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    /* a POST, but only a read of the commit position: safe to retry */
    rc = api_call(api, "POST", rs_buf_cstr(&path), rs_buf_cstr(&body), body.len, 1, &t, &resp, err);
    if (rc != RS_OK)
        goto done;
    data = data_of(&resp);
    if (!rs_jsonscan_get(data, "passed", &flag)) {
        rc = api_bad_response(err, "POST", rs_buf_cstr(&path), "no 'data.passed'");
        goto done;
    }
    *passed = rs_jsonscan_classify(flag) == RS_JSON_TRUE;
done:
    rs_http_response_free(&resp);
    rs_buf_free(&path);
    rs_buf_free(&body);
    return rc;
}

int rs_api_fence_wait(rs_api *api, const char *ws, const char *coll, const char *offset,
                      long timeout_ms, rs_err *err) {
    long long deadline = api_now_ms() + timeout_ms;
    long delay = 10;
    int passed = 0, rc;

    if (offset == NULL || offset[0] == '\0')
        return RS_OK;
    for (;;) {
        rc = rs_api_fence_check(api, ws, coll, offset, &passed, err);
        if (rc != RS_OK || passed)
            return rc;
        if (api_now_ms() + delay > deadline)
            return rs_err_set(err, RS_ETIMEOUT,
                              "rockset: commit fence %s of collection '%s.%s' not passed after "
                              "%ld ms",
                              offset, ws, coll, timeout_ms);
        rc = rs_http_sleep_ms(api->http, delay, err);
        if (rc != RS_OK)
            return rc;
        delay = api_next_delay(delay);
    }
}

/* ------------------------------------------------------------------ views */

void rs_view_free(rs_view *v) {
    if (v == NULL)
        return;
    free(v->name);
    free(v->workspace);
    free(v->description);
    free(v->query_sql);
    free(v->state);
    free(v->entities_json);
    free(v->created_at);
    free(v->modified_at);
    memset(v, 0, sizeof(*v));
}

void rs_view_list_free(rs_view *items, size_t count) {
    size_t i;

    for (i = 0; items && i < count; i++)
        rs_view_free(&items[i]);
    free(items);
}

static int parse_view(rs_jsonscan_span obj, void *out) {
    rs_view *v = out;
    int oom = 0;

    v->name = api_get_str(obj, "name", &oom);
    v->workspace = api_get_str(obj, "workspace", &oom);
    v->description = api_get_str(obj, "description", &oom);
    v->query_sql = api_get_str(obj, "query_sql", &oom);
    v->state = api_get_str(obj, "state", &oom);
    v->entities_json = api_get_raw(obj, "entities", "[]", &oom);
    v->created_at = api_get_str(obj, "created_at", &oom);
    v->modified_at = api_get_str(obj, "modified_at", &oom);
    if (oom)
        rs_view_free(v);
    return oom ? RS_ENOMEM : RS_OK;
}

static void free_view(void *item) {
    rs_view_free(item);
}

/* {"query": ..., "description": ...} after an optional name. */
static void view_body(rs_buf *b, const char *name, const char *query, const char *description) {
    rs_buf extra = RS_BUF_INIT;

    rs_buf_puts(&extra, name || description ? ",\"query\":" : "\"query\":");
    rs_buf_json_string(&extra, query, strlen(query));
    if (extra.oom)
        b->oom = 1;
    name_desc_body(b, name, description, rs_buf_cstr(&extra));
    rs_buf_free(&extra);
}

int rs_api_view_create(rs_api *api, const char *ws, const char *name, const char *query,
                       const char *description, rs_view *out, rs_err *err) {
    rs_buf path = RS_BUF_INIT, body = RS_BUF_INIT;
    api_target t = {"view", ws, name};
    int rc;

    api_ws_path(&path, ws, "views", NULL);
    view_body(&body, name, query, description);
    /* a create is not retried (ALREADYEXISTS on a lost answer) */
    rc = call_into(api, "POST", &path, &body, 0, &t, parse_view, free_view, out, sizeof(*out), err);
    rs_buf_free(&path);
    rs_buf_free(&body);
    return rc;
}

int rs_api_view_update(rs_api *api, const char *ws, const char *name, const char *query,
                       const char *description, rs_view *out, rs_err *err) {
    rs_buf path = RS_BUF_INIT, body = RS_BUF_INIT;
    api_target t = {"view", ws, name};
    int rc;

    api_ws_path(&path, ws, "views", name);
    view_body(&body, NULL, query, description);
    /* setting the same query twice gives the same view, but an update restarts SYNCING; keep
     * the rule simple: updates are not retried */
    rc = call_into(api, "POST", &path, &body, 0, &t, parse_view, free_view, out, sizeof(*out), err);
    rs_buf_free(&path);
    rs_buf_free(&body);
    return rc;
}

int rs_api_view_get(rs_api *api, const char *ws, const char *name, rs_view *out, rs_err *err) {
    rs_buf path = RS_BUF_INIT;
    api_target t = {"view", ws, name};
    int rc;

    api_ws_path(&path, ws, "views", name);
    rc = call_into(api, "GET", &path, NULL, 1, &t, parse_view, free_view, out, sizeof(*out), err);
    rs_buf_free(&path);
    return rc;
}

int rs_api_view_list(rs_api *api, const char *ws, rs_view **items, size_t *count, rs_err *err) {
    rs_buf path = RS_BUF_INIT;
    api_target t = {"workspace", ws, NULL};
    int rc;

    if (ws != NULL)
        api_ws_path(&path, ws, "views", NULL);
    else
        rs_buf_puts(&path, "/v1/orgs/self/views");
    rc = call_list(api, &path, sizeof(rs_view), parse_view, free_view, (void **)items, count, err);
    if (rc == RS_ENOTFOUND && ws != NULL && err != NULL)
        reword_error(&t, NULL, err);
    rs_buf_free(&path);
    return rc;
}

int rs_api_view_delete(rs_api *api, const char *ws, const char *name, rs_err *err) {
    rs_buf path = RS_BUF_INIT;
    api_target t = {"view", ws, name};
    int rc;

    api_ws_path(&path, ws, "views", name);
    rc = delete_named(api, &path, &t, err);
    rs_buf_free(&path);
    return rc;
}

int rs_api_view_wait_synced(rs_api *api, const char *ws, const char *name, long timeout_ms,
                            rs_err *err) {
    long long deadline = api_now_ms() + timeout_ms;
    long delay = 10;
    rs_view v;
    int rc, syncing;

    memset(&v, 0, sizeof(v));
    for (;;) {
        rc = rs_api_view_get(api, ws, name, &v, err);
        if (rc != RS_OK)
            return rc;
        syncing = v.state && strcmp(v.state, "SYNCING") == 0;
        rs_view_free(&v);
        if (!syncing)
            return RS_OK;
        if (api_now_ms() + delay > deadline)
            return rs_err_set(err, RS_ETIMEOUT,
                              "rockset: view '%s.%s' is still SYNCING after %ld ms", ws, name,
                              timeout_ms);
        rc = rs_http_sleep_ms(api->http, delay, err);
        if (rc != RS_OK)
            return rc;
        delay = api_next_delay(delay);
    }
}

/* ------------------------------------------------------------------ aliases */

void rs_alias_free(rs_alias *a) {
    if (a == NULL)
        return;
    free(a->name);
    free(a->workspace);
    free(a->description);
    free(a->collections_json);
    free(a->state);
    free(a->created_at);
    free(a->modified_at);
    memset(a, 0, sizeof(*a));
}

void rs_alias_list_free(rs_alias *items, size_t count) {
    size_t i;

    for (i = 0; items && i < count; i++)
        rs_alias_free(&items[i]);
    free(items);
}

static int parse_alias(rs_jsonscan_span obj, void *out) {
    rs_alias *a = out;
    int oom = 0;

    a->name = api_get_str(obj, "name", &oom);
    a->workspace = api_get_str(obj, "workspace", &oom);
    a->description = api_get_str(obj, "description", &oom);
    a->collections_json = api_get_raw(obj, "collections", "[]", &oom);
    a->state = api_get_str(obj, "state", &oom);
    a->created_at = api_get_str(obj, "created_at", &oom);
    a->modified_at = api_get_str(obj, "modified_at", &oom);
    if (oom)
        rs_alias_free(a);
    return oom ? RS_ENOMEM : RS_OK;
}

static void free_alias(void *item) {
    rs_alias_free(item);
}

static void alias_body(rs_buf *b, const char *name, const char *const *collections, size_t n,
                       const char *description) {
    rs_buf extra = RS_BUF_INIT;
    size_t i;

    rs_buf_puts(&extra, name || description ? ",\"collections\":[" : "\"collections\":[");
    for (i = 0; i < n; i++) {
        if (i)
            rs_buf_putc(&extra, ',');
        rs_buf_json_string(&extra, collections[i], strlen(collections[i]));
    }
    rs_buf_putc(&extra, ']');
    if (extra.oom)
        b->oom = 1;
    name_desc_body(b, name, description, rs_buf_cstr(&extra));
    rs_buf_free(&extra);
}

int rs_api_alias_create(rs_api *api, const char *ws, const char *name,
                        const char *const *collections, size_t n, const char *description,
                        rs_alias *out, rs_err *err) {
    rs_buf path = RS_BUF_INIT, body = RS_BUF_INIT;
    api_target t = {"alias", ws, name};
    int rc;

    api_ws_path(&path, ws, "aliases", NULL);
    alias_body(&body, name, collections, n, description);
    /* a create is not retried (ALREADYEXISTS on a lost answer) */
    rc = call_into(api, "POST", &path, &body, 0, &t, parse_alias, free_alias, out, sizeof(*out),
                   err);
    rs_buf_free(&path);
    rs_buf_free(&body);
    return rc;
}

int rs_api_alias_update(rs_api *api, const char *ws, const char *name,
                        const char *const *collections, size_t n, const char *description,
                        rs_alias *out, rs_err *err) {
    rs_buf path = RS_BUF_INIT, body = RS_BUF_INIT;
    api_target t = {"alias", ws, name};
    int rc;

    api_ws_path(&path, ws, "aliases", name);
    alias_body(&body, NULL, collections, n, description);
    /* pointing an alias at the same collections twice is harmless: safe to retry */
    rc = call_into(api, "POST", &path, &body, 1, &t, parse_alias, free_alias, out, sizeof(*out),
                   err);
    rs_buf_free(&path);
    rs_buf_free(&body);
    return rc;
}

int rs_api_alias_get(rs_api *api, const char *ws, const char *name, rs_alias *out, rs_err *err) {
    rs_buf path = RS_BUF_INIT;
    api_target t = {"alias", ws, name};
    int rc;

    api_ws_path(&path, ws, "aliases", name);
    rc = call_into(api, "GET", &path, NULL, 1, &t, parse_alias, free_alias, out, sizeof(*out), err);
    rs_buf_free(&path);
    return rc;
}

int rs_api_alias_list(rs_api *api, const char *ws, rs_alias **items, size_t *count, rs_err *err) {
    rs_buf path = RS_BUF_INIT;
    api_target t = {"workspace", ws, NULL};
    int rc;

    if (ws != NULL)
        api_ws_path(&path, ws, "aliases", NULL);
    else
        rs_buf_puts(&path, "/v1/orgs/self/aliases");
    rc = call_list(api, &path, sizeof(rs_alias), parse_alias, free_alias, (void **)items, count,
                   err);
    if (rc == RS_ENOTFOUND && ws != NULL && err != NULL)
        reword_error(&t, NULL, err);
    rs_buf_free(&path);
    return rc;
}

int rs_api_alias_delete(rs_api *api, const char *ws, const char *name, rs_err *err) {
    rs_buf path = RS_BUF_INIT;
    api_target t = {"alias", ws, name};
    int rc;

    api_ws_path(&path, ws, "aliases", name);
    rc = delete_named(api, &path, &t, err);
    rs_buf_free(&path);
    return rc;
}

/* ------------------------------------------------------------------ query lambdas */

void rs_lambda_version_free(rs_lambda_version *v) {
    if (v == NULL)
        return;
    free(v->name);
    free(v->workspace);
    free(v->version);
    free(v->description);
    free(v->sql);
    free(v->default_parameters_json);
    free(v->state);
    free(v->created_at);
    memset(v, 0, sizeof(*v));
}

void rs_lambda_free(rs_lambda *l) {
    if (l == NULL)
        return;
    free(l->name);
    free(l->workspace);
    free(l->last_updated);
    rs_lambda_version_free(&l->latest);
    memset(l, 0, sizeof(*l));
}

void rs_lambda_list_free(rs_lambda *items, size_t count) {
    size_t i;

    for (i = 0; items && i < count; i++)
        rs_lambda_free(&items[i]);
    free(items);
}

static int parse_lambda_version(rs_jsonscan_span obj, void *out) {
    rs_lambda_version *v = out;
    rs_jsonscan_span sql;
    int oom = 0;

    v->name = api_get_str(obj, "name", &oom);
    v->workspace = api_get_str(obj, "workspace", &oom);
    v->version = api_get_str(obj, "version", &oom);
    v->description = api_get_str(obj, "description", &oom);
    v->state = api_get_str(obj, "state", &oom);
    v->created_at = api_get_str(obj, "created_at", &oom);
    if (rs_jsonscan_get(obj, "sql", &sql)) {
        v->sql = api_get_str(sql, "query", &oom);
        v->default_parameters_json = api_get_raw(sql, "default_parameters", "[]", &oom);
    } else {
        v->default_parameters_json = api_get_raw(obj, "no such member", "[]", &oom);
    }
    if (oom)
        rs_lambda_version_free(v);
    return oom ? RS_ENOMEM : RS_OK;
}

static void free_lambda_version(void *item) {
    rs_lambda_version_free(item);
}

/* A tag answer is {"tag_name": ..., "version": <QueryLambdaVersion>}. */
static int parse_tag(rs_jsonscan_span obj, void *out) {
    rs_jsonscan_span version;

    if (!rs_jsonscan_get(obj, "version", &version) ||
        rs_jsonscan_classify(version) != RS_JSON_OBJECT)
        return parse_lambda_version(rs_jsonscan_cstr("{}"), out);
    return parse_lambda_version(version, out);
}

static int parse_lambda(rs_jsonscan_span obj, void *out) {
    rs_lambda *l = out;
    rs_jsonscan_span latest;
    int oom = 0;

    l->name = api_get_str(obj, "name", &oom);
    l->workspace = api_get_str(obj, "workspace", &oom);
    l->last_updated = api_get_str(obj, "last_updated", &oom);
    l->version_count = api_get_int(obj, "version_count", -1);
    if (!rs_jsonscan_get(obj, "latest_version", &latest) ||
        rs_jsonscan_classify(latest) != RS_JSON_OBJECT)
        latest = rs_jsonscan_cstr("{}");
    if (oom || parse_lambda_version(latest, &l->latest) != RS_OK) {
        rs_lambda_free(l);
        return RS_ENOMEM;
    }
    return RS_OK;
}

static void free_lambda(void *item) {
    rs_lambda_free(item);
}

/* {"name":..,"description":..,"sql":{"query":..,"default_parameters":[..]}} */
static void lambda_body(rs_buf *b, const char *name, const char *sql, const char *params_json,
                        const char *description) {
    rs_buf extra = RS_BUF_INIT;

    rs_buf_puts(&extra, name || description ? ",\"sql\":{\"query\":" : "\"sql\":{\"query\":");
    rs_buf_json_string(&extra, sql, strlen(sql));
    rs_buf_puts(&extra, ",\"default_parameters\":");
    rs_buf_puts(&extra, params_json && params_json[0] ? params_json : "[]");
    rs_buf_putc(&extra, '}');
    if (name != NULL)
        rs_buf_puts(&extra, ",\"is_public\":false");
    if (extra.oom)
        b->oom = 1;
    name_desc_body(b, name, description, rs_buf_cstr(&extra));
    rs_buf_free(&extra);
}

int rs_api_lambda_create(rs_api *api, const char *ws, const char *name, const char *sql,
                         const char *default_params_json, const char *description,
                         rs_lambda_version *out, rs_err *err) {
    rs_buf path = RS_BUF_INIT, body = RS_BUF_INIT;
    api_target t = {"query lambda", ws, name};
    int rc;

    api_ws_path(&path, ws, "lambdas", NULL);
    lambda_body(&body, name, sql, default_params_json, description);
    /* a create is not retried (ALREADYEXISTS on a lost answer) */
    rc = call_into(api, "POST", &path, &body, 0, &t, parse_lambda_version, free_lambda_version, out,
                   sizeof(*out), err);
    rs_buf_free(&path);
    rs_buf_free(&body);
    return rc;
}

int rs_api_lambda_update(rs_api *api, const char *ws, const char *name, const char *sql,
                         const char *default_params_json, const char *description,
                         rs_lambda_version *out, rs_err *err) {
    rs_buf path = RS_BUF_INIT, body = RS_BUF_INIT;
    api_target t = {"query lambda", ws, name};
    int rc;

    api_ws_path(&path, ws, "lambdas", name);
    rs_buf_puts(&path, "/versions");
    lambda_body(&body, NULL, sql, default_params_json, description);
    /* each call makes a new version: not retried */
    rc = call_into(api, "POST", &path, &body, 0, &t, parse_lambda_version, free_lambda_version, out,
                   sizeof(*out), err);
    rs_buf_free(&path);
    rs_buf_free(&body);
    return rc;
}

int rs_api_lambda_tag_get(rs_api *api, const char *ws, const char *name, const char *tag,
                          rs_lambda_version *out, rs_err *err) {
    rs_buf path = RS_BUF_INIT, label = RS_BUF_INIT;
    api_target t = {"query lambda tag", ws, NULL};
    int rc;

    rs_buf_printf(&label, "%s:%s", name, tag);
    t.name = rs_buf_cstr(&label);
    api_ws_path(&path, ws, "lambdas", name);
    rs_buf_puts(&path, "/tags/");
    api_escape(&path, tag);
    rc = call_into(api, "GET", &path, NULL, 1, &t, parse_tag, free_lambda_version, out,
                   sizeof(*out), err);
    rs_buf_free(&path);
    rs_buf_free(&label);
    return rc;
}

int rs_api_lambda_get(rs_api *api, const char *ws, const char *name, rs_lambda_version *out,
                      rs_err *err) {
    int rc = rs_api_lambda_tag_get(api, ws, name, "latest", out, err);

    if (rc == RS_ENOTFOUND && err != NULL &&
        strncmp(err->msg, "rockset: query lambda tag", 25) == 0)
        snprintf(err->msg, sizeof(err->msg), "rockset: query lambda '%s.%s' not found (%s)", ws,
                 name, err->type[0] ? err->type : "NOTFOUND");
    return rc;
}

int rs_api_lambda_list(rs_api *api, const char *ws, rs_lambda **items, size_t *count, rs_err *err) {
    rs_buf path = RS_BUF_INIT;
    api_target t = {"workspace", ws, NULL};
    int rc;

    if (ws != NULL)
        api_ws_path(&path, ws, "lambdas", NULL);
    else
        rs_buf_puts(&path, "/v1/orgs/self/lambdas");
    rc = call_list(api, &path, sizeof(rs_lambda), parse_lambda, free_lambda, (void **)items, count,
                   err);
    if (rc == RS_ENOTFOUND && ws != NULL && err != NULL)
        reword_error(&t, NULL, err);
    rs_buf_free(&path);
    return rc;
}

int rs_api_lambda_delete(rs_api *api, const char *ws, const char *name, rs_err *err) {
    rs_buf path = RS_BUF_INIT;
    api_target t = {"query lambda", ws, name};
    int rc;

    api_ws_path(&path, ws, "lambdas", name);
    rc = delete_named(api, &path, &t, err);
    rs_buf_free(&path);
    return rc;
}

int rs_api_lambda_tag_set(rs_api *api, const char *ws, const char *name, const char *tag,
                          const char *version, rs_err *err) {
    rs_buf path = RS_BUF_INIT, body = RS_BUF_INIT;
    api_target t = {"query lambda", ws, name};
    int rc;

    api_ws_path(&path, ws, "lambdas", name);
    rs_buf_puts(&path, "/tags");
    rs_buf_puts(&body, "{\"tag_name\":");
    rs_buf_json_string(&body, tag, strlen(tag));
    rs_buf_puts(&body, ",\"version\":");
    rs_buf_json_string(&body, version, strlen(version));
    rs_buf_putc(&body, '}');
    /* setting a tag to a version is idempotent: safe to retry */
    rc = call_object(api, "POST", &path, &body, 1, &t, NULL, NULL, err);
    rs_buf_free(&path);
    rs_buf_free(&body);
    return rc;
}
