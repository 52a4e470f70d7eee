/*
 * unittest.c - see unittest.h.
 *
 * How it works: every table here is a JSON list of objects; the columns are the members' names
 * in the order they first appear (cols_of). Literal rows are SELECTs joined by UNION ALL; the
 * comparison decodes each value once per pair it looks at (values are small and few).
 */
#include "unittest.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLS 256

static int oom(rs_err *err) {
    return rs_err_set(err, RS_ENOMEM, "out of memory");
}

/* ---------------------------------------------------------------- columns */

typedef struct cols {
    char *name[MAX_COLS];
    size_t n;
} cols;

static void cols_free(cols *c) {
    for (size_t i = 0; i < c->n; i++)
        free(c->name[i]);
    c->n = 0;
}

static int cols_add(cols *c, rs_jsonscan_span key, rs_err *err) {
    char *name = NULL;
    size_t i;

    if (rs_jsonscan_string_dup(key, &name, err) != RS_OK)
        return RS_ENOMEM;
    for (i = 0; i < c->n; i++) {
        if (strcmp(c->name[i], name) == 0) {
            free(name);
            return RS_OK;
        }
    }
    if (c->n == MAX_COLS) {
        free(name);
        return rs_err_set(err, RS_EINVAL, "a fixture has more than %d columns", MAX_COLS);
    }
    c->name[c->n++] = name;
    return RS_OK;
}

/* The columns rows name, in order of first appearance. */
static int cols_of(rs_jsonscan_span rows, cols *c, rs_err *err) {
    rs_jsonscan_iter it, row_it;
    rs_jsonscan_span row, k, v;
    int rc = RS_OK;

    c->n = 0;
    if (rs_jsonscan_classify(rows) != RS_JSON_ARRAY || rs_jsonscan_iter_init(&it, rows) != RS_OK)
        return rs_err_set(err, RS_EINVAL, "rows must be a list of mappings");
    while (rc == RS_OK && rs_jsonscan_iter_next(&it, NULL, &row) == 1) {
        if (rs_jsonscan_classify(row) != RS_JSON_OBJECT)
            return rs_err_set(err, RS_EINVAL, "rows must be a list of mappings");
        rs_jsonscan_iter_init(&row_it, row);
        while (rc == RS_OK && rs_jsonscan_iter_next(&row_it, &k, &v) == 1)
            rc = cols_add(c, k, err);
    }
    return rc;
}

/* A column name as an identifier, quoted when it is not a plain one. */
static void put_ident(rs_buf *out, const char *name) {
    int plain = isalpha((unsigned char)name[0]) || name[0] == '_';

    for (const char *p = name; plain && *p; p++)
        plain = isalnum((unsigned char)*p) || *p == '_';
    if (plain) {
        rs_buf_puts(out, name);
        return;
    }
    rs_buf_putc(out, '"');
    for (const char *p = name; *p; p++)
        rs_buf_puts(out, *p == '"' ? "\"\"" : (char[]){*p, 0});
    rs_buf_putc(out, '"');
}

static void put_string_literal(rs_buf *out, const char *s) {
    rs_buf_putc(out, '\'');
    for (; *s; s++)
        rs_buf_puts(out, *s == '\'' ? "''" : (char[]){*s, 0});
    rs_buf_putc(out, '\'');
}

/* ---------------------------------------------------------------- csv */

/* One field at *p (a quoted one unescaped) into cell; *p moves past it. */
static int csv_field(const char **p, rs_buf *cell, int *quoted, size_t line, rs_err *err) {
    const char *s = *p;

    *quoted = *s == '"';
    if (!*quoted) {
        while (*s && *s != ',' && *s != '\n' && *s != '\r')
            rs_buf_putc(cell, *s++);
        *p = s;
        return RS_OK;
    }
    for (s++;; s++) {
        if (*s == '\0')
            return rs_err_set(err, RS_EINVAL, "csv fixture line %zu: an unclosed quote", line);
        if (*s == '"' && s[1] == '"')
            rs_buf_putc(cell, *s++);
        else if (*s == '"')
            break;
        else
            rs_buf_putc(cell, *s);
    }
    *p = s + 1;
    return RS_OK;
}

/* Put cell `col` of a data row (an empty unquoted cell is null). */
static void csv_put(rs_buf *out, const cols *header, size_t col, const rs_buf *cell, int quoted,
                    int *row_open) {
    if (col >= header->n)
        return;
    rs_buf_puts(out, *row_open ? "," : (out->len > 1 ? ",{" : "{"));
    *row_open = 1;
    rs_buf_json_string(out, header->name[col], strlen(header->name[col]));
    rs_buf_putc(out, ':');
    if (cell->len == 0 && !quoted)
        rs_buf_puts(out, "null");
    else
        rs_buf_json_string(out, rs_buf_cstr(cell), cell->len);
}

