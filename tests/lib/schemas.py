"""schemas.py - the response shapes of the Rockset API subset (docs/rockset-local.md), written as data.

Each schema maps a member name to its allowed JSON types, written "string|null"; a type may name
another schema: "object<CollectionStats>|null" (an object validated against CollectionStats) or
"array<Alias>" / "array<string>" (every item checked). "any" allows everything. Each schema also
lists its required members and the enums of its enum-valued members. A schema is closed: a member
it does not list is reported (wire-only members the API document mentions are listed as optional).

validate(obj, name) returns a list of problems (empty = valid); schema_for(method, path, status)
names the schema of a response.
"""

import re

JSON_TYPES = ("string", "integer", "number", "boolean", "object", "array", "null", "any")

ERROR_TYPES = [
    "AUTHEXCEPTION", "VERSIONEXCEPTION", "INTERNALERROR", "INVALIDINPUT", "NOTIMPLEMENTEDYET",
    "RESOURCEEXCEEDED", "ALREADYEXISTS", "METHODNOTALLOWED", "NOTACCEPTABLE",
    "UNSUPPORTEDMEDIATYPE", "NOTFOUND", "DEPENDENTRESOURCES", "QUERY_ERROR", "NOT_READY",
    "FORBIDDEN", "QUERY_TIMEOUT", "CONNECTION_ERROR", "CONTENTTOOLARGE", "CREATING", "BADREQUEST",
    "SERVICEUNAVAILABLE", "CONFLICT", "RATELIMITEXCEEDED", "QUERY_CANCELLED",
    "CLIENT_CONNECTION_ERROR",
]

COLLECTION_STATUS = [
    "INITIALIZED", "CREATED", "READY", "PAUSED", "DELETED", "PAUSING", "RESUMING",
    "PREPARING_BULK", "BULK_INGEST_MODE", "EXITING_BULK_INGEST_MODE", "ENCRYPTION_KEY_ERROR",
    "UNKNOWN",
]

