/*
 * snapshot.c - see snapshot.h.
 *
 * How it works: each step is one SELECT over the collection itself (and the snapshot's query),
 * sent as INSERT INTO the collection; versions are documents whose _id is their dbt_scd_id, so
 * re-inserting a version (to close it) replaces it. Aliases: __src the query's rows, __cur the
 * latest current version of each key, __s / __a / __b the collection's rows.
 */
#include "snapshot.h"
#include "api/api.h"
#include "jsonscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int oom(rs_err *err) {
    return rs_err_set(err, RS_ENOMEM, "out of memory");
}

/* ---------------------------------------------------------------- config */

static int get_string(rs_jsonscan_span cfg, const char *key, char **out, rs_err *err) {
    rs_jsonscan_span v;

    *out = NULL;
    if (!rs_jsonscan_get(cfg, key, &v) || rs_jsonscan_classify(v) != RS_JSON_STRING)
        return RS_OK;
    return rs_jsonscan_string_dup(v, out, err);
}

static int read_check_cols(const char *name, rs_jsonscan_span cfg, rs_snapshot_cfg *c,
                           rs_err *err) {
    rs_jsonscan_span v, item;
    rs_jsonscan_iter it;
    char *all = NULL;

    if (!rs_jsonscan_get(cfg, "check_cols", &v))
        goto missing;
    if (rs_jsonscan_classify(v) == RS_JSON_STRING) {
        if (rs_jsonscan_string_dup(v, &all, err) != RS_OK)
            return RS_ENOMEM;
        c->check_all = strcmp(all, "all") == 0;
        free(all);
        if (c->check_all)
            return RS_OK;
        goto missing;
    }
    if (rs_jsonscan_classify(v) != RS_JSON_ARRAY)
        goto missing;
    rs_jsonscan_iter_init(&it, v);
    while (rs_jsonscan_iter_next(&it, NULL, &item) == 1) {
        if (c->n_check_cols == RS_SNAPSHOT_MAX_COLS || rs_jsonscan_classify(item) != RS_JSON_STRING)
            goto missing;
        if (rs_jsonscan_string_dup(item, &c->check_cols[c->n_check_cols], err) != RS_OK)
            return RS_ENOMEM;
        c->n_check_cols++;
    }
    if (c->n_check_cols > 0)
        return RS_OK;
missing:
    return rs_err_set(err, RS_EINVAL,
                      "snapshot '%s': strategy 'check' needs check_cols ('all' or a list of "
                      "columns)",
                      name);
}

static int read_deletes(const char *name, rs_jsonscan_span cfg, rs_snapshot_cfg *c, rs_err *err) {
    rs_jsonscan_span v;
    char *mode = NULL;
    int on = 0, rc;

    if (rs_jsonscan_get(cfg, "invalidate_hard_deletes", &v) && rs_jsonscan_bool(v, &on) == RS_OK)
        c->deletes = on ? RS_SNAP_INVALIDATE : RS_SNAP_IGNORE;
    if ((rc = get_string(cfg, "hard_deletes", &mode, err)) != RS_OK || mode == NULL)
        return rc;
    if (strcmp(mode, "ignore") == 0)
        c->deletes = RS_SNAP_IGNORE;
    else if (strcmp(mode, "invalidate") == 0)
        c->deletes = RS_SNAP_INVALIDATE;
    else if (strcmp(mode, "new_record") == 0)
        c->deletes = RS_SNAP_NEW_RECORD;
    else
        rc = rs_err_set(err, RS_EINVAL,
                        "snapshot '%s': hard_deletes must be 'ignore', 'invalidate' or "
                        "'new_record', not '%s'",
                        name, mode);
    free(mode);
    return rc;
}

