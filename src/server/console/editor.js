// editor.js - the SQL editor: a textarea (so typing, undo, selection and screen readers behave
// as in any text box) over a highlighted copy of its text, plus a completion list.
//
// Keys: Ctrl+Enter (Cmd+Enter) runs, Ctrl+Shift+Enter explains, Ctrl+Space opens completion;
// while the list is open, Up/Down choose, Enter or Tab take, Escape closes. Tab is otherwise
// left alone, so the keyboard can leave the editor.

import {h, fill} from './dom.js';
import {tokens, completionContext, offsetOf} from './sql.js';

const HIGHLIGHT_MAX = 200000; // longer text is shown plain: colouring it would lag typing
const LIST_MAX = 50;

export class Editor {
  // complete(ctx, text) -> Promise<[{label, kind, insert?}]>.
  constructor({onRun, onExplain, complete, onChange}) {
    this.onRun = onRun;
    this.onExplain = onExplain;
    this.complete = complete;
    this.onChange = onChange;
    this.errorAt = -1;
    this.items = [];
    this.active = 0;
    this.completionSerial = 0;
    this.hl = h('pre', {class: 'editor-hl', 'aria-hidden': 'true'});
    this.input = h('textarea', {
      class: 'editor-input', id: 'sql-input', spellcheck: 'false', autocomplete: 'off',
      autocapitalize: 'off', 'aria-label': 'SQL query (Ctrl+Enter runs)', wrap: 'off',
      'aria-autocomplete': 'list', 'aria-controls': 'completion-list',
    });
    this.list = h('ul', {class: 'completion', id: 'completion-list', role: 'listbox', hidden: true});
    this.probe = h('span', {class: 'editor-probe', 'aria-hidden': 'true'}, 'MMMMMMMMMM');
    this.root = h('div', {class: 'editor'}, this.hl, this.input, this.list, this.probe);
    this.input.addEventListener('input', () => this.changed(true));
    this.input.addEventListener('scroll', () => this.syncScroll());
    this.input.addEventListener('keydown', (e) => this.keydown(e));
    this.input.addEventListener('blur', () => setTimeout(() => this.close(), 150));
    this.list.addEventListener('mousedown', (e) => e.preventDefault());
  }

  get value() {
    return this.input.value;
  }

  set value(text) {
    this.input.value = text;
    this.changed(false);
  }

  focus() {
    this.input.focus();
  }

  changed(typed) {
    this.errorAt = -1;
    this.paint();
    if (this.onChange) this.onChange(this.input.value);
    if (typed) this.maybeComplete(false);
  }

  // Marks the error position (1-based line and column from the server), or clears it.
  markError(line, column) {
    this.errorAt = line ? offsetOf(this.input.value, line, column || 1) : -1;
    this.paint();
  }

  paint() {
    const text = this.input.value;
    if (text.length > HIGHLIGHT_MAX) {
      fill(this.hl, text, '\n');
      return;
    }
    const parts = [];
    for (const t of tokens(text)) {
      const hit = this.errorAt >= t.start && this.errorAt < t.end ||
        this.errorAt === t.start && t.end === t.start;
      if (t.type === 'ws' && !hit) {
        parts.push(t.text);
      } else {
        parts.push(h('span', {class: `tok-${t.type}${hit ? ' tok-error' : ''}`}, t.text));
      }
    }
    if (this.errorAt >= text.length) parts.push(h('span', {class: 'tok-error tok-eof'}, ' '));
    parts.push('\n'); // keeps the last line's height when the text ends in a newline
    fill(this.hl, parts);
    this.syncScroll();
  }

  syncScroll() {
    this.hl.scrollTop = this.input.scrollTop;
    this.hl.scrollLeft = this.input.scrollLeft;
  }

  keydown(e) {
    const open = !this.list.hidden;
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      this.close();
      if (e.shiftKey) this.onExplain();
      else this.onRun();
    } else if (e.key === ' ' && e.ctrlKey) {
      e.preventDefault();
      this.maybeComplete(true);
    } else if (open && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      this.active = (this.active + (e.key === 'ArrowDown' ? 1 : -1) + this.items.length) %
        this.items.length;
      this.drawList();
    } else if (open && (e.key === 'Enter' || e.key === 'Tab')) {
      e.preventDefault();
      this.accept(this.active);
    } else if (e.key === 'Escape') {
      // also when no list shows yet: a completion still on its way must not open after Escape
      if (open) e.preventDefault();
      this.close();
    }
  }

  async maybeComplete(forced) {
    const pos = this.input.selectionStart;
    if (pos !== this.input.selectionEnd) return this.close();
    const text = this.input.value;
    const ctx = completionContext(text, pos);
    if (!forced && ctx.prefix === '' && ctx.qualifier === null) return this.close();
    const serial = ++this.completionSerial;
    let items = [];
    try {
      items = await this.complete(ctx, text);
    } catch {
      items = [];
    }
    if (serial !== this.completionSerial) return; // a newer keystroke asked again
    const low = ctx.prefix.toLowerCase();
    this.items = items.filter((it) => it.label.toLowerCase().startsWith(low) &&
      (forced || it.label.length > ctx.prefix.length)).slice(0, LIST_MAX);
    this.ctx = ctx;
    this.active = 0;
    if (this.items.length === 0) return this.close();
    this.drawList();
    this.place(pos);
  }

  drawList() {
    fill(this.list, this.items.map((it, i) => h('li', {
      role: 'option', id: `completion-${i}`, class: i === this.active ? 'active' : null,
      'aria-selected': i === this.active ? 'true' : 'false',
      onclick: () => this.accept(i),
    }, h('span', {class: 'completion-label'}, it.label),
    h('span', {class: 'completion-kind'}, it.kind))));
    this.list.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
    this.input.setAttribute('aria-activedescendant', `completion-${this.active}`);
    const act = this.list.children[this.active];
    if (act) act.scrollIntoView({block: 'nearest'});
  }

  // Puts the list under the caret (the editor's font is monospace).
  place(pos) {
    const before = this.input.value.slice(0, pos).split('\n');
    const line = before.length - 1;
    const col = before[before.length - 1].length;
    const style = getComputedStyle(this.input);
    const charW = this.probe.getBoundingClientRect().width / 10;
    const lineH = parseFloat(style.lineHeight) || 18;
    const padL = parseFloat(style.paddingLeft);
    const padT = parseFloat(style.paddingTop);
    const x = Math.min(padL + col * charW - this.input.scrollLeft, this.input.clientWidth - 200);
    const y = padT + (line + 1) * lineH - this.input.scrollTop;
    this.list.style.left = `${Math.max(0, x)}px`;
    this.list.style.top = `${Math.min(y, this.input.clientHeight)}px`;
  }

  accept(i) {
    const it = this.items[i];
    if (!it) return;
    const {start} = this.ctx;
    const pos = this.input.selectionStart;
    const insert = it.insert ?? it.label;
    this.input.setRangeText(insert, start, pos, 'end');
    this.close();
    this.changed(false);
    this.input.focus();
  }

  close() {
    this.completionSerial++;
    this.list.hidden = true;
    this.input.removeAttribute('aria-expanded');
    this.input.removeAttribute('aria-activedescendant');
  }
}
