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
    N_TEXT,      /* str */
    N_OUTPUT,    /* a */
    N_IF,        /* kids: N_BRANCH each; the else branch has a == NULL */
    N_BRANCH,    /* a = condition or NULL, body */
    N_FOR,       /* str = loop variable, a = iterable, body, b = N_BRANCH for {% else %} or NULL;
                    kids: N_NAME targets when unpacking (for k, v in ...), str is then the first */
    N_SET,       /* str = name, a = value; kids: N_NAME targets when unpacking (a, b = ...) */
    N_SETATTR,   /* a = N_NAME of a dict variable, str = key, b = value: {% set ns.x = v %} */
    N_SETBLOCK,  /* str = name, body: {% set x %}...{% endset %} */
    N_DO,        /* a: {% do expr %} */
    N_MACRO,     /* str = name, kids = N_PARAM, body; ival = TPL_MACRO_* flags */
    N_CALLBLOCK, /* a = the call (N_CALL, N_METHOD, N_CALLVAL), kids = caller's N_PARAM, body */
    /* expressions */
    N_NONE,
    N_BOOL,    /* ival */
    N_INT,     /* ival */
    N_FLOAT,   /* fval */
    N_STR,     /* str, len */
    N_LIST,    /* kids */
    N_DICT,    /* kids: key, value, key, value ... */
    N_NAME,    /* str */
    N_ATTR,    /* a . str */
    N_INDEX,   /* a [ b ] */
    N_CALL,    /* str = function, kids = arguments (N_KWARG for keywords) */
    N_METHOD,  /* a . str ( kids ): a method of a value, or a macro of a package */
    N_CALLVAL, /* a ( kids ): call the value of a (a macro returned by adapter.dispatch) */
    N_PARAM,   /* str = parameter name, a = default or NULL */
    N_KWARG,   /* str = name, a = value */
    N_FILTER,  /* a | str(kids) */
    N_TEST,    /* a is [not] str [(kids)]; ival = negated */
    N_UNARY,   /* op a */
    N_BINARY,  /* a op b */
    N_COND,    /* a if b else c */
    N_SLICE,   /* a [ b : c : kids[0] ]; b, c NULL when left out, n_kids 0 without a step */
    N_SPLAT,   /* in call arguments: *a (ival 1), **a (ival 2) */
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
    OP_POS,
    OP_POW
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
    /* N_MACRO: byte offsets in the source of the argument list and of the body's raw text
     * (whitespace control of the enclosing tags applied), for rs_tpl_macro_defs */
    size_t args_begin, args_end, body_begin, body_end;
};

/* N_MACRO flags */
#define TPL_MACRO_TEST    1 /* {% test %}: bound as test_<name> */
#define TPL_MACRO_VARARGS 2 /* the body reads varargs: extra positional arguments go there */
#define TPL_MACRO_KWARGS  4 /* the body reads kwargs: unknown keyword arguments go there */

struct rs_tpl {
    char *model;
    char *label; /* how messages name it: "model 'm'" or "macro 'pkg.name'" */
    tpl_node **body;
    size_t n_body;
    /* N_MACRO: byte offsets in the source of the argument list and of the body's raw text
     * (whitespace control of the enclosing tags applied), for rs_tpl_macro_defs */
    size_t args_begin, args_end, body_begin, body_end;
};

/* N_MACRO flags */
#define TPL_MACRO_TEST    1 /* {% test %}: bound as test_<name> */
#define TPL_MACRO_VARARGS 2 /* the body reads varargs: extra positional arguments go there */
#define TPL_MACRO_KWARGS  4 /* the body reads kwargs: unknown keyword arguments go there */

/* template.c: a new template (label "<kind> 'name'"), empty or parsed from text. */
int tpl_template_new(const char *kind, const char *name, rs_tpl **out, rs_err *err);
int tpl_template_parse(const char *kind, const char *name, const char *text, size_t len,
                       rs_tpl **out, rs_err *err);

/* Build the AST from tokens of src; fills t->body. */
int tpl_parse(rs_tpl *t, const char *src, const tpl_tokens *toks, rs_err *err);
void tpl_node_free(tpl_node *n);
/* TPL_MACRO_VARARGS / _KWARGS for a macro node whose body reads varargs / kwargs. */
int tpl_macro_flags(const tpl_node *macro);
const char *tpl_op_text(int op);

/* Fill err with "<label> line L column C: <fmt>" and the position. Returns code. label is a
 * template's label ("model 'm'"). */
