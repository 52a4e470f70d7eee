/* planner.c - see planner.h. Sections: plan encoding, predicates, query text. */
#include "planner.h"
#include "jsonscan.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int oom(rs_err *err) {
    return rs_err_set(err, RS_ENOMEM, "out of memory");
}

/* ---------------------------------------------------------------- plan encoding */

/* clang-format off */
static const char *const op_names[] = {
    NULL, "EQ", "NE", "LT", "LE", "GT", "GE", "ISNULL", "NOTNULL", "IN", "LIKE", "GLOB"
};
/* Rockset operator text of the comparison ops. */
static const char *const op_sql[] = {NULL, "=", "<>", "<", "<=", ">", ">="};
/* clang-format on */

#define N_OPS ((int)(sizeof(op_names) / sizeof(op_names[0])))

void rs_plan_init(rs_plan *plan) {
    memset(plan, 0, sizeof(*plan));
    plan->project = 1;
}

int rs_plan_encode(const rs_plan *plan, rs_buf *out) {
    int i;

    rs_buf_puts(out, "rs1");
    if (!plan->project) {
        rs_buf_puts(out, " a");
        return out->oom ? RS_ENOMEM : RS_OK;
    }
    rs_buf_printf(out, " c%" PRIx64, plan->columns);
    for (i = 0; i < plan->n_terms; i++) {
        const rs_plan_term *t = &plan->terms[i];
        rs_buf_printf(out, " w%d:%s:%d:%s%s%s", t->column, op_names[t->op], t->argv,
                      t->exact ? "x" : "", t->constant ? "k" : "",
                      t->exact || t->constant ? "" : "-");
    }
    for (i = 0; i < plan->n_order; i++)
        rs_buf_printf(out, " o%d:%c", plan->order[i].column, plan->order[i].desc ? 'd' : 'a');
    if (plan->limit_argv > 0)
        rs_buf_printf(out, " l%d", plan->limit_argv);
    if (plan->offset_argv > 0)
        rs_buf_printf(out, " f%d", plan->offset_argv);
    if (plan->page_hint > 0)
        rs_buf_printf(out, " h%lld", plan->page_hint);
    return out->oom ? RS_ENOMEM : RS_OK;
}

static int decode_op(const char *name, size_t len) {
    int i;

    for (i = 1; i < N_OPS; i++) {
        if (strlen(op_names[i]) == len && strncmp(op_names[i], name, len) == 0)
            return i;
    }
    return 0;
}

/* One "w<col>:<op>:<argv>:<flags>" token (without the 'w'). */
static int decode_term(const char *tok, rs_plan *plan) {
    rs_plan_term *t;
    const char *op, *colon;
    char *end;

    if (plan->n_terms >= RS_PLAN_MAX_TERMS)
        return 0;
    t = &plan->terms[plan->n_terms];
    t->column = (int)strtol(tok, &end, 10);
    if (end == tok || *end != ':')
        return 0;
    op = end + 1;
    colon = strchr(op, ':');
    if (colon == NULL)
        return 0;
    t->op = (rs_plan_op)decode_op(op, (size_t)(colon - op));
    if (t->op == 0)
        return 0;
    t->argv = (int)strtol(colon + 1, &end, 10);
    if (*end != ':')
        return 0;
    for (end++; *end != '\0' && *end != ' '; end++) {
        if (*end == 'x')
            t->exact = 1;
        else if (*end == 'k')
            t->constant = 1;
        else if (*end != '-')
            return 0;
    }
    plan->n_terms++;
    return 1;
}

static int decode_token(const char *tok, rs_plan *plan) {
    char *end = NULL;

    switch (tok[0]) {
    case 'a':
        plan->project = 0;
        return tok[1] == '\0' || tok[1] == ' ';
    case 'c':
        plan->columns = strtoull(tok + 1, &end, 16);
        break;
    case 'w':
        return decode_term(tok + 1, plan);
    case 'o':
        if (plan->n_order >= RS_PLAN_MAX_ORDER)
            return 0;
        plan->order[plan->n_order].column = (int)strtol(tok + 1, &end, 10);
        if (end[0] != ':' || (end[1] != 'a' && end[1] != 'd'))
            return 0;
        plan->order[plan->n_order++].desc = end[1] == 'd';
        end += 2;
        break;
    case 'l':
        plan->limit_argv = (int)strtol(tok + 1, &end, 10);
        break;
    case 'f':
        plan->offset_argv = (int)strtol(tok + 1, &end, 10);
        break;
    case 'h':
        plan->page_hint = strtoll(tok + 1, &end, 10);
        break;
    default:
        return 0;
    }
    return end != tok + 1 && (*end == '\0' || *end == ' ');
}

int rs_plan_decode(const char *text, rs_plan *plan, rs_err *err) {
    rs_plan decoded;
    const char *p;

    rs_plan_init(&decoded);
    if (text == NULL || strncmp(text, "rs1", 3) != 0 || (text[3] != '\0' && text[3] != ' '))
        goto bad;
    for (p = text + 3; *p == ' ';) {
        p++;
        if (!decode_token(p, &decoded))
            goto bad;
        p += strcspn(p, " ");
    }
    *plan = decoded;
    return RS_OK;
bad:
    return rs_err_set(err, RS_EINVAL, "rockset: bad plan '%s'", text ? text : "(null)");
}

/* ---------------------------------------------------------------- predicates */

/* What one type group (N, S, O: see planner.h) contributes to a pushed predicate. */
typedef enum gmode {
    G_FALSE = 0, /* no row of the group can match */
    G_CMP,       /* rows whose value compares true with the right-hand side, in Rockset */
    G_TRUE       /* every row of the group (possibly more than SQLite keeps: see exact) */
} gmode;

/* A right-hand side as SQLite compares it, after affinity. */
typedef struct cmp_value {
    rs_value_kind kind;
    long long i;
    double r;
    const char *text; /* borrowed from the rs_value */
    size_t len;
    int int_as_text; /* TEXT that is the rendering of integer i */
    int fuzzy;       /* a number or text whose exact value only SQLite knows */
} cmp_value;

typedef struct group_pred {
    gmode mode;
    cmp_value val; /* G_CMP */
    int exact;     /* the group's rows are exactly those SQLite keeps */
} group_pred;

typedef struct term_pred {
    group_pred num, str, oth;
    unsigned bools; /* bit 0: false matches, bit 1: true matches */
    int bools_exact;
} term_pred;

/* What SQLite does to the column's own value before comparing. */
typedef enum conv { CONV_NONE = 0, CONV_TO_NUM, CONV_TO_TEXT } conv;

#define EXACT_DOUBLE_LIMIT 9007199254740992.0 /* 2^53 */

