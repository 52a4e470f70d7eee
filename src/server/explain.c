/* explain.c - see explain.h. */
#include "explain.h"
#include "buf.h"
#include "fieldindex.h"
#include "jsonscan.h"
#include "server/sql/sqlxlate.h"
#include "store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RELS  64
#define MAX_STEPS 256

/* A relation r<n> of the translated SQL that reads a collection's table "<tbl>_data". */
typedef struct rel_name {
    int n;
    char tbl[128];
} rel_name;

typedef struct plan_names {
    rel_name rels[MAX_RELS];
    int n_rels;
} plan_names;

/* Every `"<tbl>_data" AS r<n>` the translator wrote (emit_table: a collection's read). */
static void find_rels(const char *sql, plan_names *pn) {
    static const char mark[] = "_data\" AS r";
    for (const char *p = strstr(sql, mark); p != NULL && pn->n_rels < MAX_RELS;
         p = strstr(p + 1, mark)) {
        const char *q = p;
        while (q > sql && q[-1] != '"')
            q--;
        size_t len = (size_t)(p - q);
        if (q == sql || len == 0 || len >= sizeof(pn->rels[0].tbl) ||
            !isdigit((unsigned char)p[sizeof(mark) - 1]))
            continue;
        rel_name *r = &pn->rels[pn->n_rels++];
        memcpy(r->tbl, q, len);
        r->tbl[len] = '\0';
        r->n = atoi(p + sizeof(mark) - 1);
    }
}

/* "ws.name" of the collection whose table is tbl, or tbl itself. */
static void put_collection(sqlite3 *db, rs_buf *out, const char *tbl) {
    char *name = NULL;
    if (rl_sql(db, &name, NULL, "SELECT ws || '.' || name FROM collections WHERE tbl = ?1", "s",
               tbl) == RS_OK &&
        name != NULL)
        rs_buf_puts(out, name);
    else
        rs_buf_puts(out, tbl);
    free(name);
}

/* rs_get arguments as SQL text ('a','b') written as a path: a.b */
static void put_path(rs_buf *out, const char *args) {
    for (const char *p = args; *p; p++) {
        if (strncmp(p, RL_FX_MEMBER_SEP, strlen(RL_FX_MEMBER_SEP)) == 0) {
            rs_buf_puts(out, "[*].");
            p += strlen(RL_FX_MEMBER_SEP) - 1;
        } else if (*p == '\'' && p[1] == '\'') { /* a quote inside a name */
            rs_buf_putc(out, '\'');
            p++;
        } else if (*p == ',') {
            rs_buf_putc(out, '.');
        } else if (*p != '\'') {
            rs_buf_putc(out, *p);
        }
    }
}

/* A composite index's columns (fx_comps.paths, a JSON array of path texts) as paths: a, b.c */
static void put_composite(rs_buf *out, const char *paths) {
    rs_jsonscan_iter it;
    rs_jsonscan_span value;
    rs_buf path = RS_BUF_INIT;
    int n = 0;
    rs_buf_puts(out, "composite index on ");
    if (rs_jsonscan_iter_init(&it, rs_jsonscan_cstr(paths)) == RS_OK)
        while (rs_jsonscan_iter_next(&it, NULL, &value) == 1) {
            rs_buf_reset(&path);
            if (rs_jsonscan_string_decode(value, &path, NULL) != RS_OK || path.oom)
                break;
            rs_buf_puts(out, n++ ? ", " : "");
            put_path(out, rs_buf_cstr(&path));
        }
    rs_buf_free(&path);
}

/* A function index: the twin that never fails told as the function the query wrote; an
 * expression key (its SQLite text: SQLX_IS_EXPR_KEY) as what it is of. */
