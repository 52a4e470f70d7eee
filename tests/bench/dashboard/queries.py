"""queries.py - the dashboard's questions, each in Rockset SQL and hand-translated for the peers.

Each entry: id, title, peer (the issue's six peer questions: selective, hourly, per-workflow,
top-10, distinct-shas, self-join; None for the others), kind (what a goal applies to: selective,
top-n, join, time-bucket, wide-aggregate), params (names sent to rockset-local, from
params.json; types follow the values), rockset (written as HUD's authors wrote theirs: nested
ids, PARSE_TIMESTAMP_ISO8601 of string parameters, HINTs, `j.` prefixes), pg (PostgreSQL 15 over
one `doc jsonb` column per collection; iso_ts() is an IMMUTABLE wrapper of ::timestamptz, so it
can be indexed), duck (DuckDB over the typed tables read_json made; nested objects are STRUCTs,
arrays LISTs, ISO strings TIMESTAMPs).

Peer SQL takes parameters as {name} (an SQL literal: quoted string or number) or {ts:name} (a
timestamp literal). Every query orders its rows completely, so answers compare row by row.
"""

W = ("{a}._event_time >= PARSE_TIMESTAMP_ISO8601(:{p}) "
     "AND {a}._event_time < PARSE_TIMESTAMP_ISO8601(:stopTime)")
PGW = "iso_ts({a}.doc->>'_event_time') >= {{ts:{p}}} AND iso_ts({a}.doc->>'_event_time') < {{ts:stopTime}}"
DKW = "{a}._event_time >= {{ts:{p}}} AND {a}._event_time < {{ts:stopTime}}"


def rw(a, p):
    return W.format(a=a, p=p)


def pw(a, p):
    return PGW.format(a=a, p=p)


def dw(a, p):
    return DKW.format(a=a, p=p)


PG_DUR = ("EXTRACT(EPOCH FROM iso_ts({a}.doc->>'completed_at') - iso_ts({a}.doc->>'started_at'))"
          "::bigint")

