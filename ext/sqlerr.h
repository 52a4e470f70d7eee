/*
 * sqlerr.h - the one place where an rs_err becomes an SQLite error.
 *
 * SQL functions call rs_sqlerr_result (sqlite3_result_error with the message, or the nomem /
 * interrupt codes); virtual-table methods call rs_sqlerr_vtab, which frees the old zErrMsg and
 * sets the new one, and returns the SQLite result code to hand back. Messages are the rs_err
 * texts unchanged: they are stable (tests compare them) and never contain the API key.
 * rs_sqlerr_result_json hands a built JSON text to SQLite, turning a buffer that ran out of
 * memory into SQLITE_NOMEM on the way.
 *
 * Thread-safety: none needed; each call works on its caller's objects.
 */
#ifndef RS_EXT_SQLERR_H
#define RS_EXT_SQLERR_H

#include "buf.h"
#include "err.h"

#include <sqlite3ext.h>

/* Set ctx's result to the error in err: SQLITE_NOMEM for RS_ENOMEM, SQLITE_INTERRUPT (message
 * "interrupted") for RS_EINTERRUPT, otherwise SQLITE_ERROR with err->msg. */
void rs_sqlerr_result(sqlite3_context *ctx, const rs_err *err);

/* Set ctx's result to buf's text with SQLite's JSON subtype, handing the text over (buf is left
 * empty); SQLITE_NOMEM instead when buf->oom is set or the text cannot be detached. */
void rs_sqlerr_result_json(sqlite3_context *ctx, rs_buf *buf);

/* Put err->msg into vtab->zErrMsg (freeing the old one); returns SQLITE_NOMEM, SQLITE_INTERRUPT
 * or SQLITE_ERROR to match err->code. */
int rs_sqlerr_vtab(sqlite3_vtab *vtab, const rs_err *err);

/* printf-style message into vtab->zErrMsg; returns SQLITE_ERROR (SQLITE_NOMEM when the message
 * cannot be allocated). */
int rs_sqlerr_vtab_printf(sqlite3_vtab *vtab, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* printf-style (sqlite3_mprintf's format: %q, %w work) error message as ctx's result; SQLITE_NOMEM
 * when the message cannot be allocated. */
void rs_sqlerr_resultf(sqlite3_context *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The text of an SQL argument, or NULL when it is NULL. Borrowed from SQLite (valid until the
 * value changes). */
const char *rs_sqlerr_arg_text(sqlite3_value *value);

#endif
