/* docs.c - see docs.h. */
#include "docs.h"
#include "server/colidx/replica.h"

#include "jsonscan.h"
#include "server/runtime/datetime.h"
#include "server/runtime/docindex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Newest write whose ingest delay has passed. */
int rl_docs_commit_seq(sqlite3 *db, const rl_server *srv, int64_t *seq, rs_err *err) {
    return rl_sql_int(db, seq, err,
                      "SELECT coalesce(max(seq), 0) FROM writes WHERE at_ms + ?1 <= rl_now_ms()",
                      "i", srv->cfg.ingest_delay_ms);
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

/* The collection's ingest transformation and retention. */
static int load_ingest(rl_docwrite *w, rs_err *err) {
    char *fmq = NULL, *sql;
    int64_t retention = 0;
    int rc = rl_sql(w->db, &fmq, err, "SELECT fmq FROM collections WHERE tbl = ?1", "s", w->tbl);
    if (rc == RS_OK)
        rc = rl_sql_int(w->db, &retention, err,
                        "SELECT coalesce(retention_secs, 0) FROM collections WHERE tbl = ?1", "s",
                        w->tbl);
    w->retention_ms = retention > 0 ? retention * 1000 : 0;
    sql = rc == RS_OK ? rl_ingest_sql_of(fmq) : NULL;
    free(fmq);
    if (sql == NULL)
        return rc;
    w->ingest = calloc(1, sizeof *w->ingest);
    rc = w->ingest ? rl_ingest_load(w->ingest, w->db, w->tbl, sql, err)
                   : rs_err_set(err, RS_ENOMEM, "out of memory");
    free(sql);
    return rc;
}

static void finalize_cache(rl_docwrite *w) {
    size_t i;
    for (i = 0; i < sizeof(w->cache) / sizeof(w->cache[0]); i++) {
        sqlite3_finalize(w->cache[i]);
        w->cache[i] = NULL;
    }
    rl_ingest_free(w->ingest);
    free(w->ingest);
    w->ingest = NULL;
    sqlite3_free(w->event_time_path);
    w->event_time_path = NULL;
    rl_fieldindex_free(&w->fields);
}

/* Whether collection tbl has pending rows (pending.h): then every write queues behind them. */
static int has_pending(sqlite3 *db, const char *tbl, int *out, rs_err *err) {
    int64_t n = 0;
    int rc = rl_sql_int(db, &n, err, "SELECT EXISTS(SELECT 1 FROM pending_due WHERE tbl = ?1)", "s",
                        tbl);
    *out = n != 0;
    return rc;
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
    if (rc == RS_OK) {
        snprintf(w->tbl, sizeof(w->tbl), "%s", tbl);
        w->now_ms = rl_now_ms();
        w->vis_ms = w->now_ms + srv->cfg.ingest_delay_ms;
        w->pending = rl_store_pending(srv->store);
        w->fields.indexes_on = !srv->cfg.no_field_index;
        rc = has_pending(db, tbl, &w->delayed, err);
        w->delayed |= srv->cfg.ingest_delay_ms > 0;
    }
    if (rc == RS_OK && !w->delayed)
        rc = rl_fieldindex_load(&w->fields, db, tbl, !srv->cfg.no_field_index, err);
    if (rc == RS_OK)
        rc = load_ingest(w, err);
    if (rc == RS_OK)
        rc = rl_sql_int(db, &w->seq, err, "INSERT INTO writes(at_ms) VALUES(?1) RETURNING seq", "i",
                        w->now_ms);
    free(tbl);
    free(info);
    if (rc != RS_OK) {
        rl_tx_end(db, 0, NULL);
        finalize_cache(w);
    }
    return rc;
}

/* Statements reused for every document of one write (prepared on first use). */
enum { ST_PROBE, ST_FINAL, ST_OLD, ST_UPSERT, ST_DELETE, ST_PENDING, ST_COLIDX };

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
                              " CAST(json_extract(?1, '$._id') AS TEXT),"
                              " instr(?1 -> '$._id', '\\u0000') > 0",
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
    /* SQLite's JSON functions end a string at \u0000: the _id would be cut there */
    if (id != NULL && sqlite3_column_int(st, 3))
        return rs_err_set(err, RS_EINVAL, "_id must not contain NUL (\\u0000): it would be cut");
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

/* The column index's change log (server/colidx/replica.h): the visible version of id changed,
 * in the write's own transaction. A statement here, not a trigger on the table: SQLite writes
 * a table with triggers three times slower when it has expression indexes (measured). */
static int note_change(rl_docwrite *w, const char *id, const char *op, rs_err *err) {
    sqlite3_stmt *st = cached(w, ST_COLIDX, RL_COLIDX_NOTE_SQL, err);
    if (st == NULL)
        return RS_EINTERNAL;
    sqlite3_bind_text(st, 1, w->tbl, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, rl_now_ms());
    sqlite3_bind_text(st, 4, op, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return step_failed(w, rc, err) ? RS_EINTERNAL : RS_OK;
}

/* Make doc (NULL: nothing) the visible version of id, noting in the catalog what leaves and
 * enters the table; *old_len receives the length of the version it replaces (0: none). */
static int apply_visible(rl_docwrite *w, const char *id, const char *doc, int64_t seq,
                         int64_t *old_len, rs_err *err) {
    char sql[512];
    int had_old = 0, rc;
    int64_t rid = 0;
    snprintf(sql, sizeof(sql), "SELECT rowid, doc FROM \"%s_data\" WHERE _id = ?1", w->tbl);
    sqlite3_stmt *st = cached(w, ST_OLD, sql, err);
    if (st == NULL)
        return err ? err->code : RS_EINTERNAL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    *old_len = 0;
    if (rc == SQLITE_ROW) {
        had_old = 1;
        rid = sqlite3_column_int64(st, 0);
        *old_len = sqlite3_column_bytes(st, 1);
        rc = rl_fieldindex_note_doc(&w->fields, (const char *)sqlite3_column_text(st, 1), -1, rid,
                                    err);
        sqlite3_reset(st);
        if (rc != RS_OK)
            return rc;
    } else if (step_failed(w, rc, err)) {
        return RS_EINTERNAL;
    }
    sqlite3_reset(st);
    if (doc == NULL && !had_old)
        return RS_OK;
    if (doc != NULL)
        snprintf(sql, sizeof(sql),
                 "INSERT INTO \"%s_data\"(_id, doc, seq) VALUES(?1, ?2, ?3)"
                 " ON CONFLICT(_id) DO UPDATE SET doc = excluded.doc, seq = excluded.seq",
                 w->tbl);
    else
        snprintf(sql, sizeof(sql), "DELETE FROM \"%s_data\" WHERE _id = ?1", w->tbl);
    st = cached(w, doc != NULL ? ST_UPSERT : ST_DELETE, sql, err);
    if (st == NULL)
        return err ? err->code : RS_EINTERNAL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (doc != NULL) {
        sqlite3_bind_text(st, 2, doc, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, seq);
    }
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ERROR && doc != NULL &&
        rl_fieldindex_refuse_expressions(w->db, w->tbl, doc, NULL) > 0) {
        w->fields.catalog_changed = 1; /* translations reading those indexes are made again */
        rc = sqlite3_step(st);
        sqlite3_reset(st);
    }
    if (step_failed(w, rc, err))
        return RS_EINTERNAL;
    /* an upsert keeps the row (and its rowid) of the document it replaces; read the new row's
     * before the change log's insert replaces the connection's last rowid */
    if (doc != NULL && !had_old)
        rid = sqlite3_last_insert_rowid(w->db);
    if (rl_colidx_capturing() && note_change(w, id, doc == NULL ? "d" : had_old ? "u" : "i", err))
        return RS_EINTERNAL;
    if (doc == NULL)
        return RS_OK;
    return rl_fieldindex_note_doc(&w->fields, doc, +1, rid, err);
}

/* Queue doc (NULL: a delete) for id in "<tbl>_pending"; *old_len: the newest version's length. */
static int queue_pending(rl_docwrite *w, const char *id, const char *doc, int64_t *old_len,
                         rs_err *err) {
    char sql[512], *old = NULL;
    int rc = old_len != NULL ? rl_docs_newest(w, id, &old, err) : RS_OK;
    if (rc != RS_OK)
        return rc;
    if (old_len != NULL)
        *old_len = old ? (int64_t)strlen(old) : 0;
    free(old);
    snprintf(sql, sizeof(sql),
             "INSERT INTO \"%s_pending\"(_id, doc, vis_ms, seq) VALUES(?1, ?2, ?3, ?4)", w->tbl);
    sqlite3_stmt *st = cached(w, ST_PENDING, sql, err);
    if (st == NULL)
        return err ? err->code : RS_EINTERNAL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (doc != NULL)
        sqlite3_bind_text(st, 2, doc, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, w->vis_ms);
    sqlite3_bind_int64(st, 4, w->seq);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (step_failed(w, rc, err))
        return RS_EINTERNAL;
    w->n_pending++;
    return RS_OK;
}

int rl_docs_newest(rl_docwrite *w, const char *id, char **doc, rs_err *err) {
    char sql[256];
    int found = 0, rc = RS_OK;
    *doc = NULL;
    if (w->delayed)
        rc = rl_pending_newest(w->db, w->tbl, id, &found, doc, err);
    if (rc != RS_OK || found)
        return rc;
    snprintf(sql, sizeof(sql), "SELECT doc FROM \"%s_data\" WHERE _id = ?1", w->tbl);
    return rl_sql(w->db, doc, err, sql, "s", id);
}

/* Store final (a complete document text with _id first) under id. */
int rl_docs_put_final(rl_docwrite *w, const char *id, const char *final, rs_err *err) {
    int64_t old_len = 0;
    int rc = w->delayed ? queue_pending(w, id, final, &old_len, err)
                        : apply_visible(w, id, final, w->seq, &old_len, err);
    if (rc != RS_OK)
        return rc;
    w->bytes_inserted += (int64_t)strlen(final);
    w->bytes_overwritten += old_len;
    w->n_written++;
    return RS_OK;
}

/* Whether final (a stored text, _event_time an ISO string) is older than the retention. */
static int expired(const rl_docwrite *w, const char *final) {
    rs_jsonscan_span et;
    int64_t micros;
    if (w->retention_ms <= 0 || !rs_jsonscan_get(rs_jsonscan_cstr(final), "_event_time", &et) ||
        rl_ingest_event_time(et.ptr, et.len, &micros, NULL) != RS_OK)
        return 0;
    return micros < (w->now_ms - w->retention_ms) * 1000;
}

/* Store doc as the document with its _id (or a fresh one): the stored text built, kept unless
 * the retention has already passed it by. */
static int put_doc(rl_docwrite *w, const char *doc_json, char id_out[256], rs_err *err) {
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
        return rs_err_set(err, RS_EINVAL, "could not build the document: %s",
                          sqlite3_errmsg(w->db));
    if (expired(w, final)) { /* as if written and purged at once */
        w->purged_docs++;
        w->purged_bytes += (int64_t)strlen(final);
        return rl_docs_remove(w, id_out, err);
    }
    /* final stays valid until ST_FINAL is reset, which put_final does not touch; it is
     * well-formed JSON (SQLite's JSON functions built it from an object), so rs_get may index
     * it for the keys of its indexes without checking it (rt_docindex_vouch) */
    rt_docindex_vouch(final, (size_t)sqlite3_column_bytes(st, 0));
    rc = rl_docs_put_final(w, id_out, final, err);
    rt_docindex_vouch(NULL, 0);
    return rc;
}

/* *doc with its member name replaced (value_json NULL: removed); RS_ENOMEM when it fails. */
static int set_member(char **doc, const char *name, const char *value_json, rs_err *err) {
    char *next = rl_ingest_set_member(*doc, name, value_json);
    if (next == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    free(*doc);
    *doc = next;
    return RS_OK;
}

/* doc's _event_time set to the stored form of micros: an ISO string, as ingest time is stored. */
static int set_event_time(char **doc, int64_t micros, rs_err *err) {
    char iso[64], quoted[72];
    rt_format_timestamp(iso, sizeof iso, micros);
    snprintf(quoted, sizeof quoted, "\"%s\"", iso);
    return set_member(doc, "_event_time", quoted, err);
}

/* _event_time as the stored ISO string; from the input document when the transformation left it
 * out (input NULL: none). */
static int settle_event_time(rl_docwrite *w, char **doc, const char *input, rs_err *err) {
    rs_jsonscan_span et;
    int64_t micros;
    if (w->event_time_path != NULL) /* event_time_info names the field */
        return RS_OK;
    if (!rs_jsonscan_get(rs_jsonscan_cstr(*doc), "_event_time", &et) &&
        (input == NULL || !rs_jsonscan_get(rs_jsonscan_cstr(input), "_event_time", &et)))
        return RS_OK;
    if (rs_jsonscan_classify(et) == RS_JSON_NULL)
        return set_member(doc, "_event_time", NULL, err);
    int rc = rl_ingest_event_time(et.ptr, et.len, &micros, err);
    return rc == RS_OK ? set_event_time(doc, micros, err) : rc;
}

/* _id kept from the input when the transformation left it out. */
static int settle_id(char **doc, const char *input, rs_err *err) {
    rs_jsonscan_span id;
    char *text;
    if (input == NULL || rs_jsonscan_get(rs_jsonscan_cstr(*doc), "_id", &id) ||
        !rs_jsonscan_get(rs_jsonscan_cstr(input), "_id", &id))
        return RS_OK;
    text = strndup(id.ptr, id.len);
    int rc = text ? set_member(doc, "_id", text, err) : rs_err_set(err, RS_ENOMEM, "out of memory");
    free(text);
    return rc;
}

typedef enum { OP_REPSERT, OP_INSERT, OP_UPDATE, OP_UPSERT, OP_DELETE, OP_REPLACE } doc_op;

/* The document's _op (removed from it): *op, or RS_EINVAL for a value Rockset does not know. */
static int take_op(char **doc, doc_op *op, rs_err *err) {
    static const char *const names[] = {"REPSERT", "INSERT", "UPDATE",
                                        "UPSERT",  "DELETE", "REPLACE"};
    rs_jsonscan_span v;
    char *name = NULL;
    *op = OP_REPSERT;
    if (!rs_jsonscan_get(rs_jsonscan_cstr(*doc), "_op", &v))
        return RS_OK;
    if (rs_jsonscan_classify(v) == RS_JSON_NULL) /* e.g. CASE ... END without a match */
        return set_member(doc, "_op", NULL, err);
    if (rs_jsonscan_classify(v) != RS_JSON_STRING ||
        rs_jsonscan_get_string(rs_jsonscan_cstr(*doc), "_op", &name, NULL) != RS_OK)
        return rs_err_set(err, RS_EINVAL,
                          "_op must be a string: one of INSERT, UPDATE, UPSERT, "
                          "DELETE, REPLACE, REPSERT");
    int found = -1;
    for (int i = 0; i < 6 && found < 0; i++)
        if (strcasecmp(name, names[i]) == 0)
            found = i;
    int rc = found < 0 ? rs_err_set(err, RS_EINVAL,
                                    "_op must be one of INSERT, UPDATE, UPSERT, DELETE, REPLACE, "
                                    "REPSERT, not '%.40s'",
                                    name)
                       : set_member(doc, "_op", NULL, err);
    *op = found < 0 ? OP_REPSERT : (doc_op)found;
    free(name);
    return rc;
}

/* Write doc as its _op says: a replace, a merge into the document with its _id, or a delete. */
static int write_op(rl_docwrite *w, const char *doc, doc_op op, char id_out[256], rs_err *err) {
    char *old = NULL, *merged;
    int rc;
    if (op == OP_REPSERT || op == OP_INSERT)
        return put_doc(w, doc, id_out, err);
    if (!rs_jsonscan_get(rs_jsonscan_cstr(doc), "_id", &(rs_jsonscan_span){0}))
        return rs_err_set(err, RS_EINVAL, "_op %s needs the document's _id",
                          op == OP_DELETE ? "DELETE" : "UPDATE, UPSERT or REPLACE");
    rc = doc_id(w, doc, id_out, err);
    if (rc == RS_OK && op == OP_DELETE)
        return rl_docs_remove(w, id_out, err);
    if (rc == RS_OK)
        rc = rl_docs_newest(w, id_out, &old, err);
    if (rc != RS_OK || (old == NULL && (op == OP_UPDATE || op == OP_REPLACE)))
        return rc; /* nothing to update or replace: Rockset skips it */
    if (old == NULL || op == OP_REPLACE) {
        free(old);
        return put_doc(w, doc, id_out, err);
    }
    /* special fields are immutable: the stored _event_time stays */
    char *upd = rl_ingest_set_member(doc, "_event_time", NULL);
    merged = upd ? rl_ingest_merge_top(old, upd) : NULL;
    free(upd);
    free(old);
    if (merged == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    rc = put_doc(w, merged, id_out, err);
    free(merged);
    return rc;
}

/* One document after its transformation (input: the document before it, or NULL). */
static int write_special(rl_docwrite *w, const char *doc_json, const char *input, char id_out[256],
                         rs_err *err) {
    doc_op op = OP_REPSERT;
    char *doc = strdup(doc_json);
    int rc = doc ? take_op(&doc, &op, err) : rs_err_set(err, RS_ENOMEM, "out of memory");
    if (rc == RS_OK)
        rc = settle_id(&doc, input, err);
    if (rc == RS_OK)
        rc = settle_event_time(w, &doc, input, err);
    if (rc == RS_OK)
        rc = write_op(w, doc, op, id_out, err);
    free(doc);
    return rc;
}

/* A rollup's group document, made by the flush of its queued documents. */
static int put_group(void *ctx, const char *gid, const char *doc, int64_t et_ms, rs_err *err) {
    rl_docwrite *w = ctx;
    char id[256], quoted[72], *text;
    int rc;
    if (doc == NULL) /* HAVING rejects the group now */
        return rl_docs_remove(w, gid, err);
    snprintf(quoted, sizeof quoted, "\"%s\"", gid);
    text = rl_ingest_set_member(doc, "_id", quoted);
    if (text == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    rc = settle_event_time(w, &text, NULL, err);
    if (rc == RS_OK &&
        !rs_jsonscan_get(rs_jsonscan_cstr(text), "_event_time", &(rs_jsonscan_span){0}))
        rc = set_event_time(&text, rt_micros_of(et_ms, 1000), err);
    if (rc == RS_OK)
        rc = put_doc(w, text, id, err);
    free(text);
    return rc;
}

#define ROLLUP_BATCH 10000 /* raw documents folded at once, bounding the temporary table */

static void reset_cache(rl_docwrite *w);

/* The indexes of paths the last document brought, made before the next document
 * (rl_fieldindex_make_new): every statement of the write is reset first, none runs while
 * indexes are created. Not for a rollup's groups, which are written while its flush reads. */
static int make_new_indexes(rl_docwrite *w, rs_err *err) {
    if (!w->fields.has_new)
        return RS_OK;
    reset_cache(w);
    rl_store_long_tx_begin(); /* over every document already there: other writes wait for it */
    int rc = rl_fieldindex_make_new(&w->fields, w->db, err);
    rl_store_long_tx_end();
    return rc;
}

int rl_docs_add(rl_docwrite *w, const char *doc_json, char id_out[256], rs_err *err) {
    char *mapped = NULL;
    int rc;
    if (w->ingest == NULL) {
        rc = write_special(w, doc_json, NULL, id_out, err);
        return rc == RS_OK ? make_new_indexes(w, err) : rc;
    }
    rc = doc_id(w, doc_json, id_out, err); /* the input is an object with a usable _id */
    if (rc == RS_OK && w->ingest->q.rollup) {
        rl_uuid(id_out); /* the raw document is folded, not kept */
        rc = rl_ingest_queue(w->ingest, doc_json, err);
        if (rc == RS_OK && rl_ingest_queued(w->ingest) >= ROLLUP_BATCH)
            rc = rl_ingest_flush(w->ingest, w->now_ms, put_group, w, err);
        return rc;
    }
    if (rc == RS_OK)
        rc = rl_ingest_map(w->ingest, doc_json, &mapped, err);
    if (rc == RS_OK && mapped != NULL) /* NULL: WHERE left it out */
        rc = write_special(w, mapped, doc_json, id_out, err);
    free(mapped);
    return rc == RS_OK ? make_new_indexes(w, err) : rc;
}

int rl_docs_insert_only(const rl_docwrite *w) {
    return w->ingest != NULL && w->ingest->q.rollup;
}

int rl_docs_remove(rl_docwrite *w, const char *id, rs_err *err) {
    int64_t old_len = 0;
    w->n_written++;
    return w->delayed ? queue_pending(w, id, NULL, NULL, err)
                      : apply_visible(w, id, NULL, w->seq, &old_len, err);
}

static void reset_cache(rl_docwrite *w) {
    for (size_t i = 0; i < sizeof(w->cache) / sizeof(w->cache[0]); i++)
        if (w->cache[i] != NULL)
            sqlite3_reset(w->cache[i]); /* no statement running while indexes are created */
}

/* pending_due keeps the earliest due time of each collection with pending rows. */
static int note_due(rl_docwrite *w, rs_err *err) {
    return rl_sql(w->db, NULL, err,
                  "INSERT INTO pending_due(tbl, due_ms) VALUES(?1, ?2) ON CONFLICT(tbl)"
                  " DO UPDATE SET due_ms = min(due_ms, excluded.due_ms)",
                  "si", w->tbl, w->vis_ms);
}

int rl_docs_end(rl_docwrite *w, int ok, char offset[48], rs_err *err) {
    int rc = RS_OK;

    if (ok && w->ingest != NULL && w->ingest->q.rollup) {
        rc = rl_ingest_flush(w->ingest, w->now_ms, put_group, w, err);
        ok = rc == RS_OK;
    }
    if (ok) {
        reset_cache(w);
        rc = w->delayed ? (w->n_pending ? note_due(w, err) : RS_OK)
                        : rl_fieldindex_flush(&w->fields, w->db, err);
    }
    if (ok && rc == RS_OK) {
        rc = rl_sql(w->db, NULL, err,
                    "UPDATE collections SET bytes_inserted = bytes_inserted + ?3,"
                    " bytes_overwritten = bytes_overwritten + ?4, last_updated_ms = ?5,"
                    " purged_docs = purged_docs + ?6, purged_bytes = purged_bytes + ?7"
                    " WHERE ws = ?1 AND name = ?2",
                    "ssiiiii", w->ws, w->coll, w->bytes_inserted, w->bytes_overwritten, w->now_ms,
                    w->purged_docs, w->purged_bytes);
        /* documents only, unless the catalog changed: kept translations stay (xlcache.h) */
        rl_store_data_only_commit(!w->fields.catalog_changed);
        if (rc == RS_OK)
            rc = rl_tx_end(w->db, 1, err);
        else
            rl_tx_end(w->db, 0, NULL);
        rl_store_data_only_commit(0);
        if (rc == RS_OK && w->n_pending > 0)
            rl_pending_note(w->pending, w->vis_ms, w->fields.indexes_on);
        if (rc == RS_OK && w->fields.grown) /* doubled since its statistics: refresh them */
            rl_pending_want(w->pending, w->tbl, 0, NULL, NULL);
    } else {
        rl_tx_end(w->db, 0, NULL);
    }
    if (offset != NULL)
        rl_offset_format(w->seq, offset);
    finalize_cache(w);
    return rc;
}

int rl_docs_apply_begin(rl_docwrite *w, sqlite3 *db, const char *tbl, int indexes_on, rs_err *err) {
    memset(w, 0, sizeof(*w));
    w->db = db;
    snprintf(w->tbl, sizeof(w->tbl), "%s", tbl);
    return rl_fieldindex_load(&w->fields, db, tbl, indexes_on, err);
}

int rl_docs_apply(rl_docwrite *w, const char *id, const char *doc, int64_t seq, rs_err *err) {
    int64_t old_len = 0;
    return apply_visible(w, id, doc, seq, &old_len, err);
}

int rl_docs_apply_end(rl_docwrite *w, int ok, int *grown, rs_err *err) {
    int rc = RS_OK;
    reset_cache(w);
    if (ok)
        rc = rl_fieldindex_flush(&w->fields, w->db, err);
    *grown = rc == RS_OK && w->fields.grown;
    finalize_cache(w);
    return rc;
}
