// params.js - typed inputs for a query's :parameters. Rockset sends every parameter as
// {name, type, value} with value a string; the type picks the input (a number box for int and
// float, a choice for bool, a date picker for date) and is sent as chosen.

import {h, fill} from './dom.js';

export const PARAM_TYPES = ['string', 'int', 'float', 'bool', 'date', 'datetime', 'time',
  'timestamp'];

const PLACEHOLDER = {
  string: 'text', int: '0', float: '0.0', datetime: '2024-01-31 12:00:00', time: '12:00:00',
  timestamp: '2024-01-31T12:00:00Z',
};

export class Params {
  constructor(idPrefix) {
    this.idPrefix = idPrefix;
    this.state = new Map(); // name -> {type, value}; kept while a name comes and goes
    this.names = [];
    this.root = h('div', {class: 'params', hidden: true});
  }

  // Shows inputs for names; defaults ([{name, type, value}]) fill names not set yet.
  show(names, defaults) {
    for (const d of defaults || []) {
      if (!this.state.has(d.name)) {
        this.state.set(d.name, {type: PARAM_TYPES.includes(d.type) ? d.type : 'string',
          value: d.value ?? ''});
      }
    }
    const same = names.length === this.names.length && names.every((n, i) => n === this.names[i]);
    this.names = names.slice();
    if (same && this.root.childElementCount) return;
    this.root.hidden = names.length === 0;
    fill(this.root, names.length ? h('div', {class: 'params-title'}, 'Parameters') : null,
      names.map((name) => this.row(name)));
  }

  row(name) {
    if (!this.state.has(name)) this.state.set(name, {type: 'string', value: ''});
    const st = this.state.get(name);
    const id = `${this.idPrefix}-${name}`;
    const typeSel = h('select', {id: `${id}-type`, class: 'param-type',
      'aria-label': `type of :${name}`, dataset: {param: name}},
    PARAM_TYPES.map((t) => h('option', {value: t, selected: t === st.type}, t)));
    const holder = h('span', {class: 'param-value'});
    const drawValue = () => fill(holder, this.valueInput(name, id, st));
    typeSel.addEventListener('change', () => {
      st.type = typeSel.value;
      drawValue();
    });
    drawValue();
    return h('div', {class: 'param-row'},
      h('label', {for: `${id}-value`, class: 'param-name'}, `:${name}`), typeSel, holder);
  }

  valueInput(name, id, st) {
    const common = {id: `${id}-value`, class: 'param-input', dataset: {param: name}};
    let input;
    if (st.type === 'bool') {
      if (st.value !== 'true' && st.value !== 'false') st.value = 'true';
      input = h('select', common, ['true', 'false'].map((v) =>
        h('option', {value: v, selected: v === st.value}, v)));
    } else {
      const type = st.type === 'int' || st.type === 'float' ? 'number'
        : st.type === 'date' ? 'date' : 'text';
      input = h('input', {...common, type, value: st.value, placeholder: PLACEHOLDER[st.type],
        step: st.type === 'float' ? 'any' : st.type === 'int' ? '1' : null});
    }
    input.addEventListener('input', () => {
      st.value = input.value;
    });
    input.addEventListener('change', () => {
      st.value = input.value;
    });
    return input;
  }

  // [{name, type, value}] for the names shown.
  values() {
    return this.names.map((name) => {
      const st = this.state.get(name);
      return {name, type: st.type, value: String(st.value)};
    });
  }

  // Restores saved values (from the history).
  set(list) {
    for (const p of list || []) this.state.set(p.name, {type: p.type, value: p.value});
    this.names = [];
  }
}
