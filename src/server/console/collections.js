// collections.js - the Collections screen: workspaces and their collections; a collection's
// status, size, ingest transformation and retention, its fields from DESCRIBE (type and share
// of documents), and sample documents; creating and deleting, each delete confirmed by typing
// the name.

import {h, fill, notice, num, bytes, field} from './dom.js';
import {ResultView} from './results.js';
import {pagedSource} from './query.js';
import {enc} from './api.js';

const RETENTIONS = [['', 'keep forever'], ['3600', '1 hour'], ['86400', '1 day'],
  ['604800', '7 days'], ['2592000', '30 days'], ['31536000', '365 days']];

export function retentionText(secs) {
  if (secs === null || secs === undefined) return 'kept forever (no retention)';
  const known = RETENTIONS.find(([s]) => Number(s) === secs);
  return known ? `${known[1]} (${num(secs)} s)` : `${num(secs)} s`;
}

// DESCRIBE rows -> [{path, type, occurrences, total}].
export function fieldsOf(rows) {
  return rows.map((r) => ({
    path: (r.field || []).join('.'),
    type: r.type,
    occurrences: r.occurrences,
    total: r.total,
  }));
}

function quoteName(n) {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(n) ? n : `"${n.replace(/"/g, '""')}"`;
}

export function qualified(ws, coll) {
  return `${quoteName(ws)}.${quoteName(coll)}`;
}

