/*
 * fieldindex.h - rockset-local's catalog of field paths and its indexes (docs/indexing.md).
 *
 * Rockset indexed every field of every document. rockset-local gives each collection's table of
 * visible documents "<tbl>_data" (colltab.h):
 *   - per scalar field path (top-level and nested objects, a typed value counting as a scalar)
 *     an SQLite expression index, kept by SQLite on every write:
 *         CREATE INDEX "<tbl>_fx<id>" ON "<tbl>_data"(rs_skey(rs_get(doc, 'a', 'b')))
 *     rs_skey is Rockset's total order as one blob (runtime/fn_core.c), so the index serves
 *     equality, IN, ranges, prefixes and IS NULL by byte comparison, and ORDER BY in its order;
 *   - per array path, its scalar elements in the side table "<tbl>_elems"(pid, key, rid):
 *     pid the path's id, key rs_skey of the element, rid the document's rowid; kept here on
 *     every write of "<tbl>_data" (membership: ARRAY_CONTAINS, IN, filters on UNNEST);
 *   - by use, per member of an array's object elements (`labels[*].name`,
 *     `pull_requests[*].number`), the member's scalar values in the same side table under the
 *     member path's id: its args are the array's, RL_FX_MEMBER_SEP, then the member's
 *     ("'labels',NULL,'name'"), a row that never gets a scalar index;
 *   - on request (rl_fieldindex_ensure_function), per deterministic function FN of one path:
 *         CREATE INDEX "<tbl>_fn<id>" ON "<tbl>_data"(rs_skey(FN(rs_get(doc, 'a'))))
 *   - on request, FN SQLX_TRIGRAM_FN (an infix LIKE asked): the path's trigram index, the FTS5
 *     table "<tbl>_tri<id>"(v) of its strings under their documents' rowids, kept by three
 *     triggers on "<tbl>_data" (every write that changes a row), dropped with the collection
 *
 * The catalog: every path (down to RL_FX_MAX_DEPTH levels through objects; arrays are not
 * entered) is a row of the store table fx_paths(id, tbl, args, n_docs, types, indexed, elems):
 * args the rs_get arguments as SQL text ("'a','b'"), n_docs how many visible documents have it
 * (exact: a document entering the table counts +1, leaving it -1), types the JSON types ever
 * seen there (RL_FX_T_*), indexed / elems 1 when its scalar / element index exists.
 * fx_colls(tbl, n_docs, bytes, analyzed_docs) counts the visible documents; fx_funcs(id, tbl,
 * fn, args) lists the function indexes. The translator's questions (sqlxlate.h, sqlx_catalog)
 * are answered from these tables, never by reading the documents.
 *
 * The bound: a collection's first RL_FX_AUTO_INDEXES indexes (scalar or elements) are made as
 * their paths first appear; a path beyond them is listed, and indexed when a query first asks
 * for it (rl_fieldindex_build, run in the background: pending.h). Writes cost grows with the
 * number of indexes a collection has, whatever a document holds: the measurements are in
 * docs/indexing.md. Keys longer than RL_FX_MAX_KEY bytes are neither indexed nor listed.
 *
 * Writing: a write loads the catalog of its collection (rl_fieldindex_load), notes each
 * document that enters (+1) or leaves (-1) the visible table with its rowid
 * (rl_fieldindex_note_doc, no SQL), then flushes once (rl_fieldindex_flush): catalog rows and
 * counts, the indexes of new paths (SQLite builds an expression index over the rows already
 * there; a new element index is filled from them), the element rows of the noted documents. A
 * write of documents makes the indexes of new paths sooner, after the document that brought
 * them (rl_fieldindex_make_new), so that its later documents enter them as they are written.
 *
 * Thread-safety: an rl_fieldindex belongs to one write (one thread, one connection); the other
 * functions take the caller's connection.
 */
#ifndef RL_FIELDINDEX_H
#define RL_FIELDINDEX_H

#include "buf.h"
#include "err.h"
#include "server/sql/sqlxlate.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* fx_funcs.fn as stored from the text bound at ?2: a function's name folded to lower case (SQL
 * names are not case-sensitive), an expression key's text as it is (its literals are) */
#define RL_FX_FN_AT_2 "CASE WHEN instr(?2, '(') THEN ?2 ELSE lower(?2) END"

