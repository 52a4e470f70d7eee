/*
 * test_sqlxlate.c - end-to-end tests of rockset-local's SQL translator: Rockset SQL is translated
 * with a test resolver, run on an in-memory SQLite holding JSON documents, and the exact `doc`
 * rows are compared. No network.
 */
#include "server/sql/sqlx_describe.h"
#include "server/sql/sqlx_duck.h"
#include "server/sql/sqlxlate.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sqlite3 *db;

/* ---- fixture ---- */

static const char *const people_docs[] = {
    "{\"_id\":\"1\",\"name\":\"Ann\",\"age\":30,\"active\":true,\"city\":\"Oslo\","
    "\"tags\":[\"a\",\"b\"],\"addr\":{\"zip\":\"0150\",\"geo\":{\"lat\":59.9}},\"big\":"
    "9007199254740993}",
    "{\"_id\":\"2\",\"name\":\"Bob\",\"age\":17,\"active\":false,\"city\":\"Rome\",\"tags\":[],"
    "\"addr\":null,\"big\":-9223372036854775808}",
    "{\"_id\":\"3\",\"name\":\"Cid\",\"age\":45,\"active\":true,\"city\":\"Oslo\",\"tags\":[\"c\"],"
    "\"score\":1.5}",
    "{\"_id\":\"4\",\"name\":\"Dee\",\"age\":null,\"city\":null,\"score\":2}", NULL};

static const char *const orders_docs[] = {
    "{\"_id\":\"o1\",\"pid\":\"1\",\"amount\":10,\"item\":\"pen\"}",
    "{\"_id\":\"o2\",\"pid\":\"1\",\"amount\":25,\"item\":\"ink\"}",
    "{\"_id\":\"o3\",\"pid\":\"3\",\"amount\":7,\"item\":\"pen\"}",
    "{\"_id\":\"o4\",\"pid\":\"9\",\"amount\":1,\"item\":\"cap\"}", NULL};

static void load(const char *table, const char *const *docs) {
    char sql[200];
    sqlite3_stmt *st;
    snprintf(sql, sizeof sql, "CREATE TABLE \"%s\"(doc TEXT)", table);
    sqlite3_exec(db, sql, NULL, NULL, NULL);
    snprintf(sql, sizeof sql, "INSERT INTO \"%s\"(doc) VALUES (?)", table);
    sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    for (int i = 0; docs[i]; i++) {
        sqlite3_bind_text(st, 1, docs[i], -1, SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
}

static int resolve(void *ctx, const char *ws, const char *name, sqlx_relation *out, rs_err *err) {
    static const struct {
        const char *ws, *name, *table, *view, *canonical, *alias_of;
    } names[] = {
        {"commons", "people", "t_people", NULL, "commons.people", ""},
        {"shop", "orders", "t_orders", NULL, "shop.orders", ""},
        {"commons", "empty", "t_empty", NULL, "commons.empty", ""},
        {"commons", "events", "t_events", NULL, "commons.events", ""},
        {"commons", "nums", "t_nums", NULL, "commons.nums", ""},
        {"commons", "ppl", "t_people", NULL, "commons.people", "commons.ppl"},
        {"commons", "adults", NULL, "SELECT name, age FROM people WHERE age >= 18",
         "commons.adults", ""},
        {"commons", "oslo_adults", NULL, "SELECT name FROM commons.adults a WHERE a.name <> 'x'",
         "commons.oslo_adults", ""},
        {"commons", "loop", NULL, "SELECT * FROM loop", "commons.loop", ""},
        {"commons", "badview", NULL, "SELECT FROM", "commons.badview", ""},
        {"commons", "ambig", NULL, "SELECT name FROM people p JOIN shop.orders o ON 1 = 1",
         "commons.ambig", ""},
        {"commons", "outer_ambig", NULL, "SELECT * FROM ambig", "commons.outer_ambig", ""},
    };
    (void)ctx;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(names[i].ws, ws) || strcmp(names[i].name, name))
            continue;
        memset(out, 0, sizeof *out);
        out->kind = names[i].view ? SQLX_REL_VIEW : SQLX_REL_COLLECTION;
        if (names[i].table)
            snprintf(out->table, sizeof out->table, "%s", names[i].table);
        if (names[i].view)
            out->view_sql = strdup(names[i].view);
        snprintf(out->canonical, sizeof out->canonical, "%s", names[i].canonical);
        snprintf(out->alias_of, sizeof out->alias_of, "%s", names[i].alias_of);
        return 0;
    }
    return rs_err_set(err, RS_ENOTFOUND, "Collection '%s' not found in workspace '%s'", name, ws);
}

/* ---- running ---- */

typedef struct param {
    const char *name, *type, *value;
} param;

static char result[16384];
static sqlx_stmt last;

