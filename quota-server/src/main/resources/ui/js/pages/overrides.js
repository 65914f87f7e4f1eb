// Overrides: a temporary bypass or replacement limits for one selector, always with an expiry
// and a reason; revoking ends one early.
import { h, clear, spinner, errorBox, empty, toast, confirmDialog } from '../dom.js';
import { get, change, changed, items, enc, can } from '../api.js';
import { serverNow } from '../clock.js';
import { dateTime, relative, utcMinuteText, utcText, fromUtcText, utcTimeProblem, UTC_TIME_EXAMPLE, WHOLE, wholeNumber } from '../format.js';
import { pageHead, panel, table, field, showFieldErrors, clearFieldErrors, nameEntries } from '../ui.js';
import { overrideEffect } from '../limits.js';

export function render(root, params) {
  root.append(pageHead('Overrides', 'Temporary exceptions to a policy. Each one expires on its own.'));
  const listEl = h('div', null, spinner());
  const showExpired = h('input', { type: 'checkbox', id: 'show-expired' });
  // Counts the lists asked for: an answer that comes back after another list was asked for (the box
  // ticked and unticked while the slower full list was on its way) would contradict the box.
  let listNo = 0;
  const load = async () => {
    const forList = ++listNo;
    const withExpired = showExpired.checked;
    clear(listEl).append(spinner());
    try {
      // The server decides what has expired (by its clock, not this browser's): with "Show expired"
      // the list in force is fetched as well, and whatever is only in the full list has expired.
      const [active, every] = await Promise.all([get('/v1/overrides'), withExpired ? get('/v1/overrides?includeExpired=true') : null]);
      if (forList !== listNo) return;
      const inForce = new Set(items(active, 'overrides').map((o) => o.id));
      const all = items(every || active, 'overrides').map((o) => ({ ...o, expired: !inForce.has(o.id) }));
      all.sort((a, b) => (a.expired - b.expired) || instantKey(b.createdAt).localeCompare(instantKey(a.createdAt)));
      const deciding = decidingOverrides(all);
      clear(listEl);
      if (!all.length) { listEl.append(empty(withExpired ? 'No overrides, active or expired.' : 'No active overrides.')); return; }
      listEl.append(table([
        { label: 'Selector', cell: (o) => h('span', { class: 'mono' }, o.selector) },
        { label: 'Effect', cell: (o) => o.expired || deciding.get(o.selector) === o ? overrideEffect(o)
          : [overrideEffect(o), ' ', h('span', { class: 'chip', 'data-test': 'superseded', title: 'A newer override for this selector decides until it ends' }, 'superseded')] },
        { label: 'Expires', cell: (o) => h('span', { title: dateTime(o.expiresAt) }, o.expired ? h('span', { class: 'chip', 'data-test': 'expired' }, 'expired') : relative(o.expiresAt)) },
        { label: 'Reason', cell: (o) => o.reason },
        { label: 'By', cell: (o) => h('span', { class: 'mono' }, o.actor || '–') },
        { label: '', className: 'actions-cell', cell: (o) => can.write() && !o.expired ? h('button', { class: 'btn btn-small btn-link', type: 'button', 'aria-label': 'Revoke override for ' + o.selector, onclick: () => revoke(o, load) }, 'Revoke') : null },
      ], all, { label: 'Overrides', rowAttrs: (o) => ({ 'data-override': o.id, 'data-selector': o.selector, class: o.expired ? 'is-expired' : null }) }));
    } catch (e) {
      if (forList !== listNo) return;
      clear(listEl).append(errorBox(e, load));
    }
  };
  showExpired.addEventListener('change', load);
  if (can.write()) root.append(panel('New override', createForm(params[0] === 'new' ? params[1] : '', load)));
  root.append(panel('Overrides', listEl, h('label', { class: 'checkbox', for: 'show-expired' }, showExpired, 'Show expired')));
  load();
}

/**
 * An ISO instant as text that sorts in time order: the server writes as many fraction digits as it
 * has ("…:17Z", "…:17.16Z"), which plain text comparison would misorder.
 */
function instantKey(iso) {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(String(iso || ''));
  return m ? m[1] + '.' + (m[2] || '').padEnd(9, '0') : String(iso || '');
}

