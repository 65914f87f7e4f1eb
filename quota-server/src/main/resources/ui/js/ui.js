// Building blocks shared by the pages: page headers, tables, filter bars, paged lists and
// forms that show the server's field errors beside the field they name.
import { h, clear, spinner, errorBox, empty } from './dom.js';
import { get, items, nextCursor, qs } from './api.js';
import { money, fromUtcText, utcTimeEnd, utcText, utcTimeProblem, UTC_TIME_EXAMPLE } from './format.js';

export function pageHead(title, subtitle, ...actions) {
  return h('div', { class: 'page-head' },
    h('div', null, h('h1', null, title), subtitle ? h('p', null, subtitle) : null),
    actions.length ? h('div', { class: 'actions' }, actions) : null);
}

export function panel(title, body, ...extra) {
  return h('section', { class: 'panel', 'aria-label': title },
    title ? h('div', { class: 'panel-head' }, h('h2', null, title), extra) : null, body);
}

/**
 * columns: [{label, cell(row) -> node|string, num?, className?}]; label names the table for screen
 * readers. A table wider than its panel (a half-width one, or any on a phone) scrolls sideways in
 * its wrap, which takes keyboard focus so the arrow keys reach the last columns too.
 */
export function table(columns, rows, { caption, rowAttrs, label } = {}) {
  return h('div', { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-label': label || caption || 'Table' }, h('table', null,
    caption ? h('caption', { class: 'sr-only' }, caption) : null,
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: [c.num ? 'num' : '', c.className || ''].join(' ').trim() || null }, c.label)))),
    h('tbody', null, rows.map((r) => h('tr', rowAttrs ? rowAttrs(r) : null,
      columns.map((c) => h('td', { class: [c.num ? 'num' : '', c.className || ''].join(' ').trim() || null }, c.cell(r))))))));
}

/**
 * "$0.95 / $1.00", an amount used of a limit, for a table cell: a narrow column (on a phone) breaks
 * it after the slash, never inside an amount.
 */
export function usedOfLimit(used, limit, currency) {
  return h('span', { class: 'used-of-limit' }, h('span', null, money(used, currency) + ' /'), ' ', h('span', null, money(limit, currency)));
}

/** Runs load() and shows a spinner, then render(result), or an error with a retry button. */
export async function loadInto(el, load, render) {
  clear(el).append(spinner());
  try {
    const result = await load();
    clear(el);
    const node = render(result);
    if (node) el.append(node);
  } catch (e) {
    if (e.name === 'AbortError') return;
    clear(el).append(errorBox(e, () => loadInto(el, load, render)));
  }
}

export function field(label, input, { help, name, className } = {}) {
  const id = input.id || 'f-' + (name || label).replace(/[^a-z0-9]+/gi, '-').toLowerCase() + '-' + Math.random().toString(36).slice(2, 7);
  input.id = id;
  const errId = id + '-error';
  const helpId = help ? id + '-help' : null;
  input.setAttribute('aria-describedby', [helpId, errId].filter(Boolean).join(' '));
  if (name) input.name = name;
  return h('div', { class: 'field ' + (className || ''), 'data-field': name || null },
    h('label', { for: id }, label), input,
    help ? h('p', { class: 'help', id: helpId }, help) : null,
    h('p', { class: 'field-error', id: errId, 'data-error-for': name || null }));
}

/**
 * Puts each server field error next to the field it names. "rateLimits[0].limit", "/budget/daily"
 * and "selector.scope" all find their closest named field; the rest go to the summary box.
 */
export function showFieldErrors(form, summary, err) {
  clearFieldErrors(form, summary);
  const errors = (err && err.fieldErrors) || {};
  const unplaced = [];
  let first = null;
  for (const [fieldName, message] of Object.entries(errors)) {
    let name = fieldName;
    let slot = null;
    while (name) {
      slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
      if (slot) break;
      name = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '';
    }
    if (!slot) { unplaced.push(fieldName + ': ' + message); continue; }
    slot.textContent = slot.textContent ? slot.textContent + '; ' + message : message;
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (input) { input.setAttribute('aria-invalid', 'true'); first = first || input; }
  }
  const title = err.title || 'The server refused the change';
  const detail = Object.keys(errors).length ? (unplaced.length ? unplaced.join('; ') : 'Correct the highlighted fields.') : err.message;
  summary.append(errorBox({ title, message: detail }));
  (first || summary).focus && (first || summary).focus();
}