int tpl_error_at(rs_err *err, int code, const char *label, int line, int column, const char *fmt,
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

typedef struct tpl_lib_macro tpl_lib_macro; /* one macro of an rs_tpl_macros (tpl_macro.c) */

/* What a macro value runs: a {% macro %} (or library macro) or the body of a {% call %}. */
typedef struct tpl_callable {
    const tpl_node *def; /* N_MACRO or N_CALLBLOCK: parameters in kids, body */
    const rs_tpl *tpl;   /* the template def lives in: messages name it */
    tpl_frame *closure;  /* the frame its body's frame hangs under; NULL: names go to the host */
    tpl_frame *def_root; /* what macros defined inside its body close over */
    const char *package; /* library package it belongs to (bare names look there first) */
    int live;            /* caller(): 0 once its {% call %} block has ended */
} tpl_callable;

typedef struct tpl_run {
    const rs_tpl *t;       /* the template running now: a macro's while in its body */
    const rs_tpl_env *env; /* may be NULL */
    int mode;
    rs_buf out;
    size_t max_output;
    long steps, max_steps;
    tpl_frame *frame;
    tpl_frame *def_root;     /* what a {% macro %} defined now closes over: the template's top
                                frame, or NULL inside a library macro (see tpl_macro.c) */
    const char *package;     /* package of the library macro running now, NULL: the project */
    int call_depth;          /* macro calls in progress */
    rs_tpl_value returned;   /* return(x) on its way out of a macro body */
    rs_tpl_value statements; /* {% call statement('n') %} results by name (tpl_db.c), or none */
    rs_tpl_result *res;
    rs_err *err;
} tpl_run;

/* A {{ return(x) }} unwinding to its macro call; internal only, never returned to callers. */
#define TPL_ERETURN      1001
#define RS_TPL_MAX_CALLS 48 /* macro calls nested in one another (C stack safety) */

int tpl_eval_template(const rs_tpl *t, const rs_tpl_env *env, int mode, rs_tpl_result *res,
                      rs_err *err);
int tpl_eval_expr(tpl_run *run, const tpl_node *n, rs_tpl_value *out);
/* A call's evaluated arguments; the arrays own the values. */
typedef struct call_args {
    rs_tpl_args args;
    rs_tpl_value *pos, *kwv;
    const char **kwn;
    size_t cap_pos, cap_kw;
    rs_tpl_value *held; /* dicts spread with **d: their keys are the names in kwn */
    size_t n_held;
} call_args;
/* Evaluate the arguments (n->kids, N_KWARG for keywords) of a call, filter or test node. On
 * failure nothing is left to free; on success free with tpl_free_args. */
int tpl_eval_args(tpl_run *run, const tpl_node *n, call_args *ca);
void tpl_free_args(call_args *ca);
/* Variables of a frame (tpl_eval.c). frame_set takes ownership of value. */
int tpl_frame_set(tpl_run *run, tpl_frame *f, const char *name, rs_tpl_value value);
void tpl_frame_free(tpl_frame *f);
rs_tpl_value *tpl_frame_slot(tpl_frame *f, const char *name);

/* Run body with its output going into a new string *out instead of the output. */
int tpl_capture(tpl_run *run, tpl_node *const *body, size_t n, rs_tpl_value *out);
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

/* Match a call's arguments to named parameters (fname names it in messages: "split()",
 * "filter 'map'"):
 * positional ones in order, then keywords by name; slots[i] gets the value of params[i] or NULL.
 * The first n_required must be given. Errors: "split() takes at most 2 arguments (3 given)",
 * "replace() missing required argument 'new'", "split() got an unexpected keyword argument 'x'". */
#define TPL_MAX_PARAMS 8
int tpl_bind_args(tpl_run *run, const tpl_node *at, const char *fname, const rs_tpl_args *args,
                  const char *const *params, size_t n_required, const rs_tpl_value **slots);

/* tpl_macro.c: macros. */
/* {% macro %} / {% test %}: bind the macro (test_<name> for a test) in the current frame. */
int tpl_exec_macro_def(tpl_run *run, const tpl_node *n);
/* {% call %}: call n->a with caller() = the block's body; its result goes to the output. */
int tpl_exec_callblock(tpl_run *run, const tpl_node *n);
/* Call a macro value with args (and a caller, or NULL); *out is its output as a string, or what
 * it return()ed. at: the call's position, for messages. */
int tpl_call_macro(tpl_run *run, const tpl_node *at, const rs_tpl_value *macro,
                   const rs_tpl_args *args, const rs_tpl_value *caller, rs_tpl_value *out);
/* A bare name(...) that is a macro: a variable holding one, then the library (current package,
 * the project, dbt). RS_ENOTFOUND (nothing set) when there is none; else the call's result. */
int tpl_find_macro(tpl_run *run, const char *name, rs_tpl_value *out);
/* pkg.name(...), adapter.dispatch(...), exceptions.raise_compiler_error(...): *done = 0 when
 * n->a is not such a namespace (then the caller evaluates it as a value). */
int tpl_call_namespace(tpl_run *run, const tpl_node *n, const rs_tpl_args *args,
                       const rs_tpl_value *caller, rs_tpl_value *out, int *done);
/* tpl_db.c: statement (with a caller), load_result, run_query; RS_ENOTFOUND for other names. */
int tpl_call_db(tpl_run *run, const tpl_node *call, const rs_tpl_args *args,
                const rs_tpl_value *caller, rs_tpl_value *out);
/* tpl_db.c: adapter.<n->str>(args) other than dispatch and quote, answered by the host. */
int tpl_call_adapter(tpl_run *run, const tpl_node *n, const rs_tpl_args *args, rs_tpl_value *out);
/* tpl_modules.c: modules.re.<f>(...) and modules.datetime.<type>.<f>(); *done = 0 when n is
 * no such call. */
int tpl_call_module(tpl_run *run, const tpl_node *n, const rs_tpl_args *args, rs_tpl_value *out,
                    int *done);
/* tpl_modules.c: strftime(fmt) of a datetime from modules.datetime; RS_ENOTFOUND for another
 * dict. */
int tpl_datetime_strftime(tpl_run *run, const tpl_node *at, const rs_tpl_value *dt, const char *fmt,
                          rs_tpl_value *out);
/* return(x) and log(msg): RS_ENOTFOUND when name is neither. */
int tpl_call_macro_builtin(tpl_run *run, const tpl_node *call, const rs_tpl_args *args,
                           rs_tpl_value *out);

/* tpl_dbt.c: add the dbt package (dbt.date_trunc, ...) to a library. */
int tpl_add_dbt_macros(rs_tpl_macros *lib, rs_err *err);

/* tpl_value.c: macro values. */
int tpl_macro_value(rs_tpl_value *out, const char *name, const tpl_callable *c);
tpl_callable *tpl_macro_of(const rs_tpl_value *v); /* NULL unless a macro */
const char *tpl_macro_name(const rs_tpl_value *v);

/* tpl_methods.c: obj.name(args) on a string, list or dict. *obj may be changed in place (append,
 * update, ...): it is a variable's own value (tpl_value_make_unique) or a temporary. Items put
 * into it may be at most max_depth deep together with it. */
int tpl_call_method(tpl_run *run, const tpl_node *n, rs_tpl_value *obj, const rs_tpl_args *args,
                    int max_depth, rs_tpl_value *out);
/* Does name change a value of type t in place? */
int tpl_method_mutates(rs_tpl_type t, const char *name);

/* tpl_builtin.c */
/* name(args) by name: a macro variable, the compiler's functions, the host, library macros.
 * caller (or NULL): the {% call %} body, for a macro. */
int tpl_call(tpl_run *run, const tpl_node *call, const rs_tpl_args *args,
             const rs_tpl_value *caller, rs_tpl_value *out);
int tpl_test(tpl_run *run, const tpl_node *n, rs_tpl_value *out);
/* x is name(args): *result, or RS_ENOTFOUND (err untouched) when there is no such test. args may
 * be NULL (no arguments). */
int tpl_test_value(tpl_run *run, const tpl_node *at, const char *name, const rs_tpl_value *v,
                   const rs_tpl_args *args, int *result);

/* tpl_filter.c */
int tpl_filter(tpl_run *run, const tpl_node *n, rs_tpl_value *out);

/* ---- values (tpl_value.c) ---- */
/* Append str() (repr == 0) or repr() (repr == 1) of v; TPL_ETOOBIG when b would pass limit. */
int tpl_value_write(const rs_tpl_value *v, rs_buf *b, int repr, size_t limit);
int tpl_value_depth(const rs_tpl_value *v);
/* New string of a+b without copying twice. */
int tpl_string_concat(rs_tpl_value *out, const char *a, size_t alen, const char *b, size_t blen);
int tpl_truthy(const rs_tpl_value *v);
/* Give *slot (a list or dict) a payload of its own before it is changed in place: copy on
 * write, so that other holders of the same payload never see the change. RS_ENOMEM. */
int tpl_value_make_unique(rs_tpl_value *slot);
/* On a list / dict that make_unique made unique: insert item before at (takes ownership),
 * take out item at / key's value (handed to *out; RS_ENOTFOUND when the key is absent). */
int tpl_list_insert(rs_tpl_value *list, size_t at, rs_tpl_value item);
void tpl_list_take(rs_tpl_value *list, size_t at, rs_tpl_value *out);
int tpl_dict_take(rs_tpl_value *dict, const char *key, rs_tpl_value *out);
/* After a member of v was changed in place: v's depth from its items again. */
void tpl_value_recompute_depth(rs_tpl_value *v);
/* -1, 0, 1 for numbers and for strings (bytes; ASCII case folded with fold_case), else 2. */
int tpl_values_compare(const rs_tpl_value *a, const rs_tpl_value *b, int fold_case);
int tpl_values_equal(const rs_tpl_value *a, const rs_tpl_value *b);

#endif