#define RL_FX_AUTO_INDEXES 100
#define RL_FX_MEMBER_SEP   ",NULL," /* between an array's path and its elements' member's */
#define RL_FX_MAX_DEPTH    4
#define RL_FX_MAX_KEY      128
#define RL_FX_ANALYZE_MIN  1000 /* documents before a collection's first ANALYZE */

/* fx_paths.types bits */
#define RL_FX_T_OBJECT 1
#define RL_FX_T_ARRAY  2
#define RL_FX_T_NULL   4
#define RL_FX_T_BOOL   8
#define RL_FX_T_INT    16
#define RL_FX_T_FLOAT  32
#define RL_FX_T_STRING 64
#define RL_FX_T_TYPED  128 /* {"__rockset_type": ...}: a date, timestamp, ... */
/* With RL_FX_T_TYPED: a typed value whose type is not "timestamp". A path without it and without
 * RL_FX_T_STRING holds no value that compares with a date or time other than TIMESTAMPs, so a
 * range on it by an instant is a range of timestamp keys (sqlx_index.timestamps_only). Stores
 * of format 5 and older did not record it: their typed paths get it when migrated (colltab.c). */
#define RL_FX_T_TYPED_OTHER 256
/* With RL_FX_T_TYPED: a typed value whose type is not "datetime". A path without it and without
 * RL_FX_T_STRING holds DATETIMEs only among the values that compare with a date or time, so a
 * range on it by an instant is a range of datetime keys (sqlx_index.datetimes_only). Stores of
 * format 7 and older: their typed paths get it when migrated. */
#define RL_FX_T_TYPED_NOT_DATETIME 512
#define RL_FX_T_SCALAR \
    (RL_FX_T_NULL | RL_FX_T_BOOL | RL_FX_T_INT | RL_FX_T_FLOAT | RL_FX_T_STRING | RL_FX_T_TYPED)

typedef struct rl_fx_path {
    char *args;      /* rs_get arguments: 'a','b' */
    int64_t id;      /* fx_paths.id; 0 until flushed */
    int64_t delta;   /* change of n_docs in this write */
    unsigned types;  /* RL_FX_T_* seen in this write */
    unsigned stored; /* RL_FX_T_* already in fx_paths */
    int indexed;     /* scalar index: 1 exists, 2 made at the next flush */
    int elems;       /* element index: 1 exists, 2 made (and filled) at the next flush */
    unsigned stamp;  /* the last document counted (a path counts once per document) */
    int dirty;       /* fx_paths needs this row's changes */
    /* a member path (RL_FX_MEMBER_SEP in args): its array path's index + 1, the member's names
     * (decoded) from the element down; and, on any path, the first of its member paths + 1 and
     * the next member path of the same array + 1 (0: none) */
    int member_of;
    char **names;
    int n_names;
    int first_member, next_member;
} rl_fx_path;

typedef struct rl_fx_op { /* one element row to add (+1) or remove (-1) */
    int path;
    int sign;
    int64_t rid;
    size_t key, key_len; /* in rl_fieldindex.keys */
} rl_fx_op;

typedef struct rl_fieldindex {
    char tbl[128];
    rl_fx_path *paths;
    int n_paths, cap_paths;
    int *slots; /* open-addressing hash of args: path index + 1, 0 free */
    size_t n_slots;
    int n_auto; /* indexes counted against RL_FX_AUTO_INDEXES */
    unsigned stamp;
    int64_t doc_delta, bytes_delta;
    int indexes_on; /* make indexes for new paths (off: --field-index off) */
    rl_fx_op *ops;  /* element rows to write at the next flush, in order */
    size_t n_ops, cap_ops;
    rs_buf keys;
    int grown; /* the last flush found the collection doubled since ANALYZE */
    /* the last flush changed what the translator may read of the catalog beyond counts: a path
     * listed, gained a type or an index, or present in documents then in none (or the other
     * way), or the collection's first document or its last gone (xlcache.h) */
    int catalog_changed;
    int has_new;                      /* a path's index is to be made (indexed or elems 2) */
    rs_buf prefix, scratch, elem_key; /* reused by every document's walk */
} rl_fieldindex;

