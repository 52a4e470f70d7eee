/*
 * duckapi.h - our own declarations of the slice of DuckDB's C API (v1.x) that duck.c calls.
 *
 * Why this file exists: rockset-local does not link DuckDB; duck.c opens libduckdb.so with
 * dlopen() and looks every function up with dlsym(). The library we fetch (the npm package
 * @duckdb/node-bindings-linux-*) ships without its C header, and the build must not depend on
 * a DuckDB install, so the types and prototypes below are written here from DuckDB's documented
 * C API. Only what duck.c uses is declared; nothing here is ever linked against (duck.c only
 * takes __typeof__ of these prototypes to type its function-pointer table).
 *
 * The layouts MUST match the library's ABI exactly: result handles are filled in by DuckDB,
 * vector data is read in place. Build with `make DUCKDB_H=/path/to/duckdb.h` to check them:
 * duck.c then takes the types from DuckDB's real header, includes this file with
 * RL_DUCKAPI_PROTOTYPES_ONLY (our type definitions skipped), and the compiler holds each
 * prototype below against the real one (a conflicting redeclaration is an error) and the
 * static assertions below against the real types' sizes, offsets and enum values.
 *
 * Thread-safety and ownership follow DuckDB's rules (see duck.h for how we use them).
 */
#ifndef RL_DUCKAPI_H
#define RL_DUCKAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef RL_DUCKAPI_PROTOTYPES_ONLY

/* Row and column counts and indexes. */
typedef uint64_t idx_t;

/* What every fallible call returns. */
typedef enum duckdb_state { DuckDBSuccess = 0, DuckDBError = 1 } duckdb_state;

/* Column types; the numeric values are part of the ABI. Only those duck.c tells apart are
 * listed (DuckDB has more: they are all "other" to us). */
typedef enum DUCKDB_TYPE {
    DUCKDB_TYPE_INVALID = 0,
    DUCKDB_TYPE_BOOLEAN = 1,       /* bool, one byte */
    DUCKDB_TYPE_TINYINT = 2,       /* int8_t */
    DUCKDB_TYPE_SMALLINT = 3,      /* int16_t */
    DUCKDB_TYPE_INTEGER = 4,       /* int32_t */
    DUCKDB_TYPE_BIGINT = 5,        /* int64_t */
    DUCKDB_TYPE_UTINYINT = 6,      /* uint8_t */
    DUCKDB_TYPE_USMALLINT = 7,     /* uint16_t */
    DUCKDB_TYPE_UINTEGER = 8,      /* uint32_t */
    DUCKDB_TYPE_UBIGINT = 9,       /* uint64_t */
    DUCKDB_TYPE_FLOAT = 10,        /* float */
    DUCKDB_TYPE_DOUBLE = 11,       /* double */
    DUCKDB_TYPE_TIMESTAMP = 12,    /* duckdb_timestamp: microseconds */
    DUCKDB_TYPE_DATE = 13,         /* duckdb_date: days since 1970-01-01 */
    DUCKDB_TYPE_HUGEINT = 16,      /* duckdb_hugeint */
    DUCKDB_TYPE_VARCHAR = 17,      /* duckdb_string_t */
    DUCKDB_TYPE_DECIMAL = 19,      /* an integer type (duckdb_decimal_internal_type) scaled */
    DUCKDB_TYPE_TIMESTAMP_S = 20,  /* int64_t seconds */
    DUCKDB_TYPE_TIMESTAMP_MS = 21, /* int64_t milliseconds */
    DUCKDB_TYPE_TIMESTAMP_NS = 22, /* int64_t nanoseconds */
    DUCKDB_TYPE_TIMESTAMP_TZ = 31, /* duckdb_timestamp: microseconds, UTC */
    DUCKDB_TYPE_UHUGEINT = 32      /* duckdb_uhugeint */
} DUCKDB_TYPE;
typedef DUCKDB_TYPE duckdb_type;

/* A VARCHAR cell in a vector: 16 bytes. Strings of up to 12 bytes are stored in the cell
 * itself; longer ones keep their first 4 bytes as a prefix and point at the rest. Neither form
 * is NUL-terminated: the length is the only end. */
typedef struct {
    union {
        struct {
            uint32_t length;
            char prefix[4];
            char *ptr;
        } pointer;
        struct {
            uint32_t length;
            char inlined[12];
        } inlined;
    } value;
} duckdb_string_t;

/* Date and time values as DuckDB stores them. */
typedef struct duckdb_date {
    int32_t days;
} duckdb_date;
typedef struct duckdb_timestamp {
    int64_t micros;
} duckdb_timestamp;

/* 128-bit integers: value = upper * 2^64 + lower. */
typedef struct duckdb_hugeint {
    uint64_t lower;
    int64_t upper;
} duckdb_hugeint;
typedef struct duckdb_uhugeint {
    uint64_t lower;
    uint64_t upper;
} duckdb_uhugeint;

/* A query result. The caller provides the storage and DuckDB fills it; the fields are
 * DuckDB's (kept for an older access style) and are never read here: accessor functions only.
 * Free with duckdb_destroy_result, also after a failed query. */
