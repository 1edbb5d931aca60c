// The camera step: the preview, the oval, a prompt per action, the capture, the upload to the
// liveness client API (docs/CLIENT-API.md, "Liveness"), and the words for every way it can go wrong.
// One module for the hosted page (app.js) and the web SDK (sdk/idflow-liveness.js): it knows no page,
// no vlink and no global state. What it needs comes in as arguments (where to draw, the words, the
// server, the access token) and what happens goes out through callbacks. Plain ES module, no external
// request: it calls only {baseUrl}/liveness2/client/…, with the token in the Authorization header.

import { button, h, screen, spinner } from './ui.js';

export const POSITION_MS = 1600;   // "place your face in the oval" before the first action
export const ACTION_MS = 2000;     // each action of the pipeline

const ACTION_GLYPHS = { 'turn-left': '←', 'turn-right': '→', 'tilt-up': '↑', 'tilt-down': '↓' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => new Date().toISOString();

export const isMobile = () => (navigator.userAgentData && typeof navigator.userAgentData.mobile === 'boolean')
  ? navigator.userAgentData.mobile
  : /Android|iPhone|iPad|iPod|Mobi/i.test(navigator.userAgent);

// ---------------------------------------------------------------- the liveness client API

/**
 * A refusal or a failure of the liveness client API. {@code status} is the HTTP status, or 0 when no
 * answer came (offline, the server down, or the browser refusing a cross-origin answer: a page
 * cannot tell these apart); {@code code} the answer's error_code.
 */
export class LivenessError extends Error {
  constructor(status, code, retryAfter) {
    super(status ? 'HTTP ' + status : 'network');
    this.status = status;
    this.code = code || '';
    this.retryAfter = retryAfter || null;
  }
}

/**
 * The two calls of a device holding an access token: GET …/session and POST …/attempts. The token goes
 * in the Authorization header only (never in a URL, so no log or Referer carries it) and no cookie
 * goes with it: the token is the whole credential, also when the page is on another origin (CORS).
 */
export function livenessClient(baseUrl, accessToken) {
  const root = String(baseUrl || '').replace(/\/+$/, '') + '/liveness2/client';
  async function call(method, path, body) {
    let res;
    try {
      res = await fetch(root + path, {
        method,
        headers: { Accept: 'application/json', Authorization: 'Bearer ' + accessToken },
        body,
        cache: 'no-store',
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
    } catch (e) {
      throw new LivenessError(0, 'network');
    }
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    if (!res.ok) {
      throw new LivenessError(res.status, data && typeof data.error_code === 'string' ? data.error_code : '',
        res.headers.get('Retry-After'));
    }
    if (data === null || typeof data !== 'object') throw new LivenessError(0, 'incomplete answer');
    return data;
  }
  return {
    /** {session_id, pipeline, attempts_left, expires_at} */
    session: () => call('GET', '/session'),
    /** {success, error_code?, attempts_left} */
    attempt: (form) => call('POST', '/attempts', form),
  };
}

// ---------------------------------------------------------------- the screens, with their words

function actionText(t, action) {
  const key = 'action.' + action;
  const text = t(key);
  return text === key ? t('action.unknown') : text;
}

/** The words for an attempt's error_code, or null for a code without words of its own. */
export function reasonText(t, errorCode) {
  const key = 'reason.' + (errorCode || '');
  return errorCode && t(key) !== key ? t(key) : null;
}

/** What to expect, and the button that turns the camera on. */
export function introScreen(t, onBegin) {
  return screen({
    id: 'live-intro', icon: 'face', heading: t('live.heading'), texts: [t('live.intro')],
    content: [h('ul', { class: 'tips' },
      h('li', null, t('live.tip_light')), h('li', null, t('live.tip_glasses')), h('li', null, t('live.tip_alone')))],
    actions: [button(t('live.begin'), onBegin, 'primary', { id: 'live-begin' })],
  });
}

/**
 * What the camera's refusal means for the person, by the error's name (getUserMedia's DOMException,
 * or 'unsupported' when the browser has no camera API): {id, code, heading, text}.
 */
export function cameraProblem(t, name) {
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') {
    return { id: 'camera-denied', code: 'camera_denied', heading: t('err.camera_denied'), text: t('err.camera_denied_text') };
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') {
    return { id: 'no-camera', code: 'no_camera', heading: t('err.no_camera'), text: t('err.no_camera_text') };
  }
  if (name === 'unsupported') {
    return { id: 'camera-unsupported', code: 'camera_unsupported', heading: t('err.camera_unsupported'), text: t('err.camera_unsupported_text') };
  }
  return { id: 'camera-busy', code: 'camera_busy', heading: t('err.camera_busy'), text: t('err.camera_busy_text') };
}

function cameraFailureScreen(t, problem, onRetry) {
  return screen({
    id: problem.id, icon: 'cameraOff', tone: 'warn', heading: problem.heading, texts: [problem.text],
    actions: [button(t('common.retry'), onRetry, 'primary', { id: 'retry' })],
  });
}

/** Nothing usable was recorded, or the server could not use the recording (which used its attempt). */
export function recordingProblemScreen(t, onRetry) {
  return screen({
    id: 'recording-failed', icon: 'alert', tone: 'warn', heading: t('err.recording'), texts: [t('err.recording_text')],
    actions: [button(t('common.retry'), onRetry, 'primary', { id: 'retry' })],
  });
}

export function uploadingScreen(t) {
  return screen({ id: 'uploading', heading: t('live.uploading'), content: [spinner()], cls: 'screen-progress' });
}

export function passedScreen(t, text) {
  return screen({ id: 'live-passed', icon: 'check', tone: 'ok', heading: t('live.passed'), texts: [text] });
}

/** A failed attempt with another to come: why (when the server said), what to do, how many are left. */
export function failedScreen(t, { errorCode, attemptsLeft, onRetry }) {
  return screen({
    id: 'live-failed', icon: 'cross', tone: 'bad', heading: t('live.failed'),
    texts: [reasonText(t, errorCode), t('live.failed_text'), attemptsLeft ? t('live.attempts_left', { n: attemptsLeft }) : null],
    actions: [button(t('common.retry'), onRetry, 'primary', { id: 'try-again' })],
  });
}

/** No attempt is left: why the last one failed (when the server said) and {@code text}. */
export function attemptsScreen(t, { errorCode, text, actions = [] }) {
  return screen({
    id: 'attempts', icon: 'cross', tone: 'bad', heading: t('err.attempts'), texts: [reasonText(t, errorCode), text], actions,
  });
}

// ---------------------------------------------------------------- capture

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
    };
  } catch (e) {
    return null; // the video is optional; frames are what counts
  }
}

