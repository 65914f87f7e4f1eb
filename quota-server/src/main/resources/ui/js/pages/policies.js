// Policies: a filterable list, and one form for create and edit. The server validates; its
// problem+json field errors are shown beside the field they name.
import { h, clear, spinner, errorBox, empty, toast, confirmDialog } from '../dom.js';
import { get, request, change, changed, items, enc, can, BUILT_IN_SCOPES } from '../api.js';
import { count, duration, budgetCalendar, WHOLE, wholeNumber } from '../format.js';
import { pageHead, panel, table, field, showFieldErrors, clearFieldErrors, policyLink, nameEntries } from '../ui.js';
import { rateChips, budgetChips } from '../limits.js';

export function render(root, params) {
  if (params[0] === 'new') return renderForm(root, null);
  if (params[0] === 'edit' && params[1]) return renderForm(root, params[1]);
  return renderList(root);
}

function describeBudget(b) {
  if (!b) return h('span', { class: 'muted' }, '–');
  const chips = budgetChips(b);
  // A per-request cap keeps no period, so only a daily or monthly budget has a calendar to name.
  const calendar = b.daily || b.monthly ? budgetCalendar(b) : null;
  return calendar ? [...chips, ' ', h('small', { class: 'muted', 'data-test': 'budget-calendar' }, calendar)] : chips;
}

function renderList(root) {
  root.append(pageHead('Policies', 'Limits bound to subjects. The most specific policy for each shape applies.',
    can.write() ? h('a', { class: 'btn btn-primary', href: '#/policies/new', 'data-test': 'new-policy' }, 'New policy') : null));
  const filter = h('input', { type: 'search', placeholder: 'user:alice, tool:*, …', 'aria-label': 'Filter policies' });
  const scope = h('select', { 'aria-label': 'Scope' });
  // The built-in scopes, then any of one's own that a policy names (org:acme), which policies treat alike.
  const offerScopes = () => {
    const named = all.flatMap((p) => p.selector.split(',').map((part) => part.slice(0, part.indexOf(':'))));
    const scopes = [...new Set([...BUILT_IN_SCOPES, ...[...new Set(named)].filter((x) => !BUILT_IN_SCOPES.includes(x)).sort()])];
    const chosen = scope.value;
    clear(scope).append(...['', ...scopes].map((s) => h('option', { value: s }, s || 'All scopes')));
    scope.value = scopes.includes(chosen) ? chosen : '';
  };
  const mode = h('select', { 'aria-label': 'Mode' }, [['', 'Any mode'], ['enforce', 'Enforce'], ['shadow', 'Shadow']].map(([v, l]) => h('option', { value: v }, l)));
  const body = h('div', null, spinner());
  root.append(panel(null, h('div', null,
    h('div', { class: 'filters' }, h('div', { class: 'field' }, filter), h('div', { class: 'field' }, scope), h('div', { class: 'field' }, mode)), body)));
  let all = [];
  offerScopes();
  const draw = () => {
    const q = filter.value.trim().toLowerCase();
    const rows = all.filter((p) => (!q || p.selector.toLowerCase().includes(q))
      && (!scope.value || p.selector.split(',').some((part) => part.startsWith(scope.value + ':')))
      && (!mode.value || String(p.mode || 'enforce').toLowerCase() === mode.value));
    clear(body);
    if (!rows.length) { body.append(empty(all.length ? 'No policy matches the filter.' : 'No policies yet. Create one to start limiting.')); return; }
    body.append(table([
      { label: 'Selector', cell: (p) => can.write() ? policyLink(p.selector) : h('span', { class: 'mono' }, p.selector) },
      { label: 'Rate limits', cell: (p) => rateChips(p).length ? rateChips(p) : h('span', { class: 'muted' }, '–') },
      { label: 'Budget', cell: (p) => describeBudget(p.budget) },
      { label: 'Concurrency', num: true, cell: (p) => count(p.concurrency) },
      { label: 'Mode', cell: (p) => h('span', { class: 'chip ' + (String(p.mode).toLowerCase() === 'shadow' ? 'chip-near' : 'chip-ok') }, String(p.mode || 'enforce').toLowerCase()) },
      // Named with their policy: a screen reader lists a page's links and buttons by name alone.
      { label: '', className: 'actions-cell', cell: (p) => can.write() ? h('span', null,
        h('a', { class: 'btn btn-small', href: '#/policies/edit/' + enc(p.selector), 'aria-label': 'Edit policy ' + p.selector }, 'Edit'), ' ',
        h('button', { class: 'btn btn-small btn-link', type: 'button', 'aria-label': 'Delete policy ' + p.selector, onclick: () => remove(p, load) }, 'Delete')) : null },
    ], rows, { label: 'Policies', rowAttrs: (p) => ({ 'data-selector': p.selector }) }));
  };
  const load = async () => {
    clear(body).append(spinner());
    try {
      all = items(await get('/v1/policies'), 'policies').sort((a, b) => a.selector.localeCompare(b.selector));
      offerScopes();
      draw();
    } catch (e) {
      clear(body).append(errorBox(e, load));
    }
  };
  filter.addEventListener('input', draw);
  for (const el of [scope, mode]) el.addEventListener('change', draw);
  load();
}

