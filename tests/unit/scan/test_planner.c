/* test_planner.c - unit tests of src/scan/planner.c: plan encoding, exactness of pushed predicates
 * and the Rockset SQL text they become. No network, no SQLite. */
#include "scan/planner.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

static rs_value v_int(long long i) {
    rs_value v = {RS_VAL_INT, i, 0, NULL, 0};
    return v;
}

static rs_value v_real(double r) {
    rs_value v = {RS_VAL_REAL, 0, r, NULL, 0};
    return v;
}

static rs_value v_text(const char *s) {
    rs_value v = {RS_VAL_TEXT, 0, 0, s, strlen(s)};
    return v;
}

static rs_value v_null(void) {
    rs_value v = {RS_VAL_NULL, 0, 0, NULL, 0};
    return v;
}

static rs_schema test_schema(void) {
    rs_schema s = RS_SCHEMA_INIT;
    rs_err err;

    rs_err_clear(&err);
    if (rs_schema_parse_columns("n INTEGER, r REAL, t TEXT, u, \"we\"\"ird\" NUMERIC", 0, &s,
                                &err) != RS_OK) {
        printf("FAIL setup: %s\n", err.msg);
        exit(1);
    }
    return s;
}

/* Build the query for one term and return "<sql> | p1=type:value ..." (static buffer). */
static const char *query_for(const rs_schema *s, int col, rs_plan_op op, const rs_value *vals,
                             size_t n, int constant) {
    static char out[2048];
    rs_plan plan;
    rs_term_values tv = {vals, n};
    rs_query_text q;
    rs_err err;
    size_t i;

    rs_plan_init(&plan);
    plan.columns = 1u << col;
    plan.terms[0].column = col;
    plan.terms[0].op = op;
    plan.terms[0].argv = 1;
    plan.terms[0].constant = constant;
    plan.n_terms = 1;
    rs_query_text_init(&q);
    if (rs_planner_build_query(s, "ws", "c", &plan, &tv, -1, 0, &q, &err) != RS_OK)
        return "ERROR";
    snprintf(out, sizeof(out), "%s%s", q.empty ? "EMPTY " : "", rs_buf_cstr(&q.sql));
    for (i = 0; i < q.n_params; i++)
        snprintf(out + strlen(out), sizeof(out) - strlen(out), " | %s=%s:%s", q.names[i],
                 q.types[i], q.values[i]);
    rs_query_text_free(&q);
    return out;
}

static void test_plan_encoding(void) {
    rs_plan p, d;
    rs_buf b = RS_BUF_INIT;
    rs_err err;

    rs_plan_init(&p);
    p.columns = 0x8000000000000005ULL;
    p.terms[0] = (rs_plan_term){0, RS_OP_EQ, 1, 1, 1};
    p.terms[1] = (rs_plan_term){3, RS_OP_IN, 2, 0, 0};
    p.terms[2] = (rs_plan_term){2, RS_OP_ISNULL, 0, 1, 0};
    p.n_terms = 3;
    p.order[0] = (rs_plan_order){0, 1};
    p.n_order = 1;
    p.limit_argv = 3;
    p.offset_argv = 4;
    p.page_hint = 25;
    rs_plan_encode(&p, &b);
    CHECK_STR("plan/encode", rs_buf_cstr(&b),
              "rs1 c8000000000000005 w0:EQ:1:xk w3:IN:2:- w2:ISNULL:0:x o0:d l3 f4 h25");
    CHECK_INT("plan/decode_rc", rs_plan_decode(rs_buf_cstr(&b), &d, &err), RS_OK);
    CHECK("plan/roundtrip", memcmp(&p, &d, sizeof(p)) == 0);
    rs_buf_reset(&b);
    rs_plan_init(&p);
    p.project = 0;
    rs_plan_encode(&p, &b);
    CHECK_STR("plan/encode_select_all", rs_buf_cstr(&b), "rs1 a");
    CHECK_INT("plan/decode_select_all", rs_plan_decode("rs1 a", &d, &err), RS_OK);
    CHECK_INT("plan/decode_select_all_project", d.project, 0);
    CHECK_INT("plan/decode_bad_op", rs_plan_decode("rs1 w0:XX:1:x", &d, &err), RS_EINVAL);
    CHECK_STR("plan/decode_bad_msg", err.msg, "rockset: bad plan 'rs1 w0:XX:1:x'");
    CHECK_INT("plan/decode_bad_version", rs_plan_decode("rs2", &d, &err), RS_EINVAL);
    CHECK_INT("plan/decode_null", rs_plan_decode(NULL, &d, &err), RS_EINVAL);
    CHECK_INT("plan/decode_junk_flag", rs_plan_decode("rs1 w0:EQ:1:q", &d, &err), RS_EINVAL);
    CHECK_INT("plan/decode_trailing", rs_plan_decode("rs1 l3x", &d, &err), RS_EINVAL);
    rs_buf_free(&b);
}

