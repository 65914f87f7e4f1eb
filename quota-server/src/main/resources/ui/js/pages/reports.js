// Reports: costs grouped by day, month, provider, tool or subject, as a chart and a table, with
// the same query downloadable as CSV (fetched with the key, since a plain link cannot carry it).
import { h, clear, spinner, errorBox, empty, toast } from '../dom.js';
import { request, costReport, reportQuery, auth, subjectOf } from '../api.js';
import { money, toNanos, nanosToDecimal, utcDay, addDays, monthStart, count } from '../format.js';
import { columnChart, donutChart } from '../charts.js';
import { splitByCurrency, compareCurrencies, currencyLabel, currencySection, noSpendCurrency, NO_CURRENCY_NOTE } from '../currencies.js';
import { pageHead, panel, table, field, subjectLink, showFieldErrors, clearFieldErrors } from '../ui.js';

export function render(root) {
  const today = utcDay();
  const viewer = auth.me.role === 'viewer';
  // A viewer's report starts on its first subject: a viewer may read no report of others.
  const first = viewer ? auth.me.subjects[0] || '' : '';
  const inputs = {
    subject: viewer
      ? h('select', null, auth.me.subjects.map((s) => h('option', { value: s }, s)))
      : h('input', { placeholder: 'all, a scope (user), or user:alice', spellcheck: 'false' }),
    groupBy: h('select', null, [['day', 'Day'], ['month', 'Month'], ['provider', 'Provider'], ['tool', 'Tool'], ['subject', 'Subject']].map(([v, l]) => h('option', { value: v }, l))),
    from: h('input', { type: 'date', value: addDays(today, -29) }),
    to: h('input', { type: 'date', value: today }),
  };
  if (first) inputs.subject.value = first;
  const tabs = h('div', { class: 'tabs', role: 'group', 'aria-label': 'Period' },
    [['day', 'Daily'], ['month', 'Monthly']].map(([v, l]) => h('button', { type: 'button', 'data-group': v, 'aria-pressed': String(v === 'day'),
      onclick: () => {
        inputs.groupBy.value = v;
        inputs.from.value = v === 'month' ? monthStart(today, -11) : addDays(today, -29);
        load();
      } }, l)));
  const csvBtn = h('button', { class: 'btn', type: 'button', 'data-test': 'csv' }, 'Download CSV');
  root.append(pageHead('Reports', 'Committed and recorded cost from the usage ledger, by UTC day.', tabs, csvBtn));
  const problems = h('div', { tabindex: '-1', 'aria-live': 'assertive' });
  const form = h('form', { class: 'filters', novalidate: true },
    field('Subject', inputs.subject, { name: 'subject' }),
    field('Group by', inputs.groupBy, { name: 'groupBy' }),
    field('From (UTC)', inputs.from, { name: 'from' }),
    field('To (UTC, inclusive)', inputs.to, { name: 'to' }),
    h('div', { class: 'field filter-submit' }, h('button', { class: 'btn btn-primary', type: 'submit' }, 'Run report')));
  const summary = h('div', { class: 'grid grid-3' });
  const chartEl = h('div');
  const tableEl = h('div');
  root.append(panel(null, h('div', null, form, problems)), summary, panel('Chart', chartEl), panel('Table', tableEl));

  /** Refuses a run beside the fields at fault; the previous run's figures go with it, as they would read as this one's. */
  const refuse = (title, fieldErrors) => {
    clear(summary); clear(chartEl); clear(tableEl);
    showFieldErrors(form, problems, { title, fieldErrors });
  };

  /**
   * The subject as typed, or '' when nothing but spaces is: an id is sent with its edge whitespace,
   * for the server to refuse beside the field rather than the report of another subject shown.
   */
  const typedSubject = () => (inputs.subject.value.trim() ? inputs.subject.value : '');
  const params = () => {
    const p = { groupBy: inputs.groupBy.value, ...range(inputs.from.value, inputs.to.value) };
    const s = typedSubject();
    const i = s.indexOf(':');
    if (i > 0) { p.scope = s.slice(0, i); p.id = s.slice(i + 1); } else if (s) p.scope = s;
    // Grouping by subject lists the subjects of one scope; users unless another is named.
    if (p.groupBy === 'subject' && !p.scope) p.scope = 'user';
    return p;
  };
  /** Whether the form can be asked for (a run or a download); if not, says why beside the field. */
  const checked = () => {
    clearFieldErrors(form, problems);
    const s = typedSubject();
    if (s && !/^[a-z][a-z0-9_]{0,31}(:.+)?$/.test(s)) {
      refuse('Check the subject', { subject: 'Write a scope (user) or scope:id (user:alice), or leave it empty.' });
      return false;
    }
    if (inputs.from.value && inputs.to.value && inputs.from.value > inputs.to.value) {
      refuse('Check the dates', { to: 'must not be before From (both days are included)' });
      return false;
    }
    // The server's limit is on its exclusive to, the day after To; checked here, it is said of To as
    // the form means it (the days are the ones sent, so the server never refuses them on this count).
    const { from, to } = range(inputs.from.value, inputs.to.value);
    if (to > addDays(from, MAX_DAYS)) {
      refuse('Check the dates', { to: tooLong() });
      return false;
    }
    if (s && !s.includes(':') && ['provider', 'tool'].includes(inputs.groupBy.value) && s !== inputs.groupBy.value) {
      // The server needs one subject of a scope to split its cost by provider or tool.
      refuse('Check the subject', { subject: `name one subject (${s}:name) to group its cost by ${inputs.groupBy.value}` });
      return false;
    }
    return true;
  };

  /** A refusal of the server's that names fields, put beside the form's own (true), or false for any other failure. */
  const refusedByServer = (e) => {
    if (e.status !== 400 || !e.fieldErrors || !Object.keys(e.fieldErrors).length) return false;
    // The server's field names, as the form names them: a subject is sent as scope and id.
    const named = { scope: 'subject', id: 'subject', from: 'from', to: 'to', groupBy: 'groupBy' };
    const errors = {};
    for (const [f, m] of Object.entries(e.fieldErrors)) errors[named[f] || f] = m;
    refuse(e.title, errors);
    return true;
  };

  // Each run is numbered: an answer that comes back after a later run started (a slow month's
  // report overtaken by a click on Daily) belongs to a form no longer shown, and changes nothing.
  let runNo = 0;
  const load = async () => {
    const run = ++runNo;
    for (const b of tabs.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.group === inputs.groupBy.value));
    if (!checked()) return;
    clear(chartEl).append(spinner()); clear(tableEl).append(spinner()); clear(summary);
    try {
      const p = params();
      const r = await costReport(p);
      const zeroIn = r.totals.length ? null : await noSpendCurrency(p);
      if (run !== runNo) return;
      // Show the days the report covers, as the server counted them, where the form left them open.
      if (r.from && r.to) { inputs.from.value = r.from; inputs.to.value = addDays(r.to, -1); }
      const byPeriod = p.groupBy === 'day' || p.groupBy === 'month';
      const rows = [...r.rows];
      // Amounts are ranked within their currency only: euros and dollars are not compared.
      if (byPeriod) rows.sort((a, b) => a.key.localeCompare(b.key) || compareCurrencies(a.currency, b.currency));
      else rows.sort((a, b) => compareCurrencies(a.currency, b.currency) || byCostDown(a, b));
      const several = r.totals.length > 1;
      const entries = ledgerEntries(rows);
      summary.append(
        totalStat(r.totals, zeroIn),
        h('div', { class: 'panel stat' }, h('span', { class: 'label' }, 'Groups'), h('span', { class: 'value' }, count(new Set(rows.map((x) => x.key)).size))),
        h('div', { class: 'panel stat' }, h('span', { class: 'label' }, 'Ledger entries'),
          h('span', { class: 'value', 'data-test': 'report-entries' }, entries === null ? '–' : count(entries))));
      clear(chartEl); clear(tableEl);
      if (!rows.length) { chartEl.append(empty('No cost in this period.')); tableEl.append(empty('No rows.')); return; }
      // One chart per currency, each drawn in its own.
      for (const { currency, items: part } of splitByCurrency(rows)) {
        const label = 'Cost by ' + p.groupBy + (several ? ' in ' + currencyLabel(currency) : '');
        const chart = byPeriod
          ? columnChart(calendar(p.groupBy, r.from || p.from, addDays(r.to || p.to, -1), part), { currency, label })
          : donutChart(slices(part, p.groupBy), { currency, label });
        chartEl.append(several ? currencySection(currency, chart) : chart);
      }
      tableEl.append(table([
        { label: labelFor(p.groupBy), cell: (x) => p.groupBy === 'subject' ? subjectLink(subjectOf(p.scope, x.key)) : h('span', { class: 'mono' }, x.key) },
        several ? { label: 'Currency', cell: (x) => h('span', { title: x.currency ? null : NO_CURRENCY_NOTE }, currencyLabel(x.currency)) } : null,
        { label: 'Entries', num: true, cell: (x) => (x.count === null ? '–' : count(x.count)) },
        { label: 'Cost', num: true, cell: (x) => h('span', { title: x.cost }, money(x.cost, x.currency)) },
      ].filter(Boolean), rows, { label: 'Cost by ' + labelFor(p.groupBy).toLowerCase(),
        rowAttrs: (x) => ({ 'data-test': 'report-row', 'data-currency': x.currency || '' }) }));
    } catch (e) {
      if (run !== runNo || refusedByServer(e)) return;
      // Asking again can help only when the server or the network failed.
      clear(chartEl); clear(tableEl).append(errorBox(e, e.status >= 400 && e.status < 500 ? null : load));
    }
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  // A download asks for what a run would, so it is checked the same way and refused beside the field.
  csvBtn.addEventListener('click', async () => {
    if (!checked()) return;
    csvBtn.disabled = true;
    try {
      const p = params();
      const text = await request('GET', reportQuery(p, 'csv'), undefined, { accept: 'text/csv' });
      const blob = new Blob([typeof text === 'string' ? text : JSON.stringify(text)], { type: 'text/csv' });
      const a = h('a', { href: URL.createObjectURL(blob), download: `quota-costs-${p.groupBy}-${p.from}-to-${addDays(p.to, -1)}.csv` });
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
      toast('CSV downloaded');
    } catch (e) {
      if (!refusedByServer(e)) toast(e.message, 'error');
    } finally { csvBtn.disabled = false; }
  });
  load();
}