int rs_unit_csv_to_json(const char *csv, rs_buf *out, rs_err *err) {
    rs_buf cell = RS_BUF_INIT;
    cols header = {{0}, 0};
    size_t line = 1, col = 0;
    int rc = RS_OK, quoted, in_header = 1, row_open = 0, at_field = 1;
    const char *p = csv;

    rs_buf_putc(out, '[');
    while (rc == RS_OK && (*p || !at_field || col > 0)) {
        if (at_field) { /* a field starts here, maybe empty */
            rs_buf_reset(&cell);
            quoted = 0;
            if (*p != '\0' && *p != '\r' && *p != '\n')
                rc = csv_field(&p, &cell, &quoted, line, err);
            if (rc != RS_OK)
                break;
            if (in_header && header.n == MAX_COLS)
                rc = rs_err_set(err, RS_EINVAL, "a fixture has more than %d columns", MAX_COLS);
            else if (in_header && (header.name[header.n++] = strdup(rs_buf_cstr(&cell))) == NULL)
                rc = oom(err);
            else if (!in_header && (cell.len > 0 || quoted || col > 0 || *p == ','))
                csv_put(out, &header, col, &cell, quoted, &row_open);
            col++;
            at_field = *p == ',';
            p += *p == ',';
            continue;
        }
        if (*p == '\r' && p[1] == '\n') /* end of a line */
            p++;
        if (*p)
            p++;
        line++;
        if (row_open)
            rs_buf_putc(out, '}');
        in_header = 0;
        row_open = 0;
        col = 0;
        at_field = 1;
    }
    rs_buf_putc(out, ']');
    rs_buf_free(&cell);
    cols_free(&header);
    return rc == RS_OK && out->oom ? oom(err) : rc;
}

/* ---------------------------------------------------------------- literal rows */

/* Does text read as an integer / a number? */
static int is_number_text(const char *s, int *is_int) {
    char *end;

    if (*s == '\0' || isspace((unsigned char)*s))
        return 0;
    strtod(s, &end);
    if (*end != '\0')
        return 0;
    *is_int = strspn(s + (*s == '-'), "0123456789") == strlen(s + (*s == '-'));
    return 1;
}

/* The literal of value v in a column of type `type` (NULL: unknown). */
static int put_value(rs_buf *out, rs_jsonscan_span v, const char *type, int infer,
                     const char *column, rs_err *err) {
    rs_jsonscan_kind k = rs_jsonscan_classify(v);
    char *s = NULL;
    int is_int;

    if (k == RS_JSON_OBJECT || k == RS_JSON_ARRAY)
        return rs_err_set(err, RS_EINVAL,
                          "a fixture value cannot be an object or a list (column '%s')", column);
    if (k != RS_JSON_STRING)
        return rs_buf_append(out, v.ptr, v.len) == RS_OK ? RS_OK : oom(err);
    if (rs_jsonscan_string_dup(v, &s, err) != RS_OK)
        return RS_ENOMEM;
    if (type != NULL && strcmp(type, "string") != 0 && strcmp(type, "null") != 0) {
        rs_buf_puts(out, "CAST(");
        put_string_literal(out, s);
        rs_buf_printf(out, " AS %s)", type);
    } else if (type == NULL && infer && is_number_text(s, &is_int)) {
        rs_buf_puts(out, s);
    } else if (type == NULL && infer && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)) {
        rs_buf_puts(out, s);
    } else {
        put_string_literal(out, s);
    }
    free(s);
    return RS_OK;
}

/* The type types_json gives column, copied into buf (NULL when none). */
static const char *type_of(const char *types_json, const char *column, char *buf, size_t size) {
    rs_jsonscan_span v;
    rs_buf name = RS_BUF_INIT;

    if (types_json == NULL || !rs_jsonscan_get(rs_jsonscan_cstr(types_json), column, &v) ||
        rs_jsonscan_classify(v) != RS_JSON_STRING || rs_jsonscan_string_decode(v, &name, NULL))
        return NULL;
    snprintf(buf, size, "%s", rs_buf_cstr(&name));
    rs_buf_free(&name);
    for (char *p = buf; *p; p++) /* a type name is a word: nothing else reaches the SQL */
        if (!isalnum((unsigned char)*p) && *p != '_')
            return NULL;
    return buf;
}

