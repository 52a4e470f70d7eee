/*
 * unnest.c - UNNEST as a table-valued function, rs_unnest, registered with the catalog.
 *
 * The translator writes UNNEST(a AS x, b AS y WITH ORDINALITY AS i) AS u as
 *   rs_unnest(2, 'i', <filtered>, 'x', <a>, 'y', <b>) AS rN
 * ('' for a name not given: an SQL NULL argument would make the call's equality never true) and
 * SQLite joins it like a correlated table: its arguments may read the relations before it.
 * <filtered> is 1 when the query's WHERE tests the unnested rows (`u.l.name = 'x'`), else 0: the
 * planner then counts about one row per array instead of ten, so SQLite unnests right after the
 * array's own relation and joins the other collections to the rows that pass, not to every
 * document before the test (PRs with a label, then their runs and jobs: 65 ms to 23 ms on a
 * million documents). SQLite cannot see that test itself: it is a function of the doc column.
 * Each output row has one column, doc, the JSON document of that row: {"x": a[k], "y": b[k],
 * "i": k + 1}. Arrays of different lengths are zipped, a shorter one leaving its name out (its
 * value is undefined). An array without AS gives its elements' members when they are objects
 * and {"unnest": element} otherwise. A null or missing array gives no rows; any other
 * non-array is an error ("UNNEST: argument must be an array, got object").
 *
 * The rows are built when the cursor is filtered: arrays in documents are small, and building
 * them at once keeps the zipping simple. Thread-safety: one cursor per statement, nothing shared.
 */
#include "catalog.h"
#include "value.h"

#include "buf.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UN_MAX_ARRAYS 8
#define UN_COL_DOC    0
#define UN_COL_COUNT  1 /* number of arrays */
#define UN_COL_ORD    2 /* name of the ordinality field, or NULL */
#define UN_COL_SEL    3 /* 1: the query filters the rows (a planning hint only) */
#define UN_COL_FIRST  4 /* then (name, array) pairs */
#define UN_N_COLS     (UN_COL_FIRST + 2 * UN_MAX_ARRAYS)

int rt_unnest_register(sqlite3 *db);

typedef struct un_cursor {
    sqlite3_vtab_cursor base;
    char **docs; /* one JSON document per row */
    size_t n_docs;
    size_t row;
} un_cursor;

/* The elements of one array argument, each as JSON text in document form. */
typedef struct un_array {
    const char *name; /* NULL: no AS */
    char **elems;
    int *is_object;
    size_t n;
} un_array;

static int un_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                      char **err_msg) {
    rs_buf schema = RS_BUF_INIT;
    (void)aux;
    (void)argc;
    (void)argv;
    (void)err_msg;
    rs_buf_puts(&schema, "CREATE TABLE x(doc, n HIDDEN, ord HIDDEN, sel HIDDEN");
    for (int i = 0; i < UN_MAX_ARRAYS; i++)
        rs_buf_printf(&schema, ", name%d HIDDEN, arr%d HIDDEN", i, i);
    rs_buf_puts(&schema, ")");
    int rc = schema.oom ? SQLITE_NOMEM : sqlite3_declare_vtab(db, rs_buf_cstr(&schema));
    rs_buf_free(&schema);
    if (rc != SQLITE_OK)
        return rc;
    *out = sqlite3_malloc(sizeof **out);
    if (*out == NULL)
        return SQLITE_NOMEM;
    memset(*out, 0, sizeof **out);
    return SQLITE_OK;
}

static int un_disconnect(sqlite3_vtab *vtab) {
    sqlite3_free(vtab);
    return SQLITE_OK;
}

/* Every argument the call gave must be usable (an equality on its hidden column whose value is
 * known): otherwise SQLite must put the relations it reads first, so refuse the plan. */
static int un_best_index(sqlite3_vtab *vtab, sqlite3_index_info *info) {
    int by_column[UN_N_COLS];
    int mask = 0, next = 1;
    (void)vtab;
    for (int c = 0; c < UN_N_COLS; c++)
        by_column[c] = -1;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (c->iColumn < UN_COL_COUNT || c->op != SQLITE_INDEX_CONSTRAINT_EQ)
            continue;
        if (!c->usable)
            return SQLITE_CONSTRAINT;
        by_column[c->iColumn] = i;
        mask |= 1 << c->iColumn;
    }
    if (by_column[UN_COL_COUNT] < 0 || by_column[UN_COL_FIRST + 1] < 0)
        return SQLITE_CONSTRAINT;
    for (int c = UN_COL_COUNT; c < UN_N_COLS; c++) {
        if (by_column[c] < 0)
            continue;
        info->aConstraintUsage[by_column[c]].argvIndex = next++;
        info->aConstraintUsage[by_column[c]].omit = 1;
    }
    info->idxNum = mask;
    sqlite3_value *sel = NULL;
    int filtered = by_column[UN_COL_SEL] >= 0 &&
                   sqlite3_vtab_rhs_value(info, by_column[UN_COL_SEL], &sel) == SQLITE_OK &&
                   sqlite3_value_int(sel) == 1;
    info->estimatedCost = 10;
    info->estimatedRows = filtered ? 1 : 10;
    return SQLITE_OK;
}

