// Subject detail: one bar per limit that applies, refreshed every few seconds while the page is
// visible; a 30-day cost chart; and the cost split by provider and by tool.
import { h, clear, spinner, errorBox, empty, toast, confirmDialog, notAllowed } from '../dom.js';
import { get, request, items, enc, costReport, auth, can, normLimit, subjectOf } from '../api.js';
import { money, toNanos, nanosToNumber, percentUsed, count, relative, dateTime, clockTime, duration, kindLabel, budgetCalendar, utcDay, addDays, monthStart, shortDay } from '../format.js';
import { columnChart, donutChart, meter } from '../charts.js';
import { pageHead, panel, splitSubjects } from '../ui.js';
import { splitByCurrency, totalsByCurrency, currencyLabel, amounts, currencySection, compareCurrencies, soleCurrency } from '../currencies.js';

const REFRESH_MS = 3000;

export function render(root, params) {
  if (params.length < 2) return renderPicker(root);
  // An address typed or edited by hand may hold what the picker refuses; a request names one id
  // per scope, so reading on would show other subjects' limits under this heading.
  const problem = addressProblem(params);
  if (problem) {
    root.append(pageHead('Subjects', 'Not a subject address.'), refused({ title: 'Check the address', message: problem }));
    return null;
  }
  // "#/subjects/user/carol/tool/image_gen": scope and id, pair after pair, name a combination.
  if (params.length >= 4) return renderCombination(root, pairsOf(params));
  const [scope, id] = params;
  return renderSubject(root, scope, id);
}

function pairsOf(params) {
  const out = [];
  for (let i = 0; i < params.length; i += 2) out.push({ scope: params[i], id: params[i + 1] });
  return out;
}

/** What is wrong with an address's scope and id segments, as the picker would say it, or null. */
function addressProblem(params) {
  if (params.length % 2) return `It names ${params[params.length - 1]} without an id: write each subject as scope:id, e.g. user:alice.`;
  const scopes = pairsOf(params).map((p) => p.scope);
  const twice = scopes.find((scope, i) => scopes.indexOf(scope) !== i);
  return twice ? `Name each scope once: ${twice} is given twice.` : null;
}

/** The route of one subject, or of several together. */
function hrefOf(subjects) {
  return '#/subjects/' + subjects.map((s) => enc(s.scope) + '/' + enc(s.id)).join('/');
}

/**
 * "user:carol, tool:image_gen" as subjects, or a message saying what is wrong. Commas split exactly:
 * an id never holds one (it joins the subjects of a pair selector).
 */
export function parseSubjects(text) {
  const parts = splitSubjects(text);
  if (!parts.length) return { error: 'Write the subject as scope:id, e.g. user:alice.' };
  const subjects = [];
  for (const p of parts) {
    const i = p.indexOf(':');
    if (i <= 0 || i === p.length - 1) return { error: `Write each subject as scope:id, e.g. user:alice (not "${p}").` };
    const scope = p.slice(0, i);
    // A request names one id per scope, so a combination does too.
    if (subjects.some((s) => s.scope === scope)) return { error: `Name each scope once: ${scope} is given twice.` };
    subjects.push({ scope, id: p.slice(i + 1) });
  }
  return { subjects };
}