/** The longest side of a frame sent: 640 (640 × 480 from a 4:3 or 16:9 camera; docs/CLIENT-API.md). */
export const FRAME_SIDE = 640;
/** The most frames one attempt sends (the server takes 40). */
export const MAX_FRAMES = 40;

/**
 * Draws the video's current picture, at most {@link FRAME_SIDE} on its longest side, and encodes it as a
 * JPEG. The time is taken when the picture is drawn (its {@code taken_at}); the encoding runs after,
 * from a copy, so the next frame can be drawn at once.
 */
function captureFrame(video, canvas) {
  const w = video.videoWidth;
  const hgt = video.videoHeight;
  if (!w || !hgt) return null;
  const scale = Math.min(1, FRAME_SIDE / Math.max(w, hgt));
  canvas.width = Math.round(w * scale);
  canvas.height = Math.round(hgt * scale);
  const takenAt = now();
  canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
  const blob = new Promise((resolve) => canvas.toBlob((b) => resolve(b), 'image/jpeg', 0.85));
  return { takenAt, blob };
}

/**
 * When, within an action of {@code ms} milliseconds, its frames are taken (ms from its start): the face
 * analysis compares them with the frame taken before the action. Most actions are held, so three frames
 * from the middle to the end see them; a blink lasts a fifth of a second, so a blink is watched every
 * 120 ms; a shake swings both ways, so it is watched every 250 ms. {@code most} caps an action's frames.
 */
export function frameTimes(action, ms, most) {
  let at;
  if (action === 'blink') {
    at = [];
    for (let t = ms * 0.15; t <= ms * 0.95; t += 120) at.push(Math.round(t));
  } else if (action === 'shake') {
    at = [];
    for (let t = ms * 0.15; t <= ms * 0.95; t += 250) at.push(Math.round(t));
  } else {
    at = [0.4, 0.65, 0.9].map((f) => Math.round(ms * f));
  }
  if (at.length <= most) return at;
  // evenly thinned, the first and the last kept
  const kept = [];
  for (let i = 0; i < most; i += 1) kept.push(at[Math.round((i * (at.length - 1)) / Math.max(1, most - 1))]);
  return kept;
}