static void put_function_index(rs_buf *out, const char *fn, const char *args) {
    int cast = strcmp(fn, SQLX_STR_KEY_FN) == 0;
    if (SQLX_IS_EXPR_KEY(fn)) {
        rs_buf_puts(out, "expression index on an expression of ");
        put_path(out, args);
        return;
    }
    rs_buf_printf(out, "function index on %s(",
                  cast                                  ? "CAST"
                  : strcmp(fn, SQLX_TS_ISO_KEY_FN) == 0 ? "PARSE_TIMESTAMP_ISO8601"
                  : strcmp(fn, SQLX_DT_ISO_KEY_FN) == 0 ? "PARSE_DATETIME_ISO8601"
                  : strncmp(fn, "rsf_", 4) == 0         ? fn + 4
                                                        : fn);
    put_path(out, args);
    rs_buf_puts(out, cast ? " AS string)" : ")");
}

/* An index name of the store ("<tbl>_fx<id>", "<tbl>_fn<id>", "<tbl>_cx<id>", a trigram
 * table "<tbl>_tri<id>") told as what it holds. */
static int put_index(sqlite3 *db, rs_buf *out, const char *name, size_t len) {
    char buf[192], *args = NULL, *fn = NULL;
    long long id;
    int kind = 0;
    if (len >= sizeof buf)
        return 0;
    memcpy(buf, name, len);
    buf[len] = '\0';
    char *cut = strrchr(buf, '_');
    if (cut != NULL && sscanf(cut, "_cx%lld", &id) == 1) {
        char *paths = NULL;
        int found = rl_sql(db, &paths, NULL, "SELECT paths FROM fx_comps WHERE id = ?1", "i",
                           (int64_t)id) == RS_OK &&
                    paths != NULL;
        if (found)
            put_composite(out, paths);
        free(paths);
        return found;
    }
    if (cut != NULL && sscanf(cut, "_tri%lld", &id) == 1) {
        int found = rl_sql(db, &args, NULL, "SELECT args FROM fx_funcs WHERE id = ?1", "i",
                           (int64_t)id) == RS_OK &&
                    args != NULL;
        if (found) {
            rs_buf_puts(out, "trigram index on ");
            put_path(out, args);
        }
        free(args);
        return found;
    }
    if (cut == NULL || sscanf(cut, "_f%*[xn]%lld", &id) != 1)
        return 0;
    kind = cut[2];
    if (kind == 'x' &&
        rl_sql(db, &args, NULL, "SELECT args FROM fx_paths WHERE id = ?1", "i", (int64_t)id) ==
            RS_OK &&
        args != NULL) {
        rs_buf_puts(out, "field index on ");
        put_path(out, args);
    } else if (kind == 'n' &&
               rl_sql(db, &fn, NULL, "SELECT fn FROM fx_funcs WHERE id = ?1", "i", (int64_t)id) ==
                   RS_OK &&
               fn != NULL &&
               rl_sql(db, &args, NULL, "SELECT args FROM fx_funcs WHERE id = ?1", "i",
                      (int64_t)id) == RS_OK &&
               args != NULL) {
        put_function_index(out, fn, args);
    } else {
        kind = 0;
    }
    free(args);
    free(fn);
    return kind != 0;
}

static const rel_name *rel_of(const plan_names *pn, const char *word, size_t len) {
    if (len < 2 || word[0] != 'r')
        return NULL;
    for (size_t i = 1; i < len; i++)
        if (!isdigit((unsigned char)word[i]))
            return NULL;
    int n = atoi(word + 1);
    for (int i = 0; i < pn->n_rels; i++)
        if (pn->rels[i].n == n)
            return &pn->rels[i];
    return NULL;
}

static int ends_with(const char *word, size_t len, const char *suffix) {
    size_t n = strlen(suffix);
    return len > n && memcmp(word + len - n, suffix, n) == 0;
}

