// chart.js - a result drawn as SVG: time buckets as lines, groups as bars.
//
// The x column and the y columns are chosen from the result's columns; the first guess is a
// column of times (ISO timestamps, dates, Rockset's typed dates) for x with a line, else the
// first text column with bars, and every numeric column for y. Labels are SVG text nodes.

import {h, svg, fill, clip} from './dom.js';

export const CHART_ROWS = 5000; // rows fetched for a chart
const BARS_MAX = 60;
const W = 900;
const H = 340;
const M = {top: 16, right: 20, bottom: 56, left: 64};
const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2'];

// A value as a time in ms, or null.
export function asTime(v) {
  if (v && typeof v === 'object' && /^(date|datetime|timestamp)$/i.test(v.__rockset_type || '')) {
    v = String(v.value);
  }
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(v)) {
    return null;
  }
  const iso = v.length === 10 ? `${v}T00:00:00Z` : /Z|[+-]\d{2}:?\d{2}$/.test(v) ? v.replace(' ', 'T') : `${v.replace(' ', 'T')}Z`;
  const ms = Date.parse(iso.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? null : ms;
}

function asNumber(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function label(v) {
  if (v === undefined) return 'undefined';
  if (v !== null && typeof v === 'object') {
    return 'value' in v && typeof v.value !== 'object' ? String(v.value) : JSON.stringify(v);
  }
  return String(v);
}

// {x, ys, kind} guessed from the rows.
export function guess(columns, rows) {
  const sample = rows.slice(0, 200);
  const isTime = (c) => sample.some((r) => asTime(r[c]) !== null) &&
    sample.every((r) => r[c] == null || asTime(r[c]) !== null);
  const isNum = (c) => sample.some((r) => asNumber(r[c]) !== null) &&
    sample.every((r) => r[c] == null || asNumber(r[c]) !== null);
  const time = columns.find(isTime);
  const x = time ?? columns.find((c) => !isNum(c)) ?? columns[0];
  const ys = columns.filter((c) => c !== x && isNum(c));
  return {x, ys, kind: time ? 'line' : 'bar'};
}

// Round tick steps over [lo, hi].
function ticks(lo, hi, count) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(+t.toFixed(10));
  return out;
}

