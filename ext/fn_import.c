/*
 * fn_import.c - rockset_import_dbt: an existing dbt project into the model tables.
 *
 *   SELECT rockset_import_dbt('path/to/jaffle_shop');
 *   SELECT rockset_import_dbt('path/to/jaffle_shop', '{"seeds": false, "replace": true}');
 *     -> {"project":"jaffle_shop","models":5,"sources":3,"tests":9,"seeds":3,"seed_rows":113,
 *         "vars":1,"macros":4,"generic_tests":2,"singular_tests":1,"warnings":[...]}
 *   SELECT rockset_run();
 *
 * src/dbtimport.c reads the directory into plain structs (what becomes what is described
 * there); this file writes them, in one savepoint, so an import either happens completely or
 * not at all:
 *   - the model tables are created if needed, or updated from an older version
 *     (models_schema_ensure, as rockset_init());
 *   - rockset_models, rockset_sources, rockset_vars, rockset_macros rows are inserted or
 *     replaced by key (macros: the project's with package '', dbt_packages/<pkg>'s with <pkg>); the
 *     rockset_tests rows of every imported model, and of every node (seed, source:s.t) the
 *     project has tests on, are replaced by the project's, as are singular tests of the same
 *     name;
 *   - the YAML's templates see `target` as this connection's: models_target_name and the
 *     session's workspace and threads;
 *   - each seed becomes a local table named for its file: created with the inferred (or
 *     column_types) column types - INTEGER, REAL, TEXT, BOOLEAN (1/0), DATE and TIMESTAMP (ISO
 *     text) - or emptied and refilled when a table of that name with the same columns exists.
 *     A table with other columns is an error (the import never drops a table). Each seed gets
 *     a rockset_seeds row (its settings: workspace, alias, column_types, enabled, tags,
 *     config, path, description) and its columns' tests become rockset_tests rows of the seed;
 *   - options: "replace": true first empties rockset_models, rockset_sources, rockset_vars,
 *     rockset_tests and rockset_macros, and rockset_seeds unless "seeds" is false
 *     (rockset_run_results is kept); "seeds": false leaves seeds alone.
 *
 * Rationale for DIRECTONLY: the function reads files anywhere the process may and rewrites
 * tables; a trigger or view in an untrusted database must not be able to do that.
 */
#include "conn.h"
#include "dbt/dbtimport.h"
#include "modules.h"
#include "sqlerr.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include "fn_models_int.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

typedef struct import_opts {
    int replace;     /* empty the model tables first */
    int seeds;       /* load seeds */
    char *vars_json; /* "vars": a JSON object that wins over the project's vars: (dbt's
                        --vars) while the YAML is rendered; malloc'd, or NULL */
} import_opts;

/* One option's value: JSON true/false, or the numbers 1/0 (what json_object(..., 1) gives). */
static int option_bool(const cJSON *item, int *out) {
    if (cJSON_IsBool(item)) {
        *out = cJSON_IsTrue(item);
        return 1;
    }
    if (cJSON_IsNumber(item) && (item->valuedouble == 0 || item->valuedouble == 1)) {
        *out = item->valuedouble == 1;
        return 1;
    }
    return 0;
}