function renderPicker(root) {
  root.append(pageHead('Subjects', 'Live usage and costs for one user, team, project, tool or provider, or for several used together.'));
  const combined = can.check();
  const input = h('input', { id: 'subject-q', placeholder: combined ? 'user:alice  or  user:carol, tool:image_gen' : 'user:alice', spellcheck: 'false',
    'aria-describedby': combined ? 'subject-q-help subject-q-err' : 'subject-q-err' });
  const err = h('p', { class: 'field-error', id: 'subject-q-err' });
  const form = h('form', { class: 'filters', role: 'search' },
    h('div', { class: 'field', style: combined ? 'max-width:420px;flex-basis:320px' : null }, h('label', { for: 'subject-q' }, combined ? 'Subject or subjects' : 'Subject'), input,
      combined ? h('p', { class: 'help', id: 'subject-q-help' }, 'Several, comma separated, show the limits of their combination (a policy such as user:*,tool:image_gen).') : null, err),
    h('div', { class: 'field filter-submit' }, h('button', { class: 'btn btn-primary', type: 'submit' }, 'Open')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    // Not trimmed: an id typed with edge whitespace opens the page that says why the server refuses it.
    const parsed = parseSubjects(input.value);
    const refuse = (text) => { err.textContent = text; input.setAttribute('aria-invalid', 'true'); input.focus(); };
    if (parsed.error) { refuse(parsed.error); return; }
    if (parsed.subjects.length > 1 && !combined) { refuse('The usage of several subjects together is open to admin and service keys; a ' + auth.me.role + ' key reads one subject at a time.'); return; }
    location.hash = hrefOf(parsed.subjects);
  });
  const list = h('div');
  if (auth.me.role === 'service') {
    // A service key reads usage but no cost reports, so there is no list of subjects to offer.
    root.append(panel(null, form));
    input.focus();
    return;
  }
  root.append(panel(null, form), panel(auth.me.role === 'viewer' ? 'Your subjects' : 'Users with spend this month (UTC)', list));
  if (auth.me.role === 'viewer') {
    list.append(h('ul', { class: 'bar-list', 'data-test': 'my-subject-list' }, auth.me.subjects.map((s) => h('li', null, link(s)))));
  } else {
    list.append(spinner());
    const today = utcDay();
    costReport({ groupBy: 'subject', scope: 'user', from: monthStart(today), to: addDays(today, 1) })
      .then((r) => {
        clear(list);
        if (!r.rows.length) { list.append(empty('No spend recorded this month. Open a subject by name above.')); return; }
        // A user with spend in two currencies is one entry with both amounts, never their sum.
        const users = new Map();
        for (const x of r.rows) users.set(x.key, [...(users.get(x.key) || []), x]);
        const ranked = bySpend([...users].map(([key, spend]) => ({ subject: subjectOf('user', key), totals: totalsByCurrency(spend) })));
        const shown = ranked.users.slice(0, LISTED_USERS);
        list.append(h('ul', { class: 'bar-list', 'data-test': 'spender-list' }, shown.map((u) => h('li', null, link(u.subject), amounts(u.totals)))));
        const note = spendersNote(shown.length, ranked.users.length, ranked.currencies);
        if (note) list.append(h('p', { class: 'muted note', 'data-test': 'spenders-note' }, note));
      })
      .catch((e) => clear(list).append(errorBox(e)));
  }
  input.focus();
}

/** How many of the month's spenders the picker lists; any other is opened by name. */
const LISTED_USERS = 30;

/**
 * The users ({subject, totals}) biggest spenders first, and the currencies in the order that ranked
 * them. Amounts of two currencies are never compared: the currency most users spend in ranks first
 * (code order between equals), then the next; a user with none in a currency comes after all who
 * have some. Equal spenders go by name.
 */
function bySpend(users) {
  const spenders = new Map();
  for (const u of users) for (const t of u.totals) spenders.set(t.currency, (spenders.get(t.currency) || 0) + 1);
  const currencies = [...spenders.keys()].sort((a, b) => spenders.get(b) - spenders.get(a) || compareCurrencies(a, b));
  const spendIn = (u, currency) => {
    const t = u.totals.find((x) => x.currency === currency);
    return t ? toNanos(t.cost) : null;
  };
  const byRank = (a, b) => {
    for (const currency of currencies) {
      const x = spendIn(a, currency);
      const y = spendIn(b, currency);
      if (x === y) continue;
      if (x === null || y === null) return x === null ? 1 : -1;
      return x > y ? -1 : 1;
    }
    return a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0;
  };
  return { users: [...users].sort(byRank), currencies };
}

