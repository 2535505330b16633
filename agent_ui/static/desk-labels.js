/* Agent desktop: labels and custom fields on the conversation in view, and a label filter
 * for "My conversations" (issue 17).
 *
 * Reads the conversation in view from #thread-main's data-conv (the desk sets it) and the
 * list from #conv-list's data-interaction-id items, so it needs nothing from the desk's
 * own state. Talks to /agent/labels, /agent/interactions/{id}/extras and the change
 * calls in agent_ui/desk/labels.py. Names and values are text nodes only.
 * See docs/labels-and-fields.md.
 */
import { Dom } from './agent-dom.js';
import { I18n } from './agent-i18n.js';

(() => {
  const { t } = I18n;
  const { el, fill } = Dom;
  const bar = document.getElementById('desk-labels');
  const filter = document.getElementById('label-filter');
  const thread = document.getElementById('thread-main');
  const list = document.getElementById('conv-list');
  if (!bar || !filter || !thread || !list) return;
  const csrf = bar.dataset.csrf;
  let catalogue = { labels: [], fields: [] };
  let current = null;

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

  const chip = (label, onRemove) => el('span', {
    class: 'label-chip', testid: 'label-chip', dataset: { labelId: String(label.id) }, style: `--label-colour:${label.colour}`,
  }, el('span', { text: label.name }),
  el('button', { type: 'button', class: 'label-remove', 'aria-label': t('Remove label {name}', { name: label.name }), text: '×', on: { click: onRemove } }));

  function adder(target, recordId, carried) {
    const free = catalogue.labels.filter((l) => !carried.some((c) => c.id === l.id));
    const select = el('select', { class: 'label-add', testid: `label-add-${target}`, 'aria-label': t('Add a label') },
      el('option', { value: '', text: t('+ Label') }),
      ...free.map((l) => el('option', { value: String(l.id), text: l.name })));
    select.addEventListener('change', () => {
      if (select.value) change(() => call('POST', `/agent/${target}/${recordId}/labels`, { label_id: Number(select.value) }));
    });
    return select;
  }

  function fieldInput(target, recordId, field, value) {
    const name = `field-${target}-${field.key}`;
    let input;
    if (field.type === 'list') {
      input = el('select', { name }, el('option', { value: '', text: '—' }),
        ...field.options.map((o) => el('option', { value: o, text: o, selected: o === value })));
    } else {
      input = el('input', { name, type: field.type === 'date' ? 'date' : field.type === 'number' ? 'number' : 'text', step: 'any' });
      input.value = value == null ? '' : String(value);
    }
    input.dataset.testid = name;
    input.addEventListener('change', () => change(() => call('PATCH', `/agent/${target}/${recordId}/fields`, { fields: { [field.key]: input.value } })));
    return el('label', { class: 'field-edit' }, el('span', { text: field.name }), input);
  }

  function row(title, target, recordId, carried, values) {
    const fields = catalogue.fields.filter((f) => f.target === target);
    return el('div', { class: 'label-row', testid: `labels-${target}` },
      el('span', { class: 'label-row-title', text: title }),
      ...carried.map((l) => chip(l, () => change(() => call('DELETE', `/agent/${target}/${recordId}/labels/${l.id}`)))),
      adder(target, recordId, carried),
      ...fields.map((f) => fieldInput(target, recordId, f, values[f.key])));
  }

  async function change(action) {
    try {
      await action();
    } catch (err) {
      Dom.toast(err.message);
    }
    await show();
    await applyFilter();
  }

  async function show() {
    const id = thread.dataset.conv;
    if (!id || thread.hidden) {
      bar.hidden = true;
      return;
    }
    // Never leave the previous conversation's labels on screen while this one loads:
    // an agent who acts at once would label the wrong conversation.
    if (bar.dataset.conv !== id) bar.hidden = true;
    let extras;
    try {
      extras = await call('GET', `/agent/interactions/${id}/extras`);
    } catch (_err) {
      bar.hidden = true;
      return;
    }
    if (thread.dataset.conv !== id) return; // the agent moved on meanwhile
    current = extras;
    fill(bar,
      row(t('Conversation'), 'interaction', current.interaction_id, current.labels, current.fields),
      row(t('Customer'), 'customer', current.customer_id, current.customer_labels, current.customer_fields));
    bar.dataset.conv = id;
    bar.hidden = false;
  }

  async function applyFilter() {
    const wanted = filter.value;
    const items = [...list.querySelectorAll('[data-interaction-id]')];
    if (!wanted) {
      for (const item of items) item.hidden = false;
      return;
    }
    const ids = items.map((i) => i.dataset.interactionId).slice(0, 200);
    const answer = await call('GET', `/agent/labels?ids=${ids.join(',')}`).catch(() => null);
    if (!answer) return;
    for (const item of items) {
      const carried = answer.carried[item.dataset.interactionId] || [];
      item.hidden = !carried.includes(Number(wanted));
    }
  }

  async function start() {
    try {
      catalogue = await call('GET', '/agent/labels');
    } catch (_err) {
      return;
    }
    fill(filter, el('option', { value: '', text: t('All labels') }),
      ...catalogue.labels.map((l) => el('option', { value: String(l.id), text: l.name })));
    filter.hidden = catalogue.labels.length === 0;
    filter.addEventListener('change', applyFilter);
    new MutationObserver(() => show()).observe(thread, { attributes: true, attributeFilter: ['data-conv', 'hidden'] });
    let pending = null;
    new MutationObserver(() => {
      if (!filter.value) return;
      clearTimeout(pending);
      pending = setTimeout(applyFilter, 150);
    }).observe(list, { childList: true });
    show();
  }

  start();
})();
