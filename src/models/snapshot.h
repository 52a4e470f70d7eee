/*
 * snapshot.h - dbt snapshots: a type-2 history of a query's rows in one Rockset collection.
 *
 * What it is for: materialize.c builds a model of kind RS_MAT_SNAPSHOT (materialized =
 * 'snapshot': rockset_import_dbt makes one of each {% snapshot %} block and YAML snapshot)
 * with rs_snapshot_build. The collection <workspace>.<name> holds every version of every row
 * of the snapshot's query, as dbt writes them: the query's columns, then
 *   dbt_scd_id      md5 of the unique key's values and dbt_updated_at joined by '|' (hex); it
 *                   is also the document's _id, so writing a version again replaces it
 *   dbt_updated_at  timestamp strategy: the row's updated_at; check strategy: the run's time
 *   dbt_valid_from  the same as dbt_updated_at
 *   dbt_valid_to    NULL for the current version, else when the next version began (or, for a
 *                   hard delete, the run's time)
 *   dbt_is_deleted  'True' / 'False', with hard_deletes: new_record only
 * The run's time is the server's CURRENT_DATETIME() (UTC), read once per run.
 *
 * Config (the model's merged config): strategy 'timestamp' (needs updated_at: a column) or
 * 'check' (needs check_cols: 'all' or a list of columns); unique_key (the model's, one column
 * or several); hard_deletes 'ignore' (default), 'invalidate' or 'new_record'
 * (invalidate_hard_deletes: true, dbt's older key, is 'invalidate').
 *
 * A run, each step one INSERT INTO the collection waited for (its commit fence):
 *   0. the collection is created when missing (an existing one must be managed);
 *   1. insert: a query row whose key has no current version, or whose latest current version
 *      changed (timestamp: its updated_at is later; check: a check column differs, NULL-safe;
 *      new_record: the latest is a deletion record), becomes a new version;
 *   2. new_record only: a key whose latest current version is not a deletion record and which
 *      the query no longer has gets a deletion record (dbt_is_deleted 'True');
 *   3. close: every current version with a later version of its key gets dbt_valid_to = the
 *      earliest later dbt_valid_from;
 *   4. invalidate only: a current version whose key the query no longer has gets
 *      dbt_valid_to = the run's time.
 * Every step reads the collection as it is, so a run that failed after any step and is run
 * again ends with the rows one whole run would have written: nothing lost, nothing twice.
 *
 * Errors (RS_EINVAL, "snapshot 'x': " first): "strategy must be 'timestamp' or 'check', not
 * 'y'", "strategy 'timestamp' needs updated_at", "strategy 'check' needs check_cols ('all' or a
 * list of columns)", "unique_key is required", "hard_deletes must be 'ignore', 'invalidate' or
 * 'new_record', not 'y'"; the client's errors unchanged. Threads: like rs_materialize.
 */
#ifndef RS_SNAPSHOT_H
#define RS_SNAPSHOT_H

#include "buf.h"
#include "err.h"
#include "materialize.h"

#include <stddef.h>

#define RS_SNAPSHOT_MAX_COLS 64

typedef enum rs_snapshot_deletes {
    RS_SNAP_IGNORE = 0,
    RS_SNAP_INVALIDATE,
    RS_SNAP_NEW_RECORD
} rs_snapshot_deletes;

typedef struct rs_snapshot_cfg {
    int check;        /* strategy check; else timestamp */
    char *updated_at; /* timestamp strategy */
    int check_all;    /* check_cols: 'all' */
    char *check_cols[RS_SNAPSHOT_MAX_COLS];
    size_t n_check_cols;
    rs_snapshot_deletes deletes;
} rs_snapshot_cfg;

/* Read the config (above) of snapshot `name`; c is always initialised (free it). */
int rs_snapshot_cfg_parse(const char *name, const char *config_json, rs_snapshot_cfg *c,
                          rs_err *err);
void rs_snapshot_cfg_free(rs_snapshot_cfg *c);

/* The SELECT of step `step` (1 insert, 2 deletion records, 3 close, 4 invalidate) for a
 * collection `relation` (quoted ws.name), the query sql, the keys, the run's time as an SQL
 * expression (now_sql), into out (what follows INSERT INTO <relation>). Steps that the config
 * does not take append nothing. */
int rs_snapshot_step_sql(int step, const rs_snapshot_cfg *c, const char *relation, const char *sql,
                         const char *const *keys, size_t n_keys, const char *now_sql, rs_buf *out,
                         rs_err *err);

/* A snapshot run (above) of job (kind RS_MAT_SNAPSHOT). out->action: "snapshot: N new
 * versions, M closed" (", D invalidated" / ", D deletion records"); rows_affected: N. */
int rs_snapshot_build(rs_api *api, const rs_mat_job *job, rs_mat_result *out, rs_err *err);

#endif
