// duck.mjs - the DuckDB peer of the dashboard benchmark (run by peers.py with node).
//
//   node duck.mjs JOB.json OUT.json
//
// JOB: {db, segments: [dir, ...] (oldest first), collections, reps, timeout_ms, queries: [{id,
// sql}]}. Each collection becomes a typed table, as a DuckDB user would make it: read_json over
// the segments' NDJSON files with the types inferred from every document (sample_size=-1), so
// nested objects are STRUCTs, arrays LISTs and ISO strings TIMESTAMPs. Then the queries run once
// a round, in order, up to `reps` rounds; a query whose first run took 2 s or more runs once
// (median time reported; the first run's rows are the answer). A query running past timeout_ms
// is interrupted.
// OUT: {load_s, docs, size_bytes, queries: {id: {status, client_ms, samples, rows | error}}}.
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const inst = await DuckDBInstance.create(job.db);
const con = await inst.connect();

async function load() {
  const started = performance.now();
  let docs = 0;
  for (const c of job.collections) {
    const files = job.segments.map((s) => `'${s}/${c}.ndjson'`).join(', ');
    await con.run(`CREATE TABLE ${c} AS SELECT * FROM read_json([${files}], ` +
                  `format = 'newline_delimited', sample_size = -1)`);
    const r = await con.runAndReadAll(`SELECT COUNT(*) AS n FROM ${c}`);
    docs += Number(r.getRowObjectsJson()[0].n);
  }
  await con.run('CHECKPOINT');
  return { load_s: (performance.now() - started) / 1000, docs };
}

async function once(sql) {
  const started = performance.now();
  const timer = setTimeout(() => con.interrupt(), job.timeout_ms);
  try {
    const r = await con.runAndReadAll(sql);
    const rows = r.getRowObjectsJson();
    return { status: 'ok', client_ms: performance.now() - started, rows };
  } catch (e) {
    const ms = performance.now() - started;
    if (ms >= job.timeout_ms) return { status: 'timeout', client_ms: ms };
    return { status: 'error', client_ms: ms, error: String(e.message || e) };
  } finally {
    clearTimeout(timer);
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

const out = await load();
out.size_bytes = fs.statSync(job.db).size;
out.queries = {};
// each query once a round, as the other systems' (lib.measure_rounds)
const times = {};
let again = [];
for (const q of job.queries) {
  const first = await once(q.sql);
  out.queries[q.id] = first;
  times[q.id] = first.status === 'ok' ? [first.client_ms] : [];
  if (first.status === 'ok' && first.client_ms < 2000) again.push(q);
}
for (let i = 1; i < job.reps; i++) {
  const next = [];
  for (const q of again) {
    const r = await once(q.sql);
    if (r.status !== 'ok') continue;
    times[q.id].push(r.client_ms);
    next.push(q);
  }
  again = next;
}
for (const q of job.queries) {
  out.queries[q.id] = { ...out.queries[q.id], samples: times[q.id].length };
  if (times[q.id].length) out.queries[q.id].client_ms = median(times[q.id]);
}
fs.writeFileSync(process.argv[3], JSON.stringify(out));