/**
 * The refusal {@code err} with each error of an entry of list {@code list} ("subjects[1]: …", read
 * as subjects.1) naming the entry as typed, {@code typed[1]}: beside the field, which holds the whole
 * list, a number alone does not say which entry is meant ("1.5: must be a fraction…").
 */
export function nameEntries(err, list, typed) {
  const pattern = new RegExp('^' + list.replace(/\./g, '\\.') + '\\.(\\d+)$');
  const fieldErrors = {};
  for (const [f, message] of Object.entries(err.fieldErrors || {})) {
    const m = pattern.exec(f);
    fieldErrors[f] = m && typed[Number(m[1])] !== undefined ? `${typed[Number(m[1])]}: ${message}` : message;
  }
  return { title: err.title, message: err.message, fieldErrors };
}

export function clearFieldErrors(form, summary) {
  for (const e of form.querySelectorAll('.field-error')) e.textContent = '';
  for (const e of form.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
  if (summary) clear(summary);
}

/**
 * A filter bar over a paged list endpoint. fields: [{name, label, type?, options?, through?}];
 * columns and rowAttrs as table() takes them. A field of type 'utc-time' takes a time typed as the
 * console writes times (see fromUtcText), and one marked through is sent as the end of its minute,
 * which it takes in (see utcTimeEnd). Filters live in the hash query (#/route?name=value) so a
 * filtered view can be bookmarked, reloaded and come back to; initial holds them as the route read
 * them. A time that is not one, or a From later than To, is refused beside the field instead of
 * asking for a list that is empty by construction.
 */
export function pagedList(root, { path, route, label, fields, columns, rowAttrs, listKeys = [], emptyText = 'Nothing here yet.', initial = {} }) {
  const inputs = {};
  const form = h('form', { class: 'filters', role: 'search' });
  for (const f of fields) {
    let input;
    if (f.options) {
      input = h('select', null, f.options.map(([v, l]) => h('option', { value: v }, l)));
    } else if (f.type === 'utc-time') {
      input = h('input', { type: 'text', placeholder: UTC_TIME_EXAMPLE, spellcheck: 'false', autocomplete: 'off' });
    } else {
      input = h('input', { type: f.type || 'text', placeholder: f.placeholder || '' });
    }
    const time = f.type === 'utc-time';
    input.value = time ? utcText(initial[f.name] || '') : initial[f.name] || '';
    inputs[f.name] = input;
    form.append(field(f.label, input, { name: f.name, className: time ? 'field-datetime' : '', help: time ? '24-hour clock, UTC' : null }));
  }
  form.append(h('div', { class: 'field filter-submit' }, h('button', { class: 'btn btn-primary', type: 'submit' }, 'Apply')));
  const summary = h('div', { tabindex: '-1', 'aria-live': 'assertive' });
  const body = h('div', { 'aria-live': 'polite' });
  const more = h('div', { class: 'actions', style: 'justify-content:center;margin-top:12px' });
  let rows = [];
  let cursor = null;
  // The filters of the list shown, as sent: a next page continues that list, whatever has been
  // typed into the fields since without Apply.
  let applied = {};
  // Counts the lists asked for: an answer (a next page, a first page) that comes back after another
  // list was asked for belongs to a list no longer shown, and is dropped.
  let listNo = 0;
  const params = () => {
    const p = {};
    for (const f of fields) {
      let v = inputs[f.name].value.trim();
      // Labelled UTC, as every time the console shows.
      if (v && f.type === 'utc-time') v = f.through ? utcTimeEnd(v) : fromUtcText(v);
      p[f.name] = v;
    }
    return p;
  };
  const load = async (append) => {
    if (!append) { applied = params(); listNo++; }
    const forList = listNo;
    const p = { ...applied, limit: 50 };
    if (append && cursor) p.cursor = cursor;
    const btn = more.querySelector('button');
    if (btn) { btn.disabled = true; btn.textContent = 'Loading…'; }
    if (!append) { clear(body).append(spinner()); clear(more); rows = []; }
    try {
      const payload = await get(path + qs(p));
      if (forList !== listNo) return;
      rows = rows.concat(items(payload, ...listKeys));
      cursor = nextCursor(payload);
      clear(body).append(rows.length ? table(columns, rows, { label, rowAttrs }) : empty(emptyText));
      clear(more);
      if (cursor) more.append(h('button', { class: 'btn', type: 'button', onclick: () => load(true) }, 'Load more'));
    } catch (e) {
      if (forList !== listNo) return;
      // A filter the server refuses is marked beside its field; asking again would not help.
      if (e.status === 400 && Object.keys(e.fieldErrors || {}).some((f) => inputs[f])) {
        clear(body); clear(more);
        showFieldErrors(form, summary, e);
        return;
      }
      // A next page that failed leaves the pages shown in place; the error and its retry take the
      // place of Load more, which the retry stands for.
      if (append) {
        clear(more).append(h('div', { 'data-test': 'more-error' }, errorBox(e, () => load(true))));
        return;
      }
      clear(body).append(errorBox(e, () => load(false)));
    }
  };
  const typed = () => Object.fromEntries(fields.map((f) => [f.name, inputs[f.name].value.trim()]));
  const filterErrors = () => {
    const v = typed();
    const bad = {};
    for (const f of fields) {
      const problem = f.type === 'utc-time' && v[f.name] ? utcTimeProblem(v[f.name]) : null;
      if (problem) bad[f.name] = problem;
    }
    if (Object.keys(bad).length) return bad;
    // To takes in its whole minute: From and To the same minute is that minute.
    return v.from && v.to && fromUtcText(v.from) >= utcTimeEnd(v.to) ? { to: 'must not be before From' } : null;
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    // The list shown goes, for another or for the refusal of these filters.
    listNo++;
    clearFieldErrors(form, summary);
    for (const f of fields) if (f.type === 'utc-time') inputs[f.name].value = utcText(inputs[f.name].value);
    // Replaced, not pushed: Back leaves the page as before, and returns to it with these filters.
    if (route) history.replaceState(history.state, '', '#/' + route + qs(typed()));
    const bad = filterErrors();
    if (bad) { clear(body); clear(more); showFieldErrors(form, summary, { title: 'Check the filters', fieldErrors: bad }); return; }
    load(false);
  });
  root.append(h('section', { class: 'panel' }, summary, form, body, more));
  const bad = filterErrors();
  if (bad) showFieldErrors(form, summary, { title: 'Check the filters', fieldErrors: bad });
  else load(false);
  return { reload: () => load(false) };
}

/**
 * "user:alice, team:search" as its entries. A subject id never holds ',' (it joins the two subjects
 * of a pair), so the commas split exactly; the spaces after a comma are dropped, as they come before
 * a scope, which holds none. Whitespace ending an entry is kept: it ends an identifier, and
 * 'alice ' is another one than 'alice', which the server refuses naming the entry.
 */
export function splitSubjects(text) {
  return text.split(',').map((s) => s.trimStart()).filter(Boolean);
}

export function subjectLink(subject) {
  const text = String(subject);
  const i = text.indexOf(':');
  if (i <= 0 || text.includes(',') || text.includes('*')) return h('span', { class: 'mono' }, text);
  return h('a', { class: 'mono', href: '#/subjects/' + encodeURIComponent(text.slice(0, i)) + '/' + encodeURIComponent(text.slice(i + 1)) }, text);
}

export function policyLink(selector) {
  return h('a', { class: 'mono', href: '#/policies/edit/' + encodeURIComponent(selector) }, selector);
}
