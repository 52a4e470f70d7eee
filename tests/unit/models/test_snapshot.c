/*
 * test_snapshot.c - unit tests of src/models/snapshot.c without a server: the config (both
 * strategies, hard_deletes and dbt's older invalidate_hard_deletes, every error text) and the
 * SQL of each step. The runs themselves are tests/e2e/test_dbt_snapshots.py. No network.
 */
#include "models/snapshot.h"
#include "testlib.h"

#include <string.h>

static rs_err err;

static const char *parse(const char *json, rs_snapshot_cfg *c) {
    rs_err_clear(&err);
    return rs_snapshot_cfg_parse("s", json, c, &err) == RS_OK ? "ok" : err.msg;
}

static void test_config(void) {
    rs_snapshot_cfg c;

    CHECK_STR("cfg/timestamp", parse("{\"strategy\":\"timestamp\",\"updated_at\":\"u\"}", &c),
              "ok");
    CHECK("cfg/timestamp_fields",
          !c.check && strcmp(c.updated_at, "u") == 0 && c.deletes == RS_SNAP_IGNORE);
    rs_snapshot_cfg_free(&c);
    CHECK_STR("cfg/check_list",
              parse("{\"strategy\":\"check\",\"check_cols\":[\"a\",\"b\"],"
                    "\"invalidate_hard_deletes\":true}",
                    &c),
              "ok");
    CHECK("cfg/check_fields", c.check && c.n_check_cols == 2 && !c.check_all &&
                                  strcmp(c.check_cols[1], "b") == 0 &&
                                  c.deletes == RS_SNAP_INVALIDATE);
    rs_snapshot_cfg_free(&c);
    CHECK_STR("cfg/check_all",
              parse("{\"strategy\":\"check\",\"check_cols\":\"all\",\"hard_deletes\":"
                    "\"new_record\"}",
                    &c),
              "ok");
    CHECK("cfg/check_all_fields", c.check_all && c.deletes == RS_SNAP_NEW_RECORD);
    rs_snapshot_cfg_free(&c);
    CHECK_STR("cfg/no_updated_at", parse("{}", &c),
              "snapshot 's': strategy 'timestamp' needs updated_at");
    rs_snapshot_cfg_free(&c);
    CHECK_STR("cfg/no_check_cols", parse("{\"strategy\":\"check\",\"check_cols\":\"some\"}", &c),
              "snapshot 's': strategy 'check' needs check_cols ('all' or a list of columns)");
    rs_snapshot_cfg_free(&c);
    CHECK_STR("cfg/strategy", parse("{\"strategy\":\"diff\"}", &c),
              "snapshot 's': strategy must be 'timestamp' or 'check', not 'diff'");
    rs_snapshot_cfg_free(&c);
    CHECK_STR("cfg/hard_deletes", parse("{\"updated_at\":\"u\",\"hard_deletes\":\"drop\"}", &c),
              "snapshot 's': hard_deletes must be 'ignore', 'invalidate' or 'new_record', not "
              "'drop'");
    rs_snapshot_cfg_free(&c);
}

static const char *step(int n, const char *json, const char *const *keys, size_t n_keys,
                        rs_buf *out) {
    rs_snapshot_cfg c;
    int rc;

    rs_buf_reset(out);
    rs_err_clear(&err);
    rc = rs_snapshot_cfg_parse("s", json, &c, &err);
    if (rc == RS_OK)
        rc =
            rs_snapshot_step_sql(n, &c, "h.s", "SELECT * FROM w.t", keys, n_keys, "NOW", out, &err);
    rs_snapshot_cfg_free(&c);
    return rc == RS_OK ? rs_buf_cstr(out) : err.msg;
}

static void test_steps(void) {
    const char *id[] = {"id"}, *two[] = {"store", "sku"};
    const char *ts = "{\"updated_at\":\"u\"}";
    const char *chk = "{\"strategy\":\"check\",\"check_cols\":[\"q\"],\"hard_deletes\":"
                      "\"new_record\"}";
    rs_buf b = RS_BUF_INIT;

    CHECK_STR("step1/timestamp", step(1, ts, id, 1, &b),
              "SELECT __src.* EXCEPT (_id, _event_time), TO_HEX(MD5(CONCAT(COALESCE(CAST("
              "__src.id AS string), ''), '|', COALESCE(CAST(__src.u AS string), '')))) AS _id, "
              "TO_HEX(MD5(CONCAT(COALESCE(CAST(__src.id AS string), ''), '|', "
              "COALESCE(CAST(__src.u AS string), '')))) AS dbt_scd_id, __src.u AS "
              "dbt_updated_at, __src.u AS dbt_valid_from, NULL AS dbt_valid_to FROM (SELECT * "
              "FROM w.t) AS __src LEFT JOIN (SELECT * FROM (SELECT *, ROW_NUMBER() OVER "
              "(PARTITION BY id ORDER BY dbt_valid_from DESC) AS __rn FROM h.s WHERE "
              "dbt_valid_to IS NULL) AS __l WHERE __rn = 1) AS __cur ON __cur.id = __src.id "
              "WHERE __cur.__rn IS NULL OR __src.u > __cur.dbt_updated_at");
    CHECK("step1/check_compares_null_safe",
          strstr(step(1, chk, two, 2, &b),
                 "WHERE __cur.__rn IS NULL OR (__src.q <> __cur.q OR (__src.q IS NULL AND "
                 "__cur.q IS NOT NULL) OR (__src.q IS NOT NULL AND __cur.q IS NULL)) OR "
                 "__cur.dbt_is_deleted = 'True'") != NULL);
    CHECK("step1/check_two_keys",
          strstr(step(1, chk, two, 2, &b),
                 "ON __cur.store = __src.store AND __cur.sku = __src.sku") != NULL);
    CHECK("step1/check_time", strstr(step(1, chk, two, 2, &b), "NOW AS dbt_valid_from") != NULL);
    CHECK_STR("step2/only_new_record", step(2, ts, id, 1, &b), "");
    CHECK("step2/deletion_records",
          strstr(step(2, chk, two, 2, &b), "'True' AS dbt_is_deleted") != NULL);
    CHECK_STR("step3/close", step(3, ts, id, 1, &b),
              "SELECT __s.* EXCEPT (dbt_valid_to), __n.__next AS dbt_valid_to FROM h.s AS __s "
              "JOIN (SELECT __a._id AS __id, MIN(__b.dbt_valid_from) AS __next FROM h.s AS __a "
              "JOIN h.s AS __b ON __a.id = __b.id WHERE __a.dbt_valid_to IS NULL AND "
              "__b.dbt_valid_from > __a.dbt_valid_from GROUP BY __a._id) AS __n ON __s._id = "
              "__n.__id");
    CHECK_STR("step4/ignore", step(4, ts, id, 1, &b), "");
    CHECK_STR("step4/invalidate",
              step(4, "{\"updated_at\":\"u\",\"hard_deletes\":\"invalidate\"}", id, 1, &b),
              "SELECT __s.* EXCEPT (dbt_valid_to), NOW AS dbt_valid_to FROM h.s AS __s LEFT "
              "JOIN (SELECT id FROM (SELECT * FROM w.t) AS __q) AS __src ON __src.id = __s.id "
              "WHERE __s.dbt_valid_to IS NULL AND __src.id IS NULL");
    CHECK_STR("step/no_key", step(1, ts, id, 0, &b), "unique_key is required");
    rs_buf_free(&b);
}

int main(void) {
    test_config();
    test_steps();
    TEST_DONE();
}
