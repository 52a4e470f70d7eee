/*
 * sqlx_describe.c - DESCRIBE rows: for each (field path, type) seen in a collection's documents,
 * how many documents have it ("occurrences") out of how many could ("total": all documents for
 * a top-level field, documents whose parent path holds an object/array for a nested one).
 * Arrays are stepped into with the path element "*". Typed values (objects tagged with their
 * type, see server/runtime/value.h) count as their type and are not descended into.
 *
 * Paths are kept as their parts joined by '\x01', which sorts like the parts compared one by one.
 */
#include "sqlx_describe.h"
#include "jsonscan.h"
#include "server/runtime/datetime.h"
#include "sqlx_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEP       '\x01'
#define MAX_DEPTH 64

typedef struct desc_entry {
    char *path;
    char type[32];
    int64_t occurrences;
} desc_entry;

typedef struct entry_list {
    desc_entry *items;
    int n, cap;
} entry_list;

struct sqlx_describe {
    int64_t n_docs;
    entry_list fields;     /* (path, type) -> documents */
    entry_list containers; /* (path, "object"/"array") -> documents, for totals */
};

sqlx_describe *sqlx_describe_new(void) {
    return calloc(1, sizeof(sqlx_describe));
}

static void list_free(entry_list *l) {
    for (int i = 0; i < l->n; i++)
        free(l->items[i].path);
    free(l->items);
    memset(l, 0, sizeof *l);
}

void sqlx_describe_free(sqlx_describe *d) {
    if (d == NULL)
        return;
    list_free(&d->fields);
    list_free(&d->containers);
    free(d);
}

/* Find or add (path, type); returns the entry or NULL on allocation failure. */
static desc_entry *list_get(entry_list *l, const char *path, const char *type) {
    for (int i = l->n - 1; i >= 0; i--)
        if (strcmp(l->items[i].type, type) == 0 && strcmp(l->items[i].path, path) == 0)
            return &l->items[i];
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        desc_entry *items = realloc(l->items, (size_t)cap * sizeof *items);
        if (items == NULL)
            return NULL;
        l->items = items;
        l->cap = cap;
    }
    desc_entry *e = &l->items[l->n];
    memset(e, 0, sizeof *e);
    e->path = strdup(path);
    if (e->path == NULL)
        return NULL;
    snprintf(e->type, sizeof e->type, "%s", type);
    l->n++;
    return e;
}

/* The DESCRIBE type of the JSON value in v: its JSON kind, or the type a typed object is tagged
 * with (its tag lowercased). */
static void json_type(rs_jsonscan_span v, char *type, size_t cap) {
    rs_jsonscan_span tag;
    rs_buf b = RS_BUF_INIT;
    switch (rs_jsonscan_classify(v)) {
    case RS_JSON_OBJECT:
        if (rs_jsonscan_get_last(v, "__rockset_type", 14, &tag) &&
            rs_jsonscan_classify(tag) == RS_JSON_STRING &&
            rs_jsonscan_string_decode(tag, &b, NULL) == RS_OK && b.len < cap) {
            for (size_t i = 0; i < b.len; i++)
                type[i] = (char)tolower((unsigned char)b.data[i]);
            type[b.len] = 0;
        } else {
            snprintf(type, cap, "object");
        }
        rs_buf_free(&b);
        return;
    case RS_JSON_TRUE:
    case RS_JSON_FALSE:
        snprintf(type, cap, "bool");
        return;
    default:
        snprintf(type, cap, "%s", rs_jsonscan_kind_name(rs_jsonscan_classify(v)));
    }
}

/* The store keeps _event_time as an ISO string; like queries, DESCRIBE calls it a timestamp. */
static void event_time_type(rs_jsonscan_span v, char *type, size_t cap) {
    rs_buf text = RS_BUF_INIT;
    int64_t micros;
    if (rs_jsonscan_string_decode(v, &text, NULL) == RS_OK &&
        rt_parse_timestamp(rs_buf_cstr(&text), text.len, &micros) == 0)
        snprintf(type, cap, "timestamp");
    rs_buf_free(&text);
}

typedef struct walk {
    entry_list seen;      /* this document's (path, type), deduplicated */
    entry_list seen_cont; /* this document's containers */
} walk;

static int visit(walk *w, rs_buf *path, rs_jsonscan_span v, int depth, rs_err *err);

static void path_truncate(rs_buf *path, size_t len) {
    path->len = len;
    if (path->data != NULL)
        path->data[len] = 0;
}

static int bad_json(rs_err *err) {
    return rs_err_set(err, RS_EPARSE, "DESCRIBE: a document is not valid JSON");
}

