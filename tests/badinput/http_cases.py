"""http_cases.py - the rockset-local half of the bad-input catalogue: malformed JSON, wrong types
for fields, huge bodies, bad paths and methods, injection-like names, run by
tests/server/test_badinput_http.py against the suite's shared server.

Each case is (id, method, path, body, expect[, opts]):
  body    None (no body), a str sent as is (so it may be broken JSON), or bytes;
  expect  ("error", status, type, message[, (line, column)]): the whole answer is an ErrorModel
          with exactly this status, type, message and SQL position (null when not given);
          ("doc", type, message): the request succeeds (200) and the first DocumentStatus of
          its data is an ERROR with exactly this error type and message.
  opts    {"key": "..."} sends that API key, {"auth": None} no Authorization header,
          {"scheme": "Bearer"} another scheme word.
"{ws}" and "{coll}" in paths, bodies and messages stand for a workspace and a READY collection
the driver creates first (names unique to the run); "{big}" in a body for 11 MiB of 'x' (over the
server's 10 MiB request limit).
"""

E = "error"
D = "doc"
WS = "/v1/orgs/self/ws"
C = "/v1/orgs/self/ws/{ws}/collections/{coll}"
Q = "/v1/orgs/self/queries"
NAME_RULE = "is invalid: use 1 to 100 letters, digits, dashes or underscores"

