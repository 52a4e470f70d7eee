/*
 * kept.h - statements kept prepared on a connection between queries.
 *
 * A dashboard sends the same statements again and again, and translating each one asks the
 * catalog the same few questions (is this path indexed, how many rows per key, how many
 * documents in this range). Preparing a statement is SQLite's parse and code generation:
 * 20 to 60 us for a catalog question, 0.1 to 0.15 ms for a dashboard query, so a 0.5 ms
 * lookup spent more time preparing than answering. A kept statement is prepared once per
 * connection and reset between runs.
 *
 * The kept statements are the connection's own (sqlite3_next_stmt), told apart by a comment
 * that starts their text: nothing of ours outlives a connection, and rl_kept_close finalizes
 * them with it (and only them: a virtual table's own statements are its module's). A table of
 * the connection's own, kept beside it (kept.c), finds one by class and hash. Each class has its
 * own mark and limit: a run of distinct queries evicts the least recently used queries, never
 * the catalog's questions. Only this module finalizes a kept statement, and a connection that
 * holds any is closed with rl_kept_close.
 *
 * Thread-safety: a connection is used by one thread at a time (store.h), and so are its kept
 * statements; the tables of all connections are found under one lock.
 */
#ifndef RL_KEPT_H
#define RL_KEPT_H

#include <sqlite3.h>

typedef enum {
    RL_KEPT_QUERY,    /* a translated query's text: the 64 most recently used */
    RL_KEPT_ESTIMATE, /* a range count of the planner (texts carry their bounds): 32 */
    RL_KEPT_CATALOG,  /* a fixed catalog question: a handful of texts in the code */
    RL_KEPT_STORE,    /* a statement of rl_sql (store.h): the server's own texts, 64 */
    RL_KEPT_CONSTANT  /* a constant of a statement on the columns, evaluated by SQLite: 64 */
} rl_kept_class;

/* The connection's kept statement of class for sql (reset, no values bound), or a new one kept
 * from now on; past the class's limit its least recently used one is finalized. A statement of the
 * same text still running (a question asked again inside its own answer) is not shared: a new one
 * is prepared. Returns SQLite's code; on failure *out is NULL. */
int rl_kept_stmt(sqlite3 *db, rl_kept_class cls, const char *sql, sqlite3_stmt **out);

/* Done with a kept statement for now: reset (holding no snapshot) and its values cleared. */
void rl_kept_done(sqlite3_stmt *stmt);

/* Finalize db's kept statements and close it (sqlite3_close_v2: a virtual table's own
 * statements go with its disconnect). */
void rl_kept_close(sqlite3 *db);

#endif