static int op_holds(rs_plan_op op, int cmp) {
    switch (op) {
    case RS_OP_EQ:
        return cmp == 0;
    case RS_OP_NE:
        return cmp != 0;
    case RS_OP_LT:
        return cmp < 0;
    case RS_OP_LE:
        return cmp <= 0;
    case RS_OP_GT:
        return cmp > 0;
    case RS_OP_GE:
        return cmp >= 0;
    default:
        return 0;
    }
}

/* Ops true when the column's value sorts above / below the right-hand side's type. */
static int true_when_above(rs_plan_op op) {
    return op == RS_OP_GT || op == RS_OP_GE || op == RS_OP_NE;
}

static int true_when_below(rs_plan_op op) {
    return op == RS_OP_LT || op == RS_OP_LE || op == RS_OP_NE;
}

static cmp_value cmp_from(const rs_value *v) {
    cmp_value c;

    memset(&c, 0, sizeof(c));
    c.kind = v->kind;
    c.i = v->i;
    c.r = v->r;
    c.text = v->text;
    c.len = v->len;
    return c;
}

static size_t skip_blanks_at(const char *t, size_t len, size_t p) {
    while (p < len && is_blank(t[p]))
        p++;
    return p;
}

/* SQLite's NUMERIC affinity on a TEXT value: an integer literal (blanks around allowed) becomes
 * INT; any other number literal becomes a fuzzy REAL (SQLite's own parse decides its last bit);
 * everything else, hexadecimal included, stays TEXT. */
static cmp_value numeric_affinity(cmp_value v) {
    const char *t = v.text;
    size_t p, digits = 0, frac = 0, exp_digits = 0;
    int has_dot = 0, has_exp = 0;
    char num[32];

    if (v.kind != RS_VAL_TEXT || v.fuzzy || v.int_as_text)
        return v;
    p = skip_blanks_at(t, v.len, 0);
    if (p < v.len && (t[p] == '+' || t[p] == '-'))
        p++;
    for (; p < v.len && isdigit((unsigned char)t[p]); p++)
        digits++;
    if (p < v.len && t[p] == '.') {
        has_dot = 1;
        for (p++; p < v.len && isdigit((unsigned char)t[p]); p++)
            frac++;
    }
    if (digits + frac == 0)
        return v;
    if (p < v.len && (t[p] == 'e' || t[p] == 'E')) {
        has_exp = 1;
        p++;
        if (p < v.len && (t[p] == '+' || t[p] == '-'))
            p++;
        for (; p < v.len && isdigit((unsigned char)t[p]); p++)
            exp_digits++;
        if (exp_digits == 0)
            return v;
    }
    if (skip_blanks_at(t, v.len, p) != v.len)
        return v;
    if (!has_dot && !has_exp && v.len < sizeof(num)) {
        memcpy(num, t, v.len);
        num[v.len] = '\0';
        errno = 0;
        v.i = strtoll(num, NULL, 10);
        if (errno == 0) {
            v.kind = RS_VAL_INT;
            return v;
        }
    }
    v.kind = RS_VAL_REAL;
    v.fuzzy = 1;
    return v;
}

/* SQLite's TEXT affinity: an INT becomes its decimal text; a REAL's rendering is fuzzy. */
static cmp_value text_affinity(cmp_value v) {
    if (v.kind == RS_VAL_INT) {
        v.kind = RS_VAL_TEXT;
        v.int_as_text = 1;
    } else if (v.kind == RS_VAL_REAL) {
        v.kind = RS_VAL_TEXT;
        v.fuzzy = 1;
    }
    return v;
}

/* Could t be how SQLite shows a number or a bool ("12", "-1.5", "Inf")? */
static int may_render_number(const cmp_value *t) {
    if (t->int_as_text || t->fuzzy)
        return 1;
    return t->len > 0 &&
           (isdigit((unsigned char)t->text[0]) || t->text[0] == '-' || t->text[0] == 'I');
}

/* Could t be how a value of group O shows: JSON of an object, array or extended-JSON wrapper
 * ('{', '['), an ISO date, time or timestamp (a digit or sign, then '-' or ':' somewhere), or
 * base64 bytes (length a multiple of 4, base64 alphabet; "" included)? */
static int may_render_other(const cmp_value *t) {
    const char *s = t->text;
    size_t i;
    int base64 = 1;

    if (t->int_as_text || t->fuzzy || t->len == 0)
        return 1;
    if (s[0] == '{' || s[0] == '[')
        return 1;
    if (t->len >= 8 && (isdigit((unsigned char)s[0]) || s[0] == '-' || s[0] == '+') &&
        (memchr(s + 1, '-', t->len - 1) != NULL || memchr(s, ':', t->len) != NULL))
        return 1;
    if (t->len % 4 != 0)
        return 0;
    for (i = 0; i < t->len && base64; i++) {
        unsigned char c = (unsigned char)s[i];
        base64 = isalnum(c) || c == '+' || c == '/' || c == '=';
    }
    return base64;
}

/* Bytewise comparison of a short text with cmp's text (int_as_text rendered first). */
static int text_cmp(const char *a, size_t a_len, const cmp_value *b) {
    char num[32];
    const char *bt = b->text;
    size_t b_len = b->len, n;
    int c;

    if (b->int_as_text) {
        snprintf(num, sizeof(num), "%lld", b->i);
        bt = num;
        b_len = strlen(num);
    }
    n = a_len < b_len ? a_len : b_len;
    c = memcmp(a, bt, n);
    if (c != 0)
        return c;
    return a_len < b_len ? -1 : a_len > b_len;
}

static void set_group(group_pred *g, gmode mode, int exact) {
    g->mode = mode;
    g->exact = exact;
}

static void set_all(term_pred *tp, gmode mode) {
    set_group(&tp->num, mode, 1);
    set_group(&tp->str, mode, 1);
    set_group(&tp->oth, mode, 1);
    tp->bools = mode == G_TRUE ? 3u : 0u;
    tp->bools_exact = 1;
}

/* Text shown by a group compared with text t, when SQLite cannot be mirrored: only = and <>
 * are decided, and only when t cannot be such a rendering. */
static void rendered_vs_text(group_pred *g, rs_plan_op op, int may_render) {
    if (op == RS_OP_EQ)
        set_group(g, may_render ? G_TRUE : G_FALSE, !may_render);
    else
        set_group(g, G_TRUE, op == RS_OP_NE && !may_render);
}

/* Column value vs a numeric right-hand side (c is CONV_NONE or CONV_TO_NUM: under TEXT affinity
 * the right-hand side is text). */