SCHEMAS = {
    "ErrorModel": {
        "fields": {
            "message": "string", "message_key": "string|null", "type": "string",
            "line": "integer|null", "column": "integer|null", "trace_id": "string|null",
            "error_id": "string|null", "query_id": "string|null", "internal_errors": "any",
            "virtual_instance_rrn": "string|null",
        },
        "required": ["message", "type", "line", "column", "trace_id", "error_id", "query_id",
                     "message_key", "internal_errors"],
        "enums": {"type": ERROR_TYPES},
    },
    "Workspace": {
        "fields": {
            "name": "string", "description": "string|null", "created_at": "string",
            "created_by": "string|null", "collection_count": "integer",
        },
        "required": ["name", "description", "created_at", "created_by", "collection_count"],
    },
    "Org": {
        "fields": {
            "id": "string", "display_name": "string|null", "company_name": "string|null",
            "created_at": "string|null", "rockset_user": "string|null",
            "external_id": "string|null", "clusters": "array<Cluster>",
            "sso_only": "boolean|null", "sso_connection": "string|null",
            "deletion_scheduled_at": "string|null", "rrn": "string|null",
        },
        "required": ["id", "clusters"],
    },
    "User": {
        "fields": {
            "email": "string", "first_name": "string|null", "last_name": "string|null",
            "roles": "array<string>", "state": "string|null", "created_at": "string|null",
            "org": "string|null",
        },
        "required": ["email"],
    },
    "VirtualInstance": {
        "fields": {
            "id": "string", "rrn": "string", "name": "string", "default_vi": "boolean",
            "state": "string", "description": "string|null", "current_size": "string",
            "desired_size": "string", "auto_suspend_seconds": "integer|null",
            "enable_remount_on_resume": "boolean", "monitoring_enabled": "boolean",
            "mount_type": "string", "mount_refresh_interval_seconds": "integer|null",
            "current_instance_class": "string", "desired_instance_class": "string",
            "created_at": "string", "created_by": "string|null", "shard_count": "integer",
        },
        "required": ["id", "rrn", "name", "state", "current_size", "desired_size"],
    },
    "Cluster": {
        "fields": {
            "id": "string|null", "cluster_type": "string|null", "aws_region": "string|null",
            "domain": "string|null", "top_level_domain": "string|null",
            "apiserver_url": "string", "apiserver_hostname": "string|null",
        },
        "required": ["apiserver_url"],
    },
    "CollectionStats": {
        "fields": {
            "doc_count": "integer|null", "bytes_inserted": "integer|null",
            "bytes_overwritten": "integer|null", "bulk_bytes_inserted": "integer|null",
            "bulk_bytes_overwritten": "integer|null", "total_size": "integer|null",
            "total_index_size": "integer|null", "row_index_size": "integer|null",
            "column_index_size": "integer|null", "inverted_index_size": "integer|null",
            "range_index_size": "integer|null", "purged_doc_count": "integer|null",
            "purged_doc_size": "integer|null", "last_queried_ms": "integer|null",
            "last_updated_ms": "integer|null", "fill_progress": "number|null",
            "currentProgress": "number|null",
            "field_indexes": "object",  # rockset-local only: its field indexes (indexing.md)
        },
        "required": ["doc_count", "bytes_inserted", "bytes_overwritten", "bulk_bytes_inserted",
                     "bulk_bytes_overwritten", "total_size", "total_index_size",
                     "row_index_size", "column_index_size", "inverted_index_size",
                     "range_index_size", "purged_doc_count", "purged_doc_size",
                     "last_queried_ms", "last_updated_ms", "fill_progress"],
    },
    "Collection": {
        "fields": {
            "name": "string", "workspace": "string", "description": "string|null",
            "created_at": "string", "created_by": "string|null",
            "created_by_apikey_name": "string|null", "status": "string",
            "stats": "object<CollectionStats>|null", "sources": "array",
            "field_mapping_query": "object<FieldMappingQuery>|null",
            "retention_secs": "integer|null", "aliases": "array<Alias>", "rrn": "string|null",
            "read_only": "boolean", "insert_only": "boolean",
            "storage_compression_type": "string|null", "field_mappings": "array|null",
            "clustering_key": "array|null", "bulk_stats": "object|array|null",
            "event_time_info": "object<EventTimeInfo>|null",
            # members seen on the wire only (real Rockset sent them)
            "field_partitions": "array|null", "field_schemas": "array|null",
            "ingest_virtual_instance_id": "string|null", "storage_type": "string|null",
            "enable_exactly_once_writes": "boolean|null",
        },
        "required": ["name", "workspace"],
        "enums": {"status": COLLECTION_STATUS,
                  "storage_compression_type": ["LZ4", "ZSTD", "UNKNOWN", None]},
    },
    "FieldMappingQuery": {"fields": {"sql": "string"}, "required": ["sql"]},
    "EventTimeInfo": {
        "fields": {"field": "string", "format": "string|null", "time_zone": "string|null"},
        "required": ["field"],
        "enums": {"format": ["milliseconds_since_epoch", "seconds_since_epoch", None]},
    },
    "DocumentStatus": {
        "fields": {
            "_id": "string|null", "_collection": "string", "status": "string",
            "error": "object<ErrorModel>|null", "patch_id": "string|null",
        },
        "required": ["_id", "_collection", "status", "error", "patch_id"],
        "enums": {"status": ["ADDED", "REPLACED", "DELETED", "PATCHED", "ERROR"]},
    },
    "DocumentsResponse": {
        "fields": {"data": "array<DocumentStatus>", "last_offset": "string"},
        "required": ["data", "last_offset"],
    },
    "CommitFence": {
        "fields": {"data": "object<CommitFenceData>", "offsets": "object<CommitOffsets>"},
        "required": ["data", "offsets"],
    },
    "CommitFenceData": {
        "fields": {"passed": "boolean", "fence": "string|null"},
        "required": ["passed", "fence"],
    },
    "CommitOffsets": {"fields": {"commit": "string|null"}, "required": ["commit"]},
    "ColumnField": {"fields": {"name": "string", "type": "string"}, "required": ["name", "type"]},
    "QueryResponseStats": {
        "fields": {"elapsed_time_ms": "integer", "throttled_time_micros": "integer",
                   "index_used": "boolean", "engine": "string",
                   "column_lag_ms": "integer"},  # rockset-local only
        "required": ["elapsed_time_ms", "throttled_time_micros"],
    },
    "QueryError": {
        "fields": {"type": "string", "message": "string", "status_code": "integer"},
        "required": ["type", "message"],
    },
    "QueryResponse": {
        "fields": {
            "query_id": "string", "status": "string", "results": "array<object>",
            "column_fields": "array<ColumnField>", "collections": "array<string>",
            "stats": "object<QueryResponseStats>", "pagination": "object<PaginationInfo>",
            "results_total_doc_count": "integer", "last_offset": "string|null",
            "query_errors": "array<QueryError>", "warnings": "array<string>",
            "query_lambda_path": "string|null", "aliases": "array<string>",
        },
        "required": ["query_id", "status"],
        "enums": {"status": ["QUEUED", "RUNNING", "COMPLETED", "ERROR"]},
    },
    "QueryInfoStats": {
        "fields": {
            "elapsed_time_ms": "integer|null", "throttled_time_ms": "integer|null",
            "throttled_time_micros": "integer|null",
            "result_set_document_count": "integer|null", "result_set_bytes_size": "integer|null",
            "result_set_file_count": "integer|null",
        },
        "required": [],
    },
    "QueryInfoPagination": {"fields": {"start_cursor": "string|null"}, "required": []},
    "QueryInfo": {
        "fields": {
            "query_id": "string", "status": "string", "sql": "string|null",
            "executed_by": "string|null", "submitted_at": "string|null",
            "expires_at": "string|null", "last_offset": "string|null",
            "destination_uri": "string|null",
            "pagination": "object<QueryInfoPagination>|null",
            "query_errors": "array<QueryError>|null", "stats": "object<QueryInfoStats>|null",
        },
        "required": ["query_id", "status"],
        "enums": {"status": ["QUEUED", "RUNNING", "COMPLETED", "ERROR", "CANCELLED"]},
    },
    "QueryInfoResponse": {
        "fields": {"data": "object<QueryInfo>", "last_offset": "string|null"},
        "required": ["data", "last_offset"],
    },
    "QueryInfoList": {"fields": {"data": "array<QueryInfo>"}, "required": ["data"]},
    "PaginationInfo": {
        "fields": {
            "start_cursor": "string|null", "next_cursor": "string|null",
            "next_cursor_offset": "integer|null", "current_page_doc_count": "integer|null",
            "next_page_link": "string|null",
        },
        "required": ["next_cursor"],
    },
    "QueryPaginationResponse": {
        "fields": {
            "results": "array<object>", "results_total_doc_count": "integer",
            "pagination": "object<PaginationInfo>",
        },
        "required": ["results", "results_total_doc_count", "pagination"],
    },
    "ValidateQueryResponse": {
        "fields": {
            "collections": "array<string>", "parameters": "array<string>",
            "aliases": "array<string>", "views": "array<string>", "name": "array<string>",
        },
        "required": ["collections", "parameters"],
    },
    "View": {
        "fields": {
            "name": "string", "workspace": "string", "path": "string",
            "description": "string|null", "query_sql": "string", "entities": "array<string>",
            "state": "string", "creator_email": "string|null",
            "created_by_apikey_name": "string|null", "owner_email": "null",
            "created_at": "string", "modified_at": "string|null",
        },
        "required": ["name", "workspace", "path", "description", "query_sql", "entities",
                     "state", "creator_email", "created_by_apikey_name", "owner_email",
                     "created_at", "modified_at"],
        "enums": {"state": ["CREATED", "SYNCING", "DELETED"]},
    },
    "Alias": {
        "fields": {
            "name": "string", "workspace": "string", "description": "string|null",
            "collections": "array<string>", "state": "string", "creator_email": "string|null",
            "created_by_apikey_name": "string|null", "created_at": "string",
            "modified_at": "string|null",
        },
        "required": ["name", "workspace", "description", "collections", "state",
                     "creator_email", "created_by_apikey_name", "created_at", "modified_at"],
        "enums": {"state": ["CREATED", "DELETED"]},
    },
    "QueryParameter": {
        "fields": {"name": "string", "type": "string", "value": "string"},
        "required": ["name", "type", "value"],
    },
    "QueryLambdaSql": {
        "fields": {"query": "string", "default_parameters": "array<QueryParameter>"},
        "required": ["query", "default_parameters"],
    },
    "QueryLambdaStats": {
        "fields": {
            "last_executed": "string|null", "last_executed_by": "string|null",
            "last_execution_error": "string|null", "last_execution_error_message": "string|null",
        },
        "required": ["last_executed", "last_executed_by", "last_execution_error",
                     "last_execution_error_message"],
    },
    "QueryLambdaVersion": {
        "fields": {
            "workspace": "string", "name": "string", "version": "string",
            "description": "string|null", "sql": "object<QueryLambdaSql>",
            "collections": "array<string>", "state": "string",
            "stats": "object<QueryLambdaStats>", "public_access_id": "string|null",
            "created_by": "string|null", "created_by_apikey_name": "string|null",
            "created_at": "string",
        },
        "required": ["workspace", "name", "version", "description", "sql", "collections",
                     "state", "stats", "public_access_id", "created_by",
                     "created_by_apikey_name", "created_at"],
        "enums": {"state": ["ACTIVE", "INVALID_SQL"]},
    },
    "QueryLambda": {
        "fields": {
            "workspace": "string", "name": "string", "version_count": "integer",
            "collections": "array<string>", "last_updated": "string|null",
            "last_updated_by": "string|null",
            "latest_version": "object<QueryLambdaVersion>",
        },
        "required": ["workspace", "name", "version_count", "collections", "last_updated",
                     "last_updated_by", "latest_version"],
    },
    "QueryLambdaTag": {
        "fields": {"tag_name": "string", "version": "object<QueryLambdaVersion>"},
        "required": ["tag_name", "version"],
    },
    "Ping": {"fields": {"message": "string"}, "required": ["message"]},
    "ApiKey": {
        "fields": {
            "name": "string", "key": "string", "role": "string|null", "state": "string",
            "created_at": "string", "created_by": "string|null",
            "created_by_apikey_name": "string|null", "expiry_time": "string|null",
            "last_access_time": "string|null",
        },
        "required": ["name", "key", "role", "state", "created_at", "created_by",
                     "created_by_apikey_name", "expiry_time", "last_access_time"],
        "enums": {"state": ["ACTIVE", "SUSPENDED"]},
    },
    "Privilege": {
        "fields": {"action": "string", "resource_name": "string", "cluster": "string"},
        "required": ["action", "resource_name", "cluster"],
    },
    "Role": {
        "fields": {
            "role_name": "string", "description": "string|null", "owner_email": "string|null",
            "created_by": "string|null", "created_at": "string",
            "privileges": "array<Privilege>",
        },
        "required": ["role_name", "description", "owner_email", "created_by", "created_at",
                     "privileges"],
    },
}