static void test_exactness(void) {
    rs_schema s = test_schema();
    rs_value five = v_int(5), bob = v_text("bob"), ftext = v_text("5"), half = v_real(2.5);
    rs_value null = v_null(), big = v_int(9007199254740993LL), john = v_text("john");
    rs_value brace = v_text("{\"a\":1}"), day = v_text("2024-01-31");
    const rs_column *id = &s.cols[0], *n = &s.cols[1], *r = &s.cols[2], *t = &s.cols[3];
    const rs_column *u = &s.cols[4], *et = &s.cols[6], *doc = &s.cols[7];

    CHECK_INT("exact/id_eq_text", rs_planner_term_exact(id, RS_OP_EQ, &bob), 1);
    CHECK_INT("exact/id_eq_int_cast_ambiguous", rs_planner_term_exact(id, RS_OP_EQ, &five), 0);
    CHECK_INT("exact/id_lt_text", rs_planner_term_exact(id, RS_OP_LT, &bob), 1);
    CHECK_INT("exact/int_eq_int_strings_may_convert", rs_planner_term_exact(n, RS_OP_EQ, &five), 0);
    CHECK_INT("exact/int_gt_int", rs_planner_term_exact(n, RS_OP_GT, &five), 0);
    CHECK_INT("exact/int_eq_numeric_text", rs_planner_term_exact(n, RS_OP_EQ, &ftext), 0);
    CHECK_INT("exact/int_eq_beyond_2p53", rs_planner_term_exact(n, RS_OP_EQ, &big), 0);
    CHECK_INT("exact/real_le_real", rs_planner_term_exact(r, RS_OP_LE, &half), 0);
    CHECK_INT("exact/int_eq_word", rs_planner_term_exact(n, RS_OP_EQ, &bob), 1);
    CHECK_INT("exact/int_gt_word_superset", rs_planner_term_exact(n, RS_OP_GT, &bob), 0);
    CHECK_INT("exact/text_eq_text", rs_planner_term_exact(t, RS_OP_EQ, &bob), 1);
    CHECK_INT("exact/text_eq_base64_like", rs_planner_term_exact(t, RS_OP_EQ, &john), 0);
    CHECK_INT("exact/text_eq_json_like", rs_planner_term_exact(t, RS_OP_EQ, &brace), 0);
    CHECK_INT("exact/text_eq_date_like", rs_planner_term_exact(t, RS_OP_EQ, &day), 0);
    CHECK_INT("exact/text_eq_short_number", rs_planner_term_exact(t, RS_OP_EQ, &ftext), 0);
    CHECK_INT("exact/text_lt_text_objects_unknown", rs_planner_term_exact(t, RS_OP_LT, &bob), 0);
    CHECK_INT("exact/text_ne_text", rs_planner_term_exact(t, RS_OP_NE, &bob), 1);
    CHECK_INT("exact/text_eq_int_ambiguous", rs_planner_term_exact(t, RS_OP_EQ, &five), 0);
    CHECK_INT("exact/untyped_eq_text", rs_planner_term_exact(u, RS_OP_EQ, &bob), 1);
    CHECK_INT("exact/untyped_eq_numeric_text", rs_planner_term_exact(u, RS_OP_EQ, &ftext), 1);
    CHECK_INT("exact/untyped_lt_text_objects_unknown", rs_planner_term_exact(u, RS_OP_LT, &ftext),
              0);
    CHECK_INT("exact/untyped_eq_int", rs_planner_term_exact(u, RS_OP_EQ, &five), 0);
    CHECK_INT("exact/eq_null", rs_planner_term_exact(n, RS_OP_EQ, &null), 1);
    CHECK_INT("exact/isnull", rs_planner_term_exact(u, RS_OP_ISNULL, NULL), 1);
    CHECK_INT("exact/unknown_rhs", rs_planner_term_exact(n, RS_OP_EQ, NULL), 0);
    CHECK_INT("exact/in_never", rs_planner_term_exact(n, RS_OP_IN, &five), 0);
    CHECK_INT("exact/like_never", rs_planner_term_exact(t, RS_OP_LIKE, &bob), 0);
    CHECK_INT("exact/event_time_never", rs_planner_term_exact(et, RS_OP_EQ, &bob), 0);
    CHECK_INT("push/event_time", rs_planner_can_push(et, RS_OP_EQ), 0);
    CHECK_INT("push/doc", rs_planner_can_push(doc, RS_OP_ISNULL), 0);
    CHECK_INT("push/field_like", rs_planner_can_push(t, RS_OP_LIKE), 1);
    CHECK_INT("order/id", rs_planner_can_order(id, 0), 1);
    CHECK_INT("order/field_without_limit", rs_planner_can_order(n, 0), 0);
    CHECK_INT("order/field_with_limit", rs_planner_can_order(n, 1), 1);
    CHECK_INT("order/untyped_with_limit", rs_planner_can_order(u, 1), 1);
    CHECK_INT("order/event_time", rs_planner_can_order(et, 1), 0);
    CHECK_INT("order/doc", rs_planner_can_order(doc, 1), 0);
    rs_schema_free(&s);
}

static void test_order_collations(void) {
    rs_schema s = RS_SCHEMA_INIT;
    rs_err err;

    rs_err_clear(&err);
    if (rs_schema_parse_columns("a TEXT COLLATE NOCASE, b TEXT collate binary, c COLLATE RTRIM, "
                                "d TEXT COLLATE BINARYX, e TEXT NOT NULL",
                                0, &s, &err) != RS_OK) {
        printf("FAIL order/collations setup: %s\n", err.msg);
        return;
    }
    CHECK_INT("order/collate_nocase", rs_planner_can_order(&s.cols[1], 1), 0);
    CHECK_INT("order/collate_binary", rs_planner_can_order(&s.cols[2], 1), 1);
    CHECK_INT("order/collate_rtrim", rs_planner_can_order(&s.cols[3], 1), 0);
    CHECK_INT("order/collate_binaryx", rs_planner_can_order(&s.cols[4], 1), 0);
    CHECK_INT("order/no_collation", rs_planner_can_order(&s.cols[5], 1), 1);
    rs_schema_free(&s);
}

