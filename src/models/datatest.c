/*
 * datatest.c - see datatest.h: a data test's config, verdict and SQL. Running a list of tests
 * is datatest_run.c.
 */
#include "datatest.h"
#include "jsonscan.h"
#include "materialize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------------- a test's config */

static int config_string(rs_jsonscan_span cfg, const char *key, char **out, rs_err *err) {
    rs_jsonscan_span v;

    *out = NULL;
    if (!rs_jsonscan_get(cfg, key, &v) || rs_jsonscan_classify(v) == RS_JSON_NULL)
        return RS_OK;
    if (rs_jsonscan_classify(v) != RS_JSON_STRING)
        return rs_err_set(err, RS_EINVAL, "config '%s' must be a string", key);
    return rs_jsonscan_string_dup(rs_jsonscan_trim(v), out, err);
}

/* A threshold key into buf (kept as written; checked when evaluated). */
static int config_threshold(rs_jsonscan_span cfg, const char *key, char *buf, size_t size,
                            rs_err *err) {
    char *text = NULL;
    int rc = config_string(cfg, key, &text, err);

    if (rc == RS_OK && text != NULL) {
        if (strlen(text) >= size)
            rc = rs_err_set(err, RS_EINVAL, "config '%s' is too long: '%s'", key, text);
        else
            snprintf(buf, size, "%s", text);
    }
    free(text);
    return rc;
}

int rs_datatest_config_parse(const char *config_json, rs_datatest_config *c, rs_err *err) {
    rs_jsonscan_span cfg, v;
    char *severity = NULL;
    int found = 0, rc;

    memset(c, 0, sizeof(*c));
    c->limit = -1;
    snprintf(c->warn_if, sizeof(c->warn_if), "!=0");
    snprintf(c->error_if, sizeof(c->error_if), "!=0");
    if (config_json == NULL)
        return RS_OK;
    cfg = rs_jsonscan_cstr(config_json);
    if (rs_jsonscan_validate(cfg.ptr, cfg.len, NULL) != RS_OK ||
        rs_jsonscan_classify(cfg) != RS_JSON_OBJECT)
        return rs_err_set(err, RS_EINVAL, "config must be a JSON object");
    rc = config_string(cfg, "severity", &severity, err);
    if (rc == RS_OK && severity != NULL) {
        if (strcasecmp(severity, "warn") == 0)
            c->severity_warn = 1;
        else if (strcasecmp(severity, "error") != 0)
            rc = rs_err_set(err, RS_EINVAL, "config 'severity' must be 'warn' or 'error', not '%s'",
                            severity);
    }
    free(severity);
    if (rc == RS_OK)
        rc = config_string(cfg, "where", &c->where, err);
    if (rc == RS_OK && rs_jsonscan_get(cfg, "limit", &v) &&
        rs_jsonscan_classify(v) != RS_JSON_NULL) {
        rc = rs_jsonscan_get_int64(cfg, "limit", &c->limit, &found, err);
        if (rc != RS_OK || c->limit < 0)
            rc = rs_err_set(err, RS_EINVAL, "config 'limit' must be a whole number >= 0");
    }
    if (rc == RS_OK)
        rc = config_threshold(cfg, "warn_if", c->warn_if, sizeof(c->warn_if), err);
    if (rc == RS_OK)
        rc = config_threshold(cfg, "error_if", c->error_if, sizeof(c->error_if), err);
    if (rc == RS_OK && rs_jsonscan_get(cfg, "enabled", &v))
        c->disabled = rs_jsonscan_classify(v) == RS_JSON_FALSE;
    if (rc == RS_OK && rs_jsonscan_get(cfg, "store_failures", &v))
        c->store_failures = rs_jsonscan_classify(v) == RS_JSON_TRUE;
    return rc;
}

void rs_datatest_config_free(rs_datatest_config *c) {
    free(c->where);
    c->where = NULL;
}

