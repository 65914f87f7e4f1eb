// Overview: where the money goes today and this month, which budgets are close to or past their
// limit, and how many requests were denied in the last hour.
import { h, clear, spinner, errorBox, empty } from '../dom.js';
import { get, items, nextCursor, qs, enc, costReport, auth, can, hasPath, subjectOf, normLimit } from '../api.js';
import { serverNow } from '../clock.js';
import { money, toNanos, nanosToNumber, percentUsed, utcDay, addDays, monthStart as firstOfMonth, relative, dateTime, clockTime, kindLabel, count } from '../format.js';
import { meter } from '../charts.js';
import { pageHead, panel, table, subjectLink, policyLink, usedOfLimit } from '../ui.js';
import { splitByCurrency, currencyLabel, amounts, currencySection, noSpendCurrency, NO_CURRENCY_NOTE } from '../currencies.js';

/** Today and this month as UTC days, the days the server's reports sum, by the server's clock. */
function periods() {
  const today = utcDay();
  return { today, tomorrow: addDays(today, 1), monthStart: firstOfMonth(today) };
}

export function render(root) {
  const p = periods();
  const isViewer = auth.me.role === 'viewer';
  root.append(pageHead('Overview', isViewer ? 'Spending and limits for your subjects.' : 'Spending, budgets and denials across the platform.',
    h('a', { class: 'btn', href: '#/reports' }, 'Open reports')));

  const stats = h('div', { class: 'grid grid-4' });
  const todayStat = stat('Spend today (UTC)', 'stat-today');
  const monthStat = stat('Spend this month (UTC)', 'stat-month');
  const budgetStat = stat('Budgets at risk', 'stat-budgets');
  const denialStat = stat('Denials, last hour', 'stat-denials');
  stats.append(todayStat.el, monthStat.el, budgetStat.el, denialStat.el);
  root.append(stats);

  const topToday = h('div', null, spinner());
  const topMonth = h('div', null, spinner());
  root.append(h('div', { class: 'grid grid-2' },
    panel('Top spenders today (UTC)', topToday), panel('Top spenders this month (UTC)', topMonth)));
  const risk = h('div', { 'data-test': 'risk' }, spinner());
  const denials = h('div', { 'data-test': 'denials' }, spinner());
  root.append(h('div', { class: 'grid grid-2' }, panel('Budgets near or over their limit', risk), panel('Denials in the last hour', denials)));

  // Cost reports cover every scope, a scope of one's own (org:acme) as well as the built-in ones.
  const scopes = isViewer ? auth.me.subjects : [null];
  loadSpenders(topToday, todayStat, scopes, p.today, p.tomorrow);
  loadSpenders(topMonth, monthStat, scopes, p.monthStart, p.tomorrow);

  if (isViewer) loadOwnRisk(risk, budgetStat, auth.me.subjects);
  else loadRisk(risk, budgetStat);
  loadDenials(denials, denialStat);
}

/** {scope, id} of the one subject a viewer's overview covers; {} for an admin's, which covers all. */
function soleSubject(subjects) {
  if (subjects.length !== 1 || subjects[0] === null) return {};
  const i = subjects[0].indexOf(':');
  return { scope: subjects[0].slice(0, i), id: subjects[0].slice(i + 1) };
}

function stat(label, test) {
  const value = h('span', { class: 'value', 'data-test': test }, '…');
  const sub = h('span', { class: 'sub' }, '');
  return { el: h('div', { class: 'panel stat' }, h('span', { class: 'label' }, label), value, sub), value, sub };
}

const SPENDER_SCOPES = ['user', 'team', 'project'];

/**
 * Admins: one report per spender scope, grouped by subject, and the period totals from one
 * ungrouped-by-subject report (each ledger row is attributed to a user, a team, ... at once, so
 * summing across scopes would count it several times). Viewers: one report per own subject; a
 * viewer may not read an unfiltered report, and one call can name several of its subjects (alice
 * in team search), so with more than one subject the figures are shown per subject, not added up.
 * Every figure is per currency: euros are neither added to nor ranked against dollars.
 */