/** What the list leaves out, and how it ranks spend in several currencies; null when there is nothing to say. */
function spendersNote(shown, total, currencies) {
  const parts = [];
  if (shown < total) parts.push(`${shown} of ${total} users, the biggest spenders first; open any other by name above.`);
  if (currencies.length > 1) {
    parts.push('Ranked by spend in ' + currencies.map((c) => c || 'no currency').join(', then in ') + '.');
  }
  return parts.length ? parts.join(' ') : null;
}

/** Whether this key may read a subject ("scope:id"), as the server decides: a viewer only its own, other keys all. */
function mayRead(subject) {
  return auth.me.role !== 'viewer' || auth.me.subjects.includes(subject);
}

/** A link to a subject this key may read; only its name for one the server would refuse. */
function readableLink(s) {
  return mayRead(s) ? link(s) : h('span', { class: 'mono', 'data-test': 'not-readable' }, s);
}

function link(s) {
  const i = s.indexOf(':');
  return h('a', { class: 'mono', href: '#/subjects/' + enc(s.slice(0, i)) + '/' + enc(s.slice(i + 1)) }, s);
}

function renderSubject(root, scope, id) {
  const subject = scope + ':' + id;
  // Costs come from the reports API, which service keys may not read; it covers every scope.
  const costed = can.reports();
  // Named as the page's heading, as a combination's page is: tabs of several subjects tell apart.
  document.title = subject + ' · Quota console';
  const live = h('span', { class: 'live', 'data-test': 'live' }, 'Live');
  const resetBtn = can.admin() ? h('button', { class: 'btn', type: 'button', onclick: () => reset() }, 'Reset counters') : null;
  const overrideBtn = can.admin() ? h('a', { class: 'btn', href: '#/overrides/new/' + enc(subject) }, 'Override limits') : null;
  root.append(pageHead(subject, costed ? 'Usage against every limit that applies, and where the money went.' : 'Usage against every limit that applies.',
    live, overrideBtn, resetBtn));

  const usageEl = h('div', { class: 'usage-list', 'data-test': 'usage', 'aria-live': 'off' }, spinner());
  const updated = h('span', { class: 'muted', style: 'font-size:12.5px' });
  const overrideEl = h('div', { 'aria-live': 'polite' });
  const body = h('div', null, overrideEl, panel('Limits', usageEl, updated));
  root.append(body);

  const chartEl = h('div', null, spinner());
  const providerEl = h('div', null, spinner());
  const toolEl = h('div', null, spinner());
  if (costed) {
    body.append(panel('Cost, last 30 days (UTC)', chartEl));
    body.append(h('div', { class: 'grid grid-2' }, panel('By provider', providerEl), panel('By tool', toolEl)));
  } else {
    body.append(h('p', { class: 'muted note', 'data-test': 'no-costs' },
      'Costs are shown to admin and viewer keys; a ' + auth.me.role + ' key reads live usage only.'));
  }

  let timer = null;
  let stopped = false;
  let inFlight = null;
  let lastSpent = null;
  let lastOverride = null;
  let override = null;
  // Each refresh is numbered: only the latest may draw and schedule the next, so one started over
  // (after a reset) while another was on its way never leaves two refreshing side by side.
  let latest = 0;
  const refresh = async () => {
    if (stopped) return;
    const run = ++latest;
    if (document.hidden) { live.classList.add('paused'); live.textContent = 'Paused'; schedule(); return; }
    inFlight = new AbortController();
    try {
      const payload = await get('/v1/usage/' + enc(scope) + '/' + enc(id), { signal: inFlight.signal });
      if (stopped || run !== latest) return;
      const limits = items(payload, 'limits', 'counters', 'usage').map(normLimit);
      // The server names the override that decides these limits; the note is redrawn only when it changes.
      override = payload.override || null;
      const shown = JSON.stringify(override);
      if (shown !== lastOverride) {
        clear(overrideEl);
        if (override) overrideEl.append(overrideNote(override));
      }
      lastOverride = shown;
      drawUsage(usageEl, limits, override);
      // Costs load once the server has let this key read the subject; then again when spend moves.
      const spent = limits.filter((l) => l.money && !l.cap).map((l) => l.kind + '=' + l.used).join(',');
      if (costed && spent !== lastSpent) loadCosts(scope, id, chartEl, providerEl, toolEl, soleCurrency(limits.filter((l) => l.money)));
      lastSpent = spent;
      live.classList.remove('paused'); live.textContent = 'Live';
      updated.textContent = 'Updated ' + clockTime();
    } catch (e) {
      if (e.name === 'AbortError' || stopped || run !== latest) return;
      if (e.status === 403) {
        // Asking again will not change the answer: stop refreshing and say so in place of the page.
        stopped = true;
        live.remove();
        const subtitle = root.querySelector('.page-head p');
        if (subtitle) subtitle.textContent = 'Outside the subjects this key may read.';
        document.title = 'Not allowed · Quota console';
        clear(body).append(forbidden(subject));
        return;
      }
      if (isRefusal(e)) {
        stopped = true;
        showRefusal(root, body, e, 'Not a subject name the server accepts.', [live, resetBtn, overrideBtn]);
        return;
      }
      live.classList.add('paused'); live.textContent = 'Offline';
      clear(usageEl).append(errorBox(e, refresh));
      // The costs wait for a first read of the limits: until one comes, they say why they are not
      // shown rather than loading for as long as the server is away. That read loads them.
      if (costed && lastSpent === null) for (const el of [chartEl, providerEl, toolEl]) clear(el).append(errorBox(e));
    }
    schedule();
  };
  const schedule = () => { if (!stopped) timer = setTimeout(refresh, REFRESH_MS); };
  refresh();
  /** Asks again at once; an answer still on its way predates what was just changed. */
  const refreshNow = () => {
    clearTimeout(timer);
    if (inFlight) inFlight.abort();
    refresh();
  };

  const reset = async () => {
    const reason = await confirmDialog('Reset counters?', `Every rate, concurrency and budget counter of ${subject} goes back to zero. The ledger keeps its history.`,
      'Reset', { reason: 'reset in console' });
    if (!reason) return;
    try {
      await request('POST', '/v1/subjects/' + enc(scope) + '/' + enc(id) + '/reset?reason=' + enc(reason));
      toast('Counters of ' + subject + ' reset');
      refreshNow();
    } catch (e) { toast(e.message, 'error'); }
  };

  return () => { stopped = true; clearTimeout(timer); if (inFlight) inFlight.abort(); };
}