/** Selector to the override in force that decides it: the newest, as the server applies them. */
function decidingOverrides(list) {
  const deciding = new Map();
  for (const o of list) {
    const d = deciding.get(o.selector);
    if (!o.expired && (!d || instantKey(o.createdAt) > instantKey(d.createdAt))) deciding.set(o.selector, o);
  }
  return deciding;
}

async function revoke(o, after) {
  const reason = await confirmDialog('Revoke override?', `The policy for ${o.selector} applies again at once.`, 'Revoke', { reason: 'revoked in console' });
  if (!reason) return;
  try {
    const later = await change('DELETE', '/v1/overrides/' + enc(o.id) + '?reason=' + enc(reason));
    toast('Override revoked.' + later);
    after();
  } catch (e) {
    if (e.status !== 404) { toast(e.message, 'error'); return; }
    // Gone since the list was read (revoked in another tab or by another admin, or ended): the row
    // shown is stale, and its Revoke could only be refused again.
    toast(`The override for ${o.selector} is no longer in force: someone else revoked it, or it ended. The list now shows the overrides in force.`, 'error');
    after();
  }
}

/** What an override's limits hold when no policy is replaced: the API's defaults for a policy. */
const DEFAULTS = { currency: 'USD', timezone: 'UTC', resetTime: '00:00', resetDay: 1, mode: 'enforce', failMode: 'closed', alertThresholds: '0.8, 0.9, 0.95' };

/**
 * Fills the budget's currency and calendar, and the mode, the behaviour while the store is down and
 * the alert thresholds, from the policy the override would replace, for the selector given (or
 * opened with): the most specific bound one, exact first, then with wildcards as the server matches
 * them. Fields the user has typed in are left as typed. An override stands in for the whole policy,
 * these settings too: an override in dollars of a budget in euros would count the same spend under
 * another label, and one that only meant to raise a limit would otherwise start denying under a
 * policy in shadow mode, deny while the store is down under one that fails open, and alert at the
 * default levels under one that alerts at others or not at all.
 */
function followReplacedPolicy(inputs) {
  const followed = Object.keys(DEFAULTS);
  const typed = new Set();
  for (const k of followed) inputs[k].addEventListener('input', () => typed.add(k));
  let asked = 0;
  const follow = async () => {
    const run = ++asked;
    let policy = null;
    try {
      // One read of the list, not a look-up per candidate: a selector without a policy is no error.
      const bound = new Map(items(await get('/v1/policies'), 'policies').map((p) => [p.selector, p]));
      const replaced = replacedSelectors(inputs.selector.value.trim()).find((c) => bound.has(c));
      policy = replaced ? bound.get(replaced) : null;
    } catch (e) {
      return; // the fields stay as they are; the server still checks what is sent
    }
    if (run !== asked) return;
    const budget = (policy && policy.budget) || {};
    const values = {
      ...budget,
      mode: policy && policy.mode,
      failMode: policy && policy.failMode,
      // No thresholds (a policy that never alerts) is an empty field, not the defaults.
      alertThresholds: policy && policy.alertThresholds ? policy.alertThresholds.join(', ') : undefined,
    };
    for (const k of followed) if (!typed.has(k)) inputs[k].value = String(values[k] ?? DEFAULTS[k]);
  };
  inputs.selector.addEventListener('change', follow);
  if (inputs.selector.value.trim()) follow();
}

/** "user:alice" → user:alice, user:*; a pair → both exact, then each side wildcarded, then both. */
function replacedSelectors(selector) {
  // A pair is matched in the order the server stores it: the scope whose name sorts first, first.
  const parts = selector.split(',').map((p) => p.trim()).sort((a, b) => (a.split(':')[0] < b.split(':')[0] ? -1 : 1));
  if (!selector || parts.length > 2 || parts.some((p) => p.indexOf(':') <= 0)) return [];
  const wild = (p) => p.slice(0, p.indexOf(':')) + ':*';
  const candidates = parts.length === 1 ? [[parts[0]], [wild(parts[0])]]
    : [parts, [parts[0], wild(parts[1])], [wild(parts[0]), parts[1]], [wild(parts[0]), wild(parts[1])]];
  return [...new Set(candidates.map((c) => c.join(',')))];
}

