/*
 * xlcache.h - translations of SELECT statements kept while the store is unchanged.
 *
 * A dashboard sends the same statements with the same parameters again and again, and a
 * lookup's translation (parse, bind, plan, ask the catalog, print) cost as much server time as
 * answering it: 0.1 ms of a 0.3 ms indexed lookup on a million documents. A translation
 * depends on the statement, its parameters (the planner counts their ranges), its default row
 * limit, and the store: collections, aliases, views, the catalog of field paths and indexes,
 * the schema, and the documents' counts. The store's generation (rl_store_generation) moves
 * after every commit that may change any of these but the counts, so a translation kept under
 * the generation and schema version it was made at serves while they last. Counts only choose
 * among access paths (every conjunct stays; docs/indexing.md), so a stream of document writes
 * (the data generation, rl_store_data_generation) leaves a translation serving for
 * RL_XLCACHE_DATA_TTL_MS, as the planner's counts are kept (estcache.h): under a stream of
 * writes a dashboard's statements are translated again at most every two seconds each.
 *
 * What it does not cover, the caller checks: the caller's privileges (the workspaces read are
 * kept with the translation, checked again on every use), and the column engine's choice (only
 * statements the columns refuse for their shape are kept).
 *
 * Ownership: the server owns one (rl_server.translations); get returns copies.
 * Thread-safety: every function may be called from any thread (one mutex).
 */
#ifndef RL_XLCACHE_H
#define RL_XLCACHE_H

#include "server/sql/sqlxlate.h"

#include <stddef.h>
#include <stdint.h>

typedef struct rl_xlcache rl_xlcache;

/* How long a translation serves while only documents changed since it was made. */
#define RL_XLCACHE_DATA_TTL_MS 2000

/* When a translation was made, or is asked for: the store's generations, the connection's
 * schema version, the monotonic clock. */
typedef struct rl_xl_stamp {
    int64_t gen, data_gen;
    int schema_version;
    int64_t mono_ms;
} rl_xl_stamp;

rl_xlcache *rl_xlcache_new(void);
void rl_xlcache_free(rl_xlcache *c);

/* 1 when key was kept at a stamp that still serves at now (same generation and schema version;
 * same data generation, or made at most RL_XLCACHE_DATA_TTL_MS before): *st is a copy of its
 * translation (sqlx_stmt_free) and *workspaces a copy of the workspaces it read, each followed
 * by a NUL, the list ended by an empty one (free). 0 (nothing set) when not, or on a copy's
 * failure. A negative generation finds nothing. */
int rl_xlcache_get(rl_xlcache *c, const char *key, const rl_xl_stamp *now, sqlx_stmt *st,
                   char **workspaces);

/* Keep st and workspaces (as get returns them) under key, made at stamp made, in place of the
 * entry the key's slot held. A failure to copy keeps nothing. */
void rl_xlcache_put(rl_xlcache *c, const char *key, const rl_xl_stamp *made, const sqlx_stmt *st,
                    const char *workspaces, size_t workspaces_len);

#endif
