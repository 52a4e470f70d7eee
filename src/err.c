/* err.c - see err.h. */
#include "err.h"

#include <stdio.h>
#include <string.h>

void rs_err_clear(rs_err *err) {
    if (err == NULL)
        return;
    memset(err, 0, sizeof(*err));
}

void rs_err_reset(rs_err *err) {
    if (err == NULL)
        return;
    err->code = err->http_status = err->line = err->column = 0;
    err->type[0] = '\0';
    err->msg[0] = '\0';
}

int rs_err_setv(rs_err *err, int code, const char *fmt, va_list ap) {
    if (err == NULL)
        return code;
    err->code = code;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    return code;
}

int rs_err_set(rs_err *err, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    rs_err_setv(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void rs_err_prefix(rs_err *err, const char *fmt, ...) {
    char prefix[256];
    size_t plen, mlen;
    va_list ap;
    int n;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    plen = strlen(prefix);
    if (plen >= sizeof(err->msg))
        plen = sizeof(err->msg) - 1;
    /* Shift the old message right, keeping room for the NUL; what falls off the end is lost. */
    mlen = strnlen(err->msg, sizeof(err->msg) - 1);
    if (plen + mlen > sizeof(err->msg) - 1)
        mlen = sizeof(err->msg) - 1 - plen;
    memmove(err->msg + plen, err->msg, mlen);
    memcpy(err->msg, prefix, plen);
    err->msg[plen + mlen] = '\0';
}

void rs_err_append(rs_err *err, const char *fmt, ...) {
    size_t used;
    va_list ap;

    if (err == NULL)
        return;
    used = strnlen(err->msg, sizeof(err->msg) - 1);
    va_start(ap, fmt);
    vsnprintf(err->msg + used, sizeof(err->msg) - used, fmt, ap);
    va_end(ap);
}

const char *rs_err_name(int code) {
    static const char *const names[] = {
        "OK",        "ENOMEM",  "EINVAL",     "EIO",      "EHTTP",        "ENET",      "EPARSE",
        "ENOTFOUND", "EEXISTS", "EINTERRUPT", "ETIMEOUT", "EUNSUPPORTED", "EINTERNAL",
    };
    if (code < 0 || code >= (int)(sizeof(names) / sizeof(names[0])))
        return "E?";
    return names[code];
}