/* Is "failures <cond>" true? cond: an operator and a whole number, as dbt writes them. */
static int threshold_hit(const char *key, const char *cond, long long failures, int *hit,
                         rs_err *err) {
    static const char *const ops[] = {">=", "<=", "!=", "<>", "==", ">", "<", "="};
    const char *p = cond;
    char *end;
    long long n;
    size_t k, len = 0;

    while (*p == ' ')
        p++;
    for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        len = strlen(ops[k]);
        if (strncmp(p, ops[k], len) == 0)
            break;
    }
    if (k < sizeof(ops) / sizeof(ops[0])) {
        n = strtoll(p + len, &end, 10);
        while (*end == ' ')
            end++;
        if (end != p + len && *end == '\0') {
            *hit = k == 0   ? failures >= n
                   : k == 1 ? failures <= n
                   : k < 4  ? failures != n
                   : k == 5 ? failures > n
                   : k == 6 ? failures < n
                            : failures == n;
            return RS_OK;
        }
    }
    return rs_err_set(err, RS_EINVAL,
                      "config '%s' must be a comparison with a number such as '>10', not '%s'", key,
                      cond);
}

int rs_datatest_verdict(const rs_datatest_config *c, long long failures, const char **status,
                        rs_err *err) {
    int error_hit = 0, warn_hit = 0;
    int rc = threshold_hit("warn_if", c->warn_if, failures, &warn_hit, err);

    if (rc == RS_OK && !c->severity_warn)
        rc = threshold_hit("error_if", c->error_if, failures, &error_hit, err);
    if (rc == RS_OK)
        *status = error_hit ? "fail" : warn_hit ? "warn" : "pass";
    return rc;
}

/* ---------------------------------------------------------------- what a test reads */

/* "source:s.t" -> s and t (in a and b), 1; else 0. */
static int source_node(const char *node, char *a, char *b, size_t size) {
    const char *dot;

    if (strncmp(node, "source:", 7) != 0 || (dot = strchr(node + 7, '.')) == NULL)
        return 0;
    if ((size_t)(dot - node - 7) >= size || strlen(dot + 1) >= size)
        return 0;
    memcpy(a, node + 7, (size_t)(dot - node - 7));
    a[dot - node - 7] = '\0';
    snprintf(b, size, "%s", dot + 1);
    return 1;
}
/* ---------------------------------------------------------------- compiling a test */

/* Append the relation a test reads for model name: its relation, or (SQL) for an ephemeral. */
static int put_model_relation(rs_buf *q, rs_project *p, const char *name, rs_err *err) {
    long idx = rs_graph_find(rs_project_graph(p), name);
    const rs_model_info *mi;
    char *sql = NULL;
    int rc;

    if (idx < 0) {
        const char *close = rs_graph_suggest(rs_project_graph(p), name);
        if (close != NULL)
            return rs_err_set(err, RS_EINVAL,
                              "rockset_test: no model named '%s'; did you mean '%s'?", name, close);
        return rs_err_set(err, RS_EINVAL, "rockset_test: no model named '%s'", name);
    }
    mi = rs_project_model(p, (size_t)idx);
    if (mi->kind == RS_MAT_QUERY_LAMBDA)
        return rs_err_set(err, RS_EINVAL,
                          "rockset_test: model '%s' is a query lambda, which has no rows to test",
                          name);
    if (mi->kind != RS_MAT_EPHEMERAL)
        return rs_mat_relation_sql(q, mi->workspace, mi->alias);
    rc = rs_project_compile_sql(p, (size_t)idx, 0, &sql, err);
    if (rc == RS_OK) {
        rs_buf_putc(q, '(');
        rs_buf_puts(q, sql);
        rs_buf_putc(q, ')');
    }
    free(sql);
    return rc;
}

/* Two quoted names inside "f('a', 'b')" / "f('a')": fills a and b (b may stay empty). */
static int call_args(const char *text, char *a, char *b, size_t size) {
    const char *p = strchr(text, '(');
    char *outs[2] = {a, b};
    int k;

    a[0] = b[0] = '\0';
    for (k = 0; p != NULL && k < 2; k++) {
        const char *open = strpbrk(p, "'\""), *close;
        if (open == NULL)
            break;
        close = strchr(open + 1, *open);
        if (close == NULL || (size_t)(close - open - 1) >= size)
            return -1;
        memcpy(outs[k], open + 1, (size_t)(close - open - 1));
        outs[k][close - open - 1] = '\0';
        p = close + 1;
    }
    return a[0] ? 0 : -1;
}

