// API keys: the list (names, roles, subjects; the server never gives a key back), issuing one, whose
// secret is shown once right after, and revoking one.
import { h, clear, spinner, errorBox, empty, toast, confirmDialog } from '../dom.js';
import { get, request, items, enc, auth } from '../api.js';
import { pageHead, panel, table, field, showFieldErrors, clearFieldErrors, subjectLink, splitSubjects, nameEntries } from '../ui.js';

// The administrator key is set in the server's configuration (QUOTA_ADMIN_KEY or admin.key) and
// replaced there; the API refuses to revoke it, so no Revoke button is offered for it.
const ADMIN_KEY_NAME = 'admin';

const ROLES = [
  ['service', 'Service (decisions, usage)'],
  ['viewer', 'Viewer (its subjects only)'],
  ['admin', 'Admin (everything)'],
];

export function render(root) {
  root.append(pageHead('API keys', 'Who may call the API, and with which role. A key is shown once, when it is issued.'));
  const issued = h('div', { 'aria-live': 'polite' });
  const listEl = h('div', null, spinner());
  const load = async () => {
    clear(listEl).append(spinner());
    try {
      const keys = items(await get('/v1/keys'), 'keys');
      clear(listEl);
      if (!keys.length) { listEl.append(empty('No API keys.')); return; }
      listEl.append(table([
        { label: 'Name', cell: (k) => h('span', { class: 'mono' }, k.name) },
        { label: 'Role', cell: (k) => h('span', { class: 'chip ' + (k.role === 'admin' ? 'chip-brand' : '') }, k.role) },
        { label: 'Subjects', cell: (k) => (k.subjects || []).length ? (k.subjects || []).map((s, i) => [i ? ', ' : '', subjectLink(s)]) : h('span', { class: 'muted' }, k.role === 'viewer' ? '–' : 'all') },
        { label: '', className: 'actions-cell', cell: (k) => k.name === ADMIN_KEY_NAME
          ? h('span', { class: 'muted', title: 'Set by QUOTA_ADMIN_KEY or the admin.key file, and replaced there.' }, 'server key')
          : h('button', { class: 'btn btn-small btn-link', type: 'button', 'aria-label': 'Revoke key ' + k.name, onclick: () => revoke(k, load) }, 'Revoke') },
      ], keys, { label: 'API keys', rowAttrs: (k) => ({ 'data-key': k.name }) }));
    } catch (e) { clear(listEl).append(errorBox(e, load)); }
  };
  root.append(issued, panel('Issue a key', issueForm(issued, load)), panel('Keys', listEl));
  load();
}

async function revoke(k, after) {
  // Revoking the key this tab signed in with ends the session at its next request.
  const own = auth.me && auth.me.name === k.name;
  const reason = await confirmDialog('Revoke key?',
    `Requests made with ${k.name} are refused from now on. This cannot be undone: a new key must be issued instead.`
      + (own ? ' This is the key you are signed in with: you will be signed out.' : ''),
    'Revoke', { reason: 'revoked in console' });
  if (!reason) return;
  try {
    await request('DELETE', '/v1/keys/' + enc(k.name) + '?reason=' + enc(reason));
    toast('Key ' + k.name + ' revoked');
    after();
  } catch (e) {
    if (e.status !== 404) { toast(e.message, 'error'); return; }
    // Revoked since the list was read (in another tab, by another admin): the row shown is stale.
    toast(`Someone else already revoked ${k.name}. The list now shows the keys in force.`, 'error');
    after();
  }
}

