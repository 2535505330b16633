/* Agent desktop: likely duplicates of the customer in view, merge, and undo (issue 17).
 *
 * Reads the conversation in view from #thread-main's data-conv, asks
 * /agent/interactions/{id}/extras for its customer, then /agent/customers/{id}/duplicates.
 * After a merge the row offers Undo until the agent moves on; the server keeps the undo
 * window (24 h) for the API too. See docs/merge.md.
 */
import { Dom } from './agent-dom.js';
import { I18n } from './agent-i18n.js';

(() => {
  const { t } = I18n;
  const { el, fill } = Dom;
  const box = document.getElementById('desk-merge');
  const thread = document.getElementById('thread-main');
  if (!box || !thread) return;
  const csrf = box.dataset.csrf;
  // The merge just made ({id, who, conv}): its Undo shows only on the conversation it was made on.
  let lastMerge = null;
  // Which show() is the newest: an older answer is never drawn over a newer one.
  let asked = 0;

  async function call(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: body ? { 'content-type': 'application/json', 'X-CSRF-Token': csrf } : { 'X-CSRF-Token': csrf },
      body: body ? JSON.stringify(body) : undefined,
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error((answer.error && answer.error.message) || t('Not saved.'));
    return answer;
  }

  function suggestionRow(customerId, s) {
    const index = s.customer_ids[0] === customerId ? 1 : 0;
    const other = s.customer_ids[index];
    const who = s.names[index] || s.values[index];
    return el('div', { class: 'merge-row', testid: 'merge-suggestion' },
      el('span', { text: t('Possible duplicate: {name} ({value})', { name: who, value: s.values[index] }) }),
      el('button', {
        type: 'button', class: 'btn', testid: 'merge-go', text: t('Merge into this customer'),
        on: { click: () => act(async () => {
          const conv = thread.dataset.conv;
          lastMerge = { ...(await call('POST', `/agent/customers/${customerId}/merge`, { merge_id: other })), who, conv };
        }) },
      }));
  }

  function undoRow() {
    return el('div', { class: 'merge-row', testid: 'merge-done' },
      el('span', { text: t('{name} was merged into this customer.', { name: lastMerge.who }) }),
      el('button', {
        type: 'button', class: 'btn', testid: 'merge-undo', text: t('Undo'),
        on: { click: () => act(async () => { await call('POST', `/agent/merges/${lastMerge.id}/undo`); lastMerge = null; Dom.toast(t('The merge was undone.'), 'info'); }) },
      }));
  }

  async function act(action) {
    try {
      await action();
    } catch (err) {
      Dom.toast(err.message);
    }
    await show(true);
  }

  async function show(keepUndo) {
    if (!keepUndo) lastMerge = null;
    const id = thread.dataset.conv;
    const ask = ++asked;
    if (!id || thread.hidden) {
      box.hidden = true;
      return;
    }
    // Never leave the previous conversation's duplicates on screen while this one loads:
    // a click there would merge into the previous conversation's customer.
    if (box.dataset.conv !== id) box.hidden = true;
    try {
      const extras = await call('GET', `/agent/interactions/${id}/extras`);
      const found = await call('GET', `/agent/customers/${extras.customer_id}/duplicates`);
      if (ask !== asked || thread.dataset.conv !== id) return; // the agent moved on meanwhile
      const rows = found.data.map((s) => suggestionRow(extras.customer_id, s));
      if (lastMerge && lastMerge.conv === id) rows.unshift(undoRow());
      fill(box, ...rows);
      box.dataset.conv = id;
      box.hidden = rows.length === 0;
    } catch (_err) {
      box.hidden = true;
    }
  }

  new MutationObserver(() => show(false)).observe(thread, { attributes: true, attributeFilter: ['data-conv', 'hidden'] });
  show(false);
})();