async function loadSpenders(el, st, subjects, from, to) {
  try {
    let rows = [];
    let totals = [];
    const perSubject = [];
    if (subjects[0] === null) {
      const all = await costReport({ groupBy: 'day', from, to });
      totals = all.totals;
      const perScope = await Promise.all(SPENDER_SCOPES.map((scope) => costReport({ groupBy: 'subject', scope, from, to })));
      perScope.forEach((r, i) => { rows = rows.concat(r.rows.map((x) => ({ ...x, key: subjectOf(SPENDER_SCOPES[i], x.key) }))); });
    } else {
      for (const subj of subjects) {
        const i = subj.indexOf(':');
        const r = await costReport({ groupBy: 'day', scope: subj.slice(0, i), id: subj.slice(i + 1), from, to });
        perSubject.push({ key: subj, totals: r.totals });
        rows = rows.concat(r.totals.filter((t) => toNanos(t.cost) > 0n).map((t) => ({ key: subj, currency: t.currency, cost: t.cost })));
      }
      if (perSubject.length === 1) totals = perSubject[0].totals;
    }
    const spenders = new Set(rows.map((r) => r.key)).size;
    clear(st.value);
    st.value.removeAttribute('title');
    if (perSubject.length > 1) {
      st.value.append(h('ul', { class: 'stat-split' }, perSubject.map((r) =>
        h('li', null, h('span', { class: 'mono' }, r.key), amounts(r.totals)))));
      st.sub.textContent = 'per subject: a call naming several of them counts for each';
    } else {
      if (totals.length > 1) {
        st.value.append(h('ul', { class: 'stat-split' }, totals.map((t) =>
          h('li', { 'data-currency': t.currency || '' }, h('span', { class: 'muted', title: t.currency ? null : NO_CURRENCY_NOTE }, currencyLabel(t.currency)), amounts([t])))));
      } else {
        // No spend yet: a zero in the currency its budgets would count it in, as the reports page writes it.
        const t = totals[0] || { currency: await noSpendCurrency(soleSubject(subjects)), cost: '0' };
        st.value.textContent = money(t.cost, t.currency);
        st.value.title = t.cost + (t.currency ? ' ' + t.currency : '');
      }
      st.sub.textContent = spenders ? spenders + (spenders === 1 ? ' subject' : ' subjects') + ' with spend' : 'no spend yet';
    }
    clear(el);
    if (!spenders) { el.append(empty('No spend recorded in this period.')); return; }
    const splits = splitByCurrency(rows);
    for (const { currency, items: part } of splits) {
      // Ranked, and measured against the top, within the currency alone.
      const top = [...part].sort((a, b) => (toNanos(b.cost) > toNanos(a.cost) ? 1 : toNanos(b.cost) < toNanos(a.cost) ? -1 : 0)).slice(0, 8);
      const max = nanosToNumber(toNanos(top[0].cost)) || 1;
      const list = h('ul', { class: 'bar-list', 'data-currency': currency || '' }, top.map((r) => h('li', null,
        subjectLink(r.key), h('span', { class: 'num', title: r.cost + (currency ? ' ' + currency : '') }, money(r.cost, currency)),
        meter(nanosToNumber(toNanos(r.cost)), max, { label: r.key + ' share of top spend' }))));
      el.append(splits.length > 1 ? currencySection(currency, list) : list);
    }
  } catch (e) {
    st.value.textContent = '–';
    clear(el).append(errorBox(e, () => loadSpenders(el, st, subjects, from, to)));
  }
}

const NEAR = 0.8;

/** How many subjects the admin's overview reads live usage for (one request each), most at risk first. */
const MAX_CANDIDATES = 25;

