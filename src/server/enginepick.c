/* enginepick.c - see enginepick.h. A direct-mapped table, as estcache.c: a key's hash picks its
 * one slot, and a new statement replaces an old one there (a dashboard's few dozen fit). */
#include "enginepick.h"
#include "hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 512

typedef struct times {
    int64_t us[PICK_KEEP];
    int n, next; /* n kept (at most PICK_KEEP); next: where the next one goes */
    int primed;  /* its first run is over (not kept: see note_time) */
} times;

typedef struct slot {
    char *key;
    uint64_t hash;
    int rule_columns; /* the rule's engine as last seen: 1 columns, 0 SQLite, -1 not yet */
    int other_ok;     /* the engine the rule did not choose may answer */
    times on[2];      /* [0] SQLite, [1] the columns */
    unsigned runs;    /* runs since the slower engine was last measured */
    int64_t asked_at; /* indexes when a run on SQLite last asked for one it lacked; -1 none */
} slot;

struct rl_enginepick {
    pthread_mutex_t lock;
    slot slots[SLOTS];
};

rl_enginepick *rl_enginepick_new(void) {
    rl_enginepick *p = calloc(1, sizeof(*p));
    if (p != NULL && pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p);
        return NULL;
    }
    return p;
}

void rl_enginepick_free(rl_enginepick *p) {
    if (p == NULL)
        return;
    for (int i = 0; i < SLOTS; i++)
        free(p->slots[i].key);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/* key's slot, or NULL when its slot holds another statement. */
static slot *find(rl_enginepick *p, const char *key, uint64_t h) {
    slot *s = &p->slots[h % SLOTS];
    return s->key != NULL && s->hash == h && strcmp(s->key, key) == 0 ? s : NULL;
}

static int64_t median(const times *t) {
    int64_t v[PICK_KEEP];
    memcpy(v, t->us, sizeof v);
    for (int i = 1; i < t->n; i++) /* insertion sort of at most PICK_KEEP values */
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            int64_t x = v[j];
            v[j] = v[j - 1];
            v[j - 1] = x;
        }
    return v[t->n / 2];
}

/* A try's budget on the engine columns (enginepick.h), or 0. */
static int64_t budget_of(const slot *s, int columns) {
    int rule = s->rule_columns;
    if (rule < 0 || columns == rule || s->on[rule].n == 0 || s->on[columns].n >= PICK_SAMPLES)
        return 0;
    int64_t m = median(&s->on[rule]);
    return s->on[columns].primed ? m : m + (2 * m < PICK_TRY_COLD_US ? 2 * m : PICK_TRY_COLD_US);
}

/* The engine measured faster (1 columns, 0 SQLite) once both are measured, else -1. */
static int faster(const slot *s) {
    int rule = s->rule_columns, other = !rule;
    if (s->on[rule].n == 0 || s->on[other].n < PICK_SAMPLES)
        return -1;
    return (double)median(&s->on[other]) < PICK_MARGIN * (double)median(&s->on[rule]) ? other
                                                                                      : rule;
}

static rl_pick pick_of(int columns) {
    return columns ? RL_PICK_COLUMNS : RL_PICK_ROWS;
}

static rl_pick next_of(slot *s, int64_t indexes, int explain) {
    if (s == NULL || s->rule_columns < 0 || !s->other_ok)
        return RL_PICK_RULE;
    int rule = s->rule_columns, best = faster(s);
    if (explain)
        return best < 0 || best == rule ? RL_PICK_RULE : pick_of(best);
    if (s->on[rule].n < PICK_WARM)
        return RL_PICK_RULE;
    if (s->on[!rule].n < PICK_SAMPLES)
        return pick_of(!rule); /* measuring the other engine */
    if (best == 1 && s->asked_at >= 0 && s->asked_at != indexes) {
        /* SQLite measured slower, before an index it asked for was built */
        s->asked_at = -1;
        s->runs = 0;
        memset(&s->on[0], 0, sizeof s->on[0]);
        return rule == 0 ? RL_PICK_RULE : RL_PICK_ROWS;
    }
    if (++s->runs >= PICK_REPROBE) {
        s->runs = 0;
        memset(&s->on[!best], 0, sizeof s->on[!best]); /* the slower one, measured again */
    }
    return best == rule ? RL_PICK_RULE : pick_of(best);
}

rl_pick rl_enginepick_next(rl_enginepick *p, const char *key, int64_t indexes, int explain,
                           int *rule_columns) {
    *rule_columns = -1;
    if (p == NULL || key == NULL)
        return RL_PICK_RULE;
    uint64_t h = rs_fnv1a64(key, strlen(key));
    pthread_mutex_lock(&p->lock);
    slot *s = find(p, key, h);
    rl_pick pick = next_of(s, indexes, explain);
    if (s != NULL)
        *rule_columns = s->rule_columns;
    pthread_mutex_unlock(&p->lock);
    return pick;
}

