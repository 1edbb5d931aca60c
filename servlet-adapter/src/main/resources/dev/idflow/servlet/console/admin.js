// The consumer's KYC lists, its data (erasing a person, retention) and the audit trail.

import * as api from './api.js';
import { h, clear, dl, field, select, time } from './dom.js';
import { t } from './i18n.js';

const KYC_FIELDS = ['person_id', 'iin', 'phone_number'];

export async function kycView(main, ctx, params, id) {
  const names = (await api.get(api.seg('consumers', ctx.consumer, 'kyc-lists'))).lists;
  if (!ctx.current(id)) return;
  let chosen = params.get('list') || names[0] || '';
  if (chosen && !names.includes(chosen)) names.push(chosen);
  const lists = select('kyc-lists', names.length ? names.map((n) => [n, n]) : [['', t('kyc.no_lists')]], chosen);
  lists.disabled = !names.length;
  const newList = h('input', { type: 'text', id: 'kyc-new-list', maxlength: 64, autocomplete: 'off' });
  const tbody = h('tbody', {});
  const table = h('table', { id: 'kyc-entries', class: 'grid' },
    h('caption', { class: 'sr-only' }, t('kyc.entries')),
    h('thead', {}, h('tr', {}, [t('kyc.col_field'), t('kyc.col_value'), t('kyc.col_added'), t('kyc.col_action')]
      .map((c) => h('th', { scope: 'col' }, c)))), tbody);
  const empty = h('p', { class: 'empty', id: 'kyc-empty', hidden: true }, t('kyc.empty'));
  const wrap = h('div', { class: 'table-wrap' }, table);
  const value = h('input', { type: 'text', id: 'kyc-value', maxlength: 255, autocomplete: 'off', required: true });
  const addForm = h('form', { id: 'kyc-add-form', class: 'panel filters', 'aria-label': t('kyc.add_heading') },
    h('h2', { class: 'form-heading' }, t('kyc.add_heading')),
    field(t('kyc.field'), select('kyc-field', KYC_FIELDS.map((f) => [f, t('kyc.field_' + f)]), 'person_id')),
    field(t('kyc.value'), value),
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'kyc-add', class: 'btn btn-primary' }, t('kyc.add'))));
  main.append(h('h1', {}, t('kyc.heading')),
    h('div', { class: 'panel filters' },
      field(t('kyc.list'), lists),
      h('form', { class: 'inline-form', id: 'kyc-open-form' },
        field(t('kyc.new_list'), newList, t('kyc.new_list_hint')),
        h('button', { type: 'submit', class: 'btn btn-secondary', id: 'kyc-open' }, t('kyc.open')))),
    wrap, empty, addForm);

  async function load() {
    clear(tbody);
    if (!chosen) {
      wrap.hidden = true;
      empty.hidden = false;
      empty.textContent = t('kyc.none_chosen');
      addForm.hidden = true;
      return;
    }
    addForm.hidden = false;
    const list = await api.get(api.seg('consumers', ctx.consumer, 'kyc-lists', chosen));
    if (!ctx.current(id)) return;
    for (const e of list.entries) {
      tbody.append(h('tr', { 'data-field': e.field, 'data-value': e.value },
        h('td', {}, t('kyc.field_' + e.field)), h('td', { class: 'mono' }, e.value), h('td', {}, time(e.added_at)),
        h('td', {}, h('button', { type: 'button', class: 'btn btn-secondary btn-small kyc-remove',
          'aria-label': t('kyc.remove_one', { value: e.value }),
          onclick: async () => {
            try {
              ctx.clearMessages();
              await api.change('DELETE', api.seg('consumers', ctx.consumer, 'kyc-lists', chosen, 'entries')
                + api.query({ field: e.field, value: e.value }));
              ctx.notice(t('kyc.removed', { value: e.value }));
              await load();
            } catch (err) {
              ctx.error(err);
            }
          } }, t('kyc.remove')))));
    }
    wrap.hidden = list.entries.length === 0;
    empty.hidden = list.entries.length !== 0;
    empty.textContent = t('kyc.empty');
  }
  lists.addEventListener('change', () => ctx.go('#/kyc' + api.query({ list: lists.value })));
  main.querySelector('#kyc-open-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (newList.value.trim()) ctx.go('#/kyc' + api.query({ list: newList.value.trim() }));
  });
  addForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      ctx.clearMessages();
      const r = await api.change('POST', api.seg('consumers', ctx.consumer, 'kyc-lists', chosen, 'entries'),
        { field: addForm.querySelector('#kyc-field').value, value: value.value.trim() });
      ctx.notice(r.added ? t('kyc.added') : t('kyc.already'));
      value.value = '';
      await load();
    } catch (err) {
      ctx.error(err);
    }
  });
  await load();
}

