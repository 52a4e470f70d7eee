/*
 * h_instances.c - the virtual instances, as applications asked for them.
 *
 * rockset-local has one virtual instance, "main", which runs every query; listing, getting and
 * updating it answer as Rockset did (id, rrn, sizes, state...), so clients that look their VI up,
 * resize it or route queries to it (POST /virtualinstances/{id}/queries, in h_queries.c) keep
 * working. An update is kept in the store's meta table (description, size, auto-suspend) and
 * changes nothing else.
 */
#include "handlers.h"
#include "store.h"

#include <stdlib.h>

#include <string.h>

#define VI_ID  "00000000-0000-4000-8000-000000000001"
#define VI_RRN "rrn:vi:local:" VI_ID

/* The VI object, built by SQLite from the stored settings; NULL (err set) on failure. */
static char *vi_json(sqlite3 *db, rs_err *err) {
    char *json = NULL;
    rl_sql(db, &json, err,
           "SELECT json_object('id', ?1, 'rrn', ?2, 'name', 'main', 'default_vi', json('true'),"
           " 'state', 'ACTIVE', 'description', (SELECT v FROM meta WHERE k = 'vi.description'),"
           " 'current_size', coalesce((SELECT v FROM meta WHERE k = 'vi.size'), 'MEDIUM'),"
           " 'desired_size', coalesce((SELECT v FROM meta WHERE k = 'vi.size'), 'MEDIUM'),"
           " 'auto_suspend_seconds', (SELECT v FROM meta WHERE k = 'vi.auto_suspend_seconds'),"
           " 'enable_remount_on_resume', json('true'), 'monitoring_enabled', json('false'),"
           " 'mount_type', 'LIVE', 'mount_refresh_interval_seconds', 0,"
           " 'current_instance_class', 'GP_IL', 'desired_instance_class', 'GP_IL',"
           " 'created_at', '2024-01-01T00:00:00Z', 'created_by', 'local@rockset-local',"
           " 'shard_count', 1)",
           "ss", VI_ID, VI_RRN);
    return json;
}

/* The id in the path names the VI by its id, its RRN or its name. */
static int is_our_vi(const char *id) {
    return id != NULL &&
           (strcmp(id, VI_ID) == 0 || strcmp(id, VI_RRN) == 0 || strcmp(id, "main") == 0);
}

static void reply_vi(rl_req *rq, sqlite3 *db, int as_list) {
    rs_err err = {0};
    char *json = vi_json(db, &err);
    if (json == NULL) {
        rl_reply_err(rq, &err);
        return;
    }
    if (as_list) {
        rs_buf list = RS_BUF_INIT;
        rs_buf_printf(&list, "[%s]", json);
        rl_reply_data(rq, list.oom ? NULL : rs_buf_cstr(&list));
        rs_buf_free(&list);
    } else {
        rl_reply_data(rq, json);
    }
    free(json);
}

void h_vi_list(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    if (db != NULL)
        reply_vi(rq, db, 1);
}

void h_vi_get(rl_req *rq) {
    sqlite3 *db;
    if (!is_our_vi(rq->args[0])) {
        rl_reply_error(rq, 404, "NOTFOUND", "VIRTUALINSTANCE_NOT_FOUND",
                       "virtual instance '%s' not found", rq->args[0]);
        return;
    }
    db = rl_req_db(rq);
    if (db != NULL)
        reply_vi(rq, db, 0);
}

/* One setting from the body into meta: a string (or, for ints, a number); absent leaves it. */
static int store_setting(sqlite3 *db, const cJSON *body, const char *field, const char *key,
                         int is_int, rs_err *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, field);
    if (v == NULL)
        return 0;
    if (cJSON_IsNull(v))
        return rl_sql(db, NULL, err, "DELETE FROM meta WHERE k = ?1", "s", key);
    if (is_int && cJSON_IsNumber(v))
        return rl_sql(db, NULL, err, "INSERT OR REPLACE INTO meta(k, v) VALUES(?1, ?2)", "si", key,
                      (int64_t)v->valuedouble);
    if (!is_int && cJSON_IsString(v))
        return rl_sql(db, NULL, err, "INSERT OR REPLACE INTO meta(k, v) VALUES(?1, ?2)", "ss", key,
                      v->valuestring);
    return rs_err_set(err, RS_EINVAL, "'%s' must be %s", field, is_int ? "an integer" : "a string");
}

/* POST /virtualinstances/{id}: new_size, description, auto_suspend_seconds. */
void h_vi_update(rl_req *rq) {
    rs_err err = {0};
    sqlite3 *db;
    if (!rl_require_object(rq))
        return;
    if (!is_our_vi(rq->args[0])) {
        rl_reply_error(rq, 404, "NOTFOUND", "VIRTUALINSTANCE_NOT_FOUND",
                       "virtual instance '%s' not found", rq->args[0]);
        return;
    }
    db = rl_req_db(rq);
    if (db == NULL)
        return;
    int rc = store_setting(db, rq->json, "new_size", "vi.size", 0, &err);
    if (rc == 0)
        rc = store_setting(db, rq->json, "description", "vi.description", 0, &err);
    if (rc == 0)
        rc =
            store_setting(db, rq->json, "auto_suspend_seconds", "vi.auto_suspend_seconds", 1, &err);
    if (rc == RS_EINVAL) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "%s", err.msg);
        return;
    }
    if (rc != 0) {
        rl_reply_err(rq, &err);
        return;
    }
    reply_vi(rq, db, 0);
}
