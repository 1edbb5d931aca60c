// The hosted verification page. Plain ES module: no build step, no external request of any kind.
// It talks only to the client API of this server (docs/CLIENT-API.md): the page lives at
// {mount}/hf/{vlink_id}, its API under {mount}/hf/{vlink_id}/api, liveness under {mount}/liveness2/client.

import { LANGUAGE_NAMES, LOCALES, pickLocale, translator } from './i18n.js';
import { button, h, screen, spinner } from './ui.js';
import {
  attemptsScreen, failedScreen, introScreen, isMobile, passedScreen, reasonText, recordingProblemScreen, runAttempt,
} from './camera.js';

const PAGE = location.pathname.replace(/\/+$/, '');
const MOUNT = PAGE.lastIndexOf('/hf/') >= 0 ? PAGE.slice(0, PAGE.lastIndexOf('/hf/')) : '';
const API = PAGE + '/api';

const POLL_MS = 2000;
const STATUS_REDIRECT_S = 5;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const main = document.getElementById('main');
const logo = document.getElementById('logo');
const stepInfo = document.getElementById('step-info');

let state = null;        // the last state the server gave
let sawRunning = false;  // this page saw the flow before it ended (else it was opened after the end)
let pollTimer = 0;
let countdownTimer = 0;
let screenTimer = 0;     // a screen's own ticking (the OTP resend countdown); stopped when the screen goes
let clockOffset = 0;     // the server's clock minus ours, from the Date of its answers (resend_at is its time)
let t = translator(pickLocale(document.documentElement.lang), null);

// ---------------------------------------------------------------- HTTP

class HttpError extends Error {
  constructor(status, body, retryAfter) {
    super('HTTP ' + status);
    this.status = status;
    this.body = body && typeof body === 'object' ? body : {};
    this.code = typeof this.body.error_code === 'string' ? this.body.error_code : '';
    this.retryAfter = retryAfter;
  }
}

/** Seconds a 429 asks us to wait (Retry-After: seconds or a date), at least 1. */
function waitSeconds(e) {
  const raw = e instanceof HttpError ? e.retryAfter : null;
  let n = raw && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (Number.isNaN(n) && raw) n = Math.ceil((Date.parse(raw) - serverNow()) / 1000);
  return Number.isFinite(n) ? Math.max(1, Math.min(n, 3600)) : 5;
}

const serverNow = () => Date.now() + clockOffset;

class NetworkError extends Error {}

async function call(method, url, { json, form, token } = {}) {
  const init = {
    method,
    headers: { Accept: 'application/json' },
    cache: 'no-store',
    credentials: 'same-origin',
    referrerPolicy: 'no-referrer',
  };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (form) {
    init.body = form;
  }
  if (token) init.headers.Authorization = 'Bearer ' + token;
  let res;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new NetworkError('network');
  }
  let data = null;
  try {
    data = await res.json();
  } catch (e) {
    data = null;
  }
  const date = Date.parse(res.headers.get('Date') || '');
  // Date has whole seconds: the server's clock is on average half a second past it
  if (Number.isFinite(date)) clockOffset = date + 500 - Date.now();
  if (!res.ok) throw new HttpError(res.status, data, res.headers.get('Retry-After'));
  if (data === null) throw new NetworkError('incomplete answer');
  return data;
}

const getState = () => call('GET', API + '/state');

// ---------------------------------------------------------------- screens (the DOM helpers: ui.js)

function show(section, { focus = true } = {}) {
  stopPolling();
  clearInterval(countdownTimer);
  clearInterval(screenTimer);
  main.replaceChildren(section);
  main.setAttribute('aria-busy', 'false');
  if (focus) {
    const heading = section.querySelector('h1');
    if (heading) heading.focus({ preventScroll: false });
  }
}

function busy(btn) {
  if (!btn) return () => {};
  btn.disabled = true;
  btn.classList.add('is-busy');
  btn.setAttribute('aria-busy', 'true');
  return () => {
    btn.disabled = false;
    btn.classList.remove('is-busy');
    btn.removeAttribute('aria-busy');
  };
}

// ---------------------------------------------------------------- locale and look

function applyState(s) {
  const locale = pickLocale(s.locale);
  const ui = s.ui && typeof s.ui === 'object' ? s.ui : {};
  t = translator(locale, ui.translation);
  document.documentElement.lang = locale;
  document.title = t('app.title');
  const theme = ui.theme === 'bts' ? 'bts' : 'default';
  document.body.classList.toggle('theme-bts', theme === 'bts');
  document.body.classList.toggle('theme-default', theme === 'default');
  if (typeof ui.logo_url === 'string' && /^https?:\/\//i.test(ui.logo_url)) {
    if (logo.getAttribute('src') !== ui.logo_url) logo.setAttribute('src', ui.logo_url);
    logo.alt = t('app.logo');
    logo.hidden = false;
  } else {
    logo.hidden = true;
  }
  const steps = Array.isArray(s.steps) ? s.steps : [];
  const current = s.current_step ? steps.findIndex((x) => x.step_id === s.current_step.step_id) : -1;
  if (current >= 0 && steps.length > 1 && !isEnded(s)) {
    stepInfo.textContent = t('app.step_of', { n: current + 1, total: steps.length });
    stepInfo.hidden = false;
  } else {
    stepInfo.hidden = true;
  }
}

function stepName(service) {
  const key = 'step.' + service;
  const text = t(key);
  return text === key ? t('step.other') : text;
}

const isEnded = (s) => Boolean(s.end_cause) || s.flow_status === 'pass' || s.flow_status === 'fail';

