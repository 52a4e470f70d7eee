/*
 * fn_hash.c - hashing and encoding: MD5, SHA1, SHA256, SHA512 (OpenSSL's libcrypto), XXHASH64,
 * CRC32, TO_HEX / FROM_HEX, TO_BASE64 / FROM_BASE64.
 *
 * Rules (Presto's, as Rockset's own page is lost; tests/sqlcorpus/hashing.test): digests take a
 * string (its UTF-8 bytes) or bytes and return bytes; XXHASH64 is XXH64 with seed 0 as 8
 * big-endian bytes; CRC32 is zlib's CRC-32 as a non-negative int. dbt's md5 macro becomes
 * TO_HEX(MD5(x)).
 */
#include "fn_util.h"
#include "utf8.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

/* The bytes of a string or bytes argument; 0 with a type error otherwise. */
static int input_bytes(sqlite3_context *ctx, const rv *v, const unsigned char **data, size_t *len) {
    if (v->type != RV_STRING && v->type != RV_BYTES) {
        rt_error(ctx, "argument must be a string or bytes, got %s", rv_type_name(v->type));
        return 0;
    }
    *data = (const unsigned char *)v->s;
    *len = v->len;
    return 1;
}

static void result_bytes(sqlite3_context *ctx, const void *data, size_t len) {
    rv out = rv_json(RV_BYTES, (const char *)data, len);
    rv_result(ctx, &out);
}

/* ---------------- digests ---------------- */

static void fn_digest(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const char *algorithm = rt_fn_of(ctx)->user_data;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    const unsigned char *data;
    size_t len;
    rv v;
    if (!rt_args(ctx, argc, argv, &v, 1) || !input_bytes(ctx, &v, &data, &len))
        return;
    const EVP_MD *md = EVP_get_digestbyname(algorithm);
    if (md == NULL || EVP_Digest(data, len, digest, &digest_len, md, NULL) != 1) {
        rt_error(ctx, "the %s digest is not available", algorithm);
        return;
    }
    result_bytes(ctx, digest, digest_len);
}

/* XXH64, seed 0 (the reference algorithm's constants and rounds). */
#define XXP1 0x9E3779B185EBCA87ULL
#define XXP2 0xC2B2AE3D27D4EB4FULL
#define XXP3 0x165667B19E3779F9ULL
#define XXP4 0x85EBCA77C2B2AE63ULL
#define XXP5 0x27D4EB2F165667C5ULL

static uint64_t rotl64(uint64_t x, int r) {
    return (x << r) | (x >> (64 - r));
}

static uint64_t read64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint32_t read32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t xx_round(uint64_t acc, uint64_t input) {
    acc += input * XXP2;
    return rotl64(acc, 31) * XXP1;
}

static uint64_t xx_merge(uint64_t acc, uint64_t val) {
    acc ^= xx_round(0, val);
    return acc * XXP1 + XXP4;
}

static uint64_t xxh64(const unsigned char *p, size_t len) {
    const unsigned char *end = p + len;
    uint64_t h;
    if (len >= 32) {
        uint64_t v1 = XXP1 + XXP2, v2 = XXP2, v3 = 0, v4 = 0 - XXP1;
        for (; p + 32 <= end; p += 32) {
            v1 = xx_round(v1, read64(p));
            v2 = xx_round(v2, read64(p + 8));
            v3 = xx_round(v3, read64(p + 16));
            v4 = xx_round(v4, read64(p + 24));
        }
        h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
        h = xx_merge(xx_merge(xx_merge(xx_merge(h, v1), v2), v3), v4);
    } else {
        h = XXP5;
    }
    h += (uint64_t)len;
    for (; p + 8 <= end; p += 8)
        h = rotl64(h ^ xx_round(0, read64(p)), 27) * XXP1 + XXP4;
    if (p + 4 <= end) {
        h = rotl64(h ^ ((uint64_t)read32(p) * XXP1), 23) * XXP2 + XXP3;
        p += 4;
    }
    for (; p < end; p++)
        h = rotl64(h ^ (*p * XXP5), 11) * XXP1;
    h ^= h >> 33;
    h *= XXP2;
    h ^= h >> 29;
    h *= XXP3;
    h ^= h >> 32;
    return h;
}

static void fn_xxhash64(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const unsigned char *data;
    unsigned char out[8];
    size_t len;
    rv v;
    if (!rt_args(ctx, argc, argv, &v, 1) || !input_bytes(ctx, &v, &data, &len))
        return;
    uint64_t h = xxh64(data, len);
    for (int i = 0; i < 8; i++)
        out[i] = (unsigned char)(h >> (56 - 8 * i));
    result_bytes(ctx, out, sizeof out);
}

