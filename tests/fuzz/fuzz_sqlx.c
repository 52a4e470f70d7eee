/*
 * fuzz_sqlx.c - rockset-local's SQL translator (src/server/sqlxlate.h) on arbitrary SQL text,
 * and the SQLite functions that translated statements call.
 *
 * Each input is one Rockset SQL statement. It is translated with a resolver that knows two
 * collections, an alias, a view and a view that refers to itself; when translation succeeds the
 * SQLite text is prepared and stepped on an in-memory database holding a few documents (nested
 * objects, arrays, 64-bit integers, nulls), with every :parameter bound, under a progress
 * handler that bounds the work, so the runtime's functions (src/server/runtime/) run on fuzzed
 * arguments too.
 *
 * Invariants: a failed translation has a message; a successful one yields SQLite text that is
 * non-empty for SELECT and INSERT; every result row is a JSON object text. Translated SQL that
 * SQLite refuses to prepare is a translator defect (the client gets SQLite's message about the
 * translated text, e.g. "no such column: r0.doc"), but not a crash: it aborts only when
 * FUZZ_SQLX_STRICT is set in the environment, to hunt for such inputs.
 */
#include "fuzz.h"

#include "server/sql/sqlxlate.h"

#include <sqlite3.h>

static sqlite3 *g_db;
static int g_steps;

static const struct {
    const char *ws, *name, *table, *view, *alias_of;
} g_names[] = {
    {"commons", "people", "t_people", NULL, ""},
    {"shop", "orders", "t_orders", NULL, ""},
    {"commons", "ppl", "t_people", NULL, "commons.ppl"},
    {"commons", "adults", NULL, "SELECT name, age FROM people WHERE age >= 18", ""},
    {"commons", "loop", NULL, "SELECT * FROM loop", ""},
};

static int every_path_indexed(void *ctx, const char *data_table, const char *args) {
    (void)ctx;
    (void)data_table;
    (void)args;
    return 1;
}

static int resolve(void *ctx, const char *ws, const char *name, sqlx_relation *out, rs_err *err) {
    size_t i;
    (void)ctx;
    for (i = 0; i < sizeof(g_names) / sizeof(g_names[0]); i++) {
        if (strcmp(g_names[i].ws, ws) != 0 || strcmp(g_names[i].name, name) != 0)
            continue;
        memset(out, 0, sizeof(*out));
        out->kind = g_names[i].view ? SQLX_REL_VIEW : SQLX_REL_COLLECTION;
        if (g_names[i].table)
            snprintf(out->table, sizeof(out->table), "%s", g_names[i].table);
        if (g_names[i].view) {
            out->view_sql = strdup(g_names[i].view);
            if (out->view_sql == NULL)
                return rs_err_set(err, RS_ENOMEM, "out of memory");
        }
        snprintf(out->canonical, sizeof(out->canonical), "%s.%s", ws, name);
        snprintf(out->alias_of, sizeof(out->alias_of), "%s", g_names[i].alias_of);
        if (g_names[i].table) { /* field index arms: every path indexed (fieldindex.h) */
            snprintf(out->data_table, sizeof(out->data_table), "%s_data", g_names[i].table);
            out->is_indexed = every_path_indexed;
        }
        return 0;
    }
    return rs_err_set(err, RS_ENOTFOUND, "Collection '%s' not found in workspace '%s'", name, ws);
}

static int stop_after_budget(void *ctx) {
    (void)ctx;
    return ++g_steps > 2000;
}

