/*
 * params.c - query parameters to SQLite values (see params.h).
 */
#include "params.h"
#include "datetime.h"
#include "value.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int bind_rc(int rc, const char *name, rs_err *err) {
    if (rc == SQLITE_OK)
        return 0;
    if (rc == SQLITE_NOMEM)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    return rs_err_set(err, RS_EINVAL, "parameter '%s': cannot bind (sqlite code %d)", name, rc);
}

static int bind_value(sqlite3_stmt *stmt, int idx, const char *name, const rv *v, rs_err *err) {
    rs_buf blob = RS_BUF_INIT;
    int rc;
    switch (v->type) {
    case RV_UNDEFINED:
        rc = sqlite3_bind_null(stmt, idx);
        break;
    case RV_NULL:
        rc = sqlite3_bind_blob(stmt, idx, "null", 4, SQLITE_STATIC);
        break;
    case RV_BOOL:
        rc = sqlite3_bind_blob(stmt, idx, v->i ? "true" : "false", v->i ? 4 : 5, SQLITE_STATIC);
        break;
    case RV_INT:
        rc = sqlite3_bind_int64(stmt, idx, v->i);
        break;
    case RV_FLOAT:
        rc = sqlite3_bind_double(stmt, idx, v->f);
        break;
    case RV_STRING:
        rc = sqlite3_bind_text(stmt, idx, v->s, (int)v->len, SQLITE_TRANSIENT);
        break;
    case RV_ARRAY:
    case RV_OBJECT:
        rc = sqlite3_bind_blob(stmt, idx, v->s, (int)v->len, SQLITE_TRANSIENT);
        break;
    default:
        rc = rv_encode_blob(&blob, v) != 0
                 ? SQLITE_NOMEM
                 : sqlite3_bind_blob(stmt, idx, blob.data, (int)blob.len, SQLITE_TRANSIENT);
        break;
    }
    rs_buf_free(&blob);
    return bind_rc(rc, name, err);
}

static int bad(const char *name, const char *value, const char *type, rs_err *err) {
    return rs_err_set(err, RS_EINVAL, "parameter '%s': '%s' is not a valid %s", name, value, type);
}

static int bind_json(sqlite3_stmt *stmt, int idx, const char *name, const char *value,
                     rs_err *err) {
    rs_buf scratch = RS_BUF_INIT;
    rs_err perr;
    rv v;
    int rc;
    if (rv_from_json(value, strlen(value), &v, &scratch, &perr) != 0) {
        rs_buf_free(&scratch);
        return rs_err_set(err, RS_EINVAL, "parameter '%s': '%s' is not valid JSON", name, value);
    }
    rc = bind_value(stmt, idx, name, &v, err);
    rs_buf_free(&scratch);
    return rc;
}

static int bind_temporal(sqlite3_stmt *stmt, int idx, const char *name, rv_type t,
                         const char *value, rs_err *err) {
    size_t len = strlen(value);
    int64_t x;
    int ok = t == RV_DATE       ? rt_parse_date(value, len, &x) == 0
             : t == RV_TIME     ? rt_parse_time(value, len, &x) == 0
             : t == RV_DATETIME ? rt_parse_datetime(value, len, &x) == 0
                                : rt_parse_timestamp(value, len, &x) == 0;
    if (!ok)
        return bad(name, value, rv_type_name(t), err);
    rv v = rv_typed(t, x);
    return bind_value(stmt, idx, name, &v, err);
}

int rt_bind_param(sqlite3_stmt *stmt, int idx, const char *name, const char *type,
                  const char *value, rs_err *err) {
    char *end;
    rv_type t;
    if (value == NULL)
        value = "";
    if (type == NULL || type[0] == '\0' || strcasecmp(type, "object") == 0 ||
        strcasecmp(type, "array") == 0)
        return bind_json(stmt, idx, name, value, err);
    if (strcasecmp(type, "string") == 0)
        return bind_rc(sqlite3_bind_text(stmt, idx, value, -1, SQLITE_TRANSIENT), name, err);
    if (strcasecmp(type, "null") == 0) {
        rv v = rv_null();
        return bind_value(stmt, idx, name, &v, err);
    }
    if (strcasecmp(type, "int") == 0) {
        errno = 0;
        long long n = strtoll(value, &end, 10);
        if (errno != 0 || end == value || *end != '\0')
            return bad(name, value, "int", err);
        return bind_rc(sqlite3_bind_int64(stmt, idx, n), name, err);
    }
    if (strcasecmp(type, "float") == 0) {
        double d = strtod(value, &end);
        if (end == value || *end != '\0')
            return bad(name, value, "float", err);
        return bind_rc(sqlite3_bind_double(stmt, idx, d), name, err);
    }
    if (strcasecmp(type, "bool") == 0 || strcasecmp(type, "boolean") == 0) {
        int yes = strcasecmp(value, "true") == 0, no = strcasecmp(value, "false") == 0;
        if (!yes && !no)
            return bad(name, value, "bool", err);
        rv v = rv_bool(yes);
        return bind_value(stmt, idx, name, &v, err);
    }
    if (rv_type_from_name(type, &t) == 0 && t >= RV_DATE && t <= RV_TIMESTAMP)
        return bind_temporal(stmt, idx, name, t, value, err);
    if (rv_type_from_name(type, &t) == 0 && t == RV_BYTES) {
        rs_buf bytes = RS_BUF_INIT;
        int rc = rv_base64_decode(&bytes, value, strlen(value));
        if (rc == 0) {
            rv v = rv_json(RV_BYTES, bytes.data != NULL ? bytes.data : "", bytes.len);
            rc = bind_value(stmt, idx, name, &v, err);
        } else {
            rc = bad(name, value, "bytes", err);
        }
        rs_buf_free(&bytes);
        return rc;
    }
    return rs_err_set(err, RS_EINVAL, "parameter '%s': unknown type '%s'", name, type);
}