static void groups_vs_number(conv c, rs_plan_op op, cmp_value v, term_pred *tp) {
    gmode text_side = true_when_above(op) ? G_TRUE : G_FALSE; /* TEXT > any number */
    int exact_num = v.kind == RS_VAL_INT ? (v.i <= (1LL << 53) && v.i >= -(1LL << 53))
                                         : (isfinite(v.r) && fabs(v.r) < EXACT_DOUBLE_LIMIT);

    if (v.fuzzy || !exact_num) {
        set_group(&tp->num, G_TRUE, 0);
        tp->bools = 3u;
        tp->bools_exact = 0;
    } else {
        double x = v.kind == RS_VAL_INT ? (double)v.i : v.r;
        set_group(&tp->num, G_CMP, 1);
        tp->num.val = v;
        tp->bools = (op_holds(op, (0.0 > x) - (0.0 < x)) ? 1u : 0u) |
                    (op_holds(op, (1.0 > x) - (1.0 < x)) ? 2u : 0u);
    }
    /* Under NUMERIC affinity a string (or base64 bytes) that looks like a number is compared
     * as one: Rockset cannot tell which, so every string is let through. */
    set_group(&tp->str, c == CONV_TO_NUM ? G_TRUE : text_side, c != CONV_TO_NUM);
    set_group(&tp->oth, c == CONV_TO_NUM ? G_TRUE : text_side, c != CONV_TO_NUM);
}

/* Column value vs a TEXT right-hand side. Under CONV_TO_NUM the text does not look like a
 * number (NUMERIC affinity would have converted it). */
static void groups_vs_text(conv c, rs_plan_op op, cmp_value v, term_pred *tp) {
    gmode number_side = true_when_below(op) ? G_TRUE : G_FALSE; /* any number < TEXT */
    int plain = op == RS_OP_EQ || op == RS_OP_NE;

    if (c == CONV_TO_TEXT) {
        rendered_vs_text(&tp->num, op, may_render_number(&v));
        if (v.fuzzy) {
            tp->bools = 3u;
            tp->bools_exact = 0;
        } else {
            tp->bools = (op_holds(op, text_cmp("0", 1, &v)) ? 1u : 0u) |
                        (op_holds(op, text_cmp("1", 1, &v)) ? 2u : 0u);
        }
    } else {
        set_group(&tp->num, number_side, 1);
        tp->bools = number_side == G_TRUE ? 3u : 0u;
    }
    if (v.fuzzy || (!v.int_as_text && memchr(v.text, '\0', v.len) != NULL)) {
        set_group(&tp->str, G_TRUE, 0);
    } else if (c == CONV_TO_NUM && (op == RS_OP_LT || op == RS_OP_LE)) {
        /* strings that became numbers sort below any text */
        set_group(&tp->str, G_TRUE, 0);
    } else {
        /* = and <>: a string that became a number never equals this text, nor does its text;
         * > and >=: such strings are false in SQLite, maybe true here (a superset) */
        set_group(&tp->str, G_CMP, c != CONV_TO_NUM || plain);
        tp->str.val = v;
    }
    if (c == CONV_TO_NUM && !plain)
        set_group(&tp->oth, G_TRUE, 0);
    else
        rendered_vs_text(&tp->oth, op, may_render_other(&v));
}

/* The affinity SQLite compares with (applied to BOTH sides: for a virtual table the column's
 * own value is converted too, unlike a stored value that already has its column's affinity). */
typedef enum cmp_aff { AFF_NONE = 0, AFF_TEXT, AFF_NUMERIC } cmp_aff;

static cmp_aff column_cmp_aff(rs_affinity a) {
    if (a == RS_AFF_TEXT)
        return AFF_TEXT;
    return a == RS_AFF_BLOB ? AFF_NONE : AFF_NUMERIC;
}

/* One affinity scenario (sqlite3CompareAffinity, then the conversions of OP_Eq & co.). */
static void eval_scenario(cmp_aff aff, rs_plan_op op, cmp_value v, term_pred *tp) {
    conv c = CONV_NONE;

    memset(tp, 0, sizeof(*tp));
    tp->bools_exact = 1;
    if (aff == AFF_NUMERIC) {
        c = CONV_TO_NUM;
        v = numeric_affinity(v);
    } else if (aff == AFF_TEXT) {
        c = CONV_TO_TEXT;
        v = text_affinity(v);
    }
    if (v.kind == RS_VAL_NULL)
        set_all(tp, G_FALSE);
    else if (v.kind == RS_VAL_BLOB)
        set_all(tp, true_when_below(op) ? G_TRUE : G_FALSE); /* BLOB > everything */
    else if (v.kind == RS_VAL_TEXT)
        groups_vs_text(c, op, v, tp);
    else
        groups_vs_number(c, op, v, tp);
}

