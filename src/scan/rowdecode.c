/* rowdecode.c - see rowdecode.h. Field lookup is an open-addressing hash of the field names,
 * probed with the raw bytes of each key (keys without escapes need no decoding). */
#include "rowdecode.h"

#include "hash.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct name_slot {
    const char *name; /* NULL: empty slot */
    size_t len;
    size_t col;
} name_slot;

struct rs_rowdecode {
    char **names; /* copies, per column (NULL for none) */
    size_t n;
    name_slot *slots;
    size_t mask;              /* slot count - 1 (a power of two) */
    rs_jsonscan_span *values; /* per column, for the indexed row; ptr NULL when absent */
    rs_buf key;               /* scratch for keys with escapes */
    rs_buf scratch;           /* unescaped strings of cells */
};

static void slot_put(rs_rowdecode *d, const char *name, size_t col) {
    size_t len = strlen(name), i = rs_fnv1a32(name, len) & d->mask;

    while (d->slots[i].name != NULL) {
        if (d->slots[i].len == len && memcmp(d->slots[i].name, name, len) == 0)
            return; /* same field twice: the first column gets it */
        i = (i + 1) & d->mask;
    }
    d->slots[i].name = name;
    d->slots[i].len = len;
    d->slots[i].col = col;
}

/* The column reading the field with these (unescaped) bytes, or -1. */
static long slot_get(const rs_rowdecode *d, const char *name, size_t len) {
    size_t i = rs_fnv1a32(name, len) & d->mask;

    while (d->slots[i].name != NULL) {
        if (d->slots[i].len == len && memcmp(d->slots[i].name, name, len) == 0)
            return (long)d->slots[i].col;
        i = (i + 1) & d->mask;
    }
    return -1;
}

rs_rowdecode *rs_rowdecode_new(const char *const *names, size_t n) {
    rs_rowdecode *d = calloc(1, sizeof(*d));
    size_t slots = 8, i;

    if (d == NULL)
        return NULL;
    while (slots < 2 * n + 2)
        slots *= 2;
    d->n = n;
    d->mask = slots - 1;
    d->names = calloc(n + 1, sizeof(char *));
    d->slots = calloc(slots, sizeof(name_slot));
    d->values = calloc(n + 1, sizeof(rs_jsonscan_span));
    if (d->names == NULL || d->slots == NULL || d->values == NULL)
        goto fail;
    for (i = 0; i < n; i++) {
        if (names[i] == NULL)
            continue;
        d->names[i] = strdup(names[i]);
        if (d->names[i] == NULL)
            goto fail;
        slot_put(d, d->names[i], i);
    }
    return d;
fail:
    rs_rowdecode_free(d);
    return NULL;
}

void rs_rowdecode_free(rs_rowdecode *d) {
    size_t i;

    if (d == NULL)
        return;
    for (i = 0; d->names != NULL && i < d->n; i++)
        free(d->names[i]);
    free(d->names);
    free(d->slots);
    free(d->values);
    rs_buf_free(&d->key);
    rs_buf_free(&d->scratch);
    free(d);
}

/* Column of a raw key literal (quotes included), or -1. */
static long key_column(rs_rowdecode *d, rs_jsonscan_span key, rs_err *err) {
    if (key.len >= 2 && memchr(key.ptr, '\\', key.len) == NULL)
        return slot_get(d, key.ptr + 1, key.len - 2);
    rs_buf_reset(&d->key);
    if (rs_jsonscan_string_decode(key, &d->key, err) != RS_OK)
        return -2;
    return slot_get(d, rs_buf_cstr(&d->key), d->key.len);
}

/* rs_rowdecode_index; trusted: row is known to be valid JSON (rs_jsonscan_iter_init_valid). */
static int index_row(rs_rowdecode *d, rs_jsonscan_span row, int trusted, rs_err *err) {
    rs_jsonscan_iter it;
    rs_jsonscan_span key, value;
    long col;
    int more;

    memset(d->values, 0, d->n * sizeof(rs_jsonscan_span));
    row = rs_jsonscan_trim(row);
    if (row.len == 0 || row.ptr[0] != '{' ||
        (trusted ? rs_jsonscan_iter_init_valid(&it, row) : rs_jsonscan_iter_init(&it, row)) !=
            RS_OK)
        return rs_err_set(err, RS_EPARSE, "rockset: malformed result row: not an object");
    while ((more = rs_jsonscan_iter_next(&it, &key, &value)) == 1) {
        col = key_column(d, key, err);
        if (col == -2)
            return err->code == RS_ENOMEM ? RS_ENOMEM : RS_EPARSE;
        if (col >= 0 && d->values[col].ptr == NULL)
            d->values[col] = value;
    }
    if (more < 0)
        return rs_err_set(err, RS_EPARSE, "rockset: malformed result row: invalid JSON");
    return RS_OK;
}

