/* h_console.c - the web console (docs/console.md): GET / answers a browser with the console's
 * page and every other client with the API's ping; GET /console/<file> serves the page's
 * scripts and style sheet.
 *
 * The files (src/server/console/) are built into the binary: make turns them into byte arrays
 * in build/gen/console_assets.h (mk/console.mk), so the server reads no file and needs nothing
 * installed beside it. They are public (no API key: they hold no data); everything the page
 * shows it fetches from the API with the key the user typed, in the Authorization header.
 *
 * Every file goes out with the same headers: a Content-Security-Policy that allows scripts,
 * styles and fetches from this origin only (no inline script, no eval, no frames), nosniff,
 * no referrer, and no caching (the files change with the binary). --no-console turns it off:
 * GET / is the ping for everyone and /console/ files are 404. */
#include "handlers.h"

#include <string.h>

typedef struct console_file {
    const char *name;
    const unsigned char *data; /* the file's bytes and a NUL */
    size_t size;               /* without the NUL */
} console_file;

#include "gen/console_assets.h"

/* clang-format off */
static const char *const console_headers[] = {
    "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options", "nosniff",
    "X-Frame-Options",        "DENY",
    "Referrer-Policy",        "no-referrer",
    "Vary",                   "Accept",
    NULL,
};
/* clang-format on */

static const console_file *find_file(const char *name) {
    size_t i;
    for (i = 0; i < sizeof(console_files) / sizeof(console_files[0]); i++)
        if (strcmp(console_files[i].name, name) == 0)
            return &console_files[i];
    return NULL;
}

static const char *type_of(const char *name) {
    const char *dot = strrchr(name, '.');
    if (dot == NULL)
        return "application/octet-stream";
    if (strcmp(dot, ".html") == 0)
        return "text/html; charset=utf-8";
    if (strcmp(dot, ".js") == 0)
        return "text/javascript; charset=utf-8";
    if (strcmp(dot, ".css") == 0)
        return "text/css; charset=utf-8";
    if (strcmp(dot, ".svg") == 0)
        return "image/svg+xml";
    return "application/octet-stream";
}

static void reply_file(rl_req *rq, const console_file *f) {
    rs_buf_reset(&rq->out);
    if (rs_buf_append(&rq->out, f->data, f->size) != RS_OK) {
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "out of memory");
        return;
    }
    rq->status = 200;
    rq->content_type = type_of(f->name);
    rq->extra_headers = console_headers;
}

/* 1 when the client asked for a page (a browser's Accept names text/html); API clients send
 * application/json or nothing and keep getting the ping. */
static int wants_html(rl_req *rq) {
    const char *accept = rq->header ? rq->header(rq->conn, "Accept") : NULL;
    return accept != NULL && strstr(accept, "text/html") != NULL;
}

void h_console_root(rl_req *rq) {
    const console_file *f = find_file("index.html");
    if (rq->srv->cfg.no_console || f == NULL || !wants_html(rq)) {
        h_root(rq);
        return;
    }
    reply_file(rq, f);
}

void h_console_file(rl_req *rq) {
    const console_file *f = rq->srv->cfg.no_console ? NULL : find_file(rq->args[0]);
    if (f == NULL) {
        rl_reply_error(rq, 404, "NOTFOUND", NULL, "no such console file: %s", rq->args[0]);
        return;
    }
    reply_file(rq, f);
}
