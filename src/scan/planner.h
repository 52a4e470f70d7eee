/*
 * planner.h - the SQLite-free brain of the `rockset` virtual table (ext/vtab_collection*.c):
 * the plan xBestIndex chooses over a table's columns (schema.h), and the Rockset SQL text +
 * parameters that xFilter sends for it.
 *
 * What it is for: everything about a collection scan that can be decided without SQLite or the
 * network, so that it is unit-tested alone (tests/unit/test_planner.c). It does not talk to
 * Rockset, does not decode rows (rowdecode.h) and never sees a sqlite3_value: ext/ converts
 * values to rs_value first.
 *
 * WHY PUSHED PREDICATES LOOK THE WAY THEY DO. A pushed constraint must never change a result.
 * SQLite compares the value a row shows (int -> INTEGER, float -> REAL, bool -> 0/1,
 * string -> TEXT, object/array/date/... -> TEXT, null/absent -> NULL) with the right-hand value,
 * after applying the comparison's affinity to BOTH sides (for a virtual table the column's own
 * value is converted too): with a literal or parameter on the right that is the column's
 * affinity (INTEGER/REAL/NUMERIC: text that looks like a number becomes one; TEXT: numbers
 * become text; none: nothing), with a CAST or another table's column NUMERIC if either side is
 * numeric, else none. Rockset compares typed values and never converts. So each predicate is
 * split by the Rockset type of the field, in four groups:
 *     N  int, float     compared numerically on both sides
 *     B  bool           SQLite sees 0/1
 *     S  string         compared as text (BINARY) on both sides
 *     O  anything else that shows as TEXT in SQLite (object, array, date, timestamp, bytes, ...)
 * and for each group the planner decides, for every affinity the right-hand side may have,
 * whether SQLite's comparison is always false, always true, or a plain Rockset comparison.
 * Example: `total > 5` on an untyped column becomes
 *     ((TYPEOF("total") IN ('int','float') AND "total" > :p1) OR TYPEOF("total") = 'string'
 *      OR TYPEOF("total") NOT IN ('int','float','bool','string','null','undefined'))
 * because in SQLite any TEXT is greater than any number. When a group cannot be decided (an O
 * value compared as rendered text, a string that NUMERIC affinity may turn into a number, ...)
 * the whole group is sent: the result is a superset, and SQLite re-checks the constraint
 * (omit = 0). A term is "exact" - the Rockset predicate selects exactly the rows SQLite keeps -
 * only when every group was decided (typically: `_id`, TEXT columns against words, untyped
 * columns against text); only exact terms are omitted, and LIMIT/OFFSET are pushed only when
 * every constraint is exact (otherwise a constant LIMIT still sizes the first page).
 * `_id` is always a string, so its predicates are plain (`"_id" = :p1`).
 * LIKE and GLOB never are exact: they are pushed as a range on their literal prefix
 * (`x LIKE 'Ab%'` -> S: x >= 'AB' AND x < 'ac': every case variant lies in between), so
 * Rockset's case-sensitive LIKE is never relied on.
 *
 * WHY A PUSHED ORDER BY IS SPLIT IN TWO. SQLite sorts the values a row shows (no affinity is
 * applied): NULL < INTEGER and REAL (compared numerically) < TEXT (BINARY: bytewise) < BLOB.
 * Rockset sorts its own types: missing < null < bool < int and float (numerically) < string <
 * bytes < date ... < array < object. The two orders agree exactly on the values of the "plain"
 * types - null, missing, int, finite float, string: NULL first, then numbers, then strings,
 * compared the same way - and nowhere else (a bool is 0/1 among SQLite's numbers; a date,
 * timestamp, bytes, object or array shows as TEXT among SQLite's strings; a non-finite float
 * shows as NULL). So an ORDER BY on a field is sent as two parts:
 *     MAIN  the rows whose keys are all plain (a type guard in WHERE), ordered and limited by
 *           Rockset: ORDER BY "x" DESC NULLS LAST, "_id" LIMIT :p1
 *     REST  every other row (NOT the guard), neither ordered nor limited: the extension sorts
 *           it in SQLite's order (rowsort.h) and merges it with MAIN. Usually empty.
 * `_id` ends MAIN's ORDER BY, so ties come in one order and a LIMIT keeps the same rows each
 * time. NULLS FIRST/LAST are spelled out; with them Rockset orders missing with null. The
 * tie-break costs a server that walks the key's index a sort of every row up to LIMIT + OFFSET,
 * so the extension first asks without it (RS_PART_WINDOW, RS_PART_BOTH) and sorts the few rows
 * itself; it sends MAIN only when ties cross the edge of the page. Whether REST is empty is
 * asked of the whole collection, without filters (RS_PART_PROBE: the type test alone is what a
 * server with field indexes answers from the key's index), in the same request as the page
 * when the page fits the first response (RS_PART_BOTH), or not at all when a descending page
 * of numbers rules out every other type by its keys (rs_planner_window_alone).
 * `_id` alone is always a non-null string: ORDER BY _id needs no split. A field is ordered only
 * when LIMIT is pushed too (rs_planner_can_order): that is what makes it worth a second query,
 * and it bounds what the extension keeps of REST; and only under BINARY (a column declared with
 * another collation is sorted by SQLite).
 *
 * PLAN ENCODING (xBestIndex -> idxStr -> xFilter). Space-separated tokens after "rs1":
 *     c<hex>                  columns used: bit i = column i (bit 63 = column 63 and beyond)
 *     w<col>:<op>:<argv>:<f>  a pushed constraint on column <col>, operator name (EQ NE LT LE
 *                             GT GE ISNULL NOTNULL IN LIKE GLOB), its 1-based xFilter argument
 *                             (SQLite omits a constraint only when it has one; the value of
 *                             ISNULL/NOTNULL is ignored), flags: 'x' exact (omitted), 'k' the
 *                             right-hand side was a constant at plan time, '-' none
 *     o<col>:<a|d>            ORDER BY term pushed and consumed (after an `_id` key, none)
 *     l<argv> / f<argv>       LIMIT / OFFSET argument
 *     h<n>                    first page size hint (a constant LIMIT seen at plan time)
 *     a                       SELECT * without any pushdown (rockset_config('pushdown', 0))
 *   e.g. "rs1 c5 w0:EQ:1:xk l2", "rs1 a"
 *
 * Ownership: rs_schema owns its strings (rs_schema_free). rs_query_text owns its SQL and
 * parameters (rs_query_text_free). rs_value borrows its text. Thread-safety: pure functions.
 */
