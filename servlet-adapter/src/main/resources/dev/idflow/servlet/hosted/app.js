// The hosted verification page. Plain ES module: no build step, no external request of any kind.
// It talks only to the client API of this server (docs/CLIENT-API.md): the page lives at
// {mount}/hf/{vlink_id}, its API under {mount}/hf/{vlink_id}/api, liveness under {mount}/liveness2/client.

import { LANGUAGE_NAMES, LOCALES, pickLocale, translator } from './i18n.js';

const PAGE = location.pathname.replace(/\/+$/, '');
const MOUNT = PAGE.lastIndexOf('/hf/') >= 0 ? PAGE.slice(0, PAGE.lastIndexOf('/hf/')) : '';
const API = PAGE + '/api';
const ATTEMPTS = MOUNT + '/liveness2/client/attempts';
const LIVENESS_SESSION = MOUNT + '/liveness2/client/session';

const POLL_MS = 2000;
const POSITION_MS = 1600;   // "place your face in the oval" before the first action
const ACTION_MS = 2000;     // each action of the pipeline
const STATUS_REDIRECT_S = 5;

const main = document.getElementById('main');
const logo = document.getElementById('logo');
const stepInfo = document.getElementById('step-info');

let state = null;        // the last state the server gave
let sawRunning = false;  // this page saw the flow before it ended (else it was opened after the end)
let pollTimer = 0;
let countdownTimer = 0;
let t = translator(pickLocale(document.documentElement.lang), null);

// ---------------------------------------------------------------- HTTP

class HttpError extends Error {
  constructor(status, code) {
    super('HTTP ' + status);
    this.status = status;
    this.code = code || '';
  }
}

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
  if (!res.ok) throw new HttpError(res.status, data && data.error_code);
  if (data === null) throw new NetworkError('incomplete answer');
  return data;
}

const getState = () => call('GET', API + '/state');

// ---------------------------------------------------------------- DOM helpers: text nodes only, listeners only (no markup strings)

function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const ICONS = {
  shield: [['path', { d: 'M12 2.5 20 5.6V11c0 5-3.4 9-8 10.5C7.4 20 4 16 4 11V5.6Z' }], ['path', { d: 'm8.6 11.8 2.4 2.4 4.6-4.8' }]],
  check: [['circle', { cx: 12, cy: 12, r: 9.5 }], ['path', { d: 'm7.8 12.3 2.9 2.9 5.5-5.8' }]],
  cross: [['circle', { cx: 12, cy: 12, r: 9.5 }], ['path', { d: 'm9 9 6 6m0-6-6 6' }]],
  alert: [['path', { d: 'M12 3.2 21.8 20H2.2Z' }], ['path', { d: 'M12 9.5v4.6' }], ['path', { d: 'M12 17.2v.1' }]],
  camera: [['path', { d: 'M3 8.5A1.5 1.5 0 0 1 4.5 7h3l1.6-2.3h5.8L16.5 7h3A1.5 1.5 0 0 1 21 8.5v9.8a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 18.3Z' }], ['circle', { cx: 12, cy: 13.2, r: 3.6 }]],
  cameraOff: [['path', { d: 'M3 8.5A1.5 1.5 0 0 1 4.5 7h3l1.6-2.3h5.8L16.5 7h3A1.5 1.5 0 0 1 21 8.5v9.8a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 18.3Z' }], ['path', { d: 'm3 3 18 18' }]],
  clock: [['circle', { cx: 12, cy: 12, r: 9.5 }], ['path', { d: 'M12 7v5l3.4 2.1' }]],
  wifiOff: [['path', { d: 'M2.5 8.6a14 14 0 0 1 19 0' }], ['path', { d: 'M5.6 12a9.5 9.5 0 0 1 12.8 0' }], ['path', { d: 'M8.8 15.4a5 5 0 0 1 6.4 0' }], ['path', { d: 'M12 19v.1' }], ['path', { d: 'm3 3 18 18' }]],
  link: [['path', { d: 'M10 14a4 4 0 0 0 5.7 0l3.1-3.1a4 4 0 0 0-5.7-5.7l-1 1' }], ['path', { d: 'M14 10a4 4 0 0 0-5.7 0l-3.1 3.1a4 4 0 0 0 5.7 5.7l1-1' }], ['path', { d: 'm3 3 3 3m12 12 3 3' }]],
  doc: [['path', { d: 'M6 2.8h8.2L18 6.6v14.6H6Z' }], ['path', { d: 'M9 11h6M9 14.5h6M9 18h3.5' }]],
  globe: [['circle', { cx: 12, cy: 12, r: 9.5 }], ['path', { d: 'M2.5 12h19M12 2.5c2.6 2.6 3.8 6 3.8 9.5s-1.2 6.9-3.8 9.5c-2.6-2.6-3.8-6-3.8-9.5s1.2-6.9 3.8-9.5Z' }]],
  face: [['path', { d: 'M4 8V5.5A1.5 1.5 0 0 1 5.5 4H8M16 4h2.5A1.5 1.5 0 0 1 20 5.5V8M20 16v2.5a1.5 1.5 0 0 1-1.5 1.5H16M8 20H5.5A1.5 1.5 0 0 1 4 18.5V16' }], ['path', { d: 'M9.5 9.5v1M14.5 9.5v1M9.2 15a4 4 0 0 0 5.6 0' }]],
};

