/*
 * fuzz_template.c - the model template compiler (src/template.h) on arbitrary text.
 *
 * One input is a model's SQL. It is parsed; when it parses it is collected (parse mode, no
 * host) and rendered against a small host that answers target, this, ref, source, var,
 * env_var and is_incremental like the extension does. The input is also read as JSON by
 * rs_tpl_value_from_json and written back. Limits are lowered (steps, output) so that a
 * {% for %} bomb ends with the compiler's own error quickly instead of timing the fuzzer out.
 *
 * The input is also read as a macro file (rs_tpl_macro_defs); its macros, added to a
 * library, are what the render may call by name, as p.name(...) and through adapter.dispatch.
 *
 * Invariants checked: a failure always carries a message; an error position is never past the
 * end of the text; rendering the same template twice gives the same text; JSON that was read
 * and written once is a fixed point of reading and writing again.
 */
#include "fuzz.h"

#include "template/template.h"

static int put_str(rs_tpl_value *dict, const char *key, const char *text) {
    rs_tpl_value v;
    int rc = rs_tpl_string(&v, text, strlen(text));
    return rc ? rc : rs_tpl_dict_set(dict, key, v);
}

static int host_lookup(void *ctx, const char *name, rs_tpl_value *out, rs_err *err) {
    rs_tpl_value d;
    int rc;
    (void)ctx;
    (void)err;
    if (strcmp(name, "target") != 0 && strcmp(name, "this") != 0)
        return RS_ENOTFOUND;
    rc = rs_tpl_dict(&d);
    if (rc)
        return rc;
    rc = put_str(&d, "name", strcmp(name, "this") == 0 ? "model" : "dev");
    rc = rc ? rc : put_str(&d, "workspace", "analytics");
    if (rc == RS_OK && strcmp(name, "this") == 0)
        rc = rs_tpl_dict_set_display(&d, "analytics.model");
    if (rc) {
        rs_tpl_value_free(&d);
        return rc;
    }
    *out = d;
    return RS_OK;
}

/* ref(m) / source(s, t) / var(x[, default]) / env_var(x[, default]) / is_incremental(). */
static int host_call(void *ctx, const char *name, const rs_tpl_args *args, rs_tpl_value *out,
                     rs_err *err) {
    const char *a = NULL, *b = NULL;
    char text[256];
    (void)ctx;
    if (strcmp(name, "is_incremental") == 0) {
        if (rs_tpl_args_check(args, name, 0, 0, err))
            return RS_EINVAL;
        *out = rs_tpl_bool(0);
        return RS_OK;
    }
    if (strcmp(name, "ref") == 0) {
        if (rs_tpl_args_check(args, name, 1, 2, err) ||
            rs_tpl_args_string(args, args->n_pos - 1, name, &a, err))
            return RS_EINVAL;
        snprintf(text, sizeof(text), "analytics.%.200s", a);
        return rs_tpl_string(out, text, strlen(text));
    }
    if (strcmp(name, "source") == 0) {
        if (rs_tpl_args_check(args, name, 2, 2, err) ||
            rs_tpl_args_string(args, 0, name, &a, err) ||
            rs_tpl_args_string(args, 1, name, &b, err))
            return RS_EINVAL;
        snprintf(text, sizeof(text), "%.100s.%.100s", a, b);
        return rs_tpl_string(out, text, strlen(text));
    }
    if (strcmp(name, "var") == 0 || strcmp(name, "env_var") == 0) {
        if (rs_tpl_args_check(args, name, 1, 2, err) || rs_tpl_args_string(args, 0, name, &a, err))
            return RS_EINVAL;
        if (args->n_pos == 2) {
            *out = rs_tpl_value_copy(&args->pos[1]);
            return RS_OK;
        }
        if (strcmp(a, "days") == 0) {
            *out = rs_tpl_int(7);
            return RS_OK;
        }
        return rs_err_set(err, RS_EINVAL, "%s '%.100s' is not set", name, a);
    }
    return RS_ENOTFOUND;
}

static void check_failure(int rc, const rs_err *err, size_t size) {
    if (rc == RS_OK)
        return;
    FUZZ_ASSERT(err->msg[0] != '\0');
    FUZZ_ASSERT(err->line >= 0 && err->column >= 0);
    FUZZ_ASSERT((size_t)err->line <= size + 1);
}