/* The two parts of a plan ordered by n DESC (and maybe t), one term n > 5, LIMIT 10 OFFSET 20. */
static const char *split_query(const rs_schema *s, rs_scan_part part, int keys) {
    static char out[2048];
    rs_plan plan;
    rs_value five = v_int(5);
    rs_term_values tv = {&five, 1};
    rs_query_text q;
    rs_err err;
    size_t i;

    rs_plan_init(&plan);
    plan.columns = 0x7;
    plan.terms[0] = (rs_plan_term){1, RS_OP_GT, 1, 0, 1};
    plan.n_terms = 1;
    plan.order[0] = (rs_plan_order){1, 1};
    plan.order[1] = (rs_plan_order){keys == 2 ? 3 : 0, 0};
    plan.order[2] = (rs_plan_order){2, 0};
    plan.n_order = keys;
    plan.limit_argv = 2;
    plan.offset_argv = 3;
    rs_query_text_init(&q);
    if (rs_planner_build_part(s, "w", "c", &plan, &tv, 10, 20, part, &q, &err) != RS_OK)
        return "ERROR";
    snprintf(out, sizeof(out), "%s%s", q.empty ? "EMPTY " : "", rs_buf_cstr(&q.sql));
    for (i = 0; i < q.n_params; i++)
        snprintf(out + strlen(out), sizeof(out) - strlen(out), " | %s=%s:%s", q.names[i],
                 q.types[i], q.values[i]);
    rs_query_text_free(&q);
    return out;
}

/* What the parts are made of: the select list and the pushed `n > 5`, then the type guards. */
#define SPLIT_HEAD                                                                            \
    "SELECT \"_id\", \"n\", \"r\" FROM \"w\".\"c\" WHERE ((TYPEOF(\"n\") IN ('int','float') " \
    "AND \"n\" > :p1) OR TYPEOF(\"n\") = 'string' OR TYPEOF(\"n\") NOT IN "                   \
    "('int','float','bool','string','null','undefined')) AND "
#define PLAIN_N                                                                          \
    "(TYPEOF(\"n\") IN ('int','string','null','undefined') OR (TYPEOF(\"n\") = 'float' " \
    "AND \"n\" > -1e308 AND \"n\" < 1e308))"
#define PLAIN_T                                                                          \
    "(TYPEOF(\"t\") IN ('int','string','null','undefined') OR (TYPEOF(\"t\") = 'float' " \
    "AND \"t\" > -1e308 AND \"t\" < 1e308))"
#define SPLIT_TAIL " LIMIT :p2 OFFSET :p3 | p1=int:5 | p2=int:10 | p3=int:20"

