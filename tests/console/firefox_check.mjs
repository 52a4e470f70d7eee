// firefox_check.mjs - the console in Debian's Firefox ESR (headless), through WebDriver BiDi:
// sign in, run a parameterized query, page it, chart it, open a collection's fields, show
// hostile text; screenshots into SHOTS. A check by hand (not part of make test: Firefox is no
// build dependency); docs/console.md says what it showed.
//
//   node --experimental-websocket tests/console/firefox_check.mjs   with the environment of
//   console_test.mjs (RL_URL, RL_KEY, SHOTS) and FIREFOX=/usr/bin/firefox-esr, PROFILE=<empty dir>;
//   the data of console_test.mjs must be in the server (run that first against it).

import {spawn} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';

const URL = process.env.RL_URL;
const KEY = process.env.RL_KEY;
const PORT = 9000 + (process.pid % 1000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const ff = spawn(process.env.FIREFOX, ['--headless', '--no-remote', '--profile', process.env.PROFILE,
  `--remote-debugging-port=${PORT}`, '--window-size=1366,900', 'about:blank'],
{stdio: ['ignore', 'pipe', 'pipe']});
let log = '';
ff.stderr.on('data', (d) => { log += d; });
ff.stdout.on('data', (d) => { log += d; });

let ws;
for (let i = 0; i < 200 && !ws; i++) {
  if (log.includes('WebDriver BiDi listening')) {
    ws = new WebSocket(`ws://127.0.0.1:${PORT}/session`);
    await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; });
  } else {
    await sleep(100);
  }
}
if (!ws) throw new Error(`firefox did not listen: ${log.slice(-500)}`);
let next = 1;
const pending = new Map();
ws.onmessage = (m) => {
  const msg = JSON.parse(m.data);
  if (msg.id && pending.has(msg.id)) {
    const {res, rej} = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.type === 'error') rej(new Error(`${msg.error}: ${msg.message}`));
    else res(msg.result);
  }
};
const send = (method, params) => new Promise((res, rej) => {
  const id = next++;
  pending.set(id, {res, rej});
  ws.send(JSON.stringify({id, method, params}));
});

let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    console.log(`PASS firefox/${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL firefox/${name}: ${String(e.message).split(KEY).join('<KEY>')}`);
  }
}

await send('session.new', {capabilities: {}});
const {contexts} = await send('browsingContext.getTree', {});
const context = contexts[0].context;
const evalJs = async (expression) => {
  const r = await send('script.evaluate', {expression, target: {context}, awaitPromise: true,
    resultOwnership: 'none'});
  if (r.type === 'exception') throw new Error(r.exceptionDetails.text);
  const v = r.result;
  return v.type === 'undefined' || v.type === 'null' ? null : v.value;
};
const waitFor = async (expr, what) => {
  for (let i = 0; i < 600; i++) {
    try {
      if (await evalJs(`!!(${expr})`)) return;
    } catch { /* not yet */ }
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
};
const shot = async (name) => {
  const {data} = await send('browsingContext.captureScreenshot', {context});
  writeFileSync(join(process.env.SHOTS, `firefox-${name}.png`), Buffer.from(data, 'base64'));
};
const setValue = (sel, v) => evalJs(`(() => { const e = document.querySelector(${JSON.stringify(sel)});
  e.focus(); e.value = ${JSON.stringify(v)}; e.dispatchEvent(new Event('input', {bubbles: true}));
  e.dispatchEvent(new Event('change', {bubbles: true})); })()`);

try {
  await check('sign_in', async () => {
    await send('browsingContext.navigate', {context, url: `${URL}/`, wait: 'complete'});
    await waitFor(`document.documentElement.dataset.ready`, 'the console');
    await setValue('#signin-key', KEY);
    await evalJs(`document.querySelector('#signin-submit').click()`);
    await waitFor(`!document.querySelector('#app-view').hidden`, 'sign-in');
  });
  await check('parameterized_query_with_ctrl_enter', async () => {
    await setValue('#sql-input', 'SELECT _id, customer, total\nFROM shop.orders\nWHERE total > :min\nORDER BY _id');
    await waitFor(`document.querySelector('#param-min-value')`, 'the parameter');
    await setValue('#param-min-type', 'int');
    await setValue('#param-min-value', '30');
    await evalJs(`document.querySelector('#sql-input').focus()`);
    await send('input.performActions', {context, actions: [{type: 'key', id: 'kb', actions: [
      {type: 'keyDown', value: '\uE009'}, {type: 'keyDown', value: '\uE007'},
      {type: 'keyUp', value: '\uE007'}, {type: 'keyUp', value: '\uE009'}]}]});
    await waitFor(`document.querySelector('#results-range')`, 'the result');
    const range = await evalJs(`document.querySelector('#results-range').textContent`);
    if (range !== 'rows 1–100 of 230') throw new Error(`range ${range}`);
    await evalJs(`document.querySelector('#results-next').click()`);
    await waitFor(`document.querySelector('#results-range').textContent === 'rows 101–200 of 230'`, 'page 2');
    await shot('query');
  });
  await check('chart', async () => {
    await setValue('#sql-input', "SELECT DATE_TRUNC('HOUR', PARSE_TIMESTAMP_ISO8601(ts)) AS hour, COUNT(*) AS orders FROM shop.orders GROUP BY 1 ORDER BY 1");
    await evalJs(`document.querySelector('#run-query').click()`);
    await waitFor(`document.querySelector('#stat-rows')?.textContent === '71 rows'`, 'the buckets');
    await evalJs(`document.querySelector('#tab-chart').click()`);
    await waitFor(`document.querySelector('#chart-area path.series')`, 'the line');
    await shot('chart');
  });
  await check('collection_fields', async () => {
    await evalJs(`location.hash = '#/collections/shop/orders'`);
    await waitFor(`document.querySelectorAll('#fields-table tbody tr').length > 5`, 'the fields');
    await shot('collection');
  });
  await check('hostile_text', async () => {
    await evalJs(`location.hash = '#/query'`);
    await setValue('#sql-input', 'SELECT * FROM shop.evil ORDER BY _id');
    await evalJs(`document.querySelector('#run-query').click()`);
    await waitFor(`document.querySelector('#results-table')`, 'the documents');
    await evalJs(`document.querySelectorAll('#results details').forEach((d) => { d.open = true; })`);
    const t = await evalJs(`document.querySelector('#results-table').textContent.includes('<script>window.__pwned = 1</script>')`);
    const pwned = await evalJs(`typeof window.__pwned`);
    const els = await evalJs(`document.querySelectorAll('#app-view img, #app-view script, #app-view iframe, #app-view b').length`);
    if (!t || pwned !== 'undefined' || els !== 0) throw new Error(`text ${t}, __pwned ${pwned}, elements ${els}`);
    await shot('hostile');
  });
} finally {
  try {
    await send('session.end', {});
  } catch { /* closing anyway */ }
  ff.kill('SIGTERM');
  process.exitCode = failed ? 1 : 0;
}
