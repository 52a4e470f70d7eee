/* rowdecode.c - see rowdecode.h. Field lookup is an open-addressing hash of the field names,
 * probed with the raw bytes of each key (keys without escapes need no decoding). */
#include "rowdecode.h"

#include "hash.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Rows of one result nearly always repeat their keys in the same order: member k of a row is
 * first compared with member k of the row before (its raw bytes), and only a miss is hashed. */
#define PRED_MEMBERS 64
#define PRED_KEY_MAX 48

typedef struct member_guess {
    size_t len; /* raw key length, quotes included; 0: nothing guessed */
    long col;   /* its column, or -1 */
    char key[PRED_KEY_MAX];
} member_guess;

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
    member_guess *guess;      /* PRED_MEMBERS guesses, one a member (member_column) */
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
    d->guess = calloc(PRED_MEMBERS, sizeof(member_guess));
    if (d->names == NULL || d->slots == NULL || d->values == NULL || d->guess == NULL)
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
    free(d->guess);
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

/* rs_rowdecode_index: the row is checked as it is walked. */
static int index_row(rs_rowdecode *d, rs_jsonscan_span row, rs_err *err) {
    rs_jsonscan_iter it;
    rs_jsonscan_span key, value;
    long col;
    int more;

    memset(d->values, 0, d->n * sizeof(rs_jsonscan_span));
    row = rs_jsonscan_trim(row);
    if (row.len == 0 || row.ptr[0] != '{' || rs_jsonscan_iter_init(&it, row) != RS_OK)
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
    return index_row(d, row, err);
}

/* key_column for member k of a row: the guess from the row before when its raw bytes match. */
static long member_column(rs_rowdecode *d, size_t k, const char *key, size_t len, rs_err *err) {
    rs_jsonscan_span raw = {key, len};
    member_guess *g = k < PRED_MEMBERS ? &d->guess[k] : NULL;
    long col;
    size_t i;

    /* keys are short: a loop beats a call to memcmp */
    for (i = 0; g != NULL && g->len == len && i < len && g->key[i] == key[i]; i++)
        ;
    if (g != NULL && g->len == len && i == len)
        return g->col;
    col = key_column(d, raw, err);
    if (g != NULL && col != -2 && len <= PRED_KEY_MAX) {
        memcpy(g->key, key, len);
        g->len = len;
        g->col = col;
    }
    return col;
}

static const char *skip_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* index_row for a row known to be valid JSON, in one loop of its own: keys and values found by
 * their quotes and brackets (rs_jsonscan_skip_valid), keys matched by member_column. On valid
 * text it finds what index_row finds; on other text its spans are unspecified (but inside the
 * row), as with rs_jsonscan_iter_init_valid. */
static int index_valid(rs_rowdecode *d, rs_jsonscan_span row, rs_err *err) {
    const char *p = row.ptr, *end = row.ptr + row.len, *key, *value;
    size_t k;
    long col;

    memset(d->values, 0, d->n * sizeof(rs_jsonscan_span));
    p = skip_ws(p, end);
    if (p >= end || *p != '{')
        return rs_err_set(err, RS_EPARSE, "rockset: malformed result row: not an object");
    for (p++, k = 0;; k++) {
        p = skip_ws(p, end);
        if (k > 0 && p < end && *p == ',')
            p = skip_ws(p + 1, end);
        if (p >= end || *p != '"')
            return RS_OK; /* the closing brace */
        key = p;
        p = rs_jsonscan_skip_valid(p, end);
        col = member_column(d, k, key, (size_t)(p - key), err);
        if (col == -2)
            return err->code == RS_ENOMEM ? RS_ENOMEM : RS_EPARSE;
        p = skip_ws(p, end);
        value = skip_ws(p + (p < end), end); /* past the ':' */
        p = rs_jsonscan_skip_valid(value, end);
        if (col >= 0 && d->values[col].ptr == NULL) {
            d->values[col].ptr = value;
            d->values[col].len = (size_t)(p - value);
        }
    }
}

