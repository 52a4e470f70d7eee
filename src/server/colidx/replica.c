/*
 * replica.c - the column index's replica (replica.h): change capture in SQLite, the worker that
 * applies changes to DuckDB, the catalog of paths and columns, rebuilds and catch-up.
 */
#include "replica.h"

#include "buf.h"
#include "duck.h"
#include "hash.h"
#include "server/runtime/datetime.h"
#include "server/runtime/value.h"
#include "strdict.h"
#include "utf8.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KEY_SEP    '\x1f' /* between the field names of a path's key */
#define ELEM_STEP  "\x1e" /* the step from an array to its elements: steps\x1f\x1e\x1fname */
#define MAX_DEPTH  8      /* nested objects flattened this deep; deeper is not replicated */
#define BATCH      20000  /* changes applied per DuckDB transaction */
#define LOAD_CHUNK 5000   /* documents per appender pass when (re)building */
#define POLL_MS    50     /* the worker looks for new changes this often */
#define RETRY_MS   1000   /* and waits this long after a failure */
#define POOL_MAX   8      /* idle query connections kept, with their plans */
#define TRIM_MS    2000   /* applied changes are deleted from the log this often */
/* Changes applied sit in DuckDB's WAL until a checkpoint (at 128MB of it, open_duck), unsorted
 * into row groups, uncompressed, without the zone maps a scan skips by: after 200,000 writes the
 * dashboard's aggregates took 1.3 to 2.6 times as long as after a checkpoint (q03 8.3 -> 5.2 ms,
 * q25 8.5 -> 3.3 ms on 1.2M documents). Even a few commits cost every column query until the
 * next checkpoint, whatever collection they wrote: after 100 one-document commits into another
 * collection the dashboard's column queries took 1.3 to 1.6 times as long (q17 1.7 -> 2.6 ms
 * on 100,000 documents), and stayed so while fewer than 1,000 changes, the former threshold,
 * waited. So the worker checkpoints once the writes have paused for QUIET_MS after any change
 * since the last one: a stream keeps DuckDB's own threshold, a load or a trickle ends
 * checkpointed. */
#define QUIET_MS 1000
/* The strings of an array's elements are stored as codes (strdict.h); a path that would need
 * more than this many is refused by the emitter from then on (as a mixed one), so that the
 * dictionary a query decodes with stays small. Step names, labels, conclusions: tens. */
#define DICT_MAX 4096

/* ---- the catalog ---- */

typedef struct path_ent {
    char *key; /* field names joined by KEY_SEP */
    int col;   /* c<col>; -1 for a path without a column (object, array, other types) */
    int type;  /* rv_type of its values, RV_UNDEFINED until one is seen */
    int mixed, has_null, has_missing;
    int ts, ts_ok;   /* a c<col>_ts column exists; every string read as a timestamp */
    int ascii;       /* every string so far is ASCII (LOWER and UPPER agree with DuckDB's) */
    int dirty;       /* changed since the catalog was last written to DuckDB */
    int elem;        /* a path inside an array's elements: its column is a LIST, one entry each */
    int arr;         /* elem: the index of its array's path (-1: none, -2: not linked yet) */
    int slot[3];     /* its table's slot of each SLOT_* kind, -1 for none */
    rl_strdict dict; /* coded: its strings' codes (saved to _colidx_dict) */
} path_ent;

/* What a slot (a column of the replica table) holds of its path. */
enum { SLOT_VALUE = 0, SLOT_TS = 1, SLOT_LEN = 2 };

typedef struct slot {
    int path;  /* index into paths */
    int is_ts; /* SLOT_*: the value, PARSE_TIMESTAMP_ISO8601 of it (c<N>_ts), an array's
                  length (c<N>_n) */
} slot;

typedef struct rep_table {
    char tbl[128];
    path_ent *paths;
    int n_paths, cap_paths;
    /* paths by key: open addressing, each entry a path's index + 1 (0: free). Every member of
     * every document written is looked up here, twice (pass 1 and 2): a linear search with
     * strncmp was an eighth of the replica's CPU on a load of the dashboard benchmark's documents.
     */
    int *by_key;
    int cap_by_key; /* a power of two, at least twice n_paths */
    slot *slots;    /* the table's columns after _id, in order */
    int n_slots, cap_slots;
    int next_col;
    int64_t n_docs;
    int created; /* its DuckDB table exists */
} rep_table;

struct rl_colidx {
    rl_store *st;
    rl_duck_db *db;
    rl_duck_conn *wconn; /* the applier's connection, under apply_lock */
    pthread_mutex_t apply_lock;
    pthread_mutex_t cat_lock; /* tables and their paths, applied, building */
    pthread_mutex_t wake_lock;
    pthread_cond_t wake;
    int stop, thread_started;
    pthread_t thread;
    rep_table **tables; /* each allocated alone: a batch keeps pointers while tables are added */
    int n_tables, cap_tables;
    int64_t applied;    /* last cseq in the replica */
    int64_t trimmed_ms; /* when the log was last trimmed (rl_mono_ms) */
    int64_t unflushed;  /* under apply_lock: changes applied since the last checkpoint */
    int64_t applied_ms; /* under apply_lock: when changes were last applied (rl_mono_ms) */
    int building;       /* a rebuild is running or due */
    int64_t codes_gen;  /* under cat_lock: moves whenever an element string gets a new code */
    /* idle query connections and the plans they keep (duck.h rl_duck_query_kept); pool_gen
     * counts renewals: a connection taken before one is not kept on its return */
    pthread_mutex_t pool_lock;
    rl_duck_conn *pool[POOL_MAX];
    int n_pool;
    unsigned pool_gen;
    char epoch[40];
    char describe[512];
};

/* Whether this process logs changes (set while a column index runs; read by docs.c). */
static int g_capture_on;

static int nomem(rs_err *err) {
    return rs_err_set(err, RS_ENOMEM, "out of memory");
}

static rep_table *find_table(rl_colidx *cx, const char *tbl) {
    for (int i = 0; i < cx->n_tables; i++)
        if (strcmp(cx->tables[i]->tbl, tbl) == 0)
            return cx->tables[i];
    return NULL;
}

static rep_table *add_table(rl_colidx *cx, const char *tbl) {
    rep_table *t = find_table(cx, tbl);
    if (t != NULL)
        return t;
    if (cx->n_tables == cx->cap_tables) {
        int cap = cx->cap_tables ? cx->cap_tables * 2 : 8;
        rep_table **n = realloc(cx->tables, (size_t)cap * sizeof(*n));
        if (n == NULL)
            return NULL;
        cx->tables = n;
        cx->cap_tables = cap;
    }
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    snprintf(t->tbl, sizeof(t->tbl), "%s", tbl);
    cx->tables[cx->n_tables++] = t;
    return t;
}

static void free_table(rep_table *t) {
    for (int i = 0; i < t->n_paths; i++) {
        free(t->paths[i].key);
        rl_strdict_free(&t->paths[i].dict);
    }
    free(t->paths);
    free(t->by_key);
    free(t->slots);
    free(t);
}

static void drop_table_entry(rl_colidx *cx, const char *tbl) {
    for (int i = 0; i < cx->n_tables; i++) {
        if (strcmp(cx->tables[i]->tbl, tbl) == 0) {
            free_table(cx->tables[i]);
            cx->tables[i] = cx->tables[--cx->n_tables];
            return;
        }
    }
}

static int find_path(const rep_table *t, const char *key, size_t len) {
    if (t->cap_by_key == 0)
        return -1;
    unsigned mask = (unsigned)t->cap_by_key - 1;
    for (unsigned h = rs_fnv1a32(key, len) & mask;; h = (h + 1) & mask) {
        int i = t->by_key[h] - 1;
        if (i < 0)
            return -1;
        if (strncmp(t->paths[i].key, key, len) == 0 && t->paths[i].key[len] == '\0')
            return i;
    }
}

/* Put path i in t's table by key (which has room). */
static void put_key(rep_table *t, int i) {
    unsigned mask = (unsigned)t->cap_by_key - 1;
    unsigned h = rs_fnv1a32(t->paths[i].key, strlen(t->paths[i].key)) & mask;
    while (t->by_key[h] != 0)
        h = (h + 1) & mask;
    t->by_key[h] = i + 1;
}

/* Put new path i in t's table by key, grown (and paths 0..i-1 put again) when half full. */
static int index_path(rep_table *t, int i) {
    if (2 * (i + 1) > t->cap_by_key) {
        int cap = t->cap_by_key ? t->cap_by_key * 2 : 64;
        int *n = calloc((size_t)cap, sizeof(*n));
        if (n == NULL)
            return RS_ENOMEM;
        free(t->by_key);
        t->by_key = n;
        t->cap_by_key = cap;
        for (int j = 0; j < i; j++)
            put_key(t, j);
    }
    put_key(t, i);
    return RS_OK;
}

static int add_slot(rep_table *t, int path, int is_ts) {
    if (t->n_slots == t->cap_slots) {
        int cap = t->cap_slots ? t->cap_slots * 2 : 16;
        slot *n = realloc(t->slots, (size_t)cap * sizeof(*n));
        if (n == NULL)
            return RS_ENOMEM;
        t->slots = n;
        t->cap_slots = cap;
    }
    t->slots[t->n_slots].path = path;
    t->slots[t->n_slots].is_ts = is_ts;
    t->paths[path].slot[is_ts] = t->n_slots;
    t->n_slots++;
    return RS_OK;
}

/* A new path entry (no column yet); its index or -1 when out of memory. */
static int add_path(rep_table *t, const char *key, size_t len) {
    if (t->n_paths == t->cap_paths) {
        int cap = t->cap_paths ? t->cap_paths * 2 : 16;
        path_ent *n = realloc(t->paths, (size_t)cap * sizeof(*n));
        if (n == NULL)
            return -1;
        t->paths = n;
        t->cap_paths = cap;
    }
    path_ent *p = &t->paths[t->n_paths];
    memset(p, 0, sizeof(*p));
    p->key = strndup(key, len);
    if (p->key == NULL)
        return -1;
    p->slot[SLOT_VALUE] = p->slot[SLOT_TS] = p->slot[SLOT_LEN] = -1;
    if (index_path(t, t->n_paths) != RS_OK) {
        free(p->key);
        return -1;
    }
    p->col = -1;
    p->dirty = 1;
    p->elem = strstr(p->key, "\x1f" ELEM_STEP) != NULL;
    p->arr = p->elem ? -2 : -1;
    return t->n_paths++;
}

/* The path of the array whose elements path p is in (its key up to the element step), or -1. */
static int array_of(const rep_table *t, int p) {
    const char *key = t->paths[p].key, *step = strstr(key, "\x1f" ELEM_STEP);
    return step != NULL ? find_path(t, key, (size_t)(step - key)) : -1;
}

/* Link every element path of t to its array's path (after a load, or a new path). */
static void link_elems(rep_table *t) {
    for (int p = 0; p < t->n_paths; p++)
        if (t->paths[p].arr == -2)
            t->paths[p].arr = array_of(t, p);
}

