// sql.js - a lexer for Rockset SQL, enough to colour it, find its :parameters, and know what a
// word being typed should complete to. It never fails: whatever it cannot read is one 'other'
// token, so a half-typed query still colours.

export const KEYWORDS = [
  'SELECT', 'FROM', 'WHERE', 'GROUP', 'BY', 'ORDER', 'HAVING', 'LIMIT', 'OFFSET', 'AS', 'ON',
  'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'OUTER', 'CROSS', 'UNION', 'ALL', 'DISTINCT', 'AND',
  'OR', 'NOT', 'IN', 'IS', 'NULL', 'LIKE', 'BETWEEN', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END',
  'WITH', 'ASC', 'DESC', 'TRUE', 'FALSE', 'INSERT', 'INTO', 'DESCRIBE', 'EXPLAIN', 'UNNEST',
  'EXCEPT', 'INTERSECT', 'OVER', 'PARTITION', 'INTERVAL', 'CAST', 'TRY_CAST', 'EXISTS', 'ANY',
  'NULLS', 'FIRST', 'LAST', 'HINT', 'CLUSTER', 'TABLE', 'ROWS', 'RANGE', 'UNDEFINED',
];

export const FUNCTIONS = [
  'COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'ARRAY_AGG', 'MAP_AGG', 'APPROX_DISTINCT', 'COUNT_IF',
  'ANY_VALUE', 'DATE_TRUNC', 'DATE_DIFF', 'DATE_ADD', 'TIME_BUCKET', 'CURRENT_TIMESTAMP',
  'CURRENT_DATE', 'PARSE_TIMESTAMP_ISO8601', 'FORMAT_TIMESTAMP', 'TIMESTAMP_MILLIS',
  'UNIX_MILLIS', 'HOURS', 'MINUTES', 'DAYS', 'SECONDS', 'LOWER', 'UPPER', 'LENGTH', 'CONCAT',
  'SUBSTR', 'TRIM', 'REPLACE', 'SPLIT', 'REGEXP_LIKE', 'COALESCE', 'NULLIF', 'IF', 'TYPEOF',
  'JSON_PARSE', 'JSON_FORMAT', 'ARRAY_CONTAINS', 'CARDINALITY', 'ELEMENT_AT', 'SEQUENCE',
  'ROUND', 'FLOOR', 'CEIL', 'ABS', 'ROW_NUMBER', 'RANK', 'LAG', 'LEAD', 'FIELD',
];

const KEYWORD_SET = new Set(KEYWORDS);

// tokens(text) -> [{type, text, start, end}], types: ws comment string ident qident number
// param keyword function punct other.
export function tokens(text) {
  const out = [];
  let i = 0;
  const n = text.length;
  const push = (type, start) => out.push({type, text: text.slice(start, i), start, end: i});
  while (i < n) {
    const start = i;
    const c = text[i];
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(text[i])) i++;
      push('ws', start);
    } else if (c === '-' && text[i + 1] === '-') {
      while (i < n && text[i] !== '\n') i++;
      push('comment', start);
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      push('comment', start);
    } else if (c === "'" || c === '"' || c === '`') {
      i++;
      while (i < n) {
        if (text[i] === c && text[i + 1] === c) {
          i += 2; // '' inside a literal
        } else if (text[i] === c) {
          i++;
          break;
        } else {
          i++;
        }
      }
      push(c === "'" ? 'string' : 'qident', start);
    } else if (c === ':' && /[A-Za-z_]/.test(text[i + 1] || '') && text[i - 1] !== ':') {
      i++;
      while (i < n && /[A-Za-z0-9_]/.test(text[i])) i++;
      push('param', start);
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] || ''))) {
      while (i < n && /[0-9.eE]/.test(text[i])) i++;
      push('number', start);
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < n && /[A-Za-z0-9_$]/.test(text[i])) i++;
      const up = text.slice(start, i).toUpperCase();
      let j = i;
      while (j < n && text[j] === ' ') j++;
      const type = KEYWORD_SET.has(up) ? 'keyword' : text[j] === '(' ? 'function' : 'ident';
      push(type, start);
    } else {
      i++;
      push(/[(),.;*=<>!+\-/%|[\]{}]/.test(c) ? 'punct' : 'other', start);
    }
  }
  return out;
}

// The distinct :parameter names of a query, in order of first use.
export function parameterNames(text) {
  const seen = [];
  for (const t of tokens(text)) {
    const name = t.type === 'param' ? t.text.slice(1) : null;
    if (name && !seen.includes(name)) seen.push(name);
  }
  return seen;
}

// An identifier token's name (quotes removed).
export function identName(t) {
  if (t.type === 'qident') return t.text.slice(1, -1).replace(/""|``/g, (m) => m[0]);
  return t.text;
}

// The relations a query reads: "ws.coll" (or "coll", meaning commons) after FROM/JOIN.
export function relations(text) {
  const toks = tokens(text).filter((t) => t.type !== 'ws' && t.type !== 'comment');
  const out = [];
  for (let i = 0; i < toks.length; i++) {
    const up = toks[i].text.toUpperCase();
    if (toks[i].type !== 'keyword' || (up !== 'FROM' && up !== 'JOIN')) continue;
    const a = toks[i + 1];
    if (!a || (a.type !== 'ident' && a.type !== 'qident')) continue;
    if (toks[i + 2] && toks[i + 2].text === '.' && toks[i + 3] &&
        (toks[i + 3].type === 'ident' || toks[i + 3].type === 'qident')) {
      out.push([identName(a), identName(toks[i + 3])]);
    } else {
      out.push(['commons', identName(a)]);
    }
  }
  return out;
}

// What the cursor at pos is completing: {prefix, start, qualifier} where qualifier is the name
// before a '.' ("shop" in "shop.or|"), or null.
export function completionContext(text, pos) {
  let start = pos;
  while (start > 0 && /[A-Za-z0-9_$]/.test(text[start - 1])) start--;
  const prefix = text.slice(start, pos);
  let qualifier = null;
  if (text[start - 1] === '.') {
    let q = start - 1;
    while (q > 0 && /[A-Za-z0-9_$]/.test(text[q - 1])) q--;
    qualifier = text.slice(q, start - 1) || null;
  }
  return {prefix, start, qualifier};
}

// Line and column (1-based) -> offset in text.
export function offsetOf(text, line, column) {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) return text.length;
    offset = nl + 1;
  }
  return Math.min(text.length, offset + Math.max(0, column - 1));
}
