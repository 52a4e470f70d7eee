/*
 * dbtimport_units.c - dbt's unit tests (dbt 1.8+): the `unit_tests:` entries of property files
 * into rs_dbt_unit_test records (dbtimport.h says what each field holds).
 *
 *   unit_tests:
 *     - name: test_is_valid_email
 *       model: dim_customers
 *       overrides: {macros: {is_incremental: true}, vars: {...}, env_vars: {...}}
 *       given:
 *         - input: ref('stg_customers')          # or source('s', 't'), or this
 *           rows: [{id: 1, email: a@b.c}]         # format: dict (the default)
 *         - input: ref('top_level_domains')
 *           format: csv                          # rows: CSV text, or fixture: <name>
 *           fixture: valid_domains
 *       expect:
 *         format: sql                            # rows: a SELECT, or fixture: <name>
 *         rows: select 1 as id
 *
 * A fixture is the file <test-path>/fixtures/<name>.csv (format csv) or .sql (format sql), read
 * here so that the import holds everything the test needs. Errors name the file, line and column:
 *   (a warning, the test skipped:) "models/x.yml line 4 column 7: unit test 'u' needs model:
 *   and expect:; skipped"
 *   "... unit test 'u': given: entries need input: (ref('m'), source('s', 't') or this)"
 *   "... unit test 'u': format must be dict, csv or sql, not 'x'"
 *   "... unit test 'u': fixture 'f' is not in any test path's fixtures/ folder (f.csv)"
 */
#include "dbtimport_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The format of a given: or expect: entry; *fmt gets "dict", "csv" or "sql". */
static int entry_format(dbt_yaml *y, yaml_node_t *entry, const char *test, const char **fmt,
                        rs_err *err) {
    const char *f = dbt_yaml_scalar(dbt_yaml_get(y, entry, "format"));

    *fmt = f != NULL ? f : "dict";
    if (strcmp(*fmt, "dict") != 0 && strcmp(*fmt, "csv") != 0 && strcmp(*fmt, "sql") != 0)
        return dbt_yaml_fail(y, entry, err, RS_EINVAL,
                             "unit test '%s': format must be dict, csv or sql, not '%s'", test,
                             *fmt);
    return RS_OK;
}

/* The text of fixture `name` (csv or sql) from the test paths' fixtures/ folders. */
static int read_fixture(dbt_loader *ld, dbt_yaml *y, yaml_node_t *at, const char *test,
                        const char *name, const char *fmt, char **text, rs_err *err) {
    char *rel = NULL, *full = NULL;
    size_t i, len;
    int rc = RS_ENOTFOUND;

    if (strcmp(fmt, "dict") == 0)
        return dbt_yaml_fail(y, at, err, RS_EINVAL,
                             "unit test '%s': a fixture needs format: csv or sql", test);
    for (i = 0; rc == RS_ENOTFOUND && i < ld->test_paths.n; i++) {
        if (asprintf(&rel, "%s/fixtures/%s.%s", ld->test_paths.v[i], name, fmt) < 0 ||
            asprintf(&full, "%s/%s", ld->dir, rel) < 0) {
            free(rel);
            return rs_err_set(err, RS_ENOMEM, "out of memory");
        }
        if (access(full, R_OK) == 0)
            rc = dbt_read_file(ld, rel, text, &len, err);
        free(rel);
        free(full);
        rel = full = NULL;
    }
    if (rc == RS_ENOTFOUND)
        return dbt_yaml_fail(y, at, err, RS_EINVAL,
                             "unit test '%s': fixture '%s' is not in any test path's fixtures/ "
                             "folder (%s.%s)",
                             test, name, name, fmt);
    return rc;
}

/* {"format": f, "rows": ...} members (without braces) of a given: / expect: entry. */
static int put_rows(dbt_loader *ld, dbt_yaml *y, yaml_node_t *entry, const char *test, rs_buf *out,
                    rs_err *err) {
    yaml_node_t *rows = dbt_yaml_get(y, entry, "rows");
    const char *fixture = dbt_yaml_scalar(dbt_yaml_get(y, entry, "fixture")), *fmt;
    char *text = NULL;
    int rc = entry_format(y, entry, test, &fmt, err);

    if (rc != RS_OK)
        return rc;
    rs_buf_printf(out, "\"format\":\"%s\",\"rows\":", fmt);
    if (fixture != NULL) {
        rc = read_fixture(ld, y, entry, test, fixture, fmt, &text, err);
        if (rc == RS_OK)
            rs_buf_json_string(out, text, strlen(text));
        free(text);
        return rc;
    }
    if (rows == NULL || dbt_yaml_is_null(rows))
        return rs_buf_puts(out, "[]") == RS_OK ? RS_OK
                                               : rs_err_set(err, RS_ENOMEM, "out of memory");
    return dbt_yaml_to_json(y, rows, out, err);
}