const platform = () => {
  const ua = navigator.userAgent || '';
  const hint = navigator.userAgentData && typeof navigator.userAgentData.platform === 'string'
    ? navigator.userAgentData.platform : '';
  if (/Android/i.test(ua) || /Android/i.test(hint)) return 'android';
  // iPadOS asks for desktop sites and says "Macintosh"; its touch screen gives it away
  if (/iPhone|iPad|iPod/i.test(ua) || (/Macintosh/i.test(ua) && navigator.maxTouchPoints > 1)) return 'ios';
  return 'web';
};

/** What identifies the screen a state asks for: polling re-renders only when it changes. */
function screenKey(s) {
  const c = s.current_step || {};
  return [isEnded(s), s.end_cause, s.flow_status, s.started, c.step_id, c.service_name, c.session_id, s.locale,
    JSON.stringify(c.screen === undefined ? null : c.screen)].join('|');
}

/** The same step, still open, in the same words: a screen may then stay and only take the state's news. */
function sameStep(before, after) {
  const a = before && before.current_step;
  const b = after && after.current_step;
  return Boolean(a && b) && !isEnded(after) && Boolean(after.started) && a.step_id === b.step_id
    && kindOf(a) === kindOf(b) && before.locale === after.locale;
}

// a state without `screen` comes from a server older than screen kinds: its three services had these screens
const LEGACY_KINDS = { consent: 'consent', 'language-selector': 'language', verilive: 'camera' };

/** The kind of screen a step asks for (SCREENS: "consent", "form", …); '' for one this page shows as waiting. */
function kindOf(step) {
  if (!step) return '';
  if (step.screen && typeof step.screen === 'object') return typeof step.screen.kind === 'string' ? step.screen.kind : '';
  return LEGACY_KINDS[step.service_name] || '';
}

/** A step's screen fields (an empty object when it has none). */
const screenOf = (step) => (step && step.screen && typeof step.screen === 'object' ? step.screen : {});

/**
 * A "text" of the screen contract: a string, or {locale: string} shown in the flow's locale, else
 * English, else its first value. Null when absent, so that the caller puts the page's own words.
 */
function localText(value) {
  if (typeof value === 'string') return value.trim() ? value : null;
  if (!value || typeof value !== 'object') return null;
  for (const l of [pickLocale(state && state.locale), 'en']) {
    if (typeof value[l] === 'string' && value[l].trim()) return value[l];
  }
  return Object.values(value).find((v) => typeof v === 'string' && v.trim()) || null;
}

const stepUrl = (step, what) => API + '/steps/' + encodeURIComponent(step.step_id) + '/' + what;

// ---------------------------------------------------------------- the flow

async function boot() {
  show(loadingScreen(), { focus: false });
  try {
    state = await getState();
  } catch (e) {
    failure(e, boot);
    return;
  }
  render();
}

function loadingScreen() {
  return h('section', { class: 'screen screen-loading', 'data-screen': 'loading' },
    spinner(), h('p', { class: 'text' }, t('app.loading')));
}

function render() {
  const s = state;
  applyState(s);
  if (isEnded(s)) {
    renderEnded(s);
    return;
  }
  sawRunning = true;
  if (!s.started) {
    renderStart(s);
    return;
  }
  const step = s.current_step;
  switch (kindOf(step)) {
    case 'consent': renderConsent(step); break;
    case 'language': renderLanguage(step); break;
    case 'camera': renderLivenessIntro(cameraOf(step)); break;
    case 'form': renderForm(step); break;
    case 'otp': renderOtp(step); break;
    case 'upload': renderUpload(step); break;
    case 'documents': renderDocuments(step); break;
    case 'sign': renderSign(step); break;
    case 'wait': renderWait(step); break;
    case 'info': renderInfo(step); break;
    default: renderInProgress(); break;
  }
}

/** Reads the state again and shows what it asks for (after a conflict, or to move on). */
async function refresh() {
  try {
    state = await getState();
  } catch (e) {
    failure(e, refresh);
    return;
  }
  render();
}

/** Runs a state-changing call; its answer is the new state. */
async function act(btn, request) {
  const done = busy(btn);
  try {
    state = await request();
  } catch (e) {
    done();
    if (e instanceof HttpError && e.status === 409) {
      // the flow moved on without us (ended, or another step is current): show where it stands
      await refresh();
      return;
    }
    failure(e, () => act(null, request));
    return;
  }
  render();
}

function renderStart(s) {
  const steps = (Array.isArray(s.steps) ? s.steps : []).filter((x) => x.service_name !== 'language-selector');
  const list = steps.length
    ? h('div', { class: 'steps' },
      h('h2', { class: 'steps-title', id: 'steps-title' }, t('start.steps')),
      h('ol', { class: 'step-list', 'aria-labelledby': 'steps-title' },
        steps.map((x, i) => h('li', null, h('span', { class: 'step-num', 'aria-hidden': 'true' }, String(i + 1)),
          h('span', null, stepName(x.service_name))))))
    : null;
  let startBtn;
  const start = () => act(startBtn, () => call('POST', API + '/start',
    { json: { device_type: isMobile() ? 'mobile' : 'desktop', platform: platform() } }));
  startBtn = button(t('start.button'), start, 'primary', { id: 'start' });
  show(screen({
    id: 'start', icon: 'shield', heading: t('start.heading'), texts: [t('start.text')], cls: 'screen-start',
    content: [list, h('p', { class: 'note' }, t('start.privacy'))], actions: [startBtn],
  }));
}

function renderConsent(step) {
  const url = stepUrl(step, 'submit');
  const problems = problemBox();
  let accept;
  let decline;
  const send = (btn, accepted) => answer(btn, () => call('POST', url, { json: { accepted } }), problems);
  accept = button(t('consent.accept'), () => send(accept, true), 'primary', { id: 'consent-accept' });
  decline = button(t('consent.decline'), () => send(decline, false), 'secondary', { id: 'consent-decline' });
  show(screen({
    id: 'consent', icon: 'doc', heading: t('consent.heading'),
    content: [h('div', { class: 'consent-text', tabindex: '0', role: 'region', 'aria-label': t('consent.heading') },
      h('p', null, localText(screenOf(step).text) || t('consent.text'))), problems.general],
    actions: [accept, decline],
  }));
}