/** The most days a report covers: the server's limit on to (exclusive) minus from. */
const MAX_DAYS = 400;

/** The limit said of the form's To, which is inclusive: at most MAX_DAYS - 1 days after From. */
function tooLong() {
  return `must be at most ${MAX_DAYS - 1} days after From (a report covers at most ${MAX_DAYS} days, both included)`;
}

/** One donut colour per group, for the largest groups. */
const DONUT_SLICES = 9;

/**
 * The donut's slices of {@code rows} (largest first): past its colours, the smallest groups are one
 * "Other" slice, so the donut's total is the report's and each share is of all the spend.
 */
function slices(rows, groupBy) {
  const all = rows.map((x) => ({ label: x.key, value: x.cost }));
  if (all.length <= DONUT_SLICES) return all;
  const rest = rows.slice(DONUT_SLICES - 1);
  const other = nanosToDecimal(rest.reduce((sum, x) => sum + toNanos(x.cost), 0n));
  return [...all.slice(0, DONUT_SLICES - 1), { label: `Other (${rest.length} ${groupBy}s)`, value: other }];
}

function byCostDown(a, b) {
  const x = toNanos(a.cost), y = toNanos(b.cost);
  return x === y ? 0 : x < y ? 1 : -1;
}

/** The ledger entries the rows hold, 0 for no rows; null when a row does not say how many it holds. */
function ledgerEntries(rows) {
  if (rows.some((x) => x.count === null)) return null;
  return rows.reduce((sum, x) => sum + Number(x.count), 0);
}