function icon(name, tone) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const [tag, attrs] of ICONS[name] || []) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    svg.append(el);
  }
  return h('div', { class: 'icon' + (tone ? ' icon-' + tone : '') }, svg);
}

function button(label, onclick, kind = 'primary', extra = {}) {
  return h('button', { type: 'button', class: 'btn btn-' + kind, onclick, ...extra }, label);
}

/** A whole screen: icon, heading, paragraphs, extra content, actions. */
function screen({ icon: iconName, tone, heading, texts = [], content = [], actions = [], id, cls }) {
  // outcomes and errors stand in the middle of the card; forms start at its top
  const classes = ['screen', cls, tone ? 'screen-center' : null].filter(Boolean).join(' ');
  return h('section', { class: classes, 'data-screen': id },
    iconName ? icon(iconName, tone) : null,
    h('h1', { tabindex: '-1' }, heading),
    texts.filter(Boolean).map((x) => h('p', { class: 'text' }, x)),
    content,
    actions.length ? h('div', { class: 'actions' }, actions) : null);
}

function show(section, { focus = true } = {}) {
  stopPolling();
  clearInterval(countdownTimer);
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

function spinner() {
  return h('div', { class: 'spinner', role: 'presentation' });
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

const isMobile = () => (navigator.userAgentData && typeof navigator.userAgentData.mobile === 'boolean')
  ? navigator.userAgentData.mobile
  : /Android|iPhone|iPad|iPod|Mobi/i.test(navigator.userAgent);

/** What identifies the screen a state asks for: polling re-renders only when it changes. */
function screenKey(s) {
  const c = s.current_step || {};
  return [isEnded(s), s.end_cause, s.flow_status, s.started, c.step_id, c.service_name, c.session_id, s.locale].join('|');
}

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
  switch (step && step.service_name) {
    case 'consent': renderConsent(step); break;
    case 'language-selector': renderLanguage(step); break;
    case 'verilive': renderLivenessIntro(step); break;
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
    { json: { device_type: isMobile() ? 'mobile' : 'desktop' } }));
  startBtn = button(t('start.button'), start, 'primary', { id: 'start' });
  show(screen({
    id: 'start', icon: 'shield', heading: t('start.heading'), texts: [t('start.text')],
    content: [list, h('p', { class: 'note' }, t('start.privacy'))], actions: [startBtn],
  }));
}

function renderConsent(step) {
  const url = API + '/steps/' + encodeURIComponent(step.step_id) + '/submit';
  let accept;
  let decline;
  accept = button(t('consent.accept'), () => act(accept, () => call('POST', url, { json: { accepted: true } })),
    'primary', { id: 'consent-accept' });
  decline = button(t('consent.decline'), () => act(decline, () => call('POST', url, { json: { accepted: false } })),
    'secondary', { id: 'consent-decline' });
  show(screen({
    id: 'consent', icon: 'doc', heading: t('consent.heading'),
    content: [h('div', { class: 'consent-text', tabindex: '0', role: 'region', 'aria-label': t('consent.heading') },
      h('p', null, t('consent.text')))],
    actions: [accept, decline],
  }));
}