static void test_order_split(void) {
    rs_schema s = test_schema();
    rs_plan plan;
    char main_sql[2048];

    rs_plan_init(&plan);
    plan.order[0] = (rs_plan_order){0, 0};
    plan.order[1] = (rs_plan_order){1, 0};
    plan.n_order = 2;
    CHECK_INT("split/id_first_is_not_split", rs_planner_order_split(&s, &plan), 0);
    plan.order[0] = (rs_plan_order){1, 0};
    CHECK_INT("split/field_is_split", rs_planner_order_split(&s, &plan), 1);
    plan.project = 0;
    CHECK_INT("split/never_without_pushdown", rs_planner_order_split(&s, &plan), 0);

    CHECK_STR("split/main_one_key", split_query(&s, RS_PART_MAIN, 1),
              SPLIT_HEAD PLAIN_N " ORDER BY \"n\" DESC NULLS LAST, \"_id\"" SPLIT_TAIL);
    snprintf(main_sql, sizeof(main_sql), "%s", split_query(&s, RS_PART_MAIN, 1));
    CHECK_STR("split/all_is_main", split_query(&s, RS_PART_ALL, 1), main_sql);
    CHECK_STR("split/rest_one_key", split_query(&s, RS_PART_REST, 1),
              SPLIT_HEAD "NOT (" PLAIN_N ") | p1=int:5");
    CHECK_STR("split/main_two_keys", split_query(&s, RS_PART_MAIN, 2),
              SPLIT_HEAD PLAIN_N
              " AND " PLAIN_T
              " ORDER BY \"n\" DESC NULLS LAST, \"t\" ASC NULLS FIRST, \"_id\"" SPLIT_TAIL);
    /* n DESC, _id ASC, r: r never decides anything */
    CHECK_STR("split/main_ends_at_id", split_query(&s, RS_PART_MAIN, 3),
              SPLIT_HEAD PLAIN_N " ORDER BY \"n\" DESC NULLS LAST, \"_id\" ASC" SPLIT_TAIL);
    /* REST known empty: neither the type guard nor the _id tie-break */
    CHECK_STR("split/window", split_query(&s, RS_PART_WINDOW, 2),
              "SELECT \"_id\", \"n\", \"r\" FROM \"w\".\"c\" WHERE ((TYPEOF(\"n\") IN "
              "('int','float') AND \"n\" > :p1) OR TYPEOF(\"n\") = 'string' OR TYPEOF(\"n\") NOT "
              "IN ('int','float','bool','string','null','undefined')) ORDER BY \"n\" DESC NULLS "
              "LAST, \"t\" ASC NULLS FIRST" SPLIT_TAIL);
    /* WINDOW with its filters and OFFSET, then the probe: no filters, no parameters */
    CHECK_STR("split/both_filters_offset", split_query(&s, RS_PART_BOTH, 1),
              "SELECT * FROM (SELECT \"_id\", \"n\", \"r\" FROM \"w\".\"c\" WHERE "
              "((TYPEOF(\"n\") IN ('int','float') AND \"n\" > :p1) OR TYPEOF(\"n\") = 'string' OR "
              "TYPEOF(\"n\") NOT IN ('int','float','bool','string','null','undefined')) ORDER BY "
              "\"n\" DESC NULLS LAST LIMIT :p2 OFFSET :p3) AS m UNION ALL SELECT * FROM (SELECT 1 "
              "AS \"" RS_PROBE_FIELD "\" FROM \"w\".\"c\" WHERE NOT (" PLAIN_N
              ") LIMIT 1) AS p | p1=int:5 | p2=int:10 | p3=int:20");
    /* MAIN, no OFFSET (it is given LIMIT + OFFSET), then REST with the filters again */
    CHECK_STR("split/both_tied_filters", split_query(&s, RS_PART_BOTH_TIED, 1),
              "SELECT * FROM (" SPLIT_HEAD PLAIN_N
              " ORDER BY \"n\" DESC NULLS LAST, \"_id\" LIMIT :p2) AS m UNION ALL SELECT \"_id\", "
              "\"n\", \"r\" FROM \"w\".\"c\" WHERE ((TYPEOF(\"n\") IN ('int','float') AND \"n\" > "
              ":p3) OR TYPEOF(\"n\") = 'string' OR TYPEOF(\"n\") NOT IN "
              "('int','float','bool','string','null','undefined')) AND NOT (" PLAIN_N
              ") | p1=int:5 | p2=int:10 | p3=int:5");
    /* an _id key is the user's: kept */
    CHECK("split/window_keeps_id_key",
          strstr(split_query(&s, RS_PART_WINDOW, 3), " ORDER BY \"n\" DESC NULLS LAST, \"_id\" "
                                                     "ASC LIMIT") != NULL);
    rs_schema_free(&s);
}

static void test_order_split_edges(void) {
    rs_schema s = test_schema();
    rs_plan plan;
    rs_query_text q;
    rs_err err;

    rs_plan_init(&plan);
    plan.columns = 0x2;
    plan.order[0] = (rs_plan_order){1, 0};
    plan.n_order = 1;
    plan.limit_argv = 1;
    rs_query_text_init(&q);
    rs_planner_build_part(&s, "w", "c", &plan, NULL, -1, 0, RS_PART_REST, &q, &err);
    CHECK_STR("split/rest_no_terms", rs_buf_cstr(&q.sql),
              "SELECT \"_id\", \"n\" FROM \"w\".\"c\" WHERE NOT (" PLAIN_N ")");
    rs_query_text_free(&q);
    rs_planner_build_part(&s, "w", "c", &plan, NULL, 0, 0, RS_PART_REST, &q, &err);
    CHECK_INT("split/rest_limit_zero_empty", q.empty, 1);
    rs_query_text_free(&q);
    /* the probe: one _id of another type, whatever the filters; no parameters */
    rs_planner_build_part(&s, "w", "c", &plan, NULL, 10, 0, RS_PART_PROBE, &q, &err);
    CHECK_STR("split/probe", rs_buf_cstr(&q.sql),
              "SELECT \"_id\" FROM \"w\".\"c\" WHERE NOT (" PLAIN_N ") LIMIT 1");
    CHECK("split/probe_no_params", q.n_params == 0 && !q.empty);
    rs_query_text_free(&q);
    rs_planner_build_part(&s, "w", "c", &plan, NULL, 0, 0, RS_PART_PROBE, &q, &err);
    CHECK_INT("split/probe_limit_zero_empty", q.empty, 1);
    rs_query_text_free(&q);
    plan.order[1] = (rs_plan_order){3, 1};
    plan.n_order = 2;
    rs_planner_build_part(&s, "w", "c", &plan, NULL, 10, 0, RS_PART_PROBE, &q, &err);
    CHECK_STR("split/probe_two_keys", rs_buf_cstr(&q.sql),
              "SELECT \"_id\" FROM \"w\".\"c\" WHERE NOT (" PLAIN_N " AND " PLAIN_T ") LIMIT 1");
    rs_query_text_free(&q);
    plan.n_order = 1;
    plan.order[0] = (rs_plan_order){0, 0}; /* _id: nothing is split, nothing to probe */
    rs_planner_build_part(&s, "w", "c", &plan, NULL, 10, 0, RS_PART_PROBE, &q, &err);
    CHECK("split/probe_unsplit_empty", q.empty && q.sql.len == 0);
    rs_query_text_free(&q);
    plan.order[0] = (rs_plan_order){1, 0};
    rs_planner_build_part(&s, "w", "c", &plan, NULL, -1, 0, RS_PART_MAIN, &q, &err);
    CHECK_STR("split/main_no_limit_value", rs_buf_cstr(&q.sql),
              "SELECT \"_id\", \"n\" FROM \"w\".\"c\" WHERE " PLAIN_N
              " ORDER BY \"n\" ASC NULLS FIRST, \"_id\"");
    rs_query_text_free(&q);
    /* WINDOW and the probe, its row marked, in one request */
    rs_planner_build_part(&s, "w", "c", &plan, NULL, 4, 0, RS_PART_BOTH, &q, &err);
    CHECK_STR("split/both", rs_buf_cstr(&q.sql),
              "SELECT * FROM (SELECT \"_id\", \"n\" FROM \"w\".\"c\""
              " ORDER BY \"n\" ASC NULLS FIRST LIMIT :p1) AS m UNION ALL SELECT * FROM (SELECT 1 "
              "AS \"" RS_PROBE_FIELD "\" FROM \"w\".\"c\" WHERE NOT (" PLAIN_N ") LIMIT 1) AS p");
    CHECK("split/both_one_param", q.n_params == 1 && strcmp(q.values[0], "4") == 0 && !q.empty);
    rs_query_text_free(&q);
    rs_planner_build_part(&s, "w", "c", &plan, NULL, 4, 0, RS_PART_BOTH_TIED, &q, &err);
    CHECK("split/both_tied", strstr(rs_buf_cstr(&q.sql), " WHERE " PLAIN_N " ORDER BY \"n\" ASC "
                                                         "NULLS FIRST, \"_id\" LIMIT :p1) AS m "
                                                         "UNION ALL ") != NULL);
    rs_query_text_free(&q);
    rs_planner_build_part(&s, "w", "c", &plan, NULL, 0, 0, RS_PART_BOTH, &q, &err);
    CHECK_INT("split/both_limit_zero_empty", q.empty, 1);
    rs_query_text_free(&q);
    plan.order[0] = (rs_plan_order){5, 0}; /* "we""ird" */
    rs_planner_build_part(&s, "w", "c", &plan, NULL, 3, 0, RS_PART_MAIN, &q, &err);
    /* the name is quoted in the guard as in ORDER BY */
    CHECK("split/quoted_name",
          strstr(rs_buf_cstr(&q.sql), " WHERE (TYPEOF(\"we\"\"ird\") IN ") != NULL &&
              strstr(rs_buf_cstr(&q.sql),
                     " ORDER BY \"we\"\"ird\" ASC NULLS FIRST, \"_id\" LIMIT :p1") != NULL);
    rs_query_text_free(&q);
    rs_schema_free(&s);
}