CASES = [
    # --- request bodies that are not the JSON object the route wants
    ("truncated_json", "POST", WS, '{"name":',
     (E, 400, "INVALIDINPUT", "request body is not valid JSON (at byte 7)")),
    ("json_array_body", "POST", WS, "[]",
     (E, 400, "INVALIDINPUT", "request body must be a JSON object")),
    ("json_string_body", "POST", WS, '"str"',
     (E, 400, "INVALIDINPUT", "request body must be a JSON object")),
    ("body_over_limit", "POST", WS, '{"name": "{big}"}',
     (E, 413, "CONTENTTOOLARGE", "request body exceeds the limit of 10485760 bytes")),
    # --- workspaces: missing, mistyped and hostile names
    ("ws_name_missing", "POST", WS, "{}",
     (E, 400, "INVALIDINPUT", "workspace name is required")),
    ("ws_name_number", "POST", WS, '{"name": 5}',
     (E, 400, "INVALIDINPUT", "workspace name is required")),
    ("ws_name_null", "POST", WS, '{"name": null}',
     (E, 400, "INVALIDINPUT", "workspace name is required")),
    ("ws_name_empty", "POST", WS, '{"name": ""}',
     (E, 400, "INVALIDINPUT", 'workspace name "" ' + NAME_RULE)),
    ("ws_name_space", "POST", WS, '{"name": "a b"}',
     (E, 400, "INVALIDINPUT", 'workspace name "a b" ' + NAME_RULE)),
    ("ws_name_sql_injection", "POST", WS, '{"name": "x\'; DROP TABLE ws; --"}',
     (E, 400, "INVALIDINPUT", 'workspace name "x\'; DROP TABLE ws; --" ' + NAME_RULE)),
    ("ws_name_too_long", "POST", WS, '{"name": "' + "w" * 101 + '"}',
     (E, 400, "INVALIDINPUT", 'workspace name "' + "w" * 101 + '" ' + NAME_RULE)),
    ("ws_duplicate", "POST", WS, '{"name": "{ws}"}',
     (E, 409, "ALREADYEXISTS", 'Workspace "{ws}" already exists')),
    ("ws_missing", "GET", WS + "/badin_no_ws", None,
     (E, 404, "NOTFOUND", 'Workspace "badin_no_ws" does not exist')),
    ("ws_delete_missing", "DELETE", WS + "/badin_no_ws", None,
     (E, 404, "NOTFOUND", 'Workspace "badin_no_ws" does not exist')),
    ("ws_path_traversal", "GET", WS + "/..%2F..%2Fetc", None,
     (E, 404, "NOTFOUND", "no such endpoint: GET /v1/orgs/self/ws/../../etc")),
    # --- collections
    ("coll_name_list", "POST", WS + "/{ws}/collections", '{"name": ["c"]}',
     (E, 400, "INVALIDINPUT", "collection name is required")),
    ("coll_name_punctuation", "POST", WS + "/{ws}/collections", '{"name": "c!"}',
     (E, 400, "INVALIDINPUT", 'collection name "c!" ' + NAME_RULE)),
    ("coll_name_dot", "POST", WS + "/{ws}/collections", '{"name": "a.b"}',
     (E, 400, "INVALIDINPUT", 'collection name "a.b" ' + NAME_RULE)),
    ("coll_in_missing_ws", "POST", WS + "/badin_no_ws/collections", '{"name": "c"}',
     (E, 404, "NOTFOUND", 'Workspace "badin_no_ws" does not exist')),
    ("coll_retention_text", "POST", WS + "/{ws}/collections",
     '{"name": "c2", "retention_secs": "long"}',
     (E, 400, "INVALIDINPUT", "retention_secs must be a positive integer")),
    ("coll_duplicate", "POST", WS + "/{ws}/collections", '{"name": "{coll}"}',
     (E, 409, "ALREADYEXISTS", 'Collection "{coll}" already exists in workspace "{ws}"')),
    # --- documents
    ("docs_data_number", "POST", C + "/docs", '{"data": 5}',
     (E, 400, "INVALIDINPUT", 'body must be {"data": [...]}')),
    ("docs_data_missing", "POST", C + "/docs", "{}",
     (E, 400, "INVALIDINPUT", 'body must be {"data": [...]}')),
    ("docs_into_missing_coll", "POST", WS + "/{ws}/collections/badin_nope/docs",
     '{"data": [{"a": 1}]}',
     (E, 404, "NOTFOUND", 'Collection "badin_nope" does not exist in workspace "{ws}"')),
    ("doc_is_number", "POST", C + "/docs", '{"data": [5]}',
     (D, "INVALIDINPUT", "document must be a JSON object")),
    ("doc_is_null", "POST", C + "/docs", '{"data": [null]}',
     (D, "INVALIDINPUT", "document must be a JSON object")),
    ("doc_is_array", "POST", C + "/docs", '{"data": [[1]]}',
     (D, "INVALIDINPUT", "document must be a JSON object")),
    ("doc_id_object", "POST", C + "/docs", '{"data": [{"_id": {"a": 1}}]}',
     (D, "INVALIDINPUT", "_id must be a string, got object")),
    ("doc_id_bool", "POST", C + "/docs", '{"data": [{"_id": true}]}',
     (D, "INVALIDINPUT", "_id must be a string, got true")),
    ("patch_without_patch", "PATCH", C + "/docs", '{"data": [{"_id": "x"}]}',
     (D, "INVALIDINPUT", "each element needs a patch array")),
    ("patch_not_a_list", "PATCH", C + "/docs", '{"data": [{"_id": "x", "patch": "no"}]}',
     (D, "INVALIDINPUT", "each element needs a patch array")),
    ("patch_missing_doc", "PATCH", C + "/docs",
     '{"data": [{"_id": "badin_absent", "patch": [{"op": "add", "path": "/a", "value": 1}]}]}',
     (D, "NOTFOUND", 'Document with _id "badin_absent" does not exist in {ws}.{coll}')),
    ("delete_without_id", "DELETE", C + "/docs", '{"data": [{"nope": 1}]}',
     (D, "INVALIDINPUT", "each element needs an _id")),
    ("delete_data_string", "DELETE", C + "/docs", '{"data": "x"}',
     (E, 400, "INVALIDINPUT", 'body must be {"data": [...]}')),
    ("fence_garbage", "GET", C + "/offsets/commit?fence=garbage", None,
     (E, 400, "INVALIDINPUT", "invalid fence: not an offset of this server")),
    # --- queries
    ("query_body_empty_object", "POST", Q, "{}",
     (E, 400, "INVALIDINPUT", "sql.query is required")),
    ("query_sql_is_string", "POST", Q, '{"sql": "SELECT 1"}',
     (E, 400, "INVALIDINPUT", "sql.query is required")),
    ("query_text_number", "POST", Q, '{"sql": {"query": 5}}',
     (E, 400, "INVALIDINPUT", "sql.query is required")),
    ("query_text_empty", "POST", Q, '{"sql": {"query": ""}}',
     (E, 400, "QUERY_ERROR", "syntax error: expected SELECT, WITH, DESCRIBE or INSERT, "
                             "found end of input (line 1, column 1)", (1, 1))),
    ("query_async_is_string", "POST", Q, '{"sql": {"query": "SELECT 1"}, "async": "yes"}',
     (E, 400, "INVALIDINPUT", "async must be a boolean")),
    ("query_row_limit_is_string", "POST", Q,
     '{"sql": {"query": "SELECT 1", "default_row_limit": "ten"}}',
     (E, 400, "INVALIDINPUT", "sql.default_row_limit must be a non-negative integer")),
    ("query_timeout_negative", "POST", Q, '{"sql": {"query": "SELECT 1"}, "timeout_ms": -5}',
     (E, 400, "INVALIDINPUT", "timeout_ms must be a non-negative integer")),
    ("query_max_results_fraction", "POST", Q,
     '{"sql": {"query": "SELECT 1"}, "max_initial_results": 2.5}',
     (E, 400, "INVALIDINPUT", "max_initial_results must be a non-negative integer")),
    ("query_async_options_array", "POST", Q, '{"sql": {"query": "SELECT 1"}, "async_options": []}',
     (E, 400, "INVALIDINPUT", "async_options must be an object")),
    ("query_client_timeout_bool", "POST", Q,
     '{"sql": {"query": "SELECT 1"}, "async_options": {"client_timeout_ms": true}}',
     (E, 400, "INVALIDINPUT", "async_options.client_timeout_ms must be a non-negative integer")),
    ("query_parameters_object", "POST", Q,
     '{"sql": {"query": "SELECT 1", "parameters": {"a": 1}}}',
     (E, 400, "INVALIDINPUT", "parameters must be an array")),
    ("query_parameter_without_value", "POST", Q,
     '{"sql": {"query": "SELECT :a", "parameters": [{"name": "a"}]}}',
     (E, 400, "QUERY_ERROR", "Query parameter 'a' was referenced but not provided")),
    ("query_stacked_statement", "POST", Q,
     '{"sql": {"query": "SELECT 1 WHERE 1=1; DROP TABLE t"}}',
     (E, 400, "QUERY_ERROR", "syntax error: expected end of statement, found 'DROP' "
                             "(line 1, column 21)", (1, 21))),
    ("query_quoted_name_injection", "POST", Q,
     '{"sql": {"query": "SELECT * FROM \\"{ws}\\".\\"c; DROP\\""}}',
     (E, 400, "QUERY_ERROR",
      'Collection "c; DROP" does not exist in workspace "{ws}"', (1, 15))),
    ("query_sqlite_schema_not_reachable", "POST", Q,
     '{"sql": {"query": "SELECT * FROM sqlite_master"}}',
     (E, 400, "QUERY_ERROR",
      'Collection "sqlite_master" does not exist in workspace "commons"', (1, 15))),
    ("query_storage_table_not_reachable", "POST", Q,
     '{"sql": {"query": "SELECT * FROM {ws}.{coll}_data"}}',
     (E, 400, "QUERY_ERROR",
      'Collection "{coll}_data" does not exist in workspace "{ws}"', (1, 15))),
    ("query_load_extension_unknown", "POST", Q,
     '{"sql": {"query": "SELECT load_extension(\'x\')"}}',
     (E, 400, "QUERY_ERROR", "unknown function 'LOAD_EXTENSION' (line 1, column 8)", (1, 8))),
    ("query_readfile_unknown", "POST", Q,
     '{"sql": {"query": "SELECT readfile(\'/etc/passwd\')"}}',
     (E, 400, "QUERY_ERROR", "unknown function 'READFILE' (line 1, column 8)", (1, 8))),
    ("query_id_missing", "GET", Q + "/badin-no-query", None,
     (E, 404, "NOTFOUND", 'Query "badin-no-query" not found')),
    ("query_pages_missing", "GET", Q + "/badin-no-query/pages?cursor=zzz", None,
     (E, 404, "NOTFOUND", 'Query "badin-no-query" not found')),
    ("query_cancel_missing", "DELETE", Q + "/badin-no-query", None,
     (E, 404, "NOTFOUND", 'Query "badin-no-query" not found')),
    # --- views, aliases, lambdas
    ("view_without_query", "POST", WS + "/{ws}/views", '{"name": "v1"}',
     (E, 400, "INVALIDINPUT", "query is required")),
    ("view_bad_sql", "POST", WS + "/{ws}/views", '{"name": "v1", "query": "SELEC"}',
     (E, 400, "QUERY_ERROR", "syntax error: expected SELECT, WITH, DESCRIBE or INSERT, found "
                             "'SELEC' (line 1, column 1)", (1, 1))),
    ("alias_collections_string", "POST", WS + "/{ws}/aliases",
     '{"name": "a1", "collections": "{ws}.{coll}"}',
     (E, 400, "INVALIDINPUT", 'collections must be a non-empty array of "workspace.collection"')),
    ("alias_to_missing_collection", "POST", WS + "/{ws}/aliases",
     '{"name": "a1", "collections": ["{ws}.badin_nope"]}',
     (E, 404, "NOTFOUND", 'Collection "{ws}.badin_nope" does not exist')),
    ("lambda_without_sql", "POST", WS + "/{ws}/lambdas", '{"name": "l1"}',
     (E, 400, "INVALIDINPUT", "sql.query is required")),
    ("lambda_missing", "GET", WS + "/{ws}/lambdas/badin_nope/tags/latest", None,
     (E, 404, "NOTFOUND", 'Query lambda "badin_nope" does not exist in workspace "{ws}"')),
    # --- authentication
    ("auth_header_missing", "GET", WS, None,
     (E, 401, "AUTHEXCEPTION", "Authentication failed: provide a valid API key in the "
                               "Authorization header as 'ApiKey <key>'"), {"auth": None}),
    ("auth_wrong_key", "GET", WS, None,
     (E, 401, "AUTHEXCEPTION", "Authentication failed: provide a valid API key in the "
                               "Authorization header as 'ApiKey <key>'"), {"key": "badin-wrong"}),
    ("auth_bearer_scheme", "GET", WS, None,
     (E, 401, "AUTHEXCEPTION", "Authentication failed: provide a valid API key in the "
                               "Authorization header as 'ApiKey <key>'"), {"scheme": "Bearer"}),
    ("auth_key_with_injection", "GET", WS, None,
     (E, 401, "AUTHEXCEPTION", "Authentication failed: provide a valid API key in the "
                               "Authorization header as 'ApiKey <key>'"),
     {"key": "x' OR '1'='1"}),
    # --- routing
    ("method_not_allowed", "PUT", WS, None,
     (E, 405, "METHODNOTALLOWED", "method PUT is not allowed on /v1/orgs/self/ws")),
    ("unknown_method", "BREW", "/v1/orgs/self", None,
     (E, 405, "METHODNOTALLOWED", "method BREW is not allowed on /v1/orgs/self")),
    ("unknown_endpoint", "GET", "/v1/orgs/self/nothing", None,
     (E, 404, "NOTFOUND", "no such endpoint: GET /v1/orgs/self/nothing")),
    ("unknown_version", "GET", "/v2/anything", None,
     (E, 404, "NOTFOUND", "no such endpoint: GET /v2/anything")),
]
