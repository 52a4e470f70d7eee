/* sqlerr.c - see sqlerr.h. */
#include "sqlerr.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

void rs_sqlerr_result(sqlite3_context *ctx, const rs_err *err) {
    if (err->code == RS_ENOMEM) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (err->code == RS_EINTERRUPT) {
        sqlite3_result_error(ctx, "interrupted", -1);
        sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
        return;
    }
    sqlite3_result_error(ctx, err->msg[0] ? err->msg : "rockset: unknown error", -1);
}

void rs_sqlerr_result_json(sqlite3_context *ctx, rs_buf *buf) {
    char *text;
    size_t len;

    if (buf->oom) {
        rs_buf_free(buf);
        sqlite3_result_error_nomem(ctx);
        return;
    }
    len = buf->len;
    text = rs_buf_detach(buf);
    if (text == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_text64(ctx, text, len, free, SQLITE_UTF8);
    sqlite3_result_subtype(ctx, 74); /* 'J': SQLite's JSON subtype */
}

static int vtab_set_message(sqlite3_vtab *vtab, char *msg) {
    sqlite3_free(vtab->zErrMsg);
    vtab->zErrMsg = msg;
    return msg ? SQLITE_ERROR : SQLITE_NOMEM;
}

int rs_sqlerr_vtab(sqlite3_vtab *vtab, const rs_err *err) {
    int rc;

    if (err->code == RS_ENOMEM)
        return SQLITE_NOMEM;
    if (err->code == RS_EINTERRUPT) {
        /* SQLite prints its own "interrupted" for this code. */
        rc = vtab_set_message(vtab, sqlite3_mprintf("interrupted"));
        return rc == SQLITE_NOMEM ? rc : SQLITE_INTERRUPT;
    }
    return vtab_set_message(
        vtab, sqlite3_mprintf("%s", err->msg[0] ? err->msg : "rockset: unknown error"));
}

int rs_sqlerr_vtab_printf(sqlite3_vtab *vtab, const char *fmt, ...) {
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    return vtab_set_message(vtab, msg);
}

void rs_sqlerr_resultf(sqlite3_context *ctx, const char *fmt, ...) {
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    if (msg == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_error(ctx, msg, -1);
    sqlite3_free(msg);
}

const char *rs_sqlerr_arg_text(sqlite3_value *value) {
    if (sqlite3_value_type(value) == SQLITE_NULL)
        return NULL;
    return (const char *)sqlite3_value_text(value);
}
