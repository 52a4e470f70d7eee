/* h_collections.c - collection endpoints and the commit fence.
 * A collection reads CREATED until --provision-delay-ms after its creation, then READY. Delete is
 * immediate (the next GET is 404; Rockset shows DELETED for a few seconds first). Its tables
 * are created/dropped with it (colltab.h). */
#include "colltab.h"
#include "docs.h"
#include "handlers.h"
#include "ingest.h"
#include "pending.h"
#include "retention.h"
#include "server/colidx/replica.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */
#define ALIAS_JSON \
    "json_object('name', a.name, 'workspace', a.ws, 'description', a.description," \
    " 'collections', json(a.collections), 'state', 'CREATED', 'creator_email', '" RL_USER "'," \
    " 'created_by_apikey_name', '" RL_KEY_NAME "', 'created_at', rl_iso(a.created_at)," \
    " 'modified_at', rl_iso(a.modified_at))"

/* %w is the collection's table; %s the status expression */
#define COLL_JSON_FMT \
    "SELECT json_object('name', c.name, 'workspace', c.ws, 'description', c.description," \
    " 'created_at', rl_iso(c.created_at), 'created_by', '" RL_USER "'," \
    " 'created_by_apikey_name', '" RL_KEY_NAME "', 'rrn', c.rrn, 'status', %s," \
    " 'sources', json('[]'), 'field_mapping_query', json(c.fmq)," \
    " 'retention_secs', c.retention_secs, 'event_time_info', json(c.event_time_info)," \
    " 'aliases', json((SELECT json_group_array(json(" ALIAS_JSON ")) FROM aliases a" \
    "   WHERE EXISTS (SELECT 1 FROM json_each(a.collections) j WHERE j.value = c.ws || '.' || c.name)))," \
    " 'read_only', json('false'), 'insert_only', json(CASE WHEN rl_is_rollup(c.fmq)" \
    "   THEN 'true' ELSE 'false' END)," \
    " 'storage_compression_type', coalesce(c.compression, 'LZ4'), 'storage_type', 'HOT'," \
    " 'field_mappings', json('[]'), 'clustering_key', json('[]'), 'field_partitions', json('[]')," \
    " 'stats', %s)" \
    " FROM collections c, (" COUNTS_SQL ") s WHERE c.ws = ?1 AND c.name = ?2"
/* The newest version of each document counts, pending or visible (pending.h): the catalog's
 * count of visible ones (fieldindex.h), adjusted by each document's newest pending write.
 * %Q the table, %w the table twice. */
#define COUNTS_SQL \
    "SELECT f.n_docs + coalesce(p.dn, 0) AS n, f.bytes + coalesce(p.db, 0) AS size FROM" \
    " (SELECT coalesce(max(n_docs), 0) AS n_docs, coalesce(max(bytes), 0) AS bytes" \
    "   FROM fx_colls WHERE tbl = %Q) f," \
    " (SELECT sum((q.doc IS NOT NULL) - (d._id IS NOT NULL)) AS dn," \
    "   sum(coalesce(length(q.doc), 0) - coalesce(length(d.doc), 0)) AS db" \
    "   FROM \"%w_pending\" q LEFT JOIN \"%w_data\" d ON d._id = q._id" \
    "   WHERE q.pseq = (SELECT max(r.pseq) FROM \"%w_pending\" r WHERE r._id = q._id)) p"
#define STATS_JSON \
    "json_object('doc_count', s.n, 'purged_doc_count', c.purged_docs," \
    "   'purged_doc_size', c.purged_bytes," \
    "   'bytes_inserted', c.bytes_inserted, 'bytes_overwritten', c.bytes_overwritten," \
    "   'bulk_bytes_inserted', 0, 'bulk_bytes_overwritten', 0, 'total_size', s.size," \
    "   'total_index_size', s.size, 'row_index_size', 0, 'column_index_size', 0," \
    "   'inverted_index_size', 0, 'range_index_size', 0," \
    "   'last_queried_ms', c.last_queried_ms, 'last_updated_ms', c.last_updated_ms," \
    "   'fill_progress', 1.0, 'currentProgress', 1.0, 'field_indexes', json(" FX_STATS_JSON "))"
/* rockset-local: the catalog's view of the collection's indexes (fieldindex.h): paths listed,
 * indexes made, and by name the paths that hold values but have no index (yet: beyond the
 * automatic budget an index comes with use; or --field-index off). 252: the scalar types. */