static int put_row(rs_buf *out, rs_jsonscan_span row, const cols *c, const char *types_json,
                   int infer, rs_err *err) {
    char type[64];
    rs_jsonscan_span v;
    int rc = RS_OK;

    rs_buf_puts(out, "SELECT ");
    for (size_t i = 0; rc == RS_OK && i < c->n; i++) {
        rs_buf_puts(out, i ? ", " : "");
        if (rs_jsonscan_get(row, c->name[i], &v))
            rc = put_value(out, v, type_of(types_json, c->name[i], type, sizeof(type)), infer,
                           c->name[i], err);
        else
            rs_buf_puts(out, "NULL");
        rs_buf_puts(out, " AS ");
        put_ident(out, c->name[i]);
    }
    return rc;
}

int rs_unit_rows_sql(rs_jsonscan_span rows, const char *types_json, int infer, rs_buf *out,
                     rs_err *err) {
    rs_jsonscan_iter it;
    rs_jsonscan_span row;
    cols c;
    size_t n = 0;
    int rc = cols_of(rows, &c, err);

    rs_jsonscan_iter_init(&it, rows);
    while (rc == RS_OK && rs_jsonscan_iter_next(&it, NULL, &row) == 1) {
        rs_buf_puts(out, n++ ? "\nUNION ALL\n" : "");
        rc = put_row(out, row, &c, types_json, infer, err);
    }
    if (rc == RS_OK && n == 0) {
        rs_buf_puts(out, "SELECT ");
        for (size_t i = 0; i < c.n; i++) {
            rs_buf_puts(out, i ? ", NULL AS " : "NULL AS ");
            put_ident(out, c.name[i]);
        }
        rs_buf_puts(out, c.n ? " WHERE false" : "NULL AS dbt_empty WHERE false");
    }
    cols_free(&c);
    return rc == RS_OK && out->oom ? oom(err) : rc;
}

int rs_unit_types_sql(rs_jsonscan_span rows, const char *relation_sql, rs_buf *out,
                      size_t *n_columns, rs_err *err) {
    cols c;
    int rc = cols_of(rows, &c, err);

    *n_columns = rc == RS_OK ? c.n : 0;
    for (size_t i = 0; rc == RS_OK && i < c.n; i++) {
        rs_buf_puts(out, i ? ", " : "SELECT ");
        rs_buf_puts(out, "MAX(CASE WHEN ");
        put_ident(out, c.name[i]);
        rs_buf_puts(out, " IS NOT NULL THEN TYPEOF(");
        put_ident(out, c.name[i]);
        rs_buf_puts(out, ") END) AS ");
        put_ident(out, c.name[i]);
    }
    if (rc == RS_OK && c.n > 0)
        rs_buf_printf(out, " FROM %s", relation_sql);
    cols_free(&c);
    return rc == RS_OK && out->oom ? oom(err) : rc;
}

/* ---------------------------------------------------------------- comparison */