/** 'P30D', 'PT12H', 'P1Y' → words; null → kept until erased. */
function duration(iso) {
  if (!iso) return t('data.kept');
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso);
  if (!m) return iso;
  const units = ['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds'];
  const parts = units.map((u, i) => (m[i + 1] ? t('unit.' + u, { n: m[i + 1] }) : null)).filter(Boolean);
  return parts.length ? parts.join(' ') + ' (' + iso + ')' : iso;
}

export async function dataView(main, ctx, id) {
  const person = h('input', { type: 'text', id: 'erase-person-id', maxlength: 255, autocomplete: 'off', spellcheck: 'false' });
  const confirm = h('input', { type: 'text', id: 'erase-confirm', maxlength: 255, autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': 'erase-confirm-hint' });
  const submit = h('button', { type: 'submit', id: 'erase-submit', class: 'btn btn-danger', disabled: true }, t('data.erase'));
  const sync = () => {
    submit.disabled = !(person.value.trim() && person.value === confirm.value);
  };
  person.addEventListener('input', sync);
  confirm.addEventListener('input', sync);
  const form = h('form', { id: 'erase-form', class: 'panel', 'aria-labelledby': 'erase-heading' },
    h('h2', { id: 'erase-heading' }, t('data.erase_heading')),
    h('p', {}, t('data.erase_text')),
    field(t('data.person_id'), person),
    field(t('data.confirm'), confirm, t('data.confirm_hint')),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (submit.disabled) return;
    try {
      ctx.clearMessages();
      const r = await api.change('POST', api.seg('consumers', ctx.consumer, 'erase-person'),
        { person_id: person.value, confirm: confirm.value });
      ctx.notice(t('data.erased', { person: r.person_id, n: r.erased_rows }));
      person.value = '';
      confirm.value = '';
      sync();
    } catch (err) {
      ctx.error(err);
    }
  });
  const retention = h('dl', { id: 'retention', class: 'facts' });
  main.append(h('h1', {}, t('data.heading')), form,
    h('section', { class: 'panel', 'aria-labelledby': 'retention-heading' },
      h('h2', { id: 'retention-heading' }, t('data.retention')),
      h('p', { class: 'muted' }, t('data.retention_text')), retention));
  const r = await api.get(api.seg('consumers', ctx.consumer, 'retention'));
  if (!ctx.current(id)) return;
  for (const k of ['biometrics', 'documents', 'flows']) {
    retention.append(h('dt', {}, t('data.kind_' + k)), h('dd', { 'data-kind': k }, duration(r[k])));
  }
}

export async function auditView(main, ctx, params, id) {
  const from = params.get('from') || '';
  const before = params.get('before') || '';
  const form = h('form', { id: 'audit-range', class: 'panel filters' },
    field(t('audit.from'), h('input', { type: 'date', id: 'a-from', value: from })),
    field(t('audit.before'), h('input', { type: 'date', id: 'a-before', value: before })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'apply-audit', class: 'btn btn-primary' }, t('flows.apply'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.go('#/audit' + api.query({ from: form.querySelector('#a-from').value, before: form.querySelector('#a-before').value }));
  });
  const tbody = h('tbody', {});
  const table = h('table', { id: 'audit-table', class: 'grid' },
    h('caption', { class: 'sr-only' }, t('audit.heading')),
    h('thead', {}, h('tr', {}, [t('audit.col_at'), t('audit.col_actor'), t('audit.col_action'), t('audit.col_target'),
      t('audit.col_details')].map((c) => h('th', { scope: 'col' }, c)))), tbody);
  const empty = h('p', { class: 'empty', id: 'audit-empty', hidden: true }, t('audit.empty'));
  const wrap = h('div', { class: 'table-wrap' }, table);
  const more = h('button', { type: 'button', id: 'audit-next', class: 'btn btn-secondary', hidden: true }, t('audit.more'));
  const range = h('p', { class: 'muted' });
  main.append(h('h1', {}, t('audit.heading')), form, range, wrap, empty,
    h('div', { class: 'pager' }, more));
  let cursor = null;
  async function load() {
    const page = await api.get(api.seg('consumers', ctx.consumer, 'audit') + api.query({
      from: from ? from + 'T00:00:00Z' : '', before: before ? before + 'T00:00:00Z' : '', cursor }));
    if (!ctx.current(id)) return;
    range.textContent = t('audit.range', { from: page.from.slice(0, 10), before: page.before.slice(0, 10) });
    for (const e of page.entries) {
      tbody.append(h('tr', {},
        h('td', {}, time(e.at)), h('td', {}, e.actor || t('audit.system')), h('td', { class: 'mono' }, e.action),
        h('td', { class: 'mono wrap' }, [e.target_type, e.target_id].filter(Boolean).join(' ')),
        h('td', { class: 'details' }, e.details || '')));
    }
    cursor = page.next_cursor;
    more.hidden = !cursor;
    more.disabled = !cursor;
    wrap.hidden = tbody.children.length === 0;
    empty.hidden = tbody.children.length !== 0;
  }
  more.addEventListener('click', () => load().catch((e) => ctx.error(e)));
  await load();
}