/* The store's catalog tables (part of the store schema). */
#define RL_FX_SCHEMA_SQL                                                                \
    "CREATE TABLE IF NOT EXISTS fx_paths(id INTEGER PRIMARY KEY, tbl TEXT NOT NULL,"    \
    " args TEXT NOT NULL, n_docs INTEGER NOT NULL DEFAULT 0, types INTEGER NOT NULL"    \
    " DEFAULT 0, indexed INTEGER NOT NULL DEFAULT 0, elems INTEGER NOT NULL DEFAULT 0," \
    " UNIQUE(tbl, args));"                                                              \
    "CREATE TABLE IF NOT EXISTS fx_colls(tbl TEXT PRIMARY KEY, n_docs INTEGER NOT NULL" \
    " DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0, analyzed_docs INTEGER NOT NULL"      \
    " DEFAULT 0);"                                                                      \
    "CREATE TABLE IF NOT EXISTS fx_funcs(id INTEGER PRIMARY KEY, tbl TEXT NOT NULL,"    \
    " fn TEXT NOT NULL, args TEXT NOT NULL, UNIQUE(tbl, fn, args));"                    \
    "CREATE TABLE IF NOT EXISTS fx_comps(id INTEGER PRIMARY KEY, tbl TEXT NOT NULL,"    \
    " paths TEXT NOT NULL, UNIQUE(tbl, paths));"                                        \
    "CREATE TABLE IF NOT EXISTS fx_stats(idx TEXT PRIMARY KEY, tbl TEXT NOT NULL,"      \
    " stat TEXT NOT NULL) WITHOUT ROWID;"

/* ANALYZE's rows of table tbl copied to fx_stats: sqlite_stat1 has no index (SQLite allows none
 * on it), and the translator reads an index's rows per key for every test it weighs; a scan of
 * a hundred stat1 rows each time was a tenth of a lookup's server time. */
#define RL_FX_COPY_STATS_SQL                                                               \
    "DELETE FROM fx_stats WHERE tbl = %Q; INSERT OR REPLACE INTO fx_stats(idx, tbl, stat)" \
    " SELECT idx, tbl, stat FROM sqlite_stat1 WHERE tbl = %Q AND idx IS NOT NULL;"

/* The element table of collection table tbl (colltab.h creates it with the collection). */
#define RL_FX_ELEMS_SQL                                                                \
    "CREATE TABLE IF NOT EXISTS \"%w_elems\"(pid INTEGER NOT NULL, key BLOB NOT NULL," \
    " rid INTEGER NOT NULL, PRIMARY KEY(pid, key, rid)) WITHOUT ROWID;"

/* Load the catalog of collection table tbl. indexes_on: make indexes for new paths. */
int rl_fieldindex_load(rl_fieldindex *fx, sqlite3 *db, const char *tbl, int indexes_on,
                       rs_err *err);

/* Note that the document text doc (a JSON object) with rowid rid enters (sign +1) or leaves
 * (sign -1) the visible table. No SQL runs. */
int rl_fieldindex_note_doc(rl_fieldindex *fx, const char *doc, int sign, int64_t rid, rs_err *err);

/* Ask for the index of that kind (SCALAR or ELEMS) of a listed path at the next flush, beyond
 * RL_FX_AUTO_INDEXES and whatever indexes_on says: 1 when it has (or will have) one, 0 when
 * args is not listed or never held a value of that kind. */
int rl_fieldindex_request(rl_fieldindex *fx, sqlx_index_kind kind, const char *args);

/* Write the noted changes (catalog rows, counts, new indexes, element rows) inside the caller's
 * write transaction, with none of the connection's statements running. Sets fx->grown. */
int rl_fieldindex_flush(rl_fieldindex *fx, sqlite3 *db, rs_err *err);

/* Make now the indexes of paths noted since the last flush (fx->has_new), their catalog rows
 * first (the index names carry their ids); the rest of the catalog waits for the flush. A write
 * calls it after the document that brought a new path, with no statement of its own running:
 * SQLite then builds the index over the rows written so far, and the write's later documents
 * enter it as they are inserted. Made at the flush, the index would compute its key over every
 * row of the write again: in a collection's first write, each of about 25 new indexes over
 * 1,000 documents, each row a document rs_get has to index anew (docs/indexing.md). */
int rl_fieldindex_make_new(rl_fieldindex *fx, sqlite3 *db, rs_err *err);

/* Call fn(ctx, key) with the element key (rs_skey) of each scalar element of the array text
 * [array, array + len) (typed values count; objects and arrays do not); stops at fn's first
 * error and returns it. scratch and key are the caller's buffers. */
int rl_fieldindex_each_elem(const char *array, size_t len, rs_buf *scratch, rs_buf *key,
                            int (*fn)(void *ctx, const rs_buf *key), void *ctx);

