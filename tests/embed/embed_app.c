/*
 * embed_app.c - an application that links SQLite itself and embeds rockset_ext statically,
 * built exactly as the install instructions say:
 *
 *   cc -o embed_app embed_app.c $(pkg-config --cflags --libs rockset_ext)
 *   ROCKSET_APISERVER=http://127.0.0.1:3000 ROCKSET_APIKEY=... ./embed_app ['SQL' ...]
 *
 * It opens an in-memory database, registers the extension on it with rockset_ext_register,
 * prints rockset_version(), then runs each SQL argument (by default a query against the Rockset
 * server the environment names) and prints every result row as its columns joined by '|'
 * (NULL as "NULL"). An error is printed as "error: <message>" on stderr and the exit status is 1.
 * tests/e2e/test_install.py installs the project into a scratch DESTDIR, builds this file
 * against it with pkg-config and checks what it prints.
 */
#include <rockset_ext.h>
#include <sqlite3.h>

#include <stdio.h>

static const char *const default_sql[] = {
    "SELECT rockset_connect()",
    "SELECT json_extract(doc, '$.n'), json_extract(doc, '$.s') "
    "FROM rockset_query('SELECT 40 + 2 AS n, ''embedded'' AS s')",
};

/* Run sql, printing each row; 0 on success, 1 after printing the error. */
static int run_sql(sqlite3 *db, const char *sql) {
    sqlite3_stmt *stmt = NULL;
    int rc, i;

    rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        for (i = 0; i < sqlite3_column_count(stmt); i++) {
            const unsigned char *text = sqlite3_column_text(stmt, i);
            printf("%s%s", i > 0 ? "|" : "", text != NULL ? (const char *)text : "NULL");
        }
        printf("\n");
        rc = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "error: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    sqlite3 *db = NULL;
    char *errmsg = NULL;
    int status = 1, i;

    if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
        fprintf(stderr, "error: cannot open an in-memory database\n");
        goto done;
    }
    if (rockset_ext_register(db, &errmsg) != SQLITE_OK) {
        fprintf(stderr, "error: rockset_ext_register: %s\n", errmsg ? errmsg : "(no message)");
        goto done;
    }
    if (run_sql(db, "SELECT 'rockset_ext ' || rockset_version()") != 0)
        goto done;
    status = 0;
    if (argc > 1) {
        for (i = 1; i < argc && status == 0; i++)
            status = run_sql(db, argv[i]);
    } else {
        for (i = 0; i < (int)(sizeof(default_sql) / sizeof(default_sql[0])) && status == 0; i++)
            status = run_sql(db, default_sql[i]);
    }
done:
    sqlite3_free(errmsg);
    sqlite3_close(db);
    return status;
}
