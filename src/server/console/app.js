// app.js - the console's shell: sign-in, the screens and their routes (#/query,
// #/collections/<ws>/<coll>, #/lambdas/<ws>/<name>, #/keys), and what the screens share:
// the API client, the catalog of workspaces and collections for completion, dialogs, notices.
//
// The API key is kept in this tab's sessionStorage only (gone when the tab closes, never sent
// to another tab, never in a URL or a log line) and travels in the Authorization header.

import {h, fill, notice, field, $} from './dom.js';
import {Api, ApiError, enc} from './api.js';
import {mountQuery} from './query.js';
import {mountCollections} from './collections.js';
import {mountLambdas, saveAsLambdaForm} from './lambdas.js';
import {mountKeys} from './keys.js';

const KEY_SLOT = 'rl.key';

const app = {
  api: null,
  pageSize: 100,
  catalogCache: null,
  describeCache: new Map(),
  explainCache: null,
  screens: {},
};

// ---- what the screens share ----

// Workspaces and collections, cached until forget(); fresh=true reads them again.
app.catalog = async (fresh) => {
  if (!app.catalogCache || fresh) {
    app.catalogCache = (async () => {
      const [ws, colls] = await Promise.all([app.api.get('ws'), app.api.get('collections')]);
      return {
        workspaces: (ws.data || []).map((w) => w.name).sort(),
        collections: (colls.data || []).map((c) => ({workspace: c.workspace, name: c.name,
          status: c.status})).sort((a, b) => `${a.workspace}.${a.name}`.localeCompare(
          `${b.workspace}.${b.name}`)),
      };
    })();
    app.catalogCache.catch(() => {
      app.catalogCache = null;
    });
  }
  return app.catalogCache;
};

app.forget = () => {
  app.catalogCache = null;
  app.describeCache.clear();
};

// DESCRIBE rows of a collection (cached for completion).
app.describe = async (ws, coll, fresh) => {
  const key = `${ws}.${coll}`;
  if (!app.describeCache.has(key) || fresh) {
    const q = `DESCRIBE "${ws.replace(/"/g, '""')}"."${coll.replace(/"/g, '""')}"`;
    const p = app.api.query(q, [], 10000).then((r) => r.results || []);
    app.describeCache.set(key, p);
    p.catch(() => app.describeCache.delete(key));
  }
  return app.describeCache.get(key);
};

// Top-level field names of a collection, for completion ([] when it cannot be read).
app.fields = async (ws, coll) => {
  try {
    const rows = await app.describe(ws, coll);
    return [...new Set(rows.filter((r) => r.field && r.field.length === 1).map((r) => r.field[0]))];
  } catch {
    return [];
  }
};

// Whether the server answers EXPLAIN: {ok, message}. Asked once per sign-in.
app.explainSupport = () => {
  if (!app.explainCache) {
    app.explainCache = app.api.query('EXPLAIN SELECT 1', [], 10).then(() => ({ok: true}),
      (e) => ({ok: false, message: `EXPLAIN SELECT 1 answered: ${e.message}`}));
  }
  return app.explainCache;
};

// A notice for an API error: a refusal (403) names what the key lacks, as the server said it.
app.errorNotice = (e, title) => {
  if (!(e instanceof ApiError)) return notice('error', title, String(e && e.message || e));
  if (e.refused) {
    return h('div', {class: 'notice notice-refused', role: 'alert', id: 'refused'},
      h('strong', null, 'Refused: this API key may not do that.'),
      h('span', {class: 'notice-detail'}, ` ${e.message}`),
      h('span', {class: 'muted'}, ` (${e.status} ${e.type}; ${e.method} ${e.path})`));
  }
  if (e.unsupported) {
    return notice('unsupported', `${title}: this server does not offer it.`,
      `${e.method} ${e.path} answered ${e.status}.`);
  }
  return h('div', {class: 'notice notice-error', role: 'alert'}, h('strong', null, `${title}.`),
    h('span', {class: 'notice-detail'}, ` ${e.message}`),
    h('span', {class: 'muted'}, ` (${e.status ? `${e.status} ` : ''}${e.type})`));
};

app.toast = (kind, text) => {
  const t = h('div', {class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status'},
    text);
  $('#toasts').appendChild(t);
  setTimeout(() => t.remove(), 4000);
};

// A modal dialog; resolves when closed. body: nodes; buttons: [{label, class, value}].
function dialog(title, body, buttons, onSubmit) {
  const dlg = $('#dialog');
  const errors = h('div', {class: 'dialog-errors'});
  return new Promise((resolve) => {
    const form = h('form', {method: 'dialog', class: 'dialog-form'},
      h('h2', null, title), body, errors,
      h('div', {class: 'toolbar'}, buttons.map((b) => h('button', {
        type: b.value === 'ok' ? 'submit' : 'button', class: b.class, id: b.id,
        onclick: b.value === 'ok' ? null : () => {
          dlg.close();
        }}, b.label))));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        if (onSubmit) await onSubmit();
        dlg.close('ok');
      } catch (e) {
        fill(errors, app.errorNotice(e, 'That did not work'));
      }
    });
    fill(dlg, form);
    dlg.returnValue = '';
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), {once: true});
    dlg.showModal();
    const first = form.querySelector('input, select, textarea, button');
    if (first) first.focus();
  });
}