/* RS_PART_BOTH's rows: WINDOW's carry a string _id, the probe's none (or, should a server name
 * the probe's field after WINDOW's first by position, not a string). */
static void test_probe_row(void) {
    CHECK_INT("probe_row/marked",
              rs_planner_probe_row(rs_jsonscan_cstr("{\"" RS_PROBE_FIELD "\":1}")), 1);
    CHECK_INT("probe_row/named_by_position", rs_planner_probe_row(rs_jsonscan_cstr("{\"_id\":1}")),
              1);
    CHECK_INT("probe_row/window", rs_planner_probe_row(rs_jsonscan_cstr("{\"n\":1,\"_id\":\"a\"}")),
              0);
    CHECK_INT("probe_row/window_with_the_field",
              rs_planner_probe_row(rs_jsonscan_cstr("{\"_id\":\"a\",\"" RS_PROBE_FIELD "\":1}")),
              0);
    CHECK_INT("probe_row/not_an_object", rs_planner_probe_row(rs_jsonscan_cstr("[1]")), 1);
}

/* WINDOW alone settles a descending page of numbers (rs_planner_window_alone). Columns: _id
 * (0), n INTEGER (1), r REAL (2), t TEXT (3), u untyped (4), "we""ird" NUMERIC (5). */
static void test_window_alone(void) {
    rs_schema s = test_schema();
    rs_plan plan;

    rs_plan_init(&plan);
    plan.columns = 0x3;
    plan.order[0] = (rs_plan_order){1, 1};
    plan.n_order = 1;
    CHECK_INT("alone/integer_desc", rs_planner_window_alone(&s, &plan, 0), 1);
    CHECK_INT("alone/not_with_offset", rs_planner_window_alone(&s, &plan, 3), 0);
    plan.order[0].column = 2;
    CHECK_INT("alone/real_desc", rs_planner_window_alone(&s, &plan, 0), 1);
    plan.order[0].column = 5;
    CHECK_INT("alone/numeric_desc", rs_planner_window_alone(&s, &plan, 0), 1);
    plan.order[0].column = 3;
    CHECK_INT("alone/not_text", rs_planner_window_alone(&s, &plan, 0), 0);
    plan.order[0].column = 4;
    CHECK_INT("alone/not_untyped", rs_planner_window_alone(&s, &plan, 0), 0);
    plan.order[0] = (rs_plan_order){1, 0};
    CHECK_INT("alone/not_ascending", rs_planner_window_alone(&s, &plan, 0), 0);
    plan.order[0].desc = 1;
    plan.order[1] = (rs_plan_order){0, 0};
    plan.n_order = 2;
    CHECK_INT("alone/then_id", rs_planner_window_alone(&s, &plan, 0), 1);
    plan.order[1] = (rs_plan_order){2, 1};
    CHECK_INT("alone/not_two_fields", rs_planner_window_alone(&s, &plan, 0), 0);
    plan.order[0] = (rs_plan_order){0, 1}; /* _id first: not split */
    CHECK_INT("alone/not_unsplit", rs_planner_window_alone(&s, &plan, 0), 0);
    rs_schema_free(&s);

    CHECK_INT("key/int_above", rs_planner_window_key(rs_jsonscan_cstr("12")), RS_KEY_ABOVE_BOOLS);
    CHECK_INT("key/float_above", rs_planner_window_key(rs_jsonscan_cstr("1.5")),
              RS_KEY_ABOVE_BOOLS);
    CHECK_INT("key/one", rs_planner_window_key(rs_jsonscan_cstr("1")), RS_KEY_NUMBER);
    CHECK_INT("key/one_float", rs_planner_window_key(rs_jsonscan_cstr("1.0")), RS_KEY_NUMBER);
    CHECK_INT("key/negative", rs_planner_window_key(rs_jsonscan_cstr("-7e3")), RS_KEY_NUMBER);
    CHECK_INT("key/beyond_bounds", rs_planner_window_key(rs_jsonscan_cstr("2e308")), RS_KEY_UNSURE);
    CHECK_INT("key/at_bound", rs_planner_window_key(rs_jsonscan_cstr("-1e308")), RS_KEY_UNSURE);
    CHECK_INT("key/string", rs_planner_window_key(rs_jsonscan_cstr("\"2024-01-01\"")),
              RS_KEY_UNSURE);
    CHECK_INT("key/null", rs_planner_window_key(rs_jsonscan_cstr("null")), RS_KEY_UNSURE);
    CHECK_INT("key/absent", rs_planner_window_key(rs_jsonscan_cstr("")), RS_KEY_UNSURE);
    CHECK_INT("key/true", rs_planner_window_key(rs_jsonscan_cstr("true")), RS_KEY_OTHER_TYPE);
    CHECK_INT("key/false", rs_planner_window_key(rs_jsonscan_cstr("false")), RS_KEY_OTHER_TYPE);
    CHECK_INT("key/object", rs_planner_window_key(rs_jsonscan_cstr("{\"a\":1}")),
              RS_KEY_OTHER_TYPE);
    CHECK_INT("key/array", rs_planner_window_key(rs_jsonscan_cstr("[1]")), RS_KEY_OTHER_TYPE);
}

