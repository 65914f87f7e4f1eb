// Amounts of different currencies are never added: a report's rows are split by currency, and each
// split is totalled, charted and formatted in its own currency. A null currency is spend no budget
// priced (or budgets of two currencies both counted), a split of its own.
import { h } from './dom.js';
import { toNanos, nanosToDecimal, money } from './format.js';
import { get, items, enc, can, normLimit } from './api.js';

/** Codes A to Z, then null, as the server orders its totals. */
export function compareCurrencies(a, b) {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** [{currency, items}] for each currency of {@code items} (each has .currency), in code order. */
export function splitByCurrency(items) {
  const groups = new Map();
  for (const x of items) {
    const c = x.currency ?? null;
    if (!groups.has(c)) groups.set(c, []);
    groups.get(c).push(x);
  }
  return [...groups.keys()].sort(compareCurrencies).map((currency) => ({ currency, items: groups.get(currency) }));
}

/** [{currency, cost}] with each currency's exact sum of {@code items}' cost (decimal strings), in code order. */
export function totalsByCurrency(items) {
  return splitByCurrency(items).map(({ currency, items: part }) =>
    ({ currency, cost: nanosToDecimal(part.reduce((a, x) => a + toNanos(x.cost), 0n)) }));
}

/** How a split is headed: its code, or what a null currency means. */
export function currencyLabel(currency) {
  return currency || 'No currency';
}

/** Said where an amount in no currency is shown, so it does not read as dollars. */
export const NO_CURRENCY_NOTE = 'Spend no budget priced, or that budgets of different currencies both counted';

/** One currency's part of a view (a chart, a list), headed by its code. */
export function currencySection(currency, node) {
  return h('section', { class: 'currency-split', 'data-currency': currency || '', 'aria-label': currencyLabel(currency) },
    h('h3', { class: 'split-head', title: currency ? null : NO_CURRENCY_NOTE }, currencyLabel(currency)), node);
}

/** Totals ([{currency, cost}]) of several currencies side by side, each in its own; none reads 0.00. */
export function amounts(totals) {
  if (!totals.length) return h('span', { class: 'num' }, money(0n, null));
  return h('span', { class: 'num amounts' }, totals.map((t, i) => [i ? ' · ' : null,
    h('span', { 'data-currency': t.currency || '', title: t.currency ? t.cost + ' ' + t.currency : NO_CURRENCY_NOTE }, money(t.cost, t.currency))]));
}

/** The one currency {@code priced} (budgets, or a subject's budget limits) are in; null for none, or several. */
export function soleCurrency(priced) {
  const codes = new Set(priced.map((x) => x.currency).filter(Boolean));
  return codes.size === 1 ? [...codes][0] : null;
}

/**
 * The currency a report of no spend writes its zero in, so it reads as its amounts would have. The
 * budgets that count a spend price it: for one subject ({scope, id}) that of its budgets (none
 * when no budget prices its spend); for every subject, or a scope's, that of the policies' budgets,
 * which only an admin key may list. Null when there is none, or several, or it cannot be read.
 */
export async function noSpendCurrency({ scope, id }) {
  try {
    if (scope && id) {
      const limits = items(await get('/v1/usage/' + enc(scope) + '/' + enc(id)), 'limits', 'counters', 'usage').map(normLimit);
      return soleCurrency(limits.filter((l) => l.money));
    }
    if (!can.admin()) return null;
    return soleCurrency(items(await get('/v1/policies'), 'policies').map((p) => p.budget).filter(Boolean));
  } catch {
    return null; // the zero is then written without one, as before any budget
  }
}