function waitForVideo(video) {
  if (video.videoWidth) return Promise.resolve();
  return Promise.race([
    new Promise((resolve) => video.addEventListener('loadeddata', () => resolve(), { once: true })),
    sleep(6000),
  ]);
}

/** The session's actions, one after another: each group of the pipeline, flattened. */
function actionsOf(groups) {
  return (Array.isArray(groups) ? groups : [])
    .flatMap((g) => (Array.isArray(g) ? g : [g])).filter((a) => typeof a === 'string' && a);
}

function attemptForm(metadata, frames, videoBlob) {
  const form = new FormData();
  form.append('metadata', JSON.stringify(metadata));
  frames.forEach((f, i) => form.append('frame', f, 'frame-' + (i + 1) + '.jpg'));
  if (videoBlob) form.append('video', videoBlob, videoBlob.type === 'video/mp4' ? 'attempt.mp4' : 'attempt.webm');
  return form;
}

// ---------------------------------------------------------------- one attempt

/**
 * One camera attempt, from turning the camera on to the server's answer.
 *
 * What the person can put right here gets its words and a button, and the attempt goes on from there:
 * the camera blocked, missing, busy or unsupported ("Try again" turns it on again), an upload that did
 * not reach the server or found it busy ("Send again" sends the same recording: no new recording, and
 * no attempt used when none arrived). Everything else is handed on:
 *
 * - {@code onAnswer(answer)}: the server judged the attempt, {success, error_code, attempts_left};
 * - {@code onRecordingProblem()}: nothing usable was recorded, or the server refused the upload as bad
 *   input (422, which used its attempt);
 * - {@code onRefused(error)}: the server refused the attempt without judging it, a {@link LivenessError}
 *   (401: the token is unknown or replaced; 409: NO_ATTEMPTS_LEFT or FLOW_ENDED).
 *
 * @param {object} o
 * @param {function(string, object=): string} o.t the words (i18n.js's translator)
 * @param {string} o.baseUrl where idflow is mounted ('' for this page's origin and mount)
 * @param {string} o.accessToken the session's access token
 * @param {Array} [o.pipeline] the session's action groups; read from the session when absent
 * @param {function(Element)} o.show puts a screen in place of the one before
 * @param {function(string, object=)} [o.onStage] told 'camera', 'capture', 'uploading' and, with
 *   {errorCode}, 'error' when a screen above asks the person to put something right
 * @param {function(): boolean} [o.stopped] true once whoever started the attempt has gone away: the
 *   camera is turned off and nothing more is shown or sent
 */
