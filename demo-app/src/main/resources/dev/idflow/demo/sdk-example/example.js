// The web SDK's example page (idflow demo): it creates nothing. The developer pastes an access_token
// (or opens the page with #token=…&locale=…) and start() runs the session; the page shows what it
// resolves with and every onProgress event. Served beside the SDK: {mount}/sdk/example.

import { start } from '../idflow-liveness.js';

const mount = new URL('../../', import.meta.url).href.replace(/\/+$/, '');
const form = document.getElementById('form');
const tokenInput = document.getElementById('token');
const localeSelect = document.getElementById('locale');
const result = document.getElementById('result');
const progress = document.getElementById('progress');
let controller = null;

// what a bank's own page needs: one import, one call
document.getElementById('code').textContent = `import { start } from '${mount}/sdk/idflow-liveness.js';

const { success, errorCode, attemptsLeft } = await start({
  baseUrl: '${mount}',
  accessToken,                      // from your back end's POST /liveness2/session
  container: document.getElementById('kyc'),
  locale: 'kk',                     // kk | ru | en
  onProgress: ({ stage, attemptsLeft }) => { /* loading, ready, camera, capture, uploading, retry, error, done */ },
});`;

const key = '<your test API key>';
document.getElementById('curl-session').textContent = `curl -s -X POST ${mount}/liveness2/session \\
  -H 'X-Verigram-Api-Key: ${key}' -H 'X-Verigram-Api-Version: 2' \\
  -H 'Content-Type: application/json' -d '{"person_id":"demo-person-1","max_retries":1}'`;
document.getElementById('curl-mockery').textContent = `curl -s -X POST ${mount}/mockery/result \\
  -H 'X-Verigram-Api-Key: ${key}' -H 'X-Verigram-Api-Version: 2' \\
  -H 'Content-Type: application/json' \\
  -d '{"person_id":"demo-person-1","result":{"service_name":"verilive","service_status":"real"}}'`;
document.getElementById('curl-journal').textContent = `curl -s ${mount}/journal/session/<session_id> \\
  -H 'X-Verigram-Api-Key: ${key}' -H 'X-Verigram-Api-Version: 2'`;

async function run(accessToken, locale) {
  if (controller) controller.abort(); // a new run takes the box: the one before turns its camera off
  controller = new AbortController();
  result.textContent = '(running…)';
  progress.replaceChildren();
  const outcome = await start({
    baseUrl: mount,
    accessToken,
    container: document.getElementById('kyc'),
    locale,
    signal: controller.signal,
    onProgress: (event) => {
      const li = document.createElement('li');
      li.textContent = JSON.stringify(event);
      progress.append(li);
    },
  }).catch((e) => ({ rejected: e.name + ': ' + e.message }));
  result.textContent = JSON.stringify(outcome, null, 2);
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  run(tokenInput.value.trim(), localeSelect.value);
});

// #token=…&locale=…: run at once, and take the token out of the address bar (and so out of the history)
const given = new URLSearchParams(location.hash.slice(1));
if (given.get('token')) {
  tokenInput.value = given.get('token');
  if (['kk', 'ru', 'en'].includes(given.get('locale'))) localeSelect.value = given.get('locale');
  history.replaceState(null, '', location.pathname + location.search);
  run(tokenInput.value.trim(), localeSelect.value);
}
