/*
 * template.h - the model template compiler: dbt's Jinja subset, parsed to an AST and evaluated.
 *
 * A model's SQL is a SELECT with template syntax ({{ expr }}, {% if %}, {% for %}, {% set %},
 * {# #}, whitespace control with '-'). rs_tpl_parse turns the text into an immutable
 * rs_tpl; rs_tpl_render evaluates it against an rs_tpl_env, the host's callbacks that
 * answer names (target, this) and functions (ref, source, var, env_var, is_incremental, ...).
 * The compiler itself knows nothing of Rockset: it only provides config() (records its keyword
 * arguments and renders as nothing), range(), namespace(), return(), and macros.
 * rs_tpl_collect evaluates a template in "parse mode" to learn its refs, sources and config
 * before the real render (see below).
 *
 * Syntax: {{ expr }}; {% if %}{% elif %}{% else %}{% endif %}; {% for x in seq %} ... [{% else %}]
 * {% endfor %} over lists, dict keys or string characters, with loop.index, index0, revindex,
 * revindex0, first, last, length, previtem, nextitem (the last two only where there is one);
 * {% for k, v in pairs %} unpacks lists of as many items; {% set x = expr %}, {% set a, b = pair
 * %}, {% set ns.x = expr %} (a member of a dict variable, made by namespace(k=v, ...)), {% set x
 * %}...{% endset %} (the block's output as a string); {% do expr %} (evaluate, output nothing);
 * {# comments #}; '-' whitespace control as Jinja ('+' accepted, no effect). Expressions: 'str'
 * "str" (\n \t \r \0 \\ \' \" escapes), ints, floats, true/false/none (any case of the first
 * letter), [lists], (tuples, which are lists), {'dicts'}, a.b, a[i], a[start:stop:step] (lists
 * and strings, by character), f(x, k=v, *list, **dict), obj.method(x),
 * x | filter(args), x is [not] test [arg | (args)], a if c else b, and Python's operators: ~ + -
 * * / // % ** == != < <= > >= in, not in, and, or, not. Methods are listed at the top of
 * tpl_methods.c, filters at the top of tpl_filter.c, functions and tests in tpl_builtin.c.
 *
 * Macros: {% macro name(a, b=default) %}...{% endmacro %} binds name in the current scope;
 * {% test name(model, column_name) %}...{% endtest %} binds test_name. A call name(x, b=y) runs
 * the body in its own scope (it sees its arguments, the template's top-level variables, and
 * the host's names) and gives its output as a string, or x when the body calls {{ return(x) }}.
 * Missing arguments without a default are an error; extra ones go to varargs / kwargs when the
 * body reads those names, else they are an error too. {% call [(params)] m(args) %}body{%
 * endcall %} calls m with caller() = body (caller(x) with params). Macros are also values
 * ({% set f = m %}{{ f() }}, x is callable). Macros shared by all templates come from an
 * rs_tpl_macros library (below): pkg.name(...), adapter.dispatch('x', 'pkg')(...), and bare
 * names. Also: exceptions.raise_compiler_error(msg) (fails with msg), exceptions.warn(msg) and
 * log(msg) (nothing), execute (True when rendering, False in parse mode). An error inside a
 * macro's body is reported at its position in the macro, followed by
 * " (called from model 'm' line L column C)" for each call on the way; macro calls nest at most
 * RS_TPL_MAX_CALLS (48) deep.
 *
 * Values are copy on write: a method that changes a list or dict (append, update, ...) or {% set
 * ns.x %} changes only the variable it is called on (or one member of it: ns.cols.append(c));
 * another variable holding the same list keeps the old one, where Jinja would share the change.
 *
 * Differences from Jinja, on purpose: unknown names, attributes, functions, methods and filters
 * are errors (never rendered as empty), and so is a macro call missing an argument; a macro
 * defined inside a loop or another macro sees the same top-level scope as any other, not the
 * loop's or the macro's variables; integers are 64-bit and overflow is an error; a < b < c
 * is refused; the text's final newline is kept; there is no {% raw %}, {% include %},
 * {% extends %}, {% block %}, {% filter %}, {% with %}, format specs in str.format(), nor
 * the % operator on strings.
 *
 * Errors: every function returns RS_OK or an RS_E* code and fills the caller's rs_err. Template
 * errors are RS_EINVAL and read "model 'm' line 3 column 14: unknown function 'reff'", with
 * err->line / err->column set to the 1-based position (in bytes) of the offending token.
 *
 * Limits (fuzz safety): template nesting deeper than RS_TPL_MAX_NESTING (blocks, expressions and
 * operator chains together), values nested deeper than RS_TPL_MAX_DEPTH,
 * output or strings larger than the env's max_output, lists longer than RS_TPL_MAX_ITEMS, and
 * evaluations longer than max_steps stop with an error that says which limit was hit.
 *
 * Thread-safety: an rs_tpl and an rs_tpl_macros are immutable once built; several threads
 * may render the same ones at once, each with its own env and values. Values are reference counted
 * without locks: a value belongs to one thread.
 *
 * Ownership: values are passed by struct; strings, lists and dicts point to a shared, reference
 * counted, immutable payload. rs_tpl_value_free drops one reference; rs_tpl_value_copy adds one.
 * A function that fills an rs_tpl_value out-parameter hands that reference to the caller.
 */