rs_rowdecode *rs_rowdecode_copy(const rs_rowdecode *d) {
    return rs_rowdecode_new((const char *const *)d->names, d->n);
}

size_t rs_rowdecode_columns(const rs_rowdecode *d) {
    return d->n;
}

/* rs_rowdecode_check_index's walk: where each member's value goes. */
typedef struct check_walk {
    rs_rowdecode *d;
    rs_jsonscan_span *values;
    rs_err *err;
} check_walk;

static int check_member(void *ctx, size_t k, rs_jsonscan_span key, rs_jsonscan_span value) {
    check_walk *w = ctx;
    long col = member_column(w->d, k, key.ptr, key.len, w->err);

    if (col == -2)
        return w->err->code == RS_ENOMEM ? RS_ENOMEM : RS_EPARSE;
    if (col >= 0 && w->values[col].ptr == NULL)
        w->values[col] = value;
    return RS_OK;
}

int rs_rowdecode_check_index(rs_rowdecode *d, rs_jsonscan_span rest, rs_jsonscan_span *values,
                             size_t *used, rs_err *err) {
    check_walk w = {d, values, err};
    int rc;

    memset(values, 0, d->n * sizeof(rs_jsonscan_span));
    if (rest.len == 0 || rest.ptr[0] != '{')
        return rs_err_set(err, RS_EINVAL, "rockset: malformed result row: not an object");
    rc = rs_jsonscan_walk_object(rest, check_member, &w, used);
    if (rc == RS_EPARSE)
        return rs_err_set(err, RS_EPARSE, "rockset: malformed result row: invalid JSON");
    return rc;
}

int rs_rowdecode_index_valid(rs_rowdecode *d, rs_jsonscan_span row, rs_err *err) {
    return index_valid(d, row, err);
}

int rs_rowdecode_index_into(rs_rowdecode *d, rs_jsonscan_span row, rs_jsonscan_span *values,
                            rs_err *err) {
    int rc = index_valid(d, row, err);

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

/* The value when it is a JSON integer literal of at most 18 digits, spelled exactly (no
 * whitespace): the common number of a row, which cannot overflow int64 and needs no
 * classification first (classifying, then parsing, walked its text three times and was half of
 * a full scan's decoding). Anything else (floats, 19 digits and more, malformed text) is left
 * to rs_rowdecode_value's general path, which decides as before. */
static int short_int(rs_jsonscan_span value, long long *out) {
    const char *p = value.ptr, *end = value.ptr + value.len;
    int negative = p < end && *p == '-';
    long long acc = 0;

    p += negative;
    if (p >= end || end - p > 18 || (*p == '0' && end - p > 1))
        return 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        acc = acc * 10 + (*p - '0');
    }
    *out = negative ? -acc : acc;
    return 1;
}

int rs_rowdecode_value(rs_jsonscan_span value, rs_buf *scratch, rs_cell *out, rs_err *err) {
    rs_jsonscan_kind kind;

    memset(out, 0, sizeof(*out));
    if (short_int(value, &out->i)) {
        out->kind = RS_CELL_INT;
        return RS_OK;
    }
    value = rs_jsonscan_trim(value);
    switch ((kind = rs_jsonscan_classify(value))) {
    case RS_JSON_INT:
    case RS_JSON_FLOAT:
        out->kind = kind == RS_JSON_INT ? RS_CELL_INT : RS_CELL_REAL;
        if ((kind == RS_JSON_INT ? rs_jsonscan_int64(value, &out->i)
                                 : rs_jsonscan_double(value, &out->r)) == RS_OK)
            return RS_OK;
        return rs_err_set(err, RS_EPARSE, "rockset: malformed number in result row");
    case RS_JSON_TRUE:
    case RS_JSON_FALSE:
        out->kind = RS_CELL_INT;
        out->i = kind == RS_JSON_TRUE;
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