/**
 * The limits that apply when the subjects are used together (user carol using tool image_gen): what
 * the server's dry-run check reports for a request naming them all, which consumes nothing. Its
 * usage route reads one subject; the check reads the pair limits too (policies such as
 * user:*,tool:image_gen), and each subject's own, all from the same counters a request would meet.
 */
function renderCombination(root, subjects) {
  const names = subjects.map((s) => s.scope + ':' + s.id);
  document.title = names.join(' + ') + ' · Quota console';
  root.append(pageHead(names.join(' + '), 'Usage against every limit a request naming these subjects together meets.',
    h('span', { class: 'live', 'data-test': 'live' }, 'Live')));
  const live = root.querySelector('[data-test=live]');
  if (!can.check()) {
    live.remove();
    const outside = names.filter((n) => !mayRead(n));
    root.append(h('section', { class: 'panel' }, notAllowed('The usage of several subjects together is open to admin and service keys.',
      h('p', null, 'Open each subject on its own: ', names.map((n, i) => [i ? ', ' : '', readableLink(n)]), '.',
        outside.length ? ' Those not linked are outside the subjects this key may read.' : null))));
    return null;
  }
  const usageEl = h('div', { 'data-test': 'combination-usage', 'aria-live': 'off' }, spinner());
  const updated = h('span', { class: 'muted', style: 'font-size:12.5px' });
  const body = h('div', null, panel('Limits', usageEl, updated),
    h('p', { class: 'muted note' }, 'Each subject on its own: ', names.map((n, i) => [i ? ', ' : '', readableLink(n)]), '.'));
  root.append(body);
  const probe = { subjects: Object.fromEntries(subjects.map((s) => [s.scope, s.id])), meters: { requests: 0 } };
  let timer = null;
  let stopped = false;
  let inFlight = null;
  const refresh = async () => {
    if (stopped) return;
    if (document.hidden) { live.classList.add('paused'); live.textContent = 'Paused'; schedule(); return; }
    inFlight = new AbortController();
    try {
      const payload = await request('POST', '/v1/check', probe, { signal: inFlight.signal });
      if (stopped) return;
      drawCombination(usageEl, items(payload, 'limits').map(normLimit), names);
      live.classList.remove('paused'); live.textContent = 'Live';
      updated.textContent = 'Updated ' + clockTime();
    } catch (e) {
      if (e.name === 'AbortError' || stopped) return;
      if (isRefusal(e)) {
        stopped = true;
        showRefusal(root, body, e, 'Not subject names the server accepts.', [live]);
        return;
      }
      live.classList.add('paused'); live.textContent = 'Offline';
      clear(usageEl).append(errorBox(e, refresh));
    }
    schedule();
  };
  const schedule = () => { if (!stopped) timer = setTimeout(refresh, REFRESH_MS); };
  refresh();
  return () => { stopped = true; clearTimeout(timer); if (inFlight) inFlight.abort(); };
}

