/*
 * vtab_collection.c - a Rockset collection as an SQLite table (docs/semantics.md).
 *
 *   .load ./build/rockset_ext
 *   CREATE VIRTUAL TABLE orders USING rockset('commons.orders');
 *   CREATE VIRTUAL TABLE orders USING rockset(collection='commons.orders',
 *                                             columns='id INTEGER, total REAL, customer TEXT');
 *   SELECT customer, sum(total) FROM orders WHERE total > 10 GROUP BY customer;
 *   INSERT INTO orders(_id, id, total, customer) VALUES ('o1', 1, 9.5, 'ann');
 *   UPDATE orders SET total = 12 WHERE _id = 'o1';
 *   DELETE FROM orders WHERE customer = 'ann';
 *
 * Arguments: the collection ('ws.coll', or 'coll' in the session's workspace) positionally or
 * as collection=; an alias is accepted too (a table model's relation: reads go through it,
 * Rockset resolving it at each query; writes fail, as the Write API takes collections only);
 * columns= a column list ("name TYPE, ..."; see planner.h); page_size= rows per request for this
 * table (default: rockset_config('page_size')); batch_size= documents per write request (default:
 * rockset_config('batch_size')). Values may be quoted with ' or ".
 *
 * Columns: `_id` (TEXT, the primary key: the table is WITHOUT ROWID), the declared columns or,
 * without columns=, the top-level fields DESCRIBE reports (a field seen with several types takes
 * its most frequent), and the hidden `_event_time` and `_doc` (the whole document as JSON).
 *
 * HOW IT WORKS. xCreate checks the collection exists, runs DESCRIBE when no columns were given,
 * and saves the collection's full name and the column list in a shadow table <name>_rockset,
 * so xConnect (the database opened again later) needs no network and the schema does not
 * drift as documents change. Reading is in vtab_collection_scan.c (pushdown, streaming),
 * writing in vtab_collection_write.c (batches sent at COMMIT).
 *
 * The module is DIRECTONLY-free: tables are created by the user on purpose, and a table names
 * its collection explicitly; reading or writing it needs the session's own credentials.
 */
#include "vtab_collection.h"
#include "conn.h"
#include "modules.h"
#include "sqlerr.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* What the CREATE VIRTUAL TABLE arguments say. Strings are malloc'd. */
typedef struct table_args {
    char *collection; /* as given */
    char *columns;    /* NULL: discover */
    int page_size;
    int batch_size;
} table_args;

static void table_args_free(table_args *a) {
    free(a->collection);
    free(a->columns);
    memset(a, 0, sizeof(*a));
}

/* Strip blanks and one level of '...' or "..." quotes (doubled quotes inside unescaped). */
static char *dequote(const char *text, size_t len) {
    char *out, quote;
    size_t i, n = 0;

    while (len > 0 && (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')) {
        text++;
        len--;
    }
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\n' ||
                       text[len - 1] == '\r'))
        len--;
    out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    quote =
        len >= 2 && (text[0] == '\'' || text[0] == '"') && text[len - 1] == text[0] ? text[0] : 0;
    if (!quote) {
        memcpy(out, text, len);
        out[len] = '\0';
        return out;
    }
    for (i = 1; i + 1 < len; i++) {
        out[n++] = text[i];
        if (text[i] == quote && text[i + 1] == quote)
            i++;
    }
    out[n] = '\0';
    return out;
}

/* An integer option within [min, max]; -1 when the text is not one. */
static int int_option(const char *text, int min, int max) {
    char *end;
    long v = strtol(text, &end, 10);

    if (text[0] == '\0' || *end != '\0' || v < min || v > max)
        return -1;
    return (int)v;
}

