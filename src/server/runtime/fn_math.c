/*
 * fn_math.c - mathematical functions. Arguments are ints or floats; the results are floats
 * except where Rockset keeps the type (ABS, SIGN, MOD of ints). A value outside a function's
 * domain is IEEE NaN or an infinity (printed null, typed float), not an error; integer overflow
 * and division by zero are errors. ROUND halves away from zero; FLOOR/CEIL/ROUND/TRUNC always
 * give floats, as Rockset documents (FLOOR(2) = 2.0).
 */
#include "fn_util.h"
#include "ops.h"

#include <math.h>
#include <stdlib.h>

/* One float argument -> float (NULL for null or undefined, an error for a non-number). */
static int one_number(sqlite3_context *ctx, int argc, sqlite3_value **argv, double *x, rv *v) {
    if (!rt_args(ctx, argc, argv, v, 1) || !rt_want_number(ctx, v, 0, 1))
        return 0;
    *x = rv_as_double(v);
    return 1;
}

static void result_float(sqlite3_context *ctx, double r) {
    rv v = rv_float(r);
    rv_result(ctx, &v);
}

typedef double (*math1_fn)(double);

static double log_e(double x) {
    return log(x);
}

static void fn_math1(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    math1_fn f = (math1_fn)(uintptr_t)rt_fn_of(ctx)->user_data;
    double x;
    rv v;
    if (one_number(ctx, argc, argv, &x, &v))
        result_float(ctx, f(x));
}

static void fn_abs(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_number(ctx, &v, 0, 1))
        return;
    if (v.type == RV_INT && v.i == INT64_MIN)
        sqlite3_result_error(ctx, "integer overflow in ABS", -1);
    else if (v.type == RV_INT)
        sqlite3_result_int64(ctx, v.i < 0 ? -v.i : v.i);
    else
        result_float(ctx, fabs(v.f));
}

static void fn_sign(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_number(ctx, &v, 0, 1))
        return;
    if (v.type == RV_INT)
        sqlite3_result_int64(ctx, (v.i > 0) - (v.i < 0));
    else
        result_float(ctx, isnan(v.f) ? v.f : (double)((v.f > 0) - (v.f < 0)));
}

/* ROUND/TRUNC(x[, digits]) */
static void round_common(sqlite3_context *ctx, int argc, sqlite3_value **argv, int truncate) {
    rv v[2];
    if (!rt_args(ctx, argc, argv, v, 1) || !rt_want_number(ctx, v, 0, argc) ||
        (argc > 1 && !rt_want_int(ctx, v, 1, argc)))
        return;
    double x = rv_as_double(&v[0]);
    int64_t digits = argc > 1 ? v[1].i : 0;
    if (digits > 300 || digits < -300 || !isfinite(x)) {
        result_float(ctx, digits < -300 && isfinite(x) ? 0.0 : x);
        return;
    }
    double scale = pow(10.0, (double)llabs(digits));
    double scaled = digits >= 0 ? x * scale : x / scale;
    double r = truncate ? trunc(scaled) : round(scaled);
    result_float(ctx, digits >= 0 ? r / scale : r * scale);
}

static void fn_round(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    round_common(ctx, argc, argv, 0);
}

static void fn_trunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    round_common(ctx, argc, argv, 1);
}

static int get_two(sqlite3_context *ctx, int argc, sqlite3_value **argv, rv *v) {
    return rt_args(ctx, argc, argv, v, 1) && rt_want_number(ctx, v, 0, 2) &&
           rt_want_number(ctx, v, 1, 2);
}

static void fn_pow(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2];
    if (get_two(ctx, argc, argv, v))
        result_float(ctx, pow(rv_as_double(&v[0]), rv_as_double(&v[1])));
}

static void fn_atan2(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2];
    if (get_two(ctx, argc, argv, v))
        result_float(ctx, atan2(rv_as_double(&v[0]), rv_as_double(&v[1])));
}

static void fn_log(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2];
    if (get_two(ctx, argc, argv, v))
        result_float(ctx, log(rv_as_double(&v[1])) / log(rv_as_double(&v[0])));
}

