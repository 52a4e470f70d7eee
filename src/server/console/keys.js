// keys.js - the Keys & roles screen: the signed-in user's API keys (create one, shown whole
// once; delete one, confirmed) and the org's roles with their privileges, each where the key
// may see them. A server without these endpoints says so instead of failing.

import {h, fill, notice, field} from './dom.js';
import {probe, enc} from './api.js';

export function mountKeys(app) {
  const keysBox = h('section', {id: 'keys-panel', 'aria-label': 'API keys'});
  const rolesBox = h('section', {id: 'roles-panel', 'aria-label': 'roles'});
  const root = h('div', {class: 'view', id: 'view-keys'},
    h('h2', null, 'API keys'), keysBox, h('h2', null, 'Roles'), rolesBox);
  let roles = [];

  function unavailable(box, res, what, path) {
    if (res.why === 'unsupported') {
      fill(box, notice('unsupported', `This server does not offer ${what}.`,
        `GET ${path} answered ${res.error.status}; a rockset-local with keys and roles shows ` +
        'them here.'));
    } else {
      fill(box, app.errorNotice(res.error, `Could not list ${what}`));
    }
  }

  async function drawRoles() {
    const path = '/v1/orgs/self/roles';
    const res = await probe(app.api.get('roles'));
    if (!res.ok) {
      roles = [];
      unavailable(rolesBox, res, 'roles', path);
      return;
    }
    roles = res.data.data || [];
    const privileges = (r) => h('details', null,
      h('summary', null, `${(r.privileges || []).length} privileges`),
      h('ul', {class: 'privileges'}, (r.privileges || []).map((p) => h('li', null,
        h('code', null, p.action),
        p.resource_name && p.resource_name !== '*ALL*' ? ` on ${p.resource_name}` : ''))));
    fill(rolesBox, h('table', {class: 'grid compact', id: 'roles-table'},
      h('thead', null, h('tr', null, ['Role', 'Description', 'Privileges'].map((t) =>
        h('th', {scope: 'col'}, t)))),
      h('tbody', null, roles.map((r) => h('tr', {'data-role': r.role_name},
        h('td', null, h('code', null, r.role_name)), h('td', null, r.description ?? ''),
        h('td', null, privileges(r)))))));
  }

  async function drawKeys() {
    const path = '/v1/orgs/self/users/self/apikeys';
    const res = await probe(app.api.get('users/self/apikeys'));
    if (!res.ok) {
      unavailable(keysBox, res, 'API keys', path);
      return;
    }
    const keys = res.data.data || [];
    const out = h('div', {id: 'key-action-result'});
    fill(keysBox,
      h('div', {class: 'toolbar'}, h('button', {type: 'button', id: 'new-key',
        onclick: () => newKey(out)}, 'New API key…')),
      out,
      h('table', {class: 'grid compact', id: 'keys-table'},
        h('thead', null, h('tr', null, ['Name', 'Key', 'Role', 'State', 'Created', 'Last used', '']
          .map((t) => h('th', {scope: 'col'}, t)))),
        h('tbody', null, keys.map((k) => h('tr', {'data-key': k.name},
          h('td', null, k.name), h('td', null, h('code', null, `…${k.key ?? ''}`)),
          h('td', null, k.role ?? 'the user\'s roles'), h('td', null, k.state ?? ''),
          h('td', null, k.created_at ?? ''), h('td', null, k.last_access_time ?? 'never'),
          h('td', null, h('button', {type: 'button', class: 'danger small',
            onclick: () => deleteKey(k.name, out)}, 'Delete…')))))));
  }

  function newKey(out) {
    const name = h('input', {id: 'new-key-name', required: true, autocomplete: 'off'});
    const role = h('select', {id: 'new-key-role'}, h('option', {value: ''}, 'same as mine'),
      roles.map((r) => h('option', {value: r.role_name}, r.role_name)));
    app.form({title: 'New API key', action: 'Create key',
      fields: [field('Name', name), field('Role', role, 'a key never holds more than yours')],
      submit: async () => {
        const body = {name: name.value};
        if (role.value) body.role = role.value;
        const made = (await app.api.post('users/self/apikeys', body)).data;
        await drawKeys();
        fill(keysBox.querySelector('#key-action-result'), h('div', {class: 'notice notice-info',
          role: 'status'}, h('strong', null, `Key ${made.name} created. `),
        'Copy it now: it is shown this once. ',
        h('input', {readonly: true, class: 'new-key', value: made.key, 'aria-label': 'the new key'})));
      }});
  }

  async function deleteKey(name, out) {
    const ok = await app.confirm({title: `Delete API key ${name}?`,
      body: 'Clients using it are refused from then on.', word: name, action: 'Delete key'});
    if (!ok) return;
    try {
      await app.api.del(`users/self/apikeys/${enc(name)}`);
      app.toast('info', `API key ${name} deleted.`);
      await drawKeys();
    } catch (e) {
      fill(out, app.errorNotice(e, `Could not delete key ${name}`));
    }
  }

  return {
    root,
    async show() {
      fill(keysBox, h('p', {class: 'muted'}, 'Loading…'));
      fill(rolesBox, h('p', {class: 'muted'}, 'Loading…'));
      await drawRoles();
      await drawKeys();
    },
  };
}