static int un_open(sqlite3_vtab *vtab, sqlite3_vtab_cursor **out) {
    un_cursor *cur = sqlite3_malloc(sizeof *cur);
    (void)vtab;
    if (cur == NULL)
        return SQLITE_NOMEM;
    memset(cur, 0, sizeof *cur);
    *out = &cur->base;
    return SQLITE_OK;
}

static void free_docs(un_cursor *cur) {
    for (size_t i = 0; i < cur->n_docs; i++)
        free(cur->docs[i]);
    free(cur->docs);
    cur->docs = NULL;
    cur->n_docs = 0;
    cur->row = 0;
}

static int un_close(sqlite3_vtab_cursor *base) {
    un_cursor *cur = (un_cursor *)base;
    free_docs(cur);
    sqlite3_free(cur);
    return SQLITE_OK;
}

static void free_array(un_array *a) {
    for (size_t i = 0; i < a->n; i++)
        free(a->elems[i]);
    free(a->elems);
    free(a->is_object);
    memset(a, 0, sizeof *a);
}

static int set_error(sqlite3_vtab *vtab, const char *msg) {
    sqlite3_free(vtab->zErrMsg);
    vtab->zErrMsg = sqlite3_mprintf("%s", msg);
    return SQLITE_ERROR;
}

/* Append one element's JSON to a->elems. */
static int push_elem(un_array *a, const rv *elem) {
    rs_buf json = RS_BUF_INIT;
    char **elems = realloc(a->elems, (a->n + 1) * sizeof *elems);
    if (elems == NULL)
        return SQLITE_NOMEM;
    a->elems = elems;
    int *is_object = realloc(a->is_object, (a->n + 1) * sizeof *is_object);
    if (is_object == NULL)
        return SQLITE_NOMEM;
    a->is_object = is_object;
    rv_to_json(&json, elem, RV_FORM_DOC);
    char *text = json.oom ? NULL : rs_buf_detach(&json);
    rs_buf_free(&json);
    if (text == NULL)
        return SQLITE_NOMEM;
    a->elems[a->n] = text;
    a->is_object[a->n] = elem->type == RV_OBJECT;
    a->n++;
    return SQLITE_OK;
}

/* Read one array argument's elements (none for null or missing). */
static int read_array(sqlite3_vtab *vtab, sqlite3_value *value, un_array *a) {
    rv arr, elem;
    rv_iter it;
    rs_buf scratch = RS_BUF_INIT, key = RS_BUF_INIT;
    rs_err err;
    int rc = SQLITE_OK, step;
    char msg[96];
    rv_from_sqlite(value, &arr);
    if (rv_is_nullish(&arr))
        return SQLITE_OK;
    if (arr.type != RV_ARRAY) {
        snprintf(msg, sizeof msg, "UNNEST: argument must be an array, got %s",
                 rv_type_name(arr.type));
        return set_error(vtab, msg);
    }
    rv_iter_init(&it, &arr);
    while (rc == SQLITE_OK && (step = rv_iter_next(&it, &elem, &scratch, &key, &err)) == 1)
        rc = push_elem(a, &elem);
    if (rc == SQLITE_OK && step < 0)
        rc = set_error(vtab, "UNNEST: the array is not valid JSON");
    rs_buf_free(&scratch);
    rs_buf_free(&key);
    return rc;
}

/* Member text of an object's JSON without its braces ("" for {}). */
static void put_members(rs_buf *doc, const char *object_json, int *n_members) {
    size_t len = strlen(object_json);
    const char *inner = object_json + 1;
    size_t inner_len = len >= 2 ? len - 2 : 0;
    while (inner_len > 0 && (*inner == ' ' || *inner == '\n'))
        inner++, inner_len--;
    if (inner_len == 0)
        return;
    rs_buf_puts(doc, (*n_members)++ ? "," : "");
    rs_buf_append(doc, inner, inner_len);
}

