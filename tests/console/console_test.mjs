// console_test.mjs - the web console (docs/console.md) driven in headless Chromium, as a person
// would use it: sign in, run a parameterized query, page its result, EXPLAIN, chart a
// time-bucket query, browse a collection's fields, run a lambda version, a read-only key
// refused a delete, and documents of hostile text that must run nothing.
//
//   RL_URL=http://127.0.0.1:PORT RL_KEY=... CHROMIUM=/usr/bin/chromium PROFILE=/tmp/dir \
//   SHOTS=dir node tests/console/console_test.mjs
//
// tests/e2e/test_console.py starts the server and runs this (make test). Each check prints
// "PASS console/<name>", "FAIL console/<name>: <why>" or, for a feature the server does not
// offer yet (EXPLAIN, API keys and roles), "SKIP console/<name>: <why>"; such checks find out at
// start whether the server answers, and pass once it does. The data is made here, through the
// API, so every expected value below is computed from it.

import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Browser} from './cdp.mjs';

const URL = process.env.RL_URL;
const KEY = process.env.RL_KEY;
const SHOTS = process.env.SHOTS;
const ORG = `${URL}/v1/orgs/self`;
let failed = 0;
let blocked = null; // set when a failure makes the checks after it meaningless

// ---- reporting ----

const scrub = (s) => String(s).split(KEY).join('<KEY>').replace(/\s+/g, ' ').slice(0, 1500);

async function check(name, fn) {
  if (blocked) {
    console.log(`FAIL console/${name}: not run: ${blocked}`);
    failed++;
    return false;
  }
  try {
    const r = await fn();
    if (r && r.skip) {
      console.log(`SKIP console/${name}: ${r.skip}`);
      return false;
    }
    console.log(`PASS console/${name}`);
    return true;
  } catch (e) {
    console.log(`FAIL console/${name}: ${scrub(e.message)}`);
    failed++;
    return false;
  }
}