/** The combination's own limits (a pair's counters) first, then each subject's, grouped by the counters' subject. */
function drawCombination(el, limits, names) {
  const groups = new Map();
  for (const l of limits) {
    const key = l.subject || '';
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(l);
  }
  const together = [...groups.keys()].filter((k) => k.includes(','));
  const alone = [...groups.keys()].filter((k) => !k.includes(','));
  clear(el);
  if (!limits.length) { el.append(empty('No policy applies to ' + names.join(' + ') + '.')); return; }
  if (!together.length) {
    el.append(h('p', { class: 'muted', 'data-test': 'no-combined-policy' }, 'No policy limits these subjects together; only their own limits apply.'));
  }
  for (const key of [...together, ...alone]) {
    const list = h('div', { class: 'usage-list' });
    drawUsage(list, groups.get(key), null);
    el.append(h('div', { class: 'usage-group', 'data-subject': key },
      h('h3', null, key.includes(',') ? 'Together: ' + key.split(',').join(' + ') : 'On its own: ' + key), list));
  }
}

function forbidden(subject) {
  const mine = auth.me.role === 'viewer' ? auth.me.subjects : [];
  return h('section', { class: 'panel' }, notAllowed('This key may not read ' + subject + '.',
    mine.length ? h('p', null, 'Your key can read: ', mine.map((s, i) => [i ? ', ' : '', link(s)])) : null));
}

/**
 * Whether the server refused the subject itself (a scope in capitals, an id too long): it is up,
 * and asking again changes nothing, so the page says what is wrong with the name instead of "Offline".
 */
function isRefusal(e) {
  return e.status >= 400 && e.status < 500 && e.status !== 429;
}

/** Replaces the page's body with the refusal, and takes away what only a valid subject offers. */
function showRefusal(root, body, e, subtitleText, removed) {
  for (const el of removed) if (el) el.remove();
  const subtitle = root.querySelector('.page-head p');
  if (subtitle) subtitle.textContent = subtitleText;
  clear(body).append(refused(e));
}

function refused(e) {
  return h('section', { class: 'panel', 'data-test': 'subject-refused' }, errorBox(e),
    h('p', null, 'Subjects are written scope:id, the scope in lowercase, e.g. user:alice. ', h('a', { href: '#/subjects' }, 'Open another subject')));
}

