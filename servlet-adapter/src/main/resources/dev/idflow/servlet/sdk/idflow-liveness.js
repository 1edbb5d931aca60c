// idflow's web SDK: a bank's own page runs a liveness session with the access_token its back end got
// from POST /liveness2/session. Served by idflow at {mount}/sdk/idflow-liveness.js, with the modules it
// imports beside it (the hosted page's own camera step, its words and its DOM helpers: one copy of
// each in the jar). Plain ES module, no build step, no request anywhere but idflow.
//
//   import { start } from 'https://kyc.bank.example/kyc/sdk/idflow-liveness.js';
//   const { success, errorCode, attemptsLeft } = await start({
//     baseUrl: 'https://kyc.bank.example/kyc', accessToken, container: document.getElementById('kyc'),
//     locale: 'kk', onProgress: ({ stage, attemptsLeft }) => {} });
//
// The device never learns the verdict: `success` says only that an attempt passed. The bank's back end
// reads the result from GET /journal/session/{session_id}. docs/CLIENT-API.md, "Web SDK", says it all.

import { pickLocale, translator } from './i18n.js';
import {
  attemptsScreen, failedScreen, introScreen, livenessClient, passedScreen, recordingProblemScreen, runAttempt,
} from './camera.js';
import { h, screen, spinner } from './ui.js';

const STYLESHEET = new URL('./idflow-liveness.css', import.meta.url).href;
/** Where idflow is mounted when the caller does not say: the mount this file was loaded from. */
const OWN_BASE = new URL('..', import.meta.url).href.replace(/\/+$/, '');
const STYLESHEET_WAIT_MS = 3000;

/** The call drawing in each container: a new start() in the same container ends the one before. */
const running = new WeakMap();

/**
 * Runs the liveness session of {@code accessToken} in {@code container}: what to expect, the camera
 * preview in an oval, a prompt per action, the upload, a "try again" screen while attempts are left,
 * and every failure in words, in kk, ru or en.
 *
 * The Promise resolves once, when this call is over, with {success, errorCode, attemptsLeft}; it
 * rejects only for wrong arguments (a TypeError naming the argument). Over means: an attempt passed
 * ({success: true, errorCode: null}); no attempt is left ('no_attempts_left', or the last attempt's
 * error_code such as 'model_prediction'); the token is unknown or its session over ('expired'); a read
 * of the session found idflow unreachable ('network': offline, a wrong baseUrl, or this page's
 * origin not allowed by idflow's CORS setting, which a browser does not tell apart) or failing
 * ('unavailable'); the caller's {@code signal} aborted, or another start() took the container
 * ('cancelled'). What the person can put right is not over: a blocked, missing or busy camera, an
 * upload that did not get through, a recording the server could not use, a failed attempt with
 * another left each get words and a button, and onProgress hears of them.
 *
 * @param {object} options
 * @param {string} [options.baseUrl] where idflow is mounted, e.g. 'https://kyc.bank.example/kyc';
 *   by default the mount this file was loaded from
 * @param {string} options.accessToken the access_token of POST /liveness2/session
 * @param {Element} options.container the element to draw in (its content is replaced)
 * @param {string} [options.locale] 'kk', 'ru' or 'en'; by default the page's lang, else English
 * @param {function({stage: string, attemptsLeft: ?number, errorCode?: string})} [options.onProgress]
 *   stages: loading, ready, camera, capture, uploading, retry, error, done
 * @param {AbortSignal} [options.signal] aborting it turns the camera off and resolves 'cancelled'
 * @returns {Promise<{success: boolean, errorCode: ?string, attemptsLeft: ?number}>}
 */
export async function start(options) {
  const o = options || {};
  if (!(o.container instanceof Element)) {
    throw new TypeError('start: container must be an element of the page, e.g. document.getElementById(\'kyc\')');
  }
  if (typeof o.accessToken !== 'string' || !o.accessToken.trim()) {
    throw new TypeError('start: accessToken must be the access_token of POST /liveness2/session');
  }
  if (o.onProgress !== undefined && o.onProgress !== null && typeof o.onProgress !== 'function') {
    throw new TypeError('start: onProgress must be a function');
  }
  if (o.signal !== undefined && o.signal !== null && !(o.signal instanceof AbortSignal)) {
    throw new TypeError('start: signal must be an AbortSignal');
  }
  const baseUrl = checkedBaseUrl(o.baseUrl);
  const locale = pickLocale(o.locale || document.documentElement.lang || navigator.language);
  return new Session(o, baseUrl, locale).run();
}