/* The relation `to` of a relationships test. */
static int put_to_relation(rs_buf *q, rs_project *p, const char *to, rs_err *err) {
    char a[256], b[256];
    const char *src;

    if (strncmp(to, "source(", 7) == 0) {
        if (call_args(to, a, b, sizeof(a)) != 0 || b[0] == '\0')
            return rs_err_set(err, RS_EINVAL, "rockset_test: cannot read '%s'", to);
        src = rs_project_source_sql(p, a, b);
        if (src == NULL)
            return rs_err_set(err, RS_EINVAL,
                              "rockset_test: source('%s', '%s') is not in "
                              "rockset_sources",
                              a, b);
        return rs_buf_puts(q, src);
    }
    if (strncmp(to, "ref(", 4) == 0) {
        if (call_args(to, a, b, sizeof(a)) != 0)
            return rs_err_set(err, RS_EINVAL, "rockset_test: cannot read '%s'", to);
        return put_model_relation(q, p, b[0] ? b : a, err);
    }
    return put_model_relation(q, p, to, err);
}

/* Append a JSON scalar as an SQL literal. */
static int put_literal(rs_buf *q, rs_jsonscan_span v, rs_err *err) {
    char *text = NULL;
    const char *c;
    int rc;

    v = rs_jsonscan_trim(v);
    switch (rs_jsonscan_classify(v)) {
    case RS_JSON_STRING:
        rc = rs_jsonscan_string_dup(v, &text, err);
        if (rc != RS_OK)
            return rc;
        rs_buf_putc(q, '\'');
        for (c = text; *c; c++) {
            if (*c == '\'')
                rs_buf_putc(q, '\'');
            rs_buf_putc(q, *c);
        }
        rs_buf_putc(q, '\'');
        free(text);
        return RS_OK;
    case RS_JSON_INT:
    case RS_JSON_FLOAT:
        return rs_buf_append(q, v.ptr, v.len);
    case RS_JSON_TRUE:
        return rs_buf_puts(q, "TRUE");
    case RS_JSON_FALSE:
        return rs_buf_puts(q, "FALSE");
    default:
        return rs_err_set(err, RS_EINVAL,
                          "rockset_test: accepted_values takes strings, numbers and booleans");
    }
}

static int put_accepted(rs_buf *q, const rs_datatest *t, rs_err *err) {
    rs_jsonscan_span arg, values, item;
    rs_jsonscan_iter it;
    int first = 1, rc = RS_OK;

    arg = rs_jsonscan_cstr(t->arg ? t->arg : "");
    if (rs_jsonscan_validate(arg.ptr, arg.len, NULL) != RS_OK)
        return rs_err_set(err, RS_EINVAL,
                          "rockset_test: accepted_values needs arg: a JSON list "
                          "or {\"values\": [...]}");
    values = arg;
    if (rs_jsonscan_classify(arg) == RS_JSON_OBJECT && !rs_jsonscan_get(arg, "values", &values))
        values = rs_jsonscan_cstr("");
    if (rs_jsonscan_classify(values) != RS_JSON_ARRAY || rs_jsonscan_count(values) < 1)
        return rs_err_set(err, RS_EINVAL,
                          "rockset_test: accepted_values needs arg: a JSON list "
                          "or {\"values\": [...]}");
    rs_jsonscan_iter_init(&it, values);
    while (rc == RS_OK && rs_jsonscan_iter_next(&it, NULL, &item) == 1) {
        rs_buf_puts(q, first ? "" : ", ");
        rc = put_literal(q, item, err);
        first = 0;
    }
    return rc;
}