/** The longest an override lasts, as the API holds it: an expiry further ahead is refused. */
const MAX_LIFETIME_DAYS = 3650;

function createForm(prefill, after) {
  const inputs = {
    selector: h('input', { value: prefill || '', placeholder: 'user:alice', spellcheck: 'false', required: true }),
    kind: h('select', null, [['limits', 'Replace limits'], ['bypass', 'Bypass: limits count but never deny']].map(([v, l]) => h('option', { value: v }, l))),
    // Text, not type=number: a number input reads "5e" or "1-" as empty, and the override would be
    // made without its rate limit instead of refused.
    requests: h('input', { inputmode: 'numeric', placeholder: 'e.g. 600' }),
    window: h('select', null, [['PT1M', 'per minute'], ['PT1H', 'per hour'], ['P1D', 'per day']].map(([v, l]) => h('option', { value: v }, l))),
    daily: h('input', { inputmode: 'decimal', placeholder: 'e.g. 50.00' }),
    monthly: h('input', { inputmode: 'decimal', placeholder: 'e.g. 500.00' }),
    // The currency and calendar of the budget: the override's own, as the API takes them (UTC from
    // midnight when no calendar is sent), so they start as those of the policy replaced rather
    // than counting in another currency or resetting elsewhere.
    currency: h('input', { value: 'USD' }),
    timezone: h('input', { value: 'UTC', placeholder: 'Europe/Berlin', spellcheck: 'false' }),
    resetTime: h('input', { value: '00:00', placeholder: '00:00' }),
    resetDay: h('input', { inputmode: 'numeric', value: '1' }),
    mode: h('select', null, [['enforce', 'Enforce: deny over the limit'], ['shadow', 'Shadow: count and report only']].map(([v, l]) => h('option', { value: v }, l))),
    failMode: h('select', null, [['closed', 'Closed: deny if the store is down'], ['open', 'Open: admit if the store is down']].map(([v, l]) => h('option', { value: v }, l))),
    alertThresholds: h('input', { value: DEFAULTS.alertThresholds }),
    // Text, not datetime-local: the browser draws that on the clock of its language (06:03 PM in
    // American English), and the console writes times on the 24-hour clock in UTC.
    expiresAt: h('input', { value: utcMinuteText(new Date(serverNow() + 24 * 3600_000)), placeholder: UTC_TIME_EXAMPLE, spellcheck: 'false', autocomplete: 'off', required: true }),
    reason: h('input', { placeholder: 'e.g. launch day for the research team', required: true }),
  };
  const limitFields = h('div', { class: 'form-grid' },
    // An override replaces the selector's whole policy, so say what happens to the limits not given.
    h('p', { class: 'muted note', 'data-test': 'replace-note', style: 'grid-column:1/-1;margin:0' },
      'These limits replace the whole policy while the override is in force: every limit of the policy not given here (rate limits, budgets, caps) does not apply. Its currency, calendar, mode, behaviour while the store is down and alert thresholds start as the policy\'s.'),
    field('Requests', inputs.requests, { name: 'limits.rateLimits' }),
    field('Window', inputs.window, { name: 'limits.rateLimits.0.window' }),
    field('Daily budget', inputs.daily, { name: 'limits.budget.daily' }),
    field('Monthly budget', inputs.monthly, { name: 'limits.budget.monthly' }),
    field('Currency', inputs.currency, { name: 'limits.budget.currency' }),
    field('Time zone', inputs.timezone, { name: 'limits.budget.timezone', help: 'The zone the budget\'s days and months run in.' }),
    field('Daily reset time', inputs.resetTime, { name: 'limits.budget.resetTime', help: '24-hour clock, in that zone.' }),
    field('Monthly reset day', inputs.resetDay, { name: 'limits.budget.resetDay' }),
    field('Mode', inputs.mode, { name: 'limits.mode' }),
    field('When the store is down', inputs.failMode, { name: 'limits.failMode' }),
    field('Alert thresholds', inputs.alertThresholds, { name: 'limits.alertThresholds', help: 'Fractions of a budget, comma separated; empty for no alerts.' }),
    h('p', { class: 'field-error', 'data-error-for': 'limits' }));
  followReplacedPolicy(inputs);
  inputs.kind.addEventListener('change', () => { limitFields.hidden = inputs.kind.value === 'bypass'; });
  const summary = h('div', { tabindex: '-1', 'aria-live': 'assertive' });
  const submit = h('button', { class: 'btn btn-primary', type: 'submit', 'data-test': 'create-override' }, 'Create override');
  const form = h('form', { novalidate: true, 'data-test': 'override-form' }, summary,
    h('div', { class: 'form-grid' },
      field('Selector', inputs.selector, { name: 'selector', help: 'The policy selector to override, e.g. user:alice or team:*.' }),
      field('Kind', inputs.kind, { name: 'bypass' }),
      field('Expires (UTC)', inputs.expiresAt, { name: 'expiresAt', help: '24-hour clock, UTC' })),
    limitFields,
    field('Reason', inputs.reason, { name: 'reason', help: 'Required; shown in the list and the audit log.' }),
    h('p', { class: 'field-error', 'data-error-for': 'override' }),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form, summary);
    inputs.expiresAt.value = utcText(inputs.expiresAt.value);
    const v = (k) => inputs[k].value.trim();
    const local = {};
    if (!v('selector')) local.selector = 'is required';
    if (!v('reason')) local.reason = 'is required';
    if (inputs.kind.value !== 'bypass' && v('requests') && !WHOLE.test(v('requests'))) local['limits.rateLimits'] = 'must be a whole number';
    if (inputs.kind.value !== 'bypass' && v('resetDay') && !WHOLE.test(v('resetDay'))) local['limits.budget.resetDay'] = 'must be a whole number';
    const expiresAt = fromUtcText(v('expiresAt'));
    const expiryProblem = utcTimeProblem(v('expiresAt'));
    if (!v('expiresAt')) local.expiresAt = 'is required';
    else if (expiryProblem) local.expiresAt = expiryProblem;
    // In the future by the server's clock, which judges it.
    else if (new Date(expiresAt).getTime() <= serverNow()) local.expiresAt = 'must be in the future';
    else if (new Date(expiresAt).getTime() > serverNow() + MAX_LIFETIME_DAYS * 86_400_000) local.expiresAt = `must be at most ${MAX_LIFETIME_DAYS} days (about 10 years) from now`;
    if (Object.keys(local).length) { showFieldErrors(form, summary, { title: 'Check the form', fieldErrors: local }); return; }
    // The selector is sent as typed, edge whitespace and all, for the server to refuse beside the field.
    const body = { selector: inputs.selector.value, expiresAt, reason: v('reason') };
    const thresholds = v('alertThresholds').split(/[\s,]+/).filter(Boolean);
    if (inputs.kind.value === 'bypass') {
      body.bypass = true;
    } else {
      const limits = {};
      if (v('requests')) limits.rateLimits = [{ limit: wholeNumber(v('requests')), window: inputs.window.value }];
      if (v('daily') || v('monthly')) {
        limits.budget = { currency: v('currency').toUpperCase() || 'USD' };
        if (v('daily')) limits.budget.daily = v('daily');
        if (v('monthly')) limits.budget.monthly = v('monthly');
        if (v('timezone')) limits.budget.timezone = v('timezone');
        if (v('resetTime')) limits.budget.resetTime = v('resetTime');
        if (v('resetDay')) limits.budget.resetDay = wholeNumber(v('resetDay'));
      }
      // Always sent, as the policy form sends them: left out, the server would put its defaults in
      // place of what the replaced policy sets.
      limits.mode = inputs.mode.value;
      limits.failMode = inputs.failMode.value;
      limits.alertThresholds = thresholds.map(Number);
      body.bypass = false;
      body.limits = limits;
    }
    submit.disabled = true; submit.textContent = 'Creating…';
    try {
      const { later, answer } = await changed('POST', '/v1/overrides', body);
      // Named as the server stored it, as the list shows it: a pair in its order (tool:image_gen,user:*).
      const stored = (answer && answer.selector) || body.selector;
      toast('Override for ' + stored + ' created.' + later);
      inputs.reason.value = '';
      after();
    } catch (err) {
      showFieldErrors(form, summary, nameEntries(err, 'limits.alertThresholds', thresholds));
    } finally { submit.disabled = false; submit.textContent = 'Create override'; }
  });
  return form;
}
