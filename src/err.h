/*
 * err.h - the error record every src/ function fills on failure.
 *
 * src/ functions return 0 (RS_OK) or an RS_E* code and take a caller-owned rs_err as their last
 * argument. The message is kept in a fixed buffer so that reporting an error never allocates
 * (and so cannot itself fail). A message says what was wrong and where: model, line, column,
 * field, HTTP status, Rockset's own text. It never contains an API key.
 *
 * Thread-safety: an rs_err belongs to one caller; nothing here is shared.
 */
#ifndef RS_ERR_H
#define RS_ERR_H

#include <stdarg.h>

enum {
    RS_OK = 0,
    RS_ENOMEM,       /* allocation failed */
    RS_EINVAL,       /* bad input from the user: argument, profile, template, SQL */
    RS_EIO,          /* file or socket I/O failed */
    RS_EHTTP,        /* the server answered with a non-2xx status; http_status says which */
    RS_ENET,         /* connection failed, timed out, or was reset */
    RS_EPARSE,       /* a response or document could not be decoded */
    RS_ENOTFOUND,    /* the named thing does not exist */
    RS_EEXISTS,      /* the named thing already exists */
    RS_EINTERRUPT,   /* the caller asked to stop (sqlite3_interrupt, shutdown) */
    RS_ETIMEOUT,     /* a bounded wait ran out */
    RS_EUNSUPPORTED, /* a construct we know of but do not implement */
    RS_EINTERNAL     /* a broken invariant: a bug */
};

typedef struct rs_err {
    int code;        /* RS_* above; 0 when no error */
    int http_status; /* HTTP status when code == RS_EHTTP, else 0 */
    int line;        /* 1-based position in SQL or template text, 0 when not relevant */
    int column;
    char type[32]; /* Rockset ErrorModel.type when known ("NOTFOUND"), else "" */
    char msg[512]; /* human text, NUL-terminated, possibly truncated */
} rs_err;

/* Reset to "no error". Safe on a zeroed or a used record. */
void rs_err_clear(rs_err *err);
/* The same for every reader (code, status and position 0, empty strings) without writing the
 * whole record: for paths taken once per row. NULL-safe. */
void rs_err_reset(rs_err *err);

/* Fill err with code and a printf-style message; returns code so callers can
 * `return rs_err_set(err, RS_EINVAL, "...")`. err may be NULL (the code is still returned). */
int rs_err_set(rs_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int rs_err_setv(rs_err *err, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Prepend context ("model 'x': ") to an existing message, keeping code and position. */
void rs_err_prefix(rs_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append context ("; not retried: ...") to an existing message, keeping code and position;
 * what does not fit is cut. */
void rs_err_append(rs_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Short constant name of a code ("ENOMEM"), for logs and tests. */
const char *rs_err_name(int code);

#endif