// Deletes the version the list showed (If-Match with its etag): one changed since is not deleted unseen.
async function remove(policy, after) {
  const selector = policy.selector;
  const reason = await confirmDialog('Delete policy?', `The limits bound to ${selector} stop applying at once. This is recorded in the audit log.`,
    'Delete', { reason: 'deleted in console' });
  if (!reason) return;
  try {
    const later = await change('DELETE', '/v1/policies/' + enc(selector) + '?reason=' + enc(reason), undefined,
      policy.etag ? { headers: { 'If-Match': policy.etag } } : {});
    toast('Policy ' + selector + ' deleted.' + later);
    after();
  } catch (e) {
    if (e.status !== 412) { toast(e.message, 'error'); return; }
    toast(e.problem.etag
      ? `Someone else changed ${selector} after this list was loaded, so it was not deleted. The list now shows their version.`
      : `Someone else already deleted ${selector}.`, 'error');
    after();
  }
}

function rateRow(r = {}, index, onRemove) {
  const prefix = 'rateLimits.' + index;
  const meterIn = h('input', { value: r.meter || 'requests', placeholder: 'requests', 'data-part': 'meter', spellcheck: 'false' });
  // The server takes a limit without a meter as one of requests: a cleared field says so rather
  // than the save turning it into requests unannounced. Only an empty field is one: whitespace is
  // sent as typed, as a meter with spaces around it is, for the server to refuse beside the field.
  const meterDefault = h('span');
  const noteDefault = () => { meterDefault.textContent = meterIn.value ? '' : 'Left empty, the limit counts requests: one per call.'; };
  meterIn.addEventListener('input', noteDefault);
  noteDefault();
  const limitIn = h('input', { inputmode: 'numeric', value: r.limit ?? '', 'data-part': 'limit', required: true });
  // Each window as the server writes it back (a day as PT24H), so a policy loaded finds its own.
  const windowIn = h('select', { 'data-part': 'window' },
    [['PT1S', '1 second'], ['PT10S', '10 seconds'], ['PT1M', '1 minute'], ['PT5M', '5 minutes'], ['PT1H', '1 hour'], ['PT24H', '1 day']].map(([v, l]) => h('option', { value: v }, l)));
  if (r.window && ![...windowIn.options].some((o) => o.value === r.window)) windowIn.append(h('option', { value: r.window }, duration(r.window)));
  windowIn.value = r.window || 'PT1M';
  const algo = h('select', { 'data-part': 'algorithm' }, [['sliding_window', 'Sliding window'], ['token_bucket', 'Token bucket']].map(([v, l]) => h('option', { value: v }, l)));
  algo.value = String(r.algorithm || 'sliding_window').toLowerCase();
  const del = h('button', { class: 'btn btn-small btn-link', type: 'button', 'aria-label': 'Remove rate limit ' + (index + 1), onclick: onRemove }, 'Remove');
  // Each row's fields are named with its number, as its Remove button is ("Rate limit 2 window"):
  // by their visible labels alone a screen reader names every row's fields alike.
  const numbered = (label, input) => { input.setAttribute('aria-label', `Rate limit ${index + 1} ${label.toLowerCase()}`); return input; };
  return h('div', { class: 'rate-row', 'data-rate': index },
    field('Meter', numbered('Meter', meterIn), { name: prefix + '.meter', help: meterDefault }),
    field('Limit', numbered('Limit', limitIn), { name: prefix + '.limit' }),
    field('Window', numbered('Window', windowIn), { name: prefix + '.window' }),
    field('Algorithm', numbered('Algorithm', algo), { name: prefix + '.algorithm' }),
    del);
}