export async function runAttempt(o) {
  const { t, show } = o;
  const stage = (name, extra) => { if (o.onStage) o.onStage(name, extra || {}); };
  const stopped = () => Boolean(o.stopped && o.stopped());
  const again = () => runAttempt(o);
  const refuse = (problem) => {
    show(cameraFailureScreen(t, problem, again));
    stage('error', { errorCode: problem.code });
  };
  if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== 'function') {
    refuse(cameraProblem(t, 'unsupported'));
    return;
  }
  stage('camera');
  const video = h('video', { autoplay: true, muted: true, playsinline: true, 'aria-label': t('live.camera_preview') });
  video.muted = true;
  const prompt = h('p', { class: 'prompt', id: 'prompt', 'aria-live': 'assertive' }, t('live.camera_starting'));
  const glyph = h('div', { class: 'glyph', 'aria-hidden': 'true' });
  const bar = h('progress', { max: '1000', value: '0', id: 'live-progress', 'aria-label': t('live.heading') });
  const counter = h('p', { class: 'counter', id: 'counter' });
  const stageEl = h('div', { class: 'stage' }, video, h('div', { class: 'oval', 'aria-hidden': 'true' }), glyph);
  const section = h('section', { class: 'screen screen-capture', 'data-screen': 'live-capture' },
    h('h1', { tabindex: '-1', class: 'visually-hidden' }, t('live.heading')), stageEl, prompt, bar, counter);
  show(section);

  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: 'user', width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false,
    });
  } catch (e) {
    if (!stopped()) refuse(cameraProblem(t, e && e.name));
    return;
  }
  const stopCamera = () => stream.getTracks().forEach((track) => track.stop());
  if (stopped()) {
    stopCamera();
    return;
  }
  video.srcObject = stream;
  try {
    await video.play();
  } catch (e) {
    // autoplay of a muted stream is allowed; if the browser still refuses, frames below tell
  }
  await waitForVideo(video);

  let groups = Array.isArray(o.pipeline) ? o.pipeline : null;
  if (!groups) {
    try {
      groups = (await livenessClient(o.baseUrl, o.accessToken).session()).pipeline;
    } catch (e) {
      groups = null;
    }
  }
  const actions = actionsOf(groups);
  if (!actions.length) actions.push('turn-straight');
  const track = stream.getVideoTracks()[0];
  const cameraLabel = track ? track.label : '';
  const canvas = document.createElement('canvas');
  const shots = [];
  const grab = () => {
    const shot = captureFrame(video, canvas);
    if (shot) shots.push(shot);
  };
  // one frame before the actions, each action's own, one after the last: at most MAX_FRAMES
  const perAction = Math.max(2, Math.floor((MAX_FRAMES - 2) / actions.length));

  stage('capture');
  const total = POSITION_MS + actions.length * ACTION_MS;
  const t0 = performance.now();
  const tick = setInterval(() => {
    bar.value = Math.min(1000, Math.round(((performance.now() - t0) / total) * 1000));
  }, 100);

  const recorder = startRecorder(stream);
  const startedAt = now();
  const done = [];
  try {
    stageEl.classList.add('is-positioning');
    prompt.textContent = t('live.position');
    counter.textContent = '';
    await sleep(POSITION_MS - 400);
    grab(); // the face straight on, before any movement: where every action starts from
    await sleep(400);
    stageEl.classList.remove('is-positioning');
    for (let i = 0; i < actions.length && !stopped(); i += 1) {
      const action = actions[i];
      const actionStart = now();
      const t1 = performance.now();
      prompt.textContent = actionText(t, action);
      glyph.textContent = ACTION_GLYPHS[action] || '';
      counter.textContent = t('live.action_of', { n: i + 1, total: actions.length });
      stageEl.classList.add('is-acting');
      for (const at of frameTimes(action, ACTION_MS, perAction)) {
        await sleep(Math.max(0, at - (performance.now() - t1)));
        grab();
      }
      await sleep(Math.max(0, ACTION_MS - (performance.now() - t1)));
      done.push({ action, started_at: actionStart, ended_at: now() });
      stageEl.classList.remove('is-acting');
      glyph.textContent = '';
    }
    await sleep(300);
    grab(); // after the last action: how it ended
  } finally {
    clearInterval(tick);
  }
  const blobs = await Promise.all(shots.map((s) => s.blob));
  const frames = [];
  const frameTimesSent = [];
  blobs.forEach((b, i) => {
    if (b && frames.length < MAX_FRAMES) {
      frames.push(b);
      frameTimesSent.push({ taken_at: shots[i].takenAt });
    }
  });
  const endedAt = now();
  bar.value = 1000;
  const videoBlob = recorder ? await recorder.finish() : null;
  stopCamera();
  if (stopped()) return;

  if (!frames.length) {
    o.onRecordingProblem();
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
    frames: frameTimesSent,
    bestframe_index: 0,
    screen: { width: window.screen.width, height: window.screen.height },
  };
  await upload(o, metadata, frames, videoBlob);
}

async function upload(o, metadata, frames, videoBlob) {
  const { t, show } = o;
  show(uploadingScreen(t));
  if (o.onStage) o.onStage('uploading', {});
  let answer;
  try {
    answer = await livenessClient(o.baseUrl, o.accessToken).attempt(attemptForm(metadata, frames, videoBlob));
  } catch (e) {
    if (o.stopped && o.stopped()) return;
    if (e.status === 0 || e.status >= 500 || e.status === 429) {
      // the recording is kept: sending it again costs no new recording
      const words = e.status === 0 ? [t('err.network'), t('err.upload_network_text'), 'network']
        : (e.status === 429 ? [t('err.busy'), t('err.busy_text'), 'busy'] : [t('err.generic'), t('err.generic_text'), 'server_error']);
      show(screen({
        id: 'upload-failed', icon: 'wifiOff', tone: 'warn', heading: words[0], texts: [words[1]],
        actions: [button(t('common.send_again'), () => upload(o, metadata, frames, videoBlob), 'primary', { id: 'send-again' })],
      }));
      if (o.onStage) o.onStage('error', { errorCode: words[2] });
      return;
    }
    if (e.status === 422) {
      o.onRecordingProblem();
      return;
    }
    o.onRefused(e);
    return;
  }
  if (o.stopped && o.stopped()) return;
  o.onAnswer(answer);
}
