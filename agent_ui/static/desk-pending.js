/* Agent desktop: set the conversation in view aside ("Wait for customer", "Snooze until
 * tomorrow 9:00"), bring it back ("Resume"), and keep set-aside conversations out of
 * "My conversations" until they come back (issue 17).
 *
 * The server wakes them (the customer answers, or the snooze ends) and publishes the
 * change; the desk re-renders its list, and this file hides again whatever is still set
 * aside. See docs/pending.md.
 */
import { Dom } from './agent-dom.js';
import { I18n } from './agent-i18n.js';

(() => {
  const { t } = I18n;
  const { el, fill } = Dom;
  const box = document.getElementById('desk-pending');
  const thread = document.getElementById('thread-main');
  const list = document.getElementById('conv-list');
  if (!box || !thread || !list) return;
  const csrf = box.dataset.csrf;

  async function call(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'X-CSRF-Token': csrf },
      body: body ? JSON.stringify(body) : undefined,
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error((answer.error && answer.error.message) || t('Not saved.'));
    return answer;
  }

  /** Tomorrow at 9:00 in the agent's own clock. */
  function tomorrowNine() {
    const when = new Date();
    when.setDate(when.getDate() + 1);
    when.setHours(9, 0, 0, 0);
    return when;
  }

  const button = (testid, text, action) => el('button', { type: 'button', class: 'btn', testid, text, on: { click: () => act(action) } });

  async function act(action) {
    try {
      await action();
    } catch (err) {
      Dom.toast(err.message);
    }
    await refresh();
  }

  // Which refresh() is the newest: an older answer (from before a change, or for another
  // conversation) is never drawn over a newer one.
  let asked = 0;

  async function refresh() {
    const ask = ++asked;
    const items = [...list.querySelectorAll('[data-interaction-id]')];
    const ids = items.map((i) => i.dataset.interactionId).slice(0, 200);
    let waiting = [];
    if (ids.length) {
      const answer = await call('GET', `/agent/pending?ids=${ids.join(',')}`).catch(() => null);
      if (ask !== asked) return;
      waiting = answer ? answer.waiting.map(String) : [];
    }
    for (const item of items) if (waiting.includes(item.dataset.interactionId)) item.hidden = true;
    const id = thread.dataset.conv;
    if (!id || thread.hidden || !ids.includes(id)) {
      box.hidden = true;
      return;
    }
    if (waiting.includes(id)) {
      fill(box, el('div', { class: 'merge-row', testid: 'pending-state' },
        el('span', { text: t('Set aside: it comes back when the customer answers or the snooze ends.') }),
        button('pending-resume', t('Resume'), () => call('POST', `/agent/interactions/${id}/resume`))));
    } else {
      fill(box, el('div', { class: 'merge-row' },
        button('pending-wait', t('Wait for customer'), () => call('POST', `/agent/interactions/${id}/pending`, {})),
        button('pending-snooze', t('Snooze until tomorrow 9:00'), () => call('POST', `/agent/interactions/${id}/pending`, { until: tomorrowNine().toISOString() }))));
    }
    box.dataset.conv = id;
    box.hidden = false;
  }

  let pending = null;
  const soon = () => {
    // Hide the previous conversation's buttons at once: until the refresh, they would act on it.
    if (box.dataset.conv !== thread.dataset.conv || thread.hidden) box.hidden = true;
    clearTimeout(pending);
    pending = setTimeout(refresh, 100);
  };
  new MutationObserver(soon).observe(thread, { attributes: true, attributeFilter: ['data-conv', 'hidden'] });
  new MutationObserver(soon).observe(list, { childList: true });
  soon();
})();
