// The flows list (filters, keyset paging) and a flow's page (timeline, sessions with their results,
// review, resume, media and files).

import * as api from './api.js';
import { h, clear, code, word, dl, field, select, time, bytes } from './dom.js';
import { t } from './i18n.js';

const FILTERS = ['status', 'end_cause', 'created_from', 'created_before', 'person_id', 'test'];
const DOCUMENT_LABELS = ['doc_original_front_img', 'doc_original_back_img', 'doc_original_img'];
let lastList = '#/flows';

/** 'YYYY-MM-DD' → the instant that day begins (UTC). */
function dayStart(d) {
  return d ? d + 'T00:00:00Z' : '';
}

function filtersForm(ctx, f) {
  const any = ['', t('common.any')];
  const form = h('form', { id: 'filters', class: 'panel filters', role: 'search', 'aria-label': t('flows.filters') },
    field(t('flows.f_status'), select('f-status',
      [any, ...['pass', 'fail', 'unknown'].map((v) => [v, t('status.' + v)])], f.status)),
    field(t('flows.f_end_cause'), select('f-end-cause',
      [any, ...['completed', 'failed', 'timeout', 'disconnected'].map((v) => [v, t('end_cause.' + v)])], f.end_cause)),
    field(t('flows.f_created_from'), h('input', { type: 'date', id: 'f-created-from', value: f.created_from,
      'aria-describedby': 'f-created-from-hint' }), t('flows.hint_from')),
    field(t('flows.f_created_before'), h('input', { type: 'date', id: 'f-created-before', value: f.created_before,
      'aria-describedby': 'f-created-before-hint' }), t('flows.hint_before')),
    field(t('flows.f_person_id'), h('input', { type: 'text', id: 'f-person-id', value: f.person_id,
      maxlength: 255, autocomplete: 'off', spellcheck: 'false' })),
    field(t('flows.f_test'), select('f-test',
      [['', t('flows.test_both')], ['true', t('flows.test_only')], ['false', t('flows.live_only')]], f.test)),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', id: 'apply-filters', class: 'btn btn-primary' }, t('flows.apply')),
      h('button', { type: 'button', id: 'reset-filters', class: 'btn btn-secondary',
        onclick: () => ctx.go('#/flows') }, t('flows.reset'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = (id) => form.querySelector('#' + id).value.trim();
    ctx.go('#/flows' + api.query({
      status: v('f-status'), end_cause: v('f-end-cause'), created_from: v('f-created-from'),
      created_before: v('f-created-before'), person_id: v('f-person-id'), test: v('f-test'),
    }));
  });
  return form;
}

function flowRow(f) {
  return h('tr', { 'data-flow-id': f.flow_id },
    h('td', {}, time(f.created_at)),
    h('td', {}, h('a', { href: '#/flows/' + encodeURIComponent(f.flow_id), class: 'flow-link mono' }, f.flow_id)),
    h('td', { class: 'mono' }, f.person_id || '—'),
    h('td', {}, word(f.flow_status, 'status')),
    h('td', {}, word(f.end_cause, 'end_cause')),
    h('td', { class: 'mono' }, f.current_step_id || '—'),
    h('td', {}, f.test ? t('flows.kind_test') : t('flows.kind_live')),
    h('td', {}, f.edited ? t('common.yes') : t('common.no')));
}

export async function flowsView(main, ctx, params, id) {
  const f = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) || '']));
  lastList = location.hash || '#/flows';
  const tbody = h('tbody', {});
  const table = h('table', { id: 'flows-table', class: 'grid' },
    h('caption', { class: 'sr-only' }, t('flows.caption')),
    h('thead', {}, h('tr', {}, [t('flows.col_created'), t('flows.col_flow'), t('flows.col_person'),
      t('flows.col_status'), t('flows.col_end_cause'), t('flows.col_step'), t('flows.col_kind'),
      t('flows.col_edited')].map((c) => h('th', { scope: 'col' }, c)))),
    tbody);
  const empty = h('p', { id: 'flows-empty', class: 'empty', hidden: true }, t('flows.empty'));
  const wrap = h('div', { class: 'table-wrap' }, table);
  const pageNo = h('span', { class: 'page-no', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', id: 'prev-page', class: 'btn btn-secondary' }, t('common.prev_page'));
  const next = h('button', { type: 'button', id: 'next-page', class: 'btn btn-secondary' }, t('common.next_page'));
  main.append(h('h1', {}, t('flows.heading')), filtersForm(ctx, f),
    wrap, empty, h('div', { class: 'pager' }, prev, pageNo, next));

  const cursors = [null];
  let nextCursor = null;
  async function load() {
    const cursor = cursors[cursors.length - 1];
    const q = {
      status: f.status, end_cause: f.end_cause, created_from: dayStart(f.created_from),
      created_before: dayStart(f.created_before), person_id: f.person_id, test: f.test, limit: 50,
      cursor,
    };
    const page = await api.get(api.seg('consumers', ctx.consumer, 'flows') + api.query(q));
    if (!ctx.current(id)) return;
    clear(tbody);
    page.flows.forEach((row) => tbody.append(flowRow(row)));
    nextCursor = page.next_cursor;
    wrap.hidden = page.flows.length === 0;
    empty.hidden = page.flows.length !== 0;
    next.hidden = !nextCursor;
    next.disabled = !nextCursor;
    prev.hidden = cursors.length === 1;
    pageNo.textContent = cursors.length > 1 || nextCursor ? t('common.page_n', { n: cursors.length }) : '';
  }
  next.addEventListener('click', () => {
    if (!nextCursor) return;
    cursors.push(nextCursor);
    load().catch((e) => ctx.error(e));
  });
  prev.addEventListener('click', () => {
    if (cursors.length > 1) cursors.pop();
    load().catch((e) => ctx.error(e));
  });
  prev.hidden = true;
  next.hidden = true;
  await load();
}

// ---------------------------------------------------------------- a flow

function timeline(events) {
  return h('ol', { id: 'timeline', class: 'timeline' }, events.map((e) => h('li', { 'data-kind': e.kind },
    time(e.at), ' ',
    h('span', { class: 'event' }, t('event.' + e.kind)),
    e.service_name ? h('span', { class: 'mono muted' }, ' · ' + e.service_name) : null,
    e.end_cause ? h('span', { class: 'muted' }, ' · ' + t('end_cause.' + e.end_cause)) : null)));
}

function media(files) {
  const out = [];
  for (const f of files) {
    const url = api.fileUrl(f, false);
    if (f.label === 'bestframe') {
      out.push(h('figure', {}, h('img', { class: 'best-frame', src: url, alt: t('flow.best_frame') }),
        h('figcaption', {}, t('flow.best_frame'))));
    } else if (f.label === 'liveness_video') {
      out.push(h('figure', {}, h('video', { class: 'liveness-video', src: url, controls: true, preload: 'metadata',
        'aria-label': t('flow.video') }), h('figcaption', {}, t('flow.video'))));
    } else if (DOCUMENT_LABELS.includes(f.label)
      || (f.content_type && f.content_type.startsWith('image/') && !['liveness_frames'].includes(f.label))) {
      out.push(h('figure', {}, h('img', { class: 'document-page', src: url, alt: t('flow.document_page') + ' ' + f.label }),
        h('figcaption', {}, t('flow.document_page') + ' · ', h('span', { class: 'mono' }, f.label))));
    }
  }
  return out.length ? h('div', { class: 'media' }, out) : null;
}

function fileList(files) {
  if (!files.length) return h('p', { class: 'muted' }, t('flow.no_files'));
  return h('ul', { class: 'files' }, files.map((f) => h('li', {},
    h('a', { class: 'file-download', href: api.fileUrl(f, true), download: '' }, f.label),
    f.content_type ? h('span', { class: 'muted' }, ' · ', h('span', { class: 'mono' }, f.content_type)) : null,
    f.size !== undefined ? h('span', { class: 'muted' }, ' · ' + bytes(f.size)) : null)));
}

function reviewControls(ctx, s, reload) {
  const reasonId = 'reason-' + s.session_id;
  const reason = h('textarea', { id: reasonId, class: 'review-reason', rows: 2, maxlength: 1000, required: true });
  const send = (outcome) => async () => {
    try {
      ctx.clearMessages();
      await api.change('POST', api.seg('sessions', s.session_id, 'review'), { outcome, reason: reason.value });
      await reload(t(outcome === 'pass' ? 'flow.approved' : 'flow.denied'));
    } catch (e) {
      ctx.error(e);
    }
  };
  return h('div', { class: 'review' },
    h('h3', {}, t('flow.review')),
    h('label', { for: reasonId }, t('flow.review_reason')), reason,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn btn-primary approve', onclick: send('pass') }, t('flow.approve')),
      h('button', { type: 'button', class: 'btn btn-danger deny', onclick: send('fail') }, t('flow.deny'))));
}

