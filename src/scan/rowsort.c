/* rowsort.c - see rowsort.h. Rows are blocks (entry, row bytes, escaped key texts) sorted by
 * qsort; while rows come in, the list is sorted and cut back to `keep` whenever it doubles. */
#include "rowsort.h"
#include "buf.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define N_CELLS  (RS_ROWSORT_MAX_KEYS + 1) /* the keys, then _id */
#define MIN_TRIM 256                       /* rows added before the first cut back to `keep` */

/* One row's decoded keys and _id; texts point into the row or into a texts buffer. */
typedef struct decoded {
    rs_cell cells[N_CELLS];
} decoded;

/* A kept row: one allocation holding this struct, the row's bytes and its escaped texts. */
typedef struct sort_entry {
    const rs_rowsort *owner; /* the comparator's context: qsort has no argument for it */
    decoded key;
    char *row;
    size_t row_len;
} sort_entry;

struct rs_rowsort {
    rs_rowdecode *dec;
    size_t cols[N_CELLS]; /* the key columns, then the _id column */
    int desc[RS_ROWSORT_MAX_KEYS];
    size_t n_keys;
    size_t keep; /* SIZE_MAX: every row */
    sort_entry **rows;
    size_t n, cap;
    rs_buf texts;  /* escaped texts of the row being decoded */
    decoded probe; /* the row rs_rowsort_cmp compares with */
};

/* ---------------------------------------------------------------- SQLite's order of cells */

static int sign(int c) {
    return (c > 0) - (c < 0);
}

/* SQLite's storage classes in sort order: NULL, numbers, text (JSON cells are text). */
static int cell_class(const rs_cell *c) {
    if (c->kind == RS_CELL_NULL)
        return 0;
    return c->kind == RS_CELL_INT || c->kind == RS_CELL_REAL ? 1 : 2;
}

/* An integer against a real, exactly (SQLite's sqlite3IntFloatCompare). */
static int int_real_cmp(long long i, double r) {
    long long y;

    if (isnan(r))
        return 1; /* never decoded from JSON; defined anyway */
    if (r < -9223372036854775808.0)
        return 1;
    if (r >= 9223372036854775808.0)
        return -1;
    y = (long long)r;
    if (i != y)
        return i < y ? -1 : 1;
    /* i is r's integer part; beyond 2^53 r has no fraction and (double)y is r itself */
    return (double)y < r ? -1 : (double)y > r;
}

static int number_cmp(const rs_cell *a, const rs_cell *b) {
    if (a->kind == RS_CELL_INT && b->kind == RS_CELL_INT)
        return a->i < b->i ? -1 : a->i > b->i;
    if (a->kind == RS_CELL_REAL && b->kind == RS_CELL_REAL)
        return a->r < b->r ? -1 : a->r > b->r;
    if (a->kind == RS_CELL_INT)
        return int_real_cmp(a->i, b->r);
    return -int_real_cmp(b->i, a->r);
}

int rs_cell_order(const rs_cell *a, const rs_cell *b) {
    int ca = cell_class(a), cb = cell_class(b), c;
    size_t n;

    if (ca != cb)
        return ca < cb ? -1 : 1;
    if (ca == 0)
        return 0;
    if (ca == 1)
        return number_cmp(a, b);
    n = a->len < b->len ? a->len : b->len;
    c = n > 0 ? memcmp(a->text, b->text, n) : 0;
    if (c != 0)
        return sign(c);
    return a->len < b->len ? -1 : a->len > b->len;
}

/* The order of two decoded rows: keys (each in its direction), then _id ascending. */
static int decoded_cmp(const rs_rowsort *r, const decoded *a, const decoded *b) {
    size_t k;
    int c;

    for (k = 0; k < r->n_keys; k++) {
        c = rs_cell_order(&a->cells[k], &b->cells[k]);
        if (c != 0)
            return r->desc[k] ? -c : c;
    }
    return rs_cell_order(&a->cells[r->n_keys], &b->cells[r->n_keys]);
}

static int entry_cmp(const void *pa, const void *pb) {
    const sort_entry *a = *(sort_entry *const *)pa, *b = *(sort_entry *const *)pb;

    return decoded_cmp(a->owner, &a->key, &b->key);
}

/* ---------------------------------------------------------------- decoding */

static int has_text(const rs_cell *c) {
    return (c->kind == RS_CELL_TEXT || c->kind == RS_CELL_JSON) && c->len > 0;
}

static int in_row(const rs_cell *c, rs_jsonscan_span row) {
    return c->text >= row.ptr && c->text + c->len <= row.ptr + row.len;
}

/* Decode the keys and _id of row into out. A text that is not in the row itself (a string with
 * escapes, unescaped in the decoder's scratch, which the next cell overwrites) is copied into
 * texts, and its cell points there. */
static int decode_row(rs_rowsort *r, rs_jsonscan_span row, rs_buf *texts, decoded *out,
                      rs_err *err) {
    size_t at[N_CELLS], k, n = r->n_keys + 1;
    int copied[N_CELLS];
    int rc = rs_rowdecode_index(r->dec, row, err);

    rs_buf_reset(texts);
    for (k = 0; k < n && rc == RS_OK; k++) {
        rc = rs_rowdecode_cell(r->dec, r->cols[k], &out->cells[k], err);
        copied[k] = rc == RS_OK && has_text(&out->cells[k]) && !in_row(&out->cells[k], row);
        if (copied[k]) {
            at[k] = texts->len;
            rs_buf_append(texts, out->cells[k].text, out->cells[k].len);
        }
    }
    if (rc == RS_OK && texts->oom)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    for (k = 0; k < n && rc == RS_OK; k++) {
        if (copied[k])
            out->cells[k].text = texts->data + at[k];
    }
    return rc;
}