static int same_cmp(const cmp_value *a, const cmp_value *b) {
    if (a->kind != b->kind || a->int_as_text != b->int_as_text || a->fuzzy != b->fuzzy)
        return 0;
    if (a->kind == RS_VAL_INT || a->int_as_text)
        return a->i == b->i;
    if (a->kind == RS_VAL_REAL)
        return memcmp(&a->r, &b->r, sizeof(double)) == 0;
    return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

/* Union of what two scenarios let through; exact only when they agree. */
static void merge_group(group_pred *acc, const group_pred *g) {
    if (acc->mode == g->mode && (g->mode != G_CMP || same_cmp(&acc->val, &g->val))) {
        acc->exact = acc->exact && g->exact;
        return;
    }
    if (acc->mode == G_FALSE && g->mode == G_CMP)
        acc->val = g->val;
    if (acc->mode == G_TRUE || g->mode == G_TRUE || (acc->mode == G_CMP && g->mode == G_CMP))
        acc->mode = G_TRUE;
    else
        acc->mode = G_CMP;
    acc->exact = 0;
}

/* The predicate for `col op v` over the comparison affinities possible: with a right-hand side
 * without affinity (a literal, a parameter) SQLite uses the column's; with one that has an
 * affinity (a CAST, a column of another table) NUMERIC when either side is numeric, else none.
 * A constant is a literal or a CAST to its own type; anything else may be anything. */
static void eval_term(const rs_column *col, rs_plan_op op, const rs_value *v, int constant,
                      term_pred *out) {
    cmp_aff scenarios[3];
    cmp_aff own = column_cmp_aff(col->affinity);
    size_t n = 0, i;
    term_pred one;
    cmp_value cv = cmp_from(v);

    scenarios[n++] = own;
    if (!constant) {
        scenarios[n++] = AFF_NUMERIC;
        scenarios[n++] = AFF_NONE;
    } else if (v->kind == RS_VAL_TEXT) {
        scenarios[n++] = own == AFF_NUMERIC ? AFF_NUMERIC : AFF_NONE; /* CAST(... AS TEXT) */
    } else if (v->kind == RS_VAL_INT || v->kind == RS_VAL_REAL) {
        scenarios[n++] = AFF_NUMERIC; /* CAST(... AS INTEGER) */
    }
    eval_scenario(scenarios[0], op, cv, out);
    for (i = 1; i < n; i++) {
        eval_scenario(scenarios[i], op, cv, &one);
        merge_group(&out->num, &one.num);
        merge_group(&out->str, &one.str);
        merge_group(&out->oth, &one.oth);
        out->bools_exact = out->bools_exact && one.bools_exact && out->bools == one.bools;
        out->bools |= one.bools;
    }
}

int rs_planner_can_push(const rs_column *col, rs_plan_op op) {
    if (col->role == RS_COL_EVENT_TIME || col->role == RS_COL_DOC)
        return 0;
    return op >= RS_OP_EQ && op <= RS_OP_GLOB;
}

int rs_planner_term_exact(const rs_column *col, rs_plan_op op, const rs_value *rhs) {
    term_pred tp;

    if (!rs_planner_can_push(col, op))
        return 0;
    if (op == RS_OP_ISNULL || op == RS_OP_NOTNULL)
        return 1;
    if (rhs == NULL || op == RS_OP_IN || op == RS_OP_LIKE || op == RS_OP_GLOB)
        return 0;
    eval_term(col, op, rhs, 1, &tp);
    if (col->role == RS_COL_ID)
        return tp.str.exact; /* _id is always a string: the other groups are empty */
    return tp.num.exact && tp.str.exact && tp.oth.exact && tp.bools_exact;
}

/* Whether a declared type names a collation other than BINARY (`TEXT COLLATE NOCASE`): SQLite
 * then sorts the column with it, and Rockset cannot. */
static int foreign_collation(const char *type) {
    const char *p, *name;

    for (p = type; *p != '\0'; p++) {
        if (strncasecmp(p, "COLLATE", 7) != 0 || (p > type && p[-1] != ' '))
            continue;
        for (name = p + 7; *name == ' '; name++)
            ;
        if (strncasecmp(name, "BINARY", 6) != 0 || (name[6] != '\0' && name[6] != ' '))
            return 1;
    }
    return 0;
}

int rs_planner_can_order(const rs_column *col, int limit_pushed) {
    if (col->role == RS_COL_ID)
        return 1;
    return col->role == RS_COL_FIELD && limit_pushed && !foreign_collation(col->type);
}

/* ---------------------------------------------------------------- query text */

void rs_query_text_init(rs_query_text *q) {
    memset(q, 0, sizeof(*q));
}

void rs_query_text_free(rs_query_text *q) {
    size_t i;

    if (q == NULL)
        return;
    for (i = 0; i < q->n_params; i++) {
        free(q->names[i]);
        free(q->types[i]);
        free(q->values[i]);
    }
    free(q->names);
    free(q->types);
    free(q->values);
    rs_buf_free(&q->sql);
    rs_query_text_init(q);
}

/* Add parameter p<N> = value and append ":p<N>" to out. */
static int add_param(rs_query_text *q, rs_buf *out, const char *type, const char *value,
                     size_t len) {
    char name[32];

    if (q->n_params == q->cap_params) {
        size_t cap = q->cap_params ? q->cap_params * 2 : 8;
        char **names = realloc(q->names, cap * sizeof(char *));
        if (names != NULL)
            q->names = names;
        char **types = realloc(q->types, cap * sizeof(char *));
        if (types != NULL)
            q->types = types;
        char **values = realloc(q->values, cap * sizeof(char *));
        if (values != NULL)
            q->values = values;
        if (names == NULL || types == NULL || values == NULL)
            return RS_ENOMEM;
        q->cap_params = cap;
    }
    snprintf(name, sizeof(name), "p%zu", q->n_params + 1);
    q->names[q->n_params] = strdup(name);
    q->types[q->n_params] = strdup(type);
    q->values[q->n_params] = strndup(value, len);
    q->n_params++;
    if (q->names[q->n_params - 1] == NULL || q->types[q->n_params - 1] == NULL ||
        q->values[q->n_params - 1] == NULL)
        return RS_ENOMEM;
    rs_buf_printf(out, ":%s", name);
    return out->oom ? RS_ENOMEM : RS_OK;
}

void rs_planner_format_double(double d, char *buf, size_t size) {
    int precision;

    for (precision = 15; precision <= 17; precision++) {
        snprintf(buf, size, "%.*g", precision, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

static int add_cmp_param(rs_query_text *q, rs_buf *out, const cmp_value *v) {
    char num[40];

    if (v->kind == RS_VAL_INT || v->int_as_text) {
        snprintf(num, sizeof(num), "%lld", v->i);
        return add_param(q, out, v->kind == RS_VAL_INT ? "int" : "string", num, strlen(num));
    }
    if (v->kind == RS_VAL_REAL) {
        rs_planner_format_double(v->r, num, sizeof(num));
        return add_param(q, out, "float", num, strlen(num));
    }
    return add_param(q, out, "string", v->text, v->len);
}

/* The values of one group OR-ed over the elements of an IN list (one element otherwise). */
typedef struct group_acc {
    gmode mode;
    cmp_value *vals;
    size_t n, cap;
} group_acc;

typedef struct pred_acc {
    group_acc num, str;
    gmode oth;
    unsigned bools;
} pred_acc;

static int acc_group(group_acc *acc, const group_pred *g) {
    if (g->mode == G_TRUE || acc->mode == G_TRUE) {
        acc->mode = G_TRUE;
        return RS_OK;
    }
    if (g->mode == G_FALSE)
        return RS_OK;
    if (acc->n == acc->cap) {
        size_t cap = acc->cap ? acc->cap * 2 : 4;
        cmp_value *grown = realloc(acc->vals, cap * sizeof(*grown));
        if (grown == NULL)
            return RS_ENOMEM;
        acc->vals = grown;
        acc->cap = cap;
    }
    acc->vals[acc->n++] = g->val;
    acc->mode = G_CMP;
    return RS_OK;
}

static int acc_term(pred_acc *acc, const term_pred *tp) {
    if (acc_group(&acc->num, &tp->num) != RS_OK || acc_group(&acc->str, &tp->str) != RS_OK)
        return RS_ENOMEM;
    if (tp->oth.mode != G_FALSE)
        acc->oth = G_TRUE;
    acc->bools |= tp->bools;
    return RS_OK;
}

static void acc_free(pred_acc *acc) {
    free(acc->num.vals);
    free(acc->str.vals);
}

/* The type tests of the groups, appended after "TYPEOF(<column>)". */
#define TYPE_NUM   " IN ('int','float')"
#define TYPE_BOOL  " = 'bool'"
#define TYPE_STR   " = 'string'"
#define TYPE_OTHER " NOT IN ('int','float','bool','string','null','undefined')"

static void emit_type_test(rs_buf *out, const char *colq, const char *test) {
    rs_buf_printf(out, "TYPEOF(%s)%s", colq, test);
}

/* "(<type test> AND c op :p)" or, for several values, "... c IN (:p1, :p2)"; no type test and
 * no parentheses when test is NULL. */
static int emit_cmp(rs_query_text *q, rs_buf *out, const char *colq, rs_plan_op op,
                    const group_acc *g, const char *test) {
    size_t i;
    int rc = RS_OK;

    if (test != NULL) {
        rs_buf_putc(out, '(');
        emit_type_test(out, colq, test);
        rs_buf_puts(out, " AND ");
    }
    if (g->n == 1) {
        rs_buf_printf(out, "%s %s ", colq, op_sql[op == RS_OP_IN ? RS_OP_EQ : op]);
        rc = add_cmp_param(q, out, &g->vals[0]);
    } else {
        rs_buf_printf(out, "%s IN (", colq);
        for (i = 0; i < g->n && rc == RS_OK; i++) {
            if (i > 0)
                rs_buf_puts(out, ", ");
            rc = add_cmp_param(q, out, &g->vals[i]);
        }
        rs_buf_putc(out, ')');
    }
    if (test != NULL)
        rs_buf_putc(out, ')');
    return rc != RS_OK || out->oom ? RS_ENOMEM : RS_OK;
}

/* Start the next OR-ed part of a predicate. */
static void next_part(rs_buf *out, int *parts) {
    if ((*parts)++ > 0)
        rs_buf_puts(out, " OR ");
}

/* One group's part: nothing, its type test, or its comparison. */
static int emit_group(rs_query_text *q, rs_buf *out, const char *colq, rs_plan_op op,
                      const group_acc *g, const char *test, int *parts) {
    if (g->mode == G_FALSE)
        return RS_OK;
    next_part(out, parts);
    if (g->mode == G_CMP)
        return emit_cmp(q, out, colq, op, g, test);
    emit_type_test(out, colq, test);
    return out->oom ? RS_ENOMEM : RS_OK;
}

static void emit_bools(rs_buf *out, const char *colq, unsigned bools, int *parts) {
    if (bools == 0u)
        return;
    next_part(out, parts);
    if (bools == 3u) {
        emit_type_test(out, colq, TYPE_BOOL);
        return;
    }
    rs_buf_putc(out, '(');
    emit_type_test(out, colq, TYPE_BOOL);
    rs_buf_printf(out, " AND %s = %s)", colq, bools == 2u ? "TRUE" : "FALSE");
}

/* A field's predicate from its groups into out (nothing when it would not filter anything);
 * *empty when no row can match. */
static int emit_field_pred(rs_query_text *q, rs_buf *out, const char *colq, rs_plan_op op,
                           const pred_acc *acc, int *empty) {
    int parts = 0, rc;

    if (acc->num.mode == G_TRUE && acc->str.mode == G_TRUE && acc->oth == G_TRUE &&
        acc->bools == 3u) {
        rs_buf_printf(out, "%s IS NOT NULL", colq);
        return out->oom ? RS_ENOMEM : RS_OK;
    }
    rc = emit_group(q, out, colq, op, &acc->num, TYPE_NUM, &parts);
    emit_bools(out, colq, acc->bools, &parts);
    if (rc == RS_OK)
        rc = emit_group(q, out, colq, op, &acc->str, TYPE_STR, &parts);
    if (acc->oth == G_TRUE) {
        next_part(out, &parts);
        emit_type_test(out, colq, TYPE_OTHER);
    }
    *empty = parts == 0;
    return rc != RS_OK || out->oom ? RS_ENOMEM : RS_OK;
}

/* A comparison or IN term (values: one, or the IN list). */
static int emit_compare(rs_query_text *q, rs_buf *out, const rs_column *col, const char *colq,
                        const rs_plan_term *term, const rs_term_values *tv, int *empty) {
    pred_acc acc;
    term_pred tp;
    rs_plan_op op = term->op == RS_OP_IN ? RS_OP_EQ : term->op;
    size_t i;
    int rc = RS_OK;

    memset(&acc, 0, sizeof(acc));
    for (i = 0; i < tv->n && rc == RS_OK; i++) {
        eval_term(col, op, &tv->values[i], term->constant && term->op != RS_OP_IN, &tp);
        rc = acc_term(&acc, &tp);
    }
    if (rc == RS_OK && col->role == RS_COL_ID) {
        /* _id is a string: only group S exists */
        *empty = acc.str.mode == G_FALSE;
        if (acc.str.mode == G_CMP)
            rc = emit_cmp(q, out, colq, term->op, &acc.str, NULL);
    } else if (rc == RS_OK) {
        rc = emit_field_pred(q, out, colq, term->op, &acc, empty);
    }
    acc_free(&acc);
    return rc;
}

/* The literal ASCII prefix of a LIKE/GLOB pattern, as [lo, hi) bounds every matching string
 * lies in: LIKE folds ASCII case, and every case variant of a prefix sorts between its upper
 * and lower case forms. Returns the prefix length used (0: no bound); lo and hi get that many
 * bytes. */
static size_t pattern_bounds(const char *pat, size_t len, int is_like, char *lo, char *hi) {
    const char *wild = is_like ? "%_" : "*?[";
    size_t n = 0;

    while (n < len && (unsigned char)pat[n] < 0x80 && pat[n] != '\0' &&
           strchr(wild, pat[n]) == NULL)
        n++;
    /* hi is the prefix with its last byte incremented; DEL (0x7f) cannot be: shorten */
    while (n > 0 && pat[n - 1] == 0x7f)
        n--;
    if (n == 0)
        return 0;
    memcpy(lo, pat, n);
    memcpy(hi, pat, n);
    if (is_like) {
        size_t i;
        for (i = 0; i < n; i++) {
            lo[i] = (char)toupper((unsigned char)lo[i]);
            hi[i] = (char)tolower((unsigned char)hi[i]);
        }
    }
    hi[n - 1]++;
    return n;
}

/* Could a number (or bool) rendered as text start with this prefix? */
static int prefix_may_be_number(const char *lo, size_t n, int is_like) {
    char c;

    if (n == 0)
        return 1;
    c = lo[0];
    return isdigit((unsigned char)c) || c == '-' || c == 'I' || (is_like && c == 'i');
}

/* LIKE / GLOB: a range on the literal prefix for strings; the other groups are let through
 * unless their text cannot start with the prefix. Never exact. */
static int emit_pattern(rs_query_text *q, rs_buf *out, const rs_column *col, const char *colq,
                        const rs_plan_term *term, const rs_value *pat, int *empty) {
    int is_like = term->op == RS_OP_LIKE, parts = 0, rc = RS_OK;
    char *lo, *hi;
    size_t n;

    if (pat->kind == RS_VAL_NULL) {
        *empty = 1;
        return RS_OK;
    }
    if (pat->kind != RS_VAL_TEXT)
        return RS_OK; /* a number pattern: not worth it, SQLite checks */
    lo = malloc(pat->len + 1);
    hi = malloc(pat->len + 1);
    if (lo == NULL || hi == NULL) {
        free(lo);
        free(hi);
        return RS_ENOMEM;
    }
    n = pattern_bounds(pat->text, pat->len, is_like, lo, hi);
    if (n > 0 && col->role == RS_COL_ID) {
        rs_buf_printf(out, "%s >= ", colq);
        rc = add_param(q, out, "string", lo, n);
        rs_buf_printf(out, " AND %s < ", colq);
        if (rc == RS_OK)
            rc = add_param(q, out, "string", hi, n);
    } else if (n > 0) {
        if (prefix_may_be_number(lo, n, is_like)) {
            next_part(out, &parts);
            emit_type_test(out, colq, " IN ('int','float','bool')");
        }
        next_part(out, &parts);
        rs_buf_putc(out, '(');
        emit_type_test(out, colq, TYPE_STR);
        rs_buf_printf(out, " AND %s >= ", colq);
        rc = add_param(q, out, "string", lo, n);
        rs_buf_printf(out, " AND %s < ", colq);
        if (rc == RS_OK)
            rc = add_param(q, out, "string", hi, n);
        rs_buf_puts(out, ") OR ");
        emit_type_test(out, colq, TYPE_OTHER);
    }
    free(lo);
    free(hi);
    return rc != RS_OK || out->oom ? RS_ENOMEM : RS_OK;
}

/* One pushed term into out (nothing when it does not filter); *empty when it matches no row. */
static int emit_term(rs_query_text *q, rs_buf *out, const rs_schema *schema,
                     const rs_plan_term *term, const rs_term_values *tv, int *empty) {
    const rs_column *col = &schema->cols[term->column];
    rs_buf colq = RS_BUF_INIT;
    int rc = RS_OK;

    *empty = 0;
    if (rs_schema_quote_ident(&colq, col->name) != RS_OK)
        return RS_ENOMEM;
    if (term->op == RS_OP_ISNULL || term->op == RS_OP_NOTNULL) {
        if (col->role == RS_COL_ID)
            *empty = term->op == RS_OP_ISNULL; /* _id is never NULL */
        else
            rs_buf_printf(out, "%s IS %sNULL", colq.data, term->op == RS_OP_NOTNULL ? "NOT " : "");
    } else if (term->op == RS_OP_LIKE || term->op == RS_OP_GLOB) {
        if (tv->n > 0)
            rc = emit_pattern(q, out, col, colq.data, term, &tv->values[0], empty);
    } else {
        rc = emit_compare(q, out, col, colq.data, term, tv, empty);
    }
    rs_buf_free(&colq);
    return rc != RS_OK || out->oom ? RS_ENOMEM : RS_OK;
}

/* " WHERE a AND (b OR c) ..." for the plan's terms, then `extra` (an ORDER BY part's type guard,
 * NULL for none) as one more AND-ed condition. */
static int emit_where(rs_query_text *q, const rs_schema *schema, const rs_plan *plan,
                      const rs_term_values *values, const char *extra) {
    rs_buf part = RS_BUF_INIT;
    int i, n = 0, empty, rc = RS_OK;

    for (i = 0; i < plan->n_terms && rc == RS_OK; i++) {
        rs_buf_reset(&part);
        rc = emit_term(q, &part, schema, &plan->terms[i], &values[i], &empty);
        if (empty)
            q->empty = 1;
        if (rc != RS_OK || part.len == 0)
            continue;
        rs_buf_puts(&q->sql, n++ == 0 ? " WHERE " : " AND ");
        if (strstr(part.data, " OR ") != NULL)
            rs_buf_printf(&q->sql, "(%s)", part.data);
        else
            rs_buf_puts(&q->sql, part.data);
    }
    if (rc == RS_OK && extra != NULL && extra[0] != '\0')
        rs_buf_printf(&q->sql, "%s%s", n == 0 ? " WHERE " : " AND ", extra);
    rs_buf_free(&part);
    return rc != RS_OK || q->sql.oom ? RS_ENOMEM : RS_OK;
}

static int column_used(const rs_plan *plan, size_t i) {
    return (plan->columns >> (i < 63 ? i : 63)) & 1u;
}

/* The select list: used columns, or * when the whole document is needed. */
static void emit_select_list(rs_buf *sql, const rs_schema *schema, const rs_plan *plan) {
    size_t i;
    int n = 0;

    for (i = 0; plan->project && i < schema->n; i++) {
        if (column_used(plan, i) && schema->cols[i].role == RS_COL_DOC)
            break;
    }
    if (!plan->project || i < schema->n) {
        rs_buf_puts(sql, "*");
        return;
    }
    /* _id always: UPDATE and DELETE read the primary key without it showing in colUsed */
    for (i = 0; i < schema->n; i++) {
        if (!column_used(plan, i) && schema->cols[i].role != RS_COL_ID)
            continue;
        if (n++ > 0)
            rs_buf_puts(sql, ", ");
        rs_schema_quote_ident(sql, schema->cols[i].name);
    }
}

/* The ORDER BY keys that matter: up to and including the first `_id` (unique, so SQLite's
 * order is total there and later keys never decide anything). */
static int order_len(const rs_schema *schema, const rs_plan *plan) {
    int i;

    for (i = 0; i < plan->n_order; i++) {
        if (schema->cols[plan->order[i].column].role == RS_COL_ID)
            return i + 1;
    }
    return plan->n_order;
}

int rs_planner_order_split(const rs_schema *schema, const rs_plan *plan) {
    int i, n = order_len(schema, plan);

    for (i = 0; plan->project && i < n; i++) {
        if (schema->cols[plan->order[i].column].role != RS_COL_ID)
            return 1;
    }
    return 0;
}

/* Rockset types whose order is SQLite's for the values the scan shows (see planner.h): null and
 * missing (NULL), int, string, and float when finite (a non-finite float shows as NULL but sorts
 * among numbers in Rockset). Never null itself: type tests and float-float comparisons only. */
static void emit_plain_test(rs_buf *out, const char *colq) {
    rs_buf_printf(out,
                  "(TYPEOF(%s) IN ('int','string','null','undefined') OR (TYPEOF(%s) = 'float' "
                  "AND %s > -1e308 AND %s < 1e308))",
                  colq, colq, colq, colq);
}

/* The type guard of an ORDER BY part into out: every field key plain (MAIN), or not (REST). */
static int emit_order_guard(rs_buf *out, const rs_schema *schema, const rs_plan *plan,
                            rs_scan_part part) {
    rs_buf colq = RS_BUF_INIT;
    int i, n = order_len(schema, plan), parts = 0;

    if (part == RS_PART_REST)
        rs_buf_puts(out, "NOT (");
    for (i = 0; i < n; i++) {
        const rs_column *col = &schema->cols[plan->order[i].column];
        if (col->role == RS_COL_ID)
            continue;
        rs_buf_reset(&colq);
        rs_schema_quote_ident(&colq, col->name);
        if (parts++ > 0)
            rs_buf_puts(out, " AND ");
        emit_plain_test(out, rs_buf_cstr(&colq));
    }
    if (part == RS_PART_REST)
        rs_buf_putc(out, ')');
    rs_buf_free(&colq);
    return out->oom || colq.oom ? RS_ENOMEM : RS_OK;
}

/* One ORDER BY key of a split plan: the bare field, so that a server with field indexes walks
 * one. NULLS FIRST/LAST spell out SQLite's placement of NULL instead of relying on Rockset's
 * default, and with them Rockset orders missing with null (rockset-sql.md 2.2), as SQLite sees
 * one NULL: the next key decides within them. */
static void emit_split_key(rs_buf *sql, const char *colq, int desc) {
    rs_buf_puts(sql, colq);
    rs_buf_puts(sql, desc ? " DESC NULLS LAST" : " ASC NULLS FIRST");
}

static void emit_order(rs_buf *sql, const rs_schema *schema, const rs_plan *plan, int tie) {
    rs_buf colq = RS_BUF_INIT;
    int i, n = order_len(schema, plan), split = rs_planner_order_split(schema, plan);

    for (i = 0; i < n; i++) {
        const rs_column *col = &schema->cols[plan->order[i].column];
        rs_buf_puts(sql, i == 0 ? " ORDER BY " : ", ");
        rs_buf_reset(&colq);
        rs_schema_quote_ident(&colq, col->name);
        if (col->role == RS_COL_ID)
            rs_buf_printf(sql, "%s%s", rs_buf_cstr(&colq), plan->order[i].desc ? " DESC" : " ASC");
        else
            emit_split_key(sql, rs_buf_cstr(&colq), plan->order[i].desc);
    }
    /* ties broken by _id: the rows a LIMIT keeps do not depend on how Rockset met them */
    if (tie && split && schema->cols[plan->order[n - 1].column].role != RS_COL_ID)
        rs_buf_puts(sql, ", \"_id\"");
    if (colq.oom)
        sql->oom = 1;
    rs_buf_free(&colq);
}

static int emit_limit(rs_query_text *q, const rs_plan *plan, long long limit, long long offset) {
    char num[32];
    int rc = RS_OK;

    if (plan->limit_argv > 0 && limit == 0)
        q->empty = 1;
    if ((plan->limit_argv > 0 && limit >= 0) || (plan->offset_argv > 0 && offset > 0)) {
        /* a negative LIMIT means none; OFFSET needs a LIMIT in front of it */
        snprintf(num, sizeof(num), "%lld", plan->limit_argv > 0 && limit >= 0 ? limit : INT64_MAX);
        rs_buf_puts(&q->sql, " LIMIT ");
        rc = add_param(q, &q->sql, "int", num, strlen(num));
    }
    if (rc == RS_OK && plan->offset_argv > 0 && offset > 0) {
        snprintf(num, sizeof(num), "%lld", offset);
        rs_buf_puts(&q->sql, " OFFSET ");
        rc = add_param(q, &q->sql, "int", num, strlen(num));
    }
    return rc != RS_OK || q->sql.oom ? RS_ENOMEM : RS_OK;
}

/* WHERE, ORDER BY and LIMIT of one part of the plan. */
static int emit_part(rs_query_text *q, const rs_schema *schema, const rs_plan *plan,
                     const rs_term_values *values, long long limit, long long offset,
                     rs_scan_part part) {
    rs_buf guard = RS_BUF_INIT;
    int rc = RS_OK;

    if (!rs_planner_order_split(schema, plan))
        part = RS_PART_ALL;
    else if (part == RS_PART_ALL)
        part = RS_PART_MAIN; /* a split plan is never sent unguarded, unless REST is empty */
    if (part != RS_PART_ALL && part != RS_PART_WINDOW)
        rc = emit_order_guard(&guard, schema, plan, part);
    if (rc == RS_OK)
        rc = emit_where(q, schema, plan, values, rs_buf_cstr(&guard));
    rs_buf_free(&guard);
    if (rc != RS_OK || part == RS_PART_REST) {
        /* the rest is sorted by the extension, and a LIMIT 0 needs none of it */
        if (plan->limit_argv > 0 && limit == 0)
            q->empty = 1;
        return rc;
    }
    emit_order(&q->sql, schema, plan, part == RS_PART_MAIN || part == RS_PART_ALL);
    return emit_limit(q, plan, limit, offset);
}

/* RS_PART_PROBE: does any row hold a key of another type? The filters are left out on
 * purpose: REST's rows are among these, and the server answers the bare type test from its
 * index by key ranges, where REST with a filter on another field may walk that field's rows
 * (18 to 36 ms instead of 0.1 on 1,000,000 documents, tests/bench/order_bench.py). Alone it
 * selects "_id"; as RS_PART_BOTH's arm (marked), a constant under another name, so that its
 * row is the one without an "_id" (rs_planner_probe_row). */
static int build_probe(const rs_schema *schema, const char *ws, const char *coll,
                       const rs_plan *plan, long long limit, int marked, rs_query_text *out) {
    rs_buf guard = RS_BUF_INIT;
    int rc = emit_order_guard(&guard, schema, plan, RS_PART_REST);

    rs_buf_puts(&out->sql,
                marked ? "SELECT 1 AS \"" RS_PROBE_FIELD "\" FROM " : "SELECT \"_id\" FROM ");
    rs_schema_quote_ident(&out->sql, ws);
    rs_buf_putc(&out->sql, '.');
    rs_schema_quote_ident(&out->sql, coll);
    rs_buf_printf(&out->sql, " WHERE %s LIMIT 1", rs_buf_cstr(&guard));
    if (plan->limit_argv > 0 && limit == 0)
        out->empty = 1; /* a LIMIT 0 needs no REST */
    rs_buf_free(&guard);
    return rc != RS_OK || guard.oom || out->sql.oom ? RS_ENOMEM : RS_OK;
}

/* SELECT <used columns> FROM "ws"."coll" and the part's clauses. */
static int build_select(const rs_schema *schema, const char *ws, const char *coll,
                        const rs_plan *plan, const rs_term_values *values, long long limit,
                        long long offset, rs_scan_part part, rs_query_text *out) {
    int rc = RS_OK;

    rs_buf_puts(&out->sql, "SELECT ");
    emit_select_list(&out->sql, schema, plan);
    rs_buf_puts(&out->sql, " FROM ");
    rs_schema_quote_ident(&out->sql, ws);
    rs_buf_putc(&out->sql, '.');
    rs_schema_quote_ident(&out->sql, coll);
    if (plan->project)
        rc = emit_part(out, schema, plan, values, limit, offset, part);
    return rc != RS_OK || out->sql.oom ? RS_ENOMEM : RS_OK;
}

/* RS_PART_BOTH: WINDOW (the page and its edge rows, its own ORDER BY, LIMIT and OFFSET) in a
 * subquery, then the probe's arm: one request, so the server's fixed cost of a query is paid
 * once. A type guard on WINDOW would cost the server about what the probe costs it; the caller
 * tells the probe's row from WINDOW's (rs_planner_probe_row). Each arm is a subquery under
 * SELECT *: an arm's fields keep their own names (a later arm takes the first one's names by
 * position only when both list fields), and the probe's LIMIT 1 stays its own. */
static int build_both(const rs_schema *schema, const char *ws, const char *coll,
                      const rs_plan *plan, const rs_term_values *values, long long limit,
                      long long offset, rs_query_text *out) {
    int rc;

    rs_buf_puts(&out->sql, "SELECT * FROM (");
    rc = build_select(schema, ws, coll, plan, values, limit, offset, RS_PART_WINDOW, out);
    rs_buf_puts(&out->sql, ") AS m UNION ALL SELECT * FROM (");
    if (rc == RS_OK)
        rc = build_probe(schema, ws, coll, plan, limit, 1, out);
    rs_buf_puts(&out->sql, ") AS p");
    return rc != RS_OK || out->sql.oom ? RS_ENOMEM : RS_OK;
}

/* RS_PART_BOTH_TIED: MAIN in a subquery (its ORDER BY and LIMIT stay its own), then REST.
 * UNION ALL promises no order: the caller sorts the rows. */
static int build_both_tied(const rs_schema *schema, const char *ws, const char *coll,
                           const rs_plan *plan, const rs_term_values *values, long long limit,
                           rs_query_text *out) {
    int rc;

    rs_buf_puts(&out->sql, "SELECT * FROM (");
    rc = build_select(schema, ws, coll, plan, values, limit, 0, RS_PART_MAIN, out);
    rs_buf_puts(&out->sql, ") AS m UNION ALL ");
    if (rc == RS_OK)
        rc = build_select(schema, ws, coll, plan, values, limit, 0, RS_PART_REST, out);
    return rc != RS_OK || out->sql.oom ? RS_ENOMEM : RS_OK;
}

int rs_planner_probe_row(rs_jsonscan_span row) {
    rs_jsonscan_span id;

    return !rs_jsonscan_get(row, "_id", &id) || rs_jsonscan_classify(id) != RS_JSON_STRING;
}

int rs_planner_window_alone(const rs_schema *schema, const rs_plan *plan, long long offset) {
    int n = order_len(schema, plan);
    const rs_column *key;

    if (offset > 0 || n < 1 || !rs_planner_order_split(schema, plan) || !plan->order[0].desc)
        return 0;
    key = &schema->cols[plan->order[0].column];
    if (key->role != RS_COL_FIELD ||
        (n > 1 && schema->cols[plan->order[1].column].role != RS_COL_ID))
        return 0;
    return key->affinity == RS_AFF_INTEGER || key->affinity == RS_AFF_REAL ||
           key->affinity == RS_AFF_NUMERIC;
}

rs_window_key rs_planner_window_key(rs_jsonscan_span value) {
    double d;

    switch (rs_jsonscan_classify(value)) {
    case RS_JSON_INT:
    case RS_JSON_FLOAT:
        /* the guard's bounds: a number beyond them is REST's, whatever SQLite would show */
        if (rs_jsonscan_double(value, &d) != RS_OK || !(d > -1e308 && d < 1e308))
            return RS_KEY_UNSURE;
        return d > 1.0 ? RS_KEY_ABOVE_BOOLS : RS_KEY_NUMBER;
    case RS_JSON_TRUE:
    case RS_JSON_FALSE:
    case RS_JSON_OBJECT:
    case RS_JSON_ARRAY:
        return RS_KEY_OTHER_TYPE;
    default:
        return RS_KEY_UNSURE;
    }
}

int rs_planner_build_part(const rs_schema *schema, const char *ws, const char *coll,
                          const rs_plan *plan, const rs_term_values *values, long long limit,
                          long long offset, rs_scan_part part, rs_query_text *out, rs_err *err) {
    int rc;

    if (part == RS_PART_PROBE) {
        if (!rs_planner_order_split(schema, plan))
            out->empty = 1; /* nothing is split: there is no REST to prove empty */
        else if (build_probe(schema, ws, coll, plan, limit, 0, out) != RS_OK)
            return oom(err);
        return RS_OK;
    }
    if (part == RS_PART_BOTH && rs_planner_order_split(schema, plan))
        rc = build_both(schema, ws, coll, plan, values, limit, offset, out);
    else if (part == RS_PART_BOTH_TIED && rs_planner_order_split(schema, plan))
        rc = build_both_tied(schema, ws, coll, plan, values, limit, out);
    else
        rc = build_select(schema, ws, coll, plan, values, limit, offset, part, out);
    return rc != RS_OK ? oom(err) : RS_OK;
}

int rs_planner_build_query(const rs_schema *schema, const char *ws, const char *coll,
                           const rs_plan *plan, const rs_term_values *values, long long limit,
                           long long offset, rs_query_text *out, rs_err *err) {
    return rs_planner_build_part(schema, ws, coll, plan, values, limit, offset, RS_PART_ALL, out,
                                 err);
}

/* ---------------------------------------------------------------- estimates */

/* Cost units: a round trip is worth ROUND_TRIP_COST rows transferred. */
#define ROUND_TRIP_COST   1000.0
#define UNKNOWN_DOC_COUNT 1000000LL

/* Fraction of rows a term keeps (a guess: Rockset keeps no statistics we could read). */
static double selectivity(const rs_column *col, rs_plan_op op) {
    switch (op) {
    case RS_OP_EQ:
        return col->role == RS_COL_ID ? 0.0 : 0.01;
    case RS_OP_IN:
        return 0.05;
    case RS_OP_ISNULL:
        return 0.1;
    case RS_OP_NE:
    case RS_OP_NOTNULL:
        return 0.9;
    case RS_OP_LIKE:
    case RS_OP_GLOB:
        return 0.2;
    default:
        return 0.3;
    }
}

void rs_planner_estimate(const rs_schema *schema, const rs_plan *plan, long long doc_count,
                         long long page_size, double *cost, long long *rows, int *unique) {
    double n = (double)(doc_count >= 0 ? doc_count : UNKNOWN_DOC_COUNT);
    int i, id_eq = 0, id_in = 0;

    for (i = 0; plan->project && i < plan->n_terms; i++) {
        const rs_column *col = &schema->cols[plan->terms[i].column];
        if (col->role == RS_COL_ID && plan->terms[i].op == RS_OP_EQ)
            id_eq = 1;
        else if (col->role == RS_COL_ID && plan->terms[i].op == RS_OP_IN)
            id_in = 1;
        else
            n *= selectivity(col, plan->terms[i].op);
    }
    if (id_eq)
        n = n < 1.0 ? n : 1.0;
    else if (id_in)
        n = n < 10.0 ? n : 10.0;
    if (n < 1.0)
        n = 1.0;
    *unique = id_eq;
    *rows = (long long)n;
    if (page_size <= 0)
        page_size = 1000;
    *cost = ROUND_TRIP_COST * (1.0 + n / (double)page_size) + n;
}
