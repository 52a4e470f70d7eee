/*
 * fences.c - read-your-writes offsets and the read barrier (see fences.h).
 */
#include "fences.h"

#include <stdlib.h>
#include <string.h>

static void entry_free(rs_fence_entry *e) {
    free(e->ws);
    free(e->coll);
    free(e->offset);
    free(e);
}

void rs_fences_clear(rs_fences *f) {
    while (f->head != NULL) {
        rs_fence_entry *next = f->head->next;
        entry_free(f->head);
        f->head = next;
    }
}

static rs_fence_entry **find(rs_fences *f, const char *ws, const char *coll) {
    rs_fence_entry **at;

    for (at = &f->head; *at != NULL; at = &(*at)->next) {
        if (strcmp((*at)->ws, ws) == 0 && strcmp((*at)->coll, coll) == 0)
            break;
    }
    return at;
}

int rs_fences_note(rs_fences *f, const char *ws, const char *coll, char *offset, rs_err *err) {
    rs_fence_entry **at = find(f, ws, coll);
    rs_fence_entry *e = *at;

    if (e == NULL) {
        e = calloc(1, sizeof(*e));
        if (e != NULL) {
            e->ws = strdup(ws);
            e->coll = strdup(coll);
        }
        if (e == NULL || e->ws == NULL || e->coll == NULL) {
            if (e != NULL)
                entry_free(e);
            free(offset);
            return rs_err_set(err, RS_ENOMEM, "out of memory");
        }
        *at = e;
    }
    free(e->offset);
    e->offset = offset;
    return RS_OK;
}

const char *rs_fences_pending(const rs_fences *f, const char *ws, const char *coll) {
    const rs_fence_entry *e;

    for (e = f->head; e != NULL; e = e->next)
        if (strcmp(e->ws, ws) == 0 && strcmp(e->coll, coll) == 0)
            return e->offset;
    return NULL;
}

int rs_fences_barrier(rs_fences *f, rs_api *api, const char *ws, const char *coll, long timeout_ms,
                      rs_err *err) {
    rs_fence_entry **at = find(f, ws, coll);
    rs_fence_entry *e = *at;
    int rc;

    if (e == NULL)
        return RS_OK;
    rc = rs_api_fence_wait(api, ws, coll, e->offset, timeout_ms, err);
    if (rc != RS_OK)
        return rc;
    /* the wait runs no other code of this connection, so e is still the entry of this offset */
    *at = e->next;
    entry_free(e);
    return RS_OK;
}