/* key's slot, made (replacing whatever held it) when missing; NULL when out of memory. */
static slot *claim(rl_enginepick *p, const char *key, uint64_t h) {
    slot *s = find(p, key, h);
    if (s != NULL)
        return s;
    char *copy = strdup(key);
    if (copy == NULL)
        return NULL;
    s = &p->slots[h % SLOTS];
    free(s->key);
    memset(s, 0, sizeof *s);
    s->key = copy;
    s->hash = h;
    s->rule_columns = -1;
    s->asked_at = -1;
    return s;
}

/* The first run on an engine (and the first after its times were dropped) is not kept: it
 * pays for what the next ones find made (DuckDB's plan of the text, SQLite's translation kept,
 * pages read into the caches), 3.5 ms against 1 ms on the columns for a dashboard aggregate. */
static void note_time(times *t, int64_t us) {
    if (!t->primed) {
        t->primed = 1;
        return;
    }
    t->us[t->next] = us;
    t->next = (t->next + 1) % PICK_KEEP;
    t->n += t->n < PICK_KEEP;
}

/* A run as the rule said: a rule that now chooses otherwise (the replica caught up, the
 * collection grew past the columns' threshold) starts the measurements again. */
static void note_rule(slot *s, int columns, int cost_only) {
    if (s->rule_columns != columns) {
        memset(s->on, 0, sizeof s->on);
        s->runs = 0;
        s->rule_columns = columns;
    }
    if (columns)
        s->other_ok = 1; /* SQLite answers every statement */
    else if (cost_only >= 0)
        s->other_ok = cost_only;
}

/* A try over its budget: the other engine lost, its times as many as a full measurement. */
static void note_lost(times *t, int64_t us) {
    for (int i = 0; i < PICK_SAMPLES; i++)
        t->us[i] = us;
    t->n = PICK_SAMPLES;
    t->next = PICK_SAMPLES % PICK_KEEP;
    t->primed = 1;
}

void rl_enginepick_asked(rl_enginepick *p, const char *key, int64_t indexes) {
    if (p == NULL || key == NULL)
        return;
    uint64_t h = rs_fnv1a64(key, strlen(key));
    pthread_mutex_lock(&p->lock);
    slot *s = find(p, key, h);
    if (s != NULL)
        s->asked_at = indexes;
    pthread_mutex_unlock(&p->lock);
}

int64_t rl_enginepick_try_budget(rl_enginepick *p, const char *key, rl_pick pick) {
    if (p == NULL || key == NULL || pick == RL_PICK_RULE)
        return 0;
    uint64_t h = rs_fnv1a64(key, strlen(key));
    pthread_mutex_lock(&p->lock);
    slot *s = find(p, key, h);
    int64_t budget = s != NULL ? budget_of(s, pick == RL_PICK_COLUMNS) : 0;
    pthread_mutex_unlock(&p->lock);
    return budget;
}

void rl_enginepick_done(rl_enginepick *p, const char *key, rl_pick pick, int columns, int cost_only,
                        int64_t us) {
    if (p == NULL || key == NULL)
        return;
    uint64_t h = rs_fnv1a64(key, strlen(key));
    pthread_mutex_lock(&p->lock);
    slot *s = pick == RL_PICK_RULE ? claim(p, key, h) : find(p, key, h);
    if (s != NULL && pick == RL_PICK_RULE)
        note_rule(s, columns, cost_only);
    int64_t budget = s != NULL && pick != RL_PICK_RULE ? budget_of(s, columns) : 0;
    if (s != NULL && pick == RL_PICK_COLUMNS && !columns)
        s->other_ok = 0; /* the columns refused it after all: the rule's next run says more */
    else if (budget > 0 && us > budget)
        note_lost(&s->on[columns], us);
    else if (s != NULL && s->rule_columns >= 0)
        note_time(&s->on[columns], us);
    pthread_mutex_unlock(&p->lock);
}

int rl_enginepick_medians(rl_enginepick *p, const char *key, double *rows_ms, double *columns_ms) {
    if (p == NULL || key == NULL)
        return 0;
    uint64_t h = rs_fnv1a64(key, strlen(key));
    pthread_mutex_lock(&p->lock);
    slot *s = find(p, key, h);
    int both = s != NULL && s->on[0].n > 0 && s->on[1].n > 0;
    if (both) {
        *rows_ms = (double)median(&s->on[0]) / 1e3;
        *columns_ms = (double)median(&s->on[1]) / 1e3;
    }
    pthread_mutex_unlock(&p->lock);
    return both;
}
