// The only module that talks to the server. Every call carries the signed-in key; problem+json
// answers become ApiError with the field errors kept, so forms can show them beside the field.
import { noteServerClock } from './clock.js';

const KEY = 'quota.apiKey';

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || 'HTTP ' + status);
    this.status = status;
    this.title = (problem && problem.title) || (status === 0 ? 'Network error' : 'Request failed (' + status + ')');
    this.problem = problem || {};
    this.fieldErrors = fieldErrors(problem);
  }
}

/** problem+json may carry errors as [{field, message}], {field: message}, or a single field/rule. */
function fieldErrors(p) {
  const out = {};
  if (!p) return out;
  const list = p.errors || p.invalidParams || p['invalid-params'] || p.fields;
  if (Array.isArray(list)) {
    for (const e of list) {
      const f = e.field || e.name || e.pointer || e.path;
      if (f) out[normField(f)] = [e.message || e.reason || e.rule || e.detail].filter(Boolean).join(' ');
    }
  } else if (list && typeof list === 'object') {
    for (const [f, m] of Object.entries(list)) out[normField(f)] = Array.isArray(m) ? m.join(' ') : String(m);
  }
  if (p.field && !out[normField(p.field)]) out[normField(p.field)] = p.rule || p.detail || p.title;
  return out;
}

function normField(f) {
  // "/budget/daily" (JSON pointer) and "budget.daily" name the same field.
  return String(f).replace(/^#?\//, '').replace(/\//g, '.').replace(/\[(\d+)\]/g, '.$1');
}

export const auth = {
  key: () => sessionStorage.getItem(KEY),
  set: (k) => sessionStorage.setItem(KEY, k),
  clear: () => { sessionStorage.removeItem(KEY); auth.me = null; },
  me: null,
};

/**
 * An admin change (policy or override): sent as request() sends it; answers with what to add to
 * the confirmation. A change the server stored but could not put in force at once (its reload after
 * the write failed) is answered with Quota-Applied: pending; it is in force after the next reload.
 */
export async function change(method, path, body, opts = {}) {
  return (await changed(method, path, body, opts)).later;
}

/** As change, with the server's answer too ({ later, answer }): what it stored, as it stored it. */
export async function changed(method, path, body, opts = {}) {
  const res = await request(method, path, body, { ...opts, withResponse: true });
  const later = res.headers.get('Quota-Applied') === 'pending'
    ? ' It is stored; this server puts it in force at its next reload, within seconds.'
    : '';
  return { later, answer: res.body };
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

/** opts: key, accept, signal, headers (sent as well), allow (statuses answered rather than thrown), withResponse. */
export async function request(method, path, body, opts = {}) {
  const headers = { ...opts.headers, Accept: opts.accept || 'application/json' };
  const key = opts.key || auth.key();
  if (key) headers.Authorization = 'Bearer ' + key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (hasDotSegment(path)) throw new ApiError(0, NOT_ADDRESSABLE);
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: opts.signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, { title: 'Network error', detail: 'The server could not be reached.' });
  }
  noteServerClock(res);
  if (res.status === 401 && !opts.key) onUnauthorized();
  const type = res.headers.get('Content-Type') || '';
  let payload = null;
  if (res.status !== 204) {
    if (type.includes('json')) payload = await res.json().catch(() => null);
    else payload = await res.text();
  }
  if (!res.ok && !(opts.allow || []).includes(res.status)) {
    throw new ApiError(res.status, payload && typeof payload === 'object' ? payload : { detail: payload || res.statusText });
  }
  return opts.withResponse ? { status: res.status, headers: res.headers, body: payload } : payload;
}

export const get = (p, o) => request('GET', p, undefined, o);

/**
 * Whether a path has a segment of dots alone (".", "..", or either escaped as %2E), as the paths
 * of a subject named user:.. have. A browser resolves such a segment as a step in the path before
 * sending, escaped or not: the usage of user:.. would be asked of /v1/usage/, its reset sent to
 * /v1/subjects/reset. No such request is sent.
 */
function hasDotSegment(path) {
  return path.split(/[?#]/)[0].split('/').some((s) => /^(\.|%2e){1,2}$/i.test(s));
}

const NOT_ADDRESSABLE = {
  title: 'Not reachable from a browser',
  detail: 'A name of dots alone ("." or ".."), which only an earlier version accepted, cannot be named in a URL path:'
    + ' a browser sends such a path to another address, so this request was not sent.',
};

/** Lists may come bare or wrapped ({items|data|results|policies|...}); pages carry a cursor. */
export function items(payload, ...keys) {
  if (Array.isArray(payload)) return payload;
  if (!payload || typeof payload !== 'object') return [];
  for (const k of [...keys, 'items', 'data', 'results', 'rows', 'entries']) {
    if (Array.isArray(payload[k])) return payload[k];
  }
  return [];
}

/**
 * The cursor of the next page, or null on the last page. A cursor, not an offset: rows recorded
 * since the first page shift every offset, and the next page would repeat or skip as many.
 */
export function nextCursor(payload) {
  if (!payload || Array.isArray(payload)) return null;
  return payload.nextCursor ?? null;
}

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, v);
  const t = u.toString();
  return t ? '?' + t : '';
}

export const enc = encodeURIComponent;

