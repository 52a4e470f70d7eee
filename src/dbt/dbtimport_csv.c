/*
 * dbtimport_csv.c - dbt seeds: CSV text into a header, typed columns and rows (dbtimport.h).
 *
 * RFC 4180 with the usual leniencies: LF or CRLF line ends, a leading UTF-8 byte order mark,
 * blank lines skipped, a final line without a line end. A quoted field may hold commas, line
 * ends and "" for a quote; a quote inside an unquoted field is taken literally. Every row must
 * have as many fields as the header; header names must be non-empty and distinct.
 *
 * Types, per column, over its non-empty cells (dbt's inference, written afresh): all integers
 * that fit 64 bits and have no leading zero -> INTEGER; all numbers -> REAL; all true/false
 * (any case) -> BOOLEAN; all dates YYYY-MM-DD -> DATE; all dates or timestamps
 * YYYY-MM-DD[ T]HH:MM:SS[.f{1,9}] -> TIMESTAMP; otherwise TEXT (also for a column with no
 * values at all). Leading zeros are kept as text on purpose: '02134' is a zip code, not 2134.
 * Timestamp cells are rewritten 'YYYY-MM-DD HH:MM:SS[.f]' (a date alone gets ' 00:00:00'), the
 * form SQLite's date functions read.
 */
#include "dbtimport_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The reader's position and the record being built. */
typedef struct csv_reader {
    const char *path;
    const char *text;
    size_t len;
    size_t pos;
    size_t line;      /* 1-based line of pos */
    size_t col_start; /* offset where the current line starts */
    rs_buf field;
    int field_empty; /* the current field had no characters (an empty or "" field) */
    char delim;      /* the field separator */
} csv_reader;

static int csv_fail(csv_reader *r, size_t line, size_t column, rs_err *err, const char *what) {
    if (column > 0)
        rs_err_set(err, RS_EINVAL, "%s line %zu column %zu: %s", r->path, line, column, what);
    else
        rs_err_set(err, RS_EINVAL, "%s line %zu: %s", r->path, line, what);
    err->line = (int)line;
    err->column = (int)column;
    return RS_EINVAL;
}

static void next_line(csv_reader *r) {
    r->line++;
    r->col_start = r->pos;
}

/* Read the rest of a quoted field (pos is just past the opening quote). */
static int read_quoted(csv_reader *r, rs_err *err) {
    size_t open_line = r->line, open_col = r->pos - r->col_start;

    while (r->pos < r->len) {
        char ch = r->text[r->pos++];
        if (ch == '"') {
            if (r->pos < r->len && r->text[r->pos] == '"') {
                rs_buf_putc(&r->field, '"');
                r->pos++;
                continue;
            }
            if (r->pos < r->len && r->text[r->pos] != r->delim && r->text[r->pos] != '\n' &&
                r->text[r->pos] != '\r')
                return csv_fail(r, r->line, r->pos - r->col_start + 1, err,
                                "unexpected character after a closing quote");
            return RS_OK;
        }
        rs_buf_putc(&r->field, ch);
        if (ch == '\n')
            next_line(r);
    }
    rs_err_set(err, RS_EINVAL, "%s line %zu column %zu: a quoted field is never closed", r->path,
               open_line, open_col);
    err->line = (int)open_line;
    err->column = (int)open_col;
    return RS_EINVAL;
}

/* Read one record into fields (cleared first). *got is 0 at the end of the text. Blank lines
 * are skipped; *record_line is the line the record starts on. */
static int read_record(csv_reader *r, dbt_strv *fields, int *got, size_t *record_line,
                       rs_err *err) {
    int rc = RS_OK;

    dbt_strv_free(fields);
    while (r->pos < r->len && (r->text[r->pos] == '\n' || r->text[r->pos] == '\r')) {
        if (r->text[r->pos++] == '\n')
            next_line(r);
    }
    *got = r->pos < r->len;
    *record_line = r->line;
    while (*got && rc == RS_OK) {
        rs_buf_reset(&r->field);
        if (r->pos < r->len && r->text[r->pos] == '"') {
            r->pos++;
            rc = read_quoted(r, err);
        } else {
            while (
                r->pos < r->len && r->text[r->pos] != r->delim && r->text[r->pos] != '\n' &&
                !(r->text[r->pos] == '\r' && (r->pos + 1 == r->len || r->text[r->pos + 1] == '\n')))
                rs_buf_putc(&r->field, r->text[r->pos++]);
        }
        if (rc != RS_OK)
            break;
        if (r->field.oom)
            return rs_err_set(err, RS_ENOMEM, "out of memory");
        rc = dbt_strv_push(fields, rs_buf_cstr(&r->field), r->field.len, err);
        if (r->pos < r->len && r->text[r->pos] == r->delim) {
            r->pos++;
            continue;
        }
        if (r->pos < r->len && r->text[r->pos] == '\r')
            r->pos++;
        if (r->pos < r->len && r->text[r->pos] == '\n') {
            r->pos++;
            next_line(r);
        }
        break;
    }
    return rc;
}

