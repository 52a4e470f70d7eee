// results.js - a query's rows as a table, a page at a time.
//
// Only one page of rows is ever in the page (at most PAGE_SIZES' largest), fetched from the
// server's /pages as the user moves, so a result of millions of rows costs what one page costs.
// A long string is cut for display (the copy keeps it whole); nested objects and arrays are
// shown folded and drawn only when opened. Every value is text (dom.js).

import {h, fill, clip, num} from './dom.js';

export const PAGE_SIZES = [25, 100, 500];
const CELL_MAX = 300;       // characters of a value shown in a cell
const NESTED_MAX = 20000;   // characters of an opened nested value
const COLUMNS_MAX = 200;

// A value's display class and text for one cell.
function scalarText(v) {
  if (v === null) return ['null', 'null'];
  if (typeof v === 'string') return ['str', clip(v, CELL_MAX)];
  if (typeof v === 'number') return ['num', String(v)];
  if (typeof v === 'boolean') return ['bool', String(v)];
  return null;
}

export function cell(v) {
  if (v === undefined) return h('td', {class: 'v-undef', title: 'undefined (no such field)'});
  const s = scalarText(v);
  if (s) return h('td', {class: `v-${s[0]}`}, s[1]);
  if (!Array.isArray(v) && typeof v.__rockset_type === 'string' && 'value' in v &&
      typeof v.value !== 'object') {
    return h('td', {class: 'v-typed'}, h('span', {class: 'type-tag'}, v.__rockset_type), ' ',
      clip(String(v.value), CELL_MAX));
  }
  return h('td', {class: 'v-nested'}, nested(v));
}

// A folded object or array; its JSON is built only when it is opened.
export function nested(v) {
  const n = Array.isArray(v) ? v.length : Object.keys(v).length;
  const label = Array.isArray(v) ? `[ ${n} item${n === 1 ? '' : 's'} ]`
    : `{ ${n} key${n === 1 ? '' : 's'} }`;
  const body = h('pre', {class: 'json'});
  const d = h('details', {class: 'nested'}, h('summary', null, label), body);
  d.addEventListener('toggle', () => {
    if (d.open && !body.firstChild) fill(body, clip(JSON.stringify(v, null, 2), NESTED_MAX));
  });
  return d;
}

// The columns of rows: columnFields' names when the server gave them, else every key in the
// order first seen.
export function columnsOf(rows, columnFields) {
  if (Array.isArray(columnFields) && columnFields.length) return columnFields.map((c) => c.name);
  const seen = new Set();
  for (const r of rows) {
    for (const k of Object.keys(r || {})) {
      if (seen.size >= COLUMNS_MAX) break;
      seen.add(k);
    }
  }
  return [...seen];
}

function csvValue(v) {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(columns, rows) {
  const lines = [columns.map(csvValue).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvValue(r[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}

// Puts text on the clipboard; where the browser refuses, shows it selected for Ctrl+C.
export async function copyText(text, where) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = h('textarea', {class: 'copy-fallback', readonly: true, 'aria-label':
      'copy this text with Ctrl+C'});
    area.value = text;
    fill(where, area);
    area.select();
    return false;
  }
}

// The table. source: {total, columns, rows (the first page), pageSize, fetch(offset, docs)}.
export class ResultView {
  constructor(idPrefix) {
    this.id = idPrefix;
    this.root = h('div', {class: 'results', id: idPrefix});
  }

  show(source) {
    this.source = source;
    this.offset = 0;
    this.pageSize = source.pageSize;
    this.rows = source.rows.slice(0, this.pageSize);
    this.columns = columnsOf(this.rows, source.columns);
    this.draw();
  }

  clear() {
    this.source = null;
    fill(this.root);
  }

  async go(offset, pageSize) {
    const src = this.source;
    this.busy(true);
    try {
      const rows = await src.fetch(offset, pageSize);
      if (src !== this.source) return;
      this.offset = offset;
      this.pageSize = pageSize;
      this.rows = rows;
      if (!src.columns) this.columns = columnsOf(rows, null);
      this.draw();
    } catch (e) {
      fill(this.status, `Could not fetch rows: ${e.message}`);
    } finally {
      this.busy(false);
    }
  }

  busy(on) {
    this.root.classList.toggle('busy', on);
    this.root.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  draw() {
    const total = this.source.total;
    if (total === 0) {
      fill(this.root, h('p', {class: 'muted', id: `${this.id}-range`}, 'No rows.'));
      return;
    }
    const first = total === 0 ? 0 : this.offset + 1;
    const last = this.offset + this.rows.length;
    const sizeSel = h('select', {id: `${this.id}-size`, 'aria-label': 'rows per page'},
      PAGE_SIZES.map((n) => h('option', {value: n, selected: n === this.pageSize}, `${n} / page`)));
    sizeSel.addEventListener('change', () => this.go(0, Number(sizeSel.value)));
    this.status = h('span', {class: 'copy-status', role: 'status'});
    const copyArea = h('div', {class: 'copy-area'});
    const copy = async (kind) => {
      const text = kind === 'json' ? JSON.stringify(this.rows, null, 2)
        : toCsv(this.columns, this.rows);
      const ok = await copyText(text, copyArea);
      fill(this.status, ok ? `copied ${this.rows.length} rows as ${kind.toUpperCase()}`
        : 'the browser refused the clipboard: the text is selected below, press Ctrl+C');
    };
    const bar = h('div', {class: 'toolbar'},
      h('span', {class: 'range', id: `${this.id}-range`},
        `rows ${num(first)}–${num(last)} of ${num(total)}`),
      h('button', {type: 'button', id: `${this.id}-prev`, disabled: this.offset === 0,
        onclick: () => this.go(Math.max(0, this.offset - this.pageSize), this.pageSize)},
      '‹ Previous'),
      h('button', {type: 'button', id: `${this.id}-next`, disabled: last >= total,
        onclick: () => this.go(this.offset + this.pageSize, this.pageSize)}, 'Next ›'),
      sizeSel,
      h('span', {class: 'spacer'}),
      h('button', {type: 'button', id: `${this.id}-copy-json`, onclick: () => copy('json')},
        'Copy JSON'),
      h('button', {type: 'button', id: `${this.id}-copy-csv`, onclick: () => copy('csv')},
        'Copy CSV'),
      this.status);
    const head = h('tr', null, h('th', {class: 'rownum', scope: 'col'}, '#'),
      this.columns.map((c) => h('th', {scope: 'col'}, clip(c, 80))));
    const body = this.rows.map((r, i) => h('tr', null,
      h('td', {class: 'rownum'}, String(this.offset + i + 1)),
      this.columns.map((c) => cell(r == null ? undefined : r[c]))));
    fill(this.root, bar, copyArea,
      h('div', {class: 'table-wrap', tabindex: '0', 'aria-label': 'result rows'},
        h('table', {class: 'grid', id: `${this.id}-table`}, h('thead', null, head),
          h('tbody', null, body))));
  }
}
