/*
 * unnest.c - UNNEST as a table-valued function, rs_unnest, registered with the catalog.
 *
 * The translator writes UNNEST(a AS x, b AS y WITH ORDINALITY AS i) AS u as
 *   rs_unnest(2, 'i', <filtered>, <paths>, 'x', <a>, 'y', <b>) AS rN
 * ('' for a name not given: an SQL NULL argument would make the call's equality never true) and
 * SQLite joins it like a correlated table: its arguments may read the relations before it.
 * <filtered> is 1 when the query's WHERE tests the unnested rows (`u.l.name = 'x'`), else 0: the
 * planner then counts about one row per array instead of ten, so SQLite unnests right after the
 * array's own relation and joins the other collections to the rows that pass, not to every
 * document before the test (PRs with a label, then their runs and jobs: 65 ms to 23 ms on a
 * million documents). SQLite cannot see that test itself: it is a function of the doc column.
 * Each output row has one column, doc, the JSON document of that row: {"x": a[k], "y": b[k],
 * "i": k + 1}, and the hidden columns v0..v7: what rs_get reads of doc at each of <paths>
 * ('[["x","name"],["i"]]', or '' for none: the paths the query reads of the rows,
 * sqlx_emit_unnest.c), found by one walk of the row's members at the first of them read. Arrays of
 * different lengths are zipped, a shorter one leaving its name out (its value is undefined). An
 * array without AS gives its elements' members when they are objects and {"unnest": element}
 * otherwise. A null or missing array gives no rows; any other non-array is an error ("UNNEST:
 * argument must be an array, got object").
 *
 * The rows are built when the cursor is filtered: arrays in documents are small, and building
 * them at once keeps the zipping simple. Each array's text is walked once with jsonscan (which
 * checks it: a malformed array is an error; in a translated query's steps, whose arrays are the
 * store's text or the runtime's output, by brackets and quotes alone, as rs_get reads documents
 * there), and each element is kept as a slice of that text,
 * which SQLite keeps valid while xFilter runs; a row's document is the concatenation of its
 * slices (an object's members without AS: the object's text inside its braces), written into
 * one buffer for all the cursor's rows. An element is written as the value model writes it
 * (rv_to_json of rv_from_json, RV_FORM_DOC), so a slice is used only where those bytes are the
 * element's own text: arrays, true, false, null, objects that are no typed value (they are
 * copied as they are, whitespace and escapes included), strings without escape whose UTF-8 is
 * valid, integers of at most 18 digits but "-0". Any other element (a float, "-0", a string with
 * an escape or bad UTF-8, an object that may be a typed value) is read and written again, into
 * the cursor's arena, as before. Stored documents are compact JSON that SQLite's json functions
 * wrote, so the slices are the common case (q26 of the dashboard bench: an object per step).
 * The cursor keeps its buffers (element lists, arena, rows) from one filter to the next (one
 * filter per document of a join), so a filter allocates nothing once they are large enough.
 *
 * Thread-safety: one cursor per statement, nothing shared.
 */
#include "catalog.h"
#include "docindex.h"
#include "paths.h"
#include "value.h"

#include "buf.h"
#include "err.h"
#include "jsonscan.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UN_MAX_ARRAYS 8
#define UN_COL_DOC    0
#define UN_COL_COUNT  1 /* number of arrays */
#define UN_COL_ORD    2 /* name of the ordinality field, or NULL */
#define UN_COL_SEL    3 /* 1: the query filters the rows (a planning hint only) */
#define UN_COL_PROJ   4 /* the projected paths, '[["a"],["b","c"]]', or '' */
#define UN_COL_FIRST  5 /* then (name, array) pairs */
#define UN_N_INPUTS   (UN_COL_FIRST + 2 * UN_MAX_ARRAYS)
#define UN_MAX_PROJ   8
#define UN_COL_V0     UN_N_INPUTS      /* v<i>: rs_get(doc, path i) of the row */
#define UN_TYPE_KEY   "__rockset_type" /* the tag of a typed value in extended JSON (value.c) */

int rt_unnest_register(sqlite3 *db);

/* One element's text in document form: a slice of the array argument (ptr set), or of the
 * cursor's arena at off (ptr NULL until the arena stops growing, see resolve_slices). */
typedef struct un_elem {
    const char *ptr;
    size_t off, len;
    int is_object; /* an object (not a typed value): its members are spliced without AS */
} un_elem;

/* The elements of one array argument. */
typedef struct un_array {
    int named;               /* AS given */
    size_t key_off, key_len; /* '"name":' (or '"unnest":') in the arena */
    un_elem *elems;
    size_t n, cap;
} un_array;