function renderLanguage(step) {
  const url = stepUrl(step, 'submit');
  const current = pickLocale(state.locale);
  const asked = Array.isArray(screenOf(step).locales) ? LOCALES.filter((l) => screenOf(step).locales.includes(l)) : [];
  const problems = problemBox();
  const buttons = (asked.length ? asked : LOCALES).map((l) => {
    const b = h('button', {
      type: 'button', class: 'choice' + (l === current ? ' is-current' : ''), lang: l, 'data-locale': l,
      'aria-pressed': l === current ? 'true' : 'false',
    }, LANGUAGE_NAMES[l]);
    b.addEventListener('click', () => answer(b, () => call('POST', url, { json: { locale: l } }), problems));
    return b;
  });
  show(screen({
    id: 'language', icon: 'globe', heading: t('language.heading'), texts: [t('language.text')],
    content: [h('div', { class: 'choices', role: 'group', 'aria-label': t('language.heading') }, buttons), problems.general],
  }));
}

function renderInProgress() {
  show(screen({
    id: 'progress', heading: t('progress.heading'), texts: [t('progress.text')], cls: 'screen-progress',
    content: [spinner()],
  }));
  schedulePoll();
}

function schedulePoll() {
  stopPolling();
  const before = screenKey(state);
  pollTimer = setTimeout(async () => {
    try {
      state = await getState();
    } catch (e) {
      if (e instanceof NetworkError) {
        schedulePoll(); // a blip while waiting: keep waiting, the next poll may get through
        return;
      }
      failure(e, refresh);
      return;
    }
    if (screenKey(state) !== before) render();
    else schedulePoll();
  }, POLL_MS);
}

function stopPolling() {
  clearTimeout(pollTimer);
  pollTimer = 0;
}

// ---------------------------------------------------------------- answers and what the server objects to

/** The ids an element is described by, with {@code id} added or taken out. */
function describedBy(el, id, on) {
  const ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter((x) => x && x !== id);
  if (on) ids.push(id);
  if (ids.length) el.setAttribute('aria-describedby', ids.join(' '));
  else el.removeAttribute('aria-describedby');
}

/**
 * The localized words for a broken rule (SCREENS: required, type, pattern, …): the words for this
 * kind of field first ("rule.required.checkbox"), then the rule's own; a text whose placeholders
 * this field cannot fill is passed over. The server's error_msg when we have no words for the rule.
 */
function ruleText(problem, ctx = {}) {
  const rule = typeof problem.rule === 'string' ? problem.rule : '';
  const keys = rule ? [ctx.kind ? 'rule.' + rule + '.' + ctx.kind : null, 'rule.' + rule].filter(Boolean) : [];
  for (const key of keys) {
    const text = t(key, ctx.params);
    if (text !== key && !/\{[a-z_]+\}/.test(text)) return text;
  }
  return typeof problem.error_msg === 'string' && problem.error_msg ? problem.error_msg : t('rule.invalid');
}

/**
 * Where a screen shows objections: one message next to each field it knows by its contract path
 * (`answers.iin`, `code`, `files.passport`), and one above its buttons for the rest.
 */
function problemBox() {
  const general = h('p', { class: 'form-error', id: 'screen-error', role: 'alert', hidden: true });
  const fields = new Map();
  const clearField = (f) => {
    f.error.hidden = true;
    f.error.textContent = '';
    f.control.removeAttribute('aria-invalid');
    describedBy(f.control, f.error.id, false);
  };
  return {
    general,
    /**
     * Registers the control answering {@code path}; returns the element its message goes in. {@code ctx}
     * (the kind of field and the placeholders of its messages) may be a function, asked when a problem shows.
     */
    add(path, control, ctx = {}) {
      const error = h('p', { class: 'field-error', id: control.id + '-error', hidden: true });
      const f = { control, error, ctx };
      fields.set(path, f);
      // once the person changes the field, the message about what it held no longer applies
      const changed = () => { if (!error.hidden) clearField(f); };
      control.addEventListener('input', changed);
      control.addEventListener('change', changed);
      return error;
    },
    clear(path) {
      if (path !== undefined) {
        if (fields.has(path)) clearField(fields.get(path));
        return;
      }
      fields.forEach(clearField);
      general.hidden = true;
      general.textContent = '';
    },
    /** Shows each problem ({field, rule, error_msg}) at its field and moves focus to the first such field. */
    show(list) {
      let first = null;
      for (const p of list) {
        const f = typeof p.field === 'string' ? fields.get(p.field) : null;
        const text = ruleText(p, f ? (typeof f.ctx === 'function' ? f.ctx() : f.ctx) : {});
        if (!f) {
          general.textContent = text;
          general.hidden = false;
          continue;
        }
        f.error.textContent = text;
        f.error.hidden = false;
        f.control.setAttribute('aria-invalid', 'true');
        describedBy(f.control, f.error.id, true);
        if (!first) first = f.control;
      }
      if (first) first.focus();
    },
    say(text) {
      general.textContent = text;
      general.hidden = false;
    },
  };
}

/**
 * Sends the person's answer; the reply is the new state. A 422 keeps this screen and what was typed
 * in it: the objection shows at its field, then the state is read again and {@code update} gives the
 * screen what changed for this step (tries left, the time of the next resend). A 429 says how long to
 * wait, on the screen; a 409 (the flow moved on) shows where the flow stands.
 */