#define FX_PATH_NAME_OF(args) \
    "replace(replace(substr(" args ", 2, length(" args ") - 2), ''',''', '.'), '''''', '''')"
#define FX_PATH_NAME FX_PATH_NAME_OF("args")
/* each composite index's columns as "a, b.c", the oldest first (fx_comps.paths: a JSON array
 * of path texts) */
#define FX_COMPOSITES_JSON \
    "json((SELECT json_group_array(cols) FROM (SELECT (SELECT group_concat(" \
    FX_PATH_NAME_OF("value") ", ', ') FROM json_each(x.paths)) AS cols FROM fx_comps x" \
    " WHERE x.tbl = c.tbl ORDER BY x.id)))"
#define FX_STATS_JSON \
    "json_object('paths', (SELECT count(*) FROM fx_paths WHERE tbl = c.tbl)," \
    " 'indexed', (SELECT count(*) FROM fx_paths WHERE tbl = c.tbl AND indexed)," \
    " 'element_indexes', (SELECT count(*) FROM fx_paths WHERE tbl = c.tbl AND elems)," \
    " 'function_indexes', (SELECT count(*) FROM fx_funcs WHERE tbl = c.tbl AND fn NOT LIKE '!%')," \
    " 'composite_indexes', (SELECT count(*) FROM fx_comps WHERE tbl = c.tbl)," \
    " 'composites', " FX_COMPOSITES_JSON "," \
    " 'background_work', ?3," \
    " 'unindexed', json((SELECT json_group_array(" FX_PATH_NAME ") FROM (SELECT args FROM" \
    "   fx_paths WHERE tbl = c.tbl AND args <> '''_id''' AND ((types & 252 AND NOT indexed) OR" \
    "   (types & 2 AND NOT elems)) ORDER BY id LIMIT 100)))," \
    " 'analyzed_docs', coalesce((SELECT analyzed_docs FROM fx_colls WHERE tbl = c.tbl), 0))"
/* clang-format on */

#define STATUS_LIVE "CASE WHEN rl_now_ms() >= c.ready_at_ms THEN 'READY' ELSE 'CREATED' END"

/* JSON of ws.name (malloc'd), or *out = NULL when there is no such collection. stats_expr is
 * STATS_JSON or "NULL" (the create response: Rockset has no stats yet). */
static int coll_json_stats(sqlite3 *db, rl_pending *pending, const char *ws, const char *name,
                           const char *status_expr, const char *stats_expr, char **out,
                           rs_err *err) {
    char *tbl = NULL, *sql = NULL;
    int rc = rl_sql(db, &tbl, err, "SELECT tbl FROM collections WHERE ws = ?1 AND name = ?2", "ss",
                    ws, name);
    *out = NULL;
    if (rc != RS_OK || tbl == NULL)
        return rc;
    sql = sqlite3_mprintf(COLL_JSON_FMT, status_expr, stats_expr, tbl, tbl, tbl, tbl);
    rc = sql ? rl_sql(db, out, err, sql, "ssi", ws, name, (int64_t)rl_pending_queued(pending, tbl))
             : rs_err_set(err, RS_ENOMEM, "out of memory");
    sqlite3_free(sql);
    free(tbl);
    return rc;
}

static int coll_json(sqlite3 *db, rl_pending *pending, const char *ws, const char *name,
                     const char *status_expr, char **out, rs_err *err) {
    return coll_json_stats(db, pending, ws, name, status_expr, STATS_JSON, out, err);
}

static void reply_coll(rl_req *rq, sqlite3 *db, const char *ws, const char *name,
                       const char *status_expr) {
    int creating = strcmp(status_expr, "'CREATED'") == 0;
    char *json = NULL;
    rs_err err = {0};
    if (coll_json_stats(db, rl_store_pending(rq->srv->store), ws, name, status_expr,
                        creating ? "NULL" : STATS_JSON, &json, &err) != RS_OK)
        rl_reply_err(rq, &err);
    else if (json == NULL)
        rl_reply_error(rq, 404, "NOTFOUND", "COLLECTION_DOES_NOT_EXIST",
                       "Collection \"%s\" does not exist in workspace \"%s\"", name, ws);
    else
        rl_reply_data(rq, json);
    free(json);
}

/* Rockset's bounds for retention_secs: an hour, and under ten years. */
#define RETENTION_MIN 3600
#define RETENTION_MAX (10LL * 365 * 86400 - 1)