/* The same for the member at names[0..n) of each object element of the array (a typed value or
 * a scalar element has no members; a member that is an object or an array gives no key). */
int rl_fieldindex_each_member(const char *array, size_t len, char *const *names, int n_names,
                              rs_buf *scratch, rs_buf *key, int (*fn)(void *ctx, const rs_buf *key),
                              void *ctx);

/* Whether args names a member path of an array's elements (RL_FX_MEMBER_SEP). */
int rl_fieldindex_is_member(const char *args);
/* The args of the array path member path args is of (those before RL_FX_MEMBER_SEP): a copy to
 * free(), NULL when out of memory. */
char *rl_fieldindex_member_array(const char *args);

/* Forget the catalog of a dropped collection (its indexes go with its tables). */
int rl_fieldindex_drop(sqlite3 *db, const char *tbl, rs_err *err);

void rl_fieldindex_free(rl_fieldindex *fx);

/* ---- background work (pending.h runs it, each in a write transaction of its own) ---- */

/* Make the index of that kind of path args of tbl, asked for by a query (by use). */
int rl_fieldindex_build(sqlite3 *db, const char *tbl, sqlx_index_kind kind, const char *args,
                        rs_err *err);
/* Refresh SQLite's statistics of tbl's indexes: rl_fieldindex_analyze_next analyzes the part
 * (an index of its data table, its element table) named after `after`, each call in a write
 * transaction of its own; when it finds none, rl_fieldindex_analyze_done counts tbl analyzed. */
int rl_fieldindex_analyze_next(sqlite3 *db, const char *tbl, const char *after, char **analyzed,
                               rs_err *err);
int rl_fieldindex_analyze_done(sqlite3 *db, const char *tbl, rs_err *err);
/* The statistics of an index made by use once tbl has been analyzed, as ANALYZE at the next
 * doubling would give them: without them SQLite guesses ten documents per key of that index
 * against the measured averages of the others, and a composite of two common fields (a
 * workflow's branch and name, thousands of runs each) beat a lookup on a unique id (measured:
 * 3 -> 264 ms for a dashboard lambda). rl_fieldindex_analyze_unmeasured analyzes the first
 * index of tbl's data table after `after` that has no statistics (*analyzed its name, free();
 * NULL when none is left, or tbl was never analyzed: then every index is on SQLite's guesses
 * alike), each call in a write transaction of its own; rl_fieldindex_stats_publish then copies
 * them where the translator reads them and makes every connection load them. */
int rl_fieldindex_analyze_unmeasured(sqlite3 *db, const char *tbl, const char *after,
                                     char **analyzed, rs_err *err);
int rl_fieldindex_stats_publish(sqlite3 *db, const char *tbl, rs_err *err);

/* Make (if missing) the index on rs_skey(fn(rs_get(doc, args))) of collection table tbl, inside
 * the caller's write transaction: fn a deterministic SQL function of one argument registered on
 * the connection (the name the translator emits, e.g. "rsf_parse_timestamp_iso8601"), args the
 * path as rs_get arguments ("'a','b'"). RS_EINVAL for another function or a malformed path.
 * An expression key's fn (SQLX_IS_EXPR_KEY: one expression over doc reading that path) is
 * indexed as rs_skey(fn); when it fails on a document there, it is refused (see below).
 * Called when a view or query lambda is saved whose SQL filters, orders or joins on such an
 * expression; the translator then finds it with index_for(FUNCTION). */
int rl_fieldindex_ensure_function(sqlite3 *db, const char *tbl, const char *fn, const char *args,
                                  rs_err *err);

/* A write of document doc failed: drop the expression indexes of collection table tbl whose
 * expression fails on it (CAST of a string that is no number) and refuse them for good
 * (fx_funcs.fn marked '!'), inside the write's transaction, so that the write is made again and
 * succeeds; a document is never refused for an index a query asked for. Returns how many were
 * dropped (0: the failure is not theirs), or -1 (err set). */
int rl_fieldindex_refuse_expressions(sqlite3 *db, const char *tbl, const char *doc, rs_err *err);