static int put_given(dbt_loader *ld, dbt_yaml *y, yaml_node_t *given, const char *test, rs_buf *out,
                     rs_err *err) {
    yaml_node_item_t *item;
    int rc = RS_OK, first = 1;

    if (given != NULL && given->type != YAML_SEQUENCE_NODE)
        return dbt_yaml_fail(y, given, err, RS_EINVAL, "unit test '%s': given: must be a list",
                             test);
    rs_buf_putc(out, '[');
    for (item = given ? given->data.sequence.items.start : NULL;
         rc == RS_OK && given != NULL && item < given->data.sequence.items.top; item++) {
        yaml_node_t *e = dbt_yaml_node(y, *item);
        const char *input = dbt_yaml_scalar(dbt_yaml_get(y, e, "input"));
        if (e->type != YAML_MAPPING_NODE || input == NULL)
            return dbt_yaml_fail(y, e, err, RS_EINVAL,
                                 "unit test '%s': given: entries need input: (ref('m'), "
                                 "source('s', 't') or this)",
                                 test);
        rs_buf_puts(out, first ? "{\"input\":" : ",{\"input\":");
        first = 0;
        rs_buf_json_string(out, input, strlen(input));
        rs_buf_putc(out, ',');
        rc = put_rows(ld, y, e, test, out, err);
        rs_buf_putc(out, '}');
    }
    rs_buf_putc(out, ']');
    return rc;
}

static int take_json(rs_buf *b, char **out, rs_err *err) {
    if (b->oom)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    *out = rs_buf_detach(b);
    return *out != NULL ? RS_OK : rs_err_set(err, RS_ENOMEM, "out of memory");
}

/* One unit_tests: entry. */
static int read_unit(dbt_loader *ld, dbt_yaml *y, yaml_node_t *e, rs_err *err) {
    const char *name = dbt_yaml_scalar(dbt_yaml_get(y, e, "name"));
    const char *model = dbt_yaml_scalar(dbt_yaml_get(y, e, "model"));
    const char *desc = dbt_yaml_scalar(dbt_yaml_get(y, e, "description"));
    yaml_node_t *expect = dbt_yaml_get(y, e, "expect"), *ov = dbt_yaml_get(y, e, "overrides");
    rs_buf given = RS_BUF_INIT, want = RS_BUF_INIT, over = RS_BUF_INIT;
    rs_dbt_unit_test u;
    int rc;

    if (e->type != YAML_MAPPING_NODE || name == NULL)
        return dbt_yaml_fail(y, e, err, RS_EINVAL, "a unit_tests: entry needs name:");
    if (model == NULL || expect == NULL || expect->type != YAML_MAPPING_NODE)
        return dbt_warn(ld, y, e, err, "unit test '%s' needs model: and expect:; skipped", name);
    memset(&u, 0, sizeof(u));
    rc = put_given(ld, y, dbt_yaml_get(y, e, "given"), name, &given, err);
    if (rc == RS_OK) {
        rs_buf_putc(&want, '{');
        rc = put_rows(ld, y, expect, name, &want, err);
        rs_buf_putc(&want, '}');
    }
    if (rc == RS_OK && ov != NULL && !dbt_yaml_is_null(ov))
        rc = dbt_yaml_to_json(y, ov, &over, err);
    if (rc == RS_OK)
        rc = take_json(&given, &u.given_json, err);
    if (rc == RS_OK)
        rc = take_json(&want, &u.expect_json, err);
    if (rc == RS_OK && over.len > 0)
        rc = take_json(&over, &u.overrides_json, err);
    if (rc == RS_OK &&
        ((u.name = dbt_strdup(name, err)) == NULL || (u.model = dbt_strdup(model, err)) == NULL ||
         (desc != NULL && (u.description = dbt_strdup(desc, err)) == NULL)))
        rc = RS_ENOMEM;
    if (rc == RS_OK)
        rc = dbt_grow((void **)&ld->p->unit_tests, ld->p->n_unit_tests, &ld->cap_units, sizeof(u),
                      err);
    if (rc == RS_OK)
        ld->p->unit_tests[ld->p->n_unit_tests++] = u;
    else
        dbt_unit_test_clear(&u);
    rs_buf_free(&given);
    rs_buf_free(&want);
    rs_buf_free(&over);
    return rc;
}

int dbt_read_unit_tests(dbt_loader *ld, dbt_yaml *y, yaml_node_t *list, rs_err *err) {
    yaml_node_item_t *item;
    int rc = RS_OK;

    if (list->type != YAML_SEQUENCE_NODE)
        return dbt_yaml_fail(y, list, err, RS_EINVAL, "unit_tests: must be a list");
    for (item = list->data.sequence.items.start;
         rc == RS_OK && item < list->data.sequence.items.top; item++)
        rc = read_unit(ld, y, dbt_yaml_node(y, *item), err);
    return rc;
}

void dbt_unit_test_clear(rs_dbt_unit_test *u) {
    free(u->name);
    free(u->model);
    free(u->given_json);
    free(u->expect_json);
    free(u->overrides_json);
    free(u->description);
    memset(u, 0, sizeof(*u));
}
