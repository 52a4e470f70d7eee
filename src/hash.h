/*
 * hash.h - FNV-1a, the one hash of the tree's in-memory tables: rockset-local's path table of a
 * write and its estimate cache (64-bit), the column replica's paths by key, the row decoder's
 * field slots, the failed-login limiter and the per-client connection slots (32-bit). Not for
 * anything stored or compared across runs.
 *
 * Thread-safety: pure functions.
 */
#ifndef RS_HASH_H
#define RS_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a of the len bytes at p. */
uint32_t rs_fnv1a32(const void *p, size_t len);
uint64_t rs_fnv1a64(const void *p, size_t len);

#endif