static int set_option(table_args *a, const char *name, char *value, char **pzErr) {
    int n;

    if (strcasecmp(name, "collection") == 0 || strcasecmp(name, "columns") == 0) {
        char **slot = strcasecmp(name, "collection") == 0 ? &a->collection : &a->columns;
        if (*slot != NULL) {
            free(value);
            *pzErr = sqlite3_mprintf("rockset: %s given twice", name);
            return SQLITE_ERROR;
        }
        *slot = value;
        return SQLITE_OK;
    }
    if (strcasecmp(name, "page_size") == 0 || strcasecmp(name, "batch_size") == 0) {
        int is_page = strcasecmp(name, "page_size") == 0;
        n = int_option(value, 1, is_page ? 100000 : 20000);
        free(value);
        if (n < 0) {
            *pzErr = sqlite3_mprintf("rockset: %s must be an integer from 1 to %d", name,
                                     is_page ? 100000 : 20000);
            return SQLITE_ERROR;
        }
        *(is_page ? &a->page_size : &a->batch_size) = n;
        return SQLITE_OK;
    }
    free(value);
    *pzErr = sqlite3_mprintf("rockset: unknown option '%s' (valid options: collection, columns, "
                             "page_size, batch_size)",
                             name);
    return SQLITE_ERROR;
}

/* One argument: name=value, or a bare value (the collection). */
static int parse_arg(table_args *a, const char *arg, char **pzErr) {
    size_t name_len = 0;
    char name[64], *value;

    while (arg[name_len] == '_' || (arg[name_len] >= 'a' && arg[name_len] <= 'z') ||
           (arg[name_len] >= 'A' && arg[name_len] <= 'Z'))
        name_len++;
    if (name_len > 0 && name_len < sizeof(name) &&
        arg[name_len + strspn(arg + name_len, " ")] == '=') {
        memcpy(name, arg, name_len);
        name[name_len] = '\0';
        arg += name_len + strspn(arg + name_len, " ") + 1;
        value = dequote(arg, strlen(arg));
        return value == NULL ? SQLITE_NOMEM : set_option(a, name, value, pzErr);
    }
    value = dequote(arg, strlen(arg));
    if (value == NULL)
        return SQLITE_NOMEM;
    if (a->collection != NULL) {
        *pzErr = sqlite3_mprintf("rockset: unexpected argument %s (the collection is already "
                                 "given; options are name=value)",
                                 arg);
        free(value);
        return SQLITE_ERROR;
    }
    a->collection = value;
    return SQLITE_OK;
}

static int parse_args(int argc, const char *const *argv, table_args *a, char **pzErr) {
    int i, rc = SQLITE_OK;

    memset(a, 0, sizeof(*a));
    for (i = 3; i < argc && rc == SQLITE_OK; i++)
        rc = parse_arg(a, argv[i], pzErr);
    if (rc == SQLITE_OK && (a->collection == NULL || a->collection[0] == '\0')) {
        *pzErr = sqlite3_mprintf("rockset: missing collection: use USING rockset('workspace."
                                 "collection') or collection='workspace.collection'");
        rc = SQLITE_ERROR;
    }
    if (rc != SQLITE_OK)
        table_args_free(a);
    return rc;
}

/* ---------------------------------------------------------------- schema */

/* Run DESCRIBE on the collection and turn its rows into a column list. */
static int discover_columns(rs_api *api, rs_conn *conn, const char *ws, const char *coll,
                            rs_buf *columns, rs_err *err) {
    rs_describe_acc *acc = rs_describe_acc_new();
    rs_query_request req;
    rs_query_result *res = NULL;
    rs_buf sql = RS_BUF_INIT;
    size_t i;
    int rc = RS_ENOMEM;

    rs_buf_puts(&sql, "DESCRIBE ");
    rs_schema_quote_ident(&sql, ws);
    rs_buf_putc(&sql, '.');
    rs_schema_quote_ident(&sql, coll);
    if (acc == NULL || sql.oom) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    memset(&req, 0, sizeof(req));
    req.sql = rs_buf_cstr(&sql);
    req.idempotent = 1;
    rc = rs_conn_note_sql(conn, req.sql, err);
    if (rc == RS_OK)
        rc = rs_api_query(api, &req, &res, err);
    for (i = 0; rc == RS_OK && i < rs_query_result_row_count(res); i++) {
        rs_jsonscan_span row = rs_query_result_row(res, i);
        rc = rs_describe_acc_add(acc, row.ptr, row.len, err);
    }
    if (rc == RS_OK)
        rc = rs_describe_acc_columns(acc, columns, err);
done:
    rs_query_result_free(res);
    rs_describe_acc_free(acc);
    rs_buf_free(&sql);
    return rc;
}