function resumeControls(ctx, s, reload) {
  const send = (outcome) => async () => {
    try {
      ctx.clearMessages();
      await api.change('POST', api.seg('sessions', s.session_id, 'resume'), { outcome });
      await reload(t('flow.resumed'));
    } catch (e) {
      ctx.error(e);
    }
  };
  return h('div', { class: 'resume' },
    h('h3', {}, t('flow.resume')),
    h('p', { class: 'muted' }, t('flow.resume_text')),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn btn-primary resume-pass', onclick: send('pass') }, t('flow.resume_pass')),
      h('button', { type: 'button', class: 'btn btn-danger resume-fail', onclick: send('fail') }, t('flow.resume_fail'))));
}

function sessionSection(ctx, detail, s, reload) {
  const files = detail.files.filter((f) => f.session_id === s.session_id);
  const ended = !!detail.flow.ended_at;
  const waiting = s.service_name === 'interrupter' && !ended && (s.state === 'created' || s.state === 'processing');
  const reviewable = s.state === 'processed' || s.state === 'reviewed';
  const codes = s.error_codes || [];
  return h('section', { class: 'panel session', 'data-session-id': s.session_id, 'aria-labelledby': 'h-' + s.session_id },
    h('h2', { id: 'h-' + s.session_id }, s.step_id + ' · ', h('span', { class: 'mono' }, s.service_name)),
    dl([
      [t('flow.session_id'), h('span', { class: 'mono' }, s.session_id)],
      [t('flow.session_status'), code(s.status, 'status', { class: 'badge badge-' + s.status + ' session-status' })],
      [t('flow.session_state'), code(s.state, 'state', { class: 'badge session-state' })],
      [t('flow.error_codes'), h('span', { class: 'error-codes mono' }, codes.length ? codes.join(', ') : '—')],
      s.attempts_left !== null && s.attempts_left !== undefined ? [t('flow.attempts_left'), String(s.attempts_left)] : null,
      s.review_reason ? [t('flow.review_reason_was'), h('span', { class: 'review-was' }, s.review_reason)] : null,
      [t('flow.created'), time(s.created_at)],
      [t('flow.updated'), time(s.updated_at)],
    ]),
    media(files),
    h('h3', {}, t('flow.files')), fileList(files),
    s.result ? h('details', { class: 'result' }, h('summary', {}, t('flow.result')),
      h('pre', {}, JSON.stringify(s.result, null, 2))) : null,
    waiting ? resumeControls(ctx, s, reload) : null,
    reviewable ? reviewControls(ctx, s, reload) : null);
}