#ifndef RS_TEMPLATE_H
#define RS_TEMPLATE_H

#include "buf.h"
#include "err.h"

#include <stddef.h>

#define RS_TPL_MAX_DEPTH          64  /* nesting of list and dict values */
#define RS_TPL_MAX_NESTING        128 /* nesting of blocks and expressions in a template */
#define RS_TPL_MAX_ITEMS          1000000
#define RS_TPL_DEFAULT_MAX_OUTPUT (16u * 1024u * 1024u)
#define RS_TPL_DEFAULT_MAX_STEPS  10000000L

typedef enum rs_tpl_type {
    RS_TPL_NONE = 0,  /* renders "None" */
    RS_TPL_UNDEFINED, /* only in rs_tpl_collect without an env: renders "" */
    RS_TPL_BOOL,      /* renders "True" / "False" */
    RS_TPL_INT,       /* 64-bit; overflow is an error */
    RS_TPL_FLOAT,     /* renders as Python's shortest repr: 1.0, 0.1, 1e+16 */
    RS_TPL_STRING,    /* bytes (UTF-8 expected), NUL-terminated */
    RS_TPL_LIST,
    RS_TPL_DICT, /* string keys, insertion order; may carry a display text (see below) */
    RS_TPL_MACRO /* a macro or caller() as a value (made only by the compiler): renders
                    "<macro 'name'>", JSON null; hosts may receive one as an argument */
} rs_tpl_type;

typedef struct rs_tpl_obj rs_tpl_obj; /* the shared payload of strings, lists and dicts */

typedef struct rs_tpl_value {
    rs_tpl_type type;
    union {
        int b;
        long long i;
        double f;
        rs_tpl_obj *obj; /* STRING, LIST, DICT: one counted reference */
    } u;
} rs_tpl_value;

/* Scalars need no allocation and nothing to free. */
rs_tpl_value rs_tpl_none(void);
rs_tpl_value rs_tpl_bool(int b);
rs_tpl_value rs_tpl_int(long long i);
rs_tpl_value rs_tpl_float(double f);

/* A new string holding a copy of s[0..len). RS_ENOMEM leaves *out as none. */
int rs_tpl_string(rs_tpl_value *out, const char *s, size_t len);
/* A new empty list / dict (refcount 1, so it may still be filled). */
int rs_tpl_list(rs_tpl_value *out);
int rs_tpl_dict(rs_tpl_value *out);
/* Append to a list you just made; takes ownership of item, even on failure. Fails with RS_EINVAL
 * when the list would exceed RS_TPL_MAX_ITEMS items or RS_TPL_MAX_DEPTH levels of nesting. */
int rs_tpl_list_append(rs_tpl_value *list, rs_tpl_value item);
/* Set key in a dict you just made (replacing an old value); takes ownership of value always. */
int rs_tpl_dict_set(rs_tpl_value *dict, const char *key, rs_tpl_value value);
/* Text a dict renders as ({{ this }} -> "ws.coll" while {{ this.name }} -> "coll"). Copied. */
int rs_tpl_dict_set_display(rs_tpl_value *dict, const char *text);
/* A relation as dbt's macros expect one (dbt_utils checks that metadata.type ends in
 * 'Relation'): a dict of its parts (schema and workspace, name, identifier and table, database
 * '', is_cte, metadata) that renders as sql. RS_ENOMEM on allocation failure. */
int rs_tpl_relation(rs_tpl_value *out, const char *sql, const char *schema, const char *name,
                    int is_cte);
/* A dict's display text, or NULL (not a dict, or none set). */
const char *rs_tpl_dict_display(const rs_tpl_value *dict);

/* Drop the reference held by *v and set it to none. NULL and scalars are fine. */
void rs_tpl_value_free(rs_tpl_value *v);
/* Another reference to the same value (never fails). */
rs_tpl_value rs_tpl_value_copy(const rs_tpl_value *v);

