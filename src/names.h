/*
 * names.h - the rule for Rockset resource names (workspaces, collections, views, aliases,
 * lambdas, tags): 1 to 100 characters of letters, digits, '_' and '-'. Shared by rockset-local,
 * which refuses other names, and the extension, which checks names the user sets before they
 * reach a URL path or SQL text.
 *
 * Thread-safety: a pure function.
 */
#ifndef RS_NAMES_H
#define RS_NAMES_H

/* 1 when name (may be NULL) is a valid resource name, else 0. */
int rs_name_valid(const char *name);

#endif