/* dbt's package alone, built once: most inputs define no macro of their own. */
static rs_tpl_macros *shared_macros(void) {
    static rs_tpl_macros *lib;
    rs_err err = {0};

    if (lib == NULL)
        FUZZ_ASSERT(rs_tpl_macros_new(&lib, &err) == RS_OK);
    return lib;
}

/* A library of the input's own macros (read as a macro file), project and package 'p' in turn,
 * on top of the dbt package; the shared one when the input defines none. *own is set when the
 * caller must free it. */
static rs_tpl_macros *input_macros(const char *text, size_t size, int *own) {
    rs_tpl_macro_def *defs = NULL;
    rs_tpl_macros *lib = NULL;
    size_t n = 0, i;
    rs_err err = {0};

    *own = 0;
    if (rs_tpl_macro_defs("f", text, size, &defs, &n, &err) != RS_OK) {
        FUZZ_ASSERT(err.msg[0] != '\0');
        return shared_macros();
    }
    if (n > 0 && rs_tpl_macros_new(&lib, &err) == RS_OK) {
        *own = 1;
        for (i = 0; i < n; i++) {
            rs_err_clear(&err);
            if (rs_tpl_macros_add(lib, i % 2 ? "p" : NULL, defs[i].name, defs[i].args, defs[i].body,
                                  &err) != RS_OK)
                FUZZ_ASSERT(err.msg[0] != '\0');
        }
    }
    rs_tpl_macro_defs_free(defs, n);
    return lib ? lib : shared_macros();
}

static void fuzz_render(const char *text, size_t size) {
    rs_tpl_env env = {NULL, host_lookup, host_call, 64 * 1024, 20000, NULL};
    rs_tpl *t = NULL;
    rs_tpl_result collected = {0}, first = {0}, second = {0};
    rs_err err = {0};
    int rc, rc2, own_macros = 0;

    rc = rs_tpl_parse("m", text, size, &t, &err);
    check_failure(rc, &err, size);
    if (rc != RS_OK)
        return;
    env.macros = input_macros(text, size, &own_macros);
    rs_err_clear(&err);
    rc = rs_tpl_collect(t, &env, &collected, &err);
    check_failure(rc, &err, size);
    rs_err_clear(&err);
    rc = rs_tpl_render(t, &env, &first, &err);
    check_failure(rc, &err, size);
    rs_err_clear(&err);
    rc2 = rs_tpl_render(t, &env, &second, &err);
    FUZZ_ASSERT(rc == rc2);
    if (rc == RS_OK)
        FUZZ_ASSERT(strcmp(first.text, second.text) == 0);
    rs_tpl_result_free(&collected);
    rs_tpl_result_free(&first);
    rs_tpl_result_free(&second);
    rs_tpl_free(t);
    if (own_macros)
        rs_tpl_macros_free((rs_tpl_macros *)env.macros);
}

/* value -> JSON -> value -> JSON: the first conversion may normalise (invalid UTF-8 becomes
 * \ufffd), after that the text must be a fixed point. */
static void fuzz_json(const char *text, size_t size) {
    rs_tpl_value v = rs_tpl_none(), again = rs_tpl_none(), third = rs_tpl_none();
    rs_buf out1 = {0}, out2 = {0}, out3 = {0};
    rs_err err = {0};

    if (rs_tpl_value_from_json(text, size, &v, &err) != RS_OK) {
        FUZZ_ASSERT(err.msg[0] != '\0');
        return;
    }
    if (rs_tpl_value_to_json(&v, &out1) != RS_OK || out1.oom)
        goto done;
    FUZZ_ASSERT(rs_tpl_value_from_json(out1.data, out1.len, &again, &err) == RS_OK);
    if (rs_tpl_value_to_json(&again, &out2) != RS_OK || out2.oom)
        goto done;
    FUZZ_ASSERT(rs_tpl_value_from_json(out2.data, out2.len, &third, &err) == RS_OK);
    if (rs_tpl_value_to_json(&third, &out3) == RS_OK && !out3.oom)
        FUZZ_ASSERT(out2.len == out3.len && memcmp(out2.data, out3.data, out2.len) == 0);
done:
    rs_buf_free(&out1);
    rs_buf_free(&out2);
    rs_buf_free(&out3);
    rs_tpl_value_free(&v);
    rs_tpl_value_free(&again);
    rs_tpl_value_free(&third);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_cstr(data, size);
    if (text == NULL)
        return 0;
    fuzz_render(text, size);
    fuzz_json(text, size);
    free(text);
    return 0;
}