/* An integer with no leading zero that fits int64. */
static int is_integer(const char *s) {
    const char *digits = (*s == '-' || *s == '+') ? s + 1 : s;
    const char *p;
    char *end;

    if (*digits == '\0' || (digits[0] == '0' && digits[1] != '\0'))
        return 0;
    for (p = digits; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    errno = 0;
    (void)strtoll(s, &end, 10);
    return errno == 0 && *end == '\0';
}

/* A decimal number: [-+] digits [. digits] [e [-+] digits] (digits on at least one side of the
 * point), finite, and not an integer spelled with a leading zero. */
static int is_real(const char *s) {
    const char *p = (*s == '-' || *s == '+') ? s + 1 : s;
    size_t int_digits = 0, frac_digits = 0;
    char *end;
    double v;

    if (p[0] == '0' && p[1] >= '0' && p[1] <= '9')
        return 0;
    for (; *p >= '0' && *p <= '9'; p++)
        int_digits++;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            frac_digits++;
    if (int_digits + frac_digits == 0)
        return 0;
    p = dbt_skip_exponent(p);
    if (p == NULL || *p != '\0')
        return 0;
    v = strtod(s, &end);
    return *end == '\0' && isfinite(v);
}

/* n digits at p, into *value. */
static int digits(const char *p, int n, int *value) {
    int i;

    *value = 0;
    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        *value = *value * 10 + (p[i] - '0');
    }
    return 1;
}

/* YYYY-MM-DD, a real day of the Gregorian calendar, at s (10 bytes). */
static int is_date_prefix(const char *s) {
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d, leap;

    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return 0;
    leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

static int is_date(const char *s) {
    return strlen(s) == 10 && is_date_prefix(s);
}

/* YYYY-MM-DD[ T]HH:MM:SS[.f{1,9}] */
static int is_timestamp(const char *s) {
    int h, mi, sec;
    size_t frac = 0;

    if (strlen(s) < 19 || !is_date_prefix(s) || (s[10] != ' ' && s[10] != 'T') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec) || h > 23 || mi > 59 || sec > 59)
        return 0;
    if (s[19] == '\0')
        return 1;
    if (s[19] != '.')
        return 0;
    for (s += 20; *s >= '0' && *s <= '9'; s++)
        frac++;
    return *s == '\0' && frac >= 1 && frac <= 9;
}

static int is_boolean(const char *s) {
    return strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0;
}

int rs_dbt_cell_is(const char *cell, rs_dbt_type t) {
    switch (t) {
    case RS_DBT_INTEGER:
        return is_integer(cell);
    case RS_DBT_REAL:
        return is_integer(cell) || is_real(cell);
    case RS_DBT_BOOLEAN:
        return is_boolean(cell);
    case RS_DBT_DATE:
        return is_date(cell);
    case RS_DBT_TIMESTAMP:
        return is_date(cell) || is_timestamp(cell);
    default:
        return 1;
    }
}

/* Rewrite the timestamp cells of column c as 'YYYY-MM-DD HH:MM:SS[.f]'. */
static int normalise_timestamps(rs_dbt_seed *seed, size_t c, rs_err *err) {
    size_t r;

    for (r = 0; r < seed->n_rows; r++) {
        char **cell = &seed->cells[r * seed->n_columns + c];
        if (*cell == NULL)
            continue;
        if (strlen(*cell) == 10) {
            char *longer = realloc(*cell, 20);
            if (longer == NULL)
                return rs_err_set(err, RS_ENOMEM, "out of memory");
            memcpy(longer + 10, " 00:00:00", 10);
            *cell = longer;
        }
        (*cell)[10] = ' ';
    }
    return RS_OK;
}

