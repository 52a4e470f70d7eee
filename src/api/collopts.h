/*
 * collopts.h - the options of a collection create as rockset_create_collection takes them: one
 * JSON object text -> rs_collection_options (api.h).
 *
 *   {"field_mapping_query": "SELECT k, COUNT(*) AS n FROM _input GROUP BY k",   the ingest
 *                                      transformation's SQL, a string (sent as {"sql": <it>})
 *    "retention_secs": 86400,          an integer (its range is the server's to check)
 *    "event_time_info": {"field": "ts", "format": "seconds_since_epoch"}}   an object, sent as
 *                                      it is
 *
 * Every key is optional; a null value is the same as no key. Errors (RS_EINVAL; the caller puts
 * its own name in front, "rockset_create_collection: "):
 *   "options must be a JSON object (use json_object(...)), got <kind>"   ("got text that is not
 *                                                                         JSON" for that)
 *   "options: unknown key 'x' (valid keys: field_mapping_query, retention_secs,
 *    event_time_info)"
 *   "options: retention_secs must be an integer, got text"
 *   "options: field_mapping_query must be a text (the transformation's SQL), got object"
 *   "options: event_time_info must be an object (json_object(...) or json('...')), got text"
 *   "options are not valid UTF-8 (at byte N)"
 *   "options: retention_secs is given twice"
 *   "options: field_mapping_query holds a NUL character (\u0000)"
 * The kinds are named as SQL names its values: text, integer, real, boolean, object, array
 * (rs_collopts_kind_name; an integer beyond 64 bits is "a number beyond 64 bits").
 *
 * Memory: an rs_collopts owns its strings; opts points into them. Free with rs_collopts_free.
 */
#ifndef RS_COLLOPTS_H
#define RS_COLLOPTS_H

#include "api/api.h"
#include "err.h"
#include "jsonscan.h"

typedef struct rs_collopts {
    rs_collection_options opts; /* what to hand to rs_api_collection_create_with */
    char *field_mapping_sql;    /* malloc'd; opts.field_mapping_sql */
    char *event_time_info_json; /* malloc'd; opts.event_time_info_json */
} rs_collopts;

/* Parse options text (NULL: no options) into *out (zeroed first). RS_OK, RS_EINVAL (above) or
 * RS_ENOMEM; on failure *out holds nothing. */
int rs_collopts_parse(const char *json, rs_collopts *out, rs_err *err);
void rs_collopts_free(rs_collopts *o); /* NULL-safe; leaves it zeroed */

/* How an error names the kind of a JSON value: "text", "integer", "real", "boolean", "null",
 * "object", "array", "a number beyond 64 bits" (a FLOAT span written as an integer), "text that
 * is not JSON". */
const char *rs_collopts_kind_name(rs_jsonscan_span value);

#endif
