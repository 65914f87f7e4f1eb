// Audit log: who changed what, when and why, with the state before and after.
import { h } from '../dom.js';
import { dateTime } from '../format.js';
import { pageHead, pagedList } from '../ui.js';

const ACTIONS = ['policy.create', 'policy.update', 'policy.delete', 'override.create', 'override.revoke',
  'subject.reset', 'key.issue', 'key.revoke'];

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
      { name: 'from', label: 'From (UTC)', type: 'datetime-local' },
      { name: 'to', label: 'To (UTC)', type: 'datetime-local' },
    ],
    columns: [
      { label: 'When', cell: (e) => dateTime(e.at) },
      { label: 'Actor', cell: (e) => h('span', { class: 'mono' }, e.actor) },
      { label: 'Action', cell: (e) => h('span', { class: 'chip chip-brand' }, e.action) },
      { label: 'Target', cell: (e) => h('span', { class: 'mono' }, e.target) },
      { label: 'Reason', cell: (e) => e.reason || h('span', { class: 'muted' }, '–') },
      { label: 'Change', className: 'hide-sm', cell: (e) => change(e) },
    ],
  });
}

function change(e) {
  if (!e.before && !e.after) return h('span', { class: 'muted' }, '–');
  const text = (v) => (typeof v === 'string' ? v : JSON.stringify(v));
  return h('details', null, h('summary', null, e.before ? (e.after ? 'changed' : 'removed') : 'created'),
    e.before ? h('pre', { class: 'diff' }, '− ' + text(e.before)) : null,
    e.after ? h('pre', { class: 'diff' }, '+ ' + text(e.after)) : null);
}
