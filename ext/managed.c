/* managed.c - see managed.h. */
#include "managed.h"
#include "err.h"

#include <string.h>

int rs_managed_description(rs_buf *out, const char *model, const char *note) {
    rs_buf_puts(out, RS_MANAGED_MARK);
    if (model != NULL && model[0] != '\0')
        rs_buf_printf(out, "; model=%s", model);
    if (note != NULL && note[0] != '\0')
        rs_buf_printf(out, "; %s", note);
    return out->oom ? RS_ENOMEM : RS_OK;
}

int rs_managed_is_marked(const char *description) {
    if (description == NULL)
        return 0;
    return strncmp(description, RS_MANAGED_MARK, strlen(RS_MANAGED_MARK)) == 0;
}

/* The model a marked description names: *len bytes at the returned pointer; NULL when none. */
static const char *model_of(const char *description, size_t *len) {
    static const char key[] = "; model=";
    const char *name;

    if (!rs_managed_is_marked(description))
        return NULL;
    name = description + strlen(RS_MANAGED_MARK);
    if (strncmp(name, key, sizeof(key) - 1) != 0)
        return NULL;
    name += sizeof(key) - 1;
    *len = strcspn(name, ";");
    return *len > 0 ? name : NULL;
}

int rs_managed_same_model(const char *a, const char *b) {
    size_t len_a = 0, len_b = 0;
    const char *model_a = model_of(a, &len_a), *model_b = model_of(b, &len_b);

    return model_a != NULL && model_b != NULL && len_a == len_b &&
           memcmp(model_a, model_b, len_a) == 0;
}