int rs_snapshot_cfg_parse(const char *name, const char *config_json, rs_snapshot_cfg *c,
                          rs_err *err) {
    rs_jsonscan_span cfg = rs_jsonscan_cstr(config_json ? config_json : "{}");
    char *strategy = NULL;
    int rc;

    memset(c, 0, sizeof(*c));
    rc = get_string(cfg, "strategy", &strategy, err);
    if (rc == RS_OK && (strategy == NULL || strcmp(strategy, "timestamp") == 0)) {
        rc = get_string(cfg, "updated_at", &c->updated_at, err);
        if (rc == RS_OK && c->updated_at == NULL)
            rc = rs_err_set(err, RS_EINVAL, "snapshot '%s': strategy 'timestamp' needs updated_at",
                            name);
    } else if (rc == RS_OK && strcmp(strategy, "check") == 0) {
        c->check = 1;
        rc = read_check_cols(name, cfg, c, err);
    } else if (rc == RS_OK) {
        rc = rs_err_set(err, RS_EINVAL,
                        "snapshot '%s': strategy must be 'timestamp' or 'check', not '%s'", name,
                        strategy);
    }
    if (rc == RS_OK)
        rc = read_deletes(name, cfg, c, err);
    free(strategy);
    return rc;
}

void rs_snapshot_cfg_free(rs_snapshot_cfg *c) {
    free(c->updated_at);
    for (size_t i = 0; i < c->n_check_cols; i++)
        free(c->check_cols[i]);
    memset(c, 0, sizeof(*c));
}

/* ---------------------------------------------------------------- SQL */

/* "a.k1 = b.k1 AND a.k2 = b.k2" */
static void keys_equal(rs_buf *out, const char *a, const char *b, const char *const *keys,
                       size_t n) {
    for (size_t i = 0; i < n; i++) {
        rs_buf_printf(out, "%s%s.", i ? " AND " : "", a);
        rs_mat_quote_ident(out, keys[i]);
        rs_buf_printf(out, " = %s.", b);
        rs_mat_quote_ident(out, keys[i]);
    }
}

/* "p.k1, p.k2" (p "" for bare names) */
static void key_list(rs_buf *out, const char *p, const char *const *keys, size_t n) {
    for (size_t i = 0; i < n; i++) {
        rs_buf_printf(out, "%s%s%s", i ? ", " : "", p, p[0] ? "." : "");
        rs_mat_quote_ident(out, keys[i]);
    }
}

/* dbt's scd id: md5 of the keys and the version's time joined by '|'. */
static void scd_id(rs_buf *out, const char *p, const char *const *keys, size_t n, const char *upd) {
    rs_buf_puts(out, "TO_HEX(MD5(CONCAT(");
    for (size_t i = 0; i < n; i++) {
        rs_buf_printf(out, "COALESCE(CAST(%s.", p);
        rs_mat_quote_ident(out, keys[i]);
        rs_buf_puts(out, " AS string), ''), '|', ");
    }
    rs_buf_printf(out, "COALESCE(CAST(%s AS string), ''))))", upd);
}

/* The latest current version of each key: (SELECT * FROM (SELECT *, ROW_NUMBER() ...)). */
static void latest_current(rs_buf *out, const char *relation, const char *const *keys, size_t n) {
    rs_buf_puts(out, "(SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY ");
    key_list(out, "", keys, n);
    rs_buf_printf(out,
                  " ORDER BY dbt_valid_from DESC) AS __rn FROM %s WHERE dbt_valid_to IS NULL) "
                  "AS __l WHERE __rn = 1)",
                  relation);
}

/* The keys the query has now: (SELECT k1, k2 FROM (<sql>) AS __q) AS __src */
static void query_keys(rs_buf *out, const char *sql, const char *const *keys, size_t n) {
    rs_buf_puts(out, "(SELECT ");
    key_list(out, "", keys, n);
    rs_buf_printf(out, " FROM (%s) AS __q) AS __src", sql);
}

/* Does column c differ between __src and __cur, NULL-safe? */
static void differs(rs_buf *out, const char *c) {
    rs_buf_puts(out, "(__src.");
    rs_mat_quote_ident(out, c);
    rs_buf_puts(out, " <> __cur.");
    rs_mat_quote_ident(out, c);
    rs_buf_puts(out, " OR (__src.");
    rs_mat_quote_ident(out, c);
    rs_buf_puts(out, " IS NULL AND __cur.");
    rs_mat_quote_ident(out, c);
    rs_buf_puts(out, " IS NOT NULL) OR (__src.");
    rs_mat_quote_ident(out, c);
    rs_buf_puts(out, " IS NOT NULL AND __cur.");
    rs_mat_quote_ident(out, c);
    rs_buf_puts(out, " IS NULL))");
}