static const char *duck_type(int type) {
    switch (type) {
    case RV_BOOL:
        return "BOOLEAN";
    case RV_INT:
        return "BIGINT";
    case RV_FLOAT:
        return "DOUBLE";
    case RV_STRING:
        return "VARCHAR";
    case RV_TIMESTAMP:
        return "TIMESTAMP";
    case RV_OBJECT:
    case RV_ARRAY: /* TRUE where the document holds one: serves IS [NOT] NULL alone */
        return "BOOLEAN";
    default:
        return NULL;
    }
}

/* Whether path pe's strings are stored as codes: an array's elements' (strdict.h). */
static int coded(const path_ent *pe) {
    return pe->elem && pe->type == RV_STRING;
}

/* The column type of a path (NULL: no column). Inside elements a scalar's column is a LIST of
 * it, an entry per element (strings: their codes); objects there are flattened and arrays are
 * not replicated. */
static const char *path_type(const path_ent *pe, int type) {
    static const char *const lists[] = {[RV_BOOL] = "BOOLEAN[]",
                                        [RV_INT] = "BIGINT[]",
                                        [RV_FLOAT] = "DOUBLE[]",
                                        [RV_STRING] = "BIGINT[]",
                                        [RV_TIMESTAMP] = "TIMESTAMP[]"};
    if (!pe->elem)
        return duck_type(type);
    if (type == RV_OBJECT || type == RV_ARRAY || type < 0 ||
        type >= (int)(sizeof lists / sizeof lists[0]))
        return NULL;
    return lists[type];
}

/* The kind of a cell holding a value of type (a list's elements). */
static rl_duck_kind cell_kind(int type) {
    switch (type) {
    case RV_BOOL:
        return RL_DK_BOOL;
    case RV_INT:
        return RL_DK_INT;
    case RV_FLOAT:
        return RL_DK_DOUBLE;
    case RV_STRING:
        return RL_DK_TEXT;
    case RV_TIMESTAMP:
        return RL_DK_TIMESTAMP;
    default:
        return RL_DK_NULL;
    }
}

/* ---- small DuckDB helpers ---- */

static void put_ident(rs_buf *b, const char *s) {
    rs_buf_quoted(b, s, strlen(s), '"');
}

static void put_string(rs_buf *b, const char *s, size_t len) {
    rs_buf_quoted(b, s, len, '\'');
}

static void put_rtable(rs_buf *b, const char *tbl) {
    char name[160];
    snprintf(name, sizeof(name), "r_%s", tbl);
    put_ident(b, name);
}

static int exec_buf(rl_duck_conn *c, rs_buf *b, rs_err *err) {
    if (b->oom)
        return nomem(err);
    return rl_duck_exec(c, b->data, err);
}

static int exec_sql(rl_duck_conn *c, const char *sql, rs_err *err) {
    return rl_duck_exec(c, sql, err);
}

/* ---- flattening documents ---- */

/* One document's cells, by slot. */
/* The entries of a LIST cell: one per element of its array (RL_DK_OTHER while an element has
 * not given one: the member is missing there). */
typedef struct cell_list {
    rl_duck_cell *v;
    int n, cap;
} cell_list;

typedef struct row_cells {
    rl_duck_cell *cells; /* n = the table's n_slots */
    unsigned char *set;  /* slot has a value or an explicit null */
    cell_list *lists;    /* the entries of element paths' slots */
    int cap;
    rs_buf text; /* the strings of the cells */
} row_cells;

static int row_reserve(row_cells *r, int n) {
    if (n <= r->cap)
        return RS_OK;
    int cap = n + 16;
    rl_duck_cell *c = realloc(r->cells, (size_t)cap * sizeof(*c));
    if (c == NULL)
        return RS_ENOMEM;
    r->cells = c;
    unsigned char *s = realloc(r->set, (size_t)cap);
    if (s == NULL)
        return RS_ENOMEM;
    r->set = s;
    cell_list *l = realloc(r->lists, (size_t)cap * sizeof(*l));
    if (l == NULL)
        return RS_ENOMEM;
    memset(l + r->cap, 0, (size_t)(cap - r->cap) * sizeof(*l));
    r->lists = l;
    r->cap = cap;
    return RS_OK;
}

static void row_free(row_cells *r) {
    for (int i = 0; i < r->cap; i++)
        free(r->lists[i].v);
    free(r->lists);
    free(r->cells);
    free(r->set);
    rs_buf_free(&r->text);
}