static int relationships_args(const rs_datatest *t, char **to, char **field, rs_err *err) {
    rs_jsonscan_span arg = rs_jsonscan_cstr(t->arg ? t->arg : ""), v;
    int rc = RS_EINVAL;

    if (rs_jsonscan_validate(arg.ptr, arg.len, NULL) == RS_OK && rs_jsonscan_get(arg, "to", &v) &&
        rs_jsonscan_classify(v) == RS_JSON_STRING) {
        rc = rs_jsonscan_string_dup(rs_jsonscan_trim(v), to, err);
        if (rc == RS_OK && rs_jsonscan_get(arg, "field", &v) &&
            rs_jsonscan_classify(v) == RS_JSON_STRING)
            rc = rs_jsonscan_string_dup(rs_jsonscan_trim(v), field, err);
        else if (rc == RS_OK)
            rc = RS_EINVAL;
    }
    if (rc == RS_EINVAL)
        rs_err_set(err, RS_EINVAL,
                   "rockset_test: relationships needs arg {\"to\": \"model\", \"field\": \"f\"}");
    return rc;
}

/* The query of a built-in test reading rel (the model's relation, maybe wrapped by where). */
static int compile_builtin(rs_project *p, const rs_datatest *t, const char *rel, rs_buf *q,
                           rs_err *err) {
    char *to = NULL, *field = NULL;
    int rc;

    if (t->column == NULL)
        return rs_err_set(err, RS_EINVAL, "rockset_test: test #%lld has no column_name", t->id);
    rs_buf_puts(q, "SELECT COUNT(*) AS failures FROM ");
    if (strcmp(t->test, "unique") == 0) {
        rs_buf_puts(q, "(SELECT t.");
        rs_mat_quote_ident(q, t->column);
        rs_buf_puts(q, " FROM ");
    }
    rc = rs_buf_puts(q, rel);
    rs_buf_puts(q, " AS t WHERE t.");
    rs_mat_quote_ident(q, t->column);
    if (rc == RS_OK && strcmp(t->test, "not_null") == 0) {
        rs_buf_puts(q, " IS NULL");
    } else if (rc == RS_OK && strcmp(t->test, "unique") == 0) {
        rs_buf_puts(q, " IS NOT NULL GROUP BY t.");
        rs_mat_quote_ident(q, t->column);
        rs_buf_puts(q, " HAVING COUNT(*) > 1) AS dups");
    } else if (rc == RS_OK && strcmp(t->test, "accepted_values") == 0) {
        rs_buf_puts(q, " IS NOT NULL AND t.");
        rs_mat_quote_ident(q, t->column);
        rs_buf_puts(q, " NOT IN (");
        rc = put_accepted(q, t, err);
        rs_buf_putc(q, ')');
    } else if (rc == RS_OK && strcmp(t->test, "relationships") == 0) {
        rc = relationships_args(t, &to, &field, err);
        rs_buf_puts(q, " IS NOT NULL AND t.");
        rs_mat_quote_ident(q, t->column);
        rs_buf_puts(q, " NOT IN (SELECT p.");
        rs_mat_quote_ident(q, field ? field : "");
        rs_buf_puts(q, " FROM ");
        if (rc == RS_OK)
            rc = put_to_relation(q, p, to, err);
        rs_buf_puts(q, " AS p WHERE p.");
        rs_mat_quote_ident(q, field ? field : "");
        rs_buf_puts(q, " IS NOT NULL)");
    } else if (rc == RS_OK) {
        rc = rs_err_set(err, RS_EINVAL, "rockset_test: unknown test '%s'", t->test);
    }
    free(to);
    free(field);
    if (rc == RS_OK && q->oom)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    return rc;
}