#ifndef RS_PLANNER_H
#define RS_PLANNER_H

#include "buf.h"
#include "err.h"
#include "jsonscan.h"
#include "schema.h"

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- values and plans */

typedef enum rs_value_kind {
    RS_VAL_NULL = 0,
    RS_VAL_INT,
    RS_VAL_REAL,
    RS_VAL_TEXT,
    RS_VAL_BLOB
} rs_value_kind;

/* A right-hand side value as SQLite holds it. text is borrowed (TEXT: UTF-8, len bytes). */
typedef struct rs_value {
    rs_value_kind kind;
    long long i;
    double r;
    const char *text;
    size_t len;
} rs_value;

typedef enum rs_plan_op {
    RS_OP_EQ = 1,
    RS_OP_NE,
    RS_OP_LT,
    RS_OP_LE,
    RS_OP_GT,
    RS_OP_GE,
    RS_OP_ISNULL,
    RS_OP_NOTNULL,
    RS_OP_IN, /* EQ against a list (sqlite3_vtab_in, all values at once) */
    RS_OP_LIKE,
    RS_OP_GLOB
} rs_plan_op;

#define RS_PLAN_MAX_TERMS 32
#define RS_PLAN_MAX_ORDER 8

typedef struct rs_plan_term {
    int column;
    rs_plan_op op;
    int argv;     /* 1-based index into xFilter's argv (ignored for ISNULL/NOTNULL) */
    int exact;    /* the Rockset predicate equals SQLite's (the constraint is omitted) */
    int constant; /* the right-hand side was a constant when planned */
} rs_plan_term;