/* Visit each member/element of the object or array v with the path extended by its step. */
static int visit_children(walk *w, rs_buf *path, rs_jsonscan_span v, int depth, rs_err *err) {
    size_t base = path->len;
    rs_jsonscan_iter it;
    rs_jsonscan_span key, child;
    int rc = 0, got = 0;
    if (rs_jsonscan_iter_init(&it, v) != RS_OK)
        return bad_json(err);
    while (rc == 0 && (got = rs_jsonscan_iter_next(&it, &key, &child)) == 1) {
        if (base)
            rs_buf_putc(path, SEP);
        if (key.ptr == NULL)
            rs_buf_putc(path, '*');
        else if (rs_jsonscan_string_decode(key, path, NULL) != RS_OK)
            rc = path->oom ? rs_err_set(err, RS_ENOMEM, "out of memory") : bad_json(err);
        if (rc == 0)
            rc = visit(w, path, child, depth + 1, err);
        path_truncate(path, base);
    }
    return rc != 0 ? rc : got < 0 ? bad_json(err) : 0;
}

static int visit(walk *w, rs_buf *path, rs_jsonscan_span v, int depth, rs_err *err) {
    char type[32];
    if (depth > MAX_DEPTH)
        return 0;
    json_type(v, type, sizeof type);
    if (depth == 1 && strcmp(type, "string") == 0 && strcmp(rs_buf_cstr(path), "_event_time") == 0)
        event_time_type(v, type, sizeof type);
    if (!list_get(&w->seen, rs_buf_cstr(path), type) || path->oom)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    if (strcmp(type, "object") != 0 && strcmp(type, "array") != 0)
        return 0;
    if (!list_get(&w->seen_cont, rs_buf_cstr(path), type))
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    return visit_children(w, path, v, depth, err);
}

static int merge_counts(entry_list *into, const entry_list *from) {
    for (int i = 0; i < from->n; i++) {
        desc_entry *e = list_get(into, from->items[i].path, from->items[i].type);
        if (e == NULL)
            return RS_ENOMEM;
        e->occurrences++;
    }
    return 0;
}

int sqlx_describe_add(sqlx_describe *d, const char *doc_json, rs_err *err) {
    walk w;
    rs_buf path = RS_BUF_INIT;
    int rc = 0;
    rs_jsonscan_span doc;
    memset(&w, 0, sizeof w);
    if (rs_jsonscan_value(doc_json, strlen(doc_json), &doc, NULL, NULL) != RS_OK ||
        rs_jsonscan_classify(doc) != RS_JSON_OBJECT) {
        rc = rs_err_set(err, RS_EPARSE, "DESCRIBE: a document is not a JSON object");
        goto done;
    }
    rc = visit_children(&w, &path, doc, 0, err);
    if (!rc && (merge_counts(&d->fields, &w.seen) || merge_counts(&d->containers, &w.seen_cont)))
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    if (!rc)
        d->n_docs++;
done:
    list_free(&w.seen);
    list_free(&w.seen_cont);
    rs_buf_free(&path);
    return rc;
}

static int cmp_entries(const void *a, const void *b) {
    const desc_entry *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    return c ? c : strcmp(x->type, y->type);
}

/* Documents having the parent of path as the container its last step needs. */
static int64_t total_for(const sqlx_describe *d, const char *path) {
    const char *sep = strrchr(path, SEP);
    if (sep == NULL)
        return d->n_docs;
    size_t plen = (size_t)(sep - path);
    const char *need = strcmp(sep + 1, "*") == 0 ? "array" : "object";
    for (int i = 0; i < d->containers.n; i++) {
        const desc_entry *e = &d->containers.items[i];
        if (strlen(e->path) == plen && memcmp(e->path, path, plen) == 0 &&
            strcmp(e->type, need) == 0)
            return e->occurrences;
    }
    return 0;
}

char *sqlx_describe_rows(sqlx_describe *d, rs_err *err) {
    rs_buf out = RS_BUF_INIT;
    if (d->fields.n > 1)
        qsort(d->fields.items, (size_t)d->fields.n, sizeof *d->fields.items, cmp_entries);
    rs_buf_putc(&out, '[');
    for (int i = 0; i < d->fields.n; i++) {
        const desc_entry *e = &d->fields.items[i];
        rs_buf_puts(&out, i ? ",{\"field\":[" : "{\"field\":[");
        const char *part = e->path;
        for (int k = 0;; k++) {
            const char *sep = strchr(part, SEP);
            size_t len = sep ? (size_t)(sep - part) : strlen(part);
            if (k)
                rs_buf_putc(&out, ',');
            rs_buf_json_string(&out, part, len);
            if (sep == NULL)
                break;
            part = sep + 1;
        }
        rs_buf_printf(&out, "],\"type\":\"%s\",\"occurrences\":%lld,\"total\":%lld}", e->type,
                      (long long)e->occurrences, (long long)total_for(d, e->path));
    }
    rs_buf_putc(&out, ']');
    char *rows = rs_buf_detach(&out);
    if (!rows || out.oom) {
        free(rows);
        rs_buf_free(&out);
        rs_err_set(err, RS_ENOMEM, "out of memory");
        return NULL;
    }
    return rows;
}
