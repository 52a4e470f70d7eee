/*
 * dbtimport_int.h - what the files of the dbt importer share (dbtimport.c: the project walk
 * and assembly; dbtimport_yaml.c: YAML documents, values as JSON, configs; dbtimport_csv.c:
 * seeds). Not for use outside src/dbtimport*.c.
 *
 * Ownership: every string in a dbt_strv and a dbt_config is malloc'd and owned by it; the
 * *_free functions release everything and are safe on zeroed structs. Thread-safety: none.
 */
#ifndef RS_DBTIMPORT_INT_H
#define RS_DBTIMPORT_INT_H

#include "buf.h"
#include "dbtimport.h"
#include "err.h"
#include "template/template.h"

#include <stddef.h>
#include <yaml.h>

/* A growable list of owned strings. */
typedef struct dbt_strv {
    char **v;
    size_t n;
    size_t cap;
} dbt_strv;

/* Append a copy of s[0..len) (len (size_t)-1: strlen). RS_OK or RS_ENOMEM. */
int dbt_strv_push(dbt_strv *sv, const char *s, size_t len, rs_err *err);
/* Append s itself (taking it over, freed on failure too). */
int dbt_strv_take(dbt_strv *sv, char *s, rs_err *err);
int dbt_strv_has(const dbt_strv *sv, const char *s);
void dbt_strv_free(dbt_strv *sv);
/* malloc'd copy of s, or NULL with RS_ENOMEM in err. s NULL gives NULL without an error. */
char *dbt_strdup(const char *s, rs_err *err);
/* Past a number's optional exponent ([eE][+-]digits) at p: p itself when there is none, NULL
 * when it is malformed (no digit after the sign). Shared by the seed and YAML number checks. */
const char *dbt_skip_exponent(const char *p);

/* One parsed YAML file. path is the file relative to the project (borrowed, for messages). */
typedef struct dbt_yaml {
    yaml_document_t doc;
    int loaded;
    const char *path;
} dbt_yaml;

/* Parse the first document of text. A syntax error is "<path> line L column C: <problem>".
 * An empty file loads as a document whose root is NULL. */
int dbt_yaml_load(dbt_yaml *y, const char *path, const char *text, size_t len, rs_err *err);
void dbt_yaml_free(dbt_yaml *y);
yaml_node_t *dbt_yaml_root(dbt_yaml *y);
yaml_node_t *dbt_yaml_node(dbt_yaml *y, int index);
/* The value of key in a mapping node (NULL when absent or when map is not a mapping). */
yaml_node_t *dbt_yaml_get(dbt_yaml *y, yaml_node_t *map, const char *key);
/* The text of a scalar node, else NULL. */
const char *dbt_yaml_scalar(const yaml_node_t *n);
/* Is n a plain scalar spelling YAML's null (~, null, empty)? */
int dbt_yaml_is_null(const yaml_node_t *n);
/* A YAML boolean (true/false, yes/no, on/off, any first-letter case): 1 and *value set. */
int dbt_yaml_bool(const yaml_node_t *n, int *value);
/* Set err to "<path> line L column C: <message>" at node n (or without position when n is
 * NULL) and return code. */
int dbt_yaml_fail(const dbt_yaml *y, const yaml_node_t *n, rs_err *err, int code, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));
/* Append n as JSON: mappings become objects (keys as strings), sequences arrays, plain
 * scalars null / true / false / numbers when they spell one (as JSON writes it), everything else
 * strings. Nesting beyond RS_DBT_MAX_DEPTH fails. */
int dbt_yaml_to_json(dbt_yaml *y, yaml_node_t *n, rs_buf *out, rs_err *err);
/* A string, or a list of strings, appended to sv; anything else fails naming `what`. */
int dbt_yaml_strings(dbt_yaml *y, yaml_node_t *n, const char *what, dbt_strv *sv, rs_err *err);

/* A model's accumulated settings (see dbtimport.h). enabled is -1 while unset. */
typedef struct dbt_config {
    char *materialized;
    char *workspace;
    char *alias;
    char *unique_key;
    int enabled;
    dbt_strv tags;
    dbt_strv keys;  /* other config keys, in the order first set */
    dbt_strv jsons; /* their values as JSON text, parallel to keys */
} dbt_config;

void dbt_config_init(dbt_config *c);
void dbt_config_free(dbt_config *c);
/* dst (initialized, possibly used) becomes a copy of src. */
int dbt_config_copy(dbt_config *dst, const dbt_config *src, rs_err *err);
/* Apply one config key (a leading '+' is dropped; messages show the key as written) with its
 * YAML value. */
int dbt_config_apply_yaml(dbt_config *c, dbt_yaml *y, const char *key, yaml_node_t *value,
                          rs_err *err);
/* Apply every key of a `config:` mapping. */
int dbt_config_apply_map(dbt_config *c, dbt_yaml *y, yaml_node_t *map, rs_err *err);
/* Is key (without its '+') one of the configs dbt knows whose value may be a mapping? Used to
 * tell a dict-valued config from a folder in the models: tree. */
int dbt_config_is_dict_key(const char *key);
/* Fill the model's columns (materialized ... enabled, tags_json, config_json) from c. */
int dbt_config_to_model(const dbt_config *c, rs_dbt_model *m, rs_err *err);

/* The loader's state while reading one project (dbtimport.c owns it; dbtimport_props.c reads
 * the property files into it). Models are found by name through find_model. */