/* Readers. _str returns the bytes of a string (else NULL) and its length in *len if len is not
 * NULL. _len is the number of list items or dict entries (0 otherwise). Results are borrowed. */
const char *rs_tpl_value_str(const rs_tpl_value *v, size_t *len);
size_t rs_tpl_value_len(const rs_tpl_value *v);
const rs_tpl_value *rs_tpl_list_get(const rs_tpl_value *list, size_t i);
const char *rs_tpl_dict_key(const rs_tpl_value *dict, size_t i);
const rs_tpl_value *rs_tpl_dict_value(const rs_tpl_value *dict, size_t i);
const rs_tpl_value *rs_tpl_dict_get(const rs_tpl_value *dict, const char *key);
/* Name of a type as used in error messages: "none", "int", "string", ... */
const char *rs_tpl_type_name(rs_tpl_type t);
/* Append the value as {{ }} renders it (str(), not repr()). RS_ENOMEM on allocation failure. */
int rs_tpl_value_render(const rs_tpl_value *v, rs_buf *out);

/* JSON text -> value: objects become dicts, integers that fit int64 stay exact ints, other
 * numbers floats. RS_EPARSE ("invalid JSON at offset N: ...") on bad text, RS_EINVAL when nested
 * deeper than RS_TPL_MAX_DEPTH. *out is set only on success. */
int rs_tpl_value_from_json(const char *text, size_t len, rs_tpl_value *out, rs_err *err);
/* The part of rs_tpl_value_from_json that needs no allocation, for hosts that convert JSON
 * under their own limits: a number, true, false or null in text[0..len) (validated JSON,
 * whitespace allowed) -> value. RS_OK, or RS_EINVAL (*out untouched) for a string, array or
 * object. */
int rs_tpl_value_from_json_scalar(const char *text, size_t len, rs_tpl_value *out);
/* Value -> JSON text appended to out: none and undefined are null, NaN and infinities null,
 * a dict's display text is ignored. RS_ENOMEM on allocation failure. */
int rs_tpl_value_to_json(const rs_tpl_value *v, rs_buf *out);

/* Arguments of a function call, borrowed for the duration of the callback. */
typedef struct rs_tpl_args {
    size_t n_pos;
    const rs_tpl_value *pos;
    size_t n_kw;
    const char *const *kw_names;
    const rs_tpl_value *kw_values;
} rs_tpl_args;

/* Helpers for hosts: check that fname got between min_pos and max_pos positional arguments and no
 * keyword arguments, or that argument i (0-based) is a string. The messages are
 * "ref() takes exactly 1 argument (2 given)", "var() takes 1 or 2 arguments (0 given)",
 * "f() takes from 1 to 3 arguments (4 given)", "var() got an unexpected keyword argument 'x'",
 * "ref() argument 1 must be a string, not int". RS_EINVAL on mismatch. */
int rs_tpl_args_check(const rs_tpl_args *args, const char *fname, size_t min_pos, size_t max_pos,
                      rs_err *err);
int rs_tpl_args_string(const rs_tpl_args *args, size_t i, const char *fname, const char **s,
                       rs_err *err);

/*
 * The host. lookup answers a name that is not a template variable; call answers a function the
 * compiler does not provide. Each returns RS_OK and fills *out (handing over the reference), or
 * RS_ENOTFOUND without touching err when it does not know the name (the compiler then reports
 * "unknown name 'x'" / "unknown function 'f'"), or any code with a message in err (RS_ENOTFOUND
 * included: "ref() names model 'x', which does not exist"), which the compiler prefixes with the
 * model and position. Either callback may be NULL.
 */
typedef struct rs_tpl_env {
    void *ctx;
    int (*lookup)(void *ctx, const char *name, rs_tpl_value *out, rs_err *err);
    int (*call)(void *ctx, const char *name, const rs_tpl_args *args, rs_tpl_value *out,
                rs_err *err);
    size_t max_output; /* bytes of output and of any one string; 0: RS_TPL_DEFAULT_MAX_OUTPUT */
    long max_steps;    /* evaluation steps; 0: RS_TPL_DEFAULT_MAX_STEPS */
    const struct rs_tpl_macros *macros; /* macros callable by name (below), or NULL */
} rs_tpl_env;

typedef struct rs_tpl_source {
    char *source;
    char *table;
} rs_tpl_source;