static int check_retention(rl_req *rq, const cJSON *r) {
    if (r == NULL || cJSON_IsNull(r))
        return 1;
    if (!cJSON_IsNumber(r) || r->valuedouble != (double)(long long)r->valuedouble) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "retention_secs must be a positive integer");
        return 0;
    }
    if (r->valuedouble < RETENTION_MIN || r->valuedouble > RETENTION_MAX) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL,
                       "retention_secs must be between %d (one hour) and %lld (under ten years), "
                       "not %.0f",
                       RETENTION_MIN, RETENTION_MAX, r->valuedouble);
        return 0;
    }
    return 1;
}

/* field_mapping_query {sql}: checked as Rockset checks an ingest transformation; *rollup set. */
static int check_transformation(rl_req *rq, const cJSON *f, int *rollup) {
    rs_err err = {0};
    *rollup = 0;
    if (f == NULL || cJSON_IsNull(f))
        return 1;
    if (!cJSON_IsObject(f) || !rl_json_str(f, "sql")) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "field_mapping_query.sql is required");
        return 0;
    }
    if (rl_ingest_check(rl_json_str(f, "sql"), rollup, &err) != RS_OK) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "invalid field_mapping_query: %s", err.msg);
        return 0;
    }
    return 1;
}

/* Checks the optional CreateCollectionRequest fields; replies 400 and returns 0 if bad. */
static int check_create_fields(rl_req *rq, char **fmq, char **eti) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(rq->json, "field_mapping_query");
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(rq->json, "event_time_info");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(rq->json, "sources");
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(rq->json, "retention_secs");
    int rollup;
    if (cJSON_GetArraySize(s) > 0) {
        rl_reply_error(rq, 400, "NOTIMPLEMENTEDYET", NULL,
                       "rockset-local supports Write API collections only (no sources)");
        return 0;
    }
    if (!check_retention(rq, r))
        return 0;
    if (e && !cJSON_IsNull(e) && (!cJSON_IsObject(e) || !rl_json_str(e, "field"))) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "event_time_info.field is required");
        return 0;
    }
    if (!check_transformation(rq, f, &rollup))
        return 0;
    *fmq = cJSON_IsObject(f) ? cJSON_PrintUnformatted(f) : NULL;
    *eti = cJSON_IsObject(e) ? cJSON_PrintUnformatted(e) : NULL;
    return 1;
}

static int insert_collection(rl_req *rq, sqlite3 *db, const char *name, const char *fmq,
                             const char *eti, rs_err *err) {
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(rq->json, "retention_secs");
    char uuid[37], tbl[64], rrn[64];
    int i, rc;
    rl_uuid(uuid);
    snprintf(rrn, sizeof(rrn), "rrn:col:local:%s", uuid);
    for (i = 0; uuid[i]; i++)
        if (uuid[i] == '-')
            uuid[i] = '_';
    snprintf(tbl, sizeof(tbl), "c_%s", uuid);
    rc = rl_sql(db, NULL, err,
                "INSERT INTO collections(ws, name, description, fmq, retention_secs,"
                " event_time_info, compression, created_at, ready_at_ms, tbl, rrn)"
                " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, CAST(strftime('%s','now') AS INT),"
                " rl_now_ms() + ?8, ?9, ?10)",
                "ssssississ", rq->args[0], name, rl_json_str(rq->json, "description"), fmq,
                (int64_t)(cJSON_IsNumber(r) ? r->valuedouble : 0), eti,
                rl_json_str(rq->json, "storage_compression_type"), rq->srv->cfg.provision_delay_ms,
                tbl, rrn);
    if (rc == RS_OK && !cJSON_IsNumber(r))
        rc = rl_sql(db, NULL, err,
                    "UPDATE collections SET retention_secs = NULL WHERE ws = ?1 AND name = ?2",
                    "ss", rq->args[0], name);
    if (rc == RS_OK)
        rc = rl_colltab_create(db, tbl, err);
    if (rc == RS_OK && cJSON_IsNumber(r))
        rc = rl_retention_index(db, tbl, err);
    return rc;
}

