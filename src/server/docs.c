/* docs.c - see docs.h. */
#include "docs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Newest write whose ingest delay has passed. */
int rl_docs_commit_seq(sqlite3 *db, const rl_server *srv, int64_t *seq, rs_err *err) {
    return rl_sql_int(
        db, seq, err,
        "SELECT coalesce(max(seq), 0) FROM writes WHERE at_ms + ?1 <= rl_now_ms()", "i",
        srv->cfg.ingest_delay_ms);
}

static int load_event_time_info(rl_docwrite *w, const char *info, rs_err *err) {
    char *field = NULL, *format = NULL;
    int rc = rl_sql(w->db, &field, err, "SELECT json_extract(?1, '$.field')", "s", info);
    if (rc == RS_OK)
        rc = rl_sql(w->db, &format, err, "SELECT json_extract(?1, '$.format')", "s", info);
    if (rc == RS_OK) {
        w->event_time_path = field ? sqlite3_mprintf("$.\"%w\"", field) : NULL;
        w->event_time_scale = format && strcmp(format, "seconds_since_epoch") == 0 ? 1000 : 1;
    }
    free(field);
    free(format);
    return rc;
}

static void finalize_cache(rl_docwrite *w) {
    size_t i;
    for (i = 0; i < sizeof(w->cache) / sizeof(w->cache[0]); i++) {
        sqlite3_finalize(w->cache[i]);
        w->cache[i] = NULL;
    }
    sqlite3_free(w->event_time_path);
    w->event_time_path = NULL;
    rl_fieldindex_free(&w->fields);
}

int rl_docs_begin(rl_docwrite *w, sqlite3 *db, const rl_server *srv, const char *ws,
                  const char *coll, rs_err *err) {
    char *tbl = NULL, *info = NULL;
    int64_t is_alias = 0;
    int rc;

    memset(w, 0, sizeof(*w));
    w->db = db;
    snprintf(w->ws, sizeof(w->ws), "%s", ws);
    snprintf(w->coll, sizeof(w->coll), "%s", coll);
    rc = rl_tx_begin(db, err);
    if (rc != RS_OK)
        return rc;
    rc = rl_sql(db, &tbl, err, "SELECT tbl FROM collections WHERE ws = ?1 AND name = ?2", "ss", ws,
                coll);
    if (rc == RS_OK)
        rc = rl_sql(db, &info, err,
                    "SELECT event_time_info FROM collections WHERE ws = ?1 AND name = ?2", "ss", ws,
                    coll);
    if (rc == RS_OK && tbl == NULL) {
        rl_sql_int(db, &is_alias, NULL, "SELECT 1 FROM aliases WHERE ws = ?1 AND name = ?2", "ss",
                   ws, coll);
        rc = is_alias
                 ? rs_err_set(err, RS_EINVAL,
                              "\"%s.%s\" is an alias; documents can only be written to a "
                              "collection",
                              ws, coll)
                 : rs_err_set(err, RS_ENOTFOUND,
                              "Collection \"%s\" does not exist in workspace \"%s\"", coll, ws);
    }
    if (rc == RS_OK && info != NULL)
        rc = load_event_time_info(w, info, err);
    if (rc == RS_OK && tbl != NULL && !srv->cfg.no_field_index)
        rc = rl_fieldindex_load(&w->fields, db, tbl, err);
    else
        w->fields.disabled = 1;
    if (rc == RS_OK) {
        snprintf(w->tbl, sizeof(w->tbl), "%s", tbl);
        w->now_ms = rl_now_ms();
        w->vis_ms = w->now_ms + srv->cfg.ingest_delay_ms;
        rc = rl_sql_int(db, &w->seq, err,
                        "INSERT INTO writes(at_ms) VALUES(?1) RETURNING seq", "i",
                        w->now_ms);
    }
    free(tbl);
    free(info);
    if (rc != RS_OK) {
        rl_tx_end(db, 0, NULL);
        finalize_cache(w);
    }
    return rc;
}

/* Statements reused for every document of one write (prepared on first use). */
enum { ST_PROBE, ST_FINAL, ST_OLD_LEN, ST_UPSERT };