static void test_queries(void) {
    rs_schema s = test_schema();
    rs_value five = v_int(5), bob = v_text("bob"), half = v_real(2.5), one = v_int(1);
    rs_value ftext = v_text(" 7 "), null = v_null(), list[3], pat = v_text("Ab_c%");
    rs_value glob = v_text("ab*"), nopfx = v_text("%x");

    CHECK_STR("sql/id_eq", query_for(&s, 0, RS_OP_EQ, &bob, 1, 1),
              "SELECT \"_id\" FROM \"ws\".\"c\" WHERE \"_id\" = :p1 | p1=string:bob");
    /* INTEGER affinity: strings that look like numbers compare as numbers, so all strings
     * (and other text) come back for SQLite to check */
    CHECK_STR(
        "sql/int_eq_int", query_for(&s, 1, RS_OP_EQ, &five, 1, 1),
        "SELECT \"_id\", \"n\" FROM \"ws\".\"c\" WHERE ((TYPEOF(\"n\") IN ('int','float') AND "
        "\"n\" = :p1) OR TYPEOF(\"n\") = 'string' OR TYPEOF(\"n\") NOT IN "
        "('int','float','bool','string','null','undefined')) | p1=int:5");
    CHECK_STR(
        "sql/int_eq_word", query_for(&s, 1, RS_OP_EQ, &bob, 1, 1),
        "SELECT \"_id\", \"n\" FROM \"ws\".\"c\" WHERE (TYPEOF(\"n\") = 'string' AND \"n\" = :p1) "
        "| p1=string:bob");
    CHECK_STR(
        "sql/int_eq_one_matches_true", query_for(&s, 1, RS_OP_EQ, &one, 1, 1),
        "SELECT \"_id\", \"n\" FROM \"ws\".\"c\" WHERE ((TYPEOF(\"n\") IN ('int','float') AND "
        "\"n\" = :p1) OR (TYPEOF(\"n\") = 'bool' AND \"n\" = TRUE) OR "
        "TYPEOF(\"n\") = 'string' OR TYPEOF(\"n\") NOT IN "
        "('int','float','bool','string','null','undefined')) | p1=int:1");
    CHECK_STR(
        "sql/real_gt_text_sorts_above", query_for(&s, 2, RS_OP_GT, &half, 1, 1),
        "SELECT \"_id\", \"r\" FROM \"ws\".\"c\" WHERE ((TYPEOF(\"r\") IN ('int','float') AND "
        "\"r\" > :p1) OR TYPEOF(\"r\") = 'string' OR TYPEOF(\"r\") NOT IN "
        "('int','float','bool','string','null','undefined')) | p1=float:2.5");
    CHECK_STR(
        "sql/int_lt_bools_both", query_for(&s, 1, RS_OP_LT, &five, 1, 1),
        "SELECT \"_id\", \"n\" FROM \"ws\".\"c\" WHERE ((TYPEOF(\"n\") IN ('int','float') AND "
        "\"n\" < :p1) OR TYPEOF(\"n\") = 'bool' OR TYPEOF(\"n\") = 'string' OR "
        "TYPEOF(\"n\") NOT IN ('int','float','bool','string','null','undefined')) "
        "| p1=int:5");
    CHECK_STR(
        "sql/int_column_text_number_converted", query_for(&s, 1, RS_OP_EQ, &ftext, 1, 1),
        "SELECT \"_id\", \"n\" FROM \"ws\".\"c\" WHERE ((TYPEOF(\"n\") IN ('int','float') AND "
        "\"n\" = :p1) OR TYPEOF(\"n\") = 'string' OR TYPEOF(\"n\") NOT IN "
        "('int','float','bool','string','null','undefined')) | p1=int:7");
    CHECK_STR(
        "sql/text_eq", query_for(&s, 3, RS_OP_EQ, &bob, 1, 1),
        "SELECT \"_id\", \"t\" FROM \"ws\".\"c\" WHERE (TYPEOF(\"t\") = 'string' AND \"t\" = :p1) "
        "| p1=string:bob");
    CHECK_STR("sql/text_lt_numbers_below", query_for(&s, 3, RS_OP_LT, &bob, 1, 1),
              "SELECT \"_id\", \"t\" FROM \"ws\".\"c\" WHERE (TYPEOF(\"t\") IN ('int','float') OR "
              "TYPEOF(\"t\") = 'bool' OR (TYPEOF(\"t\") = 'string' AND \"t\" < :p1) OR "
              "TYPEOF(\"t\") NOT IN ('int','float','bool','string','null','undefined')) "
              "| p1=string:bob");
    CHECK_STR("sql/eq_null_empty", query_for(&s, 1, RS_OP_EQ, &null, 1, 1),
              "EMPTY SELECT \"_id\", \"n\" FROM \"ws\".\"c\"");
    CHECK_STR(
        "sql/joined_value_superset", query_for(&s, 4, RS_OP_EQ, &five, 1, 0),
        "SELECT \"_id\", \"u\" FROM \"ws\".\"c\" WHERE ((TYPEOF(\"u\") IN ('int','float') AND "
        "\"u\" = :p1) OR TYPEOF(\"u\") = 'string' OR TYPEOF(\"u\") NOT IN "
        "('int','float','bool','string','null','undefined')) | p1=int:5");
    list[0] = v_int(1);
    list[1] = v_text("x");
    list[2] = v_int(3);
    CHECK_STR(
        "sql/in_list", query_for(&s, 1, RS_OP_IN, list, 3, 0),
        "SELECT \"_id\", \"n\" FROM \"ws\".\"c\" WHERE ((TYPEOF(\"n\") IN ('int','float') AND "
        "\"n\" IN (:p1, :p2)) OR (TYPEOF(\"n\") = 'bool' AND \"n\" = TRUE) OR "
        "TYPEOF(\"n\") = 'string' OR TYPEOF(\"n\") NOT IN "
        "('int','float','bool','string','null','undefined')) | p1=int:1 | p2=int:3");
    CHECK_STR("sql/in_list_text_column", query_for(&s, 3, RS_OP_IN, list, 3, 0),
              "SELECT \"_id\", \"t\" FROM \"ws\".\"c\" WHERE (TYPEOF(\"t\") IN ('int','float') OR "
              "(TYPEOF(\"t\") = 'bool' AND \"t\" = TRUE) OR TYPEOF(\"t\") = 'string' OR "
              "TYPEOF(\"t\") NOT IN ('int','float','bool','string','null','undefined'))");
    CHECK_STR("sql/id_in", query_for(&s, 0, RS_OP_IN, list + 1, 1, 0),
              "SELECT \"_id\" FROM \"ws\".\"c\" WHERE \"_id\" = :p1 | p1=string:x");
    CHECK_STR("sql/isnull", query_for(&s, 3, RS_OP_ISNULL, NULL, 0, 0),
              "SELECT \"_id\", \"t\" FROM \"ws\".\"c\" WHERE \"t\" IS NULL");
    CHECK_STR("sql/id_isnull_empty", query_for(&s, 0, RS_OP_ISNULL, NULL, 0, 0),
              "EMPTY SELECT \"_id\" FROM \"ws\".\"c\"");
    CHECK_STR("sql/id_notnull_nothing", query_for(&s, 0, RS_OP_NOTNULL, NULL, 0, 0),
              "SELECT \"_id\" FROM \"ws\".\"c\"");
    CHECK_STR(
        "sql/like_prefix_range", query_for(&s, 3, RS_OP_LIKE, &pat, 1, 1),
        "SELECT \"_id\", \"t\" FROM \"ws\".\"c\" WHERE ((TYPEOF(\"t\") = 'string' AND \"t\" >= :p1 "
        "AND \"t\" < :p2) OR TYPEOF(\"t\") NOT IN "
        "('int','float','bool','string','null','undefined')) | p1=string:AB | p2=string:ac");
    CHECK_STR("sql/glob_id_range", query_for(&s, 0, RS_OP_GLOB, &glob, 1, 1),
              "SELECT \"_id\" FROM \"ws\".\"c\" WHERE \"_id\" >= :p1 AND \"_id\" < :p2 "
              "| p1=string:ab | p2=string:ac");
    CHECK_STR("sql/like_no_prefix", query_for(&s, 3, RS_OP_LIKE, &nopfx, 1, 1),
              "SELECT \"_id\", \"t\" FROM \"ws\".\"c\"");
    rs_schema_free(&s);
}