def _add_envelopes():
    """{"data": X} and {"data": [X]} forms for every resource schema, named "data:X" and
    "data:[X]"."""
    for name in ("Workspace", "Collection", "View", "Alias", "QueryLambda", "QueryLambdaVersion",
                 "QueryLambdaTag", "Org", "QueryInfo", "VirtualInstance", "ApiKey", "Role",
                 "User"):
        SCHEMAS[f"data:{name}"] = {"fields": {"data": f"object<{name}>"}, "required": ["data"]}
        SCHEMAS[f"data:[{name}]"] = {"fields": {"data": f"array<{name}>"}, "required": ["data"]}


_add_envelopes()


_W = r"/v1/orgs/self/ws/[^/]+"
_ROUTES = [
    # (method, path regex, schema of a 2xx body)
    ("GET", r"/", "Ping"),
    ("GET", r"/v1/orgs/self", "data:Org"),
    ("GET", r"/v1/orgs/self/users/self", "User"),
    ("POST", r"/v1/orgs/self/users/self/apikeys", "data:ApiKey"),
    ("GET", r"/v1/orgs/self/users/[^/]+/apikeys", "data:[ApiKey]"),
    ("GET|POST|DELETE", r"/v1/orgs/self/users/[^/]+/apikeys/[^/]+", "data:ApiKey"),
    ("GET", r"/v1/orgs/self/users", "data:[User]"),
    ("POST", r"/v1/orgs/self/users", "data:User"),
    ("GET|POST", r"/v1/orgs/self/users/[^/]+", "User"),
    ("DELETE", r"/v1/orgs/self/users/[^/]+", "data:User"),
    ("GET", r"/v1/orgs/self/roles", "data:[Role]"),
    ("POST", r"/v1/orgs/self/roles", "data:Role"),
    ("GET|POST|DELETE", r"/v1/orgs/self/roles/[^/]+", "data:Role"),
    ("GET", r"/v1/orgs/self/virtualinstances", "data:[VirtualInstance]"),
    ("GET|POST", r"/v1/orgs/self/virtualinstances/[^/]+", "data:VirtualInstance"),
    ("POST", r"/v1/orgs/self/ws", "data:Workspace"),
    ("GET", r"/v1/orgs/self/ws", "data:[Workspace]"),
    ("GET|DELETE", _W, "data:Workspace"),
    ("GET", r"/v1/orgs/self/collections", "data:[Collection]"),
    ("POST", _W + r"/collections", "data:Collection"),
    ("GET", _W + r"/collections", "data:[Collection]"),
    ("GET|PUT|DELETE", _W + r"/collections/[^/]+", "data:Collection"),
    ("GET|POST", _W + r"/collections/[^/]+/offsets/commit", "CommitFence"),
    ("POST|PATCH|DELETE", _W + r"/collections/[^/]+/docs", "DocumentsResponse"),
    ("POST", r"/v1/orgs/self/queries/validations", "ValidateQueryResponse"),
    ("POST", r"/v1/orgs/self(/virtualinstances/[^/]+)?/queries", "QueryResponse"),
    ("GET", r"/v1/orgs/self(/virtualinstances/[^/]+)?/queries", "QueryInfoList"),
    ("GET", r"/v1/orgs/self/queries/[^/]+", "QueryInfoResponse"),
    ("DELETE", r"/v1/orgs/self/queries/[^/]+", "data:QueryInfo"),
    ("GET", r"/v1/orgs/self/queries/[^/]+/pages", "QueryPaginationResponse"),
    ("GET", r"/v1/orgs/self/views", "data:[View]"),
    ("POST", _W + r"/views", "data:View"),
    ("GET", _W + r"/views", "data:[View]"),
    ("GET|POST|DELETE", _W + r"/views/[^/]+", "data:View"),
    ("GET", r"/v1/orgs/self/aliases", "data:[Alias]"),
    ("POST", _W + r"/aliases", "data:Alias"),
    ("GET", _W + r"/aliases", "data:[Alias]"),
    ("GET|POST|DELETE", _W + r"/aliases/[^/]+", "data:Alias"),
    ("GET", r"/v1/orgs/self/lambdas", "data:[QueryLambda]"),
    ("POST", _W + r"/lambdas", "data:QueryLambdaVersion"),
    ("GET", _W + r"/lambdas", "data:[QueryLambda]"),
    ("DELETE", _W + r"/lambdas/[^/]+", "data:QueryLambda"),
    ("POST", _W + r"/lambdas/[^/]+/versions", "data:QueryLambdaVersion"),
    ("GET", _W + r"/lambdas/[^/]+/versions", "data:[QueryLambdaVersion]"),
    ("GET", _W + r"/lambdas/[^/]+/versions/[^/]+", "data:QueryLambdaVersion"),
    ("POST", _W + r"/lambdas/[^/]+/versions/[^/]+", "QueryResponse"),
    ("DELETE", _W + r"/lambdas/[^/]+/version/[^/]+", "data:QueryLambdaVersion"),
    ("GET", _W + r"/lambdas/[^/]+/tags", "data:[QueryLambdaTag]"),
    ("POST", _W + r"/lambdas/[^/]+/tags", "data:QueryLambdaTag"),
    ("GET|DELETE", _W + r"/lambdas/[^/]+/tags/[^/]+", "data:QueryLambdaTag"),
    ("POST", _W + r"/lambdas/[^/]+/tags/[^/]+", "QueryResponse"),
]


