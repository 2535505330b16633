/* Agent desktop: filters for the "Live conversations" drawer — who holds it (mine,
 * unassigned, my team), status (open, pending, wrap-up), channel and queue — and a sort
 * by waiting time. Each choice shows how many conversations it would list, given the
 * other filters, and how many unread messages those hold (only the agent's own chats
 * have any: unread counts live in this desk). Choices are remembered in this browser.
 */
import { Desk } from './agent-desk.js';
import { Dom } from './agent-dom.js';
import { t } from './agent-i18n.js';

export const TeamFilters = (() => {
  const { el } = Dom;
  const KEY = 'cc-desk-team-filters';
  const ids = { who: 'tf-who', status: 'tf-status', channel: 'tf-channel', queue: 'tf-queue', sort: 'tf-sort' };
  const STATUS = { open: ['active'], pending: ['queued', 'offered'], wrapup: ['wrapup'] };
  let last = [];
  let onChange = () => {};

  const $ = (id) => document.getElementById(id);
  const meId = () => Desk.state.me.id;

  function test(name, value, item) {
    if (value === 'all') return true;
    if (name === 'who') {
      if (value === 'mine') return item.agent_id === meId();
      if (value === 'unassigned') return item.agent_id == null;
      return item.agent_id != null && item.agent_id !== meId(); // my team
    }
    if (name === 'status') return (STATUS[value] || []).includes(item.status);
    if (name === 'channel') return item.channel === value;
    if (name === 'queue') return String(item.queue_id) === value;
    return true;
  }

  const chosen = () => Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, $(id).value]));

  function matches(item, choice, skip) {
    return ['who', 'status', 'channel', 'queue'].every((name) => name === skip || test(name, choice[name], item));
  }

  const unreadOf = (item) => {
    const conv = Desk.state.convs.get(item.id);
    return (conv && conv.unread) || 0;
  };

  /** Each option's label with how many it would list and, if any, how many unread messages. */
  function counts() {
    const choice = chosen();
    for (const name of ['who', 'status', 'channel', 'queue']) {
      for (const option of $(ids[name]).options) {
        if (!option.dataset.label) option.dataset.label = option.textContent;
        const hits = last.filter((item) => matches(item, { ...choice, [name]: option.value }, null));
        const unread = hits.reduce((n, item) => n + unreadOf(item), 0);
        const more = unread ? ', ' + t('{num} unread', { num: unread }) : '';
        option.textContent = `${option.dataset.label} (${hits.length}${more})`;
        option.dataset.unread = String(unread);
      }
    }
  }

  /** The list the drawer should show, filtered and sorted; the option labels get their counts. */
  function apply(list) {
    last = list;
    fillQueues();
    const choice = chosen();
    counts();
    const shown = list.filter((item) => matches(item, choice, null));
    if (choice.sort === 'waiting') shown.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
    return shown;
  }

  function fillQueues() {
    const select = $(ids.queue);
    const want = select.value || load().queue || 'all';
    const have = [...select.options].map((o) => o.value).join();
    const queues = Desk.state.queues || [];
    if (have === ['all', ...queues.map((q) => String(q.id))].join()) return;
    select.replaceChildren(el('option', { value: 'all', text: t('All queues') }), ...queues.map((q) => el('option', { value: String(q.id), text: q.name })));
    select.value = [...select.options].some((o) => o.value === want) ? want : 'all';
  }

  function load() {
    try {
      return JSON.parse(localStorage.getItem(KEY) || '{}') || {};
    } catch (_) {
      return {};
    }
  }

  function init(changed) {
    onChange = changed;
    const saved = load();
    for (const [name, id] of Object.entries(ids)) {
      const select = $(id);
      if (saved[name] && [...select.options].some((o) => o.value === saved[name])) select.value = saved[name];
      select.addEventListener('change', () => {
        try { localStorage.setItem(KEY, JSON.stringify(chosen())); } catch (_) { /* private mode */ }
        onChange(last);
      });
    }
  }

  // counts(): the desk calls it whenever its unread counts change (DeskRender.renderTitle).
  return { apply, counts, init };
})();