void h_coll_create(rl_req *rq) {
    sqlite3 *db;
    const char *name;
    char *fmq = NULL, *eti = NULL;
    rs_err err = {0};
    int rc;

    if (!rl_require_object(rq))
        return;
    name = rl_json_str(rq->json, "name");
    if (!h_check_name(rq, name, "collection") || !check_create_fields(rq, &fmq, &eti))
        goto done;
    db = rl_req_db(rq);
    if (db == NULL || rl_tx_begin(db, &err) != RS_OK)
        goto done;
    if (!h_ws_check(rq, db, rq->args[0]) || !h_name_free(rq, db, rq->args[0], name, "collection")) {
        rl_tx_end(db, 0, NULL);
        goto done;
    }
    rc = insert_collection(rq, db, name, fmq, eti, &err);
    if (rl_tx_end(db, rc == RS_OK, &err) != RS_OK || rc != RS_OK) {
        rl_reply_err(rq, &err);
    } else {
        if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(rq->json, "retention_secs")))
            rl_pending_sweep(rl_store_pending(rq->srv->store));
        reply_coll(rq, db, rq->args[0], name, "'CREATED'");
    }
done:
    if (err.code && rq->status == 0)
        rl_reply_err(rq, &err);
    cJSON_free(fmq);
    cJSON_free(eti);
}

/* h_reply_rows callback: the live collection named by the row (ws, name). */
static void coll_row_json(void *pending, sqlite3_stmt *stmt, char **json, rs_err *err) {
    coll_json(sqlite3_db_handle(stmt), pending, (const char *)sqlite3_column_text(stmt, 0),
              (const char *)sqlite3_column_text(stmt, 1), STATUS_LIVE, json, err);
}

void h_coll_list(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    sqlite3_stmt *stmt = NULL;

    if (db == NULL || (rq->n_args > 0 && !h_ws_check(rq, db, rq->args[0])))
        return;
    if (sqlite3_prepare_v2(db,
                           "SELECT ws, name FROM collections WHERE ?1 IS NULL OR ws = ?1"
                           " ORDER BY ws, name",
                           -1, &stmt, NULL) != SQLITE_OK) {
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "%s", sqlite3_errmsg(db));
        return;
    }
    if (rq->n_args > 0)
        sqlite3_bind_text(stmt, 1, rq->args[0], -1, SQLITE_STATIC);
    h_reply_rows(rq, stmt, coll_row_json, rl_store_pending(rq->srv->store));
}

void h_coll_get(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    if (db == NULL || !h_ws_check(rq, db, rq->args[0]))
        return;
    reply_coll(rq, db, rq->args[0], rq->args[1], STATUS_LIVE);
}

/* A PUT's field_mapping_query: checked, and refused when it would change a rollup or make one
 * (a rollup's query is fixed when its collection is created). 1 = go on; *fmq the new text. */
static int update_transformation(rl_req *rq, sqlite3 *db, char **fmq) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(rq->json, "field_mapping_query");
    char *old = NULL, *old_sql;
    int rollup = 0, was_rollup, same;
    rs_err err = {0};
    *fmq = NULL;
    if (f == NULL || cJSON_IsNull(f) || !check_transformation(rq, f, &rollup))
        return f == NULL || cJSON_IsNull(f);
    if (rl_sql(db, &old, &err, "SELECT fmq FROM collections WHERE ws = ?1 AND name = ?2", "ss",
               rq->args[0], rq->args[1]) != RS_OK) {
        rl_reply_err(rq, &err);
        return 0;
    }
    old_sql = rl_ingest_sql_of(old);
    was_rollup = rl_ingest_is_rollup(old_sql);
    same = old_sql != NULL && strcmp(old_sql, rl_json_str(f, "sql")) == 0;
    free(old);
    free(old_sql);
    if ((was_rollup || rollup) && !same) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL,
                       was_rollup ? "the rollup query of collection \"%s.%s\" cannot be changed"
                                  : "collection \"%s.%s\" cannot become a rollup: a rollup's "
                                    "query is given when the collection is created",
                       rq->args[0], rq->args[1]);
        return 0;
    }
    *fmq = cJSON_PrintUnformatted(f);
    return 1;
}

void h_coll_update(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    char *fmq = NULL;
    rs_err err = {0};
    int rc = RS_OK;

    if (db == NULL || !rl_require_object(rq) || !h_ws_check(rq, db, rq->args[0]))
        return;
    if (!update_transformation(rq, db, &fmq))
        return;
    if (rl_json_has(rq->json, "description"))
        rc = rl_sql(db, NULL, &err,
                    "UPDATE collections SET description = ?3 WHERE ws = ?1 AND name = ?2", "sss",
                    rq->args[0], rq->args[1], rl_json_str(rq->json, "description"));
    if (rc == RS_OK && fmq != NULL)
        rc = rl_sql(db, NULL, &err, "UPDATE collections SET fmq = ?3 WHERE ws = ?1 AND name = ?2",
                    "sss", rq->args[0], rq->args[1], fmq);
    cJSON_free(fmq);
    if (rc != RS_OK)
        rl_reply_err(rq, &err);
    else
        reply_coll(rq, db, rq->args[0], rq->args[1], STATUS_LIVE);
}

