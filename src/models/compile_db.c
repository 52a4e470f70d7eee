/*
 * compile_db.c - the database a model's macros read while it compiles (dbt's "execute" time):
 * run_query(sql) / {% call statement %} and adapter.get_columns_in_relation(relation), answered
 * with queries through the project's client (rs_project_set_db).
 *
 * Results are template values shaped as dbt's macros read agate tables: a dict with rows (a list
 * of row dicts, column name -> value, readable by position too), column_names, and columns
 * (name -> {row index: value}, so columns[0].values() is the first column's values). At most
 * RS_DB_MAX_ROWS rows are read: this is for the small lookups macros make (distinct values of a
 * pivot column, a date range's length), not for data.
 */
#include "api/api.h"
#include "compile_int.h"
#include "jsonscan.h"
#include "template/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RS_DB_MAX_ROWS 10000

static int oom(rs_err *err) {
    return rs_err_set(err, RS_ENOMEM, "out of memory");
}

int rs_project_set_db(rs_project *p, const rs_api *api, rs_err *err) {
    rs_api_close(p->db);
    p->db = NULL;
    return api != NULL ? rs_api_clone(api, &p->db, err) : RS_OK;
}

void rs_project_set_db_stop(rs_project *p, rs_http_stop_fn should_stop, void *stop_ctx) {
    if (p->db != NULL)
        rs_http_set_stop(rs_api_http(p->db), should_stop, stop_ctx);
}

/* Run sql on the project's client: the first RS_DB_MAX_ROWS rows. */
static int db_query(rs_project *p, const char *sql, rs_query_result **res, rs_err *err) {
    rs_query_request req;
    int rc;

    if (p->db == NULL)
        return rs_err_set(err, RS_EINVAL,
                          "this macro reads the database (dbt's execute time), and there is no "
                          "connection: call rockset_connect() first");
    memset(&req, 0, sizeof(req));
    req.sql = sql;
    req.idempotent = 1;
    req.max_initial_results = RS_DB_MAX_ROWS;
    pthread_mutex_lock(&p->db_lock);
    rc = rs_api_query(p->db, &req, res, err);
    pthread_mutex_unlock(&p->db_lock);
    return rc;
}

static int put(rs_tpl_value *dict, const char *key, rs_tpl_value v, rs_err *err) {
    return rs_tpl_dict_set(dict, key, v) == RS_OK ? RS_OK : oom(err);
}

static int put_string(rs_tpl_value *dict, const char *key, const char *text, rs_err *err) {
    rs_tpl_value v;
    return rs_tpl_string(&v, text, strlen(text)) == RS_OK ? put(dict, key, v, err) : oom(err);
}

/* Whether names (a list of strings) holds name. */
static int has_name(const rs_tpl_value *names, const char *name) {
    size_t i;

    for (i = 0; i < rs_tpl_value_len(names); i++) {
        if (strcmp(rs_tpl_value_str(rs_tpl_list_get(names, i), NULL), name) == 0)
            return 1;
    }
    return 0;
}

/* The column names of rows, in the order they first appear. */
static int column_names(const rs_tpl_value *rows, rs_tpl_value *names, rs_err *err) {
    size_t i, j;
    int rc = rs_tpl_list(names) == RS_OK ? RS_OK : oom(err);

    for (i = 0; rc == RS_OK && i < rs_tpl_value_len(rows); i++) {
        const rs_tpl_value *row = rs_tpl_list_get(rows, i);
        for (j = 0; rc == RS_OK && j < rs_tpl_value_len(row); j++) {
            const char *name = rs_tpl_dict_key(row, j);
            rs_tpl_value v;
            if (has_name(names, name))
                continue;
            if (rs_tpl_string(&v, name, strlen(name)) != RS_OK ||
                rs_tpl_list_append(names, v) != RS_OK)
                rc = oom(err);
        }
    }
    return rc;
}

/* {row index: value} of one column (rows without it are left out). */
static int one_column(const rs_tpl_value *rows, const char *name, rs_tpl_value *out, rs_err *err) {
    char index[24];
    size_t i;
    int rc = rs_tpl_dict(out) == RS_OK ? RS_OK : oom(err);

    for (i = 0; rc == RS_OK && i < rs_tpl_value_len(rows); i++) {
        const rs_tpl_value *v = rs_tpl_dict_get(rs_tpl_list_get(rows, i), name);
        snprintf(index, sizeof(index), "%zu", i);
        if (v != NULL)
            rc = put(out, index, rs_tpl_value_copy(v), err);
    }
    return rc;
}

