// Shell: sign-in, navigation and hash routing. Each page exports render(root, params, query) and may
// return a cleanup function (used to stop the live-usage refresh when the page is left).
import { h, clear, spinner, errorBox, notAllowed, closeDialogs } from './dom.js';
import { auth, whoami, setUnauthorizedHandler } from './api.js';
import * as overview from './pages/overview.js';
import * as policies from './pages/policies.js';
import * as subject from './pages/subject.js';
import * as reports from './pages/reports.js';
import * as alerts from './pages/alerts.js';
import * as overrides from './pages/overrides.js';
import * as audit from './pages/audit.js';
import * as keys from './pages/keys.js';

// roles: who may open the page (the server's route roles for the calls the page makes).
const ALL = ['admin', 'viewer', 'service'];
const NAV = [
  { path: 'overview', label: 'Overview', page: overview, roles: ['admin', 'viewer'] },
  { path: 'policies', label: 'Policies', page: policies, roles: ['admin'] },
  { path: 'subjects', label: 'Subjects', page: subject, roles: ALL },
  { path: 'reports', label: 'Reports', page: reports, roles: ['admin', 'viewer'] },
  { path: 'alerts', label: 'Alerts', page: alerts, roles: ['admin'] },
  { path: 'overrides', label: 'Overrides', page: overrides, roles: ['admin'] },
  { path: 'audit', label: 'Audit log', page: audit, roles: ['admin'] },
  { path: 'keys', label: 'API keys', page: keys, roles: ['admin'] },
];

const allowed = (entry) => entry.roles.includes(auth.me.role);
const home = () => NAV.find(allowed);

const app = document.getElementById('app');
let cleanup = null;

setUnauthorizedHandler(() => {
  auth.clear();
  showSignIn('Your key was not accepted any more. Sign in again.');
});

function showSignIn(message) {
  stopPage();
  closeDialogs();
  clear(app);
  const input = h('input', { id: 'api-key', name: 'apiKey', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, placeholder: 'qk_…', 'aria-describedby': 'key-help key-error' });
  const err = h('p', { id: 'key-error', class: 'field-error', role: 'alert' }, message || '');
  const btn = h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, 'Sign in');
  // novalidate: an empty key is answered by this page's own message, which also replaces a stale
  // one; the browser's bubble left "That key was not accepted." standing beside it.
  const form = h('form', { class: 'signin-card', 'aria-labelledby': 'signin-title', novalidate: true },
    h('div', { class: 'brand brand-large' }, logo(), h('span', null, 'Quota')),
    h('h1', { id: 'signin-title' }, 'Sign in to the console'),
    h('label', { for: 'api-key' }, 'API key'), input,
    h('p', { id: 'key-help', class: 'help' }, 'The key is kept only in this browser tab and is sent with each request.'),
    err, btn);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const key = input.value.trim();
    if (!key) { err.textContent = 'Enter an API key.'; input.focus(); return; }
    btn.disabled = true; btn.textContent = 'Signing in…'; err.textContent = '';
    try {
      auth.me = await whoami(key);
      auth.set(key);
      if (!location.hash || location.hash === '#/') location.hash = '#/' + home().path;
      boot();
    } catch (ex) {
      err.textContent = ex.status === 401 || ex.status === 403 ? 'That key was not accepted.' : ex.message;
      btn.disabled = false; btn.textContent = 'Sign in';
      input.select();
    }
  });
  app.append(h('main', { id: 'main', class: 'signin' }, form));
  input.focus();
}

function logo() {
  return h('span', { class: 'logo', 'aria-hidden': 'true' });
}