static sqlite3_stmt *cached(rl_docwrite *w, int slot, const char *sql, rs_err *err) {
    sqlite3_stmt **st = &w->cache[slot];
    if (*st == NULL &&
        sqlite3_prepare_v3(w->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK) {
        rs_err_set(err, RS_EINTERNAL, "database error: %s", sqlite3_errmsg(w->db));
        return NULL;
    }
    sqlite3_reset(*st);
    sqlite3_clear_bindings(*st);
    return *st;
}

static int step_failed(rl_docwrite *w, int rc, rs_err *err) {
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return RS_OK;
    return rs_err_set(err, RS_EINTERNAL, "database error: %s", sqlite3_errmsg(w->db));
}

/* The document's _id as text: given (string or number) or a fresh uuid. */
static int doc_id(rl_docwrite *w, const char *doc, char id_out[256], rs_err *err) {
    sqlite3_stmt *st = cached(w, ST_PROBE,
                              "SELECT json_type(?1), json_type(?1, '$._id'),"
                              " CAST(json_extract(?1, '$._id') AS TEXT)",
                              err);
    const char *type, *id_type, *id;
    int rc;
    if (st == NULL)
        return err ? err->code : RS_EINTERNAL;
    sqlite3_bind_text(st, 1, doc, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? rs_err_set(err, RS_EINTERNAL, "no probe row")
                                 : rs_err_set(err, RS_EINVAL, "document is not valid JSON");
    type = (const char *)sqlite3_column_text(st, 0);
    id_type = (const char *)sqlite3_column_text(st, 1);
    id = (const char *)sqlite3_column_text(st, 2);
    if (type == NULL || strcmp(type, "object") != 0)
        return rs_err_set(err, RS_EINVAL, "document must be a JSON object");
    if (id_type == NULL || strcmp(id_type, "null") == 0) {
        rl_uuid(id_out);
        return RS_OK;
    }
    if (strcmp(id_type, "text") && strcmp(id_type, "integer") && strcmp(id_type, "real"))
        return rs_err_set(err, RS_EINVAL, "_id must be a string, got %s", id_type);
    if (id == NULL || strlen(id) >= 256)
        return rs_err_set(err, RS_EINVAL, "_id must be a string of at most 255 bytes");
    if (id[0] == '\0') /* stored, it could never be patched, deleted or reported by its _id */
        return rs_err_set(err, RS_EINVAL, "_id must not be empty");
    snprintf(id_out, 256, "%s", id);
    return RS_OK;
}

/* The stored text: _id and _event_time first, then the user's fields in their order; _meta is
 * never kept. _event_time comes from event_time_info's field (?4 = its path, ?5 = ms per unit),
 * else from the document (only without event_time_info), else the ingest time ?3. */
static const char final_sql[] =
    "SELECT '{\"_id\":' || json_quote(?2) || ',\"_event_time\":' || coalesce("
    " CASE json_type(?1, ?4)"
    "  WHEN 'integer' THEN json_quote(rl_iso_us(json_extract(?1, ?4) * ?5))"
    "  WHEN 'real' THEN json_quote(rl_iso_us(CAST(json_extract(?1, ?4) * ?5 AS INTEGER)))"
    "  WHEN 'text' THEN json_quote(json_extract(?1, ?4)) END,"
    " CASE WHEN ?4 IS NULL AND json_type(?1, '$._event_time') IN ('text', 'object')"
    "  THEN ?1 -> '$._event_time' END,"
    " json_quote(rl_iso_us(?3))) ||"
    " CASE WHEN r = '{}' THEN '}' ELSE ',' || substr(r, 2) END"
    " FROM (SELECT json_remove(?1, '$._id', '$._event_time', '$._meta') AS r)";

/* Store final (a complete document text with _id first) under id. */
int rl_docs_put_final(rl_docwrite *w, const char *id, const char *final, rs_err *err) {
    char sql[512];
    sqlite3_stmt *st;
    int64_t old_len = 0;
    int rc;

    snprintf(sql, sizeof(sql), "SELECT coalesce(length(doc), 0) FROM \"%s_data\" WHERE _id = ?1",
             w->tbl);
    st = cached(w, ST_OLD_LEN, sql, err);
    if (st == NULL)
        return err ? err->code : RS_EINTERNAL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        old_len = sqlite3_column_int64(st, 0);
    if (step_failed(w, rc, err))
        return RS_EINTERNAL;
    snprintf(sql, sizeof(sql),
             "INSERT INTO \"%s_data\"(_id, doc, prev_doc, vis_ms, seq) VALUES(?1, ?2, NULL, ?3, ?4)"
             " ON CONFLICT(_id) DO UPDATE SET"
             " prev_doc = CASE WHEN vis_ms <= ?5 THEN doc ELSE prev_doc END,"
             " doc = excluded.doc, vis_ms = excluded.vis_ms, seq = excluded.seq",
             w->tbl);
    st = cached(w, ST_UPSERT, sql, err);
    if (st == NULL)
        return err ? err->code : RS_EINTERNAL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, final, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, w->vis_ms);
    sqlite3_bind_int64(st, 4, w->seq);
    sqlite3_bind_int64(st, 5, w->now_ms);
    if (step_failed(w, sqlite3_step(st), err))
        return RS_EINTERNAL;
    sqlite3_reset(st);
    if (rl_fieldindex_note_doc(&w->fields, final, err) != RS_OK)
        return err ? err->code : RS_ENOMEM;
    w->bytes_inserted += (int64_t)strlen(final);
    w->bytes_overwritten += old_len;
    w->n_written++;
    return RS_OK;
}

int rl_docs_add(rl_docwrite *w, const char *doc_json, char id_out[256], rs_err *err) {
    sqlite3_stmt *st;
    const char *final;
    int rc = doc_id(w, doc_json, id_out, err);
    if (rc != RS_OK)
        return rc;
    st = cached(w, ST_FINAL, final_sql, err);
    if (st == NULL)
        return err ? err->code : RS_EINTERNAL;
    sqlite3_bind_text(st, 1, doc_json, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id_out, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, w->now_ms);
    if (w->event_time_path != NULL)
        sqlite3_bind_text(st, 4, w->event_time_path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, w->event_time_scale);
    rc = sqlite3_step(st);
    final = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    if (final == NULL)
        return rs_err_set(err, RS_EINTERNAL, "could not build the document: %s",
                          sqlite3_errmsg(w->db));
    /* final stays valid until ST_FINAL is reset, which put_final does not touch */
    return rl_docs_put_final(w, id_out, final, err);
}

int rl_docs_remove(rl_docwrite *w, const char *id, rs_err *err) {
    char sql[512];
    snprintf(sql, sizeof(sql),
             "UPDATE \"%s_data\" SET prev_doc = CASE WHEN vis_ms <= ?2 THEN doc ELSE prev_doc END,"
             " doc = NULL, vis_ms = ?3, seq = ?4 WHERE _id = ?1 AND doc IS NOT NULL",
             w->tbl);
    w->n_written++;
    return rl_sql(w->db, NULL, err, sql, "siii", id, w->now_ms, w->vis_ms, w->seq);
}

int rl_docs_end(rl_docwrite *w, int ok, char offset[48], rs_err *err) {
    char sql[512];
    int rc = RS_OK;

    if (ok) {
        for (size_t i = 0; i < sizeof(w->cache) / sizeof(w->cache[0]); i++)
            if (w->cache[i] != NULL)
                sqlite3_reset(w->cache[i]); /* no statement running while indexes are created */
        rc = rl_fieldindex_flush(&w->fields, w->db, err);
    }
    if (ok && rc == RS_OK) {
        /* deleted rows whose deletion is visible are garbage */
        snprintf(sql, sizeof(sql), "DELETE FROM \"%s_data\" WHERE doc IS NULL AND vis_ms <= ?1",
                 w->tbl);
        rc = rl_sql(w->db, NULL, err, sql, "i", w->now_ms);
        if (rc == RS_OK)
            rc =
                rl_sql(w->db, NULL, err,
                       "UPDATE collections SET bytes_inserted = bytes_inserted + ?3,"
                       " bytes_overwritten = bytes_overwritten + ?4, last_updated_ms = ?5"
                       " WHERE ws = ?1 AND name = ?2",
                       "ssiii", w->ws, w->coll, w->bytes_inserted, w->bytes_overwritten, w->now_ms);
        if (rc == RS_OK)
            rc = rl_tx_end(w->db, 1, err);
        else
            rl_tx_end(w->db, 0, NULL);
    } else {
        rl_tx_end(w->db, 0, NULL);
    }
    if (offset != NULL)
        rl_offset_format(w->seq, offset);
    finalize_cache(w);
    return rc;
}