// Asks to confirm a destructive action by typing `word`.
app.confirm = ({title, body, word, action}) => {
  const input = h('input', {id: 'confirm-input', autocomplete: 'off', spellcheck: 'false'});
  const ok = h('button', {type: 'submit', class: 'danger', id: 'confirm-ok', disabled: true}, action);
  input.addEventListener('input', () => {
    ok.disabled = input.value !== word;
  });
  const dlg = $('#dialog');
  return new Promise((resolve) => {
    const form = h('form', {method: 'dialog', class: 'dialog-form'}, h('h2', null, title),
      h('p', null, body), field(`Type ${word} to confirm`, input),
      h('div', {class: 'toolbar'}, ok, h('button', {type: 'button', id: 'confirm-cancel',
        onclick: () => dlg.close()}, 'Cancel')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (input.value === word) dlg.close('ok');
    });
    fill(dlg, form);
    dlg.returnValue = '';
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), {once: true});
    dlg.showModal();
    input.focus();
  });
};

// A form in a dialog; submit() may throw an ApiError, shown in the dialog.
app.form = ({title, fields, action, submit}) => dialog(title, fields, [
  {label: action, class: 'primary', value: 'ok', id: 'dialog-ok'},
  {label: 'Cancel', value: 'cancel', id: 'dialog-cancel'}], submit);

app.openQuery = (sql, params) => {
  location.hash = '#/query';
  app.screens.query.load(sql, params);
};
app.editorQuery = () => app.screens.query.editor.value;
app.editorParams = () => app.screens.query.paramsValues();
app.saveAsLambda = (sql, params) => saveAsLambdaForm(app, sql, params);
app.saveVersion = async (ws, name, sql, params) => (await app.api.post(
  `${app.api.lambdaPath(ws, name)}/versions`, {sql: {query: sql, default_parameters: params}})).data;

// ---- screens and routes ----

const SCREENS = [['query', 'Query'], ['collections', 'Collections'], ['lambdas', 'Query lambdas'],
  ['keys', 'Keys & roles']];

function route() {
  if (!app.api) return;
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean)
    .map((p) => decodeURIComponent(p));
  const name = app.screens[parts[0]] ? parts[0] : 'query';
  for (const [k] of SCREENS) {
    app.screens[k].root.hidden = k !== name;
    const link = $(`#nav-${k}`);
    if (k === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${SCREENS.find(([k]) => k === name)[1]} · rockset-local console`;
  app.screens[name].show(parts.slice(1));
}

function startScreens(user) {
  const view = $('#app-view');
  app.screens = {
    query: mountQuery(app),
    collections: mountCollections(app),
    lambdas: mountLambdas(app),
    keys: mountKeys(app),
  };
  fill(view, Object.values(app.screens).map((s) => s.root));
  fill($('#nav'), SCREENS.map(([k, label]) => h('a', {href: `#/${k}`, id: `nav-${k}`}, label)));
  fill($('#whoami'), h('span', {id: 'user-email'}, user), ' ',
    h('button', {type: 'button', id: 'sign-out', class: 'small', onclick: signOut}, 'Sign out'));
  $('#signin-view').hidden = true;
  view.hidden = false;
  route();
}

async function signIn(key) {
  const api = new Api(key);
  await api.get('/v1/orgs/self'); // throws on a wrong key
  let user = 'signed in';
  try {
    const me = await api.get('users/self');
    user = (me && (me.data || me).email) || user;
  } catch {
    // a key without that privilege still works for the rest
  }
  app.api = api;
  app.explainCache = null;
  app.forget();
  sessionStorage.setItem(KEY_SLOT, key);
  startScreens(user);
}

function signOut() {
  sessionStorage.removeItem(KEY_SLOT);
  sessionStorage.removeItem('rl.history');
  app.api = null;
  location.hash = '';
  location.reload();
}

function wireSignIn() {
  const form = $('#signin-form');
  const input = $('#signin-key');
  const err = $('#signin-error');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    fill(err);
    const key = input.value.trim();
    if (!key) return;
    const button = $('#signin-submit');
    button.disabled = true;
    try {
      await signIn(key);
      input.value = '';
    } catch (e) {
      fill(err, e instanceof ApiError && e.status === 401
        ? notice('error', 'That key was refused.', e.message) : app.errorNotice(e, 'Sign-in failed'));
    } finally {
      button.disabled = false;
    }
  });
}

window.addEventListener('hashchange', route);
wireSignIn();
const saved = sessionStorage.getItem(KEY_SLOT);
if (saved) {
  signIn(saved).catch(() => {
    sessionStorage.removeItem(KEY_SLOT);
    $('#signin-view').hidden = false;
  });
} else {
  $('#signin-key').focus();
}
document.documentElement.dataset.ready = 'true';

export {app, enc};
