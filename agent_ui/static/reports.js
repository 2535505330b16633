/* /reports: filters → /reports/data → totals, one chart per figure, agent timeline.
 * Clicking a total or a chart bucket lists the interactions behind it; clicking a row
 * opens its transcript. The CSV link always carries the same filters as the charts.
 */
import { I18n, t } from './agent-i18n.js';
import { chart, COLOURS, timeline } from './reports-charts.js';
import { line } from './reports-transcript.js';
import { channelName, clock, pct } from './supervisor-format.js';
import { el } from './ui-core.js';

(() => {
  const $ = (id) => document.getElementById(id);
  const form = $('filters');
  let data = null;

  const METRICS = [
    { key: 'volume', title: t('Volume'), kind: 'bar', fmt: (v) => String(Math.round(v)) },
    { key: 'service_level', title: t('Service level'), kind: 'line', max: 100, fmt: pct, target: 80 },
    { key: 'asa', title: t('Average speed of answer'), kind: 'line', fmt: clock },
    { key: 'aht', title: t('Average handle time'), kind: 'line', fmt: clock },
    { key: 'abandonment', title: t('Abandonment'), kind: 'line', max: 100, fmt: pct },
    { key: 'first_response', title: t('First response time'), kind: 'line', fmt: clock },
    { key: 'resolution', title: t('Resolution time'), kind: 'line', fmt: clock },
    { key: 'csat', title: t('CSAT (1–5)'), kind: 'line', max: 5, fmt: (v) => v.toFixed(1) },
    { key: 'fcr', title: t('First-contact resolution'), kind: 'line', max: 100, fmt: pct },
  ];

  const params = () => {
    const p = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v !== '') p.set(k, v);
    return p;
  };

  const bucketLabel = (iso) => {
    const g = form.elements.granularity.value;
    const d = iso.slice(0, 10);
    return g === 'hour' ? iso.slice(11, 16) : d.slice(5);
  };

  async function load() {
    const p = params();
    history.replaceState(null, '', `/reports?${p}`);
    $('csv').href = `/reports/export.csv?${p}`;
    const res = await fetch(`/reports/data?${p}`, { headers: { Accept: 'application/json' } });
    const body = await res.json();
    if (!res.ok) { $('charts').replaceChildren(el('p', { class: 'sup-error', text: body.message || res.statusText })); return; }
    data = body;
    render();
  }

  function seriesLabel(s) {
    const g = form.elements.group.value;
    if (g === 'channel') return channelName(s.label);
    if (g === 'none') return t('All contacts');
    if (g === 'label' && s.key === '0') return t('No label');
    return s.label;
  }

  function render() {
    const total = data.total;
    $('totals').replaceChildren(...METRICS.map((m) => el('button', { type: 'button', class: 'rep-total', onclick: () => drill({ metric: m.key }, m.title) },
      el('span', { text: m.title }),
      el('strong', { text: total[m.key] === null || total[m.key] === undefined ? '—' : m.fmt(total[m.key]) }))));
    $('legend').replaceChildren(...data.series.map((s, i) => el('span', {}, el('i', { style: `background:${COLOURS[i % COLOURS.length]}` }), seriesLabel(s))));
    const labels = data.buckets.map(bucketLabel);
    $('charts').replaceChildren(...METRICS.map((m) => el('figure', { class: 'rep-chart', dataset: { metric: m.key } },
      el('h3', { text: m.title }),
      chart(data.series.map((s) => ({ label: seriesLabel(s), values: s.points.map((p) => p[m.key]) })), {
        kind: m.kind, title: m.title, max: m.max, fmt: m.fmt, labels, target: m.target,
        integer: m.key === 'volume', time: m.fmt === clock,
        onPick: (i) => drill({ metric: m.key, bucket: data.buckets[i] }, `${m.title} · ${labels[i]}`),
      }))));
    const p = params();
    const start = Date.parse(data.buckets[0] || new Date().toISOString());
    const endDay = new Date(`${p.get('to') || new Date().toISOString().slice(0, 10)}T00:00:00Z`).getTime() + 86400000;
    const end = Math.min(endDay, Date.now());
    $('timeline').replaceChildren(timeline(data.timeline, start, end, (d) => (end - start > 2 * 86400000 ? d.toISOString().slice(5, 10) : d.toISOString().slice(11, 16))));
  }

  async function drill(extra, title) {
    const p = params();
    for (const [k, v] of Object.entries(extra)) p.set(k, v);
    const res = await fetch(`/reports/interactions?${p}`);
    const body = await res.json();
    $('drill').hidden = false;
    $('drill-title').textContent = t('{title}: {n} interactions', { title, n: (body.interactions || []).length });
    $('drill-rows').replaceChildren(...(body.interactions || []).map((r) => el('tr', { onclick: () => openTranscript(r.id), dataset: { id: String(r.id) } },
      el('td', { text: String(r.id) }),
      el('td', { text: I18n.dateTime ? I18n.dateTime(r.arrived) : r.arrived }),
      el('td', { text: channelName(r.channel) }),
      el('td', { text: r.customer }),
      el('td', { text: r.agent || '—' }),
      el('td', { class: 'num', text: clock(r.wait_seconds) }),
      el('td', { class: 'num', text: clock(r.handle_seconds) }),
      el('td', { text: r.abandoned ? t('abandoned') : (r.disposition || r.status) }))));
    $('drill').scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  async function openTranscript(id) {
    const res = await fetch(`/reports/transcript/${id}`);
    const tx = await res.json();
    $('tx-title').textContent = t('Transcript #{id} · {customer}', { id, customer: tx.customer || '' });
    $('transcript').replaceChildren(...(tx.events || []).map(line));
  }

  // Restore filters from the address, so a report can be bookmarked and shared.
  const initial = new URLSearchParams(location.search);
  for (const [k, v] of initial) if (form.elements[k]) {
    if (form.elements[k].type === 'checkbox') form.elements[k].checked = v === '1'; else form.elements[k].value = v;
  }
  if (!$('f-from').value) $('f-from').value = new Date(Date.now() - 6 * 86400000).toISOString().slice(0, 10);
  if (!$('f-to').value) $('f-to').value = new Date().toISOString().slice(0, 10);
  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  load();
})();