/* The agate-like table of a query's rows (see the top of this file). Takes rows. */
static int make_table(rs_tpl_value rows, rs_tpl_value *out, rs_err *err) {
    rs_tpl_value names = rs_tpl_none(), columns = rs_tpl_none(), col;
    size_t i;
    int rc = column_names(&rows, &names, err);

    if (rc == RS_OK)
        rc = rs_tpl_dict(&columns) == RS_OK ? RS_OK : oom(err);
    for (i = 0; rc == RS_OK && i < rs_tpl_value_len(&names); i++) {
        const char *name = rs_tpl_value_str(rs_tpl_list_get(&names, i), NULL);
        rc = one_column(&rows, name, &col, err);
        if (rc == RS_OK)
            rc = put(&columns, name, col, err);
    }
    if (rc == RS_OK)
        rc = rs_tpl_dict(out) == RS_OK ? RS_OK : oom(err);
    if (rc == RS_OK) {
        rc = put(out, "column_names", names, err);
        names = rs_tpl_none();
    }
    if (rc == RS_OK) {
        rc = put(out, "columns", columns, err);
        columns = rs_tpl_none();
    }
    if (rc == RS_OK) {
        rc = put(out, "rows", rows, err);
        rows = rs_tpl_none();
    }
    if (rc != RS_OK && out->type == RS_TPL_DICT)
        rs_tpl_value_free(out);
    rs_tpl_value_free(&names);
    rs_tpl_value_free(&columns);
    rs_tpl_value_free(&rows);
    return rc;
}

/* The rows of a query result as a list of dicts. */
static int result_rows(const rs_query_result *res, rs_tpl_value *rows, rs_err *err) {
    size_t i;
    int rc = rs_tpl_list(rows) == RS_OK ? RS_OK : oom(err);

    for (i = 0; rc == RS_OK && i < rs_query_result_row_count(res); i++) {
        rs_tpl_value row;
        rc = compile_json_value(rs_query_result_row(res, i), 1, &row, err);
        if (rc == RS_OK && rs_tpl_list_append(rows, row) != RS_OK)
            rc = rs_err_set(err, RS_EINVAL, "a query result is too large for a template");
    }
    if (rc != RS_OK)
        rs_tpl_value_free(rows);
    return rc;
}

/* run_query(sql): the rows as a table. */
static int db_run_query(rs_project *p, const rs_tpl_args *args, rs_tpl_value *out, rs_err *err) {
    rs_query_result *res = NULL;
    rs_tpl_value rows;
    const char *sql = NULL;
    int rc = rs_tpl_args_check(args, "run_query", 1, 1, err);

    if (rc == RS_OK)
        rc = rs_tpl_args_string(args, 0, "run_query", &sql, err);
    if (rc == RS_OK)
        rc = db_query(p, sql, &res, err);
    if (rc == RS_OK)
        rc = result_rows(res, &rows, err);
    if (rc == RS_OK)
        rc = make_table(rows, out, err);
    rs_query_result_free(res);
    return rc;
}

/* The SQL name of a relation argument: a relation renders as its name; a string is one. */
static const char *relation_sql(const rs_tpl_value *v) {
    return v->type == RS_TPL_DICT ? rs_tpl_dict_display(v) : rs_tpl_value_str(v, NULL);
}

/* One column as dbt's Column: name, column, data_type (Rockset's type name), dtype, quoted;
 * renders as its name. */
static int make_column(const char *name, const char *type, rs_tpl_value *out, rs_err *err) {
    char *quoted = malloc(2 * strlen(name) + 3), *q = quoted;
    const char *c;
    int rc;

    if (quoted == NULL)
        return oom(err);
    *q++ = '"';
    for (c = name; *c; c++) {
        if (*c == '"')
            *q++ = '"';
        *q++ = *c;
    }
    *q++ = '"';
    *q = '\0';
    rc = rs_tpl_dict(out) == RS_OK ? RS_OK : oom(err);
    if (rc == RS_OK)
        rc = put_string(out, "name", name, err);
    if (rc == RS_OK)
        rc = put_string(out, "column", name, err);
    if (rc == RS_OK)
        rc = put_string(out, "data_type", type, err);
    if (rc == RS_OK)
        rc = put_string(out, "dtype", type, err);
    if (rc == RS_OK)
        rc = put_string(out, "quoted", quoted, err);
    if (rc == RS_OK && rs_tpl_dict_set_display(out, name) != RS_OK)
        rc = oom(err);
    if (rc != RS_OK && out->type == RS_TPL_DICT)
        rs_tpl_value_free(out);
    free(quoted);
    return rc;
}