/* The narrowest type every non-empty cell of column c reads as. */
static rs_dbt_type infer_column(const rs_dbt_seed *seed, size_t c) {
    static const rs_dbt_type order[] = {RS_DBT_INTEGER, RS_DBT_REAL, RS_DBT_BOOLEAN, RS_DBT_DATE,
                                        RS_DBT_TIMESTAMP};
    int fits[5] = {1, 1, 1, 1, 1}, any = 0;
    size_t r, k;

    for (r = 0; r < seed->n_rows; r++) {
        const char *cell = seed->cells[r * seed->n_columns + c];
        if (cell == NULL)
            continue;
        any = 1;
        for (k = 0; k < 5; k++)
            fits[k] = fits[k] && rs_dbt_cell_is(cell, order[k]);
    }
    for (k = 0; any && k < 5; k++)
        if (fits[k])
            return order[k];
    return RS_DBT_TEXT;
}

static int infer_types(rs_dbt_seed *seed, rs_err *err) {
    size_t c;
    int rc = RS_OK;

    for (c = 0; c < seed->n_columns && rc == RS_OK; c++) {
        seed->types[c] = infer_column(seed, c);
        if (seed->types[c] == RS_DBT_TIMESTAMP)
            rc = normalise_timestamps(seed, c, err);
    }
    return rc;
}

int rs_dbt_seed_set_type(rs_dbt_seed *seed, size_t column, rs_dbt_type t, rs_err *err) {
    size_t r;

    for (r = 0; r < seed->n_rows; r++) {
        const char *cell = seed->cells[r * seed->n_columns + column];
        if (cell != NULL && !rs_dbt_cell_is(cell, t))
            return rs_err_set(err, RS_EINVAL,
                              "%s: column '%s' row %zu: '%.60s' is not a valid %s (column_types)",
                              seed->path   ? seed->path
                              : seed->name ? seed->name
                                           : "seed",
                              seed->columns[column], r + 1, cell, rs_dbt_type_name(t));
    }
    seed->types[column] = t;
    return t == RS_DBT_TIMESTAMP ? normalise_timestamps(seed, column, err) : RS_OK;
}

int rs_dbt_type_parse(const char *name, rs_dbt_type *out) {
    static const struct {
        const char *name;
        rs_dbt_type type;
    } names[] = {
        {"varchar", RS_DBT_TEXT},       {"text", RS_DBT_TEXT},
        {"string", RS_DBT_TEXT},        {"char", RS_DBT_TEXT},
        {"int", RS_DBT_INTEGER},        {"integer", RS_DBT_INTEGER},
        {"bigint", RS_DBT_INTEGER},     {"smallint", RS_DBT_INTEGER},
        {"float", RS_DBT_REAL},         {"double", RS_DBT_REAL},
        {"real", RS_DBT_REAL},          {"numeric", RS_DBT_REAL},
        {"decimal", RS_DBT_REAL},       {"number", RS_DBT_REAL},
        {"boolean", RS_DBT_BOOLEAN},    {"bool", RS_DBT_BOOLEAN},
        {"date", RS_DBT_DATE},          {"timestamp", RS_DBT_TIMESTAMP},
        {"datetime", RS_DBT_TIMESTAMP},
    };
    size_t len, i;

    if (name == NULL)
        return 0;
    while (*name == ' ')
        name++;
    len = strcspn(name, "( ");
    if (name[len] == ' ' && name[len + strspn(name + len, " ")] != '(' &&
        name[len + strspn(name + len, " ")] != '\0')
        return 0; /* two words, such as "double precision" */
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strlen(names[i].name) == len && strncasecmp(name, names[i].name, len) == 0) {
            *out = names[i].type;
            return 1;
        }
    }
    return 0;
}