function renderLanguage(step) {
  const url = API + '/steps/' + encodeURIComponent(step.step_id) + '/submit';
  const current = pickLocale(state.locale);
  const buttons = LOCALES.map((l) => {
    const b = h('button', {
      type: 'button', class: 'choice' + (l === current ? ' is-current' : ''), lang: l, 'data-locale': l,
      'aria-pressed': l === current ? 'true' : 'false',
    }, LANGUAGE_NAMES[l]);
    b.addEventListener('click', () => act(b, () => call('POST', url, { json: { locale: l } })));
    return b;
  });
  show(screen({
    id: 'language', icon: 'globe', heading: t('language.heading'), texts: [t('language.text')],
    content: [h('div', { class: 'choices', role: 'group', 'aria-label': t('language.heading') }, buttons)],
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

// ---------------------------------------------------------------- liveness

function renderLivenessIntro(step) {
  if (!step.access_token) {
    renderInProgress(); // the session is still being opened: wait for it
    return;
  }
  let begin;
  begin = button(t('live.begin'), () => runLiveness(step), 'primary', { id: 'live-begin' });
  show(screen({
    id: 'live-intro', icon: 'face', heading: t('live.heading'), texts: [t('live.intro')],
    content: [h('ul', { class: 'tips' },
      h('li', null, t('live.tip_light')), h('li', null, t('live.tip_glasses')), h('li', null, t('live.tip_alone')))],
    actions: [begin],
  }));
}

function cameraFailure(name, step) {
  const retry = button(t('common.retry'), () => runLiveness(step), 'primary', { id: 'retry' });
  let words;
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') {
    words = { id: 'camera-denied', icon: 'cameraOff', heading: t('err.camera_denied'), text: t('err.camera_denied_text') };
  } else if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') {
    words = { id: 'no-camera', icon: 'cameraOff', heading: t('err.no_camera'), text: t('err.no_camera_text') };
  } else if (name === 'unsupported') {
    words = { id: 'camera-unsupported', icon: 'cameraOff', heading: t('err.camera_unsupported'), text: t('err.camera_unsupported_text') };
  } else {
    words = { id: 'camera-busy', icon: 'cameraOff', heading: t('err.camera_busy'), text: t('err.camera_busy_text') };
  }
  show(screen({ id: words.id, icon: words.icon, tone: 'warn', heading: words.heading, texts: [words.text], actions: [retry] }));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => new Date().toISOString();

const ACTION_GLYPHS = { 'turn-left': '←', 'turn-right': '→', 'tilt-up': '↑', 'tilt-down': '↓' };

function actionText(action) {
  const key = 'action.' + action;
  const text = t(key);
  return text === key ? t('action.unknown') : text;
}

async function pipelineOf(step) {
  let groups = Array.isArray(step.pipeline) ? step.pipeline : null;
  if (!groups && step.access_token) {
    try {
      groups = (await call('GET', LIVENESS_SESSION, { token: step.access_token })).pipeline;
    } catch (e) {
      groups = null;
    }
  }
  const actions = (Array.isArray(groups) ? groups : [])
    .flatMap((g) => (Array.isArray(g) ? g : [g])).filter((a) => typeof a === 'string' && a);
  return actions;
}

function pickVideoType() {
  if (typeof MediaRecorder === 'undefined') return null;
  for (const type of ['video/webm;codecs=vp8', 'video/webm;codecs=vp9', 'video/webm', 'video/mp4']) {
    try {
      if (MediaRecorder.isTypeSupported(type)) return type;
    } catch (e) {
      // try the next
    }
  }
  return null;
}

function startRecorder(stream) {
  const type = pickVideoType();
  if (!type) return null;
  try {
    const recorder = new MediaRecorder(stream, { mimeType: type, videoBitsPerSecond: 1_000_000 });
    const chunks = [];
    recorder.addEventListener('dataavailable', (e) => { if (e.data && e.data.size) chunks.push(e.data); });
    const stopped = new Promise((resolve) => recorder.addEventListener('stop', () => resolve()));
    recorder.start(500);
    return {
      async finish() {
        if (recorder.state !== 'inactive') recorder.stop();
        await Promise.race([stopped, sleep(3000)]);
        if (!chunks.length) return null;
        const base = type.split(';')[0];
        return new Blob(chunks, { type: base });
      },
      abort() {
        try { if (recorder.state !== 'inactive') recorder.stop(); } catch (e) { /* already stopped */ }
      },
    };
  } catch (e) {
    return null; // the video is optional; frames are what counts
  }
}

function captureFrame(video, canvas) {
  const w = video.videoWidth;
  const hgt = video.videoHeight;
  if (!w || !hgt) return Promise.resolve(null);
  const scale = Math.min(1, 1280 / w);
  canvas.width = Math.round(w * scale);
  canvas.height = Math.round(hgt * scale);
  canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob((b) => resolve(b), 'image/jpeg', 0.9));
}

function waitForVideo(video) {
  if (video.videoWidth) return Promise.resolve();
  return Promise.race([
    new Promise((resolve) => video.addEventListener('loadeddata', () => resolve(), { once: true })),
    sleep(6000),
  ]);
}

async function runLiveness(step) {
  if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== 'function') {
    cameraFailure('unsupported', step);
    return;
  }
  const video = h('video', { autoplay: true, muted: true, playsinline: true, 'aria-label': t('live.camera_preview') });
  video.muted = true;
  const prompt = h('p', { class: 'prompt', id: 'prompt', 'aria-live': 'assertive' }, t('live.camera_starting'));
  const glyph = h('div', { class: 'glyph', 'aria-hidden': 'true' });
  const bar = h('progress', { max: '1000', value: '0', id: 'live-progress', 'aria-label': t('live.heading') });
  const counter = h('p', { class: 'counter', id: 'counter' });
  const stage = h('div', { class: 'stage' }, video, h('div', { class: 'oval', 'aria-hidden': 'true' }), glyph);
  const section = h('section', { class: 'screen screen-capture', 'data-screen': 'live-capture' },
    h('h1', { tabindex: '-1', class: 'visually-hidden' }, t('live.heading')), stage, prompt, bar, counter);
  show(section);

  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: 'user', width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false,
    });
  } catch (e) {
    cameraFailure(e && e.name, step);
    return;
  }
  const stopCamera = () => stream.getTracks().forEach((track) => track.stop());
  video.srcObject = stream;
  try {
    await video.play();
  } catch (e) {
    // autoplay of a muted stream is allowed; if the browser still refuses, frames below tell
  }
  await waitForVideo(video);

  const actions = await pipelineOf(step);
  if (!actions.length) actions.push('turn-straight');
  const track = stream.getVideoTracks()[0];
  const cameraLabel = track ? track.label : '';
  const canvas = document.createElement('canvas');
  const frames = [];
  const grab = async () => {
    const blob = await captureFrame(video, canvas);
    if (blob) frames.push(blob);
  };

  const total = POSITION_MS + actions.length * ACTION_MS;
  const t0 = performance.now();
  const tick = setInterval(() => {
    bar.value = Math.min(1000, Math.round(((performance.now() - t0) / total) * 1000));
  }, 100);

  const recorder = startRecorder(stream);
  const startedAt = now();
  const done = [];
  try {
    stage.classList.add('is-positioning');
    prompt.textContent = t('live.position');
    counter.textContent = '';
    await sleep(POSITION_MS - 400);
    await grab(); // the face straight on, before any movement: the best frame
    await sleep(400);
    stage.classList.remove('is-positioning');
    for (let i = 0; i < actions.length; i += 1) {
      const action = actions[i];
      const actionStart = now();
      const t1 = performance.now();
      prompt.textContent = actionText(action);
      glyph.textContent = ACTION_GLYPHS[action] || '';
      counter.textContent = t('live.action_of', { n: i + 1, total: actions.length });
      stage.classList.add('is-acting');
      await sleep(ACTION_MS * 0.45);
      await grab();
      await sleep(ACTION_MS * 0.35);
      await grab();
      await sleep(Math.max(0, ACTION_MS - (performance.now() - t1)));
      done.push({ action, started_at: actionStart, ended_at: now() });
      stage.classList.remove('is-acting');
      glyph.textContent = '';
    }
  } finally {
    clearInterval(tick);
  }
  const endedAt = now();
  bar.value = 1000;
  const video_ = recorder ? await recorder.finish() : null;
  stopCamera();

  if (!frames.length) {
    showRecordingProblem(step);
    return;
  }
  const metadata = {
    platform: 'web',
    user_agent: navigator.userAgent,
    mobile: isMobile(),
    camera_label: cameraLabel,
    started_at: startedAt,
    ended_at: endedAt,
    actions: done,
    bestframe_index: 0,
    screen: { width: window.screen.width, height: window.screen.height },
  };
  await upload(step, metadata, frames, video_);
}

