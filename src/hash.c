/* hash.c - see hash.h. */
#include "hash.h"

uint32_t rs_fnv1a32(const void *p, size_t len) {
    const unsigned char *b = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

uint64_t rs_fnv1a64(const void *p, size_t len) {
    const unsigned char *b = p;
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}