function eq(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

function ok(cond, what) {
  if (!cond) throw new Error(what);
}

// ---- the API, for making data and for the expected answers ----

async function api(method, path, body, key = KEY) {
  const r = await fetch(`${ORG}/${path}`, {method, headers: {Authorization: `ApiKey ${key}`,
    'Content-Type': 'application/json'}, body: body === undefined ? undefined : JSON.stringify(body)});
  const text = await r.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  return {status: r.status, body: data};
}

async function must(method, path, body) {
  const r = await api(method, path, body);
  if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${scrub(JSON.stringify(r.body))}`);
  return r.body;
}

const CUSTOMERS = ['ann', 'bob', 'cy', 'dee', 'eve'];
const BARS_SQL = 'SELECT customer, SUM(qty) AS qty, COUNT(*) AS n\nFROM shop.orders\nGROUP BY customer\nORDER BY customer';
const BASE_MS = Date.UTC(2024, 0, 1);
const N = 250;

function order(i) {
  return {
    _id: `o${String(i).padStart(3, '0')}`,
    customer: CUSTOMERS[i % 5],
    total: i * 1.5, // an int when i is even (JSON has no 2.0), a float when odd
    qty: i % 7,
    ts: new Date(BASE_MS + i * 17 * 60000).toISOString(),
    items: [{sku: `s${i % 3}`, n: i % 4}],
  };
}

const HOSTILE = [
  {_id: 'x1', name: '<script>window.__pwned = 1</script>',
    html: '"><img src=x onerror="window.__pwned = 2">',
    '<img src=x onerror=window.__pwned=3>': 'a field name that is markup',
    nested: {deep: '<svg onload="window.__pwned = 4"></svg>', list: ['<iframe src="javascript:window.__pwned=5">']},
    link: 'javascript:window.__pwned = 6', n: 1},
  {_id: 'x2', name: '</td></tr></table><b onmouseover="window.__pwned = 7">bold</b>', n: 2,
    html: '{{constructor.constructor("window.__pwned = 8")()}}'},
];

async function seed() {
  await must('POST', 'ws', {name: 'shop', description: 'console test data'});
  await must('POST', 'ws/shop/collections', {name: 'orders', description: 'orders of the shop',
    field_mapping_query: {sql: 'SELECT * FROM _input'}, retention_secs: 86400});
  await must('POST', 'ws/shop/collections', {name: 'evil'});
  const docs = [];
  for (let i = 1; i <= N; i++) docs.push(order(i));
  await must('POST', 'ws/shop/collections/orders/docs', {data: docs});
  await must('POST', 'ws/shop/collections/evil/docs', {data: HOSTILE});
  const v1 = (await must('POST', 'ws/shop/lambdas', {name: 'by_customer', sql: {
    query: 'SELECT customer, COUNT(*) AS n FROM shop.orders WHERE total > :min GROUP BY customer ORDER BY customer',
    default_parameters: [{name: 'min', type: 'int', value: '0'}]}})).data.version;
  const v2 = (await must('POST', 'ws/shop/lambdas/by_customer/versions', {sql: {
    query: 'SELECT customer, SUM(qty) AS qty FROM shop.orders WHERE total > :min GROUP BY customer ORDER BY customer',
    default_parameters: [{name: 'min', type: 'int', value: '0'}]}})).data.version;
  await must('POST', 'ws/shop/lambdas/by_customer/tags', {tag_name: 'prod', version: v1});
  for (const c of ['orders', 'evil']) { // READY at once unless --provision-delay-ms
    for (let t = 0; t < 400; t++) {
      const st = (await must('GET', `ws/shop/collections/${c}`)).data.status;
      if (st === 'READY') break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {v1, v2};
}

// ---- page helpers ----

let page;
let shotNo = 0;

async function shot(name) {
  if (!SHOTS) return;
  await page.eval('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  await page.screenshot(join(SHOTS, `${name}.png`));
  shotNo++;
}

const q = JSON.stringify;

async function setSql(sql) {
  await page.eval(`(() => { location.hash = '#/query'; })()`);
  await page.waitFor(`!document.querySelector('#view-query').hidden`, 'the query screen');
  await page.type('#sql-input', sql);
  await page.waitFor(`document.querySelector('#sql-input').value === ${q(sql)}`, 'the editor to hold the query');
  await page.key('Escape'); // closes a completion list typing may have opened
}

// Runs the editor's query with Ctrl+Enter; waits for its stats or its error.
async function runEditor() {
  await page.eval(`(() => { const s = document.querySelector('#query-stats');
    if (s) s.remove(); document.querySelector('#query-error').replaceChildren(); })()`);
  await page.eval(`document.querySelector('#sql-input').focus()`);
  await page.key('Enter', {ctrl: true});
  await page.waitFor(`document.querySelector('#query-stats') || document.querySelector('#query-error .notice')`,
    'the query to finish');
  await page.waitFor(`!document.querySelector('#run-query').disabled`, 'Run to be enabled again');
}

async function rangeText(prefix = 'results') {
  return page.text(`#${prefix}-range`);
}

// Cells of the result table: [[row cells without the row number]].
async function tableRows(sel) {
  return page.eval(`[...document.querySelectorAll(${q(sel + ' tbody tr')})].map((tr) =>
    [...tr.children].slice(1).map((td) => td.textContent))`);
}

async function signIn(key) {
  await page.goto(`${URL}/`);
  await page.waitFor('document.documentElement.dataset.ready', 'the console to start');
  await page.type('#signin-key', key);
  await page.click('#signin-submit');
  await page.waitFor(`!document.querySelector('#app-view').hidden`, 'the console after sign-in');
}

// ---- the checks ----

async function main() {
  if (SHOTS) mkdirSync(SHOTS, {recursive: true});
  const seeded = await seed();
  const explainOk = (await api('POST', 'queries', {sql: {query: 'EXPLAIN SELECT 1'}})).status === 200;
  const roMade = await api('POST', 'users/self/apikeys', {name: 'console-read-only', role: 'read-only'});
  const roKey = roMade.status === 200 ? roMade.body.data.key : null;

  const browser = await Browser.launch(process.env.CHROMIUM, process.env.PROFILE,
    {width: 1366, height: 900});
  try {
    page = await browser.newPage();
    await browser.send('Browser.grantPermissions', {origin: URL,
      permissions: ['clipboardReadWrite', 'clipboardSanitizedWrite']});
    await run(seeded, explainOk, roKey);
  } finally {
    if (page) {
      writeFileSync(join(process.env.LOGDIR || '.', 'console_browser.log'),
        [...page.console.map((c) => `console ${c}`), ...page.exceptions.map((e) => `exception ${e}`),
          ...page.requests.map((r) => `request ${r.url}`)].join('\n') + '\n');
    }
    await browser.close();
  }
}

async function run(seeded, explainOk, roKey) {
  await check('sign_in_refuses_a_wrong_key', async () => {
    await page.goto(`${URL}/`);
    await page.waitFor('document.documentElement.dataset.ready', 'the console to start');
    await shot('01-sign-in');
    await page.type('#signin-key', 'not-a-key');
    await page.click('#signin-submit');
    const t = await page.waitFor(`document.querySelector('#signin-error .notice')?.textContent`,
      'the refusal');
    ok(t.startsWith('That key was refused.'), `refusal text: ${t}`);
    ok(await page.eval(`document.querySelector('#app-view').hidden`), 'the console opened anyway');
  });

  const signedIn = await check('sign_in', async () => {
    await page.type('#signin-key', KEY);
    await page.click('#signin-submit');
    await page.waitFor(`!document.querySelector('#app-view').hidden`, 'the console after sign-in');
    eq(await page.text('#user-email'), 'local@rockset-local', 'signed-in user');
    eq(await page.eval(`sessionStorage.getItem('rl.key') === ${q(KEY)}`), true,
      'the key kept in the tab\'s sessionStorage');
    eq(await page.eval(`localStorage.length`), 0, 'nothing in localStorage');
  });
  if (!signedIn) blocked = 'sign_in failed';

  await check('parameterized_query', async () => {
    await setSql('SELECT _id, customer, total\nFROM shop.orders\nWHERE total > :min\nORDER BY total DESC');
    await page.waitFor(`document.querySelector('#param-min-value')`, 'an input for :min');
    await page.choose('#param-min-type', 'int');
    await page.type('#param-min-value', '300');
    await runEditor();
    const want = [];
    for (let i = N; i >= 1; i--) if (order(i).total > 300) want.push(order(i));
    eq(await page.text('#stat-rows'), `${want.length} rows`, 'row count');
    eq(await rangeText(), `rows 1–${want.length} of ${want.length}`, 'range');
    const rows = await tableRows('#results-table');
    eq(rows[0], [want[0]._id, want[0].customer, String(want[0].total)], 'first row');
    eq(rows.length, want.length, 'rows shown');
    ok(/^elapsed \d+ ms$/.test(await page.text('#stat-elapsed')), 'elapsed shown');
    eq(await page.text('#stat-index') !== null, true, 'index used shown');
    await shot('02-query-parameters');
  });

  await check('page_a_result', async () => {
    await setSql('SELECT _id, total FROM shop.orders ORDER BY _id');
    await runEditor();
    eq(await rangeText(), 'rows 1–100 of 250', 'first page');
    eq(await page.eval(`document.querySelectorAll('#results-table tbody tr').length`), 100, 'rows drawn');
    await page.click('#results-next');
    await page.waitFor(`document.querySelector('#results-range').textContent === 'rows 101–200 of 250'`,
      'the second page');
    eq((await tableRows('#results-table'))[0], ['o101', String(order(101).total)], 'first row of page 2');
    await page.click('#results-next');
    await page.waitFor(`document.querySelector('#results-range').textContent === 'rows 201–250 of 250'`,
      'the last page');
    eq(await page.eval(`document.querySelector('#results-next').disabled`), true, 'Next disabled at the end');
    await page.click('#results-prev');
    await page.waitFor(`document.querySelector('#results-range').textContent === 'rows 101–200 of 250'`,
      'back to page 2');
    await page.choose('#results-size', '25');
    await page.waitFor(`document.querySelector('#results-range').textContent === 'rows 1–25 of 250'`,
      '25 rows a page');
  });

  await check('copy_page_as_csv_and_json', async () => {
    await page.click('#results-copy-csv');
    await page.waitFor(`document.querySelector('.copy-status')?.textContent.startsWith('copied')`,
      'the copy');
    const csv = await page.eval('navigator.clipboard.readText()');
    const lines = csv.trimEnd().split('\r\n');
    eq(lines.length, 26, 'CSV lines (header and 25 rows)');
    eq(lines.slice(0, 3), ['_id,total', `o001,${order(1).total}`, `o002,${order(2).total}`], 'CSV head');
    await page.click('#results-copy-json');
    await page.waitFor(`document.querySelector('.copy-status')?.textContent === 'copied 25 rows as JSON'`,
      'the JSON copy');
    const json = JSON.parse(await page.eval('navigator.clipboard.readText()'));
    eq(json[24], {_id: 'o025', total: order(25).total}, 'last JSON row');
  });

  await check('error_shows_line_and_column', async () => {
    const sql = 'SELECT _id\nFROM shop.orders\nWHERE total >';
    const direct = await api('POST', 'queries', {sql: {query: sql}});
    await setSql(sql);
    await runEditor();
    const t = await page.text('#query-error .notice');
    eq(t, `Query failed (line ${direct.body.line}, column ${direct.body.column}). ` +
      `${direct.body.message} (${direct.status} ${direct.body.type})`, 'error notice');
    ok(await page.eval(`!!document.querySelector('.editor-hl .tok-error')`), 'the position marked in the editor');
    await shot('03-query-error');
  });

  await check('explain_plan', async () => {
    await setSql('SELECT customer, COUNT(*) AS n FROM shop.orders WHERE customer = :c GROUP BY customer');
    await page.type('#param-c-value', 'ann');
    await runEditor();
    await page.click('#explain-query');
    if (!explainOk) {
      const t = await page.waitFor(`document.querySelector('#pane-explain .notice-unsupported')?.textContent`,
        'the unsupported notice');
      ok(t.startsWith('This server does not offer EXPLAIN.'), `notice: ${t}`);
      await shot('04-explain');
      return {skip: 'the server does not answer EXPLAIN SELECT 1 (issue #20); the console said so'};
    }
    await page.waitFor(`document.querySelector('#explain-text, #explain-results-table, #pane-explain .notice')`,
      'the plan');
    ok(!(await page.eval(`!!document.querySelector('#pane-explain .notice')`)),
      `EXPLAIN failed: ${await page.text('#pane-explain .notice')}`);
    await page.eval(`document.querySelectorAll('#pane-explain details').forEach((d) => { d.open = true; })`);
    await page.waitFor(`document.querySelector('#pane-explain').textContent.includes('orders')`,
      'a plan that names the collection it reads');
    await shot('04-explain');
  });

  await check('chart_time_buckets_as_a_line', async () => {
    await setSql("SELECT DATE_TRUNC('HOUR', PARSE_TIMESTAMP_ISO8601(ts)) AS hour, COUNT(*) AS orders\n" +
      'FROM shop.orders\nGROUP BY 1\nORDER BY 1');
    await runEditor();
    const hours = new Set();
    for (let i = 1; i <= N; i++) hours.add(order(i).ts.slice(0, 13));
    await page.click('#tab-chart');
    await page.waitFor(`document.querySelector('#chart-area svg.chart')`, 'the chart');
    eq(await page.eval(`document.querySelector('#chart-area svg.chart').dataset.kind`), 'line', 'kind');
    eq(await page.eval(`document.querySelector('#chart-x').value`), 'hour', 'x column');
    eq(await page.eval(`[...document.querySelectorAll('#chart-area path.series')].map((p) =>
      [p.dataset.column, Number(p.dataset.points)])`), [['orders', hours.size]], 'series');
    await shot('05-chart-line');
  });

  await check('chart_groups_as_bars', async () => {
    await setSql(BARS_SQL);
    await runEditor();
    await page.click('#tab-chart');
    await page.waitFor(`document.querySelector('#chart-area svg.chart')`, 'the chart');
    eq(await page.eval(`document.querySelector('#chart-area svg.chart').dataset.kind`), 'bar', 'kind');
    eq(await page.eval(`document.querySelectorAll('#chart-area rect.bar').length`), 10, 'bars (5 groups x 2)');
    eq(await page.eval(`[...document.querySelectorAll('#chart-area text.bar-label')].map((t) => t.textContent)`),
      CUSTOMERS.slice().sort(), 'group labels');
    await shot('06-chart-bars');
  });

  await check('completion_of_collections_and_fields', async () => {
    await setSql('SELECT * FROM shop.');
    await page.eval(`(() => { const t = document.querySelector('#sql-input'); t.focus();
      t.setSelectionRange(t.value.length, t.value.length); })()`);
    await page.key(' ', {ctrl: true});
    await page.waitFor(`!document.querySelector('#completion-list').hidden`, 'the completion list');
    eq(await page.eval(`[...document.querySelectorAll('#completion-list .completion-label')].map((e) => e.textContent)`),
      ['evil', 'orders'], 'collections of shop');
    await page.key('ArrowDown');
    await page.waitFor(`document.querySelector('#completion-list li.active .completion-label')?.textContent === 'orders'`,
      'the second collection chosen');
    await page.key('Enter');
    eq(await page.eval(`document.querySelector('#sql-input').value`), 'SELECT * FROM shop.orders', 'accepted');
    await setSql('SELECT cu FROM shop.orders');
    await page.eval(`(() => { const t = document.querySelector('#sql-input'); t.focus();
      t.setSelectionRange(9, 9); })()`);
    await page.key(' ', {ctrl: true});
    await page.waitFor(`!document.querySelector('#completion-list').hidden`, 'the field list');
    const labels = await page.eval(`[...document.querySelectorAll('#completion-list .completion-label')].map((e) => e.textContent)`);
    eq(labels[0], 'customer', 'first completion');
    await shot('07-completion');
    await page.key('Escape');
  });

  await check('large_result_draws_one_page', async () => {
    await setSql('SELECT a.x * 1000 + b.y AS n\nFROM UNNEST(SEQUENCE(1, 200) AS x) a\nCROSS JOIN UNNEST(SEQUENCE(1, 100) AS y) b');
    await runEditor();
    eq(await rangeText(), 'rows 1–100 of 20,000', 'range');
    eq(await page.eval(`document.querySelectorAll('#results-table tbody tr').length`), 100, 'rows drawn');
    eq(await page.text('#stat-rows'), '20,000 rows', 'row count');
  });

  await check('history_of_the_tab', async () => {
    await page.click('#tab-history');
    const n = await page.waitFor(`document.querySelectorAll('#history-list li').length`, 'the history');
    eq(n, 7, 'queries run in this tab');
    const first = await page.text('#history-list li code');
    ok(first.startsWith('SELECT a.x * 1000'), `newest entry: ${first}`);
    await shot('08-history');
    await page.eval(`document.querySelectorAll('#history-list .history-item')[1].click()`);
    await page.waitFor(`document.querySelector('#sql-input').value === ${q(BARS_SQL)}`,
      'the older query back in the editor');
  });

  await check('browse_a_collections_fields', async () => {
    await page.click('#nav-collections');
    await page.click('a[data-ws="shop"]');
    await page.waitFor(`document.querySelector('#new-collection')`, 'the workspace');
    await page.click('a[data-coll="shop.orders"]');
    await page.waitFor(`document.querySelector('#fields-table')`, 'the fields');
    const fields = await page.eval(`[...document.querySelectorAll('#fields-table tbody tr')].map((tr) =>
      [...tr.children].map((td) => td.textContent.trim()))`);
    const get = (f) => fields.filter((r) => r[0] === f);
    eq(get('customer'), [['customer', 'string', `100% (${N} of ${N})`]], 'customer');
    eq(get('total'), [['total', 'float', `50% (${N / 2} of ${N})`], ['total', 'int', `50% (${N / 2} of ${N})`]],
      'total, of two types');
    eq(get('items.*.sku'), [['items.*.sku', 'string', `100% (${N} of ${N})`]], 'a nested field');
    eq(await page.text('#fact-docs'), String(N), 'documents');
    eq(await page.text('#fact-retention'), '1 day (86,400 s)', 'retention');
    eq(await page.text('#fact-transformation'), 'SELECT * FROM _input', 'ingest transformation');
    eq(await page.text('#collection-status'), 'READY', 'status');
    await page.waitFor(`document.querySelectorAll('#sample-table tbody tr').length === 10`, 'sample documents');
    await shot('09-collection');
  });

  await check('create_and_delete_a_collection', async () => {
    await page.click('a[data-ws="shop"]');
    await page.click('#new-collection');
    await page.type('#new-coll-name', 'scratch');
    await page.choose('#new-coll-retention', '3600');
    await page.click('#dialog-ok');
    await page.waitFor(`document.querySelector('#fact-retention')?.textContent === '1 hour (3,600 s)'`,
      'the new collection');
    eq((await api('GET', 'ws/shop/collections/scratch')).status, 200, 'created');
    await page.click('#delete-collection');
    await page.waitFor(`document.querySelector('#confirm-input')`, 'the confirmation');
    eq(await page.eval(`document.querySelector('#confirm-ok').disabled`), true, 'Delete disabled before the name');
    await page.type('#confirm-input', 'scratch');
    await shot('10-delete-confirm');
    await page.click('#confirm-ok');
    await page.waitFor(`location.hash === '#/collections/shop' && !document.querySelector('a[data-coll="shop.scratch"]')
      && document.querySelector('a[data-coll="shop.orders"]')`, 'the workspace without it');
    eq((await api('GET', 'ws/shop/collections/scratch')).status, 404, 'deleted');
  });

  await check('run_a_lambda_version', async () => {
    await page.click('#nav-lambdas');
    await page.click('a[data-lambda="shop.by_customer"]');
    await page.waitFor(`document.querySelectorAll('#lambda-versions li.version').length === 2`, 'two versions');
    const v1 = seeded.v1;
    eq(await page.eval(`document.querySelector('#lp-${v1}-min-value').value`), '0', 'default parameter');
    await page.type(`#lp-${v1}-min-value`, '300');
    await page.click(`#run-version-${v1}`);
    await page.waitFor(`document.querySelector('#lambda-results-${v1}-table')`, 'the result');
    eq(await tableRows(`#lambda-results-${v1}-table`), CUSTOMERS.slice().sort().map((c) => [c, '10']),
      'rows of version 1');
    eq(await page.text('#lambda-tags'), `latest → ${seeded.v2}prod → ${v1}`, 'tags');
    await shot('11-lambda');
  });

  await check('save_queries_as_lambda_versions', async () => {
    await setSql('SELECT customer FROM shop.orders WHERE qty = :q');
    await page.type('#param-q-value', '3');
    await page.click('#save-lambda');
    await page.waitFor(`document.querySelector('#save-lambda-name')`, 'the save form');
    await page.choose('#save-lambda-ws', 'shop');
    await page.type('#save-lambda-name', 'by_qty');
    await page.click('#dialog-ok');
    await page.waitFor(`location.hash === '#/lambdas/shop/by_qty' &&
      document.querySelectorAll('#lambda-versions li.version').length === 1`, 'the new lambda');
    const made = (await must('GET', 'ws/shop/lambdas/by_qty/versions')).data[0];
    eq([made.sql.query, made.sql.default_parameters], ['SELECT customer FROM shop.orders WHERE qty = :q',
      [{name: 'q', type: 'string', value: '3'}]], 'saved version');
    await setSql('SELECT customer, qty FROM shop.orders WHERE qty = :q');
    await page.eval(`location.hash = '#/lambdas/shop/by_qty'`);
    await page.click('#save-editor-version');
    await page.waitFor(`document.querySelectorAll('#lambda-versions li.version').length === 2`, 'a second version');
    eq((await must('GET', 'ws/shop/lambdas/by_qty/versions')).data.length, 2, 'versions on the server');
  });

  await check('keys_and_roles', async () => {
    await page.click('#nav-keys');
    await page.waitFor(`document.querySelector('#keys-panel table, #keys-panel .notice')`, 'the keys panel');
    await page.waitFor(`document.querySelector('#roles-panel table, #roles-panel .notice')`, 'the roles panel');
    await shot('12-keys');
    if (!roKey) {
      const t = await page.text('#keys-panel .notice-unsupported');
      ok(t && t.startsWith('This server does not offer API keys.'), `keys notice: ${t}`);
      return {skip: 'the server has no API-key endpoints (issue #24); the console said so'};
    }
    const names = await page.eval(`[...document.querySelectorAll('#keys-table tbody tr')].map((r) => r.dataset.key)`);
    ok(names.includes('console-read-only'), `keys listed: ${names}`);
    const roles = await page.eval(`[...document.querySelectorAll('#roles-table tbody tr')].map((r) => r.dataset.role)`);
    ok(roles.includes('read-only') && roles.includes('admin'), `roles listed: ${roles}`);
  });

  await check('read_only_key_refused_a_delete', async () => {
    if (!roKey) return {skip: 'the server cannot make a read-only key (issue #24)'};
    const direct = await api('DELETE', 'ws/shop/collections/orders', undefined, roKey);
    eq(direct.status, 403, 'the API refuses the read-only key');
    await page.click('#sign-out');
    await signIn(roKey);
    await page.eval(`location.hash = '#/collections/shop/orders'`);
    await page.waitFor(`document.querySelector('#fields-table')`, 'the collection, read with the read-only key');
    await page.click('#delete-collection');
    await page.type('#confirm-input', 'orders');
    await page.click('#confirm-ok');
    const t = await page.waitFor(`document.querySelector('#refused')?.textContent`, 'the refusal');
    ok(t.startsWith('Refused: this API key may not do that.'), `refusal: ${t}`);
    ok(t.includes(direct.body.message), `the server's reason (${direct.body.message}) is not shown: ${t}`);
    ok(t.includes('403 FORBIDDEN'), `status and type not shown: ${t}`);
    await shot('13-refused');
    eq((await api('GET', 'ws/shop/collections/orders')).status, 200, 'the collection is still there');
    await page.click('#sign-out');
    await signIn(KEY);
  });

  await check('hostile_documents_run_nothing', async () => {
    await page.eval(`location.hash = '#/collections/shop/evil'`);
    await page.waitFor(`document.querySelectorAll('#sample-table tbody tr').length === 2`, 'the documents');
    await page.eval(`document.querySelectorAll('#view-collections details').forEach((d) => { d.open = true; })`);
    const fieldText = await page.text('#fields-table');
    ok(fieldText.includes('<img src=x onerror=window.__pwned=3>'), 'the markup field name shown as text');
    await setSql('SELECT * FROM shop.evil ORDER BY _id');
    await runEditor();
    await page.eval(`document.querySelectorAll('#results details').forEach((d) => { d.open = true; })`);
    await page.waitFor(`document.querySelector('#results pre.json')`, 'opened nested values');
    const table = await page.text('#results-table');
    for (const s of [HOSTILE[0].name, HOSTILE[0].html, HOSTILE[1].name, HOSTILE[1].html,
      HOSTILE[0].link]) {
      ok(table.includes(s), `not shown as text: ${s}`);
    }
    await page.click('#tab-chart');
    await page.waitFor(`document.querySelector('#chart-area svg.chart')`, 'a chart of hostile labels');
    await page.click('#tab-results');
    await shot('14-hostile');
    await page.eval(`(() => { const s = document.createElement('script');
      s.textContent = 'window.__inline = 1'; document.body.appendChild(s); })()`);
    eq(await page.eval(`[typeof window.__pwned, typeof window.__inline]`), ['undefined', 'undefined'],
      'no hostile or inline script ran');
    eq(await page.eval(`document.querySelectorAll('#app-view img, #app-view script, #app-view iframe, ' +
      '#app-view [onerror], #app-view [onload], #app-view [onmouseover], #app-view b').length`), 0,
    'no element made from data');
    eq(page.dialogs, 0, 'no dialog opened');
  });

  await check('keyboard_reaches_the_controls', async () => {
    await page.eval(`location.hash = '#/query'`);
    await page.eval(`document.querySelector('#sql-input').focus()`);
    await page.key('Tab');
    const next = await page.eval(`document.activeElement && document.activeElement.id`);
    eq(next, 'run-query', 'Tab leaves the editor for Run');
    const unreachable = await page.eval(`[...document.querySelectorAll('#app-view *')].filter((e) =>
      getComputedStyle(e).cursor === 'pointer' && !e.closest('button, a[href], summary, label, select, input, li[role=option], [tabindex]')).length`);
    eq(unreachable, 0, 'clickable things that are not keyboard controls');
  });

  await check('fits_a_laptop_screen', async () => {
    await page.setViewport(1280, 800);
    for (const hash of ['#/query', '#/collections/shop/orders', '#/lambdas/shop/by_customer', '#/keys']) {
      await page.eval(`location.hash = ${q(hash)}`);
      await page.waitFor(`document.querySelector('#main').textContent.length > 0 && !document.querySelector('.detail p.muted:only-child')`,
        `${hash} to draw`);
      const [sw, iw] = await page.eval('[document.documentElement.scrollWidth, window.innerWidth]');
      ok(sw <= iw, `${hash} scrolls sideways: ${sw} > ${iw}`);
    }
    await page.setViewport(1366, 900);
  });

  await check('key_never_in_a_url_or_the_console', async () => {
    const urls = page.requests.map((r) => r.url);
    ok(!urls.some((u) => u.includes(KEY)), 'a URL holds the key');
    ok(!page.console.some((c) => c.includes(KEY)), 'a console message holds the key');
    const apiReqs = page.requests.filter((r) => r.url.includes('/v1/'));
    ok(apiReqs.length > 20, `only ${apiReqs.length} API requests seen`);
    const bare = apiReqs.filter((r) => !/^ApiKey \S+$/.test(r.headers.Authorization || ''));
    eq(bare.map((r) => r.url), [], 'API requests without the key in the Authorization header');
    ok(!(await page.eval('location.href')).includes(KEY), 'the address holds the key');
  });

  await check('no_script_errors', async () => {
    eq(page.exceptions, [], 'uncaught exceptions in the page');
    const csp = page.console.filter((c) => c.includes('Content Security Policy') && !c.includes('inline script'));
    eq(csp, [], 'CSP violations other than the test\'s own inline script');
  });
}

main().catch((e) => {
  console.log(`FAIL console/harness: ${scrub(e.stack || e.message)}`);
  failed++;
}).finally(() => {
  process.exitCode = failed ? 1 : 0;
});