static int parse_options(const char *text, import_opts *opts, rs_err *err) {
    cJSON *root, *item;
    int rc = RS_OK;

    opts->replace = 0;
    opts->seeds = 1;
    opts->vars_json = NULL;
    if (text == NULL)
        return RS_OK;
    /* length + 1: the NUL is part of the buffer, so "nothing after the value" can be checked */
    root = cJSON_ParseWithLengthOpts(text, strlen(text) + 1, NULL, 1);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return rs_err_set(err, RS_EINVAL,
                          "rockset_import_dbt: options must be a JSON object such as "
                          "'{\"seeds\": false, \"replace\": true}'");
    }
    cJSON_ArrayForEach(item, root) {
        if (strcmp(item->string, "vars") == 0) {
            if (!cJSON_IsObject(item) || opts->vars_json != NULL ||
                (opts->vars_json = cJSON_PrintUnformatted(item)) == NULL) {
                rc = rs_err_set(err, RS_EINVAL,
                                "rockset_import_dbt: option 'vars' must be a JSON object, "
                                "such as {\"seed_name\": \"added\"}");
                break;
            }
            continue;
        }
        int *slot = strcmp(item->string, "replace") == 0 ? &opts->replace
                    : strcmp(item->string, "seeds") == 0 ? &opts->seeds
                                                         : NULL;
        if (slot == NULL) {
            rc = rs_err_set(err, RS_EINVAL,
                            "rockset_import_dbt: unknown option '%.100s' (valid options: "
                            "replace, seeds, vars)",
                            item->string);
            break;
        }
        if (!option_bool(item, slot)) {
            rc = rs_err_set(err, RS_EINVAL, "rockset_import_dbt: option '%s' must be true or false",
                            item->string);
            break;
        }
    }
    cJSON_Delete(root);
    return rc;
}

/* ---------------------------------------------------------------- SQL helpers */

static int sql_fail(sqlite3 *db, const char *what, rs_err *err) {
    int code = sqlite3_errcode(db) == SQLITE_NOMEM ? RS_ENOMEM : RS_EINVAL;

    return rs_err_set(err, code, "rockset_import_dbt: %s: %s", what, sqlite3_errmsg(db));
}

static int exec_sql(sqlite3 *db, const char *sql, const char *what, rs_err *err) {
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return sql_fail(db, what, err);
    return RS_OK;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt, const char *what,
                   rs_err *err) {
    if (sqlite3_prepare_v2(db, sql, -1, stmt, NULL) != SQLITE_OK)
        return sql_fail(db, what, err);
    return RS_OK;
}

/* Step a bound statement once and reset it for the next row. */
static int step_reset(sqlite3 *db, sqlite3_stmt *stmt, const char *what, rs_err *err) {
    int rc = sqlite3_step(stmt) == SQLITE_DONE ? RS_OK : sql_fail(db, what, err);

    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return rc;
}