export async function flowView(main, ctx, flowId, id) {
  async function reload(message) {
    const detail = await api.get(api.seg('flows', flowId));
    if (!ctx.current(id)) return;
    clear(main);
    const f = detail.flow;
    main.append(
      h('p', { class: 'back' }, h('a', { href: lastList, id: 'back-to-list' }, '← ' + t('flow.back'))),
      h('div', { id: 'flow-detail', 'data-flow-id': flowId },
        h('h1', {}, t('flow.heading'), ' ', h('span', { class: 'mono' }, flowId)),
        h('div', { class: 'panel' }, dl([
          [t('flow.status'), code(f.flow_status, 'status', { id: 'flow-status' })],
          [t('flow.check_type'), code(f.check_type, 'check_type', { id: 'flow-check-type' })],
          [t('flow.end_cause'), code(f.end_cause, 'end_cause')],
          [t('flow.consumer'), h('span', { class: 'mono' }, detail.consumer_id)],
          [t('flow.kind'), detail.test ? t('flows.kind_test') : t('flows.kind_live')],
          [t('flow.person'), h('span', { class: 'mono' }, f.person_id || '—')],
          f.person_name ? [t('flow.person_name'), f.person_name] : null,
          f.iin ? [t('flow.iin'), h('span', { class: 'mono' }, f.iin)] : null,
          [t('flow.created'), time(f.created_at)],
          [t('flow.ended'), time(f.ended_at)],
        ], { class: 'facts facts-wide' })),
        h('h2', {}, t('flow.timeline')),
        h('div', { class: 'panel' }, timeline(detail.timeline || [])),
        h('h2', {}, t('flow.sessions')),
        detail.sessions.length ? detail.sessions.map((s) => sessionSection(ctx, detail, s, reload))
          : h('p', { class: 'empty' }, t('flow.no_sessions'))));
    if (message) ctx.notice(message);
  }
  await reload();
}
