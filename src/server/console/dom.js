// dom.js - building the page without HTML strings.
//
// The one rule that keeps hostile data harmless: every piece of text reaches the page through
// a text node (h()'s string children, textContent), never through innerHTML, insertAdjacentHTML
// or an attribute that runs code. A document holding "<script>" or "\"><img onerror=...>" is
// shown as those characters. tests/console/console_test.mjs checks it with such documents.

const SVG_NS = 'http://www.w3.org/2000/svg';

// Sets one property of h()'s props on node.
function setProp(node, key, value) {
  if (value === undefined || value === null || value === false) return;
  if (key.startsWith('on') && typeof value === 'function') {
    node.addEventListener(key.slice(2).toLowerCase(), value);
  } else if (key === 'class') {
    node.setAttribute('class', value);
  } else if (key === 'dataset') {
    Object.assign(node.dataset, value);
  } else if (key === 'value' || key === 'checked' || key === 'selected' || key === 'disabled') {
    node[key] = value;
  } else if (/^(href|src|action|formaction|srcdoc)$/i.test(key)) {
    // Only in-page links: a value taken from data can never become a javascript: URL.
    if (String(value).startsWith('#')) node.setAttribute(key, value);
  } else {
    node.setAttribute(key, value === true ? '' : String(value));
  }
}

function append(node, child) {
  if (child === undefined || child === null || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(node, c);
  } else if (child instanceof Node) {
    node.appendChild(child);
  } else {
    node.appendChild(document.createTextNode(String(child)));
  }
}

// h('button', {class: 'x', onclick: f}, 'Run') - an element; strings become text nodes.
export function h(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) setProp(node, k, v);
  append(node, children);
  return node;
}

// The same for SVG elements (the chart).
export function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  }
  append(node, children);
  return node;
}

// Replaces node's children with the given ones.
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export function $(sel, root = document) {
  return root.querySelector(sel);
}

// Text cut to at most max characters (the rest counted), so one huge value cannot fill the page.
export function clip(text, max) {
  if (text.length <= max) return text;
  return text.slice(0, max) + ` … (${text.length - max} more characters)`;
}

// A notice box: kind is 'error', 'refused', 'info' or 'unsupported'.
export function notice(kind, title, detail) {
  return h('div', {class: `notice notice-${kind}`, role: kind === 'info' ? 'status' : 'alert'},
    h('strong', null, title), detail ? h('span', {class: 'notice-detail'}, ' ', detail) : null);
}

// Labelled form field.
export function field(label, input, hint) {
  return h('label', {class: 'field'}, h('span', {class: 'field-label'}, label), input,
    hint ? h('span', {class: 'field-hint'}, hint) : null);
}

// Number with thousands separators; bytes as KiB/MiB.
export function num(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : String(n ?? '—');
}

export function bytes(n) {
  if (typeof n !== 'number') return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}