typedef struct dbt_loader {
    const char *dir;
    const rs_dbt_options *opts; /* may be NULL: defaults */
    char *name;                 /* the project's name */
    rs_dbt_project *p;          /* what is being built */
    dbt_config *configs;        /* one per model, parallel to p->models */
    size_t cap_models, cap_configs, cap_sources, cap_tests, cap_vars, cap_seeds, cap_macros;
    dbt_strv warnings;
    dbt_config *seed_configs; /* one per seed, parallel to p->seeds until they are sorted */
    size_t cap_seed_configs;
    int seeds_on;            /* seeds are read: property files' seeds: entries apply */
    dbt_strv test_paths;     /* where unit tests' fixtures/ folders are */
    dbt_strv snapshot_paths; /* where {% snapshot %} files are */
    size_t cap_units, cap_hooks, cap_analyses;
} dbt_loader;

/* Index of the model called name, or -1. */
long dbt_find_model(const dbt_loader *ld, const char *name);
/* Add a warning "<path> line L column C: <text>" (n may be NULL: no position). */
int dbt_warn(dbt_loader *ld, const dbt_yaml *y, const yaml_node_t *n, rs_err *err, const char *fmt,
             ...) __attribute__((format(printf, 5, 6)));
/* Grow an array of `size`-byte elements to hold one more; RS_ENOMEM on failure. */
int dbt_grow(void **array, size_t n, size_t *cap, size_t size, rs_err *err);

/* dbtimport.c: every file under rel (relative to the project, sorted; a missing folder gives
 * none), a whole file, and a warning about a file. */
int dbt_walk(dbt_loader *ld, const char *rel, dbt_strv *files, rs_err *err);
int dbt_read_file(dbt_loader *ld, const char *rel, char **text, size_t *len, rs_err *err);
int dbt_warn_file(dbt_loader *ld, const char *path, const char *text, rs_err *err);

/* dbtimport.c: add a model row of materialized 'snapshot' named name, read from rel, whose
 * sql (malloc'd) it takes over; its config is ld->configs[ld->p->n_models - 1]. */
int dbt_add_snapshot(dbt_loader *ld, const char *rel, const char *name, char *sql, rs_err *err);
/* dbtimport_snapshots.c: the snapshot paths' {% snapshot %} blocks; a property file's
 * snapshots: entries (dbt 1.9). */
int dbt_read_snapshot_files(dbt_loader *ld, rs_err *err);
int dbt_read_snapshot_entries(dbt_loader *ld, dbt_yaml *y, yaml_node_t *list, rs_err *err);

/* dbtimport_tests.c: the analysis paths' .sql files as analyses. */
int dbt_read_analyses(dbt_loader *ld, const dbt_strv *paths, rs_err *err);

/* dbtimport_units.c: the entries of a unit_tests: list; freeing one record. */
int dbt_read_unit_tests(dbt_loader *ld, dbt_yaml *y, yaml_node_t *list, rs_err *err);
void dbt_unit_test_clear(rs_dbt_unit_test *u);

/* dbtimport_macros.c: the macro files of the macro paths and of dbt_packages/<pkg>/macros. */
int dbt_read_macros(dbt_loader *ld, const dbt_strv *paths, rs_err *err);
void dbt_macros_free(rs_dbt_project *p);

/* dbtimport_render.c: render every string scalar of y holding "{{" or "{%" (but those under
 * vars:, hooks and description) with var, env_var and target; the result is read as a plain
 * scalar. Errors name the file, line and column. */
int dbt_yaml_render(dbt_loader *ld, dbt_yaml *y, rs_err *err);

/* dbtimport_tests.c: singular tests of the test paths; dropping generic tests whose macro is
 * not imported (after dbt_read_macros); the hooks of dbt_project.yml, and warnings for its keys
 * that are not read. */
int dbt_read_singular_tests(dbt_loader *ld, const dbt_strv *paths, rs_err *err);
int dbt_check_generic_tests(dbt_loader *ld, rs_err *err);
int dbt_warn_project_keys(dbt_loader *ld, dbt_yaml *y, rs_err *err);

/* Read a property file (.yml under a model path): descriptions, configs and tests of models
 * already found, and sources (dbtimport_props.c). */
int dbt_read_properties(dbt_loader *ld, const char *path, const char *text, size_t len,
                        rs_err *err);

/* dbtimport_props.c: the tests: / data_tests: of an entry and of its columns:, as tests of
 * `name` (used for seeds; models read theirs in read_model_entry). */
int dbt_read_entry_tests(dbt_loader *ld, dbt_yaml *y, const char *name, yaml_node_t *entry,
                         rs_err *err);

/* dbtimport_seeds.c: a seed file found (rel ends in .csv; settings start empty), a property
 * file's seeds: entries, the CSV read with the seed's settings (last), and the settings'
 * strings freed. */
int dbt_seed_add(dbt_loader *ld, const char *rel, rs_err *err);
int dbt_seed_properties(dbt_loader *ld, dbt_yaml *y, yaml_node_t *root, rs_err *err);
int dbt_seed_finish(dbt_loader *ld, size_t idx, rs_err *err);
void dbt_seed_free_settings(rs_dbt_seed *seed);

/* dbtimport_render.c: a model's template in parse mode (its config()) with the project's vars
 * (and the import's), env_var and target, as dbt reads config(materialized=var('m', 'table'));
 * a var set only at run time is undefined here. */
int dbt_collect_config(const dbt_loader *ld, const rs_tpl *t, rs_tpl_result *res, rs_err *err);

#endif