static void fn_crc32(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const unsigned char *data;
    size_t len;
    rv v;
    if (!rt_args(ctx, argc, argv, &v, 1) || !input_bytes(ctx, &v, &data, &len))
        return;
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        crc ^= data[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    sqlite3_result_int64(ctx, (int64_t)(crc ^ 0xFFFFFFFFu));
}

/* ---------------- hex and base64 ---------------- */

static void fn_to_hex(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    static const char digits[] = "0123456789abcdef";
    const unsigned char *data;
    size_t len;
    rs_buf out = RS_BUF_INIT;
    rv v;
    if (!rt_args(ctx, argc, argv, &v, 1) || !input_bytes(ctx, &v, &data, &len))
        return;
    for (size_t i = 0; i < len; i++) {
        rs_buf_putc(&out, digits[data[i] >> 4]);
        rs_buf_putc(&out, digits[data[i] & 15]);
    }
    rt_result_text_buf(ctx, &out);
    rs_buf_free(&out);
}

static void fn_from_hex(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_buf out = RS_BUF_INIT;
    rv v;
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_string(ctx, &v, 0, 1))
        return;
    if (v.len % 2 != 0) {
        rt_error(ctx, "invalid hexadecimal string");
        return;
    }
    for (size_t i = 0; i < v.len; i += 2) {
        int hi = rs_hex_digit(v.s[i]), lo = rs_hex_digit(v.s[i + 1]);
        if (hi < 0 || lo < 0) {
            rs_buf_free(&out);
            rt_error(ctx, "invalid hexadecimal string");
            return;
        }
        rs_buf_putc(&out, (char)(hi << 4 | lo));
    }
    if (out.oom)
        sqlite3_result_error_nomem(ctx);
    else
        result_bytes(ctx, out.data, out.len);
    rs_buf_free(&out);
}

static void fn_to_base64(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const unsigned char *data;
    size_t len;
    rs_buf out = RS_BUF_INIT;
    rv v;
    if (!rt_args(ctx, argc, argv, &v, 1) || !input_bytes(ctx, &v, &data, &len))
        return;
    rv_base64_encode(&out, data, len);
    rt_result_text_buf(ctx, &out);
    rs_buf_free(&out);
}

static void fn_from_base64(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_buf out = RS_BUF_INIT;
    rv v;
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_string(ctx, &v, 0, 1))
        return;
    int rc = rv_base64_decode(&out, v.s, v.len);
    if (rc == RS_EINVAL)
        rt_error(ctx, "invalid base64 string");
    else if (rc != 0 || out.oom)
        sqlite3_result_error_nomem(ctx);
    else
        result_bytes(ctx, out.data, out.len);
    rs_buf_free(&out);
}

/* clang-format off */
#define H(name, fn, data, sig) \
    {name, RT_SCALAR, 1, 1, NULL, 0, data, fn, NULL, NULL, NULL, NULL, "hashing", sig}

const rt_function rt_fn_hash[] = {
    H("MD5", fn_digest, "MD5", "MD5(string | bytes) -> bytes (16); TO_HEX(MD5(x)) is the usual hex digest"),
    H("SHA1", fn_digest, "SHA1", "SHA1(string | bytes) -> bytes (20)"),
    H("SHA256", fn_digest, "SHA256", "SHA256(string | bytes) -> bytes (32)"),
    H("SHA512", fn_digest, "SHA512", "SHA512(string | bytes) -> bytes (64)"),
    H("XXHASH64", fn_xxhash64, NULL, "XXHASH64(string | bytes) -> bytes (8, big-endian XXH64, seed 0)"),
    H("CRC32", fn_crc32, NULL, "CRC32(string | bytes) -> int (zlib's CRC-32, unsigned)"),
    H("TO_HEX", fn_to_hex, NULL, "TO_HEX(bytes | string) -> string of lower-case hex digits"),
    H("FROM_HEX", fn_from_hex, NULL, "FROM_HEX(string) -> bytes (either case)"),
    H("TO_BASE64", fn_to_base64, NULL, "TO_BASE64(bytes | string) -> string (standard, padded)"),
    H("FROM_BASE64", fn_from_base64, NULL, "FROM_BASE64(string) -> bytes (padding optional)"),
    {NULL, 0, 0, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}};
/* clang-format on */