/* DESCRIBE's answer, one entry per top-level field: the type most of its documents have
 * (null only when nothing else was seen). */
typedef struct described {
    char **names;
    char **types;
    long long *counts;
    size_t n;
} described;

static void described_free(described *d) {
    size_t i;

    for (i = 0; i < d->n; i++) {
        free(d->names[i]);
        free(d->types[i]);
    }
    free(d->names);
    free(d->types);
    free(d->counts);
}

/* The field's name when it is top-level (["name"]); else NULL. *name is malloc'd. */
static int top_level_name(rs_jsonscan_span row, char **name, rs_err *err) {
    rs_jsonscan_span field, first, second;
    rs_jsonscan_iter it;

    *name = NULL;
    if (rs_jsonscan_get(row, "field", &field) != 1 || rs_jsonscan_iter_init(&it, field) != RS_OK ||
        rs_jsonscan_iter_next(&it, NULL, &first) != 1 ||
        rs_jsonscan_iter_next(&it, NULL, &second) != 0)
        return RS_OK;
    return rs_jsonscan_string_dup(first, name, err);
}

/* Note one DESCRIBE row: a new field, or a better type for a known one. Takes name and type. */
static int note_field(described *d, char *name, char *type, long long count, rs_err *err) {
    size_t i;

    for (i = 0; i < d->n && strcmp(d->names[i], name) != 0; i++)
        ;
    if (i < d->n) {
        int better =
            strcmp(type, "null") != 0 && (strcmp(d->types[i], "null") == 0 || count > d->counts[i]);
        free(name);
        if (!better) {
            free(type);
            return RS_OK;
        }
        free(d->types[i]);
        d->types[i] = type;
        d->counts[i] = count;
        return RS_OK;
    }
    {
        char **names = realloc(d->names, (d->n + 1) * sizeof(*names));
        char **types = names ? realloc(d->types, (d->n + 1) * sizeof(*types)) : NULL;
        long long *counts = types ? realloc(d->counts, (d->n + 1) * sizeof(*counts)) : NULL;
        if (names != NULL)
            d->names = names;
        if (types != NULL)
            d->types = types;
        if (counts == NULL) {
            free(name);
            free(type);
            return oom(err);
        }
        d->counts = counts;
    }
    d->names[d->n] = name;
    d->types[d->n] = type;
    d->counts[d->n++] = count;
    return RS_OK;
}

/* The columns of DESCRIBE's rows, in order; _meta (Rockset's own) is left out. */
static int describe_columns(const rs_query_result *res, rs_tpl_value *out, rs_err *err) {
    described d = {NULL, NULL, NULL, 0};
    size_t i;
    int rc = RS_OK;

    for (i = 0; rc == RS_OK && i < rs_query_result_row_count(res); i++) {
        rs_jsonscan_span row = rs_query_result_row(res, i);
        char *name = NULL, *type = NULL;
        long long count = 0;
        int found = 0;
        rc = top_level_name(row, &name, err);
        if (rc == RS_OK && (name == NULL || strcmp(name, "_meta") == 0)) {
            free(name);
            continue;
        }
        if (rc == RS_OK)
            rc = rs_jsonscan_get_string(row, "type", &type, err);
        if (rc == RS_OK)
            rc = rs_jsonscan_get_int64(row, "occurrences", &count, &found, err);
        if (rc == RS_OK && type != NULL)
            rc = note_field(&d, name, type, count, err);
        else {
            free(name);
            free(type);
        }
    }
    if (rc == RS_OK)
        rc = rs_tpl_list(out) == RS_OK ? RS_OK : oom(err);
    for (i = 0; rc == RS_OK && i < d.n; i++) {
        rs_tpl_value col;
        rc = make_column(d.names[i], d.types[i], &col, err);
        if (rc == RS_OK && rs_tpl_list_append(out, col) != RS_OK)
            rc = oom(err);
    }
    if (rc != RS_OK && out->type == RS_TPL_LIST)
        rs_tpl_value_free(out);
    described_free(&d);
    return rc;
}