/* Fill tg for node (a model's name, or source:s.t), read through c's where when it has one. */
static int make_target(rs_project *p, const char *node, const rs_datatest_config *c,
                       rs_datatest_target *tg, rs_err *err) {
    rs_buf rel = RS_BUF_INIT;
    char a[256], b[256];
    long idx;
    int rc = RS_OK;

    if (source_node(node, a, b, sizeof(a))) {
        tg->relation = rs_project_source_sql(p, a, b);
        if (tg->relation == NULL)
            return rs_err_set(err, RS_EINVAL,
                              "rockset_test: source('%s', '%s') is not in "
                              "rockset_sources",
                              a, b);
        rs_buf_puts(&rel, tg->relation);
        tg->schema = rs_project_source_part(p, a, b, 0);
        tg->name = rs_project_source_part(p, a, b, 1);
    } else {
        rc = put_model_relation(&rel, p, node, err);
        idx = rs_graph_find(rs_project_graph(p), node);
        if (rc == RS_OK) {
            const rs_model_info *mi = rs_project_model(p, (size_t)idx);
            tg->schema = mi->workspace;
            tg->name = mi->alias;
            tg->relation = mi->relation;
        }
    }
    tg->wrapped = c->where != NULL;
    if (rc == RS_OK && c->where != NULL && strstr(c->where, "{{") != NULL) {
        /* dbt renders a test's config when it runs: where: "id > {{ var('min') }}" */
        char *where = NULL;
        rc = rs_project_render_text(p, node, c->where, NULL, &where, NULL, NULL, err);
        if (rc == RS_OK)
            rs_buf_printf(&tg->sql, "(SELECT * FROM %s WHERE %s)", rs_buf_cstr(&rel), where);
        free(where);
    } else if (rc == RS_OK && c->where != NULL)
        rs_buf_printf(&tg->sql, "(SELECT * FROM %s WHERE %s)", rs_buf_cstr(&rel), c->where);
    else if (rc == RS_OK)
        rs_buf_puts(&tg->sql, rs_buf_cstr(&rel));
    if (rc == RS_OK && (rel.oom || tg->sql.oom))
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    rs_buf_free(&rel);
    return rc;
}

/* "pkg.name" -> pkg and test_name; "name" -> "" and test_name. 0, or -1 when too long. */
static int generic_macro(const char *test, char *pkg, char *macro, size_t size) {
    const char *dot = strchr(test, '.');
    size_t pkg_len = dot ? (size_t)(dot - test) : 0;

    if (pkg_len >= size)
        return -1;
    memcpy(pkg, test, pkg_len);
    pkg[pkg_len] = '\0';
    return snprintf(macro, size, "test_%s", dot ? dot + 1 : test) < (int)size ? 0 : -1;
}