async function answer(btn, request, problems, update) {
  const done = busy(btn);
  problems.clear();
  let next;
  try {
    next = await request();
  } catch (e) {
    done();
    if (e instanceof HttpError && e.status === 422) {
      problems.show([e.body]);
      await reread(update);
      return;
    }
    if (e instanceof HttpError && e.status === 429) {
      problems.say(t('err.wait', { n: waitSeconds(e) }));
      return;
    }
    if (e instanceof HttpError && e.status === 409) {
      await refresh();
      return;
    }
    failure(e, () => act(null, request));
    return;
  }
  state = next;
  render();
}

/** Reads the state after an objection: the same step stays on screen and takes the news, another is shown. */
async function reread(update) {
  const before = state;
  let next;
  try {
    next = await getState();
  } catch (e) {
    return; // the objection stays on screen; the next answer reads the state anew
  }
  state = next;
  if (sameStep(before, next)) {
    applyState(next);
    if (update) update(next.current_step);
  } else {
    render();
  }
}

// ---------------------------------------------------------------- form

const AUTOCOMPLETE = {
  full_name: 'name', name: 'name', fio: 'name', first_name: 'given-name', given_name: 'given-name',
  last_name: 'family-name', family_name: 'family-name', surname: 'family-name', middle_name: 'additional-name',
  birth_date: 'bday', date_of_birth: 'bday', birthday: 'bday', address: 'street-address',
  city: 'address-level2', postal_code: 'postal-code', country: 'country-name', org_name: 'organization',
  phone_number: 'tel', email: 'email',
};

const finite = (x) => typeof x === 'number' && Number.isFinite(x);

/** A number as the flow's language writes it (100 000 000 in kk and ru). */
const number = (n) => new Intl.NumberFormat(pickLocale(state && state.locale), { maximumFractionDigits: 1 }).format(n);

/** The label of a field: its text and, when required, a mark a screen reader skips (the control itself says required). */
function fieldLabel(forId, text, required) {
  return h('label', { for: forId, class: 'field-label' }, text,
    required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null);
}

/** One field of a form: its row, and read() → {value} | {missing} | {problem}. */
function formField(f, i, values, problems) {
  const type = ['text', 'number', 'date', 'select', 'checkbox', 'phone', 'email', 'iin'].includes(f.type) ? f.type : 'text';
  const id = 'field-' + (i + 1);
  const required = f.required !== false;
  const label = localText(f.label) || f.name;
  const path = 'answers.' + f.name;
  const prefill = Object.prototype.hasOwnProperty.call(values, f.name) ? values[f.name] : undefined;
  const ctx = { kind: type, params: {} };
  const hint = [];
  let control;
  const attrs = { id, name: f.name, 'data-field': f.name, required, class: 'input' };
  if (type === 'select') {
    const options = (Array.isArray(f.options) ? f.options : []).filter((o) => o && o.value !== undefined && o.value !== null);
    control = h('select', attrs, h('option', { value: '' }, t('form.choose')),
      options.map((o) => h('option', { value: String(o.value) }, localText(o.label) || String(o.value))));
    if (prefill !== undefined && prefill !== null) control.value = String(prefill);
  } else if (type === 'checkbox') {
    control = h('input', { ...attrs, type: 'checkbox', class: 'check' });
    control.checked = prefill === true;
  } else {
    const byType = {
      text: { type: 'text', autocomplete: AUTOCOMPLETE[f.name] },
      number: { type: 'number', inputmode: 'decimal', step: 'any', min: finite(f.min) ? f.min : null, max: finite(f.max) ? f.max : null },
      date: { type: 'date', autocomplete: AUTOCOMPLETE[f.name] },
      phone: { type: 'tel', inputmode: 'tel', autocomplete: 'tel' },
      email: { type: 'email', inputmode: 'email', autocomplete: 'email', autocapitalize: 'off', spellcheck: 'false' },
      // an IIN is twelve digits: the digit keypad; no maxlength, which would cut one pasted with spaces
      iin: { type: 'text', inputmode: 'numeric', autocomplete: 'off', spellcheck: 'false' },
    }[type];
    control = h('input', { ...attrs, ...byType });
    if (typeof prefill === 'string' || finite(prefill)) control.value = String(prefill);
  }
  if (type === 'number') {
    if (finite(f.min)) ctx.params.min = number(f.min);
    if (finite(f.max)) ctx.params.max = number(f.max);
    if (finite(f.min) && finite(f.max)) hint.push(t('form.range', ctx.params));
    else if (finite(f.min)) hint.push(t('form.min', ctx.params));
    else if (finite(f.max)) hint.push(t('form.max', ctx.params));
  }
  if (type === 'iin') hint.push(t('form.iin_hint'));
  if (type === 'phone') hint.push(t('form.phone_hint'));
  const hintEl = hint.length ? h('p', { class: 'field-hint', id: id + '-hint' }, hint.join(' ')) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  // the server refuses an IIN for its length or for its check digit under one rule (pattern): twelve
  // digits refused are a typo in them, and "an IIN is 12 digits" would tell the person nothing
  const iinTyped = () => /^[0-9]{12}$/.test(control.value.replace(/\s/g, ''));
  const error = problems.add(path, control, type === 'iin' ? () => ({ ...ctx, kind: iinTyped() ? 'iin_check' : 'iin' }) : ctx);
  const row = type === 'checkbox'
    ? h('div', { class: 'field field-check' }, control, fieldLabel(id, label, required), error)
    : h('div', { class: 'field' }, fieldLabel(id, label, required), hintEl, control, error);

  function read() {
    if (type === 'checkbox') return { value: control.checked };
    if (type === 'number') {
      if (control.validity && control.validity.badInput) return { problem: 'type' };
      const raw = control.value.trim();
      if (!raw) return { missing: true };
      const n = Number(raw);
      if (!Number.isFinite(n)) return { problem: 'type' };
      if (finite(f.min) && n < f.min) return { problem: 'min' };
      if (finite(f.max) && n > f.max) return { problem: 'max' };
      return { value: n };
    }
    let raw = control.value.trim();
    // what people type around a phone number or an IIN is not part of it
    if (type === 'phone') raw = raw.replace(/[\s()\-.]/g, '');
    if (type === 'iin') raw = raw.replace(/\s/g, '');
    return raw ? { value: raw } : { missing: true };
  }
  return { name: f.name, path, required, row, control, read };
}