/* The shadow table holding what xConnect needs: collection and columns. */
static int save_schema(sqlite3 *db, const char *db_name, const char *table, const char *ws,
                       const char *coll, const char *columns, char **pzErr) {
    char *sql = sqlite3_mprintf(
        "CREATE TABLE \"%w\".\"%w_rockset\"(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
        "INSERT INTO \"%w\".\"%w_rockset\" VALUES ('workspace', %Q), ('collection', %Q),"
        " ('columns', %Q);",
        db_name, table, db_name, table, ws, coll, columns);
    int rc;

    if (sql == NULL)
        return SQLITE_NOMEM;
    rc = sqlite3_exec(db, sql, NULL, NULL, pzErr);
    sqlite3_free(sql);
    return rc;
}

/* Read the shadow table back: *ws, *coll, *columns malloc'd. */
static int load_schema(sqlite3 *db, const char *db_name, const char *table, char **ws, char **coll,
                       char **columns, char **pzErr) {
    char *sql = sqlite3_mprintf("SELECT key, value FROM \"%w\".\"%w_rockset\"", db_name, table);
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (sql == NULL)
        return SQLITE_NOMEM;
    rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    sqlite3_free(sql);
    while (rc == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(stmt, 0);
        const char *value = (const char *)sqlite3_column_text(stmt, 1);
        char **slot = NULL;
        if (key != NULL && strcmp(key, "workspace") == 0)
            slot = ws;
        else if (key != NULL && strcmp(key, "collection") == 0)
            slot = coll;
        else if (key != NULL && strcmp(key, "columns") == 0)
            slot = columns;
        if (slot != NULL && value != NULL && *slot == NULL && (*slot = strdup(value)) == NULL)
            rc = SQLITE_NOMEM;
    }
    sqlite3_finalize(stmt);
    if (rc == SQLITE_OK && (*ws == NULL || *coll == NULL || *columns == NULL)) {
        *pzErr = sqlite3_mprintf("rockset: table %s: its schema table %s_rockset is missing or "
                                 "damaged; drop the table and create it again",
                                 table, table);
        rc = SQLITE_ERROR;
    }
    return rc;
}

int collection_info_get(rs_api *api, const char *ws, const char *coll, rs_collection *info,
                        rs_err *err) {
    rs_alias alias;
    rs_err alias_err;
    char *target = NULL, *target_ws = NULL, *target_coll = NULL;
    int rc = rs_api_collection_get(api, ws, coll, info, err);

    if (rc != RS_ENOTFOUND)
        return rc;
    memset(&alias, 0, sizeof(alias));
    rs_err_clear(&alias_err);
    if (rs_api_alias_get(api, ws, coll, &alias, &alias_err) != RS_OK)
        return rc; /* no alias either: the collection's own error stands */
    target = alias.collections_json ? strchr(alias.collections_json, '"') : NULL;
    if (target != NULL && strchr(target + 1, '"') != NULL) {
        *strchr(target + 1, '"') = '\0';
        rs_err_clear(err);
        rc = rs_api_split_name(target + 1, ws, &target_ws, &target_coll, err);
        if (rc == RS_OK)
            rc = rs_api_collection_get(api, target_ws, target_coll, info, err);
    }
    rs_alias_free(&alias);
    free(target_ws);
    free(target_coll);
    return rc;
}