/* The document of row k. */
static char *row_doc(const un_array *arrays, int n_arrays, const char *ord, size_t k) {
    rs_buf doc = RS_BUF_INIT;
    int n_members = 0;
    rs_buf_putc(&doc, '{');
    for (int i = 0; i < n_arrays; i++) {
        const un_array *a = &arrays[i];
        if (k >= a->n)
            continue;
        if (a->name == NULL && a->is_object[k]) {
            put_members(&doc, a->elems[k], &n_members);
            continue;
        }
        rs_buf_puts(&doc, n_members++ ? "," : "");
        rs_buf_json_string(&doc, a->name != NULL ? a->name : "unnest",
                           strlen(a->name != NULL ? a->name : "unnest"));
        rs_buf_putc(&doc, ':');
        rs_buf_puts(&doc, a->elems[k]);
    }
    if (ord != NULL) {
        rs_buf_puts(&doc, n_members++ ? "," : "");
        rs_buf_json_string(&doc, ord, strlen(ord));
        rs_buf_printf(&doc, ":%zu", k + 1);
    }
    rs_buf_putc(&doc, '}');
    char *text = doc.oom ? NULL : rs_buf_detach(&doc);
    rs_buf_free(&doc);
    return text;
}

static int build_rows(un_cursor *cur, un_array *arrays, int n_arrays, const char *ord) {
    size_t rows = 0;
    for (int i = 0; i < n_arrays; i++)
        rows = arrays[i].n > rows ? arrays[i].n : rows;
    if (rows == 0)
        return SQLITE_OK;
    cur->docs = calloc(rows, sizeof *cur->docs);
    if (cur->docs == NULL)
        return SQLITE_NOMEM;
    for (size_t k = 0; k < rows; k++) {
        cur->docs[k] = row_doc(arrays, n_arrays, ord, k);
        if (cur->docs[k] == NULL)
            return SQLITE_NOMEM;
        cur->n_docs = k + 1;
    }
    return SQLITE_OK;
}

/* A name argument: NULL when absent or ''. */
static const char *text_or_null(sqlite3_value *v) {
    const char *text = v != NULL ? (const char *)sqlite3_value_text(v) : NULL;
    return text != NULL && text[0] != '\0' ? text : NULL;
}

/* argv holds, in column order, the arguments the call gave (idx_num has a bit per column). */
static int un_filter(sqlite3_vtab_cursor *base, int idx_num, const char *idx_str, int argc,
                     sqlite3_value **argv) {
    un_cursor *cur = (un_cursor *)base;
    sqlite3_value *by_column[UN_N_COLS] = {0};
    un_array arrays[UN_MAX_ARRAYS];
    int next = 0, rc = SQLITE_OK;
    (void)idx_str;
    free_docs(cur);
    memset(arrays, 0, sizeof arrays);
    for (int c = UN_COL_COUNT; c < UN_N_COLS && next < argc; c++)
        if (idx_num & (1 << c))
            by_column[c] = argv[next++];
    int n_arrays = by_column[UN_COL_COUNT] ? sqlite3_value_int(by_column[UN_COL_COUNT]) : 0;
    if (n_arrays < 1 || n_arrays > UN_MAX_ARRAYS)
        return set_error(base->pVtab, "UNNEST: takes 1 to 8 arrays");
    const char *ord = text_or_null(by_column[UN_COL_ORD]);
    for (int i = 0; rc == SQLITE_OK && i < n_arrays; i++) {
        sqlite3_value *name = by_column[UN_COL_FIRST + 2 * i];
        sqlite3_value *arr = by_column[UN_COL_FIRST + 2 * i + 1];
        arrays[i].name = text_or_null(name);
        if (arr != NULL)
            rc = read_array(base->pVtab, arr, &arrays[i]);
    }
    if (rc == SQLITE_OK)
        rc = build_rows(cur, arrays, n_arrays, ord);
    for (int i = 0; i < n_arrays; i++)
        free_array(&arrays[i]);
    if (rc != SQLITE_OK)
        free_docs(cur);
    return rc;
}

static int un_next(sqlite3_vtab_cursor *base) {
    ((un_cursor *)base)->row++;
    return SQLITE_OK;
}

static int un_eof(sqlite3_vtab_cursor *base) {
    un_cursor *cur = (un_cursor *)base;
    return cur->row >= cur->n_docs;
}

static int un_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int col) {
    un_cursor *cur = (un_cursor *)base;
    if (col == UN_COL_DOC)
        sqlite3_result_text(ctx, cur->docs[cur->row], -1, SQLITE_TRANSIENT);
    return SQLITE_OK;
}

static int un_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid) {
    *rowid = (sqlite3_int64)((un_cursor *)base)->row + 1;
    return SQLITE_OK;
}

static const sqlite3_module un_module = {
    .iVersion = 0,
    .xConnect = un_connect,
    .xBestIndex = un_best_index,
    .xDisconnect = un_disconnect,
    .xOpen = un_open,
    .xClose = un_close,
    .xFilter = un_filter,
    .xNext = un_next,
    .xEof = un_eof,
    .xColumn = un_column,
    .xRowid = un_rowid,
};

int rt_unnest_register(sqlite3 *db) {
    return sqlite3_create_module(db, "rs_unnest", &un_module, NULL);
}