function renderForm(step) {
  const sc = screenOf(step);
  const fields = (Array.isArray(sc.fields) ? sc.fields : [])
    .filter((f) => f && typeof f.name === 'string' && f.name);
  const values = sc.values && typeof sc.values === 'object' ? sc.values : {};
  const problems = problemBox();
  const items = fields.map((f, i) => formField(f, i, values, problems));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'form-submit' }, t('common.continue'));
  // novalidate: the browser's own bubbles speak the browser's language, ours speak the flow's
  const form = h('form', { class: 'form', id: 'form', novalidate: true },
    items.some((x) => x.required) ? h('p', { class: 'note form-note' }, t('form.required_note')) : null,
    items.map((x) => x.row), problems.general, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    problems.clear();
    const answers = {};
    const found = [];
    for (const x of items) {
      const r = x.read();
      if (r.problem) found.push({ field: x.path, rule: r.problem });
      else if (r.missing && x.required) found.push({ field: x.path, rule: 'required' });
      else if (!r.missing) answers[x.name] = r.value;
    }
    if (found.length) {
      problems.show(found);
      return;
    }
    answer(submit, () => call('POST', stepUrl(step, 'submit'), { json: { answers } }), problems);
  });
  show(screen({ id: 'form', icon: 'doc', heading: t('form.heading'), texts: [t('form.text')], content: [form], cls: 'screen-form' }));
}

// ---------------------------------------------------------------- otp

/** The text with {placeholder} replaced by a node (the masked destination, kept on one line). */
function withNode(text, placeholder, node) {
  const i = text.indexOf(placeholder);
  return i < 0 ? [text] : [text.slice(0, i), node, text.slice(i + placeholder.length)];
}

function renderOtp(step) {
  let sc = screenOf(step);
  const length = Number.isInteger(sc.length) && sc.length > 0 && sc.length <= 12 ? sc.length : 6;
  const problems = problemBox();
  const sent = h('p', { class: 'text', id: 'otp-sent' });
  const input = h('input', {
    type: 'text', id: 'otp-code', name: 'code', class: 'input input-code', inputmode: 'numeric',
    autocomplete: 'one-time-code', maxlength: length, pattern: '[0-9]*', required: true,
    spellcheck: 'false', autocapitalize: 'off', 'aria-describedby': 'otp-sent',
  });
  const error = problems.add('code', input, { kind: 'code', params: { length } });
  const tries = h('p', { class: 'note', id: 'otp-tries', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'otp-submit' }, t('otp.submit'));
  const resend = h('button', { type: 'button', class: 'btn btn-link', id: 'otp-resend' });
  const resendNote = h('p', { class: 'note', id: 'otp-resend-note', 'aria-live': 'polite' });
  let resendAt = 0;

  const tick = () => {
    const left = Math.ceil((resendAt - serverNow()) / 1000);
    if (left > 0) {
      resend.disabled = true;
      resend.textContent = t('otp.resend_in', { n: left });
    } else {
      clearInterval(screenTimer);
      resend.disabled = false;
      resend.textContent = t('otp.resend');
    }
  };
  const countdown = (at) => {
    resendAt = at;
    clearInterval(screenTimer);
    tick();
    if (resendAt > serverNow()) screenTimer = setInterval(tick, 250);
  };
  /** What the state says of this step now: where the code went, the tries left, when a new one may be asked. */
  const update = (s) => {
    sc = screenOf(s);
    const dest = typeof sc.destination === 'string' && sc.destination ? sc.destination : null;
    const key = dest ? (sc.channel === 'email' ? 'otp.text_email' : 'otp.text_sms') : 'otp.text';
    // a masked phone number reads as one piece; an address may have to break to fit
    const destEl = h('strong', { class: sc.channel === 'email' ? 'dest-email' : 'nowrap', dir: 'ltr' }, dest || '');
    sent.replaceChildren(...withNode(t(key), '{destination}', destEl));
    tries.textContent = Number.isInteger(sc.tries_left) ? t('otp.tries_left', { n: sc.tries_left }) : '';
    const at = Date.parse(sc.resend_at || '');
    countdown(Number.isFinite(at) ? at : 0);
  };

  resend.addEventListener('click', async () => {
    const done = busy(resend);
    problems.clear();
    resendNote.textContent = '';
    let next;
    try {
      next = await call('POST', stepUrl(step, 'resend'));
    } catch (e) {
      done();
      if (e instanceof HttpError && e.status === 429) {
        const n = waitSeconds(e);
        resendNote.textContent = t('otp.resend_wait', { n });
        countdown(serverNow() + n * 1000);
      } else if (e instanceof HttpError && e.status === 409) {
        await refresh();
      } else if (e instanceof HttpError && e.status === 422) {
        problems.show([e.body]);
        tick();
        await reread(update);
      } else {
        problems.say(e instanceof NetworkError ? t('err.network_text') : t('err.generic_text'));
        tick();
      }
      return;
    }
    done();
    const before = state;
    state = next;
    if (!sameStep(before, next)) {
      render();
      return;
    }
    applyState(next);
    update(next.current_step);
    // the code typed so far was for the old one
    input.value = '';
    input.focus();
    resendNote.textContent = t('otp.resent');
  });

  const form = h('form', { class: 'form form-otp', id: 'otp-form', novalidate: true },
    h('div', { class: 'field' }, fieldLabel('otp-code', t('otp.label'), false), input, error, tries),
    problems.general,
    h('div', { class: 'actions' }, submit, resend, resendNote));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    problems.clear();
    const code = input.value.replace(/\s/g, '');
    if (!code) {
      problems.show([{ field: 'code', rule: 'required' }]);
      return;
    }
    if (!/^[0-9]+$/.test(code) || code.length !== length) {
      problems.show([{ field: 'code', rule: 'length' }]);
      return;
    }
    answer(submit, () => call('POST', stepUrl(step, 'submit'), { json: { code } }), problems, update);
  });
  show(screen({ id: 'otp', icon: 'shield', heading: t('otp.heading'), content: [sent, form], cls: 'screen-form' }));
  update(step);
}

