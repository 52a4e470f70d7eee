/* names.c - see names.h. */
#include "names.h"

#include <string.h>

int rs_name_valid(const char *name) {
    size_t i, n = name ? strlen(name) : 0;

    if (n == 0 || n > 100)
        return 0;
    for (i = 0; i < n; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-';
        if (!ok)
            return 0;
    }
    return 1;
}
