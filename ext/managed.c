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
