/*
 * h_lambdas.h - SQL fragments shared by h_lambdas.c and h_lambda_tags.c that build the API's
 * QueryLambdaVersion / QueryLambda objects with SQLite's json_object (explicit nulls included).
 * Lambda versions live in lambda_versions (store.c's schema); `seq` orders them.
 */
#ifndef RL_H_LAMBDAS_H
#define RL_H_LAMBDAS_H

#include "handlers.h"

/* clang-format off */
#define VERSION_JSON \
    "json_object('workspace', v.ws, 'name', v.name, 'version', v.version," \
    " 'description', v.description, 'sql', json_object('query', v.query," \
    "   'default_parameters', json(v.default_params)), 'collections', json(v.collections)," \
    " 'state', 'ACTIVE', 'stats', json_object('last_executed', rl_iso(v.last_executed)," \
    "   'last_executed_by', CASE WHEN v.last_executed IS NULL THEN NULL ELSE '" RL_USER "' END," \
    "   'last_execution_error', rl_iso(v.last_execution_error)," \
    "   'last_execution_error_message', v.last_execution_error_message)," \
    " 'public_access_id', NULL, 'created_by', '" RL_USER "'," \
    " 'created_by_apikey_name', '" RL_KEY_NAME "', 'created_at', rl_iso(v.created_at))"

#define LATEST_OF(ws, name) \
    "(SELECT version FROM lambda_versions x WHERE x.ws = " ws " AND x.name = " name \
    " ORDER BY seq DESC LIMIT 1)"

#define LAMBDA_JSON \
    "json_object('workspace', l.ws, 'name', l.name, 'version_count'," \
    " (SELECT count(*) FROM lambda_versions x WHERE x.ws = l.ws AND x.name = l.name)," \
    " 'collections', json((SELECT v.collections FROM lambda_versions v WHERE v.ws = l.ws" \
    "   AND v.name = l.name AND v.version = " LATEST_OF("l.ws", "l.name") "))," \
    " 'last_updated', (SELECT rl_iso(v.created_at) FROM lambda_versions v WHERE v.ws = l.ws" \
    "   AND v.name = l.name AND v.version = " LATEST_OF("l.ws", "l.name") ")," \
    " 'last_updated_by', '" RL_USER "'," \
    " 'latest_version', json((SELECT " VERSION_JSON " FROM lambda_versions v WHERE v.ws = l.ws" \
    "   AND v.name = l.name AND v.version = " LATEST_OF("l.ws", "l.name") ")))"

/* ?1 ws, ?2 lambda, ?3 version */
#define ONE_VERSION_SQL \
    "SELECT " VERSION_JSON " FROM lambda_versions v WHERE ws = ?1 AND name = ?2 AND version = ?3"

/* the tag row t(tag, version) as QueryLambdaTag; ?1 ws, ?2 lambda */
#define TAG_JSON \
    "json_object('tag_name', t.tag, 'version', json((SELECT " VERSION_JSON \
    " FROM lambda_versions v WHERE v.ws = ?1 AND v.name = ?2 AND v.version = t.version)))"

#define TAGS_OF \
    "(SELECT 'latest' AS tag, " LATEST_OF("?1", "?2") " AS version" \
    " UNION ALL SELECT tag, version FROM lambda_tags WHERE ws = ?1 AND name = ?2)"
/* a subquery: the version ?4 of lambda ?2 in workspace ?1 as JSON */
#define ONE_VERSION_JSON_SUB \
    "(SELECT " VERSION_JSON " FROM lambda_versions v WHERE v.ws = ?1 AND v.name = ?2" \
    " AND v.version = ?4)"
/* clang-format on */

#endif