static void test_query_shapes(void) {
    rs_schema s = test_schema();
    rs_plan plan;
    rs_query_text q;
    rs_err err;

    rs_plan_init(&plan);
    plan.project = 0;
    rs_query_text_init(&q);
    rs_planner_build_query(&s, "commons", "my\"c", &plan, NULL, 5, 5, &q, &err);
    CHECK_STR("shape/select_all", rs_buf_cstr(&q.sql), "SELECT * FROM \"commons\".\"my\"\"c\"");
    rs_query_text_free(&q);

    rs_plan_init(&plan);
    plan.columns = (1u << 7) | 1u;
    rs_planner_build_query(&s, "w", "c", &plan, NULL, -1, 0, &q, &err);
    CHECK_STR("shape/doc_means_star", rs_buf_cstr(&q.sql), "SELECT * FROM \"w\".\"c\"");
    rs_query_text_free(&q);

    rs_plan_init(&plan);
    plan.columns = 0;
    rs_planner_build_query(&s, "w", "c", &plan, NULL, -1, 0, &q, &err);
    CHECK_STR("shape/nothing_used", rs_buf_cstr(&q.sql), "SELECT \"_id\" FROM \"w\".\"c\"");
    rs_query_text_free(&q);

    rs_plan_init(&plan);
    plan.columns = 0x46;
    plan.order[0] = (rs_plan_order){0, 1};
    plan.n_order = 1;
    plan.limit_argv = 1;
    plan.offset_argv = 2;
    rs_planner_build_query(&s, "w", "c", &plan, NULL, 10, 20, &q, &err);
    CHECK_STR(
        "shape/order_limit_offset", rs_buf_cstr(&q.sql),
        "SELECT \"_id\", \"n\", \"r\", \"_event_time\" FROM \"w\".\"c\" ORDER BY \"_id\" DESC "
        "LIMIT :p1 OFFSET :p2");
    CHECK_STR("shape/limit_value", q.values[0], "10");
    CHECK_STR("shape/offset_value", q.values[1], "20");
    rs_query_text_free(&q);

    rs_planner_build_query(&s, "w", "c", &plan, NULL, -1, 3, &q, &err);
    CHECK_STR("shape/offset_without_limit", q.values[0], "9223372036854775807");
    rs_query_text_free(&q);
    rs_planner_build_query(&s, "w", "c", &plan, NULL, 0, 0, &q, &err);
    CHECK_INT("shape/limit_zero_empty", q.empty, 1);
    rs_query_text_free(&q);
    rs_schema_free(&s);
}