typedef struct duckdb_column duckdb_column; /* opaque to us */
typedef struct duckdb_result {
    idx_t column_count_unused;
    idx_t row_count_unused;
    idx_t rows_changed_unused;
    duckdb_column *columns_unused;
    char *error_message_unused;
    void *internal_data;
} duckdb_result;

/* Opaque handles: pointers to one-pointer structs owned by DuckDB. */
typedef struct _duckdb_database {
    void *internal_ptr;
} * duckdb_database;
typedef struct _duckdb_connection {
    void *internal_ptr;
} * duckdb_connection;
typedef struct _duckdb_config {
    void *internal_ptr;
} * duckdb_config;
typedef struct _duckdb_appender {
    void *internal_ptr;
} * duckdb_appender;
typedef struct _duckdb_logical_type {
    void *internal_ptr;
} * duckdb_logical_type;
typedef struct _duckdb_data_chunk {
    void *internal_ptr;
} * duckdb_data_chunk;
typedef struct _duckdb_vector {
    void *internal_ptr;
} * duckdb_vector;
typedef struct _duckdb_prepared_statement {
    void *internal_ptr;
} * duckdb_prepared_statement;
typedef struct _duckdb_value {
    void *internal_ptr;
} * duckdb_value;

#endif /* RL_DUCKAPI_PROTOTYPES_ONLY */

/* What duck.c relies on, true of our types and (DUCKDB_H builds) of DuckDB's. */
_Static_assert(sizeof(idx_t) == 8 && DuckDBSuccess == 0 && DuckDBError == 1, "duckdb_state");
_Static_assert(DUCKDB_TYPE_BOOLEAN == 1 && DUCKDB_TYPE_TINYINT == 2 && DUCKDB_TYPE_SMALLINT == 3 &&
                   DUCKDB_TYPE_INTEGER == 4 && DUCKDB_TYPE_BIGINT == 5 &&
                   DUCKDB_TYPE_UTINYINT == 6 && DUCKDB_TYPE_USMALLINT == 7 &&
                   DUCKDB_TYPE_UINTEGER == 8 && DUCKDB_TYPE_UBIGINT == 9 &&
                   DUCKDB_TYPE_FLOAT == 10 && DUCKDB_TYPE_DOUBLE == 11,
               "duckdb_type numbers (numbers)");
_Static_assert(DUCKDB_TYPE_TIMESTAMP == 12 && DUCKDB_TYPE_DATE == 13 && DUCKDB_TYPE_HUGEINT == 16 &&
                   DUCKDB_TYPE_VARCHAR == 17 && DUCKDB_TYPE_DECIMAL == 19 &&
                   DUCKDB_TYPE_TIMESTAMP_S == 20 && DUCKDB_TYPE_TIMESTAMP_MS == 21 &&
                   DUCKDB_TYPE_TIMESTAMP_NS == 22 && DUCKDB_TYPE_TIMESTAMP_TZ == 31 &&
                   DUCKDB_TYPE_UHUGEINT == 32,
               "duckdb_type numbers (the rest)");
_Static_assert(sizeof(duckdb_string_t) == 16 && sizeof(duckdb_hugeint) == 16 &&
                   sizeof(duckdb_uhugeint) == 16 && sizeof(duckdb_timestamp) == 8 &&
                   sizeof(duckdb_date) == 4,
               "value layouts");
_Static_assert(offsetof(duckdb_string_t, value.inlined.inlined) == 4 &&
                   offsetof(duckdb_string_t, value.pointer.ptr) == 8 &&
                   offsetof(duckdb_hugeint, upper) == 8,
               "string and hugeint layouts");
_Static_assert(sizeof(duckdb_result) == 3 * sizeof(idx_t) + 3 * sizeof(void *) &&
                   offsetof(duckdb_result, internal_data) == 3 * sizeof(idx_t) + 2 * sizeof(void *),
               "duckdb_result layout");

/* ---- library, configuration, database, connection ---- */

/* The library's version, e.g. "v1.5.6" (static storage). */
const char *duckdb_library_version(void);
/* A configuration to pass to duckdb_open_ext; destroy it after opening. */
duckdb_state duckdb_create_config(duckdb_config *out_config);
duckdb_state duckdb_set_config(duckdb_config config, const char *name, const char *option);
void duckdb_destroy_config(duckdb_config *config);
/* Open a database (path NULL or ":memory:": in memory). On failure *out_error may hold a
 * message allocated by DuckDB: release it with duckdb_free. */
duckdb_state duckdb_open_ext(const char *path, duckdb_database *out_database, duckdb_config config,
                             char **out_error);
void duckdb_close(duckdb_database *database);
duckdb_state duckdb_connect(duckdb_database database, duckdb_connection *out_connection);
void duckdb_disconnect(duckdb_connection *connection);
/* Make the query running on connection fail; callable from another thread. */
void duckdb_interrupt(duckdb_connection connection);
/* Free memory DuckDB allocated for the caller. */
void duckdb_free(void *ptr);