export function mountCollections(app) {
  const tree = h('nav', {class: 'tree', id: 'collection-tree', 'aria-label': 'workspaces'});
  const detail = h('div', {class: 'detail', id: 'collection-detail'});
  const root = h('div', {class: 'view view-split', id: 'view-collections'},
    h('div', {class: 'side'},
      h('div', {class: 'toolbar'}, h('button', {type: 'button', id: 'new-workspace',
        onclick: () => newWorkspace()}, 'New workspace…')), tree),
    detail);
  let current = {ws: null, coll: null};

  async function drawTree() {
    let cat;
    try {
      cat = await app.catalog(true);
    } catch (e) {
      fill(tree, app.errorNotice(e, 'Could not list workspaces'));
      return;
    }
    fill(tree, h('ul', null, cat.workspaces.map((ws) => h('li', null,
      h('a', {href: `#/collections/${enc(ws)}`, class: ws === current.ws && !current.coll
        ? 'current ws-link' : 'ws-link', 'data-ws': ws}, ws),
      h('ul', null, cat.collections.filter((c) => c.workspace === ws).map((c) => h('li', null,
        h('a', {href: `#/collections/${enc(ws)}/${enc(c.name)}`, 'data-coll': `${ws}.${c.name}`,
          class: ws === current.ws && c.name === current.coll ? 'current coll-link' : 'coll-link'},
        c.name, ' ', h('span', {class: `badge status-${(c.status || '').toLowerCase()}`},
          c.status)))))))));
  }

  async function showWorkspace(ws) {
    fill(detail, h('p', {class: 'muted'}, 'Loading…'));
    try {
      const w = (await app.api.get(`ws/${enc(ws)}`)).data;
      const colls = (await app.api.get(`ws/${enc(ws)}/collections`)).data;
      fill(detail, h('h2', null, 'Workspace ', h('code', null, w.name)),
        w.description ? h('p', null, w.description) : null,
        h('dl', {class: 'facts'}, h('dt', null, 'Collections'), h('dd', null, num(w.collection_count)),
          h('dt', null, 'Created'), h('dd', null, `${w.created_at} by ${w.created_by ?? '—'}`)),
        h('div', {class: 'toolbar'},
          h('button', {type: 'button', id: 'new-collection', onclick: () => newCollection(ws)},
            'New collection…'),
          h('button', {type: 'button', class: 'danger', id: 'delete-workspace',
            onclick: () => deleteWorkspace(ws)}, 'Delete workspace…')),
        h('div', {id: 'action-result'}),
        colls.length ? h('table', {class: 'grid compact'},
          h('thead', null, h('tr', null, ['Collection', 'Status', 'Documents', 'Size']
            .map((t) => h('th', {scope: 'col'}, t)))),
          h('tbody', null, colls.map((c) => h('tr', null,
            h('td', null, h('a', {href: `#/collections/${enc(ws)}/${enc(c.name)}`}, c.name)),
            h('td', null, c.status), h('td', null, num(c.stats?.doc_count)),
            h('td', null, bytes(c.stats?.total_size)))))) : h('p', {class: 'muted'},
          'No collections yet.'));
    } catch (e) {
      fill(detail, app.errorNotice(e, `Could not read workspace ${ws}`));
    }
  }

  async function showCollection(ws, name) {
    fill(detail, h('p', {class: 'muted'}, 'Loading…'));
    let c;
    try {
      c = (await app.api.get(`ws/${enc(ws)}/collections/${enc(name)}`)).data;
    } catch (e) {
      fill(detail, app.errorNotice(e, `Could not read collection ${ws}.${name}`));
      return;
    }
    const fieldsBox = h('div', {id: 'collection-fields'}, h('p', {class: 'muted'}, 'Reading fields…'));
    const sampleView = new ResultView('sample');
    const sampleBox = h('div', {id: 'collection-sample'}, h('p', {class: 'muted'}, 'Reading documents…'));
    const s = c.stats || {};
    fill(detail,
      h('h2', null, 'Collection ', h('code', null, `${c.workspace}.${c.name}`), ' ',
        h('span', {class: `badge status-${(c.status || '').toLowerCase()}`, id: 'collection-status'},
          c.status)),
      c.description ? h('p', null, c.description) : null,
      h('div', {class: 'toolbar'},
        h('button', {type: 'button', id: 'query-collection', onclick: () => app.openQuery(
          `SELECT *\nFROM ${qualified(ws, name)}\nLIMIT 100`)}, 'Query it'),
        h('button', {type: 'button', class: 'danger', id: 'delete-collection',
          onclick: () => deleteCollection(ws, name)}, 'Delete collection…')),
      h('div', {id: 'action-result'}),
      h('dl', {class: 'facts', id: 'collection-facts'},
        h('dt', null, 'Documents'), h('dd', {id: 'fact-docs'}, num(s.doc_count ?? 0)),
        h('dt', null, 'Size'), h('dd', {id: 'fact-size'}, bytes(s.total_size ?? 0)),
        h('dt', null, 'Bytes inserted'), h('dd', null, bytes(s.bytes_inserted ?? 0)),
        h('dt', null, 'Retention'), h('dd', {id: 'fact-retention'}, retentionText(c.retention_secs)),
        h('dt', null, 'Created'), h('dd', null, `${c.created_at} by ${c.created_by ?? '—'}`),
        h('dt', null, 'Ingest transformation'),
        h('dd', null, c.field_mapping_query && c.field_mapping_query.sql
          ? h('pre', {class: 'sql', id: 'fact-transformation'}, c.field_mapping_query.sql)
          : h('span', {id: 'fact-transformation'}, 'none (documents are stored as written)'))),
      h('h3', null, 'Fields'), fieldsBox,
      h('h3', null, 'Sample documents'), sampleBox);
    try {
      const fields = fieldsOf(await app.describe(ws, name, true));
      fill(fieldsBox, fields.length ? h('table', {class: 'grid compact', id: 'fields-table'},
        h('thead', null, h('tr', null, ['Field', 'Type', 'Share'].map((t) =>
          h('th', {scope: 'col'}, t)))),
        h('tbody', null, fields.map((f) => {
          const share = f.total ? f.occurrences / f.total : 0;
          return h('tr', {'data-field': f.path},
            h('td', null, h('code', null, f.path)), h('td', null, f.type),
            h('td', {class: 'share'},
              h('span', {class: 'sharebar'}, h('span', {class: 'sharefill',
                'data-share': share.toFixed(3)})),
              ` ${Math.round(share * 1000) / 10}% (${num(f.occurrences)} of ${num(f.total)})`));
        }))) : h('p', {class: 'muted'}, 'No fields: the collection is empty.'));
      for (const bar of fieldsBox.querySelectorAll('.sharefill')) {
        bar.style.width = `${Number(bar.dataset.share) * 100}%`; // CSSOM, allowed by the CSP
      }
    } catch (e) {
      fill(fieldsBox, app.errorNotice(e, 'DESCRIBE failed'));
    }
    try {
      const resp = await app.api.query(`SELECT * FROM ${qualified(ws, name)} LIMIT 10`, [], 10);
      sampleView.show(pagedSource(app, resp, 25));
      fill(sampleBox, sampleView.root);
    } catch (e) {
      fill(sampleBox, app.errorNotice(e, 'Could not read documents'));
    }
  }

  async function deleteCollection(ws, name) {
    const ok = await app.confirm({
      title: `Delete collection ${ws}.${name}?`,
      body: 'Its documents are deleted with it; this cannot be undone.',
      word: name, action: 'Delete collection'});
    if (!ok) return;
    try {
      await app.api.del(`ws/${enc(ws)}/collections/${enc(name)}`);
      app.toast('info', `Collection ${ws}.${name} deleted.`);
      app.forget();
      location.hash = `#/collections/${enc(ws)}`;
    } catch (e) {
      fill(detail.querySelector('#action-result'), app.errorNotice(e, `Could not delete ${ws}.${name}`));
    }
  }

  async function deleteWorkspace(ws) {
    const ok = await app.confirm({title: `Delete workspace ${ws}?`,
      body: 'Only an empty workspace can be deleted.', word: ws, action: 'Delete workspace'});
    if (!ok) return;
    try {
      await app.api.del(`ws/${enc(ws)}`);
      app.toast('info', `Workspace ${ws} deleted.`);
      app.forget();
      location.hash = '#/collections';
    } catch (e) {
      fill(detail.querySelector('#action-result'), app.errorNotice(e, `Could not delete ${ws}`));
    }
  }

  function newWorkspace() {
    const name = h('input', {id: 'new-ws-name', required: true, autocomplete: 'off'});
    const desc = h('input', {id: 'new-ws-desc', autocomplete: 'off'});
    app.form({title: 'New workspace', action: 'Create workspace',
      fields: [field('Name', name), field('Description', desc)],
      submit: async () => {
        await app.api.post('ws', {name: name.value, description: desc.value || undefined});
        app.forget();
        location.hash = `#/collections/${enc(name.value)}`;
      }});
  }

  function newCollection(ws) {
    const name = h('input', {id: 'new-coll-name', required: true, autocomplete: 'off'});
    const desc = h('input', {id: 'new-coll-desc', autocomplete: 'off'});
    const sql = h('textarea', {id: 'new-coll-transformation', rows: 4, spellcheck: 'false',
      placeholder: 'SELECT *, CAST(price AS float) AS price FROM _input'});
    const ret = h('select', {id: 'new-coll-retention'},
      RETENTIONS.map(([v, t]) => h('option', {value: v}, t)));
    app.form({title: `New collection in ${ws}`, action: 'Create collection',
      fields: [field('Name', name), field('Description', desc),
        field('Ingest transformation', sql, 'optional; runs on every document written'),
        field('Retention', ret)],
      submit: async () => {
        const body = {name: name.value};
        if (desc.value) body.description = desc.value;
        if (sql.value.trim()) body.field_mapping_query = {sql: sql.value};
        if (ret.value) body.retention_secs = Number(ret.value);
        await app.api.post(`ws/${enc(ws)}/collections`, body);
        app.forget();
        location.hash = `#/collections/${enc(ws)}/${enc(name.value)}`;
      }});
  }

  return {
    root,
    async show(args) {
      current = {ws: args[0] ?? null, coll: args[1] ?? null};
      drawTree();
      if (current.coll) await showCollection(current.ws, current.coll);
      else if (current.ws) await showWorkspace(current.ws);
      else fill(detail, h('h2', null, 'Collections'),
        notice('info', 'Choose a workspace or a collection on the left.'));
    },
  };
}
