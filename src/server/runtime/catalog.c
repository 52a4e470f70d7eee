/*
 * catalog.c - the list of function tables, lookup by name, and registration (see catalog.h).
 */
#include "catalog.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const rt_function *const tables[] = {rt_fn_core, rt_fn_cond,  rt_fn_string, rt_fn_regex,
                                            rt_fn_math, rt_fn_array, rt_fn_object, rt_fn_time,
                                            rt_fn_hash, rt_fn_geo,   rt_fn_agg};
#define N_TABLES (sizeof tables / sizeof tables[0])

static int table_end(const rt_function *fn) {
    return fn->name == NULL && fn->sql_name == NULL;
}

const rt_function *rt_catalog_find(const char *name) {
    for (size_t t = 0; t < N_TABLES; t++)
        for (const rt_function *fn = tables[t]; !table_end(fn); fn++)
            if (fn->name != NULL && strcasecmp(fn->name, name) == 0)
                return fn;
    return NULL;
}

const char *rt_catalog_sql_name(const rt_function *fn, char *buf, size_t cap) {
    if (fn->sql_name != NULL)
        return fn->sql_name;
    size_t i = 0;
    int n = snprintf(buf, cap, "rsf_");
    for (i = 0; fn->name[i] != '\0' && (size_t)n + i + 1 < cap; i++)
        buf[n + i] = (char)tolower((unsigned char)fn->name[i]);
    buf[n + i] = '\0';
    return buf;
}

void rt_catalog_each(void (*visit)(const rt_function *fn, void *ctx), void *ctx) {
    for (size_t t = 0; t < N_TABLES; t++)
        for (const rt_function *fn = tables[t]; !table_end(fn); fn++)
            if (fn->name != NULL)
                visit(fn, ctx);
}

static int register_one(sqlite3 *db, const rt_function *fn) {
    char buf[64];
    const char *name = rt_catalog_sql_name(fn, buf, sizeof buf);
    int flags = SQLITE_UTF8 | ((fn->flags & RT_VOLATILE) ? 0 : SQLITE_DETERMINISTIC);

    if ((fn->flags & RT_BUILTIN) || fn->kind == RT_EMITTED)
        return SQLITE_OK;
    if (fn->step != NULL && fn->inverse != NULL)
        return sqlite3_create_window_function(db, name, -1, flags, (void *)fn, fn->step, fn->final,
                                              fn->value, fn->inverse, NULL);
    return sqlite3_create_function_v2(db, name, -1, flags, (void *)fn, fn->scalar, fn->step,
                                      fn->final, NULL);
}

int rt_unnest_register(sqlite3 *db);
int rt_rowshint_register(sqlite3 *db);
int rt_core_register(sqlite3 *db);

int rt_catalog_register(sqlite3 *db) {
    for (size_t t = 0; t < N_TABLES; t++) {
        for (const rt_function *fn = tables[t]; !table_end(fn); fn++) {
            int rc = register_one(db, fn);
            if (rc != SQLITE_OK)
                return rc;
        }
    }
    int rc = rt_core_register(db); /* rs_get, with a cache per connection (fn_core.c) */
    rc = rc == SQLITE_OK ? rt_unnest_register(db) : rc;
    return rc == SQLITE_OK ? rt_rowshint_register(db) : rc; /* rs_rows (rowshint.c) */
}