function yRange(rows, ys) {
  let lo = 0;
  let hi = 0;
  for (const r of rows) {
    for (const c of ys) {
      const v = asNumber(r[c]);
      if (v !== null) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  return hi === lo ? [lo, lo + 1] : [lo, hi];
}

function timeLabel(ms, span) {
  const iso = new Date(ms).toISOString();
  if (span > 3 * 86400000) return iso.slice(0, 10);
  return iso.slice(span > 86400000 ? 5 : 11, 16).replace('T', ' ');
}

function axes(plot, yScale, yTicks) {
  const g = svg('g', {class: 'axis'});
  for (const t of yTicks) {
    const y = yScale(t);
    g.appendChild(svg('line', {x1: M.left, x2: W - M.right, y1: y, y2: y, class: 'gridline'}));
    g.appendChild(svg('text', {x: M.left - 6, y: y + 4, 'text-anchor': 'end'}, String(t)));
  }
  plot.appendChild(g);
}

function legend(plot, ys) {
  ys.forEach((c, i) => {
    const x = M.left + i * 160;
    plot.appendChild(svg('rect', {x, y: H - 14, width: 10, height: 10, fill: COLORS[i % 6]}));
    plot.appendChild(svg('text', {x: x + 14, y: H - 5, class: 'legend'}, clip(c, 20)));
  });
}

function lineChart(rows, x, ys) {
  const pts = rows.map((r) => ({t: asTime(r[x]), r})).filter((p) => p.t !== null)
    .sort((a, b) => a.t - b.t);
  const plot = svg('svg', {class: 'chart', viewBox: `0 0 ${W} ${H}`, 'data-kind': 'line',
    role: 'img', 'aria-label': `line chart of ${ys.join(', ')} over ${x}`});
  if (!pts.length) return plot;
  const t0 = pts[0].t;
  const t1 = pts[pts.length - 1].t;
  const span = t1 - t0 || 1;
  const xs = (t) => M.left + (W - M.left - M.right) * (t1 === t0 ? 0.5 : (t - t0) / span);
  const [lo, hi] = yRange(rows, ys);
  const yScale = (v) => H - M.bottom - (H - M.top - M.bottom) * (v - lo) / (hi - lo);
  axes(plot, yScale, ticks(lo, hi, 5));
  const xAxis = svg('g', {class: 'axis'});
  const n = Math.min(6, pts.length);
  for (let i = 0; i < n; i++) {
    const t = n === 1 ? t0 : t0 + span * i / (n - 1);
    const anchor = n > 1 && i === 0 ? 'start' : n > 1 && i === n - 1 ? 'end' : 'middle';
    xAxis.appendChild(svg('text', {x: xs(t), y: H - M.bottom + 18, 'text-anchor': anchor},
      timeLabel(t, span)));
  }
  plot.appendChild(xAxis);
  ys.forEach((c, i) => {
    const ok = pts.filter((p) => asNumber(p.r[c]) !== null);
    const d = ok.map((p, j) => `${j ? 'L' : 'M'}${xs(p.t).toFixed(1)},${yScale(p.r[c]).toFixed(1)}`)
      .join('');
    plot.appendChild(svg('path', {d, class: 'series', 'data-column': c, 'data-points': ok.length,
      stroke: COLORS[i % 6], fill: 'none'}));
    if (ok.length <= 200) {
      for (const p of ok) {
        plot.appendChild(svg('circle', {cx: xs(p.t), cy: yScale(p.r[c]), r: 3,
          fill: COLORS[i % 6], class: 'point'},
        svg('title', null, `${label(p.r[x])}: ${c} = ${p.r[c]}`)));
      }
    }
  });
  legend(plot, ys);
  return plot;
}

function barChart(rows, x, ys) {
  const shown = rows.slice(0, BARS_MAX);
  const plot = svg('svg', {class: 'chart', viewBox: `0 0 ${W} ${H}`, 'data-kind': 'bar',
    role: 'img', 'aria-label': `bar chart of ${ys.join(', ')} by ${x}`});
  if (!shown.length || !ys.length) return plot;
  const [lo, hi] = yRange(shown, ys);
  const yScale = (v) => H - M.bottom - (H - M.top - M.bottom) * (v - lo) / (hi - lo);
  axes(plot, yScale, ticks(lo, hi, 5));
  const slot = (W - M.left - M.right) / shown.length;
  const bw = Math.max(1, slot * 0.8 / ys.length);
  shown.forEach((r, k) => {
    const x0 = M.left + slot * k + slot * 0.1;
    ys.forEach((c, i) => {
      const v = asNumber(r[c]) ?? 0;
      const y = yScale(Math.max(v, 0));
      plot.appendChild(svg('rect', {x: x0 + bw * i, y, width: bw,
        height: Math.max(0, Math.abs(yScale(v) - yScale(0))), fill: COLORS[i % 6], class: 'bar'},
      svg('title', null, `${label(r[x])}: ${c} = ${v}`)));
    });
    if (shown.length <= 30) {
      plot.appendChild(svg('text', {x: x0 + slot * 0.4, y: H - M.bottom + 14,
        'text-anchor': 'end', transform: `rotate(-30 ${x0 + slot * 0.4} ${H - M.bottom + 14})`,
        class: 'bar-label'}, clip(label(r[x]), 18)));
    }
  });
  legend(plot, ys);
  return plot;
}

// The chart panel: controls and the drawing, for rows with the given columns.
export function chartPanel(columns, rows, total) {
  const g = guess(columns, rows);
  const xSel = h('select', {id: 'chart-x', 'aria-label': 'x axis column'},
    columns.map((c) => h('option', {value: c, selected: c === g.x}, clip(c, 40))));
  const kindSel = h('select', {id: 'chart-kind', 'aria-label': 'chart kind'},
    ['line', 'bar'].map((k) => h('option', {value: k, selected: k === g.kind}, k)));
  const yBoxes = columns.map((c) => {
    const box = h('input', {type: 'checkbox', value: c, checked: g.ys.includes(c),
      class: 'chart-y'});
    return {c, box, label: h('label', {class: 'check'}, box, ' ', clip(c, 30))};
  });
  const area = h('div', {class: 'chart-area', id: 'chart-area'});
  const redraw = () => {
    const ys = yBoxes.filter((b) => b.box.checked && b.c !== xSel.value).map((b) => b.c);
    const note = rows.length < total ? `the first ${rows.length} of ${total} rows` : null;
    if (!ys.length) {
      fill(area, h('p', {class: 'muted'}, 'Choose at least one numeric column for the y axis.'));
      return;
    }
    fill(area, kindSel.value === 'line' ? lineChart(rows, xSel.value, ys)
      : barChart(rows, xSel.value, ys),
    note ? h('p', {class: 'muted'}, `Drawn from ${note}.`) : null,
    kindSel.value === 'bar' && rows.length > BARS_MAX
      ? h('p', {class: 'muted'}, `Only the first ${BARS_MAX} groups are drawn.`) : null);
  };
  for (const el of [xSel, kindSel, ...yBoxes.map((b) => b.box)]) {
    el.addEventListener('change', redraw);
  }
  const controls = h('div', {class: 'toolbar chart-controls'},
    h('label', null, 'x ', xSel), h('label', null, 'as ', kindSel),
    h('span', {class: 'chart-ys'}, 'y: ', yBoxes.map((b) => b.label)));
  redraw();
  return h('div', {class: 'chart-panel'}, controls, area);
}
