/*
 * fuzz_profile.c - the profiles.yml loader (src/profile.h) on arbitrary YAML.
 *
 * profile.h reads files only, so each input is written to an anonymous in-memory file
 * (memfd_create) and loaded through /proc/self/fd/<n>: no disk traffic, no temp files left
 * behind. The input is loaded three ways (the file's own choice of profile and target, profile
 * 'rockset' target 'dev', and names that exist nowhere); its text is also given to the two
 * helpers exposed for tests, rs_profile_expand_env and rs_profile_normalize_server.
 *
 * Invariants: a failure has a message; an API key never shows: when every occurrence of the
 * marker SECRET in the input sits on a block-style "api_key:" line (the seeds put it there, the
 * fuzzer mutates it), neither the describe line of a successful load nor any message contains
 * the marker, whatever else is broken in the file.
 */
#include "fuzz.h"

#include "api/profile.h"

#include <sys/mman.h>
#include <unistd.h>

#define SECRET "fz_secret_Q7r2"

static int g_fd = -1;
static int g_secret_only_in_key; /* see secret_only_in_api_key() */

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    setenv("ROCKSET_APIKEY", SECRET, 1);
    unsetenv("DBT_PROFILES_DIR");
    g_fd = memfd_create("profiles.yml", 0);
    return 0;
}

/* 1 when the input contains SECRET and each occurrence is on an indented (target-level) line
 * "api_key: <value>" that spells the key literally. */
static int secret_only_in_api_key(const char *text) {
    const char *line = text, *hit;
    int found = 0;

    while (*line) {
        const char *eol = strchr(line, '\n'), *p = line;
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        hit = memmem(line, len, SECRET, strlen(SECRET));
        if (hit != NULL) {
            while (*p == ' ')
                p++;
            /* not the key itself: another key, a flow mapping, or an env_var() name */
            if (p - line < 4 || strncmp(p, "api_key: ", 9) != 0 || memmem(line, len, ",", 1) ||
                memmem(line, len, "env_var", 7))
                return 0;
            found = 1;
        }
        if (eol == NULL)
            break;
        line = eol + 1;
    }
    return found;
}

static void no_secret(const char *text) {
    FUZZ_ASSERT(!g_secret_only_in_key || text == NULL || strstr(text, SECRET) == NULL);
}

static void load(const char *path, const char *profile, const char *target) {
    rs_profile p;
    rs_err err = {0};
    rs_buf line = {0};

    rs_profile_init(&p);
    if (rs_profile_load(path, profile, target, &p, &err) == RS_OK) {
        FUZZ_ASSERT(p.api_key != NULL && p.api_server != NULL && p.workspace != NULL);
        FUZZ_ASSERT(p.threads >= 1);
        if (rs_profile_describe(&p, &line) == RS_OK && line.data != NULL) {
            no_secret(line.data);
        }
    } else {
        FUZZ_ASSERT(err.msg[0] != '\0');
        no_secret(err.msg);
    }
    rs_buf_free(&line);
    rs_profile_free(&p);
}

static void helpers(const char *text) {
    char *out = NULL;
    rs_err err = {0};

    if (rs_profile_expand_env(text, &out, &err) != RS_OK)
        FUZZ_ASSERT(err.msg[0] != '\0');
    free(out);
    out = NULL;
    rs_err_clear(&err);
    if (rs_profile_normalize_server(text, (int)(strlen(text) & 1), &out, &err) != RS_OK)
        FUZZ_ASSERT(err.msg[0] != '\0');
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64], *text;

    if (g_fd < 0 || size > 64 * 1024)
        return 0;
    if (ftruncate(g_fd, 0) != 0 || pwrite(g_fd, data, size, 0) != (ssize_t)size)
        return 0;
    snprintf(path, sizeof(path), "/proc/self/fd/%d", g_fd);
    text = fuzz_cstr(data, size);
    g_secret_only_in_key =
        text != NULL && memchr(data, 0, size) == NULL && secret_only_in_api_key(text);
    load(path, NULL, NULL);
    load(path, "rockset", "dev");
    load(path, "no_such_profile", "no_such_target");
    if (text != NULL)
        helpers(text);
    free(text);
    return 0;
}
