// Alert history: every threshold crossing, filterable, with webhook delivery state when known.
import { h } from '../dom.js';
import { money, dateTime } from '../format.js';
import { pageHead, pagedList, subjectLink, policyLink } from '../ui.js';

export function render(root, params, query) {
  root.append(pageHead('Alerts', 'Budgets that crossed an alert threshold or were exhausted.'));
  pagedList(root, {
    path: '/v1/alerts',
    route: 'alerts',
    label: 'Alerts',
    initial: query,
    listKeys: ['alerts'],
    emptyText: 'No alert matches these filters.',
    fields: [
      { name: 'subject', label: 'Subject', placeholder: 'user:alice' },
      { name: 'policy', label: 'Policy', placeholder: 'user:*' },
      { name: 'from', label: 'From (UTC)', type: 'utc-time' },
      { name: 'to', label: 'To (UTC, inclusive)', type: 'utc-time', through: true },
    ],
    columns: [
      { label: 'When', cell: (a) => dateTime(a.at) },
      { label: 'Subject', cell: (a) => subjectLink(a.subject) },
      { label: 'Policy', cell: (a) => policyLink(a.policy) },
      { label: 'Period', cell: (a) => a.period },
      { label: 'Threshold', cell: (a) => Number(a.threshold) >= 1 ? h('span', { class: 'chip chip-over' }, 'exhausted') : h('span', { class: 'chip chip-near' }, percent(a.threshold)) },
      { label: 'Used / limit', num: true, cell: (a) => money(a.used, a.currency) + ' / ' + money(a.limit, a.currency) },
      { label: 'Delivery', cell: (a) => delivery(a) },
    ],
  });
}

/**
 * A threshold as the policy set it: 0.995 is "99.5%", not a rounded "100%" beside a budget that is
 * not exhausted. Twelve significant digits drop the binary noise of the product (0.955 * 100).
 */
function percent(threshold) {
  return Number((Number(threshold) * 100).toPrecision(12)) + '%';
}

function delivery(a) {
  const d = a.delivery || a.deliveryState || a.webhook;
  if (!d) return h('span', { class: 'muted' }, '–');
  const state = typeof d === 'string' ? d : d.state || d.status || '';
  const overall = stateChip(state, typeof d === 'object' && d.attempts ? d.attempts + ' attempts' : '');
  const hooks = typeof d === 'object' && Array.isArray(d.webhooks) ? d.webhooks : [];
  if (hooks.length === 0) return overall;
  // One line per webhook, so an operator sees which one failed or is still being tried.
  return h('div', null, overall, h('ul', { class: 'webhook-states', 'data-test': 'webhook-states' },
    hooks.map((w) => h('li', { 'data-webhook': w.id, 'data-state': w.state },
      h('span', { class: 'webhook-url', title: w.url }, w.url.replace(/^https?:\/\//, '')),
      stateChip(w.state, w.attempts + (w.attempts === 1 ? ' attempt' : ' attempts') + (w.lastError ? ' – ' + w.lastError : ''))))));
}

function stateChip(state, title) {
  const cls = /deliver|ok|sent/i.test(state) ? 'chip-ok' : /fail|error|gave/i.test(state) ? 'chip-over' : 'chip-near';
  return h('span', { class: 'chip ' + cls, title }, state.toLowerCase());
}