static void step_insert(const rs_snapshot_cfg *c, const char *relation, const char *sql,
                        const char *const *keys, size_t n, const char *now_sql, rs_buf *out) {
    rs_buf upd = RS_BUF_INIT;

    if (c->check)
        rs_buf_puts(&upd, now_sql);
    else {
        rs_buf_puts(&upd, "__src.");
        rs_mat_quote_ident(&upd, c->updated_at);
    }
    rs_buf_puts(out, "SELECT __src.* EXCEPT (_id, _event_time), ");
    scd_id(out, "__src", keys, n, rs_buf_cstr(&upd));
    rs_buf_puts(out, " AS _id, ");
    scd_id(out, "__src", keys, n, rs_buf_cstr(&upd));
    rs_buf_printf(out,
                  " AS dbt_scd_id, %s AS dbt_updated_at, %s AS dbt_valid_from, NULL AS "
                  "dbt_valid_to%s FROM (%s) AS __src LEFT JOIN ",
                  rs_buf_cstr(&upd), rs_buf_cstr(&upd),
                  c->deletes == RS_SNAP_NEW_RECORD ? ", 'False' AS dbt_is_deleted" : "", sql);
    latest_current(out, relation, keys, n);
    rs_buf_puts(out, " AS __cur ON ");
    keys_equal(out, "__cur", "__src", keys, n);
    rs_buf_puts(out, " WHERE __cur.__rn IS NULL OR ");
    if (!c->check) {
        rs_buf_printf(out, "%s > __cur.dbt_updated_at", rs_buf_cstr(&upd));
    } else {
        for (size_t i = 0; i < c->n_check_cols; i++) {
            rs_buf_puts(out, i ? " OR " : "");
            differs(out, c->check_cols[i]);
        }
    }
    if (c->deletes == RS_SNAP_NEW_RECORD)
        rs_buf_puts(out, " OR __cur.dbt_is_deleted = 'True'");
    rs_buf_free(&upd);
}

static void step_deletion_records(const char *relation, const char *sql, const char *const *keys,
                                  size_t n, const char *now_sql, rs_buf *out) {
    rs_buf_puts(out, "SELECT __cur.* EXCEPT (_id, _event_time, dbt_scd_id, dbt_updated_at, "
                     "dbt_valid_from, dbt_valid_to, dbt_is_deleted, __rn), ");
    scd_id(out, "__cur", keys, n, now_sql);
    rs_buf_puts(out, " AS _id, ");
    scd_id(out, "__cur", keys, n, now_sql);
    rs_buf_printf(out,
                  " AS dbt_scd_id, %s AS dbt_updated_at, %s AS dbt_valid_from, NULL AS "
                  "dbt_valid_to, 'True' AS dbt_is_deleted FROM ",
                  now_sql, now_sql);
    latest_current(out, relation, keys, n);
    rs_buf_puts(out, " AS __cur LEFT JOIN ");
    query_keys(out, sql, keys, n);
    rs_buf_puts(out, " ON ");
    keys_equal(out, "__src", "__cur", keys, n);
    rs_buf_puts(out, " WHERE __cur.dbt_is_deleted = 'False' AND __src.");
    rs_mat_quote_ident(out, keys[0]);
    rs_buf_puts(out, " IS NULL");
}

static void step_close(const char *relation, const char *const *keys, size_t n, rs_buf *out) {
    rs_buf_printf(out,
                  "SELECT __s.* EXCEPT (dbt_valid_to), __n.__next AS dbt_valid_to FROM %s AS __s "
                  "JOIN (SELECT __a._id AS __id, MIN(__b.dbt_valid_from) AS __next FROM %s AS "
                  "__a JOIN %s AS __b ON ",
                  relation, relation, relation);
    keys_equal(out, "__a", "__b", keys, n);
    rs_buf_puts(out, " WHERE __a.dbt_valid_to IS NULL AND __b.dbt_valid_from > "
                     "__a.dbt_valid_from GROUP BY __a._id) AS __n ON __s._id = __n.__id");
}