static void bind_text(sqlite3_stmt *stmt, int i, const char *s) {
    if (s != NULL)
        sqlite3_bind_text(stmt, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(stmt, i);
}

/* ---------------------------------------------------------------- model tables */

static int write_models(sqlite3 *db, const rs_dbt_project *p, rs_err *err) {
    static const char sql[] =
        "INSERT OR REPLACE INTO rockset_models (name, sql, materialized, workspace, alias, "
        "unique_key, tags, config, enabled, description) "
        "VALUES (?1, ?2, COALESCE(?3, 'view'), ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    sqlite3_stmt *stmt = NULL;
    size_t i;
    int rc = prepare(db, sql, &stmt, "rockset_models", err);

    for (i = 0; i < p->n_models && rc == RS_OK; i++) {
        const rs_dbt_model *m = &p->models[i];
        bind_text(stmt, 1, m->name);
        bind_text(stmt, 2, m->sql);
        bind_text(stmt, 3, m->materialized);
        bind_text(stmt, 4, m->workspace);
        bind_text(stmt, 5, m->alias);
        bind_text(stmt, 6, m->unique_key);
        bind_text(stmt, 7, m->tags_json);
        bind_text(stmt, 8, m->config_json);
        sqlite3_bind_int(stmt, 9, m->enabled);
        bind_text(stmt, 10, m->description);
        rc = step_reset(db, stmt, m->path, err);
    }
    sqlite3_finalize(stmt);
    return rc;
}

/* The tests of every imported model (and seed, source, singular test) are replaced by the
 * project's: rows of the same node, and singular tests of the same name, go first. */
static int delete_old_tests(sqlite3 *db, const rs_dbt_project *p, rs_err *err) {
    sqlite3_stmt *del = NULL, *del_singular = NULL;
    size_t i;
    int rc = prepare(db, "DELETE FROM rockset_tests WHERE model = ?1", &del, "rockset_tests", err);

    if (rc == RS_OK)
        rc = prepare(db, "DELETE FROM rockset_tests WHERE test = 'singular' AND name = ?1",
                     &del_singular, "rockset_tests", err);
    for (i = 0; i < p->n_models && rc == RS_OK; i++) {
        bind_text(del, 1, p->models[i].name);
        rc = step_reset(db, del, "rockset_tests", err);
    }
    for (i = 0; i < p->n_tests && rc == RS_OK; i++) {
        int singular = strcmp(p->tests[i].test, "singular") == 0;
        if (singular && p->tests[i].name == NULL)
            continue;
        bind_text(singular ? del_singular : del, 1,
                  singular ? p->tests[i].name : p->tests[i].model);
        rc = step_reset(db, singular ? del_singular : del, "rockset_tests", err);
    }
    sqlite3_finalize(del);
    sqlite3_finalize(del_singular);
    return rc;
}

static int write_tests(sqlite3 *db, const rs_dbt_project *p, rs_err *err) {
    sqlite3_stmt *ins = NULL;
    size_t i;
    int rc = delete_old_tests(db, p, err);

    if (rc == RS_OK)
        rc = prepare(db,
                     "INSERT INTO rockset_tests (model, column_name, test, arg, name, config, "
                     "sql) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                     &ins, "rockset_tests", err);
    for (i = 0; i < p->n_tests && rc == RS_OK; i++) {
        bind_text(ins, 1, p->tests[i].model);
        bind_text(ins, 2, p->tests[i].column);
        bind_text(ins, 3, p->tests[i].test);
        bind_text(ins, 4, p->tests[i].arg_json);
        bind_text(ins, 5, p->tests[i].name);
        bind_text(ins, 6, p->tests[i].config_json);
        bind_text(ins, 7, p->tests[i].sql);
        rc = step_reset(db, ins, "rockset_tests", err);
    }
    sqlite3_finalize(ins);
    return rc;
}

static int write_unit_tests(sqlite3 *db, const rs_dbt_project *p, rs_err *err) {
    sqlite3_stmt *ins = NULL;
    size_t i;
    int rc = prepare(db,
                     "INSERT OR REPLACE INTO rockset_unit_tests (name, model, given, expect, "
                     "overrides, description) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                     &ins, "rockset_unit_tests", err);

    for (i = 0; i < p->n_unit_tests && rc == RS_OK; i++) {
        const rs_dbt_unit_test *u = &p->unit_tests[i];
        bind_text(ins, 1, u->name);
        bind_text(ins, 2, u->model);
        bind_text(ins, 3, u->given_json);
        bind_text(ins, 4, u->expect_json);
        bind_text(ins, 5, u->overrides_json);
        bind_text(ins, 6, u->description);
        rc = step_reset(db, ins, "rockset_unit_tests", err);
    }
    sqlite3_finalize(ins);
    return rc;
}

/* The project's hooks replace every hook (they are the project's, not per model); analyses are
 * replaced by name. */
static int write_hooks_analyses(sqlite3 *db, const rs_dbt_project *p, rs_err *err) {
    sqlite3_stmt *hook = NULL, *an = NULL;
    size_t i;
    int rc = exec_sql(db, "DELETE FROM rockset_hooks", "rockset_hooks", err);

    if (rc == RS_OK)
        rc = prepare(db, "INSERT INTO rockset_hooks (kind, sql) VALUES (?1, ?2)", &hook,
                     "rockset_hooks", err);
    if (rc == RS_OK)
        rc = prepare(db, "INSERT OR REPLACE INTO rockset_analyses (name, sql) VALUES (?1, ?2)", &an,
                     "rockset_analyses", err);
    for (i = 0; i < p->n_hooks && rc == RS_OK; i++) {
        bind_text(hook, 1, p->hooks[i].kind);
        bind_text(hook, 2, p->hooks[i].sql);
        rc = step_reset(db, hook, "rockset_hooks", err);
    }
    for (i = 0; i < p->n_analyses && rc == RS_OK; i++) {
        bind_text(an, 1, p->analyses[i].name);
        bind_text(an, 2, p->analyses[i].sql);
        rc = step_reset(db, an, p->analyses[i].path, err);
    }
    sqlite3_finalize(hook);
    sqlite3_finalize(an);
    return rc;
}

static int write_sources_vars(sqlite3 *db, const rs_dbt_project *p, rs_err *err) {
    sqlite3_stmt *src = NULL, *var = NULL;
    size_t i;
    int rc = prepare(db,
                     "INSERT OR REPLACE INTO rockset_sources (source, name, workspace, "
                     "collection) VALUES (?1, ?2, ?3, ?4)",
                     &src, "rockset_sources", err);

    if (rc == RS_OK)
        rc = prepare(db, "INSERT OR REPLACE INTO rockset_vars (name, value) VALUES (?1, ?2)", &var,
                     "rockset_vars", err);
    for (i = 0; i < p->n_sources && rc == RS_OK; i++) {
        bind_text(src, 1, p->sources[i].source);
        bind_text(src, 2, p->sources[i].name);
        bind_text(src, 3, p->sources[i].workspace);
        bind_text(src, 4, p->sources[i].collection);
        rc = step_reset(db, src, "rockset_sources", err);
    }
    for (i = 0; i < p->n_vars && rc == RS_OK; i++) {
        bind_text(var, 1, p->vars[i].name);
        bind_text(var, 2, p->vars[i].value_json);
        rc = step_reset(db, var, "rockset_vars", err);
    }
    sqlite3_finalize(src);
    sqlite3_finalize(var);
    return rc;
}

static int write_macros(sqlite3 *db, const rs_dbt_project *p, rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    size_t i;
    int rc = prepare(db,
                     "INSERT OR REPLACE INTO rockset_macros (package, name, args, body, kind) "
                     "VALUES (?1, ?2, ?3, ?4, ?5)",
                     &stmt, "rockset_macros", err);

    for (i = 0; i < p->n_macros && rc == RS_OK; i++) {
        bind_text(stmt, 1, p->macros[i].package);
        bind_text(stmt, 2, p->macros[i].name);
        bind_text(stmt, 3, p->macros[i].args);
        bind_text(stmt, 4, p->macros[i].body);
        bind_text(stmt, 5, p->macros[i].is_test ? "test" : "macro");
        rc = step_reset(db, stmt, p->macros[i].path, err);
    }
    sqlite3_finalize(stmt);
    return rc;
}

/* ---------------------------------------------------------------- seeds */

/* The existing table's columns ("name TYPE") joined by ", " (NULL when there is no such
 * table): a refill keeps the declared types, and they say how rockset_seed() sends values. */
static int existing_columns(sqlite3 *db, const char *table, char **out, rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    int rc = prepare(db,
                     "SELECT group_concat(name || ' ' || type, ', ') FROM (SELECT name, type FROM "
                     "pragma_table_info(?1) ORDER BY cid)",
                     &stmt, "seed", err);

    *out = NULL;
    if (rc != RS_OK)
        return rc;
    bind_text(stmt, 1, table);
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != NULL) {
        *out = sqlite3_mprintf("%s", sqlite3_column_text(stmt, 0));
        if (*out == NULL)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    sqlite3_finalize(stmt);
    return rc;
}

/* Create the seed's table, or empty the existing one when it has the same columns. */
static int prepare_seed_table(sqlite3 *db, const rs_dbt_seed *seed, rs_err *err) {
    sqlite3_str *sql = sqlite3_str_new(db), *names = sqlite3_str_new(db);
    char *have = NULL, *text = NULL, *want = NULL;
    size_t c;
    int rc = existing_columns(db, seed->name, &have, err);

    sqlite3_str_appendf(sql, "CREATE TABLE \"%w\" (", seed->name);
    for (c = 0; c < seed->n_columns; c++) {
        sqlite3_str_appendf(sql, "%s\"%w\" %s", c ? ", " : "", seed->columns[c],
                            rs_dbt_type_name(seed->types[c]));
        sqlite3_str_appendf(names, "%s%s %s", c ? ", " : "", seed->columns[c],
                            rs_dbt_type_name(seed->types[c]));
    }
    sqlite3_str_appendall(sql, ")");
    text = sqlite3_str_finish(sql);
    want = sqlite3_str_finish(names);
    if (rc == RS_OK && (text == NULL || want == NULL))
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    if (rc == RS_OK && have == NULL) {
        rc = exec_sql(db, text, seed->path, err);
    } else if (rc == RS_OK && strcmp(have, want) == 0) {
        sqlite3_free(text);
        text = sqlite3_mprintf("DELETE FROM \"%w\"", seed->name);
        rc = text ? exec_sql(db, text, seed->path, err)
                  : rs_err_set(err, RS_ENOMEM, "out of memory");
    } else if (rc == RS_OK) {
        rc = rs_err_set(err, RS_EINVAL,
                        "rockset_import_dbt: %s: table '%s' exists with other columns (%s); the "
                        "seed has (%s): drop or rename the table first",
                        seed->path, seed->name, have, want);
    }
    sqlite3_free(have);
    sqlite3_free(text);
    sqlite3_free(want);
    return rc;
}

static void bind_cell(sqlite3_stmt *stmt, int i, const char *cell, rs_dbt_type type) {
    if (cell == NULL)
        sqlite3_bind_null(stmt, i);
    else if (type == RS_DBT_BOOLEAN)
        sqlite3_bind_int(stmt, i, (cell[0] == 't' || cell[0] == 'T') ? 1 : 0);
    else if (type == RS_DBT_INTEGER)
        sqlite3_bind_int64(stmt, i, strtoll(cell, NULL, 10));
    else if (type == RS_DBT_REAL)
        sqlite3_bind_double(stmt, i, strtod(cell, NULL));
    else
        sqlite3_bind_text(stmt, i, cell, -1, SQLITE_STATIC);
}

static int write_seed(sqlite3 *db, const rs_dbt_seed *seed, rs_err *err) {
    sqlite3_str *sql = sqlite3_str_new(db);
    sqlite3_stmt *stmt = NULL;
    char *text;
    size_t r, c;
    int rc = prepare_seed_table(db, seed, err);

    sqlite3_str_appendf(sql, "INSERT INTO \"%w\" VALUES (", seed->name);
    for (c = 0; c < seed->n_columns; c++)
        sqlite3_str_appendf(sql, "%s?", c ? ", " : "");
    sqlite3_str_appendall(sql, ")");
    text = sqlite3_str_finish(sql);
    if (rc == RS_OK && text == NULL)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    if (rc == RS_OK)
        rc = prepare(db, text, &stmt, seed->path, err);
    for (r = 0; r < seed->n_rows && rc == RS_OK; r++) {
        for (c = 0; c < seed->n_columns; c++)
            bind_cell(stmt, (int)c + 1, seed->cells[r * seed->n_columns + c], seed->types[c]);
        rc = step_reset(db, stmt, seed->path, err);
    }
    sqlite3_finalize(stmt);
    sqlite3_free(text);
    return rc;
}

/* The rockset_seeds rows: the imported seeds and their settings. */
static int write_seed_rows(sqlite3 *db, const rs_dbt_project *p, rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    size_t i;
    int rc = prepare(db,
                     "INSERT OR REPLACE INTO rockset_seeds (name, workspace, alias, column_types, "
                     "enabled, tags, config, path, description) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                     &stmt, "rockset_seeds", err);

    for (i = 0; i < p->n_seeds && rc == RS_OK; i++) {
        const rs_dbt_seed *s = &p->seeds[i];
        bind_text(stmt, 1, s->name);
        bind_text(stmt, 2, s->workspace);
        bind_text(stmt, 3, s->alias);
        bind_text(stmt, 4, s->column_types_json);
        sqlite3_bind_int(stmt, 5, s->enabled);
        bind_text(stmt, 6, s->tags_json);
        bind_text(stmt, 7, s->config_json);
        bind_text(stmt, 8, s->path);
        bind_text(stmt, 9, s->description);
        rc = step_reset(db, stmt, s->path, err);
    }
    sqlite3_finalize(stmt);
    return rc;
}

/* The tests of every imported seed are replaced by the project's (write_tests added them). */
static int delete_seed_tests(sqlite3 *db, const rs_dbt_project *p, rs_err *err) {
    sqlite3_stmt *del = NULL;
    size_t i;
    int rc = prepare(db, "DELETE FROM rockset_tests WHERE model = ?1", &del, "rockset_tests", err);

    for (i = 0; i < p->n_seeds && rc == RS_OK; i++) {
        bind_text(del, 1, p->seeds[i].name);
        rc = step_reset(db, del, "rockset_tests", err);
    }
    sqlite3_finalize(del);
    return rc;
}

/* ---------------------------------------------------------------- the function */

static int write_project(sqlite3 *db, const rs_dbt_project *p, const import_opts *opts,
                         rs_err *err) {
    size_t i;
    int rc = models_schema_ensure(db, err);

    if (rc == RS_OK && opts->replace)
        rc = exec_sql(db,
                      "DELETE FROM rockset_models; DELETE FROM rockset_sources; "
                      "DELETE FROM rockset_vars; DELETE FROM rockset_tests; "
                      "DELETE FROM rockset_macros; DELETE FROM rockset_unit_tests; "
                      "DELETE FROM rockset_analyses;",
                      "replace", err);
    if (rc == RS_OK && opts->replace && opts->seeds)
        rc = exec_sql(db, "DELETE FROM rockset_seeds", "replace", err);
    if (rc == RS_OK)
        rc = delete_seed_tests(db, p, err);
    if (rc == RS_OK)
        rc = write_models(db, p, err);
    if (rc == RS_OK)
        rc = write_tests(db, p, err);
    if (rc == RS_OK)
        rc = write_unit_tests(db, p, err);
    if (rc == RS_OK)
        rc = write_hooks_analyses(db, p, err);
    if (rc == RS_OK)
        rc = write_sources_vars(db, p, err);
    if (rc == RS_OK)
        rc = write_macros(db, p, err);
    if (rc == RS_OK)
        rc = write_seed_rows(db, p, err);
    for (i = 0; i < p->n_seeds && rc == RS_OK; i++)
        rc = write_seed(db, &p->seeds[i], err);
    return rc;
}

/* Write everything inside one savepoint: all or nothing. */
static int write_all_or_nothing(sqlite3 *db, const rs_dbt_project *p, const import_opts *opts,
                                rs_err *err) {
    int rc = exec_sql(db, "SAVEPOINT rockset_import_dbt", "savepoint", err);

    if (rc != RS_OK)
        return rc;
    rc = write_project(db, p, opts, err);
    if (rc != RS_OK)
        sqlite3_exec(db, "ROLLBACK TO rockset_import_dbt", NULL, NULL, NULL);
    if (sqlite3_exec(db, "RELEASE rockset_import_dbt", NULL, NULL, NULL) != SQLITE_OK &&
        rc == RS_OK)
        rc = sql_fail(db, "commit", err);
    return rc;
}

static int is_builtin_test(const char *test) {
    return strcmp(test, "unique") == 0 || strcmp(test, "not_null") == 0 ||
           strcmp(test, "accepted_values") == 0 || strcmp(test, "relationships") == 0;
}

static void put_summary(const rs_dbt_project *p, rs_buf *out) {
    size_t i, seed_rows = 0, singular = 0, generic = 0;

    for (i = 0; i < p->n_seeds; i++)
        seed_rows += p->seeds[i].n_rows;
    for (i = 0; i < p->n_tests; i++) {
        singular += strcmp(p->tests[i].test, "singular") == 0;
        generic += strcmp(p->tests[i].test, "singular") != 0 && !is_builtin_test(p->tests[i].test);
    }
    rs_buf_puts(out, "{\"project\":");
    rs_buf_json_string(out, p->name, strlen(p->name));
    rs_buf_printf(out,
                  ",\"models\":%zu,\"sources\":%zu,\"tests\":%zu,\"seeds\":%zu,"
                  "\"seed_rows\":%zu,\"vars\":%zu,\"macros\":%zu,\"generic_tests\":%zu,"
                  "\"singular_tests\":%zu",
                  p->n_models, p->n_sources, p->n_tests, p->n_seeds, seed_rows, p->n_vars,
                  p->n_macros, generic, singular);
    if (p->n_unit_tests > 0) /* these three: absent when there are none */
        rs_buf_printf(out, ",\"unit_tests\":%zu", p->n_unit_tests);
    if (p->n_hooks > 0)
        rs_buf_printf(out, ",\"hooks\":%zu", p->n_hooks);
    if (p->n_analyses > 0)
        rs_buf_printf(out, ",\"analyses\":%zu", p->n_analyses);
    rs_buf_puts(out, ",\"warnings\":[");
    for (i = 0; i < p->n_warnings; i++) {
        if (i > 0)
            rs_buf_putc(out, ',');
        rs_buf_json_string(out, p->warnings[i], strlen(p->warnings[i]));
    }
    rs_buf_puts(out, "]}");
}

static void fn_import_dbt(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_conn *conn = sqlite3_user_data(ctx);
    const char *dir = rs_sqlerr_arg_text(argv[0]);
    const char *options = argc > 1 ? rs_sqlerr_arg_text(argv[1]) : NULL;
    rs_dbt_options load_opts;
    rs_dbt_project *p = NULL;
    rs_buf out = RS_BUF_INIT;
    import_opts opts;
    rs_err err;

    rs_err_clear(&err);
    opts.vars_json = NULL;
    if (dir == NULL || *dir == '\0') {
        sqlite3_result_error(
            ctx, "rockset_import_dbt: the project folder must not be NULL or empty", -1);
        return;
    }
    if (parse_options(options, &opts, &err) != RS_OK)
        goto fail;
    memset(&load_opts, 0, sizeof(load_opts));
    load_opts.seeds = opts.seeds;
    load_opts.target_name = models_target_name(conn);
    load_opts.target_schema = conn->cfg.workspace;
    load_opts.threads = conn->cfg.threads;
    load_opts.vars_json = opts.vars_json;
    if (rs_dbt_load(dir, &load_opts, &p, &err) != RS_OK) {
        rs_err_prefix(&err, "rockset_import_dbt: ");
        goto fail;
    }
    if (write_all_or_nothing(conn->db, p, &opts, &err) != RS_OK)
        goto fail;
    put_summary(p, &out);
    rs_dbt_free(p);
    free(opts.vars_json);
    rs_sqlerr_result_json(ctx, &out);
    return;
fail:
    rs_dbt_free(p);
    free(opts.vars_json);
    rs_sqlerr_result(ctx, &err);
}

int rs_fn_import_register(rs_conn *conn, char **pzErr) {
    int rc = rs_conn_create_function(conn, "rockset_import_dbt", 1, SQLITE_DIRECTONLY,
                                     fn_import_dbt, pzErr);

    if (rc == SQLITE_OK)
        rc = rs_conn_create_function(conn, "rockset_import_dbt", 2, SQLITE_DIRECTONLY,
                                     fn_import_dbt, pzErr);
    return rc;
}