/**
 * The report's total, in its currency; with several currencies, one total per currency, never
 * their sum. A report of no spend is a zero in {@code zeroIn} (see noSpendCurrency).
 */
function totalStat(totals, zeroIn) {
  const label = h('span', { class: 'label' }, 'Total cost');
  if (totals.length > 1) {
    return h('div', { class: 'panel stat' }, label, h('span', { class: 'value' }, h('ul', { class: 'stat-split' }, totals.map((t) =>
      h('li', { title: t.currency ? null : NO_CURRENCY_NOTE }, h('span', { class: 'muted' }, currencyLabel(t.currency)),
        h('span', { class: 'num', 'data-test': 'report-total', 'data-currency': t.currency || '', title: t.cost }, money(t.cost, t.currency)))))));
  }
  const t = totals[0] || { currency: zeroIn, cost: '0' };
  return h('div', { class: 'panel stat' }, label,
    h('span', { class: 'value', 'data-test': 'report-total', 'data-currency': t.currency || '', title: t.cost }, money(t.cost, t.currency)),
    totals.length && !t.currency ? h('span', { class: 'sub', title: NO_CURRENCY_NOTE }, 'in no currency') : null);
}

/** Every day (or month) of the range, zero where the ledger has nothing, so gaps show as gaps. */
function calendar(groupBy, from, to, rows) {
  const cost = new Map(rows.map((x) => [x.key.slice(0, groupBy === 'day' ? 10 : 7), x.cost]));
  const out = [];
  if (groupBy === 'day') {
    for (let k = from; k <= to && out.length < 400; k = addDays(k, 1)) out.push({ label: k.slice(5), title: k, value: cost.get(k) || '0' });
  } else {
    for (let k = monthStart(from); k <= to && out.length < 400; k = monthStart(k, 1)) {
      out.push({ label: k.slice(0, 7), title: k.slice(0, 7), value: cost.get(k.slice(0, 7)) || '0' });
    }
  }
  return out;
}

/**
 * The UTC days to report, to exclusive, with the server's defaults for an empty field (to: the end
 * of today; from: 30 days before to), so a download is named after the days it holds.
 */
function range(from, to) {
  const end = to ? addDays(to, 1) : addDays(utcDay(), 1);
  return { from: from || addDays(end, -30), to: end };
}

function labelFor(g) {
  return ({ day: 'Day', month: 'Month', provider: 'Provider', tool: 'Tool', subject: 'Subject' })[g] || g;
}
