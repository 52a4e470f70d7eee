/*
 * xlcache.h - translations of SELECT statements kept while the store is unchanged.
 *
 * A dashboard sends the same statements with the same parameters again and again, and a
 * lookup's translation (parse, bind, plan, ask the catalog, print) cost as much server time as
 * answering it: 0.1 ms of a 0.3 ms indexed lookup on a million documents. A translation
 * depends on the statement, its parameters (the planner counts their ranges), its default row
 * limit, and the store: collections, aliases, views, the catalog of field paths and indexes,
 * the documents' counts. The store's generation (rl_store_generation) moves after every commit
 * that may change any of these, so a translation kept under the generation it was made at
 * serves while that generation lasts; under a stream of writes nothing is kept long, and
 * every statement is translated as before.
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

rl_xlcache *rl_xlcache_new(void);
void rl_xlcache_free(rl_xlcache *c);

/* 1 when key was kept at generation gen: *st is a copy of its translation (sqlx_stmt_free) and
 * *workspaces a copy of the workspaces it read, each followed by a NUL, the list ended by an
 * empty one (free). 0 (nothing set) when it was not, or on a copy's failure. */
int rl_xlcache_get(rl_xlcache *c, const char *key, int64_t gen, sqlx_stmt *st, char **workspaces);

/* Keep st and workspaces (as get returns them) under key at generation gen, in place of the
 * entry the key's slot held. A failure to copy keeps nothing. */
void rl_xlcache_put(rl_xlcache *c, const char *key, int64_t gen, const sqlx_stmt *st,
                    const char *workspaces, size_t workspaces_len);

#endif
