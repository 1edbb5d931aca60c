// Charts of a consumer's flows (GET api/consumers/<c>/stats), drawn here as SVG: flows per day by
// outcome (stacked bars), the funnel of steps (horizontal bars), liveness attempts per session
// (a histogram). Each has a <title>, a description and the same numbers as a table.

import * as api from './api.js';
import { h, svg, field, select, day } from './dom.js';
import { t } from './i18n.js';

const OUTCOMES = ['pass', 'fail', 'unknown', 'running'];
const FUNNEL = ['passed', 'failed', 'stopped', 'other'];

function chart(id, title, desc, width, height, children) {
  return svg('svg', { id, class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-labelledby': id + '-title ' + id + '-desc', preserveAspectRatio: 'xMinYMin meet' },
  svg('title', { id: id + '-title' }, title), svg('desc', { id: id + '-desc' }, desc), children);
}

/** A top of the scale that 4 whole-number steps divide: 4, 8, 12, 20, 40… */
function niceMax(n) {
  const raw = Math.max(n, 1) / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 3, 4, 5, 6, 8, 10].map((m) => Math.max(1, m * p)).find((x) => x >= raw);
  return step * 4;
}

function yAxis(x0, y0, plotH, max, width) {
  const out = [];
  for (let i = 0; i <= 4; i++) {
    const v = (max / 4) * i;
    const y = y0 - (plotH * i) / 4;
    out.push(svg('line', { x1: x0, x2: width - 10, y1: y, y2: y, class: 'grid-line' }),
      svg('text', { x: x0 - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, String(Math.round(v))));
  }
  return out;
}

function legend(items, x, y) {
  // each entry as wide as its words (about 7.5 px a character at 12 px), so that longer languages fit
  let at = x;
  return items.map((k) => {
    const label = t('charts.legend_' + k);
    const g = svg('g', { transform: `translate(${at},${y})` },
      svg('rect', { width: 12, height: 12, class: 'swatch fill-' + k }),
      svg('text', { x: 18, y: 11, class: 'axis' }, label));
    at += 18 + label.length * 7.5 + 24;
    return g;
  });
}

function table(caption, head, rows, id) {
  return h('details', { class: 'chart-table' }, h('summary', {}, t('charts.as_table')),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => (i === 0 ? h('th', { scope: 'row', class: 'mono' }, c) : h('td', {}, c)))))))));
}

function daysChart(days) {
  const W = 900; const H = 300; const x0 = 44; const y0 = 250; const plotH = 210;
  const max = niceMax(Math.max(0, ...days.map((d) => OUTCOMES.reduce((s, k) => s + (d[k] || 0), 0))));
  const step = (W - x0 - 10) / Math.max(days.length, 1);
  const bw = Math.max(2, step * 0.7);
  const labelEvery = Math.ceil(days.length / 10);
  const bars = days.map((d, i) => {
    let y = y0;
    const x = x0 + i * step + (step - bw) / 2;
    const parts = OUTCOMES.filter((k) => d[k]).map((k) => {
      const hgt = (plotH * d[k]) / max;
      y -= hgt;
      return svg('rect', { x, y, width: bw, height: hgt, class: 'bar fill-' + k },
        svg('title', {}, `${d.date} · ${t('charts.legend_' + k)}: ${d[k]}`));
    });
    const label = i % labelEvery === 0
      ? svg('text', { x: x + bw / 2, y: y0 + 16, class: 'axis', 'text-anchor': 'middle' }, d.date.slice(5)) : null;
    return svg('g', {}, parts, label);
  });
  const total = days.reduce((s, d) => s + OUTCOMES.reduce((a, k) => a + (d[k] || 0), 0), 0);
  return [chart('chart-days', t('charts.days'), t('charts.days_desc', { n: total, days: days.length }), W, H,
    [yAxis(x0, y0, plotH, max, W), bars, legend(OUTCOMES, x0, H - 16)]),
  table(t('charts.days'), [t('charts.col_date'), ...OUTCOMES.map((k) => t('charts.legend_' + k))],
    days.map((d) => [d.date, ...OUTCOMES.map((k) => d[k] || 0)]), 'table-days')];
}

