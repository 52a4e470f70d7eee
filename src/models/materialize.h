/*
 * materialize.h - building one model on Rockset: the materializations of docs/reference.md
 * (Models).
 *
 * What it is for: the model runner (runner.h) and rockset_materialize() hand one fully compiled
 * model (rs_mat_job: kind, relation, SQL already rendered) to rs_materialize, which talks to
 * Rockset through the given client and reports what it did. Nothing here knows SQLite or
 * templates; compile.h produces the SQL, ext/fn_models.c the jobs.
 *
 *   view          the view ws.name is created, or its query updated when it exists; then waited
 *                 on until it is no longer SYNCING.
 *   table         (docs/semantics.md section 5) job->swap_alias, the default: first the model's
 *                 strays are dropped - collections named "<name>__rs<digits>" (rs_mat_swap_name)
 *                 whose description marks this model and that no alias of the org points to,
 *                 left by a build that was killed or failed -; then the rows go to a fresh
 *                 collection "<name>__rs<ms>" (created, wait READY, `INSERT INTO` as an async
 *                 query that is polled, then its commit fence with the insert's last_offset),
 *                 and only then is the alias ws.name switched to it, after which the collections
 *                 it pointed to before are dropped (when they mark this model and no alias points
 *                 to them). Readers keep the last good rows until the switch. A managed
 *                 collection or view under the name (an older build: the migration) is dropped
 *                 right before the alias is created; the action then says for how long the name
 *                 answered nothing: "replaced table (moved behind an alias; the name answered
 *                 nothing for N ms)". Without swap_alias (config.swap = 'none'): a managed
 *                 relation of that name is dropped (a collection waited on until gone), the
 *                 collection ws.name is created and filled the same way.
 *   incremental   no relation yet, full_refresh, an empty collection (an earlier build that
 *                 failed before its rows landed), or an alias whose collection is empty or gone:
 *                 as table. Otherwise `INSERT INTO` the collection under the name, or the one
 *                 the alias points to, with sql_incremental, then that collection's fence.
 *                 Both variants are keyed (rs_mat_keyed_sql) when unique_key names columns.
 *   rollup        (docs/reference.md, Materializations) as table, with swap_alias or not, but
 *                 the collection is created with field_mapping_query {"sql": job->sql}, the
 *                 model's SQL reading _input, and filled with
 *                 `INSERT INTO <it> SELECT * FROM <job->input_sql>`: every document of the
 *                 relation goes through the transformation on the server, which keeps one
 *                 document per group (a rollup) up to date as more arrive. Actions "created
 *                 rollup", "replaced rollup" (and the migration's wording).
 *   ephemeral     nothing is sent.
 *   query_lambda  the lambda is created, or a new version of it is made; default_params_json
 *                 becomes its default parameters; each tag is pointed at the new version
 *                 (Rockset moves `latest` itself).
 * pre_hooks run before anything else and post_hooks after, each as an async query.
 * Failures: a build that fails transiently (a 5xx, a lost connection: rs_http_err_is_transient)
 * is done again from the start, up to job->retries times with backoff, while that is safe: every
 * kind converges when repeated (a table drops what the failed try made, a view is updated, a
 * keyed incremental insert replaces the same _ids, a lambda whose newest version already holds
 * this SQL and these parameters gets no other version), except once a hook was sent or an
 * incremental insert without unique_key was submitted. Then the error is kept and ends with
 *   "; not retried: <why>" (out->not_repeatable), telling the user what to check; when the
 * retries ran out it ends with "; gave up after <N> tries".
 * A swap-alias build that fails drops the fresh collection it made (best effort; what stays is
 * dropped by the model's next build).
 * A missing workspace is created (with the ownership mark) on the first create that needs it.
 * The collections a table, incremental or rollup build creates carry job->collection
 * (rs_collection_options); those of a snapshot do not.
 *
 * Ownership: everything created carries job->description (the mark of managed.h, naming the
 * model). A relation found in the way - to replace, update or insert into - must pass
 * job->is_managed(description), else nothing is changed and the error is (RS_EINVAL)
 *   "rockset: refusing to replace collection ws.x: it was not created by rockset_ext (its
 *    description has no 'managed by rockset_ext' mark); drop it with rockset_drop('ws.x', 1) or
 *    give the model another alias"
 * ("replace" / "update" / "insert into"; "collection" / "view" / "alias" / "query lambda").
 * Other errors are the client's (api.h), unchanged.
 *
 * Memory: a job only borrows its strings. rs_mat_result fields are malloc'd and freed with
 * rs_mat_result_free. Thread-safety: rs_materialize uses only its arguments; run jobs on several
 * threads with one rs_api each.
 */
#ifndef RS_MATERIALIZE_H
#define RS_MATERIALIZE_H

#include "api/api.h"
#include "buf.h"
#include "err.h"

#include <stddef.h>

typedef enum rs_mat_kind {
    RS_MAT_VIEW = 0,
    RS_MAT_TABLE,
    RS_MAT_INCREMENTAL,
    RS_MAT_EPHEMERAL,
    RS_MAT_QUERY_LAMBDA,
    RS_MAT_SEED,     /* a dbt seed (rockset_seeds): a graph node ref() can name; rockset_seed and
                        rockset_build fill it, rs_materialize refuses it */
    RS_MAT_SNAPSHOT, /* a dbt snapshot: a type-2 history collection (snapshot.h) */
    RS_MAT_ROLLUP    /* a collection whose ingest transformation is the model's SQL */
} rs_mat_kind;