function limitTitle(l) {
  const base = kindLabel(l.kind);
  if (l.kind === 'rate') {
    const bucket = l.algorithm === 'token_bucket' ? ', token bucket' : '';
    return `${base}: ${l.meter && l.meter !== 'requests' ? l.meter : 'requests'} per ${duration(l.window) || 'window'}${bucket}`;
  }
  return base;
}

function amount(l, v) {
  return l.money ? money(v, l.currency) : count(v);
}

function overrideNote(o) {
  return h('div', { class: 'alert alert-info', 'data-test': 'override-in-force', style: 'margin-bottom:16px' },
    h('strong', null, 'Override in force:'),
    h('span', null, o.bypass ? 'a bypass: limits still count, but none denies' : 'replacement limits', ' for ', h('span', { class: 'mono' }, o.selector),
      ' until ', h('span', { title: dateTime(o.expiresAt) }, dateTime(o.expiresAt) + ' (' + relative(o.expiresAt) + ')'),
      o.reason ? '. Reason: ' + o.reason + '.' : '.'),
    can.admin() ? h('a', { href: '#/overrides' }, 'See overrides') : null);
}

// Exported so a test can draw a usage answer as the page does, such as a rate limit refusing short of its count.
export function drawUsage(el, limits, override) {
  clear(el);
  if (!limits.length) {
    el.append(empty(override && override.bypass ? 'No limit applies: the override bypasses them.' : 'No policy applies to this subject.'));
    return;
  }
  for (const l of limits) {
    if (l.cap) { el.append(capRow(l, override)); continue; }
    const used = l.money ? nanosToNumber(toNanos(l.used)) : Number(l.used);
    const max = l.money ? nanosToNumber(toNanos(l.limit)) : Number(l.limit);
    const remaining = l.remaining ?? (l.money ? null : Math.max(0, max - used));
    // Money is compared in whole nanos, as the server and its alerts compare it: as doubles, 0.88
    // of 1.10 is short of 80 %, and two amounts a nano apart past 2^53 nanos are equal.
    const share = l.money ? percentUsed(l.used, l.limit) : max > 0 ? (used * 100) / max : null;
    const exhausted = !l.allowed || (share !== null && share >= 100);
    const near = share !== null && share >= 80;
    // A limit that never denies (shadow mode, or any limit under a bypass) says so at every fill,
    // as "over (shadow)" does past its amount: a bare "near limit" would read as a denial to come.
    const shadow = l.mode === 'shadow';
    const state = exhausted ? h('span', { class: 'chip chip-over', 'data-test': 'exhausted' }, shadow ? 'over (shadow)' : 'exhausted')
      : shadow ? h('span', { class: near ? 'chip chip-near' : 'chip', 'data-test': 'shadow', title: 'counted and reported, never denies' }, near ? 'near limit (shadow)' : 'shadow')
      : near ? h('span', { class: 'chip chip-near' }, 'near limit')
      : null;
    // A subject's usage names each budget's calendar (its policy's, or the override's in its place),
    // for every key that may read the subject; the dry-run check behind a combination names none.
    const calendar = l.timezone ? budgetCalendar(l, { monthly: l.kind === 'budget_monthly' }) : null;
    el.append(h('div', { class: 'usage' + (exhausted ? ' is-over' : ''), 'data-kind': l.kind, 'data-used': String(l.used), 'data-limit': String(l.limit) },
      h('div', { class: 'what' }, h('strong', null, limitTitle(l), ' ', state), source(l, override),
        calendar ? h('small', { class: 'muted', 'data-test': 'budget-calendar', style: 'display:block' }, calendar) : null),
      h('div', null, meter(used, max, { label: limitTitle(l), share: share ?? undefined, refusing: exhausted }),
        h('div', { class: 'meter-caption' }, h('span', null, amount(l, l.used) + ' used'), h('span', null, 'limit ' + amount(l, l.limit)))),
      h('div', { class: 'nums' },
        h('span', { 'data-test': 'remaining' }, remaining === null ? '' : amount(l, remaining) + ' left'),
        h('small', { title: l.resetAt ? dateTime(l.resetAt) : '' }, l.resetAt ? 'resets ' + relative(l.resetAt) : 'no reset'),
        // A limit in shadow mode (a bypass puts its limits there too) refuses nothing: no retry to wait for.
        l.retryAt && exhausted && l.mode !== 'shadow' ? h('small', null, 'retry ' + relative(l.retryAt)) : null)));
  }
}