static int is_ident(const char *s) {
    const char *c;

    if (s[0] == '\0' || (s[0] >= '0' && s[0] <= '9'))
        return 0;
    for (c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_'))
            return 0;
    return 1;
}

/* One keyword argument: a string spelling ref(...) / source(...) is passed as that call (dbt
 * renders test arguments), anything else as the value of __rs_args[key]. */
static int put_kwarg(rs_buf *call, const char *key, rs_jsonscan_span value, rs_err *err) {
    char *text = NULL;
    int rc = RS_OK;

    rs_buf_printf(call, ", %s=", key);
    if (rs_jsonscan_classify(value) == RS_JSON_STRING)
        rc = rs_jsonscan_string_dup(rs_jsonscan_trim(value), &text, err);
    if (rc == RS_OK && text != NULL &&
        (strncmp(text, "ref(", 4) == 0 || strncmp(text, "source(", 7) == 0) &&
        text[strlen(text) - 1] == ')')
        rs_buf_puts(call, text);
    else if (rc == RS_OK)
        rs_buf_printf(call, "__rs_args['%s']", key);
    free(text);
    return rc;
}

/* ", k=__rs_args['k']" for each member of the arg object (a list is `values`, the arg of an
 * accepted_values row). Names dbt reserves (model, column_name, config, name) are left out. */
static int put_kwargs(rs_buf *call, const rs_datatest *t, rs_err *err) {
    rs_jsonscan_span arg = rs_jsonscan_cstr(t->arg ? t->arg : "null"), key, value;
    rs_jsonscan_iter it;
    char *name = NULL;
    int rc = RS_OK;

    if (rs_jsonscan_validate(arg.ptr, arg.len, NULL) != RS_OK)
        return rs_err_set(err, RS_EINVAL, "rockset_test: arg must be a JSON object");
    if (rs_jsonscan_classify(arg) == RS_JSON_ARRAY)
        return rs_buf_puts(call, ", values=__rs_args");
    if (rs_jsonscan_classify(arg) == RS_JSON_NULL)
        return RS_OK;
    if (rs_jsonscan_classify(arg) != RS_JSON_OBJECT)
        return rs_err_set(err, RS_EINVAL, "rockset_test: arg must be a JSON object");
    rs_jsonscan_iter_init(&it, arg);
    while (rc == RS_OK && rs_jsonscan_iter_next(&it, &key, &value) == 1) {
        rc = rs_jsonscan_string_dup(key, &name, err);
        if (rc == RS_OK && !is_ident(name))
            rc = rs_err_set(err, RS_EINVAL, "rockset_test: argument '%s' is not a name", name);
        if (rc == RS_OK && strcmp(name, "model") != 0 && strcmp(name, "column_name") != 0 &&
            strcmp(name, "config") != 0 && strcmp(name, "name") != 0)
            rc = put_kwarg(call, name, value, err);
        free(name);
        name = NULL;
    }
    return rc;
}

/* The names a generic test's call reads: column_name and __rs_args. */
static int call_names(const rs_datatest *t, rs_buf *json) {
    rs_buf_puts(json, "{\"__rs_args\":");
    rs_buf_puts(json, t->arg ? t->arg : "null");
    if (t->column != NULL) {
        rs_buf_puts(json, ",\"column_name\":");
        rs_buf_json_string(json, t->column, strlen(t->column));
    }
    return rs_buf_putc(json, '}');
}

/* SELECT COUNT(*) over the failing rows that sql selects, or the test's own fail_calc (dbt's
 * config: dbt_utils.equal_rowcount counts SUM(diff_count), not rows). */
static int put_count_query(rs_buf *q, const char *sql, const char *fail_calc) {
    rs_buf_printf(q, "SELECT %s AS failures FROM (\n", fail_calc ? fail_calc : "COUNT(*)");
    rs_compile_trim_sql(q, sql);
    return rs_buf_puts(q, "\n) AS dbt_internal_test");
}

/* The query of a generic test: its macro called on the target, counted. */
static int compile_generic(rs_project *p, const rs_datatest *t, const char *label,
                           const rs_datatest_target *tg, rs_buf *q, char ***refs, size_t *n_refs,
                           rs_err *err) {
    rs_buf call = RS_BUF_INIT, names_json = RS_BUF_INIT, model = RS_BUF_INIT;
    rs_render_names names;
    char pkg[128], macro[300], *sql = NULL, *fail_calc = NULL;
    int rc = RS_OK;

    if (generic_macro(t->test, pkg, macro, sizeof(pkg)) != 0)
        return rs_err_set(err, RS_EINVAL, "rockset_test: test name '%s' is too long", t->test);
    if (pkg[0] == '\0' && !rs_project_has_macro(p, "", macro) &&
        rs_project_macro_package(p, macro) != NULL) /* dbt: the project, then packages */
        snprintf(pkg, sizeof(pkg), "%s", rs_project_macro_package(p, macro));
    if (!rs_project_has_macro(p, pkg, macro))
        return rs_err_set(err, RS_EINVAL,
                          "rockset_test: no generic test '%s': no macro %s%s%s in rockset_macros "
                          "(%s%s%s)",
                          t->test, pkg, pkg[0] ? "." : "", macro,
                          pkg[0] ? "import the package: dbt_packages/" : "define {% test ",
                          pkg[0] ? pkg : macro + 5, pkg[0] ? "" : "(model, ...) %} in macros/");
    rs_buf_printf(&call, "{{ %s%s%s(model=model", pkg, pkg[0] ? "." : "", macro);
    if (t->column != NULL)
        rs_buf_puts(&call, ", column_name=column_name");
    rc = put_kwargs(&call, t, err);
    rs_buf_puts(&call, ") }}");
    call_names(t, &names_json);
    rs_buf_printf(&model, "%s%s", rs_buf_cstr(&tg->sql), tg->wrapped ? " AS dbt_subquery" : "");
    if (rc == RS_OK && (call.oom || names_json.oom || model.oom))
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    names.model_sql = rs_buf_cstr(&model);
    names.model_schema = tg->schema;
    names.model_name = tg->name;
    names.names_json = rs_buf_cstr(&names_json);
    names.fail_calc = &fail_calc;
    names.kind = NULL;
    if (rc == RS_OK)
        rc = rs_project_render_text(p, label, rs_buf_cstr(&call), &names, &sql, refs, n_refs, err);
    if (rc == RS_OK)
        put_count_query(q, sql, fail_calc);
    free(sql);
    free(fail_calc);
    rs_buf_free(&call);
    rs_buf_free(&names_json);
    rs_buf_free(&model);
    return rc;
}

/* The query of a singular test: its SQL rendered, counted. */
static int compile_singular(rs_project *p, const rs_datatest *t, const char *label, rs_buf *q,
                            char ***refs, size_t *n_refs, rs_err *err) {
    rs_render_names names = {NULL, NULL, NULL, NULL, NULL, NULL};
    char *sql = NULL, *fail_calc = NULL;
    int rc;

    if (t->sql == NULL)
        return rs_err_set(err, RS_EINVAL, "rockset_test: singular test '%s' has no sql", label);
    names.fail_calc = &fail_calc;
    rc = rs_project_render_text(p, label, t->sql, &names, &sql, refs, n_refs, err);
    if (rc == RS_OK)
        put_count_query(q, sql, fail_calc);
    free(sql);
    free(fail_calc);
    return rc;
}

static int is_builtin(rs_project *p, const char *test) {
    char macro[300];

    if (strcmp(test, "unique") != 0 && strcmp(test, "not_null") != 0 &&
        strcmp(test, "accepted_values") != 0 && strcmp(test, "relationships") != 0)
        return 0;
    snprintf(macro, sizeof(macro), "test_%s", test);
    return !rs_project_has_macro(p, "", macro); /* the project's own macro wins */
}

void rs_datatest_plan_free(rs_datatest_plan *plan) {
    size_t i;

    rs_buf_free(&plan->sql);
    rs_buf_free(&plan->target.sql);
    for (i = 0; i < plan->n_refs; i++)
        free(plan->refs[i]);
    free(plan->refs);
    memset(plan, 0, sizeof(*plan));
}

int rs_datatest_compile(rs_project *p, const rs_datatest *t, const rs_datatest_config *c,
                        const char *label, rs_datatest_plan *plan, rs_err *err) {
    int rc;

    if (strcmp(t->test, "singular") == 0)
        rc = compile_singular(p, t, label, &plan->sql, &plan->refs, &plan->n_refs, err);
    else
        rc = make_target(p, t->model, c, &plan->target, err);
    if (rc == RS_OK && strcmp(t->test, "singular") != 0) {
        if (is_builtin(p, t->test))
            rc = compile_builtin(p, t, rs_buf_cstr(&plan->target.sql), &plan->sql, err);
        else
            rc = compile_generic(p, t, label, &plan->target, &plan->sql, &plan->refs, &plan->n_refs,
                                 err);
    }
    if (rc == RS_OK && plan->sql.oom)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    return rc;
}

/* ---------------------------------------------------------------- what a test reads */

int rs_datatest_parent_model(const rs_datatest *t, char *name, size_t size) {
    char *to = NULL, *field = NULL, a[256], b[256];
    int found = 0;
    rs_err ignored;

    if (strcmp(t->test, "relationships") != 0 || relationships_args(t, &to, &field, &ignored))
        goto done;
    if (strncmp(to, "ref(", 4) == 0 && call_args(to, a, b, sizeof(a)) == 0)
        found = snprintf(name, size, "%s", b[0] ? b : a) < (int)size;
    else if (strncmp(to, "source(", 7) != 0)
        found = snprintf(name, size, "%s", to) < (int)size;
done:
    free(to);
    free(field);
    return found;
}

int rs_datatest_name(const rs_datatest *t, rs_buf *out) {
    if (t->name != NULL)
        return rs_buf_puts(out, t->name);
    return rs_buf_printf(out, "%s_%s_%s", t->test, t->model, t->column ? t->column : "");
}