typedef struct un_cursor {
    sqlite3_vtab_cursor base;
    rs_buf rows;    /* every row's document, each NUL-terminated, one after another */
    size_t *starts; /* row k begins at rows.data + starts[k] */
    size_t n_rows, cap_rows, row;
    un_array arrays[UN_MAX_ARRAYS];
    size_t ord_off, ord_len; /* '"i":' in the arena, ord_len 0 without ordinality */
    rs_buf arena;            /* keys and the elements written again */
    rs_buf scratch;          /* rv_from_json's decoding */
    /* the projected paths, parsed from proj_text (kept while the next filter's text is equal) */
    rs_buf proj_text;
    rt_path *paths[UN_MAX_PROJ];
    int n_paths;
    size_t found_row;                    /* row + 1 whose members found[] holds, 0: none */
    rs_jsonscan_span found[UN_MAX_PROJ]; /* each path's first member in that row */
} un_cursor;

static int un_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                      char **err_msg) {
    rs_buf schema = RS_BUF_INIT;
    (void)aux;
    (void)argc;
    (void)argv;
    (void)err_msg;
    rs_buf_puts(&schema, "CREATE TABLE x(doc, n HIDDEN, ord HIDDEN, sel HIDDEN, proj HIDDEN");
    for (int i = 0; i < UN_MAX_ARRAYS; i++)
        rs_buf_printf(&schema, ", name%d HIDDEN, arr%d HIDDEN", i, i);
    for (int i = 0; i < UN_MAX_PROJ; i++)
        rs_buf_printf(&schema, ", v%d HIDDEN", i);
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
    int by_column[UN_N_INPUTS];
    int mask = 0, next = 1;
    (void)vtab;
    for (int c = 0; c < UN_N_INPUTS; c++)
        by_column[c] = -1;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        /* the doc and v<i> columns are outputs: a test on them is SQLite's to run */
        if (c->iColumn < UN_COL_COUNT || c->iColumn >= UN_N_INPUTS ||
            c->op != SQLITE_INDEX_CONSTRAINT_EQ)
            continue;
        if (!c->usable)
            return SQLITE_CONSTRAINT;
        by_column[c->iColumn] = i;
        mask |= 1 << c->iColumn;
    }
    if (by_column[UN_COL_COUNT] < 0 || by_column[UN_COL_FIRST + 1] < 0)
        return SQLITE_CONSTRAINT;
    for (int c = UN_COL_COUNT; c < UN_N_INPUTS; c++) {
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

static void drop_paths(un_cursor *cur) {
    for (int i = 0; i < cur->n_paths; i++)
        rt_path_free(cur->paths[i]);
    cur->n_paths = 0;
    rs_buf_free(&cur->proj_text);
}

static int un_close(sqlite3_vtab_cursor *base) {
    un_cursor *cur = (un_cursor *)base;
    rs_buf_free(&cur->rows);
    free(cur->starts);
    for (int i = 0; i < UN_MAX_ARRAYS; i++)
        free(cur->arrays[i].elems);
    rs_buf_free(&cur->arena);
    rs_buf_free(&cur->scratch);
    drop_paths(cur);
    sqlite3_free(cur);
    return SQLITE_OK;
}

/* Empty b for the next filter, keeping its memory; a buffer whose append once failed is
 * dropped instead (its oom flag is sticky). */
static void buf_restart(rs_buf *b) {
    if (b->oom)
        rs_buf_free(b);
    else
        rs_buf_reset(b);
}

static int set_error(sqlite3_vtab *vtab, const char *msg) {
    sqlite3_free(vtab->zErrMsg);
    vtab->zErrMsg = sqlite3_mprintf("%s", msg);
    return SQLITE_ERROR;
}

/* An integer of at most 18 digits, not "-0": rv_to_json writes it as this very text. */
static int is_plain_int(const char *p, size_t len) {
    size_t neg = len > 0 && p[0] == '-';
    if (len <= neg || len - neg > 18 || (neg && len == 2 && p[1] == '0'))
        return 0;
    for (size_t k = neg; k < len; k++)
        if (p[k] < '0' || p[k] > '9')
            return 0;
    return 1;
}

/* A string literal without escape whose bytes are valid UTF-8: rs_buf_json_string writes its
 * content back unchanged (a checked literal holds no raw control character). */
static int is_plain_string(const char *p, size_t len) {
    int high = 0;
    for (size_t k = 1; k + 1 < len; k++) {
        if (p[k] == '\\')
            return 0;
        high |= (unsigned char)p[k] >= 0x80;
    }
    return !high || rs_utf8_valid(p + 1, len - 2, NULL);
}

/* Whether the value model writes the checked value v as its own text (see the header). An
 * object is a typed value only with a member named __rockset_type; an escape could spell it. */
static int is_verbatim(rs_jsonscan_span v) {
    switch (v.ptr[0]) {
    case '[':
    case 't':
    case 'f':
    case 'n':
        return 1;
    case '{':
        return memchr(v.ptr, '\\', v.len) == NULL &&
               memmem(v.ptr, v.len, UN_TYPE_KEY, strlen(UN_TYPE_KEY)) == NULL;
    case '"':
        return is_plain_string(v.ptr, v.len);
    default:
        return is_plain_int(v.ptr, v.len);
    }
}

/* Room for one more element in a. */
static int grow_elems(un_array *a) {
    if (a->n < a->cap)
        return SQLITE_OK;
    size_t cap = a->cap ? 2 * a->cap : 16;
    un_elem *elems = realloc(a->elems, cap * sizeof *elems);
    if (elems == NULL)
        return SQLITE_NOMEM;
    a->elems = elems;
    a->cap = cap;
    return SQLITE_OK;
}

/* The element v (checked by the walk) as its slice, or read and written again into the arena
 * as the value model does. */
static int read_elem(sqlite3_vtab *vtab, un_cursor *cur, rs_jsonscan_span v, un_elem *e) {
    rv val;
    rs_err err;
    *e = (un_elem){v.ptr, 0, v.len, v.ptr[0] == '{'};
    if (is_verbatim(v))
        return SQLITE_OK;
    int rc = rv_from_json(v.ptr, v.len, &val, &cur->scratch, &err);
    if (rc != 0)
        return rc == RS_ENOMEM ? SQLITE_NOMEM
                               : set_error(vtab, "UNNEST: the array is not valid JSON");
    if (val.type == RV_OBJECT) /* no typed value after all: written as it is */
        return SQLITE_OK;
    *e = (un_elem){NULL, cur->arena.len, 0, 0};
    if (rv_to_json(&cur->arena, &val, RV_FORM_DOC) != 0)
        return SQLITE_NOMEM;
    e->len = cur->arena.len - e->off;
    return SQLITE_OK;
}

/* Read one array argument's elements (none for null or missing). */
static int read_array(sqlite3_vtab *vtab, un_cursor *cur, sqlite3_value *value, un_array *a) {
    rv arr;
    rs_jsonscan_iter it;
    rs_jsonscan_span v;
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
    /* in a translated query's steps the array is the store's text or the runtime's output
     * (docindex.h): walked by its brackets and quotes, as rs_get reads its documents there */
    if (rt_docindex_trusting())
        rs_jsonscan_iter_init_valid(&it, (rs_jsonscan_span){arr.s, arr.len});
    else
        rs_jsonscan_iter_init(&it, (rs_jsonscan_span){arr.s, arr.len});
    while (rc == SQLITE_OK && (step = rs_jsonscan_iter_next(&it, NULL, &v)) == 1) {
        rc = grow_elems(a);
        if (rc == SQLITE_OK)
            rc = read_elem(vtab, cur, v, &a->elems[a->n]);
        a->n += rc == SQLITE_OK;
    }
    if (rc == SQLITE_OK && step < 0)
        rc = set_error(vtab, "UNNEST: the array is not valid JSON");
    return rc;
}

/* '"name":' appended to the arena; its place in *off and *len. */
static int put_key(un_cursor *cur, const char *name, size_t *off, size_t *len) {
    *off = cur->arena.len;
    rs_buf_json_string(&cur->arena, name, strlen(name));
    rs_buf_putc(&cur->arena, ':');
    *len = cur->arena.len - *off;
    return cur->arena.oom ? SQLITE_NOMEM : SQLITE_OK;
}

/* The arena has stopped growing: point the elements written into it at their text. */
static void resolve_slices(un_cursor *cur, int n_arrays) {
    for (int i = 0; i < n_arrays; i++) {
        un_array *a = &cur->arrays[i];
        for (size_t k = 0; k < a->n; k++)
            if (a->elems[k].ptr == NULL)
                a->elems[k].ptr = cur->arena.data + a->elems[k].off;
    }
}

/* The members of an object element without its braces (nothing for {}). Only ' ' and '\n'
 * after the brace are skipped, as before; stored documents hold no whitespace at all. */
static void put_members(rs_buf *doc, const un_elem *e, int *n_members) {
    const char *inner = e->ptr + 1;
    size_t inner_len = e->len >= 2 ? e->len - 2 : 0;
    while (inner_len > 0 && (*inner == ' ' || *inner == '\n'))
        inner++, inner_len--;
    if (inner_len == 0)
        return;
    if ((*n_members)++)
        rs_buf_putc(doc, ',');
    rs_buf_append(doc, inner, inner_len);
}

/* The decimal digits of n (k + 1 for row k: the ordinality's value). */
static void put_ordinal(rs_buf *doc, size_t n) {
    char digits[24];
    size_t at = sizeof digits;
    do
        digits[--at] = (char)('0' + n % 10);
    while ((n /= 10) > 0);
    rs_buf_append(doc, digits + at, sizeof digits - at);
}

/* The document of row k appended to cur->rows, NUL-terminated. */
static void put_row(un_cursor *cur, int n_arrays, size_t k) {
    rs_buf *doc = &cur->rows;
    int n_members = 0;
    rs_buf_putc(doc, '{');
    for (int i = 0; i < n_arrays; i++) {
        const un_array *a = &cur->arrays[i];
        if (k >= a->n)
            continue;
        const un_elem *e = &a->elems[k];
        if (!a->named && e->is_object) {
            put_members(doc, e, &n_members);
            continue;
        }
        if (n_members++)
            rs_buf_putc(doc, ',');
        rs_buf_append(doc, cur->arena.data + a->key_off, a->key_len);
        rs_buf_append(doc, e->ptr, e->len);
    }
    if (cur->ord_len > 0) {
        if (n_members++)
            rs_buf_putc(doc, ',');
        rs_buf_append(doc, cur->arena.data + cur->ord_off, cur->ord_len);
        put_ordinal(doc, k + 1);
    }
    rs_buf_putc(doc, '}');
    rs_buf_putc(doc, '\0');
}

static int build_rows(un_cursor *cur, int n_arrays) {
    size_t rows = 0;
    for (int i = 0; i < n_arrays; i++)
        rows = cur->arrays[i].n > rows ? cur->arrays[i].n : rows;
    if (rows > cur->cap_rows) {
        size_t *starts = realloc(cur->starts, rows * sizeof *starts);
        if (starts == NULL)
            return SQLITE_NOMEM;
        cur->starts = starts;
        cur->cap_rows = rows;
    }
    resolve_slices(cur, n_arrays);
    for (size_t k = 0; k < rows; k++) {
        cur->starts[k] = cur->rows.len;
        put_row(cur, n_arrays, k);
    }
    if (cur->rows.oom)
        return SQLITE_NOMEM;
    cur->n_rows = rows;
    return SQLITE_OK;
}

/* A name argument: NULL when absent or ''. */
static const char *text_or_null(sqlite3_value *v) {
    const char *text = v != NULL ? (const char *)sqlite3_value_text(v) : NULL;
    return text != NULL && text[0] != '\0' ? text : NULL;
}

/* Forget the last filter's rows and elements, keeping the memory. */
static void restart(un_cursor *cur) {
    buf_restart(&cur->rows);
    buf_restart(&cur->arena);
    buf_restart(&cur->scratch);
    cur->n_rows = 0;
    cur->row = 0;
    cur->ord_len = 0;
    for (int i = 0; i < UN_MAX_ARRAYS; i++)
        cur->arrays[i].n = 0;
}

/* The keys and elements of the call's arrays, from by_column. */
static int read_arrays(un_cursor *cur, sqlite3_value **by_column, int n_arrays) {
    const char *ord = text_or_null(by_column[UN_COL_ORD]);
    int rc = ord != NULL ? put_key(cur, ord, &cur->ord_off, &cur->ord_len) : SQLITE_OK;
    for (int i = 0; rc == SQLITE_OK && i < n_arrays; i++) {
        un_array *a = &cur->arrays[i];
        const char *name = text_or_null(by_column[UN_COL_FIRST + 2 * i]);
        sqlite3_value *arr = by_column[UN_COL_FIRST + 2 * i + 1];
        a->named = name != NULL;
        rc = put_key(cur, name != NULL ? name : "unnest", &a->key_off, &a->key_len);
        if (rc == SQLITE_OK && arr != NULL)
            rc = read_array(cur->base.pVtab, cur, arr, a);
    }
    return rc;
}

/* The projected paths of the proj argument (none for '' or absent), parsed again only when its
 * text differs from the last filter's: a join filters once per document with the same text. */
static int load_paths(un_cursor *cur, sqlite3_value *proj) {
    const char *text = proj != NULL ? (const char *)sqlite3_value_text(proj) : NULL;
    size_t len = text != NULL ? (size_t)sqlite3_value_bytes(proj) : 0;
    cur->found_row = 0;
    if (len == cur->proj_text.len && (len == 0 || memcmp(text, cur->proj_text.data, len) == 0))
        return SQLITE_OK;
    drop_paths(cur);
    if (len == 0)
        return SQLITE_OK;
    rs_jsonscan_iter it;
    rs_jsonscan_span list = {text, len}, e;
    int step;
    if (rs_jsonscan_classify(list) != RS_JSON_ARRAY || rs_jsonscan_iter_init(&it, list) != RS_OK)
        return set_error(cur->base.pVtab, "UNNEST: malformed projected paths");
    while ((step = rs_jsonscan_iter_next(&it, NULL, &e)) == 1) {
        rt_path *path = cur->n_paths < UN_MAX_PROJ ? rt_path_parse(e) : NULL;
        if (path == NULL) {
            drop_paths(cur);
            return set_error(cur->base.pVtab, "UNNEST: malformed projected paths");
        }
        cur->paths[cur->n_paths++] = path;
    }
    if (step < 0 || rs_buf_append(&cur->proj_text, text, len) != 0) {
        drop_paths(cur);
        return step < 0 ? set_error(cur->base.pVtab, "UNNEST: malformed projected paths")
                        : SQLITE_NOMEM;
    }
    return SQLITE_OK;
}

/* argv holds, in column order, the arguments the call gave (idx_num has a bit per column). */
static int un_filter(sqlite3_vtab_cursor *base, int idx_num, const char *idx_str, int argc,
                     sqlite3_value **argv) {
    un_cursor *cur = (un_cursor *)base;
    sqlite3_value *by_column[UN_N_INPUTS] = {0};
    int next = 0;
    (void)idx_str;
    restart(cur);
    for (int c = UN_COL_COUNT; c < UN_N_INPUTS && next < argc; c++)
        if (idx_num & (1 << c))
            by_column[c] = argv[next++];
    int n_arrays = by_column[UN_COL_COUNT] ? sqlite3_value_int(by_column[UN_COL_COUNT]) : 0;
    if (n_arrays < 1 || n_arrays > UN_MAX_ARRAYS)
        return set_error(base->pVtab, "UNNEST: takes 1 to 8 arrays");
    int rc = load_paths(cur, by_column[UN_COL_PROJ]);
    if (rc == SQLITE_OK)
        rc = read_arrays(cur, by_column, n_arrays);
    if (rc == SQLITE_OK)
        rc = build_rows(cur, n_arrays);
    if (rc != SQLITE_OK)
        cur->n_rows = 0;
    return rc;
}

static int un_next(sqlite3_vtab_cursor *base) {
    ((un_cursor *)base)->row++;
    return SQLITE_OK;
}

static int un_eof(sqlite3_vtab_cursor *base) {
    un_cursor *cur = (un_cursor *)base;
    return cur->row >= cur->n_rows;
}

/* The current row's document (without its terminating NUL). */
static rs_jsonscan_span row_doc(const un_cursor *cur) {
    size_t start = cur->starts[cur->row];
    size_t end = cur->row + 1 < cur->n_rows ? cur->starts[cur->row + 1] : cur->rows.len;
    return (rs_jsonscan_span){cur->rows.data + start, end - start - 1};
}

/* v<i>: what rs_get(doc, path i...) returns for the row's document. The row's members are
 * walked once for all the paths, at the first of its columns read: no copy of the document for
 * SQLite, and no member index built for it in rs_get's cache (each row is a new document). */
static void put_projected(un_cursor *cur, sqlite3_context *ctx, int i) {
    if (cur->found_row != cur->row + 1) {
        for (int k = 0; k < cur->n_paths; k++)
            cur->found[k] = (rs_jsonscan_span){NULL, 0};
        /* the rows are written from checked elements (or trusted ones, as read_array reads) */
        rt_path_scan_members(row_doc(cur), 1, (const rt_path *const *)cur->paths, cur->n_paths,
                             cur->found);
        cur->found_row = cur->row + 1;
    }
    rs_jsonscan_span v = cur->found[i];
    if (v.ptr != NULL && rt_path_follow(cur->paths[i], &v))
        rt_get_result(ctx, v, rt_path_is_event_time(cur->paths[i]));
}

static int un_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int col) {
    un_cursor *cur = (un_cursor *)base;
    /* -1: SQLite learns the text is NUL-terminated and need not grow its copy to read it */
    if (col == UN_COL_DOC)
        sqlite3_result_text(ctx, cur->rows.data + cur->starts[cur->row], -1, SQLITE_TRANSIENT);
    else if (col >= UN_COL_V0 && col < UN_COL_V0 + cur->n_paths)
        put_projected(cur, ctx, col - UN_COL_V0);
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