/* At CREATE: resolve the collection, check it exists, find the columns, save them. */
static int create_schema(sqlite3 *db, rs_conn *conn, const char *const *argv,
                         const table_args *args, collection_vtab *vt, rs_buf *columns,
                         char **pzErr) {
    rs_collection info;
    rs_api *api = NULL;
    rs_err err;
    int rc;

    memset(&info, 0, sizeof(info));
    rs_err_clear(&err);
    rc = rs_api_split_name(args->collection, conn->cfg.workspace, &vt->ws, &vt->coll, &err);
    if (rc == RS_OK)
        rc = rs_conn_api(conn, &api, &err);
    if (rc == RS_OK)
        rc = collection_info_get(api, vt->ws, vt->coll, &info, &err);
    if (rc == RS_OK) {
        vt->doc_count = info.doc_count;
        vt->doc_count_at = collection_now();
        if (args->columns != NULL)
            rs_buf_puts(columns, args->columns);
        else
            rc = discover_columns(api, conn, vt->ws, vt->coll, columns, &err);
    }
    rs_collection_free(&info);
    if (rc == RS_OK && columns->oom)
        rc = rs_err_set(&err, RS_ENOMEM, "out of memory");
    if (rc != RS_OK) {
        *pzErr = sqlite3_mprintf("%s", err.msg);
        return rc == RS_ENOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
    }
    return save_schema(db, argv[1], argv[2], vt->ws, vt->coll, rs_buf_cstr(columns), pzErr);
}

/* ---------------------------------------------------------------- create / connect */

double collection_now(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long long collection_page_size(const collection_vtab *vt) {
    return vt->page_size > 0 ? vt->page_size : vt->conn->cfg.page_size;
}

int collection_batch_size(const collection_vtab *vt) {
    return vt->batch_size > 0 ? vt->batch_size : vt->conn->cfg.batch_size;
}

static void vtab_free(collection_vtab *vt) {
    if (vt == NULL)
        return;
    collection_writes_free(vt->writes);
    rs_schema_free(&vt->schema);
    free(vt->db_name);
    free(vt->table);
    free(vt->ws);
    free(vt->coll);
    sqlite3_free(vt->base.zErrMsg);
    free(vt);
}

/* The schema from a column list, declared to SQLite. */
static int declare_schema(sqlite3 *db, collection_vtab *vt, const char *columns, int allow_empty,
                          char **pzErr) {
    rs_buf decl = RS_BUF_INIT;
    rs_err err;
    int rc;

    rs_err_clear(&err);
    if (rs_schema_parse_columns(columns, allow_empty, &vt->schema, &err) != RS_OK) {
        *pzErr = sqlite3_mprintf("%s", err.msg);
        return err.code == RS_ENOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
    }
    if (rs_schema_declare(&vt->schema, &decl) != RS_OK) {
        rs_buf_free(&decl);
        return SQLITE_NOMEM;
    }
    rc = sqlite3_declare_vtab(db, rs_buf_cstr(&decl));
    if (rc != SQLITE_OK)
        *pzErr = sqlite3_mprintf("rockset: cannot declare columns: %s", sqlite3_errmsg(db));
    rs_buf_free(&decl);
    return rc;
}

static int collection_init(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                           sqlite3_vtab **ppVtab, char **pzErr, int is_create) {
    collection_vtab *vt = NULL;
    table_args args;
    rs_buf columns = RS_BUF_INIT;
    rs_schema check = RS_SCHEMA_INIT;
    char *stored = NULL;
    rs_err err;
    int rc;

    rc = parse_args(argc, argv, &args, pzErr);
    if (rc != SQLITE_OK)
        return rc;
    rs_err_clear(&err);
    if (args.columns != NULL && rs_schema_parse_columns(args.columns, 0, &check, &err) != RS_OK) {
        *pzErr = sqlite3_mprintf("%s", err.msg);
        rc = SQLITE_ERROR;
        goto done;
    }
    vt = calloc(1, sizeof(*vt));
    if (vt == NULL || collection_writes_new(&vt->writes) != RS_OK) {
        rc = SQLITE_NOMEM;
        goto done;
    }
    vt->conn = pAux;
    vt->db = db;
    vt->db_name = strdup(argv[1]);
    vt->table = strdup(argv[2]);
    if (vt->db_name == NULL || vt->table == NULL) {
        rc = SQLITE_NOMEM;
        goto done;
    }
    vt->doc_count = -2;
    vt->page_size = args.page_size;
    vt->batch_size = args.batch_size;
    if (is_create)
        rc = create_schema(db, vt->conn, argv, &args, vt, &columns, pzErr);
    else
        rc = load_schema(db, argv[1], argv[2], &vt->ws, &vt->coll, &stored, pzErr);
    if (rc == SQLITE_OK)
        rc = declare_schema(db, vt, is_create ? rs_buf_cstr(&columns) : stored, 1, pzErr);
    if (rc == SQLITE_OK) {
        *ppVtab = &vt->base;
        vt = NULL;
    }
done:
    vtab_free(vt);
    rs_schema_free(&check);
    rs_buf_free(&columns);
    free(stored);
    table_args_free(&args);
    return rc;
}

static int collectionCreate(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                            sqlite3_vtab **ppVtab, char **pzErr) {
    return collection_init(db, pAux, argc, argv, ppVtab, pzErr, 1);
}

static int collectionConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                             sqlite3_vtab **ppVtab, char **pzErr) {
    return collection_init(db, pAux, argc, argv, ppVtab, pzErr, 0);
}

