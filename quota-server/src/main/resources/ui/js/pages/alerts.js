// Alert history: every threshold crossing, filterable, with webhook delivery state when known; an
// admin sends an alert its webhooks gave up on again from its row.
import { h, clear, append, confirmDialog } from '../dom.js';
import { get, request, items, qs, enc, can } from '../api.js';
import { dateTime } from '../format.js';
import { pageHead, pagedList, subjectLink, policyLink, usedOfLimit } from '../ui.js';

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
      { label: 'Used / limit', num: true, cell: (a) => usedOfLimit(a.used, a.limit, a.currency) },
      { label: 'Delivery', cell: (a) => deliveryCell(a) },
    ],
    rowAttrs: (a) => ({ 'data-alert': a.id }),
  });
}

/**
 * A threshold as the policy set it: 0.995 is "99.5%", not a rounded "100%" beside a budget that is
 * not exhausted. Twelve significant digits drop the binary noise of the product (0.955 * 100).
 */
function percent(threshold) {
  return Number((Number(threshold) * 100).toPrecision(12)) + '%';
}

function deliveryOf(a) {
  return a.delivery || a.deliveryState || a.webhook;
}

function stateOf(a) {
  const d = deliveryOf(a);
  return !d ? '' : typeof d === 'string' ? d : d.state || d.status || '';
}

function delivery(a) {
  const d = deliveryOf(a);
  if (!d) return h('span', { class: 'muted' }, '–');
  const state = stateOf(a);
  const overall = stateChip(state, typeof d === 'object' && d.attempts ? d.attempts + ' attempts' : '', { 'data-test': 'delivery-state' });
  const hooks = typeof d === 'object' && Array.isArray(d.webhooks) ? d.webhooks : [];
  if (hooks.length === 0) return overall;
  // One line per webhook, so an operator sees which one failed or is still being tried, and under
  // it what happened, readable without hovering (a touch screen has no hover): attempts, the last
  // error, when it was delivered.
  return h('div', null, overall, h('ul', { class: 'webhook-states', 'data-test': 'webhook-states' },
    hooks.map((w) => h('li', { 'data-webhook': w.id, 'data-state': w.state },
      h('span', { class: 'webhook-url', title: w.url }, w.url.replace(/^https?:\/\//, '')),
      stateChip(w.state, ''),
      h('span', { class: 'webhook-detail', 'data-test': 'webhook-detail' }, webhookDetail(w))))));
}

function webhookDetail(w) {
  const parts = [w.attempts + (w.attempts === 1 ? ' attempt' : ' attempts')];
  if (w.deliveredAt) parts.push('delivered ' + dateTime(w.deliveredAt));
  if (w.lastError) parts.push(w.lastError);
  return parts.join(' · ');
}

function stateChip(state, title, attrs) {
  const cls = /deliver|ok|sent/i.test(state) ? 'chip-ok' : /fail|error|gave/i.test(state) ? 'chip-over' : 'chip-near';
  return h('span', { ...attrs, class: 'chip ' + cls, title }, state.toLowerCase());
}

/** How long the row follows a redelivery under way before it leaves it to a reload. */
const FOLLOW_MS = 1000;
const FOLLOW_TIMES = 60;

/**
 * An alert's delivery and, for an admin, a Redeliver button where its webhooks gave up on it
 * (failed, or partial: some took it, some gave up), which POST /v1/alerts/{id}/redeliver sends
 * again to those. The cell then says what the server answered and shows the alert as it is now,
 * following the delivery while it is under way.
 */
function deliveryCell(alert) {
  const cell = h('div', { class: 'delivery-cell' });
  // Kept across redraws: the outcome stays read out and in place while the state below it changes.
  const outcome = h('p', { class: 'redelivery-outcome', 'data-test': 'redelivery-outcome', 'aria-live': 'polite', tabindex: '-1' });
  const draw = (a) => {
    append(clear(cell), [delivery(a), redeliverable(a) ? h('button', { class: 'btn btn-small', type: 'button', 'data-test': 'redeliver',
      'aria-label': 'Redeliver the alert for ' + a.subject + ' of ' + dateTime(a.at), onclick: (e) => redeliver(a, e.currentTarget) }, 'Redeliver') : null, outcome]);
  };
  const say = (text, refused) => { outcome.textContent = text; outcome.classList.toggle('field-error', refused); outcome.focus(); };
  // Follows a redelivery under way until its webhooks settle it, or the page is left.
  const follow = (a, times = FOLLOW_TIMES) => {
    if (stateOf(a).toLowerCase() !== 'pending' || times === 0) return;
    setTimeout(async () => {
      if (!cell.isConnected) return;
      const now = await current(a).catch(() => null);
      if (now && cell.isConnected) { draw(now); follow(now, times - 1); }
    }, FOLLOW_MS);
  };
  const redeliver = async (a, button) => {
    const reason = await confirmDialog('Redeliver alert?',
      `The alert for ${a.subject} is sent again to each configured webhook that failed it, with its attempts counted afresh.`,
      'Redeliver', { reason: '', reasonOptional: true, danger: false });
    if (reason === false) return;
    // Once sent, not again until the answer redraws the row: a second would only be refused.
    button.disabled = true;
    try {
      const answer = await request('POST', '/v1/alerts/' + enc(a.id) + '/redeliver' + qs({ reason }));
      draw(answer);
      say('Accepted for redelivery.', false);
      follow(answer);
    } catch (e) {
      // Refused (sent or redelivered by someone else meanwhile, no longer there, not allowed, the
      // database away): the server's words, and the alert as it is now.
      say(e.message, true);
      const now = await current(a).catch(() => null);
      if (now && cell.isConnected) { draw(now); follow(now); }
    }
  };
  draw(alert);
  return cell;
}

function redeliverable(a) {
  return can.admin() && ['failed', 'partial'].includes(stateOf(a).toLowerCase());
}

/**
 * The alert as the history has it now, or null when it is not there: the alerts at its very instant
 * (to is exclusive, and a millisecond past its time takes in any finer fraction of it).
 */
async function current(a) {
  const to = new Date(Date.parse(a.at) + 1).toISOString();
  const payload = await get('/v1/alerts' + qs({ from: a.at, to, limit: 50 }));
  return items(payload, 'alerts').find((x) => x.id === a.id) || null;
}