static int take_header(csv_reader *r, dbt_strv *fields, size_t line, rs_dbt_seed *seed,
                       rs_err *err) {
    size_t i, j;
    char what[200];

    for (i = 0; i < fields->n; i++) {
        if (fields->v[i][0] == '\0') {
            snprintf(what, sizeof(what), "header column %zu has no name", i + 1);
            return csv_fail(r, line, 0, err, what);
        }
        for (j = 0; j < i; j++) {
            if (strcmp(fields->v[i], fields->v[j]) == 0) {
                snprintf(what, sizeof(what), "duplicate header column '%.100s'", fields->v[i]);
                return csv_fail(r, line, 0, err, what);
            }
        }
    }
    seed->types = calloc(fields->n, sizeof(*seed->types));
    if (seed->types == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    seed->columns = fields->v;
    seed->n_columns = fields->n;
    memset(fields, 0, sizeof(*fields));
    return RS_OK;
}

/* Move a record's fields into the cells (empty ones become NULL). */
static int take_row(csv_reader *r, dbt_strv *fields, size_t line, rs_dbt_seed *seed,
                    dbt_strv *cells, rs_err *err) {
    size_t i;
    int rc = RS_OK;
    char what[120];

    if (fields->n != seed->n_columns) {
        snprintf(what, sizeof(what), "%zu field%s, but the header has %zu", fields->n,
                 fields->n == 1 ? "" : "s", seed->n_columns);
        return csv_fail(r, line, 0, err, what);
    }
    for (i = 0; i < fields->n && rc == RS_OK; i++) {
        char *cell = fields->v[i];
        fields->v[i] = NULL;
        if (cell[0] == '\0') {
            free(cell);
            cell = NULL;
        }
        rc = dbt_strv_take(cells, cell, err); /* NULL stands for an empty cell */
    }
    seed->n_rows++;
    return rc;
}

int rs_dbt_csv_parse(const char *path, const char *text, size_t len, rs_dbt_seed *seed,
                     rs_err *err) {
    return rs_dbt_csv_parse_with(path, text, len, ',', seed, err);
}

int rs_dbt_csv_parse_with(const char *path, const char *text, size_t len, char delimiter,
                          rs_dbt_seed *seed, rs_err *err) {
    csv_reader r = {path, text, len, 0, 1, 0, RS_BUF_INIT, 0, delimiter};
    dbt_strv fields = {0}, cells = {0};
    size_t line;
    int got, rc;

    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        r.pos = r.col_start = 3;
    rc = read_record(&r, &fields, &got, &line, err);
    if (rc == RS_OK && !got)
        rc = csv_fail(&r, 1, 0, err, "the file is empty: a seed needs a header row");
    if (rc == RS_OK)
        rc = take_header(&r, &fields, line, seed, err);
    while (rc == RS_OK) {
        rc = read_record(&r, &fields, &got, &line, err);
        if (rc != RS_OK || !got)
            break;
        rc = take_row(&r, &fields, line, seed, &cells, err);
    }
    dbt_strv_free(&fields);
    rs_buf_free(&r.field);
    seed->cells = cells.v;
    if (rc != RS_OK) {
        /* cells.n may be short of n_rows * n_columns after a failure: free by count. */
        size_t i;
        for (i = 0; i < cells.n; i++)
            free(cells.v[i]);
        free(cells.v);
        seed->cells = NULL;
        seed->n_rows = 0;
        rs_dbt_seed_clear(seed);
        return rc;
    }
    rc = infer_types(seed, err);
    if (rc != RS_OK)
        rs_dbt_seed_clear(seed);
    return rc;
}

void rs_dbt_seed_clear(rs_dbt_seed *seed) {
    size_t i;

    for (i = 0; seed->cells != NULL && i < seed->n_rows * seed->n_columns; i++)
        free(seed->cells[i]);
    free(seed->cells);
    for (i = 0; seed->columns != NULL && i < seed->n_columns; i++)
        free(seed->columns[i]);
    free(seed->columns);
    free(seed->types);
    seed->cells = NULL;
    seed->columns = NULL;
    seed->types = NULL;
    seed->n_rows = seed->n_columns = 0;
}

const char *rs_dbt_type_name(rs_dbt_type t) {
    switch (t) {
    case RS_DBT_INTEGER:
        return "INTEGER";
    case RS_DBT_REAL:
        return "REAL";
    case RS_DBT_BOOLEAN:
        return "BOOLEAN";
    case RS_DBT_DATE:
        return "DATE";
    case RS_DBT_TIMESTAMP:
        return "TIMESTAMP";
    default:
        return "TEXT";
    }
}