function checkedBaseUrl(value) {
  if (value === undefined || value === null || value === '') return OWN_BASE;
  let url;
  try {
    url = new URL(String(value), document.baseURI);
  } catch (e) {
    throw new TypeError('start: baseUrl must be a URL such as https://kyc.bank.example/kyc, not ' + JSON.stringify(String(value)));
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash || url.username || url.password) {
    throw new TypeError('start: baseUrl must be an http(s) URL without query, fragment or credentials, not '
      + JSON.stringify(String(value)));
  }
  return url.href.replace(/\/+$/, '');
}

class Session {
  constructor(o, baseUrl, locale) {
    this.o = o;
    this.baseUrl = baseUrl;
    this.t = translator(locale, null);
    this.locale = locale;
    this.client = livenessClient(baseUrl, o.accessToken);
    this.attemptsLeft = null;
    this.pipeline = null;
    this.over = false;
  }

  run() {
    return new Promise((resolve) => {
      this.resolve = resolve;
      const before = running.get(this.o.container);
      if (before) before.cancel();
      running.set(this.o.container, this);
      if (this.o.signal) {
        if (this.o.signal.aborted) {
          this.cancel();
          return;
        }
        this.o.signal.addEventListener('abort', () => this.cancel(), { once: true });
      }
      this.mount().then(() => this.begin(true));
    });
  }

  /** Our own element in the container, with a shadow root: the bank's css and ours stay apart. */
  async mount() {
    this.host = h('div', { class: 'idflow-liveness', lang: this.locale });
    const root = this.host.attachShadow({ mode: 'open' });
    const sheet = h('link', { rel: 'stylesheet', href: STYLESHEET });
    this.view = h('div', { class: 'view' });
    root.append(sheet, this.view);
    if (this.over) return;
    this.o.container.replaceChildren(this.host);
    // nothing unstyled flashes by: the first screen waits for the stylesheet (briefly: no css is better than no screen)
    await Promise.race([
      new Promise((done) => {
        sheet.addEventListener('load', done, { once: true });
        sheet.addEventListener('error', done, { once: true });
      }),
      new Promise((done) => setTimeout(done, STYLESHEET_WAIT_MS)),
    ]);
  }

  show(section) {
    if (this.over) return;
    this.view.replaceChildren(section);
    // the heading takes the focus for screen readers, unless the person is busy elsewhere on the bank's page
    const active = document.activeElement;
    if (!active || active === document.body || active === this.host) {
      const heading = section.querySelector('h1');
      if (heading) heading.focus({ preventScroll: true });
    }
  }

  emit(stage, extra) {
    if (typeof this.o.onProgress !== 'function' || (this.over && stage !== 'done')) return;
    try {
      this.o.onProgress({ stage, attemptsLeft: this.attemptsLeft, ...(extra || {}) });
    } catch (e) {
      // the bank's callback failing must not stop the person's session; the console still shows it
      setTimeout(() => { throw e; });
    }
  }

  /** Ends the call with the screen {@code section} left in place. */
  end(section, success, errorCode) {
    if (this.over) return;
    if (section) this.show(section);
    this.over = true;
    if (running.get(this.o.container) === this) running.delete(this.o.container);
    const result = { success, errorCode: errorCode || null, attemptsLeft: this.attemptsLeft };
    this.emit('done', { success, errorCode: result.errorCode });
    this.resolve(result);
  }

  cancel() {
    if (this.over) return;
    this.end(null, false, 'cancelled');
    if (this.host) this.host.remove();
  }

