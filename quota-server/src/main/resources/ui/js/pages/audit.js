// Audit log: who changed what, when and why, with the state before and after, pretty-printed and
// the fields that changed marked.
import { h } from '../dom.js';
import { dateTime } from '../format.js';
import { pageHead, pagedList } from '../ui.js';
import { parseJson, diff, prettyLines } from '../jsondiff.js';
import { overrideEffect } from '../limits.js';

const ACTIONS = ['policy.create', 'policy.update', 'policy.delete', 'override.create', 'override.revoke',
  'subject.reset', 'key.issue', 'key.revoke', 'alert.redeliver'];

export function render(root, params, query) {
  root.append(pageHead('Audit log', 'Every administrative change, newest first.'));
  pagedList(root, {
    path: '/v1/audit',
    route: 'audit',
    label: 'Audit log',
    initial: query,
    listKeys: ['entries', 'audit'],
    emptyText: 'No audit entry matches these filters.',
    fields: [
      { name: 'actor', label: 'Actor' },
      // The actions the server knows (AuditAction): it refuses any other, so none can be typed.
      { name: 'action', label: 'Action', options: [['', 'Any'], ...ACTIONS.map((a) => [a, a])] },
      { name: 'target', label: 'Target', placeholder: 'user:*' },
      { name: 'from', label: 'From (UTC)', type: 'utc-time' },
      { name: 'to', label: 'To (UTC, inclusive)', type: 'utc-time', through: true },
    ],
    columns: [
      { label: 'When', cell: (e) => dateTime(e.at) },
      { label: 'Actor', cell: (e) => h('span', { class: 'mono' }, e.actor) },
      { label: 'Action', cell: (e) => h('span', { class: 'chip chip-brand' }, e.action) },
      { label: 'Target', cell: (e) => h('span', { class: 'mono' }, e.target) },
      { label: 'Reason', cell: (e) => e.reason || h('span', { class: 'muted' }, '–') },
      { label: 'Change', cell: (e) => change(e) },
    ],
  });
}

const MARKS = { added: '+', removed: '−', changed: '~' };
const VERBS = { added: 'added', removed: 'removed', changed: 'changed' };

function change(e) {
  if (!e.before && !e.after) return h('span', { class: 'muted' }, '–');
  const override = String(e.action).startsWith('override.') ? overrideState(e.after || e.before) : null;
  if (override) return overrideChange(e, override);
  const before = e.before ? parseJson(e.before) : null;
  const after = e.after ? parseJson(e.after) : null;
  // A change saved with nothing different (a policy put again as it was) says so, not "changed".
  const summaryOf = (same) => h('summary', null, e.before ? (e.after ? (same ? 'nothing changed' : 'changed') : 'removed') : 'created');
  // A state that is not JSON (a key's "viewer [user:alice]") is shown as written.
  if (before === undefined || after === undefined) {
    const summary = summaryOf(e.before === e.after);
    const text = (v) => (typeof v === 'string' ? v : JSON.stringify(v));
    return h('details', null, summary,
      e.before ? h('pre', { class: 'diff' }, '− ' + text(e.before)) : null,
      e.after ? h('pre', { class: 'diff' }, '+ ' + text(e.after)) : null);
  }
  const changes = e.before && e.after ? diff(before, after) : new Map();
  return h('details', { class: 'audit-change' }, summaryOf(changes.size === 0),
    changes.size ? h('ul', { class: 'change-list', 'data-test': 'changes' }, [...changes].map(([path, kind]) =>
      h('li', { class: 'diff-' + kind, 'data-change': kind, 'data-path': path },
        h('span', { class: 'diff-mark', 'aria-hidden': 'true' }, MARKS[kind]), h('span', { class: 'mono' }, path || '(whole state)'), ' ', VERBS[kind]))) : null,
    h('div', { class: 'diff-sides' },
      e.before ? side('Before', before, changes, ['removed', 'changed']) : null,
      e.after ? side('After', after, changes, ['added', 'changed']) : null));
}

/**
 * An override's state as the audit log keeps it: "bypass" or its replacement limits as JSON, then
 * " until " and its expiry (an ISO instant, which holds no space); null for any other text.
 */
function overrideState(text) {
  const m = /^([\s\S]*) until (\S+)$/.exec(text || '');
  if (!m) return null;
  if (m[1] === 'bypass') return { bypass: true, expiresAt: m[2] };
  const limits = parseJson(m[1]);
  return limits && typeof limits === 'object' ? { bypass: false, limits, expiresAt: m[2] } : null;
}

/**
 * An override created or revoked: what it does, as the overrides list says it, and until when;
 * then its replacement limits pretty-printed, every field of them, as a policy's state is.
 */
function overrideChange(e, o) {
  return h('details', { class: 'audit-change' }, h('summary', null, e.after ? 'created' : 'removed'),
    h('div', { 'data-test': 'override-effect' }, overrideEffect(o), ' until ', dateTime(o.expiresAt)),
    o.limits ? h('div', { class: 'diff-sides' }, side(e.after ? 'After' : 'Before', o.limits, new Map(), [])) : null);
}

function side(title, value, changes, shown) {
  return h('div', { 'data-side': title.toLowerCase() }, h('h3', null, title),
    h('pre', { class: 'diff diff-pretty' }, prettyLines(value, changes, shown).map((l) =>
      h('span', { class: 'diff-line' + (l.mark ? ' diff-' + l.mark : ''), 'data-change': l.mark },
        h('span', { class: 'diff-mark', 'aria-hidden': 'true' }, l.mark ? MARKS[l.mark] : ' '), l.text))));
}