/* adapter.get_columns_in_relation(relation): DESCRIBE it. */
static int db_columns(rs_project *p, const rs_tpl_args *args, rs_tpl_value *out, rs_err *err) {
    rs_query_result *res = NULL;
    const char *what = args->n_pos == 1 ? relation_sql(&args->pos[0]) : NULL;
    char *sql;
    int rc;

    if (what == NULL || args->n_kw != 0)
        return rs_err_set(err, RS_EINVAL, "adapter.get_columns_in_relation() takes one relation");
    if (asprintf(&sql, "DESCRIBE %s", what) < 0)
        return oom(err);
    rc = db_query(p, sql, &res, err);
    free(sql);
    if (rc == RS_OK)
        rc = describe_columns(res, out, err);
    rs_query_result_free(res);
    return rc;
}

/* Whether a query error says the relation is not there (then load_relation gives none). */
static int is_missing(const rs_err *err) {
    return strstr(err->msg, "does not exist") != NULL || strstr(err->msg, "NOTFOUND") != NULL ||
           strstr(err->msg, "not found") != NULL;
}

/* load_relation(relation) / adapter.get_relation(database, schema, identifier): the relation
 * when it exists, else none. */
static int db_relation(rs_project *p, const char *name, const rs_tpl_args *args, rs_tpl_value *out,
                       rs_err *err) {
    static const char *const keys[] = {"database", "schema", "identifier"};
    const rs_tpl_value *parts[3] = {NULL, NULL, NULL};
    rs_query_result *res = NULL;
    char *sql = NULL, *qualified = NULL;
    const char *what = NULL;
    size_t i, k;
    int rc;

    if (strcmp(name, "load_relation") == 0) {
        what = args->n_pos == 1 && args->n_kw == 0 ? relation_sql(&args->pos[0]) : NULL;
    } else {
        for (i = 0; i < args->n_pos && i < 3; i++)
            parts[i] = &args->pos[i];
        for (k = 0; k < args->n_kw; k++)
            for (i = 0; i < 3; i++)
                if (strcmp(args->kw_names[k], keys[i]) == 0)
                    parts[i] = &args->kw_values[k];
        if (parts[1] && parts[2] && rs_tpl_value_str(parts[1], NULL) &&
            rs_tpl_value_str(parts[2], NULL) &&
            asprintf(&qualified, "%s.%s", rs_tpl_value_str(parts[1], NULL),
                     rs_tpl_value_str(parts[2], NULL)) < 0)
            return oom(err);
        what = qualified;
    }
    if (what == NULL)
        return rs_err_set(err, RS_EINVAL, "%s() needs a relation (schema and identifier)", name);
    if (asprintf(&sql, "SELECT 1 AS one FROM %s LIMIT 1", what) < 0) {
        free(qualified);
        return oom(err);
    }
    rc = db_query(p, sql, &res, err);
    rs_query_result_free(res);
    free(sql);
    if (rc != RS_OK && is_missing(err)) {
        rs_err_clear(err);
        *out = rs_tpl_none();
        rc = RS_OK;
    } else if (rc == RS_OK && qualified == NULL) {
        *out = rs_tpl_value_copy(&args->pos[0]);
    } else if (rc == RS_OK) {
        const char *dot = strchr(qualified, '.');
        char *schema = strndup(qualified, (size_t)(dot - qualified));
        rc = schema != NULL && rs_tpl_relation(out, qualified, schema, dot + 1, 0) == RS_OK
                 ? RS_OK
                 : oom(err);
        free(schema);
    }
    free(qualified);
    return rc;
}

int compile_db_call(rs_project *p, const char *name, const rs_tpl_args *args, rs_tpl_value *out,
                    rs_err *err) {
    if (strcmp(name, "load_relation") == 0 || strcmp(name, "adapter.get_relation") == 0)
        return db_relation(p, name, args, out, err);
    if (strcmp(name, "run_query") == 0)
        return db_run_query(p, args, out, err);
    if (strcmp(name, "adapter.get_columns_in_relation") == 0)
        return db_columns(p, args, out, err);
    return RS_ENOTFOUND;
}