static long long days_from_civil(long long y, int m, int d) {
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* "YYYY-MM-DD[( |T)HH:MM[:SS[.f]]][Z]" -> microseconds on its own clock; 0 when it reads. */
static int parse_instant(const char *s, long long *micros) {
    int y, mo, d, h = 0, mi = 0, n = 0, k = 0;
    double sec = 0;

    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return -1;
    s += n;
    if (*s == 'T' || *s == ' ') {
        if (sscanf(s + 1, "%2d:%2d%n", &h, &mi, &k) != 2)
            return -1;
        s += 1 + k;
        if (*s == ':') {
            char *end;
            sec = strtod(s + 1, &end);
            s = end;
        }
    }
    if (*s == 'Z')
        s++;
    if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    *micros =
        (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) * 1000000LL + llround(sec * 1e6);
    return 0;
}

/* The text of a string value, or of a typed value's "value" ({"__rockset_type": ...}). */
static char *text_of(rs_jsonscan_span v) {
    rs_jsonscan_span inner;
    char *s = NULL;

    if (rs_jsonscan_classify(v) == RS_JSON_OBJECT && rs_jsonscan_get(v, "value", &inner))
        v = inner;
    if (rs_jsonscan_classify(v) != RS_JSON_STRING || rs_jsonscan_string_dup(v, &s, NULL) != RS_OK)
        return NULL;
    return s;
}

static int numbers_match(double a, double b) {
    return a == b || fabs(a - b) <= 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

/* A number against text (a string holding a number): numerically. */
static int number_text_match(rs_jsonscan_span num, const char *text) {
    double a, b;
    char *end;

    if (text == NULL || rs_jsonscan_double(num, &a) != RS_OK)
        return 0;
    b = strtod(text, &end);
    return *text != '\0' && *end == '\0' && numbers_match(a, b);
}

static int is_nullish(rs_jsonscan_span v, int present) {
    return !present || rs_jsonscan_classify(v) == RS_JSON_NULL;
}

/* Does actual value a (present or not) match expected value e (present or not)? */
static int values_match(rs_jsonscan_span a, int a_present, rs_jsonscan_span e, int e_present) {
    rs_jsonscan_kind ka = a_present ? rs_jsonscan_classify(a) : RS_JSON_NULL;
    rs_jsonscan_kind ke = e_present ? rs_jsonscan_classify(e) : RS_JSON_NULL;
    int is_num_a = ka == RS_JSON_INT || ka == RS_JSON_FLOAT;
    int is_num_e = ke == RS_JSON_INT || ke == RS_JSON_FLOAT;
    char *ta, *te;
    long long ia, ie;
    double da, de;
    int match;

    if (is_nullish(a, a_present) || is_nullish(e, e_present))
        return is_nullish(a, a_present) && is_nullish(e, e_present);
    if (a.len == e.len && memcmp(a.ptr, e.ptr, a.len) == 0)
        return 1;
    if (is_num_a && is_num_e)
        return rs_jsonscan_double(a, &da) == RS_OK && rs_jsonscan_double(e, &de) == RS_OK &&
               numbers_match(da, de);
    if ((ka == RS_JSON_TRUE || ka == RS_JSON_FALSE) || (ke == RS_JSON_TRUE || ke == RS_JSON_FALSE))
        return 0; /* the same booleans were equal as JSON */
    ta = text_of(a);
    te = text_of(e);
    if (is_num_a || is_num_e)
        match = is_num_a ? number_text_match(a, te) : number_text_match(e, ta);
    else
        match = ta != NULL && te != NULL &&
                (strcmp(ta, te) == 0 ||
                 (parse_instant(ta, &ia) == 0 && parse_instant(te, &ie) == 0 && ia == ie));
    free(ta);
    free(te);
    return match;
}

static int rows_match(rs_jsonscan_span actual, rs_jsonscan_span expected, const cols *c) {
    rs_jsonscan_span a, e;

    for (size_t i = 0; i < c->n; i++) {
        int has_a = rs_jsonscan_get(actual, c->name[i], &a);
        int has_e = rs_jsonscan_get(expected, c->name[i], &e);
        if (!values_match(a, has_a, e, has_e))
            return 0;
    }
    return 1;
}

static void put_diff_row(rs_buf *diff, const char *mark, rs_jsonscan_span row, const cols *c) {
    rs_jsonscan_span v;

    rs_buf_printf(diff, "\n%s", mark);
    for (size_t i = 0; i < c->n; i++) {
        rs_buf_putc(diff, ',');
        if (rs_jsonscan_get(row, c->name[i], &v))
            rs_buf_append(diff, v.ptr, v.len);
        else
            rs_buf_puts(diff, "null");
    }
}

int rs_unit_compare(rs_jsonscan_span expected, const rs_jsonscan_span *actual, size_t n_actual,
                    int *equal, rs_buf *diff, rs_err *err) {
    rs_jsonscan_iter it;
    rs_jsonscan_span row;
    unsigned char *used = calloc(n_actual ? n_actual : 1, 1);
    cols c;
    size_t i;
    int rc = used != NULL ? cols_of(expected, &c, err) : oom(err), missing = 0;

    if (rc != RS_OK) {
        free(used);
        return rc;
    }
    rs_buf_puts(diff, "@@");
    for (i = 0; i < c.n; i++)
        rs_buf_printf(diff, ",%s", c.name[i]);
    rs_jsonscan_iter_init(&it, expected);
    while (rs_jsonscan_iter_next(&it, NULL, &row) == 1) {
        for (i = 0; i < n_actual && (used[i] || !rows_match(actual[i], row, &c)); i++)
            ;
        if (i < n_actual)
            used[i] = 1;
        else {
            missing = 1;
            put_diff_row(diff, "---", row, &c);
        }
    }
    for (i = 0; i < n_actual; i++) {
        if (!used[i]) {
            missing = 1;
            put_diff_row(diff, "+++", actual[i], &c);
        }
    }
    *equal = !missing;
    free(used);
    cols_free(&c);
    return diff->oom ? oom(err) : RS_OK;
}
