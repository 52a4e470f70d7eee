/*
 * params.h - binding Rockset query parameters ({"name", "type", "value"}, value always text)
 * to a translated statement, in the value encoding of value.h.
 *
 * Types: int, float, bool/boolean, string, null, date, time, datetime, timestamp (the text forms
 * of datetime.h), bytes (base64), object/array and "" (value parsed as JSON or Rockset extended
 * JSON, e.g. {"__rockset_type":"date","value":"2024-01-05"}). A value that does not parse is
 * RS_EINVAL: "parameter 'd': '2024-13-01' is not a valid date".
 *
 * Thread-safety: none needed (one statement, one caller).
 */
#ifndef RL_RUNTIME_PARAMS_H
#define RL_RUNTIME_PARAMS_H

#include "err.h"

#include <sqlite3.h>

int rt_bind_param(sqlite3_stmt *stmt, int idx, const char *name, const char *type,
                  const char *value, rs_err *err);

#endif