function renderForm(root, selector) {
  const editing = !!selector;
  root.append(pageHead(editing ? 'Edit policy' : 'New policy', editing ? selector : 'Bind limits to a subject, a scope wildcard or a pair of scopes.',
    h('a', { class: 'btn', href: '#/policies' }, 'Back to policies')));
  const holder = h('div', null, spinner());
  root.append(holder);
  // The ETag of the policy loaded goes with its save (If-Match), so a change someone else made
  // since is never overwritten unseen; reloading fetches their version and its tag.
  const start = async () => {
    let policy = {};
    let etag = null;
    if (editing) {
      clear(holder).append(spinner());
      try {
        const res = await request('GET', '/v1/policies/' + enc(selector), undefined, { withResponse: true });
        policy = res.body;
        etag = res.headers.get('ETag');
      } catch (e) {
        // Deleted since it was listed (or reloaded): asking again cannot bring it back.
        clear(holder).append(e.status === 404 ? gone(selector) : errorBox(e, start));
        return;
      }
    }
    clear(holder).append(buildForm(policy, selector, etag, start));
  };
  start();
}

function buildForm(policy, selector, etag, reload) {
  const editing = !!selector;
  const b = policy.budget || {};
  const inputs = {
    selector: h('input', { value: selector || '', placeholder: 'user:*  or  user:alice  or  user:*,tool:image_gen', required: true, readonly: editing || null, spellcheck: 'false' }),
    currency: h('input', { value: b.currency || 'USD', style: 'text-transform:uppercase' }),
    daily: h('input', { value: b.daily || '', inputmode: 'decimal', placeholder: 'e.g. 10.00' }),
    monthly: h('input', { value: b.monthly || '', inputmode: 'decimal', placeholder: 'e.g. 200.00' }),
    perRequest: h('input', { value: b.perRequest || '', inputmode: 'decimal', placeholder: 'e.g. 1.00' }),
    timezone: h('input', { value: b.timezone || 'UTC', placeholder: 'Europe/Berlin' }),
    resetTime: h('input', { value: b.resetTime || '00:00', placeholder: '00:00' }),
    // 1-31 as the server allows: a day past a month's end resets on its last day.
    resetDay: h('input', { type: 'number', min: '1', max: '31', step: '1', value: b.resetDay ?? 1 }),
    concurrency: h('input', { inputmode: 'numeric', value: policy.concurrency ?? '' }),
    alertThresholds: h('input', { value: (policy.alertThresholds || [0.8, 0.9, 0.95]).join(', ') }),
    mode: h('select', null, [['enforce', 'Enforce: deny over the limit'], ['shadow', 'Shadow: count and report only']].map(([v, l]) => h('option', { value: v }, l))),
    failMode: h('select', null, [['closed', 'Closed: deny if the store is down'], ['open', 'Open: admit if the store is down']].map(([v, l]) => h('option', { value: v }, l))),
    reason: h('input', { placeholder: 'Why this change? (kept in the audit log)' }),
  };
  inputs.mode.value = String(policy.mode || 'enforce').toLowerCase();
  inputs.failMode.value = String(policy.failMode || 'closed').toLowerCase();

  const rates = h('div', { class: 'row-list' });
  let rateData = (policy.rateLimits || []).map((r) => ({ ...r }));
  // Rows are redrawn from rateData; callers first copy what was typed with readRates().
  const redraw = () => {
    clear(rates);
    rateData.forEach((r, i) => rates.append(rateRow(r, i, () => { rateData = readRates(); rateData.splice(i, 1); redraw(); focusAfterRemoving(i); })));
    if (!rateData.length) rates.append(h('p', { class: 'muted' }, 'No rate limits.'));
    rates.append(h('p', { class: 'field-error', 'data-error-for': 'rateLimits' }));
  };
  // The rows are drawn afresh, the pressed button with them: focus goes to the Remove button of the
  // limit now in its place (or of the one before), else to Add rate limit, not to the page's top.
  const focusAfterRemoving = (i) => {
    const rows = rates.querySelectorAll('.rate-row');
    const row = rows[Math.min(i, rows.length - 1)];
    (row ? row.querySelector('button') : addRate).focus();
  };
  const readRates = () => [...rates.querySelectorAll('.rate-row')].map((row) => {
    const v = (part) => row.querySelector(`[data-part="${part}"]`).value.trim();
    // The meter as typed: ' tokens ' is no meter the server takes, and trimmed it would save one
    // the operator did not type.
    return { meter: row.querySelector('[data-part="meter"]').value, limit: v('limit'), window: v('window'), algorithm: v('algorithm') };
  });
  const addRate = h('button', { class: 'btn btn-small', type: 'button', 'data-test': 'add-rate', onclick: () => { rateData = readRates(); rateData.push({ meter: 'requests', window: 'PT1M' }); redraw(); rates.querySelector('.rate-row:last-of-type input[data-part="limit"]')?.focus(); } }, 'Add rate limit');
  redraw();

  const summary = h('div', { tabindex: '-1', 'aria-live': 'assertive' });
  const save = h('button', { class: 'btn btn-primary', type: 'submit', 'data-test': 'save-policy' }, editing ? 'Save changes' : 'Create policy');
  const form = h('form', { novalidate: true, 'data-test': 'policy-form' },
    summary,
    h('div', { class: 'panel' },
      field('Selector', inputs.selector, { name: 'selector', help: 'scope:id, scope:* for every subject of a scope, or two parts joined by a comma.' }),
      h('fieldset', { class: 'form-section' }, h('legend', null, 'Rate limits'), rates, h('div', { style: 'margin-bottom:14px' }, addRate)),
      h('fieldset', { class: 'form-section' }, h('legend', null, 'Cost budget'),
        h('div', { class: 'form-grid' },
          field('Daily', inputs.daily, { name: 'budget.daily' }),
          field('Monthly', inputs.monthly, { name: 'budget.monthly' }),
          field('Per request', inputs.perRequest, { name: 'budget.perRequest' }),
          field('Currency', inputs.currency, { name: 'budget.currency' }),
          field('Time zone', inputs.timezone, { name: 'budget.timezone' }),
          field('Daily reset time', inputs.resetTime, { name: 'budget.resetTime' }),
          field('Monthly reset day', inputs.resetDay, { name: 'budget.resetDay' })),
        h('p', { class: 'field-error', 'data-error-for': 'budget' })),
      h('div', { class: 'form-grid' },
        field('Concurrency cap', inputs.concurrency, { name: 'concurrency', help: 'In-flight reservations at once.' }),
        field('Alert thresholds', inputs.alertThresholds, { name: 'alertThresholds', help: 'Fractions of a budget, comma separated; empty for no alerts.' }),
        field('Mode', inputs.mode, { name: 'mode' }),
        field('When the store is down', inputs.failMode, { name: 'failMode' }),
        field('Reason', inputs.reason, { name: 'reason', className: 'span-2' })),
      h('p', { class: 'field-error', 'data-error-for': 'policy' }),
      h('div', { class: 'actions' }, save, h('a', { class: 'btn btn-ghost', href: '#/policies' }, 'Cancel'))));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form, summary);
    // Sent as typed: 'user:alice ' is another identifier than 'user:alice', and the server says so beside the field.
    const sel = inputs.selector.value;
    if (!sel.trim()) { showFieldErrors(form, summary, { title: 'Check the form', fieldErrors: { selector: 'is required' } }); return; }
    const rates = readRates();
    const local = {};
    rates.forEach((r, i) => { if (r.limit !== '' && !WHOLE.test(r.limit)) local['rateLimits.' + i + '.limit'] = 'must be a whole number'; });
    if (inputs.concurrency.value.trim() && !WHOLE.test(inputs.concurrency.value.trim())) local.concurrency = 'must be a whole number';
    if (inputs.resetDay.validity.badInput || (inputs.resetDay.value.trim() && !WHOLE.test(inputs.resetDay.value.trim()))) local['budget.resetDay'] = 'must be a whole number';
    if (Object.keys(local).length) { showFieldErrors(form, summary, { title: 'Check the form', fieldErrors: local }); return; }
    const body = {};
    const rl = rates.map((r) => {
      const o = { limit: r.limit === '' ? null : wholeNumber(r.limit), window: r.window };
      if (r.meter && r.meter !== 'requests') o.meter = r.meter;
      if (r.algorithm && r.algorithm !== 'sliding_window') o.algorithm = r.algorithm;
      return o;
    });
    if (rl.length) body.rateLimits = rl;
    const val = (k) => inputs[k].value.trim();
    if (val('daily') || val('monthly') || val('perRequest')) {
      body.budget = { currency: val('currency').toUpperCase() || 'USD' };
      // Amounts go out as the exact decimal text typed; the server rejects malformed ones.
      for (const k of ['daily', 'monthly', 'perRequest']) if (val(k)) body.budget[k] = val(k);
      if (val('timezone')) body.budget.timezone = val('timezone');
      if (val('resetTime')) body.budget.resetTime = val('resetTime');
      if (val('resetDay')) body.budget.resetDay = wholeNumber(val('resetDay'));
    }
    if (val('concurrency')) body.concurrency = wholeNumber(val('concurrency'));
    // Always sent: an empty field is a policy without alerts, which the server would otherwise
    // give its default thresholds, so saving an unrelated change would turn alerts on.
    const thresholds = val('alertThresholds').split(/[\s,]+/).filter(Boolean);
    body.alertThresholds = thresholds.map(Number);
    body.mode = inputs.mode.value;
    body.failMode = inputs.failMode.value;
    const reason = val('reason');
    save.disabled = true; save.textContent = 'Saving…';
    try {
      // An edit replaces only the version loaded, and a new policy is sent as create-only: either
      // way the server refuses (412) if someone else changed or made the policy meanwhile, anywhere.
      const condition = !editing ? { 'If-None-Match': '*' } : etag ? { 'If-Match': etag } : {};
      const { later, answer } = await changed('PUT', '/v1/policies/' + enc(sel) + (reason ? '?reason=' + enc(reason) : ''), body, { headers: condition });
      // Named as the server stored it, as the list shows it: a pair in its order (tool:image_gen,user:*).
      const stored = (answer && answer.selector) || sel;
      toast((editing ? 'Policy saved.' : 'Policy ' + stored + ' created.') + later);
      location.hash = '#/policies';
    } catch (err) {
      if (err.status === 412 && !editing) refuseTaken(form, summary, err.problem.selector || sel);
      else if (err.status === 412) refuseChanged(form, summary, sel, err.problem, reload);
      else showFieldErrors(form, summary, nameEntries(err, 'alertThresholds', thresholds));
    } finally {
      save.disabled = false; save.textContent = editing ? 'Save changes' : 'Create policy';
    }
  });
  setTimeout(() => (editing ? inputs.daily : inputs.selector).focus(), 0);
  return form;
}