/**
 * The policy (or the override in its place) a limit comes from: the server marks an override's
 * limit, which a combination's limits (a check's answer) tell no other way.
 */
function source(l, override) {
  const fromOverride = l.fromOverride || (override && !override.bypass && l.policy === override.selector);
  return h('small', { class: 'mono' }, fromOverride ? 'override ' + l.policy : l.policy ? String(l.policy) : '');
}

/**
 * A per-request cap as what it is, the most one request may cost: it keeps no count, so there is
 * no amount used, bar or reset to show (a subject's usage gives none; the dry-run check behind a
 * combination gives its own estimate, zero).
 */
function capRow(l, override) {
  return h('div', { class: 'usage usage-cap', 'data-kind': l.kind, 'data-limit': String(l.limit) },
    h('div', { class: 'what' }, h('strong', null, limitTitle(l)), source(l, override)),
    h('div', { 'data-test': 'cap' }, 'at most ' + money(l.limit, l.currency) + ' per request'),
    h('div', { class: 'nums' }, h('small', null, 'no running total')));
}

/** {@code zeroIn}: the currency of the subject's budgets, which price its spend, for a zero when it has none. */
async function loadCosts(scope, id, chartEl, providerEl, toolEl, zeroIn) {
  const today = utcDay();
  const from = addDays(today, -29);
  const to = addDays(today, 1);
  const base = { scope, id, from, to };
  const load = async (el, groupBy, draw) => {
    try { draw(await costReport({ ...base, groupBy })); } catch (e) { clear(el).append(errorBox(e, () => load(el, groupBy, draw))); }
  };
  load(chartEl, 'day', (r) => {
    // One chart per currency (an empty one when there is no spend), each total in its own currency.
    const splits = splitByCurrency(r.rows);
    const several = splits.length > 1;
    const only = r.totals[0] || { currency: zeroIn, cost: '0' };
    clear(chartEl).append(h('p', { class: 'muted', style: 'margin:0 0 8px' }, 'Total ',
      h('strong', { 'data-test': 'cost-30d' }, several ? amounts(r.totals) : money(only.cost, only.currency))));
    for (const { currency, items: part } of splits.length ? splits : [{ currency: zeroIn, items: [] }]) {
      // Fill missing days with zero so the axis is a true 30-day calendar.
      const byDay = new Map(part.map((x) => [x.key.slice(0, 10), x.cost]));
      const series = [];
      for (let k = from; k < to; k = addDays(k, 1)) series.push({ label: shortDay(k), title: k, value: byDay.get(k) || '0' });
      const chart = columnChart(series, { currency, label: 'Daily cost of ' + scope + ':' + id + ' over 30 UTC days' + (several ? ' in ' + currencyLabel(currency) : '') });
      chartEl.append(several ? currencySection(currency, chart) : chart);
    }
  });
  const split = (el, groupBy) => load(el, groupBy, (r) => {
    clear(el);
    if (!r.rows.length) { el.append(empty('No cost in the last 30 days.')); return; }
    const splits = splitByCurrency(r.rows);
    for (const { currency, items: part } of splits) {
      const rows = [...part].sort((a, b) => (toNanos(b.cost) > toNanos(a.cost) ? 1 : -1));
      const chart = donutChart(rows.map((x) => ({ label: x.key, value: x.cost })), { currency, label: 'Cost by ' + groupBy + (splits.length > 1 ? ' in ' + currencyLabel(currency) : '') });
      el.append(splits.length > 1 ? currencySection(currency, chart) : chart);
    }
  });
  split(providerEl, 'provider');
  split(toolEl, 'tool');
}