function funnelChart(funnel) {
  const rowH = 34; const x0 = 200; const W = 900;
  const H = Math.max(1, funnel.length) * rowH + 50;
  const max = Math.max(1, ...funnel.map((s) => s.reached));
  const plotW = W - x0 - 60;
  const rows = funnel.map((s, i) => {
    const y = 10 + i * rowH;
    const other = Math.max(0, s.reached - s.passed - s.failed - s.stopped);
    const values = { passed: s.passed, failed: s.failed, stopped: s.stopped, other };
    let x = x0;
    const parts = FUNNEL.filter((k) => values[k]).map((k) => {
      const w = (plotW * values[k]) / max;
      const r = svg('rect', { x, y, width: w, height: rowH - 10, class: 'bar fill-' + k },
        svg('title', {}, `${s.step_id} (${s.service_name}) · ${t('charts.legend_' + k)}: ${values[k]}`));
      x += w;
      return r;
    });
    return svg('g', {},
      svg('text', { x: x0 - 8, y: y + rowH / 2, class: 'axis', 'text-anchor': 'end' }, `${s.step_id} · ${s.service_name}`),
      parts,
      svg('text', { x: x + 6, y: y + rowH / 2, class: 'axis' }, String(s.reached)));
  });
  return [chart('chart-funnel', t('charts.funnel'), t('charts.funnel_desc', { n: funnel.length }), W, H,
    [rows, legend(FUNNEL, x0, H - 16)]),
  table(t('charts.funnel'), [t('charts.col_step'), t('charts.col_reached'), ...FUNNEL.slice(0, 3).map((k) => t('charts.legend_' + k))],
    funnel.map((s) => [`${s.step_id} · ${s.service_name}`, s.reached, s.passed, s.failed, s.stopped]), 'table-funnel')];
}

function attemptsChart(attempts) {
  const W = 900; const H = 260; const x0 = 44; const y0 = 210; const plotH = 180;
  const max = niceMax(Math.max(0, ...attempts.map((a) => a.sessions)));
  const step = (W - x0 - 10) / Math.max(attempts.length, 1);
  const bw = Math.min(80, step * 0.7);
  const bars = attempts.map((a, i) => {
    const x = x0 + i * step + (step - bw) / 2;
    const hgt = (plotH * a.sessions) / max;
    return svg('g', {},
      svg('rect', { x, y: y0 - hgt, width: bw, height: hgt, class: 'bar fill-attempts' },
        svg('title', {}, t('charts.attempts_bar', { attempts: a.attempts, n: a.sessions }))),
      svg('text', { x: x + bw / 2, y: y0 + 16, class: 'axis', 'text-anchor': 'middle' }, String(a.attempts)));
  });
  return [chart('chart-attempts', t('charts.attempts'), t('charts.attempts_desc'), W, H,
    [yAxis(x0, y0, plotH, max, W), bars,
      svg('text', { x: x0, y: H - 12, class: 'axis' }, t('charts.attempts_axis'))]),
  table(t('charts.attempts'), [t('charts.col_attempts'), t('charts.col_sessions')],
    attempts.map((a) => [a.attempts, a.sessions]), 'table-attempts')];
}

export async function chartsView(main, ctx, params, id) {
  const from = params.get('from') || '';
  const before = params.get('before') || '';
  const test = params.get('test') || '';
  const form = h('form', { id: 'chart-range', class: 'panel filters' },
    field(t('charts.from'), h('input', { type: 'date', id: 'c-from', value: from })),
    field(t('charts.before'), h('input', { type: 'date', id: 'c-before', value: before })),
    field(t('flows.f_test'), select('c-test',
      [['', t('flows.test_both')], ['true', t('flows.test_only')], ['false', t('flows.live_only')]], test)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'apply-range', class: 'btn btn-primary' }, t('flows.apply'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.go('#/charts' + api.query({ from: form.querySelector('#c-from').value,
      before: form.querySelector('#c-before').value, test: form.querySelector('#c-test').value }));
  });
  const box = h('div', { id: 'charts' });
  main.append(h('h1', {}, t('charts.heading')), form, box);
  const stats = await api.get(api.seg('consumers', ctx.consumer, 'stats') + api.query({
    from: from ? from + 'T00:00:00Z' : '', before: before ? before + 'T00:00:00Z' : '', test }));
  if (!ctx.current(id)) return;
  box.append(
    h('p', { class: 'muted' }, t('charts.range', { from: day(stats.from), before: day(stats.before), n: stats.flows_counted }),
      stats.truncated ? h('strong', {}, ' ' + t('charts.truncated')) : null),
    h('section', { class: 'panel' }, h('h2', {}, t('charts.days')), daysChart(stats.days || [])),
    h('section', { class: 'panel' }, h('h2', {}, t('charts.funnel')),
      (stats.funnel || []).length ? null : h('p', { class: 'empty' }, t('charts.no_data')), funnelChart(stats.funnel || [])),
    h('section', { class: 'panel' }, h('h2', {}, t('charts.attempts')),
      (stats.attempts || []).length ? null : h('p', { class: 'empty' }, t('charts.no_data')), attemptsChart(stats.attempts || [])));
}
