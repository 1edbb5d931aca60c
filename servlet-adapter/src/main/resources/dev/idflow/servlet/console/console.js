// The operator console: header (consumer, language, who is logged in), messages, and the views by
// hash route: #/flows?<filters> (the default), #/flows/<flow_id>, #/charts, #/kyc, #/data, #/audit.

import * as api from './api.js';
import { h, clear } from './dom.js';
import { LOCALES, LANGUAGE_NAMES, chooseLocale, setLocale, locale, t } from './i18n.js';
import { flowsView, flowView } from './flows.js';
import { chartsView } from './charts.js';
import { kycView, dataView, auditView } from './admin.js';

const LANG_KEY = 'idflow.console.lang';
const CONSUMER_KEY = 'idflow.console.consumer';
const main = document.getElementById('main');
const noticeEl = document.getElementById('notice');
const errorEl = document.getElementById('error');
let state = { session: null, consumer: null };
let renderId = 0;

/** Shared with the views: what is chosen, and how to tell the operator something. */
const ctx = {
  get consumer() { return state.consumer; },
  get session() { return state.session; },
  notice(text) {
    noticeEl.textContent = text || '';
    noticeEl.hidden = !text;
  },
  error(e) {
    clear(errorEl);
    if (!e) {
      errorEl.hidden = true;
      return;
    }
    const status = e instanceof api.ApiError && e.status ? t('error.status', { status: e.status }) : t('error.title');
    errorEl.append(h('strong', {}, status + ' '),
      h('span', { class: 'error-message' }, e.message || String(e)),
      e.code ? h('span', { class: 'error-code' }, ' (' + e.code + (e.field ? ', ' + e.field : '') + ')') : null);
    errorEl.hidden = false;
  },
  clearMessages() {
    this.notice('');
    this.error(null);
  },
  go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  /** True while the view that asked is still the one shown (a slow answer must not paint over a newer view). */
  current(id) {
    return id === renderId;
  },
};

function translateStatic() {
  document.documentElement.lang = locale();
  document.title = t('app.title');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, q] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { parts, params: new URLSearchParams(q || '') };
}

async function route() {
  const id = ++renderId;
  const { parts, params } = parseHash();
  const name = parts[0] || 'flows';
  for (const a of document.querySelectorAll('nav.main-nav a')) {
    const on = a.id === 'nav-' + name;
    if (on) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  ctx.clearMessages();
  clear(main);
  main.setAttribute('aria-busy', 'true');
  try {
    if (!state.consumer) {
      main.append(h('p', { class: 'empty' }, t('header.no_consumer')));
    } else if (name === 'flows' && parts[1]) {
      await flowView(main, ctx, parts[1], id);
    } else if (name === 'charts') {
      await chartsView(main, ctx, params, id);
    } else if (name === 'kyc') {
      await kycView(main, ctx, params, id);
    } else if (name === 'data') {
      await dataView(main, ctx, id);
    } else if (name === 'audit') {
      await auditView(main, ctx, params, id);
    } else {
      await flowsView(main, ctx, params, id);
    }
  } catch (e) {
    if (ctx.current(id)) ctx.error(e);
  } finally {
    if (ctx.current(id)) main.setAttribute('aria-busy', 'false');
  }
}

function fillLanguages() {
  const sel = document.getElementById('lang');
  clear(sel);
  for (const l of LOCALES) sel.append(h('option', { value: l, lang: l, selected: l === locale() }, LANGUAGE_NAMES[l]));
  sel.onchange = () => {
    setLocale(sel.value);
    try { localStorage.setItem(LANG_KEY, sel.value); } catch (e) { /* private mode: not remembered */ }
    const url = new URL(location.href);
    if (url.searchParams.has('lang')) {
      url.searchParams.set('lang', sel.value);
      history.replaceState(null, '', url);
    }
    translateStatic();
    fillConsumers();
    route();
  };
}

function fillConsumers() {
  const sel = document.getElementById('consumer');
  const s = state.session;
  clear(sel);
  const ids = [...(s.consumers || [])];
  if (state.consumer && !ids.includes(state.consumer)) ids.push(state.consumer);
  if (!ids.length) sel.append(h('option', { value: '' }, t('header.no_consumer_option')));
  for (const c of ids) sel.append(h('option', { value: c, selected: c === state.consumer }, c));
  sel.disabled = ids.length === 0;
  const other = document.getElementById('consumer-other');
  other.hidden = !s.all_consumers;
}

function chooseConsumer(id) {
  state.consumer = id || null;
  try { if (id) localStorage.setItem(CONSUMER_KEY, id); } catch (e) { /* not remembered */ }
}

async function boot() {
  let remembered = null;
  try { remembered = localStorage.getItem(LANG_KEY); } catch (e) { /* none */ }
  setLocale(chooseLocale(new URLSearchParams(location.search).get('lang'), remembered, navigator.language));
  translateStatic();
  fillLanguages();
  try {
    state.session = await api.session();
  } catch (e) {
    clear(main);
    ctx.error(e);
    return;
  }
  document.getElementById('principal').textContent = state.session.principal;
  // the host's logout, when it named one (ConsoleOptions.signOutAt): a plain same-origin form POST
  const signOut = document.getElementById('sign-out');
  signOut.hidden = !signOut.dataset.path;
  let saved = null;
  try { saved = localStorage.getItem(CONSUMER_KEY); } catch (e) { /* none */ }
  const granted = state.session.consumers || [];
  chooseConsumer(granted.includes(saved) || (state.session.all_consumers && saved) ? saved : granted[0]);
  fillConsumers();
  document.getElementById('consumer').onchange = (e) => {
    chooseConsumer(e.target.value);
    const { parts } = parseHash();
    // a flow belongs to one consumer: choosing another goes back to the list
    if (parts[0] === 'flows' && parts[1]) location.hash = '#/flows';
    else route();
  };
  document.getElementById('consumer-other').onsubmit = (e) => {
    e.preventDefault();
    const v = document.getElementById('consumer-id').value.trim();
    if (!v) return;
    chooseConsumer(v);
    fillConsumers();
    ctx.go('#/flows');
  };
  window.addEventListener('hashchange', route);
  route();
}

boot();
