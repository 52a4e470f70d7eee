/*
 * enginepick.h - which engine answers a repeated statement, by the times each one took.
 *
 * The planner's rule (sqlx_duck.c, choose) sends an aggregate to the columns by counts: the
 * collection's size and the documents its field indexes would read. What a statement costs on
 * each engine depends on more than counts (a window function's partitions in DuckDB, the size
 * of the documents SQLite reads): on a million dashboard jobs, the LAG of one day's trunk jobs
 * took 2.8 ms on the columns and 1.3 ms on SQLite, where the rule picks the columns. A
 * dashboard sends the same statements again and again, so the server measures instead of
 * guessing: a statement (its text and parameters) runs PICK_WARM times as the rule says, then
 * PICK_SAMPLES times on the other engine (each engine's first run more, not counted: it pays
 * for plans and caches the next runs find made), and from then on on the engine whose median
 * time of its last runs is lower (the other must beat the rule's by PICK_MARGIN, so that noise does
 * not flip it). Every PICK_REPROBE runs the slower engine is measured again, as data grows. Both
 * engines give the same answers (the differential suite checks it), so the choice changes only
 * the time. SQLite is measured again, too, when an index its runs asked for may have been
 * built since it was measured slower. The other engine is tried only where the rule's choice was
 * one of cost: the columns when the rule refused them for counts alone, SQLite always. A hint
 * (HINT(access_path = ...)) is the user's choice and is not measured against.
 *
 * A try on the other engine has a budget (rl_enginepick_try_budget): past it the other engine
 * has lost at once, and a try on SQLite is stopped there (the query's progress handler) and the
 * statement answered by the rule's engine. So measuring costs one run of at most about three
 * times the rule's time (twice plus 5 ms for a slow statement), never the 90x a slow engine can
 * take (the dashboard's q03: 179 ms on SQLite against 2 ms on the columns). DuckDB has no
 * progress handler (its watchdog rounds every 50 ms), so a try on the columns runs to its end;
 * the columns are tried only for statements whose counts the rule found small.
 *
 * On by default; --engine-choice rule turns it off (docs/column-index.md).
 *
 * Ownership: the server owns one (rl_server.picks); keys are copied.
 * Thread-safety: every function may be called from any thread (one mutex).
 */
#ifndef RL_ENGINEPICK_H
#define RL_ENGINEPICK_H

#include <stddef.h>
#include <stdint.h>

#define PICK_WARM    3   /* runs as the rule says before the other engine is tried */
#define PICK_SAMPLES 3   /* runs on the other engine to measure it */
#define PICK_KEEP    5   /* the last times kept per engine (their median decides) */
#define PICK_MARGIN  0.8 /* the other engine's median must be under this share of the rule's */
#define PICK_REPROBE 256 /* runs after which the slower engine is measured again */
#define PICK_TRY_COLD_US                                                   \
    5000 /* the other engine's first try may take the rule's median        \
            and up to twice as much again, at most this: it pays for plans \
            and cold pages; later tries the rule's median alone: past it   \
            the other engine cannot win by PICK_MARGIN */

typedef enum rl_pick {
    RL_PICK_RULE = 0, /* the planner's rule decides (and the run tells what it chose) */
    RL_PICK_ROWS,     /* SQLite */
    RL_PICK_COLUMNS   /* the column index, whatever the counts say */
} rl_pick;

typedef struct rl_enginepick rl_enginepick;

/* A new, empty table; NULL when out of memory (then every statement follows the rule). */
rl_enginepick *rl_enginepick_new(void);
void rl_enginepick_free(rl_enginepick *p);

/* The engine for key's next run. indexes: the number of indexes built by use so far
 * (rl_pending_indexes_built); a statement measured slower on SQLite whose run there asked for
 * an index it lacked (rl_enginepick_asked) is measured there again once it moved, since that
 * index (a composite, built after the runs that asked) can make SQLite the faster. explain: for
 * EXPLAIN, which only shows the choice made (no run is asked to measure, nothing noted).
 * *rule_columns: the rule's choice as its last run saw it (1 the columns, 0 SQLite, -1 not
 * known). p may be NULL. */
rl_pick rl_enginepick_next(rl_enginepick *p, const char *key, int64_t indexes, int explain,
                           int *rule_columns);

/* A run of key on SQLite asked for an index it lacked, when indexes (rl_enginepick_next's) were
 * built: once more are, SQLite is measured again if it was measured slower. */
void rl_enginepick_asked(rl_enginepick *p, const char *key, int64_t indexes);

/* After a run of key asked for as pick: columns 1 when the columns answered it, us its time
 * (engine choice, printing and execution); cost_only 1 when the columns were refused for counts
 * alone (they may answer it), 0 when they may not (its shape, a replica catching up), -1 when
 * the run did not ask them. */
void rl_enginepick_done(rl_enginepick *p, const char *key, rl_pick pick, int columns, int cost_only,
                        int64_t us);

/* The time in microseconds past which a run of key on pick (as rl_enginepick_next asked) has
 * lost: the other engine's try while it is being measured, once the rule's engine has a
 * median; 0 for every other run (no budget). A run over it, told to rl_enginepick_done, ends
 * the other engine's measurement as a loss until the next PICK_REPROBE. */
int64_t rl_enginepick_try_budget(rl_enginepick *p, const char *key, rl_pick pick);

/* The measured medians, in ms, for EXPLAIN: 1 when both engines have been measured. */
int rl_enginepick_medians(rl_enginepick *p, const char *key, double *rows_ms, double *columns_ms);

#endif
