/* Hand-written SVG charts for /reports: bars for counts, lines for rates and times.
 * No library: a few hundred contacts per bucket need nothing more, and nothing loads
 * from another site. Every bucket has a transparent hit area that opens the drill-down.
 */
import { t } from './agent-i18n.js';
import { nice } from './chart-ticks.js';

const NS = 'http://www.w3.org/2000/svg';
export const COLOURS = ['#2459d6', '#158a4a', '#b45309', '#7c3aed', '#0e7490', '#be185d', '#4b5563', '#65a30d'];
const W = 360;
const H = 150;
const PAD = { l: 38, r: 8, t: 8, b: 20 };

const svg = (tag, attrs, ...kids) => {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  kids.forEach((kid) => kid && node.append(kid));
  return node;
};

/** What the chart shows, in words, for people who cannot see it (its text alternative). */
function describe(title, series, opts, all) {
  if (!all.length) return t('{title}: no data for this period', { title });
  const lowest = opts.fmt(Math.min(...all));
  const highest = opts.fmt(Math.max(...all));
  const names = series.map((s) => s.label).join(', ');
  return t('{title} ({series}), {count} periods: lowest {lowest}, highest {highest}', { title, series: names, count: opts.labels.length, lowest, highest });
}

/* series: [{label, values: [number|null]}];
 * opts: {kind: 'bar'|'line', title, max, fmt, labels, integer, time, onPick(i, s)} */
export function chart(series, opts) {
  const n = opts.labels.length;
  const all = series.flatMap((s) => s.values).filter((v) => v !== null && v !== undefined);
  const { max, ticks } = nice(Math.max(0, ...all), { fixedMax: opts.max, integer: opts.integer, time: opts.time });
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const x = (i) => PAD.l + (iw * (i + 0.5)) / n;
  const y = (v) => PAD.t + ih - (ih * v) / max;
  const label = describe(opts.title || '', series, opts, all);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': label });
  const alt = svg('title');
  alt.textContent = label;
  root.append(alt);
  for (const v of ticks) {
    root.append(svg('line', { class: v ? 'grid' : 'axis', x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v) }));
    const text = svg('text', { x: PAD.l - 4, y: y(v) + 3, 'text-anchor': 'end' });
    text.textContent = opts.fmt(v);
    root.append(text);
  }
  const every = Math.max(1, Math.ceil(n / 8));
  opts.labels.forEach((text, i) => {
    if (i % every) return;
    const label = svg('text', { x: x(i), y: H - 5, 'text-anchor': 'middle' });
    label.textContent = text;
    root.append(label);
  });
  const slot = iw / n;
  if (opts.kind === 'bar') {
    const bw = Math.max(1, (slot * 0.7) / series.length);
    series.forEach((s, si) => s.values.forEach((v, i) => {
      if (!v) return;
      const left = x(i) - (bw * series.length) / 2 + si * bw;
      root.append(svg('rect', { x: left, y: y(v), width: bw, height: Math.max(0, y(0) - y(v)), fill: COLOURS[si % COLOURS.length], rx: 1 }));
    }));
  } else {
    series.forEach((s, si) => {
      let d = '';
      s.values.forEach((v, i) => {
        if (v === null || v === undefined) return;
        d += `${d && s.values[i - 1] !== null && s.values[i - 1] !== undefined ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
        root.append(svg('circle', { cx: x(i), cy: y(v), r: 2.2, fill: COLOURS[si % COLOURS.length] }));
      });
      if (d) root.append(svg('path', { d, fill: 'none', stroke: COLOURS[si % COLOURS.length], 'stroke-width': 1.6 }));
    });
  }
  if (opts.target !== undefined) {
    root.append(svg('line', { x1: PAD.l, x2: W - PAD.r, y1: y(opts.target), y2: y(opts.target), stroke: '#158a4a', 'stroke-dasharray': '4 3' }));
  }
  for (let i = 0; i < n; i += 1) {
    const hit = svg('rect', { class: 'hit', x: PAD.l + slot * i, y: PAD.t, width: slot, height: ih, 'data-bucket': String(i) });
    const title = svg('title');
    title.textContent = `${opts.labels[i]}: ${series.map((s) => `${s.label} ${s.values[i] === null || s.values[i] === undefined ? '—' : opts.fmt(s.values[i])}`).join(', ')}`;
    hit.append(title);
    hit.addEventListener('click', () => opts.onPick(i));
    root.append(hit);
  }
  return root;
}

/* rows: [{name, states:[{from,to,state}], busy:[{from,to}]}] between start and end. */
export function timeline(rows, start, end, fmtTick) {
  const LW = 130;
  const RW = 980;
  const RH = 18;
  const span = end - start || 1;
  const x = (t) => LW + ((Date.parse(t) - start) / span) * (RW - LW - 6);
  const height = rows.length * RH + 18;
  const root = svg('svg', { viewBox: `0 0 ${RW} ${height}`, role: 'img', 'aria-label': t('Agent states over time: available, away, offline, and busy with contacts') });
  const fill = { available: '#158a4a', away: '#d69e2e', offline: '#e2e7ef' };
  rows.forEach((r, i) => {
    const top = i * RH + 2;
    const name = svg('text', { x: 4, y: top + 12 });
    name.textContent = r.name;
    root.append(name);
    r.states.forEach((s) => root.append(svg('rect', { x: x(s.from), y: top + 2, width: Math.max(0.5, x(s.to) - x(s.from)), height: RH - 6, fill: fill[s.state] || '#e2e7ef' })));
    r.busy.forEach((b) => root.append(svg('rect', { x: x(b.from), y: top + 5, width: Math.max(0.8, x(b.to) - x(b.from)), height: RH - 12, fill: '#2459d6' })));
  });
  for (let k = 0; k <= 6; k += 1) {
    const t = start + (span * k) / 6;
    const label = svg('text', { x: LW + ((RW - LW - 6) * k) / 6, y: height - 3, 'text-anchor': k === 0 ? 'start' : k === 6 ? 'end' : 'middle' });
    label.textContent = fmtTick(new Date(t));
    root.append(label);
  }
  return root;
}