/** The policy being edited was changed (or deleted) by someone else since it was loaded: nothing was saved. */
function refuseChanged(form, summary, selector, problem, reload) {
  clearFieldErrors(form, summary);
  const deleted = !problem.etag;
  summary.append(h('div', { class: 'alert alert-error', role: 'alert', 'data-test': 'policy-conflict' },
    h('strong', null, deleted ? 'Deleted by someone else' : 'Changed by someone else'),
    h('span', null, deleted
      ? ` Someone else deleted the policy for ${selector} after you opened it, so your changes were not saved. `
      : ` Someone else changed the policy for ${selector} after you opened it, so your changes were not saved over theirs. Reload it to see their version, then make your change again (what you typed here is discarded). `),
    deleted
      ? h('a', { class: 'btn btn-small', href: '#/policies', 'data-test': 'back-to-policies' }, 'Back to policies')
      : h('button', { class: 'btn btn-small', type: 'button', 'data-test': 'reload-policy', onclick: reload }, 'Reload the policy')));
  summary.focus();
}

/** The policy to edit is not there any more: the list, read again, shows what there is. */
function gone(selector) {
  return h('div', { class: 'alert alert-error', role: 'alert', 'data-test': 'policy-gone' },
    h('strong', null, 'No longer there'),
    h('span', null, ` The policy for ${selector} no longer exists: someone deleted it. `),
    h('a', { class: 'btn btn-small', href: '#/policies', 'data-test': 'reload-policies' }, 'Reload the list'));
}

function refuseTaken(form, summary, selector) {
  const message = `a policy for ${selector} already exists: `;
  showFieldErrors(form, summary, { title: 'Check the form', fieldErrors: { selector: message + 'edit it instead' } });
  const slot = form.querySelector('[data-error-for="selector"]');
  clear(slot).append(message, h('a', { href: '#/policies/edit/' + enc(selector), 'data-test': 'edit-existing' }, 'edit it instead'));
}