function shell() {
  clear(app);
  const me = auth.me;
  const links = NAV.filter(allowed).map((n) =>
    h('a', { href: '#/' + n.path, 'data-nav': n.path }, n.label));
  const menuBtn = h('button', { class: 'btn btn-ghost menu-toggle', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'nav' }, 'Menu');
  const nav = h('nav', { id: 'nav', 'aria-label': 'Main' }, links);
  menuBtn.addEventListener('click', () => {
    const open = nav.classList.toggle('open');
    menuBtn.setAttribute('aria-expanded', String(open));
  });
  // A link to the page already shown changes no route, so the click closes the menu itself.
  nav.addEventListener('click', (e) => { if (e.target.tagName === 'A') closeMenu(); });
  const signOut = h('button', { class: 'btn btn-ghost', type: 'button', onclick: () => { auth.clear(); location.hash = ''; showSignIn(); } }, 'Sign out');
  const header = h('header', { class: 'topbar' },
    h('a', { class: 'brand', href: '#/' + home().path }, logo(), h('span', null, 'Quota')),
    menuBtn, nav,
    h('div', { class: 'whoami' },
      h('span', { class: 'role role-' + me.role, 'data-test': 'role', title: me.name ? 'Key ' + me.name : null }, me.role),
      me.role === 'viewer' && me.subjects.length ? h('span', { class: 'muted subjects-hint', 'data-test': 'my-subjects' }, me.subjects.join(', ')) : null,
      signOut));
  // Escape closes the open phone menu and hands focus back to its button, as any disclosure does.
  header.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || !nav.classList.contains('open')) return;
    closeMenu();
    menuBtn.focus();
  });
  const main = h('main', { id: 'main', tabindex: '-1' });
  app.append(header, main);
  return main;
}

/** The phone menu belongs to the moment it was opened: any route change (a link, Back, a typed URL) closes it. */
function closeMenu() {
  const nav = document.getElementById('nav');
  if (nav) nav.classList.remove('open');
  const toggle = document.querySelector('.menu-toggle');
  if (toggle) toggle.setAttribute('aria-expanded', 'false');
}

function stopPage() {
  if (typeof cleanup === 'function') cleanup();
  cleanup = null;
}

function route() {
  const main = document.getElementById('main');
  if (!main || !auth.me) return;
  stopPage();
  closeMenu();
  // A dialog belongs to the page it was opened on (Back while "Delete policy?" is open must not
  // leave it over the next page, ready to delete).
  closeDialogs();
  // "#/audit/…?actor=ops&from=…": path segments, then the page's filters as a query.
  const raw = (location.hash || '#/').slice(2);
  const q = raw.indexOf('?');
  const query = Object.fromEntries(new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)));
  const [path, ...rest] = (q < 0 ? raw : raw.slice(0, q)).split('/');
  const entry = NAV.find((n) => n.path === path) || home();
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === entry.path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  clear(main);
  if (!allowed(entry)) {
    document.title = 'Not allowed · Quota console';
    main.append(h('section', { class: 'panel' }, notAllowed('The ' + entry.label + ' page is not available to ' + auth.me.role + ' keys.',
      h('p', null, h('a', { href: '#/' + home().path }, 'Go to ' + home().label)))));
    return;
  }
  const params = rest.map((p) => { try { return decodeURIComponent(p); } catch { return p; } });
  document.title = entry.label + ' · Quota console';
  try {
    cleanup = entry.page.render(main, params, query) || null;
  } catch (e) {
    main.append(errorBox(e));
  }
}

async function boot() {
  const key = auth.key();
  if (!key) { showSignIn(); return; }
  if (!auth.me) {
    clear(app);
    app.append(h('main', { id: 'main', class: 'signin' }, spinner('Checking your key…')));
    try {
      auth.me = await whoami();
    } catch (e) {
      if (e.status === 401 || e.status === 403) { auth.clear(); showSignIn('Your key was not accepted.'); return; }
      clear(app);
      app.append(h('main', { id: 'main', class: 'signin' }, errorBox(e, boot)));
      return;
    }
  }
  shell();
  route();
}

// "#main" is no route: following it would show the home page. The skip link moves focus instead.
document.querySelector('a.skip').addEventListener('click', (e) => {
  e.preventDefault();
  const main = document.getElementById('main');
  if (!main) return;
  if (!main.hasAttribute('tabindex')) main.setAttribute('tabindex', '-1');
  main.focus();
});

/*
 * Focus is never dropped to the top of the document: when the focused element goes away (a saved
 * form replaced by its list, a deleted row, a page left), the main area takes focus, so the next
 * Tab goes on inside the page instead of starting over at the skip link and the navigation.
 */
let lastFocused = null;
document.addEventListener('focusin', (e) => { lastFocused = e.target; });
new MutationObserver(() => {
  if (!lastFocused || lastFocused.isConnected) return;
  lastFocused = null;
  const main = document.getElementById('main');
  if (!main || (document.activeElement && document.activeElement !== document.body)) return;
  if (!main.hasAttribute('tabindex')) main.setAttribute('tabindex', '-1');
  main.focus({ preventScroll: true });
}).observe(document.body, { childList: true, subtree: true });

window.addEventListener('hashchange', () => {
  if (auth.me && document.querySelector('.topbar')) route();
});
boot();