typedef struct rs_plan_order {
    int column;
    int desc;
} rs_plan_order;

typedef struct rs_plan {
    int project;      /* 1: select the used columns; 0: SELECT * and no pushdown at all */
    uint64_t columns; /* columns used (see c<hex> above) */
    rs_plan_term terms[RS_PLAN_MAX_TERMS];
    int n_terms;
    rs_plan_order order[RS_PLAN_MAX_ORDER];
    int n_order;
    int limit_argv;      /* 0 = LIMIT not pushed */
    int offset_argv;     /* 0 = OFFSET not pushed */
    long long page_hint; /* > 0: a constant LIMIT (+ OFFSET), used to size the first page */
} rs_plan;

void rs_plan_init(rs_plan *plan);

/* Whether a constraint with this operator on this column can be pushed at all (whatever its
 * value): not on _event_time or _doc, and LIKE/GLOB only on fields and _id. */
int rs_planner_can_push(const rs_column *col, rs_plan_op op);

/* Whether pushing `col op rhs` is exact (see top). rhs is the constant right-hand side, or NULL
 * when it is unknown at plan time (never exact then, except ISNULL/NOTNULL which need none). */
int rs_planner_term_exact(const rs_column *col, rs_plan_op op, const rs_value *rhs);

/* Whether ORDER BY on this column may be consumed (see top): `_id` always; a field when the
 * query's LIMIT is pushed too (limit_pushed) and the column is not declared with a collation
 * other than BINARY. */
int rs_planner_can_order(const rs_column *col, int limit_pushed);

/* Whether the plan's ORDER BY has a field key, so that it is run as two parts (see top). */
int rs_planner_order_split(const rs_schema *schema, const rs_plan *plan);

/* Estimated rows and cost of a plan over a collection of doc_count documents (< 0: unknown),
 * fetched page_size rows per request. *unique is set when at most one row can match. */
void rs_planner_estimate(const rs_schema *schema, const rs_plan *plan, long long doc_count,
                         long long page_size, double *cost, long long *rows, int *unique);

/* idxStr (format at the top). rs_plan_encode appends to out; rs_plan_decode fills *plan or
 * returns RS_EINVAL "rockset: bad plan '<text>'". */
int rs_plan_encode(const rs_plan *plan, rs_buf *out);
int rs_plan_decode(const char *text, rs_plan *plan, rs_err *err);

/* ---------------------------------------------------------------- query text */

/* The values xFilter received for one term: one for comparisons, LIKE and GLOB, the whole list
 * for IN, none for ISNULL/NOTNULL. */
typedef struct rs_term_values {
    const rs_value *values;
    size_t n;
} rs_term_values;

typedef struct rs_query_text {
    rs_buf sql;
    char **names;  /* parameter names p1, p2, ... (no colon) */
    char **types;  /* "int", "float", "string" */
    char **values; /* value text */
    size_t n_params;
    size_t cap_params;
    int empty; /* the plan can match no row: nothing needs to be sent */
} rs_query_text;

void rs_query_text_init(rs_query_text *q);
void rs_query_text_free(rs_query_text *q);

/* The parts of a plan whose ORDER BY is split (see top); a plan that is not split has only ALL. */
typedef enum rs_scan_part {
    RS_PART_ALL = 0,  /* the whole plan in one query (a split plan: the same as MAIN) */
    RS_PART_MAIN,     /* rows whose ORDER BY keys are plain: ordered, limited */
    RS_PART_REST,     /* the other rows: not ordered, not limited (empty when LIMIT is 0) */
    RS_PART_PROBE,    /* the _id of one row of the collection with a key of another type,
                         whatever the filters: when there is none, REST is empty too (REST's
                         rows are some of these) and need not be sent. SELECT "_id" FROM ...
                         WHERE NOT (<guard>) LIMIT 1, without parameters */
    RS_PART_WINDOW,   /* MAIN once REST is known empty (or, rs_planner_window_alone, may be
                         shown not to matter by its rows' keys): no type guard (every row is
                         plain) and no `_id` tie-break, so that a server with field indexes
                         walks the key's index instead of sorting; the caller asks for the rows
                         around the page and checks that no tie crosses its edges */
    RS_PART_BOTH,     /* one request for a page that fits the first response: SELECT * FROM
                         (<WINDOW>) AS m UNION ALL SELECT * FROM (<PROBE, its row marked>) AS p.
                         WINDOW's rows are the page and its edge rows in Rockset's order, of any
                         type; the probe's row, the one without an "_id" (rs_planner_probe_row),
                         shows whether REST may have rows: when it does not come, REST is empty
                         and WINDOW's rows, sorted by the caller, are MAIN's (ties aside) */
    RS_PART_BOTH_TIED /* SELECT * FROM (<MAIN>) AS m UNION ALL <REST>: exact whatever REST; MAIN
                         without OFFSET (it brings LIMIT rows: pass LIMIT + OFFSET) */
} rs_scan_part;

