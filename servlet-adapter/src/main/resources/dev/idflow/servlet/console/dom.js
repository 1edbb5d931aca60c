// DOM helpers of the console beside the hosted page's h() (ui.js): SVG elements, emptying a
// container, dates and sizes in the operator's language. Text nodes only, never markup strings.

import { h as element } from './ui.js';
import { locale, t } from './i18n.js';

/** The hosted page's h(), children flattened to any depth (the views build rows of arrays). */
export function h(tag, props, ...children) {
  return element(tag, props, ...children.flat(Infinity));
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes and children (strings become text nodes). */
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

const TAGS = { kk: 'kk-KZ', ru: 'ru-RU', en: 'en-GB' };

/** An instant as the operator reads it (their time zone), '—' for none. */
export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(TAGS[locale()] || 'en-GB', {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
}

/** A <time> element of an instant. */
export function time(iso) {
  return iso ? h('time', { datetime: iso }, when(iso)) : '—';
}

export function bytes(n) {
  if (n === null || n === undefined) return '—';
  if (n < 1024) return t('unit.bytes', { n });
  if (n < 1024 * 1024) return t('unit.kib', { n: (n / 1024).toFixed(1) });
  return t('unit.mib', { n: (n / 1024 / 1024).toFixed(1) });
}

/** A wire value in a table: its meaning in the operator's language, coloured by the value (the value as its title). */
export function word(value, prefix) {
  if (value === null || value === undefined || value === '') return h('span', { class: 'muted' }, '—');
  return h('span', { class: 'badge badge-word badge-' + value, 'data-value': value, title: value }, t(prefix + '.' + value));
}

/** A wire code shown as it is (pass, edited…), with its meaning in the operator's language beside it. */
export function code(value, prefix, attrs = {}) {
  if (value === null || value === undefined || value === '') return h('span', { class: 'muted', ...attrs }, '—');
  const known = t(prefix + '.' + value);
  return h('span', { class: 'code-word' },
    h('span', { class: 'badge badge-' + value, ...attrs }, value),
    known !== prefix + '.' + value ? h('span', { class: 'meaning' }, known) : null);
}

/** A definition list of [label, value] rows. */
export function dl(rows, attrs = {}) {
  return h('dl', { class: 'facts', ...attrs }, rows.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** A labelled form field: label + control (the control must have an id). */
export function field(label, control, hint) {
  return h('div', { class: 'field' },
    h('label', { for: control.id }, label),
    control,
    hint ? h('small', { class: 'hint', id: control.id + '-hint' }, hint) : null);
}

/** A select of [value, text] options with {@code selected} chosen. */
export function select(id, options, selected) {
  return h('select', { id },
    options.map(([v, text]) => h('option', { value: v, selected: String(v) === String(selected ?? '') }, text)));
}

/** 'YYYY-MM-DD' of an ISO instant (UTC), '' for none. */
export function day(iso) {
  return iso ? String(iso).slice(0, 10) : '';
}