  /** Reads the session, then shows what to expect ({@code intro}) or goes straight to the camera. */
  async begin(intro) {
    if (this.over) return;
    const t = this.t;
    this.show(h('section', { class: 'screen screen-progress', 'data-screen': 'loading' },
      spinner(), h('p', { class: 'text' }, t('app.loading'))));
    this.emit('loading');
    let session;
    try {
      session = await this.client.session();
    } catch (e) {
      this.unreachable(e);
      return;
    }
    if (this.over) return;
    this.attemptsLeft = Number.isInteger(session.attempts_left) ? session.attempts_left : null;
    this.pipeline = Array.isArray(session.pipeline) ? session.pipeline : null;
    if (!(this.attemptsLeft > 0)) {
      this.noAttempts(null);
      return;
    }
    if (intro) {
      this.show(introScreen(t, () => this.attempt()));
      this.emit('ready');
    } else {
      this.attempt();
    }
  }

  attempt() {
    const t = this.t;
    runAttempt({
      t,
      baseUrl: this.baseUrl,
      accessToken: this.o.accessToken,
      pipeline: this.pipeline,
      show: (section) => this.show(section),
      onStage: (stage, extra) => this.emit(stage, extra),
      stopped: () => this.over,
      onAnswer: (answer) => this.judged(answer),
      onRecordingProblem: () => {
        // the server may have used the attempt (a 422): the session is read again before recording again
        this.show(recordingProblemScreen(t, () => this.begin(false)));
        this.emit('error', { errorCode: 'recording_failed' });
      },
      onRefused: (e) => this.refused(e),
    }).catch(() => {
      // a failure of the browser itself mid-attempt: words and a new recording, never a dead screen
      if (!this.over) this.show(recordingProblemScreen(t, () => this.begin(false)));
    });
  }

  judged(answer) {
    const t = this.t;
    this.attemptsLeft = Number.isInteger(answer.attempts_left) ? answer.attempts_left : 0;
    if (answer.success) {
      this.end(passedScreen(t, t('sdk.passed_text')), true, null);
      return;
    }
    const errorCode = typeof answer.error_code === 'string' && answer.error_code ? answer.error_code : null;
    if (errorCode === 'timeout') {
      // the attempt came after the token's expiry: the session is over whatever attempts it had
      this.expired();
      return;
    }
    if (this.attemptsLeft > 0) {
      this.show(failedScreen(t, { errorCode, attemptsLeft: this.attemptsLeft, onRetry: () => this.attempt() }));
      this.emit('retry', { errorCode });
      return;
    }
    this.noAttempts(errorCode);
  }

  refused(e) {
    if (e.status === 401 || (e.status === 409 && e.code === 'FLOW_ENDED')) {
      this.expired();
    } else if (e.status === 409) {
      this.noAttempts(null);
    } else {
      // another refusal of the upload (too large, malformed): what the server could not use
      this.show(recordingProblemScreen(this.t, () => this.begin(false)));
      this.emit('error', { errorCode: 'recording_failed' });
    }
  }

  noAttempts(errorCode) {
    this.attemptsLeft = 0;
    this.end(attemptsScreen(this.t, { errorCode, text: this.t('sdk.attempts_text') }), false, errorCode || 'no_attempts_left');
  }

  expired() {
    const t = this.t;
    this.attemptsLeft = 0;
    this.end(screen({ id: 'expired', icon: 'clock', tone: 'warn', heading: t('sdk.expired'), texts: [t('sdk.expired_text')] }),
      false, 'expired');
  }

  /** A read of the session got no usable answer: the bank's page decides what next (start() again). */
  unreachable(e) {
    const t = this.t;
    if (e.status === 401) {
      this.expired();
    } else if (e.status === 0) {
      this.end(screen({ id: 'network', icon: 'wifiOff', tone: 'warn', heading: t('err.network'), texts: [t('err.network_text')] }),
        false, 'network');
    } else if (e.status === 429) {
      this.end(screen({ id: 'busy', icon: 'clock', tone: 'warn', heading: t('err.busy'), texts: [t('err.busy_text')] }),
        false, 'unavailable');
    } else {
      this.end(screen({ id: 'error', icon: 'alert', tone: 'bad', heading: t('err.generic'), texts: [t('err.generic_text')] }),
        false, 'unavailable');
    }
  }
}