/* Grow list l to at least n entries, the new ones unset. */
static int list_reach(cell_list *l, int n) {
    if (n > l->cap) {
        int cap = n < 8 ? 8 : n * 2;
        rl_duck_cell *v = realloc(l->v, (size_t)cap * sizeof(*v));
        if (v == NULL)
            return RS_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    for (; l->n < n; l->n++)
        l->v[l->n].kind = RL_DK_OTHER;
    return RS_OK;
}

typedef struct walker {
    rep_table *t;
    int discover; /* pass 1: register paths; pass 2: fill cells */
    int grew;     /* pass 1 added a path needing a column */
    /* pass 2 alone, on documents no pass 1 has seen (apply_known): a value the catalog does
     * not know the shape of (a new path, a path's first value, a type that makes it mixed, a
     * string past its dictionary) stops the walk and sets unknown */
    int alone, unknown;
    row_cells *row;
    rs_buf key;         /* the current path's key */
    int elem;           /* the index of the array element being walked, -1 outside elements */
    int64_t *codes_gen; /* pass 1 (and alone): the replica's rl_colidx.codes_gen, moved by a
                         * new code */
    int oom;            /* pass 2 ran out of memory filling a list */
    rs_err *err;
} walker;

/* The slot of path p's column (is_ts: its _ts column), or -1. */
static int slot_of(const rep_table *t, int p, int is_ts) {
    return t->paths[p].slot[is_ts];
}

/* The type a value is replicated as (the _event_time string as its timestamp; one that does
 * not parse stays a string, so the path becomes mixed). */
static int value_type(const rv *v, int event_time, int64_t *ts) {
    if (event_time && v->type == RV_STRING && rt_parse_timestamp(v->s, v->len, ts) == 0)
        return RV_TIMESTAMP;
    return v->type;
}

/* Pass 1 for a coded path's string: its code, given now (pass 2 only looks it up); a string
 * beyond DICT_MAX makes the path refused, as a mixed one. */
static int give_code(walker *w, path_ent *pe, const rv *v) {
    int known = pe->dict.n;
    int code = rl_strdict_code(&pe->dict, v->s, v->len, pe->dict.n < DICT_MAX);
    if (code < 0)
        return nomem(w->err);
    if (code > known && w->codes_gen != NULL)
        ++*w->codes_gen;
    if (code == 0) {
        pe->mixed = 1;
        pe->dirty = 1;
    }
    return RS_OK;
}

/* A null met at path pe (pass 1, or pass 2 alone). */
static void note_null(path_ent *pe) {
    pe->dirty |= !pe->has_null;
    pe->has_null = 1;
}

/* Pass 1 for one path: its entry, and type conflicts. */
static int discover(walker *w, int p, int type, const rv *v) {
    path_ent *pe = &w->t->paths[p];
    if (type == RV_NULL) {
        note_null(pe);
        return RS_OK;
    }
    if (pe->type == RV_UNDEFINED) {
        pe->type = type;
        pe->dirty = 1;
        if (path_type(pe, type) != NULL) {
            int64_t ts;
            pe->col = w->t->next_col++;
            pe->ts = !pe->elem && type == RV_STRING && rt_parse_timestamp(v->s, v->len, &ts) == 0;
            pe->ts_ok = pe->ts;
            pe->ascii = type == RV_STRING; /* until fill meets a byte beyond it */
            w->grew = 1;
        }
        return coded(pe) ? give_code(w, pe, v) : RS_OK;
    }
    if (pe->type != type && !pe->mixed) {
        pe->mixed = 1;
        pe->dirty = 1;
    }
    return coded(pe) && type == RV_STRING && !pe->mixed ? give_code(w, pe, v) : RS_OK;
}

static void set_cell(walker *w, int s, rl_duck_kind kind, int64_t i, double d, const rv *str) {
    rl_duck_cell *c = &w->row->cells[s];
    if (w->elem >= 0) { /* an element's entry of a LIST cell */
        cell_list *l = &w->row->lists[s];
        if (list_reach(l, w->elem + 1) != RS_OK) {
            w->oom = 1;
            return;
        }
        c = &l->v[w->elem];
    }
    c->kind = kind;
    c->i = i;
    c->d = d;
    c->s = NULL;
    c->len = 0;
    if (str != NULL) {
        c->i = (int64_t)w->row->text.len; /* offset, turned into a pointer before appending */
        c->len = str->len;
        rs_buf_append(&w->row->text, str->s, str->len);
    }
    w->row->set[s] = 1;
}

/* Pass 2 for one path: its cells. */
static void fill(walker *w, int p, int type, const rv *v, int64_t ts) {
    path_ent *pe = &w->t->paths[p];
    int s = pe->col >= 0 ? slot_of(w->t, p, 0) : -1;
    if (s < 0)
        return;
    if (type == RV_NULL || pe->mixed || type != pe->type) {
        /* present (null or a value of another type): not missing */
        if (w->elem >= 0)
            set_cell(w, s, RL_DK_NULL, 0, 0, NULL);
        w->row->set[s] = 1;
        return;
    }
    switch (type) {
    case RV_BOOL:
        set_cell(w, s, RL_DK_BOOL, v->i, 0, NULL);
        break;
    case RV_INT:
        set_cell(w, s, RL_DK_INT, v->i, 0, NULL);
        break;
    case RV_FLOAT:
        set_cell(w, s, RL_DK_DOUBLE, 0, v->f, NULL);
        break;
    case RV_TIMESTAMP:
        set_cell(w, s, RL_DK_TIMESTAMP, v->type == RV_TIMESTAMP ? v->i : ts, 0, NULL);
        break;
    case RV_STRING:
        if (coded(pe)) { /* given in pass 1 */
            int code = rl_strdict_code(&pe->dict, v->s, v->len, 0);
            set_cell(w, s, code > 0 ? RL_DK_INT : RL_DK_NULL, code, 0, NULL);
        } else {
            set_cell(w, s, RL_DK_TEXT, 0, 0, v);
        }
        if (pe->ascii && !rs_utf8_is_ascii(v->s, v->len)) {
            pe->ascii = 0;
            pe->dirty = 1;
        }
        if (pe->ts) {
            int t2 = slot_of(w->t, p, 1);
            int64_t micros;
            if (rt_parse_timestamp(v->s, v->len, &micros) == 0) {
                if (pe->ts_ok && t2 >= 0)
                    set_cell(w, t2, RL_DK_TIMESTAMP, micros, 0, NULL);
            } else if (pe->ts_ok) {
                pe->ts_ok = 0;
                pe->dirty = 1;
            }
        }
        break;
    case RV_OBJECT:
    case RV_ARRAY:
        set_cell(w, s, RL_DK_BOOL, 1, 0, NULL);
        break;
    default:
        break;
    }
}

/* Pass 2 alone: whether pass 1 would leave the catalog's layout as it is for value v of path p
 * (what it records then, a null or a new code of a coded path, is recorded here); 0 when the
 * batch needs its pass 1 (apply_known). */
static int known_shape(walker *w, int p, int type, const rv *v) {
    path_ent *pe = &w->t->paths[p];
    if (type == RV_NULL) {
        note_null(pe);
        return 1;
    }
    if (pe->type == RV_UNDEFINED || (pe->type != type && !pe->mixed))
        return 0;
    if (!coded(pe) || type != RV_STRING || pe->mixed)
        return 1;
    if (rl_strdict_code(&pe->dict, v->s, v->len, 0) > 0)
        return 1;
    return pe->dict.n < DICT_MAX && give_code(w, pe, v) == RS_OK;
}

static int walk_object(walker *w, const rv *obj, int depth);
static int walk_array(walker *w, int p, const rv *v, int depth);

static int visit(walker *w, const rv *v, int depth) {
    int event_time = depth == 0 && w->key.len == 11 && memcmp(w->key.data, "_event_time", 11) == 0;
    int64_t ts = 0;
    int type = value_type(v, event_time, &ts);
    int p = find_path(w->t, w->key.data, w->key.len);
    if (w->alone && (p < 0 || !known_shape(w, p, type, v))) {
        w->unknown = 1;
        return RS_OK;
    }
    if (p < 0) {
        if (!w->discover)
            return RS_OK; /* appeared between the passes: cannot happen */
        if ((p = add_path(w->t, w->key.data, w->key.len)) < 0)
            return nomem(w->err);
        if (w->t->paths[p].elem)
            w->t->paths[p].arr = array_of(w->t, p);
    }
    if (w->discover) {
        if (discover(w, p, type, v) != RS_OK)
            return w->err->code;
    } else {
        fill(w, p, type, v, ts);
    }
    if (type == RV_OBJECT && depth + 1 < MAX_DEPTH)
        return walk_object(w, v, depth + 1);
    if (type == RV_ARRAY && w->elem < 0 && depth + 1 < MAX_DEPTH)
        return walk_array(w, p, v, depth + 1);
    return RS_OK;
}

/* Pass 2 after array path p's n elements: every LIST cell of its element paths gets n entries
 * (an element that gave none: its member is missing there, which the path then records), and
 * its length column n. */
static void close_lists(walker *w, int p, int n) {
    rep_table *t = w->t;
    for (int s = 0; s < t->n_slots; s++) {
        path_ent *pe = &t->paths[t->slots[s].path];
        if (t->slots[s].is_ts == SLOT_LEN && t->slots[s].path == p) {
            w->row->cells[s] = (rl_duck_cell){.kind = RL_DK_INT, .i = n};
            w->row->set[s] = 1;
        }
        if (pe->arr != p)
            continue;
        cell_list *l = &w->row->lists[s];
        if (list_reach(l, n) != RS_OK) {
            w->oom = 1;
            return;
        }
        for (int i = 0; i < n && !pe->has_missing; i++) {
            if (l->v[i].kind == RL_DK_OTHER) {
                pe->has_missing = 1;
                pe->dirty = 1;
            }
        }
        w->row->set[s] = 1;
    }
}

/* The elements of array v at path p, each walked at p's element step. */
static int walk_array(walker *w, int p, const rv *v, int depth) {
    rv_iter it;
    rv elem;
    rs_buf scratch = RS_BUF_INIT, name = RS_BUF_INIT;
    int rc = RS_OK, more, n = 0;
    size_t base = w->key.len;
    if (rv_iter_init(&it, v) != 0)
        return RS_OK;
    rs_buf_putc(&w->key, KEY_SEP);
    rs_buf_puts(&w->key, ELEM_STEP);
    if (w->key.oom)
        rc = nomem(w->err);
    while (rc == RS_OK && !w->unknown &&
           (more = rv_iter_next(&it, &elem, &scratch, &name, w->err)) == 1) {
        w->elem = n++;
        rc = visit(w, &elem, depth);
    }
    w->elem = -1;
    w->key.len = base;
    if (w->key.data)
        w->key.data[base] = '\0';
    if (rc == RS_OK && !w->discover && !w->unknown)
        close_lists(w, p, n);
    rs_buf_free(&scratch);
    rs_buf_free(&name);
    return rc;
}

static int walk_object(walker *w, const rv *obj, int depth) {
    rv_iter it;
    rv elem;
    rs_buf scratch = RS_BUF_INIT, name = RS_BUF_INIT;
    int rc = RS_OK, more;
    size_t base = w->key.len;
    if (rv_iter_init(&it, obj) != 0)
        return RS_OK;
    while (rc == RS_OK && !w->unknown &&
           (more = rv_iter_next(&it, &elem, &scratch, &name, w->err)) == 1) {
        if (depth == 0 && name.len == 3 && memcmp(name.data, "_id", 3) == 0)
            continue;
        /* a member named like the element step is not replicated (the emitter refuses it) */
        if (name.len == 1 && name.data[0] == ELEM_STEP[0])
            continue;
        w->key.len = base;
        if (base > 0)
            rs_buf_putc(&w->key, KEY_SEP);
        rs_buf_append(&w->key, name.data ? name.data : "", name.len);
        if (w->key.oom)
            rc = nomem(w->err);
        else
            rc = visit(w, &elem, depth);
        w->key.len = base;
        if (w->key.data)
            w->key.data[base] = '\0';
    }
    rs_buf_free(&scratch);
    rs_buf_free(&name);
    return rc;
}

/* Walk document text doc (an object) with w. */
static int walk_doc(walker *w, const char *doc, size_t len) {
    rv v;
    rs_buf scratch = RS_BUF_INIT;
    rs_err e = {0};
    int rc = RS_OK;
    rs_buf_reset(&w->key);
    if (rv_from_json(doc, len, &v, &scratch, &e) == 0 && v.type == RV_OBJECT)
        rc = walk_object(w, &v, 0);
    rs_buf_free(&scratch);
    return rc;
}

/* ---- writing to DuckDB ---- */

static int create_table(rl_colidx *cx, rep_table *t, rs_err *err) {
    rs_buf b = RS_BUF_INIT;
    if (t->created)
        return RS_OK;
    rs_buf_puts(&b, "CREATE TABLE IF NOT EXISTS ");
    put_rtable(&b, t->tbl);
    rs_buf_puts(&b, "(_id VARCHAR)");
    int rc = exec_buf(cx->wconn, &b, err);
    rs_buf_free(&b);
    if (rc == RS_OK)
        t->created = 1;
    return rc;
}

/* Whether path pe has a length column c<N>_n (an array outside elements: UNNEST's rows). */
static int has_len(const path_ent *pe) {
    return !pe->elem && pe->type == RV_ARRAY && pe->col >= 0;
}

/* The path whose column is c<col> and is not in the table yet, or -1. */
static int new_path_of_col(const rep_table *t, int col) {
    for (int p = 0; p < t->n_paths; p++)
        if (t->paths[p].col == col)
            return slot_of(t, p, 0) >= 0 ? -1 : p;
    return -1;
}

/* ALTER TABLE for every path given a column by pass 1, in column order (the order the
 * appender and a reload of the catalog assume). */
static int add_columns(rl_colidx *cx, rep_table *t, rs_err *err) {
    int rc = RS_OK;
    for (int col = 0; rc == RS_OK && col < t->next_col; col++) {
        int p = new_path_of_col(t, col);
        if (p < 0)
            continue;
        path_ent *pe = &t->paths[p];
        int kinds[2] = {SLOT_VALUE, pe->ts ? SLOT_TS : has_len(pe) ? SLOT_LEN : -1};
        for (int k = 0; rc == RS_OK && k < 2 && kinds[k] >= 0; k++) {
            static const char *const suffix[] = {"", "_ts", "_n"};
            rs_buf b = RS_BUF_INIT;
            rs_buf_puts(&b, "ALTER TABLE ");
            put_rtable(&b, t->tbl);
            rs_buf_printf(&b, " ADD COLUMN c%d%s %s", pe->col, suffix[kinds[k]],
                          kinds[k] == SLOT_TS    ? "TIMESTAMP"
                          : kinds[k] == SLOT_LEN ? "INTEGER"
                                                 : path_type(pe, pe->type));
            rc = exec_buf(cx->wconn, &b, err);
            rs_buf_free(&b);
            if (rc == RS_OK && add_slot(t, p, kinds[k]) != RS_OK)
                rc = nomem(err);
        }
    }
    return rc;
}

static int append_cell(rl_duck_app *a, const rl_duck_cell *c, const char *text) {
    switch (c->kind) {
    case RL_DK_BOOL:
        return rl_duck_app_bool(a, (int)c->i);
    case RL_DK_INT:
        return rl_duck_app_int(a, c->i);
    case RL_DK_DOUBLE:
        return rl_duck_app_double(a, c->d);
    case RL_DK_TIMESTAMP:
        return rl_duck_app_timestamp(a, c->i);
    case RL_DK_TEXT:
        return rl_duck_app_text(a, text + c->i, c->len);
    default:
        return rl_duck_app_null(a);
    }
}

/* A LIST cell: the entries of l, the strings' offsets made pointers, unset ones null. */
static int append_list(rl_duck_app *a, const path_ent *pe, cell_list *l, const char *text) {
    for (int i = 0; i < l->n; i++) {
        rl_duck_cell *c = &l->v[i];
        if (c->kind == RL_DK_TEXT)
            c->s = text + c->i;
        else if (c->kind == RL_DK_OTHER)
            c->kind = RL_DK_NULL;
    }
    return rl_duck_app_list(a, coded(pe) ? RL_DK_INT : cell_kind(pe->type), l->v, l->n);
}

/* Append one document (pass 2) as a row of t. */
static int append_doc(walker *w, rl_duck_app *a, const char *id, size_t id_len, const char *doc,
                      size_t len) {
    rep_table *t = w->t;
    row_cells *r = w->row;
    if (row_reserve(r, t->n_slots) != RS_OK)
        return nomem(w->err);
    if (t->n_slots > 0) /* none yet: set is NULL (a table of documents with no fields yet) */
        memset(r->set, 0, (size_t)t->n_slots);
    for (int s = 0; s < t->n_slots; s++) {
        r->cells[s].kind = RL_DK_NULL;
        r->lists[s].n = 0;
    }
    rs_buf_reset(&r->text);
    int rc = walk_doc(w, doc, len);
    if (rc != RS_OK || w->unknown)
        return rc;
    if (r->text.oom)
        return nomem(w->err);
    if (w->oom)
        return nomem(w->err);
    rc = rl_duck_app_text(a, id, id_len);
    for (int s = 0; rc == RS_OK && s < t->n_slots; s++) {
        path_ent *pe = &t->paths[t->slots[s].path];
        /* an element path's LIST is missing where its array is (close_lists records members) */
        if (!r->set[s] && !t->slots[s].is_ts && !pe->elem && !pe->has_missing) {
            pe->has_missing = 1;
            pe->dirty = 1;
        }
        if (pe->elem)
            rc = r->set[s] ? append_list(a, pe, &r->lists[s], r->text.data) : rl_duck_app_null(a);
        else
            rc = append_cell(a, &r->cells[s], r->text.data);
    }
    /* a failed append (rc) is the appender's first error, which ending the row reports */
    return rl_duck_app_end_row(a, w->err);
}

/* A document to load: its _id and text (borrowed). */
typedef struct load_doc {
    const char *id, *doc;
    size_t id_len, len;
} load_doc;

/* Pass 1 over docs[0..n): new paths, their columns (ALTER TABLE), type conflicts. Outside any
 * DuckDB transaction: DuckDB refuses to commit a transaction that altered a table it also
 * wrote. Under cat_lock. */
static int prepare_docs(rl_colidx *cx, rep_table *t, const load_doc *docs, int n, rs_err *err) {
    walker w = {.t = t, .discover = 1, .elem = -1, .codes_gen = &cx->codes_gen, .err = err};
    int rc = create_table(cx, t, err);
    int had_rows = t->n_docs > 0;
    int first_new = t->n_paths;
    for (int i = 0; rc == RS_OK && i < n; i++)
        rc = walk_doc(&w, docs[i].doc, docs[i].len);
    /* a path first seen now was missing from the documents before it */
    for (int p = first_new; had_rows && p < t->n_paths; p++)
        t->paths[p].has_missing = 1;
    if (rc == RS_OK)
        rc = add_columns(cx, t, err);
    rs_buf_free(&w.key);
    return rc;
}

/* Pass 2: docs[0..n) (prepared) appended as rows of t. alone: not prepared (apply_known): the
 * first document whose shape the catalog does not know stops it, RS_OK and *unknown set. Under
 * cat_lock. */
static int append_docs(rl_colidx *cx, rep_table *t, const load_doc *docs, int n, int alone,
                       int *unknown, rs_err *err) {
    walker w = {.t = t, .discover = 0, .alone = alone, .elem = -1, .err = err};
    if (alone)
        w.codes_gen = &cx->codes_gen;
    row_cells row = {0};
    char name[160];
    int rc = RS_OK;
    snprintf(name, sizeof(name), "r_%s", t->tbl);
    rl_duck_app *a = rl_duck_appender(cx->wconn, name, err);
    if (a == NULL)
        rc = err->code ? err->code : RS_EINTERNAL;
    w.row = &row;
    for (int i = 0; rc == RS_OK && !w.unknown && i < n; i++)
        rc = append_doc(&w, a, docs[i].id, docs[i].id_len, docs[i].doc, docs[i].len);
    if (unknown != NULL)
        *unknown = w.unknown;
    if (a != NULL) {
        rs_err e2 = {0};
        int rc2 = rl_duck_app_close(a, rc == RS_OK ? err : &e2);
        if (rc == RS_OK)
            rc = rc2;
    }
    row_free(&row);
    rs_buf_free(&w.key);
    return rc;
}

static int load_docs(rl_colidx *cx, rep_table *t, const load_doc *docs, int n, rs_err *err) {
    int rc = prepare_docs(cx, t, docs, n, err);
    return rc == RS_OK ? append_docs(cx, t, docs, n, 0, NULL, err) : rc;
}

/* Append the codes given since the last save of coded path pe of t to _colidx_dict (through
 * an appender: a string may hold any byte). */
static int save_codes(rl_colidx *cx, rep_table *t, const path_ent *pe, rs_err *err) {
    rl_duck_app *a = rl_duck_appender(cx->wconn, "_colidx_dict", err);
    if (a == NULL)
        return err->code ? err->code : RS_EINTERNAL;
    int rc = RS_OK;
    for (int code = pe->dict.n_saved + 1; rc == RS_OK && code <= pe->dict.n; code++) {
        size_t len;
        const char *str = rl_strdict_str(&pe->dict, code, &len);
        rl_duck_app_text(a, t->tbl, strlen(t->tbl));
        rl_duck_app_int(a, pe->col);
        rl_duck_app_int(a, code);
        rl_duck_app_text(a, str, len);
        /* a failed append is the appender's first error, which ending the row reports */
        rc = rl_duck_app_end_row(a, err);
    }
    rs_err e2 = {0};
    int rc2 = rl_duck_app_close(a, rc == RS_OK ? err : &e2);
    return rc == RS_OK ? rc2 : rc;
}

/* Write the catalog entries of t that changed, and the new codes of its coded paths (in the
 * caller's DuckDB transaction). */
static int save_catalog(rl_colidx *cx, rep_table *t, rs_err *err) {
    int rc = RS_OK;
    for (int p = 0; rc == RS_OK && p < t->n_paths; p++)
        if (t->paths[p].dict.n > t->paths[p].dict.n_saved)
            rc = save_codes(cx, t, &t->paths[p], err);
    for (int p = 0; rc == RS_OK && p < t->n_paths; p++) {
        path_ent *pe = &t->paths[p];
        if (!pe->dirty)
            continue;
        rs_buf b = RS_BUF_INIT;
        /* no key on the table: DuckDB's INSERT OR REPLACE wants one, and a key updated twice
         * in one transaction is refused */
        rs_buf_puts(&b, "DELETE FROM _colidx_paths WHERE tbl = ");
        put_string(&b, t->tbl, strlen(t->tbl));
        rs_buf_puts(&b, " AND key = ");
        put_string(&b, pe->key, strlen(pe->key));
        rs_buf_puts(&b, "; INSERT INTO _colidx_paths VALUES(");
        put_string(&b, t->tbl, strlen(t->tbl));
        rs_buf_putc(&b, ',');
        put_string(&b, pe->key, strlen(pe->key));
        rs_buf_printf(&b, ",%d,%d,%d,%d,%d,%d,%d,%d)", pe->col, pe->type, pe->mixed, pe->has_null,
                      pe->has_missing, pe->ts, pe->ts_ok, pe->ascii);
        rc = exec_buf(cx->wconn, &b, err);
        rs_buf_free(&b);
    }
    return rc;
}

static void catalog_saved(rep_table *t) {
    for (int p = 0; p < t->n_paths; p++) {
        t->paths[p].dirty = 0;
        t->paths[p].dict.n_saved = t->paths[p].dict.n;
    }
}

static int save_applied(rl_colidx *cx, int64_t applied, rs_err *err) {
    char sql[160];
    snprintf(sql, sizeof(sql), "UPDATE _colidx_state SET v = '%lld' WHERE k = 'applied'",
             (long long)applied);
    return exec_sql(cx->wconn, sql, err);
}

static int count_rows(void *ctx, const rl_duck_cell *cells, int n) {
    if (n > 0 && cells[0].kind == RL_DK_INT)
        *(int64_t *)ctx = cells[0].i;
    return 0;
}

static void refresh_count(rl_colidx *cx, rep_table *t) {
    rs_buf b = RS_BUF_INIT;
    rs_err e = {0};
    int64_t n = t->n_docs;
    rs_buf_puts(&b, "SELECT count(*) FROM ");
    put_rtable(&b, t->tbl);
    if (!b.oom && rl_duck_query(cx->wconn, b.data, NULL, count_rows, &n, &e) == RS_OK)
        t->n_docs = n;
    rs_buf_free(&b);
}

/* ---- SQLite side: change capture ---- */

static int sqlite_exec(sqlite3 *db, const char *sql, rs_err *err) {
    char *msg = NULL;
    if (sql == NULL)
        return nomem(err);
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        rs_err_set(err, RS_EINTERNAL, "column index: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return rc == SQLITE_OK ? RS_OK : RS_EINTERNAL;
}

static int drop_triggers(sqlite3 *db, const char *tbl, rs_err *err) {
    char *sql = sqlite3_mprintf("DROP TRIGGER IF EXISTS \"%w_cxi\"; DROP TRIGGER IF EXISTS"
                                " \"%w_cxu\"; DROP TRIGGER IF EXISTS \"%w_cxd\";",
                                tbl, tbl, tbl);
    int rc = sqlite_exec(db, sql, err);
    sqlite3_free(sql);
    return rc;
}

int rl_colidx_capturing(void) {
    return __atomic_load_n(&g_capture_on, __ATOMIC_ACQUIRE);
}

/* The collections' tables (malloc'd array of malloc'd names). */
static int list_tables(sqlite3 *db, char ***out, int *n_out, rs_err *err) {
    sqlite3_stmt *st = NULL;
    char **names = NULL;
    int n = 0, cap = 0, rc = RS_OK;
    if (sqlite3_prepare_v2(db, "SELECT tbl FROM collections ORDER BY tbl", -1, &st, NULL) !=
        SQLITE_OK)
        return rs_err_set(err, RS_EINTERNAL, "column index: %s", sqlite3_errmsg(db));
    while (rc == RS_OK && sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, (size_t)cap * sizeof(*nn));
            if (nn == NULL) {
                rc = nomem(err);
                break;
            }
            names = nn;
        }
        names[n] = strdup((const char *)sqlite3_column_text(st, 0));
        if (names[n] == NULL)
            rc = nomem(err);
        else
            n++;
    }
    sqlite3_finalize(st);
    *out = names;
    *n_out = n;
    return rc;
}