static int drop_collection(rl_server *srv, sqlite3 *db, const char *ws, const char *name,
                           rs_err *err) {
    char *tbl = NULL;
    int rc = rl_tx_begin(db, err);
    if (rc == RS_OK)
        rc = rl_sql(db, &tbl, err, "SELECT tbl FROM collections WHERE ws = ?1 AND name = ?2", "ss",
                    ws, name);
    if (rc == RS_OK && tbl != NULL)
        rc = rl_colltab_drop(db, tbl, err);
    if (rc == RS_OK)
        rc = rl_sql(db, NULL, err, "DELETE FROM collections WHERE ws = ?1 AND name = ?2", "ss", ws,
                    name);
    if (rc == RS_OK)
        rc = rl_tx_end(db, 1, err);
    else
        rl_tx_end(db, 0, NULL);
    if (rc == RS_OK && tbl != NULL)
        rl_colidx_forget(srv->colidx, tbl);
    free(tbl);
    return rc;
}

void h_coll_delete(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    char *json = NULL;
    rs_err err = {0};

    if (db == NULL || !h_ws_check(rq, db, rq->args[0]))
        return;
    if (coll_json(db, rl_store_pending(rq->srv->store), rq->args[0], rq->args[1], "'DELETED'",
                  &json, &err) != RS_OK)
        rl_reply_err(rq, &err);
    else if (json == NULL)
        rl_reply_error(rq, 404, "NOTFOUND", "COLLECTION_DOES_NOT_EXIST",
                       "Collection \"%s\" does not exist in workspace \"%s\"", rq->args[1],
                       rq->args[0]);
    else if (drop_collection(rq->srv, db, rq->args[0], rq->args[1], &err) != RS_OK)
        rl_reply_err(rq, &err);
    else
        rl_reply_data(rq, json);
    free(json);
}

/* Fences from GET ?fence= or POST {"name":[...]}: the largest one, or -1 when none; -2 on a bad
 * one (replied). */
static int64_t largest_fence(rl_req *rq, char best[48]) {
    const char *q = rl_req_arg(rq, "fence");
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(rq->json, "name"), *item;
    int64_t max = -1, seq;
    if (q != NULL && *q) {
        max = rl_offset_parse(q);
        if (max < 0)
            goto bad;
    }
    cJSON_ArrayForEach(item, names) {
        if (!cJSON_IsString(item))
            goto bad;
        seq = rl_offset_parse(item->valuestring);
        if (seq < 0)
            goto bad;
        if (seq > max)
            max = seq;
    }
    if (max >= 0)
        rl_offset_format(max, best);
    return max;
bad:
    rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "invalid fence: not an offset of this server");
    return -2;
}

void h_commit(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    char fence[48] = "", commit[48], *exists = NULL;
    int64_t max, commit_seq = 0;
    rs_err err = {0};
    rs_buf b = RS_BUF_INIT;

    if (db == NULL || !h_ws_check(rq, db, rq->args[0]))
        return;
    if (rl_sql(db, &exists, &err, "SELECT name FROM collections WHERE ws = ?1 AND name = ?2", "ss",
               rq->args[0], rq->args[1]) != RS_OK ||
        rl_docs_commit_seq(db, rq->srv, &commit_seq, &err) != RS_OK) {
        rl_reply_err(rq, &err);
        return;
    }
    if (exists == NULL) {
        rl_reply_error(rq, 404, "NOTFOUND", "COLLECTION_DOES_NOT_EXIST",
                       "Collection \"%s\" does not exist in workspace \"%s\"", rq->args[1],
                       rq->args[0]);
        return;
    }
    free(exists);
    max = largest_fence(rq, fence);
    if (max == -2)
        return;
    rl_offset_format(commit_seq, commit);
    rs_buf_printf(&b, "{\"data\":{\"passed\":%s,\"fence\":", max <= commit_seq ? "true" : "false");
    if (max >= 0)
        rs_buf_printf(&b, "\"%s\"", fence);
    else
        rs_buf_puts(&b, "null");
    rs_buf_printf(&b, "},\"offsets\":{\"commit\":\"%s\"}}", commit);
    rl_reply_raw(rq, 200, rs_buf_cstr(&b));
    rs_buf_free(&b);
}
