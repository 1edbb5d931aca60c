// DOM helpers of the hosted page and of the web SDK: text nodes only, listeners only (no markup
// strings), so nothing a server or a template sends can become markup. No state, no globals.

/** An element with attributes (on… functions become listeners) and children (strings become text nodes). */
export function h(tag, props, ...children) {
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
  info: [['circle', { cx: 12, cy: 12, r: 9.5 }], ['path', { d: 'M12 11v5.5' }], ['path', { d: 'M12 7.6v.1' }]],
  face: [['path', { d: 'M4 8V5.5A1.5 1.5 0 0 1 5.5 4H8M16 4h2.5A1.5 1.5 0 0 1 20 5.5V8M20 16v2.5a1.5 1.5 0 0 1-1.5 1.5H16M8 20H5.5A1.5 1.5 0 0 1 4 18.5V16' }], ['path', { d: 'M9.5 9.5v1M14.5 9.5v1M9.2 15a4 4 0 0 0 5.6 0' }]],
};

/** An inline SVG icon of ICONS in a tinted disc (tone ok, bad or warn). */
export function icon(name, tone) {
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

/** A button; kind primary or secondary. */
export function button(label, onclick, kind = 'primary', extra = {}) {
  return h('button', { type: 'button', class: 'btn btn-' + kind, onclick, ...extra }, label);
}

/** A whole screen: icon, heading, paragraphs, extra content, actions. */
export function screen({ icon: iconName, tone, heading, texts = [], content = [], actions = [], id, cls }) {
  // outcomes and errors stand in the middle of the card; forms start at its top
  const classes = ['screen', cls, tone ? 'screen-center' : null].filter(Boolean).join(' ');
  return h('section', { class: classes, 'data-screen': id },
    iconName ? icon(iconName, tone) : null,
    h('h1', { tabindex: '-1' }, heading),
    texts.filter(Boolean).map((x) => h('p', { class: 'text' }, x)),
    content,
    actions.length ? h('div', { class: 'actions' }, actions) : null);
}

/** The turning circle of a screen that waits. */
export function spinner() {
  return h('div', { class: 'spinner', role: 'presentation' });
}