function attemptForm(metadata, frames, videoBlob) {
  const form = new FormData();
  form.append('metadata', JSON.stringify(metadata));
  frames.forEach((f, i) => form.append('frame', f, 'frame-' + (i + 1) + '.jpg'));
  if (videoBlob) form.append('video', videoBlob, videoBlob.type === 'video/mp4' ? 'attempt.mp4' : 'attempt.webm');
  return form;
}

async function upload(step, metadata, frames, videoBlob) {
  show(screen({ id: 'uploading', heading: t('live.uploading'), content: [spinner()], cls: 'screen-progress' }));
  let answer;
  try {
    answer = await call('POST', ATTEMPTS, { form: attemptForm(metadata, frames, videoBlob), token: step.access_token });
  } catch (e) {
    if (e instanceof NetworkError || (e instanceof HttpError && (e.status >= 500 || e.status === 429))) {
      // the recording is kept: sending it again costs no new recording
      const words = e instanceof NetworkError ? [t('err.network'), t('err.upload_network_text')]
        : (e.status === 429 ? [t('err.busy'), t('err.busy_text')] : [t('err.generic'), t('err.generic_text')]);
      show(screen({
        id: 'upload-failed', icon: 'wifiOff', tone: 'warn', heading: words[0], texts: [words[1]],
        actions: [button(t('common.send_again'), () => upload(step, metadata, frames, videoBlob), 'primary', { id: 'send-again' })],
      }));
      return;
    }
    if (e instanceof HttpError && e.status === 422) {
      showRecordingProblem(step);
      return;
    }
    // 401 (token replaced or expired), 409 (no attempts left, flow ended): the state says what now
    await afterAttempt(step, { success: false, error_code: e.code || '' });
    return;
  }
  await afterAttempt(step, answer);
}

