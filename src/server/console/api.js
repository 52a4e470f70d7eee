// api.js - every call the console makes: Rockset's public REST API on this server, with the
// signed-in key in the Authorization header (never in a URL, never logged). Roles therefore
// apply to the console exactly as to any other client: a 403 is shown, not worked around.

const ORG = '/v1/orgs/self';

// An API error: Rockset's ErrorModel (message, type, line, column, query_id) and the status.
export class ApiError extends Error {
  constructor(status, body, method, path) {
    const model = body && typeof body === 'object' ? body : {};
    super(model.message || `${method} ${path} answered HTTP ${status}`);
    this.status = status;
    this.type = model.type || (status === 0 ? 'CONNECTION_ERROR' : `HTTP_${status}`);
    this.line = Number.isInteger(model.line) ? model.line : null;
    this.column = Number.isInteger(model.column) ? model.column : null;
    this.queryId = model.query_id || null;
    this.method = method;
    this.path = path;
  }

  // The server has no such endpoint (an older rockset-local, or a feature not built in):
  // 404 on the route itself, or 405.
  get unsupported() {
    return (this.status === 404 && /^no such endpoint/.test(this.message)) || this.status === 405;
  }

  get refused() {
    return this.status === 403;
  }
}

export const enc = encodeURIComponent;

export class Api {
  constructor(key) {
    this.key = key;
  }

  // One request; resolves to the parsed JSON body, rejects with ApiError.
  async call(method, path, body) {
    const init = {method, headers: {Authorization: `ApiKey ${this.key}`}, cache: 'no-store'};
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let resp;
    path = path.startsWith('/') ? path : `${ORG}/${path}`;
    try {
      resp = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, {message: `the server did not answer (${e.message})`}, method, path);
    }
    let data = null;
    const text = await resp.text();
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = {message: text.slice(0, 300)};
    }
    if (!resp.ok) throw new ApiError(resp.status, data, method, path);
    return data;
  }

  get(path) {
    return this.call('GET', path);
  }
  post(path, body) {
    return this.call('POST', path, body === undefined ? {} : body);
  }
  del(path) {
    return this.call('DELETE', path);
  }

  // A query: sql, parameters [{name, type, value}], the first page of at most pageSize rows.
  query(sql, parameters, pageSize) {
    return this.post('queries', {
      sql: {query: sql, parameters: parameters || []},
      max_initial_results: pageSize,
    });
  }

  // Rows [offset, offset + docs) of a finished query.
  page(queryId, offset, docs) {
    return this.get(`queries/${enc(queryId)}/pages?docs=${docs}&offset=${offset}`);
  }

  lambdaPath(ws, name) {
    return `ws/${enc(ws)}/lambdas/${enc(name)}`;
  }
}

// Does the key's user own this feature? Returns {ok: true, data} or {ok: false, why, error},
// why being 'unsupported' (404/405: not on this server), 'refused' (403) or 'error'.
export async function probe(promise) {
  try {
    return {ok: true, data: await promise};
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return {ok: false, why: e.unsupported ? 'unsupported' : e.refused ? 'refused' : 'error', error: e};
  }
}