let paths = null;

/**
 * The API paths this server documents in /openapi.json, so optional endpoints are only called when
 * they exist (a 404 would show up as an error in the browser console).
 */
export async function hasPath(path, key) {
  if (!paths) {
    const doc = await request('GET', '/openapi.json', undefined, { key, allow: [401, 403, 404], withResponse: true });
    if (doc.status !== 200) return false;
    paths = new Set(doc.body && doc.body.paths ? Object.keys(doc.body.paths) : []);
  }
  return paths.has(path);
}

export async function whoami(key) {
  const opts = key ? { key } : {};
  if (!(await hasPath('/v1/whoami', key))) {
    // Without /v1/whoami: an admin key can list policies, any other key cannot.
    const probe = await request('GET', '/v1/policies', undefined, { ...opts, allow: [403], withResponse: true });
    return { role: probe.status === 200 ? 'admin' : 'viewer', subjects: [], name: null };
  }
  const me = await get('/v1/whoami', opts);
  return {
    role: String(me.role || 'viewer').toLowerCase(),
    subjects: (me.subjects || []).map((x) => (typeof x === 'string' ? x : x.scope + ':' + x.id)),
    name: me.name || me.keyId || me.id || null,
  };
}

/**
 * What the signed-in key may do, mirroring the server's route roles: admin everything; viewer reads
 * usage, cost reports and denials of its own subjects; service makes decisions and reads usage.
 * Hiding a control is a courtesy: the server refuses the action anyway.
 */
const role = () => (auth.me ? auth.me.role : null);
export const can = {
  write: () => role() === 'admin',
  admin: () => role() === 'admin',
  reports: () => role() === 'admin' || role() === 'viewer',
  denials: () => role() === 'admin' || role() === 'viewer',
  // The dry-run check, through which the console reads the usage of several subjects together.
  check: () => role() === 'admin' || role() === 'service',
};

/** One usage limit, whichever way the server spells it. Money amounts stay decimal strings. */
export function normLimit(l) {
  const kind = String(l.kind || l.type || 'rate').toLowerCase();
  const money = kind.startsWith('budget');
  const pick = (...ks) => { for (const k of ks) if (l[k] !== undefined && l[k] !== null) return l[k]; return undefined; };
  return {
    policy: pick('selector', 'policy') ,
    subject: pick('subject'),
    kind,
    meter: pick('meter'),
    currency: pick('currency'),
    window: pick('window'),
    // A rate limit's way of counting, named only for a token bucket: it tells one from a sliding
    // window on the same meter and window.
    algorithm: String(pick('algorithm') || 'sliding_window').toLowerCase(),
    limit: pick('limit', 'limitAmount', 'max'),
    used: pick('used', 'usedAmount', 'consumed') ?? 0,
    remaining: pick('remaining', 'remainingAmount'),
    resetAt: pick('resetAt', 'reset', 'resetsAt'),
    // A budget's period and calendar, which a subject's usage names (a decision does not).
    periodStart: pick('periodStart'),
    timezone: pick('timezone'),
    resetTime: pick('resetTime'),
    resetDay: pick('resetDay'),
    retryAt: pick('retryAt'),
    allowed: l.allowed !== false,
    mode: String(pick('mode') || 'enforce').toLowerCase(),
    // Set by an override in force in place of the selector's policy, as the server marks it.
    fromOverride: l.fromOverride === true,
    money,
    // A per-request cap bounds each call on its own and keeps no count: it has a limit, no usage.
    cap: kind === 'budget_per_request',
  };
}

/** The scopes every server knows; a request may name scopes of its own besides (org:acme). */
export const BUILT_IN_SCOPES = ['user', 'team', 'project', 'tool', 'provider'];

/** One cost-report row: a group key and a decimal cost. */
export function normCostRow(r, groupBy) {
  const key = r.group ?? r.key ?? r[groupBy] ?? r.subject ?? r.day ?? r.month ?? r.provider ?? r.tool ?? r.name ?? '(none)';
  return {
    key: key === null || key === '' ? '(none)' : String(key),
    cost: String(r.cost ?? r.amount ?? r.total ?? r.totalCost ?? '0'),
    count: r.count ?? r.requests ?? r.entries ?? null,
    currency: r.currency || null,
  };
}

/** Days ("2030-01-31") go as they are: the server reads a date as that UTC day. */
export function reportQuery(params, format) {
  return '/v1/reports/costs' + qs({ ...params, format });
}

/**
 * A cost report: rows of one group in one currency, and totals, one per currency, as the server
 * summed them; never one total of several currencies. from and to: the UTC days the server summed
 * (to exclusive), defaults filled in.
 */
export async function costReport(params) {
  const p = await get(reportQuery(params, 'json'));
  const rows = items(p, 'groups', 'rows').map((r) => normCostRow(r, params.groupBy));
  const totals = ((p && p.totals) || []).map((t) => ({ currency: t.currency || null, cost: String(t.cost), count: t.entries ?? null }));
  return { rows, totals, from: p && p.from, to: p && p.to };
}

/** A subject-grouped report row names its subject as "scope:id" or only "id"; this gives "scope:id". */
export function subjectOf(scope, key) {
  return key.startsWith(scope + ':') ? key : scope + ':' + key;
}
