/* test_collopts.c - unit tests for src/api/collopts.c: rockset_create_collection's options text
 * -> rs_collection_options, and the exact error texts. No network. */
#include "api/collopts.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

/* The error of parsing json, or "ok". */
static const char *parse_error(const char *json) {
    static char msg[512];
    rs_collopts o;
    rs_err err;

    rs_err_clear(&err);
    if (rs_collopts_parse(json, &o, &err) == RS_OK) {
        rs_collopts_free(&o);
        return "ok";
    }
    snprintf(msg, sizeof(msg), "%s", err.msg);
    CHECK("collopts/failure_leaves_nothing",
          o.field_mapping_sql == NULL && o.event_time_info_json == NULL &&
              o.opts.field_mapping_sql == NULL && !o.opts.has_retention_secs);
    return msg;
}

static void test_values(void) {
    rs_collopts o;
    rs_err err;

    rs_err_clear(&err);
    CHECK_INT("values/rc",
              rs_collopts_parse("{\"field_mapping_query\": \"SELECT k, COUNT(*) AS n FROM _input "
                                "WHERE s = 'a\\\"b' GROUP BY k\", \"retention_secs\": 86400, "
                                "\"event_time_info\": {\"field\": \"ts\", \"format\": "
                                "\"seconds_since_epoch\"}}",
                                &o, &err),
              RS_OK);
    CHECK_STR("values/sql_decoded", o.opts.field_mapping_sql,
              "SELECT k, COUNT(*) AS n FROM _input WHERE s = 'a\"b' GROUP BY k");
    CHECK_INT("values/has_retention", o.opts.has_retention_secs, 1);
    CHECK_INT("values/retention", o.opts.retention_secs, 86400);
    CHECK_STR("values/event_time_info_raw", o.opts.event_time_info_json,
              "{\"field\": \"ts\", \"format\": \"seconds_since_epoch\"}");
    rs_collopts_free(&o);
    CHECK("values/free_zeroes", o.field_mapping_sql == NULL && o.opts.field_mapping_sql == NULL);

    CHECK_INT("values/null_text", rs_collopts_parse(NULL, &o, &err), RS_OK);
    CHECK("values/null_text_sets_nothing", o.opts.field_mapping_sql == NULL &&
                                               !o.opts.has_retention_secs &&
                                               o.opts.event_time_info_json == NULL);
    CHECK_INT("values/empty_object", rs_collopts_parse(" {} ", &o, &err), RS_OK);
    CHECK_INT("values/null_members",
              rs_collopts_parse("{\"field_mapping_query\": null, \"retention_secs\": null, "
                                "\"event_time_info\": null}",
                                &o, &err),
              RS_OK);
    CHECK("values/null_members_are_absent", o.opts.field_mapping_sql == NULL &&
                                                !o.opts.has_retention_secs &&
                                                o.opts.event_time_info_json == NULL);
    /* 0 and negative values are the server's to refuse (its message reaches the user) */
    CHECK_INT("values/zero_retention_passes",
              rs_collopts_parse("{\"retention_secs\": 0}", &o, &err), RS_OK);
    CHECK("values/zero_retention_set", o.opts.has_retention_secs && o.opts.retention_secs == 0);
    CHECK_INT("values/big_retention",
              rs_collopts_parse("{\"retention_secs\": 9223372036854775807}", &o, &err), RS_OK);
    CHECK_INT("values/big_retention_exact", o.opts.retention_secs, 9223372036854775807LL);
    rs_collopts_free(&o);
}

static void test_errors(void) {
    CHECK_STR("errors/not_json", parse_error("{retention_secs: 1}"),
              "options must be a JSON object (use json_object(...)), got text that is not JSON");
    CHECK_STR("errors/invalid_utf8", parse_error("{\"retention_secs\": \"\xc3(\"}"),
              "options are not valid UTF-8 (at byte 20)");
    CHECK_STR("errors/array", parse_error("[1]"),
              "options must be a JSON object (use json_object(...)), got array");
    CHECK_STR("errors/number", parse_error("3600"),
              "options must be a JSON object (use json_object(...)), got integer");
    CHECK_STR("errors/unknown_key", parse_error("{\"retention\": 1}"),
              "options: unknown key 'retention' (valid keys: field_mapping_query, "
              "retention_secs, event_time_info)");
    CHECK_STR("errors/retention_text", parse_error("{\"retention_secs\": \"3600\"}"),
              "options: retention_secs must be an integer, got text");
    CHECK_STR("errors/retention_real", parse_error("{\"retention_secs\": 3600.5}"),
              "options: retention_secs must be an integer, got real");
    CHECK_STR("errors/retention_beyond_64_bits",
              parse_error("{\"retention_secs\": 99999999999999999999}"),
              "options: retention_secs must be an integer, got a number beyond 64 bits");
    CHECK_STR("errors/retention_bool", parse_error("{\"retention_secs\": true}"),
              "options: retention_secs must be an integer, got boolean");
    CHECK_STR("errors/fmq_object", parse_error("{\"field_mapping_query\": {\"sql\": \"x\"}}"),
              "options: field_mapping_query must be a text (the transformation's SQL), got "
              "object");
    CHECK_STR("errors/fmq_number", parse_error("{\"field_mapping_query\": 1}"),
              "options: field_mapping_query must be a text (the transformation's SQL), got "
              "integer");
    CHECK_STR("errors/eti_text",
              parse_error("{\"event_time_info\": \"{\\\"field\\\": \\\"ts\\\"}\"}"),
              "options: event_time_info must be an object (json_object(...) or json('...')), got "
              "text");
    CHECK_STR("errors/eti_array", parse_error("{\"event_time_info\": []}"),
              "options: event_time_info must be an object (json_object(...) or json('...')), got "
              "array");
    CHECK_STR("errors/twice", parse_error("{\"retention_secs\": 1, \"retention_secs\": 2}"),
              "options: retention_secs is given twice");
    CHECK_STR("errors/twice_after_a_string",
              parse_error("{\"field_mapping_query\": \"SELECT * FROM _input\", "
                          "\"field_mapping_query\": \"x\"}"),
              "options: field_mapping_query is given twice");
    CHECK_STR("errors/nul_in_sql",
              parse_error("{\"field_mapping_query\": \"SELECT 1\\u0000 FROM _input\"}"),
              "options: field_mapping_query holds a NUL character (\\u0000)");
    CHECK_STR("errors/escapes_without_nul_pass",
              parse_error("{\"field_mapping_query\": \"SELECT '\\u00e9\\n' FROM _input\"}"), "ok");
    CHECK_STR("errors/escaped_key_is_the_key", parse_error("{\"retention\\u005fsecs\": \"x\"}"),
              "options: retention_secs must be an integer, got text");
}

int main(void) {
    test_values();
    test_errors();
    TEST_DONE();
}
