// The console API (api/… beside this page), as the page calls it: JSON in and out, the operator's
// CSRF token on every change, refreshed once and retried when the server refuses it.

let csrfToken = null;

/** A refusal of the API: its status, error_code, field and message. */
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || ('HTTP ' + status));
    this.status = status;
    this.code = (body && body.error_code) || null;
    this.field = (body && body.field) || null;
  }
}

async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    headers['X-Idflow-Csrf'] = csrfToken || '';
    if (body !== undefined) headers['Content-Type'] = 'application/json';
  }
  let response;
  try {
    response = await fetch('api/' + path, {
      method, headers, credentials: 'same-origin', cache: 'no-store', redirect: 'error',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, { error_code: 'NETWORK', message: String(e && e.message || e) });
  }
  const type = response.headers.get('Content-Type') || '';
  const json = type.includes('json') ? await response.json().catch(() => null) : null;
  if (response.status === 401) reauthenticate();
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

/**
 * The operator's login ended (401): load the shell again, so that the host's own login (a form, HTTP Basic) takes
 * over. At most once a minute, so a host whose page and API disagree shows the error instead of reloading forever.
 */
function reauthenticate() {
  const key = 'idflow.console.reauth';
  const last = Number(sessionStorage.getItem(key) || 0);
  if (Date.now() - last < 60000) return;
  sessionStorage.setItem(key, String(Date.now()));
  window.location.reload();
}

/** Who the operator is and the consumers granted; keeps the CSRF token for the changes. */
export async function session() {
  const s = await request('GET', 'session');
  csrfToken = s.csrf_token;
  return s;
}

export function get(path) {
  return request('GET', path);
}

/** A change (POST, DELETE): on CSRF_REFUSED the token is taken again once and the change retried. */
export async function change(method, path, body) {
  try {
    return await request(method, path, body);
  } catch (e) {
    if (!(e instanceof ApiError) || e.code !== 'CSRF_REFUSED') throw e;
    await session();
    return request(method, path, body);
  }
}

/** The URL of a file of the API (its href, relative to the API root; files/<id> before there were hrefs). */
export function fileUrl(file, download) {
  const href = file.href || ('files/' + encodeURIComponent(file.file_id));
  return 'api/' + href + (download ? (href.includes('?') ? '&' : '?') + 'download=1' : '');
}

/** path segments %-encoded and joined: seg('consumers', c, 'flows'). */
export function seg(...parts) {
  return parts.map((p) => encodeURIComponent(p)).join('/');
}

/** A query string of the non-empty values ('' when none). */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? '?' + s : '';
}