/* Translate and run sql; result = rows joined by '\n', or "ERR <code>: msg (l:c)". */
static const char *run_opts(const char *sql, const param *params, int64_t default_limit) {
    sqlx_options opts = {.default_row_limit = default_limit};
    rs_err err;
    sqlite3_stmt *st = NULL;
    size_t used = 0;
    sqlx_stmt_free(&last);
    memset(&err, 0, sizeof err);
    result[0] = 0;
    int rc = sqlx_translate(sql, &opts, resolve, NULL, &last, &err);
    if (rc) {
        snprintf(result, sizeof result, "ERR %s: %s [%d:%d]", rs_err_name(rc), err.msg, err.line,
                 err.column);
        return result;
    }
    if (!last.sqlite_sql)
        return "(no sql)";
    if (sqlite3_prepare_v2(db, last.sqlite_sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(result, sizeof result, "PREPARE: %s | %s", sqlite3_errmsg(db), last.sqlite_sql);
        return result;
    }
    for (int i = 0; params && params[i].name; i++) {
        char pname[64];
        snprintf(pname, sizeof pname, ":%s", params[i].name);
        int idx = sqlite3_bind_parameter_index(st, pname);
        if (idx &&
            sqlx_bind_param(st, idx, params[i].name, params[i].type, params[i].value, &err)) {
            snprintf(result, sizeof result, "BIND %s: %s", rs_err_name(err.code), err.msg);
            sqlite3_finalize(st);
            return result;
        }
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *doc = (const char *)sqlite3_column_text(st, 0);
        used += (size_t)snprintf(result + used, sizeof result - used, "%s%s", used ? "\n" : "",
                                 doc ? doc : "(null)");
        if (used >= sizeof result)
            break;
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        snprintf(result, sizeof result, "STEP: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return result;
}

static const char *run(const char *sql) {
    return run_opts(sql, NULL, 0);
}

#define Q(name, sql, want) CHECK_STR(name, run(sql), want)

/* ---- tests ---- */

static void test_projection(void) {
    Q("select star one row", "SELECT * FROM people WHERE _id = '4'",
      "{\"_id\":\"4\",\"name\":\"Dee\",\"age\":null,\"city\":null,\"score\":2}");
    Q("bare field missing omitted, null kept", "SELECT name, score, addr FROM people ORDER BY _id",
      "{\"name\":\"Ann\",\"addr\":{\"zip\":\"0150\",\"geo\":{\"lat\":59.9}}}\n"
      "{\"name\":\"Bob\",\"addr\":null}\n"
      "{\"name\":\"Cid\",\"score\":1.5}\n"
      "{\"name\":\"Dee\",\"score\":2}");
    Q("nested path named by last part", "SELECT addr.geo.lat, addr.zip FROM people WHERE _id='1'",
      "{\"lat\":59.9,\"zip\":\"0150\"}");
    Q("bool round trip", "SELECT active FROM commons.people ORDER BY _id",
      "{\"active\":true}\n{\"active\":false}\n{\"active\":true}\n{}");
    Q("int64 exact", "SELECT big FROM people WHERE _id IN ('1','2') ORDER BY _id",
      "{\"big\":9007199254740993}\n{\"big\":-9223372036854775808}");
    Q("int64 exact arithmetic", "SELECT big + 1 AS b FROM people WHERE _id = '1'",
      "{\"b\":9007199254740994}");
    Q("array index 1-based", "SELECT tags[1] AS t1, tags[2] AS t2 FROM people WHERE _id = '1'",
      "{\"t1\":\"a\",\"t2\":\"b\"}");
    Q("array index out of range omitted", "SELECT tags[5] AS t FROM people WHERE _id = '1'", "{}");
    Q("unnamed expressions", "SELECT 1, 'x', 2 + 3",
      "{\"?field0\":1,\"?field1\":\"x\",\"?field2\":5}");
    Q("unaliased function named as spelled", "SELECT COUNT(*) FROM people", "{\"?COUNT\":4}");
    Q("unaliased lower-case count", "SELECT count(*) FROM people", "{\"?count\":4}");
    Q("lower-case function name", "SELECT upper(name) FROM people WHERE _id='1'",
      "{\"?upper\":\"ANN\"}");
    Q("bare alias", "SELECT name n FROM people WHERE _id='1'", "{\"n\":\"Ann\"}");
    Q("quoted identifiers",
      "SELECT \"name\" AS \"the name\", `age` FROM \"commons\".`people` WHERE _id='1'",
      "{\"the name\":\"Ann\",\"age\":30}");
    Q("table alias qualified", "SELECT p.name FROM people p WHERE p._id='2'", "{\"name\":\"Bob\"}");
    Q("AS table alias", "SELECT p.name FROM people AS p WHERE p._id='2'", "{\"name\":\"Bob\"}");
    Q("collection name as qualifier", "SELECT people.name FROM people WHERE _id='2'",
      "{\"name\":\"Bob\"}");
    Q("star plus computed", "SELECT *, 1 AS one FROM shop.orders WHERE _id='o1'",
      "{\"_id\":\"o1\",\"pid\":\"1\",\"amount\":10,\"item\":\"pen\",\"one\":1}");
    Q("star except", "SELECT * EXCEPT (_id, pid) FROM shop.orders WHERE _id='o1'",
      "{\"amount\":10,\"item\":\"pen\"}");
    Q("computed null printed", "SELECT NULL AS n, age + 1 AS a FROM people WHERE _id='4'",
      "{\"n\":null,\"a\":null}");
    Q("whole document by alias", "SELECT o AS whole FROM shop.orders o WHERE _id='o4'",
      "{\"whole\":{\"_id\":\"o4\",\"pid\":\"9\",\"amount\":1,\"item\":\"cap\"}}");
    Q("duplicate names later wins", "SELECT name AS x, age AS x FROM people WHERE _id='1'",
      "{\"x\":30}");
    Q("select without from", "SELECT 1 + 1 AS two, 'a' || 'b' AS ab", "{\"two\":2,\"ab\":\"ab\"}");
    Q("unicode escapes", "SELECT 'é' AS e, LENGTH('é') AS l", "{\"e\":\"é\",\"l\":1}");
}

static void test_types(void) {
    Q("comparison yields bool", "SELECT age > 20 AS adult FROM people ORDER BY _id",
      "{\"adult\":true}\n{\"adult\":false}\n{\"adult\":true}\n{\"adult\":null}");
    Q("bool literals", "SELECT TRUE AS t, FALSE AS f, NOT TRUE AS nt",
      "{\"t\":true,\"f\":false,\"nt\":false}");
    Q("int division truncates", "SELECT 7 / 2 AS q, 7 % 3 AS r, -7 / 2 AS nq",
      "{\"q\":3,\"r\":1,\"nq\":-3}");
    Q("float arithmetic", "SELECT 7.0 / 2 AS q, 1.5 * 2 AS d, 2.0 AS two",
      "{\"q\":3.5,\"d\":3.0,\"two\":2.0}");
    Q("string concat", "SELECT name || '!' AS s FROM people WHERE _id='3'", "{\"s\":\"Cid!\"}");
    Q("int min literal", "SELECT -9223372036854775808 AS m", "{\"m\":-9223372036854775808}");
    Q("huge int literal is float", "SELECT 99999999999999999999 AS h", "{\"h\":1e+20}");
    Q("CASE WHEN",
      "SELECT CASE WHEN age >= 18 THEN 'adult' WHEN age < 18 THEN 'minor' ELSE 'n/a' END AS k FROM "
      "people ORDER BY _id",
      "{\"k\":\"adult\"}\n{\"k\":\"minor\"}\n{\"k\":\"adult\"}\n{\"k\":\"n/a\"}");
    Q("simple CASE",
      "SELECT CASE city WHEN 'Oslo' THEN 1 ELSE 0 END AS o FROM people WHERE _id='1'", "{\"o\":1}");
    Q("IF and COALESCE",
      "SELECT IF(active, 'y', 'n') AS a, COALESCE(score, 0) AS s FROM people ORDER BY _id",
      "{\"a\":\"y\",\"s\":0}\n{\"a\":\"n\",\"s\":0}\n{\"a\":\"y\",\"s\":1.5}\n{\"a\":\"n\",\"s\":"
      "2}");
    Q("NULLIF", "SELECT NULLIF(city, 'Oslo') AS c FROM people WHERE _id IN ('1','2') ORDER BY _id",
      "{\"c\":null}\n{\"c\":\"Rome\"}");
    Q("TYPEOF",
      "SELECT TYPEOF(age) a, TYPEOF(score) s, TYPEOF(tags) t, TYPEOF(addr) o, TYPEOF(active) b, "
      "TYPEOF(name) n FROM people WHERE _id='1'",
      "{\"a\":\"int\",\"s\":\"undefined\",\"t\":\"array\",\"o\":\"object\",\"b\":\"bool\",\"n\":"
      "\"string\"}");
    Q("TYPEOF null", "SELECT TYPEOF(age) AS a, TYPEOF(NULL) AS n FROM people WHERE _id='4'",
      "{\"a\":\"null\",\"n\":\"null\"}");
    Q("CAST",
      "SELECT CAST('42' AS int) i, CAST(3.9 AS int) t, CAST(5 AS string) s, CAST('1.5' AS float) "
      "f, CAST('true' AS bool) b, CAST(1 AS float) one",
      "{\"i\":42,\"t\":3,\"s\":\"5\",\"f\":1.5,\"b\":true,\"one\":1.0}");
    Q("TRY_CAST bad gives null", "SELECT TRY_CAST('x' AS int) AS v", "{\"v\":null}");
    Q("CAST bad is error", "SELECT CAST('x' AS int) AS v",
      "STEP: CAST: cannot convert string 'x' to int");
    Q("type error in arithmetic", "SELECT name + 1 AS v FROM people WHERE _id='1'",
      "STEP: operator +: cannot apply to string and int");
    Q("division by zero", "SELECT 1 / 0 AS v", "STEP: division by zero");
    Q("integer overflow", "SELECT 9223372036854775807 + 1 AS v",
      "STEP: integer overflow in operator +");
}

static void test_functions(void) {
    Q("string functions",
      "SELECT LOWER('AbC') l, UPPER('x') u, LENGTH('hello') n, CONCAT('a','b','c') c, "
      "SUBSTR('hello', 2, 3) s, SUBSTRING('hello' FROM 2 FOR 2) s2, TRIM('  x ') t, "
      "LTRIM('  x') lt, RTRIM('x  ') rt, REPLACE('aXbX', 'X', '-') r, REPLACE('aXb', 'X') r2",
      "{\"l\":\"abc\",\"u\":\"X\",\"n\":5,\"c\":\"abc\",\"s\":\"ell\",\"s2\":\"el\",\"t\":\"x\","
      "\"lt\":\"x\",\"rt\":\"x\",\"r\":\"a-b-\",\"r2\":\"ab\"}");
    Q("math functions",
      "SELECT ABS(-3) a, ABS(-2.5) af, ROUND(2.567, 2) r, ROUND(7) ri, FLOOR(2.7) f, CEIL(2.1) c, "
      "SQRT(16) q, POWER(2, 10) p, MOD(10, 3) m, GREATEST(1, 5, 3) g, LEAST(4, 2) le",
      "{\"a\":3,\"af\":2.5,\"r\":2.57,\"ri\":7.0,\"f\":2.0,\"c\":3.0,\"q\":4.0,\"p\":1024.0,\"m\":"
      "1,"
      "\"g\":5,\"le\":2}");
    Q("array functions",
      "SELECT CARDINALITY(tags) n, LENGTH(tags) l, ARRAY_CONTAINS(tags, 'b') hb, "
      "ARRAY_CONTAINS(tags, 'z') hz FROM people WHERE _id='1'",
      "{\"n\":2,\"l\":2,\"hb\":true,\"hz\":false}");
    Q("JSON_FORMAT and JSON_PARSE",
      "SELECT JSON_FORMAT(addr) f, JSON_PARSE('{\"k\":[1,true]}') p, "
      "JSON_PARSE('12345678901234567') i FROM people WHERE _id='1'",
      "{\"f\":\"{\\\"zip\\\":\\\"0150\\\",\\\"geo\\\":{\\\"lat\\\":59.9}}\",\"p\":{\"k\":[1,true]},"
      "\"i\":12345678901234567}");
    Q("JSON_PARSE subscript", "SELECT JSON_PARSE('{\"a\":{\"b\":7}}').a.b AS v", "{\"v\":7}");
    Q("string function on int is error", "SELECT LOWER(age) FROM people WHERE _id='1'",
      "STEP: LOWER: argument must be a string, got int");
    Q("LIKE is case-sensitive", "SELECT name FROM people WHERE name LIKE '%n%' ORDER BY name",
      "{\"name\":\"Ann\"}");
    Q("LIKE underscore and NOT LIKE",
      "SELECT name FROM people WHERE name NOT LIKE '_o_' ORDER BY name",
      "{\"name\":\"Ann\"}\n{\"name\":\"Cid\"}\n{\"name\":\"Dee\"}");
    Q("timestamp literal output plain", "SELECT TIMESTAMP '2024-01-02T03:04:05Z' AS t",
      "{\"t\":\"2024-01-02T03:04:05.000000Z\"}");
    Q("date literal output typed", "SELECT DATE '2024-1-2' AS d",
      "{\"d\":{\"__rockset_type\":\"date\",\"value\":\"2024-01-02\"}}");
    Q("time functions",
      "SELECT UNIX_MILLIS(TIMESTAMP '1970-01-01T00:00:01.5Z') m, TIMESTAMP_MILLIS(86400000) t, "
      "FORMAT_ISO8601(PARSE_TIMESTAMP_ISO8601('2024-03-04T05:06:07+01:00')) f, "
      "DATE_TRUNC('month', TIMESTAMP '2024-03-04T05:06:07Z') dt, DATE(TIMESTAMP "
      "'2024-03-04T23:00:00Z') d, "
      "EXTRACT(YEAR FROM TIMESTAMP '2024-03-04T05:06:07Z') y, EXTRACT(HOUR FROM TIMESTAMP "
      "'2024-03-04T05:06:07Z') h",
      "{\"m\":1500,\"t\":\"1970-01-02T00:00:00.000000Z\",\"f\":\"2024-03-04T04:06:07.000000Z\","
      "\"dt\":\"2024-03-01T00:00:00.000000Z\",\"d\":{\"__rockset_type\":\"date\",\"value\":\"2024-"
      "03-04\"},"
      "\"y\":2024,\"h\":5}");
    Q("timestamp comparison", "SELECT TIMESTAMP '2024-01-01' < TIMESTAMP '2024-01-02' AS lt",
      "{\"lt\":true}");
    Q("CURRENT_TIMESTAMP type",
      "SELECT TYPEOF(CURRENT_TIMESTAMP()) a, TYPEOF(CURRENT_DATE) b, TYPEOF(NOW()) c",
      "{\"a\":\"timestamp\",\"b\":\"date\",\"c\":\"timestamp\"}");
    Q("ARRAY_AGG",
      "SELECT city, ARRAY_AGG(name) AS names FROM people WHERE city IS NOT NULL GROUP BY city "
      "ORDER BY city",
      "{\"city\":\"Oslo\",\"names\":[\"Ann\",\"Cid\"]}\n{\"city\":\"Rome\",\"names\":[\"Bob\"]}");
}

static void test_where(void) {
    Q("IS NULL covers null and missing", "SELECT _id FROM people WHERE score IS NULL ORDER BY _id",
      "{\"_id\":\"1\"}\n{\"_id\":\"2\"}");
    Q("IS NOT NULL", "SELECT _id FROM people WHERE city IS NOT NULL ORDER BY _id",
      "{\"_id\":\"1\"}\n{\"_id\":\"2\"}\n{\"_id\":\"3\"}");
    Q("null comparison unknown", "SELECT _id FROM people WHERE NOT (age = 30) ORDER BY _id",
      "{\"_id\":\"2\"}\n{\"_id\":\"3\"}");
    Q("bool field as condition", "SELECT _id FROM people WHERE active ORDER BY _id",
      "{\"_id\":\"1\"}\n{\"_id\":\"3\"}");
    Q("NOT bool field", "SELECT _id FROM people WHERE NOT active", "{\"_id\":\"2\"}");
    Q("bool equals literal", "SELECT _id FROM people WHERE active = false", "{\"_id\":\"2\"}");
    Q("IN list", "SELECT _id FROM people WHERE age IN (17, 45) ORDER BY _id",
      "{\"_id\":\"2\"}\n{\"_id\":\"3\"}");
    Q("NOT IN list", "SELECT _id FROM people WHERE age NOT IN (17, 45) ORDER BY _id",
      "{\"_id\":\"1\"}");
    Q("BETWEEN", "SELECT _id FROM people WHERE age BETWEEN 17 AND 30 ORDER BY _id",
      "{\"_id\":\"1\"}\n{\"_id\":\"2\"}");
    Q("NOT BETWEEN", "SELECT _id FROM people WHERE age NOT BETWEEN 17 AND 30", "{\"_id\":\"3\"}");
    Q("AND OR precedence",
      "SELECT _id FROM people WHERE city = 'Rome' OR city = 'Oslo' AND age > 40 ORDER BY _id",
      "{\"_id\":\"2\"}\n{\"_id\":\"3\"}");
    Q("<> and !=", "SELECT COUNT(*) AS n FROM people WHERE city <> 'Oslo' AND city != 'Paris'",
      "{\"n\":1}");
    Q("nested path condition", "SELECT _id FROM people WHERE addr.geo.lat > 50", "{\"_id\":\"1\"}");
    Q("int equals float", "SELECT _id FROM people WHERE score = 2.0", "{\"_id\":\"4\"}");
    Q("non-bool condition is error", "SELECT _id FROM people WHERE name",
      "STEP: a condition must be a bool, got string");
    Q("comments", "SELECT /* c */ _id -- trailing\nFROM people WHERE _id = '1';",
      "{\"_id\":\"1\"}");
}

static void test_subqueries(void) {
    Q("IN subquery",
      "SELECT name FROM people WHERE _id IN (SELECT pid FROM shop.orders) ORDER BY name",
      "{\"name\":\"Ann\"}\n{\"name\":\"Cid\"}");
    Q("NOT IN subquery",
      "SELECT name FROM people WHERE _id NOT IN (SELECT pid FROM shop.orders) ORDER BY name",
      "{\"name\":\"Bob\"}\n{\"name\":\"Dee\"}");
    Q("scalar subquery", "SELECT (SELECT MAX(amount) FROM shop.orders) AS m", "{\"m\":25}");
    Q("correlated scalar subquery",
      "SELECT name, (SELECT SUM(o.amount) FROM shop.orders o WHERE o.pid = p._id) AS total FROM "
      "people p ORDER BY name",
      "{\"name\":\"Ann\",\"total\":35}\n{\"name\":\"Bob\",\"total\":null}\n{\"name\":\"Cid\","
      "\"total\":7}\n"
      "{\"name\":\"Dee\",\"total\":null}");
    Q("EXISTS",
      "SELECT name FROM people p WHERE EXISTS (SELECT 1 FROM shop.orders o WHERE o.pid = p._id) "
      "ORDER BY name",
      "{\"name\":\"Ann\"}\n{\"name\":\"Cid\"}");
    Q("NOT EXISTS",
      "SELECT name FROM people p WHERE NOT EXISTS (SELECT * FROM shop.orders o WHERE o.pid = "
      "p._id) ORDER BY name",
      "{\"name\":\"Bob\"}\n{\"name\":\"Dee\"}");
    Q("subquery in FROM",
      "SELECT s.n FROM (SELECT name AS n, age FROM people WHERE age > 20) s ORDER BY s.age DESC",
      "{\"n\":\"Cid\"}\n{\"n\":\"Ann\"}");
    Q("subquery keeps types",
      "SELECT a, t FROM (SELECT active AS a, tags AS t FROM people WHERE _id = '1') x",
      "{\"a\":true,\"t\":[\"a\",\"b\"]}");
    Q("subquery keeps missing vs null",
      "SELECT x.s, x.c FROM (SELECT score AS s, city AS c FROM people WHERE _id='4' OR _id='1') x "
      "ORDER BY x.s",
      "{\"c\":\"Oslo\"}\n{\"s\":2,\"c\":null}");
    Q("subquery star",
      "SELECT * FROM (SELECT _id, amount FROM shop.orders WHERE amount > 9) t ORDER BY amount",
      "{\"_id\":\"o1\",\"amount\":10}\n{\"_id\":\"o2\",\"amount\":25}");
    Q("scalar subquery many rows is error", "SELECT (SELECT name FROM people) AS n",
      "STEP: a scalar subquery returned more than one row");
    Q("scalar subquery no rows is null", "SELECT (SELECT name FROM people WHERE _id = 'zz') AS n",
      "{\"n\":null}");
    Q("scalar subquery bool", "SELECT (SELECT active FROM people WHERE _id = '2') AS b",
      "{\"b\":false}");
    Q("scalar subquery with timestamp", "SELECT (SELECT TIMESTAMP '2024-01-01' AS t) AS v",
      "{\"v\":\"2024-01-01T00:00:00.000000Z\"}");
    Q("IN subquery of compound",
      "SELECT name FROM people WHERE _id IN (SELECT '1' UNION SELECT '2') ORDER BY name",
      "{\"name\":\"Ann\"}\n{\"name\":\"Bob\"}");
}

static void test_joins(void) {
    Q("inner join",
      "SELECT p.name, o.amount FROM people p JOIN shop.orders o ON o.pid = p._id ORDER BY o.amount",
      "{\"name\":\"Cid\",\"amount\":7}\n{\"name\":\"Ann\",\"amount\":10}\n{\"name\":\"Ann\","
      "\"amount\":25}");
    Q("INNER JOIN keyword",
      "SELECT COUNT(*) AS n FROM people p INNER JOIN shop.orders o ON o.pid = p._id", "{\"n\":3}");
    Q("left join",
      "SELECT p.name, o.item FROM people p LEFT JOIN shop.orders o ON o.pid = p._id AND o.item = "
      "'pen' ORDER BY p.name",
      "{\"name\":\"Ann\",\"item\":\"pen\"}\n{\"name\":\"Bob\"}\n{\"name\":\"Cid\",\"item\":\"pen\"}"
      "\n{\"name\":\"Dee\"}");
    Q("left outer join",
      "SELECT COUNT(*) AS n FROM people p LEFT OUTER JOIN shop.orders o ON o.pid = p._id",
      "{\"n\":5}");
    Q("right join",
      "SELECT o._id, p.name FROM people p RIGHT JOIN shop.orders o ON o.pid = p._id ORDER BY o._id",
      "{\"_id\":\"o1\",\"name\":\"Ann\"}\n{\"_id\":\"o2\",\"name\":\"Ann\"}\n{\"_id\":\"o3\","
      "\"name\":\"Cid\"}\n{\"_id\":\"o4\"}");
    Q("full join",
      "SELECT COUNT(*) AS n FROM people p FULL OUTER JOIN shop.orders o ON o.pid = p._id",
      "{\"n\":6}");
    Q("cross join", "SELECT COUNT(*) AS n FROM people CROSS JOIN shop.orders", "{\"n\":16}");
    Q("comma join", "SELECT COUNT(*) AS n FROM people p, shop.orders o WHERE o.pid = p._id",
      "{\"n\":3}");
    Q("join USING",
      "SELECT a.name, b.age FROM people a JOIN people b USING (city) WHERE a._id = '1' ORDER BY "
      "b._id",
      "{\"name\":\"Ann\",\"age\":30}\n{\"name\":\"Ann\",\"age\":45}");
    Q("USING field unqualified",
      "SELECT city FROM people a JOIN people b USING (city) WHERE a._id = '2'",
      "{\"city\":\"Rome\"}");
    Q("select star join merges",
      "SELECT * FROM shop.orders o JOIN people p ON o.pid = p._id WHERE o._id = 'o3'",
      "{\"_id\":\"3\",\"pid\":\"3\",\"amount\":7,\"item\":\"pen\",\"name\":\"Cid\",\"age\":45,"
      "\"active\":true,\"city\":\"Oslo\",\"tags\":[\"c\"],\"score\":1.5}");
    Q("alias star",
      "SELECT o.* FROM shop.orders o JOIN people p ON o.pid = p._id WHERE o._id = 'o3'",
      "{\"_id\":\"o3\",\"pid\":\"3\",\"amount\":7,\"item\":\"pen\"}");
    Q("ambiguous field is error", "SELECT name FROM people p JOIN shop.orders o ON o.pid = p._id",
      "ERR EINVAL: field 'name' is ambiguous: qualify it with a relation alias (e.g. alias.name) "
      "(line 1, column 8) [1:8]");
    Q("self join needs aliases", "SELECT 1 FROM people JOIN people ON 1 = 1",
      "ERR EINVAL: relation name 'people' is used twice in FROM; give one an alias (line 1, column "
      "27) [1:27]");
}

static void test_grouping(void) {
    Q("group by field", "SELECT city, COUNT(*) AS n FROM people GROUP BY city ORDER BY city",
      "{\"city\":null,\"n\":1}\n{\"city\":\"Oslo\",\"n\":2}\n{\"city\":\"Rome\",\"n\":1}");
    Q("group by ordinal", "SELECT city, COUNT(*) AS n FROM people GROUP BY 1 ORDER BY 2 DESC, 1",
      "{\"city\":\"Oslo\",\"n\":2}\n{\"city\":null,\"n\":1}\n{\"city\":\"Rome\",\"n\":1}");
    Q("group by alias",
      "SELECT UPPER(city) AS c, SUM(age) AS s FROM people WHERE city IS NOT NULL GROUP BY c ORDER "
      "BY c",
      "{\"c\":\"OSLO\",\"s\":75}\n{\"c\":\"ROME\",\"s\":17}");
    Q("group by expression",
      "SELECT age > 20 AS adult, COUNT(*) AS n FROM people WHERE age IS NOT NULL GROUP BY age > 20 "
      "ORDER BY 1",
      "{\"adult\":false,\"n\":1}\n{\"adult\":true,\"n\":2}");
    Q("having", "SELECT city, COUNT(*) AS n FROM people GROUP BY city HAVING COUNT(*) > 1",
      "{\"city\":\"Oslo\",\"n\":2}");
    Q("having alias",
      "SELECT city, COUNT(*) AS n FROM people GROUP BY city HAVING n = 1 ORDER BY city",
      "{\"city\":null,\"n\":1}\n{\"city\":\"Rome\",\"n\":1}");
    Q("aggregates",
      "SELECT COUNT(score) c, COUNT(DISTINCT city) d, SUM(age) s, AVG(age) a, MIN(name) mi, "
      "MAX(age) ma FROM people",
      "{\"c\":2,\"d\":2,\"s\":92,\"a\":30.666666666666668,\"mi\":\"Ann\",\"ma\":45}");
    Q("SUM of strings is error", "SELECT SUM(name) FROM people",
      "STEP: SUM: argument must be a number, got string");
    Q("AVG of ints", "SELECT AVG(amount) AS a FROM shop.orders", "{\"a\":10.75}");
    Q("aggregate of empty", "SELECT COUNT(*) c, SUM(x) s FROM empty", "{\"c\":0,\"s\":null}");
    Q("distinct", "SELECT DISTINCT city FROM people WHERE city IS NOT NULL ORDER BY city",
      "{\"city\":\"Oslo\"}\n{\"city\":\"Rome\"}");
    Q("nested aggregate is error", "SELECT SUM(COUNT(*)) FROM people",
      "ERR EINVAL: aggregate function 'COUNT' cannot be nested inside another aggregate (line 1, "
      "column 12) [1:12]");
}

static void test_order_limit(void) {
    Q("order nulls first asc", "SELECT _id FROM people ORDER BY score, _id",
      "{\"_id\":\"1\"}\n{\"_id\":\"2\"}\n{\"_id\":\"3\"}\n{\"_id\":\"4\"}");
    Q("order desc nulls last", "SELECT _id FROM people ORDER BY age DESC",
      "{\"_id\":\"3\"}\n{\"_id\":\"1\"}\n{\"_id\":\"2\"}\n{\"_id\":\"4\"}");
    Q("NULLS LAST asc", "SELECT _id FROM people ORDER BY age NULLS LAST",
      "{\"_id\":\"2\"}\n{\"_id\":\"1\"}\n{\"_id\":\"3\"}\n{\"_id\":\"4\"}");
    Q("NULLS FIRST desc", "SELECT _id FROM people ORDER BY age DESC NULLS FIRST LIMIT 2",
      "{\"_id\":\"4\"}\n{\"_id\":\"3\"}");
    Q("order by alias", "SELECT name AS n FROM people ORDER BY n DESC LIMIT 1", "{\"n\":\"Dee\"}");
    Q("mixed types order",
      "SELECT v FROM (SELECT 'a' AS v UNION ALL SELECT 2 UNION ALL SELECT 1.5 UNION ALL SELECT "
      "NULL) t ORDER BY v",
      "{\"v\":null}\n{\"v\":1.5}\n{\"v\":2}\n{\"v\":\"a\"}");
    Q("limit offset", "SELECT _id FROM people ORDER BY _id LIMIT 2 OFFSET 1",
      "{\"_id\":\"2\"}\n{\"_id\":\"3\"}");
    Q("offset only", "SELECT _id FROM people ORDER BY _id OFFSET 3", "{\"_id\":\"4\"}");
    CHECK_STR("default_row_limit applies", run_opts("SELECT _id FROM people ORDER BY _id", NULL, 2),
              "{\"_id\":\"1\"}\n{\"_id\":\"2\"}");
    CHECK_INT("has_limit false", last.has_limit, 0);
    CHECK_STR("own LIMIT beats default",
              run_opts("SELECT _id FROM people ORDER BY _id LIMIT 3", NULL, 1),
              "{\"_id\":\"1\"}\n{\"_id\":\"2\"}\n{\"_id\":\"3\"}");
    CHECK_INT("has_limit true", last.has_limit, 1);
    param lim[] = {{"n", "int", "1"}, {NULL, NULL, NULL}};
    CHECK_STR("LIMIT :param", run_opts("SELECT _id FROM people ORDER BY _id LIMIT :n", lim, 0),
              "{\"_id\":\"1\"}");
}

static void test_set_ops_cte_views(void) {
    Q("UNION dedups", "SELECT city FROM people WHERE city = 'Oslo' UNION SELECT 'Oslo' AS city",
      "{\"city\":\"Oslo\"}");
    Q("UNION ALL with order limit",
      "SELECT item FROM shop.orders UNION ALL SELECT name AS item FROM people ORDER BY item DESC "
      "LIMIT 3",
      "{\"item\":\"pen\"}\n{\"item\":\"pen\"}\n{\"item\":\"ink\"}");
    Q("UNION order by ordinal", "SELECT 2 AS k UNION SELECT 1 ORDER BY 1", "{\"k\":1}\n{\"k\":2}");
    Q("INTERSECT",
      "SELECT pid AS id FROM shop.orders INTERSECT SELECT _id AS id FROM people ORDER BY id",
      "{\"id\":\"1\"}\n{\"id\":\"3\"}");
    Q("EXCEPT", "SELECT _id AS id FROM people EXCEPT SELECT pid AS id FROM shop.orders ORDER BY id",
      "{\"id\":\"2\"}\n{\"id\":\"4\"}");
    Q("parenthesised operands", "(SELECT 1 AS a ORDER BY a LIMIT 1) UNION ALL (SELECT 2 AS a)",
      "{\"a\":1}\n{\"a\":2}");
    Q("CTE",
      "WITH big AS (SELECT pid, amount FROM shop.orders WHERE amount > 5) SELECT p.name, b.amount "
      "FROM big b JOIN people p ON p._id = b.pid ORDER BY b.amount",
      "{\"name\":\"Cid\",\"amount\":7}\n{\"name\":\"Ann\",\"amount\":10}\n{\"name\":\"Ann\","
      "\"amount\":25}");
    Q("chained CTEs",
      "WITH a AS (SELECT age FROM people WHERE age IS NOT NULL), b AS (SELECT age * 2 AS d FROM a) "
      "SELECT SUM(d) AS s FROM b",
      "{\"s\":184}");
    Q("CTE shadows collection", "WITH people AS (SELECT 'z' AS name) SELECT name FROM people",
      "{\"name\":\"z\"}");
    Q("view", "SELECT name FROM adults ORDER BY age", "{\"name\":\"Ann\"}\n{\"name\":\"Cid\"}");
    CHECK_STR("view collections", last.n_collections == 1 ? last.collections[0] : "?",
              "commons.people");
    Q("view of view", "SELECT COUNT(*) AS n FROM oslo_adults", "{\"n\":2}");
    Q("alias", "SELECT COUNT(*) AS n FROM ppl", "{\"n\":4}");
    CHECK_STR("alias recorded", last.n_aliases == 1 ? last.aliases[0] : "?", "commons.ppl");
    CHECK_STR("alias resolves to collection", last.n_collections == 1 ? last.collections[0] : "?",
              "commons.people");
    Q("view cycle is error", "SELECT * FROM loop",
      "ERR EINVAL: view 'commons.loop' nests views more than 16 deep (a cycle?) (line 1, column "
      "15) [1:15]");
    Q("broken view is error", "SELECT * FROM badview",
      "ERR EINVAL: view 'commons.badview': syntax error: expected an expression, found 'FROM' "
      "(line 1, column 8) [1:8]");
}

/* VDBE instructions SQLite made of the last translation (EXPLAIN's rows), -1 on error. */
static int program_size(void) {
    sqlite3_stmt *st = NULL;
    char *sql = sqlite3_mprintf("EXPLAIN %s", last.sqlite_sql ? last.sqlite_sql : "");
    int n = 0;
    if (sql == NULL || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        n = -1;
    while (n >= 0 && sqlite3_step(st) == SQLITE_ROW)
        n++;
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return n;
}

/* Whether the text of the first WITH query of the last translation holds needle: 1, 0, or -1
 * when it has none. */
static int first_cte_has(const char *needle) {
    const char *sql = last.sqlite_sql, *start = sql ? strstr(sql, "cte0 AS (") : NULL;
    const char *end = start ? strstr(start, "OFFSET 0) SELECT ") : NULL;
    if (end == NULL)
        return -1;
    const char *at = strstr(start, needle);
    return at != NULL && at < end;
}

/* A chain of WITH queries, each reading its predecessor's fields three times: a derived
 * relation is fenced (LIMIT -1 OFFSET 0), so SQLite makes each row once; flattened, every
 * rs_get of a row would carry the whole row expression of the level below, and the program
 * (and its work per row) would grow as 3^levels. */
static void test_derived_fenced(void) {
    Q("WITH chain: rows",
      "WITH a AS (SELECT _id, name, age FROM people WHERE age IS NOT NULL),"
      " b AS (SELECT _id, CONCAT(name, '-', name, '-', name) AS n, age + age + age AS g FROM a),"
      " c AS (SELECT _id, CONCAT(n, '|', n, '|', n) AS n, g + g + g AS g FROM b),"
      " d AS (SELECT _id, CONCAT(n, n, n) AS n, g + g + g AS g FROM c),"
      " e AS (SELECT _id, LENGTH(n) AS l, g + g + g AS g, n FROM d)"
      " SELECT _id, l, g, SUBSTR(n, 1, 11) AS head FROM e WHERE l > 0 ORDER BY _id",
      "{\"_id\":\"1\",\"l\":105,\"g\":2430,\"head\":\"Ann-Ann-Ann\"}\n"
      "{\"_id\":\"2\",\"l\":105,\"g\":1377,\"head\":\"Bob-Bob-Bob\"}\n"
      "{\"_id\":\"3\",\"l\":105,\"g\":3645,\"head\":\"Cid-Cid-Cid\"}");
    int n = program_size();
    if (n <= 0 || n >= 1500)
        printf("  the chain's program: %d instructions\n", n);
    CHECK("WITH chain: the program stays small", n > 0 && n < 1500);
    CHECK("WITH chain: each WITH query fenced",
          last.sqlite_sql != NULL && strstr(last.sqlite_sql, "cte4 AS (SELECT doc FROM (") &&
              strstr(last.sqlite_sql, "LIMIT -1 OFFSET 0"));
    /* an ORDER BY without LIMIT inside a WITH query is left out where only an aggregate reads
     * its rows; kept where the rows are passed on, or an order-sensitive aggregate reads them */
    Q("unread order: rows",
      "WITH o AS (SELECT pid, amount FROM shop.orders ORDER BY amount DESC) SELECT pid,"
      " SUM(amount) AS s FROM o GROUP BY pid ORDER BY pid",
      "{\"pid\":\"1\",\"s\":35}\n{\"pid\":\"3\",\"s\":7}\n{\"pid\":\"9\",\"s\":1}");
    CHECK("unread order: left out", first_cte_has("ORDER BY") == 0);
    Q("read order: passed on",
      "WITH o AS (SELECT item, amount FROM shop.orders ORDER BY amount DESC) SELECT item FROM o",
      "{\"item\":\"ink\"}\n{\"item\":\"pen\"}\n{\"item\":\"pen\"}\n{\"item\":\"cap\"}");
    Q("read order: ARRAY_AGG",
      "WITH o AS (SELECT item, amount FROM shop.orders ORDER BY amount) SELECT ARRAY_AGG(item)"
      " AS a FROM o",
      "{\"a\":[\"cap\",\"pen\",\"pen\",\"ink\"]}");
    CHECK("read order: kept for ARRAY_AGG", first_cte_has("ORDER BY") == 1);
    Q("subquery chain: rows",
      "SELECT x.k, x.k2 FROM (SELECT y.v AS k, y.v * 2 AS k2 FROM (SELECT age + 1 AS v FROM"
      " people) y WHERE y.v > 20) x ORDER BY x.k",
      "{\"k\":31,\"k2\":62}\n{\"k\":46,\"k2\":92}");
}

static void test_params(void) {
    param p1[] = {{"id", "string", "2"}, {NULL, NULL, NULL}};
    CHECK_STR("string param", run_opts("SELECT name FROM people WHERE _id = :id", p1, 0),
              "{\"name\":\"Bob\"}");
    CHECK_INT("param names", last.n_params, 1);
    CHECK_STR("param name", last.n_params ? last.param_names[0] : "", "id");
    param p2[] = {{"a", "int", "9007199254740993"}, {NULL, NULL, NULL}};
    CHECK_STR("int param exact", run_opts("SELECT :a AS v, :a + 0 AS w", p2, 0),
              "{\"v\":9007199254740993,\"w\":9007199254740993}");
    param p3[] = {
        {"f", "float", "2.5"}, {"b", "bool", "true"}, {"n", "null", ""}, {NULL, NULL, NULL}};
    CHECK_STR("float bool null params", run_opts("SELECT :f AS f, :b AS b, :n AS n", p3, 0),
              "{\"f\":2.5,\"b\":true,\"n\":null}");
    CHECK_STR("bool param in WHERE",
              run_opts("SELECT _id FROM people WHERE active = :b ORDER BY _id", p3, 0),
              "{\"_id\":\"1\"}\n{\"_id\":\"3\"}");
    param p4[] = {{"d", "date", "2024-3-9"},
                  {"t", "timestamp", "2024-01-01T10:00:00+02:00"},
                  {"dt", "datetime", "2024-01-01 10:00:00"},
                  {"tm", "time", "9:30:45.5"},
                  {NULL, NULL, NULL}};
    CHECK_STR("date/time params", run_opts("SELECT :d d, :t t, :dt dt, :tm tm", p4, 0),
              "{\"d\":{\"__rockset_type\":\"date\",\"value\":\"2024-03-09\"},"
              "\"t\":\"2024-01-01T08:00:00.000000Z\","
              "\"dt\":{\"__rockset_type\":\"datetime\",\"value\":\"2024-01-01T10:00:00.000000\"},"
              "\"tm\":{\"__rockset_type\":\"time\",\"value\":\"09:30:45.500000\"}}");
    param p5[] = {{"j", "", "{\"k\":[1,2]}"},
                  {"s", "", "\"x\""},
                  {"i", "", "12"},
                  {"x", "", "1.5"},
                  {"e", "", "{\"__rockset_type\":\"DATE\",\"value\":\"2024-01-05\"}"},
                  {NULL, NULL, NULL}};
    CHECK_STR("untyped params parse JSON", run_opts("SELECT :j j, :s s, :i i, :x x, :e e", p5, 0),
              "{\"j\":{\"k\":[1,2]},\"s\":\"x\",\"i\":12,\"x\":1.5,"
              "\"e\":{\"__rockset_type\":\"date\",\"value\":\"2024-01-05\"}}");
    param bad1[] = {{"d", "date", "2024-13-01"}, {NULL, NULL, NULL}};
    CHECK_STR("bad date param", run_opts("SELECT :d", bad1, 0),
              "BIND EINVAL: parameter 'd': '2024-13-01' is not a valid date");
    param bad2[] = {{"n", "int", "12x"}, {NULL, NULL, NULL}};
    CHECK_STR("bad int param", run_opts("SELECT :n", bad2, 0),
              "BIND EINVAL: parameter 'n': '12x' is not a valid int");
    param bad3[] = {{"b", "bool", "yes"}, {NULL, NULL, NULL}};
    CHECK_STR("bad bool param", run_opts("SELECT :b", bad3, 0),
              "BIND EINVAL: parameter 'b': 'yes' is not a valid bool");
    param bad4[] = {{"t", "timestamp", "yesterday"}, {NULL, NULL, NULL}};
    CHECK_STR("bad timestamp param", run_opts("SELECT :t", bad4, 0),
              "BIND EINVAL: parameter 't': 'yesterday' is not a valid timestamp");
    param bad5[] = {{"j", "", "{bad"}, {NULL, NULL, NULL}};
    CHECK_STR("bad JSON param", run_opts("SELECT :j", bad5, 0),
              "BIND EINVAL: parameter 'j': '{bad' is not valid JSON");
    param bad6[] = {{"q", "weird", "1"}, {NULL, NULL, NULL}};
    CHECK_STR("unknown param type", run_opts("SELECT :q", bad6, 0),
              "BIND EINVAL: parameter 'q': unknown type 'weird'");
    run("SELECT :b, :a, :b FROM people p JOIN shop.orders o ON o.pid = :z WHERE p._id = :c");
    CHECK_INT("distinct param names", last.n_params, 4);
    CHECK_STR("param order 2", last.n_params == 4 ? last.param_names[1] : "", "a");
    CHECK_STR("param order 3 (textual, ON before WHERE)",
              last.n_params == 4 ? last.param_names[2] : "", "z");
}

static void test_metadata(void) {
    sqlx_stmt st;
    rs_err err;
    memset(&st, 0, sizeof st);
    int rc = sqlx_translate("SELECT p.name, COUNT(*), 1 + 1 FROM people p JOIN shop.orders o ON "
                            "o.pid = p._id GROUP BY p.name",
                            NULL, resolve, NULL, &st, &err);
    CHECK_INT("translate ok", rc, 0);
    CHECK_INT("kind select", st.kind, SQLX_SELECT);
    CHECK_INT("n_columns", st.n_columns, 3);
    CHECK_STR("column 0", st.n_columns == 3 ? st.column_names[0] : "", "name");
    CHECK_STR("column 1", st.n_columns == 3 ? st.column_names[1] : "", "?COUNT");
    CHECK_STR("column 2", st.n_columns == 3 ? st.column_names[2] : "", "?field2");
    CHECK_INT("two collections", st.n_collections, 2);
    CHECK_STR("collection 1", st.n_collections == 2 ? st.collections[1] : "", "shop.orders");
    sqlx_stmt_free(&st);
    rc = sqlx_translate("SELECT * FROM people", NULL, resolve, NULL, &st, &err);
    CHECK("star: no column names", rc == 0 && st.column_names == NULL && st.n_columns == 0);
    sqlx_stmt_free(&st);
    rc = sqlx_translate("DESCRIBE ppl", NULL, resolve, NULL, &st, &err);
    CHECK_INT("describe kind", st.kind, SQLX_DESCRIBE);
    CHECK("describe no sql", rc == 0 && st.sqlite_sql == NULL);
    CHECK_STR("describe ws", st.target_ws, "commons");
    CHECK_STR("describe name (alias followed)", st.target_name, "people");
    CHECK_STR("describe table", st.target_table, "t_people");
    sqlx_stmt_free(&st);
    rc = sqlx_translate("DESCRIBE \"shop\".\"orders\"", NULL, resolve, NULL, &st, &err);
    CHECK_STR("describe quoted", rc == 0 ? st.target_name : err.msg, "orders");
    sqlx_stmt_free(&st);
    rc = sqlx_translate(
        "INSERT INTO shop.orders SELECT _id, name AS item FROM people WHERE _id = '1'", NULL,
        resolve, NULL, &st, &err);
    CHECK_INT("insert kind", rc == 0 ? (int)st.kind : -1, SQLX_INSERT);
    CHECK_STR("insert table", st.target_table, "t_orders");
    CHECK_INT("insert reads + writes", st.n_collections, 2);
    sqlx_stmt_free(&st);
    CHECK_STR("insert docs",
              run("INSERT INTO shop.orders SELECT _id, TIMESTAMP '2024-01-01' AS ts FROM people "
                  "WHERE _id = '1'"),
              "{\"_id\":\"1\",\"ts\":{\"__rockset_type\":\"timestamp\",\"value\":\"2024-01-01T00:"
              "00:00.000000Z\"}}");
    CHECK_STR("insert into view is error", run("INSERT INTO adults SELECT 1"),
              "ERR EINVAL: INSERT INTO needs a collection, but 'commons.adults' is a view (line 1, "
              "column 13) [1:13]");
    CHECK_STR("unknown collection", run("SELECT * FROM nope"),
              "ERR ENOTFOUND: Collection 'nope' not found in workspace 'commons' [1:15]");
    CHECK_STR("describe unknown", run("DESCRIBE ws9.nope"),
              "ERR ENOTFOUND: Collection 'nope' not found in workspace 'ws9' [1:10]");
}

#define ZEROS40  "0000000000000000000000000000000000000000"
#define ZEROS400 ZEROS40 ZEROS40 ZEROS40 ZEROS40 ZEROS40 ZEROS40 ZEROS40 ZEROS40 ZEROS40 ZEROS40

static void test_errors(void) {
    Q("window function", "SELECT COUNT(*) OVER (PARTITION BY city) AS n FROM people ORDER BY n",
      "{\"n\":1}\n{\"n\":1}\n{\"n\":2}\n{\"n\":2}");
    Q("window function in WHERE",
      "SELECT name FROM people WHERE ROW_NUMBER() OVER (ORDER BY name) = 1",
      "ERR EINVAL: window function 'ROW_NUMBER' is not allowed in WHERE (line 1, column 31) "
      "[1:31]");
    Q("window function without OVER", "SELECT RANK() FROM people",
      "ERR EINVAL: window function 'RANK' requires an OVER clause (line 1, column 8) [1:8]");
    Q("unknown function", "SELECT foo(1)",
      "ERR EINVAL: unknown function 'FOO' (line 1, column 8) [1:8]");
    Q("wrong arity", "SELECT LOWER('a', 'b')",
      "ERR EINVAL: function 'LOWER' takes 1 argument, got 2 (line 1, column 8) [1:8]");
    Q("arity range", "SELECT ROUND()",
      "ERR EINVAL: function 'ROUND' takes 1 to 2 arguments, got 0 (line 1, column 8) [1:8]");
    Q("syntax error position", "SELECT name\nFROM people\nWHERE age >",
      "ERR EINVAL: syntax error: expected an expression, found end of input (line 3, column 12) "
      "[3:12]");
    Q("missing FROM target", "SELECT * FROM",
      "ERR EINVAL: syntax error: expected a collection name, found end of input (line 1, column "
      "14) [1:14]");
    Q("trailing garbage", "SELECT 1 2",
      "ERR EINVAL: syntax error: expected end of statement, found '2' (line 1, column 10) [1:10]");
    Q("unterminated string", "SELECT 'abc",
      "ERR EINVAL: syntax error: unterminated string literal (line 1, column 8) [1:8]");
    Q("bad character", "SELECT 1 # 2",
      "ERR EINVAL: syntax error: unexpected character '#' (line 1, column 10) [1:10]");
    Q("LIMIT field", "SELECT name FROM people LIMIT age",
      "ERR EINVAL: LIMIT must be a non-negative integer or a :parameter (line 1, column 31) "
      "[1:31]");
    Q("OFFSET field", "SELECT name FROM people LIMIT 1 OFFSET age + 1",
      "ERR EINVAL: OFFSET must be a non-negative integer or a :parameter (line 1, column 40) "
      "[1:40]");
    Q("LIMIT negative", "SELECT name FROM people LIMIT -1",
      "ERR EINVAL: LIMIT must be a non-negative integer or a :parameter (line 1, column 31) "
      "[1:31]");
    Q("float out of range", "SELECT 1e400",
      "ERR EINVAL: number 1e400 is out of range (line 1, column 8) [1:8]");
    Q("huge integer out of range", "SELECT 1" ZEROS400,
      "ERR EINVAL: number 1000000000000000000000000000000000000000... is out of range (line 1, "
      "column 8) [1:8]");
    Q("big integer within double range", "SELECT 100000000000000000000 AS n", "{\"n\":1e+20}");
    Q("UNNEST",
      "SELECT p.name, u.unnest AS t FROM people p, UNNEST(p.tags) u WHERE p._id = '1' "
      "ORDER BY t",
      "{\"name\":\"Ann\",\"t\":\"a\"}\n{\"name\":\"Ann\",\"t\":\"b\"}");
    Q("UNNEST of an object", "SELECT u.x FROM people p, UNNEST(p.addr AS x) u",
      "STEP: UNNEST: argument must be an array, got object");
    /* the paths a block reads of the unnested rows are the call's columns */
    Q("UNNEST paths read by the call",
      "SELECT u.t AS t, COUNT(*) AS n FROM people p, UNNEST(p.tags AS t) u WHERE u.t <> 'b' "
      "GROUP BY u.t ORDER BY t",
      "{\"t\":\"a\",\"n\":1}\n{\"t\":\"c\",\"n\":1}");
    CHECK("UNNEST paths read by the call: SQL",
          strstr(last.sqlite_sql, ",'[[\"t\"]]',") != NULL &&
              strstr(last.sqlite_sql, ".v0") != NULL &&
              strstr(last.sqlite_sql, "rs_get(r1.doc") == NULL);
    /* a path only a correlated subquery reads of the outer UNNEST stays rs_get (the outer call
     * was printed first); the subquery's own UNNEST has its own list */
    Q("UNNEST paths in a correlated subquery",
      "SELECT p.name AS name, (SELECT COUNT(*) FROM people q, UNNEST(q.tags AS s) w "
      "WHERE w.s = u.t) AS c FROM people p, UNNEST(p.tags AS t) u WHERE p._id = '1'",
      "{\"name\":\"Ann\",\"c\":1}\n{\"name\":\"Ann\",\"c\":1}");
    CHECK("UNNEST paths in a correlated subquery: SQL",
          strstr(last.sqlite_sql, ",'[[\"s\"]]',") != NULL &&
              strstr(last.sqlite_sql, "rs_get(r1.doc,'t')") != NULL);
    /* a subscript that is not a literal stays rs_get */
    Q("UNNEST path with a computed subscript",
      "SELECT u.x[p.age - 28] AS last FROM people p, UNNEST(ARRAY[p.tags] AS x) u "
      "WHERE p._id = '1'",
      "{\"last\":\"b\"}");
    CHECK("UNNEST path with a computed subscript: SQL",
          strstr(last.sqlite_sql, "rs_get(r1.doc,'x',") != NULL &&
              strstr(last.sqlite_sql, ",0,'','x',") != NULL);
    Q("sorted ARRAY_AGG", "SELECT ARRAY_AGG(name ORDER BY age DESC LIMIT 2) AS a FROM people",
      "{\"a\":[\"Cid\",\"Ann\"]}");
    Q("INTERVAL", "SELECT INTERVAL '1' DAY AS d",
      "{\"d\":{\"__rockset_type\":\"microsecond_interval\",\"value\":86400000000}}");
    Q("INTERVAL needs a unit", "SELECT INTERVAL 1",
      "ERR EINVAL: syntax error: expected an interval unit (MICROSECOND .. YEAR), found end of "
      "input (line 1, column 18) [1:18]");
    Q("UPDATE statement", "UPDATE people SET a = 1",
      "ERR EUNSUPPORTED: unsupported SQL: UPDATE statements are not supported by rockset-local "
      "(line 1, column 1) [1:1]");
    Q("empty statement", "",
      "ERR EINVAL: syntax error: expected SELECT, WITH, DESCRIBE or INSERT, found end of input "
      "(line 1, column 1) [1:1]");
    Q("star of a field no document has expands to nothing", "SELECT x.* FROM people",
      "{}\n{}\n{}\n{}");
    Q("star of an object field", "SELECT addr.* FROM people WHERE _id = '1'",
      "{\"zip\":\"0150\",\"geo\":{\"lat\":59.9}}");
    Q("star of a nested object with EXCEPT",
      "SELECT addr.geo.*, addr.* EXCEPT (geo) FROM people "
      "WHERE _id = '1'",
      "{\"lat\":59.9,\"zip\":\"0150\"}");
    Q("bad ordinal", "SELECT name FROM people ORDER BY 3",
      "ERR EINVAL: position 3 is not in the select list (line 1, column 34) [1:34]");
    Q("field without FROM", "SELECT x",
      "ERR EINVAL: field 'x' cannot be resolved: the query has no FROM clause (line 1, column 8) "
      "[1:8]");
    Q("bad date literal", "SELECT DATE '2024-02-30'",
      "ERR EINVAL: '2024-02-30' is not a valid DATE (line 1, column 8) [1:8]");
    Q("unsupported cast type", "SELECT CAST(1 AS vector)",
      "ERR EUNSUPPORTED: unsupported SQL: CAST to type 'vector' is not supported by "
      "rockset-local (line 1, column 8) [1:8]");
    Q("COUNT(*) only", "SELECT SUM(*) FROM people",
      "ERR EINVAL: SUM(*) is not valid; only COUNT(*) (line 1, column 8) [1:8]");
    Q("scalar subquery two fields", "SELECT (SELECT 1 AS a, 2 AS b)",
      "ERR EINVAL: a subquery used as a value must select exactly one field (line 1, column 9) "
      "[1:9]");
    Q("recursive CTE", "WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r",
      "ERR EUNSUPPORTED: unsupported SQL: WITH RECURSIVE is not supported by rockset-local (line "
      "1, column 6) [1:6]");
    Q("invalid UTF-8", "SELECT 'a',\n 'b\xff'",
      "ERR EINVAL: syntax error: the statement is not valid UTF-8 (line 2, column 4) [2:4]");
    Q("overlong UTF-8", "SELECT '\xc0\xaf'",
      "ERR EINVAL: syntax error: the statement is not valid UTF-8 (line 1, column 9) [1:9]");
    Q("valid 4-byte UTF-8", "SELECT '\xf0\x9f\x98\x80' AS e", "{\"e\":\"\xf0\x9f\x98\x80\"}");
    Q("lone surrogate escape", "SELECT JSON_PARSE('\"a\\ud800b\\ud83d\\ude00\"') AS s",
      "{\"s\":\"a\xef\xbf\xbd"
      "b\xf0\x9f\x98\x80\"}");
    Q("NATURAL JOIN", "SELECT 1 FROM people NATURAL JOIN shop.orders",
      "ERR EUNSUPPORTED: unsupported SQL: NATURAL JOIN is not supported by rockset-local (line 1, "
      "column 22) [1:22]");
    rs_err err;
    sqlx_stmt st;
    memset(&st, 0, sizeof st);
    sqlx_translate("SELEC 1", NULL, resolve, NULL, &st, &err);
    CHECK_STR("error type", err.type, "QUERY_ERROR");
    CHECK_INT("error line", err.line, 1);
    CHECK_INT("error column", err.column, 1);
}

static void test_describe(void) {
    rs_err err;
    sqlx_describe *d = sqlx_describe_new();
    CHECK("describe new", d != NULL);
    const char *docs[] = {
        "{\"_event_time\":\"2024-01-01T00:00:00.000000Z\",\"a\":1,\"b\":{\"c\":\"x\"},"
        "\"l\":[1,{\"z\":true}]}",
        "{\"a\":\"s\",\"b\":{\"c\":2.5},\"d\":null}",
        "{\"a\":2,\"b\":7,\"t\":{\"__rockset_type\":\"date\",\"value\":\"2024-01-01\"}}", NULL};
    for (int i = 0; docs[i]; i++)
        CHECK_INT("describe add", sqlx_describe_add(d, docs[i], &err), 0);
    char *rows = sqlx_describe_rows(d, &err);
    CHECK_STR("describe rows", rows,
              "[{\"field\":[\"_event_time\"],\"type\":\"timestamp\",\"occurrences\":1,\"total\":3},"
              "{\"field\":[\"a\"],\"type\":\"int\",\"occurrences\":2,\"total\":3},"
              "{\"field\":[\"a\"],\"type\":\"string\",\"occurrences\":1,\"total\":3},"
              "{\"field\":[\"b\"],\"type\":\"int\",\"occurrences\":1,\"total\":3},"
              "{\"field\":[\"b\"],\"type\":\"object\",\"occurrences\":2,\"total\":3},"
              "{\"field\":[\"b\",\"c\"],\"type\":\"float\",\"occurrences\":1,\"total\":2},"
              "{\"field\":[\"b\",\"c\"],\"type\":\"string\",\"occurrences\":1,\"total\":2},"
              "{\"field\":[\"d\"],\"type\":\"null\",\"occurrences\":1,\"total\":3},"
              "{\"field\":[\"l\"],\"type\":\"array\",\"occurrences\":1,\"total\":3},"
              "{\"field\":[\"l\",\"*\"],\"type\":\"int\",\"occurrences\":1,\"total\":1},"
              "{\"field\":[\"l\",\"*\"],\"type\":\"object\",\"occurrences\":1,\"total\":1},"
              "{\"field\":[\"l\",\"*\",\"z\"],\"type\":\"bool\",\"occurrences\":1,\"total\":1},"
              "{\"field\":[\"t\"],\"type\":\"date\",\"occurrences\":1,\"total\":3}]");
    free(rows);
    CHECK_INT("describe rejects non-object", sqlx_describe_add(d, "[1]", &err), RS_EPARSE);
    CHECK_INT("describe rejects bad JSON", sqlx_describe_add(d, "{\"a\":", &err), RS_EPARSE);
    sqlx_describe_free(d);
    d = sqlx_describe_new();
    rows = sqlx_describe_rows(d, &err);
    CHECK_STR("describe empty", rows, "[]");
    free(rows);
    sqlx_describe_free(d);
    sqlx_describe_free(NULL);
}

static void test_more(void) {
    Q("keywords case-insensitive", "select Name from PEOPLE where _ID = '1'",
      "ERR ENOTFOUND: Collection 'PEOPLE' not found in workspace 'commons' [1:18]");
    Q("field names case-sensitive", "sElEcT Name, name FrOm people WhErE _id = '1'",
      "{\"name\":\"Ann\"}");
    Q("dynamic array index", "SELECT tags[age - 29] AS t FROM people WHERE _id = '1'",
      "{\"t\":\"a\"}");
    Q("index then field", "SELECT l[2].z AS z FROM (SELECT JSON_PARSE('[1,{\"z\":true}]') AS l) t",
      "{\"z\":true}");
    Q("path through derived relation",
      "SELECT d.a.zip FROM (SELECT addr AS a FROM people WHERE _id = '1') d", "{\"zip\":\"0150\"}");
    Q("timestamp through CTE stays typed",
      "WITH c AS (SELECT TIMESTAMP '2024-05-06T07:08:09Z' AS ts) SELECT ts, TYPEOF(ts) AS t, "
      "UNIX_MILLIS(ts) AS m FROM c",
      "{\"ts\":\"2024-05-06T07:08:09.000000Z\",\"t\":\"timestamp\",\"m\":1714979289000}");
    Q("star over derived timestamp is plain",
      "SELECT * FROM (SELECT TIMESTAMP '2024-05-06' AS ts) t",
      "{\"ts\":\"2024-05-06T00:00:00.000000Z\"}");
    Q("escaped keys", "SELECT \"we\"\"ird\" AS k FROM (SELECT 1 AS \"we\"\"ird\") t", "{\"k\":1}");
    Q("string escapes", "SELECT 'it''s' AS s, 'a\"b' AS q", "{\"s\":\"it's\",\"q\":\"a\\\"b\"}");
    Q("order by bool", "SELECT _id FROM people WHERE active IS NOT NULL ORDER BY active, _id",
      "{\"_id\":\"2\"}\n{\"_id\":\"1\"}\n{\"_id\":\"3\"}");
    Q("COUNT DISTINCT with nulls", "SELECT COUNT(DISTINCT age) AS n FROM people", "{\"n\":3}");
    Q("join two views", "SELECT * FROM commons.oslo_adults o JOIN adults a ON o.name = a.name",
      "{\"name\":\"Ann\",\"age\":30}\n{\"name\":\"Cid\",\"age\":45}");
    Q("view body error names innermost view", "SELECT * FROM outer_ambig",
      "ERR EINVAL: view 'commons.ambig': field 'name' is ambiguous: qualify it with a relation "
      "alias (e.g. alias.name) (line 1, column 8) [1:8]");
    Q("_event_time is a timestamp",
      "SELECT _event_time, TYPEOF(_event_time) AS t FROM events WHERE _event_time > TIMESTAMP "
      "'2024-01-15' ",
      "{\"_event_time\":\"2024-02-01T00:00:00.000000Z\",\"t\":\"timestamp\"}");
    Q("_event_time normalised in output",
      "SELECT _event_time AS et, UNIX_MILLIS(_event_time) AS ms FROM events WHERE k = 1",
      "{\"et\":\"2024-01-01T00:00:00.500000Z\",\"ms\":1704067200500}");
    Q("select star keeps stored _event_time", "SELECT * FROM events WHERE k = 2",
      "{\"_id\":\"e2\",\"_event_time\":\"2024-02-01T00:00:00.000000Z\",\"k\":2}");
    Q("nested derived",
      "SELECT n FROM (SELECT n FROM (SELECT name AS n FROM people WHERE _id = '3') a) b",
      "{\"n\":\"Cid\"}");
    Q("float formatting", "SELECT 0.1 + 0.2 AS s, 1e3 AS e, 1.0 / 3 AS t",
      "{\"s\":0.30000000000000004,\"e\":1000.0,\"t\":0.3333333333333333}");
    Q("unary minus on field", "SELECT -age AS n FROM people WHERE _id = '1'", "{\"n\":-30}");
    Q("concat null is null", "SELECT CONCAT(name, city) AS c FROM people WHERE _id = '4'",
      "{\"c\":null}");
    Q("|| of null is null", "SELECT name || city AS c FROM people WHERE _id = '4'", "{\"c\":null}");
    Q("IN with null element", "SELECT COUNT(*) AS n FROM people WHERE city IN ('Rome', NULL)",
      "{\"n\":1}");
    Q("select bool field through group",
      "SELECT active, COUNT(*) AS n FROM people GROUP BY active ORDER BY n DESC, active",
      "{\"active\":true,\"n\":2}\n{\"active\":null,\"n\":1}\n{\"active\":false,\"n\":1}");
    param p[] = {{"pat", "string", "C%"}, {"ids", "", "\"3\""}, {NULL, NULL, NULL}};
    CHECK_STR("LIKE with param",
              run_opts("SELECT name FROM people WHERE name LIKE :pat AND _id IN (:ids, '9')", p, 0),
              "{\"name\":\"Cid\"}");
    CHECK_STR("translated SQL shape", run("SELECT x FROM shop.orders") ? last.sqlite_sql : "",
              "SELECT rs_project(1,r0.doc,'x','[\"x\"]') AS doc FROM \"t_orders\" AS r0");
}

static void test_extra_functions(void) {
    Q("COUNT_IF BOOL_AND BOOL_OR",
      "SELECT COUNT_IF(age > 20) AS c, BOOL_AND(age > 10) AS a, BOOL_OR(age > 40) AS o, "
      "EVERY(active) AS e, APPROX_DISTINCT(city) AS d FROM people",
      "{\"c\":2,\"a\":true,\"o\":true,\"e\":false,\"d\":2}");
    Q("BOOL_AND of no rows is null", "SELECT BOOL_AND(TRUE) AS a, COUNT_IF(TRUE) AS c FROM empty",
      "{\"a\":null,\"c\":0}");
    Q("STARTS_WITH",
      "SELECT name FROM people WHERE STARTS_WITH(name, 'C') OR STARTS_WITH(city, 'R') ORDER BY "
      "name",
      "{\"name\":\"Bob\"}\n{\"name\":\"Cid\"}");
    Q("STARTS_WITH value", "SELECT STARTS_WITH('abc', 'ab') AS t, STARTS_WITH('abc', 'abcd') AS f",
      "{\"t\":true,\"f\":false}");
    Q("more math",
      "SELECT LN(1) l, EXP(0) e, LOG10(1000) g, SIGN(-5) s, SIGN(2.5) sf, LN(-1) bad, "
      "CHAR_LENGTH('héllo') n, STRPOS('hello', 'll') p",
      "{\"l\":0.0,\"e\":1.0,\"g\":3.0,\"s\":-1,\"sf\":1.0,\"bad\":null,\"n\":5,\"p\":3}");
}

static void test_keyword_fields(void) {
    Q("keywords as field names",
      "SELECT left, values, window, date, timestamp, count FROM (SELECT 1 AS left, 2 AS values, 3 "
      "AS window, 4 AS date, 5 AS timestamp, 6 AS count) t",
      "{\"left\":1,\"values\":2,\"window\":3,\"date\":4,\"timestamp\":5,\"count\":6}");
    Q("structural word needs quotes", "SELECT from FROM people",
      "ERR EINVAL: syntax error: expected an expression, found 'from' (line 1, column 8) [1:8]");
    Q("quoted structural word", "SELECT \"from\" FROM (SELECT 1 AS \"from\") t", "{\"from\":1}");
}

static void test_join_plans(void) {
    Q("USING with a subquery on the left",
      "SELECT COUNT(*) AS n FROM (SELECT _id FROM people WHERE age > 20) p JOIN people q USING "
      "(_id)",
      "{\"n\":2}");
    Q("comma join keys from WHERE",
      "SELECT p.name, o.amount FROM people p, shop.orders o WHERE o.pid = p._id AND o.amount > 8 "
      "ORDER BY o.amount",
      "{\"name\":\"Ann\",\"amount\":10}\n{\"name\":\"Ann\",\"amount\":25}");
    Q("three-way join",
      "SELECT p.name, o.item, q.name AS again FROM people p JOIN shop.orders o ON o.pid = p._id "
      "JOIN people q ON q._id = o.pid WHERE o.item = 'ink'",
      "{\"name\":\"Ann\",\"item\":\"ink\",\"again\":\"Ann\"}");
    Q("join key of different types does not match",
      "SELECT COUNT(*) AS n FROM people p JOIN shop.orders o ON o.amount = p._id", "{\"n\":0}");
    Q("join with non-key condition only",
      "SELECT COUNT(*) AS n FROM people p JOIN shop.orders o ON o.amount > p.age", "{\"n\":1}");
    CHECK_STR(
        "keyed join SQL",
        run("SELECT o.item FROM people p JOIN shop.orders o ON o.pid = p._id AND o.amount > 1")
            ? last.sqlite_sql
            : "",
        "SELECT rs_project(1,r2.doc,'item','[\"item\"]') AS doc FROM \"t_people\" AS r0 CROSS JOIN "
        "(SELECT r1.doc AS doc, rs_jkey(rs_get(r1.doc,'pid')) AS k0 FROM \"t_orders\" AS r1 "
        "LIMIT -1) AS r2 ON r2.k0 = rs_jkey(rs_get(r0.doc,'_id')) WHERE "
        "(rs_cmp(rs_get(r2.doc,'amount'),1) > 0)");
}

static void test_is_true(void) {
    Q("IS TRUE / IS NOT FALSE",
      "SELECT _id, active IS TRUE AS t, active IS NOT FALSE AS nf, (age > 20) IS FALSE AS young "
      "FROM people ORDER BY _id",
      "{\"_id\":\"1\",\"t\":true,\"nf\":true,\"young\":false}\n"
      "{\"_id\":\"2\",\"t\":false,\"nf\":false,\"young\":true}\n"
      "{\"_id\":\"3\",\"t\":true,\"nf\":true,\"young\":false}\n"
      "{\"_id\":\"4\",\"t\":false,\"nf\":true,\"young\":false}");
    Q("IS needs NULL TRUE FALSE", "SELECT 1 IS 2",
      "ERR EINVAL: syntax error: expected NULL, UNDEFINED, TRUE, FALSE or DISTINCT FROM, found "
      "'2' (line 1, column 13) "
      "[1:13]");
}

static void test_number_text(void) {
    Q("bare numbers are re-printed from their value", "SELECT u64, e, nz, f, i FROM nums",
      "{\"u64\":1.8446744073709552e+19,\"e\":100.0,\"nz\":-0.0,\"f\":1.5,\"i\":-7}");
    Q("bare numbers via rs_row", "SELECT u64, e, nz, f, i, 1 AS one FROM nums",
      "{\"u64\":1.8446744073709552e+19,\"e\":100.0,\"nz\":-0.0,\"f\":1.5,\"i\":-7,\"one\":1}");
    Q("computed numbers are normalised",
      "SELECT e + 0 AS e, f * 1 AS f, i + 0 AS i, u64 > 1 AS big FROM nums",
      "{\"e\":100.0,\"f\":1.5,\"i\":-7,\"big\":true}");
    Q("TYPEOF bare numbers",
      "SELECT TYPEOF(u64) u, TYPEOF(e) e, TYPEOF(i) i, TYPEOF(f) f FROM nums",
      "{\"u\":\"float\",\"e\":\"float\",\"i\":\"int\",\"f\":\"float\"}");
    Q("numbers through a subquery", "SELECT x.u64 FROM (SELECT u64 FROM nums) x",
      "{\"u64\":1.8446744073709552e+19}");
}

static void test_projection_pass(void) {
    Q("projection: escaped key, duplicate key, nested arrays",
      "SELECT ab, d, arr[2][2].k AS k, arr[1] AS a1, arr[3] AS none FROM nums",
      "{\"ab\":\"esc\",\"d\":2,\"k\":\"v\",\"a1\":[1,2]}");
    Q("projection: _event_time normalised", "SELECT _event_time FROM events WHERE k = 1",
      "{\"_event_time\":\"2024-01-01T00:00:00.500000Z\"}");
    Q("projection: typed through derived",
      "SELECT et FROM (SELECT _event_time AS et FROM events WHERE k = 1) x",
      "{\"et\":\"2024-01-01T00:00:00.500000Z\"}");
    Q("projection: left join missing side",
      "SELECT o.item FROM people p LEFT JOIN shop.orders o ON o.pid = p._id WHERE p._id = '2'",
      "{}");
    CHECK_STR("projection: mixed items use rs_row",
              run("SELECT name, 1 AS one FROM people WHERE _id = '1'"),
              "{\"name\":\"Ann\",\"one\":1}");
    CHECK("projection: mixed SQL", strstr(last.sqlite_sql, "rs_row(") != NULL);
}

static void test_limits(void) {
    char sql[4096];
    strcpy(sql, "SELECT ");
    for (int i = 0; i < 1000; i++)
        strcat(sql, "- ");
    strcat(sql, "1");
    CHECK_STR("deep unary minus refused", run(sql),
              "ERR EUNSUPPORTED: unsupported SQL: expressions nested this deeply are not supported "
              "by rockset-local (line 1, column 404) [1:404]");
    strcpy(sql, "SELECT ");
    for (int i = 0; i < 500; i++)
        strcat(sql, "(");
    CHECK_STR("deep parentheses refused", run(sql),
              "ERR EUNSUPPORTED: unsupported SQL: expressions nested this deeply are not supported "
              "by rockset-local (line 1, column 207) [1:207]");
    strcpy(sql, "SELECT ");
    for (int i = 0; i < 30; i++)
        strcat(sql, "NOT ");
    strcat(sql, "TRUE AS t");
    CHECK_STR("30 NOTs fine", run(sql), "{\"t\":true}");
    static char big[200000];
    strcpy(big, "SELECT COUNT(*) AS n FROM people WHERE age > 0");
    for (int i = 0; i < 500; i++)
        strcat(big, " AND age > 0");
    CHECK_STR("long AND chain", run(big), "{\"n\":3}");
    strcpy(big, "SELECT 0");
    for (int i = 0; i < 1000; i++)
        strcat(big, " + 1");
    strcat(big, " AS s, 'a'");
    for (int i = 0; i < 300; i++)
        strcat(big, " || 'b'");
    strcat(big, " = 'a' AS c");
    CHECK_STR("long + and || chains", run(big), "{\"s\":1000,\"c\":false}");
    strcpy(big, "SELECT 0");
    for (int i = 0; i < 20000; i++)
        strcat(big, i % 2 ? " + 1" : " - 1");
    strcat(big, " AS s");
    CHECK_STR("alternating chain refused", run(big),
              "ERR EUNSUPPORTED: unsupported SQL: expressions nested this deeply are not supported "
              "by rockset-local (line 1, column 76006) [1:76006]");
}

static void test_comparisons(void) {
    Q("timestamp vs ISO string", "SELECT _id FROM events WHERE _event_time > '2024-01-15'",
      "{\"_id\":\"e2\"}");
    Q("timestamp BETWEEN strings",
      "SELECT _id FROM events WHERE _event_time BETWEEN '2024-01-01' AND '2024-01-02T00:00:00Z'",
      "{\"_id\":\"e1\"}");
    Q("different types do not compare", "SELECT 1 = 'a' AS e, NOT (1 = 'a') AS ne, 1 < 'a' AS lt",
      "{\"e\":null,\"ne\":null,\"lt\":null}");
    Q("int equals float",
      "SELECT 1 = 1.0 AS e, 2 > 1.5 AS g, 9007199254740993 > 9007199254740992 AS big",
      "{\"e\":true,\"g\":true,\"big\":true}");
    Q("strings by code point",
      "SELECT 'b' > 'a' AS x, 'é' > 'z' AS y, 'ab' < 'abc' AS z, 'a' = 'a' AS w",
      "{\"x\":true,\"y\":true,\"z\":true,\"w\":true}");
    Q("bools compare", "SELECT TRUE > FALSE AS t, active = TRUE AS a FROM people WHERE _id = '2'",
      "{\"t\":true,\"a\":false}");
    Q("dates compare",
      "SELECT DATE '2024-01-02' > DATE '2024-01-01' AS d, DATE '2024-01-02' = '2024-1-2' AS s",
      "{\"d\":true,\"s\":true}");
    Q("date and timestamp compare as instants",
      "SELECT DATE '2024-01-02' = TIMESTAMP '2024-01-02' AS x", "{\"x\":true}");
    Q("objects and arrays equal by value",
      "SELECT JSON_PARSE('{\"a\":1}') = JSON_PARSE('{\"a\":1}') AS o, tags = JSON_PARSE('[\"c\"]') "
      "AS a FROM people WHERE _id = '3'",
      "{\"o\":true,\"a\":true}");
    Q("bool vs object do not compare", "SELECT TRUE = JSON_PARSE('{}') AS x", "{\"x\":null}");
    Q("BETWEEN with null bound",
      "SELECT 5 BETWEEN 1 AND NULL AS a, 0 BETWEEN 1 AND NULL AS b, 2 NOT BETWEEN 1 AND 3 AS c",
      "{\"a\":null,\"b\":false,\"c\":false}");
}

/* The translator's plan of sql (EXPLAIN's "plan:" lines), or the error. */
static char plan_text[8192];
static const char *plan_of(const char *sql) {
    char explain[2048];
    sqlx_stmt st;
    rs_err err;
    sqlx_options opts = {0};
    memset(&err, 0, sizeof err);
    snprintf(explain, sizeof explain, "EXPLAIN %s", sql);
    if (sqlx_translate(explain, &opts, resolve, NULL, &st, &err) != 0) {
        snprintf(plan_text, sizeof plan_text, "ERR %s", err.msg);
        return plan_text;
    }
    snprintf(plan_text, sizeof plan_text, "%s", st.plan ? st.plan : "(none)");
    sqlx_stmt_free(&st);
    return plan_text;
}

static int count_of(const char *text, const char *needle) {
    int n = 0;
    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

#define PUSHED "pushed down from the query above"

/* Predicates moved into derived relations (sqlx_rules.c): the same rows as where they were
 * written, and the plan saying where each went - or that it stayed, where moving it would
 * change the answer. */
static void test_pushdown(void) {
    Q("into a subquery",
      "SELECT n FROM (SELECT name AS n, age FROM people) t WHERE t.age > 20 "
      "ORDER BY n",
      "{\"n\":\"Ann\"}\n{\"n\":\"Cid\"}");
    CHECK_INT("subquery: moved",
              count_of(plan_of("SELECT n FROM (SELECT name AS n, age FROM "
                               "people) t WHERE t.age > 20"),
                       PUSHED),
              1);
    Q("into a WITH query used once",
      "WITH a AS (SELECT name, city FROM people) SELECT name FROM a WHERE city = 'Oslo' "
      "ORDER BY name",
      "{\"name\":\"Ann\"}\n{\"name\":\"Cid\"}");
    CHECK_INT("cte once: moved",
              count_of(plan_of("WITH a AS (SELECT name, city FROM people) "
                               "SELECT name FROM a WHERE city = 'Oslo'"),
                       PUSHED),
              1);
    const char *twice = "WITH a AS (SELECT name, city FROM people) SELECT x.name FROM a x JOIN a y "
                        "ON x.name = y.name WHERE x.city = 'Oslo' ORDER BY x.name";
    Q("WITH query used twice", twice, "{\"name\":\"Ann\"}\n{\"name\":\"Cid\"}");
    CHECK_INT("cte twice: stays", count_of(plan_of(twice), PUSHED), 0);
    Q("into a view", "SELECT name FROM adults WHERE age > 40", "{\"name\":\"Cid\"}");
    CHECK_INT("view: moved", count_of(plan_of("SELECT name FROM adults WHERE age > 40"), PUSHED),
              1);
    Q("through a view of a view", "SELECT name FROM oslo_adults WHERE name = 'Ann'",
      "{\"name\":\"Ann\"}");
    /* the outer conjunct and the middle view's own both reach the inner view's WHERE */
    CHECK("view of view: moved through both",
          strstr(plan_of("SELECT name FROM oslo_adults WHERE name = 'Ann'"),
                 "Filter: 0 conjuncts, 2 moved into a derived relation\n"
                 "          Derived AS r1: view commons.adults\n"
                 "            Project\n"
                 "              Filter: 3 conjuncts, 2 pushed down from the query above\n") !=
              NULL);
    Q("undefined output stays undefined",
      "SELECT _id FROM (SELECT _id, score FROM people) t WHERE t.score IS NULL ORDER BY _id",
      "{\"_id\":\"1\"}\n{\"_id\":\"2\"}");
    Q("IS UNDEFINED through a subquery",
      "SELECT _id FROM (SELECT _id, score FROM people) t WHERE t.score IS UNDEFINED ORDER BY _id",
      "{\"_id\":\"1\"}\n{\"_id\":\"2\"}");
    Q("through SELECT *", "SELECT _id FROM (SELECT * FROM people) t WHERE t.city = 'Rome'",
      "{\"_id\":\"2\"}");
    CHECK_INT("star: moved",
              count_of(plan_of("SELECT _id FROM (SELECT * FROM people) t WHERE "
                               "t.city = 'Rome'"),
                       PUSHED),
              1);
    const char *except = "SELECT _id FROM (SELECT * EXCEPT (city) FROM people) t WHERE t.city IS "
                         "NULL ORDER BY _id";
    Q("SELECT * EXCEPT leaves the field out", except,
      "{\"_id\":\"1\"}\n{\"_id\":\"2\"}\n{\"_id\":\"3\"}\n{\"_id\":\"4\"}");
    CHECK_INT("star except: stays", count_of(plan_of(except), PUSHED), 0);
    const char *key = "SELECT c, n FROM (SELECT city AS c, COUNT(*) AS n FROM people GROUP BY "
                      "city) t WHERE t.c = 'Oslo'";
    Q("below grouping on a key", key, "{\"c\":\"Oslo\",\"n\":2}");
    CHECK_INT("group key: moved", count_of(plan_of(key), PUSHED), 1);
    const char *agg = "SELECT c, n FROM (SELECT city AS c, COUNT(*) AS n FROM people GROUP BY "
                      "city) t WHERE t.n = 2";
    Q("not below grouping on an aggregate", agg, "{\"c\":\"Oslo\",\"n\":2}");
    CHECK_INT("aggregate: stays", count_of(plan_of(agg), PUSHED), 0);
    const char *lim = "SELECT name FROM (SELECT name, age FROM people ORDER BY age DESC LIMIT 2) t "
                      "WHERE t.age < 40";
    Q("not below LIMIT", lim, "{\"name\":\"Ann\"}");
    CHECK_INT("limit: stays", count_of(plan_of(lim), PUSHED), 0);
    const char *win = "SELECT name, r FROM (SELECT name, ROW_NUMBER() OVER (ORDER BY name) AS r "
                      "FROM people) t WHERE t.name = 'Cid'";
    Q("not below a window function", win, "{\"name\":\"Cid\",\"r\":3}");
    CHECK_INT("window: stays", count_of(plan_of(win), PUSHED), 0);
    const char *arms = "SELECT v FROM (SELECT name AS v FROM people UNION ALL SELECT item FROM "
                       "shop.orders) u WHERE u.v = 'pen' ORDER BY v";
    Q("into each UNION ALL arm, named by position", arms, "{\"v\":\"pen\"}\n{\"v\":\"pen\"}");
    CHECK_INT("union arms: both", count_of(plan_of(arms), PUSHED), 2);
    const char *nulls = "SELECT p.name, t.amount FROM people p LEFT JOIN (SELECT pid, amount FROM "
                        "shop.orders) t ON t.pid = p._id WHERE t.amount IS NULL ORDER BY p.name";
    Q("not onto the side a LEFT JOIN fills with nulls", nulls,
      "{\"name\":\"Bob\"}\n{\"name\":\"Dee\"}");
    CHECK_INT("left join where: stays", count_of(plan_of(nulls), PUSHED), 0);
    const char *on = "SELECT p.name, t.amount FROM people p LEFT JOIN (SELECT pid, amount FROM "
                     "shop.orders) t ON t.pid = p._id AND t.amount > 9 ORDER BY p.name, t.amount";
    Q("a LEFT JOIN's ON onto its right side", on,
      "{\"name\":\"Ann\",\"amount\":10}\n{\"name\":\"Ann\",\"amount\":25}\n{\"name\":"
      "\"Bob\"}\n{\"name\":\"Cid\"}\n{\"name\":\"Dee\"}");
    CHECK_INT("left join on: moved", count_of(plan_of(on), PUSHED), 1);
    const char *rnd = "SELECT COUNT(*) AS n FROM (SELECT RAND() AS x FROM people) t WHERE t.x < 2";
    Q("volatile output", rnd, "{\"n\":4}");
    CHECK_INT("volatile: stays", count_of(plan_of(rnd), PUSHED), 0);
    const char *nested = "SELECT _id FROM (SELECT _id, addr FROM people) t WHERE t.addr.zip = "
                         "'0150'";
    Q("a nested path of an output", nested, "{\"_id\":\"1\"}");
    CHECK_INT("nested path: moved", count_of(plan_of(nested), PUSHED), 1);
    Q("an expression output",
      "SELECT n FROM (SELECT UPPER(name) AS n FROM people) t WHERE t.n = "
      "'BOB'",
      "{\"n\":\"BOB\"}");
    Q("a query without FROM", "SELECT x FROM (SELECT 1 AS x) t WHERE t.x = 1", "{\"x\":1}");
    Q("a correlated conjunct stays",
      "SELECT p.name FROM people p WHERE EXISTS (SELECT 1 FROM "
      "(SELECT pid FROM shop.orders) t WHERE t.pid = p._id) ORDER BY p.name",
      "{\"name\":\"Ann\"}\n{\"name\":\"Cid\"}");
}

#define READ_FIRST ") AS p0"

/* A GROUP BY block reads its paths in a subquery first (sqlx_emit.c), so that SQLite's sorter
 * carries their values instead of whole documents: the same rows as grouping the documents, and
 * the subquery only where every expression reads constant paths. */
static void test_grouped_paths_read_first(void) {
    Q("read first: keys and aggregates",
      "SELECT city, COUNT(*) AS n FROM people GROUP BY 1 ORDER BY 2 DESC, 1",
      "{\"city\":\"Oslo\",\"n\":2}\n{\"city\":null,\"n\":1}\n{\"city\":\"Rome\",\"n\":1}");
    CHECK_INT("read first: subquery", count_of(last.sqlite_sql, READ_FIRST), 1);
    CHECK_INT("read first: the path once", count_of(last.sqlite_sql, "rs_get(r0.doc,'city')"), 1);
    Q("read first: alias, HAVING",
      "SELECT city, COUNT(*) AS n FROM people GROUP BY city HAVING n = 1 ORDER BY city",
      "{\"city\":null,\"n\":1}\n{\"city\":\"Rome\",\"n\":1}");
    CHECK_INT("read first: alias, HAVING subquery", count_of(last.sqlite_sql, READ_FIRST), 1);
    Q("read first: expression key",
      "SELECT UPPER(city) AS c, SUM(age) AS s FROM people WHERE city IS NOT NULL GROUP BY c ORDER "
      "BY c",
      "{\"c\":\"OSLO\",\"s\":75}\n{\"c\":\"ROME\",\"s\":17}");
    CHECK_INT("read first: expression subquery", count_of(last.sqlite_sql, READ_FIRST), 1);
    Q("read first: a join, a sum of the right side",
      "SELECT p.name, COUNT(*) AS n, SUM(o.amount) AS s FROM people p JOIN shop.orders o "
      "ON o.pid = p._id GROUP BY p.name ORDER BY p.name",
      "{\"name\":\"Ann\",\"n\":2,\"s\":35}\n{\"name\":\"Cid\",\"n\":1,\"s\":7}");
    CHECK_INT("read first: join subquery", count_of(last.sqlite_sql, READ_FIRST), 1);
    Q("read first: a LEFT JOIN's missing side",
      "SELECT o.item AS item, COUNT(*) AS n FROM people p LEFT JOIN shop.orders o "
      "ON o.pid = p._id GROUP BY o.item ORDER BY item",
      "{\"item\":null,\"n\":2}\n{\"item\":\"ink\",\"n\":1}\n{\"item\":\"pen\",\"n\":2}");
    CHECK_INT("read first: left join subquery", count_of(last.sqlite_sql, READ_FIRST), 1);
    run("SELECT p.name, COUNT(*) AS n FROM people p GROUP BY p.name, p");
    CHECK_INT("read first: not with a whole document", count_of(last.sqlite_sql, READ_FIRST), 0);
    run("SELECT city, (SELECT COUNT(*) FROM shop.orders) AS o FROM people GROUP BY city");
    CHECK_INT("read first: not with a subquery", count_of(last.sqlite_sql, READ_FIRST), 0);
    run("SELECT city, ROW_NUMBER() OVER (ORDER BY city) AS r FROM people GROUP BY city");
    CHECK_INT("read first: not with a window", count_of(last.sqlite_sql, READ_FIRST), 0);
    Q("read first: window functions",
      "SELECT name, ROW_NUMBER() OVER (PARTITION BY city ORDER BY age) AS r, LAG(name) OVER "
      "(PARTITION BY city ORDER BY name) AS p FROM people ORDER BY name",
      "{\"name\":\"Ann\",\"r\":1,\"p\":null}\n{\"name\":\"Bob\",\"r\":1,\"p\":null}\n"
      "{\"name\":\"Cid\",\"r\":2,\"p\":\"Ann\"}\n{\"name\":\"Dee\",\"r\":1,\"p\":null}");
    CHECK_INT("read first: window subquery", count_of(last.sqlite_sql, READ_FIRST), 1);
    run("SELECT COUNT(*) AS n FROM people");
    CHECK_INT("read first: not without GROUP BY", count_of(last.sqlite_sql, READ_FIRST), 0);
}

/* The column engine's refusals: those of the statement's shape, or of the replica's columns as
 * the caller's snapshot has them, last (the SQLite translation may be kept between runs,
 * xlcache.h); one of the documents' count does not. */
static int no_replica(void *ctx, const char *table, const char *const *names, int n,
                      sqlx_duck_col *out) {
    (void)ctx, (void)table, (void)names, (void)n, (void)out;
    return 0;
}

/* A replica of 10 documents whose every path holds integers. */
static int replica_of_10(void *ctx, const char *table, const char *const *names, int n,
                         sqlx_duck_col *out) {
    (void)ctx, (void)names;
    memset(out, 0, sizeof *out);
    snprintf(out->table, sizeof out->table, "\"r_%s\"", table);
    out->n_docs = 10;
    if (n > 0) {
        snprintf(out->column, sizeof out->column, "c1");
        out->type = RV_INT;
    }
    return 1;
}

/* A replica of 10 documents whose tags are arrays of strings (the element path, "tags" then
 * the replica's step U+001E, a LIST column) and whose other paths hold integers. */
static int replica_with_arrays(void *ctx, const char *table, const char *const *names, int n,
                               sqlx_duck_col *out) {
    replica_of_10(ctx, table, names, n, out);
    if (n == 1 && strcmp(names[0], "tags") == 0) {
        out->type = RV_ARRAY;
        snprintf(out->column, sizeof out->column, "c2");
        snprintf(out->len_column, sizeof out->len_column, "c2_n");
    } else if (n == 2 && strcmp(names[0], "tags") == 0 && strcmp(names[1], "\x1e") == 0) {
        out->type = RV_STRING;
        out->has_null = 1;
        snprintf(out->column, sizeof out->column, "c3");
    }
    return 1;
}

/* The arrays' replica with the tags' strings stored as codes (replica.h decoder): 'a' 1,
 * "it's" 2, "x','y" 3. */
static int replica_with_codes(void *ctx, const char *table, const char *const *names, int n,
                              sqlx_duck_col *out) {
    replica_with_arrays(ctx, table, names, n, out);
    if (n == 2 && strcmp(names[0], "tags") == 0)
        snprintf(out->decoder, sizeof out->decoder, "['a','it''s','x'',''y']");
    return 1;
}

/* sql prepared (checked under name) and printed for DuckDB with cat into *plan: the print's
 * result (0: printed), or -1 when the statement did not prepare. Free plan after. */
static int duck_print(const char *name, const char *sql, const sqlx_duck_catalog *cat,
                      sqlx_duck_plan *plan) {
    sqlx_options opts = {.default_row_limit = 100};
    sqlx_prepared *prep = NULL;
    sqlx_stmt meta;
    rs_err err = {0};
    memset(&meta, 0, sizeof meta);
    memset(plan, 0, sizeof *plan);
    int rc = sqlx_prepare(sql, &opts, resolve, NULL, &prep, &meta, &err);
    CHECK_INT(name, rc, 0);
    if (rc == 0)
        rc = sqlx_prepared_duck(prep, cat, plan, &err);
    else
        rc = -1;
    sqlx_prepared_free(prep);
    sqlx_stmt_free(&meta);
    return rc;
}

static void duck_refusal(const char *name, const char *sql, int replicated, int lasting,
                         const char *why) {
    sqlx_duck_catalog cat = {NULL, replicated ? replica_of_10 : no_replica, NULL, 1000, 0, 0};
    sqlx_duck_plan plan;
    int rc = duck_print(name, sql, &cat, &plan);
    if (rc != -1) {
        char label[160];
        snprintf(label, sizeof label, "%s/refused", name);
        CHECK(label, rc != 0);
        snprintf(label, sizeof label, "%s/lasting", name);
        CHECK_INT(label, plan.lasting, lasting);
        snprintf(label, sizeof label, "%s/why", name);
        CHECK(label, strncmp(plan.why, why, strlen(why)) == 0);
        if (strncmp(plan.why, why, strlen(why)) != 0)
            printf("  why: %s\n", plan.why);
        /* only the counts' refusals may be measured against (enginepick.h) */
        snprintf(label, sizeof label, "%s/cost_only", name);
        CHECK_INT(label, plan.cost_only, strncmp(why, "an aggregate over", 17) == 0);
    }
    sqlx_duck_plan_free(&plan);
}

/* A statement the counts alone refused is printed for the columns when its runs measured
 * them faster (sqlx_duck_catalog.ignore_cost); one refused for its shape still is not. */
static void test_duck_ignore_cost(void) {
    sqlx_duck_catalog cat = {NULL, replica_of_10, NULL, 1000, 0, 1};
    sqlx_duck_plan plan;
    int rc = duck_print("duck/ignore_cost/small", "SELECT COUNT(*) AS n FROM commons.people", &cat,
                        &plan);
    CHECK_INT("duck/ignore_cost/small/printed", rc, 0);
    CHECK_STR("duck/ignore_cost/small/why", plan.why, "measured faster than SQLite");
    sqlx_duck_plan_free(&plan);
    rc = duck_print("duck/ignore_cost/lookup", "SELECT name FROM commons.people WHERE age > 20",
                    &cat, &plan);
    CHECK("duck/ignore_cost/lookup/still_refused", rc != 0);
    sqlx_duck_plan_free(&plan);
}

/* sql printed for DuckDB with the arrays' replica (codes: its strings stored as codes):
 * exactly want. */
static void duck_printed_as(const char *name, int codes, const char *sql, const char *want) {
    sqlx_duck_catalog cat = {NULL, codes ? replica_with_codes : replica_with_arrays, NULL, 1000,
                             1, 0};
    sqlx_duck_plan plan;
    char label[160];
    int rc = duck_print(name, sql, &cat, &plan);
    snprintf(label, sizeof label, "%s/printed", name);
    CHECK_INT(label, rc, 0);
    snprintf(label, sizeof label, "%s/sql", name);
    CHECK_STR(label, plan.sql ? plan.sql : "", want);
    sqlx_duck_plan_free(&plan);
}

static void duck_printed(const char *name, const char *sql, const char *want) {
    duck_printed_as(name, 0, sql, want);
}

/* A collection and an UNNEST of its array: one subquery that unnests the element path's LIST
 * beside the array's ordinals, the collection's own conjunct inside it, the element's outside. */
static void test_duck_unnest(void) {
    duck_printed("duck/unnest/print",
                 "SELECT u.t AS tag, COUNT(*) AS n, MAX(u.i) AS last FROM commons.people p,"
                 " UNNEST(p.tags AS t WITH ORDINALITY AS i) u WHERE p.age > 20"
                 " AND u.t <> 'x' GROUP BY u.t",
                 "SELECT _r0._u_c3 AS \"tag\", COUNT(*) AS \"n\", MAX(_r0._u_ord) AS \"last\" FROM"
                 " (SELECT unnest(range(1, _r0.c2_n + 1)) AS _u_ord, unnest(_r0.c3) AS _u_c3 FROM"
                 " \"r_t_people\" AS _r0 WHERE ((_r0.c1 > CAST(20 AS BIGINT)))) AS _r0 WHERE"
                 " ((_r0._u_c3 <> 'x')) GROUP BY _r0._u_c3 LIMIT 100");
    /* the ordinals are left out where a list read has an entry for every element */
    duck_printed("duck/unnest/no_ordinals",
                 "SELECT u.t AS tag, COUNT(*) AS n FROM commons.people p, UNNEST(p.tags AS t) u"
                 " GROUP BY u.t",
                 "SELECT _r0._u_c3 AS \"tag\", COUNT(*) AS \"n\" FROM (SELECT unnest(_r0.c3) AS"
                 " _u_c3 FROM \"r_t_people\" AS _r0) AS _r0 GROUP BY _r0._u_c3 LIMIT 100");
    /* COUNT(*) alone: the ordinals give the rows */
    duck_printed("duck/unnest/count",
                 "SELECT COUNT(*) AS n FROM commons.people p, UNNEST(p.tags AS t) u",
                 "SELECT COUNT(*) AS \"n\" FROM (SELECT unnest(range(1, _r0.c2_n + 1)) AS _u_ord"
                 " FROM \"r_t_people\" AS _r0) AS _r0 LIMIT 100");
    /* element strings stored as codes: every reading of the element decodes it */
    duck_printed_as("duck/unnest/codes", 1,
                    "SELECT u.t AS tag, COUNT(*) AS n FROM commons.people p, UNNEST(p.tags AS t) u"
                    " WHERE u.t LIKE 'a%' GROUP BY u.t",
                    "SELECT ['a','it''s','x'',''y'][_r0._u_c3] AS \"tag\", COUNT(*) AS \"n\" FROM"
                    " (SELECT unnest(_r0.c3) AS _u_c3 FROM \"r_t_people\" AS _r0) AS _r0 WHERE"
                    " ((['a','it''s','x'',''y'][_r0._u_c3] LIKE 'a%')) GROUP BY"
                    " ['a','it''s','x'',''y'][_r0._u_c3] LIMIT 100");
    /* a comparison with a constant compares codes (0: a string no element holds) */
    static const char *const compared[][2] = {
        {"u.t = 'it''s'", "(_r0._u_c3 = 2)"},
        {"'x'',''y' = u.t", "(_r0._u_c3 = 3)"},
        {"u.t = 'y'", "(_r0._u_c3 = 0)"},
        {"u.t = 'x'", "(_r0._u_c3 = 0)"},
        {"u.t != 'a'", "(_r0._u_c3 <> 1)"},
        {"u.t IN ('a', 'nope', 'x'',''y')", "(_r0._u_c3 IN (1,0,3))"},
        {"u.t NOT IN ('it''s')", "(_r0._u_c3 NOT IN (2))"},
    };
    for (size_t i = 0; i < sizeof compared / sizeof compared[0]; i++) {
        char sql[200], want[300], name[64];
        snprintf(sql, sizeof sql,
                 "SELECT COUNT(*) AS n FROM commons.people p, UNNEST(p.tags AS t) u WHERE %s",
                 compared[i][0]);
        snprintf(want, sizeof want,
                 "SELECT COUNT(*) AS \"n\" FROM (SELECT unnest(_r0.c3) AS _u_c3 FROM"
                 " \"r_t_people\" AS _r0) AS _r0 WHERE (%s) LIMIT 100",
                 compared[i][1]);
        snprintf(name, sizeof name, "duck/unnest/codes/compared/%zu", i);
        duck_printed_as(name, 1, sql, want);
    }
    duck_refusal("duck/unnest/two_arrays",
                 "SELECT COUNT(*) AS n FROM commons.people p, UNNEST(p.tags AS t, p.tags AS s)", 1,
                 1, "UNNEST of several arrays");
    duck_refusal("duck/unnest/not_an_array",
                 "SELECT COUNT(*) AS n FROM commons.people p, UNNEST(p.age AS a)", 1, 1,
                 "UNNEST of field 'age' that is not always an array");
}

static void test_duck_refusals(void) {
    duck_refusal("duck/lookup", "SELECT name FROM commons.people WHERE age > 20", 1, 1,
                 "no aggregate");
    duck_refusal("duck/top_n", "SELECT name FROM commons.people ORDER BY age DESC LIMIT 2", 1, 1,
                 "no aggregate");
    duck_refusal("duck/unnest",
                 "SELECT t AS tag, COUNT(*) AS n FROM commons.people p, UNNEST(p.tags AS t)"
                 " GROUP BY t",
                 1, 1, "");
    duck_refusal("duck/not_replicated", "SELECT COUNT(*) AS n FROM commons.people", 0, 1, "");
    duck_refusal("duck/too_few_documents", "SELECT COUNT(*) AS n FROM commons.people", 1, 0,
                 "an aggregate over 10 documents");
}

int main(void) {
    if (sqlite3_open(":memory:", &db) != SQLITE_OK || sqlx_register_functions(db) != SQLITE_OK) {
        printf("FAIL setup: cannot open sqlite\n");
        return 1;
    }
    load("t_people", people_docs);
    load("t_orders", orders_docs);
    load("t_empty", (const char *const[]){NULL});
    load("t_nums", (const char *const[]){"{\"u64\":18446744073709551615,\"e\":1e2,\"nz\":-0.0,"
                                         "\"f\":1.50,\"i\":-7,\"\\u0061b\":\"esc\",\"d\":1,"
                                         "\"d\":2,\"arr\":[[1,2],[3,{\"k\":\"v\"}]]}",
                                         NULL});
    load("t_events",
         (const char *const[]){
             "{\"_id\":\"e1\",\"_event_time\":\"2024-01-01T00:00:00.5Z\",\"k\":1}",
             "{\"_id\":\"e2\",\"_event_time\":\"2024-02-01T00:00:00.000000Z\",\"k\":2}", NULL});
    test_projection();
    test_types();
    test_functions();
    test_where();
    test_subqueries();
    test_joins();
    test_grouping();
    test_order_limit();
    test_set_ops_cte_views();
    test_derived_fenced();
    test_params();
    test_metadata();
    test_errors();
    test_describe();
    test_more();
    test_comparisons();
    test_limits();
    test_projection_pass();
    test_number_text();
    test_is_true();
    test_join_plans();
    test_keyword_fields();
    test_extra_functions();
    test_pushdown();
    test_grouped_paths_read_first();
    test_duck_refusals();
    test_duck_unnest();
    test_duck_ignore_cost();
    sqlx_stmt_free(&last);
    sqlite3_close(db);
    TEST_DONE();
}
