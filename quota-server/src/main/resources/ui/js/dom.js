// Tiny element builder: every piece of server data goes through text nodes, never innerHTML,
// so a subject id like "<img onerror=…>" shows up as text instead of running.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value') el.value = v;
      else if (k === 'checked' || k === 'selected' || k === 'disabled') el[k] = !!v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function spinner(label = 'Loading…') {
  return h('div', { class: 'loading', role: 'status', 'aria-live': 'polite' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }), label);
}

export function errorBox(err, retry) {
  const msg = err && err.message ? err.message : String(err);
  return h('div', { class: 'alert alert-error', role: 'alert' },
    h('strong', null, err && err.title ? err.title : 'Something went wrong'),
    h('span', null, ' ', msg),
    retry ? h('button', { class: 'btn btn-small', type: 'button', onclick: retry }, 'Retry') : null);
}

/** The state shown where the key may not go: the server refused (403) or the page is not for this role. */
export function notAllowed(message, ...extra) {
  return h('div', { class: 'not-allowed', role: 'alert', 'data-test': 'not-allowed' },
    h('span', { class: 'not-allowed-icon', 'aria-hidden': 'true' }),
    h('h2', null, 'Not allowed'),
    h('p', null, message),
    extra);
}

export function empty(text) {
  return h('div', { class: 'empty' }, text);
}

let toastTimer;
export function toast(text, kind = 'ok') {
  let el = document.getElementById('toast');
  if (!el) {
    el = h('div', { id: 'toast', role: 'status', 'aria-live': 'polite' });
    document.body.append(el);
  }
  el.className = 'toast toast-' + kind + ' show';
  el.textContent = text;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('show'), 3500);
}

/** The dialogs open now; each entry closes its dialog as if cancelled. */
const openDialogs = new Set();

/** Closes every open dialog as cancelled: called on a route change, so no dialog acts on a page left behind. */
export function closeDialogs() {
  for (const cancel of [...openDialogs]) cancel();
}

/** The longest reason the server keeps in the audit log, in characters. */
const MAX_REASON_LENGTH = 1000;

/**
 * A modal confirmation; resolves true on confirm, false on cancel. With {reason}, it also asks why
 * (prefilled with that text, required unless reasonOptional) and resolves the reason typed instead
 * of true ('' for an optional one left empty), so the action's audit entry says what the admin
 * meant. The confirm button is red for what cannot be undone (danger, the default). Focus is
 * trapped inside the dialog.
 */
export function confirmDialog(title, body, confirmLabel = 'Delete', { reason, reasonOptional = false, danger = true } = {}) {
  return new Promise((resolve) => {
    const previous = document.activeElement;
    // The page the dialog was opened on; a confirm from anywhere else must not act.
    const route = location.hash;
    const cancel = h('button', { class: 'btn', type: 'button' }, 'Cancel');
    const ok = h('button', { class: danger ? 'btn btn-danger' : 'btn btn-primary', type: 'button', 'data-test': 'confirm' }, confirmLabel);
    const reasonIn = reason === undefined ? null
      // No maxlength: it would cut a longer reason silently (and counts UTF-16 units, not characters).
      : h('input', { id: 'modal-reason', name: 'reason', value: reason, 'aria-describedby': 'modal-reason-help modal-reason-error' });
    const reasonError = h('p', { class: 'field-error', id: 'modal-reason-error' });
    const box = h('div', { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'modal-title' },
      h('h2', { id: 'modal-title' }, title), h('p', null, body),
      reasonIn ? h('div', { class: 'field' }, h('label', { for: 'modal-reason' }, 'Reason'), reasonIn,
        h('p', { class: 'help', id: 'modal-reason-help' }, reasonOptional ? 'Optional; kept in the audit log.' : 'Kept in the audit log.'), reasonError) : null,
      h('div', { class: 'modal-actions' }, cancel, ok));
    const backdrop = h('div', { class: 'backdrop' }, box);
    const focusable = [reasonIn, cancel, ok].filter(Boolean);
    const close = (v) => {
      openDialogs.delete(dismiss);
      backdrop.remove();
      document.removeEventListener('keydown', onKey, true);
      if (previous && previous.focus && previous.isConnected) previous.focus();
      resolve(v);
    };
    const dismiss = () => close(false);
    const confirm = () => {
      if (location.hash !== route) { close(false); return; }
      if (!reasonIn) { close(true); return; }
      const text = reasonIn.value.trim();
      const refuse = (why) => { reasonError.textContent = why; reasonIn.setAttribute('aria-invalid', 'true'); reasonIn.focus(); };
      if (!text && !reasonOptional) { refuse('Give a reason.'); return; }
      // The server's rule, in characters (code points) as it counts them.
      if ([...text].length > MAX_REASON_LENGTH) { refuse(`must be at most ${MAX_REASON_LENGTH} characters`); return; }
      close(text);
    };
    const onKey = (e) => {
      if (e.key === 'Escape') { e.preventDefault(); close(false); }
      if (e.key === 'Enter' && e.target === reasonIn) { e.preventDefault(); confirm(); }
      if (e.key === 'Tab') {
        e.preventDefault();
        const i = focusable.indexOf(document.activeElement);
        focusable[(i + (e.shiftKey ? focusable.length - 1 : 1)) % focusable.length].focus();
      }
    };
    cancel.addEventListener('click', dismiss);
    ok.addEventListener('click', confirm);
    backdrop.addEventListener('click', (e) => { if (e.target === backdrop) close(false); });
    document.addEventListener('keydown', onKey, true);
    openDialogs.add(dismiss);
    document.body.append(backdrop);
    (reasonIn || cancel).focus();
  });
}