function issueForm(issued, after) {
  const inputs = {
    // No maxlength: it would cut a longer pasted name silently; the server refuses it beside the field.
    name: h('input', { placeholder: 'e.g. gateway-prod', spellcheck: 'false', autocomplete: 'off', required: true }),
    role: h('select', null, ROLES.map(([v, l]) => h('option', { value: v }, l))),
    subjects: h('input', { placeholder: 'user:alice, team:search', spellcheck: 'false' }),
    reason: h('input', { placeholder: 'Why this key? (kept in the audit log)' }),
  };
  const subjectsField = field('Subjects', inputs.subjects, { name: 'subjects', help: 'The subjects a viewer key may read, scope:id, comma separated.' });
  const showSubjects = () => { subjectsField.hidden = inputs.role.value !== 'viewer'; };
  inputs.role.addEventListener('change', showSubjects);
  showSubjects();
  const summary = h('div', { tabindex: '-1', 'aria-live': 'assertive' });
  const submit = h('button', { class: 'btn btn-primary', type: 'submit', 'data-test': 'issue-key' }, 'Issue key');
  const form = h('form', { novalidate: true, 'data-test': 'key-form' }, summary,
    h('div', { class: 'form-grid' },
      field('Name', inputs.name, { name: 'name', help: 'Up to 64 letters, digits, ".", "_" or "-"; the actor in the audit log.' }),
      field('Role', inputs.role, { name: 'role' }),
      subjectsField),
    field('Reason', inputs.reason, { name: 'reason', help: 'Optional; kept in the audit log.' }),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form, summary);
    // Sent as typed: a name with edge whitespace is refused beside the field, not quietly changed.
    const name = inputs.name.value;
    if (!name.trim()) { showFieldErrors(form, summary, { title: 'Check the form', fieldErrors: { name: 'is required' } }); return; }
    const body = { name, role: inputs.role.value };
    const subjects = splitSubjects(inputs.subjects.value);
    if (body.role === 'viewer') body.subjects = subjects;
    const reason = inputs.reason.value.trim();
    if (reason) body.reason = reason;
    submit.disabled = true; submit.textContent = 'Issuing…';
    try {
      const key = await request('POST', '/v1/keys', body);
      inputs.name.value = '';
      inputs.subjects.value = '';
      inputs.reason.value = '';
      // The secret shown before stays until this one replaces it (or Done is pressed): a refused
      // attempt must not take away a secret that will never be shown again.
      clear(issued).append(secretNote(key, () => clear(issued)));
      issued.querySelector('[data-test=copy-key]').focus();
      after();
    } catch (err) {
      showFieldErrors(form, summary, nameEntries(err, 'subjects', subjects));
    } finally { submit.disabled = false; submit.textContent = 'Issue key'; }
  });
  return form;
}

/**
 * The new key's secret, the only time the console has it: it lives in this element alone (not in
 * storage, not in the URL) and is gone when the note is closed or the page is left.
 */
function secretNote(key, close) {
  const secret = h('input', { class: 'mono', readonly: true, value: key.key, 'aria-label': 'New API key', 'data-test': 'new-key', spellcheck: 'false' });
  const copied = h('span', { class: 'muted', role: 'status' });
  const copy = h('button', { class: 'btn btn-primary', type: 'button', 'data-test': 'copy-key' }, 'Copy');
  copy.addEventListener('click', async () => {
    secret.select();
    try {
      await navigator.clipboard.writeText(key.key);
      copied.textContent = 'Copied.';
    } catch {
      // No clipboard access (an insecure origin, a denied permission): the key is selected for Ctrl+C.
      copied.textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
    }
  });
  return h('section', { class: 'panel secret-note', role: 'region', 'aria-label': 'New key', 'data-test': 'issued-key' },
    h('div', { class: 'alert alert-info' },
      h('strong', null, 'Copy it now: it will not be shown again.'),
      h('span', null, 'Key ', h('span', { class: 'mono' }, key.name), ' (', key.role,
        (key.subjects || []).length ? ', reads ' + key.subjects.join(', ') : '', ') is issued. The server keeps only a hash of it.')),
    h('div', { class: 'secret-row' }, secret, copy, h('button', { class: 'btn', type: 'button', onclick: close }, 'Done')),
    copied);
}