/* "view", "table", "incremental", "ephemeral", "query_lambda", "snapshot", "rollup" -> kind:
 * RS_OK, else RS_EINVAL "unknown materialization 'x' (use view, table, incremental, ephemeral,
 * query_lambda, snapshot or rollup)".
 * "seed" is not parsed: only a rockset_seeds row makes a seed. rs_mat_kind_name names it. */
int rs_mat_kind_parse(const char *text, rs_mat_kind *out, rs_err *err);
const char *rs_mat_kind_name(rs_mat_kind kind);

typedef struct rs_mat_job {
    const char *model; /* model name, for messages */
    rs_mat_kind kind;
    const char *workspace; /* relation = workspace.name, both unquoted */
    const char *name;
    const char *sql;               /* compiled SQL (is_incremental() false) */
    const char *sql_incremental;   /* incremental: compiled with is_incremental() true */
    const char *const *unique_key; /* key columns; none, or the single "_id", = natural ids */
    size_t n_unique_key;
    const char *description; /* description of what is created (the ownership mark) */
    int swap_alias;          /* table / full incremental builds: config.swap 'alias' (default) */
    const char *const *pre_hooks;
    size_t n_pre_hooks;
    const char *const *post_hooks;
    size_t n_post_hooks;
    const char *default_params_json; /* query_lambda: JSON array of {name,type,value}; NULL = [] */
    const char *const *tags;         /* query_lambda: tags pointed at the new version */
    size_t n_tags;
    int full_refresh;
    long timeout_ms; /* bound of every wait */
    int retries;     /* times a model that failed transiently is built again when that is safe */
    int (*is_managed)(const char *description); /* the ownership test; required */
    const char *config_json; /* snapshot: the merged config (strategy, updated_at, ...) */
    /* table, incremental, rollup: what the collections made for the model are created with
     * (config field_mapping_query, retention_secs, event_time_info); other kinds ignore it. A
     * rollup's field_mapping_sql is its sql, whatever this holds. */
    rs_collection_options collection;
    const char *input_sql; /* rollup: the relation its sql reads as _input (SQL text) */
} rs_mat_job;

typedef struct rs_mat_result {
    char *action;            /* "created view", "updated view", "created table", "replaced table",
                                "replaced table (moved behind an alias; the name answered
                                nothing for N ms)", "inserted into table", "created query
                                lambda", "updated query lambda", "inlined ephemeral", "created
                                rollup", "replaced rollup"; NULL on failure */
    char *relation;          /* "ws.name", unquoted */
    char *query_id;          /* id of the INSERT INTO query; NULL when none ran */
    char *version;           /* query_lambda: the version made */
    long long rows_affected; /* documents inserted; -1 when unknown or not applicable */
    int attempts;            /* builds tried (1 + retries used) */
    const char *not_repeatable; /* set once a step that must not run twice was sent (static
                                   text saying why); a failure after it is not retried */
} rs_mat_result;

void rs_mat_result_init(rs_mat_result *r);
void rs_mat_result_free(rs_mat_result *r); /* NULL-safe; leaves it initialised */

/* Build one model (see the top of this file). out (initialised) is filled as far as the work
 * went, also on failure (relation, query_id). */
int rs_materialize(rs_api *api, const rs_mat_job *job, rs_mat_result *out, rs_err *err);

/* For snapshot.c: make sure the collection job->workspace.job->name exists (created with the
 * ownership mark, the workspace too when missing; an existing one must be a managed
 * collection, else the refusal above); *created 1 when it was made now. */
int rs_mat_ensure_collection(rs_api *api, const rs_mat_job *job, int *created, rs_err *err);
/* For snapshot.c: INSERT INTO the job's collection <sql>, waited for (its fence); *inserted gets
 * num_docs_inserted (-1 unknown); out->query_id the query's id. */
int rs_mat_insert(rs_api *api, const rs_mat_job *job, const char *sql, long long *inserted,
                  rs_mat_result *out, rs_err *err);

/* --- pure helpers, exposed for compile.c and unit tests --- */

/* Append an identifier as Rockset SQL: bare when it is [A-Za-z_][A-Za-z0-9_]* and not a
 * reserved word, else in double quotes with '"' doubled. RS_OK or RS_ENOMEM. */
int rs_mat_quote_ident(rs_buf *out, const char *ident);
/* Append ws.name, each part quoted as needed. */
int rs_mat_relation_sql(rs_buf *out, const char *ws, const char *name);

/* Append sql wrapped so that the unique key becomes the document _id:
 *   SELECT * EXCEPT (_id), CAST(k AS string) AS _id FROM (<sql>) AS __rs_keyed
 * several keys: CONCAT(CAST(a AS string), '|', CAST(b AS string)). With no keys, or the single
 * key "_id", sql is appended unchanged. */
int rs_mat_keyed_sql(rs_buf *out, const char *sql, const char *const *keys, size_t n_keys);

/* Append the name of a fresh swap collection for relation name: "<name>__rs<stamp_ms>". */
int rs_mat_swap_name(rs_buf *out, const char *name, long long stamp_ms);

#endif
