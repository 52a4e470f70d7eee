/*
 * tpl_internal.h - what the parts of the template compiler share (not a public API).
 *
 * tpl_lex.c cuts the text into tokens, tpl_parse.c builds the AST below, tpl_eval.c walks it,
 * tpl_builtin.c holds functions, filters and tests, tpl_value.c values, tpl_json.c their JSON
 * form, template.c the public entry points. All positions are 1-based
 * line and byte column. Nothing here is thread-safe beyond what template.h promises.
 */
#ifndef RS_TPL_INTERNAL_H
#define RS_TPL_INTERNAL_H

#include "buf.h"
#include "err.h"
#include "template.h"

#include <stdarg.h>
#include <stddef.h>

/* A value or output grew past its limit; internal only, never returned to callers. */
#define TPL_ETOOBIG 1000

/* ---- tokens ---- */
enum {
    TK_TEXT,        /* raw text between tags, already trimmed by whitespace control */
    TK_VAR_BEGIN,   /* {{ */
    TK_VAR_END,     /* }} */
    TK_BLOCK_BEGIN, /* {% */
    TK_BLOCK_END,   /* %} */
    TK_NAME,
    TK_STRING, /* text is the literal including its quotes, still escaped */
    TK_INT,
    TK_FLOAT,
    TK_OP, /* punctuation and operators: text says which */
    TK_EOF
};

typedef struct tpl_token {
    int kind;
    const char *text; /* into the source */
    size_t len;
    int line, column;
} tpl_token;

typedef struct tpl_tokens {
    tpl_token *v;
    size_t n, cap;
} tpl_tokens;

/* Cut src[0..len) into tokens (ending with TK_EOF). On failure fills err (with model) and frees
 * nothing of the caller's; the caller frees toks->v in every case. */
int tpl_lex(const char *model, const char *src, size_t len, tpl_tokens *toks, rs_err *err);

/* ---- AST ---- */
enum {
    /* statements */
    N_TEXT,   /* str */
    N_OUTPUT, /* a */
    N_IF,     /* kids: N_BRANCH each; the else branch has a == NULL */
    N_BRANCH, /* a = condition or NULL, body */
    N_FOR,    /* str = loop variable, a = iterable, body, b = N_BRANCH for {% else %} or NULL */
    N_SET,    /* str = name, a = value */
    /* expressions */
    N_NONE,
    N_BOOL,   /* ival */
    N_INT,    /* ival */
    N_FLOAT,  /* fval */
    N_STR,    /* str, len */
    N_LIST,   /* kids */
    N_DICT,   /* kids: key, value, key, value ... */
    N_NAME,   /* str */
    N_ATTR,   /* a . str */
    N_INDEX,  /* a [ b ] */
    N_CALL,   /* str = function, kids = arguments (N_KWARG for keywords) */
    N_KWARG,  /* str = name, a = value */
    N_FILTER, /* a | str(kids) */
    N_TEST,   /* a is [not] str; ival = negated */
    N_UNARY,  /* op a */
    N_BINARY, /* a op b */
    N_COND    /* a if b else c */
};

/* Operators of N_UNARY / N_BINARY. */
enum {
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_FLOORDIV,
    OP_MOD,
    OP_CONCAT,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_IN,
    OP_NOT_IN,
    OP_AND,
    OP_OR,
    OP_NOT,
    OP_NEG,
    OP_POS
};

typedef struct tpl_node tpl_node;
struct tpl_node {
    int kind;
    int op;
    int line, column;
    char *str;  /* owned, NUL-terminated */
    size_t len; /* bytes of str */
    long long ival;
    double fval;
    tpl_node *a, *b, *c;
    tpl_node **kids; /* owned array of owned nodes */
    size_t n_kids;
    tpl_node **body;
    size_t n_body;
};

struct rs_template {
    char *model;
    tpl_node **body;
    size_t n_body;
};

/* Build the AST from tokens; fills t->body. */
int tpl_parse(rs_template *t, const tpl_tokens *toks, rs_err *err);
void tpl_node_free(tpl_node *n);
const char *tpl_op_text(int op);

/* Fill err with "model 'm' line L column C: <fmt>" and the position. Returns code. */
int tpl_error_at(rs_err *err, int code, const char *model, int line, int column, const char *fmt,
                 ...) __attribute__((format(printf, 6, 7)));

/* ---- evaluation (tpl_eval.c; functions and filters in tpl_builtin.c) ---- */
enum { TPL_MODE_RENDER, TPL_MODE_COLLECT };

typedef struct tpl_var {
    char *name;
    rs_tpl_value value;
} tpl_var;

/* Variables of one scope: the template's, or one iteration of a for loop. */
typedef struct tpl_frame {
    tpl_var *vars;
    size_t n, cap;
    struct tpl_frame *parent;
} tpl_frame;

typedef struct tpl_run {
    const rs_template *t;
    const rs_tpl_env *env; /* may be NULL */
    int mode;
    rs_buf out;
    size_t max_output;
    long steps, max_steps;
    tpl_frame *frame;
    rs_tpl_result *res;
    rs_err *err;
} tpl_run;

int tpl_eval_template(const rs_template *t, const rs_tpl_env *env, int mode, rs_tpl_result *res,
                      rs_err *err);
int tpl_eval_expr(tpl_run *run, const tpl_node *n, rs_tpl_value *out);
/* As tpl_eval_expr, but an unknown name or missing attribute gives undefined (for 'default' and
 * 'is defined'). */
int tpl_eval_tolerant(tpl_run *run, const tpl_node *n, rs_tpl_value *out);
/* Error at node's position; returns code. */
int tpl_run_error(tpl_run *run, const tpl_node *at, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A host or helper error (in herr) re-issued at node's position. */
int tpl_host_error(tpl_run *run, const tpl_node *at, const rs_err *herr);
/* str(v) as a new string value, within the output limit. */
int tpl_to_text(tpl_run *run, const tpl_node *at, const rs_tpl_value *v, rs_tpl_value *out);
/* Count one evaluation step; an error once the budget is spent. */
int tpl_step(tpl_run *run, const tpl_node *at);
/* Record a ref / source in the result (deduplicated). */
int tpl_record_ref(tpl_run *run, const char *name);
int tpl_record_source(tpl_run *run, const char *source, const char *table);

/* tpl_builtin.c */
int tpl_call(tpl_run *run, const tpl_node *call, const rs_tpl_args *args, rs_tpl_value *out);
int tpl_filter(tpl_run *run, const tpl_node *n, rs_tpl_value *out);
int tpl_test(tpl_run *run, const tpl_node *n, rs_tpl_value *out);

/* ---- values (tpl_value.c) ---- */
/* Append str() (repr == 0) or repr() (repr == 1) of v; TPL_ETOOBIG when b would pass limit. */
int tpl_value_write(const rs_tpl_value *v, rs_buf *b, int repr, size_t limit);
int tpl_value_depth(const rs_tpl_value *v);
/* New string of a+b without copying twice. */
int tpl_string_concat(rs_tpl_value *out, const char *a, size_t alen, const char *b, size_t blen);
int tpl_truthy(const rs_tpl_value *v);
int tpl_values_equal(const rs_tpl_value *a, const rs_tpl_value *b);

#endif
