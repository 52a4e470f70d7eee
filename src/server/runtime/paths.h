/*
 * paths.h - paths into JSON documents as the translator writes them ('["a","b",0]': member names
 * and 0-based indexes), read the way rs_get reads them, for the functions that read several
 * paths of one document in one pass: rs_project (fn_core.c) and rs_unnest's projected columns
 * (unnest.c). rs_get's result of a found value is here too, so that every reader hands SQLite
 * the same value for the same text.
 *
 * A repeated member name reads as its last occurrence, as everywhere in the runtime.
 *
 * Thread-safety: nothing here keeps state.
 */
#ifndef RL_RUNTIME_PATHS_H
#define RL_RUNTIME_PATHS_H

#include "jsonscan.h"
#include "value.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rt_path_step {
    char *key; /* NULL: an index */
    size_t key_len;
    int64_t index;
} rt_path_step;

typedef struct rt_path {
    int n_steps;
    rt_path_step steps[];
} rt_path;

/* The path text '["a","b",0]' -> its steps; NULL when malformed, empty or out of memory. */
rt_path *rt_path_parse(rs_jsonscan_span text);
void rt_path_free(void *path);

/* One pass over the top-level members of the object doc: found[i] is set to the value of the
 * member that paths[i] starts with (the last one when a key repeats); the others are left as
 * they were (callers clear ptr to NULL). Nothing is set when doc is not a well-formed object.
 * valid: doc is known to be well-formed JSON (docindex.h's trust), walked by its brackets and
 * quotes alone. */
void rt_path_scan_members(rs_jsonscan_span doc, int valid, const rt_path *const *paths, int n,
                          rs_jsonscan_span *found);

/* The value at the rest of path's steps (after the first) from *v; 0 when one is missing. */
int rt_path_follow(const rt_path *path, rs_jsonscan_span *v);

/* Whether the path is the one step _event_time, whose string rs_get reads as a timestamp. */
int rt_path_is_event_time(const rt_path *path);
int rt_is_event_time_name(const char *s, size_t len);

/* The string v read as _event_time is: a timestamp (*out) when it is ISO 8601; 0 when not (the
 * store keeps _event_time as an ISO string; Rockset types it as a timestamp). */
int rt_event_time_value(const rv *v, rv *out);

/* Set the JSON value text v as rs_get's result (event_time: a top-level _event_time, an ISO
 * string read as a timestamp); a malformed value leaves the result undefined (SQL NULL). */
void rt_get_result(sqlite3_context *ctx, rs_jsonscan_span v, int event_time);

#endif