static void test_format_double(void) {
    char buf[40];

    rs_planner_format_double(0.1, buf, sizeof(buf));
    CHECK_STR("double/shortest", buf, "0.1");
    rs_planner_format_double(0.1 + 0.2, buf, sizeof(buf));
    CHECK_STR("double/needs_17", buf, "0.30000000000000004");
    rs_planner_format_double(1e300, buf, sizeof(buf));
    CHECK_STR("double/exponent", buf, "1e+300");
    rs_planner_format_double(-2.0, buf, sizeof(buf));
    CHECK_STR("double/integral", buf, "-2");
}

static void test_estimates(void) {
    rs_schema s = test_schema();
    rs_plan plan;
    double cost_scan, cost_id, cost_eq;
    long long rows;
    int unique;

    rs_plan_init(&plan);
    rs_planner_estimate(&s, &plan, 100000, 1000, &cost_scan, &rows, &unique);
    CHECK_INT("estimate/scan_rows", rows, 100000);
    CHECK_INT("estimate/scan_not_unique", unique, 0);
    plan.terms[0] = (rs_plan_term){0, RS_OP_EQ, 1, 1, 1};
    plan.n_terms = 1;
    rs_planner_estimate(&s, &plan, 100000, 1000, &cost_id, &rows, &unique);
    CHECK_INT("estimate/id_rows", rows, 1);
    CHECK_INT("estimate/id_unique", unique, 1);
    plan.terms[0].column = 1;
    rs_planner_estimate(&s, &plan, 100000, 1000, &cost_eq, &rows, &unique);
    CHECK_INT("estimate/eq_rows", rows, 1000);
    CHECK("estimate/order", cost_id < cost_eq && cost_eq < cost_scan);
    /* a 1,000-row join probing by _id costs more than one scan of 100,000 documents */
    CHECK("estimate/join_prefers_scan", 1000.0 * cost_id > cost_scan);
    CHECK("estimate/small_join_prefers_lookups", 10.0 * cost_id < cost_scan);
    rs_planner_estimate(&s, &plan, -1, 1000, &cost_eq, &rows, &unique);
    CHECK_INT("estimate/unknown_count", rows, 10000);
    rs_schema_free(&s);
}

int main(void) {
    test_plan_encoding();
    test_exactness();
    test_queries();
    test_query_shapes();
    test_order_collations();
    test_order_split();
    test_order_split_edges();
    test_probe_row();
    test_window_alone();
    test_format_double();
    test_estimates();
    TEST_DONE();
}