/* ---- queries and results ---- */

/* Run sql; out_result must be destroyed whatever the outcome. */
duckdb_state duckdb_query(duckdb_connection connection, const char *query,
                          duckdb_result *out_result);
void duckdb_destroy_result(duckdb_result *result);
/* Parse, bind and plan query once. On failure *out_prepared_statement is still set and holds the
 * error (duckdb_prepare_error); destroy it either way. */
duckdb_state duckdb_prepare(duckdb_connection connection, const char *query,
                            duckdb_prepared_statement *out_prepared_statement);
const char *duckdb_prepare_error(duckdb_prepared_statement prepared_statement);
void duckdb_destroy_prepare(duckdb_prepared_statement *prepared_statement);
/* Run a prepared statement (binding it again first when a catalog entry it reads changed);
 * out_result must be destroyed whatever the outcome. */
duckdb_state duckdb_execute_prepared(duckdb_prepared_statement prepared_statement,
                                     duckdb_result *out_result);
/* The error message of a failed query or fetch, NULL when none (owned by the result). */
const char *duckdb_result_error(duckdb_result *result);
idx_t duckdb_column_count(duckdb_result *result);
const char *duckdb_column_name(duckdb_result *result, idx_t col);
duckdb_type duckdb_column_type(duckdb_result *result, idx_t col);
/* The full type of a column (for DECIMAL's scale); destroy it with duckdb_destroy_logical_type. */
duckdb_logical_type duckdb_column_logical_type(duckdb_result *result, idx_t col);
uint8_t duckdb_decimal_scale(duckdb_logical_type type);
duckdb_type duckdb_decimal_internal_type(duckdb_logical_type type);
void duckdb_destroy_logical_type(duckdb_logical_type *type);

/* The next chunk of rows (flat vectors), or NULL at the end or on error (then
 * duckdb_result_error says which). Each chunk must be destroyed. */
duckdb_data_chunk duckdb_fetch_chunk(duckdb_result result);
idx_t duckdb_data_chunk_get_size(duckdb_data_chunk chunk);
duckdb_vector duckdb_data_chunk_get_vector(duckdb_data_chunk chunk, idx_t col_idx);
void duckdb_destroy_data_chunk(duckdb_data_chunk *chunk);
/* A column's values, an array of the type's C representation. */
void *duckdb_vector_get_data(duckdb_vector vector);
/* A column's NULL mask, one bit per row (set: valid); NULL when every row is valid. */
uint64_t *duckdb_vector_get_validity(duckdb_vector vector);
bool duckdb_validity_row_is_valid(uint64_t *validity, idx_t row);

/* ---- appenders ---- */

/* An appender on schema.table (schema NULL: the default). On failure *out_appender is still set
 * and holds the error: read it with duckdb_appender_error, then destroy the appender. */
duckdb_state duckdb_appender_create(duckdb_connection connection, const char *schema,
                                    const char *table, duckdb_appender *out_appender);
duckdb_state duckdb_append_null(duckdb_appender appender);
duckdb_state duckdb_append_bool(duckdb_appender appender, bool value);
duckdb_state duckdb_append_int64(duckdb_appender appender, int64_t value);
duckdb_state duckdb_append_double(duckdb_appender appender, double value);
duckdb_state duckdb_append_varchar_length(duckdb_appender appender, const char *val, idx_t length);
duckdb_state duckdb_append_timestamp(duckdb_appender appender, duckdb_timestamp value);
duckdb_state duckdb_appender_end_row(duckdb_appender appender);
/* Flush what is buffered and close (no more appends). */
duckdb_state duckdb_appender_close(duckdb_appender appender);
/* Close (when not yet closed) and free; *appender becomes NULL. */
duckdb_state duckdb_appender_destroy(duckdb_appender *appender);
/* The appender's last error message, NULL when none (owned by the appender). Deprecated since
 * v1.4 in favour of an error-data object, but present in every v1.x library. */
const char *duckdb_appender_error(duckdb_appender appender);

/* ---- values (a LIST cell for an appender) ---- */

/* A type by its id (primitive types); destroy with duckdb_destroy_logical_type. */
duckdb_logical_type duckdb_create_logical_type(duckdb_type type);
/* Values; each must be destroyed with duckdb_destroy_value (the list copies its elements). */
duckdb_value duckdb_create_varchar_length(const char *text, idx_t length);
duckdb_value duckdb_create_int64(int64_t val);
duckdb_value duckdb_create_double(double value);
duckdb_value duckdb_create_bool(bool input);
duckdb_value duckdb_create_timestamp(duckdb_timestamp input);
duckdb_value duckdb_create_null_value(void);
/* A LIST whose elements have type `type` (the child type), NULL on failure. */
duckdb_value duckdb_create_list_value(duckdb_logical_type type, duckdb_value *values,
                                      idx_t value_count);
void duckdb_destroy_value(duckdb_value *value);
/* Append any value, cast to the column's type. */
duckdb_state duckdb_append_value(duckdb_appender appender, duckdb_value value);

#endif
