/* projfiles.h - writing a dbt project's files for the import tests (header-only, static: each
 * test program includes it once). */
#ifndef RS_TEST_PROJFILES_H
#define RS_TEST_PROJFILES_H

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Write text to root/rel, making the folders on the way; a failure prints FAIL setup. */
static void put_file(const char *root, const char *rel, const char *text) {
    char path[512];
    char *slash;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", root, rel);
    for (slash = strchr(path + strlen(root) + 1, '/'); slash != NULL;
         slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(path, 0755);
        *slash = '/';
    }
    f = fopen(path, "w");
    if (f == NULL) {
        printf("FAIL setup: cannot write %s\n", path);
        return;
    }
    fputs(text, f);
    fclose(f);
}

#endif
