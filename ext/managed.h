/*
 * managed.h - the ownership mark (docs/semantics.md): every relation rockset_ext creates carries a
 * description that starts with "managed by rockset_ext", optionally naming its model and
 * followed by the user's own text:
 *
 *   managed by rockset_ext
 *   managed by rockset_ext; model=customer_totals
 *   managed by rockset_ext; model=customer_totals; Orders per customer
 *
 * rockset_drop and the model runner never drop or replace a relation whose description does not
 * start with the mark, unless told to (rockset_drop(name, 1)).
 *
 * Ownership: rs_managed_description appends to a caller-owned rs_buf. Thread-safety: pure.
 */
#ifndef RS_EXT_MANAGED_H
#define RS_EXT_MANAGED_H

#include "buf.h"

#define RS_MANAGED_MARK "managed by rockset_ext"

/* Append the description for a new relation: the mark, then "; model=<model>" when model is
 * non-NULL and non-empty, then "; <note>" when note is. RS_OK or RS_ENOMEM. */
int rs_managed_description(rs_buf *out, const char *model, const char *note);

/* 1 when description (may be NULL) starts with the mark, else 0. */
int rs_managed_is_marked(const char *description);

/* 1 when both descriptions carry the mark and name the same model, else 0 (also when either
 * names none). rockset_drop of a model's alias drops only the collections of that model. */
int rs_managed_same_model(const char *a, const char *b);

#endif