// ---------------------------------------------------------------- upload

const MIME_NAMES = { 'application/pdf': 'PDF', 'image/jpeg': 'JPEG', 'image/png': 'PNG', 'image/heic': 'HEIC', 'image/webp': 'WEBP' };

function typeName(mime) {
  if (MIME_NAMES[mime]) return MIME_NAMES[mime];
  if (/^image\/\*$/.test(mime)) return t('upload.images');
  const sub = String(mime).split('/')[1] || String(mime);
  return sub.replace(/^(x-|vnd\.)/, '').split(/[+;.]/)[0].toUpperCase().slice(0, 12);
}

function sizeText(bytes) {
  if (bytes >= 1024 * 1024) return t('unit.mb', { n: number(bytes / (1024 * 1024)) });
  if (bytes >= 1024) return t('unit.kb', { n: number(bytes / 1024) });
  return t('unit.b', { n: number(bytes) });
}

/** A type the request names exactly or by its family (image/*); a file the browser cannot name goes to the server. */
const typeAllowed = (types, file) => !types.length || !file.type
  || types.some((x) => x === file.type || (x.endsWith('/*') && file.type.startsWith(x.slice(0, -1))));

function renderUpload(step) {
  const wanted = (Array.isArray(screenOf(step).files) ? screenOf(step).files : [])
    .filter((f) => f && typeof f.label === 'string' && f.label);
  const problems = problemBox();
  const items = wanted.map((f, i) => {
    const id = 'file-' + (i + 1);
    const types = (Array.isArray(f.types) ? f.types : []).filter((x) => typeof x === 'string' && x);
    const max = finite(f.max_bytes) && f.max_bytes > 0 ? f.max_bytes : 0;
    const required = f.required !== false;
    const hint = [types.length ? t('upload.types', { types: [...new Set(types.map(typeName))].join(', ') }) : null,
      max ? t('upload.max', { size: sizeText(max) }) : null].filter(Boolean).join(' · ');
    const hintEl = hint ? h('p', { class: 'field-hint', id: id + '-hint' }, hint) : null;
    const chosen = h('p', { class: 'file-chosen', id: id + '-chosen', 'aria-live': 'polite' }, t('upload.none'));
    const input = h('input', {
      type: 'file', id, name: f.label, class: 'file-native', 'data-label': f.label, required,
      accept: types.length ? types.join(',') : null,
      'aria-describedby': [hintEl ? hintEl.id : null, chosen.id].filter(Boolean).join(' '),
    });
    const face = h('span', { class: 'btn btn-secondary file-button', 'aria-hidden': 'true' }, t('upload.choose'));
    const path = 'files.' + f.label;
    const error = problems.add(path, input, { kind: 'file', params: max ? { size: sizeText(max) } : {} });
    /** The browser's own check of a chosen file: the server checks again, from its bytes. */
    const check = () => {
      const file = input.files && input.files[0];
      if (!file) return required ? 'required' : null;
      if (!typeAllowed(types, file)) return 'file_type';
      if (max && file.size > max) return 'file_size';
      return null;
    };
    input.addEventListener('change', () => {
      problems.clear(path);
      const file = input.files && input.files[0];
      chosen.textContent = file ? file.name + ' · ' + sizeText(file.size) : t('upload.none');
      face.textContent = file ? t('upload.change') : t('upload.choose');
      const problem = file ? check() : null;
      if (problem) problems.show([{ field: path, rule: problem }]);
    });
    const row = h('div', { class: 'field' }, fieldLabel(id, localText(f.title) || f.label, required), hintEl,
      h('div', { class: 'file-pick' }, input, face), chosen, error);
    return { label: f.label, path, input, row, check };
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'upload-submit' }, t('upload.submit'));
  const form = h('form', { class: 'form', id: 'upload-form', novalidate: true },
    items.some((x) => x.input.required) ? h('p', { class: 'note form-note' }, t('form.required_note')) : null,
    items.map((x) => x.row), problems.general, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    problems.clear();
    const found = items.map((x) => ({ field: x.path, rule: x.check() })).filter((p) => p.rule);
    if (found.length) {
      problems.show(found);
      return;
    }
    // one request is the whole answer: one part per file, named by its label
    const body = new FormData();
    for (const x of items) {
      const file = x.input.files && x.input.files[0];
      if (file) body.append(x.label, file, file.name || x.label);
    }
    answer(submit, () => call('POST', stepUrl(step, 'files'), { form: body }), problems);
  });
  show(screen({ id: 'upload', icon: 'doc', heading: t('upload.heading'), texts: [t('upload.text')], content: [form], cls: 'screen-form' }));
}

// ---------------------------------------------------------------- documents and signing

/** A page of a document as the server renders it: loaded when scrolled near, a placeholder if it fails. */
function pageImage(step, n, p, total, title) {
  const alt = t('documents.page_alt', { title, p, total });
  const img = h('img', {
    class: 'page-img', alt, loading: 'lazy', decoding: 'async', width: 595, height: 842, 'data-page': n + '-' + p,
    src: stepUrl(step, 'documents/' + n + '/pages/' + p),
  });
  img.addEventListener('error', () => img.replaceWith(h('div', {
    class: 'page-missing', role: 'img', 'aria-label': alt, 'data-page': n + '-' + p,
  }, t('documents.page_missing', { p }))), { once: true });
  return img;
}