function showRecordingProblem(step) {
  show(screen({
    id: 'recording-failed', icon: 'alert', tone: 'warn', heading: t('err.recording'), texts: [t('err.recording_text')],
    // a refused upload used its attempt: the state says whether this session has another or a new one opened
    actions: [button(t('common.retry'), () => retryAfterRefusal(), 'primary', { id: 'retry' })],
  }));
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
    show(screen({ id: 'live-passed', icon: 'check', tone: 'ok', heading: t('live.passed'), texts: [t('live.passed_text')] }));
    await sleep(1500);
    render();
    return;
  }
  const reasonKey = 'reason.' + (answer.error_code || '');
  const reason = answer.error_code && t(reasonKey) !== reasonKey ? t(reasonKey) : null;
  const c = next.current_step;
  const retryable = !isEnded(next) && c && c.service_name === 'verilive' && c.step_id === step.step_id
    && (c.session_id !== step.session_id || (c.attempts_left || 0) > 0);
  if (retryable) {
    const left = c.session_id === step.session_id ? c.attempts_left : null;
    show(screen({
      id: 'live-failed', icon: 'cross', tone: 'bad', heading: t('live.failed'),
      texts: [reason, t('live.failed_text'), left ? t('live.attempts_left', { n: left }) : null],
      actions: [button(t('common.retry'), () => runLiveness(c), 'primary', { id: 'try-again' })],
    }));
    return;
  }
  // no attempt left for this step
  const texts = [reason, t('err.attempts_text')];
  if (isEnded(next)) {
    const target = callbackTarget(next);
    if (next.status_page || !target) {
      finish(next, { key: 'attempts', icon: 'cross', tone: 'bad', heading: t('err.attempts'), text: texts.filter(Boolean).join(' ') });
      return;
    }
    show(screen({
      id: 'attempts', icon: 'cross', tone: 'bad', heading: t('err.attempts'), texts,
      actions: [button(t('common.continue'), () => go(target), 'primary', { id: 'continue' })],
    }));
    return;
  }
  show(screen({
    id: 'attempts', icon: 'cross', tone: 'bad', heading: t('err.attempts'), texts,
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