static int collectionDisconnect(sqlite3_vtab *pVtab) {
    vtab_free((collection_vtab *)pVtab);
    return SQLITE_OK;
}

/* DROP TABLE: the shadow table goes too; the collection itself is never touched. */
static int collectionDestroy(sqlite3_vtab *pVtab) {
    collection_vtab *vt = (collection_vtab *)pVtab;
    char *sql =
        sqlite3_mprintf("DROP TABLE IF EXISTS \"%w\".\"%w_rockset\"", vt->db_name, vt->table);
    int rc;

    if (sql == NULL)
        return SQLITE_NOMEM;
    rc = sqlite3_exec(vt->db, sql, NULL, NULL, NULL);
    sqlite3_free(sql);
    if (rc == SQLITE_OK)
        vtab_free(vt);
    return rc;
}

/* ALTER TABLE ... RENAME: the shadow table follows. */
static int collectionRename(sqlite3_vtab *pVtab, const char *zNew) {
    collection_vtab *vt = (collection_vtab *)pVtab;
    char *sql, *name = strdup(zNew);
    int rc;

    sql = sqlite3_mprintf("ALTER TABLE \"%w\".\"%w_rockset\" RENAME TO \"%w_rockset\"", vt->db_name,
                          vt->table, zNew);
    if (sql == NULL || name == NULL) {
        sqlite3_free(sql);
        free(name);
        return SQLITE_NOMEM;
    }
    rc = sqlite3_exec(vt->db, sql, NULL, NULL, NULL);
    sqlite3_free(sql);
    if (rc == SQLITE_OK) {
        free(vt->table);
        vt->table = name;
    } else {
        free(name);
    }
    return rc;
}

static int collectionShadowName(const char *suffix) {
    return strcmp(suffix, "rockset") == 0;
}

static const sqlite3_module collection_module = {
    3,                    /* iVersion: savepoints and shadow names */
    collectionCreate,     /* xCreate */
    collectionConnect,    /* xConnect */
    collectionBestIndex,  /* xBestIndex */
    collectionDisconnect, /* xDisconnect */
    collectionDestroy,    /* xDestroy */
    collectionOpen,       /* xOpen */
    collectionClose,      /* xClose */
    collectionFilter,     /* xFilter */
    collectionNext,       /* xNext */
    collectionEof,        /* xEof */
    collectionColumn,     /* xColumn */
    collectionRowid,      /* xRowid: unused, the table is WITHOUT ROWID */
    collectionUpdate,     /* xUpdate */
    collectionBegin,      /* xBegin */
    collectionSync,       /* xSync: sends the buffered writes, so a failure fails COMMIT */
    collectionCommit,     /* xCommit */
    collectionRollback,   /* xRollback: drops the buffered writes, nothing is sent */
    NULL,                 /* xFindFunction */
    collectionRename,     /* xRename */
    collectionSavepoint,  /* xSavepoint */
    collectionRelease,    /* xRelease */
    collectionRollbackTo, /* xRollbackTo */
    collectionShadowName, /* xShadowName */
};

int rs_vtab_collection_register(rs_conn *conn, char **pzErr) {
    return rs_conn_create_module(conn, "rockset", &collection_module, pzErr);
}
