/* schema.c - see schema.h. Sections: schema, DESCRIBE. */
#include "schema.h"
#include "jsonscan.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int oom(rs_err *err) {
    return rs_err_set(err, RS_ENOMEM, "out of memory");
}

/* ---------------------------------------------------------------- schema */

void rs_schema_free(rs_schema *schema) {
    size_t i;

    if (schema == NULL)
        return;
    for (i = 0; i < schema->n; i++) {
        free(schema->cols[i].name);
        free(schema->cols[i].type);
    }
    free(schema->cols);
    schema->cols = NULL;
    schema->n = 0;
}

/* Case-insensitive (ASCII) substring test, as SQLite's sqlite3AffinityType does. */
static int has_word(const char *type, const char *word) {
    size_t n = strlen(word), i;

    for (i = 0; type[i] != '\0'; i++) {
        if (strncasecmp(type + i, word, n) == 0)
            return 1;
    }
    return 0;
}

rs_affinity rs_schema_affinity(const char *type) {
    if (type == NULL || type[0] == '\0')
        return RS_AFF_BLOB;
    if (has_word(type, "INT"))
        return RS_AFF_INTEGER;
    if (has_word(type, "CHAR") || has_word(type, "CLOB") || has_word(type, "TEXT"))
        return RS_AFF_TEXT;
    if (has_word(type, "BLOB"))
        return RS_AFF_BLOB;
    if (has_word(type, "REAL") || has_word(type, "FLOA") || has_word(type, "DOUB"))
        return RS_AFF_REAL;
    return RS_AFF_NUMERIC;
}