/* What a render produced. Free with rs_tpl_result_free (safe on a zeroed or freed result). */
typedef struct rs_tpl_result {
    char *text;          /* the rendered SQL */
    rs_tpl_value config; /* dict of every config() keyword; a later call overrides an earlier */
    char **refs;         /* ref() model names (last positional argument), first-seen order */
    size_t n_refs;
    rs_tpl_source *sources; /* source() pairs, first-seen order, no duplicates */
    size_t n_sources;
} rs_tpl_result;

void rs_tpl_result_free(rs_tpl_result *res);

typedef struct rs_tpl rs_tpl;

/* Parse text[0..len) (it need not be NUL-terminated) for the model named model (used in every
 * message). On success *out is a new template the caller frees with rs_tpl_free. */
int rs_tpl_parse(const char *model, const char *text, size_t len, rs_tpl **out, rs_err *err);
/* The same for a template that is not a model's: messages say "<kind> 'name'" ("test 'x' line
 * 2 column 4: ..."). */
int rs_tpl_parse_as(const char *kind, const char *name, const char *text, size_t len, rs_tpl **out,
                    rs_err *err);
void rs_tpl_free(rs_tpl *t);
const char *rs_tpl_model(const rs_tpl *t);

/* Evaluate t. ref() and source() go to env->call like any host function, and are recorded in
 * the result when they succeed with string arguments; config() is the compiler's. On success
 * *res is filled (the caller frees it); on failure *res is left zeroed. env may be NULL. */
int rs_tpl_render(const rs_tpl *t, const rs_tpl_env *env, rs_tpl_result *res, rs_err *err);

/*
 * Parse mode, for building the model graph and reading config before the real render: ref(m)
 * renders as m and source(s, t) as s.t without asking the host, is_incremental() is False, and
 * config() is recorded as always. Other names and functions go to env; when env is NULL (or
 * answers RS_ENOTFOUND) they evaluate to undefined (renders "", false, iterates as empty) instead
 * of failing. Refs and sources written with literal arguments in branches that were not taken
 * (e.g. inside {% if is_incremental() %}) are recorded too. Syntax and type errors still fail.
 */
int rs_tpl_collect(const rs_tpl *t, const rs_tpl_env *env, rs_tpl_result *res, rs_err *err);

/*
 * Macros shared by the templates of a project: each has a package (NULL or "" for the project's
 * own), a name, an argument list as written between the parentheses of {% macro name(...) %}
 * ("a, b=1") and a body (the text between the tags). A bare name(...) finds, in order, a
 * variable holding a macro, the compiler's and the host's functions, then the package of the
 * macro running now, the project's macros, dbt's; pkg.name(...) a package's.
 * rs_tpl_macros_new starts with the dbt package (dbt.date_trunc, ... see tpl_dbt.c); adding a
 * macro whose package and name exist replaces it. Messages name a library macro "macro
 * 'pkg.name'", with positions in its body text. Read-only once built: renders on several threads
 * may share one.
 */
typedef struct rs_tpl_macros rs_tpl_macros;

int rs_tpl_macros_new(rs_tpl_macros **out, rs_err *err);
int rs_tpl_macros_add(rs_tpl_macros *lib, const char *package, const char *name, const char *args,
                      const char *body, rs_err *err);
size_t rs_tpl_macros_count(const rs_tpl_macros *lib);
/* 1 when the library has a macro of that package (NULL or "": the project's) and name. */
int rs_tpl_macros_has(const rs_tpl_macros *lib, const char *package, const char *name);
/* The first package (in the order macros were added; not the project's, not dbt's) that has a
 * macro called name, or NULL. Borrowed from the library. */
const char *rs_tpl_macros_package_of(const rs_tpl_macros *lib, const char *name);
void rs_tpl_macros_free(rs_tpl_macros *lib);

/* The macros a macro file defines ({% macro %} and {% test %} blocks at its top level; other
 * text is ignored), for importers. file names it in messages ("file 'macros/x.sql' line 3 column
 * 4: ..."). body has the whitespace control of the macro's tags applied. A {% test t(...) %} is
 * returned as name t with is_test set: it is callable as test_t. */
typedef struct rs_tpl_macro_def {
    char *name;
    char *args;
    char *body;
    int is_test;
    int line; /* of the {% macro %} tag */
} rs_tpl_macro_def;

int rs_tpl_macro_defs(const char *file, const char *text, size_t len, rs_tpl_macro_def **out,
                      size_t *n_out, rs_err *err);
void rs_tpl_macro_defs_free(rs_tpl_macro_def *defs, size_t n);

/* Parse and render in one go; *out is the malloc'd text. */
int rs_tpl_compile(const char *model, const char *text, const rs_tpl_env *env, char **out,
                   rs_err *err);

#endif