/* One word of SQLite's plan text in the query's names. */
static void put_word(sqlite3 *db, const plan_names *pn, rs_buf *out, const char *word, size_t len) {
    const rel_name *r = rel_of(pn, word, len);
    char tbl[160];
    if (r != NULL) {
        put_collection(db, out, r->tbl);
        rs_buf_printf(out, " AS r%d", r->n);
        return;
    }
    if (len > 17 && strncmp(word, "sqlite_autoindex_", 17) == 0) { /* "<tbl>_data"'s key */
        rs_buf_puts(out, "primary key");
        return;
    }
    if (len > 2 && strncmp(word, "c_", 2) == 0 && len < sizeof tbl) {
        if (put_index(db, out, word, len))
            return;
        const char *suffix = ends_with(word, len, "_data")    ? "_data"
                             : ends_with(word, len, "_elems") ? "_elems"
                                                              : NULL;
        if (suffix != NULL) {
            memcpy(tbl, word, len - strlen(suffix));
            tbl[len - strlen(suffix)] = '\0';
            rs_buf_puts(out, strcmp(suffix, "_elems") == 0 ? "element index of " : "");
            put_collection(db, out, tbl);
            return;
        }
    }
    if (len == 6 && memcmp(word, "<expr>", 6) == 0) {
        rs_buf_puts(out, "key");
        return;
    }
    rs_buf_append(out, word, len);
}

/* SQLite's detail text with its names replaced; "USING INDEX x" reads "USING <what x is>". */
static void put_detail(sqlite3 *db, const plan_names *pn, rs_buf *out, const char *detail) {
    const char *p = detail;
    int rel, end = 0;
    /* rs_unnest is the only virtual table a translated query reads: its index number and
     * arguments are ours, not the user's */
    if (sscanf(detail, "SCAN r%d VIRTUAL TABLE INDEX %*d:%n", &rel, &end) == 1 && end > 0 &&
        detail[end] == '\0') {
        rs_buf_printf(out, "UNNEST AS r%d", rel);
        return;
    }
    static const char *const using_index[] = {"USING COVERING INDEX ", "USING INDEX "};
    while (*p) {
        int named = 0;
        for (size_t u = 0; u < sizeof using_index / sizeof using_index[0] && !named; u++) {
            size_t n = strlen(using_index[u]);
            named = strncmp(p, using_index[u], n) == 0 &&
                    (strncmp(p + n, "c_", 2) == 0 || strncmp(p + n, "sqlite_autoindex_", 17) == 0);
            if (named) { /* a field index: what it holds says more than "INDEX" */
                rs_buf_puts(out, "USING ");
                p += n;
            }
        }
        size_t len = 0;
        if (*p == '<') {
            len = strcspn(p, ">") + (strchr(p, '>') != NULL);
        } else {
            while (isalnum((unsigned char)p[len]) || p[len] == '_')
                len++;
        }
        if (len == 0) {
            rs_buf_putc(out, *p++);
            continue;
        }
        put_word(db, pn, out, p, len);
        p += len;
    }
}

int rl_explain(sqlite3 *db, const char *sqlite_sql, rl_explain_line_fn line, void *ctx,
               rs_err *err) {
    plan_names pn;
    int ids[MAX_STEPS], depths[MAX_STEPS], n_steps = 0, rc = RS_OK;
    sqlite3_stmt *st = NULL;
    rs_buf text = RS_BUF_INIT;
    char *eqp = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sqlite_sql);

    memset(&pn, 0, sizeof pn);
    find_rels(sqlite_sql, &pn);
    if (eqp == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    if (sqlite3_prepare_v2(db, eqp, -1, &st, NULL) != SQLITE_OK)
        rc = rs_err_set(err, RS_EINVAL, "cannot explain this query: %s", sqlite3_errmsg(db));
    while (rc == RS_OK && sqlite3_step(st) == SQLITE_ROW) {
        int id = sqlite3_column_int(st, 0), parent = sqlite3_column_int(st, 1), depth = 0;
        const char *detail = (const char *)sqlite3_column_text(st, 3);
        for (int i = 0; i < n_steps; i++)
            if (ids[i] == parent)
                depth = depths[i] + 1;
        if (n_steps < MAX_STEPS) {
            ids[n_steps] = id;
            depths[n_steps++] = depth;
        }
        rs_buf_reset(&text);
        for (int i = 0; i < depth; i++)
            rs_buf_puts(&text, "  ");
        put_detail(db, &pn, &text, detail != NULL ? detail : "");
        rc = text.oom ? rs_err_set(err, RS_ENOMEM, "out of memory") : line(ctx, rs_buf_cstr(&text));
    }
    sqlite3_finalize(st);
    sqlite3_free(eqp);
    rs_buf_free(&text);
    return rc;
}