int rs_schema_find(const rs_schema *schema, const char *name) {
    size_t i;

    for (i = 0; i < schema->n; i++) {
        if (strcasecmp(schema->cols[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

/* Append a column (copies name and type). */
static int schema_add(rs_schema *schema, const char *name, size_t name_len, const char *type,
                      rs_col_role role) {
    rs_column *grown = realloc(schema->cols, (schema->n + 1) * sizeof(*grown));
    rs_column *col;

    if (grown == NULL)
        return RS_ENOMEM;
    schema->cols = grown;
    col = &schema->cols[schema->n];
    col->name = strndup(name, name_len);
    col->type = strdup(type);
    if (col->name == NULL || col->type == NULL) {
        free(col->name);
        free(col->type);
        return RS_ENOMEM;
    }
    col->affinity = rs_schema_affinity(type);
    col->role = role;
    schema->n++;
    return RS_OK;
}

static int is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_ident_char(unsigned char c) {
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* Read one identifier at text[*pos] into out (decoded). */
static int read_name(const char *text, size_t *pos, rs_buf *out, rs_err *err) {
    size_t p = *pos;
    char open = text[p], close;

    if (open == '"' || open == '`' || open == '[') {
        close = open == '[' ? ']' : open;
        for (p++;; p++) {
            if (text[p] == '\0')
                return rs_err_set(err, RS_EINVAL,
                                  "rockset: columns: unterminated quoted name at offset %zu", *pos);
            if (text[p] == close && close != ']' && text[p + 1] == close) {
                rs_buf_putc(out, close);
                p++;
            } else if (text[p] == close) {
                break;
            } else {
                rs_buf_putc(out, text[p]);
            }
        }
        p++;
    } else {
        while (is_ident_char((unsigned char)text[p]))
            rs_buf_putc(out, text[p++]);
    }
    if (out->oom)
        return oom(err);
    if (out->len == 0)
        return rs_err_set(err, RS_EINVAL, "rockset: columns: expected a column name at offset %zu",
                          *pos);
    *pos = p;
    return RS_OK;
}

/* Read an optional type (words, then an optional "(n[, m])") into out. */
static int read_type(const char *text, size_t *pos, rs_buf *out, rs_err *err) {
    size_t p = *pos;

    for (;;) {
        while (is_blank(text[p]))
            p++;
        if (!isalnum((unsigned char)text[p]) && text[p] != '_')
            break;
        if (out->len > 0)
            rs_buf_putc(out, ' ');
        while (isalnum((unsigned char)text[p]) || text[p] == '_')
            rs_buf_putc(out, text[p++]);
    }
    if (text[p] == '(' && out->len > 0) {
        size_t start = p;
        while (text[p] != '\0' && text[p] != ')' &&
               (isdigit((unsigned char)text[p]) || is_blank(text[p]) || text[p] == ',' ||
                text[p] == '(' || text[p] == '+' || text[p] == '-'))
            p++;
        if (text[p] != ')')
            return rs_err_set(err, RS_EINVAL, "rockset: columns: unexpected '%c' at offset %zu",
                              text[p] != '\0' ? text[p] : ' ', p);
        rs_buf_append(out, text + start, p + 1 - start);
        p++;
    }
    while (is_blank(text[p]))
        p++;
    *pos = p;
    return out->oom ? oom(err) : RS_OK;
}

/* Add one parsed column, refusing reserved and repeated names. */
static int add_declared(rs_schema *schema, const char *name, const char *type, rs_err *err) {
    if (strcmp(name, "_id") == 0)
        return RS_OK; /* always present, always TEXT */
    if (strcmp(name, "_event_time") == 0 || strcmp(name, "_doc") == 0)
        return rs_err_set(err, RS_EINVAL, "rockset: columns: column '%s' is reserved", name);
    if (rs_schema_find(schema, name) >= 0)
        return rs_err_set(err, RS_EINVAL, "rockset: columns: duplicate column '%s'", name);
    if (schema_add(schema, name, strlen(name), type, RS_COL_FIELD) != RS_OK)
        return oom(err);
    return RS_OK;
}

/* Parse "name [type], ..." after the _id column. */
static int parse_column_items(const char *text, int allow_empty, rs_schema *schema, rs_err *err) {
    rs_buf name = RS_BUF_INIT, type = RS_BUF_INIT;
    size_t pos = 0;
    int rc = RS_OK;

    while (is_blank(text[pos]))
        pos++;
    if (text[pos] == '\0' && allow_empty)
        return RS_OK;
    if (text[pos] == '\0')
        return rs_err_set(err, RS_EINVAL, "rockset: columns: empty column list");
    while (rc == RS_OK) {
        rs_buf_reset(&name);
        rs_buf_reset(&type);
        while (is_blank(text[pos]))
            pos++;
        rc = read_name(text, &pos, &name, err);
        if (rc == RS_OK)
            rc = read_type(text, &pos, &type, err);
        if (rc == RS_OK)
            rc = add_declared(schema, rs_buf_cstr(&name), rs_buf_cstr(&type), err);
        if (rc != RS_OK || text[pos] == '\0')
            break;
        if (text[pos] != ',')
            rc = rs_err_set(err, RS_EINVAL, "rockset: columns: unexpected '%c' at offset %zu",
                            text[pos], pos);
        pos++;
    }
    rs_buf_free(&name);
    rs_buf_free(&type);
    return rc;
}

int rs_schema_parse_columns(const char *text, int allow_empty, rs_schema *out, rs_err *err) {
    rs_schema schema = RS_SCHEMA_INIT;
    int rc;

    if (schema_add(&schema, "_id", 3, "TEXT", RS_COL_ID) != RS_OK)
        return oom(err);
    rc = parse_column_items(text, allow_empty, &schema, err);
    if (rc == RS_OK &&
        (schema_add(&schema, "_event_time", 11, "TEXT", RS_COL_EVENT_TIME) != RS_OK ||
         schema_add(&schema, "_doc", 4, "TEXT", RS_COL_DOC) != RS_OK))
        rc = oom(err);
    if (rc != RS_OK) {
        rs_schema_free(&schema);
        return rc;
    }
    *out = schema;
    return RS_OK;
}

int rs_schema_quote_ident(rs_buf *out, const char *name) {
    const char *p;

    rs_buf_putc(out, '"');
    for (p = name; *p != '\0'; p++) {
        if (*p == '"')
            rs_buf_putc(out, '"');
        rs_buf_putc(out, *p);
    }
    rs_buf_putc(out, '"');
    return out->oom ? RS_ENOMEM : RS_OK;
}

int rs_schema_columns_text(const rs_schema *schema, rs_buf *out) {
    size_t i;
    int first = 1;

    for (i = 0; i < schema->n; i++) {
        if (schema->cols[i].role != RS_COL_FIELD)
            continue;
        if (!first)
            rs_buf_puts(out, ", ");
        first = 0;
        rs_schema_quote_ident(out, schema->cols[i].name);
        if (schema->cols[i].type[0] != '\0')
            rs_buf_printf(out, " %s", schema->cols[i].type);
    }
    return out->oom ? RS_ENOMEM : RS_OK;
}

int rs_schema_declare(const rs_schema *schema, rs_buf *out) {
    size_t i;

    rs_buf_puts(out, "CREATE TABLE x(");
    for (i = 0; i < schema->n; i++) {
        const rs_column *col = &schema->cols[i];
        if (i > 0)
            rs_buf_puts(out, ", ");
        rs_schema_quote_ident(out, col->name);
        if (col->type[0] != '\0')
            rs_buf_printf(out, " %s", col->type);
        if (col->role == RS_COL_ID)
            rs_buf_puts(out, " PRIMARY KEY");
        else if (col->role != RS_COL_FIELD)
            rs_buf_puts(out, " HIDDEN");
    }
    rs_buf_puts(out, ") WITHOUT ROWID");
    return out->oom ? RS_ENOMEM : RS_OK;
}

/* ---------------------------------------------------------------- DESCRIBE */

typedef struct type_count {
    char *type;
    long long count;
} type_count;

typedef struct described_field {
    char *name;
    type_count *types;
    size_t n_types;
} described_field;

struct rs_describe_acc {
    described_field *fields;
    size_t n_fields;
};

rs_describe_acc *rs_describe_acc_new(void) {
    return calloc(1, sizeof(rs_describe_acc));
}

void rs_describe_acc_free(rs_describe_acc *acc) {
    size_t i, j;

    if (acc == NULL)
        return;
    for (i = 0; i < acc->n_fields; i++) {
        for (j = 0; j < acc->fields[i].n_types; j++)
            free(acc->fields[i].types[j].type);
        free(acc->fields[i].types);
        free(acc->fields[i].name);
    }
    free(acc->fields);
    free(acc);
}

const char *rs_schema_type_for(const char *rockset_type) {
    if (strcmp(rockset_type, "int") == 0 || strcmp(rockset_type, "bool") == 0)
        return "INTEGER";
    if (strcmp(rockset_type, "float") == 0)
        return "REAL";
    if (strcmp(rockset_type, "null") == 0 || strcmp(rockset_type, "null_type") == 0)
        return "";
    return "TEXT";
}

/* The one-element field path of a DESCRIBE row, decoded; NULL (and RS_OK) for other shapes. */
static int top_level_name(rs_jsonscan_span row, char **name, rs_err *err) {
    rs_jsonscan_span field, first;
    rs_jsonscan_iter it;

    *name = NULL;
    if (!rs_jsonscan_get(row, "field", &field) || rs_jsonscan_count(field) != 1)
        return RS_OK;
    rs_jsonscan_iter_init(&it, field);
    if (rs_jsonscan_iter_next(&it, NULL, &first) != 1 ||
        rs_jsonscan_classify(first) != RS_JSON_STRING)
        return RS_OK;
    if (rs_jsonscan_string_dup(first, name, err) != RS_OK)
        return err->code == RS_ENOMEM ? RS_ENOMEM : RS_OK;
    return RS_OK;
}

/* The entry for name, created when new (taking *name). *out is NULL when a field with the same
 * name in another case exists: SQLite could not tell such columns apart, the first one stays. */
static int field_entry(rs_describe_acc *acc, char **name, described_field **out) {
    described_field *grown;
    size_t i;

    *out = NULL;
    for (i = 0; i < acc->n_fields; i++) {
        if (strcasecmp(acc->fields[i].name, *name) == 0) {
            if (strcmp(acc->fields[i].name, *name) == 0)
                *out = &acc->fields[i];
            return RS_OK;
        }
    }
    grown = realloc(acc->fields, (acc->n_fields + 1) * sizeof(*grown));
    if (grown == NULL)
        return RS_ENOMEM;
    acc->fields = grown;
    memset(&grown[acc->n_fields], 0, sizeof(*grown));
    grown[acc->n_fields].name = *name;
    *name = NULL; /* handed over */
    *out = &grown[acc->n_fields++];
    return RS_OK;
}

static int add_type_count(described_field *f, const char *type, long long count) {
    type_count *grown;
    size_t i;

    for (i = 0; i < f->n_types; i++) {
        if (strcmp(f->types[i].type, type) == 0) {
            f->types[i].count += count;
            return RS_OK;
        }
    }
    grown = realloc(f->types, (f->n_types + 1) * sizeof(*grown));
    if (grown == NULL)
        return RS_ENOMEM;
    f->types = grown;
    grown[f->n_types].type = strdup(type);
    if (grown[f->n_types].type == NULL)
        return RS_ENOMEM;
    grown[f->n_types++].count = count;
    return RS_OK;
}

int rs_describe_acc_add(rs_describe_acc *acc, const char *row_text, size_t row_len, rs_err *err) {
    rs_jsonscan_span row = {row_text, row_len};
    char *name = NULL, *type = NULL;
    described_field *f;
    long long count = 0;
    int found = 0, rc;

    rc = top_level_name(row, &name, err);
    if (rc != RS_OK || name == NULL)
        return rc;
    if (strcmp(name, "_id") == 0 || strcmp(name, "_event_time") == 0 ||
        strcmp(name, "_meta") == 0 || strcmp(name, "_doc") == 0) {
        free(name);
        return RS_OK;
    }
    if (rs_jsonscan_get_string(row, "type", &type, err) != RS_OK || type == NULL ||
        rs_jsonscan_get_int64(row, "occurrences", &count, &found, err) != RS_OK) {
        rc = err->code == RS_ENOMEM ? RS_ENOMEM : RS_OK;
        goto done;
    }
    rc = field_entry(acc, &name, &f);
    if (rc == RS_OK && f != NULL)
        rc = add_type_count(f, type, found ? count : 1);
done:
    free(name);
    free(type);
    if (rc == RS_ENOMEM)
        return oom(err);
    return RS_OK;
}

/* The winning type of a field: most occurrences, null only when alone, first on ties. */
static const char *winning_type(const described_field *f) {
    const type_count *best = NULL;
    size_t i;

    for (i = 0; i < f->n_types; i++) {
        const type_count *t = &f->types[i];
        if (strcmp(t->type, "null") == 0 || strcmp(t->type, "null_type") == 0)
            continue;
        if (best == NULL || t->count > best->count)
            best = t;
    }
    return best != NULL ? best->type : "null";
}

int rs_describe_acc_columns(const rs_describe_acc *acc, rs_buf *out, rs_err *err) {
    size_t i;
    const char *type;

    for (i = 0; i < acc->n_fields; i++) {
        if (i > 0)
            rs_buf_puts(out, ", ");
        rs_schema_quote_ident(out, acc->fields[i].name);
        type = rs_schema_type_for(winning_type(&acc->fields[i]));
        if (type[0] != '\0')
            rs_buf_printf(out, " %s", type);
    }
    return out->oom ? oom(err) : RS_OK;
}