static void free_names(char **names, int n) {
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Capture on (keep the epoch) or off (forget the log, and change the epoch so that a replica
 * left from before, which misses this run's writes, is rebuilt). */
static int set_capture(sqlite3 *db, int on, char epoch[40], rs_err *err) {
    char **tbls = NULL;
    int n = 0;
    int rc = rl_tx_begin(db, err);
    if (rc == RS_OK)
        rc = list_tables(db, &tbls, &n, err);
    for (int i = 0; rc == RS_OK && i < n; i++)
        rc = drop_triggers(db, tbls[i], err); /* an early build logged changes by triggers */
    if (rc == RS_OK && !on) {
        char fresh[37];
        rl_uuid(fresh);
        rc = rl_sql(db, NULL, err, "DELETE FROM colidx_changes", "");
        if (rc == RS_OK)
            rc = rl_sql(db, NULL, err, "INSERT OR REPLACE INTO meta VALUES('colidx_epoch', ?1)",
                        "s", fresh);
    }
    if (rc == RS_OK && on) {
        char *cur = NULL;
        rc = rl_sql(db, &cur, err, "SELECT v FROM meta WHERE k = 'colidx_epoch'", "");
        if (rc == RS_OK && cur == NULL) {
            char fresh[37];
            rl_uuid(fresh);
            rc = rl_sql(db, NULL, err, "INSERT INTO meta VALUES('colidx_epoch', ?1)", "s", fresh);
            if (rc == RS_OK)
                snprintf(epoch, 40, "%s", fresh);
        } else if (rc == RS_OK) {
            snprintf(epoch, 40, "%s", cur);
        }
        free(cur);
    }
    rc = rl_tx_end(db, rc == RS_OK, rc == RS_OK ? err : NULL) == RS_OK ? rc : RS_EINTERNAL;
    free_names(tbls, n);
    return rc;
}

/* The last cseq db's snapshot holds (0 when none was ever logged). */
static int last_cseq(sqlite3 *db, int64_t *out, rs_err *err) {
    return rl_sql_int(db, out, err,
                      "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name ="
                      " 'colidx_changes'), (SELECT max(cseq) FROM colidx_changes), 0)",
                      "");
}

/* ---- applying changes ---- */

typedef struct change {
    char *tbl, *id;
    int replaces; /* an update or delete: the replica's row of the _id must go first */
} change;

static void free_changes(change *ch, int n) {
    for (int i = 0; i < n; i++) {
        free(ch[i].tbl);
        free(ch[i].id);
    }
    free(ch);
}

/* Read up to BATCH changes after `after` (in db's read transaction). */
static int read_changes(sqlite3 *db, int64_t after, change **out, int *n_out, int64_t *last,
                        rs_err *err) {
    sqlite3_stmt *st = NULL;
    change *ch = NULL;
    int n = 0, rc = RS_OK;
    *last = after;
    if (sqlite3_prepare_v2(db,
                           "SELECT cseq, tbl, _id, op <> 'i' FROM colidx_changes WHERE cseq > ?1"
                           " ORDER BY cseq LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return rs_err_set(err, RS_EINTERNAL, "column index: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, BATCH);
    ch = calloc(BATCH, sizeof(*ch));
    if (ch == NULL)
        rc = nomem(err);
    while (rc == RS_OK && sqlite3_step(st) == SQLITE_ROW) {
        *last = sqlite3_column_int64(st, 0);
        ch[n].tbl = strdup((const char *)sqlite3_column_text(st, 1));
        ch[n].id = strdup((const char *)sqlite3_column_text(st, 2));
        ch[n].replaces = sqlite3_column_int(st, 3);
        n++;
        if (ch[n - 1].tbl == NULL || ch[n - 1].id == NULL)
            rc = nomem(err);
    }
    sqlite3_finalize(st);
    *out = ch;
    *n_out = n;
    return rc;
}

static int cmp_change(const void *a, const void *b) {
    const change *x = a, *y = b;
    int c = strcmp(x->tbl, y->tbl);
    return c ? c : strcmp(x->id, y->id);
}

/* Delete the ids of ch[0..n) (one table, sorted, distinct) that were updated or deleted from
 * t's replica table (a new _id has no row there: a bulk load deletes nothing). */
static int delete_ids(rl_colidx *cx, rep_table *t, const change *ch, int n, rs_err *err) {
    int any = 0;
    for (int i = 0; i < n && !any; i++)
        any = ch[i].replaces;
    if (!any)
        return RS_OK;
    int rc = exec_sql(cx->wconn, "DELETE FROM _colidx_ids", err);
    rl_duck_app *a = rc == RS_OK ? rl_duck_appender(cx->wconn, "_colidx_ids", err) : NULL;
    if (rc == RS_OK && a == NULL)
        rc = err->code ? err->code : RS_EINTERNAL;
    for (int i = 0; rc == RS_OK && i < n; i++) {
        if (!ch[i].replaces)
            continue;
        rc = rl_duck_app_text(a, ch[i].id, strlen(ch[i].id));
        if (rc == RS_OK)
            rc = rl_duck_app_end_row(a, err);
    }
    if (a != NULL) {
        rs_err e2 = {0};
        int rc2 = rl_duck_app_close(a, rc == RS_OK ? err : &e2);
        if (rc == RS_OK)
            rc = rc2;
    }
    if (rc == RS_OK) {
        rs_buf b = RS_BUF_INIT;
        rs_buf_puts(&b, "DELETE FROM ");
        put_rtable(&b, t->tbl);
        rs_buf_puts(&b, " WHERE _id IN (SELECT id FROM _colidx_ids)");
        rc = exec_buf(cx->wconn, &b, err);
        rs_buf_free(&b);
    }
    return rc;
}

/* The current versions of the ids of ch[0..n) (one table) from SQLite; absent ones are left
 * out. docs' strings are malloc'd (free_loads). A dropped table reads as no documents. */
static int read_docs(sqlite3 *db, const char *tbl, const change *ch, int n, load_doc **out,
                     int *n_out, int *gone, rs_err *err) {
    sqlite3_stmt *st = NULL;
    load_doc *docs = calloc((size_t)n + 1, sizeof(*docs));
    int m = 0, rc = RS_OK;
    *out = docs;
    *n_out = 0;
    if (docs == NULL)
        return nomem(err);
    char *sql = sqlite3_mprintf("SELECT doc FROM \"%w_data\" WHERE _id = ?1", tbl);
    if (sql == NULL)
        return nomem(err);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_free(sql);
        *gone = 1; /* dropped: rl_colidx_forget drops its replica */
        return RS_OK;
    }
    sqlite3_free(sql);
    for (int i = 0; rc == RS_OK && i < n; i++) {
        sqlite3_bind_text(st, 1, ch[i].id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            docs[m].id = ch[i].id;
            docs[m].id_len = strlen(ch[i].id);
            docs[m].len = (size_t)sqlite3_column_bytes(st, 0);
            char *copy = malloc(docs[m].len + 1);
            if (copy == NULL)
                rc = nomem(err);
            else {
                memcpy(copy, sqlite3_column_text(st, 0), docs[m].len);
                copy[docs[m].len] = '\0';
                docs[m++].doc = copy;
            }
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    *n_out = m;
    return rc;
}

static void free_loads(load_doc *docs, int n) {
    for (int i = 0; docs != NULL && i < n; i++)
        free((char *)docs[i].doc);
    free(docs);
}

/* One table's part of a batch: its changed ids (sorted, distinct) and their current versions. */
typedef struct tbl_batch {
    const char *tbl;
    const change *ch;
    int n;
    load_doc *docs;
    int m, gone;
    rep_table *t;
} tbl_batch;

/* Pass 1 of one table's part (outside the batch's transaction). */
static int prepare_table(rl_colidx *cx, tbl_batch *tb, rs_err *err) {
    pthread_mutex_lock(&cx->cat_lock);
    tb->t = add_table(cx, tb->tbl);
    int rc = tb->t == NULL ? nomem(err) : prepare_docs(cx, tb->t, tb->docs, tb->m, err);
    pthread_mutex_unlock(&cx->cat_lock);
    return rc;
}

/* Inside the batch's transaction: delete the ids, append their versions, save the catalog.
 * alone: the part had no pass 1 (apply_known); *unknown set when it needs one (nothing saved). */
static int write_table(rl_colidx *cx, tbl_batch *tb, int alone, int *unknown, rs_err *err) {
    int rc = delete_ids(cx, tb->t, tb->ch, tb->n, err);
    *unknown = 0;
    pthread_mutex_lock(&cx->cat_lock);
    if (rc == RS_OK && tb->m > 0)
        rc = append_docs(cx, tb->t, tb->docs, tb->m, alone, unknown, err);
    if (rc == RS_OK && !*unknown)
        rc = save_catalog(cx, tb->t, err);
    if (rc == RS_OK && !*unknown)
        refresh_count(cx, tb->t);
    pthread_mutex_unlock(&cx->cat_lock);
    return rc;
}

/* Whether every table of tbs[0..k) the batch writes has its DuckDB table, so that its
 * documents may be appended without a pass 1 (apply_known): tb->t set for each. */
static int tables_known(rl_colidx *cx, tbl_batch *tbs, int k) {
    int known = 1;
    pthread_mutex_lock(&cx->cat_lock);
    for (int i = 0; i < k; i++) {
        if (tbs[i].gone)
            continue;
        tbs[i].t = find_table(cx, tbs[i].tbl);
        known = known && tbs[i].t != NULL && tbs[i].t->created;
    }
    pthread_mutex_unlock(&cx->cat_lock);
    return known;
}

/* The batch's transaction: each table's part written (alone: without a pass 1), the applied
 * change saved. *unknown: a part needed its pass 1 after all; rolled back then, as on an error. */
static int write_batch(rl_colidx *cx, tbl_batch *tbs, int k, int64_t last, int alone, int *unknown,
                       rs_err *err) {
    int rc = exec_sql(cx->wconn, "BEGIN TRANSACTION", err);
    *unknown = 0;
    for (int i = 0; rc == RS_OK && !*unknown && i < k; i++)
        if (!tbs[i].gone)
            rc = write_table(cx, &tbs[i], alone, unknown, err);
    if (rc == RS_OK && !*unknown)
        rc = save_applied(cx, last, err);
    if (rc == RS_OK && !*unknown)
        return exec_sql(cx->wconn, "COMMIT", err);
    rl_duck_exec(cx->wconn, "ROLLBACK", NULL);
    return rc;
}

/* Write a batch whose documents bring nothing new to the catalog (the common case: a stream of
 * documents shaped like those before) in one pass over each: the two passes (the first finding
 * new paths and types, which must be added to DuckDB's tables outside the transaction that
 * writes rows) parsed each document twice, 23 % of the replica's CPU on the dashboard
 * benchmark's load. The first document that brings something new stops it; the batch is
 * rolled back and written again with both passes. 1 when written (or failed: rc), 0 when the
 * batch needs its pass 1. */
static int apply_known(rl_colidx *cx, tbl_batch *tbs, int k, int64_t last, int *rc, rs_err *err) {
    int unknown = 0;
    if (!tables_known(cx, tbs, k))
        return 0;
    *rc = write_batch(cx, tbs, k, last, 1, &unknown, err);
    return *rc != RS_OK || !unknown;
}

/* Sort and dedupe ch[0..n) by (tbl, id); returns the new count (duplicates freed). */
static int distinct_changes(change *ch, int n) {
    int w = 0;
    qsort(ch, (size_t)n, sizeof(*ch), cmp_change);
    for (int i = 0; i < n; i++) {
        if (w > 0 && cmp_change(&ch[w - 1], &ch[i]) == 0) {
            ch[w - 1].replaces |= ch[i].replaces;
            free(ch[i].tbl);
            free(ch[i].id);
            continue;
        }
        ch[w++] = ch[i];
    }
    return w;
}

/* Split ch[0..n) by table and read each table's documents (db's read transaction). */
static int read_batch(sqlite3 *db, const change *ch, int n, tbl_batch **out, int *n_out,
                      rs_err *err) {
    tbl_batch *tbs = calloc((size_t)n + 1, sizeof(*tbs));
    int k = 0, rc = tbs == NULL ? nomem(err) : RS_OK;
    for (int i = 0; rc == RS_OK && i < n;) {
        int j = i;
        while (j < n && strcmp(ch[j].tbl, ch[i].tbl) == 0)
            j++;
        tbl_batch *tb = &tbs[k++];
        tb->tbl = ch[i].tbl;
        tb->ch = ch + i;
        tb->n = j - i;
        rc = read_docs(db, tb->tbl, tb->ch, tb->n, &tb->docs, &tb->m, &tb->gone, err);
        i = j;
    }
    *out = tbs;
    *n_out = k;
    return rc;
}

static void free_batch(tbl_batch *tbs, int n) {
    for (int i = 0; tbs != NULL && i < n; i++)
        free_loads(tbs[i].docs, tbs[i].m);
    free(tbs);
}

/* Apply the next batch of changes; *did: how many were read. trim: the worker's call, which
 * may delete applied changes from the log (a query's catch-up never takes the write lock: it
 * would wait behind any writer). Under apply_lock. */
static int apply_batch(rl_colidx *cx, sqlite3 *db, int trim, int *did, rs_err *err) {
    change *ch = NULL;
    tbl_batch *tbs = NULL;
    int n = 0, k = 0;
    int64_t last = cx->applied;
    int rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? RS_OK : RS_EINTERNAL;
    int open = rc == RS_OK;
    if (rc == RS_OK)
        rc = read_changes(db, cx->applied, &ch, &n, &last, err);
    *did = n;
    n = rc == RS_OK ? distinct_changes(ch, n) : n;
    if (rc == RS_OK && n > 0)
        rc = read_batch(db, ch, n, &tbs, &k, err);
    if (open)
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    int written = rc != RS_OK || n == 0 || apply_known(cx, tbs, k, last, &rc, err);
    for (int i = 0; !written && rc == RS_OK && i < k; i++)
        if (!tbs[i].gone)
            rc = prepare_table(cx, &tbs[i], err);
    if (!written && rc == RS_OK) {
        int unknown = 0; /* prepared: cannot be */
        rc = write_batch(cx, tbs, k, last, 0, &unknown, err);
    }
    pthread_mutex_lock(&cx->cat_lock);
    for (int i = 0; rc == RS_OK && i < cx->n_tables; i++)
        catalog_saved(cx->tables[i]);
    if (rc == RS_OK)
        cx->applied = last;
    else /* the catalog in memory may hold what DuckDB rolled back */
        cx->building = 1;
    pthread_mutex_unlock(&cx->cat_lock);
    if (rc == RS_OK && n > 0) {
        cx->unflushed += n;
        cx->applied_ms = rl_mono_ms();
    }
    free_batch(tbs, k);
    free_changes(ch, n);
    /* the log keeps only what is not applied; trimming takes the store's write lock, which
     * the writers want too, so it is done at most every TRIM_MS */
    if (trim && rc == RS_OK && n > 0 && rl_mono_ms() - cx->trimmed_ms >= TRIM_MS) {
        rl_sql(db, NULL, NULL, "DELETE FROM colidx_changes WHERE cseq <= ?1", "i", last);
        cx->trimmed_ms = rl_mono_ms();
    }
    return rc;
}

/* ---- the state in DuckDB, and rebuilds ---- */

/* Drop the idle connections' plans: made from statistics a compaction or a rebuild changed
 * (DuckDB keeps a plan's join order and estimates; its own rebind only follows DDL). */
static void renew_plans(rl_colidx *cx) {
    rl_duck_conn *idle[POOL_MAX];
    pthread_mutex_lock(&cx->pool_lock);
    int n = cx->n_pool;
    memcpy(idle, cx->pool, sizeof(idle[0]) * (size_t)n);
    cx->n_pool = 0;
    cx->pool_gen++;
    pthread_mutex_unlock(&cx->pool_lock);
    for (int i = 0; i < n; i++)
        rl_duck_disconnect(idle[i]);
}

static const char state_sql[] =
    "CREATE TABLE IF NOT EXISTS _colidx_state(k VARCHAR, v VARCHAR);"
    "CREATE TABLE IF NOT EXISTS _colidx_paths(tbl VARCHAR, key VARCHAR, col INTEGER,"
    " type INTEGER, mixed INTEGER, has_null INTEGER, has_missing INTEGER, ts INTEGER,"
    " ts_ok INTEGER, ascii INTEGER);"
    "CREATE TABLE IF NOT EXISTS _colidx_dict(tbl VARCHAR, col BIGINT, code BIGINT, s VARCHAR);"
    /* a file from before the ascii flag: its rows read NULL there (not known to be ASCII) */
    "ALTER TABLE _colidx_paths ADD COLUMN IF NOT EXISTS ascii INTEGER;"
    "CREATE TEMP TABLE IF NOT EXISTS _colidx_ids(id VARCHAR);";

/* The catalog's form: a replica written with another (before the ascii flag: none) is rebuilt
 * once, so that every path's flags are known. 3: arrays' elements as LIST columns, arrays'
 * lengths; 4: the elements' strings as codes. */
#define CATALOG_FORM 4

typedef struct kv_read {
    char epoch[40];
    int64_t applied, row_group, catalog;
    int have_epoch, have_applied;
} kv_read;

/* A state value (text) as an integer. */
static int64_t cell_int(const rl_duck_cell *c) {
    char num[32];
    snprintf(num, sizeof(num), "%.*s", (int)c->len, c->s);
    return strtoll(num, NULL, 10);
}

static int read_kv(void *ctx, const rl_duck_cell *c, int n) {
    kv_read *kv = ctx;
    if (n < 2 || c[0].kind != RL_DK_TEXT || c[1].kind != RL_DK_TEXT)
        return 0;
    if (c[0].len == 5 && memcmp(c[0].s, "epoch", 5) == 0) {
        snprintf(kv->epoch, sizeof(kv->epoch), "%.*s", (int)c[1].len, c[1].s);
        kv->have_epoch = 1;
    } else if (c[0].len == 7 && memcmp(c[0].s, "applied", 7) == 0) {
        kv->applied = cell_int(&c[1]);
        kv->have_applied = 1;
    } else if (c[0].len == 9 && memcmp(c[0].s, "row_group", 9) == 0) {
        kv->row_group = cell_int(&c[1]);
    } else if (c[0].len == 7 && memcmp(c[0].s, "catalog", 7) == 0) {
        kv->catalog = cell_int(&c[1]);
    }
    return 0;
}

static int read_path(void *ctx, const rl_duck_cell *c, int n) {
    rl_colidx *cx = ctx;
    if (n < 9 || c[0].kind != RL_DK_TEXT || c[1].kind != RL_DK_TEXT)
        return 0;
    char tbl[128];
    snprintf(tbl, sizeof(tbl), "%.*s", (int)c[0].len, c[0].s);
    rep_table *t = add_table(cx, tbl);
    int p = t != NULL ? add_path(t, c[1].s, c[1].len) : -1;
    if (p < 0)
        return RS_ENOMEM;
    path_ent *pe = &t->paths[p];
    pe->col = (int)c[2].i;
    pe->type = (int)c[3].i;
    pe->mixed = (int)c[4].i;
    pe->has_null = (int)c[5].i;
    pe->has_missing = (int)c[6].i;
    pe->ts = (int)c[7].i;
    pe->ts_ok = (int)c[8].i;
    /* a catalog written before the flag was kept: unknown, so not ASCII until a rebuild */
    pe->ascii = n > 9 && c[9].kind == RL_DK_INT && c[9].i != 0;
    pe->dirty = 0;
    t->created = 1;
    if (pe->col >= t->next_col)
        t->next_col = pe->col + 1;
    if (pe->col >= 0 &&
        (add_slot(t, p, SLOT_VALUE) != RS_OK || (pe->ts && add_slot(t, p, SLOT_TS) != RS_OK) ||
         (has_len(pe) && add_slot(t, p, SLOT_LEN) != RS_OK)))
        return RS_ENOMEM;
    return 0;
}

/* read_code's answer for a dictionary that does not match its catalog (a bug, or a file
 * changed by hand): the replica is rebuilt, as for another form. */
#define CODES_BAD (-1)

/* A code of _colidx_dict back into its path's dictionary: codes are read in order, so each
 * must be the next. */
static int read_code(void *ctx, const rl_duck_cell *c, int n) {
    rl_colidx *cx = ctx;
    if (n < 4 || c[0].kind != RL_DK_TEXT || c[1].kind != RL_DK_INT || c[2].kind != RL_DK_INT ||
        c[3].kind != RL_DK_TEXT)
        return CODES_BAD;
    char tbl[128];
    snprintf(tbl, sizeof(tbl), "%.*s", (int)c[0].len, c[0].s);
    rep_table *t = find_table(cx, tbl);
    for (int p = 0; t != NULL && p < t->n_paths; p++) {
        path_ent *pe = &t->paths[p];
        if (pe->col != c[1].i || !coded(pe))
            continue;
        int code = rl_strdict_code(&pe->dict, c[3].s, c[3].len, 1);
        if (code < 0)
            return RS_ENOMEM;
        pe->dict.n_saved = pe->dict.n;
        return code == c[2].i ? 0 : CODES_BAD;
    }
    return CODES_BAD;
}

/* Load the catalog the DuckDB file holds; 0 and *match when it is this store's (same epoch)
 * and its tables were written in row groups of today's length (a replica from before them is
 * rebuilt once, so that its windows' scans skip what the shorter row groups let them). */
static int load_state(rl_colidx *cx, int *match, rs_err *err) {
    kv_read kv = {0};
    *match = 0;
    int rc = rl_duck_query(cx->wconn, "SELECT k, v FROM _colidx_state", NULL, read_kv, &kv, err);
    if (rc != RS_OK || !kv.have_epoch || !kv.have_applied || strcmp(kv.epoch, cx->epoch) != 0 ||
        kv.row_group != rl_duck_row_group() || kv.catalog != CATALOG_FORM)
        return rc;
    rc = rl_duck_query(cx->wconn,
                       "SELECT tbl, key, col, type, mixed, has_null, has_missing, ts, ts_ok,"
                       " ascii FROM _colidx_paths ORDER BY tbl, col, key",
                       NULL, read_path, cx, err);
    if (rc == RS_OK)
        rc = rl_duck_query(cx->wconn,
                           "SELECT tbl, col, code, s FROM _colidx_dict ORDER BY tbl, col, code",
                           NULL, read_code, cx, err);
    if (rc == CODES_BAD) {
        fprintf(stderr, "rockset-local: column index: its dictionary of element strings does"
                        " not match its catalog; rebuilding\n");
        return RS_OK;
    }
    if (rc == RS_ENOMEM)
        return nomem(err);
    for (int i = 0; rc == RS_OK && i < cx->n_tables; i++) {
        link_elems(cx->tables[i]);
        refresh_count(cx, cx->tables[i]);
    }
    cx->applied = kv.applied;
    *match = rc == RS_OK;
    return rc;
}

static int collect_name(void *ctx, const rl_duck_cell *c, int n) {
    rs_buf *b = ctx;
    if (n > 0 && c[0].kind == RL_DK_TEXT) {
        rs_buf_append(b, c[0].s, c[0].len);
        rs_buf_putc(b, '\n');
    }
    return 0;
}

/* Drop every replica table and the catalog (in DuckDB and in memory). */
static int wipe(rl_colidx *cx, rs_err *err) {
    rs_buf names = RS_BUF_INIT;
    int rc = rl_duck_query(cx->wconn,
                           "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'r\\_%'"
                           " ESCAPE '\\'",
                           NULL, collect_name, &names, err);
    for (char *s = names.data, *nl; rc == RS_OK && s != NULL && (nl = strchr(s, '\n'));
         s = nl + 1) {
        *nl = '\0';
        rs_buf b = RS_BUF_INIT;
        rs_buf_puts(&b, "DROP TABLE IF EXISTS ");
        put_ident(&b, s);
        rc = exec_buf(cx->wconn, &b, err);
        rs_buf_free(&b);
    }
    rs_buf_free(&names);
    if (rc == RS_OK)
        rc = exec_sql(cx->wconn,
                      "DELETE FROM _colidx_paths; DELETE FROM _colidx_dict;"
                      " DELETE FROM _colidx_state",
                      err);
    pthread_mutex_lock(&cx->cat_lock);
    for (int i = 0; i < cx->n_tables; i++)
        free_table(cx->tables[i]);
    cx->n_tables = 0;
    pthread_mutex_unlock(&cx->cat_lock);
    return rc;
}

/* Load all of one collection's documents, LOAD_CHUNK at a time. */
static int rebuild_table(rl_colidx *cx, sqlite3 *db, const char *tbl, rs_err *err) {
    sqlite3_stmt *st = NULL;
    load_doc *docs = calloc(LOAD_CHUNK, sizeof(*docs));
    int n = 0, rc = RS_OK, step = SQLITE_ROW;
    char *sql = sqlite3_mprintf("SELECT _id, doc FROM \"%w_data\"", tbl);
    pthread_mutex_lock(&cx->cat_lock);
    rep_table *t = add_table(cx, tbl);
    pthread_mutex_unlock(&cx->cat_lock);
    if (docs == NULL || sql == NULL || t == NULL)
        rc = nomem(err);
    else if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        rc = rs_err_set(err, RS_EINTERNAL, "column index: %s", sqlite3_errmsg(db));
    if (rc == RS_OK)
        rc = create_table(cx, t, err);
    while (rc == RS_OK && step == SQLITE_ROW) {
        step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            load_doc *d = &docs[n];
            d->id_len = (size_t)sqlite3_column_bytes(st, 0);
            d->len = (size_t)sqlite3_column_bytes(st, 1);
            d->id = strndup((const char *)sqlite3_column_text(st, 0), d->id_len);
            d->doc = strndup((const char *)sqlite3_column_text(st, 1), d->len);
            n++;
            if (d->id == NULL || d->doc == NULL)
                rc = nomem(err);
        }
        if (rc == RS_OK && (n == LOAD_CHUNK || (step != SQLITE_ROW && n > 0))) {
            pthread_mutex_lock(&cx->cat_lock);
            rc = load_docs(cx, t, docs, n, err);
            pthread_mutex_unlock(&cx->cat_lock);
            for (int i = 0; i < n; i++) {
                free((char *)docs[i].id);
                free((char *)docs[i].doc);
            }
            n = 0;
        }
    }
    for (int i = 0; i < n; i++) {
        free((char *)docs[i].id);
        free((char *)docs[i].doc);
    }
    sqlite3_finalize(st);
    sqlite3_free(sql);
    free(docs);
    if (rc == RS_OK)
        rc = save_catalog(cx, t, err);
    if (rc == RS_OK) {
        pthread_mutex_lock(&cx->cat_lock);
        refresh_count(cx, t);
        catalog_saved(t);
        pthread_mutex_unlock(&cx->cat_lock);
    }
    return rc;
}

/* Build the replica from scratch from db's snapshot. */
static int rebuild(rl_colidx *cx, sqlite3 *db, rs_err *err) {
    char **tbls = NULL;
    int n = 0;
    int64_t mark = 0;
    int64_t t0 = rl_mono_ms();
    int rc = wipe(cx, err);
    int open = rc == RS_OK && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    if (rc == RS_OK && !open)
        rc = rs_err_set(err, RS_EINTERNAL, "column index: %s", sqlite3_errmsg(db));
    if (rc == RS_OK)
        rc = last_cseq(db, &mark, err);
    if (rc == RS_OK)
        rc = list_tables(db, &tbls, &n, err);
    /* no transaction around the loads: they alter the tables they write; the state written
     * last is what makes the replica valid (wipe removed the old one first) */
    for (int i = 0; rc == RS_OK && i < n; i++)
        rc = rebuild_table(cx, db, tbls[i], err);
    if (rc == RS_OK) {
        rs_buf b = RS_BUF_INIT;
        rs_buf_printf(&b,
                      "INSERT INTO _colidx_state VALUES('applied', '%lld'), ('row_group', '%d'),"
                      " ('catalog', '%d'), ('epoch', ",
                      (long long)mark, rl_duck_row_group(), CATALOG_FORM);
        put_string(&b, cx->epoch, strlen(cx->epoch));
        rs_buf_putc(&b, ')');
        rc = exec_buf(cx->wconn, &b, err);
        rs_buf_free(&b);
    }
    if (open)
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    free_names(tbls, n);
    if (rc == RS_OK) {
        pthread_mutex_lock(&cx->cat_lock);
        cx->applied = mark;
        cx->building = 0;
        pthread_mutex_unlock(&cx->cat_lock);
        renew_plans(cx);
        cx->unflushed = 1; /* what was loaded is checkpointed at the next pause */
        cx->applied_ms = rl_mono_ms();
        fprintf(stderr, "rockset-local: column index built: %d collection(s) in %lld ms\n", n,
                (long long)(rl_mono_ms() - t0));
    }
    return rc;
}

/* ---- the worker ---- */

static int is_building(rl_colidx *cx) {
    pthread_mutex_lock(&cx->cat_lock);
    int b = cx->building;
    pthread_mutex_unlock(&cx->cat_lock);
    return b;
}

/* Rebuild when due, else apply every change logged so far. Under apply_lock. */
static int work_once(rl_colidx *cx, sqlite3 *db, rs_err *err) {
    if (is_building(cx))
        return rebuild(cx, db, err);
    int did = 0, rc;
    do
        rc = apply_batch(cx, db, 1, &did, err);
    while (rc == RS_OK && did == BATCH && !__atomic_load_n(&cx->stop, __ATOMIC_ACQUIRE));
    return rc;
}

/* Under apply_lock, between batches: a checkpoint once writes have paused (QUIET_MS). A
 * failure (a transaction DuckDB will not checkpoint under) is tried again at the next pause. */
static void checkpoint_when_quiet(rl_colidx *cx) {
    rs_err err = {0};
    if (cx->unflushed == 0 || rl_mono_ms() - cx->applied_ms < QUIET_MS)
        return;
    if (exec_sql(cx->wconn, "CHECKPOINT", &err) == RS_OK) {
        cx->unflushed = 0;
        renew_plans(cx);
    } else
        cx->applied_ms = rl_mono_ms();
}

static void wait_for(rl_colidx *cx, int64_t ms) {
    struct timespec ts = rl_deadline_after_ms(ms);
    pthread_mutex_lock(&cx->wake_lock);
    while (!cx->stop)
        if (pthread_cond_timedwait(&cx->wake, &cx->wake_lock, &ts) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&cx->wake_lock);
}

static void *worker(void *arg) {
    rl_colidx *cx = arg;
    while (!__atomic_load_n(&cx->stop, __ATOMIC_ACQUIRE)) {
        rs_err err = {0};
        int rc = RS_OK;
        sqlite3 *db = rl_store_acquire(cx->st, &err);
        if (db == NULL)
            rc = err.code ? err.code : RS_EINTERNAL;
        else {
            pthread_mutex_lock(&cx->apply_lock);
            rc = work_once(cx, db, &err);
            if (rc == RS_OK && !is_building(cx))
                checkpoint_when_quiet(cx);
            pthread_mutex_unlock(&cx->apply_lock);
            rl_store_release(cx->st, db);
        }
        if (rc != RS_OK)
            fprintf(stderr, "rockset-local: column index: %s\n", err.msg);
        wait_for(cx, rc == RS_OK ? POLL_MS : RETRY_MS);
    }
    return NULL;
}

/* ---- start, stop ---- */

static int open_duck(rl_colidx *cx, const rl_colidx_config *cfg, rs_err *err) {
    char path[4200];
    const char *file = NULL;
    if (!rl_store_is_temp(cx->st)) {
        snprintf(path, sizeof(path), "%s.columns.duckdb", rl_store_path(cx->st));
        file = path;
    }
    cx->db = rl_duck_open(file, cfg->memory_limit, cfg->threads, err);
    if (cx->db == NULL && file != NULL) { /* unreadable: the replica is only a copy */
        fprintf(stderr, "rockset-local: column index: %s; rebuilding %s\n", err->msg, file);
        unlink(file);
        snprintf(path + strlen(path), sizeof(path) - strlen(path), ".wal");
        unlink(path);
        path[strlen(path) - 4] = '\0';
        cx->db = rl_duck_open(file, cfg->memory_limit, cfg->threads, err);
    }
    if (cx->db == NULL)
        return err->code ? err->code : RS_EINTERNAL;
    cx->wconn = rl_duck_connect(cx->db, err);
    if (cx->wconn == NULL)
        return err->code ? err->code : RS_EINTERNAL;
    char threads[24] = "DuckDB's default";
    if (cfg->threads > 0)
        snprintf(threads, sizeof threads, "%d", cfg->threads);
    snprintf(cx->describe, sizeof(cx->describe),
             "DuckDB %s (threads %s, memory_limit %.40s), %.400s", rl_duck_version(), threads,
             cfg->memory_limit ? cfg->memory_limit : "DuckDB's default", file ? file : "in memory");
    /* every commit of a batch would otherwise checkpoint and recompress the table's last row
     * group (DuckDB's default threshold is 16MB of WAL): fewer, larger checkpoints */
    int rc = exec_sql(cx->wconn, "SET checkpoint_threshold = '128MB'", err);
    return rc == RS_OK ? exec_sql(cx->wconn, state_sql, err) : rc;
}

static int capture_off(rl_store *st, rs_err *err) {
    char epoch[40];
    sqlite3 *db = rl_store_acquire(st, err);
    if (db == NULL)
        return err->code ? err->code : RS_EINTERNAL;
    int rc = set_capture(db, 0, epoch, err);
    rl_store_release(st, db);
    return rc;
}

static int start_capture(rl_colidx *cx, rs_err *err) {
    sqlite3 *db = rl_store_acquire(cx->st, err);
    if (db == NULL)
        return err->code ? err->code : RS_EINTERNAL;
    __atomic_store_n(&g_capture_on, 1, __ATOMIC_RELEASE);
    int rc = set_capture(db, 1, cx->epoch, err);
    rl_store_release(cx->st, db);
    return rc;
}

int rl_colidx_start(rl_store *st, const rl_colidx_config *cfg, rl_colidx **out, char *why,
                    size_t why_cap, rs_err *err) {
    rs_err lib_err = {0};
    int match = 0, rc;
    *out = NULL;
    if (cfg->mode == RL_COLIDX_OFF || rl_duck_load(cfg->lib, &lib_err) != RS_OK) {
        if (cfg->mode == RL_COLIDX_ON)
            return rs_err_set(err, lib_err.code ? lib_err.code : RS_EINVAL, "--column-index on: %s",
                              lib_err.msg);
        snprintf(why, why_cap, "%s",
                 cfg->mode == RL_COLIDX_OFF ? "--column-index off" : lib_err.msg);
        return capture_off(st, err);
    }
    rl_colidx *cx = calloc(1, sizeof(*cx));
    if (cx == NULL)
        return nomem(err);
    cx->st = st;
    pthread_mutex_init(&cx->apply_lock, NULL);
    pthread_mutex_init(&cx->cat_lock, NULL);
    pthread_mutex_init(&cx->wake_lock, NULL);
    pthread_mutex_init(&cx->pool_lock, NULL);
    pthread_cond_init(&cx->wake, NULL);
    rc = open_duck(cx, cfg, err);
    if (rc == RS_OK)
        rc = start_capture(cx, err);
    if (rc == RS_OK)
        rc = load_state(cx, &match, err);
    cx->building = !match;
    if (rc == RS_OK && pthread_create(&cx->thread, NULL, worker, cx) != 0)
        rc = rs_err_set(err, RS_EINTERNAL, "column index: cannot start its thread");
    cx->thread_started = rc == RS_OK;
    if (rc != RS_OK) {
        rl_colidx_stop(cx);
        return rc;
    }
    snprintf(why, why_cap, "%s", cx->describe);
    *out = cx;
    return RS_OK;
}

void rl_colidx_stop(rl_colidx *cx) {
    if (cx == NULL)
        return;
    if (cx->thread_started) {
        pthread_mutex_lock(&cx->wake_lock);
        __atomic_store_n(&cx->stop, 1, __ATOMIC_RELEASE);
        pthread_cond_signal(&cx->wake);
        pthread_mutex_unlock(&cx->wake_lock);
        pthread_join(cx->thread, NULL);
    }
    renew_plans(cx);
    rl_duck_disconnect(cx->wconn);
    rl_duck_close(cx->db);
    for (int i = 0; i < cx->n_tables; i++)
        free_table(cx->tables[i]);
    free(cx->tables);
    pthread_mutex_destroy(&cx->apply_lock);
    pthread_mutex_destroy(&cx->cat_lock);
    pthread_mutex_destroy(&cx->wake_lock);
    pthread_mutex_destroy(&cx->pool_lock);
    pthread_cond_destroy(&cx->wake);
    free(cx);
}

/* ---- queries ---- */

/* Whether the changes after applied, up to seen, touch tbl (a scan of that stretch of the log,
 * by its key: the backlog a query may wait for is short). */
static int backlog_touches(sqlite3 *db, const char *tbl, int64_t applied, int64_t seen) {
    int64_t found = 0;
    return rl_sql_int(db, &found, NULL,
                      "SELECT EXISTS (SELECT 1 FROM colidx_changes WHERE cseq > ?1 AND cseq <= ?2"
                      " AND tbl = ?3)",
                      "iis", applied, seen, tbl) != RS_OK ||
           found != 0;
}

int rl_colidx_catch_up(rl_colidx *cx, sqlite3 *db, const char *tbl, int64_t max_backlog,
                       int64_t *lag_ms, rs_err *err) {
    int64_t seen = 0, oldest = 0;
    if (lag_ms != NULL)
        *lag_ms = 0;
    if (is_building(cx))
        return 1;
    int rc = last_cseq(db, &seen, err);
    if (rc != RS_OK)
        return rc;
    pthread_mutex_lock(&cx->cat_lock);
    int64_t applied = cx->applied;
    pthread_mutex_unlock(&cx->cat_lock);
    if (applied >= seen || !backlog_touches(db, tbl, applied, seen))
        return 0;
    if (lag_ms != NULL &&
        rl_sql_int(db, &oldest, NULL,
                   "SELECT at_ms FROM colidx_changes WHERE cseq > ?1"
                   " ORDER BY cseq LIMIT 1",
                   "i", applied) == RS_OK &&
        oldest > 0)
        *lag_ms = rl_now_ms() - oldest;
    if (seen - applied > max_backlog)
        return 1;
    sqlite3 *own = rl_store_acquire(cx->st, err);
    if (own == NULL)
        return err->code ? err->code : RS_EINTERNAL;
    pthread_mutex_lock(&cx->apply_lock);
    int did = 1;
    while (rc == RS_OK && did > 0 && cx->applied < seen && !is_building(cx))
        rc = apply_batch(cx, own, 0, &did, err);
    int behind = cx->applied < seen;
    pthread_mutex_unlock(&cx->apply_lock);
    rl_store_release(cx->st, own);
    return rc != RS_OK ? rc : behind;
}

/* The dictionary of coded path pe as a DuckDB list literal into b: 0, or -1 when one of its
 * strings holds a NUL (a literal cannot) or it has none. */
static int put_literal(rs_buf *b, const path_ent *pe) {
    if (pe->dict.n == 0)
        return -1;
    rs_buf_putc(b, '[');
    for (int code = 1; code <= pe->dict.n; code++) {
        size_t len;
        const char *s = rl_strdict_str(&pe->dict, code, &len);
        if (memchr(s, '\0', len) != NULL)
            return -1;
        if (code > 1)
            rs_buf_putc(b, ',');
        put_string(b, s, len);
    }
    rs_buf_putc(b, ']');
    return 0;
}

/* The DuckDB list a coded column's codes index, its strings in code order: a literal of the
 * codes given so far, which costs nothing to read (a statement that ran while new codes were
 * given is run again: rl_colidx_codes_gen), or, where that does not fit, the dictionary's
 * table read by a subquery (0.6 ms a statement on q31 of the dashboard). */
static void put_decoder(rl_colidx_column *out, const char *tbl, const path_ent *pe) {
    rs_buf b = RS_BUF_INIT;
    if (put_literal(&b, pe) != 0 || b.oom || b.len >= sizeof(out->decoder)) {
        rs_buf_reset(&b);
        rs_buf_puts(&b, "(SELECT list(s ORDER BY code) FROM _colidx_dict WHERE tbl = ");
        put_string(&b, tbl, strlen(tbl));
        rs_buf_printf(&b, " AND col = %d)", pe->col);
    }
    if (!b.oom && b.len < sizeof(out->decoder))
        memcpy(out->decoder, b.data, b.len + 1);
    else /* no decoder: the path is refused, as one without a column */
        out->column[0] = '\0';
    rs_buf_free(&b);
}

int64_t rl_colidx_codes_gen(rl_colidx *cx) {
    if (cx == NULL)
        return 0;
    pthread_mutex_lock(&cx->cat_lock);
    int64_t gen = cx->codes_gen;
    pthread_mutex_unlock(&cx->cat_lock);
    return gen;
}

int rl_colidx_lookup(rl_colidx *cx, const char *tbl, const char *const *names, int n_names,
                     rl_colidx_column *out) {
    rs_buf key = RS_BUF_INIT;
    int found = 0;
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < n_names; i++) {
        if (i > 0)
            rs_buf_putc(&key, KEY_SEP);
        rs_buf_puts(&key, names[i]);
    }
    if (key.oom) {
        rs_buf_free(&key);
        return 0;
    }
    pthread_mutex_lock(&cx->cat_lock);
    rep_table *t = cx->building ? NULL : find_table(cx, tbl);
    if (t != NULL && t->created) {
        found = 1;
        rs_buf b = RS_BUF_INIT;
        put_rtable(&b, tbl);
        snprintf(out->table, sizeof(out->table), "%s", b.oom ? "" : b.data);
        rs_buf_free(&b);
        out->n_docs = t->n_docs;
        int p = n_names > 0 ? find_path(t, key.data, key.len) : -1;
        if (n_names == 1 && strcmp(names[0], "_id") == 0) { /* every document has one */
            snprintf(out->column, sizeof(out->column), "_id");
            out->type = RV_STRING;
            p = -1;
            n_names = 0;
        }
        if (p >= 0) {
            const path_ent *pe = &t->paths[p];
            out->type = pe->type;
            out->has_null = pe->has_null;
            out->has_missing = pe->has_missing;
            out->ascii = pe->ascii;
            out->mixed = pe->mixed;
            if (pe->col >= 0 && !pe->mixed && slot_of(t, p, 0) >= 0) {
                snprintf(out->column, sizeof(out->column), "c%d", pe->col);
                if (pe->ts && pe->ts_ok)
                    snprintf(out->ts_column, sizeof(out->ts_column), "c%d_ts", pe->col);
                if (has_len(pe) && slot_of(t, p, SLOT_LEN) >= 0)
                    snprintf(out->len_column, sizeof(out->len_column), "c%d_n", pe->col);
                if (coded(pe))
                    put_decoder(out, tbl, pe);
            }
        } else if (n_names > 0) {
            out->has_missing = 1; /* no document has the path */
        }
    }
    pthread_mutex_unlock(&cx->cat_lock);
    rs_buf_free(&key);
    return found;
}

void rl_colidx_forget(rl_colidx *cx, const char *tbl) {
    rs_err err = {0};
    if (cx == NULL)
        return;
    pthread_mutex_lock(&cx->apply_lock);
    rs_buf b = RS_BUF_INIT;
    rs_buf_puts(&b, "DROP TABLE IF EXISTS ");
    put_rtable(&b, tbl);
    rs_buf_puts(&b, "; DELETE FROM _colidx_paths WHERE tbl = ");
    put_string(&b, tbl, strlen(tbl));
    rs_buf_puts(&b, "; DELETE FROM _colidx_dict WHERE tbl = ");
    put_string(&b, tbl, strlen(tbl));
    if (exec_buf(cx->wconn, &b, &err) != RS_OK)
        fprintf(stderr, "rockset-local: column index: %s\n", err.msg);
    rs_buf_free(&b);
    pthread_mutex_lock(&cx->cat_lock);
    drop_table_entry(cx, tbl);
    pthread_mutex_unlock(&cx->cat_lock);
    pthread_mutex_unlock(&cx->apply_lock);
}

rl_duck_conn *rl_colidx_acquire(rl_colidx *cx, unsigned *gen, rs_err *err) {
    pthread_mutex_lock(&cx->pool_lock);
    rl_duck_conn *c = cx->n_pool > 0 ? cx->pool[--cx->n_pool] : NULL;
    *gen = cx->pool_gen;
    pthread_mutex_unlock(&cx->pool_lock);
    return c != NULL ? c : rl_duck_connect(cx->db, err);
}

void rl_colidx_release(rl_colidx *cx, rl_duck_conn *c, unsigned gen, int reusable) {
    if (c == NULL)
        return;
    pthread_mutex_lock(&cx->pool_lock);
    if (reusable && gen == cx->pool_gen && cx->n_pool < POOL_MAX) {
        cx->pool[cx->n_pool++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&cx->pool_lock);
    rl_duck_disconnect(c);
}