def schema_for(method, path, status):
    """Name of the schema a response to METHOD PATH with this status must follow (ErrorModel
    for every non-2xx), or None for a 2xx on a route we do not know."""
    if not 200 <= status < 300:
        return "ErrorModel"
    for methods, pattern, name in _ROUTES:
        if method in methods.split("|") and re.fullmatch(pattern, path):
            return name
    return None


def _base_ok(value, base):
    if base == "any":
        return True
    if base == "null":
        return value is None
    if base == "string":
        return isinstance(value, str)
    if base == "boolean":
        return isinstance(value, bool)
    if base == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if base == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if base == "object":
        return isinstance(value, dict)
    if base == "array":
        return isinstance(value, list)
    raise ValueError(f"unknown JSON type {base!r} in a schema")


def _split_alt(alt):
    """"array<Alias>" -> ("array", "Alias"); "string" -> ("string", None)."""
    if "<" in alt:
        base, inner = alt.split("<", 1)
        return base, inner.rstrip(">")
    return alt, None


def type_ok(value, types):
    """Whether value has one of the types in "a|b|c" (inner schemas not checked)."""
    return any(_base_ok(value, _split_alt(a)[0]) for a in types.split("|"))


def _check_inner(value, base, inner, path, problems):
    if inner is None:
        return
    if base == "object":
        _validate(value, inner, path, problems)
    elif base == "array":
        for i, item in enumerate(value):
            if inner in JSON_TYPES:
                if not _base_ok(item, inner):
                    problems.append(f"{path}[{i}]: expected {inner}, got {type(item).__name__}")
            else:
                _validate(item, inner, f"{path}[{i}]", problems)