int rs_rowdecode_index(rs_rowdecode *d, rs_jsonscan_span row, rs_err *err) {
    return index_row(d, row, 0, err);
}

rs_rowdecode *rs_rowdecode_copy(const rs_rowdecode *d) {
    return rs_rowdecode_new((const char *const *)d->names, d->n);
}

size_t rs_rowdecode_columns(const rs_rowdecode *d) {
    return d->n;
}

int rs_rowdecode_index_into(rs_rowdecode *d, rs_jsonscan_span row, rs_jsonscan_span *values,
                            rs_err *err) {
    int rc = index_row(d, row, 1, err);

    if (rc == RS_OK)
        memcpy(values, d->values, d->n * sizeof(rs_jsonscan_span));
    return rc;
}

int rs_rowdecode_cell_of(rs_rowdecode *d, rs_jsonscan_span raw, rs_cell *out, rs_err *err) {
    if (raw.ptr == NULL) {
        memset(out, 0, sizeof(*out));
        return RS_OK;
    }
    return rs_rowdecode_value(raw, &d->scratch, out, err);
}

rs_jsonscan_span rs_rowdecode_raw(const rs_rowdecode *d, size_t col) {
    rs_jsonscan_span none = {NULL, 0};

    return col < d->n ? d->values[col] : none;
}

int rs_rowdecode_cell(rs_rowdecode *d, size_t col, rs_cell *out, rs_err *err) {
    return rs_rowdecode_cell_of(d, rs_rowdecode_raw(d, col), out, err);
}

/* A string literal's text: straight from the row when it has no escapes. */
static int string_cell(rs_jsonscan_span value, rs_buf *scratch, rs_cell *out, rs_err *err) {
    int rc;

    out->kind = RS_CELL_TEXT;
    if (memchr(value.ptr, '\\', value.len) == NULL) {
        out->text = value.ptr + 1;
        out->len = value.len - 2;
        return RS_OK;
    }
    rs_buf_reset(scratch);
    rc = rs_jsonscan_string_decode(value, scratch, err);
    if (rc != RS_OK)
        return rc;
    out->text = rs_buf_cstr(scratch);
    out->len = scratch->len;
    return RS_OK;
}

/* {"__rockset_type": "date", "value": "..."} and its time siblings show as their ISO text. */
static int is_time_type(rs_jsonscan_span type) {
    static const char *const names[] = {"date", "datetime", "time", "timestamp"};
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (rs_jsonscan_key_eq(type, names[i]))
            return 1;
    }
    return 0;
}

static int object_cell(rs_jsonscan_span value, rs_buf *scratch, rs_cell *out, rs_err *err) {
    rs_jsonscan_span type, iso;

    if (rs_jsonscan_get(value, "__rockset_type", &type) &&
        rs_jsonscan_classify(type) == RS_JSON_STRING && is_time_type(type) &&
        rs_jsonscan_get(value, "value", &iso) && rs_jsonscan_classify(iso) == RS_JSON_STRING)
        return string_cell(rs_jsonscan_trim(iso), scratch, out, err);
    out->kind = RS_CELL_JSON;
    out->text = value.ptr;
    out->len = value.len;
    return RS_OK;
}

int rs_rowdecode_value(rs_jsonscan_span value, rs_buf *scratch, rs_cell *out, rs_err *err) {
    memset(out, 0, sizeof(*out));
    value = rs_jsonscan_trim(value);
    switch (rs_jsonscan_classify(value)) {
    case RS_JSON_INT:
        out->kind = RS_CELL_INT;
        return rs_jsonscan_int64(value, &out->i) == RS_OK
                   ? RS_OK
                   : rs_err_set(err, RS_EPARSE, "rockset: malformed number in result row");
    case RS_JSON_FLOAT:
        out->kind = RS_CELL_REAL;
        return rs_jsonscan_double(value, &out->r) == RS_OK
                   ? RS_OK
                   : rs_err_set(err, RS_EPARSE, "rockset: malformed number in result row");
    case RS_JSON_TRUE:
    case RS_JSON_FALSE:
        out->kind = RS_CELL_INT;
        out->i = rs_jsonscan_classify(value) == RS_JSON_TRUE;
        return RS_OK;
    case RS_JSON_STRING:
        return string_cell(value, scratch, out, err);
    case RS_JSON_OBJECT:
        return object_cell(value, scratch, out, err);
    case RS_JSON_ARRAY:
        out->kind = RS_CELL_JSON;
        out->text = value.ptr;
        out->len = value.len;
        return RS_OK;
    case RS_JSON_NULL:
        return RS_OK;
    default:
        return rs_err_set(err, RS_EPARSE, "rockset: malformed value in result row");
    }
}