QUERIES = [
    # ------------------------------------------------------------------ the six peer questions
    dict(id="q01", title="failed main jobs, last 6 h (4-condition filter)", peer="selective",
         kind="selective", params=["hourStart", "stopTime", "branch"],
         rockset=f"""SELECT j.id, j.name, j.head_sha, j.runner_name
FROM commons.workflow_job j
WHERE {rw('j', 'hourStart')} AND j.conclusion = 'failure' AND j.head_branch = :branch
  AND j.status = 'completed'
ORDER BY j.id""",
         pg=f"""SELECT (j.doc->>'id')::bigint AS id, j.doc->>'name' AS name, j.doc->>'head_sha' AS head_sha,
  j.doc->>'runner_name' AS runner_name
FROM workflow_job j
WHERE {pw('j', 'hourStart')} AND j.doc->>'conclusion' = 'failure'
  AND j.doc->>'head_branch' = {{branch}} AND j.doc->>'status' = 'completed'
ORDER BY 1""",
         duck=f"""SELECT j.id, j.name, j.head_sha, j.runner_name FROM workflow_job j
WHERE {dw('j', 'hourStart')} AND j.conclusion = 'failure' AND j.head_branch = {{branch}}
  AND j.status = 'completed'
ORDER BY j.id"""),
    dict(id="q02", title="hourly failure rate, last 24 h", peer="hourly", kind="time-bucket",
         params=["dayStart", "stopTime"],
         rockset=f"""SELECT DATE_TRUNC('hour', j._event_time) AS hour, COUNT(*) AS jobs,
  COUNT_IF(j.conclusion = 'failure') AS failures,
  COUNT_IF(j.conclusion = 'failure') * 1.0 / COUNT(*) AS failure_rate
FROM commons.workflow_job j
WHERE {rw('j', 'dayStart')} AND j.status = 'completed'
GROUP BY hour ORDER BY hour""",
         pg=f"""SELECT date_trunc('hour', iso_ts(j.doc->>'_event_time')) AS hour, COUNT(*) AS jobs,
  COUNT(*) FILTER (WHERE j.doc->>'conclusion' = 'failure') AS failures,
  COUNT(*) FILTER (WHERE j.doc->>'conclusion' = 'failure') * 1.0 / COUNT(*) AS failure_rate
FROM workflow_job j WHERE {pw('j', 'dayStart')} AND j.doc->>'status' = 'completed'
GROUP BY 1 ORDER BY 1""",
         duck=f"""SELECT date_trunc('hour', j._event_time) AS hour, COUNT(*) AS jobs,
  count_if(j.conclusion = 'failure') AS failures,
  count_if(j.conclusion = 'failure') * 1.0 / COUNT(*) AS failure_rate
FROM workflow_job j WHERE {dw('j', 'dayStart')} AND j.status = 'completed'
GROUP BY 1 ORDER BY 1"""),
    dict(id="q03", title="per-workflow count/avg/max duration, 30 days", peer="per-workflow",
         kind="wide-aggregate", params=["startTime", "stopTime"],
         rockset=f"""SELECT j.workflow_name, COUNT(*) AS jobs,
  AVG(DATE_DIFF('second', PARSE_TIMESTAMP_ISO8601(j.started_at), PARSE_TIMESTAMP_ISO8601(j.completed_at))) AS avg_s,
  MAX(DATE_DIFF('second', PARSE_TIMESTAMP_ISO8601(j.started_at), PARSE_TIMESTAMP_ISO8601(j.completed_at))) AS max_s
FROM commons.workflow_job j
WHERE {rw('j', 'startTime')} AND j.status = 'completed'
GROUP BY j.workflow_name ORDER BY jobs DESC, j.workflow_name""",
         pg=f"""SELECT j.doc->>'workflow_name' AS workflow_name, COUNT(*) AS jobs,
  AVG({PG_DUR.format(a='j')}) AS avg_s, MAX({PG_DUR.format(a='j')}) AS max_s
FROM workflow_job j WHERE {pw('j', 'startTime')} AND j.doc->>'status' = 'completed'
GROUP BY 1 ORDER BY jobs DESC, 1""",
         duck=f"""SELECT j.workflow_name, COUNT(*) AS jobs,
  AVG(date_diff('second', j.started_at, j.completed_at)) AS avg_s,
  MAX(date_diff('second', j.started_at, j.completed_at)) AS max_s
FROM workflow_job j WHERE {dw('j', 'startTime')} AND j.status = 'completed'
GROUP BY 1 ORDER BY jobs DESC, 1"""),
    dict(id="q04", title="latest 10 failed jobs of a repository (top-10)", peer="top-10",
         kind="top-n", params=["repo", "limit"],
         rockset="""SELECT j.id, j.name, j.head_sha, j._event_time AS time
FROM commons.workflow_job j
WHERE j.conclusion = 'failure' AND j.repository.full_name = :repo
ORDER BY j._event_time DESC, j.id DESC LIMIT :limit""",
         pg="""SELECT (j.doc->>'id')::bigint AS id, j.doc->>'name' AS name, j.doc->>'head_sha' AS head_sha,
  iso_ts(j.doc->>'_event_time') AS time
FROM workflow_job j
WHERE j.doc->>'conclusion' = 'failure' AND j.doc->'repository'->>'full_name' = {repo}
ORDER BY iso_ts(j.doc->>'_event_time') DESC, 1 DESC LIMIT {limit}""",
         duck="""SELECT j.id, j.name, j.head_sha, j._event_time AS time FROM workflow_job j
WHERE j.conclusion = 'failure' AND j.repository.full_name = {repo}
ORDER BY j._event_time DESC, j.id DESC LIMIT {limit}"""),
    dict(id="q05", title="distinct failing SHAs per repository, 7 days, top 10",
         peer="distinct-shas", kind="wide-aggregate", params=["weekStart", "stopTime"],
         rockset=f"""SELECT j.repository.full_name AS repo, COUNT(DISTINCT j.head_sha) AS failing_shas
FROM commons.workflow_job j
WHERE j.conclusion = 'failure' AND {rw('j', 'weekStart')}
GROUP BY j.repository.full_name ORDER BY failing_shas DESC, repo LIMIT 10""",
         pg=f"""SELECT j.doc->'repository'->>'full_name' AS repo, COUNT(DISTINCT j.doc->>'head_sha') AS failing_shas
FROM workflow_job j WHERE j.doc->>'conclusion' = 'failure' AND {pw('j', 'weekStart')}
GROUP BY 1 ORDER BY failing_shas DESC, repo LIMIT 10""",
         duck=f"""SELECT j.repository.full_name AS repo, COUNT(DISTINCT j.head_sha) AS failing_shas
FROM workflow_job j WHERE j.conclusion = 'failure' AND {dw('j', 'weekStart')}
GROUP BY 1 ORDER BY failing_shas DESC, repo LIMIT 10"""),
    dict(id="q06", title="flaky jobs: failed and succeeded on one SHA, 24 h (self-join on sha)",
         peer="self-join", kind="join", params=["dayStart", "stopTime"],
         rockset=f"""SELECT f.name, COUNT(*) AS flaky
FROM commons.workflow_job f JOIN commons.workflow_job s ON s.head_sha = f.head_sha AND s.name = f.name
WHERE f.conclusion = 'failure' AND s.conclusion = 'success' AND {rw('f', 'dayStart')}
GROUP BY f.name ORDER BY flaky DESC, f.name LIMIT 20""",
         pg=f"""SELECT f.doc->>'name' AS name, COUNT(*) AS flaky
FROM workflow_job f JOIN workflow_job s
  ON s.doc->>'head_sha' = f.doc->>'head_sha' AND s.doc->>'name' = f.doc->>'name'
WHERE f.doc->>'conclusion' = 'failure' AND s.doc->>'conclusion' = 'success' AND {pw('f', 'dayStart')}
GROUP BY 1 ORDER BY flaky DESC, 1 LIMIT 20""",
         duck=f"""SELECT f.name, COUNT(*) AS flaky
FROM workflow_job f JOIN workflow_job s ON s.head_sha = f.head_sha AND s.name = f.name
WHERE f.conclusion = 'failure' AND s.conclusion = 'success' AND {dw('f', 'dayStart')}
GROUP BY 1 ORDER BY flaky DESC, 1 LIMIT 20"""),
    # ------------------------------------------------------------------ joins on nested ids
    dict(id="q07", title="commit page: jobs of a SHA with their workflow (2-way join)",
         peer=None, kind="join", params=["sha"],
         rockset="""SELECT w.name AS workflow, j.name, j.conclusion, j.run_attempt
FROM commons.workflow_job j JOIN commons.workflow_run w ON j.run_id = w.id
WHERE w.head_sha = :sha
ORDER BY w.name, j.name, j.run_attempt, j.id""",
         pg="""SELECT w.doc->>'name' AS workflow, j.doc->>'name' AS name, j.doc->>'conclusion' AS conclusion,
  (j.doc->>'run_attempt')::bigint AS run_attempt
FROM workflow_job j JOIN workflow_run w ON (j.doc->>'run_id')::bigint = (w.doc->>'id')::bigint
WHERE w.doc->>'head_sha' = {sha}
ORDER BY 1, 2, 4, (j.doc->>'id')::bigint""",
         duck="""SELECT w.name AS workflow, j.name, j.conclusion, j.run_attempt
FROM workflow_job j JOIN workflow_run w ON j.run_id = w.id
WHERE w.head_sha = {sha} ORDER BY 1, 2, 4, j.id"""),
    dict(id="q08", title="HUD grid: main pushes of 24 h -> runs -> jobs (3-way join)",
         peer=None, kind="join", params=["repo", "dayStart", "stopTime"],
         rockset=f"""SELECT p.head_commit.id AS sha, p.head_commit.timestamp AS time, COUNT(*) AS jobs,
  COUNT_IF(j.conclusion = 'failure') AS failed
FROM commons.push p
  JOIN commons.workflow_run w ON w.head_sha = p.head_commit.id
  JOIN commons.workflow_job j ON j.run_id = w.id HINT(join_strategy = lookup)
WHERE p.ref = 'refs/heads/main' AND p.repository.full_name = :repo AND {rw('p', 'dayStart')}
GROUP BY p.head_commit.id, p.head_commit.timestamp
ORDER BY time DESC, sha LIMIT 50""",
         pg=f"""SELECT p.doc->'head_commit'->>'id' AS sha, iso_ts(p.doc->'head_commit'->>'timestamp') AS time,
  COUNT(*) AS jobs, COUNT(*) FILTER (WHERE j.doc->>'conclusion' = 'failure') AS failed
FROM push p
  JOIN workflow_run w ON w.doc->>'head_sha' = p.doc->'head_commit'->>'id'
  JOIN workflow_job j ON (j.doc->>'run_id')::bigint = (w.doc->>'id')::bigint
WHERE p.doc->>'ref' = 'refs/heads/main' AND p.doc->'repository'->>'full_name' = {{repo}}
  AND {pw('p', 'dayStart')}
GROUP BY 1, 2 ORDER BY time DESC, sha LIMIT 50""",
         duck=f"""SELECT p.head_commit.id AS sha, p.head_commit.timestamp AS time, COUNT(*) AS jobs,
  count_if(j.conclusion = 'failure') AS failed
FROM push p JOIN workflow_run w ON w.head_sha = p.head_commit.id
  JOIN workflow_job j ON j.run_id = w.id
WHERE p.ref = 'refs/heads/main' AND p.repository.full_name = {{repo}} AND {dw('p', 'dayStart')}
GROUP BY 1, 2 ORDER BY time DESC, sha LIMIT 50"""),
    dict(id="q09", title="failed tests by job, 24 h (join test_run -> job, lookup hint)",
         peer=None, kind="join", params=["dayStart", "stopTime"],
         rockset=f"""SELECT j.name AS job, COUNT(*) AS failed_tests, COUNT(DISTINCT t.classname) AS classes
FROM commons.test_run t JOIN commons.workflow_job j ON t.job_id = j.id HINT(join_strategy = lookup)
WHERE t.failure IS NOT NULL AND {rw('t', 'dayStart')}
GROUP BY j.name ORDER BY failed_tests DESC, job LIMIT 20""",
         pg=f"""SELECT j.doc->>'name' AS job, COUNT(*) AS failed_tests, COUNT(DISTINCT t.doc->>'classname') AS classes
FROM test_run t JOIN workflow_job j ON (t.doc->>'job_id')::bigint = (j.doc->>'id')::bigint
WHERE t.doc->'failure' IS NOT NULL AND {pw('t', 'dayStart')}
GROUP BY 1 ORDER BY failed_tests DESC, job LIMIT 20""",
         duck=f"""SELECT j.name AS job, COUNT(*) AS failed_tests, COUNT(DISTINCT t.classname) AS classes
FROM test_run t JOIN workflow_job j ON t.job_id = j.id
WHERE t.failure IS NOT NULL AND {dw('t', 'dayStart')}
GROUP BY 1 ORDER BY failed_tests DESC, job LIMIT 20"""),
    dict(id="q10", title="PR page: jobs of a PR by number (join on head.sha)",
         peer=None, kind="join", params=["prNumber"],
         rockset="""SELECT p.number, j.workflow_name, j.name, j.conclusion
FROM commons.pull_request p JOIN commons.workflow_job j ON j.head_sha = p.head.sha
WHERE p.number = :prNumber
ORDER BY j.workflow_name, j.name, j.id""",
         pg="""SELECT (p.doc->>'number')::bigint AS number, j.doc->>'workflow_name' AS workflow_name,
  j.doc->>'name' AS name, j.doc->>'conclusion' AS conclusion
FROM pull_request p JOIN workflow_job j ON j.doc->>'head_sha' = p.doc->'head'->>'sha'
WHERE (p.doc->>'number')::bigint = {prNumber}
ORDER BY 2, 3, (j.doc->>'id')::bigint""",
         duck="""SELECT p.number, j.workflow_name, j.name, j.conclusion
FROM pull_request p JOIN workflow_job j ON j.head_sha = p.head.sha
WHERE p.number = {prNumber} ORDER BY 2, 3, j.id"""),
    dict(id="q11", title="PRs labelled ciflow/trunk, 7 days -> runs -> jobs (CTE + 3-way join)",
         peer=None, kind="join", params=["weekStart", "stopTime"],
         rockset=f"""WITH prs AS (
  SELECT p.number, p.head.sha AS sha
  FROM commons.pull_request p, UNNEST(p.labels AS l) u
  WHERE u.l.name = 'ciflow/trunk' AND {rw('p', 'weekStart')})
SELECT w.name AS workflow, COUNT(*) AS jobs, COUNT_IF(j.conclusion = 'failure') AS failed
FROM prs JOIN commons.workflow_run w ON w.head_sha = prs.sha
  JOIN commons.workflow_job j ON j.run_id = w.id
GROUP BY w.name ORDER BY w.name""",
         pg=f"""WITH prs AS (
  SELECT (p.doc->>'number')::bigint AS number, p.doc->'head'->>'sha' AS sha
  FROM pull_request p, jsonb_array_elements(p.doc->'labels') l
  WHERE l->>'name' = 'ciflow/trunk' AND {pw('p', 'weekStart')})
SELECT w.doc->>'name' AS workflow, COUNT(*) AS jobs,
  COUNT(*) FILTER (WHERE j.doc->>'conclusion' = 'failure') AS failed
FROM prs JOIN workflow_run w ON w.doc->>'head_sha' = prs.sha
  JOIN workflow_job j ON (j.doc->>'run_id')::bigint = (w.doc->>'id')::bigint
GROUP BY 1 ORDER BY 1""",
         duck=f"""WITH prs AS (
  SELECT p.number, p.head.sha AS sha FROM pull_request p, UNNEST(p.labels) AS u(l)
  WHERE u.l.name = 'ciflow/trunk' AND {dw('p', 'weekStart')})
SELECT w.name AS workflow, COUNT(*) AS jobs, count_if(j.conclusion = 'failure') AS failed
FROM prs JOIN workflow_run w ON w.head_sha = prs.sha JOIN workflow_job j ON j.run_id = w.id
GROUP BY 1 ORDER BY 1"""),
    # ------------------------------------------------------------------ selective lookups
    dict(id="q12", title="jobs of one SHA", peer=None, kind="selective", params=["sha"],
         rockset="""SELECT j.name, j.conclusion, j.run_attempt FROM commons.workflow_job j
WHERE j.head_sha = :sha ORDER BY j.name, j.run_attempt, j.id""",
         pg="""SELECT j.doc->>'name' AS name, j.doc->>'conclusion' AS conclusion,
  (j.doc->>'run_attempt')::bigint AS run_attempt
FROM workflow_job j WHERE j.doc->>'head_sha' = {sha} ORDER BY 1, 3, (j.doc->>'id')::bigint""",
         duck="""SELECT j.name, j.conclusion, j.run_attempt FROM workflow_job j
WHERE j.head_sha = {sha} ORDER BY 1, 3, j.id"""),
    dict(id="q13", title="queued and running jobs per runner label (UNNEST labels)",
         peer=None, kind="selective", params=["stopTime"],
         rockset="""SELECT l.label, COUNT(*) AS waiting,
  MAX(DATE_DIFF('second', PARSE_TIMESTAMP_ISO8601(j.created_at), PARSE_TIMESTAMP_ISO8601(:stopTime))) AS max_age_s
FROM commons.workflow_job j, UNNEST(j.labels AS label) l
WHERE j.status IN ('queued', 'in_progress') AND l.label <> 'self-hosted'
GROUP BY l.label ORDER BY waiting DESC, l.label""",
         pg="""SELECT l AS label, COUNT(*) AS waiting,
  MAX(EXTRACT(EPOCH FROM {ts:stopTime} - iso_ts(j.doc->>'created_at'))::bigint) AS max_age_s
FROM workflow_job j, jsonb_array_elements_text(j.doc->'labels') l
WHERE j.doc->>'status' IN ('queued', 'in_progress') AND l <> 'self-hosted'
GROUP BY 1 ORDER BY waiting DESC, 1""",
         duck="""SELECT u.label, COUNT(*) AS waiting,
  MAX(date_diff('second', j.created_at, {ts:stopTime})) AS max_age_s
FROM workflow_job j, UNNEST(j.labels) AS u(label)
WHERE j.status IN ('queued', 'in_progress') AND u.label <> 'self-hosted'
GROUP BY 1 ORDER BY waiting DESC, 1"""),
    dict(id="q14", title="jobs completed in the last :minutes (ISO string field range)",
         peer=None, kind="selective", params=["stopTime", "minutes"],
         rockset="""SELECT j.workflow_name, COUNT(*) AS jobs, COUNT_IF(j.conclusion = 'failure') AS failed
FROM commons.workflow_job j
WHERE PARSE_TIMESTAMP_ISO8601(j.completed_at) > PARSE_TIMESTAMP_ISO8601(:stopTime) - MINUTES(:minutes)
GROUP BY j.workflow_name ORDER BY j.workflow_name""",
         pg="""SELECT j.doc->>'workflow_name' AS workflow_name, COUNT(*) AS jobs,
  COUNT(*) FILTER (WHERE j.doc->>'conclusion' = 'failure') AS failed
FROM workflow_job j
WHERE iso_ts(j.doc->>'completed_at') > {ts:stopTime} - make_interval(mins => {minutes})
GROUP BY 1 ORDER BY 1""",
         duck="""SELECT j.workflow_name, COUNT(*) AS jobs, count_if(j.conclusion = 'failure') AS failed
FROM workflow_job j WHERE j.completed_at > {ts:stopTime} - to_minutes({minutes})
GROUP BY 1 ORDER BY 1"""),
    dict(id="q15", title="runner label usage per hour, 24 h (ARRAY_CONTAINS + DATE_TRUNC)",
         peer=None, kind="time-bucket", params=["label", "dayStart", "stopTime"],
         rockset=f"""SELECT DATE_TRUNC('hour', PARSE_TIMESTAMP_ISO8601(j.started_at)) AS hour, COUNT(*) AS jobs,
  SUM(DATE_DIFF('second', PARSE_TIMESTAMP_ISO8601(j.started_at), PARSE_TIMESTAMP_ISO8601(j.completed_at))) AS busy_s
FROM commons.workflow_job j
WHERE ARRAY_CONTAINS(j.labels, :label) AND {rw('j', 'dayStart')} AND j.status = 'completed'
GROUP BY hour ORDER BY hour""",
         pg=f"""SELECT date_trunc('hour', iso_ts(j.doc->>'started_at')) AS hour, COUNT(*) AS jobs,
  SUM({PG_DUR.format(a='j')}) AS busy_s
FROM workflow_job j
WHERE j.doc->'labels' @> jsonb_build_array({{label}}::text) AND {pw('j', 'dayStart')}
  AND j.doc->>'status' = 'completed'
GROUP BY 1 ORDER BY 1""",
         duck=f"""SELECT date_trunc('hour', j.started_at) AS hour, COUNT(*) AS jobs,
  SUM(date_diff('second', j.started_at, j.completed_at)) AS busy_s
FROM workflow_job j
WHERE list_contains(j.labels, {{label}}) AND {dw('j', 'dayStart')} AND j.status = 'completed'
GROUP BY 1 ORDER BY 1"""),
    # ------------------------------------------------------------------ percentiles
    dict(id="q16", title="time to signal: run duration p50/p90 per workflow, 7 days",
         peer=None, kind="wide-aggregate", params=["repo", "weekStart", "stopTime"],
         rockset=f"""SELECT w.name, COUNT(*) AS runs,
  APPROX_PERCENTILE(DATE_DIFF('second', PARSE_TIMESTAMP_ISO8601(w.created_at), PARSE_TIMESTAMP_ISO8601(w.updated_at)), 0.5) AS p50_s,
  APPROX_PERCENTILE(DATE_DIFF('second', PARSE_TIMESTAMP_ISO8601(w.created_at), PARSE_TIMESTAMP_ISO8601(w.updated_at)), 0.9) AS p90_s
FROM commons.workflow_run w
WHERE {rw('w', 'weekStart')} AND w.status = 'completed' AND w.repository.full_name = :repo
GROUP BY w.name ORDER BY w.name""",
         pg=f"""SELECT w.doc->>'name' AS name, COUNT(*) AS runs,
  percentile_disc(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM iso_ts(w.doc->>'updated_at') - iso_ts(w.doc->>'created_at'))::bigint) AS p50_s,
  percentile_disc(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM iso_ts(w.doc->>'updated_at') - iso_ts(w.doc->>'created_at'))::bigint) AS p90_s
FROM workflow_run w
WHERE {pw('w', 'weekStart')} AND w.doc->>'status' = 'completed'
  AND w.doc->'repository'->>'full_name' = {{repo}}
GROUP BY 1 ORDER BY 1""",
         duck=f"""SELECT w.name, COUNT(*) AS runs,
  quantile_disc(date_diff('second', w.created_at, w.updated_at), 0.5) AS p50_s,
  quantile_disc(date_diff('second', w.created_at, w.updated_at), 0.9) AS p90_s
FROM workflow_run w
WHERE {dw('w', 'weekStart')} AND w.status = 'completed' AND w.repository.full_name = {{repo}}
GROUP BY 1 ORDER BY 1"""),
    dict(id="q17", title="slowest jobs on main: p50/p90 duration by name, 7 days (PERCENTILE)",
         peer=None, kind="wide-aggregate", params=["branch", "weekStart", "stopTime"],
         rockset=f"""SELECT j.name, COUNT(*) AS n,
  PERCENTILE(DATE_DIFF('second', PARSE_TIMESTAMP_ISO8601(j.started_at), PARSE_TIMESTAMP_ISO8601(j.completed_at)), 0.5) AS p50_s,
  PERCENTILE(DATE_DIFF('second', PARSE_TIMESTAMP_ISO8601(j.started_at), PARSE_TIMESTAMP_ISO8601(j.completed_at)), 0.9) AS p90_s
FROM commons.workflow_job j
WHERE j.head_branch = :branch AND j.status = 'completed' AND {rw('j', 'weekStart')}
GROUP BY j.name HAVING COUNT(*) >= 5
ORDER BY p90_s DESC, j.name LIMIT 15""",
         pg=f"""SELECT j.doc->>'name' AS name, COUNT(*) AS n,
  percentile_disc(0.5) WITHIN GROUP (ORDER BY {PG_DUR.format(a='j')}) AS p50_s,
  percentile_disc(0.9) WITHIN GROUP (ORDER BY {PG_DUR.format(a='j')}) AS p90_s
FROM workflow_job j
WHERE j.doc->>'head_branch' = {{branch}} AND j.doc->>'status' = 'completed' AND {pw('j', 'weekStart')}
GROUP BY 1 HAVING COUNT(*) >= 5 ORDER BY p90_s DESC, 1 LIMIT 15""",
         duck=f"""SELECT j.name, COUNT(*) AS n,
  quantile_disc(date_diff('second', j.started_at, j.completed_at), 0.5) AS p50_s,
  quantile_disc(date_diff('second', j.started_at, j.completed_at), 0.9) AS p90_s
FROM workflow_job j
WHERE j.head_branch = {{branch}} AND j.status = 'completed' AND {dw('j', 'weekStart')}
GROUP BY 1 HAVING COUNT(*) >= 5 ORDER BY p90_s DESC, 1 LIMIT 15"""),
    # ------------------------------------------------------------------ tests
    dict(id="q18", title="most failing tests, 7 days", peer=None, kind="wide-aggregate",
         params=["weekStart", "stopTime"],
         rockset=f"""SELECT t.invoking_file, t.classname, t.name, COUNT(*) AS failures
FROM commons.test_run t
WHERE t.failure IS NOT NULL AND {rw('t', 'weekStart')}
GROUP BY t.invoking_file, t.classname, t.name
ORDER BY failures DESC, t.invoking_file, t.classname, t.name LIMIT 20""",
         pg=f"""SELECT t.doc->>'invoking_file' AS invoking_file, t.doc->>'classname' AS classname,
  t.doc->>'name' AS name, COUNT(*) AS failures
FROM test_run t WHERE t.doc->'failure' IS NOT NULL AND {pw('t', 'weekStart')}
GROUP BY 1, 2, 3 ORDER BY failures DESC, 1, 2, 3 LIMIT 20""",
         duck=f"""SELECT t.invoking_file, t.classname, t.name, COUNT(*) AS failures
FROM test_run t WHERE t.failure IS NOT NULL AND {dw('t', 'weekStart')}
GROUP BY 1, 2, 3 ORDER BY failures DESC, 1, 2, 3 LIMIT 20"""),
    dict(id="q19", title="slowest test files: total and mean time, 7 days", peer=None,
         kind="wide-aggregate", params=["weekStart", "stopTime"],
         rockset=f"""SELECT t.invoking_file, COUNT(*) AS tests, SUM(t.time) AS total_s, AVG(t.time) AS mean_s,
  COUNT_IF(t.skipped IS NOT NULL) AS skipped
FROM commons.test_run t WHERE {rw('t', 'weekStart')}
GROUP BY t.invoking_file ORDER BY total_s DESC, t.invoking_file LIMIT 10""",
         pg=f"""SELECT t.doc->>'invoking_file' AS invoking_file, COUNT(*) AS tests,
  SUM((t.doc->>'time')::float8) AS total_s, AVG((t.doc->>'time')::float8) AS mean_s,
  COUNT(*) FILTER (WHERE t.doc->'skipped' IS NOT NULL) AS skipped
FROM test_run t WHERE {pw('t', 'weekStart')}
GROUP BY 1 ORDER BY total_s DESC, 1 LIMIT 10""",
         duck=f"""SELECT t.invoking_file, COUNT(*) AS tests, SUM(t.time) AS total_s, AVG(t.time) AS mean_s,
  count_if(t.skipped IS NOT NULL) AS skipped
FROM test_run t WHERE {dw('t', 'weekStart')}
GROUP BY 1 ORDER BY total_s DESC, 1 LIMIT 10"""),
    # ------------------------------------------------------------------ window functions, CTEs
    dict(id="q20", title="broken trunk: success->failure transitions per job, 24 h (LAG)",
         peer=None, kind="time-bucket", params=["dayStart", "stopTime"],
         rockset=f"""WITH jobs AS (
  SELECT j.name, j.conclusion,
    LAG(j.conclusion) OVER (PARTITION BY j.name ORDER BY j._event_time, j.id) AS prev
  FROM commons.workflow_job j
  WHERE j.head_branch = 'main' AND j.workflow_name = 'trunk' AND j.status = 'completed'
    AND j.run_attempt = 1 AND {rw('j', 'dayStart')})
SELECT name, COUNT(*) AS breaks FROM jobs
WHERE conclusion = 'failure' AND prev = 'success'
GROUP BY name ORDER BY breaks DESC, name LIMIT 10""",
         pg=f"""WITH jobs AS (
  SELECT j.doc->>'name' AS name, j.doc->>'conclusion' AS conclusion,
    LAG(j.doc->>'conclusion') OVER (PARTITION BY j.doc->>'name'
      ORDER BY iso_ts(j.doc->>'_event_time'), (j.doc->>'id')::bigint) AS prev
  FROM workflow_job j
  WHERE j.doc->>'head_branch' = 'main' AND j.doc->>'workflow_name' = 'trunk'
    AND j.doc->>'status' = 'completed' AND (j.doc->>'run_attempt')::bigint = 1 AND {pw('j', 'dayStart')})
SELECT name, COUNT(*) AS breaks FROM jobs WHERE conclusion = 'failure' AND prev = 'success'
GROUP BY 1 ORDER BY breaks DESC, 1 LIMIT 10""",
         duck=f"""WITH jobs AS (
  SELECT j.name, j.conclusion,
    LAG(j.conclusion) OVER (PARTITION BY j.name ORDER BY j._event_time, j.id) AS prev
  FROM workflow_job j
  WHERE j.head_branch = 'main' AND j.workflow_name = 'trunk' AND j.status = 'completed'
    AND j.run_attempt = 1 AND {dw('j', 'dayStart')})
SELECT name, COUNT(*) AS breaks FROM jobs WHERE conclusion = 'failure' AND prev = 'success'
GROUP BY 1 ORDER BY breaks DESC, 1 LIMIT 10"""),
    dict(id="q21", title="top 3 failing jobs per day, 7 days (CTE + ROW_NUMBER)", peer=None,
         kind="time-bucket", params=["weekStart", "stopTime"],
         rockset=f"""WITH daily AS (
  SELECT DATE_TRUNC('day', j._event_time) AS day, j.name, COUNT(*) AS failures
  FROM commons.workflow_job j
  WHERE j.conclusion = 'failure' AND {rw('j', 'weekStart')}
  GROUP BY DATE_TRUNC('day', j._event_time), j.name),
ranked AS (
  SELECT day, name, failures,
    ROW_NUMBER() OVER (PARTITION BY day ORDER BY failures DESC, name) AS rk
  FROM daily)
SELECT day, name, failures FROM ranked WHERE rk <= 3 ORDER BY day, rk""",
         pg=f"""WITH daily AS (
  SELECT date_trunc('day', iso_ts(j.doc->>'_event_time')) AS day, j.doc->>'name' AS name, COUNT(*) AS failures
  FROM workflow_job j WHERE j.doc->>'conclusion' = 'failure' AND {pw('j', 'weekStart')}
  GROUP BY 1, 2),
ranked AS (
  SELECT day, name, failures, ROW_NUMBER() OVER (PARTITION BY day ORDER BY failures DESC, name) AS rk
  FROM daily)
SELECT day, name, failures FROM ranked WHERE rk <= 3 ORDER BY day, rk""",
         duck=f"""WITH daily AS (
  SELECT date_trunc('day', j._event_time) AS day, j.name, COUNT(*) AS failures
  FROM workflow_job j WHERE j.conclusion = 'failure' AND {dw('j', 'weekStart')}
  GROUP BY 1, 2),
ranked AS (
  SELECT day, name, failures, ROW_NUMBER() OVER (PARTITION BY day ORDER BY failures DESC, name) AS rk
  FROM daily)
SELECT day, name, failures FROM ranked WHERE rk <= 3 ORDER BY day, rk"""),
    dict(id="q22", title="jobs per day with running total and 7-day mean, 30 days (window SUM/AVG)",
         peer=None, kind="time-bucket", params=["startTime", "stopTime"],
         rockset=f"""WITH d AS (
  SELECT DATE_TRUNC('day', j._event_time) AS day, COUNT(*) AS jobs
  FROM commons.workflow_job j WHERE {rw('j', 'startTime')}
  GROUP BY DATE_TRUNC('day', j._event_time))
SELECT day, jobs,
  SUM(jobs) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cumulative,
  AVG(jobs) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS mean7
FROM d ORDER BY day""",
         pg=f"""WITH d AS (
  SELECT date_trunc('day', iso_ts(j.doc->>'_event_time')) AS day, COUNT(*) AS jobs
  FROM workflow_job j WHERE {pw('j', 'startTime')} GROUP BY 1)
SELECT day, jobs,
  SUM(jobs) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cumulative,
  AVG(jobs) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS mean7
FROM d ORDER BY day""",
         duck=f"""WITH d AS (
  SELECT date_trunc('day', j._event_time) AS day, COUNT(*) AS jobs
  FROM workflow_job j WHERE {dw('j', 'startTime')} GROUP BY 1)
SELECT day, jobs,
  SUM(jobs) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cumulative,
  AVG(jobs) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS mean7
FROM d ORDER BY day"""),
    dict(id="q23", title="red commits per day on main, 7 days (CTE, BOOL_OR)", peer=None,
         kind="time-bucket", params=["repo", "weekStart", "stopTime"],
         rockset=f"""WITH per_sha AS (
  SELECT j.head_sha, MIN(j._event_time) AS t, BOOL_OR(j.conclusion = 'failure') AS red
  FROM commons.workflow_job j
  WHERE j.head_branch = 'main' AND j.repository.full_name = :repo AND j.run_attempt = 1
    AND {rw('j', 'weekStart')}
  GROUP BY j.head_sha)
SELECT DATE_TRUNC('day', t) AS day, COUNT(*) AS commits, COUNT_IF(red) AS red
FROM per_sha GROUP BY DATE_TRUNC('day', t) ORDER BY day""",
         pg=f"""WITH per_sha AS (
  SELECT j.doc->>'head_sha' AS head_sha, MIN(iso_ts(j.doc->>'_event_time')) AS t,
    BOOL_OR(j.doc->>'conclusion' = 'failure') AS red
  FROM workflow_job j
  WHERE j.doc->>'head_branch' = 'main' AND j.doc->'repository'->>'full_name' = {{repo}}
    AND (j.doc->>'run_attempt')::bigint = 1 AND {pw('j', 'weekStart')}
  GROUP BY 1)
SELECT date_trunc('day', t) AS day, COUNT(*) AS commits, COUNT(*) FILTER (WHERE red) AS red
FROM per_sha GROUP BY 1 ORDER BY 1""",
         duck=f"""WITH per_sha AS (
  SELECT j.head_sha, MIN(j._event_time) AS t, BOOL_OR(j.conclusion = 'failure') AS red
  FROM workflow_job j
  WHERE j.head_branch = 'main' AND j.repository.full_name = {{repo}} AND j.run_attempt = 1
    AND {dw('j', 'weekStart')}
  GROUP BY 1)
SELECT date_trunc('day', t) AS day, COUNT(*) AS commits, count_if(red) AS red
FROM per_sha GROUP BY 1 ORDER BY 1"""),
    # ------------------------------------------------------------------ buckets, LIKE, nested
    dict(id="q24", title="runs per :granularity bucket and event, 30 days (DATE_TRUNC param)",
         peer=None, kind="time-bucket", params=["granularity", "startTime", "stopTime"],
         rockset=f"""SELECT DATE_TRUNC(:granularity, w._event_time) AS bucket, w.event, COUNT(*) AS runs
FROM commons.workflow_run w WHERE {rw('w', 'startTime')}
GROUP BY DATE_TRUNC(:granularity, w._event_time), w.event ORDER BY bucket, w.event""",
         pg=f"""SELECT date_trunc({{granularity}}, iso_ts(w.doc->>'_event_time')) AS bucket,
  w.doc->>'event' AS event, COUNT(*) AS runs
FROM workflow_run w WHERE {pw('w', 'startTime')} GROUP BY 1, 2 ORDER BY 1, 2""",
         duck=f"""SELECT date_trunc({{granularity}}, w._event_time) AS bucket, w.event, COUNT(*) AS runs
FROM workflow_run w WHERE {dw('w', 'startTime')} GROUP BY 1, 2 ORDER BY 1, 2"""),
    dict(id="q25", title="test-job failure rate per config, 7 days (NOT LIKE, SPLIT_PART)",
         peer=None, kind="wide-aggregate", params=["weekStart", "stopTime"],
         rockset=f"""SELECT SPLIT_PART(j.name, ' / ', 1) AS config, COUNT(*) AS jobs,
  COUNT_IF(j.conclusion = 'failure') * 1.0 / COUNT(*) AS failure_rate
FROM commons.workflow_job j
WHERE j.name NOT LIKE '%/ build%' AND j.name NOT LIKE 'linux-docs%' AND j.workflow_name <> 'Lint'
  AND j.status = 'completed' AND {rw('j', 'weekStart')}
GROUP BY SPLIT_PART(j.name, ' / ', 1) ORDER BY failure_rate DESC, config""",
         pg=f"""SELECT split_part(j.doc->>'name', ' / ', 1) AS config, COUNT(*) AS jobs,
  COUNT(*) FILTER (WHERE j.doc->>'conclusion' = 'failure') * 1.0 / COUNT(*) AS failure_rate
FROM workflow_job j
WHERE j.doc->>'name' NOT LIKE '%/ build%' AND j.doc->>'name' NOT LIKE 'linux-docs%'
  AND j.doc->>'workflow_name' <> 'Lint' AND j.doc->>'status' = 'completed' AND {pw('j', 'weekStart')}
GROUP BY 1 ORDER BY failure_rate DESC, config """,
         duck=f"""SELECT split_part(j.name, ' / ', 1) AS config, COUNT(*) AS jobs,
  count_if(j.conclusion = 'failure') * 1.0 / COUNT(*) AS failure_rate
FROM workflow_job j
WHERE j.name NOT LIKE '%/ build%' AND j.name NOT LIKE 'linux-docs%' AND j.workflow_name <> 'Lint'
  AND j.status = 'completed' AND {dw('j', 'weekStart')}
GROUP BY 1 ORDER BY failure_rate DESC, config"""),
    dict(id="q26", title="failing steps, 7 days (UNNEST of the steps array)", peer=None,
         kind="wide-aggregate", params=["weekStart", "stopTime"],
         rockset=f"""SELECT s.name AS step, COUNT(*) AS failures
FROM commons.workflow_job j CROSS JOIN UNNEST(j.steps) s
WHERE j.conclusion = 'failure' AND s.conclusion = 'failure' AND {rw('j', 'weekStart')}
GROUP BY s.name ORDER BY failures DESC, step""",
         pg=f"""SELECT s->>'name' AS step, COUNT(*) AS failures
FROM workflow_job j CROSS JOIN jsonb_array_elements(j.doc->'steps') s
WHERE j.doc->>'conclusion' = 'failure' AND s->>'conclusion' = 'failure' AND {pw('j', 'weekStart')}
GROUP BY 1 ORDER BY failures DESC, 1""",
         duck=f"""SELECT u.s.name AS step, COUNT(*) AS failures
FROM workflow_job j, UNNEST(j.steps) AS u(s)
WHERE j.conclusion = 'failure' AND u.s.conclusion = 'failure' AND {dw('j', 'weekStart')}
GROUP BY 1 ORDER BY failures DESC, 1"""),
    dict(id="q27", title="failure classification, top 10 lines, 7 days (nested object)",
         peer=None, kind="wide-aggregate", params=["weekStart", "stopTime"],
         rockset=f"""SELECT j.torchci_classification.line AS line, COUNT(*) AS n, COUNT(DISTINCT j.head_sha) AS shas
FROM commons.workflow_job j
WHERE j.conclusion = 'failure' AND j.torchci_classification IS NOT NULL AND {rw('j', 'weekStart')}
GROUP BY j.torchci_classification.line ORDER BY n DESC, line LIMIT 10""",
         pg=f"""SELECT j.doc->'torchci_classification'->>'line' AS line, COUNT(*) AS n,
  COUNT(DISTINCT j.doc->>'head_sha') AS shas
FROM workflow_job j
WHERE j.doc->>'conclusion' = 'failure' AND j.doc->'torchci_classification' IS NOT NULL
  AND {pw('j', 'weekStart')}
GROUP BY 1 ORDER BY n DESC, line LIMIT 10""",
         duck=f"""SELECT j.torchci_classification.line AS line, COUNT(*) AS n, COUNT(DISTINCT j.head_sha) AS shas
FROM workflow_job j
WHERE j.conclusion = 'failure' AND j.torchci_classification IS NOT NULL AND {dw('j', 'weekStart')}
GROUP BY 1 ORDER BY n DESC, line LIMIT 10"""),
    dict(id="q28", title="reverts on main per day, 30 days (LIKE on a nested field)", peer=None,
         kind="time-bucket", params=["startTime", "stopTime"],
         rockset=f"""SELECT DATE_TRUNC('day', p._event_time) AS day, COUNT(*) AS reverts
FROM commons.push p
WHERE p.head_commit.message LIKE 'Revert%' AND p.ref = 'refs/heads/main' AND {rw('p', 'startTime')}
GROUP BY DATE_TRUNC('day', p._event_time) ORDER BY day""",
         pg=f"""SELECT date_trunc('day', iso_ts(p.doc->>'_event_time')) AS day, COUNT(*) AS reverts
FROM push p
WHERE p.doc->'head_commit'->>'message' LIKE 'Revert%' AND p.doc->>'ref' = 'refs/heads/main'
  AND {pw('p', 'startTime')}
GROUP BY 1 ORDER BY 1""",
         duck=f"""SELECT date_trunc('day', p._event_time) AS day, COUNT(*) AS reverts
FROM push p
WHERE p.head_commit.message LIKE 'Revert%' AND p.ref = 'refs/heads/main' AND {dw('p', 'startTime')}
GROUP BY 1 ORDER BY 1"""),
    dict(id="q29", title="PR authors by merges, 30 days (window on an ISO string field)",
         peer=None, kind="top-n", params=["startTime", "stopTime", "limit"],
         rockset="""SELECT p.user.login AS author, COUNT(*) AS merged
FROM commons.pull_request p
WHERE p.merged_at IS NOT NULL
  AND PARSE_TIMESTAMP_ISO8601(p.merged_at) >= PARSE_TIMESTAMP_ISO8601(:startTime)
  AND PARSE_TIMESTAMP_ISO8601(p.merged_at) < PARSE_TIMESTAMP_ISO8601(:stopTime)
GROUP BY p.user.login ORDER BY merged DESC, author LIMIT :limit""",
         pg="""SELECT p.doc->'user'->>'login' AS author, COUNT(*) AS merged
FROM pull_request p
WHERE iso_ts(p.doc->>'merged_at') >= {ts:startTime} AND iso_ts(p.doc->>'merged_at') < {ts:stopTime}
GROUP BY 1 ORDER BY merged DESC, author LIMIT {limit}""",
         duck="""SELECT p.user.login AS author, COUNT(*) AS merged FROM pull_request p
WHERE p.merged_at >= {ts:startTime} AND p.merged_at < {ts:stopTime}
GROUP BY 1 ORDER BY merged DESC, author LIMIT {limit}"""),
    dict(id="q30", title="retried runs per workflow, 7 days (datetime parameter)", peer=None,
         kind="wide-aggregate", params=["weekStart", "stopTime"],
         rockset="""SELECT w.name, COUNT(*) AS runs, COUNT_IF(w.run_attempt > 1) AS retried
FROM commons.workflow_run w
WHERE w._event_time >= PARSE_DATETIME_ISO8601(:weekStart)
  AND w._event_time < PARSE_DATETIME_ISO8601(:stopTime)
GROUP BY w.name ORDER BY w.name""",
         pg=f"""SELECT w.doc->>'name' AS name, COUNT(*) AS runs,
  COUNT(*) FILTER (WHERE (w.doc->>'run_attempt')::bigint > 1) AS retried
FROM workflow_run w WHERE {pw('w', 'weekStart')} GROUP BY 1 ORDER BY 1""",
         duck=f"""SELECT w.name, COUNT(*) AS runs, count_if(w.run_attempt > 1) AS retried
FROM workflow_run w WHERE {dw('w', 'weekStart')} GROUP BY 1 ORDER BY 1"""),
    dict(id="q31", title="open PRs per label, 30 days (UNNEST of label objects)", peer=None,
         kind="wide-aggregate", params=["startTime", "stopTime"],
         rockset=f"""SELECT u.label.name AS label, COUNT(*) AS open_prs
FROM commons.pull_request p, UNNEST(p.labels AS label) u
WHERE p.state = 'open' AND {rw('p', 'startTime')}
GROUP BY u.label.name ORDER BY open_prs DESC, label""",
         pg=f"""SELECT l->>'name' AS label, COUNT(*) AS open_prs
FROM pull_request p, jsonb_array_elements(p.doc->'labels') l
WHERE p.doc->>'state' = 'open' AND {pw('p', 'startTime')}
GROUP BY 1 ORDER BY open_prs DESC, label """,
         duck=f"""SELECT u.l.name AS label, COUNT(*) AS open_prs
FROM pull_request p, UNNEST(p.labels) AS u(l)
WHERE p.state = 'open' AND {dw('p', 'startTime')}
GROUP BY 1 ORDER BY open_prs DESC, label"""),
    # ------------------------------------------------- shapes real lambdas wrote (round 3)
    dict(id="q32", title="red main commits of a day, joins written job -> (run -> push)",
         peer=None, kind="join", params=["repo", "dayStart", "stopTime"],
         rockset=f"""SELECT p.head_commit.id AS sha, COUNT(*) AS jobs,
  COUNT_IF(j.conclusion = 'failure') AS failed
FROM commons.workflow_job j
  JOIN (commons.workflow_run w JOIN commons.push p ON w.head_sha = p.head_commit.id)
    ON w.id = j.run_id HINT(join_strategy = lookup)
WHERE p.ref = 'refs/heads/main' AND p.repository.full_name = :repo AND {rw('p', 'dayStart')}
GROUP BY p.head_commit.id ORDER BY failed DESC, sha LIMIT 20""",
         pg=f"""SELECT p.doc->'head_commit'->>'id' AS sha, COUNT(*) AS jobs,
  COUNT(*) FILTER (WHERE j.doc->>'conclusion' = 'failure') AS failed
FROM workflow_job j
  JOIN (workflow_run w JOIN push p ON w.doc->>'head_sha' = p.doc->'head_commit'->>'id')
    ON (w.doc->>'id')::bigint = (j.doc->>'run_id')::bigint
WHERE p.doc->>'ref' = 'refs/heads/main' AND p.doc->'repository'->>'full_name' = {{repo}}
  AND {pw('p', 'dayStart')}
GROUP BY 1 ORDER BY failed DESC, sha LIMIT 20""",
         duck=f"""SELECT p.head_commit.id AS sha, COUNT(*) AS jobs,
  count_if(j.conclusion = 'failure') AS failed
FROM workflow_job j JOIN (workflow_run w JOIN push p ON w.head_sha = p.head_commit.id)
  ON w.id = j.run_id
WHERE p.ref = 'refs/heads/main' AND p.repository.full_name = {{repo}} AND {dw('p', 'dayStart')}
GROUP BY 1 ORDER BY failed DESC, sha LIMIT 20"""),
    dict(id="q33", title="jobs of a list of SHAs, optional conclusion (SPLIT, OR :p = '')",
         peer=None, kind="selective", params=["shas", "anyConclusion"],
         rockset="""SELECT j.head_sha, j.name, j.conclusion
FROM commons.workflow_job j
WHERE ARRAY_CONTAINS(SPLIT(:shas, ','), j.head_sha)
  AND (j.conclusion = :anyConclusion OR :anyConclusion = '')
ORDER BY j.head_sha, j.name, j.id""",
         pg="""SELECT j.doc->>'head_sha' AS head_sha, j.doc->>'name' AS name,
  j.doc->>'conclusion' AS conclusion
FROM workflow_job j
WHERE j.doc->>'head_sha' = ANY(string_to_array({shas}, ','))
  AND (j.doc->>'conclusion' = {anyConclusion} OR {anyConclusion} = '')
ORDER BY 1, 2, (j.doc->>'id')::bigint""",
         duck="""SELECT j.head_sha, j.name, j.conclusion FROM workflow_job j
WHERE list_contains(string_split({shas}, ','), j.head_sha)
  AND (j.conclusion = {anyConclusion} OR {anyConclusion} = '')
ORDER BY 1, 2, j.id"""),
    dict(id="q34", title="job time by workflow and length, 24 h (a chain of WITH queries)",
         peer=None, kind="wide-aggregate", params=["dayStart", "stopTime"],
         rockset=f"""WITH jobs AS (
  SELECT j.workflow_name AS workflow, j.conclusion AS conclusion,
    DATE_DIFF('second', PARSE_TIMESTAMP_ISO8601(j.started_at),
      PARSE_TIMESTAMP_ISO8601(j.completed_at)) AS secs
  FROM commons.workflow_job j WHERE {rw('j', 'dayStart')} AND j.status = 'completed'),
typed AS (
  SELECT workflow, secs, IF(conclusion = 'failure', secs, 0) AS failed_secs,
    CASE WHEN secs > 3600 THEN 'long' WHEN secs > 600 THEN 'medium' ELSE 'short' END AS length
  FROM jobs)
SELECT workflow, length, COUNT(*) AS n, SUM(secs) AS total_s, SUM(failed_secs) AS failed_s
FROM typed GROUP BY workflow, length ORDER BY workflow, length""",
         pg=f"""WITH jobs AS (
  SELECT j.doc->>'workflow_name' AS workflow, j.doc->>'conclusion' AS conclusion,
    {PG_DUR.format(a='j')} AS secs
  FROM workflow_job j WHERE {pw('j', 'dayStart')} AND j.doc->>'status' = 'completed'),
typed AS (
  SELECT workflow, secs, CASE WHEN conclusion = 'failure' THEN secs ELSE 0 END AS failed_secs,
    CASE WHEN secs > 3600 THEN 'long' WHEN secs > 600 THEN 'medium' ELSE 'short' END AS length
  FROM jobs)
SELECT workflow, length, COUNT(*) AS n, SUM(secs) AS total_s, SUM(failed_secs) AS failed_s
FROM typed GROUP BY 1, 2 ORDER BY 1, 2""",
         duck=f"""WITH jobs AS (
  SELECT j.workflow_name AS workflow, j.conclusion AS conclusion,
    date_diff('second', j.started_at, j.completed_at) AS secs
  FROM workflow_job j WHERE {dw('j', 'dayStart')} AND j.status = 'completed'),
typed AS (
  SELECT workflow, secs, CASE WHEN conclusion = 'failure' THEN secs ELSE 0 END AS failed_secs,
    CASE WHEN secs > 3600 THEN 'long' WHEN secs > 600 THEN 'medium' ELSE 'short' END AS length
  FROM jobs)
SELECT workflow, length, COUNT(*) AS n, SUM(secs) AS total_s, SUM(failed_secs) AS failed_s
FROM typed GROUP BY 1, 2 ORDER BY 1, 2"""),
    # HUD's heaviest shape (its master_* lambdas): the red jobs of main's pushes, reached job ->
    # run -> push with the owner and head repository checked, cut by the job name's first part
    dict(id="q35", title="red main jobs per build, 7 days (job -> run -> push, SPLIT, LOWER)",
         peer=None, kind="wide-aggregate", params=["weekStart", "stopTime", "repo"],
         rockset=f"""SELECT ELEMENT_AT(SPLIT(j.name, ' / '), 1) AS build, COUNT(*) AS red,
  COUNT(DISTINCT j.head_sha) AS shas
FROM commons.workflow_job j
  JOIN commons.workflow_run w ON w.id = j.run_id
  JOIN commons.push p ON p.head_commit.id = w.head_sha
WHERE p.ref = 'refs/heads/main' AND p.repository.owner.name = 'pytorch'
  AND w.head_repository.full_name = :repo AND LOWER(w.name) IN ('pull', 'trunk')
  AND j.conclusion IN ('failure', 'cancelled', 'timed_out')
  AND j.name NOT LIKE '%rerun_disabled_tests%' AND {rw('j', 'weekStart')}
GROUP BY ELEMENT_AT(SPLIT(j.name, ' / '), 1) ORDER BY red DESC, build LIMIT 15""",
         pg=f"""SELECT split_part(j.doc->>'name', ' / ', 1) AS build, COUNT(*) AS red,
  COUNT(DISTINCT j.doc->>'head_sha') AS shas
FROM workflow_job j
  JOIN workflow_run w ON (w.doc->>'id')::bigint = (j.doc->>'run_id')::bigint
  JOIN push p ON p.doc->'head_commit'->>'id' = w.doc->>'head_sha'
WHERE p.doc->>'ref' = 'refs/heads/main' AND p.doc->'repository'->'owner'->>'name' = 'pytorch'
  AND w.doc->'head_repository'->>'full_name' = {{repo}}
  AND lower(w.doc->>'name') IN ('pull', 'trunk')
  AND j.doc->>'conclusion' IN ('failure', 'cancelled', 'timed_out')
  AND j.doc->>'name' NOT LIKE '%rerun_disabled_tests%' AND {pw('j', 'weekStart')}
GROUP BY 1 ORDER BY red DESC, build LIMIT 15""",
         duck=f"""SELECT split_part(j.name, ' / ', 1) AS build, COUNT(*) AS red,
  COUNT(DISTINCT j.head_sha) AS shas
FROM workflow_job j JOIN workflow_run w ON w.id = j.run_id
  JOIN push p ON p.head_commit.id = w.head_sha
WHERE p.ref = 'refs/heads/main' AND p.repository.owner.name = 'pytorch'
  AND w.head_repository.full_name = {{repo}} AND lower(w.name) IN ('pull', 'trunk')
  AND j.conclusion IN ('failure', 'cancelled', 'timed_out')
  AND j.name NOT LIKE '%rerun_disabled_tests%' AND {dw('j', 'weekStart')}
GROUP BY 1 ORDER BY red DESC, build LIMIT 15"""),
    # -------------------------------------------- subqueries, as HUD's lambdas write them
    dict(id="q36", title="jobs of a commit's runs (IN subquery)",
         peer=None, kind="join", params=["sha"],
         rockset="""SELECT j.name, j.conclusion FROM commons.workflow_job j
WHERE j.run_id IN (SELECT w.id FROM commons.workflow_run w WHERE w.head_sha = :sha)
ORDER BY j.name, j.id""",
         pg="""SELECT j.doc->>'name' AS name, j.doc->>'conclusion' AS conclusion FROM workflow_job j
WHERE (j.doc->>'run_id')::bigint IN (SELECT (w.doc->>'id')::bigint FROM workflow_run w
  WHERE w.doc->>'head_sha' = {sha})
ORDER BY 1, (j.doc->>'id')::bigint""",
         duck="""SELECT j.name, j.conclusion FROM workflow_job j
WHERE j.run_id IN (SELECT w.id FROM workflow_run w WHERE w.head_sha = {sha})
ORDER BY 1, j.id"""),
    dict(id="q37", title="runs of the last hours with a failed job (correlated EXISTS)",
         peer=None, kind="join", params=["hourStart", "stopTime"],
         rockset=f"""SELECT w.id, w.name FROM commons.workflow_run w
WHERE {rw('w', 'hourStart')} AND EXISTS (SELECT 1 FROM commons.workflow_job j
  WHERE j.run_id = w.id AND j.conclusion = 'failure')
ORDER BY w.id""",
         pg=f"""SELECT (w.doc->>'id')::bigint AS id, w.doc->>'name' AS name FROM workflow_run w
WHERE {pw('w', 'hourStart')} AND EXISTS (SELECT 1 FROM workflow_job j
  WHERE (j.doc->>'run_id')::bigint = (w.doc->>'id')::bigint AND j.doc->>'conclusion' = 'failure')
ORDER BY 1""",
         duck=f"""SELECT w.id, w.name FROM workflow_run w
WHERE {dw('w', 'hourStart')} AND EXISTS (SELECT 1 FROM workflow_job j
  WHERE j.run_id = w.id AND j.conclusion = 'failure')
ORDER BY 1"""),
    dict(id="q38", title="jobs per run of a commit (a correlated COUNT per row)",
         peer=None, kind="join", params=["sha"],
         rockset="""SELECT w.id, w.name,
  (SELECT COUNT(*) FROM commons.workflow_job j WHERE j.run_id = w.id) AS jobs
FROM commons.workflow_run w WHERE w.head_sha = :sha ORDER BY w.id""",
         pg="""SELECT (w.doc->>'id')::bigint AS id, w.doc->>'name' AS name,
  (SELECT COUNT(*) FROM workflow_job j WHERE (j.doc->>'run_id')::bigint = (w.doc->>'id')::bigint)
    AS jobs
FROM workflow_run w WHERE w.doc->>'head_sha' = {sha} ORDER BY 1""",
         duck="""SELECT w.id, w.name,
  (SELECT COUNT(*) FROM workflow_job j WHERE j.run_id = w.id) AS jobs
FROM workflow_run w WHERE w.head_sha = {sha} ORDER BY 1"""),
    dict(id="q39", title="jobs of the hour before the latest push (MAX subquery bound)",
         peer=None, kind="selective", params=[],
         rockset="""SELECT j.workflow_name, COUNT(*) AS jobs FROM commons.workflow_job j
WHERE j._event_time > (SELECT MAX(p._event_time) FROM commons.push p) - HOURS(1)
GROUP BY j.workflow_name ORDER BY j.workflow_name""",
         pg="""SELECT j.doc->>'workflow_name' AS workflow_name, COUNT(*) AS jobs FROM workflow_job j
WHERE iso_ts(j.doc->>'_event_time') > (SELECT MAX(iso_ts(p.doc->>'_event_time')) FROM push p)
  - interval '1 hour'
GROUP BY 1 ORDER BY 1""",
         duck="""SELECT j.workflow_name, COUNT(*) AS jobs FROM workflow_job j
WHERE j._event_time > (SELECT MAX(p._event_time) FROM push p) - INTERVAL 1 HOUR
GROUP BY 1 ORDER BY 1"""),
    dict(id="q40", title="first 10 jobs of a workflow started in a day (ISO string range, top-N)",
         peer=None, kind="top-n", params=["dayStart", "stopTime"],
         rockset="""SELECT j.id, j.name FROM commons.workflow_job j
WHERE j.started_at >= :dayStart AND j.started_at < :stopTime AND j.workflow_name = 'trunk'
ORDER BY j.id LIMIT 10""",
         pg="""SELECT (j.doc->>'id')::bigint AS id, j.doc->>'name' AS name FROM workflow_job j
WHERE j.doc->>'started_at' >= {dayStart} AND j.doc->>'started_at' < {stopTime}
  AND j.doc->>'workflow_name' = 'trunk'
ORDER BY 1 LIMIT 10""",
         duck="""SELECT j.id, j.name FROM workflow_job j
WHERE j.started_at >= {ts:dayStart} AND j.started_at < {ts:stopTime} AND j.workflow_name = 'trunk'
ORDER BY 1 LIMIT 10"""),
]

