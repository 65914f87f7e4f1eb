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

/** A modal confirmation; resolves true on confirm. Focus is trapped on the two buttons. */
export function confirmDialog(title, body, confirmLabel = 'Delete') {
  return new Promise((resolve) => {
    const previous = document.activeElement;
    const cancel = h('button', { class: 'btn', type: 'button' }, 'Cancel');
    const ok = h('button', { class: 'btn btn-danger', type: 'button', 'data-test': 'confirm' }, confirmLabel);
    const box = h('div', { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'modal-title' },
      h('h2', { id: 'modal-title' }, title), h('p', null, body), h('div', { class: 'modal-actions' }, cancel, ok));
    const backdrop = h('div', { class: 'backdrop' }, box);
    const close = (v) => {
      backdrop.remove();
      document.removeEventListener('keydown', onKey, true);
      if (previous && previous.focus) previous.focus();
      resolve(v);
    };
    const onKey = (e) => {
      if (e.key === 'Escape') { e.preventDefault(); close(false); }
      if (e.key === 'Tab') {
        e.preventDefault();
        (document.activeElement === ok ? cancel : ok).focus();
      }
    };
    cancel.addEventListener('click', () => close(false));
    ok.addEventListener('click', () => close(true));
    backdrop.addEventListener('click', (e) => { if (e.target === backdrop) close(false); });
    document.addEventListener('keydown', onKey, true);
    document.body.append(backdrop);
    cancel.focus();
  });
}
