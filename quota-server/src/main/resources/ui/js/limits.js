// Limits as short chips ("600 req / 1 min", "$50.00/day"), written one way wherever they are shown:
// a policy's row, an override's effect, and an override's entry in the audit log.
import { h } from './dom.js';
import { money, count, duration } from './format.js';

/** Each rate limit of a policy; a token bucket's says so, as it counts otherwise than a sliding window. */
export function rateChips(p) {
  return (p.rateLimits || []).map((r) => h('span', { class: 'chip' },
    `${count(r.limit)} ${r.meter && r.meter !== 'requests' ? r.meter : 'req'} / ${duration(r.window)}`
      + (String(r.algorithm).toLowerCase() === 'token_bucket' ? ' (bucket)' : '')));
}

const BUDGET_PERIODS = [['daily', '/day'], ['monthly', '/month'], ['perRequest', '/request']];

/** Each amount of a budget, in its currency. */
export function budgetChips(b) {
  if (!b) return [];
  return BUDGET_PERIODS.filter(([k]) => b[k]).map(([k, per]) => h('span', { class: 'chip chip-brand' }, money(b[k], b.currency) + per));
}

/**
 * What an override does: a bypass, or every one of its replacement limits. The selector's limits
 * still count under a bypass (its spend stays in the budgets), so it says that none denies.
 */
export function overrideEffect(o) {
  if (o.bypass) return h('span', { class: 'chip chip-near' }, 'bypass: counts, never denies');
  const p = o.limits || o.replacement || o.policy || {};
  const chips = [...rateChips(p), ...budgetChips(p.budget)];
  if (p.concurrency) chips.push(h('span', { class: 'chip' }, count(p.concurrency) + ' in flight'));
  // Limits in shadow mode count and report but deny nothing: said, so they do not read as enforced.
  if (String(p.mode || 'enforce').toLowerCase() === 'shadow') chips.push(h('span', { class: 'chip chip-near', title: 'counted and reported, never denies' }, 'shadow'));
  return chips.length ? chips : h('span', { class: 'muted' }, 'replacement limits');
}