/* Build SELECT <used columns> FROM "ws"."coll" [WHERE ...] [ORDER BY ...] [LIMIT :pN [OFFSET
 * :pM]] for one part of plan, with values[k] the values of plan->terms[k] (values may be NULL
 * when the plan has no terms). limit < 0 / offset <= 0 mean none (used only when the plan
 * pushes them). out must be initialised; RS_ENOMEM is the only error. */
int rs_planner_build_part(const rs_schema *schema, const char *ws, const char *coll,
                          const rs_plan *plan, const rs_term_values *values, long long limit,
                          long long offset, rs_scan_part part, rs_query_text *out, rs_err *err);
/* Whether a row of RS_PART_BOTH's answer is the probe's: it has no string "_id" (it holds only
 * RS_PROBE_FIELD), where every row of WINDOW has one. */
#define RS_PROBE_FIELD "rs_other_type"
int rs_planner_probe_row(rs_jsonscan_span row);

/* Whether RS_PART_WINDOW sent alone, without the probe, may settle the page: one field key (an
 * `_id` after it aside), descending, declared numeric (INTEGER, REAL, NUMERIC: its values are
 * meant to be numbers), no OFFSET. Rockset orders by type first, and descending puts objects,
 * arrays, dates, timestamps, bytes and strings before every number, bools (0 and 1 to SQLite)
 * after them, nulls last. So when WINDOW's keys are all plain numbers, every row of another
 * type the filters keep that WINDOW did not bring sorts after its last row in Rockset's order,
 * and in SQLite's too when that row is above 1: a bool is 0 or 1 there, a non-finite float
 * NULL (last). When fewer rows came than were asked for, they are all the filters keep. A key
 * that shows as text cannot say so (a timestamp arrives as a string), nor can an ascending
 * order (a non-finite float, NULL to SQLite, comes after every number), nor an OFFSET (the rows
 * skipped may hold any type): those send the probe in the same request (RS_PART_BOTH). */
int rs_planner_window_alone(const rs_schema *schema, const rs_plan *plan, long long offset);

/* What one WINDOW row's key (its raw JSON value) says (rs_planner_window_alone). */
typedef enum rs_window_key {
    RS_KEY_UNSURE = 0,  /* a string, null or absent key: may be another type's (a timestamp,
                           a non-finite float) */
    RS_KEY_NUMBER,      /* an int or a float within the type guard's bounds: plain */
    RS_KEY_ABOVE_BOOLS, /* such a number above 1: every bool sorts below it in SQLite too */
    RS_KEY_OTHER_TYPE   /* a bool, object or array: REST has a row */
} rs_window_key;
rs_window_key rs_planner_window_key(rs_jsonscan_span value);

/* The same for RS_PART_ALL. */
int rs_planner_build_query(const rs_schema *schema, const char *ws, const char *coll,
                           const rs_plan *plan, const rs_term_values *values, long long limit,
                           long long offset, rs_query_text *out, rs_err *err);

/* The shortest decimal text (%.15g .. %.17g) that reads back as exactly d, into buf (at least
 * 32 bytes). For finite values only. */
void rs_planner_format_double(double d, char *buf, size_t size);

#endif
