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
 *
 * A line test alone is not enough: YAML lets a quoted or block scalar run over several lines, so
 * "workspace: \"ws<newline>  api_key: SECRET\"" puts the marker into the workspace, which the
 * describe line rightly shows, and an alias can reuse the key's node as another setting. So when
 * the input parses, the document itself decides: the marker (or an env_var() call, which the
 * loader expands with SECRET in ROCKSET_APIKEY) may only sit in scalars used solely as the value
 * of an "api_key" key.
 */
#include "fuzz.h"

#include "api/profile.h"

#include <sys/mman.h>
#include <unistd.h>
#include <yaml.h>

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

static int may_yield_secret(yaml_node_t *node) {
    const char *text;

    if (node == NULL || node->type != YAML_SCALAR_NODE)
        return 0;
    text = (const char *)node->data.scalar.value;
    return strstr(text, SECRET) != NULL || strstr(text, "env_var") != NULL;
}

/* 1 when every scalar that could carry SECRET is referenced only as the value of "api_key". */
static int secret_only_as_key_value(yaml_document_t *doc) {
    yaml_node_t *node, *root = yaml_document_get_root_node(doc);

    if (root != NULL && may_yield_secret(root))
        return 0;
    for (node = doc->nodes.start; node < doc->nodes.top; node++) {
        if (node->tag != NULL && strstr((const char *)node->tag, SECRET) != NULL)
            return 0;
        if (node->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *item = node->data.sequence.items.start;
                 item < node->data.sequence.items.top; item++)
                if (may_yield_secret(yaml_document_get_node(doc, *item)))
                    return 0;
        } else if (node->type == YAML_MAPPING_NODE) {
            for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
                 pair < node->data.mapping.pairs.top; pair++) {
                yaml_node_t *key = yaml_document_get_node(doc, pair->key);
                yaml_node_t *value = yaml_document_get_node(doc, pair->value);
                int is_key_entry = key != NULL && key->type == YAML_SCALAR_NODE &&
                                   strcmp((const char *)key->data.scalar.value, "api_key") == 0;
                if (may_yield_secret(key) || (!is_key_entry && may_yield_secret(value)))
                    return 0;
            }
        }
    }
    return 1;
}

/* The document check above; an input libyaml refuses keeps the line test's verdict (the loader
 * then fails with libyaml's own fixed wording). */
static int document_agrees(const uint8_t *data, size_t size) {
    yaml_parser_t parser;
    yaml_document_t doc;
    int agrees = 1;

    if (!yaml_parser_initialize(&parser))
        return 0;
    yaml_parser_set_input_string(&parser, data, size);
    if (yaml_parser_load(&parser, &doc)) {
        agrees = secret_only_as_key_value(&doc);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    return agrees;
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
        text != NULL && memchr(data, 0, size) == NULL && secret_only_in_api_key(text) &&
        document_agrees(data, size);
    load(path, NULL, NULL);
    load(path, "rockset", "dev");
    load(path, "no_such_profile", "no_such_target");
    if (text != NULL)
        helpers(text);
    free(text);
    return 0;
}