# PostgreSQL: one jsonb table per collection; the function and indexes a competent PG user adds
# for these queries (expression indexes on what they filter, join and sort on).
PG_SETUP = """
CREATE FUNCTION iso_ts(text) RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT $1::timestamptz $$;
"""
PG_INDEXES = [
    "CREATE INDEX ON workflow_job (iso_ts(doc->>'_event_time'))",
    "CREATE INDEX ON workflow_job ((doc->>'conclusion'), iso_ts(doc->>'_event_time'))",
    "CREATE INDEX ON workflow_job ((doc->>'head_sha'))",
    "CREATE INDEX ON workflow_job (((doc->>'id')::bigint))",
    "CREATE INDEX ON workflow_job (((doc->>'run_id')::bigint))",
    "CREATE INDEX ON workflow_job ((doc->>'status'))",
    "CREATE INDEX ON workflow_job (iso_ts(doc->>'completed_at'))",
    "CREATE INDEX ON workflow_job ((doc->>'started_at'))",
    "CREATE INDEX ON workflow_job USING gin ((doc->'labels') jsonb_path_ops)",
    "CREATE INDEX ON workflow_run (((doc->>'id')::bigint))",
    "CREATE INDEX ON workflow_run ((doc->>'head_sha'))",
    "CREATE INDEX ON workflow_run (iso_ts(doc->>'_event_time'))",
    "CREATE INDEX ON push (iso_ts(doc->>'_event_time'))",
    "CREATE INDEX ON push ((doc->'head_commit'->>'id'))",
    "CREATE INDEX ON pull_request (((doc->>'number')::bigint))",
    "CREATE INDEX ON pull_request (iso_ts(doc->>'_event_time'))",
    "CREATE INDEX ON pull_request (iso_ts(doc->>'merged_at'))",
    "CREATE INDEX ON test_run (iso_ts(doc->>'_event_time'))",
    "CREATE INDEX ON test_run (((doc->>'job_id')::bigint))",
]