/** The alerts read for those subjects: a few pages, newest first, however many have fired. */
const ALERT_PAGES = 4;
const ALERT_PAGE_SIZE = 500;

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The longest a budget period lasts: a day that a clock change lengthens by an hour, a month of 31
 * days (a reset day past a month's end falls on its last day) with that hour too.
 */
const LONGEST_PERIOD_MS = { daily: DAY_MS + HOUR_MS, monthly: 31 * DAY_MS + HOUR_MS };

/**
 * How far back the alerts are read: far enough for the start of any period still running. A
 * period starts in its budget's zone on its own reset day, not at the UTC month's start: a monthly
 * budget resetting on the 15th, or a day in a zone west of UTC, began in the UTC month before.
 */
const ALERT_LOOKBACK_MS = LONGEST_PERIOD_MS.monthly + DAY_MS;

/** Whether an alert's period may still run now: its end is not given, only its start. */
const mayStillRun = (a, now) => Date.parse(a.periodStart) + (LONGEST_PERIOD_MS[a.period] ?? LONGEST_PERIOD_MS.monthly) > now;

/**
 * The subjects the alerts name (a pair's budget, user:a,tool:x, has no usage route of its own and is
 * left to the alerts page), most at risk first: an exhausted budget in a period that may still run,
 * then one near its limit there, highest threshold first, then those whose periods have ended. The
 * alerts come newest first, so within each the newest comes first.
 */
function riskCandidates(alerts, now) {
  const best = new Map();
  for (const a of alerts) {
    const subject = a.subject || '';
    if (!subject.includes(':') || subject.includes(',')) continue;
    const running = mayStillRun(a, now);
    const rank = running ? (a.exhausted ? 0 : 1) : 2;
    const threshold = Number(a.threshold) || 0;
    const seen = best.get(subject);
    if (!seen || rank < seen.rank || (rank === seen.rank && threshold > seen.threshold)) best.set(subject, { subject, rank, threshold, running, order: seen ? seen.order : best.size });
  }
  return [...best.values()].sort((a, b) => (a.rank - b.rank) || (b.threshold - a.threshold) || (a.order - b.order));
}

/**
 * What the panel leaves out, said, or null: subjects whose alerts' periods may still run beyond the
 * MAX_CANDIDATES read (those of ended periods are read only where there is room, and not counted),
 * or alerts beyond the pages read.
 */
function riskCut(candidates, complete) {
  const running = candidates.filter((c) => c.running).length;
  if (running > MAX_CANDIDATES) {
    return `Live usage read for ${MAX_CANDIDATES} of ${complete ? 'the' : 'at least'} ${count(running)} subjects alerted in periods still running, the exhausted first.`;
  }
  return complete ? null : `Only the newest ${count(ALERT_PAGES * ALERT_PAGE_SIZE)} alerts were read.`;
}

/** Up to ALERT_PAGES pages of the alerts fired since {@code from}; complete says whether that was all of them. */
async function alertsSince(from) {
  let alerts = [];
  let cursor = null;
  for (let page = 0; page < ALERT_PAGES; page++) {
    const payload = await get('/v1/alerts' + qs({ from, limit: ALERT_PAGE_SIZE, cursor }));
    alerts = alerts.concat(items(payload, 'alerts'));
    cursor = nextCursor(payload);
    if (!cursor) return { alerts, complete: true };
  }
  return { alerts, complete: false };
}

/**
 * Every budget of {@code subjects} at or past 80 % of its limit now, read from their live usage:
 * what a reset, an override or a new period changed since is already in it.
 */
async function liveRisk(subjects) {
  const rows = [];
  // Asked together: the page waits for the slowest answer, not for the sum of them.
  const usages = await Promise.all(subjects.map((subject) => {
    const i = subject.indexOf(':');
    return get('/v1/usage/' + enc(subject.slice(0, i)) + '/' + enc(subject.slice(i + 1)));
  }));
  for (const [n, usage] of usages.entries()) {
    const subject = subjects[n];
    for (const l of items(usage, 'limits', 'counters', 'usage').map(normLimit)) {
      // A per-request cap keeps no count, so it is never near its limit.
      if (!l.money || l.cap) continue;
      const limit = toNanos(l.limit);
      const used = toNanos(l.used);
      // used / limit >= 0.8, as used * 10 >= limit * 8 in whole nanos.
      if (!l.allowed || (limit > 0n && used * 10n >= limit * BigInt(NEAR * 10))) rows.push({ ...l, subject, over: !l.allowed || used >= limit });
    }
  }
  return rows.sort(byRisk);
}

/** Past its limit and refusing: a budget in shadow mode (or under a bypass) past its limit refuses nothing. */
const exhausted = (r) => r.over && r.mode !== 'shadow';

/** Exhausted first, then past its limit in shadow mode, then by the share used, the largest first. */
function byRisk(a, b) {
  const level = (r) => (exhausted(r) ? 0 : r.over ? 1 : 2);
  if (level(a) !== level(b)) return level(a) - level(b);
  // b.used / b.limit against a.used / a.limit, cross-multiplied in whole nanos.
  const diff = toNanos(b.used) * toNanos(a.limit) - toNanos(a.used) * toNanos(b.limit);
  return diff > 0n ? 1 : diff < 0n ? -1 : 0;
}

/** How many budgets the table shows; the tile counts them all. */
const MAX_ROWS = 10;

/**
 * The budgets at risk of the subjects read. {@code cut}, when given, says which subjects were left
 * unread: the count is then a lower bound, and both the tile and the panel say so.
 */
function showRisk(el, st, rows, emptyText, cut) {
  st.value.textContent = String(rows.length) + (cut ? '+' : '');
  st.sub.textContent = rows.filter(exhausted).length + ' exhausted' + (cut ? ', more unread' : '');
  clear(el);
  if (cut) {
    el.append(h('p', { class: 'muted note', 'data-test': 'risk-cut', style: 'margin:0 0 10px' },
      cut, ' Others may be near or over their limit too: see ', h('a', { href: '#/alerts' }, 'Alerts'), '.'));
  }
  if (!rows.length) { el.append(empty(emptyText)); return; }
  el.append(table([
    { label: 'Subject', cell: (r) => subjectLink(r.subject) },
    { label: 'Budget', cell: (r) => h('span', null, kindLabel(r.kind), h('br'), can.admin() && r.policy ? policyLink(r.policy) : h('span', { class: 'muted mono' }, r.policy || '')) },
    { label: 'Used', num: true, cell: (r) => usedOfLimit(r.used, r.limit, r.currency) },
    { label: 'State', cell: (r) => r.over ? h('span', { class: 'chip chip-over' }, exhausted(r) ? 'exhausted' : 'over (shadow)')
      : h('span', { class: 'chip chip-near' }, percentUsed(r.used, r.limit) + '%') },
  ], rows.slice(0, MAX_ROWS), { label: 'Budgets near or over their limit' }));
  if (rows.length > MAX_ROWS) {
    el.append(h('p', { class: 'muted note', 'data-test': 'risk-rows-cut' }, `Showing ${MAX_ROWS} of ${count(rows.length)} budgets, exhausted first.`));
  }
}

/** A viewer may not read the alert history, but it may read the live usage of its own subjects. */
async function loadOwnRisk(el, st, subjects) {
  try {
    showRisk(el, st, await liveRisk(subjects), 'Every budget of your subjects is below 80 % of its limit.');
  } catch (e) {
    st.value.textContent = '–';
    clear(el).append(errorBox(e, () => loadOwnRisk(el, st, subjects)));
  }
}

/**
 * The recent alerts name the subjects whose budgets came near their limits; their live usage says
 * where those budgets stand now. The requests stay few: a few pages of alerts, and the usage of at
 * most MAX_CANDIDATES subjects, the exhausted ones first.
 */
async function loadRisk(el, st) {
  if (!can.admin()) { st.value.textContent = '–'; clear(el).append(empty('Alerts are visible to administrators.')); return; }
  try {
    const now = serverNow();
    const { alerts, complete } = await alertsSince(new Date(now - ALERT_LOOKBACK_MS).toISOString());
    const candidates = riskCandidates(alerts, now);
    const rows = await liveRisk(candidates.slice(0, MAX_CANDIDATES).map((c) => c.subject));
    showRisk(el, st, rows, 'Every budget is below 80 % of its limit.', riskCut(candidates, complete));
  } catch (e) {
    if (e.status === 403) { st.value.textContent = '–'; clear(el).append(empty('Alerts are visible to administrators.')); return; }
    st.value.textContent = '–';
    clear(el).append(errorBox(e, () => loadRisk(el, st)));
  }
}

async function loadDenials(el, st) {
  const from = new Date(serverNow() - HOUR_MS).toISOString();
  try {
    if (!(await hasPath('/v1/denials'))) {
      st.value.textContent = '–';
      clear(el).append(empty('This server does not report recent denials.'));
      return;
    }
    const res = await get('/v1/denials' + qs({ from, limit: 100 }), { allow: [403], withResponse: true });
    if (res.status !== 200) {
      st.value.textContent = '–';
      clear(el).append(empty(res.status === 403 ? 'Denials are visible to administrators.' : 'This server does not report recent denials.'));
      return;
    }
    const list = items(res.body, 'denials');
    const total = res.body && res.body.total !== undefined ? res.body.total : list.length;
    st.value.textContent = count(total);
    st.sub.textContent = 'since ' + clockTime(new Date(from), { seconds: false });
    clear(el);
    if (!list.length) { el.append(empty('No request was denied in the last hour.')); return; }
    el.append(table([
      { label: 'When', cell: (d) => h('span', { title: dateTime(d.at || d.time) }, relative(d.at || d.time)) },
      { label: 'Subject', cell: (d) => subjectLink(d.subject || '') },
      { label: 'Limit', cell: (d) => h('span', null, kindLabel(d.kind || ''), ' ', d.policy ? h('span', { class: 'muted mono' }, d.policy) : null) },
      { label: 'Count', num: true, cell: (d) => count(d.count ?? 1) },
    ], list.slice(0, 10), { label: 'Denials in the last hour' }));
  } catch (e) {
    st.value.textContent = '–';
    clear(el).append(errorBox(e, () => loadDenials(el, st)));
  }
}
