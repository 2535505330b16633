/* Agent desktop: search the CCR (messages, notes, customers) and read a transcript.
 *
 * Talks to GET /agent/search and GET /agent/interactions/{id}/transcript (JSON, the
 * agent's session cookie). Highlights are built from the server's code-point ranges
 * with text nodes and <mark> elements: nothing a customer wrote ever reaches innerHTML.
 * See docs/search.md.
 */
import { Dom } from './agent-dom.js';
import { t } from './agent-i18n.js';
import { channels } from './ui-core.js';

(() => {
  const { el, fill } = Dom;
  const opener = document.getElementById('search-open');
  if (!opener) return;

  const css = document.createElement('link');
  css.rel = 'stylesheet';
  css.href = '/static/agent-search.css';
  document.head.append(css);

  const query = el('input', { type: 'search', id: 'search-q', class: 'search-q', testid: 'search-input', maxlength: '200',
    placeholder: t('Words, a name, an email or a phone number'), 'aria-label': t('Search') });
  const kind = el('select', { id: 'search-kind', testid: 'search-kind', 'aria-label': t('Search in') },
    el('option', { value: 'messages', text: t('Messages') }), el('option', { value: 'customers', text: t('Customers') }));
  const channel = el('select', { id: 'search-channel', 'aria-label': t('Channel') },
    el('option', { value: '', text: t('Any channel') }),
    ...channels(t).map((c) => el('option', { value: c.kind, text: c.label })));
  const status = el('select', { id: 'search-status', 'aria-label': t('Status') },
    el('option', { value: '', text: t('Any status') }),
    ...['queued', 'offered', 'active', 'wrapup', 'closed'].map((s) => el('option', { value: s, text: Dom.statusLabel(s) })));
  // Filled from /agent/labels the first time the panel opens.
  const label = el('select', { id: 'search-label', testid: 'search-label', 'aria-label': t('Labels') },
    el('option', { value: '', text: t('Any label') }));
  const since = el('input', { type: 'date', id: 'search-from', 'aria-label': t('From') });
  const until = el('input', { type: 'date', id: 'search-to', 'aria-label': t('To') });
  const results = el('ul', { class: 'search-results', testid: 'search-results', 'aria-live': 'polite' });
  const notice = el('p', { class: 'muted small search-notice', testid: 'search-notice' });
  const more = el('button', { type: 'button', class: 'btn', hidden: true, text: t('More results') });
  const transcript = el('div', { class: 'search-transcript', testid: 'search-transcript', hidden: true });
  const form = el('form', { class: 'search-form', role: 'search' },
    el('div', { class: 'search-row' }, query,
      el('button', { type: 'submit', class: 'btn btn-primary', testid: 'search-go', text: t('Search') })),
    el('div', { class: 'search-row search-filters' }, kind, channel, status, label, since, until));
  const listView = el('div', { class: 'search-list' }, form, notice, results, more);
  const panel = el('aside', { id: 'search-panel', class: 'drawer search-drawer', testid: 'search-panel', hidden: true, 'aria-label': t('Search') },
    el('div', { class: 'drawer-head' }, el('h2', { text: t('Search conversations and customers') }),
      el('button', { type: 'button', class: 'btn btn-ghost', 'aria-label': t('Close'), text: '×', on: { click: close } })),
    listView, transcript);
  document.getElementById('app').append(panel);

  let cursor = null;
  let lastParams = null;

  let labelsLoaded = false;
  async function loadLabels() {
    if (labelsLoaded) return;
    labelsLoaded = true;
    try {
      const response = await fetch('/agent/labels', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      if (!response.ok) throw new Error(response.statusText);
      const body = await response.json();
      label.append(...body.labels.map((l) => el('option', { value: String(l.id), text: l.name })));
    } catch (err) {
      labelsLoaded = false; // try again on the next open
    }
  }

  function open() {
    panel.hidden = false;
    query.focus();
    loadLabels();
  }
  function close() {
    panel.hidden = true;
  }
  opener.addEventListener('click', () => (panel.hidden ? open() : close()));
  // The page renders the button before this module runs; it stays disabled until a click does something.
  opener.disabled = false;
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !panel.hidden) close(); });

  /** The snippet as text nodes, with each [start, end) code-point range in a <mark>. */
  function marked(snippet, ranges) {
    const chars = Array.from(snippet || '');
    const out = [];
    let at = 0;
    for (const [start, end] of ranges || []) {
      if (start > at) out.push(chars.slice(at, start).join(''));
      out.push(el('mark', { text: chars.slice(start, end).join('') }));
      at = end;
    }
    if (at < chars.length) out.push(chars.slice(at).join(''));
    return out;
  }

  function customerName(c) {
    return (c && (c.display_name || c.email || c.phone)) || t('Unknown customer');
  }

  function messageHit(hit) {
    return el('li', { class: 'search-hit', testid: 'search-hit' },
      el('button', { type: 'button', class: 'search-hit-open', on: { click: () => showTranscript(hit.interaction_id, hit.event_id) } },
        el('div', { class: 'search-hit-head' },
          el('strong', { class: 'search-hit-name', text: customerName(hit.customer) }),
          Dom.channelChip(hit.channel),
          hit.internal ? el('span', { class: 'chip chip-note', text: t('Internal note') }) : null,
          el('span', { class: 'muted small search-hit-date', text: Dom.fmtDate(hit.created_at) })),
        el('div', { class: 'search-snippet', testid: 'search-snippet' }, marked(hit.snippet, hit.highlights))));
  }

  function customerHit(hit) {
    return el('li', { class: 'search-hit', testid: 'search-hit' },
      el('div', { class: 'search-snippet', testid: 'search-snippet' }, marked(hit.snippet, hit.highlights)));
  }

  function params() {
    const p = new URLSearchParams({ q: query.value.trim(), type: kind.value, limit: '20' });
    if (label.value) p.set('label_id', label.value);
    if (kind.value === 'messages') {
      if (channel.value) p.set('channel', channel.value);
      if (status.value) p.set('status', status.value);
      // Calendar days in the agent's own time zone are sent as UTC instants by the browser.
      if (since.value) p.set('from', new Date(`${since.value}T00:00:00`).toISOString());
      if (until.value) p.set('to', new Date(new Date(`${until.value}T00:00:00`).getTime() + 86400000).toISOString());
    }
    return p;
  }

  async function run(append) {
    const p = append ? new URLSearchParams(lastParams) : params();
    if (!p.get('q')) { notice.textContent = t('Type something to search for.'); return; }
    if (append && cursor) p.set('cursor', cursor);
    lastParams = p.toString();
    transcript.hidden = true;
    listView.hidden = false;
    notice.textContent = t('Searching…');
    let body;
    try {
      const response = await fetch(`/agent/search?${p}`, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      body = await response.json();
      if (!response.ok) throw new Error((body && body.error && body.error.message) || response.statusText);
    } catch (err) {
      notice.textContent = t('Search failed: {reason}', { reason: err.message });
      return;
    }
    if (!append) fill(results);
    const render = p.get('type') === 'customers' ? customerHit : messageHit;
    results.append(...body.data.map(render));
    cursor = body.next_cursor;
    more.hidden = !cursor;
    notice.textContent = results.children.length ? '' : t('Nothing found.');
  }

  async function showTranscript(interactionId, eventId) {
    let data;
    try {
      const response = await fetch(`/agent/interactions/${encodeURIComponent(interactionId)}/transcript`,
        { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      data = await response.json();
      if (!response.ok) throw new Error((data && data.error && data.error.message) || response.statusText);
    } catch (err) {
      notice.textContent = t('Could not open the conversation: {reason}', { reason: err.message });
      return;
    }
    const lines = data.events.filter((e) => e.kind === 'message' || e.kind === 'note').map((e) =>
      el('li', { class: `search-line by-${e.author_type}${e.internal ? ' is-note' : ''}${e.id === eventId ? ' is-hit' : ''}` },
        el('div', { class: 'muted small' },
          e.author_name || (e.author_type === 'customer' ? customerName(data.customer) : t('System')), ' · ', Dom.fmtDate(e.created_at),
          e.internal ? el('span', { class: 'chip chip-note', text: t('Internal note') }) : null),
        el('div', { class: 'search-line-body', text: e.body })));
    fill(transcript,
      el('div', { class: 'search-transcript-head' },
        el('button', { type: 'button', class: 'btn btn-ghost', testid: 'search-back', text: t('← Results'),
          on: { click: () => { transcript.hidden = true; listView.hidden = false; } } }),
        el('strong', { text: customerName(data.customer) }), Dom.channelChip(data.channel), Dom.statusChip(data.status)),
      el('p', { class: 'muted small', text: t('Read-only transcript') }),
      el('ol', { class: 'search-lines', testid: 'transcript-lines' }, lines));
    listView.hidden = true;
    transcript.hidden = false;
    const hit = transcript.querySelector('.is-hit');
    if (hit) hit.scrollIntoView({ block: 'center' });
  }

  form.addEventListener('submit', (e) => { e.preventDefault(); cursor = null; run(false); });
  more.addEventListener('click', () => run(true));
  kind.addEventListener('change', () => { channel.disabled = status.disabled = since.disabled = until.disabled = kind.value !== 'messages'; });
})();