static const char *const g_setup =
    "CREATE TABLE t_people(doc TEXT);"
    "CREATE TABLE t_orders(doc TEXT);"
    "CREATE TABLE t_people_data(_id TEXT PRIMARY KEY, doc TEXT, prev_doc TEXT, vis_ms INTEGER,"
    " seq INTEGER);"
    "CREATE TABLE t_orders_data(_id TEXT PRIMARY KEY, doc TEXT, prev_doc TEXT, vis_ms INTEGER,"
    " seq INTEGER);"
    "INSERT INTO t_people VALUES"
    " ('{\"_id\":\"1\",\"_event_time\":\"2024-01-01T00:00:00.000000Z\",\"name\":\"Ann\",\"age\":30,"
    "\"tags\":[\"a\",\"b\"],\"addr\":{\"zip\":\"0150\",\"geo\":{\"lat\":59.9}},"
    "\"big\":9007199254740993}'),"
    " ('{\"_id\":\"2\",\"name\":\"Bob\",\"age\":17,\"active\":false,\"tags\":[],\"addr\":null,"
    "\"big\":-9223372036854775808}'),"
    " ('{\"_id\":\"3\",\"name\":null,\"age\":1.5e300,\"s\":\"\\u00e9\\ud83d\\ude00\"}');"
    "INSERT INTO t_orders VALUES ('{\"_id\":\"o1\",\"pid\":\"1\",\"amount\":10}'),"
    " ('{\"_id\":\"o2\",\"pid\":\"2\",\"amount\":-2.5,\"item\":[1,{\"x\":[]}]}');"
    "INSERT INTO t_people_data SELECT json_extract(doc, '$._id'), doc, NULL, 0, 0 FROM t_people;"
    "INSERT INTO t_orders_data SELECT json_extract(doc, '$._id'), doc, NULL, 0, 0 FROM t_orders;"
    "CREATE INDEX t_people_fx0 ON t_people_data(rs_skey(rs_get(doc,'age'))) WHERE doc IS NOT NULL;"
    "CREATE INDEX t_people_fx1 ON t_people_data(rs_skey(rs_get(doc,'addr','zip')))"
    " WHERE doc IS NOT NULL;";

/* rockset-local's statement clock (store.c); a fixed time here. */
static void stmt_now_ms(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    sqlite3_result_int64(ctx, 1700000000000LL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    if (sqlite3_open(":memory:", &g_db) != SQLITE_OK ||
        sqlx_register_functions(g_db) != SQLITE_OK ||
        sqlite3_create_function(g_db, "rl_stmt_now_ms", 0, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                NULL, stmt_now_ms, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(g_db, g_setup, NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "fuzz_sqlx: setup failed: %s\n", sqlite3_errmsg(g_db));
        abort();
    }
    sqlite3_progress_handler(g_db, 100, stop_after_budget, NULL);
    return 0;
}

/* Bind every parameter the statement names; values cycle through the API's types. */
static void bind_params(sqlite3_stmt *st, const sqlx_stmt *tr) {
    static const char *const types[] = {"int", "float", "string", "bool", "null", "", "date"};
    static const char *const values[] = {"7",    "2.5",         "x'y",       "true",
                                         "null", "{\"a\":[1]}", "2024-01-31"};
    char pname[160];
    rs_err err = {0};
    int i, idx;

    for (i = 0; i < tr->n_params; i++) {
        size_t k = (size_t)i % (sizeof(types) / sizeof(types[0]));
        snprintf(pname, sizeof(pname), ":%s", tr->param_names[i]);
        idx = sqlite3_bind_parameter_index(st, pname);
        if (idx > 0)
            (void)sqlx_bind_param(st, idx, tr->param_names[i], types[k], values[k], &err);
    }
}

static void run(const sqlx_stmt *tr) {
    sqlite3_stmt *st = NULL;
    int rc, rows = 0;

    if (tr->sqlite_sql == NULL)
        return;
    rc = sqlite3_prepare_v2(g_db, tr->sqlite_sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        if (getenv("FUZZ_SQLX_STRICT") != NULL) {
            fprintf(stderr, "fuzz_sqlx: translated SQL does not prepare: %s\n%s\n",
                    sqlite3_errmsg(g_db), tr->sqlite_sql);
            FUZZ_ASSERT(rc == SQLITE_OK);
        }
        return;
    }
    bind_params(st, tr);
    g_steps = 0;
    while (rows < 200 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *doc = (const char *)sqlite3_column_text(st, 0);
        FUZZ_ASSERT(doc == NULL || doc[0] == '{');
        rows++;
    }
    sqlite3_finalize(st);
}

/* Every TABLE() / FIELD() parameter reads "people": a collection of the fixture (and a field
 * name). */
static const char *param_text(void *ctx, const char *name) {
    (void)ctx;
    (void)name;
    return "people";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sqlx_options opts = {.default_row_limit = 100, .param_text = param_text};
    sqlx_stmt tr;
    rs_err err = {0};
    char *sql;

    if (size > 16 * 1024)
        return 0;
    sql = fuzz_cstr(data, size);
    if (sql == NULL)
        return 0;
    memset(&tr, 0, sizeof(tr));
    if (sqlx_translate(sql, &opts, resolve, NULL, &tr, &err) == 0) {
        if (tr.kind != SQLX_DESCRIBE)
            FUZZ_ASSERT(tr.sqlite_sql != NULL && tr.sqlite_sql[0] != '\0');
        run(&tr);
        sqlx_stmt_free(&tr);
    } else {
        FUZZ_ASSERT(err.msg[0] != '\0');
    }
    free(sql);
    return 0;
}
