/* reply.c - response envelopes and the ErrorModel (see server.h). */
#include "server.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

sqlite3 *rl_req_db(rl_req *rq) {
    rs_err err = {0};
    if (rq->db == NULL) {
        rq->db = rl_store_acquire(rq->srv->store, &err);
        if (rq->db == NULL)
            rl_reply_error(rq, 500, "INTERNALERROR", NULL, "%s", err.msg);
    }
    return rq->db;
}

const char *rl_req_arg(rl_req *rq, const char *name) {
    return rq->query_arg ? rq->query_arg(rq->conn, name) : NULL;
}

void rl_reply_raw(rl_req *rq, int status, const char *json) {
    rs_buf_reset(&rq->out);
    rq->status = status;
    rs_buf_puts(&rq->out, json);
}

void rl_reply_data(rl_req *rq, const char *json) {
    if (json == NULL) {
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "internal error building the response");
        return;
    }
    rs_buf_reset(&rq->out);
    rq->status = 200;
    rs_buf_puts(&rq->out, "{\"data\":");
    rs_buf_puts(&rq->out, json);
    rs_buf_putc(&rq->out, '}');
}

static void put_str_or_null(rs_buf *b, const char *s) {
    if (s != NULL)
        rs_buf_json_string(b, s, strlen(s));
    else
        rs_buf_puts(b, "null");
}

int rl_error_json(rs_buf *b, const char *type, const char *key, int line, int column,
                  const char *query_id, const char *message) {
    char trace[37];
    rl_uuid(trace);
    rs_buf_puts(b, "{\"message\":");
    put_str_or_null(b, message);
    rs_buf_puts(b, ",\"message_key\":");
    put_str_or_null(b, key);
    rs_buf_puts(b, ",\"type\":");
    put_str_or_null(b, type);
    if (line > 0)
        rs_buf_printf(b, ",\"line\":%d", line);
    else
        rs_buf_puts(b, ",\"line\":null");
    if (column > 0)
        rs_buf_printf(b, ",\"column\":%d", column);
    else
        rs_buf_puts(b, ",\"column\":null");
    rs_buf_printf(b, ",\"trace_id\":\"%s\",\"error_id\":null,\"query_id\":", trace);
    put_str_or_null(b, query_id);
    rs_buf_puts(b, ",\"internal_errors\":null}");
    return b->oom ? RS_ENOMEM : RS_OK;
}

void rl_reply_error_at(rl_req *rq, int status, const char *type, int line, int column,
                       const char *query_id, const char *message) {
    rs_buf_reset(&rq->out);
    rq->status = status;
    rl_error_json(&rq->out, type, NULL, line, column, query_id, message);
}

void rl_reply_error(rl_req *rq, int status, const char *type, const char *key, const char *fmt,
                    ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rs_buf_reset(&rq->out);
    rq->status = status;
    rl_error_json(&rq->out, type, key, 0, 0, NULL, msg);
}

void rl_reply_err(rl_req *rq, const rs_err *err) {
    switch (err->code) {
    case RS_ENOTFOUND:
        rl_reply_error(rq, 404, "NOTFOUND", NULL, "%s", err->msg);
        break;
    case RS_EEXISTS:
        rl_reply_error(rq, 409, "ALREADYEXISTS", NULL, "%s", err->msg);
        break;
    case RS_EINVAL:
    case RS_EUNSUPPORTED:
        rl_reply_error(rq, 400, err->type[0] ? err->type : "INVALIDINPUT", NULL, "%s", err->msg);
        break;
    default:
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "%s", err->msg);
        break;
    }
}

void rl_reply_query_err(rl_req *rq, const rs_err *err) {
    if (err->code == RS_EHTTP && err->http_status == 403)
        rl_reply_error(rq, 403, "FORBIDDEN", NULL, "%s", err->msg);
    else
        rl_reply_error_at(rq, err->code == RS_ENOMEM ? 500 : 400, "QUERY_ERROR", err->line,
                          err->column, NULL, err->msg);
}

const char *rl_json_str(const cJSON *obj, const char *key) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(item) && item->valuestring ? item->valuestring : NULL;
}

int rl_json_has(const cJSON *obj, const char *key) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return item != NULL && !cJSON_IsNull(item);
}

int rl_require_object(rl_req *rq) {
    if (cJSON_IsObject(rq->json))
        return 1;
    rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "request body must be a JSON object");
    return 0;
}