def _validate(obj, name, path, problems):
    schema = SCHEMAS[name]
    if not isinstance(obj, dict):
        problems.append(f"{path}: expected an object ({name}), got {type(obj).__name__}")
        return
    fields = schema["fields"]
    for req in schema.get("required", []):
        if req not in obj:
            problems.append(f"{path}.{req}: required member missing ({name})")
    for key, value in obj.items():
        if key not in fields:
            problems.append(f"{path}.{key}: not a member of {name}")
            continue
        matched = None
        for alt in fields[key].split("|"):
            base, inner = _split_alt(alt)
            if _base_ok(value, base):
                matched = (base, inner)
                break
        if matched is None:
            problems.append(f"{path}.{key}: type {type(value).__name__} not in {fields[key]}")
            continue
        _check_inner(value, matched[0], matched[1], f"{path}.{key}", problems)
        enum = schema.get("enums", {}).get(key)
        if enum is not None and value is not None and value not in enum:
            problems.append(f"{path}.{key}: {value!r} not in enum {enum}")


def validate(obj, name):
    """Problems of obj against schema `name` (empty list = valid)."""
    problems = []
    _validate(obj, name, "$", problems)
    return problems


def _self_test():
    assert validate({"data": [{"name": "a"}]}, "data:[Workspace]")
    ok = {"name": "w", "description": None, "created_at": "x", "created_by": None,
          "collection_count": 0}
    assert validate(ok, "Workspace") == []
    assert validate(dict(ok, collection_count=True), "Workspace")
    assert validate({"_id": "a", "_collection": "c", "status": "NOPE", "error": None,
                     "patch_id": None}, "DocumentStatus")


if __name__ == "__main__":
    _self_test()
    print("schemas ok")
