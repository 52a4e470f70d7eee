// query.js - the Query screen: the editor with its :parameters, Run (Ctrl+Enter), the result
// table, the query's stats, its EXPLAIN, a chart of the result, and this tab's history.

import {h, fill, notice, num, clip} from './dom.js';
import {Editor} from './editor.js';
import {Params} from './params.js';
import {ResultView} from './results.js';
import {chartPanel, CHART_ROWS} from './chart.js';
import {parameterNames, relations, KEYWORDS, FUNCTIONS} from './sql.js';

const HISTORY_KEY = 'rl.history';
const HISTORY_MAX = 50;
const DEFAULT_SQL = '-- Ctrl+Enter runs the query\nSELECT CURRENT_TIMESTAMP() AS now';

export function loadHistory() {
  try {
    return JSON.parse(sessionStorage.getItem(HISTORY_KEY) || '[]');
  } catch {
    return [];
  }
}

function saveHistory(list) {
  sessionStorage.setItem(HISTORY_KEY, JSON.stringify(list.slice(0, HISTORY_MAX)));
}

// Result rows of a query response as a paged source for ResultView.
export function pagedSource(app, resp, pageSize) {
  const rows = resp.results || [];
  return {
    total: resp.results_total_doc_count ?? rows.length,
    columns: resp.column_fields && resp.column_fields.length ? resp.column_fields : null,
    rows,
    pageSize,
    fetch: async (offset, docs) => {
      if (!resp.pagination && offset === 0 && docs <= rows.length) return rows.slice(0, docs);
      if (!resp.pagination) return rows.slice(offset, offset + docs);
      const page = await app.api.page(resp.query_id, offset, docs);
      return page.results || [];
    },
  };
}

// The stats line of a query response.
export function statsLine(resp, ms) {
  const s = resp.stats || {};
  const rows = resp.results_total_doc_count ?? (resp.results || []).length;
  const parts = [
    h('span', {id: 'stat-elapsed'}, `elapsed ${num(s.elapsed_time_ms ?? ms)} ms`),
    h('span', {id: 'stat-rows'}, `${num(rows)} row${rows === 1 ? '' : 's'}`),
  ];
  if (typeof s.index_used === 'boolean') {
    parts.push(h('span', {id: 'stat-index'}, `index used: ${s.index_used ? 'yes' : 'no'}`));
  }
  if (resp.collections && resp.collections.length) {
    parts.push(h('span', null, `reads ${resp.collections.join(', ')}`));
  }
  if (resp.query_id) parts.push(h('span', {class: 'muted'}, `query ${resp.query_id}`));
  return h('div', {class: 'stats', id: 'query-stats'}, parts);
}

// Completion candidates for the editor.
export async function completions(app, ctx, text) {
  const cat = await app.catalog();
  const out = [];
  if (ctx.qualifier) {
    const q = ctx.qualifier;
    for (const c of cat.collections) if (c.workspace === q) out.push({label: c.name, kind: 'collection'});
    for (const [ws, coll] of relations(text)) {
      if (coll === q || `${ws}.${coll}` === q) {
        for (const f of await app.fields(ws, coll)) out.push({label: f, kind: 'field'});
      }
    }
    return out;
  }
  for (const [ws, coll] of relations(text)) {
    for (const f of await app.fields(ws, coll)) out.push({label: f, kind: `field of ${coll}`});
  }
  for (const w of cat.workspaces) out.push({label: w, kind: 'workspace'});
  for (const c of cat.collections) out.push({label: `${c.workspace}.${c.name}`, kind: 'collection'});
  for (const k of KEYWORDS) out.push({label: k, kind: 'keyword'});
  for (const f of FUNCTIONS) out.push({label: f, kind: 'function', insert: `${f}(`});
  return out;
}