/* A kept copy of row with its decoded keys (texts moved into the copy). NULL: out of memory. */
static sort_entry *entry_new(const rs_rowsort *r, rs_jsonscan_span row, const decoded *key,
                             const rs_buf *texts) {
    sort_entry *e = malloc(sizeof(*e) + row.len + texts->len + 1);
    char *copy;
    size_t k;

    if (e == NULL)
        return NULL;
    e->owner = r;
    e->key = *key;
    e->row = (char *)(e + 1);
    e->row_len = row.len;
    memcpy(e->row, row.ptr, row.len);
    copy = e->row + row.len;
    if (texts->len > 0)
        memcpy(copy, texts->data, texts->len);
    for (k = 0; k < r->n_keys + 1; k++) {
        rs_cell *c = &e->key.cells[k];
        if (!has_text(c))
            c->text = e->row; /* empty or none: never read, but never left dangling */
        else if (in_row(c, row))
            c->text = e->row + (c->text - row.ptr);
        else
            c->text = copy + (c->text - texts->data);
    }
    return e;
}

/* ---------------------------------------------------------------- the rows */

rs_rowsort *rs_rowsort_new(const char *const *names, size_t n_cols, const size_t *key_cols,
                           const int *desc, size_t n_keys, size_t id_col, long long keep) {
    rs_rowsort *r;
    size_t k;

    if (n_keys == 0 || n_keys > RS_ROWSORT_MAX_KEYS)
        return NULL;
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->dec = rs_rowdecode_new(names, n_cols);
    if (r->dec == NULL) {
        free(r);
        return NULL;
    }
    for (k = 0; k < n_keys; k++) {
        r->cols[k] = key_cols[k];
        r->desc[k] = desc[k];
    }
    r->cols[n_keys] = id_col;
    r->n_keys = n_keys;
    r->keep = keep < 0 || (unsigned long long)keep > SIZE_MAX / 4 ? SIZE_MAX : (size_t)keep;
    return r;
}

void rs_rowsort_free(rs_rowsort *r) {
    size_t i;

    if (r == NULL)
        return;
    for (i = 0; i < r->n; i++)
        free(r->rows[i]);
    free(r->rows);
    rs_rowdecode_free(r->dec);
    rs_buf_free(&r->texts);
    free(r);
}

void rs_rowsort_finish(rs_rowsort *r) {
    if (r->n > 1)
        qsort(r->rows, r->n, sizeof(*r->rows), entry_cmp);
    while (r->n > r->keep)
        free(r->rows[--r->n]);
}

int rs_rowsort_add(rs_rowsort *r, rs_jsonscan_span row, rs_err *err) {
    decoded key;
    sort_entry *e;
    int rc;

    if (r->keep == 0)
        return RS_OK;
    rc = decode_row(r, row, &r->texts, &key, err);
    if (rc != RS_OK)
        return rc;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        sort_entry **grown = realloc(r->rows, cap * sizeof(*grown));
        if (grown == NULL)
            return rs_err_set(err, RS_ENOMEM, "out of memory");
        r->rows = grown;
        r->cap = cap;
    }
    e = entry_new(r, row, &key, &r->texts);
    if (e == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    r->rows[r->n++] = e;
    /* bounded memory: what lies past `keep` in the order can never be read */
    if (r->keep != SIZE_MAX && r->n >= MIN_TRIM && r->n >= 2 * r->keep)
        rs_rowsort_finish(r);
    return RS_OK;
}

size_t rs_rowsort_count(const rs_rowsort *r) {
    return r->n;
}

rs_jsonscan_span rs_rowsort_row(const rs_rowsort *r, size_t i) {
    rs_jsonscan_span none = {NULL, 0}, span;

    if (i >= r->n)
        return none;
    span.ptr = r->rows[i]->row;
    span.len = r->rows[i]->row_len;
    return span;
}

int rs_rowsort_same_keys(const rs_rowsort *r, size_t i, size_t j) {
    size_t k;

    if (i >= r->n || j >= r->n)
        return 0;
    for (k = 0; k < r->n_keys; k++) {
        if (rs_cell_order(&r->rows[i]->key.cells[k], &r->rows[j]->key.cells[k]) != 0)
            return 0;
    }
    return 1;
}

void rs_rowsort_cut(rs_rowsort *r, size_t n) {
    while (r->n > n)
        free(r->rows[--r->n]);
}

int rs_rowsort_cmp(rs_rowsort *r, size_t i, rs_jsonscan_span row, int *cmp, rs_err *err) {
    int rc;

    *cmp = 0;
    if (i >= r->n)
        return RS_OK;
    rc = decode_row(r, row, &r->texts, &r->probe, err);
    if (rc == RS_OK)
        *cmp = decoded_cmp(r, &r->rows[i]->key, &r->probe);
    return rc;
}