function renderDocuments(step) {
  const docs = (Array.isArray(screenOf(step).documents) ? screenOf(step).documents : []).filter((d) => d && typeof d === 'object');
  const problems = problemBox();
  const list = h('ol', { class: 'doc-list' }, docs.map((d, i) => {
    const n = i + 1;
    const title = localText(d.title) || t('documents.untitled', { n });
    const pages = Number.isInteger(d.pages) && d.pages > 0 ? Math.min(d.pages, 500) : 0;
    return h('li', { class: 'doc', 'aria-labelledby': 'doc-' + n + '-title' },
      h('h2', { class: 'doc-title', id: 'doc-' + n + '-title' }, title),
      h('p', { class: 'note doc-pages-count' }, t('documents.pages', { n: pages })),
      h('div', { class: 'doc-pages' }, Array.from({ length: pages }, (_, j) => pageImage(step, n, j + 1, pages, title))));
  }));
  const read = h('input', { type: 'checkbox', id: 'documents-read', class: 'check' });
  const error = problems.add('acknowledged', read, { kind: 'checkbox' });
  const next = h('button', { type: 'button', class: 'btn btn-primary', id: 'documents-continue', disabled: true }, t('common.continue'));
  read.addEventListener('change', () => {
    next.disabled = !read.checked;
    if (read.checked) problems.clear('acknowledged');
  });
  next.addEventListener('click', () => answer(next, () => call('POST', stepUrl(step, 'submit'), { json: { acknowledged: true } }), problems));
  show(screen({
    id: 'documents', icon: 'doc', heading: t('documents.heading'), texts: [t('documents.text')], cls: 'screen-form',
    content: [list, h('div', { class: 'field field-check field-ack' }, read,
      h('label', { for: 'documents-read', class: 'field-label' }, t('documents.read')), error), problems.general],
    actions: [next],
  }));
}

function renderSign(step) {
  const sc = screenOf(step);
  const docs = (Array.isArray(sc.documents) ? sc.documents : []).filter((d) => d && typeof d === 'object');
  const signer = localText(sc.signer);
  const problems = problemBox();
  const url = stepUrl(step, 'submit');
  let confirm;
  let refuse;
  const send = (btn, confirmed) => answer(btn, () => call('POST', url, { json: { confirmed } }), problems);
  confirm = button(t('sign.confirm'), () => send(confirm, true), 'primary', { id: 'sign-confirm' });
  refuse = button(t('sign.refuse'), () => send(refuse, false), 'secondary', { id: 'sign-refuse' });
  show(screen({
    id: 'sign', icon: 'doc', heading: t('sign.heading'), texts: [t('sign.text')], cls: 'screen-form',
    content: [
      h('ul', { class: 'doc-list doc-list-plain' }, docs.map((d, i) => h('li', { class: 'doc doc-line' },
        localText(d.title) || t('documents.untitled', { n: i + 1 })))),
      signer ? h('p', { class: 'signer', id: 'signer' }, t('sign.signer', { name: signer })) : null,
      problems.general,
    ],
    actions: [confirm, refuse],
  }));
}

// ---------------------------------------------------------------- waiting and information

function renderWait(step) {
  show(screen({
    id: 'wait', heading: t('wait.heading'), cls: 'screen-progress',
    content: [spinner(), h('p', { class: 'text', role: 'status' }, localText(screenOf(step).message) || t('wait.text'))],
  }));
  schedulePoll();
}

function renderInfo(step) {
  const sc = screenOf(step);
  const problems = problemBox();
  let next;
  next = button(t('common.continue'), () => answer(next, () => call('POST', stepUrl(step, 'submit'), { json: {} }), problems),
    'primary', { id: 'info-continue' });
  show(screen({
    id: 'info', icon: 'info', heading: localText(sc.title) || t('info.heading'),
    texts: [localText(sc.message)], content: [problems.general], actions: [next],
  }));
}

// ---------------------------------------------------------------- the end

function callbackTarget(s) {
  if (typeof s.callback_url !== 'string' || !s.callback_url) return null;
  try {
    const url = new URL(s.callback_url, location.href);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    if (s.flow_id) url.searchParams.set('flow_id', s.flow_id);
    return url.href;
  } catch (e) {
    return null;
  }
}

function statusWords(s) {
  if (s.flow_status === 'pass') return { key: 'pass', icon: 'check', tone: 'ok' };
  switch (s.end_cause) {
    case 'timeout': return { key: 'timeout', icon: 'clock', tone: 'warn' };
    case 'disconnected': return { key: 'disconnected', icon: 'clock', tone: 'warn' };
    case 'failed': return { key: 'failed', icon: 'alert', tone: 'bad' };
    default: return { key: 'fail', icon: 'cross', tone: 'bad' };
  }
}

function renderEnded(s) {
  if (!sawRunning) {
    // opened after the end: an unstarted flow that ran out of time is an expired link
    const target = callbackTarget(s);
    if (s.end_cause === 'timeout' && !s.started) {
      show(screen({ id: 'link-expired', icon: 'link', tone: 'warn', heading: t('err.link'), texts: [t('err.link_text')] }));
    } else {
      show(screen({
        id: 'finished', icon: 'check', tone: 'neutral', heading: t('err.finished'), texts: [t('err.finished_text')],
        actions: target ? [button(t('common.continue'), () => go(target), 'primary', { id: 'continue' })] : [],
      }));
    }
    return;
  }
  finish(s, null);
}

