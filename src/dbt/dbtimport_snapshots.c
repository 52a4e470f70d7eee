/*
 * dbtimport_snapshots.c - dbt snapshots into rockset_models rows of materialized 'snapshot'
 * (src/models/snapshot.h runs them):
 *
 *   snapshots/orders_snapshot.sql      (snapshot-paths; dbt's block, several per file allowed)
 *     {% snapshot orders_snapshot %}
 *     {{ config(target_schema='snapshots', unique_key='id', strategy='timestamp',
 *               updated_at='updated_at', invalidate_hard_deletes=True) }}
 *     select * from {{ source('shop', 'orders') }}
 *     {% endsnapshot %}
 *   -> name orders_snapshot, sql = the text between the tags, config() read as a model's
 *
 *   models/x.yml (dbt 1.9)              snapshots:
 *                                         - name: orders_snapshot
 *                                           relation: source('shop', 'orders')   (or ref('m'))
 *                                           config: {schema: snapshots, unique_key: id,
 *                                                    strategy: check, check_cols: all,
 *                                                    hard_deletes: invalidate}
 *   -> sql "select * from {{ source('shop', 'orders') }}", the config: keys as a model's.
 * Errors name the file: "snapshots/x.sql: {% snapshot x %} has no {% endsnapshot %}",
 * "models/x.yml line 3 column 5: snapshot 'x' needs relation: (ref('m') or source('s', 't'))".
 */
#include "dbtimport_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* The tag at p ("{%" ["-"] word ... ["-"] "%}"): 1 when its first word is `word`; *name gets
 * the second word (when name_cap > 0) and *end the first byte after the tag. */
static int tag_is(const char *p, const char *word, char *name, size_t name_cap, const char **end) {
    const char *q = p + 2, *close;
    size_t n = strlen(word), len;

    if (*q == '-')
        q++;
    while (isspace((unsigned char)*q))
        q++;
    if (strncmp(q, word, n) != 0 || !(isspace((unsigned char)q[n]) || q[n] == '-' || q[n] == '%'))
        return 0;
    close = strstr(q, "%}");
    if (close == NULL)
        return 0;
    *end = close + 2;
    if (name_cap == 0)
        return 1;
    q += n;
    while (isspace((unsigned char)*q))
        q++;
    len = strspn(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
    if (len == 0 || len >= name_cap)
        return 0;
    memcpy(name, q, len);
    name[len] = '\0';
    return 1;
}

/* Every {% snapshot %} block of one file. */
static int read_blocks(dbt_loader *ld, const char *rel, const char *text, rs_err *err) {
    const char *p = text, *body, *stop;
    char name[256], *sql;
    int rc = RS_OK;

    while (rc == RS_OK && (p = strstr(p, "{%")) != NULL) {
        if (!tag_is(p, "snapshot", name, sizeof(name), &body)) {
            p += 2;
            continue;
        }
        for (stop = strstr(body, "{%"); stop != NULL && !tag_is(stop, "endsnapshot", NULL, 0, &p);
             stop = strstr(stop + 2, "{%"))
            ;
        if (stop == NULL)
            return rs_err_set(err, RS_EINVAL, "%s: {%% snapshot %s %%} has no {%% endsnapshot %%}",
                              rel, name);
        sql = strndup(body, (size_t)(stop - body));
        if (sql == NULL)
            return rs_err_set(err, RS_ENOMEM, "out of memory");
        rc = dbt_add_snapshot(ld, rel, name, sql, err);
    }
    return rc;
}

int dbt_read_snapshot_files(dbt_loader *ld, rs_err *err) {
    dbt_strv files = {0};
    char *text = NULL;
    size_t i, j, len;
    int rc = RS_OK;

    for (i = 0; rc == RS_OK && i < ld->snapshot_paths.n; i++) {
        rc = dbt_walk(ld, ld->snapshot_paths.v[i], &files, err);
        for (j = 0; rc == RS_OK && j < files.n; j++) {
            size_t n = strlen(files.v[j]);
            if (n < 4 || strcmp(files.v[j] + n - 4, ".sql") != 0)
                continue;
            rc = dbt_read_file(ld, files.v[j], &text, &len, err);
            if (rc == RS_OK)
                rc = read_blocks(ld, files.v[j], text, err);
            free(text);
            text = NULL;
        }
        dbt_strv_free(&files);
    }
    return rc;
}

/* One entry of a property file's snapshots: list. */
static int read_entry(dbt_loader *ld, dbt_yaml *y, yaml_node_t *e, rs_err *err) {
    const char *name = dbt_yaml_scalar(dbt_yaml_get(y, e, "name"));
    const char *relation = dbt_yaml_scalar(dbt_yaml_get(y, e, "relation"));
    char *sql = NULL;
    int rc;

    if (e->type != YAML_MAPPING_NODE || name == NULL)
        return dbt_yaml_fail(y, e, err, RS_EINVAL, "a snapshots: entry needs name:");
    if (relation == NULL)
        return dbt_yaml_fail(y, e, err, RS_EINVAL,
                             "snapshot '%s' needs relation: (ref('m') or source('s', 't'))", name);
    if (asprintf(&sql, "select * from {{ %s }}\n", relation) < 0)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    rc = dbt_add_snapshot(ld, y->path, name, sql, err);
    if (rc == RS_OK)
        rc = dbt_config_apply_map(&ld->configs[ld->p->n_models - 1], y,
                                  dbt_yaml_get(y, e, "config"), err);
    return rc;
}

int dbt_read_snapshot_entries(dbt_loader *ld, dbt_yaml *y, yaml_node_t *list, rs_err *err) {
    yaml_node_item_t *item;
    int rc = RS_OK;

    if (list->type != YAML_SEQUENCE_NODE)
        return dbt_yaml_fail(y, list, err, RS_EINVAL, "snapshots: must be a list");
    for (item = list->data.sequence.items.start;
         rc == RS_OK && item < list->data.sequence.items.top; item++)
        rc = read_entry(ld, y, dbt_yaml_node(y, *item), err);
    return rc;
}
