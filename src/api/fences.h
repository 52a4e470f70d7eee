/*
 * fences.h - read-your-writes: the commit offsets a client has written and not waited on yet,
 * and the read barrier that waits on them.
 *
 * After a write, Rockset answers with the collection's offset of that write (`last_offset`);
 * a query sees the write once the collection's commit fence has passed that offset. The
 * extension keeps one rs_fences per SQLite connection: every write notes its offset, and the
 * next read of the same collection - through any table or function of that connection - calls
 * rs_fences_barrier first, which waits on the fence (rs_api_fence_wait) and forgets the entry,
 * unless a newer write replaced it meanwhile. A read of a collection written elsewhere costs
 * nothing: no entry, no request.
 *
 * Ownership: the list owns its strings. Thread-safety: none; one connection's thread uses it.
 */
#ifndef RS_API_FENCES_H
#define RS_API_FENCES_H

#include "api/api.h"
#include "err.h"

typedef struct rs_fence_entry {
    char *ws;
    char *coll;
    char *offset;
    struct rs_fence_entry *next;
} rs_fence_entry;

typedef struct rs_fences {
    rs_fence_entry *head;
} rs_fences;

#define RS_FENCES_INIT \
    { NULL }

/* Forget every entry. */
void rs_fences_clear(rs_fences *f);

/* Remember offset (taken over; freed on failure) as ws.coll's latest write. RS_OK or RS_ENOMEM
 * (with err set). */
int rs_fences_note(rs_fences *f, const char *ws, const char *coll, char *offset, rs_err *err);

/* The pending offset of ws.coll (borrowed; valid until the next call on f), or NULL. */
const char *rs_fences_pending(const rs_fences *f, const char *ws, const char *coll);

/* The read barrier: when ws.coll has a pending offset, wait (at most timeout_ms) until the
 * collection's commit fence has passed it, then forget it. RS_OK at once when nothing is
 * pending; an error from rs_api_fence_wait leaves the entry, so the next read waits again. */
int rs_fences_barrier(rs_fences *f, rs_api *api, const char *ws, const char *coll, long timeout_ms,
                      rs_err *err);

#endif