/** The flow has ended while this page ran: the status page (or the final screen), then the callback. */
function finish(s, words) {
  const target = callbackTarget(s);
  if (!s.status_page && target && !words) {
    show(screen({ id: 'redirecting', heading: t('status.redirecting'), content: [spinner()], cls: 'screen-progress' }));
    go(target);
    return;
  }
  const w = words || statusWords(s);
  const heading = words ? words.heading : t('status.' + w.key);
  const text = words ? words.text : t('status.' + w.key + '_text');
  const countdown = h('p', { class: 'note', 'aria-live': 'polite', id: 'countdown' });
  const actions = target ? [button(t('common.continue'), () => go(target), 'primary', { id: 'continue' })] : [];
  show(screen({
    id: 'status', icon: w.icon, tone: w.tone, heading, texts: [text, target ? null : t('status.close')],
    content: target ? [countdown] : [], actions, cls: 'status-' + w.key,
  }));
  document.body.dataset.flowStatus = s.flow_status || '';
  if (target) {
    let left = STATUS_REDIRECT_S;
    countdown.textContent = t('status.redirect', { n: left });
    countdownTimer = setInterval(() => {
      left -= 1;
      if (left <= 0) {
        clearInterval(countdownTimer);
        countdown.textContent = t('status.redirecting');
        go(target);
      } else {
        countdown.textContent = t('status.redirect', { n: left });
      }
    }, 1000);
  }
}

function go(url) {
  clearInterval(countdownTimer);
  stopPolling();
  location.assign(url);
}

// ---------------------------------------------------------------- failures: every one has words

function failure(e, retry) {
  if (e instanceof HttpError && e.status === 404) {
    show(screen({ id: 'link-invalid', icon: 'link', tone: 'warn', heading: t('err.link'), texts: [t('err.link_text')] }));
    return;
  }
  if (e instanceof HttpError && e.status === 429) {
    show(screen({
      id: 'busy', icon: 'clock', tone: 'warn', heading: t('err.busy'), texts: [t('err.busy_text')],
      actions: [button(t('common.retry'), retry, 'primary', { id: 'retry' })],
    }));
    return;
  }
  if (e instanceof NetworkError) {
    show(screen({
      id: 'network', icon: 'wifiOff', tone: 'warn', heading: t('err.network'), texts: [t('err.network_text')],
      actions: [button(t('common.retry'), retry, 'primary', { id: 'retry' })],
    }));
    return;
  }
  show(screen({
    id: 'error', icon: 'alert', tone: 'bad', heading: t('err.generic'), texts: [t('err.generic_text')],
    actions: [button(t('common.retry'), retry, 'primary', { id: 'retry' })],
  }));
}

// ---------------------------------------------------------------- liveness (the camera itself: camera.js)

/**
 * A camera step with its session: the state keeps session_id, access_token, pipeline, attempts_left
 * and expires_at at the top of the step (where this page always read them), and in its screen too.
 */
function cameraOf(step) {
  const cam = { ...screenOf(step) };
  for (const [k, v] of Object.entries(step || {})) {
    if (v !== undefined && v !== null) cam[k] = v;
  }
  return cam;
}

function renderLivenessIntro(step) {
  if (!step.access_token) {
    renderInProgress(); // the session is still being opened: wait for it
    return;
  }
  show(introScreen(t, () => runLiveness(step)));
}

function runLiveness(step) {
  return runAttempt({
    t,
    baseUrl: MOUNT,
    accessToken: step.access_token,
    pipeline: step.pipeline,
    show,
    onAnswer: (answer) => afterAttempt(step, answer),
    onRecordingProblem: () => showRecordingProblem(step),
    // 401 (token replaced or expired), 409 (no attempts left, flow ended): the state says what now
    onRefused: (e) => afterAttempt(step, { success: false, error_code: e.code || '' }),
  });
}

function showRecordingProblem(step) {
  // a refused upload used its attempt: the state says whether this session has another or a new one opened
  show(recordingProblemScreen(t, () => retryAfterRefusal()));
}

async function retryAfterRefusal() {
  try {
    state = await getState();
  } catch (e) {
    failure(e, () => retryAfterRefusal());
    return;
  }
  render();
}

async function afterAttempt(step, answer) {
  let next;
  try {
    next = await getState();
  } catch (e) {
    failure(e, () => afterAttempt(step, answer));
    return;
  }
  state = next;
  applyState(next);
  if (answer.success) {
    show(passedScreen(t, t('live.passed_text')));
    await sleep(1500);
    render();
    return;
  }
  const c = next.current_step ? cameraOf(next.current_step) : null;
  const retryable = !isEnded(next) && c && kindOf(next.current_step) === 'camera' && c.step_id === step.step_id
    && (c.session_id !== step.session_id || (c.attempts_left || 0) > 0);
  if (retryable) {
    const left = c.session_id === step.session_id ? c.attempts_left : null;
    show(failedScreen(t, { errorCode: answer.error_code, attemptsLeft: left, onRetry: () => runLiveness(c) }));
    return;
  }
  // no attempt left for this step
  if (isEnded(next)) {
    const target = callbackTarget(next);
    if (next.status_page || !target) {
      const text = [reasonText(t, answer.error_code), t('err.attempts_text')].filter(Boolean).join(' ');
      finish(next, { key: 'attempts', icon: 'cross', tone: 'bad', heading: t('err.attempts'), text });
      return;
    }
    show(attemptsScreen(t, {
      errorCode: answer.error_code, text: t('err.attempts_text'),
      actions: [button(t('common.continue'), () => go(target), 'primary', { id: 'continue' })],
    }));
    return;
  }
  show(attemptsScreen(t, {
    errorCode: answer.error_code, text: t('err.attempts_text'),
    actions: [button(t('common.continue'), () => render(), 'primary', { id: 'continue' })],
  }));
}

// ---------------------------------------------------------------- go

// whatever goes wrong, the person sees words and a way on, never a blank page or a stack trace
window.addEventListener('unhandledrejection', (e) => {
  e.preventDefault();
  failure(e.reason, boot);
});
window.addEventListener('error', (e) => {
  e.preventDefault();
  failure(e.error, boot);
});
logo.addEventListener('error', () => { logo.hidden = true; });

boot();