// Rows of an EXPLAIN: one line a row when each row is one text value, else a table.
function explainBody(resp, app) {
  const rows = resp.results || [];
  const textRows = rows.every((r) => {
    const vals = Object.values(r || {});
    return vals.length === 1 && typeof vals[0] === 'string';
  });
  if (rows.length && textRows) {
    return h('pre', {class: 'explain', id: 'explain-text'},
      rows.map((r) => Object.values(r)[0]).join('\n'));
  }
  const view = new ResultView('explain-results');
  view.show(pagedSource(app, resp, 100));
  return view.root;
}

export function mountQuery(app) {
  const params = new Params('param');
  const results = new ResultView('results');
  const editor = new Editor({
    onRun: () => run(),
    onExplain: () => explain(),
    complete: (ctx, text) => completions(app, ctx, text),
    onChange: (text) => params.show(parameterNames(text)),
  });
  const errorBox = h('div', {class: 'query-error', id: 'query-error'});
  const statsBox = h('div', {class: 'stats-box'});
  const panes = {
    results: h('section', {class: 'pane', id: 'pane-results', 'aria-label': 'results'}, results.root),
    chart: h('section', {class: 'pane', id: 'pane-chart', 'aria-label': 'chart'}),
    explain: h('section', {class: 'pane', id: 'pane-explain', 'aria-label': 'explain'}),
    history: h('section', {class: 'pane', id: 'pane-history', 'aria-label': 'history'}),
  };
  const tabButtons = {};
  let last = null; // {resp, sql, params}

  const select = (name) => {
    for (const [k, pane] of Object.entries(panes)) {
      pane.hidden = k !== name;
      tabButtons[k].setAttribute('aria-selected', k === name ? 'true' : 'false');
      tabButtons[k].tabIndex = k === name ? 0 : -1;
    }
    if (name === 'chart') drawChart();
    if (name === 'history') drawHistory();
  };
  const tabs = h('div', {class: 'tabs', role: 'tablist', 'aria-label': 'query output'},
    ['results', 'chart', 'explain', 'history'].map((k) => {
      tabButtons[k] = h('button', {type: 'button', role: 'tab', id: `tab-${k}`,
        'aria-controls': `pane-${k}`, onclick: () => select(k)},
      k[0].toUpperCase() + k.slice(1));
      return tabButtons[k];
    }));

  const runButton = h('button', {type: 'button', class: 'primary', id: 'run-query',
    onclick: () => run(), title: 'Ctrl+Enter'}, 'Run');
  const explainButton = h('button', {type: 'button', id: 'explain-query',
    onclick: () => explain(), title: 'Ctrl+Shift+Enter'}, 'Explain');
  const saveButton = h('button', {type: 'button', id: 'save-lambda',
    onclick: () => app.saveAsLambda(editor.value, params.values())}, 'Save as lambda…');

  const showError = (e) => {
    const where = e.line ? ` (line ${e.line}, column ${e.column ?? '?'})` : '';
    fill(errorBox, app.errorNotice(e, `Query failed${where}`));
    editor.markError(e.line, e.column);
  };

  async function run() {
    const sql = editor.value;
    const ps = params.values();
    fill(errorBox);
    runButton.disabled = true;
    runButton.textContent = 'Running…';
    const started = performance.now();
    const entry = {sql, params: ps, at: new Date().toISOString()};
    try {
      const resp = await app.api.query(sql, ps, app.pageSize);
      const ms = Math.round(performance.now() - started);
      last = {resp, sql, params: ps};
      entry.status = 'ok';
      entry.rows = resp.results_total_doc_count ?? (resp.results || []).length;
      entry.ms = resp.stats?.elapsed_time_ms ?? ms;
      fill(statsBox, statsLine(resp, ms));
      results.show(pagedSource(app, resp, app.pageSize));
      fill(panes.explain, h('p', {class: 'muted'}, 'Press Explain to see how this query runs.'));
      select('results');
    } catch (e) {
      entry.status = 'error';
      entry.error = e.message;
      last = null;
      fill(statsBox);
      results.clear();
      showError(e);
    } finally {
      runButton.disabled = false;
      runButton.textContent = 'Run';
      const hist = loadHistory();
      hist.unshift(entry);
      saveHistory(hist);
    }
  }

  async function explain() {
    select('explain');
    const support = await app.explainSupport();
    if (!support.ok) {
      fill(panes.explain, notice('unsupported', 'This server does not offer EXPLAIN.',
        support.message));
      return;
    }
    fill(panes.explain, h('p', {class: 'muted'}, 'Explaining…'));
    try {
      const resp = await app.api.query(`EXPLAIN ${editor.value}`, params.values(), 1000);
      fill(panes.explain, h('h3', null, 'Plan'), explainBody(resp, app));
    } catch (e) {
      fill(panes.explain, app.errorNotice(e, 'EXPLAIN failed'));
      if (e.line) editor.markError(e.line, Math.max(1, (e.column || 1) - (e.line === 1 ? 8 : 0)));
    }
  }

  async function drawChart() {
    if (!last) {
      fill(panes.chart, h('p', {class: 'muted'}, 'Run a query to chart its result.'));
      return;
    }
    const {resp} = last;
    const total = resp.results_total_doc_count ?? (resp.results || []).length;
    let rows = resp.results || [];
    if (rows.length < Math.min(total, CHART_ROWS)) {
      fill(panes.chart, h('p', {class: 'muted'}, 'Fetching rows…'));
      try {
        rows = (await app.api.page(resp.query_id, 0, CHART_ROWS)).results || [];
      } catch (e) {
        fill(panes.chart, app.errorNotice(e, 'Could not fetch the rows to chart'));
        return;
      }
    }
    const src = pagedSource(app, resp, 1);
    const columns = src.columns ? src.columns.map((c) => c.name)
      : [...new Set(rows.slice(0, 200).flatMap((r) => Object.keys(r || {})))];
    fill(panes.chart, chartPanel(columns, rows, total));
  }

  function drawHistory() {
    const hist = loadHistory();
    if (!hist.length) {
      fill(panes.history, h('p', {class: 'muted'}, 'Queries run in this tab appear here.'));
      return;
    }
    fill(panes.history, h('ol', {class: 'history', id: 'history-list'}, hist.map((e) =>
      h('li', null,
        h('div', {class: `history-meta muted ${e.status === 'error' ? 'bad' : ''}`},
          `${e.at.slice(11, 19)} · ${e.status === 'ok'
            ? `${num(e.rows)} row${e.rows === 1 ? '' : 's'}, ${num(e.ms)} ms`
            : `error: ${clip(e.error || '', 160)}`}`,
          e.params && e.params.length ? ` · ${e.params.map((p) => `:${p.name} = ${clip(p.value, 40)}`)
            .join(', ')}` : ''),
        h('button', {type: 'button', class: 'linklike history-item', title: 'load into the editor',
          onclick: () => load(e.sql, e.params)}, h('code', null, clip(e.sql, 400)))))));
  }

  function load(sql, ps) {
    params.set(ps);
    editor.value = sql;
    select('results');
    editor.focus();
  }

  const root = h('div', {class: 'view view-query', id: 'view-query'},
    h('div', {class: 'editor-box'}, editor.root,
      h('div', {class: 'toolbar'}, runButton, explainButton, saveButton,
        h('span', {class: 'muted hint'}, 'Ctrl+Enter runs · Ctrl+Shift+Enter explains · ' +
          'Ctrl+Space completes')),
      params.root),
    errorBox, statsBox, tabs, Object.values(panes));
  const hist = loadHistory();
  editor.value = hist.length ? hist[0].sql : DEFAULT_SQL;
  if (hist.length) params.set(hist[0].params);
  params.show(parameterNames(editor.value));
  select('results');

  return {
    root,
    show() {
      editor.focus();
    },
    load,
    run,
    editor,
    paramsValues: () => params.values(),
  };
}
