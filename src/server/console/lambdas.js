// lambdas.js - the Query lambdas screen: every lambda, its versions and tags; a version run
// with its parameters (defaults filled in), opened in the editor, and the editor's query saved
// as a new version.

import {h, fill, notice, num, field} from './dom.js';
import {Params} from './params.js';
import {ResultView} from './results.js';
import {pagedSource, statsLine} from './query.js';
import {parameterNames} from './sql.js';
import {enc} from './api.js';

export function mountLambdas(app) {
  const list = h('nav', {class: 'tree', id: 'lambda-list', 'aria-label': 'query lambdas'});
  const detail = h('div', {class: 'detail', id: 'lambda-detail'});
  const root = h('div', {class: 'view view-split', id: 'view-lambdas'},
    h('div', {class: 'side'}, list), detail);
  let current = null;

  async function drawList() {
    try {
      const all = (await app.api.get('lambdas')).data || [];
      fill(list, all.length ? h('ul', null, all.map((l) => h('li', null,
        h('a', {href: `#/lambdas/${enc(l.workspace)}/${enc(l.name)}`, 'data-lambda':
          `${l.workspace}.${l.name}`, class: current && current.ws === l.workspace &&
          current.name === l.name ? 'current' : null},
        `${l.workspace}.${l.name}`, ' ', h('span', {class: 'muted'},
          `${num(l.version_count)} version${l.version_count === 1 ? '' : 's'}`)))))
        : h('p', {class: 'muted'}, 'No query lambdas yet: save a query from the Query screen.'));
    } catch (e) {
      fill(list, app.errorNotice(e, 'Could not list query lambdas'));
    }
  }

  function runPanel(ws, name, v) {
    const params = new Params(`lp-${v.version}`);
    const defaults = v.sql.default_parameters || [];
    const names = [...new Set([...parameterNames(v.sql.query), ...defaults.map((d) => d.name)])];
    params.show(names, defaults);
    const out = h('div', {class: 'lambda-output', id: `lambda-output-${v.version}`});
    const view = new ResultView(`lambda-results-${v.version}`);
    const run = async () => {
      fill(out, h('p', {class: 'muted'}, 'Running…'));
      try {
        const resp = await app.api.post(`${app.api.lambdaPath(ws, name)}/versions/${enc(v.version)}`,
          {parameters: params.values(), max_initial_results: app.pageSize});
        view.show(pagedSource(app, resp, app.pageSize));
        fill(out, statsLine(resp, 0), view.root);
      } catch (e) {
        fill(out, app.errorNotice(e, `Version ${v.version} failed`));
      }
    };
    return h('div', {class: 'run-panel'}, params.root,
      h('div', {class: 'toolbar'},
        h('button', {type: 'button', class: 'primary run-version', id: `run-version-${v.version}`,
          onclick: run}, 'Run this version'),
        h('button', {type: 'button', onclick: () => app.openQuery(v.sql.query, params.values())},
          'Open in editor')),
      out);
  }

  async function showLambda(ws, name) {
    current = {ws, name};
    fill(detail, h('p', {class: 'muted'}, 'Loading…'));
    let versions;
    let tags;
    try {
      versions = (await app.api.get(`${app.api.lambdaPath(ws, name)}/versions`)).data || [];
      tags = (await app.api.get(`${app.api.lambdaPath(ws, name)}/tags`)).data || [];
    } catch (e) {
      fill(detail, app.errorNotice(e, `Could not read lambda ${ws}.${name}`));
      return;
    }
    const tagsOf = (ver) => tags.filter((t) => t.version && t.version.version === ver)
      .map((t) => t.tag_name);
    const saveBox = h('div', {id: 'save-version-result'});
    fill(detail,
      h('h2', null, 'Query lambda ', h('code', null, `${ws}.${name}`)),
      h('div', {class: 'toolbar'},
        h('button', {type: 'button', id: 'save-editor-version', onclick: async () => {
          try {
            const v = await app.saveVersion(ws, name, app.editorQuery(), app.editorParams());
            app.toast('info', `Saved version ${v.version} of ${ws}.${name}.`);
            await showLambda(ws, name);
          } catch (e) {
            fill(saveBox, app.errorNotice(e, 'Could not save a new version'));
          }
        }}, 'Save the editor\'s query as a new version')),
      saveBox,
      h('h3', null, 'Tags'),
      h('p', {id: 'lambda-tags'}, tags.map((t) => h('span', {class: 'tag'},
        `${t.tag_name} → ${t.version ? t.version.version : '?'}`))),
      h('h3', null, `Versions (${versions.length})`),
      h('ol', {class: 'versions', id: 'lambda-versions'}, versions.map((v) => h('li', {
        class: 'version', 'data-version': v.version},
      h('details', {open: versions.length <= 3},
        h('summary', null, h('code', null, v.version), ' ',
          tagsOf(v.version).map((t) => h('span', {class: 'tag'}, t)), ' ',
          h('span', {class: 'muted'}, `${v.created_at ?? ''} by ${v.created_by ?? '—'}`)),
        v.description ? h('p', null, v.description) : null,
        h('pre', {class: 'sql'}, v.sql.query),
        runPanel(ws, name, v))))));
  }

  return {
    root,
    async show(args) {
      current = args.length >= 2 ? {ws: args[0], name: args[1]} : null;
      drawList();
      if (current) await showLambda(current.ws, current.name);
      else fill(detail, h('h2', null, 'Query lambdas'),
        notice('info', 'Choose a lambda on the left, or save the editor\'s query as one.'));
    },
  };
}

// The "Save as lambda" form of the Query screen.
export async function saveAsLambdaForm(app, sql, params) {
  let cat;
  let lambdas = [];
  try {
    cat = await app.catalog();
    lambdas = (await app.api.get('lambdas')).data || [];
  } catch (e) {
    app.toast('error', `Could not list workspaces: ${e.message}`);
    return;
  }
  const ws = h('select', {id: 'save-lambda-ws'}, cat.workspaces.map((w) => h('option', {value: w}, w)));
  const name = h('input', {id: 'save-lambda-name', required: true, autocomplete: 'off',
    list: 'lambda-names'});
  const names = h('datalist', {id: 'lambda-names'}, lambdas.map((l) => h('option', {value: l.name})));
  const desc = h('input', {id: 'save-lambda-desc', autocomplete: 'off'});
  app.form({title: 'Save the query as a query lambda', action: 'Save',
    fields: [field('Workspace', ws), field('Name', name,
      'an existing lambda gets a new version; a new name makes a new lambda'), names,
    field('Description', desc),
    params.length ? h('p', {class: 'muted'}, `Default parameters: ${params.map((p) =>
      `:${p.name} = ${p.value} (${p.type})`).join(', ')}`) : null],
    submit: async () => {
      const exists = lambdas.some((l) => l.workspace === ws.value && l.name === name.value);
      const body = {sql: {query: sql, default_parameters: params}};
      if (desc.value) body.description = desc.value;
      if (exists) {
        await app.api.post(`${app.api.lambdaPath(ws.value, name.value)}/versions`, body);
      } else {
        await app.api.post(`ws/${enc(ws.value)}/lambdas`, {name: name.value, ...body});
      }
      location.hash = `#/lambdas/${enc(ws.value)}/${enc(name.value)}`;
    }});
}
