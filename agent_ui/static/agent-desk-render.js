/* Agent desktop, part 2 of 5: drawing the state — the conversation lists, the open thread
 * (header, viewers, banner, messages, typing), the customer panel, the team drawer, the
 * presence control and the tab title. Everything goes on the page through Dom.el.
 */
import { Desk } from './agent-desk.js';
import { Dom } from './agent-dom.js';
import { t } from './agent-i18n.js';
import { DeskOutbox } from './agent-outbox.js';
import { TeamFilters } from './agent-team-filters.js';
import { Views } from './agent-views.js';

export const DeskRender = (() => {
  const { el, clear, fill } = Dom;
  const { parts, $, state, PRESENCE, offers, composer, wrapLabel, selectedConv } = Desk;

  function render() {
    DeskOutbox.save(state.me.id, state.convs); // what is pending survives a reload of this tab
    renderList();
    renderThread();
    renderTitle();
  }

  function renderStatic() {
    renderTransferOptions();
    const wrap = $('wrapup');
    const current = wrap.value;
    fill(wrap, el('option', { value: '', text: t('Wrap-up code') }),
      ...state.wrapups.map((w) => el('option', { value: w.code, text: w.label })));
    wrap.value = state.wrapups.some((w) => w.code === current) ? current : '';
    $('me-avatar').textContent = Dom.initials(state.me.display_name);
  }

  function renderTransferOptions() {
    const sel = $('transfer');
    const current = sel.value;
    const others = [...state.agents.values()].filter((a) => a.id !== state.me.id);
    fill(sel, el('option', { value: '', text: t('Transfer to…') }),
      el('optgroup', { label: t('Queues') }, state.queues.map((q) => el('option', { value: 'queue:' + q.id, text: q.name }))),
      others.length ? el('optgroup', { label: t('Agents') }, others.map((a) => el('option', { value: 'agent:' + a.id, text: `${a.display_name} · ${PRESENCE[a.presence] || a.presence}` }))) : null);
    sel.value = current;
    if (sel.value !== current) sel.value = '';
  }

  function renderList() {
    const held = [...state.convs.values()].filter((c) => c.role === 'held');
    const watched = [...state.convs.values()].filter((c) => c.role === 'watch');
    fill($('conv-list'), ...held.map((c) => Views.listItem(c, c.id === state.selected, parts.actions.select, c.closed ? parts.actions.dropConversation : null)));
    fill($('watch-list'), ...watched.map((c) => Views.listItem(c, c.id === state.selected, parts.actions.select, parts.actions.dropConversation)));
    $('watch-section').hidden = !watched.length;
    $('conv-empty').hidden = held.length > 0;
    const live = held.filter((c) => !c.closed).length;
    $('conv-count').textContent = live ? String(live) : '';
  }

  function renderThread() {
    const conv = selectedConv();
    $('thread-empty').hidden = !!conv;
    $('thread-main').hidden = !conv;
    composer.attach(conv);
    renderContextPanel(conv);
    if (!conv) return;
    const i = conv.interaction;
    if ($('thread-main').dataset.conv !== String(conv.id)) {
      // A choice made for one conversation must not be applied to the next one.
      $('thread-main').dataset.conv = String(conv.id);
      $('transfer').value = '';
      $('wrapup').value = '';
    }
    fill($('thread-avatar'), Dom.avatar(conv.name, 'avatar-md'));
    $('thread-name').textContent = conv.name;
    fill($('thread-meta'), Dom.channelChip(i.channel), Dom.statusChip(i.status),
      conv.role === 'watch' ? el('span', { class: 'chip chip-watch', text: i.agent_id ? t('Watching · notes only') : t('In queue · notes only') }) : null,
      i.subject ? el('span', { class: 'thread-subject', text: i.subject }) : null,
      el('span', { class: 'muted small', text: t('#{id} · started {date}', { id: i.id, date: Dom.fmtDate(i.created_at) }) }));

    const viewers = $('viewers');
    clear(viewers);
    if (conv.viewers.size) {
      viewers.append(el('span', { class: 'viewers-label', text: t('Also viewing:') }),
        ...[...conv.viewers.values()].map((n) => el('span', { class: 'viewer-chip', title: n }, Dom.avatar(n, 'avatar-xs'), el('span', { text: n }))));
    }

    const privileged = state.me.role === 'supervisor' || state.me.role === 'admin';
    const mayAct = conv.role === 'held' || privileged;
    $('transfer-group').hidden = !(mayAct && (i.status === 'active' || i.status === 'offered'));
    $('close-group').hidden = !(mayAct && (i.status === 'active' || i.status === 'wrapup'));
    $('dismiss-conv').hidden = !conv.closed;

    const banner = $('banner');
    banner.className = 'banner';
    if (i.status === 'wrapup' && mayAct) {
      banner.textContent = t('Customer left — choose a wrap-up code and close the conversation.');
      banner.classList.add('banner-warn');
    } else if (conv.closed) {
      banner.textContent = i.disposition ? t('This conversation is closed · {label}.', { label: wrapLabel(i.disposition) }) : t('This conversation is closed.');
      banner.classList.add('banner-muted');
    } else {
      banner.textContent = '';
    }
    banner.hidden = !banner.textContent;
    banner.dataset.testid = i.status === 'wrapup' ? 'wrapup-banner' : 'banner';

    const box = $('messages');
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    const switched = box.owner !== conv;
    Views.renderMessages(box, conv, state.me.id, wrapLabel);
    if (atBottom || switched) box.scrollTop = box.scrollHeight;
    renderTyping(conv);
  }

  function renderTyping(conv) {
    const box = clear($('typing'));
    for (const who of conv.typing.values()) {
      const line = el('div', { class: 'typing-line' }, el('span', { class: 'dots', 'aria-hidden': 'true' }, el('i'), el('i'), el('i')),
        el('span', { text: who.who === 'customer' ? t('Customer is typing…') : who.name ? t('{name} is typing…', { name: who.name }) : t('A colleague is typing…') }));
      if (who.preview) line.append(el('span', { class: 'typing-preview', text: who.preview }));
      box.append(line);
    }
  }

  let contextKey = null;
  function renderContextPanel(conv) {
    const panel = $('context');
    const key = conv ? [conv.context, conv.id, conv.status] : null;
    if (contextKey && key && key.every((v, n) => v === contextKey[n]) && panel.firstChild) return;
    contextKey = key;
    const customer = (conv && conv.context && conv.context.customer) || {};
    Object.assign(panel.dataset, { interactionId: conv ? String(conv.id) : '', customerId: customer.id ? String(customer.id) : '', customerPhone: customer.phone || '' });
    if (!conv) fill(panel, el('p', { class: 'muted context-empty', text: t('Select a conversation to see the customer.') }));
    else if (!conv.context) fill(panel, el('p', { class: 'muted context-empty', text: t('Loading customer…') }));
    else {
      // The timeline was read when the contact arrived; show this contact's status as it is now.
      const timeline = (conv.context.timeline || []).map((item) => (item.id === conv.id ? { ...item, status: conv.status } : item));
      fill(panel, el('h3', { class: 'panel-title', text: t('Customer') }), Dom.renderContext({ ...conv.context, timeline }, { currentId: conv.id }));
    }
  }

  function renderTeam(all) {
    const list = TeamFilters.apply(all);
    const box = clear($('team-list'));
    if (!all.length) box.append(el('li', { class: 'muted small', text: t('No live conversations right now.') }));
    else if (!list.length) box.append(el('li', { class: 'muted small', testid: 'team-none', text: t('No live conversation matches these filters.') }));
    for (const item of list) {
      const who = item.agent_id === state.me.id ? t('You') : item.agent_name || t('Waiting in queue');
      box.append(el('li', { class: 'team-item', testid: 'team-item', dataset: { interactionId: String(item.id) } },
        Dom.avatar(item.customer_name || t('Customer')),
        el('div', { class: 'team-main' },
          el('div', { class: 'conv-name', text: item.customer_name || t('Customer') }),
          el('div', { class: 'team-meta' }, Dom.channelChip(item.channel), Dom.statusChip(item.status),
            el('span', { class: 'muted small', text: `${who} · ${Dom.fmtDate(item.created_at)}` }))),
        el('button', { type: 'button', class: 'btn btn-small', testid: 'team-view', text: t('Open'), on: { click: () => parts.actions.openFromTeam(item) } })));
    }
  }

  function renderPresence(presence) {
    $('presence').value = presence;
    $('presence-dot').className = 'presence-dot p-' + presence;
  }

  function renderTitle() {
    const unread = [...state.convs.values()].reduce((n, c) => n + c.unread, 0);
    TeamFilters.counts(); // the Live conversations drawer shows unread messages per filter
    const count = unread + offers.size;
    document.title = (count ? `(${count}) ` : '') + (offers.size ? t('Incoming') + ' · ' : '') + t('Agent desktop') + ' · ' + t('Contact Center');
  }

  return { render, renderStatic, renderTransferOptions, renderTeam, renderPresence, renderTitle };
})();