/* Composite indexes, built by use: (rs_skey(rs_get(doc, p1)), rs_skey(rs_get(doc, p2)), ...)
 * over 2 to RL_FX_COMPOSITE_COLUMNS paths in that order, for a query that tests several
 * paths of one collection by equality (and one by a range or an order), or looks a join's
 * rows up by several keys: SQLite then reads the documents that pass every test instead of
 * those of the best single one. At most RL_FX_MAX_COMPOSITES per collection: each is written
 * on every write. paths: the column paths as a JSON array of rs_get argument texts. Make one
 * (inside the caller's write transaction; RS_EINVAL for a malformed list). *built (may be
 * NULL): 1 when it was made, 0 when it existed or the collection has its budget's worth
 * (compuse.h: which one gives way to paths asked for past it).
 */
#define RL_FX_COMPOSITE_COLUMNS 4
#define RL_FX_MAX_COMPOSITES    8
int rl_fieldindex_build_composite(sqlite3 *db, const char *tbl, const char *paths, int *built,
                                  rs_err *err);

/* Give up composite index victim ("<tbl>_cx<id>", one of tbl's) for one over paths, in the
 * caller's write transaction: when paths has none yet and victim is still tbl's, victim is
 * dropped and the new one built (compuse.h says when). *built: 1 when it was. */
int rl_fieldindex_replace_composite(sqlite3 *db, const char *tbl, const char *victim,
                                    const char *paths, int *built, rs_err *err);

/* ---- the catalog's answers (sqlx_catalog, sqlxlate.h); tbl without "_data" ---- */

/* 1 some visible document has the top-level field, 0 none, -1 no documents (or unknown). */
int rl_fieldindex_has_field(sqlite3 *db, const char *tbl, const char *field);
/* 1 when no visible document has the path args ("'a','b'") and it is one the catalog lists
 * wherever a document has it (names only, at most RL_FX_MAX_DEPTH of them, none beginning with
 * '_'), so that a comparison of it with a constant holds for no document; else 0. */
int rl_fieldindex_path_absent(sqlite3 *db, const char *tbl, const char *args);
/* Whether an index of that kind serves args (fn: FUNCTION only): 1 and *out, or 0. *wanted
 * (may be NULL) is set when args is listed with values of that kind but has no index yet: a
 * query asking is a use, the caller may have it built (rl_fieldindex_build). */
int rl_fieldindex_lookup(sqlite3 *db, const char *tbl, sqlx_index_kind kind, const char *args,
                         const char *fn, sqlx_index *out, int *wanted);
/* Whether a composite index of those paths (fieldindex.h above) exists: 1 and *out, or 0.
 * *wanted is set when it does not and the collection's budget has room: a query asking is a
 * use, the caller may have it built. */
int rl_fieldindex_composite(sqlite3 *db, const char *tbl, const char *paths, sqlx_index *out,
                            int *wanted);
/* The names of tbl's composite indexes ("<tbl>_cx<id>"), at most max, oldest first: how many. */
#define RL_FX_INDEX_NAME 160
int rl_fieldindex_composite_names(sqlite3 *db, const char *tbl, char (*names)[RL_FX_INDEX_NAME],
                                  int max);
/* Visible documents of tbl (0 when none, -1 on error). */
int64_t rl_fieldindex_doc_count(sqlite3 *db, const char *tbl);
/* A number that changes when tbl's documents change in count or bytes (estcache.h); -1 on an
 * error. */
int64_t rl_fieldindex_generation(sqlite3 *db, const char *tbl);
/* The counting statement estimate() runs (sqlite3_free it): at most cap documents of tbl
 * whose key on the index lies in range; NULL when there is no such index. */
char *rl_fieldindex_estimate_sql(sqlite3 *db, const char *tbl, sqlx_index_kind kind,
                                 const char *args, const char *fn, const sqlx_range *range,
                                 int64_t cap);
/* The counting statement estimate_together() runs (sqlite3_free it): at most cap documents of
 * tbl in filters[0]'s range of its index that pass the other filters' key tests; NULL when
 * filters[0] has no index or a filter is not a SCALAR or FUNCTION one. */
char *rl_fieldindex_estimate_together_sql(sqlite3 *db, const char *tbl,
                                          const sqlx_keyfilter *filters, int n, int64_t cap);
/* The counting statement order_sample() runs (sqlite3_free it): of the first k documents of
 * tbl in the order of order_args' index (desc: from its end), those that pass the filters' key
 * tests; NULL when the path has no index or a filter is not a SCALAR or FUNCTION one. */
char *rl_fieldindex_order_sample_sql(sqlite3 *db, const char *tbl, const char *order_args, int desc,
                                     int64_t k, const sqlx_keyfilter *filters, int n);

#endif