static void step_invalidate(const char *relation, const char *sql, const char *const *keys,
                            size_t n, const char *now_sql, rs_buf *out) {
    rs_buf_printf(out,
                  "SELECT __s.* EXCEPT (dbt_valid_to), %s AS dbt_valid_to FROM %s AS __s "
                  "LEFT JOIN ",
                  now_sql, relation);
    query_keys(out, sql, keys, n);
    rs_buf_puts(out, " ON ");
    keys_equal(out, "__src", "__s", keys, n);
    rs_buf_puts(out, " WHERE __s.dbt_valid_to IS NULL AND __src.");
    rs_mat_quote_ident(out, keys[0]);
    rs_buf_puts(out, " IS NULL");
}

int rs_snapshot_step_sql(int step, const rs_snapshot_cfg *c, const char *relation, const char *sql,
                         const char *const *keys, size_t n_keys, const char *now_sql, rs_buf *out,
                         rs_err *err) {
    if (n_keys == 0)
        return rs_err_set(err, RS_EINVAL, "unique_key is required");
    if (step == 1)
        step_insert(c, relation, sql, keys, n_keys, now_sql, out);
    else if (step == 2 && c->deletes == RS_SNAP_NEW_RECORD)
        step_deletion_records(relation, sql, keys, n_keys, now_sql, out);
    else if (step == 3)
        step_close(relation, keys, n_keys, out);
    else if (step == 4 && c->deletes == RS_SNAP_INVALIDATE)
        step_invalidate(relation, sql, keys, n_keys, now_sql, out);
    return out->oom ? oom(err) : RS_OK;
}

/* ---------------------------------------------------------------- a run */

/* Run a read-only query; *res its first page. */
static int read_query(rs_api *api, const char *sql, rs_query_result **res, rs_err *err) {
    rs_query_request req;

    memset(&req, 0, sizeof(req));
    req.sql = sql;
    req.idempotent = 1;
    req.max_initial_results = 1000;
    return rs_api_query(api, &req, res, err);
}

/* The run's time: CAST('<server's CURRENT_DATETIME()>' AS datetime), into out. */
static int run_time(rs_api *api, rs_buf *out, rs_err *err) {
    rs_query_result *res = NULL;
    rs_jsonscan_span t, v;
    char *text = NULL;
    int rc = read_query(api, "SELECT CURRENT_DATETIME() AS t", &res, err);

    if (rc == RS_OK && (rs_query_result_row_count(res) == 0 ||
                        !rs_jsonscan_get(rs_query_result_row(res, 0), "t", &t) ||
                        !rs_jsonscan_get(t, "value", &v)))
        rc = rs_err_set(err, RS_EPARSE, "rockset: CURRENT_DATETIME() gave no datetime");
    if (rc == RS_OK)
        rc = rs_jsonscan_string_dup(v, &text, err);
    if (rc == RS_OK)
        rs_buf_printf(out, "CAST('%s' AS datetime)", text);
    free(text);
    rs_query_result_free(res);
    return rc == RS_OK && out->oom ? oom(err) : rc;
}

static int is_key(const rs_mat_job *job, const char *name) {
    for (size_t i = 0; i < job->n_unique_key; i++)
        if (strcmp(job->unique_key[i], name) == 0)
            return 1;
    return strcmp(name, "_id") == 0 || strcmp(name, "_event_time") == 0;
}

/* check_cols: 'all' - every column the query's rows have but the keys (its first 1000). */
static int all_columns(rs_api *api, const rs_mat_job *job, rs_snapshot_cfg *c, rs_err *err) {
    rs_query_result *res = NULL;
    rs_buf sql = RS_BUF_INIT;
    rs_jsonscan_span k, v;
    rs_jsonscan_iter it;
    int rc;

    rs_buf_printf(&sql, "SELECT * FROM (%s) AS __q LIMIT 1000", job->sql);
    rc = sql.oom ? oom(err) : read_query(api, rs_buf_cstr(&sql), &res, err);
    for (size_t r = 0; rc == RS_OK && r < rs_query_result_row_count(res); r++) {
        rs_jsonscan_iter_init(&it, rs_query_result_row(res, r));
        while (rc == RS_OK && rs_jsonscan_iter_next(&it, &k, &v) == 1) {
            char *name = NULL;
            size_t i;
            if ((rc = rs_jsonscan_string_dup(k, &name, err)) != RS_OK)
                break;
            for (i = 0; i < c->n_check_cols && strcmp(c->check_cols[i], name) != 0; i++)
                ;
            if (i == c->n_check_cols && !is_key(job, name) &&
                c->n_check_cols < RS_SNAPSHOT_MAX_COLS)
                c->check_cols[c->n_check_cols++] = name;
            else
                free(name);
        }
    }
    rs_query_result_free(res);
    rs_buf_free(&sql);
    return rc;
}