static void fn_mod(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2], out;
    char msg[128];
    if (!get_two(ctx, argc, argv, v))
        return;
    if (v[0].type == RV_INT && v[1].type == RV_INT && v[0].i == INT64_MIN && v[1].i == -1) {
        sqlite3_result_int64(ctx, 0);
        return;
    }
    if (rt_arith('%', &v[0], &v[1], &out, msg, sizeof msg) != 0)
        sqlite3_result_error(ctx, msg, -1);
    else
        rv_result(ctx, &out);
}

static void number_test(sqlite3_context *ctx, int argc, sqlite3_value **argv, int which) {
    rv v;
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_number(ctx, &v, 0, 1))
        return;
    double x = rv_as_double(&v);
    rv_result_bool(ctx, which == 0 ? isnan(x) : which == 1 ? isfinite(x) : isinf(x));
}

static void fn_is_nan(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    number_test(ctx, argc, argv, 0);
}

static void fn_is_finite(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    number_test(ctx, argc, argv, 1);
}

static void fn_is_infinite(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    number_test(ctx, argc, argv, 2);
}

static void fn_pi(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    result_float(ctx, M_PI);
}

static void fn_rand(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    uint64_t r;
    (void)argc;
    (void)argv;
    sqlite3_randomness(sizeof r, &r);
    result_float(ctx, (double)(r >> 11) / 9007199254740992.0);
}

static double log_2(double x) {
    return log2(x);
}

#define M1(name, f, sig)                                                                        \
    {                                                                                           \
        name, RT_SCALAR, 1, 1, NULL, 0, (const void *)(uintptr_t)f, fn_math1, NULL, NULL, NULL, \
            NULL, "math", sig                                                                   \
    }
#define MF(name, min, max, fn, sig) \
    { name, RT_SCALAR, min, max, NULL, 0, NULL, fn, NULL, NULL, NULL, NULL, "math", sig }

/* clang-format off */
const rt_function rt_fn_math[] = {
    MF("ABS", 1, 1, fn_abs, "ABS(number) -> number of the same type"),
    M1("FLOOR", floor, "FLOOR(number) -> float"),
    M1("CEIL", ceil, "CEIL(number) -> float"),
    M1("CEILING", ceil, "CEILING(number) -> float"),
    MF("ROUND", 1, 2, fn_round, "ROUND(number[, digits]) -> float (halves away from zero)"),
    MF("TRUNC", 1, 2, fn_trunc, "TRUNC(number[, digits]) -> float (toward zero)"),
    MF("TRUNCATE", 1, 2, fn_trunc, "TRUNCATE(number[, digits]) -> float"),
    M1("SQRT", sqrt, "SQRT(number) -> float"),
    MF("POW", 2, 2, fn_pow, "POW(base, exponent) -> float"),
    MF("POWER", 2, 2, fn_pow, "POWER(base, exponent) -> float"),
    MF("MOD", 2, 2, fn_mod, "MOD(a, b) -> number (as a % b)"),
    M1("EXP", exp, "EXP(number) -> float"),
    M1("LN", log_e, "LN(number) -> float"),
    MF("LOG", 2, 2, fn_log, "LOG(base, number) -> float"),
    M1("LOG10", log10, "LOG10(number) -> float"),
    M1("LOG2", log_2, "LOG2(number) -> float"),
    MF("SIGN", 1, 1, fn_sign, "SIGN(number) -> -1, 0 or 1 of the same type"),
    MF("PI", 0, 0, fn_pi, "PI() -> float"),
    {"RAND", RT_SCALAR, 0, 0, NULL, RT_VOLATILE, NULL, fn_rand, NULL, NULL, NULL, NULL, "math",
     "RAND() -> float in [0, 1)"},
    M1("SIN", sin, "SIN(number) -> float"),
    M1("COS", cos, "COS(number) -> float"),
    M1("TAN", tan, "TAN(number) -> float"),
    M1("ASIN", asin, "ASIN(number) -> float"),
    M1("ACOS", acos, "ACOS(number) -> float"),
    M1("ATAN", atan, "ATAN(number) -> float"),
    MF("ATAN2", 2, 2, fn_atan2, "ATAN2(y, x) -> float"),
    MF("IS_NAN", 1, 1, fn_is_nan, "IS_NAN(number) -> bool"),
    MF("IS_FINITE", 1, 1, fn_is_finite, "IS_FINITE(number) -> bool"),
    MF("IS_INFINITE", 1, 1, fn_is_infinite, "IS_INFINITE(number) -> bool"),
    {NULL, 0, 0, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}};
/* clang-format on */