typedef struct snap_run {
    rs_api *api;
    const rs_mat_job *job;
    rs_snapshot_cfg cfg;
    rs_buf relation, now;
    long long counts[5]; /* documents written by each step */
} snap_run;

static int run_steps(snap_run *s, rs_mat_result *out, rs_err *err) {
    rs_buf sql = RS_BUF_INIT;
    int step, rc = RS_OK;

    for (step = 1; rc == RS_OK && step <= 4; step++) {
        rs_buf_reset(&sql);
        rc = rs_snapshot_step_sql(step, &s->cfg, rs_buf_cstr(&s->relation), s->job->sql,
                                  s->job->unique_key, s->job->n_unique_key, rs_buf_cstr(&s->now),
                                  &sql, err);
        if (rc == RS_OK && sql.len > 0)
            rc = rs_mat_insert(s->api, s->job, rs_buf_cstr(&sql), &s->counts[step], out, err);
        if (rc != RS_OK)
            rs_err_prefix(err, "snapshot '%s' step %d: ", s->job->model, step);
    }
    rs_buf_free(&sql);
    return rc;
}

static int set_action(const snap_run *s, rs_mat_result *out, rs_err *err) {
    rs_buf a = RS_BUF_INIT;
    long long n = s->counts[1] > 0 ? s->counts[1] : 0;

    rs_buf_printf(&a, "snapshot: %lld new versions, %lld closed", n,
                  s->counts[3] > 0 ? s->counts[3] : 0);
    if (s->cfg.deletes == RS_SNAP_INVALIDATE)
        rs_buf_printf(&a, ", %lld invalidated", s->counts[4] > 0 ? s->counts[4] : 0);
    if (s->cfg.deletes == RS_SNAP_NEW_RECORD)
        rs_buf_printf(&a, ", %lld deletion records", s->counts[2] > 0 ? s->counts[2] : 0);
    free(out->action);
    out->action = a.oom ? NULL : rs_buf_detach(&a);
    rs_buf_free(&a);
    out->rows_affected = n;
    return out->action != NULL ? RS_OK : oom(err);
}

int rs_snapshot_build(rs_api *api, const rs_mat_job *job, rs_mat_result *out, rs_err *err) {
    snap_run s;
    int created = 0, rc;

    memset(&s, 0, sizeof(s));
    s.api = api;
    s.job = job;
    rs_buf_init(&s.relation);
    rs_buf_init(&s.now);
    rc = rs_snapshot_cfg_parse(job->model, job->config_json, &s.cfg, err);
    if (rc == RS_OK && job->n_unique_key == 0)
        rc = rs_err_set(err, RS_EINVAL, "snapshot '%s': unique_key is required", job->model);
    if (rc == RS_OK && rs_mat_relation_sql(&s.relation, job->workspace, job->name) != RS_OK)
        rc = oom(err);
    if (rc == RS_OK)
        rc = rs_mat_ensure_collection(api, job, &created, err);
    if (rc == RS_OK)
        rc = run_time(api, &s.now, err);
    if (rc == RS_OK && s.cfg.check && s.cfg.check_all)
        rc = all_columns(api, job, &s.cfg, err);
    if (rc == RS_OK)
        rc = run_steps(&s, out, err);
    if (rc == RS_OK)
        rc = set_action(&s, out, err);
    rs_snapshot_cfg_free(&s.cfg);
    rs_buf_free(&s.relation);
    rs_buf_free(&s.now);
    return rc;
}
